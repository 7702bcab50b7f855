#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A real OVN interconnection (ovn-ic) lab in network namespaces on one
# machine: two availability zones, each with its own NB, SB, ovn-northd and
# ovn-ic, joined by a transit switch, with Geneve between the two zones'
# gateway chassis. For tests of gnvtrace on cross-zone traffic. See
# ovn-architecture(7) "OVN Deployments Interconnection" and ovn-ic(8).
#
#   tests/ovn/ic_lab.sh up DIR     build it; state under DIR; KEY=VALUE on stdout
#   tests/ovn/ic_lab.sh env DIR    print the KEY=VALUE lines of a running lab again
#   tests/ovn/ic_lab.sh down DIR   kill, delete, remove DIR (also after a failed up)
#
# Needs root and the Debian packages openvswitch-switch, ovn-central,
# ovn-host, ovn-ic, ovn-ic-db, iproute2, iputils-ping, ethtool, procps. Needs
# no kernel module: Open vSwitch runs its userspace datapath
# (datapath_type=netdev) and does the Geneve encapsulation itself. It is
# tests/ovn/lab.sh's recipe, twice, plus the interconnection; both labs can
# run at the same time (other netns names, underlay subnet, ports, marker).
#
# Topology (PREFIX defaults to gnvic):
#
#   root netns: ovsdb-server IC NB, IC SB    unix:DIR/ic-nb.sock, ic-sb.sock,
#                                            tcp:127.0.0.1:$ICNB_PORT, $ICSB_PORT
#     zone az1: ovsdb-server NB, SB,         unix:DIR/az1/nb.sock, sb.sock,
#               ovn-northd, ovn-ic           tcp:127.0.0.1:$AZ1_NB_PORT, _SB_PORT
#     zone az2: the same under DIR/az2
#
#   PREFIX-gw1 (az1)                         PREFIX-gw2 (az2)
#     ovsdb-server, ovs-vswitchd,              (the same)
#     ovn-controller (system-id gw1,           (system-id gw2, SB of az2)
#       SB of az1, ovn-is-interconn=true)
#     br-phy: ul1 + 172.31.253.1 ============= ul2 + 172.31.253.2 (veth)
#     br-int: vm1                              br-int: vm2
#          |                                        |
#   PREFIX-vm1 eth0 10.1.0.1 (ls-az1)        PREFIX-vm2 eth0 10.2.0.1 (ls-az2)
#
#   Logical, per zone N:  ls-azN 10.N.0.0/24 -- lr-azN (.254) --
#     lrp-lr-azN-ts1 169.254.100.N/24, bound to gwN (gateway chassis) --
#     ts1, the transit switch, whose port lsp-ts1-lr-azN is of type router.
#   ovn-ic gives each zone the other's ts1 port as a port of type "remote"
#   and the other's gateway as a Chassis with is-remote=true, and (with
#   GNVIC_ROUTES=ic, the default) the route to the other zone's subnet.
#   vm1 -> vm2 goes vm1 -> lr-az1 -> ts1, all on gw1, then Geneve gw1 -> gw2
#   with ts1's VNI (the key ovn-ic gives it in the IC SB, the same in both
#   zones) and the IC SB keys of the two ts1 ports in OVN's option.
#
# Each zone's chassis is both its hypervisor and its interconnection
# gateway, so one chassis per zone is enough, and the only Geneve on the
# underlay is the cross-zone traffic.
#
# Unix socket paths are at most 107 bytes, so DIR must be short (say
# /tmp/iclab).

set -euo pipefail
# shellcheck source=tests/ovn/lablib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lablib.sh"

PREFIX=${GNVIC_PREFIX:-gnvic}
ICNB_PORT=${GNVIC_ICNB_PORT:-16671}
ICSB_PORT=${GNVIC_ICSB_PORT:-16672}
AZ1_NB_PORT=${GNVIC_AZ1_NB_PORT:-16673}
AZ1_SB_PORT=${GNVIC_AZ1_SB_PORT:-16674}
AZ2_NB_PORT=${GNVIC_AZ2_NB_PORT:-16675}
AZ2_SB_PORT=${GNVIC_AZ2_SB_PORT:-16676}
WAIT=${GNVIC_WAIT:-${GNVLAB_WAIT:-30}} # seconds any one wait may take
# ic: the zones learn each other's subnet through ovn-ic (NB_Global
# options:ic-route-adv/learn); static: a route added by hand in each zone.
ROUTES=${GNVIC_ROUTES:-ic}

NB_SCHEMA=/usr/share/ovn/ovn-nb.ovsschema
SB_SCHEMA=/usr/share/ovn/ovn-sb.ovsschema
ICNB_SCHEMA=/usr/share/ovn/ovn-ic-nb.ovsschema
ICSB_SCHEMA=/usr/share/ovn/ovn-ic-sb.ovsschema

# Not lab.sh's 172.31.254: both labs may be up at once. VM MTU 1400 for the
# 58 bytes of Geneve with OVN's option (see lab.sh).
UL_NET=172.31.253
VM_MTU=1400
TS=ts1
TS_NET=169.254.100
AZS="az1 az2"
# zone: its chassis, its VM; the rest is named after the zone's number N.
declare -A AZ_GW=([az1]=gw1 [az2]=gw2)
declare -A AZ_VM=([az1]=vm1 [az2]=vm2)
declare -A AZ_NB_PORT=([az1]=$AZ1_NB_PORT [az2]=$AZ2_NB_PORT)
declare -A AZ_SB_PORT=([az1]=$AZ1_SB_PORT [az2]=$AZ2_SB_PORT)
# The ts1 router ports: one L2 segment across the zones, so unique MACs.
declare -A TS_LRP_MAC=([az1]=0a:00:00:01:ff:01 [az2]=0a:00:00:02:ff:02)
declare -A LS_LRP_MAC=([az1]=0a:00:00:01:fe:00 [az2]=0a:00:00:02:fe:00)
declare -A VM_MAC=([vm1]=0a:00:00:01:00:01 [vm2]=0a:00:00:02:00:01)
# Pinned keys (see lab.sh): a zone switch above 16 bits and one above 8,
# VM ports at the top of the 15-bit ingress field and above 8 bits. The
# transit switch's key and its ports' keys are ovn-ic's to choose (23.03
# takes no requested key for them): they are read back into the env.
declare -A LS_KEY=([az1]=70000 [az2]=300)
declare -A VM_KEY=([vm1]=32766 [vm2]=258)
NODES="gw1 gw2 vm1 vm2" # netns, as PREFIX-NODE

log() { echo "iclab: $*" >&2; }
die() {
	echo "iclab: error: $*" >&2
	exit 1
}
usage() {
	echo "usage: $0 up|env|down DIR" >&2
	exit 2
}

# --- the databases, ovn-northd and ovn-ic -----------------------------------

nbctl() { # AZ ARGS...
	local az=$1
	shift
	ovn-nbctl --db="unix:$DIR/$az/nb.sock" --timeout="$WAIT" "$@"
}
sbctl() { # AZ ARGS...
	local az=$1
	shift
	ovn-sbctl --db="unix:$DIR/$az/sb.sock" --timeout="$WAIT" "$@"
}
icnbctl() { ovn-ic-nbctl --db="unix:$DIR/ic-nb.sock" --timeout="$WAIT" "$@"; }
icsbctl() { ovn-ic-sbctl --db="unix:$DIR/ic-sb.sock" --timeout="$WAIT" "$@"; }

# start_db D NAME SCHEMA PORT: ovsdb-server for D/NAME.db on
# unix:D/NAME.sock and tcp:127.0.0.1:PORT.
start_db() {
	local d=$1 name=$2 schema=$3 port=$4
	ovsdb-tool create "$d/$name.db" "$schema"
	# shellcheck disable=SC2046
	ovsdb-server "$d/$name.db" --remote="punix:$d/$name.sock" \
		--remote="ptcp:$port:127.0.0.1" $(daemon_opts "ovsdb-server-$name" "$d")
}

start_ic_central() {
	start_db "$DIR" ic-nb "$ICNB_SCHEMA" "$ICNB_PORT"
	start_db "$DIR" ic-sb "$ICSB_SCHEMA" "$ICSB_PORT"
	icnbctl init
	icnbctl ts-add "$TS"
	wait_for "$WAIT" "the IC SB database on tcp:127.0.0.1:$ICSB_PORT" \
		ovn-ic-sbctl --db="tcp:127.0.0.1:$ICSB_PORT" --timeout=1 show
}

start_zone() {
	local az=$1 d=$DIR/$1
	mkdir -p "$d"
	start_db "$d" nb "$NB_SCHEMA" "${AZ_NB_PORT[$az]}"
	start_db "$d" sb "$SB_SCHEMA" "${AZ_SB_PORT[$az]}"
	# shellcheck disable=SC2046
	OVN_RUNDIR=$d ovn-northd --ovnnb-db="unix:$d/nb.sock" \
		--ovnsb-db="unix:$d/sb.sock" $(daemon_opts ovn-northd "$d")
	nbctl "$az" --no-wait init
	# NB_Global.name is the zone's name in the IC SB (Availability_Zone);
	# ovn-ic does nothing for a zone without one.
	nbctl "$az" --no-wait set NB_Global . name="$az"
	if [ "$ROUTES" = ic ]; then
		nbctl "$az" --no-wait set NB_Global . options:ic-route-adv=true \
			options:ic-route-learn=true
	fi
	# shellcheck disable=SC2046
	OVN_RUNDIR=$d ovn-ic --ovnnb-db="unix:$d/nb.sock" \
		--ovnsb-db="unix:$d/sb.sock" --ic-nb-db="unix:$DIR/ic-nb.sock" \
		--ic-sb-db="unix:$DIR/ic-sb.sock" $(daemon_opts ovn-ic "$d")
	wait_for "$WAIT" "the $az SB database on tcp:127.0.0.1:${AZ_SB_PORT[$az]}" \
		ovn-sbctl --db="tcp:127.0.0.1:${AZ_SB_PORT[$az]}" --timeout=1 \
		--no-leader-only show
}

# --- the chassis: ovsdb-server, ovs-vswitchd, ovn-controller in a netns -----

# A zone's chassis (lablib.sh's start_chassis), connected to the zone's SB
# and marked as an interconnection gateway: ovn-controller then sets
# other_config is-interconn=true on its Chassis, ovn-ic publishes it in the
# IC SB as a Gateway, and the other zone's ovn-ic copies it into its SB as
# a remote chassis. Only such a chassis makes tunnels to remote chassis.
start_gateway() { # AZ
	local n=${1#az}
	start_chassis "${AZ_GW[$1]}" "$n" "$DIR/$1/sb.sock" geneve "$UL_NET.$n" \
		external_ids:ovn-is-interconn=true
}

# --- the VMs ----------------------------------------------------------------

# make_vm AZ: as in lab.sh, a netns with eth0 whose peer is a br-int port
# of the zone's chassis, bound to the logical port ls-azN-vmN.
make_vm() {
	local az=$1 n=${1#az} ch=${AZ_GW[$1]} vm=${AZ_VM[$1]} ns=$PREFIX-${AZ_VM[$1]}
	make_netns "$ns"
	ip link add eth0 netns "$ns" type veth peer name "$vm" netns "$PREFIX-$ch"
	ip -n "$ns" link set eth0 address "${VM_MAC[$vm]}" mtu "$VM_MTU" up
	ip -n "$ns" addr add "10.$n.0.1/24" dev eth0
	ip -n "$ns" route add default via "10.$n.0.254"
	ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null
	ip -n "$PREFIX-$ch" link set "$vm" mtu "$VM_MTU" up
	vsctl "$ch" add-port br-int "$vm" \
		-- set Interface "$vm" external_ids:iface-id="ls-$az-$vm"
}

# --- the logical network ----------------------------------------------------

ts_in_nb() { [ -n "$(nbctl "$1" --bare --columns=name find Logical_Switch name=$TS)" ]; }

# make_logical AZ: the zone's switch, router and its ts1 port. ts1 itself is
# made in the zone's NB by ovn-ic (other_config:interconn-ts, and
# requested-tnl-key = its IC SB key); it must be there before a port can
# be added to it.
make_logical() {
	local az=$1 n=${1#az} vm=${AZ_VM[$1]} ls=ls-$1 lr=lr-$1
	nbctl "$az" ls-add "$ls" -- set Logical_Switch "$ls" \
		other_config:requested-tnl-key="${LS_KEY[$az]}"
	nbctl "$az" lr-add "$lr"
	nbctl "$az" lrp-add "$lr" "lrp-$lr-$ls" "${LS_LRP_MAC[$az]}" "10.$n.0.254/24"
	nbctl "$az" lsp-add "$ls" "$ls-$lr" \
		-- lsp-set-type "$ls-$lr" router \
		-- lsp-set-addresses "$ls-$lr" router \
		-- lsp-set-options "$ls-$lr" router-port="lrp-$lr-$ls"
	nbctl "$az" lsp-add "$ls" "$ls-$vm" \
		-- lsp-set-addresses "$ls-$vm" "${VM_MAC[$vm]} 10.$n.0.1" \
		-- lsp-set-options "$ls-$vm" requested-tnl-key="${VM_KEY[$vm]}"

	wait_for "$WAIT" "ovn-ic to make $TS in the $az NB" ts_in_nb "$az"
	# The ts1 router port, a distributed gateway port on the zone's
	# gateway chassis: its cr-lrp port binding is what ovn-ic reads to fill
	# in Port_Binding.gateway in the IC SB, and what the other zone's
	# remote port is then pinned to (requested-chassis).
	nbctl "$az" lrp-add "$lr" "lrp-$lr-$TS" "${TS_LRP_MAC[$az]}" "$TS_NET.$n/24"
	nbctl "$az" lrp-set-gateway-chassis "lrp-$lr-$TS" "${AZ_GW[$az]}" 1
	nbctl "$az" lsp-add "$TS" "lsp-$TS-$lr" \
		-- lsp-set-type "lsp-$TS-$lr" router \
		-- lsp-set-addresses "lsp-$TS-$lr" router \
		-- lsp-set-options "lsp-$TS-$lr" router-port="lrp-$lr-$TS"
	if [ "$ROUTES" = static ]; then
		local m=$((3 - n))
		nbctl "$az" lr-route-add "$lr" "10.$m.0.0/24" "$TS_NET.$m"
	fi
}

chassis_registered() { # AZ
	sbctl "$1" --bare --columns=name list Chassis | grep -qx "${AZ_GW[$1]}"
}
ic_gateways() { # both gateways in the IC SB
	local names
	names=$(icsbctl --bare --columns=name list Gateway)
	grep -qx gw1 <<<"$names" && grep -qx gw2 <<<"$names"
}
remote_chassis() { # AZ OTHER_GW: the other zone's gateway, in AZ's SB
	[ -n "$(sbctl "$1" --bare --columns=name find Chassis name="$2" \
		other_config:is-remote=true)" ]
}
remote_port() { # AZ LSP: the other zone's ts1 port, type remote, in AZ's NB
	[ "$(nbctl "$1" --bare --columns=type find Logical_Switch_Port \
		name="$2")" = remote ]
}

# learned_route AZ PREFIX: ovn-ic stores the learned route with the remote
# router port's address as it is ("10.2.0.254/24", not 10.2.0.0/24), so
# look at it as lr-route-list shows it.
learned_route() {
	nbctl "$1" lr-route-list "lr-$1" |
		awk -v p="$2" '$1 == p && /learned/ { f = 1 } END { exit !f }'
}

ping_ok() { ip netns exec "$1" ping -c1 -W1 "$2"; }

# --- reading back what the databases made -----------------------------------

dp_key() { sbctl "$1" --bare --columns=tunnel_key find Datapath_Binding "external_ids:name=$2"; }
pb_key() { sbctl "$1" --bare --columns=tunnel_key find Port_Binding "logical_port=$2"; }
ic_pb_key() { icsbctl --bare --columns=tunnel_key find Port_Binding "logical_port=$1"; }
ic_ts_key() { icsbctl --bare --columns=tunnel_key find Datapath_Binding "transit_switch=$TS"; }

# check_keys: what the env promises, that each zone's SB has ts1 and both
# ts1 ports under the keys ovn-ic chose in the IC SB (it writes them into
# the zone NB as requested-tnl-key, northd obeys).
check_keys() {
	local az lsp ic zone
	for az in $AZS; do
		ic=$(ic_ts_key)
		zone=$(dp_key "$az" "$TS")
		if [ -z "$ic" ] || [ "$zone" != "$ic" ]; then
			die "$TS: key '$zone' in the $az SB, '$ic' in the IC SB"
		fi
		for lsp in "lsp-$TS-lr-az1" "lsp-$TS-lr-az2"; do
			ic=$(ic_pb_key "$lsp")
			zone=$(pb_key "$az" "$lsp")
			if [ -z "$ic" ] || [ "$zone" != "$ic" ]; then
				die "$lsp: key '$zone' in the $az SB, '$ic' in the IC SB"
			fi
		done
	done
}

write_env() {
	local az n ch vm uaz
	{
		echo "LAB_DIR=$DIR"
		echo "IC_NB=unix:$DIR/ic-nb.sock"
		echo "IC_NB_SOCK=$DIR/ic-nb.sock"
		echo "IC_NB_TCP=tcp:127.0.0.1:$ICNB_PORT"
		echo "IC_SB=unix:$DIR/ic-sb.sock"
		echo "IC_SB_SOCK=$DIR/ic-sb.sock"
		echo "IC_SB_TCP=tcp:127.0.0.1:$ICSB_PORT"
		echo "TS=$TS"
		echo "TS_KEY=$(ic_ts_key)" # IC SB Datapath_Binding: the VNI
		for az in $AZS; do
			n=${az#az}
			uaz=${az^^}
			ch=${AZ_GW[$az]}
			vm=${AZ_VM[$az]}
			echo "$uaz=$az" # NB_Global.name, IC SB Availability_Zone
			echo "${uaz}_NB=unix:$DIR/$az/nb.sock"
			echo "${uaz}_NB_SOCK=$DIR/$az/nb.sock"
			echo "${uaz}_NB_TCP=tcp:127.0.0.1:${AZ_NB_PORT[$az]}"
			echo "${uaz}_SB=unix:$DIR/$az/sb.sock"
			echo "${uaz}_SB_SOCK=$DIR/$az/sb.sock"
			echo "${uaz}_SB_TCP=tcp:127.0.0.1:${AZ_SB_PORT[$az]}"
			echo "${uaz}_GW=$ch" # Chassis.name, IC SB Gateway.name
			echo "${uaz}_GW_NS=$PREFIX-$ch"
			echo "${uaz}_UNDERLAY=ul$n" # in ${uaz}_GW_NS
			echo "${uaz}_ENCAP_IP=$UL_NET.$n"
			echo "${uaz}_OVS_DB=unix:$DIR/$ch/db.sock"
			echo "${uaz}_VSWITCHD_CTL=$DIR/$ch/ovs-vswitchd.ctl"
			echo "${uaz}_LS=ls-$az"
			echo "${uaz}_LS_KEY=$(dp_key "$az" "ls-$az")"
			echo "${uaz}_LR=lr-$az"
			echo "${uaz}_LR_KEY=$(dp_key "$az" "lr-$az")"
			echo "${uaz}_TS_KEY=$(dp_key "$az" "$TS")" # = TS_KEY
			echo "${uaz}_TS_LRP=lrp-lr-$az-$TS"
			echo "${uaz}_TS_LRP_IP=$TS_NET.$n"
			echo "${uaz}_TS_LRP_MAC=${TS_LRP_MAC[$az]}"
			echo "${uaz}_TS_LSP=lsp-$TS-lr-$az"
			echo "${uaz}_TS_LSP_KEY=$(ic_pb_key "lsp-$TS-lr-$az")" # IC SB
			echo "${uaz}_VM=$vm"
			echo "${uaz}_VM_NS=$PREFIX-$vm"
			echo "${uaz}_VM_IP=10.$n.0.1"
			echo "${uaz}_VM_MAC=${VM_MAC[$vm]}"
			echo "${uaz}_VM_LSP=ls-$az-$vm"
			echo "${uaz}_VM_LSP_KEY=$(pb_key "$az" "ls-$az-$vm")"
		done
	} >"$DIR/lab.env.tmp"
	mv "$DIR/lab.env.tmp" "$DIR/lab.env"
}

# --- up / down --------------------------------------------------------------

check_free() {
	local ns p cmd_pkg
	for cmd_pkg in ovsdb-tool:openvswitch-common ovs-vswitchd:openvswitch-switch \
		ovn-northd:ovn-central ovn-controller:ovn-host ovn-ic:ovn-ic \
		ovn-ic-nbctl:ovn-ic ip:iproute2 ss:iproute2 ping:iputils-ping \
		ethtool:ethtool sysctl:procps; do
		command -v "${cmd_pkg%%:*}" >/dev/null ||
			die "${cmd_pkg%%:*} missing: apt-get install ${cmd_pkg#*:}"
	done
	for f in "$ICNB_SCHEMA" "$ICSB_SCHEMA"; do
		[ -f "$f" ] || die "$f missing: apt-get install ovn-ic-db"
	done
	[ "$(id -u)" = 0 ] || die "must run as root"
	case $ROUTES in ic | static) ;; *) die "GNVIC_ROUTES must be ic or static" ;; esac
	if [ -e "$DIR" ] && [ -n "$(ls -A "$DIR" 2>/dev/null)" ]; then
		die "$DIR is in use (not empty); '$0 down $DIR' first"
	fi
	# The longest socket path ovs-vswitchd makes: DIR/gw1/br-int.snoop
	[ ${#DIR} -le 80 ] || die "DIR too long for unix socket paths: $DIR"
	for ns in $NODES; do
		! ns_exists "$PREFIX-$ns" ||
			die "netns $PREFIX-$ns exists: another lab is up (GNVIC_PREFIX?)"
	done
	for p in "$ICNB_PORT" "$ICSB_PORT" "$AZ1_NB_PORT" "$AZ1_SB_PORT" \
		"$AZ2_NB_PORT" "$AZ2_SB_PORT"; do
		[ -z "$(ss -Hltn "sport = :$p")" ] ||
			die "TCP port $p is in use (GNVIC_*_PORT)"
	done
}

up() {
	local t0=$EPOCHREALTIME az ch
	check_free
	begin_up .gnviclab

	log "interconnection: IC NB, IC SB, $TS"
	start_ic_central
	for az in $AZS; do
		log "zone $az: NB, SB, northd, ovn-ic"
		start_zone "$az"
	done
	for ch in gw1 gw2; do make_netns "$PREFIX-$ch"; done
	make_underlay gw1 gw2
	for az in $AZS; do
		log "chassis ${AZ_GW[$az]} ($az)"
		start_gateway "$az"
	done
	for az in $AZS; do
		log "logical network of $az"
		make_logical "$az"
		make_vm "$az"
	done

	for az in $AZS; do
		wait_for "$WAIT" "${AZ_GW[$az]} in the $az SB Chassis table" \
			chassis_registered "$az"
	done
	wait_for "$WAIT" "gw1 and gw2 as Gateways in the IC SB" ic_gateways
	wait_for "$WAIT" "gw2 as a remote chassis in the az1 SB" remote_chassis az1 gw2
	wait_for "$WAIT" "gw1 as a remote chassis in the az2 SB" remote_chassis az2 gw1
	wait_for "$WAIT" "lsp-$TS-lr-az2 as a remote port in the az1 NB" \
		remote_port az1 "lsp-$TS-lr-az2"
	wait_for "$WAIT" "lsp-$TS-lr-az1 as a remote port in the az2 NB" \
		remote_port az2 "lsp-$TS-lr-az1"
	if [ "$ROUTES" = ic ]; then
		wait_for "$WAIT" "az1 to learn 10.2.0.0/24" learned_route az1 10.2.0.0/24
		wait_for "$WAIT" "az2 to learn 10.1.0.0/24" learned_route az2 10.1.0.0/24
	fi
	for az in $AZS; do
		nbctl "$az" wait-until Logical_Switch_Port \
			"ls-$az-${AZ_VM[$az]}" up=true >/dev/null
		nbctl "$az" --wait=hv sync
	done
	# The underlay first, so that ovs-vswitchd has the peer's MAC in its
	# tunnel ARP cache (see lab.sh), then the VMs.
	wait_for "$WAIT" "ping gw1 -> gw2 on the underlay" ping_ok "$PREFIX-gw1" "$UL_NET.2"
	wait_for "$WAIT" "ping vm1 -> vm2 (az1 -> $TS -> az2)" ping_ok "$PREFIX-vm1" 10.2.0.1

	check_keys
	write_env
	trap - EXIT INT TERM
	log "up in $(elapsed "$t0") s"
	cat "$DIR/lab.env"
}

down() {
	local t0=$EPOCHREALTIME prefix
	prefix=$(lab_prefix .gnviclab "$NODES") || return 1
	[ -n "$prefix" ] || return 0
	stop_lab "$prefix" "$NODES" \
		"$DIR"/gw*/ovn-controller.pid "$DIR"/gw*/ovs-vswitchd.pid \
		"$DIR"/gw*/ovsdb-server.pid "$DIR"/az*/ovn-ic.pid \
		"$DIR"/az*/ovn-northd.pid "$DIR"/az*/ovsdb-server-*.pid \
		"$DIR"/ovsdb-server-*.pid
	rm -rf "$DIR"
	log "down in $(elapsed "$t0") s"
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
