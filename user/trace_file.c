// SPDX-License-Identifier: MIT
/*
 * Offline tracing (-r): the host build of the same parser and filter over
 * a capture file read with libpcap (pcap and pcapng, or "-" for stdin).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <string.h>

#include "filter.h"
#include "trace.h"

/* The parser's starting layer for a capture's link type, or -1. */
static int link_of(int dlt, const __u8 *data, __u32 caplen)
{
	switch (dlt) {
	case DLT_EN10MB:
		return GNV_LINK_ETH;
	case DLT_IPV4:
		return GNV_LINK_IPV4;
	case DLT_IPV6:
		return GNV_LINK_IPV6;
	case DLT_RAW:
		/* Raw IP of either version: the version nibble tells. */
		return caplen && data[0] >> 4 == 6 ? GNV_LINK_IPV6 : GNV_LINK_IPV4;
	}
	return -1;
}

int gnv_trace_file(const struct gnv_trace_opts *o, struct gnv_counts *c)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	struct gnv_event ev;
	struct gnv_fmt fmt;
	const u_char *data;
	__u64 frame = 0;
	int dlt, r = 0, err = 0;
	pcap_t *pc;

	pc = pcap_open_offline(o->read_file, errbuf);
	if (!pc) {
		fprintf(stderr, "gnvtrace: cannot read %s: %s\n", o->read_file,
			errbuf);
		return -EINVAL;
	}
	dlt = pcap_datalink(pc);
	if (link_of(dlt, (const __u8 *)"", 0) < 0) {
		fprintf(stderr, "gnvtrace: %s: unsupported link type %s (%d)\n",
			o->read_file, pcap_datalink_val_to_name(dlt) ?: "?", dlt);
		pcap_close(pc);
		return -EINVAL;
	}
	gnv_fmt_init(&fmt, stdout, o->mode, o->verbose, 0);
	memset(&ev, 0, sizeof(ev));
	ev.abi_version = GNV_ABI_VERSION;

	while (!gnv_exiting && (r = pcap_next_ex(pc, &h, &data)) == 1) {
		const __u8 *end = data + h->caplen;
		int verdict;

		frame++;
		c->v[GNV_STAT_PACKETS]++;
		verdict = gnv_parse_frame(data, end, link_of(dlt, data, h->caplen),
					  o->filter.geneve_port, &ev.pkt);
		if (verdict == GNV_MALFORMED)
			c->v[GNV_STAT_MALFORMED + ev.pkt.malformed]++;
		if (verdict != GNV_GENEVE)
			continue;
		c->v[GNV_STAT_GENEVE]++;
		if (!gnv_filter_match(&o->filter, &ev.pkt))
			continue;
		c->v[GNV_STAT_MATCHED]++;
		ev.ts_ns = (__u64)h->ts.tv_sec * 1000000000ULL +
			   (__u64)h->ts.tv_usec * 1000;
		ev.pkt_len = h->len;
		memcpy(ev.opts, data + ev.pkt.opts_off, ev.pkt.opts_len);
		if (!o->quiet)
			gnv_format_event(&fmt, &ev);
		if (o->count && c->v[GNV_STAT_MATCHED] >= o->count)
			break;
	}
	if (r == PCAP_ERROR) {
		fprintf(stderr, "gnvtrace: %s: packet %llu: %s\n", o->read_file,
			(unsigned long long)frame + 1, pcap_geterr(pc));
		err = -EIO;
	}
	gnv_fmt_close(&fmt);
	pcap_close(pc);
	return err;
}
