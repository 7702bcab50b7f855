// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "ovn_zones.h"

#define for_each_zone(z, zones) \
	for (z = zones; z; z = gnv_ovn_next_zone(z))

const struct gnv_ovn_names *gnv_ovn_zone_of(const struct gnv_ovn_names *zones,
					    const struct gnv_pkt *p)
{
	const struct gnv_ovn_names *z;

	if (!zones || !gnv_ovn_next_zone(zones))
		return zones;
	for_each_zone(z, zones)
		if (gnv_ovn_chassis_of_addr(z, p->outer_family, p->outer_src))
			return z;
	for_each_zone(z, zones)
		if (gnv_ovn_chassis_of_addr(z, p->outer_family, p->outer_dst))
			return z;
	return zones;
}

int gnv_ovn_zones_many(const struct gnv_ovn_names *zones)
{
	return zones && gnv_ovn_next_zone(zones);
}

const char *gnv_ovn_chassis_any(const struct gnv_ovn_names *zones, int family,
				const __u8 *addr16)
{
	const struct gnv_ovn_names *z;
	const char *name;

	for_each_zone(z, zones) {
		name = gnv_ovn_chassis_of_addr(z, family, addr16);
		if (name)
			return name;
	}
	return NULL;
}

const struct gnv_ovn_names *gnv_ovn_zone_naming(
	const struct gnv_ovn_names *zones, __u32 dp_key)
{
	const struct gnv_ovn_names *z;

	for_each_zone(z, zones)
		if (gnv_ovn_datapath_name(z, dp_key))
			return z;
	return zones;
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
