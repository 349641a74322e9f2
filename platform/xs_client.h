/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The xenstore ops of the porting seam over libxenstore, shared by the
 * userspace platforms (platform/loopback: the harness's embedded xenstore
 * or a real xenstored through its socket; platform/xen: dom0's xenstored).
 * Userspace only; not installed.
 *
 * A platform that uses these ops makes `struct pvf_xsc` the FIRST member of
 * the struct its ops context points to (checked with _Static_assert in each
 * platform), so the shared ops can find the handle from the context alone.
 * Strings from the server are bounded and copied into the caller's buffers.
 */
#ifndef PVF_PLATFORM_XS_CLIENT_H
#define PVF_PLATFORM_XS_CLIENT_H

#include <stddef.h>
#include <pvfront/platform.h>

struct xs_handle;

struct pvf_xsc {
	struct xs_handle *xs;   /* NULL: not connected (every op -PVF_EIO) */
	unsigned int watches;   /* registered watches (atomic), for leak checks */
};

/* Install xs_read ... xs_txn_end into @ops (see the header comment). */
void pvf_xsc_ops(struct pvf_platform_ops *ops);

/* errno after a failed libxenstore call as a -PVF_E* code (EPERM becomes
 * -PVF_EACCES; a value xenstore does not produce becomes -PVF_EIO). */
int pvf_xsc_err(void);

/* The handle's fd for poll().  Returns it; -PVF_ENOTCONN; -PVF_EIO. */
int pvf_xsc_fileno(const struct pvf_xsc *c);

/*
 * pvf_xsc_read_watch - take one pending watch event without blocking.
 * @path/@token: buffers of @psize/@tsize bytes, filled NUL-terminated.
 * Returns 1 (an event), 0 (none pending), -PVF_E2BIG (an event was
 * consumed but did not fit), -PVF_EINVAL, -PVF_ENOTCONN, -PVF_EIO.
 */
int pvf_xsc_read_watch(struct pvf_xsc *c, char *path, size_t psize, char *token, size_t tsize);

/* Registered watches (for leak checks). */
unsigned int pvf_xsc_watches(const struct pvf_xsc *c);

#endif
