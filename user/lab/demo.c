// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "demo.h"
#include "traffic.h"

#define TRACED_IF	"gnv-wire0"	/* in our namespace: the "NIC" */
#define SENDER_IF	"gnv-wire1"	/* in the peer namespace */
#define GAP_MS		150

struct lab {
	pid_t peer;		/* holds the peer namespace */
	int sock;		/* AF_PACKET on SENDER_IF: traffic to the node */
	int out_sock;		/* AF_PACKET on TRACED_IF: traffic it sends */
	pthread_t sender;
	int sender_started;
};

static int run(const char *fmt, ...)
{
	char cmd[256];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st != 0) {
		pr_warn("demo: '%s' failed\n", cmd);
		return -1;
	}
	return 0;
}

/* A child that lives in a new namespace until we kill it or die. */
static pid_t spawn_peer(void)
{
	int ready[2];
	pid_t pid;
	char c;

	if (pipe(ready))
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNET))
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1) {
		if (pid > 0)
			kill(pid, SIGKILL);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

static int enter_ns(pid_t pid)
{
	char path[64];
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	err = setns(fd, CLONE_NEWNET);
	close(fd);
	return err;
}

static int open_sender(const char *ifname)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	if (fd < 0)
		return -1;
	sll.sll_ifindex = if_nametoindex(ifname);
	sll.sll_protocol = htons(ETH_P_ALL);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int build_lab(struct lab *lab)
{
	int self;

	lab->peer = spawn_peer();
	if (lab->peer < 0) {
		pr_warn("demo: cannot create a network "
			"namespace: %s\n", strerror(errno));
		return -1;
	}
	/* Our own namespace becomes the traced "compute node". */
	if (unshare(CLONE_NEWNET)) {
		pr_warn("demo: cannot create a network "
			"namespace: %s\n", strerror(errno));
		return -1;
	}
	if (run("ip link set lo up") ||
	    run("ip link add " TRACED_IF " type veth peer name " SENDER_IF) ||
	    run("ip link set " SENDER_IF " netns %d", (int)lab->peer) ||
	    run("ip link set " TRACED_IF " up"))
		return -1;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0 || enter_ns(lab->peer) ||
	    run("ip link set lo up && ip link set " SENDER_IF " up")) {
		pr_warn("demo: cannot set up the peer namespace\n");
		return -1;
	}
	lab->sock = open_sender(SENDER_IF);
	if (setns(self, CLONE_NEWNET) || lab->sock < 0 ||
	    (lab->out_sock = open_sender(TRACED_IF)) < 0) {
		pr_warn("demo: cannot open a packet socket\n");
		close(self);
		return -1;
	}
	close(self);
	return 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void *send_traffic(void *arg)
{
	struct traffic_frame frames[TRAFFIC_DEMO_FRAMES];
	int n = traffic_demo(frames, TRAFFIC_DEMO_FRAMES);
	struct lab *lab = arg;
	__u8 buf[2048];

	for (int i = 0; i < n && !gnv_exiting; i++) {
		const __u8 *frame;
		size_t len = traffic_build(&frames[i], buf, sizeof(buf), &frame);
		int sock = frames[i].outgoing ? lab->out_sock : lab->sock;

		if (len && send(sock, frame, len, 0) < 0)
			pr_warn("demo: send: %s\n",
				strerror(errno));
		sleep_ms(GAP_MS);
	}
	sleep_ms(300);
	gnv_exiting = 1;
	return NULL;
}

static int start_traffic(void *arg)
{
	struct lab *lab = arg;

	if (pthread_create(&lab->sender, NULL, send_traffic, lab)) {
		pr_warn("demo: cannot start the sender\n");
		return -1;
	}
	lab->sender_started = 1;
	return 0;
}

static void teardown(struct lab *lab)
{
	if (lab->sender_started)
		pthread_join(lab->sender, NULL);
	if (lab->sock >= 0)
		close(lab->sock);
	if (lab->out_sock >= 0)
		close(lab->out_sock);
	if (lab->peer > 0) {
		kill(lab->peer, SIGKILL);
		waitpid(lab->peer, NULL, 0);
	}
	/* Our namespace, and the veth pair in it, go when we exit. */
}

int gnv_demo(const struct gnv_trace_opts *opts, struct gnv_counts *c)
{
	struct gnv_trace_opts o = *opts;
	struct lab lab = { .sock = -1, .out_sock = -1 };
	int err;

	if (geteuid() != 0) {
		pr_warn("the demo needs root: it creates "
			"network namespaces and loads BPF programs\n");
		return -EPERM;
	}
	err = build_lab(&lab);
	if (!err) {
		pr_warn("demo lab up: tracing %s, Geneve "
			"traffic to it from a peer namespace and from it\n",
			TRACED_IF);
		o.ifaces[0] = TRACED_IF;
		o.n_ifaces = 1;
		o.on_attached = start_traffic;
		o.on_attached_arg = &lab;
		err = gnv_trace_live(&o, c);
	}
	gnv_exiting = 1;
	teardown(&lab);
	return err;
}
