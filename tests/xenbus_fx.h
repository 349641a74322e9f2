/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fixture of the XenBus state machine tests (tests/test_xenbus.c: the
 * frontend's own lifecycle; tests/test_xenbus_backend.c: what the backend
 * does to it): the fake platform, a fake driver, one device, and helpers
 * that play the backend by writing its state node.  Each test program has
 * its own copy of these statics.
 */
#ifndef PVF_TESTS_XENBUS_FX_H
#define PVF_TESTS_XENBUS_FX_H

#include <stdio.h>
#include <string.h>
#include <pvfront/xenbus.h>
#include "cu.h"
#include "fake_platform.h"

#define FE "device/vbd/51712"
#define BE "/local/domain/0/backend/vbd/1/51712"
#define MS 1000000ull

static struct pvf_fake *f;
static struct pvf_fake_drv drv;
static struct pvf_xenbus_dev dev;

static struct pvf_xenbus_config cfg = {
	.timeout_ns = 5000 * MS,
	.retry_ns = 100 * MS,
	.txn_tries = 4,
};

static inline void pump(void)
{
	pvf_fake_pump(f, pvf_fake_deliver_xenbus, &dev);
}

static inline void backend(int state)
{
	pvf_fake_xs_setf(f, BE "/state", "%d", state);
	pump();
}

static inline int fe_state(void)
{
	const char *s = pvf_fake_xs_get(f, FE "/state");

	return s ? s[0] - '0' : -1;
}

static inline void make_nodes(void)
{
	f = pvf_fake_new();
	pvf_fake_drv_init(&drv, f);
	pvf_fake_xs_set(f, FE "/backend", BE);
	pvf_fake_xs_set(f, FE "/backend-id", "0");
	pvf_fake_xs_set(f, BE "/state", "1");
	pvf_fake_xs_set(f, BE "/frontend", FE);
}

/* Fresh fake + device created and registration event delivered. */
static inline void start(void)
{
	make_nodes();
	drv.dev = &dev;
	CU_ASSERT_EQUAL_FATAL(pvf_xenbus_create(&dev, pvf_fake_platform(f), FE,
						&pvf_fake_drv_ops, &drv, &cfg), 0);
	CU_ASSERT_EQUAL(fe_state(), 1);
	pump();
}

static inline void finish(void)
{
	char why[128];
	int r = pvf_xenbus_destroy(&dev);

	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(pvf_fake_leaks(f, why, sizeof(why)), 0);
	if (pvf_fake_leaks(f, NULL, 0))
		fprintf(stderr, "leaks: %s\n", why);
	pvf_fake_free(f);
	f = NULL;
}

static inline void connect_normally(void)
{
	backend(2); /* InitWait */
	CU_ASSERT_EQUAL(drv.setups, 1);
	CU_ASSERT_EQUAL(fe_state(), 3);
	backend(4); /* Connected */
	CU_ASSERT_EQUAL(drv.connects, 1);
	CU_ASSERT_EQUAL(fe_state(), 4);
}

#endif
