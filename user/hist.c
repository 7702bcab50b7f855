// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "port_stats.h"
#include "trace.h"

void gnv_hist_init(struct gnv_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void gnv_hist_free(struct gnv_hist *h)
{
	free(h->e);
	gnv_hist_init(h);
}

/*
 * A linear search: a trace has a few dozen ports, and the table is only
 * walked offline per packet, where a port's entry is found within the
 * first few comparisons in practice.
 */
struct gnv_port_stats *gnv_hist_entry(struct gnv_hist *h,
				      const struct gnv_port_key *key)
{
	for (size_t i = 0; i < h->n; i++)
		if (!memcmp(&h->e[i].key, key, sizeof(*key)))
			return &h->e[i].stats;
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
	return &h->e[h->n++].stats;
}

void gnv_hist_count(struct gnv_hist *h, const struct gnv_pkt *p, __u8 dir,
		    __u32 len)
{
	struct gnv_port_stats *st;
	struct gnv_port_key key;

	memset(&key, 0, sizeof(key));
	gnv_port_key_of(p, dir, &key);
	st = gnv_hist_entry(h, &key);
	if (st)
		gnv_port_stats_add(st, len);
	else
		h->dropped++;
}

void gnv_hist_merge(struct gnv_hist *h, const struct gnv_hist *from)
{
	struct gnv_port_stats *st;

	h->dropped += from->dropped;
	for (size_t i = 0; i < from->n; i++) {
		const struct gnv_port_stats *add = &from->e[i].stats;

		st = gnv_hist_entry(h, &from->e[i].key);
		if (!st) {
			h->dropped += add->packets;
			continue;
		}
		st->packets += add->packets;
		st->bytes += add->bytes;
		for (int j = 0; j < GNV_HIST_SLOTS; j++)
			st->size_slots[j] += add->size_slots[j];
	}
}

static int by_key(const void *a, const void *b)
{
	const struct gnv_port_key *x = a, *y = b;

	if (x->vni != y->vni)
		return x->vni < y->vni ? -1 : 1;
	if (x->has_port != y->has_port)
		return x->has_port - y->has_port;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->dir - y->dir;
}

static const char *dir_name(__u8 dir)
{
	return dir == GNV_DIR_OUT ? "out" : "in";
}

static void print_heading(FILE *out, const struct gnv_port_entry *e)
{
	fprintf(out, "\nvni %u", e->key.vni);
	if (e->key.has_port)
		fprintf(out, " port %u", e->key.port);
	else
		fprintf(out, " (no OVN option)");
	fprintf(out, " %s: %llu packets, %llu bytes\n", dir_name(e->key.dir),
		(unsigned long long)e->stats.packets,
		(unsigned long long)e->stats.bytes);
}

/* bcc's print_log2_hist layout: low -> high : count |stars|. */
static void print_log2(FILE *out, const __u64 *slots)
{
	int last = -1;
	__u64 max = 0;

	for (int i = 0; i < GNV_HIST_SLOTS; i++) {
		if (slots[i])
			last = i;
		if (slots[i] > max)
			max = slots[i];
	}
	fprintf(out, "%24s : count    distribution\n", "frame bytes");
	for (int i = 0; i <= last; i++) {
		unsigned long long lo = i ? 1ULL << i : 0;
		unsigned long long hi = (1ULL << (i + 1)) - 1;
		int stars = max ? (int)(slots[i] * 40 / max) : 0;

		fprintf(out, "%10llu -> %-10llu : %-8llu |%-40.*s|\n", lo, hi,
			(unsigned long long)slots[i], stars,
			"****************************************");
	}
}

static void print_json(FILE *out, const struct gnv_port_entry *e)
{
	int first = 1;

	fprintf(out, "{\"hist\":\"size\",\"vni\":%u", e->key.vni);
	if (e->key.has_port)
		fprintf(out, ",\"port\":%u", e->key.port);
	fprintf(out, ",\"dir\":\"%s\",\"packets\":%llu,\"bytes\":%llu,"
		"\"buckets\":[", dir_name(e->key.dir),
		(unsigned long long)e->stats.packets,
		(unsigned long long)e->stats.bytes);
	for (int i = 0; i < GNV_HIST_SLOTS; i++) {
		if (!e->stats.size_slots[i])
			continue;
		fprintf(out, "%s{\"min\":%llu,\"max\":%llu,\"count\":%llu}",
			first ? "" : ",", i ? 1ULL << i : 0ULL,
			(1ULL << (i + 1)) - 1,
			(unsigned long long)e->stats.size_slots[i]);
		first = 0;
	}
	fprintf(out, "]}\n");
}

void gnv_hist_print(FILE *out, struct gnv_hist *h, enum gnv_format mode)
{
	qsort(h->e, h->n, sizeof(h->e[0]), by_key);
	for (size_t i = 0; i < h->n; i++) {
		if (mode == GNV_OUT_JSON) {
			print_json(out, &h->e[i]);
			continue;
		}
		print_heading(out, &h->e[i]);
		print_log2(out, h->e[i].stats.size_slots);
	}
	if (h->dropped)
		fprintf(stderr, "gnvtrace: %llu packets of ports past the first "
			"%d were not counted in the histograms\n",
			(unsigned long long)h->dropped, GNV_MAX_PORT_KEYS);
	fflush(out);
}

FILE *gnv_hist_out(const struct gnv_trace_opts *o)
{
	return o->write_file && !strcmp(o->write_file, "-") ? stderr : stdout;
}
