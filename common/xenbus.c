/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * XenBus frontend state machine.  See <pvfront/xenbus.h> for the contract
 * and the table of legal frontend transitions.
 *
 * The backend state is the input; every pump entry re-reads it and calls
 * step(), which is idempotent: repeated or spurious events do nothing new
 * (a second InitWait does not set the ring up twice), skipped states are
 * handled by acting on the state reached.  The one thing a repeat does is
 * tell the driver: Connected re-read while both ends are connected is
 * passed on as PVF_XENBUS_EV_BACKEND_CHANGED (connect() is not re-run).
 */
#include "internal.h"
#include <pvfront/xen.h>
#include <pvfront/xs.h>
#include <pvfront/xenbus.h>

_Static_assert((int)PVF_XENBUS_UNKNOWN == (int)XenbusStateUnknown, "state value");
_Static_assert((int)PVF_XENBUS_INITIALISING == (int)XenbusStateInitialising, "state value");
_Static_assert((int)PVF_XENBUS_INITWAIT == (int)XenbusStateInitWait, "state value");
_Static_assert((int)PVF_XENBUS_INITIALISED == (int)XenbusStateInitialised, "state value");
_Static_assert((int)PVF_XENBUS_CONNECTED == (int)XenbusStateConnected, "state value");
_Static_assert((int)PVF_XENBUS_CLOSING == (int)XenbusStateClosing, "state value");
_Static_assert((int)PVF_XENBUS_CLOSED == (int)XenbusStateClosed, "state value");
_Static_assert((int)PVF_XENBUS_RECONFIGURING == (int)XenbusStateReconfiguring, "state value");
_Static_assert((int)PVF_XENBUS_RECONFIGURED == (int)XenbusStateReconfigured, "state value");

#define XB_DEFAULT_TIMEOUT_NS (10ull * 1000 * 1000 * 1000)
#define XB_DEFAULT_RETRY_NS   (100ull * 1000 * 1000)
#define XB_DEFAULT_TXN_TRIES  8u

enum { XB_CLOSE_NONE = 0, XB_CLOSE_CLOSE = 1, XB_CLOSE_HANDOVER = 2 };

#define BIT(s) (1u << (s))
/* Legal frontend transitions, by source state (see the header's table). */
static const uint16_t xb_legal[9] = {
	[PVF_XENBUS_UNKNOWN] = BIT(PVF_XENBUS_INITIALISING),
	[PVF_XENBUS_INITIALISING] = BIT(PVF_XENBUS_INITIALISED) |
		BIT(PVF_XENBUS_CONNECTED) | /* PVF_XENBUS_CONNECT_EARLY */
		BIT(PVF_XENBUS_CLOSING) | BIT(PVF_XENBUS_CLOSED),
	[PVF_XENBUS_INITWAIT] = 0, /* a frontend never writes InitWait */
	[PVF_XENBUS_INITIALISED] = BIT(PVF_XENBUS_CONNECTED) |
		BIT(PVF_XENBUS_CLOSING) | BIT(PVF_XENBUS_CLOSED),
	[PVF_XENBUS_CONNECTED] = BIT(PVF_XENBUS_CLOSING) | BIT(PVF_XENBUS_CLOSED),
	[PVF_XENBUS_CLOSING] = BIT(PVF_XENBUS_CLOSED),
	[PVF_XENBUS_CLOSED] = BIT(PVF_XENBUS_INITIALISED) | BIT(PVF_XENBUS_INITIALISING) |
		BIT(PVF_XENBUS_CONNECTED), /* PVF_XENBUS_CONNECT_EARLY */
	[PVF_XENBUS_RECONFIGURING] = 0,
	[PVF_XENBUS_RECONFIGURED] = 0,
};
#undef BIT

static const char *const xb_names[9] = {
	"Unknown", "Initialising", "InitWait", "Initialised", "Connected",
	"Closing", "Closed", "Reconfiguring", "Reconfigured",
};

PVF_API const char *pvf_xenbus_state_name(unsigned int state)
{
	return state < PVF_ARRAY_SIZE(xb_names) ? xb_names[state] : "?";
}

PVF_API int pvf_xenbus_transition_legal(unsigned int from, unsigned int to)
{
	if (from >= PVF_ARRAY_SIZE(xb_legal) || to >= 16)
		return 0;
	return (xb_legal[from] >> to) & 1u;
}

/* ---- small helpers ----------------------------------------------------- */

static uint64_t xb_now(const struct pvf_xenbus_dev *dev)
{
	uint64_t t = 0;

	if (dev->p.ops->clock_ns(dev->p.ctx, &t) < 0)
		t = 0;
	return t;
}

/* A new wait begins whenever either end changes state. */
static void xb_wait_restart(struct pvf_xenbus_dev *dev)
{
	dev->wait_since = xb_now(dev);
	dev->timeout_reported = 0;
}

static void xb_report(struct pvf_xenbus_dev *dev, enum pvf_xenbus_event ev, int err)
{
	dev->last_err = err;
	dev->ops->changed(dev->drv, ev, err);
}

static void xb_schedule_retry(struct pvf_xenbus_dev *dev)
{
	dev->retry_pending = 1;
	dev->retry_at = xb_now(dev) + dev->cfg.retry_ns;
}

/* Record a frontend state that is now in xenstore. */
static void xb_commit_state(struct pvf_xenbus_dev *dev, unsigned int to)
{
	pvf_info(&dev->p, "xenbus %s: frontend %s -> %s (backend %s)", dev->node,
		 pvf_xenbus_state_name(dev->fe_state), pvf_xenbus_state_name(to),
		 dev->gone ? "gone" : pvf_xenbus_state_name(dev->be_state));
	dev->fe_state = (uint8_t)to;
	if (dev->transitions < UINT32_MAX)
		dev->transitions++;
	xb_wait_restart(dev);
}

/* Write @to to <node>/state, inside @txn or not (0).  Without a
 * transaction the new state is committed at once; with one the caller
 * commits after the transaction ends.  Returns 0 or a negative error. */
static int xb_write_state(struct pvf_xenbus_dev *dev, uint32_t txn, unsigned int to)
{
	int r;

	if (!pvf_xenbus_transition_legal(dev->fe_state, to)) {
		pvf_err(&dev->p, "xenbus %s: illegal frontend transition %s -> %s refused",
			dev->node, pvf_xenbus_state_name(dev->fe_state),
			pvf_xenbus_state_name(to));
		return -PVF_EINVAL;
	}
	r = pvf_xs_write_u32(&dev->p, txn, dev->node, "state", to);
	if (r < 0)
		return r;
	if (!txn)
		xb_commit_state(dev, to);
	return 0;
}

/* Write a state outside a transaction; on failure report and retry later.
 * Returns 0 or the error. */
static int xb_set_state(struct pvf_xenbus_dev *dev, unsigned int to)
{
	int r = xb_write_state(dev, 0, to);

	if (r < 0) {
		pvf_warn(&dev->p, "xenbus %s: cannot write state %s: %s", dev->node,
			 pvf_xenbus_state_name(to), pvf_strerror(r));
		xb_report(dev, PVF_XENBUS_EV_ERROR, r);
		xb_schedule_retry(dev);
	}
	return r;
}

static void xb_disconnect(struct pvf_xenbus_dev *dev)
{
	if (dev->connected) {
		dev->connected = 0;
		dev->ops->disconnect(dev->drv);
	}
}

/* Ask the driver to free what it holds.  Returns 0 or its error. */
static int xb_release(struct pvf_xenbus_dev *dev)
{
	int r;

	if (!dev->held)
		return 0;
	r = dev->ops->release(dev->drv);
	if (r == 0) {
		dev->held = 0;
		dev->release_err = 0;
		return 0;
	}
	if (dev->release_err != r) {
		pvf_warn(&dev->p, "xenbus %s: release failed: %s (will retry)", dev->node,
			 pvf_strerror(r));
		xb_report(dev, r == -PVF_EBUSY ? PVF_XENBUS_EV_BUSY : PVF_XENBUS_EV_ERROR, r);
	}
	dev->release_err = r;
	xb_schedule_retry(dev);
	return r;
}

/* ---- connection ------------------------------------------------------- */

/* The state setup writes: Initialised, or Connected for a driver that
 * connects early (netif: xen-netback waits for the frontend's Connected). */
static unsigned int xb_setup_state(const struct pvf_xenbus_dev *dev)
{
	return (dev->cfg.flags & PVF_XENBUS_CONNECT_EARLY) ? PVF_XENBUS_CONNECTED
							   : PVF_XENBUS_INITIALISED;
}

static int xb_setup_body(void *arg, uint32_t txn)
{
	struct pvf_xenbus_dev *dev = arg;
	int r;

	/* a previous try of this transaction may have allocated */
	r = xb_release(dev);
	if (r < 0)
		return r;
	dev->held = 1;
	r = dev->ops->setup(dev->drv, txn);
	if (r < 0)
		return r;
	return xb_write_state(dev, txn, xb_setup_state(dev));
}

/* Set the device up and write Initialised in one transaction.
 * Returns 0 or the error (reported, retry scheduled). */
static int xb_setup(struct pvf_xenbus_dev *dev)
{
	int r;

	if (dev->held && xb_release(dev) < 0)
		return -PVF_EBUSY; /* previous resources still mapped: retry */
	r = pvf_xs_transact(&dev->p, xb_setup_body, dev, dev->cfg.txn_tries);
	if (r < 0) {
		pvf_warn(&dev->p, "xenbus %s: setup failed: %s", dev->node, pvf_strerror(r));
		xb_report(dev, PVF_XENBUS_EV_ERROR, r);
		xb_release(dev);
		xb_schedule_retry(dev);
		return r;
	}
	xb_commit_state(dev, xb_setup_state(dev));
	return 0;
}

static void xb_begin_close(struct pvf_xenbus_dev *dev, int mode);

static void xb_connect(struct pvf_xenbus_dev *dev)
{
	int r;

	if (!dev->connected) {
		r = dev->ops->connect(dev->drv);
		if (r < 0) {
			pvf_err(&dev->p, "xenbus %s: connect failed: %s; closing",
				dev->node, pvf_strerror(r));
			xb_report(dev, PVF_XENBUS_EV_ERROR, r);
			xb_begin_close(dev, XB_CLOSE_CLOSE);
			return;
		}
		dev->connected = 1;
	}
	if (dev->fe_state != PVF_XENBUS_CONNECTED) /* early connect wrote it */
		xb_set_state(dev, PVF_XENBUS_CONNECTED);
}

/* The backend state node fired while both ends are connected.  Once per
 * re-read; connect() does not run again and nothing is written.  Not a
 * problem report: last_err is left alone. */
static void xb_backend_changed(struct pvf_xenbus_dev *dev)
{
	pvf_debug(&dev->p, "xenbus %s: backend Connected again", dev->node);
	dev->ops->changed(dev->drv, PVF_XENBUS_EV_BACKEND_CHANGED, 0);
}

/* ---- closing ---------------------------------------------------------- */

/* The backend is Closing (or Closed): stop I/O, write Closed.  Releasing
 * is tried here too, but a backend such as Linux blkback unmaps only once
 * it sees the frontend Closed, so -PVF_EBUSY now is expected and retried
 * in xb_finish_close. */
static void xb_backend_closing(struct pvf_xenbus_dev *dev)
{
	xb_disconnect(dev);
	if (dev->fe_state != PVF_XENBUS_CLOSED) {
		if (dev->held && dev->ops->release(dev->drv) == 0) {
			dev->held = 0;
			dev->release_err = 0;
		}
		xb_set_state(dev, PVF_XENBUS_CLOSED);
	}
}

/* The backend is Closed or absent: finish our side. */
static void xb_finish_close(struct pvf_xenbus_dev *dev)
{
	xb_disconnect(dev);
	if (dev->fe_state != PVF_XENBUS_CLOSED && xb_set_state(dev, PVF_XENBUS_CLOSED) < 0)
		return;
	if (xb_release(dev) < 0)
		return;
	if (dev->close_mode == XB_CLOSE_NONE || dev->done)
		return; /* backend-initiated: stay Closed until it comes back */
	if (dev->close_mode == XB_CLOSE_HANDOVER) {
		if (xb_set_state(dev, PVF_XENBUS_INITIALISING) < 0)
			return;
		dev->inert = 1;
	}
	dev->done = 1;
	dev->retry_pending = 0;
	pvf_info(&dev->p, "xenbus %s: closed%s", dev->node,
		 dev->close_mode == XB_CLOSE_HANDOVER ? " for handover" : "");
	xb_report(dev, PVF_XENBUS_EV_CLOSED, 0);
}

/* Backend node vanished: write Closed only if our own node still exists
 * (the toolstack may have removed both; never recreate it). */
static int xb_gone_body(void *arg, uint32_t txn)
{
	struct pvf_xenbus_dev *dev = arg;
	char v[PVF_XS_NUM_MAX + 1];
	int r = pvf_xs_read_str(&dev->p, txn, dev->node, "state", v, sizeof(v));

	if (r == -PVF_ENOENT)
		return -PVF_ENOENT;
	return xb_write_state(dev, txn, PVF_XENBUS_CLOSED);
}

static void xb_backend_gone(struct pvf_xenbus_dev *dev)
{
	int r;

	if (!dev->gone) {
		dev->gone = 1;
		pvf_warn(&dev->p, "xenbus %s: backend %s is gone", dev->node, dev->backend);
		xb_report(dev, PVF_XENBUS_EV_GONE, -PVF_ENODEV);
		xb_wait_restart(dev);
	}
	xb_disconnect(dev);
	if (dev->fe_state != PVF_XENBUS_CLOSED) {
		r = pvf_xs_transact(&dev->p, xb_gone_body, dev, dev->cfg.txn_tries);
		if (r == -PVF_ENOENT) {
			pvf_info(&dev->p, "xenbus %s: frontend node removed too", dev->node);
			xb_commit_state(dev, PVF_XENBUS_CLOSED);
		} else if (r < 0) {
			xb_report(dev, PVF_XENBUS_EV_ERROR, r);
			xb_schedule_retry(dev);
			return;
		} else {
			xb_commit_state(dev, PVF_XENBUS_CLOSED);
		}
	}
	xb_finish_close(dev);
}

static void xb_begin_close(struct pvf_xenbus_dev *dev, int mode)
{
	dev->close_mode = (uint8_t)mode;
	dev->done = 0;
	xb_disconnect(dev);
	if (dev->fe_state != PVF_XENBUS_CLOSING && dev->fe_state != PVF_XENBUS_CLOSED)
		xb_set_state(dev, PVF_XENBUS_CLOSING);
}

/* ---- the machine ------------------------------------------------------- */

static void xb_step(struct pvf_xenbus_dev *dev)
{
	unsigned int fe = dev->fe_state;

	if (dev->gone) {
		xb_backend_gone(dev);
		return;
	}
	if (dev->close_mode != XB_CLOSE_NONE) {
		if (fe != PVF_XENBUS_CLOSING && fe != PVF_XENBUS_CLOSED &&
		    xb_set_state(dev, PVF_XENBUS_CLOSING) < 0)
			return;
		switch (dev->be_state) {
		case PVF_XENBUS_CLOSING:
			xb_backend_closing(dev);
			break;
		case PVF_XENBUS_UNKNOWN:
		case PVF_XENBUS_INITIALISING:
		case PVF_XENBUS_CLOSED:
			xb_finish_close(dev);
			break;
		default:
			/* backend still up: wait for it, unless our side is
			 * already Closed (nothing left to hand back) */
			if (fe == PVF_XENBUS_CLOSED)
				xb_finish_close(dev);
			break;
		}
		return;
	}
	switch (dev->be_state) {
	case PVF_XENBUS_UNKNOWN:
	case PVF_XENBUS_INITIALISING:
		if (fe == PVF_XENBUS_INITIALISED || fe == PVF_XENBUS_CONNECTED) {
			/* the backend restarted without closing: treat it as
			 * Closed so we reconnect when it reaches InitWait */
			pvf_warn(&dev->p, "xenbus %s: backend reset to %s", dev->node,
				 pvf_xenbus_state_name(dev->be_state));
			xb_backend_closing(dev);
		}
		if (dev->fe_state == PVF_XENBUS_CLOSED)
			xb_finish_close(dev);
		break;
	case PVF_XENBUS_INITWAIT:
	case PVF_XENBUS_INITIALISED:
		if (fe == PVF_XENBUS_INITIALISING || fe == PVF_XENBUS_CLOSED)
			xb_setup(dev);
		/* Initialised/Connected: already set up, a repeat is a no-op */
		break;
	case PVF_XENBUS_CONNECTED:
		if (fe == PVF_XENBUS_CONNECTED && dev->connected) {
			/* both ends up, connect() done: Connected rewritten
			 * (a resize) or a spurious event; the driver decides */
			xb_backend_changed(dev);
			break;
		}
		if (fe == PVF_XENBUS_INITIALISING || fe == PVF_XENBUS_CLOSED) {
			if (xb_setup(dev) < 0)
				break;
			fe = dev->fe_state;
		}
		if (fe == PVF_XENBUS_INITIALISED ||
		    (fe == PVF_XENBUS_CONNECTED && !dev->connected))
			xb_connect(dev);
		break;
	case PVF_XENBUS_CLOSING:
		xb_backend_closing(dev);
		break;
	case PVF_XENBUS_CLOSED:
		xb_backend_closing(dev);
		xb_finish_close(dev);
		break;
	default:
		/* Reconfiguring/Reconfigured: not supported, ignored */
		pvf_debug(&dev->p, "xenbus %s: backend %s ignored", dev->node,
			  pvf_xenbus_state_name(dev->be_state));
		break;
	}
}

/* Read the backend state and step.  Events are hints: always re-read. */
static void xb_refresh(struct pvf_xenbus_dev *dev)
{
	char path[PVF_XENBUS_BACKEND_MAX + 8];
	uint32_t st;
	int r;

	if (dev->inert)
		return;
	pvf_xs_path(path, sizeof(path), dev->backend, "state");
	r = pvf_xs_read_u32(&dev->p, 0, NULL, path, &st);
	if (r == -PVF_ENOENT) {
		xb_backend_gone(dev);
		return;
	}
	if (r == 0 && st > PVF_XENBUS_RECONFIGURED)
		r = -PVF_ERANGE;
	if (r == -PVF_EINVAL || r == -PVF_ERANGE) {
		pvf_warn(&dev->p, "xenbus %s: unparsable backend state (%s), ignored",
			 dev->node, pvf_strerror(r));
		xb_report(dev, PVF_XENBUS_EV_PROTOCOL, -PVF_EPROTO);
		return;
	}
	if (r < 0) {
		pvf_warn(&dev->p, "xenbus %s: cannot read backend state: %s", dev->node,
			 pvf_strerror(r));
		xb_report(dev, PVF_XENBUS_EV_ERROR, r);
		xb_schedule_retry(dev);
		return;
	}
	if (dev->gone) {
		pvf_info(&dev->p, "xenbus %s: backend is back", dev->node);
		dev->gone = 0;
	}
	if (st != dev->be_state) {
		pvf_info(&dev->p, "xenbus %s: backend %s -> %s", dev->node,
			 pvf_xenbus_state_name(dev->be_state), pvf_xenbus_state_name(st));
		dev->be_state = (uint8_t)st;
		xb_wait_restart(dev);
	}
	xb_step(dev);
}

/* Whether the machine waits for the backend (timeouts apply). */
static int xb_waiting(const struct pvf_xenbus_dev *dev)
{
	if (dev->inert || dev->done)
		return 0;
	if (dev->close_mode != XB_CLOSE_NONE)
		return 1;
	if (dev->gone)
		return 0;
	if (dev->fe_state == PVF_XENBUS_CONNECTED && dev->be_state == PVF_XENBUS_CONNECTED)
		return 0;
	if (dev->fe_state == PVF_XENBUS_CLOSED && !dev->held)
		return 0; /* closed by the backend: waits for it to return */
	return 1;
}

/* ---- public entries --------------------------------------------------- */

PVF_API int pvf_xenbus_create(struct pvf_xenbus_dev *dev, const struct pvf_platform *p,
			      const char *node, const struct pvf_xenbus_ops *ops, void *drv,
			      const struct pvf_xenbus_config *cfg)
{
	char path[PVF_XENBUS_BACKEND_MAX + 8];
	size_t len;
	int r;

	if (!dev || !node || !ops || !ops->setup || !ops->connect || !ops->disconnect ||
	    !ops->release || !ops->changed)
		return -PVF_EINVAL;
	if (pvf_platform_validate(p, NULL) < 0)
		return -PVF_EINVAL;
	memset(dev, 0, sizeof(*dev));
	dev->p = *p;
	dev->ops = ops;
	dev->drv = drv;
	if (cfg)
		dev->cfg = *cfg;
	if (!dev->cfg.timeout_ns)
		dev->cfg.timeout_ns = XB_DEFAULT_TIMEOUT_NS;
	if (!dev->cfg.retry_ns)
		dev->cfg.retry_ns = XB_DEFAULT_RETRY_NS;
	if (!dev->cfg.txn_tries)
		dev->cfg.txn_tries = XB_DEFAULT_TXN_TRIES;
	dev->inert = 1; /* until fully created */

	len = pvf_strnlen(node, PVF_XENBUS_NODE_MAX);
	if (!len)
		return -PVF_EINVAL;
	if (len >= PVF_XENBUS_NODE_MAX)
		return -PVF_E2BIG;
	memcpy(dev->node, node, len + 1);

	r = pvf_xs_read_str(p, 0, node, "backend", dev->backend, sizeof(dev->backend));
	if (r < 0) {
		pvf_warn(p, "xenbus %s: cannot read backend: %s", node, pvf_strerror(r));
		return r;
	}
	if (dev->backend[0] != '/' || r < 2) {
		pvf_warn(p, "xenbus %s: backend path is not absolute", node);
		return -PVF_EINVAL;
	}
	r = pvf_xs_read_u16(p, 0, node, "backend-id", &dev->backend_id);
	if (r < 0) {
		pvf_warn(p, "xenbus %s: bad backend-id: %s", node, pvf_strerror(r));
		return r;
	}
	/* token "pvfxb:<node>": unique per frontend (fits by construction) */
	memcpy(dev->token, "pvfxb:", 6);
	memcpy(dev->token + 6, node, len + 1);
	r = pvf_xs_path(path, sizeof(path), dev->backend, "state");
	if (r < 0)
		return r;
	r = p->ops->xs_watch(p->ctx, path, dev->token);
	if (r < 0) {
		pvf_warn(p, "xenbus %s: cannot watch %s: %s", node, path, pvf_strerror(r));
		return r;
	}
	dev->watching = 1;
	dev->inert = 0;
	r = xb_write_state(dev, 0, PVF_XENBUS_INITIALISING);
	if (r < 0) {
		p->ops->xs_unwatch(p->ctx, path, dev->token);
		dev->watching = 0;
		dev->inert = 1;
		return r;
	}
	pvf_info(p, "xenbus %s: backend %s (domain %u)", node, dev->backend,
		 (unsigned)dev->backend_id);
	return 0;
}

/* Does @path name the watched node, a node below it, or a parent of it
 * (xenstored reports a recursive removal with the removed path)? */
static int xb_path_matches(const struct pvf_xenbus_dev *dev, const char *path)
{
	char w[PVF_XENBUS_BACKEND_MAX + 8];
	size_t lw, lp;

	if (pvf_xs_path(w, sizeof(w), dev->backend, "state") < 0)
		return 0;
	lw = pvf_strnlen(w, sizeof(w));
	lp = pvf_strnlen(path, PVF_XS_PATH_MAX);
	if (lp >= PVF_XS_PATH_MAX || lp == 0)
		return 0;
	if (lp >= lw)
		return memcmp(path, w, lw) == 0 && (path[lw] == '\0' || path[lw] == '/');
	return memcmp(path, w, lp) == 0 && w[lp] == '/';
}

PVF_API int pvf_xenbus_on_watch(struct pvf_xenbus_dev *dev, const char *path,
				const char *token)
{
	if (!dev || !path || !token)
		return -PVF_EINVAL;
	if (!dev->watching || pvf_strncmp(token, dev->token, sizeof(dev->token)) != 0)
		return 0;
	if (!xb_path_matches(dev, path))
		return 0;
	xb_refresh(dev);
	return 1;
}

PVF_API int pvf_xenbus_refresh(struct pvf_xenbus_dev *dev)
{
	if (!dev || !dev->ops)
		return -PVF_EINVAL;
	xb_refresh(dev);
	return 0;
}

PVF_API int pvf_xenbus_poll(struct pvf_xenbus_dev *dev)
{
	uint64_t now;

	if (!dev || !dev->ops)
		return -PVF_EINVAL;
	if (dev->inert)
		return 0;
	now = xb_now(dev);
	if (dev->retry_pending && now >= dev->retry_at) {
		dev->retry_pending = 0;
		xb_refresh(dev);
	}
	if (xb_waiting(dev) && !dev->timeout_reported &&
	    now - dev->wait_since >= dev->cfg.timeout_ns) {
		dev->timeout_reported = 1;
		pvf_warn(&dev->p, "xenbus %s: timed out: frontend %s, backend %s", dev->node,
			 pvf_xenbus_state_name(dev->fe_state),
			 dev->gone ? "gone" : pvf_xenbus_state_name(dev->be_state));
		xb_report(dev, PVF_XENBUS_EV_TIMEOUT, -PVF_ETIMEDOUT);
	}
	return 0;
}

PVF_API int pvf_xenbus_close(struct pvf_xenbus_dev *dev)
{
	if (!dev || !dev->ops)
		return -PVF_EINVAL;
	if (dev->close_mode != XB_CLOSE_NONE)
		return dev->done && dev->close_mode == XB_CLOSE_CLOSE ? 0 : -PVF_EALREADY;
	if (dev->inert)
		return -PVF_EINVAL;
	xb_begin_close(dev, XB_CLOSE_CLOSE);
	xb_refresh(dev);
	return 0;
}

PVF_API int pvf_xenbus_handover_begin(struct pvf_xenbus_dev *dev)
{
	if (!dev || !dev->ops)
		return -PVF_EINVAL;
	if (dev->close_mode != XB_CLOSE_NONE)
		return -PVF_EALREADY;
	if (dev->inert)
		return -PVF_EINVAL;
	if (dev->fe_state == PVF_XENBUS_INITIALISING && !dev->held && !dev->connected) {
		/* never set up: already what a fresh frontend expects */
		dev->close_mode = XB_CLOSE_HANDOVER;
		dev->done = 1;
		dev->inert = 1;
		pvf_info(&dev->p, "xenbus %s: nothing to hand over", dev->node);
		return 0;
	}
	xb_begin_close(dev, XB_CLOSE_HANDOVER);
	xb_refresh(dev);
	return 0;
}

PVF_API int pvf_xenbus_is_closed(const struct pvf_xenbus_dev *dev)
{
	return dev && dev->done;
}

PVF_API int pvf_xenbus_destroy(struct pvf_xenbus_dev *dev)
{
	char path[PVF_XENBUS_BACKEND_MAX + 8];
	int r = 0;

	if (!dev || !dev->ops)
		return -PVF_EINVAL;
	if (dev->watching) {
		pvf_xs_path(path, sizeof(path), dev->backend, "state");
		dev->p.ops->xs_unwatch(dev->p.ctx, path, dev->token);
		dev->watching = 0;
	}
	xb_disconnect(dev);
	if (dev->held) {
		r = dev->ops->release(dev->drv);
		if (r == 0)
			dev->held = 0;
		dev->release_err = r;
	}
	dev->inert = 1;
	dev->retry_pending = 0;
	return r == -PVF_EBUSY ? r : (r < 0 ? r : 0);
}

/* ---- accessors -------------------------------------------------------- */

PVF_API const char *pvf_xenbus_node(const struct pvf_xenbus_dev *dev)
{
	return dev->node;
}

PVF_API const char *pvf_xenbus_backend(const struct pvf_xenbus_dev *dev)
{
	return dev->backend;
}

PVF_API pvf_domid_t pvf_xenbus_backend_id(const struct pvf_xenbus_dev *dev)
{
	return dev->backend_id;
}

PVF_API const struct pvf_platform *pvf_xenbus_platform(const struct pvf_xenbus_dev *dev)
{
	return &dev->p;
}

PVF_API enum pvf_xenbus_state pvf_xenbus_frontend_state(const struct pvf_xenbus_dev *dev)
{
	return (enum pvf_xenbus_state)dev->fe_state;
}

PVF_API enum pvf_xenbus_state pvf_xenbus_backend_state(const struct pvf_xenbus_dev *dev)
{
	return (enum pvf_xenbus_state)dev->be_state;
}

PVF_API int pvf_xenbus_release_status(const struct pvf_xenbus_dev *dev)
{
	return dev->release_err;
}
