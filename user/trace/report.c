// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "stats/metrics.h"
#include "report.h"
#include "trace.h"

int gnv_report_start(struct gnv_report *r, const struct gnv_trace_opts *o,
		     const struct gnv_bpf *bpf,
		     const struct gnv_joiner *joiner)
{
	char err[256];
	double now = gnv_mono_s();

	memset(r, 0, sizeof(*r));
	r->o = o;
	r->bpf = bpf;
	r->joiner = joiner;
	gnv_hist_init(&r->host);
	r->next_second = now + 1;
	r->next_interval = o->interval ? now + o->interval : 0;
	if (!o->metrics)
		return 0;
	r->server = gnv_metrics_start(o->metrics, err, sizeof(err));
	if (!r->server) {
		pr_warn("%s\n", err);
		return -EINVAL;
	}
	return 0;
}

/* Echo requests past the timeout, out of the kernel's table. */
static void reap(struct gnv_report *r)
{
	if (r->bpf && (r->o->hist & GNV_HIST_RTT))
		gnv_bpf_reap_echoes(r->bpf, &r->host, gnv_mono_ns(),
				    r->o->echo_timeout_ns);
}

/*
 * Everything to report now: the counters and per-port statistics into *c
 * and *h (initialised either way, for gnv_hist_free; none without a
 * kernel side, a joiner of other chassis' streams), the journeys, BFD.
 */
static void snapshot(struct gnv_report *r, struct gnv_counts *c,
		     struct gnv_hist *h, struct gnv_metrics_src *src)
{
	memset(c, 0, sizeof(*c));
	gnv_hist_init(h);
	*src = (struct gnv_metrics_src){
		.journeys = r->joiner, .bfd = r->bfd, .now_ns = gnv_mono_ns(),
		.names = r->o->names, .labels = r->o->metrics_labels,
		.max_series = r->o->metrics_max_series,
	};
	if (!r->bpf)
		return;
	gnv_bpf_add_counts(r->bpf, c);
	h->names = r->o->names;
	gnv_bpf_add_hist(r->bpf, h);
	gnv_hist_merge(h, &r->host);
	src->counts = c;
	src->hist = h;
}

/* Prints the histograms (src's, h) and writes the metrics file. */
static int report(const struct gnv_trace_opts *o, struct gnv_hist *h,
		  const struct gnv_metrics_src *src)
{
	if (src->hist && o->hist)
		gnv_hist_print(gnv_trace_hist_out(o), h, o->hist, o->mode);
	if (o->metrics_file)
		return gnv_metrics_write_file(o->metrics_file, src);
	return 0;
}

void gnv_report_tick(struct gnv_report *r)
{
	double now = gnv_mono_s();
	int interval = r->next_interval && now >= r->next_interval;
	int scrape = r->server && gnv_metrics_wanted(r->server);
	struct gnv_metrics_src src;
	struct gnv_counts c;
	struct gnv_hist h;

	if (!r->o->hist && !r->joiner)
		return;
	if (now >= r->next_second) {
		r->next_second = now + 1;
		reap(r);
	}
	/* Reading the whole port map is for someone: a scrape or a print. */
	if (!scrape && !interval)
		return;
	snapshot(r, &c, &h, &src);
	if (scrape)
		gnv_metrics_publish(r->server, &src);
	if (interval) {
		r->next_interval += r->o->interval;
		if (r->next_interval < now)
			r->next_interval = now + r->o->interval;
		report(r->o, &h, &src);
	}
	gnv_hist_free(&h);
}

int gnv_report_final(struct gnv_report *r)
{
	struct gnv_metrics_src src;
	struct gnv_counts c;
	struct gnv_hist h;
	int err;

	if (!r->o->hist && !r->joiner)
		return 0;
	reap(r);
	snapshot(r, &c, &h, &src);
	err = report(r->o, &h, &src);
	gnv_hist_free(&h);
	return err;
}

void gnv_report_close(struct gnv_report *r)
{
	if (r->server)
		gnv_metrics_stop(r->server);
	r->server = NULL;
	gnv_hist_free(&r->host);
}

int gnv_report_file(const struct gnv_trace_opts *o,
		    const struct gnv_counts *c, struct gnv_hist *h,
		    const struct gnv_bfd_sessions *bfd)
{
	h->names = o->names;
	return o->hist ? report(o, h, &(struct gnv_metrics_src){
					.counts = c, .hist = h, .bfd = bfd,
					.names = o->names,
					.labels = o->metrics_labels,
					.max_series = o->metrics_max_series,
				}) : 0;
}
