// SPDX-License-Identifier: MIT
/*
 * Kernel tests: the XDP program, run by BPF_PROG_TEST_RUN on crafted
 * frames and on every Ethernet capture in the shared captures, must agree
 * with the host parser and filter: verdict, counters, event presence and
 * event bytes. Needs root.
 *
 * Usage: test_kern [CAPTURES_DIR]	(default ../shared/captures)
 */
#define _GNU_SOURCE	/* sched_setaffinity */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
/* pcap/bpf.h and linux/bpf.h both define struct bpf_insn. */
#define PCAP_DONT_INCLUDE_PCAP_BPF_H
#include <pcap/dlt.h>
#include <pcap/pcap.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "filter.h"
#include "gnvtrace.h"
#include "parse.h"
#include "port_stats.h"
#include "filter/filter_compile.h"
#include "health/bfd.h"
#include "kernel/loader.h"
#include "lab/pktcraft.h"
#include "lib/abi_names.h"
#include "lib/clock.h"
#include "stats/hist.h"
#include "fixtures.h"
#include "test_util.h"
#include "gnvtrace.skel.h"

#define DEFAULT_CAPTURES	"../shared/captures"
#define FRAME_MAX		2048
#define MAX_EVENTS		16
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

struct tracer {
	struct gnv_bpf bpf;
	int prog_fd;
	__u16 geneve_port;	/* the program's, set before its load */
	struct gnv_filter filter;	/* the programs', for the host's */
	long n_events, bad_sizes;
	struct gnv_event events[MAX_EVENTS];
	__u8 snap[GNV_SNAP_MAX];	/* the last event's snapshot */
};

/* What the host parser and filter say about a frame. */
struct host_view {
	int verdict, match;
	struct gnv_pkt pkt;
};

enum run_result { RUN_OK, RUN_FAILED, RUN_TOO_BIG };

static int on_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;

	const struct gnv_event *ev = data;

	if (size < sizeof(*ev) || size != sizeof(*ev) + ev->snap_len) {
		t->bad_sizes++;
	} else {
		if (t->n_events < MAX_EVENTS)
			memcpy(&t->events[t->n_events], ev, sizeof(*ev));
		memcpy(t->snap, ev + 1, ev->snap_len);
	}
	t->n_events++;
	return 0;
}

/*
 * Compiles text into f, with the program's ports, which the host's parse
 * takes from it: OVN's VXLAN on, so its frames go through both paths.
 */
static int compile(const char *text, __u16 geneve_port, struct gnv_filter *f)
{
	char buf[512], err[256] = "", *argv[] = { buf };

	snprintf(buf, sizeof(buf), "%s", text);
	if (!ASSERT_OK(gnv_filter_compile(1, argv, geneve_port, f, err,
					  sizeof(err)), err))
		return 0;
	f->vxlan_port = VXLAN_UDP_PORT;
	return 1;
}

/*
 * The program loaded as gnvtrace loads it, with what it sets before a
 * load (rodata): the Geneve port and the snapshot length. With a filter,
 * compiled into the program, as gnvtrace runs one; NULL: interpreted,
 * and set_filter() changes it between runs.
 */
static int tracer_open(struct tracer *t, __u32 rb_size, __u16 geneve_port,
		       __u32 snaplen, const char *compiled)
{
	struct gnv_bpf_opts o = { .snaplen = snaplen, .rb_size = rb_size };

	memset(t, 0, sizeof(*t));
	t->geneve_port = geneve_port;
	if (!compile(compiled ? compiled : "", geneve_port, &o.filter))
		return 0;
	o.filter_interpreted = !compiled;
	t->filter = o.filter;
	if (!ASSERT_OK(gnv_bpf_load(&t->bpf, &o, GNV_PROG_XDP_IN, on_event, t),
		       "gnv_bpf_load") ||
	    !ASSERT_EQ(t->bpf.filter_compiled, !!compiled, "filter compiled"))
		return 0;
	t->prog_fd = bpf_program__fd(gnv_bpf_prog(&t->bpf, GNV_PROG_XDP_IN));
	return 1;
}

static void tracer_close(struct tracer *t)
{
	gnv_bpf_close(&t->bpf);
}

/*
 * A new filter for an interpreting program, as a live run swaps one; not
 * one with byte expressions, which the interpreter lacks.
 */
static int set_filter(struct tracer *t, const char *text)
{
	if (!compile(text, t->geneve_port, &t->filter))
		return 0;
	if (t->filter.n_bytes)
		return !ASSERT_EQ(gnv_bpf_set_filter(&t->bpf, &t->filter),
				  -EINVAL, "byte expressions interpreted");
	return ASSERT_OK(gnv_bpf_set_filter(&t->bpf, &t->filter),
			 "gnv_bpf_set_filter");
}

/* The counters summed over CPUs, as gnvtrace reads them. */
static void read_stats(struct tracer *t, __u64 *out)
{
	struct gnv_counts c = { { 0 } };

	gnv_bpf_add_counts(&t->bpf, &c);
	memcpy(out, c.v, sizeof(c.v));
}

static const char *stat_name(int i)
{
	static const char *const names[GNV_STAT_MALFORMED] = {
		"packets", "geneve", "matched", "lost",
	};

	return i < GNV_STAT_MALFORMED ? names[i] :
	       gnv_malformed_name(i - GNV_STAT_MALFORMED);
}

static int run(struct tracer *t, const __u8 *data, size_t len, int repeat,
	       int *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		    .data_in = data,
		    .data_size_in = len,
		    .repeat = repeat,
	);
	int err = bpf_prog_test_run_opts(t->prog_fd, &opts);

	*retval = opts.retval;
	return err ? -errno : 0;
}

/* Every counter moved by exactly what want says (one assert). */
static void assert_stats(const __u64 *before, const __u64 *after,
			 const __u64 *want)
{
	int ok = 1;

	for (int i = 0; i < GNV_STAT_MAX; i++)
		ok &= after[i] - before[i] == want[i];
	if (test_check(ok, __FILE__, __LINE__, "counters"))
		return;
	fprintf(stderr, "counters differ:\n");
	for (int i = 0; i < GNV_STAT_MAX; i++)
		if (after[i] - before[i] != want[i])
			fprintf(stderr, "  %s: +%llu, expected +%llu\n",
				stat_name(i),
				(unsigned long long)(after[i] - before[i]),
				(unsigned long long)want[i]);
}

#define FIELD(f) \
	{ #f, offsetof(struct gnv_pkt, f), sizeof(((struct gnv_pkt *)0)->f) }

static const struct {
	const char *name;
	size_t off, size;
} pkt_fields[] = {
	FIELD(outer_src), FIELD(outer_dst), FIELD(inner_src), FIELD(inner_dst),
	FIELD(vni), FIELD(outer_sport), FIELD(outer_dport), FIELD(vlan),
	FIELD(geneve_proto), FIELD(opts_off), FIELD(ovn_inport),
	FIELD(ovn_outport), FIELD(inner_ethertype), FIELD(inner_vlan),
	FIELD(sport), FIELD(dport), FIELD(icmp_id), FIELD(icmp_seq),
	FIELD(arp_op), FIELD(inner_l4_len), FIELD(inner_eth_src),
	FIELD(inner_eth_dst), FIELD(outer_family), FIELD(n_vlans),
	FIELD(geneve_ver), FIELD(opts_len), FIELD(n_opts), FIELD(flags),
	FIELD(inner_family), FIELD(inner_proto), FIELD(icmp_type),
	FIELD(icmp_code), FIELD(tcp_flags), FIELD(malformed), FIELD(underlay),
	FIELD(outer_ttl), FIELD(outer_tos), FIELD(vm_port), FIELD(pkt_id),
	FIELD(tcp_seq),
};

/* The table names every byte of struct gnv_pkt once. */
static size_t pkt_fields_size(void)
{
	size_t sum = 0;

	for (size_t i = 0; i < ARRAY_SIZE(pkt_fields); i++)
		sum += pkt_fields[i].size;
	return sum;
}

static void print_bytes(const char *what, const __u8 *p, size_t n)
{
	fprintf(stderr, "    %-6s", what);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %02x", p[i]);
	fprintf(stderr, "\n");
}

/* The kernel's gnv_pkt equals the host's, printing the fields that differ. */
static void assert_pkt_eq(const struct gnv_pkt *kern,
			  const struct gnv_pkt *host)
{
	const __u8 *k = (const __u8 *)kern, *h = (const __u8 *)host;

	if (test_check(!memcmp(kern, host, sizeof(*kern)), __FILE__, __LINE__,
		       "kernel gnv_pkt == host gnv_pkt"))
		return;
	fprintf(stderr, "fields differ:\n");
	for (size_t i = 0; i < ARRAY_SIZE(pkt_fields); i++) {
		size_t off = pkt_fields[i].off, n = pkt_fields[i].size;

		if (!memcmp(k + off, h + off, n))
			continue;
		fprintf(stderr, "  %s\n", pkt_fields[i].name);
		print_bytes("kernel", k + off, n);
		print_bytes("host", h + off, n);
	}
}

static void assert_event(const struct gnv_event *ev, const struct host_view *hv,
			 const __u8 *data, size_t len)
{
	assert_pkt_eq(&ev->pkt, &hv->pkt);
	ASSERT_MEMEQ(ev->opts, data + hv->pkt.opts_off, hv->pkt.opts_len,
		     "option bytes");
	ASSERT_EQ(ev->pkt_len, len, "pkt_len");
	ASSERT_EQ(ev->dir, GNV_DIR_IN, "dir");
	ASSERT_EQ(ev->abi_version, GNV_ABI_VERSION, "abi_version");
	/* A test run's frame has every tag in its bytes. */
	ASSERT_EQ(ev->meta_vlan_proto, 0, "meta_vlan_proto");
	ASSERT_EQ(ev->meta_vlan_tci, 0, "meta_vlan_tci");
	ASSERT_GT(ev->ts_ns, 0, "ts_ns");
}

static void host_view(struct tracer *t, const __u8 *data, size_t len,
		      struct host_view *hv)
{
	const struct gnv_filter *f = &t->filter;

	hv->verdict = gnv_parse_frame(data, data + len, GNV_LINK_ETH,
				      f->geneve_port, f->vxlan_port, &hv->pkt);
	hv->match = hv->verdict == GNV_GENEVE &&
		    gnv_filter_match(f, &hv->pkt, &(struct gnv_frame){
					     data, len, len });
}

/*
 * Runs one frame through the kernel and checks it against the host: the
 * return code, every counter, the event or its absence. The program is
 * multi-buffer aware: test_run gives it about a page in the first buffer
 * and the rest in fragments, and it must see the whole frame as the host
 * does. The host's view is left in *hv for the caller's own expectations.
 */
static enum run_result check_frame(struct tracer *t, const __u8 *data,
				   size_t len, struct host_view *hv)
{
	__u64 before[GNV_STAT_MAX], after[GNV_STAT_MAX], want[GNV_STAT_MAX] = {};
	int err, retval;

	host_view(t, data, len, hv);
	read_stats(t, before);
	t->n_events = 0;
	err = run(t, data, len, 1, &retval);
	/* More fragments than an skb holds (-ENOMEM), or no room (-EINVAL). */
	if ((err == -ENOMEM || err == -EINVAL) && len > ETH_FRAME_LEN)
		return RUN_TOO_BIG;
	if (!ASSERT_OK(err, "bpf_prog_test_run_opts"))
		return RUN_FAILED;
	ring_buffer__consume(t->bpf.rb);
	read_stats(t, after);

	ASSERT_EQ(retval, XDP_PASS, "retval");
	want[GNV_STAT_PACKETS] = 1;
	want[GNV_STAT_GENEVE] = hv->verdict == GNV_GENEVE;
	want[GNV_STAT_MATCHED] = hv->match;
	if (hv->verdict == GNV_MALFORMED)
		want[GNV_STAT_MALFORMED + hv->pkt.malformed] = 1;
	/* A router's "too big" is an event past the filter. */
	want[GNV_STAT_UNDERLAY_TOO_BIG] = hv->verdict == GNV_UNDERLAY_TOO_BIG;
	assert_stats(before, after, want);
	if (ASSERT_EQ(t->n_events, hv->match || want[GNV_STAT_UNDERLAY_TOO_BIG],
		      "events") && t->n_events)
		assert_event(&t->events[0], hv, data, len);
	return RUN_OK;
}

/* Crafted frames: pkt_spec_default() adjusted by a setup, then patched. */
typedef void (*setup_fn)(struct pkt_spec *s);
typedef void (*patch_fn)(__u8 *data);

/*
 * pkt_spec_default() adjusted by setup, built: the frame, or with mtu not
 * 0 a router's "too big" announcing mtu about it (pkt_build_too_big()).
 */
static size_t build(setup_fn setup, __u32 too_big_mtu, __u8 *data)
{
	struct pkt_spec s;
	size_t len;

	pkt_spec_default(&s);
	if (setup)
		setup(&s);
	len = too_big_mtu ?
	      pkt_build_too_big(&s, s.outer_family == 4 ? "172.17.2.1" :
				"2001:db8::fe", too_big_mtu, data, FRAME_MAX) :
	      pkt_build(&s, data, FRAME_MAX);
	ASSERT_GT(len, 0, "pkt_build");
	return len;
}

static size_t make_frame(setup_fn setup, patch_fn patch, __u8 *data)
{
	size_t len = build(setup, 0, data);

	if (len && patch)
		patch(data);
	return len;
}

static void vlan2_inner_vlan(struct pkt_spec *s)
{
	s->n_vlans = 2;
	s->vlan[0] = 100;
	s->vlan[1] = 200;
	s->inner_vlan = 42;
}

static void other_opts(struct pkt_spec *s)
{
	s->ovn = 0;
	add_opt(s, 0x0132, 1, 8);
	add_opt(s, 0x0000, 0x80, 0);
	add_opt(s, OVN_GENEVE_CLASS, OVN_GENEVE_TYPE, OVN_GENEVE_LEN);
	add_opt(s, 0x0100, 3, 12);
}

static void port_53(struct pkt_spec *s)
{
	s->outer_dport = 53;
}

static void ovn_len8(struct pkt_spec *s)
{
	s->ovn = 0;
	add_opt(s, OVN_GENEVE_CLASS, OVN_GENEVE_TYPE, 8);
}

/* 61 empty options, then OVN's: 63 options in 252 bytes. */
static void opts_62(__u8 *d)
{
	static const __u8 ovn[8] = { 0x01, 0x02, 0x80, 0x01, 0, 11, 0, 12 };

	memset(d + OFF_OPTS, 0, GENEVE_MAX_OPTS_LEN);
	memcpy(d + OFF_OPTS + 244, ovn, sizeof(ovn));
}

static void non_ip(__u8 *d)
{
	d[12] = 0x88;
	d[13] = 0xcc;
}

/* OVN's lone option, its length's reserved bits set: still OVN's. */
static void ovn_len_reserved_bits(__u8 *d)
{
	d[OFF_OPTS + 3] |= 0xe0;
}

/* A lone option of OVN's size and class, another type: no OVN keys. */
static void lone_opt_other_type(__u8 *d)
{
	d[OFF_OPTS + 2] = 0x81;
}

static void inner_frag(__u8 *d)
{
	d[OFF_INNER_IP + 7] = 1;
}

static void geneve_ver1(__u8 *d)
{
	d[OFF_GENEVE] |= 0x40;
}

static void opt_len_63(__u8 *d)
{
	d[OFF_GENEVE] = 0x3f;
}

static void opt_past_area(__u8 *d)
{
	d[OFF_OPTS + 3] = 2;
}

static void outer_ihl4(__u8 *d)
{
	d[OFF_OUTER_IP] = 0x44;
}

static void inner_ihl4(__u8 *d)
{
	d[OFF_INNER_IP] = 0x44;
}

struct kern_case {
	const char *name;
	setup_fn setup;
	patch_fn patch;
	int verdict;
	int reason;		/* for GNV_MALFORMED */
};

static const struct kern_case kern_cases[] = {
	{ "ipv4, ovn, icmp", NULL, NULL, GNV_GENEVE, 0 },
	{ "ipv6 underlay", outer6, NULL, GNV_GENEVE, 0 },
	{ "inner ipv6 icmpv6", inner6, NULL, GNV_GENEVE, 0 },
	{ "vlan, ipv6 underlay", outer6_vlan1, NULL, GNV_GENEVE, 0 },
	{ "2 vlans, inner vlan", vlan2_inner_vlan, NULL, GNV_GENEVE, 0 },
	{ "tcp", tcp, NULL, GNV_GENEVE, 0 },
	{ "udp", udp, NULL, GNV_GENEVE, 0 },
	{ "arp", arp, NULL, GNV_GENEVE, 0 },
	{ "geneve proto 0x86dd", raw_ipv6, NULL, GNV_GENEVE, 0 },
	{ "options around ovn", other_opts, NULL, GNV_GENEVE, 0 },
	{ "63-word option area", opts_63_words, NULL, GNV_GENEVE, 0 },
	{ "62 options, ovn last", opts_252_bytes, opts_62, GNV_GENEVE, 0 },
	{ "ovn option, reserved length bits", NULL, ovn_len_reserved_bits,
	  GNV_GENEVE, 0 },
	{ "lone option, other type", NULL, lone_opt_other_type, GNV_GENEVE,
	  0 },
	{ "inner fragment", NULL, inner_frag, GNV_GENEVE, 0 },
	{ "ovn vxlan", ovn_vxlan, NULL, GNV_GENEVE, 0 },
	{ "ovn vxlan to a multicast group", ovn_vxlan_mc, NULL, GNV_GENEVE, 0 },
	{ "udp port 53", port_53, NULL, GNV_NOT_GENEVE, 0 },
	{ "non-ip", NULL, non_ip, GNV_NOT_GENEVE, 0 },
	{ "geneve version 1", NULL, geneve_ver1, GNV_MALFORMED,
	  GNV_BAD_GENEVE_VERSION },
	{ "opt_len past the frame", NULL, opt_len_63, GNV_MALFORMED,
	  GNV_BAD_OPTS_OVERRUN },
	{ "option past opt_len", one_other_opt, opt_past_area, GNV_MALFORMED,
	  GNV_BAD_OPT_LEN_OVERRUN },
	{ "ovn option of 8 bytes", ovn_len8, NULL, GNV_MALFORMED,
	  GNV_BAD_OVN_OPT_LEN },
	{ "outer ihl 4", NULL, outer_ihl4, GNV_MALFORMED, GNV_BAD_IPV4_IHL },
	{ "inner ihl 4", NULL, inner_ihl4, GNV_MALFORMED,
	  GNV_BAD_INNER_IPV4_IHL },
};

/* Routers' "too big"s about the tunnel frame setup makes, and an MTU. */
static const struct {
	const char *name;
	setup_fn setup;
	__u32 mtu;
	int verdict;
} too_big_cases[] = {
	{ "underlay frag needed", NULL, 1400, GNV_UNDERLAY_TOO_BIG },
	{ "underlay packet too big", outer6_vlan1, 1280, GNV_UNDERLAY_TOO_BIG },
	{ "frag needed for udp port 53", port_53, 1400, GNV_NOT_GENEVE },
};

/* Filters run against every crafted frame, kernel against host. */
static const char *const filters[] = {
	"", "icmp", "tcp", "not icmp", "icmp and vni 5", "vni 6", "inport 1",
	"lport 3", "host 192.168.0.20", "src net fd00::/64",
	"outer host 2001:db8::2", "outer vlan 200", "icmp-type echo-request",
	"arp and dst host 192.168.0.20",
	/* tcpdump's words and its and/or/not/parentheses. */
	"icmp or arp", "vni 5 and (tcp port 80 or icmp)", "not (arp or icmp6)",
	"port 53", "tcp dst portrange 70-90", "ip6 proto 58", "ip",
	/* Terms in chains, their guards shared or not (filter_bpf's chain()). */
	"port 22 or tcp port 80 or tcp port 53 or udp port 53 or port 40000 "
	"or dst port 80 or src portrange 5000-6000",
	"host 10.0.0.9 or host 192.168.0.21 or src host 192.168.0.166 or "
	"dst host fd00::2 or host fd00::1 or outer host 172.17.2.9 or "
	"outer dst host 2001:db8::2 or outer src host 2001:db8::1",
	"not (host 10.0.0.9 or host 10.0.0.8) and not (port 1 or port 2)",
	"ether dst fa:16:3e:1c:42:09", "vlan", "vlan 42",
	"lport 1 or lport 3 or outport 32768",
	"arp or icmp and vni 6",
	"(vni 1 or vni 2 or vni 3 or vni 4 or vni 5) and (port 22 or port 80 "
	"or port 443 or port 53) and not (host 10.0.0.9 or host 10.0.0.8 or "
	"host 10.0.0.7) and (ip or ip6) and not arp and not icmp6 and "
	"(inport 1 or outport 3 or lport 7)",
	/* Byte expressions: compiled only (the interpreter has none). */
	"tcp[tcpflags] & tcp-syn != 0", "icmp[icmptype] = icmp-echo or arp",
	"greater 100 and vni 5", "ip[8] > 60 or ip6[7] > 60", "len < 150",
	"ether[12:2] = 0x800 and ip[9] = 1", "udp[2:2] = 53 or tcp[2:2] = 80",
};

/* Every crafted frame under the tracer's filter, kernel against host. */
static void run_kern_cases(struct tracer *t, const char *how,
			   const char *filter)
{
	for (size_t i = 0; i < ARRAY_SIZE(kern_cases); i++) {
		const struct kern_case *c = &kern_cases[i];
		struct host_view hv;
		__u8 data[FRAME_MAX];
		size_t len;

		test_case("kern: %s, filter '%s' %s", c->name, filter, how);
		len = make_frame(c->setup, c->patch, data);
		if (!len || check_frame(t, data, len, &hv) != RUN_OK)
			continue;
		ASSERT_EQ(hv.verdict, c->verdict, "verdict");
		ASSERT_EQ(hv.pkt.malformed, c->reason, "reason");
	}
	for (size_t i = 0; i < ARRAY_SIZE(too_big_cases); i++) {
		struct host_view hv;
		__u8 data[FRAME_MAX];
		size_t len;

		test_case("kern: %s, filter '%s' %s", too_big_cases[i].name,
			  filter, how);
		len = build(too_big_cases[i].setup, too_big_cases[i].mtu, data);
		if (len && check_frame(t, data, len, &hv) == RUN_OK)
			ASSERT_EQ(hv.verdict, too_big_cases[i].verdict,
				  "verdict");
	}
}

/* Each filter interpreted, swapped in as a live run swaps one. */
static void test_kern_cases(struct tracer *t)
{
	for (size_t f = 0; f < ARRAY_SIZE(filters); f++)
		if (set_filter(t, filters[f]))
			run_kern_cases(t, "interpreted", filters[f]);
}

/*
 * Each filter compiled into a program of its own, as gnvtrace runs one:
 * the compiled code and the interpreter must agree on every frame.
 */
static void test_kern_cases_compiled(void)
{
	static struct tracer tracer, *t = &tracer;

	for (size_t f = 0; f < ARRAY_SIZE(filters); f++) {
		test_case("kern: filter '%s' compiled", filters[f]);
		if (tracer_open(t, 1 << 20, GENEVE_UDP_PORT, 0, filters[f])) {
			ASSERT_EQ(gnv_bpf_set_filter(&t->bpf, &t->filter),
				  -EPERM, "a compiled filter is fixed");
			run_kern_cases(t, "compiled", filters[f]);
		}
		tracer_close(t);
	}
}

/* Runs the default frame under a filter; delta gets the counters' moves. */
static int run_counted(struct tracer *t, const char *filter, __u64 *delta)
{
	__u64 before[GNV_STAT_MAX], after[GNV_STAT_MAX];
	__u8 data[FRAME_MAX];
	struct host_view hv;
	size_t len = make_frame(NULL, NULL, data);

	if (!len || !set_filter(t, filter))
		return 0;
	read_stats(t, before);
	if (check_frame(t, data, len, &hv) != RUN_OK)
		return 0;
	read_stats(t, after);
	for (int i = 0; i < GNV_STAT_MAX; i++)
		delta[i] = after[i] - before[i];
	return 1;
}

/* Explicit counts for the default frame, matching and not. */
static void test_counters(struct tracer *t)
{
	__u64 d[GNV_STAT_MAX];

	test_case("kern: matching filter");
	if (run_counted(t, "icmp and inport 1", d)) {
		ASSERT_EQ(d[GNV_STAT_PACKETS], 1, "packets");
		ASSERT_EQ(d[GNV_STAT_GENEVE], 1, "geneve");
		ASSERT_EQ(d[GNV_STAT_MATCHED], 1, "matched");
		ASSERT_EQ(t->n_events, 1, "one event");
	}
	test_case("kern: non-matching filter");
	if (run_counted(t, "tcp", d)) {
		ASSERT_EQ(d[GNV_STAT_PACKETS], 1, "packets");
		ASSERT_EQ(d[GNV_STAT_GENEVE], 1, "geneve");
		ASSERT_EQ(d[GNV_STAT_MATCHED], 0, "matched");
		ASSERT_EQ(t->n_events, 0, "no event");
	}
}

/* A configured Geneve port replaces 6081. */
static void test_port(void)
{
	static struct tracer tracer, *t = &tracer;
	__u8 data[FRAME_MAX];
	struct host_view hv;
	size_t len;

	test_case("kern: geneve port 7000");
	if (!tracer_open(t, 1 << 20, 7000, 0, ""))
		goto out;
	len = make_frame(port_7000, NULL, data);
	if (len && check_frame(t, data, len, &hv) == RUN_OK) {
		ASSERT_EQ(hv.verdict, GNV_GENEVE, "port 7000 is geneve");
		ASSERT_EQ(t->n_events, 1, "event");
	}
	len = make_frame(NULL, NULL, data);
	if (len && check_frame(t, data, len, &hv) == RUN_OK) {
		ASSERT_EQ(hv.verdict, GNV_NOT_GENEVE, "port 6081 is not");
		ASSERT_EQ(t->n_events, 0, "no event");
	}
out:
	tracer_close(t);
}

/* The VNI of the next frame test_port_table() builds. */
static __u32 table_vni;

static void vni_of_table(struct pkt_spec *s)
{
	s->vni = table_vni;
}

/*
 * The kernel's per-port table (--hist size): nine keys whose slots start
 * at the same place (VNIs found by gnv_port_slot_of()), more than the
 * eight slots a key may take. The ninth takes the slot of the key with
 * fewest packets, counted; the rest keep their counts.
 */
static void test_port_table(void)
{
	struct gnv_bpf_opts o = { .hist = GNV_HIST_SIZE, .no_events = 1 };
	__u32 vnis[GNV_PORT_PROBES + 1], first = 0;
	struct gnv_counts c = { { 0 } };
	struct gnv_port_key k;
	struct pkt_spec s;
	struct gnv_pkt p;
	struct gnv_hist h;
	struct gnv_bpf b;
	__u8 data[FRAME_MAX];
	int n = 0, fd;
	size_t len;
	cpu_set_t one;

	test_case("kern: the per-port table's eviction");
	/* BPF_PROG_TEST_RUN runs on this CPU: one CPU's table throughout. */
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ASSERT_OK(sched_setaffinity(0, sizeof(one), &one), "pinned");
	pkt_spec_default(&s);
	for (s.vni = 1; n < GNV_PORT_PROBES + 1 && s.vni < 1 << 24; s.vni++) {
		len = pkt_build(&s, data, sizeof(data));
		memset(&k, 0, sizeof(k));
		if (gnv_parse_frame(data, data + len, GNV_LINK_ETH,
				    GENEVE_UDP_PORT, 0, &p) != GNV_GENEVE)
			break;
		gnv_port_key_of(&p, GNV_DIR_IN, &k);
		if (!n)
			first = gnv_port_slot_of(gnv_port_hash(&k));
		if (gnv_port_slot_of(gnv_port_hash(&k)) == first)
			vnis[n++] = s.vni;
	}
	if (!ASSERT_EQ(n, GNV_PORT_PROBES + 1, "colliding VNIs") ||
	    !compile("", GENEVE_UDP_PORT, &o.filter) ||
	    !ASSERT_OK(gnv_bpf_load(&b, &o, GNV_PROG_XDP_IN, on_event, NULL),
		       "gnv_bpf_load"))
		return;
	fd = bpf_program__fd(gnv_bpf_prog(&b, GNV_PROG_XDP_IN));
	/* Two packets each but the fourth key's one; then the ninth key. */
	for (int i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = data,
			    .repeat = i == 3 || i == n - 1 ? 1 : 2);

		table_vni = vnis[i];
		run.data_size_in = make_frame(vni_of_table, NULL, data);
		ASSERT_OK(bpf_prog_test_run_opts(fd, &run), "test_run");
	}
	gnv_hist_init(&h);
	gnv_bpf_add_hist(&b, &h);
	gnv_bpf_add_counts(&b, &c);
	ASSERT_EQ(c.v[GNV_STAT_PORT_KEYS], n, "keys given a slot");
	ASSERT_EQ(c.v[GNV_STAT_PORT_EVICTED], 1, "one evicted");
	ASSERT_EQ(h.evicted, 1, "reported evicted");
	ASSERT_EQ(h.n, GNV_PORT_PROBES, "eight keys left");
	for (size_t i = 0; i < h.n; i++) {
		__u32 v = h.e[i].key.vni;

		ASSERT_TRUE(v != vnis[3], "the key with fewest packets went");
		ASSERT_EQ(h.e[i].stats.packets, v == vnis[n - 1] ? 1 : 2,
			  "the others' counts kept");
	}
	gnv_hist_free(&h);
	gnv_bpf_close(&b);
	CPU_ZERO(&one);
	for (int i = 0; i < libbpf_num_possible_cpus(); i++)
		CPU_SET(i, &one);
	sched_setaffinity(0, sizeof(one), &one);
}

static void inner_tcp_data(struct pkt_spec *s)
{
	s->inner_proto = IPPROTO_TCP;
	s->sport = 40000;
	s->dport = 80;
	s->tcp_flags = 0x18;	/* PSH, ACK */
	s->tcp_seq = 1000;
	s->payload_len = 100;
}

/*
 * Live, a TCP flow's slot is stamped with the clock user space writes
 * (targ_coarse_ns: the load, then each turn of the live loop), the time
 * its idleness is judged by.
 */
static void test_tcp_clock(void)
{
	struct gnv_bpf_opts o = { .hist = GNV_HIST_TCP, .no_events = 1 };
	struct gnv_tcp_set flows;
	__u8 data[FRAME_MAX];
	struct gnv_pkt p;
	struct gnv_bpf b;
	__u64 before, after;
	__u32 idx;
	int fd;

	test_case("kern: TCP flows' clock is user space's");
	if (!compile("", GENEVE_UDP_PORT, &o.filter))
		return;
	before = gnv_mono_ns();
	if (!ASSERT_OK(gnv_bpf_load(&b, &o, GNV_PROG_XDP_IN, on_event, NULL),
		       "gnv_bpf_load"))
		return;
	after = gnv_mono_ns();
	fd = bpf_program__fd(gnv_bpf_prog(&b, GNV_PROG_XDP_IN));
	for (int round = 0; round < 2; round++) {
		LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = data,
			    .repeat = 1);
		__u64 set = b.skel->bss->targ_coarse_ns;

		run.data_size_in = make_frame(inner_tcp_data, NULL, data);
		if (!ASSERT_EQ(gnv_parse_frame(data, data + run.data_size_in,
					       GNV_LINK_ETH, GENEVE_UDP_PORT,
					       0, &p), GNV_GENEVE, "parsed") ||
		    !ASSERT_OK(bpf_prog_test_run_opts(fd, &run), "test_run"))
			break;
		if (!round) {
			ASSERT_TRUE(set >= before && set <= after,
				    "the load set the clock");
		} else {
			ASSERT_TRUE(set >= after, "a tick set it later");
		}
		idx = gnv_tcp_set_of(gnv_tcp_flow_of(&p));
		ASSERT_OK(bpf_map_lookup_elem(bpf_map__fd(b.skel->maps.tcp_flows),
					      &idx, &flows), "the flow's set");
		ASSERT_EQ(flows.slot[0].flow, gnv_tcp_flow_of(&p),
			  "the flow in its set's first slot");
		ASSERT_EQ(flows.slot[0].ts_ns, set,
			  "stamped with user space's clock");
		ASSERT_EQ(flows.slot[0].next_seq, 1100, "the flow followed");
		gnv_bpf_tick(&b);
	}
	gnv_bpf_close(&b);
}

static void inner_udp_bfd(struct pkt_spec *s)
{
	s->inner_proto = IPPROTO_UDP;
	s->sport = 49152;
	s->dport = GNV_BFD_UDP_PORT;
	s->payload_len = GNV_BFD_LEN;
}

static void inner_udp_53(struct pkt_spec *s)
{
	inner_udp_bfd(s);
	s->dport = 53;
}

/*
 * A BFD control packet's event carries its frame, whatever -w asks (none
 * here), for user space to decode; another UDP packet's carries none.
 */
static void test_bfd_snap(void)
{
	static struct tracer tracer, *t = &tracer;
	static const __u8 bfd[GNV_BFD_LEN] = { 0x20, 0xc0, 3, 24, 0, 0, 0, 1 };
	__u8 data[FRAME_MAX];
	struct host_view hv;
	struct gnv_bfd b;
	size_t len;

	test_case("kern: BFD's frame in its event");
	if (!tracer_open(t, 1 << 20, GENEVE_UDP_PORT, 0, "bfd or udp"))
		goto out;
	len = make_frame(inner_udp_bfd, NULL, data);
	memcpy(data + len - GNV_BFD_LEN, bfd, GNV_BFD_LEN);
	if (len && check_frame(t, data, len, &hv) == RUN_OK &&
	    ASSERT_EQ(t->n_events, 1, "event")) {
		ASSERT_EQ(t->events[0].snap_len, len, "the whole frame");
		if (ASSERT_OK(gnv_bfd_of_frame(t->snap, t->events[0].snap_len,
					       &t->events[0].pkt, &b),
			      "decoded from the event"))
			ASSERT_EQ(b.state, GNV_BFD_UP, "state");
	}
	len = make_frame(inner_udp_53, NULL, data);
	if (len && check_frame(t, data, len, &hv) == RUN_OK &&
	    ASSERT_EQ(t->n_events, 1, "event"))
		ASSERT_EQ(t->events[0].snap_len, 0, "no bytes for another");
out:
	tracer_close(t);
}

/* A frame as its headers, to know which one a cut falls in. */
struct layer {
	int len;
	int reason;
};

static const struct {
	const char *name;
	setup_fn setup;
	struct layer layers[10];
} trunc_cases[] = {
	{ "ipv4, ovn, icmp", NULL,
	  { { 14, GNV_BAD_TRUNC_ETH }, { 20, GNV_BAD_TRUNC_IPV4 },
	    { 8, GNV_BAD_TRUNC_UDP }, { 8, GNV_BAD_TRUNC_GENEVE },
	    { 8, GNV_BAD_OPTS_OVERRUN }, { 14, GNV_BAD_TRUNC_INNER_ETH },
	    { 20, GNV_BAD_TRUNC_INNER_IP }, { 8, GNV_BAD_TRUNC_INNER_L4 } } },
	{ "vlan, ipv6, ovn, icmp", outer6_vlan1,
	  { { 14, GNV_BAD_TRUNC_ETH }, { 4, GNV_BAD_TRUNC_VLAN },
	    { 40, GNV_BAD_TRUNC_IPV6 }, { 8, GNV_BAD_TRUNC_UDP },
	    { 8, GNV_BAD_TRUNC_GENEVE }, { 8, GNV_BAD_OPTS_OVERRUN },
	    { 14, GNV_BAD_TRUNC_INNER_ETH }, { 20, GNV_BAD_TRUNC_INNER_IP },
	    { 8, GNV_BAD_TRUNC_INNER_L4 } } },
};

static int trunc_reason(const struct layer *l, size_t len)
{
	size_t off = 0;

	for (; l->len; off += l->len, l++)
		if (len < off + l->len)
			return l->reason;
	return GNV_BAD_NONE;
}

/* Every cut from ETH_HLEN bytes (test_run's minimum) to full length - 1. */
static void test_truncations(struct tracer *t)
{
	if (!set_filter(t, ""))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(trunc_cases); i++) {
		__u8 data[FRAME_MAX];
		size_t full = make_frame(trunc_cases[i].setup, NULL, data);

		for (size_t len = ETH_HLEN; len < full; len++) {
			int reason = trunc_reason(trunc_cases[i].layers, len);
			struct host_view hv;

			test_case("kern: %s cut to %zu bytes",
				  trunc_cases[i].name, len);
			if (check_frame(t, data, len, &hv) != RUN_OK)
				continue;
			ASSERT_EQ(hv.verdict, reason ? GNV_MALFORMED : GNV_GENEVE,
				  "verdict");
			ASSERT_EQ(hv.pkt.malformed, reason, "reason");
		}
	}
}

/* More fragments than test_run builds: a frame of 64 KiB and more. */
#define RUN_CUT_LEN	65535u
/* A frame longer than this comes in more than one buffer. */
#define ONE_PAGE	4096u

/*
 * A 9000-byte frame (a jumbo MTU's) comes in three buffers: the event
 * carries its whole length, and -w's snapshot all of it, past the first
 * buffer into the others, byte for byte.
 */
static void test_jumbo(void)
{
	static struct tracer tracer, *t = &tracer;
	static __u8 data[16384];
	struct host_view hv;
	struct pkt_spec s;
	size_t len;

	test_case("kern: a jumbo frame in several buffers");
	if (!tracer_open(t, 1 << 20, GENEVE_UDP_PORT, GNV_SNAP_MAX, ""))
		goto out;
	pkt_spec_default(&s);
	s.payload_len = 8900;
	len = pkt_build(&s, data, sizeof(data));
	for (size_t i = ONE_PAGE - 200; i < len; i++)
		data[i] = (__u8)(i * 7);	/* no two pages alike */
	if (!ASSERT_TRUE(len > 2 * ONE_PAGE, "frame over two pages"))
		goto out;
	if (ASSERT_EQ(check_frame(t, data, len, &hv), RUN_OK, "run") &&
	    ASSERT_EQ(t->n_events, 1, "one event")) {
		ASSERT_EQ(t->events[0].pkt_len, len, "pkt_len is the whole frame");
		ASSERT_EQ(t->events[0].snap_len, len, "snap_len");
		ASSERT_MEMEQ(t->snap, data, len,
			     "snapshot of all three buffers");
	}
out:
	tracer_close(t);
}

struct capture_tally {
	int packets, geneve, malformed, paged, cut;
};

static void run_capture(struct tracer *t, const char *path,
			struct capture_tally *sum)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct capture_tally n = {};
	struct pcap_pkthdr *h;
	const u_char *data;
	enum run_result r;
	pcap_t *p;

	test_case("capture %s", path);
	p = pcap_open_offline(path, errbuf);
	if (!ASSERT_OK_PTR(p, errbuf))
		return;
	if (pcap_datalink(p) != DLT_EN10MB) {
		printf("  %-40s skipped: link type %d\n", strrchr(path, '/') + 1,
		       pcap_datalink(p));
		pcap_close(p);
		return;
	}
	while (pcap_next_ex(p, &h, &data) == 1) {
		struct host_view hv;

		test_case("capture %s packet %d", path, n.packets + 1);
		n.packets++;
		if (h->caplen < ETH_HLEN)
			continue;
		r = check_frame(t, data, h->caplen, &hv);
		n.paged += h->caplen > ONE_PAGE;
		if (r == RUN_TOO_BIG && h->caplen > RUN_CUT_LEN) {
			/* Run the part that a snaplen of 65535 would keep. */
			n.cut++;
			r = check_frame(t, data, RUN_CUT_LEN, &hv);
		}
		if (r != RUN_OK)
			continue;
		n.geneve += hv.verdict == GNV_GENEVE;
		n.malformed += hv.verdict == GNV_MALFORMED;
	}
	pcap_close(p);
	printf("  %-40s %3d packets, %3d geneve, %d malformed, %d paged, "
	       "%d cut\n", strrchr(path, '/') + 1, n.packets, n.geneve,
	       n.malformed, n.paged, n.cut);
	sum->packets += n.packets;
	sum->geneve += n.geneve;
}

static int is_capture(const struct dirent *d)
{
	const char *dot = strrchr(d->d_name, '.');

	return dot && (!strcmp(dot, ".pcap") || !strcmp(dot, ".pcapng"));
}

static void test_captures(struct tracer *t, const char *dir)
{
	struct capture_tally sum = {};
	struct dirent **names;
	int n;

	test_case("captures in %s", dir);
	if (!set_filter(t, ""))
		return;
	n = scandir(dir, &names, is_capture, alphasort);
	if (!ASSERT_GT(n, 0, "captures found"))
		return;
	printf("captures in %s (paged: over a page, in several buffers; cut: "
	       "too many for test_run, run cut to %u bytes):\n", dir,
	       RUN_CUT_LEN);
	for (int i = 0; i < n; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		run_capture(t, path, &sum);
		free(names[i]);
	}
	free(names);
	test_case("captures in %s", dir);
	ASSERT_GT(sum.packets, 0, "capture packets");
	ASSERT_GT(sum.geneve, 0, "geneve packets in captures");
}

/*
 * A ring buffer of 16 KiB holds about 40 events: a thousand matches must
 * overflow it, and every match is either received or counted as lost.
 */
static void test_ring_full(void)
{
	__u64 before[GNV_STAT_MAX], after[GNV_STAT_MAX], lost, matched;
	__u8 data[FRAME_MAX];
	struct tracer t;
	int retval;
	size_t len;

	test_case("kern: full ring buffer");
	if (!tracer_open(&t, 4096 * 4, GENEVE_UDP_PORT, 0, ""))
		goto out;
	len = make_frame(NULL, NULL, data);
	read_stats(&t, before);
	if (!len || !ASSERT_OK(run(&t, data, len, 1000, &retval), "test_run"))
		goto out;
	ring_buffer__consume(t.bpf.rb);
	read_stats(&t, after);
	lost = after[GNV_STAT_LOST] - before[GNV_STAT_LOST];
	matched = after[GNV_STAT_MATCHED] - before[GNV_STAT_MATCHED];
	ASSERT_EQ(matched, 1000, "matched");
	ASSERT_GT(lost, 0, "lost");
	ASSERT_GT(t.n_events, 0, "events received");
	ASSERT_EQ(lost + t.n_events, matched, "lost + received == matched");
	ASSERT_EQ(t.bad_sizes, 0, "event sizes");
out:
	tracer_close(&t);
}

/*
 * A VM's port: the programs that take its frames as the inner ones, run
 * on every inner Ethernet frame of the captures, in both directions, the
 * port bound to OVN keys as a live run binds it (the test run's device is
 * the loopback, ifindex 1). The host's inner stage on the same bytes, with
 * the same keys, and its filter, must agree field by field.
 */
#define PORT_DP		70000
#define PORT_KEY	32766

struct port_tracer {
	struct tracer t;
	int fd[2];		/* XDP, TC */
	int reversed;		/* an OVS internal port: XDP out, TC in */
};

static void check_port_frame(struct port_tracer *pt, const __u8 *in,
			     size_t len)
{
	for (int hook = 0; hook < 2; hook++) {
		int dir = hook ^ pt->reversed;
		struct xdp_md xdp = { .data_end = len, .ingress_ifindex = 1 };
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in,
			    .data_size_in = len);
		const struct gnv_filter *f = &pt->t.filter;
		struct gnv_pkt want = {};
		struct gnv_id_parts parts;
		int verdict, match;

		want.vm_port = 1;
		want.geneve_proto = ETH_P_TEB;
		want.vni = PORT_DP;
		want.flags = GNV_F_OVN;
		if (dir == GNV_DIR_IN)
			want.ovn_inport = PORT_KEY;
		else
			want.ovn_outport = PORT_KEY;
		verdict = gnv_parse_inner_at(in, in + len, 0, &want, &parts,
					     GNV_FIELDS_ALL);
		gnv_pkt_set_id(&want, &parts);
		match = verdict == GNV_GENEVE &&
			gnv_filter_match(f, &want, &(struct gnv_frame){
						 in, len, len });
		if (hook == 0) {
			opts.ctx_in = &xdp;
			opts.ctx_size_in = sizeof(xdp);
		}
		pt->t.n_events = 0;
		if (!ASSERT_OK(bpf_prog_test_run_opts(pt->fd[hook], &opts),
			       hook ? "test_run tc_port_egress" :
				      "test_run xdp_port_ingress"))
			return;
		ring_buffer__consume(pt->t.bpf.rb);
		if (!ASSERT_EQ(pt->t.n_events, match, dir ? "events out" :
							    "events in") ||
		    !match)
			continue;
		assert_pkt_eq(&pt->t.events[0].pkt, &want);
		ASSERT_EQ(pt->t.events[0].dir, dir, "dir");
		ASSERT_EQ(pt->t.events[0].pkt_len, len, "pkt_len");
	}
}

static void test_vm_ports(const char *dir, const char *filter, int reversed)
{
	struct gnv_bpf_opts o = {};
	struct port_tracer pt = { .reversed = reversed };
	struct dirent **names;
	int n, frames = 0;

	test_case("vm ports%s, filter '%s'", reversed ? " (reversed)" : "",
		  filter);
	if (!compile(filter, GENEVE_UDP_PORT, &o.filter))
		return;
	pt.t.filter = o.filter;
	if (!ASSERT_OK(gnv_bpf_load(&pt.t.bpf, &o, GNV_PROG_PORT_IN |
				    GNV_PROG_PORT_OUT, on_event, &pt.t),
		       "gnv_bpf_load") ||
	    !ASSERT_OK(gnv_bpf_set_vm_port(&pt.t.bpf, 1, &(struct gnv_vm_port){
				.dp_key = PORT_DP, .port_key = PORT_KEY,
				.reversed = reversed }),
		       "gnv_bpf_set_vm_port"))
		goto out;
	pt.fd[0] = bpf_program__fd(gnv_bpf_prog(&pt.t.bpf, GNV_PROG_PORT_IN));
	pt.fd[1] = bpf_program__fd(gnv_bpf_prog(&pt.t.bpf, GNV_PROG_PORT_OUT));
	n = scandir(dir, &names, is_capture, alphasort);
	for (int i = 0; i < n; i++) {
		char path[4096], errbuf[PCAP_ERRBUF_SIZE];
		struct pcap_pkthdr *h;
		const u_char *data;
		pcap_t *p;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		p = pcap_open_offline(path, errbuf);
		if (!p || pcap_datalink(p) != DLT_EN10MB) {
			if (p)
				pcap_close(p);
			free(names[i]);
			continue;
		}
		while (pcap_next_ex(p, &h, &data) == 1) {
			struct gnv_pkt outer;
			size_t off;

			/*
			 * Geneve frames' inner Ethernet frames, whole, up to
			 * a VM's MTU of 1500: test_run takes an skb of a page
			 * at most (jumbo frames: test_jumbo()).
			 */
			if (gnv_parse_frame(data, data + h->caplen, GNV_LINK_ETH,
					    GENEVE_UDP_PORT, 0, &outer) !=
				    GNV_GENEVE ||
			    !(outer.flags & GNV_F_INNER_ETH) ||
			    h->caplen != h->len)
				continue;
			off = (size_t)outer.opts_off + outer.opts_len;
			if (h->caplen - off > ETH_FRAME_LEN)
				continue;
			test_case("vm ports, filter '%s': %s packet", filter,
				  names[i]->d_name);
			check_port_frame(&pt, data + off, h->caplen - off);
			frames++;
		}
		pcap_close(p);
		free(names[i]);
	}
	free(names);
	test_case("vm ports, filter '%s'", filter);
	ASSERT_GT(frames, 50, "inner frames run through the port programs");
out:
	gnv_bpf_close(&pt.t.bpf);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : DEFAULT_CAPTURES;
	struct tracer t;

	test_case("setup");
	ASSERT_EQ(pkt_fields_size(), sizeof(struct gnv_pkt), "field table");
	if (!ASSERT_EQ(geteuid(), 0, "running as root"))
		return test_summary();
	if (tracer_open(&t, 1 << 20, GENEVE_UDP_PORT, 0, NULL)) {
		test_kern_cases(&t);
		test_counters(&t);
		test_truncations(&t);
		test_captures(&t, dir);
		test_case("teardown");
		ASSERT_EQ(t.bad_sizes, 0, "event sizes");
	}
	tracer_close(&t);
	test_kern_cases_compiled();
	test_port();
	test_port_table();
	test_tcp_clock();
	test_bfd_snap();
	test_vm_ports(dir, "", 0);
	test_vm_ports(dir, "(vni 70000 and inport 32766 and icmp) or "
		      "outport 32766 and tcp[tcpflags] & tcp-syn != 0", 0);
	test_vm_ports(dir, "inport 32766 or outport 32766 and icmp", 1);
	test_jumbo();
	test_ring_full();
	return test_summary();
}
