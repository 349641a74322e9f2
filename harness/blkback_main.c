/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * blkback: the control thread.  The XenBus backend state machine over its
 * own libxenstore connection:
 *
 *   start             transport keys, InitWait
 *   fe Initialised/Connected while InitWait
 *                     read the frontend's keys strictly, map rings, bind
 *                     ports, queue threads, device keys + Connected (one
 *                     transaction); bad keys: Closing, stats.connect_error
 *   fe Closing        disconnect (everything unmapped), Closing
 *   fe Closed/absent  disconnect, Closed
 *   fe Initialising   after Connected/Closing/Closed: disconnect, InitWait
 *                     again (reconnect, or a second frontend after handover)
 *   resize            `sectors` rewritten, state Connected written again
 *   stop              disconnect, Closed
 *
 * Restart (cfg.restart: this process replaces a backend that died, whose
 * state node still says Connected): before the usual start, the old
 * connection's keys are removed and Closed written in one transaction, so
 * the frontend disconnects (its in-flight requests wait for replay); once
 * the frontend has let go (Closed/Initialising/Closing/gone, at most
 * RESTART_WAIT_MS) the new transport keys and InitWait follow.  A
 * frontend that stays Closed there is the one that comes back: it is
 * waited for, not closed again (`reoffer`).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/protocols.h>
#include <pvfront/errno.h>
#include "blkback_int.h"
#include "toolstack.h"

#define ST_INITIALISING 1u
#define ST_INITWAIT 2u
#define ST_INITIALISED 3u
#define ST_CONNECTED 4u
#define ST_CLOSING 5u
#define ST_CLOSED 6u

#define RESTART_WAIT_MS 5000

/* Write our @key inside @t.  Returns 0 or -PVF_EIO. */
static int wr(struct pvf_blkback *b, xs_transaction_t t, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int wr(struct pvf_blkback *b, xs_transaction_t t, const char *key, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pvf_ts_vwritef(b->xs, t, b->be_dir, key, fmt, ap);
	va_end(ap);
	return rc ? -PVF_EIO : 0;
}

static void set_state(struct pvf_blkback *b, uint32_t st)
{
	if (wr(b, XBT_NULL, "state", "%u", st) == 0) {
		b->be_state = st;
		BB_SET(b->ctl->st.state, st);
	}
}

/* The frontend's @sub@key (@sub "" or "queue-N/") as a strict decimal in
 * [min, max].  Returns 1 and *out if present and valid; 0 if absent;
 * -PVF_EPROTO for anything else. */
static int fe_u32(struct pvf_blkback *b, const char *sub, const char *key, uint32_t min,
		  uint32_t max, uint32_t *out)
{
	char k[64];
	int rc;

	snprintf(k, sizeof(k), "%s%s", sub, key);
	rc = pvf_ts_read_u32_range(b->xs, b->fe, k, min, max, out);
	if (rc == -PVF_ENOENT)
		return 0;
	if (rc) {
		bb_log(b, "frontend key %s: bad value", k);
		return -PVF_EPROTO;
	}
	return 1;
}

static void write_transport_keys(struct pvf_blkback *b)
{
	const struct pvf_bb_config *c = &b->cfg;

	if (c->max_ring_order >= 0)
		wr(b, XBT_NULL, "max-ring-page-order", "%d", c->max_ring_order);
	if (c->max_ring_pages)
		wr(b, XBT_NULL, "max-ring-pages", "%u", c->max_ring_pages);
	if (c->max_queues)
		wr(b, XBT_NULL, "multi-queue-max-queues", "%u", c->max_queues);
	if (c->max_indirect)
		wr(b, XBT_NULL, "feature-max-indirect-segments", "%u", c->max_indirect);
}

static int write_device_keys(struct pvf_blkback *b, xs_transaction_t t)
{
	const struct pvf_bb_config *c = &b->cfg;
	uint32_t info = (c->readonly ? VDISK_READONLY : 0) | (c->cdrom ? VDISK_CDROM : 0) |
			(c->removable ? VDISK_REMOVABLE : 0);
	int rc = 0;

	if (c->flush)
		rc = rc ? rc : wr(b, t, "feature-flush-cache", "1");
	if (c->barrier)
		rc = rc ? rc : wr(b, t, "feature-barrier", "1");
	if (c->persistent)
		rc = rc ? rc : wr(b, t, "feature-persistent", "1");
	if (c->discard) {
		rc = rc ? rc : wr(b, t, "feature-discard", "1");
		rc = rc ? rc : wr(b, t, "discard-granularity", "%u", c->discard_granularity);
		rc = rc ? rc : wr(b, t, "discard-alignment", "%u", c->discard_alignment);
		rc = rc ? rc : wr(b, t, "discard-secure", "%u", c->discard_secure ? 1u : 0u);
	}
	rc = rc ? rc : wr(b, t, "sectors", "%llu", (unsigned long long)b->sectors);
	rc = rc ? rc : wr(b, t, "info", "%u", info);
	rc = rc ? rc : wr(b, t, "sector-size", "%u", c->sector_size);
	rc = rc ? rc : wr(b, t, "physical-sector-size", "%u", c->physical_sector_size);
	return rc;
}

static void disconnect(struct pvf_blkback *b)
{
	uint32_t i;

	if (!b->nr_queues)
		return;
	for (i = 0; i < b->nr_queues; i++)
		bb_queue_disconnect(&b->q[i]);
	b->nr_queues = 0;
	BB_SET(b->ctl->st.nr_queues, 0);
	BB_ADD(b->ctl->st.disconnects, 1);
}

/* Ring pages of queue @sub ("" or "queue-N/"): both schemes.
 * Returns the page count or -PVF_EPROTO. */
static int read_ring_pages(struct pvf_blkback *b, const char *sub, uint32_t *order_out)
{
	const struct pvf_bb_config *c = &b->cfg;
	uint32_t max_order = c->max_ring_order > 0 ? (uint32_t)c->max_ring_order : 0;
	uint32_t order = 0, pages = 0;
	int ho, hp;

	while (c->max_ring_pages >> (max_order + 1))
		max_order++; /* log2 of max-ring-pages, if larger */
	ho = fe_u32(b, sub, "ring-page-order", 0, max_order, &order);
	hp = fe_u32(b, sub, "num-ring-pages", 1, 1u << max_order, &pages);
	if (ho < 0 || hp < 0)
		return -PVF_EPROTO;
	if (hp && (pages & (pages - 1)))
		return -PVF_EPROTO;
	if (ho && hp && pages != (1u << order))
		return -PVF_EPROTO;
	if (!ho && hp)
		while ((1u << order) < pages)
			order++;
	*order_out = order;
	return (int)(1u << order);
}

static int connect_queue(struct pvf_blkback *b, uint32_t qi, uint32_t nq)
{
	struct bb_queue *q = &b->q[qi];
	char sub[24] = "";
	char key[24];
	uint32_t order, i, port = 0;
	int n, rc;

	if (nq > 1)
		snprintf(sub, sizeof(sub), "queue-%u/", qi);
	/* ring-page-order / num-ring-pages live at the top level for every
	 * queue, as Linux writes them; only the refs and port are per queue */
	n = read_ring_pages(b, "", &order);
	if (n < 0)
		return n;
	q->ring_pages = (uint32_t)n;
	for (i = 0; i < q->ring_pages; i++) {
		snprintf(key, sizeof(key), "ring-ref%u", i);
		rc = fe_u32(b, sub, key, 0, UINT32_MAX, &q->ring_refs[i]);
		if (rc == 0 && q->ring_pages == 1)
			rc = fe_u32(b, sub, "ring-ref", 0, UINT32_MAX, &q->ring_refs[i]);
		if (rc <= 0)
			return rc < 0 ? rc : -PVF_EPROTO;
	}
	rc = fe_u32(b, sub, "event-channel", 1, UINT32_MAX, &port);
	if (rc < 0)
		return rc;
	BB_SET(b->ctl->st.ring_order, order);
	return bb_queue_connect(q, port);
}

static int try_connect(struct pvf_blkback *b)
{
	char proto[32];
	uint32_t nq = 1, fp = 0, i;
	xs_transaction_t t;
	int rc;

	rc = pvf_ts_read(b->xs, b->fe, "protocol", proto, sizeof(proto));
	if (rc >= 0 && strcmp(proto, XEN_IO_PROTO_ABI_NATIVE)) {
		bb_log(b, "frontend protocol '%s' not supported", proto);
		return -PVF_EPROTO;
	}
	if (rc < 0 && rc != -PVF_ENOENT)
		return -PVF_EPROTO; /* too long, or a NUL inside */
	rc = fe_u32(b, "", "multi-queue-num-queues", 1,
		    b->cfg.max_queues ? b->cfg.max_queues : 1, &nq);
	if (rc < 0)
		return rc;
	rc = fe_u32(b, "", "feature-persistent", 0, 1, &fp);
	if (rc < 0)
		return rc;
	b->persistent = b->cfg.persistent && fp;
	BB_SET(b->ctl->st.persistent, b->persistent ? 1u : 0u);
	for (i = 0; i < nq; i++) {
		rc = connect_queue(b, i, nq);
		if (rc) {
			b->nr_queues = i + 1;
			disconnect(b);
			return rc;
		}
		b->nr_queues = i + 1;
	}
	BB_SET(b->ctl->st.nr_queues, nq);
	for (;;) {
		t = xs_transaction_start(b->xs);
		if (!t) {
			rc = -PVF_EIO;
			break;
		}
		rc = write_device_keys(b, t);
		if (!rc)
			rc = wr(b, t, "state", "%u", ST_CONNECTED);
		if (rc) {
			xs_transaction_end(b->xs, t, true);
			break;
		}
		if (xs_transaction_end(b->xs, t, false)) {
			rc = 0;
			break;
		}
		if (errno != EAGAIN) {
			rc = -PVF_EIO;
			break;
		}
	}
	if (rc) {
		disconnect(b);
		return rc;
	}
	b->be_state = ST_CONNECTED;
	BB_SET(b->ctl->st.state, ST_CONNECTED);
	BB_ADD(b->ctl->st.connections, 1);
	return 0;
}

static void apply_resize(struct pvf_blkback *b)
{
	uint64_t s = __atomic_exchange_n(&b->ctl->resize_sectors, 0, __ATOMIC_ACQ_REL);

	if (!s)
		return;
	if (b->fd >= 0 && ftruncate(b->fd, (off_t)(s * 512))) {
		bb_log(b, "resize to %llu sectors failed", (unsigned long long)s);
		return;
	}
	__atomic_store_n(&b->sectors, s, __ATOMIC_RELEASE);
	wr(b, XBT_NULL, "sectors", "%llu", (unsigned long long)s);
	if (b->be_state == ST_CONNECTED)
		set_state(b, ST_CONNECTED); /* as Linux and QEMU do: wake the watch */
}

static uint32_t read_fe_state(struct pvf_blkback *b, uint32_t prev)
{
	uint32_t st;
	int rc = pvf_ts_read_state(b->xs, b->fe, &st);

	if (rc == -PVF_ENOENT)
		return 0;
	return rc ? prev : st; /* garbage: ignore */
}

static void step(struct pvf_blkback *b, uint32_t fe)
{
	uint32_t be = b->be_state;
	int rc;

	if (fe != ST_CLOSED)
		b->reoffer = false; /* the frontend moved on */

	if ((fe == ST_INITIALISED || fe == ST_CONNECTED) && be == ST_INITWAIT) {
		rc = try_connect(b);
		if (rc) {
			bb_log(b, "connection refused: %s", pvf_strerror(rc));
			BB_SET(b->ctl->st.connect_error, rc);
			set_state(b, ST_CLOSING);
		}
	} else if (fe == ST_CLOSING && (be == ST_INITWAIT || be == ST_CONNECTED)) {
		disconnect(b);
		set_state(b, ST_CLOSING);
	} else if ((fe == ST_CLOSED || fe == 0) && be != ST_CLOSED && be != ST_INITIALISING &&
		   !(b->reoffer && be == ST_INITWAIT)) {
		disconnect(b);
		set_state(b, ST_CLOSED);
	} else if (fe == ST_INITIALISING &&
		   (be == ST_CONNECTED || be == ST_CLOSING || be == ST_CLOSED)) {
		disconnect(b);
		write_transport_keys(b);
		set_state(b, ST_INITWAIT);
	}
}

/* Keys of a previous connection that the new backend may not offer. */
static const char *const stale_keys[] = {
	"max-ring-page-order", "max-ring-pages", "multi-queue-max-queues",
	"feature-max-indirect-segments", "feature-flush-cache", "feature-barrier",
	"feature-persistent", "feature-discard", "discard-granularity",
	"discard-alignment", "discard-secure", "sectors", "info", "sector-size",
	"physical-sector-size",
};

/* Remove the old connection's keys and write Closed, atomically.
 * Returns 0 or -PVF_EIO. */
static int restart_reset(struct pvf_blkback *b)
{
	char path[2 * PVF_BLK_PATH_MAX];
	xs_transaction_t t;
	size_t i;
	int tries;

	for (tries = 0; tries < 16; tries++) {
		bool ok = true;

		t = xs_transaction_start(b->xs);
		if (!t)
			return -PVF_EIO;
		for (i = 0; i < sizeof(stale_keys) / sizeof(stale_keys[0]) && ok; i++) {
			snprintf(path, sizeof(path), "%s/%s", b->be_dir, stale_keys[i]);
			if (!xs_rm(b->xs, t, path) && errno != ENOENT)
				ok = false;
		}
		if (ok)
			ok = wr(b, t, "state", "%u", ST_CLOSED) == 0;
		if (!ok) {
			xs_transaction_end(b->xs, t, true);
			return -PVF_EIO;
		}
		if (xs_transaction_end(b->xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -PVF_EIO;
	}
	return -PVF_EIO;
}

/* The restart path up to (not including) InitWait. */
static void restart(struct pvf_blkback *b)
{
	int waited = 0;
	uint32_t fe = 0;

	if (restart_reset(b)) {
		bb_log(b, "restart: cannot reset the backend directory");
		return;
	}
	b->be_state = ST_CLOSED;
	BB_SET(b->ctl->st.state, ST_CLOSED);
	BB_ADD(b->ctl->st.restarts, 1);
	/* the frontend watches our state: wait until it dropped the old
	 * connection, so it cannot take our InitWait for the old backend */
	while (waited < RESTART_WAIT_MS && !BB_GET(b->ctl->stop)) {
		fe = read_fe_state(b, fe);
		if (fe == 0 || fe == ST_INITIALISING || fe == ST_CLOSING || fe == ST_CLOSED)
			break;
		pvf_ts_wait_watch(b->xs, 5);
		waited += 5;
	}
	if (waited >= RESTART_WAIT_MS)
		bb_log(b, "restart: frontend still in state %u, offering anyway", fe);
	b->reoffer = true;
}

void *bb_control_main(void *arg)
{
	struct pvf_blkback *b = arg;
	uint32_t fe = 0;
	bool dirty = true;

	b->xs = xs_open(0);
	if (!b->xs) {
		bb_fatal(b, -PVF_ECONNRESET);
		return NULL;
	}
	b->nr_queues = 0;
	pvf_ts_watch(b->xs, b->fe, "state", "fe");
	b->reoffer = false;
	if (b->cfg.restart)
		restart(b);
	write_transport_keys(b);
	set_state(b, ST_INITWAIT);
	while (!BB_GET(b->ctl->stop)) {
		if (pvf_ts_wait_watch(b->xs, dirty ? 0 : 5) > 0)
			dirty = true;
		if (dirty) {
			fe = read_fe_state(b, fe);
			dirty = false;
			step(b, fe);
		}
		apply_resize(b);
	}
	disconnect(b);
	set_state(b, ST_CLOSED);
	pvf_ts_unwatch(b->xs, b->fe, "state", "fe");
	xs_close(b->xs);
	b->xs = NULL;
	return NULL;
}
