/* SPDX-License-Identifier: MIT */
/* Journeys as text lines or JSON objects, and the counters at the end. */
#ifndef GNV_JOURNEY_PRINT_H
#define GNV_JOURNEY_PRINT_H

#include "lib/outbuf.h"
#include "output/format.h"
#include "journey.h"

struct gnv_journey_out {
	struct outbuf ob;
	enum gnv_format mode;
	__s64 clock_offset_ns;	/* an observation's ts + this: wall clock */
};

void gnv_journey_out_init(struct gnv_journey_out *o, FILE *out,
			  enum gnv_format mode, __s64 clock_offset_ns);
/*
 * JSON only: the first record, {"tracing":[POINT, ...]}, every point the
 * run traces, each as a journey's hops name theirs: so that a joiner
 * reading the journeys back knows the points where nothing was seen.
 */
void gnv_journey_print_points(struct gnv_journey_out *o,
			      const struct gnv_joiner *j);
/* The joiner's on_journey, with a struct gnv_journey_out as ctx. */
void gnv_journey_print(void *ctx, const struct gnv_joiner *j,
		       const struct gnv_journey *jr);
/* Per hop and per pair of nodes: passed, lost, latency; the clocks. */
void gnv_journey_summary(struct gnv_journey_out *o, const struct gnv_joiner *j);

#endif /* GNV_JOURNEY_PRINT_H */
