/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Network frontend control ring (netif.h "Control ring"): Toeplitz hash
 * configuration as a chain of XEN_NETIF_CTRL_TYPE_* messages, one
 * outstanding at a time (the pump never blocks):
 *
 *   SET_HASH_ALGORITHM(TOEPLITZ) -> GET_HASH_FLAGS (clamp the flags)
 *   -> SET_HASH_FLAGS -> SET_HASH_KEY(gref of the key page, length)
 *   -> GET_HASH_MAPPING_SIZE (0: no table, done; else clamp the size)
 *   -> SET_HASH_MAPPING_SIZE -> SET_HASH_MAPPING(gref, size, 0) -> done
 *
 * Disabling is a single SET_HASH_ALGORITHM(NONE).  Three pages: the ring,
 * the key page and the mapping page; the key and table are copied in when
 * the job starts, each data page is granted read-only only while its
 * message is outstanding and the grant is ended when the response comes.
 * Responses are hardened like the data rings: producer once + barrier +
 * bound by what is outstanding, copied once, id and type must match the
 * outstanding request.
 */
#include "net_internal.h"

#define CTRL_RING_SIZE __CONST_RING_SIZE(xen_netif_ctrl, 4096)

enum ctrl_step {
	ST_ALG = 0,
	ST_GET_FLAGS,
	ST_SET_FLAGS,
	ST_KEY,
	ST_GET_MAPSIZE,
	ST_SET_MAPSIZE,
	ST_MAPPING,
	ST_DONE,
};

int pvf_net_ctrl_setup(struct pvf_net *net)
{
	const struct pvf_platform *p = net->plat;
	struct pvf_net_ctrl *c = &net->ctrl;
	int r;

	if (!c->va) {
		r = p->ops->page_alloc(p->ctx, 3, &c->va, c->frames);
		if (r < 0) {
			c->va = NULL;
			return r;
		}
	}
	memset(c->va, 0, PVF_PAGE_SIZE);
	SHARED_RING_INIT((xen_netif_ctrl_sring_t *)c->va);
	FRONT_RING_INIT(&c->ring, (xen_netif_ctrl_sring_t *)c->va, PVF_PAGE_SIZE);
	c->pushed = 0;
	c->busy = false;
	c->done = NULL;
	if (!c->ring_granted) {
		r = p->ops->gnt_grant(p->ctx, pvf_xenbus_backend_id(&net->xb), c->frames[0], 0,
				      &c->ring_ref);
		if (r < 0)
			return r;
		c->ring_granted = true;
	}
	if (!c->port) {
		r = p->ops->evtchn_alloc_unbound(p->ctx, pvf_xenbus_backend_id(&net->xb), &c->port);
		if (r == -PVF_ENOSYS && net->cfg.polled)
			c->port = 0;
		else if (r < 0)
			return r;
	}
	c->live = true;
	return 0;
}

/* End the data page's grant.  Returns 0 or -PVF_EBUSY (kept). */
static int end_data(struct pvf_net *net)
{
	struct pvf_net_ctrl *c = &net->ctrl;

	if (!c->data_granted)
		return 0;
	if (net->plat->ops->gnt_end(net->plat->ctx, c->data_ref) == -PVF_EBUSY)
		return -PVF_EBUSY;
	c->data_granted = false;
	return 0;
}

static void job_finish(struct pvf_net *net, int status)
{
	struct pvf_net_ctrl *c = &net->ctrl;
	void (*done)(void *, int) = c->done;

	c->busy = false;
	c->done = NULL;
	if (status == 0) {
		net->info.hash_on = !c->disable;
		net->info.hash_flags = c->disable ? 0 : c->job.flags;
		net->info.hash_mapping_size = c->disable ? 0 : c->job.mapping_size;
	}
	if (done)
		done(c->done_arg, status);
}

void pvf_net_ctrl_disconnect(struct pvf_net *net)
{
	net->ctrl.live = false;
	if (net->ctrl.done)
		job_finish(net, -PVF_ECANCELED);
}

int pvf_net_ctrl_release(struct pvf_net *net)
{
	const struct pvf_platform *p = net->plat;
	struct pvf_net_ctrl *c = &net->ctrl;
	int busy = 0;

	c->live = false;
	if (c->port)
		p->ops->evtchn_close(p->ctx, c->port);
	c->port = 0;
	if (end_data(net))
		busy = -PVF_EBUSY;
	if (c->ring_granted) {
		if (p->ops->gnt_end(p->ctx, c->ring_ref) == -PVF_EBUSY)
			busy = -PVF_EBUSY;
		else
			c->ring_granted = false;
	}
	if (c->va && !c->ring_granted && !c->data_granted) {
		p->ops->page_free(p->ctx, c->va, 3);
		c->va = NULL;
	}
	return busy;
}

/* Send the message of the current step.  Returns 0; -PVF_ENOSPC. */
static int send_step(struct pvf_net *net)
{
	const struct pvf_platform *p = net->plat;
	struct pvf_net_ctrl *c = &net->ctrl;
	struct xen_netif_ctrl_request req;
	RING_IDX idx = c->ring.req_prod_pvt;
	int page = 0;

	memset(&req, 0, sizeof(req));
	switch (c->step) {
	case ST_ALG:
		req.type = XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM;
		req.data[0] = c->disable ? XEN_NETIF_CTRL_HASH_ALGORITHM_NONE
					 : XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ;
		break;
	case ST_GET_FLAGS:
		req.type = XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS;
		break;
	case ST_SET_FLAGS:
		req.type = XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS;
		req.data[0] = c->job.flags;
		break;
	case ST_KEY:
		req.type = XEN_NETIF_CTRL_TYPE_SET_HASH_KEY;
		req.data[1] = c->job.key_len;
		page = 1;
		break;
	case ST_GET_MAPSIZE:
		req.type = XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE;
		break;
	case ST_SET_MAPSIZE:
		req.type = XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE;
		req.data[0] = c->job.mapping_size;
		break;
	default:
		req.type = XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING;
		req.data[1] = c->job.mapping_size;
		req.data[2] = 0;
		page = 2;
		break;
	}
	if (page) {
		if (p->ops->gnt_grant(p->ctx, pvf_xenbus_backend_id(&net->xb), c->frames[page], 1,
				      &c->data_ref) < 0)
			return -PVF_ENOSPC;
		c->data_granted = true;
		req.data[0] = c->data_ref;
	}
	req.id = c->next_id++;
	c->out_id = req.id;
	c->out_type = req.type;
	memcpy(RING_GET_REQUEST(&c->ring, idx), &req, sizeof(req));
	c->ring.req_prod_pvt = idx + 1;
	c->busy = true;
	net->stats.ctrl_msgs++;
	if (PVF_RING_PUSH_REQUESTS(&c->ring, &c->pushed))
		pvf_net_notify(net, c->port);
	return 0;
}

/* Advance after a successful response carrying @data. */
static void advance(struct pvf_net *net, uint32_t data)
{
	struct pvf_net_ctrl *c = &net->ctrl;
	int r;

	switch (c->step) {
	case ST_ALG:
		c->step = c->disable ? ST_DONE : ST_GET_FLAGS;
		break;
	case ST_GET_FLAGS:
		if (c->job.flags & ~data)
			pvf_info(net->plat, "net: %s: hash flags 0x%x clamped to 0x%x", net->node,
				 (unsigned int)c->job.flags, (unsigned int)(c->job.flags & data));
		c->job.flags &= data;
		c->step = ST_SET_FLAGS;
		break;
	case ST_GET_MAPSIZE:
		if (data == 0) {
			c->job.mapping_size = 0; /* no table: modular arithmetic */
			c->step = ST_DONE;
			break;
		}
		if (c->job.mapping_size > data)
			c->job.mapping_size = data;
		c->step = ST_SET_MAPSIZE;
		break;
	case ST_SET_MAPSIZE:
		c->step = c->job.mapping_size ? ST_MAPPING : ST_DONE;
		break;
	default:
		c->step++;
		break;
	}
	if (c->step == ST_DONE) {
		job_finish(net, 0);
		return;
	}
	r = send_step(net);
	if (r < 0)
		job_finish(net, r);
}

static int ctrl_status(uint32_t st)
{
	switch (st) {
	case XEN_NETIF_CTRL_STATUS_SUCCESS:
		return 0;
	case XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED:
		return -PVF_EOPNOTSUPP;
	case XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER:
		return -PVF_EINVAL;
	case XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW:
		return -PVF_E2BIG;
	default:
		return -PVF_EIO;
	}
}

static int ctrl_bad(struct pvf_net *net, const char *why, uint32_t a, uint32_t b)
{
	pvf_net_break(net, why, a, b);
	if (net->ctrl.done)
		job_finish(net, -PVF_EPROTO);
	return -PVF_EPROTO;
}

int pvf_net_ctrl_poll(struct pvf_net *net)
{
	struct pvf_net_ctrl *c = &net->ctrl;
	RING_IDX prod = 0, i;
	int n, st, done = 0;

	if (!c->live)
		return 0;
	do {
		n = PVF_RING_RESPONSES(&c->ring, &prod);
		if (n < 0 || (RING_IDX)n > c->ring.req_prod_pvt - c->ring.rsp_cons)
			return ctrl_bad(net, "ctrl producer overflow", prod, c->ring.rsp_cons);
		for (i = c->ring.rsp_cons; i != prod; i++) {
			struct xen_netif_ctrl_response rsp;

			PVF_RING_COPY_RESPONSE(&c->ring, i, &rsp); /* copied once */
			c->ring.rsp_cons = i + 1;
			if (!c->busy || rsp.id != c->out_id || rsp.type != c->out_type)
				return ctrl_bad(net, "ctrl response does not match the request",
						rsp.id, rsp.type);
			c->busy = false;
			done++;
			if (end_data(net) < 0)
				return ctrl_bad(net, "ctrl data page still mapped", c->data_ref, 0);
			st = ctrl_status(rsp.status);
			if (st < 0)
				job_finish(net, st);
			else
				advance(net, rsp.data);
		}
		n = PVF_RING_FINAL_CHECK(&c->ring);
	} while (n > 0);
	if (n < 0)
		return ctrl_bad(net, "ctrl producer overflow", 0, c->ring.rsp_cons);
	return done;
}

PVF_API int pvf_net_hash_configure(struct pvf_net *net, const struct pvf_net_hash_cfg *hc,
				   void (*done)(void *arg, int status), void *arg)
{
	struct pvf_net_ctrl *c;
	uint32_t i;
	int r;

	if (!net || !done)
		return -PVF_EINVAL;
	c = &net->ctrl;
	if (pvf_broken_get(&net->brk))
		return -PVF_EPROTO;
	if (!net->connected)
		return -PVF_ENOTCONN;
	if (!net->info.ctrl_ring || !c->live)
		return -PVF_EOPNOTSUPP;
	if (c->done || c->busy)
		return -PVF_EBUSY;
	if (hc) {
		if (hc->key_len > PVF_NET_HASH_KEY_MAX ||
		    hc->mapping_size > PVF_NET_HASH_MAPPING_MAX ||
		    (hc->mapping_size && !hc->mapping))
			return -PVF_EINVAL;
		for (i = 0; i < hc->mapping_size; i++)
			if (hc->mapping[i] >= net->info.nr_queues)
				return -PVF_EINVAL;
		c->job = *hc;
		c->job.mapping = NULL;
		memset((char *)c->va + PVF_PAGE_SIZE, 0, 2 * PVF_PAGE_SIZE);
		memcpy((char *)c->va + PVF_PAGE_SIZE, hc->key, hc->key_len);
		if (hc->mapping_size)
			memcpy((char *)c->va + 2 * PVF_PAGE_SIZE, hc->mapping,
			       (size_t)hc->mapping_size * sizeof(uint32_t));
	} else {
		memset(&c->job, 0, sizeof(c->job));
	}
	c->disable = hc == NULL;
	c->step = ST_ALG;
	c->done = done;
	c->done_arg = arg;
	r = send_step(net);
	if (r < 0) {
		c->done = NULL;
		return r;
	}
	return 0;
}
