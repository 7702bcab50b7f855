// SPDX-License-Identifier: MIT
/* Filter words to struct gnv_filter; the grammar is in the README. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/abi_names.h"
#include "lib/log.h"
#include "ovn/ovn_zones.h"
#include "filter_compile.h"

#define MAX_WORDS 128

struct lexer {
	char *words[MAX_WORDS];
	int n, at;
	char *err;
	size_t errlen;
	const struct gnv_ovn_names *names;	/* NULL: numbers only */
	char *unknown;		/* names not (yet) in OVN, comma-separated */
	size_t unknown_len;
};

/* The reason the words make no filter, for the caller to print. */
#define fail(lx, ...) gnv_errf((lx)->err, (lx)->errlen, __VA_ARGS__)

static const char *next(struct lexer *lx)
{
	return lx->at < lx->n ? lx->words[lx->at++] : NULL;
}

static int parse_num(struct lexer *lx, const char *word, __u32 max,
		     __u32 *out)
{
	const char *v = next(lx);
	unsigned long n;
	char *end;

	if (!v)
		return fail(lx, "'%s' needs a number", word);
	errno = 0;
	n = strtoul(v, &end, 0);
	if (errno || end == v || *end || v[0] == '-' || n > max)
		return fail(lx, "'%s' needs a number from 0 to %u, not '%s'",
			    word, max, v);
	*out = n;
	return 0;
}

/* An address or CIDR into t->addr/mask/family. */
static int parse_addr(struct lexer *lx, const char *word, int cidr,
		      struct gnv_term *t)
{
	const char *v = next(lx);
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	unsigned long plen;
	int bits;

	if (!v)
		return fail(lx, "'%s' needs an address", word);
	if (strlen(v) >= sizeof(buf))
		return fail(lx, "'%s': '%s' is not an address", word, v);
	strcpy(buf, v);
	slash = strchr(buf, '/');
	if (slash && !cidr)
		return fail(lx, "'%s' takes an address, not a network ('%s'); "
			    "use 'net'", word, v);
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, t->addr) == 1)
		t->family = 4;
	else if (inet_pton(AF_INET6, buf, t->addr) == 1)
		t->family = 6;
	else
		return fail(lx, "'%s': '%s' is not an IPv4 or IPv6 address",
			    word, v);
	bits = t->family == 4 ? 32 : 128;
	plen = bits;
	if (slash) {
		char *end;

		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || plen > (unsigned)bits)
			return fail(lx, "'%s': bad prefix length in '%s'",
				    word, v);
	}
	for (int i = 0; i < bits / 8; i++) {
		int left = (int)plen - i * 8;

		t->mask[i] = left >= 8 ? 0xff : left <= 0 ? 0 :
			     (__u8)(0xff << (8 - left));
		t->addr[i] &= t->mask[i];
	}
	return 0;
}

static int parse_icmp_type(struct lexer *lx, struct gnv_term *t)
{
	const char *v = next(lx);
	int v4, v6;
	char *end;
	long n;

	if (!v)
		return fail(lx, "'icmp-type' needs a type name or number");
	n = strtol(v, &end, 0);
	if (end != v && !*end) {
		if (n < 0 || n > 255)
			return fail(lx, "'icmp-type' needs a number from 0 "
				    "to 255, not '%s'", v);
		t->val = GNV_ICMP4_VALID | GNV_ICMP6_VALID | n | n << 16;
		return 0;
	}
	v4 = gnv_icmp_type_by_name(v, 0);
	v6 = gnv_icmp_type_by_name(v, 1);
	if (v4 < 0 && v6 < 0)
		return fail(lx, "'icmp-type': unknown type '%s' (try "
			    "echo-request, echo-reply, unreachable, "
			    "time-exceeded or a number)", v);
	if (v4 >= 0)
		t->val |= GNV_ICMP4_VALID | v4;
	if (v6 >= 0)
		t->val |= GNV_ICMP6_VALID | (__u32)v6 << 16;
	return 0;
}

static int is_number(const char *v)
{
	return v[0] >= '0' && v[0] <= '9';
}

/* A name OVN does not know (yet): the term matches nothing till it does. */
static int unknown_name(struct lexer *lx, struct gnv_term *t, const char *v)
{
	size_t used = strlen(lx->unknown);

	t->kind = GNV_T_NOTHING;
	snprintf(lx->unknown + used, lx->unknown_len - used, "%s%s",
		 used ? ", " : "", v);
	return 0;
}

/* A name where no source of names was given. */
static int no_names(struct lexer *lx, const char *word, const char *v)
{
	return fail(lx, "'%s %s': names need --ovn-sb, --ovn-names or "
		    "--ovn-ic-sb", word, v);
}

/* "datapath N|NAME": a VNI, by OVN's name for its datapath. */
static int parse_datapath(struct lexer *lx, const char *word,
			  struct gnv_term *t)
{
	const char *v = lx->at < lx->n ? lx->words[lx->at] : NULL;

	t->kind = GNV_T_VNI;
	if (!v || is_number(v))
		return parse_num(lx, word, 0xffffff, &t->val);
	lx->at++;
	if (!lx->names)
		return no_names(lx, word, v);
	switch (gnv_ovn_find_datapath_any(lx->names, v, &t->val)) {
	case 0:
		return 0;
	case -EEXIST:
		return fail(lx, "'%s %s': several OVN datapaths have that "
			    "name; give its key", word, v);
	}
	return unknown_name(lx, t, v);
}

/* "inport|outport|port N|NAME": a name is a port of one datapath. */
static int parse_port(struct lexer *lx, const char *word, struct gnv_term *t)
{
	const char *v = lx->at < lx->n ? lx->words[lx->at] : NULL;
	__u32 dp, key;

	t->kind = word[0] == 'i' ? GNV_T_INPORT :
		  word[0] == 'o' ? GNV_T_OUTPORT : GNV_T_PORT;
	if (!v || is_number(v))
		return parse_num(lx, word, t->kind == GNV_T_INPORT ? 0x7fff :
				 0xffff, &t->val);
	lx->at++;
	if (!lx->names)
		return no_names(lx, word, v);
	switch (gnv_ovn_find_port_any(lx->names, v, &dp, &key)) {
	case 0:
		break;
	case -EEXIST:
		return fail(lx, "'%s %s': zones disagree on that port's keys; "
			    "give its key", word, v);
	default:
		return unknown_name(lx, t, v);
	}
	t->val = key;
	t->vni = dp;
	t->has_vni = 1;
	return 0;
}

/* "chassis NAME": the address of the chassis' Geneve encap, exactly. */
static int parse_chassis(struct lexer *lx, const char *word,
			 struct gnv_term *t)
{
	const char *v = next(lx);
	int family, more;

	if (!v)
		return fail(lx, "'%s' needs an OVN chassis name", word);
	if (!lx->names)
		return no_names(lx, word, v);
	switch (gnv_ovn_find_chassis_any(lx->names, v, &family, t->addr, &more)) {
	case 0:
		break;
	case -EEXIST:
		return fail(lx, "'%s %s': several OVN chassis have that "
			    "name; give its address", word, v);
	default:
		return unknown_name(lx, t, v);
	}
	t->family = family;
	memset(t->mask, 0xff, family == 4 ? 4 : 16);
	return 0;
}

/* "outer [src|dst] host A|net CIDR|chassis NAME": the underlay's ends. */
static int parse_outer(struct lexer *lx, struct gnv_term *t)
{
	const char *w = next(lx);

	t->kind = GNV_T_OUTER_HOST;
	if (w && (!strcmp(w, "src") || !strcmp(w, "dst"))) {
		t->kind = w[0] == 's' ? GNV_T_OUTER_SRC_HOST :
			  GNV_T_OUTER_DST_HOST;
		w = next(lx);
	}
	if (w && !strcmp(w, "chassis"))
		return parse_chassis(lx, w, t);
	if (!w || (strcmp(w, "host") && strcmp(w, "net")))
		return fail(lx, "'outer' must be followed by [src|dst] and "
			    "'host', 'net' or 'chassis'");
	return parse_addr(lx, w, w[0] == 'n', t);
}

static int parse_primitive(struct lexer *lx, struct gnv_term *t)
{
	const char *w = next(lx), *w2;

	if (!w)
		return fail(lx, "expected a primitive at the end");
	for (int p = GNV_PROTO_ICMP; p <= GNV_PROTO_ARP; p++) {
		if (!strcmp(w, gnv_proto_name(p))) {
			t->kind = GNV_T_PROTO;
			t->val = p;
			return 0;
		}
	}
	if (!strcmp(w, "vni")) {
		t->kind = GNV_T_VNI;
		return parse_num(lx, w, 0xffffff, &t->val);
	}
	if (!strcmp(w, "datapath"))
		return parse_datapath(lx, w, t);
	if (!strcmp(w, "inport") || !strcmp(w, "outport") ||
	    !strcmp(w, "port"))
		return parse_port(lx, w, t);
	if (!strcmp(w, "vlan")) {
		t->kind = GNV_T_VLAN;
		return parse_num(lx, w, 4095, &t->val);
	}
	if (!strcmp(w, "icmp-type")) {
		t->kind = GNV_T_ICMP_TYPE;
		return parse_icmp_type(lx, t);
	}
	if (!strcmp(w, "host")) {
		t->kind = GNV_T_HOST;
		return parse_addr(lx, w, 0, t);
	}
	if (!strcmp(w, "net")) {
		t->kind = GNV_T_HOST;
		return parse_addr(lx, w, 1, t);
	}
	if (!strcmp(w, "outer"))
		return parse_outer(lx, t);
	if (!strcmp(w, "src") || !strcmp(w, "dst")) {
		w2 = next(lx);
		if (!w2 || (strcmp(w2, "host") && strcmp(w2, "net")))
			return fail(lx, "'%s' must be followed by 'host' or "
				    "'net'", w);
		t->kind = w[0] == 's' ? GNV_T_SRC_HOST : GNV_T_DST_HOST;
		return parse_addr(lx, w2, w2[0] == 'n', t);
	}
	return fail(lx, "unknown word '%s'", w);
}

/* Splits every argument on blanks, so "icmp and vni 5" is three words. */
static int split(struct lexer *lx, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		char *save = NULL;

		for (char *w = strtok_r(argv[i], " \t\n", &save); w;
		     w = strtok_r(NULL, " \t\n", &save)) {
			if (lx->n == MAX_WORDS)
				return fail(lx, "more than %d words", MAX_WORDS);
			lx->words[lx->n++] = w;
		}
	}
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
	char no_unknown[1];
	struct lexer lx = {
		.err = err, .errlen = errlen, .names = names,
		.unknown = unknown ? unknown : no_unknown,
		.unknown_len = unknown ? unknown_len : sizeof(no_unknown),
	};

	lx.unknown[0] = '\0';

	memset(f, 0, sizeof(*f));
	f->geneve_port = geneve_port;
	if (split(&lx, argc, argv))
		return -EINVAL;
	while (lx.at < lx.n) {
		struct gnv_term *t;
		const char *w;

		if (f->n_terms == GNV_MAX_TERMS)
			return fail(&lx, "more than %d primitives",
				    GNV_MAX_TERMS);
		t = &f->terms[f->n_terms++];
		if (!strcmp(lx.words[lx.at], "not")) {
			t->negate = 1;
			lx.at++;
		}
		if (parse_primitive(&lx, t))
			return -EINVAL;
		w = next(&lx);
		if (!w)
			break;
		if (strcmp(w, "and"))
			return fail(&lx, "expected 'and' before '%s' (only "
				    "'and' joins primitives)", w);
		if (lx.at == lx.n)
			return fail(&lx, "expected a primitive after 'and'");
	}
	return 0;
}
