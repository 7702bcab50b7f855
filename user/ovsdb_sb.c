// SPDX-License-Identifier: MIT
/*
 * A read-only OVSDB client (RFC 7047) for the OVN Southbound DB.
 *
 * One connection at a time, non-blocking, driven by gnv_ovn_sb_poll():
 *
 *   BACKOFF -> CONNECTING -> HANDSHAKE -> MONITORING -> ACTIVE
 *      ^                                                  |
 *      +------------- EOF, error, timeout ----------------+
 *
 * HANDSHAKE sends list_dbs and get_schema together: the first tells an
 * OVS conf.db (or any other server) from a Southbound DB, the second that
 * the tables and columns we monitor exist (Chassis and Encap, for the
 * tunnel endpoints' names, are optional: monitored when the schema has
 * them with their columns). MONITORING waits for the reply to a version 1
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
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ovsdb_sb.h"

#define SB_DB			"OVN_Southbound"
#define BACKOFF_MIN_MS		500
#define BACKOFF_MAX_MS		8000
#define CONNECT_TIMEOUT_MS	5000	/* a reconnect's TCP handshake */
#define HANDSHAKE_TIMEOUT_MS	60000	/* a reconnect's replies, no input */
#define PROBE_IDLE_MS		30000	/* silence before our own echo */
#define DEAD_IDLE_MS		60000	/* silence that means it is gone */
#define READ_CHUNK		(64 * 1024)
#define READ_BUDGET		(4 * 1024 * 1024)	/* per poll call */
#define MAX_MESSAGE		(512u * 1024 * 1024)
#define MAX_REMOTES		8

enum { ID_LIST_DBS = 1, ID_SCHEMA, ID_MONITOR, ID_ECHO };

enum sb_state {
	ST_BACKOFF,	/* disconnected, waiting for retry_at */
	ST_CONNECTING,	/* non-blocking connect in progress */
	ST_HANDSHAKE,	/* list_dbs and get_schema sent */
	ST_MONITORING,	/* monitor sent, waiting for the contents */
	ST_ACTIVE,	/* contents applied, following updates */
	ST_FAILED,	/* gnv_ovn_sb_open's attempts are all spent */
};

struct sb_remote {
	char *text;
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
	bool has_type, has_chassis;
	bool want[GNV_OVN_N_TABLES];	/* monitored tables */
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
	} else if (!strncmp(text, "tcp:", 4)) {
		char host[INET6_ADDRSTRLEN + 2];
		const char *h = text + 4, *colon, *end;
		size_t hlen;
		char *pend;
		long port;

		if (*h == '[') {
			end = strchr(h, ']');
			if (!end) {
				gnv_ovn_seterr(err, errlen, "%s: no ']' after the IPv6 "
				       "address (expected tcp:[IPv6]:PORT)",
				       text);
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
				       "brackets (tcp:[IPv6]:PORT)", text);
				return -1;
			}
			hlen = colon ? (size_t)(colon - h) : strlen(h);
		}
		if (!colon || !colon[1]) {
			gnv_ovn_seterr(err, errlen, "%s: no port (expected "
			       "tcp:IP:PORT; the SB DB's is usually 6642)",
			       text);
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
	} else if (!strncmp(text, "ssl:", 4)) {
		gnv_ovn_seterr(err, errlen, "%s: ssl: is not supported yet (use tcp: "
		       "or unix:, or an ovsdb-server relay)", text);
		return -1;
	} else if (!strncmp(text, "ptcp:", 5) || !strncmp(text, "punix:", 6) ||
		   !strncmp(text, "pssl:", 5)) {
		gnv_ovn_seterr(err, errlen, "%s: a passive remote; gnvtrace connects: "
		       "use tcp:IP:PORT or unix:PATH", text);
		return -1;
	} else {
		gnv_ovn_seterr(err, errlen, "%s: unknown remote type (expected "
		       "tcp:IP:PORT, tcp:[IPv6]:PORT or unix:PATH)", text);
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

/* 0, or -errno when the connection is broken. */
static int flush_out(struct gnv_ovn_sb *c)
{
	size_t off = 0;

	while (off < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + off, c->wlen - off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		off += n;
	}
	memmove(c->wbuf, c->wbuf + off, c->wlen - off);
	c->wlen -= off;
	return 0;
}

/* ---- Connection state ---- */

static void reset_conn(struct gnv_ovn_sb *c)
{
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
	__attribute__((format(printf, 2, 3)));

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
		fprintf(stderr, "gnvtrace: lost the OVN Southbound DB at %s: "
			"%s; retrying\n", remote(c), why);
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
	    request(c, ID_SCHEMA, "get_schema", json_pack("[s]", SB_DB)))
		conn_fail(c, "out of memory");
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
		send_handshake(c);
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
	send_handshake(c);
}

/* ---- Replies and notifications ---- */

static const char *const tables[] = {
	[GNV_OVN_DATAPATH_BINDING] = "Datapath_Binding",
	[GNV_OVN_PORT_BINDING] = "Port_Binding",
	[GNV_OVN_MULTICAST_GROUP] = "Multicast_Group",
	[GNV_OVN_CHASSIS] = "Chassis",
	[GNV_OVN_ENCAP] = "Encap",
};

/* The tables before FIRST_OPTIONAL must exist with these columns. */
#define FIRST_OPTIONAL GNV_OVN_CHASSIS

static const char *const required[][4] = {
	[GNV_OVN_DATAPATH_BINDING] = { "tunnel_key", "external_ids" },
	[GNV_OVN_PORT_BINDING] = { "tunnel_key", "logical_port", "datapath" },
	[GNV_OVN_MULTICAST_GROUP] = { "tunnel_key", "name", "datapath" },
	[GNV_OVN_CHASSIS] = { "name", "hostname" },
	[GNV_OVN_ENCAP] = { "type", "ip", "chassis_name" },
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
		if (!strcmp(s, SB_DB))
			return;
		if (*s == '_' || len >= sizeof(dbs) - 1)
			continue;
		len += snprintf(dbs + len, sizeof(dbs) - len, "%s%s",
				len ? ", " : "", s);
	}
	conn_fail(c, "%s is not an OVN Southbound DB (it serves %s)",
		  remote(c), *dbs ? dbs : "no database");
}

static void on_schema(struct gnv_ovn_sb *c, const json_t *schema)
{
	const json_t *tabs = json_object_get(schema, "tables");
	json_t *mon, *cols;

	for (int t = 0; t < GNV_OVN_N_TABLES; t++) {
		const json_t *tc = json_object_get(
			json_object_get(tabs, tables[t]), "columns");

		c->want[t] = true;
		if (t >= FIRST_OPTIONAL) {
			for (int i = 0; i < 4 && required[t][i]; i++)
				if (!json_object_get(tc, required[t][i]))
					c->want[t] = false;
			continue;
		}
		if (!tc) {
			conn_fail(c, "%s is not an OVN Southbound DB (its "
				  "schema has no table %s)", remote(c),
				  tables[t]);
			return;
		}
		for (int i = 0; i < 4 && required[t][i]; i++) {
			if (!json_object_get(tc, required[t][i])) {
				conn_fail(c, "%s is not an OVN Southbound DB "
					  "(%s has no column %s)", remote(c),
					  tables[t], required[t][i]);
				return;
			}
		}
		if (t == GNV_OVN_PORT_BINDING) {
			c->has_type = json_object_get(tc, "type");
			c->has_chassis = json_object_get(tc, "chassis");
		}
	}
	/* An encap is named through its chassis: both or neither. */
	if (!c->want[GNV_OVN_CHASSIS] || !c->want[GNV_OVN_ENCAP])
		c->want[GNV_OVN_CHASSIS] = c->want[GNV_OVN_ENCAP] = false;
	mon = json_object();
	for (int t = 0; mon && t < GNV_OVN_N_TABLES; t++) {
		if (!c->want[t])
			continue;
		cols = json_array();
		for (int i = 0; cols && i < 4 && required[t][i]; i++)
			json_array_append_new(cols,
					      json_string(required[t][i]));
		if (cols && t == GNV_OVN_PORT_BINDING && c->has_type)
			json_array_append_new(cols, json_string("type"));
		if (cols && t == GNV_OVN_PORT_BINDING && c->has_chassis)
			json_array_append_new(cols, json_string("chassis"));
		if (!cols || json_object_set_new(mon, tables[t],
						 json_pack("{s:o}", "columns",
							   cols))) {
			json_decref(mon);
			mon = NULL;
		}
	}
	if (!mon || request(c, ID_MONITOR, "monitor",
			    json_pack("[s,s,o]", SB_DB, "gnvtrace", mon))) {
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
	for (int t = 0; t < GNV_OVN_N_TABLES; t++) {
		const json_t *rows = json_object_get(updates, tables[t]);
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
		fprintf(stderr, "gnvtrace: reconnected to the OVN Southbound "
			"DB at %s\n", remote(c));
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
			conn_fail(c, "%s is not an OVN Southbound DB "
				  "(get_schema: %s)", remote(c), etext);
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
		n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen,
			 MSG_DONTWAIT);
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
	int ret;

	if (c->st == ST_BACKOFF && now >= c->retry_at)
		start_connect(c);
	if (c->st == ST_CONNECTING)
		check_connect(c);
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
	ret = flush_out(c);
	if (ret)
		conn_fail(c, "%s", strerror(-ret));
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
	case ST_FAILED:
		return -1;
	default:
		break;
	}
	if (c->wlen)
		return 20;
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
	reset_conn(c);
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
		gnv_ovn_seterr(err, errlen, "no OVN Southbound remote given (expected "
		       "tcp:IP:PORT or unix:PATH)");
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
	case ST_HANDSHAKE:
		return "waiting for its schema";
	case ST_MONITORING:
		return "waiting for its contents";
	default:
		return "connecting";
	}
}

struct gnv_ovn_sb *gnv_ovn_sb_open(const char *remote_list,
				   struct gnv_ovn_names *names, int timeout_ms,
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
	c->opening = true;
	c->backoff_ms = BACKOFF_MIN_MS;
	if (parse_remotes(c, remote_list, err, errlen)) {
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
		if (c->st == ST_CONNECTING || c->wlen)
			pfd.events |= POLLOUT;
		wait = timeout_ms < 0 ? 1000 : (int)(deadline - now);
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
