/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block frontend negotiation: read the backend's keys strictly, clamp every
 * limit to the frontend's own, write the frontend's keys.
 *
 * Negotiation matrix (ring size):
 *   backend offers            frontend writes (order o = min(be, cfg))
 *   nothing                   ring-ref
 *   max-ring-page-order = n   o == 0: ring-ref
 *   and/or max-ring-pages = m o > 0 : ring-ref0..N-1, ring-page-order = o,
 *                                     num-ring-pages = 2^o (both schemes)
 * The backend's order is MAX(max-ring-page-order, ffs(max-ring-pages) - 1),
 * as the header defines the frontend's maximum (a max-ring-pages that is
 * not the power of two it must be counts by its lowest set bit).
 * Queues: min(cfg, multi-queue-max-queues (default 1)); more than one
 * writes multi-queue-num-queues and queue-N/{ring-ref*,event-channel}.
 */
#include "blk_internal.h"
#include <xen/io/protocols.h>

/* A value that does not parse strictly is the backend's protocol error. */
static int xs_err(const struct pvf_platform *p, const char *dir, const char *key, int r)
{
	if (r == -PVF_EINVAL || r == -PVF_ERANGE || r == -PVF_E2BIG) {
		pvf_warn(p, "blk: %s/%s: malformed value", dir, key);
		return -PVF_EPROTO;
	}
	return r;
}

/* Optional u32 key: sets *out and @bit in *present when there; absent
 * keeps *out.  Returns 0 or an error. */
static int rd_u32(const struct pvf_platform *p, uint32_t txn, const char *dir, const char *key,
		  uint32_t *out, uint32_t *present, uint32_t bit)
{
	uint32_t v;
	int r = pvf_xs_read_u32(p, txn, dir, key, &v);

	if (r == -PVF_ENOENT)
		return 0;
	if (r < 0)
		return xs_err(p, dir, key, r);
	*out = v;
	if (present)
		*present |= bit;
	return 0;
}

/* Optional boolean ("0"/"1" only): absent is false. */
static int rd_bool(const struct pvf_platform *p, uint32_t txn, const char *dir, const char *key,
		   bool *out)
{
	int v = 0, r = pvf_xs_read_bool(p, txn, dir, key, &v);

	*out = false;
	if (r == -PVF_ENOENT)
		return 0;
	if (r < 0)
		return xs_err(p, dir, key, r);
	*out = v == 1;
	return 0;
}

static int read_transport(const struct pvf_platform *p, uint32_t txn, const char *dir,
			  struct pvf_blk_backend *be)
{
	int r;

	be->present &= ~(PVF_BLK_BE_RING_ORDER | PVF_BLK_BE_RING_PAGES | PVF_BLK_BE_QUEUES);
	be->max_ring_page_order = 0;
	be->max_ring_pages = 1;
	be->max_queues = 1;
	if ((r = rd_u32(p, txn, dir, "max-ring-page-order", &be->max_ring_page_order,
			&be->present, PVF_BLK_BE_RING_ORDER)))
		return r;
	if ((r = rd_u32(p, txn, dir, "max-ring-pages", &be->max_ring_pages,
			&be->present, PVF_BLK_BE_RING_PAGES)))
		return r;
	if ((r = rd_u32(p, txn, dir, "multi-queue-max-queues", &be->max_queues,
			&be->present, PVF_BLK_BE_QUEUES)))
		return r;
	if (be->max_ring_pages == 0) {
		pvf_warn(p, "blk: %s: max-ring-pages is 0", dir);
		return -PVF_EPROTO;
	}
	if (be->max_queues == 0) {
		/* as Linux blkfront and pvfront's netfront: at least one queue */
		pvf_warn(p, "blk: %s: multi-queue-max-queues is 0: one queue", dir);
		be->max_queues = 1;
	}
	return 0;
}

static int read_device(const struct pvf_platform *p, uint32_t txn, const char *dir,
		       struct pvf_blk_backend *be)
{
	char mode[8];
	uint64_t v;
	int r;

	be->present &= ~(PVF_BLK_BE_INDIRECT | PVF_BLK_BE_SECTORS | PVF_BLK_BE_DISCARD_GRAN |
			 PVF_BLK_BE_DISCARD_ALIGN | PVF_BLK_BE_MODE);
	be->max_indirect_segs = 0;
	be->discard_granularity = 0;
	be->discard_alignment = 0;
	be->sector_size = 512;
	be->physical_sector_size = 0;
	be->info = 0;
	be->mode = 0;
	if ((r = rd_u32(p, txn, dir, "feature-max-indirect-segments", &be->max_indirect_segs,
			&be->present, PVF_BLK_BE_INDIRECT)) ||
	    (r = rd_bool(p, txn, dir, "feature-persistent", &be->persistent)) ||
	    (r = rd_bool(p, txn, dir, "feature-flush-cache", &be->flush)) ||
	    (r = rd_bool(p, txn, dir, "feature-barrier", &be->barrier)) ||
	    (r = rd_bool(p, txn, dir, "feature-discard", &be->discard)) ||
	    (r = rd_bool(p, txn, dir, "discard-secure", &be->discard_secure)) ||
	    (r = rd_u32(p, txn, dir, "discard-granularity", &be->discard_granularity,
			&be->present, PVF_BLK_BE_DISCARD_GRAN)) ||
	    (r = rd_u32(p, txn, dir, "discard-alignment", &be->discard_alignment,
			&be->present, PVF_BLK_BE_DISCARD_ALIGN)) ||
	    (r = rd_u32(p, txn, dir, "sector-size", &be->sector_size, NULL, 0)) ||
	    (r = rd_u32(p, txn, dir, "physical-sector-size", &be->physical_sector_size, NULL, 0)) ||
	    (r = rd_u32(p, txn, dir, "info", &be->info, NULL, 0)))
		return r;
	r = pvf_xs_read_u64(p, txn, dir, "sectors", &v);
	if (r == -PVF_ENOENT) {
		pvf_warn(p, "blk: %s/sectors missing", dir);
		return -PVF_EPROTO;
	}
	if (r < 0)
		return xs_err(p, dir, "sectors", r);
	be->sectors = v;
	be->present |= PVF_BLK_BE_SECTORS;
	r = pvf_xs_read_str(p, txn, dir, "mode", mode, sizeof(mode));
	if (r >= 0) {
		if (pvf_strcmp(mode, "r") && pvf_strcmp(mode, "w")) {
			pvf_warn(p, "blk: %s/mode: malformed value", dir);
			return -PVF_EPROTO;
		}
		be->mode = mode[0];
		be->present |= PVF_BLK_BE_MODE;
	} else if (r != -PVF_ENOENT) {
		return xs_err(p, dir, "mode", r);
	}
	return 0;
}

int pvf_blk_read_backend_txn(const struct pvf_platform *p, uint32_t txn, const char *dir,
			     unsigned int what, struct pvf_blk_backend *be)
{
	int r = 0;

	if (!p || !dir || !be)
		return -PVF_EINVAL;
	if (what & PVF_BLK_READ_TRANSPORT)
		r = read_transport(p, txn, dir, be);
	if (!r && (what & PVF_BLK_READ_DEVICE))
		r = read_device(p, txn, dir, be);
	return r;
}

PVF_API int pvf_blk_read_backend(const struct pvf_platform *p, const char *dir,
				 unsigned int what, struct pvf_blk_backend *be)
{
	return pvf_blk_read_backend_txn(p, 0, dir, what, be);
}

/* ffs(v) - 1, and 0 for 0. */
static uint32_t lowest_bit(uint32_t v)
{
	uint32_t o = 0;

	while (v && !(v & 1u)) {
		v >>= 1;
		o++;
	}
	return o;
}

static uint32_t log2_floor(uint32_t v)
{
	uint32_t o = 0;

	while (v > 1) {
		v >>= 1;
		o++;
	}
	return o;
}

static bool pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Requests in a ring of 2^order pages (what __RING_SIZE computes). */
uint32_t pvf_blk_ring_size(uint32_t order)
{
	uint32_t bytes = PVF_PAGE_SIZE << order;
	uint32_t n = (uint32_t)((bytes - offsetof(struct blkif_sring, ring)) /
				sizeof(union blkif_sring_entry));

	return 1u << log2_floor(n);
}

PVF_API int pvf_blk_negotiate(const struct pvf_blk_config *cfg, const struct pvf_blk_backend *be,
			      unsigned int what, bool trusted, struct pvf_blk_info *info)
{
	if (!cfg || !be || !info)
		return -PVF_EINVAL;
	if (what & PVF_BLK_READ_TRANSPORT) {
		uint32_t order = 0;

		if (be->present & PVF_BLK_BE_RING_ORDER)
			order = be->max_ring_page_order;
		/* blkif.h: ring-page-order <= MAX(ffs(max-ring-pages) - 1,
		 * max-ring-page-order); a value that is not the power of two it
		 * must be counts only its lowest set bit (6 -> 2 pages). */
		if (be->present & PVF_BLK_BE_RING_PAGES)
			order = PVF_MAX(order, lowest_bit(be->max_ring_pages));
		order = PVF_MIN(order, (uint32_t)cfg->max_ring_page_order);
		order = PVF_MIN(order, PVF_BLK_MAX_RING_ORDER);
		info->ring_order = order;
		info->ring_pages = 1u << order;
		info->ring_size = pvf_blk_ring_size(order);
		info->nr_queues = PVF_MIN(PVF_MIN((uint32_t)cfg->nr_queues, be->max_queues),
					  PVF_BLK_MAX_QUEUES);
		if (info->nr_queues == 0)
			info->nr_queues = 1;
		info->bounce = !trusted;
		info->untrusted = !trusted;
	}
	if (what & PVF_BLK_READ_DEVICE) {
		uint32_t ss = be->sector_size;
		uint32_t ps = be->physical_sector_size ? be->physical_sector_size : ss;
		uint32_t ind = 0;

		if (!pow2(ss) || ss < 512 || ss > 65536)
			return -PVF_EPROTO;
		if (ps < ss || (ps & (ss - 1)))
			return -PVF_EPROTO;
		info->sectors = be->sectors;
		info->sector_size = ss;
		info->physical_sector_size = ps;
		info->vdisk_info = be->info;
		info->readonly = (be->info & VDISK_READONLY) || be->mode == 'r';
		info->cdrom = (be->info & VDISK_CDROM) != 0;
		info->removable = (be->info & VDISK_REMOVABLE) != 0;
		if (be->present & PVF_BLK_BE_INDIRECT) {
			ind = PVF_MIN(be->max_indirect_segs, (uint32_t)cfg->max_indirect_segs);
			ind = PVF_MIN(ind, (uint32_t)PVF_BLK_MAX_INDIRECT_SEGS);
			if (ind <= BLKIF_MAX_SEGMENTS_PER_REQUEST)
				ind = 0; /* no gain over a direct request */
		}
		info->max_indirect_segs = ind;
		info->max_segs_per_req = ind ? ind : BLKIF_MAX_SEGMENTS_PER_REQUEST;
		info->persistent = cfg->persistent && be->persistent;
		info->bounce = !trusted || info->persistent;
		info->flush = be->flush;
		info->barrier = be->barrier;
		info->discard = be->discard;
		info->discard_secure = be->discard && be->discard_secure;
		info->discard_granularity = be->discard_granularity ? be->discard_granularity : ss;
		info->discard_alignment = be->discard_alignment;
		/* Granules and their offset must be whole 512-byte sectors
		 * (an offset of whole granules changes nothing). */
		if (be->discard && ((info->discard_granularity & 511u) ||
				    ((info->discard_alignment % info->discard_granularity) & 511u)))
			return -PVF_EPROTO;
	}
	return 0;
}

/* Frontend `trusted` key (set by the toolstack): absent = trusted; anything
 * but "0"/"1" is treated as 0. */
int pvf_blk_read_trusted(struct pvf_blk *blk, uint32_t txn, bool *trusted)
{
	return pvf_xs_read_trusted(blk->plat, txn, blk->fe_path, "blk", trusted);
}

static int wr(struct pvf_blk *blk, uint32_t txn, const char *key, uint32_t val)
{
	return pvf_xs_write_u32(blk->plat, txn, blk->fe_path, key, val);
}

static int rm(struct pvf_blk *blk, uint32_t txn, const char *key)
{
	char path[PVF_XS_PATH_MAX];
	int r = pvf_xs_path(path, sizeof(path), blk->fe_path, key);

	if (r < 0)
		return r;
	r = blk->plat->ops->xs_rm(blk->plat->ctx, txn, path);
	return r == -PVF_ENOENT ? 0 : r;
}

/*
 * Write every frontend key inside @txn (0: none): first remove the keys a
 * previous connection may have left in another layout.
 * Returns 0 or an xs_write/xs_rm error (-PVF_EAGAIN: doomed transaction).
 */
int pvf_blk_write_keys(struct pvf_blk *blk, uint32_t txn)
{
	const struct pvf_blk_info *in = &blk->info;
	char key[48];
	uint32_t qi, i;
	int r;

	if ((r = rm(blk, txn, "ring-ref")) || (r = rm(blk, txn, "event-channel")) ||
	    (r = rm(blk, txn, "multi-queue-num-queues")) ||
	    (r = rm(blk, txn, "ring-page-order")) || (r = rm(blk, txn, "num-ring-pages")))
		return r;
	for (i = 0; i < PVF_BLK_MAX_RING_PAGES; i++) {
		pvf_snprintf(key, sizeof(key), "ring-ref%u", (unsigned int)i);
		if ((r = rm(blk, txn, key)))
			return r;
	}
	for (i = 0; i < PVF_BLK_MAX_QUEUES; i++) {
		pvf_snprintf(key, sizeof(key), "queue-%u", (unsigned int)i);
		if ((r = rm(blk, txn, key)))
			return r;
	}
	if (in->ring_order > 0) {
		if ((r = wr(blk, txn, "ring-page-order", in->ring_order)) ||
		    (r = wr(blk, txn, "num-ring-pages", in->ring_pages)))
			return r;
	}
	if (in->nr_queues > 1 && (r = wr(blk, txn, "multi-queue-num-queues", in->nr_queues)))
		return r;
	for (qi = 0; qi < in->nr_queues; qi++) {
		const struct pvf_blk_queue *q = &blk->q[qi];
		char pre[16] = "";

		if (in->nr_queues > 1)
			pvf_snprintf(pre, sizeof(pre), "queue-%u/", (unsigned int)qi);
		for (i = 0; i < in->ring_pages; i++) {
			if (in->ring_order == 0)
				pvf_snprintf(key, sizeof(key), "%sring-ref", pre);
			else
				pvf_snprintf(key, sizeof(key), "%sring-ref%u", pre, (unsigned int)i);
			if ((r = wr(blk, txn, key, q->ring_refs[i])))
				return r;
		}
		if (q->port) {
			pvf_snprintf(key, sizeof(key), "%sevent-channel", pre);
			if ((r = wr(blk, txn, key, q->port)))
				return r;
		}
	}
	if ((r = pvf_xs_write_str(blk->plat, txn, blk->fe_path, "protocol",
				  XEN_IO_PROTO_ABI_NATIVE)))
		return r;
	return wr(blk, txn, "feature-persistent", blk->cfg.persistent ? 1u : 0u);
}

/* Record the size read at connect or on a resize check; report changes
 * after the first connect. */
void pvf_blk_note_size(struct pvf_blk *blk, uint64_t sectors)
{
	uint64_t old = blk->info.sectors;

	blk->info.sectors = sectors;
	if (!blk->ever_connected || old == sectors)
		return;
	blk->info.prev_sectors = old;
	blk->info.resizes++;
	pvf_info(blk->plat, "blk: %s: resized from %llu to %llu sectors", blk->fe_path,
		 (unsigned long long)old, (unsigned long long)sectors);
	if (blk->cfg.on_resize)
		blk->cfg.on_resize(blk->cfg.notify_arg, old, sectors);
}
