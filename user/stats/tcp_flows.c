// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "port_stats.h"
#include "tcp_flows.h"

struct gnv_tcp_slot *gnv_tcp_flows_new(void)
{
	return calloc(GNV_TCP_SLOTS, sizeof(struct gnv_tcp_slot));
}

void gnv_tcp_flows_count(struct gnv_tcp_slot *table,
			 struct gnv_port_stats *st, const struct gnv_pkt *p,
			 __u64 now_ns, __u64 *evicted)
{
	struct gnv_echo_key k;

	if (!gnv_is_tcp_data(p))
		return;
	memset(&k, 0, sizeof(k));
	gnv_tcp_key_of(p, &k);
	if (gnv_tcp_count(&table[gnv_tcp_slot_of(&k)], &k, st, p, now_ns) ==
	    GNV_TCP_EVICTED)
		(*evicted)++;
}
