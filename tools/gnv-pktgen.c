// SPDX-License-Identifier: MIT
/*
 * gnv-pktgen: writes a named set of crafted frames to a pcap file, for the
 * tests to replay into a veth and to read back with gnvtrace -r.
 *
 *   gnv-pktgen demo FILE
 *   gnv-pktgen rtt FILE
 *   gnv-pktgen mtu FILE
 *   gnv-pktgen bfd FILE
 *   gnv-pktgen mix [-n COUNT] [-s SEED] [-o FILE|-]
 *
 * demo: the demo's frames. rtt: echo exchanges with known round trips.
 * mtu: MTU trouble with known answers (large frames, "too big", SYNs).
 * bfd: two BFD sessions' flaps, with known changes of state.
 * mix: COUNT frames (default 1,000,000) of a
 * cloud underlay's traffic, the same for the same seed (default 1), to
 * FILE or to standard output ("-", the default, when it is not a
 * terminal); the count of each kind goes to standard error.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gnvtrace.h"
#include "lab/traffic.h"

#define FRAME_CAP	2048

struct out {
	const char *path;
	pcap_t *pc;
	pcap_dumper_t *dump;
	__u8 buf[FRAME_CAP];
	unsigned long long frames, bytes;
};

/* What the mix wrote, beyond its kinds. */
struct mix_counts {
	unsigned long kind[TRAFFIC_KINDS];
	unsigned long echo[2];		/* requests, replies */
	unsigned long outer6, vlans[3], inner6, other_opts, opts_first;
	unsigned long icmp4;		/* inner ICMP, not ICMPv6 */
	unsigned long icmp4_plain;	/* that, over untagged IPv4 */
};

static int usage(void)
{
	fprintf(stderr, "usage: gnv-pktgen demo FILE\n"
		"       gnv-pktgen rtt FILE\n"
		"       gnv-pktgen mtu FILE\n"
		"       gnv-pktgen bfd FILE\n"
		"       gnv-pktgen mix [-n COUNT] [-s SEED] [-o FILE|-]\n");
	return 2;
}

static int out_open(struct out *o, const char *path)
{
	o->path = path;
	o->pc = pcap_open_dead(DLT_EN10MB, 65535);
	o->dump = o->pc ? pcap_dump_open(o->pc, path) : NULL;
	if (o->dump)
		return 0;
	fprintf(stderr, "gnv-pktgen: cannot write %s: %s\n", path,
		o->pc ? pcap_geterr(o->pc) : "out of memory");
	if (o->pc)
		pcap_close(o->pc);
	return -1;
}

/* Returns the frame's length, 0 when it does not build. */
static size_t out_frame(struct out *o, const struct traffic_frame *f)
{
	struct pcap_pkthdr h = {
		.ts = { f->ts_us / 1000000, f->ts_us % 1000000 },
	};
	const __u8 *frame;

	h.len = traffic_build(f, o->buf, sizeof(o->buf), &frame);
	if (!h.len)
		return 0;
	h.caplen = h.len;
	pcap_dump((u_char *)o->dump, &h, frame);
	o->frames++;
	o->bytes += h.len;
	return h.len;
}

static int out_close(struct out *o)
{
	int err = pcap_dump_flush(o->dump) || ferror(pcap_dump_file(o->dump));

	if (err)
		fprintf(stderr, "gnv-pktgen: cannot write %s: %s\n", o->path,
			strerror(errno));
	pcap_dump_close(o->dump);
	pcap_close(o->pc);
	return err ? -1 : 0;
}

/* A named set's frames (traffic_demo, _rtt, _mtu, _bfd) to path. */
#define SET_FRAMES	TRAFFIC_BFD_FRAMES
_Static_assert(SET_FRAMES >= TRAFFIC_DEMO_FRAMES &&
	       SET_FRAMES >= TRAFFIC_RTT_FRAMES &&
	       SET_FRAMES >= TRAFFIC_MTU_FRAMES, "SET_FRAMES");

static int write_set(const char *path,
		     int (*make)(struct traffic_frame *, int))
{
	static struct traffic_frame frames[SET_FRAMES];
	int n = make(frames, sizeof(frames) / sizeof(frames[0]));
	struct out o = {};

	if (n < 0 || out_open(&o, path))
		return 1;
	for (int i = 0; i < n; i++)
		out_frame(&o, &frames[i]);
	return out_close(&o) ? 1 : 0;
}

static int other_opts(const struct pkt_spec *s)
{
	int n = 0;

	for (int i = 0; i < s->n_extra_opts; i++)
		n += s->extra_opts[i].cls != OVN_GENEVE_CLASS;
	return n;
}

static void count_frame(struct mix_counts *c, const struct traffic_frame *f)
{
	const struct pkt_spec *s = &f->spec;
	int icmp = f->kind == TRAFFIC_GNV_ICMP;

	c->kind[f->kind]++;
	if (f->strip)		/* not Geneve */
		return;
	c->echo[0] += icmp && (s->icmp_type == 8 || s->icmp_type == 128);
	c->echo[1] += icmp && (s->icmp_type == 0 || s->icmp_type == 129);
	c->outer6 += s->outer_family == 6;
	c->vlans[s->n_vlans]++;
	c->inner6 += s->inner_proto != PKT_ARP && s->inner_family == 6;
	c->other_opts += other_opts(s) > 0;
	c->opts_first += !s->ovn && s->extra_opts[0].cls != OVN_GENEVE_CLASS;
	c->icmp4 += icmp && s->inner_family == 4;
	c->icmp4_plain += icmp && s->inner_family == 4 &&
			  s->outer_family == 4 && !s->n_vlans;
}

static void print_count(const char *name, unsigned long n, const char *note)
{
	fprintf(stderr, "  %-28s %9lu%s\n", name, n, note);
}

static void print_counts(const struct mix_counts *c, const struct out *o,
			 unsigned int seed, double secs)
{
	fprintf(stderr, "gnv-pktgen: %llu frames, %llu bytes, seed %u, "
		"in %.2f s (%.2f M frames/s)\n", o->frames, o->bytes, seed,
		secs, o->frames / secs / 1e6);
	for (int k = 0; k < TRAFFIC_KINDS; k++)
		print_count(traffic_kind_name[k], c->kind[k], "");
	print_count("geneve-echo-request", c->echo[0], "");
	print_count("geneve-echo-reply", c->echo[1], "");
	print_count("geneve-icmp4", c->icmp4, "  (inner ICMP, not ICMPv6)");
	print_count("geneve-icmp4-plain", c->icmp4_plain,
		    "  (of which over untagged IPv4)");
	print_count("geneve-ipv6-underlay", c->outer6, "");
	print_count("geneve-vlan-1-tag", c->vlans[1], "");
	print_count("geneve-vlan-2-tags", c->vlans[2], "");
	print_count("geneve-inner-ipv6", c->inner6, "");
	print_count("geneve-other-options", c->other_opts,
		    "  (other classes beside OVN's)");
	print_count("geneve-other-option-first", c->opts_first,
		    "  (one before OVN's)");
}

static int parse_num(const char *text, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(text, &end, 0);
	return errno || end == text || *end || text[0] == '-' || *v > max ?
	       -1 : 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_mix(const char *path, unsigned long count, unsigned int seed)
{
	struct mix_counts c = {};
	struct traffic_frame f;
	struct out o = {};
	double t0 = now_s();

	if (!strcmp(path, "-") && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "gnv-pktgen: not writing a capture to a "
			"terminal: use -o FILE or a pipe\n");
		return 2;
	}
	if (out_open(&o, path))
		return 1;
	for (unsigned long i = 0; i < count; i++) {
		traffic_mix(&f, i, seed);
		if (!out_frame(&o, &f)) {
			fprintf(stderr, "gnv-pktgen: frame %lu failed\n", i);
			out_close(&o);
			return 1;
		}
		count_frame(&c, &f);
	}
	if (out_close(&o))
		return 1;
	print_counts(&c, &o, seed, now_s() - t0);
	return 0;
}

static int mix_main(int argc, char **argv)
{
	unsigned long count = 1000000, seed = 1;
	const char *path = "-";
	int opt;

	while ((opt = getopt(argc, argv, "n:s:o:")) != -1) {
		switch (opt) {
		case 'n':
			if (parse_num(optarg, -1UL, &count))
				return usage();
			break;
		case 's':
			if (parse_num(optarg, -1U, &seed))
				return usage();
			break;
		case 'o':
			path = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc)
		return usage();
	return write_mix(path, count, seed);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "demo"))
		return write_set(argv[2], traffic_demo);
	if (argc == 3 && !strcmp(argv[1], "rtt"))
		return write_set(argv[2], traffic_rtt);
	if (argc == 3 && !strcmp(argv[1], "mtu"))
		return write_set(argv[2], traffic_mtu);
	if (argc == 3 && !strcmp(argv[1], "bfd"))
		return write_set(argv[2], traffic_bfd);
	if (argc >= 2 && !strcmp(argv[1], "mix"))
		return mix_main(argc - 1, argv + 1);
	return usage();
}
