// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/log.h"
#include "attach_tc.h"

/* Linux 6.6's values; Debian 12's headers predate tcx. */
#define GNV_BPF_TCX_INGRESS	46
#define GNV_BPF_TCX_EGRESS	47
#define GNV_BPF_F_BEFORE	(1U << 3)

/*
 * The clsact filter's handle and priority: fixed, so that --cleanup finds
 * gnvtrace's filter without guessing, and a second gnvtrace on the same
 * interface is refused instead of stacking a copy. Priority 1 runs first:
 * a filter before ours that returned a verdict would hide packets from us,
 * while ours, returning TC_ACT_UNSPEC, hides nothing from those after.
 */
#define GNV_TC_HANDLE	0x676e76	/* "gnv" */
#define GNV_TC_PRIORITY	1

/* First in the tcx chain, for the same reason as the priority above. */
static int attach_tcx(struct gnv_tc *t, int prog_fd)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = GNV_BPF_F_BEFORE);
	int fd = bpf_link_create(prog_fd, t->ifindex, t->ingress ?
				 GNV_BPF_TCX_INGRESS : GNV_BPF_TCX_EGRESS, &opts);

	if (fd < 0)
		return fd;
	t->link_fd = fd;
	return 0;
}

static const char *hook_name(const struct gnv_tc *t)
{
	return t->ingress ? "ingress" : "egress";
}

static void remove_filter(struct gnv_tc *t);

/*
 * A child that sleeps until gnvtrace dies, however it dies, then removes
 * the filter (and the qdisc, if gnvtrace made it). It holds none of
 * gnvtrace's descriptors: a BPF link or a pipe kept open by it would
 * outlive gnvtrace. On a clean exit gnvtrace kills it before detaching.
 */
static pid_t spawn_reaper(const struct gnv_tc *t)
{
	pid_t parent = getpid(), pid;
	struct gnv_tc mine = *t;
	sigset_t term;
	int sig, null;

	pid = fork();
	if (pid != 0)
		return pid > 0 ? pid : 0;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	null = open("/dev/null", O_RDWR);
	dup2(null, 0);
	dup2(null, 1);
	close_range(3, ~0U, 0);
	/* Dead already, between the fork and the prctl? */
	if (getppid() == parent)
		sigwait(&term, &sig);
	mine.link_fd = -1;
	mine.reaper = 0;
	remove_filter(&mine);
	_exit(0);
}

static int attach_clsact(struct gnv_tc *t, int prog_fd, const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = t->ifindex,
		    .attach_point = t->ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd,
		    .handle = GNV_TC_HANDLE, .priority = GNV_TC_PRIORITY);
	int err = bpf_tc_hook_create(&hook);

	if (err && err != -EEXIST) {
		pr_warn("failed to add a clsact qdisc to %s: "
			"%s\n", ifname, strerror(-err));
		return err;
	}
	t->made_qdisc = !err;
	err = bpf_tc_attach(&hook, &opts);
	if (err == -EEXIST)
		pr_warn("%s %s already has gnvtrace's "
			"filter: another gnvtrace runs there, or one was killed "
			"(gnvtrace --cleanup %s removes it)\n", ifname,
			hook_name(t), ifname);
	else if (err)
		pr_warn("failed to attach to %s %s: %s\n",
			ifname, hook_name(t), strerror(-err));
	if (err) {
		gnv_tc_detach(t);
		return err;
	}
	t->filter = 1;
	t->reaper = spawn_reaper(t);
	return 0;
}

int gnv_tc_attach(struct gnv_tc *t, int prog_fd, const char *ifname,
		  int ingress, enum gnv_tc_mode mode)
{
	int err;

	memset(t, 0, sizeof(*t));
	t->link_fd = -1;
	t->ingress = ingress;
	t->ifindex = if_nametoindex(ifname);
	if (!t->ifindex) {
		pr_warn("no such interface '%s'\n", ifname);
		return -ENODEV;
	}
	if (mode != GNV_TC_CLSACT) {
		err = attach_tcx(t, prog_fd);
		if (!err)
			return 0;
		if (mode == GNV_TC_TCX || (err != -EINVAL && err != -EOPNOTSUPP)) {
			pr_warn("failed to attach a tcx link "
				"to %s %s: %s\n", ifname, hook_name(t),
				strerror(-err));
			return err;
		}
		pr_warn("this kernel has no tcx (Linux 6.6+): "
			"attaching to %s %s through a clsact filter\n",
			ifname, hook_name(t));
	}
	return attach_clsact(t, prog_fd, ifname);
}

static void remove_filter(struct gnv_tc *t)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = t->ifindex,
		    .attach_point = t->ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = GNV_TC_HANDLE,
		    .priority = GNV_TC_PRIORITY);

	if (t->filter)
		bpf_tc_detach(&hook, &opts);
	t->filter = 0;
	/*
	 * The qdisc goes only if we made it; one that was there before, and
	 * the filters others hang on it, are not ours to remove.
	 */
	if (t->made_qdisc) {
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&hook);
	}
	t->made_qdisc = 0;
}

void gnv_tc_detach(struct gnv_tc *t)
{
	if (t->reaper > 0) {
		kill(t->reaper, SIGKILL);
		waitpid(t->reaper, NULL, 0);
	}
	t->reaper = 0;
	if (t->link_fd >= 0)
		close(t->link_fd);
	t->link_fd = -1;
	remove_filter(t);
}

/* Removes gnvtrace's filter from one hook; 1 when there was one. */
static int cleanup_hook(const char *ifname, int ifindex, int ingress)
{
	struct gnv_tc t = { .ifindex = ifindex, .ingress = ingress,
			    .link_fd = -1, .filter = 1 };
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = GNV_TC_HANDLE,
		    .priority = GNV_TC_PRIORITY);
	int err = bpf_tc_query(&hook, &opts);

	if (err == -ENOENT || err == -EINVAL)
		return 0;
	if (err) {
		pr_warn("failed to look at %s %s: %s\n",
			ifname, hook_name(&t), strerror(-err));
		return err;
	}
	gnv_tc_detach(&t);
	pr_warn("removed gnvtrace's %s filter (program id "
		"%u) from %s\n", hook_name(&t), opts.prog_id, ifname);
	return 1;
}

int gnv_tc_cleanup(const char *ifname)
{
	int ifindex = if_nametoindex(ifname), in, out;

	if (!ifindex) {
		pr_warn("no such interface '%s'\n", ifname);
		return -ENODEV;
	}
	in = cleanup_hook(ifname, ifindex, 1);
	out = cleanup_hook(ifname, ifindex, 0);
	if (in < 0 || out < 0)
		return in < 0 ? in : out;
	if (!in && !out)
		pr_warn("nothing of gnvtrace's on %s\n",
			ifname);
	return 0;
}
