#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Runs each libFuzzer target for RUNS inputs over a copy of its checked-in
# seed corpus, so that the repository is never written to. The targets are
# built first (`make fuzz`, a no-op when they are up to date). A crash, a
# sanitizer report, a leak or a broken invariant fails the target;
# libFuzzer's log and the crashing input are kept in BUILD_DIR/fuzz/artifacts/.
#
# Usage: run.sh BUILD_DIR [RUNS]     (RUNS defaults to 20000)
set -u

BUILD=$(cd "${1:-build}" && pwd)
RUNS=${2:-20000}
HERE=$(cd "$(dirname "$0")" && pwd)
ART=$BUILD/fuzz/artifacts
TMP=$(mktemp -d)
PASS=0
FAIL=0
trap 'rm -rf "$TMP"' EXIT

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

mkdir -p "$ART"
start=$(date +%s%N)
if make -C "$HERE/../.." --no-print-directory OUT="$BUILD" fuzz >"$ART/build.log" 2>&1; then
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "make fuzz: done in $((ms / 1000)).$((ms % 1000 / 100))s"
else
	tail -20 "$ART/build.log"
	echo "make fuzz failed (log $ART/build.log); clang's libFuzzer runtime is libclang-rt-14-dev"
fi
for target in parse capture filter; do
	bin=$BUILD/fuzz/fuzz_$target
	if [ ! -x "$bin" ]; then
		fail "fuzz_$target: $bin is missing (run 'make fuzz')"
		continue
	fi
	mkdir -p "$TMP/$target"
	cp "$HERE/corpus/$target"/* "$TMP/$target/"
	seeds=$(ls "$TMP/$target" | wc -l)
	log=$ART/fuzz_$target.log
	start=$(date +%s%N)
	# One process, one job: a crash stops the run and is reported below.
	"$bin" -runs="$RUNS" -seed=1 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$ART/${target}-" \
		"$TMP/$target" >"$log" 2>&1
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	secs=$((ms / 1000)).$((ms % 1000 / 100))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
	if [ "$rc" -eq 0 ] && ! grep -qE '^==[0-9]+==ERROR|runtime error:' "$log"; then
		ok "fuzz_$target: ${execs:-?} runs from $seeds seeds, ${cov:-cov: ?}, ${secs}s"
	else
		fail "fuzz_$target: exit $rc after ${secs}s; log $log"
		grep -E '^==[0-9]+== ?ERROR|runtime error:|SUMMARY|^artifact_prefix|Test unit written' "$log" | head -10
		# The stack and the input itself: CI keeps only what is printed.
		grep -E '^ +#[0-9]+ .*\.c:[0-9]+' "$log" | head -8
		unit=$(sed -n 's/.*Test unit written to //p' "$log" | head -1)
		[ -f "$unit" ] && echo "input (C-escaped): $(od -An -c "$unit" | tr -s ' ' | head -c 2000)"
	fi
done

# The filter against libpcap, as the filter-oracle suite runs it but with
# RUNS expressions from another seed.
oracle=$BUILD/tests/unit/test_filter_oracle
log=$ART/filter_oracle.log
if [ ! -x "$oracle" ]; then
	fail "filter oracle: $oracle is missing (run 'make')"
elif "$oracle" "${CAPTURES:-../shared/captures}" "$RUNS" 1 >"$log" 2>&1; then
	ok "filter oracle: $(grep -o '^# [0-9]* expressions compiled and run' "$log" | cut -c3-) against libpcap"
else
	fail "filter oracle: $RUNS expressions; log $log"
	grep -v '^ok' "$log" | head -10
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
