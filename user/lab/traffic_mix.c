// SPDX-License-Identifier: MIT
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "gnvtrace.h"
#include "traffic.h"


const char *const traffic_kind_name[TRAFFIC_KINDS] = {
	[TRAFFIC_GNV_ICMP] = "geneve-icmp",
	[TRAFFIC_GNV_TCP] = "geneve-tcp",
	[TRAFFIC_GNV_UDP] = "geneve-udp",
	[TRAFFIC_GNV_ARP] = "geneve-arp",
	[TRAFFIC_BG_UDP] = "background-udp",
	[TRAFFIC_BG_TCP] = "background-tcp",
};

/*
 * gnv-pktgen mix: a cloud's underlay. Frames come in pairs (2n, 2n+1): a request and its answer. A
 * pair's kind and flow, and a flow's endpoints, underlay and options, are
 * drawn from dice seeded by the seed and the pair's or the flow's number,
 * so any frame can be made without the ones before it.
 */
#define MIX_CHASSIS	16	/* hypervisors on the underlay */
#define MIX_PORTS	24	/* VM port keys per datapath: 1..24 */
#define MIX_FLOWS	512	/* flows of each kind */
#define MIX_FRAME_MAX	1400
#define MIX_GAP_US	4	/* mean time between frames */
#define OVN_MC_FLOOD	0x8000	/* OVN's multicast group for floods */

struct dice {
	__u64 h;
};

enum { DICE_PAIR = 1, DICE_FRAME, DICE_FLOW };	/* DICE_FLOW + kind */

struct pair {
	enum traffic_kind kind;
	int reply;		/* the pair's second frame */
	unsigned long n;	/* the pair's number */
	struct dice pair;	/* shared by both frames */
	struct dice flow;	/* shared by every frame of the flow */
	struct dice frame;	/* this frame's own */
};

/* A flow's service: its port and payload sizes in bytes, min and max. */
struct service {
	__u16 port;
	__u16 req[2], rep[2];
};

/* Percent of pairs of each kind. */
static const __u8 kind_pct[TRAFFIC_KINDS] = {
	[TRAFFIC_GNV_ICMP] = 24, [TRAFFIC_GNV_TCP] = 30,
	[TRAFFIC_GNV_UDP] = 25, [TRAFFIC_GNV_ARP] = 1,
	[TRAFFIC_BG_UDP] = 8, [TRAFFIC_BG_TCP] = 12,
};

/* Tunnel keys of the logical datapaths. */
static const __u16 mix_vnis[] = { 1, 2, 3, 5, 7, 12 };

/* TCP's minimum sizes are unused: see l4_pair(). */
static const struct service vm_tcp[] = {
	{ 22, { 0, 120 }, { 0, 400 } },
	{ 80, { 0, 600 }, { 0, 1400 } },
	{ 443, { 0, 900 }, { 0, 1400 } },
	{ 3306, { 0, 300 }, { 0, 1400 } },
	{ 5432, { 0, 300 }, { 0, 1400 } },
	{ 6379, { 0, 100 }, { 0, 600 } },
};

static const struct service vm_udp[] = {
	{ 53, { 20, 60 }, { 40, 480 } },		/* DNS */
	{ 123, { 48, 48 }, { 48, 48 } },		/* NTP */
	{ 443, { 20, 1350 }, { 20, 1350 } },		/* QUIC */
	{ 11211, { 20, 80 }, { 100, 1400 } },		/* memcached */
};

/* The underlay's own: OVN's databases, the message bus, the API, ssh. */
static const struct service host_tcp[] = {
	{ 6642, { 0, 200 }, { 0, 1400 } },
	{ 6641, { 0, 200 }, { 0, 1400 } },
	{ 5672, { 0, 400 }, { 0, 1400 } },
	{ 443, { 0, 600 }, { 0, 1400 } },
	{ 22, { 0, 120 }, { 0, 400 } },
};

static const struct service host_udp[] = {
	{ 53, { 20, 60 }, { 40, 480 } },		/* DNS */
	{ 123, { 48, 48 }, { 48, 48 } },		/* NTP */
	{ 161, { 40, 80 }, { 80, 480 } },		/* SNMP */
};

static __u64 mix64(__u64 x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static struct dice dice_of(__u64 seed, __u64 tag, __u64 n)
{
	return (struct dice){ mix64(mix64(seed ^ tag << 56) ^ n) };
}

/* A number below n. */
static unsigned int roll(struct dice *d, unsigned int n)
{
	d->h = mix64(d->h);
	return d->h % n;
}

static unsigned int between(struct dice *d, unsigned int lo, unsigned int hi)
{
	return lo + roll(d, hi - lo + 1);
}

static int chance(struct dice *d, unsigned int pct)
{
	return roll(d, 100) < pct;
}

static struct pair pair_of(unsigned long index, unsigned int seed)
{
	struct pair p = { .reply = index & 1, .n = index / 2 };
	unsigned int pct;

	p.pair = dice_of(seed, DICE_PAIR, p.n);
	p.frame = dice_of(seed, DICE_FRAME, index);
	pct = roll(&p.pair, 100);
	while (pct >= kind_pct[p.kind])
		pct -= kind_pct[p.kind++];
	p.flow = dice_of(seed, DICE_FLOW + p.kind,
			 roll(&p.pair, MIX_FLOWS));
	return p;
}

static size_t ip_hdr_len(int family)
{
	return family == 6 ? 40 : 20;
}

/* The bytes pkt_build() writes before the inner payload. */
static size_t headers_len(const struct pkt_spec *s)
{
	size_t n = 14 + 4 * s->n_vlans + ip_hdr_len(s->outer_family) + 8 +
		   GENEVE_HDR_LEN;

	if (s->ovn)
		n += GENEVE_OPT_HDR_LEN + OVN_GENEVE_LEN;
	for (int i = 0; i < s->n_extra_opts; i++)
		n += GENEVE_OPT_HDR_LEN + s->extra_opts[i].len;
	n += 14 + (s->inner_vlan ? 4 : 0) + ip_hdr_len(s->inner_family);
	return n + (s->inner_proto == IPPROTO_TCP ? 20 : 8);
}

/* As much of want as fits in MIX_FRAME_MAX. */
static void fit_payload(struct traffic_frame *f, size_t want)
{
	size_t room = MIX_FRAME_MAX + f->strip - headers_len(&f->spec);

	f->spec.payload_len = want < room ? want : room;
}

static const char *chassis_addr(char *buf, int family, unsigned int c)
{
	snprintf(buf, INET6_ADDRSTRLEN,
		 family == 6 ? "fd00:172:17::%u" : "172.17.2.%u", 101 + c);
	return buf;
}

static const char *controller_addr(char *buf, int family, unsigned int c)
{
	snprintf(buf, INET6_ADDRSTRLEN,
		 family == 6 ? "fd00:172:17:1::%u" : "172.17.1.%u", 10 + c);
	return buf;
}

static const char *vm_addr(char *buf, int family, unsigned int vni,
			   unsigned int port)
{
	snprintf(buf, INET6_ADDRSTRLEN,
		 family == 6 ? "fd10:%x::%x" : "10.%u.0.%u", vni, 10 + port);
	return buf;
}

static void vm_mac(__u8 *mac, unsigned int vni, unsigned int port)
{
	const __u8 m[6] = { 0xfa, 0x16, 0x3e, 0x00, vni, port };

	memcpy(mac, m, 6);
}

/* The rack: a VM's chassis, never that of the VM it talks to. */
static unsigned int chassis_of(unsigned int vni, unsigned int port,
			       unsigned int other)
{
	unsigned int c = (port * 7 + vni) % MIX_CHASSIS;

	return c == other ? (c + 1) % MIX_CHASSIS : c;
}

static void add_opt(struct pkt_spec *s, __u16 cls, __u8 type,
		    const __u8 *data, __u8 len)
{
	struct pkt_opt *o = &s->extra_opts[s->n_extra_opts++];

	o->cls = cls;
	o->type = type;
	o->len = len;
	memcpy(o->data, data, len);
}

static void add_ovn_opt(struct pkt_spec *s)
{
	const __u8 d[OVN_GENEVE_LEN] = {
		s->ovn_inport >> 8 & 0x7f, s->ovn_inport,
		s->ovn_outport >> 8, s->ovn_outport,
	};

	s->ovn = 0;
	add_opt(s, OVN_GENEVE_CLASS, OVN_GENEVE_TYPE, d, sizeof(d));
}

/*
 * Most flows carry OVN's option alone; some a Linux (0x0100) option after
 * it, some an experimental (0xff72) one before it, some one on each side.
 */
static void flow_opts(struct pkt_spec *s, struct dice *flow)
{
	const __u8 d[8] = { 0xca, 0xfe, roll(flow, 256), roll(flow, 256) };
	unsigned int r = roll(flow, 100);

	if (r < 88)
		return;
	if (r < 93) {
		add_opt(s, 0x0100, 0x01, d, 4);
	} else if (r < 97) {
		add_opt(s, 0xff72, 0x05, d, 8);
		add_ovn_opt(s);
	} else {
		add_opt(s, 0x0100, 0x01, d, 4);
		add_ovn_opt(s);
		add_opt(s, 0xff72, 0x05, d, 8);
	}
}

/* Underlay VLANs: most flows untagged, some one tag, a few two (QinQ). */
static void flow_vlans(struct pkt_spec *s, struct dice *flow)
{
	unsigned int r = roll(flow, 100);

	unsigned int s_tag = 300 + roll(flow, 4), c_tag = 100 + roll(flow, 4);

	s->n_vlans = r < 80 ? 0 : r < 95 ? 1 : 2;
	s->vlan[0] = s->n_vlans == 2 ? s_tag : c_tag;
	s->vlan[1] = s->n_vlans == 2 ? c_tag : 0;
}

/*
 * A flow between VM a and VM b of one datapath, on two chassis; the
 * second frame of a pair goes back from b to a. inner6_pct: the share of
 * flows with an IPv6 inner packet.
 */
static void gnv_endpoints(struct traffic_frame *f, struct pair *p,
			  unsigned int inner6_pct)
{
	struct pkt_spec *s = &f->spec;
	unsigned int vni = mix_vnis[roll(&p->flow, ARRAY_SIZE(mix_vnis))];
	unsigned int a = 1 + roll(&p->flow, MIX_PORTS);
	unsigned int b = 1 + roll(&p->flow, MIX_PORTS - 1);
	unsigned int ca = chassis_of(vni, a, MIX_CHASSIS), cb, t;
	__u16 sport[2] = { between(&p->flow, 32768, 60999),
			   between(&p->flow, 32768, 60999) };

	b += b >= a;
	cb = chassis_of(vni, b, ca);
	s->outer_family = chance(&p->flow, 25) ? 6 : 4;
	s->inner_family = chance(&p->flow, inner6_pct) ? 6 : 4;
	flow_vlans(s, &p->flow);
	if (p->reply) {
		t = a, a = b, b = t;
		t = ca, ca = cb, cb = t;
	}
	s->vni = vni;
	s->outer_sport = sport[p->reply];
	s->outer_src = chassis_addr(f->addr[0], s->outer_family, ca);
	s->outer_dst = chassis_addr(f->addr[1], s->outer_family, cb);
	s->inner_src = vm_addr(f->addr[2], s->inner_family, vni, a);
	s->inner_dst = vm_addr(f->addr[3], s->inner_family, vni, b);
	vm_mac(s->inner_eth_src, vni, a);
	vm_mac(s->inner_eth_dst, vni, b);
	s->ovn_inport = a;
	s->ovn_outport = b;
}

/* Pings: mostly ping's 56 bytes, some larger; id per flow, seq rising. */
static void gnv_icmp(struct traffic_frame *f, struct pair *p)
{
	struct pkt_spec *s = &f->spec;
	int v6;

	gnv_endpoints(f, p, 30);
	flow_opts(s, &p->flow);
	v6 = s->inner_family == 6;
	s->inner_proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	s->icmp_type = v6 ? 128 + p->reply : p->reply ? 0 : 8;
	s->icmp_id = roll(&p->flow, 65536);
	s->icmp_seq = 1 + p->n / 256;
	fit_payload(f, chance(&p->flow, 80) ? 56 : between(&p->flow, 0, 1400));
}

/* Client ports and sizes of a request/answer pair on service svc. */
static void l4_pair(struct traffic_frame *f, struct pair *p,
		    const struct service *svc)
{
	struct pkt_spec *s = &f->spec;
	__u16 client = between(&p->flow, 32768, 60999);
	const __u16 *size = p->reply ? svc->rep : svc->req;
	unsigned int lo = size[0], hi = size[1];

	s->sport = p->reply ? svc->port : client;
	s->dport = p->reply ? client : svc->port;
	if (s->inner_proto == IPPROTO_UDP) {
		fit_payload(f, between(&p->frame, lo, hi));
		return;
	}
	/* TCP: pure ACKs, full segments of bulk answers, and the rest. */
	if (chance(&p->frame, 35))
		fit_payload(f, 0);
	else if (hi >= MIX_FRAME_MAX && chance(&p->frame, 50))
		fit_payload(f, hi);
	else
		fit_payload(f, between(&p->frame, 1, hi));
	if (chance(&p->pair, 3))	/* the handshake */
		s->tcp_flags = p->reply ? 0x12 : 0x02;
	else if (!s->payload_len && chance(&p->pair, 3))
		s->tcp_flags = 0x11;	/* FIN, ACK */
	else
		s->tcp_flags = s->payload_len ? 0x18 : 0x10;
	/*
	 * Each direction's bytes go on from a start of its own, a pair's
	 * worth apart (no pair carries more); 2% are the first bytes again:
	 * resent, once the flow has carried some.
	 */
	s->tcp_seq = (__u32)client << 16 ^ (p->reply ? 0x5eed : 0);
	if (!chance(&p->frame, 2))
		s->tcp_seq += (__u32)p->n * MIX_FRAME_MAX;
	/* A SYN carries no data, and its MSS: a jumbo VM's now and then. */
	if (s->tcp_flags & 0x02) {
		s->payload_len = 0;
		s->tcp_mss = client % 4 ? 1400 : 8960;
	}
}

static const struct service *pick(struct dice *flow,
				  const struct service *svcs, size_t n)
{
	return &svcs[roll(flow, n)];
}

static void gnv_l4(struct traffic_frame *f, struct pair *p, int proto)
{
	const struct service *svc = proto == IPPROTO_TCP ?
		pick(&p->flow, vm_tcp, ARRAY_SIZE(vm_tcp)) :
		pick(&p->flow, vm_udp, ARRAY_SIZE(vm_udp));

	gnv_endpoints(f, p, 30);
	flow_opts(&f->spec, &p->flow);
	f->spec.inner_proto = proto;
	l4_pair(f, p, svc);
}

/* Who has b? asks a, flooded to the datapath; b answers a alone. */
static void gnv_arp(struct traffic_frame *f, struct pair *p)
{
	struct pkt_spec *s = &f->spec;

	gnv_endpoints(f, p, 0);
	s->inner_proto = PKT_ARP;
	s->arp_op = 1 + p->reply;
	if (!p->reply) {
		s->ovn_outport = OVN_MC_FLOOD;
		memset(s->inner_eth_dst, 0xff, 6);
	}
	flow_opts(s, &p->flow);
}

/*
 * Not Geneve: a chassis and a controller over plain UDP or TCP, some of it
 * on a tagged management VLAN. pkt_build() makes it as the inner frame of
 * a Geneve frame over untagged IPv4 without options, and strip drops the
 * wrapping.
 */
static void background(struct traffic_frame *f, struct pair *p, int proto)
{
	static const __u8 nic[6] = { 0x52, 0x54, 0x00, 0x0c, 0xeb, 0x7c };
	static const __u8 peer[6] = { 0x52, 0x54, 0x00, 0x5e, 0x17, 0x01 };
	struct pkt_spec *s = &f->spec;
	const struct service *svc = proto == IPPROTO_TCP ?
		pick(&p->flow, host_tcp, ARRAY_SIZE(host_tcp)) :
		pick(&p->flow, host_udp, ARRAY_SIZE(host_udp));
	unsigned int host = roll(&p->flow, MIX_CHASSIS);
	unsigned int ctl = roll(&p->flow, 3);

	s->ovn = 0;
	f->strip = 14 + ip_hdr_len(s->outer_family) + 8 + GENEVE_HDR_LEN;
	s->inner_family = chance(&p->flow, 30) ? 6 : 4;
	s->inner_vlan = chance(&p->flow, 15) ? 10 : 0;
	s->inner_proto = proto;
	memcpy(s->inner_eth_dst, p->reply ? peer : nic, 6);
	memcpy(s->inner_eth_src, p->reply ? nic : peer, 6);
	s->inner_src = p->reply ?
		controller_addr(f->addr[2], s->inner_family, ctl) :
		chassis_addr(f->addr[2], s->inner_family, host);
	s->inner_dst = p->reply ?
		chassis_addr(f->addr[3], s->inner_family, host) :
		controller_addr(f->addr[3], s->inner_family, ctl);
	l4_pair(f, p, svc);
}

void traffic_mix(struct traffic_frame *f, unsigned long index,
		 unsigned int seed)
{
	struct pair p = pair_of(index, seed);

	f->cut = 0;
	f->strip = 0;
	f->router = NULL;	/* the mix has no routers' "too big" */
	f->kind = p.kind;
	f->ts_us = TRAFFIC_EPOCH_US + (__u64)index * MIX_GAP_US +
		   roll(&p.frame, MIX_GAP_US);
	pkt_spec_default(&f->spec);
	switch (p.kind) {
	case TRAFFIC_GNV_ICMP:
		gnv_icmp(f, &p);
		break;
	case TRAFFIC_GNV_TCP:
		gnv_l4(f, &p, IPPROTO_TCP);
		break;
	case TRAFFIC_GNV_UDP:
		gnv_l4(f, &p, IPPROTO_UDP);
		break;
	case TRAFFIC_GNV_ARP:
		gnv_arp(f, &p);
		break;
	case TRAFFIC_BG_UDP:
		background(f, &p, IPPROTO_UDP);
		break;
	default:	/* TRAFFIC_BG_TCP */
		background(f, &p, IPPROTO_TCP);
		break;
	}
}
