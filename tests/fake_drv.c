/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A fake XenBus driver for tests of the state machine (see fake_platform.h).
 */
#include <string.h>
#include <pvfront/errno.h>
#include <pvfront/xs.h>
#include "fake_internal.h"

static int drv_setup(void *arg, uint32_t txn)
{
	struct pvf_fake_drv *d = arg;
	const struct pvf_platform *p = &d->f->platform;
	const char *node = pvf_xenbus_node(d->dev);
	int r;

	d->setups++;
	if (d->fail_setup) {
		d->fail_setup--;
		return d->setup_err ? d->setup_err : -PVF_ENOMEM;
	}
	if (!d->page) {
		r = p->ops->page_alloc(p->ctx, 1, &d->page, &d->frame);
		if (r < 0) {
			d->page = NULL;
			return r;
		}
	}
	if (!d->have_ref) {
		r = p->ops->gnt_grant(p->ctx, pvf_xenbus_backend_id(d->dev), d->frame, 0,
				      &d->ref);
		if (r < 0)
			return r;
		d->have_ref = 1;
	}
	if (!d->have_port) {
		r = p->ops->evtchn_alloc_unbound(p->ctx, pvf_xenbus_backend_id(d->dev),
						 &d->port);
		if (r < 0)
			return r;
		d->have_port = 1;
	}
	r = pvf_xs_write_u32(p, txn, node, "ring-ref", d->ref);
	if (r < 0)
		return r;
	return pvf_xs_write_u32(p, txn, node, "event-channel", d->port);
}

static int drv_connect(void *arg)
{
	struct pvf_fake_drv *d = arg;

	d->connects++;
	if (d->fail_connect) {
		d->fail_connect--;
		return -PVF_EIO;
	}
	return 0;
}

static void drv_disconnect(void *arg)
{
	struct pvf_fake_drv *d = arg;

	d->disconnects++;
}

static int drv_release(void *arg)
{
	struct pvf_fake_drv *d = arg;
	const struct pvf_platform *p = &d->f->platform;

	d->releases++;
	if (d->have_port) {
		p->ops->evtchn_close(p->ctx, d->port);
		d->have_port = 0;
	}
	if (d->have_ref) {
		if (p->ops->gnt_end(p->ctx, d->ref) == -PVF_EBUSY) {
			d->busy_releases++;
			return -PVF_EBUSY; /* keep grant and page */
		}
		d->have_ref = 0;
	}
	if (d->page) {
		p->ops->page_free(p->ctx, d->page, 1);
		d->page = NULL;
	}
	return 0;
}

static void drv_changed(void *arg, enum pvf_xenbus_event ev, int err)
{
	struct pvf_fake_drv *d = arg;

	if ((unsigned)ev < PVF_ARRAY_SIZE_FAKE(d->events))
		d->events[ev]++;
	d->last_err = err;
}

const struct pvf_xenbus_ops pvf_fake_drv_ops = {
	.setup = drv_setup,
	.connect = drv_connect,
	.disconnect = drv_disconnect,
	.release = drv_release,
	.changed = drv_changed,
};

void pvf_fake_drv_init(struct pvf_fake_drv *d, struct pvf_fake *f)
{
	memset(d, 0, sizeof(*d));
	d->f = f;
}

void pvf_fake_deliver_xenbus(void *arg, const char *path, const char *token)
{
	pvf_xenbus_on_watch(arg, path, token);
}

