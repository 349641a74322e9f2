/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netback RX path (rx-copy only): a frame is copied into the frontend's
 * granted pages one RX request at a time.  Every response lands in the slot
 * of the request it answers (rsp_prod_pvt == req_cons before each packet),
 * which the GSO extra relies on.  The first slot starts at the frontend's
 * xdp-headroom, the others at 0.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <pvfront/errno.h>
#include <pvfront/ring.h>
#include "netback_internal.h"

unsigned int nb_rx_slots(const struct nb_queue *q, size_t len, int gso)
{
	size_t total = len + q->nb->fe.xdp_headroom;

	return (unsigned int)((total + NB_PAGE - 1) / NB_PAGE) + (gso ? 1u : 0u) + (len == 0);
}

int nb_rx_put(struct nb_queue *q, const uint8_t *data, size_t len, uint16_t flags,
	      const struct netif_extra_info *gso)
{
	struct pvf_nb *nb = q->nb;
	unsigned int head = nb->fe.xdp_headroom;
	unsigned int need, slots;
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
	need = nb_rx_slots(q, len, gso != NULL);
	slots = need - (gso ? 1u : 0u);
	if (len > 0xffff || need > XEN_NETIF_NR_SLOTS_MIN || (slots > 1 && !nb->fe.sg)) {
		NB_ADD(nb, rx_dropped, 1); /* the frontend could not take it */
		return 1;
	}
	avail = nb_ring_pending(&q->rx.sring->req_prod, q->rx.req_cons, RING_SIZE(&q->rx), &prod);
	if (avail < 0) {
		nb_queue_fatal(q, "rx request producer out of range");
		return -PVF_EPROTO;
	}
	if ((unsigned int)avail < need)
		return -PVF_EAGAIN;
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
			if (gso)
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
		if (k == 0 && gso) {
			struct netif_extra_info ex;

			memset(&ex, 0, sizeof(ex));
			ex.type = XEN_NETIF_EXTRA_TYPE_GSO;
			ex.u.gso.size = gso->u.gso.size;
			ex.u.gso.type = gso->u.gso.type;
			q->rx.req_cons++;
			memcpy(RING_GET_RESPONSE(&q->rx, q->rx.rsp_prod_pvt), &ex, sizeof(ex));
			q->rx.rsp_prod_pvt++;
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

int nb_tap_rx_work(struct nb_queue *q, unsigned int budget)
{
	struct pvf_nb *nb = q->nb;
	unsigned int done = 0;

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
		rc = nb_rx_put(q, q->rxbuf + NB_VNET_HLEN, q->rx_pending, flags, NULL);
		if (rc == -PVF_EAGAIN) {
			RING_IDX prod;
			unsigned int need = nb_rx_slots(q, q->rx_pending, 0);
			int avail = nb_ring_rearm(&q->rx.sring->req_event, &q->rx.sring->req_prod,
						  q->rx.req_cons, need, RING_SIZE(&q->rx), &prod);

			if (avail < 0) {
				nb_queue_fatal(q, "rx request producer out of range");
				break;
			}
			if ((unsigned int)avail >= need)
				continue; /* requests arrived meanwhile */
			break;
		}
		q->rx_pending = 0;
		if (rc < 0)
			break;
		done++;
	}
	if (done)
		nb_rx_push(q);
	(void)nb;
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
	unsigned int done = 0;

	if (nb->cfg.mode != PVF_NB_MODE_GEN || q->fatal || !q->rx_mapped || !q->rxbuf)
		return 0;
	while (done < budget) {
		RING_IDX prod;
		unsigned int need = nb_rx_slots(q, len, 0);
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
		rc = nb_rx_put(q, q->rxbuf, len, NETRXF_data_validated, NULL);
		if (rc < 0) {
			__atomic_add_fetch(&nb->gen_left, 1, __ATOMIC_RELAXED);
			break;
		}
		done++;
	}
	if (done)
		nb_rx_push(q);
	return (int)done;
}
