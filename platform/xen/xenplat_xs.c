/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Real-Xen platform: the xenstore ops over libxenstore (the dom0 xenstored
 * or /dev/xen/xenbus), and the watch helpers.  Strings from the server are
 * bounded and copied into the caller's buffers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include "../../common/internal.h"
#include "xenplat_int.h"

int xp_xs_err(void)
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

static int x_read(void *ctx, uint32_t txn, const char *path, char *buf, size_t size)
{
	struct pvf_xenplat *x = ctx;
	unsigned int len = 0;
	char *v;
	int rc;

	if (!buf || size == 0)
		return -PVF_EINVAL;
	v = xs_read(x->xs, txn, path, &len);
	if (!v)
		return xp_xs_err();
	if (len > PVF_XS_VALUE_MAX) {
		rc = -PVF_EIO;
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
	struct pvf_xenplat *x = ctx;

	return xs_write(x->xs, txn, path, value, (unsigned int)strlen(value)) ? 0 : xp_xs_err();
}

static int x_mkdir(void *ctx, uint32_t txn, const char *path)
{
	struct pvf_xenplat *x = ctx;

	return xs_mkdir(x->xs, txn, path) ? 0 : xp_xs_err();
}

static int x_rm(void *ctx, uint32_t txn, const char *path)
{
	struct pvf_xenplat *x = ctx;

	return xs_rm(x->xs, txn, path) ? 0 : xp_xs_err();
}

static int x_directory(void *ctx, uint32_t txn, const char *path, char *buf, size_t size)
{
	struct pvf_xenplat *x = ctx;
	unsigned int num = 0;
	size_t used = 0;
	char **names = xs_directory(x->xs, txn, path, &num);

	if (!names)
		return xp_xs_err();
	for (unsigned int i = 0; i < num; i++) {
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
	struct pvf_xenplat *x = ctx;

	if (!xs_watch(x->xs, path, token))
		return xp_xs_err();
	x->watches++;
	return 0;
}

static int x_unwatch(void *ctx, const char *path, const char *token)
{
	struct pvf_xenplat *x = ctx;

	if (!xs_unwatch(x->xs, path, token))
		return xp_xs_err();
	x->watches--;
	return 0;
}

static int x_txn_start(void *ctx, uint32_t *txn)
{
	struct pvf_xenplat *x = ctx;
	xs_transaction_t t = xs_transaction_start(x->xs);

	if (t == XBT_NULL)
		return xp_xs_err();
	*txn = t;
	return 0;
}

static int x_txn_end(void *ctx, uint32_t txn, int abort_it)
{
	struct pvf_xenplat *x = ctx;

	return xs_transaction_end(x->xs, txn, abort_it ? true : false) ? 0 : xp_xs_err();
}

void xp_xs_ops(struct pvf_platform_ops *ops)
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

PVF_API int pvf_xenplat_xs_fileno(struct pvf_xenplat *x)
{
	int fd = xs_fileno(x->xs);

	return fd < 0 ? -PVF_EIO : fd;
}

PVF_API int pvf_xenplat_xs_read_watch(struct pvf_xenplat *x, char *path, size_t psize,
				      char *token, size_t tsize)
{
	char **ev = xs_check_watch(x->xs);
	int rc = 1;

	if (!ev)
		return errno == EAGAIN ? 0 : -PVF_EIO;
	if (strlen(ev[XS_WATCH_PATH]) >= psize || strlen(ev[XS_WATCH_TOKEN]) >= tsize) {
		rc = -PVF_E2BIG;
	} else {
		strcpy(path, ev[XS_WATCH_PATH]);
		strcpy(token, ev[XS_WATCH_TOKEN]);
	}
	free(ev);
	return rc;
}
