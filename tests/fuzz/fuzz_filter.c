// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the filter compiler (user/filter/filter_compile.c).
 *
 * The input is split at NUL bytes into up to 64 arguments, each its own
 * heap string of exactly its length, so that a read past one is caught.
 * Spaces inside an argument are left for gnv_filter_compile(), which
 * splits every argument on blanks itself (the "one quoted string" form);
 * so words are NUL- or space-separated. A compiled filter must hold
 * together, and is then matched against two fixed packets.
 */
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "gnvtrace.h"
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
	for (int i = 0; i < f->n_terms; i++) {
		const struct gnv_term *t = &f->terms[i];

		CHECK(t->kind >= GNV_T_PROTO && t->kind <= GNV_T_ETHER);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS];
	struct gnv_filter f;
	struct gnv_pkt pkts[2];
	char err[256];
	int argc = 0, r;
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
		for (int i = 0; i < 2; i++) {
			int m = gnv_filter_match(&f, &pkts[i]);

			CHECK(m == 0 || m == 1);
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
