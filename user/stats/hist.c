// SPDX-License-Identifier: MIT
/* The port table: per-port statistics by key, summed and merged. */
#include <stdlib.h>
#include <string.h>

#include "port_stats.h"
#include "hist.h"

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

struct gnv_port_entry *gnv_hist_count(struct gnv_hist *h,
				      const struct gnv_pkt *p, __u8 dir,
				      __u32 len, __u32 mtu)
{
	struct gnv_port_entry *e;
	struct gnv_port_key key;

	memset(&key, 0, sizeof(key));
	gnv_port_key_of(p, dir, &key);
	e = gnv_hist_entry(h, &key);
	if (!e) {
		h->dropped++;
		return NULL;
	}
	gnv_port_stats_add(&e->stats, len);
	gnv_port_mtu_add(&e->stats, p, mtu);
	return e;
}

void gnv_hist_unanswered(struct gnv_hist *h, const struct gnv_port_key *key,
			 __u8 proto)
{
	struct gnv_port_entry *e = gnv_hist_entry(h, key);

	if (!e)
		return;
	if (proto == GNV_IPPROTO_TCP)
		e->syn_unanswered++;
	else
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
	to->tcp_data_segs += add->tcp_data_segs;
	to->tcp_retrans += add->tcp_retrans;
	to->syn_count += add->syn_count;
	to->syn_sum_ns += add->syn_sum_ns;
	for (int i = 0; i < GNV_RTT_SLOTS; i++) {
		to->rtt_slots[i] += add->rtt_slots[i];
		to->syn_slots[i] += add->syn_slots[i];
	}
	/* The largest frame and the smallest MTU announced: not sums. */
	if (add->max_len > to->max_len)
		to->max_len = add->max_len;
	to->over_mtu += add->over_mtu;
	to->too_big += add->too_big;
	if (add->too_big_mtu &&
	    (!to->too_big_mtu || add->too_big_mtu < to->too_big_mtu))
		to->too_big_mtu = add->too_big_mtu;
	to->mss_over += add->mss_over;
	if (add->mss_overhead)
		to->mss_overhead = add->mss_overhead;
}

void gnv_port_entry_add(struct gnv_port_entry *to,
			const struct gnv_port_entry *add)
{
	gnv_port_stats_sum(&to->stats, &add->stats);
	to->unanswered += add->unanswered;
	to->syn_unanswered += add->syn_unanswered;
}

/* The tunnel's entry, made when new; NULL when the table is full. */
static struct gnv_tunnel_too_big *too_big_entry(struct gnv_hist *h,
						__u8 family, const __u8 *src,
						const __u8 *dst)
{
	struct gnv_tunnel_too_big *t;

	for (int i = 0; i < h->n_too_big; i++) {
		t = &h->too_big[i];
		if (t->family == family && !memcmp(t->src, src, 16) &&
		    !memcmp(t->dst, dst, 16))
			return t;
	}
	if (h->n_too_big == GNV_MAX_TOO_BIG_TUNNELS)
		return NULL;
	t = &h->too_big[h->n_too_big++];
	memset(t, 0, sizeof(*t));
	t->family = family;
	memcpy(t->src, src, 16);
	memcpy(t->dst, dst, 16);
	return t;
}

static void too_big_add(struct gnv_hist *h,
			const struct gnv_tunnel_too_big *add)
{
	struct gnv_tunnel_too_big *t = too_big_entry(h, add->family, add->src,
						     add->dst);

	if (!t) {
		h->too_big_untracked += add->count;
		return;
	}
	t->count += add->count;
	memcpy(t->router, add->router, 16);
	if (add->mtu && (!t->mtu || add->mtu < t->mtu))
		t->mtu = add->mtu;
}

void gnv_hist_too_big(struct gnv_hist *h, const struct gnv_pkt *p)
{
	struct gnv_tunnel_too_big one = {
		.family = p->inner_family, .mtu = gnv_too_big_mtu(p),
		.count = 1,
	};

	memcpy(one.src, p->inner_src, 16);
	memcpy(one.dst, p->inner_dst, 16);
	memcpy(one.router, p->outer_src, 16);
	too_big_add(h, &one);
}

void gnv_hist_merge(struct gnv_hist *h, const struct gnv_hist *from)
{
	struct gnv_port_entry *e;

	h->too_big_untracked += from->too_big_untracked;
	for (int i = 0; i < from->n_too_big; i++)
		too_big_add(h, &from->too_big[i]);

	h->dropped += from->dropped;
	h->evicted += from->evicted;
	for (size_t i = 0; i < from->n; i++) {
		e = gnv_hist_entry(h, &from->e[i].key);
		if (!e) {
			h->dropped += from->e[i].stats.packets;
			continue;
		}
		gnv_port_entry_add(e, &from->e[i]);
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

void gnv_hist_sort(struct gnv_hist *h)
{
	qsort(h->e, h->n, sizeof(h->e[0]), by_key);
	free(h->index);		/* the entries moved */
	h->index = NULL;
}
