/* SPDX-License-Identifier: MIT */
#ifndef GNV_INNER_FRAME_H
#define GNV_INNER_FRAME_H

#include <stddef.h>

#include "gnvtrace.h"

/*
 * The inner Ethernet frame of a parsed Geneve packet (data, caplen
 * bytes) as tcpdump's words see it in gnvtrace: its VLAN tags taken out,
 * since gnvtrace looks through them. Copied into buf (at most len bytes);
 * returns its length, or 0 when the packet has no inner Ethernet frame.
 */
size_t gnv_inner_frame(const __u8 *data, size_t caplen,
		       const struct gnv_pkt *p, __u8 *buf, size_t len);

/*
 * Whether such an inner frame's IPv6 header is followed by an extension
 * header: gnvtrace walks the chain for tcp, udp and their ports; tcpdump's
 * "ip6 proto" does not, so the two differ there by design.
 */
int gnv_inner_ipv6_ext(const __u8 *frame, size_t len);

#endif /* GNV_INNER_FRAME_H */
