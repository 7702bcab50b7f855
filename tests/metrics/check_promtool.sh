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
finish
