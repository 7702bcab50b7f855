/* SPDX-License-Identifier: MIT */
#ifndef GNV_FILTER_COMPILE_H
#define GNV_FILTER_COMPILE_H

#include <stddef.h>
#include "gnvtrace.h"

/*
 * Compiles filter words (tcpdump-like, joined with "and", "not" before a
 * single primitive) into *f. The words may come as separate arguments or
 * as one quoted string. Returns 0, or -1 with a one-line reason in err.
 */
int gnv_filter_compile(int argc, char **argv, __u16 geneve_port,
		       struct gnv_filter *f, char *err, size_t errlen);

#endif /* GNV_FILTER_COMPILE_H */
