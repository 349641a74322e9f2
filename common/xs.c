/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xenstore helpers: strict parsing, bounded paths, typed reads and writes,
 * transaction retry.  See <pvfront/xs.h> for the rules.
 */
#include "internal.h"
#include <pvfront/xs.h>

/* ---- parsing --------------------------------------------------------- */

/* Parse unsigned decimal digits of @s (no sign).  Returns 0, -EINVAL,
 * -ERANGE. */
static int parse_digits(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	const uint64_t lim = UINT64_MAX / 10; /* constant: no runtime division */

	if (!s || !*s)
		return -PVF_EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -PVF_EINVAL;
		d = (unsigned)(*s - '0');
		if (v > lim || (v == lim && d > UINT64_MAX - lim * 10)) {
			/* keep scanning: garbage after an overflow is EINVAL */
			for (s++; *s; s++)
				if (*s < '0' || *s > '9')
					return -PVF_EINVAL;
			return -PVF_ERANGE;
		}
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

PVF_API int pvf_xs_parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	int r;

	if (!out || min > max)
		return -PVF_EINVAL;
	r = parse_digits(s, &v);
	if (r)
		return r;
	if (v < min || v > max)
		return -PVF_ERANGE;
	*out = v;
	return 0;
}

PVF_API int pvf_xs_parse_u64(const char *s, uint64_t *out)
{
	return pvf_xs_parse_u64_range(s, 0, UINT64_MAX, out);
}

PVF_API int pvf_xs_parse_u32_range(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;
	int r;

	if (!out)
		return -PVF_EINVAL;
	r = pvf_xs_parse_u64_range(s, min, max, &v);
	if (r)
		return r;
	*out = (uint32_t)v;
	return 0;
}

PVF_API int pvf_xs_parse_u32(const char *s, uint32_t *out)
{
	return pvf_xs_parse_u32_range(s, 0, UINT32_MAX, out);
}

PVF_API int pvf_xs_parse_u16(const char *s, uint16_t *out)
{
	uint32_t v;
	int r;

	if (!out)
		return -PVF_EINVAL;
	r = pvf_xs_parse_u32_range(s, 0, UINT16_MAX, &v);
	if (r)
		return r;
	*out = (uint16_t)v;
	return 0;
}

PVF_API int pvf_xs_parse_u8(const char *s, uint8_t *out)
{
	uint32_t v;
	int r;

	if (!out)
		return -PVF_EINVAL;
	r = pvf_xs_parse_u32_range(s, 0, UINT8_MAX, &v);
	if (r)
		return r;
	*out = (uint8_t)v;
	return 0;
}

PVF_API int pvf_xs_parse_int(const char *s, int min, int max, int *out)
{
	uint64_t mag;
	int64_t v;
	bool neg = false;
	int r;

	if (!s || !out || min > max)
		return -PVF_EINVAL;
	if (*s == '-') {
		neg = true;
		s++;
	}
	r = parse_digits(s, &mag);
	if (r)
		return r;
	/* anything beyond 2^31 is out of range for int whatever the sign */
	if (mag > (uint64_t)INT32_MAX + 1)
		return -PVF_ERANGE;
	v = neg ? -(int64_t)mag : (int64_t)mag;
	if (v < (int64_t)min || v > (int64_t)max)
		return -PVF_ERANGE;
	*out = (int)v;
	return 0;
}

PVF_API int pvf_xs_parse_bool(const char *s, int *out)
{
	if (!s || !out)
		return -PVF_EINVAL;
	if ((s[0] == '0' || s[0] == '1') && s[1] == '\0') {
		*out = s[0] == '1';
		return 0;
	}
	return -PVF_EINVAL;
}

/* ---- formatting and paths -------------------------------------------- */

PVF_API int pvf_xs_format_u64(char *buf, size_t size, uint64_t v)
{
	/* Powers of ten, highest first: digits by repeated subtraction, at
	 * most nine per digit, so no 64-bit division helper is needed. */
	static const uint64_t pow10[20] = {
		10000000000000000000ull, 1000000000000000000ull,
		100000000000000000ull, 10000000000000000ull, 1000000000000000ull,
		100000000000000ull, 10000000000000ull, 1000000000000ull,
		100000000000ull, 10000000000ull, 1000000000ull, 100000000ull,
		10000000ull, 1000000ull, 100000ull, 10000ull, 1000ull, 100ull,
		10ull, 1ull,
	};
	char tmp[PVF_XS_U64_STRLEN];
	size_t n = 0, i;

	if (!buf)
		return -PVF_EINVAL;
	for (i = 0; i < PVF_ARRAY_SIZE(pow10); i++) {
		char d = '0';

		while (v >= pow10[i]) {
			v -= pow10[i];
			d++;
		}
		if (n || d != '0' || i == PVF_ARRAY_SIZE(pow10) - 1)
			tmp[n++] = d;
	}
	if (n + 1 > size) {
		if (size)
			buf[0] = '\0';
		return -PVF_E2BIG;
	}
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return (int)n;
}

PVF_API int pvf_xs_path(char *buf, size_t size, const char *a, const char *b)
{
	size_t la, lb, total;
	size_t lim = PVF_MIN(size, (size_t)PVF_XS_PATH_MAX);

	if (!buf)
		return -PVF_EINVAL;
	if (size)
		buf[0] = '\0';
	la = a ? pvf_strnlen(a, PVF_XS_PATH_MAX) : 0;
	lb = b ? pvf_strnlen(b, PVF_XS_PATH_MAX) : 0;
	if (!la && !lb)
		return -PVF_EINVAL;
	total = la + lb + (la && lb ? 1 : 0);
	if (total + 1 > lim)
		return -PVF_E2BIG;
	if (la)
		memcpy(buf, a, la);
	if (la && lb)
		buf[la] = '/';
	if (lb)
		memcpy(buf + total - lb, b, lb);
	buf[total] = '\0';
	return (int)total;
}

/* ---- reading --------------------------------------------------------- */

PVF_API int pvf_xs_read_str(const struct pvf_platform *p, uint32_t txn, const char *dir,
			    const char *key, char *buf, size_t size)
{
	char path[PVF_XS_PATH_MAX];
	int r;

	if (!p || !p->ops || !buf || !size)
		return -PVF_EINVAL;
	buf[0] = '\0';
	r = pvf_xs_path(path, sizeof(path), dir, key);
	if (r < 0)
		return r;
	r = p->ops->xs_read(p->ctx, txn, path, buf, size);
	if (r < 0) {
		buf[0] = '\0';
		return r;
	}
	/* Do not trust the platform's length: terminate and measure. */
	buf[size - 1] = '\0';
	return (int)pvf_strnlen(buf, size);
}

/* Read a short numeric value: a value that does not fit is out of range. */
static int read_num(const struct pvf_platform *p, uint32_t txn, const char *dir,
		    const char *key, char *buf, size_t size)
{
	int r = pvf_xs_read_str(p, txn, dir, key, buf, size);

	if (r == -PVF_E2BIG) {
		/* either the path or the value is too long; tell them apart */
		char path[PVF_XS_PATH_MAX];

		if (pvf_xs_path(path, sizeof(path), dir, key) >= 0)
			return -PVF_ERANGE;
	}
	return r < 0 ? r : 0;
}

PVF_API int pvf_xs_read_u64(const struct pvf_platform *p, uint32_t txn, const char *dir,
			    const char *key, uint64_t *out)
{
	char v[PVF_XS_NUM_MAX + 1];
	int r = read_num(p, txn, dir, key, v, sizeof(v));

	return r ? r : pvf_xs_parse_u64(v, out);
}

PVF_API int pvf_xs_read_u32(const struct pvf_platform *p, uint32_t txn, const char *dir,
			    const char *key, uint32_t *out)
{
	char v[PVF_XS_NUM_MAX + 1];
	int r = read_num(p, txn, dir, key, v, sizeof(v));

	return r ? r : pvf_xs_parse_u32(v, out);
}

PVF_API int pvf_xs_read_u16(const struct pvf_platform *p, uint32_t txn, const char *dir,
			    const char *key, uint16_t *out)
{
	char v[PVF_XS_NUM_MAX + 1];
	int r = read_num(p, txn, dir, key, v, sizeof(v));

	return r ? r : pvf_xs_parse_u16(v, out);
}

PVF_API int pvf_xs_read_u8(const struct pvf_platform *p, uint32_t txn, const char *dir,
			   const char *key, uint8_t *out)
{
	char v[PVF_XS_NUM_MAX + 1];
	int r = read_num(p, txn, dir, key, v, sizeof(v));

	return r ? r : pvf_xs_parse_u8(v, out);
}

PVF_API int pvf_xs_read_bool(const struct pvf_platform *p, uint32_t txn, const char *dir,
			     const char *key, int *out)
{
	char v[PVF_XS_NUM_MAX + 1];
	int r = read_num(p, txn, dir, key, v, sizeof(v));

	if (r == -PVF_ERANGE)
		return -PVF_EINVAL; /* a long value is never "0" or "1" */
	return r ? r : pvf_xs_parse_bool(v, out);
}

PVF_API int pvf_xs_read_int(const struct pvf_platform *p, uint32_t txn, const char *dir,
			    const char *key, int min, int max, int *out)
{
	char v[PVF_XS_NUM_MAX + 1];
	int r = read_num(p, txn, dir, key, v, sizeof(v));

	return r ? r : pvf_xs_parse_int(v, min, max, out);
}

PVF_API int pvf_xs_read_u32_default(const struct pvf_platform *p, uint32_t txn,
				    const char *dir, const char *key, uint32_t def,
				    uint32_t *out)
{
	int r;

	if (!out)
		return -PVF_EINVAL;
	r = pvf_xs_read_u32(p, txn, dir, key, out);
	if (r)
		*out = def;
	return r == -PVF_ENOENT ? 0 : r;
}

PVF_API int pvf_xs_read_u64_default(const struct pvf_platform *p, uint32_t txn,
				    const char *dir, const char *key, uint64_t def,
				    uint64_t *out)
{
	int r;

	if (!out)
		return -PVF_EINVAL;
	r = pvf_xs_read_u64(p, txn, dir, key, out);
	if (r)
		*out = def;
	return r == -PVF_ENOENT ? 0 : r;
}

PVF_API int pvf_xs_read_bool_default(const struct pvf_platform *p, uint32_t txn,
				     const char *dir, const char *key, int def, int *out)
{
	int r;

	if (!out)
		return -PVF_EINVAL;
	r = pvf_xs_read_bool(p, txn, dir, key, out);
	if (r)
		*out = def;
	return r == -PVF_ENOENT ? 0 : r;
}

PVF_API int pvf_xs_read_trusted(const struct pvf_platform *p, uint32_t txn, const char *dir,
				const char *who, bool *trusted)
{
	int v = 1, r;

	if (!trusted || !who || !dir || !dir[0])
		return -PVF_EINVAL;
	r = pvf_xs_read_bool(p, txn, dir, "trusted", &v);
	if (r == -PVF_ENOENT) {
		*trusted = true;
		return 0;
	}
	if (r == -PVF_EINVAL || r == -PVF_ERANGE || r == -PVF_E2BIG) {
		if (!p)
			return -PVF_EINVAL;
		pvf_warn(p, "%s: %s/trusted malformed: treating as 0", who, dir);
		*trusted = false;
		return 0;
	}
	if (r < 0)
		return r;
	*trusted = v == 1;
	return 0;
}

/* ---- writing --------------------------------------------------------- */

PVF_API int pvf_xs_write_str(const struct pvf_platform *p, uint32_t txn, const char *dir,
			     const char *key, const char *value)
{
	char path[PVF_XS_PATH_MAX];
	int r;

	if (!p || !p->ops || !value)
		return -PVF_EINVAL;
	if (pvf_strnlen(value, PVF_XS_VALUE_MAX) >= PVF_XS_VALUE_MAX)
		return -PVF_E2BIG;
	r = pvf_xs_path(path, sizeof(path), dir, key);
	if (r < 0)
		return r;
	return p->ops->xs_write(p->ctx, txn, path, value);
}

PVF_API int pvf_xs_write_u64(const struct pvf_platform *p, uint32_t txn, const char *dir,
			     const char *key, uint64_t v)
{
	char num[PVF_XS_U64_STRLEN];

	pvf_xs_format_u64(num, sizeof(num), v); /* always fits */
	return pvf_xs_write_str(p, txn, dir, key, num);
}

PVF_API int pvf_xs_write_u32(const struct pvf_platform *p, uint32_t txn, const char *dir,
			     const char *key, uint32_t v)
{
	return pvf_xs_write_u64(p, txn, dir, key, v);
}

/* ---- transactions ---------------------------------------------------- */

PVF_API int pvf_xs_transact(const struct pvf_platform *p,
			    int (*body)(void *arg, uint32_t txn), void *arg,
			    unsigned int max_tries)
{
	unsigned int try;

	if (!p || !p->ops || !body || !max_tries)
		return -PVF_EINVAL;
	for (try = 0; try < max_tries; try++) {
		uint32_t txn = 0;
		int r, e;

		r = p->ops->xs_txn_start(p->ctx, &txn);
		if (r < 0)
			return r;
		r = body(arg, txn);
		if (r < 0) {
			/* abort; an abort failure changes nothing for us */
			p->ops->xs_txn_end(p->ctx, txn, 1);
			if (r == -PVF_EAGAIN)
				continue;
			return r;
		}
		e = p->ops->xs_txn_end(p->ctx, txn, 0);
		if (e == 0)
			return r;
		if (e != -PVF_EAGAIN)
			return e;
		pvf_debug(p, "xs: transaction conflict, try %u of %u", try + 1, max_tries);
	}
	return -PVF_EAGAIN;
}
