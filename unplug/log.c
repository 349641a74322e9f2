/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unplug: the log channel to the device model.  Text is buffered until a
 * newline completes a line, then written one byte at a time with 8-bit
 * writes to port 0x12.  Allowed only after the magic check succeeded
 * (0x49d2 or 0xd249), including when the build is blacklisted.
 */
#include "../common/internal.h"
#include <pvfront/unplug.h>

/* Write the buffered line plus a newline; the buffer is emptied whatever
 * happens (a line that failed half-way is not retried). */
static int emit_line(struct pvf_unplug *u)
{
	const struct pvf_platform_ops *ops = u->plat->ops;
	size_t i, len = u->log_len;
	int rc = 0;

	u->log_len = 0;
	for (i = 0; i < len && !rc; i++)
		rc = ops->out8(u->plat->ctx, PVF_UNPLUG_PORT_VERSION, (uint8_t)u->log_buf[i]);
	if (!rc)
		rc = ops->out8(u->plat->ctx, PVF_UNPLUG_PORT_VERSION, '\n');
	return rc;
}

PVF_API int pvf_unplug_log_write(struct pvf_unplug *u, const char *s, size_t n)
{
	size_t i;
	int rc;

	if (!u || (!s && n) || !u->plat)
		return -PVF_EINVAL;
	if (!u->log_ok)
		return -PVF_ENOTCONN;
	for (i = 0; i < n; i++) {
		if (s[i] == '\n') {
			rc = emit_line(u);
			if (rc)
				return rc;
			continue;
		}
		u->log_buf[u->log_len++] = s[i];
		/* Keep room for the newline: split an over-long line. */
		if (u->log_len >= PVF_UNPLUG_LOG_LINE_MAX - 1) {
			rc = emit_line(u);
			if (rc)
				return rc;
		}
	}
	return (int)PVF_MIN(n, (size_t)0x7fffffff);
}

PVF_API int pvf_unplug_logf(struct pvf_unplug *u, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int len;

	if (!u || !fmt)
		return -PVF_EINVAL;
	va_start(ap, fmt);
	len = pvf_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (len < 0)
		return -PVF_EINVAL;
	return pvf_unplug_log_write(u, line, pvf_strnlen(line, sizeof(line)));
}

PVF_API int pvf_unplug_log_flush(struct pvf_unplug *u)
{
	if (!u || !u->plat)
		return -PVF_EINVAL;
	if (!u->log_ok)
		return -PVF_ENOTCONN;
	if (!u->log_len)
		return 0;
	return emit_line(u);
}
