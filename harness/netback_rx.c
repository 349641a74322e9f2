/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netback RX path (rx-copy only): a frame is copied into the frontend's
 * granted pages one RX request at a time.  Every response lands in the slot
 * of the request it answers (rsp_prod_pvt == req_cons before each packet),
 * which the extras rely on.  The first slot starts at the frontend's
 * xdp-headroom, the others at 0.
 *
 * Frames from the TAP, echo and pvf_nb_inject() go through nb_rx_deliver():
 * multicast filter, steering (netback_ctrl.c), then the chosen queue's RX
 * ring under that queue's rx_lock, since with steering a worker fills other
 * queues' rings.  A worker that finds the chosen ring full keeps its frame,
 * re-arms that ring's req_event and registers in its rx_waiters; the
 * frontend's event on that queue then wakes it (nb_rx_kick_waiters), and
 * the workers' 10 ms poll covers an event another waiter's re-arm moved.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <pvfront/errno.h>
#include <pvfront/ring.h>
#include "netback_internal.h"

unsigned int nb_rx_slots(const struct nb_queue *q, size_t len, unsigned int extras)
{
	size_t total = len + q->nb->fe.xdp_headroom;

	return (unsigned int)((total + NB_PAGE - 1) / NB_PAGE) + extras + (len == 0);
}

/* Write extra-info slot @ex (MORE flag per @more) at the next response. */
static void nb_rx_extra(struct nb_queue *q, const struct netif_extra_info *ex, int more)
{
	struct netif_extra_info e = *ex;

	e.flags = more ? XEN_NETIF_EXTRA_FLAG_MORE : 0;
	q->rx.req_cons++;
	memcpy(RING_GET_RESPONSE(&q->rx, q->rx.rsp_prod_pvt), &e, sizeof(e));
	q->rx.rsp_prod_pvt++;
}

int nb_rx_put(struct nb_queue *q, const uint8_t *data, size_t len, uint16_t flags,
	      const struct netif_extra_info *gso, const struct netif_extra_info *hash,
	      unsigned int *need_out)
{
	struct pvf_nb *nb = q->nb;
	unsigned int head = nb->fe.xdp_headroom;
	unsigned int need, slots, extras;
	struct netif_extra_info gx;
	RING_IDX prod;
	size_t pos = 0;
	int avail;

	if (q->fatal || !q->rx_mapped)
		return -PVF_EAGAIN;
	if (!nb->fe.gso_tcpv4 && !nb->fe.gso_tcpv6)
		gso = NULL;
	else if (gso && gso->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 && !nb->fe.gso_tcpv4)
		gso = NULL;
	else if (gso && gso->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6 && !nb->fe.gso_tcpv6)
		gso = NULL;
	if (gso) {
		memset(&gx, 0, sizeof(gx));
		gx.type = XEN_NETIF_EXTRA_TYPE_GSO;
		gx.u.gso.size = gso->u.gso.size;
		gx.u.gso.type = gso->u.gso.type;
	}
	extras = (gso ? 1u : 0u) + (hash ? 1u : 0u);
	need = nb_rx_slots(q, len, extras);
	slots = need - extras;
	if (len > 0xffff || need > XEN_NETIF_NR_SLOTS_MIN || (slots > 1 && !nb->fe.sg)) {
		NB_ADD(nb, rx_dropped, 1); /* the frontend could not take it */
		return 1;
	}
	avail = nb_ring_pending(&q->rx.sring->req_prod, q->rx.req_cons, RING_SIZE(&q->rx), &prod);
	if (avail < 0) {
		nb_queue_fatal(q, "rx request producer out of range");
		return -PVF_EPROTO;
	}
	if ((unsigned int)avail < need) {
		if (need_out)
			*need_out = need;
		return -PVF_EAGAIN;
	}
	for (unsigned int k = 0; k < slots; k++) {
		struct netif_rx_request req;
		struct netif_rx_response *rsp;
		unsigned int off = k ? 0 : head;
		size_t chunk = len - pos;
		uint16_t f = 0;

		if (chunk > NB_PAGE - off)
			chunk = NB_PAGE - off;
		pvf_ring_copy(&req, RING_GET_REQUEST(&q->rx, q->rx.req_cons), sizeof(req));
		q->rx.req_cons++;
		rsp = RING_GET_RESPONSE(&q->rx, q->rx.rsp_prod_pvt);
		q->rx.rsp_prod_pvt++;
		if (pos + chunk < len)
			f |= NETRXF_more_data;
		if (k == 0) {
			f |= flags;
			if (extras)
				f |= NETRXF_extra_info;
		}
		rsp->id = req.id;
		rsp->offset = (uint16_t)off;
		rsp->flags = f;
		if (chunk && pvf_lb_be_copy(q->be, req.gref, off, (void *)(data + pos),
					    (uint32_t)chunk, 1))
			rsp->status = NETIF_RSP_ERROR;
		else
			rsp->status = (int16_t)chunk;
		pos += chunk;
		/* extras follow the first data slot, in type order (GSO, HASH) */
		if (k == 0 && gso)
			nb_rx_extra(q, &gx, hash != NULL);
		if (k == 0 && hash) {
			nb_rx_extra(q, hash, 0);
			NB_ADD(nb, rx_hash_extras, 1);
		}
	}
	NB_ADD(nb, rx_packets, 1);
	NB_ADD(nb, rx_bytes, (uint64_t)len);
	return 1;
}

void nb_rx_push(struct nb_queue *q)
{
	int notify;

	if (!q->rx_mapped)
		return;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, notify);
	if (notify) {
		pvf_lb_be_notify(q->be, q->port_rx);
		NB_ADD(q->nb, notify_rx, 1);
	}
}

void nb_rx_kick_waiters(struct nb_queue *q)
{
	struct pvf_nb *nb = q->nb;
	uint32_t w = __atomic_exchange_n(&q->rx_waiters, 0, __ATOMIC_ACQ_REL);
	uint64_t one = 1;

	for (unsigned int i = 0; w && i < PVF_NB_MAX_QUEUES; i++, w >>= 1) {
		int fd = nb->q[i].evfd;

		if ((w & 1) && fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
			/* saturated: that worker is awake anyway */
		}
	}
}

int nb_rx_deliver(struct pvf_nb *nb, struct nb_queue *self, unsigned int dflt,
		  const uint8_t *f, size_t len, uint16_t flags,
		  const struct netif_extra_info *gso, uint32_t *dirty, unsigned int *target)
{
	struct netif_extra_info hx;
	struct nb_queue *t;
	unsigned int qi, need = 0;
	int rc;

	if (!nb_mcast_pass(nb, f, len)) {
		NB_ADD(nb, rx_filtered, 1);
		return 0;
	}
	qi = nb_rx_steer(nb, f, len, dflt, &hx);
	if (target)
		*target = qi;
	t = &nb->q[qi];
	if (__atomic_load_n(&t->fatal, __ATOMIC_ACQUIRE)) {
		NB_ADD(nb, rx_dropped, 1); /* that queue is stopped */
		return 1;
	}
	pthread_mutex_lock(&t->rx_lock);
	for (;;) {
		RING_IDX prod;
		int avail;

		rc = nb_rx_put(t, f, len, flags, gso, hx.type ? &hx : NULL, &need);
		if (rc != -PVF_EAGAIN || t->fatal || !t->rx_mapped)
			break;
		/* No room: ask the frontend for an event when there is, and
		 * have that event (on t's port) wake the waiting worker. */
		if (self && self != t)
			__atomic_fetch_or(&t->rx_waiters, 1u << self->idx, __ATOMIC_ACQ_REL);
		avail = nb_ring_rearm(&t->rx.sring->req_event, &t->rx.sring->req_prod,
				      t->rx.req_cons, need, RING_SIZE(&t->rx), &prod);
		if (avail < 0) {
			nb_queue_fatal(t, "rx request producer out of range");
			rc = -PVF_EPROTO;
			break;
		}
		if ((unsigned int)avail < need)
			break; /* still -PVF_EAGAIN */
	}
	if (rc == 1) {
		if (dirty)
			*dirty |= 1u << qi;
		else
			nb_rx_push(t);
	}
	pthread_mutex_unlock(&t->rx_lock);
	if (rc == -PVF_EPROTO || (rc == -PVF_EAGAIN && t->fatal)) {
		NB_ADD(nb, rx_dropped, 1);
		return 1;
	}
	if (rc == 1 && hx.type)
		NB_ADD(nb, rx_steered, 1);
	return rc;
}

void nb_rx_flush(struct pvf_nb *nb, uint32_t dirty)
{
	for (unsigned int i = 0; dirty && i < PVF_NB_MAX_QUEUES; i++, dirty >>= 1) {
		if (!(dirty & 1))
			continue;
		pthread_mutex_lock(&nb->q[i].rx_lock);
		nb_rx_push(&nb->q[i]);
		pthread_mutex_unlock(&nb->q[i].rx_lock);
	}
}

int nb_tap_rx_work(struct nb_queue *q, unsigned int budget)
{
	struct pvf_nb *nb = q->nb;
	unsigned int done = 0;
	uint32_t dirty = 0;

	if (q->tap_fd < 0 || q->fatal)
		return 0;
	while (done < budget) {
		const uint8_t *hdr = q->rxbuf;
		uint16_t flags = 0;
		int rc;

		if (q->fatal)
			break;
		if (!q->rx_pending) {
			ssize_t n = read(q->tap_fd, q->rxbuf, NB_VNET_HLEN + NB_MAX_PKT);

			if (n < (ssize_t)(NB_VNET_HLEN + NB_ETH_HLEN))
				break; /* EAGAIN, or a runt */
			q->rx_pending = (size_t)n - NB_VNET_HLEN;
		}
		/* virtio_net_hdr: flags bit 1 = data valid, bit 0 = needs csum. */
		if (hdr[0] & 2)
			flags |= NETRXF_data_validated;
		if (hdr[0] & 1)
			flags |= NETRXF_csum_blank | NETRXF_data_validated;
		rc = nb_rx_deliver(nb, q, q->idx, q->rxbuf + NB_VNET_HLEN, q->rx_pending, flags,
				   NULL, &dirty, NULL);
		if (rc == -PVF_EAGAIN)
			break; /* kept in rxbuf; the chosen queue's RX event wakes us */
		q->rx_pending = 0;
		done++;
	}
	nb_rx_flush(nb, dirty);
	return (int)done;
}

void nb_gen_frame(uint8_t *f, size_t len)
{
	static const uint8_t hdr[NB_ETH_HLEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						  0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0xb5 };

	memcpy(f, hdr, NB_ETH_HLEN);
	for (size_t i = NB_ETH_HLEN; i < len; i++)
		f[i] = (uint8_t)i;
}

int nb_gen_rx_work(struct nb_queue *q, unsigned int budget)
{
	struct pvf_nb *nb = q->nb;
	size_t len = nb->cfg.gen_size;
	struct netif_extra_info hx;
	unsigned int done = 0;

	if (nb->cfg.mode != PVF_NB_MODE_GEN || q->fatal || !q->rx_mapped || !q->rxbuf)
		return 0;
	/* Every generated frame is the same: only the queue it is steered to
	 * makes them (all queues do without steering); they are broadcast,
	 * so the multicast filter passes them. */
	if (nb_rx_steer(nb, q->rxbuf, len, q->idx, &hx) != q->idx)
		return 0;
	pthread_mutex_lock(&q->rx_lock);
	while (done < budget) {
		RING_IDX prod;
		unsigned int need = nb_rx_slots(q, len, hx.type ? 1u : 0u);
		int avail, rc;

		if (__atomic_load_n(&nb->gen_left, __ATOMIC_RELAXED) <= 0)
			break;
		avail = nb_ring_pending(&q->rx.sring->req_prod, q->rx.req_cons, RING_SIZE(&q->rx),
					&prod);
		if (avail >= 0 && (unsigned int)avail < need)
			avail = nb_ring_rearm(&q->rx.sring->req_event, &q->rx.sring->req_prod,
					      q->rx.req_cons, need, RING_SIZE(&q->rx), &prod);
		if (avail < 0) {
			nb_queue_fatal(q, "rx request producer out of range");
			break;
		}
		if ((unsigned int)avail < need)
			break; /* the frontend's RX event wakes us */
		if (__atomic_sub_fetch(&nb->gen_left, 1, __ATOMIC_RELAXED) < 0) {
			__atomic_add_fetch(&nb->gen_left, 1, __ATOMIC_RELAXED);
			break;
		}
		rc = nb_rx_put(q, q->rxbuf, len, NETRXF_data_validated, NULL,
			       hx.type ? &hx : NULL, NULL);
		if (rc < 0) {
			__atomic_add_fetch(&nb->gen_left, 1, __ATOMIC_RELAXED);
			break;
		}
		done++;
	}
	if (done)
		nb_rx_push(q);
	pthread_mutex_unlock(&q->rx_lock);
	return (int)done;
}
