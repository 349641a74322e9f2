/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Grant table v1 manager (freestanding).
 *
 * Manages an array of grant_entry_v1_t that the caller has mapped (a real
 * guest's grant table frames, or the loopback hypervisor's shared copy):
 * hands out references, fills entries in the order Xen requires, and ends
 * access with the compare-and-swap that refuses to clear an entry the
 * grantee still maps.
 *
 * Ownership: the entries and the free-list storage belong to the caller and
 * must outlive the manager; the manager never allocates.  References below
 * @first_ref (Xen reserves GNTTAB_NR_RESERVED_ENTRIES) are never handed out.
 *
 * Concurrency: the manager is not thread-safe; the caller serialises every
 * call on one struct pvf_gnttab (the grantee's concurrent updates of the
 * GTF_reading/GTF_writing flags are handled).
 *
 * The struct is visible for sizing only; its fields are private.
 */
#ifndef PVFRONT_GNTTAB_H
#define PVFRONT_GNTTAB_H

#include <stdint.h>
#include <pvfront/xen.h>
#include <pvfront/platform.h>

/* How many references whose end returned -PVF_EBUSY can be parked. */
#define PVF_GNTTAB_DEFERRED_MAX 64u

struct pvf_gnttab {
	grant_entry_v1_t *entries; /* nr_entries shared entries */
	uint32_t nr_entries;       /* size of the table */
	uint32_t first_ref;        /* lowest reference handed out */
	uint32_t *next;            /* per ref: next free ref, or a state mark */
	uint32_t head, tail;       /* FIFO of free refs (oldest freed first) */
	uint32_t nr_free;          /* refs on the free list */
	uint32_t in_use;           /* refs granted and not yet ended */
	uint32_t nr_deferred;      /* valid entries of deferred[] */
	uint32_t deferred[PVF_GNTTAB_DEFERRED_MAX]; /* refs awaiting retry */
};

/*
 * pvf_gnttab_init - set up a manager over @entries.
 *
 * @t: the manager (caller-owned, overwritten).
 * @entries: @nr_entries entries; those from @first_ref on are cleared.
 * @nr_entries: table size (>= @first_ref + 1, < 2^31).
 * @first_ref: first reference to hand out (8 on Xen).
 * @freelist_storage: @nr_entries uint32_t owned by the caller for the
 *                    manager's lifetime.
 * Returns 0; -PVF_EINVAL for NULL pointers or bad sizes.
 */
int pvf_gnttab_init(struct pvf_gnttab *t, grant_entry_v1_t *entries,
		    uint32_t nr_entries, uint32_t first_ref,
		    uint32_t *freelist_storage);

/*
 * pvf_gnttab_grant - grant @domid access to @frame.
 *
 * Writes domid and frame, a write barrier, then the flags
 * (GTF_permit_access, plus GTF_readonly when @readonly), so the grantee
 * never sees a valid entry with stale contents.
 * On success *ref holds the reference, owned by the caller until a
 * successful pvf_gnttab_end().
 * Returns 0; -PVF_ENOSPC when no reference is free; -PVF_EINVAL if @frame
 * does not fit the 32-bit v1 frame field or @ref is NULL.
 */
int pvf_gnttab_grant(struct pvf_gnttab *t, pvf_domid_t domid, uint64_t frame,
		     int readonly, uint32_t *ref);

/*
 * pvf_gnttab_end - end access through @ref.
 *
 * Atomically clears the flags only if neither GTF_reading nor GTF_writing
 * is set, then returns @ref to the free list.
 * Returns 0; -PVF_EBUSY if the grantee still maps the frame (the entry stays
 * valid, @ref stays owned by the caller, the page must not be reused);
 * -PVF_EBADF for a reference out of range or not in use.
 */
int pvf_gnttab_end(struct pvf_gnttab *t, uint32_t ref);

/*
 * pvf_gnttab_end_or_defer - end @ref now, or park it for a later retry.
 *
 * On -PVF_EBUSY from the end, @ref moves to the manager's deferred list and
 * is ended by pvf_gnttab_retry_deferred() once the grantee lets go; the
 * caller gives up @ref but must not reuse or free the page until
 * pvf_gnttab_is_deferred(t, ref) is false.
 * Returns 0 (ended); 1 (deferred); -PVF_ENOSPC (deferred list full: the
 * entry is still valid and still owned by the caller); -PVF_EBADF.
 */
int pvf_gnttab_end_or_defer(struct pvf_gnttab *t, uint32_t ref);

/*
 * pvf_gnttab_retry_deferred - try to end every deferred reference again.
 * Returns the number of references still deferred (>= 0).
 */
int pvf_gnttab_retry_deferred(struct pvf_gnttab *t);

/* Returns 1 if @ref is on the deferred list, 0 otherwise. */
int pvf_gnttab_is_deferred(const struct pvf_gnttab *t, uint32_t ref);

/* Returns the number of references granted and not yet ended (deferred
 * ones included), for leak checks. */
uint32_t pvf_gnttab_in_use(const struct pvf_gnttab *t);

/* Returns the number of references on the deferred list. */
uint32_t pvf_gnttab_nr_deferred(const struct pvf_gnttab *t);

#endif /* PVFRONT_GNTTAB_H */
