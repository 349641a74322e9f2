/* SPDX-License-Identifier: BSD-2-Clause */
/* The seam's xenstore ops over libxenstore; see xs_client.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include "../common/internal.h"
#include "xs_client.h"

int pvf_xsc_err(void)
{
	int e = errno;

	switch (e) {
	case EPERM:
		return -PVF_EACCES;
	case ENOENT: case EACCES: case EINVAL: case EAGAIN: case EEXIST:
	case ENOSPC: case E2BIG: case EBUSY: case EROFS: case ENOMEM:
	case ECONNRESET: case EISDIR: case ENOTEMPTY:
		return -e;
	default:
		return -PVF_EIO;
	}
}

/* The context begins with a struct pvf_xsc (see the header). */
static struct xs_handle *handle(void *ctx)
{
	return ((struct pvf_xsc *)ctx)->xs;
}

static int x_read(void *ctx, uint32_t txn, const char *path, char *buf, size_t size)
{
	struct xs_handle *xs = handle(ctx);
	unsigned int len = 0;
	char *v;
	int rc;

	if (!xs)
		return -PVF_EIO;
	if (!buf || size == 0)
		return -PVF_EINVAL;
	v = xs_read(xs, txn, path, &len);
	if (!v)
		return pvf_xsc_err();
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
	struct xs_handle *xs = handle(ctx);

	if (!xs)
		return -PVF_EIO;
	return xs_write(xs, txn, path, value, (unsigned int)strlen(value)) ? 0 : pvf_xsc_err();
}

static int x_mkdir(void *ctx, uint32_t txn, const char *path)
{
	struct xs_handle *xs = handle(ctx);

	if (!xs)
		return -PVF_EIO;
	return xs_mkdir(xs, txn, path) ? 0 : pvf_xsc_err();
}

static int x_rm(void *ctx, uint32_t txn, const char *path)
{
	struct xs_handle *xs = handle(ctx);

	if (!xs)
		return -PVF_EIO;
	return xs_rm(xs, txn, path) ? 0 : pvf_xsc_err();
}

static int x_directory(void *ctx, uint32_t txn, const char *path, char *buf, size_t size)
{
	struct xs_handle *xs = handle(ctx);
	unsigned int num = 0, i;
	size_t used = 0;
	char **names;

	if (!xs)
		return -PVF_EIO;
	names = xs_directory(xs, txn, path, &num);
	if (!names)
		return pvf_xsc_err();
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
	struct pvf_xsc *c = ctx;

	if (!c->xs)
		return -PVF_EIO;
	if (!xs_watch(c->xs, path, token))
		return pvf_xsc_err();
	__atomic_fetch_add(&c->watches, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int x_unwatch(void *ctx, const char *path, const char *token)
{
	struct pvf_xsc *c = ctx;

	if (!c->xs)
		return -PVF_EIO;
	if (!xs_unwatch(c->xs, path, token))
		return pvf_xsc_err();
	__atomic_fetch_sub(&c->watches, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static int x_txn_start(void *ctx, uint32_t *txn)
{
	struct xs_handle *xs = handle(ctx);
	xs_transaction_t t;

	if (!xs)
		return -PVF_EIO;
	t = xs_transaction_start(xs);
	if (t == XBT_NULL)
		return pvf_xsc_err();
	*txn = t;
	return 0;
}

static int x_txn_end(void *ctx, uint32_t txn, int abort_it)
{
	struct xs_handle *xs = handle(ctx);

	if (!xs)
		return -PVF_EIO;
	return xs_transaction_end(xs, txn, abort_it ? true : false) ? 0 : pvf_xsc_err();
}

void pvf_xsc_ops(struct pvf_platform_ops *ops)
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

int pvf_xsc_fileno(const struct pvf_xsc *c)
{
	int fd;

	if (!c->xs)
		return -PVF_ENOTCONN;
	fd = xs_fileno(c->xs);
	return fd < 0 ? -PVF_EIO : fd;
}

int pvf_xsc_read_watch(struct pvf_xsc *c, char *path, size_t psize, char *token, size_t tsize)
{
	char **ev;
	size_t pl, tl;
	int rc = 1;

	if (!c->xs)
		return -PVF_ENOTCONN;
	if (!path || !token || psize == 0 || tsize == 0)
		return -PVF_EINVAL;
	ev = xs_check_watch(c->xs);
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

unsigned int pvf_xsc_watches(const struct pvf_xsc *c)
{
	return __atomic_load_n(&c->watches, __ATOMIC_SEQ_CST);
}
