/* SPDX-License-Identifier: BSD-2-Clause */
/* Fake platform + in-process blkback for the block frontend tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/xen.h>
#include <xen/io/blkif.h>
#include "blk_testback.h"

/* ---- xenstore ------------------------------------------------------------ */

static int kv_find(struct tb_plat *tp, const char *path)
{
	int i;

	for (i = 0; i < TB_KV_MAX; i++)
		if (tp->kv_path[i] && strcmp(tp->kv_path[i], path) == 0)
			return i;
	return -1;
}

const char *tb_xs_get(struct tb_plat *tp, const char *path)
{
	int i = kv_find(tp, path);

	return i < 0 ? NULL : tp->kv_val[i];
}

void tb_xs_set(struct tb_plat *tp, const char *path, const char *val)
{
	int i = kv_find(tp, path);

	if (i < 0) {
		for (i = 0; i < TB_KV_MAX && tp->kv_path[i]; i++)
			;
		if (i == TB_KV_MAX)
			abort();
		tp->kv_path[i] = strdup(path);
	} else {
		free(tp->kv_val[i]);
	}
	tp->kv_val[i] = strdup(val);
}

/* Remove @path and everything below it.  Returns the number removed. */
static int kv_rm(struct tb_plat *tp, const char *path)
{
	size_t n = strlen(path);
	int i, removed = 0;

	for (i = 0; i < TB_KV_MAX; i++) {
		const char *k = tp->kv_path[i];

		if (k && strncmp(k, path, n) == 0 && (k[n] == '\0' || k[n] == '/')) {
			free(tp->kv_path[i]);
			free(tp->kv_val[i]);
			tp->kv_path[i] = tp->kv_val[i] = NULL;
			removed++;
		}
	}
	return removed;
}

void tb_xs_del(struct tb_plat *tp, const char *path)
{
	kv_rm(tp, path);
}

static int op_xs_read(void *ctx, uint32_t txn, const char *path, char *buf, size_t size)
{
	const char *v = tb_xs_get(ctx, path);
	size_t len;

	(void)txn;
	if (!v)
		return -PVF_ENOENT;
	len = strlen(v);
	if (len + 1 > size)
		return -PVF_E2BIG;
	memcpy(buf, v, len + 1);
	return (int)len;
}

static int op_xs_write(void *ctx, uint32_t txn, const char *path, const char *value)
{
	(void)txn;
	tb_xs_set(ctx, path, value);
	return 0;
}

static int op_xs_rm(void *ctx, uint32_t txn, const char *path)
{
	(void)txn;
	return kv_rm(ctx, path) ? 0 : -PVF_ENOENT;
}

static int op_txn_start(void *ctx, uint32_t *txn)
{
	(void)ctx;
	*txn = 1;
	return 0;
}

static int op_txn_end(void *ctx, uint32_t txn, int abort_)
{
	struct tb_plat *tp = ctx;

	(void)txn;
	if (abort_) {
		tp->txn_aborts++;
		return 0;
	}
	if (tp->txn_eagain > 0) {
		tp->txn_eagain--;
		return -PVF_EAGAIN; /* (writes stay: the retry rewrites them all) */
	}
	tp->txn_commits++;
	return 0;
}

/* ---- grants -------------------------------------------------------------- */

static int op_gnt_grant(void *ctx, pvf_domid_t domid, uint64_t frame, int ro, uint32_t *ref)
{
	struct tb_plat *tp = ctx;
	uint32_t i;

	(void)domid;
	if (tp->gnt_limit && tp->gnt_in_use >= tp->gnt_limit)
		return -PVF_ENOSPC;
	tp->gnt_calls++;
	for (i = 0; i < TB_GNT_MAX; i++) {
		uint32_t r = 8 + (tp->gnt_hint + i) % (TB_GNT_MAX - 8);

		if (!tp->g[r].used) {
			tp->g[r].used = 1;
			tp->g[r].ro = ro;
			tp->g[r].mapped = 0;
			tp->g[r].frame = frame;
			tp->gnt_hint = r - 8 + 1;
			tp->gnt_in_use++;
			*ref = r;
			return 0;
		}
	}
	return -PVF_ENOSPC;
}

static int op_gnt_end(void *ctx, uint32_t ref)
{
	struct tb_plat *tp = ctx;

	if (ref >= TB_GNT_MAX || !tp->g[ref].used)
		return -PVF_EBADF;
	if (tp->g[ref].mapped)
		return -PVF_EBUSY;
	tp->g[ref].used = 0;
	tp->gnt_in_use--;
	return 0;
}

void *tb_gnt_va(struct tb_plat *tp, uint32_t ref)
{
	if (ref >= TB_GNT_MAX || !tp->g[ref].used)
		return NULL;
	return (void *)(uintptr_t)(tp->g[ref].frame << PVF_PAGE_SHIFT);
}

/* ---- event channels ------------------------------------------------------ */

static int op_evtchn_alloc(void *ctx, pvf_domid_t remote, uint32_t *port)
{
	struct tb_plat *tp = ctx;

	(void)remote;
	if (tp->no_evtchn)
		return -PVF_ENOSYS;
	*port = (uint32_t)++tp->next_port;
	tp->ports_open++;
	return 0;
}

static int op_evtchn_notify(void *ctx, uint32_t port)
{
	struct tb_plat *tp = ctx;

	(void)port;
	tp->notifies++;
	return 0;
}

static int op_evtchn_unmask(void *ctx, uint32_t port)
{
	(void)ctx;
	(void)port;
	return 0;
}

static int op_evtchn_close(void *ctx, uint32_t port)
{
	struct tb_plat *tp = ctx;

	(void)port;
	tp->ports_open--;
	return 0;
}

/* ---- pages --------------------------------------------------------------- */

static int op_page_alloc(void *ctx, unsigned int npages, void **va, uint64_t *frames)
{
	struct tb_plat *tp = ctx;
	unsigned int i;
	int slot;
	void *p;

	if (npages == 0)
		return -PVF_EINVAL;
	for (slot = 0; slot < TB_ALLOC_MAX && tp->alloc[slot].va; slot++)
		;
	if (slot == TB_ALLOC_MAX)
		return -PVF_ENOMEM;
	p = aligned_alloc(PVF_PAGE_SIZE, (size_t)npages * PVF_PAGE_SIZE);
	if (!p)
		return -PVF_ENOMEM;
	memset(p, 0, (size_t)npages * PVF_PAGE_SIZE);
	for (i = 0; i < npages; i++)
		frames[i] = ((uintptr_t)p >> PVF_PAGE_SHIFT) + i;
	tp->alloc[slot].va = p;
	tp->alloc[slot].n = npages;
	tp->pages_out += (int)npages;
	*va = p;
	return 0;
}

static int op_page_free(void *ctx, void *va, unsigned int npages)
{
	struct tb_plat *tp = ctx;
	int slot;

	for (slot = 0; slot < TB_ALLOC_MAX; slot++) {
		if (tp->alloc[slot].va == va) {
			if (tp->alloc[slot].n != npages)
				return -PVF_EINVAL;
			free(va);
			tp->alloc[slot].va = NULL;
			tp->pages_out -= (int)npages;
			return 0;
		}
	}
	return -PVF_EINVAL;
}

static int op_xs_watch(void *ctx, const char *path, const char *token)
{
	struct tb_plat *tp = ctx;
	int i;

	for (i = 0; i < TB_WATCH_MAX && tp->watch_path[i]; i++)
		;
	if (i == TB_WATCH_MAX)
		return -PVF_ENOSPC;
	tp->watch_path[i] = strdup(path);
	tp->watch_token[i] = strdup(token);
	tp->watches++;
	return 0;
}

static int op_xs_unwatch(void *ctx, const char *path, const char *token)
{
	struct tb_plat *tp = ctx;
	int i;

	for (i = 0; i < TB_WATCH_MAX; i++) {
		if (tp->watch_path[i] && !strcmp(tp->watch_path[i], path) &&
		    !strcmp(tp->watch_token[i], token)) {
			free(tp->watch_path[i]);
			free(tp->watch_token[i]);
			tp->watch_path[i] = tp->watch_token[i] = NULL;
			tp->watches--;
			return 0;
		}
	}
	return -PVF_ENOENT;
}

static int op_clock(void *ctx, uint64_t *now)
{
	struct tb_plat *tp = ctx;

	*now = tp->now_ns;
	return 0;
}

static int op_log(void *ctx, enum pvf_log_level level, const char *msg)
{
	struct tb_plat *tp = ctx;

	if (level == PVF_LOG_ERR) {
		tp->log_errs++;
		snprintf(tp->last_err, sizeof(tp->last_err), "%s", msg);
	} else if (level == PVF_LOG_WARN) {
		tp->log_warns++;
	}
	if (tp->verbose || getenv("PVF_TEST_VERBOSE"))
		fprintf(stderr, "[%d] %s\n", (int)level, msg);
	return 0;
}

void tb_plat_init(struct tb_plat *tp)
{
	memset(tp, 0, sizeof(*tp));
	tp->ops = pvf_platform_nosys_ops;
	tp->ops.xs_read = op_xs_read;
	tp->ops.xs_write = op_xs_write;
	tp->ops.xs_rm = op_xs_rm;
	tp->ops.xs_txn_start = op_txn_start;
	tp->ops.xs_txn_end = op_txn_end;
	tp->ops.gnt_grant = op_gnt_grant;
	tp->ops.gnt_end = op_gnt_end;
	tp->ops.evtchn_alloc_unbound = op_evtchn_alloc;
	tp->ops.evtchn_notify = op_evtchn_notify;
	tp->ops.evtchn_unmask = op_evtchn_unmask;
	tp->ops.evtchn_close = op_evtchn_close;
	tp->ops.page_alloc = op_page_alloc;
	tp->ops.page_free = op_page_free;
	tp->ops.log = op_log;
	tp->ops.xs_watch = op_xs_watch;
	tp->ops.xs_unwatch = op_xs_unwatch;
	tp->ops.clock_ns = op_clock;
	tp->plat.ops = &tp->ops;
	tp->plat.ctx = tp;
}

void tb_plat_fini(struct tb_plat *tp)
{
	int i;

	for (i = 0; i < TB_KV_MAX; i++) {
		free(tp->kv_path[i]);
		free(tp->kv_val[i]);
		tp->kv_path[i] = tp->kv_val[i] = NULL;
	}
	for (i = 0; i < TB_WATCH_MAX; i++) {
		free(tp->watch_path[i]);
		free(tp->watch_token[i]);
		tp->watch_path[i] = tp->watch_token[i] = NULL;
	}
	for (i = 0; i < TB_ALLOC_MAX; i++) {
		free(tp->alloc[i].va); /* leaked ones: the test asserted already */
		tp->alloc[i].va = NULL;
	}
}

/* ---- backend ------------------------------------------------------------- */

void tb_publish_default(struct tb_plat *tp, const char *be, uint64_t sectors)
{
	char path[256], val[32];

	snprintf(path, sizeof(path), "%s/sectors", be);
	snprintf(val, sizeof(val), "%llu", (unsigned long long)sectors);
	tb_xs_set(tp, path, val);
	snprintf(path, sizeof(path), "%s/info", be);
	tb_xs_set(tp, path, "0");
	snprintf(path, sizeof(path), "%s/sector-size", be);
	tb_xs_set(tp, path, "512");
	snprintf(path, sizeof(path), "%s/mode", be);
	tb_xs_set(tp, path, "w");
}

void tb_back_init(struct tb_back *tb, struct tb_plat *tp, const char *fe, uint64_t sectors)
{
	memset(tb, 0, sizeof(*tb));
	tb->tp = tp;
	snprintf(tb->fe, sizeof(tb->fe), "%s", fe);
	tb->sectors = sectors;
	tb->disk = calloc(1, (size_t)sectors * 512);
}

void tb_back_fini(struct tb_back *tb)
{
	free(tb->disk);
	tb->disk = NULL;
}

static int fe_u32(struct tb_back *tb, const char *key, unsigned int *v)
{
	char path[256];
	const char *s;

	snprintf(path, sizeof(path), "%s/%s", tb->fe, key);
	s = tb_xs_get(tb->tp, path);
	if (!s)
		return -1;
	*v = (unsigned int)strtoul(s, NULL, 10);
	return 0;
}

int tb_back_attach(struct tb_back *tb)
{
	unsigned int q, i, ref, port;
	char key[64];

	tb->nq = 1;
	tb->order = 0;
	fe_u32(tb, "multi-queue-num-queues", &tb->nq);
	fe_u32(tb, "ring-page-order", &tb->order);
	if (tb->nq == 0 || tb->nq > PVF_BLK_MAX_QUEUES || tb->order > 4)
		return -1;
	for (q = 0; q < tb->nq; q++) {
		char pre[32] = "";
		void *va = NULL;

		if (tb->nq > 1)
			snprintf(pre, sizeof(pre), "queue-%u/", q);
		for (i = 0; i < (1u << tb->order); i++) {
			void *p;

			if (tb->order == 0)
				snprintf(key, sizeof(key), "%sring-ref", pre);
			else
				snprintf(key, sizeof(key), "%sring-ref%u", pre, i);
			if (fe_u32(tb, key, &ref))
				return -1;
			p = tb_gnt_va(tb->tp, ref);
			if (!p || tb->tp->g[ref].ro)
				return -1;
			if (tb->map_rings && tb->nmapped < TB_MAPPED_MAX) {
				tb->tp->g[ref].mapped = 1;
				tb->mapped[tb->nmapped++] = ref;
			}
			if (i == 0)
				va = p;
			else if ((char *)va + (size_t)i * PVF_PAGE_SIZE != p)
				return -1; /* the test maps a contiguous run */
		}
		snprintf(key, sizeof(key), "%sevent-channel", pre);
		if (!tb->tp->no_evtchn && fe_u32(tb, key, &port))
			return -1;
		BACK_RING_INIT(&tb->ring[q], (blkif_sring_t *)va, (size_t)PVF_PAGE_SIZE << tb->order);
	}
	tb->attached = 1;
	return 0;
}

void tb_back_detach(struct tb_back *tb)
{
	while (tb->nmapped) {
		uint32_t ref = tb->mapped[--tb->nmapped];

		if (ref < TB_GNT_MAX)
			tb->tp->g[ref].mapped = 0;
	}
	tb->attached = 0;
}

void tb_back_unhold(struct tb_back *tb)
{
	if (tb->held_ref) {
		tb->tp->g[tb->held_ref].mapped = 0;
		tb->held_ref = 0;
	}
}

/* Move data for one segment.  Returns 0 or -1. */
static int do_seg(struct tb_back *tb, int op, uint32_t gref, unsigned int first,
		  unsigned int last, uint64_t *sector)
{
	struct tb_plat *tp = tb->tp;
	uint8_t *page = tb_gnt_va(tp, gref);
	size_t n = (size_t)(last - first + 1) * 512;

	if (!page || first > last || last > 7 || *sector + (last - first + 1) > tb->sectors)
		return -1;
	if (op == BLKIF_OP_READ) {
		if (tp->g[gref].ro) {
			tb->ro_violations++;
			return -1;
		}
		memcpy(page + first * 512, tb->disk + *sector * 512, n);
	} else {
		memcpy(tb->disk + *sector * 512, page + first * 512, n);
	}
	*sector += last - first + 1;
	return 0;
}

static int16_t serve(struct tb_back *tb, const blkif_request_t *req, uint8_t *rsp_op)
{
	struct blkif_request_segment segs[PVF_BLK_MAX_INDIRECT_SEGS];
	uint64_t sector = req->sector_number;
	unsigned int n, i;
	int op = req->operation;

	*rsp_op = req->operation;
	switch (req->operation) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		n = req->nr_segments;
		if (n == 0 || n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return BLKIF_RSP_ERROR;
		memcpy(segs, req->seg, n * sizeof(segs[0]));
		tb->ndirect++;
		break;
	case BLKIF_OP_INDIRECT: {
		const struct blkif_request_indirect *ri = (const void *)req;

		op = ri->indirect_op;
		if (tb->rsp_indirect_op)
			*rsp_op = ri->indirect_op;
		n = ri->nr_segments;
		if (n == 0 || n > PVF_BLK_MAX_INDIRECT_SEGS ||
		    (op != BLKIF_OP_READ && op != BLKIF_OP_WRITE))
			return BLKIF_RSP_ERROR;
		for (i = 0; i < (n + 511) / 512; i++) {
			const void *pg = tb_gnt_va(tb->tp, ri->indirect_grefs[i]);
			unsigned int cnt = n - i * 512 < 512 ? n - i * 512 : 512;

			if (!pg)
				return BLKIF_RSP_ERROR;
			memcpy(&segs[i * 512], pg, cnt * sizeof(segs[0]));
		}
		tb->nindirect++;
		break;
	}
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		if (req->operation == BLKIF_OP_FLUSH_DISKCACHE)
			tb->nflush++;
		else
			tb->nbarrier++;
		if (tb->flush_eopnotsupp > 0) {
			tb->flush_eopnotsupp--;
			return BLKIF_RSP_EOPNOTSUPP;
		}
		return BLKIF_RSP_OKAY;
	case BLKIF_OP_DISCARD: {
		const struct blkif_request_discard *d = (const void *)req;

		tb->ndiscard++;
		if (tb->discard_eopnotsupp > 0) {
			tb->discard_eopnotsupp--;
			return BLKIF_RSP_EOPNOTSUPP;
		}
		tb->last_discard_sector = d->sector_number;
		tb->last_discard_nr = d->nr_sectors;
		tb->last_discard_flag = d->flag;
		if (d->sector_number + d->nr_sectors > tb->sectors)
			return BLKIF_RSP_ERROR;
		memset(tb->disk + d->sector_number * 512, 0, (size_t)d->nr_sectors * 512);
		return BLKIF_RSP_OKAY;
	}
	default:
		return BLKIF_RSP_ERROR;
	}
	if ((int)n > tb->max_segs)
		tb->max_segs = (int)n;
	for (i = 0; i < n; i++)
		if (do_seg(tb, op, segs[i].gref, segs[i].first_sect, segs[i].last_sect, &sector))
			return BLKIF_RSP_ERROR;
	if (tb->misbehave == TB_HOLD_MAPPED) {
		tb->held_ref = segs[0].gref;
		tb->tp->g[segs[0].gref].mapped = 1;
		tb->misbehave = TB_OK;
	}
	return BLKIF_RSP_OKAY;
}

static void respond(struct tb_back *tb, blkif_back_ring_t *ring, uint64_t id, uint8_t op,
		    int16_t status)
{
	blkif_response_t *rsp = RING_GET_RESPONSE(ring, ring->rsp_prod_pvt);
	int m = tb->misbehave;

	rsp->id = id;
	rsp->operation = op;
	rsp->status = status;
	if (m == TB_BAD_ID)
		rsp->id = 100000;
	else if (m == TB_STALE_ID)
		rsp->id = id + 1; /* a slot with nothing in flight */
	else if (m == TB_WRONG_OP)
		rsp->operation = BLKIF_OP_RESERVED_1;
	else if (m == TB_BAD_STATUS)
		rsp->status = 7;
	ring->rsp_prod_pvt++;
	if (m == TB_DUP_ID) {
		*RING_GET_RESPONSE(ring, ring->rsp_prod_pvt) = *rsp;
		ring->rsp_prod_pvt++;
		tb->skip_next = 1;
	}
	if (m != TB_OK && m != TB_HOLD_MAPPED)
		tb->misbehave = TB_OK;
}

int tb_back_run(struct tb_back *tb)
{
	unsigned int q;
	int served = 0;

	if (!tb->attached)
		return 0;
	for (q = 0; q < tb->nq; q++) {
		blkif_back_ring_t *ring = &tb->ring[q];
		int more, notify, overflow = tb->misbehave == TB_OVERFLOW;

		do {
			RING_IDX rc = ring->req_cons, rp = ring->sring->req_prod;

			xen_rmb();
			while (rc != rp) {
				blkif_request_t req;
				uint8_t op;
				int16_t st;

				RING_COPY_REQUEST(ring, rc, &req);
				ring->req_cons = ++rc;
				tb->nreq++;
				served++;
				if (tb->drop)
					continue;
				if (tb->skip_next) {
					tb->skip_next = 0;
					continue;
				}
				st = serve(tb, &req, &op);
				if (st == BLKIF_RSP_ERROR)
					tb->errors++;
				respond(tb, ring, req.id, op, st);
			}
			RING_FINAL_CHECK_FOR_REQUESTS(ring, more);
		} while (more);
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(ring, notify);
		(void)notify;
		if (overflow) {
			ring->sring->rsp_prod += 1000;
			tb->misbehave = TB_OK;
		}
	}
	return served;
}
