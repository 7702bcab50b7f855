/* SPDX-License-Identifier: MIT */
/* Event formatters: one text line close to tcpdump's, or one JSON object. */
#ifndef GNV_FORMAT_H
#define GNV_FORMAT_H

#include "gnvtrace.h"
#include "lib/outbuf.h"
#include "ovn/ovn_zones.h"

enum gnv_format { GNV_OUT_TEXT, GNV_OUT_JSON };

#define GNV_FMT_HOOKS	8	/* interfaces a live run traces, at most */
/* Tunnels and ports whose names are kept: 1 << GNV_FMT_NAMED_BITS. */
#define GNV_FMT_NAMED_BITS	4

/*
 * What an event's names are looked up by: its tunnel and keys. Compared
 * with memcmp, so without holes: pad is zeroed.
 */
struct gnv_fmt_named_key {
	__u8 src[16], dst[16];
	__u32 vni;
	__u16 inport, outport;
	__u8 family;
	__u8 flags;		/* GNV_F_OVN, GNV_F_VXLAN */
	__u8 pad[2];
};

struct gnv_fmt {
	struct outbuf ob;
	enum gnv_format mode;
	int verbose;		/* -v: every Geneve option in hex */
	int live;		/* events carry an interface and a direction */
	const char *node;	/* live: this chassis' name (JSON's "node") */
	__s64 clock_offset_ns;	/* ts_ns + offset = wall-clock time */
	/* OVN's names of the keys (--ovn-sb, --ovn-names), or NULL. */
	const struct gnv_ovn_names *names;
	/* Live: how each interface is traced, each way (JSON's "hook"). */
	struct gnv_fmt_hook {
		__u32 ifindex;
		const char *name[2];	/* by GNV_DIR_*: "xdp-native", ... */
		/* A VM's port: the logical port bound to it, or "". */
		char lport[64];
	} hooks[GNV_FMT_HOOKS];
	/*
	 * The names of the last tunnels and keys seen (format.c), valid
	 * while the names' generation stays what it was.
	 */
	struct gnv_fmt_named {
		struct gnv_fmt_named_key key;
		const struct gnv_ovn_names *names;
		__u64 gen;
		struct gnv_ovn_view view;
	} named[1 << GNV_FMT_NAMED_BITS];
};

void gnv_fmt_init(struct gnv_fmt *f, FILE *out, enum gnv_format mode,
		  int verbose, int live);
void gnv_fmt_close(struct gnv_fmt *f);
/* Live: ifindex is traced by hook (a name that lives on) in direction dir. */
void gnv_fmt_set_hook(struct gnv_fmt *f, __u32 ifindex, __u8 dir,
		      const char *hook);
/* Live: ifindex is a VM's port, bound to logical port lport (or NULL). */
void gnv_fmt_set_lport(struct gnv_fmt *f, __u32 ifindex, const char *lport);
/* What is known of ifindex; NULL when nothing. */
static inline const struct gnv_fmt_hook *gnv_fmt_iface(const struct gnv_fmt *f,
							__u32 ifindex)
{
	for (int i = 0; i < GNV_FMT_HOOKS && f->hooks[i].ifindex; i++)
		if (f->hooks[i].ifindex == ifindex)
			return &f->hooks[i];
	return NULL;
}

/* The hook that traced ifindex in direction dir; NULL when unknown. */
static inline const char *gnv_fmt_hook(const struct gnv_fmt *f,
				       __u32 ifindex, __u8 dir)
{
	const struct gnv_fmt_hook *h = gnv_fmt_iface(f, ifindex);

	return h ? h->name[dir & 1] : NULL;
}

/*
 * The logical port of a VM's port: what the local OVS DB binds to it,
 * else OVN's name of the key it carries; NULL when neither.
 */
static inline const char *gnv_fmt_lport(const struct gnv_fmt *f,
					const struct gnv_event *ev,
					const char *ovn_name)
{
	const struct gnv_fmt_hook *h = gnv_fmt_iface(f, ev->ifindex);

	return h && h->lport[0] ? h->lport : ovn_name;
}
/*
 * ev's names looked up once (ovn_zones.h's view), what its frame's bytes
 * say decoded (BFD, when frame holds them; frame may be NULL), then
 * written out.
 */
void gnv_format_event(struct gnv_fmt *f, const struct gnv_event *ev,
		      const __u8 *frame, __u32 caplen);
struct gnv_bfd;
void gnv_format_text(struct gnv_fmt *f, const struct gnv_event *ev,
		     const struct gnv_ovn_view *v, const struct gnv_bfd *bfd);
void gnv_format_json(struct gnv_fmt *f, const struct gnv_event *ev,
		     const struct gnv_ovn_view *v, const struct gnv_bfd *bfd);

/*
 * Pieces of the formats, for others that show packets (journeys): the
 * time of day ("12:00:00.000001"); the inner frame, text ("MAC > MAC
 * SRC > DST: ICMP echo request, ..."; brief: without the MACs and the
 * lengths, which a packet's path changes or JSON lacks) or JSON fields
 * (",\"inner_src\":...").
 */
void gnv_text_time(struct outbuf *ob, __u64 ns);

/*
 * BFD (format_health.c): a session's change of state (at c->at_ns, the
 * trace's clock), as a line of its own; every session, at the end.
 */
struct gnv_bfd_change;
struct gnv_bfd_sessions;
void gnv_format_bfd_change(struct gnv_fmt *f, const struct gnv_bfd_change *c);
void gnv_format_bfd_sessions(struct gnv_fmt *f,
			     const struct gnv_bfd_sessions *t, __u64 now_ns);
/* A router's "too big" for a tunnel (gnv_pkt.underlay), one line. */
void gnv_format_underlay_too_big(struct gnv_fmt *f,
				 const struct gnv_event *ev);
void gnv_text_inner(struct outbuf *ob, const struct gnv_pkt *p, int brief);
void gnv_json_inner(struct outbuf *ob, const struct gnv_pkt *p);

#endif /* GNV_FORMAT_H */
