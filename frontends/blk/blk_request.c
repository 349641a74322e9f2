/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block frontend requests: validate caller requests, queue them, and build
 * ring requests: direct (up to 11 segments), indirect (up to the negotiated
 * maximum) or several ring requests per caller request (split), discard,
 * flush (flush-cache, else barrier).
 */
#include "blk_internal.h"

union blk_wire_req {
	blkif_request_t rw;
	struct blkif_request_discard discard;
	struct blkif_request_indirect indirect;
};
_Static_assert(sizeof(union blk_wire_req) == sizeof(blkif_request_t),
	       "every blkif request variant fits one ring slot");
_Static_assert(sizeof(struct blkif_request_segment) == 8, "blkif segment");

uint32_t pvf_blk_units(const struct pvf_blk_req *req)
{
	return (req->op == PVF_BLK_OP_READ || req->op == PVF_BLK_OP_WRITE) ? req->nr_segs : 1u;
}

void pvf_blk_pend_append(struct pvf_blk_queue *q, struct pvf_blk_req *req)
{
	req->p_next = NULL;
	if (q->pend_tail)
		q->pend_tail->p_next = req;
	else
		q->pend_head = req;
	q->pend_tail = req;
}

static void pend_pop(struct pvf_blk_queue *q)
{
	struct pvf_blk_req *req = q->pend_head;

	q->pend_head = req->p_next;
	if (!q->pend_head)
		q->pend_tail = NULL;
	req->p_next = NULL;
}

/* The queue @req is issued on (info.nr_queues must be > 0). */
struct pvf_blk_queue *pvf_blk_req_queue(struct pvf_blk *blk, const struct pvf_blk_req *req)
{
	return &blk->q[(uint32_t)req->queue % blk->info.nr_queues];
}

/* Complete @req towards the caller, exactly once. */
void pvf_blk_finish(struct pvf_blk *blk, struct pvf_blk_req *req, int status)
{
	if (req->p_state == PVF_BLK_R_IDLE) {
		pvf_err(blk->plat, "blk: internal: request completed twice");
		return;
	}
	req->p_state = PVF_BLK_R_IDLE;
	req->p_next = NULL;
	if (blk->info.nr_queues)
		pvf_blk_req_queue(blk, req)->qstats.completed++;
	else
		blk->stats.completed++;
	req->done(req, status);
}

/* @x modulo @d (d > 0) by shift-and-subtract: no 64-bit division helper
 * from libgcc on 32-bit targets. */
static uint32_t mod_u64(uint64_t x, uint32_t d)
{
	uint64_t r = 0;
	int i;

	if (!(d & (d - 1)))
		return (uint32_t)(x & (d - 1u));
	for (i = 63; i >= 0; i--) {
		r = (r << 1) | ((x >> i) & 1u); /* r < 2d <= 2^33: no overflow */
		if (r >= d)
			r -= d;
	}
	return (uint32_t)r;
}

/* Sectors from the last granule boundary (discard-alignment + k *
 * discard-granularity) to @pos. */
static uint32_t granule_off(const struct pvf_blk_info *in, uint64_t pos)
{
	uint32_t g = in->discard_granularity >> 9;
	uint32_t a = mod_u64(in->discard_alignment, in->discard_granularity) >> 9;
	uint64_t t = (uint64_t)mod_u64(pos, g) + g - a;

	return (uint32_t)(t >= g ? t - g : t);
}

/*
 * The whole granules inside a discard request: the backend discards in
 * granules, so the partial granules at either end are left alone (their
 * content stays as it was, which is what a discard allows).
 * Returns true and the range; false when no whole granule is inside.
 * *@exact says whether nothing was trimmed.
 */
static bool discard_range(const struct pvf_blk_info *in, const struct pvf_blk_req *req,
			  uint64_t *start, uint64_t *len, bool *exact)
{
	uint64_t s = req->sector, e = req->sector + req->nr_sectors;
	uint32_t g = in->discard_granularity >> 9, os, oe;

	*start = s;
	*len = req->nr_sectors;
	*exact = true;
	if (g <= 1)
		return true;
	os = granule_off(in, s);
	oe = granule_off(in, e);
	*exact = os == 0 && oe == 0;
	if (os)
		s += g - os;
	e -= oe;
	if (e <= s)
		return false;
	*start = s;
	*len = e - s;
	return true;
}

static uint32_t seg_sectors(const struct pvf_blk_seg *s)
{
	return (uint32_t)s->last_sect - s->first_sect + 1u;
}

/* Undo the first @n segment grants (and pool pages) of slot @id. */
static void undo_segs(struct pvf_blk *blk, struct pvf_blk_queue *q, uint32_t id, uint32_t n)
{
	uint32_t *refs = pvf_blk_shadow_refs(blk, q, id);
	uint32_t *pool = pvf_blk_shadow_pool(blk, q, id);
	uint32_t i;

	for (i = 0; i < n; i++) {
		int busy = 0;

		if (!blk->info.persistent)
			busy = pvf_blk_end_grant(blk, refs[i]);
		if (blk->info.bounce && !busy)
			pvf_blk_pool_put(q, pool[i]);
	}
}

/* Grant the data of segments [first, first+n) into slot @id. */
static int grant_segs(struct pvf_blk *blk, struct pvf_blk_queue *q, uint32_t id,
		      const struct pvf_blk_req *req, uint32_t first, uint32_t n)
{
	const struct pvf_platform *p = blk->plat;
	uint32_t *refs = pvf_blk_shadow_refs(blk, q, id);
	uint32_t *pool = pvf_blk_shadow_pool(blk, q, id);
	int ro = req->op == PVF_BLK_OP_WRITE; /* the backend only reads */
	uint32_t i;
	int r;

	for (i = 0; i < n; i++) {
		const struct pvf_blk_seg *s = &req->segs[first + i];
		uint64_t frame = s->frame;

		if (blk->info.bounce) {
			uint32_t pi = pvf_blk_pool_get(q);

			pool[i] = pi;
			if (ro) {
				size_t off = (size_t)s->first_sect * 512u;

				memcpy((char *)pvf_blk_pool_page(q, pi) + off,
				       (const char *)s->va + off, (size_t)seg_sectors(s) * 512u);
			}
			if (blk->info.persistent) {
				refs[i] = q->pool_refs[pi];
				continue;
			}
			frame = q->pool_frames[pi];
		}
		r = p->ops->gnt_grant(p->ctx, blk->cfg.backend_domid, frame, ro, &refs[i]);
		if (r) {
			if (blk->info.bounce)
				pvf_blk_pool_put(q, pool[i]);
			undo_segs(blk, q, id, i);
			return r;
		}
	}
	return 0;
}

/* Fill and grant the indirect pages of slot @id. */
static int grant_indirect(struct pvf_blk *blk, struct pvf_blk_queue *q, uint32_t id,
			  const struct pvf_blk_req *req, uint32_t first, uint32_t n)
{
	const struct pvf_platform *p = blk->plat;
	struct pvf_blk_shadow *sh = &q->shadow[id];
	const uint32_t *refs = pvf_blk_shadow_refs(blk, q, id);
	uint32_t pages = (n + PVF_BLK_SEGS_PER_INDIRECT_PAGE - 1) / PVF_BLK_SEGS_PER_INDIRECT_PAGE;
	uint32_t i;
	int r;

	for (i = 0; i < n; i++) {
		struct blkif_request_segment *d = pvf_blk_ind_page(q, id, i / PVF_BLK_SEGS_PER_INDIRECT_PAGE);
		struct blkif_request_segment e;

		e.gref = refs[i];
		e.first_sect = req->segs[first + i].first_sect;
		e.last_sect = req->segs[first + i].last_sect;
		memcpy(&d[i % PVF_BLK_SEGS_PER_INDIRECT_PAGE], &e, sizeof(e));
	}
	sh->nr_ind = 0;
	if (q->ind_granted) {
		/* persistent: granted once at connect, never ended per request */
		for (i = 0; i < pages; i++)
			sh->ind_refs[i] = q->ind_refs[(size_t)id * q->ind_per_slot + i];
		sh->nr_ind = (uint8_t)pages;
		return 0;
	}
	for (i = 0; i < pages; i++) {
		r = p->ops->gnt_grant(p->ctx, blk->cfg.backend_domid, pvf_blk_ind_frame(q, id, i), 1,
				      &sh->ind_refs[i]);
		if (r) {
			while (sh->nr_ind)
				pvf_blk_end_grant(blk, sh->ind_refs[--sh->nr_ind]);
			return r;
		}
		sh->nr_ind++;
	}
	return 0;
}

/*
 * Build and queue (not yet publish) one ring request for the next part of
 * @req.  Returns 0; 1 (nothing to send: a discard without a whole
 * granule); -PVF_EAGAIN (no slot, pool page or grant right now);
 * -PVF_EOPNOTSUPP / -PVF_EROFS / -PVF_ENOSPC (fail the request).
 */
static int issue_part(struct pvf_blk *blk, struct pvf_blk_queue *q, struct pvf_blk_req *req)
{
	union blk_wire_req w;
	struct pvf_blk_shadow *sh;
	uint32_t units = pvf_blk_units(req);
	uint32_t n = 1, i, id;
	uint64_t dstart = 0, dlen = 0;
	bool exact;
	uint8_t op;
	int r;

	switch (req->op) {
	case PVF_BLK_OP_READ:
		op = BLKIF_OP_READ;
		break;
	case PVF_BLK_OP_WRITE:
		if (blk->info.readonly)
			return -PVF_EROFS;
		op = BLKIF_OP_WRITE;
		break;
	case PVF_BLK_OP_FLUSH:
		if (blk->info.flush)
			op = BLKIF_OP_FLUSH_DISKCACHE;
		else if (blk->info.barrier)
			op = BLKIF_OP_WRITE_BARRIER;
		else
			return -PVF_EOPNOTSUPP;
		break;
	default:
		if (!blk->info.discard || ((req->flags & PVF_BLK_REQ_SECURE) && !blk->info.discard_secure))
			return -PVF_EOPNOTSUPP;
		if (blk->info.readonly)
			return -PVF_EROFS;
		op = BLKIF_OP_DISCARD;
		if (!discard_range(&blk->info, req, &dstart, &dlen, &exact)) {
			q->qstats.discard_dropped++;
			return 1; /* no whole granule: done, nothing to send */
		}
		if (!exact && (req->flags & PVF_BLK_REQ_SECURE))
			return -PVF_EINVAL; /* never erase less than asked */
		if (!exact)
			q->qstats.discard_trimmed++;
		break;
	}
	if (op == BLKIF_OP_READ || op == BLKIF_OP_WRITE) {
		n = PVF_MIN(units - req->p_next_seg, blk->info.max_segs_per_req);
		if (blk->info.bounce && q->pool_free < n)
			return -PVF_EAGAIN;
	}
	if (RING_FULL(&q->front))
		return -PVF_EAGAIN;
	id = pvf_blk_shadow_get(q);
	if (id == PVF_BLK_NONE)
		return -PVF_EAGAIN;
	sh = &q->shadow[id];
	sh->req = req;
	sh->first_seg = req->p_next_seg;
	sh->nr_segs = 0;
	sh->nr_ind = 0;
	sh->op = op;
	sh->ind_op = 0;
	memset(&w, 0, sizeof(w));
	if (op == BLKIF_OP_DISCARD) {
		w.discard.operation = op;
		w.discard.flag = (req->flags & PVF_BLK_REQ_SECURE) ? BLKIF_DISCARD_SECURE : 0;
		w.discard.handle = blk->cfg.handle;
		w.discard.id = id;
		w.discard.sector_number = dstart;
		w.discard.nr_sectors = dlen;
	} else if (op != BLKIF_OP_READ && op != BLKIF_OP_WRITE) {
		w.rw.operation = op;
		w.rw.handle = blk->cfg.handle;
		w.rw.id = id;
		w.rw.sector_number = req->sector;
	} else {
		uint64_t sectors = 0;

		r = grant_segs(blk, q, id, req, sh->first_seg, n);
		if (r == 0 && n > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
			r = grant_indirect(blk, q, id, req, sh->first_seg, n);
			if (r)
				undo_segs(blk, q, id, n);
		}
		if (r) {
			pvf_blk_shadow_put(q, id);
			/* Grants come back as requests complete; with none in
			 * flight there is nothing to wait for. */
			return q->inflight ? -PVF_EAGAIN : -PVF_ENOSPC;
		}
		sh->nr_segs = n;
		for (i = 0; i < n; i++)
			sectors += seg_sectors(&req->segs[sh->first_seg + i]);
		if (n <= BLKIF_MAX_SEGMENTS_PER_REQUEST) {
			const uint32_t *refs = pvf_blk_shadow_refs(blk, q, id);

			w.rw.operation = op;
			w.rw.nr_segments = (uint8_t)n;
			w.rw.handle = blk->cfg.handle;
			w.rw.id = id;
			w.rw.sector_number = req->p_next_sector;
			for (i = 0; i < n; i++) {
				w.rw.seg[i].gref = refs[i];
				w.rw.seg[i].first_sect = req->segs[sh->first_seg + i].first_sect;
				w.rw.seg[i].last_sect = req->segs[sh->first_seg + i].last_sect;
			}
		} else {
			sh->op = BLKIF_OP_INDIRECT;
			sh->ind_op = op;
			w.indirect.operation = BLKIF_OP_INDIRECT;
			w.indirect.indirect_op = op;
			w.indirect.nr_segments = (uint16_t)n;
			w.indirect.handle = blk->cfg.handle;
			w.indirect.id = id;
			w.indirect.sector_number = req->p_next_sector;
			for (i = 0; i < sh->nr_ind; i++)
				w.indirect.indirect_grefs[i] = sh->ind_refs[i];
			q->qstats.indirect_reqs++;
		}
		req->p_next_sector += sectors;
	}
	/* Built privately, copied to the shared slot once, never read back. */
	memcpy(RING_GET_REQUEST(&q->front, q->front.req_prod_pvt), &w, sizeof(w));
	q->front.req_prod_pvt++;
	req->p_next_seg += n;
	req->p_parts++;
	q->qstats.ring_reqs++;
	return 0;
}

/* Issue as much of @q's pending list as the ring and pools allow. */
static void kick_queue(struct pvf_blk *blk, struct pvf_blk_queue *q)
{
	struct pvf_blk_req *req;

	while ((req = q->pend_head) != NULL && !blk->broken) {
		int r = issue_part(blk, q, req);

		if (r == -PVF_EAGAIN)
			break;
		if (r != 0) {
			/* < 0: failed; 1: complete without a ring request */
			if (r < 0 && !req->p_status)
				req->p_status = r;
			req->p_next_seg = pvf_blk_units(req); /* stop issuing */
		}
		if (req->p_next_seg == pvf_blk_units(req)) {
			pend_pop(q);
			req->p_state = PVF_BLK_R_ISSUED;
			if (req->p_parts == 0)
				pvf_blk_finish(blk, req, req->p_status);
		}
	}
	pvf_blk_ring_push(blk, q);
}

/* Issue @q's pending requests.  Re-entry from a done() callback of the
 * same queue is deferred to the outermost call. */
void pvf_blk_kick_queue(struct pvf_blk *blk, struct pvf_blk_queue *q)
{
	if (blk->state != PVF_BLK_S_CONNECTED || blk->broken)
		return;
	if (q->in_poll) {
		q->kick_pending = true;
		return;
	}
	q->in_poll = true;
	do {
		q->kick_pending = false;
		kick_queue(blk, q);
	} while (q->kick_pending && !blk->broken);
	q->in_poll = false;
}

/* Issue pending requests on @q, or on every queue when @q is NULL. */
void pvf_blk_kick(struct pvf_blk *blk, struct pvf_blk_queue *q)
{
	uint32_t qi;

	if (q) {
		pvf_blk_kick_queue(blk, q);
		return;
	}
	for (qi = 0; qi < blk->info.nr_queues; qi++)
		pvf_blk_kick_queue(blk, &blk->q[qi]);
}

static int validate(struct pvf_blk *blk, const struct pvf_blk_req *req)
{
	const struct pvf_blk_info *in = &blk->info;
	uint64_t total = 0, align = in->sector_size / 512u - 1u;
	uint32_t i;

	switch (req->op) {
	case PVF_BLK_OP_READ:
	case PVF_BLK_OP_WRITE:
		if (!req->segs || req->nr_segs == 0)
			return -PVF_EINVAL;
		for (i = 0; i < req->nr_segs; i++) {
			const struct pvf_blk_seg *s = &req->segs[i];

			if (s->first_sect > s->last_sect || s->last_sect >= PVF_PAGE_SIZE / 512u)
				return -PVF_EINVAL;
			if (in->bounce && !s->va)
				return -PVF_EINVAL;
			total += seg_sectors(s);
		}
		if (req->op == PVF_BLK_OP_WRITE && in->readonly) {
			pvf_err(blk->plat, "blk: %s: write refused: the device is read-only",
				blk->fe_path);
			return -PVF_EROFS;
		}
		break;
	case PVF_BLK_OP_FLUSH:
		if (!in->flush && !in->barrier)
			return -PVF_EOPNOTSUPP;
		return 0;
	case PVF_BLK_OP_DISCARD:
		if (in->readonly) {
			pvf_err(blk->plat, "blk: %s: discard refused: the device is read-only",
				blk->fe_path);
			return -PVF_EROFS;
		}
		if (!in->discard || ((req->flags & PVF_BLK_REQ_SECURE) && !in->discard_secure))
			return -PVF_EOPNOTSUPP;
		total = req->nr_sectors;
		if (total == 0)
			return -PVF_EINVAL;
		if (req->flags & PVF_BLK_REQ_SECURE) {
			uint64_t st, ln;
			bool exact;

			if (req->sector > in->sectors || total > in->sectors - req->sector)
				return -PVF_EINVAL;
			if (!discard_range(in, req, &st, &ln, &exact) || !exact)
				return -PVF_EINVAL; /* secure erase: whole granules only */
		}
		break;
	default:
		return -PVF_EINVAL;
	}
	if ((req->sector | total) & align)
		return -PVF_EINVAL;
	if (total > in->sectors || req->sector > in->sectors - total)
		return -PVF_EINVAL;
	return 0;
}

PVF_API int pvf_blk_submit(struct pvf_blk *blk, struct pvf_blk_req *req)
{
	struct pvf_blk_queue *q;
	int r;

	if (!blk || !req || !req->done)
		return -PVF_EINVAL;
	if (blk->state == PVF_BLK_S_CLOSED)
		return -PVF_ESHUTDOWN;
	if (!blk->ever_connected)
		return -PVF_ENOTCONN;
	if (blk->broken && blk->state == PVF_BLK_S_CONNECTED)
		return -PVF_EPROTO;
	if (req->p_state != PVF_BLK_R_IDLE)
		return -PVF_EINVAL; /* already submitted */
	r = validate(blk, req);
	if (r)
		return r;
	q = pvf_blk_req_queue(blk, req); /* ever connected: nr_queues >= 1 */
	req->p_state = PVF_BLK_R_PENDING;
	req->p_seq = q->seq++;           /* per queue: replay keeps each queue's order */
	req->p_next_seg = 0;
	req->p_next_sector = req->sector;
	req->p_parts = 0;
	req->p_status = 0;
	req->p_next = NULL;
	if (blk->state != PVF_BLK_S_CONNECTED) {
		blk->stats.submitted++;
		pvf_blk_replay_insert(blk, req); /* waits for the next connect */
		return 0;
	}
	q->qstats.submitted++;
	pvf_blk_pend_append(q, req);
	pvf_blk_kick_queue(blk, q);
	return 0;
}
