// SPDX-License-Identifier: MIT
/* Shared by both formatters: set-up, the clock and interface names. */
#include <stdio.h>
#include <string.h>

#include "health/bfd.h"
#include "lib/clock.h"
#include "ovn/ovn_zones.h"
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

void gnv_format_event(struct gnv_fmt *f, const struct gnv_event *ev,
		      const __u8 *frame, __u32 caplen)
{
	struct gnv_ovn_view v;
	struct gnv_bfd bfd;
	int has_bfd;

	if (ev->pkt.underlay) {
		gnv_format_underlay_too_big(f, ev);
		ob_maybe_flush(&f->ob);
		return;
	}
	has_bfd = frame && gnv_is_bfd(&ev->pkt) &&
		  !gnv_bfd_of_frame(frame, caplen, &ev->pkt, &bfd);
	gnv_ovn_view_event(f->names, &ev->pkt, f->mode == GNV_OUT_JSON, &v);
	if (f->mode == GNV_OUT_JSON)
		gnv_format_json(f, ev, &v, has_bfd ? &bfd : NULL);
	else
		gnv_format_text(f, ev, &v, has_bfd ? &bfd : NULL);
	ob_maybe_flush(&f->ob);
}
