/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block frontend rings: allocate and grant the (multi-page) shared rings and
 * event channels, the bounce/persistent pool and the indirect pages, and
 * publish requests with the notification hold-off.
 */
#include "blk_internal.h"

static int ring_setup_one(struct pvf_blk *blk, struct pvf_blk_queue *q)
{
	const struct pvf_platform *p = blk->plat;
	uint32_t npages = blk->info.ring_pages;
	blkif_sring_t *sring;
	void *va = NULL;
	uint32_t i;
	int r;

	r = p->ops->page_alloc(p->ctx, npages, &va, q->ring_frames);
	if (r)
		return r;
	q->ring_va = va;
	sring = va;
	memset(va, 0, (size_t)npages * PVF_PAGE_SIZE); /* zeroed before shared */
	SHARED_RING_INIT(sring);
	FRONT_RING_INIT(&q->front, sring, (size_t)npages * PVF_PAGE_SIZE);
	q->pushed = 0;
	for (i = 0; i < npages; i++) {
		r = p->ops->gnt_grant(p->ctx, blk->cfg.backend_domid, q->ring_frames[i], 0,
				      &q->ring_refs[i]);
		if (r)
			return r;
		q->ring_granted = i + 1;
	}
	r = p->ops->evtchn_alloc_unbound(p->ctx, blk->cfg.backend_domid, &q->port);
	if (r == -PVF_ENOSYS && blk->cfg.polled) {
		q->port = 0; /* polled without an event channel */
		return 0;
	}
	if (r) {
		q->port = 0;
		return r;
	}
	r = p->ops->evtchn_unmask(p->ctx, q->port);
	return r == -PVF_ENOSYS ? 0 : r;
}

static void ring_teardown_one(struct pvf_blk *blk, struct pvf_blk_queue *q)
{
	const struct pvf_platform *p = blk->plat;
	uint32_t i;

	if (q->port) {
		p->ops->evtchn_close(p->ctx, q->port);
		q->port = 0;
	}
	for (i = 0; i < q->ring_granted; i++)
		pvf_blk_end_grant(blk, q->ring_refs[i]);
	q->ring_granted = 0;
	pvf_blk_free_pages(blk, q->ring_va, blk->info.ring_pages);
	q->ring_va = NULL;
	q->front.sring = NULL;
}

/*
 * Allocate, initialise and grant the rings of info.nr_queues queues, with
 * an event channel each.  Returns 0; a page_alloc/gnt_grant/evtchn error
 * (everything undone).
 */
int pvf_blk_ring_setup(struct pvf_blk *blk)
{
	uint32_t qi;
	int r = 0;

	for (qi = 0; qi < blk->info.nr_queues; qi++) {
		r = ring_setup_one(blk, &blk->q[qi]);
		if (r)
			break;
	}
	if (r)
		pvf_blk_ring_teardown(blk);
	return r;
}

/* Close ports, end ring grants, free ring pages of every queue. */
void pvf_blk_ring_teardown(struct pvf_blk *blk)
{
	uint32_t qi;

	for (qi = 0; qi < PVF_BLK_MAX_QUEUES; qi++)
		if (blk->q[qi].ring_va || blk->q[qi].port)
			ring_teardown_one(blk, &blk->q[qi]);
}

static int pools_setup_one(struct pvf_blk *blk, struct pvf_blk_queue *q)
{
	const struct pvf_platform *p = blk->plat;
	uint32_t i;
	int r;

	pvf_blk_shadow_reset(blk, q);
	q->pool_free = 0;
	if (blk->info.bounce) {
		r = p->ops->page_alloc(p->ctx, blk->cfg.pool_pages, &q->pool_va, q->pool_frames);
		if (r)
			return r;
		q->pool_n = blk->cfg.pool_pages;
		memset(q->pool_va, 0, (size_t)q->pool_n * PVF_PAGE_SIZE);
		for (i = 0; i < q->pool_n; i++)
			q->pool_stack[q->pool_free++] = q->pool_n - 1 - i;
		if (blk->info.persistent) {
			/* Granted once, read-write (header note 8). */
			for (i = 0; i < q->pool_n; i++) {
				r = p->ops->gnt_grant(p->ctx, blk->cfg.backend_domid,
						      q->pool_frames[i], 0, &q->pool_refs[i]);
				if (r) {
					while (i--)
						pvf_blk_end_grant(blk, q->pool_refs[i]);
					return r;
				}
			}
			q->pool_granted = true;
		}
	}
	if (blk->info.max_indirect_segs) {
		q->ind_per_slot = (blk->info.max_indirect_segs + PVF_BLK_SEGS_PER_INDIRECT_PAGE - 1) /
				  PVF_BLK_SEGS_PER_INDIRECT_PAGE;
		q->ind_n = blk->info.ring_size * q->ind_per_slot;
		r = p->ops->page_alloc(p->ctx, q->ind_n, &q->ind_va, q->ind_frames);
		if (r) {
			q->ind_n = 0;
			return r;
		}
	}
	return 0;
}

static void pools_teardown_one(struct pvf_blk *blk, struct pvf_blk_queue *q)
{
	uint32_t i;

	if (q->pool_granted) {
		for (i = 0; i < q->pool_n; i++)
			pvf_blk_end_grant(blk, q->pool_refs[i]);
		q->pool_granted = false;
	}
	pvf_blk_free_pages(blk, q->pool_va, q->pool_n);
	q->pool_va = NULL;
	q->pool_n = 0;
	q->pool_free = 0;
	pvf_blk_free_pages(blk, q->ind_va, q->ind_n);
	q->ind_va = NULL;
	q->ind_n = 0;
}

/*
 * Allocate the pools of every queue for the negotiated features (called by
 * connect; never again until the next connect).  Returns 0; page_alloc or
 * gnt_grant errors (everything undone).
 */
int pvf_blk_pools_setup(struct pvf_blk *blk)
{
	uint32_t qi;
	int r = 0;

	for (qi = 0; qi < blk->info.nr_queues; qi++) {
		r = pools_setup_one(blk, &blk->q[qi]);
		if (r)
			break;
	}
	if (r)
		pvf_blk_pools_teardown(blk);
	return r;
}

void pvf_blk_pools_teardown(struct pvf_blk *blk)
{
	uint32_t qi;

	for (qi = 0; qi < PVF_BLK_MAX_QUEUES; qi++)
		pools_teardown_one(blk, &blk->q[qi]);
}

/*
 * Publish the requests built since the last push and notify the backend if
 * its req_event asks for it.  The producer index we compare against is our
 * private copy, never read back from the shared page.
 */
void pvf_blk_ring_push(struct pvf_blk *blk, struct pvf_blk_queue *q)
{
	RING_IDX old = q->pushed, nw = q->front.req_prod_pvt, ev;

	if (old == nw)
		return;
	/* Requests before the index; pairs with the backend's read barrier
	 * after it reads req_prod. */
	pvf_wmb();
	PVF_WRITE_ONCE(q->front.sring->req_prod, nw);
	/* Index before req_event; pairs with the full barrier in the backend's
	 * RING_FINAL_CHECK_FOR_REQUESTS between setting req_event and
	 * re-reading req_prod. */
	pvf_mb();
	ev = PVF_READ_ONCE(q->front.sring->req_event);
	q->pushed = nw;
	if ((RING_IDX)(nw - ev) < (RING_IDX)(nw - old) && q->port) {
		blk->stats.notifies++;
		blk->plat->ops->evtchn_notify(blk->plat->ctx, q->port);
	}
}
