// SPDX-License-Identifier: MIT
/*
 * Filter words to a term program (struct gnv_filter): the words are cut
 * into tokens, parsed with tcpdump's grammar into a tree of primitives
 * under "and", "or" and "not", and the tree laid out as terms with
 * forward jumps, as classic BPF's compilers do. The grammar is the
 * README's; the primitives are filter_words.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "filter_bytes.h"
#include "filter_compile.h"
#include "filter_words.h"

#define MAX_NODES	(2 * FILTER_MAX_TOKENS)
#define TOKEN_BYTES	4096
#define MAX_QUALS	4	/* "outer src host", "tcp dst port" */

enum node_op { N_TERM, N_AND, N_OR, N_NOT };

struct node {
	enum node_op op;
	int a, b;		/* operands: node indices */
	struct gnv_term t;	/* N_TERM */
};

struct compiler {
	struct lexer lx;
	char text[TOKEN_BYTES];	/* the tokens, each NUL-terminated */
	struct node nodes[MAX_NODES];
	int n_nodes;
	/* Code generation: where each label landed, each term's targets. */
	int label_at[MAX_NODES];
	int n_labels;
	int jt[GNV_MAX_TERMS], jf[GNV_MAX_TERMS];
	/* The words before the value of the last primitive ("tcp dst port"). */
	const char *quals[MAX_QUALS];
	int n_quals;
	/* Byte expressions, libpcap's programs, for the filter's bytes[]. */
	struct gnv_bytes bytes[GNV_MAX_BYTES];
	int n_bytes;
};

/* Targets while generating: a label (>= 0) or a verdict. */
#define TO_MATCH	-1
#define TO_NOMATCH	-2

/*
 * The words, each argument cut on blanks, and parentheses and "!" made
 * tokens of their own wherever they stand: "(icmp", "!arp" and "arp)"
 * read as tcpdump reads them; but "!=" stays a relation.
 */
static int tokenize(struct compiler *c, int argc, char **argv)
{
	struct lexer *lx = &c->lx;
	size_t used = 0;

	for (int i = 0; i < argc; i++) {
		for (const char *s = argv[i]; *s;) {
			size_t len;

			if (strchr(" \t\n", *s)) {
				s++;
				continue;
			}
			len = strchr("()!", *s) && strncmp(s, "!=", 2) ? 1 :
			      strcspn(s, " \t\n()");
			if (lx->n == FILTER_MAX_TOKENS)
				return fail(lx, "more than %d words",
					    FILTER_MAX_TOKENS);
			if (used + len + 1 > sizeof(c->text))
				return fail(lx, "the filter is longer than %d "
					    "bytes", TOKEN_BYTES);
			memcpy(c->text + used, s, len);
			c->text[used + len] = '\0';
			lx->tok[lx->n++] = c->text + used;
			used += len + 1;
			s += len;
		}
	}
	return 0;
}

static int new_node(struct compiler *c, enum node_op op, int a, int b)
{
	struct node *n;

	if (c->n_nodes == MAX_NODES)
		return fail(&c->lx, "the filter has too many parts");
	n = &c->nodes[c->n_nodes];
	memset(n, 0, sizeof(*n));
	n->op = op;
	n->a = a;
	n->b = b;
	return c->n_nodes++;
}

static int parse_expr(struct compiler *c);

/*
 * One primitive, or a bare value standing for one: as in tcpdump, a value
 * where a primitive should start takes the qualifiers of the primitive
 * before it ("host a or b", "tcp dst port 22 or 80", "vni 5 or 7"): its
 * words but the last, which were the value. Only for words whose value
 * stands alone: not "ether" (libpcap refuses a bare MAC) nor "portrange".
 */
/*
 * A byte expression of tcpdump's, its words joined for libpcap to
 * compile: a term that runs libpcap's program.
 */
static int byte_expression(struct compiler *c, struct gnv_term *t, int n)
{
	struct lexer *lx = &c->lx;
	char text[TOKEN_BYTES] = "";

	for (int i = 0; i < n; i++) {
		if (i)
			strcat(text, " ");
		strcat(text, lx->tok[lx->at + i]);
	}
	if (c->n_bytes == GNV_MAX_BYTES)
		return fail(lx, "more than %d byte expressions ('%s')",
			    GNV_MAX_BYTES, text);
	if (gnv_bytes_compile(text, &c->bytes[c->n_bytes], lx->err,
			      lx->errlen))
		return -EINVAL;
	t->kind = GNV_T_BYTES;
	t->val = c->n_bytes++;
	lx->at += n;
	c->n_quals = 0;
	return 0;
}

static int primitive(struct compiler *c, struct gnv_term *t)
{
	struct lexer *lx = &c->lx;
	const char *w = lx_peek(lx);
	int start = lx->at, n;

	if (gnv_bytes_words(lx->tok + lx->at, lx->n - lx->at, &n))
		return byte_expression(c, t, n);

	if (w && !is_primitive_word(w) && !is_operator(w) && c->n_quals) {
		struct lexer one = *lx;

		one.n = 0;
		for (int i = 0; i < c->n_quals; i++)
			one.tok[one.n++] = c->quals[i];
		one.tok[one.n++] = w;
		one.at = 0;
		if (parse_primitive(&one, t))
			return -EINVAL;
		if (one.at != one.n)
			return fail(lx, "'%s' after '%s' is not one value",
				    w, c->quals[0]);
		lx->at++;
		return 0;
	}
	if (parse_primitive(lx, t))
		return -EINVAL;
	/* Its qualifiers, for the values that may follow alone. */
	c->n_quals = 0;
	if (lx->at - start >= 2 && !is_primitive_word(lx->tok[lx->at - 1]) &&
	    strcmp(lx->tok[start], "ether") &&
	    strcmp(lx->tok[lx->at - 2], "portrange"))
		for (int i = start; i < lx->at - 1 && i - start < MAX_QUALS;
		     i++)
			c->quals[c->n_quals++] = lx->tok[i];
	return 0;
}

/*
 * Whether the "(" at the lexer's position opens arithmetic, not a group:
 * an operator follows its ")" ("(tcp[13] & 2) != 0"), where after a group
 * only "and", "or" or another ")" may.
 */
static int arithmetic_group(const struct lexer *lx)
{
	int depth = 0;

	for (int i = lx->at; i < lx->n; i++) {
		if (!strcmp(lx->tok[i], "("))
			depth++;
		else if (!strcmp(lx->tok[i], ")") && --depth == 0)
			return i + 1 < lx->n &&
			       strchr("=<>!&|+-*/%^", lx->tok[i + 1][0]) &&
			       strcmp(lx->tok[i + 1], "&&") &&
			       strcmp(lx->tok[i + 1], "||") &&
			       strcmp(lx->tok[i + 1], "!");
	}
	return 0;
}

/* "not" or "!" before one, "(" expr ")", or a primitive. */
static int parse_unary(struct compiler *c)
{
	struct lexer *lx = &c->lx;
	int n;

	if (lx_accept(lx, "not") || lx_accept(lx, "!")) {
		n = parse_unary(c);
		return n < 0 ? n : new_node(c, N_NOT, n, -1);
	}
	if (lx_peek(lx) && !strcmp(lx_peek(lx), "(") && !arithmetic_group(lx) &&
	    lx_accept(lx, "(")) {
		/* As libpcap: a group's qualifiers end with it. */
		const char *quals[MAX_QUALS];
		int n_quals = c->n_quals;

		memcpy(quals, c->quals, sizeof(quals));
		n = parse_expr(c);
		if (n < 0)
			return n;
		memcpy(c->quals, quals, sizeof(quals));
		c->n_quals = n_quals;
		if (lx_accept(lx, ")"))
			return n;
		if (!lx_peek(lx))
			return fail(lx, "expected ')' at the end");
		return fail(lx, "expected ')' before '%s'", lx_peek(lx));
	}
	n = new_node(c, N_TERM, -1, -1);
	if (n < 0 || primitive(c, &c->nodes[n].t))
		return -EINVAL;
	return n;
}

/*
 * Primitives joined by "and" ("&&") and "or" ("||"): as in tcpdump, the
 * two bind equally and from the left ("a or b and c" is "(a or b) and
 * c"); "not" binds tighter than both.
 */
static int parse_expr(struct compiler *c)
{
	struct lexer *lx = &c->lx;
	int left = parse_unary(c), right;

	while (left >= 0 && lx_peek(lx)) {
		enum node_op op;

		if (lx_accept(lx, "and") || lx_accept(lx, "&&"))
			op = N_AND;
		else if (lx_accept(lx, "or") || lx_accept(lx, "||"))
			op = N_OR;
		else if (!strcmp(lx_peek(lx), ")"))
			break;
		else
			return fail(lx, "expected 'and' or 'or' before '%s'",
				    lx_peek(lx));
		right = parse_unary(c);
		if (right < 0)
			return right;
		left = new_node(c, op, left, right);
	}
	return left;
}

static int new_label(struct compiler *c)
{
	c->label_at[c->n_labels] = -1;
	return c->n_labels++;
}

/*
 * Node n as terms that go to yes when it holds and to no when it does
 * not. The second operand of "and" starts where the first goes when it
 * holds; of "or", where it goes when it does not: both after it, so every
 * jump is forward.
 */
static int gen(struct compiler *c, struct gnv_filter *f, int n, int yes,
	       int no)
{
	const struct node *nd = &c->nodes[n];
	int label;

	switch (nd->op) {
	case N_TERM:
		if (f->n_terms == GNV_MAX_TERMS)
			return fail(&c->lx, "more than %d primitives",
				    GNV_MAX_TERMS);
		f->terms[f->n_terms] = nd->t;
		c->jt[f->n_terms] = yes;
		c->jf[f->n_terms] = no;
		f->n_terms++;
		return 0;
	case N_NOT:
		return gen(c, f, nd->a, no, yes);
	case N_AND:
	case N_OR:
		label = new_label(c);
		if (nd->op == N_AND ? gen(c, f, nd->a, label, no) :
				      gen(c, f, nd->a, yes, label))
			return -EINVAL;
		c->label_at[label] = f->n_terms;
		return gen(c, f, nd->b, yes, no);
	}
	return -EINVAL;
}

static __u8 jump_of(const struct compiler *c, int to)
{
	return to == TO_MATCH ? GNV_JUMP_MATCH :
	       to == TO_NOMATCH ? GNV_JUMP_NOMATCH : c->label_at[to];
}

static int compile(struct compiler *c, int argc, char **argv,
		   struct gnv_filter *f)
{
	int root;

	if (tokenize(c, argc, argv))
		return -EINVAL;
	if (!c->lx.n)
		return 0;	/* no filter: every Geneve packet */
	root = parse_expr(c);
	if (root < 0)
		return -EINVAL;
	if (c->lx.at < c->lx.n)
		return fail(&c->lx, "unexpected '%s'", lx_peek(&c->lx));
	if (gen(c, f, root, TO_MATCH, TO_NOMATCH))
		return -EINVAL;
	for (int i = 0; i < f->n_terms; i++) {
		f->terms[i].jt = jump_of(c, c->jt[i]);
		f->terms[i].jf = jump_of(c, c->jf[i]);
	}
	memcpy(f->bytes, c->bytes, sizeof(f->bytes));
	f->n_bytes = c->n_bytes;
	f->early = gnv_filter_early(f);
	return 0;
}

/* A VNI's verdicts by protocol, each run through f, into *v. */
static void table_vni(const struct gnv_filter *f, __u32 vni,
		      struct gnv_verdicts *v)
{
	struct gnv_pkt p;

	/* As the parse leaves them, to the fields these terms read. */
	memset(&p, 0, sizeof(p));
	p.vni = vni;
	for (int proto = 0; proto < 256; proto++) {
		p.inner_proto = proto;
		p.inner_ethertype = GNV_ETH_P_IP;
		p.inner_family = 4;
		v->ipv4[proto] = gnv_filter_match(f, &p, NULL);
		p.inner_ethertype = GNV_ETH_P_IPV6;
		p.inner_family = 6;
		v->ipv6[proto] = gnv_filter_match(f, &p, NULL);
	}
	p.inner_proto = 0;
	p.inner_family = 0;
	p.inner_ethertype = GNV_ETH_P_ARP;
	v->arp = gnv_filter_match(f, &p, NULL);
	p.inner_ethertype = 0;
	v->other = gnv_filter_match(f, &p, NULL);
}

static int named_vni(const struct gnv_verdict_table *t, __u32 vni)
{
	for (__u32 i = 0; i < t->n_vnis; i++)
		if (t->vni[i] == vni)
			return 1;
	return 0;
}

int gnv_filter_table(const struct gnv_filter *f, struct gnv_verdict_table *t)
{
	__u32 other = 0;

	memset(t, 0, sizeof(*t));
	if (!f->n_terms)
		return -1;
	for (int i = 0; i < f->n_terms; i++) {
		const struct gnv_term *term = &f->terms[i];

		if (!gnv_term_tabled(term))
			return -1;
		if (term->kind != GNV_T_VNI || named_vni(t, term->val))
			continue;
		if (t->n_vnis == GNV_TABLE_VNIS)
			return -1;
		t->vni[t->n_vnis++] = term->val;
	}
	/* A VNI it does not name stands for all the others. */
	while (named_vni(t, other))
		other++;
	for (__u32 i = 0; i < t->n_vnis; i++)
		table_vni(f, t->vni[i], &t->by_vni[i]);
	table_vni(f, other, &t->by_vni[t->n_vnis]);
	return 0;
}

int gnv_filter_compile(int argc, char **argv, __u16 geneve_port,
		       struct gnv_filter *f, char *err, size_t errlen)
{
	return gnv_filter_compile_ovn(argc, argv, geneve_port, NULL, f, NULL,
				      0, err, errlen);
}

int gnv_filter_compile_ovn(int argc, char **argv, __u16 geneve_port,
			   const struct gnv_ovn_names *names,
			   struct gnv_filter *f, char *unknown,
			   size_t unknown_len, char *err, size_t errlen)
{
	/* Some 40 KB: on the heap, as compiling is rare. */
	struct compiler *c = calloc(1, sizeof(*c));
	char no_unknown[1];
	int r;

	if (!c)
		return gnv_errf(err, errlen, "out of memory");
	c->lx.err = err;
	c->lx.errlen = errlen;
	c->lx.names = names;
	c->lx.unknown = unknown ? unknown : no_unknown;
	c->lx.unknown_len = unknown ? unknown_len : sizeof(no_unknown);
	c->lx.unknown[0] = '\0';
	memset(f, 0, sizeof(*f));
	f->geneve_port = geneve_port;
	r = compile(c, argc, argv, f);
	if (r) {
		memset(f->terms, 0, sizeof(f->terms));
		memset(f->bytes, 0, sizeof(f->bytes));
		f->n_terms = 0;
		f->n_bytes = 0;
	}
	free(c);
	return r;
}
