// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gnvtrace.h"
#include "lib/log.h"
#include "capture.h"

/* The classic pcap format (pcap-savefile(5)). */
#define PCAP_MAGIC_US		0xa1b2c3d4
#define PCAP_MAGIC_NS		0xa1b23c4d
#define PCAP_FILE_HDR_LEN	24
#define PCAP_REC_HDR_LEN	16
#define LINKTYPE_RAW		101	/* DLT_RAW's number in files */

/*
 * Classic pcap is read through a window of the file mapped with its pages
 * populated up front, slid forward as records are consumed. Faulting the
 * pages in one by one cost more than parsing the packets, and mapping the
 * whole file would make the resident size grow with the file.
 */
#ifndef WINDOW_LEN	/* the fuzzers set a page, to slide it all the time */
#define WINDOW_LEN	(8u << 20)
#endif
#define PREFETCH_AHEAD	2048

struct capture {
	const char *path;
	__u64 index;		/* packets read so far */
	int dlt;
	/* Memory-mapped classic pcap */
	int fd;
	int part;		/* a capture_part(): the fd is the file's */
	const __u8 *map;	/* the window: file bytes [map_off, map_off + map_len) */
	size_t map_off, map_len, window;
	size_t size, off;	/* file size, next record's file offset */
	size_t end;		/* no record starts at or past this offset */
	int swapped, nsec;
	__u32 snaplen;
	__u32 first_sec;	/* the first record's time, for capture_resync */
	/* Everything else */
	pcap_t *pcap;
};

static inline __u32 rd32_file(const struct capture *c, const __u8 *p)
{
	__u32 v;

	memcpy(&v, p, 4);
	return c->swapped ? __builtin_bswap32(v) : v;
}

/* Maps file bytes [off, off + need) at least, from a page boundary. */
static int map_window(struct capture *c, size_t off, size_t need)
{
	size_t base = off & ~((size_t)sysconf(_SC_PAGESIZE) - 1);
	size_t len = off - base + need;
	void *map;

	if (len < c->window)
		len = c->window;
	if (len > c->size - base)
		len = c->size - base;
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, c->fd,
		   base);
	if (map == MAP_FAILED)
		return -1;
	if (c->map)
		munmap((void *)c->map, c->map_len);
	c->map = map;
	c->map_off = base;
	c->map_len = len;
	return 0;
}

/* File bytes [off, off + n), which the caller made sure are in the file. */
static inline const __u8 *file_bytes(struct capture *c, size_t off, size_t n)
{
	if (__builtin_expect(off + n > c->map_off + c->map_len, 0) ||
	    off < c->map_off) {
		if (map_window(c, off, n))
			return NULL;
	}
	return c->map + (off - c->map_off);
}

/* Opens path when it is a classic pcap file: 0 when it is, -1 if not ours. */
static int open_mapped(struct capture *c)
{
	const __u8 *hdr;
	struct stat st;
	__u32 magic;

	c->fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return -1;
	if (fstat(c->fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size < PCAP_FILE_HDR_LEN)
		goto not_ours;
	c->size = st.st_size;
	c->end = c->size;
	/* The window holds the first record's header too, if there is one. */
	hdr = file_bytes(c, 0, PCAP_FILE_HDR_LEN);
	if (!hdr)
		goto not_ours;
	memcpy(&magic, hdr, 4);
	c->swapped = magic == __builtin_bswap32(PCAP_MAGIC_US) ||
		     magic == __builtin_bswap32(PCAP_MAGIC_NS);
	if (c->swapped)
		magic = __builtin_bswap32(magic);
	if (magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS)
		goto not_ours;
	c->off = PCAP_FILE_HDR_LEN;
	c->nsec = magic == PCAP_MAGIC_NS;
	c->snaplen = rd32_file(c, hdr + 16);
	/* The upper bits of the link type field carry FCS information. */
	c->dlt = rd32_file(c, hdr + 20) & 0x0fffffff;
	if (c->dlt == LINKTYPE_RAW)
		c->dlt = DLT_RAW;
	if (c->size >= PCAP_FILE_HDR_LEN + PCAP_REC_HDR_LEN)
		c->first_sec = rd32_file(c, hdr + PCAP_FILE_HDR_LEN);
	return 0;
not_ours:
	if (c->map)
		munmap((void *)c->map, c->map_len);
	c->map = NULL;
	close(c->fd);
	c->fd = -1;
	return -1;
}

struct capture *capture_open(const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct capture *c;

	c = calloc(1, sizeof(*c));
	if (!c) {
		gnv_errf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	c->path = path;
	c->fd = -1;
	c->window = WINDOW_LEN;
	if (strcmp(path, "-") && open_mapped(c) == 0)
		goto check_link;
	c->pcap = pcap_open_offline(path, perr);
	if (!c->pcap) {
		gnv_errf(err, errlen, "cannot read %s: %s", path, perr);
		free(c);
		return NULL;
	}
	c->dlt = pcap_datalink(c->pcap);
check_link:
	if (capture_link(c, NULL) < 0) {
		gnv_errf(err, errlen, "%s: unsupported link type %s (%d); gnvtrace "
		    "reads Ethernet, Linux cooked v1/v2 and raw IP captures",
		    path, pcap_datalink_val_to_name(c->dlt) ?: "unknown",
		    c->dlt);
		capture_close(c);
		return NULL;
	}
	return c;
}

static int next_mapped(struct capture *c, struct capture_pkt *p, char *err,
		       size_t errlen)
{
	size_t left = c->size - c->off;
	const __u8 *rec;
	__u32 sub;

	if (!left || c->off >= c->end)
		return 0;
	if (left < PCAP_REC_HDR_LEN) {
		gnv_errf(err, errlen, "%s: packet %llu: truncated record header "
		    "(the file ends after %zu of %d bytes)", c->path,
		    (unsigned long long)c->index + 1, left, PCAP_REC_HDR_LEN);
		return -1;
	}
	rec = file_bytes(c, c->off, PCAP_REC_HDR_LEN);
	if (!rec)
		goto map_failed;
	p->caplen = rd32_file(c, rec + 8);
	p->len = rd32_file(c, rec + 12);
	/* Some old writers leave the snaplen 0: nothing to check then. */
	if (c->snaplen && p->caplen > c->snaplen) {
		gnv_errf(err, errlen, "%s: packet %llu: record of %u bytes is "
		    "longer than the file's snaplen %u", c->path,
		    (unsigned long long)c->index + 1, p->caplen, c->snaplen);
		return -1;
	}
	if (left - PCAP_REC_HDR_LEN < p->caplen) {
		gnv_errf(err, errlen, "%s: packet %llu: truncated record (%u bytes "
		    "announced, %zu left in the file)", c->path,
		    (unsigned long long)c->index + 1, p->caplen,
		    left - PCAP_REC_HDR_LEN);
		return -1;
	}
	rec = file_bytes(c, c->off, PCAP_REC_HDR_LEN + p->caplen);
	if (!rec)
		goto map_failed;
	/*
	 * Each record's offset depends on the previous record's length, so
	 * the reads form a chain of cache misses that the hardware prefetcher
	 * does not break across pages. Asking 2 KiB ahead (a few records)
	 * halved the time to walk a file in the page cache. A prefetch of an
	 * address past the window is harmless: it never faults.
	 */
	__builtin_prefetch(rec + PREFETCH_AHEAD);
	__builtin_prefetch(rec + PREFETCH_AHEAD + 64);
	sub = rd32_file(c, rec + 4);
	p->ts_ns = (__u64)rd32_file(c, rec) * 1000000000ULL +
		   (c->nsec ? sub : (__u64)sub * 1000);
	p->data = rec + PCAP_REC_HDR_LEN;
	c->off += PCAP_REC_HDR_LEN + p->caplen;
	return 1;
map_failed:
	gnv_errf(err, errlen, "%s: packet %llu: cannot map the file: %s", c->path,
	    (unsigned long long)c->index + 1, strerror(errno));
	return -1;
}

/*
 * Finding a record boundary in the middle of a classic pcap file, which
 * has no sync marks: a record header is believed where it and the next
 * RESYNC_CHAIN - 1 headers all check out (sub-second part in range, a
 * non-empty capture no longer than the snaplen or the wire length, a time
 * within RESYNC_SPAN of the first record's, within the file) or the chain
 * ends exactly at the end of the file. Packet bytes rarely pass that, and
 * the caller trusts a boundary only once the records before it end there.
 */
#define RESYNC_CHAIN	8
#define RESYNC_SPAN	(366 * 86400LL)	/* seconds */
#define RESYNC_MAX_CAPLEN	262144	/* when the file has no snaplen */

static int plausible_chain(struct capture *c, size_t off)
{
	__u32 max_caplen = c->snaplen ? c->snaplen : RESYNC_MAX_CAPLEN;
	__u32 sub_max = c->nsec ? 1000000000 : 1000000;

	for (int i = 0; i < RESYNC_CHAIN && off != c->size; i++) {
		const __u8 *rec;
		__u32 caplen, len;
		long long sec;

		if (c->size - off < PCAP_REC_HDR_LEN)
			return 0;
		rec = file_bytes(c, off, PCAP_REC_HDR_LEN);
		if (!rec)
			return 0;
		sec = rd32_file(c, rec);
		caplen = rd32_file(c, rec + 8);
		len = rd32_file(c, rec + 12);
		if (rd32_file(c, rec + 4) >= sub_max || !caplen ||
		    caplen > len || caplen > max_caplen ||
		    sec < c->first_sec - RESYNC_SPAN ||
		    sec > c->first_sec + RESYNC_SPAN ||
		    c->size - off - PCAP_REC_HDR_LEN < caplen)
			return 0;
		off += PCAP_REC_HDR_LEN + caplen;
	}
	return 1;
}

size_t capture_resync(struct capture *c, size_t off)
{
	if (off <= PCAP_FILE_HDR_LEN)
		return PCAP_FILE_HDR_LEN;
	for (; off < c->size; off++)
		if (plausible_chain(c, off))
			return off;
	return c->size;
}

int capture_splittable(const struct capture *c)
{
	return c->fd >= 0;
}

size_t capture_size(const struct capture *c)
{
	return c->size;
}

size_t capture_offset(const struct capture *c)
{
	return c->off;
}

struct capture *capture_part(const struct capture *c, size_t window)
{
	struct capture *part = malloc(sizeof(*part));

	if (!part)
		return NULL;
	*part = *c;
	part->part = 1;
	part->map = NULL;
	part->map_off = part->map_len = 0;
	if (window)
		part->window = window;
	return part;
}

void capture_set_range(struct capture *c, size_t off, size_t end,
		       __u64 index)
{
	c->off = off;
	c->end = end;
	c->index = index;
}

static int next_pcap(struct capture *c, struct capture_pkt *p, char *err,
		     size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int r = pcap_next_ex(c->pcap, &h, &data);

	if (r == PCAP_ERROR_BREAK)
		return 0;
	if (r != 1) {
		gnv_errf(err, errlen, "%s: packet %llu: %s", c->path,
		    (unsigned long long)c->index + 1, pcap_geterr(c->pcap));
		return -1;
	}
	p->data = data;
	p->caplen = h->caplen;
	p->len = h->len;
	p->ts_ns = (__u64)h->ts.tv_sec * 1000000000ULL +
		   (__u64)h->ts.tv_usec * 1000;
	return 1;
}

int capture_next(struct capture *c, struct capture_pkt *p, char *err,
		 size_t errlen)
{
	int r = c->fd >= 0 ? next_mapped(c, p, err, errlen) :
			 next_pcap(c, p, err, errlen);

	if (r == 1) {
		c->index++;
		/* A record cannot hold more than was on the wire. */
		if (p->caplen > p->len) {
			gnv_errf(err, errlen, "%s: packet %llu: %u bytes captured "
			    "of a %u-byte packet", c->path,
			    (unsigned long long)c->index, p->caplen, p->len);
			return -1;
		}
	}
	return r;
}

int capture_dlt(const struct capture *c)
{
	return c->dlt;
}

int capture_link(const struct capture *c, const struct capture_pkt *p)
{
	switch (c->dlt) {
	case DLT_EN10MB:
		return GNV_LINK_ETH;
	case DLT_IPV4:
		return GNV_LINK_IPV4;
	case DLT_IPV6:
		return GNV_LINK_IPV6;
	case DLT_LINUX_SLL:
		return GNV_LINK_SLL;
	case DLT_LINUX_SLL2:
		return GNV_LINK_SLL2;
	case DLT_RAW:
		/* Raw IP of either version: the version nibble tells. */
		return p && p->caplen && p->data[0] >> 4 == 6 ?
		       GNV_LINK_IPV6 : GNV_LINK_IPV4;
	}
	return -1;
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	if (c->map)
		munmap((void *)c->map, c->map_len);
	if (c->fd >= 0 && !c->part)
		close(c->fd);
	if (c->pcap)
		pcap_close(c->pcap);
	free(c);
}
