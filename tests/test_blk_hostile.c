/* SPDX-License-Identifier: BSD-2-Clause */
/* Block frontend core: hostile backends, held grants, disconnect/replay. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "blk_testback.h"
#include "cu.h"

/* One misbehaviour: the device ends broken, the request is failed at
 * shutdown exactly once, nothing leaks. */
static void hostile_case(int how, int nreqs)
{
	struct tb_fx *fx = tb_fx_new(256);
	struct tb_buf b;
	struct treq t[2], late;
	int i, r;

	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	tb_buf_new(&b, 2, 0);
	for (i = 0; i < nreqs; i++) {
		treq_init(&t[i], PVF_BLK_OP_READ, (uint64_t)i * 16, &b);
		CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t[i].r), 0);
	}
	fx->tb.misbehave = how;
	r = tb_fx_pump(fx);
	CU_ASSERT_EQUAL(r, -PVF_EPROTO);
	CU_ASSERT(pvf_blk_is_broken(&fx->blk));
	CU_ASSERT(fx->tp.log_errs >= 1);
	CU_ASSERT_EQUAL(pvf_blk_poll(&fx->blk), -PVF_EPROTO);
	if (how == TB_OVERFLOW) {
		/* rejected before any response is consumed */
		CU_ASSERT_PTR_NOT_NULL(strstr(fx->tp.last_err, "producer"));
		for (i = 0; i < nreqs; i++)
			CU_ASSERT_EQUAL(t[i].calls, 0);
	}
	treq_init(&late, PVF_BLK_OP_READ, 0, &b);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &late.r), -PVF_EPROTO);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0); /* shutdown fails what is left */
	for (i = 0; i < nreqs; i++)
		CU_ASSERT(t[i].calls <= 1);
	CU_ASSERT_EQUAL(late.calls, 0);
	tb_buf_free(&b);
}

static void test_bad_id(void) { hostile_case(TB_BAD_ID, 1); }
static void test_duplicate_id(void) { hostile_case(TB_DUP_ID, 2); }
static void test_duplicate_id_overflows(void) { hostile_case(TB_DUP_ID, 1); }
static void test_stale_id(void) { hostile_case(TB_STALE_ID, 1); }
static void test_wrong_operation(void) { hostile_case(TB_WRONG_OP, 1); }
static void test_unknown_status(void) { hostile_case(TB_BAD_STATUS, 1); }
static void test_producer_overflow(void) { hostile_case(TB_OVERFLOW, 2); }

/* Requests completed before the violation completed once; the one hit is
 * failed at shutdown with -PVF_ESHUTDOWN. */
static void test_duplicate_completes_once(void)
{
	struct tb_fx *fx = tb_fx_new(256);
	struct tb_buf b;
	struct treq t, t2;

	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	tb_buf_new(&b, 1, 0);
	treq_init(&t, PVF_BLK_OP_READ, 0, &b);
	treq_init(&t2, PVF_BLK_OP_READ, 8, &b);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), 0);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t2.r), 0);
	fx->tb.misbehave = TB_DUP_ID;
	CU_ASSERT_EQUAL(tb_fx_pump(fx), -PVF_EPROTO);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(t.status, 0);
	CU_ASSERT_EQUAL(t2.calls, 0);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(t2.calls, 1);
	CU_ASSERT_EQUAL(t2.status, -PVF_ESHUTDOWN);
	tb_buf_free(&b);
}

/* The indirect response may echo INDIRECT or the inner op (Linux). */
static void test_indirect_response_op_variants(void)
{
	int v;

	for (v = 0; v < 2; v++) {
		struct tb_fx *fx = tb_fx_new(1024);
		struct tb_buf b;
		struct treq t;

		tb_fx_be(fx, "feature-max-indirect-segments", "64");
		fx->tb.rsp_indirect_op = v;
		fx->cfg.max_indirect_segs = 64;
		CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
		tb_buf_new(&b, 40, 0);
		treq_init(&t, PVF_BLK_OP_READ, 0, &b);
		CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), 0);
		CU_ASSERT_EQUAL(tb_fx_pump(fx), 1);
		CU_ASSERT_EQUAL(t.status, 0);
		CU_ASSERT_EQUAL(fx->tb.nindirect, 1);
		CU_ASSERT(!pvf_blk_is_broken(&fx->blk));
		tb_buf_free(&b);
		CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
	}
}

/* Backend keeps a data page mapped: grant held back, request reported
 * -PVF_EBUSY, device broken, pages kept until the backend lets go. */
static void held_case(uint8_t trusted, uint8_t persistent)
{
	struct tb_fx *fx = tb_fx_new(256);
	struct tb_buf b;
	struct treq t;

	fx->cfg.trusted = trusted;
	fx->cfg.persistent = persistent;
	fx->cfg.pool_pages = 32;
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	tb_buf_new(&b, 3, 0);
	treq_init(&t, PVF_BLK_OP_READ, 0, &b);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), 0);
	fx->tb.misbehave = TB_HOLD_MAPPED;
	tb_back_run(&fx->tb);
	CU_ASSERT_EQUAL(pvf_blk_poll(&fx->blk), -PVF_EPROTO);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(t.status, -PVF_EBUSY);
	CU_ASSERT_EQUAL(pvf_blk_held_grants(&fx->blk), 1);
	CU_ASSERT(pvf_blk_is_broken(&fx->blk));
	/* teardown while still mapped: nothing freed that the backend maps */
	CU_ASSERT_EQUAL(pvf_blk_shutdown(&fx->blk), -PVF_EBUSY);
	CU_ASSERT_EQUAL(fx->tp.gnt_in_use, 1);
	CU_ASSERT(fx->tp.pages_out > 0);
	tb_back_unhold(&fx->tb);
	CU_ASSERT_EQUAL(pvf_blk_retry_held(&fx->blk), 0);
	CU_ASSERT_EQUAL(fx->tp.pages_out, 0);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
	tb_buf_free(&b);
}

static void test_grant_still_mapped_direct(void) { held_case(1, 0); }
static void test_grant_still_mapped_bounce(void) { held_case(0, 0); }

/* In-flight requests survive a backend restart with smaller limits: each is
 * replayed, re-split and completes exactly once with the right data. */
static void test_reconnect_replays_under_smaller_limits(void)
{
	struct tb_fx *fx = tb_fx_new(16384);
	struct tb_buf w[6], r;
	struct treq t[6], rd, late;
	static const uint32_t nsegs[6] = { 257, 12, 1, 33, 11, 100 };
	uint64_t sector = 0, sec[6];
	int i, ok;

	tb_fx_be(fx, "max-ring-page-order", "4");
	tb_fx_be(fx, "feature-max-indirect-segs", NULL);
	tb_fx_be(fx, "feature-max-indirect-segments", "512");
	tb_fx_be(fx, "feature-flush-cache", "1");
	fx->cfg.max_indirect_segs = 256;
	fx->cfg.pool_pages = 256;
	fx->cfg.persistent = 0;
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&fx->blk)->max_indirect_segs, 256);
	fx->tb.drop = 1; /* the backend consumes and dies */
	for (i = 0; i < 6; i++) {
		tb_buf_new(&w[i], nsegs[i], i & 1);
		tb_buf_fill(&w[i], (uint32_t)i + 100);
		treq_init(&t[i], PVF_BLK_OP_WRITE, sector, &w[i]);
		sec[i] = sector;
		sector += (tb_buf_sectors(&w[i]) + 7) & ~7ull;
		CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t[i].r), 0);
	}
	tb_back_run(&fx->tb);
	CU_ASSERT(fx->tb.nreq > 0);
	CU_ASSERT_EQUAL(pvf_blk_poll(&fx->blk), 0);
	/* backend gone */
	tb_back_detach(&fx->tb);
	CU_ASSERT_EQUAL(pvf_blk_disconnect(&fx->blk), 0);
	CU_ASSERT_EQUAL(fx->tp.gnt_in_use, 0);
	CU_ASSERT_EQUAL(fx->tp.pages_out, 0);
	CU_ASSERT_EQUAL(fx->tp.ports_open, 0);
	for (i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(t[i].calls, 0);
	/* a request submitted while disconnected waits too */
	treq_init(&late, PVF_BLK_OP_FLUSH, 0, NULL);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &late.r), 0);
	/* restarted with smaller limits */
	tb_fx_be(fx, "max-ring-page-order", "0");
	tb_fx_be(fx, "feature-max-indirect-segments", NULL);
	fx->tb.drop = 0;
	fx->tb.nreq = 0;
	CU_ASSERT_EQUAL_FATAL(pvf_blk_reconnect(&fx->blk), 0);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&fx->blk)->ring_order, 0);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&fx->blk)->max_indirect_segs, 0);
	CU_ASSERT_EQUAL(tb_back_attach(&fx->tb), 0);
	CU_ASSERT(tb_fx_pump(fx) > 0);
	ok = 1;
	for (i = 0; i < 6; i++)
		if (t[i].calls != 1 || t[i].status != 0)
			ok = 0;
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(late.calls, 1);
	CU_ASSERT_EQUAL(late.status, 0);
	CU_ASSERT_EQUAL(fx->tb.nindirect, 0);
	CU_ASSERT(fx->tb.max_segs <= 11);
	/* 257->24, 12->2, 1->1, 33->3, 11->1, 100->10 parts + flush */
	CU_ASSERT_EQUAL(fx->tb.nreq, 24 + 2 + 1 + 3 + 1 + 10 + 1);
	for (i = 0; i < 6; i++) {
		tb_buf_new(&r, nsegs[i], i & 1);
		treq_init(&rd, PVF_BLK_OP_READ, sec[i], &r);
		CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &rd.r), 0);
		tb_fx_pump(fx);
		CU_ASSERT_EQUAL(rd.status, 0);
		CU_ASSERT(tb_buf_same(&w[i], &r));
		tb_buf_free(&r);
	}
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&fx->blk)->completed, 6 + 1 + 6);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
	for (i = 0; i < 6; i++) {
		CU_ASSERT_EQUAL(t[i].calls, 1);
		tb_buf_free(&w[i]);
	}
}

/* A broken device is cleared by reconnect; the request in flight when it
 * broke is replayed and completes once. */
static void test_reconnect_clears_broken(void)
{
	struct tb_fx *fx = tb_fx_new(256);
	struct tb_buf b;
	struct treq t;

	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	tb_buf_new(&b, 2, 0);
	tb_buf_fill(&b, 5);
	treq_init(&t, PVF_BLK_OP_WRITE, 0, &b);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), 0);
	fx->tb.misbehave = TB_WRONG_OP;
	CU_ASSERT_EQUAL(tb_fx_pump(fx), -PVF_EPROTO);
	CU_ASSERT_EQUAL(t.calls, 0);
	CU_ASSERT_EQUAL(pvf_blk_reconnect(&fx->blk), 0);
	CU_ASSERT(!pvf_blk_is_broken(&fx->blk));
	CU_ASSERT_EQUAL(tb_back_attach(&fx->tb), 0);
	CU_ASSERT_EQUAL(tb_fx_pump(fx), 1);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(t.status, 0);
	CU_ASSERT_EQUAL(memcmp(fx->tb.disk, b.mem, 2 * PVF_PAGE_SIZE), 0);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
	tb_buf_free(&b);
}

/* Shutdown with requests never answered: each fails once with ESHUTDOWN. */
static void test_shutdown_fails_inflight_once(void)
{
	struct tb_fx *fx = tb_fx_new(1024);
	struct tb_buf b;
	struct treq t[40];
	int i, ok = 1;

	tb_fx_be(fx, "max-ring-page-order", "0");
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	tb_buf_new(&b, 4, 0);
	fx->tb.drop = 1;
	for (i = 0; i < 40; i++) {
		treq_init(&t[i], PVF_BLK_OP_READ, (uint64_t)i * 8, &b);
		CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t[i].r), 0);
	}
	tb_back_run(&fx->tb);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
	for (i = 0; i < 40; i++)
		if (t[i].calls != 1 || t[i].status != -PVF_ESHUTDOWN)
			ok = 0;
	CU_ASSERT(ok);
	tb_buf_free(&b);
}

/* Out of grant references with nothing in flight: fails, does not hang. */
static void test_grant_exhaustion(void)
{
	struct tb_fx *fx = tb_fx_new(1024);
	struct tb_buf b;
	struct treq t;

	fx->cfg.persistent = 0;
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	fx->tp.gnt_limit = fx->tp.gnt_in_use + 3;
	tb_buf_new(&b, 8, 0);
	treq_init(&t, PVF_BLK_OP_READ, 0, &b);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), 0);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(t.status, -PVF_ENOSPC);
	fx->tp.gnt_limit = 0;
	tb_buf_free(&b);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_bad_id),
	PVF_TEST(test_duplicate_id),
	PVF_TEST(test_duplicate_id_overflows),
	PVF_TEST(test_stale_id),
	PVF_TEST(test_wrong_operation),
	PVF_TEST(test_unknown_status),
	PVF_TEST(test_producer_overflow),
	PVF_TEST(test_duplicate_completes_once),
	PVF_TEST(test_indirect_response_op_variants),
	PVF_TEST(test_grant_still_mapped_direct),
	PVF_TEST(test_grant_still_mapped_bounce),
	PVF_TEST(test_reconnect_replays_under_smaller_limits),
	PVF_TEST(test_reconnect_clears_broken),
	PVF_TEST(test_shutdown_fails_inflight_once),
	PVF_TEST(test_grant_exhaustion),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("blk_hostile", tests, NULL, NULL);
}
