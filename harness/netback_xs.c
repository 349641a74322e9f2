/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netback XenBus side: the profile's advertised keys, reading and checking
 * the frontend's keys, mapping rings and binding ports (connect), the queue
 * worker threads, and the full teardown (disconnect) that leaves no grant
 * mapped and no port bound.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <xenstore.h>
#include <pvfront/errno.h>
#include "netback_internal.h"
#include "toolstack.h"

/* Every profile; then all but qemu; then full only. */
static const struct pvf_ts_kv adv_base[] = {
	{ "feature-rx-copy", "1" }, { "feature-rx-flip", "0" }, { NULL, NULL },
};
static const struct pvf_ts_kv adv_linux[] = {
	{ "feature-sg", "1" },
	{ "feature-gso-tcpv4", "1" },
	{ "feature-gso-tcpv6", "1" },
	{ "feature-ipv6-csum-offload", "1" },
	{ "feature-split-event-channels", "1" },
	{ "feature-ctrl-ring", "1" },
	{ "feature-multicast-control", "1" },
	{ "feature-dynamic-multicast-control", "1" },
	{ NULL, NULL },
};
static const struct pvf_ts_kv adv_full[] = {
	{ "feature-no-csum-offload", "0" }, { "feature-xdp-headroom", "1" }, { NULL, NULL },
};

int nb_advertise(struct pvf_nb *nb, void *xsp)
{
	struct xs_handle *xs = xsp;
	const char *d = nb->cfg.be_dir;
	int rc;

	rc = pvf_ts_write_keys(xs, XBT_NULL, d, adv_base);
	if (nb->cfg.profile == PVF_NB_PROFILE_QEMU)
		return rc;
	rc = rc ? rc : pvf_ts_write_keys(xs, XBT_NULL, d, adv_linux);
	rc = rc ? rc : pvf_ts_writef(xs, XBT_NULL, d, "multi-queue-max-queues", "%u",
				     nb->max_queues);
	if (nb->cfg.profile == PVF_NB_PROFILE_FULL)
		rc = rc ? rc : pvf_ts_write_keys(xs, XBT_NULL, d, adv_full);
	return rc;
}

static void nb_queue_event(void *arg, uint32_t port)
{
	struct nb_queue *q = arg;
	uint64_t one = 1;

	(void)port;
	NB_ADD(q->nb, events, 1);
	if (write(q->evfd, &one, sizeof(one)) < 0) {
		/* the counter is saturated: the worker is awake anyway */
	}
	/* RX requests may have arrived for workers steering frames here */
	nb_rx_kick_waiters(q);
}

static void *nb_queue_main(void *arg)
{
	struct nb_queue *q = arg;

	while (!q->stop) {
		struct pollfd pfd[2];
		int busy, nfd = 1;
		uint64_t v;

		busy = nb_tx_work(q, 64);
		busy += nb_tap_rx_work(q, 64);
		busy += nb_gen_rx_work(q, 64);
		if (busy)
			continue;
		pfd[0].fd = q->evfd;
		pfd[0].events = POLLIN;
		if (q->tap_fd >= 0 && !q->rx_pending && !q->fatal) {
			pfd[1].fd = q->tap_fd;
			pfd[1].events = POLLIN;
			nfd = 2;
		}
		/* The timeout also serves frontends without feature-rx-notify. */
		if (poll(pfd, (nfds_t)nfd, 10) > 0 && (pfd[0].revents & POLLIN)) {
			if (read(q->evfd, &v, sizeof(v)) < 0) {
				/* nothing pending after all */
			}
		}
	}
	return NULL;
}

static int nb_queue_connect(struct pvf_nb *nb, struct xs_handle *xs, unsigned int i)
{
	struct nb_queue *q = &nb->q[i];
	char dir[300];
	uint32_t tx_ref, rx_ref, p_tx = 0, p_rx = 0;
	void *va;
	int rc, have_tx, have_rx;
	char tmp[32];

	if (nb->nq_req > 1)
		snprintf(dir, sizeof(dir), "%s/queue-%u", nb->cfg.fe_dir, i);
	else
		snprintf(dir, sizeof(dir), "%s", nb->cfg.fe_dir);
	q->nb = nb;
	q->idx = i;
	rc = pvf_ts_read_u32(xs, dir, "tx-ring-ref", &tx_ref);
	rc = rc ? rc : pvf_ts_read_u32(xs, dir, "rx-ring-ref", &rx_ref);
	if (rc)
		return rc;
	have_tx = pvf_ts_read(xs, dir, "event-channel-tx", tmp, sizeof(tmp)) >= 0;
	have_rx = pvf_ts_read(xs, dir, "event-channel-rx", tmp, sizeof(tmp)) >= 0;
	if ((have_tx || have_rx) && nb_prof_split(nb)) {
		rc = pvf_ts_read_u32(xs, dir, "event-channel-tx", &p_tx);
		rc = rc ? rc : pvf_ts_read_u32(xs, dir, "event-channel-rx", &p_rx);
		nb->fe.split_evtchn = 1;
	} else {
		rc = pvf_ts_read_u32(xs, dir, "event-channel", &p_tx);
		p_rx = p_tx;
	}
	if (rc)
		return rc;
	rc = pvf_lb_be_open(nb->cfg.hv, &q->be);
	if (rc)
		return rc;
	q->pkt = malloc(NB_VNET_HLEN + NB_MAX_PKT);
	q->txp = malloc(nb_txpkt_size());
	if (nb->tap_fd >= 0 && i == 0) {
		q->rxbuf = malloc(NB_VNET_HLEN + NB_MAX_PKT);
		q->tap_fd = nb->tap_fd;
	} else if (nb->cfg.mode == PVF_NB_MODE_GEN) {
		q->rxbuf = malloc(NB_VNET_HLEN + NB_MAX_PKT);
		if (q->rxbuf)
			nb_gen_frame(q->rxbuf, nb->cfg.gen_size);
	}
	if (!q->pkt || !q->txp || ((q->tap_fd >= 0 || nb->cfg.mode == PVF_NB_MODE_GEN) && !q->rxbuf))
		return -PVF_ENOMEM;
	q->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->evfd < 0)
		return -errno;
	rc = pvf_lb_be_map(q->be, tx_ref, 0, &va);
	if (rc)
		return rc;
	q->tx_ref = tx_ref;
	q->tx_mapped = 1;
	NB_ADD(nb, grants_mapped, 1);
	BACK_RING_INIT(&q->tx, (struct netif_tx_sring *)va, NB_PAGE);
	rc = pvf_lb_be_map(q->be, rx_ref, 0, &va);
	if (rc)
		return rc;
	q->rx_ref = rx_ref;
	q->rx_mapped = 1;
	NB_ADD(nb, grants_mapped, 1);
	BACK_RING_INIT(&q->rx, (struct netif_rx_sring *)va, NB_PAGE);
	rc = pvf_lb_be_bind_interdomain(q->be, p_tx, &q->port_tx);
	if (rc)
		return rc;
	q->bound_tx = 1;
	q->port_rx = q->port_tx;
	if (p_rx != p_tx) {
		rc = pvf_lb_be_bind_interdomain(q->be, p_rx, &q->port_rx);
		if (rc)
			return rc;
		q->bound_rx = 1;
	}
	pvf_lb_be_bind(q->be, q->port_tx, nb_queue_event, q);
	if (q->bound_rx)
		pvf_lb_be_bind(q->be, q->port_rx, nb_queue_event, q);
	q->stop = 0;
	q->fatal = 0;
	q->rx_pending = 0;
	q->echo_len = 0;
	__atomic_store_n(&q->rx_waiters, 0, __ATOMIC_RELEASE);
	rc = -pthread_create(&q->thread, NULL, nb_queue_main, q);
	if (rc)
		return rc;
	q->running = 1;
	return 0;
}

static int nb_read_frontend(struct pvf_nb *nb, struct xs_handle *xs)
{
	const char *d = nb->cfg.fe_dir;
	struct pvf_nb_frontend *fe = &nb->fe;
	uint32_t nq = 1, hr = 0;
	int rx_copy = 0, rc;

	memset(fe, 0, sizeof(*fe));
	rc = pvf_ts_read_bool(xs, d, "request-rx-copy", 0, &rx_copy);
	if (rc)
		return rc;
	if (!rx_copy) {
		nb_log(nb, "frontend does not request rx-copy");
		return -PVF_EOPNOTSUPP;
	}
	rc = pvf_ts_read_u32(xs, d, "multi-queue-num-queues", &nq);
	if (rc == -PVF_ENOENT)
		nq = 1;
	else if (rc)
		return rc;
	if (nq < 1 || nq > nb->max_queues)
		return -PVF_ERANGE;
	rc = rc == -PVF_ENOENT ? 0 : rc;
	rc = rc ? rc : pvf_ts_read_bool(xs, d, "feature-rx-notify", 0, &fe->rx_notify);
	rc = rc ? rc : pvf_ts_read_bool(xs, d, "feature-sg", 0, &fe->sg);
	rc = rc ? rc : pvf_ts_read_bool(xs, d, "feature-gso-tcpv4", 0, &fe->gso_tcpv4);
	rc = rc ? rc : pvf_ts_read_bool(xs, d, "feature-gso-tcpv6", 0, &fe->gso_tcpv6);
	rc = rc ? rc : pvf_ts_read_bool(xs, d, "feature-no-csum-offload", 0, &fe->no_csum_offload);
	rc = rc ? rc : pvf_ts_read_bool(xs, d, "feature-ipv6-csum-offload", 0,
					&fe->ipv6_csum_offload);
	rc = rc ? rc : pvf_ts_read_bool(xs, d, "request-multicast-control", 0,
					&fe->mcast_control);
	if (rc)
		return rc;
	if (!nb_prof_sg(nb))
		fe->sg = 0;
	if (!nb_prof_mcast(nb))
		fe->mcast_control = 0;
	if (nb_prof_xdp(nb)) {
		rc = pvf_ts_read_u32_range(xs, d, "xdp-headroom", 0, 2048, &hr);
		if (rc && rc != -PVF_ENOENT)
			return -PVF_EINVAL;
		if (!rc)
			fe->xdp_headroom = hr;
	}
	fe->queues = nq;
	nb->nq_req = nq;
	return 0;
}

static int nb_ctrl_connect(struct pvf_nb *nb, struct xs_handle *xs)
{
	const char *d = nb->cfg.fe_dir;
	uint32_t ref, port;
	void *va;
	int rc1, rc2, rc;

	if (!nb_prof_ctrl(nb))
		return 0;
	rc1 = pvf_ts_read_u32(xs, d, "ctrl-ring-ref", &ref);
	rc2 = pvf_ts_read_u32(xs, d, "event-channel-ctrl", &port);
	if (rc1 == -PVF_ENOENT && rc2 == -PVF_ENOENT)
		return 0;
	if (rc1 || rc2)
		return rc1 ? rc1 : rc2;
	rc = pvf_lb_be_map(nb->be, ref, 0, &va);
	if (rc)
		return rc;
	nb->ctrl_ref = ref;
	nb->ctrl_mapped = 1;
	NB_ADD(nb, grants_mapped, 1);
	BACK_RING_INIT(&nb->ctrl, (struct xen_netif_ctrl_sring *)va, NB_PAGE);
	rc = pvf_lb_be_bind_interdomain(nb->be, port, &nb->ctrl_port);
	if (rc)
		return rc;
	nb->ctrl_bound = 1;
	nb->fe.ctrl_ring = 1;
	return 0;
}

int nb_mcast_reread(struct pvf_nb *nb, void *xsp)
{
	int on = 0, rc;

	if (!nb_prof_mcast(nb))
		return 0;
	rc = pvf_ts_read_bool(xsp, nb->cfg.fe_dir, "request-multicast-control", 0, &on);
	if (rc)
		return rc;
	pthread_mutex_lock(&nb->lock);
	if (on != nb->fe.mcast_control)
		nb_log(nb, "multicast control %s", on ? "on" : "off");
	__atomic_store_n(&nb->fe.mcast_control, on, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&nb->lock);
	return 0;
}

int nb_connect(struct pvf_nb *nb, void *xsp)
{
	struct xs_handle *xs = xsp;
	int rc;

	pthread_mutex_lock(&nb->lock);
	rc = nb_read_frontend(nb, xs);
	pthread_mutex_unlock(&nb->lock);
	if (rc)
		return rc;
	nb_ctrl_reset(nb);
	for (unsigned int i = 0; i < nb->nq_req; i++) {
		/* so disconnect cleans a half-made queue */
		__atomic_store_n(&nb->nq, i + 1, __ATOMIC_RELEASE);
		rc = nb_queue_connect(nb, xs, i);
		if (rc)
			return rc;
	}
	pthread_mutex_lock(&nb->lock);
	rc = nb_ctrl_connect(nb, xs);
	pthread_mutex_unlock(&nb->lock);
	if (!rc)
		nb_log(nb, "connected: %u queue(s), split %d, ctrl %d", nb->nq,
		       nb->fe.split_evtchn, nb->fe.ctrl_ring);
	return rc;
}

/* Stop @q's worker.  Every worker is stopped before any queue is torn
 * down: with steering a worker fills other queues' RX rings. */
static void nb_queue_stop(struct nb_queue *q)
{
	if (q->running) {
		q->stop = 1;
		pthread_join(q->thread, NULL);
		q->running = 0;
	}
}

static void nb_queue_disconnect(struct nb_queue *q)
{
	struct pvf_nb *nb = q->nb;

	nb_queue_stop(q);
	if (q->bound_tx) {
		pvf_lb_be_bind(q->be, q->port_tx, NULL, NULL);
		pvf_lb_be_close_port(q->be, q->port_tx);
		q->bound_tx = 0;
	}
	if (q->bound_rx) {
		pvf_lb_be_bind(q->be, q->port_rx, NULL, NULL);
		pvf_lb_be_close_port(q->be, q->port_rx);
		q->bound_rx = 0;
	}
	if (q->tx_mapped) {
		pvf_lb_be_unmap(q->be, q->tx_ref, 0);
		q->tx_mapped = 0;
		__atomic_fetch_sub(&nb->st.grants_mapped, 1, __ATOMIC_RELAXED);
	}
	if (q->rx_mapped) {
		pvf_lb_be_unmap(q->be, q->rx_ref, 0);
		q->rx_mapped = 0;
		__atomic_fetch_sub(&nb->st.grants_mapped, 1, __ATOMIC_RELAXED);
	}
	if (q->evfd >= 0)
		close(q->evfd);
	q->evfd = -1;
	q->tap_fd = -1;
	free(q->pkt);
	free(q->txp);
	free(q->rxbuf);
	q->pkt = NULL;
	q->txp = NULL;
	q->rxbuf = NULL;
	if (q->be)
		pvf_lb_be_close(q->be);
	q->be = NULL;
}

void nb_disconnect(struct pvf_nb *nb)
{
	/* pvf_nb_inject() is done with the rings before they go */
	pthread_rwlock_wrlock(&nb->conn_lock);
	nb->live = 0;
	pthread_rwlock_unlock(&nb->conn_lock);
	__atomic_store_n(&nb->steer_on, 0, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < nb->nq; i++)
		if (nb->q[i].nb)
			nb_queue_stop(&nb->q[i]);
	for (unsigned int i = 0; i < nb->nq; i++)
		if (nb->q[i].nb)
			nb_queue_disconnect(&nb->q[i]);
	__atomic_store_n(&nb->nq, 0, __ATOMIC_RELEASE);
	if (nb->ctrl_bound) {
		pvf_lb_be_bind(nb->be, nb->ctrl_port, NULL, NULL);
		pvf_lb_be_close_port(nb->be, nb->ctrl_port);
		nb->ctrl_bound = 0;
	}
	if (nb->ctrl_mapped) {
		pvf_lb_be_unmap(nb->be, nb->ctrl_ref, 0);
		nb->ctrl_mapped = 0;
		__atomic_fetch_sub(&nb->st.grants_mapped, 1, __ATOMIC_RELAXED);
	}
}
