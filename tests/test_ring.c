/* SPDX-License-Identifier: BSD-2-Clause */
/* Hardened ring consumer helpers and the sticky broken state. */
#include <stdlib.h>
#include <string.h>
#include <pvfront/ring.h>
#include "cu.h"
#include "fake_platform.h"

/* A tiny concrete ring type for the test. */
struct tring_request {
	uint32_t id;
	uint32_t op;
};
struct tring_response {
	uint32_t id;
	int32_t status;
	uint64_t cookie;
};
_Static_assert(sizeof(struct tring_request) == 8, "test request size");
_Static_assert(sizeof(struct tring_response) == 16, "test response size");
DEFINE_RING_TYPES(tring, struct tring_request, struct tring_response);

struct rig {
	void *page;
	struct tring_sring *s;
	struct tring_front_ring front;
	struct tring_back_ring back;
	RING_IDX published; /* the frontend's private "last req_prod" */
};

static void rig_init(struct rig *r)
{
	r->page = aligned_alloc(PVF_PAGE_SIZE, PVF_PAGE_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->page);
	memset(r->page, 0, PVF_PAGE_SIZE);
	r->s = r->page;
	SHARED_RING_INIT(r->s);
	FRONT_RING_INIT(&r->front, r->s, PVF_PAGE_SIZE);
	BACK_RING_INIT(&r->back, r->s, PVF_PAGE_SIZE);
	r->published = 0;
}

static void rig_fini(struct rig *r)
{
	free(r->page);
}

/* Backend: answer @n requests with id = cookie = index. */
static void backend_respond(struct rig *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct tring_response *rsp = RING_GET_RESPONSE(&r->back, r->back.rsp_prod_pvt);

		rsp->id = r->back.rsp_prod_pvt;
		rsp->status = 0;
		rsp->cookie = 0x1000u + r->back.rsp_prod_pvt;
		r->back.rsp_prod_pvt++;
	}
	RING_PUSH_RESPONSES(&r->back);
}

static void test_ring_size(void)
{
	struct rig r;

	rig_init(&r);
	/* 4096-byte page, 64-byte header, 16-byte entries -> 252 rounded to 128 */
	CU_ASSERT_EQUAL(RING_SIZE(&r.front), 128);
	rig_fini(&r);
}

static void test_responses_counted_and_copied(void)
{
	struct rig r;
	RING_IDX prod = 0xdead, i;
	int n;

	rig_init(&r);
	CU_ASSERT_EQUAL(PVF_RING_RESPONSES(&r.front, &prod), 0);
	CU_ASSERT_EQUAL(prod, 0);
	backend_respond(&r, 5);
	n = PVF_RING_RESPONSES(&r.front, &prod);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_EQUAL(prod, 5);
	for (i = r.front.rsp_cons; i != prod; i++) {
		struct tring_response copy;
		struct tring_response *shared = RING_GET_RESPONSE(&r.front, i);

		PVF_RING_COPY_RESPONSE(&r.front, i, &copy);
		/* the backend scribbles after the copy: the copy must not change */
		shared->id = 0xffffffffu;
		shared->cookie = 0;
		CU_ASSERT_EQUAL(copy.id, i);
		CU_ASSERT_EQUAL(copy.cookie, 0x1000u + i);
	}
	r.front.rsp_cons = prod;
	CU_ASSERT_EQUAL(PVF_RING_RESPONSES(&r.front, &prod), 0);
	rig_fini(&r);
}

static void test_full_ring_is_legal(void)
{
	struct rig r;
	RING_IDX prod;

	rig_init(&r);
	/* exactly a ring's worth (producer == cons + nr_ents) is fine */
	r.s->rsp_prod = r.front.rsp_cons + RING_SIZE(&r.front);
	CU_ASSERT_EQUAL(PVF_RING_RESPONSES(&r.front, &prod), (int)RING_SIZE(&r.front));
	rig_fini(&r);
}

static void test_overflow_is_eproto(void)
{
	struct rig r;
	RING_IDX prod = 77;

	rig_init(&r);
	r.s->rsp_prod = RING_SIZE(&r.front) + 1;
	CU_ASSERT_EQUAL(PVF_RING_RESPONSES(&r.front, &prod), -PVF_EPROTO);
	CU_ASSERT_EQUAL(prod, 77);
	/* a producer "behind" the consumer wraps to a huge count: also EPROTO */
	r.front.rsp_cons = 10;
	r.s->rsp_prod = 9;
	CU_ASSERT_EQUAL(PVF_RING_RESPONSES(&r.front, &prod), -PVF_EPROTO);
	/* wrap-around of the 32-bit index is not an overflow */
	r.front.rsp_cons = 0xfffffffeu;
	r.s->rsp_prod = 3;
	CU_ASSERT_EQUAL(PVF_RING_RESPONSES(&r.front, &prod), 5);
	CU_ASSERT_EQUAL(prod, 3);
	/* the final check sees it too */
	r.front.rsp_cons = 0;
	r.s->rsp_prod = 0x80000000u;
	CU_ASSERT_EQUAL(PVF_RING_FINAL_CHECK(&r.front), -PVF_EPROTO);
	rig_fini(&r);
}

static void test_final_check_rearms(void)
{
	struct rig r;
	RING_IDX prod;
	int more;

	rig_init(&r);
	backend_respond(&r, 2);
	/* responses pending: no re-arm, count returned */
	r.s->rsp_event = 1;
	CU_ASSERT_EQUAL(PVF_RING_FINAL_CHECK(&r.front), 2);
	CU_ASSERT_EQUAL(r.s->rsp_event, 1);
	CU_ASSERT_EQUAL(PVF_RING_RESPONSES(&r.front, &prod), 2);
	r.front.rsp_cons = prod;
	/* drained: re-armed to cons + 1, nothing more */
	CU_ASSERT_EQUAL(PVF_RING_FINAL_CHECK(&r.front), 0);
	CU_ASSERT_EQUAL(r.s->rsp_event, 3);
	/* the backend now pushes one response and, since rsp_event was
	 * re-armed, must be told to notify */
	{
		int notify;
		struct tring_response *rsp = RING_GET_RESPONSE(&r.back, r.back.rsp_prod_pvt);

		rsp->id = 2;
		r.back.rsp_prod_pvt++;
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&r.back, notify);
		CU_ASSERT_TRUE(notify);
	}
	more = PVF_RING_FINAL_CHECK(&r.front);
	CU_ASSERT_EQUAL(more, 1);
	rig_fini(&r);
}

/* The lost-wake-up window: the backend pushes between the consumer's drain
 * and its re-arm, without notifying (rsp_event was stale).  The final check
 * must see the response. */
static void test_final_check_catches_race(void)
{
	struct rig r;
	RING_IDX prod;
	int notify;

	rig_init(&r);
	backend_respond(&r, 1);
	CU_ASSERT_EQUAL(PVF_RING_RESPONSES(&r.front, &prod), 1);
	r.front.rsp_cons = prod;
	/* stale rsp_event (1, already passed): the backend will not notify */
	{
		struct tring_response *rsp = RING_GET_RESPONSE(&r.back, r.back.rsp_prod_pvt);

		rsp->id = 1;
		r.back.rsp_prod_pvt++;
		RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&r.back, notify);
		CU_ASSERT_FALSE(notify);
	}
	CU_ASSERT_EQUAL(PVF_RING_FINAL_CHECK(&r.front), 1);
	rig_fini(&r);
}

static void test_push_notify_decision(void)
{
	struct rig r;
	unsigned int i;

	rig_init(&r);
	/* fresh ring: req_event = 1, so the first push notifies */
	for (i = 0; i < 3; i++) {
		struct tring_request *req = RING_GET_REQUEST(&r.front, r.front.req_prod_pvt);

		req->id = i;
		r.front.req_prod_pvt++;
	}
	CU_ASSERT_EQUAL(PVF_RING_PUSH_REQUESTS(&r.front, &r.published), 1);
	CU_ASSERT_EQUAL(r.s->req_prod, 3);
	CU_ASSERT_EQUAL(r.published, 3);
	/* the backend is busy (req_event not re-armed past 3): no notify */
	r.front.req_prod_pvt++;
	CU_ASSERT_EQUAL(PVF_RING_PUSH_REQUESTS(&r.front, &r.published), 0);
	CU_ASSERT_EQUAL(r.s->req_prod, 4);
	/* the backend drained and re-armed req_event = 5 */
	r.s->req_event = 5;
	r.front.req_prod_pvt += 2;
	CU_ASSERT_EQUAL(PVF_RING_PUSH_REQUESTS(&r.front, &r.published), 1);
	/* req_event far ahead: no notify */
	r.s->req_event = 100;
	r.front.req_prod_pvt++;
	CU_ASSERT_EQUAL(PVF_RING_PUSH_REQUESTS(&r.front, &r.published), 0);
	/* a hostile backend rewriting req_prod does not change the decision:
	 * the private published index is used */
	r.s->req_event = 8;
	r.s->req_prod = 0x5555;
	r.front.req_prod_pvt++;
	CU_ASSERT_EQUAL(PVF_RING_PUSH_REQUESTS(&r.front, &r.published), 1);
	CU_ASSERT_EQUAL(r.s->req_prod, 8);
	/* same as Xen's macro on an honest ring */
	{
		int notify;

		r.s->req_event = 9;
		r.front.req_prod_pvt++;
		RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&r.front, notify);
		CU_ASSERT_TRUE(notify);
		r.published = r.front.req_prod_pvt;
	}
	rig_fini(&r);
}

static void test_broken_sticky(void)
{
	struct pvf_fake *f = pvf_fake_new();
	struct pvf_broken b = { 0 };

	CU_ASSERT_EQUAL(pvf_broken_get(&b), 0);
	CU_ASSERT_EQUAL(pvf_broken_set(&b, pvf_fake_platform(f), -PVF_EPROTO, "rsp overflow"),
			-PVF_EPROTO);
	CU_ASSERT_EQUAL(pvf_broken_set(&b, pvf_fake_platform(f), -PVF_EIO, "later"),
			-PVF_EPROTO);
	CU_ASSERT_EQUAL(pvf_broken_set(&b, NULL, 5, "positive"), -PVF_EPROTO);
	CU_ASSERT_EQUAL(pvf_broken_get(&b), -PVF_EPROTO);
	CU_ASSERT_EQUAL(b.count, 3);
	CU_ASSERT_STRING_EQUAL(b.what, "rsp overflow");
	/* logged once */
	CU_ASSERT_EQUAL(pvf_fake_log_count(f, PVF_LOG_ERR), 1);
	CU_ASSERT_TRUE(pvf_fake_log_contains(f, "rsp overflow"));
	CU_ASSERT_FALSE(pvf_fake_log_contains(f, "later"));
	pvf_broken_clear(&b);
	CU_ASSERT_EQUAL(pvf_broken_get(&b), 0);
	CU_ASSERT_EQUAL(pvf_broken_set(&b, NULL, 0, NULL), -PVF_EPROTO);
	CU_ASSERT_EQUAL(pvf_fake_leaks(f, NULL, 0), 0);
	pvf_fake_free(f);
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_ring_size),
		PVF_TEST(test_responses_counted_and_copied),
		PVF_TEST(test_full_ring_is_legal),
		PVF_TEST(test_overflow_is_eproto),
		PVF_TEST(test_final_check_rearms),
		PVF_TEST(test_final_check_catches_race),
		PVF_TEST(test_push_notify_decision),
		PVF_TEST(test_broken_sticky),
		PVF_TEST_END
	};
	return pvf_test_run("ring", tests, NULL, NULL);
}
