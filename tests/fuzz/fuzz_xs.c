/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: xenstore value parsing (<pvfront/xs.h>).
 *
 * The input, up to its first NUL, is a xenstore value.  Every parser runs
 * on it and is checked against a reference written here from the rules in
 * xs.h; a value that parses must round-trip through the formatter and the
 * writers (written with pvf_xs_write_u64/u32, read back as the canonical
 * string and the same number), and the typed readers must agree with the
 * parsers on the raw value as stored by pvf_xs_write_str.
 * Accepted: pvf_xs_parse_u64 took the value; rejected: it refused it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/errno.h>
#include <pvfront/xs.h>
#include "../fake_platform.h"
#include "fuzz.h"

#define XS_FUZZ_MAX 160u   /* longer inputs are cut: nothing new past it */
#define SENT64 0xa5a5a5a5a5a5a5a5ull

static struct pvf_fake *g_fake; /* kept between inputs (cheap to reuse) */

/* Reference: unsigned decimal per the rules of xs.h.  Writes the digits
 * without leading zeros ("0" for zero) into @canon (>= 22 bytes). */
static int ref_u64(const char *s, uint64_t *out, char *canon)
{
	static const char max[] = "18446744073709551615";
	const char *d;
	size_t n, i;
	uint64_t v = 0;

	if (!*s)
		return -PVF_EINVAL;
	for (d = s; *d; d++)
		if (*d < '0' || *d > '9')
			return -PVF_EINVAL;
	while (s[0] == '0' && s[1])
		s++;
	n = strlen(s);
	if (n > sizeof(max) - 1 || (n == sizeof(max) - 1 && strcmp(s, max) > 0))
		return -PVF_ERANGE;
	for (i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	memcpy(canon, s, n + 1);
	*out = v;
	return 0;
}

/* Reference: signed decimal in [min, max]. */
static int ref_int(const char *s, int min, int max, int *out)
{
	char canon[32];
	uint64_t mag;
	int neg = 0, r;

	if (min > max)
		return -PVF_EINVAL;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	r = ref_u64(s, &mag, canon);
	if (r)
		return r;
	if (neg) {
		if (mag > (uint64_t)INT_MAX + 1u)
			return -PVF_ERANGE;
		if ((int64_t)-(int64_t)mag < (int64_t)min || (int64_t)-(int64_t)mag > (int64_t)max)
			return -PVF_ERANGE;
		*out = (int)-(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT_MAX || (int64_t)mag > (int64_t)max ||
		    (int64_t)mag < (int64_t)min)
			return -PVF_ERANGE;
		*out = (int)mag;
	}
	return 0;
}

/* The unsigned parsers of one width against the u64 reference. */
static int check_unsigned(const char *s, int rr, uint64_t rv)
{
	uint64_t v64 = SENT64;
	uint32_t v32 = 0xa5a5a5a5u;
	uint16_t v16 = 0xa5a5u;
	uint8_t v8 = 0xa5u;
	int r, want;

	r = pvf_xs_parse_u64(s, &v64);
	if (r != rr || (r == 0 && v64 != rv) || (r && v64 != SENT64))
		return pvf_fuzz_fail("parse_u64(\"%s\") = %d (%llu), reference %d (%llu)", s, r,
				     (unsigned long long)v64, rr, (unsigned long long)rv);
	want = rr ? rr : rv > UINT32_MAX ? -PVF_ERANGE : 0;
	r = pvf_xs_parse_u32(s, &v32);
	if (r != want || (r == 0 && v32 != rv) || (r && v32 != 0xa5a5a5a5u))
		return pvf_fuzz_fail("parse_u32(\"%s\") = %d, want %d", s, r, want);
	want = rr ? rr : rv > UINT16_MAX ? -PVF_ERANGE : 0;
	r = pvf_xs_parse_u16(s, &v16);
	if (r != want || (r == 0 && v16 != rv) || (r && v16 != 0xa5a5u))
		return pvf_fuzz_fail("parse_u16(\"%s\") = %d, want %d", s, r, want);
	want = rr ? rr : rv > UINT8_MAX ? -PVF_ERANGE : 0;
	r = pvf_xs_parse_u8(s, &v8);
	if (r != want || (r == 0 && v8 != rv) || (r && v8 != 0xa5u))
		return pvf_fuzz_fail("parse_u8(\"%s\") = %d, want %d", s, r, want);
	return 0;
}

static int check_ranges(const char *s, int rr, uint64_t rv)
{
	static const uint64_t lim[][2] = {
		{ 0, UINT64_MAX }, { 1, 1 }, { 10, 4096 }, { 0, 0 }, { 1ull << 32, 1ull << 40 },
		{ 7, 3 }, /* min > max: always EINVAL */
	};
	size_t i;

	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		uint64_t mn = lim[i][0], mx = lim[i][1], v = SENT64;
		uint32_t v32 = 0xa5a5a5a5u;
		int want, r;

		want = mn > mx ? -PVF_EINVAL : rr ? rr : (rv < mn || rv > mx) ? -PVF_ERANGE : 0;
		r = pvf_xs_parse_u64_range(s, mn, mx, &v);
		if (r != want || (r == 0 && v != rv) || (r && v != SENT64))
			return pvf_fuzz_fail("parse_u64_range(\"%s\", %llu, %llu) = %d, want %d", s,
					     (unsigned long long)mn, (unsigned long long)mx, r, want);
		if (mx > UINT32_MAX || mn > UINT32_MAX)
			continue;
		r = pvf_xs_parse_u32_range(s, (uint32_t)mn, (uint32_t)mx, &v32);
		if (r != want || (r == 0 && v32 != rv) || (r && v32 != 0xa5a5a5a5u))
			return pvf_fuzz_fail("parse_u32_range(\"%s\", %llu, %llu) = %d, want %d", s,
					     (unsigned long long)mn, (unsigned long long)mx, r, want);
	}
	return 0;
}

static int check_int_bool(const char *s)
{
	static const int lim[][2] = {
		{ INT_MIN, INT_MAX }, { -10, 10 }, { 0, 100 }, { INT_MIN, -1 }, { 5, 1 },
	};
	char again[16];
	size_t i;
	int b = 77, want, r;

	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		int v = 0x5a5a5a5a, rv = 0x5a5a5a5a, v2 = 0;

		want = ref_int(s, lim[i][0], lim[i][1], &rv);
		r = pvf_xs_parse_int(s, lim[i][0], lim[i][1], &v);
		if (r != want || (r == 0 && v != rv) || (r && v != 0x5a5a5a5a))
			return pvf_fuzz_fail("parse_int(\"%s\", %d, %d) = %d (%d), reference %d (%d)",
					     s, lim[i][0], lim[i][1], r, v, want, rv);
		if (r)
			continue;
		/* round trip through its own decimal rendering */
		snprintf(again, sizeof(again), "%d", v);
		if (pvf_xs_parse_int(again, lim[i][0], lim[i][1], &v2) || v2 != v)
			return pvf_fuzz_fail("parse_int round trip of %d via \"%s\"", v, again);
	}
	want = (!strcmp(s, "0") || !strcmp(s, "1")) ? 0 : -PVF_EINVAL;
	r = pvf_xs_parse_bool(s, &b);
	if (r != want || (r == 0 && b != s[0] - '0') || (r && b != 77))
		return pvf_fuzz_fail("parse_bool(\"%s\") = %d (%d), want %d", s, r, b, want);
	return 0;
}

/* Formatter and writer round trips of a value that parsed. */
static int check_roundtrip(const struct pvf_platform *p, uint64_t v, const char *canon)
{
	size_t n = strlen(canon);
	char *tight = malloc(n);     /* one byte short: must not be overrun */
	char buf[PVF_XS_U64_STRLEN];
	const char *stored;
	uint64_t back = 0;
	uint32_t back32 = 0;
	int r;

	r = pvf_xs_format_u64(buf, sizeof(buf), v);
	if (r != (int)n || strcmp(buf, canon))
		return free(tight), pvf_fuzz_fail("format_u64(%llu) = %d \"%s\", want \"%s\"",
						  (unsigned long long)v, r, buf, canon);
	if (!tight)
		abort();
	r = pvf_xs_format_u64(tight, n, v);
	if (r != -PVF_E2BIG || (n && tight[0]))
		return free(tight), pvf_fuzz_fail("format_u64(%llu) into %zu bytes = %d",
						  (unsigned long long)v, n, r);
	free(tight);
	if (pvf_xs_parse_u64(buf, &back) || back != v)
		return pvf_fuzz_fail("format/parse round trip of %llu", (unsigned long long)v);
	r = pvf_xs_write_u64(p, 0, "fuzz", "u64", v);
	stored = pvf_fake_xs_get(g_fake, "fuzz/u64");
	if (r || !stored || strcmp(stored, canon))
		return pvf_fuzz_fail("write_u64(%llu) = %d, stored \"%s\"", (unsigned long long)v, r,
				     stored ? stored : "(none)");
	back = 0;
	if (pvf_xs_read_u64(p, 0, "fuzz", "u64", &back) || back != v)
		return pvf_fuzz_fail("write_u64/read_u64 round trip of %llu", (unsigned long long)v);
	if (v <= UINT32_MAX) {
		r = pvf_xs_write_u32(p, 0, "fuzz", "u32", (uint32_t)v);
		stored = pvf_fake_xs_get(g_fake, "fuzz/u32");
		if (r || !stored || strcmp(stored, canon))
			return pvf_fuzz_fail("write_u32(%llu) = %d", (unsigned long long)v, r);
		if (pvf_xs_read_u32(p, 0, "fuzz", "u32", &back32) || back32 != v)
			return pvf_fuzz_fail("write_u32/read_u32 round trip of %llu",
					     (unsigned long long)v);
	}
	return 0;
}

/* The typed readers on the raw value agree with the parsers. */
static int check_readers(const struct pvf_platform *p, const char *s)
{
	size_t n = strlen(s);
	int long_num = n > PVF_XS_NUM_MAX;
	char *exact = malloc(n + 1), *small = malloc(n ? n : 1);
	uint64_t a = 0, b = 0;
	uint16_t c16 = 0, d16 = 0;
	int r1, r2, i1 = 0, i2 = 0;

	if (!exact || !small)
		abort();
	if (pvf_xs_write_str(p, 0, "fuzz", "raw", s)) {
		free(exact);
		free(small);
		return 0; /* the fake refused the value (too long): nothing stored */
	}
	r1 = pvf_xs_read_str(p, 0, "fuzz", "raw", exact, n + 1);
	r2 = n ? pvf_xs_read_str(p, 0, "fuzz", "raw", small, n) : -PVF_E2BIG;
	if (r1 != (int)n || strcmp(exact, s) || r2 != -PVF_E2BIG) {
		free(exact);
		free(small);
		return pvf_fuzz_fail("read_str of a %zu-byte value: %d, %d", n, r1, r2);
	}
	free(exact);
	free(small);
	r1 = pvf_xs_read_u64(p, 0, "fuzz", "raw", &a);
	r2 = long_num ? -PVF_ERANGE : pvf_xs_parse_u64(s, &b);
	if (r1 != r2 || (!r1 && a != b))
		return pvf_fuzz_fail("read_u64(\"%s\") = %d, parse %d", s, r1, r2);
	r1 = pvf_xs_read_u16(p, 0, "fuzz", "raw", &c16);
	r2 = long_num ? -PVF_ERANGE : pvf_xs_parse_u16(s, &d16);
	if (r1 != r2 || (!r1 && c16 != d16))
		return pvf_fuzz_fail("read_u16(\"%s\") = %d, parse %d", s, r1, r2);
	r1 = pvf_xs_read_int(p, 0, "fuzz", "raw", -1000, 1000, &i1);
	r2 = long_num ? -PVF_ERANGE : pvf_xs_parse_int(s, -1000, 1000, &i2);
	if (r1 != r2 || (!r1 && i1 != i2))
		return pvf_fuzz_fail("read_int(\"%s\") = %d, parse %d", s, r1, r2);
	r1 = pvf_xs_read_bool(p, 0, "fuzz", "raw", &i1);
	r2 = long_num ? -PVF_EINVAL : pvf_xs_parse_bool(s, &i2);
	if (r1 != r2 || (!r1 && i1 != i2))
		return pvf_fuzz_fail("read_bool(\"%s\") = %d, parse %d", s, r1, r2);
	return 0;
}

/* pvf_xs_path with the value as the directory: bounded, never overrun. */
static int check_path(const char *s, uint8_t room)
{
	size_t size = (size_t)room % 48u + 1u;
	char *buf = malloc(size);
	int r;

	if (!buf)
		abort();
	r = pvf_xs_path(buf, size, s, "key");
	if (r >= 0) {
		size_t n = strlen(s);
		int same = *s ? (strlen(buf) == n + 4 && !memcmp(buf, s, n) && !strcmp(buf + n, "/key"))
			       : !strcmp(buf, "key");

		if ((size_t)r >= size || strlen(buf) != (size_t)r || !same) {
			free(buf);
			return pvf_fuzz_fail("xs_path(\"%s\", \"key\") in %zu bytes = %d", s, size, r);
		}
	} else if (r != -PVF_E2BIG) {
		free(buf);
		return pvf_fuzz_fail("xs_path(\"%s\", \"key\") = %d", s, r);
	}
	free(buf);
	return 0;
}

int pvf_fuzz_xs(const uint8_t *data, size_t size)
{
	const struct pvf_platform *p;
	char canon[32];
	uint64_t rv = 0;
	size_t n = 0;
	char *s;
	int rr, ok = 0;

	if (!g_fake) {
		g_fake = pvf_fake_new();
		if (!g_fake)
			abort();
	}
	p = pvf_fake_platform(g_fake);
	while (n < size && n < XS_FUZZ_MAX && data[n])
		n++;
	s = malloc(n + 1); /* exactly sized: an over-read is an ASan report */
	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = '\0';
	rr = ref_u64(s, &rv, canon);
	if (check_unsigned(s, rr, rv) || check_ranges(s, rr, rv) || check_int_bool(s) ||
	    (rr == 0 && check_roundtrip(p, rv, canon)) || check_readers(p, s) ||
	    check_path(s, size > n + 1 ? data[n + 1] : (uint8_t)n))
		ok = -1;
	free(s);
	if (ok < 0)
		return PVF_FUZZ_VIOLATION;
	return rr == 0 ? PVF_FUZZ_ACCEPTED : PVF_FUZZ_REJECTED;
}

const struct pvf_fuzz_seed pvf_fuzz_xs_corpus[] = {
	PVF_FUZZ_STR("0"), PVF_FUZZ_STR("1"), PVF_FUZZ_STR("42"), PVF_FUZZ_STR("007"),
	PVF_FUZZ_STR("255"), PVF_FUZZ_STR("256"), PVF_FUZZ_STR("65535"), PVF_FUZZ_STR("65536"),
	PVF_FUZZ_STR("4294967295"), PVF_FUZZ_STR("4294967296"),
	PVF_FUZZ_STR("18446744073709551615"), PVF_FUZZ_STR("18446744073709551616"),
	PVF_FUZZ_STR("-1"), PVF_FUZZ_STR("-2147483648"), PVF_FUZZ_STR("2147483647"),
	PVF_FUZZ_STR("2097152"), PVF_FUZZ_STR("00000000000000000000000000000000001"),
	PVF_FUZZ_STR("backend/vbd/1/768"), PVF_FUZZ_STR("1 "), PVF_FUZZ_STR("+5"),
	PVF_FUZZ_SEED_END,
};
