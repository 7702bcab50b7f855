/* SPDX-License-Identifier: MIT */
/*
 * Builds Geneve frames from a description: the demo's traffic, the test
 * fixtures and the benchmark packets all come from here, so every one of
 * them is a well-formed frame with correct lengths and checksums.
 */
#ifndef GNV_PKTCRAFT_H
#define GNV_PKTCRAFT_H

#include <stddef.h>
#include <linux/types.h>

#define PKT_MAX_EXTRA_OPTS	4

struct pkt_opt {
	__u16 cls;
	__u8 type;
	__u8 len;		/* data bytes, a multiple of 4, <= 124 */
	__u8 data[124];
};

struct pkt_spec {
	/* Underlay */
	int outer_family;		/* 4 or 6 */
	const char *outer_src;
	const char *outer_dst;
	__u16 outer_sport;
	__u16 outer_dport;		/* 0: 6081 */
	int n_vlans;
	__u16 vlan[2];			/* outermost first; 2 tags: 802.1ad+802.1Q */
	/* Geneve */
	int vxlan;			/* OVN's VXLAN instead: vni (12 bits)
					 * and ovn_outport in the VNI */
	__u32 vni;
	__u16 geneve_proto;		/* 0: 0x6558 (inner Ethernet) */
	int oam, critical;
	int ovn;			/* add the OVN option */
	__u16 ovn_inport, ovn_outport;
	int n_extra_opts;		/* other options, after OVN's */
	struct pkt_opt extra_opts[PKT_MAX_EXTRA_OPTS];
	/* Overlay */
	__u8 inner_eth_src[6];
	__u8 inner_eth_dst[6];
	__u16 inner_vlan;		/* 0: untagged */
	int inner_family;		/* 4 or 6; ignored for ARP */
	const char *inner_src;
	const char *inner_dst;
	int inner_proto;		/* IPPROTO_* or PKT_ARP */
	__u8 icmp_type, icmp_code;
	__u16 icmp_id, icmp_seq;
	__u16 sport, dport;
	__u8 tcp_flags;
	__u16 tcp_mss;			/* an MSS option (SYNs), 0: none */
	__u32 tcp_seq;
	__u16 arp_op;
	size_t payload_len;		/* bytes after the inner L4 header */
	const __u8 *payload;		/* their bytes; NULL: a ping's pattern */
};

#define PKT_ARP	0x10000

/* A spec for Geneve+OVN ICMP echo over IPv4, for callers to adjust. */
void pkt_spec_default(struct pkt_spec *s);

/*
 * Writes the frame into buf. Returns its length, or 0 when it does not fit
 * in cap or an address does not parse.
 */
size_t pkt_build(const struct pkt_spec *s, __u8 *buf, size_t cap);

/*
 * A router's ICMP "fragmentation needed" (IPv4) or ICMPv6 "packet too
 * big" announcing mtu, sent from router to the tunnel frame s would be,
 * quoting it as routers do (from its IP header, up to 576 or 1280 bytes
 * in all). The frame's length, or 0 if it does not fit cap.
 */
size_t pkt_build_too_big(const struct pkt_spec *s, const char *router,
			 __u32 mtu, __u8 *buf, size_t cap);

#endif /* GNV_PKTCRAFT_H */
