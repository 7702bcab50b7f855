// SPDX-License-Identifier: MIT
/*
 * JSON back into struct gnv_pkt: the fields format_json.c and
 * journey_print.c write, by the same names.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "parse.h"
#include "lib/log.h"
#include "journey_json.h"

static __u64 get_u(const json_t *o, const char *k, int *has)
{
	const json_t *v = json_object_get(o, k);

	if (has)
		*has = json_is_integer(v);
	return json_is_integer(v) ? (__u64)json_integer_value(v) : 0;
}

static const char *get_s(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* An address field into addr16; its family, or 0 when absent or bad. */
static int get_addr(const json_t *o, const char *k, __u8 *addr16)
{
	const char *s = get_s(o, k);

	memset(addr16, 0, 16);
	if (!s)
		return 0;
	if (inet_pton(AF_INET, s, addr16) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, addr16) == 1)
		return 6;
	return 0;
}

static int get_mac(const json_t *o, const char *k, __u8 *mac)
{
	const char *s = get_s(o, k);
	unsigned int b[6];

	if (!s || sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3],
			 &b[4], &b[5]) != 6)
		return 0;
	for (int i = 0; i < 6; i++)
		mac[i] = b[i];
	return 1;
}

/* A time in seconds, to the microsecond JSON has, in ns. */
static __u64 get_ts(const json_t *o)
{
	const json_t *v = json_object_get(o, "ts");

	return json_is_number(v) ?
	       (__u64)(json_number_value(v) * 1e6 + 0.5) * 1000 : 0;
}

/* format_json.c's names of the inner protocol: the IP protocol's number. */
static __u8 ip_proto(const char *name)
{
	static const struct { const char *name; __u8 proto; } names[] = {
		{ "icmp", GNV_IPPROTO_ICMP }, { "icmp6", GNV_IPPROTO_ICMPV6 },
		{ "tcp", GNV_IPPROTO_TCP }, { "udp", GNV_IPPROTO_UDP },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i].name))
			return names[i].proto;
	return 0;	/* arp: no IP protocol */
}

static void get_inner(const json_t *o, struct gnv_pkt *p)
{
	const json_t *proto = json_object_get(o, "inner_proto");
	int has_l4 = 0, h;

	if (get_mac(o, "inner_eth_src", p->inner_eth_src) &&
	    get_mac(o, "inner_eth_dst", p->inner_eth_dst))
		p->flags |= GNV_F_INNER_ETH;
	p->inner_vlan = get_u(o, "inner_vlan", NULL);
	p->inner_ethertype = get_u(o, "inner_ethertype", NULL);
	p->inner_family = get_addr(o, "inner_src", p->inner_src);
	get_addr(o, "inner_dst", p->inner_dst);
	if (json_is_integer(proto))
		p->inner_proto = json_integer_value(proto);
	else if (json_is_string(proto))
		p->inner_proto = ip_proto(json_string_value(proto));
	p->arp_op = get_u(o, "arp_op", NULL);
	p->icmp_type = get_u(o, "icmp_type", &h);
	has_l4 |= h;
	p->icmp_code = get_u(o, "icmp_code", NULL);
	p->icmp_id = get_u(o, "icmp_id", NULL);
	p->icmp_seq = get_u(o, "icmp_seq", NULL);
	p->tcp_flags = get_u(o, "tcp_flags", NULL);
	p->sport = get_u(o, "sport", &h);
	has_l4 |= h;
	p->dport = get_u(o, "dport", NULL);
	if (has_l4)
		p->flags |= GNV_F_INNER_L4;
}

/* The point an object names: "node", "ifname", "dir", "kind", ... */
static int get_point(const json_t *o, const char *kind,
		     struct gnv_json_point *p)
{
	const char *ifname = get_s(o, "ifname"), *dir = get_s(o, "dir");
	const char *node = get_s(o, "node"), *lport = get_s(o, "lport");

	if (!ifname || !dir)
		return -1;
	memset(p, 0, sizeof(*p));
	snprintf(p->node, sizeof(p->node), "%s", node ? node : "");
	snprintf(p->ifname, sizeof(p->ifname), "%s", ifname);
	snprintf(p->lport, sizeof(p->lport), "%s", lport ? lport : "");
	p->dir = !strcmp(dir, "out") ? GNV_DIR_OUT : GNV_DIR_IN;
	p->kind = !kind || !strcmp(kind, "nic") ? GNV_POINT_NIC :
		  !strcmp(kind, "geneve") ? GNV_POINT_GENEVE :
					    GNV_POINT_VM_PORT;
	p->dp_key = get_u(o, "dp_key", NULL);
	p->port_key = get_u(o, "port_key", NULL);
	return 0;
}

/*
 * What a sighting adds to the packet: OVN's keys there, and the tunnel's
 * ends (a NIC's, a Geneve device's) or the VM's port it was on.
 */
static void get_sighting(const json_t *o, struct gnv_json_sighting *s)
{
	struct gnv_pkt *p = &s->pkt;
	int has;

	s->ts_ns = get_ts(o);
	s->len = get_u(o, "len", NULL);
	p->vni = get_u(o, "vni", NULL);
	p->ovn_inport = get_u(o, "ovn_inport", &has);
	if (has)
		p->flags |= GNV_F_OVN;
	p->ovn_outport = get_u(o, "ovn_outport", &has);
	if (has)
		p->flags |= GNV_F_OVN;
	if (s->at.kind == GNV_POINT_VM_PORT) {
		p->vm_port = 1;
		return;
	}
	p->outer_family = get_addr(o, "outer_src", p->outer_src);
	get_addr(o, "outer_dst", p->outer_dst);
	if (s->at.kind == GNV_POINT_GENEVE)
		p->flags |= GNV_F_DECAP;
}

/* The packet as every sighting has it: its identity, its inner frame. */
static void get_packet(const json_t *o, struct gnv_pkt *p)
{
	const char *id = get_s(o, "pkt_id");

	memset(p, 0, sizeof(*p));
	get_inner(o, p);
	p->pkt_id = id ? strtoul(id, NULL, 16) : 0;
}

/* An event's kind: what it says of its device. */
static const char *event_kind(const json_t *o)
{
	if (json_is_true(json_object_get(o, "vm_port")))
		return "vm_port";
	return json_is_true(json_object_get(o, "decap")) ? "geneve" : "nic";
}

static int parse_journey(const json_t *o, struct gnv_json_line *l)
{
	const json_t *hops = json_object_get(o, "hops");
	const json_t *lost = json_object_get(o, "lost_before");
	struct gnv_pkt pkt;
	const json_t *h;
	size_t i;

	get_packet(o, &pkt);
	json_array_foreach(hops, i, h) {
		struct gnv_json_sighting *s = &l->seen[l->n_seen];

		if (l->n_seen == GNV_JOURNEY_MAX_HOPS)
			break;
		s->pkt = pkt;
		if (get_point(h, get_s(h, "kind"), &s->at))
			return -1;
		get_sighting(h, s);
		l->n_seen++;
	}
	if (lost && get_point(lost, get_s(lost, "kind"), &l->points[0]))
		return -1;
	l->n_points = lost ? 1 : 0;
	return l->n_seen ? 0 : -1;
}

int gnv_json_line_parse(const char *line, size_t len, struct gnv_json_line *l,
			char *err, size_t errlen)
{
	const json_t *v, *pt;
	json_error_t je;
	json_t *o;
	size_t i;
	int r = 0;

	while (len && strchr(" \t\r\n", line[len - 1]))
		len--;
	if (!len)
		return 1;
	o = json_loadb(line, len, 0, &je);
	if (!json_is_object(o)) {
		json_decref(o);
		return gnv_errf(err, errlen, "not a JSON object: %s", je.text);
	}
	l->n_points = l->n_seen = 0;
	l->ts_ns = get_ts(o);
	if (json_object_get(o, "summary")) {
		r = 1;
	} else if ((v = json_object_get(o, "tracing"))) {
		json_array_foreach(v, i, pt) {
			if (l->n_points == GNV_JOURNEY_MAX_POINTS)
				break;
			if (get_point(pt, get_s(pt, "kind"),
				      &l->points[l->n_points++])) {
				r = -1;
				break;
			}
		}
	} else if (json_object_get(o, "hops")) {
		r = parse_journey(o, l);
	} else {
		struct gnv_json_sighting *s = &l->seen[0];

		get_packet(o, &s->pkt);
		r = get_point(o, event_kind(o), &s->at);
		if (!r) {
			get_sighting(o, s);
			l->n_seen = 1;
		}
	}
	json_decref(o);
	if (r < 0)
		return gnv_errf(err, errlen, "neither a live gnvtrace's event "
				"(gnvtrace -i IFACE -o json) nor a journey "
				"(gnvtrace --journey -o json)");
	return r;
}
