/* SPDX-License-Identifier: MIT */
/*
 * What the per-port statistics of a live trace become, on time: echo
 * requests past the timeout reaped as unanswered (every second), the
 * metrics rendered when a scrape asks for them (at most once a second),
 * the histograms printed and the metrics file written (every --interval,
 * and at exit).
 */
#ifndef GNV_REPORT_H
#define GNV_REPORT_H

#include "kernel/loader.h"
#include "stats/hist.h"

struct gnv_metrics_server;

struct gnv_report {
	const struct gnv_trace_opts *o;
	const struct gnv_bpf *bpf;
	const struct gnv_joiner *joiner;	/* --journey's, or NULL */
	const struct gnv_bfd_sessions *bfd;	/* BFD seen live, or NULL */
	/*
	 * What user space counts, kept across snapshots: echo requests
	 * reaped as unanswered, underlay "too big"s from their events.
	 */
	struct gnv_hist host;
	struct gnv_metrics_server *server;
	double next_second, next_interval;
};

/*
 * Starts the metrics server if asked for: 0, or -errno after one line.
 * bpf may be NULL (a joiner of other chassis' streams), joiner too.
 */
int gnv_report_start(struct gnv_report *r, const struct gnv_trace_opts *o,
		     const struct gnv_bpf *bpf,
		     const struct gnv_joiner *joiner);
/* Called from the event loop, every 100 ms or so: does what is due. */
void gnv_report_tick(struct gnv_report *r);
/* At exit: the last reap, the histograms and the metrics file. */
int gnv_report_final(struct gnv_report *r);
/* Stops the server; what gnv_report_start began, undone. */
void gnv_report_close(struct gnv_report *r);

/* Offline: the histograms, and the metrics file once (BFD's too). */
int gnv_report_file(const struct gnv_trace_opts *o,
		    const struct gnv_counts *c, struct gnv_hist *h,
		    const struct gnv_bfd_sessions *bfd);

#endif /* GNV_REPORT_H */
