/* SPDX-License-Identifier: MIT */
/*
 * What the Southbound client's files share, and nothing else includes:
 * the connection, its states, and the functions each file offers the
 * others.
 *
 *   ovsdb_sb.c      the state machine, the monitor, replies and
 *                   notifications, the API of ovsdb_sb.h
 *   ovsdb_remote.c  parsing remotes, connecting the socket
 *   ovsdb_tls.c     TLS over the socket, for ssl: remotes (OpenSSL)
 *   ovsdb_rpc.c     JSON-RPC framing: requests out, messages in
 *
 * Each function is described where it is defined. One that fails the
 * connection has called sb_conn_fail() (which closes it) when it returns
 * -1: its caller then only unwinds.
 */
#ifndef GNV_OVSDB_CONN_H
#define GNV_OVSDB_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>
#include <openssl/types.h>

#include "lib/clock.h"
#include "ovsdb_sb.h"

#define TLS_TIMEOUT_MS		10000	/* a reconnect's TLS handshake */
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

/* The remote being tried or used, for messages. */
static inline const char *remote(const struct gnv_ovn_sb *c)
{
	return c->remotes[c->cur].text;
}

/* Whether the JSON-RPC runs: the socket connected, TLS (if any) done. */
static inline bool connected(const struct gnv_ovn_sb *c)
{
	return c->fd >= 0 && c->st >= ST_HANDSHAKE && c->st <= ST_ACTIVE;
}

/* ovsdb_sb.c: the connection's state, and what the server says. */
void sb_set_state(struct gnv_ovn_sb *c, enum sb_state st);
void sb_reset_conn(struct gnv_ovn_sb *c);
void sb_conn_fail(struct gnv_ovn_sb *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_send_handshake(struct gnv_ovn_sb *c);
void sb_on_message(struct gnv_ovn_sb *c, json_t *msg);

/* ovsdb_remote.c: the remotes, and connecting to one. */
int sb_parse_remotes(struct gnv_ovn_sb *c, const char *list, char *err,
		     size_t errlen);
void sb_start_connect(struct gnv_ovn_sb *c);
void sb_check_connect(struct gnv_ovn_sb *c);

/* ovsdb_tls.c: TLS, for ssl: remotes. */
int sb_tls_setup(struct gnv_ovn_sb *c, const struct gnv_ovn_ssl *ssl,
		 char *err, size_t errlen);
void sb_tls_start(struct gnv_ovn_sb *c);
void sb_tls_step(struct gnv_ovn_sb *c);
int sb_tls_io(struct gnv_ovn_sb *c, char *buf, size_t len, bool out);
bool sb_tls_pending(const struct gnv_ovn_sb *c);
void sb_tls_drop(struct gnv_ovn_sb *c, bool notify);
void sb_tls_free(struct gnv_ovn_sb *c);

/* ovsdb_rpc.c: JSON-RPC out and in. */
int sb_queue_json(struct gnv_ovn_sb *c, json_t *msg);
int sb_request(struct gnv_ovn_sb *c, int id, const char *method,
	       json_t *params);
int sb_flush_out(struct gnv_ovn_sb *c);
int sb_read_input(struct gnv_ovn_sb *c);
void sb_rpc_reset(struct gnv_ovn_sb *c);

#endif /* GNV_OVSDB_CONN_H */
