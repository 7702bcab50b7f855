/* SPDX-License-Identifier: MIT */
/*
 * Echo requests awaiting their replies on the host (offline --hist rtt):
 * the kernel's direct-mapped table and rules (bpf/port_stats.h), on the
 * capture's clock. Like the live reaper, a scan once a second of that
 * clock counts the requests past the timeout as unanswered.
 */
#ifndef GNV_ECHO_TABLE_H
#define GNV_ECHO_TABLE_H

#include "hist.h"

struct gnv_echo_table;

struct gnv_echo_table *gnv_echo_table_new(void);
void gnv_echo_table_free(struct gnv_echo_table *t);

/*
 * A matched packet seen at now_ns going dir: a request takes its slot, a
 * reply in time adds its round trip to its request's port in h.
 * *displaced counts requests lost to another's slot.
 */
void gnv_echo_count(struct gnv_echo_table *t, struct gnv_hist *h,
		    const struct gnv_pkt *p, __u8 dir, __u64 now_ns,
		    __u64 timeout_ns, __u64 *displaced);

/*
 * Counts the requests in slots[0..GNV_ECHO_SLOTS) older than the timeout
 * at now_ns as unanswered in h, and frees their slots. The kernel's table
 * (mapped) or the host's; a slot the kernel retook meanwhile is left.
 */
void gnv_echo_reap_slots(struct gnv_echo_slot *slots, struct gnv_hist *h,
			 __u64 now_ns, __u64 timeout_ns);

/*
 * Whether a reap is due at now_ns: once a second of the clock given, the
 * first call starting it. Offline, called for every packet.
 */
int gnv_echo_reap_due(__u64 *next_ns, __u64 now_ns);

/* The host table's reap. */
void gnv_echo_reap(struct gnv_echo_table *t, struct gnv_hist *h,
		   __u64 now_ns, __u64 timeout_ns);

#endif /* GNV_ECHO_TABLE_H */
