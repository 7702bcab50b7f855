/* SPDX-License-Identifier: MIT */
/*
 * VMs' ports in a live run: which devices face a VM, the logical port
 * each is bound to, from the chassis' own Open vSwitch DB (Interface
 * external_ids:iface-id, what ovn-controller binds), kept current.
 */
#ifndef GNV_VM_PORTS_H
#define GNV_VM_PORTS_H

#include <net/if.h>
#include <linux/types.h>

struct gnv_ovn_names;
struct gnv_ovn_sb;

/* Where Open vSwitch keeps its DB's socket; read when it exists. */
#define GNV_OVS_DB_DEFAULT	"unix:/var/run/openvswitch/db.sock"

struct gnv_vm_ports {
	struct gnv_ovn_names *ovs;	/* the chassis' OVS DB, or NULL */
	struct gnv_ovn_sb *client;
	__u64 gen;	/* the names the kernel's bindings were made from */
};

/*
 * The OVS DB at remote (--ovs-db), or at GNV_OVS_DB_DEFAULT when remote
 * is NULL and it answers (nothing read otherwise: no OVS on this host, or
 * none running). 0, or -1 after one line on stderr.
 */
int gnv_vm_ports_open(struct gnv_vm_ports *v, const char *remote);

/*
 * An -i spec: "lport:NAME" (the device OVS binds to logical port NAME),
 * "vm:DEV" (DEV faces a VM, whatever OVS says) or "DEV" (a VM's port
 * when OVS binds it to a logical port, else a NIC or Geneve device). The
 * device's name into dev; *vm_port 1 for a VM's port. 0, or -1 after one
 * line on stderr.
 */
int gnv_vm_ports_resolve(const struct gnv_vm_ports *v, const char *spec,
			 char dev[IF_NAMESIZE], int *vm_port);

/* The logical port OVS binds dev to, or NULL. */
const char *gnv_vm_ports_lport(const struct gnv_vm_ports *v, const char *dev);

/* The chassis' system-id (its Chassis.name in OVN), or NULL. */
const char *gnv_vm_ports_system_id(const struct gnv_vm_ports *v);

/*
 * Takes what the OVS DB says without blocking. 1 when the bindings may
 * have changed since the last call that said so (the OVS DB's, or the
 * Southbound names', sb_names may be NULL), else 0.
 */
int gnv_vm_ports_refresh(struct gnv_vm_ports *v,
			 const struct gnv_ovn_names *sb_names);

void gnv_vm_ports_close(struct gnv_vm_ports *v);

#endif /* GNV_VM_PORTS_H */
