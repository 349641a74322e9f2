/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pvfront error codes.
 *
 * Every pvfront function returns an int: >= 0 is success (0 or a count),
 * < 0 is the negation of one of the codes below.  The values are fixed and
 * equal to the Linux errno values, so a Linux host can pass them through and
 * a guest kernel can map them once.  This header needs no libc.
 */
#ifndef PVFRONT_ERRNO_H
#define PVFRONT_ERRNO_H

#define PVF_EPERM        1   /* operation not permitted */
#define PVF_ENOENT       2   /* no such xenstore node / object */
#define PVF_EIO          5   /* I/O error reported by the backend */
#define PVF_E2BIG        7   /* value or list too large for the buffer */
#define PVF_EBADF        9   /* bad handle, port or reference */
#define PVF_EAGAIN      11   /* try again (transaction conflict, ring full) */
#define PVF_ENOMEM      12   /* out of the memory the platform handed us */
#define PVF_EACCES      13   /* permission denied */
#define PVF_EFAULT      14   /* bad address */
#define PVF_EBUSY       16   /* still in use (grant still mapped by peer) */
#define PVF_EEXIST      17   /* already exists */
#define PVF_ENODEV      19   /* no such device / backend gone */
#define PVF_EINVAL      22   /* invalid argument or malformed value */
#define PVF_ENOSPC      28   /* no free slot (grant refs, ports, ring) */
#define PVF_EROFS       30   /* device is read-only */
#define PVF_ERANGE      34   /* value out of range */
#define PVF_ENOSYS      38   /* platform does not implement this op */
#define PVF_ENODATA     61   /* no data available */
#define PVF_EPROTO      71   /* protocol violation by the peer: sticky */
#define PVF_EBADMSG     74   /* malformed message */
#define PVF_EOVERFLOW   75   /* value too large for the type */
#define PVF_EOPNOTSUPP  95   /* operation not supported by the peer */
#define PVF_ECONNRESET 104   /* peer went away */
#define PVF_ENOTCONN   107   /* not connected yet */
#define PVF_ESHUTDOWN  108   /* device closed / handed over */
#define PVF_ETIMEDOUT  110   /* the peer did not answer in time */
#define PVF_EALREADY   114   /* operation already in progress */
#define PVF_ECANCELED  125   /* request cancelled */

/*
 * pvf_strerror - short constant name of a PVF error code ("EPROTO").
 *
 * @err: a PVF_E* value, positive or negative.
 * Returns a static string; "E?" for an unknown code, "OK" for 0.
 */
const char *pvf_strerror(int err);

#endif /* PVFRONT_ERRNO_H */
