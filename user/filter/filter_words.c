// SPDX-License-Identifier: MIT
/*
 * The filter's primitives: tcpdump's words for the inner frame, with
 * tcpdump's meaning, and gnvtrace's own for what tcpdump cannot see (the
 * VNI, OVN's ports and names, the underlay). Each makes one term.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "lib/abi_names.h"
#include "ovn/ovn_zones.h"
#include "filter_words.h"

const char *lx_next(struct lexer *lx)
{
	return lx->at < lx->n ? lx->tok[lx->at++] : NULL;
}

const char *lx_peek(const struct lexer *lx)
{
	return lx->at < lx->n ? lx->tok[lx->at] : NULL;
}

int lx_accept(struct lexer *lx, const char *word)
{
	const char *w = lx_peek(lx);

	if (!w || strcmp(w, word))
		return 0;
	lx->at++;
	return 1;
}

int is_primitive_word(const char *w)
{
	static const char *const words[] = {
		"icmp", "icmp6", "tcp", "udp", "arp", "ip", "ip6", "proto",
		"port", "portrange", "src", "dst", "host", "net", "ether",
		"vlan", "vni", "datapath", "inport", "outport", "lport",
		"icmp-type", "outer", "chassis", "broadcast", "multicast",
		"bfd",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(w, words[i]))
			return 1;
	return 0;
}

int is_operator(const char *w)
{
	static const char *const ops[] = {
		"and", "or", "not", "&&", "||", "!", "(", ")",
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(w, ops[i]))
			return 1;
	return 0;
}

static int parse_num(struct lexer *lx, const char *word, __u32 max,
		     __u32 *out)
{
	const char *v = lx_next(lx);
	unsigned long n;
	char *end;

	if (!v)
		return fail(lx, "'%s' needs a number", word);
	errno = 0;
	n = strtoul(v, &end, 0);
	if (errno || end == v || *end || v[0] == '-' || n > max)
		return fail(lx, "'%s' needs a number from 0 to %u, not '%s'",
			    word, max, v);
	*out = n;
	return 0;
}

/* An address or CIDR into t->addr/mask/family. */
static int parse_addr(struct lexer *lx, const char *word, int cidr,
		      struct gnv_term *t)
{
	const char *v = lx_next(lx);
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long plen;
	__u8 host_bits = 0;
	int bits;

	if (!v)
		return fail(lx, "'%s' needs an address", word);
	if (strlen(v) >= sizeof(buf))
		return fail(lx, "'%s': '%s' is not an address", word, v);
	strcpy(buf, v);
	slash = strchr(buf, '/');
	if (slash && !cidr)
		return fail(lx, "'%s' takes an address, not a network ('%s'); "
			    "use 'net'", word, v);
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, t->addr) == 1)
		t->family = 4;
	else if (inet_pton(AF_INET6, buf, t->addr) == 1)
		t->family = 6;
	else
		return fail(lx, "'%s': '%s' is not an IPv4 or IPv6 address",
			    word, v);
	bits = t->family == 4 ? 32 : 128;
	plen = bits;
	if (slash) {
		char *end;

		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || plen > (unsigned)bits)
			return fail(lx, "'%s': bad prefix length in '%s'",
				    word, v);
	}
	for (int i = 0; i < bits / 8; i++) {
		int left = (int)plen - i * 8;

		t->mask[i] = left >= 8 ? 0xff : left <= 0 ? 0 :
			     (__u8)(0xff << (8 - left));
		host_bits |= t->addr[i] & ~t->mask[i];
		t->addr[i] &= t->mask[i];
	}
	/* tcpdump's rule: a network's address has no host bits set. */
	if (host_bits) {
		char net[INET6_ADDRSTRLEN];

		inet_ntop(t->family == 4 ? AF_INET : AF_INET6, t->addr, net,
			  sizeof(net));
		return fail(lx, "'%s %s': non-network bits set; the network "
			    "is %s/%lu", word, v, net, plen);
	}
	return 0;
}

static int parse_icmp_type(struct lexer *lx, struct gnv_term *t)
{
	const char *v = lx_next(lx);
	int v4, v6;
	char *end;
	long n;

	if (!v)
		return fail(lx, "'icmp-type' needs a type name or number");
	n = strtol(v, &end, 0);
	if (end != v && !*end) {
		if (n < 0 || n > 255)
			return fail(lx, "'icmp-type' needs a number from 0 "
				    "to 255, not '%s'", v);
		t->val = GNV_ICMP4_VALID | GNV_ICMP6_VALID | n | n << 16;
		return 0;
	}
	v4 = gnv_icmp_type_by_name(v, 0);
	v6 = gnv_icmp_type_by_name(v, 1);
	if (v4 < 0 && v6 < 0)
		return fail(lx, "'icmp-type': unknown type '%s' (try "
			    "echo-request, echo-reply, unreachable, "
			    "time-exceeded or a number)", v);
	if (v4 >= 0)
		t->val |= GNV_ICMP4_VALID | v4;
	if (v6 >= 0)
		t->val |= GNV_ICMP6_VALID | (__u32)v6 << 16;
	return 0;
}

static int is_number(const char *v)
{
	return v[0] >= '0' && v[0] <= '9';
}

/* A name OVN does not know (yet): the term matches nothing till it does. */
static int unknown_name(struct lexer *lx, struct gnv_term *t, const char *v)
{
	size_t used = strlen(lx->unknown);

	t->kind = GNV_T_NOTHING;
	snprintf(lx->unknown + used, lx->unknown_len - used, "%s%s",
		 used ? ", " : "", v);
	return 0;
}

/* A name where no source of names was given. */
static int no_names(struct lexer *lx, const char *word, const char *v)
{
	return fail(lx, "'%s %s': names need --ovn-sb, --ovn-names or "
		    "--ovn-ic-sb", word, v);
}

/* "datapath N|NAME": a VNI, by OVN's name for its datapath. */
static int parse_datapath(struct lexer *lx, const char *word,
			  struct gnv_term *t)
{
	const char *v = lx_peek(lx);

	t->kind = GNV_T_VNI;
	if (!v || is_number(v))
		return parse_num(lx, word, 0xffffff, &t->val);
	lx->at++;
	if (!lx->names)
		return no_names(lx, word, v);
	switch (gnv_ovn_find_datapath_any(lx->names, v, &t->val)) {
	case 0:
		return 0;
	case -EEXIST:
		return fail(lx, "'%s %s': several OVN datapaths have that "
			    "name; give its key", word, v);
	}
	return unknown_name(lx, t, v);
}

/* "inport|outport|lport N|NAME": a name is a port of one datapath. */
static int parse_lport(struct lexer *lx, const char *word, struct gnv_term *t)
{
	const char *v = lx_peek(lx);
	__u32 dp, key;

	t->kind = word[0] == 'i' ? GNV_T_INPORT :
		  word[0] == 'o' ? GNV_T_OUTPORT : GNV_T_LPORT;
	if (!v || is_number(v))
		return parse_num(lx, word, t->kind == GNV_T_INPORT ? 0x7fff :
				 0xffff, &t->val);
	lx->at++;
	if (!lx->names)
		return no_names(lx, word, v);
	switch (gnv_ovn_find_port_any(lx->names, v, &dp, &key)) {
	case 0:
		break;
	case -EEXIST:
		return fail(lx, "'%s %s': zones disagree on that port's keys; "
			    "give its key", word, v);
	default:
		return unknown_name(lx, t, v);
	}
	t->val = key;
	t->vni = dp;
	t->has_vni = 1;
	return 0;
}

/* "chassis NAME": the address of the chassis' Geneve encap, exactly. */
static int parse_chassis(struct lexer *lx, const char *word,
			 struct gnv_term *t)
{
	const char *v = lx_next(lx);
	int family, more;

	if (!v)
		return fail(lx, "'%s' needs an OVN chassis name", word);
	if (!lx->names)
		return no_names(lx, word, v);
	switch (gnv_ovn_find_chassis_any(lx->names, v, &family, t->addr, &more)) {
	case 0:
		break;
	case -EEXIST:
		return fail(lx, "'%s %s': several OVN chassis have that "
			    "name; give its address", word, v);
	default:
		return unknown_name(lx, t, v);
	}
	t->family = family;
	memset(t->mask, 0xff, family == 4 ? 4 : 16);
	return 0;
}

/* "outer [src|dst] host A|net CIDR|chassis NAME", "outer vlan N". */
static int parse_outer(struct lexer *lx, struct gnv_term *t)
{
	const char *w = lx_next(lx);

	if (w && !strcmp(w, "vlan")) {
		t->kind = GNV_T_VLAN;
		return parse_num(lx, "outer vlan", 4095, &t->val);
	}
	t->kind = GNV_T_OUTER_HOST;
	if (w && (!strcmp(w, "src") || !strcmp(w, "dst"))) {
		t->kind = w[0] == 's' ? GNV_T_OUTER_SRC_HOST :
			  GNV_T_OUTER_DST_HOST;
		w = lx_next(lx);
	}
	if (w && !strcmp(w, "chassis"))
		return parse_chassis(lx, w, t);
	if (!w || (strcmp(w, "host") && strcmp(w, "net")))
		return fail(lx, "'outer' must be followed by [src|dst] and "
			    "'host', 'net' or 'chassis', or by 'vlan'");
	return parse_addr(lx, w, w[0] == 'n', t);
}

/*
 * A TCP or UDP port: a number, or a service name as tcpdump takes it
 * (/etc/services, for the protocol when one was given).
 */
static int port_value(struct lexer *lx, const char *word, const char *v,
		      __u8 proto, __u16 *out)
{
	const struct servent *se;
	unsigned long n;
	char *end;

	if (!v)
		return fail(lx, "'%s' needs a TCP or UDP port", word);
	errno = 0;
	n = strtoul(v, &end, 0);
	if (end != v && !*end && v[0] != '-') {
		if (errno || n > 0xffff)
			return fail(lx, "'%s' needs a port from 0 to 65535, "
				    "not '%s'", word, v);
		*out = n;
		return 0;
	}
	/* As libpcap: a name of TCP's alone is no "udp port", and back. */
	se = getservbyname(v, proto == GNV_IPPROTO_UDP ? "udp" : "tcp");
	if (!se && proto)
		return fail(lx, "'%s %s': port '%s' is %s only", word, v, v,
			    getservbyname(v, proto == GNV_IPPROTO_UDP ? "tcp" :
					  "udp") ?
			    (proto == GNV_IPPROTO_UDP ? "tcp" : "udp") :
			    "neither tcp nor udp");
	if (!se)
		se = getservbyname(v, "udp");
	if (!se)
		return fail(lx, "'%s %s': no such TCP or UDP port (OVN's "
			    "logical ports are 'lport', 'inport' and "
			    "'outport')", word, v);
	*out = ntohs(se->s_port);
	return 0;
}

/*
 * tcpdump's "[tcp|udp] [src|dst] port P" and "portrange A-B": side and
 * proto are what came before the word, already read.
 */
static int parse_l4_port(struct lexer *lx, const char *word, __u8 side,
			 __u8 proto, struct gnv_term *t)
{
	const char *v = lx_next(lx);
	char lo_s[64], *dash;
	__u16 lo, hi;

	t->kind = GNV_T_L4_PORT;
	t->side = side;
	t->proto = proto;
	if (!strcmp(word, "port")) {
		if (port_value(lx, word, v, proto, &lo))
			return -EINVAL;
		t->val = lo | (__u32)lo << 16;
		return 0;
	}
	if (!v || !(dash = strchr(v, '-')) || (size_t)(dash - v) >= sizeof(lo_s))
		return fail(lx, "'portrange' needs two ports, 'A-B', not "
			    "'%s'", v ? v : "nothing");
	memcpy(lo_s, v, dash - v);
	lo_s[dash - v] = '\0';
	if (port_value(lx, word, lo_s, proto, &lo) ||
	    port_value(lx, word, dash + 1, proto, &hi))
		return -EINVAL;
	t->val = lo < hi ? lo | (__u32)hi << 16 : hi | (__u32)lo << 16;
	return 0;
}

static int is_port_word(const char *w)
{
	return w && (!strcmp(w, "port") || !strcmp(w, "portrange"));
}

/* What follows "src" or "dst": host, net, port or portrange. */
static int parse_side(struct lexer *lx, const char *side_word, __u8 proto,
		      struct gnv_term *t)
{
	__u8 side = side_word[0] == 's' ? GNV_SIDE_SRC : GNV_SIDE_DST;
	const char *w = lx_next(lx);

	if (is_port_word(w))
		return parse_l4_port(lx, w, side, proto, t);
	if (proto || !w || (strcmp(w, "host") && strcmp(w, "net")))
		return fail(lx, "'%s' must be followed by 'host', 'net', "
			    "'port' or 'portrange'", side_word);
	t->kind = side == GNV_SIDE_SRC ? GNV_T_SRC_HOST : GNV_T_DST_HOST;
	return parse_addr(lx, w, w[0] == 'n', t);
}

/* "tcp|udp", alone or qualifying a port: "tcp dst port 22". */
static int parse_tcp_udp(struct lexer *lx, int proto_word,
			 struct gnv_term *t)
{
	__u8 proto = proto_word == GNV_PROTO_TCP ? GNV_IPPROTO_TCP :
		     GNV_IPPROTO_UDP;
	const char *w = lx_peek(lx);
	const char *w2 = lx->at + 1 < lx->n ? lx->tok[lx->at + 1] : NULL;

	if (is_port_word(w))
		return parse_l4_port(lx, lx_next(lx), GNV_SIDE_SRC |
				     GNV_SIDE_DST, proto, t);
	if (w && (!strcmp(w, "src") || !strcmp(w, "dst")) &&
	    is_port_word(w2))
		return parse_side(lx, lx_next(lx), proto, t);
	t->kind = GNV_T_PROTO;
	t->val = proto_word;
	return 0;
}

/*
 * "ip|ip6 [proto N]", "proto N": the inner IP version, its protocol;
 * "ip|ip6 multicast": a multicast destination (224.0.0.0/4, ff00::/8).
 */
static int parse_ip(struct lexer *lx, const char *w, struct gnv_term *t)
{
	__u8 family = !strcmp(w, "ip") ? 4 : !strcmp(w, "ip6") ? 6 : 0;

	if (family && lx_accept(lx, "multicast")) {
		t->kind = GNV_T_DST_HOST;
		t->family = family;
		t->addr[0] = family == 4 ? 0xe0 : 0xff;
		t->mask[0] = family == 4 ? 0xf0 : 0xff;
		return 0;
	}
	if (family == 4 && lx_accept(lx, "broadcast"))
		return fail(lx, "'ip broadcast' needs the network's netmask, "
			    "which gnvtrace does not know: use 'dst host "
			    "ADDR'");
	if (family && !lx_accept(lx, "proto")) {
		t->kind = GNV_T_FAMILY;
		t->val = family;
		return 0;
	}
	t->kind = GNV_T_IP_PROTO;
	t->proto = family;
	return parse_num(lx, "proto", 255, &t->val);
}

/*
 * "broadcast", "multicast": the inner frame's destination MAC, all ones
 * or with the group bit (tcpdump's "ether" before them is optional).
 */
static int parse_cast(const char *w, struct gnv_term *t)
{
	t->kind = GNV_T_ETHER;
	t->side = GNV_SIDE_DST;
	if (!strcmp(w, "broadcast")) {
		memset(t->addr, 0xff, 6);
		memset(t->mask, 0xff, 6);
	} else {
		t->addr[0] = t->mask[0] = 0x01;
	}
	return 0;
}

/* "ether host|src|dst MAC", "ether broadcast|multicast". */
static int parse_ether(struct lexer *lx, struct gnv_term *t)
{
	const char *w = lx_next(lx), *v;
	unsigned int b[6];
	char tail;

	if (w && (!strcmp(w, "broadcast") || !strcmp(w, "multicast")))
		return parse_cast(w, t);
	t->kind = GNV_T_ETHER;
	t->side = !w ? 0 : !strcmp(w, "src") ? GNV_SIDE_SRC :
		  !strcmp(w, "dst") ? GNV_SIDE_DST :
		  !strcmp(w, "host") ? GNV_SIDE_SRC | GNV_SIDE_DST : 0;
	if (!t->side)
		return fail(lx, "'ether' must be followed by 'host', 'src', "
			    "'dst', 'broadcast' or 'multicast'");
	if (t->side != (GNV_SIDE_SRC | GNV_SIDE_DST))
		lx_accept(lx, "host");
	v = lx_next(lx);
	if (!v || sscanf(v, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
			 &b[4], &b[5], &tail) != 6)
		return fail(lx, "'ether %s' needs a MAC address like "
			    "fa:16:3e:00:00:01, not '%s'", w, v ? v : "nothing");
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return fail(lx, "'%s' is not a MAC address", v);
		t->addr[i] = b[i];
		t->mask[i] = 0xff;
	}
	return 0;
}

/* "vlan [N]": a tag on the inner frame (tcpdump's vlan, there). */
static int parse_vlan(struct lexer *lx, struct gnv_term *t)
{
	const char *v = lx_peek(lx);

	t->kind = GNV_T_INNER_VLAN;
	if (!v || is_operator(v))
		return 0;
	t->side = 1;	/* a VLAN ID was given */
	return parse_num(lx, "vlan", 4095, &t->val);
}

/* tcpdump's words gnvtrace does not take yet, said as such. */
static int not_yet(struct lexer *lx, const char *w)
{
	/* The rest of libpcap's go to it (filter_bytes.c); not these. */
	static const char *const later[] = {
		"gateway", "mpls", "pppoed", "pppoes", "wlan", "type",
		"subtype", "dir", "ifname", "on", "rnr", "rulenum", "reason",
		"rset", "srnr", "subrulenum", "action", "inbound", "outbound",
	};
	static const char *const implied[] = { "geneve", "vxlan" };

	for (size_t i = 0; i < sizeof(implied) / sizeof(implied[0]); i++)
		if (!strcmp(w, implied[i]))
			return fail(lx, "'%s' goes without saying: the words "
				    "apply inside the tunnel (--vxlan adds "
				    "OVN's VXLAN)", w);
	for (size_t i = 0; i < sizeof(later) / sizeof(later[0]); i++)
		if (!strcmp(w, later[i]))
			return fail(lx, "tcpdump's '%s' is not taken yet", w);
	return fail(lx, "unknown word '%s'", w);
}

int parse_primitive(struct lexer *lx, struct gnv_term *t)
{
	const char *w = lx_next(lx);

	if (!w)
		return fail(lx, "expected a primitive at the end");
	if (is_operator(w))
		return fail(lx, "expected a primitive before '%s'", w);
	for (int p = GNV_PROTO_ICMP; p <= GNV_PROTO_ARP; p++) {
		if (strcmp(w, gnv_proto_name(p)))
			continue;
		if (p == GNV_PROTO_TCP || p == GNV_PROTO_UDP)
			return parse_tcp_udp(lx, p, t);
		t->kind = GNV_T_PROTO;
		t->val = p;
		return 0;
	}
	if (!strcmp(w, "ip") || !strcmp(w, "ip6") || !strcmp(w, "proto"))
		return parse_ip(lx, w, t);
	if (is_port_word(w))
		return parse_l4_port(lx, w, GNV_SIDE_SRC | GNV_SIDE_DST, 0, t);
	if (!strcmp(w, "src") || !strcmp(w, "dst"))
		return parse_side(lx, w, 0, t);
	if (!strcmp(w, "host") || !strcmp(w, "net")) {
		t->kind = GNV_T_HOST;
		return parse_addr(lx, w, w[0] == 'n', t);
	}
	if (!strcmp(w, "ether"))
		return parse_ether(lx, t);
	if (!strcmp(w, "broadcast") || !strcmp(w, "multicast"))
		return parse_cast(w, t);
	if (!strcmp(w, "vlan"))
		return parse_vlan(lx, t);
	if (!strcmp(w, "vni")) {
		t->kind = GNV_T_VNI;
		return parse_num(lx, w, 0xffffff, &t->val);
	}
	if (!strcmp(w, "datapath"))
		return parse_datapath(lx, w, t);
	if (!strcmp(w, "inport") || !strcmp(w, "outport") ||
	    !strcmp(w, "lport"))
		return parse_lport(lx, w, t);
	if (!strcmp(w, "icmp-type")) {
		t->kind = GNV_T_ICMP_TYPE;
		return parse_icmp_type(lx, t);
	}
	if (!strcmp(w, "outer"))
		return parse_outer(lx, t);
	if (!strcmp(w, "bfd")) {	/* BFD's control packets, RFC 5881 */
		t->kind = GNV_T_L4_PORT;
		t->side = GNV_SIDE_DST;
		t->proto = GNV_IPPROTO_UDP;
		t->val = GNV_BFD_UDP_PORT | (__u32)GNV_BFD_UDP_PORT << 16;
		return 0;
	}
	return not_yet(lx, w);
}
