/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Userspace blkback for the loopback harness, and a small block client
 * that drives the pvf_blk frontend core against it.
 *
 * The backend plays dom0: its own libxenstore connection (xs_open(0),
 * XENSTORED_PATH names the embedded xenstore), its own backend handle on
 * the simulated hypervisor.  It serves a raw image file (pread/pwrite,
 * optional O_DIRECT) or a null device that completes without moving data
 * (grants are still mapped, so ring and grant costs stay real).
 *
 * Everything the frontend writes is hostile: ring-page counts, refs,
 * ports, the protocol string, and on the ring every operation, segment
 * count, sector range, first/last_sect and indirect page count.  A bad
 * request is answered BLKIF_RSP_ERROR (an unknown operation
 * BLKIF_RSP_EOPNOTSUPP, as Linux does) and the backend keeps serving; a
 * frontend that pushes its request producer more than a ring ahead stops
 * that queue (logged, counted in stats.ring_errors) until it reconnects.
 *
 * Threads: a control thread runs the XenBus state machine; each queue gets
 * its own thread while connected.  The backend can also run as a separate
 * process (pvf_bb_fork: the child attaches to the hypervisor's memfd);
 * runtime controls and statistics then live in a shared page.
 *
 * Ownership: a struct pvf_blkback is created and destroyed by the caller;
 * the hypervisor must outlive it.  Strings in the config are copied.
 */
#ifndef PVF_HARNESS_BLKBACK_H
#define PVF_HARNESS_BLKBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <pvfront/blk.h>
#include <pvfront/loopback.h>

#define PVF_BB_MAX_QUEUES 8u
#define PVF_BB_MAX_RING_ORDER 4u
#define PVF_BB_MAX_INDIRECT 256u /* Linux blkback's MAX_INDIRECT_SEGMENTS */

/* Backend features.  pvf_bb_profile() fills a named set. */
struct pvf_bb_config {
	char image[256];            /* raw image path; "" = null device */
	uint64_t null_sectors;      /* null device size, 512-byte units */
	bool o_direct;              /* open the image with O_DIRECT */
	bool readonly;              /* mode=r, info |= VDISK_READONLY */
	bool cdrom, removable;      /* info VDISK_CDROM / VDISK_REMOVABLE */
	int max_ring_order;         /* max-ring-page-order 0..4; -1: no key */
	uint32_t max_ring_pages;    /* older max-ring-pages key; 0: none */
	uint32_t max_queues;        /* multi-queue-max-queues 1..8; 0: no key */
	uint32_t max_indirect;      /* feature-max-indirect-segments; 0: none */
	bool persistent;            /* feature-persistent */
	uint32_t max_persistent;    /* persistent maps per queue (default 1056) */
	bool flush, barrier;        /* feature-flush-cache / feature-barrier */
	bool discard, discard_secure;
	uint32_t discard_granularity, discard_alignment; /* bytes */
	uint32_t sector_size, physical_sector_size;      /* bytes */
	bool grant_copy;            /* move data with grant copy (QEMU) instead
				     * of mapping (Linux) */
	bool restart;               /* this backend replaces one that died (a
				     * toolstack restarting its backend
				     * driver): on start, drop the old
				     * connection's keys and write Closed in
				     * one transaction, wait (up to 5 s) for
				     * the frontend to let go (Closed,
				     * Initialising, Closing or gone), then
				     * transport keys and InitWait as usual;
				     * a frontend still Closed there is
				     * waited for, not closed again.  Not set
				     * by the profiles. */
};

/*
 * pvf_bb_profile - fill @c for profile @name: "linux", "qdisk",
 * "qdisk-legacy" or "minimal" (see docs/blk.md for the facts behind each).
 * The image is left empty (null device of 64 MiB).
 * Returns 0; -PVF_EINVAL (unknown name).
 */
int pvf_bb_profile(struct pvf_bb_config *c, const char *name);

/* Misbehaviour injected into the next response (one shot). */
enum pvf_bb_misbehave {
	PVF_BB_MB_NONE = 0,
	PVF_BB_MB_BAD_ID,     /* id changed to one never issued */
	PVF_BB_MB_DUP_ID,     /* the response is pushed twice */
	PVF_BB_MB_WRONG_OP,   /* operation field differs from the request */
	PVF_BB_MB_OVERFLOW,   /* rsp_prod published far past the requests */
};

struct pvf_bb_stats {
	uint64_t requests, reads, writes, flushes, discards, indirect;
	uint64_t errors;           /* BLKIF_RSP_ERROR sent */
	uint64_t eopnotsupp;       /* BLKIF_RSP_EOPNOTSUPP sent */
	uint64_t notifies;         /* events sent to the frontend */
	uint64_t persistent_maps;  /* persistent grants mapped */
	uint64_t persistent_hits;  /* segments served from a persistent map */
	uint64_t ring_errors;      /* queues stopped for producer overflow */
	uint32_t connections, disconnects;
	uint32_t mapped;           /* grants mapped right now */
	uint32_t state;            /* backend XenbusState */
	uint32_t nr_queues;        /* queues of the current connection */
	uint32_t ring_order;       /* ring order of the current connection */
	uint32_t persistent;       /* 1 if the connection uses persistent grants */
	uint32_t paused;           /* queue threads parked by pvf_bb_pause */
	uint32_t restarts;         /* restart resets done (cfg.restart) */
	int connect_error;         /* last refused connection (bad frontend keys) */
	int error;                 /* first fatal error, 0 if none */
};

struct pvf_blkback;

/*
 * pvf_bb_create - a backend for frontend directory @fe_dir served from
 * backend directory @be_dir (both made by pvf_bb_toolstack_add()).
 * Opens the image (its size sets `sectors`).  Nothing runs yet.
 * Returns 0; -PVF_EINVAL (bad config, paths too long, image size not a
 * multiple of sector-size); -PVF_ENOENT / -PVF_EACCES / -PVF_EIO (image);
 * -PVF_ENOMEM.
 */
int pvf_bb_create(struct pvf_lb_hv *hv, const struct pvf_bb_config *cfg,
		  const char *fe_dir, const char *be_dir, struct pvf_blkback **out);

/* Start the control thread (writes the transport keys, InitWait).
 * Returns 0; -PVF_EALREADY; -PVF_ENOMEM. */
int pvf_bb_start(struct pvf_blkback *b);

/* Stop: disconnect (unmap every grant, persistent ones too, unbind),
 * unwatch, close.  Leaves nothing mapped.  Returns the first fatal error
 * (0 if none). */
int pvf_bb_stop(struct pvf_blkback *b);

/* Stop if running and free.  NULL is a no-op. */
void pvf_bb_destroy(struct pvf_blkback *b);

/* Runtime controls (thread-safe; work in the forked mode too, through the
 * shared control page). */
/* Change the disk size to @sectors (512-byte units; the image file is
 * truncated or extended), rewrite `sectors` and re-enter Connected.
 * Returns 0; -PVF_EINVAL (0 or not a multiple of sector-size). */
int pvf_bb_resize(struct pvf_blkback *b, uint64_t sectors);
/* Answer every request with operation bit (1u << BLKIF_OP_x) in @mask with
 * BLKIF_RSP_EOPNOTSUPP. */
void pvf_bb_set_eopnotsupp(struct pvf_blkback *b, uint32_t mask);
/* Misbehave on the next response. */
void pvf_bb_misbehave(struct pvf_blkback *b, enum pvf_bb_misbehave m);
/* Pause (@on) or resume request processing: each queue thread stops
 * before the next request it would consume (requests stay on the ring,
 * unanswered, so they are surely in flight) and counts itself in
 * stats.paused.  With @on, waits up to @timeout_ms for every queue of the
 * current connection to park.  Resuming does not wait.
 * Returns 0; -PVF_ETIMEDOUT. */
int pvf_bb_pause(struct pvf_blkback *b, bool on, int timeout_ms);
/* Snapshot the counters. */
void pvf_bb_get_stats(struct pvf_blkback *b, struct pvf_bb_stats *st);
/* Wait up to @timeout_ms for the backend state to become @state.
 * Returns 0; -PVF_ETIMEDOUT. */
int pvf_bb_wait_state(struct pvf_blkback *b, uint32_t state, int timeout_ms);

/*
 * pvf_bb_fork - run the backend in a child process that attaches to the
 * hypervisor with pvf_lb_hv_attach(pvf_lb_hv_fd(hv)).  The child runs
 * until SIGTERM/SIGKILL; *out is the parent's handle (controls and stats
 * work; pvf_bb_start/stop do not).
 * Returns 0; as pvf_bb_create; -PVF_EIO (fork failed).
 */
int pvf_bb_fork(struct pvf_lb_hv *hv, const struct pvf_bb_config *cfg,
		const char *fe_dir, const char *be_dir, struct pvf_blkback **out);
/* The child's pid (0 for a threaded backend). */
pid_t pvf_bb_pid(const struct pvf_blkback *b);
/* Send @sig to the child, wait for it, then release what it still held
 * on the hypervisor (pvf_lb_hv_reap: as Xen releases the mappings and
 * event channels of a backend that died).  SIGTERM makes it disconnect
 * cleanly first; after SIGKILL its grants were mapped until the reap and
 * its backend state stays what it was (Connected) in xenstore.
 * Returns its exit status (>= 0, 128 + signal if killed), or -PVF_EINVAL
 * (not a forked backend, or already killed). */
int pvf_bb_kill(struct pvf_blkback *b, int sig);

/*
 * pvf_bb_replace - the toolstack restarting a backend process: SIGKILL
 * *@bp's child if it still runs (pvf_bb_kill, which reaps it), then fork a
 * new backend for the same directories with @cfg (another profile may
 * have other limits) and cfg.restart set, and destroy the old handle.
 * The frontend sees the backend Closed, then InitWait with the new keys.
 * On success *@bp is the new backend.
 * Returns 0; -PVF_EINVAL (NULL, or *@bp is a running threaded backend);
 * errors of pvf_bb_fork (*@bp is then the old, dead handle).
 */
int pvf_bb_replace(struct pvf_blkback **bp, const struct pvf_bb_config *cfg);

/*
 * The toolstack role: write both directories of vbd @devid for guest
 * @fe_domid served by @be_domid (frontend: backend, backend-id,
 * virtual-device, device-type, state 1; backend: frontend, frontend-id,
 * online, type, mode, params, state 1).  @fe_dir/@be_dir receive the paths.
 * Returns 0 or a negative PVF error.
 */
int pvf_bb_toolstack_add(unsigned int devid, unsigned int fe_domid, unsigned int be_domid,
			 const struct pvf_bb_config *cfg, char *fe_dir, size_t fe_size,
			 char *be_dir, size_t be_size);
/* Remove both directories.  Returns 0 or a negative PVF error. */
int pvf_bb_toolstack_remove(const char *fe_dir, const char *be_dir);

/* ---- the block client: pvf_blk over the loopback guest ---------------- */

struct pvf_bbc {
	struct pvf_blk blk;
	struct pvf_lb_guest *g;
	const struct pvf_platform *p;
	void *scratch;
	void *data;                /* data pages (guest memory) */
	uint64_t *frames;
	uint32_t data_pages;
	char fe[PVF_BLK_PATH_MAX], be[PVF_BLK_PATH_MAX];
	uint32_t be_state;         /* last backend state seen */
	uint64_t resizes;          /* Connected re-entered with a new size */
};

/*
 * pvf_bbc_open - connect a pvf_blk to the backend at @be (frontend dir
 * @fe): state Initialising, wait InitWait, setup, Initialised, wait
 * Connected, connect, Connected.  @cfg: NULL for the defaults (paths and
 * scratch are filled in here).  @data_pages guest pages are allocated for
 * I/O buffers (pvf_bbc_page()).
 * Returns 0; -PVF_ETIMEDOUT (backend did not answer in @timeout_ms);
 * errors of pvf_blk_init/setup/connect; -PVF_ENOMEM.
 */
int pvf_bbc_open(struct pvf_bbc *c, struct pvf_lb_guest *g, const char *fe, const char *be,
		 const struct pvf_blk_config *cfg, uint32_t data_pages, int timeout_ms);

/* Address / frame of data page @i (< data_pages). */
void *pvf_bbc_page(struct pvf_bbc *c, uint32_t i);
uint64_t pvf_bbc_frame(struct pvf_bbc *c, uint32_t i);

/* One pump step: events (waiting up to @timeout_ms), then a backend-state
 * check (re-entered Connected: re-read the size; Closing/Closed:
 * disconnect; InitWait again: reconnect and replay).
 * Returns >= 0 (responses consumed); a pvf_blk error. */
int pvf_bbc_pump(struct pvf_bbc *c, int timeout_ms);

/*
 * pvf_bbc_io - synchronous helper: @op on @nsect sectors at @sector, data
 * in @buf (copied to/from data pages starting at page 0; at most
 * data_pages * 8 sectors).  Returns the request's status (0 or -PVF_E*),
 * -PVF_ETIMEDOUT after @timeout_ms, or a submit error.
 */
int pvf_bbc_io(struct pvf_bbc *c, enum pvf_blk_op op, uint64_t sector, void *buf,
	       uint32_t nsect, int timeout_ms);

/* The device failed (broken, timed out): Closing, wait for the backend to
 * unmap, shut the core down (every request completes, -PVF_ESHUTDOWN).
 * The client stays open for pvf_bbc_close().  Returns as pvf_blk_shutdown. */
int pvf_bbc_abort(struct pvf_bbc *c, int timeout_ms);

/* Close: Closing, wait for the backend, shutdown, Closed; frees pages.
 * Returns 0 or the first error (grants still held: -PVF_EBUSY). */
int pvf_bbc_close(struct pvf_bbc *c, int timeout_ms);

/* ---- the workload of `pvfront blk` (harness/blkback_work.c) ------------- */

enum pvf_wl_rw { PVF_WL_READ, PVF_WL_WRITE, PVF_WL_RANDREAD, PVF_WL_RANDWRITE, PVF_WL_MIXED };

struct pvf_wl_opts {
	enum pvf_wl_rw rw;         /* default read */
	uint32_t bs;               /* bytes, multiple of 512, <= 1 MiB; default 4096 */
	uint32_t iodepth;          /* 1..1024; default 1 */
	uint32_t queues;           /* 1..8; default 1 */
	uint32_t runtime_ms;       /* 0: run by size; default 2000 unless --size */
	uint64_t size;             /* bytes of I/O (and the range used); 0: the disk */
	char image[256];           /* "" with null set: the null device */
	bool null;
	char profile[32];          /* default "linux" */
	bool verify, json;
	bool untrusted;            /* --untrusted: the backend is not trusted
				    * (loopback: the toolstack writes
				    * trusted=0; xen: the frontend's config):
				    * the core bounces data */
	uint32_t seed;             /* pattern seed; default 1 */
	uint64_t null_size;        /* null device size in bytes; default 1 GiB */
	bool prefilled;            /* the range already holds the pattern of
				    * @seed (an earlier run): read workloads
				    * with verify check it without writing
				    * first.  Not an option of the command. */
};

/*
 * pvf_wl_parse - parse `pvfront blk` options (argv[0] is the command).
 * Returns 0; 1 for --help; -PVF_EINVAL with a message naming the bad
 * argument in @err.
 */
int pvf_wl_parse(int argc, char **argv, struct pvf_wl_opts *o, char *err, size_t errsz);

struct pvf_wl_result {
	uint64_t ios, bytes, reads, writes;
	uint64_t errors;           /* requests completed with an error */
	uint64_t verify_errors;    /* blocks whose read-back did not match */
	char first_error[160];     /* names the block of the first mismatch */
	uint64_t elapsed_ns;
	uint64_t lat_p50_ns, lat_p99_ns, lat_max_ns;
	uint64_t fe_notifies;      /* frontend -> backend events */
};

/* Verification pattern of 512-byte sector @sector for @seed, into @buf. */
void pvf_wl_pattern(void *buf, uint64_t sector, uint32_t seed);

/*
 * What the workload runs on: a connected block core and the host that pumps
 * it.  The loopback client (pvf_wl_host_bbc) and the real-Xen block host
 * (pvf_wl_host_xen, harness/wl_xen.c) fill one in; a caller may fill its
 * own.  Nothing here is owned: the host outlives the run.
 */
struct pvf_wl_host {
	struct pvf_blk *blk;       /* connected core: submit, info, stats */
	uint32_t data_pages;       /* I/O pages page()/frame() can name */
	void *(*page)(void *ctx, uint32_t i);     /* address of data page i */
	uint64_t (*frame)(void *ctx, uint32_t i); /* its frame, for segments */
	/* Service events and the backend state for up to @timeout_ms.
	 * Returns >= 0; -PVF_ENOTCONN while the device reconnects (requests
	 * stay queued: the run waits); any other error fails the run. */
	int (*pump)(void *ctx, int timeout_ms);
	/* The device failed: make every request in flight complete (shut the
	 * core down), spending at most @timeout_ms on the backend. */
	void (*abort)(void *ctx, int timeout_ms);
	uint32_t stall_ms;         /* no completion for this long with requests
				    * in flight: abort, -PVF_ETIMEDOUT; 0: wait */
	void *ctx;
};

/* Fill @h for the loopback client @c (connected, stays open).  No stall
 * limit (the client's pump reports a backend that went away).
 * Returns @h. */
struct pvf_wl_host *pvf_wl_host_bbc(struct pvf_wl_host *h, struct pvf_bbc *c);

struct pvf_xenblk;
/* Fill @h for the real-Xen block host @b (<pvfront/xenplat.h>, connected;
 * its data pages are the workload's).  Stall limit 30 s.  Defined in
 * harness/wl_xen.c (link it with libpvfront-xen).  Returns @h. */
struct pvf_wl_host *pvf_wl_host_xen(struct pvf_wl_host *h, struct pvf_xenblk *b);

/*
 * pvf_wl_run - run the workload @o on @h (connected, with at least
 * pvf_wl_pages(@o) data pages).  Requests go to queue (slot % @o->queues),
 * which the core takes modulo the negotiated number of queues.
 * Returns 0 (see @r for I/O errors and mismatches); -PVF_EINVAL (too few
 * data pages, a range smaller than one block, a host without callbacks);
 * -PVF_ENOMEM; -PVF_ETIMEDOUT (stalled past h->stall_ms); the pump's or
 * submit's error if the device failed (broken, shut down).  Every request
 * has completed when it returns.
 */
int pvf_wl_run(struct pvf_wl_host *h, const struct pvf_wl_opts *o, struct pvf_wl_result *r);
/* Data pages the workload needs. */
uint32_t pvf_wl_pages(const struct pvf_wl_opts *o);

/* ---- pvfront blk ---------------------------------------------------------- */

/* `pvfront blk`: see docs/blk.md.  Returns the exit status. */
int pvf_cmd_blk(int argc, char **argv);

struct pvf_env;
/*
 * pvf_blk_job - one whole block job inside an existing harness
 * environment: toolstack nodes for vbd @devid, a blkback thread, the block
 * frontend connected through XenBus, workload @o (printed as `pvfront blk`
 * prints it), a clean close, and a check that no grant stays mapped.
 * Returns the exit status (0 success, 1 failure).
 */
int pvf_blk_job(struct pvf_env *env, const struct pvf_wl_opts *o, unsigned int devid);
/* The frontend configuration and hypervisor sizes workload @o needs. */
void pvf_blk_job_frontend_config(const struct pvf_wl_opts *o, struct pvf_blk_config *fc);
void pvf_blk_job_env_config(const struct pvf_wl_opts *o, struct pvf_lb_config *lc);

#endif
