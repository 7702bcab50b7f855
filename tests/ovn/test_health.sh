#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The tunnels' health on a real OVN cluster (tests/ovn/lab.sh): the
# router's port toward ls1 on both chassis as gateways (two priorities),
# so that OVN has Open vSwitch run BFD between them inside Geneve; what
# gnvtrace decodes of it beside tshark's decode of the same frames and
# ovs-appctl bfd/show on both chassis.
#
# Usage: test_health.sh BUILD_DIR
BUILD=$(cd "${1:-build}" && pwd)
# shellcheck source=tests/ovn/labtest.sh
. "$(dirname "$0")/labtest.sh"
labtest_init gnvth 16671 16672

nbctl() { ovn-nbctl --db="$NB" "$@"; }
bfd_show() { ip netns exec "$1" ovs-appctl -t "$2" bfd/show; }

# bfd_field CHASSIS_NS CTL NAME: a field of bfd/show's only session.
bfd_field() { bfd_show "$1" "$2" | sed -n "s/^  $3: //p" | head -1; }
ch1_field() { bfd_field "$CH1_NS" "$CH1_VSWITCHD_CTL" "$1"; }

bfd_up_both() {
	[ "$(ch1_field 'Local Session State')" = up ] &&
		[ "$(bfd_field "$CH2_NS" "$CH2_VSWITCHD_CTL" 'Local Session State')" = up ]
}

wait_for_bfd() {
	for _ in $(seq 100); do
		bfd_up_both 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# ms_to_us "100ms": 100000
ms_to_us() { echo $((${1%ms} * 1000)); }

# The BFD session between the gateways, decoded each way and compared.
test_bfd_decoded() {
	local my your tx rx
	nbctl lrp-set-gateway-chassis "lr0-$LS1" "$CH1_CHASSIS" 10
	nbctl lrp-set-gateway-chassis "lr0-$LS1" "$CH2_CHASSIS" 20
	nbctl --wait=hv sync
	if ! wait_for_bfd; then
		fail "bfd: OVN turned BFD on between the gateways"
		bfd_show "$CH1_NS" "$CH1_VSWITCHD_CTL" | sed 's/^/  | /'
		return
	fi
	ok "bfd: OVN turned BFD on between the gateways, up on both"
	start_gnvtrace "$CH1_NS" "$CH1_UNDERLAY" "$TMP/bfd.json" -o json \
		-w "$TMP/bfd.pcap" bfd || { fail "bfd: gnvtrace did not start"; return; }
	# A packet a second each way.
	for _ in $(seq 100); do
		[ "$(wc -l <"$TMP/bfd.json")" -ge 4 ] && break
		sleep 0.1
	done
	stop_gnvtrace
	my=$(ch1_field 'Local Discriminator')
	your=$(ch1_field 'Remote Discriminator')
	tx=$(ch1_field 'Local Minimum TX Interval')
	rx=$(ch1_field 'Local Minimum RX Interval')
	check "bfd: ch1's packets out say Up with its discriminators (bfd/show: $my, $your)" \
		test "$(grep '"dir":"out"' "$TMP/bfd.json" | grep -c \
		"\"bfd_state\":\"Up\",\"bfd_diag\":0,.*\"bfd_my_disc\":$((my)),\"bfd_your_disc\":$((your)),")" -ge 1
	check "bfd: ch2's packets in, the other way round" \
		test "$(grep '"dir":"in"' "$TMP/bfd.json" | grep -c \
		"\"bfd_state\":\"Up\",.*\"bfd_my_disc\":$((your)),\"bfd_your_disc\":$((my)),")" -ge 1
	check "bfd: the intervals bfd/show gives (TX $tx, RX $rx)" \
		test "$(grep '"dir":"out"' "$TMP/bfd.json" | grep -c \
		"\"bfd_desired_min_tx_us\":$(ms_to_us "$tx"),\"bfd_required_min_rx_us\":$(ms_to_us "$rx"),")" -ge 1
	# tshark as the oracle of every field, frame by frame.
	tshark -r "$TMP/bfd.pcap" -T fields -E separator=, -e bfd.sta -e bfd.diag \
		-e bfd.detect_time_multiplier -e bfd.my_discriminator \
		-e bfd.your_discriminator -e bfd.desired_min_tx_interval \
		-e bfd.required_min_rx_interval -e bfd.flags.p -e bfd.flags.f \
		2>/dev/null >"$TMP/bfd.tshark.raw"
	# tshark writes some in hex, flags as True/False: numbers both sides.
	/usr/bin/python3 - "$TMP/bfd.json" "$TMP/bfd.tshark.raw" \
		"$TMP/bfd.ours" "$TMP/bfd.tshark" <<'EOF'
import json, sys
states = {"AdminDown": 0, "Down": 1, "Init": 2, "Up": 3}
flag = {"True": 1, "False": 0, "1": 1, "0": 0}
with open(sys.argv[3], "w") as out:
    for line in open(sys.argv[1]):
        e = json.loads(line)
        print(",".join(str(v) for v in (
            states[e["bfd_state"]], e["bfd_diag"], e["bfd_detect_mult"],
            e["bfd_my_disc"], e["bfd_your_disc"], e["bfd_desired_min_tx_us"],
            e["bfd_required_min_rx_us"], int(e["bfd_poll"]),
            int(e["bfd_final"]))), file=out)
with open(sys.argv[4], "w") as out:
    for line in open(sys.argv[2]):
        f = line.rstrip("\n").split(",")
        print(",".join(str(v) for v in
                       [int(x, 0) for x in f[:7]] + [flag[x] for x in f[7:]]),
              file=out)
EOF
	check "bfd: every field as tshark decodes it, frame by frame ($(wc -l <"$TMP/bfd.ours") frames)" \
		test -s "$TMP/bfd.ours" -a "$(cat "$TMP/bfd.ours")" = "$(cat "$TMP/bfd.tshark")" ||
		diff "$TMP/bfd.ours" "$TMP/bfd.tshark" | head -5
	"$GNV" -r "$TMP/bfd.pcap" -o json bfd 2>/dev/null |
		sed 's/^{"ts":[0-9.]*,//' >"$TMP/bfd.off"
	check "bfd: offline, from the capture, the same decode" test \
		"$(sed 's/^{"ts":[0-9.]*,"node":"[^"]*","ifname":"[^"]*","dir":"[a-z]*","hook":"[^"]*",//' "$TMP/bfd.json")" = \
		"$(cat "$TMP/bfd.off")"
}

main() {
	need ovn-nbctl ovn-northd ovs-vswitchd tshark || { finish; exit 1; }
	labtest_up
	test_bfd_decoded
	finish
}

main
