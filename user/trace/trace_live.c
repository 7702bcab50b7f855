// SPDX-License-Identifier: MIT
/*
 * Live tracing: attach the programs each interface needs (XDP in and TC
 * out on a NIC or a VM's port, TC both ways on a Geneve device; see
 * attach_xdp.c and attach_tc.c), print events from the ring buffer until
 * told to stop, and detach exactly what was attached.
 */
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "health/bfd_sessions.h"
#include "journey/journey.h"
#include "journey/journey_print.h"
#include "kernel/attach_xdp.h"
#include "kernel/loader.h"
#include "kernel/netdev.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "output/output.h"
#include "ovn/ovn_zones.h"
#include "stats/hist.h"
#include "ovn_source.h"
#include "report.h"
#include "trace.h"
#include "vm_ports.h"

/* What an interface is, and so what traces it. */
enum iface_kind {
	IF_NIC,		/* Geneve in its frames */
	IF_GENEVE,	/* a Geneve device: decapsulated, metadata */
	IF_VM_PORT,	/* a VM's port: the inner frames themselves */
};

struct live {
	struct gnv_bpf bpf;
	char dev[GNV_MAX_IFACES][IF_NAMESIZE];	/* what -i named */
	__u32 ifindex[GNV_MAX_IFACES];
	enum iface_kind kind[GNV_MAX_IFACES];
	/* A VM's port that is an OVS internal port: see struct gnv_vm_port. */
	int reversed[GNV_MAX_IFACES];
	struct gnv_vm_ports ports;
	struct gnv_xdp xdp[GNV_MAX_IFACES];	/* a NIC's ingress */
	struct gnv_tc tc_in[GNV_MAX_IFACES];	/* a Geneve device's ingress */
	struct gnv_tc tc_out[GNV_MAX_IFACES];	/* egress */
	struct gnv_output out;
	/* --journey: events go to the joiner, journeys to jout. */
	struct gnv_joiner *joiner;
	struct gnv_journey_out jout;
	int point[GNV_MAX_IFACES][2];		/* by interface, GNV_DIR_* */
	char node[64];		/* this chassis: its system-id, or host name */
	struct gnv_bfd_sessions *bfd;	/* BFD sessions, from their packets */
	struct gnv_report report;
	struct gnv_filter filter;		/* the programs' filter now */
	/* --hist: each NIC's MTU as the kernel has it, checked each second */
	__u32 mtu[GNV_MAX_IFACES];
	double next_mtu_check;
	const struct gnv_trace_opts *o;
	__u64 events;
};

/* An event to the joiner, at the point its interface and direction are. */
static void journey_event(struct live *l, const struct gnv_event *ev)
{
	for (int i = 0; i < l->o->n_ifaces; i++)
		if (l->ifindex[i] == ev->ifindex) {
			int p = l->point[i][ev->dir & 1];

			if (p >= 0)
				gnv_joiner_add(l->joiner, p, ev->ts_ns,
					       &ev->pkt, ev->pkt_len);
			return;
		}
}

/* A BFD session's change, a line of its own where lines go. */
static void bfd_change(void *ctx, const struct gnv_bfd_change *c)
{
	struct live *l = ctx;

	if (l->out.lines)
		gnv_format_bfd_change(&l->out.fmt, c);
}

/* A BFD packet's event: its session followed, a change said. */
static void bfd_event(struct live *l, const struct gnv_event *ev)
{
	struct gnv_bfd_change c;
	struct gnv_bfd b;

	if (gnv_bfd_of_frame((const __u8 *)(ev + 1), ev->snap_len, &ev->pkt,
			     &b))
		return;
	if (gnv_bfd_sessions_add(l->bfd, &ev->pkt, &b, ev->ts_ns, &c) &&
	    l->out.lines)
		gnv_format_bfd_change(&l->out.fmt, &c);
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct gnv_event *ev = data;
	struct live *l = ctx;

	if (size < sizeof(*ev) || size < sizeof(*ev) + ev->snap_len)
		return 0;
	/* A router's word on a tunnel: no packet of the filter's, nor -c's. */
	if (ev->pkt.underlay) {
		gnv_hist_too_big(&l->report.host, &ev->pkt);
		if (!l->joiner)
			gnv_output_event(&l->out, ev, (const __u8 *)(ev + 1),
					 ev->snap_len);
		return 0;
	}
	/* libbpf goes on through the batch: what is past -c is dropped here. */
	if (l->o->count && l->events >= l->o->count)
		return 0;
	l->events++;
	if (l->joiner) {
		journey_event(l, ev);
		return 0;
	}
	gnv_output_event(&l->out, ev, (const __u8 *)(ev + 1), ev->snap_len);
	if (gnv_is_bfd(&ev->pkt))
		bfd_event(l, ev);
	return 0;
}

/*
 * Each VM's port as OVS and OVN bind it now: the keys its frames get in
 * the kernel, the logical port its events name.
 */
static void bind_vm_ports(struct live *l)
{
	for (int i = 0; i < l->o->n_ifaces; i++) {
		const char *lport = gnv_vm_ports_lport(&l->ports, l->dev[i]);
		__u32 ifindex = l->ifindex[i], dp = 0, key = 0;
		int err;

		if (l->kind[i] != IF_VM_PORT)
			continue;
		if (lport)
			gnv_ovn_find_port_any(l->o->names, lport, &dp, &key);
		err = gnv_bpf_set_vm_port(&l->bpf, ifindex,
					  &(struct gnv_vm_port){
						  .dp_key = dp, .port_key = key,
						  .reversed = l->reversed[i] });
		if (err)
			pr_warn("%s: cannot tell the kernel its OVN port: %s\n",
				l->dev[i], strerror(-err));
		gnv_fmt_set_lport(&l->out.fmt, ifindex, lport);
		for (int d = 0; l->joiner && d < 2; d++)
			if (l->point[i][d] >= 0) {
				gnv_joiner_point(l->joiner, 0, l->dev[i], d,
						 GNV_POINT_VM_PORT, lport);
				gnv_joiner_point_keys(l->joiner, l->point[i][d],
						      dp, key);
			}
		pr_debug("%s: bound to %s (datapath %u, port %u)\n",
			 l->dev[i], lport ? lport : "no logical port", dp, key);
	}
}

/*
 * Each NIC's MTU into the kernel's map (--hist: MTU trouble), before the
 * first frame and then once a second: an MTU changed mid-run is one of
 * the things watched for.
 */
_Static_assert(GNV_MAX_MTUS >= GNV_MAX_IFACES, "an MTU for every -i");

static void refresh_mtus(struct live *l)
{
	double now = gnv_mono_s();
	int mtu, err;

	if (!l->o->hist || now < l->next_mtu_check)
		return;
	l->next_mtu_check = now + 1;
	for (int i = 0; i < l->o->n_ifaces; i++) {
		if (l->kind[i] != IF_NIC)
			continue;
		mtu = gnv_netdev_mtu(l->dev[i]);
		if (mtu <= 0 || (__u32)mtu == l->mtu[i])
			continue;
		err = gnv_bpf_set_mtu(&l->bpf, l->ifindex[i], mtu);
		if (err) {
			pr_warn("%s: cannot give the kernel its MTU: %s\n",
				l->dev[i], strerror(-err));
			continue;
		}
		if (l->mtu[i])
			pr_info("%s: MTU %u -> %d\n", l->dev[i], l->mtu[i], mtu);
		l->mtu[i] = mtu;
	}
}

static int poll_events(struct live *l)
{
	double deadline = l->o->duration ? gnv_mono_s() + l->o->duration : 0;
	int err;

	while (!gnv_exiting) {
		err = ring_buffer__poll(l->bpf.rb, 100);
		gnv_bpf_tick(&l->bpf);
		gnv_output_flush(&l->out);
		gnv_report_tick(&l->report);
		refresh_mtus(l);
		if (gnv_vm_ports_refresh(&l->ports, l->o->names))
			bind_vm_ports(l);
		/* Only an interpreted filter changes (gnv_trace_bpf_load()). */
		if (l->o->ovn && gnv_ovn_refresh(l->o->ovn, &l->filter))
			gnv_bpf_set_filter(&l->bpf, &l->filter);
		/*
		 * The kernel wakes us at most each millisecond per CPU
		 * (rb_wakeup()): what came unannounced is taken here, at
		 * the timeout too (which epoll does not report as data),
		 * and before the time is judged (BFD's detection, the
		 * journeys' timeout) on a clock such an event would beat.
		 */
		if (err >= 0)
			err = ring_buffer__consume(l->bpf.rb);
		if (l->joiner)
			gnv_joiner_expire(l->joiner, gnv_mono_ns(), false);
		gnv_bfd_sessions_age(l->bfd, gnv_mono_ns(), bfd_change, l);
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

/* Whether the run traces direction dir (GNV_DIR_*). */
static int wants(const struct live *l, int dir)
{
	return l->o->directions & (dir == GNV_DIR_IN ? GNV_DIRECTION_IN :
						       GNV_DIRECTION_OUT);
}

/*
 * --journey: the joiner, with every point this run traces (each traced
 * interface and direction of this node), seen or not.
 */
static int journey_start(struct live *l)
{
	static const enum gnv_point_kind kinds[] = {
		[IF_NIC] = GNV_POINT_NIC, [IF_GENEVE] = GNV_POINT_GENEVE,
		[IF_VM_PORT] = GNV_POINT_VM_PORT,
	};
	const struct gnv_trace_opts *o = l->o;

	memset(l->point, -1, sizeof(l->point));
	if (!o->journey_timeout_ns)
		return 0;
	l->joiner = malloc(sizeof(*l->joiner));
	if (!l->joiner) {
		pr_warn("out of memory\n");
		return -ENOMEM;
	}
	gnv_joiner_init(l->joiner, o->journey_timeout_ns, gnv_journey_print,
			&l->jout);
	gnv_journey_out_init(&l->jout, stdout, o->mode, gnv_mono_to_real_ns());
	gnv_joiner_node(l->joiner, l->node);
	for (int i = 0; i < o->n_ifaces; i++)
		for (int d = 0; d < 2; d++)
			if (wants(l, d))
				l->point[i][d] = gnv_joiner_point(
					l->joiner, 0, l->dev[i], d,
					kinds[l->kind[i]], gnv_vm_ports_lport(
						&l->ports, l->dev[i]));
	return 0;
}

/* JSON: what the journeys will name, before the first of them. */
static void journey_announce(struct live *l)
{
	if (l->joiner)
		gnv_journey_print_points(&l->jout, l->joiner);
}

/* Every journey still open is done: printed, then the counters. */
static void journey_finish(struct live *l)
{
	if (!l->joiner)
		return;
	gnv_joiner_expire(l->joiner, 0, true);
	gnv_journey_summary(&l->jout, l->joiner);
}

static void journey_free(struct live *l)
{
	if (!l->joiner)
		return;
	ob_free(&l->jout.ob);
	gnv_joiner_free(l->joiner);
	free(l->joiner);
	l->joiner = NULL;
}

/* This chassis' name for JSON and journeys: OVN's, else the host's. */
static void name_node(struct live *l)
{
	const char *sid = gnv_vm_ports_system_id(&l->ports);

	if (sid)
		snprintf(l->node, sizeof(l->node), "%s", sid);
	else if (gethostname(l->node, sizeof(l->node) - 1))
		snprintf(l->node, sizeof(l->node), "localhost");
}

/*
 * Which direction interface i's XDP program (its ingress) traces: in,
 * but for an OVS internal port, whose ingress is what the host (its
 * "VM") receives. Its TC egress program traces the other.
 */
static int xdp_dir(const struct live *l, int i)
{
	return l->reversed[i] ? GNV_DIR_OUT : GNV_DIR_IN;
}

/* The programs the run needs, once each interface's kind is known. */
static int plan(struct live *l, unsigned int *progs)
{
	const struct gnv_trace_opts *o = l->o;

	static const unsigned int progs_of[][2] = {	/* ingress, egress */
		[IF_NIC] = { GNV_PROG_XDP_IN, GNV_PROG_TC_OUT },
		[IF_GENEVE] = { GNV_PROG_GENEVE_IN, GNV_PROG_GENEVE_OUT },
		[IF_VM_PORT] = { GNV_PROG_PORT_IN, GNV_PROG_PORT_OUT },
	};

	*progs = 0;
	for (int i = 0; i < o->n_ifaces; i++) {
		char driver[32] = "";
		int geneve, vm_port;

		if (gnv_vm_ports_resolve(&l->ports, o->ifaces[i], l->dev[i],
					 &vm_port))
			return -EINVAL;
		geneve = gnv_is_geneve_dev(l->dev[i]);
		if (geneve < 0) {
			pr_warn("no such interface '%s'\n", l->dev[i]);
			return geneve;
		}
		l->kind[i] = vm_port ? IF_VM_PORT : geneve ? IF_GENEVE : IF_NIC;
		l->ifindex[i] = if_nametoindex(l->dev[i]);
		l->reversed[i] = vm_port &&
			!gnv_netdev_driver(l->dev[i], driver, sizeof(driver)) &&
			!strcmp(driver, "openvswitch");
		if (wants(l, xdp_dir(l, i)))
			*progs |= progs_of[l->kind[i]][0];
		if (wants(l, !xdp_dir(l, i)))
			*progs |= progs_of[l->kind[i]][1];
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
	const char *name = l->dev[i];
	enum gnv_prog prog = l->kind[i] == IF_VM_PORT ? GNV_PROG_PORT_IN :
							GNV_PROG_XDP_IN;
	int ifindex = if_nametoindex(name), bound_fd = -1, err;
	__u64 meta = 0;

	/* A VM's frames carry their own tags: no tunnel's to read aside. */
	if (l->o->xdp_mode == GNV_XDP_GENERIC || !ifindex ||
	    l->kind[i] == IF_VM_PORT)
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
		&l->bpf, prog)), bound_fd, name, l->o->xdp_mode);
}

/* One interface, both directions as asked; undone by detach_all(). */
static int attach(struct live *l, int i)
{
	const char *name = l->dev[i];
	int err = 0;

	if (l->kind[i] == IF_GENEVE) {
		if (wants(l, GNV_DIR_IN))
			err = tc_attach(l, &l->tc_in[i], GNV_PROG_GENEVE_IN,
					name, 1);
		if (!err && wants(l, GNV_DIR_OUT))
			err = tc_attach(l, &l->tc_out[i], GNV_PROG_GENEVE_OUT,
					name, 0);
	} else {
		if (wants(l, xdp_dir(l, i)))
			err = xdp_attach(l, i);
		if (!err && wants(l, !xdp_dir(l, i)))
			err = tc_attach(l, &l->tc_out[i],
					l->kind[i] == IF_VM_PORT ?
					GNV_PROG_PORT_OUT : GNV_PROG_TC_OUT,
					name, 0);
	}
	return err;
}

static const char *tc_kind(const struct gnv_tc *t)
{
	return t->link_fd >= 0 ? "tcx" : "clsact";
}

/* What traces interface i in dir: "XDP native", ... or JSON's words. */
static const char *hook_of(const struct live *l, int i, int dir, int json)
{
	if (l->kind[i] == IF_GENEVE)
		return tc_kind(dir == GNV_DIR_IN ? &l->tc_in[i] : &l->tc_out[i]);
	if (dir != xdp_dir(l, i))
		return tc_kind(&l->tc_out[i]);
	if (l->xdp[i].generic)
		return json ? "xdp-generic" : "XDP generic";
	return json ? "xdp-native" : "XDP native";
}

/* "in (XDP native), out (tcx)": how interface i is traced. */
static void describe_hooks(const struct live *l, int i, char *buf, size_t len)
{
	int in = wants(l, GNV_DIR_IN), out = wants(l, GNV_DIR_OUT);

	if (in && out)
		snprintf(buf, len, "in (%s), out (%s)",
			 hook_of(l, i, GNV_DIR_IN, 0),
			 hook_of(l, i, GNV_DIR_OUT, 0));
	else
		snprintf(buf, len, "%s (%s)", in ? "in" : "out",
			 hook_of(l, i, in ? GNV_DIR_IN : GNV_DIR_OUT, 0));
}

/* The same for the events' "hook" (JSON). */
static void name_hooks(const struct live *l, struct gnv_fmt *f)
{
	const struct gnv_trace_opts *o = l->o;

	_Static_assert(GNV_FMT_HOOKS >= GNV_MAX_IFACES, "a hook per interface");
	for (int i = 0; i < o->n_ifaces; i++)
		for (int dir = 0; dir < 2; dir++)
			if (wants(l, dir))
				gnv_fmt_set_hook(f, l->ifindex[i], dir,
						 hook_of(l, i, dir, 1));
}

/*
 * tcpdump's "listening on": the tests wait for this line too. The same
 * words close the summary (o->attached), one interface after another.
 */
static void say_tracing(const struct live *l, int i)
{
	const struct gnv_trace_opts *o = l->o;
	const char *lport = gnv_vm_ports_lport(&l->ports, l->dev[i]);
	char hooks[64], what[128] = "";
	size_t used;

	describe_hooks(l, i, hooks, sizeof(hooks));
	if (l->kind[i] == IF_GENEVE)
		snprintf(what, sizeof(what), " (a Geneve device: decapsulated)");
	else if (l->kind[i] == IF_VM_PORT)
		snprintf(what, sizeof(what), " (%s%s%s)", l->reversed[i] ?
			 "an OVS internal port, the host's: in is what it "
			 "sends" : "a VM's port", lport ? ", logical port " : "",
			 lport ? lport : "");
	pr_info("tracing %s%s, %s\n", l->dev[i], what, hooks);
	if (!o->attached || !o->attached_len)
		return;
	used = strlen(o->attached);
	snprintf(o->attached + used, o->attached_len - used, "%s%s %s",
		 used ? "; " : "", l->dev[i], hooks);
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
	if (gnv_vm_ports_open(&l.ports, o->ovs_db))
		return -EINVAL;
	err = plan(&l, &progs);
	if (err)
		goto out_ports;
	name_node(&l);
	l.bfd = calloc(1, sizeof(*l.bfd));
	if (!l.bfd) {
		pr_warn("out of memory\n");
		err = -ENOMEM;
		goto out_ports;
	}
	err = journey_start(&l);
	if (err)
		goto out_ports;
	err = gnv_trace_bpf_load(&l.bpf, o, progs, on_event, &l);
	if (err)
		return err;
	/* Before attaching: a port in use stops the run with nothing done. */
	err = gnv_report_start(&l.report, o, &l.bpf, l.joiner);
	if (err)
		goto out;
	l.report.bfd = l.bfd;
	refresh_mtus(&l);
	/* The first frames have their keys: bound before attaching. */
	gnv_vm_ports_refresh(&l.ports, o->names);
	bind_vm_ports(&l);
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
		l.out.fmt.node = l.node;
		bind_vm_ports(&l);	/* now the output's names too */
		journey_announce(&l);
		err = poll_events(&l);
	}
	journey_finish(&l);
	if (l.bfd->n && l.out.lines)
		gnv_format_bfd_sessions(&l.out.fmt, l.bfd, gnv_mono_ns());
	gnv_output_close(&l.out);
	gnv_bpf_add_counts(&l.bpf, c);
	if (gnv_report_final(&l.report) && !err)
		err = -EIO;
out:
	detach_all(&l);
	gnv_report_close(&l.report);
	gnv_bpf_close(&l.bpf);
out_ports:
	free(l.bfd);
	journey_free(&l);
	gnv_vm_ports_close(&l.ports);
	return err;
}
