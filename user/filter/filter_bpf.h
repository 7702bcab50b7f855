/* SPDX-License-Identifier: MIT */
/*
 * The filter's term program compiled to BPF instructions: the body that
 * replaces the kernel's gnv_filter_xdp() or gnv_filter_tc() as the programs load, so that
 * each term costs a few compares and not an interpreter's round. Same
 * meaning as gnv_filter_match() in include/filter.h, term for term; the
 * kernel tests run every filter both ways.
 */
#ifndef GNV_FILTER_BPF_H
#define GNV_FILTER_BPF_H

#include "gnvtrace.h"

/* linux/bpf.h's, eBPF's (libpcap's classic BPF has one of that name too). */
struct bpf_insn;

/* Instructions the largest program of GNV_MAX_TERMS terms can take. */
#define GNV_FILTER_BPF_MAX	4096

/*
 * Writes the body of gnv_filter_xdp(ctx, pkt, idx) or gnv_filter_tc(...)
 * (prog_type BPF_PROG_TYPE_XDP or _SCHED_CLS) into insns: 1 when f
 * matches the packet pkt points to, 0 when not (idx is the
 * interpreter's alone); byte expressions read the frame through ctx. The
 * instruction count, or -EINVAL for a term program that jumps backwards
 * or past its end (the compiler makes none) or a byte expression with an
 * instruction it does not translate.
 */
int gnv_filter_to_bpf(const struct gnv_filter *f, int prog_type,
		      struct bpf_insn *insns);

/* 0 when f compiles for either program type, or -EINVAL. */
int gnv_filter_bpf_check(const struct gnv_filter *f);

#endif /* GNV_FILTER_BPF_H */
