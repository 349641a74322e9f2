/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Hardened shared-ring consumer helpers and the sticky broken state.
 */
#include "internal.h"
#include <pvfront/ring.h>

PVF_API int pvf_ring_responses(const RING_IDX *rsp_prod, RING_IDX rsp_cons,
			       unsigned int nr_ents, RING_IDX *prod)
{
	RING_IDX p = PVF_READ_ONCE(*rsp_prod);

	/* Pairs with the backend's wmb before it stores rsp_prod: responses
	 * up to p are visible once we see p. */
	pvf_rmb();
	if ((RING_IDX)(p - rsp_cons) > nr_ents)
		return -PVF_EPROTO;
	*prod = p;
	return (int)(RING_IDX)(p - rsp_cons);
}

PVF_API int pvf_ring_final_check(RING_IDX *rsp_event, const RING_IDX *rsp_prod,
				 RING_IDX rsp_cons, unsigned int nr_ents)
{
	RING_IDX prod;
	int n = pvf_ring_responses(rsp_prod, rsp_cons, nr_ents, &prod);

	if (n != 0)
		return n;
	PVF_WRITE_ONCE(*rsp_event, rsp_cons + 1);
	/* Pairs with the backend's mb between storing rsp_prod and reading
	 * rsp_event: either it sees our new rsp_event and notifies, or we see
	 * its new rsp_prod below. */
	pvf_mb();
	return pvf_ring_responses(rsp_prod, rsp_cons, nr_ents, &prod);
}

PVF_API int pvf_ring_push_requests(RING_IDX *req_prod, const RING_IDX *req_event,
				   RING_IDX old_prod, RING_IDX req_prod_pvt)
{
	RING_IDX ev;

	/* Pairs with the backend's rmb after reading req_prod: it sees the
	 * request bodies before the index. */
	pvf_wmb();
	PVF_WRITE_ONCE(*req_prod, req_prod_pvt);
	/* Pairs with the backend's mb in RING_FINAL_CHECK_FOR_REQUESTS: it
	 * sees the new index before we read req_event. */
	pvf_mb();
	ev = PVF_READ_ONCE(*req_event);
	return (RING_IDX)(req_prod_pvt - ev) < (RING_IDX)(req_prod_pvt - old_prod);
}

PVF_API int pvf_ring_push_requests_track(RING_IDX *req_prod, const RING_IDX *req_event,
					 RING_IDX *oldp, RING_IDX req_prod_pvt)
{
	int notify = pvf_ring_push_requests(req_prod, req_event, *oldp, req_prod_pvt);

	*oldp = req_prod_pvt;
	return notify;
}

PVF_API void pvf_ring_copy(void *dst, const void *shared, size_t n)
{
	memcpy(dst, shared, n);
	/* The shared bytes may change after this point: every later use must
	 * come from @dst, never from a re-read of @shared. */
	pvf_barrier();
}

PVF_API int pvf_broken_set(struct pvf_broken *b, const struct pvf_platform *p, int err,
			   const char *what)
{
	if (err >= 0)
		err = -PVF_EPROTO;
	if (b->count < UINT32_MAX)
		b->count++;
	if (b->err)
		return b->err;
	b->err = err;
	b->what = what;
	if (p)
		pvf_err(p, "device broken: %s (%s)", what ? what : "error", pvf_strerror(err));
	return err;
}

PVF_API void pvf_broken_clear(struct pvf_broken *b)
{
	b->err = 0;
	b->what = NULL;
	b->count = 0;
}
