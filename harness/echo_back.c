/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Backend side of the echo device, and the toolstack role that creates it.
 * Runs as a thread with its own libxenstore connection, as dom0 would.
 * Everything read from the frontend (xenstore keys, the shared page) is
 * validated; a bad value is an error for this device, never a crash.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include <pvfront/barrier.h>
#include <pvfront/xs.h>
#include "echo.h"

static int xs_write_str(struct xs_handle *xs, const char *dir, const char *key, const char *val)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_write(xs, XBT_NULL, path, val, strlen(val)) ? 0 : -errno;
}

/* Read dir/key as a strictly parsed u32.  Returns 0, -ENOENT, -EINVAL. */
static int xs_read_u32(struct xs_handle *xs, const char *dir, const char *key, uint32_t *out)
{
	char path[512];
	unsigned int len = 0;
	char *v;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	v = xs_read(xs, XBT_NULL, path, &len);
	if (!v)
		return -errno;
	rc = pvf_xs_parse_u32(v, out) ? -EINVAL : 0;
	free(v);
	return rc;
}

int pvf_echo_toolstack_add(unsigned int devid, unsigned int fe_domid, unsigned int be_domid,
			   char *fe_dir, size_t fe_size, char *be_dir, size_t be_size)
{
	struct xs_handle *xs = xs_open(0);
	char num[16];
	int rc = 0;

	if (!xs)
		return -errno;
	snprintf(fe_dir, fe_size, "/local/domain/%u/device/echo/%u", fe_domid, devid);
	snprintf(be_dir, be_size, "/local/domain/%u/backend/echo/%u/%u", be_domid, fe_domid, devid);
	snprintf(num, sizeof(num), "%u", be_domid);
	rc = rc ? rc : xs_write_str(xs, fe_dir, "backend", be_dir);
	rc = rc ? rc : xs_write_str(xs, fe_dir, "backend-id", num);
	rc = rc ? rc : xs_write_str(xs, fe_dir, "state", "1");
	snprintf(num, sizeof(num), "%u", fe_domid);
	rc = rc ? rc : xs_write_str(xs, be_dir, "frontend", fe_dir);
	rc = rc ? rc : xs_write_str(xs, be_dir, "frontend-id", num);
	rc = rc ? rc : xs_write_str(xs, be_dir, "online", "1");
	rc = rc ? rc : xs_write_str(xs, be_dir, "state", "1");
	xs_close(xs);
	return rc;
}

int pvf_echo_toolstack_remove(const char *fe_dir, const char *be_dir)
{
	struct xs_handle *xs = xs_open(0);
	int rc = 0;

	if (!xs)
		return -errno;
	if (!xs_rm(xs, XBT_NULL, fe_dir) && errno != ENOENT)
		rc = -errno;
	if (!xs_rm(xs, XBT_NULL, be_dir) && errno != ENOENT && !rc)
		rc = -errno;
	xs_close(xs);
	return rc;
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

	rc = xs_read_u32(xs, c->b->fe_dir, "ring-ref", &ref);
	if (!rc)
		rc = xs_read_u32(xs, c->b->fe_dir, "event-channel", &port);
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

static void *echo_back_main(void *arg)
{
	struct pvf_echo_back *b = arg;
	struct echo_conn c;
	struct xs_handle *xs;
	char wpath[512];
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
	snprintf(wpath, sizeof(wpath), "%s/state", b->fe_dir);
	xs_watch(xs, wpath, "fe");
	xs_write_str(xs, b->be_dir, "state", "2"); /* InitWait */
	be_state = 2;
	while (!b->stop) {
		struct pollfd pfd = { .fd = xs_fileno(xs), .events = POLLIN };
		uint32_t st;

		/* Watch events are hints: re-read the state after each one. */
		if (poll(&pfd, 1, 0) > 0) {
			unsigned int n;
			char **ev = xs_read_watch(xs, &n);
			free(ev);
			if (xs_read_u32(xs, b->fe_dir, "state", &st) == 0)
				fe_state = st;
		}
		if ((fe_state == 3 || fe_state == 4) && be_state == 2) {
			int rc = echo_connect(&c, xs);
			if (rc) {
				set_error(b, rc);
				echo_disconnect(&c);
				xs_write_str(xs, b->be_dir, "state", "5");
				be_state = 5;
			} else {
				xs_write_str(xs, b->be_dir, "state", "4"); /* Connected */
				be_state = 4;
				b->connections++;
			}
		} else if ((fe_state == 5 || fe_state == 6) && be_state != 6 && be_state != 1) {
			echo_disconnect(&c);
			xs_write_str(xs, b->be_dir, "state", "6"); /* Closed */
			be_state = 6;
			b->closed++;
		} else if (fe_state == 1 && be_state == 6) {
			xs_write_str(xs, b->be_dir, "state", "2"); /* ready again */
			be_state = 2;
		}
		pvf_lb_be_poll(c.be, 2);
	}
	echo_disconnect(&c);
	xs_unwatch(xs, wpath, "fe");
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
