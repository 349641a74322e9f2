/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block frontend recovery: when the backend goes away every unfinished
 * request is put on the replay list (ordered by submission), reset so that
 * the next connect re-splits it for the limits then in force; each request
 * still completes exactly once.  Reads and writes are re-executed whole
 * (both are idempotent for the same data); flushes and discards too.
 */
#include "blk_internal.h"

/* Insert @req into the replay list, ordered by submission sequence. */
void pvf_blk_replay_insert(struct pvf_blk *blk, struct pvf_blk_req *req)
{
	struct pvf_blk_req **pp = &blk->replay_head;

	while (*pp && (*pp)->p_seq < req->p_seq)
		pp = &(*pp)->p_next;
	req->p_next = *pp;
	*pp = req;
	req->p_state = PVF_BLK_R_PENDING;
	req->p_next_seg = 0;
	req->p_next_sector = req->sector;
	req->p_parts = 0;
	req->p_status = 0;
}

static bool any_in_poll(const struct pvf_blk *blk)
{
	uint32_t qi;

	for (qi = 0; qi < PVF_BLK_MAX_QUEUES; qi++)
		if (blk->q[qi].in_poll)
			return true;
	return false;
}

PVF_API int pvf_blk_quiesce(struct pvf_blk *blk)
{
	uint32_t qi, id, n = 0;

	if (!blk || (blk->state != PVF_BLK_S_CONNECTED && blk->state != PVF_BLK_S_SETUP))
		return -PVF_EINVAL;
	if (any_in_poll(blk))
		return -PVF_EALREADY;
	for (qi = 0; qi < blk->info.nr_queues; qi++) {
		struct pvf_blk_queue *q = &blk->q[qi];
		struct pvf_blk_req *req;

		while ((req = q->pend_head) != NULL) {
			q->pend_head = req->p_next;
			pvf_blk_replay_insert(blk, req);
			n++;
		}
		q->pend_tail = NULL;
		if (blk->state != PVF_BLK_S_CONNECTED)
			continue; /* no slot was ever used */
		for (id = 0; id < blk->info.ring_size; id++) {
			struct pvf_blk_shadow *sh = &q->shadow[id];

			if (sh->state != PVF_BLK_SLOT_INFLIGHT)
				continue;
			/* The backend may still map these pages: the slot keeps
			 * its grants until pvf_blk_release(). */
			req = sh->req;
			sh->req = NULL;
			sh->state = PVF_BLK_SLOT_DRAIN;
			q->inflight--;
			q->draining++;
			if (req->p_state == PVF_BLK_R_ISSUED) {
				pvf_blk_replay_insert(blk, req);
				n++;
			}
		}
	}
	blk->stats.replayed += n;
	blk->state = PVF_BLK_S_DISCONNECTED;
	pvf_info(blk->plat, "blk: %s: disconnected, %u request(s) kept for replay",
		 blk->fe_path, (unsigned int)n);
	return 0;
}

PVF_API int pvf_blk_release(struct pvf_blk *blk)
{
	int r;

	if (!blk)
		return -PVF_EINVAL;
	if (blk->state == PVF_BLK_S_CONNECTED || blk->state == PVF_BLK_S_SETUP) {
		r = pvf_blk_quiesce(blk);
		if (r)
			return r;
	}
	return pvf_blk_transport_release(blk, false);
}

PVF_API int pvf_blk_disconnect(struct pvf_blk *blk)
{
	int r = pvf_blk_quiesce(blk);

	if (r)
		return r;
	/* Cannot wait: what is still mapped goes to the held list. */
	return pvf_blk_transport_release(blk, true);
}

PVF_API int pvf_blk_reconnect(struct pvf_blk *blk)
{
	int r;

	if (!blk)
		return -PVF_EINVAL;
	if (blk->state == PVF_BLK_S_CONNECTED || blk->state == PVF_BLK_S_SETUP) {
		r = pvf_blk_disconnect(blk);
		if (r && r != -PVF_EBUSY)
			return r;
	} else if (pvf_blk_transport_held(blk)) {
		pvf_blk_transport_release(blk, true); /* a busy pvf_blk_release */
	}
	r = pvf_blk_setup(blk);
	if (r)
		return r;
	return pvf_blk_connect(blk);
}

PVF_API int pvf_blk_shutdown(struct pvf_blk *blk)
{
	struct pvf_blk_req *req;

	if (!blk)
		return -PVF_EINVAL;
	if (blk->state == PVF_BLK_S_CLOSED)
		return pvf_blk_held_grants(blk) ? -PVF_EBUSY : 0;
	if (blk->state == PVF_BLK_S_CONNECTED || blk->state == PVF_BLK_S_SETUP)
		pvf_blk_quiesce(blk);
	pvf_blk_transport_release(blk, true); /* also after a busy pvf_blk_release */
	blk->state = PVF_BLK_S_CLOSED;
	while ((req = blk->replay_head) != NULL) {
		blk->replay_head = req->p_next;
		pvf_blk_finish(blk, req, -PVF_ESHUTDOWN);
	}
	return pvf_blk_retry_held(blk) ? -PVF_EBUSY : 0;
}
