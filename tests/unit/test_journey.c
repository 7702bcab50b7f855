// SPDX-License-Identifier: MIT
/*
 * The joiner on made-up sightings whose truth is known: two nodes whose
 * clocks differ by 5 s, packets crossing both ways with set delays; the
 * clocks' offset estimated within its stated error, the hops never
 * negative and the true one-way time within their error; where a packet
 * is judged lost (on a node, in the underlay) or done; the timeout.
 */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "journey/journey.h"

#define US		1000ULL
#define SKEW		5000000000LL	/* b's clock minus a's */
#define D_AB		(100 * US)	/* one way, a -> b */
#define D_BA		(140 * US)

struct seen {
	int n;
	struct gnv_journey j[32];
};

static void on_journey(void *ctx, const struct gnv_joiner *j,
		       const struct gnv_journey *jr)
{
	struct seen *s = ctx;

	(void)j;
	if (s->n < 32)
		s->j[s->n] = *jr;
	s->n++;
}

/* Points of the two nodes, each a VM's port and a NIC, both ways. */
enum { A_VM_IN, A_NIC_OUT, A_NIC_IN, A_VM_OUT, B_NIC_IN, B_VM_OUT, B_VM_IN,
       B_NIC_OUT, N_POINTS };
static int pt[N_POINTS];

static const __u8 addr_a[16] = { 172, 31, 254, 1 };
static const __u8 addr_b[16] = { 172, 31, 254, 2 };

static void setup(struct gnv_joiner *j, struct seen *s)
{
	int a, b;

	memset(s, 0, sizeof(*s));
	gnv_joiner_init(j, 1000 * US * 1000, on_journey, s);
	b = gnv_joiner_node(j, "b");	/* met first; "a" is the reference */
	a = gnv_joiner_node(j, "a");
	pt[A_VM_IN] = gnv_joiner_point(j, a, "tap1", GNV_DIR_IN,
				       GNV_POINT_VM_PORT, "vm1");
	pt[A_NIC_OUT] = gnv_joiner_point(j, a, "eth1", GNV_DIR_OUT,
					 GNV_POINT_NIC, NULL);
	pt[A_NIC_IN] = gnv_joiner_point(j, a, "eth1", GNV_DIR_IN,
					GNV_POINT_NIC, NULL);
	pt[A_VM_OUT] = gnv_joiner_point(j, a, "tap1", GNV_DIR_OUT,
					GNV_POINT_VM_PORT, "vm1");
	pt[B_NIC_IN] = gnv_joiner_point(j, b, "eth1", GNV_DIR_IN,
					GNV_POINT_NIC, NULL);
	pt[B_VM_OUT] = gnv_joiner_point(j, b, "tap2", GNV_DIR_OUT,
					GNV_POINT_VM_PORT, "vm2");
	pt[B_VM_IN] = gnv_joiner_point(j, b, "tap2", GNV_DIR_IN,
				       GNV_POINT_VM_PORT, "vm2");
	pt[B_NIC_OUT] = gnv_joiner_point(j, b, "eth1", GNV_DIR_OUT,
					 GNV_POINT_NIC, NULL);
	gnv_joiner_point_keys(j, pt[B_VM_OUT], 5, 2);
	gnv_joiner_point_keys(j, pt[A_VM_OUT], 5, 1);
}

static struct gnv_pkt packet(__u32 id, const __u8 *src, const __u8 *dst,
			     __u16 outport)
{
	struct gnv_pkt p = { .pkt_id = id, .vni = 5, .outer_family = 4,
			     .ovn_outport = outport, .flags = GNV_F_OVN };

	memcpy(p.outer_src, src, 16);
	memcpy(p.outer_dst, dst, 16);
	return p;
}

/* A request a -> b at t (a's clock), cut short after `upto` points. */
static void request(struct gnv_joiner *j, __u32 id, __u64 t, int upto)
{
	struct gnv_pkt p = packet(id, addr_a, addr_b, 2);
	const struct { int point; __u64 at; } seq[] = {
		{ A_VM_IN, t }, { A_NIC_OUT, t + 20 * US },
		{ B_NIC_IN, t + 20 * US + D_AB + SKEW },
		{ B_VM_OUT, t + 50 * US + D_AB + SKEW },
	};

	for (int i = 0; i < upto; i++)
		gnv_joiner_add(j, pt[seq[i].point], seq[i].at, &p, 98);
}

static void reply(struct gnv_joiner *j, __u32 id, __u64 t, int upto)
{
	struct gnv_pkt p = packet(id, addr_b, addr_a, 1);
	const struct { int point; __u64 at; } seq[] = {
		{ B_VM_IN, t + SKEW }, { B_NIC_OUT, t + 10 * US + SKEW },
		{ A_NIC_IN, t + 10 * US + D_BA }, { A_VM_OUT, t + 40 * US + D_BA },
	};

	for (int i = 0; i < upto; i++)
		gnv_joiner_add(j, pt[seq[i].point], seq[i].at, &p, 98);
}

static void test_clocks(void)
{
	struct gnv_joiner *j = malloc(sizeof(*j));
	const struct gnv_jnode *b;
	struct seen *s = malloc(sizeof(*s));
	__u64 ns, err;

	test_case("clocks");
	setup(j, s);
	for (int i = 0; i < 4; i++) {
		request(j, 100 + i, 1000000 * US + i * 1000 * US, 4);
		if (!i)		/* judged before the clocks can be compared */
			gnv_joiner_expire(j, 0, true);
		reply(j, 200 + i, 1000000 * US + i * 1000 * US + 500 * US, 4);
	}
	gnv_joiner_expire(j, 0, true);
	ASSERT_EQ(s->n, 8, "journeys");
	ASSERT_EQ(j->ref, 1, "the reference is the node first by name");
	b = &j->nodes[0];
	ASSERT_TRUE(b->has_offset, "b's clock compared");
	ASSERT_EQ(b->offset_err_ns, (D_AB + D_BA) / 2, "error: half the round trip");
	ASSERT_TRUE(b->offset_ns - (__s64)b->offset_err_ns <= SKEW &&
		    SKEW <= b->offset_ns + (__s64)b->offset_err_ns,
		    "the true offset within the error");
	/* The last journeys were judged with the clocks compared. */
	for (int k = 2; k < s->n && k < 32; k++) {
		const struct gnv_journey *jr = &s->j[k];
		__u64 truth = jr->pkt_id < 200 ? D_AB : D_BA;

		ASSERT_EQ(jr->n, 4, "four points");
		ASSERT_EQ(jr->end, GNV_JOURNEY_DONE, "delivered");
		for (int i = 1; i < jr->n; i++)
			ASSERT_OK(gnv_journey_hop(j, jr, i, &ns, &err), "timed");
		ASSERT_OK(gnv_journey_hop(j, jr, 2, &ns, &err), "the tunnel");
		ASSERT_TRUE(ns <= truth + err && truth <= ns + err,
			    "the true one-way time within the error");
		ASSERT_EQ(jr->obs[0].point, jr->pkt_id < 200 ? pt[A_VM_IN] :
				pt[B_VM_IN], "in time order, first");
		ASSERT_EQ(jr->obs[3].point, jr->pkt_id < 200 ? pt[B_VM_OUT] :
				pt[A_VM_OUT], "in time order, last");
	}
	/* Before any reply, the first request's tunnel hop is not timed. */
	ASSERT_EQ(s->j[0].pkt_id, 100, "the first request first");
	ASSERT_EQ(s->j[0].obs[2].point, pt[B_NIC_IN],
		  "in order across unknown clocks, 5 s apart");
	ASSERT_EQ(s->j[0].expected, -1, "judged delivered");
	ASSERT_EQ(j->tunnels[1][0].seen, 4, "tunnel a -> b");
	ASSERT_EQ(j->tunnels[0][1].seen, 4, "tunnel b -> a");
	gnv_joiner_free(j);
	free(j);
	free(s);
}

static void test_losses(void)
{
	struct gnv_joiner *j = malloc(sizeof(*j));
	struct seen *s = malloc(sizeof(*s));
	struct gnv_pkt none = {};

	test_case("losses");
	setup(j, s);
	request(j, 1, 1000 * US, 4);	/* the nodes' addresses, learned */
	reply(j, 2, 1500 * US, 4);
	request(j, 3, 2000 * US, 3);	/* b's pipeline dropped it */
	request(j, 4, 3000 * US, 2);	/* the underlay did */
	request(j, 5, 4000 * US, 1);	/* a's pipeline did */
	reply(j, 6, 4500 * US, 2);	/* the underlay, b -> a */
	gnv_joiner_add(j, pt[A_VM_IN], 4600 * US, &none, 60);	/* no id */
	gnv_joiner_expire(j, 0, true);
	if (!ASSERT_EQ(s->n, 6, "journeys"))
		goto out;
	ASSERT_EQ(s->j[0].end, GNV_JOURNEY_DONE, "whole");
	ASSERT_EQ(s->j[2].end, GNV_JOURNEY_LOST_NODE, "lost on b");
	ASSERT_EQ(s->j[2].expected, pt[B_VM_OUT], "before vm2's port");
	ASSERT_EQ(s->j[3].end, GNV_JOURNEY_LOST_UNDERLAY, "lost a -> b");
	ASSERT_EQ(s->j[3].expected, pt[B_NIC_IN], "before b's NIC");
	ASSERT_EQ(s->j[4].end, GNV_JOURNEY_LOST_NODE, "lost on a");
	ASSERT_EQ(s->j[4].expected, pt[A_NIC_OUT], "before a's NIC");
	ASSERT_EQ(s->j[5].end, GNV_JOURNEY_LOST_UNDERLAY, "lost b -> a");
	ASSERT_EQ(j->hops[pt[B_NIC_IN]][pt[B_VM_OUT]].lost, 1, "hop counted");
	ASSERT_EQ(j->tunnels[1][0].lost, 1, "tunnel a -> b lost");
	ASSERT_EQ(j->tunnels[0][1].lost, 1, "tunnel b -> a lost");
out:
	gnv_joiner_free(j);
	free(j);
	free(s);
}

static void test_timeout(void)
{
	struct gnv_joiner *j = malloc(sizeof(*j));
	struct seen *s = malloc(sizeof(*s));
	struct gnv_pkt p = packet(7, addr_a, addr_b, 2);

	test_case("timeout");
	setup(j, s);
	gnv_joiner_add(j, pt[A_VM_IN], 10 * 1000000 * US, &p, 98);
	gnv_joiner_expire(j, 10 * 1000000 * US + j->timeout_ns - 1, false);
	ASSERT_EQ(s->n, 0, "open before the timeout");
	gnv_joiner_add(j, pt[A_NIC_OUT], 10 * 1000000 * US + 10 * US, &p, 98);
	gnv_joiner_expire(j, 10 * 1000000 * US + j->timeout_ns + 5 * US, false);
	ASSERT_EQ(s->n, 0, "a sighting keeps it open");
	gnv_joiner_expire(j, 10 * 1000000 * US + j->timeout_ns + 10 * US, false);
	ASSERT_EQ(s->n, 1, "closed once idle for the timeout");
	ASSERT_EQ(s->j[0].n, 2, "with both sightings");
	for (int i = 0; i < GNV_JOURNEY_MAX_HOPS + 3; i++)
		gnv_joiner_add(j, pt[A_VM_IN], 20 * 1000000 * US + i, &p, 98);
	gnv_joiner_expire(j, 0, true);
	ASSERT_EQ(s->j[1].n, GNV_JOURNEY_MAX_HOPS, "at most the hops kept");
	ASSERT_EQ(j->overflowed, 3, "the rest counted");
	gnv_joiner_free(j);
	free(j);
	free(s);
}

int main(void)
{
	test_clocks();
	test_losses();
	test_timeout();
	return test_summary();
}
