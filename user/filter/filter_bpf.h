/* SPDX-License-Identifier: MIT */
/*
 * The filter's term program compiled to BPF instructions: the body that
 * replaces the kernel's gnv_filter_run() as the programs load, so that
 * each term costs a few compares and not an interpreter's round. Same
 * meaning as gnv_filter_match() in include/filter.h, term for term; the
 * kernel tests run every filter both ways.
 */
#ifndef GNV_FILTER_BPF_H
#define GNV_FILTER_BPF_H

#include <linux/bpf.h>

#include "gnvtrace.h"

/* Instructions the largest program of GNV_MAX_TERMS terms can take. */
#define GNV_FILTER_BPF_MAX	4096

/*
 * Writes the body of gnv_filter_run(pkt, idx) into insns: 1 when f
 * matches the packet pkt points to, 0 when not (idx is the interpreter's
 * alone). The instruction count, or -EINVAL for a term program that jumps
 * backwards or past its end (the compiler makes none).
 */
int gnv_filter_to_bpf(const struct gnv_filter *f, struct bpf_insn *insns);

#endif /* GNV_FILTER_BPF_H */
