/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Network frontend receive path.
 *
 * Each queue owns a pool of rx_buffers pages.  A free buffer is granted
 * (read-write) to the backend and posted in the next request slot; the
 * request id is the slot index (ring index modulo the ring size), and the
 * private rx_slot[] table remembers which buffer sits in which slot.
 * netif requires the response to land in the slot of its request, so the
 * buffer of a response is found from the response's ring index alone; the
 * backend's id is only compared with the slot (extras overlay it and are
 * not compared).  The grant is ended before the page is read; a page the
 * backend still maps is never read or reused.
 *
 * Bounce mode (untrusted backend, info.bounce): a pool page is zeroed
 * before each grant, so the backend never sees what an earlier packet
 * left there, and each received fragment is copied, after its grant
 * ended, into one of the device's private pages (net->rxc_va, never
 * granted, same offset); rx() only sees those copies.
 *
 * Wire format (netif.h "Guest receive"): first response (flags NETRXF_*,
 * status = fragment size or a negative NETIF_RSP_*), extra-info slots if
 * NETRXF_extra_info (chained by XEN_NETIF_EXTRA_FLAG_MORE), then one
 * response per further fragment while NETRXF_more_data.  RX flag order
 * differs from TX: data_validated is bit 0, csum_blank bit 1.
 *
 * Violations (-PVF_EPROTO, sticky): producer overflow or more responses
 * than requests outstanding; a response for a slot with no buffer; id not
 * the slot; offset+length outside the page; an extra type other than GSO
 * or HASH; a chain running past the producer; more than
 * PVF_NET_MAX_FRAGS data slots or PVF_NET_MAX_EXTRAS extras.  Errors
 * that only spoil one packet (negative status, zero length, unknown GSO
 * type or hash type) drop that packet and count rx_errors.
 */
#include "net_internal.h"

#define RX_MASK (PVF_NET_RX_RING_SIZE - 1u)

void pvf_net_rx_reset(struct pvf_net *net, struct pvf_net_queue *q)
{
	uint32_t i, n = net->cfg.rx_buffers;

	for (i = 0; i < PVF_NET_RX_RING_SIZE; i++)
		q->rx_slot[i] = PVF_NET_NONE16;
	for (i = 0; i < n; i++) {
		q->rxb[i].gref = PVF_NET_NOREF;
		q->rxb[i].state = PVF_NET_RXB_FREE;
		q->rx_free[i] = (uint16_t)(n - 1u - i);
	}
	q->rx_nfree = (uint16_t)n;
	q->rx_held = 0;
}

static void recycle(struct pvf_net_queue *q, uint16_t b)
{
	if (q->rxb[b].state != PVF_NET_RXB_TAKEN)
		return;
	q->rxb[b].state = PVF_NET_RXB_FREE;
	q->rxb[b].gref = PVF_NET_NOREF;
	q->rx_free[q->rx_nfree++] = b;
}

/* End buffer @b's grant.  Returns 0, or -PVF_EBUSY (buffer now HELD). */
static int end_buf(struct pvf_net *net, struct pvf_net_queue *q, uint16_t b)
{
	int r = net->plat->ops->gnt_end(net->plat->ctx, q->rxb[b].gref);

	if (r == -PVF_EBUSY) {
		if (q->rxb[b].state != PVF_NET_RXB_HELD)
			q->rx_held++;
		q->rxb[b].state = PVF_NET_RXB_HELD;
		return r;
	}
	q->rxb[b].gref = PVF_NET_NOREF;
	q->rxb[b].state = PVF_NET_RXB_TAKEN;
	return 0;
}

void pvf_net_rx_refill(struct pvf_net *net, struct pvf_net_queue *q)
{
	const struct pvf_platform *p = net->plat;
	bool posted = false;

	if (!q->rings_live || pvf_broken_get(&net->brk))
		return;
	while (q->rx_nfree && q->rx.req_prod_pvt - q->rx.rsp_cons < PVF_NET_RX_RING_SIZE) {
		RING_IDX idx = q->rx.req_prod_pvt;
		uint16_t slot = (uint16_t)(idx & RX_MASK);
		uint16_t b = q->rx_free[q->rx_nfree - 1u];
		netif_rx_request_t req;
		uint32_t ref;

		if (q->rx_slot[slot] != PVF_NET_NONE16)
			break; /* cannot happen: the slot's response was consumed */
		if (net->info.bounce) /* not granted now: the backend sees zeros only */
			memset((char *)q->pool_va + (size_t)b * PVF_PAGE_SIZE, 0, PVF_PAGE_SIZE);
		if (p->ops->gnt_grant(p->ctx, pvf_xenbus_backend_id(&net->xb), q->rx_frames[b], 0,
				      &ref) < 0)
			break; /* out of references: try again at the next poll */
		q->rx_nfree--;
		q->rxb[b].gref = ref;
		q->rxb[b].state = PVF_NET_RXB_POSTED;
		q->rx_slot[slot] = b;
		memset(&req, 0, sizeof(req));
		req.id = slot;
		req.gref = ref;
		memcpy(RING_GET_REQUEST(&q->rx, idx), &req, sizeof(req));
		q->rx.req_prod_pvt = idx + 1;
		posted = true;
	}
	if (posted && PVF_RING_PUSH_REQUESTS(&q->rx, &q->rx_pushed) && q->rx_port) {
		net->stats.rx_notifies++;
		pvf_net_notify(net, q->rx_port);
	}
}

/* One packet being assembled. */
struct rx_chain {
	struct pvf_net_rx_pkt pkt;
	uint16_t bufs[PVF_NET_MAX_FRAGS + PVF_NET_MAX_EXTRAS];
	uint32_t nb, ndata, nextra;
	bool drop;
};

/* Copy response @idx out once and take its slot's buffer.  Returns 0;
 * -PVF_EPROTO (no buffer there, or its grant still mapped). */
static int take(struct pvf_net *net, struct pvf_net_queue *q, struct rx_chain *c, RING_IDX idx,
		netif_rx_response_t *rsp)
{
	uint16_t slot = (uint16_t)(idx & RX_MASK);
	uint16_t b = q->rx_slot[slot];

	PVF_RING_COPY_RESPONSE(&q->rx, idx, rsp); /* copied once, only the copy is used */
	if (b == PVF_NET_NONE16) {
		pvf_net_break(net, "rx response in a slot without buffer", slot, idx);
		return -PVF_EPROTO;
	}
	q->rx_slot[slot] = PVF_NET_NONE16;
	net->stats.rx_slots++;
	if (end_buf(net, q, b) < 0) {
		pvf_net_break(net, "rx grant still mapped after response", slot, 0);
		return -PVF_EPROTO;
	}
	c->bufs[c->nb++] = b;
	return 0;
}

/* A data response in slot @idx.  Returns 0 or -PVF_EPROTO. */
static int data_slot(struct pvf_net *net, struct pvf_net_queue *q, struct rx_chain *c,
		     RING_IDX idx, const netif_rx_response_t *rsp)
{
	uint16_t b = c->bufs[c->nb - 1u];
	struct pvf_net_rx_frag *f;

	if (rsp->id != (uint16_t)(idx & RX_MASK)) {
		pvf_net_break(net, "rx response id is not its slot", rsp->id, idx & RX_MASK);
		return -PVF_EPROTO;
	}
	if (rsp->status < 0) {
		c->drop = true; /* backend error for this packet */
		return 0;
	}
	if (rsp->offset >= PVF_PAGE_SIZE ||
	    (uint32_t)rsp->status > PVF_PAGE_SIZE - (uint32_t)rsp->offset) {
		pvf_net_break(net, "rx offset+length past the page", rsp->offset,
			      (uint32_t)rsp->status);
		return -PVF_EPROTO;
	}
	if (rsp->status == 0)
		return 0;
	f = &c->pkt.frags[c->pkt.nr_frags];
	f->page = (const char *)q->pool_va + (size_t)b * PVF_PAGE_SIZE;
	if (net->info.bounce) {
		/* grant already ended: one copy into a page never shared */
		char *priv = (char *)net->rxc_va + (size_t)c->pkt.nr_frags * PVF_PAGE_SIZE;

		memcpy(priv + rsp->offset, (const char *)f->page + rsp->offset,
		       (size_t)rsp->status);
		f->page = priv;
	}
	c->pkt.nr_frags++;
	f->offset = rsp->offset;
	f->len = (uint16_t)rsp->status;
	c->pkt.len += f->len;
	return 0;
}

/* An extra-info slot.  Returns 0 or -PVF_EPROTO. */
static int extra_slot(struct pvf_net *net, struct rx_chain *c, const netif_rx_response_t *rsp,
		      uint8_t *more)
{
	netif_extra_info_t ex;

	memcpy(&ex, rsp, sizeof(ex)); /* the private copy, reinterpreted */
	*more = ex.flags & XEN_NETIF_EXTRA_FLAG_MORE;
	switch (ex.type) {
	case XEN_NETIF_EXTRA_TYPE_GSO:
		if ((ex.u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
		     ex.u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6) || ex.u.gso.size == 0) {
			c->drop = true;
			return 0;
		}
		c->pkt.flags |= PVF_NET_RX_GSO;
		c->pkt.gso_type = ex.u.gso.type;
		c->pkt.gso_size = ex.u.gso.size;
		return 0;
	case XEN_NETIF_EXTRA_TYPE_HASH:
		if (ex.u.hash.type > _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP) {
			c->drop = true;
			return 0;
		}
		c->pkt.flags |= PVF_NET_RX_HASH;
		c->pkt.hash_type = ex.u.hash.type;
		c->pkt.hash = (uint32_t)ex.u.hash.value[0] | (uint32_t)ex.u.hash.value[1] << 8 |
			      (uint32_t)ex.u.hash.value[2] << 16 | (uint32_t)ex.u.hash.value[3] << 24;
		return 0;
	default:
		pvf_net_break(net, "rx extra of unknown or unexpected type", ex.type, 0);
		return -PVF_EPROTO;
	}
}

/* Consume one packet starting at *@ip (< @prod).  Returns slots consumed
 * or -PVF_EPROTO. */
static int rx_one(struct pvf_net *net, struct pvf_net_queue *q, RING_IDX *ip, RING_IDX prod,
		  uint16_t qi)
{
	struct rx_chain c;
	netif_rx_response_t rsp;
	RING_IDX idx = *ip;
	uint16_t flags;
	uint8_t more;
	uint32_t k;
	int r;

	memset(&c.pkt, 0, sizeof(c.pkt));
	c.nb = c.ndata = c.nextra = 0;
	c.drop = false;
	c.pkt.queue = qi;
	r = take(net, q, &c, idx, &rsp);
	if (!r)
		r = data_slot(net, q, &c, idx, &rsp);
	if (r)
		goto bad;
	idx++;
	c.ndata = 1;
	flags = rsp.flags;
	if (flags & NETRXF_data_validated)
		c.pkt.flags |= PVF_NET_RX_DATA_VALIDATED;
	if (flags & NETRXF_csum_blank)
		c.pkt.flags |= PVF_NET_RX_CSUM_BLANK;
	more = (flags & NETRXF_extra_info) ? 1u : 0u;
	while (more) {
		r = -PVF_EPROTO;
		if (idx == prod) {
			pvf_net_break(net, "rx extras run past the producer", idx, prod);
			goto bad;
		}
		if (c.nextra == PVF_NET_MAX_EXTRAS) {
			pvf_net_break(net, "rx too many extras", c.nextra, 0);
			goto bad;
		}
		r = take(net, q, &c, idx, &rsp);
		if (!r)
			r = extra_slot(net, &c, &rsp, &more);
		if (r)
			goto bad;
		c.nextra++;
		idx++;
	}
	while (flags & NETRXF_more_data) {
		r = -PVF_EPROTO;
		if (idx == prod) {
			pvf_net_break(net, "rx chain runs past the producer", idx, prod);
			goto bad;
		}
		if (c.ndata == PVF_NET_MAX_FRAGS) {
			pvf_net_break(net, "rx chain longer than the slot limit", c.ndata, 0);
			goto bad;
		}
		r = take(net, q, &c, idx, &rsp);
		if (!r)
			r = data_slot(net, q, &c, idx, &rsp);
		if (r)
			goto bad;
		c.ndata++;
		idx++;
		flags = rsp.flags;
	}
	*ip = idx;
	q->rx.rsp_cons = idx;
	if (c.drop || c.pkt.len == 0) {
		net->stats.rx_errors++;
	} else {
		net->stats.rx_packets++;
		net->stats.rx_bytes += c.pkt.len;
		if (net->cfg.rx)
			net->cfg.rx(net->cfg.rx_arg, &c.pkt);
	}
	for (k = 0; k < c.nb; k++)
		recycle(q, c.bufs[k]);
	return (int)c.nb;
bad:
	for (k = 0; k < c.nb; k++)
		recycle(q, c.bufs[k]);
	return -PVF_EPROTO;
}

int pvf_net_rx_poll(struct pvf_net *net, struct pvf_net_queue *q)
{
	RING_IDX prod = 0, i;
	int n, r, done = 0;
	uint16_t qi = (uint16_t)(q - net->q);

	do {
		n = PVF_RING_RESPONSES(&q->rx, &prod);
		if (n < 0 || (RING_IDX)n > q->rx.req_prod_pvt - q->rx.rsp_cons) {
			pvf_net_break(net, "rx producer overflow", prod, q->rx.rsp_cons);
			return -PVF_EPROTO;
		}
		i = q->rx.rsp_cons;
		while (i != prod) {
			r = rx_one(net, q, &i, prod, qi);
			if (r < 0)
				return r;
			done += r;
		}
		n = PVF_RING_FINAL_CHECK(&q->rx);
	} while (n > 0);
	if (n < 0) {
		pvf_net_break(net, "rx producer overflow", 0, q->rx.rsp_cons);
		return -PVF_EPROTO;
	}
	pvf_net_rx_refill(net, q);
	return done;
}

/*
 * Take every posted buffer back (release): end its grant.  Buffers whose
 * grant is still mapped stay HELD and are retried next time.
 * Returns the number of buffers still held.
 */
int pvf_net_rx_reclaim(struct pvf_net *net, struct pvf_net_queue *q)
{
	uint32_t i;

	for (i = 0; i < PVF_NET_RX_RING_SIZE; i++) {
		uint16_t b = q->rx_slot[i];

		if (b == PVF_NET_NONE16)
			continue;
		q->rx_slot[i] = PVF_NET_NONE16;
		if (end_buf(net, q, b) == 0)
			recycle(q, b);
	}
	for (i = 0; i < net->cfg.rx_buffers; i++) {
		if (q->rxb[i].state != PVF_NET_RXB_HELD)
			continue;
		if (net->plat->ops->gnt_end(net->plat->ctx, q->rxb[i].gref) == -PVF_EBUSY)
			continue;
		q->rxb[i].state = PVF_NET_RXB_TAKEN;
		q->rx_held--;
		recycle(q, (uint16_t)i);
	}
	return q->rx_held;
}
