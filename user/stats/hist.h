/* SPDX-License-Identifier: MIT */
/*
 * Room stats/ (uses lib/, output/, ovn/): counters (counts.h), the port
 * table (this header), metrics (metrics.h), the echo table.
 *
 * Per-port statistics in user space: filled from the kernel's port_stats
 * map (live, --kernel) or by the host path itself (offline), and printed
 * as log2 histograms in the style of bcc's libbpf-tools, or as JSON.
 */
#ifndef GNV_HIST_H
#define GNV_HIST_H

#include <stdio.h>

#include "gnvtrace.h"
#include "output/format.h"

struct gnv_ovn_names;

struct gnv_port_entry {
	struct gnv_port_key key;
	struct gnv_port_stats stats;
	/* Echo requests of this port's with no reply within the timeout. */
	__u64 unanswered;
	/* TCP SYNs of this port's with no SYN-ACK within it. */
	__u64 syn_unanswered;
};

/*
 * A tunnel a router said was too big for its path (an underlay ICMP
 * "fragmentation needed" or ICMPv6 "packet too big", GNV_UNDERLAY_TOO_BIG):
 * counted in user space, from the events.
 */
#define GNV_MAX_TOO_BIG_TUNNELS	256
struct gnv_tunnel_too_big {
	__u8 family;		/* 4 or 6 */
	__u8 src[16], dst[16];	/* the tunnel's endpoints, as it sent */
	__u8 router[16];	/* who said so last */
	__u32 mtu;		/* the smallest MTU announced, 0: none */
	__u64 count;
};

struct gnv_hist {
	struct gnv_port_entry *e;
	size_t n, cap;
	__u32 *index;		/* by key, see hist.c */
	__u64 dropped;		/* keys past GNV_MAX_PORT_KEYS, not counted */
	__u64 evicted;		/* keys whose kernel slot another took */
	/* OVN's names of the keys, for headings and labels; or NULL. */
	const struct gnv_ovn_names *names;
	struct gnv_tunnel_too_big too_big[GNV_MAX_TOO_BIG_TUNNELS];
	int n_too_big;
	__u64 too_big_untracked;	/* of tunnels past the table's room */
};

void gnv_hist_init(struct gnv_hist *h);
void gnv_hist_free(struct gnv_hist *h);
/* The entry for key, made (zeroed) when new; NULL when the table is full. */
struct gnv_port_entry *gnv_hist_entry(struct gnv_hist *h,
				      const struct gnv_port_key *key);
/*
 * One more request of key's port with no reply in time: an echo's, or
 * with proto GNV_IPPROTO_TCP a SYN's.
 */
void gnv_hist_unanswered(struct gnv_hist *h, const struct gnv_port_key *key,
			 __u8 proto);
/* The order histograms print in: VNI, then port (none first), then in/out. */
int gnv_port_key_cmp(const struct gnv_port_key *x,
		     const struct gnv_port_key *y);
/* Whether e saw echo round trips or unanswered requests. */
int gnv_port_has_echoes(const struct gnv_port_entry *e);
/* Whether e saw TCP handshakes or unanswered SYNs. */
int gnv_port_has_handshakes(const struct gnv_port_entry *e);
/* Adds add's counts and slots to to's. */
void gnv_port_stats_sum(struct gnv_port_stats *to,
			const struct gnv_port_stats *add);
/*
 * Counts one matched packet of len bytes, as the kernel does; mtu: the
 * underlay's (--mtu), 0 when unknown (see gnv_port_mtu_add()). Returns
 * its port's entry, or NULL when the table is full.
 */
struct gnv_port_entry *gnv_hist_count(struct gnv_hist *h,
				      const struct gnv_pkt *p, __u8 dir,
				      __u32 len, __u32 mtu);
/* Counts an underlay "too big" (p->underlay) to its tunnel. */
void gnv_hist_too_big(struct gnv_hist *h, const struct gnv_pkt *p);
/* Adds add's counts, round trips and unanswered requests to to's. */
void gnv_port_entry_add(struct gnv_port_entry *to,
			const struct gnv_port_entry *add);
/* Adds from's counts to h's. */
void gnv_hist_merge(struct gnv_hist *h, const struct gnv_hist *from);
/* Sorts h by key (gnv_port_key_cmp). */
void gnv_hist_sort(struct gnv_hist *h);
/* kinds: GNV_HIST_SIZE, GNV_HIST_RTT or both. Sorts h by key. */
void gnv_hist_print(FILE *out, struct gnv_hist *h, int kinds,
		    enum gnv_format mode);


#endif /* GNV_HIST_H */
