#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The container image the DaemonSet runs, from Debian packages only: no
# base image is pulled from any registry. mmdebstrap extracts the
# gnvtrace package's run-time dependencies (their dependencies too) from
# this machine's apt sources into an empty root, the package goes on top,
# and the root becomes the single layer of an OCI image, written as an
# OCI archive (an OCI image layout in a tar) that `podman load`,
# `skopeo copy oci-archive:...`, `docker load` (a docker-archive
# manifest.json rides along) and `ctr images import` read.
#
# Usage: tools/build-image.sh GNVTRACE.deb OUTPUT.oci.tar
#
# What is in the image: gnvtrace (ENTRYPOINT /usr/sbin/gnvtrace), the
# shared libraries it links, base-files (for /etc/os-release, which image
# scanners read) with the mawk it pre-depends on, root and nobody in
# /etc/passwd, and a dpkg status file listing every package extracted, so
# that vulnerability scanners see their versions. No shell, no apt, no
# dpkg, no maintainer script ever ran; no documentation but the copyright
# files, no man pages, locales or iconv modules.
#
# Reproducible for one .deb and one state of the archive: every time in
# the image is SOURCE_DATE_EPOCH (default: the newest file in the .deb),
# file order and ownership are fixed, gzip records no name or time.
#
# Environment:
#   IMAGE_NAME     the name in the archive (default gnvtrace); the tag is
#                  the package's version
#   IMAGE_SUITE    the Debian release (default: this machine's, the one
#                  the package was built on)
#   IMAGE_MIRROR   a mirror URL, a sources.list line or a sources file for
#                  mmdebstrap (default: this machine's apt sources)
#   SOURCE_DATE_EPOCH
#
# Needs root (mmdebstrap's root mode), mmdebstrap, dpkg-deb, GNU tar,
# gzip, sha256sum and ldconfig: Debian packages mmdebstrap, dpkg, tar,
# gzip, coreutils, libc-bin.
set -euo pipefail
umask 022
export LC_ALL=C

die() { echo "build-image: $*" >&2; exit 1; }

[ $# -eq 2 ] || { echo "usage: $0 GNVTRACE.deb OUTPUT.oci.tar" >&2; exit 2; }
DEB=$(realpath -e "$1") || die "no such package: $1"
OUTPUT=$2
[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap --mode=root)"
for t in mmdebstrap dpkg-deb tar gzip sha256sum ldconfig; do
	command -v "$t" >/dev/null || die "$t is missing"
done

field() { dpkg-deb -f "$DEB" "$1"; }
[ "$(field Package)" = gnvtrace ] || die "$DEB is not the gnvtrace package"
VERSION=$(field Version)
DEB_ARCH=$(field Architecture)
NAME=${IMAGE_NAME:-gnvtrace}
[[ $NAME =~ ^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$ ]] || die "not an image name: $NAME"
# The same, fully qualified, as containerd names images: a first
# component with a dot or a colon (or localhost) is a registry.
case $NAME in
*/*)
	case ${NAME%%/*} in
	*.* | *:* | localhost) FULL_NAME=$NAME ;;
	*) FULL_NAME=docker.io/$NAME ;;
	esac ;;
*) FULL_NAME=docker.io/library/$NAME ;;
esac
# A tag: no epoch, and only the characters a tag may have.
TAG=$(printf '%s' "${VERSION#*:}" | tr -c 'A-Za-z0-9_.-' '_')

case $DEB_ARCH in
amd64 | arm64 | s390x | riscv64) OCI_ARCH=$DEB_ARCH ;;
i386) OCI_ARCH=386 ;;
ppc64el) OCI_ARCH=ppc64le ;;
*) die "no OCI name known for the architecture $DEB_ARCH" ;;
esac

if [ -z "${IMAGE_SUITE:-}" ]; then
	IMAGE_SUITE=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
	[ -n "$IMAGE_SUITE" ] || die "no VERSION_CODENAME in /etc/os-release: set IMAGE_SUITE"
fi
mirrors=()
if [ -n "${IMAGE_MIRROR:-}" ]; then
	mirrors=("$IMAGE_MIRROR")
else
	# This machine's apt sources, each file as it is: mmdebstrap pastes
	# one-line and deb822 files into the root's sources alike.
	if grep -q '^[[:space:]]*deb' /etc/apt/sources.list 2>/dev/null; then
		mirrors+=(/etc/apt/sources.list)
	fi
	for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && mirrors+=("$f")
	done
	[ ${#mirrors[@]} -gt 0 ] || die "no apt sources on this machine: set IMAGE_MIRROR"
fi

# The package's run-time dependencies by name, the first of each set of
# alternatives, without versions: the archive has the versions the
# package was built against, being the release it was built on.
deps=$( { field Pre-Depends; echo ,; field Depends; } | tr ',' '\n' |
	sed 's/|.*//; s/(.*)//; s/:[a-z0-9]*//; s/[[:space:]]//g' | grep . | sort -u | paste -sd, -)
[ -n "$deps" ] || die "$DEB depends on nothing: not the package expected"

if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	newest=$(dpkg-deb --fsys-tarfile "$DEB" | tar -tv --full-time --utc |
		awk '{ print $4 " " $5 }' | sort | tail -1)
	SOURCE_DATE_EPOCH=$(date -u -d "$newest" +%s)
fi
export SOURCE_DATE_EPOCH
CREATED=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gnvtrace-image.XXXXXX")
cleanup() {
	# Never remove through a mount mmdebstrap left behind (it may be the
	# host's /dev): say so and keep the directory.
	if grep -q " $WORK/" /proc/mounts; then
		echo "build-image: mounts left under $WORK, not removed" >&2
	else
		rm -rf "$WORK"
	fi
	rm -f "$OUTPUT.tmp"
}
trap cleanup EXIT
# apt downloads as _apt, into the root inside.
chmod 0755 "$WORK"
ROOT=$WORK/rootfs
OCI=$WORK/oci

echo "build-image: $NAME:$TAG ($DEB_ARCH) from Debian $IMAGE_SUITE: $deps"

# Extract, not install: the libraries need no maintainer script, and the
# image then needs no shell, dpkg or apt. The downloaded packages are
# kept (--skip=cleanup/apt) for the status file, and removed below.
mmdebstrap --mode=root --variant=extract --architectures="$DEB_ARCH" \
	--include="base-files,$deps" --skip=cleanup/apt \
	"$IMAGE_SUITE" "$ROOT" "${mirrors[@]}"
dpkg-deb -x "$DEB" "$ROOT"

# /var/lib/dpkg/status: what dpkg would say of each package, from its
# control fields, for `dpkg-query --admindir=...` and image scanners.
status=$WORK/status
for pkg in "$ROOT"/var/cache/apt/archives/*.deb "$DEB"; do
	printf '%s\t%s\n' "$(dpkg-deb -f "$pkg" Package)" "$pkg"
done | sort | cut -f2- | while read -r pkg; do
	# The fields dpkg keeps, Status second as dpkg writes it.
	dpkg-deb -f "$pkg" | awk 'NR == 1 { print; print "Status: install ok installed"; next } { print }'
	echo
done >"$status"
install -m 0644 "$status" "$ROOT/var/lib/dpkg/status"

# What a container has no use for. The copyright files stay.
rm -rf "$ROOT"/var/cache/apt "$ROOT"/var/lib/apt "$ROOT"/var/log/apt "$ROOT"/etc/apt \
	"$ROOT"/etc/dpkg/dpkg.cfg.d \
	"$ROOT"/usr/share/{man,info,locale,lintian,bug,doc-base,bash-completion} \
	"$ROOT"/lib/systemd "$ROOT"/usr/lib/systemd \
	"$ROOT"/usr/lib/*-linux-gnu*/gconv \
	"$ROOT"/etc/resolv.conf "$ROOT"/etc/hostname "$ROOT"/etc/fstab
find "$ROOT"/usr/share/doc -mindepth 2 ! -name copyright ! -type d -delete
find "$ROOT"/usr/share/doc -mindepth 1 -type d -empty -delete
# The runtime mounts its own /dev (and /proc, /sys, /run).
find "$ROOT"/dev -mindepth 1 -delete
mkdir -p "$ROOT"/proc "$ROOT"/sys "$ROOT"/run "$ROOT"/root "$ROOT"/tmp "$ROOT"/var/tmp
chmod 1777 "$ROOT"/tmp "$ROOT"/var/tmp
chmod 0700 "$ROOT"/root
printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' \
	'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' >"$ROOT"/etc/passwd
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$ROOT"/etc/group
ldconfig -r "$ROOT"
# Its aux-cache holds inode numbers and times: not reproducible, not needed.
rm -f "$ROOT"/var/cache/ldconfig/aux-cache
[ -x "$ROOT"/usr/sbin/gnvtrace ] || die "the package has no /usr/sbin/gnvtrace"
if [ "$DEB_ARCH" = "$(dpkg --print-architecture)" ]; then
	# Every library found, in the image's own root.
	chroot "$ROOT" /usr/sbin/gnvtrace --version >/dev/null ||
		die "gnvtrace does not run in the image's root"
fi

# The layer: names in byte order, owned by root, every time clamped.
mkdir -p "$OCI"/blobs/sha256
(cd "$ROOT" && find . -mindepth 1 -printf '%P\n' | sort) >"$WORK/files"
tar -C "$ROOT" --create --no-recursion --files-from="$WORK/files" \
	--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	--owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime \
	-f "$WORK/layer.tar"
DIFF_ID=$(sha256sum "$WORK/layer.tar" | cut -d' ' -f1)
gzip -n -9 <"$WORK/layer.tar" >"$WORK/layer.tar.gz"

blob() { # blob FILE: moved into the layout by its digest; prints "DIGEST SIZE"
	local d s
	d=$(sha256sum "$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	mv "$1" "$OCI/blobs/sha256/$d"
	echo "$d $s"
}
read -r LAYER LAYER_SIZE < <(blob "$WORK/layer.tar.gz")

labels="\"org.opencontainers.image.title\":\"gnvtrace\",\
\"org.opencontainers.image.description\":\"Geneve/OVN tunnel tracer and Prometheus exporter (XDP/TC)\",\
\"org.opencontainers.image.version\":\"$VERSION\",\
\"org.opencontainers.image.created\":\"$CREATED\",\
\"org.opencontainers.image.licenses\":\"MIT\""

printf '%s' "{\"created\":\"$CREATED\",\"architecture\":\"$OCI_ARCH\",\"os\":\"linux\",\
\"config\":{\"Entrypoint\":[\"/usr/sbin/gnvtrace\"],\
\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\
\"WorkingDir\":\"/\",\"StopSignal\":\"SIGTERM\",\"ExposedPorts\":{\"9677/tcp\":{}},\
\"Labels\":{$labels}},\
\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$DIFF_ID\"]},\
\"history\":[{\"created\":\"$CREATED\",\
\"created_by\":\"tools/build-image.sh $(basename "$DEB") (Debian $IMAGE_SUITE: $deps)\"}]}" >"$WORK/config.json"
read -r CONFIG CONFIG_SIZE < <(blob "$WORK/config.json")

printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\
\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\
\"digest\":\"sha256:$CONFIG\",\"size\":$CONFIG_SIZE},\
\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\
\"digest\":\"sha256:$LAYER\",\"size\":$LAYER_SIZE}],\
\"annotations\":{\"org.opencontainers.image.version\":\"$VERSION\",\
\"org.opencontainers.image.created\":\"$CREATED\"}}" >"$WORK/manifest.json"
read -r MANIFEST MANIFEST_SIZE < <(blob "$WORK/manifest.json")

# The name twice: as containerd reads it, and as the OCI spec has it (the
# tag), which podman and skopeo read.
printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\
\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\
\"digest\":\"sha256:$MANIFEST\",\"size\":$MANIFEST_SIZE,\
\"platform\":{\"architecture\":\"$OCI_ARCH\",\"os\":\"linux\"},\
\"annotations\":{\"io.containerd.image.name\":\"$FULL_NAME:$TAG\",\
\"org.opencontainers.image.ref.name\":\"$TAG\"}}]}" >"$OCI/index.json"
printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$OCI/oci-layout"
# docker load's own format, over the same blobs.
printf '%s' "[{\"Config\":\"blobs/sha256/$CONFIG\",\"RepoTags\":[\"$NAME:$TAG\"],\
\"Layers\":[\"blobs/sha256/$LAYER\"]}]" >"$OCI/manifest.json"

mkdir -p "$(dirname "$OUTPUT")"
tar -C "$OCI" --create --sort=name --format=posix \
	--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	--owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
	-f "$OUTPUT.tmp" oci-layout index.json manifest.json blobs
mv "$OUTPUT.tmp" "$OUTPUT"
echo "build-image: $OUTPUT: $NAME:$TAG, manifest sha256:$MANIFEST," \
	"$(du -k --apparent-size "$WORK/layer.tar" | cut -f1) KiB unpacked, $((LAYER_SIZE / 1024)) KiB compressed"
