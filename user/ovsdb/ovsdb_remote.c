// SPDX-License-Identifier: MIT
/*
 * The Southbound client's remotes: parsing them (tcp:, ssl:, unix:, or a
 * comma-separated list of them, as ovn-remote) and connecting to the
 * current one without blocking. Once the socket is connected, an ssl:
 * remote goes on to TLS (ovsdb_tls.c), the others straight to the
 * JSON-RPC handshake (ovsdb_sb.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "lib/log.h"
#include "ovsdb_conn.h"

#define CONNECT_TIMEOUT_MS	5000	/* a reconnect's TCP handshake */

/* One remote, text, into r. 0, or -1 with err. */
static int parse_remote(const char *text, struct sb_remote *r, char *err,
			size_t errlen)
{
	memset(r, 0, sizeof(*r));
	if (!strncmp(text, "unix:", 5)) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&r->sa;
		const char *path = text + 5;

		if (!*path) {
			gnv_errf(err, errlen, "%s: no socket path "
				       "(expected unix:PATH)", text);
			return -1;
		}
		if (strlen(path) >= sizeof(sun->sun_path)) {
			gnv_errf(err, errlen, "%s: socket path longer "
				       "than %zu bytes", text,
				       sizeof(sun->sun_path) - 1);
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
				gnv_errf(err, errlen, "%s: no ']' after "
					       "the IPv6 address (expected "
					       "%.3s:[IPv6]:PORT)", text,
					       text);
				return -1;
			}
			h++;
			hlen = end - h;
			colon = end[1] == ':' ? end + 1 : NULL;
			if (!colon && end[1]) {
				gnv_errf(err, errlen, "%s: expected "
					       "':PORT' after ']'", text);
				return -1;
			}
		} else {
			colon = strchr(h, ':');
			if (colon && strchr(colon + 1, ':')) {
				gnv_errf(err, errlen, "%s: an IPv6 "
					       "address needs brackets "
					       "(%.3s:[IPv6]:PORT)", text,
					       text);
				return -1;
			}
			hlen = colon ? (size_t)(colon - h) : strlen(h);
		}
		if (!colon || !colon[1]) {
			gnv_errf(err, errlen, "%s: no port (expected "
				       "%.3s:IP:PORT; the SB DB's is usually "
				       "6642)", text, text);
			return -1;
		}
		errno = 0;
		port = strtol(colon + 1, &pend, 10);
		if (*pend || errno || port < 1 || port > 65535) {
			gnv_errf(err, errlen, "%s: bad port '%s'", text,
				       colon + 1);
			return -1;
		}
		if (!hlen || hlen >= sizeof(host)) {
			gnv_errf(err, errlen, "%s: bad IP address", text);
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
			gnv_errf(err, errlen, "%s: '%s' is not an IP "
				       "address (host names are not "
				       "resolved)", text, host);
			return -1;
		}
		r->ssl = text[0] == 's';
	} else if (!strncmp(text, "ptcp:", 5) || !strncmp(text, "punix:", 6) ||
		   !strncmp(text, "pssl:", 5)) {
		gnv_errf(err, errlen, "%s: a passive remote; gnvtrace "
			       "connects: use tcp:IP:PORT, ssl:IP:PORT or "
			       "unix:PATH", text);
		return -1;
	} else {
		gnv_errf(err, errlen, "%s: unknown remote type (expected "
			       "tcp:IP:PORT, ssl:IP:PORT (IPv6 in brackets) or "
			       "unix:PATH)", text);
		return -1;
	}
	r->text = strdup(text);
	if (!r->text) {
		gnv_errf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Fills c->remotes from list, a comma-separated list as ovn-remote. 0, or
 * -1 with err.
 */
int sb_parse_remotes(struct gnv_ovn_sb *c, const char *list, char *err,
		     size_t errlen)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int ret = 0;

	if (!copy) {
		gnv_errf(err, errlen, "out of memory");
		return -1;
	}
	for (tok = strtok_r(copy, ",", &save); tok && !ret;
	     tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (c->n_remotes == MAX_REMOTES) {
			gnv_errf(err, errlen, "%s: more than %d remotes",
				       list, MAX_REMOTES);
			ret = -1;
		} else if (parse_remote(tok, &c->remotes[c->n_remotes], err,
					errlen)) {
			ret = -1;
		} else {
			c->n_remotes++;
		}
	}
	if (!ret && !c->n_remotes) {
		gnv_errf(err, errlen, "no %s remote given (expected "
			       "tcp:IP:PORT, ssl:IP:PORT or unix:PATH)",
			       c->kind->what);
		ret = -1;
	}
	free(copy);
	return ret;
}

/* The socket is connected: TLS first for ssl:, then the JSON-RPC. */
static void on_connected(struct gnv_ovn_sb *c)
{
	if (c->remotes[c->cur].ssl)
		sb_tls_start(c);
	else
		sb_send_handshake(c);
}

/* Connects to the current remote, as far as it goes without blocking. */
void sb_start_connect(struct gnv_ovn_sb *c)
{
	const struct sb_remote *r = &c->remotes[c->cur];
	int fd, one = 1;

	sb_reset_conn(c);
	fd = socket(r->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		sb_conn_fail(c, "%s: socket: %s", r->text, strerror(errno));
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
		sb_set_state(c, ST_CONNECTING);
		return;
	}
	sb_conn_fail(c, "cannot connect to %s: %s", r->text, strerror(errno));
}

/*
 * Moves a connect in progress on when it ended; a reconnect's gives up
 * after CONNECT_TIMEOUT_MS (gnv_ovn_sb_open has its own timeout).
 */
void sb_check_connect(struct gnv_ovn_sb *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLOUT };
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (poll(&pfd, 1, 0) <= 0) {
		if (!c->opening &&
		    gnv_mono_ms() - c->state_since > CONNECT_TIMEOUT_MS)
			sb_conn_fail(c, "cannot connect to %s: timed out",
				     remote(c));
		return;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		soerr = errno;
	if (soerr) {
		sb_conn_fail(c, "cannot connect to %s: %s", remote(c),
			     strerror(soerr));
		return;
	}
	on_connected(c);
}
