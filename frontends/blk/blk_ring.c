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
	q->ring_pages_alloc = npages;
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

/* End @refs (or park them on the held list when @force); true if none is
 * left in @refs. */
static bool end_or_park(struct pvf_blk *blk, uint32_t *refs, uint32_t n, bool force)
{
	if (pvf_blk_end_refs(blk, refs, n) == 0)
		return true;
	if (!force)
		return false;
	pvf_blk_park_refs(blk, refs, n);
	return true;
}

/* Close the port, end the ring grants, free the ring once none is left.
 * Returns the number of things still held (0 or 1). */
static uint32_t release_ring(struct pvf_blk *blk, struct pvf_blk_queue *q, bool force)
{
	const struct pvf_platform *p = blk->plat;

	if (q->port) {
		p->ops->evtchn_close(p->ctx, q->port);
		q->port = 0;
	}
	if (q->ring_granted) {
		if (!end_or_park(blk, q->ring_refs, q->ring_granted, force))
			return 1;
		q->ring_granted = 0;
	}
	if (q->ring_va)
		pvf_blk_free_pages(blk, q->ring_va, q->ring_pages_alloc);
	q->ring_va = NULL;
	q->front.sring = NULL;
	return 0;
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

/* Close ports, end ring grants (held ones parked), free ring pages of
 * every queue. */
void pvf_blk_ring_teardown(struct pvf_blk *blk)
{
	uint32_t qi;

	for (qi = 0; qi < PVF_BLK_MAX_QUEUES; qi++)
		release_ring(blk, &blk->q[qi], true);
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
		memset(q->ind_va, 0, (size_t)q->ind_n * PVF_PAGE_SIZE);
		if (blk->info.persistent) {
			/* Granted once like the pool; read-write because a
			 * persistent backend (Linux blkback) maps them so. */
			for (i = 0; i < q->ind_n; i++) {
				r = p->ops->gnt_grant(p->ctx, blk->cfg.backend_domid,
						      q->ind_frames[i], 0, &q->ind_refs[i]);
				if (r) {
					pvf_blk_end_refs(blk, q->ind_refs, i);
					return r;
				}
			}
			q->ind_granted = true;
		}
	}
	return 0;
}

/* End the grants of quiesced slots and of the pools, free the pools once
 * nothing in them is mapped.  Returns the number of things still held. */
static uint32_t release_pools(struct pvf_blk *blk, struct pvf_blk_queue *q, bool force)
{
	uint32_t busy = 0, id;

	for (id = 0; q->draining && id < blk->ring_size_max; id++)
		if (q->shadow[id].state == PVF_BLK_SLOT_DRAIN &&
		    pvf_blk_drain_slot(blk, q, id, force))
			busy++;
	if (q->pool_granted) {
		if (end_or_park(blk, q->pool_refs, q->pool_n, force))
			q->pool_granted = false;
		else
			busy++;
	}
	if (q->ind_granted) {
		if (end_or_park(blk, q->ind_refs, q->ind_n, force))
			q->ind_granted = false;
		else
			busy++;
	}
	if (busy)
		return busy;
	pvf_blk_free_pages(blk, q->pool_va, q->pool_n);
	q->pool_va = NULL;
	q->pool_n = 0;
	q->pool_free = 0;
	pvf_blk_free_pages(blk, q->ind_va, q->ind_n);
	q->ind_va = NULL;
	q->ind_n = 0;
	return 0;
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
		release_pools(blk, &blk->q[qi], true);
}

/*
 * Release every queue's transport: quiesced slots, pools, rings, ports.
 * Without @force, grants still mapped stay where they are and their pages
 * are kept (call again); with @force they go to the held list (pages kept
 * as zombies).  Then the held list is retried.
 * Returns 0; -PVF_EBUSY while anything is still mapped.
 */
int pvf_blk_transport_release(struct pvf_blk *blk, bool force)
{
	uint32_t qi, busy = 0;

	for (qi = 0; qi < PVF_BLK_MAX_QUEUES; qi++) {
		struct pvf_blk_queue *q = &blk->q[qi];
		uint32_t b = release_pools(blk, q, force);

		/* The ring goes last: a slot still mapped may be answered. */
		if (!b)
			b = release_ring(blk, q, force);
		else if (q->port) {
			blk->plat->ops->evtchn_close(blk->plat->ctx, q->port);
			q->port = 0;
		}
		busy += b;
	}
	if (pvf_blk_retry_held(blk))
		busy++;
	return busy ? -PVF_EBUSY : 0;
}

/* Whether any queue still holds transport resources (not released). */
bool pvf_blk_transport_held(const struct pvf_blk *blk)
{
	uint32_t qi;

	for (qi = 0; qi < PVF_BLK_MAX_QUEUES; qi++) {
		const struct pvf_blk_queue *q = &blk->q[qi];

		if (q->ring_va || q->port || q->pool_va || q->ind_va || q->draining ||
		    q->ring_granted || q->pool_granted || q->ind_granted)
			return true;
	}
	return false;
}

/*
 * Publish the requests built since the last push (barriers in
 * pvf_ring_push_requests_track) and notify the backend if its req_event
 * asks for it.  The "last published" index is our private copy, never read
 * back from the shared page.
 */
void pvf_blk_ring_push(struct pvf_blk *blk, struct pvf_blk_queue *q)
{
	if (q->pushed == q->front.req_prod_pvt)
		return;
	if (PVF_RING_PUSH_REQUESTS(&q->front, &q->pushed) && q->port) {
		q->qstats.notifies++;
		blk->plat->ops->evtchn_notify(blk->plat->ctx, q->port);
	}
}
