// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "outbuf.h"

/* No buffer of its own: the few bytes in the struct, flushed as they fill. */
static void use_spare(struct outbuf *ob)
{
	ob->buf = ob->spare;
	ob->cap = sizeof(ob->spare);
}

void ob_init(struct outbuf *ob, FILE *out)
{
	ob->cap = OUTBUF_CAP;
	ob->buf = malloc(ob->cap);
	ob->len = 0;
	ob->out = out;
	if (!ob->buf)
		use_spare(ob);
}

void ob_free(struct outbuf *ob)
{
	ob_flush(ob);
	if (ob->buf != ob->spare)
		free(ob->buf);
	use_spare(ob);
}

void ob_flush(struct outbuf *ob)
{
	if (ob->len && ob->out) {
		fwrite(ob->buf, 1, ob->len, ob->out);
		fflush(ob->out);
	}
	ob->len = 0;
}

void ob_mem_flushing(struct outbuf *ob, const char *s, size_t n)
{
	ob_flush(ob);
	if (n > ob->cap) {
		if (ob->out)
			fwrite(s, 1, n, ob->out);
		return;
	}
	memcpy(ob->buf, s, n);
	ob->len = n;
}

/* "00" to "99": a division by 100 makes two digits, not one. */
static const char digits2[200] =
	"00010203040506070809" "10111213141516171819"
	"20212223242526272829" "30313233343536373839"
	"40414243444546474849" "50515253545556575859"
	"60616263646566676869" "70717273747576777879"
	"80818283848586878889" "90919293949596979899";

static const char hexdig[] = "0123456789abcdef";

static unsigned int dec_len(__u64 v)
{
	unsigned int n = 1;

	for (__u64 pow = 10; n < 20 && v >= pow; pow *= 10)
		n++;
	return n;
}

/* v's decimal digits, the last just before end. */
static void put_dec(char *end, __u64 v)
{
	for (; v >= 100; v /= 100) {
		end -= 2;
		memcpy(end, &digits2[v % 100 * 2], 2);
	}
	if (v >= 10)
		memcpy(end - 2, &digits2[v * 2], 2);
	else
		end[-1] = '0' + v;
}

void ob_u64(struct outbuf *ob, __u64 v)
{
	unsigned int n = dec_len(v);

	put_dec(ob_room(ob, 20) + n, v);
	ob->len += n;
}

void ob_usec(struct outbuf *ob, __u64 ns)
{
	__u32 usec = ns % 1000000000ULL / 1000;
	char *p = ob_room(ob, 7);

	put_dec(p + 7, usec + 1000000);	/* the 1 makes the leading zeros */
	p[0] = '.';
	ob->len += 7;
}

void ob_secs(struct outbuf *ob, __u64 ns)
{
	ob_u64(ob, ns / 1000000000ULL);
	ob_usec(ob, ns);
}

static char *put_hex_byte(char *p, __u8 b)
{
	p[0] = hexdig[b >> 4];
	p[1] = hexdig[b & 15];
	return p + 2;
}

void ob_hex(struct outbuf *ob, const __u8 *p, size_t n)
{
	while (n) {
		size_t k = n < OB_ROOM_MAX / 2 ? n : OB_ROOM_MAX / 2;
		char *q = ob_room(ob, 2 * k);

		for (size_t i = 0; i < k; i++)
			q = put_hex_byte(q, p[i]);
		ob->len += 2 * k;
		p += k;
		n -= k;
	}
}

/* v as digits hex digits, zero-padded. */
static void put_hex(struct outbuf *ob, __u32 v, int digits)
{
	char *p = ob_room(ob, digits);

	for (int i = digits - 1; i >= 0; i--, v >>= 4)
		p[i] = hexdig[v & 15];
	ob->len += digits;
}

void ob_hex16(struct outbuf *ob, __u16 v)
{
	put_hex(ob, v, 4);
}

void ob_hex32(struct outbuf *ob, __u32 v)
{
	put_hex(ob, v, 8);
}

void ob_mac(struct outbuf *ob, const __u8 *mac)
{
	char *p = ob_room(ob, 17);

	for (int i = 0; i < 6; i++) {
		if (i)
			*p++ = ':';
		p = put_hex_byte(p, mac[i]);
	}
	ob->len += 17;
}

static char *put_ipv4(char *p, const __u8 *a)
{
	for (int i = 0; i < 4; i++) {
		unsigned int b = a[i];

		if (i)
			*p++ = '.';
		if (b >= 100) {
			*p++ = '0' + b / 100;
			b %= 100;
		} else if (b < 10) {
			*p++ = '0' + b;
			continue;
		}
		memcpy(p, &digits2[b * 2], 2);
		p += 2;
	}
	return p;
}

/* A 16-bit word in hex without leading zeros, as "%x". */
static char *put_hex_word(char *p, __u16 w)
{
	int shift = w >> 12 ? 12 : w >> 8 ? 8 : w >> 4 ? 4 : 0;

	for (; shift >= 0; shift -= 4)
		*p++ = hexdig[w >> shift & 15];
	return p;
}

/*
 * IPv6 as glibc's inet_ntop writes it: the first longest run of two or
 * more zero words as "::", IPv4-compatible and -mapped addresses as
 * "::a.b.c.d" and "::ffff:a.b.c.d"; without its sprintf per word.
 */
static char *put_ipv6(char *p, const __u8 *a)
{
	int best = -1, best_len = 1, run = 0;
	__u16 w[8];

	for (int i = 0; i < 8; i++) {
		w[i] = a[2 * i] << 8 | a[2 * i + 1];
		run = w[i] ? 0 : run + 1;
		if (run > best_len) {
			best = i + 1 - run;
			best_len = run;
		}
	}
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return put_ipv4(p, a + 12);
		p = put_hex_word(p, w[i]);
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	return p;
}

void ob_addr(struct outbuf *ob, int family, const __u8 *addr)
{
	char *p = ob_room(ob, 45);

	p = family == 4 ? put_ipv4(p, addr) : put_ipv6(p, addr);
	ob->len = p - ob->buf;
}

/* A byte a JSON string holds as it is: not a quote, backslash or control. */
static int json_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

void ob_json_str(struct outbuf *ob, const char *s)
{
	ob_char(ob, '"');
	for (;;) {
		size_t n = 0;
		char *p;

		while (json_plain(s[n]))
			n++;
		ob_mem(ob, s, n);
		s += n;
		if (!*s)
			break;
		p = ob_room(ob, 6);
		p[0] = '\\';
		if (*s == '"' || *s == '\\') {
			p[1] = *s;
			ob->len += 2;
		} else {
			memcpy(p + 1, "u00", 3);
			put_hex_byte(p + 4, *s);
			ob->len += 6;
		}
		s++;
	}
	ob_char(ob, '"');
}
