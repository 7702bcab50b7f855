/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Keying and bucketing per-port statistics, shared by the BPF programs
 * and the host (offline) so that both count the same way.
 */
#ifndef GNV_PORT_STATS_H
#define GNV_PORT_STATS_H

#include "parse.h"

/*
 * The port key's port, in *has_port whether there is one: this side's,
 * who sends what leaves, who receives what comes. OVN's VXLAN has no
 * ingress port: what leaves is keyed by VNI.
 */
GNV_INLINE __u16 gnv_port_side(const struct gnv_pkt *p, __u8 dir,
			       __u8 *has_port)
{
	*has_port = (p->flags & GNV_F_OVN) &&
		    !((p->flags & GNV_F_VXLAN) && dir == GNV_DIR_OUT);
	if (!*has_port)
		return 0;
	return dir == GNV_DIR_OUT ? p->ovn_inport : p->ovn_outport;
}

/* p's port key, this direction, into k (whose padding the caller cleared). */
GNV_INLINE void gnv_port_key_of(const struct gnv_pkt *p, __u8 dir,
				struct gnv_port_key *k)
{
	k->vni = p->vni;
	k->dir = dir;
	k->port = gnv_port_side(p, dir, &k->has_port);
	copy_bytes(k->outer_src, p->outer_src, sizeof(k->outer_src));
	copy_bytes(k->outer_dst, p->outer_dst, sizeof(k->outer_dst));
	k->outer_family = p->outer_family;
}

/*
 * A port key's hash, from its fields (so that a packet's is had without
 * building its key: gnv_port_hash_of()), in the kernel's per-port table:
 * each of the key's eleven words times a constant of its own, summed
 * (cheaper than jhash, whose rounds wait on each other; an IPv4 tunnel's
 * address words past the first are 0 and left out: gnv_addrs_sum()), then
 * folded once and multiplied (gnv_fold64()). Its high half picks the first
 * slot the key may be in (gnv_port_slot_of()); the whole is what a slot
 * compares, where comparing the keys' words cost ~20 instructions a packet:
 * keys apart share it only by a 64-bit collision. The sum alone, high bits
 * taken, put keys that differ in steps (VNIs 1, 2, 3 to each chassis) in
 * runs of neighbouring slots: 21% of them found no free slot in eight probes
 * at a half-full table; folded, as many as with a random hash (<1%; unit
 * test_port_slot_spread). The packet identity's fuller mix (gnv_mix64())
 * cost a multiply more.
 */
GNV_INLINE __u64 gnv_port_hash_fields(__u32 vni, __u16 port, __u8 dir,
				      __u8 has_port, const __u8 *src,
				      const __u8 *dst, __u8 family)
{
	static const __u64 mul[8] = {
		0x165667b19e3779f9ULL, 0xd6e8feb86659fd93ULL,
		0xa0761d6478bd642fULL, 0xe7037ed1a0b428dbULL,
		0x8ebc6af09c88c6e3ULL, 0x589965cc75374cc3ULL,
		0x1d8e4e27c47d124fULL, 0xff51afd7ed558ccdULL,
	};
	__u64 h;

	h = (__u64)vni * 0x9e3779b97f4a7c15ULL;
	h += (__u64)(port | (__u32)dir << 16 | (__u32)has_port << 24) *
	     0xc2b2ae3d27d4eb4fULL;
	h += (__u64)family * 0xc4ceb9fe1a85ec53ULL;
	h += gnv_addrs_sum(src, dst, family, mul);
	return gnv_fold64(h);
}

/* Port key k's hash. */
GNV_INLINE __u64 gnv_port_hash(const struct gnv_port_key *k)
{
	return gnv_port_hash_fields(k->vni, k->port, k->dir, k->has_port,
				    k->outer_src, k->outer_dst,
				    k->outer_family);
}

/* The hash of p's port key, this direction, without the key. */
GNV_INLINE __u64 gnv_port_hash_of(const struct gnv_pkt *p, __u8 dir)
{
	__u8 has_port;
	__u16 port = gnv_port_side(p, dir, &has_port);

	return gnv_port_hash_fields(p->vni, port, dir, has_port, p->outer_src,
				    p->outer_dst, p->outer_family);
}

/* The first slot of a key whose gnv_port_hash() is hash. */
GNV_INLINE __u32 gnv_port_slot_of(__u64 hash)
{
	return (__u32)(hash >> 32) & (GNV_MAX_PORT_KEYS - 1);
}

/* The log2 of each byte value (0 for 0). */
#define GNV_LOG2_R2(n)	n, n
#define GNV_LOG2_R4(n)	GNV_LOG2_R2(n), GNV_LOG2_R2(n)
#define GNV_LOG2_R8(n)	GNV_LOG2_R4(n), GNV_LOG2_R4(n)
#define GNV_LOG2_R16(n)	GNV_LOG2_R8(n), GNV_LOG2_R8(n)
static const __u8 gnv_log2_byte[256] = {
	0, 0, GNV_LOG2_R2(1), GNV_LOG2_R4(2), GNV_LOG2_R8(3),
	GNV_LOG2_R16(4), GNV_LOG2_R16(5), GNV_LOG2_R16(5),
	GNV_LOG2_R16(6), GNV_LOG2_R16(6), GNV_LOG2_R16(6), GNV_LOG2_R16(6),
	GNV_LOG2_R16(7), GNV_LOG2_R16(7), GNV_LOG2_R16(7), GNV_LOG2_R16(7),
	GNV_LOG2_R16(7), GNV_LOG2_R16(7), GNV_LOG2_R16(7), GNV_LOG2_R16(7),
};

/*
 * gnv_log2_byte[b & 255], the mask where the verifier sees it: clang
 * drops one it can prove changes nothing (v's higher bytes were tested
 * 0), and the verifier, which cannot, then refuses the load.
 */
GNV_INLINE __u32 log2_byte(__u64 b)
{
#ifdef __bpf__
	asm volatile("%0 &= 255" : "+r"(b));
#else
	b &= 255;
#endif
	return gnv_log2_byte[b];
}

/*
 * The log2 slot of v: 0 for 0-1, k for [2^k, 2^(k+1)), capped at max
 * (a constant at each call, 33 at most). The cap first, then v's highest
 * byte that is not 0 looked up: for a frame's length (under 2^16), one
 * test and one load, where a binary search took four steps (~15
 * instructions more).
 */
GNV_INLINE __u32 gnv_log2_slot(__u64 v, __u32 max)
{
	__u32 slot;

	if (v >= 1ULL << (max - 1))
		return max - 1;
	if (max - 1 > 24 && v >> 24)
		slot = 24 + log2_byte(v >> 24);
	else if (max - 1 > 16 && v >> 16)
		slot = 16 + log2_byte(v >> 16);
	else if (max - 1 > 8 && v >> 8)
		slot = 8 + log2_byte(v >> 8);
	else
		slot = log2_byte(v);
	/* Below max already; the verifier, not knowing the table, asks. */
	return slot < max ? slot : max - 1;
}

GNV_INLINE void gnv_port_stats_add(struct gnv_port_stats *s, __u32 len)
{
	s->packets++;
	s->bytes += len;
	s->size_slots[gnv_log2_slot(len, GNV_HIST_SLOTS)]++;
	if (len > s->max_len)
		s->max_len = len;
}

/*
 * What the tunnel adds to a TCP segment of MSS payload bytes, counted as
 * an MTU counts (from the outer IP header on): outer IP (20, IPv6 40;
 * tunnels carry no IP options), UDP and Geneve (8 + 8, OVN's VXLAN too),
 * Geneve's options, the inner Ethernet header, and the inner IP and TCP
 * headers an MSS leaves out (20 + 20, IPv6 40 + 20). An inner VLAN tag
 * would add 4: OVN's inner frames carry none.
 */
GNV_INLINE __u32 gnv_tunnel_overhead(const struct gnv_pkt *p)
{
	return (p->outer_family == 6 ? 40 : 20) + 8 + 8 + p->opts_len +
	       (p->flags & GNV_F_INNER_ETH ? 14 : 0) +
	       (p->inner_family == 6 ? 40 : 20) + 20;
}

/*
 * MTU trouble a matched packet shows, counted to its port: a "too big"
 * and the MTU it announces; a SYN's tunnel overhead, and whether its MSS
 * with that overhead would not fit mtu, the MTU of the device the frame
 * was seen on (0: unknown, not judged; a Geneve device's frames have
 * none).
 */
GNV_INLINE void gnv_port_mtu_add(struct gnv_port_stats *s,
				 const struct gnv_pkt *p, __u32 mtu)
{
	__u32 overhead, announced;

	if (gnv_is_too_big(p)) {
		announced = gnv_too_big_mtu(p);
		s->too_big++;
		if (announced && (!s->too_big_mtu || announced < s->too_big_mtu))
			s->too_big_mtu = announced;
		return;
	}
	if (!gnv_is_mss_syn(p))
		return;
	overhead = gnv_tunnel_overhead(p);
	s->mss_overhead = overhead;
	if (mtu && (__u32)p->tcp_mss + overhead > mtu)
		s->mss_over++;
}

/* A round trip answered: an echo's, or a TCP handshake's (key proto). */
GNV_INLINE void gnv_port_rtt_add(struct gnv_port_stats *s, __u8 proto,
				 __u64 rtt_ns)
{
	__u32 slot = gnv_log2_slot(rtt_ns / 1000, GNV_RTT_SLOTS);

	if (proto == GNV_IPPROTO_TCP) {
		s->syn_count++;
		s->syn_sum_ns += rtt_ns;
		s->syn_slots[slot]++;
		return;
	}
	s->rtt_count++;
	s->rtt_sum_ns += rtt_ns;
	s->rtt_slots[slot]++;
}

#define GNV_ECHO_REQUEST	1
#define GNV_ECHO_REPLY		2

/*
 * Whether p's inner packet is a request or a reply with a round trip: an
 * ICMP or ICMPv6 echo request or reply, a TCP SYN or SYN-ACK.
 */
GNV_INLINE int gnv_echo_kind(const struct gnv_pkt *p)
{
	__u8 f = p->tcp_flags &
		 (GNV_TCP_SYN | GNV_TCP_ACK | GNV_TCP_RST | GNV_TCP_FIN);

	if (!(p->flags & GNV_F_INNER_L4))
		return 0;
	if (p->inner_proto == GNV_IPPROTO_TCP)
		return f == GNV_TCP_SYN ? GNV_ECHO_REQUEST :
		       f == (GNV_TCP_SYN | GNV_TCP_ACK) ? GNV_ECHO_REPLY : 0;
	if (p->icmp_code)
		return 0;
	if (p->inner_family == 4 && p->inner_proto == GNV_IPPROTO_ICMP)
		return p->icmp_type == 8 ? GNV_ECHO_REQUEST :
		       p->icmp_type == 0 ? GNV_ECHO_REPLY : 0;
	if (p->inner_family == 6 && p->inner_proto == GNV_IPPROTO_ICMPV6)
		return p->icmp_type == 128 ? GNV_ECHO_REQUEST :
		       p->icmp_type == 129 ? GNV_ECHO_REPLY : 0;
	return 0;
}

/*
 * The request's key, from the request or from its reply (whose addresses,
 * and TCP's ports, are the other way round). k must be zeroed: its
 * padding is key too.
 */
GNV_INLINE void gnv_echo_key_of(const struct gnv_pkt *p, int kind,
				struct gnv_echo_key *k)
{
	int reply = kind == GNV_ECHO_REPLY;
	const __u8 *src = reply ? p->inner_dst : p->inner_src;
	const __u8 *dst = reply ? p->inner_src : p->inner_dst;

	copy_bytes(k->src, src, sizeof(k->src));
	copy_bytes(k->dst, dst, sizeof(k->dst));
	if (p->inner_proto == GNV_IPPROTO_TCP) {
		k->id = reply ? p->dport : p->sport;
		k->seq = reply ? p->sport : p->dport;
	} else {
		k->id = p->icmp_id;
		k->seq = p->icmp_seq;
	}
	k->family = p->inner_family;
	k->proto = p->inner_proto;
}

/*
 * A reply counts as a round trip only within the timeout: a later one
 * finds its request already counted as unanswered (or about to be), the
 * same live and offline whenever the reaper runs.
 */
GNV_INLINE int gnv_echo_in_time(__u64 req_ns, __u64 now_ns, __u64 timeout_ns)
{
	return now_ns >= req_ns && now_ns - req_ns <= timeout_ns;
}

/*
 * A word of 16 address bytes that differs between hosts: an IPv4
 * address (the first 4 bytes, the rest 0), or an IPv6 address's first
 * word (its prefix) and last (its interface) folded. The last word alone
 * is 0 for every IPv4 address: echoes and TCP flows went by their
 * numbers only, each host's ping 1 to one slot.
 */
GNV_INLINE __u32 gnv_addr_word(const __u8 *a)
{
	return gnv_id_word(a) ^ gnv_id_word(a + 12);
}

/*
 * The request's slot in the echo table: its three words each times a
 * constant of its own, the products folded (side by side, where each
 * word's product waited for the last: ~0.04x r15 in the exporter's
 * mode).
 */
GNV_INLINE __u32 gnv_echo_slot_of(const struct gnv_echo_key *k)
{
	__u32 h = ((__u32)k->id << 16 | k->seq) * 0x9e3779b1u ^
		  gnv_addr_word(k->src) * 0x85ebca6bu ^
		  gnv_addr_word(k->dst) * 0xc2b2ae35u;
	return (h ^ h >> 16) & (GNV_ECHO_SLOTS - 1);
}

/* Keys compared as five 8-byte words (the type is 8-byte aligned). */
GNV_INLINE int gnv_echo_key_eq(const struct gnv_echo_key *a,
			       const struct gnv_echo_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] &&
	       x[3] == y[3] && x[4] == y[4];
}

/*
 * What a matched packet does to its echo slot s at time now: a request
 * takes the slot (GNV_ECHO_DISPLACED when another was waiting there); a
 * reply in time gives its round trip in *rtt_ns (GNV_ECHO_ANSWERED), and
 * the caller frees the slot (ts 0) once it has counted it to s->port.
 */
#define GNV_ECHO_DISPLACED	1
#define GNV_ECHO_ANSWERED	2

GNV_INLINE int gnv_echo_update(struct gnv_echo_slot *s, int kind,
			       const struct gnv_echo_key *k,
			       const struct gnv_pkt *p, __u8 dir, __u64 now,
			       __u64 timeout_ns, __u64 *rtt_ns)
{
	int displaced;

	if (kind == GNV_ECHO_REQUEST) {
		/*
		 * A SYN sent again keeps the first one's time: the handshake
		 * then takes as long as the client waited.
		 */
		if (k->proto == GNV_IPPROTO_TCP && s->ts_ns &&
		    gnv_echo_key_eq(&s->key, k) &&
		    gnv_echo_in_time(s->ts_ns, now, timeout_ns))
			return 0;
		displaced = s->ts_ns && !gnv_echo_key_eq(&s->key, k);
		/*
		 * A reader on another CPU (the reaper) sees ts 0 while the
		 * slot changes. To clang the first store is dead and the key's
		 * stores free to move: it put them before it. Volatile stores
		 * between compiler barriers keep the order in the program; on
		 * x86 (TSO) the CPU keeps it too. tests/kern/check_echo_order.py
		 * checks the built object.
		 */
		*(volatile __u64 *)&s->ts_ns = 0;
		asm volatile("" ::: "memory");
		__builtin_memcpy(&s->key, k, sizeof(*k));
		gnv_port_key_of(p, dir, &s->port);
		asm volatile("" ::: "memory");
		*(volatile __u64 *)&s->ts_ns = now;
		return displaced ? GNV_ECHO_DISPLACED : 0;
	}
	if (!s->ts_ns || !gnv_echo_key_eq(&s->key, k) ||
	    !gnv_echo_in_time(s->ts_ns, now, timeout_ns))
		return 0;
	*rtt_ns = now - s->ts_ns;
	return GNV_ECHO_ANSWERED;
}

/* Whether sequence number a comes before b (RFC 1982's arithmetic). */
GNV_INLINE int gnv_seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

/*
 * A TCP segment's flow, this direction (struct gnv_tcp_slot): its family
 * and ports times a constant, its addresses as the packet identity takes
 * them, folded as a port key's hash is (gnv_fold64(): gnv_mix64() cost
 * ~1 ns more a segment); its high half picks the set. Not
 * made to resist a sender who crafts two flows to collide: the most such
 * a pair can do is share one flow's count, as a flood of flows can evict
 * them.
 */
GNV_INLINE __u64 gnv_tcp_flow_of(const struct gnv_pkt *p)
{
	return gnv_fold64(((__u64)p->inner_family << 32 |
			   (__u32)p->sport << 16 | p->dport) *
			  0x9e3779b97f4a7c15ULL +
			  gnv_addrs_sum(p->inner_src, p->inner_dst,
					p->inner_family, gnv_id_addr_mul));
}

GNV_INLINE __u32 gnv_tcp_set_of(__u64 flow)
{
	return (__u32)(flow >> 32) & (GNV_TCP_SETS - 1);
}

/*
 * What a TCP segment with data (seq, len bytes) of flow at now does to
 * its slot in set: a retransmission when its bytes were seen already, the
 * issue's own definition: it starts before the end of the data seen,
 * outside the latest gap (what skipped it, lost before this point or
 * overtaken, is no retransmission when it comes: the sender's first copy
 * to pass here; filled from either end, the gap narrows), and is no
 * keep-alive (one byte just before the end). Only the latest gap is
 * kept: a segment filling an older one counts; one resent into what is
 * left of the gap, filled in its middle, does not. A flow new to the set
 * takes a slot (gnv_tcp_take()).
 */
#define GNV_TCP_RETRANS		1
#define GNV_TCP_EVICTED		2

/*
 * A flow new to its set: the free slot, or the one seen longer ago,
 * GNV_TCP_EVICTED when that one was seen within GNV_TCP_IDLE_NS.
 */
GNV_INLINE int gnv_tcp_take(struct gnv_tcp_set *set, __u64 flow, __u32 end,
			    __u64 now)
{
	struct gnv_tcp_slot *s = &set->slot[0], *o = &set->slot[1];
	int r = 0;

	if (s->ts_ns && (!o->ts_ns || o->ts_ns < s->ts_ns))
		s = o;
	if (s->ts_ns && now >= s->ts_ns && now - s->ts_ns < GNV_TCP_IDLE_NS)
		r = GNV_TCP_EVICTED;
	s->flow = flow;
	s->next_seq = end;
	s->gap_start = s->gap_end = end;
	s->ts_ns = now;
	return r;
}

GNV_INLINE int gnv_tcp_update(struct gnv_tcp_set *set, __u64 flow,
			      __u32 seq, __u32 len, __u64 now)
{
	struct gnv_tcp_slot *s = &set->slot[0];
	__u32 end = seq + len;
	int r = 0;

	if (!s->ts_ns || s->flow != flow) {
		s = &set->slot[1];
		if (!s->ts_ns || s->flow != flow)
			return gnv_tcp_take(set, flow, end, now);
	}
	s->ts_ns = now;
	if (!gnv_seq_before(seq, s->next_seq)) {
		if (seq != s->next_seq) {	/* bytes skipped */
			s->gap_start = s->next_seq;
			s->gap_end = seq;
		}
		s->next_seq = end;
		return 0;
	}
	if (!gnv_seq_before(seq, s->gap_start) &&
	    gnv_seq_before(seq, s->gap_end)) {
		/* The gap filled: narrowed from either end. */
		if (seq == s->gap_start)
			s->gap_start = gnv_seq_before(end, s->gap_end) ?
				       end : s->gap_end;
		else if (end == s->gap_end)
			s->gap_end = seq;
	} else if (!(len == 1 && end == s->next_seq)) {
		r = GNV_TCP_RETRANS;
	}
	if (gnv_seq_before(s->next_seq, end))
		s->next_seq = end;
	return r;
}

/* Whether p is a TCP segment with data, what --hist tcp follows. */
GNV_INLINE int gnv_is_tcp_data(const struct gnv_pkt *p)
{
	return (p->flags & GNV_F_INNER_L4) &&
	       p->inner_proto == GNV_IPPROTO_TCP && p->tcp_data_len;
}

/*
 * Such a segment p, of flow (gnv_tcp_flow_of()), counted to its port's
 * stats st: segments with data, and those resent; set is the flow's
 * (gnv_tcp_set_of()). Returns GNV_TCP_EVICTED when it took another flow's
 * slot.
 */
GNV_INLINE int gnv_tcp_count(struct gnv_tcp_set *set, __u64 flow,
			     struct gnv_port_stats *st,
			     const struct gnv_pkt *p, __u64 now)
{
	int r = gnv_tcp_update(set, flow, p->tcp_seq, p->tcp_data_len, now);

	st->tcp_data_segs++;
	if (r == GNV_TCP_RETRANS)
		st->tcp_retrans++;
	return r;
}

#endif /* GNV_PORT_STATS_H */
