// SPDX-License-Identifier: MIT
/*
 * Journeys written out: one line each (text), or one JSON object, and at
 * the end the counters per hop and per pair of nodes.
 */
#include <stdio.h>
#include <string.h>

#include "output/format.h"
#include "journey_print.h"

/* "14us", "1.234ms", "2.5s": a span as an operator reads it. */
static void put_span(struct outbuf *ob, __u64 ns)
{
	char buf[32];

	if (ns < 999500)
		snprintf(buf, sizeof(buf), "%lluus",
			 (unsigned long long)((ns + 500) / 1000));
	else if (ns < 1000000000)
		snprintf(buf, sizeof(buf), "%.3fms", ns / 1e6);
	else
		snprintf(buf, sizeof(buf), "%.3fs", ns / 1e9);
	ob_str(ob, buf);
}

static void put_point(struct outbuf *ob, const struct gnv_joiner *j, int p)
{
	char name[GNV_POINT_NAME_LEN];

	gnv_point_name(j, p, name, sizeof(name));
	ob_str(ob, name);
}

/* Where it was lost, for an operator: the node's pipeline or the wire. */
static void put_loss_text(struct outbuf *ob, const struct gnv_joiner *j,
			  const struct gnv_journey *jr)
{
	const struct gnv_point *last = &j->points[jr->obs[jr->n - 1].point];

	ob_str(ob, " -> LOST before ");
	put_point(ob, j, jr->expected);
	if (jr->end == GNV_JOURNEY_LOST_UNDERLAY) {
		ob_str(ob, " (in the underlay from ");
		ob_str(ob, j->nodes[last->node].name);
		ob_str(ob, " to ");
		ob_str(ob, j->nodes[jr->expected_node].name);
	} else {
		ob_str(ob, " (on ");
		ob_str(ob, j->nodes[last->node].name);
		ob_str(ob, ", in Open vSwitch: OVN's flows, an ACL, a queue");
	}
	ob_char(ob, ')');
}

static void print_text(struct gnv_journey_out *o, const struct gnv_joiner *j,
		       const struct gnv_journey *jr)
{
	struct outbuf *ob = &o->ob;
	char id[24];

	gnv_text_time(ob, jr->obs[0].ts_ns + o->clock_offset_ns);
	ob_char(ob, ' ');
	gnv_text_inner(ob, &jr->obs[0].pkt, 1);
	snprintf(id, sizeof(id), ", pkt %08x: ", jr->pkt_id);
	ob_str(ob, id);
	for (int i = 0; i < jr->n; i++) {
		__u64 ns, err;

		if (i)
			ob_str(ob, " -> ");
		put_point(ob, j, jr->obs[i].point);
		if (!i)
			continue;
		if (gnv_journey_hop(j, jr, i, &ns, &err)) {
			ob_str(ob, " +? (clocks not compared yet)");
			continue;
		}
		ob_str(ob, " +");
		put_span(ob, ns);
		if (err) {
			ob_str(ob, "\xc2\xb1");	/* ± */
			put_span(ob, err);
		}
	}
	if (jr->end != GNV_JOURNEY_DONE)
		put_loss_text(ob, j, jr);
	ob_char(ob, '\n');
}

static const char *const kind_names[] = {
	[GNV_POINT_NIC] = "nic", [GNV_POINT_GENEVE] = "geneve",
	[GNV_POINT_VM_PORT] = "vm_port",
};

/*
 * A point's fields, what a joiner reading them back needs to know it
 * (journey_json.c): its name, node, interface, kind, direction and, for
 * a VM's port, its logical port and OVN keys.
 */
static void put_point_fields(struct outbuf *ob, const struct gnv_joiner *j,
			     int point)
{
	const struct gnv_point *p = &j->points[point];
	char name[GNV_POINT_NAME_LEN];

	gnv_point_name(j, point, name, sizeof(name));
	ob_str(ob, "\"point\":");	/* the first field of its object */
	ob_json_str(ob, name);
	ob_json_key_str(ob, "node", j->nodes[p->node].name);
	ob_json_key_str(ob, "ifname", p->ifname);
	ob_json_key_str(ob, "kind", kind_names[p->kind]);
	ob_json_key_str(ob, "dir", p->dir == GNV_DIR_OUT ? "out" : "in");
	if (p->lport[0])
		ob_json_key_str(ob, "lport", p->lport);
	if (p->port_key) {
		ob_json_key_u64(ob, "dp_key", p->dp_key);
		ob_json_key_u64(ob, "port_key", p->port_key);
	}
}

/* What one sighting adds: the tunnel's ends and OVN's keys there. */
static void put_sighting(struct outbuf *ob, const struct gnv_obs *x)
{
	const struct gnv_pkt *p = &x->pkt;

	ob_json_key_u64(ob, "len", x->len);
	if (p->outer_family) {
		ob_str(ob, ",\"outer_src\":\"");
		ob_addr(ob, p->outer_family, p->outer_src);
		ob_str(ob, "\",\"outer_dst\":\"");
		ob_addr(ob, p->outer_family, p->outer_dst);
		ob_char(ob, '"');
	}
	if (p->flags & GNV_F_OVN) {
		ob_json_key_u64(ob, "vni", p->vni);
		ob_json_key_u64(ob, "ovn_inport", p->ovn_inport);
		ob_json_key_u64(ob, "ovn_outport", p->ovn_outport);
	}
}

static void print_json(struct gnv_journey_out *o, const struct gnv_joiner *j,
		       const struct gnv_journey *jr)
{
	struct gnv_pkt inner = jr->obs[0].pkt;
	struct outbuf *ob = &o->ob;
	char id[16];

	ob_str(ob, "{\"ts\":");
	ob_secs(ob, jr->obs[0].ts_ns + o->clock_offset_ns);
	snprintf(id, sizeof(id), "%08x", jr->pkt_id);
	ob_json_key_str(ob, "pkt_id", id);
	inner.flags &= ~GNV_F_INNER_ETH;	/* MACs change on the way */
	gnv_json_inner(ob, &inner);
	ob_str(ob, ",\"hops\":[");
	for (int i = 0; i < jr->n; i++) {
		const struct gnv_obs *x = &jr->obs[i];
		__u64 ns, err;

		ob_str(ob, i ? ",{\"ts\":" : "{\"ts\":");
		ob_secs(ob, x->ts_ns + o->clock_offset_ns);
		ob_char(ob, ',');
		put_point_fields(ob, j, x->point);
		put_sighting(ob, x);
		if (i && !gnv_journey_hop(j, jr, i, &ns, &err)) {
			ob_json_key_u64(ob, "hop_ns", ns);
			ob_json_key_u64(ob, "hop_err_ns", err);
		}
		ob_char(ob, '}');
	}
	ob_char(ob, ']');
	if (jr->end != GNV_JOURNEY_DONE) {
		ob_json_key_str(ob, "lost", jr->end == GNV_JOURNEY_LOST_UNDERLAY ?
				    "underlay" : "node");
		ob_str(ob, ",\"lost_before\":{");
		put_point_fields(ob, j, jr->expected);
		ob_char(ob, '}');
	}
	ob_str(ob, "}\n");
}

void gnv_journey_print_points(struct gnv_journey_out *o,
			      const struct gnv_joiner *j)
{
	struct outbuf *ob = &o->ob;

	if (o->mode != GNV_OUT_JSON)
		return;
	ob_str(ob, "{\"tracing\":[");
	for (int i = 0; i < j->n_points; i++) {
		ob_str(ob, i ? ",{" : "{");
		put_point_fields(ob, j, i);
		ob_char(ob, '}');
	}
	ob_str(ob, "]}\n");
	ob_flush(ob);
}

void gnv_journey_out_init(struct gnv_journey_out *o, FILE *out,
			  enum gnv_format mode, __s64 clock_offset_ns)
{
	memset(o, 0, sizeof(*o));
	ob_init(&o->ob, out);
	o->mode = mode;
	o->clock_offset_ns = clock_offset_ns;
}

void gnv_journey_print(void *ctx, const struct gnv_joiner *j,
		       const struct gnv_journey *jr)
{
	struct gnv_journey_out *o = ctx;

	if (o->mode == GNV_OUT_JSON)
		print_json(o, j, jr);
	else
		print_text(o, j, jr);
	ob_maybe_flush(&o->ob);
}

/* The bucket holding the median: its low edge. */
static __u64 median_us(const struct gnv_hop_stats *s)
{
	__u64 total = 0, run = 0;

	for (int k = 0; k < GNV_JOURNEY_LAT_SLOTS; k++)
		total += s->lat_slots[k];
	for (int k = 0; k < GNV_JOURNEY_LAT_SLOTS; k++) {
		run += s->lat_slots[k];
		if (total && run * 2 >= total)
			return k ? 1ULL << k : 0;
	}
	return 0;
}

/* JSON: an element of "hops" or "tunnels", after the first a comma. */
struct json_list {
	struct outbuf *ob;
	int n;
};

static void hop_json(void *ctx, const char *from, const char *to,
		     const struct gnv_hop_stats *s)
{
	struct json_list *l = ctx;

	ob_str(l->ob, l->n++ ? ",{\"from\":" : "{\"from\":");
	ob_json_str(l->ob, from);
	ob_json_key_str(l->ob, "to", to);
	ob_json_key_u64(l->ob, "passed", s->seen);
	ob_json_key_u64(l->ob, "lost", s->lost);
	ob_char(l->ob, '}');
}

static void tunnel_json(void *ctx, const char *from, const char *to,
			const struct gnv_hop_stats *s)
{
	struct json_list *l = ctx;

	ob_str(l->ob, l->n++ ? ",{\"from\":" : "{\"from\":");
	ob_json_str(l->ob, from);
	ob_json_key_str(l->ob, "to", to);
	ob_json_key_u64(l->ob, "sent", s->seen + s->lost);
	ob_json_key_u64(l->ob, "arrived", s->seen);
	ob_json_key_u64(l->ob, "lost", s->lost);
	ob_char(l->ob, '}');
}

/* The same counters as one JSON record, {"summary":{...}}. */
static void summary_json(struct outbuf *ob, const struct gnv_joiner *j)
{
	struct json_list hops = { ob, 0 }, tunnels = { ob, 0 };
	int n = 0;

	ob_str(ob, "{\"summary\":{\"journeys\":");
	ob_u64(ob, j->journeys);
	ob_json_key_u64(ob, "left_out", j->overflowed);
	ob_str(ob, ",\"hops\":[");
	gnv_journey_each_hop(j, hop_json, &hops);
	ob_str(ob, "],\"tunnels\":[");
	gnv_journey_each_tunnel(j, tunnel_json, &tunnels);
	ob_str(ob, "],\"clocks\":[");
	for (int b = 0; b < j->n_nodes; b++) {
		const struct gnv_jnode *nd = &j->nodes[b];
		char off[32];

		if (!nd->has_offset || b == j->ref)
			continue;
		ob_str(ob, n++ ? ",{\"node\":" : "{\"node\":");
		ob_json_str(ob, nd->name);
		snprintf(off, sizeof(off), "%lld", (long long)nd->offset_ns);
		ob_str(ob, ",\"offset_ns\":");
		ob_str(ob, off);
		ob_json_key_u64(ob, "offset_err_ns", nd->offset_err_ns);
		ob_char(ob, '}');
	}
	ob_str(ob, "]}}\n");
	ob_flush(ob);
}

static void hop_text(void *ctx, const char *from, const char *to,
		     const struct gnv_hop_stats *s)
{
	char line[400];

	snprintf(line, sizeof(line), "%s -> %s", from, to);
	fprintf(ctx, "  %-48s %8llu passed %8llu lost", line,
		(unsigned long long)s->seen, (unsigned long long)s->lost);
	if (s->seen)
		fprintf(ctx, "  median >= %lluus",
			(unsigned long long)median_us(s));
	fprintf(ctx, "\n");
}

static void tunnel_text(void *ctx, const char *from, const char *to,
			const struct gnv_hop_stats *s)
{
	fprintf(ctx, "  tunnel %s -> %s: %llu sent, %llu arrived, %llu lost",
		from, to, (unsigned long long)(s->seen + s->lost),
		(unsigned long long)s->seen, (unsigned long long)s->lost);
	if (s->seen)
		fprintf(ctx, ", one-way median >= %lluus",
			(unsigned long long)median_us(s));
	fprintf(ctx, "\n");
}

void gnv_journey_summary(struct gnv_journey_out *o, const struct gnv_joiner *j)
{
	struct outbuf *ob = &o->ob;

	if (o->mode == GNV_OUT_JSON) {
		summary_json(ob, j);
		return;
	}
	ob_flush(ob);
	fprintf(ob->out, "journeys: %llu", (unsigned long long)j->journeys);
	if (j->overflowed)
		fprintf(ob->out, " (%llu observations left out: more than %d "
			"points, or out of memory)",
			(unsigned long long)j->overflowed,
			GNV_JOURNEY_MAX_HOPS);
	fprintf(ob->out, "\n");
	gnv_journey_each_hop(j, hop_text, ob->out);
	gnv_journey_each_tunnel(j, tunnel_text, ob->out);
	for (int b = 0; b < j->n_nodes; b++) {
		const struct gnv_jnode *n = &j->nodes[b];
		const char *ref = j->nodes[j->ref].name;

		if (b == j->ref)
			continue;
		if (!n->has_offset)
			fprintf(ob->out, "  clock of %s: not compared with %s's "
				"(no packet seen crossing both ways)\n",
				n->name, ref);
		else
			fprintf(ob->out, "  clock of %s: %+.1fus against %s's, "
				"\xc2\xb1%.1fus\n", n->name, n->offset_ns / 1e3,
				ref, n->offset_err_ns / 1e3);
	}
	fflush(ob->out);
}
