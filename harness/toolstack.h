/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The dom0 side of xenstore for the harness's userspace backends and the
 * toolstack role that creates their devices, over libxenstore (which finds
 * the embedded server through XENSTORED_PATH).
 *
 * Paths are "@dir/@key" and must fit PVF_TS_PATH_MAX bytes with their NUL
 * (else -PVF_E2BIG; nothing is truncated).  @key may hold a '/' itself
 * ("queue-0/ring-ref").  Values read from xenstore were written by the
 * guest and are hostile: they are copied into the caller's bounded buffer
 * and numbers are parsed with the strict rules of <pvfront/xs.h>
 * (pvf_xs_parse_*).  Nothing here keeps state; every function borrows the
 * caller's struct xs_handle (one handle per thread, as libxenstore wants)
 * unless it says otherwise.
 *
 * Errors: libxenstore reports failures in errno; they are returned as
 * -errno (-PVF_EIO when errno is 0).  A read that fails for any reason is
 * -PVF_ENOENT ("absent or unreadable"), which is what a backend can act on.
 */
#ifndef PVF_HARNESS_TOOLSTACK_H
#define PVF_HARNESS_TOOLSTACK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

/* Longest "@dir/@key" path, NUL included. */
#define PVF_TS_PATH_MAX 512u
/* Longest value pvf_ts_writef() formats, NUL included. */
#define PVF_TS_VALUE_MAX 256u

/* One key and its value (pvf_ts_write_keys(), pvf_ts_add_device()). */
struct pvf_ts_kv {
	const char *key;
	const char *val;
};

/* ---- writing ---------------------------------------------------------- */

/*
 * pvf_ts_write - write @dir/@key = @val (a string, written without its NUL)
 * inside transaction @t (XBT_NULL: none).
 * Returns 0; -PVF_E2BIG (path too long); -errno of xs_write (-PVF_EAGAIN
 * in a doomed transaction, -PVF_EACCES, ...).
 */
int pvf_ts_write(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key,
		 const char *val);

/*
 * pvf_ts_writef / pvf_ts_vwritef - as pvf_ts_write(), the value formatted
 * with printf rules from @fmt.
 * Returns 0; -PVF_E2BIG (path too long, or the value does not fit
 * PVF_TS_VALUE_MAX bytes: nothing is written); errors of pvf_ts_write().
 */
int pvf_ts_writef(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
int pvf_ts_vwritef(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key,
		   const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/*
 * pvf_ts_write_keys - write every @kv pair under @dir, in order, inside @t
 * (XBT_NULL: none).  @kv: an array ended by an entry whose key is NULL, or
 * NULL for none.  Stops at the first failure (the keys before it stay).
 * Returns 0; errors of pvf_ts_write().
 */
int pvf_ts_write_keys(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		      const struct pvf_ts_kv *kv);

/* pvf_ts_write_state - write @dir/state = @state in decimal (no
 * transaction).  Returns as pvf_ts_write(). */
int pvf_ts_write_state(struct xs_handle *xs, const char *dir, uint32_t state);

/* ---- reading ---------------------------------------------------------- */

/*
 * pvf_ts_read - copy the value of @dir/@key into @buf (@size bytes, owned
 * by the caller), NUL-terminated.
 * Returns the length (>= 0); -PVF_ENOENT (absent or unreadable);
 * -PVF_E2BIG (path too long, or the value and its NUL exceed @size: @buf
 * then holds ""); -PVF_EINVAL (the value holds a NUL byte, or @size is 0).
 */
int pvf_ts_read(struct xs_handle *xs, const char *dir, const char *key, char *buf, size_t size);

/*
 * pvf_ts_read_u32 / pvf_ts_read_u32_range - read @dir/@key as a strict
 * decimal (in [@min, @max] for the _range form).  *@out is set only on
 * success.
 * Returns 0; -PVF_ENOENT (absent or unreadable: the caller applies its
 * default); -PVF_EINVAL (not a strict decimal, a NUL byte inside, or
 * @min > @max); -PVF_ERANGE (out of range, or longer than PVF_XS_NUM_MAX
 * characters); -PVF_E2BIG (path too long).
 */
int pvf_ts_read_u32(struct xs_handle *xs, const char *dir, const char *key, uint32_t *out);
int pvf_ts_read_u32_range(struct xs_handle *xs, const char *dir, const char *key, uint32_t min,
			  uint32_t max, uint32_t *out);

/*
 * pvf_ts_read_bool - read the flag @dir/@key: exactly "0" or "1"; an absent
 * (or unreadable) key gives @def.
 * Returns 0 and *@out; -PVF_EINVAL (any other value; *@out unchanged);
 * -PVF_E2BIG (path too long).
 */
int pvf_ts_read_bool(struct xs_handle *xs, const char *dir, const char *key, int def, int *out);

/*
 * pvf_ts_read_state - read @dir/state as a XenbusState (a decimal 0..8).
 * Returns 0 and *@out; -PVF_ENOENT (absent or unreadable); -PVF_EINVAL
 * (not a decimal); -PVF_ERANGE (above 8); -PVF_E2BIG (path too long).
 * *@out is unchanged on error.
 */
int pvf_ts_read_state(struct xs_handle *xs, const char *dir, uint32_t *out);

/* ---- watches ---------------------------------------------------------- */

/*
 * pvf_ts_watch / pvf_ts_unwatch - set / remove a watch on @dir/@key with
 * @token.  Watch events are hints: read the node again after one.
 * Returns 0; -PVF_E2BIG (path too long); -errno of xs_watch / xs_unwatch.
 */
int pvf_ts_watch(struct xs_handle *xs, const char *dir, const char *key, const char *token);
int pvf_ts_unwatch(struct xs_handle *xs, const char *dir, const char *key, const char *token);

/*
 * pvf_ts_wait_watch - wait up to @timeout_ms (0: do not wait) for a watch
 * event of @xs and consume one (its path and token are dropped).
 * Returns 1 when the handle was readable (an event was consumed, or
 * reading it failed: either way the caller should look again); 0 when
 * nothing came in time; -errno when poll() failed.
 */
int pvf_ts_wait_watch(struct xs_handle *xs, int timeout_ms);

/* ---- the toolstack role ----------------------------------------------- */

/*
 * pvf_ts_add_device - what the toolstack writes for device @type/@devid of
 * guest @fe_domid served by @be_domid:
 *
 *   @fe_dir = /local/domain/<fe_domid>/device/<type>/<devid>
 *       backend, backend-id, the @fe_extra keys, state = 1
 *   @be_dir = /local/domain/<be_domid>/backend/<type>/<fe_domid>/<devid>
 *       frontend, frontend-id, the @be_extra keys, online = 1, state = 1
 *
 * in that order (state last), without a transaction.  @fe_extra/@be_extra:
 * arrays ended by an entry whose key is NULL, or NULL for none.  @xs: a
 * handle, or NULL to use a connection of its own (xs_open) for this call.
 * @fe_dir/@be_dir (@fe_size/@be_size bytes, the caller's) receive the two
 * paths.  On failure the keys already written stay: remove them with
 * pvf_ts_remove_device() when the paths were made.
 * Returns 0; -PVF_EINVAL (NULL @type or output buffers); -PVF_E2BIG (a
 * path does not fit its buffer or PVF_TS_PATH_MAX; nothing written);
 * -errno of xs_open; errors of pvf_ts_write().
 */
int pvf_ts_add_device(struct xs_handle *xs, const char *type, unsigned int devid,
		      unsigned int fe_domid, unsigned int be_domid,
		      const struct pvf_ts_kv *fe_extra, const struct pvf_ts_kv *be_extra,
		      char *fe_dir, size_t fe_size, char *be_dir, size_t be_size);

/*
 * pvf_ts_remove_device - remove @fe_dir and @be_dir (and everything below
 * them); a directory that is already gone is not an error.  @xs as for
 * pvf_ts_add_device().
 * Returns 0; -PVF_EINVAL (NULL directory); -errno of xs_open; the first
 * -errno of xs_rm (both removals are tried).
 */
int pvf_ts_remove_device(struct xs_handle *xs, const char *fe_dir, const char *be_dir);

#endif
