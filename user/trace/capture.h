/* SPDX-License-Identifier: MIT */
/*
 * Reading capture files. Classic pcap files are read by ourselves through
 * a window of the file, with every record checked against the file;
 * pcapng, standard input and anything else go through libpcap.
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
	int link;		/* GNV_LINK_*: where the parser starts */
};

/* NULL with a one-line reason in err (which names the file). */
struct capture *capture_open(const char *path, char *err, size_t errlen);

/* 1 with *p filled, 0 at the end, -1 with a reason naming the packet. */
int capture_next(struct capture *c, struct capture_pkt *p, char *err,
		 size_t errlen);

/* The file's link type as a DLT_* value. */
int capture_dlt(const struct capture *c);

/*
 * Reading one classic pcap file on several threads (capture_splittable):
 * parts read records from their own window of the file. capture_resync
 * gives the first offset >= off where a record plausibly starts (the
 * file size when none does); the caller checks it against where the
 * records before it really end (capture_offset once they are read).
 */
int capture_splittable(const struct capture *c);
size_t capture_size(const struct capture *c);
size_t capture_offset(const struct capture *c);
size_t capture_resync(struct capture *c, size_t off);
/* Another reader of c's file, through a window of its own. */
struct capture *capture_part(const struct capture *c);
/* It reads the records starting in [off, end), numbered from index + 1. */
void capture_set_range(struct capture *c, size_t off, size_t end,
		       __u64 index);

/* Also for parts: frees their window, leaves the file open. */
void capture_close(struct capture *c);

#endif /* GNV_CAPTURE_H */
