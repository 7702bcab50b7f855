// SPDX-License-Identifier: MIT
/*
 * Live delivery: events from the kernel's program through the ring buffer
 * to the formatter, as `gnvtrace -i DEV [-o json] icmp` runs them (its
 * ring buffer size, its poll). The producer is BPF_PROG_TEST_RUN on the
 * main thread, pinned to the first CPU and paced to a rate in batches a
 * millisecond apart, or one event at a time for the trickle; the consumer
 * a thread on the second CPU that polls the ring buffer as the live tracer
 * does (a shorter timeout, to tell sooner that all is delivered) and
 * formats each event into /dev/null. For each rate: what was
 * produced, delivered and lost, the consumer's polls that found events
 * (its wake-ups, or its rounds while it stays busy), and its CPU time per
 * event. Targets: nothing lost at 2 M JSON events/s, 3 M text events/s
 * (asked: how many the producer makes beside a reader is its own limit).
 * Needs root and two CPUs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "gnvtrace.h"
#include "filter/filter_compile.h"
#include "kernel/loader.h"
#include "lab/pktcraft.h"
#include "output/format.h"
#include "gnvtrace.skel.h"

#define RUN_NS		1000000000ULL	/* each rate's producing time */
#define TICK_NS		1000000ULL	/* a batch each millisecond */
#define DRAIN_MS	200		/* idle this long: all delivered */

struct consumer {
	struct gnv_bpf bpf;
	struct gnv_fmt fmt;
	pthread_t thread;
	atomic_int stop;
	__u64 events, polls, cpu_ns;	/* polls: those that found events */
};

static __u64 now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int pin(pthread_t t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(t, sizeof(set), &set);
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct gnv_event *ev = data;
	struct consumer *c = ctx;

	if (size < sizeof(*ev) || size < sizeof(*ev) + ev->snap_len)
		return 0;
	c->events++;
	gnv_format_event(&c->fmt, ev, (const __u8 *)(ev + 1), ev->snap_len);
	return 0;
}

/* The live tracer's loop: poll, with its 100 ms timeout, till stopped. */
static void *consume(void *arg)
{
	struct consumer *c = arg;
	__u64 cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	int idle_ms = 0;

	while (!atomic_load(&c->stop) || idle_ms < DRAIN_MS) {
		int n = ring_buffer__poll(c->bpf.rb, 10);

		if (n > 0)
			c->polls++;
		else if (n == 0)
			n = ring_buffer__consume(c->bpf.rb);
		idle_ms = n > 0 ? 0 : idle_ms + 10;
	}
	c->cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	return NULL;
}

/*
 * rate events a second for RUN_NS: in a batch each tick, or (spread) one
 * at a time, evenly spaced. How many were made.
 */
static __u64 produce(int prog_fd, const __u8 *frame, size_t len,
		     __u64 rate, int spread)
{
	__u64 batch = spread ? 1 : rate * TICK_NS / 1000000000ULL, done = 0;
	__u64 start = now_ns(CLOCK_MONOTONIC), next = start;
	__u64 gap = 1000000000ULL / rate;

	while (next < start + RUN_NS) {
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			    .data_in = frame,
			    .data_size_in = len,
			    .repeat = batch,
		);

		if (bpf_prog_test_run_opts(prog_fd, &opts))
			break;
		done += batch;
		next += spread ? gap : TICK_NS;
		if (!spread) {
			struct timespec ts = {
				.tv_sec = next / 1000000000ULL,
				.tv_nsec = next % 1000000000ULL,
			};

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
					NULL);
		} else {
			while (now_ns(CLOCK_MONOTONIC) < next)
				;	/* a sleep this short overshoots */
		}
	}
	return done;
}

/* One rate and format; 1 when its target (none lost) is missed. */
static int run(const __u8 *frame, size_t len, enum gnv_format mode,
	       __u64 rate, int spread, int judged)
{
	struct gnv_bpf_opts o = { .echo_timeout_ns = 5000000000ULL };
	char words[] = "icmp", err[256], *argv[] = { words };
	struct consumer c = { 0 };
	struct gnv_counts counts = { 0 };
	FILE *devnull = fopen("/dev/null", "w");
	__u64 produced, lost, t0, wall;
	int prog_fd, missed = 0;

	if (!devnull ||
	    gnv_filter_compile(1, argv, GENEVE_UDP_PORT, &o.filter, err,
			       sizeof(err)) ||
	    gnv_bpf_load(&c.bpf, &o, GNV_PROG_XDP_IN, on_event, &c)) {
		fprintf(stderr, "bench-live: cannot load the program\n");
		if (devnull)
			fclose(devnull);
		return -1;
	}
	gnv_fmt_init(&c.fmt, devnull, mode, 0, 1);
	prog_fd = bpf_program__fd(gnv_bpf_prog(&c.bpf, GNV_PROG_XDP_IN));
	if (pthread_create(&c.thread, NULL, consume, &c)) {
		fprintf(stderr, "bench-live: no consumer thread\n");
		missed = -1;
		goto out;
	}
	pin(c.thread, 1);
	t0 = now_ns(CLOCK_MONOTONIC);
	produced = produce(prog_fd, frame, len, rate, spread);
	wall = now_ns(CLOCK_MONOTONIC) - t0;
	atomic_store(&c.stop, 1);
	pthread_join(c.thread, NULL);
	gnv_bpf_add_counts(&c.bpf, &counts);
	lost = counts.v[GNV_STAT_LOST];
	printf("%-5s %-6s %7.2f M/s %9.2f M/s %10llu %8llu %10.0f %8.0f",
	       mode == GNV_OUT_JSON ? "json" : "text",
	       spread ? "spread" : "ticks",
	       rate / 1e6, produced / (wall / 1e9) / 1e6,
	       (unsigned long long)c.events, (unsigned long long)lost,
	       c.polls / (wall / 1e9),
	       c.events ? (double)c.cpu_ns / c.events : 0);
	if (judged) {
		missed = lost > 0 || c.events != produced;
		printf("  none lost: %s", missed ? "MISS" : "PASS");
	}
	printf("\n");
out:
	gnv_fmt_close(&c.fmt);
	gnv_bpf_close(&c.bpf);
	fclose(devnull);
	return missed;
}

int main(void)
{
	static const struct {
		enum gnv_format mode;
		__u64 rate;
		int spread, judged;
	} rates[] = {
		{ GNV_OUT_TEXT, 20000, 1, 0 },	/* a trickle: 50 us apart */
		{ GNV_OUT_JSON, 20000, 1, 0 },
		{ GNV_OUT_JSON, 2000000, 0, 1 },
		{ GNV_OUT_TEXT, 3000000, 0, 1 },
	};
	__u8 frame[2048];
	struct pkt_spec s;
	size_t len;
	int missed = 0, r;

	if (geteuid() != 0) {
		fprintf(stderr, "bench-live: must run as root\n");
		return 1;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("bench-live: one CPU: producer and consumer need two; "
		       "skipped\n");
		return 0;
	}
	pkt_spec_default(&s);
	len = pkt_build(&s, frame, sizeof(frame));
	if (!len || pin(pthread_self(), 0)) {
		fprintf(stderr, "bench-live: cannot build the frame or pin "
			"to CPU 0\n");
		return 1;
	}
	printf("\nlive delivery: an ICMP event a packet, the kernel's program "
	       "on CPU 0, the\nconsumer polling the ring buffer and "
	       "formatting on CPU 1, %.0f s each\n\n", RUN_NS / 1e9);
	printf("%-12s %11s %13s %10s %8s %10s %8s\n", "", "asked",
	       "produced", "delivered", "lost", "polls/s", "cpu ns/ev");
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		r = run(frame, len, rates[i].mode, rates[i].rate,
			rates[i].spread, rates[i].judged);
		if (r < 0)
			return 1;
		missed += r;
	}
	if (missed)
		printf("\nbench-live: %d target%s missed\n", missed,
		       missed > 1 ? "s" : "");
	return 0;
}
