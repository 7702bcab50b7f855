// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "lib/log.h"
#include "lib/pcap_lib.h"
#include "filter_bpf.h"
#include "filter_bytes.h"
#include "inner_frame.h"

#define FRAME_CAP	65536

/* The ABI's classic instruction is libpcap's, field for field. */
_Static_assert(sizeof(struct gnv_cbpf_insn) == sizeof(struct bpf_insn) &&
	       offsetof(struct gnv_cbpf_insn, code) ==
	       offsetof(struct bpf_insn, code) &&
	       offsetof(struct gnv_cbpf_insn, jt) ==
	       offsetof(struct bpf_insn, jt) &&
	       offsetof(struct gnv_cbpf_insn, jf) ==
	       offsetof(struct bpf_insn, jf) &&
	       offsetof(struct gnv_cbpf_insn, k) ==
	       offsetof(struct bpf_insn, k), "gnv_cbpf_insn is bpf_insn");

static int is_word(const char *tok, const char *const *words)
{
	for (; *words; words++)
		if (!strcmp(tok, *words))
			return 1;
	return 0;
}

int gnv_bytes_words(const char *const *tok, int n_tok, int *n)
{
	static const char *const ends[] = { "and", "&&", "or", "||", NULL };
	/*
	 * Words that start a primitive of libpcap's that gnvtrace leaves to
	 * it: lengths, and protocols gnvtrace has no words of its own for.
	 */
	static const char *const pcap_words[] = {
		"greater", "less", "len", "sctp", "igmp", "igrp", "pim",
		"vrrp", "carp", "ah", "esp", "rarp", "stp", "llc", "decnet",
		"atalk", "aarp", "ipx", "iso", "clnp", "esis", "isis",
		"netbeui", "lat", "moprc", "mopdl", "sca", NULL,
	};
	int depth = 0, bytes = n_tok > 0 && is_word(tok[0], pcap_words), i;

	for (i = 0; i < n_tok; i++) {
		if (depth == 0 && is_word(tok[i], ends))
			break;
		if (!strcmp(tok[i], "("))
			depth++;
		else if (!strcmp(tok[i], ")") && depth-- == 0)
			break;
		/* An index, a relation or a bit operator: arithmetic. */
		if (strpbrk(tok[i], "[=<>&|"))
			bytes = 1;
	}
	*n = i;
	return bytes && i > 0;
}

int gnv_bytes_compile(const char *text, struct gnv_bytes *b, char *err,
		      size_t errlen)
{
	static struct gnv_filter one = { .n_terms = 1, .n_bytes = 1 };
	struct bpf_program prog;
	pcap_t *p;

	if (gnv_pcap_load("a byte expression", err, errlen))
		return -ENOENT;
	p = pcap_open_dead(DLT_EN10MB, FRAME_CAP);
	if (!p)
		return gnv_errf(err, errlen, "'%s': out of memory", text);
	if (pcap_compile(p, &prog, text, 1, PCAP_NETMASK_UNKNOWN)) {
		/* Some of libpcap's messages end in a newline: one line. */
		const char *why = pcap_geterr(p);

		gnv_errf(err, errlen, "'%s': %.*s", text,
			 (int)strcspn(why, "\n"), why);
		pcap_close(p);
		return -EINVAL;
	}
	pcap_close(p);
	if (prog.bf_len > GNV_BYTES_MAX_INSNS) {
		gnv_errf(err, errlen, "'%s' compiles to %u classic BPF "
			 "instructions, more than the %d a byte expression may "
			 "take", text, prog.bf_len, GNV_BYTES_MAX_INSNS);
		pcap_freecode(&prog);
		return -EINVAL;
	}
	memset(b, 0, sizeof(*b));
	b->n_insns = prog.bf_len;
	memcpy(b->insns, prog.bf_insns, prog.bf_len * sizeof(*prog.bf_insns));
	pcap_freecode(&prog);
	/* What the kernel will run: compiled here once, to know it can. */
	one.terms[0] = (struct gnv_term){ .kind = GNV_T_BYTES,
					  .jt = GNV_JUMP_MATCH,
					  .jf = GNV_JUMP_NOMATCH };
	one.bytes[0] = *b;
	if (gnv_filter_bpf_check(&one))
		return gnv_errf(err, errlen, "'%s': libpcap's program for it "
				"holds an instruction gnvtrace does not run in "
				"the kernel", text);
	return 0;
}

/*
 * The inner frame as libpcap's program expects it: untagged, the
 * length on the wire too (greater, less and len read it).
 */
int gnv_bytes_match(const struct gnv_filter *f, const struct gnv_term *t,
		    const struct gnv_pkt *p, const struct gnv_frame *fr)
{
	static __thread __u8 inner[FRAME_CAP];
	const struct gnv_bytes *b;
	size_t caplen;

	if (!fr || t->val >= f->n_bytes || t->val >= GNV_MAX_BYTES)
		return 0;
	caplen = gnv_inner_frame(fr->data, fr->caplen, p, inner,
				 sizeof(inner));
	b = &f->bytes[t->val];
	if (!caplen || !b->n_insns || b->n_insns > GNV_BYTES_MAX_INSNS)
		return 0;
	return bpf_filter((const struct bpf_insn *)b->insns, inner,
			  caplen + (fr->len - fr->caplen), caplen) != 0;
}
