/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netback (harness/netback*.c) against the harness's small netfront over the
 * embedded xenstore and the simulated hypervisor: advertised keys per
 * profile, echo with data checked, hostile TX slots, control ring, multicast,
 * GSO, multi-queue, reconnect, and no grant left mapped after disconnect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include <pvfront/errno.h>
#include <pvfront/xs.h>
#include "cu.h"
#include "env.h"
#include "netback.h"
#include "netback_rawfront.h"

#define TMO 5000

static struct pvf_env env;
static struct pvf_nb *nb;
static struct pvf_nbr fr;
static char fe_dir[256], be_dir[256];
static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x11, 0x22, 0x33 };

struct rxpkt {
	uint8_t data[70000];
	size_t len;
	uint16_t flags;
	unsigned int queue;
	int gso_type, gso_size;
};
static struct rxpkt rx[8];
static unsigned int nrx;

static void on_rx(void *arg, unsigned int q, const uint8_t *d, size_t len, uint16_t flags,
		  const struct netif_extra_info *gso)
{
	(void)arg;
	if (nrx < 8) {
		memcpy(rx[nrx].data, d, len);
		rx[nrx].len = len;
		rx[nrx].flags = flags;
		rx[nrx].queue = q;
		rx[nrx].gso_type = gso ? gso->u.gso.type : 0;
		rx[nrx].gso_size = gso ? gso->u.gso.size : 0;
	}
	nrx++;
}

static int up(enum pvf_nb_profile prof, enum pvf_nb_mode mode, const struct pvf_nbr_config *fc)
{
	struct pvf_nb_config c;
	int rc;

	if (pvf_env_start(&env, NULL, "test_netback"))
		return -1;
	rc = pvf_nb_toolstack_add(0, 1, 0, mac, 1500, fe_dir, sizeof(fe_dir), be_dir,
				  sizeof(be_dir));
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	memset(&c, 0, sizeof(c));
	c.hv = env.hv;
	snprintf(c.fe_dir, sizeof(c.fe_dir), "%s", fe_dir);
	snprintf(c.be_dir, sizeof(c.be_dir), "%s", be_dir);
	c.mode = mode;
	c.profile = prof;
	rc = pvf_nb_start(&c, &nb);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	nrx = 0;
	memset(&fr, 0, sizeof(fr));
	fr.rx_fn = on_rx;
	if (!fc)
		return 0;
	return pvf_nbr_attach(&fr, env.guest, fe_dir, fc, TMO);
}

/* Stop everything; asserts nothing is left mapped, granted or bound. */
static void down(int attached)
{
	struct pvf_lb_stats st;
	struct pvf_nb_stats ns;

	if (attached)
		CU_ASSERT_EQUAL(pvf_nbr_detach(&fr, TMO), 0);
	pvf_nb_stats(nb, &ns);
	CU_ASSERT_EQUAL(ns.grants_mapped, 0);
	pvf_nb_stop(nb);
	nb = NULL;
	pvf_lb_hv_stats(env.hv, &st);
	CU_ASSERT_EQUAL(st.grants_mapped, 0);
	CU_ASSERT_EQUAL(st.grants_in_use, 0);
	CU_ASSERT_EQUAL(st.guest_ports, 0);
	CU_ASSERT_EQUAL(st.backend_ports, 0);
	CU_ASSERT_EQUAL(st.pages_allocated, 0);
	pvf_nb_toolstack_remove(fe_dir, be_dir);
	pvf_env_stop(&env);
}

/* Poll until @n packets arrived and nothing is in flight, or time out. */
static void pump(unsigned int n)
{
	for (int i = 0; i < 2000 && (nrx < n || pvf_nbr_tx_inflight(&fr)); i++)
		if (pvf_nbr_poll(&fr, 2) < 0)
			break;
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed);
	memcpy(p, "\x02\x00\x00\x00\x00\x01", 6);   /* dst */
	memcpy(p + 6, "\x02\x00\x00\x00\x00\x02", 6); /* src */
}

/* The echo of @p: MACs swapped, the rest identical. */
static int is_echo(const struct rxpkt *r, const uint8_t *p, size_t len)
{
	return r->len == len && !memcmp(r->data, p + 6, 6) && !memcmp(r->data + 6, p, 6) &&
	       !memcmp(r->data + 12, p + 12, len - 12);
}

static char *be_key(const char *key)
{
	struct xs_handle *xs = xs_open(0);
	char path[512];
	unsigned int len;
	char *v;

	snprintf(path, sizeof(path), "%s/%s", be_dir, key);
	v = xs ? xs_read(xs, XBT_NULL, path, &len) : NULL;
	if (xs)
		xs_close(xs);
	return v;
}

static int key_is(const char *key, const char *want)
{
	char *v = be_key(key);
	int ok = want ? (v && !strcmp(v, want)) : !v;

	free(v);
	return ok;
}

static void wait_initwait(void)
{
	for (int i = 0; i < 500 && !key_is("state", "2"); i++)
		pvf_lb_guest_poll(env.guest, 2);
}

static void t_profile_keys(void)
{
	if (up(PVF_NB_PROFILE_LINUX, PVF_NB_MODE_SINK, NULL))
		return;
	wait_initwait();
	CU_ASSERT(key_is("state", "2"));
	CU_ASSERT(key_is("feature-rx-copy", "1"));
	CU_ASSERT(key_is("feature-sg", "1"));
	CU_ASSERT(key_is("feature-gso-tcpv4", "1"));
	CU_ASSERT(key_is("feature-gso-tcpv6", "1"));
	CU_ASSERT(key_is("feature-ipv6-csum-offload", "1"));
	CU_ASSERT(key_is("feature-split-event-channels", "1"));
	CU_ASSERT(key_is("multi-queue-max-queues", "4"));
	CU_ASSERT(key_is("feature-ctrl-ring", "1"));
	CU_ASSERT(key_is("feature-multicast-control", "1"));
	CU_ASSERT(key_is("feature-xdp-headroom", NULL));
	down(0);

	if (up(PVF_NB_PROFILE_QEMU, PVF_NB_MODE_SINK, NULL))
		return;
	wait_initwait();
	CU_ASSERT(key_is("feature-rx-copy", "1"));
	CU_ASSERT(key_is("feature-sg", NULL));
	CU_ASSERT(key_is("feature-gso-tcpv4", NULL));
	CU_ASSERT(key_is("multi-queue-max-queues", NULL));
	CU_ASSERT(key_is("feature-split-event-channels", NULL));
	CU_ASSERT(key_is("feature-ctrl-ring", NULL));
	down(0);

	if (up(PVF_NB_PROFILE_FULL, PVF_NB_MODE_SINK, NULL))
		return;
	wait_initwait();
	CU_ASSERT(key_is("multi-queue-max-queues", "8"));
	CU_ASSERT(key_is("feature-xdp-headroom", "1"));
	CU_ASSERT(key_is("feature-ctrl-ring", "1"));
	down(0);
}

static void t_echo_sizes(void)
{
	static uint8_t p[9000];
	struct pvf_nbr_config fc = { .queues = 1 };
	const size_t sizes[] = { 60, 1500 };

	CU_ASSERT_EQUAL_FATAL(up(PVF_NB_PROFILE_LINUX, PVF_NB_MODE_ECHO, &fc), 0);
	for (unsigned int k = 0; k < 2; k++) {
		nrx = 0;
		fill(p, sizes[k], k);
		CU_ASSERT_EQUAL(pvf_nbr_send(&fr, 0, p, sizes[k], 0, NULL, 0), 0);
		pump(1);
		CU_ASSERT_EQUAL(nrx, 1);
		CU_ASSERT(is_echo(&rx[0], p, sizes[k]));
	}
	/* multi-slot: 3 slots of 1000 bytes, and 9000 bytes over 3 pages */
	nrx = 0;
	fill(p, 3000, 9);
	CU_ASSERT_EQUAL(pvf_nbr_send(&fr, 0, p, 3000, NETTXF_csum_blank, NULL, 1000), 0);
	pump(1);
	CU_ASSERT_EQUAL(nrx, 1);
	CU_ASSERT(is_echo(&rx[0], p, 3000));
	CU_ASSERT(rx[0].flags & NETRXF_csum_blank);
	nrx = 0;
	fill(p, 9000, 3);
	CU_ASSERT_EQUAL(pvf_nbr_send(&fr, 0, p, 9000, 0, NULL, 0), 0);
	pump(1);
	CU_ASSERT_EQUAL(nrx, 1);
	CU_ASSERT(is_echo(&rx[0], p, 9000));
	CU_ASSERT_EQUAL(fr.st.tx_ok, 1 + 1 + 3 + 3); /* per slot */
	CU_ASSERT_EQUAL(fr.st.tx_error, 0);
	down(1);
}

static void t_bad_tx_slots(void)
{
	struct pvf_nbr_config fc = { .queues = 1 };
	struct netif_tx_request r[20];
	struct pvf_nb_stats st;
	static uint8_t p[200];
	uint32_t ref = 0;

	CU_ASSERT_EQUAL_FATAL(up(PVF_NB_PROFILE_LINUX, PVF_NB_MODE_ECHO, &fc), 0);
	ref = pvf_nbr_tx_ref(&fr, 0, fr.q[0].tx.req_prod_pvt);
	memset(r, 0, sizeof(r));
	/* offset + size past the page */
	r[0] = (struct netif_tx_request){ .gref = ref, .offset = 4000, .size = 200 };
	CU_ASSERT_EQUAL(pvf_nbr_send_raw(&fr, 0, r, 1), 0);
	pump(0);
	/* 19 data slots */
	for (unsigned int k = 0; k < 19; k++)
		r[k] = (struct netif_tx_request){ .gref = pvf_nbr_tx_ref(&fr, 0, fr.q[0].tx.req_prod_pvt + k),
						  .size = k ? 10 : 190,
						  .flags = k < 18 ? NETTXF_more_data : 0 };
	CU_ASSERT_EQUAL(pvf_nbr_send_raw(&fr, 0, r, 19), 0);
	pump(0);
	/* first slot smaller than the rest */
	r[0] = (struct netif_tx_request){ .gref = pvf_nbr_tx_ref(&fr, 0, fr.q[0].tx.req_prod_pvt),
					  .size = 20, .flags = NETTXF_more_data };
	r[1] = (struct netif_tx_request){ .gref = pvf_nbr_tx_ref(&fr, 0, fr.q[0].tx.req_prod_pvt + 1),
					  .size = 100 };
	CU_ASSERT_EQUAL(pvf_nbr_send_raw(&fr, 0, r, 2), 0);
	pump(0);
	/* a grant reference that is not granted to us */
	r[0] = (struct netif_tx_request){ .gref = 5000, .size = 60 };
	CU_ASSERT_EQUAL(pvf_nbr_send_raw(&fr, 0, r, 1), 0);
	pump(0);
	/* an unknown extra type */
	r[0] = (struct netif_tx_request){ .gref = pvf_nbr_tx_ref(&fr, 0, fr.q[0].tx.req_prod_pvt),
					  .size = 60, .flags = NETTXF_extra_info };
	{
		struct netif_extra_info bad;

		memset(&bad, 0, sizeof(bad));
		bad.type = 9;
		memset(&r[1], 0, sizeof(r[1]));
		memcpy(&r[1], &bad, sizeof(bad));
	}
	CU_ASSERT_EQUAL(pvf_nbr_send_raw(&fr, 0, r, 2), 0);
	pump(0);
	/* a runt (smaller than an Ethernet header) */
	r[0] = (struct netif_tx_request){ .gref = pvf_nbr_tx_ref(&fr, 0, fr.q[0].tx.req_prod_pvt),
					  .size = 8 };
	CU_ASSERT_EQUAL(pvf_nbr_send_raw(&fr, 0, r, 1), 0);
	pump(0);
	CU_ASSERT_EQUAL(fr.st.tx_error, 1 + 19 + 2 + 1 + 1 + 1);
	CU_ASSERT_EQUAL(fr.st.tx_null, 1);
	CU_ASSERT_EQUAL(fr.st.tx_ok, 0);
	CU_ASSERT_EQUAL(nrx, 0);
	pvf_nb_stats(nb, &st);
	CU_ASSERT_EQUAL(st.tx_errors, 6);
	CU_ASSERT_EQUAL(st.fatal, 0);
	/* and the queue still serves */
	fill(p, sizeof(p), 1);
	CU_ASSERT_EQUAL(pvf_nbr_send(&fr, 0, p, sizeof(p), 0, NULL, 0), 0);
	pump(1);
	CU_ASSERT_EQUAL(nrx, 1);
	CU_ASSERT(is_echo(&rx[0], p, sizeof(p)));
	down(1);
}

static void t_ring_overflow_is_fatal_not_a_crash(void)
{
	struct pvf_nbr_config fc = { .queues = 1 };
	struct pvf_nb_stats st;
	struct netif_tx_sring *s;

	CU_ASSERT_EQUAL_FATAL(up(PVF_NB_PROFILE_LINUX, PVF_NB_MODE_SINK, &fc), 0);
	s = fr.q[0].tx.sring;
	s->req_prod = fr.q[0].tx.req_prod_pvt + 1000; /* hostile producer */
	fr.p->ops->evtchn_notify(fr.p->ctx, fr.q[0].port_tx);
	for (int i = 0; i < 500; i++) {
		pvf_nb_stats(nb, &st);
		if (st.fatal)
			break;
		pvf_lb_guest_poll(env.guest, 2);
	}
	CU_ASSERT_EQUAL(st.fatal, 1);
	CU_ASSERT_EQUAL(st.error, -PVF_EPROTO);
	s->req_prod = fr.q[0].tx.req_prod_pvt;
	down(1);
}

static void t_ctrl_hash(void)
{
	struct pvf_nbr_config fc = { .queues = 2, .split = 1, .ctrl = 1 };
	struct pvf_nb_hash h;
	uint32_t stv, data, *tab;
	uint8_t *key;

	CU_ASSERT_EQUAL_FATAL(up(PVF_NB_PROFILE_LINUX, PVF_NB_MODE_ECHO, &fc), 0);
	CU_ASSERT_EQUAL(fr.nq, 2);
	CU_ASSERT(fr.have_ctrl);
	/* flags before an algorithm: not supported */
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, 0, 0, 0, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED);
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM, 7, 0, 0, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM,
				     XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0, 0, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_SUCCESS);
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS, 0, 0, 0, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_SUCCESS);
	CU_ASSERT_EQUAL(data, 0xfu);
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, 0x5, 0, 0, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_SUCCESS);
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS, 0x10, 0, 0, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
	key = pvf_nbr_ctrl_buf(&fr);
	for (unsigned int i = 0; i < 40; i++)
		key[i] = (uint8_t)(0xa0 + i);
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, pvf_nbr_ctrl_buf_ref(&fr),
				     41, 0, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW);
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, pvf_nbr_ctrl_buf_ref(&fr),
				     40, 0, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_SUCCESS);
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE, 0, 0, 0, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(data, PVF_NB_HASH_MAP_MAX);
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE, 64, 0, 0, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_SUCCESS);
	tab = pvf_nbr_ctrl_buf(&fr);
	for (unsigned int i = 0; i < 32; i++)
		tab[i] = i & 1;
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, pvf_nbr_ctrl_buf_ref(&fr),
				     32, 16, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_SUCCESS);
	/* past the table, and a queue that does not exist: refused, unchanged */
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, pvf_nbr_ctrl_buf_ref(&fr),
				     32, 40, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
	tab[3] = 2;
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING, pvf_nbr_ctrl_buf_ref(&fr),
				     4, 0, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
	CU_ASSERT_EQUAL(pvf_nbr_ctrl(&fr, XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING, 0, 0, 0, &stv, &data, TMO), 0);
	CU_ASSERT_EQUAL(stv, XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED);
	pvf_nb_hash(nb, &h);
	CU_ASSERT_EQUAL(h.algorithm, XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ);
	CU_ASSERT_EQUAL(h.flags, 0x5);
	CU_ASSERT_EQUAL(h.key_len, 40);
	CU_ASSERT_EQUAL(h.key[0], 0xa0);
	CU_ASSERT_EQUAL(h.key[39], 0xa0 + 39);
	CU_ASSERT_EQUAL(h.mapping_size, 64);
	CU_ASSERT_EQUAL(h.mapping[0], 0);
	CU_ASSERT_EQUAL(h.mapping[16], 0);
	CU_ASSERT_EQUAL(h.mapping[17], 1);
	CU_ASSERT_EQUAL(h.mapping[47], 1);
	CU_ASSERT_EQUAL(h.mapping[48], 0);
	down(1);
}

static void t_multiqueue_gso_mcast(void)
{
	struct pvf_nbr_config fc = { .queues = 3, .split = 1, .gso = 1, .xdp_headroom = 128 };
	struct netif_extra_info ex;
	struct pvf_nb_frontend fi;
	struct pvf_nb_hash h;
	static uint8_t p[20000];

	CU_ASSERT_EQUAL_FATAL(up(PVF_NB_PROFILE_FULL, PVF_NB_MODE_ECHO, &fc), 0);
	pvf_nb_frontend_info(nb, &fi);
	CU_ASSERT_EQUAL(fi.queues, 3);
	CU_ASSERT_EQUAL(fi.split_evtchn, 1);
	CU_ASSERT_EQUAL(fi.rx_notify, 1);
	CU_ASSERT_EQUAL(fi.gso_tcpv4, 1);
	CU_ASSERT_EQUAL(fi.xdp_headroom, 128);
	memset(&ex, 0, sizeof(ex));
	ex.type = XEN_NETIF_EXTRA_TYPE_GSO;
	ex.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
	ex.u.gso.size = 1448;
	fill(p, sizeof(p), 5);
	CU_ASSERT_EQUAL(pvf_nbr_send(&fr, 2, p, sizeof(p), NETTXF_csum_blank, &ex, 0), 0);
	pump(1);
	CU_ASSERT_EQUAL(nrx, 1);
	CU_ASSERT(is_echo(&rx[0], p, sizeof(p)));
	CU_ASSERT_EQUAL(rx[0].queue, 2);
	CU_ASSERT_EQUAL(rx[0].gso_type, XEN_NETIF_GSO_TYPE_TCPV4);
	CU_ASSERT_EQUAL(rx[0].gso_size, 1448);
	/* a GSO extra with size 0 is refused */
	ex.u.gso.size = 0;
	CU_ASSERT_EQUAL(pvf_nbr_send(&fr, 1, p, 1000, 0, &ex, 0), 0);
	pump(1);
	CU_ASSERT_EQUAL(fr.st.tx_error, 1);
	/* multicast filter add, add, del */
	memset(&ex, 0, sizeof(ex));
	ex.type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD;
	memcpy(ex.u.mcast.addr, "\x01\x00\x5e\x00\x00\x01", 6);
	CU_ASSERT_EQUAL(pvf_nbr_send(&fr, 0, p, 60, 0, &ex, 0), 0);
	memcpy(ex.u.mcast.addr, "\x01\x00\x5e\x00\x00\x02", 6);
	CU_ASSERT_EQUAL(pvf_nbr_send(&fr, 0, p, 60, 0, &ex, 0), 0);
	ex.type = XEN_NETIF_EXTRA_TYPE_MCAST_DEL;
	memcpy(ex.u.mcast.addr, "\x01\x00\x5e\x00\x00\x01", 6);
	CU_ASSERT_EQUAL(pvf_nbr_send(&fr, 0, p, 60, 0, &ex, 0), 0);
	pump(1);
	pvf_nb_hash(nb, &h);
	CU_ASSERT_EQUAL(h.mcast_count, 1);
	CU_ASSERT(!memcmp(h.mcast[0], "\x01\x00\x5e\x00\x00\x02", 6));
	CU_ASSERT_EQUAL(nrx, 1); /* filter updates are not packets */
	down(1);
}

static void t_qemu_profile(void)
{
	struct pvf_nbr_config fc = { .queues = 4, .split = 1, .ctrl = 1 };
	static uint8_t p[3000];

	CU_ASSERT_EQUAL_FATAL(up(PVF_NB_PROFILE_QEMU, PVF_NB_MODE_ECHO, &fc), 0);
	CU_ASSERT_EQUAL(fr.nq, 1);
	CU_ASSERT_EQUAL(fr.split, 0);
	CU_ASSERT_EQUAL(fr.have_ctrl, 0);
	fill(p, sizeof(p), 2);
	/* no SG: a packet over several slots is refused */
	CU_ASSERT_EQUAL(pvf_nbr_send(&fr, 0, p, sizeof(p), 0, NULL, 1000), 0);
	pump(0);
	CU_ASSERT_EQUAL(fr.st.tx_error, 3);
	CU_ASSERT_EQUAL(pvf_nbr_send(&fr, 0, p, sizeof(p), 0, NULL, 0), 0);
	pump(1);
	CU_ASSERT_EQUAL(nrx, 1);
	CU_ASSERT(is_echo(&rx[0], p, sizeof(p)));
	down(1);
}

static void t_no_rx_copy_refused(void)
{
	struct pvf_nbr_config fc = { .queues = 1, .no_rx_copy = 1 };
	struct pvf_nb_stats st;
	char *err;

	CU_ASSERT_EQUAL(up(PVF_NB_PROFILE_LINUX, PVF_NB_MODE_ECHO, &fc), -PVF_ECONNRESET);
	err = be_key("error");
	CU_ASSERT_PTR_NOT_NULL(err);
	free(err);
	pvf_nb_stats(nb, &st);
	CU_ASSERT_EQUAL(st.error, -PVF_EOPNOTSUPP);
	CU_ASSERT_EQUAL(st.connections, 0);
	down(0);
}

static void t_reconnect(void)
{
	struct pvf_nbr_config fc = { .queues = 2, .split = 0, .ctrl = 1 };
	struct pvf_lb_stats ls;
	struct pvf_nb_stats st;
	static uint8_t p[1500];

	CU_ASSERT_EQUAL_FATAL(up(PVF_NB_PROFILE_LINUX, PVF_NB_MODE_ECHO, &fc), 0);
	pvf_nb_stats(nb, &st);
	CU_ASSERT_EQUAL(st.grants_mapped, 5); /* 2 x (tx, rx) + ctrl */
	CU_ASSERT_EQUAL(pvf_nbr_detach(&fr, TMO), 0);
	pvf_nb_stats(nb, &st);
	CU_ASSERT_EQUAL(st.grants_mapped, 0);
	CU_ASSERT_EQUAL(st.disconnects, 1);
	pvf_lb_hv_stats(env.hv, &ls);
	CU_ASSERT_EQUAL(ls.grants_mapped, 0);
	CU_ASSERT_EQUAL(ls.grants_in_use, 0);
	/* the frontend comes back */
	pvf_xs_write_u32(fr.p, 0, fe_dir, "state", XenbusStateInitialising);
	CU_ASSERT_EQUAL(pvf_nbr_attach(&fr, env.guest, fe_dir, &fc, TMO), 0);
	fill(p, sizeof(p), 4);
	CU_ASSERT_EQUAL(pvf_nbr_send(&fr, 1, p, sizeof(p), 0, NULL, 0), 0);
	pump(1);
	CU_ASSERT_EQUAL(nrx, 1);
	CU_ASSERT(is_echo(&rx[0], p, sizeof(p)));
	pvf_nb_stats(nb, &st);
	CU_ASSERT_EQUAL(st.connections, 2);
	down(1);
}

static const struct pvf_test tests[] = {
	PVF_TEST(t_profile_keys),
	PVF_TEST(t_echo_sizes),
	PVF_TEST(t_bad_tx_slots),
	PVF_TEST(t_ring_overflow_is_fatal_not_a_crash),
	PVF_TEST(t_ctrl_hash),
	PVF_TEST(t_multiqueue_gso_mcast),
	PVF_TEST(t_qemu_profile),
	PVF_TEST(t_no_rx_copy_refused),
	PVF_TEST(t_reconnect),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("netback", tests, NULL, NULL);
}
