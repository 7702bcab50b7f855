/* SPDX-License-Identifier: MIT */
/*
 * Room lab/ (uses lib/, trace/): the built-in lab of --demo, its traffic
 * (traffic.h) and the frame builder the tests and tools share (pktcraft.h).
 */
#ifndef GNV_DEMO_H
#define GNV_DEMO_H

#include "trace/trace.h"

/*
 * The built-in lab: two network namespaces joined by a veth pair, the
 * tracer on one end, realistic Geneve/OVN traffic sent into the other.
 * Both namespaces are anonymous and held only by this process and a child
 * that dies with it, so nothing is left behind however the demo ends.
 */
int gnv_demo(const struct gnv_trace_opts *o, struct gnv_counts *c);

#endif /* GNV_DEMO_H */
