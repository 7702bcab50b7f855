/* SPDX-License-Identifier: MIT */
/*
 * Echo requests awaiting their replies on the host (offline --hist rtt),
 * with the kernel's rules (bpf/port_stats.h): the same key, a reply
 * counts within the timeout, the least recently seen request goes first
 * when GNV_MAX_ECHOES are waiting. Times are the capture's.
 */
#ifndef GNV_ECHO_TABLE_H
#define GNV_ECHO_TABLE_H

#include "hist.h"

struct gnv_echo_table;

struct gnv_echo_table *gnv_echo_table_new(void);
void gnv_echo_table_free(struct gnv_echo_table *t);

/*
 * A matched packet seen at now_ns going dir: a request is remembered, a
 * reply in time adds its round trip to its request's port in h. Requests
 * older than the timeout are counted unanswered in h first.
 */
void gnv_echo_count(struct gnv_echo_table *t, struct gnv_hist *h,
		    const struct gnv_pkt *p, __u8 dir, __u64 now_ns,
		    __u64 timeout_ns);

/* Counts the requests older than the timeout at now_ns as unanswered. */
void gnv_echo_reap(struct gnv_echo_table *t, struct gnv_hist *h,
		   __u64 now_ns, __u64 timeout_ns);

#endif /* GNV_ECHO_TABLE_H */
