// SPDX-License-Identifier: MIT
/*
 * The port table printed: bcc-style log2 histograms of frame sizes and
 * echo round trips under a heading per port, or one JSON object each.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/outbuf.h"
#include "ovn/ovn_zones.h"
#include "hist.h"

static const char *dir_name(__u8 dir)
{
	return dir == GNV_DIR_OUT ? "out" : "in";
}

/*
 * An underlay address as text, after its chassis' name when one is known:
 * "compute-0(172.17.2.119)", else "172.17.2.119". Returns buf.
 */
#define ENDPOINT_STRLEN	(256 + 48)	/* a hostname and an IPv6 */
static const char *endpoint_str(const char *chassis, int family,
				const __u8 *addr16, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (family == 4 || family == 6)
		inet_ntop(family == 4 ? AF_INET : AF_INET6, addr16, ip,
			  sizeof(ip));
	if (chassis)
		snprintf(buf, len, "%s(%s)", chassis, ip);
	else
		snprintf(buf, len, "%s", ip);
	return buf;
}

/*
 * "vni 5 (net1) port 3 (vm1) out ch1(10.0.0.1) > ch2(10.0.0.2): ...",
 * "(az1:net1)" with several zones.
 */
static void print_heading(FILE *out, const struct gnv_port_entry *e,
			  const struct gnv_ovn_view *v)
{
	const struct gnv_port_key *k = &e->key;
	char src[ENDPOINT_STRLEN], dst[ENDPOINT_STRLEN];

	fprintf(out, "\nvni %u", k->vni);
	if (v->datapath)
		fprintf(out, " (%s%s%s)", v->zone ? v->zone : "",
			v->zone ? ":" : "", v->datapath);
	if (k->has_port)
		fprintf(out, " port %u", k->port);
	else
		fprintf(out, " (no OVN option)");
	if (v->inport)
		fprintf(out, " (%s)", v->inport);
	fprintf(out, " %s %s > %s: %llu packets, %llu bytes\n",
		dir_name(k->dir),
		endpoint_str(v->chassis[0], k->outer_family, k->outer_src,
			     src, sizeof(src)),
		endpoint_str(v->chassis[1], k->outer_family, k->outer_dst,
			     dst, sizeof(dst)),
		(unsigned long long)e->stats.packets,
		(unsigned long long)e->stats.bytes);
}

/* bcc's print_log2_hist layout: low -> high : count |stars|. */
static void print_log2(FILE *out, const char *unit, const __u64 *slots,
		       int n_slots)
{
	int last = -1;
	__u64 max = 0;

	for (int i = 0; i < n_slots; i++) {
		if (slots[i])
			last = i;
		if (slots[i] > max)
			max = slots[i];
	}
	fprintf(out, "%24s : count    distribution\n", unit);
	for (int i = 0; i <= last; i++) {
		unsigned long long lo = i ? 1ULL << i : 0;
		unsigned long long hi = (1ULL << (i + 1)) - 1;
		int stars = max ? (int)(slots[i] * 40 / max) : 0;

		fprintf(out, "%10llu -> %-10llu : %-8llu |%-40.*s|\n", lo, hi,
			(unsigned long long)slots[i], stars,
			"****************************************");
	}
}

/*
 * "largest frame 1500 bytes; over the MTU leaving: 2; too big: 3 (MTU
 * 1300 announced); SYNs whose MSS will not fit: 1 (tunnel overhead 98)".
 */
static void print_mtu(FILE *out, const struct gnv_port_stats *st)
{
	fprintf(out, "largest frame %llu bytes",
		(unsigned long long)st->max_len);
	if (st->over_mtu)
		fprintf(out, "; over the MTU leaving: %llu",
			(unsigned long long)st->over_mtu);
	if (st->too_big) {
		fprintf(out, "; too big: %llu", (unsigned long long)st->too_big);
		if (st->too_big_mtu)
			fprintf(out, " (MTU %llu announced)",
				(unsigned long long)st->too_big_mtu);
	}
	if (st->mss_over)
		fprintf(out, "; SYNs whose MSS will not fit: %llu",
			(unsigned long long)st->mss_over);
	if (st->mss_overhead)
		fprintf(out, "%s(tunnel overhead %llu bytes)",
			st->mss_over ? " " : "; ",
			(unsigned long long)st->mss_overhead);
	fputc('\n', out);
}

int gnv_port_has_echoes(const struct gnv_port_entry *e)
{
	return e->stats.rtt_count || e->unanswered;
}

int gnv_port_has_handshakes(const struct gnv_port_entry *e)
{
	return e->stats.syn_count || e->syn_unanswered;
}

/* "WHAT: N, average X us, N unanswered" and the histogram. */
static void print_round_trips(FILE *out, const char *what, __u64 count,
			      __u64 sum_ns, __u64 unanswered,
			      const __u64 *slots)
{
	fprintf(out, "%s: %llu, average %.1f us, %llu unanswered\n", what,
		(unsigned long long)count,
		count ? sum_ns / 1e3 / count : 0.0,
		(unsigned long long)unanswered);
	if (count)
		print_log2(out, "usecs", slots, GNV_RTT_SLOTS);
}

/* "TCP: 120 segments with data, 3 retransmitted (2.5%)" */
static void print_tcp(FILE *out, const struct gnv_port_stats *st)
{
	fprintf(out, "TCP: %llu segments with data, %llu retransmitted "
		"(%.1f%%)\n", (unsigned long long)st->tcp_data_segs,
		(unsigned long long)st->tcp_retrans,
		st->tcp_data_segs ? 100.0 * st->tcp_retrans /
				    st->tcp_data_segs : 0.0);
}

static void print_rtt(FILE *out, const struct gnv_port_entry *e)
{
	const struct gnv_port_stats *st = &e->stats;

	print_round_trips(out, "echo round trips", st->rtt_count,
			  st->rtt_sum_ns, e->unanswered, st->rtt_slots);
	if (gnv_port_has_handshakes(e))
		print_round_trips(out, "TCP handshakes (SYN to SYN-ACK)",
				  st->syn_count, st->syn_sum_ns,
				  e->syn_unanswered, st->syn_slots);
}

static void json_buckets(struct outbuf *ob, const __u64 *slots, int n_slots)
{
	int first = 1;

	ob_str(ob, ",\"buckets\":[");
	for (int i = 0; i < n_slots; i++) {
		if (!slots[i])
			continue;
		ob_str(ob, first ? "{\"min\":" : ",{\"min\":");
		ob_u64(ob, i ? 1ULL << i : 0);
		ob_str(ob, ",\"max\":");
		ob_u64(ob, (1ULL << (i + 1)) - 1);
		ob_str(ob, ",\"count\":");
		ob_u64(ob, slots[i]);
		ob_char(ob, '}');
		first = 0;
	}
	ob_str(ob, "]}\n");
}

/* "outer_src":"10.0.0.1", and its chassis' name and zone when known. */
static void json_endpoint(struct outbuf *ob, const char *key, int family,
			  const __u8 *addr, const char *chassis,
			  const char *zone)
{
	char name_key[32];

	if (family != 4 && family != 6)
		return;
	ob_json_key(ob, key);
	ob_char(ob, '"');
	ob_addr(ob, family, addr);
	ob_char(ob, '"');
	snprintf(name_key, sizeof(name_key), "%s_chassis", key);
	ob_json_key_str(ob, name_key, chassis);
	snprintf(name_key, sizeof(name_key), "%s_zone", key);
	ob_json_key_str(ob, name_key, zone);
}

static void json_key(struct outbuf *ob, const char *kind,
		     const struct gnv_port_entry *e, const struct gnv_ovn_view *v)
{
	const struct gnv_port_key *k = &e->key;

	ob_str(ob, "{\"hist\":\"");
	ob_str(ob, kind);
	ob_char(ob, '"');
	ob_json_key_u64(ob, "vni", k->vni);
	ob_json_key_str(ob, "zone", v->zone);
	ob_json_key_str(ob, "datapath", v->datapath);
	if (k->has_port)
		ob_json_key_u64(ob, "port", k->port);
	ob_json_key_str(ob, "port_name", v->inport);
	ob_json_key_str(ob, "dir", dir_name(k->dir));
	json_endpoint(ob, "outer_src", k->outer_family, k->outer_src,
		      v->chassis[0], v->chassis_zone[0]);
	json_endpoint(ob, "outer_dst", k->outer_family, k->outer_dst,
		      v->chassis[1], v->chassis_zone[1]);
}

/* A round-trip histogram's object: echoes' (rtt) or handshakes'. */
static void json_round_trips(struct outbuf *ob, const char *kind,
			     const struct gnv_port_entry *e,
			     const struct gnv_ovn_view *v, __u64 count,
			     __u64 sum_ns, __u64 unanswered,
			     const __u64 *slots)
{
	json_key(ob, kind, e, v);
	ob_json_key_str(ob, "unit", "us");
	ob_json_key_u64(ob, "count", count);
	ob_json_key_u64(ob, "sum_ns", sum_ns);
	ob_json_key_u64(ob, "unanswered", unanswered);
	json_buckets(ob, slots, GNV_RTT_SLOTS);
}

static void print_json(struct outbuf *ob, const struct gnv_port_entry *e,
		       const struct gnv_ovn_view *v, int kinds)
{
	const struct gnv_port_stats *st = &e->stats;

	if (kinds & GNV_HIST_SIZE) {
		json_key(ob, "size", e, v);
		ob_json_key_u64(ob, "packets", st->packets);
		ob_json_key_u64(ob, "bytes", st->bytes);
		ob_json_key_u64(ob, "max_len", st->max_len);
		ob_json_key_u64(ob, "over_mtu", st->over_mtu);
		ob_json_key_u64(ob, "too_big", st->too_big);
		if (st->too_big_mtu)
			ob_json_key_u64(ob, "too_big_mtu", st->too_big_mtu);
		ob_json_key_u64(ob, "mss_over", st->mss_over);
		if (st->mss_overhead)
			ob_json_key_u64(ob, "mss_overhead", st->mss_overhead);
		json_buckets(ob, st->size_slots, GNV_HIST_SLOTS);
	}
	if ((kinds & GNV_HIST_RTT) && gnv_port_has_echoes(e))
		json_round_trips(ob, "rtt", e, v, st->rtt_count, st->rtt_sum_ns,
				 e->unanswered, st->rtt_slots);
	if ((kinds & GNV_HIST_TCP) && st->tcp_data_segs) {
		json_key(ob, "tcp", e, v);
		ob_json_key_u64(ob, "segments", st->tcp_data_segs);
		ob_json_key_u64(ob, "retransmits", st->tcp_retrans);
		ob_str(ob, "}\n");
	}
	if ((kinds & GNV_HIST_RTT) && gnv_port_has_handshakes(e))
		json_round_trips(ob, "handshake", e, v, st->syn_count,
				 st->syn_sum_ns, e->syn_unanswered,
				 st->syn_slots);
	ob_maybe_flush(ob);
}

/*
 * The tunnels routers said were too big (--hist size): "underlay: tunnel
 * ch1(10.0.0.1) > ch2(10.0.0.2): too big: 3 (MTU 1400 announced, last by
 * 10.0.0.254)", or a JSON object each.
 */
static void print_too_big(FILE *out, struct outbuf *ob,
			  const struct gnv_hist *h, enum gnv_format mode)
{
	char src[ENDPOINT_STRLEN], dst[ENDPOINT_STRLEN];
	char router[INET6_ADDRSTRLEN];

	for (int i = 0; i < h->n_too_big; i++) {
		const struct gnv_tunnel_too_big *t = &h->too_big[i];
		const char *ch[2] = {
			gnv_ovn_chassis_any(h->names, t->family, t->src),
			gnv_ovn_chassis_any(h->names, t->family, t->dst),
		};

		inet_ntop(t->family == 4 ? AF_INET : AF_INET6, t->router,
			  router, sizeof(router));
		if (mode == GNV_OUT_JSON) {
			ob_str(ob, "{\"hist\":\"underlay_too_big\"");
			json_endpoint(ob, "outer_src", t->family, t->src,
				      ch[0], NULL);
			json_endpoint(ob, "outer_dst", t->family, t->dst,
				      ch[1], NULL);
			ob_json_key_u64(ob, "too_big", t->count);
			if (t->mtu)
				ob_json_key_u64(ob, "too_big_mtu", t->mtu);
			ob_json_key_str(ob, "router", router);
			ob_str(ob, "}\n");
			continue;
		}
		fprintf(out, "\nunderlay: tunnel %s > %s: too big: %llu",
			endpoint_str(ch[0], t->family, t->src, src,
				     sizeof(src)),
			endpoint_str(ch[1], t->family, t->dst, dst,
				     sizeof(dst)),
			(unsigned long long)t->count);
		if (t->mtu)
			fprintf(out, " (MTU %u announced, last by %s)\n",
				t->mtu, router);
		else
			fprintf(out, " (no MTU announced, last by %s)\n",
				router);
	}
	if (h->too_big_untracked)
		pr_warn("%llu underlay 'too big' messages of tunnels past the "
			"first %d were not counted\n",
			(unsigned long long)h->too_big_untracked,
			GNV_MAX_TOO_BIG_TUNNELS);
}

void gnv_hist_print(FILE *out, struct gnv_hist *h, int kinds,
		    enum gnv_format mode)
{
	struct gnv_ovn_view v;
	struct outbuf ob;

	gnv_hist_sort(h);
	if (mode == GNV_OUT_JSON) {
		ob_init(&ob, out);
		for (size_t i = 0; i < h->n; i++) {
			gnv_ovn_view_port(h->names, &h->e[i].key, 1, &v);
			print_json(&ob, &h->e[i], &v, kinds);
		}
		if (kinds & GNV_HIST_SIZE)
			print_too_big(out, &ob, h, mode);
		ob_free(&ob);
	}
	for (size_t i = 0; i < h->n && mode != GNV_OUT_JSON; i++) {
		const struct gnv_port_entry *e = &h->e[i];

		if (!(kinds & GNV_HIST_SIZE) && !gnv_port_has_echoes(e) &&
		    !gnv_port_has_handshakes(e) && !e->stats.tcp_data_segs)
			continue;
		gnv_ovn_view_port(h->names, &e->key, 0, &v);
		print_heading(out, e, &v);
		if (kinds & GNV_HIST_SIZE) {
			print_mtu(out, &e->stats);
			print_log2(out, "frame bytes", e->stats.size_slots,
				   GNV_HIST_SLOTS);
		}
		if (kinds & GNV_HIST_RTT)
			print_rtt(out, e);
		if ((kinds & GNV_HIST_TCP) && e->stats.tcp_data_segs)
			print_tcp(out, &e->stats);
	}
	if ((kinds & GNV_HIST_SIZE) && mode != GNV_OUT_JSON)
		print_too_big(out, NULL, h, mode);
	if (h->dropped)
		pr_warn("%llu packets of ports past the first "
			"%d were not counted in the histograms\n",
			(unsigned long long)h->dropped, GNV_MAX_PORT_KEYS);
	if (h->evicted)
		pr_warn("%llu port keys were evicted from the "
			"kernel's table of %d: their counts are gone\n",
			(unsigned long long)h->evicted, GNV_MAX_PORT_KEYS);
	fflush(out);
}
