#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The container image (tools/build-image.sh, `make image`) run with podman
# the way deploy/gnvtrace-daemonset.yaml runs it: on the host's network
# (here a lab's network namespace, podman itself started in it with
# nsenter: "host" is then the lab), all capabilities dropped but BPF,
# NET_ADMIN, PERFMON and SYS_RESOURCE, seccomp unconfined, no new
# privileges, a read-only root, not privileged. Two namespaces joined by
# a veth pair; the container traces the node's end, the demo's frames are
# replayed into the peer's end, and /metrics is scraped from the peer, as
# Prometheus would from another host. Then a run without -q prints the
# events, and the DaemonSet's pod template is played with `podman kube
# play`. Each container stops on SIGTERM and must leave nothing attached.
#
# podman runs on a store and configuration of its own in a temporary
# directory: the machine's images and containers are not touched.
# Everything is torn down on every exit path; every wait is bounded.
# Nothing is skipped: a missing tool is a failure.
#
# Usage: test_image.sh BUILD_DIR [IMAGE.oci.tar]
#   the archive defaults to BUILD_DIR/gnvtrace-image.oci.tar (make image);
#   when it is missing, it is built here from BUILD_DIR/deb/gnvtrace_*.deb.
set -u
# No file a test writes may grow past 512 MiB, whatever goes wrong (the
# apt lists mmdebstrap downloads are the largest).
ulimit -f 524288

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-build}" && pwd)
ARCHIVE=${2:-$BUILD/gnvtrace-image.oci.tar}
DAEMONSET=$SRC/deploy/gnvtrace-daemonset.yaml
PY=${PYTHON:-/usr/bin/python3}
NS_NODE=gnvt-img-node-$$	# the node: the container's "host" network
NS_PEER=gnvt-img-peer-$$	# another chassis, and Prometheus
NODE_IF=gnvt-inode
PEER_IF=gnvt-ipeer
NODE_IP=192.0.2.1
PEER_IP=192.0.2.2
PORT=9677
CAPS=BPF,NET_ADMIN,PERFMON,SYS_RESOURCE
TMP=$(mktemp -d)
chmod 0755 "$TMP"
CTR_EXP=gnvt-img-exporter-$$
CTR_EVT=gnvt-img-events-$$
POD=gnvt-img-pod-$$
IMAGE=

# shellcheck source=tests/testlib.sh
. "$SRC/tests/testlib.sh"

pm() { timeout 120 podman "$@"; }	# every podman call bounded
pm_node() { timeout 120 nsenter --net="/run/netns/$NS_NODE" podman "$@"; }

cleanup() {
	local m
	if command -v podman >/dev/null && [ -f "$TMP/containers.conf" ]; then
		timeout 60 podman pod rm -f -t 2 "$POD" >/dev/null 2>&1
		timeout 60 podman rm -f -t 2 "$CTR_EXP" "$CTR_EVT" >/dev/null 2>&1
		timeout 60 podman rm -a -f -t 2 >/dev/null 2>&1
		timeout 60 podman rmi -a -f >/dev/null 2>&1
	fi
	# What podman may still have mounted in its store, deepest first.
	for m in $(awk -v d="$TMP/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	ip netns del "$NS_NODE" 2>/dev/null
	ip netns del "$NS_PEER" 2>/dev/null
	if awk -v d="$TMP/" 'index($2, d) == 1 { f = 1 } END { exit !f }' /proc/mounts; then
		echo "# mounts left under $TMP: not removed"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The helper: scrapes /metrics, and compares live JSON events with a
# capture's.
cat >"$TMP/helper.py" <<'EOF'
import json, sys, urllib.request

def scrape(url):
    # Straight to the lab's address, whatever proxy the environment names.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as r:
        sys.stdout.write(r.read().decode())

def events(path, live):
    """JSON events without what only a live run has, or a capture's time."""
    out = []
    for line in open(path):
        if not line.startswith("{"):
            continue
        e = json.loads(line)
        if "hist" in e:
            continue	# the histograms --hist prints at exit
        for k in ("ts", "node", "ifname", "dir", "hook") if live else ("ts",):
            e.pop(k, None)
        out.append(json.dumps(e, sort_keys=True))
    return out

def same(live, offline):
    a, b = events(live, True), events(offline, False)
    if not b:
        print("  no offline events")
        return 1
    if a != b:
        print("  live %d events, offline %d; first difference:" % (len(a), len(b)))
        for x, y in zip(a + [""] * len(b), b + [""] * len(a)):
            if x != y:
                print("  live:    " + x[:300])
                print("  offline: " + y[:300])
                break
        return 1
    return 0

if sys.argv[1] == "scrape":
    scrape(sys.argv[2])
elif sys.argv[1] == "same":
    sys.exit(same(sys.argv[2], sys.argv[3]))
EOF

# podman's configuration and store for this test alone. Limits no higher
# than this process has (a runtime cannot raise them without
# CAP_SYS_RESOURCE, which a sandbox may not have); cgroupfs and a log file
# for events, which need no systemd; file locks in the temporary directory.
podman_config() { # podman_config RUNTIME
	local nofile nproc
	nofile=$(ulimit -Hn)
	[ "$nofile" = unlimited ] && nofile=1048576
	nproc=$(ulimit -Hu)
	{ [ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ]; } && nproc=4096
	cat >"$TMP/containers.conf" <<-EOF
	[containers]
	default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	lock_type = "file"
	tmp_dir = "$TMP/podman-tmp"
	static_dir = "$TMP/store/libpod"
	volume_path = "$TMP/store/volumes"
	image_copy_tmp_dir = "$TMP"
	EOF
	[ -n "$1" ] && printf 'runtime = "%s"\n' "$1" >>"$TMP/containers.conf"
	cat >"$TMP/storage.conf" <<-EOF
	[storage]
	driver = "overlay"
	graphroot = "$TMP/store"
	runroot = "$TMP/run"
	EOF
	export CONTAINERS_CONF=$TMP/containers.conf CONTAINERS_STORAGE_CONF=$TMP/storage.conf
}

setup_lab() {
	veth_lab "$NS_NODE" "$NODE_IF" "$NS_PEER" "$PEER_IF" &&
	ip -n "$NS_NODE" addr add "$NODE_IP/24" dev "$NODE_IF" &&
	ip -n "$NS_PEER" addr add "$PEER_IP/24" dev "$PEER_IF"
}

# The DaemonSet's security context, as podman run options.
SECURITY=(--cap-drop ALL --cap-add "$CAPS" --security-opt seccomp=unconfined
	--security-opt no-new-privileges --read-only --user 0)

# wait_tracing CONTAINER: until gnvtrace says it attached, at most 30 s.
wait_tracing() {
	local _
	for _ in $(seq 150); do
		pm logs "$1" 2>&1 | grep -q "^gnvtrace: tracing $NODE_IF" && return 0
		[ "$(pm inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ] || break
		sleep 0.2
	done
	echo "  $1 did not attach:"
	pm logs "$1" 2>&1 | tail -5 | sed 's/^/  /'
	return 1
}

scrape() { # scrape FILE: /metrics from the peer, as Prometheus would
	ip netns exec "$NS_PEER" timeout 10 "$PY" "$TMP/helper.py" scrape \
		"http://$NODE_IP:$PORT/metrics" >"$1" 2>"$1.err"
}

metric() { # metric FILE NAME: the value of the series NAME, exactly
	awk -v n="$2" '$1 == n { print $2; f = 1 } END { if (!f) print "none" }' "$1"
}

replay() { # the demo's frames into the peer's end, towards the node
	ip netns exec "$NS_PEER" timeout 30 tcpreplay -i "$PEER_IF" "$TMP/demo.pcap" \
		>"$TMP/replay.out" 2>&1
	grep -q "Failed packets: *0$" "$TMP/replay.out" ||
		{ echo "  tcpreplay failed:"; sed 's/^/  /' "$TMP/replay.out"; }
}

# replay_until_counted FILE: replays, and scrapes until the 15 Geneve
# frames are counted, at most 5 s. As in tests/e2e/test_live.sh, a
# replay the program just attached never saw is said and made once more.
replay_until_counted() {
	local try _
	for try in 1 2; do
		replay
		for _ in $(seq 25); do
			scrape "$1" && [ "$(metric "$1" gnvtrace_geneve_packets_total)" = 15 ] && return 0
			sleep 0.2
		done
		[ "$(metric "$1" gnvtrace_packets_total)" = 0 ] || return 1
		[ $try = 1 ] && echo "# the program saw no frame of the replay; once more"
	done
	return 1
}

# caps_mask: CAP_BPF, NET_ADMIN, PERFMON and SYS_RESOURCE, those of them
# this process's bounding set has: a container cannot have more.
caps_mask() {
	local want=$(((1 << 39) | (1 << 12) | (1 << 38) | (1 << 24))) bnd
	bnd=$((16#$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)))
	printf '%016x' $((want & bnd))
}

# check_confined CONTAINER WHAT: the process has exactly the DaemonSet's
# capabilities, no new privileges, no seccomp filter, a read-only root,
# and the lab's network namespace.
check_confined() {
	local c=$1 what=$2 pid
	pid=$(pm inspect -f '{{.State.Pid}}' "$c")
	check "$what: capabilities BPF, NET_ADMIN, PERFMON, SYS_RESOURCE and no other" \
		grep -q "^CapEff:[[:space:]]*$(caps_mask)$" "/proc/$pid/status" ||
		grep '^Cap' "/proc/$pid/status" | sed 's/^/  /'
	check "$what: no new privileges, seccomp unconfined" \
		grep -Pzq 'NoNewPrivs:\s*1\nSeccomp:\s*0\n' "/proc/$pid/status"
	check "$what: read-only root, not privileged" \
		test "$(pm inspect -f '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Privileged}}' "$c")" = "true false"
	check "$what: on the lab's network, as on a node's" \
		test "$(readlink "/proc/$pid/ns/net")" = "$(ip netns exec "$NS_NODE" readlink /proc/self/ns/net)"
}

check_attached() { # check_attached WHAT
	check "$1: XDP on $NODE_IF while it runs" \
		sh -c "ip -n '$NS_NODE' -d link show '$NODE_IF' | grep -q prog/xdp"
	check "$1: bpftool net show lists it in the lab" \
		sh -c "ip netns exec '$NS_NODE' bpftool net show | grep -q '^$NODE_IF('"
}

check_detached() { # check_detached WHAT: nothing left on the interface
	check "$1: no XDP left on $NODE_IF" \
		sh -c "! ip -n '$NS_NODE' -d link show '$NODE_IF' | grep -q 'xdp'"
	check "$1: bpftool net show in the lab lists nothing on $NODE_IF" \
		sh -c "! ip netns exec '$NS_NODE' bpftool net show | grep -q '$NODE_IF'"
	check "$1: no TC filter left on $NODE_IF" \
		test -z "$(tc -n "$NS_NODE" filter show dev "$NODE_IF" egress)$(tc -n "$NS_NODE" filter show dev "$NODE_IF" ingress)"
}

# check_sigterm CONTAINER WHAT: stopped as the kubelet stops it (SIGTERM,
# SIGKILL after the grace period), it exited 0 and printed its summary.
check_sigterm() {
	local c=$1 what=$2
	pm stop -t 15 "$c" >/dev/null 2>"$TMP/stop.err" || sed 's/^/  /' "$TMP/stop.err"
	check "$what: SIGTERM ends it, exit code 0 (not killed)" \
		test "$(pm inspect -f '{{.State.ExitCode}}' "$c")" = 0
	check "$what: its summary counts the replay" \
		sh -c "timeout 30 podman logs '$c' 2>&1 | grep -q ', 15 Geneve, 15 matched, 0 lost, 1 malformed (opts_overrun 1)'" ||
		pm logs "$c" 2>&1 | tail -3 | sed 's/^/  /'
}

test_archive() { # the archive itself: an OCI layout whose blobs match their digests
	local d=$TMP/oci blob layer bad=0
	mkdir -p "$d" && tar -xf "$ARCHIVE" -C "$d" || { fail "archive: unpacks"; return 1; }
	check "archive: oci-layout, index.json and docker's manifest.json" \
		test -f "$d/oci-layout" -a -f "$d/index.json" -a -f "$d/manifest.json"
	for blob in "$d"/blobs/sha256/*; do
		[ "$(sha256sum "$blob" | cut -d' ' -f1)" = "$(basename "$blob")" ] || bad=1
	done
	check "archive: every blob matches its digest" test $bad = 0
	layer=$(ls -S "$d"/blobs/sha256/* | head -1)
	tar -tzf "$layer" >"$TMP/layer.list" 2>/dev/null
	check "image: /usr/sbin/gnvtrace" grep -qx 'usr/sbin/gnvtrace' "$TMP/layer.list"
	check "image: no shell, apt, man pages or /dev nodes" \
		sh -c "! grep -E '^(bin/(ba)?sh|usr/bin/(ba|da)?sh|usr/bin/apt|var/lib/apt/lists/.|usr/share/man/.|dev/.)' '$TMP/layer.list'"
	tar -xzf "$layer" -C "$d" var/lib/dpkg/status etc/os-release usr/lib/os-release 2>/dev/null
	check "image: the dpkg status lists gnvtrace and libbpf1 installed" \
		sh -c "grep -A1 -x 'Package: gnvtrace' '$d/var/lib/dpkg/status' | grep -q 'install ok installed' &&
			grep -qx 'Package: libbpf1' '$d/var/lib/dpkg/status'"
	check "image: /etc/os-release says Debian" grep -q '^ID=debian$' "$d/usr/lib/os-release"
	echo "# archive $(($(stat -c %s "$ARCHIVE") / 1024)) KiB, $(wc -l <"$TMP/layer.list") entries"
}

test_load() {
	local out
	out=$(pm load -i "$ARCHIVE" 2>&1)
	IMAGE=$(printf '%s\n' "$out" | sed -n 's/^Loaded image: //p' | head -1)
	check "podman load: the archive loads, named" test -n "$IMAGE" ||
		{ printf '%s\n' "$out" | tail -5 | sed 's/^/  /'; return 1; }
	echo "# loaded $IMAGE, $(($(pm image inspect -f '{{.Size}}' "$IMAGE") / 1024)) KiB in the store"
	check "image: ENTRYPOINT /usr/sbin/gnvtrace" \
		test "$(pm image inspect -f '{{json .Config.Entrypoint}}' "$IMAGE")" = '["/usr/sbin/gnvtrace"]'
	check "image: label org.opencontainers.image.version is the tag" \
		test "$(pm image inspect -f '{{index .Config.Labels "org.opencontainers.image.version"}}' "$IMAGE")" = "${IMAGE##*:}"
}

# A runtime that works here: the default (crun on Debian), else runc.
# crun refuses cgroup v1 hierarchies with controllers on the v2 one too.
pick_runtime() {
	local err
	if err=$(pm run --rm "$IMAGE" --version 2>&1); then
		ok "podman run: gnvtrace --version runs in the image ($err)"
		return 0
	fi
	echo "# default runtime: $(printf '%s\n' "$err" | tail -1)"
	if command -v runc >/dev/null; then
		podman_config runc
		if err=$(pm run --rm "$IMAGE" --version 2>&1); then
			ok "podman run (runc): gnvtrace --version runs in the image ($err)"
			return 0
		fi
	fi
	fail "podman run: gnvtrace --version: $(printf '%s\n' "$err" | tail -1)"
	return 1
}

test_offline() { # -r in the container: the capture library and the parser
	pm run --rm "${SECURITY[@]}" --network none -v "$TMP/demo.pcap:/demo.pcap:ro" \
		"$IMAGE" -r /demo.pcap -o json >"$TMP/offline.json" 2>"$TMP/offline.err"
	check "podman run -r: the demo capture's 15 events" \
		test "$(grep -c '^{' "$TMP/offline.json")" = 15 ||
		sed 's/^/  /' "$TMP/offline.err"
}

test_exporter() { # the DaemonSet's arguments
	pm_node run -d --name "$CTR_EXP" --network host "${SECURITY[@]}" "$IMAGE" \
		-i "$NODE_IF" --hist all -q --metrics "$NODE_IP:$PORT" --interval 15 >/dev/null ||
		{ fail "exporter: podman run"; return 1; }
	wait_tracing "$CTR_EXP" || { fail "exporter: attaches"; return 1; }
	ok "exporter: attaches to $NODE_IF from the container"
	check_confined "$CTR_EXP" exporter
	check_attached exporter
	check "exporter: /metrics counts the 15 Geneve frames, scraped from the peer" \
		replay_until_counted "$TMP/metrics" ||
		{ grep -E '^gnvtrace_(packets|geneve)' "$TMP/metrics" | sed 's/^/  /'; cat "$TMP/metrics.err"; }
	check "exporter: 15 matched" test "$(metric "$TMP/metrics" gnvtrace_matched_packets_total)" = 15
	check "exporter: the cut frame counted as opts_overrun" \
		test "$(metric "$TMP/metrics" 'gnvtrace_malformed_packets_total{reason="opts_overrun"}')" = 1
	check "exporter: per-port packets add up to 15" \
		test "$(awk '/^gnvtrace_port_packets_total\{/ { n += $2 } END { print n + 0 }' "$TMP/metrics")" = 15
	check "exporter: the ICMP echo request port 1 -> 3 as a series" \
		grep -q '^gnvtrace_port_packets_total{vni="5",port="3",direction="in",outer_src="172.17.2.119",outer_dst="172.17.2.143"} [1-9]' "$TMP/metrics"
	check_sigterm "$CTR_EXP" exporter
	check_detached exporter
}

test_events() { # without -q: one event a frame, as gnvtrace -r finds them
	pm_node run -d --name "$CTR_EVT" --network host "${SECURITY[@]}" "$IMAGE" \
		-i "$NODE_IF" --hist all --metrics "$NODE_IP:$PORT" --interval 15 -o json >/dev/null ||
		{ fail "events: podman run"; return 1; }
	wait_tracing "$CTR_EVT" || { fail "events: attaches"; return 1; }
	replay_until_counted "$TMP/metrics.evt"
	pm stop -t 15 "$CTR_EVT" >/dev/null 2>"$TMP/stop.err" || sed 's/^/  /' "$TMP/stop.err"
	pm logs "$CTR_EVT" >"$TMP/events.json" 2>"$TMP/events.err"
	check "events: exit code 0 on SIGTERM" \
		test "$(pm inspect -f '{{.State.ExitCode}}' "$CTR_EVT")" = 0
	check "events: the 15 events equal the capture's, offline, in the same image" \
		"$PY" "$TMP/helper.py" same "$TMP/events.json" "$TMP/offline.json" ||
		tail -3 "$TMP/events.err" | sed 's/^/  /'
	check_detached events
}

# The DaemonSet's pod template as a Pod that this podman plays: what it
# cannot take is changed, each change said. The container spec (image,
# command, arguments, security context, resources) stays as written.
make_pod() {
	local why
	if why=$(timeout 60 podman kube play --start=false "$DAEMONSET" 2>&1 >/dev/null); then
		echo "# podman $(podman version -f '{{.Client.Version}}') takes kind DaemonSet; playing its pod template as a Pod all the same"
		timeout 60 podman kube down "$DAEMONSET" >/dev/null 2>&1
	else
		echo "# podman $(podman version -f '{{.Client.Version}}') does not play kind DaemonSet ($why): its pod template is played as a Pod"
	fi
	awk '
	/^  template:$/ { on = 1; print "apiVersion: v1"; print "kind: Pod"; next }
	on && /^ {0,3}[^ ]/ { on = 0 }
	on { sub(/^    /, ""); print }
	' "$DAEMONSET" >"$TMP/template.yaml"
	grep -q '^      command: \["/usr/sbin/gnvtrace"\]$' "$TMP/template.yaml" || return 1
	awk -v pod="$POD" -v iface="$NODE_IF" -v ip="$NODE_IP" '
	# metadata.name: the template has none.
	/^metadata:$/ { print; print "  name: " pod; next }
	# podman 4.3 ignores securityContext.seccompProfile; it reads the
	# annotation Kubernetes used to (the same profile: unconfined).
	/^  annotations:$/ { print; print "    container.seccomp.security.alpha.kubernetes.io/gnvtrace: unconfined"; next }
	# The lab NIC. podman 4.3 knows no status.hostIP: the node address
	# as a value.
	/^          value: eth0/ { print "          value: " iface; next }
	/^          valueFrom:$/ { print "          value: " ip; skip = 12; next }
	# podman 4.3 refuses ports with the host network ("PortMappings can
	# only be used with Bridge or slirp4netns networking"); on the host
	# network they only document the port anyway.
	/^      ports:$/ { skip = 8; next }
	skip && match($0, /^ */) && RLENGTH >= skip { next }
	{ skip = 0 }
	# podman 4.3 does not expand $(VAR) in args; the kubelet does.
	{ gsub(/\$\(GNVTRACE_IFACE\)/, iface); gsub(/\$\(NODE_IP\)/, ip); print }
	' "$TMP/template.yaml" >"$TMP/pod.yaml"
}

test_kube_play() {
	local img c=$POD-gnvtrace
	make_pod || { fail "kube play: the pod template (command /usr/sbin/gnvtrace) found in the DaemonSet"; return 1; }
	img=$(awk '$1 == "image:" { print $2; exit }' "$TMP/pod.yaml")
	check "kube play: the DaemonSet's image ($img) is the one built" \
		test "docker.io/library/$img" = "$IMAGE" -o "localhost/$img" = "$IMAGE" -o "$img" = "$IMAGE"
	pm_node kube play "$TMP/pod.yaml" >"$TMP/play.out" 2>&1
	check "kube play: the pod starts" grep -q '^Pod:' "$TMP/play.out" ||
		{ tail -5 "$TMP/play.out" | sed 's/^/  /'; return 1; }
	# Without systemd, podman 4.3 cannot run the liveness probe, and says so.
	grep -v -e '^Pod:' -e '^Container:' -e '^[0-9a-f]\{64\}$' -e '^$' "$TMP/play.out" |
		sed 's/^time="[^"]*" //; s/^/# kube play said: /' | sort -u | head -3
	wait_tracing "$c" || { fail "kube play: attaches"; return 1; }
	ok "kube play: the container attaches to $NODE_IF"
	check_confined "$c" "kube play"
	check "kube play: the memory limit, 512Mi" \
		test "$(pm inspect -f '{{.HostConfig.Memory}}' "$c")" = $((512 << 20))
	check_attached "kube play"
	check "kube play: /metrics counts the 15 Geneve frames, scraped from the peer" \
		replay_until_counted "$TMP/metrics.pod" ||
		grep -E '^gnvtrace_(packets|geneve)' "$TMP/metrics.pod" | sed 's/^/  /'
	check_sigterm "$c" "kube play"
	check_detached "kube play"
	pm_node kube down "$TMP/pod.yaml" >/dev/null 2>&1
	check "kube down: the pod is gone" sh -c "! timeout 30 podman pod exists '$POD'"
}

# catatonit: the pause process of the pod kube play makes.
need podman runc catatonit nsenter ip tc bpftool tcpreplay "$PY" || { finish; exit; }
[ -x "$BUILD/tools/gnv-pktgen" ] || { fail "missing: $BUILD/tools/gnv-pktgen (make all)"; finish; exit; }

if [ ! -f "$ARCHIVE" ]; then
	deb=$(ls "$BUILD"/deb/gnvtrace_*_"$(dpkg --print-architecture)".deb 2>/dev/null | tail -1)
	if [ -z "$deb" ]; then
		fail "no image at $ARCHIVE and no package in $BUILD/deb (make image)"
		finish
		exit
	fi
	need mmdebstrap || { finish; exit; }
	ARCHIVE=$TMP/gnvtrace-image.oci.tar
	build() { timeout 900 "$SRC/tools/build-image.sh" "$deb" "$ARCHIVE" >"$TMP/build.log" 2>&1; }
	start=$(date +%s)
	check "build-image: $(basename "$deb") into an OCI archive" build ||
		{ tail -5 "$TMP/build.log" | sed 's/^/  /'; finish; exit; }
	echo "# built in $(($(date +%s) - start)) s: $(grep '^build-image: .*KiB compressed$' "$TMP/build.log")"
fi

"$BUILD/tools/gnv-pktgen" demo "$TMP/demo.pcap" ||
	{ fail "gnv-pktgen demo"; finish; exit; }
podman_config ""
[ $((16#$(caps_mask) >> 24 & 1)) = 1 ] ||
	echo "# CAP_SYS_RESOURCE is not in this shell's bounding set: the containers cannot have it"
test_archive
test_load && pick_runtime || { finish; exit; }
test_offline
if setup_lab; then
	ok "lab: two namespaces joined by a veth pair"
	# podman's own seccomp profile allows bpf() only with CAP_SYS_ADMIN:
	# gnvtrace must say that, not blame its privileges.
	msg=$(pm_node run --rm --network host --cap-drop ALL --cap-add "$CAPS" --read-only \
		"$IMAGE" -i "$NODE_IF" --duration 1 2>&1 | head -1)
	check "default seccomp profile: gnvtrace says seccomp refused bpf()" \
		grep -q "^gnvtrace: bpf() was refused although gnvtrace holds CAP_BPF: a seccomp profile forbids it" <<<"$msg" ||
		echo "  it said: $msg"
	test_exporter
	test_events
	test_kube_play
else
	fail "lab: two namespaces joined by a veth pair"
fi
finish
