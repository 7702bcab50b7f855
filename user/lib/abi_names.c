// SPDX-License-Identifier: MIT
#include <string.h>

#include "gnvtrace.h"
#include "abi_names.h"

static const char *const malformed_names[GNV_BAD_MAX] = {
	[GNV_BAD_NONE] = "none",
	[GNV_BAD_TRUNC_ETH] = "trunc_eth",
	[GNV_BAD_TRUNC_VLAN] = "trunc_vlan",
	[GNV_BAD_TRUNC_IPV4] = "trunc_ipv4",
	[GNV_BAD_IPV4_IHL] = "bad_ipv4_ihl",
	[GNV_BAD_IP_VERSION] = "bad_ip_version",
	[GNV_BAD_TRUNC_IPV6] = "trunc_ipv6",
	[GNV_BAD_IPV6_EXT] = "ipv6_ext_chain",
	[GNV_BAD_TRUNC_UDP] = "trunc_udp",
	[GNV_BAD_TRUNC_GENEVE] = "trunc_geneve",
	[GNV_BAD_GENEVE_VERSION] = "bad_geneve_version",
	[GNV_BAD_TRUNC_VXLAN] = "trunc_vxlan",
	[GNV_BAD_VXLAN_FLAGS] = "bad_vxlan_flags",
	[GNV_BAD_OPTS_OVERRUN] = "opts_overrun",
	[GNV_BAD_OPT_LEN_OVERRUN] = "opt_len_overrun",
	[GNV_BAD_OVN_OPT_LEN] = "bad_ovn_opt_len",
	[GNV_BAD_TRUNC_INNER_ETH] = "trunc_inner_eth",
	[GNV_BAD_TRUNC_INNER_VLAN] = "trunc_inner_vlan",
	[GNV_BAD_TRUNC_INNER_IP] = "trunc_inner_ip",
	[GNV_BAD_INNER_IPV4_IHL] = "bad_inner_ipv4_ihl",
	[GNV_BAD_TRUNC_INNER_L4] = "trunc_inner_l4",
};

const char *gnv_malformed_name(int reason)
{
	if (reason < 0 || reason >= GNV_BAD_MAX || !malformed_names[reason])
		return "unknown";
	return malformed_names[reason];
}

const char *gnv_proto_name(int proto)
{
	switch (proto) {
	case GNV_PROTO_ICMP: return "icmp";
	case GNV_PROTO_ICMP6: return "icmp6";
	case GNV_PROTO_TCP: return "tcp";
	case GNV_PROTO_UDP: return "udp";
	case GNV_PROTO_ARP: return "arp";
	}
	return NULL;
}

struct icmp_name {
	int type;
	const char *name;
};

static const struct icmp_name icmp4_names[] = {
	{ 0, "echo-reply" },
	{ 3, "unreachable" },
	{ 5, "redirect" },
	{ 8, "echo-request" },
	{ 11, "time-exceeded" },
	{ 12, "parameter-problem" },
};

static const struct icmp_name icmp6_names[] = {
	{ 1, "unreachable" },
	{ 2, "packet-too-big" },
	{ 3, "time-exceeded" },
	{ 4, "parameter-problem" },
	{ 128, "echo-request" },
	{ 129, "echo-reply" },
	{ 133, "router-solicit" },
	{ 134, "router-advert" },
	{ 135, "neighbor-solicit" },
	{ 136, "neighbor-advert" },
};

#define TABLE(v6) ((v6) ? icmp6_names : icmp4_names)
#define TABLE_LEN(v6) ((v6) ? sizeof(icmp6_names) / sizeof(icmp6_names[0]) \
			    : sizeof(icmp4_names) / sizeof(icmp4_names[0]))

int gnv_icmp_type_by_name(const char *name, int v6)
{
	for (size_t i = 0; i < TABLE_LEN(v6); i++)
		if (!strcmp(TABLE(v6)[i].name, name))
			return TABLE(v6)[i].type;
	return -1;
}

const char *gnv_icmp_type_name(int type, int v6)
{
	for (size_t i = 0; i < TABLE_LEN(v6); i++)
		if (TABLE(v6)[i].type == type)
			return TABLE(v6)[i].name;
	return NULL;
}
