/* SPDX-License-Identifier: MIT */
/*
 * BFD sessions between chassis as their control packets tell them: per
 * direction (the sender's underlay address to the receiver's), the state
 * the sender last said, its changes, the last diagnostic, the time since
 * its last packet; a session silent for longer than its detection time
 * counts as Down, as its receiver would count it.
 */
#ifndef GNV_BFD_SESSIONS_H
#define GNV_BFD_SESSIONS_H

#include <stdbool.h>
#include <linux/types.h>

#include "gnvtrace.h"
#include "bfd.h"

#define GNV_BFD_MAX_SESSIONS	256

struct gnv_bfd_session {
	int family;		/* 4 or 6 */
	__u8 src[16], dst[16];	/* the sender's, the receiver's */
	struct gnv_bfd last;	/* its last packet */
	__u64 last_ns;		/* when, on the trace's clock */
	__u64 packets;
	__u64 changes;		/* of state, silence's to Down included */
	__u8 state;		/* the sender's last word, or Down once silent */
	__u8 diag;		/* the diagnostic of the last change */
	bool silent;		/* past its detection time without a packet */
};

/* What one packet or the clock changed: for a line of its own. */
struct gnv_bfd_change {
	const struct gnv_bfd_session *s;
	__u64 at_ns;		/* the packet's time, or the detection
				 * time's end for a silence */
	__u8 from, to;		/* enum gnv_bfd_state */
	bool silence;		/* by the clock, not by a packet */
};

struct gnv_bfd_sessions {
	struct gnv_bfd_session s[GNV_BFD_MAX_SESSIONS];
	int n;
	__u64 untracked;	/* packets of sessions past the table's room */
};

/*
 * A packet of p's tunnel, decoded as b, at ts_ns. 1 with *c filled when
 * it changed its session's state, else 0.
 */
int gnv_bfd_sessions_add(struct gnv_bfd_sessions *t, const struct gnv_pkt *p,
			 const struct gnv_bfd *b, __u64 ts_ns,
			 struct gnv_bfd_change *c);

/*
 * The clock at now_ns: each session newly silent past its detection time
 * becomes Down, fn called with the change.
 */
void gnv_bfd_sessions_age(struct gnv_bfd_sessions *t, __u64 now_ns,
			  void (*fn)(void *ctx, const struct gnv_bfd_change *c),
			  void *ctx);

/*
 * A session's detection time (RFC 5880 6.8.4): the sender's multiplier
 * times the interval agreed, the larger of its desired TX and the
 * receiver's required RX (from the other way's packets; until one is
 * seen, the sender's own required RX).
 */
__u64 gnv_bfd_detect_ns(const struct gnv_bfd_sessions *t,
			const struct gnv_bfd_session *s);

#endif /* GNV_BFD_SESSIONS_H */
