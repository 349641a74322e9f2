/* SPDX-License-Identifier: BSD-2-Clause */
/* Handover: close every device for the next OS.  The test plays a
 * Linux-like backend: it follows the frontend to Closing and Closed, keeps
 * its grant mapped until it sees the frontend Closed, and returns to
 * InitWait when a Closed frontend goes back to Initialising. */
#include <stdio.h>
#include <string.h>
#include <pvfront/handover.h>
#include "cu.h"
#include "fake_platform.h"

#define NDEV 3
#define MS 1000000ull

static struct pvf_fake *f;
static struct pvf_fake_drv drv[NDEV];
static struct pvf_xenbus_dev dev[NDEV];
static struct pvf_xenbus_dev *devs[NDEV];
static char fe_path[NDEV][64], be_path[NDEV][96];

static int read_state(const char *dir)
{
	char path[512];
	const char *s;

	snprintf(path, sizeof(path), "%s/state", dir);
	s = pvf_fake_xs_get(f, path);
	return s ? s[0] - '0' : -1;
}

static void set_state(const char *dir, int st)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/state", dir);
	pvf_fake_xs_setf(f, path, "%d", st);
}

static void deliver_all(void *arg, const char *path, const char *token)
{
	unsigned int i;

	(void)arg;
	for (i = 0; i < NDEV; i++)
		pvf_xenbus_on_watch(&dev[i], path, token);
}

static void pump(void)
{
	pvf_fake_pump(f, deliver_all, NULL);
}

/* One step of a Linux-like backend for device @i; @stuck: never leaves
 * Connected; @keep_mapped: never unmaps. */
static void backend_step(unsigned int i, int stuck, int keep_mapped)
{
	int fe = read_state(fe_path[i]);
	int be = read_state(be_path[i]);

	if (stuck)
		return;
	if (fe == 5 && be != 5 && be != 6)
		set_state(be_path[i], 5);
	else if (fe == 6 && be != 6) {
		if (drv[i].have_ref && !keep_mapped)
			pvf_fake_gnt_set_mapped(f, drv[i].ref, 0);
		set_state(be_path[i], 6);
	} else if (fe == 1 && be == 6)
		set_state(be_path[i], 2);
}

static void start(unsigned int nconnected)
{
	unsigned int i;

	f = pvf_fake_new();
	for (i = 0; i < NDEV; i++) {
		snprintf(fe_path[i], sizeof(fe_path[i]), "device/vbd/%u", 51712 + 16 * i);
		snprintf(be_path[i], sizeof(be_path[i]), "/local/domain/0/backend/vbd/1/%u",
			 51712 + 16 * i);
		pvf_fake_drv_init(&drv[i], f);
		drv[i].dev = &dev[i];
		devs[i] = &dev[i];
		{
			char p[512];

			snprintf(p, sizeof(p), "%s/backend", fe_path[i]);
			pvf_fake_xs_set(f, p, be_path[i]);
			snprintf(p, sizeof(p), "%s/backend-id", fe_path[i]);
			pvf_fake_xs_set(f, p, "0");
		}
		set_state(be_path[i], 2);
		CU_ASSERT_EQUAL_FATAL(pvf_xenbus_create(&dev[i], pvf_fake_platform(f), fe_path[i],
							&pvf_fake_drv_ops, &drv[i], NULL), 0);
	}
	pump();
	for (i = 0; i < nconnected; i++) {
		set_state(be_path[i], 4);
		pump();
		CU_ASSERT_EQUAL(read_state(fe_path[i]), 4);
		/* the backend maps the ring while connected */
		pvf_fake_gnt_set_mapped(f, drv[i].ref, 1);
	}
}

static void finish(void)
{
	char why[128];
	unsigned int i;

	for (i = 0; i < NDEV; i++)
		CU_ASSERT_EQUAL(pvf_xenbus_destroy(&dev[i]), 0);
	CU_ASSERT_EQUAL(pvf_fake_leaks(f, why, sizeof(why)), 0);
	if (pvf_fake_leaks(f, NULL, 0))
		fprintf(stderr, "leaks: %s\n", why);
	pvf_fake_free(f);
}

static void test_all_devices_closed(void)
{
	struct pvf_handover h;
	struct pvf_handover_report rep;
	struct pvf_fake_counters c;
	unsigned int i, rounds = 0;
	int r;

	/* two connected devices, one still in InitWait (set up, not
	 * connected) */
	start(2);
	CU_ASSERT_EQUAL(drv[2].setups, 1);
	CU_ASSERT_EQUAL(pvf_handover_begin(&h, devs, NDEV, 5000 * MS), 0);
	do {
		r = pvf_handover_poll(&h);
		for (i = 0; i < NDEV; i++)
			backend_step(i, 0, 0);
		pvf_fake_drop_events(f); /* handover polls; no watch delivery */
		pvf_fake_clock_advance(f, 10 * MS);
	} while (r == -PVF_EAGAIN && ++rounds < 100);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(pvf_handover_poll(&h), 0);
	CU_ASSERT_EQUAL(pvf_handover_get_report(&h, &rep), 0);
	CU_ASSERT_EQUAL(rep.total, NDEV);
	CU_ASSERT_EQUAL(rep.closed, NDEV);
	CU_ASSERT_EQUAL(rep.busy, 0);
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.grants, 0);
	CU_ASSERT_EQUAL(c.ports, 0);
	CU_ASSERT_EQUAL(c.pages, 0);
	for (i = 0; i < NDEV; i++) {
		CU_ASSERT_EQUAL(pvf_handover_dev_status(&h, i), 0);
		/* left as a fresh device: frontend Initialising ... */
		CU_ASSERT_EQUAL(read_state(fe_path[i]), 1);
		CU_ASSERT_EQUAL(drv[i].events[PVF_XENBUS_EV_CLOSED], 1);
	}
	/* ... and the backend back in InitWait after its next step */
	for (i = 0; i < NDEV; i++) {
		backend_step(i, 0, 0);
		CU_ASSERT_EQUAL(read_state(be_path[i]), 2);
	}
	/* handed-over devices ignore further events: nothing is set up */
	pump();
	for (i = 0; i < NDEV; i++)
		CU_ASSERT_EQUAL(drv[i].setups, 1);
	CU_ASSERT_EQUAL(pvf_handover_dev_status(&h, NDEV), -PVF_EINVAL);
	finish();
}

static void test_never_set_up_is_done_at_once(void)
{
	struct pvf_handover h;
	unsigned int i;

	f = pvf_fake_new();
	for (i = 0; i < NDEV; i++) {
		char p[128];

		snprintf(fe_path[i], sizeof(fe_path[i]), "device/vif/%u", i);
		snprintf(be_path[i], sizeof(be_path[i]), "/local/domain/0/backend/vif/1/%u", i);
		pvf_fake_drv_init(&drv[i], f);
		drv[i].dev = &dev[i];
		devs[i] = &dev[i];
		snprintf(p, sizeof(p), "%s/backend", fe_path[i]);
		pvf_fake_xs_set(f, p, be_path[i]);
		snprintf(p, sizeof(p), "%s/backend-id", fe_path[i]);
		pvf_fake_xs_set(f, p, "0");
		set_state(be_path[i], 1);
		CU_ASSERT_EQUAL_FATAL(pvf_xenbus_create(&dev[i], pvf_fake_platform(f), fe_path[i],
							&pvf_fake_drv_ops, &drv[i], NULL), 0);
	}
	pump();
	CU_ASSERT_EQUAL(pvf_handover_begin(&h, devs, NDEV, 1000 * MS), 0);
	CU_ASSERT_EQUAL(pvf_handover_poll(&h), 0);
	for (i = 0; i < NDEV; i++) {
		CU_ASSERT_EQUAL(read_state(fe_path[i]), 1);
		CU_ASSERT_EQUAL(drv[i].setups, 0);
	}
	finish();
}

static void test_mapped_grant_reported_not_freed(void)
{
	struct pvf_handover h;
	struct pvf_handover_report rep;
	struct pvf_fake_counters c;
	unsigned int rounds = 0;
	int r;

	start(2);
	CU_ASSERT_EQUAL(pvf_handover_begin(&h, devs, 2, 500 * MS), 0);
	do {
		r = pvf_handover_poll(&h);
		backend_step(0, 0, 0);
		backend_step(1, 0, 1); /* device 1's backend never unmaps */
		pvf_fake_clock_advance(f, 10 * MS);
	} while (r == -PVF_EAGAIN && ++rounds < 1000);
	CU_ASSERT_EQUAL(r, -PVF_ETIMEDOUT);
	CU_ASSERT_TRUE(rounds >= 49 && rounds <= 52);
	CU_ASSERT_EQUAL(pvf_handover_poll(&h), -PVF_ETIMEDOUT);
	pvf_handover_get_report(&h, &rep);
	CU_ASSERT_EQUAL(rep.total, 2);
	CU_ASSERT_EQUAL(rep.closed, 1);
	CU_ASSERT_EQUAL(rep.busy, 1);
	CU_ASSERT_EQUAL(rep.pending, 0);
	CU_ASSERT_EQUAL(pvf_handover_dev_status(&h, 0), 0);
	CU_ASSERT_EQUAL(pvf_handover_dev_status(&h, 1), -PVF_EBUSY);
	/* the grant and its page are still there, the port is closed */
	CU_ASSERT_TRUE(pvf_fake_gnt_info(f, drv[1].ref, NULL, NULL, NULL));
	CU_ASSERT_PTR_NOT_NULL(drv[1].page);
	pvf_fake_counters(f, &c);
	CU_ASSERT_EQUAL(c.grants, 2); /* device 1 + device 2 (not in handover) */
	CU_ASSERT_TRUE(pvf_fake_log_contains(f, "NOT freed"));
	/* frontend 1 stays Closed (not Initialising) */
	CU_ASSERT_EQUAL(read_state(fe_path[1]), 6);
	/* once unmapped, destroy frees it */
	pvf_fake_gnt_set_mapped(f, drv[1].ref, 0);
	finish();
}

static void test_timeout_backend_stuck(void)
{
	struct pvf_handover h;
	struct pvf_handover_report rep;
	unsigned int rounds = 0;
	int r;

	start(1);
	CU_ASSERT_EQUAL(pvf_handover_begin(&h, devs, 1, 100 * MS), 0);
	do {
		r = pvf_handover_poll(&h);
		backend_step(0, 1, 0);
		pvf_fake_clock_advance(f, 10 * MS);
	} while (r == -PVF_EAGAIN && ++rounds < 1000);
	CU_ASSERT_EQUAL(r, -PVF_ETIMEDOUT);
	pvf_handover_get_report(&h, &rep);
	CU_ASSERT_EQUAL(rep.closed, 0);
	CU_ASSERT_EQUAL(rep.pending, 1);
	CU_ASSERT_EQUAL(pvf_handover_dev_status(&h, 0), -PVF_ETIMEDOUT);
	CU_ASSERT_EQUAL(read_state(fe_path[0]), 5);
	/* the backend stayed Connected, so it still maps the ring: the test
	 * unmaps before the destroy that frees it */
	pvf_fake_gnt_set_mapped(f, drv[0].ref, 0);
	finish();
}

static void test_bad_arguments(void)
{
	struct pvf_handover h;
	struct pvf_xenbus_dev *none[1] = { NULL };

	CU_ASSERT_EQUAL(pvf_handover_begin(NULL, NULL, 0, 1), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_handover_begin(&h, NULL, 1, 1), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_handover_begin(&h, none, 1, 1), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_handover_begin(&h, none, 0, 0), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_handover_begin(&h, NULL, 0, 1), 0);
	CU_ASSERT_EQUAL(pvf_handover_poll(&h), 0);
	CU_ASSERT_EQUAL(pvf_handover_poll(NULL), -PVF_EINVAL);
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_all_devices_closed),
		PVF_TEST(test_never_set_up_is_done_at_once),
		PVF_TEST(test_mapped_grant_reported_not_freed),
		PVF_TEST(test_timeout_backend_stuck),
		PVF_TEST(test_bad_arguments),
		PVF_TEST_END
	};
	return pvf_test_run("handover", tests, NULL, NULL);
}
