// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the capture reader (user/trace/capture.c) on arbitrary files.
 *
 * The input is written to a memfd and opened by path (/proc/self/fd/N),
 * as `gnvtrace -r` would open a file: classic pcap goes through our own
 * reader, anything else through libpcap. Every packet is read to the end
 * or the first error, and parsed as trace_file.c does.
 *
 * Our reader's records live in a window larger than any one of them,
 * where ASan sees no overrun of a record, so they are checked here
 * against the file: each record must be the bytes that follow its record
 * header, wherever the reader's window put them. The parser gets a heap
 * copy of exactly caplen bytes, so that a read past a record is caught
 * wherever the record came from.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gnvtrace.h"
#include "parse.h"
#include "trace/capture.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static int memfd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	memfd = memfd_create("fuzz_capture", MFD_CLOEXEC);
	if (memfd < 0) {
		perror("fuzz_capture: memfd_create");
		abort();
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	return 0;
}

/* Whether capture.c maps this file itself (the classic pcap magics). */
static int is_mapped(const uint8_t *data, size_t size)
{
	static const __u32 magics[] = {
		0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1,
	};
	__u32 m;

	if (size < 24)
		return 0;
	memcpy(&m, data, 4);
	for (size_t i = 0; i < 4; i++)
		if (m == magics[i])
			return 1;
	return 0;
}

static void write_file(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (ftruncate(memfd, 0)) {
		perror("fuzz_capture: ftruncate");
		abort();
	}
	while (done < size) {
		ssize_t n = pwrite(memfd, data + done, size - done, done);

		if (n <= 0) {
			perror("fuzz_capture: pwrite");
			abort();
		}
		done += n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int mapped = is_mapped(data, size);
	size_t off = 24;	/* the next record header, when mapped */
	struct capture_pkt pkt;
	struct capture *c;
	char err[256];
	int r;

	write_file(data, size);
	err[0] = '\0';
	c = capture_open(path, err, sizeof(err));
	if (!c) {
		CHECK(err[0]);
		return 0;
	}
	for (;;) {
		struct gnv_pkt p;
		__u8 *copy;
		int link, verdict;

		err[0] = '\0';
		r = capture_next(c, &pkt, err, sizeof(err));
		if (r <= 0)
			break;
		CHECK(pkt.caplen <= pkt.len);
		if (mapped) {
			CHECK(off + 16 <= size && pkt.caplen <= size - off - 16);
			CHECK(!memcmp(pkt.data, data + off + 16, pkt.caplen));
			off += 16 + pkt.caplen;
		}
		link = pkt.link;
		CHECK(link >= GNV_LINK_ETH && link <= GNV_LINK_SLL2);
		/* malloc(0) may give NULL; parse from a 1-byte buffer then. */
		copy = malloc(pkt.caplen ? pkt.caplen : 1);
		if (!copy)
			abort();
		memcpy(copy, pkt.data, pkt.caplen);
		verdict = gnv_parse_frame(copy, copy + pkt.caplen, link,
					  GENEVE_UDP_PORT, VXLAN_UDP_PORT, &p);
		CHECK(verdict >= GNV_NOT_GENEVE &&
		      verdict <= GNV_UNDERLAY_TOO_BIG);
		if (verdict == GNV_MALFORMED)
			CHECK(p.malformed > 0 && p.malformed < GNV_BAD_MAX);
		if (verdict == GNV_GENEVE)
			CHECK((size_t)p.opts_off + p.opts_len <= pkt.caplen);
		free(copy);
	}
	/* An error names what went wrong. */
	CHECK(r == 0 || (r == -1 && err[0]));
	capture_close(c);
	return 0;
}
