/* SPDX-License-Identifier: MIT */
/*
 * Adjustments to pkt_spec_default() that the parser's unit tests and the
 * kernel tests both build frames from. The unit tests assert the exact
 * values set here.
 */
#ifndef GNV_TEST_FIXTURES_H
#define GNV_TEST_FIXTURES_H

#include <netinet/in.h>
#include <string.h>

#include "gnvtrace.h"
#include "lab/pktcraft.h"

/* The default frame (pkt_spec_default): where its headers start. */
#define OFF_OUTER_IP	14
#define OFF_GENEVE	42
#define OFF_OPTS	50
#define OFF_INNER_IP	72

static inline void set_opt(struct pkt_opt *o, __u16 cls, __u8 type, __u8 len)
{
	memset(o, 0, sizeof(*o));
	o->cls = cls;
	o->type = type;
	o->len = len;
}

static inline void add_opt(struct pkt_spec *s, __u16 cls, __u8 type, __u8 len)
{
	set_opt(&s->extra_opts[s->n_extra_opts++], cls, type, len);
}

/* An OVN option as an "extra" one, so that others can come before it. */
static inline void add_ovn_opt(struct pkt_spec *s, __u16 inport, __u16 outport)
{
	struct pkt_opt *o = &s->extra_opts[s->n_extra_opts];

	add_opt(s, OVN_GENEVE_CLASS, OVN_GENEVE_TYPE, OVN_GENEVE_LEN);
	o->data[0] = inport >> 8;
	o->data[1] = inport;
	o->data[2] = outport >> 8;
	o->data[3] = outport;
}

/* Spec adjustments, combined by the tables below. */
static inline void outer6(struct pkt_spec *s)
{
	s->outer_family = 6;
	s->outer_src = "2001:db8::1";
	s->outer_dst = "2001:db8::2";
}

static inline void inner6(struct pkt_spec *s)
{
	s->inner_family = 6;
	s->inner_src = "fd00::1";
	s->inner_dst = "fd00::2";
	s->inner_proto = IPPROTO_ICMPV6;
	s->icmp_type = 128;
	s->icmp_id = 7;
	s->icmp_seq = 9;
}

static inline void vlan1(struct pkt_spec *s)
{
	s->n_vlans = 1;
	s->vlan[0] = 0x2064;	/* PCP 1, VID 100 */
}

static inline void vlan2(struct pkt_spec *s)
{
	s->n_vlans = 2;
	s->vlan[0] = 100;
	s->vlan[1] = 0xe0c8;	/* PCP 7, VID 200 */
}

static inline void inner_vlan(struct pkt_spec *s)
{
	s->inner_vlan = 0x302a;	/* PCP 1, DEI, VID 42 */
}

static inline void tcp(struct pkt_spec *s)
{
	s->inner_src = "10.0.0.1";
	s->inner_dst = "10.0.0.2";
	s->inner_proto = IPPROTO_TCP;
	s->sport = 40000;
	s->dport = 80;
	s->tcp_flags = 0x12;
	s->payload_len = 0;
}

static inline void udp(struct pkt_spec *s)
{
	s->inner_proto = IPPROTO_UDP;
	s->sport = 5353;
	s->dport = 53;
	s->payload_len = 10;
}

static inline void arp(struct pkt_spec *s)
{
	s->inner_proto = PKT_ARP;
	s->arp_op = 2;
}

static inline void raw_ipv4(struct pkt_spec *s)
{
	s->geneve_proto = 0x0800;
}

static inline void raw_ipv6(struct pkt_spec *s)
{
	inner6(s);
	s->geneve_proto = 0x86DD;
}

static inline void outer6_vlan1(struct pkt_spec *s)
{
	outer6(s);
	vlan1(s);
}

/* OVN's 8 bytes, then 128 and 116: an option area of 63 words. */
static inline void opts_63_words(struct pkt_spec *s)
{
	add_opt(s, 0x0132, 1, 124);
	add_opt(s, 0x0132, 2, 112);
}

/* 252 option bytes without OVN, for the patches below to rewrite. */
static inline void opts_252_bytes(struct pkt_spec *s)
{
	s->ovn = 0;
	add_opt(s, 0x0132, 1, 124);
	add_opt(s, 0x0132, 2, 120);
}

static inline void port_7000(struct pkt_spec *s)
{
	s->outer_dport = 7000;
}

static inline void one_other_opt(struct pkt_spec *s)
{
	s->ovn = 0;
	add_opt(s, 0x0132, 1, 4);
}

/* OVN's VXLAN: datapath 0xabc, egress port 0x7fe (12 bits each). */
static inline void ovn_vxlan(struct pkt_spec *s)
{
	s->vxlan = 1;
	s->vni = 0xabc;
	s->ovn_outport = 0x7fe;
}

/* OVN's VXLAN to the first multicast group (32768, 2048 on the wire). */
static inline void ovn_vxlan_mc(struct pkt_spec *s)
{
	ovn_vxlan(s);
	s->ovn_outport = 32768 + 5;
}

#endif /* GNV_TEST_FIXTURES_H */
