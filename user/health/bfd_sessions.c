// SPDX-License-Identifier: MIT
#include <string.h>

#include "bfd_sessions.h"

static struct gnv_bfd_session *find(const struct gnv_bfd_sessions *t,
				    int family, const __u8 *src,
				    const __u8 *dst)
{
	for (int i = 0; i < t->n; i++) {
		const struct gnv_bfd_session *s = &t->s[i];

		if (s->family == family && !memcmp(s->src, src, 16) &&
		    !memcmp(s->dst, dst, 16))
			return (struct gnv_bfd_session *)s;
	}
	return NULL;
}

__u64 gnv_bfd_detect_ns(const struct gnv_bfd_sessions *t,
			const struct gnv_bfd_session *s)
{
	const struct gnv_bfd_session *back = find(t, s->family, s->dst,
						  s->src);
	__u64 us = s->last.desired_min_tx_us;

	/*
	 * The receiver's required RX is in the other way's packets; until
	 * one is seen, the sender's own (what it asks of its peer, the same
	 * in OVS's sessions) stands in: never a detection time shorter than
	 * the sender's real interval, which would call a live session Down.
	 */
	if (back && back->last.required_min_rx_us > us)
		us = back->last.required_min_rx_us;
	if (!back && s->last.required_min_rx_us > us)
		us = s->last.required_min_rx_us;
	return (__u64)s->last.detect_mult * us * 1000;
}

int gnv_bfd_sessions_add(struct gnv_bfd_sessions *t, const struct gnv_pkt *p,
			 const struct gnv_bfd *b, __u64 ts_ns,
			 struct gnv_bfd_change *c)
{
	struct gnv_bfd_session *s = find(t, p->outer_family, p->outer_src,
					 p->outer_dst);
	__u8 was;

	if (!s) {
		if (t->n == GNV_BFD_MAX_SESSIONS) {
			t->untracked++;
			return 0;
		}
		s = &t->s[t->n++];
		memset(s, 0, sizeof(*s));
		s->family = p->outer_family;
		memcpy(s->src, p->outer_src, 16);
		memcpy(s->dst, p->outer_dst, 16);
		s->state = b->state;	/* its first word is no change */
		s->diag = b->diag;
	}
	was = s->state;
	s->last = *b;
	s->last_ns = ts_ns;
	s->packets++;
	s->silent = false;
	if (b->state == was)
		return 0;
	s->state = b->state;
	s->diag = b->diag;
	s->changes++;
	*c = (struct gnv_bfd_change){ .s = s, .at_ns = ts_ns, .from = was,
				      .to = b->state };
	return 1;
}

void gnv_bfd_sessions_age(struct gnv_bfd_sessions *t, __u64 now_ns,
			  void (*fn)(void *ctx, const struct gnv_bfd_change *c),
			  void *ctx)
{
	for (int i = 0; i < t->n; i++) {
		struct gnv_bfd_session *s = &t->s[i];
		__u8 was = s->state;

		__u64 detect = gnv_bfd_detect_ns(t, s);

		if (s->silent || now_ns < s->last_ns ||
		    now_ns - s->last_ns <= detect)
			continue;
		s->silent = true;
		if (was == GNV_BFD_DOWN || was == GNV_BFD_ADMIN_DOWN)
			continue;
		s->state = GNV_BFD_DOWN;
		s->diag = 1;	/* Control Detection Time Expired */
		s->changes++;
		if (fn)
			fn(ctx, &(struct gnv_bfd_change){
				.s = s, .at_ns = s->last_ns + detect,
				.from = was, .to = GNV_BFD_DOWN,
				.silence = true });
	}
}
