/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Grant table v1 manager: reference allocation and the grant/end protocol
 * of <xen/grant_table.h> over a caller-mapped array of entries.
 *
 * Free references form a FIFO threaded through t->next[] (the caller's
 * storage): a freed reference is reused last, which makes a stale reference
 * held by a buggy peer less likely to alias a fresh grant.  t->next[ref]
 * also records the state of a reference that is not free.
 */
#include "internal.h"
#include <pvfront/barrier.h>
#include <pvfront/gnttab.h>

_Static_assert(sizeof(grant_entry_v1_t) == 8, "grant_entry_v1_t is 8 bytes");
_Static_assert(offsetof(grant_entry_v1_t, flags) == 0, "v1 flags at 0");
_Static_assert(offsetof(grant_entry_v1_t, domid) == 2, "v1 domid at 2");
_Static_assert(offsetof(grant_entry_v1_t, frame) == 4, "v1 frame at 4");

#define GNT_END      0xffffffffu /* end of the free list */
#define GNT_INUSE    0xfffffffeu /* granted, owned by the caller */
#define GNT_DEFERRED 0xfffffffdu /* granted, parked on the deferred list */
#define GNT_RESERVED 0xfffffffcu /* below first_ref: never handed out */

/* A grantee that keeps flipping flags cannot keep us here forever. */
#define GNT_END_TRIES 64

static void gnt_free_push(struct pvf_gnttab *t, uint32_t ref)
{
	t->next[ref] = GNT_END;
	if (t->tail == GNT_END)
		t->head = ref;
	else
		t->next[t->tail] = ref;
	t->tail = ref;
	t->nr_free++;
}

PVF_API int pvf_gnttab_init(struct pvf_gnttab *t, grant_entry_v1_t *entries,
			    uint32_t nr_entries, uint32_t first_ref,
			    uint32_t *freelist_storage)
{
	uint32_t i;

	if (!t || !entries || !freelist_storage || first_ref >= nr_entries ||
	    nr_entries >= GNT_RESERVED)
		return -PVF_EINVAL;
	memset(t, 0, sizeof(*t));
	t->entries = entries;
	t->nr_entries = nr_entries;
	t->first_ref = first_ref;
	t->next = freelist_storage;
	t->head = t->tail = GNT_END;
	for (i = 0; i < first_ref; i++)
		t->next[i] = GNT_RESERVED;
	for (i = first_ref; i < nr_entries; i++) {
		PVF_WRITE_ONCE(entries[i].flags, 0);
		entries[i].domid = 0;
		entries[i].frame = 0;
		gnt_free_push(t, i);
	}
	return 0;
}

PVF_API int pvf_gnttab_grant(struct pvf_gnttab *t, pvf_domid_t domid, uint64_t frame,
			     int readonly, uint32_t *ref)
{
	grant_entry_v1_t *e;
	uint32_t r;

	if (!ref || frame > 0xffffffffull)
		return -PVF_EINVAL;
	if (t->head == GNT_END)
		return -PVF_ENOSPC;
	r = t->head;
	t->head = t->next[r];
	if (t->head == GNT_END)
		t->tail = GNT_END;
	t->nr_free--;
	t->next[r] = GNT_INUSE;
	t->in_use++;

	e = &t->entries[r];
	PVF_WRITE_ONCE(e->domid, domid);
	PVF_WRITE_ONCE(e->frame, (uint32_t)frame);
	/* Pairs with the grantee's read barrier between reading the flags and
	 * reading domid/frame (Xen; the loopback's map): a valid flags value
	 * is only visible after the contents it guards. */
	pvf_wmb();
	PVF_WRITE_ONCE(e->flags, (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)));
	*ref = r;
	return 0;
}

/* Clear the flags unless the grantee maps the frame.  Returns 0 or -EBUSY. */
static int gnt_try_clear(grant_entry_v1_t *e)
{
	volatile uint16_t *fp = (volatile uint16_t *)&e->flags;
	uint16_t flags = PVF_READ_ONCE(*fp);
	int i;

	for (i = 0; i < GNT_END_TRIES; i++) {
		uint16_t prev;

		if (flags & (GTF_reading | GTF_writing))
			return -PVF_EBUSY;
		/* The cmpxchg is a full barrier: it pairs with the grantee's
		 * cmpxchg that sets GTF_reading/GTF_writing, so exactly one of
		 * "cleared" and "mapped" wins. */
		prev = pvf_cmpxchg16(fp, flags, 0);
		if (prev == flags)
			return 0;
		flags = prev;
	}
	return -PVF_EBUSY;
}

static void gnt_release(struct pvf_gnttab *t, uint32_t ref)
{
	t->in_use--;
	gnt_free_push(t, ref);
}

PVF_API int pvf_gnttab_end(struct pvf_gnttab *t, uint32_t ref)
{
	int rc;

	if (ref >= t->nr_entries || t->next[ref] != GNT_INUSE)
		return -PVF_EBADF;
	rc = gnt_try_clear(&t->entries[ref]);
	if (rc < 0)
		return rc;
	gnt_release(t, ref);
	return 0;
}

PVF_API int pvf_gnttab_end_or_defer(struct pvf_gnttab *t, uint32_t ref)
{
	int rc = pvf_gnttab_end(t, ref);

	if (rc != -PVF_EBUSY)
		return rc;
	if (t->nr_deferred >= PVF_GNTTAB_DEFERRED_MAX)
		return -PVF_ENOSPC;
	t->deferred[t->nr_deferred++] = ref;
	t->next[ref] = GNT_DEFERRED;
	return 1;
}

PVF_API int pvf_gnttab_retry_deferred(struct pvf_gnttab *t)
{
	uint32_t i = 0;

	while (i < t->nr_deferred) {
		uint32_t ref = t->deferred[i];

		if (gnt_try_clear(&t->entries[ref]) == 0) {
			t->deferred[i] = t->deferred[--t->nr_deferred];
			gnt_release(t, ref);
		} else {
			i++;
		}
	}
	return (int)t->nr_deferred;
}

PVF_API int pvf_gnttab_is_deferred(const struct pvf_gnttab *t, uint32_t ref)
{
	return ref < t->nr_entries && t->next[ref] == GNT_DEFERRED;
}

PVF_API uint32_t pvf_gnttab_in_use(const struct pvf_gnttab *t)
{
	return t->in_use;
}

PVF_API uint32_t pvf_gnttab_nr_deferred(const struct pvf_gnttab *t)
{
	return t->nr_deferred;
}
