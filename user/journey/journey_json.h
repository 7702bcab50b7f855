/* SPDX-License-Identifier: MIT */
/*
 * JSON read back for the joiner: a live gnvtrace's events (-o json), or
 * the journeys of another joiner (--journey -o json), whose first record
 * names every point it traced ({"tracing": [...]}).
 */
#ifndef GNV_JOURNEY_JSON_H
#define GNV_JOURNEY_JSON_H

#include <net/if.h>
#include <stddef.h>

#include "gnvtrace.h"
#include "journey.h"

struct gnv_json_point {
	char node[GNV_JOURNEY_NAME];	/* "" when the line names none */
	char ifname[IF_NAMESIZE];
	char lport[GNV_JOURNEY_NAME];
	__u8 dir;
	enum gnv_point_kind kind;
	__u32 dp_key;			/* a VM's port's OVN keys, or 0 */
	__u16 port_key;
};

struct gnv_json_sighting {
	struct gnv_json_point at;
	__u64 ts_ns;			/* wall clock */
	__u32 len;
	struct gnv_pkt pkt;
};

/* One line: the points it declares, the sightings it holds. */
struct gnv_json_line {
	__u64 ts_ns;			/* its first time, for merging files */
	int n_points;
	struct gnv_json_point points[GNV_JOURNEY_MAX_POINTS];
	int n_seen;
	struct gnv_json_sighting seen[GNV_JOURNEY_MAX_HOPS];
};

/*
 * One line: an event (one sighting), a journey (its sightings; the point
 * it was lost before, declared), the tracing record (points). 0; 1 for a
 * line with nothing for the joiner (blank, the counters at the end); -1
 * with the reason in err.
 */
int gnv_json_line_parse(const char *line, size_t len, struct gnv_json_line *l,
			char *err, size_t errlen);

#endif /* GNV_JOURNEY_JSON_H */
