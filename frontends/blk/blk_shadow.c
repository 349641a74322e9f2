/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block frontend bookkeeping: the shadow table (ring ids are indices into
 * it, never pointers), the bounce/persistent page pool, indirect pages,
 * grants held back while the backend still maps them, and the sticky broken
 * state.
 */
#include "blk_internal.h"

/* Put every slot of the current ring on the free list. */
void pvf_blk_shadow_reset(struct pvf_blk *blk, struct pvf_blk_queue *q)
{
	uint32_t i, n = blk->info.ring_size;

	for (i = 0; i < blk->ring_size_max; i++) {
		q->shadow[i].state = PVF_BLK_SLOT_FREE;
		q->shadow[i].req = NULL;
		q->shadow[i].next_free = (i + 1 < n) ? i + 1 : PVF_BLK_NONE;
	}
	q->free_head = n ? 0 : PVF_BLK_NONE;
	q->inflight = 0;
}

/* Returns a free slot id, or PVF_BLK_NONE. */
uint32_t pvf_blk_shadow_get(struct pvf_blk_queue *q)
{
	uint32_t id = q->free_head;

	if (id == PVF_BLK_NONE)
		return id;
	q->free_head = q->shadow[id].next_free;
	q->shadow[id].next_free = PVF_BLK_NONE;
	q->shadow[id].state = PVF_BLK_SLOT_INFLIGHT;
	q->inflight++;
	return id;
}

void pvf_blk_shadow_put(struct pvf_blk_queue *q, uint32_t id)
{
	q->shadow[id].state = PVF_BLK_SLOT_FREE;
	q->shadow[id].req = NULL;
	q->shadow[id].next_free = q->free_head;
	q->free_head = id;
	q->inflight--;
}

/* The slot's grant reference per segment (segmax entries). */
uint32_t *pvf_blk_shadow_refs(const struct pvf_blk *blk, const struct pvf_blk_queue *q, uint32_t id)
{
	return q->seg_refs + (size_t)id * blk->segmax;
}

/* The slot's pool page index per segment (segmax entries). */
uint32_t *pvf_blk_shadow_pool(const struct pvf_blk *blk, const struct pvf_blk_queue *q, uint32_t id)
{
	return q->seg_pool + (size_t)id * blk->segmax;
}

/* Returns a free pool page index, or PVF_BLK_NONE.  LIFO, as the header
 * recommends for persistent grants. */
uint32_t pvf_blk_pool_get(struct pvf_blk_queue *q)
{
	if (q->pool_free == 0)
		return PVF_BLK_NONE;
	return q->pool_stack[--q->pool_free];
}

void pvf_blk_pool_put(struct pvf_blk_queue *q, uint32_t idx)
{
	q->pool_stack[q->pool_free++] = idx;
}

void *pvf_blk_pool_page(const struct pvf_blk_queue *q, uint32_t idx)
{
	return (char *)q->pool_va + (size_t)idx * PVF_PAGE_SIZE;
}

void *pvf_blk_ind_page(const struct pvf_blk_queue *q, uint32_t id, uint32_t n)
{
	return (char *)q->ind_va + ((size_t)id * q->ind_per_slot + n) * PVF_PAGE_SIZE;
}

uint64_t pvf_blk_ind_frame(const struct pvf_blk_queue *q, uint32_t id, uint32_t n)
{
	return q->ind_frames[(size_t)id * q->ind_per_slot + n];
}

/* Enter the sticky broken state (only a reconnect clears it). */
void pvf_blk_break(struct pvf_blk *blk, const char *why, uint64_t a, uint64_t b)
{
	if (!pvf_broken_get(&blk->brk))
		pvf_err(blk->plat, "blk: %s: backend protocol violation: %s (%llu, %llu); device broken",
			blk->fe_path, why, (unsigned long long)a, (unsigned long long)b);
	/* logged above with the device's details, so no log here */
	pvf_broken_set(&blk->brk, NULL, -PVF_EPROTO, why);
	blk->broken = true;
}

/*
 * End @ref.  If the backend still maps it, park it on the held list and
 * break the device.  Returns 0 (ended) or -PVF_EBUSY (held: the page must
 * not be reused).
 */
int pvf_blk_end_grant(struct pvf_blk *blk, uint32_t ref)
{
	int r = blk->plat->ops->gnt_end(blk->plat->ctx, ref);

	if (r == 0)
		return 0;
	if (r == -PVF_EBUSY) {
		if (blk->nr_held < PVF_BLK_HELD_MAX)
			blk->held[blk->nr_held++] = ref;
		else
			blk->lost_held++;
		pvf_blk_break(blk, "grant still mapped at completion", ref, blk->nr_held);
		return -PVF_EBUSY;
	}
	pvf_err(blk->plat, "blk: ending grant %u failed: %s", (unsigned int)ref, pvf_strerror(r));
	return 0;
}

/*
 * End every grant in @refs[0..n) not yet ended (PVF_BLK_NONE marks ended
 * ones); grants the backend still maps stay in @refs.  Nothing is broken:
 * this is the teardown path.  Returns how many are still mapped.
 */
uint32_t pvf_blk_end_refs(struct pvf_blk *blk, uint32_t *refs, uint32_t n)
{
	uint32_t i, left = 0;

	for (i = 0; i < n; i++) {
		int r;

		if (refs[i] == PVF_BLK_NONE)
			continue;
		r = blk->plat->ops->gnt_end(blk->plat->ctx, refs[i]);
		if (r == -PVF_EBUSY) {
			left++;
			continue;
		}
		if (r)
			pvf_err(blk->plat, "blk: ending grant %u failed: %s",
				(unsigned int)refs[i], pvf_strerror(r));
		refs[i] = PVF_BLK_NONE;
	}
	return left;
}

/* Move the grants left in @refs[0..n) to the held list (teardown that
 * cannot wait); their pages become zombies when freed. */
void pvf_blk_park_refs(struct pvf_blk *blk, uint32_t *refs, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (refs[i] == PVF_BLK_NONE)
			continue;
		if (blk->nr_held < PVF_BLK_HELD_MAX)
			blk->held[blk->nr_held++] = refs[i];
		else
			blk->lost_held++;
		refs[i] = PVF_BLK_NONE;
	}
}

/* Free pages, unless a held grant may point into them: then keep them
 * until pvf_blk_retry_held() sees every grant ended. */
void pvf_blk_free_pages(struct pvf_blk *blk, void *va, uint32_t npages)
{
	if (!va || !npages)
		return;
	if (blk->nr_held || blk->lost_held) {
		if (blk->nr_zombie < PVF_BLK_ZOMBIE_MAX) {
			blk->zombie[blk->nr_zombie].va = va;
			blk->zombie[blk->nr_zombie].npages = npages;
			blk->nr_zombie++;
		} else {
			pvf_err(blk->plat, "blk: leaking %u pages still mapped by the backend",
				(unsigned int)npages);
		}
		return;
	}
	blk->plat->ops->page_free(blk->plat->ctx, va, npages);
}

PVF_API int pvf_blk_retry_held(struct pvf_blk *blk)
{
	uint32_t i = 0;

	while (i < blk->nr_held) {
		if (blk->plat->ops->gnt_end(blk->plat->ctx, blk->held[i]) == -PVF_EBUSY) {
			i++;
			continue;
		}
		blk->held[i] = blk->held[--blk->nr_held];
	}
	if (blk->nr_held == 0 && blk->lost_held == 0) {
		while (blk->nr_zombie) {
			blk->nr_zombie--;
			blk->plat->ops->page_free(blk->plat->ctx, blk->zombie[blk->nr_zombie].va,
						  blk->zombie[blk->nr_zombie].npages);
		}
	}
	return (int)(blk->nr_held + blk->lost_held);
}

PVF_API uint32_t pvf_blk_held_grants(const struct pvf_blk *blk)
{
	return blk->nr_held + blk->lost_held;
}
