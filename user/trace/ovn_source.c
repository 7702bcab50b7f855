// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter/filter_compile.h"
#include "lib/log.h"
#include "ovn/ovn_names.h"
#include "ovsdb/ovsdb_sb.h"
#include "ovn_source.h"

/* How long the first contents of the Southbound DB may take to arrive. */
#define SB_OPEN_TIMEOUT_MS	5000

/* The words joined by blanks: compiling splits a copy in place. */
static char *join(int n, char **words)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, words[i]);
	}
	return s;
}

/* The filter with the names as they are now; unknown names listed. */
static int compile(struct gnv_ovn *ovn, struct gnv_filter *f, char *err,
		   size_t errlen)
{
	char *copy = strdup(ovn->filter_text);
	int r;

	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	r = gnv_filter_compile_ovn(1, &copy, ovn->geneve_port, ovn->names, f,
				   ovn->unknown, sizeof(ovn->unknown), err,
				   errlen);
	f->vxlan_port = ovn->vxlan_port;
	free(copy);
	return r;
}

/* "az1=tcp:..." -> zone "az1"; a spec without one (or "=" after a ':'
 * or '/', part of the spec) has the unnamed zone. */
static const char *split_zone(const char *spec, char *zone, size_t len)
{
	const char *eq = strchr(spec, '=');

	zone[0] = '\0';
	if (!eq || eq == spec || (size_t)(eq - spec) >= len ||
	    strcspn(spec, ":/") < (size_t)(eq - spec))
		return spec;
	memcpy(zone, spec, eq - spec);
	zone[eq - spec] = '\0';
	return eq + 1;
}

/* The table of zone (made, and chained after the others, when new). */
static struct gnv_ovn_names *zone_table(struct gnv_ovn *ovn, const char *zone)
{
	struct gnv_ovn_names *n;
	int i;

	for (i = 0; i < ovn->n_zones; i++)
		if (!strcmp(ovn->zone_label[i], zone))
			return ovn->zone[i];
	if (i == GNV_MAX_ZONES)
		return NULL;
	n = gnv_ovn_names_new();
	ovn->zone_label[i] = strdup(zone);
	if (!n || !ovn->zone_label[i]) {
		gnv_ovn_names_free(n);
		return NULL;
	}
	gnv_ovn_names_set_zone(n, zone[0] ? ovn->zone_label[i] : NULL, NULL);
	if (i)
		gnv_ovn_names_set_zone(ovn->zone[i - 1],
				       gnv_ovn_zone(ovn->zone[i - 1]), n);
	ovn->zone[i] = n;
	ovn->n_zones++;
	ovn->names = ovn->zone[0];
	return n;
}

static int load_names(struct gnv_ovn *ovn, const struct gnv_ovn_sources *src)
{
	char err[512];	/* a key/certificate mismatch names both paths */
	char zone[64];
	struct gnv_ovn_names *n;
	const char *spec;

	for (int i = 0; i < src->n_files; i++) {
		spec = split_zone(src->files[i], zone, sizeof(zone));
		n = zone_table(ovn, zone);
		if (!n)
			goto nomem;
		if (gnv_ovn_names_load(n, spec, err, sizeof(err))) {
			pr_warn("%s\n", err);
			return GNV_OVN_FAILED;
		}
	}
	for (int i = 0; i < src->n_sb; i++) {
		spec = split_zone(src->sb[i], zone, sizeof(zone));
		n = zone_table(ovn, zone);
		if (!n)
			goto nomem;
		ovn->sb[i] = gnv_ovn_sb_open_ssl(spec, n, SB_OPEN_TIMEOUT_MS,
						 src->ssl, err, sizeof(err));
		if (!ovn->sb[i]) {
			pr_warn("%s\n", err);
			return GNV_OVN_FAILED;
		}
		ovn->n_sb++;
	}
	return 0;
nomem:
	pr_warn("out of memory, or more than %d zones\n",
		GNV_MAX_ZONES);
	return GNV_OVN_FAILED;
}

/*
 * The interconnection DB's table, last in the chain: a transit switch is
 * named the same from every zone, and what no zone names falls to it.
 */
static int load_ic(struct gnv_ovn *ovn, const struct gnv_ovn_sources *src)
{
	char err[512];

	ovn->ic = gnv_ovn_names_new_ic();
	if (!ovn->ic) {
		pr_warn("out of memory\n");
		return GNV_OVN_FAILED;
	}
	gnv_ovn_names_set_zone(ovn->ic, "ic", NULL);
	if (ovn->n_zones)
		gnv_ovn_names_set_zone(ovn->zone[ovn->n_zones - 1],
				       gnv_ovn_zone(ovn->zone[ovn->n_zones - 1]),
				       ovn->ic);
	else
		ovn->names = ovn->ic;
	if (src->ic_file &&
	    gnv_ovn_names_load(ovn->ic, src->ic_file, err, sizeof(err))) {
		pr_warn("%s\n", err);
		return GNV_OVN_FAILED;
	}
	if (src->ic_sb) {
		ovn->ic_sb = gnv_ovn_sb_open_ssl(src->ic_sb, ovn->ic,
						 SB_OPEN_TIMEOUT_MS, src->ssl,
						 err, sizeof(err));
		if (!ovn->ic_sb) {
			pr_warn("%s\n", err);
			return GNV_OVN_FAILED;
		}
	}
	return 0;
}

int gnv_ovn_setup(struct gnv_ovn *ovn, const struct gnv_ovn_sources *src,
		  int n_words, char **words, __u16 geneve_port,
		  __u16 vxlan_port, struct gnv_filter *f)
{
	char err[256];
	int r;

	memset(ovn, 0, sizeof(*ovn));
	ovn->geneve_port = geneve_port;
	ovn->vxlan_port = vxlan_port;
	ovn->filter_text = join(n_words, words);
	if (!ovn->filter_text) {
		pr_warn("out of memory\n");
		return GNV_OVN_FAILED;
	}
	if (src->n_sb || src->n_files) {
		r = load_names(ovn, src);
		if (r)
			return r;
	}
	if (src->ic_sb || src->ic_file) {
		r = load_ic(ovn, src);
		if (r)
			return r;
	}
	if (compile(ovn, f, err, sizeof(err))) {
		pr_warn("bad filter: %s\n", err);
		return GNV_OVN_USAGE;
	}
	if (ovn->unknown[0])
		pr_warn("OVN has no %s (yet): %s until it "
			"does\n", ovn->unknown, ovn->n_sb || ovn->ic_sb ?
			"the filter matches nothing there" :
			"the filter matches nothing there; the names file "
			"will not change");
	return 0;
}

int gnv_ovn_refresh(struct gnv_ovn *ovn, struct gnv_filter *f)
{
	struct gnv_filter next;
	char err[256];
	int changed = 0;

	/* Every client polled: each has its socket to drain. */
	for (int i = 0; i < ovn->n_sb; i++)
		changed |= gnv_ovn_sb_poll(ovn->sb[i]);
	if (ovn->ic_sb)
		changed |= gnv_ovn_sb_poll(ovn->ic_sb);
	if (!changed)
		return 0;
	/* The words compiled once already: only the names can differ. */
	if (compile(ovn, &next, err, sizeof(err)) ||
	    !memcmp(&next, f, sizeof(next)))
		return 0;
	*f = next;
	pr_warn("OVN's names changed under the filter: "
		"updated%s%s\n", ovn->unknown[0] ? "; still unknown: " : "",
		ovn->unknown);
	return 1;
}

int gnv_ovn_filter_may_change(const struct gnv_ovn *ovn)
{
	struct gnv_filter f;
	char err[256], *copy;
	int named;

	if (!ovn->n_sb && !ovn->ic_sb)
		return 0;		/* files only: the names are fixed */
	copy = strdup(ovn->filter_text);
	if (!copy)
		return 1;
	/* Numbers only: a filter that compiles so names nothing. */
	named = gnv_filter_compile(1, &copy, ovn->geneve_port, &f, err,
				   sizeof(err)) != 0;
	free(copy);
	return named;
}

void gnv_ovn_close(struct gnv_ovn *ovn)
{
	for (int i = 0; i < ovn->n_sb; i++)
		gnv_ovn_sb_close(ovn->sb[i]);
	gnv_ovn_sb_close(ovn->ic_sb);
	gnv_ovn_names_free(ovn->ic);
	for (int i = 0; i < ovn->n_zones; i++) {
		gnv_ovn_names_free(ovn->zone[i]);
		free(ovn->zone_label[i]);
	}
	free(ovn->filter_text);
	memset(ovn, 0, sizeof(*ovn));
}
