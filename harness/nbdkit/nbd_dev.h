/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The device behind the nbdkit plugin: a blkfront (the pvf_blk core driven
 * through the harness's block client) connected to the userspace blkback,
 * over the harness environment (embedded xenstore + simulated hypervisor),
 * all in the calling process.  Independent of nbdkit so that it reads (and
 * could be tested) on its own.
 *
 * Threads.  The pvf_blk core is not thread-safe, so one device mutex
 * serialises every call into it.  A pump thread waits for the guest's
 * events without the mutex and delivers each under it; callers of
 * pvf_nbd_io() submit under the mutex and sleep on a condition variable
 * until their requests complete, so many callers keep many requests in
 * flight (the ring's queue depth is real).  Requests are copied through
 * guest data pages: a fixed set of slots, each one ring request's worth
 * (min(32, max segments per ring request) pages); a large call is split
 * into slot-sized chunks and up to PVF_NBD_CHUNKS_PER_CALL of them are in
 * flight at once.
 *
 * Failure.  A backend that leaves Connected, or a request that has not
 * completed after 30 s, fails the device: everything in flight completes
 * with an error, later calls fail -PVF_EIO.  There is no reconnect here
 * (the backend is this process's own thread).
 *
 * Ownership: struct pvf_nbd_dev is opaque, made by pvf_nbd_open() and
 * freed by pvf_nbd_close().
 */
#ifndef PVF_HARNESS_NBD_DEV_H
#define PVF_HARNESS_NBD_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PVF_NBD_SLOTS 64u            /* requests in flight, device-wide */
#define PVF_NBD_SLOT_PAGES 32u       /* largest chunk: 128 KiB */
#define PVF_NBD_CHUNKS_PER_CALL 16u  /* in flight for one caller */

enum pvf_nbd_op { PVF_NBD_READ, PVF_NBD_WRITE, PVF_NBD_ZERO, PVF_NBD_TRIM, PVF_NBD_FLUSH };

struct pvf_nbd_config {
	char image[256];        /* raw image; "" = null device */
	uint64_t null_size;     /* bytes (multiple of 4096) for the null device */
	char profile[32];       /* blkback profile; default "linux" */
	uint32_t queues;        /* frontend queues 1..8; default 1 */
	bool readonly;          /* backend mode=r (the frontend then refuses writes) */
};

/* What the device negotiated, for the plugin's can_* answers. */
struct pvf_nbd_props {
	uint64_t size;          /* bytes */
	uint32_t sector_size;   /* alignment every request must have */
	uint32_t chunk;         /* bytes per ring request (the split size) */
	uint32_t queues;        /* negotiated queues */
	bool readonly, flush, discard;
};

struct pvf_nbd_stats {
	uint64_t calls, chunks, bytes_read, bytes_written;
	uint64_t errors;        /* chunks completed with an error */
	uint64_t refused;       /* calls refused (alignment, range, read-only) */
	uint32_t grants_mapped; /* after close: grants still mapped (must be 0) */
	uint32_t pages_left;    /* after close: guest pages still allocated */
	uint64_t be_requests, be_persistent_hits, fe_notifies, be_notifies;
};

struct pvf_nbd_dev;

/* Fill @cfg with the defaults (null device of 64 MiB, linux, 1 queue). */
void pvf_nbd_config_default(struct pvf_nbd_config *cfg);

/*
 * pvf_nbd_open - start the environment, the backend (a thread), connect
 * the frontend and start the pump thread.  On failure @err names what
 * failed and nothing is left behind.
 * Returns 0 and *out; -PVF_EINVAL (bad config, unknown profile); errors of
 * pvf_env_start, pvf_bb_create/start, pvf_bbc_open; -PVF_ENOMEM.
 */
int pvf_nbd_open(const struct pvf_nbd_config *cfg, struct pvf_nbd_dev **out, char *err,
		 size_t errsz);

/* The negotiated properties (valid from open to close). */
void pvf_nbd_props(const struct pvf_nbd_dev *d, struct pvf_nbd_props *p);

/*
 * pvf_nbd_io - @op on @count bytes at byte @offset, through ring queue
 * @queue (taken modulo the negotiated queues).  @buf: the data for READ
 * and WRITE (ignored otherwise).  Blocks until every chunk completed.
 * Offset and count must be multiples of the sector size (no read-modify-
 * write: the caller is told with -PVF_EINVAL, and @err says why).
 * Returns 0; -PVF_EINVAL (unaligned, beyond the end, count 0 for
 * READ/WRITE/ZERO/TRIM); -PVF_EROFS; -PVF_EOPNOTSUPP (flush or trim the
 * device does not offer); -PVF_EIO (device failed) or the first error a
 * chunk completed with.
 */
int pvf_nbd_io(struct pvf_nbd_dev *d, enum pvf_nbd_op op, void *buf, uint32_t count,
	       uint64_t offset, uint32_t queue, char *err, size_t errsz);

/*
 * pvf_nbd_close - stop the pump, close the frontend (every grant ended),
 * stop the backend, stop the environment; fill @st (may be NULL) with the
 * counters, including what was still mapped/allocated after the close.
 * Returns 0; -PVF_EBUSY (grants still mapped or pages left); the first
 * error of the close.  NULL is a no-op returning 0.
 */
int pvf_nbd_close(struct pvf_nbd_dev *d, struct pvf_nbd_stats *st);

#endif
