// SPDX-License-Identifier: MIT
/*
 * One line per event, read like tcpdump's:
 * TIME IFACE DIR OUTER_SRC > OUTER_DST [vlan N] [vxlan] vni N [(DATAPATH)]
 *   [ovn IN->OUT [(IN_NAME -> OUT_NAME)]] |
 *   INNER_MAC > INNER_MAC INNER_SRC > INNER_DST: PROTOCOL DETAILS
 * with OVN's names where they are known (a key with none stays a number).
 */
#include <time.h>

#include "parse.h"
#include "health/bfd.h"
#include "lib/abi_names.h"
#include "lib/ifname.h"
#include "ovn/ovn_zones.h"
#include "format.h"

/*
 * localtime_r once a second, not once an event: the time of day of the
 * last second, per thread (the split reader formats on several).
 */
void gnv_text_time(struct outbuf *ob, __u64 ns)
{
	static __thread struct {
		time_t sec;
		size_t len;
		char hms[16];
	} last = { .sec = -1 };
	time_t sec = ns / 1000000000ULL;

	if (sec != last.sec) {
		struct tm tm;

		localtime_r(&sec, &tm);
		last.len = strftime(last.hms, sizeof(last.hms), "%H:%M:%S",
				    &tm);
		last.sec = sec;
	}
	ob_mem(ob, last.hms, last.len);
	ob_usec(ob, ns);
}

static void put_options(struct outbuf *ob, const struct gnv_event *ev)
{
	struct gnv_opt o;
	__u32 off;
	int n = 0;

	ob_str(ob, " opts [");
	gnv_for_each_opt(ev->opts, ev->pkt.opts_len, off, o) {
		ob_str(ob, n++ ? ", class 0x" : "class 0x");
		ob_hex16(ob, o.cls);
		ob_str(ob, " type 0x");
		ob_hex(ob, &o.type, 1);
		ob_str(ob, " len ");
		ob_u64(ob, o.len);
		if (o.len) {
			ob_str(ob, " data ");
			ob_hex(ob, o.data, o.len);
		}
	}
	ob_char(ob, ']');
}

static void put_endpoint(struct outbuf *ob, const struct gnv_pkt *p,
			 const __u8 *addr, __u16 port, int with_port)
{
	ob_addr(ob, p->inner_family, addr);
	if (with_port) {
		ob_char(ob, '.');
		ob_u64(ob, port);
	}
}

static void put_tcp_flags(struct outbuf *ob, __u8 flags)
{
	static const char names[] = "FSRP.UEW";	/* tcpdump's letters */

	ob_str(ob, "Flags [");
	for (int i = 0; i < 8; i++)
		if (flags & (1 << i))
			ob_char(ob, names[i]);
	if (!flags)
		ob_str(ob, "none");
	ob_char(ob, ']');
}

static void put_icmp(struct outbuf *ob, const struct gnv_pkt *p, int brief)
{
	int v6 = p->inner_proto == GNV_IPPROTO_ICMPV6;
	const char *name = gnv_icmp_type_name(p->icmp_type, v6);
	int echo = v6 ? p->icmp_type == 128 || p->icmp_type == 129
		      : p->icmp_type == 8 || p->icmp_type == 0;

	ob_str(ob, v6 ? "ICMP6 " : "ICMP ");
	if (echo) {
		ob_str(ob, (p->icmp_type == 8 || p->icmp_type == 128) ?
			   "echo request" : "echo reply");
		ob_str(ob, ", id ");
		ob_u64(ob, p->icmp_id);
		ob_str(ob, ", seq ");
		ob_u64(ob, p->icmp_seq);
	} else {
		if (name) {
			ob_str(ob, name);
		} else {
			ob_str(ob, "type ");
			ob_u64(ob, p->icmp_type);
		}
		ob_str(ob, ", code ");
		ob_u64(ob, p->icmp_code);
		if (gnv_is_too_big(p)) {
			ob_str(ob, ", mtu ");
			ob_u64(ob, gnv_too_big_mtu(p));
		}
	}
	if (brief)
		return;
	ob_str(ob, ", length ");
	ob_u64(ob, p->inner_l4_len);
}

static void put_arp(struct outbuf *ob, const struct gnv_pkt *p)
{
	ob_str(ob, "ARP, ");
	if (p->arp_op == 1 && p->inner_family) {
		ob_str(ob, "Request who-has ");
		ob_addr(ob, 4, p->inner_dst);
		ob_str(ob, " tell ");
		ob_addr(ob, 4, p->inner_src);
	} else if (p->arp_op == 2 && p->inner_family) {
		ob_str(ob, "Reply ");
		ob_addr(ob, 4, p->inner_src);
		ob_str(ob, " is-at ");
		ob_mac(ob, p->inner_eth_src);
	} else {
		ob_str(ob, "op ");
		ob_u64(ob, p->arp_op);
	}
}

void gnv_text_inner(struct outbuf *ob, const struct gnv_pkt *p, int brief)
{
	int l4 = p->flags & GNV_F_INNER_L4;
	int ports = l4 && (p->inner_proto == GNV_IPPROTO_TCP ||
			   p->inner_proto == GNV_IPPROTO_UDP);

	if ((p->flags & GNV_F_INNER_ETH) && !brief) {
		ob_mac(ob, p->inner_eth_src);
		ob_str(ob, " > ");
		ob_mac(ob, p->inner_eth_dst);
		if (p->inner_vlan) {
			ob_str(ob, " vlan ");
			ob_u64(ob, p->inner_vlan);
		}
		ob_char(ob, ' ');
	}
	if (p->inner_ethertype == GNV_ETH_P_ARP) {
		put_arp(ob, p);
		return;
	}
	if (!p->inner_family) {
		ob_str(ob, "ethertype 0x");
		ob_hex16(ob, p->inner_ethertype);
		return;
	}
	put_endpoint(ob, p, p->inner_src, p->sport, ports);
	ob_str(ob, " > ");
	put_endpoint(ob, p, p->inner_dst, p->dport, ports);
	ob_str(ob, ": ");
	if (l4 && (p->inner_proto == GNV_IPPROTO_ICMP ||
		   p->inner_proto == GNV_IPPROTO_ICMPV6)) {
		put_icmp(ob, p, brief);
	} else if (l4 && p->inner_proto == GNV_IPPROTO_TCP) {
		put_tcp_flags(ob, p->tcp_flags);
		if (gnv_is_mss_syn(p)) {
			ob_str(ob, ", options [mss ");
			ob_u64(ob, p->tcp_mss);
			ob_char(ob, ']');
		}
	} else if (l4 && p->inner_proto == GNV_IPPROTO_UDP) {
		ob_str(ob, "UDP");
		if (!brief) {
			ob_str(ob, ", length ");
			ob_u64(ob, p->inner_l4_len > 8 ?
				   p->inner_l4_len - 8 : 0);
		}
	} else {
		ob_str(ob, "ip-proto-");
		ob_u64(ob, p->inner_proto);
		if (p->flags & GNV_F_INNER_FRAG)
			ob_str(ob, " (fragment)");
	}
}

/* An underlay address, after the name of its OVN chassis if known. */
static void put_outer(struct outbuf *ob, const char *chassis, int family,
		      const __u8 *addr)
{
	if (!chassis) {
		ob_addr(ob, family, addr);
		return;
	}
	ob_str(ob, chassis);
	ob_char(ob, '(');
	ob_addr(ob, family, addr);
	ob_char(ob, ')');
}

/* A port's name, or its key when OVN has no name for it. */
static void put_port(struct outbuf *ob, const char *name, __u16 key)
{
	if (name)
		ob_str(ob, name);
	else
		ob_u64(ob, key);
}

/*
 * "vni 5 (network1) ovn 1->3 (vm1 -> vm2)": names beside the keys, from
 * the sending chassis' zone ("(az1:network1)" when there are several).
 * OVN's VXLAN has no ingress port: "vxlan vni 5 (network1) ovn ->3 (-> vm2)".
 */
static void put_ovn(struct outbuf *ob, const struct gnv_pkt *p,
		    const struct gnv_ovn_view *v)
{
	const char *in = v->inport, *out = v->outport;
	int vxlan = p->flags & GNV_F_VXLAN;

	ob_str(ob, vxlan ? " vxlan vni " : " vni ");
	ob_u64(ob, p->vni);
	if (v->datapath) {
		ob_str(ob, " (");
		/* Several zones: whose names these are, "az1:net1". */
		if (v->zone) {
			ob_str(ob, v->zone);
			ob_char(ob, ':');
		}
		ob_str(ob, v->datapath);
		ob_char(ob, ')');
	}
	if (!(p->flags & GNV_F_OVN))
		return;
	ob_str(ob, " ovn ");
	if (!vxlan)
		ob_u64(ob, p->ovn_inport);
	ob_str(ob, "->");
	ob_u64(ob, p->ovn_outport);
	if (in || out) {
		ob_str(ob, " (");
		if (!vxlan) {
			put_port(ob, in, p->ovn_inport);
			ob_char(ob, ' ');
		}
		ob_str(ob, "-> ");
		put_port(ob, out, p->ovn_outport);
		ob_char(ob, ')');
	}
}

/*
 * A VM's port: no tunnel, the frame is the inner one. "vm port ls0-vm1
 * vni 70000 (ls0)": the logical port bound to it, the datapath's key.
 */
static void put_vm_port(struct outbuf *ob, const struct gnv_fmt *f,
			const struct gnv_event *ev,
			const struct gnv_ovn_view *v)
{
	const char *lport = gnv_fmt_lport(f, ev, ev->dir == GNV_DIR_OUT ?
					  v->outport : v->inport);

	ob_str(ob, "vm port");
	if (lport) {
		ob_char(ob, ' ');
		ob_str(ob, lport);
	}
	if (!ev->pkt.vni)
		return;
	ob_str(ob, " vni ");
	ob_u64(ob, ev->pkt.vni);
	if (v->datapath) {
		ob_str(ob, " (");
		ob_str(ob, v->datapath);
		ob_char(ob, ')');
	}
}

/* The tunnel: underlay addresses, tags, keys, options. */
static void put_tunnel(struct outbuf *ob, const struct gnv_fmt *f,
		       const struct gnv_event *ev,
		       const struct gnv_ovn_view *v)
{
	const struct gnv_pkt *p = &ev->pkt;
	int other_opts = p->n_opts - !!(p->flags & GNV_F_OVN);

	if (p->flags & GNV_F_DECAP)
		ob_str(ob, "decap ");
	put_outer(ob, v->chassis[0], p->outer_family, p->outer_src);
	ob_str(ob, " > ");
	put_outer(ob, v->chassis[1], p->outer_family, p->outer_dst);
	for (int i = 0; i < p->n_vlans; i++) {
		ob_str(ob, i ? "," : " vlan ");
		ob_u64(ob, p->vlan[i]);
	}
	put_ovn(ob, p, v);
	if (f->verbose) {
		ob_str(ob, " ttl ");
		ob_u64(ob, p->outer_ttl);
		ob_str(ob, " tos 0x");
		ob_hex(ob, &p->outer_tos, 1);
		if (p->flags & (GNV_F_OAM | GNV_F_CRITICAL)) {
			ob_str(ob, " flags [");
			if (p->flags & GNV_F_OAM)
				ob_char(ob, 'O');
			if (p->flags & GNV_F_CRITICAL)
				ob_char(ob, 'C');
			ob_char(ob, ']');
		}
		if (p->n_opts)
			put_options(ob, ev);
	} else if (other_opts > 0) {
		ob_str(ob, " +");
		ob_u64(ob, other_opts);
		ob_str(ob, other_opts > 1 ? " opts" : " opt");
	}
}

/*
 * A BFD control packet: ", BFD Up, diag No Diagnostic, mult 3, my 0x..,
 * your 0x.., tx 100ms, rx 1000ms [P][F]", as ovs-appctl bfd/show reads.
 */
static void put_bfd(struct outbuf *ob, const struct gnv_bfd *b)
{
	ob_str(ob, ", BFD ");
	ob_str(ob, gnv_bfd_state_name(b->state));
	ob_str(ob, ", diag ");
	ob_str(ob, gnv_bfd_diag_name(b->diag));
	ob_str(ob, ", mult ");
	ob_u64(ob, b->detect_mult);
	ob_str(ob, ", my 0x");
	ob_hex32(ob, b->my_disc);
	ob_str(ob, ", your 0x");
	ob_hex32(ob, b->your_disc);
	ob_str(ob, ", tx ");
	ob_u64(ob, b->desired_min_tx_us);
	ob_str(ob, "us, rx ");
	ob_u64(ob, b->required_min_rx_us);
	ob_str(ob, "us");
	if (b->flags & GNV_BFD_POLL)
		ob_str(ob, " [P]");
	if (b->flags & GNV_BFD_FINAL)
		ob_str(ob, " [F]");
}

void gnv_format_text(struct gnv_fmt *f, const struct gnv_event *ev,
		     const struct gnv_ovn_view *v, const struct gnv_bfd *bfd)
{
	const struct gnv_pkt *p = &ev->pkt;
	struct outbuf *ob = &f->ob;

	gnv_text_time(ob, ev->ts_ns + f->clock_offset_ns);
	ob_char(ob, ' ');
	if (f->live) {
		ob_str(ob, gnv_ifname(ev->ifindex));
		ob_str(ob, ev->dir == GNV_DIR_OUT ? " out " : " in ");
	}
	if (p->vm_port)
		put_vm_port(ob, f, ev, v);
	else
		put_tunnel(ob, f, ev, v);
	ob_str(ob, " | ");
	gnv_text_inner(ob, p, 0);
	if (bfd)
		put_bfd(ob, bfd);
	ob_str(ob, ", frame ");
	ob_u64(ob, ev->pkt_len);
	if (p->pkt_id) {	/* the same packet, wherever it is seen */
		ob_str(ob, ", pkt ");
		ob_hex32(ob, p->pkt_id);
	}
	ob_char(ob, '\n');
}
