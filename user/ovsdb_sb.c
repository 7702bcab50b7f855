// SPDX-License-Identifier: MIT
/*
 * A read-only OVSDB client (RFC 7047) for the OVN Southbound DB, or
 * the interconnection Southbound DB when its names table is one of
 * gnv_ovn_names_new_ic() (struct db_kind: the database, its tables).
 *
 * One connection at a time, non-blocking, driven by gnv_ovn_sb_poll():
 *
 *   BACKOFF -> CONNECTING -> HANDSHAKE -> MONITORING -> ACTIVE
 *      ^                                                  |
 *      +------------- EOF, error, timeout ----------------+
 *
 * An ssl: remote has a TLS handshake between CONNECTING and HANDSHAKE
 * (TLS, below), driven by the same polls: SSL_connect() is called again
 * whenever the socket may have moved it on. Afterwards every byte in and
 * out goes through SSL_read() and SSL_write(), over a socket BIO of our
 * own that sends with MSG_NOSIGNAL: a server gone away must not raise a
 * SIGPIPE, which ends the tracer's run.
 *
 * HANDSHAKE sends list_dbs and get_schema together: the first tells an
 * OVS conf.db (or any other server) from a Southbound DB, the second that
 * the tables and columns we monitor exist (Chassis and Encap, for the
 * tunnel endpoints' names, are optional: monitored when the schema has
 * them with their columns; so are the interconnection DB's Gateway,
 * Encap and Availability_Zone). MONITORING waits for the reply to a version 1
 * "monitor", which carries the tables' contents; after it,
 * "update" notifications carry each change with the row's monitored
 * columns in full, so a row is simply replaced.
 *
 * The stream is JSON values back to back with no framing. A byte scanner
 * keeps its state (nesting depth, inside a string, after a backslash)
 * across reads, so each byte is looked at once however the messages are
 * split, and only a complete message goes to json_loadb(): re-parsing a
 * 50 MB initial reply from its start on every read would be quadratic.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "ovsdb_sb.h"

#define BACKOFF_MIN_MS		500
#define BACKOFF_MAX_MS		8000
#define CONNECT_TIMEOUT_MS	5000	/* a reconnect's TCP handshake */
#define TLS_TIMEOUT_MS		10000	/* a reconnect's TLS handshake */
#define HANDSHAKE_TIMEOUT_MS	60000	/* a reconnect's replies, no input */
#define PROBE_IDLE_MS		30000	/* silence before our own echo */
#define DEAD_IDLE_MS		60000	/* silence that means it is gone */
#define READ_CHUNK		(64 * 1024)
#define READ_BUDGET		(4 * 1024 * 1024)	/* per poll call */
#define MAX_MESSAGE		(512u * 1024 * 1024)
#define MAX_REMOTES		8
#define MAX_COLS		4

/*
 * A database and the tables read from it, [first, end): those before
 * first_optional must exist with their required columns; the others are
 * read when the schema has them so; extra columns when the schema has
 * them.
 */
struct db_kind {
	const char *db;		/* its name in list_dbs */
	const char *what;	/* for messages */
	int first, end, first_optional;
};

static const struct db_kind sb_kind = {
	"OVN_Southbound", "OVN Southbound DB",
	GNV_OVN_DATAPATH_BINDING, GNV_OVN_SB_TABLES, GNV_OVN_CHASSIS,
};

static const struct db_kind ic_kind = {
	"OVN_IC_Southbound", "OVN interconnection Southbound DB",
	GNV_OVN_IC_DATAPATH_BINDING, GNV_OVN_N_TABLES,
	GNV_OVN_IC_AVAILABILITY_ZONE,
};

enum { ID_LIST_DBS = 1, ID_SCHEMA, ID_MONITOR, ID_ECHO };

enum sb_state {
	ST_BACKOFF,	/* disconnected, waiting for retry_at */
	ST_CONNECTING,	/* non-blocking connect in progress */
	ST_TLS,		/* ssl: only, TLS handshake in progress */
	ST_HANDSHAKE,	/* list_dbs and get_schema sent */
	ST_MONITORING,	/* monitor sent, waiting for the contents */
	ST_ACTIVE,	/* contents applied, following updates */
	ST_FAILED,	/* gnv_ovn_sb_open's attempts are all spent */
};

struct sb_remote {
	char *text;
	bool ssl;
	struct sockaddr_storage sa;
	socklen_t salen;
};

struct gnv_ovn_sb {
	struct sb_remote remotes[MAX_REMOTES];
	int n_remotes, cur;
	struct gnv_ovn_names *names;
	enum sb_state st;
	int fd;
	bool opening;		/* inside gnv_ovn_sb_open: fail, don't retry */
	bool lost;		/* "lost" printed, "reconnected" owed */
	const struct db_kind *kind;
	bool want[GNV_OVN_N_TABLES];	/* monitored tables */
	bool want_col[GNV_OVN_N_TABLES][MAX_COLS];	/* the extra ones */
	int backoff_ms;
	__u64 retry_at, state_since, last_input;
	bool probe_sent;
	/* Input: rbuf[0, rlen), scanned up to scan; a message from start. */
	char *rbuf;
	size_t rlen, rcap, scan, start;
	int depth;
	bool in_str, esc;
	/* Output not yet sent. */
	char *wbuf;
	size_t wlen, wcap;
	int changed;
	/* TLS, when a remote is ssl: */
	char *ssl_path[3];		/* key, cert, CA */
	struct stat ssl_stamp[3];	/* the files ctx was made from */
	SSL_CTX *ctx;
	SSL *ssl;			/* on fd, while connected */
	bool ssl_want_write;		/* OpenSSL waits for POLLOUT */
	char err[512];
	struct gnv_ovn_sb_stats stats;
};

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Remotes ---- */

static int parse_remote(const char *text, struct sb_remote *r, char *err,
			size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (!strncmp(text, "unix:", 5)) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&r->sa;
		const char *path = text + 5;

		if (!*path) {
			gnv_ovn_seterr(err, errlen, "%s: no socket path (expected "
			       "unix:PATH)", text);
			return -1;
		}
		if (strlen(path) >= sizeof(sun->sun_path)) {
			gnv_ovn_seterr(err, errlen, "%s: socket path longer than %zu "
			       "bytes", text, sizeof(sun->sun_path) - 1);
			return -1;
		}
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, path);
		r->salen = sizeof(*sun);
	} else if (!strncmp(text, "tcp:", 4) || !strncmp(text, "ssl:", 4)) {
		/* The same for both but for the handshake. */
		char host[INET6_ADDRSTRLEN + 2];
		const char *h = text + 4, *colon, *end;
		size_t hlen;
		char *pend;
		long port;

		if (*h == '[') {
			end = strchr(h, ']');
			if (!end) {
				gnv_ovn_seterr(err, errlen, "%s: no ']' after the IPv6 "
				       "address (expected %.3s:[IPv6]:PORT)",
				       text, text);
				return -1;
			}
			h++;
			hlen = end - h;
			colon = end[1] == ':' ? end + 1 : NULL;
			if (!colon && end[1]) {
				gnv_ovn_seterr(err, errlen, "%s: expected ':PORT' "
				       "after ']'", text);
				return -1;
			}
		} else {
			colon = strchr(h, ':');
			if (colon && strchr(colon + 1, ':')) {
				gnv_ovn_seterr(err, errlen, "%s: an IPv6 address needs "
				       "brackets (%.3s:[IPv6]:PORT)", text,
				       text);
				return -1;
			}
			hlen = colon ? (size_t)(colon - h) : strlen(h);
		}
		if (!colon || !colon[1]) {
			gnv_ovn_seterr(err, errlen, "%s: no port (expected "
			       "%.3s:IP:PORT; the SB DB's is usually 6642)",
			       text, text);
			return -1;
		}
		errno = 0;
		port = strtol(colon + 1, &pend, 10);
		if (*pend || errno || port < 1 || port > 65535) {
			gnv_ovn_seterr(err, errlen, "%s: bad port '%s'", text,
			       colon + 1);
			return -1;
		}
		if (!hlen || hlen >= sizeof(host)) {
			gnv_ovn_seterr(err, errlen, "%s: bad IP address", text);
			return -1;
		}
		memcpy(host, h, hlen);
		host[hlen] = 0;
		if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&r->sa)
			      ->sin_addr) == 1) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&r->sa;

			sin->sin_family = AF_INET;
			sin->sin_port = htons(port);
			r->salen = sizeof(*sin);
		} else if (inet_pton(AF_INET6, host,
				     &((struct sockaddr_in6 *)&r->sa)
					     ->sin6_addr) == 1) {
			struct sockaddr_in6 *sin6 =
				(struct sockaddr_in6 *)&r->sa;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(port);
			r->salen = sizeof(*sin6);
		} else {
			gnv_ovn_seterr(err, errlen, "%s: '%s' is not an IP address "
			       "(host names are not resolved)", text, host);
			return -1;
		}
		r->ssl = text[0] == 's';
	} else if (!strncmp(text, "ptcp:", 5) || !strncmp(text, "punix:", 6) ||
		   !strncmp(text, "pssl:", 5)) {
		gnv_ovn_seterr(err, errlen, "%s: a passive remote; gnvtrace connects: "
		       "use tcp:IP:PORT, ssl:IP:PORT or unix:PATH", text);
		return -1;
	} else {
		gnv_ovn_seterr(err, errlen, "%s: unknown remote type (expected "
		       "tcp:IP:PORT, ssl:IP:PORT (IPv6 in brackets) or "
		       "unix:PATH)", text);
		return -1;
	}
	r->text = strdup(text);
	if (!r->text) {
		gnv_ovn_seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static const char *remote(const struct gnv_ovn_sb *c)
{
	return c->remotes[c->cur].text;
}

/* ---- TLS ---- */

static const char *const ssl_flag[3] = {
	"--ovn-ssl-key", "--ovn-ssl-cert", "--ovn-ssl-ca",
};

/*
 * A socket BIO that sends with MSG_NOSIGNAL (OpenSSL's own write()s, and
 * a write to a server that went away raises SIGPIPE). The fd is the
 * BIO's data; the socket is ours to close.
 */
static int sock_bio_write(BIO *b, const char *buf, int len)
{
	int fd = (int)(intptr_t)BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	do
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_write(b);
	return n;
}

static int sock_bio_read(BIO *b, char *buf, int len)
{
	int fd = (int)(intptr_t)BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	do
		n = recv(fd, buf, len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_read(b);
	return n;
}

static long sock_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	return cmd == BIO_CTRL_FLUSH;
}

static BIO *sock_bio_new(int fd)
{
	static BIO_METHOD *meth;
	BIO *b;

	if (!meth) {
		meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
				    "gnvtrace socket");
		if (!meth || !BIO_meth_set_write(meth, sock_bio_write) ||
		    !BIO_meth_set_read(meth, sock_bio_read) ||
		    !BIO_meth_set_ctrl(meth, sock_bio_ctrl)) {
			BIO_meth_free(meth);
			meth = NULL;
			return NULL;
		}
	}
	b = BIO_new(meth);
	if (b) {
		BIO_set_data(b, (void *)(intptr_t)fd);
		BIO_set_init(b, 1);
	}
	return b;
}

/* The reason of the first error queued by OpenSSL, and empties the queue. */
static const char *ssl_reason(void)
{
	unsigned long e = ERR_peek_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return r ? r : "unknown error";
}

static int no_passphrase(char *buf, int size, int rwflag, void *asked)
{
	*(bool *)asked = true;
	return -1;
}

/*
 * A client context from the files: TLS 1.2 or later, the server's
 * certificate verified against the CA. Only its chain is verified, not
 * the name or address in it: OVS (ovn-controller, ovsdb-client) does not
 * check them either, and the certificates ovs-pki makes name no host.
 * NULL with one line in err.
 */
static SSL_CTX *ssl_ctx_new(char *const path[3], char *err, size_t errlen)
{
	bool asked = false;
	SSL_CTX *ctx;

	for (int i = 0; i < 3; i++) {
		FILE *f = fopen(path[i], "r");

		if (!f) {
			gnv_ovn_seterr(err, errlen, "%s %s: %s", ssl_flag[i],
				       path[i], strerror(errno));
			return NULL;
		}
		fclose(f);
	}
	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		gnv_ovn_seterr(err, errlen, "SSL_CTX_new: %s", ssl_reason());
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/*
	 * A server killed without close_notify reads as an EOF, as over tcp;
	 * a renegotiation is refused (ovsdb-server asks for none).
	 */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF |
			    SSL_OP_NO_RENEGOTIATION);
	/* What flush_out needs: it resends a grown, moved buffer. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* Never a prompt on the terminal for a passphrase. */
	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	SSL_CTX_set_default_passwd_cb_userdata(ctx, &asked);

	if (SSL_CTX_use_certificate_chain_file(ctx, path[1]) != 1) {
		gnv_ovn_seterr(err, errlen, "%s %s: not a PEM certificate (%s)",
			       ssl_flag[1], path[1], ssl_reason());
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, path[0], SSL_FILETYPE_PEM) != 1) {
		unsigned long e;
		bool mismatch = false;

		while ((e = ERR_get_error()))
			if (ERR_GET_LIB(e) == ERR_LIB_X509 &&
			    ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
				mismatch = true;
		if (mismatch)
			gnv_ovn_seterr(err, errlen, "%s %s does not match %s "
				       "%s", ssl_flag[0], path[0], ssl_flag[1],
				       path[1]);
		else if (asked)
			gnv_ovn_seterr(err, errlen, "%s %s: the key is "
				       "encrypted (keys with a passphrase are "
				       "not supported)", ssl_flag[0], path[0]);
		else
			gnv_ovn_seterr(err, errlen, "%s %s: not a PEM private "
				       "key", ssl_flag[0], path[0]);
		goto fail;
	}
	/* A key of another type than the certificate's passes the above. */
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		gnv_ovn_seterr(err, errlen, "%s %s does not match %s %s",
			       ssl_flag[0], path[0], ssl_flag[1], path[1]);
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, path[2], NULL) != 1) {
		gnv_ovn_seterr(err, errlen, "%s %s: no PEM CA certificate in it "
			       "(%s)", ssl_flag[2], path[2], ssl_reason());
		goto fail;
	}
	SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
	SSL_CTX_set_default_passwd_cb(ctx, NULL);
	return ctx;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/*
 * Makes c->ctx from the files when they changed since it was made (or
 * it was not yet). On a reconnect, a failure keeps the context that
 * worked: a certificate half rotated (the key written, not yet the
 * certificate) is tried again on the next attempt. 0, or -1 with err.
 */
static int ssl_refresh(struct gnv_ovn_sb *c, char *err, size_t errlen)
{
	struct stat st[3];
	SSL_CTX *ctx;
	bool changed = !c->ctx;

	for (int i = 0; i < 3; i++) {
		if (stat(c->ssl_path[i], &st[i]))
			memset(&st[i], 0, sizeof(st[i]));
		if (!same_file(&st[i], &c->ssl_stamp[i]))
			changed = true;
	}
	if (!changed)
		return 0;
	ctx = ssl_ctx_new(c->ssl_path, err, errlen);
	if (!ctx)
		return c->ctx ? 0 : -1;
	SSL_CTX_free(c->ctx);
	c->ctx = ctx;
	memcpy(c->ssl_stamp, st, sizeof(st));
	return 0;
}

/* ---- Output ---- */

static int queue_json(struct gnv_ovn_sb *c, json_t *msg)
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

static int request(struct gnv_ovn_sb *c, int id, const char *method,
		   json_t *params)
{
	json_t *msg = json_pack("{s:i, s:s, s:o}", "id", id, "method", method,
				"params", params);

	return msg ? queue_json(c, msg) : -ENOMEM;
}

static void conn_fail(struct gnv_ovn_sb *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int ssl_io_failed(struct gnv_ovn_sb *c, int ret);

/* 0, or -1 when the connection failed. */
static int flush_out(struct gnv_ovn_sb *c)
{
	size_t off = 0;

	while (off < c->wlen) {
		size_t left = c->wlen - off;
		ssize_t n;

		if (c->ssl) {
			ERR_clear_error();
			errno = 0;
			n = SSL_write(c->ssl, c->wbuf + off,
				      left > INT_MAX ? INT_MAX : (int)left);
			if (n <= 0) {
				if (ssl_io_failed(c, n))
					return -1;
				break;
			}
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
			conn_fail(c, "%s", strerror(errno));
			return -1;
		}
		off += n;
	}
	/* Unsent bytes stay where SSL_write will look for them again. */
	memmove(c->wbuf, c->wbuf + off, c->wlen - off);
	c->wlen -= off;
	return 0;
}

/* ---- Connection state ---- */

static void reset_conn(struct gnv_ovn_sb *c)
{
	/* No close_notify: the connection failed (see gnv_ovn_sb_close). */
	SSL_free(c->ssl);
	c->ssl = NULL;
	c->ssl_want_write = false;
	ERR_clear_error();
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->rbuf);
	c->rbuf = NULL;
	c->rlen = c->rcap = c->scan = c->start = 0;
	c->depth = 0;
	c->in_str = c->esc = false;
	c->wlen = 0;
	c->probe_sent = false;
}

static void set_state(struct gnv_ovn_sb *c, enum sb_state st)
{
	c->st = st;
	c->state_since = now_ms();
}

/*
 * The connection failed for reason. Opening, the next remote is tried
 * at once until each has been; afterwards the client backs off and
 * reconnects, saying once that it lost the DB.
 */
static void conn_fail(struct gnv_ovn_sb *c, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	reset_conn(c);
	if (c->opening) {
		size_t len = strlen(c->err);

		snprintf(c->err + len, sizeof(c->err) - len, "%s%s", len ?
			 "; " : "", why);
		set_state(c, ST_FAILED);
		return;
	}
	if (c->st == ST_ACTIVE) {
		fprintf(stderr, "gnvtrace: lost the %s at %s: %s; retrying\n",
			c->kind->what, remote(c), why);
		c->lost = true;
		c->stats.disconnects++;
		c->backoff_ms = BACKOFF_MIN_MS;
	}
	snprintf(c->err, sizeof(c->err), "%s", why);
	c->cur = (c->cur + 1) % c->n_remotes;
	set_state(c, ST_BACKOFF);
	c->retry_at = now_ms() + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ?
		BACKOFF_MAX_MS : c->backoff_ms * 2;
}

static void send_handshake(struct gnv_ovn_sb *c)
{
	set_state(c, ST_HANDSHAKE);
	c->last_input = now_ms();
	if (request(c, ID_LIST_DBS, "list_dbs", json_array()) ||
	    request(c, ID_SCHEMA, "get_schema",
		    json_pack("[s]", c->kind->db)))
		conn_fail(c, "out of memory");
}

/*
 * After an SSL_* call on c->ssl returned ret <= 0: 0 when it only waits
 * for the socket (noting it when it is for POLLOUT), else -1 after
 * conn_fail with why in one line.
 */
static int ssl_io_failed(struct gnv_ovn_sb *c, int ret)
{
	int saved = errno, e = SSL_get_error(c->ssl, ret), reason;
	bool in_tls = c->st == ST_TLS;
	const char *pre = c->st == ST_ACTIVE ? "" : remote(c);
	const char *sep = *pre ? ": " : "";
	unsigned long q;
	long v;

	switch (e) {
	case SSL_ERROR_WANT_READ:
		ERR_clear_error();
		return 0;
	case SSL_ERROR_WANT_WRITE:
		ERR_clear_error();
		c->ssl_want_write = true;
		return 0;
	case SSL_ERROR_ZERO_RETURN:
	case SSL_ERROR_SYSCALL:
		ERR_clear_error();
		if (e == SSL_ERROR_SYSCALL && saved)
			conn_fail(c, "%s%s%s", pre, sep, strerror(saved));
		else if (in_tls)
			conn_fail(c, "%s: the server closed the connection in "
				  "the TLS handshake (is it a pssl: remote?)",
				  remote(c));
		else
			conn_fail(c, "the server closed the connection");
		return -1;
	}
	q = ERR_peek_error();
	reason = ERR_GET_LIB(q) == ERR_LIB_SSL ? ERR_GET_REASON(q) : 0;
	v = SSL_get_verify_result(c->ssl);
	if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && v != X509_V_OK) {
		ERR_clear_error();
		conn_fail(c, "%s%scertificate verify failed (%s)", pre, sep,
			  X509_verify_cert_error_string(v));
	} else if (reason >= SSL_AD_REASON_OFFSET) {
		/* An alert from the server: mostly our certificate. */
		int ad = reason - SSL_AD_REASON_OFFSET;
		bool ours = ad == SSL_AD_UNKNOWN_CA ||
			ad == SSL_AD_BAD_CERTIFICATE ||
			ad == SSL_AD_CERTIFICATE_REQUIRED ||
			ad == SSL_AD_CERTIFICATE_EXPIRED ||
			ad == SSL_AD_CERTIFICATE_REVOKED ||
			ad == SSL_AD_UNSUPPORTED_CERTIFICATE ||
			ad == SSL_AD_CERTIFICATE_UNKNOWN ||
			ad == SSL_AD_DECRYPT_ERROR;

		conn_fail(c, "%s%sthe server refused the TLS connection: %s%s",
			  pre, sep, ssl_reason(), ours ? " (does its --ca-cert "
			  "trust --ovn-ssl-cert?)" : "");
	} else if (in_tls && (reason == SSL_R_WRONG_VERSION_NUMBER ||
			      reason == SSL_R_PACKET_LENGTH_TOO_LONG)) {
		conn_fail(c, "%s: TLS handshake failed: %s (is it a pssl: "
			  "remote?)", remote(c), ssl_reason());
	} else {
		conn_fail(c, "%s%sTLS%s: %s", pre, sep,
			  in_tls ? " handshake failed" : "", ssl_reason());
	}
	return -1;
}

/* One step of the TLS handshake, when the socket may have moved it on. */
static void tls_step(struct gnv_ovn_sb *c)
{
	int ret;

	ERR_clear_error();
	errno = 0;
	ret = SSL_connect(c->ssl);
	if (ret == 1) {
		send_handshake(c);
		return;
	}
	if (ssl_io_failed(c, ret))
		return;
	if (!c->opening && now_ms() - c->state_since > TLS_TIMEOUT_MS)
		conn_fail(c, "%s: no TLS handshake in %d s", remote(c),
			  TLS_TIMEOUT_MS / 1000);
}

/* The socket is connected: TLS first for ssl:, then the JSON-RPC. */
static void on_connected(struct gnv_ovn_sb *c)
{
	char why[256];
	BIO *bio;

	if (!c->remotes[c->cur].ssl) {
		send_handshake(c);
		return;
	}
	if (ssl_refresh(c, why, sizeof(why))) {
		conn_fail(c, "%s", why);
		return;
	}
	c->ssl = SSL_new(c->ctx);
	bio = sock_bio_new(c->fd);
	if (!c->ssl || !bio) {
		BIO_free(bio);
		conn_fail(c, "out of memory");
		return;
	}
	SSL_set_bio(c->ssl, bio, bio);
	SSL_set_connect_state(c->ssl);
	set_state(c, ST_TLS);
	tls_step(c);
}

static void start_connect(struct gnv_ovn_sb *c)
{
	const struct sb_remote *r = &c->remotes[c->cur];
	int fd, one = 1;

	reset_conn(c);
	fd = socket(r->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		conn_fail(c, "%s: socket: %s", r->text, strerror(errno));
		return;
	}
	c->fd = fd;
	if (r->sa.ss_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (!connect(fd, (const struct sockaddr *)&r->sa, r->salen)) {
		on_connected(c);
		return;
	}
	if (errno == EINPROGRESS) {
		set_state(c, ST_CONNECTING);
		return;
	}
	conn_fail(c, "cannot connect to %s: %s", r->text, strerror(errno));
}

static void check_connect(struct gnv_ovn_sb *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (poll(&pfd, 1, 0) <= 0) {
		if (!c->opening &&
		    now_ms() - c->state_since > CONNECT_TIMEOUT_MS)
			conn_fail(c, "cannot connect to %s: timed out",
				  remote(c));
		return;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr) {
		conn_fail(c, "cannot connect to %s: %s", remote(c),
			  strerror(soerr));
		return;
	}
	on_connected(c);
}

/* ---- Replies and notifications ---- */

static const char *const required[GNV_OVN_N_TABLES][MAX_COLS] = {
	[GNV_OVN_DATAPATH_BINDING] = { "tunnel_key", "external_ids" },
	[GNV_OVN_PORT_BINDING] = { "tunnel_key", "logical_port", "datapath" },
	[GNV_OVN_MULTICAST_GROUP] = { "tunnel_key", "name", "datapath" },
	[GNV_OVN_CHASSIS] = { "name", "hostname" },
	[GNV_OVN_ENCAP] = { "type", "ip", "chassis_name" },
	[GNV_OVN_IC_DATAPATH_BINDING] = { "tunnel_key", "transit_switch" },
	[GNV_OVN_IC_PORT_BINDING] = { "tunnel_key", "logical_port",
				      "transit_switch" },
	[GNV_OVN_IC_AVAILABILITY_ZONE] = { "name" },
	[GNV_OVN_IC_GATEWAY] = { "name", "hostname", "availability_zone" },
	[GNV_OVN_IC_ENCAP] = { "type", "ip", "gateway_name" },
};

/* Where a remote gateway says is-remote=true, in one OVN or another. */
static const char *const extra[GNV_OVN_N_TABLES][MAX_COLS] = {
	[GNV_OVN_CHASSIS] = { "other_config", "external_ids" },
};

/* A JSON-RPC error as one short line. */
static void error_text(const json_t *e, char *buf, size_t len)
{
	const char *s = json_string_value(e);
	const char *d = json_string_value(json_object_get(e, "details"));

	if (!s)
		s = json_string_value(json_object_get(e, "error"));
	snprintf(buf, len, "%s%s%s", s ? s : "error", d ? ": " : "",
		 d ? d : "");
}

static void on_list_dbs(struct gnv_ovn_sb *c, const json_t *result)
{
	char dbs[200] = "";
	const json_t *v;
	size_t i, len = 0;

	json_array_foreach(result, i, v) {
		const char *s = json_string_value(v);

		if (!s)
			continue;
		if (!strcmp(s, c->kind->db))
			return;
		if (*s == '_' || len >= sizeof(dbs) - 1)
			continue;
		len += snprintf(dbs + len, sizeof(dbs) - len, "%s%s",
				len ? ", " : "", s);
	}
	conn_fail(c, "%s is not an %s (it serves %s)", remote(c),
		  c->kind->what, *dbs ? dbs : "no database");
}

/* Whether columns tc has every column of cols. */
static bool has_columns(const json_t *tc, const char *const cols[MAX_COLS],
			const char **missing)
{
	for (int i = 0; i < MAX_COLS && cols[i]; i++) {
		if (!json_object_get(tc, cols[i])) {
			*missing = cols[i];
			return false;
		}
	}
	return true;
}

/* The monitor request's <monitor-requests>: the wanted tables' columns. */
static json_t *monitor_requests(const struct gnv_ovn_sb *c)
{
	json_t *mon = json_object();

	for (int t = c->kind->first; mon && t < c->kind->end; t++) {
		json_t *cols;

		if (!c->want[t])
			continue;
		cols = json_array();
		for (int i = 0; cols && i < MAX_COLS && required[t][i]; i++)
			json_array_append_new(cols,
					      json_string(required[t][i]));
		for (int i = 0; cols && i < MAX_COLS && extra[t][i]; i++)
			if (c->want_col[t][i])
				json_array_append_new(
					cols, json_string(extra[t][i]));
		if (!cols || json_object_set_new(mon, gnv_ovn_table_name(t),
						 json_pack("{s:o}", "columns",
							   cols))) {
			json_decref(mon);
			mon = NULL;
		}
	}
	return mon;
}

static void on_schema(struct gnv_ovn_sb *c, const json_t *schema)
{
	const json_t *tabs = json_object_get(schema, "tables");
	const char *missing = "";
	json_t *mon;

	for (int t = c->kind->first; t < c->kind->end; t++) {
		const json_t *tc = json_object_get(
			json_object_get(tabs, gnv_ovn_table_name(t)), "columns");

		c->want[t] = tc && has_columns(tc, required[t], &missing);
		for (int i = 0; i < MAX_COLS && extra[t][i]; i++)
			c->want_col[t][i] = json_object_get(tc, extra[t][i]);
		if (t >= c->kind->first_optional || c->want[t])
			continue;
		if (!tc)
			conn_fail(c, "%s is not an %s (its schema has no "
				  "table %s)", remote(c), c->kind->what,
				  gnv_ovn_table_name(t));
		else
			conn_fail(c, "%s is not an %s (%s has no column %s)",
				  remote(c), c->kind->what, gnv_ovn_table_name(t),
				  missing);
		return;
	}
	/* An encap is named through its chassis (gateway): both or neither. */
	if (!c->want[GNV_OVN_CHASSIS] || !c->want[GNV_OVN_ENCAP])
		c->want[GNV_OVN_CHASSIS] = c->want[GNV_OVN_ENCAP] = false;
	if (!c->want[GNV_OVN_IC_GATEWAY] || !c->want[GNV_OVN_IC_ENCAP])
		c->want[GNV_OVN_IC_GATEWAY] = c->want[GNV_OVN_IC_ENCAP] = false;
	mon = monitor_requests(c);
	if (!mon || request(c, ID_MONITOR, "monitor",
			    json_pack("[s,s,o]", c->kind->db, "gnvtrace",
				      mon))) {
		conn_fail(c, "out of memory");
		return;
	}
	set_state(c, ST_MONITORING);
}

/*
 * Applies <table-updates> (RFC 7047 4.1.6): per table, per row uuid,
 * {"old", "new"}; no "new" is a delete. Datapaths first, so that a port
 * never waits for its datapath. 0, or -ENOMEM.
 */
static int apply_updates(struct gnv_ovn_sb *c, const json_t *updates)
{
	for (int t = c->kind->first; t < c->kind->end; t++) {
		const json_t *rows = json_object_get(updates, gnv_ovn_table_name(t));
		const char *uuid;
		json_t *ru;

		json_object_foreach((json_t *)rows, uuid, ru) {
			char why[128];
			int ret;

			ret = gnv_ovn_names_apply(c->names, t, uuid,
						  json_object_get(ru, "new"),
						  why, sizeof(why));
			if (ret == -ENOMEM)
				return ret;
			/* A malformed row is left out, not fatal. */
			if (ret > 0)
				c->changed = 1;
		}
	}
	return 0;
}

static void on_monitor(struct gnv_ovn_sb *c, const json_t *result)
{
	gnv_ovn_names_clear(c->names);
	c->changed = 1;
	if (apply_updates(c, result)) {
		conn_fail(c, "out of memory");
		return;
	}
	set_state(c, ST_ACTIVE);
	c->stats.connects++;
	c->backoff_ms = BACKOFF_MIN_MS;
	c->err[0] = 0;
	if (c->lost) {
		fprintf(stderr, "gnvtrace: reconnected to the %s at %s\n",
			c->kind->what, remote(c));
		c->lost = false;
	}
}

static void on_message(struct gnv_ovn_sb *c, json_t *msg)
{
	const char *method = json_string_value(json_object_get(msg, "method"));
	const json_t *id = json_object_get(msg, "id");
	const json_t *error = json_object_get(msg, "error");
	const json_t *result = json_object_get(msg, "result");
	char etext[200];

	if (method) {
		json_t *params = json_object_get(msg, "params");

		if (!strcmp(method, "echo") && id) {
			json_t *reply = json_pack("{s:O, s:o, s:n}", "id", id,
						  "result", params ?
						  json_incref(params) :
						  json_array(), "error");

			if (!reply || queue_json(c, reply)) {
				conn_fail(c, "out of memory");
				return;
			}
			c->stats.echoes_answered++;
		} else if (!strcmp(method, "update") && c->st == ST_ACTIVE) {
			if (apply_updates(c, json_array_get(params, 1))) {
				conn_fail(c, "out of memory");
				return;
			}
			c->stats.updates++;
		} else if (id && !json_is_null(id)) {
			json_t *reply = json_pack("{s:O, s:n, s:s}", "id", id,
						  "result", "error",
						  "unknown method");

			if (!reply || queue_json(c, reply))
				conn_fail(c, "out of memory");
		}
		return;
	}
	if (!json_is_integer(id))
		return;
	if (error && !json_is_null(error)) {
		error_text(error, etext, sizeof(etext));
		switch (json_integer_value(id)) {
		case ID_LIST_DBS:
			conn_fail(c, "%s: list_dbs failed: %s", remote(c),
				  etext);
			break;
		case ID_SCHEMA:
			conn_fail(c, "%s is not an %s (get_schema: %s)",
				  remote(c), c->kind->what, etext);
			break;
		case ID_MONITOR:
			conn_fail(c, "%s: monitor failed: %s", remote(c),
				  etext);
			break;
		}
		return;
	}
	switch (json_integer_value(id)) {
	case ID_LIST_DBS:
		if (c->st == ST_HANDSHAKE)
			on_list_dbs(c, result);
		break;
	case ID_SCHEMA:
		if (c->st == ST_HANDSHAKE)
			on_schema(c, result);
		break;
	case ID_MONITOR:
		if (c->st == ST_MONITORING)
			on_monitor(c, result);
		break;
	}
}

/* ---- Input ---- */

static bool connected(const struct gnv_ovn_sb *c)
{
	return c->fd >= 0 && c->st >= ST_HANDSHAKE && c->st <= ST_ACTIVE;
}

/*
 * Scans rbuf from scan on, handing each complete top-level value to
 * on_message. 0, or -1 when the connection failed meanwhile.
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
				conn_fail(c, "%s sent something that is not "
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
				conn_fail(c, "%s sent bad JSON: %s", remote(c),
					  msg ? "trailing bytes" : je.text);
				return -1;
			}
			c->start = i + 1;
			on_message(c, msg);
			json_decref(msg);
			if (!connected(c))
				return -1;
		}
	}
	c->scan = i;
	if (c->depth && c->rlen - c->start > MAX_MESSAGE) {
		conn_fail(c, "%s sent a message over %u MiB", remote(c),
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

/* Reads up to budget bytes. 0, or -1 when the connection failed. */
static int read_input(struct gnv_ovn_sb *c, size_t budget)
{
	size_t got = 0;

	while (got < budget) {
		ssize_t n;

		if (c->rcap - c->rlen < READ_CHUNK) {
			size_t cap = c->rcap ? c->rcap * 2 : 2 * READ_CHUNK;
			char *nb = realloc(c->rbuf, cap);

			if (!nb) {
				conn_fail(c, "out of memory");
				return -1;
			}
			c->rbuf = nb;
			c->rcap = cap;
		}
		if (c->ssl) {
			size_t room = c->rcap - c->rlen;

			/* Left in OpenSSL's buffer when the budget ends:
			 * gnv_ovn_sb_timeout_ms says 0 then. */
			ERR_clear_error();
			errno = 0;
			n = SSL_read(c->ssl, c->rbuf + c->rlen,
				     room > INT_MAX ? INT_MAX : (int)room);
			if (n <= 0)
				return ssl_io_failed(c, n);
		} else {
			n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen,
				 MSG_DONTWAIT);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			conn_fail(c, "%s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			conn_fail(c, "the server closed the connection");
			return -1;
		}
		c->rlen += n;
		got += n;
		c->stats.bytes_in += n;
		c->last_input = now_ms();
		c->probe_sent = false;
		if (scan_input(c))
			return -1;
	}
	return 0;
}

/* One non-blocking step of everything that is due. */
static void drive(struct gnv_ovn_sb *c)
{
	__u64 now = now_ms();

	c->ssl_want_write = false;
	if (c->st == ST_BACKOFF && now >= c->retry_at)
		start_connect(c);
	if (c->st == ST_CONNECTING)
		check_connect(c);
	else if (c->st == ST_TLS)
		tls_step(c);
	if (!connected(c))
		return;
	if (read_input(c, READ_BUDGET))
		return;
	now = now_ms();
	if (c->st != ST_ACTIVE && !c->opening &&
	    now - c->last_input > HANDSHAKE_TIMEOUT_MS) {
		conn_fail(c, "no answer in %d s", HANDSHAKE_TIMEOUT_MS / 1000);
		return;
	}
	if (now - c->last_input > DEAD_IDLE_MS) {
		conn_fail(c, "no answer to our echo probe in %d s",
			  (DEAD_IDLE_MS - PROBE_IDLE_MS) / 1000);
		return;
	}
	if (now - c->last_input > PROBE_IDLE_MS && !c->probe_sent) {
		if (request(c, ID_ECHO, "echo", json_array())) {
			conn_fail(c, "out of memory");
			return;
		}
		c->probe_sent = true;
	}
	flush_out(c);
}

/* ---- API ---- */

int gnv_ovn_sb_fd(const struct gnv_ovn_sb *c)
{
	return c && c->st != ST_BACKOFF ? c->fd : -1;
}

int gnv_ovn_sb_timeout_ms(const struct gnv_ovn_sb *c)
{
	__u64 now = now_ms(), due;

	if (!c)
		return -1;
	switch (c->st) {
	case ST_BACKOFF:
		return c->retry_at > now ? (int)(c->retry_at - now) : 0;
	case ST_CONNECTING:
		return 20;
	case ST_TLS:
		if (c->ssl_want_write)
			return 20;
		due = c->state_since + TLS_TIMEOUT_MS;
		return due > now ? (int)(due - now) + 1 : 0;
	case ST_FAILED:
		return -1;
	default:
		break;
	}
	if (c->wlen || c->ssl_want_write)
		return 20;
	/* Input OpenSSL has read from the socket but not yet given us. */
	if (c->ssl && SSL_pending(c->ssl) > 0)
		return 0;
	due = c->last_input + (c->probe_sent ? DEAD_IDLE_MS : PROBE_IDLE_MS);
	if (c->st != ST_ACTIVE &&
	    c->last_input + HANDSHAKE_TIMEOUT_MS < due)
		due = c->last_input + HANDSHAKE_TIMEOUT_MS;
	return due > now ? (int)(due - now) + 1 : 0;
}

int gnv_ovn_sb_poll(struct gnv_ovn_sb *c)
{
	if (!c)
		return 0;
	c->changed = 0;
	drive(c);
	return c->changed;
}

void gnv_ovn_sb_get_stats(const struct gnv_ovn_sb *c,
			  struct gnv_ovn_sb_stats *st)
{
	*st = c->stats;
}

void gnv_ovn_sb_close(struct gnv_ovn_sb *c)
{
	if (!c)
		return;
	if (c->ssl && connected(c)) {
		/* close_notify, if the socket takes it now. */
		ERR_clear_error();
		SSL_shutdown(c->ssl);
	}
	reset_conn(c);
	SSL_CTX_free(c->ctx);
	for (int i = 0; i < 3; i++)
		free(c->ssl_path[i]);
	free(c->wbuf);
	for (int i = 0; i < c->n_remotes; i++)
		free(c->remotes[i].text);
	free(c);
}

/* remote may be a comma-separated list, as in ovn-remote. */
static int parse_remotes(struct gnv_ovn_sb *c, const char *list, char *err,
			 size_t errlen)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int ret = 0;

	if (!copy) {
		gnv_ovn_seterr(err, errlen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (c->n_remotes == MAX_REMOTES) {
			gnv_ovn_seterr(err, errlen, "%s: more than %d remotes", list,
			       MAX_REMOTES);
			ret = -1;
		} else if (parse_remote(tok, &c->remotes[c->n_remotes], err,
					errlen)) {
			ret = -1;
		} else {
			c->n_remotes++;
		}
	}
	if (!ret && !c->n_remotes) {
		gnv_ovn_seterr(err, errlen, "no %s remote given (expected "
			       "tcp:IP:PORT, ssl:IP:PORT or unix:PATH)",
			       c->kind->what);
		ret = -1;
	}
	free(copy);
	return ret;
}

static const char *waiting_for(enum sb_state st)
{
	switch (st) {
	case ST_CONNECTING:
		return "connecting";
	case ST_TLS:
		return "in the TLS handshake";
	case ST_HANDSHAKE:
		return "waiting for its schema";
	case ST_MONITORING:
		return "waiting for its contents";
	default:
		return "connecting";
	}
}

/* The TLS credentials, when a remote needs them. 0, or -1 with err. */
static int setup_ssl(struct gnv_ovn_sb *c, const struct gnv_ovn_ssl *ssl,
		     char *err, size_t errlen)
{
	const char *path[3] = { ssl ? ssl->key : NULL, ssl ? ssl->cert : NULL,
				ssl ? ssl->ca : NULL };
	const char *first = NULL;
	char missing[64] = "";

	for (int i = 0; i < c->n_remotes && !first; i++)
		if (c->remotes[i].ssl)
			first = c->remotes[i].text;
	if (!first)
		return 0;
	for (int i = 0; i < 3; i++)
		if (!path[i] || !*path[i])
			snprintf(missing + strlen(missing),
				 sizeof(missing) - strlen(missing), "%s%s",
				 *missing ? ", " : "", ssl_flag[i]);
	if (*missing) {
		gnv_ovn_seterr(err, errlen, "%s: an ssl: remote needs "
			       "--ovn-ssl-key, --ovn-ssl-cert and --ovn-ssl-ca "
			       "(missing: %s)", first, missing);
		return -1;
	}
	for (int i = 0; i < 3; i++) {
		c->ssl_path[i] = strdup(path[i]);
		if (!c->ssl_path[i]) {
			gnv_ovn_seterr(err, errlen, "out of memory");
			return -1;
		}
	}
	return ssl_refresh(c, err, errlen);
}

struct gnv_ovn_sb *gnv_ovn_sb_open(const char *remote_list,
				   struct gnv_ovn_names *names, int timeout_ms,
				   char *err, size_t errlen)
{
	return gnv_ovn_sb_open_ssl(remote_list, names, timeout_ms, NULL, err,
				   errlen);
}

struct gnv_ovn_sb *gnv_ovn_sb_open_ssl(const char *remote_list,
				       struct gnv_ovn_names *names,
				       int timeout_ms,
				       const struct gnv_ovn_ssl *ssl,
				       char *err, size_t errlen)
{
	struct gnv_ovn_sb *c = calloc(1, sizeof(*c));
	__u64 deadline;
	int tried = 0;

	if (!c) {
		gnv_ovn_seterr(err, errlen, "out of memory");
		return NULL;
	}
	c->fd = -1;
	c->names = names;
	c->kind = gnv_ovn_names_is_ic(names) ? &ic_kind : &sb_kind;
	c->opening = true;
	c->backoff_ms = BACKOFF_MIN_MS;
	if (parse_remotes(c, remote_list, err, errlen) ||
	    setup_ssl(c, ssl, err, errlen)) {
		gnv_ovn_sb_close(c);
		return NULL;
	}
	deadline = now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	start_connect(c);
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		__u64 now;
		int wait;

		if (c->st == ST_FAILED) {
			/* The next remote, while there is one. */
			if (++tried < c->n_remotes) {
				c->cur = (c->cur + 1) % c->n_remotes;
				start_connect(c);
				continue;
			}
			gnv_ovn_seterr(err, errlen, "%s", c->err);
			gnv_ovn_sb_close(c);
			return NULL;
		}
		if (c->st == ST_ACTIVE)
			break;
		now = now_ms();
		if (timeout_ms >= 0 && now >= deadline) {
			gnv_ovn_seterr(err, errlen, "%s: no answer in %d ms (%s)",
			       remote(c), timeout_ms, waiting_for(c->st));
			gnv_ovn_sb_close(c);
			return NULL;
		}
		if (c->st == ST_CONNECTING || c->wlen || c->ssl_want_write)
			pfd.events |= POLLOUT;
		wait = timeout_ms < 0 ? 1000 : (int)(deadline - now);
		if (c->ssl && SSL_pending(c->ssl) > 0)
			wait = 0;
		if (poll(&pfd, 1, wait) < 0 && errno != EINTR) {
			gnv_ovn_seterr(err, errlen, "poll: %s", strerror(errno));
			gnv_ovn_sb_close(c);
			return NULL;
		}
		drive(c);
	}
	c->opening = false;
	return c;
}
