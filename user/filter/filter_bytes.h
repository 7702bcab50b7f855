/* SPDX-License-Identifier: MIT */
/*
 * tcpdump's byte expressions ("tcp[13] & 2 != 0", "ip[2:2] > 576",
 * "greater 100") and the primitives gnvtrace has no words of its own for
 * ("sctp port 9", "igmp", "esp"): libpcap compiles each into classic BPF
 * for an Ethernet frame, which runs on the inner frame with its VLAN tags
 * looked through, as gnvtrace's other words see it.
 */
#ifndef GNV_FILTER_BYTES_H
#define GNV_FILTER_BYTES_H

#include <stddef.h>

#include "gnvtrace.h"

/*
 * 1 when the words from tok[0] (up to the first "and"/"or" or unmatched
 * ")") are a byte expression; *n then says how many they are.
 */
int gnv_bytes_words(const char *const *tok, int n_tok, int *n);

/*
 * Compiles text with libpcap into b. 0, or -EINVAL with libpcap's
 * message (or why gnvtrace cannot run the program) in err.
 */
int gnv_bytes_compile(const char *text, struct gnv_bytes *b, char *err,
		      size_t errlen);

#endif /* GNV_FILTER_BYTES_H */
