/* SPDX-License-Identifier: BSD-2-Clause */
/* xenstore helpers: strict parsing, formatting, paths, reads, writes,
 * transaction retry. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/xs.h>
#include "cu.h"
#include "fake_platform.h"

static struct pvf_fake *f;
static const struct pvf_platform *p;

static void setup_fake(void)
{
	f = pvf_fake_new();
	p = pvf_fake_platform(f);
}

static void teardown_fake(void)
{
	char why[128];

	CU_ASSERT_EQUAL(pvf_fake_leaks(f, why, sizeof(why)), 0);
	pvf_fake_free(f);
	f = NULL;
}

/* ---- parsing ----------------------------------------------------------- */

static void test_parse_u64_good(void)
{
	uint64_t v = 99;

	CU_ASSERT_EQUAL(pvf_xs_parse_u64("0", &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(pvf_xs_parse_u64("00", &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(pvf_xs_parse_u64("007", &v), 0);
	CU_ASSERT_EQUAL(v, 7);
	CU_ASSERT_EQUAL(pvf_xs_parse_u64("51712", &v), 0);
	CU_ASSERT_EQUAL(v, 51712);
	CU_ASSERT_EQUAL(pvf_xs_parse_u64("18446744073709551615", &v), 0);
	CU_ASSERT_EQUAL(v, UINT64_MAX);
	CU_ASSERT_EQUAL(pvf_xs_parse_u64("0000000000000000000000000000018446744073709551615", &v), 0);
	CU_ASSERT_EQUAL(v, UINT64_MAX);
}

static void test_parse_u64_bad(void)
{
	static const char *const einval[] = {
		"", " 12", "12 ", "12\n", "+1", "-1", "12abc", "abc", "0x10", "1 2",
		"\t1", "1.0", "１", "-", "+", "1e3", "\n",
	};
	uint64_t v = 1234;
	size_t i;

	for (i = 0; i < sizeof(einval) / sizeof(einval[0]); i++) {
		CU_ASSERT_EQUAL(pvf_xs_parse_u64(einval[i], &v), -PVF_EINVAL);
		CU_ASSERT_EQUAL(v, 1234);
	}
	CU_ASSERT_EQUAL(pvf_xs_parse_u64(NULL, &v), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_parse_u64("1", NULL), -PVF_EINVAL);
	/* one past the maximum, and far past it */
	CU_ASSERT_EQUAL(pvf_xs_parse_u64("18446744073709551616", &v), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_xs_parse_u64("18446744073709551620", &v), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_xs_parse_u64("99999999999999999999999", &v), -PVF_ERANGE);
	/* garbage after an overflowing prefix is still malformed */
	CU_ASSERT_EQUAL(pvf_xs_parse_u64("99999999999999999999999x", &v), -PVF_EINVAL);
	CU_ASSERT_EQUAL(v, 1234);
}

static void test_parse_narrow(void)
{
	uint32_t u32 = 5;
	uint16_t u16 = 5;
	uint8_t u8 = 5;

	CU_ASSERT_EQUAL(pvf_xs_parse_u32("4294967295", &u32), 0);
	CU_ASSERT_EQUAL(u32, UINT32_MAX);
	CU_ASSERT_EQUAL(pvf_xs_parse_u32("4294967296", &u32), -PVF_ERANGE);
	CU_ASSERT_EQUAL(u32, UINT32_MAX);
	CU_ASSERT_EQUAL(pvf_xs_parse_u16("65535", &u16), 0);
	CU_ASSERT_EQUAL(u16, 65535);
	CU_ASSERT_EQUAL(pvf_xs_parse_u16("65536", &u16), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_xs_parse_u16("-0", &u16), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_parse_u8("255", &u8), 0);
	CU_ASSERT_EQUAL(u8, 255);
	CU_ASSERT_EQUAL(pvf_xs_parse_u8("256", &u8), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_xs_parse_u8("0", &u8), 0);
	CU_ASSERT_EQUAL(u8, 0);
	CU_ASSERT_EQUAL(pvf_xs_parse_u8("", &u8), -PVF_EINVAL);
	CU_ASSERT_EQUAL(u8, 0);
}

static void test_parse_range(void)
{
	uint32_t v = 0;
	uint64_t w = 0;

	CU_ASSERT_EQUAL(pvf_xs_parse_u32_range("4", 1, 4, &v), 0);
	CU_ASSERT_EQUAL(v, 4);
	CU_ASSERT_EQUAL(pvf_xs_parse_u32_range("5", 1, 4, &v), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_xs_parse_u32_range("0", 1, 4, &v), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_xs_parse_u32_range("1", 1, 4, &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(pvf_xs_parse_u32_range("2", 4, 1, &v), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_parse_u32_range("x", 1, 4, &v), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_parse_u64_range("512", 512, 512, &w), 0);
	CU_ASSERT_EQUAL(w, 512);
	CU_ASSERT_EQUAL(pvf_xs_parse_u64_range("513", 512, 512, &w), -PVF_ERANGE);
}

static void test_parse_int(void)
{
	int v = 3;

	CU_ASSERT_EQUAL(pvf_xs_parse_int("-5", -10, 10, &v), 0);
	CU_ASSERT_EQUAL(v, -5);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("-0", -10, 10, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("2147483647", INT32_MIN, INT32_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, INT32_MAX);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("-2147483648", INT32_MIN, INT32_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, INT32_MIN);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("2147483648", INT32_MIN, INT32_MAX, &v), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("-2147483649", INT32_MIN, INT32_MAX, &v), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("-99999999999999999999999", INT32_MIN, INT32_MAX, &v),
			-PVF_ERANGE);
	CU_ASSERT_EQUAL(v, INT32_MIN);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("11", -10, 10, &v), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("-11", -10, 10, &v), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("+1", -10, 10, &v), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("-", -10, 10, &v), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("--1", -10, 10, &v), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("- 1", -10, 10, &v), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("", -10, 10, &v), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_parse_int("1", 10, -10, &v), -PVF_EINVAL);
	CU_ASSERT_EQUAL(v, INT32_MIN);
}

static void test_parse_bool(void)
{
	static const char *const bad[] = { "", "2", "01", "00", "true", "yes", " 1", "1\n",
					   "-1", "+1", "10" };
	int v = 7;
	size_t i;

	CU_ASSERT_EQUAL(pvf_xs_parse_bool("1", &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(pvf_xs_parse_bool("0", &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		CU_ASSERT_EQUAL(pvf_xs_parse_bool(bad[i], &v), -PVF_EINVAL);
		CU_ASSERT_EQUAL(v, 7);
	}
}

/* A string longer than anything: every digit valid, value overflows. */
static void test_parse_very_long(void)
{
	char *s = malloc(5001);
	uint64_t v = 1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memset(s, '9', 5000);
	s[5000] = '\0';
	CU_ASSERT_EQUAL(pvf_xs_parse_u64(s, &v), -PVF_ERANGE);
	memset(s, '0', 5000);
	s[4999] = '3';
	CU_ASSERT_EQUAL(pvf_xs_parse_u64(s, &v), 0);
	CU_ASSERT_EQUAL(v, 3);
	s[10] = 'x';
	CU_ASSERT_EQUAL(pvf_xs_parse_u64(s, &v), -PVF_EINVAL);
	free(s);
}

/* ---- formatting and paths ---------------------------------------------- */

static void test_format_roundtrip(void)
{
	static const uint64_t vals[] = {
		0, 1, 9, 10, 11, 99, 100, 4294967295ull, 4294967296ull,
		9999999999999999999ull, 10000000000000000000ull, UINT64_MAX - 1, UINT64_MAX,
	};
	char buf[PVF_XS_U64_STRLEN], ref[32];
	size_t i;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		uint64_t back = 0;
		int n = pvf_xs_format_u64(buf, sizeof(buf), vals[i]);

		snprintf(ref, sizeof(ref), "%" PRIu64, vals[i]);
		CU_ASSERT_EQUAL(n, (int)strlen(ref));
		CU_ASSERT_STRING_EQUAL(buf, ref);
		CU_ASSERT_EQUAL(pvf_xs_parse_u64(buf, &back), 0);
		CU_ASSERT_EQUAL(back, vals[i]);
	}
	/* pseudo-random values too */
	for (i = 0; i < 2000; i++) {
		uint64_t v = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
		uint64_t back = 0;

		v >>= i % 64;
		pvf_xs_format_u64(buf, sizeof(buf), v);
		snprintf(ref, sizeof(ref), "%" PRIu64, v);
		CU_ASSERT_STRING_EQUAL(buf, ref);
		CU_ASSERT_EQUAL(pvf_xs_parse_u64(buf, &back), 0);
		CU_ASSERT_EQUAL(back, v);
	}
}

static void test_format_bounds(void)
{
	char buf[4];

	CU_ASSERT_EQUAL(pvf_xs_format_u64(buf, sizeof(buf), 999), 3);
	CU_ASSERT_STRING_EQUAL(buf, "999");
	CU_ASSERT_EQUAL(pvf_xs_format_u64(buf, sizeof(buf), 1000), -PVF_E2BIG);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(pvf_xs_format_u64(buf, 0, 1), -PVF_E2BIG);
	CU_ASSERT_EQUAL(pvf_xs_format_u64(NULL, 4, 1), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_format_u64(buf, 2, 0), 1);
	CU_ASSERT_STRING_EQUAL(buf, "0");
}

static void test_path(void)
{
	char buf[16];
	char *big, *out;

	CU_ASSERT_EQUAL(pvf_xs_path(buf, sizeof(buf), "a/b", "c"), 5);
	CU_ASSERT_STRING_EQUAL(buf, "a/b/c");
	CU_ASSERT_EQUAL(pvf_xs_path(buf, sizeof(buf), NULL, "/x/y"), 4);
	CU_ASSERT_STRING_EQUAL(buf, "/x/y");
	CU_ASSERT_EQUAL(pvf_xs_path(buf, sizeof(buf), "", "k"), 1);
	CU_ASSERT_EQUAL(pvf_xs_path(buf, sizeof(buf), "d", NULL), 1);
	CU_ASSERT_STRING_EQUAL(buf, "d");
	CU_ASSERT_EQUAL(pvf_xs_path(buf, sizeof(buf), "", ""), -PVF_EINVAL);
	/* exactly fits: 15 chars + NUL */
	CU_ASSERT_EQUAL(pvf_xs_path(buf, sizeof(buf), "0123456", "89abcde"), 15);
	CU_ASSERT_EQUAL(pvf_xs_path(buf, sizeof(buf), "0123456", "89abcdef"), -PVF_E2BIG);
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* bounded by PVF_XS_PATH_MAX even with a huge buffer */
	big = malloc(2 * PVF_XS_PATH_MAX);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'a', PVF_XS_PATH_MAX + 10);
	big[PVF_XS_PATH_MAX + 10] = '\0';
	out = malloc(2 * PVF_XS_PATH_MAX);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL(pvf_xs_path(out, 2 * PVF_XS_PATH_MAX, NULL, big), -PVF_E2BIG);
	big[PVF_XS_PATH_MAX - 1] = '\0'; /* 3071 characters + NUL: fits */
	CU_ASSERT_EQUAL(pvf_xs_path(out, 2 * PVF_XS_PATH_MAX, NULL, big), (int)PVF_XS_PATH_MAX - 1);
	CU_ASSERT_EQUAL(pvf_xs_path(out, 2 * PVF_XS_PATH_MAX, "a", big), -PVF_E2BIG);
	free(out);
	free(big);
}

/* ---- reads and writes through the fake platform ------------------------ */

static void test_read_write(void)
{
	uint32_t u32 = 0;
	uint64_t u64 = 0;
	uint16_t u16 = 0;
	uint8_t u8 = 0;
	int b = 5, i = 0;
	char s[8];

	setup_fake();
	CU_ASSERT_EQUAL(pvf_xs_write_u32(p, 0, "device/vbd/1", "ring-ref", 4294967295u), 0);
	CU_ASSERT_STRING_EQUAL(pvf_fake_xs_get(f, "device/vbd/1/ring-ref"), "4294967295");
	CU_ASSERT_EQUAL(pvf_xs_read_u32(p, 0, "device/vbd/1", "ring-ref", &u32), 0);
	CU_ASSERT_EQUAL(u32, 4294967295u);
	CU_ASSERT_EQUAL(pvf_xs_write_u64(p, 0, "d", "sectors", UINT64_MAX), 0);
	CU_ASSERT_EQUAL(pvf_xs_read_u64(p, 0, "d", "sectors", &u64), 0);
	CU_ASSERT_EQUAL(u64, UINT64_MAX);
	CU_ASSERT_EQUAL(pvf_xs_read_u32(p, 0, "d", "sectors", &u32), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_xs_write_str(p, 0, "d", "id", "7"), 0);
	CU_ASSERT_EQUAL(pvf_xs_read_u16(p, 0, "d", "id", &u16), 0);
	CU_ASSERT_EQUAL(u16, 7);
	CU_ASSERT_EQUAL(pvf_xs_read_u8(p, 0, "d", "id", &u8), 0);
	CU_ASSERT_EQUAL(u8, 7);
	CU_ASSERT_EQUAL(pvf_xs_read_int(p, 0, "d", "id", 0, 6, &i), -PVF_ERANGE);
	pvf_fake_xs_set(f, "d/flag", "1");
	CU_ASSERT_EQUAL(pvf_xs_read_bool(p, 0, "d", "flag", &b), 0);
	CU_ASSERT_EQUAL(b, 1);
	pvf_fake_xs_set(f, "d/flag", "1\n");
	CU_ASSERT_EQUAL(pvf_xs_read_bool(p, 0, "d", "flag", &b), -PVF_EINVAL);
	pvf_fake_xs_set(f, "d/bad", "12abc");
	CU_ASSERT_EQUAL(pvf_xs_read_u32(p, 0, "d", "bad", &u32), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_read_u32(p, 0, "d", "missing", &u32), -PVF_ENOENT);
	/* full path with no directory */
	CU_ASSERT_EQUAL(pvf_xs_read_u32(p, 0, NULL, "device/vbd/1/ring-ref", &u32), 0);
	/* strings are bounded */
	pvf_fake_xs_set(f, "d/name", "abcdefgh");
	CU_ASSERT_EQUAL(pvf_xs_read_str(p, 0, "d", "name", s, sizeof(s)), -PVF_E2BIG);
	CU_ASSERT_STRING_EQUAL(s, "");
	pvf_fake_xs_set(f, "d/name", "abcdefg");
	CU_ASSERT_EQUAL(pvf_xs_read_str(p, 0, "d", "name", s, sizeof(s)), 7);
	CU_ASSERT_STRING_EQUAL(s, "abcdefg");
	CU_ASSERT_EQUAL(pvf_xs_read_str(p, 0, "d", "name", s, 0), -PVF_EINVAL);
	teardown_fake();
}

static void test_read_long_values(void)
{
	char *v = malloc(4000);
	uint64_t u = 42;
	int b = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	setup_fake();
	/* a number longer than any valid rendering: out of range */
	memset(v, '1', 3999);
	v[3999] = '\0';
	pvf_fake_xs_set(f, "d/n", v);
	CU_ASSERT_EQUAL(pvf_xs_read_u64(p, 0, "d", "n", &u), -PVF_ERANGE);
	CU_ASSERT_EQUAL(u, 42);
	CU_ASSERT_EQUAL(pvf_xs_read_bool(p, 0, "d", "n", &b), -PVF_EINVAL);
	/* 31 characters of leading zeros fit, 32 do not */
	memset(v, '0', 30);
	v[30] = '9';
	v[31] = '\0';
	pvf_fake_xs_set(f, "d/n", v);
	CU_ASSERT_EQUAL(pvf_xs_read_u64(p, 0, "d", "n", &u), 0);
	CU_ASSERT_EQUAL(u, 9);
	memset(v, '0', 31);
	v[31] = '8';
	v[32] = '\0';
	pvf_fake_xs_set(f, "d/n", v);
	CU_ASSERT_EQUAL(pvf_xs_read_u64(p, 0, "d", "n", &u), -PVF_ERANGE);
	/* an over-long path */
	memset(v, 'p', 3500);
	v[3500] = '\0';
	CU_ASSERT_EQUAL(pvf_xs_read_u64(p, 0, v, "n", &u), -PVF_E2BIG);
	CU_ASSERT_EQUAL(pvf_xs_write_u32(p, 0, v, "n", 1), -PVF_E2BIG);
	teardown_fake();
	free(v);
}

static void test_read_defaults(void)
{
	uint32_t u = 0;
	uint64_t w = 0;
	int b = 0;

	setup_fake();
	CU_ASSERT_EQUAL(pvf_xs_read_u32_default(p, 0, "be", "max-ring-page-order", 3, &u), 0);
	CU_ASSERT_EQUAL(u, 3);
	pvf_fake_xs_set(f, "be/max-ring-page-order", "4");
	CU_ASSERT_EQUAL(pvf_xs_read_u32_default(p, 0, "be", "max-ring-page-order", 3, &u), 0);
	CU_ASSERT_EQUAL(u, 4);
	pvf_fake_xs_set(f, "be/max-ring-page-order", "four");
	CU_ASSERT_EQUAL(pvf_xs_read_u32_default(p, 0, "be", "max-ring-page-order", 3, &u),
			-PVF_EINVAL);
	CU_ASSERT_EQUAL(u, 3);
	CU_ASSERT_EQUAL(pvf_xs_read_u64_default(p, 0, "be", "sectors", 77, &w), 0);
	CU_ASSERT_EQUAL(w, 77);
	CU_ASSERT_EQUAL(pvf_xs_read_bool_default(p, 0, "be", "feature-barrier", 1, &b), 0);
	CU_ASSERT_EQUAL(b, 1);
	pvf_fake_xs_set(f, "be/feature-barrier", "0");
	CU_ASSERT_EQUAL(pvf_xs_read_bool_default(p, 0, "be", "feature-barrier", 1, &b), 0);
	CU_ASSERT_EQUAL(b, 0);
	teardown_fake();
}

/* The toolstack's `trusted` key: missing or "1" trusted, "0" not, and a
 * malformed value fails safe (untrusted, logged) instead of failing. */
static void test_read_trusted(void)
{
	static const char *const bad[] = { "", "2", "yes", "01x", "-1", "1 " };
	bool t = false;
	size_t i;

	setup_fake();
	CU_ASSERT_EQUAL(pvf_xs_read_trusted(p, 0, "fe", "blk", &t), 0);
	CU_ASSERT_TRUE(t);
	pvf_fake_xs_set(f, "fe/trusted", "0");
	CU_ASSERT_EQUAL(pvf_xs_read_trusted(p, 0, "fe", "blk", &t), 0);
	CU_ASSERT_FALSE(t);
	pvf_fake_xs_set(f, "fe/trusted", "1");
	CU_ASSERT_EQUAL(pvf_xs_read_trusted(p, 0, "fe", "blk", &t), 0);
	CU_ASSERT_TRUE(t);
	CU_ASSERT_EQUAL(pvf_fake_log_count(f, PVF_LOG_WARN), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = true;
		pvf_fake_xs_set(f, "fe/trusted", bad[i]);
		CU_ASSERT_EQUAL(pvf_xs_read_trusted(p, 0, "fe", "net", &t), 0);
		CU_ASSERT_FALSE(t);
	}
	CU_ASSERT_EQUAL(pvf_fake_log_count(f, PVF_LOG_WARN), sizeof(bad) / sizeof(bad[0]));
	CU_ASSERT_TRUE(pvf_fake_log_contains(f, "net: fe/trusted malformed"));
	CU_ASSERT_EQUAL(pvf_xs_read_trusted(p, 0, "fe", "net", NULL), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_read_trusted(p, 0, "fe", NULL, &t), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_read_trusted(p, 0, NULL, "net", &t), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_read_trusted(p, 0, "", "net", &t), -PVF_EINVAL);
	teardown_fake();
}

static void test_write_fault(void)
{
	setup_fake();
	pvf_fake_fail_xs_write(f, 2, -PVF_EACCES);
	CU_ASSERT_EQUAL(pvf_xs_write_str(p, 0, "d", "a", "1"), 0);
	CU_ASSERT_EQUAL(pvf_xs_write_str(p, 0, "d", "b", "2"), -PVF_EACCES);
	CU_ASSERT_EQUAL(pvf_xs_write_str(p, 0, "d", "c", "3"), 0);
	CU_ASSERT_PTR_NULL(pvf_fake_xs_get(f, "d/b"));
	CU_ASSERT_EQUAL(pvf_xs_write_str(p, 0, "d", "c", NULL), -PVF_EINVAL);
	teardown_fake();
}

/* ---- transactions ------------------------------------------------------ */

struct body_arg {
	unsigned int runs;
	int fail_with;          /* returned by the body on every run if set */
	unsigned int eagain_runs; /* first N runs return -EAGAIN */
};

static int body(void *arg, uint32_t txn)
{
	struct body_arg *a = arg;
	int r;

	a->runs++;
	CU_ASSERT_NOT_EQUAL(txn, 0);
	r = pvf_xs_write_u32(p, txn, "device/vif/0", "tx-ring-ref", 8 + a->runs);
	if (r < 0)
		return r;
	if (a->eagain_runs) {
		a->eagain_runs--;
		return -PVF_EAGAIN;
	}
	if (a->fail_with)
		return a->fail_with;
	return pvf_xs_write_str(p, txn, "device/vif/0", "state", "3");
}

static void test_txn_success(void)
{
	struct body_arg a = { 0 };
	struct pvf_fake_counters c;

	setup_fake();
	CU_ASSERT_EQUAL(pvf_xs_transact(p, body, &a, 3), 0);
	CU_ASSERT_EQUAL(a.runs, 1);
	CU_ASSERT_STRING_EQUAL(pvf_fake_xs_get(f, "device/vif/0/tx-ring-ref"), "9");
	CU_ASSERT_STRING_EQUAL(pvf_fake_xs_get(f, "device/vif/0/state"), "3");
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.txn_commits, 1);
	teardown_fake();
}

static void test_txn_retry_then_success(void)
{
	struct body_arg a = { 0 };
	struct pvf_fake_counters c;

	setup_fake();
	pvf_fake_txn_eagain(f, 3);
	CU_ASSERT_EQUAL(pvf_xs_transact(p, body, &a, 4), 0);
	CU_ASSERT_EQUAL(a.runs, 4);
	CU_ASSERT_STRING_EQUAL(pvf_fake_xs_get(f, "device/vif/0/tx-ring-ref"), "12");
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.txn_commits, 1);
	CU_ASSERT_EQUAL(c.txn_aborts, 3);
	teardown_fake();
}

static void test_txn_gives_up_cleanly(void)
{
	struct body_arg a = { 0 };
	struct pvf_fake_counters c;

	setup_fake();
	pvf_fake_txn_eagain(f, 5);
	CU_ASSERT_EQUAL(pvf_xs_transact(p, body, &a, 4), -PVF_EAGAIN);
	CU_ASSERT_EQUAL(a.runs, 4);
	/* nothing committed, no transaction left open */
	CU_ASSERT_PTR_NULL(pvf_fake_xs_get(f, "device/vif/0/tx-ring-ref"));
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.txn_commits, 0);
	CU_ASSERT_EQUAL(c.txns, 0);
	teardown_fake();
}

static void test_txn_body_eagain_retried(void)
{
	struct body_arg a = { 0 };

	setup_fake();
	a.eagain_runs = 2;
	CU_ASSERT_EQUAL(pvf_xs_transact(p, body, &a, 3), 0);
	CU_ASSERT_EQUAL(a.runs, 3);
	CU_ASSERT_STRING_EQUAL(pvf_fake_xs_get(f, "device/vif/0/tx-ring-ref"), "11");
	a.runs = 0;
	a.eagain_runs = 5;
	CU_ASSERT_EQUAL(pvf_xs_transact(p, body, &a, 3), -PVF_EAGAIN);
	CU_ASSERT_EQUAL(a.runs, 3);
	teardown_fake();
}

static void test_txn_body_error_aborts(void)
{
	struct body_arg a = { 0 };
	struct pvf_fake_counters c;

	setup_fake();
	a.fail_with = -PVF_ENOMEM;
	CU_ASSERT_EQUAL(pvf_xs_transact(p, body, &a, 5), -PVF_ENOMEM);
	CU_ASSERT_EQUAL(a.runs, 1);
	CU_ASSERT_PTR_NULL(pvf_fake_xs_get(f, "device/vif/0/tx-ring-ref"));
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.txn_aborts, 1);
	/* a write failing inside the body is an ordinary body error */
	a.fail_with = 0;
	a.runs = 0;
	pvf_fake_fail_xs_write(f, 1, -PVF_EIO);
	CU_ASSERT_EQUAL(pvf_xs_transact(p, body, &a, 5), -PVF_EIO);
	CU_ASSERT_EQUAL(a.runs, 1);
	CU_ASSERT_EQUAL(pvf_xs_transact(p, body, &a, 0), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xs_transact(p, NULL, &a, 1), -PVF_EINVAL);
	teardown_fake();
}

static int conflicting_body(void *arg, uint32_t txn)
{
	unsigned int *runs = arg;

	(*runs)++;
	/* another writer changes the store while the transaction is open */
	if (*runs == 1)
		pvf_fake_xs_set(f, "backend/x", "changed");
	return pvf_xs_write_str(p, txn, "device/vif/0", "k", "v");
}

static void test_txn_real_conflict(void)
{
	unsigned int runs = 0;

	setup_fake();
	CU_ASSERT_EQUAL(pvf_xs_transact(p, conflicting_body, &runs, 3), 0);
	CU_ASSERT_EQUAL(runs, 2);
	CU_ASSERT_STRING_EQUAL(pvf_fake_xs_get(f, "device/vif/0/k"), "v");
	teardown_fake();
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_parse_u64_good),
		PVF_TEST(test_parse_u64_bad),
		PVF_TEST(test_parse_narrow),
		PVF_TEST(test_parse_range),
		PVF_TEST(test_parse_int),
		PVF_TEST(test_parse_bool),
		PVF_TEST(test_parse_very_long),
		PVF_TEST(test_format_roundtrip),
		PVF_TEST(test_format_bounds),
		PVF_TEST(test_path),
		PVF_TEST(test_read_write),
		PVF_TEST(test_read_long_values),
		PVF_TEST(test_read_defaults),
		PVF_TEST(test_read_trusted),
		PVF_TEST(test_write_fault),
		PVF_TEST(test_txn_success),
		PVF_TEST(test_txn_retry_then_success),
		PVF_TEST(test_txn_gives_up_cleanly),
		PVF_TEST(test_txn_body_eagain_retried),
		PVF_TEST(test_txn_body_error_aborts),
		PVF_TEST(test_txn_real_conflict),
		PVF_TEST_END
	};
	return pvf_test_run("xs", tests, NULL, NULL);
}
