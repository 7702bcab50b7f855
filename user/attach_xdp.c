// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attach_xdp.h"

static int link_xdp(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);

	return fd < 0 ? -errno : fd;
}

static void explain(int err, int ifindex, const char *ifname, int native)
{
	__u32 other = 0;

	if ((err == -EBUSY || err == -EEXIST) &&
	    !bpf_xdp_query_id(ifindex, 0, &other) && other)
		fprintf(stderr, "gnvtrace: another XDP program (id %u) is "
			"attached to %s; gnvtrace does not replace it\n",
			other, ifname);
	else if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "gnvtrace: not allowed to attach to %s: run "
			"as root\n", ifname);
	else if (native && err == -EOPNOTSUPP)
		fprintf(stderr, "gnvtrace: %s's driver has no native XDP: use "
			"--xdp-mode generic (or auto)\n", ifname);
	else if (err == -EINVAL)
		fprintf(stderr, "gnvtrace: failed to attach XDP to %s: %s "
			"(XDP links need Linux 5.9 or later)\n", ifname,
			strerror(-err));
	else
		fprintf(stderr, "gnvtrace: failed to attach XDP to %s: %s\n",
			ifname, strerror(-err));
}

int gnv_xdp_attach(struct gnv_xdp *x, int prog_fd, const char *ifname,
		   enum gnv_xdp_mode mode)
{
	int ifindex = if_nametoindex(ifname), fd;

	x->link_fd = -1;
	x->generic = 0;
	if (!ifindex) {
		fprintf(stderr, "gnvtrace: no such interface '%s'\n", ifname);
		return -ENODEV;
	}
	if (mode != GNV_XDP_GENERIC) {
		fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
		if (fd >= 0) {
			x->link_fd = fd;
			return 0;
		}
		if (mode == GNV_XDP_NATIVE || fd != -EOPNOTSUPP) {
			explain(fd, ifindex, ifname, 1);
			return fd;
		}
		fprintf(stderr, "gnvtrace: %s's driver has no native XDP: "
			"attaching in generic mode (slower)\n", ifname);
	}
	fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
	if (fd < 0) {
		explain(fd, ifindex, ifname, 0);
		return fd;
	}
	x->link_fd = fd;
	x->generic = 1;
	return 0;
}

void gnv_xdp_detach(struct gnv_xdp *x)
{
	if (x->link_fd >= 0)
		close(x->link_fd);
	x->link_fd = -1;
}
