// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A VLAN device on a NIC that offloads tags, for a host kernel without
 * 8021q: every frame gets VLAN 50 in the skb's metadata (the stack's
 * "hardware accelerated" tag, as a VLAN device hands it to the NIC) and
 * is sent out of the interface whose index is VLAN_TX_IFINDEX, where the
 * e2e test's gnvtrace traces egress.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define VLAN_TX_IFINDEX	20	/* test_live.sh creates it with this index */

SEC("tc")
int tc_vlan_push(struct __sk_buff *skb)
{
	if (bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), 50))
		return TC_ACT_SHOT;
	return bpf_redirect(VLAN_TX_IFINDEX, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
