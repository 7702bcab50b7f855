/* SPDX-License-Identifier: MIT */
/* The kernel's (or the host path's) counters of a run, summed over CPUs. */
#ifndef GNV_COUNTS_H
#define GNV_COUNTS_H

#include "gnvtrace.h"

/* Indexed by enum gnv_stat. */
struct gnv_counts {
	__u64 v[GNV_STAT_MAX];
};

#endif /* GNV_COUNTS_H */
