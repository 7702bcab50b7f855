// SPDX-License-Identifier: MIT
/*
 * The tunnels' health, piece by piece: BFD control packets decoded from
 * frames built here (outer IPv4 and IPv6, inner tags, inner IPv6, a
 * Geneve device's decapsulated frame), and refused when cut or not BFD;
 * TCP retransmissions by the flow table's rule (gnv_tcp_update()).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "test_util.h"
#include "parse.h"
#include "health/bfd.h"
#include "health/bfd_sessions.h"
#include "port_stats.h"
#include "lab/pktcraft.h"

#define FRAME_MAX	512

/* What ovs-appctl bfd/show said of a session of the OVN lab. */
static const __u8 bfd_up[GNV_BFD_LEN] = {
	0x20,			/* version 1, no diagnostic */
	0xe0,			/* Up, Poll */
	3, 24,			/* detect mult, length */
	0x37, 0x25, 0x21, 0x09, 0xf5, 0x7e, 0xe3, 0x70,
	0x00, 0x01, 0x86, 0xa0,	/* desired min TX 100 ms */
	0x00, 0x0f, 0x42, 0x40,	/* required min RX 1 s */
	0, 0, 0, 0,
};

/* A Geneve frame carrying BFD (or port dport), its last 24 bytes bfd[]. */
static size_t bfd_frame(__u8 *buf, int outer6, int inner6, __u16 tag,
			__u16 dport, const __u8 *bfd)
{
	struct pkt_spec s;
	size_t len;

	pkt_spec_default(&s);
	if (outer6) {
		s.outer_family = 6;
		s.outer_src = "fd00::1";
		s.outer_dst = "fd00::2";
	}
	if (inner6) {
		s.inner_family = 6;
		s.inner_src = "fe80::1";
		s.inner_dst = "fe80::2";
	}
	s.inner_vlan = tag;
	s.inner_proto = IPPROTO_UDP;
	s.sport = 49152;
	s.dport = dport;
	s.payload_len = GNV_BFD_LEN;
	len = pkt_build(&s, buf, FRAME_MAX);
	if (len)
		memcpy(buf + len - GNV_BFD_LEN, bfd, GNV_BFD_LEN);
	return len;
}

static void check_decoded(const struct gnv_bfd *b)
{
	ASSERT_EQ(b->version, 1, "version");
	ASSERT_EQ(b->state, GNV_BFD_UP, "state");
	ASSERT_EQ(b->diag, 0, "diag");
	ASSERT_EQ(b->flags, GNV_BFD_POLL, "flags");
	ASSERT_EQ(b->detect_mult, 3, "detect mult");
	ASSERT_EQ(b->my_disc, 0x37252109, "my discriminator");
	ASSERT_EQ(b->your_disc, 0xf57ee370, "your discriminator");
	ASSERT_EQ(b->desired_min_tx_us, 100000, "desired min tx");
	ASSERT_EQ(b->required_min_rx_us, 1000000, "required min rx");
}

static void test_bfd_decode(void)
{
	static const struct { int outer6, inner6; __u16 tag; } cases[] = {
		{ 0, 0, 0 }, { 1, 0, 0 }, { 0, 0, 7 }, { 0, 1, 0 }, { 1, 1, 9 },
	};
	__u8 buf[FRAME_MAX];
	struct gnv_bfd b;
	struct gnv_pkt p;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = bfd_frame(buf, cases[i].outer6, cases[i].inner6,
				       cases[i].tag, GNV_BFD_UDP_PORT, bfd_up);

		test_case("bfd: outer IPv%d, inner IPv%d, inner tag %u",
			  cases[i].outer6 ? 6 : 4, cases[i].inner6 ? 6 : 4,
			  cases[i].tag);
		if (!ASSERT_GT(len, 0, "built") ||
		    !ASSERT_EQ(gnv_parse_frame(buf, buf + len, GNV_LINK_ETH,
					       GENEVE_UDP_PORT, 0, &p),
			       GNV_GENEVE, "parsed"))
			continue;
		ASSERT_TRUE(gnv_is_bfd(&p), "is BFD");
		if (ASSERT_OK(gnv_bfd_of_frame(buf, len, &p, &b), "decoded"))
			check_decoded(&b);
		ASSERT_EQ(gnv_bfd_of_frame(buf, len - 1, &p, &b), -ENODATA,
			  "a byte short");
	}
}

/* On a Geneve device the frame is the inner one, options elsewhere. */
static void test_bfd_decap(void)
{
	__u8 buf[FRAME_MAX];
	struct gnv_bfd b;
	struct gnv_id_parts parts;
	struct gnv_pkt p, d = { .flags = GNV_F_DECAP, .opts_len = 8,
				.geneve_proto = ETH_P_TEB };
	size_t len = bfd_frame(buf, 0, 0, 0, GNV_BFD_UDP_PORT, bfd_up), in;

	test_case("bfd: on a Geneve device");
	if (!ASSERT_EQ(gnv_parse_frame(buf, buf + len, GNV_LINK_ETH,
				       GENEVE_UDP_PORT, 0, &p), GNV_GENEVE,
		       "parsed"))
		return;
	in = (size_t)p.opts_off + p.opts_len;
	ASSERT_EQ(gnv_parse_inner_at(buf + in, buf + len, 0, &d, &parts,
				     GNV_FIELDS_ALL),
		  GNV_GENEVE, "inner parsed");
	if (ASSERT_OK(gnv_bfd_of_frame(buf + in, len - in, &d, &b), "decoded"))
		check_decoded(&b);
}

static void test_bfd_refused(void)
{
	__u8 buf[FRAME_MAX], v2[GNV_BFD_LEN];
	struct gnv_bfd b;
	struct gnv_pkt p;
	size_t len;

	test_case("bfd: not BFD");
	len = bfd_frame(buf, 0, 0, 0, 53, bfd_up);
	gnv_parse_frame(buf, buf + len, GNV_LINK_ETH, GENEVE_UDP_PORT, 0, &p);
	ASSERT_FALSE(gnv_is_bfd(&p), "port 53 is no BFD");
	ASSERT_EQ(gnv_bfd_of_frame(buf, len, &p, &b), -EINVAL, "refused");
	test_case("bfd: version 2");
	memcpy(v2, bfd_up, sizeof(v2));
	v2[0] = 0x40;
	len = bfd_frame(buf, 0, 0, 0, GNV_BFD_UDP_PORT, v2);
	gnv_parse_frame(buf, buf + len, GNV_LINK_ETH, GENEVE_UDP_PORT, 0, &p);
	ASSERT_EQ(gnv_bfd_of_frame(buf, len, &p, &b), -EINVAL, "refused");
}

static int changes_seen;

static void count_change(void *ctx, const struct gnv_bfd_change *c)
{
	(void)ctx;
	ASSERT_TRUE(c->silence, "a change by the clock is silence's");
	ASSERT_EQ(c->to, GNV_BFD_DOWN, "to Down");
	changes_seen++;
}

/*
 * Sessions: a change per state the sender says; the detection time from
 * both ways' intervals; silence past it Down once, and Up again with the
 * next packet.
 */
static void test_bfd_sessions(void)
{
	static struct gnv_bfd_sessions t;
	struct gnv_pkt ab = { .outer_family = 4, .outer_src = { 10, 0, 0, 1 },
			      .outer_dst = { 10, 0, 0, 2 } };
	struct gnv_pkt ba = { .outer_family = 4, .outer_src = { 10, 0, 0, 2 },
			      .outer_dst = { 10, 0, 0, 1 } };
	struct gnv_bfd up = { .version = 1, .state = GNV_BFD_UP,
			      .detect_mult = 3, .desired_min_tx_us = 100000,
			      .required_min_rx_us = 1000000 };
	struct gnv_bfd down = up, back = up;
	struct gnv_bfd_change c;
	const __u64 s = 1000000000ULL;

	test_case("bfd sessions");
	down.state = GNV_BFD_DOWN;
	down.diag = 1;
	ASSERT_EQ(gnv_bfd_sessions_add(&t, &ab, &up, 1 * s, &c), 0,
		  "the first packet: no change");
	ASSERT_EQ(gnv_bfd_detect_ns(&t, &t.s[0]), 3 * s,
		  "alone: mult x its own required RX (3 x 1 s)");
	back.required_min_rx_us = 2000000;
	gnv_bfd_sessions_add(&t, &ba, &back, 1 * s, &c);
	ASSERT_EQ(gnv_bfd_detect_ns(&t, &t.s[0]), 6 * s,
		  "mult x the receiver's required RX (3 x 2 s)");
	ASSERT_EQ(gnv_bfd_sessions_add(&t, &ab, &down, 2 * s, &c), 1,
		  "Up -> Down: a change");
	ASSERT_TRUE(c.from == GNV_BFD_UP && c.to == GNV_BFD_DOWN &&
		    c.s->diag == 1 && !c.silence, "said by the packet");
	ASSERT_EQ(gnv_bfd_sessions_add(&t, &ab, &up, 3 * s, &c), 1, "and Up");
	gnv_bfd_sessions_age(&t, 4 * s, count_change, NULL);
	ASSERT_EQ(changes_seen, 0, "b -> a: 3 s of silence is not past 3 s");
	gnv_bfd_sessions_age(&t, 4 * s + 1, count_change, NULL);
	ASSERT_EQ(changes_seen, 1, "past it: Down");
	gnv_bfd_sessions_age(&t, 9 * s, count_change, NULL);
	ASSERT_EQ(changes_seen, 1, "a -> b: 6 s is not past 6 s");
	gnv_bfd_sessions_age(&t, 9 * s + 1, count_change, NULL);
	ASSERT_EQ(changes_seen, 2, "past it: Down");
	gnv_bfd_sessions_age(&t, 20 * s, count_change, NULL);
	ASSERT_EQ(changes_seen, 2, "once");
	ASSERT_EQ(t.s[0].changes, 3, "changes of a -> b");
	ASSERT_EQ(gnv_bfd_sessions_add(&t, &ab, &up, 21 * s, &c), 1,
		  "a packet again: Up");
	ASSERT_FALSE(t.s[0].silent, "no longer silent");
	ASSERT_EQ(t.s[0].packets, 4, "packets");
	/* A full table follows no more sessions, and counts their packets. */
	for (int i = 0; i < GNV_BFD_MAX_SESSIONS; i++) {
		ab.outer_dst[2] = i;
		ab.outer_dst[3] = 100;
		gnv_bfd_sessions_add(&t, &ab, &up, 22 * s, &c);
	}
	ASSERT_EQ(t.n, GNV_BFD_MAX_SESSIONS, "a full table");
	ASSERT_EQ(t.untracked, 2, "the two past it counted");
}

/* A flow: 10.0.0.1, port sport, to 10.0.0.2 port 80. */
static __u64 flow_of(__u16 sport)
{
	struct gnv_pkt p;

	memset(&p, 0, sizeof(p));
	p.inner_family = 4;
	p.inner_src[0] = p.inner_dst[0] = 10;
	p.inner_src[3] = 1;
	p.inner_dst[3] = 2;
	p.sport = sport;
	p.dport = 80;
	return gnv_tcp_flow_of(&p);
}

/* One segment of flow into set at time t: its verdict. */
static int seg(struct gnv_tcp_set *set, __u64 flow, __u32 seq, __u32 len,
	       __u64 t)
{
	return gnv_tcp_update(set, flow, seq, len, t);
}

static void test_tcp_retransmits(void)
{
	const __u64 a = flow_of(40000), b = flow_of(40001), c = flow_of(40002);
	struct gnv_tcp_set set = { 0 };
	const struct gnv_tcp_slot *s = &set.slot[0];
	const __u64 sec = 1000000000ULL;
	/* Across 2^32: the rule's arithmetic is serial (RFC 1982). */
	const __u32 isn = 0xfffff000u;

	test_case("tcp retransmits");
	ASSERT_TRUE(a != b && b != c && a != c, "three flows, three hashes");
	ASSERT_EQ(flow_of(40000), a, "a flow's hash is the same each time");
	ASSERT_EQ(seg(&set, a, isn, 1000, 1), 0, "a flow's first segment");
	ASSERT_EQ(seg(&set, a, isn + 1000, 1000, 2), 0, "in order");
	ASSERT_EQ(seg(&set, a, isn + 2000, 1000, 3), 0, "in order, wrapped past 2^32");
	ASSERT_EQ(seg(&set, a, isn + 1000, 1000, 4), GNV_TCP_RETRANS, "the same bytes again");
	ASSERT_EQ(seg(&set, a, isn + 2500, 1000, 5), GNV_TCP_RETRANS, "half old, half new: resent too");
	ASSERT_EQ(s->next_seq, isn + 3500, "the end moves on with the new half");
	ASSERT_EQ(seg(&set, a, isn + 3499, 1, 6), 0, "a keep-alive: no resend");
	ASSERT_EQ(seg(&set, a, isn + 3499, 2, 6), GNV_TCP_RETRANS, "two bytes below the end: resent");
	/* A gap: 3501..6501 skipped, filled from both ends, resent. */
	ASSERT_EQ(seg(&set, a, isn + 6501, 1000, 7), 0, "bytes skipped");
	ASSERT_EQ(seg(&set, a, isn + 3500, 1, 8), GNV_TCP_RETRANS, "a byte before the gap: resent");
	ASSERT_EQ(seg(&set, a, isn + 3501, 1000, 8), 0, "the gap filled from its start");
	ASSERT_EQ(seg(&set, a, isn + 5501, 1000, 9), 0, "and from its end");
	ASSERT_EQ(seg(&set, a, isn + 5501, 1000, 9), GNV_TCP_RETRANS, "that again: resent");
	ASSERT_EQ(seg(&set, a, isn + 4501, 1000, 9), 0, "the rest of the gap");
	ASSERT_EQ(s->gap_start, s->gap_end, "the gap closed");
	ASSERT_EQ(seg(&set, a, isn + 4501, 1000, 9), GNV_TCP_RETRANS, "then any of it again: resent");
	/*
	 * Other flows in the set: the second takes the free slot; a third
	 * evicts the one seen longer ago, counted while it is active, not
	 * once it has been idle for 60 s.
	 */
	ASSERT_EQ(seg(&set, b, 1, 100, 11), 0, "a second flow: the free slot");
	ASSERT_EQ(seg(&set, a, isn + 4501, 1000, 12), GNV_TCP_RETRANS, "the first still followed");
	ASSERT_EQ(seg(&set, c, 1, 100, 13), GNV_TCP_EVICTED, "a third: the second, active 2 ns ago, evicted");
	ASSERT_EQ(seg(&set, a, isn + 4501, 1000, 14), GNV_TCP_RETRANS, "the first kept");
	ASSERT_EQ(seg(&set, b, 1, 100, 14 + GNV_TCP_IDLE_NS), 0, "the third, idle for 60 s, is not");
	ASSERT_EQ(seg(&set, b, 1, 100, 15 + GNV_TCP_IDLE_NS + sec), GNV_TCP_RETRANS, "the second's own again");
	ASSERT_EQ(seg(&set, a, isn + 4501, 1000, 16 + GNV_TCP_IDLE_NS), GNV_TCP_RETRANS, "and the first's");
}

int main(void)
{
	test_tcp_retransmits();
	test_bfd_decode();
	test_bfd_decap();
	test_bfd_refused();
	test_bfd_sessions();
	test_case("names");
	ASSERT_STRSTR(gnv_bfd_diag_name(1), "Detection Time Expired", "diag 1");
	ASSERT_STRSTR(gnv_bfd_state_name(GNV_BFD_ADMIN_DOWN), "AdminDown",
		      "state 0");
	return test_summary();
}
