#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# promtool's lint of the exposition of test_metrics' crafted counts (keys
# with and without an OVN port, both histograms, every malformed reason):
# it must exit 0 and say nothing.
#
# Usage: check_promtool.sh BUILD_DIR
set -u
BUILD=${1:-build}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# shellcheck source=tests/testlib.sh
. "$(dirname "$0")/../testlib.sh"

if ! command -v promtool >/dev/null; then
	fail "promtool is missing (Debian: apt-get install prometheus)"
	finish
	exit 1
fi
check "test_metrics --dump writes the sample" \
	"$BUILD/tests/metrics/test_metrics" --dump "$TMP/sample.prom" ||
	{ finish; exit 1; }
promtool check metrics <"$TMP/sample.prom" >"$TMP/out" 2>&1
check "promtool check metrics: exit 0" test $? -eq 0
check "promtool check metrics: nothing to say" test ! -s "$TMP/out" || cat "$TMP/out"
# The generated mix's series with labels dropped and capped ("other").
"$BUILD/tools/gnv-pktgen" mix -n 5000 -o "$TMP/mix.pcap" 2>/dev/null
"$BUILD/gnvtrace" -r "$TMP/mix.pcap" -q --metrics-file "$TMP/capped.prom" \
	--metrics-labels port,tunnel --metrics-max-series 20 >/dev/null 2>&1
check "labels dropped and capped: 20 series and other" test \
	"$(grep -c '^gnvtrace_port_packets_total{' "$TMP/capped.prom")" -eq 21
promtool check metrics <"$TMP/capped.prom" >"$TMP/out" 2>&1
check "promtool check metrics of them: exit 0, nothing to say" \
	test $? -eq 0 -a ! -s "$TMP/out" || cat "$TMP/out"
finish
