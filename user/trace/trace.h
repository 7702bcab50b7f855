/* SPDX-License-Identifier: MIT */
/*
 * Room trace/ (uses every room but lab/): a run, live or offline.
 *
 * What a trace run needs, live or offline, and what it reports.
 */
#ifndef GNV_TRACE_H
#define GNV_TRACE_H

#include <signal.h>
#include <stdio.h>
#include "gnvtrace.h"
#include "kernel/attach_tc.h"
#include "kernel/attach_xdp.h"
#include "output/format.h"

struct gnv_ovn;

#define GNV_MAX_IFACES	8
#define GNV_MAX_JOURNEY_INPUTS	16

/* --direction, a mask: ingress through XDP, egress through TC. */
#define GNV_DIRECTION_IN	1
#define GNV_DIRECTION_OUT	2

struct gnv_trace_opts {
	struct gnv_filter filter;
	const char *ifaces[GNV_MAX_IFACES];	/* -i, as given */
	int n_ifaces;
	const char *ovs_db;		/* --ovs-db, or NULL: the default */
	const char *read_file;		/* -r */
	/* --journey -r: live gnvtraces' JSON events, a file or pipe each */
	const char *journey_inputs[GNV_MAX_JOURNEY_INPUTS];
	int n_journey_inputs;
	const char *write_file;		/* -w: matched frames to pcap */
	__u32 snaplen;			/* -w: bytes of each frame kept */
	int kernel;			/* -r --kernel: the BPF program parses */
	/* -r on every CPU: bytes of file a chunk; 0: 4 MiB (tests: less) */
	size_t split_chunk_len;
	int directions;			/* GNV_DIRECTION_* */
	int hist;			/* --hist: GNV_HIST_* mask, 0: none */
	__u64 echo_timeout_ns;		/* --echo-timeout */
	__u32 mtu;			/* -r --mtu: the underlay's, 0: unknown */
	double interval;		/* --interval seconds, 0: at exit only */
	const char *metrics;		/* --metrics [ADDR:]PORT */
	const char *metrics_file;	/* --metrics-file PATH */
	unsigned int metrics_labels;	/* --metrics-labels: GNV_LABELS_* */
	size_t metrics_max_series;	/* --metrics-max-series, 0: none */
	/* OVN's names for the keys (--ovn-sb, --ovn-names), or NULL. */
	struct gnv_ovn_names *names;
	/* Their source and the filter's words, to follow changes live. */
	struct gnv_ovn *ovn;
	enum gnv_tc_mode tc_mode;
	enum gnv_xdp_mode xdp_mode;
	/* --journey: packets joined across points, idle this long: done */
	__u64 journey_timeout_ns;
	__u64 count;			/* -c: stop after this many events */
	double duration;		/* --duration seconds, 0: none */
	enum gnv_format mode;
	int verbose;
	int quiet;			/* -q: no per-event lines */
	/* Called once every interface is attached (the demo starts traffic). */
	int (*on_attached)(void *arg);
	void *on_attached_arg;
	/*
	 * Live: filled with each interface and how it is traced, "tb in (XDP
	 * native), out (tcx)", for the summary. NULL: not wanted.
	 */
	char *attached;
	size_t attached_len;
};


/*
 * The kernel side and the output, as the options say (trace_opts.c):
 * gnv_bpf_load() and gnv_output_open() with what o means for them.
 */
struct gnv_bpf;
struct gnv_output;
int gnv_trace_bpf_load(struct gnv_bpf *b, const struct gnv_trace_opts *o,
		       unsigned int progs,
		       int (*on_event)(void *ctx, void *data, size_t size),
		       void *ctx);
int gnv_trace_output_open(struct gnv_output *out,
			  const struct gnv_trace_opts *o, FILE *lines_to,
			  int live, int dlt);
/* Where histograms go: standard output, unless -w - made it the capture. */
FILE *gnv_trace_hist_out(const struct gnv_trace_opts *o);

/* Set by the signal handler; every loop polls it. */
extern volatile sig_atomic_t gnv_exiting;
void gnv_install_signals(void);

/* Both return 0, or a negative errno after printing one line on stderr. */
int gnv_trace_live(const struct gnv_trace_opts *o, struct gnv_counts *c);
int gnv_trace_file(const struct gnv_trace_opts *o, struct gnv_counts *c);
/* --journey -r: journeys from JSON events (trace_journey.c). */
int gnv_trace_journey(const struct gnv_trace_opts *o);

/* The exit summary: seen, Geneve, matched, lost, malformed by reason. */
/* The exit summary; attached, when not NULL or "", closes it. */
void gnv_print_summary(FILE *out, const struct gnv_counts *c,
		       const char *attached);

#endif /* GNV_TRACE_H */
