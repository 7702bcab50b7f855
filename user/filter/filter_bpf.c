// SPDX-License-Identifier: MIT
/*
 * The term program as BPF instructions. Each term becomes straight-line
 * loads of the parsed packet's fields and compares against the term's
 * constants, jumping to the code of its jt or jf term or to the verdict;
 * what gnv_term_match() decides at run time from the term's kind and
 * values (which side, which family, which mask words matter) is decided
 * here once. Registers: r6 the parsed packet, r7 the program's context,
 * r1-r4 fields in hand and helpers' arguments, r8 and r9 classic BPF's
 * A and X in a byte expression.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <linux/bpf.h>

#include "parse.h"
#include "filter_bpf.h"

#define R0	BPF_REG_0
#define R1	BPF_REG_1
#define R2	BPF_REG_2
#define R3	BPF_REG_3
#define R4	BPF_REG_4
#define R5	BPF_REG_5
#define R6	BPF_REG_6
#define R7	BPF_REG_7
#define R8	BPF_REG_8
#define R9	BPF_REG_9
#define R10	BPF_REG_10

/* Labels: the terms' own numbers first, then the verdicts, then locals. */
#define MAX_LABELS	(GNV_MAX_TERMS + 2 + GNV_MAX_TERMS * 8 + \
			 GNV_MAX_BYTES * (GNV_BYTES_MAX_INSNS + 8))

/*
 * A byte expression's stack: the inner frame's offset in the packet, the
 * same past its VLAN tags, the bytes a load brings, and classic BPF's
 * scratch words M[0..15].
 */
#define STK_BASE	-8
#define STK_BASE_TAGS	-16
#define STK_LOADED	-24
#define STK_MEM		-96
#define CBPF_MEMWORDS	16
#define MAX_JUMPS	GNV_FILTER_BPF_MAX

struct jit {
	struct bpf_insn *insn;
	int n;
	int n_terms;
	int prog_type;		/* BPF_PROG_TYPE_XDP or _SCHED_CLS */
	int label_at[MAX_LABELS];	/* its instruction, or -1 */
	int n_labels;
	struct { int at, label; } jump[MAX_JUMPS];
	int n_jumps;
	int bound_at;		/* where the last label bound points */
	int post[GNV_MAX_TERMS];	/* a term's code past its guard */
	int overflow;
	int invalid;		/* a byte expression that cannot run */
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

/* To label when flags has bit. */
static void if_flag(struct jit *j, __u8 bit, int label)
{
	LOAD(j, R1, flags);
	emit(j, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0, bit);
	jmp(j, BPF_JNE, R1, 0, label);
}

/* gnv_addr_match() past its family: the words the mask keeps. */
static void addr_is(struct jit *j, const struct gnv_term *t, size_t addr_off,
		    int yes, int no)
{
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

/*
 * Either address, as the term's kind asks: src, dst or both. Its guard,
 * the family, once: when it fails, to guard_no; the code after it is
 * bound to post (see chain()).
 */
static void host_is(struct jit *j, const struct gnv_term *t, int outer,
		    int src, int dst, int yes, int no, int guard_no, int post)
{
	int next = dst ? new_label(j) : no;

	load(j, R1, BPF_B, outer ? PKT(outer_family) : PKT(inner_family));
	jmp(j, BPF_JNE, R1, t->family, guard_no);
	bind(j, post);
	if (src) {
		addr_is(j, t, outer ? PKT(outer_src) : PKT(inner_src), yes,
			next);
		if (dst)
			bind(j, next);
	}
	if (dst)
		addr_is(j, t, outer ? PKT(outer_dst) : PKT(inner_dst), yes, no);
}

/* A 16-bit value in [lo, hi]; one compare for a single value. */
static void in_range(struct jit *j, size_t off, __u16 lo, __u16 hi, int yes,
		     int no)
{
	load(j, R1, BPF_H, off);
	if (lo == hi) {
		jmp(j, BPF_JEQ, R1, lo, yes);
		ja(j, no);
		return;
	}
	if (lo > 0)
		jmp(j, BPF_JLT, R1, lo, no);
	if (hi < 0xffff)
		jmp(j, BPF_JGT, R1, hi, no);
	ja(j, yes);
}

/*
 * gnv_l4_port_match(): its guard (an inner TCP or UDP header, of the
 * term's protocol if it names one), then the ports. A guard that fails
 * goes to guard_no, the code after it is bound to post (see chain()).
 */
static void l4_port_is(struct jit *j, const struct gnv_term *t, int yes,
		       int no, int guard_no, int post)
{
	__u16 lo = t->val & 0xffff, hi = t->val >> 16;
	int ok = new_label(j);

	need_flag(j, GNV_F_INNER_L4, guard_no);
	LOAD(j, R1, inner_family);
	jmp(j, BPF_JEQ, R1, 0, guard_no);
	LOAD(j, R1, inner_proto);
	if (t->proto == GNV_IPPROTO_TCP || t->proto == GNV_IPPROTO_UDP) {
		jmp(j, BPF_JNE, R1, t->proto, guard_no);
	} else if (t->proto) {
		ja(j, guard_no);	/* neither TCP nor UDP: no port */
		return;
	} else {
		jmp(j, BPF_JEQ, R1, GNV_IPPROTO_TCP, ok);
		jmp(j, BPF_JNE, R1, GNV_IPPROTO_UDP, guard_no);
	}
	bind(j, ok);
	bind(j, post);
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

/* Classic BPF's instruction classes and fields (linux/filter.h's). */
#define CB_CLASS(c)	((c) & 0x07)
#define CB_SIZE(c)	((c) & 0x18)
#define CB_MODE(c)	((c) & 0xe0)
#define CB_OP(c)	((c) & 0xf0)
#define CB_SRC(c)	((c) & 0x08)
#define CB_RVAL(c)	((c) & 0x18)
#define CB_MISCOP(c)	((c) & 0xf8)
#define CB_LD		0x00
#define CB_LDX		0x01
#define CB_ST		0x02
#define CB_STX		0x03
#define CB_ALU		0x04
#define CB_JMP		0x05
#define CB_RET		0x06
#define CB_MISC		0x07
#define CB_W		0x00
#define CB_H		0x08
#define CB_B		0x10
#define CB_IMM		0x00
#define CB_ABS		0x20
#define CB_IND		0x40
#define CB_MEM		0x60
#define CB_LEN		0x80
#define CB_MSH		0xa0
#define CB_K		0x00
#define CB_X		0x08
#define CB_A		0x10
#define CB_TAX		0x00
#define CB_TXA		0x80

/* Frame offsets a byte expression may load from: libpcap's are small. */
#define CB_MAX_K	0xffff

static void mov32_imm(struct jit *j, __u8 reg, __u32 imm)
{
	emit(j, BPF_ALU | BPF_MOV | BPF_K, reg, 0, 0, (__s32)imm);
}

/*
 * size bytes of the frame at the offset in r2 into r1, in host order, or
 * to fail past the frame's end (classic BPF's load out of bounds ends
 * its program with 0). Straight from the packet where its first buffer
 * (an skb's linear part) holds them; else by a helper, which finds them
 * in any of an XDP frame's buffers or an skb's pages, at some 4.5 ns a
 * call.
 */
static void load_frame(struct jit *j, int size, int fail)
{
	int xdp = j->prog_type == BPF_PROG_TYPE_XDP;
	__u8 sz = size == 1 ? BPF_B : size == 2 ? BPF_H : BPF_W;
	int slow = new_label(j), loaded = new_label(j);

	emit(j, BPF_LDX | BPF_MEM | BPF_W, R3, R7,
	     xdp ? offsetof(struct xdp_md, data) :
		   offsetof(struct __sk_buff, data), 0);
	emit(j, BPF_LDX | BPF_MEM | BPF_W, R4, R7,
	     xdp ? offsetof(struct xdp_md, data_end) :
		   offsetof(struct __sk_buff, data_end), 0);
	/*
	 * A bound the verifier wants on an offset added to a packet pointer:
	 * with the size, under 64 KiB, or the check below proves nothing.
	 */
	jump_to(j, slow);
	emit(j, BPF_JMP | BPF_JGT | BPF_K, R2, 0, 0, 0x7fff);
	emit(j, BPF_ALU64 | BPF_ADD | BPF_X, R3, R2, 0, 0);
	emit(j, BPF_ALU64 | BPF_MOV | BPF_X, R5, R3, 0, 0);
	emit(j, BPF_ALU64 | BPF_ADD | BPF_K, R5, 0, 0, size);
	jump_to(j, slow);
	emit(j, BPF_JMP | BPF_JGT | BPF_X, R5, R4, 0, 0);
	emit(j, BPF_LDX | BPF_MEM | sz, R1, R3, 0, 0);
	ja(j, loaded);
	bind(j, slow);
	emit(j, BPF_ALU64 | BPF_MOV | BPF_X, R1, R7, 0, 0);
	emit(j, BPF_ALU64 | BPF_MOV | BPF_X, R3, R10, 0, 0);
	emit(j, BPF_ALU64 | BPF_ADD | BPF_K, R3, 0, 0, STK_LOADED);
	emit(j, BPF_ALU64 | BPF_MOV | BPF_K, R4, 0, 0, size);
	emit(j, BPF_JMP | BPF_CALL, 0, 0, 0,
	     j->prog_type == BPF_PROG_TYPE_XDP ? BPF_FUNC_xdp_load_bytes :
						 BPF_FUNC_skb_load_bytes);
	jump_to(j, fail);
	emit(j, BPF_JMP | BPF_JNE | BPF_K, R0, 0, 0, 0);
	emit(j, BPF_LDX | BPF_MEM | sz, R1, R10, STK_LOADED, 0);
	bind(j, loaded);
	if (size > 1)		/* the frame's bytes are in network order */
		emit(j, BPF_ALU | BPF_END | BPF_TO_BE, R1, 0, 0, size * 8);
}

/*
 * The untagged inner frame, as gnv_inner_frame() makes it for the host:
 * where it starts (0 on a Geneve device, which hands over the inner frame
 * itself) and where it starts past up to GNV_MAX_VLANS tags, both kept on
 * the stack for the loads; a byte at offset 12 or more of the untagged
 * frame is that many past the tags.
 */
static void inner_frame(struct jit *j, int no)
{
	int base = new_label(j), done = new_label(j);

	need_flag(j, GNV_F_INNER_ETH, no);
	if_flag(j, GNV_F_VXLAN, no);
	mov32_imm(j, R8, 0);
	if_flag(j, GNV_F_DECAP, base);
	LOAD(j, R8, opts_off);
	LOAD(j, R1, opts_len);
	emit(j, BPF_ALU64 | BPF_ADD | BPF_X, R8, R1, 0, 0);
	bind(j, base);
	emit(j, BPF_STX | BPF_MEM | BPF_W, R10, R8, STK_BASE, 0);
	for (int tag = 0; tag < GNV_MAX_VLANS; tag++) {
		int next = new_label(j);

		/* No type after the MACs: no frame, as for the host. */
		emit(j, BPF_ALU64 | BPF_MOV | BPF_X, R2, R8, 0, 0);
		emit(j, BPF_ALU64 | BPF_ADD | BPF_K, R2, 0, 0, 12);
		load_frame(j, 2, tag ? done : no);
		jmp(j, BPF_JEQ, R1, GNV_ETH_P_8021Q, next);
		jmp(j, BPF_JNE, R1, GNV_ETH_P_8021AD, done);
		bind(j, next);
		/* A tag counts with the type behind it in the frame. */
		emit(j, BPF_ALU64 | BPF_MOV | BPF_X, R2, R8, 0, 0);
		emit(j, BPF_ALU64 | BPF_ADD | BPF_K, R2, 0, 0, 16);
		load_frame(j, 2, done);
		emit(j, BPF_ALU64 | BPF_ADD | BPF_K, R8, 0, 0, 4);
	}
	bind(j, done);
	emit(j, BPF_STX | BPF_MEM | BPF_W, R10, R8, STK_BASE_TAGS, 0);
	/* The scratch words, read only after a store, but the verifier. */
	for (int i = 0; i < CBPF_MEMWORDS; i += 2)
		emit(j, BPF_ST | BPF_MEM | BPF_DW, R10, 0, STK_MEM + 4 * i, 0);
	mov32_imm(j, R8, 0);
	mov32_imm(j, R9, 0);
}

/* r2 = where byte k of the untagged frame is in the packet. */
static void frame_offset(struct jit *j, __u32 k)
{
	emit(j, BPF_LDX | BPF_MEM | BPF_W, R2, R10,
	     k >= 12 ? STK_BASE_TAGS : STK_BASE, 0);
	emit(j, BPF_ALU64 | BPF_ADD | BPF_K, R2, 0, 0, (__s32)k);
}

/* The same for byte X + k, known only as the packet runs. */
static void frame_offset_x(struct jit *j, __u32 k)
{
	int tags = new_label(j), add = new_label(j);

	emit(j, BPF_ALU | BPF_MOV | BPF_X, R2, R9, 0, 0);
	emit(j, BPF_ALU | BPF_ADD | BPF_K, R2, 0, 0, (__s32)k);
	jmp(j, BPF_JGE, R2, 12, tags);
	emit(j, BPF_LDX | BPF_MEM | BPF_W, R1, R10, STK_BASE, 0);
	ja(j, add);
	bind(j, tags);
	emit(j, BPF_LDX | BPF_MEM | BPF_W, R1, R10, STK_BASE_TAGS, 0);
	bind(j, add);
	emit(j, BPF_ALU64 | BPF_ADD | BPF_X, R2, R1, 0, 0);
}

/* The untagged inner frame's length on the wire, into reg. */
static void frame_len(struct jit *j, __u8 reg)
{
	if (j->prog_type == BPF_PROG_TYPE_XDP) {
		emit(j, BPF_ALU64 | BPF_MOV | BPF_X, R1, R7, 0, 0);
		emit(j, BPF_JMP | BPF_CALL, 0, 0, 0,
		     BPF_FUNC_xdp_get_buff_len);
	} else {
		emit(j, BPF_LDX | BPF_MEM | BPF_W, R0, R7,
		     offsetof(struct __sk_buff, len), 0);
	}
	emit(j, BPF_LDX | BPF_MEM | BPF_W, R1, R10, STK_BASE_TAGS, 0);
	emit(j, BPF_ALU | BPF_SUB | BPF_X, R0, R1, 0, 0);
	emit(j, BPF_ALU | BPF_MOV | BPF_X, reg, R0, 0, 0);
}

static const __u8 alu_ops[16] = {
	[0x00 >> 4] = BPF_ADD, [0x10 >> 4] = BPF_SUB, [0x20 >> 4] = BPF_MUL,
	[0x30 >> 4] = BPF_DIV, [0x40 >> 4] = BPF_OR, [0x50 >> 4] = BPF_AND,
	[0x60 >> 4] = BPF_LSH, [0x70 >> 4] = BPF_RSH, [0x80 >> 4] = BPF_NEG,
	[0x90 >> 4] = BPF_MOD, [0xa0 >> 4] = BPF_XOR,
};

/*
 * One classic BPF instruction at pc of b, its jumps to the labels of
 * lbl[]. Registers: A in r8, X in r9. 0, or -EINVAL for one that
 * libpcap does not make for a frame (or that loads past CB_MAX_K).
 */
static int cbpf_insn(struct jit *j, const struct gnv_bytes *b, int pc,
		     const int *lbl, int yes, int no)
{
	const struct gnv_cbpf_insn *i = &b->insns[pc];
	__u16 c = i->code;
	__u32 k = i->k;
	int size = CB_SIZE(c) == CB_W ? 4 : CB_SIZE(c) == CB_H ? 2 : 1;

	switch (CB_CLASS(c)) {
	case CB_LD:
	case CB_LDX: {
		__u8 reg = CB_CLASS(c) == CB_LD ? R8 : R9;

		switch (CB_MODE(c)) {
		case CB_IMM:
			mov32_imm(j, reg, k);
			return 0;
		case CB_MEM:
			if (k >= CBPF_MEMWORDS)
				return -EINVAL;
			emit(j, BPF_LDX | BPF_MEM | BPF_W, reg, R10,
			     STK_MEM + 4 * k, 0);
			return 0;
		case CB_LEN:
			frame_len(j, reg);
			return 0;
		case CB_ABS:
		case CB_MSH:
			if (k > CB_MAX_K ||
			    (CB_MODE(c) == CB_MSH && (CB_CLASS(c) != CB_LDX ||
						      size != 1)) ||
			    (CB_MODE(c) == CB_ABS && CB_CLASS(c) != CB_LD))
				return -EINVAL;
			frame_offset(j, k);
			load_frame(j, size, no);
			if (CB_MODE(c) == CB_MSH) {	/* X = 4 * (P[k] & 0xf) */
				emit(j, BPF_ALU | BPF_AND | BPF_K, R1, 0, 0,
				     0xf);
				emit(j, BPF_ALU | BPF_LSH | BPF_K, R1, 0, 0, 2);
			}
			emit(j, BPF_ALU | BPF_MOV | BPF_X, reg, R1, 0, 0);
			return 0;
		case CB_IND:
			if (k > CB_MAX_K || CB_CLASS(c) != CB_LD)
				return -EINVAL;
			frame_offset_x(j, k);
			load_frame(j, size, no);
			emit(j, BPF_ALU | BPF_MOV | BPF_X, R8, R1, 0, 0);
			return 0;
		}
		return -EINVAL;
	}
	case CB_ST:
	case CB_STX:
		if (k >= CBPF_MEMWORDS || c & ~0x07)
			return -EINVAL;
		emit(j, BPF_STX | BPF_MEM | BPF_W, R10,
		     CB_CLASS(c) == CB_ST ? R8 : R9, STK_MEM + 4 * k, 0);
		return 0;
	case CB_ALU: {
		__u8 op = alu_ops[CB_OP(c) >> 4];

		if (!op && CB_OP(c) != 0x00)
			return -EINVAL;
		if (CB_OP(c) == 0x80) {		/* A = -A */
			emit(j, BPF_ALU | BPF_NEG, R8, 0, 0, 0);
			return 0;
		}
		if (CB_SRC(c) == CB_K) {
			if ((op == BPF_DIV || op == BPF_MOD) && !k)
				return -EINVAL;
			emit(j, BPF_ALU | op | BPF_K, R8, 0, 0, (__s32)k);
			return 0;
		}
		/* Dividing by X = 0 ends classic BPF's program with 0. */
		if (op == BPF_DIV || op == BPF_MOD)
			jmp(j, BPF_JEQ, R9, 0, no);
		emit(j, BPF_ALU | op | BPF_X, R8, R9, 0, 0);
		return 0;
	}
	case CB_JMP: {
		static const __u8 jops[16] = {
			[0x10 >> 4] = BPF_JEQ, [0x20 >> 4] = BPF_JGT,
			[0x30 >> 4] = BPF_JGE, [0x40 >> 4] = BPF_JSET,
		};
		__u8 op = jops[CB_OP(c) >> 4];
		int jt = pc + 1 + i->jt, jf = pc + 1 + i->jf;

		if (CB_OP(c) == 0x00) {		/* JA */
			if (k >= (__u32)b->n_insns - pc - 1)
				return -EINVAL;
			ja(j, lbl[pc + 1 + k]);
			return 0;
		}
		if (!op || jt >= b->n_insns || jf >= b->n_insns)
			return -EINVAL;
		jump_to(j, lbl[jt]);
		if (CB_SRC(c) == CB_K)
			emit(j, BPF_JMP32 | op | BPF_K, R8, 0, 0, (__s32)k);
		else
			emit(j, BPF_JMP32 | op | BPF_X, R8, R9, 0, 0);
		ja(j, lbl[jf]);
		return 0;
	}
	case CB_RET:
		if (CB_RVAL(c) == CB_K) {
			ja(j, k ? yes : no);
			return 0;
		}
		if (CB_RVAL(c) != CB_A)
			return -EINVAL;
		jmp(j, BPF_JNE, R8, 0, yes);
		ja(j, no);
		return 0;
	case CB_MISC:
		if (CB_MISCOP(c) == CB_TAX)
			emit(j, BPF_ALU | BPF_MOV | BPF_X, R9, R8, 0, 0);
		else if (CB_MISCOP(c) == CB_TXA)
			emit(j, BPF_ALU | BPF_MOV | BPF_X, R8, R9, 0, 0);
		else
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

/* A byte expression: libpcap's program on the untagged inner frame. */
static int bytes_are(struct jit *j, const struct gnv_filter *f,
		     const struct gnv_term *t, int yes, int no)
{
	const struct gnv_bytes *b;
	int lbl[GNV_BYTES_MAX_INSNS];

	if (t->val >= f->n_bytes || t->val >= GNV_MAX_BYTES)
		return -EINVAL;
	b = &f->bytes[t->val];
	if (!b->n_insns || b->n_insns > GNV_BYTES_MAX_INSNS)
		return -EINVAL;
	inner_frame(j, no);
	for (int pc = 0; pc < b->n_insns; pc++)
		lbl[pc] = new_label(j);
	for (int pc = 0; pc < b->n_insns; pc++) {
		bind(j, lbl[pc]);
		if (cbpf_insn(j, b, pc, lbl, yes, no))
			return -EINVAL;
	}
	/* Classic BPF's last instruction is a return: nothing falls out. */
	return 0;
}

/*
 * What a term tests before its values, when the compiler shares it along
 * a chain: a port term's header (an inner TCP or UDP one, or of the
 * protocol it names), an address term's family. 0: none shared.
 */
static int guard_of(const struct gnv_term *t)
{
	switch (t->kind) {
	case GNV_T_L4_PORT:
		return t->proto == GNV_IPPROTO_TCP ? 1 :
		       t->proto == GNV_IPPROTO_UDP ? 2 : t->proto ? 0 : 3;
	case GNV_T_HOST:
	case GNV_T_SRC_HOST:
	case GNV_T_DST_HOST:
		return 16 + t->family;
	case GNV_T_OUTER_HOST:
	case GNV_T_OUTER_SRC_HOST:
	case GNV_T_OUTER_DST_HOST:
		return 32 + t->family;
	}
	return 0;
}

static int target(struct jit *j, int from, __u8 to);

/*
 * Where term i goes when its guard fails (*guard_no) and when its values
 * do not match (*no), in a chain of terms with its guard, each the
 * last's jf ("port 22 or port 80 or ...", "host a or host b or ..."): a
 * failed guard fails the next ones too, so it goes past them all; values
 * that do not match leave the guard true, so the next term is entered
 * past its own. The bench's F20 (five ports, four hosts) on a TCP
 * segment: 149 instructions -> 98.
 */
static void chain(struct jit *j, const struct gnv_filter *f, int i,
		  int *no, int *guard_no)
{
	const struct gnv_term *t = &f->terms[i];
	int g = guard_of(t), to = t->jf;

	*guard_no = *no;
	if (!g || to >= j->n_terms || guard_of(&f->terms[to]) != g)
		return;
	*no = j->post[to];
	while (to < j->n_terms && guard_of(&f->terms[to]) == g)
		to = f->terms[to].jf;
	*guard_no = target(j, i, to);
}

/* gnv_term_match() for term i, its outcomes the labels yes and no. */
static void term(struct jit *j, const struct gnv_filter *f, int i, int yes,
		 int no)
{
	const struct gnv_term *t = &f->terms[i];
	__u32 val = t->val;
	int l, guard_no;

	chain(j, f, i, &no, &guard_no);
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
		if_flag(j, GNV_F_VXLAN, no);	/* OVN's VXLAN: no inport */
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
		if_flag(j, GNV_F_VXLAN, l);
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
			t->kind != GNV_T_SRC_HOST, yes, no, guard_no,
			j->post[i]);
		return;
	case GNV_T_OUTER_HOST:
	case GNV_T_OUTER_SRC_HOST:
	case GNV_T_OUTER_DST_HOST:
		host_is(j, t, 1, t->kind != GNV_T_OUTER_DST_HOST,
			t->kind != GNV_T_OUTER_SRC_HOST, yes, no, guard_no,
			j->post[i]);
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
		l4_port_is(j, t, yes, no, guard_no, j->post[i]);
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
	case GNV_T_BYTES:
		if (bytes_are(j, f, t, yes, no))
			j->invalid = 1;
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

int gnv_filter_to_bpf(const struct gnv_filter *f, int prog_type,
		      struct bpf_insn *insns)
{
	static struct jit jit;	/* 70 KiB, too much for the stack */
	struct jit *j = &jit;

	if (f->n_terms > GNV_MAX_TERMS)
		return -EINVAL;
	memset(j, 0, sizeof(*j));
	j->insn = insns;
	j->n_terms = f->n_terms;
	j->prog_type = prog_type;
	for (int i = 0; i < j->n_terms + 2; i++)
		new_label(j);
	for (int i = 0; i < j->n_terms; i++)
		j->post[i] = new_label(j);
	if (!f->n_terms) {		/* every packet matches */
		emit(j, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
		emit(j, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		return j->n;
	}
	/* r6 = the parsed packet (never NULL: the caller's), r7 = ctx. */
	jump_to(j, L_NOMATCH(j));
	emit(j, BPF_JMP | BPF_JEQ | BPF_K, R2, 0, 0, 0);
	emit(j, BPF_ALU64 | BPF_MOV | BPF_X, R6, R2, 0, 0);
	emit(j, BPF_ALU64 | BPF_MOV | BPF_X, R7, R1, 0, 0);
	for (int i = 0; i < f->n_terms; i++) {
		const struct gnv_term *t = &f->terms[i];
		int yes = target(j, i, t->jt), no = target(j, i, t->jf);

		if (yes < 0 || no < 0)
			return -EINVAL;
		bind(j, i);
		term(j, f, i, yes, no);
	}
	bind(j, L_MATCH(j));
	emit(j, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
	emit(j, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	bind(j, L_NOMATCH(j));
	emit(j, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
	emit(j, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (j->overflow)
		return -E2BIG;
	if (j->invalid)
		return -EINVAL;
	return finish(j);
}

int gnv_filter_bpf_check(const struct gnv_filter *f)
{
	static struct bpf_insn insns[GNV_FILTER_BPF_MAX];

	return gnv_filter_to_bpf(f, BPF_PROG_TYPE_XDP, insns) < 0 ||
	       gnv_filter_to_bpf(f, BPF_PROG_TYPE_SCHED_CLS, insns) < 0 ?
	       -EINVAL : 0;
}
