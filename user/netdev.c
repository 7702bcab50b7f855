// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netdev.h"

/* The driver's name, as `ethtool -i` shows it: "geneve" for all of them. */
int gnv_is_geneve_dev(const char *ifname)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	int fd, err = 0;

	if (strlen(ifname) >= IFNAMSIZ)
		return -ENODEV;
	strcpy(ifr.ifr_name, ifname);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0)
		err = errno == EOPNOTSUPP ? 0 : -errno;
	close(fd);
	if (err)
		return err;
	return !strcmp(info.driver, "geneve");
}
