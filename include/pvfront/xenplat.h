/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The real-Xen platform: the porting seam implemented in a Xen dom0 (or any
 * domain with /dev/xen) with libxengnttab (gntshr), libxenevtchn and
 * libxenstore, so that the cores run in a userspace process against real
 * backends (the kernel's xen-blkback / xen-netback, or another domain's).
 *
 * Pages and grants.  gntshr (the gntalloc driver) cannot grant an arbitrary
 * page: it allocates kernel pages already granted to one domain.  So
 * page_alloc shares @npages pages writable to the configured backend domain
 * and the "frames" it returns are opaque handles (never 0) of those pages;
 * gnt_grant(@domid, @frame) hands out the page's reference (domid must be the
 * backend domain; a read-only request still gets the writable reference, so
 * the read-only protection is not enforced on this platform), and gnt_end
 * releases the reference in our books.  The grant stays valid in Xen until
 * page_free unshares the pages; if the backend still maps a page then, the
 * kernel frees it only when the backend lets go.
 *
 * "Still mapped" (gnt_end -> -PVF_EBUSY, as on the simulated platform):
 * the platform reads the v1 grant entries of this domain, mapped read-only:
 * GNTTABOP_query_size + GNTTABOP_setup_table(DOMID_SELF, at most the current
 * size, so the table is never grown) through the privcmd hypercall ioctl
 * give the table's frames, xenforeignmemory_map(DOMID_SELF, PROT_READ) maps
 * them (works in a PV domain such as Debian's dom0).  While GTF_reading or
 * GTF_writing is set on the entry the grantee maps the page: gnt_end returns
 * -PVF_EBUSY and the reference stays handed out.  A clear entry does not
 * stop the grantee from mapping it afterwards (the grant lives in Xen until
 * page_free; we cannot write the kernel's entries).  When the view cannot
 * be set up (no privcmd, grant table v2, a PVH/HVM domain whose frames do
 * not map, entries that do not read back as ours) stats.busy_detect is 0,
 * a warning says why, and gnt_end always succeeds (logged once).

 * Events.  Ports come from xenevtchn_bind_unbound_port(); the kernel masks a
 * port when it delivers an event, pvf_xenplat_poll() re-arms it after running
 * the handler.  The seam's "starts masked" is kept in software: events that
 * arrive before evtchn_unmask() are remembered and delivered by the next
 * poll after it.
 *
 * Ownership: everything belongs to the struct pvf_xenplat; close releases
 * ports, watches (by closing the xenstore connection) and shared pages that
 * are left, and reports them in the stats beforehand for leak checks.
 * Threading: one thread at a time per struct pvf_xenplat.
 */
#ifndef PVFRONT_XENPLAT_H
#define PVFRONT_XENPLAT_H

#include <stddef.h>
#include <stdint.h>
#include <pvfront/platform.h>

struct pvf_xenplat;

struct pvf_xenplat_config {
	pvf_domid_t backend_domid;    /* pages are shared to it; default 0 */
	enum pvf_log_level log_level; /* lines above it are dropped; WARN */
	const char *log_prefix;       /* copied; NULL: "pvfront" */
};

struct pvf_xenplat_stats {
	unsigned int pages;       /* shared pages not yet freed */
	unsigned int grants;      /* references handed out and not ended */
	unsigned int ports;       /* event channel ports open */
	unsigned int watches;     /* xenstore watches registered */
	unsigned int busy_detect; /* 1: gnt_end can see the backend's mappings */
	uint64_t events;          /* events delivered to handlers */
	uint64_t busy_refused;    /* gnt_end calls refused: -PVF_EBUSY */
};

/* Fill @cfg with the defaults. */
void pvf_xenplat_config_init(struct pvf_xenplat_config *cfg);

/*
 * pvf_xenplat_open - open /dev/xen (gntalloc, evtchn) and xenstore.
 * @out: receives the platform, owned by the caller until pvf_xenplat_close().
 * @cfg: NULL for the defaults.
 * Returns 0; -PVF_ENODEV (no /dev/xen device: not in a Xen domain, or the
 * modules xen-gntalloc / xen-evtchn are not loaded); -PVF_ECONNRESET (no
 * xenstore); -PVF_ENOMEM.
 */
int pvf_xenplat_open(struct pvf_xenplat **out, const struct pvf_xenplat_config *cfg);

/* Release everything (see Ownership above).  NULL is a no-op. */
void pvf_xenplat_close(struct pvf_xenplat *x);

/* The platform the cores use; valid until pvf_xenplat_close(). */
const struct pvf_platform *pvf_xenplat_platform(struct pvf_xenplat *x);

/* Snapshot the counters. */
void pvf_xenplat_get_stats(const struct pvf_xenplat *x, struct pvf_xenplat_stats *st);

/* Install @fn(@arg, port) as the handler of @port (NULL removes).
 * Returns 0; -PVF_EBADF (not a port of this platform). */
int pvf_xenplat_bind(struct pvf_xenplat *x, uint32_t port,
		     void (*fn)(void *arg, uint32_t port), void *arg);

/*
 * pvf_xenplat_poll - wait up to @timeout_ms (0: do not wait, < 0: forever)
 * for events, run the handlers of the unmasked ports that fired.
 * Returns the number of events handled (>= 0); -PVF_EIO.
 */
int pvf_xenplat_poll(struct pvf_xenplat *x, int timeout_ms);

/* The event channel fd (readable when an event is pending). */
int pvf_xenplat_evtchn_fd(const struct pvf_xenplat *x);

/* The xenstore fd to poll for watch events. */
int pvf_xenplat_xs_fileno(struct pvf_xenplat *x);

/*
 * pvf_xenplat_xs_read_watch - take one pending watch event, non-blocking.
 * Returns 1 (an event in @path/@token, NUL-terminated), 0 (none),
 * -PVF_E2BIG (an event was consumed but did not fit), -PVF_EIO.
 */
int pvf_xenplat_xs_read_watch(struct pvf_xenplat *x, char *path, size_t psize,
			      char *token, size_t tsize);

/* ---- toolstack role: device directories for the kernel backends ---------- */

/*
 * pvf_xenplat_vbd_create - write a vbd pair for xen-blkback over a block
 * device (normally a loop device): the backend directory
 * /local/domain/<be>/backend/vbd/<fe>/<devid> (frontend, frontend-id, online,
 * state=1, params, type=phy, mode, dev, physical-device=<major:minor hex>)
 * and the frontend directory @fe_dir (backend, backend-id, state=1,
 * virtual-device), in one transaction; permissions give each side its own
 * directory.  @fe_dir must be outside /local/domain/<fe>/device/ when the
 * frontend is dom0 (dom0's own xen-blkfront would take it).  @bdev: path of
 * the block device.  @devid: the virtual device number (e.g. 51712, xvda).
 * Returns 0; -PVF_ENOENT (@bdev missing); -PVF_EINVAL (@bdev not a block
 * device, bad @fe_dir); xenstore errors as the xs ops return them.
 */
int pvf_xenplat_vbd_create(struct pvf_xenplat *x, const char *fe_dir, pvf_domid_t fe_domid,
			   uint32_t devid, const char *bdev, int readonly);

/*
 * pvf_xenplat_vif_create - write a vif pair for xen-netback: backend
 * directory /local/domain/<be>/backend/vif/<fe>/<handle> (frontend,
 * frontend-id, online, state=1, handle, mac, script=@script (an existing
 * file: netback only checks that the node exists), hotplug-status=connected,
 * as the hotplug script would) and the frontend directory @fe_dir (backend,
 * backend-id, state=1, handle, mac).  @mac: "aa:bb:cc:dd:ee:ff".
 * Returns 0; -PVF_EINVAL; xenstore errors.
 */
int pvf_xenplat_vif_create(struct pvf_xenplat *x, const char *fe_dir, pvf_domid_t fe_domid,
			   uint32_t handle, const char *mac, const char *script);

/*
 * pvf_xenplat_dev_destroy - remove a device pair written above: the
 * frontend directory and /local/domain/<be>/backend/<type>/<fe>/<devid>.
 * @type: "vbd" or "vif".  Returns 0 (also when already gone); -PVF_EINVAL;
 * xenstore errors.
 */
int pvf_xenplat_dev_destroy(struct pvf_xenplat *x, const char *type, const char *fe_dir,
			    pvf_domid_t fe_domid, uint32_t devid);

/* ---- hosts: the real cores driven over this platform ------------------------
 *
 * A host owns one frontend core, its XenBus device and its I/O pages, and
 * pumps them from the platform's event channels and xenstore watches.  One
 * host at a time per struct pvf_xenplat (the host takes every watch event).
 * The caller serialises all calls on a host.  See docs/real-xen.md.
 */

struct pvf_blk;
struct pvf_blk_config;
struct pvf_net;
struct pvf_net_config;
struct pvf_net_rx_pkt;
struct pvf_xenbus_dev;

struct pvf_xenblk;

struct pvf_xenblk_config {
	const char *fe_dir;        /* frontend directory (outside device/ in dom0) */
	uint32_t devid;            /* virtual device, e.g. 51712 */
	pvf_domid_t fe_domid;      /* our domain id (0 in dom0) */
	/* Block device for the toolstack role: the vbd pair is written with
	 * pvf_xenplat_vbd_create() and removed at close.  NULL: the
	 * directories exist already (a real toolstack made them). */
	const char *bdev;
	int readonly;
	/* Frontend tunables: paths, backend domid and scratch are filled in
	 * by the host.  NULL: pvf_blk_config_default(). */
	const struct pvf_blk_config *blk;
	uint32_t data_pages;       /* I/O pages shared to the backend */
	int timeout_ms;            /* for open and close; 0: 10000 */
};

/*
 * pvf_xenblk_open - the block core against a real blkback: toolstack nodes
 * (if cfg->bdev), pvf_xenbus_create on cfg->fe_dir with pvf_blk_xenbus_ops,
 * pvf_blk_init, data pages, then pumps until both ends are Connected.
 * @out receives the host, owned by the caller until pvf_xenblk_close().
 * Returns 0; -PVF_EINVAL (bad config); -PVF_ENOMEM; -PVF_ETIMEDOUT (no
 * Connected within the timeout); errors of pvf_xenplat_vbd_create,
 * pvf_xenbus_create, pvf_blk_init.  On error nothing is left behind.
 */
int pvf_xenblk_open(struct pvf_xenplat *x, const struct pvf_xenblk_config *cfg,
		    struct pvf_xenblk **out);

/* The core, the XenBus device, data page @i's address / frame (NULL / 0
 * beyond data_pages).  Valid until close. */
struct pvf_blk *pvf_xenblk_core(struct pvf_xenblk *b);
struct pvf_xenbus_dev *pvf_xenblk_xenbus(struct pvf_xenblk *b);
void *pvf_xenblk_page(struct pvf_xenblk *b, uint32_t i);
uint64_t pvf_xenblk_frame(struct pvf_xenblk *b, uint32_t i);
/* Number of data pages (cfg->data_pages of the open). */
uint32_t pvf_xenblk_data_pages(struct pvf_xenblk *b);

/*
 * pvf_xenblk_pump - wait up to @timeout_ms for an event or a watch, then
 * feed watch events to the XenBus machine (first: state before responses),
 * run pvf_xenbus_poll(), bind the current ports and run the event handlers.
 * With @watches_only, event channels are not serviced (responses stay on
 * the ring: used to catch requests in flight across a backend change).
 * Returns events + watch events handled (>= 0); -PVF_EIO.
 */
int pvf_xenblk_pump(struct pvf_xenblk *b, int timeout_ms, int watches_only);

/* 1 when the frontend and the backend are both Connected, else 0. */
int pvf_xenblk_connected(struct pvf_xenblk *b);

/*
 * pvf_xenblk_close - pvf_xenbus_close and pump until closed (both ends
 * Closed, released), pvf_blk_shutdown, destroy the XenBus device, free the
 * data pages and scratch, remove the toolstack nodes written by open.
 * NULL is a no-op.
 * Returns 0; -PVF_ETIMEDOUT (the backend did not close; resources were
 * released anyway); -PVF_EBUSY (grants still mapped at the end).
 */
int pvf_xenblk_close(struct pvf_xenblk *b);

/*
 * Workloads over a pvf_xenblk host: the harness's pvf_wl_run()
 * (harness/blkback.h) through the adapter pvf_wl_host_xen()
 * (harness/wl_xen.c), the same engine as on the loopback platform.
 */

struct pvf_xennet;

struct pvf_xennet_config {
	const char *fe_dir;        /* frontend directory (outside device/ in dom0) */
	uint32_t handle;           /* vif handle: the backend names it vif<fe>.<handle> */
	pvf_domid_t fe_domid;      /* our domain id (0 in dom0) */
	/* Toolstack role: with @script (an existing file) the vif pair is
	 * written with pvf_xenplat_vif_create(@mac, @script) and removed at
	 * close.  NULL: the directories exist already. */
	const char *script;
	const char *mac;           /* "aa:bb:cc:dd:ee:ff" */
	/* Frontend tunables (node, rx and scratch are filled in by the host).
	 * NULL: pvf_net_config_default(). */
	const struct pvf_net_config *net;
	void (*rx)(void *arg, const struct pvf_net_rx_pkt *pkt); /* may be NULL */
	void *rx_arg;
	uint32_t tx_pages;         /* pages for transmit buffers */
	int timeout_ms;            /* for open and close; 0: 10000 */
};

/*
 * pvf_xennet_open - the network core against a real netback: toolstack
 * nodes (if cfg->script), pvf_net_init on cfg->fe_dir, TX pages, then pumps
 * until connected.  @out receives the host, owned by the caller until
 * pvf_xennet_close().
 * Returns 0; -PVF_EINVAL; -PVF_ENOMEM; -PVF_ETIMEDOUT; errors of
 * pvf_xenplat_vif_create and pvf_net_init.  On error nothing is left.
 */
int pvf_xennet_open(struct pvf_xenplat *x, const struct pvf_xennet_config *cfg,
		    struct pvf_xennet **out);

/* The core; TX page @i's address / frame (NULL / 0 beyond tx_pages). */
struct pvf_net *pvf_xennet_core(struct pvf_xennet *n);
void *pvf_xennet_page(struct pvf_xennet *n, uint32_t i);
uint64_t pvf_xennet_frame(struct pvf_xennet *n, uint32_t i);

/* Wait up to @timeout_ms, then watches, XenBus poll, events, pvf_net_poll.
 * Returns events + watch events handled (>= 0); -PVF_EIO. */
int pvf_xennet_pump(struct pvf_xennet *n, int timeout_ms);

/* 1 when connected, else 0. */
int pvf_xennet_connected(struct pvf_xennet *n);

/* pvf_xenbus_close and pump until closed, pvf_net_destroy, free pages and
 * scratch, remove the toolstack nodes.  NULL is a no-op.
 * Returns 0; -PVF_ETIMEDOUT; -PVF_EBUSY (grants still held). */
int pvf_xennet_close(struct pvf_xennet *n);

/* ---- frames through the vif: the dom0 side of xen-netback --------------- */

/*
 * pvf_xenplat_if_up - set IFF_UP on network interface @ifname.
 * @ifindex: receives its index.  Returns 0; -PVF_ENODEV (no such
 * interface); -errno of the socket or ioctl (e.g. -PVF_EPERM).
 */
int pvf_xenplat_if_up(const char *ifname, int *ifindex);

/*
 * pvf_xennet_make_frame - test frame @seq of direction @dir into @f (at
 * least 1514 bytes): @dst, @src, ethertype PVF_XENNET_ETHERTYPE, seq (4
 * bytes, host order), dir, then a pattern of seq and dir.  Its length is
 * 60..1514, varying with @seq.  Returns the length.
 */
#define PVF_XENNET_ETHERTYPE 0x88b5 /* local experimental */
#define PVF_XENNET_FRAME_MAX 1514
size_t pvf_xennet_make_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6],
			     uint32_t seq, uint8_t dir);

struct pvf_xennet_echo {
	const char *ifname;        /* NULL: "vif<fe_domid>.<handle>" */
	uint32_t count;            /* frames each way, >= 1 */
	int timeout_ms;            /* each direction, without progress; 0: 10000 */
};

struct pvf_xennet_echo_result {
	char ifname[16];
	/* dom0 -> frontend: sent on the vif socket, received by the core */
	uint32_t to_front_sent, to_front_ok, to_front_bad, to_front_other;
	/* frontend -> dom0: transmitted by the core, read on the vif socket */
	uint32_t from_front_sent, from_front_ok, from_front_bad, from_front_failed;
};

/*
 * pvf_xennet_echo - frames both ways between the core and the vif: bring
 * the vif up, bind an AF_PACKET socket to it, send @e->count frames
 * (pvf_xennet_make_frame, dir 1, to the frontend's MAC) that must arrive
 * through the core's RX path with their payload intact, then transmit as
 * many (dir 2) from the host's TX pages (needs tx_pages >= 1) that must be
 * read on the socket intact; waits for every transmit to complete.  While
 * it runs, the host's rx callback sees only frames that are not ours.
 * Returns 0 with @r filled (the caller judges the counts: all good when
 * every *_ok equals @e->count and the bad/failed counts are 0);
 * -PVF_EINVAL (bad arguments, no TX pages, not connected); -PVF_ENOMEM;
 * -PVF_ENODEV (the vif does not appear); -errno of the socket calls;
 * an error of pvf_net_transmit or of the pump (@r holds the counts so far).
 */
int pvf_xennet_echo(struct pvf_xennet *n, const struct pvf_xennet_echo *e,
		    struct pvf_xennet_echo_result *r);

/*
 * pvf_xenplat_log_keys - print every key of directory @dir as
 * "<prefix> <key> = <value>" lines on stdout.  Returns the number of keys
 * printed; xenstore errors.
 */
int pvf_xenplat_log_keys(struct pvf_xenplat *x, const char *dir, const char *prefix);

#endif /* PVFRONT_XENPLAT_H */
