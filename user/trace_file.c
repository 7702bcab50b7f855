// SPDX-License-Identifier: MIT
/*
 * Offline tracing (-r): the packets of a capture file through the same
 * parser and filter as the kernel's, built for the host. With --kernel the
 * real BPF program parses each packet instead, under BPF_PROG_TEST_RUN, so
 * that the two can be compared on any file.
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "capture.h"
#include "filter.h"
#include "hist.h"
#include "loader.h"
#include "output.h"

/*
 * What BPF_PROG_TEST_RUN puts in the linear part of an XDP frame (a page
 * less headroom and skb_shared_info); the rest would go to fragments that
 * a program without xdp.frags does not see. Headers always fit.
 */
#define TEST_RUN_LINEAR_MAX	3520

struct offline {
	const struct gnv_trace_opts *o;
	struct gnv_hist hist;		/* --hist, host path */
	struct capture *cap;
	struct gnv_output out;
	struct gnv_counts *c;
	struct capture_pkt pkt;	/* the packet being traced */
	__u64 matched;
};

static int reached_count(const struct offline *t)
{
	return t->o->count && t->matched >= t->o->count;
}

static void trace_host(struct offline *t, struct gnv_event *ev)
{
	const struct capture_pkt *pkt = &t->pkt;
	int verdict;

	t->c->v[GNV_STAT_PACKETS]++;
	verdict = gnv_parse_frame(pkt->data, pkt->data + pkt->caplen,
				  capture_link(t->cap, pkt),
				  t->o->filter.geneve_port, &ev->pkt);
	if (verdict == GNV_MALFORMED)
		t->c->v[GNV_STAT_MALFORMED + ev->pkt.malformed]++;
	if (verdict != GNV_GENEVE)
		return;
	t->c->v[GNV_STAT_GENEVE]++;
	if (!gnv_filter_match(&t->o->filter, &ev->pkt))
		return;
	t->c->v[GNV_STAT_MATCHED]++;
	t->matched++;
	if (t->o->hist)
		gnv_hist_count(&t->hist, &ev->pkt, GNV_DIR_IN, pkt->len);
	ev->ts_ns = pkt->ts_ns;
	ev->pkt_len = pkt->len;
	memcpy(ev->opts, pkt->data + ev->pkt.opts_off, ev->pkt.opts_len);
	gnv_output_event(&t->out, ev, pkt->data, pkt->caplen);
}

/* An event from the kernel: its time and length are the capture's. */
static int on_kernel_event(void *ctx, void *data, size_t size)
{
	struct offline *t = ctx;
	struct gnv_event ev;

	if (size < sizeof(ev))
		return 0;
	memcpy(&ev, data, sizeof(ev));
	ev.ts_ns = t->pkt.ts_ns;
	ev.pkt_len = t->pkt.len;
	ev.snap_len = 0;
	t->matched++;
	gnv_output_event(&t->out, &ev, t->pkt.data, t->pkt.caplen);
	return 0;
}

static int trace_kernel(struct offline *t, struct gnv_bpf *b)
{
	LIBBPF_OPTS(bpf_test_run_opts, run,
		.data_in = t->pkt.data,
		.data_size_in = t->pkt.caplen < TEST_RUN_LINEAR_MAX ?
				t->pkt.caplen : TEST_RUN_LINEAR_MAX,
		.repeat = 1,
	);
	int err = bpf_prog_test_run_opts(
		bpf_program__fd(gnv_bpf_prog(b, GNV_PROG_XDP_IN)), &run);

	if (err) {
		fprintf(stderr, "gnvtrace: %s: BPF_PROG_TEST_RUN failed: %s\n",
			t->o->read_file, strerror(errno));
		return -errno;
	}
	ring_buffer__consume(b->rb);
	return 0;
}

static int run(struct offline *t, struct gnv_bpf *kernel)
{
	struct gnv_event ev;
	char err[256];
	int r;

	memset(&ev, 0, sizeof(ev));
	ev.abi_version = GNV_ABI_VERSION;
	while (!gnv_exiting && !reached_count(t)) {
		r = capture_next(t->cap, &t->pkt, err, sizeof(err));
		if (r < 0) {
			fprintf(stderr, "gnvtrace: %s\n", err);
			return -EINVAL;
		}
		if (r == 0)
			break;
		if (!kernel) {
			trace_host(t, &ev);
			continue;
		}
		/* XDP_PASS needs at least an Ethernet header's worth. */
		if (t->pkt.caplen < 14) {
			t->c->v[GNV_STAT_PACKETS]++;
			t->c->v[GNV_STAT_MALFORMED + GNV_BAD_TRUNC_ETH]++;
			continue;
		}
		r = trace_kernel(t, kernel);
		if (r)
			return r;
	}
	return 0;
}

int gnv_trace_file(const struct gnv_trace_opts *o, struct gnv_counts *c)
{
	struct offline t = { .o = o, .c = c };
	struct gnv_bpf kernel;
	char err[256];
	int r;

	t.cap = capture_open(o->read_file, err, sizeof(err));
	if (!t.cap) {
		fprintf(stderr, "gnvtrace: %s\n", err);
		return -EINVAL;
	}
	if (o->kernel && capture_dlt(t.cap) != GNV_DLT_EN10MB) {
		fprintf(stderr, "gnvtrace: %s: --kernel runs the XDP program, "
			"which needs an Ethernet capture\n", o->read_file);
		capture_close(t.cap);
		return -EINVAL;
	}
	r = gnv_output_open(&t.out, o, 0, capture_dlt(t.cap));
	if (r)
		goto out;
	if (o->kernel) {
		r = gnv_bpf_load(&kernel, o, GNV_PROG_XDP_IN, on_kernel_event,
				 &t);
		if (r)
			goto out;
		r = run(&t, &kernel);
		gnv_bpf_add_counts(&kernel, c);
		if (o->hist)
			gnv_bpf_add_hist(&kernel, &t.hist);
		gnv_bpf_close(&kernel);
	} else {
		r = run(&t, NULL);
	}
	if (!r && o->hist) {
		gnv_output_flush(&t.out);
		gnv_hist_print(gnv_hist_out(o), &t.hist, o->mode);
	}
out:
	gnv_hist_free(&t.hist);
	gnv_output_close(&t.out);
	capture_close(t.cap);
	return r;
}
