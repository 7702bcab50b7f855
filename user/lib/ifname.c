// SPDX-License-Identifier: MIT
#include <net/if.h>
#include <stdio.h>

#include "ifname.h"

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
