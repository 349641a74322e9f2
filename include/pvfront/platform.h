/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The porting seam: everything a pvfront core needs from its environment.
 *
 * One `struct pvf_platform` per instance: a pointer to an ops table plus an
 * opaque context handed back to every op.  Every entry of the table is always
 * set.  A platform that lacks a facility installs the matching default from
 * `pvf_platform_nosys_ops` (each returns -PVF_ENOSYS), so reading a table shows
 * what is implemented and what was forgotten, and the cores never test for
 * NULL.  pvf_platform_validate() rejects a table with holes; every core's
 * create call runs it.
 *
 * Conventions shared by all ops:
 *  - return >= 0 on success, a negative PVF_E* code on failure;
 *  - strings are NUL-terminated, at most PVF_XS_PATH_MAX / PVF_XS_VALUE_MAX;
 *  - ops may be called from any context the embedder pumps the core from
 *    (interrupt, thread, crash-dump loop); none of them may call back into
 *    the core;
 *  - xenstore transaction id 0 means "no transaction" (XBT_NIL).
 *
 * Implementations: platform/loopback (simulated hypervisor, userspace),
 * platform/xen (libxengnttab, libxenevtchn, libxenstore in a real dom0), and
 * the embedder's own (hypercalls inside a guest kernel).  See docs/porting.md.
 */
#ifndef PVFRONT_PLATFORM_H
#define PVFRONT_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <pvfront/errno.h>

#define PVF_PAGE_SIZE    4096u
#define PVF_PAGE_SHIFT   12
/* Bounds for xenstore strings, from <xen/io/xs_wire.h>: the payload of one
 * message is at most 4096 bytes, absolute paths at most 3072. */
#define PVF_XS_PATH_MAX  3072u
#define PVF_XS_VALUE_MAX 4096u

/* A domain id as Xen uses it (domid_t). */
typedef uint16_t pvf_domid_t;

enum pvf_log_level {
	PVF_LOG_ERR = 0,   /* the device is unusable or lost data */
	PVF_LOG_WARN = 1,  /* the peer misbehaved or a feature was dropped */
	PVF_LOG_INFO = 2,  /* negotiation results, state changes */
	PVF_LOG_DEBUG = 3, /* per-request detail; off in hot paths by default */
};

struct pvf_platform_ops {
	/* ---- xenstore ------------------------------------------------------ */

	/* Read @path into @buf (@size bytes, @size >= 1), NUL-terminated.
	 * Returns the value's length (without the NUL); -PVF_ENOENT if the node
	 * does not exist; -PVF_E2BIG if the value and its NUL do not fit (the
	 * buffer's content is then unspecified); -PVF_EACCES; -PVF_EIO. */
	int (*xs_read)(void *ctx, uint32_t txn, const char *path, char *buf, size_t size);

	/* Write @value (NUL-terminated) to @path, creating missing parents.
	 * Returns 0; -PVF_EACCES; -PVF_EINVAL (bad path); -PVF_EAGAIN (inside a
	 * transaction that can no longer commit); -PVF_EIO. */
	int (*xs_write)(void *ctx, uint32_t txn, const char *path, const char *value);

	/* Create @path (and parents) with an empty value if it is missing.
	 * Returns 0 (also if it existed); -PVF_EACCES; -PVF_EINVAL; -PVF_EIO. */
	int (*xs_mkdir)(void *ctx, uint32_t txn, const char *path);

	/* Remove @path and its whole subtree.  Returns 0; -PVF_ENOENT;
	 * -PVF_EACCES; -PVF_EIO. */
	int (*xs_rm)(void *ctx, uint32_t txn, const char *path);

	/* List the children of @path into @buf as consecutive NUL-terminated
	 * names.  Returns the number of names; -PVF_ENOENT; -PVF_E2BIG if the
	 * list does not fit in @size bytes; -PVF_EIO. */
	int (*xs_directory)(void *ctx, uint32_t txn, const char *path, char *buf, size_t size);

	/* Register a watch.  Events are delivered by the embedder calling the
	 * owning core's on_watch entry (e.g. pvf_xenbus_on_watch()) with the
	 * path that changed and @token.  Xen fires one event at registration.
	 * Returns 0; -PVF_EEXIST (same path+token twice); -PVF_ENOSPC; -PVF_EIO. */
	int (*xs_watch)(void *ctx, const char *path, const char *token);

	/* Remove a watch.  Returns 0; -PVF_ENOENT if it was not registered. */
	int (*xs_unwatch)(void *ctx, const char *path, const char *token);

	/* Start a transaction; on success *txn is non-zero.  Returns 0;
	 * -PVF_ENOSPC (too many open transactions); -PVF_EIO. */
	int (*xs_txn_start)(void *ctx, uint32_t *txn);

	/* End a transaction: commit (@abort == 0) or abort.  Returns 0;
	 * -PVF_EAGAIN if the commit conflicted with another writer (nothing was
	 * written; start again); -PVF_ENOENT (unknown txn); -PVF_EIO. */
	int (*xs_txn_end)(void *ctx, uint32_t txn, int abort);

	/* ---- grant table (v1 semantics) ------------------------------------ */

	/* Grant domain @domid access to guest frame @frame, read-only when
	 * @readonly != 0.  On success *ref holds the grant reference.  Returns
	 * 0; -PVF_ENOSPC (no free reference); -PVF_EINVAL. */
	int (*gnt_grant)(void *ctx, pvf_domid_t domid, uint64_t frame, int readonly,
			 uint32_t *ref);

	/* End access through @ref.  Returns 0 when the entry was cleared and the
	 * reference freed; -PVF_EBUSY when the grantee still maps the frame (the
	 * entry stays valid; the caller must not reuse the page and should try
	 * again later); -PVF_EBADF for a reference that is not in use. */
	int (*gnt_end)(void *ctx, uint32_t ref);

	/* ---- event channels ------------------------------------------------ */

	/* Allocate an unbound port that domain @remote may bind to.  The port
	 * starts masked.  Returns 0 and *port; -PVF_ENOSPC; -PVF_EIO. */
	int (*evtchn_alloc_unbound)(void *ctx, pvf_domid_t remote, uint32_t *port);

	/* Send an event through @port.  Returns 0; -PVF_EBADF; -PVF_ENOTCONN
	 * (the peer has not bound yet: the event is lost, as on Xen). */
	int (*evtchn_notify)(void *ctx, uint32_t port);

	/* Unmask @port; an event that arrived while masked is delivered now.
	 * Returns 0; -PVF_EBADF. */
	int (*evtchn_unmask)(void *ctx, uint32_t port);

	/* Close @port.  Returns 0; -PVF_EBADF. */
	int (*evtchn_close)(void *ctx, uint32_t port);

	/* ---- pages --------------------------------------------------------- */

	/* Allocate @npages zeroed, page-aligned, virtually contiguous pages that
	 * can be granted to another domain.  *va receives the address, frames[i]
	 * the guest frame number of page i (frames need not be contiguous).
	 * Returns 0; -PVF_ENOMEM; -PVF_EINVAL (@npages == 0). */
	int (*page_alloc)(void *ctx, unsigned int npages, void **va, uint64_t *frames);

	/* Free pages from page_alloc (same @va and @npages).  The caller has
	 * ended every grant on them first.  Returns 0; -PVF_EINVAL. */
	int (*page_free)(void *ctx, void *va, unsigned int npages);

	/* ---- width-exact port I/O (unplug protocol) ------------------------- */
	/* Each accesses exactly the given width at @port.  Returns 0; -PVF_EIO. */
	int (*in8)(void *ctx, uint16_t port, uint8_t *val);
	int (*in16)(void *ctx, uint16_t port, uint16_t *val);
	int (*in32)(void *ctx, uint16_t port, uint32_t *val);
	int (*out8)(void *ctx, uint16_t port, uint8_t val);
	int (*out16)(void *ctx, uint16_t port, uint16_t val);
	int (*out32)(void *ctx, uint16_t port, uint32_t val);

	/* ---- diagnostics and time ------------------------------------------ */

	/* Emit one log line (no trailing newline).  Returns 0. */
	int (*log)(void *ctx, enum pvf_log_level level, const char *msg);

	/* Monotonic time in nanoseconds into *now.  Returns 0. */
	int (*clock_ns)(void *ctx, uint64_t *now);
};

struct pvf_platform {
	const struct pvf_platform_ops *ops; /* every entry set; see above */
	void *ctx;                          /* handed to every op unchanged */
};

/* A complete table of the provided defaults (each returns -PVF_ENOSYS, the
 * log default discards and returns -PVF_ENOSYS).  Copy it, then override the
 * entries the platform implements. */
extern const struct pvf_platform_ops pvf_platform_nosys_ops;

/*
 * pvf_platform_validate - check a platform for holes.
 *
 * @p: the platform to check.
 * @missing: if not NULL, receives the name of the first NULL entry.
 * Returns 0 when @p, @p->ops and every entry are set; -PVF_EINVAL otherwise.
 */
int pvf_platform_validate(const struct pvf_platform *p, const char **missing);

/*
 * pvf_platform_implements - whether an entry is the provided ENOSYS default.
 *
 * @p: a validated platform.  @offset: offsetof(struct pvf_platform_ops, e).
 * Returns 1 if the entry is a real implementation, 0 if it is the default.
 */
int pvf_platform_implements(const struct pvf_platform *p, size_t offset);

#endif /* PVFRONT_PLATFORM_H */
