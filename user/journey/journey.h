/* SPDX-License-Identifier: MIT */
/*
 * Room journey/ (uses lib/, output/): packets followed across the points
 * that saw them. This header: the joiner, which takes observations (a
 * packet seen at a point, at a time) and hands back journeys: the
 * observations of one packet (the same pkt_id), in time order, with the
 * hop that lost it when it stopped short of where it was going.
 *
 * A point is an interface and a direction of a node: a VM's port (in:
 * what the VM sends, out: what it receives), a NIC or a Geneve device.
 * Where a packet goes next is the chain of a node:
 *
 *   leaving:   VM port in  -> Geneve device out -> NIC out -> (underlay)
 *   arriving:  NIC in -> Geneve device in -> VM port out (OVN's outport)
 *
 * and from a NIC out to the NIC in of the node that owns the outer
 * destination address (learned from that node's own events). A journey
 * that ends where the chain expects another point that is traced is lost
 * between the two.
 *
 * Nodes' clocks may differ: each node's offset from the reference's (the
 * node first by name) is estimated from packets seen crossing both ways
 * (NTP's four timestamps, with the least delay each way), and one-way
 * times between nodes are shown corrected by it with its uncertainty.
 */
#ifndef GNV_JOURNEY_H
#define GNV_JOURNEY_H

#include <net/if.h>
#include <stdbool.h>
#include <linux/types.h>

#include "gnvtrace.h"
#include "lib/hashtab.h"

#define GNV_JOURNEY_MAX_HOPS	16	/* observations kept per packet */
#define GNV_JOURNEY_MAX_POINTS	64
#define GNV_JOURNEY_MAX_NODES	16
#define GNV_JOURNEY_NAME	64
#define GNV_POINT_NAME_LEN	(3 * GNV_JOURNEY_NAME + IF_NAMESIZE)
#define GNV_JOURNEY_LAT_SLOTS	27	/* log2 us, as the RTT histograms */

enum gnv_point_kind {
	GNV_POINT_NIC,
	GNV_POINT_GENEVE,	/* a Geneve device: decapsulated */
	GNV_POINT_VM_PORT,
};

struct gnv_point {
	int node;			/* index in the joiner's nodes */
	char ifname[IF_NAMESIZE];
	char lport[GNV_JOURNEY_NAME];	/* a VM's port: its logical port */
	__u8 dir;			/* GNV_DIR_* */
	__u8 kind;			/* enum gnv_point_kind */
	/* A VM's port: its OVN keys when known (0: not), learned from
	 * its binding or its events, for where an arriving packet goes. */
	__u32 dp_key;
	__u16 port_key;
};

/* A node: one chassis' stream. Its underlay addresses, as seen. */
#define GNV_JOURNEY_MAX_ADDRS	4
struct gnv_jnode {
	char name[GNV_JOURNEY_NAME];
	__u8 addr[GNV_JOURNEY_MAX_ADDRS][16];
	__u8 family[GNV_JOURNEY_MAX_ADDRS];
	int n_addrs;
	/* Its clock minus the reference's, and how sure (0, 0: that one). */
	__s64 offset_ns;
	__u64 offset_err_ns;
	bool has_offset;
};

/* One packet at one point. */
struct gnv_obs {
	__u64 ts_ns;		/* the node's clock */
	__s64 at_ns;		/* the reference's clock, as best known */
	int point;
	__u32 len;
	struct gnv_pkt pkt;
};

/* How a journey ended. */
enum gnv_journey_end {
	GNV_JOURNEY_DONE,	/* nothing more expected that is traced */
	GNV_JOURNEY_LOST_NODE,	/* lost on a node, between two points */
	GNV_JOURNEY_LOST_UNDERLAY,	/* lost between two nodes */
};

struct gnv_journey {
	struct gnv_hnode by_id;
	struct gnv_journey *prev, *next;	/* oldest first */
	__u32 pkt_id;
	int n;
	struct gnv_obs obs[GNV_JOURNEY_MAX_HOPS];
	/* At close: how it ended, and where next was expected. */
	enum gnv_journey_end end;
	int expected;		/* a point, or -1 */
	int expected_node;	/* for an underlay loss */
};

/* Counters per pair of points (a hop) and per pair of nodes (a tunnel). */
struct gnv_hop_stats {
	__u64 seen, lost;
	__u64 timed, lat_sum_ns;	/* those whose time is known */
	__u64 lat_slots[GNV_JOURNEY_LAT_SLOTS];
};

struct gnv_joiner {
	/* Every point traced, whether seen or not (a live run's, or what a
	 * tracing record declares), and every node. */
	struct gnv_point points[GNV_JOURNEY_MAX_POINTS];
	int n_points;
	struct gnv_jnode nodes[GNV_JOURNEY_MAX_NODES];
	int n_nodes;
	int ref;		/* the node whose clock the others are read by */
	/* The open journeys: by pkt_id, and by last sighting, oldest first. */
	struct gnv_hashtab by_id;
	struct gnv_journey *oldest, *newest;
	__u64 timeout_ns;
	__s64 now_ns;		/* the reference's clock: the latest seen */
	/* Least one-way delay seen from node a to node b, raw clocks. */
	__s64 min_oneway[GNV_JOURNEY_MAX_NODES][GNV_JOURNEY_MAX_NODES];
	bool has_oneway[GNV_JOURNEY_MAX_NODES][GNV_JOURNEY_MAX_NODES];
	struct gnv_hop_stats hops[GNV_JOURNEY_MAX_POINTS][GNV_JOURNEY_MAX_POINTS];
	struct gnv_hop_stats tunnels[GNV_JOURNEY_MAX_NODES][GNV_JOURNEY_MAX_NODES];
	__u64 journeys;
	__u64 overflowed;	/* sightings left out: too many, or no memory */
	void (*on_journey)(void *ctx, const struct gnv_joiner *j,
			   const struct gnv_journey *jr);
	void *ctx;
};

void gnv_joiner_init(struct gnv_joiner *j, __u64 timeout_ns,
		     void (*on_journey)(void *ctx, const struct gnv_joiner *j,
					const struct gnv_journey *jr),
		     void *ctx);
void gnv_joiner_free(struct gnv_joiner *j);

/* The node called name (added when new), or -1 when there are too many. */
int gnv_joiner_node(struct gnv_joiner *j, const char *name);
/*
 * The point (added when new: a traced point, whether or not anything is
 * seen there), or -1 when there are too many.
 */
int gnv_joiner_point(struct gnv_joiner *j, int node, const char *ifname,
		     __u8 dir, enum gnv_point_kind kind, const char *lport);

/* A VM's port's OVN keys, when known. */
void gnv_joiner_point_keys(struct gnv_joiner *j, int point, __u32 dp_key,
			   __u16 port_key);

/* A packet seen at point at ts_ns (its node's clock). */
void gnv_joiner_add(struct gnv_joiner *j, int point, __u64 ts_ns,
		    const struct gnv_pkt *pkt, __u32 len);

/*
 * Time passes: journeys idle for the timeout at now_ns (the reference
 * node's clock) are closed and handed to on_journey. all: every journey (at the
 * end of the input).
 */
void gnv_joiner_expire(struct gnv_joiner *j, __s64 now_ns, bool all);

/*
 * Each hop (pair of points) and each pair of nodes that has counts, in
 * the order of their names: the same whatever order they were met in.
 */
void gnv_journey_each_hop(const struct gnv_joiner *j,
			  void (*fn)(void *ctx, const char *from,
				     const char *to,
				     const struct gnv_hop_stats *s),
			  void *ctx);
void gnv_journey_each_tunnel(const struct gnv_joiner *j,
			     void (*fn)(void *ctx, const char *from,
					const char *to,
					const struct gnv_hop_stats *s),
			     void *ctx);

/* A point's name: "ls0-vm1(vm1) in", "ch2:ul2 out" when several nodes. */
void gnv_point_name(const struct gnv_joiner *j, int point, char *buf,
		    size_t len);

/*
 * The time from observation i - 1 to i of a journey: 0 with *ns and its
 * uncertainty *err_ns (0 on one node), or -1 when the two nodes' clocks
 * have not been compared yet. Never negative: a one-way time the clocks'
 * uncertainty puts below 0 is 0.
 */
int gnv_journey_hop(const struct gnv_joiner *j, const struct gnv_journey *jr,
		    int i, __u64 *ns, __u64 *err_ns);

#endif /* GNV_JOURNEY_H */
