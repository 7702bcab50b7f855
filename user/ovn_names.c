// SPDX-License-Identifier: MIT
/*
 * The OVN names table: Southbound rows by _uuid, with hash indexes by
 * datapath key, by (datapath _uuid, port key) and by name. A row is
 * removed from its indexes, changed and put back, so a rename or a key
 * change is as cheap as an insert.
 *
 * Chassis rows are indexed by name and by hostname, Encap rows by outer
 * address and by chassis_name. An encap is tied to its chassis by name at
 * lookup time only (two hash lookups), so nothing has to be kept in step
 * when either side changes, arrives first or goes.
 *
 * A table of the interconnection DB holds its rows in the same shapes: a
 * transit switch as a datapath named by transit_switch, its ports tied to
 * it by that name (not by a datapath _uuid), a Gateway as a chassis with
 * its Availability_Zone, an Encap as a chassis' by gateway_name.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ovn_names.h"

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - __builtin_offsetof(type, member)))

/* An intrusive chained hash table; rows sit in several at once. */
struct hnode {
	struct hnode *next;
	__u32 hash;
};

struct htab {
	struct hnode **b;
	__u32 mask;	/* buckets - 1, a power of two minus one */
	size_t n;
};

struct ovn_dp {
	struct hnode by_uuid, by_key, by_name, by_name1;
	__u8 uuid[16];
	__u32 key;	/* 0: none (the schema's keys start at 1) */
	char *name;	/* external_ids:name */
	char *name2;	/* external_ids:name2 */
	bool in_name1;	/* indexed by name1 too: name2 hides name */
};

struct ovn_port {
	struct hnode by_uuid, by_dpkey, by_name;
	__u8 uuid[16];
	__u8 dp_uuid[16];
	__u32 key;	/* 0: none */
	bool has_dp;
	bool mc;	/* a Multicast_Group row */
	char *name;
	char *ts;	/* interconnection: its transit switch's name */
};

struct ovn_chassis {
	struct hnode by_uuid, by_name, by_host;
	__u8 uuid[16];
	char *name;	/* the system-id; NULL or "": unindexed */
	char *hostname;	/* NULL or "": unindexed */
	/* Another zone's gateway that ovn-ic copied in: is-remote=true in
	 * other_config (where 23.03 writes it) or external_ids (read too,
	 * for releases that kept it there). */
	bool remote_oc, remote_ei;
	bool has_az;	/* interconnection: a Gateway's availability_zone */
	__u8 az[16];
};

struct ovn_az {
	struct hnode by_uuid;
	__u8 uuid[16];
	char *name;
};

struct ovn_encap {
	struct hnode by_uuid, by_addr, by_chname;
	__u8 uuid[16];
	char *type;
	char *ip;		/* as the DB has it */
	char *chassis_name;	/* NULL or "": unindexed by it */
	bool has_addr;		/* ip parsed: indexed by address */
	__u8 family;		/* 4 or 6 */
	__u8 addr[16];
};

struct gnv_ovn_names {
	struct htab dp_uuid, dp_key, dp_name, dp_name1;
	struct htab port_uuid, port_dpkey, port_name;
	struct htab ch_uuid, ch_name, ch_host;
	struct htab en_uuid, en_addr, en_chname;
	struct htab az_uuid;
	__u64 gen;
	/* Availability zones: one table each, in a list (ovn_zones.c). */
	const char *zone;
	struct gnv_ovn_names *next;
	bool ic;	/* the interconnection DB's rows */
};

static const __u8 zero_uuid[16];

static __u32 mix32(__u32 h)
{
	h ^= h >> 16;
	h *= 0x7feb352d;
	h ^= h >> 15;
	h *= 0x846ca68b;
	h ^= h >> 16;
	return h;
}

static __u32 hash_bytes(const void *p, size_t len, __u32 seed)
{
	const unsigned char *s = p;
	__u32 h = 2166136261u ^ seed;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 16777619u;
	return mix32(h);
}

static __u32 hash_str(const char *s)
{
	return hash_bytes(s, strlen(s), 0);
}

static __u32 hash_uuid(const __u8 *u)
{
	return hash_bytes(u, 16, 0);
}

static __u32 hash_addr(int family, const __u8 *addr16)
{
	return hash_bytes(addr16, family == 4 ? 4 : 16, family);
}

static __u32 hash_dpkey(const __u8 *dp_uuid, __u32 key)
{
	return hash_bytes(dp_uuid, 16, mix32(key + 1));
}

/* A transit switch's port: by the switch's name and the port's key. */
static __u32 hash_tskey(const char *ts, __u32 key)
{
	return hash_bytes(ts, strlen(ts), mix32(key + 1));
}

static int htab_grow(struct htab *t)
{
	__u32 nb = t->b ? (t->mask + 1) * 2 : 64;
	struct hnode **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (__u32 i = 0; t->b && i <= t->mask; i++) {
		struct hnode *e = t->b[i], *next;

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

/* Growing first, so that an insert itself cannot fail. */
static int htab_reserve(struct htab *t)
{
	if (!t->b || t->n >= t->mask + 1)
		return htab_grow(t);
	return 0;
}

static void htab_insert(struct htab *t, struct hnode *e, __u32 hash)
{
	struct hnode **head = &t->b[hash & t->mask];

	e->hash = hash;
	e->next = *head;
	*head = e;
	t->n++;
}

static void htab_remove(struct htab *t, struct hnode *e)
{
	struct hnode **pp = &t->b[e->hash & t->mask];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			e->next = NULL;
			t->n--;
			return;
		}
	}
}

static struct hnode *htab_first(const struct htab *t, __u32 hash)
{
	struct hnode *e = t->b ? t->b[hash & t->mask] : NULL;

	while (e && e->hash != hash)
		e = e->next;
	return e;
}

static struct hnode *htab_next(const struct hnode *e, __u32 hash)
{
	for (e = e->next; e && e->hash != hash; e = e->next)
		;
	return (struct hnode *)e;
}

#define for_each_hash(e, t, h) \
	for (e = htab_first(t, h); e; e = htab_next(e, h))

void gnv_ovn_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int parse_uuid(const char *s, __u8 *u)
{
	int i = 0;

	if (strlen(s) != 36)
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		int d;

		if (p - s == 8 || p - s == 13 || p - s == 18 || p - s == 23) {
			if (*p != '-')
				return -EINVAL;
			continue;
		}
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -EINVAL;
		if (i & 1)
			u[i / 2] |= d;
		else
			u[i / 2] = d << 4;
		i++;
	}
	return 0;
}

struct gnv_ovn_names *gnv_ovn_names_new(void)
{
	return calloc(1, sizeof(struct gnv_ovn_names));
}

struct gnv_ovn_names *gnv_ovn_names_new_ic(void)
{
	struct gnv_ovn_names *n = gnv_ovn_names_new();

	if (n)
		n->ic = true;
	return n;
}

int gnv_ovn_names_is_ic(const struct gnv_ovn_names *n)
{
	return n && n->ic;
}

static void dp_free(struct ovn_dp *d)
{
	free(d->name);
	free(d->name2);
	free(d);
}

static void port_free(struct ovn_port *p)
{
	free(p->name);
	free(p->ts);
	free(p);
}

static void az_free(struct ovn_az *a)
{
	free(a->name);
	free(a);
}

static void chassis_free(struct ovn_chassis *c)
{
	free(c->name);
	free(c->hostname);
	free(c);
}

static void encap_free(struct ovn_encap *e)
{
	free(e->type);
	free(e->ip);
	free(e->chassis_name);
	free(e);
}

static void names_empty(struct gnv_ovn_names *n)
{
	struct htab *t = &n->dp_uuid;

	for (__u32 i = 0; t->b && i <= t->mask; i++) {
		struct hnode *e = t->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			dp_free(container_of(e, struct ovn_dp, by_uuid));
		}
	}
	t = &n->port_uuid;
	for (__u32 i = 0; t->b && i <= t->mask; i++) {
		struct hnode *e = t->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			port_free(container_of(e, struct ovn_port, by_uuid));
		}
	}
	t = &n->ch_uuid;
	for (__u32 i = 0; t->b && i <= t->mask; i++) {
		struct hnode *e = t->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			chassis_free(container_of(e, struct ovn_chassis,
						  by_uuid));
		}
	}
	t = &n->en_uuid;
	for (__u32 i = 0; t->b && i <= t->mask; i++) {
		struct hnode *e = t->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			encap_free(container_of(e, struct ovn_encap, by_uuid));
		}
	}
	t = &n->az_uuid;
	for (__u32 i = 0; t->b && i <= t->mask; i++) {
		struct hnode *e = t->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			az_free(container_of(e, struct ovn_az, by_uuid));
		}
	}
	free(n->az_uuid.b);
	free(n->ch_uuid.b);
	free(n->ch_name.b);
	free(n->ch_host.b);
	free(n->en_uuid.b);
	free(n->en_addr.b);
	free(n->en_chname.b);
	free(n->dp_uuid.b);
	free(n->dp_key.b);
	free(n->dp_name.b);
	free(n->dp_name1.b);
	free(n->port_uuid.b);
	free(n->port_dpkey.b);
	free(n->port_name.b);
	memset(n, 0, offsetof(struct gnv_ovn_names, gen));
}

void gnv_ovn_names_free(struct gnv_ovn_names *n)
{
	if (!n)
		return;
	names_empty(n);
	free(n);
}

void gnv_ovn_names_set_zone(struct gnv_ovn_names *n, const char *zone,
			    struct gnv_ovn_names *next)
{
	n->zone = zone;
	n->next = next;
}

const char *gnv_ovn_zone(const struct gnv_ovn_names *n)
{
	return n->zone;
}

const struct gnv_ovn_names *gnv_ovn_next_zone(const struct gnv_ovn_names *n)
{
	return n->next;
}

void gnv_ovn_names_clear(struct gnv_ovn_names *n)
{
	if (n->dp_uuid.n || n->port_uuid.n || n->ch_uuid.n || n->en_uuid.n ||
	    n->az_uuid.n)
		n->gen++;
	names_empty(n);
}

__u64 gnv_ovn_names_generation(const struct gnv_ovn_names *n)
{
	return n ? n->gen : 0;
}

void gnv_ovn_names_count(const struct gnv_ovn_names *n, size_t *datapaths,
			 size_t *ports)
{
	if (datapaths)
		*datapaths = n->dp_uuid.n;
	if (ports)
		*ports = n->port_uuid.n;
}

void gnv_ovn_names_count_chassis(const struct gnv_ovn_names *n,
				 size_t *chassis, size_t *encaps)
{
	if (chassis)
		*chassis = n ? n->ch_uuid.n : 0;
	if (encaps)
		*encaps = n ? n->en_uuid.n : 0;
}

static const char *dp_display(const struct ovn_dp *d)
{
	return d->name2 ? d->name2 : d->name;
}

static struct ovn_dp *dp_by_uuid(const struct gnv_ovn_names *n, const __u8 *u)
{
	struct hnode *e;

	for_each_hash(e, &n->dp_uuid, hash_uuid(u)) {
		struct ovn_dp *d = container_of(e, struct ovn_dp, by_uuid);

		if (!memcmp(d->uuid, u, 16))
			return d;
	}
	return NULL;
}

static struct ovn_dp *dp_by_key(const struct gnv_ovn_names *n, __u32 key)
{
	struct hnode *e;

	if (!key)
		return NULL;
	for_each_hash(e, &n->dp_key, mix32(key)) {
		struct ovn_dp *d = container_of(e, struct ovn_dp, by_key);

		if (d->key == key)
			return d;
	}
	return NULL;
}

static struct ovn_port *port_by_uuid(const struct gnv_ovn_names *n,
				     const __u8 *u)
{
	struct hnode *e;

	for_each_hash(e, &n->port_uuid, hash_uuid(u)) {
		struct ovn_port *p = container_of(e, struct ovn_port, by_uuid);

		if (!memcmp(p->uuid, u, 16))
			return p;
	}
	return NULL;
}

/* The one datapath whose display name is name, or NULL. */
static struct ovn_dp *dp_named(const struct gnv_ovn_names *n, const char *name)
{
	struct ovn_dp *found = NULL;
	struct hnode *e;

	for_each_hash(e, &n->dp_name, hash_str(name)) {
		struct ovn_dp *d = container_of(e, struct ovn_dp, by_name);

		if (strcmp(dp_display(d), name))
			continue;
		if (found)
			return NULL;
		found = d;
	}
	return found;
}

/* A port's datapath: by _uuid, or a transit switch's by its name. */
static struct ovn_dp *port_dp(const struct gnv_ovn_names *n,
			      const struct ovn_port *p)
{
	if (p->ts)
		return dp_named(n, p->ts);
	return p->has_dp ? dp_by_uuid(n, p->dp_uuid) : NULL;
}

/* Where a port sits in port_dpkey: its datapath's identity and its key. */
static __u32 port_link_hash(const struct ovn_port *p)
{
	return p->ts ? hash_tskey(p->ts, p->key) :
		       hash_dpkey(p->dp_uuid, p->key);
}

const char *gnv_ovn_datapath_name(const struct gnv_ovn_names *n, __u32 dp_key)
{
	const struct ovn_dp *d = n ? dp_by_key(n, dp_key) : NULL;

	return d ? dp_display(d) : NULL;
}

const char *gnv_ovn_port_name(const struct gnv_ovn_names *n, __u32 dp_key,
			      __u32 port_key)
{
	const struct ovn_dp *d = n ? dp_by_key(n, dp_key) : NULL;
	const char *ts;
	struct hnode *e;

	if (!d || !port_key)
		return NULL;
	if (!n->ic) {
		for_each_hash(e, &n->port_dpkey,
			      hash_dpkey(d->uuid, port_key)) {
			struct ovn_port *p =
				container_of(e, struct ovn_port, by_dpkey);

			if (p->key == port_key && !p->ts &&
			    !memcmp(p->dp_uuid, d->uuid, 16))
				return p->name;
		}
		return NULL;
	}
	ts = dp_display(d);
	if (!ts)
		return NULL;
	for_each_hash(e, &n->port_dpkey, hash_tskey(ts, port_key)) {
		struct ovn_port *p = container_of(e, struct ovn_port, by_dpkey);

		if (p->key == port_key && p->ts && !strcmp(p->ts, ts))
			return p->name;
	}
	return NULL;
}

/* Counts the datapaths in t (by_name or by_name1) called name. */
static int find_dp_in(const struct gnv_ovn_names *n, bool name1,
		      const char *name, __u32 *dp_key)
{
	const struct htab *t = name1 ? &n->dp_name1 : &n->dp_name;
	struct hnode *e;
	int found = 0;

	for_each_hash(e, t, hash_str(name)) {
		struct ovn_dp *d = name1 ?
			container_of(e, struct ovn_dp, by_name1) :
			container_of(e, struct ovn_dp, by_name);
		const char *s = name1 ? d->name : dp_display(d);

		if (!d->key || strcmp(s, name))
			continue;
		if (found++)
			return -EEXIST;
		*dp_key = d->key;
	}
	return found ? 0 : -ENOENT;
}

int gnv_ovn_find_datapath(const struct gnv_ovn_names *n, const char *name,
			  __u32 *dp_key)
{
	__u32 key = 0;
	int err;

	if (!n || !name)
		return -ENOENT;
	err = find_dp_in(n, false, name, &key);
	if (err == -ENOENT)
		err = find_dp_in(n, true, name, &key);
	if (!err && dp_key)
		*dp_key = key;
	return err;
}

int gnv_ovn_find_port(const struct gnv_ovn_names *n, const char *logical_port,
		      __u32 *dp_key, __u32 *port_key)
{
	const struct ovn_port *pb = NULL, *mc = NULL;
	int n_pb = 0, n_mc = 0;
	const struct ovn_port *p;
	struct hnode *e;

	if (!n || !logical_port)
		return -ENOENT;
	for_each_hash(e, &n->port_name, hash_str(logical_port)) {
		const struct ovn_port *q =
			container_of(e, struct ovn_port, by_name);
		const struct ovn_dp *d;

		if (!q->key || strcmp(q->name, logical_port))
			continue;
		d = port_dp(n, q);
		if (!d || !d->key)
			continue;
		if (q->mc) {
			mc = q;
			n_mc++;
		} else {
			pb = q;
			n_pb++;
		}
	}
	if (n_pb > 1 || (!n_pb && n_mc > 1))
		return -EEXIST;
	p = n_pb ? pb : mc;
	if (!p)
		return -ENOENT;
	if (dp_key)
		*dp_key = port_dp(n, p)->key;
	if (port_key)
		*port_key = p->key;
	return 0;
}

/* ---- Chassis and their encaps ---- */

static bool nonempty(const char *s)
{
	return s && *s;
}

static const char *chassis_display(const struct ovn_chassis *c)
{
	return nonempty(c->hostname) ? c->hostname : c->name;
}

static struct ovn_chassis *chassis_by_uuid(const struct gnv_ovn_names *n,
					   const __u8 *u)
{
	struct hnode *e;

	for_each_hash(e, &n->ch_uuid, hash_uuid(u)) {
		struct ovn_chassis *c =
			container_of(e, struct ovn_chassis, by_uuid);

		if (!memcmp(c->uuid, u, 16))
			return c;
	}
	return NULL;
}

static struct ovn_az *az_by_uuid(const struct gnv_ovn_names *n, const __u8 *u)
{
	struct hnode *e;

	for_each_hash(e, &n->az_uuid, hash_uuid(u)) {
		struct ovn_az *a = container_of(e, struct ovn_az, by_uuid);

		if (!memcmp(a->uuid, u, 16))
			return a;
	}
	return NULL;
}

static struct ovn_encap *encap_by_uuid(const struct gnv_ovn_names *n,
				       const __u8 *u)
{
	struct hnode *e;

	for_each_hash(e, &n->en_uuid, hash_uuid(u)) {
		struct ovn_encap *en =
			container_of(e, struct ovn_encap, by_uuid);

		if (!memcmp(en->uuid, u, 16))
			return en;
	}
	return NULL;
}

/*
 * The one chassis called name (Chassis.name), or NULL when none or (not
 * in one DB: its index forbids it) several are.
 */
static const struct ovn_chassis *chassis_named(const struct gnv_ovn_names *n,
					       const char *name)
{
	const struct ovn_chassis *found = NULL;
	struct hnode *e;

	if (!nonempty(name))
		return NULL;
	for_each_hash(e, &n->ch_name, hash_str(name)) {
		const struct ovn_chassis *c =
			container_of(e, struct ovn_chassis, by_name);

		if (strcmp(c->name, name))
			continue;
		if (found)
			return NULL;
		found = c;
	}
	return found;
}

static bool valid_family(int family)
{
	return family == 4 || family == 6;
}

/* The one chassis whose encaps have the address, or NULL. */
static const struct ovn_chassis *chassis_at(const struct gnv_ovn_names *n,
					    int family, const __u8 *addr16)
{
	const char *owner = NULL;
	struct hnode *e;

	if (!n || !addr16 || !valid_family(family))
		return NULL;
	for_each_hash(e, &n->en_addr, hash_addr(family, addr16)) {
		const struct ovn_encap *en =
			container_of(e, struct ovn_encap, by_addr);

		if (en->family != family ||
		    memcmp(en->addr, addr16, family == 4 ? 4 : 16))
			continue;
		/* An encap of no chassis may be anyone's: not certain. */
		if (!nonempty(en->chassis_name))
			return NULL;
		if (owner && strcmp(owner, en->chassis_name))
			return NULL;	/* two chassis claim it */
		owner = en->chassis_name;
	}
	return owner ? chassis_named(n, owner) : NULL;
}

const char *gnv_ovn_chassis_of_addr(const struct gnv_ovn_names *n, int family,
				    const __u8 *addr16)
{
	const struct ovn_chassis *c = chassis_at(n, family, addr16);

	return c ? chassis_display(c) : NULL;
}

const char *gnv_ovn_chassis_zone(const struct gnv_ovn_names *n, int family,
				 const __u8 *addr16)
{
	const struct ovn_chassis *c = chassis_at(n, family, addr16);
	const struct ovn_az *a;

	if (!c)
		return NULL;
	if (!n->ic)
		return c->remote_oc || c->remote_ei ? NULL :
		       n->zone ? n->zone : "";
	a = c->has_az ? az_by_uuid(n, c->az) : NULL;
	return a && nonempty(a->name) ? a->name : NULL;
}

/* Counts c in *nm unless it is in m already; m keeps the first two. */
static void match_add(const struct ovn_chassis **m, int *nm,
		      const struct ovn_chassis *c)
{
	for (int i = 0; i < *nm; i++)
		if (m[i] == c)
			return;
	if (*nm < 2)
		m[*nm] = c;
	(*nm)++;
}

static int addr_cmp(const struct ovn_encap *a, const struct ovn_encap *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

int gnv_ovn_find_chassis(const struct gnv_ovn_names *n, const char *name,
			 int *family, __u8 addr16[16], int *more)
{
	const struct ovn_chassis *m[2];
	const struct ovn_encap *best = NULL;
	bool several = false;
	struct hnode *e;
	int nm = 0;

	if (!n || !nonempty(name))
		return -ENOENT;
	for_each_hash(e, &n->ch_host, hash_str(name)) {
		const struct ovn_chassis *c =
			container_of(e, struct ovn_chassis, by_host);

		if (!strcmp(c->hostname, name))
			match_add(m, &nm, c);
	}
	for_each_hash(e, &n->ch_name, hash_str(name)) {
		const struct ovn_chassis *c =
			container_of(e, struct ovn_chassis, by_name);

		if (!strcmp(c->name, name))
			match_add(m, &nm, c);
	}
	if (nm > 1)
		return -EEXIST;
	if (!nm)
		return -ENOENT;
	for_each_hash(e, &n->en_chname, hash_str(m[0]->name)) {
		const struct ovn_encap *en =
			container_of(e, struct ovn_encap, by_chname);
		int cmp;

		if (!en->has_addr || strcmp(en->chassis_name, m[0]->name) ||
		    !en->type || strcmp(en->type, "geneve"))
			continue;
		cmp = best ? addr_cmp(en, best) : -1;
		if (best && cmp)
			several = true;
		if (cmp < 0)
			best = en;
	}
	if (!best)
		return -ENOENT;
	if (family)
		*family = best->family;
	if (addr16)
		memcpy(addr16, best->addr, 16);
	if (more)
		*more = several;
	return 0;
}

/* ---- Rows in OVSDB's JSON encoding ---- */

static bool streq_opt(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* A uuid, ["uuid", U], or a set of exactly one. NULL for an empty set. */
static int json_uuid(const json_t *v, __u8 *u, bool *present)
{
	if (json_is_array(v) && json_array_size(v) == 2 &&
	    json_is_string(json_array_get(v, 0)) &&
	    !strcmp(json_string_value(json_array_get(v, 0)), "set")) {
		const json_t *s = json_array_get(v, 1);

		if (!json_is_array(s) || json_array_size(s) > 1)
			return -EINVAL;
		if (!json_array_size(s)) {
			*present = false;
			return 0;
		}
		v = json_array_get(s, 0);
	}
	if (!json_is_array(v) || json_array_size(v) != 2 ||
	    !json_is_string(json_array_get(v, 0)) ||
	    strcmp(json_string_value(json_array_get(v, 0)), "uuid") ||
	    !json_is_string(json_array_get(v, 1)))
		return -EINVAL;
	*present = true;
	return parse_uuid(json_string_value(json_array_get(v, 1)), u);
}

/* The integer key in [min, max]. */
static int json_key(const json_t *v, __u32 min, __u32 max, __u32 *key)
{
	json_int_t i;

	if (!json_is_integer(v))
		return -EINVAL;
	i = json_integer_value(v);
	if (i < min || i > max)
		return -ERANGE;
	*key = i;
	return 0;
}

/*
 * The string values of keys k[0..n) in a string map, ["map", [[k, v],
 * ...]]: NULL for a key it lacks. 0, or -EINVAL when it is no such map.
 */
static int json_map_get(const json_t *v, const char *const k[],
			const char *val[], int n)
{
	const json_t *pairs, *pair;
	size_t i;

	for (int j = 0; j < n; j++)
		val[j] = NULL;
	if (!json_is_array(v) || json_array_size(v) != 2 ||
	    !json_is_string(json_array_get(v, 0)) ||
	    strcmp(json_string_value(json_array_get(v, 0)), "map"))
		return -EINVAL;
	pairs = json_array_get(v, 1);
	if (!json_is_array(pairs))
		return -EINVAL;
	json_array_foreach(pairs, i, pair) {
		const json_t *key = json_array_get(pair, 0);
		const json_t *value = json_array_get(pair, 1);

		if (json_array_size(pair) != 2 || !json_is_string(key) ||
		    !json_is_string(value))
			return -EINVAL;
		for (int j = 0; j < n; j++)
			if (!strcmp(json_string_value(key), k[j]))
				val[j] = json_string_value(value);
	}
	return 0;
}

/* external_ids:name and name2. */
static int json_names(const json_t *v, const char **name, const char **name2)
{
	const char *val[2];

	if (json_map_get(v, (const char *const[]){ "name", "name2" }, val, 2))
		return -EINVAL;
	*name = val[0];
	*name2 = val[1];
	return 0;
}

static int dup_opt(const char *s, char **out)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return -ENOMEM;
	return 0;
}

/*
 * A string column: a string, or (as some clients write an optional one)
 * a set of at most one. 0 with *s NULL for the empty set, or -EINVAL.
 */
static int json_str(const json_t *v, const char **s)
{
	if (json_is_array(v) && json_array_size(v) == 2 &&
	    json_is_string(json_array_get(v, 0)) &&
	    !strcmp(json_string_value(json_array_get(v, 0)), "set")) {
		const json_t *set = json_array_get(v, 1);

		if (!json_is_array(set) || json_array_size(set) > 1)
			return -EINVAL;
		if (!json_array_size(set)) {
			*s = NULL;
			return 0;
		}
		v = json_array_get(set, 0);
	}
	if (!json_is_string(v))
		return -EINVAL;
	*s = json_string_value(v);
	return 0;
}

/* Reads the string column col of row into *s when row has it. */
static int row_str(const json_t *row, const char *table, const char *col,
		   const char **s, char *err, size_t errlen)
{
	const json_t *v = json_object_get(row, col);

	if (v && json_str(v, s)) {
		gnv_ovn_seterr(err, errlen, "%s: bad %s", table, col);
		return -EINVAL;
	}
	return 0;
}

static void dp_unindex(struct gnv_ovn_names *n, struct ovn_dp *d)
{
	if (d->key)
		htab_remove(&n->dp_key, &d->by_key);
	if (dp_display(d))
		htab_remove(&n->dp_name, &d->by_name);
	if (d->in_name1)
		htab_remove(&n->dp_name1, &d->by_name1);
	d->in_name1 = false;
}

/* The tables were reserved for one more entry each. */
static void dp_index(struct gnv_ovn_names *n, struct ovn_dp *d)
{
	if (d->key)
		htab_insert(&n->dp_key, &d->by_key, mix32(d->key));
	if (dp_display(d))
		htab_insert(&n->dp_name, &d->by_name, hash_str(dp_display(d)));
	if (d->name2 && d->name && strcmp(d->name, d->name2)) {
		htab_insert(&n->dp_name1, &d->by_name1, hash_str(d->name));
		d->in_name1 = true;
	}
}

static int reserve_dp(struct gnv_ovn_names *n)
{
	if (htab_reserve(&n->dp_uuid) || htab_reserve(&n->dp_key) ||
	    htab_reserve(&n->dp_name) || htab_reserve(&n->dp_name1))
		return -ENOMEM;
	return 0;
}

static int reserve_port(struct gnv_ovn_names *n)
{
	if (htab_reserve(&n->port_uuid) || htab_reserve(&n->port_dpkey) ||
	    htab_reserve(&n->port_name))
		return -ENOMEM;
	return 0;
}

/* A Datapath_Binding, or (ic) a transit switch's, named transit_switch. */
static int apply_dp(struct gnv_ovn_names *n, bool ic, const __u8 *uuid,
		    const json_t *row, char *err, size_t errlen)
{
	struct ovn_dp *d = dp_by_uuid(n, uuid);
	const json_t *v;
	const char *name, *name2;
	__u32 key;
	char *s1, *s2;

	if (!row) {
		if (!d)
			return 0;
		dp_unindex(n, d);
		htab_remove(&n->dp_uuid, &d->by_uuid);
		dp_free(d);
		n->gen++;
		return 1;
	}
	key = d ? d->key : 0;
	name = d ? d->name : NULL;
	name2 = d ? d->name2 : NULL;
	v = json_object_get(row, "tunnel_key");
	if (v && json_key(v, 1, 0xffffff, &key)) {
		gnv_ovn_seterr(err, errlen, "Datapath_Binding: bad tunnel_key");
		return -EINVAL;
	}
	if (ic) {
		if (row_str(row, "Datapath_Binding", "transit_switch", &name,
			    err, errlen))
			return -EINVAL;
	} else {
		v = json_object_get(row, "external_ids");
		if (v && json_names(v, &name, &name2)) {
			gnv_ovn_seterr(err, errlen,
				       "Datapath_Binding: bad external_ids");
			return -EINVAL;
		}
	}
	if (d && d->key == key && streq_opt(d->name, name) &&
	    streq_opt(d->name2, name2))
		return 0;
	if (reserve_dp(n) || dup_opt(name, &s1))
		return -ENOMEM;
	if (dup_opt(name2, &s2)) {
		free(s1);
		return -ENOMEM;
	}
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d) {
			free(s1);
			free(s2);
			return -ENOMEM;
		}
		memcpy(d->uuid, uuid, 16);
		htab_insert(&n->dp_uuid, &d->by_uuid, hash_uuid(uuid));
	} else {
		dp_unindex(n, d);
		free(d->name);
		free(d->name2);
	}
	d->key = key;
	d->name = s1;
	d->name2 = s2;
	dp_index(n, d);
	/* Even a change of the hidden name matters, to find_datapath. */
	n->gen++;
	return 1;
}

/*
 * A Port_Binding or Multicast_Group row (t), or an interconnection
 * Port_Binding, which names its transit switch instead of a datapath.
 */
static int apply_port(struct gnv_ovn_names *n, enum gnv_ovn_table t,
		      const __u8 *uuid, const json_t *row, char *err,
		      size_t errlen)
{
	bool mc = t == GNV_OVN_MULTICAST_GROUP;
	bool ic = t == GNV_OVN_IC_PORT_BINDING;
	const char *table = mc ? "Multicast_Group" : "Port_Binding";
	struct ovn_port *p = port_by_uuid(n, uuid);
	__u8 dp_uuid[16];
	bool has_dp;
	const json_t *v;
	const char *name, *ts;
	__u32 key;
	char *s, *ts_copy;

	if (!row) {
		if (!p)
			return 0;
		htab_remove(&n->port_uuid, &p->by_uuid);
		htab_remove(&n->port_dpkey, &p->by_dpkey);
		if (p->name)
			htab_remove(&n->port_name, &p->by_name);
		port_free(p);
		n->gen++;
		return 1;
	}
	key = p ? p->key : 0;
	name = p ? p->name : NULL;
	ts = p ? p->ts : NULL;
	has_dp = p ? p->has_dp : false;
	memcpy(dp_uuid, p ? p->dp_uuid : zero_uuid, 16);
	v = json_object_get(row, "tunnel_key");
	if (v && json_key(v, mc ? 0x8000 : 1, mc ? 0xffff : 0x7fff, &key)) {
		gnv_ovn_seterr(err, errlen, "%s: bad tunnel_key", table);
		return -EINVAL;
	}
	if (row_str(row, table, mc ? "name" : "logical_port", &name, err,
		    errlen))
		return -EINVAL;
	if (ic) {
		if (row_str(row, table, "transit_switch", &ts, err, errlen))
			return -EINVAL;
	} else {
		v = json_object_get(row, "datapath");
		if (v && json_uuid(v, dp_uuid, &has_dp)) {
			gnv_ovn_seterr(err, errlen, "%s: bad datapath", table);
			return -EINVAL;
		}
	}
	if (p && p->key == key && streq_opt(p->name, name) &&
	    streq_opt(p->ts, ts) && p->has_dp == has_dp &&
	    !memcmp(p->dp_uuid, dp_uuid, 16))
		return 0;
	if (reserve_port(n) || dup_opt(name, &s))
		return -ENOMEM;
	if (dup_opt(ts, &ts_copy)) {
		free(s);
		return -ENOMEM;
	}
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p) {
			free(s);
			free(ts_copy);
			return -ENOMEM;
		}
		memcpy(p->uuid, uuid, 16);
		p->mc = mc;
		htab_insert(&n->port_uuid, &p->by_uuid, hash_uuid(uuid));
	} else {
		htab_remove(&n->port_dpkey, &p->by_dpkey);
		if (p->name)
			htab_remove(&n->port_name, &p->by_name);
		free(p->name);
		free(p->ts);
	}
	p->key = key;
	p->name = s;
	p->ts = ts_copy;
	p->has_dp = has_dp;
	memcpy(p->dp_uuid, dp_uuid, 16);
	htab_insert(&n->port_dpkey, &p->by_dpkey, port_link_hash(p));
	if (p->name)
		htab_insert(&n->port_name, &p->by_name, hash_str(p->name));
	n->gen++;
	return 1;
}

/* Replaces the strings in *dst[i] with copies of src[i], all or none. */
static int dup_all(char **dst[], const char *const src[], int count)
{
	char *copy[4];

	for (int i = 0; i < count; i++) {
		if (dup_opt(src[i], &copy[i])) {
			while (i--)
				free(copy[i]);
			return -ENOMEM;
		}
	}
	for (int i = 0; i < count; i++) {
		free(*dst[i]);
		*dst[i] = copy[i];
	}
	return 0;
}

static void chassis_unindex(struct gnv_ovn_names *n, struct ovn_chassis *c)
{
	if (nonempty(c->name))
		htab_remove(&n->ch_name, &c->by_name);
	if (nonempty(c->hostname))
		htab_remove(&n->ch_host, &c->by_host);
}

static void chassis_index(struct gnv_ovn_names *n, struct ovn_chassis *c)
{
	if (nonempty(c->name))
		htab_insert(&n->ch_name, &c->by_name, hash_str(c->name));
	if (nonempty(c->hostname))
		htab_insert(&n->ch_host, &c->by_host, hash_str(c->hostname));
}

/* Whether map column col of row says is-remote=true; *r kept without it. */
static int row_is_remote(const json_t *row, const char *col, bool *r,
			 char *err, size_t errlen)
{
	const json_t *v = json_object_get(row, col);
	const char *val;

	if (!v)
		return 0;
	if (json_map_get(v, (const char *const[]){ "is-remote" }, &val, 1)) {
		gnv_ovn_seterr(err, errlen, "Chassis: bad %s", col);
		return -EINVAL;
	}
	*r = val && !strcmp(val, "true");
	return 0;
}

/* A Chassis row, or (t GNV_OVN_IC_GATEWAY) a Gateway with its zone. */
static int apply_chassis(struct gnv_ovn_names *n, enum gnv_ovn_table t,
			 const __u8 *uuid, const json_t *row, char *err,
			 size_t errlen)
{
	const char *table = t == GNV_OVN_IC_GATEWAY ? "Gateway" : "Chassis";
	struct ovn_chassis *c = chassis_by_uuid(n, uuid);
	bool remote_oc, remote_ei, has_az;
	const char *name, *host;
	bool fresh = false;
	const json_t *v;
	__u8 az[16];

	if (!row) {
		if (!c)
			return 0;
		chassis_unindex(n, c);
		htab_remove(&n->ch_uuid, &c->by_uuid);
		chassis_free(c);
		n->gen++;
		return 1;
	}
	name = c ? c->name : NULL;
	host = c ? c->hostname : NULL;
	remote_oc = c && c->remote_oc;
	remote_ei = c && c->remote_ei;
	has_az = c && c->has_az;
	memcpy(az, c ? c->az : zero_uuid, 16);
	if (row_str(row, table, "name", &name, err, errlen) ||
	    row_str(row, table, "hostname", &host, err, errlen) ||
	    row_is_remote(row, "other_config", &remote_oc, err, errlen) ||
	    row_is_remote(row, "external_ids", &remote_ei, err, errlen))
		return -EINVAL;
	v = json_object_get(row, "availability_zone");
	if (t == GNV_OVN_IC_GATEWAY && v && json_uuid(v, az, &has_az)) {
		gnv_ovn_seterr(err, errlen, "Gateway: bad availability_zone");
		return -EINVAL;
	}
	if (c && streq_opt(c->name, name) && streq_opt(c->hostname, host) &&
	    c->remote_oc == remote_oc && c->remote_ei == remote_ei &&
	    c->has_az == has_az && !memcmp(c->az, az, 16))
		return 0;
	if (htab_reserve(&n->ch_uuid) || htab_reserve(&n->ch_name) ||
	    htab_reserve(&n->ch_host))
		return -ENOMEM;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		memcpy(c->uuid, uuid, 16);
		fresh = true;
	} else {
		chassis_unindex(n, c);	/* by its old strings */
	}
	/* name and host may point into c's own strings: copy, then free. */
	if (dup_all((char **[]){ &c->name, &c->hostname },
		    (const char *const[]){ name, host }, 2)) {
		if (fresh)
			free(c);
		else
			chassis_index(n, c);
		return -ENOMEM;
	}
	c->remote_oc = remote_oc;
	c->remote_ei = remote_ei;
	c->has_az = has_az;
	memcpy(c->az, az, 16);
	if (fresh)
		htab_insert(&n->ch_uuid, &c->by_uuid, hash_uuid(uuid));
	chassis_index(n, c);
	n->gen++;
	return 1;
}

/* An interconnection Availability_Zone: its name, by _uuid. */
static int apply_az(struct gnv_ovn_names *n, const __u8 *uuid,
		    const json_t *row, char *err, size_t errlen)
{
	struct ovn_az *a = az_by_uuid(n, uuid);
	const char *name;
	char *copy;

	if (!row) {
		if (!a)
			return 0;
		htab_remove(&n->az_uuid, &a->by_uuid);
		az_free(a);
		n->gen++;
		return 1;
	}
	name = a ? a->name : NULL;
	if (row_str(row, "Availability_Zone", "name", &name, err, errlen))
		return -EINVAL;
	if (a && streq_opt(a->name, name))
		return 0;
	if (htab_reserve(&n->az_uuid) || dup_opt(name, &copy))
		return -ENOMEM;
	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a) {
			free(copy);
			return -ENOMEM;
		}
		memcpy(a->uuid, uuid, 16);
		htab_insert(&n->az_uuid, &a->by_uuid, hash_uuid(uuid));
	}
	free(a->name);
	a->name = copy;
	n->gen++;
	return 1;
}

static void encap_unindex(struct gnv_ovn_names *n, struct ovn_encap *en)
{
	if (en->has_addr)
		htab_remove(&n->en_addr, &en->by_addr);
	if (nonempty(en->chassis_name))
		htab_remove(&n->en_chname, &en->by_chname);
}

static void encap_index(struct gnv_ovn_names *n, struct ovn_encap *en)
{
	struct in6_addr a;

	memset(en->addr, 0, 16);
	en->has_addr = false;
	en->family = 0;
	if (!en->ip) {
		/* no address */
	} else if (inet_pton(AF_INET, en->ip, &a) == 1) {
		memcpy(en->addr, &a, 4);
		en->family = 4;
		en->has_addr = true;
	} else if (inet_pton(AF_INET6, en->ip, &a) == 1) {
		memcpy(en->addr, &a, 16);
		en->family = 6;
		en->has_addr = true;
	}
	if (en->has_addr)
		htab_insert(&n->en_addr, &en->by_addr,
			    hash_addr(en->family, en->addr));
	if (nonempty(en->chassis_name))
		htab_insert(&n->en_chname, &en->by_chname,
			    hash_str(en->chassis_name));
}

/* An Encap of a chassis, or (ic) of a gateway, named by gateway_name. */
static int apply_encap(struct gnv_ovn_names *n, bool ic, const __u8 *uuid,
		       const json_t *row, char *err, size_t errlen)
{
	struct ovn_encap *en = encap_by_uuid(n, uuid);
	const char *type, *ip, *chname;
	bool fresh = false;

	if (!row) {
		if (!en)
			return 0;
		encap_unindex(n, en);
		htab_remove(&n->en_uuid, &en->by_uuid);
		encap_free(en);
		n->gen++;
		return 1;
	}
	type = en ? en->type : NULL;
	ip = en ? en->ip : NULL;
	chname = en ? en->chassis_name : NULL;
	if (row_str(row, "Encap", "type", &type, err, errlen) ||
	    row_str(row, "Encap", "ip", &ip, err, errlen) ||
	    row_str(row, "Encap", ic ? "gateway_name" : "chassis_name",
		    &chname, err, errlen))
		return -EINVAL;
	if (en && streq_opt(en->type, type) && streq_opt(en->ip, ip) &&
	    streq_opt(en->chassis_name, chname))
		return 0;
	if (htab_reserve(&n->en_uuid) || htab_reserve(&n->en_addr) ||
	    htab_reserve(&n->en_chname))
		return -ENOMEM;
	if (!en) {
		en = calloc(1, sizeof(*en));
		if (!en)
			return -ENOMEM;
		memcpy(en->uuid, uuid, 16);
		fresh = true;
	} else {
		encap_unindex(n, en);	/* by its old address and name */
	}
	if (dup_all((char **[]){ &en->type, &en->ip, &en->chassis_name },
		    (const char *const[]){ type, ip, chname }, 3)) {
		if (fresh)
			free(en);
		else
			encap_index(n, en);
		return -ENOMEM;
	}
	if (fresh)
		htab_insert(&n->en_uuid, &en->by_uuid, hash_uuid(uuid));
	encap_index(n, en);
	n->gen++;
	return 1;
}

int gnv_ovn_names_apply(struct gnv_ovn_names *n, enum gnv_ovn_table t,
			const char *uuid, const struct json_t *row, char *err,
			size_t errlen)
{
	__u8 u[16];

	if (!uuid || parse_uuid(uuid, u)) {
		gnv_ovn_seterr(err, errlen, "bad row uuid '%s'", uuid ? uuid : "");
		return -EINVAL;
	}
	if (row && !json_is_object(row)) {
		gnv_ovn_seterr(err, errlen, "a row is not a JSON object");
		return -EINVAL;
	}
	if ((t >= GNV_OVN_SB_TABLES) != n->ic) {
		gnv_ovn_seterr(err, errlen, "a row of the %s DB in a table of "
			       "the %s DB", n->ic ? "Southbound" :
			       "interconnection", n->ic ? "interconnection" :
			       "Southbound");
		return -EINVAL;
	}
	switch (t) {
	case GNV_OVN_DATAPATH_BINDING:
	case GNV_OVN_IC_DATAPATH_BINDING:
		return apply_dp(n, n->ic, u, row, err, errlen);
	case GNV_OVN_PORT_BINDING:
	case GNV_OVN_MULTICAST_GROUP:
	case GNV_OVN_IC_PORT_BINDING:
		return apply_port(n, t, u, row, err, errlen);
	case GNV_OVN_CHASSIS:
	case GNV_OVN_IC_GATEWAY:
		return apply_chassis(n, t, u, row, err, errlen);
	case GNV_OVN_ENCAP:
	case GNV_OVN_IC_ENCAP:
		return apply_encap(n, n->ic, u, row, err, errlen);
	case GNV_OVN_IC_AVAILABILITY_ZONE:
		return apply_az(n, u, row, err, errlen);
	case GNV_OVN_N_TABLES:
		break;
	}
	gnv_ovn_seterr(err, errlen, "unknown table");
	return -EINVAL;
}

/* ---- Offline: ovn-sbctl --format=json list ... ---- */

#define LOAD_MAX_BYTES (1ull << 30)

static char *read_file(const char *path, size_t *len, char *err,
		       size_t errlen)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = NULL;

	if (!f) {
		gnv_ovn_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;

		if (n == cap || !buf) {
			char *nb;

			if (buf)
				cap *= 2;
			if (cap > LOAD_MAX_BYTES) {
				gnv_ovn_seterr(err, errlen, "%s: larger than 1 GiB",
				       path);
				goto fail;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				gnv_ovn_seterr(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got)
			continue;
		if (ferror(f)) {
			gnv_ovn_seterr(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		break;
	}
	fclose(f);
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

static bool has_heading(const json_t *headings, const char *name)
{
	const json_t *h;
	size_t i;

	json_array_foreach(headings, i, h)
		if (json_is_string(h) && !strcmp(json_string_value(h), name))
			return true;
	return false;
}

/*
 * Which table a {"data", "headings"} object lists, or -1. The
 * interconnection DB's tables first: theirs have columns the Southbound
 * tables of the same names lack (transit_switch, gateway_name,
 * availability_zone).
 */
static int table_of(const json_t *headings)
{
	if (has_heading(headings, "transit_switch") &&
	    has_heading(headings, "tunnel_key"))
		return has_heading(headings, "logical_port") ?
		       GNV_OVN_IC_PORT_BINDING : GNV_OVN_IC_DATAPATH_BINDING;
	if (has_heading(headings, "gateway_name") &&
	    has_heading(headings, "ip"))
		return GNV_OVN_IC_ENCAP;
	if (has_heading(headings, "availability_zone") &&
	    has_heading(headings, "hostname"))
		return GNV_OVN_IC_GATEWAY;
	if (json_array_size(headings) == 2 && has_heading(headings, "_uuid") &&
	    has_heading(headings, "name"))
		return GNV_OVN_IC_AVAILABILITY_ZONE;
	if (has_heading(headings, "hostname") &&
	    has_heading(headings, "encaps") && has_heading(headings, "name"))
		return GNV_OVN_CHASSIS;
	if (has_heading(headings, "chassis_name") &&
	    has_heading(headings, "ip") && has_heading(headings, "type"))
		return GNV_OVN_ENCAP;
	if (!has_heading(headings, "tunnel_key"))
		return -1;
	if (has_heading(headings, "logical_port") &&
	    has_heading(headings, "datapath"))
		return GNV_OVN_PORT_BINDING;
	if (has_heading(headings, "name") && has_heading(headings, "datapath"))
		return GNV_OVN_MULTICAST_GROUP;
	if (has_heading(headings, "external_ids") &&
	    !has_heading(headings, "datapath"))
		return GNV_OVN_DATAPATH_BINDING;
	return -1;
}

static const char *const table_names[GNV_OVN_N_TABLES] = {
	[GNV_OVN_DATAPATH_BINDING] = "Datapath_Binding",
	[GNV_OVN_PORT_BINDING] = "Port_Binding",
	[GNV_OVN_MULTICAST_GROUP] = "Multicast_Group",
	[GNV_OVN_CHASSIS] = "Chassis",
	[GNV_OVN_ENCAP] = "Encap",
	[GNV_OVN_IC_DATAPATH_BINDING] = "Datapath_Binding",
	[GNV_OVN_IC_PORT_BINDING] = "Port_Binding",
	[GNV_OVN_IC_AVAILABILITY_ZONE] = "Availability_Zone",
	[GNV_OVN_IC_GATEWAY] = "Gateway",
	[GNV_OVN_IC_ENCAP] = "Encap",
};

const char *gnv_ovn_table_name(enum gnv_ovn_table t)
{
	return t < GNV_OVN_N_TABLES ? table_names[t] : "?";
}

static int load_table(struct gnv_ovn_names *n, int t, const json_t *tab,
		      const char *path, char *err, size_t errlen)
{
	const json_t *headings = json_object_get(tab, "headings");
	const json_t *data = json_object_get(tab, "data");
	const char *tname = table_names[t];
	const json_t *r;
	size_t i;

	if (!has_heading(headings, "_uuid")) {
		gnv_ovn_seterr(err, errlen, "%s: %s: no _uuid column", path, tname);
		return -1;
	}
	json_array_foreach(data, i, r) {
		json_t *row = json_object();
		const char *uuid = NULL;
		char why[128];
		bool has_dp = false;
		__u8 dp[16];
		size_t j;
		int ret;

		if (!row) {
			gnv_ovn_seterr(err, errlen, "%s: out of memory", path);
			return -1;
		}
		if (!json_is_array(r) ||
		    json_array_size(r) != json_array_size(headings)) {
			json_decref(row);
			gnv_ovn_seterr(err, errlen, "%s: %s row %zu: not as long as "
			       "the headings", path, tname, i + 1);
			return -1;
		}
		for (j = 0; j < json_array_size(r); j++) {
			const char *h =
				json_string_value(json_array_get(headings, j));
			json_t *v = json_array_get(r, j);

			if (!h)
				continue;
			if (!strcmp(h, "_uuid")) {
				bool present = false;
				__u8 u[16];

				if (!json_uuid(v, u, &present) && present)
					uuid = json_string_value(
						json_array_get(v, 1));
				continue;
			}
			json_object_set(row, h, v);
		}
		if ((t == GNV_OVN_PORT_BINDING ||
		     t == GNV_OVN_MULTICAST_GROUP) &&
		    (json_uuid(json_object_get(row, "datapath"), dp,
			       &has_dp) || !has_dp || !dp_by_uuid(n, dp))) {
			json_decref(row);
			gnv_ovn_seterr(err, errlen, "%s: %s row %zu: its datapath is "
			       "not in Datapath_Binding", path, tname, i + 1);
			return -1;
		}
		if (!uuid) {
			json_decref(row);
			gnv_ovn_seterr(err, errlen, "%s: %s row %zu: bad _uuid", path,
			       tname, i + 1);
			return -1;
		}
		ret = gnv_ovn_names_apply(n, t, uuid, row, why, sizeof(why));
		json_decref(row);
		if (ret < 0) {
			gnv_ovn_seterr(err, errlen, "%s: %s row %zu: %s", path, tname,
			       i + 1, ret == -ENOMEM ? "out of memory" : why);
			return -1;
		}
	}
	return 0;
}

int gnv_ovn_names_load(struct gnv_ovn_names *n, const char *path, char *err,
		       size_t errlen)
{
	json_t *tables[GNV_OVN_N_TABLES] = { NULL };
	struct gnv_ovn_names *fresh = NULL, tmp;
	size_t len, pos = 0, line = 1;
	int ret = -1, count = 0;
	char *buf;

	buf = read_file(path, &len, err, errlen);
	if (!buf)
		return -1;
	for (;;) {
		json_error_t je;
		json_t *v, *headings;
		int t;

		while (pos < len && strchr(" \t\r\n", buf[pos])) {
			if (buf[pos] == '\n')
				line++;
			pos++;
		}
		if (pos == len)
			break;
		v = json_loadb(buf + pos, len - pos, JSON_DISABLE_EOF_CHECK,
			       &je);
		if (!v) {
			gnv_ovn_seterr(err, errlen, "%s: not JSON at line %zu: %s",
			       path, line + (je.line > 0 ? je.line - 1 : 0),
			       je.text);
			goto out;
		}
		for (size_t i = 0; i < (size_t)je.position && pos + i < len;
		     i++)
			line += buf[pos + i] == '\n';
		pos += je.position;
		count++;
		headings = json_object_get(v, "headings");
		if (!json_is_array(headings) ||
		    !json_is_array(json_object_get(v, "data"))) {
			json_decref(v);
			gnv_ovn_seterr(err, errlen, "%s: JSON value %d is not the "
			       "output of %s --format=json list", path,
			       count, n->ic ? "ovn-ic-sbctl" : "ovn-sbctl");
			goto out;
		}
		t = table_of(headings);
		if (t < 0) {
			/* Another table (Chassis_Private, ...): not ours. */
			json_decref(v);
			continue;
		}
		if ((t >= GNV_OVN_SB_TABLES) != n->ic) {
			json_decref(v);
			gnv_ovn_seterr(err, errlen, "%s: %s is a table of the "
				       "OVN %s DB: give the file with %s", path,
				       table_names[t], n->ic ? "Southbound" :
				       "interconnection Southbound",
				       n->ic ? "--ovn-names" :
				       "--ovn-ic-names");
			goto out;
		}
		if (tables[t]) {
			json_decref(v);
			gnv_ovn_seterr(err, errlen, "%s: %s is listed twice", path,
			       table_names[t]);
			goto out;
		}
		tables[t] = v;
	}
	if (!count) {
		gnv_ovn_seterr(err, errlen, "%s: empty: expected the output of "
		       "%s --format=json list Datapath_Binding", path,
		       n->ic ? "ovn-ic-sbctl" : "ovn-sbctl");
		goto out;
	}
	if (!tables[n->ic ? GNV_OVN_IC_DATAPATH_BINDING :
			    GNV_OVN_DATAPATH_BINDING]) {
		gnv_ovn_seterr(err, errlen, "%s: no Datapath_Binding table (from "
		       "%s --format=json list Datapath_Binding)", path,
		       n->ic ? "ovn-ic-sbctl" : "ovn-sbctl");
		goto out;
	}
	fresh = n->ic ? gnv_ovn_names_new_ic() : gnv_ovn_names_new();
	if (!fresh) {
		gnv_ovn_seterr(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (int t = 0; t < GNV_OVN_N_TABLES; t++)
		if (tables[t] && load_table(fresh, t, tables[t], path, err,
					    errlen))
			goto out;
	/* Swap the contents in; the generation moves on from n's. */
	fresh->gen = n->gen + 1;
	tmp = *n;
	*n = *fresh;
	*fresh = tmp;
	/* The contents change, not the table's place among the zones. */
	n->zone = tmp.zone;
	n->next = tmp.next;
	ret = 0;
out:
	gnv_ovn_names_free(fresh);
	for (int t = 0; t < GNV_OVN_N_TABLES; t++)
		json_decref(tables[t]);
	free(buf);
	return ret;
}
