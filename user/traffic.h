/* SPDX-License-Identifier: MIT */
/*
 * Named sets of frames: what the demo sends, what the tests replay and
 * what the generator writes to capture files.
 */
#ifndef GNV_TRAFFIC_H
#define GNV_TRAFFIC_H

#include "pktcraft.h"

struct traffic_frame {
	struct pkt_spec spec;
	size_t cut;		/* send only this many bytes (0: all) */
};

#define TRAFFIC_DEMO_FRAMES	18

/*
 * The demo's conversation on one compute node's NIC: pings between two VMs
 * over IPv4 and IPv6 underlays, ssh over a VLAN-tagged underlay, DNS with
 * a second option class, an ARP flood, non-Geneve noise and one Geneve
 * frame cut short. Returns the number of frames written to frames[].
 */
int traffic_demo(struct traffic_frame *frames, int max);

#endif /* GNV_TRAFFIC_H */
