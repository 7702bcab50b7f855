// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the filter: gnv_filter_compile's words, their
 * errors, and gnv_filter_match on frames built by pktcraft.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "gnvtrace.h"
#include "filter/filter_compile.h"
#include "fixtures.h"
#include "test_util.h"
#include "unit_frames.h"

/* The filter: frames to match against. */
enum frame_kind {
	FR_ICMP, FR_ICMP6, FR_TCP, FR_UDP, FR_ARP, FR_VLAN, FR_OUTER6,
	FR_REPLY, FR_NO_OVN, FR_VXLAN, FR_INNER_VLAN, FR_MAX,
};

static const struct {
	const char *name;
	setup_fn setup;
} frames[FR_MAX] = {
	[FR_ICMP] = { "icmp", NULL },
	[FR_ICMP6] = { "icmp6", inner6 },
	[FR_TCP] = { "tcp", tcp },
	[FR_UDP] = { "udp", udp },
	[FR_ARP] = { "arp", arp },
	[FR_VLAN] = { "vlan 100,200", vlan2 },
	[FR_OUTER6] = { "ipv6 underlay", outer6 },
	[FR_REPLY] = { "echo reply", icmp_reply },
	[FR_NO_OVN] = { "no ovn option", no_opts },
	[FR_VXLAN] = { "ovn vxlan", ovn_vxlan },
	[FR_INNER_VLAN] = { "inner vlan 42", inner_vlan },
};

struct match_case {
	const char *filter;
	enum frame_kind frame;
	int match;
};

static const struct match_case match_cases[] = {
	{ "", FR_ICMP, 1 }, { "", FR_ARP, 1 },
	{ "icmp", FR_ICMP, 1 }, { "icmp", FR_ICMP6, 0 }, { "icmp", FR_TCP, 0 },
	{ "icmp6", FR_ICMP6, 1 }, { "icmp6", FR_ICMP, 0 },
	{ "tcp", FR_TCP, 1 }, { "tcp", FR_UDP, 0 },
	{ "udp", FR_UDP, 1 }, { "udp", FR_TCP, 0 },
	{ "arp", FR_ARP, 1 }, { "arp", FR_ICMP, 0 },
	{ "vni 5", FR_ICMP, 1 }, { "vni 0x5", FR_ICMP, 1 },
	{ "vni 6", FR_ICMP, 0 },
	{ "inport 1", FR_ICMP, 1 }, { "inport 3", FR_ICMP, 0 },
	{ "inport 0", FR_NO_OVN, 0 },
	{ "outport 3", FR_ICMP, 1 }, { "outport 1", FR_ICMP, 0 },
	{ "outport 0", FR_NO_OVN, 0 },
	{ "lport 1", FR_ICMP, 1 }, { "lport 3", FR_ICMP, 1 },
	{ "lport 2", FR_ICMP, 0 }, { "lport 0", FR_NO_OVN, 0 },
	{ "host 192.168.0.166", FR_ICMP, 1 }, { "host 192.168.0.20", FR_ICMP, 1 },
	{ "host 192.168.0.21", FR_ICMP, 0 }, { "host 192.168.0.20", FR_ARP, 1 },
	{ "host fd00::2", FR_ICMP6, 1 }, { "host fd00::3", FR_ICMP6, 0 },
	{ "host fd00::2", FR_ICMP, 0 }, { "host 172.17.2.119", FR_ICMP, 0 },
	{ "src host 192.168.0.166", FR_ICMP, 1 },
	{ "src host 192.168.0.20", FR_ICMP, 0 },
	{ "dst host 192.168.0.20", FR_ICMP, 1 },
	{ "dst host 192.168.0.166", FR_ICMP, 0 },
	{ "src host fd00::1", FR_ICMP6, 1 }, { "dst host fd00::1", FR_ICMP6, 0 },
	{ "src net 192.168.0.0/24", FR_ICMP, 1 },
	{ "net 192.168.0.0/24", FR_ICMP, 1 }, { "net 192.168.1.0/24", FR_ICMP, 0 },
	{ "net 0.0.0.0/0", FR_ICMP, 1 },
	{ "net 0.0.0.0/0", FR_ICMP6, 0 },
	{ "net fd00::/64", FR_ICMP6, 1 }, { "net fd01::/16", FR_ICMP6, 0 },
	{ "net fd00::/64", FR_ICMP, 0 },
	{ "outer host 172.17.2.143", FR_ICMP, 1 },
	{ "outer host 192.168.0.20", FR_ICMP, 0 },
	{ "outer host 2001:db8::1", FR_OUTER6, 1 },
	{ "outer host 2001:db8::1", FR_ICMP, 0 },
	{ "outer net 172.17.0.0/16", FR_ICMP, 1 },
	{ "outer src host 172.17.2.119", FR_ICMP, 1 },
	{ "outer dst host 172.17.2.119", FR_ICMP, 0 },
	{ "outer dst host 172.17.2.143", FR_ICMP, 1 },
	{ "outer src host 172.17.2.143", FR_ICMP, 0 },
	{ "outer src net 172.17.2.0/24", FR_ICMP, 1 },
	{ "outer dst host 2001:db8::2", FR_OUTER6, 1 },
	{ "outer dst host 2001:db8::1", FR_OUTER6, 0 },
	{ "vni 0xabc", FR_VXLAN, 1 }, { "outport 0x7fe", FR_VXLAN, 1 },
	{ "lport 0x7fe", FR_VXLAN, 1 }, { "inport 0", FR_VXLAN, 0 },
	{ "lport 0", FR_VXLAN, 0 }, { "not inport 0", FR_VXLAN, 1 },
	{ "outer vlan 100", FR_VLAN, 1 }, { "outer vlan 200", FR_VLAN, 1 },
	{ "outer vlan 300", FR_VLAN, 0 }, { "outer vlan 100", FR_ICMP, 0 },
	/*
	 * vlan is tcpdump's, on the inner frame: its tag (ID 42 here);
	 * inner words look through it, as they always did.
	 */
	{ "vlan", FR_INNER_VLAN, 1 }, { "vlan 42", FR_INNER_VLAN, 1 },
	{ "vlan 100", FR_INNER_VLAN, 0 }, { "vlan", FR_VLAN, 0 },
	{ "vlan and icmp", FR_INNER_VLAN, 1 }, { "icmp", FR_INNER_VLAN, 1 },
	{ "icmp-type echo-request", FR_ICMP, 1 },
	{ "icmp-type echo-request", FR_ICMP6, 1 },
	{ "icmp-type echo-request", FR_REPLY, 0 },
	{ "icmp-type echo-request", FR_TCP, 0 },
	{ "icmp-type echo-reply", FR_REPLY, 1 },
	{ "icmp-type echo-reply", FR_ICMP, 0 },
	{ "icmp-type 8", FR_ICMP, 1 }, { "icmp-type 8", FR_REPLY, 0 },
	{ "icmp-type 8", FR_ICMP6, 0 }, { "icmp-type 128", FR_ICMP6, 1 },
	{ "not icmp", FR_ICMP, 0 }, { "not icmp", FR_TCP, 1 },
	{ "not outer vlan 100", FR_ICMP, 1 },
	{ "icmp and vni 5", FR_ICMP, 1 }, { "icmp and vni 6", FR_ICMP, 0 },
	{ "tcp and vni 5", FR_ICMP, 0 },
	{ "not icmp and not arp", FR_UDP, 1 },
	{ "not icmp and not arp", FR_ARP, 0 },
	{ "icmp and host 192.168.0.20 and inport 1 and vni 5", FR_ICMP, 1 },
	{ "icmp and host 192.168.0.20 and not inport 1", FR_ICMP, 0 },
	/* tcpdump's words for the inner frame (tcp: 40000 -> 80). */
	{ "port 80", FR_TCP, 1 }, { "port 40000", FR_TCP, 1 },
	{ "port 81", FR_TCP, 0 }, { "port 80", FR_ICMP, 0 },
	{ "tcp port 80", FR_TCP, 1 }, { "udp port 80", FR_TCP, 0 },
	{ "src port 40000", FR_TCP, 1 }, { "src port 80", FR_TCP, 0 },
	{ "dst port 80", FR_TCP, 1 }, { "dst port 40000", FR_TCP, 0 },
	{ "tcp dst port 80", FR_TCP, 1 }, { "tcp src port 80", FR_TCP, 0 },
	{ "port http", FR_TCP, 1 }, { "tcp port http", FR_TCP, 1 },
	{ "port domain", FR_UDP, 1 }, { "udp port 53", FR_UDP, 1 },
	{ "portrange 70-90", FR_TCP, 1 }, { "portrange 90-70", FR_TCP, 1 },
	{ "portrange 81-500", FR_TCP, 0 },
	{ "dst portrange 80-80", FR_TCP, 1 },
	{ "src portrange 1-1000", FR_TCP, 0 },
	{ "ip", FR_ICMP, 1 }, { "ip", FR_ICMP6, 0 }, { "ip", FR_ARP, 0 },
	{ "ip6", FR_ICMP6, 1 }, { "ip6", FR_ICMP, 0 },
	{ "proto 1", FR_ICMP, 1 }, { "proto 6", FR_TCP, 1 },
	{ "ip proto 58", FR_ICMP6, 0 }, { "ip6 proto 58", FR_ICMP6, 1 },
	{ "proto 58", FR_ICMP6, 1 }, { "proto 6", FR_ARP, 0 },
	{ "ether host fa:16:3e:a7:95:87", FR_ICMP, 1 },
	{ "ether src fa:16:3e:a7:95:87", FR_ICMP, 1 },
	{ "ether src host fa:16:3e:a7:95:87", FR_ICMP, 1 },
	{ "ether dst fa:16:3e:a7:95:87", FR_ICMP, 0 },
	{ "ether dst FA:16:3E:1C:42:09", FR_ICMP, 1 },
	/* "or", "not" and parentheses, with tcpdump's precedence. */
	{ "icmp or arp", FR_ICMP, 1 }, { "icmp or arp", FR_ARP, 1 },
	{ "icmp or arp", FR_TCP, 0 }, { "icmp || arp", FR_ARP, 1 },
	{ "tcp && port 80", FR_TCP, 1 }, { "!icmp", FR_ICMP, 0 },
	{ "! icmp", FR_TCP, 1 }, { "not (arp or icmp6)", FR_ICMP, 1 },
	{ "not (arp or icmp6)", FR_ARP, 0 }, { "not(arp or icmp6)", FR_ICMP6, 0 },
	{ "(icmp or icmp6) and not host 8.8.8.8", FR_ICMP6, 1 },
	{ "(icmp or icmp6) and not host 192.168.0.20", FR_ICMP, 0 },
	{ "vni 5 and (tcp port 80 or icmp)", FR_TCP, 1 },
	{ "vni 5 and (tcp port 80 or icmp)", FR_ICMP, 1 },
	{ "vni 5 and (tcp port 22 or icmp)", FR_TCP, 0 },
	{ "vni 6 and (tcp port 80 or icmp)", FR_TCP, 0 },
	{ "inport 1 or outport 1", FR_ICMP, 1 },
	{ "inport 3 or outport 1", FR_ICMP, 0 },
	/* and/or bind equally, from the left: (arp or icmp) and vni 6. */
	{ "arp or icmp and vni 6", FR_ICMP, 0 },
	{ "arp or icmp and vni 6", FR_ARP, 0 },
	{ "arp or (icmp and vni 6)", FR_ARP, 1 },
	{ "not not icmp", FR_ICMP, 1 },
	{ "((((icmp))))", FR_ICMP, 1 },
	{ "not (icmp and vni 5) or tcp", FR_TCP, 1 },
	{ "not (icmp and vni 5) or tcp", FR_ICMP, 0 },
	{ "not (icmp and vni 5) or tcp", FR_UDP, 1 },
	/* tcpdump's shorthand: a bare value takes the qualifiers before. */
	{ "host 10.9.9.9 or 192.168.0.20", FR_ICMP, 1 },
	{ "host 10.9.9.9 or 10.9.9.8", FR_ICMP, 0 },
	{ "tcp dst port 81 or 80", FR_TCP, 1 },
	{ "tcp dst port 81 or 82", FR_TCP, 0 },
	{ "vni 6 or 5", FR_ICMP, 1 }, { "vni 5 and not 6", FR_ICMP, 1 },
	{ "host 192.168.0.20 and not 192.168.0.166", FR_ICMP, 0 },
	{ "port 22 or (80)", FR_TCP, 1 },
	{ "src host 10.9.9.9 or (192.168.0.166)", FR_ICMP, 1 },
	{ "broadcast", FR_ICMP, 0 }, { "not multicast", FR_ICMP, 1 },
	{ "ether multicast", FR_ICMP, 0 }, { "ip multicast", FR_ICMP, 0 },
	{ "ip6 multicast or ip", FR_ICMP, 1 },
};

/*
 * Compiles text either as one argument (a quoted string) or split into
 * one argument per word.
 */
static int compile(const char *text, int split, struct gnv_filter *f,
		   char *err, size_t errlen)
{
	char buf[512], *argv[GNV_MAX_TERMS * 4], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	if (!split) {
		argv[argc++] = buf;
	} else {
		for (char *w = strtok_r(buf, " ", &save); w;
		     w = strtok_r(NULL, " ", &save))
			argv[argc++] = w;
	}
	return gnv_filter_compile(argc, argv, GENEVE_UDP_PORT, f, err, errlen);
}

static void test_match_case(const struct match_case *c,
			    const struct gnv_pkt *pkts)
{
	struct gnv_filter quoted, words;
	char err[256] = "";

	test_case("filter '%s' on %s", c->filter, frames[c->frame].name);
	if (!ASSERT_OK(compile(c->filter, 0, &quoted, err, sizeof(err)),
		       err) ||
	    !ASSERT_OK(compile(c->filter, 1, &words, err, sizeof(err)), err))
		return;
	ASSERT_MEMEQ(&quoted, &words, sizeof(quoted), "quoted == words");
	ASSERT_EQ(quoted.geneve_port, GENEVE_UDP_PORT, "geneve_port");
	ASSERT_EQ(gnv_filter_match(&quoted, &pkts[c->frame], NULL), c->match,
		  "match");
}

static void test_matches(void)
{
	struct gnv_pkt pkts[FR_MAX];

	for (int i = 0; i < FR_MAX; i++) {
		struct frame f;

		test_case("filter frame %s", frames[i].name);
		if (make_frame(frames[i].setup, NULL, &f))
			ASSERT_EQ(parse(&f, f.len, VXLAN_UDP_PORT, &pkts[i]),
				  GNV_GENEVE, "verdict");
	}
	for (size_t i = 0; i < ARRAY_SIZE(match_cases); i++)
		test_match_case(&match_cases[i], pkts);
}

/*
 * What a filter's early parse must fill (gnv_filter_early()): protocols
 * and VNIs alone the least (GNV_FIELDS_PROTO); any term on OVN's keys,
 * addresses, ports, MACs or an unresolved name more; a term on the outer
 * headers or a byte expression none (not early).
 */
static void test_early_fields(void)
{
	static const struct {
		const char *filter;
		int early;
	} cases[] = {
		{ "icmp", GNV_FIELDS_PROTO },
		{ "icmp and vni 5", GNV_FIELDS_PROTO },
		{ "not (arp or icmp6) and ip6 proto 58", GNV_FIELDS_PROTO },
		{ "vlan 42 or ip", GNV_FIELDS_PROTO },
		{ "icmp and port 80", GNV_FIELDS_FILTER },
		{ "tcp or inport 1", GNV_FIELDS_FILTER },
		{ "icmp-type echo-request", GNV_FIELDS_FILTER },
		{ "host 10.0.0.1", GNV_FIELDS_FILTER },
		{ "ether src fa:16:3e:00:00:01", GNV_FIELDS_FILTER },
		{ "icmp and outer host 10.0.0.1", 0 },
		{ "tcp[13] & 2 != 0", 0 },
		{ "", 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct gnv_filter f;
		char err[256] = "";

		test_case("filter '%s': its early parse", cases[i].filter);
		if (ASSERT_OK(compile(cases[i].filter, 0, &f, err, sizeof(err)),
			      err))
			ASSERT_EQ(f.early, cases[i].early, "early fields");
	}
}

/* The verdicts wanted of a protocol list: see test_table(). */
enum { ALL = -1, END = -2 };

static void want_of(const int *list, int *want)
{
	/* ALL first: every protocol taken but those listed after it. */
	for (int p = 0; p < 256; p++)
		want[p] = list[0] == ALL;
	for (int k = 0; k < 4 && list[k] != END; k++)
		if (list[k] >= 0)
			want[list[k]] = list[0] != ALL;
}

/*
 * A filter's table (gnv_filter_table()), against what tcpdump's words
 * mean, written out here: for the VNIs it names and any other, the IPv4
 * and IPv6 protocols taken (every other one rejected), ARP and an
 * ethertype of no IP. A filter reading anything else, or naming more
 * VNIs than the table holds, has none.
 */
static void test_table(void)
{
	static const struct {
		const char *filter;
		__u32 vni;		/* 0: any, else that VNI's verdicts */
		int ipv4[4], ipv6[4];	/* taken, till END */
		int arp, other;
	} cases[] = {
		{ "icmp", 0, { 1, END }, { END }, 0, 0 },
		{ "icmp6", 0, { END }, { 58, END }, 0, 0 },
		{ "arp or udp", 0, { 17, END }, { 17, END }, 1, 0 },
		{ "ip6 and not tcp", 0, { END }, { ALL, 6, END }, 0, 0 },
		{ "not ip", 0, { END }, { ALL, END }, 1, 1 },
		{ "ip proto 47 or ip6 proto 58", 0, { 47, END }, { 58, END },
		  0, 0 },
		{ "not (tcp or udp)", 0, { ALL, 6, 17, END },
		  { ALL, 6, 17, END }, 1, 1 },
		{ "vni 5", 5, { ALL, END }, { ALL, END }, 1, 1 },
		{ "vni 5", 6, { END }, { END }, 0, 0 },
		{ "icmp and vni 5 or vni 7", 5, { 1, END }, { END }, 0, 0 },
		{ "icmp and vni 5 or vni 7", 7, { ALL, END }, { ALL, END },
		  1, 1 },
		{ "icmp and vni 5 or vni 7", 9, { END }, { END }, 0, 0 },
		{ "not vni 1 and arp", 2, { END }, { END }, 1, 0 },
		{ "not vni 1 and arp", 1, { END }, { END }, 0, 0 },
		{ "vni 1 or vni 2 or vni 3 or vni 4", 4, { ALL, END },
		  { ALL, END }, 1, 1 },
	};
	/* Terms on VLANs, ports, none, bytes; five VNIs: no table. */
	static const char *const none[] = {
		"vlan 42 or ip", "tcp port 22", "", "tcp[13] & 2 != 0",
		"vni 1 or vni 2 or vni 3 or vni 4 or vni 5",
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct gnv_verdict_table t;
		const struct gnv_verdicts *v;
		struct gnv_filter f;
		char err[256] = "";
		int want4[256], want6[256];
		__u32 k;

		test_case("filter '%s': its table, VNI %u", cases[i].filter,
			  cases[i].vni);
		if (!ASSERT_OK(compile(cases[i].filter, 0, &f, err, sizeof(err)),
			       err) ||
		    !ASSERT_OK(gnv_filter_table(&f, &t), "table"))
			continue;
		/* The VNI's own verdicts, or those for any it does not name. */
		for (k = 0; k < t.n_vnis && t.vni[k] != cases[i].vni; k++)
			;
		v = &t.by_vni[k];
		want_of(cases[i].ipv4, want4);
		want_of(cases[i].ipv6, want6);
		for (int p = 0; p < 256; p++) {
			if (v->ipv4[p] != want4[p])
				ASSERT_EQ(v->ipv4[p], want4[p], "an IPv4 protocol");
			if (v->ipv6[p] != want6[p])
				ASSERT_EQ(v->ipv6[p], want6[p], "an IPv6 protocol");
		}
		ASSERT_EQ(v->arp, cases[i].arp, "ARP");
		ASSERT_EQ(v->other, cases[i].other, "another ethertype");
	}
	for (size_t i = 0; i < ARRAY_SIZE(none); i++) {
		struct gnv_verdict_table t;
		struct gnv_filter f;
		char err[256] = "";

		test_case("filter '%s': no table", none[i]);
		if (ASSERT_OK(compile(none[i], 0, &f, err, sizeof(err)), err))
			ASSERT_EQ(gnv_filter_table(&f, &t), -1, "none");
	}
}

/* Arguments split differently give the same filter. */
static void test_mixed_args(void)
{
	char a[] = "icmp and", b[] = "vni", c[] = "5", d[] = "icmp and vni 5";
	char *mixed[] = { a, b, c }, *one[] = { d }, err[256] = "";
	struct gnv_filter f1, f2;

	test_case("filter: mixed arguments");
	ASSERT_OK(gnv_filter_compile(3, mixed, 7000, &f1, err, sizeof(err)),
		  err);
	ASSERT_OK(gnv_filter_compile(1, one, 7000, &f2, err, sizeof(err)),
		  err);
	ASSERT_MEMEQ(&f1, &f2, sizeof(f1), "same filter");
	ASSERT_EQ(f1.n_terms, 2, "n_terms");
	ASSERT_EQ(f1.geneve_port, 7000, "geneve_port");
}

struct error_case {
	const char *filter;
	const char *words[2];	/* substrings of the message */
};

#define TERMS_8 "icmp and icmp and icmp and icmp and icmp and icmp and " \
	"icmp and icmp"
#define TERMS_33 TERMS_8 " and " TERMS_8 " and " TERMS_8 " and " TERMS_8 \
	" and icmp"

static const struct error_case error_cases[] = {
	{ "frobnicate", { "frobnicate" } },
	{ "icmp and frobnicate", { "frobnicate" } },
	{ "vni", { "'vni'", "number" } },
	{ "vni five", { "'vni'", "five" } },
	{ "vni 16777216", { "'vni'", "16777216" } },
	{ "vni 5x", { "'vni'", "5x" } },
	{ "inport 32768", { "'inport'", "32768" } },
	{ "vlan -1", { "'vlan'", "-1" } },
	{ "outer vlan", { "'outer vlan'", "number" } },
	{ "port", { "'port'", "port" } },
	{ "port 65536", { "'port'", "65536" } },
	{ "port vm1", { "'port vm1'", "lport" } },
	{ "portrange 10", { "'portrange'", "A-B" } },
	{ "tcp port", { "'port'" } },
	{ "ether host 1:2:3", { "MAC", "1:2:3" } },
	{ "ip proto", { "'proto'", "number" } },
	{ "(icmp", { "')'", "end" } },
	{ "(icmp arp", { "'arp'" } },
	{ "icmp)", { "')'" } },
	{ "()", { "primitive", "')'" } },
	{ "not", { "primitive", "end" } },
	/* As libpcap: no shorthand after a closed group, a MAC or a range. */
	{ "(host 10.0.0.1) or 10.0.0.2", { "'10.0.0.2'" } },
	{ "icmp or 10.0.0.2", { "'10.0.0.2'" } },
	{ "host 10.0.0.1 and (tcp or 10.0.0.2)", { "'10.0.0.2'" } },
	{ "ether host fa:16:3e:00:00:01 or fa:16:3e:00:00:02",
	  { "'fa:16:3e:00:00:02'" } },
	{ "portrange 1-2 or 3-4", { "'3-4'" } },
	{ "ip broadcast", { "netmask" } },
	{ "ether", { "'ether'" } },
	{ "host", { "'host'", "address" } },
	{ "host 300.1.1.1", { "'host'", "300.1.1.1" } },
	{ "src host fd00::g", { "'host'", "fd00::g" } },
	{ "host 10.0.0.0/8", { "'host'", "net" } },
	{ "net 10.0.0.0/33", { "'net'", "10.0.0.0/33" } },
	{ "net fd00::/129", { "'net'", "fd00::/129" } },
	{ "net 10.0.0.0/", { "'net'", "10.0.0.0/" } },
	{ "net 10.0.0.0/x", { "'net'", "10.0.0.0/x" } },
	{ "net 192.168.0.77/24", { "non-network bits", "192.168.0.0/24" } },
	{ "src net fd00::1/64", { "non-network bits", "fd00::/64" } },
	{ "src 10.0.0.1", { "'src'" } },
	{ "outer", { "'outer'" } },
	{ "outer src 10.0.0.1", { "'outer'", "src" } },
	{ "outer chassis compute-0", { "'chassis compute-0'", "--ovn-sb" } },
	{ "inport vm1", { "'inport vm1'", "--ovn-names" } },
	{ "datapath net1", { "'datapath net1'", "--ovn-sb" } },
	{ "icmp tcp", { "'tcp'", "and" } },
	{ "icmp and", { "primitive", "end" } },
	{ "icmp or", { "primitive", "end" } },
	{ "icmp-type bogus", { "'icmp-type'", "bogus" } },
	{ "icmp-type 256", { "'icmp-type'", "256" } },
	{ "icmp-type", { "'icmp-type'" } },
	{ TERMS_33, { "32" } },
	/* Byte expressions: libpcap's message, or why gnvtrace cannot. */
	{ "tcp[13] & 2 !=", { "'tcp[13] & 2 !='", "syntax error" } },
	{ "icmp and ip[1] > ", { "'ip[1] >'", "syntax error" } },
	{ "ip[0x10000] = 1", { "'ip[0x10000] = 1'", "in the kernel" } },
	{ "less 1 or less 2 or less 3 or less 4 or less 5",
	  { "more than 4 byte expressions", "'less 5'" } },
	{ "mpls", { "'mpls'", "not taken yet" } },
};

static void test_error_case(const struct error_case *c)
{
	for (int split = 0; split < 2; split++) {
		char err[256] = "";
		struct gnv_filter f;

		test_case("filter error '%s'%s", c->filter,
			  split ? " (words)" : "");
		ASSERT_EQ(compile(c->filter, split, &f, err, sizeof(err)), -EINVAL,
			  "compile fails");
		for (int i = 0; i < 2 && c->words[i]; i++)
			ASSERT_STRSTR(err, c->words[i], "message");
	}
}

static void test_errors(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(error_cases); i++)
		test_error_case(&error_cases[i]);
}

int main(void)
{
	test_matches();
	test_mixed_args();
	test_early_fields();
	test_table();
	test_errors();
	return test_summary();
}
