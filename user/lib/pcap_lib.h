/* SPDX-License-Identifier: MIT */
/*
 * libpcap, loaded when a run first needs it (lib/dynlib.h says why):
 * a pcapng capture or standard input (-r), -w, a byte expression, -d's
 * listing of one, --version. A classic pcap file, the live tracer and
 * the exporter run without it.
 *
 * Include this instead of <pcap/pcap.h>, and call gnv_pcap_load()
 * before the first pcap_* or bpf_* call: those names then stand for
 * the table's pointers, with libpcap's types.
 */
#ifndef GNV_PCAP_LIB_H
#define GNV_PCAP_LIB_H

#include <stddef.h>

/*
 * 0, or -ENOENT with a one-line message in err naming what needed it
 * (need: "-w") and the package to install.
 */
int gnv_pcap_load(const char *need, char *err, size_t errlen);

/* For --version: libpcap's, or a word that it is not installed. */
const char *gnv_pcap_version(void);

/*
 * <pcap/pcap.h> brings a struct bpf_insn that clashes with libbpf's
 * <linux/bpf.h>: a file with both (main.c) defines this and gets only
 * the two functions above.
 */
#ifndef GNV_PCAP_LIB_NO_HEADER
#include <pcap/pcap.h>

#include "dynlib.h"

#define GNV_PCAP_FNS(X)							\
	X(pcap_open_offline) X(pcap_open_dead) X(pcap_close)		\
	X(pcap_next_ex) X(pcap_datalink) X(pcap_datalink_val_to_name)	\
	X(pcap_geterr) X(pcap_compile) X(pcap_freecode)			\
	X(pcap_dump_open) X(pcap_dump) X(pcap_dump_flush)		\
	X(pcap_dump_close) X(pcap_lib_version) X(bpf_filter) X(bpf_image)

struct gnv_pcap_fns {
	GNV_PCAP_FNS(GNV_DYNLIB_PTR)
};
extern struct gnv_pcap_fns gnv_pcap;

#define pcap_open_offline		(*gnv_pcap.pcap_open_offline)
#define pcap_open_dead			(*gnv_pcap.pcap_open_dead)
#define pcap_close			(*gnv_pcap.pcap_close)
#define pcap_next_ex			(*gnv_pcap.pcap_next_ex)
#define pcap_datalink			(*gnv_pcap.pcap_datalink)
#define pcap_datalink_val_to_name	(*gnv_pcap.pcap_datalink_val_to_name)
#define pcap_geterr			(*gnv_pcap.pcap_geterr)
#define pcap_compile			(*gnv_pcap.pcap_compile)
#define pcap_freecode			(*gnv_pcap.pcap_freecode)
#define pcap_dump_open			(*gnv_pcap.pcap_dump_open)
#define pcap_dump			(*gnv_pcap.pcap_dump)
#define pcap_dump_flush			(*gnv_pcap.pcap_dump_flush)
#define pcap_dump_close			(*gnv_pcap.pcap_dump_close)
#define pcap_lib_version		(*gnv_pcap.pcap_lib_version)
#define bpf_filter			(*gnv_pcap.bpf_filter)
#define bpf_image			(*gnv_pcap.bpf_image)
#endif

#endif /* GNV_PCAP_LIB_H */
