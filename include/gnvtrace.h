/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The ABI shared by the BPF programs and user space: the parsed packet,
 * the ring-buffer event, the filter configuration and the counters.
 *
 * Conventions, kept on both sides:
 *  - integer fields are in host byte order (the parser converts them);
 *  - addresses are byte arrays in network order, IPv4 in the first 4 bytes;
 *  - structs are laid out widest field first with explicit padding, and
 *    their sizes are pinned by _Static_assert so both compilers agree.
 * Fields are only ever appended; GNV_ABI_VERSION changes when they are.
 */
#ifndef GNVTRACE_H
#define GNVTRACE_H

#include <linux/types.h>

#define GNV_ABI_VERSION		5

#define GENEVE_UDP_PORT		6081
#define VXLAN_UDP_PORT		4789
#define VXLAN_HDR_LEN		8
#define VXLAN_FLAG_VNI		0x08	/* the I flag */
/*
 * OVN's VXLAN encoding (ovn-architecture(7), and seen on the wire): the
 * 24-bit VNI is the 12-bit egress port key above the 12-bit datapath key;
 * 12-bit egress keys of 2048 and up stand for multicast groups, 32768 up.
 */
#define OVN_VXLAN_KEY_BITS	12
#define OVN_VXLAN_MC_MIN	2048
#define OVN_MC_KEY_MIN		32768
#define GENEVE_VERSION		0
#define GENEVE_HDR_LEN		8
#define GENEVE_OPT_HDR_LEN	4
#define GENEVE_MAX_OPTS_LEN	252	/* opt_len is 6 bits of 4-byte words */

#define OVN_GENEVE_CLASS	0x0102
#define OVN_GENEVE_TYPE		0x80
#define OVN_GENEVE_LEN		4	/* option data bytes */

#define ETH_P_TEB		0x6558	/* transparent Ethernet bridging */

#define GNV_MAX_VLANS		2	/* 802.1ad outer tag + 802.1Q inner tag */
#define GNV_MAX_IPV6_EXT	4	/* IPv6 extension headers skipped */

/* Flags in gnv_pkt.flags */
#define GNV_F_OAM		(1 << 0)	/* Geneve O bit */
#define GNV_F_CRITICAL		(1 << 1)	/* Geneve C bit */
#define GNV_F_OVN		(1 << 2)	/* OVN option decoded */
#define GNV_F_INNER_ETH		(1 << 3)	/* inner Ethernet header present */
#define GNV_F_INNER_L4		(1 << 4)	/* inner ports/ICMP fields valid */
#define GNV_F_INNER_FRAG	(1 << 5)	/* inner non-first IP fragment */
#define GNV_F_DECAP		(1 << 6)	/* seen on a Geneve device: the
						 * outer headers come from the
						 * tunnel metadata, and the UDP
						 * ports are unknown */
#define GNV_F_VXLAN		(1 << 7)	/* OVN's VXLAN encoding: vni is
						 * the datapath key, with
						 * GNV_F_OVN ovn_outport only */

/* Where parsing starts: the capture's link layer. */
enum gnv_link {
	GNV_LINK_ETH = 0,
	GNV_LINK_IPV4,		/* raw IP, no link header */
	GNV_LINK_IPV6,
	GNV_LINK_SLL,		/* Linux cooked capture v1 */
	GNV_LINK_SLL2,		/* Linux cooked capture v2 */
};

/* What the parser concluded about one frame. */
enum gnv_verdict {
	GNV_NOT_GENEVE = 0,	/* well-formed, but not Geneve to our port */
	GNV_GENEVE,		/* Geneve, fully parsed: an event candidate */
	GNV_MALFORMED,		/* counted per reason, never an event */
	/*
	 * An ICMP "fragmentation needed" or ICMPv6 "packet too big" on the
	 * underlay about a tunnel's datagram (gnv_parse_underlay_icmp()):
	 * what the hypervisor's own path MTU discovery learns.
	 */
	GNV_UNDERLAY_TOO_BIG,
};

/*
 * Why a frame was malformed: the first layer that did not hold together.
 * Names for these live in user/names.c; keep the two in step.
 */
enum gnv_malformed {
	GNV_BAD_NONE = 0,
	GNV_BAD_TRUNC_ETH,
	GNV_BAD_TRUNC_VLAN,
	GNV_BAD_TRUNC_IPV4,
	GNV_BAD_IPV4_IHL,
	GNV_BAD_IP_VERSION,		/* version nibble disagrees with type */
	GNV_BAD_TRUNC_IPV6,
	GNV_BAD_IPV6_EXT,
	GNV_BAD_TRUNC_UDP,
	GNV_BAD_TRUNC_GENEVE,
	GNV_BAD_GENEVE_VERSION,
	GNV_BAD_OPTS_OVERRUN,		/* opt_len runs past the packet */
	GNV_BAD_OPT_LEN_OVERRUN,	/* an option runs past opt_len */
	GNV_BAD_OVN_OPT_LEN,		/* OVN class/type with a length != 4 */
	GNV_BAD_TRUNC_INNER_ETH,
	GNV_BAD_TRUNC_INNER_VLAN,
	GNV_BAD_TRUNC_INNER_IP,
	GNV_BAD_INNER_IPV4_IHL,
	GNV_BAD_TRUNC_INNER_L4,
	GNV_BAD_TRUNC_VXLAN,
	GNV_BAD_VXLAN_FLAGS,		/* the I flag (VNI valid) not set */
	GNV_BAD_MAX,
};

/* Per-CPU counters, indexed by these; malformed reasons follow them. */
enum gnv_stat {
	GNV_STAT_PACKETS = 0,	/* frames the program saw */
	GNV_STAT_GENEVE,	/* well-formed Geneve frames */
	GNV_STAT_MATCHED,	/* Geneve frames the filter accepted */
	GNV_STAT_LOST,		/* matched, but the ring buffer was full */
	GNV_STAT_PORT_KEYS,	/* port keys given a slot (gnv_port_slot) */
	GNV_STAT_ECHO_DISPLACED,	/* echo requests lost to another's slot */
	GNV_STAT_TCP_EVICTED,	/* TCP flows whose slot another took */
	GNV_STAT_UNDERLAY_TOO_BIG,	/* underlay "too big"s for a tunnel */
	GNV_STAT_PORT_EVICTED,	/* port keys whose slot a new key took */
	GNV_STAT_MALFORMED,	/* first of GNV_BAD_MAX reason slots */
	GNV_STAT_MAX = GNV_STAT_MALFORMED + GNV_BAD_MAX,
};

/*
 * The counters, indexed by enum gnv_stat: a CPU's in the kernel's map
 * (one entry, per CPU), a run's summed over CPUs in user space.
 */
struct gnv_counts {
	__u64 v[GNV_STAT_MAX];
};

/*
 * One parsed frame: outer headers, Geneve, inner headers. The outer part
 * comes first: the parser fills it for every frame, and clears the rest
 * only once the frame turns out to be Geneve, so that the common case (not
 * Geneve) costs no 128-byte clear.
 */
struct gnv_pkt {
	/* Outer headers */
	__u8 outer_src[16];
	__u8 outer_dst[16];
	__u16 outer_sport;
	__u16 outer_dport;
	__u16 vlan[GNV_MAX_VLANS];	/* VLAN IDs, outermost first */
	__u8 outer_family;	/* 4 or 6 */
	__u8 n_vlans;
	__u8 malformed;		/* enum gnv_malformed */
	/*
	 * 1: an underlay "too big" (GNV_UNDERLAY_TOO_BIG). outer_* are the
	 * ICMP message's own header (a router to this chassis); the inner
	 * fields are the datagram it quotes, the tunnel's (inner_src/dst the
	 * tunnel's endpoints, sport/dport its UDP ports); icmp_type/code and
	 * the MTU (gnv_too_big_mtu()) the message's.
	 */
	__u8 underlay;
	/* Geneve (cleared once the frame is Geneve, from here on) */
	__u32 vni;
	__u16 geneve_proto;	/* Geneve protocol type */
	__u16 opts_off;		/* offset of the option area in the frame */
	__u16 ovn_inport;	/* OVN logical ingress port key (15 bits) */
	__u16 ovn_outport;	/* OVN logical egress port key */
	__u8 geneve_ver;
	__u8 opts_len;		/* option area length in bytes */
	__u8 n_opts;		/* options in the option area */
	__u8 flags;		/* GNV_F_* */
	/* Inner headers */
	__u8 inner_src[16];	/* IP source, or ARP sender IP */
	__u8 inner_dst[16];	/* IP destination, or ARP target IP */
	__u16 inner_ethertype;	/* inner L3 ethertype (from Geneve or eth) */
	__u16 inner_vlan;	/* inner 802.1Q VID, 0 when untagged */
	__u16 sport;		/* inner TCP/UDP ports */
	__u16 dport;
	union {
		/*
		 * ICMP/ICMPv6's bytes 4-7: an echo's identifier and sequence,
		 * or the MTU a "too big" announces (gnv_too_big_mtu()).
		 */
		struct {
			__u16 icmp_id;
			__u16 icmp_seq;
		};
		struct {
			__u16 tcp_mss;	/* a SYN's MSS option, 0 without */
			__u16 tcp_data_len;	/* bytes after the header */
		};
	};
	__u16 arp_op;
	__u16 inner_l4_len;	/* inner IP payload length (from its header) */
	__u8 inner_eth_src[6];
	__u8 inner_eth_dst[6];
	__u8 inner_family;	/* family of inner_src/dst: 4, 6 or 0 */
	__u8 inner_proto;	/* IP protocol number */
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 tcp_flags;
	__u8 outer_ttl;		/* outer IPv4 TTL / IPv6 hop limit */
	__u8 outer_tos;		/* outer IPv4 TOS / IPv6 traffic class */
	/*
	 * 1: seen on a VM's port (a tap, a veth, an OVS internal port),
	 * whose frames are the inner ones: no outer headers, no tunnel; the
	 * VNI and port key come from the port's OVN binding (struct
	 * gnv_vm_port) when user space knows it.
	 */
	__u8 vm_port;
	/*
	 * The inner packet's identity, the same at every point it crosses
	 * (include/parse.h, gnv_pkt_ident()); 0 for what has no IP or ARP.
	 */
	__u32 pkt_id;
	__u32 tcp_seq;		/* TCP's sequence number */
};
_Static_assert(sizeof(struct gnv_pkt) == 136, "gnv_pkt layout");

/*
 * A VM's port (by ifindex), as OVN binds it: its datapath's key (the VNI
 * its traffic carries) and its own key (both 0 when unknown), so that a
 * frame seen there has the VNI and the OVN port a tunnel would give it
 * ("inport NAME" for what the VM sends, "outport NAME" for what it
 * receives). reversed: an OVS internal port, whose "VM" is the host's own
 * stack: what it sends leaves through the device's egress (TC), what it
 * receives comes in through its ingress (XDP), the other way round from a
 * tap's or a veth's.
 */
struct gnv_vm_port {
	__u32 dp_key;
	__u16 port_key;
	__u8 reversed;
	__u8 pad;
};
_Static_assert(sizeof(struct gnv_vm_port) == 8, "gnv_vm_port layout");

/*
 * A NIC's MTU, for the kernel to judge frames and SYNs against (--hist
 * size); as many as a run traces interfaces. ifindex 0: a free entry.
 */
#define GNV_MAX_MTUS	8
struct gnv_if_mtu {
	__u32 ifindex;
	__u32 mtu;
};

#define GNV_DIR_IN	0
#define GNV_DIR_OUT	1

/*
 * Frame bytes a live event can carry for -w: a jumbo frame (MTU 9000)
 * whole, from all its XDP buffers. A power of two (see BOUNDED_LEN).
 */
#define GNV_SNAP_MAX	16384
/*
 * Frame bytes an event of a BFD control packet (inner UDP to port 3784)
 * carries whatever -w asks: user space decodes BFD from them. Its frame
 * is ~120 bytes; this covers outer IPv6, tags and options.
 */
#define GNV_BFD_SNAP	256
#define GNV_BFD_UDP_PORT	3784

/*
 * What the kernel pushes into the ring buffer for each matching frame,
 * followed by snap_len bytes of the frame itself when -w asked for them.
 */
struct gnv_event {
	__u64 ts_ns;		/* CLOCK_MONOTONIC (live) or capture time */
	__u32 ifindex;
	__u32 pkt_len;		/* frame length on the wire, meta VLAN tag too */
	__u8 dir;		/* GNV_DIR_* */
	__u8 abi_version;
	__u16 snap_len;		/* frame bytes after the event */
	/*
	 * The outermost VLAN tag when it is in none of the frame's bytes:
	 * stripped by the NIC on receive and handed over as metadata, or
	 * left in the skb for the NIC to insert on send. Its TPID (network
	 * order) and TCI; 0 when the bytes hold every tag.
	 */
	__be16 meta_vlan_proto;
	__u16 meta_vlan_tci;
	struct gnv_pkt pkt;
	__u8 opts[GENEVE_MAX_OPTS_LEN];	/* the raw option area, opts_len bytes */
	__u8 pad[4];			/* to a multiple of 8 */
};
_Static_assert(sizeof(struct gnv_event) == 24 + 136 + GENEVE_MAX_OPTS_LEN + 4,
	       "gnv_event layout");

/*
 * Per-port traffic: packets, bytes and a log2 histogram of frame sizes,
 * per direction, VNI and OVN port. The port is the one on this side of
 * the tunnel: the ingress port of what leaves (the sending VM's), the
 * egress port of what arrives (the receiving VM's). Without OVN's option
 * the key has no port (has_port 0). Offline, everything counts as "in".
 * The tunnel's outer addresses are key too, so that each series names
 * the chassis pair it ran between (OVN's Encap.ip -> Chassis): a port
 * talking to VMs on three other chassis has three keys per direction.
 *
 * ICMP and ICMPv6 echo round trips go to the port of the request's key:
 * a request that left from here, answered from the far side, measures the
 * network (out -> in); a request that came in, answered by a VM here,
 * measures how long that VM took (in -> out).
 */
#define GNV_HIST_SLOTS		17	/* [2^k, 2^(k+1)) bytes, k = 0..16 */
#define GNV_RTT_SLOTS		27	/* [2^k, 2^(k+1)) us, k = 0..26 (67 s) */
#define GNV_MAX_PORT_KEYS	16384
#define GNV_ECHO_SLOTS		65536	/* echo requests awaiting a reply */

struct gnv_port_key {
	__u32 vni;
	__u16 port;
	__u8 dir;		/* GNV_DIR_* */
	__u8 has_port;
	/* The tunnel's endpoints, as in struct gnv_pkt: the chassis pair. */
	__u8 outer_src[16];
	__u8 outer_dst[16];
	__u8 outer_family;	/* 4 or 6; 0 when unknown */
	__u8 pad[3];
};
_Static_assert(sizeof(struct gnv_port_key) == 44, "gnv_port_key layout");

struct gnv_port_stats {
	__u64 packets;
	__u64 bytes;
	__u64 size_slots[GNV_HIST_SLOTS];
	__u64 rtt_count;	/* echo replies matched to this port's requests */
	__u64 rtt_sum_ns;
	__u64 rtt_slots[GNV_RTT_SLOTS];
	/* TCP handshakes: SYN-ACKs matched to this port's SYNs (--hist rtt) */
	__u64 syn_count;
	__u64 syn_sum_ns;
	__u64 syn_slots[GNV_RTT_SLOTS];
	/* TCP segments with data, and those resent (--hist tcp) */
	__u64 tcp_data_segs;
	__u64 tcp_retrans;
	/*
	 * MTU trouble (--hist size; port_stats.h gnv_port_mtu_add()). Per
	 * CPU in the kernel: user space takes the largest max_len and the
	 * smallest too_big_mtu, and sums the rest.
	 */
	__u64 max_len;		/* the largest frame, as packets counts it */
	__u64 over_mtu;		/* frames leaving larger than the device's MTU */
	__u64 too_big;		/* ICMP "fragmentation needed", ICMPv6
				 * "packet too big" in the tunnel */
	__u64 too_big_mtu;	/* the smallest MTU they announced; 0 none */
	__u64 mss_over;		/* TCP SYNs whose MSS plus the tunnel's
				 * overhead would not fit the device's MTU */
	__u64 mss_overhead;	/* that overhead, as a SYN last gave it */
};
_Static_assert(sizeof(struct gnv_port_stats) ==
	       8 * (14 + GNV_HIST_SLOTS + 2 * GNV_RTT_SLOTS),
	       "gnv_port_stats layout");

/*
 * The kernel's per-port table (--hist): a per-CPU array of up to
 * GNV_MAX_PORT_KEYS slots, each a key and its statistics on that CPU (an
 * empty slot has outer_family 0: a tunnel's key never does). Fewer on a
 * node with many CPUs (gnv_port_slots()): in all, the slots of every CPU
 * take GNV_PORT_TABLE_BYTES at most, but never fewer than
 * GNV_MIN_PORT_SLOTS a CPU. A key is in one of the GNV_PORT_PROBES slots
 * from gnv_port_slot_of(), found by its hash (gnv_port_hash()); a key new to
 * eight full slots takes that of the one with fewest packets, whose counts
 * on that CPU are gone: counted, GNV_STAT_PORT_EVICTED. An LRU hash map
 * did this at ~27 ns a packet (hashing 44 bytes, its list), the most of
 * what --hist cost.
 */
#define GNV_PORT_PROBES		8
#define GNV_PORT_TABLE_BYTES	(64u << 20)
#define GNV_MIN_PORT_SLOTS	256
struct gnv_port_slot {
	struct gnv_port_key key;
	__u32 pad;
	__u64 hash;		/* gnv_port_hash(&key) */
	struct gnv_port_stats stats;
};
_Static_assert(sizeof(struct gnv_port_slot) ==
	       56 + sizeof(struct gnv_port_stats), "gnv_port_slot layout");

/* The per-port table's slots a CPU on a node of n_cpus: a power of two. */
static inline __u32 gnv_port_slots(int n_cpus)
{
	__u32 slots = GNV_MAX_PORT_KEYS;

	while (slots > GNV_MIN_PORT_SLOTS &&
	       (__u64)slots * sizeof(struct gnv_port_slot) * n_cpus >
	       GNV_PORT_TABLE_BYTES)
		slots /= 2;
	return slots;
}

/*
 * A request awaiting its reply (--hist rtt): an ICMP or ICMPv6 echo
 * request, or a TCP SYN awaiting its SYN-ACK. Not keyed by VNI: across a
 * logical router the reply comes back on another datapath's VNI.
 */
struct gnv_echo_key {
	__u8 src[16];		/* the requester */
	__u8 dst[16];
	__u16 id;		/* echo: identifier; TCP: requester's port */
	__u16 seq;		/* echo: sequence; TCP: the other's port */
	__u8 family;		/* 4 or 6 */
	__u8 proto;		/* GNV_IPPROTO_ICMP/ICMPV6, or _TCP */
	__u8 pad[2];
} __attribute__((aligned(8)));	/* compared as 8-byte words; and clang
				 * copies into a 2-byte aligned key in
				 * single bytes for BPF */
_Static_assert(sizeof(struct gnv_echo_key) == 40, "gnv_echo_key layout");

/*
 * The requests live in a direct-mapped table of GNV_ECHO_SLOTS slots
 * (slot gnv_echo_slot_of(key)): remembering one is a few stores, where a
 * hash map insert cost ~90 ns. A request whose slot another takes before
 * its reply is lost (counted: GNV_STAT_ECHO_DISPLACED).
 */
struct gnv_echo_slot {
	struct gnv_echo_key key;
	__u64 ts_ns;		/* when the request was seen; 0: free */
	struct gnv_port_key port;	/* whose round trip it is */
};
_Static_assert(sizeof(struct gnv_echo_slot) == 96, "gnv_echo_slot layout");

/*
 * TCP flows followed for retransmissions (--hist tcp), each direction on
 * its own: the end of the data seen so far, and the latest gap below it
 * (bytes not seen yet: lost before this point, or behind), in a table of
 * GNV_TCP_SETS sets of two slots. A flow is its 64-bit hash
 * (gnv_tcp_flow_of(): the sender's address and port, the receiver's),
 * which picks its set and is all a slot keeps of it: two flows share a
 * slot only by a 64-bit collision, where building and comparing 40-byte
 * keys cost every segment ~40 instructions. A flow new to its set takes
 * a free slot, or else the one seen longer ago, which it evicts, counted
 * (GNV_STAT_TCP_EVICTED), when that was seen within GNV_TCP_IDLE_NS.
 */
#define GNV_TCP_SETS		32768
#define GNV_TCP_IDLE_NS		(60ULL * 1000000000ULL)

struct gnv_tcp_slot {
	__u64 ts_ns;		/* last seen; 0: free */
	__u64 flow;		/* gnv_tcp_flow_of() */
	__u32 next_seq;		/* the end of the data seen */
	__u32 gap_start;	/* [gap_start, gap_end): not seen; */
	__u32 gap_end;		/* empty when equal */
	__u32 pad;
};
_Static_assert(sizeof(struct gnv_tcp_slot) == 32, "gnv_tcp_slot layout");

/* A set: one cache line. */
struct gnv_tcp_set {
	struct gnv_tcp_slot slot[2];
};
_Static_assert(sizeof(struct gnv_tcp_set) == 64, "gnv_tcp_set layout");

/* --hist: what is counted per port, a mask. */
#define GNV_HIST_SIZE	1
#define GNV_HIST_RTT	2
#define GNV_HIST_TCP	4

/*
 * The filter: a program of terms, each a test on the parsed packet with
 * where to go next when it holds (jt) and when it does not (jf): another
 * term further on, or the verdict. Jumps go forward only, as in classic
 * BPF, so a filter takes at most one pass over its terms.
 */
enum gnv_term_kind {
	GNV_T_PROTO = 1,	/* val: GNV_PROTO_* */
	GNV_T_VNI,		/* val: VNI */
	GNV_T_INPORT,		/* val: OVN ingress port key */
	GNV_T_OUTPORT,		/* val: OVN egress port key */
	GNV_T_LPORT,		/* val: either OVN port key */
	GNV_T_HOST,		/* inner src or dst in addr/mask */
	GNV_T_SRC_HOST,
	GNV_T_DST_HOST,
	GNV_T_OUTER_HOST,	/* outer src or dst in addr/mask */
	GNV_T_VLAN,		/* val: any outer VLAN ID */
	GNV_T_ICMP_TYPE,	/* val: see GNV_ICMP*_VALID */
	GNV_T_NOTHING,		/* an OVN name not known (yet) */
	GNV_T_OUTER_SRC_HOST,	/* outer src in addr/mask */
	GNV_T_OUTER_DST_HOST,
	GNV_T_L4_PORT,		/* inner TCP/UDP port in [val & 0xffff,
				 * val >> 16], on the side(s) of side;
				 * proto: 6 or 17 only, or 0 either */
	GNV_T_INNER_VLAN,	/* val: the inner frame's VLAN ID; side 0:
				 * any tag */
	GNV_T_FAMILY,		/* val: the inner IP version, 4 or 6 */
	GNV_T_IP_PROTO,		/* val: the inner IP protocol number; proto
				 * the version asked, 4, 6 or 0 either */
	GNV_T_ETHER,		/* the inner MAC, its bits in mask equal to
				 * addr, on side(s) side */
	GNV_T_BYTES,		/* val: the index of a classic BPF program
				 * (libpcap's, of a byte expression such as
				 * "tcp[13] & 2 != 0") in the filter's bytes[],
				 * run on the untagged inner frame */
};

/* Which end an address or port term looks at, a mask. */
#define GNV_SIDE_SRC		1
#define GNV_SIDE_DST		2

/* jt and jf past the last term: the verdict. */
#define GNV_JUMP_NOMATCH	254
#define GNV_JUMP_MATCH		255

/*
 * An ICMP type term holds one type for ICMP (bits 0-7) and one for ICMPv6
 * (bits 16-23), since "echo-request" is 8 in one and 128 in the other.
 */
#define GNV_ICMP4_VALID		(1u << 8)
#define GNV_ICMP6_VALID		(1u << 24)

enum gnv_proto {
	GNV_PROTO_ICMP = 1,
	GNV_PROTO_ICMP6,
	GNV_PROTO_TCP,
	GNV_PROTO_UDP,
	GNV_PROTO_ARP,
};

#define GNV_MAX_TERMS	32

struct gnv_term {
	__u8 addr[16];		/* already masked */
	__u8 mask[16];
	__u32 val;
	__u32 vni;		/* port terms with has_vni: in this datapath */
	__u8 kind;		/* enum gnv_term_kind */
	__u8 family;		/* 4 or 6, for address terms */
	__u8 has_vni;		/* a port named: its key is the datapath's */
	__u8 side;		/* GNV_SIDE_*, for ports and MACs */
	__u8 proto;		/* GNV_T_L4_PORT, GNV_T_IP_PROTO: see there */
	__u8 jt;		/* next term when it holds, or GNV_JUMP_* */
	__u8 jf;		/* next term when it does not */
	__u8 pad;
};
_Static_assert(sizeof(struct gnv_term) == 48, "gnv_term layout");

/*
 * A byte expression of tcpdump's ("tcp[tcpflags] & tcp-syn != 0",
 * "greater 100"), as libpcap compiles it for an Ethernet frame: classic
 * BPF (struct bpf_insn's layout), forward jumps only. The kernel runs it
 * compiled into the program (user/filter/filter_bpf.c), the host with
 * libpcap's bpf_filter().
 */
#define GNV_MAX_BYTES		4	/* byte expressions in a filter */
#define GNV_BYTES_MAX_INSNS	64

struct gnv_cbpf_insn {
	__u16 code;
	__u8 jt;
	__u8 jf;
	__u32 k;
};

struct gnv_bytes {
	__u16 n_insns;
	__u8 pad[6];
	struct gnv_cbpf_insn insns[GNV_BYTES_MAX_INSNS];
};

/*
 * What a parse writes into *p (include/parse.h), the last argument of each
 * stage (a constant at every call): GNV_FIELDS_ALL every field, as events
 * show them; GNV_FIELDS_FILTER only what a filter gnv_filter_early() takes
 * reads (the VNI, OVN's keys, the inner packet's MACs, addresses, protocol,
 * ports and ICMP type), so that a frame such a filter rejects costs no more
 * than that; GNV_FIELDS_PROTO less again, for a filter of protocols and VNIs
 * alone ("icmp", "tcp and vni 5": the VNI, the inner ethertype, VLAN, family
 * and protocol; no OVN keys, MACs, addresses, ports: ~0.6 ns less a rejected
 * frame here). The verdict, and the reason of a malformed frame, are the
 * same at every level: the same headers are read and checked.
 */
#define GNV_FIELDS_PROTO	1
#define GNV_FIELDS_FILTER	2
#define GNV_FIELDS_ALL		3

struct gnv_filter {
	__u16 geneve_port;	/* outer UDP destination port */
	__u16 vxlan_port;	/* OVN's VXLAN encoding too (--vxlan), or 0 */
	__u8 n_terms;
	__u8 n_bytes;
	/*
	 * Not 0: every term reads only what a parse of these fields
	 * (GNV_FIELDS_PROTO or GNV_FIELDS_FILTER, include/parse.h) fills: a
	 * frame is parsed that far, and no further if the filter rejects
	 * it. Set by the compiler (gnv_filter_early()).
	 */
	__u8 early;
	__u8 pad;
	struct gnv_term terms[GNV_MAX_TERMS];
	struct gnv_bytes bytes[GNV_MAX_BYTES];
};
_Static_assert(sizeof(struct gnv_filter) == 8 + GNV_MAX_TERMS * 48 +
	       GNV_MAX_BYTES * (8 + GNV_BYTES_MAX_INSNS * 8),
	       "gnv_filter layout");

/*
 * A filter's verdicts by inner protocol and VNI, for a filter whose terms
 * read nothing else ("icmp", "ip6 and not tcp", "vni 5 and (arp or udp)":
 * see gnv_filter_table()), 1 where it takes the packet: the kernel then
 * looks the verdict up here (gnv_table_verdict()) for OVN's usual frame,
 * which it does not parse at all (gnv_look_inner()), where it would call
 * the filter. Set once, by the loader, from the filter itself.
 */
#define GNV_TABLE_VNIS	4	/* VNIs a filter may name and be tabled */

struct gnv_verdicts {
	__u8 ipv4[256];		/* by IP protocol */
	__u8 ipv6[256];
	__u8 arp;
	__u8 other;		/* any other inner ethertype */
	__u8 pad[2];
};

/* Where a packet's verdict is, as an index into the struct's bytes. */
#define GNV_VERDICT_IPV6	256	/* + the IPv6 protocol */
#define GNV_VERDICT_ARP		512
#define GNV_VERDICT_OTHER	513
_Static_assert(__builtin_offsetof(struct gnv_verdicts, ipv6) ==
	       GNV_VERDICT_IPV6 &&
	       __builtin_offsetof(struct gnv_verdicts, arp) ==
	       GNV_VERDICT_ARP &&
	       __builtin_offsetof(struct gnv_verdicts, other) ==
	       GNV_VERDICT_OTHER, "gnv_verdicts layout");

/* How the kernel takes a compiled filter's table (targ_filter_tabled). */
#define GNV_TABLED_NO		0	/* no table: the filter runs */
#define GNV_TABLED_BY_PROTO	1	/* by protocol (n_vnis 0) */
#define GNV_TABLED_BY_PROTO_VNI	2	/* by protocol and VNI */

struct gnv_verdict_table {
	/*
	 * For each of vni[] in turn, then [n_vnis] for any other VNI; first,
	 * so that a filter naming none finds its table at offset 0.
	 */
	struct gnv_verdicts by_vni[GNV_TABLE_VNIS + 1];
	__u32 n_vnis;
	__u32 vni[GNV_TABLE_VNIS];	/* those the filter names */
};

#endif /* GNVTRACE_H */
