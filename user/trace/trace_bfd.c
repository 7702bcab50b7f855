// SPDX-License-Identifier: MIT
/*
 * BFD sessions followed offline (-r), the capture's time as the clock:
 * each BFD packet's session followed, a change a line of its own after
 * the packet's, as live; a session silent past its detection time is
 * found at the next BFD packet or the capture's end, its line at the
 * detection time's end (as live prints it). The split reader's chunks
 * note their BFD packets and where in their lines each one's goes; the
 * main thread follows them in file order as it writes the chunks out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/format.h"
#include "trace_file.h"

/* A silence found: its line, where lines go. */
static void silence(void *ctx, const struct gnv_bfd_change *c)
{
	struct file_reader *r = ctx;

	if (r->out.lines)
		gnv_format_bfd_change(&r->out.fmt, c);
}

static void follow(struct file_reader *r, const struct gnv_pkt *p,
		   const struct gnv_bfd *b, __u64 ts_ns)
{
	struct gnv_bfd_change c;

	gnv_bfd_sessions_age(r->bfd, ts_ns, silence, r);
	if (gnv_bfd_sessions_add(r->bfd, p, b, ts_ns, &c) && r->out.lines)
		gnv_format_bfd_change(&r->out.fmt, &c);
}

void gnv_file_bfd_seen(struct file_reader *r, const struct gnv_event *ev,
		       const __u8 *frame, size_t caplen)
{
	struct gnv_bfd_sighting *s;
	struct gnv_bfd b;

	if (!gnv_is_bfd(&ev->pkt) ||
	    gnv_bfd_of_frame(frame, caplen, &ev->pkt, &b))
		return;
	if (r->bfd) {
		follow(r, &ev->pkt, &b, ev->ts_ns);
		return;
	}
	/* A chunk: noted, with where its change's line would go. */
	if (r->n_sightings == r->cap_sightings) {
		size_t cap = r->cap_sightings ? 2 * r->cap_sightings : 16;

		s = realloc(r->sightings, cap * sizeof(*s));
		if (!s)
			return;		/* the chunk's lines are whole still */
		r->sightings = s;
		r->cap_sightings = cap;
	}
	gnv_output_flush(&r->out);
	s = &r->sightings[r->n_sightings++];
	s->line_off = r->out.fmt.ob.out ? (size_t)ftell(r->out.fmt.ob.out) : 0;
	s->ts_ns = ev->ts_ns;
	s->pkt = ev->pkt;
	s->b = b;
}

void gnv_file_bfd_replay(struct file_reader *r, const char *lines,
			 size_t len, const struct gnv_bfd_sighting *s, size_t n)
{
	FILE *out = r->out.fmt.ob.out;
	size_t at = 0;

	for (size_t i = 0; i < n; i++) {
		size_t off = s[i].line_off < len ? s[i].line_off : len;

		gnv_output_flush(&r->out);
		if (out && off > at)
			fwrite(lines + at, 1, off - at, out);
		at = off > at ? off : at;
		follow(r, &s[i].pkt, &s[i].b, s[i].ts_ns);
	}
	gnv_output_flush(&r->out);
	if (out && len > at)
		fwrite(lines + at, 1, len - at, out);
}

void gnv_file_bfd_finish(struct file_reader *r, __u64 end_ns)
{
	gnv_bfd_sessions_age(r->bfd, end_ns, silence, r);
	if (r->bfd->n && r->out.lines)
		gnv_format_bfd_sessions(&r->out.fmt, r->bfd, end_ns);
}
