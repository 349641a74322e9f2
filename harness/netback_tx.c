/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netback TX path: requests from the frontend's TX ring, validated slot by
 * slot, copied out with grant copy, then written to the TAP, echoed to the
 * RX ring or dropped (sink).
 *
 * Validation (never trust the frontend):
 *  - the request producer is read once, then a read barrier; more than a
 *    ring ahead of our consumer is fatal for the queue;
 *  - a packet's chain (extras, then data slots with NETTXF_more_data) that
 *    runs past the producer is fatal for the queue (as Linux netback): the
 *    frontend must publish whole packets;
 *  - everything else answers the packet's slots with NETIF_RSP_ERROR and the
 *    queue goes on: more than XEN_NETIF_NR_SLOTS_MIN data slots, a first
 *    slot smaller than the sum of the others or than an Ethernet header,
 *    offset + size past the page, a ref the grant copy refuses, an unknown
 *    or repeated extra type, a GSO extra the profile does not offer or with
 *    a bad type or zero size, a multicast extra without multicast control.
 * Every request slot gets exactly one response (extras: NETIF_RSP_NULL).
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <pvfront/errno.h>
#include <pvfront/ring.h>
#include "netback_internal.h"

int nb_ring_pending(const RING_IDX *req_prod, RING_IDX cons, unsigned int size, RING_IDX *prod)
{
	RING_IDX p = PVF_READ_ONCE(*req_prod);

	pvf_rmb(); /* the producer before the requests; pairs with the frontend's wmb */
	if ((RING_IDX)(p - cons) > size)
		return -PVF_EPROTO;
	*prod = p;
	return (int)(p - cons);
}

int nb_ring_rearm(RING_IDX *req_event, const RING_IDX *req_prod, RING_IDX cons,
		  unsigned int want, unsigned int size, RING_IDX *prod)
{
	PVF_WRITE_ONCE(*req_event, cons + want);
	pvf_mb(); /* req_event before re-reading req_prod; pairs with the frontend's
		     mb between publishing req_prod and reading req_event */
	return nb_ring_pending(req_prod, cons, size, prod);
}

void nb_queue_fatal(struct nb_queue *q, const char *why)
{
	/* other workers read it when they steer frames here */
	if (__atomic_exchange_n(&q->fatal, 1, __ATOMIC_ACQ_REL))
		return;
	NB_ADD(q->nb, fatal, 1);
	nb_set_error(q->nb, -PVF_EPROTO);
	nb_log(q->nb, "queue %u stopped: %s", q->idx, why);
}

#define NB_TX_MAX_EXTRAS (XEN_NETIF_EXTRA_TYPE_MAX - 1)

struct nb_txpkt {
	RING_IDX cons;                   /* first slot */
	unsigned int used;               /* slots consumed (data + extras) */
	unsigned int ndata;              /* data slots */
	uint16_t flags;                  /* first slot's NETTXF_* */
	uint16_t size;                   /* first slot's size: the packet size */
	int bad;
	struct netif_tx_request data[XEN_NETIF_NR_SLOTS_MIN];
	struct netif_extra_info ext[XEN_NETIF_EXTRA_TYPE_MAX]; /* by type */
	uint16_t ids[__CONST_RING_SIZE(netif_tx, 4096)];
	uint8_t is_extra[__CONST_RING_SIZE(netif_tx, 4096)];
};

_Static_assert(__CONST_RING_SIZE(netif_tx, 4096) == 256, "one-page TX ring");

size_t nb_txpkt_size(void)
{
	return sizeof(struct nb_txpkt);
}

/* Read the chain of the packet at req_cons.  Returns 1 (a packet), 0 (ring
 * empty), -PVF_EPROTO (chain past the producer: fatal). */
static int nb_tx_parse(struct nb_queue *q, RING_IDX prod, struct nb_txpkt *p)
{
	RING_IDX i = q->tx.req_cons;
	struct netif_tx_request r;
	uint16_t more;

	if (i == prod)
		return 0;
	memset(p->ext, 0, sizeof(p->ext));
	p->cons = i;
	p->used = 0;
	p->ndata = 0;
	p->bad = 0;
	pvf_ring_copy(&r, RING_GET_REQUEST(&q->tx, i), sizeof(r));
	p->flags = r.flags;
	p->size = r.size;
	p->data[p->ndata++] = r;
	p->ids[p->used] = r.id;
	p->is_extra[p->used++] = 0;
	i++;
	more = r.flags & NETTXF_extra_info;
	while (more) {
		struct netif_extra_info ex;

		if (i == prod)
			return -PVF_EPROTO;
		pvf_ring_copy(&ex, RING_GET_REQUEST(&q->tx, i), sizeof(ex));
		pvf_ring_copy(&r, RING_GET_REQUEST(&q->tx, i), sizeof(r));
		p->ids[p->used] = r.id;
		p->is_extra[p->used++] = 1;
		i++;
		if (ex.type == XEN_NETIF_EXTRA_TYPE_NONE || ex.type >= XEN_NETIF_EXTRA_TYPE_MAX ||
		    p->ext[ex.type].type)
			p->bad = 1;
		else
			p->ext[ex.type] = ex;
		more = ex.flags & XEN_NETIF_EXTRA_FLAG_MORE;
	}
	more = p->flags & NETTXF_more_data;
	while (more) {
		if (i == prod)
			return -PVF_EPROTO;
		pvf_ring_copy(&r, RING_GET_REQUEST(&q->tx, i), sizeof(r));
		p->ids[p->used] = r.id;
		p->is_extra[p->used++] = 0;
		i++;
		if (p->ndata < XEN_NETIF_NR_SLOTS_MIN)
			p->data[p->ndata] = r;
		else
			p->bad = 1; /* too many slots: consume the chain, answer ERROR */
		p->ndata++;
		more = r.flags & NETTXF_more_data;
	}
	return 1;
}

/* Check sizes and extras; copy the data into q->pkt + NB_VNET_HLEN.
 * Returns the packet length or -PVF_EINVAL. */
static int nb_tx_gather(struct nb_queue *q, struct nb_txpkt *p)
{
	struct pvf_nb *nb = q->nb;
	uint8_t *buf = q->pkt + NB_VNET_HLEN;
	uint32_t rest = 0, pos = 0;
	const struct netif_extra_info *gso = &p->ext[XEN_NETIF_EXTRA_TYPE_GSO];

	if (p->bad || p->ndata > XEN_NETIF_NR_SLOTS_MIN)
		return -PVF_EINVAL;
	if (p->ndata > 1 && !nb_prof_sg(nb))
		return -PVF_EINVAL;
	if (p->ext[XEN_NETIF_EXTRA_TYPE_MCAST_ADD].type || p->ext[XEN_NETIF_EXTRA_TYPE_MCAST_DEL].type) {
		if (!nb_prof_mcast(nb))
			return -PVF_EINVAL;
		return 0; /* a filter update, not a packet */
	}
	if (gso->type) {
		if (!nb_prof_gso(nb) || gso->u.gso.size == 0 ||
		    (gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
		     gso->u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6))
			return -PVF_EINVAL;
	}
	for (unsigned int k = 1; k < p->ndata; k++)
		rest += p->data[k].size;
	if (p->size < NB_ETH_HLEN || rest > p->size)
		return -PVF_EINVAL;
	for (unsigned int k = 0; k < p->ndata; k++) {
		const struct netif_tx_request *r = &p->data[k];
		uint32_t len = k ? r->size : (uint32_t)p->size - rest;

		if ((uint32_t)r->offset > NB_PAGE || len > NB_PAGE - r->offset)
			return -PVF_EINVAL;
		if (len && pvf_lb_be_copy(q->be, r->gref, r->offset, buf + pos, len, 0))
			return -PVF_EINVAL;
		pos += len;
	}
	return (int)pos;
}

static void nb_tx_respond(struct nb_queue *q, const struct nb_txpkt *p, int16_t status)
{
	for (unsigned int k = 0; k < p->used; k++) {
		struct netif_tx_response *rsp = RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt);

		rsp->id = p->ids[k];
		rsp->status = p->is_extra[k] ? NETIF_RSP_NULL : status;
		q->tx.rsp_prod_pvt++;
	}
}

/* Echo the frame in q->pkt (already MAC-swapped): *@dirty collects the
 * queues to push.  Returns 0, or -PVF_EAGAIN when it must wait (kept as
 * q->echo_len, TX parsing stops until it went out). */
static int nb_tx_echo(struct nb_queue *q, uint32_t *dirty)
{
	int rc = nb_rx_deliver(q->nb, q, q->idx, q->pkt + NB_VNET_HLEN, q->echo_len,
			       q->echo_flags, q->echo_gso.type ? &q->echo_gso : NULL, dirty, NULL);

	if (rc == -PVF_EAGAIN)
		return rc;
	q->echo_len = 0;
	return 0;
}

/* Returns 0, or -PVF_EAGAIN when the echo has to wait. */
static int nb_tx_deliver(struct nb_queue *q, struct nb_txpkt *p, size_t len, uint32_t *dirty)
{
	struct pvf_nb *nb = q->nb;
	const struct netif_extra_info *gso = &p->ext[XEN_NETIF_EXTRA_TYPE_GSO];
	uint8_t *f = q->pkt + NB_VNET_HLEN;
	int csum_blank = !!(p->flags & NETTXF_csum_blank);

	if (csum_blank)
		NB_ADD(nb, tx_csum_blank, 1);
	if (gso->type)
		NB_ADD(nb, tx_gso, 1);
	switch (nb->cfg.mode) {
	case PVF_NB_MODE_SINK:
	case PVF_NB_MODE_GEN:
		break;
	case PVF_NB_MODE_ECHO: {
		uint8_t mac[6];
		uint16_t rxf = 0;

		memcpy(mac, f, 6);
		memmove(f, f + 6, 6);
		memcpy(f + 6, mac, 6);
		if (csum_blank)
			rxf = NETRXF_csum_blank | NETRXF_data_validated;
		else if (p->flags & NETTXF_data_validated)
			rxf = NETRXF_data_validated;
		q->echo_len = len;
		q->echo_flags = rxf;
		q->echo_gso = *gso;
		return nb_tx_echo(q, dirty);
	}
	case PVF_NB_MODE_TAP: {
		uint8_t *hdr = q->pkt;
		ssize_t w;

		memset(hdr, 0, NB_VNET_HLEN);
		if ((csum_blank || gso->type) &&
		    nb_pkt_vnet_hdr(hdr, f, len, csum_blank, gso->type ? gso : NULL))
			memset(hdr, 0, NB_VNET_HLEN);
		w = write(nb->tap_fd, hdr, NB_VNET_HLEN + len);
		if (w != (ssize_t)(NB_VNET_HLEN + len))
			NB_ADD(nb, tx_dropped, 1);
		break;
	}
	}
	return 0;
}

/* Echo without steering: is there room on our own RX ring for the packet
 * at req_cons?  Returns 1 yes, 0 no (req_event re-armed), -PVF_EPROTO. */
static int nb_tx_echo_room(struct nb_queue *q)
{
	struct netif_tx_request first;
	RING_IDX rprod;
	unsigned int need;
	int avail;

	pvf_ring_copy(&first, RING_GET_REQUEST(&q->tx, q->tx.req_cons), sizeof(first));
	pthread_mutex_lock(&q->rx_lock);
	need = nb_rx_slots(q, first.size, 1);
	avail = nb_ring_pending(&q->rx.sring->req_prod, q->rx.req_cons, RING_SIZE(&q->rx), &rprod);
	if (avail >= 0 && (unsigned int)avail < need)
		avail = nb_ring_rearm(&q->rx.sring->req_event, &q->rx.sring->req_prod,
				      q->rx.req_cons, need, RING_SIZE(&q->rx), &rprod);
	if (avail < 0)
		nb_queue_fatal(q, "rx request producer out of range");
	pthread_mutex_unlock(&q->rx_lock);
	if (avail < 0)
		return -PVF_EPROTO;
	return (unsigned int)avail >= need;
}

int nb_tx_work(struct nb_queue *q, unsigned int budget)
{
	struct pvf_nb *nb = q->nb;
	struct nb_txpkt *p = q->txp;
	unsigned int done = 0;
	uint32_t dirty = 0;
	RING_IDX prod;
	int n, notify, stalled = 0;

	if (q->fatal || !q->tx_mapped)
		return 0;
	if (q->echo_len && nb_tx_echo(q, &dirty) == -PVF_EAGAIN)
		return 0; /* the echo before still waits for room */
	n = nb_ring_pending(&q->tx.sring->req_prod, q->tx.req_cons, RING_SIZE(&q->tx), &prod);
	while (n >= 0 && done < budget && !stalled) {
		int rc, len;

		if (n == 0) {
			n = nb_ring_rearm(&q->tx.sring->req_event, &q->tx.sring->req_prod,
					  q->tx.req_cons, 1, RING_SIZE(&q->tx), &prod);
			if (n <= 0)
				break;
		}
		if (nb->cfg.mode == PVF_NB_MODE_ECHO &&
		    !__atomic_load_n(&nb->steer_on, __ATOMIC_ACQUIRE)) {
			/* Back-pressure: take the packet only when its echo fits
			 * (with steering the queue is known only after the copy:
			 * a packet that does not fit waits in echo_len). */
			rc = nb_tx_echo_room(q);
			if (rc <= 0)
				break; /* the frontend's RX event wakes us */
		}
		rc = nb_tx_parse(q, prod, p);
		if (rc < 0) {
			nb_queue_fatal(q, "tx packet chain runs past the producer");
			break;
		}
		q->tx.req_cons += p->used;
		len = nb_tx_gather(q, p);
		if (len < 0) {
			nb_tx_respond(q, p, NETIF_RSP_ERROR);
			NB_ADD(nb, tx_errors, 1);
		} else {
			const struct netif_extra_info *ma = &p->ext[XEN_NETIF_EXTRA_TYPE_MCAST_ADD];
			const struct netif_extra_info *md = &p->ext[XEN_NETIF_EXTRA_TYPE_MCAST_DEL];
			int16_t st = NETIF_RSP_OKAY;

			if (ma->type && nb_mcast_update(nb, ma->u.mcast.addr, 1))
				st = NETIF_RSP_ERROR;
			if (md->type && nb_mcast_update(nb, md->u.mcast.addr, 0))
				st = NETIF_RSP_ERROR;
			nb_tx_respond(q, p, st);
			if (!ma->type && !md->type) {
				NB_ADD(nb, tx_packets, 1);
				NB_ADD(nb, tx_bytes, (uint64_t)len);
				stalled = nb_tx_deliver(q, p, (size_t)len, &dirty) == -PVF_EAGAIN;
			}
		}
		done++;
		n = (int)(prod - q->tx.req_cons);
	}
	if (n < 0)
		nb_queue_fatal(q, "tx request producer out of range");
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, notify);
	if (notify) {
		pvf_lb_be_notify(q->be, q->port_tx);
		NB_ADD(nb, notify_tx, 1);
	}
	nb_rx_flush(nb, dirty);
	return (int)done;
}
