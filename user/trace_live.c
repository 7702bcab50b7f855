// SPDX-License-Identifier: MIT
/*
 * Live tracing: load the XDP program, attach it to each interface through
 * a bpf_link, print events from the ring buffer until told to stop.
 *
 * The links are not pinned, so the kernel detaches the program when the
 * process goes away for any reason, kill -9 included. An XDP link never
 * replaces a program someone else attached: the kernel refuses, and we
 * say so.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "trace.h"
#include "gnvtrace.skel.h"	/* after trace.h: it uses the ABI types */

struct live {
	struct gnvtrace_bpf *skel;
	struct bpf_link *links[GNV_MAX_IFACES];
	struct ring_buffer *rb;
	struct gnv_fmt fmt;
	const struct gnv_trace_opts *o;
	__u64 events;
};

static int verbose_libbpf;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (level == LIBBPF_DEBUG && verbose_libbpf < 2)
		return 0;
	if (!verbose_libbpf)
		return 0;	/* we print our own one-line errors */
	return vfprintf(stderr, fmt, args);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct live *l = ctx;

	if (size < sizeof(struct gnv_event))
		return 0;
	l->events++;
	if (!l->o->quiet)
		gnv_format_event(&l->fmt, data);
	/* A positive return stops ring_buffer__poll: -c was reached. */
	return l->o->count && l->events >= l->o->count;
}

static void read_counts(struct live *l, struct gnv_counts *c)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	__u64 vals[ncpu > 0 ? ncpu : 1];

	memset(c, 0, sizeof(*c));
	if (ncpu <= 0)
		return;
	fd = bpf_map__fd(l->skel->maps.stats);
	for (__u32 k = 0; k < GNV_STAT_MAX; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int cpu = 0; cpu < ncpu; cpu++)
			c->v[k] += vals[cpu];
	}
}

static int explain_load_error(int err)
{
	if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "gnvtrace: not allowed to load BPF programs: "
			"run as root (needs CAP_BPF, CAP_NET_ADMIN and "
			"CAP_PERFMON)\n");
	else
		fprintf(stderr, "gnvtrace: failed to load the BPF program: %s "
			"(gnvtrace needs Linux 5.18 or later with BPF ring "
			"buffers and XDP links; -v -v shows the verifier log)\n",
			strerror(-err));
	return err;
}

static int attach(struct live *l, int i, const char *name)
{
	unsigned int ifindex = if_nametoindex(name);
	__u32 other = 0;
	int err;

	if (!ifindex) {
		fprintf(stderr, "gnvtrace: no such interface '%s'\n", name);
		return -ENODEV;
	}
	l->links[i] = bpf_program__attach_xdp(l->skel->progs.xdp_ingress,
					      ifindex);
	if (l->links[i])
		return 0;
	err = -errno;
	l->links[i] = NULL;
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
	int err = 0;

	while (!gnv_exiting) {
		err = ring_buffer__poll(l->rb, 100);
		ob_flush(&l->fmt.ob);
		if (err == -EINTR) {
			err = 0;
			continue;
		}
		if (err < 0) {
			fprintf(stderr, "gnvtrace: failed to read events: %s\n",
				strerror(-err));
			return err;
		}
		if (l->o->count && l->events >= l->o->count)
			break;
		if (deadline && now_s() >= deadline)
			break;
	}
	/* What is already in the ring buffer was matched: print it too. */
	if (!l->o->count || l->events < l->o->count)
		ring_buffer__consume(l->rb);
	return 0;
}

int gnv_trace_live(const struct gnv_trace_opts *o, struct gnv_counts *c)
{
	struct live l = { .o = o };
	int err;

	verbose_libbpf = o->verbose;
	libbpf_set_print(libbpf_print);

	l.skel = gnvtrace_bpf__open();
	if (!l.skel) {
		err = -errno;
		fprintf(stderr, "gnvtrace: failed to open the BPF object: %s\n",
			strerror(-err));
		return err;
	}
	l.skel->data->targ_filter = o->filter;
	if (o->ringbuf_bytes)
		bpf_map__set_max_entries(l.skel->maps.rb, o->ringbuf_bytes);
	err = gnvtrace_bpf__load(l.skel);
	if (err) {
		explain_load_error(err);
		goto out;
	}
	for (int i = 0; i < o->n_ifaces; i++) {
		err = attach(&l, i, o->ifaces[i]);
		if (err)
			goto out;	/* links made so far go with the skeleton */
	}
	l.rb = ring_buffer__new(bpf_map__fd(l.skel->maps.rb), on_event, &l,
				NULL);
	if (!l.rb) {
		err = -errno;
		fprintf(stderr, "gnvtrace: failed to open the ring buffer: %s\n",
			strerror(-err));
		goto out;
	}
	if (o->on_attached) {
		err = o->on_attached(o->on_attached_arg);
		if (err)
			goto out;
	}
	gnv_fmt_init(&l.fmt, stdout, o->mode, o->verbose, 1);
	err = poll_events(&l);
	gnv_fmt_close(&l.fmt);
	read_counts(&l, c);
out:
	ring_buffer__free(l.rb);
	for (int i = 0; i < GNV_MAX_IFACES; i++)
		bpf_link__destroy(l.links[i]);
	gnvtrace_bpf__destroy(l.skel);
	return err;
}
