/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals of the real-Xen platform (platform/xen); see <pvfront/xenplat.h>. */
#ifndef PVF_XENPLAT_INT_H
#define PVF_XENPLAT_INT_H

#include <stdint.h>
#include <pvfront/xenplat.h>

struct xs_handle;
struct xengntdev_handle;
struct xenevtchn_handle;
struct xenforeignmemory_handle;
struct xenforeignmemory_resource_handle;

/* One page_alloc: @n pages shared at @va, their refs and our grant state. */
struct xp_alloc {
	void *va;          /* NULL: free slot */
	unsigned int n;
	uint32_t *refs;
	uint8_t *granted;  /* 1 while gnt_grant handed the ref out */
};

struct xp_port {
	uint32_t port;
	int used;
	int masked;   /* the core has not unmasked it yet (seam semantics) */
	int pending;  /* an event came while masked, or after unmask */
	void (*fn)(void *arg, uint32_t port);
	void *arg;
};

#define XP_GT_FRAMES 64 /* grant table frames we may map (32768 refs) */

struct pvf_xenplat {
	struct pvf_platform plat;
	struct pvf_platform_ops ops;
	struct pvf_xenplat_config cfg;
	char prefix[32];
	struct xs_handle *xs;
	struct xengntdev_handle *gs;      /* xengntshr_handle */
	struct xenevtchn_handle *xce;
	struct xenforeignmemory_handle *fmem;
	struct xenforeignmemory_resource_handle *gt_res[XP_GT_FRAMES];
	void *gt_va[XP_GT_FRAMES];
	pvf_domid_t self_domid;           /* from xenstore "domid", else 0 */
	int busy_detect;                  /* -1 unknown, 0 no, 1 yes */
	int busy_warned;
	struct xp_alloc *allocs;
	unsigned int nallocs;
	uint64_t *refmap;                 /* ref -> (slot + 1) << 32 | index */
	uint32_t nrefmap;
	struct xp_port *ports;
	unsigned int nports;
	unsigned int watches;
	unsigned int grants;
	uint64_t events;
};

/* platform/xen/xenplat_xs.c */
void xp_xs_ops(struct pvf_platform_ops *ops);
int xp_xs_err(void);

/* platform/xen/xenplat.c */
void xp_log(struct pvf_xenplat *x, enum pvf_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
