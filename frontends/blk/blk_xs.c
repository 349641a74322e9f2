/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Strict xenstore value parsing for the block frontend.  Kept local to the
 * block core until common/xs.c offers the same helpers; then these become
 * thin wrappers or go away.
 */
#include "blk_internal.h"

/* Longest numeric value we accept: 20 digits (UINT64_MAX) plus NUL. */
#define BLK_XS_NUM_MAX 24u

/*
 * Parse @s as an unsigned decimal no larger than @max.  No sign, no blanks,
 * no empty string, no trailing bytes.  Returns 0; -PVF_EPROTO otherwise.
 */
int pvf_blk_parse_u64(const char *s, uint64_t max, uint64_t *val)
{
	uint64_t v = 0;
	size_t i;

	if (!s || !s[0])
		return -PVF_EPROTO;
	for (i = 0; s[i]; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9' || i >= BLK_XS_NUM_MAX)
			return -PVF_EPROTO;
		d = (unsigned int)(s[i] - '0');
		/* constants fold: no 64-bit division at run time */
		if (v > UINT64_MAX / 10u || (v == UINT64_MAX / 10u && d > UINT64_MAX % 10u))
			return -PVF_EPROTO;
		v = v * 10u + d;
	}
	if (v > max)
		return -PVF_EPROTO;
	*val = v;
	return 0;
}

static int blk_xs_path(char *path, size_t size, const char *dir, const char *key)
{
	int n = pvf_snprintf(path, size, "%s/%s", dir, key);

	return (n < 0 || (size_t)n >= size) ? -PVF_EINVAL : 0;
}

/*
 * Read @dir/@key into @buf.  Returns the length; -PVF_ENOENT when absent;
 * -PVF_EPROTO if it does not fit @size; other xs_read errors.
 */
int pvf_blk_xs_read_str(const struct pvf_platform *p, const char *dir,
			const char *key, char *buf, size_t size)
{
	char path[2 * PVF_BLK_PATH_MAX];
	int r = blk_xs_path(path, sizeof(path), dir, key);

	if (r)
		return r;
	r = p->ops->xs_read(p->ctx, 0, path, buf, size);
	if (r == -PVF_E2BIG)
		return -PVF_EPROTO;
	if (r >= 0 && (size_t)r >= size)
		return -PVF_EPROTO; /* a platform that lies about the length */
	if (r >= 0)
		buf[r] = '\0';
	return r;
}

/*
 * Read @dir/@key as a strict decimal <= @max.  Returns 0; -PVF_ENOENT
 * (absent: the caller applies the default); -PVF_EPROTO (garbage);
 * other xs_read errors.
 */
int pvf_blk_xs_read_u64(const struct pvf_platform *p, const char *dir,
			const char *key, uint64_t max, uint64_t *val)
{
	char buf[BLK_XS_NUM_MAX];
	int r = pvf_blk_xs_read_str(p, dir, key, buf, sizeof(buf));

	if (r < 0)
		return r;
	r = pvf_blk_parse_u64(buf, max, val);
	if (r)
		pvf_warn(p, "blk: %s/%s: malformed value", dir, key);
	return r;
}

/* Write @val in decimal to @dir/@key.  Returns 0 or an xs_write error. */
int pvf_blk_xs_write_u32(const struct pvf_platform *p, uint32_t txn,
			 const char *dir, const char *key, uint32_t val)
{
	char path[2 * PVF_BLK_PATH_MAX];
	char num[16];
	int r = blk_xs_path(path, sizeof(path), dir, key);

	if (r)
		return r;
	pvf_snprintf(num, sizeof(num), "%u", (unsigned int)val);
	return p->ops->xs_write(p->ctx, txn, path, num);
}
