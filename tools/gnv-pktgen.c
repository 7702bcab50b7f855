// SPDX-License-Identifier: MIT
/*
 * gnv-pktgen: writes a named set of crafted frames to a pcap file, for the
 * tests to replay into a veth and to read back with gnvtrace -r.
 * Usage: gnv-pktgen demo FILE
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "traffic.h"

int main(int argc, char **argv)
{
	struct traffic_frame frames[TRAFFIC_DEMO_FRAMES];
	pcap_dumper_t *dump;
	__u8 buf[2048];
	pcap_t *pc;
	int n;

	if (argc != 3 || strcmp(argv[1], "demo")) {
		fprintf(stderr, "usage: gnv-pktgen demo FILE\n");
		return 2;
	}
	n = traffic_demo(frames, TRAFFIC_DEMO_FRAMES);
	pc = pcap_open_dead(DLT_EN10MB, 65535);
	dump = pc ? pcap_dump_open(pc, argv[2]) : NULL;
	if (!dump) {
		fprintf(stderr, "gnv-pktgen: cannot write %s: %s\n", argv[2],
			pc ? pcap_geterr(pc) : "out of memory");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		struct pcap_pkthdr h = { .ts = { 1700000000 + i, 0 } };

		h.len = pkt_build(&frames[i].spec, buf, sizeof(buf));
		if (frames[i].cut && frames[i].cut < h.len)
			h.len = frames[i].cut;
		h.caplen = h.len;
		pcap_dump((u_char *)dump, &h, buf);
	}
	pcap_dump_close(dump);
	pcap_close(pc);
	return 0;
}
