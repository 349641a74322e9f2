/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Host of the real network frontend core over the loopback guest platform
 * (see netfront_host.h).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pvfront/errno.h>
#include "netfront_host.h"

#define NFH_DEFAULT_TX_PAGES 1024u
#define NFH_REFUSED_MS 500

static int64_t nfh_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nfh_on_event(void *arg, uint32_t port)
{
	struct pvf_nfh *h = arg;
	int rc = pvf_net_on_event(&h->net, port);

	if (rc == -PVF_EPROTO)
		h->broken = 1;
	else if (rc == -PVF_EBADF)
		h->st.unknown_port++;
}

/* Bind every port the core owns now (setup and release change them; a
 * port closed by the core was unbound by the hypervisor).  Rebinding a
 * bound port is harmless. */
static void nfh_bind(struct pvf_nfh *h)
{
	unsigned int i, n = 0;
	uint32_t port;

	for (i = 0; i < PVF_NET_MAX_QUEUES; i++) {
		for (int rx = 0; rx < 2; rx++) {
			port = pvf_net_port(&h->net, i, rx);
			if (port && (!rx || port != pvf_net_port(&h->net, i, 0)))
				h->bound[n++] = port;
		}
	}
	port = pvf_net_ctrl_port(&h->net);
	if (port)
		h->bound[n++] = port;
	for (i = 0; i < n; i++)
		pvf_lb_guest_bind(h->g, h->bound[i], nfh_on_event, h);
	for (; i < sizeof(h->bound) / sizeof(h->bound[0]); i++)
		h->bound[i] = 0;
}

static void nfh_unbind(struct pvf_nfh *h)
{
	for (size_t i = 0; i < sizeof(h->bound) / sizeof(h->bound[0]); i++) {
		if (h->bound[i])
			pvf_lb_guest_bind(h->g, h->bound[i], NULL, NULL);
		h->bound[i] = 0;
	}
}

static void nfh_rx(void *arg, const struct pvf_net_rx_pkt *pkt)
{
	struct pvf_nfh *h = arg;

	h->st.rx_packets++;
	h->st.rx_bytes += pkt->len;
	if (h->cfg.rx)
		h->cfg.rx(h->cfg.rx_arg, pkt);
}

static void nfh_free_all(struct pvf_nfh *h, int keep_pool)
{
	if (h->pool && !keep_pool)
		h->p->ops->page_free(h->p->ctx, h->pool, h->npages);
	free(h->frames);
	free(h->free_pages);
	free(h->ctx);
	free(h->scratch);
	h->pool = NULL;
	h->frames = NULL;
	h->free_pages = NULL;
	h->ctx = NULL;
	h->scratch = NULL;
}

int pvf_nfh_open(struct pvf_nfh *h, struct pvf_lb_guest *g, const struct pvf_nfh_config *cfg)
{
	struct pvf_net_config nc;
	size_t sz;
	unsigned int i;
	int rc;

	memset(h, 0, sizeof(*h));
	if (!g || !cfg || !cfg->fe_dir || cfg->queues > PVF_NET_MAX_QUEUES ||
	    cfg->tx_pages > 65535)
		return -PVF_EINVAL;
	h->g = g;
	h->p = pvf_lb_guest_platform(g);
	h->cfg = *cfg;
	h->npages = cfg->tx_pages ? cfg->tx_pages : NFH_DEFAULT_TX_PAGES;
	pvf_net_config_default(&nc);
	nc.node = cfg->fe_dir;
	nc.nr_queues = (uint8_t)(cfg->queues ? cfg->queues : 1);
	if (cfg->no_tx_offload)
		nc.tx_offload = 0;
	if (cfg->no_rx_csum)
		nc.rx_csum = 0;
	if (cfg->no_rx_gso)
		nc.rx_gso = 0;
	if (cfg->multicast_control)
		nc.multicast_control = 1;
	nc.rx = nfh_rx;
	nc.rx_arg = h;
	sz = pvf_net_scratch_size(&nc);
	if (!sz)
		return -PVF_EINVAL;
	h->scratch = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	h->frames = calloc(h->npages, sizeof(*h->frames));
	h->free_pages = calloc(h->npages, sizeof(*h->free_pages));
	h->ctx = calloc(PVF_NFH_TX_CTX, sizeof(*h->ctx));
	if (!h->scratch || !h->frames || !h->free_pages || !h->ctx) {
		nfh_free_all(h, 0);
		return -PVF_ENOMEM;
	}
	memset(h->scratch, 0, sz);
	nc.scratch = h->scratch;
	nc.scratch_size = sz;
	rc = h->p->ops->page_alloc(h->p->ctx, h->npages, &h->pool, h->frames);
	if (rc) {
		h->pool = NULL;
		nfh_free_all(h, 0);
		return rc;
	}
	for (i = 0; i < h->npages; i++)
		h->free_pages[i] = (uint16_t)(h->npages - 1 - i);
	h->nfree_pages = h->npages;
	for (i = 0; i < PVF_NFH_TX_CTX; i++) {
		h->ctx[i].h = h;
		h->ctx[i].next_free = i + 1 < PVF_NFH_TX_CTX ? &h->ctx[i + 1] : NULL;
	}
	h->free_ctx = &h->ctx[0];
	rc = pvf_net_init(&h->net, h->p, &nc);
	if (rc) {
		nfh_free_all(h, 0);
		return rc;
	}
	h->inited = 1;
	return 0;
}

static void nfh_watches(struct pvf_nfh *h)
{
	char path[512], tok[PVF_XENBUS_TOKEN_MAX + 8];
	int rc, n = 0;

	while ((rc = pvf_lb_xs_read_watch(h->g, path, sizeof(path), tok, sizeof(tok))) != 0) {
		if (rc == 1) {
			pvf_xenbus_on_watch(pvf_net_xenbus(&h->net), path, tok);
			n++;
		} else if (rc != -PVF_E2BIG) {
			break;
		}
	}
	pvf_xenbus_poll(pvf_net_xenbus(&h->net));
	nfh_bind(h);
	(void)n;
}

int pvf_nfh_pump(struct pvf_nfh *h, int timeout_ms)
{
	if (!h->inited)
		return -PVF_EINVAL;
	pvf_lb_guest_poll(h->g, timeout_ms);
	nfh_watches(h);
	if (pvf_net_is_broken(&h->net))
		h->broken = 1;
	return h->broken ? -PVF_EPROTO : 0;
}

int pvf_nfh_wait_connected(struct pvf_nfh *h, int timeout_ms)
{
	int64_t end = nfh_now_ms() + timeout_ms, closed_since = 0;
	int rc;

	for (;;) {
		rc = pvf_nfh_pump(h, 1);
		if (rc)
			return rc;
		if (pvf_net_is_connected(&h->net))
			return 0;
		/* Closed for a while: the backend refused us (a restarting
		 * backend passes through Closed briefly before InitWait) */
		if (pvf_xenbus_frontend_state(pvf_net_xenbus(&h->net)) != PVF_XENBUS_CLOSED)
			closed_since = 0;
		else if (!closed_since)
			closed_since = nfh_now_ms();
		else if (nfh_now_ms() - closed_since > NFH_REFUSED_MS)
			return -PVF_ECONNRESET;
		if (nfh_now_ms() > end)
			return -PVF_ETIMEDOUT;
	}
}

static void nfh_tx_done(struct pvf_net_tx *tx, int status)
{
	struct pvf_nfh_tx *c = (struct pvf_nfh_tx *)tx;
	struct pvf_nfh *h = c->h;

	if (status == 0) {
		h->st.tx_ok++;
	} else {
		h->st.tx_failed++;
		h->st.last_tx_error = status;
	}
	/* -PVF_EBUSY: a page is still mapped by the backend; never reuse it */
	if (status != -PVF_EBUSY)
		for (unsigned int i = 0; i < tx->nr_frags; i++)
			h->free_pages[h->nfree_pages++] = c->pages[i];
	c->next_free = h->free_ctx;
	h->free_ctx = c;
	h->outstanding--;
}

int pvf_nfh_send(struct pvf_nfh *h, unsigned int queue, const void *data, size_t len,
		 uint16_t flags, uint8_t gso_type, uint16_t gso_size)
{
	struct pvf_nfh_tx *c;
	unsigned int n, i;
	int rc;

	if (!h->inited || len == 0 || len > PVF_NET_MAX_PKT)
		return -PVF_EINVAL;
	n = (unsigned int)((len + PVF_PAGE_SIZE - 1) / PVF_PAGE_SIZE);
	if (n > PVF_NET_MAX_FRAGS)
		return -PVF_EINVAL;
	if (!h->free_ctx || h->nfree_pages < n)
		return -PVF_EAGAIN;
	c = h->free_ctx;
	memset(&c->tx, 0, sizeof(c->tx));
	for (i = 0; i < n; i++) {
		size_t off = (size_t)i * PVF_PAGE_SIZE;
		size_t chunk = len - off < PVF_PAGE_SIZE ? len - off : PVF_PAGE_SIZE;
		uint16_t pg = h->free_pages[h->nfree_pages - 1 - i];

		c->pages[i] = pg;
		memcpy((uint8_t *)h->pool + (size_t)pg * PVF_PAGE_SIZE, (const uint8_t *)data + off,
		       chunk);
		c->frags[i].frame = h->frames[pg];
		c->frags[i].va = (uint8_t *)h->pool + (size_t)pg * PVF_PAGE_SIZE; /* bounce source */
		c->frags[i].offset = 0;
		c->frags[i].len = (uint16_t)chunk;
	}
	c->tx.frags = c->frags;
	c->tx.nr_frags = (uint16_t)n;
	c->tx.queue = (uint16_t)queue;
	c->tx.flags = flags;
	c->tx.gso_type = gso_type;
	c->tx.gso_size = gso_size;
	c->tx.done = nfh_tx_done;
	c->tx.cookie = h;
	rc = pvf_net_transmit(&h->net, &c->tx);
	if (rc) {
		if (rc == -PVF_ENOSPC)
			rc = -PVF_EAGAIN; /* out of grants for now */
		return rc;
	}
	h->free_ctx = c->next_free;
	h->nfree_pages -= n;
	h->outstanding++;
	h->st.sent++;
	return 0;
}

unsigned int pvf_nfh_tx_outstanding(const struct pvf_nfh *h)
{
	return h->outstanding;
}

size_t pvf_nfh_linearize(const struct pvf_net_rx_pkt *pkt, void *buf, size_t size)
{
	size_t pos = 0;

	if (pkt->len > size)
		return 0;
	for (uint32_t i = 0; i < pkt->nr_frags && i < PVF_NET_MAX_FRAGS; i++) {
		const struct pvf_net_rx_frag *f = &pkt->frags[i];

		if (pos + f->len > size)
			return 0;
		memcpy((uint8_t *)buf + pos, (const uint8_t *)f->page + f->offset, f->len);
		pos += f->len;
	}
	return pos;
}

int pvf_nfh_close(struct pvf_nfh *h, int timeout_ms)
{
	struct pvf_xenbus_dev *xb;
	int64_t end = nfh_now_ms() + timeout_ms;
	int rc = 0, drc;

	if (!h->inited) {
		nfh_free_all(h, 0);
		return 0;
	}
	xb = pvf_net_xenbus(&h->net);
	if (pvf_xenbus_close(xb) == 0 || pvf_xenbus_is_closed(xb)) {
		while (!pvf_xenbus_is_closed(xb)) {
			if (nfh_now_ms() > end) {
				rc = -PVF_ETIMEDOUT;
				break;
			}
			pvf_lb_guest_poll(h->g, 1);
			nfh_watches(h);
		}
	}
	drc = pvf_net_destroy(&h->net);
	nfh_unbind(h);
	if (drc == -PVF_EBUSY || h->outstanding)
		rc = -PVF_EBUSY;
	/* pages of a transmit the backend still maps must not be freed */
	nfh_free_all(h, rc == -PVF_EBUSY);
	h->inited = 0;
	return rc;
}
