/* SPDX-License-Identifier: MIT */
/*
 * Libraries that only some runs need, loaded when one first does
 * (dlopen), not at every start: each library linked is mapped and
 * relocated before main(), all of it (Debian builds them with BIND_NOW),
 * and the chains behind them added up to most of gnvtrace's ~14 ms start,
 * paid by every `gnvtrace -r FILE` (README, Benchmark). The package's
 * Depends names them by hand: dpkg-shlibdeps sees linked libraries only.
 *
 * A user's table of a library's functions, filled by gnv_dynlib_load():
 *
 *	#define FOO_FNS(X) X(foo_open) X(foo_close)
 *	static struct { FOO_FNS(GNV_DYNLIB_PTR) } foo;
 *	static const char *const foo_names[] = { FOO_FNS(GNV_DYNLIB_NAME) NULL };
 *	static struct gnv_dynlib foo_lib = {
 *		.soname = "libfoo.so.1", .package = "libfoo1",
 *		.names = foo_names, .fns = (void **)&foo,
 *	};
 *	#define foo_open (*foo.foo_open)
 *	#define foo_close (*foo.foo_close)
 *
 * after foo's own header: each name then stands for the table's pointer,
 * with that header's types, so the calls read as the library's, and so
 * do the expansions of its macros. The build checks the two lists: a
 * name the table lacks is a compile error, a name left without its
 * #define an undefined symbol at the link (the library is not linked).
 */
#ifndef GNV_DYNLIB_H
#define GNV_DYNLIB_H

#include <stddef.h>

#define GNV_DYNLIB_PTR(fn)	__typeof__(fn) *fn;
#define GNV_DYNLIB_NAME(fn)	#fn,

struct gnv_dynlib {
	const char *soname;		/* "libmicrohttpd.so.12" */
	const char *package;		/* Debian's, for the error */
	const char *const *names;	/* the functions, NULL-terminated */
	void **fns;			/* their addresses go here, in order */
	int state;			/* 0 not tried, 1 loaded, < 0 failed */
};

/*
 * Loads lib once (later calls answer as the first did): 0, or -ENOENT
 * with a one-line message in err naming what needs it (need: "--metrics")
 * and the package to install.
 */
int gnv_dynlib_load(struct gnv_dynlib *lib, const char *need, char *err,
		    size_t errlen);

#endif /* GNV_DYNLIB_H */
