/* SPDX-License-Identifier: BSD-2-Clause */
/* Block frontend core: negotiation matrix, data paths, features. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/protocols.h>
#include "blk_testback.h"
#include "cu.h"

static const char *fe_key(struct tb_fx *fx, const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", TB_FE, key);
	return tb_xs_get(&fx->tp, path);
}

/* ---- strict parsing ------------------------------------------------------ */

static void test_garbage_transport_keys(void)
{
	static const char *const bad[] = { "", "x", "4x", "-1", " 1", "1 ", "+2", "0x10",
					   "99999999999999999999999", "4294967296" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tb_fx *fx = tb_fx_new(2048);

		tb_fx_be(fx, "max-ring-page-order", bad[i]);
		CU_ASSERT_EQUAL(tb_fx_connect(fx), -PVF_EPROTO);
		CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
	}
}

/* A multi-queue-max-queues of 0 means one queue (with a warning), as in
 * Linux blkfront and pvfront's netfront; it does not fail the connect. */
static void test_zero_max_queues_is_one(void)
{
	struct tb_fx *fx = tb_fx_new(2048);

	fx->cfg.nr_queues = 4;
	tb_fx_be(fx, "multi-queue-max-queues", "0");
	CU_ASSERT_EQUAL(tb_fx_connect(fx), 0);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&fx->blk)->nr_queues, 1);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static void test_garbage_device_keys(void)
{
	static const char *const keys[][2] = {
		{ "sectors", "12a" },          { "sectors", "" },
		{ "info", "-4" },              { "sector-size", "512 " },
		{ "sector-size", "1000" },     { "sector-size", "256" },
		{ "physical-sector-size", "100" },
		{ "feature-flush-cache", "2" }, { "feature-persistent", "yes" },
		{ "feature-max-indirect-segments", "x" },
		{ "mode", "rw" },              { "discard-granularity", "1.5" },
		{ "sectors", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		struct tb_fx *fx = tb_fx_new(2048);

		tb_fx_be(fx, keys[i][0], keys[i][1]);
		CU_ASSERT_EQUAL(tb_fx_connect(fx), -PVF_EPROTO);
		CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
	}
}

static void test_parse_accepts_edges(void)
{
	struct tb_plat tp;
	struct pvf_blk_backend be;

	tb_plat_init(&tp);
	tb_xs_set(&tp, "be/sectors", "18446744073709551615");
	tb_xs_set(&tp, "be/max-ring-page-order", "007");
	tb_xs_set(&tp, "be/max-ring-pages", "4294967295");
	memset(&be, 0, sizeof(be));
	CU_ASSERT_EQUAL(pvf_blk_read_backend(&tp.plat, "be", PVF_BLK_READ_TRANSPORT | PVF_BLK_READ_DEVICE, &be), 0);
	CU_ASSERT_EQUAL(be.sectors, UINT64_MAX);
	CU_ASSERT_EQUAL(be.max_ring_page_order, 7);
	CU_ASSERT_EQUAL(be.max_ring_pages, UINT32_MAX);
	CU_ASSERT_EQUAL(be.sector_size, 512);
	CU_ASSERT_EQUAL(be.max_queues, 1);
	CU_ASSERT(be.present & PVF_BLK_BE_RING_ORDER);
	CU_ASSERT(be.present & PVF_BLK_BE_RING_PAGES);
	CU_ASSERT(!(be.present & PVF_BLK_BE_QUEUES));
	tb_xs_set(&tp, "be/sectors", "18446744073709551616");
	CU_ASSERT_EQUAL(pvf_blk_read_backend(&tp.plat, "be", PVF_BLK_READ_DEVICE, &be), -PVF_EPROTO);
	tb_plat_fini(&tp);
}

/* ---- negotiation matrix ---------------------------------------------------- */

struct ring_case {
	const char *order, *pages;   /* backend keys (NULL: absent) */
	uint8_t cfg_order;
	uint32_t want_order;
};

static void test_ring_matrix(void)
{
	static const struct ring_case cases[] = {
		{ NULL, NULL, 4, 0 },  { "0", NULL, 4, 0 },  { "4", NULL, 4, 4 },
		{ "4", NULL, 2, 2 },   { "9", NULL, 4, 4 },  { NULL, "4", 4, 2 },
		{ NULL, "16", 4, 4 },  { NULL, "6", 4, 1 },  { NULL, "1", 4, 0 },
		{ NULL, "12", 4, 2 },
		{ "1", "8", 4, 3 },    { "3", "2", 4, 3 },   { "4", "16", 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ring_case *c = &cases[i];
		struct tb_fx *fx = tb_fx_new(2048);
		const struct pvf_blk_info *in;
		char key[32], want[16];
		uint32_t p;

		tb_fx_be(fx, "max-ring-page-order", c->order);
		tb_fx_be(fx, "max-ring-pages", c->pages);
		fx->cfg.max_ring_page_order = c->cfg_order;
		CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
		in = pvf_blk_get_info(&fx->blk);
		CU_ASSERT_EQUAL(in->ring_order, c->want_order);
		CU_ASSERT_EQUAL(in->ring_pages, 1u << c->want_order);
		CU_ASSERT_EQUAL(in->ring_size, 32u << c->want_order);
		if (c->want_order == 0) {
			CU_ASSERT_PTR_NOT_NULL(fe_key(fx, "ring-ref"));
			CU_ASSERT_PTR_NULL(fe_key(fx, "ring-ref0"));
			CU_ASSERT_PTR_NULL(fe_key(fx, "ring-page-order"));
			CU_ASSERT_PTR_NULL(fe_key(fx, "num-ring-pages"));
		} else {
			CU_ASSERT_PTR_NULL(fe_key(fx, "ring-ref"));
			for (p = 0; p < in->ring_pages; p++) {
				snprintf(key, sizeof(key), "ring-ref%u", p);
				CU_ASSERT_PTR_NOT_NULL(fe_key(fx, key));
			}
			snprintf(key, sizeof(key), "ring-ref%u", in->ring_pages);
			CU_ASSERT_PTR_NULL(fe_key(fx, key));
			snprintf(want, sizeof(want), "%u", c->want_order);
			CU_ASSERT_STRING_EQUAL(fe_key(fx, "ring-page-order"), want);
			snprintf(want, sizeof(want), "%u", 1u << c->want_order);
			CU_ASSERT_STRING_EQUAL(fe_key(fx, "num-ring-pages"), want);
		}
		CU_ASSERT_STRING_EQUAL(fe_key(fx, "protocol"), XEN_IO_PROTO_ABI_NATIVE);
		CU_ASSERT_PTR_NOT_NULL(fe_key(fx, "event-channel"));
		CU_ASSERT_STRING_EQUAL(fe_key(fx, "feature-persistent"), "1");
		CU_ASSERT_PTR_NULL(fe_key(fx, "multi-queue-num-queues"));
		CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
	}
}

static void test_multi_queue_keys(void)
{
	struct tb_fx *fx = tb_fx_new(2048);
	struct tb_buf b, r;
	struct treq w[4], rd[4];
	int i;

	tb_fx_be(fx, "multi-queue-max-queues", "4");
	tb_fx_be(fx, "max-ring-page-order", "1");
	fx->cfg.nr_queues = 3;
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&fx->blk)->nr_queues, 3);
	CU_ASSERT_STRING_EQUAL(fe_key(fx, "multi-queue-num-queues"), "3");
	CU_ASSERT_STRING_EQUAL(fe_key(fx, "ring-page-order"), "1");
	CU_ASSERT_PTR_NULL(fe_key(fx, "ring-ref"));
	CU_ASSERT_PTR_NULL(fe_key(fx, "ring-ref0"));
	CU_ASSERT_PTR_NULL(fe_key(fx, "event-channel"));
	CU_ASSERT_PTR_NOT_NULL(fe_key(fx, "queue-0/ring-ref0"));
	CU_ASSERT_PTR_NOT_NULL(fe_key(fx, "queue-2/ring-ref1"));
	CU_ASSERT_PTR_NOT_NULL(fe_key(fx, "queue-2/event-channel"));
	CU_ASSERT_PTR_NULL(fe_key(fx, "queue-3/ring-ref0"));
	CU_ASSERT_EQUAL(fx->tb.nq, 3);
	/* I/O on every queue */
	tb_buf_new(&b, 4, 0);
	tb_buf_new(&r, 4, 0);
	tb_buf_fill(&b, 9);
	for (i = 0; i < 4; i++) {
		treq_init(&w[i], PVF_BLK_OP_WRITE, (uint64_t)i * 64, &b);
		w[i].r.queue = (uint16_t)i;
		CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &w[i].r), 0);
	}
	CU_ASSERT(tb_fx_pump(fx) >= 4);
	for (i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(w[i].calls, 1);
		CU_ASSERT_EQUAL(w[i].status, 0);
		treq_init(&rd[i], PVF_BLK_OP_READ, (uint64_t)i * 64, &r);
		rd[i].r.queue = (uint16_t)(i + 1);
		memset(r.mem, 0, 4 * PVF_PAGE_SIZE);
		CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &rd[i].r), 0);
		tb_fx_pump(fx);
		CU_ASSERT_EQUAL(rd[i].status, 0);
		CU_ASSERT(tb_buf_same(&b, &r));
	}
	tb_buf_free(&b);
	tb_buf_free(&r);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static void test_feature_matrix(void)
{
	static const struct {
		const char *be_ind, *be_pers;
		uint16_t cfg_ind;
		uint8_t cfg_pers, cfg_trusted;
		uint32_t want_ind;
		bool want_pers, want_bounce;
	} c[] = {
		{ NULL, NULL, 32, 1, 1, 0, false, false },
		{ "256", "1", 32, 1, 1, 32, true, true },
		{ "16", "0", 256, 0, 1, 16, false, false },
		{ "11", "1", 32, 0, 1, 0, false, false },
		{ "4096", "1", 0, 1, 0, 0, true, true },
		{ "64", NULL, 4096, 1, 0, 64, false, true },
		{ "100000", "1", 4096, 1, 1, 4096, true, true },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct tb_fx *fx = tb_fx_new(2048);
		const struct pvf_blk_info *in;

		tb_fx_be(fx, "feature-max-indirect-segments", c[i].be_ind);
		tb_fx_be(fx, "feature-persistent", c[i].be_pers);
		tb_fx_be(fx, "max-ring-page-order", "0");
		fx->cfg.max_indirect_segs = c[i].cfg_ind;
		fx->cfg.persistent = c[i].cfg_pers;
		fx->cfg.trusted = c[i].cfg_trusted;
		fx->cfg.pool_pages = c[i].cfg_ind > 11 ? c[i].cfg_ind : 16;
		CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
		in = pvf_blk_get_info(&fx->blk);
		CU_ASSERT_EQUAL(in->max_indirect_segs, c[i].want_ind);
		CU_ASSERT_EQUAL(in->max_segs_per_req, c[i].want_ind ? c[i].want_ind : 11);
		CU_ASSERT_EQUAL(in->persistent, c[i].want_pers);
		CU_ASSERT_EQUAL(in->bounce, c[i].want_bounce);
		CU_ASSERT_STRING_EQUAL(fe_key(fx, "feature-persistent"), c[i].cfg_pers ? "1" : "0");
		CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
	}
}

static void test_device_properties(void)
{
	struct tb_fx *fx = tb_fx_new(4096);
	const struct pvf_blk_info *in;

	tb_fx_be(fx, "info", "7");
	tb_fx_be(fx, "sector-size", "4096");
	tb_fx_be(fx, "physical-sector-size", "8192");
	tb_fx_be(fx, "feature-discard", "1");
	tb_fx_be(fx, "discard-secure", "1");
	tb_fx_be(fx, "discard-alignment", "4096");
	tb_fx_be(fx, "feature-barrier", "1");
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	in = pvf_blk_get_info(&fx->blk);
	CU_ASSERT(in->cdrom);
	CU_ASSERT(in->removable);
	CU_ASSERT(in->readonly);
	CU_ASSERT_EQUAL(in->sectors, 4096);
	CU_ASSERT_EQUAL(in->sector_size, 4096);
	CU_ASSERT_EQUAL(in->physical_sector_size, 8192);
	CU_ASSERT(in->discard);
	CU_ASSERT(in->discard_secure);
	CU_ASSERT_EQUAL(in->discard_granularity, 4096); /* default: sector-size */
	CU_ASSERT_EQUAL(in->discard_alignment, 4096);
	CU_ASSERT(in->barrier);
	CU_ASSERT(!in->flush);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);

	fx = tb_fx_new(64);
	tb_fx_be(fx, "mode", "r");
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	CU_ASSERT(pvf_blk_get_info(&fx->blk)->readonly);
	CU_ASSERT(!pvf_blk_get_info(&fx->blk)->cdrom);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static void test_txn_retry_and_trusted_key(void)
{
	struct tb_fx *fx = tb_fx_new(64);
	char path[128];

	fx->tp.txn_eagain = 3;
	snprintf(path, sizeof(path), "%s/trusted", TB_FE);
	tb_xs_set(&fx->tp, path, "0");
	fx->cfg.persistent = 0;
	fx->cfg.pool_pages = 32;
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	CU_ASSERT_EQUAL(fx->tp.txn_commits, 1);
	CU_ASSERT_EQUAL(fx->tp.txn_eagain, 0);
	CU_ASSERT(pvf_blk_get_info(&fx->blk)->bounce);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);

	fx = tb_fx_new(64);
	fx->tp.txn_eagain = 100; /* never commits */
	CU_ASSERT_EQUAL(tb_fx_connect(fx), -PVF_EAGAIN);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static void test_config_checks(void)
{
	struct tb_fx *fx = tb_fx_new(64);
	struct pvf_blk_config c = fx->cfg;

	c.max_ring_page_order = 5;
	CU_ASSERT_EQUAL(pvf_blk_scratch_size(&c), 0);
	c = fx->cfg;
	c.max_indirect_segs = 11;
	CU_ASSERT_EQUAL(pvf_blk_scratch_size(&c), 0);
	c = fx->cfg;
	c.pool_pages = 8;
	CU_ASSERT_EQUAL(pvf_blk_scratch_size(&c), 0);
	c = fx->cfg;
	c.nr_queues = 0;
	CU_ASSERT_EQUAL(pvf_blk_scratch_size(&c), 0);
	c = fx->cfg;
	CU_ASSERT(pvf_blk_scratch_size(&c) > 0);
	c.scratch = NULL;
	CU_ASSERT_EQUAL(pvf_blk_init(&fx->blk, &fx->tp.plat, &c), -PVF_EINVAL);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

/* ---- data paths ------------------------------------------------------------ */

struct path_case {
	const char *be_ind;
	uint16_t cfg_ind;
	uint8_t persistent, trusted, order;
};

static void roundtrip(const struct path_case *pc, uint32_t nsegs, int odd)
{
	struct tb_fx *fx = tb_fx_new(8192);
	const struct pvf_blk_info *in;
	struct tb_buf w, r;
	struct treq tw, tr;
	uint64_t ring_before, per, parts;
	uint64_t sector = 24;

	tb_fx_be(fx, "feature-max-indirect-segments", pc->be_ind);
	tb_fx_be(fx, "feature-persistent", "1");
	tb_fx_be(fx, "max-ring-page-order", "4");
	fx->cfg.max_indirect_segs = pc->cfg_ind;
	fx->cfg.persistent = pc->persistent;
	fx->cfg.trusted = pc->trusted;
	fx->cfg.max_ring_page_order = pc->order;
	fx->cfg.pool_pages = pc->cfg_ind > 11 ? pc->cfg_ind : 16;
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	in = pvf_blk_get_info(&fx->blk);
	tb_buf_new(&w, nsegs, odd);
	tb_buf_new(&r, nsegs, odd);
	tb_buf_fill(&w, nsegs);
	treq_init(&tw, PVF_BLK_OP_WRITE, sector, &w);
	ring_before = pvf_blk_get_stats(&fx->blk)->ring_reqs;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &tw.r), 0);
	CU_ASSERT(tb_fx_pump(fx) > 0);
	CU_ASSERT_EQUAL(tw.calls, 1);
	CU_ASSERT_EQUAL(tw.status, 0);
	per = in->max_segs_per_req;
	parts = (nsegs + per - 1) / per;
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&fx->blk)->ring_reqs - ring_before, parts);
	CU_ASSERT_EQUAL(fx->tb.ro_violations, 0);
	CU_ASSERT_EQUAL(fx->tb.errors, 0);
	/* the disk holds the data, segment after segment */
	{
		uint64_t s = sector;
		uint32_t i;
		int ok = 1;

		for (i = 0; i < nsegs; i++) {
			const struct pvf_blk_seg *g = &w.segs[i];
			size_t len = (size_t)(g->last_sect - g->first_sect + 1) * 512;

			if (memcmp(fx->tb.disk + s * 512, (uint8_t *)g->va + g->first_sect * 512, len))
				ok = 0;
			s += g->last_sect - g->first_sect + 1;
		}
		CU_ASSERT(ok);
	}
	treq_init(&tr, PVF_BLK_OP_READ, sector, &r);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &tr.r), 0);
	tb_fx_pump(fx);
	CU_ASSERT_EQUAL(tr.calls, 1);
	CU_ASSERT_EQUAL(tr.status, 0);
	CU_ASSERT(tb_buf_same(&w, &r));
	if (in->max_indirect_segs && nsegs > 11)
		CU_ASSERT(fx->tb.nindirect > 0);
	if (!in->max_indirect_segs)
		CU_ASSERT_EQUAL(fx->tb.nindirect, 0);
	CU_ASSERT(fx->tb.max_segs <= (int)per);
	tb_buf_free(&w);
	tb_buf_free(&r);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static const struct path_case paths[] = {
	{ NULL, 0, 0, 1, 4 },      /* direct, split at 11 */
	{ "256", 32, 0, 1, 4 },    /* indirect 32, split above */
	{ "4096", 300, 0, 1, 0 },  /* indirect 300 (one request for 257) */
	{ "256", 32, 1, 1, 2 },    /* persistent pool */
	{ NULL, 0, 0, 0, 0 },      /* bounce (untrusted), direct */
	{ "512", 512, 0, 0, 1 },   /* bounce + indirect, 2 indirect pages */
};

static void test_roundtrip_segment_counts(void)
{
	static const uint32_t counts[] = { 1, 11, 12, 33, 257 };
	size_t p, i;

	for (p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
		for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
			roundtrip(&paths[p], counts[i], 0);
}

static void test_roundtrip_odd_sectors(void)
{
	static const uint32_t counts[] = { 1, 12, 33, 257 };
	size_t p, i;

	for (p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
		for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
			roundtrip(&paths[p], counts[i], 1);
}

/* More requests than the ring holds: they wait inside, complete once each. */
static void test_queue_beyond_ring(void)
{
	struct tb_fx *fx = tb_fx_new(8192);
	struct tb_buf b;
	struct treq t[100];
	int i, ok = 1;

	tb_fx_be(fx, "max-ring-page-order", "0");
	fx->cfg.max_indirect_segs = 0;
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	tb_buf_new(&b, 13, 0);
	tb_buf_fill(&b, 3);
	for (i = 0; i < 100; i++) {
		treq_init(&t[i], PVF_BLK_OP_WRITE, (uint64_t)i * 8, &b);
		t[i].r.nr_segs = 1 + (uint32_t)i % 13;
		CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t[i].r), 0);
	}
	CU_ASSERT(fx->tb.nreq == 0);
	CU_ASSERT(tb_fx_pump(fx) >= 100);
	for (i = 0; i < 100; i++)
		if (t[i].calls != 1 || t[i].status != 0)
			ok = 0;
	CU_ASSERT(ok);
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&fx->blk)->completed, 100);
	tb_buf_free(&b);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static void test_flush_discard(void)
{
	struct tb_fx *fx = tb_fx_new(1024);
	struct treq f, d, s;

	tb_fx_be(fx, "feature-flush-cache", "1");
	tb_fx_be(fx, "feature-discard", "1");
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	memset(fx->tb.disk, 0xaa, 1024 * 512);
	treq_init(&f, PVF_BLK_OP_FLUSH, 0, NULL);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &f.r), 0);
	treq_init(&d, PVF_BLK_OP_DISCARD, 16, NULL);
	d.r.nr_sectors = 32;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &d.r), 0);
	treq_init(&s, PVF_BLK_OP_DISCARD, 0, NULL);
	s.r.nr_sectors = 8;
	s.r.flags = PVF_BLK_REQ_SECURE; /* discard-secure not offered */
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &s.r), -PVF_EOPNOTSUPP);
	s.r.flags = 0;
	s.r.nr_sectors = 0;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &s.r), -PVF_EINVAL);
	s.r.nr_sectors = 2000; /* beyond the end */
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &s.r), -PVF_EINVAL);
	tb_fx_pump(fx);
	CU_ASSERT_EQUAL(f.calls, 1);
	CU_ASSERT_EQUAL(f.status, 0);
	CU_ASSERT_EQUAL(d.calls, 1);
	CU_ASSERT_EQUAL(d.status, 0);
	CU_ASSERT_EQUAL(s.calls, 0);
	CU_ASSERT_EQUAL(fx->tb.nflush, 1);
	CU_ASSERT_EQUAL(fx->tb.ndiscard, 1);
	CU_ASSERT_EQUAL(fx->tb.disk[15 * 512], 0xaa);
	CU_ASSERT_EQUAL(fx->tb.disk[16 * 512], 0);
	CU_ASSERT_EQUAL(fx->tb.disk[48 * 512 - 1], 0);
	CU_ASSERT_EQUAL(fx->tb.disk[48 * 512], 0xaa);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static void test_flush_falls_back_to_barrier(void)
{
	struct tb_fx *fx = tb_fx_new(64);
	struct treq f;

	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	treq_init(&f, PVF_BLK_OP_FLUSH, 0, NULL);
	/* neither flush nor barrier: fails fast */
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &f.r), -PVF_EOPNOTSUPP);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);

	fx = tb_fx_new(64);
	tb_fx_be(fx, "feature-barrier", "1");
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	treq_init(&f, PVF_BLK_OP_FLUSH, 0, NULL);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &f.r), 0);
	tb_fx_pump(fx);
	CU_ASSERT_EQUAL(f.status, 0);
	CU_ASSERT_EQUAL(fx->tb.nbarrier, 1);
	CU_ASSERT_EQUAL(fx->tb.nflush, 0);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

/* EOPNOTSUPP once: the feature is off; later requests fail fast at submit
 * with -PVF_EOPNOTSUPP and never reach the ring. */
static void test_eopnotsupp_revocation(void)
{
	struct tb_fx *fx = tb_fx_new(256);
	struct treq f, d;

	tb_fx_be(fx, "feature-flush-cache", "1");
	tb_fx_be(fx, "feature-discard", "1");
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	fx->tb.flush_eopnotsupp = 1;
	fx->tb.discard_eopnotsupp = 1;
	treq_init(&f, PVF_BLK_OP_FLUSH, 0, NULL);
	treq_init(&d, PVF_BLK_OP_DISCARD, 0, NULL);
	d.r.nr_sectors = 8;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &f.r), 0);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &d.r), 0);
	CU_ASSERT_EQUAL(tb_fx_pump(fx), 2);
	CU_ASSERT_EQUAL(f.status, -PVF_EOPNOTSUPP);
	CU_ASSERT_EQUAL(d.status, -PVF_EOPNOTSUPP);
	CU_ASSERT(!pvf_blk_get_info(&fx->blk)->flush);
	CU_ASSERT(!pvf_blk_get_info(&fx->blk)->discard);
	CU_ASSERT(!pvf_blk_is_broken(&fx->blk));
	treq_init(&f, PVF_BLK_OP_FLUSH, 0, NULL);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &f.r), -PVF_EOPNOTSUPP);
	treq_init(&d, PVF_BLK_OP_DISCARD, 0, NULL);
	d.r.nr_sectors = 8;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &d.r), -PVF_EOPNOTSUPP);
	tb_fx_pump(fx);
	CU_ASSERT_EQUAL(fx->tb.nflush, 1);
	CU_ASSERT_EQUAL(fx->tb.ndiscard, 1);
	CU_ASSERT_EQUAL(f.calls, 0);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static void test_read_only_refuses_writes(void)
{
	struct tb_fx *fx = tb_fx_new(256);
	struct tb_buf b;
	struct treq w, r;

	tb_fx_be(fx, "info", "4");
	tb_fx_be(fx, "feature-discard", "1");
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	tb_buf_new(&b, 2, 0);
	treq_init(&w, PVF_BLK_OP_WRITE, 0, &b);
	fx->tp.log_errs = 0;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &w.r), -PVF_EROFS);
	CU_ASSERT_EQUAL(fx->tp.log_errs, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(fx->tp.last_err, "read-only"));
	treq_init(&w, PVF_BLK_OP_DISCARD, 0, NULL);
	w.r.nr_sectors = 8;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &w.r), -PVF_EROFS);
	treq_init(&r, PVF_BLK_OP_READ, 0, &b);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &r.r), 0);
	tb_fx_pump(fx);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(fx->tb.nreq, 1);
	tb_buf_free(&b);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static void test_invalid_requests(void)
{
	struct tb_fx *fx = tb_fx_new(256);
	struct tb_buf b;
	struct treq t;

	tb_fx_be(fx, "sector-size", "4096");
	tb_buf_new(&b, 2, 0);
	treq_init(&t, PVF_BLK_OP_READ, 0, &b);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), -PVF_ENOTCONN);
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	t.r.sector = 4; /* not aligned to 4096 */
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), -PVF_EINVAL);
	t.r.sector = 248; /* 16 sectors from 248 end past 256 */
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), -PVF_EINVAL);
	t.r.sector = 0;
	b.segs[0].last_sect = 3; /* 4+8 sectors: not a multiple of 8 */
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), -PVF_EINVAL);
	b.segs[0].last_sect = 8;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), -PVF_EINVAL);
	b.segs[0].last_sect = 7;
	t.r.op = 9;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), -PVF_EINVAL);
	t.r.op = PVF_BLK_OP_READ;
	t.r.nr_segs = 0;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), -PVF_EINVAL);
	t.r.nr_segs = 2;
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), 0);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), -PVF_EINVAL); /* in flight */
	tb_fx_pump(fx);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(t.status, 0);
	tb_buf_free(&b);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

/* Polled: no event channel at all; completions through poll only. */
static void test_polled_without_evtchn(void)
{
	struct tb_fx *fx = tb_fx_new(256);
	struct tb_buf b;
	struct treq t;
	int pages;

	fx->tp.no_evtchn = 1;
	fx->cfg.polled = 1;
	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	CU_ASSERT_PTR_NULL(fe_key(fx, "event-channel"));
	CU_ASSERT_EQUAL(fx->tp.ports_open, 0);
	pages = fx->tp.pages_out;
	tb_buf_new(&b, 20, 0);
	tb_buf_fill(&b, 77);
	treq_init(&t, PVF_BLK_OP_WRITE, 8, &b);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), 0);
	CU_ASSERT_EQUAL(fx->tp.notifies, 0);
	tb_fx_pump(fx);
	CU_ASSERT_EQUAL(t.status, 0);
	CU_ASSERT_EQUAL(fx->tp.pages_out, pages); /* nothing allocated after init */
	CU_ASSERT_EQUAL(memcmp(fx->tb.disk + 8 * 512, b.mem, 20 * PVF_PAGE_SIZE), 0);
	tb_buf_free(&b);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);

	/* and without the flag a missing event channel is an error */
	fx = tb_fx_new(256);
	fx->tp.no_evtchn = 1;
	CU_ASSERT_EQUAL(tb_fx_connect(fx), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static void test_events_and_spurious(void)
{
	struct tb_fx *fx = tb_fx_new(256);
	struct tb_buf b;
	struct treq t;
	unsigned int port;

	CU_ASSERT_EQUAL_FATAL(tb_fx_connect(fx), 0);
	port = (unsigned int)strtoul(fe_key(fx, "event-channel"), NULL, 10);
	CU_ASSERT_EQUAL(pvf_blk_on_event(&fx->blk, port), 0);
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&fx->blk)->spurious, 1);
	CU_ASSERT_EQUAL(pvf_blk_on_event(&fx->blk, port + 5), -PVF_EBADF);
	tb_buf_new(&b, 1, 0);
	treq_init(&t, PVF_BLK_OP_READ, 0, &b);
	CU_ASSERT_EQUAL(pvf_blk_submit(&fx->blk, &t.r), 0);
	CU_ASSERT_EQUAL(fx->tp.notifies, 1);
	tb_back_run(&fx->tb);
	CU_ASSERT_EQUAL(pvf_blk_on_event(&fx->blk, port), 1);
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&fx->blk)->spurious, 1);
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&fx->blk)->events, 2);
	CU_ASSERT_EQUAL(t.calls, 1);
	tb_buf_free(&b);
	CU_ASSERT_EQUAL(tb_fx_free(fx), 0);
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_garbage_transport_keys),
	PVF_TEST(test_zero_max_queues_is_one),
	PVF_TEST(test_garbage_device_keys),
	PVF_TEST(test_parse_accepts_edges),
	PVF_TEST(test_ring_matrix),
	PVF_TEST(test_multi_queue_keys),
	PVF_TEST(test_feature_matrix),
	PVF_TEST(test_device_properties),
	PVF_TEST(test_txn_retry_and_trusted_key),
	PVF_TEST(test_config_checks),
	PVF_TEST(test_roundtrip_segment_counts),
	PVF_TEST(test_roundtrip_odd_sectors),
	PVF_TEST(test_queue_beyond_ring),
	PVF_TEST(test_flush_discard),
	PVF_TEST(test_flush_falls_back_to_barrier),
	PVF_TEST(test_eopnotsupp_revocation),
	PVF_TEST(test_read_only_refuses_writes),
	PVF_TEST(test_invalid_requests),
	PVF_TEST(test_polled_without_evtchn),
	PVF_TEST(test_events_and_spurious),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("blk", tests, NULL, NULL);
}
