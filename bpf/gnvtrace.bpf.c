// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * XDP entry point: parse, count, filter, emit. It always returns XDP_PASS:
 * the tracer observes traffic and never changes it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "gnvtrace.h"
#include "parse.h"
#include "filter.h"

/*
 * The filter lives in .data, a map the loader can rewrite while the program
 * runs (names resolved to new keys, later). It is deliberately not const
 * volatile rodata: unrolling 16 terms over constant values made clang spill
 * past the 512-byte stack, and a small loop over live data costs a few ns.
 */
struct gnv_filter targ_filter = {
	.geneve_port = GENEVE_UDP_PORT,
};

/* Frame bytes to copy after each event (-w), at most GNV_SNAP_MAX. */
__u32 targ_snaplen;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);	/* resized by the loader */
} rb SEC(".maps");

/* Per-CPU, so the hot path needs no atomics. Indexed by enum gnv_stat. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GNV_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

/*
 * Each event is built here, the parser writing straight into ev.pkt, then
 * copied into the ring buffer with the frame's first bytes behind it. Not
 * on the stack: with every parser function inlined, clang scalarises a
 * stack struct field by field and spills the pieces, which overflowed the
 * 512-byte BPF stack; and the snapshot is larger than the stack anyway.
 */
struct event_buf {
	struct gnv_event ev;
	__u8 snap[GNV_SNAP_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event_buf);
} scratch SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		(*v)++;
}

static __always_inline void emit(struct xdp_md *ctx, struct event_buf *buf,
				 __u32 pkt_len, __u8 dir)
{
	struct gnv_event *ev = &buf->ev;
	__u32 opts_len = ev->pkt.opts_len;
	/* 64 bits wide, so clang tests the register it then passes on. */
	__u64 snap = pkt_len < targ_snaplen ? pkt_len : targ_snaplen;

	ev->ts_ns = bpf_ktime_get_ns();
	ev->ifindex = ctx->ingress_ifindex;
	ev->pkt_len = pkt_len;
	ev->dir = dir;
	ev->abi_version = GNV_ABI_VERSION;
	__builtin_memset(ev->pad, 0, sizeof(ev->pad));
	/*
	 * The parser proved the option area lies in the frame. The verifier
	 * wants its own proof that 0 < len <= sizeof(ev->opts); barrier_var()
	 * stops clang from merging the two tests into one "len - 1 <= 251"
	 * that loses the lower bound. The same goes for the snapshot.
	 */
	if (opts_len > 0) {
		barrier_var(opts_len);
		if (opts_len > GENEVE_MAX_OPTS_LEN ||
		    bpf_xdp_load_bytes(ctx, ev->pkt.opts_off, ev->opts, opts_len))
			ev->pkt.opts_len = 0;
	}
	if (snap > 0) {
		barrier_var(snap);
		if (snap > GNV_SNAP_MAX ||
		    bpf_xdp_load_bytes(ctx, 0, buf->snap, snap))
			snap = 0;
	}
	ev->snap_len = snap;
	if (bpf_ringbuf_output(&rb, buf, sizeof(*ev) + snap, 0))
		stat_inc(GNV_STAT_LOST);
}

/*
 * Between parser stages nothing may carry over but the map memory *pkt:
 * not the packet pointers (reloaded through a volatile read) and not the
 * values the last stage stored into *pkt (a memory clobber makes clang
 * load them back rather than keep them in registers). Either would carry
 * that stage's verifier state, and its many paths, into the next.
 */
#define stage_boundary() asm volatile("" ::: "memory")

static __always_inline const __u8 *xdp_data(struct xdp_md *ctx)
{
	return (const __u8 *)(long)*(volatile __u32 *)&ctx->data;
}

static __always_inline const __u8 *xdp_data_end(struct xdp_md *ctx)
{
	return (const __u8 *)(long)*(volatile __u32 *)&ctx->data_end;
}

SEC("xdp")
int xdp_ingress(struct xdp_md *ctx)
{
	const __u8 *data = (const __u8 *)(long)ctx->data;
	const __u8 *data_end = (const __u8 *)(long)ctx->data_end;
	/*
	 * Taken before parsing so that no packet pointer is live afterwards:
	 * the verifier can then merge the many ways the parser returns.
	 */
	__u32 pkt_len = data_end - data;
	struct event_buf *buf;
	struct gnv_pkt *pkt;
	__u32 zero = 0;
	int verdict;

	stat_inc(GNV_STAT_PACKETS);
	buf = bpf_map_lookup_elem(&scratch, &zero);
	if (!buf)
		return XDP_PASS;
	pkt = &buf->ev.pkt;
	verdict = gnv_parse(data, data_end, GNV_LINK_ETH,
			    targ_filter.geneve_port, pkt);
	if (verdict == GNV_NOT_GENEVE)
		return XDP_PASS;
	/* Each stage from fresh packet pointers: see gnv_parse() for why. */
	stage_boundary();
	if (verdict == GNV_GENEVE)
		verdict = gnv_parse_opts(xdp_data(ctx), xdp_data_end(ctx), pkt);
	stage_boundary();
	if (verdict == GNV_GENEVE)
		verdict = gnv_parse_inner(xdp_data(ctx), xdp_data_end(ctx), pkt);
	stage_boundary();
	if (verdict == GNV_MALFORMED) {
		stat_inc(GNV_STAT_MALFORMED + pkt->malformed);
		return XDP_PASS;
	}
	stat_inc(GNV_STAT_GENEVE);
	if (!gnv_filter_match(&targ_filter, pkt))
		return XDP_PASS;
	stat_inc(GNV_STAT_MATCHED);
	emit(ctx, buf, pkt_len, GNV_DIR_IN);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
