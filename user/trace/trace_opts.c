// SPDX-License-Identifier: MIT
/* What a run's options (the command line's) mean for each part of it. */
#include <string.h>

#include "kernel/loader.h"
#include "output/output.h"
#include "ovn_source.h"
#include "trace.h"

int gnv_trace_bpf_load(struct gnv_bpf *b, const struct gnv_trace_opts *o,
		       unsigned int progs, ring_buffer_sample_fn on_event,
		       void *ctx)
{
	struct gnv_bpf_opts bo = {
		.filter = o->filter,
		/* Frame bytes cost ring buffer space: only when -w keeps them. */
		.snaplen = o->write_file ? o->snaplen : 0,
		.hist = o->hist,
		.echo_timeout_ns = o->echo_timeout_ns,
		/* Nobody reads events: -q without -w or -c. */
		.no_events = o->quiet && !o->write_file && !o->count,
		.verbose = o->verbose,
		/* Names resolved later swap in a new one: from .bss. */
		.filter_interpreted = o->ovn && gnv_ovn_filter_may_change(o->ovn),
	};

	return gnv_bpf_load(b, &bo, progs, on_event, ctx);
}

int gnv_trace_output_open(struct gnv_output *out,
			  const struct gnv_trace_opts *o, FILE *lines_to,
			  int live, int dlt)
{
	struct gnv_output_opts oo = {
		.mode = o->mode,
		.verbose = o->verbose,
		.quiet = o->quiet,
		.write_file = o->write_file,
		.snaplen = o->snaplen,
		.names = o->names,
	};

	return gnv_output_open(out, &oo, lines_to, live, dlt);
}

FILE *gnv_trace_hist_out(const struct gnv_trace_opts *o)
{
	return o->write_file && !strcmp(o->write_file, "-") ? stderr : stdout;
}
