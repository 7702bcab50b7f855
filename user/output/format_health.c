// SPDX-License-Identifier: MIT
/*
 * The tunnels' health as lines: a BFD session's change of state when it
 * happens, and every session at the end; a router's "too big" for a
 * tunnel; in text or JSON.
 */
#include <stdio.h>

#include "lib/ifname.h"
#include "parse.h"

#include "health/bfd_sessions.h"
#include "ovn/ovn_zones.h"
#include "format.h"

/* "ch2(172.31.254.2) > ch1(172.31.254.1)": two underlay addresses. */
static void put_addrs(struct gnv_fmt *f, int family, const __u8 *src,
		      const __u8 *dst)
{
	const __u8 *addr[2] = { src, dst };

	for (int i = 0; i < 2; i++) {
		const char *ch = gnv_ovn_chassis_any(f->names, family, addr[i]);

		if (i)
			ob_str(&f->ob, " > ");
		if (ch) {
			ob_str(&f->ob, ch);
			ob_char(&f->ob, '(');
		}
		ob_addr(&f->ob, family, addr[i]);
		if (ch)
			ob_char(&f->ob, ')');
	}
}

/* A session's ends and state as JSON fields, after "{"ts":...". */
static void json_session(struct gnv_fmt *f, const struct gnv_bfd_session *s)
{
	struct outbuf *ob = &f->ob;

	ob_json_key_str(ob, "node", f->live ? f->node : NULL);
	ob_str(ob, ",\"outer_src\":\"");
	ob_addr(ob, s->family, s->src);
	ob_str(ob, "\",\"outer_dst\":\"");
	ob_addr(ob, s->family, s->dst);
	ob_char(ob, '"');
	ob_json_key_str(ob, "outer_src_chassis",
		gnv_ovn_chassis_any(f->names, s->family, s->src));
	ob_json_key_str(ob, "outer_dst_chassis",
		gnv_ovn_chassis_any(f->names, s->family, s->dst));
	ob_json_key_str(ob, "bfd_state", gnv_bfd_state_name(s->state));
	ob_json_key_u64(ob, "bfd_diag", s->diag);
	ob_json_key_str(ob, "bfd_diag_name", gnv_bfd_diag_name(s->diag));
}

static void put_ts(struct gnv_fmt *f, __u64 ns)
{
	ns += f->clock_offset_ns;
	if (f->mode == GNV_OUT_JSON) {
		ob_str(&f->ob, "{\"ts\":");
		ob_secs(&f->ob, ns);
	} else {
		gnv_text_time(&f->ob, ns);
	}
}

void gnv_format_bfd_change(struct gnv_fmt *f, const struct gnv_bfd_change *c)
{
	struct outbuf *ob = &f->ob;

	put_ts(f, c->at_ns);
	if (f->mode == GNV_OUT_JSON) {
		ob_str(ob, ",\"bfd_change\":true");
		json_session(f, c->s);
		ob_json_key_str(ob, "bfd_state_was", gnv_bfd_state_name(c->from));
		ob_str(ob, c->silence ? ",\"bfd_silent\":true}\n" :
					",\"bfd_silent\":false}\n");
		return;
	}
	ob_str(ob, " BFD ");
	put_addrs(f, c->s->family, c->s->src, c->s->dst);
	ob_str(ob, ": ");
	ob_str(ob, gnv_bfd_state_name(c->from));
	ob_str(ob, " -> ");
	ob_str(ob, gnv_bfd_state_name(c->to));
	ob_str(ob, ", diag ");
	ob_str(ob, gnv_bfd_diag_name(c->s->diag));
	if (c->silence)
		ob_str(ob, " (silent past its detection time)");
	ob_char(ob, '\n');
}

void gnv_format_bfd_sessions(struct gnv_fmt *f,
			     const struct gnv_bfd_sessions *t, __u64 now_ns)
{
	struct outbuf *ob = &f->ob;
	char buf[200];

	for (int i = 0; i < t->n; i++) {
		const struct gnv_bfd_session *s = &t->s[i];
		double ago = now_ns > s->last_ns ?
			     (now_ns - s->last_ns) / 1e9 : 0;

		if (f->mode == GNV_OUT_JSON) {
			ob_str(ob, "{\"bfd_session\":true");
			json_session(f, s);
			ob_json_key_u64(ob, "bfd_packets", s->packets);
			ob_json_key_u64(ob, "bfd_changes", s->changes);
			snprintf(buf, sizeof(buf),
				 ",\"bfd_seconds_since_last\":%.3f}\n", ago);
			ob_str(ob, buf);
			continue;
		}
		ob_str(ob, "bfd ");
		put_addrs(f, s->family, s->src, s->dst);
		snprintf(buf, sizeof(buf), ": %s, %llu packets, %llu "
			 "changes, last diag %s, last packet %.1f s ago%s\n",
			 gnv_bfd_state_name(s->state),
			 (unsigned long long)s->packets,
			 (unsigned long long)s->changes,
			 gnv_bfd_diag_name(s->diag), ago,
			 s->silent ? " (silent)" : "");
		ob_str(ob, buf);
	}
	if (t->untracked && f->mode != GNV_OUT_JSON) {
		snprintf(buf, sizeof(buf), "bfd: %llu packets of sessions past "
			 "the %d followed\n", (unsigned long long)t->untracked,
			 GNV_BFD_MAX_SESSIONS);
		ob_str(ob, buf);
	}
	ob_flush(ob);
}

/*
 * An underlay "too big" (ev->pkt.underlay): "eth1 in 10.0.0.254 >
 * ch1(10.0.0.1): ICMP fragmentation needed, MTU 1400, for tunnel
 * ch1(10.0.0.1) > ch2(10.0.0.2) udp 51234 > 6081, frame 590". JSON: the
 * event's outer_src/outer_dst are the tunnel's, "router" the sender's.
 */
void gnv_format_underlay_too_big(struct gnv_fmt *f, const struct gnv_event *ev)
{
	const struct gnv_pkt *p = &ev->pkt;
	struct outbuf *ob = &f->ob;
	const char *ch[2] = {
		gnv_ovn_chassis_any(f->names, p->inner_family, p->inner_src),
		gnv_ovn_chassis_any(f->names, p->inner_family, p->inner_dst),
	};
	const char *what = p->icmp_type == 3 ? "ICMP fragmentation needed" :
					       "ICMPv6 packet too big";
	__u32 mtu = gnv_too_big_mtu(p);

	put_ts(f, ev->ts_ns);
	if (f->mode == GNV_OUT_JSON) {
		if (f->live) {
			ob_json_key_str(ob, "node", f->node);
			ob_json_key_str(ob, "ifname", gnv_ifname(ev->ifindex));
			ob_json_key_str(ob, "dir", ev->dir == GNV_DIR_OUT ?
						   "out" : "in");
		}
		ob_str(ob, ",\"underlay_too_big\":true,\"router\":\"");
		ob_addr(ob, p->outer_family, p->outer_src);
		ob_str(ob, "\",\"outer_src\":\"");
		ob_addr(ob, p->inner_family, p->inner_src);
		ob_str(ob, "\",\"outer_dst\":\"");
		ob_addr(ob, p->inner_family, p->inner_dst);
		ob_char(ob, '"');
		ob_json_key_str(ob, "outer_src_chassis", ch[0]);
		ob_json_key_str(ob, "outer_dst_chassis", ch[1]);
		ob_json_key_u64(ob, "outer_sport", p->sport);
		ob_json_key_u64(ob, "outer_dport", p->dport);
		ob_json_key_u64(ob, "icmp_type", p->icmp_type);
		ob_json_key_u64(ob, "icmp_code", p->icmp_code);
		ob_json_key_u64(ob, "mtu", mtu);
		ob_json_key_u64(ob, "len", ev->pkt_len);
		ob_str(ob, "}\n");
		return;
	}
	ob_char(ob, ' ');
	if (f->live) {
		ob_str(ob, gnv_ifname(ev->ifindex));
		ob_str(ob, ev->dir == GNV_DIR_OUT ? " out " : " in ");
	}
	ob_addr(ob, p->outer_family, p->outer_src);
	ob_str(ob, " > ");
	ob_addr(ob, p->outer_family, p->outer_dst);
	ob_str(ob, ": ");
	ob_str(ob, what);
	if (mtu) {
		ob_str(ob, ", MTU ");
		ob_u64(ob, mtu);
	}
	ob_str(ob, ", for tunnel ");
	put_addrs(f, p->inner_family, p->inner_src, p->inner_dst);
	ob_str(ob, " udp ");
	ob_u64(ob, p->sport);
	ob_str(ob, " > ");
	ob_u64(ob, p->dport);
	ob_str(ob, ", frame ");
	ob_u64(ob, ev->pkt_len);
	ob_char(ob, '\n');
}
