/* SPDX-License-Identifier: MIT */
/*
 * TCP flows followed for retransmissions on the host (offline --hist
 * tcp): the kernel's table of two-slot sets and its rules (port_stats.h),
 * on the capture's clock.
 */
#ifndef GNV_TCP_FLOWS_H
#define GNV_TCP_FLOWS_H

#include "gnvtrace.h"

/* GNV_TCP_SETS sets of free slots, or NULL; free() it. */
struct gnv_tcp_set *gnv_tcp_flows_new(void);

/*
 * A matched packet seen at now_ns, counted to its port's stats st when
 * it is a TCP segment with data; *evicted counts the flows whose slot it
 * took.
 */
void gnv_tcp_flows_count(struct gnv_tcp_set *table,
			 struct gnv_port_stats *st, const struct gnv_pkt *p,
			 __u64 now_ns, __u64 *evicted);

#endif /* GNV_TCP_FLOWS_H */
