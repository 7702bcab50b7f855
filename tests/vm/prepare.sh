#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# prepare.sh VM_DIR: what `make check-vm` boots, cached in VM_DIR (build/vm):
#
#   VM_DIR/pkg/       Debian 12's linux-image-*-amd64 package, unpacked
#                     (never installed: nothing goes to /boot or /lib/modules)
#                     and depmod'ed there; the guest's modprobe -d points here
#   VM_DIR/dl/        the .deb itself
#   VM_DIR/vmlinux    the ELF kernel out of the package's bzImage (PVH boot)
#   VM_DIR/bzImage    a link to the package's vmlinuz (the BIOS fallback)
#   VM_DIR/initramfs.cpio  busybox, tests/vm/init and the modules needed to
#                     mount the host's root over virtio-9p
#   VM_DIR/kernel.env what run.sh needs to know (KVER, PKG, ...)
#
# Each step runs only when its result is missing (the initramfs also when
# tests/vm/init or this script is newer), so a rerun costs nothing and needs no network.
# `rm -rf build/vm` starts over. The package is Debian's current 6.1 kernel
# (what linux-image-amd64 depends on) at the time of the first run.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
VM=${1:?usage: $0 VM_DIR}
mkdir -p "$VM"
VM=$(cd "$VM" && pwd)

say() { echo "vm: $*" >&2; }
die() { echo "vm: $*" >&2; exit 1; }

# The modules the initramfs loads, with their dependencies, to reach the
# host's root: the virtio PCI transport and 9p over it. Everything else is
# loaded from the unpacked package after the chroot.
INITRAMFS_MODULES=(virtio_pci 9pnet_virtio 9p)

kernel_pkg_name() {
	{ apt-cache depends linux-image-amd64 2>/dev/null || true; } |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1
}

fetch_kernel() {
	local pkg deb kver
	[ -f "$VM/kernel.env" ] && [ -d "$VM/pkg/lib/modules" ] && return 0
	pkg=$(kernel_pkg_name)
	if [ -z "$pkg" ]; then
		say "apt-get update (no package index yet)"
		apt-get update -qq >/dev/null || true
		pkg=$(kernel_pkg_name)
	fi
	[ -n "$pkg" ] || die "cannot find Debian's linux-image-*-amd64 package (apt-cache depends linux-image-amd64)"
	mkdir -p "$VM/dl"
	rm -f "$VM"/dl/*.deb
	say "downloading $pkg"
	# apt-get download needs no root; as root it warns that the _apt user
	# cannot write here, which is harmless.
	# A stale package index names a version the mirror no longer has:
	# update it once and try again.
	if ! (cd "$VM/dl" && apt-get download -q "$pkg" 2>&1 | { grep -v 'unsandboxed as root' >&2 || true; }); then
		say "apt-get download failed: apt-get update, then once more"
		apt-get update -qq >/dev/null || true
		pkg=$(kernel_pkg_name)
		(cd "$VM/dl" && apt-get download -q "$pkg" 2>&1 | { grep -v 'unsandboxed as root' >&2 || true; }) ||
			die "apt-get download $pkg failed"
	fi
	deb=$(ls "$VM"/dl/*.deb)
	say "unpacking $(basename "$deb")"
	rm -rf "$VM/pkg" "$VM/pkg.tmp"
	dpkg-deb -x "$deb" "$VM/pkg.tmp"
	mv "$VM/pkg.tmp" "$VM/pkg"
	kver=$(ls "$VM/pkg/lib/modules")
	[ -f "$VM/pkg/boot/vmlinuz-$kver" ] || die "no vmlinuz-$kver in $deb"
	depmod -b "$VM/pkg" "$kver"
	{
		echo "KVER=$kver"
		echo "KPKG=$pkg"
		echo "KDEB=$(basename "$deb")"
	} >"$VM/kernel.env.tmp"
	mv "$VM/kernel.env.tmp" "$VM/kernel.env"
}

extract_kernel() {
	[ -s "$VM/vmlinux" ] && [ -e "$VM/bzImage" ] && return 0
	ln -sfn "pkg/boot/vmlinuz-${KVER:?}" "$VM/bzImage"
	"$HERE/extract-vmlinux.sh" "$VM/pkg/boot/vmlinuz-$KVER" "$VM/vmlinux" >&2
}

build_initramfs() {
	local out=$VM/initramfs.cpio dir m n=0 bb
	if [ -s "$out" ] && [ "$out" -nt "$HERE/init" ] && [ "$out" -nt "$HERE/prepare.sh" ]; then
		return 0
	fi
	# Debian's busybox-static installs a static /bin/busybox; the dynamic
	# busybox package's would not run in an initramfs without its libc.
	bb=/bin/busybox
	case $(readelf -l "$bb" 2>&1) in
	*"program interpreter"* | *"Error"*)
		die "$bb is not a static busybox: install busybox-static" ;;
	esac
	say "building the initramfs"
	dir=$(mktemp -d "$VM/initramfs.XXXXXX")
	mkdir -p "$dir"/{bin,dev,proc,sys,newroot,modules}
	cp "$bb" "$dir/bin/busybox"
	ln -s busybox "$dir/bin/sh"
	cp "$HERE/init" "$dir/init"
	chmod 0755 "$dir/init"
	# The load order: each module after what it needs, once.
	for m in $(modprobe -d "$VM/pkg" -S "$KVER" --show-depends "${INITRAMFS_MODULES[@]}" -a |
		awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++'); do
		n=$((n + 1))
		cp "$m" "$dir/modules/$(printf %02d $n)-$(basename "$m")"
	done
	[ "$n" -gt 0 ] || die "no modules found for ${INITRAMFS_MODULES[*]}"
	# newc, owned by root; uncompressed: decompressing costs more under
	# TCG than reading the extra megabytes.
	(cd "$dir" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null) >"$out.tmp"
	mv "$out.tmp" "$out"
	rm -rf "$dir"
	say "initramfs: $n modules, $(du -k "$out" | cut -f1) KiB"
}

fetch_kernel
# shellcheck source=/dev/null
. "$VM/kernel.env"
extract_kernel
build_initramfs
