// SPDX-License-Identifier: MIT
#include "pcap_lib.h"

struct gnv_pcap_fns gnv_pcap;

static const char *const pcap_names[] = { GNV_PCAP_FNS(GNV_DYNLIB_NAME) NULL };
static struct gnv_dynlib pcap_lib = {
	.soname = "libpcap.so.0.8", .package = "libpcap0.8",
	.names = pcap_names, .fns = (void **)&gnv_pcap,
};

int gnv_pcap_load(const char *need, char *err, size_t errlen)
{
	return gnv_dynlib_load(&pcap_lib, need, err, errlen);
}

const char *gnv_pcap_version(void)
{
	char err[256];

	return gnv_pcap_load("--version", err, sizeof(err)) ?
	       "libpcap not installed" : pcap_lib_version();
}
