/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one place pvfront includes the Xen public headers from.  They come from
 * the system (Debian's libxen-dev) or from the embedder's tree
 * (--with-xen-headers); pvfront never carries its own copy.
 *
 * The interface version is pinned so the ring macros use xen_mb() & co.,
 * which we map onto <pvfront/barrier.h>.
 */
#ifndef PVFRONT_XEN_H
#define PVFRONT_XEN_H

#include <stdint.h>
#include <stddef.h>
#include <pvfront/barrier.h>

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#endif

#ifndef xen_mb
#define xen_mb()  pvf_mb()
#define xen_rmb() pvf_rmb()
#define xen_wmb() pvf_wmb()
#endif

/* The ring macros call memset(); the guest build provides it at link time. */
#ifdef PVF_FREESTANDING
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
#else
#include <string.h>
#endif

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/event_channel.h>
#include <xen/io/ring.h>
#include <xen/io/xenbus.h>

#endif /* PVFRONT_XEN_H */
