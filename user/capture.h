/* SPDX-License-Identifier: MIT */
/*
 * Reading capture files. Classic pcap files are memory-mapped and walked
 * in place, with every record checked against the file; pcapng, standard
 * input and anything else go through libpcap.
 */
#ifndef GNV_CAPTURE_H
#define GNV_CAPTURE_H

#include <stddef.h>
#include <linux/types.h>

struct capture;

struct capture_pkt {
	const __u8 *data;
	__u32 caplen;		/* bytes in the file */
	__u32 len;		/* bytes on the wire */
	__u64 ts_ns;
};

/* NULL with a one-line reason in err (which names the file). */
struct capture *capture_open(const char *path, char *err, size_t errlen);

/* 1 with *p filled, 0 at the end, -1 with a reason naming the packet. */
int capture_next(struct capture *c, struct capture_pkt *p, char *err,
		 size_t errlen);

/* The file's link type as a DLT_* value, and as where the parser starts. */
int capture_dlt(const struct capture *c);
int capture_link(const struct capture *c, const struct capture_pkt *p);

void capture_close(struct capture *c);

#endif /* GNV_CAPTURE_H */
