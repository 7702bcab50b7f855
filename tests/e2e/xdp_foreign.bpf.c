// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Somebody else's XDP program: the e2e test checks gnvtrace leaves it be. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_foreign(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
