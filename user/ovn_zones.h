/* SPDX-License-Identifier: MIT */
/*
 * Names across availability zones: the list of names tables that
 * gnv_ovn_names_set_zone chains, one per Southbound DB. A packet's
 * datapath and ports are named in the zone of the chassis that sent it
 * (its outer source is one of that zone's encaps), else of the one it
 * goes to, else the first: the same key means different datapaths in two
 * zones, but a transit switch's keys, which ovn-ic assigns, mean the same
 * in all. With one table these are the plain lookups.
 */
#ifndef GNV_OVN_ZONES_H
#define GNV_OVN_ZONES_H

#include "gnvtrace.h"
#include "ovn_names.h"

/* The zone whose chassis sent (else receives) the packet; else zones. */
const struct gnv_ovn_names *gnv_ovn_zone_of(const struct gnv_ovn_names *zones,
					    const struct gnv_pkt *p);
/* Whether there are several zones (their labels are worth printing). */
int gnv_ovn_zones_many(const struct gnv_ovn_names *zones);

/* An address's chassis in whichever zone knows it. */
const char *gnv_ovn_chassis_any(const struct gnv_ovn_names *zones, int family,
				const __u8 *addr16);
/*
 * Without a packet (histograms, metrics): the first zone that names the
 * datapath key, and the port in that same zone.
 */
const struct gnv_ovn_names *gnv_ovn_zone_naming(
	const struct gnv_ovn_names *zones, __u32 dp_key);

/*
 * Names to keys across the zones, for filters: found in one zone, or in
 * several with the same keys (a transit switch); -EEXIST when zones
 * disagree.
 */
int gnv_ovn_find_datapath_any(const struct gnv_ovn_names *zones,
			      const char *name, __u32 *dp_key);
int gnv_ovn_find_port_any(const struct gnv_ovn_names *zones, const char *name,
			  __u32 *dp_key, __u32 *port_key);
int gnv_ovn_find_chassis_any(const struct gnv_ovn_names *zones,
			     const char *name, int *family, __u8 addr16[16],
			     int *more);

#endif /* GNV_OVN_ZONES_H */
