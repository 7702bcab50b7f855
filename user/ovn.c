// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_compile.h"
#include "ovn.h"
#include "ovn_names.h"
#include "ovsdb_sb.h"

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

static int load_names(struct gnv_ovn *ovn, const char *sb_remote,
		      const struct gnv_ovn_ssl *ssl, const char *names_file)
{
	char err[512];	/* a key/certificate mismatch names both paths */

	ovn->names = gnv_ovn_names_new();
	if (!ovn->names) {
		fprintf(stderr, "gnvtrace: out of memory\n");
		return GNV_OVN_FAILED;
	}
	if (names_file &&
	    gnv_ovn_names_load(ovn->names, names_file, err, sizeof(err))) {
		fprintf(stderr, "gnvtrace: %s\n", err);
		return GNV_OVN_FAILED;
	}
	if (sb_remote) {
		ovn->sb_remote = sb_remote;
		ovn->sb = gnv_ovn_sb_open_ssl(sb_remote, ovn->names,
					      SB_OPEN_TIMEOUT_MS, ssl, err,
					      sizeof(err));
		if (!ovn->sb) {
			fprintf(stderr, "gnvtrace: %s\n", err);
			return GNV_OVN_FAILED;
		}
	}
	return 0;
}

int gnv_ovn_setup(struct gnv_ovn *ovn, const char *sb_remote,
		  const struct gnv_ovn_ssl *ssl, const char *names_file,
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
		fprintf(stderr, "gnvtrace: out of memory\n");
		return GNV_OVN_FAILED;
	}
	if (sb_remote || names_file) {
		r = load_names(ovn, sb_remote, ssl, names_file);
		if (r)
			return r;
	}
	if (compile(ovn, f, err, sizeof(err))) {
		fprintf(stderr, "gnvtrace: bad filter: %s\n", err);
		return GNV_OVN_USAGE;
	}
	if (ovn->unknown[0])
		fprintf(stderr, "gnvtrace: OVN has no %s (yet): %s until it "
			"does\n", ovn->unknown, ovn->sb ?
			"the filter matches nothing there" :
			"the filter matches nothing there; the names file "
			"will not change");
	return 0;
}

int gnv_ovn_refresh(struct gnv_ovn *ovn, struct gnv_filter *f)
{
	struct gnv_filter next;
	char err[256];

	if (!ovn->sb || !gnv_ovn_sb_poll(ovn->sb))
		return 0;
	/* The words compiled once already: only the names can differ. */
	if (compile(ovn, &next, err, sizeof(err)) ||
	    !memcmp(&next, f, sizeof(next)))
		return 0;
	*f = next;
	fprintf(stderr, "gnvtrace: OVN's names changed under the filter: "
		"updated%s%s\n", ovn->unknown[0] ? "; still unknown: " : "",
		ovn->unknown);
	return 1;
}

void gnv_ovn_close(struct gnv_ovn *ovn)
{
	if (ovn->sb)
		gnv_ovn_sb_close(ovn->sb);
	if (ovn->names)
		gnv_ovn_names_free(ovn->names);
	free(ovn->filter_text);
	memset(ovn, 0, sizeof(*ovn));
}
