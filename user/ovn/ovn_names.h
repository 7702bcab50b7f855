/* SPDX-License-Identifier: MIT */
/*
 * Room ovn/ (uses lib/): OVN's names for the keys. This header: the
 * model's API; ovn_zones.h for several availability zones.
 *
 * What OVN calls the keys on the wire: the Geneve VNI is a logical
 * datapath's tunnel key (Datapath_Binding.tunnel_key) and OVN's option
 * carries logical port keys (Port_Binding.tunnel_key, or for keys >= 0x8000
 * Multicast_Group.tunnel_key), unique only within their datapath.
 *
 * The table holds the Southbound rows by their _uuid, indexed by datapath
 * key, by (datapath, port key) and by name: every lookup is a hash lookup.
 * It is filled either offline from ovn-sbctl's JSON (gnv_ovn_names_load)
 * or live by the Southbound client (ovsdb_sb.h), through
 * gnv_ovn_names_apply(). Single-threaded: no locks. The lookups take a
 * NULL table as an empty one.
 */
#ifndef GNV_OVN_NAMES_H
#define GNV_OVN_NAMES_H

#include <stddef.h>
#include <linux/types.h>

struct gnv_ovn_names;
struct json_t;

struct gnv_ovn_names *gnv_ovn_names_new(void);
void gnv_ovn_names_free(struct gnv_ovn_names *n);

/*
 * NULL when unknown: never a wrong name. A datapath's name is the human
 * one: external_ids "name2" when present (OpenStack's network name, which
 * ovn-northd copies from the NB's neutron:network_name), else "name" (the
 * logical switch/router name).
 */
const char *gnv_ovn_datapath_name(const struct gnv_ovn_names *n, __u32 dp_key);

/*
 * Port keys are unique only within a datapath: always by the pair. Keys
 * >= 0x8000 are multicast groups (Multicast_Group.name, e.g. _MC_flood).
 * Port_Binding's logical_port is the name.
 */
const char *gnv_ovn_port_name(const struct gnv_ovn_names *n, __u32 dp_key,
			      __u32 port_key);

/*
 * Names to keys, for filters: 0, -ENOENT, or -EEXIST when several
 * datapaths share the name. A datapath is found by the name
 * gnv_ovn_datapath_name() shows, or failing that by external_ids "name"
 * (so both "private" and "neutron-<uuid>" find an OpenStack network).
 * A port is found by Port_Binding.logical_port (unique in the SB), or
 * failing that by a multicast group name, which is -EEXIST unless only
 * one datapath has the group.
 */
int gnv_ovn_find_datapath(const struct gnv_ovn_names *n, const char *name,
			  __u32 *dp_key);
int gnv_ovn_find_port(const struct gnv_ovn_names *n, const char *logical_port,
		      __u32 *dp_key, __u32 *port_key);

/*
 * Tunnel endpoints: the chassis (Southbound Chassis row) whose Encap has
 * the outer address. An Encap names its chassis by chassis_name (=
 * Chassis.name, the system-id); this is resolved at lookup time, so rows
 * may come in any order. Encap.ip is text, parsed with inet_pton; an encap
 * whose ip does not parse is ignored. Every encap type counts (geneve,
 * vxlan, stt): a chassis with two encaps of different IPs is named by both.
 *
 * family is 4 or 6; addr16 as in struct gnv_pkt (IPv4 in the first 4 bytes
 * of 16, network order). The display name is Chassis.hostname when it is
 * not empty, else Chassis.name. NULL when no encap has the address, and
 * NULL too when the answer is not certain: the encaps with the address
 * name different chassis (two chassis claiming one IP, a
 * misconfiguration), or one of them names no chassis that exists (or
 * none). Never a wrong name.
 */
const char *gnv_ovn_chassis_of_addr(const struct gnv_ovn_names *n, int family,
				    const __u8 *addr16);

/*
 * For filters (`outer chassis NAME`): the geneve encap address of the
 * chassis whose hostname or name is NAME. 0; -ENOENT when no chassis is
 * called NAME or it has no geneve encap with an IP that parses; -EEXIST
 * when NAME matches several chassis (the hostname of one and the name of
 * another counts too). When the chassis has several geneve encap IPs the
 * first in IP order (IPv4 before IPv6, then by bytes) is returned and
 * *more set to 1, else *more = 0. family, addr16 and more may be NULL.
 */
int gnv_ovn_find_chassis(const struct gnv_ovn_names *n, const char *name,
			 int *family, __u8 addr16[16], int *more);

/* Bumped on every change, so a user knows when to resolve names again. */
__u64 gnv_ovn_names_generation(const struct gnv_ovn_names *n);

/* How many datapaths and ports (multicast groups included) it holds. */
void gnv_ovn_names_count(const struct gnv_ovn_names *n, size_t *datapaths,
			 size_t *ports);

/* How many Chassis and Encap rows it holds. */
void gnv_ovn_names_count_chassis(const struct gnv_ovn_names *n,
				 size_t *chassis, size_t *encaps);

/*
 * --ovn-names FILE: offline names from the concatenated JSON outputs of
 *   ovn-sbctl --format=json list Datapath_Binding
 *   ovn-sbctl --format=json list Port_Binding
 *   ovn-sbctl --format=json list Multicast_Group      (optional)
 *   ovn-sbctl --format=json list Chassis              (optional)
 *   ovn-sbctl --format=json list Encap                (optional)
 * each {"data":[...],"headings":[...]}, in any order, each table
 * recognised by its headings. For a table of gnv_ovn_names_new_ic()
 * (--ovn-ic-names), those of ovn-ic-sbctl instead: Datapath_Binding,
 * Port_Binding, Availability_Zone, Gateway, Encap (the last three
 * optional). 0, or -1 with a one-line reason naming the file in err, the
 * table left as it was. Replaces the table's contents.
 */
int gnv_ovn_names_load(struct gnv_ovn_names *n, const char *path, char *err,
		       size_t errlen);

/*
 * For the clients: the tables they read. The interconnection Southbound
 * DB (ovn-ic's, one for all availability zones) names what spans zones:
 * transit switches (Datapath_Binding.transit_switch, their keys as in
 * every zone's Southbound DB), their ports (Port_Binding, tied to their
 * switch by name), and the gateways (Gateway, Encap.gateway_name) with
 * the Availability_Zone each is in. Its rows go to a table made with
 * gnv_ovn_names_new_ic(), the others to one of gnv_ovn_names_new().
 */
enum gnv_ovn_table {
	GNV_OVN_DATAPATH_BINDING,
	GNV_OVN_PORT_BINDING,
	GNV_OVN_MULTICAST_GROUP,
	GNV_OVN_CHASSIS,	/* name, hostname; other_config is-remote */
	GNV_OVN_ENCAP,		/* type, ip, chassis_name */
	GNV_OVN_IC_DATAPATH_BINDING,	/* transit_switch, tunnel_key */
	GNV_OVN_IC_PORT_BINDING,	/* logical_port, transit_switch, key */
	GNV_OVN_IC_AVAILABILITY_ZONE,	/* name */
	GNV_OVN_IC_GATEWAY,		/* name, hostname, availability_zone */
	GNV_OVN_IC_ENCAP,		/* type, ip, gateway_name */
	GNV_OVS_INTERFACE,		/* name, external_ids:iface-id */
	GNV_OVS_OPEN_VSWITCH,		/* external_ids:system-id */
	GNV_OVN_N_TABLES
};
#define GNV_OVN_SB_TABLES	GNV_OVN_IC_DATAPATH_BINDING	/* the first 5 */

/* The databases, each with its tables, each filling a table of its own. */
enum gnv_ovn_db {
	GNV_DB_SB,	/* OVN_Southbound: gnv_ovn_names_new() */
	GNV_DB_IC,	/* OVN_IC_Southbound: gnv_ovn_names_new_ic() */
	GNV_DB_OVS,	/* Open_vSwitch, a chassis' own: gnv_ovn_names_new_ovs() */
};
enum gnv_ovn_db gnv_ovn_table_db(enum gnv_ovn_table t);
enum gnv_ovn_db gnv_ovn_names_db(const struct gnv_ovn_names *n);

/* The table's name in its DB's schema ("Port_Binding"). */
const char *gnv_ovn_table_name(enum gnv_ovn_table t);

/* An empty table for the interconnection DB's rows. */
struct gnv_ovn_names *gnv_ovn_names_new_ic(void);

/*
 * An empty table for a chassis' own Open vSwitch DB (--ovs-db): which
 * logical port each interface is bound to (Interface
 * external_ids:iface-id, as ovn-controller reads it) and the chassis'
 * system-id (Open_vSwitch external_ids:system-id, its Chassis.name).
 */
struct gnv_ovn_names *gnv_ovn_names_new_ovs(void);

/*
 * The logical port interface ifname is bound to, or NULL. The interface
 * bound to logical_port: 0 with *ifname, -ENOENT, or -EEXIST when several
 * claim it. The system-id, or NULL.
 */
const char *gnv_ovs_iface_lport(const struct gnv_ovn_names *n,
				const char *ifname);
int gnv_ovs_find_lport(const struct gnv_ovn_names *n, const char *logical_port,
		       const char **ifname);
const char *gnv_ovs_system_id(const struct gnv_ovn_names *n);

/*
 * The zone the chassis at an underlay address is in: for a Southbound
 * table, its zone's label ("" when it has none) when the chassis is one
 * of its own, not a gateway of another zone that ovn-ic copied in
 * (other_config:is-remote=true); for the interconnection table, the name
 * of the gateway's Availability_Zone. NULL when unknown or uncertain.
 */
const char *gnv_ovn_chassis_zone(const struct gnv_ovn_names *n, int family,
				 const __u8 *addr16);

/*
 * Applies one row of table t, named by its _uuid: row is an object of
 * column: value in OVSDB's JSON encoding (RFC 7047 5.1: ["uuid", U],
 * ["set", [...]], ["map", [[k, v], ...]]); the columns it has replace the
 * stored ones, the others are kept (an insert, or a modify in either
 * monitor version). row NULL deletes. 1 when the names changed (and the
 * generation was bumped), 0 when not, -EINVAL with a reason in err for a
 * malformed row, -ENOMEM.
 */
int gnv_ovn_names_apply(struct gnv_ovn_names *n, enum gnv_ovn_table t,
			const char *uuid, const struct json_t *row, char *err,
			size_t errlen);

/* Empties the table (bumping the generation when it held anything). */
void gnv_ovn_names_clear(struct gnv_ovn_names *n);

/*
 * Availability zones (one Southbound DB each): tables chained in a list,
 * each with its zone's label (NULL for a single, unnamed one). Every
 * lookup above stays in its own table; ovn_zones.h walks the list.
 */
void gnv_ovn_names_set_zone(struct gnv_ovn_names *n, const char *zone,
			    struct gnv_ovn_names *next);
const char *gnv_ovn_zone(const struct gnv_ovn_names *n);
const struct gnv_ovn_names *gnv_ovn_next_zone(const struct gnv_ovn_names *n);

#endif /* GNV_OVN_NAMES_H */
