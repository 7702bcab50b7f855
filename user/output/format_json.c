// SPDX-License-Identifier: MIT
/*
 * One flat JSON object per line. Field names are an interface: later
 * versions add fields, never rename them (README lists them all).
 */
#include "filter.h"
#include "parse.h"
#include "health/bfd.h"
#include "lib/abi_names.h"
#include "lib/ifname.h"
#include "ovn/ovn_zones.h"
#include "format.h"

static void key_addr(struct outbuf *ob, const char *name, int family,
		     const __u8 *addr)
{
	ob_json_key(ob, name);
	ob_char(ob, '"');
	ob_addr(ob, family, addr);
	ob_char(ob, '"');
}

static void key_mac(struct outbuf *ob, const char *name, const __u8 *mac)
{
	ob_json_key(ob, name);
	ob_char(ob, '"');
	ob_mac(ob, mac);
	ob_char(ob, '"');
}

static void put_ts(struct outbuf *ob, __u64 ns)
{
	ob_str(ob, "{\"ts\":");
	ob_secs(ob, ns);
}

static void put_options(struct outbuf *ob, const struct gnv_event *ev)
{
	struct gnv_opt o;
	__u32 off;
	int n = 0;

	ob_json_key(ob, "options");
	ob_char(ob, '[');
	gnv_for_each_opt(ev->opts, ev->pkt.opts_len, off, o) {
		ob_str(ob, n++ ? ",{\"class\":" : "{\"class\":");
		ob_u64(ob, o.cls);
		ob_str(ob, ",\"type\":");
		ob_u64(ob, o.type);
		ob_str(ob, ",\"data\":\"");
		ob_hex(ob, o.data, o.len);
		ob_str(ob, "\"}");
	}
	ob_char(ob, ']');
}

static void put_inner_proto(struct outbuf *ob, const struct gnv_pkt *p)
{
	const char *name = gnv_proto_name(gnv_proto_of(p));

	if (!name && !p->inner_family)
		return;
	ob_json_key(ob, "inner_proto");
	if (name)
		ob_json_str(ob, name);
	else
		ob_u64(ob, p->inner_proto);
}

void gnv_json_inner(struct outbuf *ob, const struct gnv_pkt *p)
{
	int l4 = p->flags & GNV_F_INNER_L4;

	if (p->flags & GNV_F_INNER_ETH) {
		key_mac(ob, "inner_eth_src", p->inner_eth_src);
		key_mac(ob, "inner_eth_dst", p->inner_eth_dst);
		if (p->inner_vlan)
			ob_json_key_u64(ob, "inner_vlan", p->inner_vlan);
	}
	ob_json_key_u64(ob, "inner_ethertype", p->inner_ethertype);
	if (p->inner_family) {
		key_addr(ob, "inner_src", p->inner_family, p->inner_src);
		key_addr(ob, "inner_dst", p->inner_family, p->inner_dst);
	}
	put_inner_proto(ob, p);
	if (p->inner_ethertype == GNV_ETH_P_ARP)
		ob_json_key_u64(ob, "arp_op", p->arp_op);
	if (!l4)
		return;
	switch (p->inner_proto) {
	case GNV_IPPROTO_ICMP:
	case GNV_IPPROTO_ICMPV6:
		ob_json_key_u64(ob, "icmp_type", p->icmp_type);
		ob_json_key_u64(ob, "icmp_code", p->icmp_code);
		if ((p->inner_proto == GNV_IPPROTO_ICMP &&
		     (p->icmp_type == 8 || p->icmp_type == 0)) ||
		    (p->inner_proto == GNV_IPPROTO_ICMPV6 &&
		     (p->icmp_type == 128 || p->icmp_type == 129))) {
			ob_json_key_u64(ob, "icmp_id", p->icmp_id);
			ob_json_key_u64(ob, "icmp_seq", p->icmp_seq);
		}
		if (gnv_is_too_big(p))
			ob_json_key_u64(ob, "mtu", gnv_too_big_mtu(p));
		break;
	case GNV_IPPROTO_TCP:
		ob_json_key_u64(ob, "tcp_flags", p->tcp_flags);
		if (gnv_is_mss_syn(p))
			ob_json_key_u64(ob, "tcp_mss", p->tcp_mss);
		/* fall through */
	case GNV_IPPROTO_UDP:
		ob_json_key_u64(ob, "sport", p->sport);
		ob_json_key_u64(ob, "dport", p->dport);
		break;
	}
}

/*
 * A VM's port: no tunnel. The logical port bound to it, and the keys it
 * gives the frame (the VNI, the VM's port key on its side).
 */
static void put_vm_port(struct outbuf *ob, const struct gnv_fmt *f,
			const struct gnv_event *ev,
			const struct gnv_ovn_view *v)
{
	const struct gnv_pkt *p = &ev->pkt;
	int out = ev->dir == GNV_DIR_OUT;

	ob_json_key(ob, "vm_port");
	ob_str(ob, "true");
	ob_json_key_str(ob, "lport", gnv_fmt_lport(f, ev, out ? v->outport :
							v->inport));
	if (!(p->flags & GNV_F_OVN))
		return;
	ob_json_key_u64(ob, "vni", p->vni);
	ob_json_key_str(ob, "datapath", v->datapath);
	ob_json_key_u64(ob, out ? "ovn_outport" : "ovn_inport",
	      out ? p->ovn_outport : p->ovn_inport);
}

/* The tunnel: underlay addresses, tags, keys, options. */
static void put_tunnel(struct outbuf *ob, const struct gnv_event *ev,
		       const struct gnv_ovn_view *v)
{
	const struct gnv_pkt *p = &ev->pkt;

	key_addr(ob, "outer_src", p->outer_family, p->outer_src);
	key_addr(ob, "outer_dst", p->outer_family, p->outer_dst);
	ob_json_key_str(ob, "outer_src_chassis", v->chassis[0]);
	ob_json_key_str(ob, "outer_dst_chassis", v->chassis[1]);
	ob_json_key_str(ob, "outer_src_zone", v->chassis_zone[0]);
	ob_json_key_str(ob, "outer_dst_zone", v->chassis_zone[1]);
	/* A Geneve device's metadata has no UDP ports: none are invented. */
	if (p->flags & GNV_F_DECAP) {
		ob_json_key(ob, "decap");
		ob_str(ob, "true");
	} else {
		ob_json_key_u64(ob, "outer_sport", p->outer_sport);
		ob_json_key_u64(ob, "outer_dport", p->outer_dport);
	}
	ob_json_key_u64(ob, "outer_ttl", p->outer_ttl);
	ob_json_key_u64(ob, "outer_tos", p->outer_tos);
	if (p->n_vlans)
		ob_json_key_u64(ob, "vlan", p->vlan[0]);
	if (p->n_vlans > 1)
		ob_json_key_u64(ob, "vlan_inner", p->vlan[1]);
	ob_json_key_u64(ob, "vni", p->vni);
	ob_json_key_str(ob, "zone", v->zone);
	ob_json_key_str(ob, "datapath", v->datapath);
	if (p->flags & GNV_F_VXLAN) {
		/* OVN's VXLAN: no protocol field, flags or options. */
		ob_json_key(ob, "encap");
		ob_str(ob, "\"vxlan\"");
		ob_json_key_u64(ob, "vxlan_vni", gnv_ovn_vxlan_vni(p->vni, p->ovn_outport));
	} else {
		ob_json_key_u64(ob, "geneve_proto", p->geneve_proto);
		ob_json_key(ob, "oam");
		ob_str(ob, p->flags & GNV_F_OAM ? "true" : "false");
		ob_json_key(ob, "critical");
		ob_str(ob, p->flags & GNV_F_CRITICAL ? "true" : "false");
		if (p->flags & GNV_F_OVN) {
			ob_json_key_u64(ob, "ovn_inport", p->ovn_inport);
			ob_json_key_str(ob, "ovn_inport_name", v->inport);
		}
	}
	if (p->flags & GNV_F_OVN) {
		ob_json_key_u64(ob, "ovn_outport", p->ovn_outport);
		ob_json_key_str(ob, "ovn_outport_name", v->outport);
	}
	if (!(p->flags & GNV_F_VXLAN))
		put_options(ob, ev);
}

/* BFD's control packet: RFC 5880's fields, the state and diagnostic named. */
static void put_bfd(struct outbuf *ob, const struct gnv_bfd *b)
{
	ob_json_key_str(ob, "bfd_state", gnv_bfd_state_name(b->state));
	ob_json_key_u64(ob, "bfd_diag", b->diag);
	ob_json_key_str(ob, "bfd_diag_name", gnv_bfd_diag_name(b->diag));
	ob_json_key_u64(ob, "bfd_detect_mult", b->detect_mult);
	ob_json_key_u64(ob, "bfd_my_disc", b->my_disc);
	ob_json_key_u64(ob, "bfd_your_disc", b->your_disc);
	ob_json_key_u64(ob, "bfd_desired_min_tx_us", b->desired_min_tx_us);
	ob_json_key_u64(ob, "bfd_required_min_rx_us", b->required_min_rx_us);
	ob_json_key(ob, "bfd_poll");
	ob_str(ob, b->flags & GNV_BFD_POLL ? "true" : "false");
	ob_json_key(ob, "bfd_final");
	ob_str(ob, b->flags & GNV_BFD_FINAL ? "true" : "false");
}

void gnv_format_json(struct gnv_fmt *f, const struct gnv_event *ev,
		     const struct gnv_ovn_view *v, const struct gnv_bfd *bfd)
{
	const struct gnv_pkt *p = &ev->pkt;
	struct outbuf *ob = &f->ob;

	put_ts(ob, ev->ts_ns + f->clock_offset_ns);
	if (f->live) {
		ob_json_key_str(ob, "node", f->node);
		ob_json_key(ob, "ifname");
		ob_json_str(ob, gnv_ifname(ev->ifindex));
		ob_json_key(ob, "dir");
		ob_str(ob, ev->dir == GNV_DIR_OUT ? "\"out\"" : "\"in\"");
		ob_json_key_str(ob, "hook", gnv_fmt_hook(f, ev->ifindex, ev->dir));
	}
	if (p->vm_port)
		put_vm_port(ob, f, ev, v);
	else
		put_tunnel(ob, ev, v);
	gnv_json_inner(ob, p);
	if (bfd)
		put_bfd(ob, bfd);
	if (p->pkt_id) {
		ob_json_key(ob, "pkt_id");
		ob_char(ob, '"');
		ob_hex32(ob, p->pkt_id);
		ob_char(ob, '"');
	}
	ob_json_key_u64(ob, "len", ev->pkt_len);
	ob_str(ob, "}\n");
}
