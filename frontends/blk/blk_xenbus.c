/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block frontend XenBus glue: the struct pvf_xenbus_ops that lets the
 * XenBus state machine (common/xenbus.c) drive a struct pvf_blk, and the
 * online-resize check (the machine's PVF_XENBUS_EV_BACKEND_CHANGED).
 *
 *   machine          -> core
 *   setup(txn)       -> pvf_blk_setup_txn: rings, ports, keys in the
 *                       machine's transaction (the machine commits and,
 *                       on a conflict, calls release before retrying)
 *   connect          -> pvf_blk_connect: features, pools, replay
 *   disconnect       -> pvf_blk_quiesce: requests kept for replay, grants
 *                       kept until the backend lets go
 *   release          -> pvf_blk_release: -PVF_EBUSY while mapped (the
 *                       machine retries, e.g. once the backend is Closed)
 *   changed          -> BACKEND_CHANGED: pvf_blk_check_resize (one
 *                       read of `sectors`); other events recorded and
 *                       logged; every event to cfg.on_xenbus_event
 */
#include "blk_internal.h"

static int xb_setup(void *drv, uint32_t txn)
{
	return pvf_blk_setup_txn(drv, txn);
}

static int xb_connect(void *drv)
{
	return pvf_blk_connect(drv);
}

static void xb_disconnect(void *drv)
{
	struct pvf_blk *blk = drv;

	/* -PVF_EINVAL when never set up: nothing to stop */
	pvf_blk_quiesce(blk);
}

static int xb_release(void *drv)
{
	return pvf_blk_release(drv);
}

static void xb_changed(void *drv, enum pvf_xenbus_event ev, int err)
{
	struct pvf_blk *blk = drv;

	if (ev == PVF_XENBUS_EV_BACKEND_CHANGED) {
		/* Connected rewritten (online resize) or a spurious watch:
		 * one read of `sectors`; a bad value is logged and ignored
		 * (pvf_blk_check_resize).  Not recorded as the last event:
		 * it is no problem and would hide the last one. */
		if (blk->state == PVF_BLK_S_CONNECTED)
			pvf_blk_check_resize(blk);
	} else {
		blk->xb_event = (int)ev;
		blk->xb_err = err;
		if (ev != PVF_XENBUS_EV_CLOSED)
			pvf_warn(blk->plat, "blk: %s: xenbus event %d (%s)", blk->fe_path,
				 (int)ev, pvf_strerror(err));
	}
	if (blk->cfg.on_xenbus_event)
		blk->cfg.on_xenbus_event(blk->cfg.notify_arg, (int)ev, err);
}

PVF_API const struct pvf_xenbus_ops pvf_blk_xenbus_ops = {
	.setup = xb_setup,
	.connect = xb_connect,
	.disconnect = xb_disconnect,
	.release = xb_release,
	.changed = xb_changed,
};

PVF_API int pvf_blk_config_xenbus(struct pvf_blk_config *cfg, const struct pvf_xenbus_dev *dev)
{
	if (!cfg || !dev)
		return -PVF_EINVAL;
	if (pvf_strnlen(pvf_xenbus_node(dev), PVF_BLK_PATH_MAX) >= PVF_BLK_PATH_MAX ||
	    pvf_strnlen(pvf_xenbus_backend(dev), PVF_BLK_PATH_MAX) >= PVF_BLK_PATH_MAX)
		return -PVF_E2BIG;
	cfg->frontend_path = pvf_xenbus_node(dev);
	cfg->backend_path = pvf_xenbus_backend(dev);
	cfg->backend_domid = pvf_xenbus_backend_id(dev);
	return 0;
}

PVF_API int pvf_blk_check_resize(struct pvf_blk *blk)
{
	uint64_t sectors, old;
	int r;

	if (!blk)
		return -PVF_EINVAL;
	if (blk->state != PVF_BLK_S_CONNECTED)
		return -PVF_ENOTCONN;
	r = pvf_xs_read_u64(blk->plat, 0, blk->be_path, "sectors", &sectors);
	if (r == -PVF_ENOENT || r == -PVF_EINVAL || r == -PVF_ERANGE) {
		pvf_warn(blk->plat, "blk: %s/sectors unreadable (%s): size kept", blk->be_path,
			 pvf_strerror(r));
		return -PVF_EPROTO;
	}
	if (r < 0)
		return r;
	old = blk->info.sectors;
	blk->be.sectors = sectors;
	pvf_blk_note_size(blk, sectors);
	return old != sectors;
}

PVF_API int pvf_blk_xenbus_last_event(const struct pvf_blk *blk, int *err)
{
	if (err)
		*err = blk->xb_err;
	return blk->xb_event;
}
