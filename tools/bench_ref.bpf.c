// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The bench's reference programs (tools/bench.c): the least any Geneve
 * tracer must do with a frame, written as tightly as we know how, so that
 * gnvtrace's cost is read as a ratio to them, measured in the same run.
 *
 * ref_udp_port: Ethernet, up to two VLAN tags, the IPv4 or IPv6 header,
 * the UDP destination port compared with Geneve's, a count. The limit for
 * a frame that is not Geneve.
 *
 * ref_geneve_ovn: the same, then the Geneve header and its options
 * walked to OVN's (class 0x0102, type 0x80), whose keys are read, and a
 * count. The limit for a Geneve frame a filter rejects.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8
#define GENEVE_PORT	6081

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} ref_counts SEC(".maps");

static __always_inline void count(__u32 i)
{
	__u64 *c = bpf_map_lookup_elem(&ref_counts, &i);

	if (c)
		(*c)++;
}

static __always_inline __u16 be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/* The UDP header of a datagram to Geneve's port, or NULL. */
static __always_inline const __u8 *geneve_udp(const __u8 *p, const __u8 *end)
{
	__u16 proto;

	if (p + 14 > end)
		return 0;
	proto = be16(p + 12);
	p += 14;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != ETH_P_8021Q && proto != ETH_P_8021AD)
			break;
		if (p + 4 > end)
			return 0;
		proto = be16(p + 2);
		p += 4;
	}
	if (proto == ETH_P_IP) {
		if (p + 20 > end || p[9] != 17)
			return 0;
		p += (p[0] & 0x0f) * 4;
	} else if (proto == ETH_P_IPV6) {
		if (p + 40 > end || p[6] != 17)
			return 0;
		p += 40;
	} else {
		return 0;
	}
	if (p + 8 > end || be16(p + 2) != GENEVE_PORT)
		return 0;
	return p;
}

SEC("xdp")
int ref_udp_port(struct xdp_md *ctx)
{
	const __u8 *end = (const __u8 *)(long)ctx->data_end;

	count(geneve_udp((const __u8 *)(long)ctx->data, end) ? 1 : 0);
	return XDP_PASS;
}

SEC("xdp")
int ref_geneve_ovn(struct xdp_md *ctx)
{
	const __u8 *end = (const __u8 *)(long)ctx->data_end;
	const __u8 *g = geneve_udp((const __u8 *)(long)ctx->data, end);
	__u32 opts_len, off = 0;

	if (!g || g + 16 > end) {
		count(0);
		return XDP_PASS;
	}
	g += 8;
	opts_len = (g[0] & 0x3f) * 4;
	g += 8;
	/* At most 63 option words: a bound the verifier can see. */
	for (int i = 0; i < 63 && off < opts_len; i++) {
		const __u8 *o = g + (off & 0xff);

		if (o + 8 > end)
			break;
		if (be16(o) == 0x0102 && o[2] == 0x80) {
			/* The ingress and egress port keys. */
			count(2 + ((be16(o + 4) & 0x7fff) != be16(o + 6)));
			return XDP_PASS;
		}
		off += 4 + (o[3] & 0x1f) * 4;
	}
	count(1);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
