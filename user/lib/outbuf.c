// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "outbuf.h"

void ob_init(struct outbuf *ob, FILE *out)
{
	ob->cap = OUTBUF_CAP;
	ob->buf = malloc(ob->cap);
	ob->len = 0;
	ob->out = out;
	if (!ob->buf)
		ob->cap = 0;
}

void ob_free(struct outbuf *ob)
{
	ob_flush(ob);
	free(ob->buf);
	ob->buf = NULL;
	ob->cap = 0;
}

void ob_flush(struct outbuf *ob)
{
	if (ob->len && ob->out) {
		fwrite(ob->buf, 1, ob->len, ob->out);
		fflush(ob->out);
	}
	ob->len = 0;
}

void ob_maybe_flush(struct outbuf *ob)
{
	if (ob->len > ob->cap / 2)
		ob_flush(ob);
}

void ob_mem(struct outbuf *ob, const char *s, size_t n)
{
	if (ob->len + n > ob->cap) {
		ob_flush(ob);
		if (n > ob->cap) {
			if (ob->out)
				fwrite(s, 1, n, ob->out);
			return;
		}
	}
	memcpy(ob->buf + ob->len, s, n);
	ob->len += n;
}

void ob_str(struct outbuf *ob, const char *s)
{
	ob_mem(ob, s, strlen(s));
}

void ob_char(struct outbuf *ob, char c)
{
	if (ob->len == ob->cap)
		ob_flush(ob);
	if (ob->cap)
		ob->buf[ob->len++] = c;
}

void ob_u64(struct outbuf *ob, __u64 v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	ob_mem(ob, tmp + sizeof(tmp) - n, n);
}

static const char hexdig[] = "0123456789abcdef";

void ob_usec(struct outbuf *ob, __u64 ns)
{
	__u32 usec = ns % 1000000000ULL / 1000;

	ob_char(ob, '.');
	for (__u32 div = 100000; div; div /= 10)
		ob_char(ob, '0' + usec / div % 10);
}

void ob_hex(struct outbuf *ob, const __u8 *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ob_char(ob, hexdig[p[i] >> 4]);
		ob_char(ob, hexdig[p[i] & 15]);
	}
}

void ob_hex16(struct outbuf *ob, __u16 v)
{
	__u8 b[2] = { v >> 8, v & 0xff };

	ob_str(ob, "0x");
	ob_hex(ob, b, 2);
}

void ob_mac(struct outbuf *ob, const __u8 *mac)
{
	for (int i = 0; i < 6; i++) {
		if (i)
			ob_char(ob, ':');
		ob_hex(ob, mac + i, 1);
	}
}

void ob_addr(struct outbuf *ob, int family, const __u8 *addr)
{
	char text[INET6_ADDRSTRLEN];

	if (family == 4) {
		for (int i = 0; i < 4; i++) {
			if (i)
				ob_char(ob, '.');
			ob_u64(ob, addr[i]);
		}
		return;
	}
	if (!inet_ntop(AF_INET6, addr, text, sizeof(text)))
		strcpy(text, "?");
	ob_str(ob, text);
}

void ob_json_str(struct outbuf *ob, const char *s)
{
	ob_char(ob, '"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\') {
			ob_char(ob, '\\');
			ob_char(ob, c);
		} else if (c < 0x20) {
			ob_str(ob, "\\u00");
			ob_hex(ob, &c, 1);
		} else {
			ob_char(ob, c);
		}
	}
	ob_char(ob, '"');
}

void ob_json_key(struct outbuf *ob, const char *name)
{
	ob_str(ob, ",\"");
	ob_str(ob, name);
	ob_str(ob, "\":");
}

void ob_json_key_u64(struct outbuf *ob, const char *name, __u64 v)
{
	ob_json_key(ob, name);
	ob_u64(ob, v);
}

void ob_json_key_str(struct outbuf *ob, const char *name, const char *v)
{
	if (!v)
		return;
	ob_json_key(ob, name);
	ob_json_str(ob, v);
}

void ob_secs(struct outbuf *ob, __u64 ns)
{
	ob_u64(ob, ns / 1000000000ULL);
	ob_usec(ob, ns);
}
