// SPDX-License-Identifier: MIT
/* Geneve frame builder: see pktcraft.h. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "gnvtrace.h"
#include "parse.h"
#include "pktcraft.h"

struct writer {
	__u8 *buf;
	size_t len, cap;
	int overflow;
};

static __u8 *put(struct writer *w, size_t n)
{
	__u8 *p;

	if (w->len + n > w->cap) {
		w->overflow = 1;
		return NULL;
	}
	p = w->buf + w->len;
	memset(p, 0, n);
	w->len += n;
	return p;
}

static void wr16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void wr32(__u8 *p, __u32 v)
{
	wr16(p, v >> 16);
	wr16(p + 2, v);
}

static __u32 csum_add(__u32 sum, const __u8 *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += p[n - 1] << 8;
	return sum;
}

static __u16 csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void put_eth(struct writer *w, const __u8 *dst, const __u8 *src,
		    const __u16 *vlans, const __u16 *tpids, int n_vlans,
		    __u16 proto)
{
	__u8 *h = put(w, 14 + 4 * n_vlans);

	if (!h)
		return;
	memcpy(h, dst, 6);
	memcpy(h + 6, src, 6);
	h += 12;
	for (int i = 0; i < n_vlans; i++, h += 4) {
		wr16(h, tpids[i]);
		wr16(h + 2, vlans[i]);
	}
	wr16(h, proto);
}

/* An IP header with room for the payload filled in later by fix_ip(). */
static size_t put_ip(struct writer *w, int family, const __u8 *src,
		     const __u8 *dst, __u8 proto)
{
	size_t at = w->len;
	__u8 *h;

	if (family == 4) {
		h = put(w, 20);
		if (!h)
			return at;
		h[0] = 0x45;
		h[6] = 0x40;	/* DF */
		h[8] = 64;
		h[9] = proto;
		memcpy(h + 12, src, 4);
		memcpy(h + 16, dst, 4);
	} else {
		h = put(w, 40);
		if (!h)
			return at;
		h[0] = 0x60;
		h[6] = proto;
		h[7] = 64;
		memcpy(h + 8, src, 16);
		memcpy(h + 24, dst, 16);
	}
	return at;
}

/* Lengths and the IPv4 header checksum, once the payload is written. */
static void fix_ip(struct writer *w, int family, size_t at)
{
	__u8 *h = w->buf + at;

	if (family == 4) {
		wr16(h + 2, w->len - at);
		wr16(h + 10, 0);
		wr16(h + 10, csum_fold(csum_add(0, h, 20)));
	} else {
		wr16(h + 4, w->len - at - 40);
	}
}

/* The L4 checksum over the pseudo-header, for UDP, TCP and ICMPv6. */
static void fix_l4_csum(struct writer *w, int family, size_t ip_at,
			size_t l4_at, __u8 proto, size_t csum_off)
{
	__u8 *ip = w->buf + ip_at, *l4 = w->buf + l4_at;
	size_t len = w->len - l4_at;
	__u32 sum = 0;
	__u16 c;

	if (proto != IPPROTO_ICMP) {
		if (family == 4)
			sum = csum_add(sum, ip + 12, 8);
		else
			sum = csum_add(sum, ip + 8, 32);
		sum += proto + (__u32)len;
	}
	wr16(l4 + csum_off, 0);
	c = csum_fold(csum_add(sum, l4, len));
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	wr16(l4 + csum_off, c);
}

static int parse_addr(int family, const char *text, __u8 *out)
{
	return inet_pton(family == 6 ? AF_INET6 : AF_INET, text, out) == 1;
}

static void put_inner(struct writer *w, const struct pkt_spec *s)
{
	static const __u16 tpid_q[1] = { 0x8100 };
	__u8 src[16] = {}, dst[16] = {};
	size_t ip_at, l4_at, csum_off;
	int fam = s->inner_family;
	__u16 ethertype;
	__u8 proto;
	__u8 *h;

	if (!parse_addr(fam, s->inner_src, src) ||
	    !parse_addr(fam, s->inner_dst, dst)) {
		w->overflow = 1;
		return;
	}
	if (s->inner_proto == PKT_ARP)
		ethertype = 0x0806;
	else
		ethertype = fam == 6 ? 0x86DD : 0x0800;
	if (!s->geneve_proto || s->geneve_proto == ETH_P_TEB)
		put_eth(w, s->inner_eth_dst, s->inner_eth_src, &s->inner_vlan,
			tpid_q, s->inner_vlan ? 1 : 0, ethertype);

	if (s->inner_proto == PKT_ARP) {
		h = put(w, 28);
		if (!h)
			return;
		wr16(h, 1);
		wr16(h + 2, 0x0800);
		h[4] = 6;
		h[5] = 4;
		wr16(h + 6, s->arp_op);
		memcpy(h + 8, s->inner_eth_src, 6);
		memcpy(h + 14, src, 4);
		memcpy(h + 24, dst, 4);
		return;
	}

	proto = s->inner_proto;
	ip_at = put_ip(w, fam, src, dst, proto);
	l4_at = w->len;
	switch (proto) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		h = put(w, 8);
		if (!h)
			return;
		h[0] = s->icmp_type;
		h[1] = s->icmp_code;
		wr16(h + 4, s->icmp_id);
		wr16(h + 6, s->icmp_seq);
		csum_off = 2;
		break;
	case IPPROTO_TCP:
		h = put(w, s->tcp_mss ? 24 : 20);
		if (!h)
			return;
		wr16(h, s->sport);
		wr16(h + 2, s->dport);
		wr32(h + 4, s->tcp_seq);
		h[12] = (s->tcp_mss ? 6 : 5) << 4;
		h[13] = s->tcp_flags;
		wr16(h + 14, 64240);
		if (s->tcp_mss) {
			h[20] = 2;	/* MSS, 4 bytes */
			h[21] = 4;
			wr16(h + 22, s->tcp_mss);
		}
		csum_off = 16;
		break;
	case IPPROTO_UDP:
		h = put(w, 8);
		if (!h)
			return;
		wr16(h, s->sport);
		wr16(h + 2, s->dport);
		csum_off = 6;
		break;
	default:
		csum_off = (size_t)-1;
		break;
	}
	h = put(w, s->payload_len);
	for (size_t i = 0; h && i < s->payload_len; i++)
		h[i] = s->payload ? s->payload[i] :
				    0x10 + i % 0x30; /* ping's, near enough */
	if (w->overflow)
		return;
	if (proto == IPPROTO_UDP)
		wr16(w->buf + l4_at + 4, w->len - l4_at);
	if (csum_off != (size_t)-1)
		fix_l4_csum(w, fam, ip_at, l4_at, proto, csum_off);
	fix_ip(w, fam, ip_at);
}

static void put_opt(struct writer *w, __u16 cls, __u8 type, __u8 len,
		    const __u8 *data)
{
	__u8 *h = put(w, 4 + len);

	if (!h)
		return;
	wr16(h, cls);
	h[2] = type;
	h[3] = len / 4;
	memcpy(h + 4, data, len);
}

/* OVN's VXLAN header: egress port key (12 bits) above datapath key. */
static void put_ovn_vxlan(struct writer *w, const struct pkt_spec *s)
{
	__u32 vni = gnv_ovn_vxlan_vni(s->vni, s->ovn_outport);
	__u8 *h = put(w, VXLAN_HDR_LEN);

	if (!h)
		return;
	memset(h, 0, VXLAN_HDR_LEN);
	h[0] = VXLAN_FLAG_VNI;
	h[4] = vni >> 16;
	h[5] = vni >> 8;
	h[6] = vni;
}

size_t pkt_build(const struct pkt_spec *s, __u8 *buf, size_t cap)
{
	static const __u16 tpids[2][2] = { { 0x8100 }, { 0x88A8, 0x8100 } };
	static const __u8 nic_dst[6] = { 0x52, 0x54, 0x00, 0x0c, 0xeb, 0x7c };
	static const __u8 nic_src[6] = { 0x52, 0x54, 0x00, 0x3a, 0x11, 0x02 };
	struct writer w = { .buf = buf, .cap = cap };
	__u8 src[16] = {}, dst[16] = {};
	size_t ip_at, udp_at, opts_at;
	int fam = s->outer_family;
	__u8 *g;

	if (!parse_addr(fam, s->outer_src, src) ||
	    !parse_addr(fam, s->outer_dst, dst) || s->n_vlans > 2)
		return 0;
	put_eth(&w, nic_dst, nic_src, s->vlan, tpids[s->n_vlans > 1],
		s->n_vlans, fam == 6 ? 0x86DD : 0x0800);
	ip_at = put_ip(&w, fam, src, dst, IPPROTO_UDP);
	udp_at = w.len;
	g = put(&w, 8);
	if (g) {
		wr16(g, s->outer_sport);
		wr16(g + 2, s->outer_dport ? s->outer_dport :
			    s->vxlan ? VXLAN_UDP_PORT : GENEVE_UDP_PORT);
	}
	if (s->vxlan) {
		put_ovn_vxlan(&w, s);
		goto inner;
	}

	g = put(&w, GENEVE_HDR_LEN);
	opts_at = w.len;
	if (s->ovn) {
		__u8 d[4];

		wr16(d, s->ovn_inport & 0x7fff);
		wr16(d + 2, s->ovn_outport);
		put_opt(&w, OVN_GENEVE_CLASS, OVN_GENEVE_TYPE, 4, d);
	}
	for (int i = 0; i < s->n_extra_opts && i < PKT_MAX_EXTRA_OPTS; i++)
		put_opt(&w, s->extra_opts[i].cls, s->extra_opts[i].type,
			s->extra_opts[i].len, s->extra_opts[i].data);
	if (w.overflow || w.len - opts_at > GENEVE_MAX_OPTS_LEN)
		return 0;
	g = w.buf + opts_at - GENEVE_HDR_LEN;
	g[0] = (w.len - opts_at) / 4;
	g[1] = (s->oam ? 0x80 : 0) | (s->critical ? 0x40 : 0);
	wr16(g + 2, s->geneve_proto ? s->geneve_proto : ETH_P_TEB);
	g[4] = s->vni >> 16;
	g[5] = s->vni >> 8;
	g[6] = s->vni;
inner:
	put_inner(&w, s);
	if (w.overflow)
		return 0;
	wr16(w.buf + udp_at + 4, w.len - udp_at);
	fix_l4_csum(&w, fam, ip_at, udp_at, IPPROTO_UDP, 6);
	fix_ip(&w, fam, ip_at);
	return w.len;
}

size_t pkt_build_too_big(const struct pkt_spec *s, const char *router,
			 __u32 mtu, __u8 *buf, size_t cap)
{
	static const __u8 nic_dst[6] = { 0x52, 0x54, 0x00, 0x3a, 0x11, 0x02 };
	static const __u8 rtr_src[6] = { 0x52, 0x54, 0x00, 0x99, 0x00, 0x01 };
	struct writer w = { .buf = buf, .cap = cap };
	int fam = s->outer_family;
	__u8 frame[GNV_SNAP_MAX], from[16] = {};
	size_t len = pkt_build(s, frame, sizeof(frame));
	size_t link = 14 + 4 * s->n_vlans, quote, ip_at, icmp_at;
	__u8 *h;

	if (!len || !parse_addr(fam, router, from))
		return 0;
	/* What RFC 1812 and RFC 4443 have a router quote: up to 576/1280. */
	quote = len - link;
	if (quote > (fam == 4 ? 576 - 20 - 8 : 1280 - 40 - 8))
		quote = fam == 4 ? 576 - 20 - 8 : 1280 - 40 - 8;
	put_eth(&w, nic_dst, rtr_src, NULL, NULL, 0,
		fam == 6 ? 0x86DD : 0x0800);
	/* To the tunnel's sender, the quoted header's source. */
	ip_at = put_ip(&w, fam, from, frame + link + (fam == 4 ? 12 : 8),
		       fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	icmp_at = w.len;
	h = put(&w, 8);
	if (h) {
		h[0] = fam == 4 ? 3 : 2;
		h[1] = fam == 4 ? 4 : 0;
		if (fam == 4)
			wr16(h + 6, mtu);
		else
			wr32(h + 4, mtu);
	}
	h = put(&w, quote);
	if (!h)
		return 0;
	memcpy(h, frame + link, quote);
	fix_l4_csum(&w, fam, ip_at, icmp_at,
		    fam == 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, 2);
	fix_ip(&w, fam, ip_at);
	return w.len;
}

void pkt_spec_default(struct pkt_spec *s)
{
	static const __u8 vm1[6] = { 0xfa, 0x16, 0x3e, 0xa7, 0x95, 0x87 };
	static const __u8 vm2[6] = { 0xfa, 0x16, 0x3e, 0x1c, 0x42, 0x09 };

	memset(s, 0, sizeof(*s));
	s->outer_family = 4;
	s->outer_src = "172.17.2.119";
	s->outer_dst = "172.17.2.143";
	s->outer_sport = 51234;
	s->vni = 5;
	s->ovn = 1;
	s->ovn_inport = 1;
	s->ovn_outport = 3;
	memcpy(s->inner_eth_src, vm1, 6);
	memcpy(s->inner_eth_dst, vm2, 6);
	s->inner_family = 4;
	s->inner_src = "192.168.0.166";
	s->inner_dst = "192.168.0.20";
	s->inner_proto = IPPROTO_ICMP;
	s->icmp_type = 8;
	s->icmp_id = 2818;
	s->icmp_seq = 1;
	s->payload_len = 56;
}
