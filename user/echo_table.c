// SPDX-License-Identifier: MIT
/*
 * The requests live in a ring in the order they were seen, which is their
 * age order: reaping pops the ring's head, and a full ring drops its head
 * as the kernel's LRU map would. An open-addressing index (linear probing,
 * deletion by backward shift) finds a request by key for its reply.
 */
#include <stdlib.h>
#include <string.h>

#include "echo_table.h"
#include "port_stats.h"

#define INDEX_SLOTS	(2 * GNV_MAX_ECHOES)	/* a power of two */
#define EMPTY		((__u32)-1)

struct request {
	struct gnv_echo_key key;
	struct gnv_echo echo;
	int live;		/* not answered, not replaced */
};

struct gnv_echo_table {
	struct request ring[GNV_MAX_ECHOES];
	__u32 head, count;	/* the oldest request, how many in the ring */
	__u32 index[INDEX_SLOTS];	/* ring positions, EMPTY */
};

struct gnv_echo_table *gnv_echo_table_new(void)
{
	struct gnv_echo_table *t = calloc(1, sizeof(*t));

	if (t)
		memset(t->index, 0xff, sizeof(t->index));
	return t;
}

void gnv_echo_table_free(struct gnv_echo_table *t)
{
	free(t);
}

static __u32 hash_key(const struct gnv_echo_key *k)
{
	const __u8 *p = (const __u8 *)k;
	__u32 h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h & (INDEX_SLOTS - 1);
}

/* The index slot holding key, or the empty slot where it would go. */
static __u32 find_slot(const struct gnv_echo_table *t,
		       const struct gnv_echo_key *k)
{
	__u32 i = hash_key(k);

	while (t->index[i] != EMPTY &&
	       memcmp(&t->ring[t->index[i]].key, k, sizeof(*k)))
		i = (i + 1) & (INDEX_SLOTS - 1);
	return i;
}

/* Empties index slot i, moving back the entries that probed past it. */
static void unindex(struct gnv_echo_table *t, __u32 i)
{
	__u32 j = i, home;

	for (;;) {
		t->index[i] = EMPTY;
		for (;;) {
			j = (j + 1) & (INDEX_SLOTS - 1);
			if (t->index[j] == EMPTY)
				return;
			home = hash_key(&t->ring[t->index[j]].key);
			/* Movable when its home is not in (i, j] cyclically. */
			if (i <= j ? (home <= i || home > j) :
				     (home <= i && home > j))
				break;
		}
		t->index[i] = t->index[j];
		i = j;
	}
}

static void forget(struct gnv_echo_table *t, struct request *r)
{
	r->live = 0;
	unindex(t, find_slot(t, &r->key));
}

/* Pops the head: unanswered when reaped, dropped when evicted. */
static void pop(struct gnv_echo_table *t, struct gnv_hist *h, int reaped)
{
	struct request *r = &t->ring[t->head];

	if (r->live) {
		if (reaped)
			gnv_hist_unanswered(h, &r->echo.port);
		forget(t, r);
	}
	t->head = (t->head + 1) % GNV_MAX_ECHOES;
	t->count--;
}

void gnv_echo_reap(struct gnv_echo_table *t, struct gnv_hist *h,
		   __u64 now_ns, __u64 timeout_ns)
{
	while (t->count) {
		const struct request *r = &t->ring[t->head];

		if (r->live &&
		    gnv_echo_in_time(r->echo.ts_ns, now_ns, timeout_ns))
			break;
		pop(t, h, 1);
	}
}

static void remember(struct gnv_echo_table *t, struct gnv_hist *h,
		     const struct gnv_echo_key *k, const struct gnv_echo *e)
{
	__u32 slot = find_slot(t, k), pos;

	/* A request seen again starts over, as the kernel's update does. */
	if (t->index[slot] != EMPTY) {
		forget(t, &t->ring[t->index[slot]]);
		slot = find_slot(t, k);
	}
	if (t->count == GNV_MAX_ECHOES) {
		pop(t, h, 0);
		slot = find_slot(t, k);
	}
	pos = (t->head + t->count++) % GNV_MAX_ECHOES;
	t->ring[pos].key = *k;
	t->ring[pos].echo = *e;
	t->ring[pos].live = 1;
	t->index[slot] = pos;
}

void gnv_echo_count(struct gnv_echo_table *t, struct gnv_hist *h,
		    const struct gnv_pkt *p, __u8 dir, __u64 now_ns,
		    __u64 timeout_ns)
{
	int kind = gnv_echo_kind(p);
	struct gnv_port_entry *pe;
	struct gnv_echo_key k;
	struct request *r;
	struct gnv_echo e;
	__u32 slot;

	gnv_echo_reap(t, h, now_ns, timeout_ns);
	if (!kind)
		return;
	memset(&k, 0, sizeof(k));
	gnv_echo_key_of(p, kind, &k);
	if (kind == GNV_ECHO_REQUEST) {
		memset(&e, 0, sizeof(e));
		e.ts_ns = now_ns;
		gnv_port_key_of(p, dir, &e.port);
		remember(t, h, &k, &e);
		return;
	}
	slot = find_slot(t, &k);
	if (t->index[slot] == EMPTY)
		return;
	r = &t->ring[t->index[slot]];
	if (!gnv_echo_in_time(r->echo.ts_ns, now_ns, timeout_ns))
		return;
	pe = gnv_hist_entry(h, &r->echo.port);
	if (pe)
		gnv_port_rtt_add(&pe->stats, now_ns - r->echo.ts_ns);
	forget(t, r);
}
