/* SPDX-License-Identifier: MIT */
/*
 * An append-only output buffer. The formatters write through it instead
 * of printf: at millions of events a second, printf's format parsing is
 * the cost, not the bytes. So are calls, for pieces of a few bytes: the
 * small writers are inline, a comparison and a copy whose length the
 * compiler knows where the string is a literal (a JSON field's name, a
 * separator); numbers and addresses go straight into the buffer, made
 * from tables.
 */
#ifndef GNV_OUTBUF_H
#define GNV_OUTBUF_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <linux/types.h>

/*
 * Flushed at half: writes of 512 KiB. A write(2) can cost what formatting
 * a thousand bytes does (1.2 us on a VM), and stdio makes three of an
 * fwrite that is not a multiple of its block and the fflush after it.
 */
#define OUTBUF_CAP	(1024 * 1024)
/* The most a writer asks room for at once: an IPv6 address is 45 bytes. */
#define OB_ROOM_MAX	64

/*
 * Inlined even where the compiler would rather call (a file writes fifty
 * fields): a literal's length folds only into an inlined copy.
 */
#define OB_INLINE	static inline __attribute__((always_inline))

struct outbuf {
	char *buf;
	size_t len, cap;
	FILE *out;
	char spare[OB_ROOM_MAX];	/* the buffer, when malloc fails */
};

void ob_init(struct outbuf *ob, FILE *out);
void ob_free(struct outbuf *ob);
/* Writes what is buffered; called when a line may leave it nearly full. */
void ob_flush(struct outbuf *ob);

/* Flushes once the buffer holds more than half its capacity. */
OB_INLINE void ob_maybe_flush(struct outbuf *ob)
{
	if (ob->len > ob->cap / 2)
		ob_flush(ob);
}

/*
 * Where the next n bytes go (n <= OB_ROOM_MAX), flushing first when they
 * do not fit; the writer then adds what it wrote to len.
 */
OB_INLINE char *ob_room(struct outbuf *ob, size_t n)
{
	if (ob->cap - ob->len < n)
		ob_flush(ob);
	return ob->buf + ob->len;
}

/* ob_mem's way when n bytes do not fit. */
void ob_mem_flushing(struct outbuf *ob, const char *s, size_t n);

OB_INLINE void ob_mem(struct outbuf *ob, const char *s, size_t n)
{
	if (ob->cap - ob->len < n) {
		ob_mem_flushing(ob, s, n);
		return;
	}
	memcpy(ob->buf + ob->len, s, n);
	ob->len += n;
}

OB_INLINE void ob_str(struct outbuf *ob, const char *s)
{
	ob_mem(ob, s, strlen(s));
}

OB_INLINE void ob_char(struct outbuf *ob, char c)
{
	*ob_room(ob, 1) = c;
	ob->len++;
}

void ob_u64(struct outbuf *ob, __u64 v);
/* ".123456": the microseconds of a timestamp in ns, zero-padded. */
void ob_usec(struct outbuf *ob, __u64 ns);
/* "1796432642.261645": a timestamp in ns as seconds, to the microsecond. */
void ob_secs(struct outbuf *ob, __u64 ns);
void ob_hex(struct outbuf *ob, const __u8 *p, size_t n);
/* 4 and 8 hex digits, zero-padded */
void ob_hex16(struct outbuf *ob, __u16 v);
void ob_hex32(struct outbuf *ob, __u32 v);
void ob_mac(struct outbuf *ob, const __u8 *mac);
/* IPv4 (family 4) or IPv6 text form of a 16-byte address field. */
void ob_addr(struct outbuf *ob, int family, const __u8 *addr);
/* A JSON string: quotes and escapes. */
void ob_json_str(struct outbuf *ob, const char *s);

/*
 * A field of a JSON object after its first: ,"name":value. A string
 * field whose value is NULL is left out.
 */
OB_INLINE void ob_json_key(struct outbuf *ob, const char *name)
{
	size_t n = strlen(name);
	char *p;

	if (n + 4 > OB_ROOM_MAX) {
		ob_mem(ob, ",\"", 2);
		ob_mem(ob, name, n);
		ob_mem(ob, "\":", 2);
		return;
	}
	/* One room, not three: after a char store, len and cap are reloaded. */
	p = ob_room(ob, n + 4);
	memcpy(p, ",\"", 2);
	memcpy(p + 2, name, n);
	memcpy(p + 2 + n, "\":", 2);
	ob->len += n + 4;
}

OB_INLINE void ob_json_key_u64(struct outbuf *ob, const char *name, __u64 v)
{
	ob_json_key(ob, name);
	ob_u64(ob, v);
}

OB_INLINE void ob_json_key_str(struct outbuf *ob, const char *name,
			       const char *v)
{
	if (!v)
		return;
	ob_json_key(ob, name);
	ob_json_str(ob, v);
}

#endif /* GNV_OUTBUF_H */
