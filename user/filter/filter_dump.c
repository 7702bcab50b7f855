// SPDX-License-Identifier: MIT
/*
 * -d: the compiled term program, one line a term, as tcpdump -d shows
 * its classic BPF: what each term tests, and where it goes next.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "lib/abi_names.h"
#include "lib/pcap_lib.h"
#include "filter_compile.h"

static const char *side_word(__u8 side)
{
	return side == GNV_SIDE_SRC ? "src " : side == GNV_SIDE_DST ? "dst " :
	       "";
}

/* "outer src net 10.0.0.0/8", "host 10.0.0.1" (a /32 or a /128). */
static void put_net(FILE *out, const char *which, const struct gnv_term *t)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	int bits = 0;

	inet_ntop(t->family == 4 ? AF_INET : AF_INET6, t->addr, ip,
		  sizeof(ip));
	for (int i = 0; i < (t->family == 4 ? 4 : 16); i++)
		bits += __builtin_popcount(t->mask[i]);
	if (bits == (t->family == 4 ? 32 : 128))
		fprintf(out, "%shost %s", which, ip);
	else
		fprintf(out, "%snet %s/%d", which, ip, bits);
}

/* "ether src fa:16:3e:00:00:01", "ether multicast" (the group bit). */
static void put_ether(FILE *out, const struct gnv_term *t)
{
	if (t->mask[0] == 0x01) {
		fprintf(out, "ether multicast");
		return;
	}
	fprintf(out, "ether %s%02x:%02x:%02x:%02x:%02x:%02x",
		t->side == (GNV_SIDE_SRC | GNV_SIDE_DST) ? "host " :
		side_word(t->side), t->addr[0], t->addr[1], t->addr[2],
		t->addr[3], t->addr[4], t->addr[5]);
}

static void put_test(FILE *out, const struct gnv_term *t)
{
	switch (t->kind) {
	case GNV_T_PROTO:
		fprintf(out, "%s", gnv_proto_name(t->val));
		break;
	case GNV_T_VNI:
		fprintf(out, "vni %u", t->val);
		break;
	case GNV_T_INPORT:
	case GNV_T_OUTPORT:
	case GNV_T_LPORT:
		fprintf(out, "%s %u", t->kind == GNV_T_INPORT ? "inport" :
			t->kind == GNV_T_OUTPORT ? "outport" : "lport", t->val);
		if (t->has_vni)
			fprintf(out, " in vni %u", t->vni);
		break;
	case GNV_T_HOST:
		put_net(out, "", t);
		break;
	case GNV_T_SRC_HOST:
		put_net(out, "src ", t);
		break;
	case GNV_T_DST_HOST:
		put_net(out, "dst ", t);
		break;
	case GNV_T_OUTER_HOST:
		put_net(out, "outer ", t);
		break;
	case GNV_T_OUTER_SRC_HOST:
		put_net(out, "outer src ", t);
		break;
	case GNV_T_OUTER_DST_HOST:
		put_net(out, "outer dst ", t);
		break;
	case GNV_T_VLAN:
		fprintf(out, "outer vlan %u", t->val);
		break;
	case GNV_T_ICMP_TYPE:
		fprintf(out, "icmp-type %#x", t->val);
		break;
	case GNV_T_NOTHING:
		fprintf(out, "nothing (a name OVN does not know yet)");
		break;
	case GNV_T_L4_PORT:
		fprintf(out, "%s%s", t->proto == 6 ? "tcp " :
			t->proto == 17 ? "udp " : "", side_word(t->side));
		if ((t->val & 0xffff) == t->val >> 16)
			fprintf(out, "port %u", t->val >> 16);
		else
			fprintf(out, "portrange %u-%u", t->val & 0xffff,
				t->val >> 16);
		break;
	case GNV_T_INNER_VLAN:
		if (t->side)
			fprintf(out, "vlan %u", t->val);
		else
			fprintf(out, "vlan");
		break;
	case GNV_T_FAMILY:
		fprintf(out, "%s", t->val == 4 ? "ip" : "ip6");
		break;
	case GNV_T_IP_PROTO:
		fprintf(out, "%sproto %u", t->proto == 4 ? "ip " :
			t->proto == 6 ? "ip6 " : "", t->val);
		break;
	case GNV_T_ETHER:
		put_ether(out, t);
		break;
	case GNV_T_BYTES:
		fprintf(out, "byte expression %u (libpcap's program below)",
			t->val);
		break;
	default:
		fprintf(out, "kind %u", t->kind);
	}
}

static void put_jump(FILE *out, const char *name, __u8 to)
{
	if (to == GNV_JUMP_MATCH)
		fprintf(out, " %s match", name);
	else if (to == GNV_JUMP_NOMATCH)
		fprintf(out, " %s nomatch", name);
	else
		fprintf(out, " %s %u", name, to);
}

void gnv_filter_dump(FILE *out, const struct gnv_filter *f)
{
	if (!f->n_terms)
		fprintf(out, "(000) every Geneve packet: match\n");
	for (int i = 0; i < f->n_terms; i++) {
		const struct gnv_term *t = &f->terms[i];

		fprintf(out, "(%03d) ", i);
		put_test(out, t);
		fprintf(out, ":");
		put_jump(out, "jt", t->jt);
		put_jump(out, "jf", t->jf);
		fprintf(out, "\n");
	}
	/* As tcpdump -d shows them, on the untagged inner frame. */
	for (int b = 0; b < f->n_bytes && b < GNV_MAX_BYTES; b++) {
		fprintf(out, "byte expression %d, classic BPF:\n", b);
		const struct bpf_insn *insns =	/* the same layout */
			(const struct bpf_insn *)f->bytes[b].insns;

		for (int i = 0; i < f->bytes[b].n_insns; i++)
			fprintf(out, "  %s\n", bpf_image(&insns[i], i));
	}
}
