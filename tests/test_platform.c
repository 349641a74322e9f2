/* SPDX-License-Identifier: BSD-2-Clause */
/* The porting seam: defaults, validation, error codes, formatter. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <pvfront/platform.h>
#include "../common/internal.h"
#include "cu.h"

static void test_nosys_table_is_complete(void)
{
	struct pvf_platform p = { &pvf_platform_nosys_ops, NULL };
	const char *missing = "x";

	CU_ASSERT_EQUAL(pvf_platform_validate(&p, &missing), 0);
	CU_ASSERT_PTR_NULL(missing);
}

static void test_defaults_return_enosys(void)
{
	const struct pvf_platform_ops *o = &pvf_platform_nosys_ops;
	char buf[8];
	uint32_t u;
	uint8_t b;
	uint16_t w;
	void *va;
	uint64_t f;

	CU_ASSERT_EQUAL(o->xs_read(NULL, 0, "a", buf, sizeof(buf)), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->xs_write(NULL, 0, "a", "b"), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->xs_mkdir(NULL, 0, "a"), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->xs_rm(NULL, 0, "a"), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->xs_directory(NULL, 0, "a", buf, sizeof(buf)), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->xs_watch(NULL, "a", "t"), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->xs_unwatch(NULL, "a", "t"), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->xs_txn_start(NULL, &u), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->xs_txn_end(NULL, 1, 0), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->gnt_grant(NULL, 0, 1, 0, &u), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->gnt_end(NULL, 8), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->evtchn_alloc_unbound(NULL, 0, &u), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->evtchn_notify(NULL, 1), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->evtchn_unmask(NULL, 1), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->evtchn_close(NULL, 1), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->page_alloc(NULL, 1, &va, &f), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->page_free(NULL, NULL, 1), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->in8(NULL, 0x10, &b), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->in16(NULL, 0x10, &w), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->in32(NULL, 0x10, &u), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->out8(NULL, 0x10, 1), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->out16(NULL, 0x10, 1), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->out32(NULL, 0x10, 1), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->log(NULL, PVF_LOG_INFO, "x"), -PVF_ENOSYS);
	CU_ASSERT_EQUAL(o->clock_ns(NULL, &f), -PVF_ENOSYS);
}

/* Clearing each entry in turn must be caught, and named. */
static void test_validate_rejects_every_hole(void)
{
	size_t nops = sizeof(struct pvf_platform_ops) / sizeof(void (*)(void));
	size_t i;

	for (i = 0; i < nops; i++) {
		struct pvf_platform_ops ops = pvf_platform_nosys_ops;
		struct pvf_platform p = { &ops, NULL };
		const char *missing = NULL;

		memset((char *)&ops + i * sizeof(void (*)(void)), 0, sizeof(void (*)(void)));
		CU_ASSERT_EQUAL(pvf_platform_validate(&p, &missing), -PVF_EINVAL);
		CU_ASSERT_PTR_NOT_NULL(missing);
	}
}

static void test_validate_rejects_null(void)
{
	struct pvf_platform p = { NULL, NULL };
	const char *missing = NULL;

	CU_ASSERT_EQUAL(pvf_platform_validate(NULL, NULL), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_platform_validate(&p, &missing), -PVF_EINVAL);
	CU_ASSERT_STRING_EQUAL(missing, "ops");
}

static void test_validate_names_the_hole(void)
{
	struct pvf_platform_ops ops = pvf_platform_nosys_ops;
	struct pvf_platform p = { &ops, NULL };
	const char *missing = NULL;

	ops.evtchn_unmask = NULL;
	CU_ASSERT_EQUAL(pvf_platform_validate(&p, &missing), -PVF_EINVAL);
	CU_ASSERT_STRING_EQUAL(missing, "evtchn_unmask");
}

static int my_notify(void *ctx, uint32_t port)
{
	(void)ctx;
	(void)port;
	return 0;
}

static void test_implements(void)
{
	struct pvf_platform_ops ops = pvf_platform_nosys_ops;
	struct pvf_platform p = { &ops, NULL };

	CU_ASSERT_EQUAL(pvf_platform_implements(&p, offsetof(struct pvf_platform_ops, evtchn_notify)), 0);
	ops.evtchn_notify = my_notify;
	CU_ASSERT_EQUAL(pvf_platform_implements(&p, offsetof(struct pvf_platform_ops, evtchn_notify)), 1);
	CU_ASSERT_EQUAL(pvf_platform_implements(&p, offsetof(struct pvf_platform_ops, xs_read)), 0);
}

static void test_error_codes_equal_linux(void)
{
	CU_ASSERT_EQUAL(PVF_EPERM, EPERM);
	CU_ASSERT_EQUAL(PVF_ENOENT, ENOENT);
	CU_ASSERT_EQUAL(PVF_EIO, EIO);
	CU_ASSERT_EQUAL(PVF_E2BIG, E2BIG);
	CU_ASSERT_EQUAL(PVF_EBADF, EBADF);
	CU_ASSERT_EQUAL(PVF_EAGAIN, EAGAIN);
	CU_ASSERT_EQUAL(PVF_ENOMEM, ENOMEM);
	CU_ASSERT_EQUAL(PVF_EACCES, EACCES);
	CU_ASSERT_EQUAL(PVF_EFAULT, EFAULT);
	CU_ASSERT_EQUAL(PVF_EBUSY, EBUSY);
	CU_ASSERT_EQUAL(PVF_EEXIST, EEXIST);
	CU_ASSERT_EQUAL(PVF_ENODEV, ENODEV);
	CU_ASSERT_EQUAL(PVF_EINVAL, EINVAL);
	CU_ASSERT_EQUAL(PVF_ENOSPC, ENOSPC);
	CU_ASSERT_EQUAL(PVF_EROFS, EROFS);
	CU_ASSERT_EQUAL(PVF_ERANGE, ERANGE);
	CU_ASSERT_EQUAL(PVF_ENOSYS, ENOSYS);
	CU_ASSERT_EQUAL(PVF_ENODATA, ENODATA);
	CU_ASSERT_EQUAL(PVF_EPROTO, EPROTO);
	CU_ASSERT_EQUAL(PVF_EBADMSG, EBADMSG);
	CU_ASSERT_EQUAL(PVF_EOVERFLOW, EOVERFLOW);
	CU_ASSERT_EQUAL(PVF_EOPNOTSUPP, EOPNOTSUPP);
	CU_ASSERT_EQUAL(PVF_ECONNRESET, ECONNRESET);
	CU_ASSERT_EQUAL(PVF_ENOTCONN, ENOTCONN);
	CU_ASSERT_EQUAL(PVF_ESHUTDOWN, ESHUTDOWN);
	CU_ASSERT_EQUAL(PVF_ETIMEDOUT, ETIMEDOUT);
	CU_ASSERT_EQUAL(PVF_EALREADY, EALREADY);
	CU_ASSERT_EQUAL(PVF_ECANCELED, ECANCELED);
	CU_ASSERT_STRING_EQUAL(pvf_strerror(-PVF_EPROTO), "EPROTO");
	CU_ASSERT_STRING_EQUAL(pvf_strerror(PVF_EAGAIN), "EAGAIN");
	CU_ASSERT_STRING_EQUAL(pvf_strerror(0), "OK");
	CU_ASSERT_STRING_EQUAL(pvf_strerror(-9999), "E?");
}

/* The freestanding formatter must agree with libc's for what it supports. */
static void test_formatter_matches_libc(void)
{
	char a[64], b[64];
	int ra, rb;

#define SAME(...) do { \
	ra = pvf_snprintf(a, sizeof(a), __VA_ARGS__); \
	rb = snprintf(b, sizeof(b), __VA_ARGS__); \
	CU_ASSERT_EQUAL(ra, rb); \
	CU_ASSERT_STRING_EQUAL(a, b); \
} while (0)
	SAME("%d %i %u", -42, 7, 4000000000u);
	SAME("%lld|%llu", -9223372036854775807LL - 1, 18446744073709551615ULL);
	SAME("%x %X %lx", 0xdeadbeefu, 0xabcu, 0x123456789UL);
	SAME("[%5d][%-5d][%05d][%05d]", 42, 42, 42, -42);
	SAME("%s/%c/%%/%zu", "path", 'q', (size_t)99);
	SAME("[%8s][%-8s]", "ab", "cd");
	SAME("%lu", 0UL);
#undef SAME
}

static void test_formatter_truncates(void)
{
	char buf[6];
	int r = pvf_snprintf(buf, sizeof(buf), "%s", "0123456789");

	CU_ASSERT_EQUAL(r, 10);
	CU_ASSERT_STRING_EQUAL(buf, "01234");
	r = pvf_snprintf(buf, 1, "%d", 12345);
	CU_ASSERT_EQUAL(r, 5);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(pvf_snprintf(NULL, 0, "%u", 123u), 3);
}

static void test_string_helpers(void)
{
	char buf[4];

	CU_ASSERT_EQUAL(pvf_strlcpy(buf, "abcdef", sizeof(buf)), 6);
	CU_ASSERT_STRING_EQUAL(buf, "abc");
	CU_ASSERT_EQUAL(pvf_strnlen("abc", 2), 2);
	CU_ASSERT_EQUAL(pvf_strnlen("abc", 10), 3);
	CU_ASSERT(pvf_strcmp("a", "b") < 0);
	CU_ASSERT(pvf_strcmp("b", "a") > 0);
	CU_ASSERT_EQUAL(pvf_strcmp("abc", "abc"), 0);
	CU_ASSERT_EQUAL(pvf_strncmp("abcx", "abcy", 3), 0);
	CU_ASSERT(pvf_strncmp("abcx", "abcy", 4) < 0);
}

static char last_log[256];
static int last_level = -1;

static int capture_log(void *ctx, enum pvf_log_level level, const char *msg)
{
	(void)ctx;
	last_level = (int)level;
	snprintf(last_log, sizeof(last_log), "%s", msg);
	return 0;
}

static void test_logf_goes_through_the_seam(void)
{
	struct pvf_platform_ops ops = pvf_platform_nosys_ops;
	struct pvf_platform p = { &ops, NULL };

	ops.log = capture_log;
	pvf_warn(&p, "device %s state %d", "vbd/51712", 5);
	CU_ASSERT_EQUAL(last_level, PVF_LOG_WARN);
	CU_ASSERT_STRING_EQUAL(last_log, "device vbd/51712 state 5");
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_nosys_table_is_complete),
		PVF_TEST(test_defaults_return_enosys),
		PVF_TEST(test_validate_rejects_every_hole),
		PVF_TEST(test_validate_rejects_null),
		PVF_TEST(test_validate_names_the_hole),
		PVF_TEST(test_implements),
		PVF_TEST(test_error_codes_equal_linux),
		PVF_TEST(test_formatter_matches_libc),
		PVF_TEST(test_formatter_truncates),
		PVF_TEST(test_string_helpers),
		PVF_TEST(test_logf_goes_through_the_seam),
		PVF_TEST_END
	};
	return pvf_test_run("platform", tests, NULL, NULL);
}
