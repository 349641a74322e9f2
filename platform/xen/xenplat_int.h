/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals of the real-Xen platform (platform/xen); see <pvfront/xenplat.h>. */
#ifndef PVF_XENPLAT_INT_H
#define PVF_XENPLAT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <pvfront/xenplat.h>
#include "../xs_client.h"

struct xs_handle;
struct xengntdev_handle;
struct xenevtchn_handle;
struct xenforeignmemory_handle;
struct grant_entry_v1;

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

/* The read-only view of our own v1 grant table (xenplat_gt.c). */
struct xp_gt {
	int privcmd;              /* /dev/xen/privcmd for the hypercalls, -1 */
	void *buf;                /* hypercall buffer (never faults) */
	size_t buf_len;
	uint32_t max_frames;      /* the table's maximum, capped */
	uint32_t nframes_known;   /* frames[] valid below this */
	uint64_t *frames;         /* machine frames of the table */
	void **va;                /* frame mapped read-only, NULL: not yet */
};

struct pvf_xenplat {
	struct pvf_xsc xsc;               /* first: the shared xenstore ops' context */
	struct pvf_platform plat;
	struct pvf_platform_ops ops;
	struct pvf_xenplat_config cfg;
	char prefix[32];
	struct xengntdev_handle *gs;      /* xengntshr_handle */
	struct xenevtchn_handle *xce;
	struct xenforeignmemory_handle *fmem;
	struct xp_gt gt;
	pvf_domid_t self_domid;           /* from xenstore "domid", else 0 */
	int busy_detect;                  /* -1 unknown, 0 no, 1 yes */
	int busy_warned;
	struct xp_alloc *allocs;
	unsigned int nallocs;
	uint64_t *refmap;                 /* ref -> (slot + 1) << 32 | index */
	uint32_t nrefmap;
	struct xp_port *ports;
	unsigned int nports;
	unsigned int grants;
	uint64_t events;
	uint64_t busy_refused;
};

_Static_assert(offsetof(struct pvf_xenplat, xsc) == 0,
	       "the xenstore ops find their handle at the start of the context");

/* platform/xen/xenplat_gt.c: the grant table view.  xp_gt_open sets
 * busy_detect (1: on, 0: off, a warning logged once saying why);
 * xp_gt_entry returns the entry of @ref, mapped read-only, or NULL when the
 * detection is off (or turns off now); xp_gt_check verifies that @refs, just
 * shared by gntshr, read back as ours (permit_access to the backend,
 * @readonly) and turns the detection off otherwise, returning busy_detect. */
void xp_gt_open(struct pvf_xenplat *x);
void xp_gt_close(struct pvf_xenplat *x);
volatile struct grant_entry_v1 *xp_gt_entry(struct pvf_xenplat *x, uint32_t ref);
int xp_gt_check(struct pvf_xenplat *x, const uint32_t *refs, unsigned int n, int readonly);

/* platform/xen/xenplat.c */
void xp_log(struct pvf_xenplat *x, enum pvf_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
