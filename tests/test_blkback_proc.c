/* SPDX-License-Identifier: BSD-2-Clause */
/* blkback as a separate process (fork + pvf_lb_hv_attach): serves
 * requests, is killed with requests in flight (the hypervisor releases
 * what it mapped), a new process takes the ring over and every request
 * completes exactly once.  The restart with other limits, where the
 * frontend reconnects and replays, is tests/test_blk_recovery.c. */
#include <fcntl.h>
#include <signal.h>
#include "test_blkback_fix.h"

static char img[64];

struct aio {
	struct pvf_blk_req req;
	struct pvf_blk_seg seg;
	int calls, status;
};

static void aio_done(struct pvf_blk_req *req, int status)
{
	struct aio *a = req->cookie;

	a->calls++;
	a->status = status;
}

static void test_fork_serves_and_stops_cleanly(void)
{
	struct pvf_bb_config bc;
	struct pvf_bb_stats st;
	struct pvf_blkback *b;
	struct pvf_bbc c;
	static uint8_t w[8192], r[8192];

	pvf_bb_profile(&bc, "linux");
	fx_dirs(&bc);
	CU_ASSERT_EQUAL_FATAL(pvf_bb_fork(fx_hv, &bc, fx_fe, fx_be, &b), 0);
	CU_ASSERT_TRUE(pvf_bb_pid(b) > 0 && pvf_bb_pid(b) != getpid());
	CU_ASSERT_EQUAL_FATAL(pvf_bbc_open(&c, fx_g, fx_fe, fx_be, NULL, 8, 5000), 0);
	memset(w, 0x77, sizeof(w));
	CU_ASSERT_EQUAL(pvf_bbc_io(&c, PVF_BLK_OP_WRITE, 64, w, 16, 3000), 0);
	CU_ASSERT_EQUAL(pvf_bbc_io(&c, PVF_BLK_OP_READ, 64, r, 16, 3000), 0);
	pvf_bb_get_stats(b, &st); /* through the shared control page */
	CU_ASSERT_TRUE(st.requests >= 2);
	CU_ASSERT_EQUAL(st.connections, 1);
	CU_ASSERT_EQUAL(pvf_bbc_close(&c, 3000), 0);
	CU_ASSERT_EQUAL(pvf_bb_kill(b, SIGTERM), 0); /* clean exit */
	pvf_bb_get_stats(b, &st);
	CU_ASSERT_EQUAL(st.mapped, 0);
	CU_ASSERT_EQUAL(st.state, 6);
	pvf_bb_destroy(b);
	fx_assert_unmapped();
	pvf_bb_toolstack_remove(fx_fe, fx_be);
}

static void test_kill_and_restart_mid_workload(void)
{
	struct pvf_bb_config bc;
	struct pvf_bb_stats st;
	struct pvf_lb_stats hs;
	struct pvf_blkback *b, *b2;
	struct pvf_bbc c;
	struct aio a[6];
	uint8_t disk[4096];
	int fd, i, n, done;

	snprintf(img, sizeof(img), "/tmp/pvf-bbproc-XXXXXX");
	fd = mkstemp(img);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(ftruncate(fd, 1 << 20), 0);
	pvf_bb_profile(&bc, "minimal");
	snprintf(bc.image, sizeof(bc.image), "%s", img);
	fx_dirs(&bc);
	CU_ASSERT_EQUAL_FATAL(pvf_bb_fork(fx_hv, &bc, fx_fe, fx_be, &b), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_bbc_open(&c, fx_g, fx_fe, fx_be, NULL, 8, 5000), 0);

	/* six writes in flight (the backend is paused so that none can be
	 * answered), then the backend dies */
	CU_ASSERT_EQUAL(pvf_bb_pause(b, true, 3000), 0);
	pvf_bb_get_stats(b, &st);
	CU_ASSERT_EQUAL(st.paused, 1);
	memset(a, 0, sizeof(a));
	for (i = 0; i < 6; i++) {
		memset(pvf_bbc_page(&c, (uint32_t)i), 0x10 + i, 4096);
		a[i].seg.frame = pvf_bbc_frame(&c, (uint32_t)i);
		a[i].seg.va = pvf_bbc_page(&c, (uint32_t)i);
		a[i].seg.last_sect = 7;
		a[i].req.op = PVF_BLK_OP_WRITE;
		a[i].req.sector = (uint64_t)i * 8;
		a[i].req.segs = &a[i].seg;
		a[i].req.nr_segs = 1;
		a[i].req.done = aio_done;
		a[i].req.cookie = &a[i];
		CU_ASSERT_EQUAL(pvf_blk_submit(&c.blk, &a[i].req), 0);
	}
	for (i = 0; i < 20; i++)
		pvf_bbc_pump(&c, 1);
	for (i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(a[i].calls, 0);
	CU_ASSERT_EQUAL(pvf_lb_hv_stats(fx_hv, &hs), 0);
	CU_ASSERT_TRUE(hs.grants_mapped >= 1); /* the ring */
	CU_ASSERT_EQUAL(hs.backend_ports, 1);
	CU_ASSERT_EQUAL(pvf_bb_kill(b, SIGKILL), 128 + SIGKILL);
	pvf_bb_destroy(b);
	/* the process is gone: its mappings and port are released */
	CU_ASSERT_EQUAL(pvf_lb_hv_stats(fx_hv, &hs), 0);
	CU_ASSERT_EQUAL(hs.grants_mapped, 0);
	CU_ASSERT_EQUAL(hs.backend_ports, 0);

	/* a new backend process takes the ring over where responses stopped */
	CU_ASSERT_EQUAL_FATAL(pvf_bb_fork(fx_hv, &bc, fx_fe, fx_be, &b2), 0);
	for (n = 0, done = 0; n < 5000 && done < 6; n++) {
		pvf_bbc_pump(&c, 1);
		for (i = 0, done = 0; i < 6; i++)
			done += a[i].calls ? 1 : 0;
	}
	for (i = 0; i < 6; i++) {
		CU_ASSERT_EQUAL(a[i].calls, 1);
		CU_ASSERT_EQUAL(a[i].status, 0);
	}
	CU_ASSERT_FALSE(pvf_blk_is_broken(&c.blk));
	/* every acknowledged write is on the image */
	fd = open(img, O_RDONLY);
	for (i = 0; i < 6; i++) {
		CU_ASSERT_EQUAL(pread(fd, disk, 4096, (off_t)i * 4096), 4096);
		CU_ASSERT_EQUAL(disk[0], 0x10 + i);
		CU_ASSERT_EQUAL(disk[4095], 0x10 + i);
	}
	close(fd);
	/* and the new one keeps serving */
	memset(disk, 0, sizeof(disk));
	CU_ASSERT_EQUAL(pvf_bbc_io(&c, PVF_BLK_OP_READ, 8, disk, 8, 3000), 0);
	CU_ASSERT_EQUAL(disk[9], 0x11);
	/* the queues serve before the Connected transaction is committed */
	CU_ASSERT_EQUAL(pvf_bb_wait_state(b2, 4, 3000), 0);
	pvf_bb_get_stats(b2, &st);
	CU_ASSERT_EQUAL(st.connections, 1);
	/* closing: nothing is left mapped, nothing held */
	CU_ASSERT_EQUAL(pvf_bbc_close(&c, 3000), 0);
	pvf_bb_get_stats(b2, &st);
	CU_ASSERT_EQUAL(st.mapped, 0);
	CU_ASSERT_EQUAL(pvf_lb_hv_stats(fx_hv, &hs), 0);
	CU_ASSERT_EQUAL(hs.grants_mapped, 0);
	CU_ASSERT_EQUAL(hs.grants_in_use, 0);
	CU_ASSERT_EQUAL(hs.guest_ports, 0);
	CU_ASSERT_EQUAL(pvf_bb_kill(b2, SIGTERM), 0);
	pvf_bb_destroy(b2);
	pvf_bb_toolstack_remove(fx_fe, fx_be);
	unlink(img);
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_fork_serves_and_stops_cleanly),
	PVF_TEST(test_kill_and_restart_mid_workload),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("blkback_proc", tests, fx_init, fx_fini);
}
