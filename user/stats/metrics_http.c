// SPDX-License-Identifier: MIT
/*
 * The /metrics endpoint: libmicrohttpd with one internal thread (epoll),
 * on a socket bound here, so that bind's errors reach the caller before
 * anything is attached. Each publish renders a new body and swaps it in;
 * a request takes a reference to the current one, so a scrape in
 * progress is never torn and never copied.
 *
 * Rendering is for scrapes: one that finds the body older than
 * FRESH_MS asks for a new one (gnv_metrics_wanted) and waits for the
 * trace loop, which owns the counters and the names, to publish it (at
 * most WAIT_MS; then it serves what there is). An exporter nobody scrapes
 * renders nothing: with 16k port keys a render is ~0.2 s of a CPU.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/dynlib.h"
#include "lib/log.h"
#include "metrics.h"

/* libmicrohttpd, loaded for an exporter only (lib/dynlib.h). */
#define MHD_FNS(X)							\
	X(MHD_start_daemon) X(MHD_stop_daemon)				\
	X(MHD_create_response_from_buffer)				\
	X(MHD_create_response_from_buffer_with_free_callback_cls)	\
	X(MHD_add_response_header) X(MHD_queue_response)		\
	X(MHD_destroy_response)
static struct { MHD_FNS(GNV_DYNLIB_PTR) } mhd;
static const char *const mhd_names[] = { MHD_FNS(GNV_DYNLIB_NAME) NULL };
static struct gnv_dynlib mhd_lib = {
	.soname = "libmicrohttpd.so.12", .package = "libmicrohttpd12",
	.names = mhd_names, .fns = (void **)&mhd,
};
#define MHD_start_daemon (*mhd.MHD_start_daemon)
#define MHD_stop_daemon (*mhd.MHD_stop_daemon)
#define MHD_create_response_from_buffer (*mhd.MHD_create_response_from_buffer)
#define MHD_create_response_from_buffer_with_free_callback_cls \
	(*mhd.MHD_create_response_from_buffer_with_free_callback_cls)
#define MHD_add_response_header (*mhd.MHD_add_response_header)
#define MHD_queue_response (*mhd.MHD_queue_response)
#define MHD_destroy_response (*mhd.MHD_destroy_response)

struct body {
	int refs;		/* the server's, plus one per response */
	size_t len;
	char *data;
};

#define FRESH_MS	1000	/* a body this young serves every scrape */
#define WAIT_MS		5000	/* Prometheus' scrape timeout is 10 s */

struct gnv_metrics_server {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;
	pthread_cond_t published;
	/* Under lock: */
	struct body *body;
	__u64 body_ms;		/* when it was rendered */
	__u64 generation;	/* publishes so far */
	bool stopping;
	/* Set under lock by a scrape, read by the trace loop. */
	int wanted;
	int port;
};

/*
 * The body to serve, with a reference: the current one when fresh, else
 * the next one published, once the trace loop has seen it is wanted.
 */
static struct body *current_body(struct gnv_metrics_server *s)
{
	struct timespec deadline;
	__u64 gen, wait_until;
	struct body *b;

	pthread_mutex_lock(&s->lock);
	if (gnv_mono_ms() - s->body_ms >= FRESH_MS) {
		gen = s->generation;
		wait_until = gnv_mono_ms() + WAIT_MS;
		deadline.tv_sec = wait_until / 1000;
		deadline.tv_nsec = wait_until % 1000 * 1000000;
		__atomic_store_n(&s->wanted, 1, __ATOMIC_RELEASE);
		while (s->generation == gen && !s->stopping &&
		       pthread_cond_timedwait(&s->published, &s->lock,
					      &deadline) != ETIMEDOUT)
			;
	}
	b = s->body;
	__atomic_add_fetch(&b->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&s->lock);
	return b;
}

static void body_put(void *cls)
{
	struct body *b = cls;

	if (b && !__atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL)) {
		free(b->data);
		free(b);
	}
}

/* A rendered body with one reference, or NULL when out of memory. */
static struct body *body_new(const struct gnv_metrics_src *src)
{
	struct body *b = calloc(1, sizeof(*b));
	struct outbuf ob;
	FILE *f;
	int ok;

	if (!b)
		return NULL;
	f = open_memstream(&b->data, &b->len);
	if (!f) {
		free(b);
		return NULL;
	}
	ob_init(&ob, f);
	ok = ob.cap != 0;
	if (ok)
		gnv_metrics_render(&ob, src);
	ob_free(&ob);
	if (fclose(f) || !ok) {
		free(b->data);
		free(b);
		return NULL;
	}
	b->refs = 1;
	return b;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn,
				  unsigned int status, const char *text,
				  const char *allow)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct gnv_metrics_server *s = cls;
	struct MHD_Response *r;
	enum MHD_Result ret;
	struct body *b;

	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "method not allowed: GET /metrics\n",
				  "GET, HEAD");
	if (strcmp(url, "/metrics"))
		return reply_text(conn, MHD_HTTP_NOT_FOUND,
				  "not found: gnvtrace serves /metrics\n",
				  NULL);

	b = current_body(s);
	r = MHD_create_response_from_buffer_with_free_callback_cls(
		b->len, b->data, body_put, b);
	if (!r) {
		body_put(b);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				GNV_METRICS_CONTENT_TYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int gnv_metrics_parse(const char *spec, struct sockaddr_storage *ss,
		      socklen_t *len, char *err, size_t errlen)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	const char *port_s, *colon;
	char addr[INET6_ADDRSTRLEN + 1];
	size_t addr_len;
	unsigned long port;
	int v6 = 0;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':')
			goto syntax;
		v6 = 1;
		addr_len = close - spec - 1;
		memcpy(addr, spec + 1, addr_len < sizeof(addr) ? addr_len : 0);
		port_s = close + 2;
	} else if ((colon = strrchr(spec, ':'))) {
		addr_len = colon - spec;
		if (memchr(spec, ':', addr_len))
			goto syntax;	/* IPv6 without brackets */
		memcpy(addr, spec, addr_len < sizeof(addr) ? addr_len : 0);
		port_s = colon + 1;
	} else if (all_digits(spec)) {
		strcpy(addr, GNV_METRICS_DEFAULT_ADDR);
		addr_len = strlen(addr);
		port_s = spec;
	} else {
		goto syntax;
	}
	if (!addr_len || !*port_s)
		goto syntax;
	if (addr_len >= sizeof(addr))
		return gnv_errf(err, errlen, "--metrics: '%.*s' is not an %s address",
			    (int)addr_len, spec + v6, v6 ? "IPv6" : "IPv4");
	addr[addr_len] = 0;

	port = all_digits(port_s) && strlen(port_s) <= 5 ?
		strtoul(port_s, NULL, 10) : 0;
	if (!port || port > 65535)
		return gnv_errf(err, errlen,
			    "--metrics: the port needs a number from 1 to 65535, not '%s'",
			    port_s);

	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			return gnv_errf(err, errlen,
				    "--metrics: '%s' is not an IPv6 address", addr);
		*len = sizeof(*sin6);
		return 0;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (!strcmp(addr, "localhost"))
		strcpy(addr, "127.0.0.1");
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
		return gnv_errf(err, errlen,
			    "--metrics: '%s' is not an IPv4 address (IPv6: [ADDR6]:PORT)",
			    addr);
	*len = sizeof(*sin);
	return 0;
syntax:
	return gnv_errf(err, errlen,
		    "--metrics: '%s' is not PORT, ADDR:PORT or [ADDR6]:PORT", spec);
}

/* "127.0.0.1:9677" or "[::1]:9677" */
static void addr_text(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(s4->sin_port));
	}
}

static const char *bind_error(int err)
{
	switch (err) {
	case EADDRINUSE:
		return "address already in use";
	case EADDRNOTAVAIL:
		return "no such address on this host";
	case EACCES:
	case EPERM:
		return "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)";
	}
	return strerror(err);
}

struct gnv_metrics_server *gnv_metrics_listen(const struct sockaddr *sa,
					      socklen_t len, char *err,
					      size_t errlen)
{
	static const struct gnv_counts zero;
	struct gnv_metrics_server *s;
	struct sockaddr_storage bound;
	socklen_t bound_len = sizeof(bound);
	sigset_t all, old;
	pthread_condattr_t ca;
	char what[INET6_ADDRSTRLEN + 10];
	int fd, one = 1;

	if (gnv_dynlib_load(&mhd_lib, "--metrics", err, errlen))
		return NULL;

	addr_text(sa, what, sizeof(what));
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "--metrics %s: %s", what, strerror(errno));
		return NULL;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, sa, len) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&bound, &bound_len)) {
		snprintf(err, errlen, "--metrics %s: %s", what, bind_error(errno));
		close(fd);
		return NULL;
	}

	s = calloc(1, sizeof(*s));
	if (!s || !(s->body = body_new(&(struct gnv_metrics_src){
					.counts = &zero }))) {
		snprintf(err, errlen, "--metrics %s: out of memory", what);
		free(s);
		close(fd);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->published, &ca);
	pthread_condattr_destroy(&ca);
	s->body_ms = gnv_mono_ms();
	s->port = ntohs(bound.ss_family == AF_INET6 ?
			((struct sockaddr_in6 *)&bound)->sin6_port :
			((struct sockaddr_in *)&bound)->sin_port);

	/* The server's thread takes no signals: they are the trace loop's. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
				(sa->sa_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				0, NULL, NULL, answer, s,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
				MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->d) {
		snprintf(err, errlen, "--metrics %s: cannot start the HTTP server",
			 what);
		close(fd);
		body_put(s->body);
		pthread_cond_destroy(&s->published);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return NULL;
	}
	return s;
}

struct gnv_metrics_server *gnv_metrics_start(const char *spec, char *err,
					     size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (gnv_metrics_parse(spec, &ss, &len, err, errlen))
		return NULL;
	return gnv_metrics_listen((struct sockaddr *)&ss, len, err, errlen);
}

int gnv_metrics_port(const struct gnv_metrics_server *s)
{
	return s->port;
}

void gnv_metrics_publish(struct gnv_metrics_server *s,
			 const struct gnv_metrics_src *src)
{
	struct body *b = body_new(src), *old;

	__atomic_store_n(&s->wanted, 0, __ATOMIC_RELEASE);
	pthread_mutex_lock(&s->lock);
	old = s->body;
	if (b) {
		s->body = b;
		s->body_ms = gnv_mono_ms();
	} else {
		old = NULL;	/* out of memory: the last body stays */
	}
	s->generation++;
	pthread_cond_broadcast(&s->published);
	pthread_mutex_unlock(&s->lock);
	body_put(old);
}

int gnv_metrics_wanted(struct gnv_metrics_server *s)
{
	return __atomic_load_n(&s->wanted, __ATOMIC_ACQUIRE);
}

void gnv_metrics_stop(struct gnv_metrics_server *s)
{
	if (!s)
		return;
	/* A scrape waiting for a body gets the last one now. */
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->published);
	pthread_mutex_unlock(&s->lock);
	/* Closes the listening socket too. */
	MHD_stop_daemon(s->d);
	body_put(s->body);
	pthread_cond_destroy(&s->published);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
