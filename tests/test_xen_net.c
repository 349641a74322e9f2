/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The real network frontend core (pvf_net) over platform/xen against the
 * kernel's xen-netback inside a Xen dom0: the harness writes the vif pair
 * (script + hotplug-status), the core connects (every key logged),
 * vif0.<handle> is brought up, frames sent on it with an AF_PACKET socket
 * must reach the core's rx(), frames the core transmits must be read from
 * the socket, payloads compared; clean close with nothing left.  Skips (77)
 * outside Xen.
 */
#include <stdio.h>
#include <string.h>
#include <pvfront/net.h>
#include <pvfront/xenplat.h>
#include "cu.h"

#define FE "/local/domain/0/pvfront-test/vif/0"
#define BE "/local/domain/0/backend/vif/0/0"
#define IFNAME "vif0.0"
#define NFRAMES 32
#define TXPAGES 8

static struct pvf_xenplat *xp;
static const uint8_t fe_mac[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x01 };

static void assert_no_leaks(void)
{
	struct pvf_xenplat_stats st;

	pvf_xenplat_get_stats(xp, &st);
	CU_ASSERT_EQUAL(st.pages, 0);
	CU_ASSERT_EQUAL(st.grants, 0);
	CU_ASSERT_EQUAL(st.ports, 0);
	CU_ASSERT_EQUAL(st.watches, 0);
}

static void test_netback_frames_both_ways(void)
{
	struct pvf_xennet_config c;
	struct pvf_xennet_echo e;
	struct pvf_xennet_echo_result r;
	struct pvf_xennet *n = NULL;
	const struct pvf_net_info *in;

	memset(&c, 0, sizeof(c));
	c.fe_dir = FE;
	c.handle = 0;
	c.script = "/bin/sh"; /* netback only needs the node to exist */
	c.mac = "00:16:3e:00:00:01";
	c.tx_pages = TXPAGES;
	c.timeout_ms = 15000;
	CU_ASSERT_EQUAL_FATAL(pvf_xennet_open(xp, &c, &n), 0);
	pvf_xenplat_log_keys(xp, BE, "xennet: backend");
	pvf_xenplat_log_keys(xp, FE, "xennet: frontend");
	in = pvf_net_get_info(pvf_xennet_core(n));
	printf("xennet: negotiated queues %u split-evtchn %d ctrl-ring %d mcast %d carrier %d "
	       "tx: sg %d gso4 %d gso6 %d csum4 %d csum6 %d rx: sg %d gso4 %d gso6 %d "
	       "csum4 %d csum6 %d\n", in->nr_queues, in->split_evtchn, in->ctrl_ring,
	       in->multicast_control, in->carrier, in->tx_sg, in->tx_gso_tcpv4,
	       in->tx_gso_tcpv6, in->tx_csum_ipv4, in->tx_csum_ipv6, in->rx_sg, in->rx_gso_tcpv4,
	       in->rx_gso_tcpv6, in->rx_csum_ipv4, in->rx_csum_ipv6);
	CU_ASSERT(in->tx_sg);
	CU_ASSERT_EQUAL(memcmp(in->mac, fe_mac, 6), 0);

	/* frames both ways between the core and vif0.0, payloads compared */
	memset(&e, 0, sizeof(e));
	e.ifname = IFNAME;
	e.count = NFRAMES;
	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL(pvf_xennet_echo(n, &e, &r), 0);
	printf("xennet: dom0 -> frontend: %u of %u frames received intact, %u bad, %u other\n",
	       r.to_front_ok, r.to_front_sent, r.to_front_bad, r.to_front_other);
	printf("xennet: frontend -> dom0: %u of %u frames read on %s, %u bad, %u failed\n",
	       r.from_front_ok, r.from_front_sent, r.ifname, r.from_front_bad,
	       r.from_front_failed);
	CU_ASSERT_EQUAL(r.to_front_sent, NFRAMES);
	CU_ASSERT_EQUAL(r.to_front_ok, NFRAMES);
	CU_ASSERT_EQUAL(r.to_front_bad, 0);
	CU_ASSERT_EQUAL(r.from_front_sent, NFRAMES);
	CU_ASSERT_EQUAL(r.from_front_ok, NFRAMES);
	CU_ASSERT_EQUAL(r.from_front_bad, 0);
	CU_ASSERT_EQUAL(r.from_front_failed, 0);
	{
		const struct pvf_net_stats *st = pvf_net_get_stats(pvf_xennet_core(n));

		printf("xennet: stats tx %llu rx %llu (%llu bytes) events %llu\n",
		       (unsigned long long)st->tx_packets, (unsigned long long)st->rx_packets,
		       (unsigned long long)st->rx_bytes, (unsigned long long)st->events);
	}
	CU_ASSERT_EQUAL(pvf_xennet_close(n), 0);
	assert_no_leaks();
}

static int suite_init(void)
{
	int rc = pvf_xenplat_open(&xp, NULL);

	if (rc == -PVF_ENODEV)
		pvf_test_skip_all("no /dev/xen (not in a Xen domain, or xen-gntalloc/xen-evtchn not loaded)");
	return rc < 0;
}

static int suite_cleanup(void)
{
	pvf_xenplat_close(xp);
	return 0;
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_netback_frames_both_ways),
		PVF_TEST_END
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return pvf_test_run("xen_net", tests, suite_init, suite_cleanup);
}
