/* SPDX-License-Identifier: MIT */
/*
 * Attaching TC programs: on a NIC's egress, and on both sides of a Geneve
 * device. On kernels with tcx (Linux 6.6+) through a tcx link: like the XDP
 * link, it goes away with the process and sits beside anybody else's
 * programs. On older kernels through a filter on the clsact qdisc, created
 * over netlink with gnvtrace's own handle and priority. The kernel keeps
 * such a filter when its process dies, so a small child process, told of
 * gnvtrace's death by the kernel (PR_SET_PDEATHSIG) even after kill -9,
 * removes it; --cleanup is there for when both were killed.
 */
#ifndef GNV_ATTACH_TC_H
#define GNV_ATTACH_TC_H

enum gnv_tc_mode { GNV_TC_AUTO, GNV_TC_TCX, GNV_TC_CLSACT };

struct gnv_tc {
	int ifindex;
	int ingress;		/* the ingress hook, else egress */
	int link_fd;		/* tcx link, or -1 */
	int filter;		/* a clsact filter of ours is attached */
	int made_qdisc;		/* we created the clsact qdisc */
	int reaper;		/* pid of the process that removes it if we die */
};

/* 0, or a negative errno after one line on stderr. */
int gnv_tc_attach(struct gnv_tc *t, int prog_fd, const char *ifname,
		  int ingress, enum gnv_tc_mode mode);
/* Undoes exactly what gnv_tc_attach did; safe to call twice. */
void gnv_tc_detach(struct gnv_tc *t);
/* Removes the clsact filters a killed gnvtrace left on ifname. */
int gnv_tc_cleanup(const char *ifname);

#endif /* GNV_ATTACH_TC_H */
