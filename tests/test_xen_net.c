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
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <pvfront/net.h>
#include <pvfront/xenplat.h>
#include "cu.h"

#define FE "/local/domain/0/pvfront-test/vif/0"
#define BE "/local/domain/0/backend/vif/0/0"
#define IFNAME "vif0.0"
#define ETHTYPE 0x88b5 /* local experimental */
#define NFRAMES 32
#define TXPAGES 8

static struct pvf_xenplat *xp;
static const uint8_t fe_mac[6] = { 0x00, 0x16, 0x3e, 0x00, 0x00, 0x01 };
static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static void assert_no_leaks(void)
{
	struct pvf_xenplat_stats st;

	pvf_xenplat_get_stats(xp, &st);
	CU_ASSERT_EQUAL(st.pages, 0);
	CU_ASSERT_EQUAL(st.grants, 0);
	CU_ASSERT_EQUAL(st.ports, 0);
	CU_ASSERT_EQUAL(st.watches, 0);
}

/* Frame @seq of direction @dir: our ethertype, then seq, dir, a pattern;
 * length 60..1514 varies with seq. */
static size_t make_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint32_t seq,
			 uint8_t dir)
{
	size_t len = 60 + (seq * 97) % 1455;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETHTYPE >> 8;
	f[13] = ETHTYPE & 0xff;
	memcpy(f + 14, &seq, 4);
	f[18] = dir;
	for (size_t i = 19; i < len; i++)
		f[i] = (uint8_t)(seq * 31 + i * 7 + dir);
	return len;
}

static unsigned int rx_ok, rx_bad, rx_other;
static uint8_t rx_seen[NFRAMES];

static void on_rx(void *arg, const struct pvf_net_rx_pkt *pkt)
{
	uint8_t f[2048], want[2048];
	size_t len = 0, wl;
	uint32_t seq;

	(void)arg;
	if (pkt->len > sizeof(f)) {
		rx_bad++;
		return;
	}
	for (uint32_t i = 0; i < pkt->nr_frags; i++) {
		memcpy(f + len, (const uint8_t *)pkt->frags[i].page + pkt->frags[i].offset,
		       pkt->frags[i].len);
		len += pkt->frags[i].len;
	}
	if (len < 19 || f[12] != (ETHTYPE >> 8) || f[13] != (ETHTYPE & 0xff)) {
		rx_other++; /* IPv6 neighbour discovery and the like */
		return;
	}
	memcpy(&seq, f + 14, 4);
	wl = seq < NFRAMES ? make_frame(want, fe_mac, peer_mac, seq, 1) : 0;
	if (seq >= NFRAMES || len != wl || memcmp(f, want, wl) || rx_seen[seq]) {
		rx_bad++;
		return;
	}
	rx_seen[seq] = 1;
	rx_ok++;
}

static int if_up(const char *name, int *ifindex)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0), rc = -1;

	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFINDEX, &ifr) == 0) {
		*ifindex = ifr.ifr_ifindex;
		if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
			ifr.ifr_flags |= IFF_UP;
			rc = ioctl(s, SIOCSIFFLAGS, &ifr);
		}
	}
	close(s);
	return rc;
}

struct tx_ctx {
	struct pvf_net_tx tx;
	struct pvf_net_frag frag;
	int busy, status;
};

static void tx_done(struct pvf_net_tx *tx, int status)
{
	struct tx_ctx *c = tx->cookie;

	c->busy = 0;
	c->status = status;
}

static void test_netback_frames_both_ways(void)
{
	struct pvf_xennet_config c;
	struct pvf_xennet *n = NULL;
	struct tx_ctx tx[TXPAGES];
	struct sockaddr_ll sll;
	const struct pvf_net_info *in;
	uint8_t seen_tx[NFRAMES] = { 0 };
	unsigned int got_tx = 0, bad_tx = 0, sent = 0, tx_fail = 0;
	int ifindex = 0, sock, i;

	memset(&c, 0, sizeof(c));
	c.fe_dir = FE;
	c.handle = 0;
	c.script = "/bin/sh"; /* netback only needs the node to exist */
	c.mac = "00:16:3e:00:00:01";
	c.rx = on_rx;
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

	for (i = 0; i < 100 && if_up(IFNAME, &ifindex) != 0; i++)
		pvf_xennet_pump(n, 50);
	CU_ASSERT_FATAL(ifindex > 0);
	sock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	CU_ASSERT_FATAL(sock >= 0);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	CU_ASSERT_FATAL(bind(sock, (struct sockaddr *)&sll, sizeof(sll)) == 0);
	/* Give netback a moment to fill its view of our RX ring. */
	for (i = 0; i < 10; i++)
		pvf_xennet_pump(n, 20);

	/* dom0 -> frontend: AF_PACKET on the vif, netback's RX path. */
	for (uint32_t seq = 0; seq < NFRAMES; seq++) {
		uint8_t f[2048];
		size_t len = make_frame(f, fe_mac, peer_mac, seq, 1);

		CU_ASSERT_EQUAL(send(sock, f, len, 0), (ssize_t)len);
		pvf_xennet_pump(n, 0);
	}
	for (i = 0; i < 200 && rx_ok < NFRAMES; i++)
		pvf_xennet_pump(n, 20);
	printf("xennet: dom0 -> frontend: %u of %u frames ok, %u bad, %u other\n", rx_ok,
	       NFRAMES, rx_bad, rx_other);
	CU_ASSERT_EQUAL(rx_ok, NFRAMES);
	CU_ASSERT_EQUAL(rx_bad, 0);

	/* frontend -> dom0: pvf_net_transmit, netback's TX path, read on the
	 * vif (frames we sent ourselves show up as PACKET_OUTGOING: skipped). */
	memset(tx, 0, sizeof(tx));
	for (uint32_t seq = 0; seq < NFRAMES || got_tx < sent;) {
		struct pollfd pf = { .fd = sock, .events = POLLIN };

		for (unsigned int k = 0; k < TXPAGES && seq < NFRAMES; k++) {
			uint8_t *va = pvf_xennet_page(n, k);

			if (tx[k].busy)
				continue;
			if (tx[k].status)
				tx_fail++;
			memset(&tx[k].tx, 0, sizeof(tx[k].tx));
			tx[k].frag.frame = pvf_xennet_frame(n, k);
			tx[k].frag.offset = 0;
			tx[k].frag.len = (uint16_t)make_frame(va, peer_mac, fe_mac, seq, 2);
			tx[k].tx.frags = &tx[k].frag;
			tx[k].tx.nr_frags = 1;
			tx[k].tx.done = tx_done;
			tx[k].tx.cookie = &tx[k];
			tx[k].busy = 1;
			tx[k].status = 0;
			CU_ASSERT_EQUAL_FATAL(pvf_net_transmit(pvf_xennet_core(n), &tx[k].tx), 0);
			seq++;
			sent++;
		}
		pvf_xennet_pump(n, 0);
		if (poll(&pf, 1, 20) > 0) {
			uint8_t f[2048], want[2048];
			socklen_t sl = sizeof(sll);
			ssize_t len = recvfrom(sock, f, sizeof(f), MSG_DONTWAIT,
					       (struct sockaddr *)&sll, &sl);
			uint32_t s;

			if (len >= 19 && sll.sll_pkttype != PACKET_OUTGOING && f[12] == (ETHTYPE >> 8) &&
			    f[13] == (ETHTYPE & 0xff) && f[18] == 2) {
				memcpy(&s, f + 14, 4);
				if (s < NFRAMES && !seen_tx[s] &&
				    (size_t)len == make_frame(want, peer_mac, fe_mac, s, 2) &&
				    !memcmp(f, want, (size_t)len)) {
					seen_tx[s] = 1;
					got_tx++;
				} else {
					bad_tx++;
				}
			}
		} else if (++i > 400) {
			break;
		}
	}
	for (i = 0; i < 50; i++) {
		int busy = 0;

		for (unsigned int k = 0; k < TXPAGES; k++)
			busy |= tx[k].busy;
		if (!busy)
			break;
		pvf_xennet_pump(n, 20);
	}
	for (unsigned int k = 0; k < TXPAGES; k++) {
		CU_ASSERT_EQUAL(tx[k].busy, 0);
		if (tx[k].status)
			tx_fail++;
	}
	printf("xennet: frontend -> dom0: %u of %u frames read on %s, %u bad, %u failed\n",
	       got_tx, sent, IFNAME, bad_tx, tx_fail);
	CU_ASSERT_EQUAL(got_tx, NFRAMES);
	CU_ASSERT_EQUAL(bad_tx, 0);
	CU_ASSERT_EQUAL(tx_fail, 0);
	{
		const struct pvf_net_stats *st = pvf_net_get_stats(pvf_xennet_core(n));

		printf("xennet: stats tx %llu rx %llu (%llu bytes) events %llu\n",
		       (unsigned long long)st->tx_packets, (unsigned long long)st->rx_packets,
		       (unsigned long long)st->rx_bytes, (unsigned long long)st->events);
	}
	close(sock);
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
