/* SPDX-License-Identifier: MIT */
/* Event formatters: one text line close to tcpdump's, or one JSON object. */
#ifndef GNV_FORMAT_H
#define GNV_FORMAT_H

#include "gnvtrace.h"
#include "lib/outbuf.h"

struct gnv_ovn_names;

enum gnv_format { GNV_OUT_TEXT, GNV_OUT_JSON };

#define GNV_FMT_HOOKS	8	/* interfaces a live run traces, at most */

struct gnv_fmt {
	struct outbuf ob;
	enum gnv_format mode;
	int verbose;		/* -v: every Geneve option in hex */
	int live;		/* events carry an interface and a direction */
	__s64 clock_offset_ns;	/* ts_ns + offset = wall-clock time */
	/* OVN's names of the keys (--ovn-sb, --ovn-names), or NULL. */
	const struct gnv_ovn_names *names;
	/* Live: how each interface is traced, each way (JSON's "hook"). */
	struct gnv_fmt_hook {
		__u32 ifindex;
		const char *name[2];	/* by GNV_DIR_*: "xdp-native", ... */
	} hooks[GNV_FMT_HOOKS];
};

void gnv_fmt_init(struct gnv_fmt *f, FILE *out, enum gnv_format mode,
		  int verbose, int live);
void gnv_fmt_close(struct gnv_fmt *f);
/* Live: ifindex is traced by hook (a name that lives on) in direction dir. */
void gnv_fmt_set_hook(struct gnv_fmt *f, __u32 ifindex, __u8 dir,
		      const char *hook);
/* The hook that traced ifindex in direction dir; NULL when unknown. */
static inline const char *gnv_fmt_hook(const struct gnv_fmt *f,
				       __u32 ifindex, __u8 dir)
{
	for (int i = 0; i < GNV_FMT_HOOKS && f->hooks[i].ifindex; i++)
		if (f->hooks[i].ifindex == ifindex)
			return f->hooks[i].name[dir & 1];
	return NULL;
}
/* ev's names looked up once (ovn_zones.h's view), then written out. */
void gnv_format_event(struct gnv_fmt *f, const struct gnv_event *ev);
struct gnv_ovn_view;
void gnv_format_text(struct gnv_fmt *f, const struct gnv_event *ev,
		     const struct gnv_ovn_view *v);
void gnv_format_json(struct gnv_fmt *f, const struct gnv_event *ev,
		     const struct gnv_ovn_view *v);

#endif /* GNV_FORMAT_H */
