/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Real-Xen platform: the network host.  The freestanding pvf_net core (it
 * embeds its XenBus device) over platform/xen, against a real netback (the
 * kernel's xen-netback in the tests), with a pool of TX pages shared to
 * the backend.  See <pvfront/xenplat.h>.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pvfront/net.h>
#include <pvfront/xenbus.h>
#include "../../common/internal.h"
#include "xenplat_int.h"

struct pvf_xennet {
	struct pvf_xenplat *x;
	const struct pvf_platform *p;
	struct pvf_net net;
	void *scratch;
	void *tx_va;
	uint64_t *tx_frames;
	uint32_t tx_pages;
	char fe[PVF_NET_PATH_MAX];
	uint32_t handle;
	pvf_domid_t fe_domid;
	int own_dirs, inited, timeout_ms;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_port(void *arg, uint32_t port)
{
	struct pvf_xennet *n = arg;

	pvf_net_on_event(&n->net, port);
}

static void bind_ports(struct pvf_xennet *n)
{
	for (unsigned int q = 0; q < PVF_NET_MAX_QUEUES; q++)
		for (int rx = 0; rx < 2; rx++)
			if (pvf_net_port(&n->net, q, rx))
				pvf_xenplat_bind(n->x, pvf_net_port(&n->net, q, rx), on_port, n);
	if (pvf_net_ctrl_port(&n->net))
		pvf_xenplat_bind(n->x, pvf_net_ctrl_port(&n->net), on_port, n);
}

PVF_API int pvf_xennet_pump(struct pvf_xennet *n, int timeout_ms)
{
	struct pollfd pf[2] = {
		{ .fd = pvf_xenplat_xs_fileno(n->x), .events = POLLIN },
		{ .fd = pvf_xenplat_evtchn_fd(n->x), .events = POLLIN },
	};
	char path[PVF_XS_PATH_MAX + 1], tok[PVF_XENBUS_TOKEN_MAX + 8];
	int cnt = 0, rc;

	if (poll(pf, 2, timeout_ms) < 0 && errno != EINTR)
		return -PVF_EIO;
	while ((rc = pvf_xenplat_xs_read_watch(n->x, path, sizeof(path), tok, sizeof(tok))) != 0) {
		if (rc == -PVF_E2BIG)
			continue;
		if (rc < 0)
			return rc;
		pvf_xenbus_on_watch(pvf_net_xenbus(&n->net), path, tok);
		cnt++;
	}
	pvf_xenbus_poll(pvf_net_xenbus(&n->net));
	bind_ports(n);
	rc = pvf_xenplat_poll(n->x, 0);
	if (rc < 0)
		return rc;
	if (pvf_net_is_connected(&n->net))
		pvf_net_poll(&n->net);
	return cnt + rc;
}

PVF_API int pvf_xennet_connected(struct pvf_xennet *n)
{
	return pvf_net_is_connected(&n->net) &&
	       pvf_xenbus_frontend_state(pvf_net_xenbus(&n->net)) == PVF_XENBUS_CONNECTED;
}

static void host_free(struct pvf_xennet *n)
{
	if (n->inited)
		pvf_net_destroy(&n->net);
	if (n->tx_pages)
		n->p->ops->page_free(n->p->ctx, n->tx_va, n->tx_pages);
	if (n->own_dirs)
		pvf_xenplat_dev_destroy(n->x, "vif", n->fe, n->fe_domid, n->handle);
	free(n->tx_frames);
	free(n->scratch);
	free(n);
}

PVF_API int pvf_xennet_open(struct pvf_xenplat *x, const struct pvf_xennet_config *cfg,
			    struct pvf_xennet **out)
{
	struct pvf_net_config nc;
	struct pvf_xennet *n;
	int64_t end;
	size_t sz;
	int rc;

	if (!x || !cfg || !out || !cfg->fe_dir || strlen(cfg->fe_dir) >= PVF_NET_PATH_MAX ||
	    (cfg->script && !cfg->mac))
		return -PVF_EINVAL;
	*out = NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -PVF_ENOMEM;
	n->x = x;
	n->p = pvf_xenplat_platform(x);
	n->handle = cfg->handle;
	n->fe_domid = cfg->fe_domid;
	n->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
	snprintf(n->fe, sizeof(n->fe), "%s", cfg->fe_dir);
	if (cfg->script) {
		rc = pvf_xenplat_vif_create(x, n->fe, cfg->fe_domid, cfg->handle, cfg->mac,
					    cfg->script);
		if (rc) {
			free(n);
			return rc;
		}
		n->own_dirs = 1;
	}
	if (cfg->net)
		nc = *cfg->net;
	else
		pvf_net_config_default(&nc);
	nc.node = n->fe;
	nc.rx = cfg->rx;
	nc.rx_arg = cfg->rx_arg;
	rc = -PVF_EINVAL;
	sz = pvf_net_scratch_size(&nc);
	if (!sz)
		goto fail;
	rc = -PVF_ENOMEM;
	n->scratch = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	if (!n->scratch)
		goto fail;
	memset(n->scratch, 0, sz);
	nc.scratch = n->scratch;
	nc.scratch_size = sz;
	if (cfg->tx_pages) {
		n->tx_frames = calloc(cfg->tx_pages, sizeof(*n->tx_frames));
		if (!n->tx_frames)
			goto fail;
		rc = n->p->ops->page_alloc(n->p->ctx, cfg->tx_pages, &n->tx_va, n->tx_frames);
		if (rc)
			goto fail;
		n->tx_pages = cfg->tx_pages;
	}
	rc = pvf_net_init(&n->net, n->p, &nc);
	if (rc)
		goto fail;
	n->inited = 1;
	end = now_ms() + n->timeout_ms;
	while (!pvf_xennet_connected(n) && now_ms() < end) {
		rc = pvf_xennet_pump(n, 50);
		if (rc < 0)
			goto fail;
	}
	rc = pvf_xennet_connected(n) ? 0 : -PVF_ETIMEDOUT;
	if (rc) {
		xp_log(x, PVF_LOG_ERR, "net %s: not connected (frontend %s, backend %s)", n->fe,
		       pvf_xenbus_state_name(pvf_xenbus_frontend_state(pvf_net_xenbus(&n->net))),
		       pvf_xenbus_state_name(pvf_xenbus_backend_state(pvf_net_xenbus(&n->net))));
		goto fail;
	}
	*out = n;
	return 0;
fail:
	host_free(n);
	return rc;
}

PVF_API struct pvf_net *pvf_xennet_core(struct pvf_xennet *n)
{
	return &n->net;
}

PVF_API void *pvf_xennet_page(struct pvf_xennet *n, uint32_t i)
{
	return i < n->tx_pages ? (uint8_t *)n->tx_va + (size_t)i * PVF_PAGE_SIZE : NULL;
}

PVF_API uint64_t pvf_xennet_frame(struct pvf_xennet *n, uint32_t i)
{
	return i < n->tx_pages ? n->tx_frames[i] : 0;
}

PVF_API int pvf_xennet_close(struct pvf_xennet *n)
{
	struct pvf_xenbus_dev *xb;
	int64_t end;
	int rc = 0, r;

	if (!n)
		return 0;
	xb = pvf_net_xenbus(&n->net);
	end = now_ms() + n->timeout_ms;
	if (pvf_xenbus_close(xb) == 0) {
		while (!pvf_xenbus_is_closed(xb) && now_ms() < end)
			if (pvf_xennet_pump(n, 50) < 0)
				break;
		if (!pvf_xenbus_is_closed(xb))
			rc = -PVF_ETIMEDOUT;
	}
	r = pvf_net_destroy(&n->net);
	n->inited = 0;
	if (!rc)
		rc = r;
	host_free(n);
	return rc;
}
