// SPDX-License-Identifier: MIT
/*
 * The intrusive chained hash table of hashtab.h: a power of two of
 * buckets, each a singly linked chain, doubled when it holds as many
 * entries as buckets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"

static int grow(struct gnv_hashtab *t)
{
	__u32 nb = t->b ? (t->mask + 1) * 2 : 64;
	struct gnv_hnode **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (__u32 i = 0; t->b && i <= t->mask; i++) {
		struct gnv_hnode *e = t->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(t->b);
	t->b = b;
	t->mask = nb - 1;
	return 0;
}

int gnv_hashtab_reserve(struct gnv_hashtab *t)
{
	if (!t->b || t->n >= t->mask + 1)
		return grow(t);
	return 0;
}

void gnv_hashtab_insert(struct gnv_hashtab *t, struct gnv_hnode *e,
			__u32 hash)
{
	struct gnv_hnode **head = &t->b[hash & t->mask];

	e->hash = hash;
	e->next = *head;
	*head = e;
	t->n++;
}

void gnv_hashtab_remove(struct gnv_hashtab *t, struct gnv_hnode *e)
{
	struct gnv_hnode **pp = &t->b[e->hash & t->mask];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			e->next = NULL;
			t->n--;
			return;
		}
	}
}

void gnv_hashtab_free(struct gnv_hashtab *t,
		      void (*free_node)(struct gnv_hnode *e, void *arg),
		      void *arg)
{
	for (__u32 i = 0; free_node && t->b && i <= t->mask; i++) {
		struct gnv_hnode *e = t->b[i], *next;

		for (; e; e = next) {
			next = e->next;	/* before free_node frees e */
			free_node(e, arg);
		}
	}
	free(t->b);
	memset(t, 0, sizeof(*t));
}
