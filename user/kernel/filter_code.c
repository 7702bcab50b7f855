// SPDX-License-Identifier: MIT
/*
 * The filter compiled into the programs as they load. The object's
 * programs have sections of gnvtrace's own ("gnvtrace/xdp", "gnvtrace/tc"),
 * so that libbpf calls prepare() below right before each load, with the
 * program's final instructions (its functions appended, its maps' fds in
 * place): there the body of gnv_filter_xdp() or gnv_filter_tc(), the
 * interpreter, is cut out and the filter's own instructions
 * (user/filter/filter_bpf.c) put in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "filter/filter_bpf.h"
#include "lib/log.h"
#include "filter_code.h"

#define N_OF(a)		(sizeof(a) / sizeof((a)[0]))

/* The filter the next loads compile in; NULL: they keep the interpreter. */
static const struct gnv_filter *compiled;
static const struct bpf_object *compiled_obj;	/* with its BTF */

/* What prepare() hands libbpf: alive until the load it prepared is done. */
static struct bpf_insn out[65536];
static struct bpf_func_info func_out[64];
static struct bpf_line_info line_out[65536];
static struct bpf_insn code[GNV_FILTER_BPF_MAX];

/* The filter function a program of this type calls. */
static int is_replaced(const struct btf *btf, __u32 type_id, int prog_type)
{
	const struct btf_type *t = btf__type_by_id(btf, type_id);

	return t && !strcmp(btf__name_by_offset(btf, t->name_off),
			    prog_type == BPF_PROG_TYPE_XDP ? "gnv_filter_xdp" :
							     "gnv_filter_tc");
}

/* Where an instruction of the program lands once [start, end) is code. */
static __u32 moved(__u32 at, __u32 start, __u32 end, int n_code)
{
	return at < end ? at : at - (end - start) + n_code;
}

/* A function's own calls stay inside it; calls between functions move. */
static int is_call_between(const struct bpf_insn *i)
{
	return (i->code == (BPF_JMP | BPF_CALL) &&
		i->src_reg == BPF_PSEUDO_CALL) ||
	       (i->code == (BPF_LD | BPF_DW | BPF_IMM) &&
		i->src_reg == BPF_PSEUDO_FUNC);
}

static int prepare(struct bpf_program *prog, struct bpf_prog_load_opts *opts,
		   long cookie)
{
	const struct bpf_func_info *func = opts->func_info;
	const struct bpf_line_info *line = opts->line_info;
	const struct bpf_insn *in = bpf_program__insns(prog);
	__u32 n = bpf_program__insn_cnt(prog), start = n, end = n, k = 0;
	const struct btf *btf = bpf_object__btf(compiled_obj);
	int n_code, kept_line = 0;

	(void)cookie;
	if (!compiled || !compiled_obj)
		return 0;
	if (!btf || !func || opts->func_info_rec_size != sizeof(*func) ||
	    (line && opts->line_info_rec_size != sizeof(*line)))
		return -ENOTSUP;
	/* The function's instructions: from its start to the next one's. */
	for (__u32 f = 0; f < opts->func_info_cnt; f++)
		if (is_replaced(btf, func[f].type_id, bpf_program__type(prog)))
			start = func[f].insn_off;
	for (__u32 f = 0; f < opts->func_info_cnt; f++)
		if (func[f].insn_off > start && func[f].insn_off < end)
			end = func[f].insn_off;
	if (start == n)
		return -ENOENT;
	n_code = gnv_filter_to_bpf(compiled, bpf_program__type(prog), code);
	if (n_code < 0)
		return n_code;
	if (n - (end - start) + n_code > N_OF(out) ||
	    opts->func_info_cnt > N_OF(func_out) ||
	    opts->line_info_cnt > N_OF(line_out))
		return -E2BIG;

	for (__u32 i = 0; i < n; i++) {
		__u32 to = moved(i, start, end, n_code);

		if (i == start)
			memcpy(out + start, code, n_code * sizeof(*code));
		if (i >= start && i < end)
			continue;
		out[to] = in[i];
		if (is_call_between(&in[i])) {
			__u32 target = i + 1 + in[i].imm;

			out[to].imm = (__s32)moved(target, start, end, n_code) -
				      (__s32)to - 1;
		}
	}
	for (__u32 f = 0; f < opts->func_info_cnt; f++) {
		func_out[f] = func[f];
		func_out[f].insn_off = moved(func[f].insn_off, start, end,
					     n_code);
	}
	/*
	 * Source lines: the replaced function keeps its first (the kernel
	 * wants one where each function starts), the others move with their
	 * instructions.
	 */
	for (__u32 l = 0; line && l < opts->line_info_cnt; l++) {
		if (line[l].insn_off >= start && line[l].insn_off < end &&
		    kept_line++)
			continue;
		line_out[k] = line[l];
		line_out[k++].insn_off = moved(line[l].insn_off, start, end,
					       n_code);
	}
	pr_debug("the filter compiled into %s: %d instructions\n",
		 bpf_program__name(prog), n_code);
	opts->func_info = func_out;
	opts->line_info = line ? line_out : NULL;
	opts->line_info_cnt = k;
	return bpf_program__set_insns(prog, out, n - (end - start) + n_code);
}

int gnv_filter_code_register(void)
{
	static int done;
	LIBBPF_OPTS(libbpf_prog_handler_opts, opts,
		.prog_prepare_load_fn = prepare,
	);

	if (done)
		return 0;
	if (libbpf_register_prog_handler("gnvtrace/xdp", BPF_PROG_TYPE_XDP,
					 BPF_XDP, &opts) < 0 ||
	    libbpf_register_prog_handler("gnvtrace/tc", BPF_PROG_TYPE_SCHED_CLS,
					 0, &opts) < 0)
		return -errno;
	done = 1;
	return 0;
}

void gnv_filter_code_set(const struct gnv_filter *f,
			 const struct bpf_object *obj)
{
	compiled = f;
	compiled_obj = obj;
}
