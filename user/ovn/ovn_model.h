/* SPDX-License-Identifier: MIT */
/*
 * What the OVN names table's files share, and nothing else includes: the
 * rows, the table that indexes them, and the functions each file offers
 * the others. The API is ovn_names.h.
 *
 *   ovn_names.c  the model: the rows and their indexes, the lookups,
 *                new/free/clear
 *   ovn_rows.c   rows in OVSDB's JSON encoding into the model
 *                (gnv_ovn_names_apply): inserts, changes, deletes
 *   ovn_file.c   the offline loader of ovn-sbctl's JSON
 *                (gnv_ovn_names_load)
 *
 * Every row type starts with a struct ovn_row, its _uuid and its node in
 * the uuid index of its type: one lookup by _uuid and one teardown serve
 * them all. A row's other nodes are in the indexes by key and by name; a
 * row is removed from those, changed and put back (ovn_rows.c).
 */
#ifndef GNV_OVN_MODEL_H
#define GNV_OVN_MODEL_H

#include <stdbool.h>
#include <string.h>
#include <linux/types.h>

#include "lib/hashtab.h"
#include "ovn_names.h"

enum ovn_row_type {
	ROW_DP,		/* Datapath_Binding; ic: a transit switch */
	ROW_PORT,	/* Port_Binding, Multicast_Group */
	ROW_CHASSIS,	/* Chassis; ic: Gateway */
	ROW_ENCAP,
	ROW_AZ,		/* ic: Availability_Zone */
	ROW_IFACE,	/* ovs: Interface */
	ROW_OVS,	/* ovs: Open_vSwitch, the one row */
	ROW_TYPES
};

struct ovn_row {
	struct gnv_hnode by_uuid;	/* in rows[its type] */
	__u8 uuid[16];
};

struct ovn_dp {
	struct ovn_row row;
	struct gnv_hnode by_key, by_name, by_name1;
	__u32 key;	/* 0: none (the schema's keys start at 1) */
	char *name;	/* external_ids:name */
	char *name2;	/* external_ids:name2, when set the name shown */
};

struct ovn_port {
	struct ovn_row row;
	struct gnv_hnode by_dpkey, by_name;
	__u8 dp_uuid[16];
	__u32 key;	/* 0: none */
	bool has_dp;
	bool mc;	/* a Multicast_Group row */
	char *name;
	char *ts;	/* interconnection: its transit switch's name */
};

struct ovn_chassis {
	struct ovn_row row;
	struct gnv_hnode by_name, by_host;
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
	struct ovn_row row;
	char *name;
};

struct ovn_encap {
	struct ovn_row row;
	struct gnv_hnode by_addr, by_chname;
	char *type;
	char *ip;		/* as the DB has it */
	char *chassis_name;	/* NULL or "": unindexed by it */
	bool has_addr;		/* ip parsed: indexed by address */
	__u8 family;		/* 4 or 6 */
	__u8 addr[16];
};

struct ovn_iface {
	struct ovn_row row;
	struct gnv_hnode by_name, by_lport;
	char *name;
	char *lport;	/* external_ids:iface-id; NULL or "": unindexed */
};

struct ovn_ovs {
	struct ovn_row row;
	char *system_id;
};

/* ovn_row_find() hands back the row as its own type: the base is first. */
_Static_assert(__builtin_offsetof(struct ovn_dp, row) == 0, "row first");
_Static_assert(__builtin_offsetof(struct ovn_port, row) == 0, "row first");
_Static_assert(__builtin_offsetof(struct ovn_chassis, row) == 0, "row first");
_Static_assert(__builtin_offsetof(struct ovn_az, row) == 0, "row first");
_Static_assert(__builtin_offsetof(struct ovn_encap, row) == 0, "row first");
_Static_assert(__builtin_offsetof(struct ovn_iface, row) == 0, "row first");
_Static_assert(__builtin_offsetof(struct ovn_ovs, row) == 0, "row first");

struct gnv_ovn_names {
	struct gnv_hashtab rows[ROW_TYPES];	/* by _uuid, a type each */
	struct gnv_hashtab dp_key, dp_name, dp_name1;
	struct gnv_hashtab port_dpkey, port_name;
	struct gnv_hashtab ch_name, ch_host;
	struct gnv_hashtab en_addr, en_chname;
	struct gnv_hashtab if_name, if_lport;
	__u64 gen;
	/* Availability zones: one table each, in a list (ovn_zones.c). */
	const char *zone;
	struct gnv_ovn_names *next;
	enum gnv_ovn_db db;	/* whose rows */
};

/* The row of type t with that _uuid, as its own struct, or NULL. */
void *ovn_row_find(const struct gnv_ovn_names *n, enum ovn_row_type t,
		   const __u8 *uuid);

/*
 * Puts a row of type t in (in) or takes it out of its indexes by key and
 * by name, not rows[t]. Putting in needs the room reserved first.
 */
void ovn_row_index(struct gnv_ovn_names *n, enum ovn_row_type t,
		   struct ovn_row *r, bool in);

/* Frees a row of type t and the strings it holds; it is in no index. */
void ovn_row_free(enum ovn_row_type t, struct ovn_row *r);

/*
 * A uuid in OVSDB's JSON encoding, ["uuid", U], or a set of at most one:
 * 0 with *present set (false for the empty set), or -EINVAL.
 */
int ovn_json_uuid(const struct json_t *v, __u8 *u, bool *present);

static inline bool nonempty(const char *s)
{
	return s && *s;
}

/* A datapath's name as shown, and as indexed by dp_name. */
static inline const char *dp_display(const struct ovn_dp *d)
{
	return d->name2 ? d->name2 : d->name;
}

/* The hashes of the indexes: the lookups' and those of who fills them. */
static inline __u32 hash_uuid(const __u8 *u)
{
	return gnv_hash_bytes(u, 16, 0);
}

static inline __u32 hash_key(__u32 key)
{
	return gnv_hash_mix32(key);
}

static inline __u32 hash_addr(int family, const __u8 *addr16)
{
	return gnv_hash_bytes(addr16, family == 4 ? 4 : 16, family);
}

static inline __u32 hash_dpkey(const __u8 *dp_uuid, __u32 key)
{
	return gnv_hash_bytes(dp_uuid, 16, gnv_hash_mix32(key + 1));
}

/* A transit switch's port: by the switch's name and the port's key. */
static inline __u32 hash_tskey(const char *ts, __u32 key)
{
	return gnv_hash_bytes(ts, strlen(ts), gnv_hash_mix32(key + 1));
}

#endif /* GNV_OVN_MODEL_H */
