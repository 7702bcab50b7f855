# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Bash completion for gnvtrace(8): installed as
# $(BASHCOMPDIR)/gnvtrace by `make install`.
#
# The option lists below are kept equal to what `gnvtrace --help` prints,
# the word values to main.c's tables and the filter words to the filter
# compiler's: tests/pkg/test_docs.sh fails when any of them drifts.
# Plain bash (compgen, complete): bash-completion's helpers are used by
# nothing here, so the function also works where they are not loaded.

# Options that take a value in the next word (or after '=').
_gnvtrace_opts_arg=(
	-i --interface -r --read -w --write -c --count -o --output
	--cleanup --direction --xdp-mode --tc-mode --snaplen --duration
	--hist --echo-timeout --interval --metrics --metrics-file
	--ovn-sb --ovn-ssl-key --ovn-ssl-cert --ovn-ssl-ca --ovn-names
	--ovn-ic-sb --ovn-ic-names --port
)
# Options without one (--vxlan takes its port only as --vxlan=PORT).
_gnvtrace_opts_flag=(
	-v --verbose -q --quiet -V --version '-?' --help --usage
	--kernel --vxlan --demo
)

# The filter: what may start a primitive, and what follows its words.
_gnvtrace_filter_prims=(
	icmp icmp6 tcp udp arp vni datapath inport outport port vlan
	icmp-type host net src dst outer
)
_gnvtrace_icmp_types=(
	echo-request echo-reply unreachable time-exceeded parameter-problem
	redirect packet-too-big router-solicit router-advert neighbor-solicit
	neighbor-advert
)

# Adds to COMPREPLY each word that starts with $cur (no glob, no expansion).
_gnvtrace_offer() {
	local w
	for w in "$@"; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

_gnvtrace_files() {
	local f
	compopt -o filenames 2>/dev/null
	while IFS= read -r f; do
		COMPREPLY+=("$f")
	done < <(compgen -f -- "$cur")
}

_gnvtrace_ifaces() {
	local d
	for d in /sys/class/net/*; do
		[ -e "$d" ] && _gnvtrace_offer "${d##*/}"
	done
}

# The value of option $1, being typed as $cur.
_gnvtrace_value() {
	case $1 in
	-i | --interface | --cleanup) _gnvtrace_ifaces ;;
	-r | --read | -w | --write)
		_gnvtrace_offer -
		_gnvtrace_files
		;;
	--metrics-file | --ovn-ssl-key | --ovn-ssl-cert | --ovn-ssl-ca | \
		--ovn-names | --ovn-ic-names)
		_gnvtrace_files
		;;
	--direction) _gnvtrace_offer in out both ;;
	--xdp-mode) _gnvtrace_offer auto native generic ;;
	--tc-mode) _gnvtrace_offer auto tcx clsact ;;
	--hist) _gnvtrace_offer size rtt all ;;
	-o | --output) _gnvtrace_offer text json ;;
	*) ;; # numbers, addresses, remotes: nothing to offer
	esac
}

# The filter words that may come next, after the filter words "$@".
_gnvtrace_filter() {
	local state=prim w
	for w in "$@"; do
		case $state:$w in
		prim:not) state=not ;;
		prim:icmp | prim:icmp6 | prim:tcp | prim:udp | prim:arp | \
			not:icmp | not:icmp6 | not:tcp | not:udp | not:arp)
			state=end
			;;
		prim:icmp-type | not:icmp-type) state=icmp-type ;;
		prim:outer | not:outer) state=outer ;;
		prim:src | prim:dst | not:src | not:dst) state=inner-dir ;;
		outer:src | outer:dst) state=outer-dir ;;
		prim:vni | prim:datapath | prim:inport | prim:outport | prim:port | \
			prim:vlan | prim:host | prim:net | \
			not:vni | not:datapath | not:inport | not:outport | not:port | \
			not:vlan | not:host | not:net | \
			outer:host | outer:net | outer:chassis | \
			outer-dir:host | outer-dir:net | outer-dir:chassis | \
			inner-dir:host | inner-dir:net)
			state=value
			;;
		value:* | icmp-type:*) state=end ;; # a number, address, name
		end:and) state=prim ;;
		*) return ;; # not a filter gnvtrace takes: offer nothing
		esac
	done
	case $state in
	prim) _gnvtrace_offer not "${_gnvtrace_filter_prims[@]}" ;;
	not) _gnvtrace_offer "${_gnvtrace_filter_prims[@]}" ;;
	icmp-type) _gnvtrace_offer "${_gnvtrace_icmp_types[@]}" ;;
	outer) _gnvtrace_offer src dst host net chassis ;;
	outer-dir) _gnvtrace_offer host net chassis ;;
	inner-dir) _gnvtrace_offer host net ;;
	end) _gnvtrace_offer and ;;
	esac
}

_gnvtrace() {
	local cur i w opt words=()
	COMPREPLY=()

	# bash splits "--opt=value" into "--opt" "=" "value" (COMP_WORDBREAKS):
	# join them back, so that words[] holds what gnvtrace's argv will.
	for ((i = 1; i <= COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ "$w" = = ] && [[ ${COMP_WORDS[i - 1]} == --* ]] && ((i > 1)); then
			words[${#words[@]} - 1]+="="
		elif [[ ${COMP_WORDS[i - 1]} == = ]] && ((i > 2)) &&
			[[ ${COMP_WORDS[i - 2]} == --* ]]; then
			words[${#words[@]} - 1]+=$w
		else
			words+=("$w")
		fi
	done
	cur=${words[${#words[@]} - 1]}
	unset 'words[${#words[@]}-1]'

	# --opt=value being typed: complete the value alone (bash replaces the
	# word after the '=').
	if [[ $cur == --*=* ]]; then
		opt=${cur%%=*}
		cur=${cur#*=}
		_gnvtrace_value "$opt"
		return 0
	fi

	# Walk the words before: options, their values, and the filter's words.
	local filter=() expect=
	for w in "${words[@]}"; do
		if [ -n "$expect" ]; then
			expect=
			continue
		fi
		case " ${_gnvtrace_opts_arg[*]} " in
		*" $w "*)
			expect=$w
			continue
			;;
		esac
		[[ $w == -* && $w != - ]] || filter+=("$w")
	done
	if [ -n "$expect" ]; then
		_gnvtrace_value "$expect"
		return 0
	fi

	if [[ $cur == -* ]]; then
		if [[ $cur == --* ]]; then
			local o
			for o in "${_gnvtrace_opts_arg[@]}" "${_gnvtrace_opts_flag[@]}"; do
				[[ $o == --* ]] && _gnvtrace_offer "$o"
			done
		else
			_gnvtrace_offer "${_gnvtrace_opts_arg[@]}" "${_gnvtrace_opts_flag[@]}"
		fi
		return 0
	fi
	# A word with blanks is a quoted filter: nothing sensible to add.
	[[ $cur == *[[:space:]]* ]] && return 0
	_gnvtrace_filter "${filter[@]}"
	return 0
}

complete -F _gnvtrace gnvtrace
