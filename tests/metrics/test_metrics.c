// SPDX-License-Identifier: MIT
/*
 * The Prometheus exposition of a trace's counters: the text of crafted
 * counts, label escaping, the atomic file, and the /metrics server over a
 * plain socket (status, content type, body, 404, 405, bind errors).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/abi_names.h"
#include "lib/dynlib.h"
#include "ovn/ovn_names.h"
#include "stats/metrics.h"
#include "test_util.h"

/* What the metrics are rendered from: the counters and the port table. */
#define SRC(c, h) (&(struct gnv_metrics_src){ .counts = (c), .hist = (h) })

#define U1 "00000000-0000-0000-0000-000000000001"
#define U2 "00000000-0000-0000-0000-000000000002"
#define U3 "00000000-0000-0000-0000-000000000003"
#define U4 "00000000-0000-0000-0000-000000000004"
#define U5 "00000000-0000-0000-0000-000000000005"
#define U6 "00000000-0000-0000-0000-000000000006"

/* One Southbound row, as the client applies it. */
static void apply_row(struct gnv_ovn_names *n, enum gnv_ovn_table t,
		      const char *uuid, const char *row_json)
{
	json_t *row = json_loads(row_json, 0, NULL);
	char err[128] = "";

	ASSERT_TRUE(row && gnv_ovn_names_apply(n, t, uuid, row, err,
					       sizeof(err)) == 1, "row applied");
	json_decref(row);
}

/* Renders src into a string the caller frees. */
static char *render_src(const struct gnv_metrics_src *src, size_t *lenp)
{
	struct outbuf ob;
	size_t len = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);

	ob_init(&ob, f);
	gnv_metrics_render(&ob, src);
	ob_free(&ob);
	fclose(f);
	if (lenp)
		*lenp = len;
	return text;
}

static char *render(const struct gnv_counts *c, const struct gnv_hist *h,
		    size_t *lenp)
{
	return render_src(SRC(c, h), lenp);
}

static char *labels_text(const struct gnv_label *l, int n)
{
	struct outbuf ob;
	size_t len = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);

	ob_init(&ob, f);
	gnv_metrics_labels(&ob, l, n);
	ob_free(&ob);
	fclose(f);
	return text;
}

/* Where line starts a whole line of text, or NULL. */
static const char *find_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return p;
	return NULL;
}

#define ASSERT_LINE(text, line) ({					\
	int ok_ = test_check(find_line(text, line) != NULL, __FILE__,	\
			     __LINE__, "line");				\
	if (!ok_)							\
		fprintf(stderr, "no line '%s'\n", line);		\
	ok_;								\
})

#define ASSERT_NO_LINE_WITH(text, sub) ({				\
	int ok_ = test_check(strstr(text, sub) == NULL, __FILE__,	\
			     __LINE__, "absent");			\
	if (!ok_)							\
		fprintf(stderr, "unexpected '%s'\n", sub);		\
	ok_;								\
})

static int count_str(const char *text, const char *sub)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, sub)); p++)
		n++;
	return n;
}

static void add_key(struct gnv_hist *h, __u32 vni, int has_port, __u16 port,
		    __u8 dir, struct gnv_port_entry **out)
{
	struct gnv_port_key k = {
		.vni = vni, .port = port, .dir = dir, .has_port = has_port,
	};

	gnv_hist_entry(h, &k);
	*out = &h->e[h->n - 1];
}

/* A key with its tunnel's endpoints (port 0: no OVN option), going out. */
static void add_tunnel_key(struct gnv_hist *h, __u32 vni, __u16 port,
			   const char *src, const char *dst, __u64 packets)
{
	struct gnv_port_key k = {
		.vni = vni, .port = port, .dir = GNV_DIR_OUT,
		.has_port = port != 0,
	};
	struct gnv_port_entry *e;
	int af = strchr(src, ':') ? AF_INET6 : AF_INET;

	k.outer_family = af == AF_INET ? 4 : 6;
	inet_pton(af, src, k.outer_src);
	inet_pton(af, dst, k.outer_dst);
	e = gnv_hist_entry(h, &k);
	e->stats.packets = packets;
	e->stats.bytes = packets * 100;
	e->stats.size_slots[6] = packets;
}

/* A router's "too big" for the tunnel src > dst, as the parser has it. */
static void too_big(struct gnv_hist *h, const char *src, const char *dst,
		    __u16 mtu)
{
	struct gnv_pkt p = { .inner_family = 4, .outer_family = 4,
			     .icmp_type = 3, .icmp_code = 4, .icmp_seq = mtu,
			     .underlay = 1 };

	inet_pton(AF_INET, src, p.inner_src);
	inet_pton(AF_INET, dst, p.inner_dst);
	inet_pton(AF_INET, "172.31.0.254", p.outer_src);
	gnv_hist_too_big(h, &p);
}

static struct gnv_counts counts;
static struct gnv_hist hist;

/* Keys added out of order; the expected text sorts them. */
static void craft(void)
{
	struct gnv_port_entry *e;

	memset(&counts, 0, sizeof(counts));
	counts.v[GNV_STAT_PACKETS] = 100;
	counts.v[GNV_STAT_GENEVE] = 90;
	counts.v[GNV_STAT_MATCHED] = 80;
	counts.v[GNV_STAT_LOST] = 2;
	counts.v[GNV_STAT_PORT_KEYS] = 4;
	counts.v[GNV_STAT_ECHO_DISPLACED] = 2;
	counts.v[GNV_STAT_TCP_EVICTED] = 4;
	counts.v[GNV_STAT_UNDERLAY_TOO_BIG] = 3;
	counts.v[GNV_STAT_MALFORMED + GNV_BAD_OPTS_OVERRUN] = 5;
	counts.v[GNV_STAT_MALFORMED + GNV_BAD_TRUNC_INNER_L4] = 6;

	gnv_hist_free(&hist);
	hist.dropped = 11;
	hist.evicted = 12;

	/* vni 5 port 3 out: 7 frames of 64..127, 2 of 1024..2047, 1 huge */
	add_key(&hist, 5, 1, 3, GNV_DIR_OUT, &e);
	e->stats.packets = 10;
	e->stats.bytes = 7 * 100 + 2 * 1500 + 70000;
	e->stats.size_slots[6] = 7;
	e->stats.size_slots[10] = 2;
	e->stats.size_slots[16] = 1;
	/* round trips: one under 2 us, two of 512..1023 us */
	e->stats.rtt_count = 3;
	e->stats.rtt_slots[0] = 1;
	e->stats.rtt_slots[9] = 2;
	e->stats.rtt_sum_ns = 500 + 2 * 700000;
	e->unanswered = 1;
	/* TCP handshakes: one of 300 us, one of 1.5 s; a SYN unanswered */
	e->stats.syn_count = 2;
	e->stats.syn_slots[8] = 1;
	e->stats.syn_slots[20] = 1;
	e->stats.syn_sum_ns = 300000 + 1500000000ULL;
	e->syn_unanswered = 1;
	/* TCP: 40 segments with data, 3 resent */
	e->stats.tcp_data_segs = 40;
	e->stats.tcp_retrans = 3;
	/* MTU trouble: 2 frames too large, 1 SYN whose MSS will not fit */
	e->stats.max_len = 70000;
	e->stats.over_mtu = 2;
	e->stats.mss_over = 1;
	e->stats.mss_overhead = 98;

	/* vni 5 without OVN's option */
	add_key(&hist, 5, 0, 0, GNV_DIR_IN, &e);
	e->stats.packets = 4;
	e->stats.bytes = 400;
	e->stats.size_slots[6] = 4;

	/* vni 2 port 9 in: one frame of 60 bytes, one round trip of 100 s */
	add_key(&hist, 2, 1, 9, GNV_DIR_IN, &e);
	e->stats.packets = 1;
	e->stats.bytes = 60;
	e->stats.max_len = 60;
	e->stats.too_big = 1;		/* a "too big" to its VM */
	e->stats.too_big_mtu = 1300;
	e->stats.size_slots[5] = 1;
	e->stats.rtt_count = 1;
	e->stats.rtt_slots[26] = 1;
	e->stats.rtt_sum_ns = 100000000000ULL;

	/* vni 5 port 3 in: no round trips, but unanswered requests */
	add_key(&hist, 5, 1, 3, GNV_DIR_IN, &e);
	e->stats.packets = 3;
	e->stats.bytes = 3 * 98;
	e->stats.size_slots[6] = 3;
	e->unanswered = 3;

	/* vni 7 port 4 out to two chassis, and vni 8 over IPv6 */
	add_tunnel_key(&hist, 7, 4, "172.31.254.1", "172.31.254.2", 2);
	add_tunnel_key(&hist, 7, 4, "172.31.254.1", "172.31.254.3", 5);
	add_tunnel_key(&hist, 8, 0, "2001:db8::1", "2001:db8::2", 6);

	/* Routers' "too big"s: two for one tunnel (1450, then 1400), one
	 * announcing no MTU for another. */
	too_big(&hist, "172.31.254.1", "172.31.254.2", 1450);
	too_big(&hist, "172.31.254.1", "172.31.254.2", 1400);
	too_big(&hist, "172.31.254.1", "172.31.254.3", 0);
}

static const char *const families[][2] = {
	{ "gnvtrace_packets_total", "counter" },
	{ "gnvtrace_geneve_packets_total", "counter" },
	{ "gnvtrace_matched_packets_total", "counter" },
	{ "gnvtrace_lost_events_total", "counter" },
	{ "gnvtrace_malformed_packets_total", "counter" },
	{ "gnvtrace_port_keys_added_total", "counter" },
	{ "gnvtrace_port_keys_evicted_total", "counter" },
	{ "gnvtrace_icmp_echo_displaced_total", "counter" },
	{ "gnvtrace_tcp_flows_evicted_total", "counter" },
	{ "gnvtrace_port_uncounted_packets_total", "counter" },
	{ "gnvtrace_underlay_too_big_total", "counter" },
	{ "gnvtrace_tunnel_too_big_total", "counter" },
	{ "gnvtrace_tunnel_too_big_mtu_bytes", "gauge" },
	{ "gnvtrace_port_packets_total", "counter" },
	{ "gnvtrace_port_bytes_total", "counter" },
	{ "gnvtrace_port_packet_size_bytes", "histogram" },
	{ "gnvtrace_port_icmp_rtt_seconds", "histogram" },
	{ "gnvtrace_port_icmp_unanswered_total", "counter" },
	{ "gnvtrace_port_tcp_handshake_seconds", "histogram" },
	{ "gnvtrace_port_tcp_syn_unanswered_total", "counter" },
	{ "gnvtrace_port_tcp_data_segments_total", "counter" },
	{ "gnvtrace_port_tcp_retransmits_total", "counter" },
	{ "gnvtrace_port_max_frame_bytes", "gauge" },
	{ "gnvtrace_port_over_mtu_total", "counter" },
	{ "gnvtrace_port_too_big_total", "counter" },
	{ "gnvtrace_port_too_big_mtu_bytes", "gauge" },
	{ "gnvtrace_port_syn_mss_over_mtu_total", "counter" },
	{ "gnvtrace_port_tunnel_overhead_bytes", "gauge" },
};
#define N_FAMILIES (int)(sizeof(families) / sizeof(families[0]))

/* The family a sample line belongs to, by the families table. */
static int family_of(const char *line)
{
	size_t n = strcspn(line, "{ ");
	int best = -1;
	size_t best_len = 0;

	for (int i = 0; i < N_FAMILIES; i++) {
		size_t fl = strlen(families[i][0]);

		if (fl <= n && !strncmp(line, families[i][0], fl) &&
		    (fl == n || !strcmp(families[i][1], "histogram")) &&
		    fl > best_len) {
			best = i;
			best_len = fl;
		}
	}
	return best;
}

/* HELP then TYPE before each family's samples, families not interleaved. */
static void check_structure(const char *text)
{
	int seen[N_FAMILIES] = { 0 }, cur = -1, bad = 0, samples = 0;
	char *copy = strdup(text), *save, *line;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "# HELP ", 7)) {
			int f = family_of(line + 7);

			if (f < 0 || seen[f]++) {
				fprintf(stderr, "stray HELP: %s\n", line);
				bad++;
			}
			cur = f;
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char want[128];

			if (cur >= 0)
				snprintf(want, sizeof(want), "# TYPE %s %s",
					 families[cur][0], families[cur][1]);
			if (cur < 0 || strcmp(line, want)) {
				fprintf(stderr, "bad TYPE: %s\n", line);
				bad++;
			}
			continue;
		}
		samples++;
		if (family_of(line) != cur || cur < 0) {
			fprintf(stderr, "sample outside its family: %s\n", line);
			bad++;
		}
	}
	free(copy);
	ASSERT_EQ(bad, 0, "HELP, TYPE and samples in order");
	for (int i = 0; i < N_FAMILIES; i++)
		if (!ASSERT_EQ(seen[i], 1, "each family once"))
			fprintf(stderr, "  %s\n", families[i][0]);
	ASSERT_GT(samples, 0, "samples");
}

static void test_render(void)
{
	struct gnv_port_entry before[4];
	char *text, *again;
	const char *a, *b, *c, *d;

	test_case("render");
	craft();
	memcpy(before, hist.e, sizeof(before));
	text = render(&counts, &hist, NULL);

	ASSERT_MEMEQ(hist.e, before, sizeof(before), "caller's hist untouched");
	check_structure(text);
	ASSERT_LINE(text, "# HELP gnvtrace_packets_total Frames the BPF program saw, Geneve or not.");
	ASSERT_LINE(text, "# TYPE gnvtrace_packets_total counter");
	ASSERT_LINE(text, "gnvtrace_packets_total 100");
	ASSERT_LINE(text, "gnvtrace_geneve_packets_total 90");
	ASSERT_LINE(text, "gnvtrace_matched_packets_total 80");
	ASSERT_LINE(text, "gnvtrace_lost_events_total 2");
	ASSERT_LINE(text, "gnvtrace_port_keys_added_total 4");
	ASSERT_LINE(text, "gnvtrace_icmp_echo_displaced_total 2");
	ASSERT_LINE(text, "gnvtrace_port_keys_evicted_total 12");
	ASSERT_LINE(text, "gnvtrace_port_uncounted_packets_total 11");

	/* Every reason, zeros included; never "none". */
	ASSERT_EQ(count_str(text, "\ngnvtrace_malformed_packets_total{reason=\""),
		  GNV_BAD_MAX - 1, "a series per malformed reason");
	ASSERT_LINE(text, "gnvtrace_malformed_packets_total{reason=\"opts_overrun\"} 5");
	ASSERT_LINE(text, "gnvtrace_malformed_packets_total{reason=\"trunc_inner_l4\"} 6");
	ASSERT_LINE(text, "gnvtrace_malformed_packets_total{reason=\"trunc_eth\"} 0");
	ASSERT_NO_LINE_WITH(text, "reason=\"none\"");
	ASSERT_NO_LINE_WITH(text, "reason=\"unknown\"");

	/* Per port: labels, and no port label without OVN's option. */
	ASSERT_LINE(text, "gnvtrace_port_packets_total{vni=\"5\",port=\"3\",direction=\"out\"} 10");
	ASSERT_LINE(text, "gnvtrace_port_packets_total{vni=\"5\",port=\"3\",direction=\"in\"} 3");
	ASSERT_LINE(text, "gnvtrace_port_packets_total{vni=\"5\",direction=\"in\"} 4");
	ASSERT_LINE(text, "gnvtrace_port_packets_total{vni=\"2\",port=\"9\",direction=\"in\"} 1");
	ASSERT_LINE(text, "gnvtrace_port_bytes_total{vni=\"5\",port=\"3\",direction=\"out\"} 73700");
	ASSERT_LINE(text, "gnvtrace_port_bytes_total{vni=\"5\",direction=\"in\"} 400");
	ASSERT_NO_LINE_WITH(text, "port=\"0\"");

	/* Sorted by vni, has_port, port, dir. */
	a = strstr(text, "gnvtrace_port_packets_total{vni=\"2\",port=\"9\",direction=\"in\"}");
	b = strstr(text, "gnvtrace_port_packets_total{vni=\"5\",direction=\"in\"}");
	c = strstr(text, "gnvtrace_port_packets_total{vni=\"5\",port=\"3\",direction=\"in\"}");
	d = strstr(text, "gnvtrace_port_packets_total{vni=\"5\",port=\"3\",direction=\"out\"}");
	ASSERT_TRUE(a && b && c && d && a < b && b < c && c < d, "keys sorted");

	/* The size histogram: cumulative, le = 2^(k+1) - 1, slot 16 in +Inf. */
#define SZ "gnvtrace_port_packet_size_bytes"
#define K53O "{vni=\"5\",port=\"3\",direction=\"out\""
	ASSERT_LINE(text, "# TYPE " SZ " histogram");
	ASSERT_LINE(text, SZ "_bucket" K53O ",le=\"1\"} 0");
	ASSERT_LINE(text, SZ "_bucket" K53O ",le=\"3\"} 0");
	ASSERT_LINE(text, SZ "_bucket" K53O ",le=\"63\"} 0");
	ASSERT_LINE(text, SZ "_bucket" K53O ",le=\"127\"} 7");
	ASSERT_LINE(text, SZ "_bucket" K53O ",le=\"1023\"} 7");
	ASSERT_LINE(text, SZ "_bucket" K53O ",le=\"2047\"} 9");
	ASSERT_LINE(text, SZ "_bucket" K53O ",le=\"65535\"} 9");
	ASSERT_LINE(text, SZ "_bucket" K53O ",le=\"+Inf\"} 10");
	ASSERT_LINE(text, SZ "_sum" K53O "} 73700");
	ASSERT_LINE(text, SZ "_count" K53O "} 10");
	ASSERT_NO_LINE_WITH(text, "le=\"131071\"");
	ASSERT_EQ(count_str(text, SZ "_bucket" K53O ","), GNV_HIST_SLOTS,
		  "size buckets: 16 bounds and +Inf");
	ASSERT_LINE(text, SZ "_bucket{vni=\"5\",direction=\"in\",le=\"127\"} 4");
	ASSERT_LINE(text, SZ "_bucket{vni=\"2\",port=\"9\",direction=\"in\",le=\"31\"} 0");
	ASSERT_LINE(text, SZ "_bucket{vni=\"2\",port=\"9\",direction=\"in\",le=\"63\"} 1");

	/* The round-trip histogram: le = 2^(k+1) us in seconds. */
#define RTT "gnvtrace_port_icmp_rtt_seconds"
	ASSERT_LINE(text, "# TYPE " RTT " histogram");
	ASSERT_LINE(text, RTT "_bucket" K53O ",le=\"2e-06\"} 1");
	ASSERT_LINE(text, RTT "_bucket" K53O ",le=\"4e-06\"} 1");
	ASSERT_LINE(text, RTT "_bucket" K53O ",le=\"1.6e-05\"} 1");
	ASSERT_LINE(text, RTT "_bucket" K53O ",le=\"0.000512\"} 1");
	ASSERT_LINE(text, RTT "_bucket" K53O ",le=\"0.001024\"} 3");
	ASSERT_LINE(text, RTT "_bucket" K53O ",le=\"1.048576\"} 3");
	ASSERT_LINE(text, RTT "_bucket" K53O ",le=\"67.108864\"} 3");
	ASSERT_LINE(text, RTT "_bucket" K53O ",le=\"+Inf\"} 3");
	ASSERT_LINE(text, RTT "_sum" K53O "} 0.0014005");
	ASSERT_LINE(text, RTT "_count" K53O "} 3");
	ASSERT_EQ(count_str(text, RTT "_bucket" K53O ","), GNV_RTT_SLOTS,
		  "rtt buckets: 26 bounds and +Inf");
	ASSERT_NO_LINE_WITH(text, "le=\"134.217728\"");
	/* The last slot (67 s and above) only in +Inf; whole seconds. */
	ASSERT_LINE(text, RTT "_bucket{vni=\"2\",port=\"9\",direction=\"in\",le=\"67.108864\"} 0");
	ASSERT_LINE(text, RTT "_bucket{vni=\"2\",port=\"9\",direction=\"in\",le=\"+Inf\"} 1");
	ASSERT_LINE(text, RTT "_sum{vni=\"2\",port=\"9\",direction=\"in\"} 100");
	/* A key with unanswered requests only has the family, at zero. */
	ASSERT_LINE(text, RTT "_count{vni=\"5\",port=\"3\",direction=\"in\"} 0");
	ASSERT_LINE(text, RTT "_sum{vni=\"5\",port=\"3\",direction=\"in\"} 0");
	/* A key without echoes has none. */
	ASSERT_NO_LINE_WITH(text, RTT "_count{vni=\"5\",direction=\"in\"}");
	ASSERT_NO_LINE_WITH(text, "gnvtrace_port_icmp_unanswered_total{vni=\"5\",direction=\"in\"}");

	ASSERT_LINE(text, "gnvtrace_port_icmp_unanswered_total" K53O "} 1");
	ASSERT_LINE(text, "gnvtrace_port_icmp_unanswered_total{vni=\"5\",port=\"3\",direction=\"in\"} 3");
	ASSERT_LINE(text, "gnvtrace_port_icmp_unanswered_total{vni=\"2\",port=\"9\",direction=\"in\"} 0");

	/* Handshakes: only the key that had some. */
	ASSERT_LINE(text, "gnvtrace_port_tcp_handshake_seconds_bucket" K53O ",le=\"0.000256\"} 0");
	ASSERT_LINE(text, "gnvtrace_port_tcp_handshake_seconds_bucket" K53O ",le=\"0.000512\"} 1");
	ASSERT_LINE(text, "gnvtrace_port_tcp_handshake_seconds_bucket" K53O ",le=\"2.097152\"} 2");
	ASSERT_LINE(text, "gnvtrace_port_tcp_handshake_seconds_sum" K53O "} 1.5003");
	ASSERT_LINE(text, "gnvtrace_port_tcp_handshake_seconds_count" K53O "} 2");
	ASSERT_LINE(text, "gnvtrace_port_tcp_syn_unanswered_total" K53O "} 1");
	ASSERT_EQ(count_str(text, "gnvtrace_port_tcp_handshake_seconds_count{"),
		  1, "handshakes: only where there were some");
	ASSERT_EQ(count_str(text, "gnvtrace_port_tcp_syn_unanswered_total{"), 1,
		  "unanswered SYNs: only where there were handshakes");

	ASSERT_LINE(text, "gnvtrace_tcp_flows_evicted_total 4");
	ASSERT_LINE(text, "gnvtrace_port_tcp_data_segments_total" K53O "} 40");
	ASSERT_LINE(text, "gnvtrace_port_tcp_retransmits_total" K53O "} 3");
	ASSERT_EQ(count_str(text, "gnvtrace_port_tcp_retransmits_total{"), 1,
		  "retransmits: only where there was TCP data");

	/* MTU trouble where there is some; the largest frame everywhere. */
	ASSERT_LINE(text, "gnvtrace_port_max_frame_bytes" K53O "} 70000");
	ASSERT_LINE(text, "gnvtrace_port_max_frame_bytes{vni=\"5\",direction=\"in\"} 0");
	ASSERT_LINE(text, "gnvtrace_port_over_mtu_total" K53O "} 2");
	ASSERT_LINE(text, "gnvtrace_port_syn_mss_over_mtu_total" K53O "} 1");
	ASSERT_LINE(text, "gnvtrace_port_tunnel_overhead_bytes" K53O "} 98");
	ASSERT_LINE(text, "gnvtrace_port_too_big_total{vni=\"2\",port=\"9\",direction=\"in\"} 1");
	ASSERT_LINE(text, "gnvtrace_port_too_big_mtu_bytes{vni=\"2\",port=\"9\",direction=\"in\"} 1300");
	ASSERT_EQ(count_str(text, "gnvtrace_port_too_big_total{"), 1,
		  "too big: only where there was one");
	ASSERT_EQ(count_str(text, "gnvtrace_port_over_mtu_total{"), 1,
		  "over the MTU: only where there was one");

	/* Routers' "too big"s per tunnel: the MTU only where announced. */
	ASSERT_LINE(text, "gnvtrace_underlay_too_big_total 3");
	ASSERT_LINE(text, "gnvtrace_tunnel_too_big_total{from=\"172.31.254.1\",to=\"172.31.254.2\"} 2");
	ASSERT_LINE(text, "gnvtrace_tunnel_too_big_total{from=\"172.31.254.1\",to=\"172.31.254.3\"} 1");
	ASSERT_LINE(text, "gnvtrace_tunnel_too_big_mtu_bytes{from=\"172.31.254.1\",to=\"172.31.254.2\"} 1400");
	ASSERT_EQ(count_str(text, "gnvtrace_tunnel_too_big_mtu_bytes{"), 1,
		  "too big's MTU: only where one was announced");

	ASSERT_EQ(text[strlen(text) - 1], '\n', "ends with a newline");
	again = render(&counts, &hist, NULL);
	ASSERT_TRUE(!strcmp(text, again), "the same counts, the same text");
	free(again);
	free(text);
}

#define T7 "{vni=\"7\",port=\"4\",direction=\"out\",outer_src=\"172.31.254.1\","
/* Every key names its tunnel; with OVN's names, the chassis too. */
static void test_tunnel_labels(void)
{
	struct gnv_ovn_names *names = gnv_ovn_names_new();
	char *text;

	test_case("tunnel labels");
	craft();
	text = render(&counts, &hist, NULL);
	ASSERT_LINE(text, "gnvtrace_port_packets_total" T7 "outer_dst=\"172.31.254.2\"} 2");
	ASSERT_LINE(text, "gnvtrace_port_packets_total" T7 "outer_dst=\"172.31.254.3\"} 5");
	ASSERT_LINE(text, "gnvtrace_port_packets_total{vni=\"8\",direction=\"out\",outer_src=\"2001:db8::1\",outer_dst=\"2001:db8::2\"} 6");
	ASSERT_LINE(text, "gnvtrace_port_bytes_total" T7 "outer_dst=\"172.31.254.3\"} 500");
	ASSERT_NO_LINE_WITH(text, "chassis=");
	free(text);

	/* ch1 with a hostname, ch2 without; .3 is no chassis' */
	apply_row(names, GNV_OVN_DATAPATH_BINDING, U1,
		  "{\"tunnel_key\":7,\"external_ids\":[\"map\",[[\"name\",\"net7\"]]]}");
	apply_row(names, GNV_OVN_PORT_BINDING, U2,
		  "{\"tunnel_key\":4,\"logical_port\":\"vm4\",\"datapath\":[\"uuid\",\"" U1 "\"]}");
	apply_row(names, GNV_OVN_CHASSIS, U3,
		  "{\"name\":\"ch1\",\"hostname\":\"compute-0\"}");
	apply_row(names, GNV_OVN_CHASSIS, U4, "{\"name\":\"ch2\",\"hostname\":\"\"}");
	apply_row(names, GNV_OVN_ENCAP, U5,
		  "{\"type\":\"geneve\",\"ip\":\"172.31.254.1\",\"chassis_name\":\"ch1\"}");
	apply_row(names, GNV_OVN_ENCAP, U6,
		  "{\"type\":\"geneve\",\"ip\":\"172.31.254.2\",\"chassis_name\":\"ch2\"}");
	hist.names = names;
	text = render(&counts, &hist, NULL);
	ASSERT_LINE(text, "gnvtrace_port_packets_total{vni=\"7\",datapath=\"net7\",port=\"4\",port_name=\"vm4\",direction=\"out\",outer_src=\"172.31.254.1\",outer_dst=\"172.31.254.2\",outer_src_chassis=\"compute-0\",outer_dst_chassis=\"ch2\"} 2");
	ASSERT_LINE(text, "gnvtrace_port_packets_total{vni=\"7\",datapath=\"net7\",port=\"4\",port_name=\"vm4\",direction=\"out\",outer_src=\"172.31.254.1\",outer_dst=\"172.31.254.3\",outer_src_chassis=\"compute-0\"} 5");
	ASSERT_LINE(text, "gnvtrace_port_packets_total{vni=\"5\",port=\"3\",direction=\"out\"} 10");
	free(text);
	hist.names = NULL;
	gnv_ovn_names_free(names);
}

static void test_render_empty(void)
{
	struct gnv_counts zero = { 0 };
	struct gnv_hist empty;
	char *text, *text2;

	test_case("render without ports");
	gnv_hist_init(&empty);
	text = render(&zero, &empty, NULL);
	text2 = render(&zero, NULL, NULL);
	check_structure(text);
	ASSERT_TRUE(!strcmp(text, text2), "no hist == empty hist");
	ASSERT_LINE(text, "gnvtrace_packets_total 0");
	ASSERT_LINE(text, "gnvtrace_malformed_packets_total{reason=\"trunc_eth\"} 0");
	ASSERT_LINE(text, "# TYPE gnvtrace_port_packet_size_bytes histogram");
	ASSERT_NO_LINE_WITH(text, "gnvtrace_port_packets_total{");
	free(text);
	free(text2);
}

/* Reasons whose names need no escaping, and all of them in the text. */
static void test_reasons_named(void)
{
	char *text;

	test_case("malformed reasons");
	craft();
	text = render(&counts, &hist, NULL);
	for (int r = 1; r < GNV_BAD_MAX; r++) {
		char line[160];

		snprintf(line, sizeof(line),
			 "gnvtrace_malformed_packets_total{reason=\"%s\"} %llu",
			 gnv_malformed_name(r),
			 (unsigned long long)counts.v[GNV_STAT_MALFORMED + r]);
		if (!ASSERT_LINE(text, line))
			fprintf(stderr, "  reason %d\n", r);
	}
	free(text);
}

static void test_labels(void)
{
	struct gnv_label l[] = {
		{ "datapath", "ls-\"a\"\\b\nc" },
		{ "port_name", "" },
		{ "x", "\\" },
	};
	char *t;

	test_case("label escaping");
	t = labels_text(l, 3);
	ASSERT_TRUE(!strcmp(t, "datapath=\"ls-\\\"a\\\"\\\\b\\nc\",port_name=\"\",x=\"\\\\\""),
		    "backslash, quote and newline escaped");
	if (strcmp(t, "datapath=\"ls-\\\"a\\\"\\\\b\\nc\",port_name=\"\",x=\"\\\\\""))
		fprintf(stderr, "  got %s\n", t);
	free(t);
	t = labels_text(l, 1);
	ASSERT_TRUE(!strcmp(t, "datapath=\"ls-\\\"a\\\"\\\\b\\nc\""), "one label");
	free(t);
	t = labels_text(l, 0);
	ASSERT_TRUE(!strcmp(t, ""), "no label");
	free(t);
}

/* 16384 keys, the most the kernel holds: render time and size. */
static void test_render_many(void)
{
	struct gnv_hist big;
	struct timespec t0, t1;
	size_t len;
	char *text;
	double ms;

	test_case("16384 ports");
	gnv_hist_init(&big);
	for (int i = GNV_MAX_PORT_KEYS - 1; i >= 0; i--) {
		struct gnv_port_key k = {
			.vni = i / 512, .port = i % 512 / 2, .dir = i & 1,
			.has_port = 1,
		};
		struct gnv_port_stats *st = &gnv_hist_entry(&big, &k)->stats;

		st->packets = 1;
		st->bytes = 100;
		st->size_slots[6] = 1;
		st->rtt_count = 1;
		st->rtt_slots[3] = 1;
		st->rtt_sum_ns = 9000;
	}
	ASSERT_EQ(big.n, GNV_MAX_PORT_KEYS, "keys");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	text = render(&counts, &big, &len);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("rendered 16384 ports in %.0f ms, %zu bytes\n", ms, len);
	/* Linear: a quadratic sort or copy would take minutes. */
	ASSERT_TRUE(ms < 5000, "renders in under 5 s");
	ASSERT_EQ(count_str(text, "\ngnvtrace_port_packets_total{"),
		  GNV_MAX_PORT_KEYS, "a series per key");
	ASSERT_TRUE(strstr(text, "gnvtrace_port_packets_total{vni=\"0\",port=\"0\",direction=\"in\"} 1\n"
			   "gnvtrace_port_packets_total{vni=\"0\",port=\"0\",direction=\"out\"} 1\n"
			   "gnvtrace_port_packets_total{vni=\"0\",port=\"1\",direction=\"in\"} 1\n"),
		    "sorted");
	ASSERT_LINE(text, "gnvtrace_port_icmp_rtt_seconds_sum{vni=\"31\",port=\"255\",direction=\"out\"} 0.000009");
	free(text);
	gnv_hist_free(&big);
}

/* Runs fn with stderr going to a string, returned. */
static char *capture_stderr(int (*fn)(void *), void *arg, int *ret)
{
	char path[] = "/tmp/gnvt-metrics-err-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	char *text = calloc(1, 4096);

	fflush(stderr);
	dup2(fd, 2);
	*ret = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	if (read(fd, text, 4095) < 0)
		text[0] = 0;
	close(fd);
	unlink(path);
	return text;
}

static int write_it(void *path)
{
	return gnv_metrics_write_file(path, SRC(&counts, &hist));
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap + 1);
	size_t n;

	if (!f) {
		free(buf);
		return NULL;
	}
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap)
			buf = realloc(buf, (cap *= 2) + 1);
	}
	buf[len] = 0;
	fclose(f);
	return buf;
}

static int leftovers(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		if (strstr(de->d_name, ".tmp."))
			n++;
	if (d)
		closedir(d);
	return n;
}

static void test_write_file(void)
{
	char dir[] = "/tmp/gnvt-metrics-XXXXXX", path[256], bad[300],
	     want[400];
	char *text, *got, *err;
	int ret;

	test_case("write file");
	craft();
	ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp");
	snprintf(path, sizeof(path), "%s/gnvtrace.prom", dir);
	text = render(&counts, &hist, NULL);

	err = capture_stderr(write_it, path, &ret);
	ASSERT_OK(ret, "write_file");
	ASSERT_TRUE(!strcmp(err, ""), "nothing on stderr");
	free(err);
	got = slurp(path);
	ASSERT_TRUE(got && !strcmp(got, text), "the file holds the rendered text");
	free(got);
	ASSERT_EQ(leftovers(dir), 0, "no temporary file left");

	/* Over an older file, which a reader may hold open. */
	counts.v[GNV_STAT_PACKETS] = 101;
	{
		struct stat st1, st2;

		stat(path, &st1);
		ASSERT_OK(gnv_metrics_write_file(path, SRC(&counts, &hist)), "again");
		stat(path, &st2);
		ASSERT_NEQ(st1.st_ino, st2.st_ino, "replaced by rename, not rewritten");
	}
	got = slurp(path);
	ASSERT_TRUE(got && find_line(got, "gnvtrace_packets_total 101"), "updated");
	ASSERT_EQ(leftovers(dir), 0, "no temporary file left");
	free(got);

	snprintf(bad, sizeof(bad), "%s/nonexistent/x.prom", dir);
	err = capture_stderr(write_it, bad, &ret);
	ASSERT_EQ(ret, -ENOENT, "missing directory: -ENOENT");
	snprintf(want, sizeof(want),
		 "gnvtrace: cannot write metrics file %s: %s\n", bad,
		 strerror(ENOENT));
	if (!ASSERT_TRUE(!strcmp(err, want), "missing directory: one line"))
		fprintf(stderr, "  got '%s'\n", err);
	free(err);

	/* The target is a directory: the rename fails, the file goes. */
	snprintf(bad, sizeof(bad), "%s/adir", dir);
	mkdir(bad, 0755);
	err = capture_stderr(write_it, bad, &ret);
	ASSERT_EQ(ret, -EISDIR, "a directory: -EISDIR");
	ASSERT_EQ(count_str(err, "\n"), 1, "a directory: one line");
	ASSERT_STRSTR(err, "gnvtrace: cannot write metrics file ", "a directory: the message");
	ASSERT_EQ(leftovers(dir), 0, "no temporary file left after a failure");
	free(err);
	rmdir(bad);

	unlink(path);
	rmdir(dir);
	free(text);
}

/* The server */

struct reply {
	char *raw;		/* the whole reply */
	const char *body;	/* after the blank line */
	size_t body_len;
	char status[64];	/* the status line */
};

static int http(int family, int port, const char *request, struct reply *r)
{
	struct sockaddr_storage ss = { 0 };
	struct timeval tv = { .tv_sec = 5 };
	size_t len = 0, cap = 1 << 16;
	socklen_t slen;
	ssize_t n;
	int fd;

	memset(r, 0, sizeof(*r));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		s6->sin6_addr = in6addr_loopback;
		slen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (void *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		slen = sizeof(*s4);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, slen) ||
	    write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
		close(fd);
		return -1;
	}
	r->raw = malloc(cap + 1);
	while ((n = read(fd, r->raw + len, cap - len)) > 0) {
		len += n;
		if (len == cap)
			r->raw = realloc(r->raw, (cap *= 2) + 1);
	}
	close(fd);
	r->raw[len] = 0;
	snprintf(r->status, sizeof(r->status), "%.*s",
		 (int)strcspn(r->raw, "\r\n"), r->raw);
	r->body = strstr(r->raw, "\r\n\r\n");
	if (r->body) {
		r->body += 4;
		r->body_len = r->raw + len - r->body;
	}
	return n < 0 ? -1 : 0;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static struct gnv_metrics_server *listen_lo(int family, char *err,
					    size_t errlen)
{
	struct sockaddr_in6 s6 = {
		.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};
	struct sockaddr_in s4 = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	if (family == AF_INET6)
		return gnv_metrics_listen((struct sockaddr *)&s6, sizeof(s6),
					  err, errlen);
	return gnv_metrics_listen((struct sockaddr *)&s4, sizeof(s4), err,
				  errlen);
}

/* Whether this process has a library whose file name holds name mapped. */
static int mapped(const char *name)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, name) != NULL;
	fclose(f);
	return found;
}

/*
 * libmicrohttpd is loaded by the first server (lib/dynlib.h): a run
 * without one (gnvtrace -r FILE) maps none of it, nor GnuTLS behind it.
 * A library missing is a one-line error naming the package.
 */
static void test_lazy_library(void)
{
	static const char *const names[] = { "nothing_here", NULL };
	static void *fns[1];
	static struct gnv_dynlib nope = {
		.soname = "libgnvtrace-none.so.9", .package = "libnone9",
		.names = names, .fns = fns,
	};
	struct gnv_metrics_server *s;
	char err[256] = "";

	test_case("metrics: libmicrohttpd loaded by the first server only");
	ASSERT_EQ(mapped("libmicrohttpd"), 0, "none mapped before");
	ASSERT_EQ(mapped("libgnutls"), 0, "nor GnuTLS");
	s = listen_lo(AF_INET, err, sizeof(err));
	if (!ASSERT_TRUE(s != NULL, err))
		return;
	ASSERT_EQ(mapped("libmicrohttpd"), 1, "mapped once a server starts");
	gnv_metrics_stop(s);
	ASSERT_EQ(gnv_dynlib_load(&nope, "--thing", err, sizeof(err)),
		  -ENOENT, "a library not installed");
	ASSERT_STRSTR(err, "--thing needs libgnvtrace-none.so.9, which is "
		      "not installed (apt install libnone9)", "its message");
	ASSERT_TRUE(!strchr(err, '\n'), "one line");
}

static void test_server(void)
{
	struct gnv_metrics_server *s, *s2;
	char err[256] = "", spec[64], want[128];
	struct reply r;
	char *text;
	int port, fds;

	test_case("server");
	craft();
	fds = open_fds();
	s = listen_lo(AF_INET, err, sizeof(err));
	if (!ASSERT_OK_PTR(s, "listen on 127.0.0.1, any port")) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	port = gnv_metrics_port(s);
	ASSERT_GT(port, 0, "a port");

	/* Before the first publish: zero counters. */
	ASSERT_OK(http(AF_INET, port, "GET /metrics HTTP/1.0\r\n\r\n", &r), "GET");
	ASSERT_STRSTR(r.status, " 200 OK", "before publish: 200");
	ASSERT_TRUE(r.body && find_line(r.body, "gnvtrace_packets_total 0"),
		    "before publish: zero counters");
	free(r.raw);

	gnv_metrics_publish(s, SRC(&counts, &hist));
	text = render(&counts, &hist, NULL);
	ASSERT_OK(http(AF_INET, port, "GET /metrics HTTP/1.0\r\n\r\n", &r), "GET");
	ASSERT_TRUE(!strncmp(r.status, "HTTP/1.", 7) && strstr(r.status, " 200 OK"),
		    "status line");
	ASSERT_STRSTR(r.raw, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n",
		      "content type");
	ASSERT_TRUE(r.body && r.body_len == strlen(text) &&
		    !memcmp(r.body, text, r.body_len), "body: the rendered text");
	ASSERT_TRUE(r.body && find_line(r.body,
		"gnvtrace_port_packet_size_bytes_bucket{vni=\"5\",port=\"3\",direction=\"out\",le=\"127\"} 7"),
		"a series");
	free(r.raw);
	free(text);

	/* HTTP/1.1 with a query string, as Prometheus asks. */
	ASSERT_OK(http(AF_INET, port, "GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n"
		       "Connection: close\r\n\r\n", &r), "GET 1.1");
	ASSERT_STRSTR(r.status, " 200 OK", "HTTP/1.1: 200");
	free(r.raw);

	ASSERT_OK(http(AF_INET, port, "GET /other HTTP/1.0\r\n\r\n", &r), "GET /other");
	ASSERT_STRSTR(r.status, " 404 ", "other path: 404");
	free(r.raw);
	ASSERT_OK(http(AF_INET, port, "GET / HTTP/1.0\r\n\r\n", &r), "GET /");
	ASSERT_STRSTR(r.status, " 404 ", "/: 404");
	free(r.raw);
	ASSERT_OK(http(AF_INET, port, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
		       &r), "POST");
	ASSERT_STRSTR(r.status, " 405 ", "POST: 405");
	ASSERT_STRSTR(r.raw, "\r\nAllow: GET, HEAD\r\n", "405: Allow");
	free(r.raw);
	ASSERT_OK(http(AF_INET, port, "HEAD /metrics HTTP/1.0\r\n\r\n", &r), "HEAD");
	ASSERT_STRSTR(r.status, " 200 OK", "HEAD: 200");
	ASSERT_TRUE(r.body && r.body_len == 0, "HEAD: no body");
	free(r.raw);

	/* Each publish is served whole from the next request on. */
	for (int i = 0; i < 20; i++) {
		char line[64];

		counts.v[GNV_STAT_PACKETS] = 1000 + i;
		gnv_metrics_publish(s, SRC(&counts, &hist));
		snprintf(line, sizeof(line), "gnvtrace_packets_total %d", 1000 + i);
		if (http(AF_INET, port, "GET /metrics HTTP/1.0\r\n\r\n", &r) ||
		    !r.body || !find_line(r.body, line) ||
		    !find_line(r.body, "gnvtrace_port_icmp_unanswered_total{vni=\"5\",port=\"3\",direction=\"out\"} 1")) {
			ASSERT_TRUE(0, "publish then GET");
			free(r.raw);
			break;
		}
		free(r.raw);
	}

	/* The same port again: in use. */
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port);
	s2 = gnv_metrics_start(spec, err, sizeof(err));
	ASSERT_TRUE(!s2, "second server on the port: refused");
	snprintf(want, sizeof(want), "--metrics 127.0.0.1:%d: address already in use", port);
	if (!ASSERT_TRUE(!strcmp(err, want), "in use: the message"))
		fprintf(stderr, "  got '%s'\n", err);
	gnv_metrics_stop(s2);
	snprintf(spec, sizeof(spec), "%d", port);
	s2 = gnv_metrics_start(spec, err, sizeof(err));
	ASSERT_TRUE(!s2 && !strcmp(err, want), "PORT alone: 127.0.0.1, in use");

	gnv_metrics_stop(s);
	ASSERT_EQ(open_fds(), fds, "stop closes every descriptor");
	ASSERT_TRUE(http(AF_INET, port, "GET /metrics HTTP/1.0\r\n\r\n", &r) < 0,
		    "stopped: connection refused");
	free(r.raw);

	/* The port is free again at once (SO_REUSEADDR). */
	s = gnv_metrics_start(spec, err, sizeof(err));
	if (!ASSERT_OK_PTR(s, "restart on the same port"))
		fprintf(stderr, "  %s\n", err);
	if (s)
		ASSERT_EQ(gnv_metrics_port(s), port, "same port");
	gnv_metrics_stop(s);
	gnv_metrics_stop(NULL);
}

/* The trace loop's part: a publish whenever a scrape asks for one. */
struct publisher {
	struct gnv_metrics_server *s;
	int stop, renders;
};

static void *publish_on_demand(void *arg)
{
	struct publisher *p = arg;
	struct gnv_counts c = { 0 };

	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		if (gnv_metrics_wanted(p->s)) {
			c.v[GNV_STAT_PACKETS] = ++p->renders;
			gnv_metrics_publish(p->s, SRC(&c, NULL));
		}
		usleep(10000);
	}
	return NULL;
}

struct scrape {
	int port, ok;
	char *body;
};

static void *scrape(void *arg)
{
	struct scrape *sc = arg;
	struct reply r;

	sc->ok = !http(AF_INET, sc->port, "GET /metrics HTTP/1.0\r\n\r\n", &r) &&
		 strstr(r.status, " 200 ") && r.body;
	sc->body = sc->ok ? strndup(r.body, r.body_len) : NULL;
	free(r.raw);
	return NULL;
}

static double secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Rendered for scrapes only: none without one, one per stale scrape. */
static void test_server_on_demand(void)
{
	struct publisher p = { 0 };
	struct scrape sc = { 0 };
	pthread_t pub, cl;
	char err[256] = "";
	double t0;

	test_case("server: rendered when scraped");
	p.s = listen_lo(AF_INET, err, sizeof(err));
	if (!ASSERT_OK_PTR(p.s, "listen"))
		return;
	sc.port = gnv_metrics_port(p.s);
	pthread_create(&pub, NULL, publish_on_demand, &p);
	scrape(&sc);
	ASSERT_TRUE(sc.ok && find_line(sc.body, "gnvtrace_packets_total 0"),
		    "a fresh body (the start's) served as it is");
	ASSERT_EQ(p.renders, 0, "no render for it");
	free(sc.body);
	usleep(1100000);
	ASSERT_EQ(p.renders, 0, "a second with no scrape: no render");
	scrape(&sc);
	ASSERT_TRUE(sc.ok && find_line(sc.body, "gnvtrace_packets_total 1"),
		    "a stale body: the scrape waits for a new one");
	ASSERT_EQ(p.renders, 1, "one render for it");
	free(sc.body);
	scrape(&sc);
	ASSERT_TRUE(sc.ok && find_line(sc.body, "gnvtrace_packets_total 1"),
		    "the next scrape within the second: the same body");
	ASSERT_EQ(p.renders, 1, "no render for it");
	free(sc.body);
	__atomic_store_n(&p.stop, 1, __ATOMIC_RELEASE);
	pthread_join(pub, NULL);

	/* Nobody publishes: stopping the server ends the scrape's wait
	 * at once, not after 5 s. */
	usleep(1100000);
	pthread_create(&cl, NULL, scrape, &sc);
	usleep(300000);
	ASSERT_TRUE(gnv_metrics_wanted(p.s), "the waiting scrape asked");
	t0 = secs();
	gnv_metrics_stop(p.s);
	pthread_join(cl, NULL);
	/* (MHD closes the connection: an exiting exporter answers no more.) */
	ASSERT_TRUE(secs() - t0 < 1, "stop did not wait out the scrape");
	free(sc.body);
}

static void test_server_ipv6(void)
{
	struct gnv_metrics_server *s;
	char err[256];
	struct reply r;
	int probe = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 s6 = {
		.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};

	test_case("server on ::1");
	if (probe < 0 || bind(probe, (struct sockaddr *)&s6, sizeof(s6))) {
		printf("note: no IPv6 loopback here, [::1] not tested\n");
		if (probe >= 0)
			close(probe);
		return;
	}
	close(probe);
	s = listen_lo(AF_INET6, err, sizeof(err));
	if (!ASSERT_OK_PTR(s, "listen on ::1")) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	ASSERT_OK(http(AF_INET6, gnv_metrics_port(s), "GET /metrics HTTP/1.0\r\n\r\n", &r),
		  "GET over IPv6");
	ASSERT_STRSTR(r.status, " 200 OK", "IPv6: 200");
	free(r.raw);
	gnv_metrics_stop(s);
}

static void expect_spec_error(const char *spec, const char *want)
{
	struct gnv_metrics_server *s;
	char err[256] = "";

	test_case("spec '%s'", spec);
	s = gnv_metrics_start(spec, err, sizeof(err));
	ASSERT_TRUE(!s, "refused");
	if (!ASSERT_TRUE(!strcmp(err, want), "message"))
		fprintf(stderr, "  got  '%s'\n  want '%s'\n", err, want);
	gnv_metrics_stop(s);
}

static void expect_spec(const char *spec, int family, const char *addr,
			int port)
{
	struct sockaddr_storage ss;
	char err[256] = "", text[INET6_ADDRSTRLEN] = "";
	socklen_t len = 0;
	int got_port;

	test_case("spec '%s'", spec);
	if (!ASSERT_OK(gnv_metrics_parse(spec, &ss, &len, err, sizeof(err)),
		       "parses")) {
		fprintf(stderr, "  %s\n", err);
		return;
	}
	ASSERT_EQ(ss.ss_family, family, "family");
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof(text));
		got_port = ntohs(s6->sin6_port);
		ASSERT_EQ(len, sizeof(*s6), "length");
	} else {
		struct sockaddr_in *s4 = (void *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, text, sizeof(text));
		got_port = ntohs(s4->sin_port);
		ASSERT_EQ(len, sizeof(*s4), "length");
	}
	if (!ASSERT_TRUE(!strcmp(text, addr), "address"))
		fprintf(stderr, "  got %s\n", text);
	ASSERT_EQ(got_port, port, "port");
}

static void test_specs(void)
{
	const char *syntax = "--metrics: '%s' is not PORT, ADDR:PORT or [ADDR6]:PORT";
	const char *bad_port = "--metrics: the port needs a number from 1 to 65535, not '%s'";
	static const char *const syntax_errors[] = {
		"abc", "1.2.3.4:", ":0", ":9100", "[::1:9100", "::1:9100",
		"[::1]9100", "[::1]:", "", "-1",
	};
	static const char *const port_errors[][2] = {
		{ "99999", "99999" }, { "0", "0" }, { "65536", "65536" },
		{ "127.0.0.1:0", "0" }, { "127.0.0.1:http", "http" },
		{ "127.0.0.1:-5", "-5" }, { "[::1]:70000", "70000" },
		{ "1.2.3.4:123456789012345678901", "123456789012345678901" },
		{ "1.2.3.4:9100x", "9100x" },
	};
	char want[256];

	for (size_t i = 0; i < sizeof(syntax_errors) / sizeof(*syntax_errors); i++) {
		snprintf(want, sizeof(want), syntax, syntax_errors[i]);
		expect_spec_error(syntax_errors[i], want);
	}
	for (size_t i = 0; i < sizeof(port_errors) / sizeof(*port_errors); i++) {
		snprintf(want, sizeof(want), bad_port, port_errors[i][1]);
		expect_spec_error(port_errors[i][0], want);
	}
	expect_spec_error("300.1.1.1:9100",
			  "--metrics: '300.1.1.1' is not an IPv4 address (IPv6: [ADDR6]:PORT)");
	expect_spec_error("example.com:9100",
			  "--metrics: 'example.com' is not an IPv4 address (IPv6: [ADDR6]:PORT)");
	expect_spec_error("[zz::1]:9100", "--metrics: 'zz::1' is not an IPv6 address");
	expect_spec_error("10.255.255.1:9100",
			  "--metrics 10.255.255.1:9100: no such address on this host");

	expect_spec("9677", AF_INET, "127.0.0.1", 9677);
	expect_spec("localhost:9677", AF_INET, "127.0.0.1", 9677);
	expect_spec("0.0.0.0:9677", AF_INET, "0.0.0.0", 9677);
	expect_spec("192.0.2.7:1", AF_INET, "192.0.2.7", 1);
	expect_spec("[::1]:65535", AF_INET6, "::1", 65535);
	expect_spec("[::]:9677", AF_INET6, "::", 9677);
}

/*
 * A gateway talking to 200 chassis, 2 ports each way: 800 series as they
 * are; 4 with the tunnel and VNI dropped (--metrics-labels port,direction),
 * the packets summed; 101 capped at 100, the 700 with fewest packets in
 * "other", counted.
 */
static void test_cardinality(void)
{
	struct gnv_metrics_src src = { .counts = &(struct gnv_counts){ { 0 } } };
	struct gnv_port_entry *e;
	struct gnv_hist h;
	char *text;
	__u64 n = 0;

	test_case("cardinality");
	gnv_hist_init(&h);
	for (int c = 0; c < 200; c++)
		for (int k = 0; k < 4; k++) {
			struct gnv_port_key key = {
				.vni = 5, .port = 1 + k % 2, .has_port = 1,
				.dir = k / 2, .outer_family = 4,
				.outer_src = { 172, 31, 0, 1 },
				.outer_dst = { 172, 31, c / 100, c % 100 + 2 },
			};

			e = gnv_hist_entry(&h, &key);
			if (!ASSERT_OK_PTR(e, "a key"))
				return;
			e->stats.packets = ++n;
		}
	src.hist = &h;
	text = render_src(&src, NULL);
	ASSERT_EQ(count_str(text, "gnvtrace_port_packets_total{"), 800,
		  "every label: 800 series");
	free(text);
	src.labels = GNV_LABELS_PORT | GNV_LABELS_DIRECTION;
	text = render_src(&src, NULL);
	ASSERT_EQ(count_str(text, "gnvtrace_port_packets_total{"), 4,
		  "port and direction: 4 series");
	/* Port 1 out: k = 2 of each chassis, packets 4c + 3. */
	ASSERT_LINE(text, "gnvtrace_port_packets_total{port=\"1\",direction=\"out\"} 80200");
	ASSERT_NO_LINE_WITH(text, "outer_src=");
	free(text);
	src.labels = 0;
	src.max_series = 100;
	text = render_src(&src, NULL);
	ASSERT_EQ(count_str(text, "gnvtrace_port_packets_total{"), 101,
		  "capped: 100 series and other");
	ASSERT_LINE(text, "gnvtrace_port_series_folded 700");
	/* The 700 with the fewest packets: 1..700. */
	ASSERT_LINE(text, "gnvtrace_port_packets_total{vni=\"other\",port=\"other\",direction=\"other\",outer_src=\"other\",outer_dst=\"other\"} 245350");
	ASSERT_LINE(text, "gnvtrace_port_packets_total{vni=\"5\",port=\"2\",direction=\"out\",outer_src=\"172.31.0.1\",outer_dst=\"172.31.1.101\"} 800");
	free(text);
	gnv_hist_free(&h);
}

int main(int argc, char **argv)
{
	/* --dump FILE: the crafted counts' text, for check_promtool.sh. */
	if (argc == 3 && !strcmp(argv[1], "--dump")) {
		craft();
		int ret = gnv_metrics_write_file(argv[2], SRC(&counts, &hist));
		gnv_hist_free(&hist);
		return ret ? 1 : 0;
	}
	test_lazy_library();
	test_render();
	test_cardinality();
	test_tunnel_labels();
	test_render_empty();
	test_reasons_named();
	test_labels();
	test_render_many();
	test_write_file();
	test_server();
	test_server_on_demand();
	test_server_ipv6();
	test_specs();
	gnv_hist_free(&hist);
	return test_summary();
}
