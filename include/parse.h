/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one Geneve parser. It is compiled into the BPF programs and into
 * every host-side consumer (unit tests, offline mode, fuzzing), so it uses
 * no helpers, no libc and no kernel structs: only byte pointers.
 *
 * Conventions:
 *  - a cursor (pos, end) walks the frame; every read is preceded by a
 *    "pos + n > end" check the verifier can see;
 *  - multi-byte fields are assembled from bytes (rd16/rd32), which gives
 *    host order on any machine and never makes an unaligned load;
 *  - parse_* functions return a value >= 0 on success or -GNV_BAD_* when
 *    the header does not hold together;
 *  - every loop has a constant bound.
 */
#ifndef GNV_PARSE_H
#define GNV_PARSE_H

#include "gnvtrace.h"

/*
 * Inlined on the host too: gcc kept the parse out of line, its constant
 * GNV_FIELDS_* argument a variable tested at every field (and 12% more
 * instructions a packet offline).
 */
#ifdef __bpf__
#define GNV_INLINE static __always_inline
#else
#define GNV_INLINE static inline __attribute__((always_inline))
#endif

/*
 * Short loops over headers (VLAN tags, IPv6 extension headers) are
 * unrolled; the option walk, up to 63 turns, is left for the verifier to
 * bound, since unrolling it would multiply the program size for no gain.
 */
#ifdef __clang__
#define GNV_UNROLL _Pragma("unroll")
#define GNV_NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define GNV_UNROLL
#define GNV_NO_UNROLL
#endif

#define GNV_ETH_P_IP	0x0800
#define GNV_ETH_P_ARP	0x0806
#define GNV_ETH_P_IPV6	0x86DD
#define GNV_ETH_P_8021Q	0x8100
#define GNV_ETH_P_8021AD 0x88A8

#define GNV_IPPROTO_ICMP	1
#define GNV_IPPROTO_TCP		6
#define GNV_IPPROTO_UDP		17
#define GNV_IPPROTO_ICMPV6	58
/* TCP's flags */
#define GNV_TCP_FIN		0x01
#define GNV_TCP_SYN		0x02
#define GNV_TCP_RST		0x04
#define GNV_TCP_ACK		0x10
/* IPv6 extension headers the parser walks past. */
#define GNV_IPPROTO_HOPOPTS	0
#define GNV_IPPROTO_ROUTING	43
#define GNV_IPPROTO_FRAGMENT	44
#define GNV_IPPROTO_AH		51
#define GNV_IPPROTO_DSTOPTS	60

/*
 * Where the option area may start at the latest: all headers before it,
 * the longest link header (Linux cooked v2, 20 bytes) included.
 */
#define GNV_MAX_OPTS_OFF	(20 + 4 * GNV_MAX_VLANS + 40 + GNV_MAX_IPV6_EXT * 2048 + 8 + 8)
#define GNV_MAX_INNER_OFF	(GNV_MAX_OPTS_OFF + GENEVE_MAX_OPTS_LEN)
_Static_assert(GNV_MAX_INNER_OFF < 0x4000, "checked_off()'s mask");

struct gnv_cursor {
	const __u8 *pos;
	const __u8 *end;
};

/* One Geneve option as found by gnv_next_opt(). */
struct gnv_opt {
	const __u8 *data;
	__u16 cls;
	__u8 type;		/* high bit is the critical bit */
	__u8 len;		/* data bytes, a multiple of 4 */
};

/*
 * Big-endian reads: one load and a byte swap. For BPF a memcpy from a
 * pointer of unknown alignment becomes byte loads, hence the plain load
 * there (unaligned packet reads the verifier takes on x86-64 and arm64).
 */
GNV_INLINE __u16 rd16(const __u8 *p)
{
	__u16 v;

#ifdef __bpf__
	v = *(const __u16 *)p;
#else
	__builtin_memcpy(&v, p, 2);
#endif
	return __builtin_bswap16(v);
}

GNV_INLINE __u32 rd32(const __u8 *p)
{
	__u32 v;

#ifdef __bpf__
	v = *(const __u32 *)p;
#else
	__builtin_memcpy(&v, p, 4);
#endif
	return __builtin_bswap32(v);
}

/*
 * An offset into the frame just checked against its bound (both bounds,
 * GNV_MAX_OPTS_OFF and GNV_MAX_INNER_OFF, are below 16 KiB), as the
 * pointer's addend: masked to 14 bits in the very register added, where
 * clang may otherwise add a copy it did not check (spilled around a helper
 * call, or the parts it knows the offset is the sum of), and the verifier,
 * knowing no bound of that copy, refused the access ("R1 offset is
 * outside of the packet"). The mask changes nothing; in asm, clang cannot
 * drop it as it would a plain one it can prove changes nothing. 64 bits
 * wide, so the pointer takes it with no zero-extension (two instructions).
 */
#define GNV_CHECKED_OFF_MASK	0x3fff

GNV_INLINE __u64 checked_off(__u64 off)
{
#ifdef __bpf__
	asm volatile("%0 &= %1" : "+r"(off) : "i"(GNV_CHECKED_OFF_MASK));
#endif
	return off;
}

/*
 * Fixed-size copies and clears; n is a constant at every call site, and
 * even. On the host, memcpy and memset become a few wide moves. For BPF,
 * clang splits either on a pointer of unknown alignment (a field of *p,
 * the frame) into single bytes: clearing what follows the outer headers
 * of a Geneve frame took 116 byte stores, half the cost of a frame the
 * filter rejects. Here they are 4-byte words and a 2-byte tail instead
 * (accesses the verifier allows unaligned on architectures with efficient
 * unaligned access, x86-64 and arm64).
 */
GNV_INLINE void copy_bytes(__u8 *dst, const __u8 *src, int n)
{
#ifdef __bpf__
	int i;

	for (i = 0; i + 4 <= n; i += 4)
		*(__u32 *)(dst + i) = *(const __u32 *)(src + i);
	if (i < n)
		*(__u16 *)(dst + i) = *(const __u16 *)(src + i);
#else
	__builtin_memcpy(dst, src, n);
#endif
}

GNV_INLINE void zero_bytes(__u8 *dst, int n)
{
#ifdef __bpf__
	int i;

	for (i = 0; i + 4 <= n; i += 4)
		*(__u32 *)(dst + i) = 0;
	if (i < n)
		*(__u16 *)(dst + i) = 0;
#else
	__builtin_memset(dst, 0, n);
#endif
}

/*
 * Up to GNV_MAX_VLANS tags after a link header whose type field said
 * proto. Returns the ethertype after the tags. VLAN IDs go to vlans[]
 * (outermost first) when vlans is not NULL.
 */
GNV_INLINE int parse_vlans(struct gnv_cursor *c, __u16 proto, __u16 *vlans,
			   __u8 *n_vlans, int bad_vlan)
{
	const __u8 *h;

GNV_UNROLL
	for (int i = 0; i < GNV_MAX_VLANS; i++) {
		if (proto != GNV_ETH_P_8021Q && proto != GNV_ETH_P_8021AD)
			break;
		h = c->pos;
		if (h + 4 > c->end)
			return -bad_vlan;
		if (vlans)
			vlans[i] = rd16(h) & 0x0fff;
		if (n_vlans)
			*n_vlans = i + 1;
		proto = rd16(h + 2);
		c->pos = h + 4;
	}
	return proto;
}

/* Ethernet and its VLAN tags: returns the ethertype after the tags. */
GNV_INLINE int parse_eth(struct gnv_cursor *c, __u8 *src, __u8 *dst,
			 __u16 *vlans, __u8 *n_vlans, int bad_eth, int bad_vlan)
{
	const __u8 *h = c->pos;

	if (h + 14 > c->end)
		return -bad_eth;
	if (dst)
		copy_bytes(dst, h, 6);
	if (src)
		copy_bytes(src, h + 6, 6);
	c->pos = h + 14;
	return parse_vlans(c, rd16(h + 12), vlans, n_vlans, bad_vlan);
}

/*
 * The first link header of a frame: Ethernet, Linux cooked v1 (16 bytes,
 * protocol at 14) or v2 (20 bytes, protocol first), which `tcpdump -i any`
 * writes, or none for raw IP. Returns the ethertype after any VLAN tags.
 */
GNV_INLINE int parse_link(struct gnv_cursor *c, int link, struct gnv_pkt *p,
			  int fields)
{
	__u16 *vlans = fields == GNV_FIELDS_ALL ? p->vlan : 0;
	__u8 *n_vlans = fields == GNV_FIELDS_ALL ? &p->n_vlans : 0;
	const __u8 *h = c->pos;
	__u16 proto;

	if (link == GNV_LINK_ETH)
		return parse_eth(c, 0, 0, vlans, n_vlans,
				 GNV_BAD_TRUNC_ETH, GNV_BAD_TRUNC_VLAN);
	if (link == GNV_LINK_IPV4)
		return GNV_ETH_P_IP;
	if (link == GNV_LINK_IPV6)
		return GNV_ETH_P_IPV6;
	if (link == GNV_LINK_SLL) {
		if (h + 16 > c->end)
			return -GNV_BAD_TRUNC_ETH;
		proto = rd16(h + 14);
		c->pos = h + 16;
	} else {
		if (h + 20 > c->end)
			return -GNV_BAD_TRUNC_ETH;
		proto = rd16(h);
		c->pos = h + 20;
	}
	return parse_vlans(c, proto, vlans, n_vlans, GNV_BAD_TRUNC_VLAN);
}

/* Result of an IP header: the L4 protocol and where its header starts. */
struct gnv_ip {
	__u16 l4_len;		/* payload length the header claims */
	/*
	 * Not 0: no L4 header in this fragment (the fragment offset's bits
	 * as read, where a 0/1 cost clang three instructions to make).
	 */
	__u16 nonfirst_frag;
	__u8 proto;
	__u8 ttl;		/* TTL or hop limit */
	__u8 tos;		/* TOS or traffic class */
	__u32 ident;		/* IPv4's id, IPv6's flow label */
};

/*
 * IPv4, options skipped by IHL. Addresses go to src/dst[0..3] (src NULL:
 * nowhere).
 */
GNV_INLINE int parse_ipv4(struct gnv_cursor *c, __u8 *src, __u8 *dst,
			  struct gnv_ip *ip, int bad_trunc, int bad_ihl)
{
	const __u8 *h = c->pos;
	__u32 ihl;
	__u16 tot_len;

	if (h + 20 > c->end)
		return -bad_trunc;
	if (h[0] >> 4 != 4)
		return -GNV_BAD_IP_VERSION;
	ihl = (h[0] & 0x0f) * 4;
	if (ihl < 20)
		return -bad_ihl;
	if (h + ihl > c->end)
		return -bad_trunc;
	tot_len = rd16(h + 2);
	/* BIG TCP and TSO frames carry tot_len 0: trust the frame instead. */
	ip->l4_len = tot_len > ihl ? tot_len - ihl : 0;
	ip->ttl = h[8];
	ip->tos = h[1];
	ip->proto = h[9];
	ip->ident = rd16(h + 4);
	ip->nonfirst_frag = rd16(h + 6) & 0x1fff;
	if (src) {
		copy_bytes(src, h + 12, 4);
		copy_bytes(dst, h + 16, 4);
	}
	c->pos = h + ihl;
	return 0;
}

/*
 * IPv6, then up to GNV_MAX_IPV6_EXT extension headers (hop-by-hop,
 * routing, destination options, fragment, AH). A longer chain is
 * reported as GNV_BAD_IPV6_EXT rather than guessed at. Addresses as
 * parse_ipv4()'s.
 */
GNV_INLINE int parse_ipv6(struct gnv_cursor *c, __u8 *src, __u8 *dst,
			  struct gnv_ip *ip, int bad_trunc)
{
	const __u8 *h = c->pos;
	__u8 nh;

	if (h + 40 > c->end)
		return -bad_trunc;
	if (h[0] >> 4 != 6)
		return -GNV_BAD_IP_VERSION;
	ip->l4_len = rd16(h + 4);
	ip->ident = rd32(h) & 0xfffff;
	ip->ttl = h[7];
	ip->tos = (h[0] & 0x0f) << 4 | h[1] >> 4;
	ip->nonfirst_frag = 0;
	nh = h[6];
	if (src) {
		copy_bytes(src, h + 8, 16);
		copy_bytes(dst, h + 24, 16);
	}
	c->pos = h + 40;

GNV_UNROLL
	for (int i = 0; i < GNV_MAX_IPV6_EXT; i++) {
		__u32 len;

		if (nh != GNV_IPPROTO_HOPOPTS && nh != GNV_IPPROTO_ROUTING &&
		    nh != GNV_IPPROTO_DSTOPTS && nh != GNV_IPPROTO_FRAGMENT &&
		    nh != GNV_IPPROTO_AH)
			goto done;
		h = c->pos;
		if (h + 8 > c->end)
			return -bad_trunc;
		if (nh == GNV_IPPROTO_FRAGMENT) {
			len = 8;
			ip->nonfirst_frag = rd16(h + 2) & 0xfff8;
		} else if (nh == GNV_IPPROTO_AH) {
			len = ((__u32)h[1] + 2) * 4;
		} else {
			len = ((__u32)h[1] + 1) * 8;
		}
		if (h + len > c->end)
			return -bad_trunc;
		ip->l4_len = ip->l4_len > len ? ip->l4_len - len : 0;
		nh = h[0];
		c->pos = h + len;
	}
	/*
	 * A chain longer than the loop walks: the same five, spelled out
	 * again rather than through a helper, with which clang lays the
	 * unrolled loop out in 24 more instructions.
	 */
	if (nh == GNV_IPPROTO_HOPOPTS || nh == GNV_IPPROTO_ROUTING ||
	    nh == GNV_IPPROTO_DSTOPTS || nh == GNV_IPPROTO_FRAGMENT ||
	    nh == GNV_IPPROTO_AH)
		return -GNV_BAD_IPV6_EXT;
done:
	ip->proto = nh;
	return 0;
}

/*
 * Reads the option at *off in an option area of opts_len bytes.
 * Returns 1 with *o filled and *off advanced, 0 at the end of the area,
 * or -GNV_BAD_* when the option overruns the area or the frame.
 */
GNV_INLINE int gnv_next_opt(const __u8 *opts, __u32 opts_len, const __u8 *end,
			    __u32 *off, struct gnv_opt *o)
{
	const __u8 *h;
	__u32 at = *off;

	if (at >= opts_len)
		return 0;
	/* A constant bound on the offset, for the verifier. */
	if (at > GENEVE_MAX_OPTS_LEN - GENEVE_OPT_HDR_LEN)
		return -GNV_BAD_OPT_LEN_OVERRUN;
	h = opts + at;
	if (h + GENEVE_OPT_HDR_LEN > end)
		return -GNV_BAD_OPTS_OVERRUN;
	o->cls = rd16(h);
	o->type = h[2];
	o->len = (h[3] & 0x1f) * 4;
	o->data = h + GENEVE_OPT_HDR_LEN;
	at += GENEVE_OPT_HDR_LEN + o->len;
	if (at > opts_len)
		return -GNV_BAD_OPT_LEN_OVERRUN;
	*off = at;
	return 1;
}

/*
 * Every option of a whole option area (an event's, already in place), in
 * order, each in o; off is the walk's position. Stops at the end or at
 * the first option that overruns the area.
 */
#define gnv_for_each_opt(opts, opts_len, off, o)			\
	for ((off) = 0; gnv_next_opt((opts), (opts_len),		\
				     (opts) + (opts_len), &(off), &(o)) > 0;)

/*
 * A packet's identity (gnv_pkt.pkt_id), the same wherever it is seen:
 * in a VM's port, encapsulated on either chassis, past OVN's logical
 * routers. Made of what those keep: the inner addresses and protocol,
 * the ports or ICMP's type, code, id and sequence, IPv4's id or IPv6's
 * flow label, TCP's sequence and acknowledgment numbers and flags, the
 * first 8 bytes after the L4 header; never what they change (MACs, TTL,
 * VLAN tags, anything outer). Each 32-bit word of those times an odd
 * 64-bit constant of its own, summed, then MurmurHash3's 64-bit
 * finaliser (gnv_mix64()): the products do not wait on each other, where
 * a hash chained word by word cost 55 ns a packet.
 */
GNV_INLINE __u64 gnv_mix64(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/*
 * A lighter finaliser, for sums whose high half picks a table's slot
 * (a port key's, a TCP flow's): folded once and multiplied. Both steps
 * are bijections, so sums apart stay apart; the high half is as well
 * spread as gnv_mix64()'s (unit test_port_slot_spread,
 * test_flow_slot_spread), for two of its multiplies' latency less.
 */
GNV_INLINE __u64 gnv_fold64(__u64 h)
{
	h ^= h >> 32;
	return h * 0xff51afd7ed558ccdULL;
}

GNV_INLINE __u32 gnv_id_final(__u64 h)
{
	return (__u32)gnv_mix64(h);
}

/*
 * Four bytes as one word, in whatever order the machine loads them (the
 * kernel and its host agree): one load, where rd32() takes four.
 */
GNV_INLINE __u32 gnv_id_word(const __u8 *w)
{
	__u32 v;

	copy_bytes((__u8 *)&v, w, 4);
	return v;
}

/* What an L4 header adds to the identity beyond gnv_pkt's fields. */
struct gnv_l4_ident {
	__u32 seq, ack;		/* TCP's */
	__u32 payload[2];	/* the first 8 bytes after the header, or 0 */
};

GNV_INLINE void l4_payload(const struct gnv_cursor *c, const __u8 *pl,
			   struct gnv_l4_ident *li)
{
	if (pl + 8 <= c->end) {
		li->payload[0] = gnv_id_word(pl);
		li->payload[1] = gnv_id_word(pl + 4);
	}
}

/*
 * The inner L4 header: ICMP/ICMPv6 type, code, echo id/seq; TCP/UDP ports
 * (none of them for GNV_FIELDS_PROTO, which checks the header's length).
 */
GNV_INLINE int parse_inner_l4(struct gnv_cursor *c, struct gnv_pkt *p,
			      struct gnv_l4_ident *li, int fields)
{
	const __u8 *h = c->pos;
	__u8 proto = p->inner_proto;

	if (proto == GNV_IPPROTO_ICMP || proto == GNV_IPPROTO_ICMPV6) {
		if (h + 8 > c->end)
			return -GNV_BAD_TRUNC_INNER_L4;
		if (fields == GNV_FIELDS_PROTO)
			goto done;
		p->icmp_type = h[0];
		if (fields != GNV_FIELDS_ALL)
			goto done;
		p->icmp_code = h[1];
		/*
		 * Bytes 4-7 mean something in echoes (identifier, sequence)
		 * and in "too big" messages (the MTU): kept for those only.
		 */
		if ((proto == GNV_IPPROTO_ICMP &&
		     (h[0] == 8 || h[0] == 0 || (h[0] == 3 && h[1] == 4))) ||
		    (proto == GNV_IPPROTO_ICMPV6 &&
		     (h[0] == 128 || h[0] == 129 || h[0] == 2))) {
			p->icmp_id = rd16(h + 4);
			p->icmp_seq = rd16(h + 6);
		}
		l4_payload(c, h + 8, li);
	} else if (proto == GNV_IPPROTO_TCP) {
		if (h + 20 > c->end)
			return -GNV_BAD_TRUNC_INNER_L4;
		if (fields == GNV_FIELDS_PROTO)
			goto done;
		p->sport = rd16(h);
		p->dport = rd16(h + 2);
		if (fields != GNV_FIELDS_ALL)
			goto done;
		p->tcp_flags = h[13];
		p->tcp_seq = rd32(h + 4);
		p->tcp_data_len = p->inner_l4_len > (h[12] >> 4) * 4 ?
				  p->inner_l4_len - (h[12] >> 4) * 4 : 0;
		/*
		 * A SYN's MSS, when it is the first option, where every
		 * stack (Linux, the BSDs, Windows) puts it: one compare,
		 * where a walk of 40 option bytes would cost every SYN a
		 * loop for the verifier to follow.
		 */
		if ((h[13] & GNV_TCP_SYN) && h[12] >> 4 > 5 && h + 24 <= c->end &&
		    h[20] == 2 && h[21] == 4)
			p->tcp_mss = rd16(h + 22);
		li->seq = gnv_id_word(h + 4);
		li->ack = gnv_id_word(h + 8);
		l4_payload(c, h + (h[12] >> 4) * 4, li);
	} else if (proto == GNV_IPPROTO_UDP) {
		if (h + 8 > c->end)
			return -GNV_BAD_TRUNC_INNER_L4;
		if (fields == GNV_FIELDS_PROTO)
			goto done;
		p->sport = rd16(h);
		p->dport = rd16(h + 2);
		if (fields == GNV_FIELDS_ALL)
			l4_payload(c, h + 8, li);
	} else {
		return 0;
	}
done:
	p->flags |= GNV_F_INNER_L4;
	return 0;
}

/* ARP: the operation, and the sender/target IPv4 addresses when present. */
GNV_INLINE int parse_inner_arp(struct gnv_cursor *c, struct gnv_pkt *p)
{
	const __u8 *h = c->pos;

	if (h + 8 > c->end)
		return -GNV_BAD_TRUNC_INNER_L4;
	p->arp_op = rd16(h + 6);
	/* Ethernet hardware (6 bytes) and IPv4 protocol (4 bytes) only. */
	if (rd16(h + 2) != GNV_ETH_P_IP || h[4] != 6 || h[5] != 4)
		return 0;
	if (h + 28 > c->end)
		return -GNV_BAD_TRUNC_INNER_L4;
	copy_bytes(p->inner_src, h + 14, 4);
	copy_bytes(p->inner_dst, h + 24, 4);
	p->inner_family = 4;
	return 0;
}

/*
 * What a packet's identity is made of beyond its gnv_pkt fields, kept by
 * the inner stage for gnv_pkt_set_id(): the kernel makes the identity of
 * the packets its filter takes only.
 */
struct gnv_id_parts {
	struct gnv_l4_ident li;
	__u32 ident;		/* IPv4's id, IPv6's flow label */
	__u32 valid;		/* 0: no IP or ARP packet, no identity */
};

/*
 * Two addresses' words (src and dst, 16 bytes each, an IPv4 address's
 * last 12 bytes 0), each times its constant in mul (src's four, then
 * dst's: constants at every call, which clang folds), summed: the inner
 * ones for the packet identity and a TCP flow's hash
 * (gnv_tcp_flow_of()), the outer ones for a port key's
 * (gnv_port_hash_fields()). The words that are 0 but in IPv6 only where
 * they are.
 */
GNV_INLINE __u64 gnv_addrs_sum(const __u8 *s, const __u8 *d, __u8 family,
			       const __u64 *mul)
{
	__u64 h = (__u64)gnv_id_word(s) * mul[0] +
		  (__u64)gnv_id_word(d) * mul[4];

	if (family == 6)
GNV_UNROLL
		for (int i = 1; i < 4; i++)
			h += (__u64)gnv_id_word(s + 4 * i) * mul[i] +
			     (__u64)gnv_id_word(d + 4 * i) * mul[4 + i];
	return h;
}

/* The packet identity's constants for the inner addresses. */
static const __u64 gnv_id_addr_mul[8] = {
	0x06c45d188009454fULL, 0xf88bb8a8724c81edULL, 0x1b39896a51a8749bULL,
	0x53cb9f0c747ea2ebULL, 0x2c829abe1f4532e1ULL, 0xc584133ac916ab3dULL,
	0x3ee5789041c98ac3ULL, 0xf3b8488c368cb0a7ULL,
};

/* The identity of a parsed inner packet: see gnv_id_final(). */
GNV_INLINE __u32 gnv_pkt_ident(const struct gnv_pkt *p, __u32 ident,
			       const struct gnv_l4_ident *li)
{
	__u64 h;

	h = ((__u64)p->inner_ethertype << 16 | (__u64)p->inner_family << 8 |
	     p->inner_proto) * 0x6e789e6aa1b965f5ULL;
	h += gnv_addrs_sum(p->inner_src, p->inner_dst, p->inner_family,
			   gnv_id_addr_mul);
	/* TCP's words only where they are. */
	if (li->seq || li->ack) {
		h += (__u64)li->seq * 0xb54e0f1600cc4d19ULL;
		h += (__u64)li->ack * 0x84bb3f97971d80abULL;
	}
	h += ((__u64)p->sport << 16 | p->dport) * 0x657eecdd3cb13d09ULL;
	h += ((__u64)p->icmp_type << 24 | (__u64)p->icmp_code << 16 |
	      (p->arp_op ^ p->tcp_flags)) * 0xc2d326e0055bdef7ULL;
	h += ((__u64)p->icmp_id << 16 | p->icmp_seq) * 0x8621a03fe0bbdb7bULL;
	h += (__u64)ident * 0x8e1f7555983aa92fULL;
	h += (__u64)li->payload[0] * 0x7d29825c75521255ULL;
	h += (__u64)li->payload[1] * 0xc3cf17102b7f7f87ULL;
	return gnv_id_final(h);
}

/* p's identity (pkt_id) from the parts the inner stage kept. */
GNV_INLINE void gnv_pkt_set_id(struct gnv_pkt *p, const struct gnv_id_parts *id)
{
	p->pkt_id = id->valid ? gnv_pkt_ident(p, id->ident, &id->li) : 0;
}

/*
 * The third stage: the inner frame at inner_off, for a frame that
 * gnv_parse() found to be Geneve, or one a Geneve device decapsulated
 * (inner_off 0). Returns GNV_GENEVE, or GNV_MALFORMED with the reason in
 * p->malformed. What the identity needs besides *p goes to *id: p->pkt_id
 * is set by gnv_pkt_set_id(), after a filter took the packet (for a
 * parse of fewer fields than GNV_FIELDS_ALL, id is not written and may be
 * NULL).
 */
GNV_INLINE int gnv_parse_inner_at(const __u8 *data, const __u8 *end,
				  __u32 inner_off, struct gnv_pkt *p,
				  struct gnv_id_parts *id, int fields)
{
	struct gnv_cursor cur, *c = &cur;
	struct gnv_l4_ident li = {};
	struct gnv_ip ip = {};
	int r, ethertype = p->geneve_proto;
	/* Where the MACs and addresses go: nowhere for GNV_FIELDS_PROTO. */
	int addrs = fields >= GNV_FIELDS_FILTER;

	if (fields == GNV_FIELDS_ALL)
		id->valid = 0;

	/* Headers before the inner frame never reach this far; a verifier bound. */
	if (inner_off > GNV_MAX_INNER_OFF) {
		r = -GNV_BAD_OPTS_OVERRUN;
		goto bad;
	}
	cur.pos = data + checked_off(inner_off);
	cur.end = end;

	if (ethertype == ETH_P_TEB) {
		__u16 vlans[GNV_MAX_VLANS] = {};
		__u8 n_vlans = 0;

		ethertype = parse_eth(c, addrs ? p->inner_eth_src : 0,
				      addrs ? p->inner_eth_dst : 0, vlans,
				      &n_vlans, GNV_BAD_TRUNC_INNER_ETH,
				      GNV_BAD_TRUNC_INNER_VLAN);
		if (ethertype < 0) {
			r = ethertype;
			goto bad;
		}
		p->flags |= GNV_F_INNER_ETH;
		if (n_vlans)
			p->inner_vlan = vlans[n_vlans - 1];
	}
	p->inner_ethertype = ethertype;

	if (ethertype == GNV_ETH_P_ARP) {
		r = parse_inner_arp(c, p);
		goto out;
	}
	if (ethertype == GNV_ETH_P_IP) {
		r = parse_ipv4(c, addrs ? p->inner_src : 0, p->inner_dst, &ip,
			       GNV_BAD_TRUNC_INNER_IP, GNV_BAD_INNER_IPV4_IHL);
		p->inner_family = 4;
	} else if (ethertype == GNV_ETH_P_IPV6) {
		r = parse_ipv6(c, addrs ? p->inner_src : 0, p->inner_dst, &ip,
			       GNV_BAD_TRUNC_INNER_IP);
		p->inner_family = 6;
	} else {
		return GNV_GENEVE;	/* an ethertype we do not look into */
	}
	if (r < 0)
		goto bad;
	p->inner_proto = ip.proto;
	if (fields == GNV_FIELDS_ALL)
		p->inner_l4_len = ip.l4_len;
	if (ip.nonfirst_frag) {
		p->flags |= GNV_F_INNER_FRAG;
		goto out;
	}
	r = parse_inner_l4(c, p, &li, fields);
out:
	if (r >= 0) {
		if (fields == GNV_FIELDS_ALL) {
			id->li = li;
			id->ident = ip.ident;
			id->valid = 1;
		}
		return GNV_GENEVE;
	}
bad:
	p->malformed = -r;
	return GNV_MALFORMED;
}

/*
 * The parser runs in three stages, each returning an enum gnv_verdict
 * (for GNV_MALFORMED the reason is in p->malformed): gnv_parse() for the
 * outer headers up to the Geneve base header, then gnv_parse_opts() and
 * gnv_parse_inner(), which start again from the offsets stored in *p.
 * Run in that order, the reason reported is the first layer that failed.
 *
 * Why stages: the verifier follows every path through a parser, and the
 * paths multiply (VLAN tags, IPv6 extension headers, outer and inner,
 * up to 63 options). A BPF entry point calls each stage with freshly
 * loaded packet pointers, so nothing but *p (map memory) survives from one
 * stage to the next and the paths merge at each boundary. One frame parsed
 * as a whole ran the verifier past its million-instruction budget.
 *
 * gnv_parse() fills *p starting at the given link layer. Only UDP to
 * geneve_port is taken for Geneve, and to vxlan_port (when not 0) for
 * OVN's VXLAN encoding, which continues like Geneve without options.
 * What *p holds is defined only for GNV_GENEVE and GNV_UNDERLAY_TOO_BIG
 * (every field, padding included) and, for GNV_MALFORMED, p->malformed:
 * clearing the whole struct up front would be the largest cost of a frame
 * that is not Geneve at all.
 */
/* The VNI OVN's VXLAN puts on the wire for a datapath and egress key. */
GNV_INLINE __u32 gnv_ovn_vxlan_vni(__u32 dp_key, __u32 outport)
{
	__u32 out = outport >= OVN_MC_KEY_MIN ?
		    outport - OVN_MC_KEY_MIN + OVN_VXLAN_MC_MIN : outport;

	return (out & 0xfff) << OVN_VXLAN_KEY_BITS | (dp_key & 0xfff);
}

/*
 * OVN's VXLAN header at h: the VNI split into the datapath key (in vni)
 * and the egress port key; no ingress port, no options.
 */
GNV_INLINE int parse_ovn_vxlan(const __u8 *data, const __u8 *h,
			       const __u8 *end, struct gnv_pkt *p)
{
	__u32 vni, out;

	if (h + VXLAN_HDR_LEN > end)
		return -GNV_BAD_TRUNC_VXLAN;
	if (!(h[0] & VXLAN_FLAG_VNI))
		return -GNV_BAD_VXLAN_FLAGS;
	vni = rd32(h + 4) >> 8;
	out = vni >> OVN_VXLAN_KEY_BITS;
	p->vni = vni & ((1u << OVN_VXLAN_KEY_BITS) - 1);
	p->ovn_outport = out < OVN_VXLAN_MC_MIN ? out :
			 out - OVN_VXLAN_MC_MIN + OVN_MC_KEY_MIN;
	p->flags |= GNV_F_VXLAN | GNV_F_OVN;
	p->geneve_proto = ETH_P_TEB;
	p->opts_off = h + VXLAN_HDR_LEN - data;
	p->opts_len = 0;	/* not cleared before a parse for the filter */
	return GNV_GENEVE;
}

/*
 * What a filter reads that a parse for it (GNV_FIELDS_FILTER) may leave
 * unwritten; the rest it reads only where a flag or the inner family says
 * it was written (OVN's keys, the ports, ICMP's type, the MACs, the
 * addresses). Three stores, where clear_past_outer() takes 23.
 */
GNV_INLINE void clear_for_filter(struct gnv_pkt *p)
{
	p->flags = 0;
	p->inner_vlan = 0;
	p->inner_family = 0;
}

/* Clears what follows the outer headers in p, once p is a tunnel's. */
GNV_INLINE void clear_past_outer(struct gnv_pkt *p)
{
	zero_bytes((__u8 *)p + __builtin_offsetof(struct gnv_pkt, vni),
		   sizeof(*p) - __builtin_offsetof(struct gnv_pkt, vni));
	if (p->outer_family == 4) {
		zero_bytes(p->outer_src + 4, 12);
		zero_bytes(p->outer_dst + 4, 12);
	}
}

/*
 * An ICMP "fragmentation needed" or ICMPv6 "packet too big" at c (its
 * IP header parsed into p's outer fields), quoting a UDP datagram to
 * one of the tunnel ports: a router telling this chassis its tunnel's
 * frames are too big for the path. GNV_UNDERLAY_TOO_BIG with the quoted
 * datagram as the inner packet (see gnv_pkt.underlay), else
 * GNV_NOT_GENEVE: any other ICMP, or a quote too short to say whose.
 */
GNV_INLINE int gnv_parse_underlay_icmp(struct gnv_cursor *c, int v4,
				       __u16 geneve_port, __u16 vxlan_port,
				       struct gnv_pkt *p)
{
	const __u8 *h = c->pos, *q = h + 8, *udp;

	if (h + 8 > c->end)
		return GNV_NOT_GENEVE;
	if (v4 ? h[0] != 3 || h[1] != 4 : h[0] != 2 || h[1] != 0)
		return GNV_NOT_GENEVE;
	/*
	 * The quoted header is one this chassis sent for a tunnel: UDP right
	 * after the fixed IPv6 header (no extension headers), after IPv4's
	 * and its options. Not walked further: a second IPv6 chain here
	 * multiplied the paths the verifier follows through the parser.
	 */
	if (v4) {
		if (q + 20 > c->end || q[0] >> 4 != 4 || (q[0] & 0x0f) < 5 ||
		    q[9] != GNV_IPPROTO_UDP || (rd16(q + 6) & 0x1fff))
			return GNV_NOT_GENEVE;
		udp = q + (q[0] & 0x0f) * 4;
	} else {
		if (q + 40 > c->end || q[0] >> 4 != 6 ||
		    q[6] != GNV_IPPROTO_UDP)
			return GNV_NOT_GENEVE;
		udp = q + 40;
	}
	if (udp + 4 > c->end)
		return GNV_NOT_GENEVE;
	if (rd16(udp + 2) != geneve_port &&
	    (!vxlan_port || rd16(udp + 2) != vxlan_port))
		return GNV_NOT_GENEVE;
	clear_past_outer(p);
	p->underlay = 1;
	p->outer_sport = 0;
	p->outer_dport = 0;
	if (v4) {
		p->inner_family = 4;
		copy_bytes(p->inner_src, q + 12, 4);
		copy_bytes(p->inner_dst, q + 16, 4);
	} else {
		p->inner_family = 6;
		copy_bytes(p->inner_src, q + 8, 16);
		copy_bytes(p->inner_dst, q + 24, 16);
	}
	p->inner_proto = GNV_IPPROTO_UDP;
	p->sport = rd16(udp);
	p->dport = rd16(udp + 2);
	p->icmp_type = h[0];
	p->icmp_code = h[1];
	p->icmp_id = rd16(h + 4);
	p->icmp_seq = rd16(h + 6);
	return GNV_UNDERLAY_TOO_BIG;
}

/*
 * A first look at an Ethernet frame, reading only: GNV_LOOK_NO when it
 * is surely neither a tunnel's datagram nor a router's ICMP (IPv4 or
 * IPv6, whole and well-formed, carrying TCP, or UDP to another port, or a
 * fragment past the first), as gnv_parse() would find with every field it
 * fills; the offset of the UDP header (GNV_LOOK_UDP_MIN at least) when
 * it surely is a tunnel's datagram, whole and well-formed up to there,
 * no IPv6 extension header on the way; GNV_LOOK_MAYBE for the rest, which
 * gnv_parse() reads in full (malformed frames included, so that their
 * reasons are counted). Most of an underlay's frames are no tunnel's:
 * their cost is this look, where writing the outer fields into *p cost
 * half again as much as a bare port check.
 */
#define GNV_LOOK_NO		0
#define GNV_LOOK_MAYBE		1
#define GNV_LOOK_UDP_MIN	(14 + 20)
#define GNV_LOOK_UDP_MAX	(14 + 4 * GNV_MAX_VLANS + 60)

GNV_INLINE long gnv_may_be_tunnel(const __u8 *h, const __u8 *end,
				  __u16 geneve_port, __u16 vxlan_port)
{
	const __u8 *data = h;
	__u16 proto;
	__u8 l4;

	if (h + 14 > end)
		return GNV_LOOK_MAYBE;
	proto = rd16(h + 12);
	h += 14;
GNV_UNROLL
	for (int i = 0; i < GNV_MAX_VLANS; i++) {
		if (proto != GNV_ETH_P_8021Q && proto != GNV_ETH_P_8021AD)
			break;
		if (h + 4 > end)
			return GNV_LOOK_MAYBE;
		proto = rd16(h + 2);
		h += 4;
	}
	if (proto == GNV_ETH_P_IP) {
		if (h + 20 > end || h[0] >> 4 != 4 || (h[0] & 0x0f) < 5 ||
		    h + (h[0] & 0x0f) * 4 > end)
			return GNV_LOOK_MAYBE;
		if (rd16(h + 6) & 0x1fff)
			return GNV_LOOK_NO;	/* a fragment past the first */
		l4 = h[9];
		h += (h[0] & 0x0f) * 4;
	} else if (proto == GNV_ETH_P_IPV6) {
		if (h + 40 > end || h[0] >> 4 != 6)
			return GNV_LOOK_MAYBE;
		l4 = h[6];	/* an extension header: looked at in full */
		h += 40;
	} else {
		return GNV_LOOK_NO;
	}
	if (l4 == GNV_IPPROTO_TCP)
		return GNV_LOOK_NO;
	if (l4 != GNV_IPPROTO_UDP || h + 8 > end)
		return GNV_LOOK_MAYBE;
	if (rd16(h + 2) != geneve_port &&
	    (!vxlan_port || rd16(h + 2) != vxlan_port))
		return GNV_LOOK_NO;
	return h - data;
}

/*
 * The UDP header at the offset a first look answered (past
 * GNV_LOOK_MAYBE). The offset is masked for the verifier, which knows no
 * upper bound of it (and clang would drop a plain mask it can prove
 * changes nothing, an offset being below 128: hence the asm).
 */
GNV_INLINE const __u8 *looked_udp(const __u8 *data, long look)
{
	__u64 off = look;

	_Static_assert(GNV_LOOK_UDP_MAX < 128, "a 7-bit offset");
#ifdef __bpf__
	asm volatile("%0 &= 127" : "+r"(off));
#endif
	return data + off;
}

/*
 * Whether the option header at o is OVN's (class 0x0102, type 0x80, 4
 * bytes of data), its length's reserved bits ignored as the option walk
 * ignores them.
 */
GNV_INLINE int ovn_opt_header(const __u8 *o)
{
	return (rd32(o) & 0xffffff1f) == ((__u32)OVN_GENEVE_CLASS << 16 |
					  OVN_GENEVE_TYPE << 8 |
					  OVN_GENEVE_LEN / 4);
}

/*
 * A second look, at a datagram the first look found to be a tunnel's
 * (look: its UDP header's offset), reading only: 1 when it is surely what
 * gnv_parse() finds a well-formed Geneve frame of OVN's usual shape
 * (OVN's option alone, or none; an inner Ethernet frame without tags
 * carrying IPv4, IPv6 without extension headers, 20 bytes past its IP
 * header, or an ethertype the parse does not look into), with *vni what
 * the parse writes to p->vni and *index where a filter's table holds the
 * verdict of its inner ethertype and protocol (GNV_VERDICT_*); 0 for
 * anything else (OVN's VXLAN, other options, tags, ARP, extension headers,
 * a short or malformed frame), which gnv_parse() reads in full. For a
 * filter given by its table, the verdict of the usual frame with no
 * parse at all.
 */
GNV_INLINE int gnv_look_inner(const __u8 *data, const __u8 *end, long look,
			      __u16 geneve_port, __u32 *vni, __u32 *index)
{
	const __u8 *udp, *h, *ip;
	__u16 ethertype;
	__u32 ihl;

	if (look <= GNV_LOOK_MAYBE)
		return 0;
	udp = looked_udp(data, look);
	h = udp + 8;
	if (h + GENEVE_HDR_LEN > end || rd16(udp + 2) != geneve_port ||
	    h[0] >> 6 != GENEVE_VERSION || rd16(h + 2) != ETH_P_TEB)
		return 0;
	if ((h[0] & 0x3f) * 4 == GENEVE_OPT_HDR_LEN + OVN_GENEVE_LEN) {
		h += GENEVE_HDR_LEN;
		if (h + GENEVE_OPT_HDR_LEN + OVN_GENEVE_LEN > end ||
		    !ovn_opt_header(h))
			return 0;
		h += GENEVE_OPT_HDR_LEN + OVN_GENEVE_LEN;
	} else if (h[0] & 0x3f) {
		return 0;
	} else {
		h += GENEVE_HDR_LEN;
	}
	*vni = rd32(udp + 12) >> 8;
	if (h + 14 > end)
		return 0;
	ethertype = rd16(h + 12);
	ip = h + 14;
	if (ethertype == GNV_ETH_P_IP) {
		if (ip + 20 > end || ip[0] >> 4 != 4)
			return 0;
		ihl = (ip[0] & 0x0f) * 4;
		if (ihl < 20 || ip + ihl > end)
			return 0;
		*index = ip[9];
		if (rd16(ip + 6) & 0x1fff)
			return 1;	/* no L4 header in this fragment */
		ip += ihl;
	} else if (ethertype == GNV_ETH_P_IPV6) {
		__u8 nh;

		if (ip + 40 > end || ip[0] >> 4 != 6)
			return 0;
		nh = ip[6];
		if (nh == GNV_IPPROTO_HOPOPTS || nh == GNV_IPPROTO_ROUTING ||
		    nh == GNV_IPPROTO_DSTOPTS || nh == GNV_IPPROTO_FRAGMENT ||
		    nh == GNV_IPPROTO_AH)
			return 0;
		*index = GNV_VERDICT_IPV6 + nh;
		ip += 40;
	} else if (ethertype == GNV_ETH_P_ARP ||
		   ethertype == GNV_ETH_P_8021Q ||
		   ethertype == GNV_ETH_P_8021AD) {
		return 0;
	} else {
		*index = GNV_VERDICT_OTHER;
		return 1;
	}
	/*
	 * Whole up to any L4 header parse_inner_l4() checks (TCP's, 20
	 * bytes, the longest): a shorter datagram is left to the parse.
	 */
	return ip + 20 <= end;
}

/*
 * The tunnel's header after the UDP header at udp, of a datagram to
 * geneve_port or else OVN's VXLAN port: GNV_GENEVE or GNV_MALFORMED. What
 * follows the outer headers in *p is cleared first (or readied for a
 * filter, clear_for_filter()).
 */
GNV_INLINE int gnv_parse_tunnel(const __u8 *data, const __u8 *udp,
				const __u8 *end, __u16 geneve_port,
				struct gnv_pkt *p, int fields)
{
	const __u8 *h = udp + 8;
	int r;

	if (h > end) {
		r = -GNV_BAD_TRUNC_UDP;
		goto bad;
	}
	if (fields == GNV_FIELDS_ALL)
		clear_past_outer(p);
	else
		clear_for_filter(p);
	if (rd16(udp + 2) != geneve_port) {
		r = parse_ovn_vxlan(data, h, end, p);
		if (r < 0)
			goto bad;
		return r;
	}
	if (h + GENEVE_HDR_LEN > end) {
		r = -GNV_BAD_TRUNC_GENEVE;
		goto bad;
	}
	if (fields == GNV_FIELDS_ALL)
		p->geneve_ver = h[0] >> 6;
	if (h[0] >> 6 != GENEVE_VERSION) {
		r = -GNV_BAD_GENEVE_VERSION;
		goto bad;
	}
	p->opts_len = (h[0] & 0x3f) * 4;
	if (fields == GNV_FIELDS_ALL && (h[1] & 0x80))
		p->flags |= GNV_F_OAM;
	if (fields == GNV_FIELDS_ALL && (h[1] & 0x40))
		p->flags |= GNV_F_CRITICAL;
	p->geneve_proto = rd16(h + 2);
	p->vni = rd32(h + 4) >> 8;
	h += GENEVE_HDR_LEN;
	p->opts_off = h - data;
	if (h + p->opts_len > end) {
		r = -GNV_BAD_OPTS_OVERRUN;
		goto bad;
	}
	return GNV_GENEVE;
bad:
	p->malformed = -r;
	return GNV_MALFORMED;
}

/* gnv_parse() past its first look: every frame read in full. */
GNV_INLINE int gnv_parse_outer(const __u8 *data, const __u8 *end, int link,
			       __u16 geneve_port, __u16 vxlan_port,
			       struct gnv_pkt *p, int fields)
{
	struct gnv_cursor c = { .pos = data, .end = end };
	int all = fields == GNV_FIELDS_ALL;
	struct gnv_ip ip = {};
	const __u8 *h;
	__u16 dport;
	int r, ethertype;

	/* vlan[], outer_family, n_vlans, malformed, underlay: two words. */
	if (all)
		zero_bytes((__u8 *)p + __builtin_offsetof(struct gnv_pkt, vlan),
			   8);

	ethertype = parse_link(&c, link, p, fields);
	if (ethertype < 0) {
		r = ethertype;
		goto bad;
	}

	if (ethertype == GNV_ETH_P_IP) {
		r = parse_ipv4(&c, all ? p->outer_src : 0,
			       all ? p->outer_dst : 0, &ip,
			       GNV_BAD_TRUNC_IPV4, GNV_BAD_IPV4_IHL);
		p->outer_family = 4;
	} else if (ethertype == GNV_ETH_P_IPV6) {
		r = parse_ipv6(&c, all ? p->outer_src : 0,
			       all ? p->outer_dst : 0, &ip,
			       GNV_BAD_TRUNC_IPV6);
		p->outer_family = 6;
	} else {
		return GNV_NOT_GENEVE;
	}
	if (r < 0)
		goto bad;
	if (ip.nonfirst_frag)
		return GNV_NOT_GENEVE;
	if (ip.proto != GNV_IPPROTO_UDP) {
		/*
		 * Each family its own call, a constant in each: with the
		 * family as a variable clang laid out paths the verifier
		 * could not rule out (IPv4's bounds check, IPv6's reads).
		 */
		if (p->outer_family == 4 && ip.proto == GNV_IPPROTO_ICMP)
			r = gnv_parse_underlay_icmp(&c, 1, geneve_port,
						    vxlan_port, p);
		else if (p->outer_family == 6 &&
			 ip.proto == GNV_IPPROTO_ICMPV6)
			r = gnv_parse_underlay_icmp(&c, 0, geneve_port,
						    vxlan_port, p);
		else
			return GNV_NOT_GENEVE;
		p->outer_ttl = ip.ttl;
		p->outer_tos = ip.tos;
		return r;
	}

	h = c.pos;
	if (h + 8 > end) {
		r = -GNV_BAD_TRUNC_UDP;
		goto bad;
	}
	dport = rd16(h + 2);
	if (dport != geneve_port && (!vxlan_port || dport != vxlan_port))
		return GNV_NOT_GENEVE;
	r = gnv_parse_tunnel(data, h, end, geneve_port, p, fields);
	if (all) {	/* after the clear */
		p->outer_sport = rd16(h);
		p->outer_dport = dport;
		p->outer_ttl = ip.ttl;
		p->outer_tos = ip.tos;
	}
	return r;
bad:
	p->malformed = -r;
	return GNV_MALFORMED;
}

/*
 * gnv_parse() past its first look, which answered look: for the filter,
 * a tunnel's datagram the look found is not read again up to its UDP
 * header.
 */
GNV_INLINE int gnv_parse_looked(const __u8 *data, const __u8 *end, long look,
				int link, __u16 geneve_port, __u16 vxlan_port,
				struct gnv_pkt *p, int fields)
{
	/* Past GNV_LOOK_MAYBE, look is the UDP header's offset. */
	if (fields != GNV_FIELDS_ALL && look > GNV_LOOK_MAYBE)
		return gnv_parse_tunnel(data, looked_udp(data, look), end,
					geneve_port, p, fields);
	return gnv_parse_outer(data, end, link, geneve_port, vxlan_port, p,
			       fields);
}

/* The first stage: a first look at an Ethernet frame, then the rest. */
GNV_INLINE int gnv_parse(const __u8 *data, const __u8 *end, int link,
			 __u16 geneve_port, __u16 vxlan_port,
			 struct gnv_pkt *p, int fields)
{
	long look = GNV_LOOK_MAYBE;

	if (link == GNV_LINK_ETH) {
		look = gnv_may_be_tunnel(data, end, geneve_port, vxlan_port);
		if (look == GNV_LOOK_NO)
			return GNV_NOT_GENEVE;
	}
	return gnv_parse_looked(data, end, look, link, geneve_port,
				vxlan_port, p, fields);
}

/*
 * The second stage: walks every option of the p->opts_len bytes at opts,
 * counts them and decodes OVN's (class 0x0102, type 0x80). The area is in
 * the frame (gnv_parse_tunnel() found it whole), or on a Geneve device a
 * copy of the tunnel's options; each read is checked against end again.
 */
GNV_INLINE int gnv_walk_opts(const __u8 *opts, const __u8 *end,
			     struct gnv_pkt *p, int fields)
{
	__u32 opts_len = p->opts_len;
	struct gnv_opt o;
	__u32 off = 0;
	int r = 0;

	/*
	 * OVN's option alone, as OVN's tunnels carry it, decoded without the
	 * walk, which would find just that (its length's reserved bits
	 * ignored as the walk ignores them): 30 instructions where the walk
	 * took 70. No OVN option was decoded before this one: every caller
	 * starts with GNV_F_OVN clear (only OVN's VXLAN sets it, and it has
	 * no option area).
	 */
	if (opts_len == GENEVE_OPT_HDR_LEN + OVN_GENEVE_LEN &&
	    opts + GENEVE_OPT_HDR_LEN + OVN_GENEVE_LEN <= end &&
	    ovn_opt_header(opts)) {
		if (fields == GNV_FIELDS_ALL)
			p->n_opts++;
		if (fields >= GNV_FIELDS_FILTER) {
			p->ovn_inport = rd16(opts + 4) & 0x7fff;
			p->ovn_outport = rd16(opts + 6);
			p->flags |= GNV_F_OVN;
		}
		return GNV_GENEVE;
	}
	GNV_NO_UNROLL
	for (int i = 0; i < GENEVE_MAX_OPTS_LEN / GENEVE_OPT_HDR_LEN; i++) {
		r = gnv_next_opt(opts, opts_len, end, &off, &o);
		if (r < 0)
			goto bad;
		if (r == 0)
			break;
		if (fields == GNV_FIELDS_ALL)
			p->n_opts++;
		if (o.cls != OVN_GENEVE_CLASS || o.type != OVN_GENEVE_TYPE ||
		    (p->flags & GNV_F_OVN))
			continue;
		if (o.len != OVN_GENEVE_LEN) {
			r = -GNV_BAD_OVN_OPT_LEN;
			goto bad;
		}
		if (o.data + OVN_GENEVE_LEN > end) {
			r = -GNV_BAD_OPTS_OVERRUN;
			goto bad;
		}
		/* 1 reserved bit, 15-bit ingress key, 16-bit egress key. */
		p->ovn_inport = rd16(o.data) & 0x7fff;
		p->ovn_outport = rd16(o.data + 2);
		p->flags |= GNV_F_OVN;
	}
	return GNV_GENEVE;
bad:
	p->malformed = r ? -r : GNV_BAD_OPTS_OVERRUN;
	return GNV_MALFORMED;
}

/* The second stage of a whole frame: the option area at p->opts_off. */
GNV_INLINE int gnv_parse_opts(const __u8 *data, const __u8 *end,
			      struct gnv_pkt *p, int fields)
{
	__u32 off = p->opts_off;

	/* Headers before the options never reach this far; a verifier bound. */
	if (off > GNV_MAX_OPTS_OFF) {
		p->malformed = GNV_BAD_OPTS_OVERRUN;
		return GNV_MALFORMED;
	}
	return gnv_walk_opts(data + checked_off(off), end, p, fields);
}

/* The third stage of a whole frame: the inner frame follows the options. */
GNV_INLINE int gnv_parse_inner(const __u8 *data, const __u8 *end,
			       struct gnv_pkt *p, struct gnv_id_parts *id,
			       int fields)
{
	return gnv_parse_inner_at(data, end, (__u32)p->opts_off + p->opts_len,
				  p, id, fields);
}

/*
 * All three stages, for callers that hold the whole frame (the host side):
 * every field and the packet's identity (GNV_FIELDS_ALL), or what a filter
 * reads.
 */
GNV_INLINE int gnv_parse_frame_fields(const __u8 *data, const __u8 *end,
				      int link, __u16 geneve_port,
				      __u16 vxlan_port, struct gnv_pkt *p,
				      int fields)
{
	int verdict = gnv_parse(data, end, link, geneve_port, vxlan_port, p,
				fields);
	struct gnv_id_parts id;

	if (verdict == GNV_GENEVE)
		verdict = gnv_parse_opts(data, end, p, fields);
	if (verdict == GNV_GENEVE)
		verdict = gnv_parse_inner(data, end, p, &id, fields);
	if (verdict == GNV_GENEVE && fields == GNV_FIELDS_ALL)
		gnv_pkt_set_id(p, &id);
	return verdict;
}

GNV_INLINE int gnv_parse_frame(const __u8 *data, const __u8 *end, int link,
			       __u16 geneve_port, __u16 vxlan_port,
			       struct gnv_pkt *p)
{
	return gnv_parse_frame_fields(data, end, link, geneve_port, vxlan_port,
				      p, GNV_FIELDS_ALL);
}

/*
 * Whether p is an ICMP "fragmentation needed" or an ICMPv6 "packet too
 * big" (in the tunnel: what a VM's path MTU discovery receives), and the
 * MTU it announces (0: none, as routers before RFC 1191 sent).
 */
GNV_INLINE int gnv_is_too_big(const struct gnv_pkt *p)
{
	if (!(p->flags & GNV_F_INNER_L4))
		return 0;
	if (p->inner_proto == GNV_IPPROTO_ICMP)
		return p->icmp_type == 3 && p->icmp_code == 4;
	return p->inner_proto == GNV_IPPROTO_ICMPV6 && p->icmp_type == 2;
}

/* Its MTU, in bytes 6-7 of ICMP's type 3, 4-7 of ICMPv6's type 2. */
GNV_INLINE __u32 gnv_too_big_mtu(const struct gnv_pkt *p)
{
	if (p->icmp_type == 3)
		return p->icmp_seq;
	return (__u32)p->icmp_id << 16 | p->icmp_seq;
}

/* A TCP SYN (or SYN-ACK) announcing its MSS. */
GNV_INLINE int gnv_is_mss_syn(const struct gnv_pkt *p)
{
	return (p->flags & GNV_F_INNER_L4) &&
	       p->inner_proto == GNV_IPPROTO_TCP &&
	       (p->tcp_flags & GNV_TCP_SYN) && p->tcp_mss;
}

#endif /* GNV_PARSE_H */
