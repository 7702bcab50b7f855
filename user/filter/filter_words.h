/* SPDX-License-Identifier: MIT */
/*
 * The filter room's own: the token stream the compiler reads, and the
 * primitives (filter_words.c) that each turn a few of its words into one
 * term.
 */
#ifndef GNV_FILTER_WORDS_H
#define GNV_FILTER_WORDS_H

#include <stddef.h>

#include "gnvtrace.h"
#include "lib/log.h"

#define FILTER_MAX_TOKENS	256

struct gnv_ovn_names;

struct lexer {
	const char *tok[FILTER_MAX_TOKENS];
	int n, at;
	char *err;
	size_t errlen;
	const struct gnv_ovn_names *names;	/* NULL: numbers only */
	char *unknown;		/* names not (yet) in OVN, comma-separated */
	size_t unknown_len;
};

/* The reason the words make no filter, for the caller to print. */
#define fail(lx, ...) gnv_errf((lx)->err, (lx)->errlen, __VA_ARGS__)

/* The next token and on past it, or NULL at the end; the next, staying. */
const char *lx_next(struct lexer *lx);
const char *lx_peek(const struct lexer *lx);
/* Whether the next token is word (and then past it). */
int lx_accept(struct lexer *lx, const char *word);

/* One primitive's words into t (its kind and arguments): 0 or -EINVAL. */
int parse_primitive(struct lexer *lx, struct gnv_term *t);

/* The words that join and group primitives, which no primitive takes. */
int is_operator(const char *w);
/* Whether w starts a primitive or qualifies one ("tcp", "src", "host"). */
int is_primitive_word(const char *w);

#endif /* GNV_FILTER_WORDS_H */
