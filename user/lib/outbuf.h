/* SPDX-License-Identifier: MIT */
/*
 * An append-only output buffer. The formatters write through it instead
 * of printf: at a million events a second, printf's format parsing is the
 * cost, not the bytes.
 */
#ifndef GNV_OUTBUF_H
#define GNV_OUTBUF_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

struct outbuf {
	char *buf;
	size_t len, cap;
	FILE *out;
};

#define OUTBUF_CAP	(64 * 1024)

void ob_init(struct outbuf *ob, FILE *out);
void ob_free(struct outbuf *ob);
/* Writes what is buffered; called when a line may leave it nearly full. */
void ob_flush(struct outbuf *ob);
/* Flushes once the buffer holds more than half its capacity. */
void ob_maybe_flush(struct outbuf *ob);

void ob_str(struct outbuf *ob, const char *s);
void ob_mem(struct outbuf *ob, const char *s, size_t n);
void ob_char(struct outbuf *ob, char c);
void ob_u64(struct outbuf *ob, __u64 v);
/* ".123456": the microseconds of a timestamp in ns, zero-padded. */
void ob_usec(struct outbuf *ob, __u64 ns);
/* "1796432642.261645": a timestamp in ns as seconds, to the microsecond. */
void ob_secs(struct outbuf *ob, __u64 ns);
void ob_hex(struct outbuf *ob, const __u8 *p, size_t n);
/* "0x" and 4 hex digits */
void ob_hex16(struct outbuf *ob, __u16 v);
void ob_mac(struct outbuf *ob, const __u8 *mac);
/* IPv4 (family 4) or IPv6 text form of a 16-byte address field. */
void ob_addr(struct outbuf *ob, int family, const __u8 *addr);
/* A JSON string: quotes and escapes. */
void ob_json_str(struct outbuf *ob, const char *s);
/*
 * A field of a JSON object after its first: ,"name":value. A string
 * field whose value is NULL is left out.
 */
void ob_json_key(struct outbuf *ob, const char *name);
void ob_json_key_u64(struct outbuf *ob, const char *name, __u64 v);
void ob_json_key_str(struct outbuf *ob, const char *name, const char *v);

#endif /* GNV_OUTBUF_H */
