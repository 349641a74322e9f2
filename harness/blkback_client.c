/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The harness's block client: drives the freestanding pvf_blk core over
 * the loopback guest platform, playing the guest's XenBus driver (state
 * writes, a watch on the backend's state, the event channel handlers).
 *
 * A backend that re-enters Connected is a resize (the new `sectors` is
 * taken); one that goes Closing/Closed makes the client disconnect (the
 * core keeps unfinished requests for replay), write Closed, then
 * Initialising, and reconnect when the backend is back in InitWait.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pvfront/errno.h>
#include <pvfront/xs.h>
#include "blkback.h"

#define TOKEN "bbc-be"

enum { PH_WAIT_INITWAIT, PH_WAIT_CONNECTED, PH_CONNECTED };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fe_state(struct pvf_bbc *c, unsigned int st)
{
	char path[PVF_BLK_PATH_MAX + 16], v[8];

	snprintf(path, sizeof(path), "%s/state", c->fe);
	snprintf(v, sizeof(v), "%u", st);
	return c->p->ops->xs_write(c->p->ctx, 0, path, v);
}

static uint32_t be_state(struct pvf_bbc *c)
{
	char path[PVF_BLK_PATH_MAX + 16], v[16];
	uint32_t st = 0;
	int n;

	snprintf(path, sizeof(path), "%s/state", c->be);
	n = c->p->ops->xs_read(c->p->ctx, 0, path, v, sizeof(v));
	if (n < 0 || (size_t)n >= sizeof(v))
		return 0;
	v[n] = '\0';
	if (pvf_xs_parse_u32(v, &st))
		return 0;
	return st;
}

static void on_event(void *arg, uint32_t port)
{
	struct pvf_bbc *c = arg;

	pvf_blk_on_event(&c->blk, port);
}

static void bind_ports(struct pvf_bbc *c, bool on)
{
	uint32_t i;

	for (i = 0; i < PVF_BLK_MAX_QUEUES; i++)
		if (c->blk.q[i].port)
			pvf_lb_guest_bind(c->g, c->blk.q[i].port, on ? on_event : NULL, on ? c : NULL);
}

/* Wait for the backend to reach one of the states in @mask (bit n =
 * state n), pumping events.  Returns the state or -PVF_ETIMEDOUT. */
static int wait_be(struct pvf_bbc *c, uint32_t mask, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	do {
		uint32_t st = be_state(c);

		if (st < 32 && (mask & (1u << st)))
			return (int)st;
		pvf_lb_guest_poll(c->g, 1);
	} while (now_ms() < end);
	return -PVF_ETIMEDOUT;
}

static int do_setup(struct pvf_bbc *c)
{
	int rc = pvf_blk_setup(&c->blk);

	if (rc)
		return rc;
	bind_ports(c, true);
	return fe_state(c, 3);
}

static int do_connect(struct pvf_bbc *c)
{
	int rc = pvf_blk_connect(&c->blk);

	if (rc)
		return rc;
	c->be_state = 4;
	return fe_state(c, 4);
}

int pvf_bbc_open(struct pvf_bbc *c, struct pvf_lb_guest *g, const char *fe, const char *be,
		 const struct pvf_blk_config *cfg, uint32_t data_pages, int timeout_ms)
{
	struct pvf_blk_config bc;
	char wpath[PVF_BLK_PATH_MAX + 16];
	size_t sz;
	int rc;

	memset(c, 0, sizeof(*c));
	if (strlen(fe) >= sizeof(c->fe) || strlen(be) >= sizeof(c->be))
		return -PVF_EINVAL;
	c->g = g;
	c->p = pvf_lb_guest_platform(g);
	strcpy(c->fe, fe);
	strcpy(c->be, be);
	if (cfg)
		bc = *cfg;
	else
		pvf_blk_config_default(&bc);
	bc.frontend_path = c->fe;
	bc.backend_path = c->be;
	sz = pvf_blk_scratch_size(&bc);
	if (!sz)
		return -PVF_EINVAL;
	c->scratch = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	if (!c->scratch)
		return -PVF_ENOMEM;
	memset(c->scratch, 0, sz);
	bc.scratch = c->scratch;
	bc.scratch_size = sz;
	rc = pvf_blk_init(&c->blk, c->p, &bc);
	if (!rc && data_pages) {
		c->frames = calloc(data_pages, sizeof(*c->frames));
		rc = c->frames ? c->p->ops->page_alloc(c->p->ctx, data_pages, &c->data, c->frames)
			       : -PVF_ENOMEM;
		if (!rc)
			c->data_pages = data_pages;
	}
	snprintf(wpath, sizeof(wpath), "%s/state", c->be);
	if (!rc)
		rc = c->p->ops->xs_watch(c->p->ctx, wpath, TOKEN);
	if (!rc)
		rc = fe_state(c, 1);
	if (!rc) {
		rc = wait_be(c, 1u << 2 | 1u << 4, timeout_ms);
		rc = rc < 0 ? rc : do_setup(c);
	}
	if (!rc) {
		rc = wait_be(c, 1u << 4, timeout_ms);
		rc = rc < 0 ? rc : do_connect(c);
	}
	if (rc) {
		if (c->blk.state != PVF_BLK_S_INIT)
			pvf_blk_shutdown(&c->blk);
		bind_ports(c, false);
		c->p->ops->xs_unwatch(c->p->ctx, wpath, TOKEN);
		if (c->data_pages)
			c->p->ops->page_free(c->p->ctx, c->data, c->data_pages);
		free(c->frames);
		free(c->scratch);
		memset(c, 0, sizeof(*c));
	}
	return rc;
}

void *pvf_bbc_page(struct pvf_bbc *c, uint32_t i)
{
	return i < c->data_pages ? (uint8_t *)c->data + (size_t)i * PVF_PAGE_SIZE : NULL;
}

uint64_t pvf_bbc_frame(struct pvf_bbc *c, uint32_t i)
{
	return i < c->data_pages ? c->frames[i] : 0;
}

/* React to a backend state change. */
static int on_backend(struct pvf_bbc *c)
{
	uint32_t st = be_state(c);
	int rc = 0;

	if (c->blk.state == PVF_BLK_S_CONNECTED) {
		if (st == 4) {
			/* Re-entered Connected: a resize.  The core re-reads
			 * `sectors` (a bad value is logged and ignored). */
			if (pvf_blk_check_resize(&c->blk) == 1)
				c->resizes++;
		} else if (st == 5 || st == 6 || st == 0) {
			bind_ports(c, false);
			pvf_blk_disconnect(&c->blk);
			fe_state(c, 6);
			rc = fe_state(c, 1);
		}
	} else if (c->blk.state == PVF_BLK_S_DISCONNECTED && st == 2) {
		rc = do_setup(c);
	} else if (c->blk.state == PVF_BLK_S_SETUP && st == 4) {
		rc = do_connect(c);
	}
	c->be_state = st;
	return rc;
}

int pvf_bbc_pump(struct pvf_bbc *c, int timeout_ms)
{
	char path[PVF_BLK_PATH_MAX + 16], tok[32];
	int rc, ev = 0;

	pvf_lb_guest_poll(c->g, timeout_ms);
	while ((rc = pvf_lb_xs_read_watch(c->g, path, sizeof(path), tok, sizeof(tok))) != 0) {
		if (rc == 1 && !strcmp(tok, TOKEN))
			ev = 1;
		if (rc < 0 && rc != -PVF_E2BIG)
			break;
	}
	if (ev) {
		rc = on_backend(c);
		if (rc)
			return rc;
	}
	if (c->blk.state != PVF_BLK_S_CONNECTED)
		return 0;
	return pvf_blk_poll(&c->blk);
}

struct bbc_wait {
	int done;
	int status;
};

static void io_done(struct pvf_blk_req *req, int status)
{
	struct bbc_wait *w = req->cookie;

	w->status = status;
	w->done = 1;
}

int pvf_bbc_io(struct pvf_bbc *c, enum pvf_blk_op op, uint64_t sector, void *buf,
	       uint32_t nsect, int timeout_ms)
{
	struct pvf_blk_req req;
	struct pvf_blk_seg *segs = NULL;
	struct bbc_wait w = { 0, 0 };
	uint32_t npages = 0, i;
	int64_t end;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = (uint8_t)op;
	req.sector = sector;
	req.done = io_done;
	req.cookie = &w;
	if (op == PVF_BLK_OP_READ || op == PVF_BLK_OP_WRITE) {
		npages = (nsect + 7) / 8;
		if (nsect == 0 || npages > c->data_pages)
			return -PVF_EINVAL;
		segs = calloc(npages, sizeof(*segs));
		if (!segs)
			return -PVF_ENOMEM;
		for (i = 0; i < npages; i++) {
			uint32_t left = nsect - i * 8;

			segs[i].frame = c->frames[i];
			segs[i].va = pvf_bbc_page(c, i);
			segs[i].first_sect = 0;
			segs[i].last_sect = (uint8_t)((left >= 8 ? 8 : left) - 1);
		}
		if (op == PVF_BLK_OP_WRITE)
			memcpy(c->data, buf, (size_t)nsect * 512);
		req.segs = segs;
		req.nr_segs = npages;
	} else if (op == PVF_BLK_OP_DISCARD) {
		req.nr_sectors = nsect;
	}
	rc = pvf_blk_submit(&c->blk, &req);
	if (rc) {
		free(segs);
		return rc;
	}
	end = now_ms() + timeout_ms;
	while (!w.done && now_ms() < end) {
		rc = pvf_bbc_pump(c, 2);
		if (rc < 0 && rc != -PVF_ENOTCONN && !w.done)
			break;
	}
	if (!w.done) {
		/* the core still borrows req, which must not go out of scope:
		 * shutting the device down completes it (-PVF_ESHUTDOWN) */
		pvf_bbc_abort(c, timeout_ms);
		free(segs);
		return w.done ? w.status : -PVF_ETIMEDOUT;
	}
	if (op == PVF_BLK_OP_READ && w.status == 0)
		memcpy(buf, c->data, (size_t)nsect * 512);
	free(segs);
	return w.status;
}

int pvf_bbc_abort(struct pvf_bbc *c, int timeout_ms)
{
	if (c->blk.state == PVF_BLK_S_CLOSED)
		return pvf_blk_shutdown(&c->blk);
	fe_state(c, 5);
	/* the backend unmaps everything before it leaves Connected */
	wait_be(c, 1u << 5 | 1u << 6 | 1u << 0, timeout_ms);
	bind_ports(c, false);
	return pvf_blk_shutdown(&c->blk);
}

int pvf_bbc_close(struct pvf_bbc *c, int timeout_ms)
{
	char wpath[PVF_BLK_PATH_MAX + 16];
	int rc, rc2;

	if (!c->p)
		return 0;
	rc = pvf_bbc_abort(c, timeout_ms);
	fe_state(c, 6);
	wait_be(c, 1u << 6 | 1u << 0, timeout_ms);
	snprintf(wpath, sizeof(wpath), "%s/state", c->be);
	c->p->ops->xs_unwatch(c->p->ctx, wpath, TOKEN);
	if (rc == 0 && c->data_pages)
		c->p->ops->page_free(c->p->ctx, c->data, c->data_pages);
	free(c->frames);
	free(c->scratch);
	rc2 = rc;
	memset(c, 0, sizeof(*c));
	return rc2;
}
