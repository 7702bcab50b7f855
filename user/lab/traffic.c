// SPDX-License-Identifier: MIT
/*
 * The lab's frames: the demo's fixed set, the echo round trips of
 * gnv-pktgen rtt, and any frame built for the wire (traffic_build); the
 * generated mix is traffic_mix.c's.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnvtrace.h"
#include "traffic.h"

#define ETH_MIN_LEN	60	/* without the FCS */

struct list {
	struct traffic_frame *f;
	int n, max;
};

static struct pkt_spec *add(struct list *l, size_t cut)
{
	struct traffic_frame *t;

	if (l->n == l->max)
		return NULL;
	t = &l->f[l->n];
	*t = (struct traffic_frame){
		.cut = cut,
		.ts_us = TRAFFIC_EPOCH_US + (__u64)l->n * 1000000,
	};
	pkt_spec_default(&t->spec);
	l->n++;
	return &t->spec;
}

/*
 * rep becomes the answer to req: the same, every address, port key and
 * TCP/UDP port the other way round.
 */
static void answer(struct pkt_spec *rep, const struct pkt_spec *req)
{
	*rep = *req;
	rep->outer_src = req->outer_dst;
	rep->outer_dst = req->outer_src;
	rep->ovn_inport = req->ovn_outport;
	rep->ovn_outport = req->ovn_inport;
	rep->inner_src = req->inner_dst;
	rep->inner_dst = req->inner_src;
	memcpy(rep->inner_eth_src, req->inner_eth_dst, 6);
	memcpy(rep->inner_eth_dst, req->inner_eth_src, 6);
	rep->sport = req->dport;
	rep->dport = req->sport;
}

/* vm1 (port 1) and vm2 (port 3) on VNI 5; over IPv6, ports 2 and 4 on VNI 7. */
static void ping_pair(struct list *l, int seq, int v6)
{
	struct pkt_spec *req = add(l, 0), *rep;

	if (!req)
		return;
	req->icmp_seq = seq;
	if (v6) {
		req->outer_family = 6;
		req->outer_src = "fd00:172:17::119";
		req->outer_dst = "fd00:172:17::143";
		req->vni = 7;
		req->ovn_inport = 2;
		req->ovn_outport = 4;
		req->inner_family = 6;
		req->inner_src = "fd10::a";
		req->inner_dst = "fd10::b";
		req->inner_proto = IPPROTO_ICMPV6;
		req->icmp_type = 128;
	}
	rep = add(l, 0);
	if (!rep)
		return;
	/* vm2 lives on the traced chassis: its reply leaves through the NIC. */
	l->f[l->n - 1].outgoing = 1;
	answer(rep, req);
	rep->icmp_type = v6 ? 129 : 0;
}

/* Request start and reply gap of each echo in traffic_rtt, microseconds. */
static const struct {
	__u64 start_us;
	long gap_us;		/* -1: never answered */
	int v6;
} rtt_echoes[] = {
	{ 0, 1, 0 },			/* slot 0 */
	{ 1000000, 3, 0 },		/* slot 1: [2, 4) us */
	{ 2000000, 100, 0 },		/* slot 6: [64, 128) */
	{ 3000000, 1500, 0 },		/* slot 10 */
	{ 4000000, 20000, 0 },		/* slot 14 */
	{ 5000000, -1, 0 },		/* unanswered */
	{ 6000000, 6000000, 0 },	/* answered past a 5 s timeout */
	{ 7000000, 1000000, 0 },	/* slot 19 */
	{ 9000000, 50, 1 },		/* ICMPv6, slot 5 */
};

/*
 * TCP handshakes from vm1 to vm2's port 80 in traffic_rtt: the SYN at
 * start, sent again after again_us (0: not), the SYN-ACK gap_us after
 * the first SYN (-1: never).
 */
static const struct {
	__u64 start_us;
	long again_us, gap_us;
} rtt_handshakes[] = {
	{ 10000000, 0, -1 },		/* unanswered */
	{ 16000000, 0, 300 },		/* slot 8: [256, 512) us */
	{ 17000000, 1000000, 1000200 },	/* slot 19: from the first SYN */
};

static void handshake(struct list *l, int i)
{
	struct pkt_spec *syn = add(l, 0), *s;
	__u64 t0 = TRAFFIC_EPOCH_US + rtt_handshakes[i].start_us;

	if (!syn)
		return;
	l->f[l->n - 1].ts_us = t0;
	syn->inner_proto = IPPROTO_TCP;
	syn->sport = 40001 + i;
	syn->dport = 80;
	syn->tcp_flags = 0x02;
	syn->tcp_mss = 1360;
	syn->payload_len = 0;
	if (rtt_handshakes[i].again_us && (s = add(l, 0))) {
		*s = *syn;
		l->f[l->n - 1].ts_us = t0 + rtt_handshakes[i].again_us;
	}
	if (rtt_handshakes[i].gap_us < 0 || !(s = add(l, 0)))
		return;
	l->f[l->n - 1].ts_us = t0 + rtt_handshakes[i].gap_us;
	l->f[l->n - 1].outgoing = 1;
	answer(s, syn);
	s->tcp_flags = 0x12;
}

static int by_time(const void *a, const void *b)
{
	const struct traffic_frame *x = a, *y = b;

	return x->ts_us < y->ts_us ? -1 : x->ts_us > y->ts_us;
}

int traffic_rtt(struct traffic_frame *frames, int max)
{
	struct list l = { .f = frames, .max = max };

	for (size_t i = 0; i < ARRAY_SIZE(rtt_echoes); i++) {
		int first = l.n;

		ping_pair(&l, i + 1, rtt_echoes[i].v6);
		if (l.n != first + 2)
			return -1;
		frames[first].ts_us = TRAFFIC_EPOCH_US + rtt_echoes[i].start_us;
		frames[first + 1].ts_us = frames[first].ts_us +
					  rtt_echoes[i].gap_us;
		if (rtt_echoes[i].gap_us < 0)
			l.n--;
	}
	for (size_t i = 0; i < ARRAY_SIZE(rtt_handshakes); i++)
		handshake(&l, i);
	if (l.n != TRAFFIC_RTT_FRAMES)
		return -1;
	qsort(frames, l.n, sizeof(frames[0]), by_time);
	return l.n;
}

/* A "too big" for what src sent, announcing mtu, on src's port. */
static void too_big(struct list *l, const struct pkt_spec *src, __u32 mtu)
{
	struct pkt_spec *s = add(l, 0);
	int v6 = src->inner_family == 6;

	if (!s)
		return;
	answer(s, src);
	s->ovn_inport = 0;	/* a router's port */
	s->inner_proto = v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	s->icmp_type = v6 ? 2 : 3;
	s->icmp_code = v6 ? 0 : 4;
	s->icmp_id = mtu >> 16;	/* bytes 4-7: the MTU (IPv4: 4-5 unused) */
	s->icmp_seq = mtu & 0xffff;
	s->payload_len = 48;	/* as much of the packet as fits a reply */
}

/* A router of the underlay's "too big" about the tunnel frame of src. */
static void underlay_too_big(struct list *l, const struct pkt_spec *src,
			     const char *router, __u32 mtu)
{
	struct pkt_spec *s = add(l, 0);

	if (!s)
		return;
	*s = *src;
	l->f[l->n - 1].router = router;
	l->f[l->n - 1].mtu = mtu;
}

/* A TCP SYN (SYN-ACK with ack) from spec's side announcing mss. */
static void syn(struct list *l, const struct pkt_spec *from, int ack,
		__u16 mss)
{
	struct pkt_spec *s = add(l, 0);

	if (!s)
		return;
	*s = *from;
	s->inner_proto = IPPROTO_TCP;
	s->sport = ack ? 80 : 40000 + mss % 1000;
	s->dport = ack ? 40000 + mss % 1000 : 80;
	s->tcp_flags = ack ? 0x12 : 0x02;
	s->tcp_mss = mss;
	s->payload_len = 0;
}

int traffic_mtu(struct traffic_frame *frames, int max)
{
	struct list l = { .f = frames, .max = max };
	struct pkt_spec v4, v6;

	ping_pair(&l, 1, 0);		/* VNI 5: vm1 (port 1) -> vm2 (3) */
	ping_pair(&l, 1, 1);		/* VNI 7 over IPv6: 2 -> 4 */
	if (l.n != 4)
		return -1;
	v4 = frames[0].spec;
	v6 = frames[2].spec;
	/* vm1's large ping, and what a router says of it. */
	v4.payload_len = 1400;
	*add(&l, 0) = v4;
	too_big(&l, &v4, 1300);
	too_big(&l, &v4, 0);		/* a router before RFC 1191 */
	v6.payload_len = 1400;
	*add(&l, 0) = v6;
	too_big(&l, &v6, 1280);
	/*
	 * SYNs against a 1500-byte underlay: over IPv4 with OVN's option the
	 * tunnel adds 98 bytes, so 1460 will not fit and 1402 just does;
	 * over IPv6 (inner IPv6 too) 138, and 8960 (a jumbo VM) will not.
	 */
	syn(&l, &v4, 0, 1460);
	syn(&l, &v4, 1, 1402);
	syn(&l, &v6, 0, 8960);
	underlay_too_big(&l, &v4, "172.17.2.1", 1450);
	underlay_too_big(&l, &v4, "172.17.2.2", 1400);
	underlay_too_big(&l, &v6, "2001:db8::1", 1280);
	v4.outer_dport = 53;
	underlay_too_big(&l, &v4, "172.17.2.1", 1400);
	return l.n;
}

/* One BFD control packet (RFC 5880) from chassis .1 (a) or .2, at ms. */
static void bfd(struct list *l, int a, __u64 ms, __u8 state, __u8 diag)
{
	static const __u8 ovn_mac[6] = { 0x00, 0x23, 0x20, 0x00, 0x00, 0x01 };
	struct pkt_spec *s = add(l, 0);
	struct traffic_frame *f = &l->f[l->n - 1];
	__u8 *b = f->payload;

	if (!s)
		return;
	f->ts_us = TRAFFIC_EPOCH_US + ms * 1000;
	s->outer_src = a ? "172.31.254.1" : "172.31.254.2";
	s->outer_dst = a ? "172.31.254.2" : "172.31.254.1";
	s->outer_sport = 49152;
	s->vni = 0;
	s->ovn = 0;
	memcpy(s->inner_eth_src, ovn_mac, 6);
	memcpy(s->inner_eth_dst, ovn_mac, 6);
	s->inner_family = 4;
	s->inner_src = a ? "169.254.1.1" : "169.254.1.0";
	s->inner_dst = a ? "169.254.1.0" : "169.254.1.1";
	s->inner_proto = IPPROTO_UDP;
	s->sport = 49152;
	s->dport = GNV_BFD_UDP_PORT;
	s->payload_len = 24;
	f->has_payload = 1;
	memset(b, 0, 24);
	b[0] = 1 << 5 | diag;		/* version 1 */
	b[1] = state << 6;
	b[2] = 3;			/* detect multiplier */
	b[3] = 24;
	b[4] = b[5] = b[6] = b[7] = a ? 0x11 : 0x22;	/* my discriminator */
	if (state != 1)		/* Down: the peer's not known yet */
		b[8] = b[9] = b[10] = b[11] = a ? 0x22 : 0x11;
	b[13] = 0x0f; b[14] = 0x42; b[15] = 0x40;	/* 1000000 us tx */
	b[17] = 0x0f; b[18] = 0x42; b[19] = 0x40;	/* and rx */
}

int traffic_bfd(struct traffic_frame *frames, int max)
{
	enum { DOWN = 1, INIT = 2, UP = 3 };
	struct list l = { .f = frames, .max = max };

	for (__u64 r = 0; r < TRAFFIC_BFD_ROUNDS; r++) {
		__u64 t0 = r * 60000;

		for (__u64 s = 0; s <= 18; s++) {
			/* .1: the handshake, Up, silent from 10 s, back. */
			if (s <= 10 || s >= 16)
				bfd(&l, 1, t0 + s * 1000,
				    s == 0 || s == 16 ? DOWN : s == 1 ? INIT : UP,
				    0);
			/* .2, half a second later: .1's silence seen. */
			bfd(&l, 0, t0 + s * 1000 + 500,
			    s == 0 ? DOWN : s >= 13 && s <= 15 ? DOWN :
			    s == 16 ? INIT : UP, s >= 13 && s <= 15 ? 1 : 0);
		}
	}
	return l.n == TRAFFIC_BFD_FRAMES ? l.n : -1;
}

int traffic_demo(struct traffic_frame *frames, int max)
{
	struct list l = { .f = frames, .max = max };
	struct pkt_spec *s;

	for (int seq = 1; seq <= 3; seq++) {
		ping_pair(&l, seq, 0);
		ping_pair(&l, seq, 1);
	}

	/* ssh from vm1 to vm2 over a tagged underlay (VLAN 50). */
	if ((s = add(&l, 0))) {
		s->n_vlans = 1;
		s->vlan[0] = 50;
		s->inner_proto = IPPROTO_TCP;
		s->sport = 43512;
		s->dport = 22;
		s->tcp_flags = 0x02;
		s->payload_len = 0;
	}

	/* DNS with a second option class beside OVN's (Linux, 0x0100). */
	if ((s = add(&l, 0))) {
		s->inner_proto = IPPROTO_UDP;
		s->sport = 53001;
		s->dport = 53;
		s->payload_len = 32;
		s->n_extra_opts = 1;
		s->extra_opts[0] = (struct pkt_opt){
			.cls = 0x0100, .type = 0x01, .len = 4,
			.data = { 0xca, 0xfe, 0x00, 0x01 },
		};
	}

	/* vm1 asks who has vm2: flooded to OVN multicast group 0x8000. */
	if ((s = add(&l, 0))) {
		s->inner_proto = PKT_ARP;
		s->arp_op = 1;
		s->ovn_outport = 0x8000;
		memset(s->inner_eth_dst, 0xff, 6);
	}

	/* Noise that is not Geneve: UDP to 53 and to VXLAN's 4789. */
	if ((s = add(&l, 0)))
		s->outer_dport = 53;
	if ((s = add(&l, 0)))
		s->outer_dport = 4789;

	/* A Geneve frame cut inside its options: counted, never printed. */
	add(&l, 14 + 20 + 8 + 8 + 2);
	return l.n;
}

size_t traffic_build(const struct traffic_frame *f, __u8 *buf, size_t cap,
		     const __u8 **frame)
{
	struct pkt_spec spec = f->spec;
	size_t len;

	if (f->has_payload)
		spec.payload = f->payload;
	len = f->router ? pkt_build_too_big(&spec, f->router, f->mtu, buf,
					    cap) :
			  pkt_build(&spec, buf, cap);

	if (len <= f->strip || f->strip + ETH_MIN_LEN > cap)
		return 0;
	*frame = buf + f->strip;
	len -= f->strip;
	if (f->cut && f->cut < len)
		return f->cut;
	if (len < ETH_MIN_LEN) {
		memset(buf + f->strip + len, 0, ETH_MIN_LEN - len);
		len = ETH_MIN_LEN;
	}
	return len;
}
