// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "ovn/ovn_names.h"
#include "ovsdb/ovsdb_sb.h"
#include "vm_ports.h"

/* How long the OVS DB's first contents may take to arrive. */
#define OVS_OPEN_TIMEOUT_MS	5000

int gnv_vm_ports_open(struct gnv_vm_ports *v, const char *remote)
{
	const char *at = remote ? remote : GNV_OVS_DB_DEFAULT;
	char err[512];

	memset(v, 0, sizeof(*v));
	if (!remote && access(GNV_OVS_DB_DEFAULT + strlen("unix:"), F_OK))
		return 0;
	v->ovs = gnv_ovn_names_new_ovs();
	if (!v->ovs) {
		pr_warn("out of memory\n");
		return -1;
	}
	v->client = gnv_ovn_sb_open(at, v->ovs, OVS_OPEN_TIMEOUT_MS, err,
				    sizeof(err));
	if (v->client)
		return 0;
	if (remote) {
		pr_warn("%s (--ovs-db names the chassis' Open vSwitch DB)\n",
			err);
		return -1;
	}
	/* The default is read when it answers: a stale socket is no error. */
	pr_debug("%s: going on without it\n", err);
	gnv_ovn_names_free(v->ovs);
	v->ovs = NULL;
	return 0;
}

int gnv_vm_ports_resolve(const struct gnv_vm_ports *v, const char *spec,
			 char dev[IF_NAMESIZE], int *vm_port)
{
	const char *name = spec;
	int r;

	*vm_port = 0;
	if (!strncmp(spec, "lport:", 6)) {
		if (!v->ovs) {
			pr_warn("-i %s: no Open vSwitch DB to find the port's "
				"device in: give --ovs-db REMOTE\n", spec);
			return -1;
		}
		r = gnv_ovs_find_lport(v->ovs, spec + 6, &name);
		if (r) {
			pr_warn("-i %s: %s\n", spec, r == -EEXIST ?
				"several interfaces of this chassis claim it "
				"(external_ids:iface-id)" :
				"no interface of this chassis is bound to it "
				"(ovs-vsctl find Interface "
				"external_ids:iface-id=NAME finds none)");
			return -1;
		}
		*vm_port = 1;
	} else if (!strncmp(spec, "vm:", 3)) {
		name = spec + 3;
		*vm_port = 1;
	} else {
		*vm_port = gnv_ovs_iface_lport(v->ovs, spec) != NULL;
	}
	if (!*name || strlen(name) >= IF_NAMESIZE) {
		pr_warn("-i %s: '%s' is no interface name\n", spec, name);
		return -1;
	}
	snprintf(dev, IF_NAMESIZE, "%s", name);
	return 0;
}

const char *gnv_vm_ports_lport(const struct gnv_vm_ports *v, const char *dev)
{
	return gnv_ovs_iface_lport(v->ovs, dev);
}

const char *gnv_vm_ports_system_id(const struct gnv_vm_ports *v)
{
	return gnv_ovs_system_id(v->ovs);
}

int gnv_vm_ports_refresh(struct gnv_vm_ports *v,
			 const struct gnv_ovn_names *sb_names)
{
	__u64 gen = 0;

	if (v->client)
		gnv_ovn_sb_poll(v->client);
	if (v->ovs)
		gen += gnv_ovn_names_generation(v->ovs);
	for (const struct gnv_ovn_names *z = sb_names; z;
	     z = gnv_ovn_next_zone(z))
		gen += gnv_ovn_names_generation(z);
	if (gen == v->gen)
		return 0;
	v->gen = gen;
	return 1;
}

void gnv_vm_ports_close(struct gnv_vm_ports *v)
{
	gnv_ovn_sb_close(v->client);
	gnv_ovn_names_free(v->ovs);
	memset(v, 0, sizeof(*v));
}
