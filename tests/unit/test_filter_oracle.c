// SPDX-License-Identifier: MIT
/*
 * The filter against libpcap, tcpdump's own compiler: random expressions
 * from a grammar of tcpdump's primitives (with values the frames carry),
 * gnvtrace's vni/inport/outport/lport, "and", "or", "not" and
 * parentheses in every spelling, run by gnvtrace's compiler and matcher
 * on Geneve frames, and by libpcap on the same frames' inner Ethernet
 * frames. Every expression must pick the same frames.
 *
 * What libpcap is asked: an expression of tcpdump's words alone is
 * compiled whole (so that its precedence is libpcap's too); one with
 * gnvtrace's words is evaluated leaf by leaf, libpcap answering for each
 * of tcpdump's primitives, the VNI and OVN's ports read from the parsed
 * packet, and the tree combined here.
 *
 * gnvtrace looks through an inner frame's VLAN tags, which tcpdump would
 * need "vlan and" for: the inner frames given to libpcap are untagged,
 * and "vlan" is left out of the grammar (test_filter.c has it). IPv6
 * extension headers gnvtrace walks and libpcap's "ip6 proto" does not:
 * such frames are left out.
 *
 *   test_filter_oracle [CAPTURES_DIR] [EXPRESSIONS] [SEED]
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>

#include "filter.h"
#include "gnvtrace.h"
#include "parse.h"
#include "filter/filter_compile.h"
#include "filter/inner_frame.h"
#include "lab/traffic.h"
#include "test_util.h"

#define MAX_FRAMES	4096
#define MIX_FRAMES	3000
#define FRAME_MAX	2048
#define MAX_LEAVES	12
#define DEFAULT_EXPRS	3000

struct frame {
	struct gnv_pkt pkt;
	__u8 inner[FRAME_MAX];	/* the inner frame, untagged */
	__u32 inner_len;
};

static struct frame frames[MAX_FRAMES];
static int n_frames;

/* Values the frames carry, for primitives that match some of them. */
static struct {
	char hosts[64][48];
	int n_hosts;
	__u16 ports[64];
	int n_ports;
	char macs[32][18];
	int n_macs;
} seen;

static __u64 rng = 0x9e3779b97f4a7c15ULL;

static unsigned int roll(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

static void remember(const struct gnv_pkt *p)
{
	char buf[48];

	if (p->inner_family && seen.n_hosts < 64) {
		inet_ntop(p->inner_family == 4 ? AF_INET : AF_INET6,
			  roll(2) ? p->inner_src : p->inner_dst, buf,
			  sizeof(buf));
		strcpy(seen.hosts[seen.n_hosts++], buf);
	}
	if ((p->flags & GNV_F_INNER_L4) && seen.n_ports < 64 &&
	    (p->inner_proto == 6 || p->inner_proto == 17))
		seen.ports[seen.n_ports++] = roll(2) ? p->sport : p->dport;
	if ((p->flags & GNV_F_INNER_ETH) && seen.n_macs < 32) {
		const __u8 *m = roll(2) ? p->inner_eth_src : p->inner_eth_dst;

		snprintf(seen.macs[seen.n_macs++], 18,
			 "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
			 m[3], m[4], m[5]);
	}
}

/*
 * A Geneve frame with an inner Ethernet frame: kept, with that frame
 * untagged for libpcap (gnv_inner_frame).
 */
static void add_frame(const __u8 *data, __u32 len)
{
	struct frame *f = &frames[n_frames];

	if (n_frames == MAX_FRAMES)
		return;
	if (gnv_parse_frame(data, data + len, GNV_LINK_ETH, GENEVE_UDP_PORT,
			    0, &f->pkt) != GNV_GENEVE)
		return;
	f->inner_len = gnv_inner_frame(data, len, &f->pkt, f->inner,
				       sizeof(f->inner));
	if (f->inner_len < 14 || gnv_inner_ipv6_ext(f->inner, f->inner_len))
		return;
	remember(&f->pkt);
	n_frames++;
}

static void load_mix(void)
{
	__u8 buf[FRAME_MAX];

	for (int i = 0; i < MIX_FRAMES; i++) {
		struct traffic_frame tf;
		const __u8 *frame;
		size_t len;

		traffic_mix(&tf, i, 7);
		len = traffic_build(&tf, buf, sizeof(buf), &frame);
		if (len)
			add_frame(frame, len);
	}
}

static void load_captures(const char *dir)
{
	char path[4096], errbuf[PCAP_ERRBUF_SIZE];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct pcap_pkthdr *h;
		const u_char *data;
		pcap_t *p;

		if (!strstr(de->d_name, ".pcap"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		p = pcap_open_offline(path, errbuf);
		if (!p)
			continue;
		if (pcap_datalink(p) == DLT_EN10MB)
			while (pcap_next_ex(p, &h, &data) == 1)
				add_frame(data, h->caplen);
		pcap_close(p);
	}
	closedir(d);
}

/* An expression tree: leaves are primitives, as text. */
enum op { LEAF, AND, OR, NOT };

struct node {
	enum op op;
	int a, b;
	char text[96];
	int val_at;		/* where its value starts; 0: it has none */
	int pcap;		/* tcpdump's word: libpcap answers */
	struct bpf_program prog;
};

struct expr {
	struct node n[4 * MAX_LEAVES];
	int nn, leaves, gnv_leaves;
};

static const char *host(void)
{
	return seen.n_hosts ? seen.hosts[roll(seen.n_hosts)] : "10.0.0.1";
}

static unsigned int port(void)
{
	return seen.n_ports && roll(4) ? seen.ports[roll(seen.n_ports)] :
	       roll(2) ? 53 : 80;
}

/* "src net N/len" around a host seen: its address, host bits cleared. */
static void net_text(char *out, size_t len, const char *side, const char *h)
{
	int v6 = strchr(h, ':') != NULL;
	unsigned int plen = v6 ? 16 * (1 + roll(7)) : 8 * (1 + roll(4));
	__u8 a[16];
	char net[48];

	inet_pton(v6 ? AF_INET6 : AF_INET, h, a);
	for (unsigned int i = 0; i < (v6 ? 16u : 4u); i++)
		if (i * 8 >= plen)
			a[i] = 0;
	inet_ntop(v6 ? AF_INET6 : AF_INET, a, net, sizeof(net));
	snprintf(out, len, "%snet %s/%u", side, net, plen);
}

static void leaf_text(struct node *n)
{
	static const char *const sides[] = { "", "src ", "dst " };
	static const char *const protos[] = { "", "tcp ", "udp " };
	static const char *const names[] = { "http", "domain", "ssh" };
	unsigned int lo, k = roll(19);
	char *sp;

	n->pcap = 1;
	switch (k) {
	case 0: snprintf(n->text, sizeof(n->text), "icmp"); break;
	case 1: snprintf(n->text, sizeof(n->text), "icmp6"); break;
	case 2: snprintf(n->text, sizeof(n->text), "%s", roll(2) ? "tcp" : "udp"); break;
	case 3: snprintf(n->text, sizeof(n->text), "arp"); break;
	case 4: snprintf(n->text, sizeof(n->text), "%s", roll(2) ? "ip" : "ip6"); break;
	case 5:
		snprintf(n->text, sizeof(n->text), "%shost %s",
			 sides[roll(3)], host());
		break;
	case 6:
		net_text(n->text, sizeof(n->text), sides[roll(3)], host());
		break;
	case 7:
		snprintf(n->text, sizeof(n->text), "%s%sport %u",
			 protos[roll(3)], sides[roll(3)], port());
		break;
	case 8:
		lo = port();
		snprintf(n->text, sizeof(n->text), "%s%sportrange %u-%u",
			 protos[roll(3)], sides[roll(3)], lo > 100 ? lo - 100 : 0,
			 lo + roll(200));
		break;
	case 9:
		snprintf(n->text, sizeof(n->text), "%s%sport %s",
			 protos[roll(3)], sides[roll(3)], names[roll(3)]);
		break;
	case 10:
		snprintf(n->text, sizeof(n->text), "%sproto %u",
			 roll(3) ? "" : roll(2) ? "ip " : "ip6 ",
			 (unsigned int[]){ 1, 6, 17, 58 }[roll(4)]);
		break;
	case 11:
		snprintf(n->text, sizeof(n->text), "ether %s %s",
			 (const char *[]){ "host", "src", "dst" }[roll(3)],
			 seen.n_macs ? seen.macs[roll(seen.n_macs)] :
			 "fa:16:3e:00:00:01");
		break;
	case 12:
		snprintf(n->text, sizeof(n->text), "%s",
			 (const char *[]){ "broadcast", "multicast",
					   "ether broadcast", "ether multicast",
					   "ip multicast", "ip6 multicast" }[roll(6)]);
		return;
	default:	/* gnvtrace's words */
		n->pcap = 0;
		snprintf(n->text, sizeof(n->text), "%s %u",
			 (const char *[]){ "vni", "inport", "outport", "lport",
					   "vni", "inport" }[k - 13],
			 k == 13 || k == 17 ? (unsigned int[]){ 5, 7, 1, 2 }[roll(4)] :
			 1 + roll(8));
	}
	/* Its value is its last word, after the qualifiers. */
	sp = k >= 5 ? strrchr(n->text, ' ') : NULL;
	n->val_at = sp ? (int)(sp - n->text) + 1 : 0;
}

static int gen(struct expr *e, int depth)
{
	int i = e->nn++, r = roll(10);

	memset(&e->n[i], 0, sizeof(e->n[i]));
	if (depth == 0 || e->leaves >= MAX_LEAVES - 2 || r < 4) {
		e->n[i].op = LEAF;
		leaf_text(&e->n[i]);
		e->leaves++;
		e->gnv_leaves += !e->n[i].pcap;
		return i;
	}
	if (r == 4) {
		e->n[i].op = NOT;
		e->n[i].a = gen(e, depth - 1);
		return i;
	}
	e->n[i].op = r < 7 ? AND : OR;
	e->n[i].a = gen(e, depth - 1);
	e->n[i].b = gen(e, depth - 1);
	return i;
}

/*
 * As tcpdump reads it: "and" and "or" equal and from the left, so a left
 * operand needs no parentheses and a right one that is itself "and" or
 * "or" does; now and then more than needed, and each word in one of its
 * spellings.
 */
/* The leaf printed last, whose qualifiers a bare value may take. */
static const struct node *last_leaf;
/*
 * Nothing printed yet in the group just opened: libpcap's grammar takes a
 * group that starts with a bare value only when bare values follow it
 * ("(53 or udp)", "(!1 or ...)" are syntax errors), so none starts one.
 */
static int group_start;
static int n_short;	/* values printed alone */

static int same_quals(const struct node *a, const struct node *b)
{
	return a && a->val_at && a->val_at == b->val_at &&
	       !strncmp(a->text, b->text, a->val_at);
}

/*
 * tcpdump's shorthand, where libpcap takes it: a leaf right after "and",
 * "or" or "not", unparenthesised, with the qualifiers of the leaf printed
 * just before it, as its value alone ("host a or b"). 1 when printed.
 */
static int short_leaf(const struct expr *e, int i, char *out, size_t len,
		      const char *before)
{
	const struct node *n = &e->n[i];

	if (n->op != LEAF || group_start || !same_quals(last_leaf, n) ||
	    roll(2) || !strncmp(n->text, "ether ", 6) ||
	    strstr(n->text, "portrange"))
		return 0;
	snprintf(out, len, "%s%s", before, n->text + n->val_at);
	last_leaf = n;
	n_short++;
	return 1;
}

static void print(const struct expr *e, int i, char *out, size_t len);

/*
 * A node printed inside parentheses: as in libpcap, the qualifiers a bare
 * value may take are those from before the group once it is closed.
 */
static void print_group(const struct expr *e, int i, char *out, size_t len)
{
	const struct node *before = last_leaf;

	group_start = 1;
	print(e, i, out, len);
	group_start = 0;
	last_leaf = before;
}

static void print(const struct expr *e, int i, char *out, size_t len)
{
	const struct node *n = &e->n[i];
	char a[1900], b[1900];
	int extra = !roll(8), group;

	switch (n->op) {
	case LEAF:
		snprintf(out, len, extra ? "(%s)" : "%s", n->text);
		if (!extra)
			last_leaf = n;
		group_start = 0;
		return;
	case NOT:
		if (short_leaf(e, n->a, out, len, roll(2) ? "not " : "!"))
			return;
		group = e->n[n->a].op == AND || e->n[n->a].op == OR;
		if (group)
			print_group(e, n->a, a, sizeof(a));
		else
			print(e, n->a, a, sizeof(a));
		snprintf(out, len, group ? "%s(%s)" : "%s%s",
			 roll(2) ? "not " : "!", a);
		return;
	default:
		print(e, n->a, a, sizeof(a));
		if (short_leaf(e, n->b, b, sizeof(b), "")) {
			snprintf(out, len, "%s %s %s", a, n->op == AND ? "and" :
				 "or", b);
			return;
		}
		group = e->n[n->b].op == AND || e->n[n->b].op == OR || extra;
		if (group)
			print_group(e, n->b, b, sizeof(b));
		else
			print(e, n->b, b, sizeof(b));
		snprintf(out, len, group ? "%s %s (%s)" : "%s %s %s", a,
			 n->op == AND ? (roll(2) ? "and" : "&&") :
			 (roll(2) ? "or" : "||"), b);
	}
}

static pcap_t *dead;

/* Not optimised: the optimiser refuses what can never match. */
static int compile_pcap(struct bpf_program *prog, const char *text)
{
	return pcap_compile(dead, prog, text, 0, PCAP_NETMASK_UNKNOWN);
}

/* gnvtrace's words, read off the parsed packet. */
static int gnv_leaf(const char *text, const struct gnv_pkt *p)
{
	char word[16];
	unsigned int v;
	int ovn = p->flags & GNV_F_OVN;

	if (sscanf(text, "%15s %u", word, &v) != 2)
		return -1;
	if (!strcmp(word, "vni"))
		return p->vni == v;
	if (!strcmp(word, "inport"))
		return ovn && p->ovn_inport == v;
	if (!strcmp(word, "outport"))
		return ovn && p->ovn_outport == v;
	return ovn && (p->ovn_inport == v || p->ovn_outport == v);
}

static int eval(const struct expr *e, int i, const struct frame *f)
{
	const struct node *n = &e->n[i];
	struct pcap_pkthdr h = { .caplen = f->inner_len, .len = f->inner_len };

	switch (n->op) {
	case LEAF:
		return n->pcap ? pcap_offline_filter(&n->prog, &h, f->inner) != 0 :
		       gnv_leaf(n->text, &f->pkt);
	case NOT:
		return !eval(e, n->a, f);
	case AND:
		return eval(e, n->a, f) && eval(e, n->b, f);
	default:
		return eval(e, n->a, f) || eval(e, n->b, f);
	}
}

static int mismatches, shown, matched_any, compiled, refused;

static void differ(const char *fmt, const char *text, const char *why)
{
	if (shown++ < 10)
		fprintf(stderr, fmt, text, why);
	mismatches++;
}

/* libpcap's programs for the expression's leaves, and the whole when pure. */
static int compile_all(struct expr *e, const char *text, int pure,
		       struct bpf_program *whole, const char **why)
{
	int n = 0;

	for (int i = 0; i < e->nn; i++) {
		struct node *nd = &e->n[i];

		if (nd->op != LEAF || !nd->pcap)
			continue;
		if (compile_pcap(&nd->prog, nd->text)) {
			*why = pcap_geterr(dead);
			break;
		}
		nd->pcap = 2;	/* compiled: freed below */
		n++;
	}
	if (*why)
		return -1;
	if (pure && compile_pcap(whole, text)) {
		*why = pcap_geterr(dead);
		return -1;
	}
	return n;
}

static void free_all(struct expr *e)
{
	for (int i = 0; i < e->nn; i++)
		if (e->n[i].op == LEAF && e->n[i].pcap == 2)
			pcap_freecode(&e->n[i].prog);
}

static void check_expr(void)
{
	struct expr e = { 0 };
	struct bpf_program whole;
	struct gnv_filter gf;
	char text[4096], err[256];
	char *argv[] = { text };
	const char *why = NULL;
	int root = gen(&e, 1 + roll(4)), pure, ours, theirs;

	last_leaf = NULL;
	print(&e, root, text, sizeof(text));
	pure = !e.gnv_leaves;
	ours = gnv_filter_compile(1, argv, GENEVE_UDP_PORT, &gf, err,
				  sizeof(err));
	theirs = compile_all(&e, text, pure, &whole, &why);
	/* More primitives than a program holds: gnvtrace's own limit. */
	if (ours && strstr(err, "primitives")) {
		refused++;
	} else if (ours && theirs < 0) {
		refused++;	/* both refuse it */
	} else if (ours) {
		differ("  '%s': gnvtrace refuses it: %s\n", text, err);
	} else if (theirs < 0) {
		differ("  '%s': libpcap refuses it: %s\n", text, why);
	} else {
		compiled++;
		for (int k = 0; k < n_frames; k++) {
			const struct frame *f = &frames[k];
			struct pcap_pkthdr h = { .caplen = f->inner_len,
						 .len = f->inner_len };
			int want = pure ? pcap_offline_filter(&whole, &h,
							      f->inner) != 0 :
				   eval(&e, root, f);
			int got = gnv_filter_match(&gf, &f->pkt, NULL);

			matched_any += got;
			if (got != want) {
				char why_k[64];

				snprintf(why_k, sizeof(why_k), "frame %d: "
					 "gnvtrace %d, libpcap %d", k, got, want);
				differ("  '%s': %s\n", text, why_k);
				break;
			}
		}
	}
	free_all(&e);
	if (pure && theirs >= 0)
		pcap_freecode(&whole);
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[2]) : DEFAULT_EXPRS;

	if (argc > 3)
		rng ^= strtoull(argv[3], NULL, 0) * 0x2545f4914f6cdd1dULL;

	dead = pcap_open_dead(DLT_EN10MB, 65535);
	load_mix();
	load_captures(argc > 1 ? argv[1] : "../shared/captures");
	test_case("oracle: the frames");
	ASSERT_GT(n_frames, 1000, "Geneve frames with an inner Ethernet frame");
	test_case("oracle: %d random expressions against libpcap on %d "
		  "frames", n, n_frames);
	for (int i = 0; i < n; i++)
		check_expr();
	printf("# %d expressions compiled and run, %d matches in all, %d "
	       "refused by both or past %d primitives; %d values alone "
	       "(tcpdump's \"host a or b\")\n", compiled, matched_any,
	       refused, GNV_MAX_TERMS, n_short);
	ASSERT_GT(n_short, n / 100, "tcpdump's shorthand tried");
	ASSERT_GT(compiled, n * 9 / 10, "expressions compiled");
	ASSERT_GT(matched_any, 0, "something matched");
	ASSERT_EQ(mismatches, 0, "expressions where gnvtrace and libpcap differ");
	pcap_close(dead);
	return test_summary();
}
