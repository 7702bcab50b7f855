// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ovn_zones.h"

#define for_each_zone(z, zones) \
	for (z = zones; z; z = gnv_ovn_next_zone(z))

/* The interconnection DB's table, last in the list, or NULL. */
static const struct gnv_ovn_names *ic_of(const struct gnv_ovn_names *zones)
{
	const struct gnv_ovn_names *z;

	for_each_zone(z, zones)
		if ((gnv_ovn_names_db(z) == GNV_DB_IC))
			return z;
	return NULL;
}

/*
 * The zone whose own chassis has the address (not one where it is a
 * remote gateway), else the zone the interconnection DB puts that
 * gateway in, when a zone has that label; else NULL.
 */
static const struct gnv_ovn_names *zone_at(const struct gnv_ovn_names *zones,
					   int family, const __u8 *addr)
{
	const struct gnv_ovn_names *z, *ic = NULL;
	const char *az;

	for_each_zone(z, zones) {
		if ((gnv_ovn_names_db(z) == GNV_DB_IC))
			ic = z;
		else if (gnv_ovn_chassis_zone(z, family, addr))
			return z;
	}
	az = ic ? gnv_ovn_chassis_zone(ic, family, addr) : NULL;
	if (!az)
		return NULL;
	for_each_zone(z, zones)
		if (z != ic && gnv_ovn_zone(z) && !strcmp(gnv_ovn_zone(z), az))
			return z;
	return NULL;
}

const struct gnv_ovn_names *gnv_ovn_zone_of_tunnel(
	const struct gnv_ovn_names *zones, __u32 vni, int family,
	const __u8 *src, const __u8 *dst)
{
	const struct gnv_ovn_names *z, *ic;

	if (!zones || !gnv_ovn_next_zone(zones))
		return zones;
	z = zone_at(zones, family, src);
	if (!z)
		z = zone_at(zones, family, dst);
	if (!z)
		z = zones;
	/* A transit switch the zone does not know (yet): ovn-ic's name. */
	ic = ic_of(zones);
	if (ic && !gnv_ovn_datapath_name(z, vni) &&
	    gnv_ovn_datapath_name(ic, vni))
		return ic;
	return z;
}

const struct gnv_ovn_names *gnv_ovn_zone_of(const struct gnv_ovn_names *zones,
					    const struct gnv_pkt *p)
{
	return gnv_ovn_zone_of_tunnel(zones, p->vni, p->outer_family,
				      p->outer_src, p->outer_dst);
}

/* The datapath, the chassis and the zones of a tunnel; the zone naming it. */
static const struct gnv_ovn_names *view_tunnel(
	const struct gnv_ovn_names *zones, __u32 vni, int family,
	const __u8 *src, const __u8 *dst, int chassis_zones,
	struct gnv_ovn_view *v)
{
	const struct gnv_ovn_names *z;

	memset(v, 0, sizeof(*v));
	if (!zones)
		return NULL;
	z = gnv_ovn_zone_of_tunnel(zones, vni, family, src, dst);
	v->datapath = gnv_ovn_datapath_name(z, vni);
	if (gnv_ovn_zones_many(zones))
		v->zone = gnv_ovn_zone(z);
	v->chassis[0] = gnv_ovn_chassis_any(zones, family, src);
	v->chassis[1] = gnv_ovn_chassis_any(zones, family, dst);
	if (chassis_zones) {
		v->chassis_zone[0] = gnv_ovn_chassis_zone_any(zones, family,
							      src);
		v->chassis_zone[1] = gnv_ovn_chassis_zone_any(zones, family,
							      dst);
	}
	return z;
}

void gnv_ovn_view_event(const struct gnv_ovn_names *zones,
			const struct gnv_pkt *p, int chassis_zones,
			struct gnv_ovn_view *v)
{
	const struct gnv_ovn_names *z = view_tunnel(
		zones, p->vni, p->outer_family, p->outer_src, p->outer_dst,
		chassis_zones, v);

	if (!z || !(p->flags & GNV_F_OVN))
		return;
	/* OVN's VXLAN carries no ingress port. */
	if (!(p->flags & GNV_F_VXLAN))
		v->inport = gnv_ovn_port_name(z, p->vni, p->ovn_inport);
	v->outport = gnv_ovn_port_name(z, p->vni, p->ovn_outport);
}

void gnv_ovn_view_port(const struct gnv_ovn_names *zones,
		       const struct gnv_port_key *k, int chassis_zones,
		       struct gnv_ovn_view *v)
{
	const struct gnv_ovn_names *z = view_tunnel(
		zones, k->vni, k->outer_family, k->outer_src, k->outer_dst,
		chassis_zones, v);

	if (z && k->has_port)
		v->inport = gnv_ovn_port_name(z, k->vni, k->port);
}

const char *gnv_ovn_chassis_zone_any(const struct gnv_ovn_names *zones,
				     int family, const __u8 *addr16)
{
	const struct gnv_ovn_names *z = zone_at(zones, family, addr16);
	const struct gnv_ovn_names *ic = ic_of(zones);

	if (z && gnv_ovn_zone(z))
		return gnv_ovn_zone(z);
	return ic ? gnv_ovn_chassis_zone(ic, family, addr16) : NULL;
}

int gnv_ovn_zones_many(const struct gnv_ovn_names *zones)
{
	return zones && gnv_ovn_next_zone(zones);
}

/*
 * The chassis' own zone first: another zone's copy of a gateway (ovn-ic's
 * is-remote rows) follows a rename through the interconnection DB, seconds
 * later, and would name it by its old name meanwhile.
 */
const char *gnv_ovn_chassis_any(const struct gnv_ovn_names *zones, int family,
				const __u8 *addr16)
{
	const struct gnv_ovn_names *z = zone_at(zones, family, addr16);
	const char *name = z ? gnv_ovn_chassis_of_addr(z, family, addr16) : NULL;

	if (name)
		return name;
	for_each_zone(z, zones) {
		name = gnv_ovn_chassis_of_addr(z, family, addr16);
		if (name)
			return name;
	}
	return NULL;
}

/*
 * Names to keys: the zones that know a name must agree on its keys (a
 * transit switch and its ports do); -EEXIST when they do not.
 */
int gnv_ovn_find_datapath_any(const struct gnv_ovn_names *zones,
			      const char *name, __u32 *dp_key)
{
	const struct gnv_ovn_names *z;
	__u32 key, found = 0;
	int n = 0, r;

	for_each_zone(z, zones) {
		r = gnv_ovn_find_datapath(z, name, &key);
		if (r == -ENOENT)
			continue;
		if (r)
			return r;
		if (n++ && key != found)
			return -EEXIST;
		found = key;
	}
	if (!n)
		return -ENOENT;
	*dp_key = found;
	return 0;
}

int gnv_ovn_find_port_any(const struct gnv_ovn_names *zones, const char *name,
			  __u32 *dp_key, __u32 *port_key)
{
	const struct gnv_ovn_names *z;
	__u32 dp, key, found_dp = 0, found_key = 0;
	int n = 0, r;

	for_each_zone(z, zones) {
		r = gnv_ovn_find_port(z, name, &dp, &key);
		if (r == -ENOENT)
			continue;
		if (r)
			return r;
		if (n++ && (dp != found_dp || key != found_key))
			return -EEXIST;
		found_dp = dp;
		found_key = key;
	}
	if (!n)
		return -ENOENT;
	*dp_key = found_dp;
	*port_key = found_key;
	return 0;
}

int gnv_ovn_find_chassis_any(const struct gnv_ovn_names *zones,
			     const char *name, int *family, __u8 addr16[16],
			     int *more)
{
	const struct gnv_ovn_names *z;
	__u8 addr[16], found[16];
	int fam, found_fam = 0, n = 0, r;

	for_each_zone(z, zones) {
		r = gnv_ovn_find_chassis(z, name, &fam, addr, more);
		if (r == -ENOENT)
			continue;
		if (r)
			return r;
		if (n++ && (fam != found_fam || memcmp(addr, found, 16)))
			return -EEXIST;
		found_fam = fam;
		memcpy(found, addr, 16);
	}
	if (!n)
		return -ENOENT;
	*family = found_fam;
	memcpy(addr16, found, 16);
	return 0;
}
