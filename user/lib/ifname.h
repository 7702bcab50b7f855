/* SPDX-License-Identifier: MIT */
#ifndef GNV_IFNAME_H
#define GNV_IFNAME_H

#include <linux/types.h>

/*
 * The interface name for an ifindex, from a small cache (an event stream
 * names the same few again and again); "if<N>" when it is gone.
 */
const char *gnv_ifname(__u32 ifindex);

#endif /* GNV_IFNAME_H */
