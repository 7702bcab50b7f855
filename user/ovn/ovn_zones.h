/* SPDX-License-Identifier: MIT */
/*
 * Names across availability zones: the list of names tables that
 * gnv_ovn_names_set_zone chains, one per Southbound DB, and last the
 * interconnection DB's. A packet's datapath and ports are named in the
 * zone of the chassis that sent it (its outer source is one of that
 * zone's own encaps), else of the one it goes to, else the first: the
 * same key means different datapaths in two zones, but a transit
 * switch's keys, which ovn-ic assigns, mean the same in all. With one
 * table these are the plain lookups.
 */
#ifndef GNV_OVN_ZONES_H
#define GNV_OVN_ZONES_H

#include <stddef.h>

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
 * The same for a tunnel's endpoints and VNI (a histogram's or a metric's
 * key): the zone of the chassis at src, else at dst, else the first.
 * A chassis is a zone's when it is its own, not a remote gateway ovn-ic
 * copied in, or when the interconnection DB (--ovn-ic-sb, the last
 * table, labelled "ic") puts the gateway in an availability zone of that
 * label. When that zone does not name the VNI and the interconnection DB
 * does (a transit switch), the interconnection DB's table.
 */
const struct gnv_ovn_names *gnv_ovn_zone_of_tunnel(
	const struct gnv_ovn_names *zones, __u32 vni, int family,
	const __u8 *src, const __u8 *dst);

/*
 * The availability zone of the chassis at an address, as above: a zone's
 * label, or the interconnection DB's zone name of a gateway; NULL when
 * unknown or the zone has no label.
 */
const char *gnv_ovn_chassis_zone_any(const struct gnv_ovn_names *zones,
				     int family, const __u8 *addr16);

/*
 * What OVN calls one packet's keys, or one port's traffic (a histogram's
 * or a metric's key): every name looked up once, in the zone that names
 * the tunnel (gnv_ovn_zone_of_tunnel), for formatters, histograms and
 * metrics that then only write. NULL where OVN has no name.
 */
struct gnv_ovn_view {
	const char *zone;		/* whose names, when there are several */
	const char *datapath;
	const char *inport;		/* a port key's port is here */
	const char *outport;
	const char *chassis[2];		/* at the outer source, destination */
	const char *chassis_zone[2];
};
/*
 * An event's names; an empty view without names (zones NULL). The
 * chassis' zones only when asked for (what JSON prints, text does not):
 * each is two more lookups.
 */
void gnv_ovn_view_event(const struct gnv_ovn_names *zones,
			const struct gnv_pkt *p, int chassis_zones,
			struct gnv_ovn_view *v);
void gnv_ovn_view_port(const struct gnv_ovn_names *zones,
		       const struct gnv_port_key *k, int chassis_zones,
		       struct gnv_ovn_view *v);

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
