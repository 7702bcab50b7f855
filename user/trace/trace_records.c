// SPDX-License-Identifier: MIT
/*
 * A capture's records traced on the host: the same parser and filter as
 * the kernel's, built for it, one record after another from where the
 * reader stands (the whole file, or one chunk of gnv_trace_split's).
 */
#include <errno.h>
#include <string.h>

#include "filter.h"
#include "parse.h"
#include "stats/tcp_flows.h"
#include "trace_file.h"

int gnv_reached_count(const struct file_reader *r)
{
	return r->o->count && r->matched >= r->o->count;
}

void gnv_file_too_big(struct file_reader *r, const struct gnv_event *ev)
{
	if (r->o->hist)
		gnv_hist_too_big(&r->hist, &ev->pkt);
	gnv_output_event(&r->out, ev, r->pkt.data, r->pkt.caplen);
}

static void trace_host(struct file_reader *r, struct gnv_event *ev)
{
	const struct capture_pkt *pkt = &r->pkt;
	const struct gnv_filter *f = &r->o->filter;
	int link = pkt->link;
	struct gnv_port_entry *e = NULL;
	int verdict;

	r->c.v[GNV_STAT_PACKETS]++;
	if (r->echoes && gnv_echo_reap_due(&r->next_reap_ns, pkt->ts_ns))
		gnv_echo_reap(r->echoes, &r->hist, pkt->ts_ns,
			      r->o->echo_timeout_ns);
	/*
	 * As the kernel: a filter on the inner packet decides on what it
	 * reads, and only what it takes (or a frame not plainly Geneve) is
	 * parsed in full.
	 */
	if (f->early) {
		/* Each level a constant, so that each is inlined as its own. */
		if (f->early == GNV_FIELDS_PROTO)
			verdict = gnv_parse_frame_fields(
				pkt->data, pkt->data + pkt->caplen, link,
				f->geneve_port, f->vxlan_port, &ev->pkt,
				GNV_FIELDS_PROTO);
		else
			verdict = gnv_parse_frame_fields(
				pkt->data, pkt->data + pkt->caplen, link,
				f->geneve_port, f->vxlan_port, &ev->pkt,
				GNV_FIELDS_FILTER);
		if (verdict == GNV_NOT_GENEVE)
			return;
		if (verdict == GNV_GENEVE &&
		    !gnv_filter_match(f, &ev->pkt, NULL)) {
			r->c.v[GNV_STAT_GENEVE]++;
			return;
		}
	}
	verdict = gnv_parse_frame(pkt->data, pkt->data + pkt->caplen, link,
				  f->geneve_port, f->vxlan_port, &ev->pkt);
	if (verdict == GNV_MALFORMED)
		r->c.v[GNV_STAT_MALFORMED + ev->pkt.malformed]++;
	if (verdict == GNV_UNDERLAY_TOO_BIG) {
		r->c.v[GNV_STAT_UNDERLAY_TOO_BIG]++;
		ev->ts_ns = pkt->ts_ns;
		ev->pkt_len = pkt->len;
		gnv_file_too_big(r, ev);
	}
	if (verdict != GNV_GENEVE)
		return;
	r->c.v[GNV_STAT_GENEVE]++;
	if (!gnv_filter_match(f, &ev->pkt,
			      &(struct gnv_frame){ pkt->data, pkt->caplen,
						   pkt->len }))
		return;
	r->c.v[GNV_STAT_MATCHED]++;
	r->matched++;
	if (r->o->hist)
		e = gnv_hist_count(&r->hist, &ev->pkt, GNV_DIR_IN, pkt->len,
				   r->o->mtu);
	if (e && r->tcp_flows)
		gnv_tcp_flows_count(r->tcp_flows, &e->stats, &ev->pkt,
				    pkt->ts_ns, &r->c.v[GNV_STAT_TCP_EVICTED]);
	if (r->echoes)
		gnv_echo_count(r->echoes, &r->hist, &ev->pkt, GNV_DIR_IN,
			       pkt->ts_ns, r->o->echo_timeout_ns,
			       &r->c.v[GNV_STAT_ECHO_DISPLACED]);
	ev->ts_ns = pkt->ts_ns;
	ev->pkt_len = pkt->len;
	memcpy(ev->opts, pkt->data + ev->pkt.opts_off, ev->pkt.opts_len);
	gnv_output_event(&r->out, ev, pkt->data, pkt->caplen);
	gnv_file_bfd_seen(r, ev, pkt->data, pkt->caplen);
}

int gnv_read_records(struct file_reader *r, char *err, size_t errlen)
{
	struct gnv_event ev;
	int n;

	memset(&ev, 0, sizeof(ev));
	ev.abi_version = GNV_ABI_VERSION;
	while (!gnv_exiting && !gnv_reached_count(r)) {
		n = capture_next(r->cap, &r->pkt, err, errlen);
		if (n < 0)
			return -EINVAL;
		if (n == 0)
			break;
		trace_host(r, &ev);
	}
	return 0;
}
