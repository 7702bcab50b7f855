/* SPDX-License-Identifier: MIT */
/*
 * The one clock for time spans: CLOCK_MONOTONIC, which the kernel's
 * bpf_ktime_get_ns() reads too, so live events' times compare with it.
 */
#ifndef GNV_CLOCK_H
#define GNV_CLOCK_H

#include <time.h>
#include <linux/types.h>

static inline __u64 gnv_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline __u64 gnv_mono_ms(void)
{
	return gnv_mono_ns() / 1000000;
}

/* What to add to a CLOCK_MONOTONIC time for the wall-clock time. */
static inline __s64 gnv_mono_to_real_ns(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (real.tv_sec - mono.tv_sec) * 1000000000LL +
	       (real.tv_nsec - mono.tv_nsec);
}

static inline double gnv_mono_s(void)
{
	return gnv_mono_ns() / 1e9;
}

#endif /* GNV_CLOCK_H */
