// SPDX-License-Identifier: MIT
/*
 * OVN names, live and offline, against a real ovsdb-server running the
 * real OVN Southbound schema (and one running OVS's conf.db schema, to be
 * refused). The test starts its servers itself, as its children, with
 * PR_SET_PDEATHSIG, and stops them on every exit path: normal, a failed
 * check, a signal, or even its own SIGKILL.
 *
 *   BUILD/tests/ovn/test_names
 *
 * Needs openvswitch-switch (ovsdb-server, ovsdb-tool), openvswitch-common
 * (ovsdb-client, ovs-pki) and ovn-central/ovn-common (ovn-sbctl, the
 * schema).
 *
 * ssl: remotes use a PKI made by ovs-pki in the temporary directory, laid
 * out as in an OVS deployment: the server's certificate is signed by
 * controllerca and it trusts switchca; the client's is signed by switchca
 * and it trusts controllerca.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ovn/ovn_names.h"
#include "ovsdb/ovsdb_sb.h"
#include "test_util.h"

#define SB_SCHEMA	"/usr/share/ovn/ovn-sb.ovsschema"
#define IC_SB_SCHEMA	"/usr/share/ovn/ovn-ic-sb.ovsschema"
#define VS_SCHEMA	"/usr/share/openvswitch/vswitch.ovsschema"

/* Keys with high bits set, so that a byte-order slip shows. */
#define DP_PRIV		0xabcde		/* > 16 bits */
#define DP_LS2		2
#define DP_LS2_NEW	0x10000
#define DP_DUP1		0xfffffe
#define DP_DUP2		5
#define PK_HIGH		0x7ffe
#define MC_FLOOD	0x8001
#define MC_TOP		0xffff

static char dir[64];
static char sb_db[128], sb_sock[128], sb_ctl[128], sb_log[128];
static char sb_tcp[64], sb_tcp6[64], sb_ssl[64], sb_ssl6[64];
static int sb_port, sb_port6, sb_sport, sb_sport6;
static pid_t sb_pid, vs_pid;

/* The PKI: NAME-privkey.pem and NAME-cert.pem under pki_dir. */
static char pki_dir[96], ca_ctl[160], ca_sw[160];
static char key_sb[160], cert_sb[160];	/* the server's, controllerca */
static char key_cl[160], cert_cl[160];	/* ours, switchca */
static char key_bc[160], cert_bc[160];	/* ours, but controllerca */
static char key_ss[160], cert_ss[160];	/* self-signed */
static struct gnv_ovn_ssl cl_ssl = { key_cl, cert_cl, ca_ctl };

/* A server's TLS side: pssl: on port (IPv4) and port6 (IPv6), or none. */
struct srv_ssl {
	const char *key, *cert, *ca;
	int port, port6;
	const char *protocols;	/* --ssl-protocols, or NULL */
};

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- Children: servers and tools ---- */

static void stop(pid_t *pid, int sig)
{
	if (*pid <= 0)
		return;
	kill(*pid, sig);
	waitpid(*pid, NULL, 0);
	*pid = 0;
}

static void remove_dir(void)
{
	pid_t pid;

	if (!dir[0])
		return;
	pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	dir[0] = 0;
}

static void cleanup(void)
{
	stop(&sb_pid, SIGTERM);
	stop(&vs_pid, SIGTERM);
	remove_dir();
}

/* Async-signal-safe enough: kill, waitpid, fork, exec, _exit. */
static void on_signal(int sig)
{
	stop(&sb_pid, SIGKILL);
	stop(&vs_pid, SIGKILL);
	remove_dir();
	_exit(128 + sig);
}

static int free_port(int family)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) :
		sizeof(struct sockaddr_in6);
	int fd = socket(family, SOCK_STREAM, 0), port = 0;

	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&ss, len) &&
	    !getsockname(fd, (struct sockaddr *)&ss, &len))
		port = ntohs(family == AF_INET ?
			     ((struct sockaddr_in *)&ss)->sin_port :
			     ((struct sockaddr_in6 *)&ss)->sin6_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Runs argv with stdout to out (or /dev/null); its exit status or -1. */
static int run(char *const argv[], const char *out)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		FILE *f = freopen(out ? out : "/dev/null", "w", stdout);

		if (!f || !freopen(out ? "/dev/null" : "/dev/null", "w",
				   stderr))
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (!f)
		return strdup("");
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n);
	fclose(f);
	buf[len] = 0;
	return buf;
}

static int can_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), ok;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ok = fd >= 0 && !connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * ovsdb-server on db, in the foreground as our child, killed by the
 * kernel if we die. Returns its pid once sock accepts, else 0.
 */
static int can_connect_tcp(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	ok = fd >= 0 && !connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	if (fd >= 0)
		close(fd);
	return ok;
}

static pid_t start_server(const char *db, const char *sock, const char *ctl,
			  const char *log, int port, int port6,
			  const struct srv_ssl *ssl)
{
	char r1[160], r2[64], r3[64], r4[64], r5[64], u[160], l[160];
	char k[200], c[200], a[200], p[64];
	char *argv[20];
	int i = 0;
	pid_t pid;
	__u64 deadline = now_ms() + 10000;

	snprintf(r1, sizeof(r1), "--remote=punix:%s", sock);
	snprintf(u, sizeof(u), "--unixctl=%s", ctl);
	snprintf(l, sizeof(l), "--log-file=%s", log);
	argv[i++] = "ovsdb-server";
	argv[i++] = (char *)db;
	argv[i++] = r1;
	if (port) {
		snprintf(r2, sizeof(r2), "--remote=ptcp:%d:127.0.0.1", port);
		argv[i++] = r2;
	}
	if (port6) {
		snprintf(r3, sizeof(r3), "--remote=ptcp:%d:[::1]", port6);
		argv[i++] = r3;
	}
	if (ssl) {
		snprintf(k, sizeof(k), "--private-key=%s", ssl->key);
		snprintf(c, sizeof(c), "--certificate=%s", ssl->cert);
		snprintf(a, sizeof(a), "--ca-cert=%s", ssl->ca);
		argv[i++] = k;
		argv[i++] = c;
		argv[i++] = a;
		snprintf(r4, sizeof(r4), "--remote=pssl:%d:127.0.0.1",
			 ssl->port);
		argv[i++] = r4;
		if (ssl->protocols) {
			snprintf(p, sizeof(p), "--ssl-protocols=%s",
				 ssl->protocols);
			argv[i++] = p;
		}
		if (ssl->port6) {
			snprintf(r5, sizeof(r5), "--remote=pssl:%d:[::1]",
				 ssl->port6);
			argv[i++] = r5;
		}
	}
	argv[i++] = u;
	argv[i++] = l;
	argv[i++] = "--no-chdir";
	argv[i++] = "-vconsole:off";
	argv[i] = NULL;
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (!freopen("/dev/null", "w", stdout) ||
		    !freopen("/dev/null", "w", stderr))
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (now_ms() < deadline) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return 0;
		/* Its unix socket first, its pssl: one may be later. */
		if (can_connect(sock) && (!ssl || can_connect_tcp(ssl->port)))
			return pid;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}

/*
 * An ovsdb-server of OVS's conf.db (no Southbound DB), DIR/NAME.db with
 * its socket at sock: its pid, or -1 after a failed check.
 */
static pid_t start_conf_db(const char *name, const struct srv_ssl *ssl,
			   char *sock, size_t socklen)
{
	char db[128], ctl[128], log[128];

	snprintf(db, sizeof(db), "%s/%s.db", dir, name);
	snprintf(sock, socklen, "%s/%s.sock", dir, name);
	snprintf(ctl, sizeof(ctl), "%s/%s.ctl", dir, name);
	snprintf(log, sizeof(log), "%s/%s.log", dir, name);
	if (!ASSERT_EQ(run((char *const[]){ "ovsdb-tool", "create", db,
					    VS_SCHEMA, NULL }, NULL), 0,
		       "ovsdb-tool create conf.db"))
		return -1;
	return start_server(db, sock, ctl, log, 0, 0, ssl);
}

static int start_sb(void)
{
	struct srv_ssl ssl = { key_sb, cert_sb, ca_sw, sb_sport, sb_sport6,
			       NULL };

	sb_pid = start_server(sb_db, sb_sock, sb_ctl, sb_log, sb_port,
			      sb_port6, &ssl);
	return sb_pid ? 0 : -1;
}

/* One transaction of ops (a JSON array's elements) on db at sock. */
static int transact_on(const char *sock, const char *db, const char *ops)
{
	char remote[160], out[160], *tx, *res;
	int ret;

	snprintf(remote, sizeof(remote), "unix:%s", sock);
	snprintf(out, sizeof(out), "%s/transact.out", dir);
	if (asprintf(&tx, "[\"%s\", %s]", db, ops) < 0)
		return -1;
	ret = run((char *const[]){ "ovsdb-client", "transact", remote, tx,
				   NULL }, out);
	res = slurp(out);
	if (ret || strstr(res, "\"error\"")) {
		fprintf(stderr, "transact failed (%d): %.300s\n", ret, res);
		ret = -1;
	}
	free(res);
	free(tx);
	return ret;
}

/* On the live SB. */
static int transact(const char *ops)
{
	return transact_on(sb_sock, "OVN_Southbound", ops);
}

/* The same on the DB file, with the server down. */
static int transact_offline(const char *ops)
{
	char out[160], *tx, *res;
	int ret;

	snprintf(out, sizeof(out), "%s/transact.out", dir);
	if (asprintf(&tx, "[\"OVN_Southbound\", %s]", ops) < 0)
		return -1;
	ret = run((char *const[]){ "ovsdb-tool", "transact", sb_db, tx, NULL },
		  out);
	res = slurp(out);
	if (ret || strstr(res, "\"error\"")) {
		fprintf(stderr, "ovsdb-tool transact failed (%d): %.300s\n",
			ret, res);
		ret = -1;
	}
	free(res);
	free(tx);
	return ret;
}

/* ---- Polling clients with a deadline ---- */

#define MAX_CLIENTS 8

struct client {
	const char *via;
	struct gnv_ovn_sb *sb;
	struct gnv_ovn_names *names;
	int changed;		/* poll returned 1 */
};

static struct client clients[MAX_CLIENTS];
static int n_clients;

static void poll_clients(int max_ms)
{
	struct pollfd pfd[MAX_CLIENTS];
	int wait = max_ms;

	for (int i = 0; i < n_clients; i++) {
		int t = gnv_ovn_sb_timeout_ms(clients[i].sb);

		pfd[i].fd = gnv_ovn_sb_fd(clients[i].sb);
		pfd[i].events = POLLIN;
		if (t >= 0 && t < wait)
			wait = t;
	}
	poll(pfd, n_clients, wait);
	for (int i = 0; i < n_clients; i++)
		if (gnv_ovn_sb_poll(clients[i].sb))
			clients[i].changed = 1;
}

static int str_is(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Polls until every client names (dp, port) want (NULL: unknown). */
static int wait_port(__u32 dp, __u32 port, const char *want, int ms)
{
	__u64 deadline = now_ms() + ms;

	for (;;) {
		int ok = 1;

		for (int i = 0; i < n_clients; i++)
			ok &= str_is(gnv_ovn_port_name(clients[i].names, dp,
						       port), want);
		if (ok)
			return 1;
		if (now_ms() >= deadline)
			return 0;
		poll_clients(50);
	}
}

static int wait_dp(__u32 dp, const char *want, int ms)
{
	__u64 deadline = now_ms() + ms;

	for (;;) {
		int ok = 1;

		for (int i = 0; i < n_clients; i++)
			ok &= str_is(gnv_ovn_datapath_name(clients[i].names,
							   dp), want);
		if (ok)
			return 1;
		if (now_ms() >= deadline)
			return 0;
		poll_clients(50);
	}
}

static const char *nz(const char *s)
{
	return s ? s : "(null)";
}

#define ASSERT_NAME(actual, expected, what) ({				\
	const char *a__ = (actual), *e__ = (expected);			\
	int ok__ = test_check(str_is(a__, e__), __FILE__, __LINE__,	\
			      what);					\
	if (!ok__)							\
		fprintf(stderr, "actual '%s', expected '%s'\n", nz(a__),\
			nz(e__));					\
	ok__;								\
})

/* ---- The fixture ---- */

#define INSERT(table, name)						\
	"{\"op\":\"insert\",\"table\":\"" table "\",\"uuid-name\":\""	\
	name "\",\"row\":{"
#define DP(name, key, ids)						\
	INSERT("Datapath_Binding", name) "\"tunnel_key\":" #key		\
	",\"external_ids\":[\"map\",[" ids "]]}},"
#define KV(k, v) "[\"" k "\",\"" v "\"]"
#define DPREF(dp) "\"datapath\":[\"named-uuid\",\"" dp "\"]"
#define PB(key, name, dp)						\
	INSERT("Port_Binding", "p" #key dp) "\"tunnel_key\":" #key	\
	",\"logical_port\":\"" name "\"," DPREF(dp) "}},"
#define MC(key, name, dp)						\
	INSERT("Multicast_Group", "m" #key dp) "\"tunnel_key\":" #key	\
	",\"name\":\"" name "\"," DPREF(dp) "}}"

/* One transaction; the named uuids are the datapaths' and unique. */
static const char *fixture =
	DP("priv", 703710, KV("name", "neutron-1111") "," KV("name2",
	   "private") "," KV("logical-switch",
			     "8d7384bc-940b-4a92-a665-c061115b7570"))
	DP("ls2", 2, KV("name", "ls2"))
	DP("dup1", 16777214, KV("name", "dup"))
	DP("dup2", 5, KV("name", "dup"))
	PB(1, "vm-a", "priv")
	PB(32766, "vm-high", "priv")
	PB(1, "vm-b", "ls2")
	PB(1, "dup2-p", "dup2")
	/* JSON's special characters, and UTF-8 */
	PB(3, "odd \\\"}]{[\\\\ caf\u00e9", "priv")
	INSERT("Port_Binding", "lsp") "\"tunnel_key\":2,\"logical_port\":"
	"\"ls2-lr0\",\"type\":\"patch\"," DPREF("ls2") "}},"
	MC(32769, "_MC_flood", "priv") ","
	MC(32769, "_MC_flood", "ls2") ","
	MC(65535, "_MC_mrouter_flood", "priv");

/* What the fixture must read as, whoever filled names. */
static void check_fixture(const struct gnv_ovn_names *n, const char *via)
{
	__u32 dp = 0, pk = 0;

	test_case("fixture via %s", via);
	ASSERT_NAME(gnv_ovn_datapath_name(n, DP_PRIV), "private",
		    "name2 preferred, key > 16 bits");
	ASSERT_NAME(gnv_ovn_datapath_name(n, DP_LS2), "ls2", "name");
	ASSERT_NAME(gnv_ovn_datapath_name(n, DP_PRIV & 0xffff), NULL,
		    "low 16 bits of a key");
	ASSERT_NAME(gnv_ovn_datapath_name(n, __builtin_bswap32(DP_PRIV)),
		    NULL, "key byte-swapped");
	ASSERT_NAME(gnv_ovn_datapath_name(n, 12345), NULL, "unknown key");
	ASSERT_NAME(gnv_ovn_datapath_name(n, 0), NULL, "key 0");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_PRIV, 1), "vm-a", "port 1 in dp A");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_LS2, 1), "vm-b", "port 1 in dp B");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_DUP2, 1), "dup2-p",
		    "port 1 in dp C");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_LS2, 2), "ls2-lr0", "patch port");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_PRIV, PK_HIGH), "vm-high",
		    "port key 0x7ffe");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_PRIV, __builtin_bswap16(PK_HIGH)),
		    NULL, "port key byte-swapped");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_PRIV, MC_FLOOD), "_MC_flood",
		    "multicast 0x8001");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_LS2, MC_FLOOD), "_MC_flood",
		    "multicast 0x8001, other dp");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_PRIV, MC_TOP),
		    "_MC_mrouter_flood", "multicast 0xffff");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_PRIV, 3),
		    "odd \"}]{[\\ caf\xc3\xa9", "JSON's special characters");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_PRIV, 2), NULL, "unknown port");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_LS2, MC_TOP), NULL,
		    "multicast key of another dp");
	ASSERT_NAME(gnv_ovn_port_name(n, 12345, 1), NULL, "unknown dp");
	ASSERT_NAME(gnv_ovn_port_name(n, DP_PRIV, 0), NULL, "port key 0");

	ASSERT_EQ(gnv_ovn_find_datapath(n, "private", &dp), 0, "find name2");
	ASSERT_EQ(dp, DP_PRIV, "find name2 key");
	dp = 0;
	ASSERT_EQ(gnv_ovn_find_datapath(n, "neutron-1111", &dp), 0,
		  "find hidden name");
	ASSERT_EQ(dp, DP_PRIV, "find hidden name key");
	ASSERT_EQ(gnv_ovn_find_datapath(n, "ls2", &dp), 0, "find name");
	ASSERT_EQ(dp, DP_LS2, "find name key");
	ASSERT_EQ(gnv_ovn_find_datapath(n, "dup", &dp), -EEXIST,
		  "ambiguous datapath name");
	ASSERT_EQ(gnv_ovn_find_datapath(n, "nope", &dp), -ENOENT,
		  "unknown datapath name");
	ASSERT_EQ(gnv_ovn_find_port(n, "vm-b", &dp, &pk), 0, "find port");
	ASSERT_EQ(dp, DP_LS2, "find port dp");
	ASSERT_EQ(pk, 1, "find port key");
	ASSERT_EQ(gnv_ovn_find_port(n, "vm-high", &dp, &pk), 0,
		  "find high port");
	ASSERT_EQ(dp, DP_PRIV, "find high port dp");
	ASSERT_EQ(pk, PK_HIGH, "find high port key");
	ASSERT_EQ(gnv_ovn_find_port(n, "_MC_mrouter_flood", &dp, &pk), 0,
		  "find a multicast group in one dp");
	ASSERT_EQ(pk, MC_TOP, "find multicast key");
	ASSERT_EQ(gnv_ovn_find_port(n, "_MC_flood", &dp, &pk), -EEXIST,
		  "multicast group in two dps");
	ASSERT_EQ(gnv_ovn_find_port(n, "nope", &dp, &pk), -ENOENT,
		  "unknown port");
}

/* ---- Chassis and Encap: tunnel endpoints ---- */

#define ENCAP(id, type, ip, ch)						\
	INSERT("Encap", id) "\"type\":\"" type "\",\"ip\":\"" ip	\
	"\",\"chassis_name\":\"" ch "\"}},"
#define EREF(id) "[\"named-uuid\",\"" id "\"]"
#define CHASSIS(id, name, host, encaps)					\
	INSERT("Chassis", id) "\"name\":\"" name "\",\"hostname\":\""	\
	host "\",\"encaps\":[\"set\",[" encaps "]]}}"

#define CH_A_NAME	"5c6b1f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
#define CH_A_HOST	"compute-1.example.org"

/* Each chassis strongly refers to its encaps, which name it back. */
static const char *chassis_fixture =
	/* hostname set; geneve + vxlan on one IP, vxlan on another */
	ENCAP("ea1", "geneve", "172.17.2.119", CH_A_NAME)
	ENCAP("ea2", "vxlan", "172.17.2.119", CH_A_NAME)
	ENCAP("ea3", "vxlan", "172.17.3.119", CH_A_NAME)
	CHASSIS("cha", CH_A_NAME, CH_A_HOST, EREF("ea1") "," EREF("ea2")
		"," EREF("ea3")) ","
	/* no hostname; IPv6 (not in canonical text) and two geneve IPv4,
	 * of which the lower by bytes is the higher as text */
	ENCAP("eb1", "geneve", "fd00:17:0::2", "ch-b")
	ENCAP("eb2", "geneve", "10.9.9.20", "ch-b")
	ENCAP("eb3", "geneve", "10.9.9.3", "ch-b")
	CHASSIS("chb", "ch-b", "", EREF("eb1") "," EREF("eb2") ","
		EREF("eb3")) ","
	/* two chassis claim one IP (the index is on (type, ip)) and share
	 * a hostname */
	ENCAP("eg1", "geneve", "192.0.2.50", "gw-1")
	CHASSIS("cg1", "gw-1", "gw", EREF("eg1")) ","
	ENCAP("eg2", "vxlan", "192.0.2.50", "gw-2")
	CHASSIS("cg2", "gw-2", "gw", EREF("eg2")) ","
	/* the name of one is the hostname of another */
	ENCAP("en1", "geneve", "192.0.2.7", "node-7")
	CHASSIS("cn1", "node-7", "", EREF("en1")) ","
	ENCAP("en2", "geneve", "192.0.2.8", "abc-7")
	CHASSIS("cn2", "abc-7", "node-7", EREF("en2")) ","
	/* a geneve ip that does not parse, a vxlan one that does */
	ENCAP("ex1", "geneve", "not-an-ip", "bad-ip")
	ENCAP("ex2", "vxlan", "192.0.2.9", "bad-ip")
	CHASSIS("cx", "bad-ip", "badhost", EREF("ex1") "," EREF("ex2")) ","
	/* an encap naming a chassis that does not exist */
	ENCAP("eh1", "geneve", "198.51.100.7", "ghost")
	CHASSIS("ch", "holder", "holder-host", EREF("eh1"));
#define FIXTURE_CHASSIS	8
#define FIXTURE_ENCAPS	13

/* The chassis named for ip (text), as the tracer would ask. */
static const char *ch_of(const struct gnv_ovn_names *n, const char *ip)
{
	__u8 a[16] = { 0 };

	if (inet_pton(AF_INET, ip, a) == 1)
		return gnv_ovn_chassis_of_addr(n, 4, a);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return gnv_ovn_chassis_of_addr(n, 6, a);
	return "(test: bad ip)";
}

/* find_chassis, with the address as text ("" when not found). */
static int find_ch(const struct gnv_ovn_names *n, const char *name,
		   char *ip, int *more)
{
	__u8 a[16];
	int family = 0, ret;

	*more = -1;
	ip[0] = 0;
	memset(a, 0xee, sizeof(a));
	ret = gnv_ovn_find_chassis(n, name, &family, a, more);
	if (!ret && !inet_ntop(family == 4 ? AF_INET : AF_INET6, a, ip,
			       INET6_ADDRSTRLEN))
		strcpy(ip, "(bad family)");
	if (!ret && family == 4 && a[4] | a[15])
		strcpy(ip, "(IPv4 not zero-padded)");
	return ret;
}

static void check_chassis(const struct gnv_ovn_names *n, const char *via)
{
	char ip[INET6_ADDRSTRLEN];
	size_t nc = 0, ne = 0;
	__u8 a[16] = { 0 };
	int more;

	test_case("chassis via %s", via);
	gnv_ovn_names_count_chassis(n, &nc, &ne);
	ASSERT_EQ(nc, FIXTURE_CHASSIS, "chassis count");
	ASSERT_EQ(ne, FIXTURE_ENCAPS, "encap count");
	ASSERT_NAME(ch_of(n, "172.17.2.119"), CH_A_HOST, "hostname shown");
	ASSERT_NAME(ch_of(n, "172.17.3.119"), CH_A_HOST,
		    "its vxlan IP names it too");
	ASSERT_NAME(ch_of(n, "119.2.17.172"), NULL, "IPv4 byte-swapped");
	inet_pton(AF_INET, "172.17.2.119", a);
	ASSERT_NAME(gnv_ovn_chassis_of_addr(n, 6, a), NULL,
		    "IPv4 bytes as IPv6");
	ASSERT_NAME(gnv_ovn_chassis_of_addr(n, 0, a), NULL, "family 0");
	ASSERT_NAME(ch_of(n, "fd00:17::2"), "ch-b",
		    "no hostname: name; IPv6 parsed, not compared as text");
	ASSERT_NAME(ch_of(n, "10.9.9.20"), "ch-b", "second geneve IP");
	ASSERT_NAME(ch_of(n, "10.9.9.3"), "ch-b", "third geneve IP");
	ASSERT_NAME(ch_of(n, "192.0.2.50"), NULL, "two chassis, one IP");
	ASSERT_NAME(ch_of(n, "192.0.2.7"), "node-7", "name");
	ASSERT_NAME(ch_of(n, "192.0.2.8"), "node-7", "hostname");
	ASSERT_NAME(ch_of(n, "192.0.2.9"), "badhost",
		    "a chassis with a bad encap ip");
	ASSERT_NAME(ch_of(n, "198.51.100.7"), NULL,
		    "encap of a chassis that does not exist");
	ASSERT_NAME(ch_of(n, "172.17.2.118"), NULL, "unknown IPv4");
	ASSERT_NAME(ch_of(n, "fd00:17::3"), NULL, "unknown IPv6");
	ASSERT_NAME(ch_of(n, "::"), NULL, "IPv6 zero");

	ASSERT_EQ(find_ch(n, CH_A_HOST, ip, &more), 0, "find by hostname");
	ASSERT_NAME(ip, "172.17.2.119", "its geneve IP, not its vxlan one");
	ASSERT_EQ(more, 0, "one geneve IP");
	ASSERT_EQ(find_ch(n, CH_A_NAME, ip, &more), 0, "find by name");
	ASSERT_NAME(ip, "172.17.2.119", "the same");
	ASSERT_EQ(find_ch(n, "ch-b", ip, &more), 0, "find, several geneve");
	ASSERT_NAME(ip, "10.9.9.3", "the first by IP order");
	ASSERT_EQ(more, 1, "more");
	ASSERT_EQ(find_ch(n, "gw", ip, &more), -EEXIST,
		  "hostname of two chassis");
	ASSERT_EQ(find_ch(n, "gw-1", ip, &more), 0, "one of them by name");
	ASSERT_NAME(ip, "192.0.2.50", "its IP");
	ASSERT_EQ(find_ch(n, "node-7", ip, &more), -EEXIST,
		  "name of one, hostname of another");
	ASSERT_EQ(find_ch(n, "abc-7", ip, &more), 0, "by its name");
	ASSERT_NAME(ip, "192.0.2.8", "its IP");
	ASSERT_EQ(find_ch(n, "badhost", ip, &more), -ENOENT,
		  "no geneve IP that parses");
	ASSERT_EQ(find_ch(n, "holder", ip, &more), -ENOENT,
		  "its encap names another");
	ASSERT_EQ(find_ch(n, "nope", ip, &more), -ENOENT, "unknown");
	ASSERT_EQ(find_ch(n, "", ip, &more), -ENOENT, "empty name");
	ASSERT_EQ(gnv_ovn_find_chassis(n, "ch-b", NULL, NULL, NULL), 0,
		  "NULL outputs");
}

/* Rows applied one by one, in the orders a monitor may send them. */
static void test_chassis_apply(void)
{
	struct gnv_ovn_names *n = gnv_ovn_names_new();
	static const char *cu = "11111111-2222-3333-4444-555555555555";
	static const char *eu = "66666666-7777-8888-9999-aaaaaaaaaaaa";
	static const char *eu2 = "66666666-7777-8888-9999-bbbbbbbbbbbb";
	char err[128] = "", ip[INET6_ADDRSTRLEN];
	json_t *row;
	__u64 gen;
	int more;

	test_case("chassis rows applied");
	ASSERT_NAME(ch_of(NULL, "10.1.1.1"), NULL, "NULL table");
	ASSERT_EQ(find_ch(NULL, "x", ip, &more), -ENOENT, "NULL table find");
	row = json_pack("{s:s, s:s, s:s}", "type", "geneve", "ip", "10.1.1.1",
			"chassis_name", "x");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_ENCAP, eu, row, err,
				      sizeof(err)), 1, "encap first");
	json_decref(row);
	ASSERT_NAME(ch_of(n, "10.1.1.1"), NULL, "its chassis not there yet");
	row = json_pack("{s:s, s:s}", "name", "x", "hostname", "");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_CHASSIS, cu, row, err,
				      sizeof(err)), 1, "then its chassis");
	json_decref(row);
	ASSERT_NAME(ch_of(n, "10.1.1.1"), "x", "named once both are there");
	ASSERT_EQ(find_ch(n, "x", ip, &more), 0, "found");
	ASSERT_NAME(ip, "10.1.1.1", "found's IP");

	row = json_pack("{s:s}", "hostname", "hx");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_CHASSIS, cu, row, err,
				      sizeof(err)), 1, "hostname set alone");
	ASSERT_NAME(ch_of(n, "10.1.1.1"), "hx", "hostname shown");
	gen = gnv_ovn_names_generation(n);
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_CHASSIS, cu, row, err,
				      sizeof(err)), 0, "the same again");
	ASSERT_EQ(gnv_ovn_names_generation(n), gen, "generation kept");
	json_decref(row);
	ASSERT_EQ(find_ch(n, "x", ip, &more), 0, "still found by name");

	row = json_pack("{s:s}", "type", "vxlan");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_ENCAP, eu, row, err,
				      sizeof(err)), 1, "type changed");
	json_decref(row);
	ASSERT_TRUE(gnv_ovn_names_generation(n) > gen, "generation bumped");
	ASSERT_EQ(find_ch(n, "hx", ip, &more), -ENOENT, "no geneve encap");
	ASSERT_NAME(ch_of(n, "10.1.1.1"), "hx", "a vxlan IP still names it");

	/* An encap of no chassis at the same IP: not certain any more. */
	row = json_pack("{s:s, s:s, s:s}", "type", "geneve", "ip", "10.1.1.1",
			"chassis_name", "");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_ENCAP, eu2, row, err,
				      sizeof(err)), 1, "an ownerless encap");
	json_decref(row);
	ASSERT_NAME(ch_of(n, "10.1.1.1"), NULL, "ownerless encap: NULL");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_ENCAP, eu2, NULL, err,
				      sizeof(err)), 1, "deleted");
	ASSERT_NAME(ch_of(n, "10.1.1.1"), "hx", "named again");

	row = json_pack("{s:s}", "ip", "10.1.1.1 ");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_ENCAP, eu, row, err,
				      sizeof(err)), 1, "ip that does not parse");
	json_decref(row);
	ASSERT_NAME(ch_of(n, "10.1.1.1"), NULL, "ignored");
	row = json_pack("{s:i}", "ip", 5);
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_ENCAP, eu, row, err,
				      sizeof(err)), -EINVAL, "ip not a string");
	json_decref(row);
	ASSERT_STRSTR(err, "Encap: bad ip", "err");
	row = json_pack("{s:[s,[s]]}", "ip", "set", "::1");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_ENCAP, eu, row, err,
				      sizeof(err)), 1, "ip as a set of one");
	json_decref(row);
	ASSERT_NAME(ch_of(n, "::1"), "hx", "IPv6 named");

	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_CHASSIS, cu, NULL, err,
				      sizeof(err)), 1, "chassis deleted");
	ASSERT_NAME(ch_of(n, "::1"), NULL, "its encap names nothing");
	ASSERT_EQ(find_ch(n, "x", ip, &more), -ENOENT, "not found");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_CHASSIS, cu, NULL, err,
				      sizeof(err)), 0, "deleted twice");
	gen = gnv_ovn_names_generation(n);
	gnv_ovn_names_clear(n);
	ASSERT_TRUE(gnv_ovn_names_generation(n) > gen,
		    "clear with only an encap bumps");
	gnv_ovn_names_free(n);
}

/* ---- Parts ---- */

static struct client *open_client(const char *via, const char *remote,
				  const struct gnv_ovn_ssl *ssl)
{
	struct client *cl = &clients[n_clients];
	char err[512] = "";

	if (!ASSERT_TRUE(n_clients < MAX_CLIENTS, "room for a client"))
		return NULL;
	cl->via = via;
	cl->names = gnv_ovn_names_new();
	cl->sb = gnv_ovn_sb_open_ssl(remote, cl->names, 5000, ssl, err,
				     sizeof(err));
	if (!ASSERT_OK_PTR(cl->sb, "gnv_ovn_sb_open")) {
		fprintf(stderr, "  %s: %s\n", remote, err);
		gnv_ovn_names_free(cl->names);
		cl->names = NULL;
		return NULL;
	}
	n_clients++;
	return cl;
}

static void close_clients(void)
{
	for (int i = 0; i < n_clients; i++) {
		gnv_ovn_sb_close(clients[i].sb);
		gnv_ovn_names_free(clients[i].names);
	}
	memset(clients, 0, sizeof(clients));
	n_clients = 0;
}

static void test_bad_remotes(void)
{
	static const struct {
		const char *remote, *want;
	} cases[] = {
		{ "tcp:127.0.0.1:1", "Connection refused" },
		{ "unix:/nonexistent", "No such file or directory" },
		{ "bogus:x", "unknown remote type" },
		{ "tcp:1.2.3.4", "no port" },
		{ "tcp:[::1]", "no port" },
		{ "tcp:1.2.3.4:99999", "bad port" },
		{ "tcp:localhost:6642", "not an IP address" },
		{ "tcp:::1:6642", "brackets" },
		{ "ssl:127.0.0.1:6642", "ssl: remote needs --ovn-ssl-key, "
		  "--ovn-ssl-cert and --ovn-ssl-ca" },
		{ "tcp:127.0.0.1:1,ssl:127.0.0.1:6642", "ssl: remote needs" },
		{ "ssl:127.0.0.1", "no port (expected ssl:IP:PORT" },
		{ "ssl:::1:6642", "brackets (ssl:[IPv6]:PORT)" },
		{ "ssl:[::1]:0", "bad port" },
		{ "ssl:ovn-sb.example.org:6642", "not an IP address" },
		{ "pssl:6642", "passive remote" },
		{ "punix:/tmp/x", "passive remote" },
		{ "", "no OVN Southbound DB remote" },
	};
	struct gnv_ovn_names *n = gnv_ovn_names_new();
	char err[512], vs_sock[128];
	char remote[160], hang[100];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct gnv_ovn_sb *c;
	int fd;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_case("bad remote '%s'", cases[i].remote);
		err[0] = 0;
		c = gnv_ovn_sb_open(cases[i].remote, n, 2000, err,
				    sizeof(err));
		ASSERT_TRUE(!c, "NULL");
		gnv_ovn_sb_close(c);
		ASSERT_STRSTR(err, cases[i].want, "err");
		ASSERT_TRUE(!strchr(err, '\n'), "one line");
		printf("ok   %-22s -> %s\n", cases[i].remote, err);
	}

	/* A server that is OVS's conf.db, not a Southbound DB. */
	test_case("conf.db server");
	vs_pid = start_conf_db("vs", NULL, vs_sock, sizeof(vs_sock));
	if (vs_pid >= 0 && ASSERT_TRUE(vs_pid > 0, "conf.db server up")) {
		snprintf(remote, sizeof(remote), "unix:%s", vs_sock);
		err[0] = 0;
		c = gnv_ovn_sb_open(remote, n, 3000, err, sizeof(err));
		ASSERT_TRUE(!c, "NULL");
		gnv_ovn_sb_close(c);
		ASSERT_STRSTR(err, "not an OVN Southbound DB", "err");
		ASSERT_STRSTR(err, "Open_vSwitch", "err names the db");
		printf("ok   conf.db server -> %s\n", err);
		stop(&vs_pid, SIGTERM);
	}

	/* A socket that accepts (in its backlog) and never answers. */
	test_case("silent server");
	snprintf(hang, sizeof(hang), "%s/hang.sock", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", hang);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ASSERT_TRUE(fd >= 0 && !bind(fd, (struct sockaddr *)&sun,
					 sizeof(sun)) && !listen(fd, 4),
			"listening socket")) {
		__u64 t0 = now_ms();

		snprintf(remote, sizeof(remote), "unix:%s", hang);
		err[0] = 0;
		c = gnv_ovn_sb_open(remote, n, 300, err, sizeof(err));
		ASSERT_TRUE(!c, "NULL");
		gnv_ovn_sb_close(c);
		ASSERT_STRSTR(err, "no answer in 300 ms", "err");
		ASSERT_TRUE(now_ms() - t0 < 2000, "gave up in time");
		printf("ok   silent server -> %s\n", err);
	}
	if (fd >= 0)
		close(fd);

	/* A list: the dead first remote is skipped. */
	test_case("remote list");
	snprintf(remote, sizeof(remote), "tcp:127.0.0.1:1,unix:%s", sb_sock);
	c = gnv_ovn_sb_open(remote, n, 3000, err, sizeof(err));
	if (ASSERT_OK_PTR(c, "open a list"))
		ASSERT_NAME(gnv_ovn_datapath_name(n, DP_LS2), "ls2",
			    "names from the second remote");
	else
		fprintf(stderr, "  %s\n", err);
	gnv_ovn_sb_close(c);
	gnv_ovn_names_free(n);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* ---- ssl: ---- */

static int ovs_pki(const char *cmd, const char *name, const char *type)
{
	char d[128], l[128], path[160];

	snprintf(d, sizeof(d), "--dir=%s", pki_dir);
	snprintf(l, sizeof(l), "--log=%s/ovs-pki.log", dir);
	snprintf(path, sizeof(path), "%s/%s", pki_dir, name ? name : "");
	return run((char *const[]){ "ovs-pki", d, l, "-b", "-u", (char *)cmd,
				    name ? path : NULL, (char *)type, NULL },
		   NULL);
}

static void pki_names(const char *name, char *key, char *cert)
{
	snprintf(key, 160, "%s/%s-privkey.pem", pki_dir, name);
	snprintf(cert, 160, "%s/%s-cert.pem", pki_dir, name);
}

/* controllerca signs the server's, switchca the client's, as in OVS. */
static int make_pki(void)
{
	snprintf(pki_dir, sizeof(pki_dir), "%s/pki", dir);
	snprintf(ca_ctl, sizeof(ca_ctl), "%s/controllerca/cacert.pem",
		 pki_dir);
	snprintf(ca_sw, sizeof(ca_sw), "%s/switchca/cacert.pem", pki_dir);
	pki_names("sb", key_sb, cert_sb);
	pki_names("cl", key_cl, cert_cl);
	pki_names("bc", key_bc, cert_bc);
	pki_names("ss", key_ss, cert_ss);
	if (ovs_pki("init", NULL, NULL) ||
	    ovs_pki("req+sign", "sb", "controller") ||
	    ovs_pki("req+sign", "cl", "switch") ||
	    ovs_pki("req+sign", "bc", "controller") ||
	    ovs_pki("req", "ss", NULL) || ovs_pki("self-sign", "ss", NULL))
		return -1;
	return 0;
}

/* Opening remote with ssl fails with want in err, in one line. */
static void open_fails(const char *what, const char *remote,
		       const struct gnv_ovn_ssl *ssl, int ms, const char *want,
		       int exact)
{
	struct gnv_ovn_names *n = gnv_ovn_names_new();
	struct gnv_ovn_sb *c;
	char err[512] = "";

	test_case("ssl: %s", what);
	c = gnv_ovn_sb_open_ssl(remote, n, ms, ssl, err, sizeof(err));
	ASSERT_TRUE(!c, "NULL");
	gnv_ovn_sb_close(c);
	if (exact)
		ASSERT_NAME(err, want, "err");
	else
		ASSERT_STRSTR(err, want, "err");
	ASSERT_TRUE(!strchr(err, '\n'), "one line");
	printf("ok   %s -> %s\n", what, err);
	gnv_ovn_names_free(n);
}

static void test_ssl_errors(void)
{
	char nope[160], text[160], want[512], remote[200];
	char vs_sock[128];
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	struct gnv_ovn_names *n;
	struct gnv_ovn_sb *c;
	char err[512];
	int fd;

	snprintf(nope, sizeof(nope), "%s/nope.pem", dir);
	snprintf(text, sizeof(text), "%s/text.pem", dir);
	write_file(text, "not PEM\n");

	open_fails("no credentials", sb_ssl, NULL, 2000, "remote needs "
		   "--ovn-ssl-key, --ovn-ssl-cert and --ovn-ssl-ca (missing: "
		   "--ovn-ssl-key, --ovn-ssl-cert, --ovn-ssl-ca)", 0);
	open_fails("no CA", sb_ssl, &(struct gnv_ovn_ssl){ key_cl, cert_cl,
			NULL }, 2000, "(missing: --ovn-ssl-ca)", 0);
	open_fails("empty key", sb_ssl, &(struct gnv_ovn_ssl){ "", cert_cl,
			ca_ctl }, 2000, "(missing: --ovn-ssl-key)", 0);

	snprintf(want, sizeof(want), "--ovn-ssl-key %s: No such file or "
		 "directory", nope);
	open_fails("missing key", sb_ssl, &(struct gnv_ovn_ssl){ nope,
			cert_cl, ca_ctl }, 2000, want, 1);
	snprintf(want, sizeof(want), "--ovn-ssl-cert %s: No such file or "
		 "directory", nope);
	open_fails("missing cert", sb_ssl, &(struct gnv_ovn_ssl){ key_cl,
			nope, ca_ctl }, 2000, want, 1);
	snprintf(want, sizeof(want), "--ovn-ssl-ca %s: No such file or "
		 "directory", nope);
	open_fails("missing CA", sb_ssl, &(struct gnv_ovn_ssl){ key_cl,
			cert_cl, nope }, 2000, want, 1);
	snprintf(want, sizeof(want), "--ovn-ssl-key %s: not a PEM private key",
		 text);
	open_fails("text as key", sb_ssl, &(struct gnv_ovn_ssl){ text,
			cert_cl, ca_ctl }, 2000, want, 1);
	snprintf(want, sizeof(want), "--ovn-ssl-key %s: not a PEM private key",
		 cert_cl);
	open_fails("certificate as key", sb_ssl, &(struct gnv_ovn_ssl){
			cert_cl, cert_cl, ca_ctl }, 2000, want, 1);
	snprintf(want, sizeof(want), "--ovn-ssl-cert %s: not a PEM "
		 "certificate", key_cl);
	open_fails("key as certificate", sb_ssl, &(struct gnv_ovn_ssl){
			key_cl, key_cl, ca_ctl }, 2000, want, 0);
	snprintf(want, sizeof(want), "--ovn-ssl-ca %s: no PEM CA certificate",
		 text);
	open_fails("text as CA", sb_ssl, &(struct gnv_ovn_ssl){ key_cl,
			cert_cl, text }, 2000, want, 0);
	snprintf(want, sizeof(want), "--ovn-ssl-key %s does not match "
		 "--ovn-ssl-cert %s", key_bc, cert_cl);
	open_fails("key of another certificate", sb_ssl,
		   &(struct gnv_ovn_ssl){ key_bc, cert_cl, ca_ctl }, 2000,
		   want, 1);

	/* The CA of the clients' certificates, not of the server's. */
	snprintf(want, sizeof(want), "%s: certificate verify failed (unable "
		 "to get local issuer certificate)", sb_ssl);
	open_fails("wrong CA", sb_ssl, &(struct gnv_ovn_ssl){ key_cl,
			cert_cl, ca_sw }, 3000, want, 1);
	/* Ours signed by a CA the server does not trust: it drops us. */
	open_fails("client certificate of an untrusted CA", sb_ssl,
		   &(struct gnv_ovn_ssl){ key_bc, cert_bc, ca_ctl }, 3000,
		   "the server refused the TLS connection", 0);
	/* ovsdb-server reads our ClientHello as JSON. */
	snprintf(remote, sizeof(remote), "ssl:127.0.0.1:%d", sb_port);
	open_fails("a ptcp: port", remote, &cl_ssl, 3000,
		   "is it a pssl: remote?", 0);

	/* A TLS handshake that never ends does not block. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (ASSERT_TRUE(fd >= 0 && !bind(fd, (struct sockaddr *)&sin,
					 sizeof(sin)) && !listen(fd, 4) &&
			!getsockname(fd, (struct sockaddr *)&sin, &len),
			"silent listener")) {
		__u64 t0 = now_ms();

		snprintf(remote, sizeof(remote), "ssl:127.0.0.1:%d",
			 ntohs(sin.sin_port));
		open_fails("silent server", remote, &cl_ssl, 300,
			   "no answer in 300 ms (in the TLS handshake)", 0);
		ASSERT_TRUE(now_ms() - t0 < 2000, "gave up in time");
	}
	if (fd >= 0)
		close(fd);

	/*
	 * A self-signed server, which is OVS's conf.db to boot, and speaks
	 * TLS 1.2 only: there, unlike in TLS 1.3, the server checks our
	 * certificate before our handshake ends.
	 */
	test_case("ssl: self-signed server");
	{
		struct srv_ssl ss = { key_ss, cert_ss, ca_sw,
				      free_port(AF_INET), 0, "TLSv1.2" };

		vs_pid = start_conf_db("vs2", &ss, vs_sock, sizeof(vs_sock));
		if (vs_pid >= 0 &&
		    ASSERT_TRUE(vs_pid > 0, "self-signed server up")) {
			snprintf(remote, sizeof(remote), "ssl:127.0.0.1:%d",
				 ss.port);
			snprintf(want, sizeof(want), "%s: certificate verify "
				 "failed (self-signed certificate)", remote);
			open_fails("self-signed server", remote, &cl_ssl,
				   3000, want, 1);
			open_fails("self-signed server, trusted", remote,
				   &(struct gnv_ovn_ssl){ key_cl, cert_cl,
					   cert_ss }, 3000,
				   "is not an OVN Southbound DB (it serves "
				   "Open_vSwitch)", 0);
			open_fails("TLS 1.2, untrusted client certificate",
				   remote, &(struct gnv_ovn_ssl){ key_bc,
					   cert_bc, cert_ss }, 3000,
				   "the server refused the TLS connection", 0);
			stop(&vs_pid, SIGTERM);
		}
	}

	test_case("ssl: remote list");
	n = gnv_ovn_names_new();
	snprintf(remote, sizeof(remote), "ssl:127.0.0.1:1,%s", sb_ssl);
	err[0] = 0;
	c = gnv_ovn_sb_open_ssl(remote, n, 3000, &cl_ssl, err, sizeof(err));
	if (ASSERT_OK_PTR(c, "open a list"))
		ASSERT_NAME(gnv_ovn_datapath_name(n, DP_LS2), "ls2",
			    "names from the second remote");
	else
		fprintf(stderr, "  %s\n", err);
	gnv_ovn_sb_close(c);

	test_case("ssl: credentials with a tcp: remote");
	c = gnv_ovn_sb_open_ssl(sb_tcp, n, 3000, &(struct gnv_ovn_ssl){
					nope, nope, nope }, err, sizeof(err));
	ASSERT_OK_PTR(c, "ignored");
	gnv_ovn_sb_close(c);
	gnv_ovn_names_free(n);
}

static void test_offline(void)
{
	static const char *const tables[] = {
		"Datapath_Binding", "Port_Binding", "Multicast_Group",
		"Chassis", "Encap",
	};
	static const int order[] = { 2, 4, 3, 0, 1 };
	char path[160], part[160], bare[160], db[160], err[512];
	struct gnv_ovn_names *n = gnv_ovn_names_new();
	__u64 gen;
	FILE *all;

	test_case("offline from ovn-sbctl");
	snprintf(path, sizeof(path), "%s/sb.json", dir);
	snprintf(part, sizeof(part), "%s/part.json", dir);
	snprintf(db, sizeof(db), "--db=unix:%s", sb_sock);
	all = fopen(path, "w");
	if (!ASSERT_OK_PTR(all, "open the names file"))
		return;
	/* Multicast_Group first, Encap before Chassis: any order. */
	for (int i = 0; i < 5; i++) {
		const char *t = tables[order[i]];
		char *text;

		if (!ASSERT_EQ(run((char *const[]){ "ovn-sbctl", db,
						    "--format=json", "list",
						    (char *)t, NULL }, part),
			       0, "ovn-sbctl list"))
			continue;
		text = slurp(part);
		fputs(text, all);
		free(text);
	}
	fclose(all);
	err[0] = 0;
	if (ASSERT_EQ(gnv_ovn_names_load(n, path, err, sizeof(err)), 0,
		      "load")) {
		check_fixture(n, "ovn-sbctl --format=json");
		check_chassis(n, "ovn-sbctl --format=json");
	} else {
		fprintf(stderr, "  %s\n", err);
	}

	test_case("offline without Chassis and Encap");
	snprintf(bare, sizeof(bare), "%s/bare.json", dir);
	all = fopen(bare, "w");
	for (int i = 0; all && i < 3; i++) {
		char *text;

		run((char *const[]){ "ovn-sbctl", db, "--format=json", "list",
				     (char *)tables[i], NULL }, part);
		text = slurp(part);
		fputs(text, all);
		free(text);
	}
	if (all)
		fclose(all);
	{
		struct gnv_ovn_names *m = gnv_ovn_names_new();
		size_t nc = 0, ne = 0;

		/* Over a full file's contents: they are replaced. */
		ASSERT_EQ(gnv_ovn_names_load(m, path, err, sizeof(err)), 0,
			  "load the full file");
		gnv_ovn_names_count_chassis(m, &nc, &ne);
		ASSERT_EQ(nc, FIXTURE_CHASSIS, "chassis from the full file");
		ASSERT_EQ(gnv_ovn_names_load(m, bare, err, sizeof(err)), 0,
			  "load");
		check_fixture(m, "ovn-sbctl without chassis");
		gnv_ovn_names_count_chassis(m, &nc, &ne);
		ASSERT_EQ(nc + ne, 0, "no chassis, no encaps");
		ASSERT_NAME(ch_of(m, "172.17.2.119"), NULL, "no chassis name");
		gnv_ovn_names_free(m);
	}

	test_case("offline: bad files");
	gen = gnv_ovn_names_generation(n);
	write_file(part, "hello\n");
	ASSERT_EQ(gnv_ovn_names_load(n, part, err, sizeof(err)), -1, "text");
	ASSERT_STRSTR(err, "not JSON", "text err");
	ASSERT_STRSTR(err, part, "err names the file");
	printf("ok   text -> %s\n", err);
	write_file(part, "");
	ASSERT_EQ(gnv_ovn_names_load(n, part, err, sizeof(err)), -1, "empty");
	ASSERT_STRSTR(err, "empty", "empty err");
	printf("ok   empty -> %s\n", err);
	run((char *const[]){ "ovn-sbctl", db, "--format=json", "list",
			     "Port_Binding", NULL }, part);
	ASSERT_EQ(gnv_ovn_names_load(n, part, err, sizeof(err)), -1,
		  "Port_Binding alone");
	ASSERT_STRSTR(err, "no Datapath_Binding table", "PB alone err");
	printf("ok   Port_Binding alone -> %s\n", err);
	{
		char *pb = slurp(part), *text;

		if (asprintf(&text, "{\"data\":[],\"headings\":[\"_uuid\","
			     "\"external_ids\",\"tunnel_key\"]}\n%s", pb) > 0) {
			write_file(part, text);
			free(text);
		}
		free(pb);
	}
	ASSERT_EQ(gnv_ovn_names_load(n, part, err, sizeof(err)), -1,
		  "port of an unknown datapath");
	ASSERT_STRSTR(err, "not in Datapath_Binding", "unknown dp err");
	printf("ok   unknown datapath -> %s\n", err);
	write_file(part, "{\"data\":[],\"headings\":[\"_uuid\"]} {\"data\":");
	ASSERT_EQ(gnv_ovn_names_load(n, part, err, sizeof(err)), -1,
		  "truncated");
	ASSERT_STRSTR(err, "not JSON", "truncated err");
	printf("ok   truncated -> %s\n", err);
	snprintf(part, sizeof(part), "%s/missing.json", dir);
	ASSERT_EQ(gnv_ovn_names_load(n, part, err, sizeof(err)), -1,
		  "missing file");
	ASSERT_STRSTR(err, "No such file", "missing err");
	ASSERT_EQ(gnv_ovn_names_generation(n), gen, "failed loads change "
		  "nothing");
	check_fixture(n, "ovn-sbctl, after failed loads");
	gnv_ovn_names_free(n);
}

/* The _uuid of the datapath with key (selected on the live SB), or "". */
static const char *dp_uuid(__u32 key)
{
	static char uuid[40];
	char ops[200], out[160], *res, *p;

	uuid[0] = 0;
	snprintf(ops, sizeof(ops), "{\"op\":\"select\",\"table\":"
		 "\"Datapath_Binding\",\"where\":[[\"tunnel_key\",\"==\",%u]],"
		 "\"columns\":[\"_uuid\"]}", key);
	if (transact(ops))
		return uuid;
	snprintf(out, sizeof(out), "%s/transact.out", dir);
	res = slurp(out);
	p = strstr(res, "[\"uuid\",\"");
	if (p && strlen(p) > 9 + 36)
		snprintf(uuid, sizeof(uuid), "%.36s", p + 9);
	free(res);
	return uuid;
}

static int changed_all(void)
{
	int ok = 1;

	for (int i = 0; i < n_clients; i++) {
		ok &= clients[i].changed;
		clients[i].changed = 0;
	}
	return ok;
}

static int gens_above(__u64 *gens)
{
	int ok = 1;

	for (int i = 0; i < n_clients; i++) {
		__u64 g = gnv_ovn_names_generation(clients[i].names);

		ok &= g > gens[i];
		gens[i] = g;
	}
	return ok;
}

static void test_live_changes(void)
{
	__u64 gens[MAX_CLIENTS];
	char ops[1024];
	__u32 dp = 0, pk = 0;

	for (int i = 0; i < n_clients; i++) {
		gens[i] = gnv_ovn_names_generation(clients[i].names);
		clients[i].changed = 0;
	}

	test_case("live: insert");
	snprintf(ops, sizeof(ops), "{\"op\":\"insert\",\"table\":"
		 "\"Port_Binding\",\"row\":{\"tunnel_key\":3,\"logical_port\":"
		 "\"vm-new\",\"datapath\":[\"uuid\",\"%s\"]}}",
		 dp_uuid(DP_LS2));
	ASSERT_OK(transact(ops), "transact");
	ASSERT_TRUE(wait_port(DP_LS2, 3, "vm-new", 5000), "new port named");
	ASSERT_TRUE(changed_all(), "poll said changed");
	ASSERT_TRUE(gens_above(gens), "generation bumped");

	test_case("live: port renamed");
	ASSERT_OK(transact("{\"op\":\"update\",\"table\":\"Port_Binding\","
			   "\"where\":[[\"logical_port\",\"==\",\"vm-a\"]],"
			   "\"row\":{\"logical_port\":\"vm-a2\"}}"),
		  "transact");
	ASSERT_TRUE(wait_port(DP_PRIV, 1, "vm-a2", 5000), "renamed");
	ASSERT_TRUE(gens_above(gens), "generation bumped");
	ASSERT_EQ(gnv_ovn_find_port(clients[0].names, "vm-a", &dp, &pk),
		  -ENOENT, "old name gone");
	ASSERT_EQ(gnv_ovn_find_port(clients[0].names, "vm-a2", &dp, &pk), 0,
		  "new name found");
	ASSERT_EQ(dp, DP_PRIV, "new name's dp");

	test_case("live: port deleted");
	ASSERT_OK(transact("{\"op\":\"delete\",\"table\":\"Port_Binding\","
			   "\"where\":[[\"logical_port\",\"==\",\"vm-b\"]]}"),
		  "transact");
	ASSERT_TRUE(wait_port(DP_LS2, 1, NULL, 5000), "deleted");
	ASSERT_TRUE(gens_above(gens), "generation bumped");
	ASSERT_NAME(gnv_ovn_port_name(clients[0].names, DP_PRIV, 1), "vm-a2",
		    "port 1 of the other dp stays");

	test_case("live: datapath renamed");
	ASSERT_OK(transact("{\"op\":\"update\",\"table\":\"Datapath_Binding\","
			   "\"where\":[[\"tunnel_key\",\"==\",2]],\"row\":{"
			   "\"external_ids\":[\"map\",[[\"name\",\"ls2\"],"
			   "[\"name2\",\"net-two\"]]]}}"), "transact");
	ASSERT_TRUE(wait_dp(DP_LS2, "net-two", 5000), "renamed");
	ASSERT_TRUE(gens_above(gens), "generation bumped");
	ASSERT_EQ(gnv_ovn_find_datapath(clients[0].names, "net-two", &dp), 0,
		  "found by the new name");
	ASSERT_EQ(gnv_ovn_find_datapath(clients[0].names, "ls2", &dp), 0,
		  "still found by name");

	test_case("live: datapath key changed");
	ASSERT_OK(transact("{\"op\":\"update\",\"table\":\"Datapath_Binding\","
			   "\"where\":[[\"tunnel_key\",\"==\",2]],\"row\":{"
			   "\"tunnel_key\":65536}}"), "transact");
	ASSERT_TRUE(wait_dp(DP_LS2_NEW, "net-two", 5000), "new key named");
	ASSERT_TRUE(wait_dp(DP_LS2, NULL, 10), "old key unknown");
	ASSERT_TRUE(wait_port(DP_LS2_NEW, 2, "ls2-lr0", 10),
		    "its ports follow");
	ASSERT_TRUE(wait_port(DP_LS2_NEW, MC_FLOOD, "_MC_flood", 10),
		    "its groups follow");
	ASSERT_TRUE(wait_port(DP_LS2, 2, NULL, 10), "not under the old key");

	test_case("live: port key changed");
	ASSERT_OK(transact("{\"op\":\"update\",\"table\":\"Port_Binding\","
			   "\"where\":[[\"logical_port\",\"==\",\"vm-high\"]],"
			   "\"row\":{\"tunnel_key\":100}}"), "transact");
	ASSERT_TRUE(wait_port(DP_PRIV, 100, "vm-high", 5000), "new key");
	ASSERT_TRUE(wait_port(DP_PRIV, PK_HIGH, NULL, 10), "old key");

	test_case("live: datapath deleted with its port");
	ASSERT_OK(transact("{\"op\":\"delete\",\"table\":\"Port_Binding\","
			   "\"where\":[[\"logical_port\",\"==\",\"dup2-p\"]]},"
			   "{\"op\":\"delete\",\"table\":\"Datapath_Binding\","
			   "\"where\":[[\"tunnel_key\",\"==\",5]]}"),
		  "transact");
	ASSERT_TRUE(wait_dp(DP_DUP2, NULL, 5000), "datapath gone");
	ASSERT_TRUE(wait_port(DP_DUP2, 1, NULL, 10), "its port gone");
	ASSERT_EQ(gnv_ovn_find_datapath(clients[0].names, "dup", &dp), 0,
		  "no longer ambiguous");
	ASSERT_EQ(dp, DP_DUP1, "the other one");

	test_case("live: a change to no name");
	{
		struct gnv_ovn_sb_stats st0, st;
		__u64 deadline = now_ms() + 5000;

		gens_above(gens);
		changed_all();
		gnv_ovn_sb_get_stats(clients[0].sb, &st0);
		/* other_config is read, for is-remote: another key is no
		 * name's. */
		ASSERT_OK(transact("{\"op\":\"update\",\"table\":"
				   "\"Chassis\",\"where\":[[\"hostname\","
				   "\"==\",\"" CH_A_HOST "\"]],\"row\":{"
				   "\"other_config\":[\"map\",[["
				   "\"ovn-cms-options\",\"x\"]]]}}"),
			  "transact");
		do {
			poll_clients(50);
			gnv_ovn_sb_get_stats(clients[0].sb, &st);
		} while (st.updates == st0.updates && now_ms() < deadline);
		ASSERT_GT(st.updates, st0.updates, "update arrived");
		ASSERT_EQ(gnv_ovn_names_generation(clients[0].names), gens[0],
			  "generation kept");
		ASSERT_FALSE(clients[0].changed, "poll said unchanged");
	}
}

/* Polls until every client names ip want (NULL: nobody). */
static int wait_ch(const char *ip, const char *want, int ms)
{
	__u64 deadline = now_ms() + ms;

	for (;;) {
		int ok = 1;

		for (int i = 0; i < n_clients; i++)
			ok &= str_is(ch_of(clients[i].names, ip), want);
		if (ok)
			return 1;
		if (now_ms() >= deadline)
			return 0;
		poll_clients(50);
	}
}

static void test_live_chassis(void)
{
	char ip[INET6_ADDRSTRLEN];
	__u64 gens[MAX_CLIENTS];
	size_t nc = 0, ne = 0;
	int more;

	for (int i = 0; i < n_clients; i++) {
		gens[i] = gnv_ovn_names_generation(clients[i].names);
		clients[i].changed = 0;
	}

	test_case("live: chassis added");
	ASSERT_OK(transact(ENCAP("e", "geneve", "172.18.0.1", "ch-new")
			   CHASSIS("c", "ch-new", "new-host", EREF("e"))),
		  "transact");
	ASSERT_TRUE(wait_ch("172.18.0.1", "new-host", 5000), "named");
	ASSERT_TRUE(changed_all(), "poll said changed");
	ASSERT_TRUE(gens_above(gens), "generation bumped");
	ASSERT_EQ(find_ch(clients[0].names, "new-host", ip, &more), 0,
		  "found");
	ASSERT_NAME(ip, "172.18.0.1", "found's IP");

	test_case("live: hostname changed");
	ASSERT_OK(transact("{\"op\":\"update\",\"table\":\"Chassis\","
			   "\"where\":[[\"name\",\"==\",\"ch-new\"]],"
			   "\"row\":{\"hostname\":\"renamed-host\"}}"),
		  "transact");
	ASSERT_TRUE(wait_ch("172.18.0.1", "renamed-host", 5000), "renamed");
	ASSERT_TRUE(changed_all(), "poll said changed");
	ASSERT_TRUE(gens_above(gens), "generation bumped");
	ASSERT_EQ(find_ch(clients[0].names, "new-host", ip, &more), -ENOENT,
		  "old hostname gone");
	ASSERT_EQ(find_ch(clients[0].names, "renamed-host", ip, &more), 0,
		  "new hostname found");

	test_case("live: hostname cleared");
	ASSERT_OK(transact("{\"op\":\"update\",\"table\":\"Chassis\","
			   "\"where\":[[\"name\",\"==\",\"ch-new\"]],"
			   "\"row\":{\"hostname\":\"\"}}"), "transact");
	ASSERT_TRUE(wait_ch("172.18.0.1", "ch-new", 5000), "name shown");
	ASSERT_TRUE(gens_above(gens), "generation bumped");
	ASSERT_EQ(find_ch(clients[0].names, "ch-new", ip, &more), 0,
		  "found by name");

	test_case("live: encap IP changed");
	ASSERT_OK(transact("{\"op\":\"update\",\"table\":\"Encap\","
			   "\"where\":[[\"ip\",\"==\",\"172.18.0.1\"]],"
			   "\"row\":{\"ip\":\"fd00:18::1\"}}"), "transact");
	ASSERT_TRUE(wait_ch("fd00:18::1", "ch-new", 5000), "new IP named");
	ASSERT_TRUE(wait_ch("172.18.0.1", NULL, 10), "old IP not");
	ASSERT_TRUE(gens_above(gens), "generation bumped");
	ASSERT_EQ(find_ch(clients[0].names, "ch-new", ip, &more), 0,
		  "found");
	ASSERT_NAME(ip, "fd00:18::1", "its new IP");

	test_case("live: a second chassis takes the IP");
	ASSERT_OK(transact(ENCAP("e", "vxlan", "fd00:18::1", "ch-new2")
			   CHASSIS("c", "ch-new2", "", EREF("e"))),
		  "transact");
	ASSERT_TRUE(wait_ch("fd00:18::1", NULL, 5000), "ambiguous: NULL");
	ASSERT_TRUE(gens_above(gens), "generation bumped");
	ASSERT_OK(transact("{\"op\":\"delete\",\"table\":\"Chassis\","
			   "\"where\":[[\"name\",\"==\",\"ch-new2\"]]}"),
		  "transact");
	ASSERT_TRUE(wait_ch("fd00:18::1", "ch-new", 5000), "named again");

	test_case("live: chassis deleted");
	gnv_ovn_names_count_chassis(clients[0].names, &nc, &ne);
	ASSERT_EQ(nc, FIXTURE_CHASSIS + 1, "chassis before");
	ASSERT_EQ(ne, FIXTURE_ENCAPS + 1, "encaps before");
	gens_above(gens);
	changed_all();
	ASSERT_OK(transact("{\"op\":\"delete\",\"table\":\"Chassis\","
			   "\"where\":[[\"name\",\"==\",\"ch-new\"]]}"),
		  "transact");
	ASSERT_TRUE(wait_ch("fd00:18::1", NULL, 5000), "IP unnamed");
	ASSERT_TRUE(changed_all(), "poll said changed");
	ASSERT_TRUE(gens_above(gens), "generation bumped");
	ASSERT_EQ(find_ch(clients[0].names, "ch-new", ip, &more), -ENOENT,
		  "not found");
	for (int i = 0; i < n_clients; i++) {
		gnv_ovn_names_count_chassis(clients[i].names, &nc, &ne);
		ASSERT_EQ(nc, FIXTURE_CHASSIS, "chassis after");
		ASSERT_EQ(ne, FIXTURE_ENCAPS, "its encap collected too");
	}
	check_chassis(clients[0].names, "unix, after the live changes");
}

/* ovsdb-server probes a tcp or ssl client after 5 s of silence. */
static void test_echo(struct client *tcp, struct client *ssl)
{
	struct gnv_ovn_sb_stats st, st2;
	__u64 deadline = now_ms() + 16000;

	test_case("echo probes");
	do {
		poll_clients(200);
		gnv_ovn_sb_get_stats(tcp->sb, &st);
		gnv_ovn_sb_get_stats(ssl->sb, &st2);
	} while ((st.echoes_answered < 2 || st2.echoes_answered < 2) &&
		 now_ms() < deadline);
	ASSERT_GE(st.echoes_answered, 2, "echoes answered");
	ASSERT_EQ(st.disconnects, 0, "never dropped");
	ASSERT_NAME(gnv_ovn_port_name(tcp->names, DP_PRIV, 1), "vm-a2",
		    "names still there");
	ASSERT_GE(st2.echoes_answered, 2, "echoes answered over ssl");
	ASSERT_EQ(st2.disconnects, 0, "ssl never dropped");
}

static int count_lines(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static void test_restart(void)
{
	char errpath[160], ops[2048], priv[40], *text;
	__u64 deadline;
	int saved, fd, down;

	test_case("server restart");
	snprintf(priv, sizeof(priv), "%s", dp_uuid(DP_PRIV));
	snprintf(errpath, sizeof(errpath), "%s/stderr.txt", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);

	stop(&sb_pid, SIGKILL);
	deadline = now_ms() + 3000;
	do {
		poll_clients(50);
		down = 1;
		for (int i = 0; i < n_clients; i++)
			down &= gnv_ovn_sb_fd(clients[i].sb) < 0;
	} while (!down && now_ms() < deadline);
	ASSERT_TRUE(down, "every client saw it go");
	for (int i = 0; i < n_clients; i++) {
		ASSERT_NAME(gnv_ovn_port_name(clients[i].names, DP_PRIV, 1),
			    "vm-a2", "names kept while down");
		ASSERT_TRUE(gnv_ovn_sb_timeout_ms(clients[i].sb) >= 0 &&
			    gnv_ovn_sb_timeout_ms(clients[i].sb) <= 8000,
			    "a reconnect is due");
	}
	/* Changes made while it is down. */
	snprintf(ops, sizeof(ops), "{\"op\":\"insert\",\"table\":"
		 "\"Port_Binding\",\"row\":{\"tunnel_key\":7,\"logical_port\":"
		 "\"vm-offline\",\"datapath\":[\"uuid\",\"%s\"]}},"
		 "{\"op\":\"update\",\"table\":\"Port_Binding\",\"where\":[["
		 "\"logical_port\",\"==\",\"vm-new\"]],\"row\":{"
		 "\"logical_port\":\"vm-new2\"}}," ENCAP("e", "geneve",
		 "172.18.9.9", "ch-down") CHASSIS("c", "ch-down",
		 "down-host", EREF("e")) ",{\"op\":\"update\",\"table\":"
		 "\"Chassis\",\"where\":[[\"name\",\"==\",\"ch-b\"]],"
		 "\"row\":{\"hostname\":\"b-host\"}}", priv);
	ASSERT_OK(transact_offline(ops), "ovsdb-tool transact");
	poll_clients(300);
	if (ASSERT_OK(start_sb(), "server restarted")) {
		deadline = now_ms();
		ASSERT_TRUE(wait_port(DP_PRIV, 7, "vm-offline", 12000),
			    "insert while down");
		printf("ok   reconnected %llu ms after the restart\n",
		       (unsigned long long)(now_ms() - deadline));
		ASSERT_TRUE(wait_port(DP_LS2_NEW, 3, "vm-new2", 10),
			    "rename while down");
		ASSERT_TRUE(wait_port(DP_PRIV, 1, "vm-a2", 10),
			    "the rest still right");
		ASSERT_TRUE(wait_dp(DP_LS2_NEW, "net-two", 10),
			    "datapaths still right");
		ASSERT_TRUE(wait_ch("172.18.9.9", "down-host", 10),
			    "chassis added while down");
		ASSERT_TRUE(wait_ch("fd00:17::2", "b-host", 10),
			    "hostname set while down");
		ASSERT_TRUE(wait_ch("172.17.3.119", CH_A_HOST, 10),
			    "chassis still right");
		ASSERT_TRUE(wait_ch("192.0.2.50", NULL, 10),
			    "still ambiguous");
	}
	/* Enough polling for a stray line to show. */
	for (int i = 0; i < 5; i++)
		poll_clients(20);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	text = slurp(errpath);
	fputs(text, stdout);
	ASSERT_EQ(count_lines(text, "gnvtrace: lost the OVN Southbound DB at "),
		  n_clients, "one 'lost' line per client");
	ASSERT_EQ(count_lines(text, "gnvtrace: reconnected to the OVN "
			      "Southbound DB at "), n_clients,
		  "one 'reconnected' line per client");
	ASSERT_EQ(count_lines(text, "\n"), 2 * n_clients, "nothing else");
	free(text);
	for (int i = 0; i < n_clients; i++) {
		struct gnv_ovn_sb_stats st;

		gnv_ovn_sb_get_stats(clients[i].sb, &st);
		ASSERT_EQ(st.connects, 2, "connects");
		ASSERT_EQ(st.disconnects, 1, "disconnects");
	}
}

static int copy_file(const char *from, const char *to)
{
	char *text = slurp(from);
	int ret = *text ? write_file(to, text) : -1;

	free(text);
	return ret;
}

/*
 * Polls until the client has had connects and disconnects as many as
 * wanted, for ms at most (all of them when full: to see that nothing
 * more happens). Its stats in st.
 */
static int wait_stats(struct client *cl, __u64 connects, __u64 disconnects,
		      int ms, int full, struct gnv_ovn_sb_stats *st)
{
	__u64 deadline = now_ms() + ms;

	for (;;) {
		gnv_ovn_sb_get_stats(cl->sb, st);
		if ((!full && st->connects == connects &&
		     st->disconnects == disconnects) || now_ms() >= deadline)
			return st->connects == connects &&
			       st->disconnects == disconnects;
		poll_clients(50);
	}
}

/*
 * Files replaced under a running client are read on its next connect
 * (the server drops us with ovsdb-server/reconnect): a key that does not
 * match yet keeps the old credentials, a certificate the server does not
 * trust keeps us out, a good one lets us in again.
 */
static void test_ssl_rotation(void)
{
	char key[160], cert[160], key2[160], cert2[160], errpath[160];
	char *const drop[] = { "ovs-appctl", "-t", sb_ctl,
			       "ovsdb-server/reconnect", NULL };
	struct gnv_ovn_ssl rot = { key, cert, ca_ctl };
	struct gnv_ovn_sb_stats st;
	struct client *cl;
	int saved, fd;
	char *text;

	test_case("ssl: certificates rotated");
	snprintf(key, sizeof(key), "%s/rot-privkey.pem", dir);
	snprintf(cert, sizeof(cert), "%s/rot-cert.pem", dir);
	pki_names("cl2", key2, cert2);
	if (!ASSERT_OK(copy_file(key_cl, key), "copy key") ||
	    !ASSERT_OK(copy_file(cert_cl, cert), "copy cert") ||
	    !ASSERT_OK(ovs_pki("req+sign", "cl2", "switch"), "new cert"))
		return;
	cl = open_client("ssl, rotated", sb_ssl, &rot);
	if (!cl)
		return;
	snprintf(errpath, sizeof(errpath), "%s/stderr2.txt", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);

	/* Half rotated: the new key, the old certificate. */
	ASSERT_OK(copy_file(key2, key), "new key");
	ASSERT_EQ(run(drop, NULL), 0, "ovsdb-server/reconnect");
	ASSERT_TRUE(wait_stats(cl, 2, 1, 5000, 0, &st), "the old ones kept");

	/* A certificate of the CA the server does not trust. */
	ASSERT_OK(copy_file(key_bc, key), "untrusted key");
	ASSERT_OK(copy_file(cert_bc, cert), "untrusted cert");
	ASSERT_EQ(run(drop, NULL), 0, "ovsdb-server/reconnect");
	ASSERT_TRUE(wait_stats(cl, 2, 2, 5000, 0, &st), "dropped");
	/* Attempts at 0.5 and 1.5 s, both refused. */
	ASSERT_TRUE(wait_stats(cl, 2, 2, 2000, 1, &st), "refused");
	ASSERT_NAME(gnv_ovn_port_name(cl->names, DP_PRIV, 1), "vm-a2",
		    "names kept");

	ASSERT_OK(copy_file(key2, key), "new key");
	ASSERT_OK(copy_file(cert2, cert), "new cert");
	ASSERT_TRUE(wait_stats(cl, 3, 2, 10000, 0, &st), "in again");
	ASSERT_NAME(gnv_ovn_port_name(cl->names, DP_PRIV, 1), "vm-a2",
		    "names");

	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	text = slurp(errpath);
	fputs(text, stdout);
	ASSERT_EQ(count_lines(text, "gnvtrace: lost the OVN Southbound DB at "),
		  2, "two 'lost' lines");
	ASSERT_EQ(count_lines(text, "gnvtrace: reconnected to the OVN "
			      "Southbound DB at "), 2, "two 'reconnected'");
	ASSERT_EQ(count_lines(text, "\n"), 4, "nothing else");
	free(text);
	close_clients();
}

/* 20 datapaths of 500 ports, in 20 transactions. */
static void test_big(void)
{
	const int n_dp = 20, per_dp = 500;
	struct client *cl;
	char *ops = NULL;
	size_t len = 0, dps = 0, ports = 0, dps0 = 0, ports0 = 0;
	__u64 t0;
	int ok = 1;

	test_case("10000 ports");
	gnv_ovn_names_count(clients[0].names, &dps0, &ports0);
	t0 = now_ms();
	for (int d = 0; d < n_dp && ok; d++) {
		FILE *f = open_memstream(&ops, &len);

		fprintf(f, "{\"op\":\"insert\",\"table\":\"Datapath_Binding\","
			"\"uuid-name\":\"d\",\"row\":{\"tunnel_key\":%d,"
			"\"external_ids\":[\"map\",[[\"name\",\"big-%d\"]]]}}",
			1000 + d, d);
		for (int p = 1; p <= per_dp; p++)
			fprintf(f, ",{\"op\":\"insert\",\"table\":"
				"\"Port_Binding\",\"row\":{\"tunnel_key\":%d,"
				"\"logical_port\":\"big-%d-%d\",\"datapath\":"
				"[\"named-uuid\",\"d\"]}}", p, d, p);
		fclose(f);
		ok = !transact(ops);
		free(ops);
		ops = NULL;
	}
	ASSERT_TRUE(ok, "transactions");
	printf("ok   inserted %d ports in %llu ms\n", n_dp * per_dp,
	       (unsigned long long)(now_ms() - t0));
	ASSERT_TRUE(wait_port(1000 + n_dp - 1, per_dp, "big-19-500", 10000),
		    "running clients got them");
	/* Over ssl, the initial contents are some 70 TLS records. */
	for (int i = 0; i < 2; i++) {
		t0 = now_ms();
		cl = i ? open_client("big ssl", sb_ssl, &cl_ssl) :
			open_client("big tcp", sb_tcp, NULL);
		if (!cl)
			return;
		printf("ok   a new %s client's initial contents in %llu ms\n",
		       i ? "ssl" : "tcp",
		       (unsigned long long)(now_ms() - t0));
		gnv_ovn_names_count(cl->names, &dps, &ports);
		ASSERT_EQ(dps, dps0 + n_dp, "datapaths");
		ASSERT_EQ(ports, ports0 + n_dp * per_dp, "ports");
		ASSERT_NAME(gnv_ovn_port_name(cl->names, 1007, 321),
			    "big-7-321", "a port among many");
		ASSERT_NAME(gnv_ovn_datapath_name(cl->names, 1019), "big-19",
			    "dp");
	}
	t0 = now_ms();
	ok = 1;
	for (int i = 0; i < 1000000; i++) {
		int d = i % n_dp, p = i % per_dp + 1;

		ok &= gnv_ovn_port_name(cl->names, 1000 + d, p) != NULL;
	}
	ASSERT_TRUE(ok, "every port named");
	printf("ok   10^6 port lookups in %llu ms\n",
	       (unsigned long long)(now_ms() - t0));
}

/*
 * A fake server that sends its replies a few bytes per write, so that
 * the client's reads split messages everywhere, inside strings and
 * escapes too. Its child exits 0 when it saw the answer to its echo.
 */
static const char *fake_replies =
	"{\"id\":1,\"result\":[\"_Server\",\"OVN_Southbound\"],\"error\":null}"
	"\n{\"id\":2,\"error\":null,\"result\":{\"name\":\"OVN_Southbound\","
	"\"tables\":{\"Datapath_Binding\":{\"columns\":{\"tunnel_key\":{},"
	"\"external_ids\":{}}},\"Port_Binding\":{\"columns\":{\"tunnel_key\""
	":{},\"logical_port\":{},\"datapath\":{}}},\"Multicast_Group\":{"
	"\"columns\":{\"tunnel_key\":{},\"name\":{},\"datapath\":{}}}}}}";
static const char *fake_contents =
	"{\"id\":3,\"error\":null,\"result\":{\"Datapath_Binding\":{"
	"\"2ef6e960-399f-4c6b-bc69-9914f2991129\":{\"new\":{\"tunnel_key\":"
	"16777215,\"external_ids\":[\"map\",[[\"name\",\"n{[\\\"\\\\\"]]]}}},"
	"\"Port_Binding\":{\"de5093be-894c-4892-8214-843405a887f8\":{\"new\":"
	"{\"tunnel_key\":32767,\"logical_port\":\"p\\\\\\\"}\\u00e9\","
	"\"datapath\":[\"uuid\",\"2ef6e960-399f-4c6b-bc69-9914f2991129\"]}}}"
	"}}  {\"id\":\"echo\",\"method\":\"echo\",\"params\":[]}"
	"{\"id\":null,\"method\":\"update\",\"params\":[\"gnvtrace\",{"
	"\"Port_Binding\":{\"de5093be-894c-4892-8214-843405a887f8\":{"
	"\"old\":{\"logical_port\":\"x\"},\"new\":{\"tunnel_key\":32767,"
	"\"logical_port\":\"renamed\",\"datapath\":[\"uuid\","
	"\"2ef6e960-399f-4c6b-bc69-9914f2991129\"]}}}}]}";

static void dribble(int fd, const char *text)
{
	for (size_t off = 0, len = strlen(text); off < len; off += 3) {
		if (write(fd, text + off, len - off < 3 ? len - off : 3) < 0)
			_exit(2);
		usleep(100);
	}
}

static int read_until(int fd, char *buf, size_t cap, const char *what)
{
	size_t len = strlen(buf);

	while (!strstr(buf, what)) {
		ssize_t n = read(fd, buf + len, cap - len - 1);

		if (n <= 0)
			return -1;
		len += n;
		buf[len] = 0;
	}
	return 0;
}

static void test_fake_server(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char path[100], remote[160], err[512] = "";
	struct gnv_ovn_names *n = gnv_ovn_names_new();
	struct gnv_ovn_sb *c;
	int lfd, status = -1;
	__u64 deadline;
	pid_t pid;

	test_case("messages split everywhere");
	snprintf(path, sizeof(path), "%s/fake.sock", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (!ASSERT_TRUE(lfd >= 0 && !bind(lfd, (struct sockaddr *)&sun,
					   sizeof(sun)) && !listen(lfd, 1),
			 "listen"))
		return;
	pid = fork();
	if (pid == 0) {
		static char buf[8192];
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		alarm(10);
		fd = accept(lfd, NULL, NULL);
		dribble(fd, fake_replies);
		if (read_until(fd, buf, sizeof(buf), "\"monitor\""))
			_exit(3);
		buf[0] = 0;
		dribble(fd, fake_contents);
		if (read_until(fd, buf, sizeof(buf), "\"echo\""))
			_exit(4);
		_exit(strstr(buf, "\"result\":[]") ? 0 : 5);
	}
	close(lfd);
	snprintf(remote, sizeof(remote), "unix:%s", path);
	c = gnv_ovn_sb_open(remote, n, 5000, err, sizeof(err));
	if (ASSERT_OK_PTR(c, "open")) {
		ASSERT_NAME(gnv_ovn_datapath_name(n, 0xffffff), "n{[\"\\",
			    "datapath named from split messages");
		ASSERT_NAME(gnv_ovn_port_name(n, 0xffffff, 0x7fff),
			    "p\\\"}\xc3\xa9", "port named");
		{
			size_t nc = 1, ne = 1;

			gnv_ovn_names_count_chassis(n, &nc, &ne);
			ASSERT_EQ(nc + ne, 0, "a schema without Chassis: "
				  "none, and no error");
		}
		deadline = now_ms() + 5000;
		while (!str_is(gnv_ovn_port_name(n, 0xffffff, 0x7fff),
			       "renamed") && now_ms() < deadline) {
			struct pollfd pfd = { .fd = gnv_ovn_sb_fd(c),
					      .events = POLLIN };

			poll(&pfd, 1, 20);
			gnv_ovn_sb_poll(c);
		}
		ASSERT_NAME(gnv_ovn_port_name(n, 0xffffff, 0x7fff), "renamed",
			    "update after an echo");
		/* Until the child has read our echo reply. */
		deadline = now_ms() + 5000;
		while (waitpid(pid, &status, WNOHANG) == 0 &&
		       now_ms() < deadline) {
			gnv_ovn_sb_poll(c);
			usleep(10000);
		}
	} else {
		fprintf(stderr, "  %s\n", err);
	}
	gnv_ovn_sb_close(c);
	if (status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "the fake server got its echo answered");
	gnv_ovn_names_free(n);
}

/* ---- The interconnection Southbound DB (ovn-ic-db) ---- */

#define TS1		16711682	/* as ovn-ic numbers transit switches */
#define U(d)		"00000000-0000-0000-0000-00000000000" #d
#define TS2		16711683
#define IC_AZ(id, name)							\
	"{\"op\":\"insert\",\"table\":\"Availability_Zone\","		\
	"\"uuid-name\":\"" id "\",\"row\":{\"name\":\"" name "\"}},"
#define IC_ENCAP(id, ip, gw)						\
	"{\"op\":\"insert\",\"table\":\"Encap\",\"uuid-name\":\"" id	\
	"\",\"row\":{\"type\":\"geneve\",\"ip\":\"" ip "\","		\
	"\"gateway_name\":\"" gw "\"}},"
#define IC_GW(name, host, az, encaps)					\
	"{\"op\":\"insert\",\"table\":\"Gateway\",\"row\":{\"name\":\""	\
	name "\",\"hostname\":\"" host "\",\"availability_zone\":"	\
	"[\"named-uuid\",\"" az "\"],\"encaps\":[\"set\",[" encaps "]]}},"
#define IC_DP(ts, key)							\
	"{\"op\":\"insert\",\"table\":\"Datapath_Binding\",\"row\":{"	\
	"\"transit_switch\":\"" ts "\",\"tunnel_key\":" #key "}},"
#define IC_PB(ts, key, name, az)					\
	"{\"op\":\"insert\",\"table\":\"Port_Binding\",\"row\":{"	\
	"\"transit_switch\":\"" ts "\",\"tunnel_key\":" #key ","	\
	"\"logical_port\":\"" name "\",\"availability_zone\":"		\
	"[\"named-uuid\",\"" az "\"]}},"

/* Two zones, a gateway each, two transit switches: port key 1 in both. */
static const char *ic_fixture =
	IC_AZ("z1", "az1") IC_AZ("z2", "az2")
	IC_ENCAP("e1", "172.31.253.1", "gw1")
	IC_ENCAP("e2", "172.31.253.2", "gw2")
	IC_ENCAP("e3", "fd00::2", "gw2")
	IC_GW("gw1", "gnvic-gw1", "z1", EREF("e1"))
	IC_GW("gw2", "", "z2", EREF("e2") "," EREF("e3"))
	IC_DP("ts1", 16711682) IC_DP("ts2", 16711683)
	IC_PB("ts1", 1, "lsp-ts1-lr-az1", "z1")
	IC_PB("ts1", 2, "lsp-ts1-lr-az2", "z2")
	IC_PB("ts2", 1, "lsp-ts2-lr-az1", "z1")
	"{\"op\":\"comment\",\"comment\":\"gnvtrace ic fixture\"}";

static int addr_of(const char *ip, __u8 a[16])
{
	memset(a, 0, 16);
	if (inet_pton(AF_INET, ip, a) == 1)
		return 4;
	return inet_pton(AF_INET6, ip, a) == 1 ? 6 : 0;
}

static const char *ic_chassis(const struct gnv_ovn_names *n, const char *ip)
{
	__u8 a[16];
	int family = addr_of(ip, a);

	return gnv_ovn_chassis_of_addr(n, family, a);
}

static const char *ic_zone(const struct gnv_ovn_names *n, const char *ip)
{
	__u8 a[16];
	int family = addr_of(ip, a);

	return gnv_ovn_chassis_zone(n, family, a);
}

static void check_ic(const struct gnv_ovn_names *n, const char *via)
{
	__u32 dp = 0, port = 0;
	__u8 a[16], want[16];
	int family = 0, more = 1;

	test_case("interconnection names (%s)", via);
	ASSERT_NAME(gnv_ovn_datapath_name(n, TS1), "ts1", "transit switch");
	ASSERT_NAME(gnv_ovn_datapath_name(n, TS2), "ts2", "another");
	ASSERT_NAME(gnv_ovn_port_name(n, TS1, 1), "lsp-ts1-lr-az1", "ts1 port 1");
	ASSERT_NAME(gnv_ovn_port_name(n, TS1, 2), "lsp-ts1-lr-az2", "ts1 port 2");
	ASSERT_NAME(gnv_ovn_port_name(n, TS2, 1), "lsp-ts2-lr-az1",
		    "ts2 port 1: the same key, another switch");
	ASSERT_NAME(gnv_ovn_port_name(n, TS2, 2), NULL, "no ts2 port 2");
	ASSERT_NAME(ic_chassis(n, "172.31.253.1"), "gnvic-gw1",
		    "a gateway by its hostname");
	ASSERT_NAME(ic_chassis(n, "172.31.253.2"), "gw2",
		    "no hostname: by its name");
	ASSERT_NAME(ic_chassis(n, "fd00::2"), "gw2", "its IPv6 encap");
	ASSERT_NAME(ic_zone(n, "172.31.253.1"), "az1", "gw1's zone");
	ASSERT_NAME(ic_zone(n, "fd00::2"), "az2", "gw2's zone");
	ASSERT_NAME(ic_zone(n, "172.31.253.9"), NULL, "no gateway's");
	ASSERT_OK(gnv_ovn_find_port(n, "lsp-ts1-lr-az2", &dp, &port),
		  "find a transit port");
	ASSERT_EQ(dp, TS1, "its switch's key");
	ASSERT_EQ(port, 2, "its key");
	ASSERT_OK(gnv_ovn_find_datapath(n, "ts2", &dp), "find ts2");
	ASSERT_EQ(dp, TS2, "ts2's key");
	ASSERT_OK(gnv_ovn_find_chassis(n, "gnvic-gw1", &family, a, &more),
		  "find a gateway by hostname");
	addr_of("172.31.253.1", want);
	ASSERT_TRUE(family == 4 && !memcmp(a, want, 16) && !more,
		    "its encap address");
}

/* Polls c until cond holds, at most 5 s. */
#define WAIT_UNTIL(c, cond) ({						\
	__u64 end__ = now_ms() + 5000;					\
	while (!(cond) && now_ms() < end__) {				\
		struct pollfd p__ = { gnv_ovn_sb_fd(c), POLLIN, 0 };	\
		poll(&p__, 1, 50);					\
		gnv_ovn_sb_poll(c);					\
	}								\
	(cond);								\
})

static void ic_list(const char *sock, const char *path)
{
	static const char *const tables[] = {
		"Datapath_Binding", "Port_Binding", "Availability_Zone",
		"Gateway", "Encap",
	};
	char db[160], *all = NULL, *one;
	size_t len = 0;
	FILE *f;

	snprintf(db, sizeof(db), "--db=unix:%s", sock);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char out[160];

		snprintf(out, sizeof(out), "%s/list.out", dir);
		ASSERT_OK(run((char *const[]){ "ovn-ic-sbctl", db,
					       "--format=json", "list",
					       (char *)tables[i], NULL }, out),
			  "ovn-ic-sbctl list (ovn-ic)");
		one = slurp(out);
		all = realloc(all, len + strlen(one) + 1);
		strcpy(all + len, one);
		len += strlen(one);
		free(one);
	}
	f = fopen(path, "w");
	if (f) {
		fputs(all, f);
		fclose(f);
	}
	free(all);
}

static void test_ic(void)
{
	char db[128], sock[128], ctl[128], log[128], remote[160];
	char err[512] = "", sb_remote[160], file[160];
	struct gnv_ovn_names *ic = gnv_ovn_names_new_ic();
	struct gnv_ovn_names *sbn = gnv_ovn_names_new();
	struct gnv_ovn_names *off = gnv_ovn_names_new_ic();
	struct gnv_ovn_sb *c = NULL, *bad;
	pid_t pid;

	test_case("interconnection DB: a real ovsdb-server (ovn-ic-db)");
	snprintf(db, sizeof(db), "%s/icsb.db", dir);
	snprintf(sock, sizeof(sock), "%s/icsb.sock", dir);
	snprintf(ctl, sizeof(ctl), "%s/icsb.ctl", dir);
	snprintf(log, sizeof(log), "%s/icsb.log", dir);
	snprintf(remote, sizeof(remote), "unix:%s", sock);
	snprintf(sb_remote, sizeof(sb_remote), "unix:%s", sb_sock);
	if (!ASSERT_EQ(run((char *const[]){ "ovsdb-tool", "create", db,
					    IC_SB_SCHEMA, NULL }, NULL), 0,
		       "ovsdb-tool create, the IC-SB schema (ovn-ic-db)"))
		goto out;
	pid = start_server(db, sock, ctl, log, 0, 0, NULL);
	if (!ASSERT_TRUE(pid > 0, "its ovsdb-server up") ||
	    !ASSERT_OK(transact_on(sock, "OVN_IC_Southbound", ic_fixture),
		       "the fixture"))
		goto stop;
	c = gnv_ovn_sb_open(remote, ic, 5000, err, sizeof(err));
	if (!ASSERT_OK_PTR(c, "--ovn-ic-sb: connected")) {
		fprintf(stderr, "  %s\n", err);
		goto stop;
	}
	check_ic(ic, "live");

	test_case("interconnection DB: the wrong DB either way");
	bad = gnv_ovn_sb_open(sb_remote, off, 3000, err, sizeof(err));
	ASSERT_TRUE(!bad, "a Southbound DB is no interconnection DB");
	ASSERT_STRSTR(err, "is not an OVN interconnection Southbound DB (it "
		      "serves OVN_Southbound)", "says which it is");
	gnv_ovn_sb_close(bad);
	bad = gnv_ovn_sb_open(remote, sbn, 3000, err, sizeof(err));
	ASSERT_TRUE(!bad, "the interconnection DB is no Southbound DB");
	ASSERT_STRSTR(err, "is not an OVN Southbound DB (it serves "
		      "OVN_IC_Southbound)", "says which it is");
	gnv_ovn_sb_close(bad);

	test_case("interconnection DB: offline, ovn-ic-sbctl's JSON");
	snprintf(file, sizeof(file), "%s/ic.json", dir);
	ic_list(sock, file);
	if (ASSERT_OK(gnv_ovn_names_load(off, file, err, sizeof(err)),
		      "--ovn-ic-names loads it"))
		check_ic(off, "file");
	else
		fprintf(stderr, "  %s\n", err);
	ASSERT_EQ(gnv_ovn_names_load(sbn, file, err, sizeof(err)), -1,
		  "--ovn-names refuses it");
	ASSERT_STRSTR(err, "give the file with --ovn-ic-names",
		      "and says where it goes");

	test_case("interconnection DB: changes while tracing");
	ASSERT_OK(transact_on(sock, "OVN_IC_Southbound",
		"{\"op\":\"update\",\"table\":\"Availability_Zone\","
		"\"where\":[[\"name\",\"==\",\"az2\"]],"
		"\"row\":{\"name\":\"az2-east\"}}"), "rename az2");
	ASSERT_TRUE(WAIT_UNTIL(c, str_is(ic_zone(ic, "172.31.253.2"),
					 "az2-east")), "gw2's zone renamed");
	ASSERT_OK(transact_on(sock, "OVN_IC_Southbound",
		"{\"op\":\"insert\",\"table\":\"Availability_Zone\","
		"\"uuid-name\":\"z3\",\"row\":{\"name\":\"az3\"}},"
		IC_PB("ts1", 3, "lsp-ts1-lr-az3", "z3")
		"{\"op\":\"delete\",\"table\":\"Gateway\","
		"\"where\":[[\"name\",\"==\",\"gw1\"]]},"
		"{\"op\":\"delete\",\"table\":\"Encap\","
		"\"where\":[[\"gateway_name\",\"==\",\"gw1\"]]}"),
		  "a third zone's port; gw1 gone");
	ASSERT_TRUE(WAIT_UNTIL(c, str_is(gnv_ovn_port_name(ic, TS1, 3),
					 "lsp-ts1-lr-az3")),
		    "the new port named");
	ASSERT_TRUE(WAIT_UNTIL(c, !ic_chassis(ic, "172.31.253.1")),
		    "gw1 no longer named");
	ASSERT_NAME(ic_zone(ic, "172.31.253.1"), NULL, "nor zoned");
	ASSERT_NAME(gnv_ovn_port_name(ic, TS1, 1), "lsp-ts1-lr-az1",
		    "its port still named");
stop:
	gnv_ovn_sb_close(c);
	stop(&pid, SIGTERM);
out:
	gnv_ovn_names_free(ic);
	gnv_ovn_names_free(sbn);
	gnv_ovn_names_free(off);
}

/*
 * Another zone's gateway as ovn-ic copies it into a Southbound DB:
 * named, but not the zone's own (other_config:is-remote=true), and a row
 * of the one DB refused in a table of the other.
 */
static void test_remote_gateway(void)
{
	struct gnv_ovn_names *n = gnv_ovn_names_new();
	struct gnv_ovn_names *ic = gnv_ovn_names_new_ic();
	json_t *own = json_pack("{s:s, s:s, s:[s, [[s, s]]]}", "name", "gw1",
				"hostname", "gnvic-gw1", "other_config", "map",
				"is-interconn", "true");
	json_t *remote = json_pack("{s:s, s:s, s:[s, [[s, s]]]}", "name",
				   "gw2", "hostname", "gnvic-gw2",
				   "other_config", "map", "is-remote", "true");
	json_t *e1 = json_pack("{s:s, s:s, s:s}", "type", "geneve", "ip",
			       "172.31.253.1", "chassis_name", "gw1");
	json_t *e2 = json_pack("{s:s, s:s, s:s}", "type", "geneve", "ip",
			       "172.31.253.2", "chassis_name", "gw2");
	char err[128] = "";

	test_case("a remote gateway in a Southbound DB");
	gnv_ovn_names_set_zone(n, "az1", NULL);
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_CHASSIS, U(1), own, err,
				      sizeof(err)), 1, "own chassis");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_CHASSIS, U(2), remote, err,
				      sizeof(err)), 1, "remote chassis");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_ENCAP, U(3), e1, err,
				      sizeof(err)), 1, "encap");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_ENCAP, U(4), e2, err,
				      sizeof(err)), 1, "encap");
	ASSERT_NAME(ic_chassis(n, "172.31.253.2"), "gnvic-gw2",
		    "the remote gateway is named");
	ASSERT_NAME(ic_zone(n, "172.31.253.2"), NULL, "but not az1's");
	ASSERT_NAME(ic_zone(n, "172.31.253.1"), "az1", "its own is");
	ASSERT_EQ(gnv_ovn_names_apply(ic, GNV_OVN_CHASSIS, U(5), own, err,
				      sizeof(err)), -EINVAL,
		  "a Southbound row in the interconnection table");
	ASSERT_EQ(gnv_ovn_names_apply(n, GNV_OVN_IC_GATEWAY, U(6), own, err,
				      sizeof(err)), -EINVAL, "and the reverse");
	ASSERT_STRSTR(err, "in a table of the Southbound DB", "says so");
	json_decref(own);
	json_decref(remote);
	json_decref(e1);
	json_decref(e2);
	gnv_ovn_names_free(n);
	gnv_ovn_names_free(ic);
}

int main(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGABRT,
				    SIGBUS, SIGFPE, SIGALRM };
	struct client *tcp, *ssl;
	char remote[160];

	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof(dir), "/tmp/gnvsb.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(cleanup);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_signal);
	signal(SIGPIPE, SIG_IGN);
	alarm(120);	/* a hang is a failure, not a stuck CI */

	snprintf(sb_db, sizeof(sb_db), "%s/sb.db", dir);
	snprintf(sb_sock, sizeof(sb_sock), "%s/sb.sock", dir);
	snprintf(sb_ctl, sizeof(sb_ctl), "%s/sb.ctl", dir);
	snprintf(sb_log, sizeof(sb_log), "%s/sb.log", dir);
	sb_port = free_port(AF_INET);
	sb_port6 = free_port(AF_INET6);
	do
		sb_sport = free_port(AF_INET);
	while (sb_sport == sb_port);
	do
		sb_sport6 = sb_port6 ? free_port(AF_INET6) : 0;
	while (sb_sport6 && sb_sport6 == sb_port6);
	snprintf(sb_tcp, sizeof(sb_tcp), "tcp:127.0.0.1:%d", sb_port);
	snprintf(sb_tcp6, sizeof(sb_tcp6), "tcp:[::1]:%d", sb_port6);
	snprintf(sb_ssl, sizeof(sb_ssl), "ssl:127.0.0.1:%d", sb_sport);
	snprintf(sb_ssl6, sizeof(sb_ssl6), "ssl:[::1]:%d", sb_sport6);

	test_case("setup");
	if (!ASSERT_EQ(run((char *const[]){ "ovsdb-tool", "create", sb_db,
					    SB_SCHEMA, NULL }, NULL), 0,
		       "ovsdb-tool create (openvswitch-switch, ovn-common)") ||
	    !ASSERT_OK(make_pki(), "ovs-pki (openvswitch-common)") ||
	    !ASSERT_OK(start_sb(), "ovsdb-server up") ||
	    !ASSERT_OK(transact(fixture), "fixture") ||
	    !ASSERT_OK(transact(chassis_fixture), "chassis fixture"))
		return test_summary();

	snprintf(remote, sizeof(remote), "unix:%s", sb_sock);
	open_client("unix", remote, NULL);
	tcp = open_client("tcp", sb_tcp, NULL);
	if (sb_port6)
		open_client("tcp6", sb_tcp6, NULL);
	ssl = open_client("ssl", sb_ssl, &cl_ssl);
	if (sb_sport6)
		open_client("ssl6", sb_ssl6, &cl_ssl);
	for (int i = 0; i < n_clients; i++) {
		check_fixture(clients[i].names, clients[i].via);
		check_chassis(clients[i].names, clients[i].via);
	}
	if (!tcp || !ssl)
		return test_summary();

	test_chassis_apply();
	test_bad_remotes();
	test_ssl_errors();
	test_fake_server();
	test_offline();
	test_live_changes();
	test_live_chassis();
	test_echo(tcp, ssl);
	test_restart();
	test_big();
	close_clients();
	test_ssl_rotation();
	test_ic();
	test_remote_gateway();
	return test_summary();
}
