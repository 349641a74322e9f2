/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block frontend core: persistent indirect grants, discard granularity and
 * alignment, per-queue pumping, resize through the direct API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "blk_testback.h"
#include "cu.h"

/* Write then read @pages pages of 40 segments through indirect requests;
 * returns the grant calls made by the data path. */
static int indirect_run(int persistent, int *nind)
{
	struct tb_fx *fx = tb_fx_new(2048);
	struct tb_buf w, r;
	struct treq t;
	int calls0, i;

	tb_fx_be(fx, "feature-max-indirect-segments", "64");
	tb_fx_be(fx, "feature-persistent", persistent ? "1" : "0");
	fx->cfg.max_indirect_segs = 64;
	fx->cfg.persistent = (uint8_t)persistent;
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&fx->blk)->persistent, persistent);
	calls0 = fx->tp.gnt_calls;
	tb_buf_new(&w, 40, 1);
	tb_buf_new(&r, 40, 1);
	for (i = 0; i < 3; i++) {
		tb_buf_fill(&w, (uint32_t)i + 1);
		treq_init(&t, PVF_BLK_OP_WRITE, (uint64_t)i * 320, &w);
		CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), 0);
		tb_fx_pump(fx);
		CU_ASSERT_EQUAL(t.status, 0);
		treq_init(&t, PVF_BLK_OP_READ, (uint64_t)i * 320, &r);
		CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), 0);
		tb_fx_pump(fx);
		CU_ASSERT_EQUAL(t.status, 0);
		CU_ASSERT(tb_buf_same(&w, &r));
	}
	*nind = fx->tb.nindirect;
	calls0 = fx->tp.gnt_calls - calls0;
	tb_buf_free(&w);
	tb_buf_free(&r);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
	return calls0;
}

static void test_persistent_indirect_pages(void)
{
	int nind = 0;

	/* persistent: data pool and indirect pages granted once at connect */
	CU_ASSERT_EQUAL(indirect_run(1, &nind), 0);
	CU_ASSERT_EQUAL(nind, 6);
	/* not persistent: 40 data grants + 1 indirect page per request */
	CU_ASSERT_EQUAL(indirect_run(0, &nind), 6 * 41);
	CU_ASSERT_EQUAL(nind, 6);
}

static struct tb_fx *discard_fx(const char *gran, const char *align, int *err)
{
	struct tb_fx *fx = tb_fx_new(256);

	tb_fx_be(fx, "feature-discard", "1");
	tb_fx_be(fx, "discard-secure", "1");
	tb_fx_be(fx, "discard-granularity", gran);
	tb_fx_be(fx, "discard-alignment", align);
	*err = tb_fx_connect(fx);
	return fx;
}

static void discard(struct tb_fx *fx, struct treq *t, uint64_t sector, uint64_t n, uint8_t fl,
		    int want)
{
	treq_init(t, PVF_BLK_OP_DISCARD, sector, NULL);
	t->r.nr_sectors = n;
	t->r.flags = fl;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t->r), want);
	tb_fx_pump(fx);
}

static void test_discard_granules(void)
{
	struct tb_fx *fx;
	struct treq t;
	int err, i, nd;

	/* 8-sector granules starting at sector 2 */
	fx = discard_fx("4096", "1024", &err);
	CU_ASSERT_EQUAL_FATAL(err, 0);
	memset(fx->tb.disk, 0xaa, 64 * 512);
	discard(fx, &t, 0, 30, 0, 0);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(t.status, 0);
	CU_ASSERT_EQUAL(fx->tb.last_discard_sector, 2);
	CU_ASSERT_EQUAL(fx->tb.last_discard_nr, 24);
	for (i = 0; i < 30; i++)
		CU_ASSERT_EQUAL(fx->tb.disk[i * 512], (i >= 2 && i < 26) ? 0 : 0xaa);
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&fx->blk)->discard_trimmed, 1);
	/* no whole granule: done at once, never on the ring */
	nd = fx->tb.ndiscard;
	treq_init(&t, PVF_BLK_OP_DISCARD, 3, NULL);
	t.r.nr_sectors = 6;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), 0);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(t.status, 0);
	CU_ASSERT_EQUAL(fx->tb.ndiscard, nd);
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&fx->blk)->discard_dropped, 1);
	/* exact granules pass untouched, secure too; a secure one that would
	 * be trimmed is refused */
	discard(fx, &t, 10, 16, PVF_BLK_REQ_SECURE, 0);
	CU_ASSERT_EQUAL(t.status, 0);
	CU_ASSERT_EQUAL(fx->tb.last_discard_sector, 10);
	CU_ASSERT_EQUAL(fx->tb.last_discard_nr, 16);
	CU_ASSERT_EQUAL(fx->tb.last_discard_flag, BLKIF_DISCARD_SECURE);
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&fx->blk)->discard_trimmed, 1);
	discard(fx, &t, 11, 16, PVF_BLK_REQ_SECURE, -PVF_EINVAL);
	CU_ASSERT_EQUAL(t.calls, 0);
	discard(fx, &t, 0, 8, PVF_BLK_REQ_SECURE, -PVF_EINVAL);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);

	/* alignment of more than a granule: the same boundaries */
	fx = discard_fx("4096", "5120", &err);
	CU_ASSERT_EQUAL_FATAL(err, 0);
	discard(fx, &t, 0, 30, 0, 0);
	CU_ASSERT_EQUAL(fx->tb.last_discard_sector, 2);
	CU_ASSERT_EQUAL(fx->tb.last_discard_nr, 24);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);

	/* granule not a power of two (6 sectors), near the end of a disk */
	fx = discard_fx("3072", "0", &err);
	CU_ASSERT_EQUAL_FATAL(err, 0);
	discard(fx, &t, 1, 19, 0, 0);
	CU_ASSERT_EQUAL(fx->tb.last_discard_sector, 6);
	CU_ASSERT_EQUAL(fx->tb.last_discard_nr, 12);
	discard(fx, &t, 200, 56, 0, 0); /* boundaries 204 .. 252 */
	CU_ASSERT_EQUAL(fx->tb.last_discard_sector, 204);
	CU_ASSERT_EQUAL(fx->tb.last_discard_nr, 48);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);

	/* an offset that is not whole sectors is the backend's error */
	fx = discard_fx("4096", "100", &err);
	CU_ASSERT_EQUAL(err, -PVF_EPROTO);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

struct reentry {
	struct treq t;
	struct pvf_blk *blk;
	uint32_t q;
	int nested;
};

static void reentry_done(struct pvf_blk_req *req, int status)
{
	struct reentry *e = req->cookie;

	e->t.calls++;
	e->t.status = status;
	e->nested = pvf_blk_poll_queue(e->blk, e->q);
}

static void test_poll_queue(void)
{
	struct tb_fx *fx = tb_fx_new(1024);
	struct tb_buf b;
	struct treq t0, t1;
	struct reentry e;

	tb_fx_be(fx, "multi-queue-max-queues", "2");
	fx->cfg.nr_queues = 2;
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_blk_get_info(&fx->blk)->nr_queues, 2);
	tb_buf_new(&b, 2, 0);
	treq_init(&t0, PVF_BLK_OP_READ, 0, &b);
	treq_init(&t1, PVF_BLK_OP_READ, 16, &b);
	t1.r.queue = 1;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t0.r), 0);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t1.r), 0);
	CU_ASSERT_EQUAL(tb_back_run(&fx->tb), 2);
	CU_ASSERT_EQUAL(pvf_blk_poll_queue(&fx->blk, 1), 1);
	CU_ASSERT_EQUAL(t1.calls, 1);
	CU_ASSERT_EQUAL(t0.calls, 0);
	CU_ASSERT_EQUAL(pvf_blk_poll_queue(&fx->blk, 1), 0);
	CU_ASSERT_EQUAL(pvf_blk_poll_queue(&fx->blk, 0), 1);
	CU_ASSERT_EQUAL(t0.calls, 1);
	CU_ASSERT_EQUAL(t0.status, 0);
	CU_ASSERT_EQUAL(pvf_blk_poll_queue(&fx->blk, 2), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&fx->blk)->completed, 2);
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&fx->blk)->submitted, 2);
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&fx->blk)->responses, 2);
	/* a done() callback cannot re-enter its own queue's pump */
	memset(&e, 0, sizeof(e));
	treq_init(&e.t, PVF_BLK_OP_READ, 8, &b);
	e.t.r.done = reentry_done;
	e.t.r.cookie = &e;
	e.t.r.queue = 3; /* 3 % 2 = queue 1 */
	e.blk = &fx->blk;
	e.q = 1;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &e.t.r), 0);
	tb_back_run(&fx->tb);
	CU_ASSERT_EQUAL(pvf_blk_poll_queue(&fx->blk, 0), 0);
	CU_ASSERT_EQUAL(e.t.calls, 0);
	CU_ASSERT_EQUAL(pvf_blk_poll_queue(&fx->blk, 1), 1);
	CU_ASSERT_EQUAL(e.t.calls, 1);
	CU_ASSERT_EQUAL(e.nested, -PVF_EALREADY);
	tb_buf_free(&b);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
	CU_ASSERT_EQUAL(pvf_blk_poll_queue(NULL, 0), -PVF_EINVAL);
}

static int resized, res_old, res_new;

static void note_resize(void *arg, uint64_t o, uint64_t n)
{
	(void)arg;
	resized++;
	res_old = (int)o;
	res_new = (int)n;
}

static void test_resize_direct(void)
{
	struct tb_fx *fx = tb_fx_new(2048);

	tb_fx_be(fx, "sectors", "1024");
	fx->cfg.on_resize = note_resize;
	resized = 0;
	CU_ASSERT_EQUAL(pvf_blk_check_resize(&fx->blk), -PVF_ENOTCONN);
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	CU_ASSERT_EQUAL(resized, 0); /* the first size is not a resize */
	CU_ASSERT_EQUAL(pvf_blk_check_resize(&fx->blk), 0);
	tb_fx_be(fx, "sectors", "2000");
	CU_ASSERT_EQUAL(pvf_blk_check_resize(&fx->blk), 1);
	CU_ASSERT_EQUAL(resized, 1);
	CU_ASSERT_EQUAL(res_old, 1024);
	CU_ASSERT_EQUAL(res_new, 2000);
	tb_fx_be(fx, "sectors", NULL);
	CU_ASSERT_EQUAL(pvf_blk_check_resize(&fx->blk), -PVF_EPROTO);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&fx->blk)->sectors, 2000);
	/* reconnect with another size */
	tb_fx_be(fx, "sectors", "1500");
	CU_ASSERT_EQUAL(pvf_blk_disconnect(&fx->blk), 0);
	CU_ASSERT_EQUAL(pvf_blk_reconnect(&fx->blk), 0);
	CU_ASSERT_EQUAL(resized, 2);
	CU_ASSERT_EQUAL(res_old, 2000);
	CU_ASSERT_EQUAL(res_new, 1500);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&fx->blk)->resizes, 2);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

/* pvf_blk_release waits for the backend without breaking the device;
 * setup refuses to start over until it has finished. */
static void test_release_waits_for_backend(void)
{
	struct tb_fx *fx = tb_fx_new(256);

	fx->tb.map_rings = 1;
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	CU_ASSERT_EQUAL(pvf_blk_quiesce(&fx->blk), 0);
	CU_ASSERT_EQUAL(pvf_blk_release(&fx->blk), -PVF_EBUSY);
	CU_ASSERT_EQUAL(pvf_blk_release(&fx->blk), -PVF_EBUSY);
	CU_ASSERT(!pvf_blk_is_broken(&fx->blk));
	CU_ASSERT_EQUAL(fx->tp.ports_open, 0);
	CU_ASSERT(fx->tp.pages_out > 0);
	CU_ASSERT_EQUAL(pvf_blk_setup(&fx->blk), -PVF_EBUSY);
	tb_back_detach(&fx->tb);
	CU_ASSERT_EQUAL(pvf_blk_release(&fx->blk), 0);
	CU_ASSERT_EQUAL(fx->tp.gnt_in_use + fx->tp.pages_out, 0);
	CU_ASSERT_EQUAL(pvf_blk_release(&fx->blk), 0); /* idempotent */
	CU_ASSERT_EQUAL(pvf_blk_setup(&fx->blk), 0);
	CU_ASSERT_EQUAL(tb_back_attach(&fx->tb), 0);
	CU_ASSERT_EQUAL(pvf_blk_connect(&fx->blk), 0);
	tb_back_detach(&fx->tb);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_persistent_indirect_pages),
	PVF_TEST(test_discard_granules),
	PVF_TEST(test_poll_queue),
	PVF_TEST(test_resize_direct),
	PVF_TEST(test_release_waits_for_backend),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("blk_more", tests, NULL, NULL);
}
