/* SPDX-License-Identifier: BSD-2-Clause */
/* XenBus frontend state machine against the fake platform: what the
 * backend does to a frontend (restart, Closing with a mapped grant,
 * directories removed, garbage states, events for others, and the
 * BACKEND_CHANGED event).  Fixture: tests/xenbus_fx.h. */
#include "xenbus_fx.h"

static void test_backend_restart_reconnects(void)
{
	struct pvf_fake_counters c;

	start();
	connect_normally();
	backend(5); /* Closing */
	CU_ASSERT_EQUAL(drv.disconnects, 1);
	CU_ASSERT_EQUAL(fe_state(), 6);
	backend(6); /* Closed */
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.grants, 0);
	CU_ASSERT_EQUAL(c.ports, 0);
	CU_ASSERT_EQUAL(c.pages, 0);
	/* waiting for the backend to return is not a timeout */
	pvf_fake_clock_advance(f, 60000 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_TIMEOUT], 0);
	backend(2); /* back in InitWait */
	CU_ASSERT_EQUAL(drv.setups, 2);
	CU_ASSERT_EQUAL(fe_state(), 3);
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 2);
	CU_ASSERT_EQUAL(fe_state(), 4);
	finish();
}

static void test_backend_closing_with_mapped_grant(void)
{
	start();
	connect_normally();
	pvf_fake_gnt_set_mapped(f, drv.ref, 1);
	backend(5);
	CU_ASSERT_EQUAL(fe_state(), 6);
	backend(6);
	CU_ASSERT_TRUE(drv.busy_releases >= 1);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_BUSY], 1);
	CU_ASSERT_EQUAL(pvf_xenbus_release_status(&dev), -PVF_EBUSY);
	/* retried from poll once the backend unmaps */
	pvf_fake_gnt_set_mapped(f, drv.ref, 0);
	pvf_fake_clock_advance(f, 200 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(pvf_xenbus_release_status(&dev), 0);
	CU_ASSERT_EQUAL(drv.have_ref, 0);
	finish();
}

static void test_backend_directory_removed(void)
{
	start();
	connect_normally();
	pvf_fake_xs_rm(f, "/local/domain/0/backend/vbd/1");
	pump();
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_GONE], 1);
	CU_ASSERT_EQUAL(drv.disconnects, 1);
	CU_ASSERT_EQUAL(fe_state(), 6);
	CU_ASSERT_EQUAL(drv.have_ref, 0);
	/* more events: reported once */
	pvf_xenbus_refresh(&dev);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_GONE], 1);
	finish();
}

static void test_both_directories_removed(void)
{
	start();
	connect_normally();
	pvf_fake_xs_rm(f, FE);
	pvf_fake_xs_rm(f, BE);
	pump();
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_GONE], 1);
	/* the frontend node is not recreated */
	CU_ASSERT_PTR_NULL(pvf_fake_xs_get(f, FE "/state"));
	CU_ASSERT_PTR_NULL(pvf_fake_xs_get(f, FE));
	CU_ASSERT_EQUAL(pvf_xenbus_frontend_state(&dev), PVF_XENBUS_CLOSED);
	finish();
}

static void test_garbage_state(void)
{
	static const char *const bad[] = { "", "4x", " 4", "9", "-1", "+4", "4\n",
					   "99999999999999999999999999999999999" };
	size_t i;

	start();
	connect_normally();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pvf_fake_xs_set(f, BE "/state", bad[i]);
		pump();
	}
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_PROTOCOL], sizeof(bad) / sizeof(bad[0]));
	CU_ASSERT_EQUAL(drv.last_err, -PVF_EPROTO);
	/* nothing else happened */
	CU_ASSERT_EQUAL(drv.disconnects, 0);
	CU_ASSERT_EQUAL(fe_state(), 4);
	finish();
}

static void test_garbage_state_before_connect(void)
{
	start();
	pvf_fake_xs_set(f, BE "/state", "InitWait");
	pump();
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_PROTOCOL], 1);
	CU_ASSERT_EQUAL(drv.setups, 0);
	backend(2);
	CU_ASSERT_EQUAL(drv.setups, 1);
	finish();
}

static void test_backend_reset_without_close(void)
{
	struct pvf_fake_counters c;

	start();
	connect_normally();
	/* the backend restarts and rewrites Initialising, skipping Closing */
	backend(1);
	CU_ASSERT_EQUAL(drv.disconnects, 1);
	CU_ASSERT_EQUAL(fe_state(), 6);
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.grants, 0);
	backend(2);
	CU_ASSERT_EQUAL(drv.setups, 2);
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 2);
	CU_ASSERT_EQUAL(fe_state(), 4);
	finish();
}

static void test_events_for_others_ignored(void)
{
	start();
	CU_ASSERT_EQUAL(pvf_xenbus_on_watch(&dev, BE "/state", "someone-else"), 0);
	CU_ASSERT_EQUAL(pvf_xenbus_on_watch(&dev, "/local/domain/0/backend/vbd/1/51713/state",
					    "pvfxb:" FE), 0);
	CU_ASSERT_EQUAL(pvf_xenbus_on_watch(&dev, BE "/stat", "pvfxb:" FE), 0);
	pvf_fake_xs_set(f, BE "/state", "2"); /* no pump: event not delivered */
	pvf_fake_drop_events(f);
	CU_ASSERT_EQUAL(pvf_xenbus_on_watch(&dev, BE "/statex", "pvfxb:" FE), 0);
	CU_ASSERT_EQUAL(drv.setups, 0);
	CU_ASSERT_EQUAL(pvf_xenbus_on_watch(&dev, BE "/state", "pvfxb:" FE), 1);
	CU_ASSERT_EQUAL(drv.setups, 1);
	finish();
}

#define EV_BC PVF_XENBUS_EV_BACKEND_CHANGED

/* The backend rewrites Connected while both ends are connected (blkback's
 * online resize): changed(BACKEND_CHANGED, 0) once per re-read, connect()
 * not re-run, nothing written, last_err untouched. */
static void test_backend_changed_event(void)
{
	struct pvf_fake_counters c0, c1;

	start();
	connect_normally();
	/* the first Connected runs connect(), it is not a change */
	CU_ASSERT_EQUAL(drv.events[EV_BC], 0);
	drv.last_err = 12345;
	pvf_fake_counters(f, &c0);
	backend(4); /* Connected rewritten: one watch event */
	CU_ASSERT_EQUAL(drv.events[EV_BC], 1);
	CU_ASSERT_EQUAL(drv.last_err, 0);
	CU_ASSERT_EQUAL(drv.connects, 1);
	CU_ASSERT_EQUAL(drv.setups, 1);
	CU_ASSERT_EQUAL(drv.disconnects, 0);
	CU_ASSERT_EQUAL(fe_state(), 4);
	pvf_fake_counters(f, &c1);
	CU_ASSERT_EQUAL(c1.xs_writes, c0.xs_writes);
	CU_ASSERT_EQUAL(c1.txn_commits, c0.txn_commits);
	/* no other event was reported */
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_ERROR] + drv.events[PVF_XENBUS_EV_PROTOCOL] +
				drv.events[PVF_XENBUS_EV_TIMEOUT], 0);
	/* pvf_xenbus_refresh is "as a watch event" */
	CU_ASSERT_EQUAL(pvf_xenbus_refresh(&dev), 0);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 2);
	/* garbage in the state node is a protocol event, not a change */
	pvf_fake_xs_set(f, BE "/state", "4x");
	pump();
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_PROTOCOL], 1);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 2);
	backend(4);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 3);
	CU_ASSERT_EQUAL(drv.connects, 1);
	/* still connected: no timeout while the machine is not waiting */
	pvf_fake_clock_advance(f, 60000 * MS);
	pvf_xenbus_poll(&dev);
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_TIMEOUT], 0);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 3);
	/* after a backend restart the first Connected is a connect again */
	backend(5);
	backend(6);
	backend(2);
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 2);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 3);
	backend(4);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 4);
	CU_ASSERT_EQUAL(drv.connects, 2);
	finish();
}

/* Spurious watch events (no write at all, duplicates, a parent path):
 * each is one re-read and at most one event; connect() never re-runs,
 * nothing is written. */
static void test_backend_changed_spurious(void)
{
	struct pvf_fake_counters c0, c1;
	int i;

	start();
	connect_normally();
	pvf_fake_counters(f, &c0);
	for (i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(pvf_xenbus_on_watch(&dev, BE "/state", "pvfxb:" FE), 1);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 5);
	/* a parent path is accepted (recursive removal reports it) */
	CU_ASSERT_EQUAL(pvf_xenbus_on_watch(&dev, BE, "pvfxb:" FE), 1);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 6);
	/* events that are not ours do nothing */
	CU_ASSERT_EQUAL(pvf_xenbus_on_watch(&dev, BE "/state", "other"), 0);
	CU_ASSERT_EQUAL(pvf_xenbus_on_watch(&dev, BE "/sectors", "pvfxb:" FE), 0);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 6);
	CU_ASSERT_EQUAL(drv.connects, 1);
	CU_ASSERT_EQUAL(drv.setups, 1);
	CU_ASSERT_EQUAL(drv.disconnects, 0);
	CU_ASSERT_EQUAL(drv.releases, 0);
	pvf_fake_counters(f, &c1);
	CU_ASSERT_EQUAL(c1.xs_writes, c0.xs_writes);
	CU_ASSERT_EQUAL(c1.txn_commits, c0.txn_commits);
	CU_ASSERT_EQUAL(c1.txn_aborts, c0.txn_aborts);
	CU_ASSERT_EQUAL(fe_state(), 4);
	finish();
}

/* No BACKEND_CHANGED unless both ends are connected and connect() ran. */
static void test_backend_changed_not_while_unconnected(void)
{
	start();
	/* backend InitWait repeated, frontend Initialised */
	backend(2);
	backend(2);
	pvf_xenbus_refresh(&dev);
	CU_ASSERT_EQUAL(fe_state(), 3);
	/* the first Connected runs connect(): not a change */
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 1);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 0);
	/* frontend closing: the backend still Connected is waited for */
	CU_ASSERT_EQUAL(pvf_xenbus_close(&dev), 0);
	CU_ASSERT_EQUAL(fe_state(), 5);
	backend(4);
	pvf_xenbus_refresh(&dev);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 0);
	backend(6);
	CU_ASSERT_TRUE(pvf_xenbus_is_closed(&dev));
	backend(4); /* closed for good */
	CU_ASSERT_EQUAL(drv.events[EV_BC], 0);
	CU_ASSERT_EQUAL(drv.connects, 1);
	finish();

	/* connect() failed: the machine closes, no change reported */
	start();
	drv.fail_connect = 1;
	backend(2);
	backend(4);
	CU_ASSERT_EQUAL(fe_state(), 5);
	backend(4);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 0);
	CU_ASSERT_EQUAL(drv.connects, 1);
	finish();

	/* connect() ran but the Connected write failed: the next Connected
	 * completes the handshake (no event), only then a rewrite is one */
	start();
	backend(2);
	pvf_fake_fail_xs_write(f, 1, -PVF_EIO);
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 1);
	CU_ASSERT_EQUAL(fe_state(), 3);
	backend(4);
	CU_ASSERT_EQUAL(fe_state(), 4);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 0);
	backend(4);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 1);
	CU_ASSERT_EQUAL(drv.connects, 1);
	finish();

	/* backend gone while connected, then a parent event: nothing */
	start();
	connect_normally();
	pvf_fake_xs_rm(f, BE);
	pump();
	CU_ASSERT_EQUAL(drv.events[PVF_XENBUS_EV_GONE], 1);
	pvf_xenbus_on_watch(&dev, BE, "pvfxb:" FE);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 0);
	finish();
}

/* CONNECT_EARLY: the frontend is Connected before the backend; repeats of
 * the backend's InitWait are no change, its first Connected is connect(). */
static void test_backend_changed_connect_early(void)
{
	cfg.flags = PVF_XENBUS_CONNECT_EARLY;
	start();
	backend(2);
	CU_ASSERT_EQUAL(fe_state(), 4);
	backend(2);
	pvf_xenbus_refresh(&dev);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 0);
	backend(4);
	CU_ASSERT_EQUAL(drv.connects, 1);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 0);
	backend(4);
	CU_ASSERT_EQUAL(drv.events[EV_BC], 1);
	CU_ASSERT_EQUAL(drv.connects, 1);
	cfg.flags = 0;
	finish();
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_backend_restart_reconnects),
		PVF_TEST(test_backend_closing_with_mapped_grant),
		PVF_TEST(test_backend_directory_removed),
		PVF_TEST(test_both_directories_removed),
		PVF_TEST(test_garbage_state),
		PVF_TEST(test_garbage_state_before_connect),
		PVF_TEST(test_backend_reset_without_close),
		PVF_TEST(test_events_for_others_ignored),
		PVF_TEST(test_backend_changed_event),
		PVF_TEST(test_backend_changed_spurious),
		PVF_TEST(test_backend_changed_not_while_unconnected),
		PVF_TEST(test_backend_changed_connect_early),
		PVF_TEST_END
	};
	return pvf_test_run("xenbus_backend", tests, NULL, NULL);
}
