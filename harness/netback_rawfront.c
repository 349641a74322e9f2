/* SPDX-License-Identifier: BSD-2-Clause */
/* The netback tests' raw frontend (see netback_rawfront.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pvfront/errno.h>
#include <pvfront/ring.h>
#include <pvfront/xs.h>
#include "netback_rawfront.h"

#define NBR_PAGE 4096u

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until the backend state is @want (1) or Closing/Closed (-PVF_ECONNRESET). */
static int nbr_wait_state(struct pvf_nbr *f, uint32_t want, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	for (;;) {
		uint32_t st = 0;

		if (pvf_xs_read_u32(f->p, 0, f->be_dir, "state", &st) == 0) {
			if (st == want)
				return 0;
			if (want == XenbusStateConnected &&
			    (st == XenbusStateClosing || st == XenbusStateClosed))
				return -PVF_ECONNRESET;
		}
		if (now_ms() > end)
			return -PVF_ETIMEDOUT;
		pvf_lb_guest_poll(f->g, 1);
	}
}

static void nbr_event(void *arg, uint32_t port)
{
	struct pvf_nbr_queue *q = arg;

	(void)port;
	q->kicked = 1;
	q->f->st.events++;
}

static void nbr_ctrl_event(void *arg, uint32_t port)
{
	(void)arg;
	(void)port;
}

static void nbr_queue_free(struct pvf_nbr *f, struct pvf_nbr_queue *q, int *busy)
{
	const struct pvf_platform_ops *o = f->p->ops;
	void *c = f->p->ctx;

	for (unsigned int i = 0; i < q->ngrants; i++) {
		if (i < PVF_NBR_RING) {
			if (o->gnt_end(c, q->txref[i]))
				*busy = 1;
		} else if (o->gnt_end(c, q->rxref[i - PVF_NBR_RING])) {
			*busy = 1;
		}
	}
	q->ngrants = 0;
	if (q->tx_ring_ref && o->gnt_end(c, q->tx_ring_ref))
		*busy = 1;
	if (q->rx_ring_ref && o->gnt_end(c, q->rx_ring_ref))
		*busy = 1;
	q->tx_ring_ref = q->rx_ring_ref = 0;
	if (q->port_rx && q->port_rx != q->port_tx) {
		pvf_lb_guest_bind(f->g, q->port_rx, NULL, NULL);
		o->evtchn_close(c, q->port_rx);
	}
	if (q->port_tx) {
		pvf_lb_guest_bind(f->g, q->port_tx, NULL, NULL);
		o->evtchn_close(c, q->port_tx);
	}
	q->port_tx = q->port_rx = 0;
	if (!*busy) {
		if (q->txbuf)
			o->page_free(c, q->txbuf, PVF_NBR_RING);
		if (q->rxbuf)
			o->page_free(c, q->rxbuf, PVF_NBR_RING);
		if (q->tx_ring)
			o->page_free(c, q->tx_ring, 1);
		if (q->rx_ring)
			o->page_free(c, q->rx_ring, 1);
	}
	q->txbuf = q->rxbuf = NULL;
	q->tx_ring = q->rx_ring = NULL;
	free(q->pkt);
	q->pkt = NULL;
}

static int nbr_queue_setup(struct pvf_nbr *f, struct pvf_nbr_queue *q)
{
	const struct pvf_platform_ops *o = f->p->ops;
	void *c = f->p->ctx;
	char dir[300];
	void *va;
	int rc;

	q->f = f;
	q->pkt = malloc(65536 + NBR_PAGE);
	if (!q->pkt)
		return -PVF_ENOMEM;
	rc = o->page_alloc(c, 1, &q->tx_ring, &q->tx_ring_frame);
	rc = rc ? rc : o->page_alloc(c, 1, &q->rx_ring, &q->rx_ring_frame);
	rc = rc ? rc : o->page_alloc(c, PVF_NBR_RING, &va, q->txframe);
	if (!rc)
		q->txbuf = va;
	rc = rc ? rc : o->page_alloc(c, PVF_NBR_RING, &va, q->rxframe);
	if (rc)
		return rc;
	q->rxbuf = va;
	memset(q->tx_ring, 0, NBR_PAGE);
	memset(q->rx_ring, 0, NBR_PAGE);
	SHARED_RING_INIT((struct netif_tx_sring *)q->tx_ring);
	SHARED_RING_INIT((struct netif_rx_sring *)q->rx_ring);
	FRONT_RING_INIT(&q->tx, (struct netif_tx_sring *)q->tx_ring, NBR_PAGE);
	FRONT_RING_INIT(&q->rx, (struct netif_rx_sring *)q->rx_ring, NBR_PAGE);
	q->tx_old = q->rx_old = 0;
	memset(q->tx_busy, 0, sizeof(q->tx_busy));
	rc = o->gnt_grant(c, f->be_domid, q->tx_ring_frame, 0, &q->tx_ring_ref);
	rc = rc ? rc : o->gnt_grant(c, f->be_domid, q->rx_ring_frame, 0, &q->rx_ring_ref);
	for (unsigned int i = 0; !rc && i < 2 * PVF_NBR_RING; i++) {
		if (i < PVF_NBR_RING)
			rc = o->gnt_grant(c, f->be_domid, q->txframe[i], 1, &q->txref[i]);
		else
			rc = o->gnt_grant(c, f->be_domid, q->rxframe[i - PVF_NBR_RING], 0,
					  &q->rxref[i - PVF_NBR_RING]);
		if (!rc)
			q->ngrants++;
	}
	rc = rc ? rc : o->evtchn_alloc_unbound(c, f->be_domid, &q->port_tx);
	q->port_rx = q->port_tx;
	if (!rc && f->split)
		rc = o->evtchn_alloc_unbound(c, f->be_domid, &q->port_rx);
	if (rc)
		return rc;
	pvf_lb_guest_bind(f->g, q->port_tx, nbr_event, q);
	o->evtchn_unmask(c, q->port_tx);
	if (q->port_rx != q->port_tx) {
		pvf_lb_guest_bind(f->g, q->port_rx, nbr_event, q);
		o->evtchn_unmask(c, q->port_rx);
	}
	/* Fill the RX ring: request k uses buffer k. */
	for (unsigned int k = 0; k < PVF_NBR_RING; k++) {
		struct netif_rx_request *r = RING_GET_REQUEST(&q->rx, q->rx.req_prod_pvt);

		r->id = (uint16_t)k;
		r->gref = q->rxref[k];
		q->rx.req_prod_pvt++;
	}
	PVF_RING_PUSH_REQUESTS(&q->rx, &q->rx_old);
	if (f->nq > 1)
		snprintf(dir, sizeof(dir), "%s/queue-%u", f->fe_dir, q->idx);
	else
		snprintf(dir, sizeof(dir), "%s", f->fe_dir);
	rc = pvf_xs_write_u32(f->p, 0, dir, "tx-ring-ref", q->tx_ring_ref);
	rc = rc ? rc : pvf_xs_write_u32(f->p, 0, dir, "rx-ring-ref", q->rx_ring_ref);
	if (f->split) {
		rc = rc ? rc : pvf_xs_write_u32(f->p, 0, dir, "event-channel-tx", q->port_tx);
		rc = rc ? rc : pvf_xs_write_u32(f->p, 0, dir, "event-channel-rx", q->port_rx);
	} else {
		rc = rc ? rc : pvf_xs_write_u32(f->p, 0, dir, "event-channel", q->port_tx);
	}
	return rc;
}

static int nbr_ctrl_setup(struct pvf_nbr *f)
{
	const struct pvf_platform_ops *o = f->p->ops;
	void *c = f->p->ctx;
	int rc;

	rc = o->page_alloc(c, 1, &f->ctrl_ring, &f->ctrl_ring_frame);
	rc = rc ? rc : o->page_alloc(c, 1, &f->ctrl_buf, &f->ctrl_buf_frame);
	if (rc)
		return rc;
	memset(f->ctrl_ring, 0, NBR_PAGE);
	memset(f->ctrl_buf, 0, NBR_PAGE);
	SHARED_RING_INIT((struct xen_netif_ctrl_sring *)f->ctrl_ring);
	FRONT_RING_INIT(&f->ctrl, (struct xen_netif_ctrl_sring *)f->ctrl_ring, NBR_PAGE);
	f->ctrl_old = 0;
	rc = o->gnt_grant(c, f->be_domid, f->ctrl_ring_frame, 0, &f->ctrl_ring_ref);
	rc = rc ? rc : o->gnt_grant(c, f->be_domid, f->ctrl_buf_frame, 1, &f->ctrl_buf_ref);
	rc = rc ? rc : o->evtchn_alloc_unbound(c, f->be_domid, &f->ctrl_port);
	if (rc)
		return rc;
	pvf_lb_guest_bind(f->g, f->ctrl_port, nbr_ctrl_event, f);
	o->evtchn_unmask(c, f->ctrl_port);
	f->have_ctrl = 1;
	rc = pvf_xs_write_u32(f->p, 0, f->fe_dir, "ctrl-ring-ref", f->ctrl_ring_ref);
	return rc ? rc : pvf_xs_write_u32(f->p, 0, f->fe_dir, "event-channel-ctrl", f->ctrl_port);
}

static int nbr_release(struct pvf_nbr *f)
{
	const struct pvf_platform_ops *o = f->p->ops;
	void *c = f->p->ctx;
	int busy = 0;

	for (unsigned int i = 0; i < PVF_NBR_MAX_QUEUES; i++)
		if (f->q[i].f)
			nbr_queue_free(f, &f->q[i], &busy);
	if (f->ctrl_port) {
		pvf_lb_guest_bind(f->g, f->ctrl_port, NULL, NULL);
		o->evtchn_close(c, f->ctrl_port);
		f->ctrl_port = 0;
	}
	if (f->ctrl_ring_ref && o->gnt_end(c, f->ctrl_ring_ref))
		busy = 1;
	if (f->ctrl_buf_ref && o->gnt_end(c, f->ctrl_buf_ref))
		busy = 1;
	f->ctrl_ring_ref = f->ctrl_buf_ref = 0;
	if (!busy) {
		if (f->ctrl_ring)
			o->page_free(c, f->ctrl_ring, 1);
		if (f->ctrl_buf)
			o->page_free(c, f->ctrl_buf, 1);
	}
	f->ctrl_ring = f->ctrl_buf = NULL;
	f->have_ctrl = 0;
	return busy ? -PVF_EBUSY : 0;
}

int pvf_nbr_attach(struct pvf_nbr *f, struct pvf_lb_guest *g, const char *fe_dir,
		   const struct pvf_nbr_config *cfg, int timeout_ms)
{
	uint32_t maxq = 1, v;
	int rc, split = 0, ctrl = 0;
	const char *d;

	pvf_nbr_rx_fn *fn = f->rx_fn;
	void *arg = f->rx_arg;

	memset(f, 0, sizeof(*f));
	f->rx_fn = fn;
	f->rx_arg = arg;
	f->g = g;
	f->p = pvf_lb_guest_platform(g);
	if (cfg)
		f->cfg = *cfg;
	snprintf(f->fe_dir, sizeof(f->fe_dir), "%s", fe_dir);
	d = f->fe_dir;
	rc = pvf_xs_read_str(f->p, 0, d, "backend", f->be_dir, sizeof(f->be_dir));
	if (rc < 0)
		return rc;
	rc = pvf_xs_read_u32(f->p, 0, d, "backend-id", &v);
	if (rc)
		return rc;
	f->be_domid = (uint16_t)v;
	rc = nbr_wait_state(f, XenbusStateInitWait, timeout_ms);
	if (rc)
		return rc;
	pvf_xs_read_u32_default(f->p, 0, f->be_dir, "multi-queue-max-queues", 1, &maxq);
	pvf_xs_read_bool_default(f->p, 0, f->be_dir, "feature-split-event-channels", 0, &split);
	pvf_xs_read_bool_default(f->p, 0, f->be_dir, "feature-ctrl-ring", 0, &ctrl);
	f->nq = f->cfg.queues ? f->cfg.queues : 1;
	if (f->nq > maxq)
		f->nq = maxq ? maxq : 1;
	if (f->nq > PVF_NBR_MAX_QUEUES)
		f->nq = PVF_NBR_MAX_QUEUES;
	f->split = split && f->cfg.split;
	for (unsigned int i = 0; !rc && i < f->nq; i++) {
		f->q[i].idx = i;
		rc = nbr_queue_setup(f, &f->q[i]);
	}
	if (!rc && ctrl && f->cfg.ctrl)
		rc = nbr_ctrl_setup(f);
	if (!rc && f->nq > 1)
		rc = pvf_xs_write_u32(f->p, 0, d, "multi-queue-num-queues", f->nq);
	if (!rc && !f->cfg.no_rx_copy)
		rc = pvf_xs_write_str(f->p, 0, d, "request-rx-copy", "1");
	if (!rc && !f->cfg.no_rx_notify)
		rc = pvf_xs_write_str(f->p, 0, d, "feature-rx-notify", "1");
	rc = rc ? rc : pvf_xs_write_str(f->p, 0, d, "feature-sg", "1");
	if (!rc && f->cfg.gso) {
		rc = pvf_xs_write_str(f->p, 0, d, "feature-gso-tcpv4", "1");
		rc = rc ? rc : pvf_xs_write_str(f->p, 0, d, "feature-gso-tcpv6", "1");
	}
	if (!rc && f->cfg.xdp_headroom)
		rc = pvf_xs_write_u32(f->p, 0, d, "xdp-headroom", f->cfg.xdp_headroom);
	rc = rc ? rc : pvf_xs_write_u32(f->p, 0, d, "state", XenbusStateInitialised);
	rc = rc ? rc : nbr_wait_state(f, XenbusStateConnected, timeout_ms);
	rc = rc ? rc : pvf_xs_write_u32(f->p, 0, d, "state", XenbusStateConnected);
	if (rc) {
		pvf_xs_write_u32(f->p, 0, d, "state", XenbusStateClosing);
		nbr_wait_state(f, XenbusStateClosed, timeout_ms);
		pvf_xs_write_u32(f->p, 0, d, "state", XenbusStateClosed);
		nbr_release(f);
	}
	return rc;
}

int pvf_nbr_detach(struct pvf_nbr *f, int timeout_ms)
{
	int rc;

	pvf_xs_write_u32(f->p, 0, f->fe_dir, "state", XenbusStateClosing);
	rc = nbr_wait_state(f, XenbusStateClosed, timeout_ms);
	pvf_xs_write_u32(f->p, 0, f->fe_dir, "state", XenbusStateClosed);
	if (nbr_release(f))
		return -PVF_EBUSY;
	(void)rc;
	return 0;
}

uint32_t pvf_nbr_tx_ref(struct pvf_nbr *f, unsigned int q, unsigned int i)
{
	return f->q[q].txref[i % PVF_NBR_RING];
}

void *pvf_nbr_tx_buf(struct pvf_nbr *f, unsigned int q, unsigned int i)
{
	return f->q[q].txbuf + (size_t)(i % PVF_NBR_RING) * NBR_PAGE;
}

static void nbr_push_tx(struct pvf_nbr *f, struct pvf_nbr_queue *q)
{
	if (PVF_RING_PUSH_REQUESTS(&q->tx, &q->tx_old)) {
		f->p->ops->evtchn_notify(f->p->ctx, q->port_tx);
		f->st.notifies++;
	}
}

int pvf_nbr_send(struct pvf_nbr *f, unsigned int qi, const void *data, size_t len,
		 uint16_t flags, const struct netif_extra_info *extra, size_t max_slot)
{
	struct pvf_nbr_queue *q;
	size_t slot = max_slot && max_slot < NBR_PAGE ? max_slot : NBR_PAGE;
	unsigned int nslots, need, k;
	size_t pos = 0;

	if (qi >= f->nq || len == 0 || len > 0xffff)
		return -PVF_EINVAL;
	q = &f->q[qi];
	nslots = (unsigned int)((len + slot - 1) / slot);
	if (nslots > XEN_NETIF_NR_SLOTS_MIN)
		return -PVF_EINVAL;
	need = nslots + (extra ? 1u : 0u);
	if (RING_FREE_REQUESTS(&q->tx) < need)
		return -PVF_EAGAIN;
	for (k = 0; k < need; k++)
		if (q->tx_busy[(q->tx.req_prod_pvt + k) % PVF_NBR_RING])
			return -PVF_EAGAIN;
	for (k = 0; k < need; k++) {
		unsigned int b = q->tx.req_prod_pvt % PVF_NBR_RING;
		struct netif_tx_request *r = RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt);

		q->tx_busy[b] = 1;
		q->tx.req_prod_pvt++;
		if (k == 1 && extra) {
			struct netif_extra_info ex = *extra;

			ex.flags = 0;
			memcpy(r, &ex, sizeof(ex));
			((struct netif_tx_request *)r)->id = (uint16_t)b; /* padding for tx */
			continue;
		}
		{
			size_t chunk = len - pos < slot ? len - pos : slot;
			uint16_t fl = 0;

			memcpy(q->txbuf + (size_t)b * NBR_PAGE, (const uint8_t *)data + pos, chunk);
			if (k == 0)
				fl = (uint16_t)(flags | (extra ? NETTXF_extra_info : 0));
			if (pos + chunk < len)
				fl |= NETTXF_more_data;
			r->gref = q->txref[b];
			r->offset = 0;
			r->flags = fl;
			r->id = (uint16_t)b;
			r->size = (uint16_t)(k == 0 ? len : chunk);
			pos += chunk;
		}
	}
	nbr_push_tx(f, q);
	return 0;
}

int pvf_nbr_send_raw(struct pvf_nbr *f, unsigned int qi, const struct netif_tx_request *reqs,
		     unsigned int n)
{
	struct pvf_nbr_queue *q = &f->q[qi];

	if (RING_FREE_REQUESTS(&q->tx) < n)
		return -PVF_EAGAIN;
	for (unsigned int k = 0; k < n; k++) {
		unsigned int b = q->tx.req_prod_pvt % PVF_NBR_RING;
		struct netif_tx_request r = reqs[k];

		if (q->tx_busy[b])
			return -PVF_EAGAIN;
		q->tx_busy[b] = 1;
		r.id = (uint16_t)b;
		*RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt) = r;
		q->tx.req_prod_pvt++;
	}
	nbr_push_tx(f, q);
	return 0;
}

unsigned int pvf_nbr_tx_inflight(const struct pvf_nbr *f)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < f->nq; i++)
		for (unsigned int b = 0; b < PVF_NBR_RING; b++)
			n += f->q[i].tx_busy[b];
	return n;
}

static int nbr_tx_done(struct pvf_nbr *f, struct pvf_nbr_queue *q)
{
	RING_IDX prod;
	int n = PVF_RING_RESPONSES(&q->tx, &prod), done = 0;

	while (n > 0) {
		for (; q->tx.rsp_cons != prod; q->tx.rsp_cons++) {
			struct netif_tx_response r;

			PVF_RING_COPY_RESPONSE(&q->tx, q->tx.rsp_cons, &r);
			if (r.status == NETIF_RSP_NULL) {
				f->st.tx_null++;
				if (r.id < PVF_NBR_RING)
					q->tx_busy[r.id] = 0;
				done++;
				continue;
			}
			if (r.id >= PVF_NBR_RING || !q->tx_busy[r.id]) {
				f->broken = 1;
				return -PVF_EPROTO;
			}
			q->tx_busy[r.id] = 0;
			if (r.status == NETIF_RSP_OKAY)
				f->st.tx_ok++;
			else if (r.status == NETIF_RSP_DROPPED)
				f->st.tx_dropped++;
			else
				f->st.tx_error++;
			done++;
		}
		n = PVF_RING_FINAL_CHECK(&q->tx);
		if (n > 0)
			n = PVF_RING_RESPONSES(&q->tx, &prod);
	}
	if (n < 0) {
		f->broken = 1;
		return n;
	}
	return done;
}

/* Consume one RX packet at rsp_cons if complete.  Returns slots consumed,
 * 0 if incomplete, -PVF_EPROTO on a bad chain. */
static int nbr_rx_one(struct pvf_nbr *f, struct pvf_nbr_queue *q, RING_IDX prod)
{
	struct netif_extra_info gso, *gsop = NULL;
	RING_IDX i = q->rx.rsp_cons;
	uint16_t flags0 = 0, more;
	size_t len = 0;
	unsigned int slots = 0;
	int err = 0;

	do {
		struct netif_rx_response r;
		unsigned int b = i % PVF_NBR_RING;

		if (i == prod)
			return 0;
		if (++slots > XEN_NETIF_NR_SLOTS_MIN + 1)
			return -PVF_EPROTO;
		PVF_RING_COPY_RESPONSE(&q->rx, i, &r);
		i++;
		if (slots == 1)
			flags0 = r.flags;
		if (r.id != b)
			return -PVF_EPROTO;
		if (r.status < 0) {
			err = 1;
		} else if ((uint32_t)r.offset + (uint32_t)r.status > NBR_PAGE ||
			   len + (size_t)r.status > 65536) {
			return -PVF_EPROTO;
		} else {
			memcpy(q->pkt + len, q->rxbuf + (size_t)b * NBR_PAGE + r.offset,
			       (size_t)r.status);
			len += (size_t)r.status;
		}
		more = r.flags & NETRXF_more_data;
		if (slots == 1 && (r.flags & NETRXF_extra_info)) {
			if (i == prod)
				return 0;
			PVF_RING_COPY_RESPONSE(&q->rx, i, (struct netif_rx_response *)&gso);
			i++;
			slots++;
			if (gso.type != XEN_NETIF_EXTRA_TYPE_GSO || (gso.flags & XEN_NETIF_EXTRA_FLAG_MORE))
				return -PVF_EPROTO;
			gsop = &gso;
		}
	} while (more);
	if (err) {
		f->st.rx_errors++;
	} else {
		f->st.rx_packets++;
		f->st.rx_bytes += len;
		if (f->rx_fn)
			f->rx_fn(f->rx_arg, q->idx, q->pkt, len, flags0, gsop);
	}
	return (int)slots;
}

static int nbr_rx_done(struct pvf_nbr *f, struct pvf_nbr_queue *q)
{
	RING_IDX prod;
	int n = PVF_RING_RESPONSES(&q->rx, &prod), done = 0;

	while (n > 0) {
		int s;

		while ((s = nbr_rx_one(f, q, prod)) > 0) {
			/* Re-post the consumed slots: request k uses buffer k. */
			for (int k = 0; k < s; k++) {
				struct netif_rx_request *r = RING_GET_REQUEST(&q->rx, q->rx.req_prod_pvt);
				unsigned int b = q->rx.req_prod_pvt % PVF_NBR_RING;

				r->id = (uint16_t)b;
				r->gref = q->rxref[b];
				q->rx.req_prod_pvt++;
			}
			q->rx.rsp_cons += (RING_IDX)s;
			done += s;
		}
		if (s < 0) {
			f->broken = 1;
			return s;
		}
		if (PVF_RING_PUSH_REQUESTS(&q->rx, &q->rx_old)) {
			f->p->ops->evtchn_notify(f->p->ctx, q->port_rx);
			f->st.notifies++;
		}
		if (q->rx.rsp_cons != prod)
			break; /* an incomplete chain: wait for the rest */
		n = PVF_RING_FINAL_CHECK(&q->rx);
		if (n > 0)
			n = PVF_RING_RESPONSES(&q->rx, &prod);
	}
	if (n < 0) {
		f->broken = 1;
		return n;
	}
	return done;
}

int pvf_nbr_poll(struct pvf_nbr *f, int timeout_ms)
{
	int total = 0;

	if (f->broken)
		return -PVF_EPROTO;
	pvf_lb_guest_poll(f->g, timeout_ms);
	for (unsigned int i = 0; i < f->nq; i++) {
		struct pvf_nbr_queue *q = &f->q[i];
		int kicked = q->kicked, a, b;

		q->kicked = 0;
		a = nbr_tx_done(f, q);
		b = nbr_rx_done(f, q);
		if (a < 0 || b < 0)
			return -PVF_EPROTO;
		if (kicked && a + b == 0)
			f->st.spurious++;
		total += a + b;
	}
	return total;
}

void *pvf_nbr_ctrl_buf(struct pvf_nbr *f)
{
	return f->ctrl_buf;
}

uint32_t pvf_nbr_ctrl_buf_ref(struct pvf_nbr *f)
{
	return f->ctrl_buf_ref;
}

int pvf_nbr_ctrl(struct pvf_nbr *f, uint16_t type, uint32_t d0, uint32_t d1, uint32_t d2,
		 uint32_t *status, uint32_t *data, int timeout_ms)
{
	struct xen_netif_ctrl_request *r;
	int64_t end = now_ms() + timeout_ms;
	uint16_t id;

	if (!f->have_ctrl)
		return -PVF_ENOTCONN;
	id = ++f->ctrl_id;
	r = RING_GET_REQUEST(&f->ctrl, f->ctrl.req_prod_pvt);
	r->id = id;
	r->type = type;
	r->data[0] = d0;
	r->data[1] = d1;
	r->data[2] = d2;
	f->ctrl.req_prod_pvt++;
	if (PVF_RING_PUSH_REQUESTS(&f->ctrl, &f->ctrl_old))
		f->p->ops->evtchn_notify(f->p->ctx, f->ctrl_port);
	for (;;) {
		RING_IDX prod;
		int n = PVF_RING_RESPONSES(&f->ctrl, &prod);

		if (n < 0)
			return n;
		if (n > 0) {
			struct xen_netif_ctrl_response rsp;

			PVF_RING_COPY_RESPONSE(&f->ctrl, f->ctrl.rsp_cons, &rsp);
			f->ctrl.rsp_cons++;
			if (rsp.id != id || rsp.type != type)
				return -PVF_EPROTO;
			*status = rsp.status;
			*data = rsp.data;
			return 0;
		}
		if (now_ms() > end)
			return -PVF_ETIMEDOUT;
		PVF_RING_FINAL_CHECK(&f->ctrl);
		pvf_lb_guest_poll(f->g, 2);
	}
}
