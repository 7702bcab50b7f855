// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "port_stats.h"
#include "tcp_flows.h"

struct gnv_tcp_set *gnv_tcp_flows_new(void)
{
	return calloc(GNV_TCP_SETS, sizeof(struct gnv_tcp_set));
}

void gnv_tcp_flows_count(struct gnv_tcp_set *table,
			 struct gnv_port_stats *st, const struct gnv_pkt *p,
			 __u64 now_ns, __u64 *evicted)
{
	__u64 flow;

	if (!gnv_is_tcp_data(p))
		return;
	flow = gnv_tcp_flow_of(p);
	if (gnv_tcp_count(&table[gnv_tcp_set_of(flow)], flow, st, p, now_ns) ==
	    GNV_TCP_EVICTED)
		(*evicted)++;
}
