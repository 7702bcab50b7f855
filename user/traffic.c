// SPDX-License-Identifier: MIT
#include <netinet/in.h>
#include <string.h>

#include "traffic.h"

struct list {
	struct traffic_frame *f;
	int n, max;
};

static struct pkt_spec *add(struct list *l, size_t cut)
{
	struct traffic_frame *t;

	if (l->n == l->max)
		return NULL;
	t = &l->f[l->n++];
	pkt_spec_default(&t->spec);
	t->cut = cut;
	return &t->spec;
}

/* vm1 (port 1) and vm2 (port 3) on VNI 5; over IPv6, ports 2 and 4 on VNI 7. */
static void ping_pair(struct list *l, int seq, int v6)
{
	struct pkt_spec *req = add(l, 0), *rep;

	if (!req)
		return;
	req->icmp_seq = seq;
	if (v6) {
		req->outer_family = 6;
		req->outer_src = "fd00:172:17::119";
		req->outer_dst = "fd00:172:17::143";
		req->vni = 7;
		req->ovn_inport = 2;
		req->ovn_outport = 4;
		req->inner_family = 6;
		req->inner_src = "fd10::a";
		req->inner_dst = "fd10::b";
		req->inner_proto = IPPROTO_ICMPV6;
		req->icmp_type = 128;
	}
	rep = add(l, 0);
	if (!rep)
		return;
	/* The reply comes back from the other chassis. */
	*rep = *req;
	rep->outer_src = req->outer_dst;
	rep->outer_dst = req->outer_src;
	rep->ovn_inport = req->ovn_outport;
	rep->ovn_outport = req->ovn_inport;
	rep->inner_src = req->inner_dst;
	rep->inner_dst = req->inner_src;
	memcpy(rep->inner_eth_src, req->inner_eth_dst, 6);
	memcpy(rep->inner_eth_dst, req->inner_eth_src, 6);
	rep->icmp_type = v6 ? 129 : 0;
}

int traffic_demo(struct traffic_frame *frames, int max)
{
	struct list l = { .f = frames, .max = max };
	struct pkt_spec *s;

	for (int seq = 1; seq <= 3; seq++) {
		ping_pair(&l, seq, 0);
		ping_pair(&l, seq, 1);
	}

	/* ssh from vm1 to vm2 over a tagged underlay (VLAN 50). */
	if ((s = add(&l, 0))) {
		s->n_vlans = 1;
		s->vlan[0] = 50;
		s->inner_proto = IPPROTO_TCP;
		s->sport = 43512;
		s->dport = 22;
		s->tcp_flags = 0x02;
		s->payload_len = 0;
	}

	/* DNS with a second option class beside OVN's (Linux, 0x0100). */
	if ((s = add(&l, 0))) {
		s->inner_proto = IPPROTO_UDP;
		s->sport = 53001;
		s->dport = 53;
		s->payload_len = 32;
		s->n_extra_opts = 1;
		s->extra_opts[0] = (struct pkt_opt){
			.cls = 0x0100, .type = 0x01, .len = 4,
			.data = { 0xca, 0xfe, 0x00, 0x01 },
		};
	}

	/* vm1 asks who has vm2: flooded to OVN multicast group 0x8000. */
	if ((s = add(&l, 0))) {
		s->inner_proto = PKT_ARP;
		s->arp_op = 1;
		s->ovn_outport = 0x8000;
		memset(s->inner_eth_dst, 0xff, 6);
	}

	/* Noise that is not Geneve: UDP to 53 and to VXLAN's 4789. */
	if ((s = add(&l, 0)))
		s->outer_dport = 53;
	if ((s = add(&l, 0)))
		s->outer_dport = 4789;

	/* A Geneve frame cut inside its options: counted, never printed. */
	add(&l, 14 + 20 + 8 + 8 + 2);
	return l.n;
}
