# SPDX-License-Identifier: MIT
#
# What tests/ovn/lab.sh and tests/ovn/ic_lab.sh share: polling, daemon
# options, network namespaces, process state. Sourced; die() is the
# sourcing script's.
# shellcheck shell=bash
#
# Uses the sourcing script's DIR (the lab's state), PREFIX (of the netns'
# names), WAIT and log/die.
# shellcheck disable=SC2153

OVS_SCHEMA=/usr/share/openvswitch/vswitch.ovsschema

# wait_for SECONDS WHAT COMMAND...: poll COMMAND every 0.1 s until it
# succeeds; die after SECONDS.
wait_for() {
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	die "timed out after ${secs}s waiting for $what"
}

# Every daemon: detached, with pidfile, log and control socket under DIR,
# its working directory left alone, and only errors on the terminal (they
# log their INFO lines there until they detach).
daemon_opts() { # NAME DIRECTORY
	echo "-vconsole:err -vsyslog:off --pidfile=$2/$1.pid" \
		"--log-file=$2/$1.log --unixctl=$2/$1.ctl --detach --no-chdir"
}

# No IPv6 in the lab's netns: it would only add router solicitations, MLD
# reports and DAD to the underlay and to the Geneve traffic a test counts.
ns_exists() { ip netns list | awk '{print $1}' | grep -qxF "$1"; }

make_netns() {
	ip netns add "$1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$1" link set lo up
}

# alive PID: running, not a zombie. A detached daemon's parent is PID 1,
# which may take its time to reap it (seconds, in some containers), and
# kill -0 succeeds on a zombie.
alive() {
	local st
	st=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
	[ "$st" != Z ] && [ "$st" != X ]
}

elapsed() { # since EPOCHREALTIME $1, in seconds with 1 decimal
	local us=$((${EPOCHREALTIME/./} - ${1/./}))
	printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000))
}

# ours PID: still one of ours (pids get reused): its command line names
# DIR/, as every daemon of a lab's does.
ours() { tr "\\0" " " 2>/dev/null <"/proc/$1/cmdline" | grep -qF "$DIR/"; }

# up_failed STATUS: any way out of up but its last line tears down.
up_failed() {
	trap - EXIT INT TERM
	set +e
	log "up failed (exit $1), tearing down; the last lines of its logs:"
	tail -n3 "$DIR"/*.log "$DIR"/*/*.log 2>/dev/null | sed 's/^/  /' >&2
	down >&2
	exit "$1"
}

# begin_up MARKER: DIR made and absolute, with what down needs even when
# up dies in its first steps: the marker (lab.sh's and ic_lab.sh's differ,
# so that neither script's down takes the other's DIR) that lets it rm -rf
# DIR, and the netns prefix. From here any way out of up but its last
# line tears down: set -e, die, and ^C. (set -e does not reach into
# functions called from a || or an if: every step of up is called
# plainly.)
begin_up() {
	mkdir -p "$DIR"
	DIR=$(cd "$DIR" && pwd)
	echo "PREFIX=$PREFIX" >"$DIR/$1"
	trap 'up_failed $?' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# lab_prefix MARKER "NODES": the PREFIX the lab at DIR was made with, from
# the marker file that up writes before it starts anything. Without it,
# DIR is not a lab (a typo, or already down): nothing is printed and
# nothing touched, not even netns named like ours, which may be another
# DIR's lab; when such netns exist, it says so and fails.
lab_prefix() {
	local ns left=
	if [ -f "$DIR/$1" ]; then
		sed -n 's/^PREFIX=//p' "$DIR/$1"
		return 0
	fi
	for ns in $2; do
		if ns_exists "$PREFIX-$ns"; then left+=" $PREFIX-$ns"; fi
	done
	[ -z "$left" ] && return 0
	log "$DIR is not a lab (no $1); left alone, and the netns$left"
	log "(another lab's, or its DIR was removed by hand: then 'ip netns del' them)"
	return 1
}

# stop_lab PREFIX "NODES" PIDFILE...: TERM the daemons of the pidfiles (in
# that order: ovn-controllers first, so that they do not log a storm of
# reconnects), anything else running in the netns PREFIX-NODE (a test's
# tcpdump or gnvtrace) and any daemon of ours whose pidfile was not
# written yet; up to 5 s for each to exit, then KILL; then the netns go,
# and with them their veths (both ends) and ovs-vswitchd's taps.
stop_lab() {
	local prefix=$1 nodes=$2 pids=() f p ns i
	shift 2
	for f in "$@"; do
		[ -f "$f" ] || continue
		p=$(cat "$f" 2>/dev/null) || continue
		if ! [[ $p =~ ^[0-9]+$ ]] || ! ours "$p"; then continue; fi
		kill -TERM "$p" 2>/dev/null && pids+=("$p")
	done
	for ns in $nodes; do
		for p in $(ip netns pids "$prefix-$ns" 2>/dev/null); do
			kill -TERM "$p" 2>/dev/null && pids+=("$p")
		done
	done
	for f in /proc/[0-9]*/cmdline; do
		p=${f#/proc/}
		p=${p%/cmdline}
		if [ "$p" = $$ ] || [ "$p" = "$BASHPID" ]; then continue; fi
		if ours "$p" &&
			grep -qzE '^(ovsdb-server|ovs-vswitchd|ovn-controller|ovn-northd|ovn-ic)$|/(ovsdb-server|ovs-vswitchd|ovn-controller|ovn-northd|ovn-ic)$' \
				<(head -z -n1 "$f" 2>/dev/null); then
			kill -TERM "$p" 2>/dev/null && pids+=("$p")
		fi
	done
	for p in "${pids[@]}"; do
		for ((i = 0; i < 100; i++)); do
			alive "$p" || continue 2
			sleep 0.05
		done
		kill -KILL "$p" 2>/dev/null && log "pid $p: killed -9"
	done
	for ns in $nodes; do
		if ns_exists "$prefix-$ns"; then ip netns del "$prefix-$ns"; fi
	done
}

# Run a command in chassis CH's netns with the OVS and OVN directories
# pointed at DIR/CH. OVS_RUNDIR matters beyond the pid and ctl files:
# ovs-vswitchd makes its OpenFlow sockets DIR/CH/br-int.mgmt there, and
# ovn-controller finds br-int.mgmt through the same variable, so two chassis
# on one machine must not share it.
in_ch() {
	local ch=$1 d=$DIR/$1
	shift
	ip netns exec "$PREFIX-$ch" env OVS_RUNDIR="$d" OVS_DBDIR="$d" \
		OVS_LOGDIR="$d" OVN_RUNDIR="$d" OVN_DBDIR="$d" OVN_LOGDIR="$d" "$@"
}
vsctl() { # CH ARGS...: waits for ovs-vswitchd to apply, once it runs
	local ch=$1
	shift
	ovs-vsctl --db="unix:$DIR/$ch/db.sock" --timeout="$WAIT" "$@"
}

# The underlay: one veth, ul1 in NODE1 and ul2 in NODE2, created straight
# in the two netns so that no name ever shows in the root netns.
make_underlay() { # NODE1 NODE2
	ip link add ul1 netns "$PREFIX-$1" type veth peer name ul2 \
		netns "$PREFIX-$2"
	ip -n "$PREFIX-$1" link set ul1 up
	ip -n "$PREFIX-$2" link set ul2 up
}

# start_chassis NODE N SB_SOCK ENCAP_TYPE ENCAP_IP [KEY=VALUE...]: OVS and
# ovn-controller in PREFIX-NODE, system-id and hostname from NODE, its
# underlay port ulN; more Open_vSwitch external_ids after.
start_chassis() {
	local ch=$1 n=$2 sb=$3 encap=$4 ip=$5 d=$DIR/$1
	shift 5
	mkdir -p "$d"
	ovsdb-tool create "$d/conf.db" "$OVS_SCHEMA"
	# shellcheck disable=SC2046
	in_ch "$ch" ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" \
		$(daemon_opts ovsdb-server "$d")
	vsctl "$ch" --no-wait init
	# ovn-bridge-datapath-type: were ovn-controller to make br-int, it would
	# make it netdev too; we make it ourselves below, before ovn-controller
	# starts, so that the VM ports can be added at once.
	vsctl "$ch" --no-wait set Open_vSwitch . \
		external_ids:system-id="$ch" \
		external_ids:hostname="$PREFIX-$ch" \
		external_ids:ovn-remote="unix:$sb" \
		external_ids:ovn-encap-type="$encap" \
		external_ids:ovn-encap-ip="$ip" \
		external_ids:ovn-bridge-datapath-type=netdev "$@"
	# With no openvswitch module, ovs-vswitchd logs that it cannot reach the
	# kernel datapath ("ovs_datapath" genl family) and goes on: every bridge
	# here is netdev.
	# shellcheck disable=SC2046
	in_ch "$ch" ovs-vswitchd "unix:$d/db.sock" \
		$(daemon_opts ovs-vswitchd "$d")

	# The userspace datapath's native tunnelling: the Geneve port's packets
	# are built in ovs-vswitchd, which routes them with its own copy of the
	# netns's routing table (ovs/route/show) and resolves the next hop with
	# its own ARP cache (tnl/arp/show). The route's device must be an OVS
	# bridge of the same datapath: so the underlay IP goes on br-phy (its
	# LOCAL port is a tap in the netns), and ul1/ul2 is a plain port of
	# br-phy with no IP. An IP on ul1 itself gives "native tunnel routing
	# failed" and nothing leaves. This is the recipe of the OVS docs
	# "Userspace Datapath - Tunneling".
	vsctl "$ch" add-br br-phy -- set Bridge br-phy datapath_type=netdev \
		-- add-port br-phy "ul$n"
	ip -n "$PREFIX-$ch" addr add "$ip/24" dev br-phy
	ip -n "$PREFIX-$ch" link set br-phy up

	# br-int as ovn-controller would make it, but netdev.
	vsctl "$ch" add-br br-int -- set Bridge br-int datapath_type=netdev \
		fail-mode=secure other-config:disable-in-band=true

	# ovn-controller 23.03 has no --unixctl: its control socket is
	# OVN_RUNDIR/ovn-controller.PID.ctl, that is DIR/CH/ovn-controller.PID.ctl.
	# shellcheck disable=SC2046
	in_ch "$ch" ovn-controller "unix:$d/db.sock" \
		$(daemon_opts ovn-controller "$d" | sed 's/--unixctl=[^ ]* //')
}
