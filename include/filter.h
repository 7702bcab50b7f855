/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Matching a parsed packet against the filter, shared by the BPF programs
 * and the host. user/filter/filter_compile.c turns command-line words
 * into the struct gnv_filter, a term program, run here.
 */
#ifndef GNV_FILTER_H
#define GNV_FILTER_H

#include "parse.h"

/* The inner protocol as the filter words name it. */
GNV_INLINE __u32 gnv_proto_of(const struct gnv_pkt *p)
{
	if (p->inner_ethertype == GNV_ETH_P_ARP)
		return GNV_PROTO_ARP;
	if (p->inner_family == 4 && p->inner_proto == GNV_IPPROTO_ICMP)
		return GNV_PROTO_ICMP;
	if (p->inner_family == 6 && p->inner_proto == GNV_IPPROTO_ICMPV6)
		return GNV_PROTO_ICMP6;
	if (p->inner_family && p->inner_proto == GNV_IPPROTO_TCP)
		return GNV_PROTO_TCP;
	if (p->inner_family && p->inner_proto == GNV_IPPROTO_UDP)
		return GNV_PROTO_UDP;
	return 0;
}

GNV_INLINE int gnv_addr_match(const struct gnv_term *t, __u8 family,
			      const __u8 *addr)
{
	__u32 diff = 0;

	if (family != t->family)
		return 0;
	/*
	 * Word by word in registers: byte loops and local arrays here were
	 * each given their own stack slots per call site and pushed the
	 * program past the 512-byte BPF stack.
	 */
	for (int i = 0; i < 16; i += 4)
		diff |= (rd32(addr + i) & rd32(t->mask + i)) ^ rd32(t->addr + i);
	return diff == 0;
}

/* A port in [lo, hi] (val's halves) on the side(s) the term asks. */
GNV_INLINE int gnv_l4_port_match(const struct gnv_term *t,
				 const struct gnv_pkt *p)
{
	__u16 lo = t->val & 0xffff, hi = t->val >> 16;

	if (!(p->flags & GNV_F_INNER_L4) || !p->inner_family ||
	    (p->inner_proto != GNV_IPPROTO_TCP &&
	     p->inner_proto != GNV_IPPROTO_UDP) ||
	    (t->proto && p->inner_proto != t->proto))
		return 0;
	return ((t->side & GNV_SIDE_SRC) && p->sport >= lo && p->sport <= hi) ||
	       ((t->side & GNV_SIDE_DST) && p->dport >= lo && p->dport <= hi);
}

/* The MAC's bits in the term's mask are the term's address. */
GNV_INLINE int gnv_mac_match(const __u8 *mac, const struct gnv_term *t)
{
	return (rd32(mac) & rd32(t->mask)) == rd32(t->addr) &&
	       (rd16(mac + 4) & rd16(t->mask + 4)) == rd16(t->addr + 4);
}

/*
 * The frame a packet was parsed from, for the terms that read its bytes
 * (GNV_T_BYTES): the host's only. The kernel has them compiled into the
 * program, and its interpreter never runs a filter that holds one (the
 * loader refuses).
 */
struct gnv_frame {
	const __u8 *data;
	__u32 caplen;		/* bytes at data */
	__u32 len;		/* on the wire */
};

#ifndef __bpf__
/* user/filter/filter_bytes.c: libpcap's bpf_filter() on the inner frame. */
int gnv_bytes_match(const struct gnv_filter *f, const struct gnv_term *t,
		    const struct gnv_pkt *p, const struct gnv_frame *fr);
#endif

GNV_INLINE int gnv_term_match(const struct gnv_filter *f,
			      const struct gnv_term *t,
			      const struct gnv_pkt *p,
			      const struct gnv_frame *fr)
{
	__u32 val = t->val;
	/* A named port's key means something only in its datapath. */
	int ovn = (p->flags & GNV_F_OVN) && (!t->has_vni || p->vni == t->vni);
	int vxlan = p->flags & GNV_F_VXLAN;

	switch (t->kind) {
	case GNV_T_PROTO:
		return gnv_proto_of(p) == val;
	case GNV_T_VNI:
		return p->vni == val;
	case GNV_T_INPORT:	/* OVN's VXLAN carries no ingress port */
		return ovn && !vxlan && p->ovn_inport == val;
	case GNV_T_OUTPORT:
		return ovn && p->ovn_outport == val;
	case GNV_T_LPORT:
		return ovn && ((!vxlan && p->ovn_inport == val) ||
			       p->ovn_outport == val);
	case GNV_T_HOST:
		return gnv_addr_match(t, p->inner_family, p->inner_src) ||
		       gnv_addr_match(t, p->inner_family, p->inner_dst);
	case GNV_T_SRC_HOST:
		return gnv_addr_match(t, p->inner_family, p->inner_src);
	case GNV_T_DST_HOST:
		return gnv_addr_match(t, p->inner_family, p->inner_dst);
	case GNV_T_OUTER_HOST:
		return gnv_addr_match(t, p->outer_family, p->outer_src) ||
		       gnv_addr_match(t, p->outer_family, p->outer_dst);
	case GNV_T_OUTER_SRC_HOST:
		return gnv_addr_match(t, p->outer_family, p->outer_src);
	case GNV_T_OUTER_DST_HOST:
		return gnv_addr_match(t, p->outer_family, p->outer_dst);
	case GNV_T_VLAN:
		return (p->n_vlans > 0 && p->vlan[0] == val) ||
		       (p->n_vlans > 1 && p->vlan[1] == val);
	case GNV_T_ICMP_TYPE:
		if (!(p->flags & GNV_F_INNER_L4))
			return 0;
		if (gnv_proto_of(p) == GNV_PROTO_ICMP)
			return (val & GNV_ICMP4_VALID) &&
			       p->icmp_type == (val & 0xff);
		if (gnv_proto_of(p) == GNV_PROTO_ICMP6)
			return (val & GNV_ICMP6_VALID) &&
			       p->icmp_type == ((val >> 16) & 0xff);
		return 0;
	case GNV_T_L4_PORT:
		return gnv_l4_port_match(t, p);
	case GNV_T_INNER_VLAN:	/* the tag the inner frame carries, if any */
		return p->inner_vlan && (!t->side || p->inner_vlan == val);
	case GNV_T_FAMILY:	/* the ethertype, as tcpdump's ip and ip6 */
		return p->inner_ethertype == (val == 4 ? GNV_ETH_P_IP :
					      GNV_ETH_P_IPV6);
	case GNV_T_IP_PROTO:
		return p->inner_ethertype != GNV_ETH_P_ARP &&
		       p->inner_family && p->inner_proto == val &&
		       (!t->proto || p->inner_family == t->proto);
	case GNV_T_ETHER:
		return (p->flags & GNV_F_INNER_ETH) &&
		       (((t->side & GNV_SIDE_SRC) &&
			 gnv_mac_match(p->inner_eth_src, t)) ||
			((t->side & GNV_SIDE_DST) &&
			 gnv_mac_match(p->inner_eth_dst, t)));
	case GNV_T_BYTES:
#ifdef __bpf__
		return 0;
#else
		return gnv_bytes_match(f, t, p, fr);
#endif
	}
	return 0;
}

/*
 * What a parse must fill for a term (include/parse.h's GNV_FIELDS_*), 0
 * for a term it cannot run early: GNV_FIELDS_PROTO for the VNI, the inner
 * ethertype, VLAN, family and protocol; GNV_FIELDS_FILTER for OVN's keys
 * and the rest of the inner packet (a name not yet resolved may become
 * any of those); not the outer headers, nor the frame a byte expression
 * reads. A kind not named here is not early.
 */
GNV_INLINE int gnv_term_early(const struct gnv_term *t)
{
	switch (t->kind) {
	case GNV_T_PROTO:
	case GNV_T_VNI:
	case GNV_T_INNER_VLAN:
	case GNV_T_FAMILY:
	case GNV_T_IP_PROTO:
		return GNV_FIELDS_PROTO;
	case GNV_T_INPORT:
	case GNV_T_OUTPORT:
	case GNV_T_LPORT:
	case GNV_T_HOST:
	case GNV_T_SRC_HOST:
	case GNV_T_DST_HOST:
	case GNV_T_ICMP_TYPE:
	case GNV_T_NOTHING:
	case GNV_T_L4_PORT:
	case GNV_T_ETHER:
		return GNV_FIELDS_FILTER;
	}
	return 0;
}

/*
 * What gnv_filter.early says: the fields a parse must fill for each of
 * its terms, 0 when one of them cannot run early or there are none.
 */
GNV_INLINE int gnv_filter_early(const struct gnv_filter *f)
{
	int fields = 0;

	if (!f->n_terms)
		return 0;
	for (int i = 0; i < f->n_terms && i < GNV_MAX_TERMS; i++) {
		int t = gnv_term_early(&f->terms[i]);

		if (!t)
			return 0;
		if (t > fields)
			fields = t;
	}
	return fields;
}

/*
 * Whether a term reads the inner ethertype, family and protocol, or the
 * VNI, alone: a filter of such terms is given by its verdicts for each of
 * those (gnv_filter_table()).
 */
GNV_INLINE int gnv_term_tabled(const struct gnv_term *t)
{
	return t->kind == GNV_T_PROTO || t->kind == GNV_T_FAMILY ||
	       t->kind == GNV_T_IP_PROTO || t->kind == GNV_T_VNI;
}

/*
 * Runs the term program: from the first term, each one's jt or jf, till
 * a verdict (no terms: every Geneve packet matches). The index is masked
 * for the verifier; the compiler's jumps go forward only, so the loop's
 * bound is never what ends it.
 */
GNV_INLINE int gnv_filter_match(const struct gnv_filter *f,
				const struct gnv_pkt *p,
				const struct gnv_frame *fr)
{
	__u32 pc = 0;

	if (!f->n_terms)
		return 1;
	GNV_NO_UNROLL
	for (int i = 0; i < GNV_MAX_TERMS; i++) {
		const struct gnv_term *t = &f->terms[pc & (GNV_MAX_TERMS - 1)];

		pc = gnv_term_match(f, t, p, fr) ? t->jt : t->jf;
		if (pc >= GNV_MAX_TERMS)
			return pc == GNV_JUMP_MATCH;
	}
	return 0;
}

/*
 * A packet's verdict in a filter's table (struct gnv_verdict_table), by
 * its VNI and the index of its inner ethertype and protocol (as
 * gnv_look_inner() gives it, GNV_VERDICT_*): volatile for the kernel,
 * whose table is in .rodata, set as the program loads (clang must not
 * read the zeros it was built with). by_vni: a constant, 0 for a filter
 * naming no VNI (its compares would cost it ~10 instructions).
 */
GNV_INLINE int gnv_table_verdict(const volatile struct gnv_verdict_table *t,
				 __u32 vni, __u32 index, int by_vni)
{
	const volatile struct gnv_verdicts *v = &t->by_vni[0];
	__u32 i;

	if (by_vni) {
		for (i = 0; i < GNV_TABLE_VNIS && i < t->n_vnis; i++)
			if (vni == t->vni[i])
				break;
		v = &t->by_vni[i];
	}
	return ((const volatile __u8 *)v)[index];
}

#endif /* GNV_FILTER_H */
