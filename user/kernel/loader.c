// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "gnvtrace.h"
#include "filter/filter_compile.h"
#include "stats/echo_table.h"
#include "stats/hist.h"
#include "filter_code.h"
#include "loader.h"
#include "gnvtrace.skel.h"	/* last: it uses the ABI types */

static int verbose_libbpf;
/* Where libbpf's report of a netlink extended ack goes, when asked for. */
static char *extack_buf;
static size_t extack_len;

#define EXTACK_PREFIX "libbpf: Kernel error message: "

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args)
{
	if (extack_buf && !strncmp(fmt, EXTACK_PREFIX, strlen(EXTACK_PREFIX))) {
		va_list copy;

		va_copy(copy, args);
		vsnprintf(extack_buf, extack_len, fmt + strlen(EXTACK_PREFIX),
			  copy);
		va_end(copy);
		extack_buf[strcspn(extack_buf, "\n")] = 0;
	}
	/* Without -v we print our own one-line errors instead. */
	if (!verbose_libbpf || (level == LIBBPF_DEBUG && verbose_libbpf < 2))
		return 0;
	return vfprintf(stderr, fmt, args);
}

void gnv_libbpf_catch_extack(char *buf, size_t len)
{
	if (buf && len)
		buf[0] = 0;
	extack_buf = buf;
	extack_len = len;
}

/*
 * Multi-buffer XDP came with Linux 5.18; a kernel that does not know the
 * flag refuses the whole object, so it is asked of a two-instruction
 * program first, and on a "no" the ingress program loads without it (and
 * attaches natively only where the MTU fits a page).
 */
static int kernel_has_xdp_frags(void)
{
	const struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .prog_flags = BPF_F_XDP_HAS_FRAGS);
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "GPL", prog, 2, &opts);

	if (fd >= 0)
		close(fd);
	/* Only a refused flag says no: without privileges the load fails later. */
	return fd >= 0 || errno != EINVAL;
}

/* 1 when this process's effective capabilities hold cap (CAP_BPF: 39). */
static int has_capability(int cap)
{
	unsigned long long eff = 0;
	char line[128];
	FILE *f = fopen("/proc/self/status", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", &eff) == 1;
	fclose(f);
	return found && (eff >> cap) & 1;
}

#define CAP_BPF_BIT		39
#define CAP_SYS_ADMIN_BIT	21

static void explain_load_error(int err)
{
	/*
	 * The verifier also says EACCES: only EPERM, or no root, is
	 * privileges. EPERM with CAP_BPF in hand comes from elsewhere: a
	 * seccomp filter (a container runtime's default profile allows bpf()
	 * only with CAP_SYS_ADMIN) or kernel lockdown.
	 */
	if (err == -EPERM && (has_capability(CAP_BPF_BIT) ||
			      has_capability(CAP_SYS_ADMIN_BIT)))
		pr_warn("bpf() was refused although gnvtrace "
			"holds CAP_BPF: a seccomp profile forbids it (in a "
			"container, run with seccompProfile Unconfined) or the "
			"kernel is locked down\n");
	else if (err == -EPERM || (err == -EACCES && geteuid() != 0))
		pr_warn("not allowed to load BPF programs: "
			"run as root (needs CAP_BPF, CAP_NET_ADMIN and "
			"CAP_PERFMON)\n");
	else if (err == -EACCES)
		pr_warn("this kernel's verifier rejected the "
			"BPF program (gnvtrace -v -v shows its log)\n");
	/* Probed only now: without privileges every probe says "no". */
	else if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 0)
		pr_warn("this kernel has no BPF ring buffer: "
			"gnvtrace needs Linux 5.18 or later\n");
	else
		pr_warn("failed to load the BPF program: %s "
			"(gnvtrace needs Linux 5.18 or later with BPF ring "
			"buffers and XDP links; -v -v shows the verifier log)\n",
			strerror(-err));
}

struct bpf_program *gnv_bpf_prog(const struct gnv_bpf *b, enum gnv_prog prog)
{
	switch (prog) {
	case GNV_PROG_XDP_IN:
		return b->skel->progs.xdp_ingress;
	case GNV_PROG_TC_OUT:
		return b->skel->progs.tc_egress;
	case GNV_PROG_GENEVE_IN:
		return b->skel->progs.tc_geneve_ingress;
	case GNV_PROG_GENEVE_OUT:
		return b->skel->progs.tc_geneve_egress;
	case GNV_PROG_PORT_IN:
		return b->skel->progs.xdp_port_ingress;
	case GNV_PROG_PORT_OUT:
		return b->skel->progs.tc_port_egress;
	}
	return NULL;
}

#define ECHO_TABLE_BYTES	(GNV_ECHO_SLOTS * sizeof(struct gnv_echo_slot))

/* The kernel's echo table, mapped for the reaper to scan and free slots. */
static int map_echoes(struct gnv_bpf *b)
{
	void *m = mmap(NULL, ECHO_TABLE_BYTES, PROT_READ | PROT_WRITE,
		       MAP_SHARED, bpf_map__fd(b->skel->maps.echoes), 0);

	if (m == MAP_FAILED) {
		pr_warn("cannot map the echo table: %s\n",
			strerror(errno));
		return -errno;
	}
	b->echo_slots = m;
	return 0;
}

int gnv_bpf_load(struct gnv_bpf *b, const struct gnv_bpf_opts *o,
		 unsigned int progs, ring_buffer_sample_fn on_event, void *ctx)
{
	__u32 rb_size, port_slots;
	int err;

	memset(b, 0, sizeof(*b));
	verbose_libbpf = o->verbose;
	libbpf_set_print(libbpf_print);
	/* The interpreter has no byte expressions: they run compiled only. */
	if (o->filter_interpreted && o->filter.n_bytes) {
		pr_warn("a filter with byte expressions (such as 'tcp[13] & 2 "
			"!= 0') cannot follow OVN's names live: name ports and "
			"datapaths by their keys, or trace without --ovn-sb\n");
		return -EINVAL;
	}

	err = gnv_filter_code_register();
	if (err) {
		pr_warn("failed to tell libbpf of gnvtrace's programs: %s\n",
			strerror(-err));
		return err;
	}
	b->skel = gnvtrace_bpf__open();
	if (!b->skel) {
		err = -errno;
		pr_warn("failed to open the BPF object: %s\n",
			strerror(-err));
		return err;
	}
	b->skel->bss->targ_filters[0] = o->filter;
	b->skel->bss->targ_filters[1] = o->filter;
	for (unsigned int p = GNV_PROG_XDP_IN; p <= GNV_PROG_LAST; p <<= 1)
		bpf_program__set_autoload(gnv_bpf_prog(b, p), progs & p);
	b->xdp_frags = (progs & (GNV_PROG_XDP_IN | GNV_PROG_PORT_IN)) &&
		       kernel_has_xdp_frags();
	for (int i = 0; b->xdp_frags && i < 2; i++) {
		struct bpf_program *xdp = gnv_bpf_prog(
			b, i ? GNV_PROG_PORT_IN : GNV_PROG_XDP_IN);

		bpf_program__set_flags(xdp, bpf_program__flags(xdp) |
					    BPF_F_XDP_HAS_FRAGS);
	}
	b->skel->rodata->targ_snaplen = o->snaplen < GNV_SNAP_MAX ?
					o->snaplen : GNV_SNAP_MAX;
	b->skel->rodata->targ_hist = o->hist;
	b->skel->rodata->targ_echo_timeout_ns = o->echo_timeout_ns;
	b->skel->rodata->targ_no_events = o->no_events;
	b->skel->rodata->targ_geneve_port = o->filter.geneve_port;
	b->skel->rodata->targ_vxlan_port = o->filter.vxlan_port;
	/*
	 * The tables --hist fills, a slot each when the run does not ask for
	 * them: the per-port map alone is up to 16,384 slots of 728 bytes per
	 * CPU (fewer on a node of many: gnv_port_slots()).
	 * Their code is never reached then (rodata), nor verified.
	 */
	port_slots = o->hist ? gnv_port_slots(libbpf_num_possible_cpus()) : 1;
	b->skel->rodata->targ_port_slots_mask = port_slots - 1;
	if (bpf_map__set_max_entries(b->skel->maps.port_stats, port_slots) ||
	    (!(o->hist & GNV_HIST_RTT) &&
	     bpf_map__set_max_entries(b->skel->maps.echoes, 1)) ||
	    (!(o->hist & GNV_HIST_TCP) &&
	     bpf_map__set_max_entries(b->skel->maps.tcp_flows, 1))) {
		err = -EINVAL;
		goto fail;
	}
	/* -q: only routers' "too big"s reach it, a few a second at most. */
	rb_size = o->rb_size ? o->rb_size : o->no_events ? 256 << 10 : 0;
	if (rb_size && bpf_map__set_max_entries(b->skel->maps.rb, rb_size)) {
		err = -EINVAL;
		pr_warn("%u bytes is no ring buffer size\n", rb_size);
		goto fail;
	}
	/* A burst wakes the reader a quarter of the way in: rb_wakeup(). */
	b->skel->rodata->targ_rb_wakeup_bytes =
		bpf_map__max_entries(b->skel->maps.rb) / 4;
	b->filter_compiled = !o->filter_interpreted;
	if (!b->filter_compiled)
		pr_debug("the filter is interpreted in the kernel: it may "
			 "change while tracing\n");
	b->skel->rodata->targ_early_fields =
		b->filter_compiled && o->filter.early ? o->filter.early :
							GNV_FIELDS_FILTER;
	b->skel->rodata->targ_filter_tabled = GNV_TABLED_NO;
	if (b->filter_compiled &&
	    !gnv_filter_table(&o->filter, &b->skel->rodata->targ_verdicts))
		b->skel->rodata->targ_filter_tabled =
			b->skel->rodata->targ_verdicts.n_vnis ?
			GNV_TABLED_BY_PROTO_VNI : GNV_TABLED_BY_PROTO;
	gnv_filter_code_set(b->filter_compiled ? &o->filter : NULL,
			    b->skel->obj);
	err = gnvtrace_bpf__load(b->skel);
	gnv_filter_code_set(NULL, NULL);
	/* The verifier's refusals; not a lack of privileges, said below. */
	if ((err == -EINVAL || err == -EACCES || err == -E2BIG ||
	     err == -ENOTSUP || err == -ENOENT) &&
	    b->filter_compiled && !o->filter.n_bytes) {
		struct gnv_bpf_opts interpreted = *o;

		/* Slower, but the same filter: say so, and go on. */
		pr_warn("note: the filter's compiled form failed to load (%s); "
			"it runs interpreted, a few ns more per primitive\n",
			strerror(-err));
		interpreted.filter_interpreted = 1;
		gnv_bpf_close(b);
		return gnv_bpf_load(b, &interpreted, progs, on_event, ctx);
	}
	if (err) {
		explain_load_error(err);
		goto fail;
	}
	if (o->hist & GNV_HIST_RTT) {
		err = map_echoes(b);
		if (err)
			goto fail;
	}
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.rb), on_event, ctx,
				 NULL);
	if (!b->rb) {
		err = -errno;
		pr_warn("failed to open the ring buffer: %s\n",
			strerror(-err));
		goto fail;
	}
	gnv_bpf_tick(b);
	return 0;
fail:
	gnv_bpf_close(b);
	return err;
}

#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY	(1U << 6)	/* Linux 6.3 */
#endif

/*
 * A device-bound program is loaded for one device, so each interface gets
 * an instance of its own: the same object opened again with only
 * xdp_ingress_hw to load, and every map, rodata and bss too, the first
 * instance's, so that its events, counters and filter are the others'.
 */
int gnv_bpf_load_xdp_bound(struct gnv_bpf *b, int ifindex)
{
	struct gnvtrace_bpf *s;
	struct bpf_program *p;
	struct bpf_map *m;
	int err;

	if (b->n_bound >= GNV_BPF_MAX_BOUND)
		return -E2BIG;
	s = gnvtrace_bpf__open();
	if (!s)
		return -errno;
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, p == s->progs.xdp_ingress_hw);
	p = s->progs.xdp_ingress_hw;
	bpf_program__set_ifindex(p, ifindex);
	bpf_program__set_flags(p, bpf_program__flags(p) |
			       BPF_F_XDP_DEV_BOUND_ONLY |
			       (b->xdp_frags ? BPF_F_XDP_HAS_FRAGS : 0));
	bpf_object__for_each_map(m, s->obj) {
		const struct bpf_map *own = bpf_object__find_map_by_name(
			b->skel->obj, bpf_map__name(m));

		err = own ? bpf_map__reuse_fd(m, bpf_map__fd(own)) : -ENOENT;
		if (err)
			goto fail;
	}
	/* The first instance's filter: the same code, or the same .bss. */
	gnv_filter_code_set(b->filter_compiled ? &b->skel->bss->targ_filters[0] :
						 NULL, s->obj);
	err = gnvtrace_bpf__load(s);
	gnv_filter_code_set(NULL, NULL);
	if (err)
		goto fail;
	b->bound[b->n_bound++] = s;
	return bpf_program__fd(p);
fail:
	gnvtrace_bpf__destroy(s);
	return err;
}

void gnv_bpf_add_counts(const struct gnv_bpf *b, struct gnv_counts *c)
{
	int ncpu = libbpf_num_possible_cpus();
	struct gnv_counts *cpus;
	__u32 zero = 0;

	if (ncpu <= 0)
		return;
	cpus = calloc(ncpu, sizeof(*cpus));
	if (cpus && !bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.stats),
					 &zero, cpus))
		for (int cpu = 0; cpu < ncpu; cpu++)
			for (int k = 0; k < GNV_STAT_MAX; k++)
				c->v[k] += cpus[cpu].v[k];
	free(cpus);
}

/* Slots read per system call, every CPU's copy of each. */
#define PORT_BATCH	256

void gnv_bpf_add_hist(const struct gnv_bpf *b, struct gnv_hist *h)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct gnv_counts c = { { 0 } };
	struct gnv_port_slot *vals;
	__u32 keys[PORT_BATCH], n, pos = 0, next;
	int err = 0;

	if (ncpu <= 0)
		return;
	vals = malloc(sizeof(*vals) * PORT_BATCH * ncpu);
	if (!vals)
		return;
	fd = bpf_map__fd(b->skel->maps.port_stats);
	/* Each slot of each CPU: a key there, its counts added to h's. */
	while (!err) {
		n = PORT_BATCH;
		err = bpf_map_lookup_batch(fd, pos ? &pos : NULL, &next, keys,
					   vals, &n, &opts);
		if (err && errno != ENOENT)
			break;
		for (__u32 i = 0; i < n * ncpu; i++) {
			struct gnv_port_entry *e;

			if (!vals[i].key.outer_family)
				continue;
			e = gnv_hist_entry(h, &vals[i].key);
			if (e)
				gnv_port_stats_sum(&e->stats, &vals[i].stats);
			else
				h->dropped += vals[i].stats.packets;
		}
		pos = next;
	}
	free(vals);
	gnv_bpf_add_counts(b, &c);
	h->evicted += c.v[GNV_STAT_PORT_EVICTED];
}

int gnv_bpf_set_vm_port(const struct gnv_bpf *b, __u32 ifindex,
			const struct gnv_vm_port *port)
{
	return bpf_map_update_elem(bpf_map__fd(b->skel->maps.vm_ports),
				   &ifindex, port, BPF_ANY) ? -errno : 0;
}

int gnv_bpf_set_mtu(const struct gnv_bpf *b, __u32 ifindex, __u32 mtu)
{
	struct gnv_if_mtu *t = b->skel->bss->targ_if_mtu;
	__u32 min = 0;
	int at = -1;

	for (int i = 0; i < GNV_MAX_MTUS && at < 0; i++)
		if (t[i].ifindex == ifindex || !t[i].ifindex)
			at = i;
	if (at < 0)
		return -ENOSPC;
	/*
	 * The kernel reads the pair unlocked: for a moment a frame may be
	 * judged against the old MTU, never against another device's.
	 */
	__atomic_store_n(&t[at].mtu, mtu, __ATOMIC_RELAXED);
	__atomic_store_n(&t[at].ifindex, ifindex, __ATOMIC_RELEASE);
	for (int i = 0; i < GNV_MAX_MTUS; i++)
		if (t[i].ifindex && (!min || t[i].mtu < min))
			min = t[i].mtu;
	__atomic_store_n(&b->skel->bss->targ_mtu_min, min, __ATOMIC_RELEASE);
	return 0;
}

void gnv_bpf_tick(const struct gnv_bpf *b)
{
	__atomic_store_n(&b->skel->bss->targ_coarse_ns, gnv_mono_ns(),
			 __ATOMIC_RELAXED);
}

int gnv_bpf_set_filter(const struct gnv_bpf *b, const struct gnv_filter *f)
{
	__u32 next = !(b->skel->bss->targ_filter_idx & 1);

	if (b->filter_compiled)
		return -EPERM;
	if (f->n_bytes)		/* the interpreter has no byte expressions */
		return -EINVAL;
	/* The filter not in use, then the switch: both are mapped. */
	b->skel->bss->targ_filters[next] = *f;
	__atomic_store_n(&b->skel->bss->targ_filter_idx, next,
			 __ATOMIC_RELEASE);
	return 0;
}

void gnv_bpf_reap_echoes(const struct gnv_bpf *b, struct gnv_hist *h,
			 __u64 now_ns, __u64 timeout_ns)
{
	if (b->echo_slots)
		gnv_echo_reap_slots(b->echo_slots, h, now_ns, timeout_ns);
}

void gnv_bpf_close(struct gnv_bpf *b)
{
	if (b->echo_slots)
		munmap(b->echo_slots, ECHO_TABLE_BYTES);
	b->echo_slots = NULL;
	ring_buffer__free(b->rb);
	for (int i = 0; i < b->n_bound; i++)
		gnvtrace_bpf__destroy(b->bound[i]);
	b->n_bound = 0;
	gnvtrace_bpf__destroy(b->skel);
	b->rb = NULL;
	b->skel = NULL;
}
