// SPDX-License-Identifier: MIT
/*
 * The kernel's "netdev" generic netlink family (Linux 6.3): what a
 * device's driver offers XDP programs. Debian 12's headers predate it, so
 * the few numbers used are spelled out here, as the kernel's uapi
 * linux/netdev.h has them.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "netdev.h"

#define NETDEV_CMD_DEV_GET			1
#define NETDEV_A_DEV_IFINDEX			1
#define NETDEV_A_DEV_XDP_RX_METADATA_FEATURES	5	/* Linux 6.8 */

struct genl_req {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[64];
};

static void put_attr(struct genl_req *r, __u16 type, const void *data,
		     __u16 len)
{
	struct nlattr *a = (void *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/*
 * One request, one answer: the answer's attribute want copied into out
 * (at most len bytes). 0 when found, -ENOENT when the answer lacks it, or
 * the kernel's negative errno (-ENOENT too for an unknown family).
 */
static int genl_ask(int fd, struct genl_req *r, __u16 want, void *out,
		    size_t len)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nh = (void *)buf;
	struct nlattr *a;
	ssize_t n;
	int left;

	if (send(fd, r, r->nh.nlmsg_len, 0) < 0)
		return -errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	if (!NLMSG_OK(nh, (size_t)n))
		return -EBADMSG;
	if (nh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nh);

		return e->error ? e->error : -ENOENT;
	}
	a = (void *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);
	left = nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (; left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= left;
	     left -= NLA_ALIGN(a->nla_len),
	     a = (void *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if ((a->nla_type & NLA_TYPE_MASK) != want)
			continue;
		if ((size_t)(a->nla_len - NLA_HDRLEN) < len)
			len = a->nla_len - NLA_HDRLEN;
		memcpy(out, (char *)a + NLA_HDRLEN, len);
		return 0;
	}
	return -ENOENT;
}

static void start(struct genl_req *r, __u16 family, __u8 cmd, __u8 version)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nh.nlmsg_type = family;
	r->nh.nlmsg_flags = NLM_F_REQUEST;
	r->gh.cmd = cmd;
	r->gh.version = version;
}

int gnv_netdev_xdp_rx_metadata(int ifindex, __u64 *features)
{
	struct timeval wait = { .tv_sec = 2 };	/* the kernel answers at once */
	struct genl_req r;
	__u16 family = 0;
	__u32 idx = ifindex;
	int fd, err;

	*features = 0;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
	start(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, "netdev", sizeof("netdev"));
	err = genl_ask(fd, &r, CTRL_ATTR_FAMILY_ID, &family, sizeof(family));
	if (!err) {
		start(&r, family, NETDEV_CMD_DEV_GET, 1);
		put_attr(&r, NETDEV_A_DEV_IFINDEX, &idx, sizeof(idx));
		err = genl_ask(fd, &r, NETDEV_A_DEV_XDP_RX_METADATA_FEATURES,
			       features, sizeof(*features));
	}
	close(fd);
	/* No such family, no such attribute: a kernel that offers nothing. */
	return err == -ENOENT ? 0 : err;
}
