/* SPDX-License-Identifier: MIT */
/*
 * A trace's counters and per-port statistics in Prometheus' text
 * exposition format (0.0.4): rendered into an outbuf, written atomically
 * to a file (node_exporter's textfile collector), or served on /metrics
 * by a small HTTP server (libmicrohttpd, one internal thread).
 *
 * Families, each with # HELP and # TYPE, in this order:
 *   gnvtrace_packets_total			counter
 *   gnvtrace_geneve_packets_total		counter
 *   gnvtrace_matched_packets_total		counter
 *   gnvtrace_lost_events_total		counter
 *   gnvtrace_malformed_packets_total{reason}	counter, every reason
 *   gnvtrace_port_keys_added_total		counter
 *   gnvtrace_port_keys_evicted_total		counter
 *   gnvtrace_port_uncounted_packets_total	counter (the table was full)
 * and per port key, labels vni, port (none without OVN's option),
 * direction ("in" or "out"), the tunnel's outer_src and outer_dst (and,
 * with OVN's names, datapath, port_name, outer_src_chassis and
 * outer_dst_chassis), keys sorted by vni, has_port, port, dir, tunnel:
 *   gnvtrace_port_packets_total		counter
 *   gnvtrace_port_bytes_total			counter
 *   gnvtrace_port_packet_size_bytes		histogram, le 1, 3, 7 .. 65535
 *   gnvtrace_port_icmp_rtt_seconds		histogram, le 2us .. 2^26us
 *   gnvtrace_port_icmp_unanswered_total	counter
 * The two ICMP families have a key's series once the key has had an
 * answered or an unanswered echo request: --hist size alone adds none.
 */
#ifndef GNV_METRICS_H
#define GNV_METRICS_H

#include <stddef.h>
#include <sys/socket.h>

#include "lib/outbuf.h"
#include "gnvtrace.h"
#include "hist.h"

struct gnv_joiner;
struct gnv_bfd_sessions;

/*
 * What the metrics are rendered from. counts may be NULL (a joiner of
 * other chassis' streams has no packets of its own), hist too (no
 * per-port series), journeys (no --journey) and bfd (no BFD seen) too;
 * now_ns is the clock BFD sessions' ages are read on.
 */
/*
 * The port key's labels a run keeps (--metrics-labels), a mask; the
 * series of keys that differ only in those dropped are summed into one.
 */
#define GNV_LABELS_VNI		1	/* vni, zone, datapath */
#define GNV_LABELS_PORT		2	/* port, port_name */
#define GNV_LABELS_DIRECTION	4
#define GNV_LABELS_TUNNEL	8	/* outer_*: addresses, chassis, zones */
#define GNV_LABELS_ALL		15

struct gnv_metrics_src {
	const struct gnv_counts *counts;
	const struct gnv_hist *hist;
	const struct gnv_joiner *journeys;
	const struct gnv_bfd_sessions *bfd;
	__u64 now_ns;
	const struct gnv_ovn_names *names;	/* BFD's chassis, or NULL */
	unsigned int labels;	/* GNV_LABELS_*; 0: all */
	/*
	 * At most this many port series (0: no limit): the keys with the
	 * fewest packets beyond it fold into one series labelled "other".
	 */
	size_t max_series;
};

/*
 * Parses --metrics-labels' comma-separated list (vni, port, direction,
 * tunnel, or all) into *mask: 0, or -EINVAL with one line in err.
 */
int gnv_metrics_parse_labels(const char *list, unsigned int *mask,
			     char *err, size_t errlen);

/* The exposition format's media type, for an HTTP Content-Type. */
#define GNV_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* --metrics PORT binds this address: loopback unless told otherwise. */
#define GNV_METRICS_DEFAULT_ADDR "127.0.0.1"

/*
 * Appends all families of src to ob, modifying nothing; the caller
 * flushes ob (ob_free does).
 */
void gnv_metrics_render(struct outbuf *ob, const struct gnv_metrics_src *src);

/* A label: name="value", the value escaped (\\, \", \n). */
struct gnv_label {
	const char *name;
	const char *value;
};

/* Appends n labels separated by commas, without braces. */
void gnv_metrics_labels(struct outbuf *ob, const struct gnv_label *l, int n);
/* Appends value escaped for a label value, without quotes. */
void gnv_metrics_label_value(struct outbuf *ob, const char *value);

/*
 * Renders into PATH.tmp.<pid> beside PATH and renames it over PATH, so a
 * reader sees the old file or the new one, never a part. 0, or a negative
 * errno after one line on stderr:
 * "gnvtrace: cannot write metrics file PATH: <reason>".
 */
int gnv_metrics_write_file(const char *path,
			   const struct gnv_metrics_src *src);

/*
 * The /metrics endpoint. spec: PORT (on 127.0.0.1), ADDR:PORT (IPv4),
 * [ADDR6]:PORT or localhost:PORT. Binding happens here, so that a port in
 * use, an address not on this host or a privileged port fails now. NULL
 * on failure, with one line in err (no "gnvtrace: " prefix), e.g.
 * "--metrics 127.0.0.1:9677: address already in use".
 *
 * Until the first gnv_metrics_publish, /metrics serves zero counters.
 * GET (and HEAD) /metrics: 200; other paths: 404; other methods: 405.
 */
struct gnv_metrics_server;

struct gnv_metrics_server *gnv_metrics_start(const char *spec, char *err,
					     size_t errlen);

/*
 * Parses spec as gnv_metrics_start does: 0, or -EINVAL with one line in
 * err. *len is the size of the address in *ss.
 */
int gnv_metrics_parse(const char *spec, struct sockaddr_storage *ss,
		      socklen_t *len, char *err, size_t errlen);

/*
 * gnv_metrics_start on an address already parsed, where port 0 is allowed
 * (the kernel picks one: see gnv_metrics_port). For tests.
 */
struct gnv_metrics_server *gnv_metrics_listen(const struct sockaddr *sa,
					      socklen_t len, char *err,
					      size_t errlen);

/* The port the server listens on. */
int gnv_metrics_port(const struct gnv_metrics_server *s);

/*
 * Renders src and serves that from now on. Takes no reference to it. Safe to call from any one thread while the server answers requests
 * on its own; scrapes in progress finish with the previous body.
 */
void gnv_metrics_publish(struct gnv_metrics_server *s,
			 const struct gnv_metrics_src *src);

/*
 * Whether a scrape waits for a fresh body: the body is rendered for
 * scrapes only. One that finds it a second old or more asks for a new one
 * here and waits (up to 5 s) for the next gnv_metrics_publish, so the
 * publishing loop should look at least every 100 ms or so.
 */
int gnv_metrics_wanted(struct gnv_metrics_server *s);

/* Stops answering, closes the socket and frees s. NULL is a no-op. */
void gnv_metrics_stop(struct gnv_metrics_server *s);

#endif /* GNV_METRICS_H */
