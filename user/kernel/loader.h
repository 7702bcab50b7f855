/* SPDX-License-Identifier: MIT */
/*
 * Room kernel/ (uses lib/, stats/, filter/): the BPF side of a run. Loading here;
 * attaching in attach_xdp.h and attach_tc.h; what a device offers in netdev.h.
 *
 * The BPF side of a run: the skeleton opened with the filter and snapshot
 * length set, loaded, its ring buffer and counters. Live tracing attaches
 * it to interfaces; offline --kernel runs it on each packet of a file.
 */
#ifndef GNV_LOADER_H
#define GNV_LOADER_H

#include <bpf/libbpf.h>

#include "gnvtrace.h"

struct gnvtrace_bpf;
struct gnv_counts;

#define GNV_BPF_MAX_BOUND	8	/* devices, as many as -i takes */

struct gnv_bpf {
	struct gnvtrace_bpf *skel;
	struct ring_buffer *rb;
	struct gnv_echo_slot *echo_slots;	/* --hist rtt: mapped */
	/* xdp_ingress_hw, one instance per device it is bound to */
	struct gnvtrace_bpf *bound[GNV_BPF_MAX_BOUND];
	int n_bound;
	int filter_compiled;	/* into the programs: it cannot change */
	int xdp_frags;		/* the kernel takes multi-buffer XDP */
};

/* The programs, as a mask of what a run needs loaded. */
enum gnv_prog {
	GNV_PROG_XDP_IN = 1,		/* a NIC's ingress */
	GNV_PROG_TC_OUT = 2,		/* a NIC's egress */
	GNV_PROG_GENEVE_IN = 4,		/* a Geneve device's ingress */
	GNV_PROG_GENEVE_OUT = 8,	/* a Geneve device's egress */
	GNV_PROG_PORT_IN = 16,		/* a VM's port: what the VM sends */
	GNV_PROG_PORT_OUT = 32,		/* and what it receives */
};
#define GNV_PROG_LAST	GNV_PROG_PORT_OUT

/* What the programs are loaded with; all but the filter fixed for the run. */
struct gnv_bpf_opts {
	struct gnv_filter filter;	/* its ports too: Geneve's, VXLAN's */
	__u32 snaplen;			/* frame bytes each event carries */
	int hist;			/* GNV_HIST_*: per-port statistics */
	__u64 echo_timeout_ns;		/* GNV_HIST_RTT: a request unanswered */
	int no_events;			/* count only, push no event */
	__u32 rb_size;			/* ring buffer bytes; 0: the object's */
	int verbose;			/* libbpf's messages: 1 info, 2 debug */
	/*
	 * The filter left to gnv_filter_xdp()'s and gnv_filter_tc()'s interpreter, not compiled
	 * into the programs: for a filter that gnv_bpf_set_filter() changes
	 * while they run (OVN names resolved later); the kernel tests run
	 * every filter both ways.
	 */
	int filter_interpreted;
};

/*
 * Loads the programs in progs (only those: each costs verifier time).
 * 0, or a negative errno after one line on stderr saying what to do.
 * gnvtrace, its kernel tests and its benchmark all load through here.
 */
int gnv_bpf_load(struct gnv_bpf *b, const struct gnv_bpf_opts *o,
		 unsigned int progs, ring_buffer_sample_fn on_event, void *ctx);
struct bpf_program *gnv_bpf_prog(const struct gnv_bpf *b, enum gnv_prog prog);
/*
 * The ingress program that also reads the VLAN tag the NIC stripped
 * (the XDP RX metadata kfunc), bound to ifindex, for native mode there
 * only; it shares every map with the others. Its fd, or a negative errno
 * (nothing said: the caller falls back to the unbound program).
 */
int gnv_bpf_load_xdp_bound(struct gnv_bpf *b, int ifindex);
/*
 * Replaces the running programs' filter; no packet sees half of it. Only
 * for programs loaded with filter_interpreted: a compiled filter is part
 * of the programs' code (-EPERM); and only with no byte expression, which
 * the interpreter lacks (-EINVAL).
 */
int gnv_bpf_set_filter(const struct gnv_bpf *b, const struct gnv_filter *f);
/*
 * A VM's port traced at ifindex (struct gnv_vm_port: its OVN keys, 0 when
 * unknown, and whether it is an OVS internal port). 0, or a negative
 * errno.
 */
int gnv_bpf_set_vm_port(const struct gnv_bpf *b, __u32 ifindex,
			const struct gnv_vm_port *port);
/*
 * The MTU of a NIC traced at ifindex, for --hist's MTU trouble (frames
 * leaving too large, SYNs whose MSS will not fit): set at attach and
 * again when it changes. 0, or a negative errno.
 */
int gnv_bpf_set_mtu(const struct gnv_bpf *b, __u32 ifindex, __u32 mtu);
/*
 * The kernel's coarse clock (TCP flows' idleness) set to now: the load
 * does it, the live loop at each turn.
 */
void gnv_bpf_tick(const struct gnv_bpf *b);
/* Adds the per-CPU counters, summed, into c. */
void gnv_bpf_add_counts(const struct gnv_bpf *b, struct gnv_counts *c);
/* Adds the kernel's per-port statistics, summed over CPUs, into h. */
struct gnv_hist;
void gnv_bpf_add_hist(const struct gnv_bpf *b, struct gnv_hist *h);
/*
 * Echo requests older than the timeout at now_ns (CLOCK_MONOTONIC): taken
 * out of the kernel's map and counted in h as unanswered.
 */
void gnv_bpf_reap_echoes(const struct gnv_bpf *b, struct gnv_hist *h,
			 __u64 now_ns, __u64 timeout_ns);
void gnv_bpf_close(struct gnv_bpf *b);

/*
 * While buf is set, the kernel's extended ack for a netlink request made
 * through libbpf ("Peer MTU is too large to set XDP") is kept there; ""
 * when the kernel gave none. NULL stops it.
 */
void gnv_libbpf_catch_extack(char *buf, size_t len);

#endif /* GNV_LOADER_H */
