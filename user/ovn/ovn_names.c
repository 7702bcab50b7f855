// SPDX-License-Identifier: MIT
/*
 * The OVN names table, its model and lookups: Southbound rows by _uuid,
 * with hash indexes by datapath key, by (datapath _uuid, port key) and by
 * name, and the API of ovn_names.h but for filling it (ovn_rows.c, live
 * or from a file, ovn_file.c). The rows and the table are in
 * ovn_model.h.
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
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "ovn_model.h"

/* ---- The row base: every row type's lookup by _uuid and teardown ---- */

void *ovn_row_find(const struct gnv_ovn_names *n, enum ovn_row_type t,
		   const __u8 *uuid)
{
	struct gnv_hnode *e;

	gnv_hashtab_for_each(e, &n->rows[t], hash_uuid(uuid)) {
		struct ovn_row *r = container_of(e, struct ovn_row, by_uuid);

		if (!memcmp(r->uuid, uuid, 16))
			return r;
	}
	return NULL;
}

void ovn_row_free(enum ovn_row_type t, struct ovn_row *r)
{
	struct ovn_dp *d = (struct ovn_dp *)r;
	struct ovn_port *p = (struct ovn_port *)r;
	struct ovn_chassis *c = (struct ovn_chassis *)r;
	struct ovn_encap *en = (struct ovn_encap *)r;
	struct ovn_az *a = (struct ovn_az *)r;
	struct ovn_iface *i = (struct ovn_iface *)r;

	switch (t) {
	case ROW_DP:
		free(d->name);
		free(d->name2);
		break;
	case ROW_PORT:
		free(p->name);
		free(p->ts);
		break;
	case ROW_CHASSIS:
		free(c->name);
		free(c->hostname);
		break;
	case ROW_ENCAP:
		free(en->type);
		free(en->ip);
		free(en->chassis_name);
		break;
	case ROW_AZ:
		free(a->name);
		break;
	case ROW_IFACE:
		free(i->name);
		free(i->lport);
		break;
	case ROW_OVS:
		free(((struct ovn_ovs *)r)->system_id);
		break;
	case ROW_TYPES:
		break;
	}
	free(r);
}

static void free_row_node(struct gnv_hnode *e, void *type)
{
	ovn_row_free(*(const enum ovn_row_type *)type,
		     container_of(e, struct ovn_row, by_uuid));
}

/* Frees every row through its uuid index, then every index's buckets. */
static void names_empty(struct gnv_ovn_names *n)
{
	struct gnv_hashtab *const indexes[] = {
		&n->dp_key, &n->dp_name, &n->dp_name1,
		&n->port_dpkey, &n->port_name,
		&n->ch_name, &n->ch_host,
		&n->en_addr, &n->en_chname,
		&n->if_name, &n->if_lport,
	};

	for (enum ovn_row_type t = 0; t < ROW_TYPES; t++)
		gnv_hashtab_free(&n->rows[t], free_row_node, &t);
	for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++)
		gnv_hashtab_free(indexes[i], NULL, NULL);
}

struct gnv_ovn_names *gnv_ovn_names_new(void)
{
	return calloc(1, sizeof(struct gnv_ovn_names));
}

static struct gnv_ovn_names *names_new_of(enum gnv_ovn_db db)
{
	struct gnv_ovn_names *n = gnv_ovn_names_new();

	if (n)
		n->db = db;
	return n;
}

struct gnv_ovn_names *gnv_ovn_names_new_ic(void)
{
	return names_new_of(GNV_DB_IC);
}

struct gnv_ovn_names *gnv_ovn_names_new_ovs(void)
{
	return names_new_of(GNV_DB_OVS);
}

enum gnv_ovn_db gnv_ovn_names_db(const struct gnv_ovn_names *n)
{
	return n->db;
}

enum gnv_ovn_db gnv_ovn_table_db(enum gnv_ovn_table t)
{
	if (t < GNV_OVN_SB_TABLES)
		return GNV_DB_SB;
	return t < GNV_OVS_INTERFACE ? GNV_DB_IC : GNV_DB_OVS;
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
	bool held = false;

	for (enum ovn_row_type t = 0; t < ROW_TYPES; t++)
		held |= n->rows[t].n > 0;
	if (held)
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
		*datapaths = n->rows[ROW_DP].n;
	if (ports)
		*ports = n->rows[ROW_PORT].n;
}

void gnv_ovn_names_count_chassis(const struct gnv_ovn_names *n,
				 size_t *chassis, size_t *encaps)
{
	if (chassis)
		*chassis = n ? n->rows[ROW_CHASSIS].n : 0;
	if (encaps)
		*encaps = n ? n->rows[ROW_ENCAP].n : 0;
}

/* ---- The indexes by key and by name ---- */

/*
 * A row is in an index when its key there is set. Its values do not
 * change while it is out of them (ovn_rows.c), so the same tests tell
 * where to take it out as where it was put in.
 */
static void index_node(struct gnv_hashtab *t, struct gnv_hnode *e, bool in,
		       __u32 hash)
{
	if (in)
		gnv_hashtab_insert(t, e, hash);
	else
		gnv_hashtab_remove(t, e);
}

void ovn_row_index(struct gnv_ovn_names *n, enum ovn_row_type t,
		   struct ovn_row *r, bool in)
{
	struct ovn_dp *d = (struct ovn_dp *)r;
	struct ovn_port *p = (struct ovn_port *)r;
	struct ovn_chassis *c = (struct ovn_chassis *)r;
	struct ovn_encap *en = (struct ovn_encap *)r;
	struct ovn_iface *i = (struct ovn_iface *)r;

	switch (t) {
	case ROW_DP:
		if (d->key)
			index_node(&n->dp_key, &d->by_key, in,
				   hash_key(d->key));
		if (dp_display(d))
			index_node(&n->dp_name, &d->by_name, in,
				   gnv_hash_str(dp_display(d)));
		/* name2 hides name: found by name too (find_dp_in()). */
		if (d->name2 && d->name && strcmp(d->name, d->name2))
			index_node(&n->dp_name1, &d->by_name1, in,
				   gnv_hash_str(d->name));
		break;
	case ROW_PORT:
		/* Every port: by its datapath's identity and its key. */
		index_node(&n->port_dpkey, &p->by_dpkey, in,
			   p->ts ? hash_tskey(p->ts, p->key) :
				   hash_dpkey(p->dp_uuid, p->key));
		if (p->name)
			index_node(&n->port_name, &p->by_name, in,
				   gnv_hash_str(p->name));
		break;
	case ROW_CHASSIS:
		if (nonempty(c->name))
			index_node(&n->ch_name, &c->by_name, in,
				   gnv_hash_str(c->name));
		if (nonempty(c->hostname))
			index_node(&n->ch_host, &c->by_host, in,
				   gnv_hash_str(c->hostname));
		break;
	case ROW_ENCAP:
		if (en->has_addr)
			index_node(&n->en_addr, &en->by_addr, in,
				   hash_addr(en->family, en->addr));
		if (nonempty(en->chassis_name))
			index_node(&n->en_chname, &en->by_chname, in,
				   gnv_hash_str(en->chassis_name));
		break;
	case ROW_IFACE:
		if (nonempty(i->name))
			index_node(&n->if_name, &i->by_name, in,
				   gnv_hash_str(i->name));
		if (nonempty(i->lport))
			index_node(&n->if_lport, &i->by_lport, in,
				   gnv_hash_str(i->lport));
		break;
	default:
		break;	/* a zone or the system is found by _uuid only */
	}
}

/* ---- Datapaths and their ports ---- */

static struct ovn_dp *dp_by_key(const struct gnv_ovn_names *n, __u32 key)
{
	struct gnv_hnode *e;

	if (!key)
		return NULL;
	gnv_hashtab_for_each(e, &n->dp_key, hash_key(key)) {
		struct ovn_dp *d = container_of(e, struct ovn_dp, by_key);

		if (d->key == key)
			return d;
	}
	return NULL;
}

/* The one datapath whose display name is name, or NULL. */
static struct ovn_dp *dp_named(const struct gnv_ovn_names *n, const char *name)
{
	struct ovn_dp *found = NULL;
	struct gnv_hnode *e;

	gnv_hashtab_for_each(e, &n->dp_name, gnv_hash_str(name)) {
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
	return p->has_dp ? ovn_row_find(n, ROW_DP, p->dp_uuid) : NULL;
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
	struct gnv_hnode *e;
	__u32 hash;

	if (!d || !port_key)
		return NULL;
	/* The interconnection DB's ports name their transit switch. */
	ts = (n->db == GNV_DB_IC) ? dp_display(d) : NULL;
	if ((n->db == GNV_DB_IC) && !ts)
		return NULL;
	hash = ts ? hash_tskey(ts, port_key) :
		    hash_dpkey(d->row.uuid, port_key);
	gnv_hashtab_for_each(e, &n->port_dpkey, hash) {
		struct ovn_port *p = container_of(e, struct ovn_port, by_dpkey);
		bool on_d = ts ? p->ts && !strcmp(p->ts, ts) :
				 !p->ts && !memcmp(p->dp_uuid, d->row.uuid, 16);

		if (p->key == port_key && on_d)
			return p->name;
	}
	return NULL;
}

/* Counts the datapaths in t (by_name or by_name1) called name. */
static int find_dp_in(const struct gnv_ovn_names *n, bool name1,
		      const char *name, __u32 *dp_key)
{
	const struct gnv_hashtab *t = name1 ? &n->dp_name1 : &n->dp_name;
	struct gnv_hnode *e;
	int found = 0;

	gnv_hashtab_for_each(e, t, gnv_hash_str(name)) {
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
	struct gnv_hnode *e;

	if (!n || !logical_port)
		return -ENOENT;
	gnv_hashtab_for_each(e, &n->port_name, gnv_hash_str(logical_port)) {
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

static const char *chassis_display(const struct ovn_chassis *c)
{
	return nonempty(c->hostname) ? c->hostname : c->name;
}

/*
 * The one chassis called name (Chassis.name), or NULL when none or (not
 * in one DB: its index forbids it) several are.
 */
static const struct ovn_chassis *chassis_named(const struct gnv_ovn_names *n,
					       const char *name)
{
	const struct ovn_chassis *found = NULL;
	struct gnv_hnode *e;

	if (!nonempty(name))
		return NULL;
	gnv_hashtab_for_each(e, &n->ch_name, gnv_hash_str(name)) {
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
	struct gnv_hnode *e;

	if (!n || !addr16 || !valid_family(family))
		return NULL;
	gnv_hashtab_for_each(e, &n->en_addr, hash_addr(family, addr16)) {
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
	if (!(n->db == GNV_DB_IC))
		return c->remote_oc || c->remote_ei ? NULL :
		       n->zone ? n->zone : "";
	a = c->has_az ? ovn_row_find(n, ROW_AZ, c->az) : NULL;
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
	struct gnv_hnode *e;
	int nm = 0;

	if (!n || !nonempty(name))
		return -ENOENT;
	gnv_hashtab_for_each(e, &n->ch_host, gnv_hash_str(name)) {
		const struct ovn_chassis *c =
			container_of(e, struct ovn_chassis, by_host);

		if (!strcmp(c->hostname, name))
			match_add(m, &nm, c);
	}
	gnv_hashtab_for_each(e, &n->ch_name, gnv_hash_str(name)) {
		const struct ovn_chassis *c =
			container_of(e, struct ovn_chassis, by_name);

		if (!strcmp(c->name, name))
			match_add(m, &nm, c);
	}
	if (nm > 1)
		return -EEXIST;
	if (!nm)
		return -ENOENT;
	gnv_hashtab_for_each(e, &n->en_chname, gnv_hash_str(m[0]->name)) {
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

/* The clients' monitor requests and the loader's messages name them. */
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
	[GNV_OVS_INTERFACE] = "Interface",
	[GNV_OVS_OPEN_VSWITCH] = "Open_vSwitch",
};

const char *gnv_ovn_table_name(enum gnv_ovn_table t)
{
	return t < GNV_OVN_N_TABLES ? table_names[t] : "?";
}

/* ---- A chassis' own Open vSwitch DB ---- */

const char *gnv_ovs_iface_lport(const struct gnv_ovn_names *n,
				const char *ifname)
{
	struct gnv_hnode *e;

	if (!n || !ifname)
		return NULL;
	gnv_hashtab_for_each(e, &n->if_name, gnv_hash_str(ifname)) {
		const struct ovn_iface *i =
			container_of(e, struct ovn_iface, by_name);

		if (!strcmp(i->name, ifname))
			return nonempty(i->lport) ? i->lport : NULL;
	}
	return NULL;
}

int gnv_ovs_find_lport(const struct gnv_ovn_names *n, const char *logical_port,
		       const char **ifname)
{
	const struct ovn_iface *found = NULL;
	struct gnv_hnode *e;

	if (!n || !logical_port)
		return -ENOENT;
	gnv_hashtab_for_each(e, &n->if_lport, gnv_hash_str(logical_port)) {
		const struct ovn_iface *i =
			container_of(e, struct ovn_iface, by_lport);

		if (strcmp(i->lport, logical_port) || !nonempty(i->name))
			continue;
		if (found)
			return -EEXIST;
		found = i;
	}
	if (!found)
		return -ENOENT;
	*ifname = found->name;
	return 0;
}

const char *gnv_ovs_system_id(const struct gnv_ovn_names *n)
{
	const struct gnv_hashtab *t = n ? &n->rows[ROW_OVS] : NULL;

	/* The table has one row: whichever bucket holds it. */
	for (__u32 b = 0; t && t->b && b <= t->mask; b++)
		if (t->b[b]) {
			const struct ovn_ovs *o = container_of(
				t->b[b], struct ovn_ovs, row.by_uuid);

			return nonempty(o->system_id) ? o->system_id : NULL;
		}
	return NULL;
}
