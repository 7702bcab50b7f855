// SPDX-License-Identifier: MIT
/*
 * The Prometheus text exposition format (0.0.4) of a trace's counters and
 * per-port statistics. A family's series are consecutive, as the format
 * requires; port keys come sorted, so that the output of the same counts
 * is the same text. The label text of each key is made once per render
 * and copied into each of its ~50 lines: 16k ports (70 MB) render in
 * about 0.2 s, a hundred in about a millisecond.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "health/bfd_sessions.h"
#include "journey/journey.h"
#include "lib/abi_names.h"
#include "lib/log.h"
#include "ovn/ovn_zones.h"
#include "metrics.h"

void gnv_metrics_label_value(struct outbuf *ob, const char *value)
{
	const char *s = value, *run = value;

	for (; *s; s++) {
		const char *esc;

		switch (*s) {
		case '\\': esc = "\\\\"; break;
		case '"': esc = "\\\""; break;
		case '\n': esc = "\\n"; break;
		default: continue;
		}
		ob_mem(ob, run, s - run);
		ob_mem(ob, esc, 2);
		run = s + 1;
	}
	ob_mem(ob, run, s - run);
}

void gnv_metrics_labels(struct outbuf *ob, const struct gnv_label *l, int n)
{
	for (int i = 0; i < n; i++) {
		if (i)
			ob_char(ob, ',');
		ob_str(ob, l[i].name);
		ob_mem(ob, "=\"", 2);
		gnv_metrics_label_value(ob, l[i].value);
		ob_char(ob, '"');
	}
}

/* The most gnv_metrics_labels can write for l[0..n). */
static size_t labels_bound(const struct gnv_label *l, int n)
{
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += strlen(l[i].name) + 2 * strlen(l[i].value) + 4;
	return len;
}

static void family(struct outbuf *ob, const char *name, const char *type,
		   const char *help)
{
	ob_str(ob, "# HELP ");
	ob_str(ob, name);
	ob_char(ob, ' ');
	ob_str(ob, help);
	ob_str(ob, "\n# TYPE ");
	ob_str(ob, name);
	ob_char(ob, ' ');
	ob_str(ob, type);
	ob_char(ob, '\n');
}

static void counter(struct outbuf *ob, const char *name, const char *help,
		    __u64 v)
{
	family(ob, name, "counter", help);
	ob_str(ob, name);
	ob_char(ob, ' ');
	ob_u64(ob, v);
	ob_char(ob, '\n');
}

/* A port key's labels, rendered once. */
struct key_text {
	const struct gnv_port_entry *e;
	const char *labels;
	size_t off, len;	/* in the arena */
};

/* name+suffix{labels[,le="le"]} (the value follows) */
static void series(struct outbuf *ob, const char *name, const char *suffix,
		   const struct key_text *k, const char *le)
{
	ob_str(ob, name);
	ob_str(ob, suffix);
	ob_char(ob, '{');
	ob_mem(ob, k->labels, k->len);
	if (le) {
		ob_str(ob, k->len ? ",le=\"" : "le=\"");
		ob_str(ob, le);
		ob_char(ob, '"');
	}
	ob_mem(ob, "} ", 2);
}

static void value_u64(struct outbuf *ob, __u64 v)
{
	ob_u64(ob, v);
	ob_char(ob, '\n');
}

/* ns as seconds, exactly: "1.5", "0.000002", "3". */
static void value_ns(struct outbuf *ob, __u64 ns)
{
	char frac[10];
	int n = 9;
	__u64 f = ns % 1000000000ULL;

	ob_u64(ob, ns / 1000000000ULL);
	if (f) {
		for (int i = 8; i >= 0; i--, f /= 10)
			frac[i] = '0' + f % 10;
		while (frac[n - 1] == '0')
			n--;
		ob_char(ob, '.');
		ob_mem(ob, frac, n);
	}
	ob_char(ob, '\n');
}

/* The shortest text that reads back as v, as Go's FormatFloat(v, 'g', -1). */
static void shortest(char *buf, size_t len, double v)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* The log2 microsecond buckets' bounds, in seconds: 2us .. 2^27us. */
static void us_bounds(char (*le)[24], int n)
{
	for (int k = 0; k < n; k++)
		shortest(le[k], sizeof(le[k]), (double)(1ULL << (k + 1)) / 1e6);
}

static int by_key(const void *a, const void *b)
{
	return gnv_port_key_cmp(&(*(const struct gnv_port_entry **)a)->key,
				&(*(const struct gnv_port_entry **)b)->key);
}

/*
 * A histogram's buckets from log2 slots: bucket k holds slots 0..k, the
 * last slot only +Inf. Cumulative counts are capped at count, so that a
 * torn read of the kernel's per-CPU values cannot put a bucket above +Inf.
 */
static void buckets(struct outbuf *ob, const char *name,
		    const struct key_text *k, const __u64 *slots, int n,
		    char (*le)[24], __u64 count)
{
	__u64 cum = 0;

	for (int i = 0; i < n - 1; i++) {
		cum += slots[i];
		series(ob, name, "_bucket", k, le[i]);
		value_u64(ob, cum < count ? cum : count);
	}
	series(ob, name, "_bucket", k, "+Inf");
	value_u64(ob, count);
}

/* Which ports a family of one value per port has a series for. */
enum port_which {
	PORTS_ALL,
	PORTS_ECHOES,		/* those that saw echoes */
	PORTS_HANDSHAKES,	/* those that saw TCP handshakes */
	PORTS_TCP,		/* those that saw TCP data */
	PORTS_NONZERO,		/* those whose value is not 0 */
};

/* A family of one value per port: the __u64 at offset in each entry. */
static void port_family(struct outbuf *ob, const struct key_text *keys,
			size_t n, const char *name, const char *type,
			const char *help, size_t offset, enum port_which which)
{
	family(ob, name, type, help);
	for (size_t i = 0; i < n; i++) {
		const struct gnv_port_entry *e = keys[i].e;
		__u64 v = *(const __u64 *)((const char *)e + offset);

		if ((which == PORTS_ECHOES && !gnv_port_has_echoes(e)) ||
		    (which == PORTS_HANDSHAKES && !gnv_port_has_handshakes(e)) ||
		    (which == PORTS_TCP && !e->stats.tcp_data_segs) ||
		    (which == PORTS_NONZERO && !v))
			continue;
		series(ob, name, "", &keys[i], NULL);
		value_u64(ob, v);
		ob_maybe_flush(ob);
	}
}

/*
 * MTU trouble: series only where there is some (a counter first seen at
 * 1 is Prometheus' usual way); the largest frame for every port.
 */
static void per_port_mtu(struct outbuf *ob, const struct key_text *keys,
			 size_t n)
{
	static const struct {
		const char *name, *type, *help;
		size_t offset;
		enum port_which which;
	} fams[] = {
		{ "gnvtrace_port_max_frame_bytes", "gauge",
		  "The largest matched frame, outer headers included.",
		  offsetof(struct gnv_port_entry, stats.max_len), PORTS_ALL },
		{ "gnvtrace_port_over_mtu_total", "counter",
		  "Frames leaving larger than the interface's MTU (not GSO): "
		  "the device or the next hop drops them.",
		  offsetof(struct gnv_port_entry, stats.over_mtu),
		  PORTS_NONZERO },
		{ "gnvtrace_port_too_big_total", "counter",
		  "ICMP fragmentation-needed and ICMPv6 packet-too-big "
		  "messages in the tunnel, to the port's VM.",
		  offsetof(struct gnv_port_entry, stats.too_big),
		  PORTS_NONZERO },
		{ "gnvtrace_port_too_big_mtu_bytes", "gauge",
		  "The smallest MTU those messages announced.",
		  offsetof(struct gnv_port_entry, stats.too_big_mtu),
		  PORTS_NONZERO },
		{ "gnvtrace_port_syn_mss_over_mtu_total", "counter",
		  "TCP SYNs whose MSS plus the tunnel's overhead exceeds the "
		  "interface's MTU: full-sized segments will not fit.",
		  offsetof(struct gnv_port_entry, stats.mss_over),
		  PORTS_NONZERO },
		{ "gnvtrace_port_tunnel_overhead_bytes", "gauge",
		  "Bytes the tunnel adds to a TCP segment's payload, from "
		  "the outer IP header on, as the port's last SYN showed.",
		  offsetof(struct gnv_port_entry, stats.mss_overhead),
		  PORTS_NONZERO },
	};

	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++)
		port_family(ob, keys, n, fams[i].name, fams[i].type,
			    fams[i].help, fams[i].offset, fams[i].which);
}

/*
 * A histogram family of round trips in seconds: echoes', or with tcp
 * the handshakes'; only ports that saw some.
 */
static void round_trips(struct outbuf *ob, const struct key_text *keys,
			size_t n, const char *name, const char *help,
			char (*le)[24], int tcp)
{
	family(ob, name, "histogram", help);
	for (size_t i = 0; i < n; i++) {
		const struct gnv_port_entry *e = keys[i].e;
		const struct gnv_port_stats *st = &e->stats;
		__u64 count = tcp ? st->syn_count : st->rtt_count;

		if (tcp ? !gnv_port_has_handshakes(e) : !gnv_port_has_echoes(e))
			continue;
		buckets(ob, name, &keys[i], tcp ? st->syn_slots : st->rtt_slots,
			GNV_RTT_SLOTS, le, count);
		series(ob, name, "_sum", &keys[i], NULL);
		value_ns(ob, tcp ? st->syn_sum_ns : st->rtt_sum_ns);
		series(ob, name, "_count", &keys[i], NULL);
		value_u64(ob, count);
		ob_maybe_flush(ob);
	}
}

static void per_port(struct outbuf *ob, const struct key_text *keys,
		     size_t n)
{
	static const char size_name[] = "gnvtrace_port_packet_size_bytes";
	static const char rtt_name[] = "gnvtrace_port_icmp_rtt_seconds";
	char size_le[GNV_HIST_SLOTS][24], rtt_le[GNV_RTT_SLOTS][24];
	size_t i;

	for (int k = 0; k < GNV_HIST_SLOTS; k++)
		snprintf(size_le[k], sizeof(size_le[k]), "%llu",
			 (1ULL << (k + 1)) - 1);
	us_bounds(rtt_le, GNV_RTT_SLOTS);

	port_family(ob, keys, n, "gnvtrace_port_packets_total", "counter",
		    "Matched packets per VNI, OVN port and direction.",
		    offsetof(struct gnv_port_entry, stats.packets), PORTS_ALL);
	port_family(ob, keys, n, "gnvtrace_port_bytes_total", "counter",
		    "Bytes of matched frames per VNI, OVN port and direction.",
		    offsetof(struct gnv_port_entry, stats.bytes), PORTS_ALL);
	family(ob, size_name, "histogram",
	       "Sizes of matched frames in bytes, outer headers included.");
	for (i = 0; i < n; i++) {
		const struct gnv_port_stats *st = &keys[i].e->stats;

		buckets(ob, size_name, &keys[i], st->size_slots,
			GNV_HIST_SLOTS, size_le, st->packets);
		series(ob, size_name, "_sum", &keys[i], NULL);
		value_u64(ob, st->bytes);
		series(ob, size_name, "_count", &keys[i], NULL);
		value_u64(ob, st->packets);
		ob_maybe_flush(ob);
	}
	round_trips(ob, keys, n, rtt_name,
		    "ICMP and ICMPv6 echo round trips of the port's requests, "
		    "from request to reply.", rtt_le, 0);
	port_family(ob, keys, n, "gnvtrace_port_icmp_unanswered_total",
		    "counter",
		    "ICMP and ICMPv6 echo requests of the port's that had no "
		    "reply in time.",
		    offsetof(struct gnv_port_entry, unanswered), PORTS_ECHOES);
	round_trips(ob, keys, n, "gnvtrace_port_tcp_handshake_seconds",
		    "TCP handshakes of the port's SYNs, from the (first) SYN "
		    "to the SYN-ACK.", rtt_le, 1);
	port_family(ob, keys, n, "gnvtrace_port_tcp_syn_unanswered_total",
		    "counter",
		    "TCP SYNs of the port's that had no SYN-ACK in time.",
		    offsetof(struct gnv_port_entry, syn_unanswered),
		    PORTS_HANDSHAKES);
	port_family(ob, keys, n, "gnvtrace_port_tcp_data_segments_total",
		    "counter", "TCP segments with data (--hist tcp).",
		    offsetof(struct gnv_port_entry, stats.tcp_data_segs),
		    PORTS_TCP);
	port_family(ob, keys, n, "gnvtrace_port_tcp_retransmits_total",
		    "counter",
		    "TCP segments with data resending bytes this flow and "
		    "direction carried already: a loss past this point.",
		    offsetof(struct gnv_port_entry, stats.tcp_retrans),
		    PORTS_TCP);
	per_port_mtu(ob, keys, n);
}

/*
 * A key's labels, those of the groups in labels (GNV_LABELS_*); with
 * other, the "other" series': each group's first label, valued "other".
 * Returns how many, in l (room for 12), their values in v and the bufs.
 */
static int key_labels(const struct gnv_hist *h, const struct gnv_port_key *k,
		      unsigned int labels, int other, struct gnv_label *l,
		      struct gnv_ovn_view *v, char *vni, char *port,
		      char *src, char *dst)
{
	int n = 0;

	if (other) {
		static const char *const names[] = {
			"vni", "port", "direction", "outer_src", "outer_dst",
		};

		for (int i = 0; i < 5; i++)	/* the tunnel's group: two */
			if (labels & (1u << (i < 4 ? i : 3)))
				l[n++] = (struct gnv_label){ names[i], "other" };
		return n;
	}
	gnv_ovn_view_port(h->names, k, 1, v);
	snprintf(vni, 12, "%u", k->vni);
	snprintf(port, 8, "%u", k->port);
	if (k->outer_family == 4 || k->outer_family == 6) {
		int af = k->outer_family == 4 ? AF_INET : AF_INET6;

		inet_ntop(af, k->outer_src, src, INET6_ADDRSTRLEN);
		inet_ntop(af, k->outer_dst, dst, INET6_ADDRSTRLEN);
	}
	if (labels & GNV_LABELS_VNI) {
		l[n++] = (struct gnv_label){ "vni", vni };
		if (v->zone)
			l[n++] = (struct gnv_label){ "zone", v->zone };
		if (v->datapath)
			l[n++] = (struct gnv_label){ "datapath", v->datapath };
	}
	if ((labels & GNV_LABELS_PORT) && k->has_port)
		l[n++] = (struct gnv_label){ "port", port };
	if ((labels & GNV_LABELS_PORT) && v->inport)
		l[n++] = (struct gnv_label){ "port_name", v->inport };
	if (labels & GNV_LABELS_DIRECTION)
		l[n++] = (struct gnv_label){
			"direction", k->dir == GNV_DIR_OUT ? "out" : "in" };
	if (!(labels & GNV_LABELS_TUNNEL))
		return n;
	if (*src) {
		l[n++] = (struct gnv_label){ "outer_src", src };
		l[n++] = (struct gnv_label){ "outer_dst", dst };
	}
	if (v->chassis[0])
		l[n++] = (struct gnv_label){ "outer_src_chassis",
					     v->chassis[0] };
	if (v->chassis[1])
		l[n++] = (struct gnv_label){ "outer_dst_chassis",
					     v->chassis[1] };
	if (v->chassis_zone[0])
		l[n++] = (struct gnv_label){ "outer_src_zone",
					     v->chassis_zone[0] };
	if (v->chassis_zone[1])
		l[n++] = (struct gnv_label){ "outer_dst_zone",
					     v->chassis_zone[1] };
	return n;
}

/*
 * Sorts h's keys and renders their labels (those in labels), and other's
 * last when there is one; 0 or -ENOMEM.
 */
static int key_texts(const struct gnv_hist *h, unsigned int labels,
		     const struct gnv_port_entry *other,
		     struct key_text **keysp, char **arenap)
{
	const struct gnv_port_entry **sorted;
	struct key_text *keys;
	size_t i, n_keys, cap = 0, off = 0;
	char *arena;

	*keysp = NULL;
	*arenap = NULL;
	if (!h || !h->n)
		return 0;
	n_keys = h->n + !!other;
	sorted = malloc(n_keys * sizeof(*sorted));
	keys = malloc(n_keys * sizeof(*keys));
	if (!sorted || !keys)
		goto nomem;
	for (i = 0; i < h->n; i++)
		sorted[i] = &h->e[i];
	qsort(sorted, h->n, sizeof(*sorted), by_key);
	if (other)
		sorted[h->n] = other;

	/* Numbers and two IPv4 endpoints; longer labels grow the arena. */
	cap = n_keys * 128;
	arena = malloc(cap);
	if (!arena)
		goto nomem;
	for (i = 0; i < n_keys; i++) {
		const struct gnv_port_key *k = &sorted[i]->key;
		struct gnv_ovn_view v;
		char vni[12], port[8];
		char src[INET6_ADDRSTRLEN] = "", dst[INET6_ADDRSTRLEN] = "";
		struct gnv_label l[12];
		struct outbuf ob;
		int n = key_labels(h, k, labels, i == h->n, l, &v, vni, port,
				   src, dst);

		/* Straight into the arena: bounded, so never flushed. */
		ob.buf = arena + off;
		ob.cap = labels_bound(l, n);
		ob.len = 0;
		ob.out = NULL;
		if (off + ob.cap > cap) {
			/* Only once label values are strings of any length. */
			char *more;

			cap = 2 * (off + ob.cap);
			more = realloc(arena, cap);
			if (!more) {
				free(arena);
				goto nomem;
			}
			arena = more;
			ob.buf = arena + off;
		}
		gnv_metrics_labels(&ob, l, n);
		keys[i].e = sorted[i];
		keys[i].off = off;
		keys[i].len = ob.len;
		off += ob.len;
	}
	for (i = 0; i < n_keys; i++)
		keys[i].labels = arena + keys[i].off;
	free(sorted);
	*keysp = keys;
	*arenap = arena;
	return 0;
nomem:
	free(sorted);
	free(keys);
	return -ENOMEM;
}

/* A from/to pair's labels, rendered once, as a port key's are. */
static void pair_labels(struct key_text *k, char *buf, size_t len,
			const char *from, const char *to)
{
	struct outbuf ob = { .buf = buf, .cap = len };
	struct gnv_label l[] = { { "from", from }, { "to", to } };

	gnv_metrics_labels(&ob, l, 2);
	k->labels = buf;
	k->len = ob.len;
}

/* One of the journeys' families: what its series count. */
enum journey_value { J_PASSED, J_LOST, J_SENT, J_LATENCY };

struct journey_family {
	struct outbuf *ob;
	const char *name;
	enum journey_value value;
	char (*le)[24];
};

/* A hop's or a pair of chassis' series in the family ctx. */
static void journey_series(void *ctx, const char *from, const char *to,
			   const struct gnv_hop_stats *s)
{
	const struct journey_family *f = ctx;
	char buf[4 * GNV_POINT_NAME_LEN];
	struct key_text k;

	pair_labels(&k, buf, sizeof(buf), from, to);
	if (f->value != J_LATENCY) {
		series(f->ob, f->name, "", &k, NULL);
		value_u64(f->ob, f->value == J_PASSED ? s->seen :
			  f->value == J_LOST ? s->lost : s->seen + s->lost);
		return;
	}
	if (!s->timed)
		return;
	buckets(f->ob, f->name, &k, s->lat_slots, GNV_JOURNEY_LAT_SLOTS,
		f->le, s->timed);
	series(f->ob, f->name, "_sum", &k, NULL);
	value_ns(f->ob, s->lat_sum_ns);
	series(f->ob, f->name, "_count", &k, NULL);
	value_u64(f->ob, s->timed);
}

/* --journey: per hop (from, to: points) and per pair of chassis. */
static void journeys(struct outbuf *ob, const struct gnv_joiner *j)
{
	static const struct {
		const char *name, *type, *help;
		enum journey_value value;
		int tunnels;
	} fams[] = {
		{ "gnvtrace_journey_hop_packets_total", "counter",
		  "Packets seen at both points of a hop, one after the other.",
		  J_PASSED, 0 },
		{ "gnvtrace_journey_hop_lost_total", "counter",
		  "Packets last seen at the first point of a hop, lost before "
		  "the second.", J_LOST, 0 },
		{ "gnvtrace_journey_hop_seconds", "histogram",
		  "Time from one point of a hop to the other (across chassis, "
		  "corrected by the clocks' offset).", J_LATENCY, 0 },
		{ "gnvtrace_tunnel_sent_total", "counter",
		  "Packets that left one chassis for another, arrived or lost.",
		  J_SENT, 1 },
		{ "gnvtrace_tunnel_arrived_total", "counter",
		  "Packets that left one chassis and arrived at the other.",
		  J_PASSED, 1 },
		{ "gnvtrace_tunnel_lost_total", "counter",
		  "Packets that left one chassis and never arrived at the "
		  "other: lost in the underlay.", J_LOST, 1 },
		{ "gnvtrace_tunnel_one_way_seconds", "histogram",
		  "One-way time between chassis, corrected by the clocks' "
		  "offset.", J_LATENCY, 1 },
	};
	char le[GNV_JOURNEY_LAT_SLOTS][24];

	us_bounds(le, GNV_JOURNEY_LAT_SLOTS);
	counter(ob, "gnvtrace_journeys_total",
		"Packets followed across the points, each once its journey "
		"is done.", j->journeys);
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		struct journey_family f = { ob, fams[i].name, fams[i].value,
					    le };

		family(ob, fams[i].name, fams[i].type, fams[i].help);
		if (fams[i].tunnels)
			gnv_journey_each_tunnel(j, journey_series, &f);
		else
			gnv_journey_each_hop(j, journey_series, &f);
		ob_maybe_flush(ob);
	}
}

/*
 * A chassis pair's series (a BFD session's, a tunnel's): labels from and
 * to, the sender's and the receiver's underlay addresses, and with OVN's
 * names their chassis.
 */
static void ends_labels(struct key_text *k, char *buf, size_t len,
			int family, const __u8 *src, const __u8 *dst,
			const struct gnv_ovn_names *names)
{
	struct outbuf ob = { .buf = buf, .cap = len };
	char from[INET6_ADDRSTRLEN], to[INET6_ADDRSTRLEN];
	int af = family == 6 ? AF_INET6 : AF_INET;
	struct gnv_label l[4] = { { "from", from }, { "to", to } };
	const char *cf = gnv_ovn_chassis_any(names, family, src);
	const char *ct = gnv_ovn_chassis_any(names, family, dst);
	int n = 2;

	inet_ntop(af, src, from, sizeof(from));
	inet_ntop(af, dst, to, sizeof(to));
	if (cf)
		l[n++] = (struct gnv_label){ "from_chassis", cf };
	if (ct)
		l[n++] = (struct gnv_label){ "to_chassis", ct };
	gnv_metrics_labels(&ob, l, n);
	k->labels = buf;
	k->len = ob.len;
}

/*
 * Routers' "too big"s for a tunnel, a series per tunnel that had some (h
 * may be NULL: no series).
 */
static void tunnels_too_big(struct outbuf *ob, const struct gnv_hist *h)
{
	static const struct {
		const char *name, *type, *help;
	} fams[] = {
		{ "gnvtrace_tunnel_too_big_total", "counter",
		  "ICMP fragmentation-needed and ICMPv6 packet-too-big messages "
		  "from the underlay about the tunnel's frames: what this "
		  "chassis' path MTU learns." },
		{ "gnvtrace_tunnel_too_big_mtu_bytes", "gauge",
		  "The smallest MTU routers of the underlay announced for the "
		  "tunnel's frames." },
	};
	int n = h ? h->n_too_big : 0;
	char buf[512];
	struct key_text k;

	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		family(ob, fams[f].name, fams[f].type, fams[f].help);
		for (int i = 0; i < n; i++) {
			const struct gnv_tunnel_too_big *t = &h->too_big[i];

			if (f && !t->mtu)
				continue;
			ends_labels(&k, buf, sizeof(buf), t->family, t->src,
				    t->dst, h->names);
			series(ob, fams[f].name, "", &k, NULL);
			value_u64(ob, f ? t->mtu : t->count);
		}
	}
}

static void bfd_sessions(struct outbuf *ob, const struct gnv_bfd_sessions *t,
			 const struct gnv_ovn_names *names, __u64 now_ns)
{
	static const struct {
		const char *name, *type, *help;
	} fams[] = {
		{ "gnvtrace_bfd_session_state", "gauge",
		  "A BFD session's state as its sender last said, Down once "
		  "silent past its detection time: 0 AdminDown, 1 Down, "
		  "2 Init, 3 Up." },
		{ "gnvtrace_bfd_state_changes_total", "counter",
		  "Changes of a BFD session's state." },
		{ "gnvtrace_bfd_packets_total", "counter",
		  "BFD control packets of a session." },
		{ "gnvtrace_bfd_last_diagnostic", "gauge",
		  "The diagnostic code (RFC 5880) of the session's last change." },
		{ "gnvtrace_bfd_seconds_since_last_packet", "gauge",
		  "Time since the session's last control packet." },
	};
	char buf[512];
	struct key_text k;

	if (!t->n)
		return;
	counter(ob, "gnvtrace_bfd_untracked_packets_total",
		"BFD packets of sessions past the 256 that are followed.",
		t->untracked);
	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		family(ob, fams[f].name, fams[f].type, fams[f].help);
		for (int i = 0; i < t->n; i++) {
			const struct gnv_bfd_session *s = &t->s[i];

			ends_labels(&k, buf, sizeof(buf), s->family, s->src,
				    s->dst, names);
			series(ob, fams[f].name, "", &k, NULL);
			switch (f) {
			case 0: value_u64(ob, s->state); break;
			case 1: value_u64(ob, s->changes); break;
			case 2: value_u64(ob, s->packets); break;
			case 3: value_u64(ob, s->diag); break;
			default:
				value_ns(ob, now_ns > s->last_ns ?
					     now_ns - s->last_ns : 0);
			}
		}
	}
}

/* The port keys as the series will be: labels dropped, capped. */
struct reduced {
	struct gnv_hist h;
	struct gnv_port_entry other;	/* what the cap folded */
	__u64 folded;			/* keys folded into other */
};

static int by_packets(const void *a, const void *b)
{
	const struct gnv_port_entry *x = a, *y = b;

	if (x->stats.packets != y->stats.packets)
		return x->stats.packets > y->stats.packets ? -1 : 1;
	return gnv_port_key_cmp(&x->key, &y->key);
}

/*
 * h's keys with the fields of the label groups not in labels cleared, so
 * that keys alike in the rest add up; then, past max_series (0: none),
 * the keys with the fewest packets folded into r->other. 0 or -ENOMEM.
 */
static int reduce(const struct gnv_hist *h, unsigned int labels,
		  size_t max_series, struct reduced *r)
{
	gnv_hist_init(&r->h);
	r->h.names = h->names;
	for (size_t i = 0; i < h->n; i++) {
		struct gnv_port_key k = h->e[i].key;
		struct gnv_port_entry *e;

		if (!(labels & GNV_LABELS_VNI))
			k.vni = 0;
		if (!(labels & GNV_LABELS_PORT))
			k.port = k.has_port = 0;
		if (!(labels & GNV_LABELS_DIRECTION))
			k.dir = 0;
		if (!(labels & GNV_LABELS_TUNNEL)) {
			memset(k.outer_src, 0, sizeof(k.outer_src));
			memset(k.outer_dst, 0, sizeof(k.outer_dst));
			k.outer_family = 0;
		}
		e = gnv_hist_entry(&r->h, &k);
		if (!e) {
			gnv_hist_free(&r->h);
			return -ENOMEM;
		}
		gnv_port_entry_add(e, &h->e[i]);
	}
	if (!max_series || r->h.n <= max_series)
		return 0;
	qsort(r->h.e, r->h.n, sizeof(r->h.e[0]), by_packets);
	for (size_t i = max_series; i < r->h.n; i++)
		gnv_port_entry_add(&r->other, &r->h.e[i]);
	r->folded = r->h.n - max_series;
	r->h.n = max_series;
	gnv_hist_sort(&r->h);	/* the index knew the entries' old places */
	return 0;
}

int gnv_metrics_parse_labels(const char *list, unsigned int *mask,
			     char *err, size_t errlen)
{
	static const struct { const char *name; unsigned int bit; } groups[] = {
		{ "vni", GNV_LABELS_VNI }, { "port", GNV_LABELS_PORT },
		{ "direction", GNV_LABELS_DIRECTION },
		{ "tunnel", GNV_LABELS_TUNNEL }, { "all", GNV_LABELS_ALL },
	};
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		size_t g;

		for (g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
			if (strlen(groups[g].name) == len &&
			    !strncmp(groups[g].name, p, len))
				break;
		if (g == sizeof(groups) / sizeof(groups[0])) {
			snprintf(err, errlen, "--metrics-labels: '%.*s' is no "
				 "label group; give some of vni,port,direction,"
				 "tunnel (or all)", (int)len, p);
			return -EINVAL;
		}
		*mask |= groups[g].bit;
		p += len + (p[len] == ',');
	}
	if (!*mask) {
		snprintf(err, errlen, "--metrics-labels needs some of vni,port,"
			 "direction,tunnel (or all)");
		return -EINVAL;
	}
	return 0;
}

void gnv_metrics_render(struct outbuf *ob, const struct gnv_metrics_src *src)
{
	static const char mal[] = "gnvtrace_malformed_packets_total";
	const struct gnv_counts *c = src->counts;
	const struct gnv_hist *h = src->hist;
	unsigned int labels = src->labels ? src->labels : GNV_LABELS_ALL;
	struct reduced red = { .folded = 0 };
	struct key_text *keys;
	char *arena;

	if (src->journeys)
		journeys(ob, src->journeys);
	if (src->bfd)
		bfd_sessions(ob, src->bfd, src->names, src->now_ns);
	if (!c)
		return;
	counter(ob, "gnvtrace_packets_total",
		"Frames the BPF program saw, Geneve or not.",
		c->v[GNV_STAT_PACKETS]);
	counter(ob, "gnvtrace_geneve_packets_total",
		"Well-formed Geneve frames.", c->v[GNV_STAT_GENEVE]);
	counter(ob, "gnvtrace_matched_packets_total",
		"Geneve frames the filter accepted.",
		c->v[GNV_STAT_MATCHED]);
	counter(ob, "gnvtrace_lost_events_total",
		"Matched frames whose event was lost: the ring buffer was full.",
		c->v[GNV_STAT_LOST]);
	family(ob, mal, "counter",
	       "Malformed Geneve frames, by the first layer that did not "
	       "hold together.");
	for (int r = GNV_BAD_NONE + 1; r < GNV_BAD_MAX; r++) {
		ob_str(ob, mal);
		ob_str(ob, "{reason=\"");
		gnv_metrics_label_value(ob, gnv_malformed_name(r));
		ob_str(ob, "\"} ");
		value_u64(ob, c->v[GNV_STAT_MALFORMED + r]);
	}
	counter(ob, "gnvtrace_port_keys_added_total",
		"Port keys (VNI, OVN port, direction, tunnel) given a slot in "
		"the kernel's per-port table, once per CPU that saw them.",
		c->v[GNV_STAT_PORT_KEYS]);
	counter(ob, "gnvtrace_port_keys_evicted_total",
		"Port keys whose slot in the kernel's per-port table a new "
		"key took (eight full around it); their counts on that CPU "
		"restart.", h ? h->evicted : 0);
	counter(ob, "gnvtrace_icmp_echo_displaced_total",
		"Echo requests that lost their slot in the echo table to "
		"another before a reply or the timeout.",
		c->v[GNV_STAT_ECHO_DISPLACED]);
	counter(ob, "gnvtrace_tcp_flows_evicted_total",
		"TCP flows (--hist tcp) whose slot in the flow table another "
		"took while they were active: their retransmissions restart.",
		c->v[GNV_STAT_TCP_EVICTED]);
	counter(ob, "gnvtrace_port_uncounted_packets_total",
		"Matched packets in no port's series: the per-port table was "
		"full.", h ? h->dropped : 0);
	counter(ob, "gnvtrace_underlay_too_big_total",
		"ICMP fragmentation-needed and ICMPv6 packet-too-big messages "
		"from the underlay about a tunnel's frames.",
		c->v[GNV_STAT_UNDERLAY_TOO_BIG]);
	tunnels_too_big(ob, h);

	if (h && (labels != GNV_LABELS_ALL || src->max_series)) {
		if (reduce(h, labels, src->max_series, &red))
			return;		/* out of memory: the totals alone */
		h = &red.h;
	}
	if (src->max_series) {
		family(ob, "gnvtrace_port_series_folded", "gauge",
		       "Port keys whose series --metrics-max-series folded "
		       "into the one labelled \"other\".");
		ob_str(ob, "gnvtrace_port_series_folded ");
		value_u64(ob, red.folded);
	}
	if (key_texts(h, labels, red.folded ? &red.other : NULL, &keys,
		      &arena)) {
		/* Out of memory: the totals alone, still a valid body. */
		gnv_hist_free(&red.h);
		return;
	}
	per_port(ob, keys, keys ? h->n + !!red.folded : 0);
	free(keys);
	free(arena);
	gnv_hist_free(&red.h);
}

int gnv_metrics_write_file(const char *path,
			   const struct gnv_metrics_src *src)
{
	size_t len = strlen(path) + 32;
	char *tmp = malloc(len);
	struct outbuf ob;
	FILE *f = NULL;
	int fd = -1, err = 0;

	if (!tmp) {
		err = ENOMEM;
		goto out;
	}
	snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	ob_init(&ob, f);
	if (!ob.cap) {
		err = ENOMEM;
		fclose(f);
		unlink(tmp);
		goto out;
	}
	errno = 0;
	gnv_metrics_render(&ob, src);
	ob_free(&ob);
	if (ferror(f))
		err = errno ? errno : EIO;
	if (fclose(f) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err)
		unlink(tmp);
out:
	free(tmp);
	if (!err)
		return 0;
	pr_warn("cannot write metrics file %s: %s\n", path,
		strerror(err));
	return -err;
}
