/* SPDX-License-Identifier: MIT */
/*
 * The filter compiled into the programs as libbpf loads them, in place of
 * gnv_filter_xdp()'s and gnv_filter_tc()'s interpreter (see filter_code.c): loader.c's.
 */
#ifndef GNV_FILTER_CODE_H
#define GNV_FILTER_CODE_H

#include "gnvtrace.h"

/* Makes gnvtrace's program sections known to libbpf: before any open. */
int gnv_filter_code_register(void);
struct bpf_object;

/*
 * The filter that obj's programs compile in as they load from now on;
 * NULL: none, they interpret the one in .bss.
 */
void gnv_filter_code_set(const struct gnv_filter *f,
			 const struct bpf_object *obj);

#endif /* GNV_FILTER_CODE_H */
