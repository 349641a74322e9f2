/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * XenBus frontend state machine (freestanding), shared by blk and net.
 *
 * The machine owns the frontend's `state` node and the watch on the
 * backend's `state`; the driver owns its rings, grants and event channels
 * and is called through struct pvf_xenbus_ops at the right moments.  The
 * embedder pumps it: pvf_xenbus_on_watch() for watch events (hints only:
 * the backend state is always re-read), pvf_xenbus_poll() for timeouts and
 * retries.  Nothing blocks, sleeps or allocates; time comes from
 * ops->clock_ns.  Not thread-safe: serialise all calls on one device.
 *
 * Frontend states written by the machine and the legal transitions
 * (checked on every write; anything else is a bug and is refused):
 *
 *   from            to               when
 *   Unknown       > Initialising     pvf_xenbus_create
 *   Initialising  > Initialised      setup() committed (backend InitWait,
 *                                    or Initialised/Connected: skipped)
 *   Closed        > Initialised      backend came back (InitWait...) after
 *                                    a backend-initiated close
 *   Initialised   > Connected        backend Connected, connect() done
 *   Initialising  > Connected        setup() committed, with
 *   Closed        > Connected        PVF_XENBUS_CONNECT_EARLY (netif)
 *   Initialising  > Closing          pvf_xenbus_close / handover
 *   Initialised   > Closing          "
 *   Connected     > Closing          "
 *   Initialising  > Closed           backend Closing/Closed/gone
 *   Initialised   > Closed           "
 *   Connected     > Closed           "
 *   Closing       > Closed           backend Closing/Closed/gone
 *   Closed        > Initialising     handover done: a fresh frontend can
 *                                    connect (see <pvfront/handover.h>)
 *
 * Backend states are read from <backend>/state.  A missing node means the
 * backend is gone; a value that is not a decimal XenbusState (0..8) is a
 * protocol error: reported through changed(), otherwise ignored.
 * Reconfiguring/Reconfigured are not supported and are ignored.
 *
 * Backend changes while connected (PVF_XENBUS_EV_BACKEND_CHANGED): a
 * backend that changes something of a connected device (Linux blkback and
 * QEMU on an online resize: `sectors` rewritten, then state Connected
 * written again) wakes the state watch without a state change.  When a
 * re-read finds the backend Connected while the frontend is Connected and
 * connect() has already run, the machine calls changed() with
 * PVF_XENBUS_EV_BACKEND_CHANGED (err 0): once per re-read (watch event,
 * pvf_xenbus_refresh, or a retry from pvf_xenbus_poll), never connect()
 * again, no xenstore write.  It is a hint: xenstore may deliver extra
 * events, so the driver re-reads the keys it cares about once and decides
 * whether anything changed.  Not delivered: on the first Connected (that
 * runs connect()), before connect() ran (frontend Initialised, or Connected
 * early with PVF_XENBUS_CONNECT_EARLY while the backend is not Connected),
 * during a close or handover, while the backend is gone, or for an
 * unparsable state (PVF_XENBUS_EV_PROTOCOL instead).  Only <backend>/state
 * is watched: a backend must rewrite it to signal other changes.  This is
 * an event of changed() rather than a new callback so that existing driver
 * tables keep every entry set without change; drivers ignore events they
 * do not handle.
 *
 * Ownership: struct pvf_xenbus_dev is caller-allocated, visible for sizing
 * only (fields are private; use the accessors).  The platform passed to
 * create must outlive the device.  Paths are copied into the device.
 */
#ifndef PVFRONT_XENBUS_H
#define PVFRONT_XENBUS_H

#include <stdint.h>
#include <pvfront/platform.h>

/* Same values as enum xenbus_state in <xen/io/xenbus.h> (checked in
 * common/xenbus.c). */
enum pvf_xenbus_state {
	PVF_XENBUS_UNKNOWN = 0,
	PVF_XENBUS_INITIALISING = 1,
	PVF_XENBUS_INITWAIT = 2,
	PVF_XENBUS_INITIALISED = 3,
	PVF_XENBUS_CONNECTED = 4,
	PVF_XENBUS_CLOSING = 5,
	PVF_XENBUS_CLOSED = 6,
	PVF_XENBUS_RECONFIGURING = 7,
	PVF_XENBUS_RECONFIGURED = 8,
};

/* What changed() reports. */
enum pvf_xenbus_event {
	PVF_XENBUS_EV_TIMEOUT = 1,   /* err -PVF_ETIMEDOUT: backend slow */
	PVF_XENBUS_EV_GONE = 2,      /* err -PVF_ENODEV: backend node vanished */
	PVF_XENBUS_EV_PROTOCOL = 3,  /* err -PVF_EPROTO: bad backend state */
	PVF_XENBUS_EV_ERROR = 4,     /* err: setup/connect/xenstore failure */
	PVF_XENBUS_EV_BUSY = 5,      /* err -PVF_EBUSY: release() must retry */
	PVF_XENBUS_EV_CLOSED = 6,    /* err 0: both ends Closed, released */
	/* err 0: the backend state re-read as Connected while both ends are
	 * connected (rewritten, e.g. an online resize, or a spurious watch);
	 * see "Backend changes while connected" above.  Not an error. */
	PVF_XENBUS_EV_BACKEND_CHANGED = 7,
};

/*
 * Driver callbacks.  Every entry must be set.  @drv is the context given to
 * pvf_xenbus_create.  None of them may call pvf_xenbus_* on the same device
 * except the accessors.
 */
struct pvf_xenbus_ops {
	/* Allocate rings, grants and event channels and write their keys
	 * under pvf_xenbus_node() inside transaction @txn.  Called once per
	 * connection attempt; after a failed attempt (its own error, or the
	 * transaction's) the machine calls release() before trying again, so
	 * setup never needs to undo its own partial work.  Return 0 or a
	 * negative error (-PVF_EAGAIN: transaction conflict, retried now). */
	int (*setup)(void *drv, uint32_t txn);
	/* The backend is Connected: read its features, start I/O.  Return 0
	 * or a negative error (reported; the device is then closed). */
	int (*connect)(void *drv);
	/* The backend is going away: stop I/O, keep in-flight requests for
	 * replay after the next connect.  Cannot fail. */
	void (*disconnect)(void *drv);
	/* Free rings, grants and ports.  Must be idempotent and safe when
	 * nothing is allocated.  Return 0, or -PVF_EBUSY while a grant is
	 * still mapped (keep those resources; the machine retries later). */
	int (*release)(void *drv);
	/* Notification (see enum pvf_xenbus_event).  May be called from any
	 * pump entry.  Must ignore events it does not handle (new ones may
	 * be added).  PVF_XENBUS_EV_BACKEND_CHANGED is where a driver
	 * re-reads backend keys that may change while connected (blk:
	 * `sectors`); it may read xenstore but not call pvf_xenbus_*. */
	void (*changed)(void *drv, enum pvf_xenbus_event ev, int err);
};

/* Tunables; zero fields take the defaults shown. */
struct pvf_xenbus_config {
	uint64_t timeout_ns;       /* backend too slow (default 10 s) */
	uint64_t retry_ns;         /* retry failed setup/release (100 ms) */
	unsigned int txn_tries;    /* transaction tries per attempt (8) */
	unsigned int flags;        /* PVF_XENBUS_* below (0) */
};

/* Write Connected (not Initialised) in the setup transaction, as Linux
 * netfront does: xen-netback connects only once it sees the frontend
 * Connected.  connect() still runs when the backend reaches Connected. */
#define PVF_XENBUS_CONNECT_EARLY 0x1u

#define PVF_XENBUS_NODE_MAX    128u /* frontend node path incl. NUL */
#define PVF_XENBUS_BACKEND_MAX 256u /* backend path incl. NUL */
#define PVF_XENBUS_TOKEN_MAX   (PVF_XENBUS_NODE_MAX + 8u)

/* Visible for sizing only: the fields are private. */
struct pvf_xenbus_dev {
	struct pvf_platform p;
	const struct pvf_xenbus_ops *ops;
	void *drv;
	struct pvf_xenbus_config cfg;
	char node[PVF_XENBUS_NODE_MAX];
	char backend[PVF_XENBUS_BACKEND_MAX];
	char token[PVF_XENBUS_TOKEN_MAX];
	pvf_domid_t backend_id;
	uint8_t fe_state;       /* last state written */
	uint8_t be_state;       /* last valid backend state read */
	uint8_t close_mode;     /* 0 none, 1 close, 2 handover */
	uint8_t watching;       /* the backend state watch is registered */
	uint8_t held;           /* the driver may hold resources */
	uint8_t connected;      /* connect() ran, disconnect() not yet */
	uint8_t gone;           /* the backend state node vanished */
	uint8_t timeout_reported;
	uint8_t retry_pending;
	uint8_t done;           /* close/handover finished */
	uint8_t inert;          /* handed over or destroyed: ignore events */
	int last_err;           /* last error reported through changed()
				 * (EV_BACKEND_CHANGED leaves it alone) */
	int release_err;        /* 0 or the last release() error */
	uint64_t wait_since;    /* when the current wait began */
	uint64_t retry_at;      /* earliest retry time */
	uint32_t transitions;   /* frontend state writes (statistics) */
};

/*
 * pvf_xenbus_create - start a frontend.
 *
 * Reads @node/backend (bounded, must be an absolute path) and
 * @node/backend-id (strict u16), registers a watch on <backend>/state with
 * a token derived from @node, and writes @node/state = Initialising.
 * @p, @ops and @drv must outlive the device; @cfg may be NULL (defaults).
 * Returns 0; -PVF_EINVAL (NULL, bad platform or ops, empty node,
 * backend not absolute); -PVF_E2BIG (node or backend path too long);
 * -PVF_ENOENT (no backend/backend-id); -PVF_ERANGE (backend-id); errors of
 * the watch or the state write.  On error nothing is left registered.
 */
int pvf_xenbus_create(struct pvf_xenbus_dev *dev, const struct pvf_platform *p,
		      const char *node, const struct pvf_xenbus_ops *ops, void *drv,
		      const struct pvf_xenbus_config *cfg);

/*
 * pvf_xenbus_on_watch - a watch event arrived.  Events whose token is not
 * this device's, or whose path is not <backend>/state (or below it), are
 * ignored.  Otherwise the backend state is re-read and acted upon (while
 * both ends are connected: PVF_XENBUS_EV_BACKEND_CHANGED, once).
 * Returns 1 if the event was for this device, 0 if ignored; -PVF_EINVAL.
 */
int pvf_xenbus_on_watch(struct pvf_xenbus_dev *dev, const char *path, const char *token);

/*
 * pvf_xenbus_refresh - re-read the backend state and act, as for a watch
 * event (for embedders without watch delivery, e.g. crash-dump polling).
 * Returns 0; -PVF_EINVAL.
 */
int pvf_xenbus_refresh(struct pvf_xenbus_dev *dev);

/*
 * pvf_xenbus_poll - timeouts and retries.  Reports PVF_XENBUS_EV_TIMEOUT
 * once per wait when the backend has not moved within cfg.timeout_ns and
 * keeps waiting; retries a failed setup or a busy release after
 * cfg.retry_ns.  Returns 0; -PVF_EINVAL.
 */
int pvf_xenbus_poll(struct pvf_xenbus_dev *dev);

/*
 * pvf_xenbus_close - frontend-initiated close: write Closing (disconnect if
 * connected), wait for the backend to reach Closing or Closed, write Closed,
 * release, and report PVF_XENBUS_EV_CLOSED once the backend is Closed and
 * release() succeeded.  Pump on_watch/poll until pvf_xenbus_is_closed().
 * The device then stays closed (no reconnect).
 * Returns 0 (in progress or already closed); -PVF_EINVAL; -PVF_EALREADY
 * (a close or handover is already running).
 */
int pvf_xenbus_close(struct pvf_xenbus_dev *dev);

/*
 * pvf_xenbus_handover_begin - as pvf_xenbus_close, but when done write
 * Initialising so the backend returns to InitWait, as for a freshly created
 * device, and go inert (see <pvfront/handover.h>).  A device that never set
 * up (frontend Initialising, nothing allocated) is done at once.
 * Returns 0; -PVF_EINVAL; -PVF_EALREADY.
 */
int pvf_xenbus_handover_begin(struct pvf_xenbus_dev *dev);

/* 1 when a close/handover finished (both ends Closed, released), else 0. */
int pvf_xenbus_is_closed(const struct pvf_xenbus_dev *dev);

/*
 * pvf_xenbus_destroy - unwatch and forget the device.  If resources are
 * still held, disconnect() and release() are called first.  Does not
 * write xenstore state (close first for a clean handshake).
 * Returns 0; -PVF_EBUSY if release() still reports a mapped grant (the
 * driver keeps those resources; the watch is removed anyway); -PVF_EINVAL.
 */
int pvf_xenbus_destroy(struct pvf_xenbus_dev *dev);

/* ---- accessors ------------------------------------------------------- */
const char *pvf_xenbus_node(const struct pvf_xenbus_dev *dev);     /* frontend dir */
const char *pvf_xenbus_backend(const struct pvf_xenbus_dev *dev);  /* backend dir */
pvf_domid_t pvf_xenbus_backend_id(const struct pvf_xenbus_dev *dev);
const struct pvf_platform *pvf_xenbus_platform(const struct pvf_xenbus_dev *dev);
enum pvf_xenbus_state pvf_xenbus_frontend_state(const struct pvf_xenbus_dev *dev);
enum pvf_xenbus_state pvf_xenbus_backend_state(const struct pvf_xenbus_dev *dev);
/* Last release() result (0 or -PVF_EBUSY ...). */
int pvf_xenbus_release_status(const struct pvf_xenbus_dev *dev);
/* Short name of a state ("InitWait"); "?" when out of range. */
const char *pvf_xenbus_state_name(unsigned int state);
/* 1 if the machine may move the frontend from @from to @to (table above). */
int pvf_xenbus_transition_legal(unsigned int from, unsigned int to);

#endif /* PVFRONT_XENBUS_H */
