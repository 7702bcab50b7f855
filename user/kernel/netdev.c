// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netdev.h"

/* One ioctl on a throwaway socket; 0 or a negative errno. */
static int netdev_ioctl(const char *ifname, unsigned long req,
			struct ifreq *ifr)
{
	int fd, err = 0;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENODEV;
	strcpy(ifr->ifr_name, ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, req, ifr) < 0)
		err = -errno;
	close(fd);
	return err;
}

int gnv_netdev_driver(const char *ifname, char *buf, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	int err = netdev_ioctl(ifname, SIOCETHTOOL, &ifr);

	if (err == -EOPNOTSUPP) {
		info.driver[0] = 0;
		err = 0;
	}
	if (!err)
		snprintf(buf, len, "%.*s", (int)sizeof(info.driver), info.driver);
	return err;
}

int gnv_netdev_mtu(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int err = netdev_ioctl(ifname, SIOCGIFMTU, &ifr);

	return err ? err : ifr.ifr_mtu;
}

int gnv_netdev_strips_vlan(const char *ifname)
{
	struct ethtool_value v = { .cmd = ETHTOOL_GFLAGS };
	struct ifreq ifr = { .ifr_data = (void *)&v };
	int err = netdev_ioctl(ifname, SIOCETHTOOL, &ifr);

	if (err == -EOPNOTSUPP)
		return 0;
	return err ? err : !!(v.data & ETH_FLAG_RXVLAN);
}

/* The driver's name, as `ethtool -i` shows it: "geneve" for all of them. */
int gnv_is_geneve_dev(const char *ifname)
{
	char driver[32];
	int err = gnv_netdev_driver(ifname, driver, sizeof(driver));

	return err ? err : !strcmp(driver, "geneve");
}
