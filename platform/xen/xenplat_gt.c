/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The real-Xen platform: a read-only view of our own v1 grant table, so that
 * gnt_end can see whether the grantee still maps a page (GTF_reading /
 * GTF_writing), as the simulated platform does.  See <pvfront/xenplat.h>.
 *
 * How (PV domain, e.g. Debian's dom0 under Xen 4.17):
 *  1. GNTTABOP_get_version(DOMID_SELF) through the privcmd hypercall ioctl:
 *     only version 1 is handled (v2 keeps the flags in separate status
 *     frames; refused with a warning).
 *  2. GNTTABOP_query_size(DOMID_SELF): the current number of frames.
 *  3. GNTTABOP_setup_table(DOMID_SELF, nr_frames <= current): Xen grows the
 *     table only when nr_frames exceeds the current size, so asking for at
 *     most the current size returns the frame list and changes nothing.
 *     For a PV domain the list holds machine frames.
 *  4. Each frame is mapped PROT_READ with xenforeignmemory_map(DOMID_SELF):
 *     privcmd's mmu_update with DOMID_SELF as page owner (Xen refuses our own
 *     numeric id as a "foreign" domain).
 * Frames are mapped on demand; when the kernel grows its table later, the
 * size is queried again.  The view is checked against the entries gntshr
 * hands us (type GTF_permit_access, the right grantee); any mismatch or
 * failure turns the detection off with one warning (busy_detect = 0).
 *
 * Hypercall buffers must not fault inside Xen: they come from
 * /dev/xen/hypercall (Linux >= 4.18), else from locked anonymous memory.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xengnttab.h>
#include <xenforeignmemory.h>
#include <pvfront/xen.h>
#include <xen/sys/privcmd.h>
#include "../../common/internal.h"
#include "xenplat_int.h"

_Static_assert(sizeof(struct grant_entry_v1) == 8, "v1 grant entry");
_Static_assert(sizeof(struct gnttab_query_size) == 16, "gnttab_query_size");
_Static_assert(sizeof(struct gnttab_get_version) == 8, "gnttab_get_version");
#if defined(__x86_64__)
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "gnttab_setup_table");
#endif
_Static_assert(sizeof(xen_pfn_t) == 8, "frame list entries are 64-bit");

#define GT_REFS_PER_FRAME ((uint32_t)(PVF_PAGE_SIZE / sizeof(struct grant_entry_v1)))
#define GT_MAX_FRAMES 4096u /* 2M references: more than Xen's usual 64 frames */
#define GT_HDR 64u          /* op structures at the start of the buffer */

static void gt_off(struct pvf_xenplat *x, const char *what, int err)
{
	if (x->busy_detect != 0)
		xp_log(x, PVF_LOG_WARN, "grant table view: %s (%s): gnt_end cannot see the "
		       "backend's mappings", what, err ? strerror(err) : "unexpected");
	x->busy_detect = 0;
}

/* One grant_table_op through privcmd on the op at the start of the buffer.
 * Returns the hypercall's result (>= 0) or -errno. */
static int gt_hcall(struct pvf_xenplat *x, unsigned int cmd)
{
	privcmd_hypercall_t call;
	int rc;

	memset(&call, 0, sizeof(call));
	call.op = __HYPERVISOR_grant_table_op;
	call.arg[0] = cmd;
	call.arg[1] = (uint64_t)(uintptr_t)x->gt.buf;
	call.arg[2] = 1;
	rc = ioctl(x->gt.privcmd, IOCTL_PRIVCMD_HYPERCALL, &call);
	return rc < 0 ? -errno : rc;
}

static int gt_buf_alloc(struct pvf_xenplat *x, size_t len)
{
	int fd = open("/dev/xen/hypercall", O_RDWR | O_CLOEXEC);
	void *p = MAP_FAILED;

	if (fd >= 0) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
	}
	if (p == MAP_FAILED) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return -errno;
		if (mlock(p, len) < 0) {
			int e = errno;

			munmap(p, len);
			return -e;
		}
		(void)madvise(p, len, MADV_DONTFORK);
	}
	memset(p, 0, len);
	x->gt.buf = p;
	x->gt.buf_len = len;
	return 0;
}

/* Current size of our table in frames, or a negative errno. */
static int gt_query_size(struct pvf_xenplat *x, uint32_t *nr, uint32_t *max)
{
	struct gnttab_query_size *q = x->gt.buf;
	int rc;

	memset(q, 0, sizeof(*q));
	q->dom = DOMID_SELF;
	rc = gt_hcall(x, GNTTABOP_query_size);
	if (rc < 0)
		return rc;
	if (q->status != GNTST_okay)
		return -EPERM;
	*nr = q->nr_frames;
	*max = q->max_nr_frames;
	return 0;
}

/* Fill x->gt.frames[0 .. nr) (nr <= the table's current size: no growth). */
static int gt_frame_list(struct pvf_xenplat *x, uint32_t nr)
{
	struct gnttab_setup_table *s = x->gt.buf;
	xen_pfn_t *list = (xen_pfn_t *)((uint8_t *)x->gt.buf + GT_HDR);
	int rc;

	memset(s, 0, sizeof(*s));
	memset(list, 0, nr * sizeof(*list));
	s->dom = DOMID_SELF;
	s->nr_frames = nr;
	set_xen_guest_handle(s->frame_list, list);
	rc = gt_hcall(x, GNTTABOP_setup_table);
	if (rc < 0)
		return rc;
	if (s->status != GNTST_okay)
		return -EPERM;
	for (uint32_t i = 0; i < nr; i++)
		x->gt.frames[i] = list[i];
	x->gt.nframes_known = nr;
	xp_log(x, PVF_LOG_DEBUG, "grant table view: %u frames listed", nr);
	return 0;
}

/* Map frame @f (read-only).  Returns 0 or a negative errno. */
static int gt_map_frame(struct pvf_xenplat *x, uint32_t f)
{
	xen_pfn_t mfn;
	int err = 0;
	void *va;

	if (f >= x->gt.nframes_known) {
		uint32_t nr = 0, max = 0;
		int rc = gt_query_size(x, &nr, &max);

		if (rc < 0)
			return rc;
		if (f >= nr || f >= x->gt.max_frames)
			return -ERANGE; /* not a reference of our table */
		rc = gt_frame_list(x, f + 1);
		if (rc < 0)
			return rc;
	}
	mfn = (xen_pfn_t)x->gt.frames[f];
	va = xenforeignmemory_map((xenforeignmemory_handle *)x->fmem, DOMID_SELF, PROT_READ,
				  1, &mfn, &err);
	if (!va)
		return -errno;
	if (err) {
		xenforeignmemory_unmap((xenforeignmemory_handle *)x->fmem, va, 1);
		return err < 0 ? err : -err;
	}
	x->gt.va[f] = va;
	return 0;
}

volatile struct grant_entry_v1 *xp_gt_entry(struct pvf_xenplat *x, uint32_t ref)
{
	uint32_t f = ref / GT_REFS_PER_FRAME;

	if (x->busy_detect != 1)
		return NULL;
	if (f >= x->gt.max_frames) {
		gt_off(x, "reference beyond the table", ERANGE);
		return NULL;
	}
	if (!x->gt.va[f]) {
		int rc = gt_map_frame(x, f);

		if (rc < 0) {
			gt_off(x, "mapping a frame of our grant table", -rc);
			return NULL;
		}
	}
	return (volatile struct grant_entry_v1 *)x->gt.va[f] + ref % GT_REFS_PER_FRAME;
}

int xp_gt_check(struct pvf_xenplat *x, const uint32_t *refs, unsigned int n, int readonly)
{
	for (unsigned int i = 0; i < n && x->busy_detect == 1; i++) {
		volatile struct grant_entry_v1 *e = xp_gt_entry(x, refs[i]);
		uint16_t flags, domid;

		if (!e)
			break;
		flags = e->flags;
		domid = e->domid;
		if ((flags & GTF_type_mask) != GTF_permit_access ||
		    domid != x->cfg.backend_domid ||
		    !!(flags & GTF_readonly) != !!readonly) {
			xp_log(x, PVF_LOG_DEBUG, "ref %u: flags %#x domid %u", refs[i], flags, domid);
			gt_off(x, "our shared entries do not read back", 0);
		}
	}
	return x->busy_detect == 1;
}

void xp_gt_open(struct pvf_xenplat *x)
{
	struct gnttab_get_version *v;
	uint32_t nr = 0, max = 0, ref = 0;
	void *probe;
	int rc;

	x->gt.privcmd = -1;
	x->busy_detect = 1; /* until a step below fails */
	if (!x->fmem) {
		gt_off(x, "xenforeignmemory_open", errno);
		return;
	}
	x->gt.privcmd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	if (x->gt.privcmd < 0) {
		gt_off(x, "/dev/xen/privcmd", errno);
		return;
	}
	rc = gt_buf_alloc(x, GT_HDR + GT_MAX_FRAMES * sizeof(xen_pfn_t));
	if (rc < 0) {
		gt_off(x, "hypercall buffer", -rc);
		return;
	}
	v = x->gt.buf;
	memset(v, 0, sizeof(*v));
	v->dom = DOMID_SELF;
	rc = gt_hcall(x, GNTTABOP_get_version);
	if (rc < 0) {
		gt_off(x, "GNTTABOP_get_version", -rc);
		return;
	}
	if (v->version != 1) {
		xp_log(x, PVF_LOG_WARN, "grant table version %u in use: only v1 entries "
		       "are read (v2 keeps the flags in status frames)", v->version);
		gt_off(x, "grant table version", ENOTSUP);
		return;
	}
	rc = gt_query_size(x, &nr, &max);
	if (rc < 0) {
		gt_off(x, "GNTTABOP_query_size", -rc);
		return;
	}
	x->gt.max_frames = max < GT_MAX_FRAMES ? max : GT_MAX_FRAMES;
	x->gt.frames = calloc(x->gt.max_frames ? x->gt.max_frames : 1, sizeof(*x->gt.frames));
	x->gt.va = calloc(x->gt.max_frames ? x->gt.max_frames : 1, sizeof(*x->gt.va));
	if (!x->gt.frames || !x->gt.va) {
		gt_off(x, "frame arrays", ENOMEM);
		return;
	}
	if (nr == 0 || nr > x->gt.max_frames) {
		gt_off(x, "GNTTABOP_query_size: odd size", EINVAL);
		return;
	}
	rc = gt_frame_list(x, nr);
	if (rc < 0) {
		gt_off(x, "GNTTABOP_setup_table", -rc);
		return;
	}
	/* Probe: a read-only share must read back as such. */
	probe = xengntshr_share_pages((xengntshr_handle *)x->gs, x->cfg.backend_domid, 1, &ref, 0);
	if (!probe) {
		gt_off(x, "probe share", errno);
		return;
	}
	(void)xp_gt_check(x, &ref, 1, 1);
	xengntshr_unshare((xengntshr_handle *)x->gs, probe, 1);
}

void xp_gt_close(struct pvf_xenplat *x)
{
	for (uint32_t f = 0; x->gt.va && f < x->gt.max_frames; f++)
		if (x->gt.va[f])
			xenforeignmemory_unmap((xenforeignmemory_handle *)x->fmem,
					       (void *)x->gt.va[f], 1);
	free(x->gt.va);
	free(x->gt.frames);
	if (x->gt.buf) {
		munlock(x->gt.buf, x->gt.buf_len);
		munmap(x->gt.buf, x->gt.buf_len);
	}
	if (x->gt.privcmd >= 0)
		close(x->gt.privcmd);
	memset(&x->gt, 0, sizeof(x->gt));
	x->gt.privcmd = -1;
}
