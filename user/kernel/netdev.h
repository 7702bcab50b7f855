/* SPDX-License-Identifier: MIT */
#ifndef GNV_NETDEV_H
#define GNV_NETDEV_H

#include <stddef.h>
#include <linux/types.h>

/*
 * 1 when ifname is a Geneve device (OVS's genev_sys_6081, or any "ip link
 * add ... type geneve"), whose packets are already decapsulated; 0 for
 * anything else; a negative errno when it cannot be asked.
 */
int gnv_is_geneve_dev(const char *ifname);

/*
 * The driver's name as `ethtool -i` shows it into buf ("" when the device
 * does not say), or a negative errno.
 */
int gnv_netdev_driver(const char *ifname, char *buf, size_t len);

/*
 * 1 when the device takes VLAN tags off received frames before any program
 * sees them (rx VLAN offload, `ethtool -k`'s rx-vlan-offload), 0 when not,
 * or a negative errno.
 */
int gnv_netdev_strips_vlan(const char *ifname);

/* The device's MTU, or a negative errno. */
int gnv_netdev_mtu(const char *ifname);

/*
 * What the device's driver hands native XDP programs besides the frame
 * (the kernel's "netdev" netlink family, xdp-rx-metadata-features: kfuncs
 * a program bound to the device may call), as NETDEV_XDP_RX_METADATA_*
 * bits into *features: 0 on kernels before 6.8 and drivers without any.
 * 0, or a negative errno when the kernel could not be asked.
 */
#define NETDEV_XDP_RX_METADATA_VLAN_TAG	4	/* bpf_xdp_metadata_rx_vlan_tag */
int gnv_netdev_xdp_rx_metadata(int ifindex, __u64 *features);

#endif /* GNV_NETDEV_H */
