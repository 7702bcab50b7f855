// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel side: XDP on a NIC's ingress and TC on its egress parse each
 * frame, count it, apply the filter and push matching events into the ring
 * buffer. Neither changes or drops a packet.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "gnvtrace.h"
#include "parse.h"
#include "filter.h"
#include "port_stats.h"

/*
 * The filter, for gnv_filter_xdp()'s interpreter: in .bss, a map user
 * space rewrites while the program runs when OVN names resolve to new
 * keys: into the filter not in use, then targ_filter_idx flips, so no
 * packet sees half a filter. A filter that cannot change is compiled
 * into the program instead (see gnv_filter_xdp()).
 */
struct gnv_filter targ_filters[2];
__u32 targ_filter_idx;
/*
 * Offline (--kernel), the capture time of the packet under test, set by
 * user space before each run: round trips in capture time. 0 live.
 */
__u64 targ_now_ns;
/*
 * The clock of TCP's flows, which only tells a minute's idleness
 * (GNV_TCP_IDLE_NS): live, CLOCK_MONOTONIC as user space last wrote it
 * (at the load, then at each turn of the live loop, 100 ms apart at
 * most); offline (--kernel), the capture time. A load, where
 * bpf_ktime_get_coarse_ns() is a helper call: 1.7 ns of the exporter's
 * ~50 per packet. It stands still while the live loop stalls: a flow then
 * seems active for longer, and taking its slot counts as an eviction.
 */
__u64 targ_coarse_ns;

/*
 * What a run asks for, set before the load and fixed after it: rodata, so
 * the verifier sees constants and walks only the paths a run can take
 * (histograms off: no map update is verified at all), and no packet loads
 * them.
 */
/* Frame bytes to copy after each event (-w), at most GNV_SNAP_MAX. */
const volatile __u32 targ_snaplen;
/* Per-port statistics (--hist, GNV_HIST_*): off unless asked for. */
const volatile __u32 targ_hist;
/* A reply later than this after its request is no round trip (--hist rtt). */
const volatile __u64 targ_echo_timeout_ns;
/* Nobody reads events (-q without -w or -c): count, push nothing. */
const volatile __u32 targ_no_events;
/* The per-port table's slots on each CPU, less one (gnv_port_slots()). */
const volatile __u32 targ_port_slots_mask = GNV_MAX_PORT_KEYS - 1;
/* Events waiting that wake their reader at once (see rb_wakeup()). */
const volatile __u32 targ_rb_wakeup_bytes;
/* The outer UDP ports of Geneve and of OVN's VXLAN (0: not traced). */
const volatile __u16 targ_geneve_port = GENEVE_UDP_PORT;
const volatile __u16 targ_vxlan_port;
/*
 * What a filter's early parse fills (GNV_FIELDS_*): the compiled filter's
 * own gnv_filter_early(), which never changes; every field an early filter
 * reads for an interpreted one, whose terms change as names resolve.
 */
const volatile __u32 targ_early_fields = GNV_FIELDS_FILTER;
/*
 * GNV_TABLED_BY_PROTO(_VNI): the compiled filter reads the inner protocol
 * (and the VNI) alone, and is given by its verdicts for each
 * (targ_verdicts, see table_decides()).
 */
const volatile __u32 targ_filter_tabled;
const volatile struct gnv_verdict_table targ_verdicts;

/*
 * Per-port statistics (--hist): struct gnv_port_slot. Per CPU, so no
 * atomics; sets of two slots, so a flood of keys cannot fill it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GNV_MAX_PORT_KEYS);
	__type(key, __u32);
	__type(value, struct gnv_port_slot);
} port_stats SEC(".maps");

/* What a new key starts from: too big for the stack to build each time. */
const struct gnv_port_stats zero_stats;

/*
 * Echo requests awaiting their reply (--hist rtt), a direct-mapped table
 * (see struct gnv_echo_slot). Mappable: user space scans it every second
 * and takes out the requests past the timeout, counted unanswered.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, GNV_ECHO_SLOTS);
	__type(key, __u32);
	__type(value, struct gnv_echo_slot);
} echoes SEC(".maps");

/* TCP flows followed for retransmissions (--hist tcp): gnv_tcp_set. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, GNV_TCP_SETS);
	__type(key, __u32);
	__type(value, struct gnv_tcp_set);
} tcp_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/*
	 * 16 MiB: ~38,000 events, 12 ms of a reader formatting 3 M text
	 * events/s that its CPU's host stalls (4 MiB lost a few thousand
	 * now and then in tools/bench-live). The loader shrinks it when
	 * nobody reads events (-q), and the bench sets its own.
	 */
	__uint(max_entries, 16 << 20);
} rb SEC(".maps");

/*
 * The VMs' ports being traced, by ifindex, with their OVN binding when
 * user space knows it (the local OVS DB names the logical port, the
 * Southbound DB its keys). Read only by the VM port programs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct gnv_vm_port);
} vm_ports SEC(".maps");

/*
 * The MTU of each NIC traced (--hist size: MTU trouble), set by user
 * space at attach and again whenever it changes (gnv_bpf_set_mtu()), and
 * the smallest of them (0: none known), so that a frame no larger costs
 * nothing more. A few entries searched in turn, not a hash map: a SYN's
 * MSS judged through a map lookup cost 6.7% of its matched path.
 */
struct gnv_if_mtu targ_if_mtu[GNV_MAX_MTUS];
__u32 targ_mtu_min;

/*
 * This CPU's counters, so the hot path needs no atomics: all in one
 * entry, found once a packet, where each count was a lookup of its own
 * (~10 instructions).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gnv_counts);
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
	/* Not pushed: what the packet's identity is made of, but *pkt. */
	struct gnv_id_parts id;
	__u64 woke_ns;		/* this CPU last woke the reader */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct event_buf);
} scratch SEC(".maps");

/* This CPU's counters: a hook finds them once and keeps them in hand. */
static __always_inline struct gnv_counts *counters(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&stats, &zero);
}

/* A count where the counters are not in hand: rarer events. */
static __always_inline void stat_inc(__u32 idx)
{
	struct gnv_counts *c = counters();

	if (c)
		c->v[idx]++;
}

/*
 * The same code serves XDP and TC: what differs is reached through these,
 * with hook a constant at each call so the compiler keeps one branch.
 */
enum hook { HOOK_XDP, HOOK_TC };

/*
 * Packet pointers loaded afresh from the context. The volatile read keeps
 * clang from reusing the pointers of an earlier parser stage (see
 * stage_boundary()).
 */
static __always_inline const __u8 *pkt_data(void *ctx, enum hook hook)
{
	if (hook == HOOK_XDP)
		return (const __u8 *)(long)*(volatile __u32 *)
			&((struct xdp_md *)ctx)->data;
	return (const __u8 *)(long)*(volatile __u32 *)
		&((struct __sk_buff *)ctx)->data;
}

static __always_inline const __u8 *pkt_end(void *ctx, enum hook hook)
{
	if (hook == HOOK_XDP)
		return (const __u8 *)(long)*(volatile __u32 *)
			&((struct xdp_md *)ctx)->data_end;
	return (const __u8 *)(long)*(volatile __u32 *)
		&((struct __sk_buff *)ctx)->data_end;
}

/*
 * The frame's whole length. An XDP frame on a jumbo MTU comes in several
 * buffers (the program is multi-buffer aware, BPF_F_XDP_HAS_FRAGS):
 * data_end ends the first one, and the helper adds up the rest. Asked only for frames
 * that match, as a helper call costs a few ns.
 */
static __always_inline __u32 frame_len(void *ctx, enum hook hook)
{
	if (hook == HOOK_XDP)
		return bpf_xdp_get_buff_len(ctx);
	return ((struct __sk_buff *)ctx)->len;
}

/* Bytes from anywhere in the frame, paged skb data and XDP frags included. */
static __always_inline long load_bytes(void *ctx, enum hook hook, __u32 off,
				       void *to, __u32 len)
{
	if (hook == HOOK_XDP)
		return bpf_xdp_load_bytes(ctx, off, to, len);
	return bpf_skb_load_bytes(ctx, off, to, len);
}

/*
 * A length the verifier can prove is in [1, max] (max a power of two, len
 * already known to be in that range). The arithmetic happens on the value
 * passed to the helper, in the register that carries it: comparisons made
 * earlier were lost by some verifiers (6.1) when clang tested one copy and
 * passed another, or merged "> 0 && <= max" into one unsigned test.
 */
#define BOUNDED_LEN(len, max) ((((len) - 1) & ((max) - 1)) + 1)

/*
 * Waking the reader of the ring buffer costs the CPU that pushes an event
 * an interrupt: at 20 k events/s, evenly spaced, each woke the reader, and
 * at 2 M/s in millisecond batches the producer made 1.2 M/s, its CPU busy
 * with 27 k wake-ups a second. So an event wakes the reader only when it
 * is this CPU's first in RB_WAKEUP_GAP_NS; or, an eighth of that after
 * the last, when it brings what waits past targ_rb_wakeup_bytes: a burst
 * must not fill the ring while the reader sleeps, and a reader that keeps
 * the ring near that mark is awake. The rest wait for the next of those,
 * or for the reader's poll timeout (user/trace/trace_live.c: 100 ms).
 * 0 bytes: the kernel's own rule, a wake-up whenever the reader had
 * caught up.
 */
#define RB_WAKEUP_GAP_NS	1000000

static __always_inline __u64 rb_wakeup(struct event_buf *buf, __u32 len,
				       __u64 now)
{
	__u64 since = now - buf->woke_ns, waiting;

	if (!targ_rb_wakeup_bytes)
		return 0;
	if (since < RB_WAKEUP_GAP_NS / 8)
		return BPF_RB_NO_WAKEUP;
	waiting = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	if (since >= RB_WAKEUP_GAP_NS ||
	    (waiting < targ_rb_wakeup_bytes &&
	     waiting + len >= targ_rb_wakeup_bytes)) {
		buf->woke_ns = now;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void emit(void *ctx, enum hook hook,
				 struct event_buf *buf, __u32 pkt_len,
				 __u32 wire_len, __u32 ifindex, __u8 dir,
				 __u64 now)
{
	struct gnv_event *ev = &buf->ev;
	__u32 opts_len = ev->pkt.opts_len;
	__u32 want = targ_snaplen, snap, out_len;

	/* BFD is decoded in user space, from the frame's bytes. */
	if (ev->pkt.dport == GNV_BFD_UDP_PORT &&
	    ev->pkt.inner_proto == GNV_IPPROTO_UDP && want < GNV_BFD_SNAP)
		want = GNV_BFD_SNAP;
	snap = pkt_len < want ? pkt_len : want;

	ev->ts_ns = now;
	ev->ifindex = ifindex;
	ev->pkt_len = wire_len;
	ev->dir = dir;
	ev->abi_version = GNV_ABI_VERSION;
	/*
	 * The parser proved the option area lies in the frame (on a Geneve
	 * device the helper already put the options in place). ev->opts and
	 * the padding after it make 256 bytes, the bound given.
	 */
	if (opts_len > 0 && opts_len <= GENEVE_MAX_OPTS_LEN &&
	    !(ev->pkt.flags & GNV_F_DECAP) &&
	    load_bytes(ctx, hook, ev->pkt.opts_off, ev->opts,
		       BOUNDED_LEN(opts_len, 256)))
		ev->pkt.opts_len = 0;
	if (snap > GNV_SNAP_MAX)
		snap = GNV_SNAP_MAX;
	if (snap > 0 &&
	    load_bytes(ctx, hook, 0, buf->snap, BOUNDED_LEN(snap, GNV_SNAP_MAX)))
		snap = 0;
	ev->snap_len = snap;
	out_len = sizeof(*ev);
	if (snap > 0)
		out_len += BOUNDED_LEN(snap, GNV_SNAP_MAX);
	if (bpf_ringbuf_output(&rb, buf, out_len, rb_wakeup(buf, out_len, now)))
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

/* Enough for the outer headers up to the Geneve base header. */
#define PULL_OUTER	128
/* And beyond the options, for the inner headers. */
#define PULL_INNER	256

/*
 * An skb's headers may lie beyond its linear part (GSO super-packets,
 * paged frames): make the first len bytes (at most the frame) directly
 * readable. This moves bytes into the linear area; it changes none.
 */
static __always_inline void pull(void *ctx, enum hook hook, __u32 len)
{
	struct __sk_buff *skb = ctx;

	if (hook != HOOK_TC)
		return;
	if (len > skb->len)
		len = skb->len;
	/* A constant bound on len, for the verifier's pointer arithmetic. */
	if (len <= GNV_MAX_INNER_OFF + PULL_INNER &&
	    pkt_data(ctx, hook) + len > pkt_end(ctx, hook))
		bpf_skb_pull_data(skb, len);
}

/*
 * The slot on this CPU of the key whose hash (gnv_port_hash()) is hash:
 * the first of GNV_PORT_PROBES from gnv_port_slot_of() that holds it
 * (*found), or else, made for it (counted), the first empty one or that of
 * the key with fewest packets (evicted, counted), its stats cleared, for
 * the caller to write the key into. At a table an eighth full, nearly
 * every key is in its first slot: one array lookup and a compare.
 */
static __always_inline struct gnv_port_slot *port_slot(__u64 hash,
						       int *found)
{
	__u32 idx = gnv_port_slot_of(hash);
	struct gnv_port_slot *s, *take = NULL;

	*found = 0;
	for (int i = 0; i < GNV_PORT_PROBES; i++) {
		__u32 at = (idx + i) & targ_port_slots_mask;

		s = bpf_map_lookup_elem(&port_stats, &at);
		if (!s)
			return NULL;
		if (!s->key.outer_family) {	/* empty: the key is new */
			take = s;
			break;
		}
		if (s->hash == hash) {
			*found = 1;
			return s;
		}
		if (!take || s->stats.packets < take->stats.packets)
			take = s;
	}
	if (!take)
		return NULL;
	if (take->key.outer_family)
		stat_inc(GNV_STAT_PORT_EVICTED);
	stat_inc(GNV_STAT_PORT_KEYS);
	take->hash = hash;
	take->stats = zero_stats;
	return take;
}

/* The MTU of the device ifindex, 0 when unknown. */
static __always_inline __u32 dev_mtu(__u32 ifindex)
{
	for (int i = 0; i < GNV_MAX_MTUS; i++)
		if (targ_if_mtu[i].ifindex == ifindex)
			return targ_if_mtu[i].mtu;
	return 0;
}

/*
 * A tunnel's frame, counted to its port: size, and MTU trouble (frames
 * leaving larger than the device's MTU when out, a "too big", a SYN's
 * MSS). l3_len is its length from the outer IP header on.
 */
static __always_inline struct gnv_port_stats *
count_port(const struct gnv_pkt *pkt, __u32 wire_len, __u32 l3_len,
	   __u32 ifindex, __u8 dir, int out)
{
	struct gnv_port_stats *st;
	struct gnv_port_slot *s;
	int found;
	__u32 mtu;

	/*
	 * The key is built only for a slot it takes: the hash is made from
	 * the packet's fields (~25 instructions less a packet).
	 */
	s = port_slot(gnv_port_hash_of(pkt, dir), &found);
	if (!s)
		return NULL;
	if (!found)
		gnv_port_key_of(pkt, dir, &s->key);
	st = &s->stats;
	gnv_port_stats_add(st, wire_len);
	if (out && targ_mtu_min && l3_len > targ_mtu_min) {
		mtu = dev_mtu(ifindex);
		if (mtu && l3_len > mtu)
			st->over_mtu++;
	}
	/* The MTU is looked up for a SYN only: the rest judge none. */
	gnv_port_mtu_add(st, pkt, gnv_is_mss_syn(pkt) && targ_mtu_min ?
				  dev_mtu(ifindex) : 0);
	return st;
}

/* A TCP segment with data: its flow's slot, a retransmission counted. */
static __always_inline void count_tcp(const struct gnv_pkt *pkt,
				      struct gnv_port_stats *st)
{
	struct gnv_tcp_set *set;
	__u64 flow;
	__u32 idx;

	if (!gnv_is_tcp_data(pkt))
		return;
	flow = gnv_tcp_flow_of(pkt);
	idx = gnv_tcp_set_of(flow);
	set = bpf_map_lookup_elem(&tcp_flows, &idx);
	if (!set)
		return;
	/*
	 * A flow's clock only tells whether it has been idle for a minute:
	 * user space's coarse one does, where the fine one costs ~20 ns in
	 * a VM (kvm-clock), even when the event has read it.
	 */
	if (gnv_tcp_count(set, flow, st, pkt, targ_coarse_ns) ==
	    GNV_TCP_EVICTED)
		stat_inc(GNV_STAT_TCP_EVICTED);
}

/* A request is remembered; its reply adds the round trip to its port. */
static __always_inline void count_echo(const struct gnv_pkt *pkt, __u8 dir,
				       __u64 now)
{
	int kind = gnv_echo_kind(pkt);
	struct gnv_port_slot *slot;
	struct gnv_echo_slot *s;
	int found;
	struct gnv_echo_key key;
	__u64 rtt_ns = 0;
	__u32 idx;

	if (!kind)
		return;
	__builtin_memset(&key, 0, sizeof(key));
	gnv_echo_key_of(pkt, kind, &key);
	idx = gnv_echo_slot_of(&key);
	s = bpf_map_lookup_elem(&echoes, &idx);
	if (!s)
		return;
	if (targ_now_ns)
		now = targ_now_ns;
	if (!now)
		now = bpf_ktime_get_ns();
	switch (gnv_echo_update(s, kind, &key, pkt, dir, now,
				targ_echo_timeout_ns, &rtt_ns)) {
	case GNV_ECHO_DISPLACED:
		stat_inc(GNV_STAT_ECHO_DISPLACED);
		break;
	case GNV_ECHO_ANSWERED:
		slot = port_slot(gnv_port_hash(&s->port), &found);
		if (slot) {
			if (!found)
				slot->key = s->port;
			gnv_port_rtt_add(&slot->stats, key.proto, rtt_ns);
		}
		s->ts_ns = 0;
		break;
	}
}

/* count_hist()'s how: the direction, and whether to judge the MTU. */
#define HOW_DIR		1	/* GNV_DIR_* */
#define HOW_OUT_WHOLE	2	/* leaving, at TC, not a GSO frame */

/*
 * --hist's work for a tunnel's matched frame of wire_len bytes, every tag
 * counted (meta_vlan()'s too), on device ifindex; now: the event's clock,
 * or 0 when no event is made (-q): then read only by what needs it, an
 * echo or a handshake (TCP's flows go by targ_coarse_ns). Inlined: as a
 * global function (verified once on its own, when inlining it doubled
 * the instructions verified) its call and the spills around it cost the
 * exporter's mode ~2 ns a packet; the verifier walks no more with it
 * inlined now (xdp_ingress with --hist 373k before, 341k after).
 */
static __always_inline void count_hist(const struct gnv_pkt *pkt,
				       __u32 wire_len, __u32 ifindex,
				       __u32 how, __u64 now)
{
	__u8 dir = how & HOW_DIR;
	struct gnv_port_stats *st;

	/*
	 * From the outer IP header on: wire_len less every tag and Ethernet's
	 * header. Not from the frame's bytes less the tags in them: that takes
	 * a branch on the meta tag, whose two outcomes the verifier carried
	 * apart through the rest of the program.
	 */
	st = count_port(pkt, wire_len, wire_len - 14 - 4 * pkt->n_vlans,
			ifindex, dir, how & HOW_OUT_WHOLE);
	if (st && (targ_hist & GNV_HIST_TCP))
		count_tcp(pkt, st);
	if (targ_hist & GNV_HIST_RTT)
		count_echo(pkt, dir, now);
}

/*
 * The filter on a parsed packet: 1 when it matches. This body interprets
 * the term program in .bss (targ_filters[idx]), which user space may
 * swap while the programs run (OVN names resolved later). A filter that
 * never changes is compiled instead: the loader puts its instructions
 * (user/filter/filter_bpf.c) in place of this body as each program loads
 * (user/kernel/filter_code.c), hence a function of its own, and global:
 * verified once, on its own, not at every call's state. The context is
 * for the compiled byte expressions ("tcp[13] & 2 != 0"), which read the
 * frame; a global function takes only its program type's, hence two.
 */
static __always_inline int filter_interpreted(const struct gnv_pkt *pkt,
					      __u32 idx)
{
	if (!pkt)	/* a global function's pointer may be NULL */
		return 0;
	return gnv_filter_match(&targ_filters[idx & 1], pkt, NULL);
}

/*
 * The interpreter needs no context, but the compiled code does: the asm
 * keeps clang from passing anything (an argument it sees unused) in its
 * place, which the verifier refuses at the call.
 */
__noinline int gnv_filter_xdp(struct xdp_md *ctx, const struct gnv_pkt *pkt,
			      __u32 idx)
{
	asm volatile("" :: "r"(ctx));
	return filter_interpreted(pkt, idx);
}

__noinline int gnv_filter_tc(struct __sk_buff *ctx, const struct gnv_pkt *pkt,
			     __u32 idx)
{
	asm volatile("" :: "r"(ctx));
	return filter_interpreted(pkt, idx);
}

/* The filter in use takes the packet (see gnv_filter_xdp()). */
static __always_inline int filter(void *ctx, enum hook hook,
				  const struct gnv_pkt *pkt)
{
	return hook == HOOK_XDP ? gnv_filter_xdp(ctx, pkt, targ_filter_idx) :
				  gnv_filter_tc(ctx, pkt, targ_filter_idx);
}

/*
 * What every hook does once the frame is parsed. tunnel: a constant, 0
 * for a VM's port, whose frames are no tunnel's traffic: the per-port
 * statistics count a tunnel's, and would count the frame twice.
 */
static __always_inline void count_filter_emit(void *ctx, enum hook hook,
					      struct event_buf *buf,
					      struct gnv_counts *cnt,
					      int verdict, __u32 ifindex,
					      __u8 dir, int tunnel)
{
	struct gnv_pkt *pkt = &buf->ev.pkt;
	__u32 pkt_len, wire_len;
	__u64 now = 0;

	if (verdict == GNV_MALFORMED) {
		if (pkt->malformed < GNV_BAD_MAX)
			cnt->v[GNV_STAT_MALFORMED + pkt->malformed]++;
		return;
	}
	/*
	 * A router's "too big" for a tunnel is no tunnel's frame: past the
	 * filter, an event whenever events or MTU trouble (--hist size) are
	 * asked for; user space counts it per tunnel.
	 */
	if (verdict == GNV_UNDERLAY_TOO_BIG) {
		cnt->v[GNV_STAT_UNDERLAY_TOO_BIG]++;
		if (targ_no_events && !(targ_hist & GNV_HIST_SIZE))
			return;
	} else {
		cnt->v[GNV_STAT_GENEVE]++;
		if (!filter(ctx, hook, pkt))
			return;
		cnt->v[GNV_STAT_MATCHED]++;
		/*
		 * Made for what the filter takes only, and only for an event:
		 * nothing else reads it (3-5 ns a packet of -q, the
		 * exporter's mode).
		 */
		if (!targ_no_events)
			gnv_pkt_set_id(pkt, &buf->id);
	}
	pkt_len = frame_len(ctx, hook);
	/* With a tag kept outside the frame's bytes (meta_vlan()), as sent. */
	wire_len = pkt_len + (buf->ev.meta_vlan_proto ? 4 : 0);
	/*
	 * The event's clock, for echoes and flows too; without an event they
	 * read one themselves, if at all (most packets are neither).
	 */
	if (!targ_no_events || verdict == GNV_UNDERLAY_TOO_BIG)
		now = bpf_ktime_get_ns();
	/* Leaving, at TC: a frame GSO has yet to cut is no MTU trouble. */
	if (targ_hist && tunnel && verdict == GNV_GENEVE)
		count_hist(pkt, wire_len, ifindex,
			   dir | (hook == HOOK_TC && dir == GNV_DIR_OUT &&
				  ((struct __sk_buff *)ctx)->gso_segs <= 1 ?
				  HOW_OUT_WHOLE : 0), now);
	if (!targ_no_events || verdict == GNV_UNDERLAY_TOO_BIG)
		emit(ctx, hook, buf, pkt_len, wire_len, ifindex, dir, now);
}

/* This CPU's event buffer. */
static __always_inline struct event_buf *event_buffer(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/*
 * The hooks of Geneve devices and VMs' ports start here: counted, a
 * buffer, and this CPU's counters in *cnt.
 */
static __always_inline struct event_buf *begin(struct gnv_counts **cnt)
{
	*cnt = counters();
	if (!*cnt)
		return NULL;
	(*cnt)->v[GNV_STAT_PACKETS]++;
	return event_buffer();
}

/*
 * The XDP RX metadata kfunc (Linux 6.8): the tag a NIC stripped on
 * receive (rx VLAN offload), from the driver's descriptor. The verifier
 * takes a call to it only in a program bound to one device, and refuses
 * the whole program otherwise, even with the call never reached: so only
 * xdp_ingress_hw has it, and the loader loads that one per interface
 * whose driver implements it. Weak: an older kernel lacks it, and the
 * program calling it is then never loaded.
 */
extern int bpf_xdp_metadata_rx_vlan_tag(const struct xdp_md *ctx,
					__be16 *vlan_proto,
					__u16 *vlan_tci) __ksym __weak;

/* Where a frame's outermost tag may be kept outside its bytes. */
enum meta_vlan {
	META_VLAN_NONE,		/* XDP without RX metadata */
	META_VLAN_SKB,		/* TC: the skb's own field */
	META_VLAN_XDP_HW,	/* XDP on a driver with the kfunc */
};

/*
 * A VLAN tag in no byte of the frame, yet its outermost tag on the wire:
 * stripped on receive by the NIC, or left by the stack in the skb for the
 * NIC to insert (tx VLAN offload: a VLAN device on a NIC that offloads,
 * the usual case). Shown and filtered on as if it were in the frame, and
 * kept in the event so that -w puts it back, as libpcap does.
 */
static __always_inline void meta_vlan(void *ctx, enum meta_vlan from,
				      struct gnv_event *ev)
{
	struct gnv_pkt *p = &ev->pkt;
	__be16 proto = 0;
	__u16 tci = 0;

	ev->meta_vlan_proto = 0;
	ev->meta_vlan_tci = 0;
	if (from == META_VLAN_SKB) {
		struct __sk_buff *skb = ctx;

		if (!skb->vlan_present)
			return;
		proto = skb->vlan_proto;
		tci = skb->vlan_tci;
	} else if (from == META_VLAN_XDP_HW) {
		if (bpf_xdp_metadata_rx_vlan_tag(ctx, &proto, &tci))
			return;
	} else {
		return;
	}
	ev->meta_vlan_proto = proto;
	ev->meta_vlan_tci = tci;
	p->vlan[1] = p->vlan[0];
	p->vlan[0] = tci & 0x0fff;
	if (p->n_vlans < GNV_MAX_VLANS)
		p->n_vlans++;
}

/*
 * A frame the first look let through (its answer: look), parsed into
 * buf: every field (GNV_FIELDS_ALL) or what the filter reads
 * (targ_early_fields).
 */
static __always_inline int parse_frame(void *ctx, enum hook hook,
				       struct event_buf *buf, long look,
				       int fields)
{
	struct gnv_pkt *pkt = &buf->ev.pkt;
	int verdict;

	pull(ctx, hook, PULL_OUTER);
	verdict = gnv_parse_looked(pkt_data(ctx, hook), pkt_end(ctx, hook),
				   look, GNV_LINK_ETH, targ_geneve_port,
				   targ_vxlan_port, pkt, fields);
	/*
	 * Each stage from fresh packet pointers: see gnv_parse() for why.
	 * The filter's parse keeps the offsets it found in registers instead
	 * (no boundary; checked_off() where they meet the frame pointer):
	 * its stages write a few fields and take fewer paths, and the
	 * verifier walked fewer instructions without (346k for 355k); a
	 * frame it rejects costs ~0.9 ns less.
	 */
	if (fields == GNV_FIELDS_ALL)
		stage_boundary();
	if (verdict == GNV_GENEVE) {
		pull(ctx, hook, (__u32)pkt->opts_off + pkt->opts_len + PULL_INNER);
		verdict = gnv_parse_opts(pkt_data(ctx, hook),
					 pkt_end(ctx, hook), pkt, fields);
	}
	if (fields == GNV_FIELDS_ALL)
		stage_boundary();
	if (verdict == GNV_GENEVE)
		verdict = gnv_parse_inner(pkt_data(ctx, hook),
					  pkt_end(ctx, hook), pkt, &buf->id,
					  fields);
	stage_boundary();
	return verdict;
}

/* What a filter's table says of a frame (table_decides()). */
enum table_says { TABLE_MAYBE, TABLE_REJECTS, TABLE_TAKES };

/*
 * A frame the first look let through, for a filter of inner protocols
 * and VNIs alone (targ_filter_tabled), in the pointers the first look
 * read: the second look reads the usual frame's VNI, inner ethertype and
 * protocol, and the filter's table says whether it takes it, with no
 * parse, no event buffer, no filter call (a rejected frame 284 -> 137
 * instructions). Anything the second look is not sure of (TABLE_MAYBE)
 * goes the way of other early filters. On TC, a frame whose headers lie
 * past the linear part is such. by_vni: a constant, whether the filter
 * names VNIs.
 */
static __always_inline int table_decides(const __u8 *data, const __u8 *end,
					 long look, __u16 geneve_port,
					 int by_vni)
{
	__u32 vni, index;

	if (!gnv_look_inner(data, end, look, geneve_port, &vni, &index))
		return TABLE_MAYBE;
	return gnv_table_verdict(&targ_verdicts, vni, index, by_vni) ?
	       TABLE_TAKES : TABLE_REJECTS;
}

/*
 * The device a frame is on. Read where a matched frame needs it: the
 * XDP context's takes three dependent loads (the receive queue, its
 * device, the index), which clang made first of all when the index came
 * in as an argument, before a frame that is no tunnel's was turned away.
 */
static __always_inline __u32 ifindex_of(void *ctx, enum hook hook)
{
	if (hook == HOOK_XDP)
		return ((struct xdp_md *)ctx)->ingress_ifindex;
	return ((struct __sk_buff *)ctx)->ifindex;
}

/* Parse, count, filter, emit: a NIC hook's whole job. */
static __always_inline void trace_frame(void *ctx, enum hook hook,
					enum meta_vlan vlan_from, __u8 dir)
{
	struct gnv_counts *cnt = counters();
	/* Read once for both looks (a volatile read each time). */
	__u16 geneve_port = targ_geneve_port;
	int verdict, says = TABLE_MAYBE;
	const __u8 *data, *end;
	struct event_buf *buf;
	long look;

	/*
	 * gnv_parse()'s two steps apart, so that a frame the first look
	 * turns away costs no lookup of the event buffer either. A TC frame
	 * whose headers lie past the linear part looks like "maybe": pulled,
	 * and read in full.
	 */
	if (!cnt)
		return;
	cnt->v[GNV_STAT_PACKETS]++;
	data = pkt_data(ctx, hook);
	end = pkt_end(ctx, hook);
	look = gnv_may_be_tunnel(data, end, geneve_port, targ_vxlan_port);
	if (look == GNV_LOOK_NO)
		return;
	/*
	 * A filter on the inner packet decides first: by its table on the
	 * usual frame, when it has one (each table a constant: the verifier
	 * keeps the one in use), else on the fields it reads, a Geneve frame
	 * it rejects parsed no further (29.4 -> 19-22 ns here, the matched
	 * ones ~5 ns more). Anything else (a match, a malformed frame, a
	 * router's "too big") is parsed again in full, as if the first pass
	 * had not been.
	 */
	if (targ_filter_tabled == GNV_TABLED_BY_PROTO)
		says = table_decides(data, end, look, geneve_port, 0);
	else if (targ_filter_tabled == GNV_TABLED_BY_PROTO_VNI)
		says = table_decides(data, end, look, geneve_port, 1);
	if (says == TABLE_REJECTS) {
		cnt->v[GNV_STAT_GENEVE]++;
		return;
	}
	buf = event_buffer();
	if (!buf)
		return;
	if (says == TABLE_MAYBE && targ_filters[targ_filter_idx & 1].early) {
		/* Each level a constant: the verifier keeps the one in use. */
		if (targ_early_fields == GNV_FIELDS_PROTO)
			verdict = parse_frame(ctx, hook, buf, look,
					      GNV_FIELDS_PROTO);
		else
			verdict = parse_frame(ctx, hook, buf, look,
					      GNV_FIELDS_FILTER);
		if (verdict == GNV_NOT_GENEVE)
			return;
		if (verdict == GNV_GENEVE && !filter(ctx, hook, &buf->ev.pkt)) {
			cnt->v[GNV_STAT_GENEVE]++;
			return;
		}
	}
	verdict = parse_frame(ctx, hook, buf, look, GNV_FIELDS_ALL);
	if (verdict == GNV_NOT_GENEVE)
		return;
	meta_vlan(ctx, vlan_from, &buf->ev);
	stage_boundary();
	count_filter_emit(ctx, hook, buf, cnt, verdict, ifindex_of(ctx, hook),
			  dir, 1);
}

/*
 * Ingress on a NIC. The tracer observes and never changes: XDP_PASS.
 * Multi-buffer aware, so that drivers attach it on a jumbo MTU: the
 * headers are parsed in the first buffer (a page on every driver, far
 * more than the outer, Geneve and inner headers take); the snapshot and
 * the length reach into the others through helpers. The loader sets the
 * flag (BPF_F_XDP_HAS_FRAGS) where the kernel takes it.
 *
 * The sections are gnvtrace's own, not libbpf's "xdp" and "tc": the
 * loader registers them with libbpf (user/kernel/filter_code.c) to
 * compile the filter into each program as it loads.
 */
SEC("gnvtrace/xdp")
int xdp_ingress(struct xdp_md *ctx)
{
	trace_frame(ctx, HOOK_XDP, META_VLAN_NONE, GNV_DIR_IN);
	return XDP_PASS;
}

/*
 * The same, for native XDP on a driver that hands over the VLAN tag it
 * stripped: bound to that one device at load time, never loaded
 * otherwise ("?": libbpf leaves it out unless the loader asks).
 */
SEC("?gnvtrace/xdp")
int xdp_ingress_hw(struct xdp_md *ctx)
{
	trace_frame(ctx, HOOK_XDP, META_VLAN_XDP_HW, GNV_DIR_IN);
	return XDP_PASS;
}

/*
 * Egress on a NIC, attached through tcx or a clsact filter. TC_ACT_UNSPEC
 * (tcx's TCX_NEXT) hands the packet on to whatever comes next unchanged.
 */
SEC("gnvtrace/tc")
int tc_egress(struct __sk_buff *skb)
{
	trace_frame(skb, HOOK_TC, META_VLAN_SKB, GNV_DIR_OUT);
	return TC_ACT_UNSPEC;
}

/*
 * The outer headers of a packet on a Geneve device (genev_sys_6081, or any
 * "geneve external" device), from its tunnel metadata. The helper's
 * "remote" and "local" are the key's source and destination, whichever
 * way the packet goes: received, the source is the sending chassis; about
 * to be sent, the destination is the peer and the source often 0.0.0.0,
 * left for routing to choose (the QEMU test showed both). Returns the
 * address family, or 0 when the packet carries no tunnel metadata.
 */
static __always_inline int read_tunnel_key(struct __sk_buff *skb,
					   struct gnv_pkt *p)
{
	struct bpf_tunnel_key key = {};
	__u8 *remote = p->outer_src;
	__u8 *local = p->outer_dst;
	int family = 4;

	/* The helper answers only for the family asked about: try both. */
	if (bpf_skb_get_tunnel_key(skb, &key, sizeof(key), 0) < 0) {
		if (bpf_skb_get_tunnel_key(skb, &key, sizeof(key),
					   BPF_F_TUNINFO_IPV6) < 0)
			return 0;
		family = 6;
	}
	if (family == 4) {
		/* IPv4 addresses come in host order, IPv6 in network order. */
		__u32 r = bpf_htonl(key.remote_ipv4), l = bpf_htonl(key.local_ipv4);

		__builtin_memcpy(remote, &r, 4);
		__builtin_memcpy(local, &l, 4);
	} else {
		__builtin_memcpy(remote, key.remote_ipv6, 16);
		__builtin_memcpy(local, key.local_ipv6, 16);
	}
	p->outer_family = family;
	p->vni = key.tunnel_id & 0xffffff;
	p->outer_ttl = key.tunnel_ttl;
	p->outer_tos = key.tunnel_tos;
	return family;
}

/*
 * A Geneve device: the kernel has already decapsulated (ingress) or will
 * encapsulate (egress) the frame; the VNI, the addresses and the options
 * come from the tunnel metadata, and the frame is the inner Ethernet one.
 */
static __always_inline void trace_decap(struct __sk_buff *skb, __u8 dir)
{
	struct gnv_counts *cnt;
	struct event_buf *buf = begin(&cnt);
	struct gnv_pkt *pkt;
	long opts_len;
	int verdict;

	if (!buf)
		return;
	pkt = &buf->ev.pkt;
	__builtin_memset(pkt, 0, sizeof(*pkt));
	/* The outer frame, tags and all, is gone: none to report. */
	meta_vlan(skb, META_VLAN_NONE, &buf->ev);
	if (!read_tunnel_key(skb, pkt))
		return;		/* not tunnel traffic: nothing to say */
	pkt->flags = GNV_F_DECAP;
	pkt->geneve_proto = ETH_P_TEB;
	opts_len = bpf_skb_get_tunnel_opt(skb, buf->ev.opts,
					  sizeof(buf->ev.opts));
	pkt->opts_len = opts_len > 0 ? opts_len : 0;
	stage_boundary();
	verdict = gnv_walk_opts(buf->ev.opts,
				buf->ev.opts + sizeof(buf->ev.opts), pkt,
				GNV_FIELDS_ALL);
	stage_boundary();
	if (verdict == GNV_GENEVE) {
		pull(skb, HOOK_TC, PULL_INNER);
		verdict = gnv_parse_inner_at(pkt_data(skb, HOOK_TC),
					     pkt_end(skb, HOOK_TC), 0, pkt,
					     &buf->id, GNV_FIELDS_ALL);
	}
	stage_boundary();
	count_filter_emit(skb, HOOK_TC, buf, cnt, verdict, skb->ifindex, dir, 1);
}

SEC("gnvtrace/tc")
int tc_geneve_ingress(struct __sk_buff *skb)
{
	trace_decap(skb, GNV_DIR_IN);
	return TC_ACT_UNSPEC;
}

SEC("gnvtrace/tc")
int tc_geneve_egress(struct __sk_buff *skb)
{
	trace_decap(skb, GNV_DIR_OUT);
	return TC_ACT_UNSPEC;
}

/*
 * A VM's port (a tap, a veth, an OVS internal port): its frames are the
 * inner ones, never encapsulated, parsed by the parser's inner stage as a
 * Geneve device's are. In is what the VM sends, out what it receives:
 * XDP and TC on a tap or veth, TC and XDP on an internal port (its map
 * entry says reversed). The port's OVN binding gives the frame its VNI
 * and port key, so that filters and names treat it as the tunnel would.
 */
static __always_inline void trace_port(void *ctx, enum hook hook,
				       __u32 ifindex, __u8 dir)
{
	struct gnv_counts *cnt;
	struct event_buf *buf = begin(&cnt);
	const struct gnv_vm_port *bind;
	struct gnv_pkt *pkt;
	int verdict;

	if (!buf)
		return;
	pkt = &buf->ev.pkt;
	__builtin_memset(pkt, 0, sizeof(*pkt));
	/* A tag the NIC or the stack keeps aside belongs to no tunnel here. */
	meta_vlan(ctx, META_VLAN_NONE, &buf->ev);
	pkt->vm_port = 1;
	pkt->geneve_proto = ETH_P_TEB;
	bind = bpf_map_lookup_elem(&vm_ports, &ifindex);
	if (bind && bind->reversed)
		dir ^= 1;
	if (bind && bind->port_key) {
		pkt->vni = bind->dp_key;
		if (dir == GNV_DIR_IN)
			pkt->ovn_inport = bind->port_key;
		else
			pkt->ovn_outport = bind->port_key;
		pkt->flags = GNV_F_OVN;
	}
	stage_boundary();
	pull(ctx, hook, PULL_INNER);
	verdict = gnv_parse_inner_at(pkt_data(ctx, hook), pkt_end(ctx, hook),
				     0, pkt, &buf->id, GNV_FIELDS_ALL);
	stage_boundary();
	count_filter_emit(ctx, hook, buf, cnt, verdict, ifindex, dir, 0);
}

SEC("gnvtrace/xdp")
int xdp_port_ingress(struct xdp_md *ctx)
{
	trace_port(ctx, HOOK_XDP, ifindex_of(ctx, HOOK_XDP), GNV_DIR_IN);
	return XDP_PASS;
}

SEC("gnvtrace/tc")
int tc_port_egress(struct __sk_buff *skb)
{
	trace_port(skb, HOOK_TC, ifindex_of(skb, HOOK_TC), GNV_DIR_OUT);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
