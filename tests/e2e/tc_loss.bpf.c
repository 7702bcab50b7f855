// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A lossy underlay: a TC filter that drops one packet in twenty at
 * random, for the retransmission tests (this machine's kernel has no
 * netem). On egress it runs after gnvtrace's tcx program, which sees what
 * it drops.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int tc_loss(struct __sk_buff *skb)
{
	return bpf_get_prandom_u32() % 20 ? TC_ACT_OK : TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
