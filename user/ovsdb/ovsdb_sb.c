// SPDX-License-Identifier: MIT
/*
 * A read-only OVSDB client (RFC 7047) for the OVN Southbound DB, or
 * the interconnection Southbound DB when its names table is one of
 * gnv_ovn_names_new_ic(), or a chassis' Open vSwitch DB for one of
 * gnv_ovn_names_new_ovs() (struct db_kind: the database, its tables).
 *
 * One connection at a time, non-blocking, driven by gnv_ovn_sb_poll():
 *
 *   BACKOFF -> CONNECTING -> HANDSHAKE -> MONITORING -> ACTIVE
 *      ^                                                  |
 *      +------------- EOF, error, timeout ----------------+
 *
 * This file is the state machine, the monitor, the replies and
 * notifications, and the API of ovsdb_sb.h. CONNECTING is
 * ovsdb_remote.c's; an ssl: remote has a TLS handshake (ovsdb_tls.c)
 * between CONNECTING and HANDSHAKE; ovsdb_rpc.c frames the JSON-RPC both
 * ways. What they share is in ovsdb_conn.h.
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
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "ovsdb_conn.h"

#define BACKOFF_MIN_MS		500
#define BACKOFF_MAX_MS		8000
#define HANDSHAKE_TIMEOUT_MS	60000	/* a reconnect's replies, no input */
#define PROBE_IDLE_MS		30000	/* silence before our own echo */
#define DEAD_IDLE_MS		60000	/* silence that means it is gone */

static const struct db_kind sb_kind = {
	"OVN_Southbound", "OVN Southbound DB",
	GNV_OVN_DATAPATH_BINDING, GNV_OVN_SB_TABLES, GNV_OVN_CHASSIS,
};

static const struct db_kind ic_kind = {
	"OVN_IC_Southbound", "OVN interconnection Southbound DB",
	GNV_OVN_IC_DATAPATH_BINDING, GNV_OVS_INTERFACE,
	GNV_OVN_IC_AVAILABILITY_ZONE,
};

static const struct db_kind ovs_kind = {
	"Open_vSwitch", "Open vSwitch DB",
	GNV_OVS_INTERFACE, GNV_OVN_N_TABLES, GNV_OVN_N_TABLES,
};

enum { ID_LIST_DBS = 1, ID_SCHEMA, ID_MONITOR, ID_ECHO };

/* ---- Connection state ---- */

/* Closes the connection, if any, for another one. */
void sb_reset_conn(struct gnv_ovn_sb *c)
{
	/* No close_notify: the connection failed (see gnv_ovn_sb_close). */
	sb_tls_drop(c, false);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	sb_rpc_reset(c);
	c->probe_sent = false;
}

/* Moves to st, now: the connect and TLS timeouts count from it. */
void sb_set_state(struct gnv_ovn_sb *c, enum sb_state st)
{
	c->st = st;
	c->state_since = gnv_mono_ms();
}

/*
 * The connection failed for reason. Opening, the next remote is tried
 * at once until each has been; afterwards the client backs off and
 * reconnects, saying once that it lost the DB.
 */
void sb_conn_fail(struct gnv_ovn_sb *c, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	sb_reset_conn(c);
	if (c->opening) {
		size_t len = strlen(c->err);

		snprintf(c->err + len, sizeof(c->err) - len, "%s%s", len ?
			 "; " : "", why);
		sb_set_state(c, ST_FAILED);
		return;
	}
	if (c->st == ST_ACTIVE) {
		pr_warn("lost the %s at %s: %s; retrying\n",
			c->kind->what, remote(c), why);
		c->lost = true;
		c->stats.disconnects++;
		c->backoff_ms = BACKOFF_MIN_MS;
	}
	snprintf(c->err, sizeof(c->err), "%s", why);
	c->cur = (c->cur + 1) % c->n_remotes;
	sb_set_state(c, ST_BACKOFF);
	c->retry_at = gnv_mono_ms() + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > BACKOFF_MAX_MS ?
		BACKOFF_MAX_MS : c->backoff_ms * 2;
}

/* The socket, and TLS if any, is up: asks for the databases and schema. */
void sb_send_handshake(struct gnv_ovn_sb *c)
{
	sb_set_state(c, ST_HANDSHAKE);
	c->last_input = gnv_mono_ms();
	if (sb_request(c, ID_LIST_DBS, "list_dbs", json_array()) ||
	    sb_request(c, ID_SCHEMA, "get_schema",
		       json_pack("[s]", c->kind->db)))
		sb_conn_fail(c, "out of memory");
}

/* One non-blocking step of everything that is due. */
static void drive(struct gnv_ovn_sb *c)
{
	__u64 now = gnv_mono_ms();

	c->ssl_want_write = false;
	if (c->st == ST_BACKOFF && now >= c->retry_at)
		sb_start_connect(c);
	if (c->st == ST_CONNECTING)
		sb_check_connect(c);
	else if (c->st == ST_TLS)
		sb_tls_step(c);
	if (!connected(c))
		return;
	if (sb_read_input(c))
		return;
	now = gnv_mono_ms();
	if (c->st != ST_ACTIVE && !c->opening &&
	    now - c->last_input > HANDSHAKE_TIMEOUT_MS) {
		sb_conn_fail(c, "no answer in %d s",
			     HANDSHAKE_TIMEOUT_MS / 1000);
		return;
	}
	if (now - c->last_input > DEAD_IDLE_MS) {
		sb_conn_fail(c, "no answer to our echo probe in %d s",
			     (DEAD_IDLE_MS - PROBE_IDLE_MS) / 1000);
		return;
	}
	if (now - c->last_input > PROBE_IDLE_MS && !c->probe_sent) {
		if (sb_request(c, ID_ECHO, "echo", json_array())) {
			sb_conn_fail(c, "out of memory");
			return;
		}
		c->probe_sent = true;
	}
	sb_flush_out(c);
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
	[GNV_OVS_INTERFACE] = { "name", "external_ids" },
	[GNV_OVS_OPEN_VSWITCH] = { "external_ids" },
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
	sb_conn_fail(c, "%s is not an %s (it serves %s)", remote(c),
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
			sb_conn_fail(c, "%s is not an %s (its schema has no "
				     "table %s)", remote(c), c->kind->what,
				     gnv_ovn_table_name(t));
		else
			sb_conn_fail(c, "%s is not an %s (%s has no column %s)",
				     remote(c), c->kind->what,
				     gnv_ovn_table_name(t), missing);
		return;
	}
	/* An encap is named through its chassis (gateway): both or neither. */
	if (!c->want[GNV_OVN_CHASSIS] || !c->want[GNV_OVN_ENCAP])
		c->want[GNV_OVN_CHASSIS] = c->want[GNV_OVN_ENCAP] = false;
	if (!c->want[GNV_OVN_IC_GATEWAY] || !c->want[GNV_OVN_IC_ENCAP])
		c->want[GNV_OVN_IC_GATEWAY] = c->want[GNV_OVN_IC_ENCAP] = false;
	mon = monitor_requests(c);
	if (!mon || sb_request(c, ID_MONITOR, "monitor",
			       json_pack("[s,s,o]", c->kind->db, "gnvtrace",
					 mon))) {
		sb_conn_fail(c, "out of memory");
		return;
	}
	sb_set_state(c, ST_MONITORING);
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
		sb_conn_fail(c, "out of memory");
		return;
	}
	sb_set_state(c, ST_ACTIVE);
	c->stats.connects++;
	c->backoff_ms = BACKOFF_MIN_MS;
	c->err[0] = 0;
	if (c->lost) {
		pr_info("reconnected to the %s at %s\n",
			c->kind->what, remote(c));
		c->lost = false;
	}
}

/* A message from the server (ovsdb_rpc.c): a reply or a notification. */
void sb_on_message(struct gnv_ovn_sb *c, json_t *msg)
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

			if (!reply || sb_queue_json(c, reply)) {
				sb_conn_fail(c, "out of memory");
				return;
			}
			c->stats.echoes_answered++;
		} else if (!strcmp(method, "update") && c->st == ST_ACTIVE) {
			if (apply_updates(c, json_array_get(params, 1))) {
				sb_conn_fail(c, "out of memory");
				return;
			}
			c->stats.updates++;
		} else if (id && !json_is_null(id)) {
			json_t *reply = json_pack("{s:O, s:n, s:s}", "id", id,
						  "result", "error",
						  "unknown method");

			if (!reply || sb_queue_json(c, reply))
				sb_conn_fail(c, "out of memory");
		}
		return;
	}
	if (!json_is_integer(id))
		return;
	if (error && !json_is_null(error)) {
		error_text(error, etext, sizeof(etext));
		switch (json_integer_value(id)) {
		case ID_LIST_DBS:
			sb_conn_fail(c, "%s: list_dbs failed: %s", remote(c),
				     etext);
			break;
		case ID_SCHEMA:
			sb_conn_fail(c, "%s is not an %s (get_schema: %s)",
				     remote(c), c->kind->what, etext);
			break;
		case ID_MONITOR:
			sb_conn_fail(c, "%s: monitor failed: %s", remote(c),
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

/* ---- API ---- */

int gnv_ovn_sb_fd(const struct gnv_ovn_sb *c)
{
	return c && c->st != ST_BACKOFF ? c->fd : -1;
}

int gnv_ovn_sb_timeout_ms(const struct gnv_ovn_sb *c)
{
	__u64 now = gnv_mono_ms(), due;

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
	if (sb_tls_pending(c))
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
	/* A close_notify first, if the socket takes it now. */
	sb_tls_drop(c, connected(c));
	sb_reset_conn(c);
	sb_tls_free(c);
	free(c->wbuf);
	for (int i = 0; i < c->n_remotes; i++)
		free(c->remotes[i].text);
	free(c);
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
		gnv_errf(err, errlen, "out of memory");
		return NULL;
	}
	c->fd = -1;
	c->names = names;
	c->kind = (const struct db_kind *const[]){
		[GNV_DB_SB] = &sb_kind, [GNV_DB_IC] = &ic_kind,
		[GNV_DB_OVS] = &ovs_kind }[gnv_ovn_names_db(names)];
	c->opening = true;
	c->backoff_ms = BACKOFF_MIN_MS;
	if (sb_parse_remotes(c, remote_list, err, errlen) ||
	    sb_tls_setup(c, ssl, err, errlen)) {
		gnv_ovn_sb_close(c);
		return NULL;
	}
	deadline = gnv_mono_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
	sb_start_connect(c);
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		__u64 now;
		int wait;

		if (c->st == ST_FAILED) {
			/* The next remote, while there is one. */
			if (++tried < c->n_remotes) {
				c->cur = (c->cur + 1) % c->n_remotes;
				sb_start_connect(c);
				continue;
			}
			gnv_errf(err, errlen, "%s", c->err);
			gnv_ovn_sb_close(c);
			return NULL;
		}
		if (c->st == ST_ACTIVE)
			break;
		now = gnv_mono_ms();
		if (timeout_ms >= 0 && now >= deadline) {
			gnv_errf(err, errlen, "%s: no answer in %d ms "
				       "(%s)", remote(c), timeout_ms,
				       waiting_for(c->st));
			gnv_ovn_sb_close(c);
			return NULL;
		}
		if (c->st == ST_CONNECTING || c->wlen || c->ssl_want_write)
			pfd.events |= POLLOUT;
		wait = timeout_ms < 0 ? 1000 : (int)(deadline - now);
		if (sb_tls_pending(c))
			wait = 0;
		if (poll(&pfd, 1, wait) < 0 && errno != EINTR) {
			gnv_errf(err, errlen, "poll: %s", strerror(errno));
			gnv_ovn_sb_close(c);
			return NULL;
		}
		drive(c);
	}
	c->opening = false;
	return c;
}
