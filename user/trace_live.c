// SPDX-License-Identifier: MIT
/*
 * Live tracing: attach the XDP program (ingress) and the TC program
 * (egress) to each interface, print events from the ring buffer until told
 * to stop.
 *
 * The XDP and tcx links are not pinned, so the kernel detaches the
 * programs when the process goes away for any reason, kill -9 included. An
 * XDP link never replaces a program someone else attached: the kernel
 * refuses, and we say so. tcx and clsact let programs sit side by side.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "output.h"

struct live {
	struct gnv_bpf bpf;
	struct bpf_link *links[GNV_MAX_IFACES];	/* XDP, ingress */
	struct gnv_tc tc[GNV_MAX_IFACES];	/* egress */
	struct gnv_output out;
	const struct gnv_trace_opts *o;
	__u64 events;
};

static int on_event(void *ctx, void *data, size_t size)
{
	const struct gnv_event *ev = data;
	struct live *l = ctx;

	if (size < sizeof(*ev) || size < sizeof(*ev) + ev->snap_len)
		return 0;
	/* libbpf goes on through the batch: what is past -c is dropped here. */
	if (l->o->count && l->events >= l->o->count)
		return 0;
	l->events++;
	gnv_output_event(&l->out, ev, (const __u8 *)(ev + 1), ev->snap_len);
	return 0;
}

static int attach_xdp(struct live *l, int i, const char *name)
{
	unsigned int ifindex = if_nametoindex(name);
	__u32 other = 0;
	int err;

	if (!ifindex) {
		fprintf(stderr, "gnvtrace: no such interface '%s'\n", name);
		return -ENODEV;
	}
	l->links[i] = bpf_program__attach_xdp(gnv_bpf_xdp(&l->bpf), ifindex);
	if (l->links[i])
		return 0;
	err = -errno;
	if ((err == -EBUSY || err == -EEXIST) &&
	    !bpf_xdp_query_id(ifindex, 0, &other) && other)
		fprintf(stderr, "gnvtrace: another XDP program (id %u) is "
			"attached to %s; gnvtrace does not replace it\n",
			other, name);
	else if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "gnvtrace: not allowed to attach to %s: run "
			"as root\n", name);
	else
		fprintf(stderr, "gnvtrace: failed to attach XDP to %s: %s\n",
			name, strerror(-err));
	return err;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int poll_events(struct live *l)
{
	double deadline = l->o->duration ? now_s() + l->o->duration : 0;
	int err;

	while (!gnv_exiting) {
		err = ring_buffer__poll(l->bpf.rb, 100);
		gnv_output_flush(&l->out);
		if (err == -EINTR)
			continue;
		if (err < 0) {
			fprintf(stderr, "gnvtrace: failed to read events: %s\n",
				strerror(-err));
			return err;
		}
		if (l->o->count && l->events >= l->o->count)
			return 0;
		if (deadline && now_s() >= deadline)
			break;
	}
	/* What is already in the ring buffer was matched: print it too. */
	ring_buffer__consume(l->bpf.rb);
	return 0;
}

int gnv_trace_live(const struct gnv_trace_opts *o, struct gnv_counts *c)
{
	struct live l = { .o = o };
	int err;

	err = gnv_bpf_load(&l.bpf, o, on_event, &l);
	if (err)
		return err;
	for (int i = 0; i < GNV_MAX_IFACES; i++)
		l.tc[i].link_fd = -1;
	for (int i = 0; i < o->n_ifaces; i++) {
		/* What is attached so far is undone below. */
		if (o->directions & GNV_DIRECTION_IN) {
			err = attach_xdp(&l, i, o->ifaces[i]);
			if (err)
				goto out;
		}
		if (o->directions & GNV_DIRECTION_OUT) {
			err = gnv_tc_attach(&l.tc[i],
					    bpf_program__fd(gnv_bpf_tc(&l.bpf)),
					    o->ifaces[i], o->tc_mode);
			if (err)
				goto out;
		}
	}
	for (int i = 0; i < o->n_ifaces; i++)
		fprintf(stderr, "gnvtrace: tracing %s%s%s\n", o->ifaces[i],
			o->directions & GNV_DIRECTION_IN ? ", in (XDP)" : "",
			!(o->directions & GNV_DIRECTION_OUT) ? "" :
			l.tc[i].link_fd >= 0 ? ", out (tcx)" : ", out (clsact)");
	if (o->on_attached) {
		err = o->on_attached(o->on_attached_arg);
		if (err)
			goto out;
	}
	err = gnv_output_open(&l.out, o, 1, GNV_DLT_EN10MB);
	if (err)
		goto out;
	err = poll_events(&l);
	gnv_output_close(&l.out);
	gnv_bpf_add_counts(&l.bpf, c);
out:
	for (int i = 0; i < GNV_MAX_IFACES; i++) {
		bpf_link__destroy(l.links[i]);
		gnv_tc_detach(&l.tc[i]);
	}
	gnv_bpf_close(&l.bpf);
	return err;
}
