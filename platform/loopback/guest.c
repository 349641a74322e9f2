/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loopback platform, guest side: the struct pvf_platform the cores run on.
 * Grants go through common/gnttab.c on the shared grant table, event
 * channels and pages through the hypervisor, logging to stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "guest.h"

/* ---- grants ---------------------------------------------------------------- */

static int g_gnt_grant(void *ctx, pvf_domid_t domid, uint64_t frame, int ro, uint32_t *ref)
{
	struct pvf_lb_guest *g = ctx;
	int rc;

	pthread_mutex_lock(&g->gnt_lock);
	rc = pvf_gnttab_grant(&g->gnt, domid, frame, ro, ref);
	pthread_mutex_unlock(&g->gnt_lock);
	return rc;
}

static int g_gnt_end(void *ctx, uint32_t ref)
{
	struct pvf_lb_guest *g = ctx;
	int rc;

	pthread_mutex_lock(&g->gnt_lock);
	rc = pvf_gnttab_end(&g->gnt, ref);
	pthread_mutex_unlock(&g->gnt_lock);
	return rc;
}

PVF_API uint32_t pvf_lb_guest_grants_in_use(struct pvf_lb_guest *g)
{
	uint32_t n;

	pthread_mutex_lock(&g->gnt_lock);
	n = pvf_gnttab_in_use(&g->gnt);
	pthread_mutex_unlock(&g->gnt_lock);
	return n;
}

/* ---- event channels --------------------------------------------------------- */

static int g_ev_alloc(void *ctx, pvf_domid_t remote, uint32_t *port)
{
	struct pvf_lb_guest *g = ctx;

	return lb_ev_alloc_unbound(g->hv, LB_GUEST, remote, port);
}

static int g_ev_notify(void *ctx, uint32_t port)
{
	struct pvf_lb_guest *g = ctx;

	return lb_ev_notify(g->hv, LB_GUEST, port);
}

static int g_ev_unmask(void *ctx, uint32_t port)
{
	struct pvf_lb_guest *g = ctx;

	return lb_ev_mask(g->hv, LB_GUEST, port, 0);
}

static int g_ev_close(void *ctx, uint32_t port)
{
	struct pvf_lb_guest *g = ctx;

	return lb_ev_close(g->hv, LB_GUEST, port);
}

PVF_API int pvf_lb_guest_bind(struct pvf_lb_guest *g, uint32_t port,
		      void (*fn)(void *arg, uint32_t port), void *arg)
{
	return lb_ev_bind_handler(g->hv, LB_GUEST, port, fn, arg);
}

PVF_API int pvf_lb_guest_poll(struct pvf_lb_guest *g, int timeout_ms)
{
	return lb_ev_poll(g->hv, LB_GUEST, timeout_ms);
}

const struct pvf_evtchn_demux *pvf_lb_guest_demux(const struct pvf_lb_guest *g)
{
	return &g->hv->dom[LB_GUEST].demux;
}

PVF_API pvf_domid_t pvf_lb_guest_domid(const struct pvf_lb_guest *g)
{
	return g->hv->cfg.guest_domid;
}

/* ---- pages --------------------------------------------------------------------- */

static int g_page_alloc(void *ctx, unsigned int n, void **va, uint64_t *frames)
{
	struct pvf_lb_guest *g = ctx;

	return lb_page_alloc(g->hv, n, va, frames);
}

static int g_page_free(void *ctx, void *va, unsigned int n)
{
	struct pvf_lb_guest *g = ctx;

	return lb_page_free(g->hv, va, n);
}

/* ---- port I/O ------------------------------------------------------------------ */

static int g_in(struct pvf_lb_guest *g, uint16_t port, unsigned int width, uint32_t *v)
{
	if (!g->pio.in)
		return -PVF_ENOSYS;
	return g->pio.in(g->pio.arg, port, width, v);
}

static int g_out(struct pvf_lb_guest *g, uint16_t port, unsigned int width, uint32_t v)
{
	if (!g->pio.out)
		return -PVF_ENOSYS;
	return g->pio.out(g->pio.arg, port, width, v);
}

static int g_in8(void *ctx, uint16_t port, uint8_t *val)
{
	uint32_t v = 0;
	int rc = g_in(ctx, port, 1, &v);

	if (rc == 0)
		*val = (uint8_t)v;
	return rc;
}

static int g_in16(void *ctx, uint16_t port, uint16_t *val)
{
	uint32_t v = 0;
	int rc = g_in(ctx, port, 2, &v);

	if (rc == 0)
		*val = (uint16_t)v;
	return rc;
}

static int g_in32(void *ctx, uint16_t port, uint32_t *val)
{
	return g_in(ctx, port, 4, val);
}

static int g_out8(void *ctx, uint16_t port, uint8_t val)
{
	return g_out(ctx, port, 1, val);
}

static int g_out16(void *ctx, uint16_t port, uint16_t val)
{
	return g_out(ctx, port, 2, val);
}

static int g_out32(void *ctx, uint16_t port, uint32_t val)
{
	return g_out(ctx, port, 4, val);
}

PVF_API void pvf_lb_guest_set_pio(struct pvf_lb_guest *g, const struct pvf_lb_pio *pio)
{
	if (pio)
		g->pio = *pio;
	else
		memset(&g->pio, 0, sizeof(g->pio));
}

/* ---- log and clock ------------------------------------------------------------- */

static int g_log(void *ctx, enum pvf_log_level level, const char *msg)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	struct pvf_lb_guest *g = ctx;

	if (level > g->log_level)
		return 0;
	fprintf(stderr, "%s: %s: %s\n", g->log_prefix,
		(unsigned int)level < 4 ? names[level] : "?", msg);
	return 0;
}

PVF_API void pvf_lb_guest_set_log(struct pvf_lb_guest *g, enum pvf_log_level level, const char *prefix)
{
	g->log_level = level;
	snprintf(g->log_prefix, sizeof(g->log_prefix), "%s", prefix ? prefix : "pvfront");
}

static int g_clock(void *ctx, uint64_t *now)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	*now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return 0;
}

/* ---- lifecycle ----------------------------------------------------------------- */

PVF_API int pvf_lb_guest_open(struct pvf_lb_hv *hv, struct pvf_lb_guest **out)
{
	struct pvf_lb_guest *g;
	uint32_t expected = 0;
	int rc;

	if (!hv || !out)
		return -PVF_EINVAL;
	if (!__atomic_compare_exchange_n(&hv->sh->guest_open, &expected, 1, 0,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return -PVF_EBUSY;
	g = calloc(1, sizeof(*g));
	if (g)
		g->gnt_free = calloc(hv->cfg.grant_entries, sizeof(uint32_t));
	if (!g || !g->gnt_free) {
		if (g)
			free(g);
		__atomic_store_n(&hv->sh->guest_open, 0, __ATOMIC_SEQ_CST);
		return -PVF_ENOMEM;
	}
	g->hv = hv;
	pthread_mutex_init(&g->gnt_lock, NULL);
	rc = pvf_gnttab_init(&g->gnt, hv->grants, hv->cfg.grant_entries, LB_FIRST_REF,
			     g->gnt_free);
	if (rc < 0) {
		pthread_mutex_destroy(&g->gnt_lock);
		free(g->gnt_free);
		free(g);
		__atomic_store_n(&hv->sh->guest_open, 0, __ATOMIC_SEQ_CST);
		return rc;
	}
	g->ops = pvf_platform_nosys_ops;
	pvf_xsc_ops(&g->ops);
	g->ops.gnt_grant = g_gnt_grant;
	g->ops.gnt_end = g_gnt_end;
	g->ops.evtchn_alloc_unbound = g_ev_alloc;
	g->ops.evtchn_notify = g_ev_notify;
	g->ops.evtchn_unmask = g_ev_unmask;
	g->ops.evtchn_close = g_ev_close;
	g->ops.page_alloc = g_page_alloc;
	g->ops.page_free = g_page_free;
	g->ops.in8 = g_in8;
	g->ops.in16 = g_in16;
	g->ops.in32 = g_in32;
	g->ops.out8 = g_out8;
	g->ops.out16 = g_out16;
	g->ops.out32 = g_out32;
	g->ops.log = g_log;
	g->ops.clock_ns = g_clock;
	g->plat.ops = &g->ops;
	g->plat.ctx = g;
	pvf_lb_guest_set_log(g, PVF_LOG_WARN, NULL);
	*out = g;
	return 0;
}

PVF_API void pvf_lb_guest_close(struct pvf_lb_guest *g)
{
	if (!g)
		return;
	lb_guest_xs_close(g);
	__atomic_store_n(&g->hv->sh->guest_open, 0, __ATOMIC_SEQ_CST);
	pthread_mutex_destroy(&g->gnt_lock);
	free(g->gnt_free);
	free(g);
}

const struct pvf_platform *pvf_lb_guest_platform(struct pvf_lb_guest *g)
{
	return &g->plat;
}
