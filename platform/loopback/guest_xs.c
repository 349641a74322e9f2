/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loopback platform, guest side: the xenstore ops over libxenstore, talking
 * to the harness's xenstore server (or a real xenstored) through its socket.
 * Strings from the server are bounded and copied into the caller's buffers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include "guest.h"

/* errno after a failed libxenstore call, as a -PVF_E* code. */
static int xs_err(void)
{
	int e = errno;

	if (e == EPERM)
		e = EACCES;
	return lb_errno(e ? e : EIO);
}

static int x_read(void *ctx, uint32_t txn, const char *path, char *buf, size_t size)
{
	struct pvf_lb_guest *g = ctx;
	unsigned int len = 0;
	char *v;
	int rc;

	if (!g->xs)
		return -PVF_EIO;
	if (!buf || size == 0)
		return -PVF_EINVAL;
	v = xs_read(g->xs, txn, path, &len);
	if (!v)
		return xs_err();
	if (len > PVF_XS_VALUE_MAX) {
		rc = -PVF_EIO; /* the server broke the wire limit */
	} else if ((size_t)len + 1 > size) {
		rc = -PVF_E2BIG;
	} else {
		memcpy(buf, v, len);
		buf[len] = '\0';
		rc = (int)len;
	}
	free(v);
	return rc;
}

static int x_write(void *ctx, uint32_t txn, const char *path, const char *value)
{
	struct pvf_lb_guest *g = ctx;

	if (!g->xs)
		return -PVF_EIO;
	if (!xs_write(g->xs, txn, path, value, (unsigned int)strlen(value)))
		return xs_err();
	return 0;
}

static int x_mkdir(void *ctx, uint32_t txn, const char *path)
{
	struct pvf_lb_guest *g = ctx;

	if (!g->xs)
		return -PVF_EIO;
	return xs_mkdir(g->xs, txn, path) ? 0 : xs_err();
}

static int x_rm(void *ctx, uint32_t txn, const char *path)
{
	struct pvf_lb_guest *g = ctx;

	if (!g->xs)
		return -PVF_EIO;
	return xs_rm(g->xs, txn, path) ? 0 : xs_err();
}

static int x_directory(void *ctx, uint32_t txn, const char *path, char *buf, size_t size)
{
	struct pvf_lb_guest *g = ctx;
	unsigned int num = 0, i;
	size_t used = 0;
	char **names;

	if (!g->xs)
		return -PVF_EIO;
	names = xs_directory(g->xs, txn, path, &num);
	if (!names)
		return xs_err();
	for (i = 0; i < num; i++) {
		size_t n = strnlen(names[i], PVF_XS_PATH_MAX) + 1;

		if (n > size - used) {
			free(names);
			return -PVF_E2BIG;
		}
		memcpy(buf + used, names[i], n - 1);
		buf[used + n - 1] = '\0';
		used += n;
	}
	free(names);
	return (int)num;
}

static int x_watch(void *ctx, const char *path, const char *token)
{
	struct pvf_lb_guest *g = ctx;

	if (!g->xs)
		return -PVF_EIO;
	if (!xs_watch(g->xs, path, token))
		return xs_err();
	__atomic_fetch_add(&g->xs_watches, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int x_unwatch(void *ctx, const char *path, const char *token)
{
	struct pvf_lb_guest *g = ctx;

	if (!g->xs)
		return -PVF_EIO;
	if (!xs_unwatch(g->xs, path, token))
		return xs_err();
	__atomic_fetch_sub(&g->xs_watches, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int x_txn_start(void *ctx, uint32_t *txn)
{
	struct pvf_lb_guest *g = ctx;
	xs_transaction_t t;

	if (!g->xs)
		return -PVF_EIO;
	t = xs_transaction_start(g->xs);
	if (t == XBT_NULL)
		return xs_err();
	*txn = t;
	return 0;
}

static int x_txn_end(void *ctx, uint32_t txn, int abort_it)
{
	struct pvf_lb_guest *g = ctx;

	if (!g->xs)
		return -PVF_EIO;
	if (!xs_transaction_end(g->xs, txn, abort_it ? true : false))
		return xs_err();
	return 0;
}

void lb_guest_xs_ops(struct pvf_platform_ops *ops)
{
	ops->xs_read = x_read;
	ops->xs_write = x_write;
	ops->xs_mkdir = x_mkdir;
	ops->xs_rm = x_rm;
	ops->xs_directory = x_directory;
	ops->xs_watch = x_watch;
	ops->xs_unwatch = x_unwatch;
	ops->xs_txn_start = x_txn_start;
	ops->xs_txn_end = x_txn_end;
}

void lb_guest_xs_close(struct pvf_lb_guest *g)
{
	if (g->xs) {
		xs_close(g->xs);
		g->xs = NULL;
	}
}

PVF_API int pvf_lb_guest_xs_connect(struct pvf_lb_guest *g, const char *socket_path)
{
	if (g->xs)
		return -PVF_EALREADY;
	if (socket_path && setenv("XENSTORED_PATH", socket_path, 1) < 0)
		return -PVF_ENOMEM;
	g->xs = xs_open(XS_OPEN_SOCKETONLY);
	if (!g->xs)
		return -PVF_ECONNRESET;
	g->xs_watches = 0;
	return 0;
}

PVF_API int pvf_lb_xs_fileno(struct pvf_lb_guest *g)
{
	int fd;

	if (!g->xs)
		return -PVF_ENOTCONN;
	fd = xs_fileno(g->xs);
	return fd < 0 ? -PVF_EIO : fd;
}

PVF_API int pvf_lb_xs_read_watch(struct pvf_lb_guest *g, char *path, size_t psize,
				 char *token, size_t tsize)
{
	char **ev;
	size_t pl, tl;
	int rc = 1;

	if (!g->xs)
		return -PVF_ENOTCONN;
	if (!path || !token || psize == 0 || tsize == 0)
		return -PVF_EINVAL;
	ev = xs_check_watch(g->xs);
	if (!ev)
		return errno == EAGAIN ? 0 : -PVF_EIO;
	pl = strnlen(ev[XS_WATCH_PATH], PVF_XS_PATH_MAX + 1);
	tl = strnlen(ev[XS_WATCH_TOKEN], PVF_XS_PATH_MAX + 1);
	if (pl + 1 > psize || tl + 1 > tsize) {
		rc = -PVF_E2BIG;
	} else {
		memcpy(path, ev[XS_WATCH_PATH], pl + 1);
		memcpy(token, ev[XS_WATCH_TOKEN], tl + 1);
	}
	free(ev);
	return rc;
}

PVF_API unsigned int pvf_lb_guest_xs_watches(const struct pvf_lb_guest *g)
{
	return __atomic_load_n(&g->xs_watches, __ATOMIC_SEQ_CST);
}
