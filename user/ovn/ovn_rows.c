// SPDX-License-Identifier: MIT
/*
 * Rows in OVSDB's JSON encoding into the OVN names table
 * (gnv_ovn_names_apply), for the Southbound client's updates and the
 * offline loader alike: each column decoded (RFC 7047 5.1), the stored
 * values kept for the columns a row lacks, and a changed row taken out of
 * its indexes, changed and put back, so that a rename or a key change is
 * as cheap as an insert.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/log.h"
#include "ovn_model.h"

static const __u8 zero_uuid[16];

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

/* ---- Column values ---- */

static bool streq_opt(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Whether v is [tag, x]: OVSDB's form of a uuid, a set or a map. */
static bool json_tagged(const json_t *v, const char *tag)
{
	return json_is_array(v) && json_array_size(v) == 2 &&
	       json_is_string(json_array_get(v, 0)) &&
	       !strcmp(json_string_value(json_array_get(v, 0)), tag);
}

/*
 * An optional column's one value, as some clients write it: v itself, or
 * the element of a set of at most one, ["set", [x]], NULL for the empty
 * set. -EINVAL for a larger set.
 */
static int json_one(const json_t **v)
{
	const json_t *set;

	if (!json_tagged(*v, "set"))
		return 0;
	set = json_array_get(*v, 1);
	if (!json_is_array(set) || json_array_size(set) > 1)
		return -EINVAL;
	*v = json_array_get(set, 0);
	return 0;
}

int ovn_json_uuid(const json_t *v, __u8 *u, bool *present)
{
	if (!v || json_one(&v))
		return -EINVAL;
	if (!v) {
		*present = false;
		return 0;
	}
	if (!json_tagged(v, "uuid") || !json_is_string(json_array_get(v, 1)))
		return -EINVAL;
	*present = true;
	return parse_uuid(json_string_value(json_array_get(v, 1)), u);
}

/* A string column: 0 with *s NULL for the empty set, or -EINVAL. */
static int json_str(const json_t *v, const char **s)
{
	if (!v || json_one(&v))
		return -EINVAL;
	if (v && !json_is_string(v))
		return -EINVAL;
	*s = v ? json_string_value(v) : NULL;
	return 0;
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
	if (!json_tagged(v, "map"))
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

/* Reads the string column col of row into *s when row has it. */
static int row_str(const json_t *row, const char *table, const char *col,
		   const char **s, char *err, size_t errlen)
{
	const json_t *v = json_object_get(row, col);

	if (v && json_str(v, s)) {
		gnv_errf(err, errlen, "%s: bad %s", table, col);
		return -EINVAL;
	}
	return 0;
}

/* Reads the tunnel_key column of row, in [min, max], when row has it. */
static int row_key(const json_t *row, const char *table, __u32 min,
		   __u32 max, __u32 *key, char *err, size_t errlen)
{
	const json_t *v = json_object_get(row, "tunnel_key");

	if (v && json_key(v, min, max, key)) {
		gnv_errf(err, errlen, "%s: bad tunnel_key", table);
		return -EINVAL;
	}
	return 0;
}

/* Reads the uuid column col of row when row has it (*present: not empty). */
static int row_uuid(const json_t *row, const char *table, const char *col,
		    __u8 *u, bool *present, char *err, size_t errlen)
{
	const json_t *v = json_object_get(row, col);

	if (v && ovn_json_uuid(v, u, present)) {
		gnv_errf(err, errlen, "%s: bad %s", table, col);
		return -EINVAL;
	}
	return 0;
}

/* A datapath's external_ids:name and name2, when row has the column. */
static int row_names(const json_t *row, const char **name,
		     const char **name2, char *err, size_t errlen)
{
	const json_t *v = json_object_get(row, "external_ids");
	const char *val[2];

	if (!v)
		return 0;
	if (json_map_get(v, (const char *const[]){ "name", "name2" }, val, 2)) {
		gnv_errf(err, errlen,
			       "Datapath_Binding: bad external_ids");
		return -EINVAL;
	}
	*name = val[0];
	*name2 = val[1];
	return 0;
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
		gnv_errf(err, errlen, "Chassis: bad %s", col);
		return -EINVAL;
	}
	*r = val && !strcmp(val, "true");
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
 * Replaces the strings in *dst[i] with copies of src[i], all or none.
 * src may point into the row's own strings: copy, then free.
 */
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

static int reserve_all(struct gnv_hashtab *const t[], int count)
{
	for (int i = 0; i < count; i++)
		if (gnv_hashtab_reserve(t[i]))
			return -ENOMEM;
	return 0;
}

/* Room for one more row of type t in rows[t] and in its indexes. */
static int row_reserve(struct gnv_ovn_names *n, enum ovn_row_type t)
{
	struct gnv_hashtab *rows = &n->rows[t];

	switch (t) {
	case ROW_DP:
		return reserve_all((struct gnv_hashtab *const[]){
			rows, &n->dp_key, &n->dp_name, &n->dp_name1 }, 4);
	case ROW_PORT:
		return reserve_all((struct gnv_hashtab *const[]){
			rows, &n->port_dpkey, &n->port_name }, 3);
	case ROW_CHASSIS:
		return reserve_all((struct gnv_hashtab *const[]){
			rows, &n->ch_name, &n->ch_host }, 3);
	case ROW_ENCAP:
		return reserve_all((struct gnv_hashtab *const[]){
			rows, &n->en_addr, &n->en_chname }, 3);
	case ROW_IFACE:
		return reserve_all((struct gnv_hashtab *const[]){
			rows, &n->if_name, &n->if_lport }, 3);
	default:
		return reserve_all(&rows, 1);
	}
}

/* ---- A change: the row out of its indexes, changed, and back in ---- */

/*
 * The row to change: room made in every index of type t, and row taken
 * out of them, or (row NULL) a new one with the _uuid, of size bytes,
 * already in rows[t]. NULL when out of memory, nothing changed.
 */
static void *change_begin(struct gnv_ovn_names *n, enum ovn_row_type t,
			  void *row, size_t size, const __u8 *uuid)
{
	struct ovn_row *r = row;

	if (row_reserve(n, t))
		return NULL;
	if (r) {
		ovn_row_index(n, t, r, false);
		return r;
	}
	r = calloc(1, size);
	if (!r)
		return NULL;
	memcpy(r->uuid, uuid, 16);
	gnv_hashtab_insert(&n->rows[t], &r->by_uuid, hash_uuid(uuid));
	return r;
}

/* The changed row back in its indexes: 1, the names changed. */
static int change_commit(struct gnv_ovn_names *n, enum ovn_row_type t,
			 void *row)
{
	ovn_row_index(n, t, row, true);
	n->gen++;
	return 1;
}

/*
 * Out of memory midway: the row as it was, or a new one gone. -ENOMEM.
 * row NULL: change_begin() failed, nothing to undo.
 */
static int change_undo(struct gnv_ovn_names *n, enum ovn_row_type t,
		       void *row, bool fresh)
{
	struct ovn_row *r = row;

	if (r && !fresh) {
		ovn_row_index(n, t, r, true);
	} else if (r) {
		gnv_hashtab_remove(&n->rows[t], &r->by_uuid);
		ovn_row_free(t, r);
	}
	return -ENOMEM;
}

/* A deleted row out of every index and freed: 1, or 0 when unknown. */
static int delete_row(struct gnv_ovn_names *n, enum ovn_row_type t,
		      const __u8 *uuid)
{
	struct ovn_row *r = ovn_row_find(n, t, uuid);

	if (!r)
		return 0;
	ovn_row_index(n, t, r, false);
	gnv_hashtab_remove(&n->rows[t], &r->by_uuid);
	ovn_row_free(t, r);
	n->gen++;
	return 1;
}

/* ---- The rows of each table ---- */

/* A Datapath_Binding, or (ic) a transit switch's, named transit_switch. */
static int apply_dp(struct gnv_ovn_names *n, bool ic, const __u8 *uuid,
		    const json_t *row, char *err, size_t errlen)
{
	struct ovn_dp *d = ovn_row_find(n, ROW_DP, uuid);
	bool fresh = !d;
	const char *name, *name2;
	__u32 key;

	key = d ? d->key : 0;
	name = d ? d->name : NULL;
	name2 = d ? d->name2 : NULL;
	if (row_key(row, "Datapath_Binding", 1, 0xffffff, &key, err, errlen))
		return -EINVAL;
	if (ic ? row_str(row, "Datapath_Binding", "transit_switch", &name,
			 err, errlen) :
		 row_names(row, &name, &name2, err, errlen))
		return -EINVAL;
	if (d && d->key == key && streq_opt(d->name, name) &&
	    streq_opt(d->name2, name2))
		return 0;
	d = change_begin(n, ROW_DP, d, sizeof(*d), uuid);
	if (!d || dup_all((char **[]){ &d->name, &d->name2 },
			  (const char *const[]){ name, name2 }, 2))
		return change_undo(n, ROW_DP, d, fresh);
	d->key = key;
	/* Even a change of the hidden name matters, to find_datapath. */
	return change_commit(n, ROW_DP, d);
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
	struct ovn_port *p = ovn_row_find(n, ROW_PORT, uuid);
	bool fresh = !p;
	__u8 dp_uuid[16];
	bool has_dp;
	const char *name, *ts;
	__u32 key;

	key = p ? p->key : 0;
	name = p ? p->name : NULL;
	ts = p ? p->ts : NULL;
	has_dp = p ? p->has_dp : false;
	memcpy(dp_uuid, p ? p->dp_uuid : zero_uuid, 16);
	if (row_key(row, table, mc ? 0x8000 : 1, mc ? 0xffff : 0x7fff, &key,
		    err, errlen) ||
	    row_str(row, table, mc ? "name" : "logical_port", &name, err,
		    errlen))
		return -EINVAL;
	if (ic ? row_str(row, table, "transit_switch", &ts, err, errlen) :
		 row_uuid(row, table, "datapath", dp_uuid, &has_dp, err,
			  errlen))
		return -EINVAL;
	if (p && p->key == key && streq_opt(p->name, name) &&
	    streq_opt(p->ts, ts) && p->has_dp == has_dp &&
	    !memcmp(p->dp_uuid, dp_uuid, 16))
		return 0;
	p = change_begin(n, ROW_PORT, p, sizeof(*p), uuid);
	if (!p || dup_all((char **[]){ &p->name, &p->ts },
			  (const char *const[]){ name, ts }, 2))
		return change_undo(n, ROW_PORT, p, fresh);
	if (fresh)
		p->mc = mc;
	p->key = key;
	p->has_dp = has_dp;
	memcpy(p->dp_uuid, dp_uuid, 16);
	return change_commit(n, ROW_PORT, p);
}

/* A Chassis row, or (t GNV_OVN_IC_GATEWAY) a Gateway with its zone. */
static int apply_chassis(struct gnv_ovn_names *n, enum gnv_ovn_table t,
			 const __u8 *uuid, const json_t *row, char *err,
			 size_t errlen)
{
	const char *table = t == GNV_OVN_IC_GATEWAY ? "Gateway" : "Chassis";
	struct ovn_chassis *c = ovn_row_find(n, ROW_CHASSIS, uuid);
	bool remote_oc, remote_ei, has_az;
	const char *name, *host;
	bool fresh = !c;
	__u8 az[16];

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
	if (t == GNV_OVN_IC_GATEWAY &&
	    row_uuid(row, table, "availability_zone", az, &has_az, err,
		     errlen))
		return -EINVAL;
	if (c && streq_opt(c->name, name) && streq_opt(c->hostname, host) &&
	    c->remote_oc == remote_oc && c->remote_ei == remote_ei &&
	    c->has_az == has_az && !memcmp(c->az, az, 16))
		return 0;
	c = change_begin(n, ROW_CHASSIS, c, sizeof(*c), uuid);
	if (!c || dup_all((char **[]){ &c->name, &c->hostname },
			  (const char *const[]){ name, host }, 2))
		return change_undo(n, ROW_CHASSIS, c, fresh);
	c->remote_oc = remote_oc;
	c->remote_ei = remote_ei;
	c->has_az = has_az;
	memcpy(c->az, az, 16);
	return change_commit(n, ROW_CHASSIS, c);
}

/* An interconnection Availability_Zone: its name, by _uuid. */
static int apply_az(struct gnv_ovn_names *n, const __u8 *uuid,
		    const json_t *row, char *err, size_t errlen)
{
	struct ovn_az *a = ovn_row_find(n, ROW_AZ, uuid);
	bool fresh = !a;
	const char *name;

	name = a ? a->name : NULL;
	if (row_str(row, "Availability_Zone", "name", &name, err, errlen))
		return -EINVAL;
	if (a && streq_opt(a->name, name))
		return 0;
	a = change_begin(n, ROW_AZ, a, sizeof(*a), uuid);
	if (!a || dup_all((char **[]){ &a->name },
			  (const char *const[]){ name }, 1))
		return change_undo(n, ROW_AZ, a, fresh);
	return change_commit(n, ROW_AZ, a);
}

/* An encap's address: its ip parsed, or none (has_addr false). */
static void encap_parse_ip(struct ovn_encap *en)
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
}

/* An Encap of a chassis, or (ic) of a gateway, named by gateway_name. */
static int apply_encap(struct gnv_ovn_names *n, bool ic, const __u8 *uuid,
		       const json_t *row, char *err, size_t errlen)
{
	struct ovn_encap *en = ovn_row_find(n, ROW_ENCAP, uuid);
	const char *type, *ip, *chname;
	bool fresh = !en;

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
	en = change_begin(n, ROW_ENCAP, en, sizeof(*en), uuid);
	if (!en ||
	    dup_all((char **[]){ &en->type, &en->ip, &en->chassis_name },
		    (const char *const[]){ type, ip, chname }, 3))
		return change_undo(n, ROW_ENCAP, en, fresh);
	encap_parse_ip(en);
	return change_commit(n, ROW_ENCAP, en);
}

/* A map column's one string value, when row has the column. */
static int row_map_str(const json_t *row, const char *table, const char *col,
		       const char *k, const char **s, char *err, size_t errlen)
{
	const json_t *v = json_object_get(row, col);

	if (v && json_map_get(v, &k, s, 1)) {
		gnv_errf(err, errlen, "%s: bad %s", table, col);
		return -EINVAL;
	}
	return 0;
}

/* An Interface of a chassis' OVS: its name and the logical port bound. */
static int apply_iface(struct gnv_ovn_names *n, const __u8 *uuid,
		       const json_t *row, char *err, size_t errlen)
{
	struct ovn_iface *i = ovn_row_find(n, ROW_IFACE, uuid);
	const char *name, *lport;
	bool fresh = !i;

	name = i ? i->name : NULL;
	lport = i ? i->lport : NULL;
	if (row_str(row, "Interface", "name", &name, err, errlen) ||
	    row_map_str(row, "Interface", "external_ids", "iface-id", &lport,
			err, errlen))
		return -EINVAL;
	if (i && streq_opt(i->name, name) && streq_opt(i->lport, lport))
		return 0;
	i = change_begin(n, ROW_IFACE, i, sizeof(*i), uuid);
	if (!i || dup_all((char **[]){ &i->name, &i->lport },
			  (const char *const[]){ name, lport }, 2))
		return change_undo(n, ROW_IFACE, i, fresh);
	return change_commit(n, ROW_IFACE, i);
}

/* The Open_vSwitch row: the chassis' system-id. */
static int apply_ovs(struct gnv_ovn_names *n, const __u8 *uuid,
		     const json_t *row, char *err, size_t errlen)
{
	struct ovn_ovs *o = ovn_row_find(n, ROW_OVS, uuid);
	const char *sid;
	bool fresh = !o;

	sid = o ? o->system_id : NULL;
	if (row_map_str(row, "Open_vSwitch", "external_ids", "system-id", &sid,
			err, errlen))
		return -EINVAL;
	if (o && streq_opt(o->system_id, sid))
		return 0;
	o = change_begin(n, ROW_OVS, o, sizeof(*o), uuid);
	if (!o || dup_all((char **[]){ &o->system_id },
			  (const char *const[]){ sid }, 1))
		return change_undo(n, ROW_OVS, o, fresh);
	return change_commit(n, ROW_OVS, o);
}

int gnv_ovn_names_apply(struct gnv_ovn_names *n, enum gnv_ovn_table t,
			const char *uuid, const struct json_t *row, char *err,
			size_t errlen)
{
	__u8 u[16];

	if (!uuid || parse_uuid(uuid, u)) {
		gnv_errf(err, errlen, "bad row uuid '%s'",
			       uuid ? uuid : "");
		return -EINVAL;
	}
	if (row && !json_is_object(row)) {
		gnv_errf(err, errlen, "a row is not a JSON object");
		return -EINVAL;
	}
	if (gnv_ovn_table_db(t) != n->db) {
		static const char *const db[] = {
			[GNV_DB_SB] = "Southbound",
			[GNV_DB_IC] = "interconnection",
			[GNV_DB_OVS] = "Open vSwitch",
		};

		gnv_errf(err, errlen, "a row of the %s DB in a table of "
			 "the %s DB", db[gnv_ovn_table_db(t)], db[n->db]);
		return -EINVAL;
	}
	switch (t) {
	case GNV_OVN_DATAPATH_BINDING:
	case GNV_OVN_IC_DATAPATH_BINDING:
		return row ? apply_dp(n, n->db == GNV_DB_IC, u, row, err, errlen) :
			     delete_row(n, ROW_DP, u);
	case GNV_OVN_PORT_BINDING:
	case GNV_OVN_MULTICAST_GROUP:
	case GNV_OVN_IC_PORT_BINDING:
		return row ? apply_port(n, t, u, row, err, errlen) :
			     delete_row(n, ROW_PORT, u);
	case GNV_OVN_CHASSIS:
	case GNV_OVN_IC_GATEWAY:
		return row ? apply_chassis(n, t, u, row, err, errlen) :
			     delete_row(n, ROW_CHASSIS, u);
	case GNV_OVN_ENCAP:
	case GNV_OVN_IC_ENCAP:
		return row ? apply_encap(n, n->db == GNV_DB_IC, u, row, err, errlen) :
			     delete_row(n, ROW_ENCAP, u);
	case GNV_OVN_IC_AVAILABILITY_ZONE:
		return row ? apply_az(n, u, row, err, errlen) :
			     delete_row(n, ROW_AZ, u);
	case GNV_OVS_INTERFACE:
		return row ? apply_iface(n, u, row, err, errlen) :
			     delete_row(n, ROW_IFACE, u);
	case GNV_OVS_OPEN_VSWITCH:
		return row ? apply_ovs(n, u, row, err, errlen) :
			     delete_row(n, ROW_OVS, u);
	case GNV_OVN_N_TABLES:
		break;
	}
	gnv_errf(err, errlen, "unknown table");
	return -EINVAL;
}
