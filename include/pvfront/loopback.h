/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The loopback platform: a simulated hypervisor in userspace.
 *
 * One guest domain (the frontend, domid 1 by default) and one backend
 * domain (domid 0) share a memfd that holds the guest's memory, its v1
 * grant table with per-entry map counts, both domains' event channel port
 * tables and 2-level bitmaps, a futex word per domain and a process-shared
 * lock.  The creator makes the hypervisor; a forked child (or a process that
 * received the fd over SCM_RIGHTS or via /proc/<pid>/fd) attaches to it.
 * Guest and backend may be threads of one process or separate processes.
 *
 * Guest frame numbers are page indexes into guest memory; frame 0 is never
 * handed out.  The backend maps read-only grants through a PROT_READ
 * mapping, so a write through one faults as on Xen.
 *
 * Everything that comes from either side (refs, ports, frames) is checked;
 * nothing in the shared memory is a pointer.  Only one guest handle may be
 * open at a time (its grant free list is private); any number of backend
 * handles may be open.  A backend process that dies while holding a
 * mapping leaves the map counts (and so GTF_reading/GTF_writing) set until
 * pvf_lb_hv_reap() releases them, as Xen releases the mappings and event
 * channels of a destroyed domain (or a dom0 kernel those of a process that
 * exited); pvf_lb_be_open() reaps first.
 *
 * Ownership: a pvf_lb_hv belongs to the process that created or attached
 * it and must outlive every guest/backend handle opened on it.
 */
#ifndef PVFRONT_LOOPBACK_H
#define PVFRONT_LOOPBACK_H

#include <stddef.h>
#include <stdint.h>
#include <pvfront/platform.h>
#include <pvfront/evtchn.h>

struct pvf_lb_config {
	/* Guest memory in 4 KiB pages, including the never-used frame 0.
	 * 2..1048576; default 16384 (64 MiB). */
	uint32_t guest_pages;
	/* Grant table entries (v1); the first 8 are reserved as on Xen.
	 * 16..65536; default 8192. */
	uint32_t grant_entries;
	/* Event channel ports per domain, port 0 reserved as on Xen.
	 * 2..PVF_EVTCHN_2L_MAX_PORTS; default 1024. */
	uint32_t ports;
	/* Domain ids; they must differ.  Defaults 1 and 0. */
	pvf_domid_t guest_domid;
	pvf_domid_t backend_domid;
};

/* Counters for leak checks; a snapshot read from the shared state. */
struct pvf_lb_stats {
	uint32_t grants_in_use;    /* entries with GTF_permit_access */
	uint32_t grants_mapped;    /* entries mapped or being copied */
	uint32_t pages_allocated;  /* guest pages handed out (frame 0 excluded) */
	uint32_t guest_ports;      /* guest ports not free */
	uint32_t backend_ports;    /* backend ports not free */
};

struct pvf_lb_hv;
struct pvf_lb_guest;
struct pvf_lb_backend;

/* Fill @cfg with the defaults. */
void pvf_lb_config_init(struct pvf_lb_config *cfg);

/*
 * pvf_lb_hv_create - make a hypervisor (a new memfd) and map it.
 * @cfg: sizes, NULL for the defaults.  On success *out is owned by the
 * caller until pvf_lb_hv_destroy().
 * Returns 0; -PVF_EINVAL (bad sizes); -PVF_ENOMEM; -PVF_EIO (memfd, mmap).
 */
int pvf_lb_hv_create(const struct pvf_lb_config *cfg, struct pvf_lb_hv **out);

/*
 * pvf_lb_hv_attach - map an existing hypervisor from its memfd @fd.
 * @fd is duplicated; the caller keeps its own.  The shared header is
 * validated (magic, version, sizes against the file size).
 * Returns 0; -PVF_EINVAL (not a loopback hypervisor); -PVF_ENOMEM; -PVF_EIO.
 */
int pvf_lb_hv_attach(int fd, struct pvf_lb_hv **out);

/* The memfd, to pass to another process.  Owned by @hv. */
int pvf_lb_hv_fd(const struct pvf_lb_hv *hv);

/* Unmap and close this process's view.  The shared state lives on while
 * another process maps it.  Handles opened on @hv must be closed first. */
void pvf_lb_hv_destroy(struct pvf_lb_hv *hv);

/* Snapshot the leak counters.  Returns 0. */
int pvf_lb_hv_stats(struct pvf_lb_hv *hv, struct pvf_lb_stats *st);

/*
 * pvf_lb_hv_reap - release what dead backend processes held.
 * Every process that maps a grant or binds a backend port is recorded (pid
 * and start time).  For each recorded process that no longer runs (no
 * such pid, a zombie, or the pid now names a younger process) its
 * mappings are dropped (GTF_reading/GTF_writing cleared where nothing else
 * maps the entry, so the guest's end of access succeeds) and its backend
 * ports are closed (the guest's end falls back to unbound).  Mappings and
 * ports of live processes, and of processes whose state cannot be read,
 * are never touched.  Safe to call from any process, at any time.
 * Returns the number of dead processes released (>= 0); -PVF_EINVAL
 * (NULL); -PVF_EIO (shared lock).
 */
int pvf_lb_hv_reap(struct pvf_lb_hv *hv);

/* Dead processes released so far on this hypervisor (all callers). */
uint32_t pvf_lb_hv_reaped(struct pvf_lb_hv *hv);

/* The configuration in effect (read from the shared header). */
void pvf_lb_hv_config(const struct pvf_lb_hv *hv, struct pvf_lb_config *cfg);

/* Address of guest frame @frame in this process's read-write view, for
 * tests and the harness.  Returns NULL for an invalid frame. */
void *pvf_lb_hv_frame_va(struct pvf_lb_hv *hv, uint64_t frame);

/* ---- guest side ---------------------------------------------------------- */

/*
 * pvf_lb_guest_open - open the guest domain.
 * The platform's xenstore ops return -PVF_EIO until
 * pvf_lb_guest_xs_connect() succeeds; port I/O ops return -PVF_ENOSYS until
 * pvf_lb_guest_set_pio() installs handlers.
 * Returns 0; -PVF_EBUSY (a guest is already open on this hypervisor);
 * -PVF_ENOMEM.
 */
int pvf_lb_guest_open(struct pvf_lb_hv *hv, struct pvf_lb_guest **out);

/* Close the guest: disconnects xenstore; grants, ports and pages still
 * held stay recorded in the shared state (the leak counters show them). */
void pvf_lb_guest_close(struct pvf_lb_guest *g);

/* The platform the cores use; valid until pvf_lb_guest_close(). */
const struct pvf_platform *pvf_lb_guest_platform(struct pvf_lb_guest *g);

/* Log lines above @level are dropped; @prefix (copied, may be NULL) starts
 * each line on stderr.  Default: PVF_LOG_WARN, "pvfront". */
void pvf_lb_guest_set_log(struct pvf_lb_guest *g, enum pvf_log_level level,
			  const char *prefix);

/* Port I/O emulation hooks (the unplug emulator).  @in/@out receive the
 * access width in bytes (1, 2, 4); either may be NULL (-PVF_ENOSYS).
 * They return 0 or a negative PVF_E*. */
struct pvf_lb_pio {
	int (*in)(void *arg, uint16_t port, unsigned int width, uint32_t *val);
	int (*out)(void *arg, uint16_t port, unsigned int width, uint32_t val);
	void *arg;
};
void pvf_lb_guest_set_pio(struct pvf_lb_guest *g, const struct pvf_lb_pio *pio);

/* Install @fn(@arg, port) as the guest's handler for @port (NULL removes).
 * Returns 0; -PVF_EINVAL. */
int pvf_lb_guest_bind(struct pvf_lb_guest *g, uint32_t port,
		      void (*fn)(void *arg, uint32_t port), void *arg);

/*
 * pvf_lb_guest_poll - wait up to @timeout_ms (0: do not wait, < 0: forever)
 * for an event to the guest, then run the demultiplexer.  One thread at a
 * time may poll a domain.
 * Returns the number of events found (>= 1), 0 on timeout.
 */
int pvf_lb_guest_poll(struct pvf_lb_guest *g, int timeout_ms);

/* The guest's demultiplexer, for its counters.  Owned by @g. */
const struct pvf_evtchn_demux *pvf_lb_guest_demux(const struct pvf_lb_guest *g);

/* Grants the guest has in use (its manager's count, deferred included). */
uint32_t pvf_lb_guest_grants_in_use(struct pvf_lb_guest *g);

/*
 * pvf_lb_guest_xs_connect - connect the xenstore ops with libxenstore.
 * @socket_path: the xenstored socket (sets XENSTORED_PATH before xs_open),
 * or NULL for libxenstore's default.
 * Returns 0; -PVF_EALREADY; -PVF_ECONNRESET (xs_open failed).
 */
int pvf_lb_guest_xs_connect(struct pvf_lb_guest *g, const char *socket_path);

/* The xenstore connection's fd, to poll for watch events; -PVF_ENOTCONN. */
int pvf_lb_xs_fileno(struct pvf_lb_guest *g);

/*
 * pvf_lb_xs_read_watch - take one pending watch event without blocking.
 * @path/@token: buffers of @psize/@tsize bytes, filled NUL-terminated.
 * Returns 1 (an event), 0 (none pending), -PVF_E2BIG (an event was
 * consumed but did not fit), -PVF_ENOTCONN, -PVF_EIO.
 */
int pvf_lb_xs_read_watch(struct pvf_lb_guest *g, char *path, size_t psize,
			 char *token, size_t tsize);

/* Number of watches the guest has registered (for leak checks). */
unsigned int pvf_lb_guest_xs_watches(const struct pvf_lb_guest *g);

/* ---- backend side --------------------------------------------------------- */

/* Open a backend handle; dead backend processes are reaped first
 * (pvf_lb_hv_reap).  Returns 0; -PVF_EINVAL; -PVF_ENOMEM. */
int pvf_lb_be_open(struct pvf_lb_hv *hv, struct pvf_lb_backend **out);

/* Close the handle (ports and mappings it made stay recorded, and are
 * released by pvf_lb_hv_reap() once the process is gone). */
void pvf_lb_be_close(struct pvf_lb_backend *be);

/*
 * pvf_lb_be_map - map guest grant @ref into the backend.
 * Checks that the entry grants access to the backend's domid, refuses a
 * writable map of a read-only grant, sets GTF_reading (and GTF_writing for
 * a writable map) and counts the mapping.  *va points into a PROT_READ view
 * for @readonly maps, the read-write view otherwise; valid until the
 * matching pvf_lb_be_unmap().
 * Returns 0; -PVF_EINVAL (ref out of range, frame invalid); -PVF_EACCES
 * (entry not a valid grant to the backend); -PVF_EPERM (writable map of a
 * read-only grant); -PVF_EOVERFLOW (map count limit).
 */
int pvf_lb_be_map(struct pvf_lb_backend *be, uint32_t ref, int readonly, void **va);

/* Undo one pvf_lb_be_map(@ref, @readonly).  Returns 0; -PVF_EINVAL (no
 * such mapping). */
int pvf_lb_be_unmap(struct pvf_lb_backend *be, uint32_t ref, int readonly);

/*
 * pvf_lb_be_copy - like GNTTABOP_copy between guest grant @ref and @buf:
 * @to_guest != 0 copies @len bytes from @buf into the granted frame at
 * @offset (needs a writable grant), otherwise from the frame into @buf.
 * Returns 0; -PVF_EINVAL (offset/len outside the page, bad ref);
 * -PVF_EACCES; -PVF_EPERM.
 */
int pvf_lb_be_copy(struct pvf_lb_backend *be, uint32_t ref, uint32_t offset,
		   void *buf, uint32_t len, int to_guest);

/* Bind a backend port to the guest's unbound port @remote_port (which must
 * have been allocated for the backend's domid).  Ports start unmasked.
 * Returns 0 and *local_port; -PVF_EINVAL (bad port); -PVF_EBUSY (not an
 * unbound port for us); -PVF_ENOSPC. */
int pvf_lb_be_bind_interdomain(struct pvf_lb_backend *be, uint32_t remote_port,
			       uint32_t *local_port);

/* Notify / unmask / close a backend port.  Returns 0; -PVF_EBADF;
 * -PVF_ENOTCONN (notify with the guest side closed). */
int pvf_lb_be_notify(struct pvf_lb_backend *be, uint32_t port);
int pvf_lb_be_unmask(struct pvf_lb_backend *be, uint32_t port);
int pvf_lb_be_mask(struct pvf_lb_backend *be, uint32_t port);
int pvf_lb_be_close_port(struct pvf_lb_backend *be, uint32_t port);

/* Handler for a backend port; see pvf_lb_guest_bind(). */
int pvf_lb_be_bind(struct pvf_lb_backend *be, uint32_t port,
		   void (*fn)(void *arg, uint32_t port), void *arg);

/* Wait and demux backend events; see pvf_lb_guest_poll(). */
int pvf_lb_be_poll(struct pvf_lb_backend *be, int timeout_ms);

/* The backend handle's demultiplexer (counters).  Owned by @be. */
const struct pvf_evtchn_demux *pvf_lb_be_demux(const struct pvf_lb_backend *be);

/* The domids in use. */
pvf_domid_t pvf_lb_be_domid(const struct pvf_lb_backend *be);
pvf_domid_t pvf_lb_guest_domid(const struct pvf_lb_guest *g);

#endif /* PVFRONT_LOOPBACK_H */
