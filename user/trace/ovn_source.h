/* SPDX-License-Identifier: MIT */
/*
 * OVN's names in a run: loaded from a file (--ovn-names) or kept live from
 * the Southbound DB (--ovn-sb), and the filter compiled with them, again
 * whenever they change, so a port created while tracing becomes matchable.
 */
#ifndef GNV_OVN_H
#define GNV_OVN_H

#include "gnvtrace.h"

struct gnv_ovn_names;
struct gnv_ovn_sb;
struct gnv_ovn_ssl;

#define GNV_MAX_ZONES	8

/* Where names come from: --ovn-sb and --ovn-names, each [ZONE=]SPEC. */
struct gnv_ovn_sources {
	const char *sb[GNV_MAX_ZONES];
	int n_sb;
	const char *files[GNV_MAX_ZONES];
	int n_files;
	const char *ic_sb;		/* --ovn-ic-sb REMOTE, or NULL */
	const char *ic_file;		/* --ovn-ic-names FILE, or NULL */
	const struct gnv_ovn_ssl *ssl;	/* for ssl: remotes */
};

struct gnv_ovn {
	/* One table per availability zone, chained from the first; NULL:
	 * no names asked for. Sources with the same zone share a table. */
	struct gnv_ovn_names *names;
	struct gnv_ovn_names *zone[GNV_MAX_ZONES];
	char *zone_label[GNV_MAX_ZONES];
	int n_zones;
	struct gnv_ovn_sb *sb[GNV_MAX_ZONES];	/* --ovn-sb, live */
	int n_sb;
	/* The interconnection DB's names, chained last ("ic"), or NULL. */
	struct gnv_ovn_names *ic;
	struct gnv_ovn_sb *ic_sb;		/* --ovn-ic-sb, live */
	char *filter_text;		/* the filter's words, joined */
	__u16 geneve_port;
	__u16 vxlan_port;		/* --vxlan, or 0 */
	char unknown[256];		/* names the filter could not resolve */
};

#define GNV_OVN_USAGE	-1	/* a bad filter: exit 2 */
#define GNV_OVN_FAILED	-2	/* names could not be had: exit 1 */

/*
 * Names from the sources (files first, then the Southbound DBs, which
 * replace a file's names in their zone once connected; the
 * interconnection DB's after the zones'), then the filter words compiled
 * into *f. 0, or GNV_OVN_* after one line on stderr.
 */
int gnv_ovn_setup(struct gnv_ovn *ovn, const struct gnv_ovn_sources *src,
		  int n_words, char **words, __u16 geneve_port,
		  __u16 vxlan_port, struct gnv_filter *f);

/*
 * Live: takes what the Southbound DB says without blocking; 1 when the
 * names changed the compiled filter (*f, then), 0 otherwise.
 */
int gnv_ovn_refresh(struct gnv_ovn *ovn, struct gnv_filter *f);

/*
 * 1 when gnv_ovn_refresh() may change the filter: it names OVN's objects
 * and a Southbound DB is followed live. The kernel then interprets it.
 */
int gnv_ovn_filter_may_change(const struct gnv_ovn *ovn);

void gnv_ovn_close(struct gnv_ovn *ovn);

#endif /* GNV_OVN_H */
