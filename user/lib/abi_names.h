/* SPDX-License-Identifier: MIT */
/* Names for the ABI's numbers, as printed and as the filter accepts them. */
#ifndef GNV_NAMES_H
#define GNV_NAMES_H

/* "trunc_udp", "opt_len_overrun", ... for an enum gnv_malformed. */
const char *gnv_malformed_name(int reason);

/* "icmp", "icmp6", "tcp", "udp", "arp" for an enum gnv_proto; NULL else. */
const char *gnv_proto_name(int proto);

/* ICMP / ICMPv6 type names ("echo-request", ...); -1 when unknown. */
int gnv_icmp_type_by_name(const char *name, int v6);
const char *gnv_icmp_type_name(int type, int v6);

#endif /* GNV_NAMES_H */
