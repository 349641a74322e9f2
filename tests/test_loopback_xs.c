/* SPDX-License-Identifier: BSD-2-Clause */
/* The loopback guest's xenstore ops (libxenstore) against the embedded
 * xenstore server. */
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include <pvfront/loopback.h>
#include <pvfront/xsd.h>
#include "cu.h"

static struct pvf_xsd *xsd;
static struct pvf_lb_hv *hv;
static struct pvf_lb_guest *guest;
static const struct pvf_platform *plat;

#define P (plat->ops)
#define C (plat->ctx)

static int suite_init(void)
{
	struct pvf_lb_config cfg;

	pvf_lb_config_init(&cfg);
	cfg.guest_pages = 16;
	cfg.grant_entries = 16;
	cfg.ports = 8;
	if (pvf_xsd_create(NULL, &xsd) || pvf_xsd_start(xsd))
		return -1;
	if (pvf_lb_hv_create(&cfg, &hv) || pvf_lb_guest_open(hv, &guest))
		return -1;
	plat = pvf_lb_guest_platform(guest);
	return pvf_lb_guest_xs_connect(guest, pvf_xsd_socket_path(xsd)) ? -1 : 0;
}

static int suite_fini(void)
{
	pvf_lb_guest_close(guest);
	pvf_lb_hv_destroy(hv);
	pvf_xsd_destroy(xsd);
	return 0;
}

static void assert_no_leaks(void)
{
	struct pvf_xsd_stats st;

	CU_ASSERT_EQUAL(pvf_lb_guest_xs_watches(guest), 0);
	pvf_xsd_get_stats(xsd, &st);
	CU_ASSERT_EQUAL(st.watches, 0);
	CU_ASSERT_EQUAL(st.transactions, 0);
}

static void test_not_connected_and_reconnect(void)
{
	struct pvf_lb_hv *h2;
	struct pvf_lb_guest *g2;
	const struct pvf_platform *p2;
	char buf[8];

	CU_ASSERT_EQUAL(pvf_lb_guest_xs_connect(guest, NULL), -PVF_EALREADY);
	CU_ASSERT_EQUAL_FATAL(pvf_lb_hv_create(NULL, &h2), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_lb_guest_open(h2, &g2), 0);
	p2 = pvf_lb_guest_platform(g2);
	CU_ASSERT_EQUAL(p2->ops->xs_read(p2->ctx, 0, "/a", buf, sizeof(buf)), -PVF_EIO);
	CU_ASSERT_EQUAL(pvf_lb_xs_fileno(g2), -PVF_ENOTCONN);
	CU_ASSERT_EQUAL(pvf_lb_xs_read_watch(g2, buf, 8, buf, 8), -PVF_ENOTCONN);
	pvf_lb_guest_close(g2);
	pvf_lb_hv_destroy(h2);
}

static void test_read_write_rm(void)
{
	char buf[64];

	CU_ASSERT_EQUAL(P->xs_write(C, 0, "/t1/a/b", "hello"), 0);
	CU_ASSERT_EQUAL(P->xs_read(C, 0, "/t1/a/b", buf, sizeof(buf)), 5);
	CU_ASSERT_STRING_EQUAL(buf, "hello");
	CU_ASSERT_EQUAL(P->xs_read(C, 0, "/t1/a", buf, sizeof(buf)), 0); /* parent created */
	CU_ASSERT_EQUAL(P->xs_read(C, 0, "/t1/a/b", buf, 5), -PVF_E2BIG);
	CU_ASSERT_EQUAL(P->xs_read(C, 0, "/t1/a/b", buf, 6), 5);
	CU_ASSERT_EQUAL(P->xs_read(C, 0, "/t1/none", buf, sizeof(buf)), -PVF_ENOENT);
	CU_ASSERT_EQUAL(P->xs_write(C, 0, "/t1/a/b", ""), 0);
	CU_ASSERT_EQUAL(P->xs_read(C, 0, "/t1/a/b", buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(P->xs_mkdir(C, 0, "/t1/m/n"), 0);
	CU_ASSERT_EQUAL(P->xs_read(C, 0, "/t1/m/n", buf, sizeof(buf)), 0);
	CU_ASSERT_EQUAL(P->xs_rm(C, 0, "/t1"), 0);
	CU_ASSERT_EQUAL(P->xs_read(C, 0, "/t1/a/b", buf, sizeof(buf)), -PVF_ENOENT);
	assert_no_leaks();
}

static void test_directory(void)
{
	char buf[64], small[6];
	const char *p;
	int n, i, seen = 0;

	CU_ASSERT_EQUAL(P->xs_write(C, 0, "/t2/alpha", "1"), 0);
	CU_ASSERT_EQUAL(P->xs_write(C, 0, "/t2/beta", "2"), 0);
	CU_ASSERT_EQUAL(P->xs_write(C, 0, "/t2/gamma/x", "3"), 0);
	n = P->xs_directory(C, 0, "/t2", buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, 3);
	for (i = 0, p = buf; i < n && i < 3; i++, p += strlen(p) + 1) {
		if (!strcmp(p, "alpha")) seen |= 1;
		if (!strcmp(p, "beta")) seen |= 2;
		if (!strcmp(p, "gamma")) seen |= 4;
	}
	CU_ASSERT_EQUAL(seen, 7);
	CU_ASSERT_EQUAL(P->xs_directory(C, 0, "/t2", small, sizeof(small)), -PVF_E2BIG);
	CU_ASSERT_EQUAL(P->xs_directory(C, 0, "/t2/none", buf, sizeof(buf)), -PVF_ENOENT);
	CU_ASSERT_EQUAL(P->xs_rm(C, 0, "/t2"), 0);
	assert_no_leaks();
}

static void test_transactions(void)
{
	struct xs_handle *other;
	char buf[32];
	uint32_t t;

	CU_ASSERT_EQUAL(P->xs_write(C, 0, "/t3/k", "0"), 0);
	/* Commit. */
	CU_ASSERT_EQUAL_FATAL(P->xs_txn_start(C, &t), 0);
	CU_ASSERT_NOT_EQUAL(t, 0);
	CU_ASSERT_EQUAL(P->xs_write(C, t, "/t3/k", "1"), 0);
	CU_ASSERT_EQUAL(P->xs_read(C, t, "/t3/k", buf, sizeof(buf)), 1);
	CU_ASSERT_EQUAL(P->xs_txn_end(C, t, 0), 0);
	CU_ASSERT_EQUAL(P->xs_read(C, 0, "/t3/k", buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "1");
	/* Abort. */
	CU_ASSERT_EQUAL_FATAL(P->xs_txn_start(C, &t), 0);
	CU_ASSERT_EQUAL(P->xs_write(C, t, "/t3/k", "2"), 0);
	CU_ASSERT_EQUAL(P->xs_txn_end(C, t, 1), 0);
	CU_ASSERT_EQUAL(P->xs_read(C, 0, "/t3/k", buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "1");
	/* Conflict with another writer: EAGAIN, nothing written. */
	other = xs_open(XS_OPEN_SOCKETONLY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(other);
	CU_ASSERT_EQUAL_FATAL(P->xs_txn_start(C, &t), 0);
	CU_ASSERT_EQUAL(P->xs_read(C, t, "/t3/k", buf, sizeof(buf)), 1);
	CU_ASSERT(xs_write(other, XBT_NULL, "/t3/k", "9", 1));
	CU_ASSERT_EQUAL(P->xs_write(C, t, "/t3/other", "x"), 0);
	CU_ASSERT_EQUAL(P->xs_txn_end(C, t, 0), -PVF_EAGAIN);
	CU_ASSERT_EQUAL(P->xs_read(C, 0, "/t3/other", buf, sizeof(buf)), -PVF_ENOENT);
	xs_close(other);
	CU_ASSERT_EQUAL(P->xs_txn_end(C, 12345, 0), -PVF_ENOENT);
	CU_ASSERT_EQUAL(P->xs_rm(C, 0, "/t3"), 0);
	assert_no_leaks();
}

/* Wait for one watch event (bounded); returns 1 if one came. */
static int wait_event(char *path, size_t ps, char *tok, size_t ts)
{
	int i, rc;

	for (i = 0; i < 50; i++) {
		struct pollfd pfd = { pvf_lb_xs_fileno(guest), POLLIN, 0 };

		rc = pvf_lb_xs_read_watch(guest, path, ps, tok, ts);
		if (rc != 0)
			return rc;
		poll(&pfd, 1, 100);
	}
	return 0;
}

static void test_watches(void)
{
	char path[128], tok[32];

	CU_ASSERT_EQUAL(P->xs_write(C, 0, "/t4/dev/state", "1"), 0);
	CU_ASSERT_EQUAL_FATAL(P->xs_watch(C, "/t4/dev", "tok1"), 0);
	CU_ASSERT_EQUAL(pvf_lb_guest_xs_watches(guest), 1);
	/* The event at registration. */
	CU_ASSERT_EQUAL(wait_event(path, sizeof(path), tok, sizeof(tok)), 1);
	CU_ASSERT_STRING_EQUAL(path, "/t4/dev");
	CU_ASSERT_STRING_EQUAL(tok, "tok1");
	CU_ASSERT_EQUAL(P->xs_write(C, 0, "/t4/dev/state", "4"), 0);
	CU_ASSERT_EQUAL(wait_event(path, sizeof(path), tok, sizeof(tok)), 1);
	CU_ASSERT_STRING_EQUAL(path, "/t4/dev/state");
	CU_ASSERT_STRING_EQUAL(tok, "tok1");
	/* A path that does not fit is reported, not truncated silently. */
	CU_ASSERT_EQUAL(P->xs_write(C, 0, "/t4/dev/state", "5"), 0);
	CU_ASSERT_EQUAL(wait_event(path, 4, tok, sizeof(tok)), -PVF_E2BIG);
	CU_ASSERT_EQUAL(P->xs_watch(C, "/t4/dev", "tok1"), -PVF_EEXIST);
	CU_ASSERT_EQUAL(P->xs_unwatch(C, "/t4/dev", "tok1"), 0);
	CU_ASSERT_EQUAL(P->xs_unwatch(C, "/t4/dev", "tok1"), -PVF_ENOENT);
	CU_ASSERT_EQUAL(P->xs_rm(C, 0, "/t4"), 0);
	/* No more events after unwatch. */
	CU_ASSERT_EQUAL(pvf_lb_xs_read_watch(guest, path, sizeof(path), tok, sizeof(tok)), 0);
	assert_no_leaks();
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_not_connected_and_reconnect),
		PVF_TEST(test_read_write_rm),
		PVF_TEST(test_directory),
		PVF_TEST(test_transactions),
		PVF_TEST(test_watches),
		PVF_TEST_END
	};
	return pvf_test_run("loopback_xs", tests, suite_init, suite_fini);
}
