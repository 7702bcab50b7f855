// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Somebody else's TC program: the e2e test checks gnvtrace leaves it be. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int tc_foreign(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
