/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hardened consumer helpers for Xen shared rings (frontend side), and the
 * sticky "broken" state frontends embed.
 *
 * Ring types are generated per protocol by DEFINE_RING_TYPES() in
 * <xen/io/ring.h>, so the helpers are functions over the index fields that
 * every shared ring has in the same place (req_prod, req_event, rsp_prod,
 * rsp_event), wrapped by macros that take any front ring:
 *
 *   n = PVF_RING_RESPONSES(&front, &prod);   // prod read once, rmb, checked
 *   if (n < 0) -> backend overflowed the ring: pvf_broken_set(..., n)
 *   for (i = front.rsp_cons; i != prod; i++) {
 *       struct foo_response rsp;
 *       PVF_RING_COPY_RESPONSE(&front, i, &rsp);  // use only the copy
 *       ...validate rsp.id against the private shadow table...
 *   }
 *   front.rsp_cons = prod;
 *   n = PVF_RING_FINAL_CHECK(&front);         // re-arm rsp_event, re-check
 *   if (n > 0) go round again (no lost wake-up)
 *
 *   ...fill requests at front.req_prod_pvt...
 *   if (PVF_RING_PUSH_REQUESTS(&front)) notify the backend
 *
 * The shared page belongs to both ends; the front ring struct (indices
 * rsp_cons, req_prod_pvt) is private to the frontend and trusted.  Shared
 * indices are read once (PVF_READ_ONCE) and never trusted for anything but
 * the count they imply, after the overflow check.
 */
#ifndef PVFRONT_RING_H
#define PVFRONT_RING_H

#include <stdint.h>
#include <pvfront/xen.h>
#include <pvfront/platform.h>

/* The shared index block at the start of every sring (ring.h layout). */
_Static_assert(sizeof(RING_IDX) == 4, "RING_IDX is 32 bits on the wire");

/*
 * pvf_ring_responses - how many responses the backend has produced.
 *
 * Reads *@rsp_prod once, then a read barrier (pairs with the backend's write
 * barrier before it publishes rsp_prod, RING_PUSH_RESPONSES), then rejects
 * a producer more than @nr_ents ahead of @rsp_cons (unsigned RING_IDX
 * arithmetic, RING_RESPONSE_PROD_OVERFLOW).  On success *@prod receives the
 * producer value to consume up to.
 * Returns the number of responses available (0..@nr_ents); -PVF_EPROTO if
 * the producer overflowed the ring (*@prod untouched).
 */
int pvf_ring_responses(const RING_IDX *rsp_prod, RING_IDX rsp_cons,
		       unsigned int nr_ents, RING_IDX *prod);

/*
 * pvf_ring_final_check - after draining: re-arm rsp_event and look again.
 *
 * If responses are already pending returns their count without touching
 * rsp_event.  Otherwise writes *@rsp_event = @rsp_cons + 1, a full barrier
 * (pairs with the backend's barrier between publishing rsp_prod and reading
 * rsp_event in RING_PUSH_RESPONSES_AND_CHECK_NOTIFY), and re-checks, so a
 * response pushed between the drain and the re-arm is seen here instead of
 * being lost (RING_FINAL_CHECK_FOR_RESPONSES semantics).
 * Returns the count available (0 means sleep until the next event);
 * -PVF_EPROTO on producer overflow.
 */
int pvf_ring_final_check(RING_IDX *rsp_event, const RING_IDX *rsp_prod,
			 RING_IDX rsp_cons, unsigned int nr_ents);

/*
 * pvf_ring_push_requests - publish requests up to @req_prod_pvt.
 *
 * Write barrier (the backend sees the requests before the index; pairs with
 * its read barrier after reading req_prod), store *@req_prod, full barrier
 * (the backend sees the index before we read req_event; pairs with the
 * backend's barrier in RING_FINAL_CHECK_FOR_REQUESTS), then reads req_event
 * once.  @old_prod is the value the frontend last published (private copy:
 * the shared req_prod is never read back).
 * Returns 1 if the backend asked to be notified, 0 otherwise.
 */
int pvf_ring_push_requests(RING_IDX *req_prod, const RING_IDX *req_event,
			   RING_IDX old_prod, RING_IDX req_prod_pvt);

/* Copy @n bytes out of shared memory once into the private @dst, then a
 * compiler barrier so later uses cannot be turned into re-reads. */
void pvf_ring_copy(void *dst, const void *shared, size_t n);

/* ---- wrappers over any front ring type ---------------------------------- */

/* Count of responses available, *(prodp) = producer; or -PVF_EPROTO. */
#define PVF_RING_RESPONSES(r, prodp) \
	pvf_ring_responses(&(r)->sring->rsp_prod, (r)->rsp_cons, (r)->nr_ents, (prodp))

/* Copy response @idx into the private *(dst), a response of the ring's type. */
#define PVF_RING_COPY_RESPONSE(r, idx, dst) do {                                  \
	_Static_assert(sizeof(*(dst)) == sizeof(*RING_GET_RESPONSE((r), (idx))),  \
		       "copy into a response of the ring's own type");            \
	pvf_ring_copy((dst), RING_GET_RESPONSE((r), (idx)), sizeof(*(dst)));      \
} while (0)

/* After draining: count of new responses (0: sleep) or -PVF_EPROTO. */
#define PVF_RING_FINAL_CHECK(r) \
	pvf_ring_final_check(&(r)->sring->rsp_event, &(r)->sring->rsp_prod, \
			     (r)->rsp_cons, (r)->nr_ents)

/* Publish requests; evaluates to 1 if the backend must be notified.  Uses
 * the caller's private @oldp (a RING_IDX) as "last published" and updates
 * it, so the shared req_prod is never read back. */
#define PVF_RING_PUSH_REQUESTS(r, oldp) \
	pvf_ring_push_requests_track(&(r)->sring->req_prod, &(r)->sring->req_event, \
				     (oldp), (r)->req_prod_pvt)

/* As pvf_ring_push_requests; also stores @req_prod_pvt into *@oldp. */
int pvf_ring_push_requests_track(RING_IDX *req_prod, const RING_IDX *req_event,
				 RING_IDX *oldp, RING_IDX req_prod_pvt);

/* ---- sticky broken state ----------------------------------------------- */

/*
 * A frontend embeds one struct pvf_broken.  The first error wins and is
 * logged once (at ERR); later errors only count.  Only a reconnect clears
 * it (pvf_broken_clear).  Fields are private; use the functions.
 */
struct pvf_broken {
	int err;            /* 0 or the first negative PVF_E* code */
	const char *what;   /* static description of the first error */
	uint32_t count;     /* errors reported, including the first */
};

/*
 * pvf_broken_set - record @err (negative; 0 or positive are treated as
 * -PVF_EPROTO) with a static description @what (may be NULL), logging the
 * first one through @p (may be NULL: no log).
 * Returns the sticky error (the first one recorded), always < 0.
 */
int pvf_broken_set(struct pvf_broken *b, const struct pvf_platform *p, int err,
		   const char *what);

/* Returns 0 if healthy, else the sticky error (< 0). */
static inline int pvf_broken_get(const struct pvf_broken *b)
{
	return b->err;
}

/* Forget the error (after a reconnect). */
void pvf_broken_clear(struct pvf_broken *b);

#endif /* PVFRONT_RING_H */
