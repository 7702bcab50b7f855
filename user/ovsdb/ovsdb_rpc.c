// SPDX-License-Identifier: MIT
/*
 * The Southbound client's JSON-RPC framing both ways, over the socket or
 * its TLS session (ovsdb_tls.c): requests and replies queued as compact
 * JSON and sent as far as the socket takes them; input read and split
 * into messages for sb_on_message (ovsdb_sb.c).
 *
 * The stream is JSON values back to back with no framing. A byte scanner
 * keeps its state (nesting depth, inside a string, after a backslash)
 * across reads, so each byte is looked at once however the messages are
 * split, and only a complete message goes to json_loadb(): re-parsing a
 * 50 MB initial reply from its start on every read would be quadratic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ovsdb_conn.h"

#define READ_CHUNK		(64 * 1024)
#define READ_BUDGET		(4 * 1024 * 1024)	/* per poll call */
#define MAX_MESSAGE		(512u * 1024 * 1024)

/* ---- Output ---- */

/* Queues msg, which it takes, to be sent. 0, or -ENOMEM. */
int sb_queue_json(struct gnv_ovn_sb *c, json_t *msg)
{
	char *s = json_dumps(msg, JSON_COMPACT);
	size_t len;

	json_decref(msg);
	if (!s)
		return -ENOMEM;
	len = strlen(s);
	if (c->wlen + len > c->wcap) {
		size_t cap = c->wcap ? c->wcap : 1024;
		char *nb;

		while (cap < c->wlen + len)
			cap *= 2;
		nb = realloc(c->wbuf, cap);
		if (!nb) {
			free(s);
			return -ENOMEM;
		}
		c->wbuf = nb;
		c->wcap = cap;
	}
	memcpy(c->wbuf + c->wlen, s, len);
	c->wlen += len;
	free(s);
	return 0;
}

/* Queues a request, taking params. 0, or -ENOMEM. */
int sb_request(struct gnv_ovn_sb *c, int id, const char *method,
	       json_t *params)
{
	json_t *msg = json_pack("{s:i, s:s, s:o}", "id", id, "method", method,
				"params", params);

	return msg ? sb_queue_json(c, msg) : -ENOMEM;
}

/* Sends what the socket takes now. 0, or -1 when the connection failed. */
int sb_flush_out(struct gnv_ovn_sb *c)
{
	size_t off = 0;

	while (off < c->wlen) {
		size_t left = c->wlen - off;
		ssize_t n;

		if (c->ssl) {
			n = sb_tls_io(c, c->wbuf + off, left, true);
			if (n < 0)
				return -1;
			if (!n)
				break;
			off += n;
			continue;
		}
		n = send(c->fd, c->wbuf + off, left,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			sb_conn_fail(c, "%s", strerror(errno));
			return -1;
		}
		off += n;
	}
	/* Unsent bytes stay where SSL_write will look for them again. */
	memmove(c->wbuf, c->wbuf + off, c->wlen - off);
	c->wlen -= off;
	return 0;
}

/* ---- Input ---- */

/*
 * Scans rbuf from scan on, handing each complete top-level value to
 * sb_on_message. 0, or -1 when the connection failed meanwhile.
 */
static int scan_input(struct gnv_ovn_sb *c)
{
	size_t i;

	for (i = c->scan; i < c->rlen; i++) {
		char ch = c->rbuf[i];

		if (c->depth == 0) {
			if (ch == ' ' || ch == '\t' || ch == '\r' ||
			    ch == '\n') {
				c->start = i + 1;
				continue;
			}
			if (ch != '{') {
				sb_conn_fail(c, "%s sent something that is not "
					     "JSON-RPC", remote(c));
				return -1;
			}
		}
		if (c->in_str) {
			if (c->esc)
				c->esc = false;
			else if (ch == '\\')
				c->esc = true;
			else if (ch == '"')
				c->in_str = false;
		} else if (ch == '"') {
			c->in_str = true;
		} else if (ch == '{' || ch == '[') {
			c->depth++;
		} else if ((ch == '}' || ch == ']') && --c->depth == 0) {
			size_t len = i + 1 - c->start;
			json_error_t je;
			json_t *msg;

			msg = json_loadb(c->rbuf + c->start, len,
					 JSON_DISABLE_EOF_CHECK, &je);
			if (!msg || (size_t)je.position != len) {
				json_decref(msg);
				sb_conn_fail(c, "%s sent bad JSON: %s",
					     remote(c), msg ?
					     "trailing bytes" : je.text);
				return -1;
			}
			c->start = i + 1;
			sb_on_message(c, msg);
			json_decref(msg);
			if (!connected(c))
				return -1;
		}
	}
	c->scan = i;
	if (c->depth && c->rlen - c->start > MAX_MESSAGE) {
		sb_conn_fail(c, "%s sent a message over %u MiB", remote(c),
			     MAX_MESSAGE >> 20);
		return -1;
	}
	/* Drop what was consumed; give back a large buffer once empty. */
	if (c->start == c->rlen && c->rcap > 4 * READ_CHUNK) {
		free(c->rbuf);
		c->rbuf = NULL;
		c->rcap = 0;
	} else if (c->start) {
		memmove(c->rbuf, c->rbuf + c->start, c->rlen - c->start);
	}
	c->rlen -= c->start;
	c->scan -= c->start;
	c->start = 0;
	return 0;
}

/*
 * Reads what arrived, up to READ_BUDGET bytes, and hands on the messages
 * it completes. 0, or -1 when the connection failed.
 */
int sb_read_input(struct gnv_ovn_sb *c)
{
	size_t got = 0;

	while (got < READ_BUDGET) {
		ssize_t n;

		if (c->rcap - c->rlen < READ_CHUNK) {
			size_t cap = c->rcap ? c->rcap * 2 : 2 * READ_CHUNK;
			char *nb = realloc(c->rbuf, cap);

			if (!nb) {
				sb_conn_fail(c, "out of memory");
				return -1;
			}
			c->rbuf = nb;
			c->rcap = cap;
		}
		if (c->ssl) {
			/* Left in OpenSSL's buffer when the budget ends:
			 * gnv_ovn_sb_timeout_ms says 0 then. */
			n = sb_tls_io(c, c->rbuf + c->rlen, c->rcap - c->rlen,
				      false);
			if (n <= 0)
				return n;
		} else {
			n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen,
				 MSG_DONTWAIT);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			sb_conn_fail(c, "%s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			sb_conn_fail(c, "the server closed the connection");
			return -1;
		}
		c->rlen += n;
		got += n;
		c->stats.bytes_in += n;
		c->last_input = gnv_mono_ms();
		c->probe_sent = false;
		if (scan_input(c))
			return -1;
	}
	return 0;
}

/* Forgets the bytes of both ways: a new connection is a new stream. */
void sb_rpc_reset(struct gnv_ovn_sb *c)
{
	free(c->rbuf);
	c->rbuf = NULL;
	c->rlen = c->rcap = c->scan = c->start = 0;
	c->depth = 0;
	c->in_str = c->esc = false;
	c->wlen = 0;
}
