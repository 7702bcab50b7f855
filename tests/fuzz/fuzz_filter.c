// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the filter compiler (user/filter/filter_compile.c).
 *
 * The input is split at NUL bytes into up to 64 arguments, each its own
 * heap string of exactly its length, so that a read past one is caught.
 * Spaces inside an argument are left for gnv_filter_compile(), which
 * splits every argument on blanks itself (the "one quoted string" form);
 * so words are NUL- or space-separated. A compiled filter must hold
 * together, and is then matched against two fixed packets, one made of
 * the input's bytes and 64 made of the filter's own values, by the
 * interpreter and by its BPF instructions (user/filter/filter_bpf.c) run
 * here: the two must agree.
 */
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>

#include "filter.h"
#include "gnvtrace.h"
#include "filter/filter_bpf.h"
#include "filter/filter_compile.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

#define MAX_ARGS 64

/* A jump goes forward, to a term there is, or to a verdict. */
static int jump_ok(int from, __u8 to, int n_terms)
{
	return to == GNV_JUMP_MATCH || to == GNV_JUMP_NOMATCH ||
	       (to > from && to < n_terms);
}

static void check_filter(const struct gnv_filter *f)
{
	CHECK(f->geneve_port == GENEVE_UDP_PORT);
	CHECK(f->n_terms <= GNV_MAX_TERMS);
	CHECK(f->n_bytes <= GNV_MAX_BYTES);
	for (int i = 0; i < f->n_terms; i++) {
		const struct gnv_term *t = &f->terms[i];

		CHECK(t->kind >= GNV_T_PROTO && t->kind <= GNV_T_BYTES);
		/* Without OVN's names no name can be unknown. */
		CHECK(t->kind != GNV_T_NOTHING && !t->has_vni);
		CHECK(jump_ok(i, t->jt, f->n_terms));
		CHECK(jump_ok(i, t->jf, f->n_terms));
		switch (t->kind) {
		case GNV_T_PROTO:
			CHECK(t->val >= GNV_PROTO_ICMP &&
			      t->val <= GNV_PROTO_ARP);
			break;
		case GNV_T_VNI:
			CHECK(t->val < (1u << 24));
			break;
		case GNV_T_INPORT:
			CHECK(t->val < 0x8000);
			break;
		case GNV_T_OUTPORT:
		case GNV_T_LPORT:
			CHECK(t->val <= 0xffff);
			break;
		case GNV_T_VLAN:
		case GNV_T_INNER_VLAN:
			CHECK(t->val < 4096);
			break;
		case GNV_T_ICMP_TYPE:
			CHECK(t->val & (GNV_ICMP4_VALID | GNV_ICMP6_VALID));
			break;
		case GNV_T_L4_PORT:	/* lo <= hi, a side, TCP, UDP or both */
			CHECK((t->val & 0xffff) <= t->val >> 16);
			CHECK(t->side && t->side <= (GNV_SIDE_SRC | GNV_SIDE_DST));
			CHECK(!t->proto || t->proto == 6 || t->proto == 17);
			break;
		case GNV_T_FAMILY:
			CHECK(t->val == 4 || t->val == 6);
			break;
		case GNV_T_IP_PROTO:
			CHECK(t->val <= 255 && (!t->proto || t->proto == 4 ||
						t->proto == 6));
			break;
		case GNV_T_ETHER:
			CHECK(t->side && t->side <= (GNV_SIDE_SRC | GNV_SIDE_DST));
			break;
		case GNV_T_BYTES:	/* libpcap's program, kept whole */
			CHECK(t->val < f->n_bytes);
			CHECK(f->bytes[t->val].n_insns > 0 &&
			      f->bytes[t->val].n_insns <= GNV_BYTES_MAX_INSNS);
			break;
		default:	/* address terms: masked, of one family */
			CHECK(t->family == 4 || t->family == 6);
			for (int j = 0; j < 16; j++)
				CHECK((t->addr[j] & ~t->mask[j]) == 0);
			if (t->family == 4)
				for (int j = 4; j < 16; j++)
					CHECK(!t->addr[j] && !t->mask[j]);
		}
	}
}

/*
 * The filter's instructions run on p: only what filter_bpf.c emits, each
 * jump forward and inside the program, each load inside the packet.
 */
static int run_bpf(const struct bpf_insn *in, int n, const struct gnv_pkt *p)
{
	const __u64 pkt = (__u64)(uintptr_t)p;
	__u64 r[11] = { [2] = pkt };

	for (int pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &in[pc];
		__u32 a = (__u32)r[i->dst_reg], k = (__u32)i->imm;
		int taken = -1;

		switch (i->code) {
		case BPF_ALU64 | BPF_MOV | BPF_K:
			r[i->dst_reg] = (__u64)(__s64)i->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_X:
			r[i->dst_reg] = r[i->src_reg];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			r[i->dst_reg] = a & k;
			break;
		case BPF_LDX | BPF_MEM | BPF_B:
		case BPF_LDX | BPF_MEM | BPF_H:
		case BPF_LDX | BPF_MEM | BPF_W: {
			int size = BPF_SIZE(i->code) == BPF_B ? 1 :
				   BPF_SIZE(i->code) == BPF_H ? 2 : 4;
			__u32 v = 0;

			CHECK(i->src_reg == BPF_REG_6 && r[6] == pkt &&
			      i->off >= 0 && i->off + size <= (int)sizeof(*p));
			memcpy(&v, (const __u8 *)p + i->off, size);
			r[i->dst_reg] = v;
			break;
		}
		case BPF_JMP | BPF_JEQ | BPF_K:
			taken = r[i->dst_reg] == (__u64)(__s64)i->imm;
			break;
		case BPF_JMP32 | BPF_JEQ | BPF_K:
			taken = a == k;
			break;
		case BPF_JMP32 | BPF_JNE | BPF_K:
			taken = a != k;
			break;
		case BPF_JMP32 | BPF_JLT | BPF_K:
			taken = a < k;
			break;
		case BPF_JMP32 | BPF_JGT | BPF_K:
			taken = a > k;
			break;
		case BPF_JMP | BPF_JA:
			taken = 1;
			break;
		case BPF_JMP | BPF_EXIT:
			return (int)r[0];
		default:
			CHECK(0);	/* an instruction filter_bpf.c never emits */
		}
		if (taken >= 0) {
			CHECK(i->off >= 0 && pc + 1 + i->off < n);
			if (taken)
				pc += i->off;
		}
	}
	CHECK(0);		/* ran off the end */
	return 0;
}

/* A small generator, seeded by the input: the same input, the same packets. */
static __u32 next_rand(__u64 *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (__u32)(*state >> 33);
}

/* One of the filter's own constants, near it, or anything. */
static __u32 pick(__u64 *rs, const struct gnv_filter *f, int bytes)
{
	const struct gnv_term *t = &f->terms[next_rand(rs) % f->n_terms];
	__u32 v;

	switch (next_rand(rs) % 6) {
	case 0: v = t->val; break;
	case 1: v = t->val >> 16; break;
	case 2: v = t->vni; break;
	case 3: v = (t->val & 0xffff) + (next_rand(rs) % 3) - 1; break;
	case 4: v = t->proto; break;
	default: v = next_rand(rs); break;
	}
	return bytes == 4 ? v : v & ((1u << (8 * bytes)) - 1);
}

/*
 * A packet whose fields the filter's terms look at hold the terms' own
 * values often enough that every term's compares run both ways: random
 * packets would almost never reach a port or an address compare.
 */
static void make_pkt(__u64 *rs, const struct gnv_filter *f, struct gnv_pkt *p)
{
	static const __u16 ethertypes[] = { 0x0800, 0x86dd, 0x0806, 0x8100 };
	static const __u8 families[] = { 0, 4, 6, 5 };
	const struct gnv_term *t = &f->terms[next_rand(rs) % f->n_terms];

	for (size_t i = 0; i < sizeof(*p); i++)
		((__u8 *)p)[i] = next_rand(rs);
	p->flags = next_rand(rs);
	p->inner_family = families[next_rand(rs) % 4];
	p->outer_family = families[next_rand(rs) % 4];
	p->inner_ethertype = ethertypes[next_rand(rs) % 4];
	p->inner_proto = next_rand(rs) & 1 ? pick(rs, f, 1) :
			 (__u8[]){ 1, 6, 17, 58 }[next_rand(rs) % 4];
	p->vni = pick(rs, f, 4) & 0xffffff;
	p->ovn_inport = pick(rs, f, 2);
	p->ovn_outport = pick(rs, f, 2);
	p->sport = pick(rs, f, 2);
	p->dport = pick(rs, f, 2);
	p->icmp_type = pick(rs, f, 1);
	p->n_vlans = next_rand(rs) % (GNV_MAX_VLANS + 1);
	p->vlan[0] = pick(rs, f, 2);
	p->vlan[1] = pick(rs, f, 2);
	p->inner_vlan = next_rand(rs) & 1 ? pick(rs, f, 2) : 0;
	/* An address or MAC of a term, its masked bits kept or not. */
	if (next_rand(rs) & 1)
		memcpy(next_rand(rs) & 1 ? p->inner_src : p->outer_src,
		       t->addr, 16);
	if (next_rand(rs) & 1)
		memcpy(next_rand(rs) & 1 ? p->inner_dst : p->outer_dst,
		       t->addr, 16);
	if (next_rand(rs) & 1)
		memcpy(next_rand(rs) & 1 ? p->inner_eth_src :
		       p->inner_eth_dst, t->addr, 6);
	if (next_rand(rs) % 4 == 0)
		p->inner_src[next_rand(rs) % 16] ^= 1u << (next_rand(rs) % 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS];
	struct gnv_filter f;
	static struct bpf_insn insns[GNV_FILTER_BPF_MAX];
	struct gnv_pkt pkts[3];
	char err[256];
	int argc = 0, r, n;
	__u64 seed = 1;
	size_t at = 0;

	while (at < size && argc < MAX_ARGS) {
		const uint8_t *nul = memchr(data + at, 0, size - at);
		size_t len = nul ? (size_t)(nul - data) - at : size - at;

		argv[argc] = malloc(len + 1);
		if (!argv[argc])
			abort();
		memcpy(argv[argc], data + at, len);
		argv[argc][len] = '\0';
		argc++;
		at += len + 1;
	}

	for (size_t i = 0; i < size; i++)
		seed = seed * 31 + data[i];
	memset(err, 0, sizeof(err));
	memset(&f, 0xa5, sizeof(f));
	r = gnv_filter_compile(argc, argv, GENEVE_UDP_PORT, &f, err,
			       sizeof(err));
	CHECK(r == 0 || r == -EINVAL);
	if (r == 0) {
		FILE *null = fopen("/dev/null", "w");

		check_filter(&f);
		/* -d's dump of whatever compiled. */
		if (null) {
			gnv_filter_dump(null, &f);
			fclose(null);
		}
		/* A zeroed packet, and one with every field set. */
		memset(&pkts[0], 0, sizeof(pkts[0]));
		memset(&pkts[1], 0xff, sizeof(pkts[1]));
		pkts[1].n_vlans = GNV_MAX_VLANS;
		pkts[1].inner_family = 6;
		pkts[1].outer_family = 4;
		memset(&pkts[2], 0, sizeof(pkts[2]));
		memcpy(&pkts[2], data, size < sizeof(pkts[2]) ? size :
		       sizeof(pkts[2]));
		pkts[2].n_vlans %= GNV_MAX_VLANS + 1;
		n = gnv_filter_to_bpf(&f, BPF_PROG_TYPE_XDP, insns);
		CHECK(n > 0 && n <= GNV_FILTER_BPF_MAX);
		/* Byte expressions call helpers: the kernel tests run those. */
		for (int i = 0; f.n_terms && !f.n_bytes && i < 64; i++) {
			struct gnv_pkt p;

			make_pkt(&seed, &f, &p);
			CHECK(run_bpf(insns, n, &p) ==
			      gnv_filter_match(&f, &p, NULL));
		}
		for (int i = 0; i < 3; i++) {
			int m = gnv_filter_match(&f, &pkts[i], NULL);

			CHECK(m == 0 || m == 1);
			CHECK(f.n_bytes || run_bpf(insns, n, &pkts[i]) == m);
			if (f.n_terms == 0)
				CHECK(m == 1);
		}
	} else {
		/* A refusal says why, in one line. */
		CHECK(err[0] && !strchr(err, '\n'));
	}
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
