// SPDX-License-Identifier: MIT
/*
 * Offline tracing (-r): the packets of a capture file through the same
 * parser and filter as the kernel's, built for the host. With --kernel the
 * real BPF program parses each packet instead, under BPF_PROG_TEST_RUN, so
 * that the two can be compared on any file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <bpf/bpf.h>

#include "filter.h"
#include "kernel/loader.h"
#include "lib/log.h"
#include "report.h"
#include "stats/tcp_flows.h"
#include "trace_file.h"
#include "gnvtrace.skel.h"

/*
 * What BPF_PROG_TEST_RUN puts in the linear part of an XDP frame (a page
 * less headroom and skb_shared_info); the rest would go to fragments that
 * a program without multi-buffer XDP does not see. Headers always fit.
 */
#define TEST_RUN_LINEAR_MAX	3520

/* An event from the kernel: its time and length are the capture's. */
static int on_kernel_event(void *ctx, void *data, size_t size)
{
	struct file_reader *r = ctx;
	struct gnv_event ev;

	if (size < sizeof(ev))
		return 0;
	memcpy(&ev, data, sizeof(ev));
	ev.ts_ns = r->pkt.ts_ns;
	ev.pkt_len = r->pkt.len;
	ev.snap_len = 0;
	if (ev.pkt.underlay) {
		gnv_file_too_big(r, &ev);
		return 0;
	}
	r->matched++;
	gnv_output_event(&r->out, &ev, r->pkt.data, r->pkt.caplen);
	gnv_file_bfd_seen(r, &ev, r->pkt.data, r->pkt.caplen);
	return 0;
}

static int trace_kernel(struct file_reader *r, struct gnv_bpf *b)
{
	LIBBPF_OPTS(bpf_test_run_opts, run,
		.data_in = r->pkt.data,
		.data_size_in = r->pkt.caplen < TEST_RUN_LINEAR_MAX ?
				r->pkt.caplen : TEST_RUN_LINEAR_MAX,
		.repeat = 1,
	);
	int err;

	/*
	 * Echo round trips and TCP flows' idleness in capture time (0 is
	 * the kernel's clock, and a free TCP slot's).
	 */
	b->skel->bss->targ_now_ns = r->pkt.ts_ns ? r->pkt.ts_ns : 1;
	b->skel->bss->targ_coarse_ns = b->skel->bss->targ_now_ns;
	err = bpf_prog_test_run_opts(
		bpf_program__fd(gnv_bpf_prog(b, GNV_PROG_XDP_IN)), &run);

	if (err) {
		pr_warn("%s: BPF_PROG_TEST_RUN failed: %s\n",
			r->o->read_file, strerror(errno));
		return -errno;
	}
	ring_buffer__consume(b->rb);
	return 0;
}

static int read_kernel(struct file_reader *r, struct gnv_bpf *kernel)
{
	char err[256];
	int n;

	while (!gnv_exiting && !gnv_reached_count(r)) {
		n = capture_next(r->cap, &r->pkt, err, sizeof(err));
		if (n < 0) {
			pr_warn("%s\n", err);
			return -EINVAL;
		}
		if (n == 0)
			break;
		if ((r->o->hist & GNV_HIST_RTT) &&
		    gnv_echo_reap_due(&r->next_reap_ns, r->pkt.ts_ns))
			gnv_bpf_reap_echoes(kernel, &r->hist, r->pkt.ts_ns,
					    r->o->echo_timeout_ns);
		/* XDP_PASS needs at least an Ethernet header's worth. */
		if (r->pkt.caplen < 14) {
			r->c.v[GNV_STAT_PACKETS]++;
			r->c.v[GNV_STAT_MALFORMED + GNV_BAD_TRUNC_ETH]++;
			continue;
		}
		n = trace_kernel(r, kernel);
		if (n)
			return n;
	}
	return 0;
}

static int run_kernel(struct file_reader *r)
{
	struct gnv_bpf kernel;
	int err;

	if (capture_dlt(r->cap) != GNV_DLT_EN10MB) {
		pr_warn("%s: --kernel runs the XDP program, "
			"which needs an Ethernet capture\n", r->o->read_file);
		return -EINVAL;
	}
	err = gnv_trace_bpf_load(&kernel, r->o, GNV_PROG_XDP_IN, on_kernel_event, r);
	if (err)
		return err;
	/* BPF_PROG_TEST_RUN's XDP frames arrive on the loopback device. */
	if (r->o->hist && r->o->mtu)
		err = gnv_bpf_set_mtu(&kernel, if_nametoindex("lo"), r->o->mtu);
	if (err) {
		pr_warn("cannot give the kernel --mtu: %s\n", strerror(-err));
		gnv_bpf_close(&kernel);
		return err;
	}
	err = read_kernel(r, &kernel);
	gnv_bpf_add_counts(&kernel, &r->c);
	if (r->o->hist & GNV_HIST_RTT)
		gnv_bpf_reap_echoes(&kernel, &r->hist, r->pkt.ts_ns,
				    r->o->echo_timeout_ns);
	if (r->o->hist)
		gnv_bpf_add_hist(&kernel, &r->hist);
	gnv_bpf_close(&kernel);
	return err;
}

static int run_host(struct file_reader *r)
{
	char err[256];
	int n;

	if (r->o->hist & GNV_HIST_RTT)
		r->echoes = gnv_echo_table_new();
	if (r->o->hist & GNV_HIST_TCP)
		r->tcp_flows = gnv_tcp_flows_new();
	if (((r->o->hist & GNV_HIST_RTT) && !r->echoes) ||
	    ((r->o->hist & GNV_HIST_TCP) && !r->tcp_flows)) {
		pr_warn("out of memory\n");
		gnv_echo_table_free(r->echoes);
		free(r->tcp_flows);
		return -ENOMEM;
	}
	if (gnv_split_fits(r->o, r->cap))
		n = gnv_trace_split(r, err, sizeof(err));
	else
		n = gnv_read_records(r, err, sizeof(err));
	if (n)
		pr_warn("%s\n", err);
	/* Requests past the timeout when the capture ends: unanswered. */
	if (r->echoes)
		gnv_echo_reap(r->echoes, &r->hist, r->pkt.ts_ns,
			      r->o->echo_timeout_ns);
	gnv_echo_table_free(r->echoes);
	free(r->tcp_flows);
	return n;
}

int gnv_trace_file(const struct gnv_trace_opts *o, struct gnv_counts *c)
{
	struct file_reader r = { .o = o };
	char err[256];
	int n;

	r.cap = capture_open(o->read_file, err, sizeof(err));
	if (!r.cap) {
		pr_warn("%s\n", err);
		return -EINVAL;
	}
	n = gnv_trace_output_open(&r.out, o, stdout, 0, capture_dlt(r.cap));
	r.bfd = calloc(1, sizeof(*r.bfd));
	if (!n && !r.bfd) {
		pr_warn("out of memory\n");
		n = -ENOMEM;
	}
	if (!n)
		n = o->kernel ? run_kernel(&r) : run_host(&r);
	if (!n)
		gnv_file_bfd_finish(&r, r.pkt.ts_ns);
	for (int i = 0; i < GNV_STAT_MAX; i++)
		c->v[i] += r.c.v[i];
	if (!n && o->hist) {
		gnv_output_flush(&r.out);
		n = gnv_report_file(o, &r.c, &r.hist, r.bfd);
	}
	free(r.bfd);
	gnv_hist_free(&r.hist);
	gnv_output_close(&r.out);
	capture_close(r.cap);
	return n;
}
