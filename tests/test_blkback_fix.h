/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fixture for the blkback tests: embedded xenstore + simulated hypervisor
 * + guest, a backend directory pair, and a raw frontend that puts
 * hand-made (also invalid) requests on a one-page ring.
 */
#ifndef PVF_TESTS_BLKBACK_FIX_H
#define PVF_TESTS_BLKBACK_FIX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>
#include <pvfront/errno.h>
#include <pvfront/xsd.h>
#include "../harness/blkback.h"
#include "cu.h"

static struct pvf_xsd *fx_xsd;
static struct pvf_lb_hv *fx_hv;
static struct pvf_lb_guest *fx_g;
static char fx_fe[128], fx_be[128];
static unsigned int fx_devid = 51712;

static int fx_init(void)
{
	struct pvf_lb_config lc;

	setenv("PVF_BLKBACK_QUIET", "1", 1);
	if (pvf_xsd_create(NULL, &fx_xsd) || pvf_xsd_start(fx_xsd))
		return -1;
	setenv("XENSTORED_PATH", pvf_xsd_socket_path(fx_xsd), 1);
	pvf_lb_config_init(&lc);
	lc.guest_pages = 32768;
	if (pvf_lb_hv_create(&lc, &fx_hv) || pvf_lb_guest_open(fx_hv, &fx_g) ||
	    pvf_lb_guest_xs_connect(fx_g, pvf_xsd_socket_path(fx_xsd)))
		return -1;
	return 0;
}

static int fx_fini(void)
{
	pvf_lb_guest_close(fx_g);
	pvf_lb_hv_destroy(fx_hv);
	pvf_xsd_stop(fx_xsd);
	pvf_xsd_destroy(fx_xsd);
	return 0;
}

/* New device directories for each test. */
static void fx_dirs(const struct pvf_bb_config *bc)
{
	fx_devid++;
	CU_ASSERT_EQUAL_FATAL(pvf_bb_toolstack_add(fx_devid, pvf_lb_guest_domid(fx_g), 0, bc,
						   fx_fe, sizeof(fx_fe), fx_be, sizeof(fx_be)), 0);
}

static char *fx_read(const char *dir, const char *key)
{
	static char buf[128];
	char path[256];
	struct xs_handle *xs = xs_open(0);
	unsigned int len = 0;
	char *v;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	v = xs ? xs_read(xs, XBT_NULL, path, &len) : NULL;
	if (xs)
		xs_close(xs);
	if (!v)
		return NULL;
	snprintf(buf, sizeof(buf), "%s", v);
	free(v);
	return buf;
}

static void fx_write(const char *dir, const char *key, const char *val)
{
	char path[256];
	struct xs_handle *xs = xs_open(0);

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	CU_ASSERT_TRUE(xs && xs_write(xs, XBT_NULL, path, val, strlen(val)));
	if (xs)
		xs_close(xs);
}

/* No grant of the guest is mapped any more. */
static void fx_assert_unmapped(void)
{
	struct pvf_lb_stats st;

	CU_ASSERT_EQUAL(pvf_lb_hv_stats(fx_hv, &st), 0);
	CU_ASSERT_EQUAL(st.grants_mapped, 0);
}

/* ---- a raw frontend: one-page ring, one data page, one indirect page ---- */

struct rawfe {
	const struct pvf_platform *p;
	blkif_front_ring_t fr;
	void *ring, *data, *ind;
	uint64_t fr_ring, fr_data, fr_ind;
	uint32_t ref_ring, ref_data, ref_ind, port;
};

static int fx_wait_be(uint32_t want, int ms)
{
	int i;

	for (i = 0; i < ms; i++) {
		const char *v = fx_read(fx_be, "state");

		if (v && (uint32_t)atoi(v) == want)
			return 0;
		pvf_lb_guest_poll(fx_g, 1);
	}
	return -1;
}

static __attribute__((unused)) void raw_open(struct rawfe *r)
{
	char num[32];
	const struct pvf_platform *p = pvf_lb_guest_platform(fx_g);

	memset(r, 0, sizeof(*r));
	r->p = p;
	CU_ASSERT_EQUAL_FATAL(p->ops->page_alloc(p->ctx, 1, &r->ring, &r->fr_ring), 0);
	CU_ASSERT_EQUAL_FATAL(p->ops->page_alloc(p->ctx, 1, &r->data, &r->fr_data), 0);
	CU_ASSERT_EQUAL_FATAL(p->ops->page_alloc(p->ctx, 1, &r->ind, &r->fr_ind), 0);
	CU_ASSERT_EQUAL_FATAL(p->ops->gnt_grant(p->ctx, 0, r->fr_ring, 0, &r->ref_ring), 0);
	CU_ASSERT_EQUAL_FATAL(p->ops->gnt_grant(p->ctx, 0, r->fr_data, 0, &r->ref_data), 0);
	CU_ASSERT_EQUAL_FATAL(p->ops->gnt_grant(p->ctx, 0, r->fr_ind, 0, &r->ref_ind), 0);
	CU_ASSERT_EQUAL_FATAL(p->ops->evtchn_alloc_unbound(p->ctx, 0, &r->port), 0);
	SHARED_RING_INIT((blkif_sring_t *)r->ring);
	FRONT_RING_INIT(&r->fr, (blkif_sring_t *)r->ring, PVF_PAGE_SIZE);
	fx_write(fx_fe, "state", "1");
	CU_ASSERT_EQUAL_FATAL(fx_wait_be(2, 3000), 0);
	snprintf(num, sizeof(num), "%u", r->ref_ring);
	fx_write(fx_fe, "ring-ref", num);
	snprintf(num, sizeof(num), "%u", r->port);
	fx_write(fx_fe, "event-channel", num);
	fx_write(fx_fe, "protocol", "x86_64-abi");
	fx_write(fx_fe, "state", "3");
	CU_ASSERT_EQUAL_FATAL(fx_wait_be(4, 3000), 0);
	fx_write(fx_fe, "state", "4");
}

/* Push @req and wait for one response.  Returns its status, or 99 on
 * timeout.  *rsp_id receives the id. */
static __attribute__((unused)) int raw_do(struct rawfe *r, const void *req, size_t len, uint64_t *rsp_id)
{
	void *slot = RING_GET_REQUEST(&r->fr, r->fr.req_prod_pvt);
	int notify, i;

	memset(slot, 0, sizeof(struct blkif_request));
	memcpy(slot, req, len);
	r->fr.req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&r->fr, notify);
	if (notify)
		r->p->ops->evtchn_notify(r->p->ctx, r->port);
	for (i = 0; i < 3000; i++) {
		if (RING_HAS_UNCONSUMED_RESPONSES(&r->fr)) {
			struct blkif_response rsp;

			pvf_rmb();
			memcpy(&rsp, RING_GET_RESPONSE(&r->fr, r->fr.rsp_cons), sizeof(rsp));
			r->fr.rsp_cons++;
			if (rsp_id)
				*rsp_id = rsp.id;
			return rsp.status;
		}
		pvf_lb_guest_poll(fx_g, 1);
	}
	return 99;
}

static __attribute__((unused)) void raw_close(struct rawfe *r)
{
	const struct pvf_platform *p = r->p;

	fx_write(fx_fe, "state", "5");
	fx_wait_be(5, 3000);
	fx_write(fx_fe, "state", "6");
	fx_wait_be(6, 3000);
	CU_ASSERT_EQUAL(p->ops->gnt_end(p->ctx, r->ref_ring), 0);
	CU_ASSERT_EQUAL(p->ops->gnt_end(p->ctx, r->ref_data), 0);
	CU_ASSERT_EQUAL(p->ops->gnt_end(p->ctx, r->ref_ind), 0);
	p->ops->evtchn_close(p->ctx, r->port);
	p->ops->page_free(p->ctx, r->ring, 1);
	p->ops->page_free(p->ctx, r->data, 1);
	p->ops->page_free(p->ctx, r->ind, 1);
}

#endif
