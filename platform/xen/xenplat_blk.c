/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Real-Xen platform: the block host.  The freestanding pvf_blk core driven
 * through its XenBus device (pvf_blk_xenbus_ops) over platform/xen, against
 * a real blkback (the kernel's xen-blkback in the tests), plus a minimal
 * write/verify pass (test_xen_plat; the harness's pvf_wl_run is the full
 * workload on this host, harness/wl_xen.c).
 * See <pvfront/xenplat.h>.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pvfront/blk.h>
#include <pvfront/xenbus.h>
#include "../../common/internal.h"
#include "xenplat_int.h"

struct pvf_xenblk {
	struct pvf_xenplat *x;
	const struct pvf_platform *p;
	struct pvf_xenbus_dev xb;
	struct pvf_blk blk;
	void *scratch;
	void *data;
	uint64_t *frames;
	uint32_t data_pages;
	char fe[PVF_BLK_PATH_MAX];
	uint32_t devid;
	pvf_domid_t fe_domid;
	int own_dirs;
	int timeout_ms;
	int xb_created;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_port(void *arg, uint32_t port)
{
	struct pvf_xenblk *b = arg;

	pvf_blk_on_event(&b->blk, port);
}

/* (Re)bind the ports of the current connection; bind is idempotent and
 * ports that were closed are gone from the platform already. */
static void bind_ports(struct pvf_xenblk *b)
{
	for (unsigned int i = 0; i < PVF_BLK_MAX_QUEUES; i++)
		if (b->blk.q[i].port)
			pvf_xenplat_bind(b->x, b->blk.q[i].port, on_port, b);
}

static int take_watches(struct pvf_xenblk *b)
{
	char path[PVF_XS_PATH_MAX + 1], tok[PVF_XENBUS_TOKEN_MAX + 8];
	int n = 0, rc;

	while ((rc = pvf_xenplat_xs_read_watch(b->x, path, sizeof(path), tok, sizeof(tok))) != 0) {
		if (rc == -PVF_E2BIG)
			continue;
		if (rc < 0)
			return rc;
		pvf_xenbus_on_watch(&b->xb, path, tok);
		n++;
	}
	pvf_xenbus_poll(&b->xb);
	bind_ports(b);
	return n;
}

PVF_API int pvf_xenblk_pump(struct pvf_xenblk *b, int timeout_ms, int watches_only)
{
	struct pollfd pf[2] = {
		{ .fd = pvf_xenplat_xs_fileno(b->x), .events = POLLIN },
		{ .fd = pvf_xenplat_evtchn_fd(b->x), .events = POLLIN },
	};
	int n, e;

	if (poll(pf, watches_only ? 1 : 2, timeout_ms) < 0 && errno != EINTR)
		return -PVF_EIO;
	n = take_watches(b);
	if (n < 0 || watches_only)
		return n;
	e = pvf_xenplat_poll(b->x, 0);
	if (e < 0)
		return e;
	/* A watch may have connected the device while responses were waiting. */
	if (b->blk.state == PVF_BLK_S_CONNECTED && pvf_blk_poll(&b->blk) > 0)
		e++;
	return n + e;
}

PVF_API int pvf_xenblk_connected(struct pvf_xenblk *b)
{
	return pvf_xenbus_frontend_state(&b->xb) == PVF_XENBUS_CONNECTED &&
	       pvf_xenbus_backend_state(&b->xb) == PVF_XENBUS_CONNECTED &&
	       b->blk.state == PVF_BLK_S_CONNECTED;
}

static void host_free(struct pvf_xenblk *b)
{
	if (b->xb_created)
		pvf_xenbus_destroy(&b->xb);
	if (b->data_pages)
		b->p->ops->page_free(b->p->ctx, b->data, b->data_pages);
	if (b->own_dirs)
		pvf_xenplat_dev_destroy(b->x, "vbd", b->fe, b->fe_domid, b->devid);
	free(b->frames);
	free(b->scratch);
	free(b);
}

PVF_API int pvf_xenblk_open(struct pvf_xenplat *x, const struct pvf_xenblk_config *cfg,
			    struct pvf_xenblk **out)
{
	struct pvf_blk_config bc;
	struct pvf_xenblk *b;
	size_t sz;
	int64_t end;
	int rc;

	if (!x || !cfg || !out || !cfg->fe_dir || strlen(cfg->fe_dir) >= PVF_BLK_PATH_MAX)
		return -PVF_EINVAL;
	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -PVF_ENOMEM;
	b->x = x;
	b->p = pvf_xenplat_platform(x);
	b->devid = cfg->devid;
	b->fe_domid = cfg->fe_domid;
	b->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
	snprintf(b->fe, sizeof(b->fe), "%s", cfg->fe_dir);
	if (cfg->bdev) {
		rc = pvf_xenplat_vbd_create(x, b->fe, cfg->fe_domid, cfg->devid, cfg->bdev,
					    cfg->readonly);
		if (rc) {
			free(b);
			return rc;
		}
		b->own_dirs = 1;
	}
	rc = pvf_xenbus_create(&b->xb, b->p, b->fe, &pvf_blk_xenbus_ops, &b->blk, NULL);
	if (rc)
		goto fail;
	b->xb_created = 1;
	if (cfg->blk)
		bc = *cfg->blk;
	else
		pvf_blk_config_default(&bc);
	rc = pvf_blk_config_xenbus(&bc, &b->xb);
	if (rc)
		goto fail;
	sz = pvf_blk_scratch_size(&bc);
	rc = -PVF_EINVAL;
	if (!sz)
		goto fail;
	rc = -PVF_ENOMEM;
	b->scratch = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	if (!b->scratch)
		goto fail;
	memset(b->scratch, 0, sz);
	bc.scratch = b->scratch;
	bc.scratch_size = sz;
	rc = pvf_blk_init(&b->blk, b->p, &bc);
	if (rc)
		goto fail;
	if (cfg->data_pages) {
		rc = -PVF_ENOMEM;
		b->frames = calloc(cfg->data_pages, sizeof(*b->frames));
		if (!b->frames)
			goto fail;
		rc = b->p->ops->page_alloc(b->p->ctx, cfg->data_pages, &b->data, b->frames);
		if (rc)
			goto fail;
		b->data_pages = cfg->data_pages;
	}
	end = now_ms() + b->timeout_ms;
	while (!pvf_xenblk_connected(b) && now_ms() < end) {
		rc = pvf_xenblk_pump(b, 50, 0);
		if (rc < 0)
			goto fail;
	}
	rc = pvf_xenblk_connected(b) ? 0 : -PVF_ETIMEDOUT;
	if (rc) {
		xp_log(x, PVF_LOG_ERR, "blk %s: not connected (frontend %s, backend %s)", b->fe,
		       pvf_xenbus_state_name(pvf_xenbus_frontend_state(&b->xb)),
		       pvf_xenbus_state_name(pvf_xenbus_backend_state(&b->xb)));
		goto fail;
	}
	*out = b;
	return 0;
fail:
	if (b->blk.plat)
		pvf_blk_shutdown(&b->blk);
	host_free(b);
	return rc;
}

PVF_API struct pvf_blk *pvf_xenblk_core(struct pvf_xenblk *b)
{
	return &b->blk;
}

PVF_API struct pvf_xenbus_dev *pvf_xenblk_xenbus(struct pvf_xenblk *b)
{
	return &b->xb;
}

PVF_API void *pvf_xenblk_page(struct pvf_xenblk *b, uint32_t i)
{
	return i < b->data_pages ? (uint8_t *)b->data + (size_t)i * PVF_PAGE_SIZE : NULL;
}

PVF_API uint64_t pvf_xenblk_frame(struct pvf_xenblk *b, uint32_t i)
{
	return i < b->data_pages ? b->frames[i] : 0;
}

PVF_API uint32_t pvf_xenblk_data_pages(struct pvf_xenblk *b)
{
	return b->data_pages;
}

PVF_API int pvf_xenblk_close(struct pvf_xenblk *b)
{
	int64_t end;
	int rc = 0, r;

	if (!b)
		return 0;
	end = now_ms() + b->timeout_ms;
	if (pvf_xenbus_close(&b->xb) == 0) {
		while (!pvf_xenbus_is_closed(&b->xb) && now_ms() < end)
			if (pvf_xenblk_pump(b, 50, 0) < 0)
				break;
		if (!pvf_xenbus_is_closed(&b->xb))
			rc = -PVF_ETIMEDOUT;
	}
	r = pvf_blk_shutdown(&b->blk);
	if (!rc)
		rc = r;
	r = pvf_xenbus_destroy(&b->xb);
	b->xb_created = 0;
	if (!rc)
		rc = r;
	host_free(b);
	return rc;
}

PVF_API int pvf_xenplat_log_keys(struct pvf_xenplat *x, const char *dir, const char *prefix)
{
	const struct pvf_platform *p = pvf_xenplat_platform(x);
	char names[4096], path[PVF_XS_PATH_MAX], val[PVF_XS_VALUE_MAX + 1];
	const char *k = names;
	int n = p->ops->xs_directory(p->ctx, 0, dir, names, sizeof(names));

	for (int i = 0; i < n; i++, k += strlen(k) + 1) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, k) >= (int)sizeof(path))
			continue;
		if (p->ops->xs_read(p->ctx, 0, path, val, sizeof(val)) >= 0)
			printf("%s %s = %s\n", prefix, k, val);
	}
	return n;
}
