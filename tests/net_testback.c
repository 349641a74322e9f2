/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * In-process netback for the network frontend tests (see net_testback.h).
 * It uses the ring macros of <xen/io/ring.h> from the backend side, as
 * Linux netback does, and checks what the frontend put on the rings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net_testback.h"

static const char *fe_get(struct ntb *tb, const char *dir, const char *key)
{
	char path[256];

	snprintf(path, sizeof(path), "%s%s%s/%s", NTB_FE, dir[0] ? "/" : "", dir, key);
	return pvf_fake_xs_get(tb->f, path);
}

static int fe_u32(struct ntb *tb, const char *dir, const char *key, uint32_t *v)
{
	const char *s = fe_get(tb, dir, key);
	char *end;

	if (!s || !*s)
		return -1;
	*v = (uint32_t)strtoul(s, &end, 10);
	return *end ? -1 : 0;
}

void ntb_publish(struct pvf_fake *f, enum ntb_profile profile)
{
	static const char *const linux_keys[][2] = {
		{ "feature-rx-copy", "1" },        { "feature-rx-flip", "0" },
		{ "feature-sg", "1" },             { "feature-gso-tcpv4", "1" },
		{ "feature-gso-tcpv6", "1" },      { "feature-ipv6-csum-offload", "1" },
		{ "feature-rx-notify", "1" },      { "feature-split-event-channels", "1" },
		{ "multi-queue-max-queues", "4" }, { "feature-ctrl-ring", "1" },
		{ "feature-multicast-control", "1" },
		{ "feature-dynamic-multicast-control", "1" },
	};
	char path[256];
	size_t i;

	pvf_fake_xs_set(f, NTB_FE "/backend", NTB_BE);
	pvf_fake_xs_set(f, NTB_FE "/backend-id", "0");
	pvf_fake_xs_set(f, NTB_FE "/mac", NTB_MAC);
	pvf_fake_xs_set(f, NTB_BE "/frontend", NTB_FE);
	pvf_fake_xs_set(f, NTB_BE "/mac", "fe:ff:ff:ff:ff:ff");
	if (profile == NTB_LINUX) {
		for (i = 0; i < sizeof(linux_keys) / sizeof(linux_keys[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", NTB_BE, linux_keys[i][0]);
			pvf_fake_xs_set(f, path, linux_keys[i][1]);
		}
	} else if (profile == NTB_QEMU) {
		pvf_fake_xs_set(f, NTB_BE "/feature-rx-copy", "1");
		pvf_fake_xs_set(f, NTB_BE "/feature-rx-flip", "0");
	} else {
		pvf_fake_xs_set(f, NTB_BE "/feature-rx-flip", "1");
	}
}

void ntb_init(struct ntb *tb, struct pvf_fake *f)
{
	memset(tb, 0, sizeof(*tb));
	tb->f = f;
	tb->tx_status = NETIF_RSP_OKAY;
	tb->hsupported = XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
	tb->map_max = 64;
}

/* "Map" grant @ref: its page, or NULL if not granted to dom0 (or
 * read-only when @want_rw). */
static void *map(struct ntb *tb, uint32_t ref, int want_rw, int *ro)
{
	uint64_t frame;
	pvf_domid_t dom;
	int readonly;

	if (!pvf_fake_gnt_info(tb->f, ref, &frame, &dom, &readonly) || dom != 0)
		return NULL;
	if (ro)
		*ro = readonly;
	if (want_rw && readonly)
		return NULL;
	return pvf_fake_frame_to_va(tb->f, frame);
}

static int map_ring(struct ntb *tb, uint32_t ref, void **va)
{
	*va = map(tb, ref, 1, NULL);
	if (!*va)
		return -1;
	pvf_fake_gnt_set_mapped(tb->f, ref, 1);
	return 0;
}

int ntb_attach(struct ntb *tb)
{
	uint32_t nq = 1, i, ref;
	void *va;

	if (fe_u32(tb, "", "multi-queue-num-queues", &nq) < 0)
		nq = 1;
	if (nq == 0 || nq > PVF_NET_MAX_QUEUES)
		return -1;
	tb->nq = nq;
	tb->split = fe_get(tb, nq > 1 ? "queue-0" : "", "event-channel-tx") != NULL;
	for (i = 0; i < nq; i++) {
		struct ntb_queue *q = &tb->q[i];
		char dir[32] = "";

		if (nq > 1)
			snprintf(dir, sizeof(dir), "queue-%u", i);
		if (fe_u32(tb, dir, "tx-ring-ref", &q->tx_ref) || fe_u32(tb, dir, "rx-ring-ref", &q->rx_ref))
			return -1;
		if (tb->split) {
			if (fe_u32(tb, dir, "event-channel-tx", &q->tx_port) ||
			    fe_u32(tb, dir, "event-channel-rx", &q->rx_port))
				return -1;
		} else if (fe_u32(tb, dir, "event-channel", &q->tx_port) == 0) {
			q->rx_port = q->tx_port;
		}
		if (map_ring(tb, q->tx_ref, &va))
			return -1;
		BACK_RING_INIT(&q->tx, (netif_tx_sring_t *)va, PVF_PAGE_SIZE);
		if (map_ring(tb, q->rx_ref, &va))
			return -1;
		BACK_RING_INIT(&q->rx, (netif_rx_sring_t *)va, PVF_PAGE_SIZE);
	}
	tb->ctrl = 0;
	if (fe_u32(tb, "", "ctrl-ring-ref", &ref) == 0) {
		tb->ctrl_ref = ref;
		if (map_ring(tb, ref, &va))
			return -1;
		BACK_RING_INIT(&tb->cring, (xen_netif_ctrl_sring_t *)va, PVF_PAGE_SIZE);
		fe_u32(tb, "", "event-channel-ctrl", &tb->ctrl_port);
		tb->ctrl = 1;
	}
	tb->attached = 1;
	return 0;
}

void ntb_detach(struct ntb *tb)
{
	unsigned int i;

	if (!tb->attached)
		return;
	for (i = 0; i < tb->nq; i++) {
		pvf_fake_gnt_set_mapped(tb->f, tb->q[i].tx_ref, 0);
		pvf_fake_gnt_set_mapped(tb->f, tb->q[i].rx_ref, 0);
	}
	if (tb->ctrl)
		pvf_fake_gnt_set_mapped(tb->f, tb->ctrl_ref, 0);
	ntb_unhold(tb);
	tb->attached = 0;
}

void ntb_unhold(struct ntb *tb)
{
	if (tb->holding)
		pvf_fake_gnt_set_mapped(tb->f, tb->held_ref, 0);
	tb->holding = 0;
}

static void tx_bad(struct ntb *tb, const char *why)
{
	tb->tx_bad++;
	snprintf(tb->tx_why, sizeof(tb->tx_why), "%s", why);
}

static void tx_respond(struct ntb_queue *q, uint16_t id, int16_t status)
{
	netif_tx_response_t *r = RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt);

	r->id = id;
	r->status = status;
	q->tx.rsp_prod_pvt++;
}

static void mcast_apply(struct ntb *tb, uint8_t type, const uint8_t *addr)
{
	unsigned int i;

	for (i = 0; i < tb->nmc; i++)
		if (!memcmp(tb->mc[i], addr, 6))
			break;
	if (type == XEN_NETIF_EXTRA_TYPE_MCAST_ADD && i == tb->nmc && tb->nmc < 16)
		memcpy(tb->mc[tb->nmc++], addr, 6);
	if (type == XEN_NETIF_EXTRA_TYPE_MCAST_DEL && i < tb->nmc)
		memcpy(tb->mc[i], tb->mc[--tb->nmc], 6);
}

/* Serve one packet starting at req_cons.  Returns 0 or -1 (ring empty). */
static int tx_one(struct ntb *tb, struct ntb_queue *q, RING_IDX prod)
{
	netif_tx_request_t reqs[PVF_NET_MAX_FRAGS + 8];
	int is_extra[PVF_NET_MAX_FRAGS + 8];
	struct ntb_pkt *p = &tb->last;
	unsigned int n = 0, k, data = 0;
	uint32_t rest = 0, off = 0;
	uint16_t id0;
	int more;

	if (q->tx.req_cons == prod)
		return -1;
	p->len = p->first_size = p->nslots = p->nextras = 0;
	p->gso_type = p->mcast_type = 0;
	p->gso_size = 0;
	reqs[n] = *RING_GET_REQUEST(&q->tx, q->tx.req_cons++);
	is_extra[n++] = 0;
	p->flags = reqs[0].flags;
	p->first_size = reqs[0].size;
	more = reqs[0].flags & NETTXF_extra_info;
	while (more && q->tx.req_cons != prod) {
		netif_extra_info_t ex;

		memcpy(&ex, RING_GET_REQUEST(&q->tx, q->tx.req_cons++), sizeof(ex));
		reqs[n].flags = 0;
		is_extra[n++] = 1;
		p->nextras++;
		if (ex.type == XEN_NETIF_EXTRA_TYPE_GSO) {
			p->gso_type = ex.u.gso.type;
			p->gso_size = ex.u.gso.size;
		} else if (ex.type == XEN_NETIF_EXTRA_TYPE_MCAST_ADD ||
			   ex.type == XEN_NETIF_EXTRA_TYPE_MCAST_DEL) {
			p->mcast_type = ex.type;
			memcpy(p->mcast, ex.u.mcast.addr, 6);
		} else {
			tx_bad(tb, "unknown extra type");
		}
		more = ex.flags & XEN_NETIF_EXTRA_FLAG_MORE;
	}
	more = reqs[0].flags & NETTXF_more_data;
	while (more && q->tx.req_cons != prod && n < PVF_NET_MAX_FRAGS + 8) {
		reqs[n] = *RING_GET_REQUEST(&q->tx, q->tx.req_cons++);
		is_extra[n] = 0;
		more = reqs[n++].flags & NETTXF_more_data;
	}
	if (more)
		tx_bad(tb, "chain past the producer");
	for (k = 0; k < n; k++)
		if (!is_extra[k])
			data++;
	p->nslots = data;
	if (data > PVF_NET_MAX_FRAGS)
		tx_bad(tb, "more than 18 data slots");
	if (p->mcast_type) {
		mcast_apply(tb, p->mcast_type, p->mcast);
	} else {
		for (k = 1; k < n; k++)
			if (!is_extra[k])
				rest += reqs[k].size;
		if (rest >= reqs[0].size)
			tx_bad(tb, "first size not the whole packet");
		for (k = 0; k < n; k++) {
			uint32_t len = k == 0 ? reqs[0].size - rest : reqs[k].size;
			int ro = 0;
			uint8_t *va;

			if (is_extra[k])
				continue;
			va = map(tb, reqs[k].gref, 0, &ro);
			if (!va || !ro) {
				tx_bad(tb, va ? "data grant not read-only" : "data grant not granted");
				continue;
			}
			if (reqs[k].offset + len > PVF_PAGE_SIZE || off + len > sizeof(p->data)) {
				tx_bad(tb, "slot past the page");
				continue;
			}
			memcpy(p->data + off, va + reqs[k].offset, len);
			off += len;
			if (tb->tx_mis == NTB_TX_HOLD_MAPPED && !tb->holding) {
				pvf_fake_gnt_set_mapped(tb->f, reqs[k].gref, 1);
				tb->held_ref = reqs[k].gref;
				tb->holding = 1;
			}
		}
		p->len = off;
	}
	tb->tx_pkts++;
	id0 = reqs[0].id;
	if (tb->tx_mis == NTB_TX_BAD_ID)
		id0 = 999;
	if (tb->tx_mis == NTB_TX_DUP) {
		if (tb->dup_id >= 0)
			id0 = (uint16_t)tb->dup_id;
		tb->dup_id = reqs[0].id;
	}
	for (k = 0; k < n; k++)
		tx_respond(q, k == 0 ? id0 : reqs[k].id,
			   is_extra[k] ? NETIF_RSP_NULL : tb->tx_status);
	return 0;
}

int ntb_tx_run(struct ntb *tb, unsigned int qi)
{
	struct ntb_queue *q = &tb->q[qi];
	RING_IDX prod;
	int n = 0, notify;

	if (!tb->attached)
		return 0;
	tb->dup_id = -1;
	prod = q->tx.sring->req_prod;
	pvf_rmb();
	while (tx_one(tb, q, prod) == 0)
		n++;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, notify);
	(void)notify;
	return n;
}

unsigned int ntb_rx_posted(struct ntb *tb, unsigned int qi)
{
	struct ntb_queue *q = &tb->q[qi];

	return q->rx.sring->req_prod - q->rx.req_cons;
}

static void rx_put(struct ntb_queue *q, RING_IDX idx, const void *rsp)
{
	memcpy(RING_GET_RESPONSE(&q->rx, idx), rsp, sizeof(netif_rx_response_t));
}

int ntb_rx_send(struct ntb *tb, unsigned int qi, const uint8_t *data, uint32_t len,
		const struct ntb_rx_opts *o)
{
	static const struct ntb_rx_opts none;
	struct ntb_queue *q = &tb->q[qi];
	unsigned int nextra, ndata = 0, need, k;
	uint32_t done = 0, off;
	netif_rx_response_t rsp;
	int notify;

	if (!o)
		o = &none;
	nextra = (o->gso_type ? 1u : 0u) + (o->hash ? 1u : 0u);
	for (off = o->offset, done = 0; done < len; off = 0) {
		uint32_t room = PVF_PAGE_SIZE - off;

		if (o->frag && o->frag < room)
			room = o->frag;
		done += room < len - done ? room : len - done;
		ndata++;
	}
	need = ndata + nextra;
	if (ntb_rx_posted(tb, qi) < need)
		return -1;
	done = 0;
	for (k = 0; k < ndata; k++) {
		RING_IDX idx = q->rx.req_cons++;
		netif_rx_request_t req = *RING_GET_REQUEST(&q->rx, idx);
		uint32_t first_off = k == 0 ? o->offset : 0;
		uint32_t room = PVF_PAGE_SIZE - first_off, chunk;
		uint8_t *va = map(tb, req.gref, 1, NULL);

		if (o->frag && o->frag < room)
			room = o->frag;
		chunk = room < len - done ? room : len - done;
		if (va)
			memcpy(va + first_off, data + done, chunk);
		done += chunk;
		memset(&rsp, 0, sizeof(rsp));
		rsp.id = req.id;
		rsp.offset = (uint16_t)first_off;
		rsp.status = (int16_t)chunk;
		if (k == 0)
			rsp.flags = o->flags | (nextra ? NETRXF_extra_info : 0);
		if (k + 1 < ndata)
			rsp.flags |= NETRXF_more_data;
		rx_put(q, idx, &rsp);
		if (k == 0 && nextra) {
			netif_extra_info_t ex[2];
			unsigned int e = 0, j;

			memset(ex, 0, sizeof(ex));
			if (o->gso_type) {
				ex[e].type = XEN_NETIF_EXTRA_TYPE_GSO;
				ex[e].u.gso.type = o->gso_type;
				ex[e].u.gso.size = o->gso_size;
				e++;
			}
			if (o->hash) {
				ex[e].type = XEN_NETIF_EXTRA_TYPE_HASH;
				ex[e].u.hash.type = _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
				ex[e].u.hash.algorithm = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ;
				memcpy(ex[e].u.hash.value, &o->hash_value, 4);
				e++;
			}
			for (j = 0; j < e; j++) {
				if (j + 1 < e)
					ex[j].flags = XEN_NETIF_EXTRA_FLAG_MORE;
				idx = q->rx.req_cons++;
				rx_put(q, idx, &ex[j]);
			}
		}
	}
	q->rx.rsp_prod_pvt = q->rx.req_cons;
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, notify);
	(void)notify;
	return (int)need;
}

int ntb_rx_raw(struct ntb *tb, unsigned int qi, const netif_rx_response_t *rsp, unsigned int n)
{
	struct ntb_queue *q = &tb->q[qi];
	unsigned int k;

	for (k = 0; k < n; k++) {
		RING_IDX idx = q->rx.req_cons++;
		netif_rx_response_t r = rsp[k];

		if (r.id == NTB_ID_AUTO)
			r.id = RING_GET_REQUEST(&q->rx, idx)->id;
		rx_put(q, idx, &r);
	}
	q->rx.rsp_prod_pvt = q->rx.req_cons;
	pvf_wmb();
	q->rx.sring->rsp_prod = q->rx.rsp_prod_pvt;
	return 0;
}

static uint32_t ctrl_one(struct ntb *tb, const struct xen_netif_ctrl_request *req, uint32_t *data)
{
	uint8_t *va;
	int ro = 0;
	uint32_t i;

	*data = 0;
	switch (req->type) {
	case XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM:
		if (req->data[0] > XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		tb->alg = req->data[0];
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS:
		if (tb->alg != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ)
			return XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
		*data = tb->hsupported;
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS:
		if (req->data[0] & ~tb->hsupported)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		tb->hflags = req->data[0];
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_KEY:
		if (req->data[1] > sizeof(tb->key))
			return XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW;
		va = map(tb, req->data[0], 0, &ro);
		if (!va)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		memset(tb->key, 0, sizeof(tb->key));
		memcpy(tb->key, va, req->data[1]);
		tb->keylen = req->data[1];
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE:
		*data = tb->map_max;
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE:
		if (req->data[0] > tb->map_max)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		tb->map_size = req->data[0];
		memset(tb->mapping, 0, sizeof(tb->mapping));
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING:
		if ((uint64_t)req->data[1] + req->data[2] > tb->map_size)
			return XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW;
		va = map(tb, req->data[0], 0, &ro);
		if (!va)
			return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		for (i = 0; i < req->data[1]; i++) {
			uint32_t v;

			memcpy(&v, va + 4 * i, 4);
			if (v >= tb->nq)
				return XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
			tb->mapping[req->data[2] + i] = v;
		}
		return XEN_NETIF_CTRL_STATUS_SUCCESS;
	default:
		return XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
	}
}

int ntb_ctrl_run(struct ntb *tb)
{
	RING_IDX prod;
	int n = 0, notify;

	if (!tb->attached || !tb->ctrl)
		return 0;
	prod = tb->cring.sring->req_prod;
	pvf_rmb();
	while (tb->cring.req_cons != prod) {
		struct xen_netif_ctrl_request req = *RING_GET_REQUEST(&tb->cring, tb->cring.req_cons);
		struct xen_netif_ctrl_response *rsp =
			RING_GET_RESPONSE(&tb->cring, tb->cring.rsp_prod_pvt);
		uint32_t data;

		tb->cring.req_cons++;
		rsp->status = ctrl_one(tb, &req, &data);
		rsp->data = data;
		rsp->type = req.type;
		rsp->id = tb->ctrl_bad_id ? (uint16_t)(req.id + 1) : req.id;
		tb->ctrl_bad_id = 0;
		tb->cring.rsp_prod_pvt++;
		tb->ctrl_msgs++;
		n++;
	}
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&tb->cring, notify);
	(void)notify;
	return n;
}

/* ---- fixture ---------------------------------------------------------------- */

void ntb_pattern(uint8_t *buf, uint32_t len, uint32_t seed)
{
	uint32_t i, x = seed * 2654435761u + 1u;

	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
}

static void rx_capture(void *arg, const struct pvf_net_rx_pkt *pkt)
{
	struct ntb_fx *fx = arg;
	struct ntb_rxcap *c = &fx->rx;
	uint32_t i, off = 0;

	c->count++;
	c->len = pkt->len;
	c->flags = pkt->flags;
	c->queue = pkt->queue;
	c->gso_type = pkt->gso_type;
	c->gso_size = pkt->gso_size;
	c->hash_type = pkt->hash_type;
	c->hash = pkt->hash;
	c->nr_frags = pkt->nr_frags;
	for (i = 0; i < pkt->nr_frags; i++) {
		const struct pvf_net_rx_frag *f = &pkt->frags[i];

		if (off + f->len > sizeof(c->data) || f->offset + f->len > PVF_PAGE_SIZE)
			abort(); /* the core let a bad fragment through */
		memcpy(c->data + off, (const uint8_t *)f->page + f->offset, f->len);
		off += f->len;
	}
}

struct ntb_fx *ntb_fx_new(enum ntb_profile profile)
{
	struct ntb_fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		abort();
	fx->f = pvf_fake_new();
	fx->ops = *pvf_fake_platform(fx->f)->ops;
	fx->plat.ops = &fx->ops;
	fx->plat.ctx = pvf_fake_platform(fx->f)->ctx;
	ntb_publish(fx->f, profile);
	pvf_fake_xs_set(fx->f, NTB_BE "/state", "1");
	ntb_init(&fx->tb, fx->f);
	pvf_net_config_default(&fx->cfg);
	fx->cfg.node = NTB_FE;
	fx->cfg.rx_buffers = 64;
	fx->cfg.rx = rx_capture;
	fx->cfg.rx_arg = fx;
	return fx;
}

static void pump(struct ntb_fx *fx)
{
	if (fx->inited)
		pvf_fake_pump(fx->f, pvf_fake_deliver_xenbus, &fx->net.xb);
}

int ntb_fx_init(struct ntb_fx *fx)
{
	int r;

	fx->cfg.scratch_size = pvf_net_scratch_size(&fx->cfg);
	if (!fx->cfg.scratch_size)
		return -PVF_EINVAL;
	fx->scratch = aligned_alloc(8, (fx->cfg.scratch_size + 7) & ~(size_t)7);
	fx->cfg.scratch = fx->scratch;
	r = pvf_net_init(&fx->net, &fx->plat, &fx->cfg);
	fx->inited = r == 0;
	pump(fx);
	return r;
}

void ntb_fx_state(struct ntb_fx *fx, int state)
{
	pvf_fake_xs_setf(fx->f, NTB_BE "/state", "%d", state);
	pump(fx);
}

int ntb_fx_fe_state(struct ntb_fx *fx)
{
	const char *s = pvf_fake_xs_get(fx->f, NTB_FE "/state");

	return s ? atoi(s) : -1;
}

int ntb_fx_connect(struct ntb_fx *fx)
{
	if (!fx->inited && ntb_fx_init(fx) < 0)
		return -1;
	ntb_fx_state(fx, XenbusStateInitWait);
	/* netif connects early: the frontend writes Connected with its keys,
	 * as xen-netback requires */
	if (ntb_fx_fe_state(fx) != XenbusStateConnected || pvf_net_is_connected(&fx->net))
		return -1;
	if (ntb_attach(&fx->tb) < 0)
		return -1;
	ntb_fx_state(fx, XenbusStateConnected);
	return pvf_net_is_connected(&fx->net) && ntb_fx_fe_state(fx) == XenbusStateConnected ? 0 : -1;
}

void ntb_fx_backend_close(struct ntb_fx *fx)
{
	ntb_fx_state(fx, XenbusStateClosing);
	ntb_detach(&fx->tb);
	ntb_fx_state(fx, XenbusStateClosed);
}

int ntb_fx_free(struct ntb_fx *fx)
{
	char why[160];
	int leaks, r = 0;

	ntb_detach(&fx->tb);
	if (fx->inited && !fx->net.destroyed)
		r = pvf_net_destroy(&fx->net);
	leaks = pvf_fake_leaks(fx->f, why, sizeof(why));
	if (leaks || r)
		fprintf(stderr, "net fixture teardown: destroy %d, leaks: %s\n", r, why);
	pvf_fake_free(fx->f);
	free(fx->scratch);
	free(fx);
	return leaks + (r != 0);
}

static void tpkt_done(struct pvf_net_tx *tx, int status)
{
	struct tpkt *t = tx->cookie;

	t->status = status;
	t->calls++;
}

void tpkt_make(struct tpkt *t, struct ntb_fx *fx, uint32_t len, uint16_t offset, uint16_t frag,
	       uint32_t seed)
{
	const struct pvf_platform *p = pvf_fake_platform(fx->f);
	uint64_t frames[PVF_NET_MAX_FRAGS + 2];
	uint32_t done = 0, off = offset;
	unsigned int n = 0;

	memset(t, 0, sizeof(*t));
	t->f = fx->f;
	t->len = len;
	t->npages = (offset + len + PVF_PAGE_SIZE - 1) / PVF_PAGE_SIZE;
	if (t->npages == 0)
		t->npages = 1;
	if (t->npages > PVF_NET_MAX_FRAGS + 2 || p->ops->page_alloc(p->ctx, t->npages, &t->va, frames))
		abort();
	t->bytes = malloc(len ? len : 1);
	ntb_pattern(t->bytes, len, seed);
	memcpy((uint8_t *)t->va + offset, t->bytes, len);
	while (done < len && n < PVF_NET_MAX_FRAGS) {
		uint32_t page = (uint32_t)((offset + done) / PVF_PAGE_SIZE);
		uint32_t room = PVF_PAGE_SIZE - off;

		if (frag && frag < room)
			room = frag;
		if (room > len - done)
			room = len - done;
		t->frags[n].frame = frames[page];
		t->frags[n].offset = (uint16_t)off;
		t->frags[n].len = (uint16_t)room;
		n++;
		done += room;
		off = (off + room) % PVF_PAGE_SIZE;
	}
	t->tx.frags = t->frags;
	t->tx.nr_frags = (uint16_t)n;
	t->tx.done = tpkt_done;
	t->tx.cookie = t;
	t->status = 12345;
}

void tpkt_free(struct tpkt *t)
{
	const struct pvf_platform *p = pvf_fake_platform(t->f);

	if (t->va)
		p->ops->page_free(p->ctx, t->va, t->npages);
	free(t->bytes);
	t->va = NULL;
	t->bytes = NULL;
}
