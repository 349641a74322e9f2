/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Network frontend transmit path.
 *
 * Wire format (netif.h "Guest transmit"): the first request carries the
 * whole packet size and the flags, extra-info slots follow it, then one
 * request per further fragment with more_data on all but the last.  Each
 * data slot takes an id from the queue's private shadow table and one
 * read-only grant; extra slots take neither (their responses are
 * NETIF_RSP_NULL and are skipped without looking at the id).
 *
 * Responses are consumed only from poll/on_event, never from the transmit
 * path: sweeping them at submit time would leave the interrupt that
 * announces them with nothing to do (a spurious event per packet).
 * Hardening: producer read once, barrier, checked against the requests
 * outstanding; each response copied once; the id must name an in-flight
 * slot (a duplicate does not); grants ended before done(), held back if
 * still mapped.
 *
 * Bounce mode (untrusted backend, info.bounce): data slot id owns bounce
 * page id of the queue (PVF_NET_TX_RING_SIZE pages).  The fragment is
 * copied to the start of that page, the rest of the page is zeroed, and
 * the page, never the caller's, is granted read-only (offset 0).  A page
 * still mapped when its grant is ended is quarantined with its id (state
 * QUARANTINED, counted in tx_bheld): neither is reused until the grant
 * ends (pvf_net_tx_bounce_reclaim at release), and the pages are not
 * freed before that.
 */
#include "net_internal.h"

/* Every id free except quarantined ones (their page is still mapped). */
void pvf_net_tx_reset(struct pvf_net_queue *q)
{
	uint32_t i = PVF_NET_TX_RING_SIZE;

	q->tx_free = PVF_NET_NONE16;
	q->tx_nfree = 0;
	while (i-- > 0) {
		struct pvf_net_txs *s = &q->txs[i];

		s->pkt = NULL;
		if (s->state == PVF_NET_TXS_QUARANTINED)
			continue;
		s->gref = PVF_NET_NOREF;
		s->state = PVF_NET_TXS_FREE;
		s->bounced = 0;
		s->next_free = q->tx_free;
		q->tx_free = (uint16_t)i;
		q->tx_nfree++;
	}
}

static uint16_t id_get(struct pvf_net_queue *q)
{
	uint16_t id = q->tx_free;

	q->tx_free = q->txs[id].next_free;
	q->tx_nfree--;
	return id;
}

static void id_put(struct pvf_net_queue *q, uint16_t id)
{
	q->txs[id].pkt = NULL;
	q->txs[id].gref = PVF_NET_NOREF;
	q->txs[id].state = PVF_NET_TXS_FREE;
	q->txs[id].bounced = 0;
	q->txs[id].next_free = q->tx_free;
	q->tx_free = id;
	q->tx_nfree++;
}

void pvf_net_tx_finish(struct pvf_net *net, struct pvf_net_tx *tx, int status)
{
	tx->p_state = PVF_NET_TXP_IDLE;
	tx->p_next = NULL;
	tx->p_left = 0;
	tx->p_status = 0;
	if (status == 0)
		net->stats.tx_packets++;
	else if (status == -PVF_ECANCELED)
		net->stats.tx_dropped++;
	else
		net->stats.tx_errors++;
	tx->done(tx, status);
}

/* Whether @tx can be sent with what is negotiated now.  Returns 0 or the
 * error of pvf_net_transmit(). */
static int tx_check(const struct pvf_net *net, const struct pvf_net_tx *tx)
{
	const struct pvf_net_info *in = &net->info;
	uint32_t total = 0, i;

	if (tx->flags & ~(uint16_t)(PVF_NET_TX_CSUM_BLANK | PVF_NET_TX_DATA_VALIDATED))
		return -PVF_EINVAL;
	if (tx->mcast_op != PVF_NET_MCAST_NONE) {
		if (tx->mcast_op > PVF_NET_MCAST_DEL || tx->nr_frags || tx->gso_type)
			return -PVF_EINVAL;
		return in->multicast_control ? 0 : -PVF_EOPNOTSUPP;
	}
	if (!tx->frags || tx->nr_frags == 0 || tx->nr_frags > PVF_NET_MAX_FRAGS)
		return -PVF_EINVAL;
	for (i = 0; i < tx->nr_frags; i++) {
		const struct pvf_net_frag *f = &tx->frags[i];

		if (f->len == 0 || f->offset >= PVF_PAGE_SIZE ||
		    f->len > PVF_PAGE_SIZE - f->offset)
			return -PVF_EINVAL;
		if (in->bounce && !f->va)
			return -PVF_EINVAL; /* nothing to copy from */
		total += f->len;
	}
	if (total > PVF_NET_MAX_PKT)
		return -PVF_EINVAL;
	if (tx->nr_frags > 1 && !in->tx_sg)
		return -PVF_EOPNOTSUPP;
	if ((tx->flags & PVF_NET_TX_CSUM_BLANK) && !in->tx_csum_ipv4 && !in->tx_csum_ipv6)
		return -PVF_EOPNOTSUPP;
	switch (tx->gso_type) {
	case PVF_NET_GSO_NONE:
		return 0;
	case PVF_NET_GSO_TCPV4:
	case PVF_NET_GSO_TCPV6:
		if (tx->gso_size == 0)
			return -PVF_EINVAL;
		if (tx->gso_type == PVF_NET_GSO_TCPV4 ? !in->tx_gso_tcpv4 : !in->tx_gso_tcpv6)
			return -PVF_EOPNOTSUPP;
		return 0;
	default:
		return -PVF_EINVAL;
	}
}

static void put_req(struct pvf_net_queue *q, RING_IDX idx, const netif_tx_request_t *req)
{
	memcpy(RING_GET_REQUEST(&q->tx, idx), req, sizeof(*req));
}

static void put_extra(struct pvf_net_queue *q, RING_IDX idx, const netif_extra_info_t *ex)
{
	netif_tx_request_t slot;

	memset(&slot, 0, sizeof(slot));
	memcpy(&slot, ex, sizeof(*ex));
	put_req(q, idx, &slot);
}

/*
 * End the grant of data slot @id (nothing if it has none).  A caller page
 * still mapped goes to the held list (pvf_net_end_grant); a bounce page
 * still mapped is quarantined together with its id.  Returns 0, or
 * -PVF_EBUSY (still mapped).
 */
static int slot_end_grant(struct pvf_net *net, struct pvf_net_queue *q, uint16_t id)
{
	struct pvf_net_txs *s = &q->txs[id];
	int r;

	if (s->gref == PVF_NET_NOREF)
		return 0;
	if (!s->bounced)
		return pvf_net_end_grant(net, s->gref);
	r = net->plat->ops->gnt_end(net->plat->ctx, s->gref);
	if (r == -PVF_EBUSY) {
		s->state = PVF_NET_TXS_QUARANTINED; /* page and id never reused */
		s->pkt = NULL;
		q->tx_bheld++;
		pvf_warn(net->plat, "net: %s: bounce page %u still mapped: quarantined", net->node,
			 (unsigned int)id);
		return r;
	}
	if (r < 0)
		pvf_warn(net->plat, "net: %s: ending grant %u: %s", net->node,
			 (unsigned int)s->gref, pvf_strerror(r));
	return 0;
}

/* Copy fragment @f into id @id's bounce page: data at offset 0, the rest
 * of the page zeroed, so the backend sees nothing but the packet.
 * Returns the page's frame. */
static uint64_t bounce_fill(struct pvf_net_queue *q, uint16_t id, const struct pvf_net_frag *f)
{
	uint8_t *pg = (uint8_t *)q->tb_va + (size_t)id * PVF_PAGE_SIZE;

	memcpy(pg, (const uint8_t *)f->va + f->offset, f->len);
	memset(pg + f->len, 0, PVF_PAGE_SIZE - f->len);
	return q->tb_frames[id];
}

/*
 * Put @tx on @q's ring (not published).  Returns 0; -PVF_EAGAIN (no room
 * on the ring); -PVF_ENOSPC (out of grant references; nothing granted).
 */
static int tx_post(struct pvf_net *net, struct pvf_net_queue *q, struct pvf_net_tx *tx)
{
	const struct pvf_platform *p = net->plat;
	uint16_t ids[PVF_NET_MAX_FRAGS];
	uint32_t ndata, nextra, total = 0, k;
	RING_IDX idx = q->tx.req_prod_pvt;
	bool bounce = net->info.bounce;
	netif_extra_info_t ex;
	netif_tx_request_t req;

	ndata = tx->mcast_op ? 1u : tx->nr_frags;
	nextra = (tx->gso_type ? 1u : 0u) + (tx->mcast_op ? 1u : 0u);
	if (ndata + nextra > PVF_NET_TX_RING_SIZE - (idx - q->tx.rsp_cons) || ndata > q->tx_nfree)
		return -PVF_EAGAIN;
	if (bounce && !q->tb_va)
		return -PVF_EAGAIN; /* cannot happen: setup allocates them */
	for (k = 0; k < ndata; k++)
		ids[k] = id_get(q); /* bounce page = id: a free id has a free page */
	for (k = 0; k < tx->nr_frags; k++) {
		const struct pvf_net_frag *f = &tx->frags[k];
		struct pvf_net_txs *s = &q->txs[ids[k]];
		uint64_t frame = bounce ? bounce_fill(q, ids[k], f) : f->frame;
		uint32_t ref;

		if (p->ops->gnt_grant(p->ctx, pvf_xenbus_backend_id(&net->xb), frame, 1, &ref) < 0)
			goto unwind;
		s->gref = ref;
		s->bounced = bounce ? 1u : 0u;
		total += f->len;
	}
	memset(&ex, 0, sizeof(ex));
	if (tx->mcast_op) {
		ex.type = tx->mcast_op == PVF_NET_MCAST_ADD ? XEN_NETIF_EXTRA_TYPE_MCAST_ADD
							    : XEN_NETIF_EXTRA_TYPE_MCAST_DEL;
		memcpy(ex.u.mcast.addr, tx->mcast_addr, 6);
	} else if (tx->gso_type) {
		ex.type = XEN_NETIF_EXTRA_TYPE_GSO;
		ex.u.gso.size = tx->gso_size;
		ex.u.gso.type = tx->gso_type;
	}
	for (k = 0; k < ndata; k++) {
		uint16_t id = ids[k];

		q->txs[id].pkt = tx;
		q->txs[id].state = PVF_NET_TXS_INFLIGHT;
		memset(&req, 0, sizeof(req));
		req.id = id;
		if (tx->mcast_op) {
			req.flags = NETTXF_extra_info; /* gref 0, size 0: filter only */
		} else {
			req.gref = q->txs[id].gref;
			req.offset = bounce ? 0 : tx->frags[k].offset;
			req.size = (uint16_t)(k == 0 ? total : tx->frags[k].len);
			if (k + 1 < ndata)
				req.flags |= NETTXF_more_data;
		}
		if (k == 0) {
			if (tx->flags & PVF_NET_TX_CSUM_BLANK)
				req.flags |= NETTXF_csum_blank;
			if (tx->flags & PVF_NET_TX_DATA_VALIDATED)
				req.flags |= NETTXF_data_validated;
			if (nextra)
				req.flags |= NETTXF_extra_info;
		}
		put_req(q, idx++, &req);
		if (k == 0 && nextra)
			put_extra(q, idx++, &ex);
	}
	q->tx.req_prod_pvt = idx;
	tx->p_left = (uint16_t)ndata;
	tx->p_status = 0;
	tx->p_state = PVF_NET_TXP_RING;
	net->stats.tx_slots += ndata + nextra;
	return 0;
unwind:
	/* never published, but a guessed reference may still be mapped */
	for (k = 0; k < ndata; k++)
		if (slot_end_grant(net, q, ids[k]) == 0 ||
		    q->txs[ids[k]].state != PVF_NET_TXS_QUARANTINED)
			id_put(q, ids[k]);
	return -PVF_ENOSPC;
}

static void tx_push(struct pvf_net *net, struct pvf_net_queue *q)
{
	if (PVF_RING_PUSH_REQUESTS(&q->tx, &q->tx_pushed) && q->tx_port) {
		net->stats.tx_notifies++;
		pvf_net_notify(net, q->tx_port);
	}
}

static void pend_append(struct pvf_net_queue *q, struct pvf_net_tx *tx)
{
	tx->p_next = NULL;
	tx->p_state = PVF_NET_TXP_PENDING;
	if (q->pend_tail)
		q->pend_tail->p_next = tx;
	else
		q->pend_head = tx;
	q->pend_tail = tx;
}

/* Issue pending packets while the ring has room. */
void pvf_net_tx_kick(struct pvf_net *net, struct pvf_net_queue *q)
{
	struct pvf_net_tx *tx;
	bool posted = false;
	int r;

	if (!net->connected || pvf_broken_get(&net->brk) || !q->rings_live)
		return;
	while ((tx = q->pend_head) != NULL) {
		r = tx_check(net, tx);
		if (r == 0) {
			r = tx_post(net, q, tx);
			if (r == -PVF_EAGAIN || r == -PVF_ENOSPC)
				break;
		}
		q->pend_head = tx->p_next;
		if (!q->pend_head)
			q->pend_tail = NULL;
		if (r == 0)
			posted = true;
		else
			pvf_net_tx_finish(net, tx, r); /* no longer possible here */
	}
	if (posted)
		tx_push(net, q);
}

PVF_API int pvf_net_transmit(struct pvf_net *net, struct pvf_net_tx *tx)
{
	struct pvf_net_queue *q;
	uint32_t qi;
	int r;

	if (!net || !tx || !tx->done)
		return -PVF_EINVAL;
	if (net->destroyed)
		return -PVF_ESHUTDOWN;
	if (pvf_broken_get(&net->brk))
		return -PVF_EPROTO;
	if (tx->p_state != PVF_NET_TXP_IDLE)
		return -PVF_EINVAL; /* already ours */
	if (!net->info.nr_queues)
		return -PVF_ENOTCONN; /* nothing negotiated yet */
	r = tx_check(net, tx);
	if (r < 0)
		return r;
	qi = tx->queue;
	while (qi >= net->info.nr_queues)
		qi -= net->info.nr_queues;
	q = &net->q[qi];
	tx->p_queue = (uint8_t)qi;
	if (net->connected && q->rings_live && !q->pend_head) {
		r = tx_post(net, q, tx);
		if (r == 0) {
			tx_push(net, q);
			return 0;
		}
		if (r != -PVF_EAGAIN)
			return r;
	}
	pend_append(q, tx);
	return 0;
}

static int map_status(int16_t st)
{
	switch (st) {
	case NETIF_RSP_OKAY:
		return 0;
	case NETIF_RSP_DROPPED:
		return -PVF_ECANCELED;
	default:
		return -PVF_EIO; /* NETIF_RSP_ERROR and anything unknown */
	}
}

/* One slot of @tx is done with @status.  Returns 0, or -PVF_EBUSY if its
 * grant is still mapped: a caller page is held back (the packet completes
 * with -PVF_EBUSY), a bounce page is quarantined (the caller's pages were
 * never shared, the status stands). */
static int slot_done(struct pvf_net *net, struct pvf_net_queue *q, uint16_t id, int status)
{
	struct pvf_net_txs *s = &q->txs[id];
	struct pvf_net_tx *tx = s->pkt;
	bool bounced = s->bounced != 0;
	int busy = 0;

	if (slot_end_grant(net, q, id) == -PVF_EBUSY) {
		busy = -PVF_EBUSY;
		if (!bounced)
			status = -PVF_EBUSY;
	}
	if (s->state != PVF_NET_TXS_QUARANTINED)
		id_put(q, id);
	if (status == -PVF_EBUSY || (status && !tx->p_status))
		tx->p_status = (int16_t)status; /* EBUSY wins: pages not reusable */
	if (--tx->p_left == 0)
		pvf_net_tx_finish(net, tx, tx->p_status);
	return busy;
}

int pvf_net_tx_poll(struct pvf_net *net, struct pvf_net_queue *q)
{
	RING_IDX prod = 0, i;
	int n, done = 0;

	do {
		n = PVF_RING_RESPONSES(&q->tx, &prod);
		if (n < 0 || (RING_IDX)n > q->tx.req_prod_pvt - q->tx.rsp_cons) {
			pvf_net_break(net, "tx producer overflow", prod, q->tx.rsp_cons);
			return -PVF_EPROTO;
		}
		for (i = q->tx.rsp_cons; i != prod; i++) {
			netif_tx_response_t rsp;
			PVF_RING_COPY_RESPONSE(&q->tx, i, &rsp); /* copied once */
			q->tx.rsp_cons = i + 1;
			done++;
			if (rsp.status == NETIF_RSP_NULL)
				continue; /* an extra slot: no id */
			if (rsp.id >= PVF_NET_TX_RING_SIZE ||
			    q->txs[rsp.id].state != PVF_NET_TXS_INFLIGHT) {
				pvf_net_break(net, "tx response id not in flight", rsp.id, i);
				return -PVF_EPROTO;
			}
			if (slot_done(net, q, rsp.id, map_status(rsp.status)) == -PVF_EBUSY)
				pvf_net_break(net, "tx grant still mapped after response", rsp.id, 0);
			if (pvf_broken_get(&net->brk))
				return -PVF_EPROTO;
		}
		n = PVF_RING_FINAL_CHECK(&q->tx);
	} while (n > 0);
	if (n < 0) {
		pvf_net_break(net, "tx producer overflow", 0, q->tx.rsp_cons);
		return -PVF_EPROTO;
	}
	pvf_net_tx_kick(net, q);
	return done;
}

/* Backend gone: every packet on the ring is completed (-PVF_ECANCELED, or
 * -PVF_EBUSY if a page is still mapped); pending ones stay queued. */
void pvf_net_tx_cancel_inflight(struct pvf_net *net, struct pvf_net_queue *q)
{
	uint32_t id;

	if (!q->txs)
		return;
	for (id = 0; id < PVF_NET_TX_RING_SIZE; id++)
		if (q->txs[id].state == PVF_NET_TXS_INFLIGHT)
			slot_done(net, q, (uint16_t)id, -PVF_ECANCELED);
}

/*
 * Release: end the grants of quarantined bounce pages that the backend
 * no longer maps (their ids come back at the next pvf_net_tx_reset).
 * Returns how many bounce pages are still in use (quarantined, or on the
 * ring if disconnect did not run): their pages must not be freed.
 */
int pvf_net_tx_bounce_reclaim(struct pvf_net *net, struct pvf_net_queue *q)
{
	uint32_t id;
	int busy = 0;

	for (id = 0; id < PVF_NET_TX_RING_SIZE; id++) {
		struct pvf_net_txs *s = &q->txs[id];

		if (s->state == PVF_NET_TXS_INFLIGHT && s->bounced) {
			busy++;
			continue;
		}
		if (s->state != PVF_NET_TXS_QUARANTINED)
			continue;
		if (net->plat->ops->gnt_end(net->plat->ctx, s->gref) == -PVF_EBUSY) {
			busy++;
			continue;
		}
		s->gref = PVF_NET_NOREF;
		s->state = PVF_NET_TXS_FREE;
		s->bounced = 0;
		q->tx_bheld--;
	}
	return busy;
}
