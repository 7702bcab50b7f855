#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# The documentation a package ships, against the binary it documents:
# gnvtrace(8) (doc/gnvtrace.8.scd, rendered by `make man`), the bash
# completion (tools/gnvtrace-completion.bash) and `gnvtrace --version`.
#
#   - every option `gnvtrace --help` lists has an entry in the man page's
#     OPTIONS and is offered by the completion, and neither has others;
#   - the man page renders without a groff warning (as lintian runs man)
#     and has a whatis entry;
#   - --version names the Makefile's version, libbpf's and libpcap's;
#   - the completion, called as bash calls it: options, which of them take
#     a value, interface names, file names, the word values (as gnvtrace's
#     own error messages list them) and the filter's words (as the filter
#     compiler takes them, and every word it takes).
#
# No root, no network; a few seconds. Usage: tests/pkg/test_docs.sh BUILD
# (BUILD holds gnvtrace and gnvtrace.8: make OUT=BUILD BUILD/gnvtrace
# BUILD/gnvtrace.8). GNV_COMPLETION=FILE tests another completion file.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-build}" && pwd)
GNV=$BUILD/gnvtrace
MAN=$BUILD/gnvtrace.8
COMP=${GNV_COMPLETION:-$SRC/tools/gnvtrace-completion.bash}
# shellcheck source=tests/testlib.sh
. "$SRC/tests/testlib.sh"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

for f in "$GNV" "$MAN" "$COMP"; do
	[ -e "$f" ] || {
		fail "$f exists"
		finish
		exit
	}
done

# lines WORDS...: one per line, sorted, no duplicates.
lines() { printf '%s\n' "$@" | sed '/^$/d' | sort -u; }
# same NAME "WORDS A" "WORDS B": the two lists hold the same words.
same() {
	local name=$1 a b
	# shellcheck disable=SC2086 # word lists
	a=$(lines $2)
	# shellcheck disable=SC2086
	b=$(lines $3)
	if [ "$a" = "$b" ]; then
		ok "$name"
	else
		fail "$name"
		diff <(echo "$a") <(echo "$b") | sed -n 's/^[<>]/  &/p'
	fi
}
# has TEXT LINE: TEXT has LINE as one of its lines (no fork, no pattern).
nl=$'\n'
has() { [[ $nl$1$nl == *"$nl$2$nl"* ]]; }
# [[ ... ]]; cond NAME: a check on the status of what ran just before.
cond() { check "$1" [ $? -eq 0 ]; }
# all_ok NAME LIST: ok when LIST (what was wrong) is empty, else says it.
all_ok() {
	if [ -z "$2" ]; then ok "$1"; else
		fail "$1"
		echo "  wrong:$2"
	fi
}

# --- What --help lists -------------------------------------------------
"$GNV" --help >"$TMP/help" 2>&1
check "gnvtrace --help exits 0" [ $? -eq 0 ]
# An entry line: 2 to 6 blanks, then "-x, --long", "-x" or "--long", then
# "=ARG", "[=ARG]" or nothing. Descriptions wrap at column 29, deeper.
ENTRIES=$(sed -n 's/^ \{2,6\}\(-[^-], \)\{0,1\}\(-[^ =[]*\).*/\1\2/p' "$TMP/help")
LONGS=$(grep -o -- '--[a-z0-9-]*' <<<"$ENTRIES")
SHORTS=$(sed -n 's/^\(-[^-]\),.*/\1/p' <<<"$ENTRIES")
declare -A SHORT_OF LONG_OF ARG_OF
while read -r s l; do
	[ -n "$l" ] || continue
	SHORT_OF[$l]=${s%,}
	LONG_OF[${s%,}]=$l
done <<<"$ENTRIES"
# The options with a value, and its name: --opt=ARG (not --opt[=ARG]).
while read -r o arg; do
	ARG_OF[$o]=$arg
done < <(sed -n 's/^ \{2,6\}\(-[^-], \)\{0,1\}\(--[a-z0-9-]*\)=\([^ ]*\).*/\2 \3/p' "$TMP/help")
NL=$(wc -w <<<"$LONGS")
NS=$(wc -w <<<"$SHORTS")
check "--help lists options ($NL long, $NS short, ${#ARG_OF[@]} with a value)" \
	[ "$NL" -ge 30 -a "$NS" -ge 8 -a "${#ARG_OF[@]}" -ge 20 ]

# --- The man page ------------------------------------------------------
# As lintian runs it (groff-message), and groff with every warning.
LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z \
	"$MAN" >/dev/null 2>"$TMP/man.err"
check "man --warnings: no warning" [ ! -s "$TMP/man.err" ] || sed 's/^/  /' "$TMP/man.err"
groff -man -Tutf8 -ww -z "$MAN" 2>"$TMP/groff.err"
check "groff -ww: no warning" [ ! -s "$TMP/groff.err" ] || sed 's/^/  /' "$TMP/groff.err"
LC_ALL=C.UTF-8 lexgrog "$MAN" >"$TMP/whatis" 2>&1
check "lexgrog finds the whatis entry" grep -q 'gnvtrace - ' "$TMP/whatis" ||
	sed 's/^/  /' "$TMP/whatis"

MANTXT=$(LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat man -l "$MAN" 2>/dev/null | sed 's/.\x08//g')
check "the man page renders" has "$MANTXT" NAME
bad=
for s in NAME SYNOPSIS DESCRIPTION OPTIONS FILTERS JSON METRICS 'OVN NAMES' \
	'CAPTURE FILES' 'EXIT STATUS' ENVIRONMENT FILES EXAMPLES 'SEE ALSO'; do
	has "$MANTXT" "$s" || bad+=" '$s'"
done
all_ok "the man page has its sections" "$bad"
# The entries of OPTIONS: lines at the first indentation that start with a
# dash ("-i, --interface=IFACE", "--vxlan[=PORT]"), as "-i --interface".
MAN_ENTRIES=$(sed -n '/^OPTIONS$/,/^[A-Z]/p' <<<"$MANTXT" |
	sed -n 's/^ \{7\}\(-[^ ,=[]*\)\(, \(--[^ =[]*\)\)\{0,1\}.*/\1 \3/p' | sed 's/ $//')
MAN_OPTS=" $(echo "$MAN_ENTRIES" | xargs) "
bad=
for o in $LONGS $SHORTS; do
	[[ $MAN_OPTS == *" $o "* ]] || bad+=" $o"
done
all_ok "every option of --help has an entry in gnvtrace(8)" "$bad"
# ... and nothing else (-h, --help's hidden twin, is named in its text).
same "the man page's option entries are --help's" "$LONGS $SHORTS" "$MAN_OPTS"
bad=
for l in "${!SHORT_OF[@]}"; do
	has "$MAN_ENTRIES" "${SHORT_OF[$l]} $l" || bad+=" ${SHORT_OF[$l]},$l"
done
all_ok "the man page pairs short and long options as --help does" "$bad"
bad=
for o in "${!ARG_OF[@]}"; do # "--hist=size|rtt|all" in both
	[[ $MANTXT == *"$o=${ARG_OF[$o]}"* ]] || bad+=" $o=${ARG_OF[$o]}"
done
all_ok "the man page names each option's value as --help does" "$bad"
bad=
for ref in 'tcpdump(8)' 'pcap-filter(7)' 'ovn-sbctl(8)' 'ovn-architecture(7)' 'bpftool(8)'; do
	[[ $MANTXT == *"$ref"* ]] || bad+=" $ref"
done
all_ok "SEE ALSO names tcpdump, pcap-filter, ovn-sbctl, ovn-architecture, bpftool" "$bad"
EXIT_SECTION=$(sed -n '/^EXIT STATUS$/,/^[A-Z]/p' <<<"$MANTXT")
bad=
for code in 0 1 2; do
	has "$EXIT_SECTION" "       $code" || bad+=" $code"
done
all_ok "EXIT STATUS lists 0, 1 and 2" "$bad"

# --- --version -----------------------------------------------------------
# The Makefile's own VERSION (from debian/changelog), as make sees it.
# shellcheck disable=SC2016 # make expands it
printf 'gnv-print-version:\n\t@echo $(VERSION)\n' >"$TMP/version.mk"
VERSION=$(make -s --no-print-directory -C "$SRC" -f Makefile -f "$TMP/version.mk" \
	gnv-print-version 2>/dev/null)
check "the Makefile has a version ($VERSION)" [ -n "$VERSION" ]
V=$("$GNV" --version 2>&1)
rc=$?
echo "  $V"
check "--version exits 0" [ $rc -eq 0 ]
[[ $V == "gnvtrace $VERSION "* ]]
cond "--version names gnvtrace $VERSION"
[[ $V =~ libbpf\ [0-9]+\.[0-9]+ ]]
cond "--version names libbpf's version"
[[ $V =~ libpcap\ version\ [0-9]+\.[0-9]+ ]]
cond "--version names libpcap's version"
check "--version is one or two lines" [ "$(wc -l <<<"$V")" -le 2 ]
check "-V prints the same" [ "$("$GNV" -V 2>&1)" = "$V" ]
if LIBBPF=$(pkg-config --modversion libbpf 2>/dev/null); then
	[[ $V == *"libbpf ${LIBBPF%.*}"[,\)]* ]]
	cond "--version's libbpf is the one installed ($LIBBPF)"
fi

# --- The completion ----------------------------------------------------
if ! check "the completion file is valid bash" bash -n "$COMP"; then
	finish
	exit
fi
# shellcheck disable=SC1090
. "$COMP"
check "it registers _gnvtrace for gnvtrace" \
	[ "$(complete -p gnvtrace 2>&1)" = "complete -F _gnvtrace gnvtrace" ]

# complete_words COMP_WORDS...: what the completion offers for the last
# word, one per line, when bash calls it on those words. Run it in $(...):
# what it sets stays there.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_gnvtrace gnvtrace "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"
}
offers() { # offers WORD COMP_WORDS...: the completion offers WORD
	local want=$1
	shift
	has "$(complete_words "$@")" "$want"
}

check "'gnvtrace --xdp-' offers --xdp-mode" offers --xdp-mode gnvtrace --xdp-
same "'gnvtrace --' offers exactly --help's long options" "$LONGS" \
	"$(complete_words gnvtrace --)"
same "'gnvtrace -' offers exactly --help's options" "$LONGS $SHORTS" \
	"$(complete_words gnvtrace -)"

# Which options take a value: the word after one is its value, so a filter
# starts after it ("icmp" offered); after a flag "icmp" is the filter
# already ("and" offered). Every option, as --help says.
bad=
for o in $LONGS $SHORTS; do
	l=${LONG_OF[$o]:-$o}
	got=$(complete_words gnvtrace "$o" icmp "")
	if [ -n "${ARG_OF[$l]:-}" ]; then
		has "$got" icmp || bad+=" $o(takes a value)"
	else
		has "$got" and || bad+=" $o(takes none)"
	fi
done
all_ok "the completion knows which options take a value" "$bad"
check "'--vxlan=' is completed as a value, not a filter" \
	[ -z "$(complete_words gnvtrace --vxlan = "")" ]

# Interfaces.
check "'-i ' offers lo" offers lo gnvtrace -i ""
check "'-i l' offers lo" offers lo gnvtrace -i l
check "'--interface=' offers lo" offers lo gnvtrace --interface = ""
check "'--cleanup ' offers lo" offers lo gnvtrace --cleanup ""
check "'-i DIR/' offers no file" [ -z "$(complete_words gnvtrace -i "$TMP/")" ]

# Files, for every option whose value --help calls FILE or PATH.
mkdir "$TMP/d" && : >"$TMP/d/names.json"
n=0
bad=
for o in "${!ARG_OF[@]}"; do
	case ${ARG_OF[$o]} in *FILE | *PATH) ;; *) continue ;; esac
	n=$((n + 1))
	for w in "$o" ${SHORT_OF[$o]:-}; do
		offers "$TMP/d/names.json" gnvtrace "$w" "$TMP/d/na" || bad+=" $w"
	done
	offers "$TMP/d/names.json" gnvtrace "$o" = "$TMP/d/na" || bad+=" $o="
done
all_ok "file names for the $n options that take a file or path" "$bad"
check "... which are 8 or more" [ $n -ge 8 ]
check "'-r ' offers - (standard input)" offers - gnvtrace -r ""

# Word values: as --help names them, as gnvtrace's own error lists them
# (main.c's tables), and as the completion offers them.
n=0
for o in "${!ARG_OF[@]}"; do
	arg=${ARG_OF[$o]}
	case $arg in *'|'*) ;; *) continue ;; esac
	case $arg in *[![:alnum:]\|-]*) continue ;; esac # [ADDR:]PORT and such
	n=$((n + 1))
	err=$("$GNV" "$o" no-such-word 2>&1 >/dev/null)
	rc=$?
	words=$(sed -n "s/.* takes \(.*\), not 'no-such-word'.*/\1/p" <<<"$err" |
		sed 's/, / /g; s/ or / /g')
	check "$o no-such-word: exit 2, listing the words" [ $rc -eq 2 -a -n "$words" ] ||
		echo "  $err"
	same "$o: gnvtrace takes the words --help names" "${arg//|/ }" "$words"
	same "'gnvtrace $o ' offers them" "$words" "$(complete_words gnvtrace "$o" "")"
	same "'gnvtrace $o=' offers them" "$words" "$(complete_words gnvtrace "$o" = "")"
	s=${SHORT_OF[$o]:-}
	[ -z "$s" ] || same "'gnvtrace $s ' offers them" "$words" \
		"$(complete_words gnvtrace "$s" "")"
done
check "word values for the $n options that take one" [ "$n" -ge 5 ]
check "'--xdp-mode ' offers auto native generic" \
	[ "$(complete_words gnvtrace --xdp-mode "" | sort | xargs)" = "auto generic native" ]
check "'--xdp-mode=na' offers native" \
	[ "$(complete_words gnvtrace --xdp-mode = na)" = "native" ]

# The filter.
check "a filter position offers icmp" offers icmp gnvtrace -i lo ""
check "'-r FILE ' offers icmp" offers icmp gnvtrace -r x.pcap ""
check "options before the filter are skipped" offers icmp gnvtrace -q -c 5 -o json -i lo ""
check "'icmp ' offers and" offers and gnvtrace -i lo icmp ""
check "'icmp and ' offers icmp" offers icmp gnvtrace -i lo icmp and ""
check "'icmp and not ' offers icmp" offers icmp gnvtrace -i lo icmp and not ""
check "'vni 5 ' offers and" offers and gnvtrace -i lo vni 5 ""
check "'icmp-type ' offers echo-request" offers echo-request gnvtrace -i lo icmp-type ""
check "'outer ' offers chassis" offers chassis gnvtrace -i lo outer ""
check "'outer src ' offers host" offers host gnvtrace -i lo outer src ""
check "'bogus ' offers nothing" [ -z "$(complete_words gnvtrace -i lo bogus "")" ]
[[ $nl$(complete_words gnvtrace -i lo "") != *"$nl-"* ]]
cond "an empty word at a filter position offers no option"

# Every word offered is one the compiler takes: alone on a command line it
# may lack its value, but it is never an unknown word. The filter is
# compiled before the capture is opened, so a missing file is fine here.
# (In parallel: each run links a dozen libraries.)
START=$(complete_words gnvtrace -r x "")
TYPES=$(complete_words gnvtrace -r x icmp-type "")
mkdir "$TMP/words" "$TMP/types"
for w in $START; do
	"$GNV" -r "$TMP/none.pcap" "$w" >"$TMP/words/$w" 2>&1 &
done
for t in $TYPES; do
	"$GNV" -r "$TMP/none.pcap" icmp-type "$t" >"$TMP/types/$t" 2>&1 &
done
"$GNV" -r "$TMP/none.pcap" bogus >"$TMP/bogus" 2>&1 &
wait
bad=
for w in $START; do
	[[ $(<"$TMP/words/$w") == *"unknown word"* ]] && bad+=" $w"
done
all_ok "the compiler takes every word that may start a primitive ($(wc -w <<<"$START"))" "$bad"
bad=
for t in $TYPES; do
	[[ $(<"$TMP/types/$t") == *"unknown type"* ]] && bad+=" $t"
done
all_ok "the compiler takes every icmp-type name offered ($(wc -w <<<"$TYPES"))" "$bad"
[[ $(<"$TMP/bogus") == *"unknown word 'bogus'"* ]]
cond "an unknown word is the compiler's error (the checks above can fail)"

# ... and every word the compiler takes is offered somewhere: the words
# it compares against (user/filter/filter_words.c), the protocols and the ICMP
# type names (user/lib/abi_names.c).
COMPILER=$(grep -o 'strcmp([^,()]*, "[a-z0-9-]*")' "$SRC/user/filter/filter_words.c" |
	sed 's/.*"\(.*\)")/\1/')
COMPILER+=" $(sed -n 's/.*case GNV_PROTO_[A-Z0-9_]*: return "\([a-z0-9-]*\)".*/\1/p' "$SRC/user/lib/abi_names.c")"
ICMP_NAMES=$(sed -n 's/^\t{ [0-9]*, "\([a-z-]*\)" },$/\1/p' "$SRC/user/lib/abi_names.c")
# shellcheck disable=SC2086 # word lists
NC=$(lines $COMPILER | wc -l)
# shellcheck disable=SC2086
NI=$(lines $ICMP_NAMES | wc -l)
check "found the compiler's words ($NC) and type names ($NI)" [ "$NC" -ge 20 -a "$NI" -ge 10 ]
OFFERED=$(
	complete_words gnvtrace -r x ""
	complete_words gnvtrace -r x icmp ""
	complete_words gnvtrace -r x outer ""
	complete_words gnvtrace -r x outer src ""
	complete_words gnvtrace -r x src ""
	complete_words gnvtrace -r x ip ""
	complete_words gnvtrace -r x tcp ""
	complete_words gnvtrace -r x ether ""
)
bad=
for w in $COMPILER; do
	has "$OFFERED" "$w" || bad+=" $w"
done
all_ok "the completion offers every word the compiler takes" "$bad"
same "'icmp-type ' offers exactly names.c's type names" "$ICMP_NAMES" "$TYPES"

finish
