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
	--hist --mtu --echo-timeout --interval --metrics --metrics-file
	--metrics-labels --metrics-max-series
	--ovn-sb --ovn-ssl-key --ovn-ssl-cert --ovn-ssl-ca --ovn-names
	--ovn-ic-sb --ovn-ic-names --port --ovs-db
)
# Options without one (--vxlan and --journey take theirs only after '=').
_gnvtrace_opts_flag=(
	-v --verbose -q --quiet -d --dump-filter -V --version '-?' --help --usage
	--kernel --vxlan --demo --journey
)

# The filter: what may start a primitive, and what follows its words.
_gnvtrace_filter_prims=(
	icmp icmp6 tcp udp arp ip ip6 proto port portrange ether vlan
	broadcast multicast vni datapath inport outport lport icmp-type host
	net src dst outer bfd
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
	--hist) _gnvtrace_offer size rtt tcp all ;;
	-o | --output) _gnvtrace_offer text json ;;
	*) ;; # numbers, addresses, remotes: nothing to offer
	esac
}

# The filter words that may come next, after the filter words "$@":
# tcpdump's grammar (user/filter/filter_words.c), word by word.
_gnvtrace_filter() {
	local state=prim w
	for w in "$@"; do
		case $state:$w in
		prim:not | prim:! | prim:\( | not:not | not:! | not:\() state=prim ;;
		prim:icmp | prim:icmp6 | prim:arp | prim:broadcast | \
			prim:multicast | ip:multicast | ether:broadcast | \
			ether:multicast)
			state=end
			;;
		prim:tcp | prim:udp) state=l4 ;;
		l4:src | l4:dst) state=l4-dir ;;
		prim:ip | prim:ip6) state=ip ;;
		ip:proto | prim:proto) state=value ;;
		prim:icmp-type) state=icmp-type ;;
		prim:outer) state=outer ;;
		prim:src | prim:dst) state=inner-dir ;;
		outer:src | outer:dst) state=outer-dir ;;
		prim:ether) state=ether ;;
		ether:src | ether:dst) state=ether-dir ;;
		ether:host | ether-dir:host) state=value ;;
		prim:vlan) state=vlan ;;
		prim:vni | prim:datapath | prim:inport | prim:outport | prim:lport | \
			prim:port | prim:portrange | prim:host | prim:net | \
			l4:port | l4:portrange | l4-dir:port | l4-dir:portrange | \
			outer:host | outer:net | outer:chassis | outer:vlan | \
			outer-dir:host | outer-dir:net | outer-dir:chassis | \
			inner-dir:host | inner-dir:net | inner-dir:port | \
			inner-dir:portrange)
			state=value
			;;
		ether-dir:*) state=end ;; # a MAC
		value:* | icmp-type:* | vlan:[0-9]*) state=end ;;
		end:and | end:or | end:\&\& | end:\|\| | l4:and | l4:or | ip:and | \
			ip:or | vlan:and | vlan:or)
			state=prim
			;;
		end:\) | l4:\) | ip:\) | vlan:\)) state=end ;;
		*) return ;; # not a filter gnvtrace takes: offer nothing
		esac
	done
	case $state in
	prim) _gnvtrace_offer not "${_gnvtrace_filter_prims[@]}" ;;
	l4) _gnvtrace_offer and or port portrange src dst ;;
	l4-dir) _gnvtrace_offer port portrange ;;
	ip) _gnvtrace_offer and or proto multicast ;;
	vlan) _gnvtrace_offer and or ;;
	icmp-type) _gnvtrace_offer "${_gnvtrace_icmp_types[@]}" ;;
	outer) _gnvtrace_offer src dst host net chassis vlan ;;
	outer-dir) _gnvtrace_offer host net chassis ;;
	inner-dir) _gnvtrace_offer host net port portrange ;;
	ether) _gnvtrace_offer host src dst broadcast multicast ;;
	ether-dir) ;; # a MAC address
	end) _gnvtrace_offer and or ;;
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
