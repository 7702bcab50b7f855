#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages gnvtrace needs to build, run its demo and run its tests.
# Only missing packages are installed, so a second run costs one dpkg query.
set -euo pipefail

build_pkgs=(make gcc clang llvm scdoc libbpf-dev libelf-dev zlib1g-dev libpcap-dev libmicrohttpd-dev libjansson-dev libssl-dev pkg-config
	    linux-libc-dev bpftool time)
run_pkgs=(iproute2 util-linux)
# make deb: the packaging tools; lintian, man-db and systemd-analyze check the package.
deb_pkgs=(build-essential debhelper dpkg-dev lintian man-db systemd)
# make image: a Debian root from the apt sources; its test runs it in podman.
image_pkgs=(mmdebstrap podman runc catatonit)
test_pkgs=(tshark tcpdump tcpreplay python3 libclang-rt-14-dev qemu-system-x86 busybox-static xz-utils zstd kmod iputils-ping openvswitch-switch ovn-central ovn-host ovn-ic ovn-ic-db ethtool prometheus man-db groff-base)

want=("${build_pkgs[@]}" "${run_pkgs[@]}")
list=0
for arg in "$@"; do
	case $arg in
	--test) want+=("${test_pkgs[@]}" "${deb_pkgs[@]}" "${image_pkgs[@]}") ;;
	--deb) want+=("${deb_pkgs[@]}") ;;
	--image) want+=("${deb_pkgs[@]}" "${image_pkgs[@]}") ;;
	--list) list=1 ;;
	*) echo "usage: $0 [--test] [--deb] [--image] [--list]" >&2; exit 2 ;;
	esac
done
if [ $list -eq 1 ]; then # what would be installed, a package a line
	printf '%s\n' "${want[@]}"
	exit 0
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for p in "${want[@]}"; do
	installed "$p" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	# Another user can build and run the unit suites if the build packages
	# are there; the test packages only narrow what make check runs.
	for p in "${build_pkgs[@]}" "${run_pkgs[@]}"; do
		installed "$p" || {
			echo "gnvtrace: missing packages: ${missing[*]} (run as root to install them)" >&2
			exit 1
		}
	done
	echo "gnvtrace: not root, so these test packages stay missing: ${missing[*]}; the suites that need them are skipped" >&2
	exit 0
fi
echo "gnvtrace: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
