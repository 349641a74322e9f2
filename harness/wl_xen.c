/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The workload of `pvfront blk` (pvf_wl_run) on the real-Xen block host of
 * platform/xen: the adapter from struct pvf_xenblk to struct pvf_wl_host.
 * It lives in the harness because platform/xen does not know the harness's
 * workload types.  Linked by pvfront and tests/test_xen_blk.
 */
#include <stddef.h>
#include <string.h>
#include <pvfront/errno.h>
#include <pvfront/xenplat.h>
#include "blkback.h"

static void *xen_page(void *ctx, uint32_t i)
{
	return pvf_xenblk_page(ctx, i);
}

static uint64_t xen_frame(void *ctx, uint32_t i)
{
	return pvf_xenblk_frame(ctx, i);
}

/* Events and watches; a device that is not connected (the backend went
 * away and may come back: the XenBus machine reconnects and replays) is
 * waited for, up to the workload's stall limit. */
static int xen_pump(void *ctx, int timeout_ms)
{
	int rc = pvf_xenblk_pump(ctx, timeout_ms, 0);

	if (rc >= 0 && !pvf_xenblk_connected(ctx))
		return -PVF_ENOTCONN;
	return rc;
}

/* Shut the core down: every request in flight completes (-PVF_ESHUTDOWN);
 * the XenBus close at pvf_xenblk_close() still runs. */
static void xen_abort(void *ctx, int timeout_ms)
{
	(void)timeout_ms;
	pvf_blk_shutdown(pvf_xenblk_core(ctx));
}

struct pvf_wl_host *pvf_wl_host_xen(struct pvf_wl_host *h, struct pvf_xenblk *b)
{
	memset(h, 0, sizeof(*h));
	h->blk = pvf_xenblk_core(b);
	h->data_pages = pvf_xenblk_data_pages(b);
	h->page = xen_page;
	h->frame = xen_frame;
	h->pump = xen_pump;
	h->abort = xen_abort;
	h->stall_ms = 30000;
	h->ctx = b;
	return h;
}
