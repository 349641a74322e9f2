/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Network frontend queues: per-queue TX and RX rings (one page each),
 * their grants and event channels, the RX buffer pool, the bounce pages
 * of an untrusted backend (TX: one per TX id; RX: one private copy page
 * per fragment, shared by the queues), and the helpers
 * every path shares (ending grants with the still-mapped check, the held
 * list, the broken state, notifications).
 */
#include "net_internal.h"

void pvf_net_break(struct pvf_net *net, const char *why, uint32_t a, uint32_t b)
{
	if (!pvf_broken_get(&net->brk))
		pvf_warn(net->plat, "net: %s: backend violation: %s (%u, %u)", net->node, why,
			 (unsigned int)a, (unsigned int)b);
	pvf_broken_set(&net->brk, net->plat, -PVF_EPROTO, why);
}

void pvf_net_notify(struct pvf_net *net, uint32_t port)
{
	if (port)
		net->plat->ops->evtchn_notify(net->plat->ctx, port);
}

/*
 * End @ref.  If the backend still maps the page, park the reference on
 * the held list (it is never reused) and return -PVF_EBUSY.  Returns 0
 * when ended (or already gone: -PVF_EBADF is logged and ignored).
 */
int pvf_net_end_grant(struct pvf_net *net, uint32_t ref)
{
	int r = net->plat->ops->gnt_end(net->plat->ctx, ref);

	if (r == 0)
		return 0;
	if (r != -PVF_EBUSY) {
		pvf_warn(net->plat, "net: %s: ending grant %u: %s", net->node,
			 (unsigned int)ref, pvf_strerror(r));
		return 0;
	}
	if (net->nr_held < PVF_NET_HELD_MAX)
		net->held[net->nr_held++] = ref;
	else
		net->lost_held++;
	return -PVF_EBUSY;
}

/* Try the held references again.  Returns how many are still held. */
int pvf_net_retry_held(struct pvf_net *net)
{
	uint32_t i = 0;

	while (i < net->nr_held) {
		if (net->plat->ops->gnt_end(net->plat->ctx, net->held[i]) == -PVF_EBUSY) {
			i++;
			continue;
		}
		net->held[i] = net->held[--net->nr_held];
	}
	return (int)(net->nr_held + net->lost_held);
}

/* End a ring grant in place (the page stays allocated while mapped).
 * Returns 0 or -PVF_EBUSY. */
static int end_in_place(struct pvf_net *net, uint32_t ref, bool *granted)
{
	int r;

	if (!*granted)
		return 0;
	r = net->plat->ops->gnt_end(net->plat->ctx, ref);
	if (r == -PVF_EBUSY)
		return r;
	*granted = false;
	return 0;
}

static int alloc_port(struct pvf_net *net, uint32_t *port)
{
	int r = net->plat->ops->evtchn_alloc_unbound(net->plat->ctx,
						     pvf_xenbus_backend_id(&net->xb), port);

	if (r == -PVF_ENOSYS && net->cfg.polled) {
		*port = 0;
		net->info.polled_no_evtchn = true;
		return 0;
	}
	return r;
}

static void close_port(struct pvf_net *net, uint32_t *port)
{
	if (*port)
		net->plat->ops->evtchn_close(net->plat->ctx, *port);
	*port = 0;
}

static int queue_setup(struct pvf_net *net, struct pvf_net_queue *q)
{
	const struct pvf_platform *p = net->plat;
	pvf_domid_t dom = pvf_xenbus_backend_id(&net->xb);
	uint64_t frames[2];
	void *va;
	int r;

	if (!q->tx_va) {
		r = p->ops->page_alloc(p->ctx, 2, &va, frames);
		if (r < 0)
			return r;
		q->tx_va = va;
		q->rx_va = (char *)va + PVF_PAGE_SIZE;
		q->tx_frame = frames[0];
		q->rx_frame = frames[1];
	}
	/* fresh shared pages: the backend sees empty rings */
	memset(q->tx_va, 0, 2 * PVF_PAGE_SIZE);
	SHARED_RING_INIT((netif_tx_sring_t *)q->tx_va);
	SHARED_RING_INIT((netif_rx_sring_t *)q->rx_va);
	FRONT_RING_INIT(&q->tx, (netif_tx_sring_t *)q->tx_va, PVF_PAGE_SIZE);
	FRONT_RING_INIT(&q->rx, (netif_rx_sring_t *)q->rx_va, PVF_PAGE_SIZE);
	q->tx_pushed = 0;
	q->rx_pushed = 0;
	if (!q->tx_granted) {
		r = p->ops->gnt_grant(p->ctx, dom, q->tx_frame, 0, &q->tx_ref);
		if (r < 0)
			return r;
		q->tx_granted = true;
	}
	if (!q->rx_granted) {
		r = p->ops->gnt_grant(p->ctx, dom, q->rx_frame, 0, &q->rx_ref);
		if (r < 0)
			return r;
		q->rx_granted = true;
	}
	if (!q->tx_port) {
		r = alloc_port(net, &q->tx_port);
		if (r < 0)
			return r;
	}
	if (net->info.split_evtchn && q->tx_port && q->rx_port == q->tx_port)
		q->rx_port = 0;
	if (!net->info.split_evtchn) {
		q->rx_port = q->tx_port;
	} else if (q->tx_port && !q->rx_port) {
		r = alloc_port(net, &q->rx_port);
		if (r < 0)
			return r;
	}
	if (!q->pool_va) {
		r = p->ops->page_alloc(p->ctx, net->cfg.rx_buffers, &q->pool_va, q->rx_frames);
		if (r < 0) {
			q->pool_va = NULL;
			return r;
		}
	}
	if (net->info.bounce && !q->tb_va) {
		/* sized by the ring: one page per TX id, so a free id always
		 * has a free page (page_alloc zeroes them) */
		r = p->ops->page_alloc(p->ctx, PVF_NET_TX_RING_SIZE, &q->tb_va, q->tb_frames);
		if (r < 0) {
			q->tb_va = NULL;
			return r;
		}
	}
	pvf_net_tx_reset(q);
	pvf_net_rx_reset(net, q);
	q->rings_live = true;
	return 0;
}

int pvf_net_queues_setup(struct pvf_net *net)
{
	uint32_t i;
	int r;

	for (i = 0; i < net->info.nr_queues; i++) {
		r = queue_setup(net, &net->q[i]);
		if (r < 0)
			return r;
	}
	if (net->info.bounce && !net->rxc_va) {
		uint64_t frames[PVF_NET_MAX_FRAGS];

		/* private RX copies: never granted, the frames are not kept */
		r = net->plat->ops->page_alloc(net->plat->ctx, PVF_NET_MAX_FRAGS, &net->rxc_va,
					       frames);
		if (r < 0) {
			net->rxc_va = NULL;
			return r;
		}
	}
	return 0;
}

/* Release one queue.  Returns 0 or -PVF_EBUSY (resources kept). */
static int queue_release(struct pvf_net *net, struct pvf_net_queue *q)
{
	const struct pvf_platform *p = net->plat;
	int busy = 0;

	q->rings_live = false;
	if (q->rx_port && q->rx_port != q->tx_port)
		close_port(net, &q->rx_port);
	q->rx_port = 0;
	close_port(net, &q->tx_port);
	if (q->pool_va) {
		if (pvf_net_rx_reclaim(net, q))
			busy = -PVF_EBUSY;
		else {
			p->ops->page_free(p->ctx, q->pool_va, net->cfg.rx_buffers);
			q->pool_va = NULL;
		}
	}
	if (q->tb_va) {
		if (pvf_net_tx_bounce_reclaim(net, q)) {
			busy = -PVF_EBUSY; /* quarantined pages: never freed while mapped */
		} else {
			p->ops->page_free(p->ctx, q->tb_va, PVF_NET_TX_RING_SIZE);
			q->tb_va = NULL;
		}
	}
	if (end_in_place(net, q->tx_ref, &q->tx_granted))
		busy = -PVF_EBUSY;
	if (end_in_place(net, q->rx_ref, &q->rx_granted))
		busy = -PVF_EBUSY;
	if (q->tx_va && !q->tx_granted && !q->rx_granted) {
		p->ops->page_free(p->ctx, q->tx_va, 2);
		q->tx_va = NULL;
		q->rx_va = NULL;
	}
	return busy;
}

int pvf_net_queues_release(struct pvf_net *net)
{
	uint32_t i;
	int busy = 0;

	for (i = 0; i < PVF_NET_MAX_QUEUES; i++)
		if (queue_release(net, &net->q[i]))
			busy = -PVF_EBUSY;
	if (net->rxc_va) {
		net->plat->ops->page_free(net->plat->ctx, net->rxc_va, PVF_NET_MAX_FRAGS);
		net->rxc_va = NULL;
	}
	return busy;
}
