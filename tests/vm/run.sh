#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# run.sh BUILD_DIR [GUEST_SCRIPT]: `make check-vm`. Boots Debian 12's own
# kernel (6.1, which has the geneve and openvswitch modules this host's
# kernel lacks) under QEMU, software-emulated, on the host's root mounted
# read-only over virtio-9p, and runs GUEST_SCRIPT (default
# tests/vm/guest-test.sh) there with the host's bash, ip, tc, bpftool and
# BUILD_DIR/gnvtrace. Its output streams here as it runs; the serial
# console goes to BUILD_DIR/vm/console.log. Exits with the guest's result.
#
# Environment:
#   GNV_VM_TIMEOUT=S   kill QEMU after S seconds (default 300)
#   GNV_VM_BOOT=pvh    boot the ELF vmlinux through QEMU's PVH entry (default)
#   GNV_VM_BOOT=bios   boot the package's bzImage through the BIOS instead
#   GNV_VM_MODULES=a,b modules the guest loads before the script
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "${1:-build}" && pwd)
GUEST=$(cd "$(dirname "${2:-$HERE/guest-test.sh}")" && pwd)/$(basename "${2:-guest-test.sh}")
mkdir -p "$BUILD/vm"
# Physical: the guest mounts the share at this path inside its chroot,
# where an absolute symlink would point elsewhere.
VM=$(cd "$BUILD/vm" && pwd -P)
SHARE=$VM/share
# The repository's folder, with shared/ beside it: exported on its own so
# that a clone under /tmp is seen through the guest's tmpfs there.
WORK=$(cd "$HERE/../../.." && pwd -P)
TIMEOUT=${GNV_VM_TIMEOUT:-300}
BOOT=${GNV_VM_BOOT:-pvh}
MODULES=${GNV_VM_MODULES:-veth,dummy,geneve,openvswitch,sch_ingress,cls_bpf,virtio_net,e1000}

fail_out() { # a result line run-all.sh-style even when the guest gave none
	echo "vm: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" -eq 0 ] || fail_out "check-vm needs root (the guest runs the host's files as root)"
command -v qemu-system-x86_64 >/dev/null || fail_out "qemu-system-x86_64 is missing: tools/install-deps.sh --test"
[ -x "$BUILD/gnvtrace" ] || fail_out "$BUILD/gnvtrace is missing: make all"
[ -f "$GUEST" ] || fail_out "no guest script $GUEST"
case "$BUILD$GUEST" in
*[[:space:],]*) fail_out "the paths may not contain spaces or commas (they go on the kernel command line): $BUILD" ;;
esac

t0=$(date +%s.%N)
"$HERE/prepare.sh" "$VM" || fail_out "preparing the VM failed"
# shellcheck source=/dev/null
. "$VM/kernel.env"
t1=$(date +%s.%N)

case $BOOT in
pvh) KERNEL=$VM/vmlinux ;;
bios) KERNEL=$VM/bzImage ;;
*) fail_out "GNV_VM_BOOT is pvh or bios, not '$BOOT'" ;;
esac

rm -rf "$SHARE"
mkdir -p "$SHARE"
: >"$SHARE/guest.log"

APPEND="console=ttyS0 panic=-1 loglevel=4 mitigations=off"
APPEND+=" gnv.cmd=$GUEST gnv.build=$BUILD gnv.pkg=$VM/pkg gnv.share=$SHARE gnv.work=$WORK gnv.modules=$MODULES"

echo "vm: booting Linux $KVER ($KPKG, $BOOT) under QEMU/TCG, timeout ${TIMEOUT}s; console: $VM/console.log" >&2
# No display; the host's root read-only and the share read-write over
# virtio-9p (multidevs=remap: / spans several filesystems). Two virtio-net
# NICs joined by a QEMU hub, a wire between them and nothing of the host's
# network: the guest's eth0 and eth1, MTU up to 9000 (host_mtu). Two
# emulated Intel e1000 NICs on a second hub, a wire of their own: QEMU's
# e1000 strips VLAN tags from received frames when the driver sets
# CTRL.VME (rx-vlan-offload on), as real NICs do before XDP sees them (no
# option ROM: nothing boots from them).
timeout -k 10 "$TIMEOUT" qemu-system-x86_64 \
	-nographic -no-reboot -nodefaults -serial stdio \
	-machine pc -accel tcg,thread=multi -cpu max -m 2G -smp 2 \
	-kernel "$KERNEL" -initrd "$VM/initramfs.cpio" -append "$APPEND" \
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	-fsdev local,id=work,path="$WORK",security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=work,mount_tag=work \
	-fsdev local,id=share,path="$SHARE",security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=share,mount_tag=share \
	-netdev hubport,id=wire0,hubid=0 -device virtio-net-pci,netdev=wire0,host_mtu=9000,mac=52:54:00:00:00:01 \
	-netdev hubport,id=wire1,hubid=0 -device virtio-net-pci,netdev=wire1,host_mtu=9000,mac=52:54:00:00:00:02 \
	-netdev hubport,id=wire2,hubid=1 -device e1000,netdev=wire2,romfile=,mac=52:54:00:00:01:01 \
	-netdev hubport,id=wire3,hubid=1 -device e1000,netdev=wire3,romfile=,mac=52:54:00:00:01:02 \
	</dev/null >"$VM/console.log" 2>&1 &
qemu=$!
# timeout passes a signal on to QEMU; Ctrl-C would not reach it otherwise
# (timeout runs it in a process group of its own).
trap 'kill $qemu 2>/dev/null; wait $qemu; fail_out "interrupted"' INT TERM
# The guest's output as it comes (the share is written through), but for
# its closing "N passed, N failed", printed last, after the timings.
tail -n +1 -F --pid=$qemu "$SHARE/guest.log" 2>/dev/null |
	grep --line-buffered -vE '^[0-9]+ passed, [0-9]+ failed' &
tailer=$!
wait $qemu
qrc=$?
wait $tailer 2>/dev/null
t2=$(date +%s.%N)

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
echo "vm: prepare $(elapsed "$t0" "$t1") s, VM $(elapsed "$t1" "$t2") s (QEMU exit code $qrc)" >&2

if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	tail -20 "$VM/console.log" | sed 's/^/console: /' >&2
	fail_out "the guest did not power off within ${TIMEOUT}s: QEMU was killed"
fi
if [ -s "$SHARE/init-error" ]; then
	tail -20 "$VM/console.log" | sed 's/^/console: /' >&2
	fail_out "the guest's init failed: $(cat "$SHARE/init-error")"
fi
if [ ! -s "$SHARE/result" ]; then
	tail -30 "$VM/console.log" | sed 's/^/console: /' >&2
	fail_out "no result file from the guest ($SHARE/result): it crashed or never ran $GUEST"
fi
rc=$(sed -n 's/^rc=//p' "$SHARE/result")
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$SHARE/guest.log" | tail -1)
[ -n "$line" ] || fail_out "the guest script exited $rc without a result line"
echo "$line"
[ "$rc" = 0 ]
