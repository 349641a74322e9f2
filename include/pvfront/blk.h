/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block frontend core (blkif), freestanding.
 *
 * The core does no I/O of its own: the embedder (or the XenBus layer) pumps
 * it.  Lifecycle verbs, in order:
 *
 *   pvf_blk_init()        once: check the config, carve the scratch memory
 *   pvf_blk_setup()       backend in InitWait: read transport keys, allocate
 *                         and grant the rings, event channels, write the
 *                         frontend keys in one transaction (EAGAIN retried)
 *   pvf_blk_connect()     backend in Connected: read device keys and
 *                         features, allocate the bounce/persistent and
 *                         indirect pools, start issuing requests
 *   pvf_blk_submit()      queue a caller request
 *   pvf_blk_poll() / pvf_blk_on_event()   consume responses, complete
 *   pvf_blk_disconnect()  backend went away: end grants, free rings, keep
 *                         every unfinished request on the replay list
 *   pvf_blk_reconnect()   setup + connect again (new limits); replays
 *   pvf_blk_shutdown()    end of life: fails what is left, frees everything
 *
 * Ownership.  The core never allocates: ring, pool and indirect pages come
 * from the platform's page_alloc during setup/connect only (never from
 * submit or poll), bookkeeping lives in the caller's scratch memory
 * (pvf_blk_scratch_size()).  A struct pvf_blk_req belongs to the caller,
 * is borrowed by the core from a successful pvf_blk_submit() until its
 * done() callback returns, and is completed exactly once, even across
 * disconnect/reconnect.  Grants belong to the core and are ended before done()
 * runs; if the backend still maps a page the grant is held back, the device
 * is broken and done() gets -PVF_EBUSY (see there).
 *
 * Requests the ring cannot take yet wait on an internal list linked through
 * the requests themselves (no storage: it is bounded by the number of
 * requests the caller owns); they are issued as completions free slots.
 *
 * Sector rule: this core follows the 2024 revision of the blkif
 * specification, which is what Linux, QEMU and the Windows drivers do: every
 * sector quantity on the ring and in xenstore (`sectors`, sector_number,
 * first/last_sect, discard ranges) counts 512-byte units, whatever
 * `sector-size` says; requests must be aligned to `sector-size`.  The older
 * header text (sectors in `sector-size` units, feature-large-sector-size) is
 * not followed and feature-large-sector-size is not written.
 *
 * Concurrency: the core has no locks and no threads.  Default rule: the
 * caller serialises every call on one struct pvf_blk (done() callbacks run
 * inside poll/on_event/poll_queue/connect/disconnect/shutdown and may call
 * pvf_blk_submit(), nothing else).  Per-queue rule (multi-queue hosts that
 * pump each queue from its own thread): see pvf_blk_poll_queue().
 *
 * XenBus: pvf_blk_xenbus_ops lets a struct pvf_xenbus_dev (<pvfront/
 * xenbus.h>) drive the device (setup in the machine's transaction,
 * connect, disconnect keeping in-flight requests for replay, release);
 * see the comment at pvf_blk_xenbus_ops.
 *
 * The structs below are visible for sizing only; fields marked private are
 * the core's.
 */
#ifndef PVFRONT_BLK_H
#define PVFRONT_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvfront/platform.h>
#include <pvfront/ring.h>
#include <pvfront/xen.h>
#include <pvfront/xenbus.h>
#include <xen/io/blkif.h>

#define PVF_BLK_MAX_RING_ORDER 4u   /* 16 pages, 512 requests */
#define PVF_BLK_MAX_RING_PAGES (1u << PVF_BLK_MAX_RING_ORDER)
#define PVF_BLK_MAX_QUEUES 8u
#define PVF_BLK_SEGS_PER_INDIRECT_PAGE (PVF_PAGE_SIZE / sizeof(struct blkif_request_segment))
#define PVF_BLK_MAX_INDIRECT_SEGS \
	(BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * PVF_BLK_SEGS_PER_INDIRECT_PAGE)
#define PVF_BLK_HELD_MAX 64u        /* grants parked while still mapped */
#define PVF_BLK_ZOMBIE_MAX 32u      /* page runs kept because of them */
#define PVF_BLK_PATH_MAX 128u       /* frontend/backend directory length */

/* The caller's operations. */
enum pvf_blk_op {
	PVF_BLK_OP_READ = 0,
	PVF_BLK_OP_WRITE = 1,
	PVF_BLK_OP_FLUSH = 2,   /* flush-cache, else a zero-segment barrier */
	PVF_BLK_OP_DISCARD = 3, /* trimmed to whole discard granules: the
				 * partial granules at either end are left
				 * as they are (a discard is a hint); with
				 * no whole granule inside it completes with
				 * 0 at once (stats.discard_dropped).  A
				 * SECURE discard must cover whole granules
				 * exactly, else submit fails -PVF_EINVAL. */
};

/* pvf_blk_req.flags */
#define PVF_BLK_REQ_SECURE 0x1u /* discard: secure erase (only if discard-secure) */

/* One data segment: a run of 512-byte sectors inside one page. */
struct pvf_blk_seg {
	uint64_t frame;     /* guest frame number of the page (direct mode) */
	void *va;           /* the page's address; needed when info.bounce is
			     * set (the core copies through its pool); may be
			     * NULL otherwise */
	uint8_t first_sect; /* first sector in the page, 0..7 */
	uint8_t last_sect;  /* last sector in the page, inclusive, first..7 */
};

struct pvf_blk_req {
	/* ---- set by the caller before submit ---- */
	uint8_t op;                     /* enum pvf_blk_op */
	uint8_t flags;                  /* PVF_BLK_REQ_* */
	uint16_t queue;                 /* preferred queue; taken modulo nr_queues */
	uint64_t sector;                /* first sector, 512-byte units */
	uint64_t nr_sectors;            /* DISCARD only: length in 512-byte units */
	const struct pvf_blk_seg *segs; /* READ/WRITE: the segments, in disk order */
	uint32_t nr_segs;               /* READ/WRITE: >= 1, any number (split) */
	/* Called exactly once with 0 or a negative PVF_E* status (first error
	 * of all the ring requests the request was split into):
	 * -PVF_EIO backend error, -PVF_EOPNOTSUPP feature refused (and now off),
	 * -PVF_EPROTO backend violation, -PVF_EBUSY a page of this request is
	 * still mapped by the backend (do not reuse the pages until
	 * pvf_blk_held_grants() drops to 0), -PVF_EROFS, -PVF_ENOSPC out of
	 * grant references, -PVF_ESHUTDOWN device shut down. */
	void (*done)(struct pvf_blk_req *req, int status);
	void *cookie;                   /* the caller's; untouched */

	/* ---- private: zero them (e.g. memset the struct) before the first
	 * submit; the core leaves them zero-state again when done() runs ---- */
	struct pvf_blk_req *p_next;
	uint64_t p_seq;
	uint64_t p_next_sector;
	uint32_t p_next_seg;
	uint32_t p_parts;
	int p_status;
	uint8_t p_state;
	uint8_t p_mark;
};

/*
 * Configuration (littlefs style).  pvf_blk_config_default() fills the
 * defaults; the caller then sets the paths, domid and scratch memory.
 */
struct pvf_blk_config {
	/* Frontend xenstore directory, e.g. "device/vbd/768".  Required; at
	 * most PVF_BLK_PATH_MAX-1 bytes. */
	const char *frontend_path;
	/* Backend xenstore directory (the frontend's "backend" key).
	 * Required; at most PVF_BLK_PATH_MAX-1 bytes. */
	const char *backend_path;
	/* Backend domain, granted access to every shared page.  Default 0. */
	pvf_domid_t backend_domid;
	/* Virtual device handle put in every request.  Default 0. */
	uint16_t handle;
	/* Largest ring the frontend offers, log2 pages, 0..4.  Default 4.
	 * Cost: 2^order pages per queue, plus shadow memory in scratch. */
	uint8_t max_ring_page_order;
	/* Queues the frontend wants, 1..PVF_BLK_MAX_QUEUES.  Default 1.
	 * Cost: one ring, pool and event channel each. */
	uint8_t nr_queues;
	/* Largest indirect request, in segments; 0 disables indirect
	 * descriptors, else 12..PVF_BLK_MAX_INDIRECT_SEGS.  Default 32.
	 * Cost: ceil(n/512) pages per ring slot at connect, and 8 bytes of
	 * scratch per segment per ring slot. */
	uint16_t max_indirect_segs;
	/* Offer persistent grants (feature-persistent).  Default 1.  When the
	 * backend agrees, data is copied through a pool of pages granted once. */
	uint8_t persistent;
	/* Trust the backend with the caller's pages.  0 = copy every segment
	 * through bounce pages.  Default 1; a frontend `trusted` key of 0
	 * (written by the toolstack) also forces bounce mode. */
	uint8_t trusted;
	/* Polled mode: completions only through pvf_blk_poll(); no event
	 * channel is needed (if the platform has none, no `event-channel` key
	 * is written and the backend must poll).  Default 0. */
	uint8_t polled;
	/* Pages in each queue's bounce/persistent pool, allocated at connect
	 * when the pool is used.  Must be >= the largest ring request
	 * (max(11, max_indirect_segs)).  Default 64.  Cost: that many pages per
	 * queue plus 16 bytes of scratch each. */
	uint16_t pool_pages;
	/* Online resize: called (from connect or pvf_blk_check_resize(),
	 * which pvf_blk_xenbus_ops runs on PVF_XENBUS_EV_BACKEND_CHANGED)
	 * when the backend's `sectors` changed after the first connect;
	 * info.sectors already holds the new size.
	 * May be NULL.  Requests already queued were checked against the old
	 * size (the backend fails those beyond a shrunk end). */
	void (*on_resize)(void *arg, uint64_t old_sectors, uint64_t new_sectors);
	/* Called with every XenBus event (enum pvf_xenbus_event, its error)
	 * the machine reports to pvf_blk_xenbus_ops.changed, including
	 * PVF_XENBUS_EV_BACKEND_CHANGED (err 0; after the resize check).
	 * May be NULL. */
	void (*on_xenbus_event)(void *arg, int ev, int err);
	void *notify_arg;               /* first argument of the two above */
	/* Caller memory for the bookkeeping, pvf_blk_scratch_size() bytes,
	 * 8-byte aligned, owned by the core from init until shutdown. */
	void *scratch;
	size_t scratch_size;
};

/* What the backend advertised, as parsed (pvf_blk_read_backend()). */
#define PVF_BLK_BE_RING_ORDER   0x001u /* max-ring-page-order present */
#define PVF_BLK_BE_RING_PAGES   0x002u /* max-ring-pages present */
#define PVF_BLK_BE_QUEUES       0x004u /* multi-queue-max-queues present */
#define PVF_BLK_BE_INDIRECT     0x008u /* feature-max-indirect-segments */
#define PVF_BLK_BE_SECTORS      0x010u /* sectors present */
#define PVF_BLK_BE_DISCARD_GRAN 0x020u
#define PVF_BLK_BE_DISCARD_ALIGN 0x040u
#define PVF_BLK_BE_MODE         0x080u

/* Which keys pvf_blk_read_backend() reads. */
#define PVF_BLK_READ_TRANSPORT 0x1u /* ring order/pages, queues (InitWait) */
#define PVF_BLK_READ_DEVICE    0x2u /* features and geometry (Connected) */

struct pvf_blk_backend {
	uint32_t present;              /* PVF_BLK_BE_* */
	uint32_t max_ring_page_order;  /* default 0 */
	uint32_t max_ring_pages;       /* default 1 */
	uint32_t max_queues;           /* default 1 */
	uint32_t max_indirect_segs;    /* default 0 (none) */
	bool persistent, flush, barrier, discard, discard_secure;
	uint32_t discard_granularity;  /* bytes; default sector-size */
	uint32_t discard_alignment;    /* bytes; default 0 */
	uint64_t sectors;              /* 512-byte units */
	uint32_t sector_size;          /* default 512 */
	uint32_t physical_sector_size; /* default sector-size */
	uint32_t info;                 /* VDISK_* bits, default 0 */
	char mode;                     /* 'r', 'w', or 0 if absent */
};

/* The negotiated result; valid after setup (transport) and connect. */
struct pvf_blk_info {
	/* transport */
	uint32_t ring_order;           /* log2 pages per ring */
	uint32_t ring_pages;
	uint32_t ring_size;            /* requests per ring */
	uint32_t nr_queues;
	bool bounce;                   /* data copied through the core's pool */
	bool untrusted;                /* config or the `trusted` key said the
					* backend is not trusted: bounce */
	/* device */
	uint64_t sectors;              /* 512-byte units (2024 rule) */
	uint32_t sector_size;
	uint32_t physical_sector_size;
	uint32_t vdisk_info;           /* VDISK_* bits as advertised */
	bool readonly;                 /* VDISK_READONLY or mode "r" */
	bool cdrom, removable;
	uint32_t max_indirect_segs;    /* 0: no indirect descriptors */
	uint32_t max_segs_per_req;     /* largest ring request: 11 or the above */
	bool persistent;               /* both ends agreed */
	bool flush, barrier;           /* may turn off at run time */
	bool discard, discard_secure;  /* may turn off at run time */
	uint32_t discard_granularity;  /* bytes */
	uint32_t discard_alignment;    /* bytes, as advertised */
	/* online resize */
	uint32_t resizes;              /* `sectors` changes seen since init */
	uint64_t prev_sectors;         /* size before the last change */
};

/* Counters, for the harness and tests. */
struct pvf_blk_stats {
	uint64_t submitted;            /* caller requests accepted */
	uint64_t completed;            /* done() calls */
	uint64_t ring_reqs;            /* ring requests pushed */
	uint64_t indirect_reqs;        /* of which indirect */
	uint64_t responses;            /* responses consumed */
	uint64_t events;               /* pvf_blk_on_event() calls */
	uint64_t spurious;             /* events that found no response */
	uint64_t notifies;             /* notifications sent to the backend */
	uint64_t replayed;             /* requests put back by disconnect */
	uint64_t discard_trimmed;      /* discards shrunk to the granularity */
	uint64_t discard_dropped;      /* discards with no whole granule: done
					* at once without reaching the ring */
};

enum pvf_blk_state {
	PVF_BLK_S_INIT = 0,       /* after init; -> SETUP */
	PVF_BLK_S_SETUP = 1,      /* rings granted, keys written; -> CONNECTED */
	PVF_BLK_S_CONNECTED = 2,  /* -> DISCONNECTED, CLOSED */
	PVF_BLK_S_DISCONNECTED = 3, /* -> SETUP, CLOSED */
	PVF_BLK_S_CLOSED = 4,     /* final */
};

struct pvf_blk_shadow;

/* private */
struct pvf_blk_queue {
	blkif_front_ring_t front;
	void *ring_va;
	uint64_t ring_frames[PVF_BLK_MAX_RING_PAGES];
	uint32_t ring_refs[PVF_BLK_MAX_RING_PAGES];
	uint32_t ring_granted;
	uint32_t ring_pages_alloc;     /* pages in ring_va */
	uint32_t port;                 /* 0: none */
	struct pvf_blk_shadow *shadow; /* ring_size_max entries (scratch) */
	uint32_t *seg_refs;            /* ring_size_max * segmax (scratch) */
	uint32_t *seg_pool;            /* ring_size_max * segmax (scratch) */
	uint32_t free_head;            /* shadow free list, ~0u = empty */
	uint32_t draining;             /* slots quiesced, grants not yet ended */
	uint32_t inflight;
	void *pool_va;                 /* pool_pages pages */
	uint64_t *pool_frames;         /* scratch */
	uint32_t *pool_refs;           /* scratch; persistent grants */
	uint32_t *pool_stack;          /* scratch; LIFO of free pages */
	uint32_t pool_free, pool_n;
	bool pool_granted;
	void *ind_va;                  /* ring_size * ind_per_slot pages */
	uint64_t *ind_frames;          /* scratch */
	uint32_t ind_per_slot, ind_n;
	uint32_t *ind_refs;            /* scratch; persistent indirect grants */
	bool ind_granted;              /* ind_refs valid (persistent) */
	bool in_poll, kick_pending;    /* per-queue re-entry guard */
	uint64_t seq;                  /* submission order within the queue */
	struct pvf_blk_stats qstats;   /* this queue's counters */
	struct pvf_blk_req *pend_head, *pend_tail;
	uint32_t pushed;               /* req_prod last published (private copy) */
};

/* Every field is private (visible for sizing); use the functions. */
struct pvf_blk {
	const struct pvf_platform *plat;
	struct pvf_blk_config cfg;        /* private copy */
	char fe_path[PVF_BLK_PATH_MAX];
	char be_path[PVF_BLK_PATH_MAX];
	enum pvf_blk_state state;
	bool broken;                      /* sticky until reconnect */
	bool in_poll;                     /* inside the core: defer kicks */
	bool kick_pending;
	bool ever_connected;
	bool trusted;                     /* config AND frontend `trusted` key */
	uint32_t ring_size_max, segmax, ind_per_slot_max;
	struct pvf_blk_info info;
	struct pvf_blk_backend be;
	struct pvf_blk_stats stats;       /* device-wide paths; queues: qstats */
	uint64_t seq;
	struct pvf_blk_queue q[PVF_BLK_MAX_QUEUES];
	struct pvf_blk_req *replay_head;  /* sorted by p_seq */
	uint32_t held[PVF_BLK_HELD_MAX];
	uint32_t nr_held, lost_held;
	struct { void *va; uint32_t npages; } zombie[PVF_BLK_ZOMBIE_MAX];
	uint32_t nr_zombie;
	struct pvf_broken brk;            /* sticky error; `broken` mirrors it */
	struct pvf_blk_stats sum;         /* returned by pvf_blk_get_stats */
	int xb_event, xb_err;             /* last XenBus event recorded */
};

/*
 * pvf_blk_config_default - fill @cfg with the defaults documented above
 * (paths NULL, scratch NULL).
 */
void pvf_blk_config_default(struct pvf_blk_config *cfg);

/*
 * pvf_blk_scratch_size - bytes of scratch memory @cfg needs.
 * Returns the size (> 0); 0 if @cfg is out of range.
 */
size_t pvf_blk_scratch_size(const struct pvf_blk_config *cfg);

/*
 * pvf_blk_init - prepare @blk (caller-owned, overwritten) for @plat.
 *
 * Copies @cfg and the path strings; @plat and the scratch memory must
 * outlive @blk.  Allocates nothing.
 * Returns 0; -PVF_EINVAL (table with holes, value out of range, path too
 * long, scratch missing, misaligned or too small, pool too small).
 */
int pvf_blk_init(struct pvf_blk *blk, const struct pvf_platform *plat,
		 const struct pvf_blk_config *cfg);

/*
 * pvf_blk_read_backend - parse the backend's keys under @dir.
 *
 * @what: PVF_BLK_READ_TRANSPORT and/or PVF_BLK_READ_DEVICE.  Absent keys
 * take their documented defaults; values are parsed strictly (decimal, no
 * sign, no blanks, no overflow).  @be is overwritten for the parts read.
 * Returns 0; -PVF_EPROTO (garbage, out-of-range value, `sectors` missing
 * when reading the device keys); -PVF_EIO or another xs_read error.
 */
int pvf_blk_read_backend(const struct pvf_platform *p, const char *dir,
			 unsigned int what, struct pvf_blk_backend *be);

/*
 * pvf_blk_negotiate - clamp what @be advertised to @cfg's limits into
 * @info (pure function).
 *
 * @what as for pvf_blk_read_backend(); @trusted is the combined trust
 * (config and frontend `trusted` key).
 * Returns 0; -PVF_EPROTO for inconsistent device properties (sector-size not
 * a power of two >= 512 or > 64 KiB, physical-sector-size not a multiple of
 * it, discard-granularity or discard-alignment not a multiple of 512).
 */
int pvf_blk_negotiate(const struct pvf_blk_config *cfg, const struct pvf_blk_backend *be,
		      unsigned int what, bool trusted, struct pvf_blk_info *info);

/*
 * pvf_blk_setup - connect the transport (backend in InitWait).
 * Allocates and grants the rings, allocates event channels, writes the
 * frontend keys.  On failure everything it did is undone.
 * Returns 0; -PVF_EALREADY (already set up); -PVF_ESHUTDOWN; -PVF_EPROTO
 * (backend keys); -PVF_ENOMEM, -PVF_ENOSPC (pages, grants, ports); xenstore
 * errors.
 */
int pvf_blk_setup(struct pvf_blk *blk);

/*
 * pvf_blk_setup_txn - as pvf_blk_setup(), but the frontend keys are written
 * inside the caller's open transaction @txn (0: none) and not committed:
 * the caller commits.  If the commit fails, call pvf_blk_release() before
 * trying again.  (pvf_blk_xenbus_ops.setup uses it.)
 * Returns as pvf_blk_setup(); -PVF_EBUSY (resources of an earlier
 * connection still mapped: pvf_blk_release() first); -PVF_EAGAIN from a
 * doomed transaction.
 */
int pvf_blk_setup_txn(struct pvf_blk *blk, uint32_t txn);

/*
 * pvf_blk_connect - finish connecting (backend in Connected): read device
 * keys, allocate pools, then issue the replay list and pending requests.
 * Returns 0; -PVF_EINVAL (not set up); -PVF_EPROTO; -PVF_ENOMEM; -PVF_ENOSPC.
 */
int pvf_blk_connect(struct pvf_blk *blk);

/*
 * pvf_blk_submit - hand @req to the core.
 *
 * On 0 the core borrows @req until its done() callback returns.  On an
 * error no callback will come and @req is the caller's again.
 * While disconnected, requests wait for the next connect.
 * Returns 0; -PVF_EINVAL (bad op, segments, alignment to sector-size,
 * beyond the end of the disk, NULL done, secure discard not on whole
 * discard granules); -PVF_EROFS (write or discard to a
 * read-only device, logged); -PVF_EOPNOTSUPP (flush or discard that the
 * backend does not offer or has refused at run time: fails fast, never
 * reaches the ring); -PVF_EPROTO (device broken); -PVF_ENOTCONN (never
 * connected); -PVF_ESHUTDOWN.
 */
int pvf_blk_submit(struct pvf_blk *blk, struct pvf_blk_req *req);

/*
 * pvf_blk_poll - consume responses on every queue and complete requests.
 * Returns the number of responses consumed (>= 0); -PVF_EPROTO when the
 * device is (or just became) broken; -PVF_ENOTCONN if not connected.
 */
int pvf_blk_poll(struct pvf_blk *blk);

/*
 * pvf_blk_on_event - the event channel @port fired: poll its queue.
 * An event that finds no response is counted in stats.spurious.
 * Returns as pvf_blk_poll(); -PVF_EBADF if @port is not one of ours.
 */
int pvf_blk_on_event(struct pvf_blk *blk, uint32_t port);

/*
 * pvf_blk_disconnect - the backend went away (Closing/Closed).
 * Ends every grant (held back if still mapped), puts every unfinished
 * request on the replay list (reset: it will be re-split for the new
 * limits), frees rings and pools, closes ports.
 * Returns 0; -PVF_EBUSY if some grant is still mapped (its pages are kept
 * until pvf_blk_retry_held() frees them); -PVF_EINVAL if not set up.
 */
int pvf_blk_disconnect(struct pvf_blk *blk);

/*
 * pvf_blk_quiesce - stop I/O for a backend that is going away, keeping the
 * transport: every unfinished request goes to the replay list, but grants,
 * ports, rings and pools stay until pvf_blk_release() (a backend such as
 * Linux blkback unmaps only after the frontend wrote Closed).
 * Returns 0; -PVF_EINVAL if not set up or connected; -PVF_EALREADY when
 * called from a done() callback.
 */
int pvf_blk_quiesce(struct pvf_blk *blk);

/*
 * pvf_blk_release - after pvf_blk_quiesce(): close ports, end every grant
 * (rings, pools, indirect pages, requests that were in flight) and free
 * the pages whose grants all ended.  Grants still mapped stay where they
 * are (nothing is freed under them, the device is not broken): call
 * again later.  Idempotent; safe when nothing is allocated; quiesces
 * first if needed.
 * Returns 0 (nothing left); -PVF_EBUSY (some grant still mapped, including
 * grants held back at completion: pvf_blk_held_grants()).
 */
int pvf_blk_release(struct pvf_blk *blk);

/*
 * pvf_blk_reconnect - pvf_blk_setup() then pvf_blk_connect(), for a backend
 * that is back in Connected; clears the broken state.  A device still set
 * up or connected is disconnected first (unfinished requests are kept for
 * replay); grants the old backend still maps stay held, not reused.
 * Returns 0; -PVF_EINVAL (NULL @blk, or connect found it not set up);
 * -PVF_ESHUTDOWN (after pvf_blk_shutdown()); -PVF_EPROTO (backend keys or
 * device properties); -PVF_ENOMEM, -PVF_ENOSPC (pages, grants, ports);
 * xenstore errors (-PVF_EACCES, -PVF_EIO, ...).
 */
int pvf_blk_reconnect(struct pvf_blk *blk);

/*
 * pvf_blk_shutdown - end of life.  Disconnects if needed, completes every
 * remaining request with -PVF_ESHUTDOWN.
 * Returns 0; -PVF_EBUSY if grants are still held (their pages are leaked on
 * purpose rather than reused).
 */
int pvf_blk_shutdown(struct pvf_blk *blk);

/*
 * pvf_blk_retry_held - try again to end the grants held back because the
 * backend still mapped them; frees kept pages once none is left.
 * Returns the number of grants still held.
 */
int pvf_blk_retry_held(struct pvf_blk *blk);

/* Returns the number of grants held back (still mapped by the backend). */
uint32_t pvf_blk_held_grants(const struct pvf_blk *blk);

/* Returns the negotiated parameters (valid after setup/connect). */
const struct pvf_blk_info *pvf_blk_get_info(const struct pvf_blk *blk);

/* Returns the counters. */
const struct pvf_blk_stats *pvf_blk_get_stats(const struct pvf_blk *blk);

/* Returns 1 if the device is in the sticky broken state, else 0. */
int pvf_blk_is_broken(const struct pvf_blk *blk);

/*
 * pvf_blk_poll_queue - consume responses of queue @q only, complete its
 * requests and issue its pending requests.
 *
 * Per-queue locking rule: a host may pump each queue from its own thread
 * if it holds one lock per queue around pvf_blk_poll_queue(blk, q),
 * pvf_blk_on_event() for q's port and pvf_blk_submit() of requests whose
 * `queue` maps to q (queue % info.nr_queues), and holds every queue lock
 * (or one device lock that excludes them all) around everything else:
 * init/setup/connect/quiesce/release/disconnect/reconnect/shutdown,
 * pvf_blk_poll(), pvf_blk_retry_held(), pvf_blk_check_resize() and the
 * XenBus callbacks.  Under that rule the queue paths touch only q's state
 * and q.qstats, except on two rare paths that also need the device lock
 * and are therefore reported instead of taken: a backend protocol
 * violation (the queue path breaks the device and returns -PVF_EPROTO;
 * the host then takes the device lock and reconnects) and a grant still
 * mapped at completion (recorded in the device's held list: hosts that
 * pump queues concurrently must also hold the device lock around
 * pvf_blk_poll_queue, or accept that -PVF_EBUSY path racing).  Feature
 * revocation after EOPNOTSUPP writes one boolean of info (benign).
 * pvf_blk_get_stats() sums the queues' counters: call it under the
 * device lock.  done() callbacks of queue q run under q's lock and may
 * submit only requests of queue q.
 * Returns the number of responses consumed (>= 0); -PVF_EINVAL (@q out
 * of range); -PVF_EPROTO (broken); -PVF_ENOTCONN; -PVF_EALREADY (called
 * from a done() callback of the same queue).
 */
int pvf_blk_poll_queue(struct pvf_blk *blk, uint32_t q);

/*
 * pvf_blk_check_resize - re-read the backend's `sectors` while connected;
 * on a change update info.sectors/resizes/prev_sectors and call
 * cfg.on_resize.  Linux blkback rewrites `state` (Connected) after
 * changing `sectors`; with pvf_blk_xenbus_ops the XenBus machine reports
 * that as PVF_XENBUS_EV_BACKEND_CHANGED and this runs from changed().  A
 * host driving the core without the machine calls it when the backend's
 * state node fires.
 * Returns 1 (size changed), 0 (unchanged); -PVF_ENOTCONN; -PVF_EPROTO
 * (malformed or missing `sectors`: ignored, size kept, warning logged;
 * not sticky: a later valid value is taken); xenstore read errors.
 */
int pvf_blk_check_resize(struct pvf_blk *blk);

/* ---- XenBus glue -------------------------------------------------------- */

/*
 * XenBus driver callbacks; the driver context (`drv` of
 * pvf_xenbus_create) is the struct pvf_blk.  Use:
 *
 *   pvf_xenbus_create(&dev, p, "device/vbd/768", &pvf_blk_xenbus_ops,
 *                     &blk, NULL);
 *   pvf_blk_config_default(&cfg);
 *   pvf_blk_config_xenbus(&cfg, &dev);     // paths and backend domain
 *   cfg.scratch = ...; pvf_blk_init(&blk, p, &cfg);
 *   ...deliver watch events with pvf_xenbus_on_watch(&dev, path, token),
 *   ...and pump pvf_xenbus_poll(&dev)...
 *
 * (pvf_blk_init must run before the first watch event is delivered.)
 *   setup      -> pvf_blk_setup_txn() in the machine's transaction
 *   connect    -> pvf_blk_connect() (replays, reports a resize)
 *   disconnect -> pvf_blk_quiesce() (in-flight requests kept for replay)
 *   release    -> pvf_blk_release() (-PVF_EBUSY while a page is mapped)
 *   changed    -> PVF_XENBUS_EV_BACKEND_CHANGED (Connected rewritten
 *                 while connected): pvf_blk_check_resize(), i.e. one read
 *                 of `sectors`, a bad value logged and ignored; any other
 *                 event recorded (pvf_blk_xenbus_last_event) and logged;
 *                 every event passed to cfg.on_xenbus_event
 * For a handover (<pvfront/handover.h>) nothing more is needed: once the
 * handover is done no grant, port or page of @blk is left (unless busy),
 * requests still queued stay on the replay list; pvf_blk_shutdown()
 * fails them.
 */
extern const struct pvf_xenbus_ops pvf_blk_xenbus_ops;

/*
 * pvf_blk_config_xenbus - point @cfg at @dev's frontend node, backend path
 * and backend domain (pointers into @dev: call pvf_blk_init while @dev
 * lives; init copies them).
 * Returns 0; -PVF_EINVAL (NULL); -PVF_E2BIG (a path does not fit
 * PVF_BLK_PATH_MAX).
 */
int pvf_blk_config_xenbus(struct pvf_blk_config *cfg, const struct pvf_xenbus_dev *dev);

/* Last XenBus event given to pvf_blk_xenbus_ops.changed (0: none; not
 * PVF_XENBUS_EV_BACKEND_CHANGED, which is no problem and is not recorded)
 * and its error in *@err (may be NULL).  Returns the event. */
int pvf_blk_xenbus_last_event(const struct pvf_blk *blk, int *err);

#endif /* PVFRONT_BLK_H */
