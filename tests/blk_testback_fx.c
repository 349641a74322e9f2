/* SPDX-License-Identifier: BSD-2-Clause */
/* Block frontend tests: fixture, data buffers, request helpers and the
 * XenBus backend role (toolstack + blkback state changes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/xen.h>
#include <xen/io/blkif.h>
#include "blk_testback.h"

/* ---- fixture ------------------------------------------------------------- */

struct tb_fx *tb_fx_new(uint64_t sectors)
{
	struct tb_fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		abort();
	tb_plat_init(&fx->tp);
	tb_publish_default(&fx->tp, TB_BE, sectors);
	tb_back_init(&fx->tb, &fx->tp, TB_FE, sectors);
	pvf_blk_config_default(&fx->cfg);
	fx->cfg.frontend_path = TB_FE;
	fx->cfg.backend_path = TB_BE;
	fx->cfg.backend_domid = 1;
	return fx;
}

void tb_fx_be(struct tb_fx *fx, const char *key, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", TB_BE, key);
	if (val)
		tb_xs_set(&fx->tp, path, val);
	else
		tb_xs_del(&fx->tp, path);
}

int tb_fx_connect(struct tb_fx *fx)
{
	size_t sz = pvf_blk_scratch_size(&fx->cfg);
	int r;

	if (!sz)
		return -PVF_EINVAL;
	free(fx->scratch);
	fx->scratch = aligned_alloc(8, (sz + 7) & ~(size_t)7);
	fx->cfg.scratch = fx->scratch;
	fx->cfg.scratch_size = sz;
	r = pvf_blk_init(&fx->blk, &fx->tp.plat, &fx->cfg);
	if (r)
		return r;
	r = pvf_blk_setup(&fx->blk);
	if (r)
		return r;
	if (tb_back_attach(&fx->tb))
		return -PVF_EIO;
	return pvf_blk_connect(&fx->blk);
}

int tb_fx_pump(struct tb_fx *fx)
{
	int total = 0;

	for (;;) {
		int served = tb_back_run(&fx->tb);
		int r = pvf_blk_poll(&fx->blk);

		if (r < 0)
			return r;
		total += r;
		if (served == 0 && r == 0)
			return total;
	}
}

int tb_fx_free(struct tb_fx *fx)
{
	int leaks;

	pvf_blk_shutdown(&fx->blk);
	leaks = fx->tp.gnt_in_use + fx->tp.pages_out + fx->tp.ports_open + fx->tp.watches;
	if (leaks)
		fprintf(stderr, "leak: grants %d pages %d ports %d watches %d\n",
			fx->tp.gnt_in_use, fx->tp.pages_out, fx->tp.ports_open, fx->tp.watches);
	tb_back_fini(&fx->tb);
	tb_plat_fini(&fx->tp);
	free(fx->scratch);
	free(fx);
	return leaks;
}

void tb_buf_new(struct tb_buf *b, uint32_t n, int odd)
{
	uint32_t i;

	b->n = n;
	b->mem = aligned_alloc(PVF_PAGE_SIZE, (size_t)n * PVF_PAGE_SIZE);
	b->segs = calloc(n, sizeof(*b->segs));
	if (!b->mem || !b->segs)
		abort();
	memset(b->mem, 0, (size_t)n * PVF_PAGE_SIZE);
	for (i = 0; i < n; i++) {
		struct pvf_blk_seg *s = &b->segs[i];

		s->va = b->mem + (size_t)i * PVF_PAGE_SIZE;
		s->frame = (uintptr_t)s->va >> PVF_PAGE_SHIFT;
		s->first_sect = 0;
		s->last_sect = 7;
		if (odd) {
			s->first_sect = (uint8_t)(i % 3);
			s->last_sect = (uint8_t)(7 - (i % 2) * 2);
		}
	}
}

void tb_buf_fill(struct tb_buf *b, uint32_t seed)
{
	size_t i;

	for (i = 0; i < (size_t)b->n * PVF_PAGE_SIZE; i++)
		b->mem[i] = (uint8_t)(seed * 131u + i * 7u + (i >> 9));
}

uint64_t tb_buf_sectors(const struct tb_buf *b)
{
	uint64_t t = 0;
	uint32_t i;

	for (i = 0; i < b->n; i++)
		t += b->segs[i].last_sect - b->segs[i].first_sect + 1u;
	return t;
}

int tb_buf_same(const struct tb_buf *a, const struct tb_buf *b)
{
	uint32_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct pvf_blk_seg *s = &a->segs[i];
		size_t off = (size_t)s->first_sect * 512;
		size_t len = (size_t)(s->last_sect - s->first_sect + 1) * 512;

		if (memcmp((uint8_t *)a->segs[i].va + off, (uint8_t *)b->segs[i].va + off, len))
			return 0;
	}
	return 1;
}

void tb_buf_free(struct tb_buf *b)
{
	free(b->mem);
	free(b->segs);
	b->mem = NULL;
	b->segs = NULL;
}

/* ---- caller requests ------------------------------------------------------ */

static void treq_done(struct pvf_blk_req *req, int status)
{
	struct treq *t = req->cookie;

	t->status = status;
	t->calls++;
}

void treq_init(struct treq *t, uint8_t op, uint64_t sector, const struct tb_buf *b)
{
	memset(t, 0, sizeof(*t));
	t->r.op = op;
	t->r.sector = sector;
	if (b) {
		t->r.segs = b->segs;
		t->r.nr_segs = b->n;
	}
	t->r.done = treq_done;
	t->r.cookie = t;
	t->status = 12345;
}

/* ---- XenBus roles ----------------------------------------------------------- */

int tb_xb_state(struct tb_plat *tp, const char *dir)
{
	char path[256];
	const char *v;

	snprintf(path, sizeof(path), "%s/state", dir);
	v = tb_xs_get(tp, path);
	return v ? atoi(v) : -1;
}

void tb_xb_set_state(struct tb_plat *tp, const char *be, int state)
{
	char path[256], val[16];

	snprintf(path, sizeof(path), "%s/state", be);
	snprintf(val, sizeof(val), "%d", state);
	tb_xs_set(tp, path, val);
}

int tb_xb_step(struct tb_back *tb, const char *be)
{
	int fe = tb_xb_state(tb->tp, tb->fe), bs = tb_xb_state(tb->tp, be);

	if (fe == XenbusStateInitialising && bs == XenbusStateClosed) {
		tb_xb_set_state(tb->tp, be, XenbusStateInitWait);
		return 1;
	}
	if ((fe == XenbusStateInitialised || fe == XenbusStateConnected) &&
	    bs == XenbusStateInitWait) {
		if (tb_back_attach(tb))
			return -1;
		tb_xb_set_state(tb->tp, be, XenbusStateConnected);
		return 1;
	}
	if (fe == XenbusStateClosing && (bs == XenbusStateConnected || bs == XenbusStateInitWait)) {
		tb_xb_set_state(tb->tp, be, XenbusStateClosing);
		return 1;
	}
	if (fe == XenbusStateClosed && (bs == XenbusStateClosing || bs == XenbusStateConnected)) {
		tb_back_detach(tb);
		tb_xb_set_state(tb->tp, be, XenbusStateClosed);
		return 1;
	}
	return 0;
}

int tb_xb_fire(struct tb_plat *tp, const char *path,
	       void (*deliver)(void *arg, const char *path, const char *token), void *arg)
{
	int i, n = 0;

	for (i = 0; i < TB_WATCH_MAX; i++) {
		size_t l;

		if (!tp->watch_path[i])
			continue;
		l = strlen(tp->watch_path[i]);
		if (strncmp(path, tp->watch_path[i], l) || (path[l] && path[l] != '/'))
			continue;
		deliver(arg, path, tp->watch_token[i]);
		n++;
	}
	return n;
}
