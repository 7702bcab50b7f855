#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# extract-vmlinux.sh BZIMAGE OUT: the ELF kernel inside a bzImage, so that
# QEMU can boot it through its PVH entry (-kernel vmlinux), which skips the
# BIOS and the real-mode setup.
#
# The compressed kernel is found the way the boot protocol (2.08+) gives it:
# setup_sects at 0x1f1, then payload_offset and payload_length at 0x248 and
# 0x24c, counted from the end of the setup code. Its last 4 bytes are the
# uncompressed size the build appends, not part of the stream. Images
# without that header are searched for each format's magic, like the
# kernel's own scripts/extract-vmlinux. xz, zstd and gzip are handled
# (Debian's kernels are xz, recent ones zstd).
set -eu  # no pipefail: head closes the pipe on tail, on purpose

if [ $# -ne 2 ]; then
	echo "usage: $0 BZIMAGE OUT" >&2
	exit 2
fi
img=$1
out=$2
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT

u8() { od -An -t u1 -j "$1" -N 1 "$img" | tr -d ' '; }
u32() { od -An -t u4 -j "$1" -N 4 --endian=little "$img" | tr -d ' '; }
is_elf() { [ "$(head -c 4 "$1" | od -An -t x1 | tr -d ' ')" = 7f454c46 ]; }

# decompress FORMAT: stdin to $tmp; a stream with trailing bytes still
# yields its data, so only the result is checked.
decompress() {
	case $1 in
	xz) xz -dc --single-stream >"$tmp" 2>/dev/null ;;
	zstd) zstd -dcq >"$tmp" 2>/dev/null ;;
	gzip) gzip -dc >"$tmp" 2>/dev/null ;;
	esac
	is_elf "$tmp"
}

format_of() { # the format of the stream at OFFSET, from its magic
	local m
	m=$(od -An -t x1 -j "$1" -N 6 "$img" | tr -d ' ')
	case $m in
	fd377a585a00) echo xz ;;
	28b52ffd*) echo zstd ;;
	1f8b08*) echo gzip ;;
	*) echo unknown ;;
	esac
}

found=
if [ "$(head -c 4 "$img" | od -An -t x1 | tr -d ' ')" = 7f454c46 ]; then
	cp "$img" "$tmp" && found="already an ELF image"
elif [ "$(od -An -c -j 0x202 -N 4 "$img" | tr -d ' ')" = HdrS ]; then
	setup_sects=$(u8 $((0x1f1)))
	[ "$setup_sects" -eq 0 ] && setup_sects=4
	off=$(( (setup_sects + 1) * 512 + $(u32 $((0x248))) ))
	len=$(u32 $((0x24c)))
	fmt=$(format_of "$off")
	if [ "$fmt" != unknown ] && [ "$len" -gt 4 ] &&
		tail -c +$((off + 1)) "$img" | head -c $((len - 4)) | decompress "$fmt"; then
		found="$fmt payload at byte $off, $len bytes (boot protocol header)"
	fi
fi
if [ -z "$found" ]; then
	# No usable header: try every place a known magic occurs.
	for fmt in xz zstd gzip; do
		case $fmt in
		xz) magic='\xfd7zXZ\x00' ;;
		zstd) magic='\x28\xb5\x2f\xfd' ;;
		gzip) magic='\x1f\x8b\x08' ;;
		esac
		for pos in $(LC_ALL=C grep -aboP "$magic" "$img" | cut -d: -f1); do
			if tail -c +$((pos + 1)) "$img" | decompress "$fmt"; then
				found="$fmt stream at byte $pos (magic search)"
				break 2
			fi
		done
	done
fi
if [ -z "$found" ]; then
	echo "extract-vmlinux: no compressed ELF kernel found in $img" >&2
	exit 1
fi
chmod 0644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "extract-vmlinux: $out from $img: $found"
