// SPDX-License-Identifier: MIT
/*
 * The joiner: observations grouped by pkt_id in a hash table, the open
 * journeys in a list by last activity, closed when idle for the timeout;
 * at close, sorted by time (the reference node's clock), judged against the
 * node's chain (journey.h) and counted per hop and per pair of nodes.
 */
#define _GNU_SOURCE	/* qsort_r */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journey.h"

static void update_offsets(struct gnv_joiner *j);

void gnv_joiner_init(struct gnv_joiner *j, __u64 timeout_ns,
		     void (*on_journey)(void *ctx, const struct gnv_joiner *j,
					const struct gnv_journey *jr),
		     void *ctx)
{
	memset(j, 0, sizeof(*j));
	j->timeout_ns = timeout_ns;
	j->on_journey = on_journey;
	j->ctx = ctx;
}

void gnv_joiner_free(struct gnv_joiner *j)
{
	while (j->oldest) {
		struct gnv_journey *jr = j->oldest;

		j->oldest = jr->next;
		free(jr);
	}
	gnv_hashtab_free(&j->by_id, NULL, NULL);
}

int gnv_joiner_node(struct gnv_joiner *j, const char *name)
{
	for (int i = 0; i < j->n_nodes; i++)
		if (!strcmp(j->nodes[i].name, name))
			return i;
	if (j->n_nodes == GNV_JOURNEY_MAX_NODES)
		return -1;
	snprintf(j->nodes[j->n_nodes].name, GNV_JOURNEY_NAME, "%s", name);
	j->n_nodes++;
	update_offsets(j);
	return j->n_nodes - 1;
}

int gnv_joiner_point(struct gnv_joiner *j, int node, const char *ifname,
		     __u8 dir, enum gnv_point_kind kind, const char *lport)
{
	struct gnv_point *p;

	for (int i = 0; i < j->n_points; i++) {
		p = &j->points[i];
		if (p->node == node && p->dir == dir &&
		    !strcmp(p->ifname, ifname)) {
			/* What a later event says of it is news. */
			if (lport && *lport)
				snprintf(p->lport, sizeof(p->lport), "%s",
					 lport);
			return i;
		}
	}
	if (j->n_points == GNV_JOURNEY_MAX_POINTS)
		return -1;
	p = &j->points[j->n_points];
	memset(p, 0, sizeof(*p));
	p->node = node;
	snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	snprintf(p->lport, sizeof(p->lport), "%s", lport ? lport : "");
	p->dir = dir;
	p->kind = kind;
	return j->n_points++;
}

void gnv_joiner_point_keys(struct gnv_joiner *j, int point, __u32 dp_key,
			   __u16 port_key)
{
	j->points[point].dp_key = dp_key;
	j->points[point].port_key = port_key;
}

void gnv_point_name(const struct gnv_joiner *j, int point, char *buf,
		    size_t len)
{
	const struct gnv_point *p = &j->points[point];
	const char *dir = p->dir == GNV_DIR_OUT ? "out" : "in";
	char node[GNV_JOURNEY_NAME + 1] = "";

	if (j->n_nodes > 1)
		snprintf(node, sizeof(node), "%s:", j->nodes[p->node].name);
	if (p->lport[0])
		snprintf(buf, len, "%s%s(%s) %s", node, p->lport, p->ifname,
			 dir);
	else
		snprintf(buf, len, "%s%s %s", node, p->ifname, dir);
}

/* ---- Nodes: addresses and clocks ---- */

static int node_of_addr(const struct gnv_joiner *j, int family,
			const __u8 *addr)
{
	for (int n = 0; n < j->n_nodes; n++)
		for (int a = 0; a < j->nodes[n].n_addrs; a++)
			if (j->nodes[n].family[a] == family &&
			    !memcmp(j->nodes[n].addr[a], addr, 16))
				return n;
	return -1;
}

/*
 * A tunnel's local end, as a NIC or Geneve device sees it: the source of
 * what leaves, the destination of what arrives (0.0.0.0 is none: a
 * Geneve device leaves the source to routing).
 */
static void learn_addr(struct gnv_joiner *j, const struct gnv_point *p,
		       const struct gnv_pkt *pkt)
{
	static const __u8 zero[16];
	const __u8 *a = p->dir == GNV_DIR_OUT ? pkt->outer_src :
						pkt->outer_dst;
	struct gnv_jnode *n = &j->nodes[p->node];

	if (p->kind == GNV_POINT_VM_PORT || !pkt->outer_family ||
	    !memcmp(a, zero, 16) || node_of_addr(j, pkt->outer_family, a) >= 0 ||
	    n->n_addrs == GNV_JOURNEY_MAX_ADDRS)
		return;
	memcpy(n->addr[n->n_addrs], a, 16);
	n->family[n->n_addrs++] = pkt->outer_family;
}

/*
 * Each node's clock against the reference's, the node first by name (the
 * same whatever order the nodes were met in), from the least delay each
 * way between them: a = d(ref->b) + off, c = d(b->ref) - off with both
 * delays >= 0, so off lies in [-c, a]: its middle, give or take half the
 * width.
 */
static void update_offsets(struct gnv_joiner *j)
{
	int ref = 0;

	for (int n = 1; n < j->n_nodes; n++)
		if (strcmp(j->nodes[n].name, j->nodes[ref].name) < 0)
			ref = n;
	j->ref = ref;
	for (int b = 0; b < j->n_nodes; b++) {
		struct gnv_jnode *n = &j->nodes[b];
		__s64 a, c;

		n->has_offset = b == ref;
		n->offset_ns = n->offset_err_ns = 0;
		if (b == ref || !j->has_oneway[ref][b] || !j->has_oneway[b][ref])
			continue;
		a = j->min_oneway[ref][b];
		c = j->min_oneway[b][ref];
		n->offset_ns = (a - c) / 2;
		n->offset_err_ns = (a + c) / 2 > 0 ? (a + c) / 2 : 0;
		n->has_offset = true;
	}
}

static __s64 at_ns(const struct gnv_joiner *j, int node, __u64 ts_ns)
{
	return (__s64)ts_ns - j->nodes[node].offset_ns;
}

int gnv_journey_hop(const struct gnv_joiner *j, const struct gnv_journey *jr,
		    int i, __u64 *ns, __u64 *err_ns)
{
	const struct gnv_obs *a = &jr->obs[i - 1], *b = &jr->obs[i];
	const struct gnv_jnode *na = &j->nodes[j->points[a->point].node];
	const struct gnv_jnode *nb = &j->nodes[j->points[b->point].node];
	__s64 d;

	if (na == nb) {
		*ns = b->ts_ns > a->ts_ns ? b->ts_ns - a->ts_ns : 0;
		*err_ns = 0;
		return 0;
	}
	if (!na->has_offset || !nb->has_offset)
		return -1;
	d = ((__s64)b->ts_ns - nb->offset_ns) - ((__s64)a->ts_ns - na->offset_ns);
	*ns = d > 0 ? d : 0;
	*err_ns = na->offset_err_ns + nb->offset_err_ns;
	return 0;
}

/* ---- Adding ---- */

static __u32 hash_id(__u32 id)
{
	return id * 0x9e3779b1u;
}

static void unlink_jr(struct gnv_joiner *j, struct gnv_journey *jr)
{
	if (jr->prev)
		jr->prev->next = jr->next;
	else
		j->oldest = jr->next;
	if (jr->next)
		jr->next->prev = jr->prev;
	else
		j->newest = jr->prev;
	jr->prev = jr->next = NULL;
}

static void append_jr(struct gnv_joiner *j, struct gnv_journey *jr)
{
	jr->prev = j->newest;
	jr->next = NULL;
	if (j->newest)
		j->newest->next = jr;
	else
		j->oldest = jr;
	j->newest = jr;
}

static struct gnv_journey *find_jr(const struct gnv_joiner *j, __u32 id)
{
	struct gnv_hnode *e;

	gnv_hashtab_for_each(e, &j->by_id, hash_id(id)) {
		struct gnv_journey *jr =
			container_of(e, struct gnv_journey, by_id);

		if (jr->pkt_id == id)
			return jr;
	}
	return NULL;
}

void gnv_joiner_add(struct gnv_joiner *j, int point, __u64 ts_ns,
		    const struct gnv_pkt *pkt, __u32 len)
{
	const struct gnv_point *p = &j->points[point];
	struct gnv_journey *jr;
	struct gnv_obs *o;
	__s64 at = at_ns(j, p->node, ts_ns);

	learn_addr(j, p, pkt);
	if (at > j->now_ns)
		j->now_ns = at;
	if (!pkt->pkt_id)	/* no identity: nothing to join it with */
		return;
	jr = find_jr(j, pkt->pkt_id);
	if (!jr) {
		jr = calloc(1, sizeof(*jr));
		if (!jr || gnv_hashtab_reserve(&j->by_id)) {
			free(jr);
			j->overflowed++;
			return;
		}
		jr->pkt_id = pkt->pkt_id;
		gnv_hashtab_insert(&j->by_id, &jr->by_id, hash_id(jr->pkt_id));
	} else {
		unlink_jr(j, jr);
	}
	append_jr(j, jr);
	if (jr->n == GNV_JOURNEY_MAX_HOPS) {
		j->overflowed++;
		return;
	}
	o = &jr->obs[jr->n++];
	o->ts_ns = ts_ns;
	o->at_ns = at;
	o->point = point;
	o->len = len;
	o->pkt = *pkt;
}

/* ---- Closing: order, judge, count ---- */

/* The first point of node with kind and dir, or -1. */
static int find_point(const struct gnv_joiner *j, int node,
		      enum gnv_point_kind kind, __u8 dir)
{
	for (int i = 0; i < j->n_points; i++)
		if (j->points[i].node == node && j->points[i].kind == kind &&
		    j->points[i].dir == dir)
			return i;
	return -1;
}

/* The tunnel's way in or out of a node: its Geneve device, else NIC. */
static int tunnel_point(const struct gnv_joiner *j, int node, __u8 dir,
			bool nic_first)
{
	int p = find_point(j, node, nic_first ? GNV_POINT_NIC :
						GNV_POINT_GENEVE, dir);

	return p >= 0 ? p : find_point(j, node, nic_first ? GNV_POINT_GENEVE :
							     GNV_POINT_NIC, dir);
}

/* The VM's port on node that OVN's egress key names, when traced. */
static int port_point(const struct gnv_joiner *j, int node,
		      const struct gnv_pkt *pkt)
{
	if (!(pkt->flags & GNV_F_OVN) || pkt->ovn_outport >= OVN_MC_KEY_MIN)
		return -1;
	for (int i = 0; i < j->n_points; i++) {
		const struct gnv_point *p = &j->points[i];

		if (p->node == node && p->kind == GNV_POINT_VM_PORT &&
		    p->dir == GNV_DIR_OUT && p->port_key &&
		    p->dp_key == pkt->vni && p->port_key == pkt->ovn_outport)
			return i;
	}
	return -1;
}

/* Where the last observation says the packet should have been next. */
static void judge(const struct gnv_joiner *j, struct gnv_journey *jr)
{
	const struct gnv_obs *last = &jr->obs[jr->n - 1];
	const struct gnv_point *p = &j->points[last->point];
	int next = -1, peer;

	jr->end = GNV_JOURNEY_DONE;
	jr->expected = jr->expected_node = -1;
	switch (p->kind) {
	case GNV_POINT_VM_PORT:
		/* Sent by the VM: the tunnel, when this node's is traced. */
		if (p->dir == GNV_DIR_IN)
			next = tunnel_point(j, p->node, GNV_DIR_OUT, false);
		break;
	case GNV_POINT_GENEVE:
	case GNV_POINT_NIC:
		if (p->dir == GNV_DIR_IN) {
			if (p->kind == GNV_POINT_NIC)
				next = find_point(j, p->node, GNV_POINT_GENEVE,
						  GNV_DIR_IN);
			if (next < 0)
				next = port_point(j, p->node, &last->pkt);
			break;
		}
		if (p->kind == GNV_POINT_GENEVE) {
			next = find_point(j, p->node, GNV_POINT_NIC,
					  GNV_DIR_OUT);
			if (next >= 0)
				break;
		}
		/* Leaving: the node that owns the outer destination. */
		peer = node_of_addr(j, last->pkt.outer_family,
				    last->pkt.outer_dst);
		if (peer < 0 || peer == p->node)
			break;
		next = tunnel_point(j, peer, GNV_DIR_IN, true);
		if (next >= 0) {
			jr->end = GNV_JOURNEY_LOST_UNDERLAY;
			jr->expected = next;
			jr->expected_node = peer;
		}
		return;
	}
	if (next >= 0) {
		jr->end = GNV_JOURNEY_LOST_NODE;
		jr->expected = next;
	}
}

static int lat_slot(__u64 ns)
{
	__u64 us = ns / 1000;
	int k = 0;

	while (us > 1 && k < GNV_JOURNEY_LAT_SLOTS - 1) {
		us >>= 1;
		k++;
	}
	return k;
}

static void count_hop(struct gnv_hop_stats *s, bool timed, __u64 ns)
{
	s->seen++;
	if (!timed)
		return;
	s->timed++;
	s->lat_sum_ns += ns;
	s->lat_slots[lat_slot(ns)]++;
}

static void count(struct gnv_joiner *j, const struct gnv_journey *jr)
{
	for (int i = 1; i < jr->n; i++) {
		int a = jr->obs[i - 1].point, b = jr->obs[i].point;
		int na = j->points[a].node, nb = j->points[b].node;
		__u64 ns, err;
		bool timed = !gnv_journey_hop(j, jr, i, &ns, &err);

		count_hop(&j->hops[a][b], timed, ns);
		if (na != nb)
			count_hop(&j->tunnels[na][nb], timed, ns);
	}
	if (jr->end == GNV_JOURNEY_DONE)
		return;
	j->hops[jr->obs[jr->n - 1].point][jr->expected].lost++;
	if (jr->end == GNV_JOURNEY_LOST_UNDERLAY)
		j->tunnels[j->points[jr->obs[jr->n - 1].point].node]
			  [jr->expected_node].lost++;
}

/*
 * One-way samples from the hops that cross nodes (a tunnel's way out on
 * one, its way in on the other), then the clocks' offsets from them.
 */
static void sample_clocks(struct gnv_joiner *j, const struct gnv_journey *jr)
{
	for (int i = 1; i < jr->n; i++) {
		const struct gnv_point *a = &j->points[jr->obs[i - 1].point];
		const struct gnv_point *b = &j->points[jr->obs[i].point];
		__s64 d = (__s64)jr->obs[i].ts_ns - (__s64)jr->obs[i - 1].ts_ns;

		if (a->node == b->node || a->kind == GNV_POINT_VM_PORT ||
		    b->kind == GNV_POINT_VM_PORT || a->dir != GNV_DIR_OUT ||
		    b->dir != GNV_DIR_IN)
			continue;
		if (!j->has_oneway[a->node][b->node] ||
		    d < j->min_oneway[a->node][b->node]) {
			j->min_oneway[a->node][b->node] = d;
			j->has_oneway[a->node][b->node] = true;
			update_offsets(j);
		}
	}
}

/*
 * A node's rank in a journey: 0, or one more than the node its first
 * sighting came from, when that is a tunnel's way in whose outer source
 * is another node of the journey. Bounded by the number of nodes (a
 * packet that comes back to a node it left, through a gateway, has no
 * order by rank: its clocks order it).
 */
static void node_ranks(const struct gnv_joiner *j,
		       const struct gnv_journey *jr, int rank[])
{
	int first[GNV_JOURNEY_MAX_NODES];

	for (int n = 0; n < j->n_nodes; n++)
		first[n] = -1, rank[n] = 0;
	for (int i = 0; i < jr->n; i++) {
		int n = j->points[jr->obs[i].point].node;

		if (first[n] < 0 || jr->obs[i].ts_ns < jr->obs[first[n]].ts_ns)
			first[n] = i;
	}
	for (int round = 0; round < j->n_nodes; round++)
		for (int n = 0; n < j->n_nodes; n++) {
			const struct gnv_obs *o = &jr->obs[first[n]];
			const struct gnv_point *p;
			int from;

			if (first[n] < 0)
				continue;
			p = &j->points[o->point];
			if (p->kind == GNV_POINT_VM_PORT || p->dir != GNV_DIR_IN)
				continue;
			from = node_of_addr(j, o->pkt.outer_family,
					    o->pkt.outer_src);
			if (from >= 0 && from != n && first[from] >= 0 &&
			    rank[n] < rank[from] + 1 && rank[from] < j->n_nodes)
				rank[n] = rank[from] + 1;
		}
}

/*
 * The sightings in the order the packet passed them: each node's by its
 * own clock, the nodes in the order the packet crossed them (their
 * ranks), and only nodes of the same rank (copies of a flood) by their
 * clocks' offsets: an order that never hangs on the clocks agreeing to
 * better than a one-way delay. Stable.
 */
static void sort_obs(const struct gnv_joiner *j, struct gnv_journey *jr)
{
	int rank[GNV_JOURNEY_MAX_NODES];

	node_ranks(j, jr, rank);
	for (int i = 0; i < jr->n; i++)
		jr->obs[i].at_ns = at_ns(j, j->points[jr->obs[i].point].node,
					 jr->obs[i].ts_ns);
	for (int i = 1; i < jr->n; i++) {
		struct gnv_obs o = jr->obs[i];
		int r = rank[j->points[o.point].node], k = i;

		while (k > 0) {
			const struct gnv_obs *q = &jr->obs[k - 1];
			int rq = rank[j->points[q->point].node];

			if (rq < r || (rq == r && q->at_ns <= o.at_ns))
				break;
			jr->obs[k] = *q;
			k--;
		}
		jr->obs[k] = o;
	}
}

static void close_jr(struct gnv_joiner *j, struct gnv_journey *jr)
{
	unlink_jr(j, jr);
	gnv_hashtab_remove(&j->by_id, &jr->by_id);
	sort_obs(j, jr);
	sample_clocks(j, jr);
	sort_obs(j, jr);	/* again, if the clocks moved */
	judge(j, jr);
	count(j, jr);
	j->journeys++;
	if (j->on_journey)
		j->on_journey(j->ctx, j, jr);
	free(jr);
}

void gnv_joiner_expire(struct gnv_joiner *j, __s64 now_ns, bool all)
{
	if (now_ns > j->now_ns)
		j->now_ns = now_ns;
	while (j->oldest) {
		struct gnv_journey *jr = j->oldest;
		__s64 last = jr->obs[jr->n - 1].at_ns;

		for (int i = 0; i < jr->n; i++)
			if (jr->obs[i].at_ns > last)
				last = jr->obs[i].at_ns;
		if (!all && last + (__s64)j->timeout_ns > j->now_ns)
			break;
		close_jr(j, jr);
	}
}

/* ---- The counters, in order ---- */

/*
 * The points in the order of their names, so that the counters come out
 * the same whatever order the points were met in (pipes, files).
 */
static int by_name(const void *a, const void *b, void *names)
{
	char (*n)[GNV_POINT_NAME_LEN] = names;

	return strcmp(n[*(const int *)a], n[*(const int *)b]);
}

static void points_in_order(const struct gnv_joiner *j,
			    char names[][GNV_POINT_NAME_LEN], int order[])
{
	for (int i = 0; i < j->n_points; i++) {
		gnv_point_name(j, i, names[i], GNV_POINT_NAME_LEN);
		order[i] = i;
	}
	qsort_r(order, j->n_points, sizeof(order[0]), by_name, names);
}

/* The nodes in the order of their names, for the same reason. */
static void nodes_in_order(const struct gnv_joiner *j, int order[])
{
	for (int i = 0; i < j->n_nodes; i++) {
		int k = i;

		while (k > 0 && strcmp(j->nodes[order[k - 1]].name,
				       j->nodes[i].name) > 0) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
}

/* Each hop with counts, in the order of the points' names. */
void gnv_journey_each_hop(const struct gnv_joiner *j,
			  void (*fn)(void *ctx, const char *from,
				     const char *to,
				     const struct gnv_hop_stats *s),
			  void *ctx)
{
	char names[GNV_JOURNEY_MAX_POINTS][GNV_POINT_NAME_LEN];
	int order[GNV_JOURNEY_MAX_POINTS];

	points_in_order(j, names, order);
	for (int x = 0; x < j->n_points; x++)
		for (int y = 0; y < j->n_points; y++) {
			const struct gnv_hop_stats *s =
				&j->hops[order[x]][order[y]];

			if (s->seen || s->lost)
				fn(ctx, names[order[x]], names[order[y]], s);
		}
}

/* Each pair of nodes with counts, in the order of their names. */
void gnv_journey_each_tunnel(const struct gnv_joiner *j,
			     void (*fn)(void *ctx, const char *from,
					const char *to,
					const struct gnv_hop_stats *s),
			     void *ctx)
{
	int order[GNV_JOURNEY_MAX_NODES];

	nodes_in_order(j, order);
	for (int x = 0; x < j->n_nodes; x++)
		for (int y = 0; y < j->n_nodes; y++) {
			const struct gnv_hop_stats *s =
				&j->tunnels[order[x]][order[y]];

			if (s->seen || s->lost)
				fn(ctx, j->nodes[order[x]].name,
				   j->nodes[order[y]].name, s);
		}
}
