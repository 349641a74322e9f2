/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The real block frontend core (pvf_blk through its XenBus device) over
 * platform/xen against the kernel's xen-blkback on a loop device, inside a
 * Xen dom0: connect and log every negotiated key; the workload of
 * `pvfront blk` (pvf_wl_run through the xen host adapter, harness/wl_xen.c)
 * writes then verifies a pattern over several MiB with request sizes from
 * one sector to 1 MiB (indirect descriptors), then a random read/write mix
 * with verify, then a read-only check of the whole range; the backend
 * removed and re-created with requests in flight (replayed), a second
 * connection without persistent grants, clean close with nothing left.
 * Skips (77) outside Xen or without PVF_XEN_LOOPDEV; PVF_XEN_IMAGE (the
 * loop device's file) adds a check of the image contents.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pvfront/blk.h>
#include <pvfront/xenplat.h>
#include "blkback.h"
#include "cu.h"

#define FE "/local/domain/0/pvfront-test/vbd/51712"
#define BE "/local/domain/0/backend/vbd/0/51712"
#define DEVID 51712u
#define IODEPTH 4u
#define NSECT (12u * 2048u)    /* 12 MiB from sector 0 (pvf_wl_run's range) */

static struct pvf_xenplat *xp;
static const char *loopdev, *image;

static void assert_no_leaks(void)
{
	struct pvf_xenplat_stats st;

	pvf_xenplat_get_stats(xp, &st);
	CU_ASSERT_EQUAL(st.pages, 0);
	CU_ASSERT_EQUAL(st.grants, 0);
	CU_ASSERT_EQUAL(st.ports, 0);
	CU_ASSERT_EQUAL(st.watches, 0);
}

/* Request sizes in sectors: 1, 8, 11 and 12 pages (the last needs an
 * indirect descriptor), 2 KiB inside a page, 128 KiB, 256 KiB, 1 MiB (256
 * segments). */
static const uint32_t sizes[] = { 8, 1, 88, 96, 4, 256, 512, 2048 };

static void open_dev(struct pvf_xenblk **b, int persistent)
{
	struct pvf_xenblk_config c;
	struct pvf_blk_config bc;
	const struct pvf_blk_info *in;

	pvf_blk_config_default(&bc);
	bc.max_indirect_segs = 256;
	bc.persistent = (uint8_t)persistent;
	bc.pool_pages = IODEPTH * 256 + 16;
	memset(&c, 0, sizeof(c));
	c.fe_dir = FE;
	c.devid = DEVID;
	c.bdev = loopdev;
	c.blk = &bc;
	c.data_pages = IODEPTH * 256;
	c.timeout_ms = 15000;
	CU_ASSERT_EQUAL_FATAL(pvf_xenblk_open(xp, &c, b), 0);
	pvf_xenplat_log_keys(xp, BE, "xenblk: backend");
	pvf_xenplat_log_keys(xp, FE, "xenblk: frontend");
	in = pvf_blk_get_info(pvf_xenblk_core(*b));
	printf("xenblk: negotiated ring-order %u (%u slots) queues %u indirect %u "
	       "max-segs %u persistent %d flush %d barrier %d discard %d (gran %u) "
	       "secure %d sectors %llu sector-size %u bounce %d\n", in->ring_order,
	       in->ring_size, in->nr_queues, in->max_indirect_segs, in->max_segs_per_req,
	       in->persistent, in->flush, in->barrier, in->discard, in->discard_granularity,
	       in->discard_secure, (unsigned long long)in->sectors, in->sector_size, in->bounce);
	/* What Linux 6.1 blkback offers (docs/real-xen.md). */
	CU_ASSERT_EQUAL(in->sectors, 16u * 2048u);
	CU_ASSERT_EQUAL(in->max_indirect_segs, 256);
	CU_ASSERT_EQUAL(in->ring_order, 4);
	CU_ASSERT_EQUAL(in->persistent, persistent != 0);
	CU_ASSERT(in->flush);
}

/* pvf_wl_run over the first @bytes with @bs-byte requests, IODEPTH in
 * flight, pattern @seed, verify on: a write pass reads everything back, a
 * read pass of a range already written (@prefilled) only checks. */
static void pass(struct pvf_xenblk *b, enum pvf_wl_rw rw, uint32_t bs, uint64_t bytes,
		 uint32_t seed, bool prefilled)
{
	static const char *const names[] = { "read", "write", "randread", "randwrite", "mixed" };
	struct pvf_wl_opts o;
	struct pvf_wl_result r;
	struct pvf_wl_host h;
	int rc;

	memset(&o, 0, sizeof(o));
	o.rw = rw;
	o.bs = bs;
	o.iodepth = IODEPTH;
	o.queues = 1;
	o.size = bytes;
	o.verify = true;
	o.seed = seed;
	o.prefilled = prefilled;
	rc = pvf_wl_run(pvf_wl_host_xen(&h, b), &o, &r);
	printf("xenblk: %s bs %u over %llu bytes seed %u: %d, %llu requests (%llu reads, "
	       "%llu writes), %llu errors, %llu verify errors, %.3f s%s%s\n", names[rw], bs,
	       (unsigned long long)bytes, seed, rc, (unsigned long long)r.ios,
	       (unsigned long long)r.reads, (unsigned long long)r.writes,
	       (unsigned long long)r.errors, (unsigned long long)r.verify_errors,
	       (double)r.elapsed_ns / 1e9, r.first_error[0] ? ": " : "", r.first_error);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(r.errors, 0);
	CU_ASSERT_EQUAL(r.verify_errors, 0);
	CU_ASSERT_EQUAL(r.ios, bytes / bs);
	if (rw == PVF_WL_WRITE)
		CU_ASSERT_EQUAL(r.writes, bytes / bs);
	if (rw == PVF_WL_READ)
		CU_ASSERT_EQUAL(r.reads, bytes / bs);
}

struct sync_req {
	int done, status;
};

static void sync_done(struct pvf_blk_req *req, int status)
{
	struct sync_req *s = req->cookie;

	s->done = 1;
	s->status = status;
}

static int flush(struct pvf_xenblk *b)
{
	struct sync_req s = { 0, 0 };
	struct pvf_blk_req req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.op = PVF_BLK_OP_FLUSH;
	req.done = sync_done;
	req.cookie = &s;
	rc = pvf_blk_submit(pvf_xenblk_core(b), &req);
	for (int i = 0; !rc && !s.done && i < 500; i++)
		pvf_xenblk_pump(b, 10, 0);
	if (rc)
		return rc;
	if (!s.done) {
		pvf_blk_shutdown(pvf_xenblk_core(b));
		return -PVF_ETIMEDOUT;
	}
	return s.status;
}

/* The image file behind the loop device holds the pattern. */
static void check_image(uint64_t first, uint64_t n, uint32_t seed)
{
	uint8_t buf[4096], want[512];
	uint64_t bad = 0;
	int fd;

	if (!image)
		return;
	fd = open(image, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	for (uint64_t s = first; s < first + n; s += 8) {
		CU_ASSERT_FATAL(pread(fd, buf, sizeof(buf), (off_t)(s * 512)) == (ssize_t)sizeof(buf));
		for (unsigned int i = 0; i < 8; i++) {
			pvf_wl_pattern(want, s + i, seed);
			if (memcmp(buf + i * 512, want, 512))
				bad++;
		}
	}
	close(fd);
	printf("xenblk: image %s: %llu of %llu sectors differ\n", image, (unsigned long long)bad,
	       (unsigned long long)n);
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_connect_write_verify(void)
{
	struct pvf_xenblk *b = NULL;

	open_dev(&b, 1);
	/* Every size writes (and reads back) a prefix, up to 32 requests'
	 * worth; the 1 MiB requests cover the whole range last. */
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t bytes = (uint64_t)sizes[i] * 512u * 32u;

		pass(b, PVF_WL_WRITE, sizes[i] * 512u, bytes < NSECT * 512u ? bytes : NSECT * 512u,
		     7, false);
	}
	/* Random reads and writes of the same pattern, each read checked. */
	pass(b, PVF_WL_MIXED, 64u * 1024u, NSECT * 512u, 7, false);
	CU_ASSERT_EQUAL(flush(b), 0);
	pass(b, PVF_WL_READ, 256u * 1024u, NSECT * 512u, 7, true);
	check_image(0, NSECT, 7);
	{
		const struct pvf_blk_stats *st = pvf_blk_get_stats(pvf_xenblk_core(b));

		printf("xenblk: stats submitted %llu ring %llu indirect %llu events %llu "
		       "notifies %llu\n", (unsigned long long)st->submitted,
		       (unsigned long long)st->ring_reqs, (unsigned long long)st->indirect_reqs,
		       (unsigned long long)st->events, (unsigned long long)st->notifies);
		CU_ASSERT(st->indirect_reqs > 0);
		CU_ASSERT(st->events > 0);
	}
	CU_ASSERT_EQUAL(pvf_xenblk_close(b), 0);
	assert_no_leaks();
}

static int sysfs_present(void)
{
	struct stat st;

	return stat("/sys/bus/xen-backend/devices/vbd-0-51712", &st) == 0;
}

/* The toolstack removes the backend directory while requests sit on the
 * ring, waits for blkback to let the device go, and writes the vbd again:
 * the frontend reconnects and replays what was in flight. */
static void test_backend_recreated_with_requests_in_flight(void)
{
	const struct pvf_platform *p = pvf_xenplat_platform(xp);
	struct pvf_xenblk *b = NULL;
	struct pvf_blk_req req[IODEPTH];
	struct pvf_blk_seg seg[IODEPTH][64];
	struct sync_req s[IODEPTH];
	struct pvf_xenbus_dev *xb;
	int i, ok = 0;

	open_dev(&b, 0);
	xb = pvf_xenblk_xenbus(b);
	for (unsigned int r = 0; r < IODEPTH; r++) {
		memset(&req[r], 0, sizeof(req[r]));
		s[r].done = 0;
		for (unsigned int pg = 0; pg < 64; pg++) {
			uint8_t *va = pvf_xenblk_page(b, r * 64 + pg);

			for (unsigned int k = 0; k < 8; k++)
				pvf_wl_pattern(va + k * 512, r * 512 + pg * 8 + k, 99);
			seg[r][pg].frame = pvf_xenblk_frame(b, r * 64 + pg);
			seg[r][pg].va = va;
			seg[r][pg].first_sect = 0;
			seg[r][pg].last_sect = 7;
		}
		req[r].op = PVF_BLK_OP_WRITE;
		req[r].sector = r * 512;
		req[r].segs = seg[r];
		req[r].nr_segs = 64;
		req[r].done = sync_done;
		req[r].cookie = &s[r];
		CU_ASSERT_EQUAL_FATAL(pvf_blk_submit(pvf_xenblk_core(b), &req[r]), 0);
	}
	/* No event serviced: the responses (if any) stay unconsumed. */
	CU_ASSERT_EQUAL(p->ops->xs_rm(p->ctx, 0, BE), 0);
	for (i = 0; i < 200 && pvf_xenbus_frontend_state(xb) != PVF_XENBUS_CLOSED; i++)
		pvf_xenblk_pump(b, 50, 1);
	CU_ASSERT_EQUAL(pvf_xenbus_frontend_state(xb), PVF_XENBUS_CLOSED);
	for (unsigned int r = 0; r < IODEPTH; r++)
		CU_ASSERT_EQUAL(s[r].done, 0);
	printf("xenblk: backend removed; frontend Closed, replay list %llu\n",
	       (unsigned long long)pvf_blk_get_stats(pvf_xenblk_core(b))->replayed);
	CU_ASSERT(pvf_blk_get_stats(pvf_xenblk_core(b))->replayed >= IODEPTH);
	for (i = 0; i < 100 && sysfs_present(); i++)
		pvf_xenblk_pump(b, 50, 1);
	CU_ASSERT_FALSE(sysfs_present());
	/* The toolstack re-attaches the disk. */
	CU_ASSERT_EQUAL_FATAL(pvf_xenplat_vbd_create(xp, FE, 0, DEVID, loopdev, 0), 0);
	for (i = 0; i < 300 && !ok; i++) {
		pvf_xenblk_pump(b, 50, 0);
		ok = 1;
		for (unsigned int r = 0; r < IODEPTH; r++)
			ok &= s[r].done;
	}
	CU_ASSERT(pvf_xenblk_connected(b));
	printf("xenblk: re-created: connected %d, replayed requests done %d\n",
	       pvf_xenblk_connected(b), ok);
	pvf_xenplat_log_keys(xp, BE, "xenblk: backend(again)");
	CU_ASSERT_EQUAL_FATAL(ok, 1);
	for (unsigned int r = 0; r < IODEPTH; r++)
		CU_ASSERT_EQUAL(s[r].status, 0);
	CU_ASSERT_EQUAL(flush(b), 0);
	/* Read back through the new connection, without persistent grants. */
	pass(b, PVF_WL_READ, 128u * 1024u, IODEPTH * 512u * 512u, 99, true);
	check_image(0, IODEPTH * 512, 99);
	CU_ASSERT_EQUAL(pvf_xenblk_close(b), 0);
	assert_no_leaks();
}

static int suite_init(void)
{
	int rc;

	loopdev = getenv("PVF_XEN_LOOPDEV");
	image = getenv("PVF_XEN_IMAGE");
	rc = pvf_xenplat_open(&xp, NULL);
	if (rc == -PVF_ENODEV)
		pvf_test_skip_all("no /dev/xen (not in a Xen domain, or xen-gntalloc/xen-evtchn not loaded)");
	if (rc < 0)
		return 1;
	if (!loopdev) {
		pvf_xenplat_close(xp);
		pvf_test_skip_all("PVF_XEN_LOOPDEV not set (a loop device of 16 MiB for blkback)");
	}
	return 0;
}

static int suite_cleanup(void)
{
	pvf_xenplat_close(xp);
	return 0;
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_connect_write_verify),
		PVF_TEST(test_backend_recreated_with_requests_in_flight),
		PVF_TEST_END
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return pvf_test_run("xen_blk", tests, suite_init, suite_cleanup);
}
