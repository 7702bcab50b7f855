// SPDX-License-Identifier: MIT
/*
 * Per-packet cost of the XDP program, measured by BPF_PROG_TEST_RUN beside
 * reference programs in the same run: an empty one, and the least any
 * Geneve tracer must do (tools/bench_ref.bpf.c: a UDP port compared; the
 * Geneve header and OVN's option read); then gnvtrace on a frame that is
 * not Geneve, a Geneve frame the filter rejects, and a Geneve frame that
 * matches and emits an event, with its options; then the user-space
 * formatters on that event, and the journey joiner on sightings made
 * from it. Each figure is the median of three runs of a million; targets
 * are ratios to rows of the same run. GNV_BENCH_ROWS=N measures the first
 * N rows only. Needs root.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "gnvtrace.h"
#include "filter/filter_compile.h"
#include "kernel/loader.h"
#include "lib/clock.h"
#include "ovn/ovn_names.h"
#include "lab/pktcraft.h"
#include "output/format.h"
#include "journey/journey.h"
#include "journey/journey_json.h"
#include "gnvtrace.skel.h"
#include "tools/bench_ref.skel.h"

#define REPEAT		1000000
#define CHUNK		100000		/* runs between ring drains */
#define ROUNDS		5
#define RB_SIZE		(64 << 20)	/* a chunk of events is ~41 MB */
#define FRAME_MAX	9216	/* a jumbo frame */

struct bench {
	struct gnv_bpf bpf;		/* loaded for one case at a time */
	struct gnv_bpf base_bpf;	/* and its base, when gnvtrace's */
	__u64 events, lost;
	struct gnv_event last;	/* for the formatters */
};

struct frame {
	__u8 data[FRAME_MAX];
	size_t len;
};

/* What a case runs: gnvtrace's program, or a reference. */
enum bench_prog {
	PROG_GNVTRACE,
	PROG_EMPTY,		/* r0 = XDP_PASS */
	PROG_REF_UDP,		/* tools/bench_ref.bpf.c */
	PROG_REF_GENEVE,
	PROG_REF_INNER,
	PROG_REFS,
};

struct bench_case {
	const char *name;
	const char *filter;	/* NULL: icmp */
	enum bench_prog prog;
	const struct frame *frame;
	double max_ratio;	/* target as a multiple of the empty program */
	int hist;		/* --hist: GNV_HIST_* */
	int no_events;		/* -q: nothing pushed to the ring buffer */
	int interpreted;	/* the filter from .bss, as OVN names make it */
	__u32 mtu;		/* the device's MTU the kernel knows; 0: none */
	int show_maps;		/* print the kernel's map memory of the run */
	int base;		/* not 0: the case compared with, in turns */
	double max_vs_base;	/* target as a multiple of case base */
	double ns;		/* result */
	double vs_base;		/* to its base, measured in turns with it */
	__u32 verified;		/* instructions the verifier walked */
};

static int count_event(void *ctx, void *data, size_t size)
{
	struct bench *b = ctx;

	b->events++;
	if (size == sizeof(b->last))
		memcpy(&b->last, data, size);
	return 0;
}

/* The reference: r0 = XDP_PASS; exit. */
static int load_empty_prog(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "empty", "GPL", insns, 2, NULL);
}

/*
 * gnvtrace's program loaded for case c into bpf: what --hist and -q set
 * is rodata, fixed at load, as in a real run.
 */
static int open_bench(struct bench *b, struct gnv_bpf *bpf,
		      const struct bench_case *c)
{
	const char *filter = c->filter ? c->filter : "icmp";
	struct gnv_bpf_opts o = {
		.hist = c->hist,
		.echo_timeout_ns = 5000000000ULL,
		.no_events = c->no_events,
		.rb_size = RB_SIZE,
		.filter_interpreted = c->interpreted,
	};
	char words[512], err[256], *argv[] = { words };

	snprintf(words, sizeof(words), "%s", filter);
	/* "": no filter at all, as the exporter runs. */
	if (gnv_filter_compile(filter[0] ? 1 : 0, argv, GENEVE_UDP_PORT,
			       &o.filter, err, sizeof(err))) {
		fprintf(stderr, "bench: filter: %s\n", err);
		return -1;
	}
	if (gnv_bpf_load(bpf, &o, GNV_PROG_XDP_IN, count_event, b))
		return -1;
	/* BPF_PROG_TEST_RUN's XDP frames arrive on the loopback device. */
	return c->mtu ? gnv_bpf_set_mtu(bpf, if_nametoindex("lo"), c->mtu) : 0;
}

static __u32 verified_insns(int prog_fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(prog_fd, &info, &len) ? 0 :
	       info.verified_insns;
}

static int build(struct frame *f, void (*setup)(struct pkt_spec *s))
{
	struct pkt_spec s;

	pkt_spec_default(&s);
	if (setup)
		setup(&s);
	f->len = pkt_build(&s, f->data, sizeof(f->data));
	return f->len ? 0 : -1;
}

/* IPv4 UDP to port 53: the parser stops at the port, whatever follows. */
static void udp_53(struct pkt_spec *s)
{
	s->outer_dport = 53;
}

static void inner_tcp(struct pkt_spec *s)
{
	s->inner_proto = IPPROTO_TCP;
	s->sport = 40000;
	s->dport = 443;
	s->tcp_flags = 0x10;
	s->payload_len = 0;
}

/*
 * Average ns per packet over REPEAT runs of each of n programs (fd[i] on
 * frame f[i]) into ns[i], their chunks in turns; the rings are drained
 * after each chunk. 0, or -1 when a run fails.
 */
static int measure(struct bench *b, int n, const int *fd,
		   const struct frame *const *f, double *ns)
{
	__u64 total[2] = { 0, 0 };

	for (int done = 0; done < REPEAT; done += CHUNK) {
		for (int i = 0; i < n; i++) {
			LIBBPF_OPTS(bpf_test_run_opts, opts,
				    .data_in = f[i]->data,
				    .data_size_in = f[i]->len,
				    .repeat = CHUNK,
			);

			if (bpf_prog_test_run_opts(fd[i], &opts) ||
			    opts.retval != XDP_PASS)
				return -1;
			total[i] += opts.duration;	/* ns per run */
			if (b->bpf.rb)
				ring_buffer__consume(b->bpf.rb);
			if (b->base_bpf.rb)
				ring_buffer__consume(b->base_bpf.rb);
		}
	}
	for (int i = 0; i < n; i++)
		ns[i] = (double)total[i] / (REPEAT / CHUNK);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v)
{
	qsort(v, ROUNDS, sizeof(v[0]), cmp_double);
	return v[ROUNDS / 2];
}

/*
 * The case's ns, the median of ROUNDS; with a base program (base_fd >= 0)
 * measured in turns with it, chunk by chunk, the median of the rounds'
 * ratios in *vs_base: the host's slow spells (other guests) then weigh on
 * both alike.
 */
static double rounds(struct bench *b, int prog_fd, const struct frame *f,
		     int base_fd, const struct frame *base_f, double *vs_base)
{
	const int fd[2] = { prog_fd, base_fd };
	const struct frame *const frames[2] = { f, base_f };
	double ns[ROUNDS], ratio[ROUNDS], got[2];
	int n = base_fd >= 0 ? 2 : 1;

	for (int i = 0; i < ROUNDS; i++) {
		if (measure(b, n, fd, frames, got))
			return -1;
		ns[i] = got[0];
		ratio[i] = n == 2 ? got[0] / got[1] : 1;
	}
	if (n == 2)
		*vs_base = median(ratio);
	return median(ns);
}

/* Events the loaded programs (the case's, its base's) could not push. */
static __u64 lost_events(const struct bench *b)
{
	struct gnv_counts c = { 0 };

	if (b->bpf.skel)	/* a reference has none */
		gnv_bpf_add_counts(&b->bpf, &c);
	if (b->base_bpf.skel)
		gnv_bpf_add_counts(&b->base_bpf, &c);
	return c.v[GNV_STAT_LOST];
}

/*
 * A row: the cost, its ratio to the empty program and to the row it is
 * judged against, the target(s) and whether they hold.
 */
static int print_row(const struct bench_case *cases, int i)
{
	const struct bench_case *c = &cases[i];
	double empty_ns = cases[0].ns;
	char target[48] = "", vs[32] = "";
	int pass = 1, n = 0;

	if (c->base)
		snprintf(vs, sizeof(vs), "%.2fx r%d", c->vs_base, c->base + 1);
	if (c->max_vs_base) {
		n += snprintf(target, sizeof(target), "<= %.3gx r%d",
			      c->max_vs_base, c->base + 1);
		pass = c->vs_base <= c->max_vs_base;
	}
	if (c->max_ratio) {
		snprintf(target + n, sizeof(target) - n, "%s%.3gx r1",
			 n ? ", " : "<= ", c->max_ratio);
		pass &= c->ns <= c->max_ratio * empty_ns;
	}
	printf("%2d %-42s %7.1f %6.2f %-10s %-17s %-4s %u\n", i + 1, c->name,
	       c->ns, c->ns / empty_ns, vs, target,
	       target[0] ? (pass ? "PASS" : "MISS") : "", c->verified);
	return target[0] && !pass;
}

/*
 * Filters beside 'icmp': tcpdump's words under "or" and parentheses, and
 * twenty primitives that a Geneve TCP packet (VNI 5, 40000 -> 443) runs
 * through to the last before it is rejected.
 */
#define FILTER_F1	"vni 5 and (tcp port 22 or icmp)"
#define FILTER_F20	"(vni 1 or vni 2 or vni 3 or vni 4 or vni 5) and " \
	"(port 22 or port 80 or port 53 or port 8080 or port 443) and " \
	"not (host 10.9.9.1 or host 10.9.9.2 or host 10.9.9.3 or " \
	"host 10.9.9.4) and (inport 7 or outport 7 or lport 9 or icmp or " \
	"arp or udp)"
/* A byte expression: libpcap's program, reading the frame by helper. */
#define FILTER_B	"tcp[tcpflags] & tcp-syn != 0"
/* A map's memory as the kernel charges it (fdinfo's memlock), in bytes. */
static unsigned long long map_memlock(int fd)
{
	unsigned long long bytes = 0;
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", &bytes) == 1)
			break;
	fclose(f);
	return bytes;
}

/* Each map of the run just measured over 1 MiB, and all of them. */
static void print_maps(const struct bench *b)
{
	unsigned long long total = 0, bytes;
	struct bpf_map *m;

	printf("kernel memory of the exporter's mode (%d CPUs; the bench's "
	       "ring buffer is %d MiB):\n ", libbpf_num_possible_cpus(),
	       RB_SIZE >> 20);
	bpf_object__for_each_map(m, b->bpf.skel->obj) {
		bytes = map_memlock(bpf_map__fd(m));
		total += bytes;
		if (bytes >= 1 << 20)
			printf(" %s %.1f MiB,", bpf_map__name(m),
			       bytes / 1048576.0);
	}
	printf(" in all %.1f MiB\n", total / 1048576.0);
}

/* c's program into bpf, or the reference's loaded once: its fd, or -1. */
static int case_prog(struct bench *b, struct gnv_bpf *bpf, const int *ref_fd,
		     const struct bench_case *c)
{
	if (c->prog != PROG_GNVTRACE)
		return ref_fd[c->prog];
	if (open_bench(b, bpf, c)) {
		fprintf(stderr, "bench: cannot load the program for '%s'\n",
			c->name);
		return -1;
	}
	return bpf_program__fd(gnv_bpf_prog(bpf, GNV_PROG_XDP_IN));
}

/*
 * One case: its program loaded as a run would load it, measured (in
 * turns with its base's, when it has one), closed; or one of the
 * references, ref_fd[c->prog], loaded once.
 */
static int run_case(struct bench *b, const int *ref_fd, struct bench_case *c,
		    const struct bench_case *base)
{
	int prog_fd = case_prog(b, &b->bpf, ref_fd, c), base_fd = -1;

	if (prog_fd >= 0 && c->base)
		base_fd = case_prog(b, &b->base_bpf, ref_fd, base);
	if (prog_fd < 0 || (c->base && base_fd < 0)) {
		c->ns = -1;
		goto out;
	}
	c->verified = verified_insns(prog_fd);
	c->ns = rounds(b, prog_fd, c->frame, base_fd, base->frame,
		       &c->vs_base);
	b->lost += lost_events(b);
	if (c->show_maps)
		print_maps(b);
	if (c->ns < 0)
		fprintf(stderr, "bench: test_run failed for '%s'\n", c->name);
out:
	gnv_bpf_close(&b->bpf);
	gnv_bpf_close(&b->base_bpf);
	return c->ns < 0 ? -1 : 0;
}

/* Every case measured, then the table; the number of targets missed. */
static int run_cases(struct bench *b, const int *ref_fd,
		     struct bench_case *cases, int n)
{
	int missed = 0;

	for (int i = 0; i < n; i++)
		if (run_case(b, ref_fd, &cases[i], &cases[cases[i].base]))
			return -1;
	printf("   %-42s %7s %6s %-10s %-17s %-4s %s\n", "case (filter 'icmp')",
	       "ns/pkt", "x r1", "x its row", "target", "", "verified insns");
	for (int i = 0; i < n; i++)
		missed += print_row(cases, i);
	return missed;
}

/*
 * OVN's names for the benchmark event's keys, as ovn-sbctl lists them: its
 * datapath (VNI 5), both ports (1 -> 3) and both chassis (by the outer
 * addresses), so that a formatter looks up every name it can print.
 */
static const char bench_names[] =
	"{\"data\":[[[\"uuid\",\"00000000-0000-0000-0000-000000000001\"],"
	"[\"map\",[[\"name\",\"net1\"]]],5]],"
	"\"headings\":[\"_uuid\",\"external_ids\",\"tunnel_key\"]}\n"
	"{\"data\":[[[\"uuid\",\"00000000-0000-0000-0000-000000000002\"],"
	"[\"uuid\",\"00000000-0000-0000-0000-000000000001\"],\"vm1\",1],"
	"[[\"uuid\",\"00000000-0000-0000-0000-000000000003\"],"
	"[\"uuid\",\"00000000-0000-0000-0000-000000000001\"],\"vm2\",3]],"
	"\"headings\":[\"_uuid\",\"datapath\",\"logical_port\",\"tunnel_key\"]}\n"
	"{\"data\":[[[\"uuid\",\"00000000-0000-0000-0000-000000000004\"],"
	"\"ch-119\",\"172.17.2.119\",\"geneve\"],"
	"[[\"uuid\",\"00000000-0000-0000-0000-000000000005\"],"
	"\"ch-143\",\"172.17.2.143\",\"geneve\"]],"
	"\"headings\":[\"_uuid\",\"chassis_name\",\"ip\",\"type\"]}\n"
	"{\"data\":[[[\"uuid\",\"00000000-0000-0000-0000-000000000006\"],"
	"[\"uuid\",\"00000000-0000-0000-0000-000000000004\"],\"compute-0\","
	"\"ch-119\"],[[\"uuid\",\"00000000-0000-0000-0000-000000000007\"],"
	"[\"uuid\",\"00000000-0000-0000-0000-000000000005\"],\"compute-1\","
	"\"ch-143\"]],"
	"\"headings\":[\"_uuid\",\"encaps\",\"hostname\",\"name\"]}\n";

static struct gnv_ovn_names *load_bench_names(void)
{
	char path[] = "/tmp/gnv-bench-names.XXXXXX", err[256];
	struct gnv_ovn_names *n = gnv_ovn_names_new();
	int fd = mkstemp(path), ok;

	ok = n && fd >= 0 &&
	     write(fd, bench_names, sizeof(bench_names) - 1) ==
	     (ssize_t)sizeof(bench_names) - 1 &&
	     !gnv_ovn_names_load(n, path, err, sizeof(err));
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	if (!ok) {
		fprintf(stderr, "bench: OVN names: %s\n", err);
		gnv_ovn_names_free(n);
		return NULL;
	}
	return n;
}

/* ns per event for a formatter writing REPEAT events to /dev/null. */
static double format_ns(const struct gnv_event *ev, enum gnv_format mode,
			const struct gnv_ovn_names *names)
{
	FILE *null = fopen("/dev/null", "w");
	struct gnv_fmt f;
	__u64 start;

	if (!null)
		return -1;
	gnv_fmt_init(&f, null, mode, 0, 1);
	f.names = names;
	start = gnv_mono_ns();
	for (int i = 0; i < REPEAT; i++)
		gnv_format_event(&f, ev, NULL, 0);
	gnv_fmt_close(&f);
	start = gnv_mono_ns() - start;
	fclose(null);
	return (double)start / REPEAT;
}

static double format_median(const struct gnv_event *ev, enum gnv_format mode,
			    const struct gnv_ovn_names *names)
{
	double ns[ROUNDS];

	for (int i = 0; i < ROUNDS; i++)
		ns[i] = format_ns(ev, mode, names);
	qsort(ns, ROUNDS, sizeof(ns[0]), cmp_double);
	return ns[ROUNDS / 2];
}

/* The event as one JSON line, to show that the names are found. */
static void show_json(const struct gnv_event *ev,
		      const struct gnv_ovn_names *names)
{
	struct gnv_fmt f;

	gnv_fmt_init(&f, stdout, GNV_OUT_JSON, 0, 1);
	f.names = names;
	gnv_format_event(&f, ev, NULL, 0);
	gnv_fmt_close(&f);
}

static void bench_format(const struct gnv_event *ev)
{
	struct gnv_ovn_names *names = load_bench_names();
	static const struct {
		const char *name;
		enum gnv_format mode;
		int names;
	} fmts[] = {
		{ "gnv_format_json", GNV_OUT_JSON, 0 },
		{ "gnv_format_text", GNV_OUT_TEXT, 0 },
		{ "gnv_format_json, OVN names", GNV_OUT_JSON, 1 },
		{ "gnv_format_text, OVN names", GNV_OUT_TEXT, 1 },
	};

	printf("\nuser space: the matching event formatted to /dev/null\n\n");
	printf("%-34s %8s %14s\n", "formatter", "ns/event", "events/s");
	for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		double ns;

		if (fmts[i].names && !names)
			continue;
		ns = format_median(ev, fmts[i].mode,
				   fmts[i].names ? names : NULL);
		if (ns > 0)
			printf("%-34s %8.1f %14.0f\n", fmts[i].name, ns,
			       1e9 / ns);
	}
	if (names) {
		printf("\nthe event, named:\n");
		show_json(ev, names);
	}
	gnv_ovn_names_free(names);
}

/*
 * The joiner's work per sighting: REPEAT sightings, a packet seen at the
 * four points of a crossing (a VM's port and a NIC on each of two nodes),
 * a microsecond apart, journeys closing as they go idle (a timeout of
 * 1 ms, so a few thousand are open at a time). ns per sighting.
 */
static void count_journey(void *ctx, const struct gnv_joiner *j,
			  const struct gnv_journey *jr)
{
	(void)j;
	*(__u64 *)ctx += jr->n;
}

static double joiner_ns(const struct gnv_event *ev)
{
	struct gnv_joiner *j = malloc(sizeof(*j));
	struct gnv_pkt p = ev->pkt;
	__u64 start, joined = 0;
	int pt[4], a, b;

	if (!j)
		return -1;
	gnv_joiner_init(j, 1000000, count_journey, &joined);
	a = gnv_joiner_node(j, "ch1");
	b = gnv_joiner_node(j, "ch2");
	pt[0] = gnv_joiner_point(j, a, "tap1", GNV_DIR_IN, GNV_POINT_VM_PORT,
				 "vm1");
	pt[1] = gnv_joiner_point(j, a, "eth1", GNV_DIR_OUT, GNV_POINT_NIC,
				 NULL);
	pt[2] = gnv_joiner_point(j, b, "eth1", GNV_DIR_IN, GNV_POINT_NIC,
				 NULL);
	pt[3] = gnv_joiner_point(j, b, "tap2", GNV_DIR_OUT, GNV_POINT_VM_PORT,
				 "vm2");
	start = gnv_mono_ns();
	for (int i = 0; i < REPEAT; i++) {
		p.pkt_id = i / 4 + 1;
		gnv_joiner_add(j, pt[i % 4], 1000000000ULL + i * 1000ULL, &p,
			       ev->pkt_len);
		if (i % 4 == 3)
			gnv_joiner_expire(j, 0, false);
	}
	gnv_joiner_expire(j, 0, true);
	start = gnv_mono_ns() - start;
	gnv_joiner_free(j);
	free(j);
	return joined == REPEAT ? (double)start / REPEAT : -1;
}

/*
 * A joiner of other chassis' streams reads JSON first: ns per event line
 * (the event as a live run writes it) read back into a sighting.
 */
static double json_read_ns(const struct gnv_event *ev)
{
	struct gnv_json_line *l = malloc(sizeof(*l));
	char *line = NULL, err[128];
	size_t len = 0;
	struct gnv_fmt f;
	__u64 start;
	FILE *mem;
	int ok = 1;

	mem = open_memstream(&line, &len);
	if (!l || !mem) {
		free(l);
		return -1;
	}
	gnv_fmt_init(&f, mem, GNV_OUT_JSON, 0, 1);
	gnv_format_event(&f, ev, NULL, 0);
	gnv_fmt_close(&f);
	fclose(mem);
	start = gnv_mono_ns();
	for (int i = 0; i < REPEAT / 10 && ok; i++)
		ok = !gnv_json_line_parse(line, len, l, err, sizeof(err));
	start = gnv_mono_ns() - start;
	free(line);
	free(l);
	return ok ? (double)start / (REPEAT / 10) : -1;
}

static void bench_journey(const struct gnv_event *ev)
{
	double ns[ROUNDS];

	for (int i = 0; i < ROUNDS; i++)
		ns[i] = joiner_ns(ev);
	qsort(ns, ROUNDS, sizeof(ns[0]), cmp_double);
	if (ns[ROUNDS / 2] <= 0)
		return;
	printf("\nuser space: the journey joiner, 4 sightings a packet\n\n");
	printf("%-34s %8.1f %14.0f   target >= 1000000/s: %s\n",
	       "gnv_joiner_add", ns[ROUNDS / 2], 1e9 / ns[ROUNDS / 2],
	       1e9 / ns[ROUNDS / 2] >= 1e6 ? "PASS" : "MISS");
	for (int i = 0; i < ROUNDS; i++)
		ns[i] = json_read_ns(ev);
	qsort(ns, ROUNDS, sizeof(ns[0]), cmp_double);
	if (ns[ROUNDS / 2] > 0)
		printf("%-34s %8.1f %14.0f\n", "gnv_json_line_parse, an event",
		       ns[ROUNDS / 2], 1e9 / ns[ROUNDS / 2]);
}

/*
 * A full frame of a 1500-byte underlay MTU, and of a 9000-byte one (three
 * buffers to XDP): headers (Ethernet, IPv4, UDP, Geneve with OVN's option,
 * inner Ethernet, IPv4, ICMP) take 100 bytes, the rest is payload.
 */
#define HEADERS_LEN	100

static void mtu_1500(struct pkt_spec *s)
{
	s->payload_len = ETH_HLEN + 1500 - HEADERS_LEN;
}

static void mtu_9000(struct pkt_spec *s)
{
	s->payload_len = ETH_HLEN + 9000 - HEADERS_LEN;
}

/* A TCP SYN announcing its MSS: --hist size judges it against the MTU. */
static void syn_mss(struct pkt_spec *s)
{
	inner_tcp(s);
	s->tcp_flags = 0x02;
	s->tcp_mss = 1460;
}

/* A TCP segment of 1000 bytes of data: --hist tcp follows its flow. */
static void tcp_data(struct pkt_spec *s)
{
	inner_tcp(s);
	s->tcp_flags = 0x18;
	s->tcp_seq = 1000;
	s->payload_len = 1000;
}

/* ICMP "fragmentation needed", MTU 1400: --hist size counts it. */
static void too_big(struct pkt_spec *s)
{
	s->icmp_type = 3;
	s->icmp_code = 4;
	s->icmp_seq = 1400;
}

/* ICMP that is no echo: --hist rtt only looks at it. */
static void unreachable(struct pkt_spec *s)
{
	s->icmp_type = 3;
	s->icmp_code = 1;
}

/*
 * The frames: not Geneve, Geneve that "icmp" rejects, and that it takes
 * (an echo request, and an ICMP error).
 */
struct frames {
	struct frame other, tcp, icmp, unreach, icmp1500, icmp9000, syn,
		     too_big, tcp_data;
};

#define ARRAY_LEN(a)	(int)(sizeof(a) / sizeof((a)[0]))

/* GNV_BENCH_ROWS=N: the first N rows only, while tuning one of them. */
static int rows_wanted(int n)
{
	const char *env = getenv("GNV_BENCH_ROWS");
	int want = env ? atoi(env) : 0;

	return want > 0 && want < n ? want : n;
}

/* Rows by number (1-based, as printed), for the cases' bases. */
#define ROW(n)	((n) - 1)

static int bench_all(struct bench *b, const int *ref_fd,
		     const struct frames *f)
{
	const int all = GNV_HIST_SIZE | GNV_HIST_RTT | GNV_HIST_TCP;
	/* The ICMP frame is an echo request: --hist rtt remembers each. */
	struct bench_case cases[] = {
		/* 1-3: the references */
		{ .name = "empty XDP program", .prog = PROG_EMPTY,
		  .frame = &f->icmp },
		{ .name = "reference: UDP port compared, counted",
		  .prog = PROG_REF_UDP, .frame = &f->other },
		{ .name = "reference: + Geneve, OVN's option read",
		  .prog = PROG_REF_GENEVE, .frame = &f->tcp },
		/* 4-6: gnvtrace's three outcomes */
		{ .name = "not Geneve (IPv4 UDP to port 53)",
		  .frame = &f->other, .base = ROW(2), .max_vs_base = 1.2,
		  .max_ratio = 2 },
		{ .name = "Geneve TCP, filter rejects",
		  .frame = &f->tcp, .base = ROW(3), .max_vs_base = 1.5 },
		{ .name = "Geneve+OVN ICMP, match + event",
		  .frame = &f->icmp },
		/* 7-14: what --hist adds */
		{ .name = "  + --hist size",
		  .frame = &f->icmp, .hist = GNV_HIST_SIZE, .base = ROW(6),
		  .max_vs_base = 1.3 },
		{ .name = "  + --hist all, ICMP error",
		  .frame = &f->unreach, .hist = all, .base = ROW(6),
		  .max_vs_base = 1.3 },
		{ .name = "  + --hist all, echo request",
		  .frame = &f->icmp, .hist = all, .base = ROW(6),
		  .max_vs_base = 1.3 },
		{ .name = "  + --hist size, a 'too big' (MTU)",
		  .frame = &f->too_big, .hist = GNV_HIST_SIZE, .base = ROW(7),
		  .max_vs_base = 1.05 },
		{ .name = "Geneve TCP SYN, 'tcp' + --hist size",
		  .filter = "tcp", .frame = &f->syn, .hist = GNV_HIST_SIZE },
		{ .name = "  + its MSS judged against MTU 1500",
		  .filter = "tcp", .frame = &f->syn, .hist = GNV_HIST_SIZE,
		  .mtu = 1500, .base = ROW(11), .max_vs_base = 1.05 },
		{ .name = "Geneve TCP data, 'tcp' + --hist size",
		  .filter = "tcp", .frame = &f->tcp_data,
		  .hist = GNV_HIST_SIZE },
		{ .name = "  + --hist tcp (its flow followed)",
		  .filter = "tcp", .frame = &f->tcp_data,
		  .hist = GNV_HIST_SIZE | GNV_HIST_TCP, .base = ROW(13),
		  .max_vs_base = 1.2 },
		/*
		 * 15-18: the exporter's mode (-q --hist all), on the usual
		 * packet, a TCP segment, and on an echo request, which
		 * reads the clock.
		 */
		{ .name = "Geneve TCP data, match, -q (no event)",
		  .filter = "", .frame = &f->tcp_data, .no_events = 1 },
		{ .name = "  + --hist all (the exporter's mode)",
		  .filter = "", .frame = &f->tcp_data, .hist = all,
		  .no_events = 1, .base = ROW(15), .max_vs_base = 1.5,
		  .show_maps = 1 },
		{ .name = "Geneve+OVN ICMP, match, -q (no event)",
		  .filter = "", .frame = &f->icmp, .no_events = 1 },
		{ .name = "  + --hist all, an echo request",
		  .filter = "", .frame = &f->icmp, .hist = all,
		  .no_events = 1, .base = ROW(17) },
		/* 19-20: frames past the first buffer */
		{ .name = "1514-byte frame, match + event",
		  .frame = &f->icmp1500, .base = ROW(6), .max_vs_base = 1.05 },
		{ .name = "9014-byte frame (3 buffers), match + event",
		  .frame = &f->icmp9000, .base = ROW(6),
		  .max_vs_base = 1.05 },
		/*
		 * 21-26: filters, their terms' cost judged against one term
		 * run the same way: "icmp" (row 5) runs none, its verdicts
		 * looked up by protocol.
		 */
		{ .name = "Geneve TCP, 'port 22' rejects (1 term run)",
		  .filter = "port 22", .frame = &f->tcp },
		{ .name = "Geneve TCP, F1 rejects", .filter = FILTER_F1,
		  .frame = &f->tcp, .base = ROW(21), .max_vs_base = 1.5 },
		{ .name = "Geneve TCP, F20 rejects (20 terms run)",
		  .filter = FILTER_F20, .frame = &f->tcp, .base = ROW(21),
		  .max_vs_base = 1.5 },
		{ .name = "Geneve+OVN ICMP, F1 matches + event",
		  .filter = FILTER_F1, .frame = &f->icmp, .base = ROW(29),
		  .max_vs_base = 1.1 },
		{ .name = "Geneve TCP, F20 rejects, interpreted",
		  .filter = FILTER_F20, .frame = &f->tcp, .interpreted = 1,
		  .base = ROW(21) },
		{ .name = "Geneve TCP, byte expression B",
		  .filter = FILTER_B, .frame = &f->tcp, .base = ROW(21) },
		/*
		 * 27-28: row 5 beside a reference that also checks the inner
		 * headers as gnvtrace does and decides "icmp" in registers:
		 * what one parser whose filter reads a parsed packet costs
		 * beyond that (no target: the is r3's).
		 */
		{ .name = "reference: + inner headers checked, icmp",
		  .prog = PROG_REF_INNER, .frame = &f->tcp },
		{ .name = "Geneve TCP, filter rejects (row 5)",
		  .frame = &f->tcp, .base = ROW(27) },
		/*
		 * 29: row 24's base, a match of one term run the same way as
		 * F1's terms ("icmp", row 6, is decided by its table).
		 */
		{ .name = "Geneve+OVN ICMP, one term matches + event",
		  .filter = "icmp-type echo-request", .frame = &f->icmp },
	};
	int missed;

	printf("XDP program cost by BPF_PROG_TEST_RUN, median of %d runs of "
	       "%d packets\nF1: '%s'\nF20: '%s'\nB: '%s'\n\n", ROUNDS,
	       REPEAT, FILTER_F1, FILTER_F20, FILTER_B);
	missed = run_cases(b, ref_fd, cases, rows_wanted(ARRAY_LEN(cases)));
	if (missed < 0)
		return -1;
	printf("\nevents: %llu received, %llu lost (ring buffer of %d MiB)\n",
	       (unsigned long long)b->events,
	       (unsigned long long)b->lost, RB_SIZE >> 20);
	if (b->events) {
		bench_format(&b->last);
		bench_journey(&b->last);
	}
	return missed;
}

/* The references: the empty program, and tools/bench_ref.bpf.c's. */
static struct bench_ref_bpf *load_refs(int *ref_fd)
{
	struct bench_ref_bpf *refs = bench_ref_bpf__open_and_load();

	ref_fd[PROG_GNVTRACE] = -1;
	ref_fd[PROG_EMPTY] = load_empty_prog();
	if (!refs || ref_fd[PROG_EMPTY] < 0) {
		fprintf(stderr, "bench: cannot load the reference programs\n");
		bench_ref_bpf__destroy(refs);
		return NULL;
	}
	ref_fd[PROG_REF_UDP] = bpf_program__fd(refs->progs.ref_udp_port);
	ref_fd[PROG_REF_GENEVE] = bpf_program__fd(refs->progs.ref_geneve_ovn);
	ref_fd[PROG_REF_INNER] = bpf_program__fd(refs->progs.ref_geneve_inner);
	return refs;
}

int main(void)
{
	struct bench b = {};
	struct frames f;
	struct bench_ref_bpf *refs;
	int ref_fd[PROG_REFS], missed;

	if (geteuid() != 0) {
		fprintf(stderr, "bench: must run as root\n");
		return 1;
	}
	if (build(&f.other, udp_53) || build(&f.tcp, inner_tcp) ||
	    build(&f.icmp, NULL) || build(&f.unreach, unreachable) ||
	    build(&f.icmp1500, mtu_1500) || build(&f.icmp9000, mtu_9000) ||
	    build(&f.syn, syn_mss) || build(&f.too_big, too_big) ||
	    build(&f.tcp_data, tcp_data)) {
		fprintf(stderr, "bench: cannot build the frames\n");
		return 1;
	}
	refs = load_refs(ref_fd);
	if (!refs)
		return 1;
	missed = bench_all(&b, ref_fd, &f);
	close(ref_fd[PROG_EMPTY]);
	bench_ref_bpf__destroy(refs);
	if (missed > 0)
		printf("\nbench: %d target%s missed\n", missed,
		       missed > 1 ? "s" : "");
	return missed < 0;
}
