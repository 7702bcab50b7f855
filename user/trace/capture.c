// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gnvtrace.h"
#include "lib/log.h"
#include "lib/pcap_lib.h"
#include "capture.h"

/* The classic pcap format (pcap-savefile(5)). */
#define PCAP_MAGIC_US		0xa1b2c3d4
#define PCAP_MAGIC_NS		0xa1b23c4d
#define PCAP_FILE_HDR_LEN	24
#define PCAP_REC_HDR_LEN	16
#define LINKTYPE_RAW		101	/* DLT_RAW's number in files */

/*
 * Classic pcap is read through a window of the file, a buffer that
 * pread() refills from the record where the last one stopped, so that
 * the resident size stays flat with the file. Small, to stay in the
 * CPU's cache between the kernel's copy and the parse: a 1M-packet file
 * took 303 ms on one CPU through an 8 MiB mapping with its pages
 * populated (every record's header a cache miss from memory), 107 ms
 * through a 256 KiB buffer, 95 through 128 KiB (2 MiB: 158; 32 KiB: 130,
 * the calls' own cost). A record longer than the window gets a window of
 * its own size.
 */
#ifndef WINDOW_LEN	/* the fuzzers set a page, to slide it all the time */
#define WINDOW_LEN	(128u << 10)
#endif

struct capture {
	const char *path;
	__u64 index;		/* packets read so far */
	int dlt;
	int link;		/* link_of(dlt) */
	/* Classic pcap, read by ourselves */
	int fd;
	int part;		/* a capture_part(): the fd is the file's */
	__u8 *win;		/* the window: file bytes [win_off, win_off + win_len) */
	size_t win_off, win_len, win_cap;
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

/*
 * Reads file bytes [off, off + need) at least into the window; need lies
 * in the file. -1 with errno set when the file gives less.
 */
static int read_window(struct capture *c, size_t off, size_t need)
{
	size_t len = need > WINDOW_LEN ? need : WINDOW_LEN, got = 0;

	if (len > c->size - off)
		len = c->size - off;
	if (len > c->win_cap) {
		__u8 *win = realloc(c->win, len);

		if (!win)
			return -1;
		c->win = win;
		c->win_cap = len;
	}
	c->win_len = 0;
	while (got < len) {
		ssize_t n = pread(c->fd, c->win + got, len - got, off + got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += n;
	}
	if (got < need) {
		errno = EIO;	/* the file shrank under us */
		return -1;
	}
	c->win_off = off;
	c->win_len = got;
	return 0;
}

/* File bytes [off, off + n), which the caller made sure are in the file. */
static inline const __u8 *file_bytes(struct capture *c, size_t off, size_t n)
{
	if (__builtin_expect(off + n > c->win_off + c->win_len, 0) ||
	    off < c->win_off) {
		if (read_window(c, off, n))
			return NULL;
	}
	return c->win + (off - c->win_off);
}

/* Opens path when it is a classic pcap file: 0 when it is, -1 if not ours. */
static int open_classic(struct capture *c)
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
	free(c->win);
	c->win = NULL;
	c->win_off = c->win_len = c->win_cap = 0;
	close(c->fd);
	c->fd = -1;
	return -1;
}

/*
 * Where the parser starts on a link type: GNV_LINK_*, LINK_RAW_IP when
 * each packet's version nibble tells (packet_link), or -1 when gnvtrace
 * does not read it.
 */
#define LINK_RAW_IP	(-2)

static int link_of(int dlt)
{
	switch (dlt) {
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
		return LINK_RAW_IP;
	}
	return -1;
}

static inline int packet_link(const struct capture *c,
			      const struct capture_pkt *p)
{
	if (c->link != LINK_RAW_IP)
		return c->link;
	return p->caplen && p->data[0] >> 4 == 6 ? GNV_LINK_IPV6 :
	       GNV_LINK_IPV4;
}

/* libpcap's name for a link type, where it is installed. */
static const char *link_name(int dlt)
{
	char err[256];

	if (gnv_pcap_load("naming a link type", err, sizeof(err)))
		return "unknown";
	return pcap_datalink_val_to_name(dlt) ?: "unknown";
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
	if (strcmp(path, "-") && open_classic(c) == 0)
		goto check_link;
	/* pcapng, standard input, whatever else libpcap reads. */
	if (gnv_pcap_load("reading a pcapng capture or standard input", err,
			  errlen)) {
		free(c);
		return NULL;
	}
	c->pcap = pcap_open_offline(path, perr);
	if (!c->pcap) {
		gnv_errf(err, errlen, "cannot read %s: %s", path, perr);
		free(c);
		return NULL;
	}
	c->dlt = pcap_datalink(c->pcap);
check_link:
	c->link = link_of(c->dlt);
	if (c->link == -1) {
		gnv_errf(err, errlen, "%s: unsupported link type %s (%d); gnvtrace "
		    "reads Ethernet, Linux cooked v1/v2 and raw IP captures",
		    path, link_name(c->dlt), c->dlt);
		capture_close(c);
		return NULL;
	}
	return c;
}

static int next_classic(struct capture *c, struct capture_pkt *p, char *err,
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
		goto read_failed;
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
		goto read_failed;
	sub = rd32_file(c, rec + 4);
	p->ts_ns = (__u64)rd32_file(c, rec) * 1000000000ULL +
		   (c->nsec ? sub : (__u64)sub * 1000);
	p->data = rec + PCAP_REC_HDR_LEN;
	c->off += PCAP_REC_HDR_LEN + p->caplen;
	return 1;
read_failed:
	gnv_errf(err, errlen, "%s: packet %llu: cannot read the file: %s", c->path,
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

struct capture *capture_part(const struct capture *c)
{
	struct capture *part = malloc(sizeof(*part));

	if (!part)
		return NULL;
	*part = *c;
	part->part = 1;
	part->win = NULL;
	part->win_off = part->win_len = part->win_cap = 0;
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
	int r = c->fd >= 0 ? next_classic(c, p, err, errlen) :
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
		p->link = packet_link(c, p);
	}
	return r;
}

int capture_dlt(const struct capture *c)
{
	return c->dlt;
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	free(c->win);
	if (c->fd >= 0 && !c->part)
		close(c->fd);
	if (c->pcap)
		pcap_close(c->pcap);
	free(c);
}
