// SPDX-License-Identifier: MIT
/*
 * The term program as BPF instructions. Each term becomes straight-line
 * loads of the parsed packet's fields and compares against the term's
 * constants, jumping to the code of its jt or jf term or to the verdict;
 * what gnv_term_match() decides at run time from the term's kind and
 * values (which side, which family, which mask words matter) is decided
 * here once. Registers: r1 then r6 the parsed packet, r1-r3 fields in
 * hand.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "parse.h"
#include "filter_bpf.h"

#define R0	BPF_REG_0
#define R1	BPF_REG_1
#define R2	BPF_REG_2
#define R3	BPF_REG_3
#define R6	BPF_REG_6
#define R10	BPF_REG_10

/* Labels: the terms' own numbers first, then the verdicts, then locals. */
#define MAX_LABELS	(GNV_MAX_TERMS + 2 + GNV_MAX_TERMS * 8)
#define MAX_JUMPS	GNV_FILTER_BPF_MAX

struct jit {
	struct bpf_insn *insn;
	int n;
	int n_terms;
	int label_at[MAX_LABELS];	/* its instruction, or -1 */
	int n_labels;
	struct { int at, label; } jump[MAX_JUMPS];
	int n_jumps;
	int bound_at;		/* where the last label bound points */
	int overflow;
};

#define L_MATCH(j)	((j)->n_terms)
#define L_NOMATCH(j)	((j)->n_terms + 1)

#define PKT(field)	offsetof(struct gnv_pkt, field)
#define PKT_SIZE(field)	(sizeof(((struct gnv_pkt *)0)->field) == 1 ? BPF_B : \
			 sizeof(((struct gnv_pkt *)0)->field) == 2 ? BPF_H : \
			 BPF_W)

static void emit(struct jit *j, __u8 code, __u8 dst, __u8 src, __s16 off,
		 __s32 imm)
{
	if (j->n >= GNV_FILTER_BPF_MAX) {
		j->overflow = 1;
		return;
	}
	j->insn[j->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst,
					     .src_reg = src, .off = off,
					     .imm = imm };
}

static int new_label(struct jit *j)
{
	if (j->n_labels >= MAX_LABELS) {
		j->overflow = 1;
		return L_NOMATCH(j);
	}
	j->label_at[j->n_labels] = -1;
	return j->n_labels++;
}

/*
 * The label's code starts here. A jump to it just before is dropped: each
 * term's code ends in a jump to where either outcome goes, and one of the
 * two is often the next term.
 */
static void bind(struct jit *j, int label)
{
	while (j->n_jumps && j->jump[j->n_jumps - 1].label == label &&
	       j->jump[j->n_jumps - 1].at == j->n - 1 &&
	       j->insn[j->n - 1].code == (BPF_JMP | BPF_JA) &&
	       j->bound_at != j->n) {	/* no other label's code is next */
		j->n_jumps--;
		j->n--;
	}
	j->label_at[label] = j->n;
	j->bound_at = j->n;
}

static void jump_to(struct jit *j, int label)
{
	if (j->n_jumps >= MAX_JUMPS) {
		j->overflow = 1;
		return;
	}
	j->jump[j->n_jumps].at = j->n;
	j->jump[j->n_jumps++].label = label;
}

static void ja(struct jit *j, int label)
{
	jump_to(j, label);
	emit(j, BPF_JMP | BPF_JA, 0, 0, 0, 0);
}

/* reg, a 32-bit field, op imm: to label. JMP32, for imm's sign. */
static void jmp(struct jit *j, __u8 op, __u8 reg, __u32 imm, int label)
{
	jump_to(j, label);
	emit(j, BPF_JMP32 | op | BPF_K, reg, 0, 0, (__s32)imm);
}

static void load(struct jit *j, __u8 reg, __u8 size, size_t off)
{
	emit(j, BPF_LDX | BPF_MEM | size, reg, R6, (__s16)off, 0);
}

#define LOAD(j, reg, field) load(j, reg, PKT_SIZE(field), PKT(field))

/* To fail unless flags has bit. */
static void need_flag(struct jit *j, __u8 bit, int fail)
{
	LOAD(j, R1, flags);
	emit(j, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, bit);
	jmp(j, BPF_JEQ, R1, 0, fail);
}

/* gnv_proto_of(p) == val, as gnv_proto_of() tests it. */
static void proto_is(struct jit *j, __u32 val, int yes, int no)
{
	int l1, l2;

	LOAD(j, R1, inner_ethertype);
	if (val == GNV_PROTO_ARP) {
		jmp(j, BPF_JEQ, R1, GNV_ETH_P_ARP, yes);
		ja(j, no);
		return;
	}
	jmp(j, BPF_JEQ, R1, GNV_ETH_P_ARP, no);
	LOAD(j, R2, inner_family);
	LOAD(j, R3, inner_proto);
	switch (val) {
	case GNV_PROTO_ICMP:
		jmp(j, BPF_JNE, R2, 4, no);
		jmp(j, BPF_JEQ, R3, GNV_IPPROTO_ICMP, yes);
		break;
	case GNV_PROTO_ICMP6:
		jmp(j, BPF_JNE, R2, 6, no);
		jmp(j, BPF_JEQ, R3, GNV_IPPROTO_ICMPV6, yes);
		break;
	case GNV_PROTO_TCP:
	case GNV_PROTO_UDP:
		jmp(j, BPF_JEQ, R2, 0, no);
		jmp(j, BPF_JEQ, R3, val == GNV_PROTO_TCP ? GNV_IPPROTO_TCP :
					GNV_IPPROTO_UDP, yes);
		break;
	case 0:		/* none of the protocols above */
		l1 = new_label(j);
		l2 = new_label(j);
		jmp(j, BPF_JNE, R2, 4, l1);
		jmp(j, BPF_JEQ, R3, GNV_IPPROTO_ICMP, no);
		bind(j, l1);
		jmp(j, BPF_JNE, R2, 6, l2);
		jmp(j, BPF_JEQ, R3, GNV_IPPROTO_ICMPV6, no);
		bind(j, l2);
		jmp(j, BPF_JEQ, R2, 0, yes);
		jmp(j, BPF_JEQ, R3, GNV_IPPROTO_TCP, no);
		jmp(j, BPF_JEQ, R3, GNV_IPPROTO_UDP, no);
		ja(j, yes);
		return;
	}
	ja(j, no);
}

/*
 * An ICMP type: to yes when the packet is proto and of that type, to no
 * when it is proto of another, to other when it is not proto.
 */
static void icmp_type_is(struct jit *j, __u32 proto, __u8 type, int yes,
			 int no, int other)
{
	int l = new_label(j);

	proto_is(j, proto, l, other);
	bind(j, l);
	LOAD(j, R1, icmp_type);
	jmp(j, BPF_JEQ, R1, type, yes);
	ja(j, no);
}

/* The term's OVN port keys mean something: gnv_term_match()'s "ovn". */
static void need_ovn(struct jit *j, const struct gnv_term *t, int fail)
{
	need_flag(j, GNV_F_OVN, fail);
	if (t->has_vni) {
		LOAD(j, R1, vni);
		jmp(j, BPF_JNE, R1, t->vni, fail);
	}
}

/* To fail on OVN's VXLAN encoding, which carries no ingress port. */
static void need_geneve(struct jit *j, int fail)
{
	LOAD(j, R1, flags);
	emit(j, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, GNV_F_VXLAN);
	jmp(j, BPF_JNE, R1, 0, fail);
}

/* gnv_addr_match(): the family, then the words the mask keeps. */
static void addr_is(struct jit *j, const struct gnv_term *t,
		    size_t family_off, size_t addr_off, int yes, int no)
{
	load(j, R1, BPF_B, family_off);
	jmp(j, BPF_JNE, R1, t->family, no);
	for (int i = 0; i < 16; i += 4) {
		__u32 mask, addr;

		memcpy(&mask, t->mask + i, 4);
		memcpy(&addr, t->addr + i, 4);
		if (!mask && addr) {	/* no address's bits can equal it */
			ja(j, no);
			return;
		}
		if (!mask)
			continue;
		load(j, R1, BPF_W, addr_off + i);
		if (mask != 0xffffffff)
			emit(j, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0,
			     (__s32)mask);
		jmp(j, BPF_JNE, R1, addr, no);
	}
	ja(j, yes);
}

/* Either address, as the term's kind asks: src, dst or both. */
static void host_is(struct jit *j, const struct gnv_term *t, int outer,
		    int src, int dst, int yes, int no)
{
	size_t family = outer ? PKT(outer_family) : PKT(inner_family);
	int next = dst ? new_label(j) : no;

	if (src) {
		addr_is(j, t, family, outer ? PKT(outer_src) : PKT(inner_src),
			yes, next);
		if (dst)
			bind(j, next);
	}
	if (dst)
		addr_is(j, t, family, outer ? PKT(outer_dst) : PKT(inner_dst),
			yes, no);
}

/* A 16-bit value in [lo, hi]. */
static void in_range(struct jit *j, size_t off, __u16 lo, __u16 hi, int yes,
		     int no)
{
	load(j, R1, BPF_H, off);
	if (lo > 0)
		jmp(j, BPF_JLT, R1, lo, no);
	if (hi < 0xffff)
		jmp(j, BPF_JGT, R1, hi, no);
	ja(j, yes);
}

/* gnv_l4_port_match() */
static void l4_port_is(struct jit *j, const struct gnv_term *t, int yes,
		       int no)
{
	__u16 lo = t->val & 0xffff, hi = t->val >> 16;
	int ok = new_label(j);

	need_flag(j, GNV_F_INNER_L4, no);
	LOAD(j, R1, inner_family);
	jmp(j, BPF_JEQ, R1, 0, no);
	LOAD(j, R1, inner_proto);
	if (t->proto == GNV_IPPROTO_TCP || t->proto == GNV_IPPROTO_UDP) {
		jmp(j, BPF_JNE, R1, t->proto, no);
	} else if (t->proto) {
		ja(j, no);	/* neither TCP nor UDP: no port */
		return;
	} else {
		jmp(j, BPF_JEQ, R1, GNV_IPPROTO_TCP, ok);
		jmp(j, BPF_JNE, R1, GNV_IPPROTO_UDP, no);
	}
	bind(j, ok);
	if (lo > hi || !(t->side & (GNV_SIDE_SRC | GNV_SIDE_DST))) {
		ja(j, no);
		return;
	}
	if (t->side & GNV_SIDE_SRC) {
		int next = t->side & GNV_SIDE_DST ? new_label(j) : no;

		in_range(j, PKT(sport), lo, hi, yes, next);
		if (next != no)
			bind(j, next);
	}
	if (t->side & GNV_SIDE_DST)
		in_range(j, PKT(dport), lo, hi, yes, no);
}

/* gnv_mac_match(): the first four bytes, then the last two. */
static void mac_is(struct jit *j, const struct gnv_term *t, size_t off,
		   int yes, int no)
{
	__u32 mask4, addr4;
	__u16 mask2, addr2;

	memcpy(&mask4, t->mask, 4);
	memcpy(&addr4, t->addr, 4);
	memcpy(&mask2, t->mask + 4, 2);
	memcpy(&addr2, t->addr + 4, 2);
	load(j, R1, BPF_W, off);
	if (mask4 != 0xffffffff)
		emit(j, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, (__s32)mask4);
	jmp(j, BPF_JNE, R1, addr4, no);
	load(j, R1, BPF_H, off + 4);
	if (mask2 != 0xffff)
		emit(j, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, mask2);
	jmp(j, BPF_JNE, R1, addr2, no);
	ja(j, yes);
}

static void ether_is(struct jit *j, const struct gnv_term *t, int yes, int no)
{
	int src = t->side & GNV_SIDE_SRC, dst = t->side & GNV_SIDE_DST;
	int next = src && dst ? new_label(j) : no;

	need_flag(j, GNV_F_INNER_ETH, no);
	if (!src && !dst)
		ja(j, no);
	if (src) {
		mac_is(j, t, PKT(inner_eth_src), yes, next);
		if (dst)
			bind(j, next);
	}
	if (dst)
		mac_is(j, t, PKT(inner_eth_dst), yes, no);
}

/* gnv_term_match() for one term, its outcomes the labels yes and no. */
static void term(struct jit *j, const struct gnv_term *t, int yes, int no)
{
	__u32 val = t->val;
	int l;

	switch (t->kind) {
	case GNV_T_PROTO:
		proto_is(j, val, yes, no);
		return;
	case GNV_T_VNI:
		LOAD(j, R1, vni);
		jmp(j, BPF_JEQ, R1, val, yes);
		break;
	case GNV_T_INPORT:
		need_ovn(j, t, no);
		need_geneve(j, no);
		LOAD(j, R1, ovn_inport);
		jmp(j, BPF_JEQ, R1, val, yes);
		break;
	case GNV_T_OUTPORT:
		need_ovn(j, t, no);
		LOAD(j, R1, ovn_outport);
		jmp(j, BPF_JEQ, R1, val, yes);
		break;
	case GNV_T_LPORT:
		l = new_label(j);
		need_ovn(j, t, no);
		need_geneve(j, l);
		LOAD(j, R1, ovn_inport);
		jmp(j, BPF_JEQ, R1, val, yes);
		bind(j, l);
		LOAD(j, R1, ovn_outport);
		jmp(j, BPF_JEQ, R1, val, yes);
		break;
	case GNV_T_HOST:
	case GNV_T_SRC_HOST:
	case GNV_T_DST_HOST:
		host_is(j, t, 0, t->kind != GNV_T_DST_HOST,
			t->kind != GNV_T_SRC_HOST, yes, no);
		return;
	case GNV_T_OUTER_HOST:
	case GNV_T_OUTER_SRC_HOST:
	case GNV_T_OUTER_DST_HOST:
		host_is(j, t, 1, t->kind != GNV_T_OUTER_DST_HOST,
			t->kind != GNV_T_OUTER_SRC_HOST, yes, no);
		return;
	case GNV_T_VLAN:
		LOAD(j, R2, n_vlans);
		jmp(j, BPF_JEQ, R2, 0, no);
		load(j, R1, BPF_H, PKT(vlan));
		jmp(j, BPF_JEQ, R1, val, yes);
		jmp(j, BPF_JLT, R2, 2, no);
		load(j, R1, BPF_H, PKT(vlan) + 2);
		jmp(j, BPF_JEQ, R1, val, yes);
		break;
	case GNV_T_ICMP_TYPE:
		/* A packet is ICMP or ICMPv6, never both: each test in turn. */
		need_flag(j, GNV_F_INNER_L4, no);
		if (val & GNV_ICMP4_VALID) {
			l = new_label(j);
			icmp_type_is(j, GNV_PROTO_ICMP, val & 0xff, yes, no, l);
			bind(j, l);
		}
		if (val & GNV_ICMP6_VALID)
			icmp_type_is(j, GNV_PROTO_ICMP6, (val >> 16) & 0xff,
				     yes, no, no);
		break;
	case GNV_T_L4_PORT:
		l4_port_is(j, t, yes, no);
		return;
	case GNV_T_INNER_VLAN:
		LOAD(j, R1, inner_vlan);
		jmp(j, BPF_JEQ, R1, 0, no);
		if (t->side)
			jmp(j, BPF_JEQ, R1, val, yes);
		else
			ja(j, yes);
		break;
	case GNV_T_FAMILY:
		LOAD(j, R1, inner_ethertype);
		jmp(j, BPF_JEQ, R1, val == 4 ? GNV_ETH_P_IP : GNV_ETH_P_IPV6,
		    yes);
		break;
	case GNV_T_IP_PROTO:
		LOAD(j, R1, inner_ethertype);
		jmp(j, BPF_JEQ, R1, GNV_ETH_P_ARP, no);
		LOAD(j, R2, inner_family);
		jmp(j, BPF_JEQ, R2, 0, no);
		LOAD(j, R1, inner_proto);
		jmp(j, BPF_JNE, R1, val, no);
		if (t->proto)
			jmp(j, BPF_JNE, R2, t->proto, no);
		ja(j, yes);
		return;
	case GNV_T_ETHER:
		ether_is(j, t, yes, no);
		return;
	}
	ja(j, no);	/* GNV_T_NOTHING and any kind unknown: never */
}

/*
 * Drops the instructions no path reaches (the verifier refuses a program
 * with any: a verdict no term jumps to, a test after an "always"), then
 * sets each jump's offset. The instruction count, or -EINVAL for a label
 * never bound.
 */
static int finish(struct jit *j)
{
	static int label_of[GNV_FILTER_BPF_MAX], new_at[GNV_FILTER_BPF_MAX + 1];
	static char reached[GNV_FILTER_BPF_MAX + 1];
	int n = 0;

	memset(label_of, -1, sizeof(label_of));
	memset(reached, 0, sizeof(reached));
	for (int i = 0; i < j->n_jumps; i++) {
		if (j->label_at[j->jump[i].label] < 0)
			return -EINVAL;
		label_of[j->jump[i].at] = j->jump[i].label;
	}
	/* Jumps go forward only: one pass in order reaches everything. */
	reached[0] = 1;
	for (int i = 0; i < j->n; i++) {
		__u8 code = j->insn[i].code;

		if (!reached[i])
			continue;
		if (label_of[i] >= 0)
			reached[j->label_at[label_of[i]]] = 1;
		if (code == (BPF_LD | BPF_DW | BPF_IMM))
			reached[++i] = 1, reached[i + 1] = 1;
		else if (code != (BPF_JMP | BPF_JA) &&
			 code != (BPF_JMP | BPF_EXIT))
			reached[i + 1] = 1;
	}
	for (int i = 0; i <= j->n; i++) {
		new_at[i] = n;
		if (i < j->n && reached[i])
			j->insn[n++] = j->insn[i];
	}
	for (int i = 0; i < j->n; i++) {
		int at, to;

		if (!reached[i] || label_of[i] < 0)
			continue;
		at = new_at[i];
		to = new_at[j->label_at[label_of[i]]];
		j->insn[at].off = (__s16)(to - at - 1);
	}
	return n;
}

/* A term's jt or jf as a label: the term's code, or the verdict's. */
static int target(struct jit *j, int from, __u8 to)
{
	if (to == GNV_JUMP_MATCH)
		return L_MATCH(j);
	if (to == GNV_JUMP_NOMATCH)
		return L_NOMATCH(j);
	return to > from && to < j->n_terms ? to : -1;
}

int gnv_filter_to_bpf(const struct gnv_filter *f, struct bpf_insn *insns)
{
	static struct jit jit;	/* 70 KiB, too much for the stack */
	struct jit *j = &jit;

	if (f->n_terms > GNV_MAX_TERMS)
		return -EINVAL;
	memset(j, 0, sizeof(*j));
	j->insn = insns;
	j->n_terms = f->n_terms;
	for (int i = 0; i < j->n_terms + 2; i++)
		new_label(j);
	if (!f->n_terms) {		/* every packet matches */
		emit(j, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
		emit(j, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		return j->n;
	}
	/* r6 = the packet, the function's first argument: never NULL. */
	jump_to(j, L_NOMATCH(j));
	emit(j, BPF_JMP | BPF_JEQ | BPF_K, R1, 0, 0, 0);
	emit(j, BPF_ALU64 | BPF_MOV | BPF_X, R6, R1, 0, 0);
	for (int i = 0; i < f->n_terms; i++) {
		const struct gnv_term *t = &f->terms[i];
		int yes = target(j, i, t->jt), no = target(j, i, t->jf);

		if (yes < 0 || no < 0)
			return -EINVAL;
		bind(j, i);
		term(j, t, yes, no);
	}
	bind(j, L_MATCH(j));
	emit(j, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
	emit(j, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	bind(j, L_NOMATCH(j));
	emit(j, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
	emit(j, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (j->overflow)
		return -E2BIG;
	return finish(j);
}
