#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# What a fresh machine relies on and a prepared one hides: that `make
# check` and `make demo` run the package installer, that the installer's
# list holds every tool the suites need, that it puts back a package that
# went missing, and that another user's `make check` runs the unit suites
# and says what it skipped.
#
# Usage: test_install_deps.sh BUILD_DIR (as root: it removes and
# reinstalls tcpreplay, a package nothing else depends on)
set -u
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# shellcheck source=tests/testlib.sh
. "$TOP/tests/testlib.sh"
cd "$TOP" || exit 1

# The dry runs of the README's commands run the installer first.
make -n check >"$TMP/check.n" 2>&1
check "make -n check runs tools/install-deps.sh --test" grep -q 'tools/install-deps.sh --test' "$TMP/check.n"
make -n check-vm >"$TMP/vm.n" 2>&1
check "make -n check-vm runs tools/install-deps.sh --test" grep -q 'tools/install-deps.sh --test' "$TMP/vm.n"
make -n demo >"$TMP/demo.n" 2>&1
check "make -n demo runs tools/install-deps.sh" grep -q 'tools/install-deps.sh' "$TMP/demo.n"

# Every command a suite of tests/run-all.sh needs comes from a package the
# installer names, or one that such a package depends on: asked of dpkg,
# so a tool that happens to be installed here by hand is caught.
tools/install-deps.sh --list --test >"$TMP/pkgs"
# shellcheck disable=SC2046 # package names are words
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
	--no-replaces --no-enhances $(cat "$TMP/pkgs") 2>/dev/null |
	grep -v '^ ' | sed 's/:any$//' | sort -u >"$TMP/closure"
owner() { # owner PATH: the package that owns PATH (or its merged-/usr twin)
	local p=$1
	dpkg -S "$p" 2>/dev/null && return
	case $p in
	/usr/*) dpkg -S "${p#/usr}" 2>/dev/null ;;
	*) dpkg -S "/usr$p" 2>/dev/null ;;
	esac
}
needs=$(sed -n 's/^suite [a-z-]* "\([^"]*\)".*/\1/p' tests/run-all.sh | tr ' ' '\n' | sort -u)
check "run-all.sh's suites name their needs" test "$(echo "$needs" | wc -l)" -gt 10
for need in $needs; do
	case $need in
	root | captures) continue ;;
	pkg:*)
		check "the installer lists ${need#pkg:}" grep -qx "${need#pkg:}" "$TMP/pkgs"
		continue ;;
	esac
	path=$(command -v "$need") || { fail "$need: not installed"; continue; }
	pkg=$(owner "$(readlink -f "$path")" | head -1 | cut -d: -f1)
	[ -n "$pkg" ] || pkg=$(owner "$path" | head -1 | cut -d: -f1)
	check "$need comes from $pkg, which the installer installs" grep -qx "$pkg" "$TMP/closure"
done

# Another user: nothing installed, told which packages stay missing; the
# unit suites run, the rest are skipped with their reasons.
dpkg --remove tcpreplay >"$TMP/remove.log" 2>&1
check "dpkg --remove tcpreplay" bash -c "! dpkg-query -W -f='\${Status}' tcpreplay 2>/dev/null | grep -q 'ok installed'"
setpriv --reuid=nobody --regid=nogroup --clear-groups tools/install-deps.sh --test >"$TMP/user.out" 2>&1
check "another user: the installer exits 0 when only test packages are missing" test $? -eq 0
check "another user: it names what stays missing" grep -q 'stay missing: .*tcpreplay' "$TMP/user.out"
check "another user: it installed nothing" bash -c "! command -v tcpreplay"

# A build directory the other user can write, with the programs and the
# man page of the suites it runs.
mkdir -p "$TMP/b/tests/unit" "$TMP/b/tests/metrics" "$TMP/b/tests/split" "$TMP/b/tools"
for f in gnvtrace gnvtrace.8 gnvtrace.bpf.o tests/unit/test_parse tests/unit/test_filter \
	tests/unit/test_journey tests/unit/test_health \
	tests/unit/test_filter_oracle \
	tests/metrics/test_metrics tests/split/test_split \
	tools/gnv-pktgen; do
	cp "$BUILD/$f" "$TMP/b/$f"
done
chown -R nobody "$TMP"
chmod 755 "$TMP"
CAPTURES=/nonexistent timeout 600 setpriv --reuid=nobody --regid=nogroup --clear-groups \
	tests/run-all.sh "$TMP/b" >"$TMP/run.out" 2>&1
check "another user's run: exit 0" test $? -eq 0 || tail -20 "$TMP/run.out"
suite_result() { # the closing line of suite $1 in the run's output
	awk -v s="== $1" '$0 == s { on = 1; next } /^== / { on = 0 }
		on && /^[0-9]+ passed, [0-9]+ failed/ { print }' "$TMP/run.out"
}
for s in unit unit-filter filter-oracle metrics split docs echo-order; do
	check "another user's run: $s ran and passed" \
		bash -c "[[ '$(suite_result $s)' =~ ^[1-9][0-9]*\ passed,\ 0\ failed ]]"
done
check "another user's run: kern skipped for root" grep -q '^skipped: kern (needs root, the shared captures' "$TMP/run.out"
check "another user's run: e2e skipped for root" grep -q '^skipped: e2e (needs root' "$TMP/run.out"
check "another user's run: closes with the totals" bash -c "tail -1 '$TMP/run.out' | grep -qE '^[1-9][0-9]* passed, 0 failed$'"
cp "$TMP/run.out" "$BUILD/test-install-deps-user-run.log"

# As root, the installer puts the package back.
timeout 600 tools/install-deps.sh --test >"$TMP/root.out" 2>&1
check "root: the installer exits 0" test $? -eq 0 || cat "$TMP/root.out"
check "root: it said it installs tcpreplay" grep -q 'installing .*tcpreplay' "$TMP/root.out"
check "root: tcpreplay is back" bash -c "command -v tcpreplay >/dev/null"
tools/install-deps.sh --test >"$TMP/again.out" 2>&1
check "root: a second run has nothing to do" test ! -s "$TMP/again.out"
finish
