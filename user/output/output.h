/* SPDX-License-Identifier: MIT */
/*
 * Room output/ (uses lib/, ovn/): events as lines (format.h), frames as
 * pcap. This header: where matched packets go.
 *
 * Where matched packets go: text or JSON lines on stdout (unless -q), and
 * with -w the frames themselves to a pcap file that Wireshark opens.
 */
#ifndef GNV_OUTPUT_H
#define GNV_OUTPUT_H

#include "format.h"

/*
 * libpcap's types, declared rather than included: <pcap/pcap.h> brings a
 * struct bpf_insn of its own that clashes with <linux/bpf.h>.
 */
struct pcap;
struct pcap_dumper;

#define GNV_DLT_EN10MB	1	/* pcap's DLT_EN10MB: Ethernet */

struct gnv_output {
	struct gnv_fmt fmt;
	int lines;		/* print a line per packet */
	struct pcap *dead;	/* -w: the link type and snaplen written */
	struct pcap_dumper *dump;
	__u32 snaplen;
	/* A frame with its VLAN tag put back where the NIC had it (-w). */
	__u8 tagged[GNV_SNAP_MAX + 4];
};

struct gnv_output_opts {
	enum gnv_format mode;
	int verbose;			/* -v: every option in hex */
	int quiet;			/* no lines, -w only */
	const char *write_file;		/* -w FILE ("-": stdout), or NULL */
	__u32 snaplen;			/* -w: bytes of each frame kept */
	const struct gnv_ovn_names *names;	/* OVN's names, or NULL */
};

/* Lines go to lines_to; dlt: the link type of the frames written (-w). */
int gnv_output_open(struct gnv_output *out, const struct gnv_output_opts *o,
		    FILE *lines_to, int live, int dlt);
/* ev, and the first caplen bytes of its frame (for -w). */
void gnv_output_event(struct gnv_output *out, const struct gnv_event *ev,
		      const __u8 *frame, __u32 caplen);
void gnv_output_flush(struct gnv_output *out);
void gnv_output_close(struct gnv_output *out);

#endif /* GNV_OUTPUT_H */
