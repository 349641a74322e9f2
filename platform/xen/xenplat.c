/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The real-Xen platform: pages and grants with gntshr, event channels with
 * libxenevtchn, the grant-table view for "still mapped", open/close and
 * the poll loop.  The xenstore ops are in xenplat_xs.c, the toolstack
 * helpers in xenplat_tool.c.  See <pvfront/xenplat.h>.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <xenstore.h>
#include <xengnttab.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <pvfront/xen.h>
#include "../../common/internal.h"
#include "xenplat_int.h"

_Static_assert(sizeof(struct grant_entry_v1) == 8, "v1 grant entry");

void xp_log(struct pvf_xenplat *x, enum pvf_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > x->cfg.log_level)
		return;
	fprintf(stderr, "%s: ", x->prefix);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- pages and grants ------------------------------------------------------- */

static uint64_t frame_of(unsigned int slot, unsigned int i)
{
	return ((uint64_t)(slot + 1) << 32) | i;
}

static struct xp_alloc *alloc_of_frame(struct pvf_xenplat *x, uint64_t frame, unsigned int *i)
{
	uint64_t slot = frame >> 32;

	if (slot == 0 || slot > x->nallocs)
		return NULL;
	*i = (unsigned int)(frame & 0xffffffffu);
	if (!x->allocs[slot - 1].va || *i >= x->allocs[slot - 1].n)
		return NULL;
	return &x->allocs[slot - 1];
}

#define XP_REFMAP_MAX (1u << 20)

/* Record (or clear, slot ~0u) the owner of @ref. */
static void refmap_set(struct pvf_xenplat *x, uint32_t ref, unsigned int slot, unsigned int i)
{
	if (ref >= XP_REFMAP_MAX)
		return; /* found by the scan below */
	if (ref >= x->nrefmap) {
		uint32_t n = x->nrefmap ? x->nrefmap : 4096;
		uint64_t *m;

		while (n <= ref)
			n *= 2;
		m = realloc(x->refmap, n * sizeof(*m));
		if (!m)
			return;
		memset(m + x->nrefmap, 0, (n - x->nrefmap) * sizeof(*m));
		x->refmap = m;
		x->nrefmap = n;
	}
	x->refmap[ref] = slot == ~0u ? 0 : ((uint64_t)(slot + 1) << 32) | i;
}

static struct xp_alloc *alloc_of_ref(struct pvf_xenplat *x, uint32_t ref, unsigned int *i)
{
	if (ref < x->nrefmap && x->refmap[ref]) {
		struct xp_alloc *a = alloc_of_frame(x, x->refmap[ref], i);

		if (a && a->refs[*i] == ref)
			return a;
	}
	for (unsigned int s = 0; s < x->nallocs; s++) {
		struct xp_alloc *a = &x->allocs[s];

		for (unsigned int k = 0; a->va && k < a->n; k++) {
			if (a->refs[k] == ref) {
				*i = k;
				return a;
			}
		}
	}
	return NULL;
}

static int xp_page_alloc(void *ctx, unsigned int npages, void **va, uint64_t *frames)
{
	struct pvf_xenplat *x = ctx;
	struct xp_alloc *a = NULL;
	unsigned int slot;

	if (npages == 0 || npages > 4096 || !va || !frames)
		return -PVF_EINVAL;
	for (slot = 0; slot < x->nallocs; slot++)
		if (!x->allocs[slot].va)
			break;
	if (slot == x->nallocs) {
		struct xp_alloc *n = realloc(x->allocs, (x->nallocs + 16) * sizeof(*n));

		if (!n)
			return -PVF_ENOMEM;
		memset(n + x->nallocs, 0, 16 * sizeof(*n));
		x->allocs = n;
		x->nallocs += 16;
	}
	a = &x->allocs[slot];
	a->refs = calloc(npages, sizeof(*a->refs));
	a->granted = calloc(npages, 1);
	if (!a->refs || !a->granted)
		goto nomem;
	a->va = xengntshr_share_pages((xengntshr_handle *)x->gs, x->cfg.backend_domid,
				      (int)npages, a->refs, 1);
	if (!a->va) {
		xp_log(x, PVF_LOG_WARN, "xengntshr_share_pages(%u): %s", npages, strerror(errno));
		goto nomem;
	}
	a->n = npages;
	memset(a->va, 0, (size_t)npages * PVF_PAGE_SIZE);
	for (unsigned int i = 0; i < npages; i++) {
		frames[i] = frame_of(slot, i);
		refmap_set(x, a->refs[i], slot, i);
	}
	(void)xp_gt_check(x, a->refs, npages, 0);
	*va = a->va;
	return 0;
nomem:
	free(a->refs);
	free(a->granted);
	memset(a, 0, sizeof(*a));
	return -PVF_ENOMEM;
}

static int xp_page_free(void *ctx, void *va, unsigned int npages)
{
	struct pvf_xenplat *x = ctx;

	for (unsigned int s = 0; s < x->nallocs; s++) {
		struct xp_alloc *a = &x->allocs[s];

		if (!a->va || a->va != va || a->n != npages)
			continue;
		for (unsigned int i = 0; i < a->n; i++) {
			if (a->granted[i]) {
				xp_log(x, PVF_LOG_WARN, "page_free: ref %u still granted", a->refs[i]);
				x->grants--;
			}
			refmap_set(x, a->refs[i], ~0u, 0);
		}
		/* The kernel defers the real free while the backend maps a page. */
		xengntshr_unshare((xengntshr_handle *)x->gs, a->va, a->n);
		free(a->refs);
		free(a->granted);
		memset(a, 0, sizeof(*a));
		return 0;
	}
	return -PVF_EINVAL;
}

static int xp_gnt_grant(void *ctx, pvf_domid_t domid, uint64_t frame, int readonly, uint32_t *ref)
{
	struct pvf_xenplat *x = ctx;
	struct xp_alloc *a;
	unsigned int i;

	(void)readonly; /* gntshr shares writable; see the header */
	if (!ref || domid != x->cfg.backend_domid)
		return -PVF_EINVAL;
	a = alloc_of_frame(x, frame, &i);
	if (!a)
		return -PVF_EINVAL;
	if (a->granted[i])
		return -PVF_ENOSPC; /* one reference per page on this platform */
	a->granted[i] = 1;
	x->grants++;
	*ref = a->refs[i];
	return 0;
}

static int xp_gnt_end(void *ctx, uint32_t ref)
{
	struct pvf_xenplat *x = ctx;
	volatile struct grant_entry_v1 *e;
	struct xp_alloc *a;
	unsigned int i;

	a = alloc_of_ref(x, ref, &i);
	if (!a || !a->granted[i])
		return -PVF_EBADF;
	e = xp_gt_entry(x, ref);
	if (e) {
		uint16_t flags = e->flags; /* one read: Xen updates it */

		if (flags & (GTF_reading | GTF_writing)) {
			x->busy_refused++;
			return -PVF_EBUSY; /* still mapped: the reference stays ours */
		}
	} else if (!x->busy_warned) {
		x->busy_warned = 1;
		xp_log(x, PVF_LOG_WARN, "gnt_end: cannot see whether ref %u is still mapped; "
		       "ended in our books (the grant lives until page_free)", ref);
	}
	a->granted[i] = 0;
	x->grants--;
	return 0;
}

/* ---- event channels ------------------------------------------------------- */

static struct xp_port *port_of(struct pvf_xenplat *x, uint32_t port)
{
	for (unsigned int i = 0; i < x->nports; i++)
		if (x->ports[i].used && x->ports[i].port == port)
			return &x->ports[i];
	return NULL;
}

static int xp_evtchn_alloc_unbound(void *ctx, pvf_domid_t remote, uint32_t *port)
{
	struct pvf_xenplat *x = ctx;
	struct xp_port *p = NULL;
	xenevtchn_port_or_error_t rc;

	for (unsigned int i = 0; i < x->nports; i++)
		if (!x->ports[i].used)
			p = &x->ports[i];
	if (!p) {
		struct xp_port *n = realloc(x->ports, (x->nports + 16) * sizeof(*n));

		if (!n)
			return -PVF_ENOMEM;
		memset(n + x->nports, 0, 16 * sizeof(*n));
		x->ports = n;
		p = &n[x->nports];
		x->nports += 16;
	}
	rc = xenevtchn_bind_unbound_port((xenevtchn_handle *)x->xce, remote);
	if (rc < 0)
		return errno == ENOSPC ? -PVF_ENOSPC : -PVF_EIO;
	memset(p, 0, sizeof(*p));
	p->used = 1;
	p->masked = 1;
	p->port = (uint32_t)rc;
	*port = p->port;
	return 0;
}

static int xp_evtchn_notify(void *ctx, uint32_t port)
{
	struct pvf_xenplat *x = ctx;

	if (!port_of(x, port))
		return -PVF_EBADF;
	if (xenevtchn_notify((xenevtchn_handle *)x->xce, port) < 0)
		return errno == ENOTCONN ? -PVF_ENOTCONN : -PVF_EIO;
	return 0;
}

static int xp_evtchn_unmask(void *ctx, uint32_t port)
{
	struct pvf_xenplat *x = ctx;
	struct xp_port *p = port_of(x, port);

	if (!p)
		return -PVF_EBADF;
	p->masked = 0; /* a pending event is run by the next poll */
	return 0;
}

static int xp_evtchn_close(void *ctx, uint32_t port)
{
	struct pvf_xenplat *x = ctx;
	struct xp_port *p = port_of(x, port);

	if (!p)
		return -PVF_EBADF;
	xenevtchn_unbind((xenevtchn_handle *)x->xce, port);
	memset(p, 0, sizeof(*p));
	return 0;
}

PVF_API int pvf_xenplat_bind(struct pvf_xenplat *x, uint32_t port,
			     void (*fn)(void *arg, uint32_t port), void *arg)
{
	struct xp_port *p = port_of(x, port);

	if (!p)
		return -PVF_EBADF;
	p->fn = fn;
	p->arg = arg;
	return 0;
}

/* Run the handlers of unmasked pending ports.  Returns how many ran. */
static int run_pending(struct pvf_xenplat *x)
{
	int n = 0;

	for (unsigned int i = 0; i < x->nports; i++) {
		struct xp_port *p = &x->ports[i];

		if (!p->used || p->masked || !p->pending)
			continue;
		p->pending = 0;
		n++;
		x->events++;
		if (p->fn)
			p->fn(p->arg, p->port);
	}
	return n;
}

PVF_API int pvf_xenplat_poll(struct pvf_xenplat *x, int timeout_ms)
{
	xenevtchn_handle *xce = (xenevtchn_handle *)x->xce;
	struct pollfd pfd = { .fd = xenevtchn_fd(xce), .events = POLLIN };
	int n = run_pending(x);

	if (n > 0)
		timeout_ms = 0;
	if (poll(&pfd, 1, timeout_ms) < 0)
		return errno == EINTR ? n : -PVF_EIO;
	if (!(pfd.revents & POLLIN))
		return n;
	for (;;) {
		struct pollfd again = { .fd = pfd.fd, .events = POLLIN };
		xenevtchn_port_or_error_t port = xenevtchn_pending(xce);
		struct xp_port *p;

		if (port < 0)
			break;
		p = port_of(x, (uint32_t)port);
		if (p)
			p->pending = 1;
		xenevtchn_unmask(xce, (evtchn_port_t)port);
		if (poll(&again, 1, 0) <= 0 || !(again.revents & POLLIN))
			break;
	}
	return n + run_pending(x);
}

PVF_API int pvf_xenplat_evtchn_fd(const struct pvf_xenplat *x)
{
	return xenevtchn_fd((xenevtchn_handle *)x->xce);
}

/* ---- the rest of the seam ------------------------------------------------- */

static int xp_logop(void *ctx, enum pvf_log_level level, const char *msg)
{
	xp_log(ctx, level, "%s", msg);
	return 0;
}

static int xp_clock(void *ctx, uint64_t *now)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	*now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return 0;
}

PVF_API void pvf_xenplat_config_init(struct pvf_xenplat_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->backend_domid = 0;
	cfg->log_level = PVF_LOG_WARN;
	cfg->log_prefix = NULL;
}

PVF_API int pvf_xenplat_open(struct pvf_xenplat **out, const struct pvf_xenplat_config *cfg)
{
	struct pvf_xenplat *x = calloc(1, sizeof(*x));

	if (!out)
		return -PVF_EINVAL;
	*out = NULL;
	if (!x)
		return -PVF_ENOMEM;
	if (cfg)
		x->cfg = *cfg;
	else
		pvf_xenplat_config_init(&x->cfg);
	snprintf(x->prefix, sizeof(x->prefix), "%s", x->cfg.log_prefix ? x->cfg.log_prefix : "pvfront");
	x->cfg.log_prefix = NULL;
	x->busy_detect = -1;
	x->gt.privcmd = -1;
	x->gs = (struct xengntdev_handle *)xengntshr_open(NULL, 0);
	x->xce = (struct xenevtchn_handle *)xenevtchn_open(NULL, 0);
	if (!x->gs || !x->xce) {
		pvf_xenplat_close(x);
		return -PVF_ENODEV;
	}
	x->fmem = (struct xenforeignmemory_handle *)xenforeignmemory_open(NULL, 0);
	x->xsc.xs = xs_open(0);
	if (!x->xsc.xs) {
		pvf_xenplat_close(x);
		return -PVF_ECONNRESET;
	}
	{
		unsigned int len = 0;
		char *v = xs_read(x->xsc.xs, XBT_NULL, "domid", &len);

		x->self_domid = v ? (pvf_domid_t)strtoul(v, NULL, 10) : 0;
		free(v);
	}
	xp_gt_open(x); /* sets busy_detect, warns when off */
	x->ops = pvf_platform_nosys_ops;
	pvf_xsc_ops(&x->ops);
	x->ops.gnt_grant = xp_gnt_grant;
	x->ops.gnt_end = xp_gnt_end;
	x->ops.evtchn_alloc_unbound = xp_evtchn_alloc_unbound;
	x->ops.evtchn_notify = xp_evtchn_notify;
	x->ops.evtchn_unmask = xp_evtchn_unmask;
	x->ops.evtchn_close = xp_evtchn_close;
	x->ops.page_alloc = xp_page_alloc;
	x->ops.page_free = xp_page_free;
	x->ops.log = xp_logop;
	x->ops.clock_ns = xp_clock;
	x->plat.ops = &x->ops;
	x->plat.ctx = x;
	*out = x;
	return 0;
}

PVF_API void pvf_xenplat_close(struct pvf_xenplat *x)
{
	if (!x)
		return;
	for (unsigned int i = 0; i < x->nports; i++)
		if (x->ports[i].used)
			xenevtchn_unbind((xenevtchn_handle *)x->xce, x->ports[i].port);
	for (unsigned int s = 0; s < x->nallocs; s++)
		if (x->allocs[s].va)
			xp_page_free(x, x->allocs[s].va, x->allocs[s].n);
	xp_gt_close(x);
	if (x->fmem)
		xenforeignmemory_close((xenforeignmemory_handle *)x->fmem);
	if (x->xsc.xs)
		xs_close(x->xsc.xs);
	if (x->xce)
		xenevtchn_close((xenevtchn_handle *)x->xce);
	if (x->gs)
		xengntshr_close((xengntshr_handle *)x->gs);
	free(x->allocs);
	free(x->refmap);
	free(x->ports);
	free(x);
}

PVF_API const struct pvf_platform *pvf_xenplat_platform(struct pvf_xenplat *x)
{
	return &x->plat;
}

PVF_API void pvf_xenplat_get_stats(const struct pvf_xenplat *x, struct pvf_xenplat_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned int s = 0; s < x->nallocs; s++)
		st->pages += x->allocs[s].va ? x->allocs[s].n : 0;
	for (unsigned int i = 0; i < x->nports; i++)
		st->ports += x->ports[i].used ? 1 : 0;
	st->grants = x->grants;
	st->watches = pvf_xsc_watches(&x->xsc);
	st->busy_detect = x->busy_detect == 1;
	st->events = x->events;
	st->busy_refused = x->busy_refused;
}
