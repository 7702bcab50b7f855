// SPDX-License-Identifier: MIT
/* The exit summary on stderr. */

#include "lib/abi_names.h"
#include "trace.h"

void gnv_print_summary(FILE *out, const struct gnv_counts *c,
		       const char *attached)
{
	__u64 malformed = 0;
	int first = 1;

	for (int r = 1; r < GNV_BAD_MAX; r++)
		malformed += c->v[GNV_STAT_MALFORMED + r];
	fprintf(out, "gnvtrace: %llu packets seen, %llu Geneve, %llu matched, "
		"%llu lost, %llu malformed",
		(unsigned long long)c->v[GNV_STAT_PACKETS],
		(unsigned long long)c->v[GNV_STAT_GENEVE],
		(unsigned long long)c->v[GNV_STAT_MATCHED],
		(unsigned long long)c->v[GNV_STAT_LOST],
		(unsigned long long)malformed);
	for (int r = 1; r < GNV_BAD_MAX; r++) {
		__u64 n = c->v[GNV_STAT_MALFORMED + r];

		if (!n)
			continue;
		fprintf(out, "%s%s %llu", first ? " (" : ", ",
			gnv_malformed_name(r), (unsigned long long)n);
		first = 0;
	}
	fprintf(out, "%s", first ? "" : ")");
	if (c->v[GNV_STAT_UNDERLAY_TOO_BIG])
		fprintf(out, ", %llu underlay 'too big' for a tunnel",
			(unsigned long long)c->v[GNV_STAT_UNDERLAY_TOO_BIG]);
	/* --hist's direct-mapped tables: a slot another took. */
	if (c->v[GNV_STAT_ECHO_DISPLACED])
		fprintf(out, ", %llu echo requests displaced",
			(unsigned long long)c->v[GNV_STAT_ECHO_DISPLACED]);
	if (c->v[GNV_STAT_TCP_EVICTED])
		fprintf(out, ", %llu TCP flows evicted",
			(unsigned long long)c->v[GNV_STAT_TCP_EVICTED]);
	if (attached && attached[0])
		fprintf(out, "; %s", attached);
	fprintf(out, "\n");
}
