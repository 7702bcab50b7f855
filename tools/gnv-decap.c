// SPDX-License-Identifier: MIT
/*
 * gnv-decap: a capture's Geneve packets, and their inner frames, for
 * tcpdump to filter the inner frames as gnvtrace filters the packets.
 *
 *   gnv-decap IN OUTER INNER
 *
 * Each Geneve packet of IN (an Ethernet capture) that carries an inner
 * Ethernet frame goes to OUTER as it is, and its inner frame to INNER as
 * gnvtrace's words see it (gnv_inner_frame: untagged). The Nth packet
 * written has the time N seconds in both files, so that the packets each
 * side matches can be told apart and compared. Packets whose inner IPv6
 * header is followed by an extension header are left out: gnvtrace walks
 * the chain, tcpdump's "ip6 proto" does not. Prints the count written.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "gnvtrace.h"
#include "parse.h"
#include "filter/inner_frame.h"

#define FRAME_CAP	65536

int main(int argc, char **argv)
{
	static __u8 inner[FRAME_CAP];
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_dumper_t *outer_d, *inner_d;
	pcap_t *in, *outer_p, *inner_p;
	struct pcap_pkthdr *h;
	const u_char *data;
	long n = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: gnv-decap IN OUTER INNER\n");
		return 2;
	}
	in = pcap_open_offline(argv[1], errbuf);
	if (!in) {
		fprintf(stderr, "gnv-decap: %s\n", errbuf);
		return 1;
	}
	if (pcap_datalink(in) != DLT_EN10MB) {
		fprintf(stderr, "gnv-decap: %s is not an Ethernet capture\n",
			argv[1]);
		return 1;
	}
	outer_p = pcap_open_dead(DLT_EN10MB, FRAME_CAP);
	inner_p = pcap_open_dead(DLT_EN10MB, FRAME_CAP);
	outer_d = pcap_dump_open(outer_p, argv[2]);
	inner_d = pcap_dump_open(inner_p, argv[3]);
	if (!outer_d || !inner_d) {
		fprintf(stderr, "gnv-decap: cannot write %s or %s\n", argv[2],
			argv[3]);
		return 1;
	}
	while (pcap_next_ex(in, &h, &data) == 1) {
		struct pcap_pkthdr oh = *h, ih = { 0 };
		struct gnv_pkt p;
		size_t len;

		if (gnv_parse_frame(data, data + h->caplen, GNV_LINK_ETH,
				    GENEVE_UDP_PORT, 0, &p) != GNV_GENEVE)
			continue;
		len = gnv_inner_frame(data, h->caplen, &p, inner,
				      sizeof(inner));
		if (len < 14 || gnv_inner_ipv6_ext(inner, len))
			continue;
		oh.ts.tv_sec = ih.ts.tv_sec = n++;
		oh.ts.tv_usec = 0;
		ih.caplen = len;
		ih.len = len + (h->len - h->caplen);	/* on the wire */
		pcap_dump((u_char *)outer_d, &oh, data);
		pcap_dump((u_char *)inner_d, &ih, inner);
	}
	pcap_dump_close(outer_d);
	pcap_dump_close(inner_d);
	pcap_close(outer_p);
	pcap_close(inner_p);
	pcap_close(in);
	printf("%ld\n", n);
	return 0;
}
