/* SPDX-License-Identifier: MIT */
/*
 * Offline tracing's parts: a reader traces records of a capture on the
 * host, the whole file or one chunk of it; gnv_trace_split spreads a
 * classic pcap file over every CPU and puts the chunks back in order.
 */
#ifndef GNV_TRACE_FILE_H
#define GNV_TRACE_FILE_H

#include "health/bfd_sessions.h"
#include "output/output.h"
#include "stats/echo_table.h"
#include "stats/hist.h"
#include "capture.h"
#include "trace.h"

struct file_reader {
	const struct gnv_trace_opts *o;
	struct capture *cap;
	struct gnv_output out;
	struct gnv_counts c;
	struct gnv_hist hist;		/* --hist */
	struct gnv_echo_table *echoes;	/* --hist rtt, host path */
	struct gnv_tcp_set *tcp_flows;	/* --hist tcp, host path */
	__u64 next_reap_ns;		/* --hist rtt: capture time */
	struct capture_pkt pkt;		/* the packet being traced */
	__u64 matched;
	/* gnv_trace_split: the offset it read on sequentially from, or 0 */
	size_t resumed_at;
	/*
	 * BFD sessions (trace_bfd.c): followed here, or in a split chunk
	 * (bfd NULL) only its BFD packets noted, for the main thread.
	 */
	struct gnv_bfd_sessions *bfd;
	struct gnv_bfd_sighting *sightings;
	size_t n_sightings, cap_sightings;
};

/* A BFD packet a chunk saw; line_off: where its change's line goes. */
struct gnv_bfd_sighting {
	size_t line_off;
	__u64 ts_ns;
	struct gnv_pkt pkt;
	struct gnv_bfd b;
};

/* A matched event: a BFD packet's session followed, or noted (chunk). */
void gnv_file_bfd_seen(struct file_reader *r, const struct gnv_event *ev,
		       const __u8 *frame, size_t caplen);
/*
 * A chunk's lines written where r's go, its n BFD packets followed in
 * between, each change's line after its packet's.
 */
void gnv_file_bfd_replay(struct file_reader *r, const char *lines,
			 size_t len, const struct gnv_bfd_sighting *s,
			 size_t n);
/* At the capture's end (end_ns): silences found, every session said. */
void gnv_file_bfd_finish(struct file_reader *r, __u64 end_ns);

/*
 * Traces cap's records on the host until their end, -c or a signal: 0,
 * or -EINVAL with the capture's one-line reason in err (trace_records.c).
 */
int gnv_read_records(struct file_reader *r, char *err, size_t errlen);
/* Whether -c's count of matched packets is reached. */
int gnv_reached_count(const struct file_reader *r);
/*
 * A router's "too big" for a tunnel (ev->pkt.underlay), found by the host
 * or by the kernel: counted to its tunnel (--hist), and said.
 */
void gnv_file_too_big(struct file_reader *r, const struct gnv_event *ev);

/* Whether gnv_trace_split can take this run: its output keeps no order. */
int gnv_split_fits(const struct gnv_trace_opts *o, const struct capture *cap);
/*
 * Traces cap on every CPU into r (counts, histograms, lines in file
 * order), then, from the first chunk it cannot trust, sequentially: as
 * gnv_read_records does.
 */
int gnv_trace_split(struct file_reader *r, char *err, size_t errlen);

#endif /* GNV_TRACE_FILE_H */
