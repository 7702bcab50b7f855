/* SPDX-License-Identifier: MIT */
/*
 * Room filter/ (uses lib/, ovn/): the filter's words compiled into what the
 * kernel and the host path match (include/filter.h).
 */
#ifndef GNV_FILTER_COMPILE_H
#define GNV_FILTER_COMPILE_H

#include <stddef.h>
#include <stdio.h>

#include "gnvtrace.h"

/*
 * Compiles filter words (tcpdump's language: primitives under "and",
 * "or", "not" and parentheses; the README lists the words) into *f, a
 * term program. The words may come as separate arguments or as one
 * quoted string. Returns 0, or -EINVAL with a one-line reason in err.
 */
int gnv_filter_compile(int argc, char **argv, __u16 geneve_port,
		       struct gnv_filter *f, char *err, size_t errlen);

struct gnv_ovn_names;
/*
 * The same, with OVN's names: "datapath NAME", "inport|outport|lport
 * NAME" resolve through names to keys (a port's in its datapath only). A
 * name OVN does not know makes its term match nothing, and is listed in
 * unknown (comma-separated; "" when all resolved), for the caller to say
 * so and compile again when the names change.
 */
int gnv_filter_compile_ovn(int argc, char **argv, __u16 geneve_port,
			   const struct gnv_ovn_names *names,
			   struct gnv_filter *f, char *unknown,
			   size_t unknown_len, char *err, size_t errlen);

/*
 * f's verdicts by inner protocol and VNI, each run through f itself, into
 * *t: 0, or -1 when a term reads more than the inner ethertype, family,
 * protocol and the VNI, or names more than GNV_TABLE_VNIS VNIs (or there
 * is no term: every packet is taken, none rejected).
 */
int gnv_filter_table(const struct gnv_filter *f, struct gnv_verdict_table *t);

/* -d: the term program, a line a term (filter_dump.c). */
void gnv_filter_dump(FILE *out, const struct gnv_filter *f);

#endif /* GNV_FILTER_COMPILE_H */
