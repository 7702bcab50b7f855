// SPDX-License-Identifier: MIT
#include <string.h>

#include "parse.h"
#include "inner_frame.h"

#define ETH_ADDRS	12	/* the two MAC addresses */
#define TAG_LEN		4

size_t gnv_inner_frame(const __u8 *data, size_t caplen,
		       const struct gnv_pkt *p, __u8 *buf, size_t len)
{
	const __u8 *in;
	size_t in_len;
	size_t tags = 0;

	/* A Geneve device's frame is the inner one: no options before it. */
	size_t start = (p->flags & GNV_F_DECAP) ? 0 :
		       (size_t)p->opts_off + p->opts_len;

	if (!(p->flags & GNV_F_INNER_ETH) || (p->flags & GNV_F_VXLAN) ||
	    start + ETH_ADDRS + 2 > caplen)
		return 0;
	in = data + start;
	in_len = data + caplen - in;
	/* As many tags as the parser takes, outermost first. */
	while (tags < GNV_MAX_VLANS &&
	       in_len >= ETH_ADDRS + TAG_LEN * (tags + 1) + 2) {
		const __u8 *tpid = in + ETH_ADDRS + TAG_LEN * tags;

		if (!(tpid[0] == 0x81 && tpid[1] == 0x00) &&
		    !(tpid[0] == 0x88 && tpid[1] == 0xa8))
			break;
		tags++;
	}
	in_len -= TAG_LEN * tags;
	if (in_len > len)
		return 0;
	memcpy(buf, in, ETH_ADDRS);
	memcpy(buf + ETH_ADDRS, in + ETH_ADDRS + TAG_LEN * tags,
	       in_len - ETH_ADDRS);
	return in_len;
}

int gnv_inner_ipv6_ext(const __u8 *frame, size_t len)
{
	__u8 nh;

	if (len < 14 + 40 || frame[12] != 0x86 || frame[13] != 0xdd)
		return 0;
	nh = frame[14 + 6];
	return nh == GNV_IPPROTO_HOPOPTS || nh == GNV_IPPROTO_ROUTING ||
	       nh == GNV_IPPROTO_FRAGMENT || nh == GNV_IPPROTO_AH ||
	       nh == GNV_IPPROTO_DSTOPTS;
}
