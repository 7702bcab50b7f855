/* SPDX-License-Identifier: MIT */
/*
 * Room health/ (uses lib/, filter/): the tunnels' health. This header:
 * BFD (RFC 5880), which Open vSwitch runs inside Geneve between the
 * chassis for OVN's gateways: its control packets decoded.
 */
#ifndef GNV_BFD_H
#define GNV_BFD_H

#include <stddef.h>
#include <linux/types.h>

#include "gnvtrace.h"

#define GNV_BFD_LEN		24	/* the mandatory section */

enum gnv_bfd_state {
	GNV_BFD_ADMIN_DOWN, GNV_BFD_DOWN, GNV_BFD_INIT, GNV_BFD_UP,
};

/* The flags, as RFC 5880's letters. */
#define GNV_BFD_POLL		(1 << 5)
#define GNV_BFD_FINAL		(1 << 4)
#define GNV_BFD_CPI		(1 << 3)	/* control plane independent */
#define GNV_BFD_AUTH		(1 << 2)
#define GNV_BFD_DEMAND		(1 << 1)
#define GNV_BFD_MULTIPOINT	(1 << 0)

struct gnv_bfd {
	__u8 version, diag, state, flags;
	__u8 detect_mult, len;
	__u32 my_disc, your_disc;
	__u32 desired_min_tx_us, required_min_rx_us, required_min_echo_rx_us;
};

/* Whether a parsed packet carries BFD: inner UDP to port 3784. */
int gnv_is_bfd(const struct gnv_pkt *p);

/*
 * The BFD control packet of a parsed frame (data, caplen bytes: the whole
 * Geneve frame, or on a Geneve device the inner one): 0 with *b, -EINVAL
 * when it is no BFD packet, -ENODATA when its bytes are not all there.
 */
int gnv_bfd_of_frame(const __u8 *data, size_t caplen, const struct gnv_pkt *p,
		     struct gnv_bfd *b);

/* "AdminDown", "Down", "Init", "Up"; RFC 5880's diagnostic names. */
const char *gnv_bfd_state_name(int state);
const char *gnv_bfd_diag_name(int diag);

#endif /* GNV_BFD_H */
