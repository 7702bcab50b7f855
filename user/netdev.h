/* SPDX-License-Identifier: MIT */
#ifndef GNV_NETDEV_H
#define GNV_NETDEV_H

/*
 * 1 when ifname is a Geneve device (OVS's genev_sys_6081, or any "ip link
 * add ... type geneve"), whose packets are already decapsulated; 0 for
 * anything else; a negative errno when it cannot be asked.
 */
int gnv_is_geneve_dev(const char *ifname);

#endif /* GNV_NETDEV_H */
