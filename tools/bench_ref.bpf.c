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
 *
 * ref_geneve_inner: the least a filter on the inner packet must do
 * besides: the Geneve header checked (its version, its option area in
 * the frame), OVN's option alone as OVN sends it, then the inner
 * Ethernet header (no tag), IPv4 (its version, IHL, length, no fragment
 * past the first) and the L4 header's length checked as gnvtrace's
 * parse checks them, and "icmp" decided: gnvtrace's checks, for this
 * one frame and filter, in registers. Any other frame is counted apart.
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

SEC("xdp")
int ref_geneve_inner(struct xdp_md *ctx)
{
	const __u8 *end = (const __u8 *)(long)ctx->data_end;
	const __u8 *g = geneve_udp((const __u8 *)(long)ctx->data, end), *h;
	__u32 opts_len, ihl;
	__u8 l4;

	if (!g || g + 16 > end || g[8] >> 6) {
		count(0);
		return XDP_PASS;
	}
	g += 8;
	opts_len = (g[0] & 0x3f) * 4;
	h = g + 8 + opts_len;
	/* OVN's option alone; the inner frame Ethernet, untagged, IPv4. */
	if (opts_len != 8 || h > end || be16(g + 2) != 0x6558 ||
	    (*(const __u32 *)(g + 8) & 0xffffff1f) != 0x01800201 ||
	    h + 14 + 20 > end || be16(h + 12) != ETH_P_IP) {
		count(1);
		return XDP_PASS;
	}
	h += 14;
	ihl = (h[0] & 0x0f) * 4;
	if (h[0] >> 4 != 4 || ihl < 20 || h + ihl > end ||
	    (be16(h + 6) & 0x1fff)) {
		count(1);
		return XDP_PASS;
	}
	l4 = h[9];
	h += ihl;
	if (h + (l4 == 6 ? 20 : 8) > end) {
		count(1);
		return XDP_PASS;
	}
	count(l4 == 1 ? 3 : 2);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
