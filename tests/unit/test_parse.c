// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the parser (gnv_parse_frame) and of the per-port
 * statistics, on frames built by pktcraft (unit_frames.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gnvtrace.h"
#include "parse.h"
#include "port_stats.h"
#include "lab/pktcraft.h"
#include "lib/abi_names.h"
#include "fixtures.h"
#include "unit_frames.h"
#include "test_util.h"

static void vlan2_inner_vlan6_tcp(struct pkt_spec *s)
{
	vlan2(s);
	inner_vlan(s);
	tcp(s);
	inner6(s);
	s->inner_proto = IPPROTO_TCP;
	s->payload_len = 3;
}

static void opts_before_ovn(struct pkt_spec *s)
{
	s->ovn = 0;
	add_opt(s, 0x0000, 0x80, 4);
	add_ovn_opt(s, 9, 10);
	add_opt(s, 0x0132, 1, 8);
}

static void opts_after_ovn(struct pkt_spec *s)
{
	add_opt(s, 0x0132, 1, 8);
	add_opt(s, 0x0100, 2, 0);
}

static void two_ovn_opts(struct pkt_spec *s)
{
	add_ovn_opt(s, 7, 8);
}

static void ovn_class_other_type(struct pkt_spec *s)
{
	s->ovn = 0;
	add_opt(s, OVN_GENEVE_CLASS, 0x81, 4);
}

static void zero_len_opts(struct pkt_spec *s)
{
	for (int i = 0; i < 3; i++)
		add_opt(s, 0x0000, 1, 0);
}

static void flags_oam_critical(struct pkt_spec *s)
{
	s->oam = 1;
	s->critical = 1;
	s->vni = 0xffffff;
}

/* Offsets in an untagged IPv4 frame: the VXLAN header after UDP. */
#define OFF_VXLAN	(14 + 20 + 8)

static void vxlan_no_i_flag(struct frame *f)
{
	f->data[OFF_VXLAN] = 0;
}

static void vxlan_cut(struct frame *f)
{
	f->len = OFF_VXLAN + 7;
}

static void port_4789(struct pkt_spec *s)
{
	s->outer_dport = 4789;
}

static void icmp_unreachable(struct pkt_spec *s)
{
	s->icmp_type = 3;
	s->icmp_code = 1;
}

static void bad_ovn_len8(struct pkt_spec *s)
{
	s->ovn = 0;
	add_opt(s, OVN_GENEVE_CLASS, OVN_GENEVE_TYPE, 8);
}

static void bad_ovn_len0(struct pkt_spec *s)
{
	s->ovn = 0;
	add_opt(s, OVN_GENEVE_CLASS, OVN_GENEVE_TYPE, 0);
}

/* Patches of built frames (offsets are those of the default frame). */
static void opts_63_empty(struct frame *f)
{
	memset(f->data + OFF_OPTS, 0, GENEVE_MAX_OPTS_LEN);
}

/* 61 empty options, then OVN's as the last one, ending at 252 bytes. */
static void opts_61_empty_then_ovn(struct frame *f)
{
	static const __u8 ovn[8] = { 0x01, 0x02, 0x80, 0x01, 0, 11, 0, 12 };

	opts_63_empty(f);
	memcpy(f->data + OFF_OPTS + 244, ovn, sizeof(ovn));
}

/*
 * OVN's option alone (the default frame's), the reserved bits of its
 * length byte set: read as the walk reads it, which ignores them.
 */
static void ovn_len_reserved_bits(struct frame *f)
{
	f->data[OFF_OPTS + 3] |= 0xe0;
}

/* The default frame's lone option of OVN's length, not OVN's type. */
static void lone_opt_other_type(struct frame *f)
{
	f->data[OFF_OPTS + 2] = 0x81;
}

static void inner_frag(struct frame *f)
{
	f->data[OFF_INNER_IP + 7] = 1;	/* fragment offset 8 */
}

static void non_ip(struct frame *f)
{
	f->data[12] = 0x88;
	f->data[13] = 0xcc;
}

static void outer_tcp(struct frame *f)
{
	f->data[OFF_OUTER_IP + 9] = IPPROTO_TCP;
}

static void outer_frag(struct frame *f)
{
	f->data[OFF_OUTER_IP + 7] = 1;
}

static void geneve_ver1(struct frame *f)
{
	f->data[OFF_GENEVE] |= 0x40;
}

static void geneve_ver3(struct frame *f)
{
	f->data[OFF_GENEVE] |= 0xc0;
}

static void opt_len_63(struct frame *f)
{
	f->data[OFF_GENEVE] = 0x3f;
}

static void opt_len_past_area(struct frame *f)
{
	f->data[OFF_OPTS + 3] = 2;
}

/* Cut right after the option area: the inner Ethernet header is missing. */
static void cut_after_12_option_bytes(struct frame *f)
{
	f->len = OFF_OPTS + 12;
}

static void outer_ihl4(struct frame *f)
{
	f->data[OFF_OUTER_IP] = 0x44;
}

static void outer_ihl0(struct frame *f)
{
	f->data[OFF_OUTER_IP] = 0x40;
}

static void inner_ihl4(struct frame *f)
{
	f->data[OFF_INNER_IP] = 0x44;
}

static void outer_ver6(struct frame *f)
{
	f->data[OFF_OUTER_IP] = 0x65;
}

static void inner_ver6(struct frame *f)
{
	f->data[OFF_INNER_IP] = 0x65;
}

/* Well-formed Geneve frames and every field the parser must give. */
struct parse_case {
	const char *name;
	setup_fn setup;
	patch_fn patch;
	__u16 port;		/* 0: 6081 */
	const char *outer_src, *outer_dst, *inner_src, *inner_dst;
	struct gnv_pkt want;	/* addresses come from the strings above */
};

#define V4_OUTER	.outer_src = "172.17.2.119", .outer_dst = "172.17.2.143"
#define V6_OUTER	.outer_src = "2001:db8::1", .outer_dst = "2001:db8::2"
#define V4_INNER	.inner_src = "192.168.0.166", .inner_dst = "192.168.0.20"
#define V6_INNER	.inner_src = "fd00::1", .inner_dst = "fd00::2"

/* The default frame's fields, for the cases below to override. */
#define WANT_BASE							\
	.vni = 5, .outer_sport = 51234, .outer_dport = 6081, .outer_ttl = 64, \
	.geneve_proto = 0x6558, .opts_off = OFF_OPTS,			\
	.ovn_inport = 1, .ovn_outport = 3, .inner_ethertype = 0x0800,	\
	.inner_eth_src = VM1, .inner_eth_dst = VM2,			\
	.outer_family = 4, .opts_len = 8, .n_opts = 1, .flags = F_BASE,	\
	.inner_family = 4

#define WANT_ICMP							\
	WANT_BASE, .inner_proto = IPPROTO_ICMP, .icmp_type = 8,		\
	.icmp_id = 2818, .icmp_seq = 1, .inner_l4_len = 64

#define WANT_ICMP6							\
	.inner_ethertype = 0x86DD, .inner_family = 6,			\
	.inner_proto = IPPROTO_ICMPV6, .icmp_type = 128, .icmp_id = 7,	\
	.icmp_seq = 9, .inner_l4_len = 64

/* Cases override fields of the WANT_* defaults above. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const struct parse_case parse_cases[] = {
	{ "ipv4 underlay, ovn, icmp echo", NULL, NULL, 0, V4_OUTER, V4_INNER,
	  { WANT_ICMP } },
	{ "ipv6 underlay", outer6, NULL, 0, V6_OUTER, V4_INNER,
	  { WANT_ICMP, .outer_family = 6, .opts_off = 70 } },
	{ "ipv6 inner, icmpv6 echo", inner6, NULL, 0, V4_OUTER, V6_INNER,
	  { WANT_BASE, WANT_ICMP6 } },
	{ "one vlan", vlan1, NULL, 0, V4_OUTER, V4_INNER,
	  { WANT_ICMP, .n_vlans = 1, .vlan = { 100 }, .opts_off = 54 } },
	{ "802.1ad + 802.1q", vlan2, NULL, 0, V4_OUTER, V4_INNER,
	  { WANT_ICMP, .n_vlans = 2, .vlan = { 100, 200 }, .opts_off = 58 } },
	{ "inner vlan", inner_vlan, NULL, 0, V4_OUTER, V4_INNER,
	  { WANT_ICMP, .inner_vlan = 42 } },
	{ "tcp", tcp, NULL, 0, V4_OUTER, "10.0.0.1", "10.0.0.2",
	  { WANT_BASE, .inner_proto = IPPROTO_TCP, .sport = 40000,
	    .dport = 80, .tcp_flags = 0x12, .inner_l4_len = 20 } },
	{ "udp", udp, NULL, 0, V4_OUTER, V4_INNER,
	  { WANT_BASE, .inner_proto = IPPROTO_UDP, .sport = 5353,
	    .dport = 53, .inner_l4_len = 18 } },
	{ "arp", arp, NULL, 0, V4_OUTER, V4_INNER,
	  { WANT_BASE, .inner_ethertype = 0x0806, .arp_op = 2,
	    .flags = GNV_F_OVN | GNV_F_INNER_ETH } },
	{ "geneve proto 0x0800", raw_ipv4, NULL, 0, V4_OUTER, V4_INNER,
	  { WANT_ICMP, .geneve_proto = 0x0800, .inner_eth_src = {},
	    .inner_eth_dst = {}, .flags = GNV_F_OVN | GNV_F_INNER_L4 } },
	{ "geneve proto 0x86dd", raw_ipv6, NULL, 0, V4_OUTER, V6_INNER,
	  { WANT_BASE, WANT_ICMP6, .geneve_proto = 0x86DD,
	    .inner_eth_src = {}, .inner_eth_dst = {},
	    .flags = GNV_F_OVN | GNV_F_INNER_L4 } },
	{ "options before ovn", opts_before_ovn, NULL, 0, V4_OUTER, V4_INNER,
	  { WANT_ICMP, .opts_len = 28, .n_opts = 3, .ovn_inport = 9,
	    .ovn_outport = 10 } },
	{ "options after ovn", opts_after_ovn, NULL, 0, V4_OUTER, V4_INNER,
	  { WANT_ICMP, .opts_len = 24, .n_opts = 3 } },
	{ "two ovn options, first wins", two_ovn_opts, NULL, 0, V4_OUTER,
	  V4_INNER, { WANT_ICMP, .opts_len = 16, .n_opts = 2 } },
	{ "ovn class, other type", ovn_class_other_type, NULL, 0, V4_OUTER,
	  V4_INNER, { WANT_ICMP, .ovn_inport = 0, .ovn_outport = 0,
		      .flags = GNV_F_INNER_ETH | GNV_F_INNER_L4 } },
	{ "ovn option alone, reserved length bits set", NULL,
	  ovn_len_reserved_bits, 0, V4_OUTER, V4_INNER, { WANT_ICMP } },
	{ "a lone option of ovn's size, other type", NULL, lone_opt_other_type,
	  0, V4_OUTER, V4_INNER, { WANT_ICMP, .ovn_inport = 0,
				   .ovn_outport = 0,
				   .flags = GNV_F_INNER_ETH | GNV_F_INNER_L4 } },
	{ "zero-length options", zero_len_opts, NULL, 0, V4_OUTER, V4_INNER,
	  { WANT_ICMP, .opts_len = 20, .n_opts = 4 } },
	{ "no options", no_opts, NULL, 0, V4_OUTER, V4_INNER,
	  { WANT_ICMP, .opts_len = 0, .n_opts = 0, .ovn_inport = 0,
	    .ovn_outport = 0, .flags = GNV_F_INNER_ETH | GNV_F_INNER_L4 } },
	{ "63-word option area", opts_63_words, NULL, 0, V4_OUTER, V4_INNER,
	  { WANT_ICMP, .opts_len = 252, .n_opts = 3 } },
	{ "63 empty options", opts_252_bytes, opts_63_empty, 0, V4_OUTER,
	  V4_INNER, { WANT_ICMP, .opts_len = 252, .n_opts = 63,
		      .ovn_inport = 0, .ovn_outport = 0,
		      .flags = GNV_F_INNER_ETH | GNV_F_INNER_L4 } },
	{ "61 empty options then ovn", opts_252_bytes, opts_61_empty_then_ovn,
	  0, V4_OUTER, V4_INNER, { WANT_ICMP, .opts_len = 252, .n_opts = 62,
				   .ovn_inport = 11, .ovn_outport = 12 } },
	{ "oam, critical, vni 0xffffff", flags_oam_critical, NULL, 0,
	  V4_OUTER, V4_INNER, { WANT_ICMP, .vni = 0xffffff,
				.flags = F_BASE | GNV_F_OAM | GNV_F_CRITICAL } },
	{ "icmp unreachable: no id/seq", icmp_unreachable, NULL, 0, V4_OUTER,
	  V4_INNER, { WANT_ICMP, .icmp_type = 3, .icmp_code = 1,
		      .icmp_id = 0, .icmp_seq = 0 } },
	{ "inner non-first fragment", NULL, inner_frag, 0, V4_OUTER, V4_INNER,
	  { WANT_BASE, .inner_proto = IPPROTO_ICMP, .inner_l4_len = 64,
	    .flags = GNV_F_OVN | GNV_F_INNER_ETH | GNV_F_INNER_FRAG } },
	{ "configured port 7000", port_7000, NULL, 7000, V4_OUTER, V4_INNER,
	  { WANT_ICMP, .outer_dport = 7000 } },
	{ "ovn vxlan: datapath and egress port from the vni", ovn_vxlan, NULL,
	  VXLAN_UDP_PORT, V4_OUTER, V4_INNER,
	  { WANT_ICMP, .vni = 0xabc, .outer_dport = 4789, .opts_len = 0,
	    .n_opts = 0, .ovn_inport = 0, .ovn_outport = 0x7fe,
	    .flags = F_BASE | GNV_F_VXLAN } },
	{ "ovn vxlan: a multicast group's key", ovn_vxlan_mc, NULL,
	  VXLAN_UDP_PORT, V4_OUTER, V4_INNER,
	  { WANT_ICMP, .vni = 0xabc, .outer_dport = 4789, .opts_len = 0,
	    .n_opts = 0, .ovn_inport = 0, .ovn_outport = 32768 + 5,
	    .flags = F_BASE | GNV_F_VXLAN } },
	{ "geneve still, with --vxlan", NULL, NULL, VXLAN_UDP_PORT, V4_OUTER,
	  V4_INNER, { WANT_ICMP } },
};
#pragma GCC diagnostic pop

static void addr(__u8 *out, int family, const char *text)
{
	memset(out, 0, 16);
	if (text)
		inet_pton(family == 6 ? AF_INET6 : AF_INET, text, out);
}

#define EQ(f)	ASSERT_EQ(got->f, want->f, #f)
#define MEM(f)	ASSERT_MEMEQ(got->f, want->f, sizeof(got->f), #f)

static void assert_pkt(const struct gnv_pkt *got, const struct gnv_pkt *want)
{
	MEM(outer_src); MEM(outer_dst); MEM(inner_src); MEM(inner_dst);
	EQ(vni); EQ(outer_sport); EQ(outer_dport);
	EQ(vlan[0]); EQ(vlan[1]); EQ(geneve_proto); EQ(opts_off);
	EQ(ovn_inport); EQ(ovn_outport); EQ(inner_ethertype); EQ(inner_vlan);
	EQ(sport); EQ(dport); EQ(icmp_id); EQ(icmp_seq); EQ(arp_op);
	EQ(inner_l4_len); MEM(inner_eth_src); MEM(inner_eth_dst);
	EQ(outer_family); EQ(n_vlans); EQ(geneve_ver); EQ(opts_len);
	EQ(n_opts); EQ(flags); EQ(inner_family); EQ(inner_proto);
	EQ(icmp_type); EQ(icmp_code); EQ(tcp_flags); EQ(malformed); EQ(underlay);
	EQ(outer_ttl); EQ(outer_tos); EQ(vm_port);
}

static void test_parse_cases(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct gnv_pkt got, want = c->want;
		struct frame f;

		test_case("parse: %s", c->name);
		if (!make_frame(c->setup, c->patch, &f))
			continue;
		addr(want.outer_src, want.outer_family, c->outer_src);
		addr(want.outer_dst, want.outer_family, c->outer_dst);
		addr(want.inner_src, want.inner_family, c->inner_src);
		addr(want.inner_dst, want.inner_family, c->inner_dst);
		ASSERT_EQ(parse(&f, f.len, c->port ?: GENEVE_UDP_PORT, &got),
			  GNV_GENEVE, "verdict");
		assert_pkt(&got, &want);
	}
}

/* Frames that are not, or not well-formed, Geneve. */
struct bad_case {
	const char *name;
	setup_fn setup;
	patch_fn patch;
	__u16 port;		/* 0: 6081 */
	int verdict;
	int reason;
};

static const struct bad_case bad_cases[] = {
	{ "udp port 4789", port_4789, NULL, 0, GNV_NOT_GENEVE, 0 },
	{ "ovn vxlan without --vxlan", ovn_vxlan, NULL, 0, GNV_NOT_GENEVE, 0 },
	{ "vxlan without the I flag", ovn_vxlan, vxlan_no_i_flag,
	  VXLAN_UDP_PORT, GNV_MALFORMED, GNV_BAD_VXLAN_FLAGS },
	{ "vxlan header cut", ovn_vxlan, vxlan_cut, VXLAN_UDP_PORT,
	  GNV_MALFORMED, GNV_BAD_TRUNC_VXLAN },
	{ "port 6081 when 7000 is configured", NULL, NULL, 7000,
	  GNV_NOT_GENEVE, 0 },
	{ "port 7000 when 6081 is configured", port_7000, NULL, 0,
	  GNV_NOT_GENEVE, 0 },
	{ "non-ip ethertype", NULL, non_ip, 0, GNV_NOT_GENEVE, 0 },
	{ "outer tcp", NULL, outer_tcp, 0, GNV_NOT_GENEVE, 0 },
	{ "outer non-first fragment", NULL, outer_frag, 0, GNV_NOT_GENEVE, 0 },
	{ "geneve version 1", NULL, geneve_ver1, 0, GNV_MALFORMED,
	  GNV_BAD_GENEVE_VERSION },
	{ "geneve version 3", NULL, geneve_ver3, 0, GNV_MALFORMED,
	  GNV_BAD_GENEVE_VERSION },
	{ "opt_len past the frame", NULL, opt_len_63, 0, GNV_MALFORMED,
	  GNV_BAD_OPTS_OVERRUN },
	{ "option past opt_len", one_other_opt, opt_len_past_area, 0,
	  GNV_MALFORMED, GNV_BAD_OPT_LEN_OVERRUN },
	{ "ovn option of 8 bytes", bad_ovn_len8, NULL, 0, GNV_MALFORMED,
	  GNV_BAD_OVN_OPT_LEN },
	{ "ovn option of 0 bytes", bad_ovn_len0, NULL, 0, GNV_MALFORMED,
	  GNV_BAD_OVN_OPT_LEN },
	/* Two faults: the first layer that failed (the options) is named. */
	{ "ovn option of 8 bytes, inner frame cut", bad_ovn_len8,
	  cut_after_12_option_bytes, 0, GNV_MALFORMED, GNV_BAD_OVN_OPT_LEN },
	{ "outer ihl 4", NULL, outer_ihl4, 0, GNV_MALFORMED,
	  GNV_BAD_IPV4_IHL },
	{ "outer ihl 0", NULL, outer_ihl0, 0, GNV_MALFORMED,
	  GNV_BAD_IPV4_IHL },
	{ "inner ihl 4", NULL, inner_ihl4, 0, GNV_MALFORMED,
	  GNV_BAD_INNER_IPV4_IHL },
	{ "outer ip version 6 in ipv4", NULL, outer_ver6, 0, GNV_MALFORMED,
	  GNV_BAD_IP_VERSION },
	{ "inner ip version 6 in ipv4", NULL, inner_ver6, 0, GNV_MALFORMED,
	  GNV_BAD_IP_VERSION },
};

static void test_bad_cases(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct gnv_pkt p;
		struct frame f;

		test_case("bad: %s", c->name);
		if (!make_frame(c->setup, c->patch, &f))
			continue;
		ASSERT_EQ(parse(&f, f.len, c->port ?: GENEVE_UDP_PORT, &p),
			  c->verdict, "verdict");
		ASSERT_EQ(p.malformed, c->reason, gnv_malformed_name(c->reason));
	}
}

/* A frame as its layers, to know which one a cut falls in. */
struct layer {
	int len;
	int reason;		/* when the frame ends inside this layer */
};

struct trunc_case {
	const char *name;
	setup_fn setup;
	struct layer layers[12];	/* up to a zero len; then payload */
};

#define L_ETH		{ 14, GNV_BAD_TRUNC_ETH }
#define L_VLAN		{ 4, GNV_BAD_TRUNC_VLAN }
#define L_IPV4		{ 20, GNV_BAD_TRUNC_IPV4 }
#define L_IPV6		{ 40, GNV_BAD_TRUNC_IPV6 }
#define L_UDP		{ 8, GNV_BAD_TRUNC_UDP }
#define L_GENEVE	{ 8, GNV_BAD_TRUNC_GENEVE }
#define L_OVN_OPT	{ 8, GNV_BAD_OPTS_OVERRUN }
#define L_INNER_ETH	{ 14, GNV_BAD_TRUNC_INNER_ETH }
#define L_INNER_VLAN	{ 4, GNV_BAD_TRUNC_INNER_VLAN }
#define L_INNER_IPV4	{ 20, GNV_BAD_TRUNC_INNER_IP }
#define L_INNER_IPV6	{ 40, GNV_BAD_TRUNC_INNER_IP }
#define L_ICMP		{ 8, GNV_BAD_TRUNC_INNER_L4 }
#define L_TCP		{ 20, GNV_BAD_TRUNC_INNER_L4 }

static const struct trunc_case trunc_cases[] = {
	{ "ipv4, ovn, icmp", NULL,
	  { L_ETH, L_IPV4, L_UDP, L_GENEVE, L_OVN_OPT, L_INNER_ETH,
	    L_INNER_IPV4, L_ICMP } },
	{ "vlan, ipv6, ovn, icmp", outer6_vlan1,
	  { L_ETH, L_VLAN, L_IPV6, L_UDP, L_GENEVE, L_OVN_OPT, L_INNER_ETH,
	    L_INNER_IPV4, L_ICMP } },
	{ "2 vlans, ovn, inner vlan, ipv6, tcp", vlan2_inner_vlan6_tcp,
	  { L_ETH, L_VLAN, L_VLAN, L_IPV4, L_UDP, L_GENEVE, L_OVN_OPT,
	    L_INNER_ETH, L_INNER_VLAN, L_INNER_IPV6, L_TCP } },
};

/* The reason for a frame cut to len bytes; GNV_BAD_NONE past the headers. */
static int trunc_reason(const struct layer *layers, size_t len, size_t *hdrs)
{
	size_t off = 0;

	for (; layers->len; layers++) {
		if (len < off + layers->len)
			return layers->reason;
		off += layers->len;
	}
	*hdrs = off;
	return GNV_BAD_NONE;
}

static void test_truncation(const struct trunc_case *c)
{
	size_t hdrs = 0, n_geneve = 0;
	struct frame f;

	test_case("truncated: %s", c->name);
	if (!make_frame(c->setup, NULL, &f))
		return;
	for (size_t len = 0; len < f.len; len++) {
		int reason = trunc_reason(c->layers, len, &hdrs);
		struct gnv_pkt p;
		char name[64];
		int verdict;

		snprintf(name, sizeof(name), "reason at %zu bytes", len);
		verdict = parse(&f, len, GENEVE_UDP_PORT, &p);
		ASSERT_EQ(verdict, reason ? GNV_MALFORMED : GNV_GENEVE, name);
		ASSERT_EQ(p.malformed, reason, name);
		n_geneve += verdict == GNV_GENEVE;
	}
	/* The layers add up, and the payload cuts did parse. */
	ASSERT_EQ(n_geneve, f.len - hdrs, "payload lengths parse");
	ASSERT_GT(n_geneve, 0, "frame has a payload");
}

static void test_truncations(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(trunc_cases); i++)
		test_truncation(&trunc_cases[i]);
}

/* Per-port statistics: the slot of a size, and whose port counts it. */
static void test_port_stats(void)
{
	static const struct { __u32 len, slot; } slots[] = {
		{ 0, 0 }, { 1, 0 }, { 2, 1 }, { 3, 1 }, { 4, 2 }, { 63, 5 },
		{ 64, 6 }, { 127, 6 }, { 128, 7 }, { 1514, 10 }, { 9000, 13 },
		{ 65535, 15 }, { 65536, 16 }, { 1u << 20, 16 }, { ~0u, 16 },
	};
	struct gnv_port_stats st = {};
	struct gnv_port_key k;
	struct gnv_pkt p;
	struct frame f;

	test_case("port stats: log2 slots");
	for (size_t i = 0; i < ARRAY_SIZE(slots); i++)
		ASSERT_EQ(gnv_log2_slot(slots[i].len, GNV_HIST_SLOTS), slots[i].slot, "slot");
	/* Round trips in microseconds: every power of two and its neighbours. */
	for (int k = 0; k < 40; k++) {
		__u64 v = 1ULL << k;
		__u32 cap = GNV_RTT_SLOTS - 1;

		ASSERT_EQ(gnv_log2_slot(v, GNV_RTT_SLOTS), k < (int)cap ? (__u32)k : cap,
			  "an RTT's slot, 2^k us");
		ASSERT_EQ(gnv_log2_slot(v - 1, GNV_RTT_SLOTS),
			  k < 2 ? 0 : k - 1 < (int)cap ? (__u32)k - 1 : cap,
			  "an RTT's slot, 2^k - 1 us");
		ASSERT_EQ(gnv_log2_slot(v + v / 2, GNV_RTT_SLOTS),
			  k < (int)cap ? (__u32)k : cap, "an RTT's slot, 1.5 * 2^k us");
	}
	for (__u32 v = 0; v < 70000; v++) {	/* every frame size, by a loop */
		__u32 slot = 0;

		while (slot < GNV_HIST_SLOTS - 1 && v >> (slot + 1))
			slot++;
		if (gnv_log2_slot(v, GNV_HIST_SLOTS) != slot) {
			ASSERT_EQ(gnv_log2_slot(v, GNV_HIST_SLOTS), slot, "a size's slot");
			break;
		}
	}

	test_case("port stats: keys");
	if (!make_frame(NULL, NULL, &f) ||
	    !ASSERT_EQ(parse(&f, f.len, GENEVE_UDP_PORT, &p), GNV_GENEVE, "parse"))
		return;
	memset(&k, 0xff, sizeof(k));
	gnv_port_key_of(&p, GNV_DIR_IN, &k);
	ASSERT_EQ(k.vni, 5, "vni");
	ASSERT_EQ(k.port, 3, "arriving: the egress (receiving) port");
	ASSERT_EQ(k.has_port, 1, "has_port");
	ASSERT_EQ(k.dir, GNV_DIR_IN, "dir");
	ASSERT_EQ(k.outer_family, p.outer_family, "the tunnel's family");
	ASSERT_MEMEQ(k.outer_src, p.outer_src, 16, "the tunnel's source");
	ASSERT_MEMEQ(k.outer_dst, p.outer_dst, 16, "the tunnel's destination");
	ASSERT_EQ(p.outer_family, 4, "an IPv4 tunnel");
	ASSERT_EQ(k.outer_src[4] | k.outer_dst[15], 0, "IPv4: zeros after");
	gnv_port_key_of(&p, GNV_DIR_OUT, &k);
	ASSERT_EQ(k.port, 1, "leaving: the ingress (sending) port");
	p.flags &= ~GNV_F_OVN;
	gnv_port_key_of(&p, GNV_DIR_IN, &k);
	ASSERT_EQ(k.has_port, 0, "no OVN option: no port");
	ASSERT_EQ(k.port, 0, "no OVN option: port 0");
	if (!make_frame(ovn_vxlan, NULL, &f) ||
	    !ASSERT_EQ(parse(&f, f.len, VXLAN_UDP_PORT, &p), GNV_GENEVE,
		       "parse vxlan"))
		return;
	gnv_port_key_of(&p, GNV_DIR_IN, &k);
	ASSERT_EQ(k.port, 0x7fe, "vxlan arriving: the egress port");
	ASSERT_EQ(k.has_port, 1, "vxlan arriving: has_port");
	gnv_port_key_of(&p, GNV_DIR_OUT, &k);
	ASSERT_EQ(k.has_port, 0, "vxlan leaving: no ingress port, no port");

	/*
	 * The kernel hashes a packet's key from its fields, and a stored
	 * key (an echo's) from the key: the same hash, or an answered
	 * echo's round trip would make a second entry for its port.
	 */
	test_case("port stats: a packet's hash is its key's");
	{
		static const struct {
			setup_fn setup;
			__u16 port;
		} frames[] = {
			{ NULL, GENEVE_UDP_PORT }, { outer6, GENEVE_UDP_PORT },
			{ ovn_vxlan, VXLAN_UDP_PORT }, { vlan2, GENEVE_UDP_PORT },
			{ no_opts, GENEVE_UDP_PORT },
		};

		for (size_t i = 0; i < ARRAY_SIZE(frames); i++)
			for (__u8 dir = 0; dir < 2; dir++) {
				if (!make_frame(frames[i].setup, NULL, &f) ||
				    !ASSERT_EQ(parse(&f, f.len, frames[i].port, &p),
					       GNV_GENEVE, "parse"))
					continue;
				memset(&k, 0, sizeof(k));
				gnv_port_key_of(&p, dir, &k);
				ASSERT_EQ(gnv_port_hash_of(&p, dir),
					  gnv_port_hash(&k), "the same hash");
			}
	}

	test_case("port stats: counting");
	gnv_port_stats_add(&st, 156);
	gnv_port_stats_add(&st, 100);
	gnv_port_stats_add(&st, 1514);
	ASSERT_EQ(st.packets, 3, "packets");
	ASSERT_EQ(st.bytes, 1770, "bytes");
	ASSERT_EQ(st.size_slots[7], 1, "128-255");
	ASSERT_EQ(st.size_slots[6], 1, "64-127");
	ASSERT_EQ(st.size_slots[10], 1, "1024-2047");
}

/*
 * The per-port table's slots a CPU: all 16,384 on a small node, fewer as
 * CPUs are added so that the table stays within its 64 MiB, a floor on
 * the largest.
 */
static void test_port_slots(void)
{
	test_case("port table: slots a CPU");
	ASSERT_EQ(gnv_port_slots(1), GNV_MAX_PORT_KEYS, "1 CPU");
	ASSERT_EQ(gnv_port_slots(2), GNV_MAX_PORT_KEYS, "2 CPUs: 23.0 MiB");
	ASSERT_EQ(gnv_port_slots(8), 8192, "8 CPUs: 46.0 MiB");
	ASSERT_EQ(gnv_port_slots(64), 1024, "64 CPUs: 46.0 MiB");
	ASSERT_EQ(gnv_port_slots(1024), GNV_MIN_PORT_SLOTS, "1024: the floor");
	for (int n = 1; n <= 512; n++) {
		__u32 s = gnv_port_slots(n);

		if (!ASSERT_EQ(s & (s - 1), 0, "a power of two") ||
		    !ASSERT_TRUE(s == GNV_MIN_PORT_SLOTS ||
				 (__u64)s * sizeof(struct gnv_port_slot) * n <=
				 GNV_PORT_TABLE_BYTES, "within the budget"))
			break;
	}
}

/*
 * Keys that differ in steps, as a node's do (VNIs 1, 2, 3, ... to each of
 * its chassis; ports 1, 2, 3), half filling a table of slots slots: the
 * ones that find no free slot in the kernel's GNV_PORT_PROBES probes
 * (port_slot()). A random hash leaves about 0.4% out.
 */
static int port_keys_left_out(__u32 slots, int family, int chassis, int vnis,
			      int ports)
{
	static __u8 used[GNV_MAX_PORT_KEYS];
	struct gnv_port_key k;
	int out = 0;

	memset(used, 0, sizeof(used));
	for (int c = 0; c < chassis; c++)
	for (int v = 1; v <= vnis; v++)
	for (int port = 0; port < ports; port++)
	for (int dir = 0; dir < 2; dir++) {
		__u32 at = 0, i;

		memset(&k, 0, sizeof(k));
		k.vni = v;
		k.port = port;
		k.has_port = ports > 1;
		k.dir = dir;
		k.outer_family = family;
		k.outer_src[0] = k.outer_dst[0] = 10;
		k.outer_src[family == 4 ? 3 : 15] = 1;
		k.outer_dst[family == 4 ? 3 : 15] = 2 + c;
		for (i = 0; i < GNV_PORT_PROBES; i++) {
			at = (gnv_port_slot_of(gnv_port_hash(&k)) + i) & (slots - 1);
			if (!used[at])
				break;
		}
		if (i == GNV_PORT_PROBES)
			out++;
		else
			used[at] = 1;
	}
	return out;
}

static void test_port_slot_spread(void)
{
	test_case("port table: keys spread over the slots");
	/* 8,000 keys in 16,384 slots; 512 in 1,024 (64 CPUs' tables). */
	ASSERT_LE(port_keys_left_out(GNV_MAX_PORT_KEYS, 4, 20, 200, 1), 80,
		  "20 chassis x 200 VNIs, <= 1% left out");
	ASSERT_LE(port_keys_left_out(GNV_MAX_PORT_KEYS, 4, 4, 20, 50), 80,
		  "4 chassis x 20 VNIs x 50 ports");
	ASSERT_LE(port_keys_left_out(GNV_MAX_PORT_KEYS, 6, 20, 200, 1), 80,
		  "IPv6 underlay");
	ASSERT_LE(port_keys_left_out(1024, 4, 4, 64, 1), 5,
		  "1,024 slots: 4 chassis x 64 VNIs");
	ASSERT_LE(port_keys_left_out(1024, 4, 1, 8, 32), 5,
		  "1,024 slots: 8 VNIs x 32 ports");
}

/*
 * Slots of the echo table (direct-mapped, 65,536) and sets of the TCP
 * flow table (32,768) for n flows that differ in one host's address only
 * (the same ports, the same echo id and sequence), or, by_number, in the
 * client's port or the echo's sequence only: distinct ones, at least 95%
 * of what a random hash gives.
 */
static void check_flow_spread(int family, int tcp, int by_number)
{
	static __u8 used[GNV_ECHO_SLOTS];
	const int n = 2000;
	/* A random hash: m * (1 - (1 - 1/m)^2,000), m slots or sets. */
	const int random = tcp ? 1940 : 1970;
	struct gnv_echo_key k;
	struct gnv_pkt p;
	int distinct = 0;

	_Static_assert(GNV_TCP_SETS <= GNV_ECHO_SLOTS, "used[] holds both");
	memset(used, 0, sizeof(used));
	for (int i = 0; i < n; i++) {
		/* by_number: one host, 10.0.0.7 or fd00::7 */
		int host = by_number ? 7 : i;
		__u32 slot;

		memset(&k, 0, sizeof(k));
		k.family = family;
		k.proto = tcp ? GNV_IPPROTO_TCP : GNV_IPPROTO_ICMP;
		k.id = tcp ? 40000 + (by_number ? i : 0) : 1;
		k.seq = tcp ? 80 : 1 + (by_number ? i : 0);
		if (family == 4) {	/* 10.0.host to 10.1.0.1 */
			k.src[0] = k.dst[0] = 10;
			k.src[2] = host >> 8;
			k.src[3] = host;
			k.dst[1] = k.dst[3] = 1;
		} else {		/* fd00::host to fd00::1 */
			k.src[0] = k.dst[0] = 0xfd;
			k.src[14] = host >> 8;
			k.src[15] = host;
			k.dst[15] = 1;
		}
		/* The same flow as a parsed TCP segment. */
		memset(&p, 0, sizeof(p));
		p.inner_family = family;
		memcpy(p.inner_src, k.src, 16);
		memcpy(p.inner_dst, k.dst, 16);
		p.sport = k.id;
		p.dport = k.seq;
		slot = tcp ? gnv_tcp_set_of(gnv_tcp_flow_of(&p)) :
			     gnv_echo_slot_of(&k);
		distinct += !used[slot];
		used[slot] = 1;
	}
	ASSERT_GE(distinct, random * 95 / 100,
		  by_number ? (tcp ? "one host's TCP ports" :
				     "one host's echo sequence") :
		  family == 4 ? (tcp ? "IPv4 hosts' TCP flows" : "IPv4 hosts' echoes") :
		  (tcp ? "IPv6 hosts' TCP flows" : "IPv6 hosts' echoes"));
}

static void test_flow_slot_spread(void)
{
	test_case("echo and TCP tables: flows of many hosts spread");
	for (int family = 4; family <= 6; family += 2)
		for (int by_number = 0; by_number < 2; by_number++) {
			check_flow_spread(family, 0, by_number);
			check_flow_spread(family, 1, by_number);
		}
}

/* The identity of the packet s describes (--vxlan on), as parsed. */
static __u32 ident_of(const struct pkt_spec *s, size_t inner_ttl_at)
{
	struct frame f;
	struct gnv_pkt p;

	f.len = pkt_build(s, f.data, sizeof(f.data));
	if (!ASSERT_GT(f.len, 0, "built"))
		return 0;
	if (inner_ttl_at)		/* a router on the way: TTL - 1 */
		f.data[inner_ttl_at]--;
	if (!ASSERT_EQ(parse(&f, f.len, VXLAN_UDP_PORT, &p), GNV_GENEVE,
		       "parsed"))
		return 0;
	return p.pkt_id;
}

/*
 * A packet's identity: the same encapsulated any way, with any MACs,
 * tags and TTL, and decapsulated (as a VM's port or a Geneve device
 * sees it); another packet of the same flow gets another.
 */
static void test_packet_identity(void)
{
	struct pkt_spec s, t;
	struct frame f;
	struct gnv_pkt p = { .geneve_proto = ETH_P_TEB };
	struct gnv_id_parts parts;
	__u32 id;
	size_t inner_off;

	test_case("packet identity");
	pkt_spec_default(&s);
	s.payload_len = 56;
	id = ident_of(&s, 0);
	ASSERT_NEQ(id, 0, "an ICMP echo has one");

	t = s;
	t.outer_family = 6;
	t.outer_src = "fd00::1";
	t.outer_dst = "fd00::2";
	t.n_vlans = 1;
	t.vlan[0] = 300;
	t.vni = 77;
	t.ovn_inport = 9;
	t.ovn_outport = 10;
	t.inner_vlan = 42;
	memset(t.inner_eth_src, 0x02, 6);
	memset(t.inner_eth_dst, 0x04, 6);
	ASSERT_EQ(ident_of(&t, 0), id, "another underlay, tags, MACs, keys");
	t = s;
	t.vxlan = 1;
	ASSERT_EQ(ident_of(&t, 0), id, "OVN's VXLAN");

	/* The inner IPv4 header's TTL: past the outer headers and options. */
	f.len = pkt_build(&s, f.data, sizeof(f.data));
	ASSERT_EQ(parse(&f, f.len, GENEVE_UDP_PORT, &p), GNV_GENEVE, "parsed");
	inner_off = p.opts_off + p.opts_len;
	ASSERT_EQ(ident_of(&s, inner_off + 14 + 8), id, "TTL one less");

	/* The inner frame alone, as on a VM's port. */
	memset(&p, 0, sizeof(p));
	p.geneve_proto = ETH_P_TEB;
	ASSERT_EQ(gnv_parse_inner_at(f.data + inner_off, f.data + f.len, 0,
				     &p, &parts, GNV_FIELDS_ALL), GNV_GENEVE,
		  "inner frame parsed");
	gnv_pkt_set_id(&p, &parts);
	ASSERT_EQ(p.pkt_id, id, "decapsulated");

	t = s;
	t.icmp_seq++;
	ASSERT_NEQ(ident_of(&t, 0), id, "the next echo request");
	t = s;
	t.icmp_type = 0;
	ASSERT_NEQ(ident_of(&t, 0), id, "the reply");
	t = s;
	t.inner_proto = IPPROTO_TCP;
	t.sport = 40000;
	t.dport = 22;
	id = ident_of(&t, 0);
	t.dport = 23;
	ASSERT_NEQ(ident_of(&t, 0), id, "TCP to another port");
}

/*
 * A router's "too big" about a tunnel's frame: its own verdict, the
 * quoted datagram as the inner packet; any other ICMP, or a quote of
 * another UDP port or too short to say whose, is no tunnel's.
 */
static void test_underlay_too_big(void)
{
	static const struct {
		int family;
		const char *src, *dst, *router;
		__u32 mtu;
		__u16 dport;
		size_t cut;	/* the frame cut to this, 0: whole */
		int verdict;
		const char *name;
	} cases[] = {
		{ 4, "10.0.0.1", "10.0.1.2", "10.0.0.254", 1400, 0, 0,
		  GNV_UNDERLAY_TOO_BIG, "IPv4 frag needed" },
		{ 6, "fd00::1", "fd00:1::2", "fd00::fe", 1280, 0, 0,
		  GNV_UNDERLAY_TOO_BIG, "ICMPv6 packet too big" },
		{ 4, "10.0.0.1", "10.0.1.2", "10.0.0.254", 0, 0, 0,
		  GNV_UNDERLAY_TOO_BIG, "no MTU (before RFC 1191)" },
		{ 4, "10.0.0.1", "10.0.1.2", "10.0.0.254", 1400, 4789, 0,
		  GNV_NOT_GENEVE, "quoting another UDP port" },
		{ 4, "10.0.0.1", "10.0.1.2", "10.0.0.254", 1400, 0,
		  14 + 20 + 8 + 20 + 3, GNV_NOT_GENEVE, "quote cut in UDP" },
		{ 6, "fd00::1", "fd00:1::2", "fd00::fe", 1400, 0,
		  14 + 40 + 8 + 39, GNV_NOT_GENEVE, "quote cut in IPv6" },
	};
	struct pkt_spec s;
	struct gnv_pkt p;
	struct frame f;
	__u8 a[16];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		pkt_spec_default(&s);
		s.outer_family = cases[i].family;
		s.outer_src = cases[i].src;
		s.outer_dst = cases[i].dst;
		s.outer_dport = cases[i].dport;
		s.payload_len = 1400;
		f.len = pkt_build_too_big(&s, cases[i].router, cases[i].mtu,
					  f.data, sizeof(f.data));
		ASSERT_TRUE(f.len > 0, cases[i].name);
		if (cases[i].cut)
			f.len = cases[i].cut;
		memset(&p, 0xa5, sizeof(p));
		if (!ASSERT_EQ(parse(&f, f.len, GENEVE_UDP_PORT, &p),
			       cases[i].verdict, cases[i].name) ||
		    cases[i].verdict != GNV_UNDERLAY_TOO_BIG)
			continue;
		ASSERT_EQ(p.underlay, 1, cases[i].name);
		ASSERT_EQ(gnv_too_big_mtu(&p), cases[i].mtu, cases[i].name);
		ASSERT_EQ(p.inner_family, cases[i].family, cases[i].name);
		ASSERT_EQ(p.outer_family, cases[i].family, cases[i].name);
		ASSERT_EQ(p.sport, 51234, cases[i].name);
		ASSERT_EQ(p.dport, GENEVE_UDP_PORT, cases[i].name);
		ASSERT_EQ(p.vni, 0, cases[i].name);
		ASSERT_EQ(p.pkt_id, 0, cases[i].name);
		memset(a, 0, sizeof(a));
		inet_pton(cases[i].family == 4 ? AF_INET : AF_INET6,
			  cases[i].src, a);
		ASSERT_MEMEQ(p.inner_src, a, 16, cases[i].name);
		ASSERT_MEMEQ(p.outer_dst, a, 16, cases[i].name);
		memset(a, 0, sizeof(a));
		inet_pton(cases[i].family == 4 ? AF_INET : AF_INET6,
			  cases[i].dst, a);
		ASSERT_MEMEQ(p.inner_dst, a, 16, cases[i].name);
		memset(a, 0, sizeof(a));
		inet_pton(cases[i].family == 4 ? AF_INET : AF_INET6,
			  cases[i].router, a);
		ASSERT_MEMEQ(p.outer_src, a, 16, cases[i].name);
	}

	/* An ICMP of another kind, an echo request, is nobody's tunnel's. */
	pkt_spec_default(&s);
	f.len = pkt_build_too_big(&s, "10.0.0.254", 1400, f.data,
				  sizeof(f.data));
	f.data[14 + 20] = 3;
	f.data[14 + 20 + 1] = 3;	/* port unreachable */
	ASSERT_EQ(parse(&f, f.len, GENEVE_UDP_PORT, &p), GNV_NOT_GENEVE,
		  "port unreachable");
	f.data[14 + 20] = 8;
	f.data[14 + 20 + 1] = 0;
	ASSERT_EQ(parse(&f, f.len, GENEVE_UDP_PORT, &p), GNV_NOT_GENEVE,
		  "echo request");
}

/*
 * The second look (gnv_look_inner()): sure of OVN's usual frame, with the
 * VNI and the verdict's index of the inner ethertype and protocol the
 * parse finds; unsure of any other shape, and of the usual frame cut
 * short of 20 bytes past its inner IP header.
 */
static void test_look_inner(void)
{
	static const struct {
		const char *name;
		setup_fn setup;
		int sure;
		__u32 index;
	} cases[] = {
		{ "ipv4 icmp, ovn", NULL, 1, 1 },
		{ "ipv4 tcp", tcp, 1, 6 },
		/* 8 + 10 bytes of UDP: short of 20, left to the parse. */
		{ "ipv4 udp, 10 bytes of data", udp, 0, 0 },
		{ "ipv6 icmp6", inner6, 1, GNV_VERDICT_IPV6 + 58 },
		{ "no options", no_opts, 1, 1 },
		{ "ipv6 underlay, vlan", outer6_vlan1, 1, 1 },
		{ "arp", arp, 0, 0 },
		{ "inner vlan", inner_vlan, 0, 0 },
		{ "raw ipv4 in geneve", raw_ipv4, 0, 0 },
		{ "another option", one_other_opt, 0, 0 },
		{ "ovn's vxlan", ovn_vxlan, 0, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		__u16 vx = cases[i].setup == ovn_vxlan ? VXLAN_UDP_PORT : 0;
		__u32 vni = 0, index = 0;
		struct gnv_pkt p;
		struct frame f;
		long look;
		size_t cut;

		test_case("second look: %s", cases[i].name);
		if (!make_frame(cases[i].setup, NULL, &f))
			continue;
		look = gnv_may_be_tunnel(f.data, f.data + f.len,
					 GENEVE_UDP_PORT, vx);
		ASSERT_EQ(gnv_look_inner(f.data, f.data + f.len, look,
					 GENEVE_UDP_PORT, &vni, &index),
			  cases[i].sure, "sure");
		if (!cases[i].sure ||
		    !ASSERT_EQ(gnv_parse_frame(f.data, f.data + f.len,
					       GNV_LINK_ETH, GENEVE_UDP_PORT,
					       vx, &p), GNV_GENEVE, "parse"))
			continue;
		ASSERT_EQ(vni, 5, "vni");
		ASSERT_EQ(index, cases[i].index, "the verdict's index");
		/* 20 bytes past the inner IP header, or unsure. */
		cut = p.opts_off + p.opts_len + 14 +
		      (p.inner_family == 4 ? 20 : 40) + 20;
		ASSERT_EQ(gnv_look_inner(f.data, f.data + cut - 1, look,
					 GENEVE_UDP_PORT, &vni, &index), 0,
			  "cut short");
		ASSERT_EQ(gnv_look_inner(f.data, f.data + cut, look,
					 GENEVE_UDP_PORT, &vni, &index), 1,
			  "20 bytes past the IP header");
	}
}

int main(void)
{
	test_underlay_too_big();
	test_packet_identity();
	test_port_stats();
	test_port_slots();
	test_port_slot_spread();
	test_flow_slot_spread();
	test_parse_cases();
	test_bad_cases();
	test_truncations();
	test_look_inner();
	return test_summary();
}
