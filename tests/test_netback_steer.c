/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netback's use of the frontend's control-ring configuration
 * (harness/netback_ctrl.c, netback_rx.c, netback_pkt.c):
 *  - the Toeplitz hash against the published Microsoft RSS verification
 *    vectors, directly and through the frame parser;
 *  - steering with the real netfront core (harness/netfront_host.c) on two
 *    queues: a mapping table of 1s puts injected frames and echoes on
 *    queue 1, one of 0s on queue 0, a mixed table on mapping[hash % size],
 *    each with the HASH extra the frontend parses;
 *  - the multicast filter: joined group passes, unjoined dropped and
 *    counted, broadcast passes, leaving drops again, and nothing filtered
 *    without multicast control.
 * Every test ends with no grant, page, port or watch left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/errno.h>
#include <pvfront/xs.h>
#include "cu.h"
#include "env.h"
#include "env_fx.h"
#include "netback.h"
#include "netback_internal.h"
#include "netfront_host.h"

#define TMO 5000

/* ---- Toeplitz ------------------------------------------------------------ */

/*
 * The verification suite of Microsoft's "Verifying the RSS Hash
 * Calculation" (learn.microsoft.com/windows-hardware/drivers/network/
 * verifying-the-rss-hash-calculation): this key, and per row the source
 * and destination address and port with the expected IPv4-only /
 * IPv4-with-TCP (IPv6-only / IPv6-with-TCP) hashes.  The hash input is
 * source address, destination address, source port, destination port,
 * in network order.
 */
static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

struct v4_vec {
	uint8_t src[4], dst[4];
	uint16_t sport, dport;
	uint32_t l3, l4;
};

static const struct v4_vec v4[] = {
	{ { 66, 9, 149, 187 }, { 161, 142, 100, 80 }, 2794, 1766, 0x323e8fc2, 0x51ccc178 },
	{ { 199, 92, 111, 2 }, { 65, 69, 140, 83 }, 14230, 4739, 0xd718262a, 0xc626b0ea },
	{ { 24, 19, 198, 95 }, { 12, 22, 207, 184 }, 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	{ { 38, 27, 205, 30 }, { 209, 142, 163, 6 }, 48228, 2217, 0x82989176, 0xafc7327f },
	{ { 153, 39, 163, 191 }, { 202, 188, 127, 2 }, 44251, 1303, 0x5d1809c5, 0x10e828a2 },
};

struct v6_vec {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t l3, l4;
};

static const struct v6_vec v6[] = {
	{ /* 3ffe:2501:200:1fff::7 -> 3ffe:2501:200:3::1 */
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 7 },
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 1 },
	  2794, 1766, 0x2cc18cd5, 0x40207d3d },
	{ /* 3ffe:501:8::260:97ff:fe40:efab -> ff02::1 */
	  { 0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0, 0, 0x02, 0x60, 0x97, 0xff, 0xfe, 0x40, 0xef, 0xab },
	  { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	  14230, 4739, 0x0f0c461c, 0xdde51bbf },
	{ /* 3ffe:1900:4545:3:200:f8ff:fe21:67cf -> fe80::200:f8ff:fe21:67cf */
	  { 0x3f, 0xfe, 0x19, 0x00, 0x45, 0x45, 0, 3, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf },
	  { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf },
	  44251, 38024, 0x4b61e985, 0x02d1feef },
};

static const uint8_t fe_mac[6] = { 0x00, 0x16, 0x3e, 0x57, 0xee, 0x01 };

static void put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An Ethernet/IPv4 frame of @len (>= 54) bytes to @dst; TCP when @tcp,
 * else UDP; ports written either way. */
static void frame4(uint8_t *f, size_t len, const uint8_t dst[6], const uint8_t src_ip[4],
		   const uint8_t dst_ip[4], unsigned int sport, unsigned int dport, int tcp)
{
	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x09", 6);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, (unsigned int)(len - 14));
	f[22] = 64;
	f[23] = tcp ? 6 : 17;
	memcpy(f + 26, src_ip, 4);
	memcpy(f + 30, dst_ip, 4);
	put16(f + 34, sport);
	put16(f + 36, dport);
	if (tcp)
		f[46] = 0x50;
	for (size_t i = 54; i < len; i++)
		f[i] = (uint8_t)(i * 7u);
}

static void frame6(uint8_t *f, size_t len, const struct v6_vec *v, int tcp)
{
	memset(f, 0, len);
	memcpy(f, fe_mac, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x09", 6);
	put16(f + 12, 0x86dd);
	f[14] = 0x60;
	put16(f + 18, (unsigned int)(len - 54));
	f[20] = tcp ? 6 : 17;
	f[21] = 64;
	memcpy(f + 22, v->src, 16);
	memcpy(f + 38, v->dst, 16);
	put16(f + 54, v->sport);
	put16(f + 56, v->dport);
}

static void t_toeplitz_vectors(void)
{
	uint8_t in[36], f[128];
	unsigned int type;

	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
		memcpy(in, v4[i].src, 4);
		memcpy(in + 4, v4[i].dst, 4);
		put16(in + 8, v4[i].sport);
		put16(in + 10, v4[i].dport);
		CU_ASSERT_EQUAL(pvf_nb_toeplitz(ms_key, sizeof(ms_key), in, 8), v4[i].l3);
		CU_ASSERT_EQUAL(pvf_nb_toeplitz(ms_key, sizeof(ms_key), in, 12), v4[i].l4);
	}
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		memcpy(in, v6[i].src, 16);
		memcpy(in + 16, v6[i].dst, 16);
		put16(in + 32, v6[i].sport);
		put16(in + 34, v6[i].dport);
		CU_ASSERT_EQUAL(pvf_nb_toeplitz(ms_key, sizeof(ms_key), in, 32), v6[i].l3);
		CU_ASSERT_EQUAL(pvf_nb_toeplitz(ms_key, sizeof(ms_key), in, 36), v6[i].l4);
	}
	/* key octets past the key length count as zero: no key, hash 0 */
	CU_ASSERT_EQUAL(pvf_nb_toeplitz(ms_key, 0, in, 36), 0);
	CU_ASSERT_EQUAL(pvf_nb_toeplitz(NULL, 0, in, 36), 0);
	CU_ASSERT_EQUAL(pvf_nb_toeplitz(ms_key, 40, in, 0), 0);

	/* the same vectors through the frame parser, per enabled type */
	frame4(f, 80, fe_mac, v4[0].src, v4[0].dst, v4[0].sport, v4[0].dport, 1);
	CU_ASSERT_EQUAL(nb_hash_input(f, 80, XEN_NETIF_CTRL_HASH_TYPE_IPV4 |
				      XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP, in, &type), 12);
	CU_ASSERT_EQUAL(type, _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
	CU_ASSERT_EQUAL(pvf_nb_toeplitz(ms_key, 40, in, 12), v4[0].l4);
	CU_ASSERT_EQUAL(nb_hash_input(f, 80, XEN_NETIF_CTRL_HASH_TYPE_IPV4, in, &type), 8);
	CU_ASSERT_EQUAL(type, _XEN_NETIF_CTRL_HASH_TYPE_IPV4);
	CU_ASSERT_EQUAL(pvf_nb_toeplitz(ms_key, 40, in, 8), v4[0].l3);
	CU_ASSERT_EQUAL(nb_hash_input(f, 80, XEN_NETIF_CTRL_HASH_TYPE_IPV6, in, &type), 0);
	/* UDP with only the TCP type: nothing; with IPv4 too: addresses */
	frame4(f, 80, fe_mac, v4[1].src, v4[1].dst, v4[1].sport, v4[1].dport, 0);
	CU_ASSERT_EQUAL(nb_hash_input(f, 80, XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP, in, &type), 0);
	CU_ASSERT_EQUAL(nb_hash_input(f, 80, 0xf, in, &type), 8);
	CU_ASSERT_EQUAL(pvf_nb_toeplitz(ms_key, 40, in, 8), v4[1].l3);
	/* a fragment is not hashed over its ports */
	frame4(f, 80, fe_mac, v4[2].src, v4[2].dst, v4[2].sport, v4[2].dport, 1);
	f[20] = 0x20; /* more fragments */
	CU_ASSERT_EQUAL(nb_hash_input(f, 80, 0xf, in, &type), 8);
	CU_ASSERT_EQUAL(pvf_nb_toeplitz(ms_key, 40, in, 8), v4[2].l3);
	/* truncated headers and other ethertypes: nothing */
	CU_ASSERT_EQUAL(nb_hash_input(f, 30, 0xf, in, &type), 0);
	f[14] = 0x46; /* IHL 24 */
	CU_ASSERT_EQUAL(nb_hash_input(f, 36, 0xf, in, &type), 0);
	put16(f + 12, 0x88b5);
	CU_ASSERT_EQUAL(nb_hash_input(f, 80, 0xf, in, &type), 0);
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
		frame6(f, 100, &v6[i], 1);
		CU_ASSERT_EQUAL(nb_hash_input(f, 100, 0xf, in, &type), 36);
		CU_ASSERT_EQUAL(type, _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP);
		CU_ASSERT_EQUAL(pvf_nb_toeplitz(ms_key, 40, in, 36), v6[i].l4);
		CU_ASSERT_EQUAL(nb_hash_input(f, 100, XEN_NETIF_CTRL_HASH_TYPE_IPV6, in, &type), 32);
		CU_ASSERT_EQUAL(pvf_nb_toeplitz(ms_key, 40, in, 32), v6[i].l3);
		CU_ASSERT_EQUAL(nb_hash_input(f, 50, 0xf, in, &type), 0);
	}
}

/* ---- the real netfront core against netback -------------------------------- */

static struct pvf_env env;
static struct pvf_nb *nb;
static struct pvf_nfh h;
static char fe_dir[256], be_dir[256];

struct got_pkt {
	unsigned int queue;
	uint16_t flags;
	uint8_t hash_type;
	uint32_t hash;
	size_t len;
	uint8_t head[64];
};

#define GOT_MAX 64
static struct got_pkt got[GOT_MAX];
static unsigned int ngot;

static void on_rx(void *arg, const struct pvf_net_rx_pkt *pkt)
{
	static uint8_t buf[70000];

	(void)arg;
	if (ngot < GOT_MAX) {
		struct got_pkt *g = &got[ngot];

		g->queue = pkt->queue;
		g->flags = pkt->flags;
		g->hash_type = pkt->hash_type;
		g->hash = pkt->hash;
		g->len = pvf_nfh_linearize(pkt, buf, sizeof(buf));
		memcpy(g->head, buf, g->len < 64 ? g->len : 64);
	}
	ngot++;
}

static void env_down(void)
{
	pvf_env_stop_clean(&env);
}

/* Netback (echo, linux profile) and the core with 2 queues, connected.
 * @mcast: the core requests multicast control. */
static void host_up(int mcast)
{
	struct pvf_nfh_config hc;
	struct pvf_nb_config c;

	CU_ASSERT_EQUAL_FATAL(pvf_env_start(&env, NULL, "test_netback_steer"), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_nb_toolstack_add(0, pvf_lb_guest_domid(env.guest), 0, fe_mac,
						   1500, fe_dir, sizeof(fe_dir), be_dir,
						   sizeof(be_dir)), 0);
	memset(&hc, 0, sizeof(hc));
	hc.fe_dir = fe_dir;
	hc.queues = 2;
	hc.rx = on_rx;
	hc.multicast_control = mcast;
	ngot = 0;
	memset(got, 0, sizeof(got));
	CU_ASSERT_EQUAL_FATAL(pvf_nfh_open(&h, env.guest, &hc), 0);
	memset(&c, 0, sizeof(c));
	c.hv = env.hv;
	snprintf(c.fe_dir, sizeof(c.fe_dir), "%s", fe_dir);
	snprintf(c.be_dir, sizeof(c.be_dir), "%s", be_dir);
	c.mode = PVF_NB_MODE_ECHO;
	c.profile = PVF_NB_PROFILE_LINUX;
	CU_ASSERT_EQUAL_FATAL(pvf_nb_start(&c, &nb), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_nfh_wait_connected(&h, TMO), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_net_get_info(&h.net)->nr_queues, 2);
	CU_ASSERT_EQUAL(pvf_net_get_info(&h.net)->multicast_control, mcast);
}

static void host_down(void)
{
	CU_ASSERT_EQUAL(pvf_nfh_close(&h, TMO), 0);
	CU_ASSERT_EQUAL(pvf_nb_stop(nb), 0);
	nb = NULL;
	pvf_nb_toolstack_remove(fe_dir, be_dir);
	env_down();
}

static void wait_rx(unsigned int n)
{
	for (int i = 0; i < 2500 && ngot < n; i++)
		CU_ASSERT_EQUAL(pvf_nfh_pump(&h, 2), 0);
}

/* Inject @f until the RX ring takes it.  Returns pvf_nb_inject's result. */
static int inject(const uint8_t *f, size_t len, unsigned int *q)
{
	int rc = -PVF_EAGAIN;

	for (int i = 0; i < 1000 && rc == -PVF_EAGAIN; i++) {
		rc = pvf_nb_inject(nb, f, len, q);
		if (rc == -PVF_EAGAIN)
			pvf_nfh_pump(&h, 2);
	}
	return rc;
}

static int hash_status;

static void hash_done(void *arg, int status)
{
	(void)arg;
	hash_status = status;
}

/* Program Toeplitz with the Microsoft key, @flags and @size entries of
 * @map through the core's control ring.  Returns the job's status. */
static int configure(uint32_t flags, const uint32_t *map, uint32_t size)
{
	struct pvf_net_hash_cfg hc;
	int rc;

	memset(&hc, 0, sizeof(hc));
	hc.flags = flags;
	hc.key_len = sizeof(ms_key);
	memcpy(hc.key, ms_key, sizeof(ms_key));
	hc.mapping_size = size;
	hc.mapping = map;
	hash_status = 1;
	rc = pvf_net_hash_configure(&h.net, &hc, hash_done, NULL);
	if (rc)
		return rc;
	for (int i = 0; i < 2500 && hash_status == 1; i++)
		pvf_nfh_pump(&h, 2);
	return hash_status;
}

static void fill_map(uint32_t *map, uint32_t n, uint32_t v)
{
	for (uint32_t i = 0; i < n; i++)
		map[i] = v;
}

static void t_steer_table(void)
{
	static const uint32_t flags = XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
	uint32_t map[16];
	uint8_t f[200];
	struct pvf_nb_stats st;
	struct pvf_nb_hash nh;
	unsigned int q = 9, n;

	host_up(0);
	/* before any configuration: queue 0 (injection's default), no hash */
	frame4(f, sizeof(f), fe_mac, v4[0].src, v4[0].dst, v4[0].sport, v4[0].dport, 1);
	CU_ASSERT_EQUAL(inject(f, sizeof(f), &q), 1);
	CU_ASSERT_EQUAL(q, 0);
	wait_rx(1);
	CU_ASSERT_EQUAL_FATAL(ngot, 1);
	CU_ASSERT_EQUAL(got[0].queue, 0);
	CU_ASSERT_EQUAL(got[0].flags & PVF_NET_RX_HASH, 0);

	/* a table of 1s: every injected frame on queue 1, with its hash */
	fill_map(map, 16, 1);
	CU_ASSERT_EQUAL_FATAL(configure(flags, map, 16), 0);
	pvf_nb_hash(nb, &nh);
	CU_ASSERT_EQUAL(nh.algorithm, XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ);
	CU_ASSERT_EQUAL(nh.flags, flags);
	CU_ASSERT_EQUAL(nh.mapping_size, 16);
	ngot = 0;
	n = sizeof(v4) / sizeof(v4[0]);
	for (unsigned int i = 0; i < n; i++) {
		frame4(f, sizeof(f), fe_mac, v4[i].src, v4[i].dst, v4[i].sport, v4[i].dport, 1);
		CU_ASSERT_EQUAL(inject(f, sizeof(f), &q), 1);
		CU_ASSERT_EQUAL(q, 1);
	}
	wait_rx(n);
	CU_ASSERT_EQUAL_FATAL(ngot, n);
	for (unsigned int i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(got[i].queue, 1);
		CU_ASSERT(got[i].flags & PVF_NET_RX_HASH);
		CU_ASSERT_EQUAL(got[i].hash_type, _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP);
		CU_ASSERT_EQUAL(got[i].hash, v4[i].l4);
		CU_ASSERT_EQUAL(got[i].len, sizeof(f));
	}
	/* UDP: the IPv4 type (addresses only) */
	ngot = 0;
	frame4(f, sizeof(f), fe_mac, v4[3].src, v4[3].dst, 1, 2, 0);
	CU_ASSERT_EQUAL(inject(f, sizeof(f), &q), 1);
	wait_rx(1);
	CU_ASSERT_EQUAL_FATAL(ngot, 1);
	CU_ASSERT_EQUAL(got[0].queue, 1);
	CU_ASSERT_EQUAL(got[0].hash_type, _XEN_NETIF_CTRL_HASH_TYPE_IPV4);
	CU_ASSERT_EQUAL(got[0].hash, v4[3].l3);
	/* a non-IP frame: hash 0, so mapping[0], and no HASH extra */
	ngot = 0;
	put16(f + 12, 0x88b5);
	CU_ASSERT_EQUAL(inject(f, sizeof(f), &q), 1);
	wait_rx(1);
	CU_ASSERT_EQUAL_FATAL(ngot, 1);
	CU_ASSERT_EQUAL(got[0].queue, 1);
	CU_ASSERT_EQUAL(got[0].flags & PVF_NET_RX_HASH, 0);
	/* the echo of a frame sent on queue 0 comes back on queue 1 */
	ngot = 0;
	frame4(f, sizeof(f), fe_mac, v4[4].src, v4[4].dst, v4[4].sport, v4[4].dport, 1);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x0a", 6); /* echo swaps: the source must be unicast */
	CU_ASSERT_EQUAL(pvf_nfh_send(&h, 0, f, sizeof(f), 0, 0, 0), 0);
	wait_rx(1);
	CU_ASSERT_EQUAL_FATAL(ngot, 1);
	CU_ASSERT_EQUAL(got[0].queue, 1);
	CU_ASSERT_EQUAL(got[0].hash, v4[4].l4);
	CU_ASSERT_EQUAL(memcmp(got[0].head, f + 6, 6), 0);

	/* a table of 0s: queue 0, injected and echoed from queue 1 */
	fill_map(map, 16, 0);
	CU_ASSERT_EQUAL_FATAL(configure(flags, map, 16), 0);
	ngot = 0;
	for (unsigned int i = 0; i < n; i++) {
		frame4(f, sizeof(f), fe_mac, v4[i].src, v4[i].dst, v4[i].sport, v4[i].dport, 1);
		CU_ASSERT_EQUAL(inject(f, sizeof(f), &q), 1);
		CU_ASSERT_EQUAL(q, 0);
	}
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x0a", 6);
	CU_ASSERT_EQUAL(pvf_nfh_send(&h, 1, f, sizeof(f), 0, 0, 0), 0);
	wait_rx(n + 1);
	CU_ASSERT_EQUAL_FATAL(ngot, n + 1);
	for (unsigned int i = 0; i < n + 1; i++)
		CU_ASSERT_EQUAL(got[i].queue, 0);

	/* a mixed table: each frame on mapping[hash % 16] */
	for (uint32_t i = 0; i < 16; i++)
		map[i] = (i * 5u + 3u) % 2u;
	CU_ASSERT_EQUAL_FATAL(configure(flags, map, 16), 0);
	ngot = 0;
	for (unsigned int i = 0; i < n; i++) {
		frame4(f, sizeof(f), fe_mac, v4[i].src, v4[i].dst, v4[i].sport, v4[i].dport, 1);
		CU_ASSERT_EQUAL(inject(f, sizeof(f), &q), 1);
		CU_ASSERT_EQUAL(q, map[v4[i].l4 % 16]);
	}
	wait_rx(n);
	CU_ASSERT_EQUAL_FATAL(ngot, n);
	/* the two queues are served in any order: match by hash */
	for (unsigned int i = 0; i < n; i++) {
		unsigned int k = 0;

		while (k < n && got[k].hash != v4[i].l4)
			k++;
		CU_ASSERT_FATAL(k < n);
		CU_ASSERT_EQUAL(got[k].queue, map[v4[i].l4 % 16]);
	}
	{
		unsigned int on1 = 0;

		for (unsigned int i = 0; i < n; i++)
			on1 += got[i].queue == 1;
		CU_ASSERT(on1 > 0 && on1 < n); /* this table uses both queues */
	}
	/* no table: hash % queues (netif.h's modular arithmetic) */
	CU_ASSERT_EQUAL_FATAL(configure(flags, NULL, 0), 0);
	ngot = 0;
	for (unsigned int i = 0; i < n; i++) {
		frame4(f, sizeof(f), fe_mac, v4[i].src, v4[i].dst, v4[i].sport, v4[i].dport, 1);
		CU_ASSERT_EQUAL(inject(f, sizeof(f), &q), 1);
		CU_ASSERT_EQUAL(q, v4[i].l4 % 2);
	}
	wait_rx(n);
	CU_ASSERT_EQUAL(ngot, n);
	/* hashing off: back to the default queue, no extras */
	CU_ASSERT_EQUAL_FATAL(pvf_net_hash_configure(&h.net, NULL, hash_done, NULL), 0);
	hash_status = 1;
	for (int i = 0; i < 2500 && hash_status == 1; i++)
		pvf_nfh_pump(&h, 2);
	CU_ASSERT_EQUAL(hash_status, 0);
	ngot = 0;
	frame4(f, sizeof(f), fe_mac, v4[1].src, v4[1].dst, v4[1].sport, v4[1].dport, 1);
	CU_ASSERT_EQUAL(inject(f, sizeof(f), &q), 1);
	CU_ASSERT_EQUAL(q, 0);
	wait_rx(1);
	CU_ASSERT_EQUAL_FATAL(ngot, 1);
	CU_ASSERT_EQUAL(got[0].queue, 0);
	CU_ASSERT_EQUAL(got[0].flags & PVF_NET_RX_HASH, 0);
	pvf_nb_stats(nb, &st);
	CU_ASSERT(st.rx_steered >= 4 * n);
	CU_ASSERT_EQUAL(st.rx_filtered, 0);
	CU_ASSERT_EQUAL(st.error, 0);
	host_down();
}

/* Many echoes steered to the other queue than they were sent on: the
 * cross-queue path with its back-pressure, every frame back once. */
static void t_steer_echo_load(void)
{
	uint32_t map[8];
	uint8_t f[600];
	unsigned int sent = 0, want = 2000;
	struct pvf_nb_stats st;

	host_up(0);
	fill_map(map, 8, 1);
	CU_ASSERT_EQUAL_FATAL(configure(XEN_NETIF_CTRL_HASH_TYPE_IPV4, map, 8), 0);
	frame4(f, sizeof(f), fe_mac, v4[0].src, v4[0].dst, 1, 2, 0);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x0a", 6);
	for (int i = 0; i < 20000 && ngot < want; i++) {
		while (sent < want && pvf_nfh_send(&h, 0, f, sizeof(f), 0, 0, 0) == 0)
			sent++;
		CU_ASSERT_EQUAL(pvf_nfh_pump(&h, 1), 0);
	}
	CU_ASSERT_EQUAL(ngot, want);
	for (unsigned int i = 0; i < GOT_MAX; i++)
		CU_ASSERT_EQUAL(got[i].queue, 1);
	pvf_nb_stats(nb, &st);
	CU_ASSERT_EQUAL(st.rx_packets, want);
	CU_ASSERT_EQUAL(st.rx_dropped, 0);
	CU_ASSERT_EQUAL(st.rx_hash_extras, want);
	host_down();
}

/* ---- multicast filter ------------------------------------------------------ */

static int mc_status;

static void mc_done(struct pvf_net_tx *tx, int status)
{
	(void)tx;
	mc_status = status;
}

/* Join (@op PVF_NET_MCAST_ADD) or leave @grp.  Returns the completion. */
static int mcast_op(uint8_t op, const uint8_t grp[6])
{
	static struct pvf_net_tx tx;
	int rc;

	memset(&tx, 0, sizeof(tx));
	tx.mcast_op = op;
	memcpy(tx.mcast_addr, grp, 6);
	tx.done = mc_done;
	mc_status = 1;
	rc = pvf_net_transmit(&h.net, &tx);
	if (rc)
		return rc;
	for (int i = 0; i < 2500 && mc_status == 1; i++)
		pvf_nfh_pump(&h, 2);
	return mc_status;
}

static uint64_t filtered(void)
{
	struct pvf_nb_stats st;

	pvf_nb_stats(nb, &st);
	return st.rx_filtered;
}

static void t_mcast_filter(void)
{
	static const uint8_t g1[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	static const uint8_t g2[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t ip[4] = { 10, 0, 0, 1 };
	struct pvf_nb_frontend fi;
	struct pvf_nb_hash nh;
	uint8_t f[100];

	host_up(1);
	pvf_nb_frontend_info(nb, &fi);
	CU_ASSERT_EQUAL(fi.mcast_control, 1);
	/* not joined: dropped and counted */
	frame4(f, sizeof(f), g1, ip, ip, 1, 2, 0);
	CU_ASSERT_EQUAL(inject(f, sizeof(f), NULL), 0);
	CU_ASSERT_EQUAL(filtered(), 1);
	/* joined: passes; another group still dropped */
	CU_ASSERT_EQUAL(mcast_op(PVF_NET_MCAST_ADD, g1), 0);
	pvf_nb_hash(nb, &nh);
	CU_ASSERT_EQUAL(nh.mcast_count, 1);
	CU_ASSERT_EQUAL(inject(f, sizeof(f), NULL), 1);
	frame4(f, sizeof(f), g2, ip, ip, 1, 2, 0);
	CU_ASSERT_EQUAL(inject(f, sizeof(f), NULL), 0);
	CU_ASSERT_EQUAL(filtered(), 2);
	/* broadcast and unicast always pass */
	frame4(f, sizeof(f), bc, ip, ip, 1, 2, 0);
	CU_ASSERT_EQUAL(inject(f, sizeof(f), NULL), 1);
	frame4(f, sizeof(f), fe_mac, ip, ip, 1, 2, 0);
	CU_ASSERT_EQUAL(inject(f, sizeof(f), NULL), 1);
	wait_rx(3);
	CU_ASSERT_EQUAL_FATAL(ngot, 3);
	CU_ASSERT_EQUAL(memcmp(got[0].head, g1, 6), 0);
	CU_ASSERT_EQUAL(memcmp(got[1].head, bc, 6), 0);
	CU_ASSERT_EQUAL(memcmp(got[2].head, fe_mac, 6), 0);
	/* the echo of a frame from a multicast source is filtered too */
	frame4(f, sizeof(f), fe_mac, ip, ip, 1, 2, 0);
	memcpy(f + 6, g2, 6);
	CU_ASSERT_EQUAL(pvf_nfh_send(&h, 0, f, sizeof(f), 0, 0, 0), 0);
	for (int i = 0; i < 2500 && filtered() < 3; i++)
		pvf_nfh_pump(&h, 2);
	CU_ASSERT_EQUAL(filtered(), 3);
	/* left: dropped again */
	CU_ASSERT_EQUAL(mcast_op(PVF_NET_MCAST_DEL, g1), 0);
	frame4(f, sizeof(f), g1, ip, ip, 1, 2, 0);
	CU_ASSERT_EQUAL(inject(f, sizeof(f), NULL), 0);
	CU_ASSERT_EQUAL(filtered(), 4);
	/* leaving a group not joined is refused */
	CU_ASSERT_EQUAL(mcast_op(PVF_NET_MCAST_DEL, g1), -PVF_EIO);
	/* dynamic control: the frontend withdraws its request, all passes */
	CU_ASSERT_EQUAL_FATAL(pvf_xs_write_str(h.p, 0, fe_dir, "request-multicast-control", "0"),
			      0);
	for (int i = 0; i < 500; i++) {
		pvf_nb_frontend_info(nb, &fi);
		if (!fi.mcast_control)
			break;
		pvf_nfh_pump(&h, 2);
	}
	CU_ASSERT_EQUAL(fi.mcast_control, 0);
	CU_ASSERT_EQUAL(inject(f, sizeof(f), NULL), 1);
	CU_ASSERT_EQUAL(filtered(), 4);
	host_down();
}

static void t_mcast_without_control(void)
{
	static const uint8_t g1[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	static const uint8_t ip[4] = { 10, 0, 0, 1 };
	struct pvf_nb_frontend fi;
	uint8_t f[100];

	host_up(0);
	pvf_nb_frontend_info(nb, &fi);
	CU_ASSERT_EQUAL(fi.mcast_control, 0);
	frame4(f, sizeof(f), g1, ip, ip, 1, 2, 0);
	CU_ASSERT_EQUAL(inject(f, sizeof(f), NULL), 1);
	wait_rx(1);
	CU_ASSERT_EQUAL(ngot, 1);
	CU_ASSERT_EQUAL(filtered(), 0);
	/* bad arguments, and after the frontend went away */
	CU_ASSERT_EQUAL(pvf_nb_inject(nb, f, 13, NULL), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_nb_inject(nb, NULL, 60, NULL), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_nfh_close(&h, TMO), 0);
	for (int i = 0; i < 500 && pvf_nb_inject(nb, f, sizeof(f), NULL) != -PVF_ENOTCONN; i++)
		pvf_lb_guest_poll(env.guest, 2);
	CU_ASSERT_EQUAL(pvf_nb_inject(nb, f, sizeof(f), NULL), -PVF_ENOTCONN);
	CU_ASSERT_EQUAL(pvf_nb_stop(nb), 0);
	nb = NULL;
	pvf_nb_toolstack_remove(fe_dir, be_dir);
	env_down();
}

static const struct pvf_test tests[] = {
	PVF_TEST(t_toeplitz_vectors),
	PVF_TEST(t_steer_table),
	PVF_TEST(t_steer_echo_load),
	PVF_TEST(t_mcast_filter),
	PVF_TEST(t_mcast_without_control),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("netback_steer", tests, NULL, NULL);
}
