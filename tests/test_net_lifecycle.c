/* SPDX-License-Identifier: BSD-2-Clause */
/* Network frontend core: control ring hash configuration, multicast
 * control, reconnect with queued transmits, polled mode without event
 * channels, handover and close through the XenBus machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cu.h"
#include "net_testback.h"

struct job {
	int calls, status;
};

static void job_done(void *arg, int status)
{
	struct job *j = arg;

	j->calls++;
	j->status = status;
}

/* Run the control ring until the job finished.  Returns rounds used. */
static int run_ctrl(struct ntb_fx *fx, struct job *j)
{
	int rounds = 0;

	while (!j->calls && rounds < 20) {
		ntb_ctrl_run(&fx->tb);
		pvf_net_on_event(&fx->net, pvf_net_ctrl_port(&fx->net));
		rounds++;
	}
	return rounds;
}

static void test_ctrl_hash(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	struct pvf_net_hash_cfg hc;
	static uint32_t map[128];
	struct job j = { 0, 1 };
	const struct pvf_net_info *in;
	unsigned int i;

	fx->cfg.nr_queues = 2;
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	memset(&hc, 0, sizeof(hc));
	hc.flags = XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP |
		   XEN_NETIF_CTRL_HASH_TYPE_IPV6;
	hc.key_len = 40;
	for (i = 0; i < 40; i++)
		hc.key[i] = (uint8_t)(0x6d + 3 * i);
	for (i = 0; i < 128; i++)
		map[i] = i & 1;
	hc.mapping = map;
	hc.mapping_size = 128;
	/* a table entry naming a queue that does not exist */
	map[5] = 2;
	CU_ASSERT_EQUAL(pvf_net_hash_configure(&fx->net, &hc, job_done, &j), -PVF_EINVAL);
	map[5] = 1;
	CU_ASSERT_EQUAL(pvf_net_hash_configure(&fx->net, &hc, job_done, &j), 0);
	CU_ASSERT_EQUAL(pvf_net_hash_configure(&fx->net, &hc, job_done, &j), -PVF_EBUSY);
	CU_ASSERT(run_ctrl(fx, &j) < 20);
	CU_ASSERT_EQUAL(j.calls, 1);
	CU_ASSERT_EQUAL(j.status, 0);
	CU_ASSERT_EQUAL(fx->tb.ctrl_msgs, 7);
	CU_ASSERT_EQUAL(fx->tb.alg, XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ);
	/* IPV6 clamped away: the backend supports IPv4 and IPv4+TCP only */
	CU_ASSERT_EQUAL(fx->tb.hflags, XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
	CU_ASSERT_EQUAL(fx->tb.keylen, 40);
	CU_ASSERT(!memcmp(fx->tb.key, hc.key, 40));
	/* table clamped to the backend's 64 entries */
	CU_ASSERT_EQUAL(fx->tb.map_size, 64);
	CU_ASSERT(!memcmp(fx->tb.mapping, map, 64 * sizeof(uint32_t)));
	in = pvf_net_get_info(&fx->net);
	CU_ASSERT(in->hash_on);
	CU_ASSERT_EQUAL(in->hash_flags, fx->tb.hflags);
	CU_ASSERT_EQUAL(in->hash_mapping_size, 64);
	/* the key and table pages are no longer granted */
	{
		struct pvf_fake_counters c;

		pvf_fake_counters(fx->f, &c);
		CU_ASSERT_EQUAL(c.grants, 2 * 2 + 2 * 64 + 1);
	}
	/* a backend without a mapping table: modular arithmetic, 5 messages */
	fx->tb.map_max = 0;
	fx->tb.ctrl_msgs = 0;
	j.calls = 0;
	CU_ASSERT_EQUAL(pvf_net_hash_configure(&fx->net, &hc, job_done, &j), 0);
	run_ctrl(fx, &j);
	CU_ASSERT_EQUAL(j.status, 0);
	CU_ASSERT_EQUAL(fx->tb.ctrl_msgs, 5);
	CU_ASSERT_EQUAL(pvf_net_get_info(&fx->net)->hash_mapping_size, 0);
	/* disable */
	j.calls = 0;
	CU_ASSERT_EQUAL(pvf_net_hash_configure(&fx->net, NULL, job_done, &j), 0);
	run_ctrl(fx, &j);
	CU_ASSERT_EQUAL(j.status, 0);
	CU_ASSERT_EQUAL(fx->tb.alg, XEN_NETIF_CTRL_HASH_ALGORITHM_NONE);
	CU_ASSERT(!pvf_net_get_info(&fx->net)->hash_on);
	/* backend refusals map to errors */
	fx->tb.hsupported = 0;
	hc.flags = 0;
	j.calls = 0;
	fx->tb.map_max = 64;
	hc.key_len = 40;
	CU_ASSERT_EQUAL(pvf_net_hash_configure(&fx->net, &hc, job_done, &j), 0);
	run_ctrl(fx, &j);
	CU_ASSERT_EQUAL(j.status, 0); /* flags 0 is legal: hashing off per type */
	CU_ASSERT_EQUAL(fx->tb.hflags, 0);
	CU_ASSERT(!pvf_net_is_broken(&fx->net));
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_ctrl_unavailable(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_QEMU);
	struct pvf_net_hash_cfg hc;
	struct job j = { 0, 1 };

	memset(&hc, 0, sizeof(hc));
	CU_ASSERT_EQUAL_FATAL(ntb_fx_init(fx), 0);
	CU_ASSERT_EQUAL(pvf_net_hash_configure(&fx->net, &hc, job_done, &j), -PVF_ENOTCONN);
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	CU_ASSERT_EQUAL(pvf_net_hash_configure(&fx->net, &hc, job_done, &j), -PVF_EOPNOTSUPP);
	CU_ASSERT_EQUAL(pvf_net_ctrl_port(&fx->net), 0);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);

	/* a job cut short by the backend going away completes, cancelled */
	fx = ntb_fx_new(NTB_LINUX);
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	hc.key_len = 10;
	CU_ASSERT_EQUAL(pvf_net_hash_configure(&fx->net, &hc, job_done, &j), 0);
	ntb_fx_backend_close(fx);
	CU_ASSERT_EQUAL(j.calls, 1);
	CU_ASSERT_EQUAL(j.status, -PVF_ECANCELED);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_multicast(void)
{
	static const uint8_t grp[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	struct tpkt t;

	fx->cfg.multicast_control = 1;
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	tpkt_make(&t, fx, 64, 0, 0, 1);
	t.tx.nr_frags = 0;
	t.tx.mcast_op = PVF_NET_MCAST_ADD;
	memcpy(t.tx.mcast_addr, grp, 6);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	ntb_tx_run(&fx->tb, 0);
	CU_ASSERT_EQUAL(pvf_net_on_event(&fx->net, pvf_net_port(&fx->net, 0, 0)), 2);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(t.status, 0);
	CU_ASSERT_EQUAL(fx->tb.last.mcast_type, XEN_NETIF_EXTRA_TYPE_MCAST_ADD);
	CU_ASSERT_EQUAL(fx->tb.last.first_size, 0);
	CU_ASSERT_EQUAL(fx->tb.nmc, 1);
	CU_ASSERT(!memcmp(fx->tb.mc[0], grp, 6));
	t.tx.mcast_op = PVF_NET_MCAST_DEL;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	ntb_tx_run(&fx->tb, 0);
	pvf_net_poll(&fx->net);
	CU_ASSERT_EQUAL(t.calls, 2);
	CU_ASSERT_EQUAL(fx->tb.last.mcast_type, XEN_NETIF_EXTRA_TYPE_MCAST_DEL);
	CU_ASSERT_EQUAL(fx->tb.nmc, 0);
	/* a multicast update carries no data */
	t.tx.nr_frags = 1;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), -PVF_EINVAL);
	t.tx.nr_frags = 0;
	t.tx.mcast_op = 3;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), -PVF_EINVAL);
	CU_ASSERT_EQUAL(fx->tb.tx_bad, 0);
	tpkt_free(&t);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_reconnect_queued(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	struct pvf_fake_counters c;
	struct tpkt a, b, d;
	uint8_t data[100];

	fx->cfg.nr_queues = 2;
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	tpkt_make(&a, fx, 500, 0, 0, 1);
	tpkt_make(&b, fx, 600, 0, 0, 2);
	tpkt_make(&d, fx, 700, 0, 0, 3);
	a.tx.queue = 1;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &a.tx), 0); /* on the ring */
	/* the backend goes away with a on the ring */
	ntb_fx_backend_close(fx);
	CU_ASSERT(!pvf_net_is_connected(&fx->net));
	CU_ASSERT_EQUAL(a.calls, 1);
	CU_ASSERT_EQUAL(a.status, -PVF_ECANCELED);
	pvf_fake_counters(fx->f, &c);
	CU_ASSERT_EQUAL(c.grants, 0);   /* rings, RX buffers, data: all ended */
	CU_ASSERT_EQUAL(c.ports, 0);
	CU_ASSERT_EQUAL(c.pages, 3);    /* only the test's own packet pages */
	/* queued while disconnected: kept */
	b.tx.queue = 1;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &b.tx), 0);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &d.tx), 0);
	CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), -PVF_ENOTCONN);
	CU_ASSERT_EQUAL(b.calls + d.calls, 0);
	/* the backend comes back, now with one queue only */
	pvf_fake_xs_set(fx->f, NTB_BE "/multi-queue-max-queues", "1");
	ntb_init(&fx->tb, fx->f);
	ntb_fx_state(fx, XenbusStateInitWait);
	CU_ASSERT_EQUAL_FATAL(ntb_fx_fe_state(fx), XenbusStateConnected); /* early connect */
	CU_ASSERT_EQUAL_FATAL(ntb_attach(&fx->tb), 0);
	ntb_fx_state(fx, XenbusStateConnected);
	CU_ASSERT(pvf_net_is_connected(&fx->net));
	CU_ASSERT_EQUAL(pvf_net_get_info(&fx->net)->nr_queues, 1);
	CU_ASSERT_EQUAL(ntb_tx_run(&fx->tb, 0), 2); /* b moved to queue 0 */
	pvf_net_poll(&fx->net);
	CU_ASSERT_EQUAL(b.calls, 1);
	CU_ASSERT_EQUAL(b.status, 0);
	CU_ASSERT_EQUAL(d.calls, 1);
	CU_ASSERT_EQUAL(d.status, 0);
	CU_ASSERT_EQUAL(fx->tb.last.len, 600); /* b was appended after d */
	/* RX works again */
	ntb_pattern(data, sizeof(data), 9);
	CU_ASSERT_EQUAL(ntb_rx_send(&fx->tb, 0, data, 100, NULL), 1);
	CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), 1);
	CU_ASSERT_EQUAL(fx->rx.count, 1);
	/* queued, never sent: destroy reports it, nothing leaks */
	ntb_fx_backend_close(fx);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &b.tx), 0);
	tpkt_free(&a);
	tpkt_free(&d);
	CU_ASSERT_EQUAL(pvf_net_destroy(&fx->net), 0);
	CU_ASSERT_EQUAL(b.calls, 2);
	CU_ASSERT_EQUAL(b.status, -PVF_ESHUTDOWN);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &b.tx), -PVF_ESHUTDOWN);
	tpkt_free(&b);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

/* A platform without event channels. */
static int no_evtchn(void *ctx, pvf_domid_t remote, uint32_t *port)
{
	(void)ctx;
	(void)remote;
	(void)port;
	return -PVF_ENOSYS;
}

static void test_polled(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	struct tpkt t;
	uint8_t data[1000];

	fx->ops.evtchn_alloc_unbound = no_evtchn;
	fx->cfg.polled = 1;
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	CU_ASSERT(pvf_net_get_info(&fx->net)->polled_no_evtchn);
	CU_ASSERT_EQUAL(pvf_net_port(&fx->net, 0, 0), 0);
	CU_ASSERT_PTR_NULL(pvf_fake_xs_get(fx->f, NTB_FE "/event-channel"));
	CU_ASSERT_PTR_NULL(pvf_fake_xs_get(fx->f, NTB_FE "/event-channel-tx"));
	CU_ASSERT_PTR_NULL(pvf_fake_xs_get(fx->f, NTB_FE "/event-channel-ctrl"));
	CU_ASSERT_PTR_NOT_NULL(pvf_fake_xs_get(fx->f, NTB_FE "/tx-ring-ref"));
	tpkt_make(&t, fx, 1000, 0, 0, 4);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	ntb_tx_run(&fx->tb, 0);
	ntb_pattern(data, sizeof(data), 5);
	CU_ASSERT_EQUAL(ntb_rx_send(&fx->tb, 0, data, 1000, NULL), 1);
	CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), 2);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(t.status, 0);
	CU_ASSERT_EQUAL(fx->rx.count, 1);
	CU_ASSERT(!memcmp(fx->rx.data, data, 1000));
	CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), 0);
	tpkt_free(&t);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_handover(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	struct pvf_fake_counters c;
	struct tpkt t;

	fx->cfg.nr_queues = 2;
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	tpkt_make(&t, fx, 300, 0, 0, 4);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	CU_ASSERT_EQUAL(pvf_xenbus_handover_begin(pvf_net_xenbus(&fx->net)), 0);
	CU_ASSERT_EQUAL(ntb_fx_fe_state(fx), XenbusStateClosing);
	CU_ASSERT_EQUAL(t.calls, 1); /* on the ring: cancelled */
	ntb_fx_state(fx, XenbusStateClosing);
	CU_ASSERT_EQUAL(ntb_fx_fe_state(fx), XenbusStateClosed);
	ntb_detach(&fx->tb);
	ntb_fx_state(fx, XenbusStateClosed);
	pvf_xenbus_poll(pvf_net_xenbus(&fx->net));
	CU_ASSERT(pvf_xenbus_is_closed(pvf_net_xenbus(&fx->net)));
	CU_ASSERT_EQUAL(ntb_fx_fe_state(fx), XenbusStateInitialising);
	pvf_fake_counters(fx->f, &c);
	CU_ASSERT_EQUAL(c.grants, 0);
	CU_ASSERT_EQUAL(c.ports, 0);
	CU_ASSERT_EQUAL(c.pages, 1);  /* the packet's page */
	CU_ASSERT_EQUAL(pvf_net_held_grants(&fx->net), 0);
	tpkt_free(&t);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_frontend_close(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_QEMU);

	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	CU_ASSERT_EQUAL(pvf_xenbus_close(pvf_net_xenbus(&fx->net)), 0);
	ntb_fx_state(fx, XenbusStateClosing);
	ntb_detach(&fx->tb);
	ntb_fx_state(fx, XenbusStateClosed);
	pvf_xenbus_poll(pvf_net_xenbus(&fx->net));
	CU_ASSERT(pvf_xenbus_is_closed(pvf_net_xenbus(&fx->net)));
	CU_ASSERT_EQUAL(ntb_fx_fe_state(fx), XenbusStateClosed);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_ctrl_hash),
		PVF_TEST(test_ctrl_unavailable),
		PVF_TEST(test_multicast),
		PVF_TEST(test_reconnect_queued),
		PVF_TEST(test_polled),
		PVF_TEST(test_handover),
		PVF_TEST(test_frontend_close),
		PVF_TEST_END,
	};

	return pvf_test_run("net_lifecycle", tests, NULL, NULL);
}
