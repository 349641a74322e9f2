/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loopback hypervisor: the grantee's side of the grant table (what Xen does
 * for GNTTABOP_map_grant_ref / unmap / copy on behalf of the backend).
 *
 * The guest edits its entries without our lock (common/gnttab.c), so the
 * entry is pinned with a compare-and-swap on the 32-bit word that holds
 * flags and domid together (as Xen does): setting GTF_reading/GTF_writing
 * succeeds only if the entry is still a valid grant to the backend.  The
 * cmpxchg pairs with the guest's cmpxchg in pvf_gnttab_end(): either the
 * guest sees our flag and answers EBUSY, or we see its cleared flags.
 * Map counts are ours alone and change under the shared lock; each is
 * kept in total and per mapping process (hv_reap.c releases the share of
 * a process that died).
 */
#include <string.h>
#include <pvfront/barrier.h>
#include "hv.h"

#define LB_PAGE 4096u
#define LB_PIN_TRIES 64

_Static_assert(offsetof(grant_entry_v1_t, flags) == 0 && offsetof(grant_entry_v1_t, domid) == 2,
	       "flags and domid share the first 32-bit word");

static uint32_t gnt_word(uint16_t flags, uint16_t domid)
{
	return (uint32_t)flags | ((uint32_t)domid << 16);
}

/* Set @add in the flags of @e if it is a valid access grant for @domid
 * (and writable if @need_rw).  Returns 0 or -EACCES/-EPERM/-EBUSY. */
static int gnt_pin(grant_entry_v1_t *e, pvf_domid_t domid, int need_rw, uint16_t add)
{
	volatile uint32_t *w = (volatile uint32_t *)(void *)e;
	uint32_t cur = PVF_READ_ONCE(*w);
	int i;

	for (i = 0; i < LB_PIN_TRIES; i++) {
		uint16_t flags = (uint16_t)(cur & 0xffff);
		uint16_t dom = (uint16_t)(cur >> 16);
		uint32_t prev;

		if ((flags & GTF_type_mask) != GTF_permit_access || dom != domid)
			return -PVF_EACCES;
		if (need_rw && (flags & GTF_readonly))
			return -PVF_EPERM;
		if ((flags & add) == add)
			return 0;
		prev = pvf_cmpxchg32(w, cur, gnt_word((uint16_t)(flags | add), dom));
		if (prev == cur)
			return 0;
		cur = prev;
	}
	return -PVF_EBUSY; /* the guest keeps rewriting the entry */
}

/* Clear @del in the flags of @e (unconditionally: the bits are ours). */
static void gnt_unpin(grant_entry_v1_t *e, uint16_t del)
{
	__atomic_fetch_and((uint16_t *)&e->flags, (uint16_t)~del, __ATOMIC_SEQ_CST);
}

int lb_gnt_map(struct pvf_lb_hv *hv, uint32_t ref, int readonly, void **va)
{
	grant_entry_v1_t *e;
	struct lb_map_count *mc, *hc;
	uint16_t add = readonly ? GTF_reading : (GTF_reading | GTF_writing);
	uint32_t frame;
	int rc;

	if (!va || ref < LB_FIRST_REF || ref >= hv->cfg.grant_entries)
		return -PVF_EINVAL;
	e = &hv->grants[ref];
	mc = &hv->maps[ref];
	rc = lb_lock(hv);
	if (rc < 0)
		return rc;
	if (mc->rd == UINT16_MAX) {
		rc = -PVF_EOVERFLOW;
		goto out;
	}
	rc = gnt_pin(e, hv->cfg.backend_domid, !readonly, add);
	if (rc < 0)
		goto out;
	/* The entry is pinned: a well-behaved guest no longer changes the
	 * frame.  Read it once, after the pin (the cmpxchg is a full
	 * barrier; pairs with the guest's wmb before setting the flags). */
	frame = PVF_READ_ONCE(e->frame);
	if (frame == 0 || frame >= hv->cfg.guest_pages) {
		/* A grant of a frame the guest does not have. */
		if (mc->rd == 0)
			gnt_unpin(e, GTF_reading | GTF_writing);
		else if (mc->wr == 0)
			gnt_unpin(e, GTF_writing);
		rc = -PVF_EINVAL;
		goto out;
	}
	hc = lb_hold(hv, lb_holder_self(hv), ref);
	hc->rd++;
	mc->rd++;
	if (!readonly) {
		hc->wr++;
		mc->wr++;
	}
	*va = readonly ? (void *)(uintptr_t)(hv->mem_ro + (size_t)frame * LB_PAGE)
		       : (void *)(hv->mem + (size_t)frame * LB_PAGE);
out:
	lb_unlock(hv);
	return rc;
}

/* 1 if @c holds a mapping of the kind an unmap(@readonly) undoes. */
static int lb_has_map(const struct lb_map_count *c, int readonly)
{
	return c->rd != 0 && (readonly ? c->rd > c->wr : c->wr != 0);
}

int lb_gnt_unmap(struct pvf_lb_hv *hv, uint32_t ref, int readonly)
{
	struct lb_map_count *mc, *hc;
	uint32_t i;
	int rc;

	if (ref < LB_FIRST_REF || ref >= hv->cfg.grant_entries)
		return -PVF_EINVAL;
	mc = &hv->maps[ref];
	rc = lb_lock(hv);
	if (rc < 0)
		return rc;
	/* A writable unmap needs a writable mapping; a read-only unmap needs
	 * a read-only one (rd counts both kinds). */
	if (!lb_has_map(mc, readonly)) {
		lb_unlock(hv);
		return -PVF_EINVAL;
	}
	/* Our own share first; a mapping another live process of the backend
	 * domain made may be undone here too (one domain, as on Xen). */
	hc = lb_hold(hv, lb_holder_self(hv), ref);
	for (i = 0; !lb_has_map(hc, readonly) && i <= LB_HOLDERS; i++)
		hc = lb_hold(hv, i, ref);
	if (lb_has_map(hc, readonly)) {
		hc->rd--;
		if (!readonly)
			hc->wr--;
	}
	mc->rd--;
	if (!readonly && --mc->wr == 0)
		gnt_unpin(&hv->grants[ref], GTF_writing);
	if (mc->rd == 0)
		gnt_unpin(&hv->grants[ref], GTF_reading | GTF_writing);
	lb_unlock(hv);
	return 0;
}

void lb_gnt_stats(struct pvf_lb_hv *hv, uint32_t *in_use, uint32_t *mapped)
{
	uint32_t i, u = 0, m = 0;

	for (i = LB_FIRST_REF; i < hv->cfg.grant_entries; i++) {
		uint16_t f = __atomic_load_n(&hv->grants[i].flags, __ATOMIC_ACQUIRE);

		if ((f & GTF_type_mask) == GTF_permit_access)
			u++;
		if (__atomic_load_n(&hv->maps[i].rd, __ATOMIC_ACQUIRE))
			m++;
	}
	*in_use = u;
	*mapped = m;
}
