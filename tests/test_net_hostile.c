/* SPDX-License-Identifier: BSD-2-Clause */
/* Network frontend core against a hostile backend: every protocol
 * violation leaves the device broken (-PVF_EPROTO), never crashed, every
 * packet completed exactly once, and every teardown clean. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cu.h"
#include "net_testback.h"

static struct ntb_fx *up(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);

	if (ntb_fx_connect(fx) != 0) {
		CU_FAIL("connect");
	}
	return fx;
}

/* The device must be broken and refuse work, then tear down cleanly. */
static void expect_broken(struct ntb_fx *fx, int poll_result)
{
	struct tpkt t;

	CU_ASSERT_EQUAL(poll_result, -PVF_EPROTO);
	CU_ASSERT(pvf_net_is_broken(&fx->net));
	CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), -PVF_EPROTO);
	tpkt_make(&t, fx, 100, 0, 0, 1);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), -PVF_EPROTO);
	CU_ASSERT_EQUAL(t.calls, 0);
	tpkt_free(&t);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static netif_rx_response_t rsp(uint16_t id, uint16_t off, uint16_t flags, int16_t st)
{
	netif_rx_response_t r;

	r.id = id;
	r.offset = off;
	r.flags = flags;
	r.status = st;
	return r;
}

static netif_rx_response_t extra(uint8_t type, uint8_t flags)
{
	netif_extra_info_t ex;
	netif_rx_response_t r;

	memset(&ex, 0, sizeof(ex));
	ex.type = type;
	ex.flags = flags;
	ex.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
	ex.u.gso.size = 1000;
	memcpy(&r, &ex, sizeof(r));
	return r;
}

static void rx_case(const netif_rx_response_t *r, unsigned int n)
{
	struct ntb_fx *fx = up();

	ntb_rx_raw(&fx->tb, 0, r, n);
	expect_broken(fx, pvf_net_on_event(&fx->net, pvf_net_port(&fx->net, 0, 1)));
}

static void test_rx_offset_len_past_page(void)
{
	netif_rx_response_t r = rsp(NTB_ID_AUTO, 4000, 0, 200);

	rx_case(&r, 1);
	r = rsp(NTB_ID_AUTO, 4096, 0, 0);
	rx_case(&r, 1);
	r = rsp(NTB_ID_AUTO, 0, 0, 4097);
	rx_case(&r, 1);
}

static void test_rx_bad_id(void)
{
	netif_rx_response_t r = rsp(5, 0, 0, 100);

	rx_case(&r, 1);
}

static void test_rx_unknown_extra(void)
{
	netif_rx_response_t r[2] = { rsp(NTB_ID_AUTO, 0, NETRXF_extra_info, 100),
				     extra(7, 0) };

	rx_case(r, 2);
	r[1] = extra(XEN_NETIF_EXTRA_TYPE_MCAST_ADD, 0); /* not for RX */
	rx_case(r, 2);
	r[1] = extra(XEN_NETIF_EXTRA_TYPE_NONE, 0);
	rx_case(r, 2);
}

static void test_rx_past_producer(void)
{
	netif_rx_response_t r[2] = { rsp(NTB_ID_AUTO, 0, NETRXF_more_data, 100),
				     extra(XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE) };

	rx_case(r, 1); /* more_data, nothing follows */
	r[0].flags = NETRXF_extra_info;
	rx_case(r, 1); /* extra announced, nothing follows */
	rx_case(r, 2); /* extra says MORE, nothing follows */
}

static void test_rx_chain_too_long(void)
{
	netif_rx_response_t r[19];
	unsigned int i;

	for (i = 0; i < 19; i++)
		r[i] = rsp(NTB_ID_AUTO, 0, i < 18 ? NETRXF_more_data : 0, 100);
	rx_case(r, 19);
	/* 18 is fine */
	{
		struct ntb_fx *fx = up();

		r[17].flags = 0;
		ntb_rx_raw(&fx->tb, 0, r, 18);
		CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), 18);
		CU_ASSERT_EQUAL(fx->rx.count, 1);
		CU_ASSERT_EQUAL(fx->rx.len, 1800);
		CU_ASSERT_EQUAL(fx->rx.nr_frags, 18);
		CU_ASSERT(!pvf_net_is_broken(&fx->net));
		CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
	}
}

static void test_rx_producer_overflow(void)
{
	struct ntb_fx *fx = up();

	fx->tb.q[0].rx.sring->rsp_prod = fx->tb.q[0].rx.rsp_prod_pvt + 1000;
	expect_broken(fx, pvf_net_poll(&fx->net));
	/* within a ring, but more than the 64 requests outstanding */
	fx = up();
	fx->tb.q[0].rx.sring->rsp_prod = fx->tb.q[0].rx.rsp_prod_pvt + 100;
	expect_broken(fx, pvf_net_poll(&fx->net));
}

static void test_rx_grant_still_mapped(void)
{
	struct ntb_fx *fx = up();
	netif_rx_request_t *req = RING_GET_REQUEST(&fx->tb.q[0].rx, fx->tb.q[0].rx.req_cons);
	netif_rx_response_t r = rsp(NTB_ID_AUTO, 0, 0, 100);

	fx->tb.held_ref = req->gref;
	fx->tb.holding = 1;
	pvf_fake_gnt_set_mapped(fx->f, req->gref, 1);
	ntb_rx_raw(&fx->tb, 0, &r, 1);
	CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), -PVF_EPROTO);
	CU_ASSERT_EQUAL(fx->rx.count, 0); /* the page was never read */
	CU_ASSERT_EQUAL(pvf_net_held_grants(&fx->net), 1);
	expect_broken(fx, -PVF_EPROTO); /* detach unmaps, then all is ended */
}

static void test_tx_bad_and_duplicate_id(void)
{
	struct ntb_fx *fx = up();
	struct tpkt a, b;

	tpkt_make(&a, fx, 100, 0, 0, 1);
	fx->tb.tx_mis = NTB_TX_BAD_ID;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &a.tx), 0);
	ntb_tx_run(&fx->tb, 0);
	CU_ASSERT_EQUAL(pvf_net_on_event(&fx->net, pvf_net_port(&fx->net, 0, 0)), -PVF_EPROTO);
	CU_ASSERT(pvf_net_is_broken(&fx->net));
	CU_ASSERT_EQUAL(a.calls, 0);
	ntb_detach(&fx->tb);
	CU_ASSERT_EQUAL(pvf_net_destroy(&fx->net), 0);
	CU_ASSERT_EQUAL(a.calls, 1);          /* completed once, at teardown */
	CU_ASSERT_EQUAL(a.status, -PVF_ECANCELED);
	tpkt_free(&a);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);

	fx = up();
	tpkt_make(&a, fx, 100, 0, 0, 1);
	tpkt_make(&b, fx, 100, 0, 0, 2);
	fx->tb.tx_mis = NTB_TX_DUP;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &a.tx), 0);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &b.tx), 0);
	CU_ASSERT_EQUAL(ntb_tx_run(&fx->tb, 0), 2);
	CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), -PVF_EPROTO);
	CU_ASSERT_EQUAL(a.calls, 1);
	CU_ASSERT_EQUAL(a.status, 0);
	CU_ASSERT_EQUAL(b.calls, 0);
	ntb_detach(&fx->tb);
	CU_ASSERT_EQUAL(pvf_net_destroy(&fx->net), 0);
	CU_ASSERT_EQUAL(a.calls, 1);
	CU_ASSERT_EQUAL(b.calls, 1);
	tpkt_free(&a);
	tpkt_free(&b);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_tx_grant_still_mapped(void)
{
	struct ntb_fx *fx = up();
	struct tpkt a;

	tpkt_make(&a, fx, 100, 0, 0, 1);
	fx->tb.tx_mis = NTB_TX_HOLD_MAPPED;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &a.tx), 0);
	ntb_tx_run(&fx->tb, 0);
	CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), -PVF_EPROTO);
	CU_ASSERT_EQUAL(a.calls, 1);
	CU_ASSERT_EQUAL(a.status, -PVF_EBUSY);
	CU_ASSERT_EQUAL(pvf_net_held_grants(&fx->net), 1);
	ntb_unhold(&fx->tb);
	tpkt_free(&a);
	expect_broken(fx, -PVF_EPROTO); /* release ends the held grant */
}

static void test_tx_producer_overflow(void)
{
	struct ntb_fx *fx = up();

	fx->tb.q[0].tx.sring->rsp_prod = 3; /* nothing was ever sent */
	expect_broken(fx, pvf_net_on_event(&fx->net, pvf_net_port(&fx->net, 0, 0)));
}

static void job_done(void *arg, int status)
{
	*(int *)arg = status;
}

static void test_ctrl_bad_response(void)
{
	struct ntb_fx *fx = up();
	struct pvf_net_hash_cfg hc;
	int st = 1;

	memset(&hc, 0, sizeof(hc));
	fx->tb.ctrl_bad_id = 1;
	CU_ASSERT_EQUAL(pvf_net_hash_configure(&fx->net, &hc, job_done, &st), 0);
	ntb_ctrl_run(&fx->tb);
	CU_ASSERT_EQUAL(pvf_net_on_event(&fx->net, pvf_net_ctrl_port(&fx->net)), -PVF_EPROTO);
	CU_ASSERT_EQUAL(st, -PVF_EPROTO);
	expect_broken(fx, -PVF_EPROTO);
}

/* Only a reconnect clears the broken state. */
static void test_reconnect_clears_broken(void)
{
	struct ntb_fx *fx = up();
	netif_rx_response_t r = rsp(9, 0, 0, 100);
	uint8_t data[64];
	struct tpkt t;

	ntb_rx_raw(&fx->tb, 0, &r, 1);
	CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), -PVF_EPROTO);
	ntb_fx_backend_close(fx);
	CU_ASSERT(pvf_net_is_broken(&fx->net));
	ntb_init(&fx->tb, fx->f);
	ntb_fx_state(fx, XenbusStateInitWait);
	CU_ASSERT_EQUAL_FATAL(ntb_attach(&fx->tb), 0);
	ntb_fx_state(fx, XenbusStateConnected);
	CU_ASSERT(pvf_net_is_connected(&fx->net));
	CU_ASSERT(!pvf_net_is_broken(&fx->net));
	ntb_pattern(data, sizeof(data), 3);
	CU_ASSERT_EQUAL(ntb_rx_send(&fx->tb, 0, data, 64, NULL), 1);
	tpkt_make(&t, fx, 64, 0, 0, 2);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	ntb_tx_run(&fx->tb, 0);
	CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), 2);
	CU_ASSERT_EQUAL(fx->rx.count, 1);
	CU_ASSERT_EQUAL(t.status, 0);
	tpkt_free(&t);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

/* Random responses: whatever they say, no crash, no bad fragment reaches
 * the rx callback (it aborts), and teardown is clean. */
static void test_rx_random(void)
{
	unsigned int seed = 12345, iter, broken = 0;

	for (iter = 0; iter < 300; iter++) {
		struct ntb_fx *fx = up();
		netif_rx_response_t r[40];
		unsigned int n, k;
		int res;

		n = 1 + rand_r(&seed) % 40;
		for (k = 0; k < n; k++) {
			unsigned int x = (unsigned int)rand_r(&seed);

			r[k].id = (x & 3) ? NTB_ID_AUTO : (uint16_t)(x >> 8);
			r[k].offset = (uint16_t)((x & 0x30) ? (x >> 4) % 4200 : 0);
			r[k].flags = (uint16_t)((x >> 12) & 0x1f);
			r[k].status = (int16_t)((x & 0x300) ? (int)((x >> 16) % 4200) - 3 : -1);
		}
		ntb_rx_raw(&fx->tb, 0, r, n);
		res = pvf_net_poll(&fx->net);
		CU_ASSERT(res >= 0 || res == -PVF_EPROTO);
		broken += res < 0;
		CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
	}
	CU_ASSERT(broken > 0); /* the generator does produce violations */
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_rx_offset_len_past_page),
		PVF_TEST(test_rx_bad_id),
		PVF_TEST(test_rx_unknown_extra),
		PVF_TEST(test_rx_past_producer),
		PVF_TEST(test_rx_chain_too_long),
		PVF_TEST(test_rx_producer_overflow),
		PVF_TEST(test_rx_grant_still_mapped),
		PVF_TEST(test_tx_bad_and_duplicate_id),
		PVF_TEST(test_tx_grant_still_mapped),
		PVF_TEST(test_tx_producer_overflow),
		PVF_TEST(test_ctrl_bad_response),
		PVF_TEST(test_reconnect_clears_broken),
		PVF_TEST(test_rx_random),
		PVF_TEST_END,
	};

	return pvf_test_run("net_hostile", tests, NULL, NULL);
}
