/* SPDX-License-Identifier: BSD-2-Clause */
/* XenBus frontend state machine against the fake platform: the frontend's
 * own lifecycle (handshake, setup failures, transactions, timeouts, close,
 * create/destroy, the transition table).  What the backend does to a
 * frontend is tests/test_xenbus_backend.c. */
#include "xenbus_fx.h"

static void test_normal_handshake(void)
{
	char v[16];
	struct pvf_fake_counters c;

	start();
	CU_ASSERT_STRING_EQUAL(pvf_xenbus_backend(&dev), BE);
	CU_ASSERT_EQUAL(pvf_xenbus_backend_id(&dev), 0);
	CU_ASSERT_EQUAL(drv.setups, 0);
	backend(2);
	CU_ASSERT_EQUAL(drv.setups, 1);
	CU_ASSERT_EQUAL(fe_state(), 3);
	/* ring keys were written in the same transaction as the state */
	snprintf(v, sizeof(v), "%u", drv.ref);
	CU_ASSERT_STRING_EQUAL(pvf_fake_xs_get(f, FE "/ring-ref"), v);
	snprintf(v, sizeof(v), "%u", drv.port);
	CU_ASSERT_STRING_EQUAL(pvf_fake_xs_get(f, FE "/event-channel"), v);
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.txn_commits, 1);
	CU_ASSERT_EQUAL(c.grants, 1);
	CU_ASSERT_EQUAL(c.ports, 1);
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 1);
	CU_ASSERT_EQUAL(fe_state(), 4);
	CU_ASSERT_EQUAL(pvf_xenbus_frontend_state(&dev), PVF_XENBUS_CONNECTED);
	CU_ASSERT_EQUAL(pvf_xenbus_backend_state(&dev), PVF_XENBUS_CONNECTED);
	/* transitions logged at INFO */
	CU_ASSERT_TRUE(pvf_fake_log_contains(f, "Initialised -> Connected"));
	/* spurious events change nothing */
	backend(4);
	pvf_fake_clock_advance(f, 60000 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(drv.connects, 1);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_TIMEOUT], 0);
	finish();
}

/* PVF_XENBUS_CONNECT_EARLY (netif): setup writes Connected in its
 * transaction, because xen-netback connects only once it sees the
 * frontend Connected; connect() still waits for the backend's Connected,
 * runs once, and the state is not written twice.  After a backend-side
 * close it connects early again. */
static void test_connect_early(void)
{
	cfg.flags = PVF_XENBUS_CONNECT_EARLY;
	start();
	backend(2); /* InitWait */
	CU_ASSERT_EQUAL(drv.setups, 1);
	CU_ASSERT_EQUAL(fe_state(), 4);
	CU_ASSERT_EQUAL(drv.connects, 0);
	backend(2); /* a repeated InitWait sets nothing up twice */
	CU_ASSERT_EQUAL(drv.setups, 1);
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 1);
	CU_ASSERT_EQUAL(fe_state(), 4);
	CU_ASSERT_FALSE(pvf_fake_log_contains(f, "illegal"));
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 1);
	/* the backend closes and comes back: early connect again */
	backend(5);
	backend(6);
	CU_ASSERT_EQUAL(fe_state(), 6);
	backend(2);
	CU_ASSERT_EQUAL(drv.setups, 2);
	CU_ASSERT_EQUAL(fe_state(), 4);
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 2);
	CU_ASSERT_FALSE(pvf_fake_log_contains(f, "illegal"));
	cfg.flags = 0;
	finish();
}

static void test_skipped_states(void)
{
	start();
	/* Unknown -> Connected directly */
	pvf_fake_xs_set(f, BE "/state", "0");
	pump();
	CU_ASSERT_EQUAL(drv.setups, 0);
	backend(4);
	CU_ASSERT_EQUAL(drv.setups, 1);
	CU_ASSERT_EQUAL(drv.connects, 1);
	CU_ASSERT_EQUAL(fe_state(), 4);
	finish();
}

static void test_backend_initialised_skips_initwait(void)
{
	start();
	backend(3);
	CU_ASSERT_EQUAL(drv.setups, 1);
	CU_ASSERT_EQUAL(fe_state(), 3);
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 1);
	finish();
}

static void test_repeated_initwait_sets_up_once(void)
{
	struct pvf_fake_counters c;

	start();
	backend(2);
	backend(2);
	pvf_xenbus_refresh(&dev);
	backend(3);
	CU_ASSERT_EQUAL(drv.setups, 1);
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.grants, 1);
	CU_ASSERT_EQUAL(c.ports, 1);
	backend(4);
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 1);
	finish();
}

static void test_timeout_reported(void)
{
	start();
	backend(2);
	CU_ASSERT_EQUAL(fe_state(), 3);
	/* backend stays InitWait */
	pvf_fake_clock_advance(f, 4999 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_TIMEOUT], 0);
	pvf_fake_clock_advance(f, 1 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_TIMEOUT], 1);
	CU_ASSERT_EQUAL(drv.last_err, -PVF_ETIMEDOUT);
	/* reported once, and the machine keeps going */
	pvf_fake_clock_advance(f, 10000 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_TIMEOUT], 1);
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 1);
	CU_ASSERT_EQUAL(fe_state(), 4);
	finish();
}

static void test_timeout_backend_never_appears(void)
{
	start();
	pvf_fake_clock_advance(f, 6000 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_TIMEOUT], 1);
	finish();
}

static void test_setup_fails_then_succeeds(void)
{
	struct pvf_fake_counters c;

	start();
	drv.fail_setup = 1;
	drv.setup_err = -PVF_ENOMEM;
	backend(2);
	CU_ASSERT_EQUAL(drv.setups, 1);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_ERROR], 1);
	CU_ASSERT_EQUAL(drv.last_err, -PVF_ENOMEM);
	CU_ASSERT_EQUAL(fe_state(), 1);
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.txn_commits, 0);
	/* not before the retry delay */
	pvf_fake_clock_advance(f, 50 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(drv.setups, 1);
	pvf_fake_clock_advance(f, 50 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(drv.setups, 2);
	CU_ASSERT_EQUAL(fe_state(), 3);
	backend(4);
	CU_ASSERT_EQUAL(fe_state(), 4);
	finish();
}

static void test_partial_setup_released(void)
{
	struct pvf_fake_counters c;

	start();
	/* page allocated, grant fails: the machine releases the page */
	pvf_fake_fail_gnt_grant(f, 1);
	backend(2);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_ERROR], 1);
	CU_ASSERT_EQUAL(drv.last_err, -PVF_ENOSPC);
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.pages, 0);
	CU_ASSERT_EQUAL(c.grants, 0);
	pvf_fake_fail_page_alloc(f, 1);
	pvf_fake_clock_advance(f, 100 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(drv.last_err, -PVF_ENOMEM);
	pvf_fake_clock_advance(f, 100 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(fe_state(), 3);
	CU_ASSERT_EQUAL(drv.setups, 3);
	finish();
}

static void test_transaction_eagain(void)
{
	struct pvf_fake_counters c;

	start();
	/* 3 conflicts, 4 tries: succeeds; resources from failed tries freed */
	pvf_fake_txn_eagain(f, 3);
	backend(2);
	CU_ASSERT_EQUAL(drv.setups, 4);
	CU_ASSERT_EQUAL(fe_state(), 3);
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.grants, 1);
	CU_ASSERT_EQUAL(c.pages, 1);
	CU_ASSERT_EQUAL(c.ports, 1);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_ERROR], 0);
	finish();
}

static void test_transaction_eagain_exhausted(void)
{
	struct pvf_fake_counters c;

	start();
	pvf_fake_txn_eagain(f, 4);
	backend(2);
	CU_ASSERT_EQUAL(drv.setups, 4);
	CU_ASSERT_EQUAL(fe_state(), 1);
	CU_ASSERT_EQUAL(drv.last_err, -PVF_EAGAIN);
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.grants, 0);
	CU_ASSERT_EQUAL(c.txns, 0);
	pvf_fake_clock_advance(f, 100 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(fe_state(), 3);
	finish();
}

static void test_state_write_fails(void)
{
	start();
	backend(2);
	/* the next xs_write is the Connected state */
	pvf_fake_fail_xs_write(f, 1, -PVF_EIO);
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 1);
	CU_ASSERT_EQUAL(fe_state(), 3);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_ERROR], 1);
	pvf_fake_clock_advance(f, 100 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(fe_state(), 4);
	CU_ASSERT_EQUAL(drv.connects, 1);
	finish();
}

static void test_connect_failure_closes(void)
{
	start();
	drv.fail_connect = 1;
	backend(2);
	backend(4);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_ERROR], 1);
	CU_ASSERT_EQUAL(fe_state(), 5);
	backend(5);
	CU_ASSERT_EQUAL(fe_state(), 6);
	backend(6);
	CU_ASSERT_TRUE(pvf_xenbus_is_closed(&dev));
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_CLOSED], 1);
	finish();
}

static void test_close(void)
{
	start();
	connect_normally();
	CU_ASSERT_EQUAL(pvf_xenbus_close(&dev), 0);
	CU_ASSERT_EQUAL(fe_state(), 5);
	CU_ASSERT_EQUAL(drv.disconnects, 1);
	CU_ASSERT_EQUAL(pvf_xenbus_close(&dev), -PVF_EALREADY);
	CU_ASSERT_FALSE(pvf_xenbus_is_closed(&dev));
	backend(5);
	CU_ASSERT_EQUAL(fe_state(), 6);
	CU_ASSERT_FALSE(pvf_xenbus_is_closed(&dev));
	backend(6);
	CU_ASSERT_TRUE(pvf_xenbus_is_closed(&dev));
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_CLOSED], 1);
	CU_ASSERT_EQUAL(drv.have_ref, 0);
	CU_ASSERT_EQUAL(pvf_xenbus_close(&dev), 0);
	/* closed for good: a backend returning to InitWait is ignored */
	backend(2);
	CU_ASSERT_EQUAL(drv.setups, 1);
	CU_ASSERT_EQUAL(fe_state(), 6);
	finish();
}

static void test_close_timeout(void)
{
	start();
	connect_normally();
	pvf_xenbus_close(&dev);
	pvf_fake_clock_advance(f, 5000 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_TIMEOUT], 1);
	CU_ASSERT_FALSE(pvf_xenbus_is_closed(&dev));
	backend(6);
	CU_ASSERT_TRUE(pvf_xenbus_is_closed(&dev));
	finish();
}

static void test_close_before_backend_appears(void)
{
	start();
	/* backend still Initialising: nothing to wait for */
	CU_ASSERT_EQUAL(pvf_xenbus_close(&dev), 0);
	CU_ASSERT_TRUE(pvf_xenbus_is_closed(&dev));
	CU_ASSERT_EQUAL(fe_state(), 6);
	CU_ASSERT_EQUAL(drv.setups, 0);
	finish();
}

static void test_create_errors(void)
{
	struct pvf_fake_counters c;
	char big[PVF_XENBUS_NODE_MAX + 10];

	make_nodes();
	drv.dev = &dev;
	CU_ASSERT_EQUAL(pvf_xenbus_create(&dev, pvf_fake_platform(f), "device/vbd/9",
					  &pvf_fake_drv_ops, &drv, NULL), -PVF_ENOENT);
	pvf_fake_xs_set(f, FE "/backend-id", "65536");
	CU_ASSERT_EQUAL(pvf_xenbus_create(&dev, pvf_fake_platform(f), FE,
					  &pvf_fake_drv_ops, &drv, NULL), -PVF_ERANGE);
	pvf_fake_xs_set(f, FE "/backend-id", "0x0");
	CU_ASSERT_EQUAL(pvf_xenbus_create(&dev, pvf_fake_platform(f), FE,
					  &pvf_fake_drv_ops, &drv, NULL), -PVF_EINVAL);
	pvf_fake_xs_set(f, FE "/backend-id", "0");
	pvf_fake_xs_set(f, FE "/backend", "relative/path");
	CU_ASSERT_EQUAL(pvf_xenbus_create(&dev, pvf_fake_platform(f), FE,
					  &pvf_fake_drv_ops, &drv, NULL), -PVF_EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pvf_fake_xs_set(f, FE "/backend", big);
	CU_ASSERT_EQUAL(pvf_xenbus_create(&dev, pvf_fake_platform(f), big,
					  &pvf_fake_drv_ops, &drv, NULL), -PVF_E2BIG);
	pvf_fake_xs_set(f, FE "/backend", BE);
	/* state write fails: the watch is removed again */
	pvf_fake_fail_xs_write(f, 1, -PVF_EACCES);
	CU_ASSERT_EQUAL(pvf_xenbus_create(&dev, pvf_fake_platform(f), FE,
					  &pvf_fake_drv_ops, &drv, NULL), -PVF_EACCES);
	CU_ASSERT_EQUAL(pvf_xenbus_create(NULL, pvf_fake_platform(f), FE,
					  &pvf_fake_drv_ops, &drv, NULL), -PVF_EINVAL);
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.watches, 0);
	CU_ASSERT_EQUAL(pvf_fake_leaks(f, NULL, 0), 0);
	pvf_fake_free(f);
}

static void test_destroy_releases(void)
{
	struct pvf_fake_counters c;

	start();
	connect_normally();
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.watches, 1);
	CU_ASSERT_EQUAL(pvf_xenbus_destroy(&dev), 0);
	CU_ASSERT_EQUAL(drv.disconnects, 1);
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.watches, 0);
	CU_ASSERT_EQUAL(c.grants, 0);
	/* events after destroy are ignored */
	backend(2);
	CU_ASSERT_EQUAL(drv.setups, 1);
	finish();
}

static void test_destroy_with_mapped_grant(void)
{
	start();
	connect_normally();
	pvf_fake_gnt_set_mapped(f, drv.ref, 1);
	CU_ASSERT_EQUAL(pvf_xenbus_destroy(&dev), -PVF_EBUSY);
	CU_ASSERT_EQUAL(drv.have_ref, 1);
	pvf_fake_gnt_set_mapped(f, drv.ref, 0);
	CU_ASSERT_EQUAL(pvf_fake_drv_ops.release(&drv), 0);
	finish();
}

static void test_transition_table(void)
{
	CU_ASSERT_TRUE(pvf_xenbus_transition_legal(PVF_XENBUS_UNKNOWN, PVF_XENBUS_INITIALISING));
	CU_ASSERT_TRUE(pvf_xenbus_transition_legal(PVF_XENBUS_INITIALISED, PVF_XENBUS_CONNECTED));
	CU_ASSERT_TRUE(pvf_xenbus_transition_legal(PVF_XENBUS_CLOSED, PVF_XENBUS_INITIALISED));
	/* early connect (netif) */
	CU_ASSERT_TRUE(pvf_xenbus_transition_legal(PVF_XENBUS_INITIALISING, PVF_XENBUS_CONNECTED));
	CU_ASSERT_TRUE(pvf_xenbus_transition_legal(PVF_XENBUS_CLOSED, PVF_XENBUS_CONNECTED));
	CU_ASSERT_FALSE(pvf_xenbus_transition_legal(PVF_XENBUS_CONNECTED, PVF_XENBUS_CONNECTED));
	CU_ASSERT_FALSE(pvf_xenbus_transition_legal(PVF_XENBUS_CONNECTED, PVF_XENBUS_INITIALISED));
	CU_ASSERT_FALSE(pvf_xenbus_transition_legal(PVF_XENBUS_INITIALISED, PVF_XENBUS_INITIALISED));
	CU_ASSERT_FALSE(pvf_xenbus_transition_legal(PVF_XENBUS_CLOSING, PVF_XENBUS_CONNECTED));
	CU_ASSERT_FALSE(pvf_xenbus_transition_legal(99, 1));
	CU_ASSERT_FALSE(pvf_xenbus_transition_legal(1, 99));
	CU_ASSERT_STRING_EQUAL(pvf_xenbus_state_name(2), "InitWait");
	CU_ASSERT_STRING_EQUAL(pvf_xenbus_state_name(42), "?");
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_normal_handshake),
		PVF_TEST(test_skipped_states),
		PVF_TEST(test_backend_initialised_skips_initwait),
		PVF_TEST(test_repeated_initwait_sets_up_once),
		PVF_TEST(test_timeout_reported),
		PVF_TEST(test_timeout_backend_never_appears),
		PVF_TEST(test_setup_fails_then_succeeds),
		PVF_TEST(test_partial_setup_released),
		PVF_TEST(test_transaction_eagain),
		PVF_TEST(test_transaction_eagain_exhausted),
		PVF_TEST(test_state_write_fails),
		PVF_TEST(test_connect_failure_closes),
		PVF_TEST(test_close),
		PVF_TEST(test_close_timeout),
		PVF_TEST(test_close_before_backend_appears),
		PVF_TEST(test_create_errors),
		PVF_TEST(test_destroy_releases),
		PVF_TEST(test_destroy_with_mapped_grant),
		PVF_TEST(test_transition_table),
		PVF_TEST(test_connect_early),
		PVF_TEST_END
	};
	return pvf_test_run("xenbus", tests, NULL, NULL);
}
