/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Recovery end to end: the block frontend core writes known patterns to a
 * raw image served by a blkback PROCESS (linux profile: ring order 4,
 * indirect descriptors, persistent grants, 4 queues).  The backend is
 * paused through its shared control page so that a batch of writes is
 * surely in flight on the rings, then killed with SIGKILL; the hypervisor
 * releases what it mapped; a new backend process starts with the minimal
 * profile (one-page ring, no indirect, no persistent, one queue) as a
 * toolstack restart (Closed, then InitWait).  Then:
 *   - every request completes exactly once, with success;
 *   - every acknowledged write, before or after the kill, is on the image
 *     (the file is read directly), sectors never written are still zero;
 *   - the replayed requests were re-split for the new limits (the new
 *     backend counts exactly sum(ceil(segments / 11)) plain requests);
 *   - at the end no grant is mapped or in use and no port or page is left.
 * Two frontends: the harness's block client (pvf_bbc_*) and the real XenBus
 * machine with pvf_blk_xenbus_ops.
 */
#include <fcntl.h>
#include <signal.h>
#include "test_blkback_fix.h"

#define IMG_BYTES (16u << 20)
#define SLOT_SECT 256u          /* 128 KiB per request slot */
#define MAX_SEGS 32u
#define NA 12u                  /* acknowledged before the kill */
#define NB 16u                  /* in flight when the backend dies */
#define NC 8u                   /* after the restart */
#define NREQ (NA + NB + NC)
#define DATA_PAGES (NREQ * MAX_SEGS)

static const uint32_t seg_counts[] = { 32, 1, 13, 23, 11, 12, 32, 7 };

struct rq {
	struct pvf_blk_req req;
	struct pvf_blk_seg segs[MAX_SEGS];
	uint32_t slot, nsegs, seed;
	int calls, status;
};

/* One frontend flavour: how to pump it and what it is. */
struct fe {
	struct pvf_blk *blk;
	void (*pump)(struct fe *f, int timeout_ms);
	void *(*page)(struct fe *f, uint32_t i);
	uint64_t (*frame)(struct fe *f, uint32_t i);
	void *arg;
};

static struct rq rqs[NREQ];
static char img[64];

static void rq_done(struct pvf_blk_req *req, int status)
{
	struct rq *r = req->cookie;

	r->calls++;
	r->status = status;
}

/* Fill request @i's pages with its pattern and submit it. */
static int submit(struct fe *f, uint32_t i, uint32_t slot, uint32_t seed)
{
	struct rq *r = &rqs[i];
	uint32_t s, k;

	memset(r, 0, sizeof(*r));
	r->slot = slot;
	r->seed = seed;
	r->nsegs = seg_counts[i % (sizeof(seg_counts) / sizeof(seg_counts[0]))];
	for (s = 0; s < r->nsegs; s++) {
		uint8_t *va = f->page(f, i * MAX_SEGS + s);

		for (k = 0; k < 8; k++)
			pvf_wl_pattern(va + k * 512, (uint64_t)slot * SLOT_SECT + s * 8 + k, seed);
		r->segs[s].va = va;
		r->segs[s].frame = f->frame(f, i * MAX_SEGS + s);
		r->segs[s].first_sect = 0;
		r->segs[s].last_sect = 7;
	}
	r->req.op = PVF_BLK_OP_WRITE;
	r->req.queue = (uint16_t)i;
	r->req.sector = (uint64_t)slot * SLOT_SECT;
	r->req.segs = r->segs;
	r->req.nr_segs = r->nsegs;
	r->req.done = rq_done;
	r->req.cookie = r;
	return pvf_blk_submit(f->blk, &r->req);
}

/* Pump until requests [from, to) all completed or @ms passed. */
static int wait_done(struct fe *f, uint32_t from, uint32_t to, int ms)
{
	int n;
	uint32_t i;

	for (n = 0; n < ms; n++) {
		for (i = from; i < to && rqs[i].calls; i++)
			;
		if (i == to)
			return 0;
		f->pump(f, 1);
	}
	return -1;
}

static uint32_t ring_reqs_minimal(uint32_t from, uint32_t to)
{
	uint32_t i, n = 0;

	for (i = from; i < to; i++)
		n += (rqs[i].nsegs + BLKIF_MAX_SEGMENTS_PER_REQUEST - 1) /
		     BLKIF_MAX_SEGMENTS_PER_REQUEST;
	return n;
}

/* The image holds, in every sector, the pattern of the last acknowledged
 * write that covered it, zeros where none did.  Returns the number of bad
 * sectors. */
static uint32_t verify_image(void)
{
	static uint8_t disk[IMG_BYTES];
	static uint32_t seed_of[IMG_BYTES / 512];
	uint8_t want[512], zero[512];
	uint32_t i, k, sect, bad = 0;
	int fd;

	memset(seed_of, 0, sizeof(seed_of));
	for (i = 0; i < NREQ; i++) /* in submission order: later ones overwrite */
		for (k = 0; k < rqs[i].nsegs * 8; k++)
			seed_of[rqs[i].slot * SLOT_SECT + k] = rqs[i].seed;
	fd = open(img, O_RDONLY);
	if (fd < 0 || pread(fd, disk, sizeof(disk), 0) != (ssize_t)sizeof(disk)) {
		if (fd >= 0)
			close(fd);
		return ~0u;
	}
	close(fd);
	memset(zero, 0, sizeof(zero));
	for (sect = 0; sect < IMG_BYTES / 512; sect++) {
		const uint8_t *exp = zero;

		if (seed_of[sect]) {
			pvf_wl_pattern(want, sect, seed_of[sect]);
			exp = want;
		}
		if (memcmp(disk + (size_t)sect * 512, exp, 512)) {
			if (!bad)
				fprintf(stderr, "first bad sector %u (seed %u)\n", sect, seed_of[sect]);
			bad++;
		}
	}
	return bad;
}

/*
 * The scenario over frontend @f, whose backend @*b was forked with the
 * linux profile and is connected.  Leaves @*b as the replacement backend,
 * connected and idle.
 */
static void scenario(struct fe *f, struct pvf_blkback **b, const struct pvf_bb_config *mini)
{
	const struct pvf_blk_info *info = pvf_blk_get_info(f->blk);
	struct pvf_bb_stats st, st0;
	struct pvf_lb_stats hs;
	uint64_t sub0;
	uint32_t i;
	int n;

	CU_ASSERT_EQUAL(info->ring_order, 4);
	CU_ASSERT_EQUAL(info->max_indirect_segs, MAX_SEGS);
	CU_ASSERT_TRUE(info->persistent);
	CU_ASSERT_EQUAL(info->nr_queues, 4);

	/* A: acknowledged before anything goes wrong (slots 0..NA-1) */
	for (i = 0; i < NA; i++)
		CU_ASSERT_EQUAL(submit(f, i, i, 100 + i), 0);
	CU_ASSERT_EQUAL_FATAL(wait_done(f, 0, NA, 5000), 0);
	for (i = 0; i < NA; i++) {
		CU_ASSERT_EQUAL(rqs[i].calls, 1);
		CU_ASSERT_EQUAL(rqs[i].status, 0);
	}

	/* B: the backend is parked, these sit unanswered on the rings; the
	 * first NA of them overwrite the slots of A */
	CU_ASSERT_EQUAL_FATAL(pvf_bb_pause(*b, true, 3000), 0);
	pvf_bb_get_stats(*b, &st0);
	CU_ASSERT_EQUAL(st0.paused, 4);
	sub0 = pvf_blk_get_stats(f->blk)->ring_reqs;
	for (i = NA; i < NA + NB; i++)
		CU_ASSERT_EQUAL(submit(f, i, i - NA < NA ? i - NA : i + 8, 200 + i), 0);
	for (n = 0; n < 30; n++)
		f->pump(f, 1);
	for (i = NA; i < NA + NB; i++)
		CU_ASSERT_EQUAL(rqs[i].calls, 0);
	/* each one is on a ring (one indirect request each), none consumed */
	CU_ASSERT_EQUAL(pvf_blk_get_stats(f->blk)->ring_reqs - sub0, NB);
	pvf_bb_get_stats(*b, &st);
	CU_ASSERT_EQUAL(st.requests, st0.requests);
	CU_ASSERT_TRUE(st.mapped > 0);

	/* the backend process dies; the hypervisor releases its mappings */
	CU_ASSERT_EQUAL(pvf_bb_kill(*b, SIGKILL), 128 + SIGKILL);
	CU_ASSERT_EQUAL(pvf_lb_hv_stats(fx_hv, &hs), 0);
	CU_ASSERT_EQUAL(hs.grants_mapped, 0);
	CU_ASSERT_EQUAL(hs.backend_ports, 0);

	/* the toolstack starts another backend, with smaller limits */
	CU_ASSERT_EQUAL_FATAL(pvf_bb_replace(b, mini), 0);
	CU_ASSERT_EQUAL(wait_done(f, NA, NA + NB, 10000), 0);
	for (i = NA; i < NA + NB; i++) {
		CU_ASSERT_EQUAL(rqs[i].calls, 1);
		CU_ASSERT_EQUAL(rqs[i].status, 0);
	}
	CU_ASSERT_FALSE(pvf_blk_is_broken(f->blk));
	CU_ASSERT_TRUE(pvf_blk_get_stats(f->blk)->replayed >= NB);
	info = pvf_blk_get_info(f->blk);
	CU_ASSERT_EQUAL(info->ring_order, 0);
	CU_ASSERT_EQUAL(info->max_indirect_segs, 0);
	CU_ASSERT_EQUAL(info->max_segs_per_req, BLKIF_MAX_SEGMENTS_PER_REQUEST);
	CU_ASSERT_FALSE(info->persistent);
	CU_ASSERT_EQUAL(info->nr_queues, 1);
	CU_ASSERT_EQUAL(pvf_bb_wait_state(*b, 4, 3000), 0);
	pvf_bb_get_stats(*b, &st);
	CU_ASSERT_EQUAL(st.restarts, 1);
	CU_ASSERT_EQUAL(st.connections, 1);
	CU_ASSERT_EQUAL(st.ring_order, 0);
	CU_ASSERT_EQUAL(st.nr_queues, 1);
	CU_ASSERT_EQUAL(st.persistent, 0);
	CU_ASSERT_EQUAL(st.indirect, 0);
	CU_ASSERT_EQUAL(st.errors, 0);
	/* re-split: 32 segments became 3 plain requests, 13 became 2 ... */
	CU_ASSERT_EQUAL(st.requests, ring_reqs_minimal(NA, NA + NB));
	CU_ASSERT_EQUAL(st.writes, st.requests);

	/* C: the new backend keeps serving */
	for (i = NA + NB; i < NREQ; i++)
		CU_ASSERT_EQUAL(submit(f, i, i + 8, 300 + i), 0);
	CU_ASSERT_EQUAL(wait_done(f, NA + NB, NREQ, 5000), 0);
	for (n = 0; n < 30; n++)
		f->pump(f, 1); /* a duplicate completion would show up now */
	for (i = 0; i < NREQ; i++) {
		CU_ASSERT_EQUAL(rqs[i].calls, 1);
		CU_ASSERT_EQUAL(rqs[i].status, 0);
	}
	pvf_bb_get_stats(*b, &st);
	CU_ASSERT_EQUAL(st.requests, ring_reqs_minimal(NA, NREQ));
	CU_ASSERT_EQUAL(pvf_blk_get_stats(f->blk)->completed, NREQ);
	CU_ASSERT_EQUAL(verify_image(), 0);
}

static void make_image(void)
{
	int fd;

	snprintf(img, sizeof(img), "/tmp/pvf-blkrec-XXXXXX");
	fd = mkstemp(img);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(ftruncate(fd, IMG_BYTES) == 0);
	close(fd);
}

static void profiles(struct pvf_bb_config *linux_, struct pvf_bb_config *mini)
{
	pvf_bb_profile(linux_, "linux");
	linux_->max_queues = 4; /* not the CPU count: the test wants 4 -> 1 */
	snprintf(linux_->image, sizeof(linux_->image), "%s", img);
	pvf_bb_profile(mini, "minimal");
	snprintf(mini->image, sizeof(mini->image), "%s", img);
}

static void front_config(struct pvf_blk_config *fc)
{
	pvf_blk_config_default(fc);
	fc->max_ring_page_order = 4;
	fc->nr_queues = 4;
	fc->max_indirect_segs = MAX_SEGS;
	fc->persistent = 1;
	fc->pool_pages = 256; /* every in-flight request fits: none waits */
}

static void assert_nothing_left(void)
{
	struct pvf_lb_stats hs;

	fx_assert_unmapped();
	CU_ASSERT_EQUAL(pvf_lb_hv_stats(fx_hv, &hs), 0);
	CU_ASSERT_EQUAL(hs.grants_in_use, 0);
	CU_ASSERT_EQUAL(hs.guest_ports, 0);
	CU_ASSERT_EQUAL(hs.backend_ports, 0);
	CU_ASSERT_EQUAL(hs.pages_allocated, 0);
	CU_ASSERT_EQUAL(pvf_lb_guest_grants_in_use(fx_g), 0);
}

/* ---- frontend 1: the harness's block client ------------------------------ */

static void bbc_pump(struct fe *f, int ms)
{
	pvf_bbc_pump(f->arg, ms);
}

static void *bbc_page(struct fe *f, uint32_t i)
{
	return pvf_bbc_page(f->arg, i);
}

static uint64_t bbc_frame(struct fe *f, uint32_t i)
{
	return pvf_bbc_frame(f->arg, i);
}

static void test_restart_smaller_limits_bbc(void)
{
	struct pvf_bb_config lin, mini;
	struct pvf_blk_config fc;
	struct pvf_blkback *b;
	static struct pvf_bbc c;
	struct fe f;

	make_image();
	profiles(&lin, &mini);
	fx_dirs(&lin);
	front_config(&fc);
	CU_ASSERT_EQUAL_FATAL(pvf_bb_fork(fx_hv, &lin, fx_fe, fx_be, &b), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_bbc_open(&c, fx_g, fx_fe, fx_be, &fc, DATA_PAGES, 5000), 0);
	f.blk = &c.blk;
	f.pump = bbc_pump;
	f.page = bbc_page;
	f.frame = bbc_frame;
	f.arg = &c;
	scenario(&f, &b, &mini);
	CU_ASSERT_EQUAL(pvf_bbc_close(&c, 3000), 0);
	CU_ASSERT_EQUAL(pvf_bb_kill(b, SIGTERM), 0);
	pvf_bb_destroy(b);
	assert_nothing_left();
	pvf_bb_toolstack_remove(fx_fe, fx_be);
	unlink(img);
}

/* ---- frontend 2: the XenBus machine driving pvf_blk ------------------------ */

struct xfe {
	struct pvf_xenbus_dev dev;
	struct pvf_blk blk;
	const struct pvf_platform *p;
	void *scratch, *data;
	uint64_t frames[DATA_PAGES];
};

static void xfe_event(void *arg, uint32_t port)
{
	pvf_blk_on_event(arg, port);
}

static void xfe_pump(struct fe *f, int ms)
{
	struct xfe *x = f->arg;
	char path[256], tok[256];
	uint32_t q;
	int rc;

	/* ports change with every setup: (re)bind the current ones */
	if (x->blk.state == PVF_BLK_S_SETUP || x->blk.state == PVF_BLK_S_CONNECTED)
		for (q = 0; q < PVF_BLK_MAX_QUEUES; q++)
			if (x->blk.q[q].port)
				pvf_lb_guest_bind(fx_g, x->blk.q[q].port, xfe_event, &x->blk);
	pvf_lb_guest_poll(fx_g, ms);
	while ((rc = pvf_lb_xs_read_watch(fx_g, path, sizeof(path), tok, sizeof(tok))) != 0) {
		if (rc < 0)
			break;
		pvf_xenbus_on_watch(&x->dev, path, tok);
	}
	pvf_xenbus_poll(&x->dev);
	if (x->blk.state == PVF_BLK_S_CONNECTED)
		pvf_blk_poll(&x->blk);
}

static void *xfe_page(struct fe *f, uint32_t i)
{
	struct xfe *x = f->arg;

	return (uint8_t *)x->data + (size_t)i * PVF_PAGE_SIZE;
}

static uint64_t xfe_frame(struct fe *f, uint32_t i)
{
	return ((struct xfe *)f->arg)->frames[i];
}

static void test_restart_smaller_limits_xenbus(void)
{
	struct pvf_bb_config lin, mini;
	struct pvf_blk_config fc;
	struct pvf_blkback *b;
	static struct xfe x;
	struct fe f;
	size_t sz;
	int n;

	make_image();
	profiles(&lin, &mini);
	fx_dirs(&lin);
	memset(&x, 0, sizeof(x));
	x.p = pvf_lb_guest_platform(fx_g);
	f.blk = &x.blk;
	f.pump = xfe_pump;
	f.page = xfe_page;
	f.frame = xfe_frame;
	f.arg = &x;
	CU_ASSERT_EQUAL_FATAL(x.p->ops->page_alloc(x.p->ctx, DATA_PAGES, &x.data, x.frames), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_bb_fork(fx_hv, &lin, fx_fe, fx_be, &b), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_xenbus_create(&x.dev, x.p, fx_fe, &pvf_blk_xenbus_ops, &x.blk,
						NULL), 0);
	front_config(&fc);
	CU_ASSERT_EQUAL_FATAL(pvf_blk_config_xenbus(&fc, &x.dev), 0);
	sz = pvf_blk_scratch_size(&fc);
	CU_ASSERT_FATAL(sz > 0);
	x.scratch = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	CU_ASSERT_FATAL(x.scratch != NULL);
	memset(x.scratch, 0, sz);
	fc.scratch = x.scratch;
	fc.scratch_size = sz;
	CU_ASSERT_EQUAL_FATAL(pvf_blk_init(&x.blk, x.p, &fc), 0);
	for (n = 0; n < 5000 && pvf_xenbus_frontend_state(&x.dev) != PVF_XENBUS_CONNECTED; n++)
		xfe_pump(&f, 1);
	CU_ASSERT_EQUAL_FATAL(pvf_xenbus_frontend_state(&x.dev), PVF_XENBUS_CONNECTED);

	scenario(&f, &b, &mini);
	/* the machine went through Closed and back to Connected */
	CU_ASSERT_EQUAL(pvf_xenbus_frontend_state(&x.dev), PVF_XENBUS_CONNECTED);

	CU_ASSERT_EQUAL(pvf_xenbus_close(&x.dev), 0);
	for (n = 0; n < 5000 && !pvf_xenbus_is_closed(&x.dev); n++)
		xfe_pump(&f, 1);
	CU_ASSERT_TRUE(pvf_xenbus_is_closed(&x.dev));
	CU_ASSERT_EQUAL(pvf_blk_shutdown(&x.blk), 0);
	CU_ASSERT_EQUAL(pvf_xenbus_destroy(&x.dev), 0);
	CU_ASSERT_EQUAL(x.p->ops->page_free(x.p->ctx, x.data, DATA_PAGES), 0);
	free(x.scratch);
	CU_ASSERT_EQUAL(pvf_bb_kill(b, SIGTERM), 0);
	pvf_bb_destroy(b);
	assert_nothing_left();
	CU_ASSERT_EQUAL(pvf_lb_guest_xs_watches(fx_g), 0);
	pvf_bb_toolstack_remove(fx_fe, fx_be);
	unlink(img);
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_restart_smaller_limits_bbc),
	PVF_TEST(test_restart_smaller_limits_xenbus),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("blk_recovery", tests, fx_init, fx_fini);
}
