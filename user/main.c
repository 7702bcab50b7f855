// SPDX-License-Identifier: MIT
/* gnvtrace: the command line. */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "filter/filter_compile.h"
#include "lab/demo.h"
#include "lib/log.h"
#define GNV_PCAP_LIB_NO_HEADER	/* <pcap/pcap.h> clashes with libbpf's */
#include "lib/pcap_lib.h"
#include "ovsdb/ovsdb_sb.h"
#include "stats/metrics.h"
#include "trace/ovn_source.h"
#include "trace/trace.h"

#define EXIT_USAGE 2

#ifndef GNV_VERSION
#error "GNV_VERSION comes from the Makefile (debian/changelog's version)"
#endif


/* --version: ours, and the libbpf and libpcap we run with. */
static void print_version(FILE *stream, struct argp_state *state)
{
	fprintf(stream, "gnvtrace %s (libbpf %u.%u, %s)\n", GNV_VERSION,
		libbpf_major_version(), libbpf_minor_version(),
		gnv_pcap_version());
}

void (*argp_program_version_hook)(FILE *, struct argp_state *) = print_version;
const char *argp_program_bug_address = NULL;

static const char doc[] =
"Trace Geneve tunnel traffic and decode OVN's metadata, in the kernel.\n"
"\n"
"USAGE: gnvtrace -i IFACE [-i IFACE...] [OPTIONS] [FILTER]\n"
"       gnvtrace -r FILE [OPTIONS] [FILTER]\n"
"       gnvtrace --demo [OPTIONS] [FILTER]\n"
"\n"
"FILTER: tcpdump's language on the inner frame: primitives joined by\n"
"'and' (&&) and 'or' (||), each optionally after 'not' (!), grouped with\n"
"parentheses. tcpdump's words: icmp icmp6 tcp udp arp ip ip6 | [src|dst]\n"
"host A | [src|dst] net CIDR | [tcp|udp] [src|dst] port P |\n"
"[tcp|udp] [src|dst] portrange A-B | [ip|ip6] proto N |\n"
"ether host|src|dst MAC | [ether] broadcast|multicast |\n"
"ip|ip6 multicast | vlan [N] (the inner frame's tag) | byte expressions\n"
"(tcp[tcpflags] & tcp-syn != 0, ip[2:2] > 100, greater|less N) and\n"
"sctp, igmp, esp, ...: libpcap's, on the untagged inner frame\n"
"gnvtrace's: vni N | datapath N|NAME | inport|outport|lport N|NAME (OVN's\n"
"logical ports; lport: either) | outer [src|dst] host A|net CIDR|chassis\n"
"NAME | outer vlan N (underlay) | icmp-type NAME|N\n"
"\n"
"EXAMPLES:\n"
"    gnvtrace -i eth1 icmp            # ICMP inside Geneve on eth1, both ways\n"
"    gnvtrace -i eth1 'vni 5 and (tcp port 22 or icmp)'\n"
"    gnvtrace -d 'inport 1 or outport 1'  # print the compiled filter\n"
"    gnvtrace -i eth1 -o json -c 10   # 10 events as JSON lines\n"
"    gnvtrace -r capture.pcap icmp6   # the same parser over a capture\n"
"    gnvtrace -i eth1 icmp -w - | tshark -r - -V\n"
"    gnvtrace --demo                  # a built-in veth lab with traffic\n";

enum {
	OPT_DURATION = 1000, OPT_PORT, OPT_DEMO, OPT_SNAPLEN, OPT_KERNEL,
	OPT_DIRECTION, OPT_TC_MODE, OPT_XDP_MODE, OPT_CLEANUP, OPT_HIST,
	OPT_ECHO_TIMEOUT, OPT_INTERVAL, OPT_METRICS, OPT_METRICS_FILE,
	OPT_OVN_SB, OPT_OVN_NAMES, OPT_VXLAN, OPT_OVN_SSL_KEY, OPT_OVN_SSL_CERT,
	OPT_OVN_SSL_CA, OPT_OVN_IC_SB, OPT_OVN_IC_NAMES, OPT_OVS_DB,
	OPT_JOURNEY, OPT_MTU, OPT_METRICS_LABELS, OPT_METRICS_MAX_SERIES,
};
#define JOURNEY_TIMEOUT_S	1

#define SNAPLEN_OFFLINE	65535
#define SNAPLEN_LIVE	256
#define ECHO_TIMEOUT_S	5

static const struct argp_option options[] = {
	{ "interface", 'i', "IFACE", 0, "Trace Geneve on IFACE, or a VM's port: lport:NAME (the device OVS binds to logical port NAME), vm:DEV, or a device OVS binds to one; repeatable", 0 },
	{ "journey", OPT_JOURNEY, "SECONDS", OPTION_ARG_OPTIONAL, "Join each packet's sightings at every traced point into one line, with the time of each hop and where it was lost; a packet not seen for SECONDS (default 1) is done", 0 },
	{ "ovs-db", OPT_OVS_DB, "REMOTE", 0, "This chassis' Open vSwitch DB, for VMs' ports (default unix:/var/run/openvswitch/db.sock when it exists)", 0 },
	{ "direction", OPT_DIRECTION, "in|out|both", 0, "in: XDP on ingress; out: TC on egress (default both)", 0 },
	{ "xdp-mode", OPT_XDP_MODE, "auto|native|generic", 0, "XDP in the driver, or generic (default auto: native, else generic)", 0 },
	{ "tc-mode", OPT_TC_MODE, "auto|tcx|clsact", 0, "How to attach on egress (default auto: tcx, else clsact)", 0 },
	{ "cleanup", OPT_CLEANUP, "IFACE", 0, "Remove the egress filter a killed gnvtrace left on IFACE (clsact mode)", 0 },
	{ "read", 'r', "FILE", 0, "Read a pcap/pcapng capture ('-' for stdin)", 0 },
	{ "write", 'w', "FILE", 0, "Write matched packets to a pcap file ('-' for stdout)", 0 },
	{ "snaplen", OPT_SNAPLEN, "BYTES", 0, "Bytes of each packet -w keeps (default 65535 offline, 256 live, at most 16384 live)", 0 },
	{ "kernel", OPT_KERNEL, NULL, 0, "With -r: run the BPF program on each packet (BPF_PROG_TEST_RUN)", 0 },
	{ "count", 'c', "N", 0, "Stop after N matching packets", 0 },
	{ "duration", OPT_DURATION, "SECONDS", 0, "Stop after SECONDS", 0 },
	{ "output", 'o', "text|json", 0, "Output format (default text)", 0 },
	{ "verbose", 'v', NULL, 0, "Show every Geneve option in hex; twice: libbpf's and gnvtrace's debug lines", 0 },
	{ "quiet", 'q', NULL, 0, "No per-packet lines, only the summary", 0 },
	{ "dump-filter", 'd', NULL, 0, "Print the compiled filter, a line a term, and stop (as tcpdump -d)", 0 },
	{ "hist", OPT_HIST, "size|rtt|tcp|all", 0, "Per OVN port: packets, bytes, log2 histograms of frame sizes and MTU trouble (size), of ICMP echo round trips and TCP handshakes (rtt), TCP retransmissions (tcp), or all, at exit (and every --interval)", 0 },
	{ "mtu", OPT_MTU, "BYTES", 0, "With -r: the underlay's MTU, that --hist judges TCP SYNs' MSS against (live: each interface's own)", 0 },
	{ "echo-timeout", OPT_ECHO_TIMEOUT, "SECONDS", 0, "An echo request or TCP SYN with no reply this long is unanswered (default 5)", 0 },
	{ "interval", OPT_INTERVAL, "SECONDS", 0, "Live: print the histograms and write --metrics-file every SECONDS", 0 },
	{ "metrics", OPT_METRICS, "[ADDR:]PORT", 0, "Live: serve Prometheus metrics on http://ADDR:PORT/metrics (ADDR default 127.0.0.1)", 0 },
	{ "metrics-labels", OPT_METRICS_LABELS, "LIST", 0, "The port series' labels to keep: some of vni,port,direction,tunnel (default all); series differing only in the others are summed", 0 },
	{ "metrics-max-series", OPT_METRICS_MAX_SERIES, "N", 0, "At most N port series; those with the fewest packets fold into one labelled \"other\" (counted: gnvtrace_port_series_folded)", 0 },
	{ "metrics-file", OPT_METRICS_FILE, "PATH", 0, "Write the metrics to PATH (node_exporter's textfile collector), at exit and every --interval", 0 },
	{ "ovn-sb", OPT_OVN_SB, "[ZONE=]REMOTE", 0, "Name datapaths, ports and chassis from OVN's Southbound DB, kept current (tcp:IP:6642, ssl:IP:6642, unix:/var/run/ovn/ovnsb_db.sock); once per availability zone", 0 },
	{ "ovn-ssl-key", OPT_OVN_SSL_KEY, "FILE", 0, "For ssl: remotes: the private key (as ovn-controller's --private-key)", 0 },
	{ "ovn-ssl-cert", OPT_OVN_SSL_CERT, "FILE", 0, "For ssl: remotes: its certificate", 0 },
	{ "ovn-ssl-ca", OPT_OVN_SSL_CA, "FILE", 0, "For ssl: remotes: the CA certificate the DB's must chain to", 0 },
	{ "ovn-names", OPT_OVN_NAMES, "[ZONE=]FILE", 0, "Name them from a file of ovn-sbctl --format=json list output (see README); once per zone", 0 },
	{ "ovn-ic-sb", OPT_OVN_IC_SB, "REMOTE", 0, "Name transit switches, their ports and the gateways of every zone from OVN's interconnection Southbound DB (ovn-ic), kept current", 0 },
	{ "ovn-ic-names", OPT_OVN_IC_NAMES, "FILE", 0, "The same from a file of ovn-ic-sbctl --format=json list output", 0 },
	{ "port", OPT_PORT, "PORT", 0, "Geneve UDP destination port (default 6081)", 0 },
	{ "vxlan", OPT_VXLAN, "PORT", OPTION_ARG_OPTIONAL, "Also trace OVN's VXLAN encoding (--vxlan=PORT, default 4789)", 0 },
	{ "demo", OPT_DEMO, NULL, 0, "Run on a built-in lab: two netns, a veth pair, Geneve traffic", 0 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, "Show this help", 0 },
	{},
};

static struct env {
	struct gnv_trace_opts t;
	struct gnv_ovn_sources ovn;	/* --ovn-sb, --ovn-names */
	struct gnv_ovn_ssl ovn_ssl;
	const char *cleanup;
	int demo;
	int dump;		/* -d */
	unsigned long port;
	unsigned long vxlan_port;
	char *words[256];
	int n_words;
} env = { .port = GENEVE_UDP_PORT };

static int parse_ulong(const char *arg, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(arg, &end, 10);
	return errno || end == arg || *end || arg[0] == '-' || *out > max ?
	       -1 : 0;
}

/* A positive number of seconds, or a usage error. */
static double seconds(struct argp_state *state, const char *opt,
		      const char *arg)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v > 0) || v > 1e6)
		argp_error(state, "%s needs a positive number of seconds, not '%s'", opt, arg);
	return v;
}

/* The words an option takes, and what each means; NULL-terminated. */
struct choice {
	const char *word;
	int value;
};

static const struct choice directions[] = {
	{ "in", GNV_DIRECTION_IN }, { "out", GNV_DIRECTION_OUT },
	{ "both", GNV_DIRECTION_IN | GNV_DIRECTION_OUT }, {},
};
static const struct choice tc_modes[] = {
	{ "auto", GNV_TC_AUTO }, { "tcx", GNV_TC_TCX },
	{ "clsact", GNV_TC_CLSACT }, {},
};
static const struct choice xdp_modes[] = {
	{ "auto", GNV_XDP_AUTO }, { "native", GNV_XDP_NATIVE },
	{ "generic", GNV_XDP_GENERIC }, {},
};
static const struct choice hists[] = {
	{ "size", GNV_HIST_SIZE }, { "rtt", GNV_HIST_RTT },
	{ "tcp", GNV_HIST_TCP },
	{ "all", GNV_HIST_SIZE | GNV_HIST_RTT | GNV_HIST_TCP }, {},
};
static const struct choice outputs[] = {
	{ "text", GNV_OUT_TEXT }, { "json", GNV_OUT_JSON }, {},
};

/* The value of arg among choices, or a usage error listing them. */
static int choose(struct argp_state *state, const char *opt, const char *arg,
		  const struct choice *choices)
{
	char words[128] = "";
	int n = 0;

	for (const struct choice *c = choices; c->word; c++, n++)
		if (!strcmp(arg, c->word))
			return c->value;
	for (int i = 0; i < n; i++)
		snprintf(words + strlen(words), sizeof(words) - strlen(words),
			 "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ",
			 choices[i].word);
	argp_error(state, "%s takes %s, not '%s'", opt, words, arg);
	return 0;	/* argp_error exits */
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	unsigned long n;

	switch (key) {
	case 'i':
		if (env.t.n_ifaces == GNV_MAX_IFACES)
			argp_error(state, "at most %d interfaces", GNV_MAX_IFACES);
		env.t.ifaces[env.t.n_ifaces++] = arg;
		break;
	case 'r':
		if (env.t.n_journey_inputs == GNV_MAX_JOURNEY_INPUTS)
			argp_error(state, "at most %d -r", GNV_MAX_JOURNEY_INPUTS);
		env.t.journey_inputs[env.t.n_journey_inputs++] = arg;
		env.t.read_file = env.t.journey_inputs[0];
		break;
	case 'w':
		env.t.write_file = arg;
		break;
	case OPT_SNAPLEN:
		if (parse_ulong(arg, 262144, &n) || !n)
			argp_error(state, "--snaplen needs a number from 1 to 262144, not '%s'", arg);
		env.t.snaplen = n;
		break;
	case OPT_KERNEL:
		env.t.kernel = 1;
		break;
	case OPT_DIRECTION:
		env.t.directions = choose(state, "--direction", arg, directions);
		break;
	case OPT_TC_MODE:
		env.t.tc_mode = choose(state, "--tc-mode", arg, tc_modes);
		break;
	case OPT_XDP_MODE:
		env.t.xdp_mode = choose(state, "--xdp-mode", arg, xdp_modes);
		break;
	case OPT_HIST:
		env.t.hist = choose(state, "--hist", arg, hists);
		break;
	case OPT_ECHO_TIMEOUT:
		env.t.echo_timeout_ns = seconds(state, "--echo-timeout", arg) * 1e9;
		break;
	case OPT_MTU:
		if (parse_ulong(arg, 65535, &n) || n < 68)
			argp_error(state, "--mtu needs a number of bytes from 68 to 65535, not '%s'", arg);
		env.t.mtu = n;
		break;
	case OPT_INTERVAL:
		env.t.interval = seconds(state, "--interval", arg);
		break;
	case OPT_METRICS: {
		struct sockaddr_storage ss;
		char err[256];
		socklen_t len;

		/* A bad spec is a usage error; binding fails at run time. */
		if (gnv_metrics_parse(arg, &ss, &len, err, sizeof(err)))
			argp_error(state, "%s", err);
		env.t.metrics = arg;
		break;
	}
	case OPT_METRICS_FILE:
		env.t.metrics_file = arg;
		break;
	case OPT_METRICS_LABELS: {
		char err[256];

		if (gnv_metrics_parse_labels(arg, &env.t.metrics_labels, err,
					     sizeof(err)))
			argp_error(state, "%s", err);
		break;
	}
	case OPT_METRICS_MAX_SERIES:
		if (parse_ulong(arg, 1000000, &n) || !n)
			argp_error(state, "--metrics-max-series needs a number from 1 to 1000000, not '%s'", arg);
		env.t.metrics_max_series = n;
		break;
	case OPT_OVN_SB:
		if (env.ovn.n_sb == GNV_MAX_ZONES)
			argp_error(state, "at most %d --ovn-sb", GNV_MAX_ZONES);
		env.ovn.sb[env.ovn.n_sb++] = arg;
		break;
	case OPT_OVN_NAMES:
		if (env.ovn.n_files == GNV_MAX_ZONES)
			argp_error(state, "at most %d --ovn-names", GNV_MAX_ZONES);
		env.ovn.files[env.ovn.n_files++] = arg;
		break;
	case OPT_OVN_IC_SB:
		env.ovn.ic_sb = arg;
		break;
	case OPT_OVN_IC_NAMES:
		env.ovn.ic_file = arg;
		break;
	case OPT_OVS_DB:
		env.t.ovs_db = arg;
		break;
	case OPT_JOURNEY:
		env.t.journey_timeout_ns = (arg ? seconds(state, "--journey", arg) :
					    JOURNEY_TIMEOUT_S) * 1e9;
		break;
	case OPT_OVN_SSL_KEY:
		env.ovn_ssl.key = arg;
		break;
	case OPT_OVN_SSL_CERT:
		env.ovn_ssl.cert = arg;
		break;
	case OPT_OVN_SSL_CA:
		env.ovn_ssl.ca = arg;
		break;
	case OPT_CLEANUP:
		env.cleanup = arg;
		break;
	case 'c':
		if (parse_ulong(arg, ULONG_MAX, &n) || !n)
			argp_error(state, "-c needs a positive number, not '%s'", arg);
		env.t.count = n;
		break;
	case OPT_DURATION:
		env.t.duration = seconds(state, "--duration", arg);
		break;
	case 'o':
		env.t.mode = choose(state, "-o", arg, outputs);
		break;
	case 'v':
		env.t.verbose++;
		break;
	case 'q':
		env.t.quiet = 1;
		break;
	case 'd':
		env.dump = 1;
		break;
	case OPT_PORT:
		if (parse_ulong(arg, 65535, &env.port) || !env.port)
			argp_error(state, "--port needs a number from 1 to 65535, not '%s'", arg);
		break;
	case OPT_VXLAN:
		env.vxlan_port = VXLAN_UDP_PORT;
		if (arg && (parse_ulong(arg, 65535, &env.vxlan_port) ||
			    !env.vxlan_port))
			argp_error(state, "--vxlan needs a port from 1 to 65535, not '%s'", arg);
		break;
	case OPT_DEMO:
		env.demo = 1;
		break;
	case 'h':
		argp_state_help(state, stderr, ARGP_HELP_STD_HELP);
		break;
	case ARGP_KEY_ARG:
		if (env.n_words == (int)(sizeof(env.words) / sizeof(env.words[0])))
			argp_error(state, "filter too long");
		env.words[env.n_words++] = arg;
		break;
	case ARGP_KEY_END:
		if (env.cleanup || env.dump)
			break;
		if (!!env.t.n_ifaces + !!env.t.read_file + env.demo != 1)
			argp_error(state, "give one of -i IFACE, -r FILE or --demo");
		if (!env.t.directions)
			env.t.directions = GNV_DIRECTION_IN | GNV_DIRECTION_OUT;
		if (env.t.n_journey_inputs > 1 && !env.t.journey_timeout_ns)
			argp_error(state, "one -r FILE, or several with --journey (the JSON events of several nodes)");
		if (env.t.journey_timeout_ns && env.t.write_file)
			argp_error(state, "--journey shows journeys, not packets: -w goes without it");
		if (env.t.kernel && !env.t.read_file)
			argp_error(state, "--kernel goes with -r FILE");
		if (env.t.mtu && !env.t.read_file)
			argp_error(state, "--mtu goes with -r FILE: live, each interface's own MTU is used");
		if (!env.t.snaplen)
			env.t.snaplen = env.t.read_file ? SNAPLEN_OFFLINE :
							  SNAPLEN_LIVE;
		if (env.t.read_file && !env.t.journey_timeout_ns &&
		    (env.t.metrics || env.t.interval))
			argp_error(state, "--metrics and --interval go with a live trace; with -r, --metrics-file writes the metrics once");
		if ((env.t.metrics_labels || env.t.metrics_max_series) &&
		    !env.t.metrics && !env.t.metrics_file)
			argp_error(state, "--metrics-labels and --metrics-max-series shape the metrics: give --metrics or --metrics-file too");
		/* The metrics are per port: they need the histograms. */
		if ((env.t.metrics || env.t.metrics_file) && !env.t.hist)
			env.t.hist = GNV_HIST_SIZE | GNV_HIST_RTT |
				     GNV_HIST_TCP;
		if (!env.t.echo_timeout_ns)
			env.t.echo_timeout_ns = ECHO_TIMEOUT_S * 1000000000ULL;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = options,
		.parser = parse_arg,
		.doc = doc,
	};
	struct gnv_counts counts = {};
	char attached[1024] = "";
	struct gnv_ovn ovn;
	int r;

	argp_err_exit_status = EXIT_USAGE;
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return EXIT_USAGE;
	gnv_log_set_verbose(env.t.verbose);
	if (env.cleanup)
		return gnv_tc_cleanup(env.cleanup) ? 1 : 0;
	env.ovn.ssl = &env.ovn_ssl;
	r = gnv_ovn_setup(&ovn, &env.ovn, env.n_words, env.words, env.port,
			  env.vxlan_port, &env.t.filter);
	if (r) {
		gnv_ovn_close(&ovn);
		return r == GNV_OVN_USAGE ? EXIT_USAGE : 1;
	}
	if (env.dump) {
		gnv_filter_dump(stdout, &env.t.filter);
		gnv_ovn_close(&ovn);
		return 0;
	}
	env.t.names = ovn.names;
	env.t.ovn = &ovn;
	env.t.attached = attached;
	env.t.attached_len = sizeof(attached);
	gnv_install_signals();
	if (env.demo)
		r = gnv_demo(&env.t, &counts);
	else if (env.t.read_file && env.t.journey_timeout_ns) {
		r = gnv_trace_journey(&env.t);
		gnv_ovn_close(&ovn);
		return r ? 1 : 0;	/* no packets of its own to sum up */
	} else if (env.t.read_file)
		r = gnv_trace_file(&env.t, &counts);
	else
		r = gnv_trace_live(&env.t, &counts);
	gnv_ovn_close(&ovn);
	if (r)
		return 1;
	gnv_print_summary(stderr, &counts, attached);
	return 0;
}
