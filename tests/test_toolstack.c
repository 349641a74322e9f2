/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * harness/toolstack.c (the dom0 xenstore helpers of the harness backends)
 * against the embedded xenstore: writes, strict reads and their clean
 * errors on malformed or missing values, watches, and the toolstack's
 * device directories.  Teardown: no watch, transaction, connection or node
 * left behind.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>
#include <pvfront/errno.h>
#include <pvfront/xs.h>
#include "cu.h"
#include "env.h"
#include "toolstack.h"

#define DIR "/local/domain/0/tstest"

static struct pvf_env env;
static struct xs_handle *xs;
static struct pvf_xsd_stats base;

/* Write a raw value (any bytes, @len of them) at DIR/@key. */
static void raw(const char *key, const char *val, unsigned int len)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", DIR, key);
	CU_ASSERT_FATAL(xs_write(xs, XBT_NULL, path, val, len));
}

static void put(const char *key, const char *val)
{
	raw(key, val, (unsigned int)strlen(val));
}

/* Wait until the server counts @n connections (closing is asynchronous). */
static unsigned int connections_settle(unsigned int n)
{
	struct pvf_xsd_stats st;

	for (int i = 0; i < 500; i++) {
		pvf_xsd_get_stats(env.xsd, &st);
		if (st.connections == n)
			break;
		usleep(2000);
	}
	return st.connections;
}

static void test_write_and_read(void)
{
	char buf[16];

	CU_ASSERT_EQUAL(pvf_ts_write(xs, XBT_NULL, DIR, "a", "hello"), 0);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "a", buf, sizeof(buf)), 5);
	CU_ASSERT_STRING_EQUAL(buf, "hello");
	CU_ASSERT_EQUAL(pvf_ts_writef(xs, XBT_NULL, DIR, "b", "%u-%s", 42u, "x"), 0);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "b", buf, sizeof(buf)), 4);
	CU_ASSERT_STRING_EQUAL(buf, "42-x");
	/* an empty value is a value */
	CU_ASSERT_EQUAL(pvf_ts_write(xs, XBT_NULL, DIR, "empty", ""), 0);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "empty", buf, sizeof(buf)), 0);
	CU_ASSERT_STRING_EQUAL(buf, "");
	/* a key with a '/' inside: a subdirectory */
	CU_ASSERT_EQUAL(pvf_ts_write(xs, XBT_NULL, DIR, "queue-0/ring-ref", "7"), 0);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR "/queue-0", "ring-ref", buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "7");
	/* inside a transaction: invisible outside until committed */
	{
		xs_transaction_t t = xs_transaction_start(xs);

		CU_ASSERT_FATAL(t != XBT_NULL);
		CU_ASSERT_EQUAL(pvf_ts_write(xs, t, DIR, "txn", "1"), 0);
		CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "txn", buf, sizeof(buf)), -PVF_ENOENT);
		CU_ASSERT_TRUE(xs_transaction_end(xs, t, false));
		CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "txn", buf, sizeof(buf)), 1);
	}
}

static void test_write_limits(void)
{
	char longkey[PVF_TS_PATH_MAX], big[PVF_TS_VALUE_MAX + 8], buf[8];

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	CU_ASSERT_EQUAL(pvf_ts_write(xs, XBT_NULL, DIR, longkey, "1"), -PVF_E2BIG);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, longkey, buf, sizeof(buf)), -PVF_E2BIG);
	CU_ASSERT_EQUAL(pvf_ts_watch(xs, DIR, longkey, "t"), -PVF_E2BIG);
	CU_ASSERT_EQUAL(pvf_ts_write(xs, XBT_NULL, NULL, "a", "1"), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_ts_write(xs, XBT_NULL, DIR, "a", NULL), -PVF_EINVAL);
	/* a formatted value that does not fit is not written truncated */
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CU_ASSERT_EQUAL(pvf_ts_writef(xs, XBT_NULL, DIR, "big", "%s", big), -PVF_E2BIG);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "big", buf, sizeof(buf)), -PVF_ENOENT);
	/* pvf_ts_write itself has no value limit */
	CU_ASSERT_EQUAL(pvf_ts_write(xs, XBT_NULL, DIR, "big", big), 0);
	/* ... but the reader's buffer does */
	strcpy(buf, "junk");
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "big", buf, sizeof(buf)), -PVF_E2BIG);
	CU_ASSERT_STRING_EQUAL(buf, "");
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "big", buf, 0), -PVF_EINVAL);
	/* a value that exactly fills the buffer with its NUL fits */
	put("seven", "1234567");
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "seven", buf, sizeof(buf)), 7);
	CU_ASSERT_STRING_EQUAL(buf, "1234567");
}

/* Malformed values: a clean error each. */
static const struct {
	const char *val;
	unsigned int len; /* 0: strlen */
	int err;
} bad_u32[] = {
	{ "abc", 0, -PVF_EINVAL },
	{ "", 0, -PVF_EINVAL },
	{ "-1", 0, -PVF_EINVAL },
	{ "+1", 0, -PVF_EINVAL },
	{ " 12", 0, -PVF_EINVAL },
	{ "12\n", 0, -PVF_EINVAL },
	{ "0x10", 0, -PVF_EINVAL },
	{ "1\0" "5", 3, -PVF_EINVAL }, /* a NUL inside: not "1" */
	{ "4294967296", 0, -PVF_ERANGE },
	/* 41 characters: longer than any number we take */
	{ "00000000000000000000000000000000000000001", 0, -PVF_ERANGE },
};

static void test_read_u32(void)
{
	uint32_t v = 99;

	put("n", "4096");
	CU_ASSERT_EQUAL(pvf_ts_read_u32(xs, DIR, "n", &v), 0);
	CU_ASSERT_EQUAL(v, 4096);
	put("n", "4294967295");
	CU_ASSERT_EQUAL(pvf_ts_read_u32(xs, DIR, "n", &v), 0);
	CU_ASSERT_EQUAL(v, UINT32_MAX);
	put("n", "007");
	CU_ASSERT_EQUAL(pvf_ts_read_u32(xs, DIR, "n", &v), 0);
	CU_ASSERT_EQUAL(v, 7);

	/* *out untouched on every error */
	v = 99;
	CU_ASSERT_EQUAL(pvf_ts_read_u32(xs, DIR, "missing", &v), -PVF_ENOENT);
	for (size_t i = 0; i < sizeof(bad_u32) / sizeof(bad_u32[0]); i++) {
		const char *val = bad_u32[i].val;

		raw("n", val, bad_u32[i].len ? bad_u32[i].len : (unsigned int)strlen(val));
		CU_ASSERT_EQUAL(pvf_ts_read_u32(xs, DIR, "n", &v), bad_u32[i].err);
		/* the state reader takes the same route */
		raw("state", val, bad_u32[i].len ? bad_u32[i].len : (unsigned int)strlen(val));
		CU_ASSERT_EQUAL(pvf_ts_read_state(xs, DIR, &v), bad_u32[i].err);
	}
	CU_ASSERT_EQUAL(v, 99);

	put("n", "16");
	CU_ASSERT_EQUAL(pvf_ts_read_u32_range(xs, DIR, "n", 1, 16, &v), 0);
	CU_ASSERT_EQUAL(v, 16);
	CU_ASSERT_EQUAL(pvf_ts_read_u32_range(xs, DIR, "n", 1, 15, &v), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_ts_read_u32_range(xs, DIR, "n", 17, 20, &v), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_ts_read_u32_range(xs, DIR, "n", 5, 4, &v), -PVF_EINVAL);
	CU_ASSERT_EQUAL(v, 16);
}

static void test_read_bool(void)
{
	int f = 7;

	CU_ASSERT_EQUAL(pvf_ts_read_bool(xs, DIR, "missing", 1, &f), 0);
	CU_ASSERT_EQUAL(f, 1);
	CU_ASSERT_EQUAL(pvf_ts_read_bool(xs, DIR, "missing", 0, &f), 0);
	CU_ASSERT_EQUAL(f, 0);
	put("f", "1");
	CU_ASSERT_EQUAL(pvf_ts_read_bool(xs, DIR, "f", 0, &f), 0);
	CU_ASSERT_EQUAL(f, 1);
	put("f", "0");
	CU_ASSERT_EQUAL(pvf_ts_read_bool(xs, DIR, "f", 1, &f), 0);
	CU_ASSERT_EQUAL(f, 0);
	f = 7;
	put("f", "2");
	CU_ASSERT_EQUAL(pvf_ts_read_bool(xs, DIR, "f", 0, &f), -PVF_EINVAL);
	put("f", "true");
	CU_ASSERT_EQUAL(pvf_ts_read_bool(xs, DIR, "f", 0, &f), -PVF_EINVAL);
	put("f", "01");
	CU_ASSERT_EQUAL(pvf_ts_read_bool(xs, DIR, "f", 0, &f), -PVF_EINVAL);
	put("f", "");
	CU_ASSERT_EQUAL(pvf_ts_read_bool(xs, DIR, "f", 0, &f), -PVF_EINVAL);
	put("f", "11111111111111111111111111111111111111111");
	CU_ASSERT_EQUAL(pvf_ts_read_bool(xs, DIR, "f", 0, &f), -PVF_EINVAL);
	CU_ASSERT_EQUAL(f, 7);
}

static void test_state(void)
{
	char buf[8];
	uint32_t st = 77;

	xs_rm(xs, XBT_NULL, DIR "/state");
	CU_ASSERT_EQUAL(pvf_ts_read_state(xs, DIR, &st), -PVF_ENOENT);
	CU_ASSERT_EQUAL(pvf_ts_write_state(xs, DIR, 5), 0);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "state", buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "5");
	CU_ASSERT_EQUAL(pvf_ts_read_state(xs, DIR, &st), 0);
	CU_ASSERT_EQUAL(st, 5);
	put("state", "8");
	CU_ASSERT_EQUAL(pvf_ts_read_state(xs, DIR, &st), 0);
	CU_ASSERT_EQUAL(st, 8);
	put("state", "9");
	CU_ASSERT_EQUAL(pvf_ts_read_state(xs, DIR, &st), -PVF_ERANGE);
	put("state", "Connected");
	CU_ASSERT_EQUAL(pvf_ts_read_state(xs, DIR, &st), -PVF_EINVAL);
	put("state", "4 ");
	CU_ASSERT_EQUAL(pvf_ts_read_state(xs, DIR, &st), -PVF_EINVAL);
	CU_ASSERT_EQUAL(st, 8);
}

static void test_write_keys(void)
{
	char longkey[PVF_TS_PATH_MAX], buf[8];
	const struct pvf_ts_kv kv[] = {
		{ "k1", "one" }, { longkey, "x" }, { "k3", "three" }, { NULL, NULL },
	};

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	CU_ASSERT_EQUAL(pvf_ts_write_keys(xs, XBT_NULL, DIR, NULL), 0);
	/* stops at the first failure; what came before stays */
	CU_ASSERT_EQUAL(pvf_ts_write_keys(xs, XBT_NULL, DIR, kv), -PVF_E2BIG);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "k1", buf, sizeof(buf)), 3);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "k3", buf, sizeof(buf)), -PVF_ENOENT);
	CU_ASSERT_EQUAL(pvf_ts_write_keys(xs, XBT_NULL, DIR, kv + 2), 0);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, DIR, "k3", buf, sizeof(buf)), 5);
	CU_ASSERT_STRING_EQUAL(buf, "three");
}

static void test_watch(void)
{
	struct pvf_xsd_stats st;

	CU_ASSERT_EQUAL(pvf_ts_watch(xs, DIR, "state", "tok"), 0);
	pvf_xsd_get_stats(env.xsd, &st);
	CU_ASSERT_EQUAL(st.watches, base.watches + 1);
	/* xenstored fires a new watch once: drain it */
	CU_ASSERT_EQUAL(pvf_ts_wait_watch(xs, 2000), 1);
	while (pvf_ts_wait_watch(xs, 50) > 0) {
	}
	CU_ASSERT_EQUAL(pvf_ts_wait_watch(xs, 0), 0);
	CU_ASSERT_EQUAL(pvf_ts_write_state(xs, DIR, 3), 0);
	CU_ASSERT_EQUAL(pvf_ts_wait_watch(xs, 2000), 1);
	/* unrelated node: no event */
	CU_ASSERT_EQUAL(pvf_ts_write(xs, XBT_NULL, DIR, "other", "1"), 0);
	CU_ASSERT_EQUAL(pvf_ts_wait_watch(xs, 100), 0);
	CU_ASSERT_EQUAL(pvf_ts_unwatch(xs, DIR, "state", "tok"), 0);
	CU_ASSERT(pvf_ts_unwatch(xs, DIR, "state", "tok") < 0);
	pvf_xsd_get_stats(env.xsd, &st);
	CU_ASSERT_EQUAL(st.watches, base.watches);
}

/* Every key of @dir named in @kv has its value. */
static void expect_keys(const char *dir, const struct pvf_ts_kv *kv)
{
	char buf[128];

	for (; kv->key; kv++) {
		int rc = pvf_ts_read(xs, dir, kv->key, buf, sizeof(buf));

		CU_ASSERT_EQUAL(rc, (int)strlen(kv->val));
		if (rc >= 0)
			CU_ASSERT_STRING_EQUAL(buf, kv->val);
	}
}

static void test_add_remove_device(void)
{
	char fe[128], be[128], buf[8];
	const struct pvf_ts_kv fx[] = { { "mac", "00:16:3e:00:00:01" }, { NULL, NULL } };
	const struct pvf_ts_kv bx[] = { { "params", "null" }, { "mode", "w" }, { NULL, NULL } };
	const struct pvf_ts_kv fe_want[] = {
		{ "backend", "/local/domain/0/backend/vif/3/7" }, { "backend-id", "0" },
		{ "mac", "00:16:3e:00:00:01" }, { "state", "1" }, { NULL, NULL },
	};
	const struct pvf_ts_kv be_want[] = {
		{ "frontend", "/local/domain/3/device/vif/7" }, { "frontend-id", "3" },
		{ "params", "null" }, { "mode", "w" }, { "online", "1" }, { "state", "1" },
		{ NULL, NULL },
	};

	/* over a connection of its own (NULL), then over ours */
	CU_ASSERT_EQUAL(pvf_ts_add_device(NULL, "vif", 7, 3, 0, fx, bx, fe, sizeof(fe), be,
					  sizeof(be)), 0);
	CU_ASSERT_STRING_EQUAL(fe, "/local/domain/3/device/vif/7");
	CU_ASSERT_STRING_EQUAL(be, "/local/domain/0/backend/vif/3/7");
	expect_keys(fe, fe_want);
	expect_keys(be, be_want);
	CU_ASSERT_EQUAL(connections_settle(base.connections), base.connections);
	CU_ASSERT_EQUAL(pvf_ts_remove_device(NULL, fe, be), 0);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, fe, "state", buf, sizeof(buf)), -PVF_ENOENT);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, be, "state", buf, sizeof(buf)), -PVF_ENOENT);
	/* removing what is gone is not an error */
	CU_ASSERT_EQUAL(pvf_ts_remove_device(xs, fe, be), 0);

	CU_ASSERT_EQUAL(pvf_ts_add_device(xs, "echo", 0, 4, 0, NULL, NULL, fe, sizeof(fe), be,
					  sizeof(be)), 0);
	CU_ASSERT_STRING_EQUAL(fe, "/local/domain/4/device/echo/0");
	CU_ASSERT_EQUAL(pvf_ts_read(xs, fe, "mac", buf, sizeof(buf)), -PVF_ENOENT);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, be, "online", buf, sizeof(buf)), 1);
	CU_ASSERT_EQUAL(pvf_ts_remove_device(xs, fe, be), 0);
	CU_ASSERT_EQUAL(connections_settle(base.connections), base.connections);
}

static void test_add_device_bad_arguments(void)
{
	char fe[128], small[16], be[128], buf[8];

	/* a path that does not fit: nothing written */
	CU_ASSERT_EQUAL(pvf_ts_add_device(xs, "vbd", 51712, 3, 0, NULL, NULL, small,
					  sizeof(small), be, sizeof(be)), -PVF_E2BIG);
	CU_ASSERT_EQUAL(pvf_ts_add_device(xs, "vbd", 51712, 3, 0, NULL, NULL, fe, sizeof(fe),
					  small, sizeof(small)), -PVF_E2BIG);
	CU_ASSERT_EQUAL(pvf_ts_read(xs, "/local/domain/3/device/vbd/51712", "state", buf,
				    sizeof(buf)), -PVF_ENOENT);
	CU_ASSERT_EQUAL(pvf_ts_add_device(xs, NULL, 0, 3, 0, NULL, NULL, fe, sizeof(fe), be,
					  sizeof(be)), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_ts_add_device(xs, "vbd", 0, 3, 0, NULL, NULL, NULL, 0, be,
					  sizeof(be)), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_ts_remove_device(xs, NULL, be), -PVF_EINVAL);
}

static int setup(void)
{
	if (pvf_env_start(&env, NULL, "test_toolstack"))
		return 1;
	xs = xs_open(0);
	if (!xs)
		return 1;
	/* the backend domain's directory, as a toolstack has it: what the
	 * tests add below it (and below domains 3 and 4) teardown removes */
	if (!xs_mkdir(xs, XBT_NULL, "/local/domain/0/backend"))
		return 1;
	pvf_xsd_get_stats(env.xsd, &base);
	return 0;
}

static int teardown(void)
{
	struct pvf_xsd_stats st;
	int bad = 0;

	static const char *const made[] = {
		DIR, "/local/domain/3", "/local/domain/4", "/local/domain/0/backend/vif",
		"/local/domain/0/backend/echo", "/local/domain/0/backend/vbd",
	};

	if (xs) {
		for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
			xs_rm(xs, XBT_NULL, made[i]);
		pvf_xsd_get_stats(env.xsd, &st);
		/* nothing left: every node made is gone, no watch, no
		 * transaction, no extra connection */
		bad = st.watches != base.watches || st.transactions != 0 ||
		      st.nodes != base.nodes || st.connections != base.connections;
		if (bad)
			fprintf(stderr, "leak: watches %u/%u txns %u nodes %u/%u conns %u/%u\n",
				st.watches, base.watches, st.transactions, st.nodes, base.nodes,
				st.connections, base.connections);
		xs_close(xs);
	}
	pvf_env_stop(&env);
	return bad;
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_write_and_read),
		PVF_TEST(test_write_limits),
		PVF_TEST(test_read_u32),
		PVF_TEST(test_read_bool),
		PVF_TEST(test_state),
		PVF_TEST(test_write_keys),
		PVF_TEST(test_watch),
		PVF_TEST(test_add_remove_device),
		PVF_TEST(test_add_device_bad_arguments),
		PVF_TEST_END,
	};

	return pvf_test_run("toolstack", tests, setup, teardown);
}
