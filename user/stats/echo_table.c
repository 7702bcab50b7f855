// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "port_stats.h"
#include "echo_table.h"

#define REAP_EVERY_NS	1000000000ULL	/* as the live reaper */

struct gnv_echo_table {
	struct gnv_echo_slot slots[GNV_ECHO_SLOTS];
};

struct gnv_echo_table *gnv_echo_table_new(void)
{
	return calloc(1, sizeof(struct gnv_echo_table));
}

void gnv_echo_table_free(struct gnv_echo_table *t)
{
	free(t);
}

void gnv_echo_reap_slots(struct gnv_echo_slot *slots, struct gnv_hist *h,
			 __u64 now_ns, __u64 timeout_ns)
{
	for (__u32 i = 0; i < GNV_ECHO_SLOTS; i++) {
		struct gnv_echo_slot *s = &slots[i];
		__u64 ts = __atomic_load_n(&s->ts_ns, __ATOMIC_ACQUIRE);
		struct gnv_port_key port = s->port;
		__u8 proto = s->key.proto;

		if (!ts || gnv_echo_in_time(ts, now_ns, timeout_ns))
			continue;
		/* Only if the kernel did not take the slot meanwhile. */
		if (__atomic_compare_exchange_n(&s->ts_ns, &ts, 0, 0,
						__ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			gnv_hist_unanswered(h, &port, proto);
	}
}

int gnv_echo_reap_due(__u64 *next_ns, __u64 now_ns)
{
	int due = *next_ns && now_ns >= *next_ns;

	if (!*next_ns || due)
		*next_ns = now_ns + REAP_EVERY_NS;
	return due;
}

void gnv_echo_reap(struct gnv_echo_table *t, struct gnv_hist *h,
		   __u64 now_ns, __u64 timeout_ns)
{
	gnv_echo_reap_slots(t->slots, h, now_ns, timeout_ns);
}

void gnv_echo_count(struct gnv_echo_table *t, struct gnv_hist *h,
		    const struct gnv_pkt *p, __u8 dir, __u64 now_ns,
		    __u64 timeout_ns, __u64 *displaced)
{
	int kind = gnv_echo_kind(p);
	struct gnv_port_entry *pe;
	struct gnv_echo_slot *s;
	struct gnv_echo_key k;
	__u64 rtt_ns = 0;

	if (!kind)
		return;
	memset(&k, 0, sizeof(k));
	gnv_echo_key_of(p, kind, &k);
	s = &t->slots[gnv_echo_slot_of(&k)];
	switch (gnv_echo_update(s, kind, &k, p, dir, now_ns, timeout_ns,
				&rtt_ns)) {
	case GNV_ECHO_DISPLACED:
		(*displaced)++;
		break;
	case GNV_ECHO_ANSWERED:
		pe = gnv_hist_entry(h, &s->port);
		if (pe)
			gnv_port_rtt_add(&pe->stats, k.proto, rtt_ns);
		s->ts_ns = 0;
		break;
	}
}
