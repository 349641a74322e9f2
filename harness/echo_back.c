/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Backend side of the echo device, and the toolstack role that creates it.
 * Runs as a thread with its own libxenstore connection, as dom0 would.
 * Everything read from the frontend (xenstore keys, the shared page) is
 * validated; a bad value is an error for this device, never a crash.
 */
#include <errno.h>
#include <string.h>
#include <xenstore.h>
#include <pvfront/barrier.h>
#include "echo.h"
#include "toolstack.h"

int pvf_echo_toolstack_add(unsigned int devid, unsigned int fe_domid, unsigned int be_domid,
			   char *fe_dir, size_t fe_size, char *be_dir, size_t be_size)
{
	return pvf_ts_add_device(NULL, "echo", devid, fe_domid, be_domid, NULL, NULL, fe_dir,
				 fe_size, be_dir, be_size);
}

int pvf_echo_toolstack_remove(const char *fe_dir, const char *be_dir)
{
	return pvf_ts_remove_device(NULL, fe_dir, be_dir);
}

struct echo_conn {
	struct pvf_lb_backend *be;
	struct pvf_echo_back *b;
	struct pvf_echo_page *page;
	uint32_t ref;
	uint32_t port;
	int mapped;
	int bound;
};

static void echo_back_event(void *arg, uint32_t port)
{
	struct echo_conn *c = arg;
	uint32_t req;

	(void)port;
	if (!c->page)
		return;
	pvf_rmb(); /* pairs with the frontend's wmb before its notify */
	req = PVF_READ_ONCE(c->page->req);
	PVF_WRITE_ONCE(c->page->rsp, req);
	pvf_wmb(); /* the response before the event */
	c->b->echoed++;
	pvf_lb_be_notify(c->be, c->port);
}

static int echo_connect(struct echo_conn *c, struct xs_handle *xs)
{
	uint32_t ref, port;
	void *va = NULL;
	int rc;

	rc = pvf_ts_read_u32(xs, c->b->fe_dir, "ring-ref", &ref);
	if (!rc)
		rc = pvf_ts_read_u32(xs, c->b->fe_dir, "event-channel", &port);
	if (rc)
		return rc;
	rc = pvf_lb_be_map(c->be, ref, 0, &va);
	if (rc)
		return rc;
	c->ref = ref;
	c->page = va;
	c->mapped = 1;
	rc = pvf_lb_be_bind_interdomain(c->be, port, &c->port);
	if (rc)
		return rc;
	c->bound = 1;
	pvf_lb_be_bind(c->be, c->port, echo_back_event, c);
	return 0;
}

static void echo_disconnect(struct echo_conn *c)
{
	if (c->bound) {
		pvf_lb_be_bind(c->be, c->port, NULL, NULL);
		pvf_lb_be_close_port(c->be, c->port);
		c->bound = 0;
	}
	if (c->mapped) {
		pvf_lb_be_unmap(c->be, c->ref, 0);
		c->mapped = 0;
		c->page = NULL;
	}
}

static void set_error(struct pvf_echo_back *b, int err)
{
	if (!b->error)
		b->error = err;
}

/* Write our state and remember it. */
static void echo_set_state(struct xs_handle *xs, struct pvf_echo_back *b, uint32_t *be_state,
			   uint32_t st)
{
	pvf_ts_write_state(xs, b->be_dir, st);
	*be_state = st;
}

static void *echo_back_main(void *arg)
{
	struct pvf_echo_back *b = arg;
	struct echo_conn c;
	struct xs_handle *xs;
	uint32_t fe_state = 0, be_state = 1;

	memset(&c, 0, sizeof(c));
	c.b = b;
	xs = xs_open(0);
	if (!xs) {
		set_error(b, -errno);
		return NULL;
	}
	if (pvf_lb_be_open(b->hv, &c.be)) {
		set_error(b, -ENODEV);
		xs_close(xs);
		return NULL;
	}
	pvf_ts_watch(xs, b->fe_dir, "state", "fe");
	echo_set_state(xs, b, &be_state, 2); /* InitWait */
	while (!b->stop) {
		uint32_t st;

		/* Watch events are hints: re-read the state after each one;
		 * a missing or malformed state changes nothing. */
		if (pvf_ts_wait_watch(xs, 0) > 0 && pvf_ts_read_state(xs, b->fe_dir, &st) == 0)
			fe_state = st;
		if ((fe_state == 3 || fe_state == 4) && be_state == 2) {
			int rc = echo_connect(&c, xs);
			if (rc) {
				set_error(b, rc);
				echo_disconnect(&c);
				echo_set_state(xs, b, &be_state, 5); /* Closing */
			} else {
				echo_set_state(xs, b, &be_state, 4); /* Connected */
				b->connections++;
			}
		} else if ((fe_state == 5 || fe_state == 6) && be_state != 6 && be_state != 1) {
			echo_disconnect(&c);
			echo_set_state(xs, b, &be_state, 6); /* Closed */
			b->closed++;
		} else if (fe_state == 1 && be_state == 6) {
			echo_set_state(xs, b, &be_state, 2); /* ready again */
		}
		pvf_lb_be_poll(c.be, 2);
	}
	echo_disconnect(&c);
	pvf_ts_unwatch(xs, b->fe_dir, "state", "fe");
	pvf_lb_be_close(c.be);
	xs_close(xs);
	return NULL;
}

int pvf_echo_back_start(struct pvf_echo_back *b)
{
	b->stop = 0;
	b->error = 0;
	return -pthread_create(&b->thread, NULL, echo_back_main, b);
}

int pvf_echo_back_stop(struct pvf_echo_back *b)
{
	b->stop = 1;
	pthread_join(b->thread, NULL);
	return b->error;
}
