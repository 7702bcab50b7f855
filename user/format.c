// SPDX-License-Identifier: MIT
/* Shared by both formatters: set-up, the clock and interface names. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "format.h"

void gnv_fmt_init(struct gnv_fmt *f, FILE *out, enum gnv_format mode,
		  int verbose, int live)
{
	struct timespec mono, real;

	memset(f, 0, sizeof(*f));
	ob_init(&f->ob, out);
	f->mode = mode;
	f->verbose = verbose;
	f->live = live;
	if (live) {
		/* Live events carry CLOCK_MONOTONIC (bpf_ktime_get_ns). */
		clock_gettime(CLOCK_REALTIME, &real);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		f->clock_offset_ns = (real.tv_sec - mono.tv_sec) * 1000000000LL +
				     (real.tv_nsec - mono.tv_nsec);
	}
}

void gnv_fmt_close(struct gnv_fmt *f)
{
	ob_free(&f->ob);
}

void gnv_fmt_set_hook(struct gnv_fmt *f, __u32 ifindex, __u8 dir,
		      const char *hook)
{
	for (int i = 0; i < GNV_FMT_HOOKS; i++) {
		struct gnv_fmt_hook *h = &f->hooks[i];

		if (h->ifindex && h->ifindex != ifindex)
			continue;
		h->ifindex = ifindex;
		h->name[dir & 1] = hook;
		return;
	}
}

const char *gnv_fmt_hook(const struct gnv_fmt *f, __u32 ifindex, __u8 dir)
{
	for (int i = 0; i < GNV_FMT_HOOKS && f->hooks[i].ifindex; i++)
		if (f->hooks[i].ifindex == ifindex)
			return f->hooks[i].name[dir & 1];
	return NULL;
}

void gnv_format_event(struct gnv_fmt *f, const struct gnv_event *ev)
{
	if (f->mode == GNV_OUT_JSON)
		gnv_format_json(f, ev);
	else
		gnv_format_text(f, ev);
	ob_maybe_flush(&f->ob);
}

#define IFNAME_CACHE 16

const char *gnv_ifname(__u32 ifindex)
{
	static struct {
		__u32 ifindex;
		char name[IF_NAMESIZE];
	} cache[IFNAME_CACHE];
	static unsigned int next;

	for (int i = 0; i < IFNAME_CACHE; i++)
		if (cache[i].ifindex == ifindex && ifindex)
			return cache[i].name;
	next = (next + 1) % IFNAME_CACHE;
	cache[next].ifindex = ifindex;
	if (!if_indextoname(ifindex, cache[next].name))
		snprintf(cache[next].name, IF_NAMESIZE, "if%u", ifindex);
	return cache[next].name;
}
