/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block frontend driven by the XenBus state machine (pvf_blk_xenbus_ops)
 * against the in-process test backend playing toolstack + blkback: normal
 * connect and close, backend restart with in-flight I/O replayed under
 * smaller limits, handover then a second instance, transaction conflicts,
 * online resize (the machine's PVF_XENBUS_EV_BACKEND_CHANGED: grow,
 * shrink, bad sizes ignored).  The backend keeps its rings mapped until it sees the
 * frontend Closed (as Linux blkback), so release must wait for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/handover.h>
#include "blk_testback.h"
#include "cu.h"

#define XBE "/local/domain/0/backend/vbd/1/768"

struct xfront {
	struct pvf_xenbus_dev dev;
	struct pvf_blk blk;
	void *scratch;
	int resizes;
	uint64_t old_sectors, new_sectors;
	int changes;  /* PVF_XENBUS_EV_BACKEND_CHANGED seen by on_xenbus_event */
	int others;   /* any other event */
};

struct xfx {
	struct tb_plat tp;
	struct tb_back tb;
};

static void be_key(struct xfx *x, const char *key, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", XBE, key);
	if (val)
		tb_xs_set(&x->tp, path, val);
	else
		tb_xs_del(&x->tp, path);
}

/* Backend in InitWait with @sectors published; disk of @disk sectors. */
static struct xfx *xfx_new(uint64_t sectors, uint64_t disk)
{
	struct xfx *x = calloc(1, sizeof(*x));

	tb_plat_init(&x->tp);
	tb_publish_default(&x->tp, XBE, sectors);
	tb_xs_set(&x->tp, TB_FE "/backend", XBE);
	tb_xs_set(&x->tp, TB_FE "/backend-id", "1");
	tb_back_init(&x->tb, &x->tp, TB_FE, disk);
	x->tb.map_rings = 1;
	tb_xb_set_state(&x->tp, XBE, XenbusStateInitWait);
	return x;
}

static int xfx_leaks(struct xfx *x)
{
	return x->tp.gnt_in_use + x->tp.pages_out + x->tp.ports_open + x->tp.watches;
}

static void xfx_free(struct xfx *x)
{
	tb_back_fini(&x->tb);
	tb_plat_fini(&x->tp);
	free(x);
}

static void on_resize(void *arg, uint64_t old_sectors, uint64_t new_sectors)
{
	struct xfront *f = arg;

	f->resizes++;
	f->old_sectors = old_sectors;
	f->new_sectors = new_sectors;
}

static void on_xb_event(void *arg, int ev, int err)
{
	struct xfront *f = arg;

	if (ev == PVF_XENBUS_EV_BACKEND_CHANGED) {
		CU_ASSERT_EQUAL(err, 0);
		f->changes++;
	} else {
		f->others++;
	}
}

/* Create the XenBus device and the block frontend on it. */
static struct xfront *front_new(struct xfx *x, const struct pvf_blk_config *tmpl)
{
	struct xfront *f = calloc(1, sizeof(*f));
	struct pvf_blk_config cfg;
	size_t sz;

	if (tmpl)
		cfg = *tmpl;
	else
		pvf_blk_config_default(&cfg);
	CU_ASSERT_EQUAL_FATAL(pvf_xenbus_create(&f->dev, &x->tp.plat, TB_FE, &pvf_blk_xenbus_ops,
						&f->blk, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_blk_config_xenbus(&cfg, &f->dev), 0);
	CU_ASSERT_STRING_EQUAL(cfg.backend_path, XBE);
	CU_ASSERT_EQUAL(cfg.backend_domid, 1);
	cfg.on_resize = on_resize;
	cfg.on_xenbus_event = on_xb_event;
	cfg.notify_arg = f;
	sz = pvf_blk_scratch_size(&cfg);
	f->scratch = aligned_alloc(8, (sz + 7) & ~(size_t)7);
	cfg.scratch = f->scratch;
	cfg.scratch_size = sz;
	CU_ASSERT_EQUAL_FATAL(pvf_blk_init(&f->blk, &x->tp.plat, &cfg), 0);
	return f;
}

static void front_free(struct xfront *f)
{
	free(f->scratch);
	free(f);
}

static void deliver(void *arg, const char *path, const char *token)
{
	struct xfront *f = arg;

	pvf_xenbus_on_watch(&f->dev, path, token);
}

/* Backend state changed: deliver its watch event.  Returns the number of
 * events delivered. */
static int fire(struct xfx *x, struct xfront *f)
{
	return tb_xb_fire(&x->tp, XBE "/state", deliver, f);
}

/* Let both ends and the data path run until nothing moves. */
static void xpump(struct xfx *x, struct xfront *f)
{
	int i;

	for (i = 0; i < 100; i++) {
		int moved = tb_xb_step(&x->tb, XBE);
		int fe = tb_xb_state(&x->tp, TB_FE);
		int served, polled;

		CU_ASSERT(moved >= 0);
		fire(x, f);
		served = tb_back_run(&x->tb);
		polled = pvf_blk_poll(&f->blk);
		if (moved <= 0 && served == 0 && polled <= 0 && fe == tb_xb_state(&x->tp, TB_FE))
			return;
	}
	CU_FAIL("pump did not settle");
}

static int connected(struct xfx *x, struct xfront *f)
{
	return pvf_xenbus_frontend_state(&f->dev) == PVF_XENBUS_CONNECTED &&
	       tb_xb_state(&x->tp, XBE) == XenbusStateConnected;
}

/* Frontend-initiated close, destroy, shutdown; asserts nothing is left. */
static void front_close(struct xfx *x, struct xfront *f)
{
	CU_ASSERT_EQUAL(pvf_xenbus_close(&f->dev), 0);
	xpump(x, f);
	CU_ASSERT(pvf_xenbus_is_closed(&f->dev));
	CU_ASSERT_EQUAL(tb_xb_state(&x->tp, TB_FE), XenbusStateClosed);
	CU_ASSERT_EQUAL(x->tp.gnt_in_use + x->tp.pages_out + x->tp.ports_open, 0);
	CU_ASSERT_EQUAL(pvf_xenbus_destroy(&f->dev), 0);
	CU_ASSERT_EQUAL(pvf_blk_shutdown(&f->blk), 0);
	CU_ASSERT_EQUAL(xfx_leaks(x), 0);
	front_free(f);
}

static int write_read(struct xfront *f, struct xfx *x, uint64_t sector, uint32_t pages, uint32_t seed)
{
	struct tb_buf w, r;
	struct treq tw, tr;
	int ok;

	tb_buf_new(&w, pages, 0);
	tb_buf_new(&r, pages, 0);
	tb_buf_fill(&w, seed);
	treq_init(&tw, PVF_BLK_OP_WRITE, sector, &w);
	treq_init(&tr, PVF_BLK_OP_READ, sector, &r);
	ok = pvf_blk_submit(&f->blk, &tw.r) == 0;
	xpump(x, f);
	ok = ok && pvf_blk_submit(&f->blk, &tr.r) == 0;
	xpump(x, f);
	ok = ok && tw.calls == 1 && tw.status == 0 && tr.calls == 1 && tr.status == 0 &&
	     tb_buf_same(&w, &r);
	tb_buf_free(&w);
	tb_buf_free(&r);
	return ok;
}

static void test_connect_io_close(void)
{
	struct xfx *x = xfx_new(1024, 1024);
	struct xfront *f = front_new(x, NULL);
	int grants;

	xpump(x, f);
	CU_ASSERT(connected(x, f));
	CU_ASSERT(write_read(f, x, 16, 4, 7));
	CU_ASSERT_EQUAL(pvf_blk_xenbus_last_event(&f->blk, NULL), 0);
	/* Close step by step: nothing is freed while the backend maps it. */
	CU_ASSERT_EQUAL(pvf_xenbus_close(&f->dev), 0);
	CU_ASSERT_EQUAL(tb_xb_state(&x->tp, TB_FE), XenbusStateClosing);
	grants = x->tp.gnt_in_use;
	CU_ASSERT(grants > 0);
	CU_ASSERT_EQUAL(tb_xb_step(&x->tb, XBE), 1); /* backend Closing */
	fire(x, f);
	CU_ASSERT_EQUAL(tb_xb_state(&x->tp, TB_FE), XenbusStateClosed);
	CU_ASSERT(x->tp.gnt_in_use > 0);             /* ring still mapped */
	CU_ASSERT(x->tp.gnt_in_use <= grants);
	CU_ASSERT(x->tp.pages_out > 0);
	CU_ASSERT(!pvf_blk_is_broken(&f->blk));       /* expected, not a violation */
	CU_ASSERT_EQUAL(tb_xb_step(&x->tb, XBE), 1); /* backend unmaps, Closed */
	fire(x, f);
	CU_ASSERT(pvf_xenbus_is_closed(&f->dev));
	CU_ASSERT_EQUAL(pvf_blk_xenbus_last_event(&f->blk, NULL), PVF_XENBUS_EV_CLOSED);
	front_close(x, f);
	xfx_free(x);
}

/* Backend goes Closing -> Closed -> InitWait with smaller limits while
 * writes are in flight: each is replayed, re-split, completes once. */
static void test_backend_restart_replays(void)
{
	static const uint32_t nsegs[3] = { 40, 5, 1 };
	struct xfx *x = xfx_new(4096, 4096);
	struct pvf_blk_config cfg;
	struct xfront *f;
	struct tb_buf w[3];
	struct treq t[3], fl;
	uint64_t sec = 0, at[3];
	int i;

	pvf_blk_config_default(&cfg);
	cfg.max_indirect_segs = 64;
	cfg.persistent = 0;
	be_key(x, "max-ring-page-order", "2");
	be_key(x, "feature-max-indirect-segments", "64");
	be_key(x, "feature-flush-cache", "1");
	f = front_new(x, &cfg);
	xpump(x, f);
	CU_ASSERT_FATAL(connected(x, f));
	CU_ASSERT_EQUAL(pvf_blk_get_info(&f->blk)->ring_order, 2);
	x->tb.drop = 1; /* consumed, never answered: the backend dies */
	for (i = 0; i < 3; i++) {
		tb_buf_new(&w[i], nsegs[i], i & 1);
		tb_buf_fill(&w[i], (uint32_t)i + 40);
		treq_init(&t[i], PVF_BLK_OP_WRITE, sec, &w[i]);
		at[i] = sec;
		sec += (tb_buf_sectors(&w[i]) + 7) & ~7ull;
		CU_ASSERT_EQUAL(pvf_blk_submit(&f->blk, &t[i].r), 0);
	}
	treq_init(&fl, PVF_BLK_OP_FLUSH, 0, NULL);
	CU_ASSERT_EQUAL(pvf_blk_submit(&f->blk, &fl.r), 0);
	CU_ASSERT(tb_back_run(&x->tb) > 0);
	CU_ASSERT_EQUAL(x->tb.nindirect, 0); /* dropped before serving */
	/* the backend closes on its own */
	tb_xb_set_state(&x->tp, XBE, XenbusStateClosing);
	fire(x, f);
	CU_ASSERT_EQUAL(tb_xb_state(&x->tp, TB_FE), XenbusStateClosed);
	CU_ASSERT(x->tp.gnt_in_use > 0); /* ring still mapped: release waits */
	CU_ASSERT_EQUAL(tb_xb_step(&x->tb, XBE), 1); /* unmapped, Closed */
	fire(x, f);
	CU_ASSERT_EQUAL(x->tp.gnt_in_use, 0);
	CU_ASSERT_EQUAL(x->tp.pages_out, 0);
	CU_ASSERT_EQUAL(x->tp.ports_open, 0);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(t[i].calls, 0);
	CU_ASSERT_EQUAL(fl.calls, 0);
	/* back with smaller limits */
	be_key(x, "max-ring-page-order", NULL);
	be_key(x, "feature-max-indirect-segments", NULL);
	x->tb.drop = 0;
	x->tb.nreq = 0;
	x->tb.max_segs = 0;
	tb_xb_set_state(&x->tp, XBE, XenbusStateInitWait);
	xpump(x, f);
	CU_ASSERT_FATAL(connected(x, f));
	CU_ASSERT_EQUAL(pvf_blk_get_info(&f->blk)->ring_order, 0);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&f->blk)->max_indirect_segs, 0);
	for (i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(t[i].calls, 1);
		CU_ASSERT_EQUAL(t[i].status, 0);
		CU_ASSERT_EQUAL(memcmp(x->tb.disk + at[i] * 512 + w[i].segs[0].first_sect * 512,
				       (uint8_t *)w[i].segs[0].va + w[i].segs[0].first_sect * 512,
				       512), 0);
	}
	CU_ASSERT_EQUAL(fl.calls, 1);
	CU_ASSERT_EQUAL(fl.status, 0);
	CU_ASSERT(x->tb.max_segs <= 11);
	CU_ASSERT_EQUAL(x->tb.nreq, 4 + 1 + 1 + 1); /* 40 -> 4 parts, 5, 1, flush */
	CU_ASSERT(pvf_blk_get_stats(&f->blk)->replayed >= 4);
	front_close(x, f);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(t[i].calls, 1);
	for (i = 0; i < 3; i++)
		tb_buf_free(&w[i]);
	xfx_free(x);
}

/* Handover: the first instance closes the device back to InitWait with
 * nothing leaked; a second instance connects and reads what it wrote. */
static void test_handover_second_instance(void)
{
	struct xfx *x = xfx_new(1024, 1024);
	struct xfront *f1 = front_new(x, NULL), *f2;
	struct pvf_xenbus_dev *devs[1];
	struct pvf_handover h;
	struct pvf_handover_report rep;
	struct tb_buf w, r, lost;
	struct treq tw, tr, tl;
	int i, rc = -1;

	xpump(x, f1);
	CU_ASSERT_FATAL(connected(x, f1));
	tb_buf_new(&w, 8, 0);
	tb_buf_fill(&w, 99);
	treq_init(&tw, PVF_BLK_OP_WRITE, 64, &w);
	CU_ASSERT_EQUAL(pvf_blk_submit(&f1->blk, &tw.r), 0);
	xpump(x, f1);
	CU_ASSERT_EQUAL(tw.status, 0);
	/* one request the backend never answers: failed once at shutdown */
	tb_buf_new(&lost, 1, 0);
	treq_init(&tl, PVF_BLK_OP_READ, 0, &lost);
	x->tb.drop = 1;
	CU_ASSERT_EQUAL(pvf_blk_submit(&f1->blk, &tl.r), 0);
	tb_back_run(&x->tb);
	x->tb.drop = 0;
	devs[0] = &f1->dev;
	CU_ASSERT_EQUAL(pvf_handover_begin(&h, devs, 1, 1000000000ull), 0);
	for (i = 0; i < 20 && rc != 0; i++) {
		tb_xb_step(&x->tb, XBE);
		rc = pvf_handover_poll(&h);
	}
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(pvf_handover_get_report(&h, &rep), 0);
	CU_ASSERT_EQUAL(rep.closed, 1);
	CU_ASSERT_EQUAL(rep.busy, 0);
	tb_xb_step(&x->tb, XBE);
	CU_ASSERT_EQUAL(tb_xb_state(&x->tp, TB_FE), XenbusStateInitialising);
	CU_ASSERT_EQUAL(tb_xb_state(&x->tp, XBE), XenbusStateInitWait);
	CU_ASSERT_EQUAL(x->tp.gnt_in_use, 0);
	CU_ASSERT_EQUAL(x->tp.ports_open, 0);
	CU_ASSERT_EQUAL(x->tp.pages_out, 0);
	CU_ASSERT_EQUAL(tl.calls, 0);
	CU_ASSERT_EQUAL(pvf_xenbus_destroy(&f1->dev), 0);
	CU_ASSERT_EQUAL(pvf_blk_shutdown(&f1->blk), 0);
	CU_ASSERT_EQUAL(tl.calls, 1);
	CU_ASSERT_EQUAL(tl.status, -PVF_ESHUTDOWN);
	CU_ASSERT_EQUAL(xfx_leaks(x), 0);
	front_free(f1);

	f2 = front_new(x, NULL);
	xpump(x, f2);
	CU_ASSERT_FATAL(connected(x, f2));
	tb_buf_new(&r, 8, 0);
	treq_init(&tr, PVF_BLK_OP_READ, 64, &r);
	CU_ASSERT_EQUAL(pvf_blk_submit(&f2->blk, &tr.r), 0);
	xpump(x, f2);
	CU_ASSERT_EQUAL(tr.status, 0);
	CU_ASSERT(tb_buf_same(&w, &r));
	front_close(x, f2);
	CU_ASSERT_EQUAL(tl.calls, 1);
	tb_buf_free(&w);
	tb_buf_free(&r);
	tb_buf_free(&lost);
	xfx_free(x);
}

/* Commit conflicts: the machine releases and sets up again; no attempt
 * leaks, the keys of the last one are in xenstore. */
static void test_setup_txn_conflict(void)
{
	struct xfx *x = xfx_new(512, 512);
	struct xfront *f = front_new(x, NULL);
	char path[128];
	const char *ref;

	x->tp.txn_eagain = 3;
	xpump(x, f);
	CU_ASSERT_FATAL(connected(x, f));
	CU_ASSERT_EQUAL(x->tp.txn_eagain, 0);
	CU_ASSERT_EQUAL(x->tp.txn_commits, 1);
	snprintf(path, sizeof(path), "%s/ring-ref", TB_FE);
	ref = tb_xs_get(&x->tp, path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
	CU_ASSERT_PTR_NOT_NULL(tb_gnt_va(&x->tp, (uint32_t)atoi(ref)));
	CU_ASSERT(write_read(f, x, 0, 2, 3));
	front_close(x, f);
	xfx_free(x);
}

/* The backend grows the disk while connected and rewrites its state. */
static void test_resize_while_connected(void)
{
	struct xfx *x = xfx_new(1024, 2048);
	struct xfront *f = front_new(x, NULL);
	struct tb_buf b;
	struct treq t;

	xpump(x, f);
	CU_ASSERT_FATAL(connected(x, f));
	CU_ASSERT_EQUAL(pvf_blk_get_info(&f->blk)->sectors, 1024);
	tb_buf_new(&b, 1, 0);
	treq_init(&t, PVF_BLK_OP_READ, 1500, &b);
	CU_ASSERT_EQUAL(pvf_blk_submit(&f->blk, &t.r), -PVF_EINVAL);
	be_key(x, "sectors", "2048");
	tb_xb_set_state(&x->tp, XBE, XenbusStateConnected); /* same state: the hint */
	fire(x, f);
	CU_ASSERT_EQUAL(f->resizes, 1);
	CU_ASSERT_EQUAL(f->old_sectors, 1024);
	CU_ASSERT_EQUAL(f->new_sectors, 2048);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&f->blk)->sectors, 2048);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&f->blk)->resizes, 1);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&f->blk)->prev_sectors, 1024);
	treq_init(&t, PVF_BLK_OP_READ, 1500, &b);
	CU_ASSERT_EQUAL(pvf_blk_submit(&f->blk, &t.r), 0);
	xpump(x, f);
	CU_ASSERT_EQUAL(t.status, 0);
	/* unchanged and malformed sizes: nothing reported, size kept */
	fire(x, f);
	CU_ASSERT_EQUAL(f->resizes, 1);
	be_key(x, "sectors", "20x");
	fire(x, f);
	CU_ASSERT_EQUAL(f->resizes, 1);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&f->blk)->sectors, 2048);
	CU_ASSERT_EQUAL(pvf_blk_check_resize(&f->blk), -PVF_EPROTO);
	/* shrunk across a backend restart: reported at connect */
	be_key(x, "sectors", "512");
	tb_xb_set_state(&x->tp, XBE, XenbusStateClosing);
	xpump(x, f);
	CU_ASSERT_EQUAL(pvf_blk_check_resize(&f->blk), -PVF_ENOTCONN);
	tb_xb_set_state(&x->tp, XBE, XenbusStateInitWait);
	xpump(x, f);
	CU_ASSERT_FATAL(connected(x, f));
	CU_ASSERT_EQUAL(f->resizes, 2);
	CU_ASSERT_EQUAL(f->old_sectors, 2048);
	CU_ASSERT_EQUAL(f->new_sectors, 512);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&f->blk)->sectors, 512);
	tb_buf_free(&b);
	front_close(x, f);
	xfx_free(x);
}

/* Shrink while connected through BACKEND_CHANGED; then Connected rewritten
 * with unparsable or missing `sectors`: warned, ignored, the device keeps
 * its size and works; one read per event (not sticky: a valid value is
 * taken again).  Nothing re-connects. */
static void test_resize_shrink_and_bad_sectors(void)
{
	static const char *const bad[] = { "", "abc", "-1", "0x400", " 512", "512 ",
					   "99999999999999999999999" };
	struct xfx *x = xfx_new(2048, 2048);
	struct xfront *f = front_new(x, NULL);
	const struct pvf_blk_info *in;
	struct tb_buf b;
	struct treq t;
	int warns, changes, fired;
	size_t i;

	xpump(x, f);
	CU_ASSERT_FATAL(connected(x, f));
	in = pvf_blk_get_info(&f->blk);
	CU_ASSERT_EQUAL(in->sectors, 2048);
	CU_ASSERT(write_read(f, x, 1600, 2, 5));
	/* shrink: the backend rewrites sectors, then Connected */
	changes = f->changes;
	be_key(x, "sectors", "1000");
	tb_xb_set_state(&x->tp, XBE, XenbusStateConnected);
	fired = fire(x, f);
	CU_ASSERT(fired >= 1);
	CU_ASSERT_EQUAL(f->changes - changes, fired); /* one event per watch */
	CU_ASSERT_EQUAL(f->resizes, 1);
	CU_ASSERT_EQUAL(f->old_sectors, 2048);
	CU_ASSERT_EQUAL(f->new_sectors, 1000);
	CU_ASSERT_EQUAL(in->sectors, 1000);
	CU_ASSERT_EQUAL(in->prev_sectors, 2048);
	CU_ASSERT_EQUAL(in->resizes, 1);
	/* beyond the new end: refused by the core */
	tb_buf_new(&b, 1, 0);
	treq_init(&t, PVF_BLK_OP_READ, 1600, &b);
	CU_ASSERT_EQUAL(pvf_blk_submit(&f->blk, &t.r), -PVF_EINVAL);
	CU_ASSERT(write_read(f, x, 992, 1, 6));
	/* bad values: the size is kept, a warning each time, no resize */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		warns = x->tp.log_warns;
		changes = f->changes;
		be_key(x, "sectors", bad[i]);
		tb_xb_set_state(&x->tp, XBE, XenbusStateConnected);
		fired = fire(x, f);
		CU_ASSERT_EQUAL(f->changes - changes, fired);
		CU_ASSERT(x->tp.log_warns > warns);
		CU_ASSERT_EQUAL(in->sectors, 1000);
		CU_ASSERT_EQUAL(f->resizes, 1);
	}
	be_key(x, "sectors", NULL); /* missing */
	tb_xb_set_state(&x->tp, XBE, XenbusStateConnected);
	fire(x, f);
	CU_ASSERT_EQUAL(in->sectors, 1000);
	CU_ASSERT_EQUAL(f->resizes, 1);
	/* nothing re-connected, nothing broken, not reported as a problem */
	CU_ASSERT(!pvf_blk_is_broken(&f->blk));
	CU_ASSERT(connected(x, f));
	CU_ASSERT_EQUAL(f->others, 0);
	CU_ASSERT_EQUAL(pvf_blk_xenbus_last_event(&f->blk, NULL), 0);
	CU_ASSERT_EQUAL(x->tp.txn_commits, 1);
	CU_ASSERT(write_read(f, x, 992, 1, 7));
	/* a valid value again is taken */
	be_key(x, "sectors", "1500");
	tb_xb_set_state(&x->tp, XBE, XenbusStateConnected);
	fire(x, f);
	CU_ASSERT_EQUAL(f->resizes, 2);
	CU_ASSERT_EQUAL(f->old_sectors, 1000);
	CU_ASSERT_EQUAL(in->sectors, 1500);
	tb_buf_free(&b);
	front_close(x, f);
	xfx_free(x);
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_connect_io_close),
	PVF_TEST(test_backend_restart_replays),
	PVF_TEST(test_handover_second_instance),
	PVF_TEST(test_setup_txn_conflict),
	PVF_TEST(test_resize_while_connected),
	PVF_TEST(test_resize_shrink_and_bad_sectors),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("blk_xenbus", tests, NULL, NULL);
}
