/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A minimal block frontend for the real-Xen test: enough of blkif to
 * connect to the kernel's xen-blkback through the real-Xen platform, log
 * every key it negotiates, write then read back a pattern, and close.  It
 * stands in until the block core is driven over platform/xen; it trusts
 * nothing from the backend beyond what the checks below cover.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pvfront/xen.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>
#include "blkmini.h"

_Static_assert(sizeof(struct blkif_request) == 112, "blkif request (x86_64)");
_Static_assert(sizeof(struct blkif_response) == 16, "blkif response");

static int xs_get(const struct pvf_platform *p, const char *dir, const char *key,
		  char *buf, size_t size)
{
	char path[8704];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return p->ops->xs_read(p->ctx, 0, path, buf, size);
}

static int xs_put(const struct pvf_platform *p, const char *dir, const char *key, const char *val)
{
	char path[8704];

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return p->ops->xs_write(p->ctx, 0, path, val);
}

static int state_of(const struct pvf_platform *p, const char *dir)
{
	char v[16];

	if (xs_get(p, dir, "state", v, sizeof(v)) < 0)
		return -1;
	return atoi(v);
}

/* Wait until the backend's state satisfies lo <= state <= hi (10 s). */
static int wait_state(struct pvf_xenplat *x, const char *be, int lo, int hi)
{
	const struct pvf_platform *p = pvf_xenplat_platform(x);

	for (int i = 0; i < 200; i++) {
		int s = state_of(p, be);

		if (s >= lo && s <= hi)
			return s;
		pvf_xenplat_poll(x, 50);
	}
	fprintf(stderr, "blkmini: backend %s stuck in state %d (want %d..%d)\n", be,
		state_of(p, be), lo, hi);
	return -1;
}

static void log_keys(const struct pvf_platform *p, const char *dir, const char *what)
{
	char names[4096], val[256];
	int n = p->ops->xs_directory(p->ctx, 0, dir, names, sizeof(names));
	const char *k = names;

	for (int i = 0; i < n; i++, k += strlen(k) + 1) {
		if (xs_get(p, dir, k, val, sizeof(val)) >= 0)
			printf("blkmini: %s %s = %s\n", what, k, val);
	}
}

static void on_event(void *arg, uint32_t port)
{
	(void)port;
	(*(unsigned int *)arg)++;
}

/* One request on the ring, waiting (5 s) for its response. */
static int do_io(struct pvf_xenplat *x, struct blkif_front_ring *ring, uint32_t port,
		 uint8_t op, uint32_t gref, uint64_t sector)
{
	const struct pvf_platform *p = pvf_xenplat_platform(x);
	struct blkif_request *req = RING_GET_REQUEST(ring, ring->req_prod_pvt);
	int notify;

	memset(req, 0, sizeof(*req));
	req->operation = op;
	req->nr_segments = 1;
	req->handle = 0;
	req->id = 0x1234;
	req->sector_number = sector;
	req->seg[0].gref = gref;
	req->seg[0].first_sect = 0;
	req->seg[0].last_sect = 7;
	ring->req_prod_pvt++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(ring, notify);
	if (notify)
		p->ops->evtchn_notify(p->ctx, port);
	for (int i = 0; i < 100; i++) {
		RING_IDX prod = ring->sring->rsp_prod;

		xen_rmb();
		if (prod - ring->rsp_cons == 1) {
			struct blkif_response rsp = *RING_GET_RESPONSE(ring, ring->rsp_cons);

			ring->rsp_cons++;
			if (rsp.id != 0x1234 || rsp.operation != op)
				return -PVF_EPROTO;
			return rsp.status == BLKIF_RSP_OKAY ? 0 : -PVF_EIO;
		}
		if (prod != ring->rsp_cons)
			return -PVF_EPROTO;
		pvf_xenplat_poll(x, 50);
	}
	return -PVF_ETIMEDOUT;
}

/* gnt_end, retried while the backend still maps the page (2 s).  Counts
 * the -PVF_EBUSY answers in *busy. */
static int end_grant(const struct pvf_platform *p, uint32_t ref, unsigned int *busy)
{
	for (int i = 0; i < 200; i++) {
		int rc = p->ops->gnt_end(p->ctx, ref);

		if (rc != -PVF_EBUSY)
			return rc;
		(*busy)++;
		usleep(10000);
	}
	return -PVF_EBUSY;
}

int blkmini_run(struct pvf_xenplat *x, const char *fe, const char *be, const char *image,
		struct blkmini_result *res)
{
	const struct pvf_platform *p = pvf_xenplat_platform(x);
	struct blkif_front_ring ring;
	unsigned int events = 0;
	uint64_t rframe, dframe;
	void *rva = NULL, *dva = NULL;
	uint32_t rref = 0, dref = 0, port = 0;
	char v[64];
	int rc, s;

	memset(res, 0, sizeof(*res));
	if (wait_state(x, be, XenbusStateInitWait, XenbusStateInitWait) < 0)
		return -PVF_ETIMEDOUT;
	log_keys(p, be, "backend(InitWait)");
	if (p->ops->page_alloc(p->ctx, 1, &rva, &rframe) < 0 ||
	    p->ops->page_alloc(p->ctx, 1, &dva, &dframe) < 0)
		return -PVF_ENOMEM;
	SHARED_RING_INIT((struct blkif_sring *)rva);
	FRONT_RING_INIT(&ring, (struct blkif_sring *)rva, PVF_PAGE_SIZE);
	if (p->ops->gnt_grant(p->ctx, 0, rframe, 0, &rref) < 0 ||
	    p->ops->gnt_grant(p->ctx, 0, dframe, 0, &dref) < 0 ||
	    p->ops->evtchn_alloc_unbound(p->ctx, 0, &port) < 0)
		return -PVF_ENOSPC;
	pvf_xenplat_bind(x, port, on_event, &events);
	p->ops->evtchn_unmask(p->ctx, port);
	snprintf(v, sizeof(v), "%u", rref);
	xs_put(p, fe, "ring-ref", v);
	snprintf(v, sizeof(v), "%u", port);
	xs_put(p, fe, "event-channel", v);
	xs_put(p, fe, "protocol", XEN_IO_PROTO_ABI_X86_64);
	xs_put(p, fe, "state", "3");
	rc = -PVF_ETIMEDOUT;
	if (wait_state(x, be, XenbusStateConnected, XenbusStateConnected) < 0)
		goto out;
	xs_put(p, fe, "state", "4");
	log_keys(p, be, "backend(Connected)");
	res->connected = 1;
	if (xs_get(p, be, "sectors", v, sizeof(v)) > 0)
		res->sectors = strtoull(v, NULL, 10);

	/* Write a pattern to sectors 8..15, read it back into a clean page,
	 * and check the image file behind the loop device. */
	for (unsigned int i = 0; i < PVF_PAGE_SIZE; i++)
		((uint8_t *)dva)[i] = (uint8_t)(i * 7 + 3);
	rc = do_io(x, &ring, port, BLKIF_OP_WRITE, dref, 8);
	if (rc == 0) {
		/* A flush carries no segment on Linux; nr_segments 1 is accepted
		 * too.  Only logged: the backend may not offer it. */
		res->flush_rc = do_io(x, &ring, port, BLKIF_OP_FLUSH_DISKCACHE, dref, 8);
		printf("blkmini: flush -> %s\n", pvf_strerror(res->flush_rc));
	}
	if (rc == 0) {
		memset(dva, 0, PVF_PAGE_SIZE);
		rc = do_io(x, &ring, port, BLKIF_OP_READ, dref, 8);
	}
	if (rc == 0) {
		res->io_ok = 1;
		for (unsigned int i = 0; i < PVF_PAGE_SIZE; i++)
			if (((uint8_t *)dva)[i] != (uint8_t)(i * 7 + 3))
				res->io_ok = 0;
	}
	if (image) {
		uint8_t buf[PVF_PAGE_SIZE];
		int fd = open(image, O_RDONLY);

		if (fd >= 0 && pread(fd, buf, sizeof(buf), 8 * 512) == (ssize_t)sizeof(buf))
			res->image_ok = memcmp(buf, dva, sizeof(buf)) == 0;
		if (fd >= 0)
			close(fd);
	}
	res->events = events;
out:
	/* Clean close: Closing, wait for the backend, Closed. */
	xs_put(p, fe, "state", "5");
	s = wait_state(x, be, XenbusStateClosing, XenbusStateClosed);
	xs_put(p, fe, "state", "6");
	if (s >= 0)
		s = wait_state(x, be, XenbusStateClosed, XenbusStateClosed);
	res->closed = s == XenbusStateClosed;
	if (end_grant(p, rref, &res->busy) < 0 || end_grant(p, dref, &res->busy) < 0)
		rc = rc ? rc : -PVF_EBUSY;
	p->ops->evtchn_close(p->ctx, port);
	p->ops->page_free(p->ctx, rva, 1);
	p->ops->page_free(p->ctx, dva, 1);
	return rc;
}
