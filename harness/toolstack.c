/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The dom0 side of xenstore for the harness backends, and the toolstack
 * role (see toolstack.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/errno.h>
#include <pvfront/xs.h>
#include "toolstack.h"

/* libxenstore's errno as a negative code; never 0. */
static int ts_errno(void)
{
	return errno > 0 ? -errno : -PVF_EIO;
}

/* "@dir/@key" into @path (PVF_TS_PATH_MAX bytes).  Returns 0; -PVF_E2BIG;
 * -PVF_EINVAL (NULL part). */
static int ts_path(char *path, const char *dir, const char *key)
{
	int n;

	if (!dir || !key)
		return -PVF_EINVAL;
	n = snprintf(path, PVF_TS_PATH_MAX, "%s/%s", dir, key);
	return n < 0 || n >= (int)PVF_TS_PATH_MAX ? -PVF_E2BIG : 0;
}

int pvf_ts_write(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key,
		 const char *val)
{
	char path[PVF_TS_PATH_MAX];
	int rc = ts_path(path, dir, key);

	if (rc)
		return rc;
	if (!val)
		return -PVF_EINVAL;
	return xs_write(xs, t, path, val, strlen(val)) ? 0 : ts_errno();
}

int pvf_ts_vwritef(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key,
		   const char *fmt, va_list ap)
{
	char val[PVF_TS_VALUE_MAX];
	int n = vsnprintf(val, sizeof(val), fmt, ap);

	if (n < 0 || n >= (int)sizeof(val))
		return -PVF_E2BIG;
	return pvf_ts_write(xs, t, dir, key, val);
}

int pvf_ts_writef(struct xs_handle *xs, xs_transaction_t t, const char *dir, const char *key,
		  const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pvf_ts_vwritef(xs, t, dir, key, fmt, ap);
	va_end(ap);
	return rc;
}

int pvf_ts_write_keys(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		      const struct pvf_ts_kv *kv)
{
	int rc = 0;

	for (; kv && kv->key && !rc; kv++)
		rc = pvf_ts_write(xs, t, dir, kv->key, kv->val);
	return rc;
}

int pvf_ts_write_state(struct xs_handle *xs, const char *dir, uint32_t state)
{
	return pvf_ts_writef(xs, XBT_NULL, dir, "state", "%u", state);
}

int pvf_ts_read(struct xs_handle *xs, const char *dir, const char *key, char *buf, size_t size)
{
	char path[PVF_TS_PATH_MAX];
	unsigned int len = 0;
	char *v;
	int rc = ts_path(path, dir, key);

	if (rc)
		return rc;
	if (!buf || !size)
		return -PVF_EINVAL;
	buf[0] = '\0';
	v = xs_read(xs, XBT_NULL, path, &len);
	if (!v)
		return -PVF_ENOENT;
	if (len >= size || len > INT32_MAX)
		rc = -PVF_E2BIG;
	else if (memchr(v, '\0', len))
		rc = -PVF_EINVAL; /* "1\0junk" is not "1" */
	else {
		memcpy(buf, v, len);
		buf[len] = '\0';
		rc = (int)len;
	}
	free(v);
	return rc;
}

/* Read a short value (a number or a flag) into @buf (PVF_XS_NUM_MAX + 1
 * bytes).  Returns 0; -PVF_ENOENT; -PVF_E2BIG (path only); -PVF_ERANGE
 * (value too long); -PVF_EINVAL. */
static int ts_read_short(struct xs_handle *xs, const char *dir, const char *key, char *buf)
{
	char path[PVF_TS_PATH_MAX];
	int rc = ts_path(path, dir, key);

	if (rc)
		return rc; /* so that E2BIG below can only mean the value */
	rc = pvf_ts_read(xs, dir, key, buf, PVF_XS_NUM_MAX + 1);
	if (rc == -PVF_E2BIG)
		return -PVF_ERANGE;
	return rc < 0 ? rc : 0;
}

int pvf_ts_read_u32_range(struct xs_handle *xs, const char *dir, const char *key, uint32_t min,
			  uint32_t max, uint32_t *out)
{
	char v[PVF_XS_NUM_MAX + 1];
	int rc = ts_read_short(xs, dir, key, v);

	return rc ? rc : pvf_xs_parse_u32_range(v, min, max, out);
}

int pvf_ts_read_u32(struct xs_handle *xs, const char *dir, const char *key, uint32_t *out)
{
	return pvf_ts_read_u32_range(xs, dir, key, 0, UINT32_MAX, out);
}

int pvf_ts_read_bool(struct xs_handle *xs, const char *dir, const char *key, int def, int *out)
{
	char v[PVF_XS_NUM_MAX + 1];
	int rc = ts_read_short(xs, dir, key, v);

	if (rc == -PVF_ENOENT) {
		*out = def;
		return 0;
	}
	if (rc == -PVF_E2BIG)
		return rc;
	if (rc)
		return -PVF_EINVAL;
	return pvf_xs_parse_bool(v, out);
}

int pvf_ts_read_state(struct xs_handle *xs, const char *dir, uint32_t *out)
{
	return pvf_ts_read_u32_range(xs, dir, "state", 0, 8, out);
}

/* xs_watch (@on) or xs_unwatch on @dir/@key. */
static int ts_watch(struct xs_handle *xs, const char *dir, const char *key, const char *token,
		    int on)
{
	char path[PVF_TS_PATH_MAX];
	int rc = ts_path(path, dir, key);

	if (rc)
		return rc;
	if (on)
		return xs_watch(xs, path, token) ? 0 : ts_errno();
	return xs_unwatch(xs, path, token) ? 0 : ts_errno();
}

int pvf_ts_watch(struct xs_handle *xs, const char *dir, const char *key, const char *token)
{
	return ts_watch(xs, dir, key, token, 1);
}

int pvf_ts_unwatch(struct xs_handle *xs, const char *dir, const char *key, const char *token)
{
	return ts_watch(xs, dir, key, token, 0);
}

int pvf_ts_wait_watch(struct xs_handle *xs, int timeout_ms)
{
	struct pollfd pfd = { .fd = xs_fileno(xs), .events = POLLIN };
	unsigned int n;
	int rc = poll(&pfd, 1, timeout_ms);

	if (rc < 0)
		return errno == EINTR ? 0 : ts_errno();
	if (rc == 0)
		return 0;
	free(xs_read_watch(xs, &n));
	return 1;
}

static int ts_add(struct xs_handle *xs, const char *fe_dir, const char *be_dir,
		  unsigned int fe_domid, unsigned int be_domid, const struct pvf_ts_kv *fe_extra,
		  const struct pvf_ts_kv *be_extra)
{
	int rc;

	rc = pvf_ts_write(xs, XBT_NULL, fe_dir, "backend", be_dir);
	rc = rc ? rc : pvf_ts_writef(xs, XBT_NULL, fe_dir, "backend-id", "%u", be_domid);
	rc = rc ? rc : pvf_ts_write_keys(xs, XBT_NULL, fe_dir, fe_extra);
	rc = rc ? rc : pvf_ts_write_state(xs, fe_dir, 1);
	rc = rc ? rc : pvf_ts_write(xs, XBT_NULL, be_dir, "frontend", fe_dir);
	rc = rc ? rc : pvf_ts_writef(xs, XBT_NULL, be_dir, "frontend-id", "%u", fe_domid);
	rc = rc ? rc : pvf_ts_write_keys(xs, XBT_NULL, be_dir, be_extra);
	rc = rc ? rc : pvf_ts_write(xs, XBT_NULL, be_dir, "online", "1");
	rc = rc ? rc : pvf_ts_write_state(xs, be_dir, 1);
	return rc;
}

int pvf_ts_add_device(struct xs_handle *xs, const char *type, unsigned int devid,
		      unsigned int fe_domid, unsigned int be_domid,
		      const struct pvf_ts_kv *fe_extra, const struct pvf_ts_kv *be_extra,
		      char *fe_dir, size_t fe_size, char *be_dir, size_t be_size)
{
	struct xs_handle *own = NULL;
	int n, rc;

	if (!type || !fe_dir || !be_dir || !fe_size || !be_size)
		return -PVF_EINVAL;
	n = snprintf(fe_dir, fe_size, "/local/domain/%u/device/%s/%u", fe_domid, type, devid);
	if (n < 0 || (size_t)n >= fe_size || (size_t)n >= PVF_TS_PATH_MAX)
		return -PVF_E2BIG;
	n = snprintf(be_dir, be_size, "/local/domain/%u/backend/%s/%u/%u", be_domid, type,
		     fe_domid, devid);
	if (n < 0 || (size_t)n >= be_size || (size_t)n >= PVF_TS_PATH_MAX)
		return -PVF_E2BIG;
	if (!xs) {
		own = xs = xs_open(0);
		if (!xs)
			return ts_errno();
	}
	rc = ts_add(xs, fe_dir, be_dir, fe_domid, be_domid, fe_extra, be_extra);
	if (own)
		xs_close(own);
	return rc;
}

int pvf_ts_remove_device(struct xs_handle *xs, const char *fe_dir, const char *be_dir)
{
	struct xs_handle *own = NULL;
	int rc = 0;

	if (!fe_dir || !be_dir)
		return -PVF_EINVAL;
	if (!xs) {
		own = xs = xs_open(0);
		if (!xs)
			return ts_errno();
	}
	if (!xs_rm(xs, XBT_NULL, fe_dir) && errno != ENOENT)
		rc = ts_errno();
	if (!xs_rm(xs, XBT_NULL, be_dir) && errno != ENOENT && !rc)
		rc = ts_errno();
	if (own)
		xs_close(own);
	return rc;
}
