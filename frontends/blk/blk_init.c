/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block frontend lifecycle: configuration, scratch layout, setup (transport)
 * and connect (device), accessors.
 */
#include "blk_internal.h"


PVF_API void pvf_blk_config_default(struct pvf_blk_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_ring_page_order = PVF_BLK_MAX_RING_ORDER;
	cfg->nr_queues = 1;
	cfg->max_indirect_segs = 32;
	cfg->persistent = 1;
	cfg->trusted = 1;
	cfg->polled = 0;
	cfg->pool_pages = 64;
}

static uint32_t cfg_segmax(const struct pvf_blk_config *cfg)
{
	return PVF_MAX((uint32_t)cfg->max_indirect_segs, (uint32_t)BLKIF_MAX_SEGMENTS_PER_REQUEST);
}

static uint32_t cfg_ind_per_slot(const struct pvf_blk_config *cfg)
{
	return ((uint32_t)cfg->max_indirect_segs + PVF_BLK_SEGS_PER_INDIRECT_PAGE - 1) /
	       PVF_BLK_SEGS_PER_INDIRECT_PAGE;
}

static int cfg_check(const struct pvf_blk_config *cfg)
{
	if (cfg->max_ring_page_order > PVF_BLK_MAX_RING_ORDER)
		return -PVF_EINVAL;
	if (cfg->nr_queues == 0 || cfg->nr_queues > PVF_BLK_MAX_QUEUES)
		return -PVF_EINVAL;
	if (cfg->max_indirect_segs != 0 &&
	    (cfg->max_indirect_segs <= BLKIF_MAX_SEGMENTS_PER_REQUEST ||
	     cfg->max_indirect_segs > PVF_BLK_MAX_INDIRECT_SEGS))
		return -PVF_EINVAL;
	if (cfg->pool_pages < cfg_segmax(cfg))
		return -PVF_EINVAL; /* a largest request could never get pages */
	return 0;
}

/* Scratch bytes for one queue. */
static size_t queue_scratch(const struct pvf_blk_config *cfg)
{
	size_t rs = pvf_blk_ring_size(cfg->max_ring_page_order);
	size_t segmax = cfg_segmax(cfg);

	return PVF_ALIGN8(rs * sizeof(struct pvf_blk_shadow)) +
	       2 * PVF_ALIGN8(rs * segmax * sizeof(uint32_t)) +
	       PVF_ALIGN8((size_t)cfg->pool_pages * sizeof(uint64_t)) +
	       2 * PVF_ALIGN8((size_t)cfg->pool_pages * sizeof(uint32_t)) +
	       PVF_ALIGN8(rs * cfg_ind_per_slot(cfg) * sizeof(uint64_t)) +
	       PVF_ALIGN8(rs * cfg_ind_per_slot(cfg) * sizeof(uint32_t));
}

PVF_API size_t pvf_blk_scratch_size(const struct pvf_blk_config *cfg)
{
	if (!cfg || cfg_check(cfg))
		return 0;
	return queue_scratch(cfg) * cfg->nr_queues;
}

PVF_API int pvf_blk_init(struct pvf_blk *blk, const struct pvf_platform *plat,
			 const struct pvf_blk_config *cfg)
{
	size_t need, rs, segmax;
	char *cur;
	uint32_t qi;

	if (!blk || !cfg || pvf_platform_validate(plat, NULL) || cfg_check(cfg))
		return -PVF_EINVAL;
	if (!cfg->frontend_path || !cfg->backend_path ||
	    pvf_strnlen(cfg->frontend_path, PVF_BLK_PATH_MAX) >= PVF_BLK_PATH_MAX ||
	    pvf_strnlen(cfg->backend_path, PVF_BLK_PATH_MAX) >= PVF_BLK_PATH_MAX)
		return -PVF_EINVAL;
	need = pvf_blk_scratch_size(cfg);
	if (!cfg->scratch || ((uintptr_t)cfg->scratch & 7u) || cfg->scratch_size < need)
		return -PVF_EINVAL;
	memset(blk, 0, sizeof(*blk));
	blk->plat = plat;
	blk->cfg = *cfg;
	pvf_strlcpy(blk->fe_path, cfg->frontend_path, sizeof(blk->fe_path));
	pvf_strlcpy(blk->be_path, cfg->backend_path, sizeof(blk->be_path));
	blk->cfg.frontend_path = blk->fe_path;
	blk->cfg.backend_path = blk->be_path;
	rs = pvf_blk_ring_size(cfg->max_ring_page_order);
	segmax = cfg_segmax(cfg);
	blk->ring_size_max = (uint32_t)rs;
	blk->segmax = (uint32_t)segmax;
	blk->ind_per_slot_max = cfg_ind_per_slot(cfg);
	memset(cfg->scratch, 0, need);
	cur = cfg->scratch;
	for (qi = 0; qi < cfg->nr_queues; qi++) {
		struct pvf_blk_queue *q = &blk->q[qi];

		q->shadow = pvf_carve(&cur, rs * sizeof(struct pvf_blk_shadow));
		q->seg_refs = pvf_carve(&cur, rs * segmax * sizeof(uint32_t));
		q->seg_pool = pvf_carve(&cur, rs * segmax * sizeof(uint32_t));
		q->pool_frames = pvf_carve(&cur, (size_t)cfg->pool_pages * sizeof(uint64_t));
		q->pool_refs = pvf_carve(&cur, (size_t)cfg->pool_pages * sizeof(uint32_t));
		q->pool_stack = pvf_carve(&cur, (size_t)cfg->pool_pages * sizeof(uint32_t));
		q->ind_frames = pvf_carve(&cur, rs * blk->ind_per_slot_max * sizeof(uint64_t));
		q->ind_refs = pvf_carve(&cur, rs * blk->ind_per_slot_max * sizeof(uint32_t));
		q->free_head = PVF_BLK_NONE;
	}
	blk->state = PVF_BLK_S_INIT;
	return 0;
}

static int write_keys_body(void *arg, uint32_t txn)
{
	return pvf_blk_write_keys(arg, txn);
}

/* Setup inside @txn (own_txn: run our own transaction instead). */
static int setup(struct pvf_blk *blk, uint32_t txn, bool own_txn)
{
	bool key_trusted = true;
	int r;

	if (!blk)
		return -PVF_EINVAL;
	if (blk->state == PVF_BLK_S_CLOSED)
		return -PVF_ESHUTDOWN;
	if (blk->state == PVF_BLK_S_SETUP || blk->state == PVF_BLK_S_CONNECTED)
		return -PVF_EALREADY;
	if (pvf_blk_transport_held(blk))
		return -PVF_EBUSY; /* pvf_blk_release() has not finished */
	r = pvf_blk_read_backend_txn(blk->plat, txn, blk->be_path, PVF_BLK_READ_TRANSPORT,
				     &blk->be);
	if (r)
		return r;
	r = pvf_blk_read_trusted(blk, txn, &key_trusted);
	if (r)
		return r;
	blk->trusted = blk->cfg.trusted && key_trusted;
	r = pvf_blk_negotiate(&blk->cfg, &blk->be, PVF_BLK_READ_TRANSPORT, blk->trusted, &blk->info);
	if (r)
		return r;
	/* A queue count this scratch was not carved for cannot happen: the
	 * negotiated count is clamped to cfg.nr_queues. */
	r = pvf_blk_ring_setup(blk);
	if (r)
		return r;
	if (!own_txn) {
		r = pvf_blk_write_keys(blk, txn);
	} else {
		r = pvf_xs_transact(blk->plat, write_keys_body, blk, BLK_TXN_TRIES);
		if (r == -PVF_ENOSYS) /* a platform without transactions */
			r = pvf_blk_write_keys(blk, 0);
		if (r == -PVF_EAGAIN)
			pvf_warn(blk->plat, "blk: %s: transaction kept conflicting", blk->fe_path);
	}
	if (r) {
		pvf_blk_ring_teardown(blk);
		return r;
	}
	blk->broken = false;
	pvf_broken_clear(&blk->brk);
	blk->state = PVF_BLK_S_SETUP;
	pvf_info(blk->plat, "blk: %s: ring order %u (%u requests), %u queue(s)%s",
		 blk->fe_path, (unsigned int)blk->info.ring_order,
		 (unsigned int)blk->info.ring_size, (unsigned int)blk->info.nr_queues,
		 blk->trusted ? "" : ", untrusted backend: bounce buffers");
	return 0;
}

PVF_API int pvf_blk_setup(struct pvf_blk *blk)
{
	return setup(blk, 0, true);
}

PVF_API int pvf_blk_setup_txn(struct pvf_blk *blk, uint32_t txn)
{
	return setup(blk, txn, false);
}

PVF_API int pvf_blk_connect(struct pvf_blk *blk)
{
	struct pvf_blk_req *req;
	int r;

	uint64_t old_sectors;

	if (!blk || blk->state != PVF_BLK_S_SETUP)
		return -PVF_EINVAL;
	old_sectors = blk->info.sectors;
	r = pvf_blk_read_backend(blk->plat, blk->be_path, PVF_BLK_READ_DEVICE, &blk->be);
	if (!r)
		r = pvf_blk_negotiate(&blk->cfg, &blk->be, PVF_BLK_READ_DEVICE, blk->trusted,
				      &blk->info);
	if (r) {
		blk->info.sectors = old_sectors;
		pvf_err(blk->plat, "blk: %s: backend device keys rejected: %s",
			blk->be_path, pvf_strerror(r));
		return r;
	}
	r = pvf_blk_pools_setup(blk);
	if (r)
		return r;
	blk->info.sectors = old_sectors;
	pvf_blk_note_size(blk, blk->be.sectors); /* reports a resize */
	blk->state = PVF_BLK_S_CONNECTED;
	blk->ever_connected = true;
	blk->broken = false;
	pvf_broken_clear(&blk->brk);
	pvf_info(blk->plat,
		 "blk: %s: connected, %llu sectors of 512, sector-size %u%s%s%s, indirect %u, persistent %u, flush %u, barrier %u, discard %u",
		 blk->fe_path, (unsigned long long)blk->info.sectors,
		 (unsigned int)blk->info.sector_size, blk->info.readonly ? ", read-only" : "",
		 blk->info.cdrom ? ", cdrom" : "", blk->info.removable ? ", removable" : "",
		 (unsigned int)blk->info.max_indirect_segs, (unsigned int)blk->info.persistent,
		 (unsigned int)blk->info.flush, (unsigned int)blk->info.barrier,
		 (unsigned int)blk->info.discard);
	while ((req = blk->replay_head) != NULL) {
		blk->replay_head = req->p_next;
		pvf_blk_pend_append(pvf_blk_req_queue(blk, req), req);
	}
	pvf_blk_kick(blk, NULL);
	return 0;
}

PVF_API const struct pvf_blk_info *pvf_blk_get_info(const struct pvf_blk *blk)
{
	return &blk->info;
}

static void stats_add(struct pvf_blk_stats *d, const struct pvf_blk_stats *s)
{
	d->submitted += s->submitted;
	d->completed += s->completed;
	d->ring_reqs += s->ring_reqs;
	d->indirect_reqs += s->indirect_reqs;
	d->responses += s->responses;
	d->events += s->events;
	d->spurious += s->spurious;
	d->notifies += s->notifies;
	d->replayed += s->replayed;
	d->discard_trimmed += s->discard_trimmed;
	d->discard_dropped += s->discard_dropped;
}

PVF_API const struct pvf_blk_stats *pvf_blk_get_stats(const struct pvf_blk *cblk)
{
	/* The sum lives in the device (a core-owned field, never const). */
	struct pvf_blk *blk = (struct pvf_blk *)(uintptr_t)cblk;
	uint32_t qi;

	blk->sum = blk->stats;
	for (qi = 0; qi < PVF_BLK_MAX_QUEUES; qi++)
		stats_add(&blk->sum, &blk->q[qi].qstats);
	return &blk->sum;
}

PVF_API int pvf_blk_is_broken(const struct pvf_blk *blk)
{
	return blk->broken ? 1 : 0;
}
