/* SPDX-License-Identifier: MIT */
/*
 * Named sets of frames: what the demo sends, what the tests replay and
 * what the generator writes to capture files.
 */
#ifndef GNV_TRAFFIC_H
#define GNV_TRAFFIC_H

#include <arpa/inet.h>

#include "pktcraft.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Capture times start here: 2023-11-14 22:13:20 UTC. */
#define TRAFFIC_EPOCH_US	1700000000000000ULL

enum traffic_kind {
	TRAFFIC_GNV_ICMP,	/* Geneve+OVN, ICMP or ICMPv6 echo */
	TRAFFIC_GNV_TCP,
	TRAFFIC_GNV_UDP,
	TRAFFIC_GNV_ARP,
	TRAFFIC_BG_UDP,		/* not Geneve: the underlay's own */
	TRAFFIC_BG_TCP,
	TRAFFIC_KINDS
};

extern const char *const traffic_kind_name[TRAFFIC_KINDS];

struct traffic_frame {
	struct pkt_spec spec;
	size_t cut;		/* send only this many bytes (0: all) */
	size_t strip;		/* bytes to drop: send the inner frame */
	__u64 ts_us;		/* capture time, epoch microseconds */
	enum traffic_kind kind;
	int outgoing;		/* demo: sent by the traced node, not to it */
	/*
	 * Not NULL: instead of spec's frame, this router's ICMP "too big"
	 * about it, announcing mtu (pkt_build_too_big()).
	 */
	const char *router;
	__u32 mtu;
	/* Not 0: the payload's bytes (spec.payload_len of them) are these. */
	int has_payload;
	__u8 payload[32];
	/* Text of the addresses spec points to, when not literals. */
	char addr[4][INET6_ADDRSTRLEN];
};

#define TRAFFIC_DEMO_FRAMES	18

/*
 * The demo's conversation on one compute node's NIC: pings from a VM on
 * another chassis to one on this node, answered from here (outgoing), over
 * IPv4 and IPv6 underlays, ssh over a VLAN-tagged underlay, DNS with
 * a second option class, an ARP flood, non-Geneve noise and one Geneve
 * frame cut short. Returns the number of frames written to frames[].
 */
int traffic_demo(struct traffic_frame *frames, int max);

#define TRAFFIC_RTT_FRAMES	23

/*
 * ICMP echo exchanges between two VMs with known request/reply gaps, one
 * per log2 slot from 1 us to 1 s, one request never answered and one
 * answered after 6 s (past the default timeout); then TCP handshakes: a
 * SYN never answered, one answered in 300 us, one sent again after 1 s
 * and answered 200 us later; in time order: for the round-trip
 * histograms. Returns the number of frames, -1 if max is short.
 */
int traffic_rtt(struct traffic_frame *frames, int max);

#define TRAFFIC_MTU_FRAMES	16

/*
 * MTU trouble with known answers, one frame a second: a large ping each
 * way round (IPv4 and IPv6 underlays), the "too big" messages a router
 * sends back (MTU 1300, none, 1280), and TCP SYNs whose MSS fits a
 * 1500-byte underlay or not; then routers of the underlay saying the
 * tunnels' frames are too big (IPv4: 1450 from 172.17.2.1, 1400 from
 * 172.17.2.2; IPv6: 1280), and one "fragmentation needed" about a UDP
 * datagram to port 53, no tunnel's. Returns the number of frames, -1 if max is
 * short.
 */
int traffic_mtu(struct traffic_frame *frames, int max);

#define TRAFFIC_BFD_ROUNDS	12
#define TRAFFIC_BFD_FRAMES	(33 * TRAFFIC_BFD_ROUNDS)

/*
 * BFD between two chassis (172.31.254.1 and .2, OVN's inner addresses,
 * VNI 0, no OVN option), each way once a second (intervals 1 s, multiplier
 * 3), in rounds a minute apart: a three-way handshake to Up; .1 silent
 * from 10 s to 16 s (its detection time ends at 13 s: Down), .2 saying
 * Down with "Control Detection Time Expired" from 13.5 s; .1 back, Down,
 * and Up again. Per round, each way: 4 changes of state (.1: Init, Up,
 * silence's Down, Up; .2: Up, Down, Init, Up), 14 and 19 packets; between
 * rounds both go silent (one more change each).
 */
int traffic_bfd(struct traffic_frame *frames, int max);

/*
 * Frame number index of a cloud underlay's traffic, the same for the same
 * index and seed: Geneve+OVN between a few datapaths' VMs on a rack of
 * chassis (ICMP echo request/reply pairs, TCP and UDP flows, a little
 * ARP) over IPv4 and IPv6 underlays, some tagged with one or two VLANs,
 * some with other option classes before or after OVN's; and about 20%
 * plain UDP and TCP that is not Geneve. Frames are 60 to 1400 bytes long
 * and their times increase by a few microseconds from TRAFFIC_EPOCH_US.
 * f->spec points into f->addr: copy the frame, not the spec alone.
 */
void traffic_mix(struct traffic_frame *f, unsigned long index,
		 unsigned int seed);

/*
 * Writes f into buf as it goes on the wire: stripped, cut, and padded to
 * Ethernet's 60-byte minimum. Sets *frame to its first byte and returns
 * its length, or 0 when it does not fit in cap.
 */
size_t traffic_build(const struct traffic_frame *f, __u8 *buf, size_t cap,
		     const __u8 **frame);

#endif /* GNV_TRAFFIC_H */
