/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Wire-structure size checks.  Every structure pvfront puts on a ring, in a
 * grant table or on the xenstore wire is checked here against the size the
 * other end expects, for the ABI being compiled.  This file is built into
 * both guest libraries (x86_64 and i386) and the userspace library, so the
 * 32- and 64-bit layouts are both checked on every build.  It holds no code.
 */
#include "internal.h"
#include <pvfront/xen.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include <xen/io/xs_wire.h>
#include <xen/arch-x86/hvm/start_info.h>

/* ABI-independent layouts. */
_Static_assert(sizeof(grant_entry_v1_t) == 8, "grant table v1 entry");
_Static_assert(sizeof(struct xsd_sockmsg) == 16, "xenstore wire header");
_Static_assert(XENSTORE_PAYLOAD_MAX == 4096, "xenstore payload bound");
_Static_assert(sizeof(struct blkif_request_segment) == 8, "blkif segment");
_Static_assert(sizeof(netif_tx_request_t) == 12, "netif TX request");
_Static_assert(sizeof(netif_tx_response_t) == 4, "netif TX response");
_Static_assert(sizeof(netif_rx_request_t) == 8, "netif RX request");
_Static_assert(sizeof(netif_rx_response_t) == 8, "netif RX response");
_Static_assert(sizeof(struct netif_extra_info) == 8, "netif extra info slot");
_Static_assert(sizeof(struct xen_netif_ctrl_request) == 16, "netif ctrl request");
_Static_assert(sizeof(struct xen_netif_ctrl_response) == 12, "netif ctrl response");
_Static_assert(sizeof(struct hvm_start_info) == 56, "PVH start info");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "PVH module entry");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "PVH memory map entry");
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info");
_Static_assert(sizeof(struct xenstore_domain_interface) == 2076, "xenstore ring page header");

/* ABI-dependent layouts: why the `protocol` key exists. */
#if defined(__x86_64__)
_Static_assert(sizeof(blkif_request_t) == 112, "blkif request, x86_64-abi");
_Static_assert(sizeof(blkif_response_t) == 16, "blkif response, x86_64-abi");
_Static_assert(sizeof(struct blkif_request_discard) == 32, "blkif discard, x86_64-abi");
_Static_assert(sizeof(struct shared_info) == 3136, "shared_info, x86_64");
#elif defined(__i386__)
_Static_assert(sizeof(blkif_request_t) == 108, "blkif request, x86_32-abi");
_Static_assert(sizeof(blkif_response_t) == 12, "blkif response, x86_32-abi");
_Static_assert(sizeof(struct blkif_request_discard) == 28, "blkif discard, x86_32-abi");
_Static_assert(sizeof(struct shared_info) == 2344, "shared_info, x86_32");
#endif

/* The ring sizes the protocol notes quote: 32 blkif requests per page. */
_Static_assert(__CONST_RING_SIZE(blkif, PVF_PAGE_SIZE) == 32, "one-page blkif ring");
_Static_assert(__CONST_RING_SIZE(blkif, 16 * PVF_PAGE_SIZE) == 512, "order-4 blkif ring");
_Static_assert(__CONST_RING_SIZE(netif_tx, PVF_PAGE_SIZE) == 256, "netif TX ring");
_Static_assert(__CONST_RING_SIZE(netif_rx, PVF_PAGE_SIZE) == 256, "netif RX ring");

/* ISO C forbids an empty translation unit. */
extern int pvf_abi_checked;
