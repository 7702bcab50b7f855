/* SPDX-License-Identifier: MIT */
/*
 * An intrusive chained hash table: the caller's struct embeds a
 * struct gnv_hnode per table it sits in, so one object can be in several
 * tables at once (by key, by name, ...) without an allocation per entry.
 * The table keeps each node's hash and finds the candidates with it; what
 * counts as equal is the caller's, who walks them with
 * gnv_hashtab_for_each() and compares.
 *
 * An insert cannot fail: gnv_hashtab_reserve() first grows the table when
 * it is full, so that a change of several tables is all or nothing.
 * A zeroed struct gnv_hashtab is an empty table. Not thread-safe.
 */
#ifndef GNV_HASHTAB_H
#define GNV_HASHTAB_H

#include <stddef.h>
#include <string.h>
#include <linux/types.h>

#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))
#endif

struct gnv_hnode {
	struct gnv_hnode *next;
	__u32 hash;
};

struct gnv_hashtab {
	struct gnv_hnode **b;
	__u32 mask;	/* buckets - 1, a power of two minus one */
	size_t n;	/* entries */
};

/* Room for one more entry: 0, or -ENOMEM with the table as it was. */
int gnv_hashtab_reserve(struct gnv_hashtab *t);

/* Needs the room gnv_hashtab_reserve() made. */
void gnv_hashtab_insert(struct gnv_hashtab *t, struct gnv_hnode *e,
			__u32 hash);

/* e must be in t. */
void gnv_hashtab_remove(struct gnv_hashtab *t, struct gnv_hnode *e);

/*
 * The first, and then the next, entry of t with the hash, or NULL.
 * Inline, as the hashes below: lookups name every event.
 */
static inline struct gnv_hnode *gnv_hashtab_first(const struct gnv_hashtab *t,
						  __u32 hash)
{
	struct gnv_hnode *e = t->b ? t->b[hash & t->mask] : NULL;

	while (e && e->hash != hash)
		e = e->next;
	return e;
}

static inline struct gnv_hnode *gnv_hashtab_next(const struct gnv_hnode *e,
						 __u32 hash)
{
	for (e = e->next; e && e->hash != hash; e = e->next)
		;
	return (struct gnv_hnode *)e;
}

/* Every entry e of t whose hash is h (other keys may share it). */
#define gnv_hashtab_for_each(e, t, h) \
	for (e = gnv_hashtab_first(t, h); e; e = gnv_hashtab_next(e, h))

/*
 * Empties t and frees its buckets, calling free_node(e, arg) on every
 * entry first when free_node is not NULL (it may free e). t is left a
 * zeroed, empty table.
 */
void gnv_hashtab_free(struct gnv_hashtab *t,
		      void (*free_node)(struct gnv_hnode *e, void *arg),
		      void *arg);

/* Hashes that spread over every bit, for any key. */
static inline __u32 gnv_hash_mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x7feb352d;
	h ^= h >> 15;
	h *= 0x846ca68b;
	h ^= h >> 16;
	return h;
}

static inline __u32 gnv_hash_bytes(const void *p, size_t len, __u32 seed)
{
	const unsigned char *s = p;
	__u32 h = 2166136261u ^ seed;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 16777619u;
	return gnv_hash_mix32(h);
}

static inline __u32 gnv_hash_str(const char *s)
{
	return gnv_hash_bytes(s, strlen(s), 0);
}

#endif /* GNV_HASHTAB_H */
