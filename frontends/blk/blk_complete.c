/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block frontend completion path, hardened (protocol-notes section 5):
 * producer read once then a read barrier; a producer that claims more
 * responses than requests outstanding is rejected; each response is copied
 * out of the shared page once; id in range, outstanding, operation matching
 * the shadow's; status mapped (unknown = violation); grants ended before
 * completion, held back if still mapped; rsp_event re-armed and the
 * producer checked again so no wake-up is lost.  Every violation:
 * -PVF_EPROTO and the sticky broken state; nothing here asserts.
 */
#include "blk_internal.h"

_Static_assert(sizeof(blkif_response_t) == 16 || sizeof(blkif_response_t) == 12,
	       "blkif response: x86_64 or x86_32 ABI");

/*
 * Release slot @id: end its grants (held back if still mapped), copy read
 * data out of bounce pages when @copy_out, return pool pages and the slot.
 * A slot with a held grant is never reused (its indirect pages and pool
 * pages may still be mapped).  Returns 0; -PVF_EBUSY if a grant was held.
 */
int pvf_blk_release_slot(struct pvf_blk *blk, struct pvf_blk_queue *q, uint32_t id,
			 bool copy_out)
{
	struct pvf_blk_shadow *sh = &q->shadow[id];
	const struct pvf_blk_req *req = sh->req;
	const uint32_t *refs = pvf_blk_shadow_refs(blk, q, id);
	const uint32_t *pool = pvf_blk_shadow_pool(blk, q, id);
	uint32_t i;
	int busy = 0;

	for (i = 0; i < sh->nr_segs; i++) {
		int held = 0;

		if (!blk->info.persistent)
			held = pvf_blk_end_grant(blk, refs[i]);
		if (held) {
			busy = held;
			continue; /* pool page stays out of circulation */
		}
		if (blk->info.bounce) {
			if (copy_out) {
				const struct pvf_blk_seg *s = &req->segs[sh->first_seg + i];
				size_t off = (size_t)s->first_sect * 512u;

				memcpy((char *)s->va + off, (const char *)pvf_blk_pool_page(q, pool[i]) + off,
				       ((size_t)s->last_sect - s->first_sect + 1u) * 512u);
			}
			pvf_blk_pool_put(q, pool[i]);
		}
	}
	for (i = 0; i < sh->nr_ind && !q->ind_granted; i++)
		if (pvf_blk_end_grant(blk, sh->ind_refs[i]))
			busy = -PVF_EBUSY;
	sh->nr_ind = 0;
	sh->nr_segs = 0;
	if (busy) {
		pvf_warn(blk->plat, "blk: %s: slot %u retired: backend still maps its pages",
			 blk->fe_path, (unsigned int)id);
		sh->req = NULL;
		sh->state = PVF_BLK_SLOT_RETIRED;
		q->inflight--;
		return -PVF_EBUSY;
	}
	pvf_blk_shadow_put(q, id);
	return 0;
}

/*
 * Slot @id was quiesced (its request is on the replay list): end its
 * grants; those the backend still maps stay in the slot, or go to the held
 * list with @force.  Pool pages are not returned (the pool goes away).
 * Returns the number of grants still in the slot (0: slot free again).
 */
uint32_t pvf_blk_drain_slot(struct pvf_blk *blk, struct pvf_blk_queue *q, uint32_t id,
			    bool force)
{
	struct pvf_blk_shadow *sh = &q->shadow[id];
	uint32_t *refs = pvf_blk_shadow_refs(blk, q, id);
	uint32_t left = 0;

	if (!blk->info.persistent)
		left += pvf_blk_end_refs(blk, refs, sh->nr_segs);
	if (!q->ind_granted)
		left += pvf_blk_end_refs(blk, sh->ind_refs, sh->nr_ind);
	if (left && force) {
		if (!blk->info.persistent)
			pvf_blk_park_refs(blk, refs, sh->nr_segs);
		if (!q->ind_granted)
			pvf_blk_park_refs(blk, sh->ind_refs, sh->nr_ind);
		left = 0;
	}
	if (left)
		return left;
	sh->nr_segs = 0;
	sh->nr_ind = 0;
	sh->req = NULL;
	sh->state = PVF_BLK_SLOT_FREE;
	q->draining--;
	return 0;
}

/* Turn a feature off after the backend answered it with EOPNOTSUPP. */
static void revoke(struct pvf_blk *blk, uint8_t op)
{
	const char *name = NULL;

	switch (op) {
	case BLKIF_OP_FLUSH_DISKCACHE:
		blk->info.flush = false;
		name = "flush-cache";
		break;
	case BLKIF_OP_WRITE_BARRIER:
		blk->info.barrier = false;
		name = "barrier";
		break;
	case BLKIF_OP_DISCARD:
		blk->info.discard = false;
		blk->info.discard_secure = false;
		name = "discard";
		break;
	case BLKIF_OP_INDIRECT:
		blk->info.max_indirect_segs = 0;
		blk->info.max_segs_per_req = BLKIF_MAX_SEGMENTS_PER_REQUEST;
		name = "indirect descriptors";
		break;
	default:
		break;
	}
	if (name)
		pvf_warn(blk->plat, "blk: %s: backend refused %s: feature turned off",
			 blk->fe_path, name);
}

static int handle_response(struct pvf_blk *blk, struct pvf_blk_queue *q,
			   const blkif_response_t *rsp)
{
	struct pvf_blk_shadow *sh;
	struct pvf_blk_req *req;
	uint64_t id = rsp->id;
	int status, held;

	if (id >= blk->info.ring_size) {
		pvf_blk_break(blk, "response id out of range", id, blk->info.ring_size);
		return -PVF_EPROTO;
	}
	sh = &q->shadow[id];
	if (sh->state != PVF_BLK_SLOT_INFLIGHT) {
		pvf_blk_break(blk, "response for a request not outstanding", id, sh->state);
		return -PVF_EPROTO;
	}
	if (rsp->operation != sh->op &&
	    !(sh->op == BLKIF_OP_INDIRECT && rsp->operation == sh->ind_op)) {
		pvf_blk_break(blk, "response operation does not match", rsp->operation, sh->op);
		return -PVF_EPROTO;
	}
	switch (rsp->status) {
	case BLKIF_RSP_OKAY:
		status = 0;
		break;
	case BLKIF_RSP_ERROR:
		status = -PVF_EIO;
		break;
	case BLKIF_RSP_EOPNOTSUPP:
		status = -PVF_EOPNOTSUPP;
		revoke(blk, sh->op);
		break;
	default:
		pvf_blk_break(blk, "unknown response status", (uint64_t)(int64_t)rsp->status, id);
		return -PVF_EPROTO;
	}
	req = sh->req;
	held = pvf_blk_release_slot(blk, q, (uint32_t)id,
				    status == 0 && (sh->op == BLKIF_OP_READ ||
						    (sh->op == BLKIF_OP_INDIRECT &&
						     sh->ind_op == BLKIF_OP_READ)) &&
				    blk->info.bounce);
	if (held)
		status = held;
	q->qstats.responses++;
	req->p_parts--;
	if (status && !req->p_status)
		req->p_status = status;
	if (req->p_parts == 0 && req->p_state == PVF_BLK_R_ISSUED)
		pvf_blk_finish(blk, req, req->p_status);
	return 0;
}

/* Consume every response of @q.  Returns the count or -PVF_EPROTO. */
static int drain_queue(struct pvf_blk *blk, struct pvf_blk_queue *q)
{
	int n = 0, avail;

	for (;;) {
		RING_IDX rp, cons = q->front.rsp_cons;

		/* rsp_prod read once, read barrier, at most a ring ahead */
		avail = PVF_RING_RESPONSES(&q->front, &rp);
		/* Stricter: never more responses than requests outstanding,
		 * checked before any response is consumed. */
		if (avail < 0 || (RING_IDX)(rp - cons) > (RING_IDX)(q->front.req_prod_pvt - cons)) {
			pvf_blk_break(blk, "response producer beyond the requests outstanding",
				      rp, cons);
			return -PVF_EPROTO;
		}
		while (cons != rp) {
			blkif_response_t rsp;

			PVF_RING_COPY_RESPONSE(&q->front, cons, &rsp); /* copied once */
			cons++;
			q->front.rsp_cons = cons;
			n++;
			if (handle_response(blk, q, &rsp))
				return -PVF_EPROTO;
		}
		/* re-arm rsp_event, full barrier, look again (no lost wake-up) */
		avail = PVF_RING_FINAL_CHECK(&q->front);
		if (avail == 0)
			return n;
		/* > 0: go round; < 0 is caught by the check at the top */
	}
}

static int poll_one(struct pvf_blk *blk, struct pvf_blk_queue *q)
{
	int r;

	if (q->in_poll)
		return -PVF_EALREADY;
	q->in_poll = true;
	r = drain_queue(blk, q);
	q->in_poll = false;
	if (blk->broken)
		return -PVF_EPROTO;
	pvf_blk_kick_queue(blk, q); /* completions freed slots; callbacks queued more */
	return r;
}

static int poll_check(const struct pvf_blk *blk)
{
	if (blk->state != PVF_BLK_S_CONNECTED)
		return -PVF_ENOTCONN;
	if (blk->broken)
		return -PVF_EPROTO;
	return 0;
}

PVF_API int pvf_blk_poll(struct pvf_blk *blk)
{
	uint32_t qi;
	int n = 0, r;

	if (!blk)
		return -PVF_EINVAL;
	if ((r = poll_check(blk)))
		return r;
	for (qi = 0; qi < blk->info.nr_queues; qi++) {
		r = poll_one(blk, &blk->q[qi]);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

PVF_API int pvf_blk_poll_queue(struct pvf_blk *blk, uint32_t qi)
{
	int r;

	if (!blk)
		return -PVF_EINVAL;
	if ((r = poll_check(blk)))
		return r;
	if (qi >= blk->info.nr_queues)
		return -PVF_EINVAL;
	return poll_one(blk, &blk->q[qi]);
}

PVF_API int pvf_blk_on_event(struct pvf_blk *blk, uint32_t port)
{
	uint32_t qi;
	int r;

	if (!blk || port == 0)
		return -PVF_EBADF;
	for (qi = 0; qi < blk->info.nr_queues; qi++)
		if (blk->q[qi].port == port)
			break;
	if (qi == blk->info.nr_queues || blk->state != PVF_BLK_S_CONNECTED)
		return -PVF_EBADF;
	blk->q[qi].qstats.events++;
	r = pvf_blk_poll_queue(blk, qi);
	if (r == 0)
		blk->q[qi].qstats.spurious++;
	return r;
}
