/* SPDX-License-Identifier: MIT */
/*
 * The frames the host unit tests build (test_parse.c, test_filter.c):
 * pkt_spec_default() adjusted by a setup, built, then patched; and the
 * parse of one as gnvtrace does it.
 */
#ifndef GNV_UNIT_FRAMES_H
#define GNV_UNIT_FRAMES_H

#include "parse.h"
#include "lab/pktcraft.h"
#include "fixtures.h"
#include "test_util.h"

#define FRAME_MAX	2048
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The MACs pkt_spec_default() gives the inner frame. */
#define VM1	{ 0xfa, 0x16, 0x3e, 0xa7, 0x95, 0x87 }
#define VM2	{ 0xfa, 0x16, 0x3e, 0x1c, 0x42, 0x09 }

#define F_BASE		(GNV_F_OVN | GNV_F_INNER_ETH | GNV_F_INNER_L4)

struct frame {
	__u8 data[FRAME_MAX];
	size_t len;
};

typedef void (*setup_fn)(struct pkt_spec *s);
typedef void (*patch_fn)(struct frame *f);

/* pkt_spec_default(), adjusted by setup, built, then patched. */
static inline int make_frame(setup_fn setup, patch_fn patch, struct frame *f)
{
	struct pkt_spec s;

	pkt_spec_default(&s);
	if (setup)
		setup(&s);
	f->len = pkt_build(&s, f->data, sizeof(f->data));
	if (!ASSERT_GT(f->len, 0, "pkt_build"))
		return 0;
	if (patch)
		patch(f);
	return 1;
}

/* port 4789 stands for --vxlan (Geneve on 6081 as well), else Geneve's. */
static inline int parse(const struct frame *f, size_t len, __u16 port,
		 struct gnv_pkt *p)
{
	int vxlan = port == VXLAN_UDP_PORT;

	return gnv_parse_frame(f->data, f->data + len, GNV_LINK_ETH,
			       vxlan ? GENEVE_UDP_PORT : port,
			       vxlan ? VXLAN_UDP_PORT : 0, p);
}

static inline void no_opts(struct pkt_spec *s)
{
	s->ovn = 0;
}

static inline void icmp_reply(struct pkt_spec *s)
{
	s->icmp_type = 0;
}

#endif /* GNV_UNIT_FRAMES_H */
