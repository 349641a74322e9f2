/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Network frontend lifecycle: configuration, scratch layout, the XenBus
 * driver callbacks (setup, connect, disconnect, release, changed), the
 * pump entries (poll, on_event), destroy and accessors.
 */
#include "net_internal.h"


PVF_API void pvf_net_config_default(struct pvf_net_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->nr_queues = 1;
	cfg->rx_buffers = PVF_NET_RX_RING_SIZE;
	cfg->rx_sg = 1;
	cfg->rx_gso = 1;
	cfg->rx_csum = 1;
	cfg->tx_offload = 1;
	cfg->split_evtchn = 1;
	cfg->ctrl_ring = 1;
	cfg->multicast_control = 0;
	cfg->polled = 0;
	cfg->trusted = 1;
}

static int cfg_check(const struct pvf_net_config *cfg)
{
	if (cfg->nr_queues == 0 || cfg->nr_queues > PVF_NET_MAX_QUEUES)
		return -PVF_EINVAL;
	if (cfg->rx_buffers < PVF_NET_MAX_FRAGS + PVF_NET_MAX_EXTRAS + 2u ||
	    cfg->rx_buffers > PVF_NET_RX_RING_SIZE)
		return -PVF_EINVAL;
	return 0;
}

static size_t queue_scratch(const struct pvf_net_config *cfg)
{
	size_t nb = cfg->rx_buffers;

	return PVF_ALIGN8(PVF_NET_TX_RING_SIZE * sizeof(struct pvf_net_txs)) +
	       PVF_ALIGN8(PVF_NET_RX_RING_SIZE * sizeof(uint16_t)) +
	       PVF_ALIGN8(nb * sizeof(uint16_t)) + PVF_ALIGN8(nb * sizeof(struct pvf_net_rxb)) +
	       PVF_ALIGN8(nb * sizeof(uint64_t)) +
	       PVF_ALIGN8(PVF_NET_TX_RING_SIZE * sizeof(uint64_t)); /* bounce frames */
}

PVF_API size_t pvf_net_scratch_size(const struct pvf_net_config *cfg)
{
	if (!cfg || cfg_check(cfg))
		return 0;
	return queue_scratch(cfg) * cfg->nr_queues;
}

/* ---- XenBus driver callbacks ---------------------------------------------- */

static int drv_setup(void *drv, uint32_t txn)
{
	struct pvf_net *net = drv;
	int r;

	r = pvf_net_negotiate(net);
	if (!r)
		r = pvf_net_queues_setup(net);
	if (!r && net->info.ctrl_ring)
		r = pvf_net_ctrl_setup(net);
	if (!r)
		r = pvf_net_write_frontend(net, txn);
	net->setup_err = r;
	if (r < 0)
		return r;
	net->set_up = true;
	pvf_broken_clear(&net->brk);
	return 0;
}

static void unmask(struct pvf_net *net, uint32_t port)
{
	if (port)
		net->plat->ops->evtchn_unmask(net->plat->ctx, port);
}

static int drv_connect(void *drv)
{
	struct pvf_net *net = drv;
	const struct pvf_net_info *in = &net->info;
	uint32_t i, nq = in->nr_queues;

	pvf_net_read_link(net);
	net->connected = true;
	/* packets queued for queues that no longer exist move down */
	for (i = nq; i < PVF_NET_MAX_QUEUES; i++) {
		struct pvf_net_queue *from = &net->q[i], *to = &net->q[i - nq * (i / nq)];
		struct pvf_net_tx *tx;

		while ((tx = from->pend_head) != NULL) {
			from->pend_head = tx->p_next;
			tx->p_next = NULL;
			tx->p_queue = (uint8_t)(to - net->q);
			if (to->pend_tail)
				to->pend_tail->p_next = tx;
			else
				to->pend_head = tx;
			to->pend_tail = tx;
		}
		from->pend_tail = NULL;
	}
	for (i = 0; i < nq; i++) {
		unmask(net, net->q[i].tx_port);
		if (net->q[i].rx_port != net->q[i].tx_port)
			unmask(net, net->q[i].rx_port);
		pvf_net_rx_refill(net, &net->q[i]);
		pvf_net_tx_kick(net, &net->q[i]);
	}
	if (in->ctrl_ring)
		unmask(net, net->ctrl.port);
	pvf_info(net->plat,
		 "net: %s: connected, mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u, %u queue(s)%s, sg %u gso4 %u gso6 %u csum4 %u csum6 %u, ctrl %u, mcast %u, carrier %u%s",
		 net->node, in->mac[0], in->mac[1], in->mac[2], in->mac[3], in->mac[4], in->mac[5],
		 (unsigned int)in->mtu, (unsigned int)nq, in->split_evtchn ? " split" : "",
		 in->tx_sg, in->tx_gso_tcpv4, in->tx_gso_tcpv6, in->tx_csum_ipv4, in->tx_csum_ipv6,
		 in->ctrl_ring, in->multicast_control, in->carrier,
		 in->bounce ? ", untrusted backend: bounce buffers" : "");
	return 0;
}

static void drv_disconnect(void *drv)
{
	struct pvf_net *net = drv;
	uint32_t i;

	net->connected = false;
	for (i = 0; i < PVF_NET_MAX_QUEUES; i++)
		pvf_net_tx_cancel_inflight(net, &net->q[i]);
	pvf_net_ctrl_disconnect(net);
}

static int drv_release(void *drv)
{
	struct pvf_net *net = drv;
	int busy = 0;

	net->connected = false;
	if (pvf_net_ctrl_release(net))
		busy = -PVF_EBUSY;
	if (pvf_net_queues_release(net))
		busy = -PVF_EBUSY;
	if (pvf_net_retry_held(net))
		busy = -PVF_EBUSY;
	net->set_up = false;
	return busy;
}

static void drv_changed(void *drv, enum pvf_xenbus_event ev, int err)
{
	struct pvf_net *net = drv;

	/* A backend re-reading Connected changes nothing a netfront reads
	 * (Linux netfront ignores it too); do not log every such watch. */
	if (ev == PVF_XENBUS_EV_BACKEND_CHANGED)
		return;
	pvf_debug(net->plat, "net: %s: xenbus event %d (%s)", net->node, (int)ev,
		  pvf_strerror(err));
}

PVF_API const struct pvf_xenbus_ops pvf_net_xenbus_ops = {
	.setup = drv_setup,
	.connect = drv_connect,
	.disconnect = drv_disconnect,
	.release = drv_release,
	.changed = drv_changed,
};

/* ---- public --------------------------------------------------------------- */

PVF_API int pvf_net_init(struct pvf_net *net, const struct pvf_platform *plat,
			 const struct pvf_net_config *cfg)
{
	struct pvf_xenbus_config xbc;
	char *cur;
	uint32_t i;
	int r;

	if (!net || !cfg || pvf_platform_validate(plat, NULL) || cfg_check(cfg))
		return -PVF_EINVAL;
	if (!cfg->node || !cfg->node[0] || pvf_strnlen(cfg->node, PVF_NET_PATH_MAX) >= PVF_NET_PATH_MAX)
		return -PVF_EINVAL;
	if (!cfg->scratch || ((uintptr_t)cfg->scratch & 7u) ||
	    cfg->scratch_size < pvf_net_scratch_size(cfg))
		return -PVF_EINVAL;
	memset(net, 0, sizeof(*net));
	net->plat = plat;
	net->cfg = *cfg;
	pvf_strlcpy(net->node, cfg->node, sizeof(net->node));
	net->cfg.node = net->node;
	memset(cfg->scratch, 0, pvf_net_scratch_size(cfg));
	cur = cfg->scratch;
	for (i = 0; i < cfg->nr_queues; i++) {
		struct pvf_net_queue *q = &net->q[i];

		q->txs = pvf_carve(&cur, PVF_NET_TX_RING_SIZE * sizeof(struct pvf_net_txs));
		q->rx_slot = pvf_carve(&cur, PVF_NET_RX_RING_SIZE * sizeof(uint16_t));
		q->rx_free = pvf_carve(&cur, (size_t)cfg->rx_buffers * sizeof(uint16_t));
		q->rxb = pvf_carve(&cur, (size_t)cfg->rx_buffers * sizeof(struct pvf_net_rxb));
		q->rx_frames = pvf_carve(&cur, (size_t)cfg->rx_buffers * sizeof(uint64_t));
		/* always carved: the toolstack's key can ask for bounce mode */
		q->tb_frames = pvf_carve(&cur, PVF_NET_TX_RING_SIZE * sizeof(uint64_t));
		pvf_net_tx_reset(q);
		pvf_net_rx_reset(net, q);
	}
	/* netif connects early: xen-netback waits for the frontend's
	 * Connected before it connects (Linux netfront does the same). */
	if (cfg->xenbus)
		xbc = *cfg->xenbus;
	else
		memset(&xbc, 0, sizeof(xbc));
	xbc.flags |= PVF_XENBUS_CONNECT_EARLY;
	r = pvf_xenbus_create(&net->xb, plat, net->node, &pvf_net_xenbus_ops, net, &xbc);
	if (r < 0)
		return r;
	return 0;
}

PVF_API struct pvf_xenbus_dev *pvf_net_xenbus(struct pvf_net *net)
{
	return &net->xb;
}

static int poll_queue(struct pvf_net *net, struct pvf_net_queue *q, bool tx, bool rx)
{
	int r, done = 0;

	if (!q->rings_live)
		return 0;
	if (tx) {
		r = pvf_net_tx_poll(net, q);
		if (r < 0)
			return r;
		done += r;
	}
	if (rx) {
		r = pvf_net_rx_poll(net, q);
		if (r < 0)
			return r;
		done += r;
	}
	return done;
}

PVF_API int pvf_net_poll(struct pvf_net *net)
{
	uint32_t i;
	int r, done = 0;

	if (!net)
		return -PVF_EINVAL;
	if (pvf_broken_get(&net->brk))
		return -PVF_EPROTO;
	if (!net->connected)
		return -PVF_ENOTCONN;
	for (i = 0; i < net->info.nr_queues; i++) {
		r = poll_queue(net, &net->q[i], true, true);
		if (r < 0)
			return r;
		done += r;
	}
	r = pvf_net_ctrl_poll(net);
	if (r < 0)
		return r;
	return done + r;
}

PVF_API int pvf_net_on_event(struct pvf_net *net, uint32_t port)
{
	uint32_t i;
	int r = -PVF_EBADF;

	if (!net)
		return -PVF_EINVAL;
	if (port == 0)
		return -PVF_EBADF;
	if (port == net->ctrl.port) {
		r = net->connected ? pvf_net_ctrl_poll(net) : -PVF_ENOTCONN;
	} else {
		for (i = 0; i < net->info.nr_queues; i++) {
			struct pvf_net_queue *q = &net->q[i];

			if (port != q->tx_port && port != q->rx_port)
				continue;
			if (pvf_broken_get(&net->brk))
				r = -PVF_EPROTO;
			else if (!net->connected)
				r = -PVF_ENOTCONN;
			else
				r = poll_queue(net, q, port == q->tx_port, port == q->rx_port);
			break;
		}
	}
	if (r == -PVF_EBADF)
		return r;
	net->stats.events++;
	if (r == 0)
		net->stats.spurious++;
	return r;
}

PVF_API int pvf_net_refresh_link(struct pvf_net *net)
{
	if (!net)
		return -PVF_EINVAL;
	return pvf_net_read_link(net);
}

PVF_API int pvf_net_destroy(struct pvf_net *net)
{
	uint32_t i;
	int r;

	if (!net || net->destroyed)
		return -PVF_EINVAL;
	r = pvf_xenbus_destroy(&net->xb);
	net->destroyed = true;
	net->connected = false;
	for (i = 0; i < PVF_NET_MAX_QUEUES; i++) {
		struct pvf_net_queue *q = &net->q[i];
		struct pvf_net_tx *tx;

		while ((tx = q->pend_head) != NULL) {
			q->pend_head = tx->p_next;
			pvf_net_tx_finish(net, tx, -PVF_ESHUTDOWN);
		}
		q->pend_tail = NULL;
	}
	if (r == 0 && pvf_net_retry_held(net))
		r = -PVF_EBUSY;
	return r;
}

PVF_API uint32_t pvf_net_held_grants(const struct pvf_net *net)
{
	uint32_t n = net->nr_held + net->lost_held, i;

	for (i = 0; i < PVF_NET_MAX_QUEUES; i++)
		n += (uint32_t)net->q[i].rx_held + net->q[i].tx_bheld;
	return n;
}

PVF_API const struct pvf_net_info *pvf_net_get_info(const struct pvf_net *net)
{
	return &net->info;
}

PVF_API const struct pvf_net_backend *pvf_net_get_backend(const struct pvf_net *net)
{
	return &net->be;
}

PVF_API const struct pvf_net_stats *pvf_net_get_stats(const struct pvf_net *net)
{
	return &net->stats;
}

PVF_API int pvf_net_is_broken(const struct pvf_net *net)
{
	return pvf_broken_get(&net->brk) ? 1 : 0;
}

PVF_API int pvf_net_is_connected(const struct pvf_net *net)
{
	return net->connected ? 1 : 0;
}

PVF_API uint32_t pvf_net_port(const struct pvf_net *net, unsigned int qi, int rx)
{
	if (qi >= PVF_NET_MAX_QUEUES)
		return 0;
	return rx ? net->q[qi].rx_port : net->q[qi].tx_port;
}

PVF_API uint32_t pvf_net_ctrl_port(const struct pvf_net *net)
{
	return net->ctrl.port;
}
