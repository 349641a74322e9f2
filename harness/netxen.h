/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `pvfront net --platform=xen` (harness/netxen.c): the real network
 * frontend core over platform/xen against the kernel's xen-netback in a Xen
 * dom0, the command playing the toolstack.  Linked into the pvfront program
 * only (it needs libpvfront-xen); cmd_net.c reaches it through a weak
 * reference, so programs that link libpvfnetback without the real-Xen
 * platform say "not built in" instead of failing to link.
 */
#ifndef PVF_HARNESS_NETXEN_H
#define PVF_HARNESS_NETXEN_H

struct pvf_net_xen_opts {
	unsigned long count;   /* frames each way, >= 1 */
	unsigned int handle;   /* vif handle: the interface is vif0.<handle> */
	int json, verbose;
};

/*
 * pvf_net_xen_run - connect to xen-netback as vif @o->handle (toolstack
 * nodes, script + hotplug-status written by us), bring vif0.<handle> up,
 * @o->count frames each way through an AF_PACKET socket on it, every
 * payload checked, clean close; summary line (or JSON with @o->json) on
 * stdout.  Returns the exit status: 0 all frames verified and nothing left
 * behind; 1 failure; 3 not in a Xen dom0 (no /dev/xen).
 */
int pvf_net_xen_run(const struct pvf_net_xen_opts *o);

#endif
