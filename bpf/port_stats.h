/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Keying and bucketing per-port statistics, shared by the BPF programs
 * and the host (offline) so that both count the same way.
 */
#ifndef GNV_PORT_STATS_H
#define GNV_PORT_STATS_H

#include "parse.h"

GNV_INLINE void gnv_port_key_of(const struct gnv_pkt *p, __u8 dir,
				struct gnv_port_key *k)
{
	k->vni = p->vni;
	k->dir = dir;
	k->has_port = !!(p->flags & GNV_F_OVN);
	/* This side's port: who sends what leaves, who receives what comes. */
	if (!k->has_port)
		k->port = 0;
	else
		k->port = dir == GNV_DIR_OUT ? p->ovn_inport : p->ovn_outport;
}

/* The log2 slot of a length: 0 for 0-1, k for [2^k, 2^(k+1)), capped. */
GNV_INLINE __u32 gnv_log2_slot(__u32 v)
{
	__u32 slot = 0;

GNV_UNROLL
	for (int shift = 16; shift > 0; shift >>= 1) {
		if (v >= (1u << shift)) {
			v >>= shift;
			slot += shift;
		}
	}
	return slot < GNV_HIST_SLOTS ? slot : GNV_HIST_SLOTS - 1;
}

GNV_INLINE void gnv_port_stats_add(struct gnv_port_stats *s, __u32 len)
{
	s->packets++;
	s->bytes += len;
	s->size_slots[gnv_log2_slot(len)]++;
}

#endif /* GNV_PORT_STATS_H */
