/* SPDX-License-Identifier: BSD-2-Clause */
/* Frontend side of the echo device: a pvf_xenbus_dev driver. */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <pvfront/barrier.h>
#include <pvfront/xs.h>
#include "echo.h"

static void echo_event(void *arg, uint32_t port)
{
	struct pvf_echo_front *f = arg;
	uint32_t rsp;

	(void)port;
	if (!f->page)
		return;
	rsp = PVF_READ_ONCE(f->page->rsp); /* pairs with the backend's wmb */
	if (rsp == f->sent && rsp != f->responses)
		f->responses = rsp;
}

static int echo_setup(void *drv, uint32_t txn)
{
	struct pvf_echo_front *f = drv;
	const struct pvf_platform *p = f->p;
	pvf_domid_t be = pvf_xenbus_backend_id(&f->dev);
	const char *node = pvf_xenbus_node(&f->dev);
	void *va;
	int rc;

	if (!f->have_page) {
		rc = p->ops->page_alloc(p->ctx, 1, &va, &f->frame);
		if (rc)
			return rc;
		f->page = va;
		f->have_page = 1;
	}
	if (!f->have_ref) {
		rc = p->ops->gnt_grant(p->ctx, be, f->frame, 0, &f->ref);
		if (rc)
			return rc;
		f->have_ref = 1;
	}
	if (!f->have_port) {
		rc = p->ops->evtchn_alloc_unbound(p->ctx, be, &f->port);
		if (rc)
			return rc;
		f->have_port = 1;
		rc = pvf_lb_guest_bind(f->guest, f->port, echo_event, f);
		if (rc)
			return rc;
		p->ops->evtchn_unmask(p->ctx, f->port);
	}
	f->sent = 0;
	f->responses = 0;
	f->page->req = 0;
	f->page->rsp = 0;
	rc = pvf_xs_write_u32(p, txn, node, "ring-ref", f->ref);
	if (!rc)
		rc = pvf_xs_write_u32(p, txn, node, "event-channel", f->port);
	return rc;
}

static int echo_connect(void *drv)
{
	struct pvf_echo_front *f = drv;

	f->connected = 1;
	return 0;
}

static void echo_disconnect(void *drv)
{
	struct pvf_echo_front *f = drv;

	f->connected = 0;
}

static int echo_release(void *drv)
{
	struct pvf_echo_front *f = drv;
	const struct pvf_platform *p = f->p;
	int rc;

	if (f->have_port) {
		pvf_lb_guest_bind(f->guest, f->port, NULL, NULL);
		p->ops->evtchn_close(p->ctx, f->port);
		f->have_port = 0;
	}
	if (f->have_ref) {
		rc = p->ops->gnt_end(p->ctx, f->ref);
		if (rc == -PVF_EBUSY)
			return rc; /* the backend still maps it: keep the page */
		f->have_ref = 0;
	}
	if (f->have_page) {
		p->ops->page_free(p->ctx, f->page, 1);
		f->page = NULL;
		f->have_page = 0;
	}
	return 0;
}

static void echo_changed(void *drv, enum pvf_xenbus_event ev, int err)
{
	struct pvf_echo_front *f = drv;

	f->last_event = (int)ev;
	f->last_err = err;
}

const struct pvf_xenbus_ops pvf_echo_front_ops = {
	.setup = echo_setup,
	.connect = echo_connect,
	.disconnect = echo_disconnect,
	.release = echo_release,
	.changed = echo_changed,
};

int pvf_echo_front_pump(struct pvf_echo_front *f, int timeout_ms)
{
	struct pollfd pfd;
	char path[256], token[256];
	int rc;

	pfd.fd = pvf_lb_xs_fileno(f->guest);
	pfd.events = POLLIN;
	if (pfd.fd >= 0 && poll(&pfd, 1, 0) > 0) {
		while ((rc = pvf_lb_xs_read_watch(f->guest, path, sizeof(path), token,
						  sizeof(token))) == 1)
			pvf_xenbus_on_watch(&f->dev, path, token);
	}
	rc = pvf_lb_guest_poll(f->guest, timeout_ms);
	if (rc < 0 && rc != -PVF_ETIMEDOUT)
		return rc;
	return pvf_xenbus_poll(&f->dev);
}

int pvf_echo_front_send(struct pvf_echo_front *f)
{
	if (!f->connected || !f->page)
		return -PVF_ENOTCONN;
	f->sent++;
	PVF_WRITE_ONCE(f->page->req, f->sent);
	pvf_wmb(); /* the request before the event; pairs with the backend's rmb */
	return f->p->ops->evtchn_notify(f->p->ctx, f->port);
}
