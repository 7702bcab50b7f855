// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "attach_xdp.h"
#include "loader.h"
#include "netdev.h"

static int link_xdp(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

/*
 * Why the driver refused: a bpf_link attach carries no extended ack, so
 * the same program is offered once more through netlink, which does, and
 * never in place of another program (UPDATE_IF_NOEXIST). Should the
 * driver take it this time, it is taken off again at once.
 */
static void kernel_reason(int prog_fd, int ifindex, char *buf, size_t len)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = prog_fd);
	__u32 flags = XDP_FLAGS_DRV_MODE | XDP_FLAGS_UPDATE_IF_NOEXIST;

	gnv_libbpf_catch_extack(buf, len);
	if (!bpf_xdp_attach(ifindex, prog_fd, flags, NULL))
		bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE,
			       &opts);
	gnv_libbpf_catch_extack(NULL, 0);
}

/*
 * What refused and why, in the kernel's words where it gave some: "tb
 * (veth, MTU 9000) refused native XDP: the kernel says "Peer MTU is too
 * large to set XDP" (Numerical result out of range)".
 */
static void describe_refusal(char *out, size_t len, int err, int prog_fd,
			     int ifindex, const char *ifname)
{
	char driver[32] = "", reason[256] = "";
	int mtu = gnv_netdev_mtu(ifname);

	kernel_reason(prog_fd, ifindex, reason, sizeof(reason));
	gnv_netdev_driver(ifname, driver, sizeof(driver));
	/* The core's own answer for a driver without XDP says no more. */
	if (err == -EOPNOTSUPP && (!reason[0] || strstr(reason, "native mode")))
		snprintf(out, len, "%s's driver%s%s has no native XDP", ifname,
			 driver[0] ? " " : "", driver);
	else
		snprintf(out, len, "%s (%s%sMTU %d) refused native XDP: %s%s%s"
			 "(%s)", ifname, driver, driver[0] ? ", " : "", mtu,
			 reason[0] ? "the kernel says \"" : "", reason,
			 reason[0] ? "\" " : "", strerror(-err));
}

/* Errors no mode can help with: said as they are. */
static void explain(int err, int ifindex, const char *ifname)
{
	__u32 other = 0;

	if ((err == -EBUSY || err == -EEXIST) &&
	    !bpf_xdp_query_id(ifindex, 0, &other) && other)
		pr_warn("another XDP program (id %u) is "
			"attached to %s; gnvtrace does not replace it\n",
			other, ifname);
	else if (err == -EPERM || err == -EACCES)
		pr_warn("not allowed to attach to %s: run "
			"as root\n", ifname);
	else
		pr_warn("failed to attach XDP to %s: %s\n",
			ifname, strerror(-err));
}

/* A refusal of native mode that generic mode does not share. */
static int generic_may_serve(int err)
{
	return err != -EBUSY && err != -EEXIST && err != -EPERM &&
	       err != -EACCES && err != -ENODEV;
}

/*
 * A NIC that strips VLAN tags hands XDP frames without them; unless the
 * program reads them from the driver, that is said once, with what to do.
 * veth has the feature bit but no hardware: it strips no tag from a frame.
 */
static void warn_vlan_stripping(const struct gnv_xdp *x, const char *ifname)
{
	char driver[32] = "";

	if (x->vlan_meta || gnv_netdev_strips_vlan(ifname) != 1 ||
	    gnv_netdev_driver(ifname, driver, sizeof(driver)) ||
	    !strcmp(driver, "veth"))
		return;
	pr_warn("%s strips VLAN tags before XDP sees them "
		"(rx-vlan-offload), and %s: underlay VLAN IDs coming in show "
		"only with 'ethtool -K %s rxvlan off'\n", ifname,
		x->generic ? "generic XDP cannot read them" :
			     "its driver does not hand them to XDP programs",
		ifname);
}

int gnv_xdp_attach(struct gnv_xdp *x, int prog_fd, int bound_fd,
		   const char *ifname, enum gnv_xdp_mode mode)
{
	int ifindex = if_nametoindex(ifname), fd;
	int native_fd = bound_fd >= 0 ? bound_fd : prog_fd;
	char why[512];

	x->link_fd = -1;
	x->generic = 0;
	x->vlan_meta = 0;
	if (!ifindex) {
		pr_warn("no such interface '%s'\n", ifname);
		return -ENODEV;
	}
	if (mode != GNV_XDP_GENERIC) {
		fd = link_xdp(native_fd, ifindex, XDP_FLAGS_DRV_MODE);
		if (fd >= 0) {
			x->vlan_meta = native_fd == bound_fd;
			goto attached;
		}
		if (!generic_may_serve(fd)) {
			explain(fd, ifindex, ifname);
			return fd;
		}
		describe_refusal(why, sizeof(why), fd, native_fd, ifindex,
				 ifname);
		if (mode == GNV_XDP_NATIVE) {
			pr_warn("%s; use --xdp-mode generic "
				"(or auto)\n", why);
			return fd;
		}
		pr_warn("%s; attaching in generic mode "
			"(slower: each frame is made an skb before the "
			"program sees it)\n", why);
	}
	/* A program bound to a device attaches only natively. */
	fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
	if (fd < 0) {
		explain(fd, ifindex, ifname);
		return fd;
	}
	x->generic = 1;
attached:
	x->link_fd = fd;
	warn_vlan_stripping(x, ifname);
	return 0;
}

void gnv_xdp_detach(struct gnv_xdp *x)
{
	if (x->link_fd >= 0)
		close(x->link_fd);
	x->link_fd = -1;
}
