// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "lib/log.h"
#include "lib/pcap_lib.h"
#include "output.h"

int gnv_output_open(struct gnv_output *out, const struct gnv_output_opts *o,
		    FILE *lines_to, int live, int dlt)
{
	int to_stdout = o->write_file && !strcmp(o->write_file, "-");
	char err[256];

	memset(out, 0, sizeof(*out));
	/* With -w -, standard output is the capture: no lines there. */
	out->lines = !o->quiet && !to_stdout;
	gnv_fmt_init(&out->fmt, lines_to, o->mode, o->verbose, live);
	out->fmt.names = o->names;
	if (!o->write_file)
		return 0;
	out->snaplen = o->snaplen;
	if (gnv_pcap_load("-w", err, sizeof(err))) {
		pr_warn("%s\n", err);
		return -ENOENT;
	}
	out->dead = pcap_open_dead(dlt, out->snaplen);
	if (!out->dead) {
		pr_warn("out of memory\n");
		return -ENOMEM;
	}
	out->dump = pcap_dump_open(out->dead, o->write_file);
	if (!out->dump) {
		pr_warn("cannot write %s: %s\n",
			o->write_file, pcap_geterr(out->dead));
		pcap_close(out->dead);
		out->dead = NULL;
		return -EIO;
	}
	return 0;
}

/*
 * The frame as it was on the wire: a VLAN tag the NIC stripped, or was to
 * insert, goes back after the MAC addresses, as libpcap does for tcpdump.
 */
static const __u8 *retag(struct gnv_output *out, const struct gnv_event *ev,
			 const __u8 *frame, __u32 *caplen)
{
	__u16 tci = htons(ev->meta_vlan_tci);
	__u8 *t = out->tagged;

	if (!ev->meta_vlan_proto || *caplen < 12 || *caplen > GNV_SNAP_MAX)
		return frame;
	memcpy(t, frame, 12);
	memcpy(t + 12, &ev->meta_vlan_proto, 2);
	memcpy(t + 14, &tci, 2);
	memcpy(t + 16, frame + 12, *caplen - 12);
	*caplen += 4;	/* ev->pkt_len counts the tag already */
	return t;
}

void gnv_output_event(struct gnv_output *out, const struct gnv_event *ev,
		      const __u8 *frame, __u32 caplen)
{
	if (out->lines)
		gnv_format_event(&out->fmt, ev, frame, caplen);
	if (out->dump) {
		__u64 ns = ev->ts_ns + out->fmt.clock_offset_ns;
		struct pcap_pkthdr h = {
			.ts = { .tv_sec = ns / 1000000000ULL,
				.tv_usec = ns % 1000000000ULL / 1000 },
		};

		frame = retag(out, ev, frame, &caplen);
		h.caplen = caplen < out->snaplen ? caplen : out->snaplen;
		h.len = ev->pkt_len;
		pcap_dump((u_char *)out->dump, &h, frame);
	}
}

void gnv_output_flush(struct gnv_output *out)
{
	ob_flush(&out->fmt.ob);
	if (out->dump)
		pcap_dump_flush(out->dump);
}

void gnv_output_close(struct gnv_output *out)
{
	gnv_fmt_close(&out->fmt);
	if (out->dump)
		pcap_dump_close(out->dump);
	if (out->dead)
		pcap_close(out->dead);
	out->dump = NULL;
	out->dead = NULL;
}
