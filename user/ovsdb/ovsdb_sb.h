/* SPDX-License-Identifier: MIT */
/*
 * Room ovsdb/ (uses lib/, ovn/): the live OVSDB client. This header:
 * its API; ovsdb_conn.h is the room's own.
 *
 * Live names from the OVN Southbound DB: a read-only client of the OVSDB
 * management protocol (RFC 7047, JSON-RPC over a stream socket). It
 * monitors Datapath_Binding, Port_Binding, Multicast_Group, and Chassis
 * with Encap (when the schema has them), and keeps a
 * gnv_ovn_names table current; for a table of gnv_ovn_names_new_ic() the
 * interconnection DB's tables, and for one of gnv_ovn_names_new_ovs() a
 * chassis' Open vSwitch DB's Interface and Open_vSwitch. Single-threaded and non-blocking after
 * gnv_ovn_sb_open(): the tracer's event loop polls gnv_ovn_sb_fd() beside
 * its ring buffers and calls gnv_ovn_sb_poll().
 */
#ifndef GNV_OVSDB_SB_H
#define GNV_OVSDB_SB_H

#include <linux/types.h>

#include "ovn/ovn_names.h"

struct gnv_ovn_sb;

/*
 * The client's TLS credentials for ssl: remotes, as ovn-controller's
 * --private-key, --certificate and --ca-cert: PEM files, read when the
 * client opens and again on a reconnect after any of them changed (so
 * that rotated certificates are picked up). The server's certificate must
 * chain to ca; its name is not checked, as OVS does not check it either.
 */
struct gnv_ovn_ssl {
	const char *key;	/* --ovn-ssl-key: our private key */
	const char *cert;	/* --ovn-ssl-cert: our certificate (chain) */
	const char *ca;		/* --ovn-ssl-ca: the CA certificate(s) */
};

/*
 * remote: tcp:IP:PORT, tcp:[IPv6]:PORT, ssl:IP:PORT, ssl:[IPv6]:PORT or
 * unix:PATH, or a comma-separated list of them (tried in turn, as
 * ovn-remote). Connects, checks that the server has an OVN_Southbound
 * database with the tables it needs, monitors them, waits at most
 * timeout_ms for their contents and fills names with them (replacing what
 * it held). NULL with one line in err on failure.
 *
 * ssl is needed, with all three files, when a remote is ssl:; it may be
 * NULL otherwise (and is then ignored). The strings are copied.
 */
struct gnv_ovn_sb *gnv_ovn_sb_open_ssl(const char *remote,
				       struct gnv_ovn_names *names,
				       int timeout_ms,
				       const struct gnv_ovn_ssl *ssl,
				       char *err, size_t errlen);

/* gnv_ovn_sb_open_ssl without TLS credentials. */
struct gnv_ovn_sb *gnv_ovn_sb_open(const char *remote,
				   struct gnv_ovn_names *names, int timeout_ms,
				   char *err, size_t errlen);

/* The socket to poll for input, -1 while disconnected. */
int gnv_ovn_sb_fd(const struct gnv_ovn_sb *c);

/*
 * Never blocks: reads what arrived, applies the updates to names, answers
 * the server's echo probes; on EOF or an error disconnects, says so in one
 * line on stderr and reconnects later with back-off (0.5 s doubling to
 * 8 s), re-monitoring and replacing names with the fresh contents. 1 when
 * names changed in this call, else 0.
 */
int gnv_ovn_sb_poll(struct gnv_ovn_sb *c);

/*
 * Milliseconds until gnv_ovn_sb_poll wants calling even without input (a
 * pending reconnect, a connect in progress, our own echo probe), or -1.
 */
int gnv_ovn_sb_timeout_ms(const struct gnv_ovn_sb *c);

void gnv_ovn_sb_close(struct gnv_ovn_sb *c);

/* What happened on the connection so far, for tests and --stats. */
struct gnv_ovn_sb_stats {
	__u64 connects;		/* monitors established, the first included */
	__u64 disconnects;	/* connections lost after being established */
	__u64 echoes_answered;	/* the server's inactivity probes */
	__u64 updates;		/* "update" notifications applied */
	__u64 bytes_in;		/* JSON-RPC bytes (after TLS, for ssl:) */
};
void gnv_ovn_sb_get_stats(const struct gnv_ovn_sb *c,
			  struct gnv_ovn_sb_stats *st);

#endif /* GNV_OVSDB_SB_H */
