#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The Debian package, as an operator gets it: built by `make deb` (nothing
# written beside the source tree), lintian clean, installed by apt-get
# (which resolves the libraries dh_shlibdeps named), its files in place,
# the installed gnvtrace agreeing with BUILD's on the shared captures and
# running the demo, the exporter unit accepted by systemd-analyze and never
# enabled, then purged without a trace. Root only: it installs and purges
# the package on this machine (a gnvtrace package installed before is
# purged first and not put back).
#
# Usage: test_deb.sh BUILD_DIR CAPTURES_DIR
#   GNV_DEB=FILE: test this .deb instead of building one (no lintian run
#   unless its .changes is beside it).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-build}" && pwd)
CAPS=$(cd "${2:-../shared/captures}" && pwd)
GNV=$BUILD/gnvtrace
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# shellcheck source=tests/testlib.sh
. "$HERE/../testlib.sh"

VERSION=$(cd "$SRC" && dpkg-parsechangelog -S Version)
ARCH=$(dpkg --print-architecture)
DEB=$(realpath -m "${GNV_DEB:-$BUILD/deb/gnvtrace_${VERSION}_${ARCH}.deb}") # apt: a path, not a name
UNIT=gnvtrace-exporter@.service
export DEBIAN_FRONTEND=noninteractive

status() { dpkg-query -W -f='${db:Status-Abbrev}' gnvtrace 2>/dev/null | tr -d ' '; }

# Every path named after gnvtrace in the system's directories (not the
# source tree, not /tmp), snapshotted before the install: whatever is new
# after the purge was left behind, whatever made it.
traces() {
	find /etc /lib /usr /var /run /opt /srv -name '*gnvtrace*' 2>/dev/null | sort
}

forgotten() { # not installed, no configuration left, no files in dpkg's database
	case $(status) in "" | un) ;; *) return 1 ;; esac
	! compgen -G '/var/lib/dpkg/info/gnvtrace.*' >/dev/null
}

# dpkg -P gnvtrace, waiting (up to 15 minutes) for another install's lock.
purge() {
	local out
	for _ in $(seq 180); do
		out=$(timeout 300 dpkg -P gnvtrace 2>&1) && return 0
		grep -qi 'lock' <<<"$out" || break
		sleep 5
	done
	printf '  %s\n' "$out"
	return 1
}

# What dpkg-buildpackage could leave beside the tree, and in debian/ when
# it is run in the tree itself.
debris() {
	(cd "$SRC/.." && ls -A) | grep -E '^gnvtrace[-_]|\.(deb|changes|buildinfo)$'
	(cd "$SRC/debian" && ls -A) | grep -E '^(build|gnvtrace|\.debhelper|files|debhelper-build-stamp)$|substvars$'
}

test_build() {
	local t0 secs f
	debris >"$TMP/debris.before"
	t0=$(date +%s)
	timeout -k 10 1800 make -C "$SRC" --no-print-directory deb OUT="$BUILD" >"$TMP/make-deb.log" 2>&1
	check "make deb succeeds" test $? -eq 0 || tail -20 "$TMP/make-deb.log" | sed 's/^/  /'
	secs=$(($(date +%s) - t0))
	echo "  make deb took ${secs} s"
	for f in "$DEB" "${DEB%.deb}.changes" "${DEB%.deb}.buildinfo"; do
		check "make deb leaves $(basename "$f") in \$(OUT)/deb" test -s "$f"
	done
	debris >"$TMP/debris.after"
	check "make deb writes nothing beside the source tree or into debian/" \
		cmp -s "$TMP/debris.before" "$TMP/debris.after" ||
		diff "$TMP/debris.before" "$TMP/debris.after" | sed 's/^/  /'
}

# lintian on the binary packages (the .changes make deb left) and on a
# source package made here from the tree (make deb builds binaries only):
# any E: or W: fails, and so does an override without a comment line (its
# justification) right above it.
test_lintian() {
	local changes=${DEB%.deb}.changes ov dsc
	if [ ! -f "$changes" ]; then
		fail "lintian: no $(basename "$changes") beside the package"
		return
	fi
	mkdir -p "$TMP/dsc/gnvtrace"
	(cd "$SRC" && tar -c --exclude=./.git --exclude=./build --exclude=./debian/build \
		--exclude=./debian/gnvtrace --exclude=./debian/.debhelper .) | tar -x -C "$TMP/dsc/gnvtrace"
	(cd "$TMP/dsc/gnvtrace" && timeout 300 dpkg-source -b . >"$TMP/dpkg-source.log" 2>&1)
	dsc=$TMP/dsc/gnvtrace_$VERSION.dsc
	check "dpkg-source -b makes $(basename "$dsc") for lintian" test -s "$dsc" ||
		tail -5 "$TMP/dpkg-source.log" | sed 's/^/  /'
	timeout -k 10 600 lintian --fail-on none --pedantic --display-info --tag-display-limit 0 \
		"$changes" "$dsc" >"$TMP/lintian" 2>"$TMP/lintian.err"
	check "lintian runs on $(basename "$changes") and $(basename "$dsc")" test $? -eq 0 ||
		sed 's/^/  /' "$TMP/lintian.err"
	sed 's/^/  lintian: /' "$TMP/lintian"
	check "lintian: no error or warning" \
		test "$(grep -c -E '^(E|W): ' "$TMP/lintian")" -eq 0
	for ov in "$SRC"/debian/*lintian-overrides "$SRC"/debian/source/lintian-overrides; do
		[ -f "$ov" ] || continue
		# shellcheck disable=SC2016 # awk's own $0
		check "every override in ${ov#"$SRC"/} follows a comment justifying it" \
			awk '/^[[:space:]]*$/ { prev = ""; next }
			     !/^#/ && prev !~ /^#/ { print "  unjustified: " $0; bad = 1 }
			     { prev = $0 } END { exit bad }' "$ov"
	done
}

test_install() {
	local fields
	check "the package is $(basename "$DEB")" test -s "$DEB" || return 1
	# shellcheck disable=SC2016 # dpkg-deb's own ${fields}
	fields=$(dpkg-deb -W --showformat='${Package} ${Version} ${Architecture}' "$DEB")
	check "its control says gnvtrace $VERSION $ARCH" test "$fields" = "gnvtrace $VERSION $ARCH"
	if ! forgotten; then
		check "a gnvtrace installed before is purged first" purge
	fi
	traces >"$TMP/traces.before"
	timeout -k 10 1200 apt-get -o DPkg::Lock::Timeout=900 install -y "$DEB" \
		>"$TMP/apt.log" 2>&1
	check "apt-get install $(basename "$DEB")" test $? -eq 0 || tail -10 "$TMP/apt.log" | sed 's/^/  /'
	check "dpkg says gnvtrace is installed, dependencies met" test "$(status)" = ii
}

# Every library the installed binary links is in a package Depends names:
# dh_shlibdeps' work, which nothing hand-written replaces; and every one
# it loads when a run needs it (lib/dynlib.h: its soname among the
# binary's strings), which debian/control names by hand.
test_depends() {
	local deps libs lib pkg missing=
	deps=$(dpkg-query -W -f='${Depends}' gnvtrace | tr ',' '\n' | awk '{ print $1 }')
	libs=$( { objdump -p /usr/sbin/gnvtrace 2>/dev/null | awk '$1 == "NEEDED" { print $2 }'
		  strings /usr/sbin/gnvtrace | grep -x 'lib[a-z0-9_+-]*\.so\.[0-9]*'; } | sort -u)
	for lib in $libs; do
		pkg=$(dpkg-query -S "*/$lib" 2>/dev/null | awk -F'[:,]' 'NR == 1 { print $1 }')
		grep -qx "$pkg" <<<"$deps" || missing="$missing $lib($pkg)"
	done
	check "Depends covers the $(wc -w <<<"$libs") libraries gnvtrace links or loads${missing:+ (missing:$missing)}" \
		test -n "$libs" -a -z "$missing"
}

test_files() {
	local f doc=/usr/share/doc/gnvtrace
	check "/usr/sbin/gnvtrace is executable" test -x /usr/sbin/gnvtrace
	check "gnvtrace --version says $VERSION" \
		grep -q "^gnvtrace $VERSION " <(timeout 10 /usr/sbin/gnvtrace --version 2>&1)
	for f in /usr/share/man/man8/gnvtrace.8.gz /usr/share/bash-completion/completions/gnvtrace \
		"/lib/systemd/system/$UNIT" $doc/copyright $doc/changelog.gz $doc/deploy/README.md \
		$doc/deploy/gnvtrace-daemonset.yaml "$doc/deploy/$UNIT"; do
		check "installed: $f" test -s "$f"
	done
	check "installed: $doc/README.md(.gz)" test -s $doc/README.md.gz -o -s $doc/README.md
	# man -l: `man 8 gnvtrace` would leave a formatted copy in /var/cache/man.
	check "man finds gnvtrace(8) in the installed page" \
		test "$(timeout 30 man -w 8 gnvtrace 2>/dev/null)" = /usr/share/man/man8/gnvtrace.8.gz
	check "the man page renders its NAME section" \
		grep -q 'gnvtrace' <(MANPAGER=cat MANWIDTH=80 timeout 30 man -l /usr/share/man/man8/gnvtrace.8.gz \
			2>/dev/null | sed -n '/^NAME/,/^[A-Z]/p')
	check "the completion file registers one for gnvtrace" \
		timeout 10 bash --norc --noprofile -c \
		'. /usr/share/bash-completion/completions/gnvtrace && complete -p gnvtrace >/dev/null'
	check "the unit starts the installed binary" \
		grep -q '^ExecStart=/usr/sbin/gnvtrace ' "/lib/systemd/system/$UNIT"
	# New since the install: nothing in /etc (no wants/ link, no conffile)
	# nor in systemd's or deb-systemd-helper's state.
	traces | comm -13 "$TMP/traces.before" - | grep -E '^/(etc|var/lib/systemd)/' >"$TMP/enabled"
	check "the template unit is not enabled, nothing new in /etc" test ! -s "$TMP/enabled" ||
		sed 's/^/  /' "$TMP/enabled"
}

# The installed binary (the package's build flags, stripped) and BUILD's
# print the same lines and the same summary on every shared capture.
test_captures() {
	local f n=0 diffs=0 lines=0 fmt
	if [ ! -x "$GNV" ]; then
		fail "no $GNV to compare the installed binary with"
		return
	fi
	for f in "$CAPS"/*.pcap "$CAPS"/*.pcapng; do
		[ -f "$f" ] || continue
		for fmt in text json; do
			timeout 60 "$GNV" -r "$f" -o $fmt >"$TMP/a.out" 2>"$TMP/a.err"
			timeout 60 /usr/sbin/gnvtrace -r "$f" -o $fmt >"$TMP/b.out" 2>"$TMP/b.err"
			n=$((n + 1))
			lines=$((lines + $(wc -l <"$TMP/b.out")))
			cmp -s "$TMP/a.out" "$TMP/b.out" && cmp -s "$TMP/a.err" "$TMP/b.err" && continue
			diffs=$((diffs + 1))
			[ $diffs -le 3 ] || continue # the first few tell
			echo "  differs: $(basename "$f") -o $fmt"
			diff "$TMP/a.out" "$TMP/b.out" | head -3 | cut -c1-160 | sed 's/^/  /'
			diff "$TMP/a.err" "$TMP/b.err" | head -3 | cut -c1-160 | sed 's/^/  /'
		done
	done
	check "installed gnvtrace -r prints what $GNV does ($n runs, $lines lines, $diffs differ)" \
		test "$n" -gt 0 -a "$lines" -gt 0 -a "$diffs" -eq 0
}

# The demo's own lab (anonymous namespaces): as many lines as it says it
# matched, none lost.
test_demo() {
	local rc summary matched
	timeout -s INT -k 10 120 /usr/sbin/gnvtrace --demo >"$TMP/demo.out" 2>"$TMP/demo.err"
	rc=$?
	check "gnvtrace --demo exits 0" test $rc -eq 0 || sed 's/^/  /' "$TMP/demo.err"
	check "the demo lab comes up" grep -q '^gnvtrace: demo lab up' "$TMP/demo.err"
	summary=$(grep -E '^gnvtrace: [0-9]+ packets seen' "$TMP/demo.err" | tail -1)
	echo "  ${summary:-no summary}"
	matched=$(sed -nE 's/.* ([0-9]+) matched, 0 lost.*/\1/p' <<<"$summary")
	check "the demo prints its ${matched:-?} matched frames, none lost" \
		test -n "$matched" -a "${matched:-0}" -gt 0 -a "$(wc -l <"$TMP/demo.out")" -eq "${matched:-0}"
}

# systemd-analyze verify needs no running systemd: it loads the unit from
# the unit path, checks every setting, that ExecStart= is executable and
# that the man page Documentation= names exists (running man, which at
# the default width of 80 would leave a formatted copy in /var/cache/man).
# Clean means exit 0 and not a word. Copies with a missing binary or man
# page must fail, or the check is moot.
verify() { MANWIDTH=100 timeout 60 systemd-analyze verify "$1"; }

rejected() { # rejected SED-SCRIPT: verify fails on the unit broken by SED-SCRIPT
	mkdir -p "$TMP/units"
	sed "$1" "/lib/systemd/system/$UNIT" >"$TMP/units/$UNIT"
	! cmp -s "/lib/systemd/system/$UNIT" "$TMP/units/$UNIT" &&
		! verify "$TMP/units/gnvtrace-exporter@lo.service" >/dev/null 2>&1
}

test_unit() {
	local u
	for u in "/lib/systemd/system/$UNIT" gnvtrace-exporter@lo.service; do
		verify "$u" >"$TMP/verify" 2>&1
		check "systemd-analyze verify $u: clean" test $? -eq 0 -a ! -s "$TMP/verify" ||
			sed 's/^/  /' "$TMP/verify"
	done
	check "systemd-analyze verify rejects a copy whose binary is missing" \
		rejected 's|^ExecStart=/usr/sbin/gnvtrace |ExecStart=/usr/sbin/gnvtrace-not-here |'
	check "systemd-analyze verify rejects a copy whose man page is missing" \
		rejected 's|^Documentation=man:gnvtrace(8)|Documentation=man:gnvtrace-not-here(8)|'
}

# dpkg -P, then none of the paths dpkg -L listed remains, except
# directories something else still lives in (/usr/share/doc, and /lib
# which usrmerge makes a link); nothing in dpkg's database.
test_purge() {
	local p left=
	dpkg -L gnvtrace >"$TMP/list" 2>/dev/null
	check "purge: dpkg -P gnvtrace" purge || return
	while read -r p; do
		[ -e "$p" ] || [ -L "$p" ] || continue
		[ -d "$p" ] && [ -n "$(ls -A "$p/" 2>/dev/null)" ] && continue
		left="$left $p"
	done <"$TMP/list"
	check "purge: none of the package's $(wc -l <"$TMP/list") paths remains${left:+ (left:$left)}" \
		test -z "$left" -a -s "$TMP/list"
	check "purge: dpkg knows nothing of gnvtrace" forgotten
	traces >"$TMP/traces.after"
	comm -13 "$TMP/traces.before" "$TMP/traces.after" >"$TMP/traces.new"
	check "purge: no path named gnvtrace* that was not there before the install" \
		test ! -s "$TMP/traces.new" || sed 's/^/  left: /' "$TMP/traces.new"
}

if [ "$(id -u)" -ne 0 ]; then
	fail "test_deb.sh installs and purges a package: run it as root"
	finish
	exit
fi
[ -n "${GNV_DEB:-}" ] || test_build
[ -f "${DEB%.deb}.changes" ] && test_lintian
if test_install; then
	echo "  $(basename "$DEB"): $(stat -c %s "$DEB") bytes, installed size $(dpkg-query -W -f='${Installed-Size}' gnvtrace) KiB"
	test_depends
	test_files
	test_captures
	test_demo
	test_unit
	test_purge
fi
finish
