// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "outbuf.h"
#include "ovn_zones.h"
#include "port_stats.h"
#include "trace.h"

void gnv_hist_init(struct gnv_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void gnv_hist_free(struct gnv_hist *h)
{
	free(h->e);
	free(h->index);
	gnv_hist_init(h);
}

/*
 * The index: open addressing over twice the most keys, each slot an entry
 * number + 1 (0: empty). The exporter rebuilds the table from the kernel's
 * map every second, so a linear search (quadratic in the keys) would cost
 * a cloud node with thousands of ports most of a CPU.
 */
#define INDEX_SLOTS	(2 * GNV_MAX_PORT_KEYS)	/* a power of two */

static __u32 key_slot(const struct gnv_port_key *k)
{
	__u32 w[sizeof(*k) / 4];
	__u64 v = 0;

	memcpy(w, k, sizeof(w));
	for (size_t i = 0; i < sizeof(w) / 4; i++)
		v = (v ^ w[i]) * 0x9e3779b97f4a7c15ULL;
	return (v >> 32) & (INDEX_SLOTS - 1);
}

/* The slot that holds key, or the empty one where it would go. */
static __u32 *find_slot(struct gnv_hist *h, const struct gnv_port_key *key)
{
	__u32 i = key_slot(key);

	while (h->index[i] &&
	       memcmp(&h->e[h->index[i] - 1].key, key, sizeof(*key)))
		i = (i + 1) & (INDEX_SLOTS - 1);
	return &h->index[i];
}

/* Made when first needed, and again after gnv_hist_print's sort. */
static int build_index(struct gnv_hist *h)
{
	h->index = calloc(INDEX_SLOTS, sizeof(*h->index));
	if (!h->index)
		return -1;
	for (size_t i = 0; i < h->n; i++)
		*find_slot(h, &h->e[i].key) = i + 1;
	return 0;
}

struct gnv_port_entry *gnv_hist_entry(struct gnv_hist *h,
				      const struct gnv_port_key *key)
{
	__u32 *slot;

	if (!h->index && build_index(h))
		return NULL;
	slot = find_slot(h, key);
	if (*slot)
		return &h->e[*slot - 1];
	if (h->n == GNV_MAX_PORT_KEYS)
		return NULL;
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct gnv_port_entry *e = realloc(h->e, cap * sizeof(*e));

		if (!e)
			return NULL;
		h->e = e;
		h->cap = cap;
	}
	memset(&h->e[h->n], 0, sizeof(h->e[h->n]));
	h->e[h->n].key = *key;
	*slot = ++h->n;
	return &h->e[h->n - 1];
}

void gnv_hist_count(struct gnv_hist *h, const struct gnv_pkt *p, __u8 dir,
		    __u32 len)
{
	struct gnv_port_entry *e;
	struct gnv_port_key key;

	memset(&key, 0, sizeof(key));
	gnv_port_key_of(p, dir, &key);
	e = gnv_hist_entry(h, &key);
	if (e)
		gnv_port_stats_add(&e->stats, len);
	else
		h->dropped++;
}

void gnv_hist_unanswered(struct gnv_hist *h, const struct gnv_port_key *key)
{
	struct gnv_port_entry *e = gnv_hist_entry(h, key);

	if (e)
		e->unanswered++;
}

void gnv_port_stats_sum(struct gnv_port_stats *to,
			const struct gnv_port_stats *add)
{
	to->packets += add->packets;
	to->bytes += add->bytes;
	for (int i = 0; i < GNV_HIST_SLOTS; i++)
		to->size_slots[i] += add->size_slots[i];
	to->rtt_count += add->rtt_count;
	to->rtt_sum_ns += add->rtt_sum_ns;
	for (int i = 0; i < GNV_RTT_SLOTS; i++)
		to->rtt_slots[i] += add->rtt_slots[i];
}

void gnv_hist_merge(struct gnv_hist *h, const struct gnv_hist *from)
{
	struct gnv_port_entry *e;

	h->dropped += from->dropped;
	h->evicted += from->evicted;
	for (size_t i = 0; i < from->n; i++) {
		e = gnv_hist_entry(h, &from->e[i].key);
		if (!e) {
			h->dropped += from->e[i].stats.packets;
			continue;
		}
		gnv_port_stats_sum(&e->stats, &from->e[i].stats);
		e->unanswered += from->e[i].unanswered;
	}
}

int gnv_port_key_cmp(const struct gnv_port_key *x,
		     const struct gnv_port_key *y)
{
	if (x->vni != y->vni)
		return x->vni < y->vni ? -1 : 1;
	if (x->has_port != y->has_port)
		return x->has_port - y->has_port;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	if (x->dir != y->dir)
		return x->dir - y->dir;
	if (x->outer_family != y->outer_family)
		return x->outer_family - y->outer_family;
	return memcmp(x->outer_src, y->outer_src,
		      sizeof(x->outer_src) + sizeof(x->outer_dst));
}

static int by_key(const void *a, const void *b)
{
	return gnv_port_key_cmp(a, b);
}

static const char *dir_name(__u8 dir)
{
	return dir == GNV_DIR_OUT ? "out" : "in";
}

/*
 * OVN's names of e's datapath and port, NULL where there are none: from
 * the zone of the chassis that sent its packets, as for an event; and
 * that zone's label when there are several.
 */
static void names_of(const struct gnv_hist *h, const struct gnv_port_entry *e,
		     const char **dp, const char **port, const char **zone)
{
	const struct gnv_port_key *k = &e->key;
	const struct gnv_ovn_names *z;

	*dp = *port = *zone = NULL;
	if (!h->names)
		return;
	z = gnv_ovn_zone_of_tunnel(h->names, k->vni, k->outer_family,
				   k->outer_src, k->outer_dst);
	*dp = gnv_ovn_datapath_name(z, k->vni);
	if (k->has_port)
		*port = gnv_ovn_port_name(z, k->vni, k->port);
	if (gnv_ovn_zones_many(h->names))
		*zone = gnv_ovn_zone(z);
}

/*
 * "vni 5 (net1) port 3 (vm1) out ch1(10.0.0.1) > ch2(10.0.0.2): ...",
 * "(az1:net1)" with several zones.
 */
static void print_heading(FILE *out, const struct gnv_hist *h,
			  const struct gnv_port_entry *e)
{
	const struct gnv_port_key *k = &e->key;
	char src[GNV_ENDPOINT_STRLEN], dst[GNV_ENDPOINT_STRLEN];
	const char *dp, *port, *zone;

	names_of(h, e, &dp, &port, &zone);
	fprintf(out, "\nvni %u", k->vni);
	if (dp)
		fprintf(out, " (%s%s%s)", zone ? zone : "", zone ? ":" : "",
			dp);
	if (k->has_port)
		fprintf(out, " port %u", k->port);
	else
		fprintf(out, " (no OVN option)");
	if (port)
		fprintf(out, " (%s)", port);
	fprintf(out, " %s %s > %s: %llu packets, %llu bytes\n",
		dir_name(k->dir),
		gnv_ovn_endpoint_str(h->names, k->outer_family, k->outer_src,
				     src, sizeof(src)),
		gnv_ovn_endpoint_str(h->names, k->outer_family, k->outer_dst,
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

int gnv_port_has_echoes(const struct gnv_port_entry *e)
{
	return e->stats.rtt_count || e->unanswered;
}

static void print_rtt(FILE *out, const struct gnv_port_entry *e)
{
	const struct gnv_port_stats *st = &e->stats;

	fprintf(out, "echo round trips: %llu, average %.1f us, %llu "
		"unanswered\n", (unsigned long long)st->rtt_count,
		st->rtt_count ? st->rtt_sum_ns / 1e3 / st->rtt_count : 0.0,
		(unsigned long long)e->unanswered);
	if (st->rtt_count)
		print_log2(out, "usecs", st->rtt_slots, GNV_RTT_SLOTS);
}

/* ,"key":N */
static void json_u64(struct outbuf *ob, const char *key, __u64 v)
{
	ob_str(ob, ",\"");
	ob_str(ob, key);
	ob_str(ob, "\":");
	ob_u64(ob, v);
}

/* ,"key":"s" (escaped), when there is an s. */
static void json_str(struct outbuf *ob, const char *key, const char *s)
{
	if (!s)
		return;
	ob_str(ob, ",\"");
	ob_str(ob, key);
	ob_str(ob, "\":");
	ob_json_str(ob, s);
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
static void json_endpoint(struct outbuf *ob, const struct gnv_hist *h,
			  const char *key, int family, const __u8 *addr)
{
	char name_key[32];

	if (family != 4 && family != 6)
		return;
	ob_str(ob, ",\"");
	ob_str(ob, key);
	ob_str(ob, "\":\"");
	ob_addr(ob, family, addr);
	ob_char(ob, '"');
	snprintf(name_key, sizeof(name_key), "%s_chassis", key);
	json_str(ob, name_key, gnv_ovn_chassis_any(h->names, family, addr));
	snprintf(name_key, sizeof(name_key), "%s_zone", key);
	json_str(ob, name_key, gnv_ovn_chassis_zone_any(h->names, family,
							   addr));
}

static void json_key(struct outbuf *ob, const struct gnv_hist *h,
		     const char *kind, const struct gnv_port_entry *e)
{
	const struct gnv_port_key *k = &e->key;
	const char *dp, *port, *zone;

	names_of(h, e, &dp, &port, &zone);
	ob_str(ob, "{\"hist\":\"");
	ob_str(ob, kind);
	ob_char(ob, '"');
	json_u64(ob, "vni", k->vni);
	json_str(ob, "zone", zone);
	json_str(ob, "datapath", dp);
	if (k->has_port)
		json_u64(ob, "port", k->port);
	json_str(ob, "port_name", port);
	json_str(ob, "dir", dir_name(k->dir));
	json_endpoint(ob, h, "outer_src", k->outer_family, k->outer_src);
	json_endpoint(ob, h, "outer_dst", k->outer_family, k->outer_dst);
}

static void print_json(struct outbuf *ob, const struct gnv_hist *h,
		       const struct gnv_port_entry *e, int kinds)
{
	const struct gnv_port_stats *st = &e->stats;

	if (kinds & GNV_HIST_SIZE) {
		json_key(ob, h, "size", e);
		json_u64(ob, "packets", st->packets);
		json_u64(ob, "bytes", st->bytes);
		json_buckets(ob, st->size_slots, GNV_HIST_SLOTS);
	}
	if ((kinds & GNV_HIST_RTT) && gnv_port_has_echoes(e)) {
		json_key(ob, h, "rtt", e);
		json_str(ob, "unit", "us");
		json_u64(ob, "count", st->rtt_count);
		json_u64(ob, "sum_ns", st->rtt_sum_ns);
		json_u64(ob, "unanswered", e->unanswered);
		json_buckets(ob, st->rtt_slots, GNV_RTT_SLOTS);
	}
	ob_maybe_flush(ob);
}

void gnv_hist_print(FILE *out, struct gnv_hist *h, int kinds,
		    enum gnv_format mode)
{
	struct outbuf ob;

	qsort(h->e, h->n, sizeof(h->e[0]), by_key);
	free(h->index);		/* the entries moved */
	h->index = NULL;
	if (mode == GNV_OUT_JSON) {
		ob_init(&ob, out);
		for (size_t i = 0; i < h->n; i++)
			print_json(&ob, h, &h->e[i], kinds);
		ob_free(&ob);
	}
	for (size_t i = 0; i < h->n && mode != GNV_OUT_JSON; i++) {
		const struct gnv_port_entry *e = &h->e[i];

		if (!(kinds & GNV_HIST_SIZE) && !gnv_port_has_echoes(e))
			continue;
		print_heading(out, h, e);
		if (kinds & GNV_HIST_SIZE)
			print_log2(out, "frame bytes", e->stats.size_slots,
				   GNV_HIST_SLOTS);
		if (kinds & GNV_HIST_RTT)
			print_rtt(out, e);
	}
	if (h->dropped)
		fprintf(stderr, "gnvtrace: %llu packets of ports past the first "
			"%d were not counted in the histograms\n",
			(unsigned long long)h->dropped, GNV_MAX_PORT_KEYS);
	if (h->evicted)
		fprintf(stderr, "gnvtrace: %llu port keys were evicted from the "
			"kernel's map of %d: their counts are gone\n",
			(unsigned long long)h->evicted, GNV_MAX_PORT_KEYS);
	fflush(out);
}

FILE *gnv_hist_out(const struct gnv_trace_opts *o)
{
	return o->write_file && !strcmp(o->write_file, "-") ? stderr : stdout;
}
