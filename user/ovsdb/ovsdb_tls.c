// SPDX-License-Identifier: MIT
/*
 * TLS for the Southbound client's ssl: remotes, with OpenSSL: a client
 * context from the --ovn-ssl-* files (made again when they change) and a
 * session on each connection. Its handshake comes between CONNECTING and
 * HANDSHAKE (ovsdb_sb.c), driven by the same polls: SSL_connect() is
 * called again whenever the socket may have moved it on. Afterwards
 * every byte in and out goes through SSL_read() and SSL_write()
 * (sb_tls_io, for ovsdb_rpc.c), over a socket BIO of our own that sends
 * with MSG_NOSIGNAL: a server gone away must not raise a SIGPIPE, which
 * ends the tracer's run.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lib/dynlib.h"
#include "lib/log.h"
#include "ovsdb_conn.h"

/*
 * OpenSSL, loaded for an ssl: remote only (lib/dynlib.h): every function
 * of it that the code below calls (`nm -u` of this file's object), the
 * header macros' expansions too (SSL_CTX_set_mode() is SSL_CTX_ctrl()),
 * libcrypto's among them, found through libssl's handle. Each name then
 * stands for the table's pointer, so the calls read as OpenSSL's.
 */
#define SSL_FNS(X)							\
	X(BIO_clear_flags) X(BIO_free) X(BIO_get_data)	\
	X(BIO_get_new_index) X(BIO_meth_free) X(BIO_meth_new)	\
	X(BIO_meth_set_ctrl) X(BIO_meth_set_read) X(BIO_meth_set_write)	\
	X(BIO_new) X(BIO_set_data) X(BIO_set_flags) X(BIO_set_init)	\
	X(ERR_clear_error) X(ERR_get_error) X(ERR_peek_error)	\
	X(ERR_reason_error_string) X(SSL_CTX_check_private_key)	\
	X(SSL_CTX_ctrl) X(SSL_CTX_free)	\
	X(SSL_CTX_load_verify_locations) X(SSL_CTX_new)	\
	X(SSL_CTX_set_default_passwd_cb)	\
	X(SSL_CTX_set_default_passwd_cb_userdata)	\
	X(SSL_CTX_set_options) X(SSL_CTX_set_verify)	\
	X(SSL_CTX_use_PrivateKey_file)	\
	X(SSL_CTX_use_certificate_chain_file) X(SSL_connect)	\
	X(SSL_free) X(SSL_get_error) X(SSL_get_verify_result)	\
	X(SSL_new) X(SSL_pending) X(SSL_read) X(SSL_set_bio)	\
	X(SSL_set_connect_state) X(SSL_shutdown) X(SSL_write)	\
	X(TLS_client_method) X(X509_verify_cert_error_string)
static struct { SSL_FNS(GNV_DYNLIB_PTR) } ssl_fns;
static const char *const ssl_names[] = { SSL_FNS(GNV_DYNLIB_NAME) NULL };
static struct gnv_dynlib ssl_lib = {
	.soname = "libssl.so.3", .package = "libssl3",
	.names = ssl_names, .fns = (void **)&ssl_fns,
};
#define BIO_clear_flags (*ssl_fns.BIO_clear_flags)
#define BIO_free (*ssl_fns.BIO_free)
#define BIO_get_data (*ssl_fns.BIO_get_data)
#define BIO_get_new_index (*ssl_fns.BIO_get_new_index)
#define BIO_meth_free (*ssl_fns.BIO_meth_free)
#define BIO_meth_new (*ssl_fns.BIO_meth_new)
#define BIO_meth_set_ctrl (*ssl_fns.BIO_meth_set_ctrl)
#define BIO_meth_set_read (*ssl_fns.BIO_meth_set_read)
#define BIO_meth_set_write (*ssl_fns.BIO_meth_set_write)
#define BIO_new (*ssl_fns.BIO_new)
#define BIO_set_data (*ssl_fns.BIO_set_data)
#define BIO_set_flags (*ssl_fns.BIO_set_flags)
#define BIO_set_init (*ssl_fns.BIO_set_init)
#define ERR_clear_error (*ssl_fns.ERR_clear_error)
#define ERR_get_error (*ssl_fns.ERR_get_error)
#define ERR_peek_error (*ssl_fns.ERR_peek_error)
#define ERR_reason_error_string (*ssl_fns.ERR_reason_error_string)
#define SSL_CTX_check_private_key (*ssl_fns.SSL_CTX_check_private_key)
#define SSL_CTX_ctrl (*ssl_fns.SSL_CTX_ctrl)
#define SSL_CTX_free (*ssl_fns.SSL_CTX_free)
#define SSL_CTX_load_verify_locations (*ssl_fns.SSL_CTX_load_verify_locations)
#define SSL_CTX_new (*ssl_fns.SSL_CTX_new)
#define SSL_CTX_set_default_passwd_cb (*ssl_fns.SSL_CTX_set_default_passwd_cb)
#define SSL_CTX_set_default_passwd_cb_userdata (*ssl_fns.SSL_CTX_set_default_passwd_cb_userdata)
#define SSL_CTX_set_options (*ssl_fns.SSL_CTX_set_options)
#define SSL_CTX_set_verify (*ssl_fns.SSL_CTX_set_verify)
#define SSL_CTX_use_PrivateKey_file (*ssl_fns.SSL_CTX_use_PrivateKey_file)
#define SSL_CTX_use_certificate_chain_file (*ssl_fns.SSL_CTX_use_certificate_chain_file)
#define SSL_connect (*ssl_fns.SSL_connect)
#define SSL_free (*ssl_fns.SSL_free)
#define SSL_get_error (*ssl_fns.SSL_get_error)
#define SSL_get_verify_result (*ssl_fns.SSL_get_verify_result)
#define SSL_new (*ssl_fns.SSL_new)
#define SSL_pending (*ssl_fns.SSL_pending)
#define SSL_read (*ssl_fns.SSL_read)
#define SSL_set_bio (*ssl_fns.SSL_set_bio)
#define SSL_set_connect_state (*ssl_fns.SSL_set_connect_state)
#define SSL_shutdown (*ssl_fns.SSL_shutdown)
#define SSL_write (*ssl_fns.SSL_write)
#define TLS_client_method (*ssl_fns.TLS_client_method)
#define X509_verify_cert_error_string (*ssl_fns.X509_verify_cert_error_string)

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
			gnv_errf(err, errlen, "%s %s: %s", ssl_flag[i],
				       path[i], strerror(errno));
			return NULL;
		}
		fclose(f);
	}
	ERR_clear_error();
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		gnv_errf(err, errlen, "SSL_CTX_new: %s", ssl_reason());
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/*
	 * A server killed without close_notify reads as an EOF, as over tcp;
	 * a renegotiation is refused (ovsdb-server asks for none).
	 */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF |
			    SSL_OP_NO_RENEGOTIATION);
	/* What sb_flush_out needs: it resends a grown, moved buffer. */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* Never a prompt on the terminal for a passphrase. */
	SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
	SSL_CTX_set_default_passwd_cb_userdata(ctx, &asked);

	if (SSL_CTX_use_certificate_chain_file(ctx, path[1]) != 1) {
		gnv_errf(err, errlen, "%s %s: not a PEM certificate (%s)",
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
			gnv_errf(err, errlen, "%s %s does not match %s "
				       "%s", ssl_flag[0], path[0], ssl_flag[1],
				       path[1]);
		else if (asked)
			gnv_errf(err, errlen, "%s %s: the key is "
				       "encrypted (keys with a passphrase are "
				       "not supported)", ssl_flag[0], path[0]);
		else
			gnv_errf(err, errlen, "%s %s: not a PEM private "
				       "key", ssl_flag[0], path[0]);
		goto fail;
	}
	/* A key of another type than the certificate's passes the above. */
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		gnv_errf(err, errlen, "%s %s does not match %s %s",
			       ssl_flag[0], path[0], ssl_flag[1], path[1]);
		goto fail;
	}
	if (SSL_CTX_load_verify_locations(ctx, path[2], NULL) != 1) {
		gnv_errf(err, errlen, "%s %s: no PEM CA certificate in it "
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

/* The TLS credentials, when a remote needs them. 0, or -1 with err. */
int sb_tls_setup(struct gnv_ovn_sb *c, const struct gnv_ovn_ssl *ssl,
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
	if (gnv_dynlib_load(&ssl_lib, "an ssl: remote", err, errlen))
		return -1;
	for (int i = 0; i < 3; i++)
		if (!path[i] || !*path[i])
			snprintf(missing + strlen(missing),
				 sizeof(missing) - strlen(missing), "%s%s",
				 *missing ? ", " : "", ssl_flag[i]);
	if (*missing) {
		gnv_errf(err, errlen, "%s: an ssl: remote needs "
			       "--ovn-ssl-key, --ovn-ssl-cert and --ovn-ssl-ca "
			       "(missing: %s)", first, missing);
		return -1;
	}
	for (int i = 0; i < 3; i++) {
		c->ssl_path[i] = strdup(path[i]);
		if (!c->ssl_path[i]) {
			gnv_errf(err, errlen, "out of memory");
			return -1;
		}
	}
	return ssl_refresh(c, err, errlen);
}

/*
 * After an SSL_* call on c->ssl returned ret <= 0: 0 when it only waits
 * for the socket (noting it when it is for POLLOUT), else -1 after
 * sb_conn_fail with why in one line.
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
			sb_conn_fail(c, "%s%s%s", pre, sep, strerror(saved));
		else if (in_tls)
			sb_conn_fail(c, "%s: the server closed the "
				     "connection in the TLS handshake (is it "
				     "a pssl: remote?)", remote(c));
		else
			sb_conn_fail(c, "the server closed the connection");
		return -1;
	}
	q = ERR_peek_error();
	reason = ERR_GET_LIB(q) == ERR_LIB_SSL ? ERR_GET_REASON(q) : 0;
	v = SSL_get_verify_result(c->ssl);
	if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && v != X509_V_OK) {
		ERR_clear_error();
		sb_conn_fail(c, "%s%scertificate verify failed (%s)", pre, sep,
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

		sb_conn_fail(c, "%s%sthe server refused the TLS "
			     "connection: %s%s", pre, sep, ssl_reason(),
			     ours ? " (does its --ca-cert trust "
			     "--ovn-ssl-cert?)" : "");
	} else if (in_tls && (reason == SSL_R_WRONG_VERSION_NUMBER ||
			      reason == SSL_R_PACKET_LENGTH_TOO_LONG)) {
		sb_conn_fail(c, "%s: TLS handshake failed: %s (is it a pssl: "
			     "remote?)", remote(c), ssl_reason());
	} else {
		sb_conn_fail(c, "%s%sTLS%s: %s", pre, sep,
			     in_tls ? " handshake failed" : "", ssl_reason());
	}
	return -1;
}

/* The socket is connected to an ssl: remote: TLS, before the JSON-RPC. */
void sb_tls_start(struct gnv_ovn_sb *c)
{
	char why[256];
	BIO *bio;

	if (ssl_refresh(c, why, sizeof(why))) {
		sb_conn_fail(c, "%s", why);
		return;
	}
	c->ssl = SSL_new(c->ctx);
	bio = sock_bio_new(c->fd);
	if (!c->ssl || !bio) {
		BIO_free(bio);
		sb_conn_fail(c, "out of memory");
		return;
	}
	SSL_set_bio(c->ssl, bio, bio);
	SSL_set_connect_state(c->ssl);
	sb_set_state(c, ST_TLS);
	sb_tls_step(c);
}

/* One step of the TLS handshake, when the socket may have moved it on. */
void sb_tls_step(struct gnv_ovn_sb *c)
{
	int ret;

	ERR_clear_error();
	errno = 0;
	ret = SSL_connect(c->ssl);
	if (ret == 1) {
		sb_send_handshake(c);
		return;
	}
	if (ssl_io_failed(c, ret))
		return;
	if (!c->opening && gnv_mono_ms() - c->state_since > TLS_TIMEOUT_MS)
		sb_conn_fail(c, "%s: no TLS handshake in %d s", remote(c),
			     TLS_TIMEOUT_MS / 1000);
}

/*
 * SSL_write()s from buf when out, else SSL_read()s into it, at most len
 * bytes: how many it moved, 0 when OpenSSL waits for the socket, or -1
 * after sb_conn_fail.
 */
int sb_tls_io(struct gnv_ovn_sb *c, char *buf, size_t len, bool out)
{
	int n = len > INT_MAX ? INT_MAX : (int)len;

	ERR_clear_error();
	errno = 0;
	n = out ? SSL_write(c->ssl, buf, n) : SSL_read(c->ssl, buf, n);
	return n > 0 ? n : ssl_io_failed(c, n);
}

/* Whether OpenSSL has read input from the socket not yet given to us. */
bool sb_tls_pending(const struct gnv_ovn_sb *c)
{
	return c->ssl && SSL_pending(c->ssl) > 0;
}

/*
 * Ends the connection's TLS session, if any, with a close_notify when
 * notify (if the socket takes it now): none after a failure.
 */
void sb_tls_drop(struct gnv_ovn_sb *c, bool notify)
{
	if (ssl_lib.state <= 0)	/* no ssl: remote: OpenSSL never loaded */
		return;
	if (c->ssl && notify) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);
	}
	SSL_free(c->ssl);
	c->ssl = NULL;
	c->ssl_want_write = false;
	ERR_clear_error();
}

/* Frees what sb_tls_setup made. */
void sb_tls_free(struct gnv_ovn_sb *c)
{
	if (ssl_lib.state > 0)
		SSL_CTX_free(c->ctx);
	for (int i = 0; i < 3; i++)
		free(c->ssl_path[i]);
}
