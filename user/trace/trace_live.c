// SPDX-License-Identifier: MIT
/*
 * Live tracing: attach the programs each interface needs (XDP in and TC
 * out on a NIC, TC both ways on a Geneve device; see attach_xdp.c and
 * attach_tc.c), print events from the ring buffer until told to stop,
 * and detach exactly what was attached.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "kernel/attach_xdp.h"
#include "kernel/loader.h"
#include "kernel/netdev.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "output/output.h"
#include "stats/hist.h"
#include "ovn_source.h"
#include "report.h"
#include "trace.h"

struct live {
	struct gnv_bpf bpf;
	int geneve[GNV_MAX_IFACES];		/* a Geneve device, not a NIC */
	struct gnv_xdp xdp[GNV_MAX_IFACES];	/* a NIC's ingress */
	struct gnv_tc tc_in[GNV_MAX_IFACES];	/* a Geneve device's ingress */
	struct gnv_tc tc_out[GNV_MAX_IFACES];	/* egress */
	struct gnv_output out;
	struct gnv_report report;
	struct gnv_filter filter;		/* the programs' filter now */
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

static int poll_events(struct live *l)
{
	double deadline = l->o->duration ? gnv_mono_s() + l->o->duration : 0;
	int err;

	while (!gnv_exiting) {
		err = ring_buffer__poll(l->bpf.rb, 100);
		gnv_output_flush(&l->out);
		gnv_report_tick(&l->report);
		/* Only an interpreted filter changes (gnv_trace_bpf_load()). */
		if (l->o->ovn && gnv_ovn_refresh(l->o->ovn, &l->filter))
			gnv_bpf_set_filter(&l->bpf, &l->filter);
		if (err == -EINTR)
			continue;
		if (err < 0) {
			pr_warn("failed to read events: %s\n",
				strerror(-err));
			return err;
		}
		if (l->o->count && l->events >= l->o->count)
			return 0;
		if (deadline && gnv_mono_s() >= deadline)
			break;
	}
	/* What is already in the ring buffer was matched: print it too. */
	ring_buffer__consume(l->bpf.rb);
	return 0;
}

/* The programs the run needs, once each interface's kind is known. */
static int plan(struct live *l, unsigned int *progs)
{
	const struct gnv_trace_opts *o = l->o;

	*progs = 0;
	for (int i = 0; i < o->n_ifaces; i++) {
		int geneve = gnv_is_geneve_dev(o->ifaces[i]);

		if (geneve < 0) {
			pr_warn("no such interface '%s'\n",
				o->ifaces[i]);
			return geneve;
		}
		l->geneve[i] = geneve;
		if (o->directions & GNV_DIRECTION_IN)
			*progs |= geneve ? GNV_PROG_GENEVE_IN : GNV_PROG_XDP_IN;
		if (o->directions & GNV_DIRECTION_OUT)
			*progs |= geneve ? GNV_PROG_GENEVE_OUT : GNV_PROG_TC_OUT;
	}
	return 0;
}

static int tc_attach(struct live *l, struct gnv_tc *t, enum gnv_prog prog,
		     const char *name, int ingress)
{
	return gnv_tc_attach(t, bpf_program__fd(gnv_bpf_prog(&l->bpf, prog)),
			     name, ingress, l->o->tc_mode);
}

/*
 * Native XDP on a driver that hands over the VLAN tags its NIC strips
 * gets the program that reads them, bound to that device; generic mode,
 * and every other driver, the one program for all.
 */
static int xdp_attach(struct live *l, int i)
{
	const char *name = l->o->ifaces[i];
	int ifindex = if_nametoindex(name), bound_fd = -1, err;
	__u64 meta = 0;

	if (l->o->xdp_mode == GNV_XDP_GENERIC || !ifindex)
		goto attach;
	err = gnv_netdev_xdp_rx_metadata(ifindex, &meta);
	pr_debug("%s: XDP RX metadata the driver offers: %#llx (%s)\n", name,
		 (unsigned long long)meta, err ? strerror(-err) : "asked");
	if (!(meta & NETDEV_XDP_RX_METADATA_VLAN_TAG))
		goto attach;
	bound_fd = gnv_bpf_load_xdp_bound(&l->bpf, ifindex);
	if (bound_fd < 0)
		pr_warn("%s: the program reading the VLAN tags its NIC strips "
			"did not load (%s; -v -v says why): those tags are not "
			"shown\n", name, strerror(-bound_fd));
attach:
	return gnv_xdp_attach(&l->xdp[i], bpf_program__fd(gnv_bpf_prog(
		&l->bpf, GNV_PROG_XDP_IN)), bound_fd, name, l->o->xdp_mode);
}

/* One interface, both directions as asked; undone by detach_all(). */
static int attach(struct live *l, int i)
{
	const char *name = l->o->ifaces[i];
	int in = l->o->directions & GNV_DIRECTION_IN;
	int out = l->o->directions & GNV_DIRECTION_OUT;
	int err = 0;

	if (l->geneve[i]) {
		if (in)
			err = tc_attach(l, &l->tc_in[i], GNV_PROG_GENEVE_IN,
					name, 1);
		if (!err && out)
			err = tc_attach(l, &l->tc_out[i], GNV_PROG_GENEVE_OUT,
					name, 0);
	} else {
		if (in)
			err = xdp_attach(l, i);
		if (!err && out)
			err = tc_attach(l, &l->tc_out[i], GNV_PROG_TC_OUT,
					name, 0);
	}
	return err;
}

static const char *tc_kind(const struct gnv_tc *t)
{
	return t->link_fd >= 0 ? "tcx" : "clsact";
}

/* What traces interface i coming in: "XDP native", ..., or JSON's words. */
static const char *in_hook(const struct live *l, int i, int json)
{
	if (l->geneve[i])
		return tc_kind(&l->tc_in[i]);
	if (l->xdp[i].generic)
		return json ? "xdp-generic" : "XDP generic";
	return json ? "xdp-native" : "XDP native";
}

/* "in (XDP native), out (tcx)": how interface i is traced. */
static void describe_hooks(const struct live *l, int i, char *buf, size_t len)
{
	const struct gnv_trace_opts *o = l->o;
	int in = o->directions & GNV_DIRECTION_IN;
	int out = o->directions & GNV_DIRECTION_OUT;

	if (in && out)
		snprintf(buf, len, "in (%s), out (%s)", in_hook(l, i, 0),
			 tc_kind(&l->tc_out[i]));
	else if (in)
		snprintf(buf, len, "in (%s)", in_hook(l, i, 0));
	else
		snprintf(buf, len, "out (%s)", tc_kind(&l->tc_out[i]));
}

/* The same for the events' "hook" (JSON). */
static void name_hooks(const struct live *l, struct gnv_fmt *f)
{
	const struct gnv_trace_opts *o = l->o;

	_Static_assert(GNV_FMT_HOOKS >= GNV_MAX_IFACES, "a hook per interface");
	for (int i = 0; i < o->n_ifaces; i++) {
		__u32 ifindex = if_nametoindex(o->ifaces[i]);

		if (o->directions & GNV_DIRECTION_IN)
			gnv_fmt_set_hook(f, ifindex, GNV_DIR_IN,
					 in_hook(l, i, 1));
		if (o->directions & GNV_DIRECTION_OUT)
			gnv_fmt_set_hook(f, ifindex, GNV_DIR_OUT,
					 tc_kind(&l->tc_out[i]));
	}
}

/*
 * tcpdump's "listening on": the tests wait for this line too. The same
 * words close the summary (o->attached), one interface after another.
 */
static void say_tracing(const struct live *l, int i)
{
	const struct gnv_trace_opts *o = l->o;
	char hooks[64];
	size_t used;

	describe_hooks(l, i, hooks, sizeof(hooks));
	pr_info("tracing %s%s, %s\n", o->ifaces[i],
		l->geneve[i] ? " (a Geneve device: decapsulated)" : "", hooks);
	if (!o->attached || !o->attached_len)
		return;
	used = strlen(o->attached);
	snprintf(o->attached + used, o->attached_len - used, "%s%s %s",
		 used ? "; " : "", o->ifaces[i], hooks);
}

static void detach_all(struct live *l)
{
	for (int i = 0; i < GNV_MAX_IFACES; i++) {
		gnv_xdp_detach(&l->xdp[i]);
		gnv_tc_detach(&l->tc_in[i]);
		gnv_tc_detach(&l->tc_out[i]);
	}
}

int gnv_trace_live(const struct gnv_trace_opts *o, struct gnv_counts *c)
{
	struct live l = { .o = o, .filter = o->filter };
	unsigned int progs;
	int err;

	for (int i = 0; i < GNV_MAX_IFACES; i++)
		l.xdp[i].link_fd = l.tc_in[i].link_fd = l.tc_out[i].link_fd = -1;
	err = plan(&l, &progs);
	if (err)
		return err;
	err = gnv_trace_bpf_load(&l.bpf, o, progs, on_event, &l);
	if (err)
		return err;
	/* Before attaching: a port in use stops the run with nothing done. */
	err = gnv_report_start(&l.report, o, &l.bpf);
	if (err)
		goto out;
	for (int i = 0; i < o->n_ifaces; i++) {
		err = attach(&l, i);
		if (err)
			goto out;
		say_tracing(&l, i);
	}
	if (o->on_attached) {
		err = o->on_attached(o->on_attached_arg);
		if (err)
			goto out;
	}
	err = gnv_trace_output_open(&l.out, o, stdout, 1, GNV_DLT_EN10MB);
	if (!err) {
		name_hooks(&l, &l.out.fmt);
		err = poll_events(&l);
	}
	gnv_output_close(&l.out);
	gnv_bpf_add_counts(&l.bpf, c);
	if (gnv_report_final(&l.report) && !err)
		err = -EIO;
out:
	detach_all(&l);
	gnv_report_close(&l.report);
	gnv_bpf_close(&l.bpf);
	return err;
}
