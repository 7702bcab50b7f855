/* SPDX-License-Identifier: MIT */
#ifndef GNV_NETDEV_H
#define GNV_NETDEV_H

#include <stddef.h>

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

#endif /* GNV_NETDEV_H */
