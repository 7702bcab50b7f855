// SPDX-License-Identifier: MIT
/*
 * The tunnels' health as lines: a BFD session's change of state when it
 * happens, and every session at the end, in text or JSON.
 */
#include <stdio.h>

#include "health/bfd_sessions.h"
#include "ovn/ovn_zones.h"
#include "format.h"

/* "ch2(172.31.254.2) > ch1(172.31.254.1)": a session's two ends. */
static void put_ends(struct gnv_fmt *f, const struct gnv_bfd_session *s)
{
	const char *ch[2] = {
		gnv_ovn_chassis_any(f->names, s->family, s->src),
		gnv_ovn_chassis_any(f->names, s->family, s->dst),
	};
	const __u8 *addr[2] = { s->src, s->dst };

	for (int i = 0; i < 2; i++) {
		if (i)
			ob_str(&f->ob, " > ");
		if (ch[i]) {
			ob_str(&f->ob, ch[i]);
			ob_char(&f->ob, '(');
		}
		ob_addr(&f->ob, s->family, addr[i]);
		if (ch[i])
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
	char buf[160];

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
	put_ends(f, c->s);
	snprintf(buf, sizeof(buf), ": %s -> %s, diag %s",
		 gnv_bfd_state_name(c->from), gnv_bfd_state_name(c->to),
		 gnv_bfd_diag_name(c->s->diag));
	ob_str(ob, buf);
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
		put_ends(f, s);
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
