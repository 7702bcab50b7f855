// SPDX-License-Identifier: MIT
/* Shared by both formatters: set-up, the clock and interface names. */
#include <stdio.h>
#include <string.h>

#include "health/bfd.h"
#include "lib/clock.h"
#include "format.h"

void gnv_fmt_init(struct gnv_fmt *f, FILE *out, enum gnv_format mode,
		  int verbose, int live)
{
	memset(f, 0, sizeof(*f));
	ob_init(&f->ob, out);
	f->mode = mode;
	f->verbose = verbose;
	f->live = live;
	/* Live events carry CLOCK_MONOTONIC (bpf_ktime_get_ns). */
	if (live)
		f->clock_offset_ns = gnv_mono_to_real_ns();
}

void gnv_fmt_close(struct gnv_fmt *f)
{
	ob_free(&f->ob);
}

/* ifindex's entry, claimed when new; NULL when all are taken. */
static struct gnv_fmt_hook *iface_entry(struct gnv_fmt *f, __u32 ifindex)
{
	for (int i = 0; i < GNV_FMT_HOOKS; i++) {
		struct gnv_fmt_hook *h = &f->hooks[i];

		if (h->ifindex && h->ifindex != ifindex)
			continue;
		h->ifindex = ifindex;
		return h;
	}
	return NULL;
}

void gnv_fmt_set_hook(struct gnv_fmt *f, __u32 ifindex, __u8 dir,
		      const char *hook)
{
	struct gnv_fmt_hook *h = iface_entry(f, ifindex);

	if (h)
		h->name[dir & 1] = hook;
}

void gnv_fmt_set_lport(struct gnv_fmt *f, __u32 ifindex, const char *lport)
{
	struct gnv_fmt_hook *h = iface_entry(f, ifindex);

	if (h)
		snprintf(h->lport, sizeof(h->lport), "%s", lport ? lport : "");
}

/* Bumped by every change of any zone's names: each only grows. */
static __u64 names_generation(const struct gnv_ovn_names *zones)
{
	__u64 gen = 0;

	for (; zones; zones = gnv_ovn_next_zone(zones))
		gen += gnv_ovn_names_generation(zones);
	return gen;
}

/* k's slot: its words summed, the sum's top bits after a multiplication. */
static unsigned int named_slot(const struct gnv_fmt_named_key *k)
{
	__u32 w[sizeof(*k) / 4], sum = 0;

	memcpy(w, k, sizeof(w));
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		sum += w[i];
	return (sum * 2654435761u) >> (32 - GNV_FMT_NAMED_BITS);
}

/*
 * p's names. Looking them up is most of a named event's cost (a
 * chassis is found three times over, by both addresses), and events
 * come in flows, both ways: the views of the last tunnels and keys are
 * kept, a slot each by a hash of the key, until the names change.
 */
static const struct gnv_ovn_view *view_of(struct gnv_fmt *f,
					  const struct gnv_pkt *p)
{
	struct gnv_fmt_named_key k = {
		.vni = p->vni,
		.inport = p->ovn_inport,
		.outport = p->ovn_outport,
		.family = p->outer_family,
		.flags = p->flags & (GNV_F_OVN | GNV_F_VXLAN),
	};
	struct gnv_fmt_named *e;
	__u64 gen;

	memcpy(k.src, p->outer_src, sizeof(k.src));
	memcpy(k.dst, p->outer_dst, sizeof(k.dst));
	e = &f->named[named_slot(&k)];
	gen = names_generation(f->names);
	if (e->names == f->names && e->gen == gen &&
	    !memcmp(&e->key, &k, sizeof(k)))
		return &e->view;
	gnv_ovn_view_event(f->names, p, f->mode == GNV_OUT_JSON, &e->view);
	e->key = k;
	e->names = f->names;
	e->gen = gen;
	return &e->view;
}

void gnv_format_event(struct gnv_fmt *f, const struct gnv_event *ev,
		      const __u8 *frame, __u32 caplen)
{
	static const struct gnv_ovn_view unnamed;
	const struct gnv_ovn_view *v;
	struct gnv_bfd bfd;
	int has_bfd;

	if (ev->pkt.underlay) {
		gnv_format_underlay_too_big(f, ev);
		ob_maybe_flush(&f->ob);
		return;
	}
	has_bfd = frame && gnv_is_bfd(&ev->pkt) &&
		  !gnv_bfd_of_frame(frame, caplen, &ev->pkt, &bfd);
	v = f->names ? view_of(f, &ev->pkt) : &unnamed;
	if (f->mode == GNV_OUT_JSON)
		gnv_format_json(f, ev, v, has_bfd ? &bfd : NULL);
	else
		gnv_format_text(f, ev, v, has_bfd ? &bfd : NULL);
	ob_maybe_flush(&f->ob);
}
