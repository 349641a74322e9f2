/* SPDX-License-Identifier: BSD-2-Clause */
/* The userspace blkback (threaded) against the real pvf_blk core (through
 * the block client) and against a raw frontend for invalid requests. */
#include <fcntl.h>
#include <sys/stat.h>
#include "test_blkback_fix.h"

static char img[64];
static struct pvf_blkback *bb;
static struct pvf_bbc cl;
static struct pvf_wl_host wlh; /* the workload on cl */

static void make_image(size_t bytes)
{
	int fd;

	snprintf(img, sizeof(img), "/tmp/pvf-bbtest-XXXXXX");
	fd = mkstemp(img);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(ftruncate(fd, (off_t)bytes), 0);
	close(fd);
}

static void start(struct pvf_bb_config *bc)
{
	fx_dirs(bc);
	CU_ASSERT_EQUAL_FATAL(pvf_bb_create(fx_hv, bc, fx_fe, fx_be, &bb), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_bb_start(bb), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_bb_wait_state(bb, 2, 3000), 0);
}

static void client(const struct pvf_blk_config *fc)
{
	CU_ASSERT_EQUAL_FATAL(pvf_bbc_open(&cl, fx_g, fx_fe, fx_be, fc, 64, 5000), 0);
}

/* Close the client, stop the backend: nothing may stay mapped. */
static void finish(void)
{
	struct pvf_bb_stats st;

	if (cl.p)
		CU_ASSERT_EQUAL(pvf_bbc_close(&cl, 5000), 0);
	pvf_bb_get_stats(bb, &st);
	CU_ASSERT_EQUAL(st.mapped, 0);
	CU_ASSERT_EQUAL(pvf_bb_stop(bb), 0);
	pvf_bb_destroy(bb);
	bb = NULL;
	fx_assert_unmapped();
	CU_ASSERT_EQUAL(pvf_lb_guest_grants_in_use(fx_g), 0);
	pvf_bb_toolstack_remove(fx_fe, fx_be);
	if (img[0]) {
		unlink(img);
		img[0] = '\0';
	}
}

static void test_profile_linux(void)
{
	struct pvf_bb_config bc;
	const struct pvf_blk_info *in;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char want[32];

	CU_ASSERT_EQUAL(pvf_bb_profile(&bc, "linux"), 0);
	start(&bc);
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "max-ring-page-order"), "4");
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "feature-max-indirect-segments"), "256");
	snprintf(want, sizeof(want), "%ld", cpus > 8 ? 8 : cpus);
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "multi-queue-max-queues"), want);
	client(NULL);
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "feature-persistent"), "1");
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "feature-flush-cache"), "1");
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "feature-barrier"), "1");
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "feature-discard"), "1");
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "discard-granularity"), "4096");
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "discard-alignment"), "0");
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "sector-size"), "512");
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "physical-sector-size"), "4096");
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "sectors"), "131072");
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "info"), "0");
	in = pvf_blk_get_info(&cl.blk);
	CU_ASSERT_EQUAL(in->ring_order, 4);
	CU_ASSERT_TRUE(in->persistent);
	CU_ASSERT_TRUE(in->flush);
	CU_ASSERT_TRUE(in->discard);
	CU_ASSERT_EQUAL(in->max_indirect_segs, 32); /* clamped to the frontend's */
	CU_ASSERT_EQUAL(in->sectors, 131072);
	finish();
}

static void test_profile_qdisk_and_minimal(void)
{
	struct pvf_bb_config bc;
	const struct pvf_blk_info *in;
	char buf[4096];

	CU_ASSERT_EQUAL(pvf_bb_profile(&bc, "qdisk"), 0);
	start(&bc);
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "max-ring-page-order"), "4");
	CU_ASSERT_PTR_NULL(fx_read(fx_be, "feature-max-indirect-segments"));
	CU_ASSERT_PTR_NULL(fx_read(fx_be, "multi-queue-max-queues"));
	client(NULL);
	CU_ASSERT_PTR_NULL(fx_read(fx_be, "feature-persistent"));
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "feature-flush-cache"), "1");
	in = pvf_blk_get_info(&cl.blk);
	CU_ASSERT_FALSE(in->persistent);
	CU_ASSERT_EQUAL(in->max_indirect_segs, 0);
	/* grant copy path moves data */
	memset(buf, 0x5a, sizeof(buf));
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_READ, 8, buf, 8, 3000), 0);
	finish();

	CU_ASSERT_EQUAL(pvf_bb_profile(&bc, "minimal"), 0);
	CU_ASSERT_EQUAL(pvf_bb_profile(&bc, "nonesuch"), -PVF_EINVAL);
	pvf_bb_profile(&bc, "minimal");
	start(&bc);
	CU_ASSERT_PTR_NULL(fx_read(fx_be, "max-ring-page-order"));
	CU_ASSERT_PTR_NULL(fx_read(fx_be, "max-ring-pages"));
	client(NULL);
	CU_ASSERT_PTR_NULL(fx_read(fx_be, "feature-flush-cache"));
	CU_ASSERT_PTR_NULL(fx_read(fx_be, "feature-discard"));
	in = pvf_blk_get_info(&cl.blk);
	CU_ASSERT_EQUAL(in->ring_order, 0);
	CU_ASSERT_EQUAL(in->ring_size, 32);
	CU_ASSERT_FALSE(in->flush);
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_FLUSH, 0, NULL, 0, 3000), -PVF_EOPNOTSUPP);
	finish();
}

static void test_old_ring_scheme(void)
{
	struct pvf_bb_config bc;
	struct pvf_bb_stats st;
	char buf[512];

	pvf_bb_profile(&bc, "minimal");
	bc.max_ring_pages = 4; /* older scheme only */
	start(&bc);
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "max-ring-pages"), "4");
	client(NULL);
	pvf_bb_get_stats(bb, &st);
	CU_ASSERT_EQUAL(st.ring_order, 2);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&cl.blk)->ring_pages, 4);
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_READ, 0, buf, 1, 3000), 0);
	finish();
}

static void test_rw_flush_discard_image(void)
{
	struct pvf_bb_config bc;
	struct pvf_bb_stats st;
	static uint8_t w[64 * 4096], r2[64 * 4096];
	uint8_t disk[4096];
	size_t i;
	int fd;

	make_image(4 << 20);
	pvf_bb_profile(&bc, "linux");
	snprintf(bc.image, sizeof(bc.image), "%s", img);
	start(&bc);
	client(NULL);
	CU_ASSERT_EQUAL(pvf_blk_get_info(&cl.blk)->sectors, (4u << 20) / 512);
	for (i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 7 + i / 4096);
	/* 300 sectors = 38 pages: more than 11 segments, indirect */
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_WRITE, 1000, w, 300, 3000), 0);
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_READ, 1000, r2, 300, 3000), 0);
	CU_ASSERT_EQUAL(memcmp(w, r2, 300 * 512), 0);
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_FLUSH, 0, NULL, 0, 3000), 0);
	/* the data is on the image */
	fd = open(img, O_RDONLY);
	CU_ASSERT_EQUAL(pread(fd, disk, 4096, 1000 * 512), 4096);
	CU_ASSERT_EQUAL(memcmp(disk, w, 4096), 0);
	/* discard punches a hole: zeros read back */
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_DISCARD, 1000, NULL, 16, 3000), 0);
	CU_ASSERT_EQUAL(pread(fd, disk, 4096, 1000 * 512), 4096);
	for (i = 0; i < 4096 && !disk[i]; i++)
		;
	CU_ASSERT_EQUAL(i, 4096);
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_READ, 1016, r2, 8, 3000), 0);
	CU_ASSERT_EQUAL(memcmp(w + 16 * 512, r2, 8 * 512), 0);
	close(fd);
	pvf_bb_get_stats(bb, &st);
	CU_ASSERT_TRUE(st.indirect >= 1);
	CU_ASSERT_TRUE(st.flushes >= 1);
	CU_ASSERT_EQUAL(st.discards, 1);
	CU_ASSERT_EQUAL(st.errors, 0);
	finish();
}

/* The null device moves no data, with grant copy too: a read leaves the
 * guest's page as it was (it once received the backend's bounce buffer,
 * i.e. an earlier request's data). */
static void test_null_grant_copy_read_moves_nothing(void)
{
	struct pvf_bb_config bc;
	struct pvf_blk_config fc;
	static uint8_t w[4096], r[4096];
	size_t i;

	pvf_bb_profile(&bc, "qdisk");
	CU_ASSERT_TRUE_FATAL(bc.grant_copy);
	start(&bc);
	pvf_blk_config_default(&fc);
	fc.persistent = 0; /* data pages granted directly: the backend's copy lands there */
	client(&fc);
	memset(w, 0x5a, sizeof(w));
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_WRITE, 0, w, 8, 3000), 0);
	memset(pvf_bbc_page(&cl, 0), 0xaa, 4096);
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_READ, 8, r, 8, 3000), 0);
	for (i = 0; i < sizeof(r) && r[i] == 0xaa; i++)
		;
	CU_ASSERT_EQUAL(i, sizeof(r));
	finish();
}

static void test_persistent_reused(void)
{
	struct pvf_bb_config bc;
	struct pvf_bb_stats st;
	static uint8_t buf[8 * 4096];
	int i;

	pvf_bb_profile(&bc, "linux");
	bc.max_queues = 1;
	start(&bc);
	client(NULL);
	CU_ASSERT_TRUE(pvf_blk_get_info(&cl.blk)->persistent);
	for (i = 0; i < 20; i++)
		CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_READ, (uint64_t)i * 64, buf, 64, 3000), 0);
	pvf_bb_get_stats(bb, &st);
	CU_ASSERT_EQUAL(st.persistent, 1);
	CU_ASSERT_TRUE(st.persistent_maps > 0);
	CU_ASSERT_TRUE(st.persistent_maps <= 64 + 8); /* bounded by the pool */
	CU_ASSERT_TRUE(st.persistent_hits > st.persistent_maps);
	CU_ASSERT_TRUE(st.mapped > 0); /* still held between requests */
	finish();                      /* ... and released at disconnect */
}

static void test_readonly_refuses_writes(void)
{
	struct pvf_bb_config bc;
	struct rawfe r;
	struct blkif_request req;
	char buf[512];

	pvf_bb_profile(&bc, "minimal");
	bc.readonly = true;
	bc.cdrom = true;
	start(&bc);
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "mode"), "r");
	client(NULL);
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "info"), "5");
	CU_ASSERT_TRUE(pvf_blk_get_info(&cl.blk)->readonly);
	CU_ASSERT_TRUE(pvf_blk_get_info(&cl.blk)->cdrom);
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_WRITE, 0, buf, 1, 3000), -PVF_EROFS);
	CU_ASSERT_EQUAL(pvf_bbc_close(&cl, 3000), 0);
	/* a frontend that writes anyway gets an error from the backend */
	raw_open(&r);
	memset(&req, 0, sizeof(req));
	req.operation = BLKIF_OP_WRITE;
	req.id = 7;
	req.nr_segments = 1;
	req.seg[0].gref = r.ref_data;
	req.seg[0].last_sect = 7;
	CU_ASSERT_EQUAL(raw_do(&r, &req, sizeof(req), NULL), BLKIF_RSP_ERROR);
	req.operation = BLKIF_OP_READ;
	CU_ASSERT_EQUAL(raw_do(&r, &req, sizeof(req), NULL), BLKIF_RSP_OKAY);
	raw_close(&r);
	finish();
}

static void test_invalid_requests(void)
{
	struct pvf_bb_config bc;
	struct pvf_bb_stats st;
	struct rawfe r;
	struct blkif_request req, good;
	struct blkif_request_indirect ind;
	struct blkif_request_discard dis;
	struct blkif_request_segment *is;
	uint64_t id = 0;

	pvf_bb_profile(&bc, "linux");
	bc.null_sectors = 2048;
	start(&bc);
	raw_open(&r);
	memset(&good, 0, sizeof(good));
	good.operation = BLKIF_OP_READ;
	good.id = 42;
	good.nr_segments = 1;
	good.seg[0].gref = r.ref_data;
	good.seg[0].last_sect = 7;
	CU_ASSERT_EQUAL(raw_do(&r, &good, sizeof(good), &id), BLKIF_RSP_OKAY);
	CU_ASSERT_EQUAL(id, 42);

	req = good; /* past the end */
	req.sector_number = 2044;
	CU_ASSERT_EQUAL(raw_do(&r, &req, sizeof(req), NULL), BLKIF_RSP_ERROR);
	req.sector_number = UINT64_MAX - 2; /* overflowing end */
	CU_ASSERT_EQUAL(raw_do(&r, &req, sizeof(req), NULL), BLKIF_RSP_ERROR);
	req = good; /* first > last */
	req.seg[0].first_sect = 5;
	req.seg[0].last_sect = 4;
	CU_ASSERT_EQUAL(raw_do(&r, &req, sizeof(req), NULL), BLKIF_RSP_ERROR);
	req = good; /* last_sect beyond the page */
	req.seg[0].last_sect = 8;
	CU_ASSERT_EQUAL(raw_do(&r, &req, sizeof(req), NULL), BLKIF_RSP_ERROR);
	req = good; /* segment counts */
	req.nr_segments = 0;
	CU_ASSERT_EQUAL(raw_do(&r, &req, sizeof(req), NULL), BLKIF_RSP_ERROR);
	req.nr_segments = 12;
	CU_ASSERT_EQUAL(raw_do(&r, &req, sizeof(req), NULL), BLKIF_RSP_ERROR);
	req = good; /* a ref that is not granted, one out of range */
	req.seg[0].gref = 4000;
	CU_ASSERT_EQUAL(raw_do(&r, &req, sizeof(req), NULL), BLKIF_RSP_ERROR);
	req.seg[0].gref = 0xfffffff0u;
	CU_ASSERT_EQUAL(raw_do(&r, &req, sizeof(req), NULL), BLKIF_RSP_ERROR);
	req = good; /* unknown operation */
	req.operation = 77;
	CU_ASSERT_EQUAL(raw_do(&r, &req, sizeof(req), NULL), BLKIF_RSP_EOPNOTSUPP);

	/* indirect: bad counts, bad op, bad segment inside the page */
	memset(&ind, 0, sizeof(ind));
	ind.operation = BLKIF_OP_INDIRECT;
	ind.indirect_op = BLKIF_OP_READ;
	ind.id = 9;
	ind.indirect_grefs[0] = r.ref_ind;
	is = r.ind;
	is[0].gref = r.ref_data;
	is[0].last_sect = 7;
	is[1] = is[0];
	ind.nr_segments = 2;
	CU_ASSERT_EQUAL(raw_do(&r, &ind, sizeof(ind), NULL), BLKIF_RSP_OKAY);
	ind.nr_segments = 0;
	CU_ASSERT_EQUAL(raw_do(&r, &ind, sizeof(ind), NULL), BLKIF_RSP_ERROR);
	ind.nr_segments = 257;
	CU_ASSERT_EQUAL(raw_do(&r, &ind, sizeof(ind), NULL), BLKIF_RSP_ERROR);
	ind.nr_segments = 2;
	ind.indirect_op = BLKIF_OP_DISCARD;
	CU_ASSERT_EQUAL(raw_do(&r, &ind, sizeof(ind), NULL), BLKIF_RSP_ERROR);
	ind.indirect_op = BLKIF_OP_READ;
	is[1].first_sect = 9;
	CU_ASSERT_EQUAL(raw_do(&r, &ind, sizeof(ind), NULL), BLKIF_RSP_ERROR);
	is[1].first_sect = 0;
	ind.nr_segments = 600; /* > 256 and needs an unset second page */
	CU_ASSERT_EQUAL(raw_do(&r, &ind, sizeof(ind), NULL), BLKIF_RSP_ERROR);
	ind.nr_segments = 2;
	ind.indirect_grefs[0] = 5000; /* not granted */
	CU_ASSERT_EQUAL(raw_do(&r, &ind, sizeof(ind), NULL), BLKIF_RSP_ERROR);

	/* discard past the end */
	memset(&dis, 0, sizeof(dis));
	dis.operation = BLKIF_OP_DISCARD;
	dis.sector_number = 2000;
	dis.nr_sectors = 100;
	CU_ASSERT_EQUAL(raw_do(&r, &dis, sizeof(dis), NULL), BLKIF_RSP_ERROR);

	/* still serving */
	CU_ASSERT_EQUAL(raw_do(&r, &good, sizeof(good), &id), BLKIF_RSP_OKAY);
	pvf_bb_get_stats(bb, &st);
	CU_ASSERT_EQUAL(st.errors, 15);
	CU_ASSERT_EQUAL(st.eopnotsupp, 1);
	raw_close(&r);
	finish();
}

static void test_producer_overflow_stops_queue(void)
{
	struct pvf_bb_config bc;
	struct pvf_bb_stats st;
	struct rawfe r;
	int i;

	pvf_bb_profile(&bc, "minimal");
	start(&bc);
	raw_open(&r);
	((blkif_sring_t *)r.ring)->req_prod = 1000; /* far past a 32-slot ring */
	r.p->ops->evtchn_notify(r.p->ctx, r.port);
	for (i = 0; i < 500; i++) {
		pvf_bb_get_stats(bb, &st);
		if (st.ring_errors)
			break;
		usleep(1000);
	}
	CU_ASSERT_EQUAL(st.ring_errors, 1);
	CU_ASSERT_EQUAL(st.requests, 0);
	raw_close(&r);
	finish();
}

static void test_eopnotsupp_and_misbehave(void)
{
	struct pvf_bb_config bc;
	char buf[4096];

	pvf_bb_profile(&bc, "linux");
	start(&bc);
	client(NULL);
	pvf_bb_set_eopnotsupp(bb, 1u << BLKIF_OP_FLUSH_DISKCACHE);
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_FLUSH, 0, NULL, 0, 3000), -PVF_EOPNOTSUPP);
	pvf_bb_set_eopnotsupp(bb, 0);
	CU_ASSERT_FALSE(pvf_blk_get_info(&cl.blk)->flush); /* revoked by the frontend */
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_READ, 0, buf, 8, 3000), 0);
	pvf_bb_misbehave(bb, PVF_BB_MB_BAD_ID);
	CU_ASSERT_NOT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_READ, 0, buf, 8, 1000), 0);
	CU_ASSERT_TRUE(pvf_blk_is_broken(&cl.blk));
	finish();
}

static void test_resize_and_second_frontend(void)
{
	struct pvf_bb_config bc;
	char buf[4096];
	int i;

	make_image(1 << 20);
	pvf_bb_profile(&bc, "linux");
	snprintf(bc.image, sizeof(bc.image), "%s", img);
	start(&bc);
	client(NULL);
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_READ, 4096, buf, 8, 3000), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_bb_resize(bb, 0), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_bb_resize(bb, 8192), 0);
	for (i = 0; i < 2000 && !cl.resizes; i++)
		pvf_bbc_pump(&cl, 1);
	CU_ASSERT_EQUAL(cl.resizes, 1);
	CU_ASSERT_STRING_EQUAL(fx_read(fx_be, "sectors"), "8192");
	CU_ASSERT_EQUAL(pvf_blk_get_info(&cl.blk)->sectors, 8192);
	memset(buf, 0x33, sizeof(buf));
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_WRITE, 4096, buf, 8, 3000), 0);
	/* handover: the first frontend closes, a second one connects */
	CU_ASSERT_EQUAL(pvf_bbc_close(&cl, 3000), 0);
	fx_assert_unmapped();
	client(NULL);
	memset(buf, 0, sizeof(buf));
	CU_ASSERT_EQUAL(pvf_bbc_io(&cl, PVF_BLK_OP_READ, 4096, buf, 8, 3000), 0);
	CU_ASSERT_EQUAL(buf[100], 0x33);
	finish();
}

static void test_multi_queue(void)
{
	struct pvf_bb_config bc;
	struct pvf_bb_stats st;
	struct pvf_blk_config fc;
	struct pvf_wl_opts o;
	struct pvf_wl_result res;
	char err[128];
	char *argv[] = { "blk", "--null", "--rw", "mixed", "--iodepth", "8", "--queues", "2",
			 "--size", "1M", "--verify", NULL };

	pvf_bb_profile(&bc, "linux");
	bc.max_queues = 2;
	start(&bc);
	pvf_blk_config_default(&fc);
	fc.nr_queues = 2;
	client(&fc);
	pvf_bb_get_stats(bb, &st);
	CU_ASSERT_EQUAL(st.nr_queues, 2);
	CU_ASSERT_STRING_EQUAL(fx_read(fx_fe, "multi-queue-num-queues"), "2");
	CU_ASSERT_EQUAL(pvf_wl_parse(11, argv, &o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(pvf_wl_run(pvf_wl_host_bbc(&wlh, &cl), &o, &res), 0);
	CU_ASSERT_EQUAL(res.ios, 256);
	CU_ASSERT_EQUAL(res.errors, 0);
	CU_ASSERT_TRUE(res.lat_p50_ns > 0 && res.lat_p50_ns <= res.lat_p99_ns);
	finish();
}

static void test_workload_verify_image(void)
{
	struct pvf_bb_config bc;
	struct pvf_wl_opts o;
	struct pvf_wl_result res;
	char err[128];
	char *argv[] = { "blk", "--image", "X", "--rw", "randwrite", "--bs", "8k", "--iodepth",
			 "4", "--size", "512k", "--verify", NULL };

	make_image(1 << 20);
	argv[2] = img;
	pvf_bb_profile(&bc, "qdisk-legacy");
	snprintf(bc.image, sizeof(bc.image), "%s", img);
	start(&bc);
	client(NULL);
	CU_ASSERT_EQUAL(pvf_wl_parse(12, argv, &o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(pvf_wl_run(pvf_wl_host_bbc(&wlh, &cl), &o, &res), 0);
	CU_ASSERT_EQUAL(res.errors, 0);
	CU_ASSERT_EQUAL(res.verify_errors, 0);
	CU_ASSERT_EQUAL(res.ios, 64);
	o.verify = true;
	o.rw = PVF_WL_RANDREAD;
	o.size = 64 * 1024; /* prefill writes then reads, all clean */
	o.runtime_ms = 0;
	CU_ASSERT_EQUAL(pvf_wl_run(pvf_wl_host_bbc(&wlh, &cl), &o, &res), 0);
	CU_ASSERT_EQUAL(res.verify_errors, 0);
	finish();
}

static void test_verify_names_block(void)
{
	struct pvf_bb_config bc;
	struct pvf_wl_opts o;
	struct pvf_wl_result res;
	char err[128];
	char *argv[] = { "blk", "--null", "--rw", "write", "--size", "64k", "--verify", NULL };

	/* the null device drops data: read-back must catch it, naming block 0 */
	pvf_bb_profile(&bc, "minimal");
	start(&bc);
	client(NULL);
	CU_ASSERT_EQUAL(pvf_wl_parse(7, argv, &o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(pvf_wl_run(pvf_wl_host_bbc(&wlh, &cl), &o, &res), 0);
	CU_ASSERT_EQUAL(res.verify_errors, 16);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.first_error, "block 0 "));
	finish();
}

/* A host that never services the ring (a backend that went silent). */
static int deaf_pump(void *ctx, int timeout_ms)
{
	(void)ctx;
	usleep((useconds_t)timeout_ms * 1000u);
	return 0;
}

/* The host abstraction: bad hosts refused, a range already written is
 * checked without writing first (and a wrong seed caught), a stalled host
 * times out with every request completed. */
static void test_workload_host(void)
{
	struct pvf_bb_config bc;
	struct pvf_wl_opts o;
	struct pvf_wl_result res;
	struct pvf_wl_host h;
	char err[128];
	char *argv[] = { "blk", "--image", "X", "--rw", "write", "--bs", "16k", "--iodepth", "4",
			 "--size", "256k", "--verify", "--seed", "5", NULL };

	make_image(1 << 20);
	argv[2] = img;
	pvf_bb_profile(&bc, "linux");
	snprintf(bc.image, sizeof(bc.image), "%s", img);
	start(&bc);
	client(NULL);
	CU_ASSERT_EQUAL(pvf_wl_parse(14, argv, &o, err, sizeof(err)), 0);
	pvf_wl_host_bbc(&h, &cl);
	CU_ASSERT_PTR_EQUAL(h.blk, &cl.blk);
	CU_ASSERT_EQUAL(h.data_pages, 64);
	h.data_pages = pvf_wl_pages(&o) - 1;
	CU_ASSERT_EQUAL(pvf_wl_run(&h, &o, &res), -PVF_EINVAL);
	pvf_wl_host_bbc(&h, &cl);
	h.pump = NULL;
	CU_ASSERT_EQUAL(pvf_wl_run(&h, &o, &res), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_wl_run(pvf_wl_host_bbc(&h, &cl), &o, &res), 0);
	CU_ASSERT_EQUAL(res.writes, 16);
	CU_ASSERT_EQUAL(res.verify_errors, 0);
	/* read what is there: no prefill writes, every block checked */
	o.rw = PVF_WL_READ;
	o.prefilled = true;
	CU_ASSERT_EQUAL(pvf_wl_run(&h, &o, &res), 0);
	CU_ASSERT_EQUAL(res.reads, 16);
	CU_ASSERT_EQUAL(res.writes, 0);
	CU_ASSERT_EQUAL(res.verify_errors, 0);
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&cl.blk)->submitted, 16 + 16 + 16);
	o.seed = 6; /* not what was written */
	CU_ASSERT_EQUAL(pvf_wl_run(&h, &o, &res), 0);
	CU_ASSERT_EQUAL(res.verify_errors, 16);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.first_error, "block 0 "));
	/* nothing answers: stall limit, the host aborts, all requests done */
	h.pump = deaf_pump;
	h.stall_ms = 200;
	CU_ASSERT_EQUAL(pvf_wl_run(&h, &o, &res), -PVF_ETIMEDOUT);
	/* the abort may still consume the answers before the shutdown */
	CU_ASSERT_EQUAL(res.ios + res.errors, 4);
	CU_ASSERT_EQUAL(pvf_blk_get_stats(&cl.blk)->completed,
			pvf_blk_get_stats(&cl.blk)->submitted);
	finish();
}

static void test_option_errors(void)
{
	struct pvf_wl_opts o;
	char err[160];
	char *a1[] = { "blk", "--null", "--bs", "1000", NULL };
	char *a2[] = { "blk", "--rw", "sideways", "--null", NULL };
	char *a3[] = { "blk", NULL };
	char *a4[] = { "blk", "--null", "--image", "x", NULL };
	char *a5[] = { "blk", "--null", "--iodepth", NULL };
	char *a6[] = { "blk", "--null", "--profile", "xen", NULL };
	char *a7[] = { "blk", "--help", NULL };
	char *a8[] = { "blk", "--null", "--size", "4097", NULL };
	char *a9[] = { "blk", "--null", "--rw=randrw", "--bs=8k", "--iodepth", "3", "--verify",
		       NULL };
	char *a10[] = { "blk", "--null", "--verify=1", NULL };
	char *a11[] = { "blk", "--null", "--bs=", NULL };

	CU_ASSERT_EQUAL(pvf_wl_parse(4, a1, &o, err, sizeof(err)), -PVF_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--bs"));
	CU_ASSERT_EQUAL(pvf_wl_parse(4, a2, &o, err, sizeof(err)), -PVF_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "sideways"));
	CU_ASSERT_EQUAL(pvf_wl_parse(1, a3, &o, err, sizeof(err)), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_wl_parse(4, a4, &o, err, sizeof(err)), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_wl_parse(3, a5, &o, err, sizeof(err)), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_wl_parse(4, a6, &o, err, sizeof(err)), -PVF_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "xen"));
	CU_ASSERT_EQUAL(pvf_wl_parse(2, a7, &o, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(pvf_wl_parse(4, a8, &o, err, sizeof(err)), -PVF_EINVAL);
	/* --opt=value, and fio's randrw for mixed */
	CU_ASSERT_EQUAL(pvf_wl_parse(7, a9, &o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(o.rw, PVF_WL_MIXED);
	CU_ASSERT_EQUAL(o.bs, 8192);
	CU_ASSERT_EQUAL(o.iodepth, 3);
	CU_ASSERT_TRUE(o.verify);
	CU_ASSERT_EQUAL(pvf_wl_parse(3, a10, &o, err, sizeof(err)), -PVF_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no value"));
	CU_ASSERT_EQUAL(pvf_wl_parse(3, a11, &o, err, sizeof(err)), -PVF_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "--bs"));
}

static void test_bad_frontend_keys(void)
{
	struct pvf_bb_config bc;
	struct pvf_bb_stats st;

	pvf_bb_profile(&bc, "minimal");
	start(&bc);
	fx_write(fx_fe, "ring-page-order", "3"); /* more than offered (0) */
	fx_write(fx_fe, "ring-ref0", "9");
	fx_write(fx_fe, "event-channel", "garbage");
	fx_write(fx_fe, "state", "3");
	CU_ASSERT_EQUAL(pvf_bb_wait_state(bb, 5, 3000), 0);
	pvf_bb_get_stats(bb, &st);
	CU_ASSERT_EQUAL(st.connect_error, -PVF_EPROTO);
	CU_ASSERT_EQUAL(st.connections, 0);
	/* the frontend starts over: InitWait again */
	fx_write(fx_fe, "state", "1");
	CU_ASSERT_EQUAL(pvf_bb_wait_state(bb, 2, 3000), 0);
	finish();
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_option_errors),
	PVF_TEST(test_profile_linux),
	PVF_TEST(test_profile_qdisk_and_minimal),
	PVF_TEST(test_old_ring_scheme),
	PVF_TEST(test_rw_flush_discard_image),
	PVF_TEST(test_null_grant_copy_read_moves_nothing),
	PVF_TEST(test_persistent_reused),
	PVF_TEST(test_readonly_refuses_writes),
	PVF_TEST(test_invalid_requests),
	PVF_TEST(test_producer_overflow_stops_queue),
	PVF_TEST(test_eopnotsupp_and_misbehave),
	PVF_TEST(test_resize_and_second_frontend),
	PVF_TEST(test_multi_queue),
	PVF_TEST(test_workload_verify_image),
	PVF_TEST(test_verify_names_block),
	PVF_TEST(test_workload_host),
	PVF_TEST(test_bad_frontend_keys),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("blkback", tests, fx_init, fx_fini);
}
