/* SPDX-License-Identifier: BSD-2-Clause */
/* Network frontend core: negotiation against three backend profiles, TX and
 * RX metadata round trips, control ring, multicast, reconnect, polled mode,
 * handover.  The backend is tests/net_testback.c over the fake platform. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cu.h"
#include "net_testback.h"

static const char *fe(struct ntb_fx *fx, const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", NTB_FE, key);
	return pvf_fake_xs_get(fx->f, path);
}

static int fe_is(struct ntb_fx *fx, const char *key, const char *want)
{
	const char *v = fe(fx, key);

	return v && !strcmp(v, want);
}

/* Backend serves queue @qi's TX ring, then the TX event reaches the
 * frontend.  Returns the on_event result. */
static int serve_tx(struct ntb_fx *fx, unsigned int qi)
{
	ntb_tx_run(&fx->tb, qi);
	return pvf_net_on_event(&fx->net, pvf_net_port(&fx->net, qi, 0));
}

/* ---- parsing and negotiation ---------------------------------------------- */

static void test_parse_mac(void)
{
	static const char *const bad[] = { "", "00:16:3e:12:34", "00:16:3e:12:34:567",
					   "00-16-3e-12-34-56", "0:16:3e:12:34:56:", "00:16:3e:12:34:5g",
					   " 00:16:3e:12:34:5", "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff",
					   "00:16:3e:12:34:56\n" };
	uint8_t mac[6] = { 9, 9, 9, 9, 9, 9 };
	size_t i;

	CU_ASSERT_EQUAL(pvf_net_parse_mac("00:16:3E:aB:34:56", mac), 0);
	CU_ASSERT_EQUAL(mac[0], 0x00);
	CU_ASSERT_EQUAL(mac[2], 0x3e);
	CU_ASSERT_EQUAL(mac[3], 0xab);
	CU_ASSERT_EQUAL(mac[5], 0x56);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(mac, 7, sizeof(mac));
		CU_ASSERT_EQUAL(pvf_net_parse_mac(bad[i], mac), -PVF_EINVAL);
		CU_ASSERT_EQUAL(mac[0], 7); /* untouched on error */
	}
}

static void test_negotiate_linux(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	const struct pvf_net_info *in;

	fx->cfg.nr_queues = 2;
	fx->cfg.multicast_control = 1;
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	in = pvf_net_get_info(&fx->net);
	CU_ASSERT_EQUAL(in->nr_queues, 2);
	CU_ASSERT(in->split_evtchn && in->ctrl_ring && in->multicast_control);
	CU_ASSERT(in->tx_sg && in->tx_gso_tcpv4 && in->tx_gso_tcpv6);
	CU_ASSERT(in->tx_csum_ipv4 && in->tx_csum_ipv6);
	CU_ASSERT(in->carrier);
	CU_ASSERT_EQUAL(in->mtu, 1500);
	CU_ASSERT_EQUAL(in->mac[5], 0x56);
	CU_ASSERT(fe_is(fx, "multi-queue-num-queues", "2"));
	CU_ASSERT_PTR_NOT_NULL(fe(fx, "queue-0/tx-ring-ref"));
	CU_ASSERT_PTR_NOT_NULL(fe(fx, "queue-1/rx-ring-ref"));
	CU_ASSERT_PTR_NOT_NULL(fe(fx, "queue-1/event-channel-tx"));
	CU_ASSERT_PTR_NOT_NULL(fe(fx, "queue-1/event-channel-rx"));
	CU_ASSERT_PTR_NULL(fe(fx, "tx-ring-ref"));      /* never top level with 2 queues */
	CU_ASSERT_PTR_NULL(fe(fx, "event-channel"));
	CU_ASSERT_PTR_NULL(fe(fx, "queue-0/event-channel"));
	CU_ASSERT(fe_is(fx, "request-rx-copy", "1"));
	CU_ASSERT(fe_is(fx, "feature-rx-notify", "1"));
	CU_ASSERT(fe_is(fx, "feature-sg", "1"));
	CU_ASSERT(fe_is(fx, "feature-gso-tcpv4", "1"));
	CU_ASSERT(fe_is(fx, "feature-ipv6-csum-offload", "1"));
	CU_ASSERT(fe_is(fx, "request-multicast-control", "1"));
	CU_ASSERT_PTR_NOT_NULL(fe(fx, "ctrl-ring-ref"));
	CU_ASSERT_PTR_NOT_NULL(fe(fx, "event-channel-ctrl"));
	CU_ASSERT_EQUAL(fx->tb.nq, 2);
	CU_ASSERT(fx->tb.split && fx->tb.ctrl);
	CU_ASSERT_NOT_EQUAL(pvf_net_port(&fx->net, 1, 0), pvf_net_port(&fx->net, 1, 1));
	/* RX rings filled on both queues */
	CU_ASSERT_EQUAL(ntb_rx_posted(&fx->tb, 0), 64);
	CU_ASSERT_EQUAL(ntb_rx_posted(&fx->tb, 1), 64);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_negotiate_qemu(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_QEMU);
	const struct pvf_net_info *in;
	struct tpkt t;

	fx->cfg.nr_queues = 4;
	fx->cfg.multicast_control = 1;
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	in = pvf_net_get_info(&fx->net);
	CU_ASSERT_EQUAL(in->nr_queues, 1);
	CU_ASSERT(!in->split_evtchn && !in->ctrl_ring && !in->multicast_control);
	CU_ASSERT(!in->tx_sg && !in->tx_gso_tcpv4 && !in->tx_gso_tcpv6);
	CU_ASSERT(in->tx_csum_ipv4);   /* feature-no-csum-offload absent */
	CU_ASSERT(!in->tx_csum_ipv6);  /* feature-ipv6-csum-offload absent */
	CU_ASSERT_PTR_NOT_NULL(fe(fx, "tx-ring-ref"));
	CU_ASSERT_PTR_NOT_NULL(fe(fx, "event-channel"));
	CU_ASSERT_PTR_NULL(fe(fx, "event-channel-tx"));
	CU_ASSERT_PTR_NULL(fe(fx, "multi-queue-num-queues"));
	CU_ASSERT_PTR_NULL(fe(fx, "ctrl-ring-ref"));
	CU_ASSERT_PTR_NULL(fe(fx, "request-multicast-control"));
	/* no SG, no GSO, no multicast control */
	tpkt_make(&t, fx, 3000, 2000, 0, 1);
	CU_ASSERT_EQUAL(t.tx.nr_frags, 2);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), -PVF_EOPNOTSUPP);
	tpkt_free(&t);
	tpkt_make(&t, fx, 1500, 0, 0, 1);
	t.tx.gso_type = PVF_NET_GSO_TCPV4;
	t.tx.gso_size = 1000;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), -PVF_EOPNOTSUPP);
	t.tx.gso_type = 0;
	t.tx.mcast_op = PVF_NET_MCAST_ADD;
	t.tx.nr_frags = 0;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), -PVF_EOPNOTSUPP);
	t.tx.mcast_op = 0;
	t.tx.nr_frags = 1;
	/* a plain 1500-byte packet goes through */
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	CU_ASSERT(serve_tx(fx, 0) > 0);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(t.status, 0);
	CU_ASSERT_EQUAL(fx->tb.last.len, 1500);
	tpkt_free(&t);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_negotiate_minimal_refused(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_MINIMAL);
	struct pvf_fake_counters c;

	CU_ASSERT_EQUAL_FATAL(ntb_fx_init(fx), 0);
	ntb_fx_state(fx, XenbusStateInitWait);
	CU_ASSERT_EQUAL(ntb_fx_fe_state(fx), XenbusStateInitialising);
	CU_ASSERT_EQUAL(fx->net.setup_err, -PVF_EOPNOTSUPP);
	CU_ASSERT(pvf_fake_log_contains(fx->f, "feature-rx-copy"));
	CU_ASSERT(!pvf_net_is_connected(&fx->net));
	pvf_fake_counters(fx->f, &c);
	CU_ASSERT_EQUAL(c.grants, 0);   /* nothing left granted by the failed setup */
	CU_ASSERT_EQUAL(c.pages, 0);
	CU_ASSERT_EQUAL(c.ports, 0);
	CU_ASSERT_PTR_NULL(fe(fx, "request-rx-copy"));
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_clamp_and_garbage(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	const struct pvf_net_info *in;

	pvf_fake_xs_set(fx->f, NTB_BE "/multi-queue-max-queues", "2");
	pvf_fake_xs_set(fx->f, NTB_BE "/feature-sg", "yes");         /* garbage: off */
	pvf_fake_xs_set(fx->f, NTB_BE "/feature-no-csum-offload", "x"); /* garbage: offload off */
	pvf_fake_xs_set(fx->f, NTB_BE "/feature-ctrl-ring", "2");
	pvf_fake_xs_set(fx->f, NTB_BE "/carrier", "0");
	pvf_fake_xs_set(fx->f, NTB_FE "/mtu", "9000");
	fx->cfg.nr_queues = 8;
	fx->cfg.split_evtchn = 0;
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	in = pvf_net_get_info(&fx->net);
	CU_ASSERT_EQUAL(in->nr_queues, 2);
	CU_ASSERT(!in->tx_sg && !in->tx_gso_tcpv4);
	CU_ASSERT(!in->tx_csum_ipv4);
	CU_ASSERT(!in->ctrl_ring);
	CU_ASSERT(!in->split_evtchn);
	CU_ASSERT(!in->carrier);
	CU_ASSERT_EQUAL(in->mtu, 9000);
	CU_ASSERT_PTR_NOT_NULL(fe(fx, "queue-1/event-channel"));
	CU_ASSERT_EQUAL(pvf_net_port(&fx->net, 1, 0), pvf_net_port(&fx->net, 1, 1));
	pvf_fake_xs_set(fx->f, NTB_BE "/carrier", "1");
	CU_ASSERT_EQUAL(pvf_net_refresh_link(&fx->net), 1);
	/* malformed, also when too long to be a number: up, not an error */
	pvf_fake_xs_set(fx->f, NTB_BE "/carrier", "0");
	CU_ASSERT_EQUAL(pvf_net_refresh_link(&fx->net), 0);
	pvf_fake_xs_set(fx->f, NTB_BE "/carrier", "down");
	CU_ASSERT_EQUAL(pvf_net_refresh_link(&fx->net), 1);
	pvf_fake_xs_set(fx->f, NTB_BE "/carrier", "0");
	CU_ASSERT_EQUAL(pvf_net_refresh_link(&fx->net), 0);
	pvf_fake_xs_set(fx->f, NTB_BE "/carrier", "000000000000000000000000000000000000000000000");
	CU_ASSERT_EQUAL(pvf_net_refresh_link(&fx->net), 1);
	CU_ASSERT(pvf_net_get_info(&fx->net)->carrier);
	CU_ASSERT_EQUAL(pvf_net_refresh_link(NULL), -PVF_EINVAL);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);

	/* garbage queue count: one queue; bad mac: refused */
	fx = ntb_fx_new(NTB_LINUX);
	pvf_fake_xs_set(fx->f, NTB_BE "/multi-queue-max-queues", "-3");
	fx->cfg.nr_queues = 4;
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	CU_ASSERT_EQUAL(pvf_net_get_info(&fx->net)->nr_queues, 1);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
	fx = ntb_fx_new(NTB_LINUX);
	pvf_fake_xs_set(fx->f, NTB_FE "/mac", "00:16:3e:12:34:5");
	CU_ASSERT_NOT_EQUAL(ntb_fx_connect(fx), 0);
	CU_ASSERT_EQUAL(fx->net.setup_err, -PVF_EPROTO);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_config_checks(void)
{
	struct pvf_net_config c;

	pvf_net_config_default(&c);
	CU_ASSERT(pvf_net_scratch_size(&c) > 0);
	c.nr_queues = 0;
	CU_ASSERT_EQUAL(pvf_net_scratch_size(&c), 0);
	c.nr_queues = PVF_NET_MAX_QUEUES + 1;
	CU_ASSERT_EQUAL(pvf_net_scratch_size(&c), 0);
	c.nr_queues = 1;
	c.rx_buffers = 10;
	CU_ASSERT_EQUAL(pvf_net_scratch_size(&c), 0);
	c.rx_buffers = 257;
	CU_ASSERT_EQUAL(pvf_net_scratch_size(&c), 0);
}

/* ---- transmit -------------------------------------------------------------- */

static void test_tx_small_and_mtu(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	struct pvf_fake_counters c0, c1;
	struct tpkt a, b;

	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	pvf_fake_counters(fx->f, &c0);
	tpkt_make(&a, fx, 60, 100, 0, 11);
	a.tx.flags = PVF_NET_TX_CSUM_BLANK | PVF_NET_TX_DATA_VALIDATED;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &a.tx), 0);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &a.tx), -PVF_EINVAL); /* already ours */
	CU_ASSERT_EQUAL(serve_tx(fx, 0), 1);
	CU_ASSERT_EQUAL(a.calls, 1);
	CU_ASSERT_EQUAL(a.status, 0);
	CU_ASSERT_EQUAL(fx->tb.tx_bad, 0);
	CU_ASSERT_EQUAL(fx->tb.last.len, 60);
	CU_ASSERT_EQUAL(fx->tb.last.first_size, 60);
	CU_ASSERT_EQUAL(fx->tb.last.nslots, 1);
	CU_ASSERT_EQUAL(fx->tb.last.nextras, 0);
	CU_ASSERT_EQUAL(fx->tb.last.flags, NETTXF_csum_blank | NETTXF_data_validated);
	CU_ASSERT(!memcmp(fx->tb.last.data, a.bytes, 60));
	/* 1500 bytes in two fragments across a page boundary */
	tpkt_make(&b, fx, 1500, 3596, 0, 12);
	CU_ASSERT_EQUAL(b.tx.nr_frags, 2);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &b.tx), 0);
	CU_ASSERT_EQUAL(serve_tx(fx, 0), 2);
	CU_ASSERT_EQUAL(b.status, 0);
	CU_ASSERT_EQUAL(fx->tb.last.first_size, 1500);
	CU_ASSERT_EQUAL(fx->tb.last.nslots, 2);
	CU_ASSERT_EQUAL(fx->tb.last.flags & (NETTXF_more_data | NETTXF_csum_blank), NETTXF_more_data);
	CU_ASSERT_EQUAL(fx->tb.last.len, 1500);
	CU_ASSERT(!memcmp(fx->tb.last.data, b.bytes, 1500));
	CU_ASSERT_EQUAL(fx->tb.tx_bad, 0);
	pvf_fake_counters(fx->f, &c1);
	CU_ASSERT_EQUAL(c1.grants, c0.grants); /* every data grant ended */
	CU_ASSERT_EQUAL(pvf_net_get_stats(&fx->net)->spurious, 0);
	CU_ASSERT_EQUAL(pvf_net_get_stats(&fx->net)->tx_packets, 2);
	tpkt_free(&a);
	tpkt_free(&b);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_tx_gso_64k(void)
{
	static const uint8_t types[] = { PVF_NET_GSO_TCPV4, PVF_NET_GSO_TCPV6 };
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	struct tpkt t;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	for (i = 0; i < 2; i++) {
		tpkt_make(&t, fx, PVF_NET_MAX_PKT, 0, 0, 20 + (uint32_t)i);
		CU_ASSERT_EQUAL(t.tx.nr_frags, 16);
		t.tx.gso_type = types[i];
		t.tx.gso_size = 1448;
		t.tx.flags = PVF_NET_TX_CSUM_BLANK;
		CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
		CU_ASSERT_EQUAL(serve_tx(fx, 0), 17); /* 16 data + 1 NULL */
		CU_ASSERT_EQUAL(t.calls, 1);
		CU_ASSERT_EQUAL(t.status, 0);
		CU_ASSERT_EQUAL(fx->tb.last.first_size, PVF_NET_MAX_PKT);
		CU_ASSERT_EQUAL(fx->tb.last.len, PVF_NET_MAX_PKT);
		CU_ASSERT_EQUAL(fx->tb.last.nslots, 16);
		CU_ASSERT_EQUAL(fx->tb.last.nextras, 1);
		CU_ASSERT_EQUAL(fx->tb.last.gso_type, types[i]);
		CU_ASSERT_EQUAL(fx->tb.last.gso_size, 1448);
		CU_ASSERT(fx->tb.last.flags & NETTXF_extra_info);
		CU_ASSERT(fx->tb.last.flags & NETTXF_csum_blank);
		CU_ASSERT(!memcmp(fx->tb.last.data, t.bytes, PVF_NET_MAX_PKT));
		tpkt_free(&t);
	}
	/* 18 small fragments is the limit; 19 is refused */
	tpkt_make(&t, fx, 18 * 100, 0, 100, 30);
	CU_ASSERT_EQUAL(t.tx.nr_frags, 18);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	CU_ASSERT_EQUAL(serve_tx(fx, 0), 18);
	CU_ASSERT_EQUAL(fx->tb.last.nslots, 18);
	CU_ASSERT(!memcmp(fx->tb.last.data, t.bytes, 1800));
	t.tx.nr_frags = 19;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), -PVF_EINVAL);
	t.tx.nr_frags = 1;
	t.frags[0].len = 0;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), -PVF_EINVAL);
	t.frags[0].offset = 4000;
	t.frags[0].len = 200;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), -PVF_EINVAL);
	t.frags[0].offset = 0;
	t.tx.gso_type = PVF_NET_GSO_TCPV4;
	t.tx.gso_size = 0;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), -PVF_EINVAL);
	CU_ASSERT_EQUAL(fx->tb.tx_bad, 0);
	tpkt_free(&t);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_tx_status_and_ring_full(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	static struct tpkt many[300];
	struct tpkt t;
	unsigned int i, done = 0, ok = 0;

	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	tpkt_make(&t, fx, 100, 0, 0, 3);
	fx->tb.tx_status = NETIF_RSP_ERROR;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	serve_tx(fx, 0);
	CU_ASSERT_EQUAL(t.status, -PVF_EIO);
	fx->tb.tx_status = NETIF_RSP_DROPPED;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	serve_tx(fx, 0);
	CU_ASSERT_EQUAL(t.status, -PVF_ECANCELED);
	fx->tb.tx_status = 77; /* unknown: error */
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	serve_tx(fx, 0);
	CU_ASSERT_EQUAL(t.status, -PVF_EIO);
	CU_ASSERT(!pvf_net_is_broken(&fx->net));
	fx->tb.tx_status = NETIF_RSP_OKAY;
	/* more packets than ring slots: the rest wait, nothing is lost */
	for (i = 0; i < 300; i++) {
		many[i] = t;
		many[i].tx.cookie = &many[i];
		many[i].calls = 0;
		many[i].tx.queue = 0;
		CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &many[i].tx), 0);
	}
	for (i = 0; i < 5; i++)
		serve_tx(fx, 0);
	for (i = 0; i < 300; i++) {
		done += many[i].calls;
		ok += many[i].calls == 1 && many[i].status == 0;
	}
	CU_ASSERT_EQUAL(done, 300);
	CU_ASSERT_EQUAL(ok, 300);
	CU_ASSERT_EQUAL(fx->tb.tx_pkts, 303);
	tpkt_free(&t);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

/* Submitting must not eat responses the interrupt is about to report. */
static void test_tx_no_spurious(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	struct tpkt a, b;
	int r;

	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	tpkt_make(&a, fx, 200, 0, 0, 5);
	tpkt_make(&b, fx, 200, 0, 0, 6);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &a.tx), 0);
	CU_ASSERT_EQUAL(ntb_tx_run(&fx->tb, 0), 1); /* response pushed, event "sent" */
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &b.tx), 0);
	CU_ASSERT_EQUAL(a.calls, 0);                /* submit did not sweep it */
	r = pvf_net_on_event(&fx->net, pvf_net_port(&fx->net, 0, 0));
	CU_ASSERT_EQUAL(r, 1);
	CU_ASSERT_EQUAL(a.calls, 1);
	CU_ASSERT_EQUAL(pvf_net_get_stats(&fx->net)->spurious, 0);
	CU_ASSERT_EQUAL(serve_tx(fx, 0), 1);
	CU_ASSERT_EQUAL(b.calls, 1);
	/* an event with nothing to do is counted */
	CU_ASSERT_EQUAL(pvf_net_on_event(&fx->net, pvf_net_port(&fx->net, 0, 0)), 0);
	CU_ASSERT_EQUAL(pvf_net_get_stats(&fx->net)->spurious, 1);
	CU_ASSERT_EQUAL(pvf_net_on_event(&fx->net, 250), -PVF_EBADF);
	tpkt_free(&a);
	tpkt_free(&b);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

/* ---- receive --------------------------------------------------------------- */

static void test_rx_single_flags(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	struct ntb_rx_opts o;
	uint8_t data[1514];

	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	ntb_pattern(data, sizeof(data), 40);
	memset(&o, 0, sizeof(o));
	o.flags = NETRXF_data_validated;
	o.offset = 66;
	CU_ASSERT_EQUAL(ntb_rx_send(&fx->tb, 0, data, 60, &o), 1);
	CU_ASSERT_EQUAL(pvf_net_on_event(&fx->net, pvf_net_port(&fx->net, 0, 1)), 1);
	CU_ASSERT_EQUAL(fx->rx.count, 1);
	CU_ASSERT_EQUAL(fx->rx.len, 60);
	CU_ASSERT_EQUAL(fx->rx.flags, PVF_NET_RX_DATA_VALIDATED); /* bit 0 on RX */
	CU_ASSERT(!memcmp(fx->rx.data, data, 60));
	o.flags = NETRXF_csum_blank;
	o.offset = 0;
	CU_ASSERT_EQUAL(ntb_rx_send(&fx->tb, 0, data, 1514, &o), 1);
	CU_ASSERT_EQUAL(pvf_net_on_event(&fx->net, pvf_net_port(&fx->net, 0, 1)), 1);
	CU_ASSERT_EQUAL(fx->rx.count, 2);
	CU_ASSERT_EQUAL(fx->rx.flags, PVF_NET_RX_CSUM_BLANK);
	CU_ASSERT_EQUAL(fx->rx.len, 1514);
	CU_ASSERT(!memcmp(fx->rx.data, data, 1514));
	CU_ASSERT_EQUAL(ntb_rx_posted(&fx->tb, 0), 64); /* refilled */
	CU_ASSERT_EQUAL(pvf_net_get_stats(&fx->net)->rx_packets, 2);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_rx_chains_gso(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	static uint8_t data[PVF_NET_MAX_PKT];
	struct ntb_rx_opts o;
	int i;

	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	ntb_pattern(data, sizeof(data), 41);
	memset(&o, 0, sizeof(o));
	o.flags = NETRXF_csum_blank | NETRXF_data_validated;
	o.gso_type = XEN_NETIF_GSO_TYPE_TCPV6;
	o.gso_size = 1440;
	o.frag = 3000;
	CU_ASSERT_EQUAL(ntb_rx_send(&fx->tb, 0, data, 9000, &o), 4); /* 3 data + extra */
	CU_ASSERT_EQUAL(pvf_net_on_event(&fx->net, pvf_net_port(&fx->net, 0, 1)), 4);
	CU_ASSERT_EQUAL(fx->rx.count, 1);
	CU_ASSERT_EQUAL(fx->rx.len, 9000);
	CU_ASSERT_EQUAL(fx->rx.nr_frags, 3);
	CU_ASSERT_EQUAL(fx->rx.flags, PVF_NET_RX_CSUM_BLANK | PVF_NET_RX_DATA_VALIDATED |
				      PVF_NET_RX_GSO);
	CU_ASSERT_EQUAL(fx->rx.gso_type, PVF_NET_GSO_TCPV6);
	CU_ASSERT_EQUAL(fx->rx.gso_size, 1440);
	CU_ASSERT(!memcmp(fx->rx.data, data, 9000));
	/* the largest packet: 17 slots of a page, GSO and hash extras */
	o.frag = 0;
	o.offset = 0;
	o.gso_type = XEN_NETIF_GSO_TYPE_TCPV4;
	o.hash = 1;
	o.hash_value = 0xdeadbeef;
	CU_ASSERT_EQUAL(ntb_rx_send(&fx->tb, 0, data, PVF_NET_MAX_PKT, &o), 18);
	CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), 18);
	CU_ASSERT_EQUAL(fx->rx.count, 2);
	CU_ASSERT_EQUAL(fx->rx.len, PVF_NET_MAX_PKT);
	CU_ASSERT_EQUAL(fx->rx.nr_frags, 16);
	CU_ASSERT(fx->rx.flags & PVF_NET_RX_HASH);
	CU_ASSERT_EQUAL(fx->rx.hash, 0xdeadbeef);
	CU_ASSERT_EQUAL(fx->rx.gso_type, PVF_NET_GSO_TCPV4);
	CU_ASSERT(!memcmp(fx->rx.data, data, PVF_NET_MAX_PKT));
	/* many rounds: buffers are recycled, never lost */
	for (i = 0; i < 200; i++) {
		CU_ASSERT_EQUAL(ntb_rx_send(&fx->tb, 0, data + i, 700, NULL), 1);
		CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), 1);
	}
	CU_ASSERT_EQUAL(fx->rx.count, 202);
	CU_ASSERT(!memcmp(fx->rx.data, data + 199, 700));
	CU_ASSERT_EQUAL(ntb_rx_posted(&fx->tb, 0), 64);
	/* a negative status drops the packet without breaking the device */
	{
		netif_rx_response_t r = { .id = NTB_ID_AUTO, .status = NETIF_RSP_ERROR };

		ntb_rx_raw(&fx->tb, 0, &r, 1);
		CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), 1);
		CU_ASSERT_EQUAL(fx->rx.count, 202);
		CU_ASSERT_EQUAL(pvf_net_get_stats(&fx->net)->rx_errors, 1);
		CU_ASSERT(!pvf_net_is_broken(&fx->net));
	}
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_rx_multiqueue(void)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);
	uint8_t data[300];

	fx->cfg.nr_queues = 3;
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	ntb_pattern(data, sizeof(data), 50);
	CU_ASSERT_EQUAL(ntb_rx_send(&fx->tb, 2, data, 300, NULL), 1);
	/* the TX event of queue 2 does not look at RX */
	CU_ASSERT_EQUAL(pvf_net_on_event(&fx->net, pvf_net_port(&fx->net, 2, 0)), 0);
	CU_ASSERT_EQUAL(fx->rx.count, 0);
	CU_ASSERT_EQUAL(pvf_net_on_event(&fx->net, pvf_net_port(&fx->net, 2, 1)), 1);
	CU_ASSERT_EQUAL(fx->rx.count, 1);
	CU_ASSERT_EQUAL(fx->rx.queue, 2);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_parse_mac),
		PVF_TEST(test_config_checks),
		PVF_TEST(test_negotiate_linux),
		PVF_TEST(test_negotiate_qemu),
		PVF_TEST(test_negotiate_minimal_refused),
		PVF_TEST(test_clamp_and_garbage),
		PVF_TEST(test_tx_small_and_mtu),
		PVF_TEST(test_tx_gso_64k),
		PVF_TEST(test_tx_status_and_ring_full),
		PVF_TEST(test_tx_no_spurious),
		PVF_TEST(test_rx_single_flags),
		PVF_TEST(test_rx_chains_gso),
		PVF_TEST(test_rx_multiqueue),
		PVF_TEST_END,
	};

	return pvf_test_run("net", tests, NULL, NULL);
}
