/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test double of struct pvf_platform: grants, event channels, pages, log,
 * clock, counters.  The xenstore part is in fake_xs.c, the fake XenBus
 * driver in fake_drv.c.  See fake_platform.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/errno.h>
#include "fake_internal.h"

/* ---- helpers ------------------------------------------------------------ */

char *pvf_fake_xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

void *pvf_fake_xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		abort();
	return p;
}

/* ---- ops: grants, event channels, pages -------------------------------- */

static int op_gnt_grant(void *ctx, pvf_domid_t domid, uint64_t frame, int readonly,
			uint32_t *ref)
{
	struct pvf_fake *f = ctx;
	uint32_t i;

	if (!ref)
		return -PVF_EINVAL;
	if (f->fail_gnt) {
		f->fail_gnt--;
		return -PVF_ENOSPC;
	}
	for (i = FAKE_FIRST_REF; i < PVF_FAKE_NR_GRANTS; i++) {
		struct fake_grant *g = &f->grants[i];

		if (g->used)
			continue;
		memset(g, 0, sizeof(*g));
		g->used = 1;
		g->domid = domid;
		g->frame = frame;
		g->readonly = !!readonly;
		*ref = i;
		f->c.grants++;
		f->c.gnt_grants++;
		return 0;
	}
	return -PVF_ENOSPC;
}

static int op_gnt_end(void *ctx, uint32_t ref)
{
	struct pvf_fake *f = ctx;

	if (ref >= PVF_FAKE_NR_GRANTS || !f->grants[ref].used)
		return -PVF_EBADF;
	if (f->grants[ref].mapped)
		return -PVF_EBUSY;
	f->grants[ref].used = 0;
	f->c.grants--;
	return 0;
}

static int op_evtchn_alloc(void *ctx, pvf_domid_t remote, uint32_t *port)
{
	struct pvf_fake *f = ctx;
	uint32_t i;

	for (i = 1; i < PVF_FAKE_NR_PORTS; i++) {
		struct fake_port *pt = &f->ports[i];

		if (pt->used)
			continue;
		memset(pt, 0, sizeof(*pt));
		pt->used = 1;
		pt->masked = 1;
		pt->remote = remote;
		*port = i;
		f->c.ports++;
		return 0;
	}
	return -PVF_ENOSPC;
}

static struct fake_port *port_get(struct pvf_fake *f, uint32_t port)
{
	if (port == 0 || port >= PVF_FAKE_NR_PORTS || !f->ports[port].used)
		return NULL;
	return &f->ports[port];
}

static int op_evtchn_notify(void *ctx, uint32_t port)
{
	struct fake_port *pt = port_get(ctx, port);

	if (!pt)
		return -PVF_EBADF;
	pt->notifies++;
	return 0;
}

static int op_evtchn_unmask(void *ctx, uint32_t port)
{
	struct fake_port *pt = port_get(ctx, port);

	if (!pt)
		return -PVF_EBADF;
	pt->masked = 0;
	return 0;
}

static int op_evtchn_close(void *ctx, uint32_t port)
{
	struct pvf_fake *f = ctx;
	struct fake_port *pt = port_get(f, port);

	if (!pt)
		return -PVF_EBADF;
	pt->used = 0;
	f->c.ports--;
	return 0;
}

static int op_page_alloc(void *ctx, unsigned int npages, void **va, uint64_t *frames)
{
	struct pvf_fake *f = ctx;
	void *p;
	unsigned int i;

	if (!npages || !va || !frames)
		return -PVF_EINVAL;
	if (f->fail_page_alloc) {
		f->fail_page_alloc--;
		return -PVF_ENOMEM;
	}
	p = aligned_alloc(PVF_PAGE_SIZE, (size_t)npages * PVF_PAGE_SIZE);
	if (!p)
		return -PVF_ENOMEM;
	memset(p, 0, (size_t)npages * PVF_PAGE_SIZE);
	f->pages = pvf_fake_xrealloc(f->pages, (f->npages_rec + 1) * sizeof(*f->pages));
	f->pages[f->npages_rec].va = p;
	f->pages[f->npages_rec].n = npages;
	f->pages[f->npages_rec].frame0 = f->next_frame;
	f->npages_rec++;
	for (i = 0; i < npages; i++)
		frames[i] = f->next_frame++;
	f->c.pages += npages;
	*va = p;
	return 0;
}

static int op_page_free(void *ctx, void *va, unsigned int npages)
{
	struct pvf_fake *f = ctx;
	size_t i;

	for (i = 0; i < f->npages_rec; i++) {
		if (f->pages[i].va != va)
			continue;
		if (f->pages[i].n != npages)
			return -PVF_EINVAL;
		free(va);
		f->c.pages -= npages;
		f->pages[i] = f->pages[--f->npages_rec];
		return 0;
	}
	return -PVF_EINVAL;
}

/* ---- ops: log and clock -------------------------------------------------- */

static int op_log(void *ctx, enum pvf_log_level level, const char *msg)
{
	struct pvf_fake *f = ctx;
	unsigned int slot = f->log_next++ % FAKE_LOG_LINES;

	free(f->log[slot]);
	f->log[slot] = pvf_fake_xstrdup(msg);
	if ((unsigned)level < 4)
		f->log_count[level]++;
	if (f->echo)
		fprintf(stderr, "[pvf %d] %s\n", (int)level, msg);
	return 0;
}

static int op_clock(void *ctx, uint64_t *now)
{
	struct pvf_fake *f = ctx;

	*now = f->clock;
	return 0;
}

/* ---- public ------------------------------------------------------------- */

struct pvf_fake *pvf_fake_new(void)
{
	struct pvf_fake *f = calloc(1, sizeof(*f));
	const char *v = getenv("PVF_TEST_VERBOSE");

	if (!f)
		abort();
	f->ops = pvf_platform_nosys_ops;
	pvf_fake_xs_install(f);
	f->ops.gnt_grant = op_gnt_grant;
	f->ops.gnt_end = op_gnt_end;
	f->ops.evtchn_alloc_unbound = op_evtchn_alloc;
	f->ops.evtchn_notify = op_evtchn_notify;
	f->ops.evtchn_unmask = op_evtchn_unmask;
	f->ops.evtchn_close = op_evtchn_close;
	f->ops.page_alloc = op_page_alloc;
	f->ops.page_free = op_page_free;
	f->ops.log = op_log;
	f->ops.clock_ns = op_clock;
	f->platform.ops = &f->ops;
	f->platform.ctx = f;
	f->next_frame = 0x10000;
	f->clock = 1000000000ull; /* not zero: catches "0 means unset" bugs */
	f->echo = v && *v == '1';
	return f;
}

void pvf_fake_free(struct pvf_fake *f)
{
	size_t i;

	if (!f)
		return;
	pvf_fake_xs_fini(f);
	for (i = 0; i < f->npages_rec; i++)
		free(f->pages[i].va);
	free(f->pages);
	for (i = 0; i < FAKE_LOG_LINES; i++)
		free(f->log[i]);
	free(f);
}

const struct pvf_platform *pvf_fake_platform(struct pvf_fake *f)
{
	return &f->platform;
}

void pvf_fake_fail_page_alloc(struct pvf_fake *f, unsigned int k)
{
	f->fail_page_alloc = k;
}

void pvf_fake_fail_gnt_grant(struct pvf_fake *f, unsigned int k)
{
	f->fail_gnt = k;
}

int pvf_fake_gnt_set_mapped(struct pvf_fake *f, uint32_t ref, int mapped)
{
	if (ref >= PVF_FAKE_NR_GRANTS || !f->grants[ref].used)
		return -PVF_EBADF;
	f->grants[ref].mapped = !!mapped;
	return 0;
}

int pvf_fake_gnt_info(struct pvf_fake *f, uint32_t ref, uint64_t *frame,
		      pvf_domid_t *domid, int *readonly)
{
	if (ref >= PVF_FAKE_NR_GRANTS || !f->grants[ref].used)
		return 0;
	if (frame)
		*frame = f->grants[ref].frame;
	if (domid)
		*domid = f->grants[ref].domid;
	if (readonly)
		*readonly = f->grants[ref].readonly;
	return 1;
}

void *pvf_fake_frame_to_va(struct pvf_fake *f, uint64_t frame)
{
	size_t i;

	for (i = 0; i < f->npages_rec; i++) {
		struct fake_pages *r = &f->pages[i];

		if (frame >= r->frame0 && frame < r->frame0 + r->n)
			return (char *)r->va + (size_t)(frame - r->frame0) * PVF_PAGE_SIZE;
	}
	return NULL;
}

unsigned long pvf_fake_notify_count(struct pvf_fake *f, uint32_t port)
{
	struct fake_port *pt = port_get(f, port);

	return pt ? pt->notifies : 0;
}

int pvf_fake_port_open(struct pvf_fake *f, uint32_t port)
{
	return port_get(f, port) != NULL;
}

int pvf_fake_port_masked(struct pvf_fake *f, uint32_t port)
{
	struct fake_port *pt = port_get(f, port);

	return pt ? pt->masked : 0;
}

void pvf_fake_clock_set(struct pvf_fake *f, uint64_t ns)
{
	f->clock = ns;
}

void pvf_fake_clock_advance(struct pvf_fake *f, uint64_t ns)
{
	f->clock += ns;
}

unsigned int pvf_fake_log_count(struct pvf_fake *f, enum pvf_log_level level)
{
	return (unsigned)level < 4 ? f->log_count[level] : 0;
}

int pvf_fake_log_contains(struct pvf_fake *f, const char *needle)
{
	size_t i;

	for (i = 0; i < FAKE_LOG_LINES; i++)
		if (f->log[i] && strstr(f->log[i], needle))
			return 1;
	return 0;
}

void pvf_fake_log_echo(struct pvf_fake *f, int on)
{
	f->echo = on;
}

void pvf_fake_counters(struct pvf_fake *f, struct pvf_fake_counters *out)
{
	*out = f->c;
}

int pvf_fake_leaks(struct pvf_fake *f, char *buf, size_t size)
{
	int kinds = (f->c.grants != 0) + (f->c.pages != 0) + (f->c.ports != 0) +
		    (f->c.watches != 0) + (f->c.txns != 0);

	if (buf && size)
		snprintf(buf, size, "grants %u pages %u ports %u watches %u txns %u",
			 f->c.grants, f->c.pages, f->c.ports, f->c.watches, f->c.txns);
	return kinds;
}
