// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * An underlay that loses every packet: a TC filter that drops all it
 * sees, for the journey tests (this machine's kernel has no netem). On
 * egress it runs after gnvtrace's tcx program, which sees what it drops.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int tc_drop(struct __sk_buff *skb)
{
	return TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
