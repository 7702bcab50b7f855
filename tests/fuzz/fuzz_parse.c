// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the parser (bpf/parse.h), the filter (bpf/filter.h)
 * and both formatters on arbitrary frames.
 *
 * The input is one frame. It is parsed for every link type, once with
 * Geneve's port 6081 and once with an arbitrary port taken from the input's
 * last two bytes (big-endian), so that the fuzzer can reach Geneve on any
 * port. Each parse runs twice, into a struct pre-filled with two different
 * patterns: for a Geneve verdict every byte of struct gnv_pkt must come out
 * the same (the parser promises to define all of it, padding included).
 * A Geneve packet then goes, as user/trace/trace_records.c sends it, through the
 * text (plain and -v) and JSON formatters into /dev/null and through a few
 * fixed filters, each beside its negation; parsed for a filter alone
 * (GNV_FIELDS_PROTO, GNV_FIELDS_FILTER), it must give every early filter
 * of that level the same answer.
 * Read as Ethernet, the frame
 * is also rewritten with a Linux cooked v1 and v2 header in place of the
 * Ethernet header, and must parse the same way behind either.
 *
 * Invariants are checked with __builtin_trap(), which libFuzzer reports as
 * a crash with the input saved.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "gnvtrace.h"
#include "parse.h"
#include "filter/filter_compile.h"
#include "lib/abi_names.h"
#include "output/format.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define GNV_F_KNOWN	(GNV_F_OAM | GNV_F_CRITICAL | GNV_F_OVN | \
			 GNV_F_INNER_ETH | GNV_F_INNER_L4 | GNV_F_INNER_FRAG | \
			 GNV_F_VXLAN)

/* Single primitives: each is also compiled with "not" in front. */
static const char *const filter_words[] = {
	"icmp",
	"icmp6",
	"tcp",
	"udp",
	"arp",
	"vni 5",
	"inport 1",
	"outport 32768",
	"lport 3",
	"host 192.168.0.20",
	"src net 30.0.0.0/24",
	"dst host fd00::2",
	"net fd10::/64",
	"outer net 172.17.0.0/16",
	"outer host 20.0.0.2",
	"outer vlan 1",
	"icmp-type echo-request",
	"icmp-type 129",
};
#define N_SINGLE (sizeof(filter_words) / sizeof(filter_words[0]))

/* Conjunctions, checked only for not crashing. */
static const char *const filter_conj[] = {
	"",
	"vni 10 and icmp and not arp",
	"lport 3 and not udp and net 192.168.0.0/16 and outer vlan 50",
	"not icmp-type unreachable and outer net ::/0 and tcp",
};
#define N_CONJ (sizeof(filter_conj) / sizeof(filter_conj[0]))

static struct gnv_filter f_pos[N_SINGLE], f_neg[N_SINGLE], f_conj[N_CONJ];
static struct gnv_fmt fmt_text, fmt_text_v, fmt_json;

static void compile(const char *words, int negate, struct gnv_filter *f)
{
	char buf[256], err[256];
	char *argv[1] = { buf };

	snprintf(buf, sizeof(buf), "%s%s", negate ? "not " : "", words);
	if (gnv_filter_compile(1, argv, GENEVE_UDP_PORT, f, err, sizeof(err))) {
		fprintf(stderr, "fuzz_parse: filter '%s': %s\n", buf, err);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *devnull = fopen("/dev/null", "w");

	if (!devnull) {
		perror("fuzz_parse: /dev/null");
		abort();
	}
	for (size_t i = 0; i < N_SINGLE; i++) {
		compile(filter_words[i], 0, &f_pos[i]);
		compile(filter_words[i], 1, &f_neg[i]);
	}
	for (size_t i = 0; i < N_CONJ; i++)
		compile(filter_conj[i], 0, &f_conj[i]);
	/* Offline mode: no interface names, no clock offset. */
	gnv_fmt_init(&fmt_text, devnull, GNV_OUT_TEXT, 0, 0);
	gnv_fmt_init(&fmt_text_v, devnull, GNV_OUT_TEXT, 1, 0);
	gnv_fmt_init(&fmt_json, devnull, GNV_OUT_JSON, 0, 0);
	return 0;
}

/* What a Geneve verdict promises about *p, frame of size bytes. */
static void check_geneve(const struct gnv_pkt *p, size_t size)
{
	CHECK(p->malformed == GNV_BAD_NONE);
	CHECK((size_t)p->opts_off + p->opts_len <= size);
	CHECK(p->opts_len <= GENEVE_MAX_OPTS_LEN && p->opts_len % 4 == 0);
	CHECK(p->n_opts <= GENEVE_MAX_OPTS_LEN / GENEVE_OPT_HDR_LEN);
	CHECK(p->vni < (1u << 24));
	CHECK(p->ovn_inport < 0x8000);
	CHECK(p->geneve_ver == GENEVE_VERSION);
	CHECK((p->flags & ~GNV_F_KNOWN) == 0);
	CHECK(p->outer_family == 4 || p->outer_family == 6);
	CHECK(p->inner_family == 0 || p->inner_family == 4 ||
	      p->inner_family == 6);
	CHECK(p->n_vlans <= GNV_MAX_VLANS);
	for (int i = 0; i < GNV_MAX_VLANS; i++)
		CHECK(p->vlan[i] < 4096 && (i < p->n_vlans || !p->vlan[i]));
	CHECK(p->inner_vlan < 4096);
	CHECK(p->underlay == 0 && p->vm_port == 0);
	if (p->outer_family == 4)
		for (int i = 4; i < 16; i++)
			CHECK(!p->outer_src[i] && !p->outer_dst[i]);
	if (!(p->flags & GNV_F_OVN))
		CHECK(!p->ovn_inport && !p->ovn_outport);
}

/* The option area as the formatters re-walk it: the parser's count. */
static void check_opts(const struct gnv_event *ev)
{
	const __u8 *end = ev->opts + ev->pkt.opts_len;
	struct gnv_opt o;
	__u32 off = 0;
	int n = 0, r;

	while ((r = gnv_next_opt(ev->opts, ev->pkt.opts_len, end, &off,
				 &o)) > 0) {
		CHECK(o.data + o.len <= end);
		n++;
	}
	CHECK(r == 0 && off == ev->pkt.opts_len && n == ev->pkt.n_opts);
}

/* The event the kernel would hand over for p, a frame of size bytes. */
static struct gnv_event *event_of(size_t size, const struct gnv_pkt *p)
{
	static struct gnv_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.abi_version = GNV_ABI_VERSION;
	ev.ts_ns = 1795658829409965000ULL + size;
	ev.pkt_len = size;
	ev.pkt = *p;
	return &ev;
}

static void run_geneve(const uint8_t *data, size_t size,
		       const struct gnv_pkt *p)
{
	struct gnv_event *ev = event_of(size, p);

	memcpy(ev->opts, data + p->opts_off, p->opts_len);
	check_opts(ev);

	/* With the frame: BFD's decoder reads what it carries. */
	gnv_format_event(&fmt_text, ev, data, size);
	gnv_format_event(&fmt_text_v, ev, data, size);
	gnv_format_event(&fmt_json, ev, data, size);

	for (size_t i = 0; i < N_SINGLE; i++)
		CHECK(gnv_filter_match(&f_pos[i], p, NULL) !=
		      gnv_filter_match(&f_neg[i], p, NULL));
	CHECK(gnv_filter_match(&f_conj[0], p, NULL) == 1);
	for (size_t i = 1; i < N_CONJ; i++)
		(void)gnv_filter_match(&f_conj[i], p, NULL);
}

/*
 * A term of kind k made of p's own values, so that it holds as often as
 * not: the parse for the filter must make it decide as the full one.
 */
static void own_term(struct gnv_term *t, __u8 k, const struct gnv_pkt *p)
{
	int v6 = p->inner_family == 6;

	memset(t, 0, sizeof(*t));
	t->kind = k;
	t->jt = GNV_JUMP_MATCH;
	t->jf = GNV_JUMP_NOMATCH;
	t->side = GNV_SIDE_SRC | GNV_SIDE_DST;
	t->family = v6 ? 6 : 4;
	memset(t->mask, 0xff, k == GNV_T_ETHER ? 6 : v6 ? 16 : 4);
	switch (k) {
	case GNV_T_PROTO:
		t->val = gnv_proto_of(p);
		break;
	case GNV_T_VNI:
		t->val = p->vni;
		break;
	case GNV_T_INPORT:
	case GNV_T_LPORT:
		t->val = p->ovn_inport;
		break;
	case GNV_T_OUTPORT:
		t->val = p->ovn_outport;
		break;
	case GNV_T_HOST:
	case GNV_T_SRC_HOST:
		memcpy(t->addr, p->inner_src, v6 ? 16 : 4);
		break;
	case GNV_T_DST_HOST:
		memcpy(t->addr, p->inner_dst, v6 ? 16 : 4);
		break;
	case GNV_T_ICMP_TYPE:
		t->val = p->icmp_type | GNV_ICMP4_VALID |
			 (__u32)p->icmp_type << 16 | GNV_ICMP6_VALID;
		break;
	case GNV_T_L4_PORT:
		t->val = p->sport | (__u32)p->sport << 16;
		break;
	case GNV_T_INNER_VLAN:
		t->val = p->inner_vlan;
		t->side = p->vni & 1;	/* any tag, or this one */
		break;
	case GNV_T_FAMILY:
		t->val = t->family;
		break;
	case GNV_T_IP_PROTO:
		t->val = p->inner_proto;
		break;
	case GNV_T_ETHER:
		memcpy(t->addr, p->inner_eth_src, 6);
		break;
	}
}

/* Where a parsed packet's verdict is in a table (GNV_VERDICT_*). */
static __u32 verdict_index(const struct gnv_pkt *p)
{
	if (p->inner_ethertype == GNV_ETH_P_IP)
		return p->inner_proto;
	if (p->inner_ethertype == GNV_ETH_P_IPV6)
		return GNV_VERDICT_IPV6 + p->inner_proto;
	if (p->inner_ethertype == GNV_ETH_P_ARP)
		return GNV_VERDICT_ARP;
	return GNV_VERDICT_OTHER;
}

/*
 * A filter that has a table (gnv_filter_table()), its verdict looked up
 * on the fields of a parse at GNV_FIELDS_PROTO (e: those the second look
 * reads, check_look_inner()), with and without the VNI compares, decides
 * as the filter itself does on the full parse (p).
 */
static void check_table(const struct gnv_filter *f, const struct gnv_pkt *p,
			const struct gnv_pkt *e)
{
	struct gnv_verdict_table t;
	__u32 index;
	int want;

	if (gnv_filter_table(f, &t))
		return;
	want = gnv_filter_match(f, p, NULL);
	index = verdict_index(e);
	CHECK(gnv_table_verdict(&t, e->vni, index, 1) == want);
	if (!t.n_vnis)
		CHECK(gnv_table_verdict(&t, e->vni, index, 0) == want);
}

/*
 * A frame parsed for the filter (fields: GNV_FIELDS_PROTO or
 * GNV_FIELDS_FILTER, into e) against the same parsed in full (p, verdict
 * v): the same verdict and reason, and every early filter that parse is
 * for, the fixed ones and one of each early kind made of the packet's
 * values, deciding the same.
 */
static void check_early_fields(const uint8_t *data, size_t size, int link,
			       __u16 port, int v, const struct gnv_pkt *p,
			       int fields)
{
	static const __u8 kinds[] = {
		GNV_T_PROTO, GNV_T_VNI, GNV_T_INPORT, GNV_T_OUTPORT,
		GNV_T_LPORT, GNV_T_HOST, GNV_T_SRC_HOST, GNV_T_DST_HOST,
		GNV_T_ICMP_TYPE, GNV_T_NOTHING, GNV_T_L4_PORT,
		GNV_T_INNER_VLAN, GNV_T_FAMILY, GNV_T_IP_PROTO, GNV_T_ETHER,
	};
	struct gnv_filter f = { .n_terms = 1 };
	struct gnv_pkt e;

	memset(&e, 0x77, sizeof(e));
	CHECK(gnv_parse_frame_fields(data, data + size, link, port,
				     VXLAN_UDP_PORT, &e, fields) == v);
	if (v == GNV_MALFORMED)
		CHECK(e.malformed == p->malformed);
	if (v != GNV_GENEVE)
		return;
	for (size_t i = 0; i < N_SINGLE; i++)
		if (f_pos[i].early && f_pos[i].early <= fields)
			CHECK(gnv_filter_match(&f_pos[i], p, NULL) ==
			      gnv_filter_match(&f_pos[i], &e, NULL));
	for (size_t i = 0; i < sizeof(kinds); i++) {
		own_term(&f.terms[0], kinds[i], p);
		CHECK(gnv_filter_early(&f));
		if (gnv_filter_early(&f) <= fields)
			CHECK(gnv_filter_match(&f, p, NULL) ==
			      gnv_filter_match(&f, &e, NULL));
		if (fields == GNV_FIELDS_PROTO)
			check_table(&f, p, &e);
	}
	for (size_t i = 0; fields == GNV_FIELDS_PROTO && i < N_SINGLE; i++) {
		check_table(&f_pos[i], p, &e);
		check_table(&f_neg[i], p, &e);
	}
}

static void check_early(const uint8_t *data, size_t size, int link,
			__u16 port, int v, const struct gnv_pkt *p)
{
	check_early_fields(data, size, link, port, v, p, GNV_FIELDS_PROTO);
	check_early_fields(data, size, link, port, v, p, GNV_FIELDS_FILTER);
}

/* What a router's "too big" for a tunnel promises about *p. */
static void check_too_big(const struct gnv_pkt *p, __u16 port)
{
	CHECK(p->underlay == 1 && p->vm_port == 0 && p->flags == 0);
	CHECK(p->outer_family == 4 || p->outer_family == 6);
	CHECK(p->inner_family == p->outer_family);
	CHECK(p->inner_proto == GNV_IPPROTO_UDP);
	CHECK(p->dport == port || p->dport == VXLAN_UDP_PORT);
	CHECK(p->outer_family == 4 ? p->icmp_type == 3 && p->icmp_code == 4 :
				     p->icmp_type == 2 && p->icmp_code == 0);
	CHECK(p->vni == 0 && p->pkt_id == 0 && p->opts_len == 0);
	CHECK(p->outer_sport == 0 && p->outer_dport == 0);
}

/* Its event through both formatters. */
static void run_too_big(size_t size, const struct gnv_pkt *p)
{
	gnv_format_event(&fmt_text, event_of(size, p), NULL, 0);
	gnv_format_event(&fmt_json, event_of(size, p), NULL, 0);
}

/*
 * The second look is sure only of what reading in full finds: a
 * well-formed Geneve frame, with the VNI, inner ethertype and protocol
 * it says.
 */
static void check_look_inner(const uint8_t *data, size_t size, int look,
			     __u16 port, int v, const struct gnv_pkt *p)
{
	__u32 vni, index;

	if (!gnv_look_inner(data, data + size, look, port, &vni, &index))
		return;
	CHECK(v == GNV_GENEVE);
	CHECK(p->vni == vni);
	CHECK(index == verdict_index(p));
}

/* Parses one frame for one link and port, checks it; returns the verdict. */
static int run_one(const uint8_t *data, size_t size, int link, __u16 port,
		   struct gnv_pkt *out)
{
	struct gnv_pkt a, b;
	int va, vb;

	memset(&a, 0xa5, sizeof(a));
	memset(&b, 0x5a, sizeof(b));
	va = gnv_parse_frame(data, data + size, link, port, VXLAN_UDP_PORT,
			     &a);
	vb = gnv_parse_frame(data, data + size, link, port, VXLAN_UDP_PORT,
			     &b);
	CHECK(va == vb);
	CHECK(va == GNV_NOT_GENEVE || va == GNV_GENEVE || va == GNV_MALFORMED ||
	      va == GNV_UNDERLAY_TOO_BIG);
	/*
	 * The first look says "no" only where reading in full would too, and
	 * "a tunnel's datagram" only where reading in full finds one.
	 */
	if (link == GNV_LINK_ETH) {
		struct gnv_pkt o;
		int look = gnv_may_be_tunnel(data, data + size, port,
					     VXLAN_UDP_PORT);
		int full = gnv_parse_outer(data, data + size, link, port,
					   VXLAN_UDP_PORT, &o, GNV_FIELDS_ALL);

		CHECK(look != GNV_LOOK_NO || full == GNV_NOT_GENEVE);
		CHECK(look < GNV_LOOK_UDP_MIN ||
		      (look <= GNV_LOOK_UDP_MAX && full != GNV_NOT_GENEVE &&
		       full != GNV_UNDERLAY_TOO_BIG &&
		       (full != GNV_MALFORMED ||
			o.malformed >= GNV_BAD_TRUNC_GENEVE)));
		check_look_inner(data, size, look, port, va, &a);
	}
	*out = a;
	check_early(data, size, link, port, va, &a);
	if (va == GNV_MALFORMED) {
		CHECK(a.malformed > GNV_BAD_NONE && a.malformed < GNV_BAD_MAX);
		CHECK(a.malformed == b.malformed);
		CHECK(strcmp(gnv_malformed_name(a.malformed), "unknown"));
		return va;
	}
	if (va == GNV_UNDERLAY_TOO_BIG) {
		CHECK(!memcmp(&a, &b, sizeof(a)));
		check_too_big(&a, port);
		run_too_big(size, &a);
		return va;
	}
	if (va != GNV_GENEVE)
		return va;
	CHECK(!memcmp(&a, &b, sizeof(a)));
	CHECK(a.outer_dport == port ||
	      ((a.flags & GNV_F_VXLAN) && a.outer_dport == VXLAN_UDP_PORT));
	check_geneve(&a, size);
	run_geneve(data, size, &a);
	return va;
}

/*
 * The same frame behind a Linux cooked header instead of Ethernet's must
 * parse the same, but for where the options start: an SLL header is the
 * Ethernet header with 2 more bytes before the protocol, SLL2 has the
 * protocol first and 20 bytes in all.
 */
static void check_cooked(const uint8_t *data, size_t size, __u16 port,
			 int v_eth, const struct gnv_pkt *p_eth, int link)
{
	size_t hdr = link == GNV_LINK_SLL ? 16 : 20, n;
	struct gnv_pkt p;
	uint8_t *buf;
	int v;

	if (size < 14)	/* the SLL2 header would not be whole either */
		return;
	n = size - 14 + hdr;
	buf = malloc(n);	/* exactly n bytes: ASan catches a read past */
	if (!buf)
		abort();
	memset(buf, 0, hdr);
	memcpy(buf + (link == GNV_LINK_SLL ? 14 : 0), data + 12, 2);
	memcpy(buf + hdr, data + 14, size - 14);
	v = run_one(buf, n, link, port, &p);
	free(buf);
	CHECK(v == v_eth);
	if (v == GNV_MALFORMED)
		CHECK(p.malformed == p_eth->malformed);
	if (v == GNV_UNDERLAY_TOO_BIG)
		CHECK(!memcmp(&p, p_eth, sizeof(p)));
	if (v != GNV_GENEVE)
		return;
	CHECK(p.opts_off == p_eth->opts_off + hdr - 14);
	p.opts_off = p_eth->opts_off;
	CHECK(!memcmp(&p, p_eth, sizeof(p)));
}

static void run_port(const uint8_t *data, size_t size, __u16 port)
{
	struct gnv_pkt p, p_eth;
	int v;

	v = run_one(data, size, GNV_LINK_ETH, port, &p_eth);
	run_one(data, size, GNV_LINK_IPV4, port, &p);
	run_one(data, size, GNV_LINK_IPV6, port, &p);
	run_one(data, size, GNV_LINK_SLL, port, &p);
	run_one(data, size, GNV_LINK_SLL2, port, &p);
	check_cooked(data, size, port, v, &p_eth, GNV_LINK_SLL);
	check_cooked(data, size, port, v, &p_eth, GNV_LINK_SLL2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	__u16 port = size >= 2 ? rd16(data + size - 2) : GENEVE_UDP_PORT;

	run_port(data, size, GENEVE_UDP_PORT);
	if (port != GENEVE_UDP_PORT)
		run_port(data, size, port);
	return 0;
}
