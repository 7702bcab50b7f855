#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A real, minimal OVN cluster in network namespaces on one machine, with
# Geneve between two chassis, for tests of gnvtrace's OVN features.
#
#   tests/ovn/lab.sh up DIR     build it; state under DIR; KEY=VALUE on stdout
#   tests/ovn/lab.sh env DIR    print the KEY=VALUE lines of a running lab again
#   tests/ovn/lab.sh down DIR   kill, delete, remove DIR (also after a failed up)
#
# Needs root and the Debian packages openvswitch-switch, ovn-central,
# ovn-host, iproute2, iputils-ping, ethtool, procps (see README.md). Needs
# no kernel module: Open vSwitch runs its userspace datapath
# (datapath_type=netdev) and does the Geneve encapsulation itself.
#
# Topology (PREFIX defaults to gnvlab; names of the netns are global, so one
# lab per PREFIX at a time):
#
#   root netns: ovsdb-server NB, ovsdb-server SB, ovn-northd
#               listening on unix:DIR/nb.sock, unix:DIR/sb.sock and on
#               tcp:127.0.0.1:$NB_PORT, tcp:127.0.0.1:$SB_PORT
#
#   PREFIX-ch1                               PREFIX-ch2
#     ovsdb-server, ovs-vswitchd,              (the same)
#     ovn-controller (system-id ch1)           (system-id ch2)
#     br-phy (netdev): ul1 + 172.31.254.1 ==== ul2 + 172.31.254.2 (veth)
#     br-int (netdev): vm1                     br-int: vm2, vm3
#          |                                        |      |
#   PREFIX-vm1 eth0 10.0.0.1 (ls0)   PREFIX-vm2 10.0.0.2   PREFIX-vm3 10.0.1.3
#                                       (ls0)               (ls1)
#
#   ls0 (10.0.0.0/24) and ls1 (10.0.1.0/24) joined by the logical router lr0
#   (.254 on each), so vm1 <-> vm2 is switched on ls0's VNI and vm1 <-> vm3 is
#   routed, reaching ch2 with ls1's VNI and coming back with ls0's.
#
# The unix sockets are the way in from a chassis netns: a path is visible in
# every netns, 127.0.0.1 of the root netns is not. Unix socket paths are at
# most 107 bytes, so DIR must be short (say /tmp/ovnlab).

set -euo pipefail
# shellcheck source=tests/ovn/lablib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lablib.sh"

PREFIX=${GNVLAB_PREFIX:-gnvlab}
NB_PORT=${GNVLAB_NB_PORT:-16641}
SB_PORT=${GNVLAB_SB_PORT:-16642}
WAIT=${GNVLAB_WAIT:-30} # seconds any one wait may take
ENCAP=${GNVLAB_ENCAP:-geneve} # or vxlan: OVN's VXLAN encoding

NB_SCHEMA=/usr/share/ovn/ovn-nb.ovsschema
SB_SCHEMA=/usr/share/ovn/ovn-sb.ovsschema

# The underlay, the VMs, the logical network. VM MTU 1400: Geneve with OVN's
# option adds 58 bytes (14 Ethernet + 20 IPv4 + 8 UDP + 8 Geneve + 8 option)
# to every frame, and the userspace datapath silently drops what does not
# fit the 1500 of the underlay veth.
UL_NET=172.31.254
VM_MTU=1400
# vm NAME: chassis, logical switch, IP/len, MAC
declare -A VM_CH=([vm1]=ch1 [vm2]=ch2 [vm3]=ch2)
declare -A VM_LS=([vm1]=ls0 [vm2]=ls0 [vm3]=ls1)
declare -A VM_IP=([vm1]=10.0.0.1 [vm2]=10.0.0.2 [vm3]=10.0.1.3)
declare -A VM_MAC=([vm1]=0a:00:00:00:00:01 [vm2]=0a:00:00:00:00:02
	[vm3]=0a:00:00:00:01:03)
declare -A LS_NET=([ls0]=10.0.0 [ls1]=10.0.1)
declare -A LRP_MAC=([ls0]=0a:00:00:00:fe:00 [ls1]=0a:00:00:00:fe:01)
VMS="vm1 vm2 vm3"
CHASSIS="ch1 ch2"

log() { echo "lab: $*" >&2; }
die() {
	echo "lab: error: $*" >&2
	exit 1
}
usage() {
	echo "usage: $0 up|env|down DIR" >&2
	exit 2
}

# --- the central part: NB and SB databases, ovn-northd ---------------------

nbctl() { ovn-nbctl --db="unix:$DIR/nb.sock" --timeout="$WAIT" "$@"; }
sbctl() { ovn-sbctl --db="unix:$DIR/sb.sock" --timeout="$WAIT" "$@"; }

start_central() {
	local db port
	for db in nb sb; do
		if [ $db = nb ]; then port=$NB_PORT; else port=$SB_PORT; fi
		ovsdb-tool create "$DIR/$db.db" \
			"$([ $db = nb ] && echo $NB_SCHEMA || echo $SB_SCHEMA)"
		# shellcheck disable=SC2046
		ovsdb-server "$DIR/$db.db" --remote="punix:$DIR/$db.sock" \
			--remote="ptcp:$port:127.0.0.1" \
			$(daemon_opts "ovsdb-server-$db" "$DIR")
	done
	# shellcheck disable=SC2046
	OVN_RUNDIR=$DIR ovn-northd --ovnnb-db="unix:$DIR/nb.sock" \
		--ovnsb-db="unix:$DIR/sb.sock" $(daemon_opts ovn-northd "$DIR")
	nbctl --no-wait init
	wait_for "$WAIT" "the NB database on tcp:127.0.0.1:$NB_PORT" \
		ovn-nbctl --db="tcp:127.0.0.1:$NB_PORT" --timeout=1 --no-wait show
	wait_for "$WAIT" "the SB database on tcp:127.0.0.1:$SB_PORT" \
		ovn-sbctl --db="tcp:127.0.0.1:$SB_PORT" --timeout=1 --no-leader-only show
}

# --- the chassis: ovsdb-server, ovs-vswitchd, ovn-controller in a netns -----


# --- the VMs ----------------------------------------------------------------

# A VM is a netns with eth0, a veth whose other end (named after the VM) is
# a port of br-int in its chassis, bound to logical port LS-VM by iface-id.
make_vm() {
	local vm=$1 ch=${VM_CH[$1]} ls=${VM_LS[$1]} ns=$PREFIX-$1
	make_netns "$ns"
	ip link add eth0 netns "$ns" type veth peer name "$vm" netns "$PREFIX-$ch"
	ip -n "$ns" link set eth0 address "${VM_MAC[$vm]}" mtu "$VM_MTU" up
	ip -n "$ns" addr add "${VM_IP[$vm]}/24" dev eth0
	ip -n "$ns" route add default via "${LS_NET[$ls]}.254"
	# The userspace datapath reads the VM's frames with an AF_PACKET socket
	# and takes them as they are: a veth that offloads the TCP/UDP checksum
	# (CHECKSUM_PARTIAL) or segmentation hands OVS frames with a checksum
	# not yet filled in, or 64 KB TSO frames, and those go out in Geneve as
	# they are (bad checksum, or dropped). ICMP is checksummed in software
	# and works either way.
	ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
	ip -n "$PREFIX-$ch" link set "$vm" mtu "$VM_MTU" up
	vsctl "$ch" add-port br-int "$vm" \
		-- set Interface "$vm" external_ids:iface-id="$ls-$vm"
}

# --- the logical network ----------------------------------------------------

# Tunnel keys pinned at creation (changing one later breaks forwarding in
# OVN 23.03), chosen to catch byte-order and field-width bugs: a datapath
# key above 16 bits and one above 8, port keys at the top of the 15-bit
# ingress field and above 8 bits.
# With VXLAN (GNVLAB_ENCAP=vxlan) OVN has 12 bits for a datapath and an
# egress port key (unicast ports below 2048): the keys shrink to fit.
if [ "$ENCAP" = vxlan ]; then
	declare -A LS_KEY=([ls0]=4000 [ls1]=300)
	declare -A LSP_KEY=([vm1]=2046 [vm2]=258 [vm3]=1234)
else
	declare -A LS_KEY=([ls0]=70000 [ls1]=300)
	declare -A LSP_KEY=([vm1]=32766 [vm2]=258 [vm3]=4660)
fi

make_logical() {
	local ls vm
	nbctl lr-add lr0
	for ls in ls0 ls1; do
		nbctl ls-add "$ls" -- set Logical_Switch "$ls" \
			other_config:requested-tnl-key="${LS_KEY[$ls]}"
		nbctl lrp-add lr0 "lr0-$ls" "${LRP_MAC[$ls]}" "${LS_NET[$ls]}.254/24"
		nbctl lsp-add "$ls" "$ls-lr0" \
			-- lsp-set-type "$ls-lr0" router \
			-- lsp-set-addresses "$ls-lr0" router \
			-- lsp-set-options "$ls-lr0" router-port="lr0-$ls"
	done
	for vm in $VMS; do
		ls=${VM_LS[$vm]}
		nbctl lsp-add "$ls" "$ls-$vm" \
			-- lsp-set-addresses "$ls-$vm" "${VM_MAC[$vm]} ${VM_IP[$vm]}" \
			-- lsp-set-options "$ls-$vm" \
			   requested-tnl-key="${LSP_KEY[$vm]}"
	done
}

chassis_registered() {
	local names
	names=$(sbctl --bare --columns=name list Chassis)
	grep -qx ch1 <<<"$names" && grep -qx ch2 <<<"$names"
}

ping_ok() { ip netns exec "$1" ping -c1 -W1 "$2"; }

# --- reading back what the SB made ------------------------------------------

dp_key() { sbctl --bare --columns=tunnel_key find Datapath_Binding "external_ids:name=$1"; }
pb_key() { sbctl --bare --columns=tunnel_key find Port_Binding "logical_port=$1"; }

write_env() {
	local vm ls uvm uls
	{
		echo "LAB_DIR=$DIR"
		echo "NB=unix:$DIR/nb.sock"
		echo "SB=unix:$DIR/sb.sock"
		echo "NB_TCP=tcp:127.0.0.1:$NB_PORT"
		echo "SB_TCP=tcp:127.0.0.1:$SB_PORT"
		echo "CH1_NS=$PREFIX-ch1"
		echo "CH2_NS=$PREFIX-ch2"
		echo "CH1_CHASSIS=ch1" # SB Chassis.name (= system-id)
		echo "CH2_CHASSIS=ch2"
		echo "CH1_HOST=$PREFIX-ch1" # SB Chassis.hostname
		echo "CH2_HOST=$PREFIX-ch2"
		echo "CH1_UNDERLAY=ul1"
		echo "CH2_UNDERLAY=ul2"
		echo "CH1_ENCAP_IP=$UL_NET.1"
		echo "CH2_ENCAP_IP=$UL_NET.2"
		echo "CH1_OVS_DB=unix:$DIR/ch1/db.sock"
		echo "CH2_OVS_DB=unix:$DIR/ch2/db.sock"
		echo "CH1_VSWITCHD_CTL=$DIR/ch1/ovs-vswitchd.ctl"
		echo "CH2_VSWITCHD_CTL=$DIR/ch2/ovs-vswitchd.ctl"
		echo "LR=lr0"
		echo "LR_KEY=$(dp_key lr0)"
		for ls in ls0 ls1; do
			uls=${ls^^}
			echo "$uls=$ls"
			echo "${uls}_KEY=$(dp_key "$ls")"
			echo "${uls}_RTR_LSP=$ls-lr0"
			echo "${uls}_RTR_LSP_KEY=$(pb_key "$ls-lr0")"
		done
		for vm in $VMS; do
			uvm=${vm^^}
			echo "${uvm}_NS=$PREFIX-$vm"
			echo "${uvm}_IP=${VM_IP[$vm]}"
			echo "${uvm}_MAC=${VM_MAC[$vm]}"
			echo "${uvm}_CHASSIS=${VM_CH[$vm]}"
			echo "${uvm}_LS=${VM_LS[$vm]}"
			echo "${uvm}_LSP=${VM_LS[$vm]}-$vm"
			echo "${uvm}_LSP_KEY=$(pb_key "${VM_LS[$vm]}-$vm")"
		done
	} >"$DIR/lab.env.tmp"
	mv "$DIR/lab.env.tmp" "$DIR/lab.env"
}

# --- up / down --------------------------------------------------------------

check_free() {
	local ns p cmd_pkg
	for cmd_pkg in ovsdb-tool:openvswitch-common ovs-vswitchd:openvswitch-switch \
		ovn-northd:ovn-central ovn-controller:ovn-host ip:iproute2 ss:iproute2 \
		ping:iputils-ping ethtool:ethtool sysctl:procps; do
		command -v "${cmd_pkg%%:*}" >/dev/null ||
			die "${cmd_pkg%%:*} missing: apt-get install ${cmd_pkg#*:} (see tests/ovn/README.md)"
	done
	[ "$(id -u)" = 0 ] || die "must run as root"
	if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
		die "$DIR is in use (not empty); '$0 down $DIR' first"
	fi
	# The longest socket path ovs-vswitchd makes: DIR/ch1/br-int.snoop
	[ ${#DIR} -le 80 ] || die "DIR too long for unix socket paths: $DIR"
	for ns in ch1 ch2 $VMS; do
		! ns_exists "$PREFIX-$ns" ||
			die "netns $PREFIX-$ns exists: another lab is up (GNVLAB_PREFIX?)"
	done
	for p in "$NB_PORT" "$SB_PORT"; do
		[ -z "$(ss -Hltn "sport = :$p")" ] ||
			die "TCP port $p is in use (GNVLAB_NB_PORT / GNVLAB_SB_PORT)"
	done
}

up() {
	local t0=$EPOCHREALTIME ch vm
	check_free
	begin_up .gnvlab

	log "central: NB, SB, northd"
	start_central
	for ch in $CHASSIS; do make_netns "$PREFIX-$ch"; done
	make_underlay ch1 ch2
	for ch in $CHASSIS; do
		log "chassis $ch"
		start_chassis "$ch" "${ch#ch}" "$DIR/sb.sock" "$ENCAP" "$UL_NET.${ch#ch}"
	done
	log "logical network"
	make_logical
	for vm in $VMS; do make_vm "$vm"; done

	wait_for "$WAIT" "ch1 and ch2 in the SB Chassis table" chassis_registered
	for vm in $VMS; do
		nbctl wait-until Logical_Switch_Port "${VM_LS[$vm]}-$vm" up=true >/dev/null
	done
	# Every chassis has caught up with the NB (flows installed).
	nbctl --wait=hv sync
	# The underlay first: the reply's ARP passes through br-phy, where
	# ovs-vswitchd learns the peer's MAC for its tunnel ARP cache. Then
	# the VMs (the first ping also has ARP to do, so a few tries).
	wait_for "$WAIT" "ping ch1 -> ch2 on the underlay" ping_ok "$PREFIX-ch1" "$UL_NET.2"
	wait_for "$WAIT" "ping vm1 -> vm2 (ls0)" ping_ok "$PREFIX-vm1" "${VM_IP[vm2]}"
	wait_for "$WAIT" "ping vm1 -> vm3 (lr0, ls1)" ping_ok "$PREFIX-vm1" "${VM_IP[vm3]}"

	write_env
	trap - EXIT INT TERM
	log "up in $(elapsed "$t0") s"
	cat "$DIR/lab.env"
}

down() {
	local prefix
	prefix=$(lab_prefix .gnvlab "ch1 ch2 $VMS") || return 1
	[ -n "$prefix" ] || return 0
	stop_lab "$prefix" "ch1 ch2 $VMS" \
		"$DIR"/ch*/ovn-controller.pid "$DIR"/ch*/ovs-vswitchd.pid \
		"$DIR"/ch*/ovsdb-server.pid "$DIR"/ovn-northd.pid \
		"$DIR"/ovsdb-server-*.pid
	rm -rf "$DIR"
}

[ $# -eq 2 ] || usage
DIR=$2
case $1 in
up) up ;;
down)
	[ -d "$DIR" ] && DIR=$(cd "$DIR" && pwd)
	down
	;;
env) cat "$DIR/lab.env" ;;
*) usage ;;
esac
