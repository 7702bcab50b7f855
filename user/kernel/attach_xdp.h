/* SPDX-License-Identifier: MIT */
/*
 * Attaching the ingress program to a NIC through an XDP link: not pinned,
 * so it goes away with the process, and never in place of a program
 * someone else attached (the kernel refuses, and we say so).
 */
#ifndef GNV_ATTACH_XDP_H
#define GNV_ATTACH_XDP_H

enum gnv_xdp_mode { GNV_XDP_AUTO, GNV_XDP_NATIVE, GNV_XDP_GENERIC };

struct gnv_xdp {
	int link_fd;		/* -1 when not attached */
	int generic;		/* attached in generic (skb) mode */
	int vlan_meta;		/* the NIC's stripped VLAN tags are read */
};

/*
 * prog_fd in generic mode; in native mode bound_fd, the program bound to
 * this device that reads the VLAN tags its NIC strips, when there is one
 * (else -1), else prog_fd. 0, or a negative errno after one line on stderr.
 */
int gnv_xdp_attach(struct gnv_xdp *x, int prog_fd, int bound_fd,
		   const char *ifname, enum gnv_xdp_mode mode);
void gnv_xdp_detach(struct gnv_xdp *x);

#endif /* GNV_ATTACH_XDP_H */
