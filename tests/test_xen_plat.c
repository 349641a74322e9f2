/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The real-Xen platform (platform/xen) inside a Xen dom0: grants through
 * gntshr mapped back with gntdev (and -PVF_EBUSY while mapped), event
 * channels both ways, the xenstore ops and watches, the toolstack
 * helpers' argument checks.  Skips (77) outside Xen.  tests/xen/run runs
 * it inside the dom0 it boots.  The cores against the kernel backends are
 * in test_xen_blk.c and test_xen_net.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xengnttab.h>
#include <xenevtchn.h>
#include <pvfront/xenplat.h>
#include "cu.h"

static struct pvf_xenplat *xp;
static const struct pvf_platform *plat;

static void assert_no_leaks(void)
{
	struct pvf_xenplat_stats st;

	pvf_xenplat_get_stats(xp, &st);
	CU_ASSERT_EQUAL(st.pages, 0);
	CU_ASSERT_EQUAL(st.grants, 0);
	CU_ASSERT_EQUAL(st.ports, 0);
	CU_ASSERT_EQUAL(st.watches, 0);
}

static void test_platform_is_complete(void)
{
	const char *missing = NULL;
	struct pvf_xenplat_stats st;

	CU_ASSERT_EQUAL(pvf_platform_validate(plat, &missing), 0);
	pvf_xenplat_get_stats(xp, &st);
	/* Xen 4.17 refuses a domain the mapping of its own grant table
	 * (acquire_resource: EPERM), so a dom0 cannot see the grantee's
	 * mappings through gntshr; see <pvfront/xenplat.h>. */
	printf("xenplat: busy detection %s\n", st.busy_detect ? "on (grant table mapped)" : "OFF");
	assert_no_leaks();
}

static void test_grant_maps_back_and_busy(void)
{
	xengnttab_handle *gt = xengnttab_open(NULL, 0);
	uint64_t frames[2];
	uint32_t ref, ref2;
	uint8_t *va = NULL, *m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(gt);
	CU_ASSERT_EQUAL_FATAL(plat->ops->page_alloc(plat->ctx, 2, (void **)&va, frames), 0);
	CU_ASSERT_NOT_EQUAL(frames[0], 0);
	CU_ASSERT_NOT_EQUAL(frames[0], frames[1]);
	CU_ASSERT_EQUAL(va[100], 0);
	memcpy(va + PVF_PAGE_SIZE, "hello from the frontend", 24);
	CU_ASSERT_EQUAL(plat->ops->gnt_grant(plat->ctx, 5, frames[1], 0, &ref), -PVF_EINVAL);
	CU_ASSERT_EQUAL(plat->ops->gnt_grant(plat->ctx, 0, 12345, 0, &ref), -PVF_EINVAL);
	CU_ASSERT_EQUAL_FATAL(plat->ops->gnt_grant(plat->ctx, 0, frames[1], 0, &ref), 0);
	CU_ASSERT_EQUAL(plat->ops->gnt_grant(plat->ctx, 0, frames[1], 0, &ref2), -PVF_ENOSPC);
	m = xengnttab_map_grant_ref(gt, 0, ref, PROT_READ | PROT_WRITE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_STRING_EQUAL((char *)m, "hello from the frontend");
	memcpy(m + 64, "and back", 9);
	CU_ASSERT_STRING_EQUAL((char *)va + PVF_PAGE_SIZE + 64, "and back");
	/* Still mapped: refused as on the simulated platform when the platform
	 * can see mappings; otherwise the known limitation (ended in our books,
	 * the grant lives on in Xen until page_free). */
	{
		struct pvf_xenplat_stats st;

		pvf_xenplat_get_stats(xp, &st);
		if (st.busy_detect) {
			CU_ASSERT_EQUAL(plat->ops->gnt_end(plat->ctx, ref), -PVF_EBUSY);
			CU_ASSERT_EQUAL(xengnttab_unmap(gt, m, 1), 0);
			CU_ASSERT_EQUAL(plat->ops->gnt_end(plat->ctx, ref), 0);
		} else {
			CU_ASSERT_EQUAL(plat->ops->gnt_end(plat->ctx, ref), 0);
			CU_ASSERT_EQUAL(xengnttab_unmap(gt, m, 1), 0);
		}
	}
	CU_ASSERT_EQUAL(plat->ops->gnt_end(plat->ctx, ref), -PVF_EBADF);
	CU_ASSERT_EQUAL(plat->ops->page_free(plat->ctx, va, 1), -PVF_EINVAL);
	CU_ASSERT_EQUAL(plat->ops->page_free(plat->ctx, va, 2), 0);
	xengnttab_close(gt);
	assert_no_leaks();
}

static unsigned int fired;
static void count_event(void *arg, uint32_t port)
{
	(void)arg;
	(void)port;
	fired++;
}

static void test_evtchn_both_ways(void)
{
	xenevtchn_handle *peer = xenevtchn_open(NULL, 0);
	xenevtchn_port_or_error_t remote, got;
	uint32_t port;
	int n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(peer);
	CU_ASSERT_EQUAL_FATAL(plat->ops->evtchn_alloc_unbound(plat->ctx, 0, &port), 0);
	CU_ASSERT_EQUAL(pvf_xenplat_bind(xp, port, count_event, NULL), 0);
	CU_ASSERT_EQUAL(pvf_xenplat_bind(xp, port + 1000, count_event, NULL), -PVF_EBADF);
	remote = xenevtchn_bind_interdomain(peer, 0, port);
	CU_ASSERT_FATAL(remote > 0);
	fired = 0;
	/* Masked (seam semantics): remembered, not delivered. */
	CU_ASSERT_EQUAL(xenevtchn_notify(peer, (evtchn_port_t)remote), 0);
	n = pvf_xenplat_poll(xp, 1000);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(fired, 0);
	CU_ASSERT_EQUAL(plat->ops->evtchn_unmask(plat->ctx, port), 0);
	CU_ASSERT_EQUAL(pvf_xenplat_poll(xp, 0), 1);
	CU_ASSERT_EQUAL(fired, 1);
	/* Unmasked: delivered by the poll. */
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(xenevtchn_notify(peer, (evtchn_port_t)remote), 0);
		CU_ASSERT_EQUAL(pvf_xenplat_poll(xp, 1000), 1);
	}
	CU_ASSERT_EQUAL(fired, 4);
	CU_ASSERT_EQUAL(pvf_xenplat_poll(xp, 10), 0);
	/* And the other way. */
	CU_ASSERT_EQUAL(plat->ops->evtchn_notify(plat->ctx, port), 0);
	got = xenevtchn_pending(peer);
	CU_ASSERT_EQUAL(got, remote);
	xenevtchn_unmask(peer, (evtchn_port_t)remote);
	CU_ASSERT_EQUAL(plat->ops->evtchn_notify(plat->ctx, port + 1000), -PVF_EBADF);
	CU_ASSERT_EQUAL(plat->ops->evtchn_close(plat->ctx, port), 0);
	CU_ASSERT_EQUAL(plat->ops->evtchn_close(plat->ctx, port), -PVF_EBADF);
	xenevtchn_close(peer);
	assert_no_leaks();
}

static void test_xenstore_ops_and_watch(void)
{
	char buf[64], path[128], tok[32];
	int n, got = 0;

	CU_ASSERT_EQUAL(plat->ops->xs_write(plat->ctx, 0, "/pvfplat/a", "1"), 0);
	CU_ASSERT_EQUAL(plat->ops->xs_read(plat->ctx, 0, "/pvfplat/a", buf, sizeof(buf)), 1);
	CU_ASSERT_STRING_EQUAL(buf, "1");
	CU_ASSERT_EQUAL(plat->ops->xs_read(plat->ctx, 0, "/pvfplat/a", buf, 1), -PVF_E2BIG);
	CU_ASSERT_EQUAL(plat->ops->xs_read(plat->ctx, 0, "/pvfplat/no", buf, sizeof(buf)), -PVF_ENOENT);
	CU_ASSERT_EQUAL(plat->ops->xs_directory(plat->ctx, 0, "/pvfplat", buf, sizeof(buf)), 1);
	CU_ASSERT_EQUAL(plat->ops->xs_watch(plat->ctx, "/pvfplat", "tk"), 0);
	CU_ASSERT_EQUAL(plat->ops->xs_watch(plat->ctx, "/pvfplat", "tk"), -PVF_EEXIST);
	CU_ASSERT_EQUAL(plat->ops->xs_write(plat->ctx, 0, "/pvfplat/b", "2"), 0);
	for (int i = 0; i < 100 && got < 2; i++) {
		n = pvf_xenplat_xs_read_watch(xp, path, sizeof(path), tok, sizeof(tok));
		CU_ASSERT(n >= 0);
		if (n == 1) {
			CU_ASSERT_STRING_EQUAL(tok, "tk");
			CU_ASSERT_STRING_EQUAL(path, got ? "/pvfplat/b" : "/pvfplat");
			got++;
		} else {
			usleep(10000);
		}
	}
	CU_ASSERT_EQUAL(got, 2);
	CU_ASSERT_EQUAL(plat->ops->xs_unwatch(plat->ctx, "/pvfplat", "tk"), 0);
	CU_ASSERT_EQUAL(plat->ops->xs_rm(plat->ctx, 0, "/pvfplat"), 0);
	assert_no_leaks();
}

static void test_toolstack_argument_checks(void)
{
	const char *fe = "/local/domain/0/pvfront-test/vbd/51712";

	CU_ASSERT_EQUAL(pvf_xenplat_vbd_create(xp, fe, 0, 51712, "/nonexistent", 0), -PVF_ENOENT);
	CU_ASSERT_EQUAL(pvf_xenplat_vbd_create(xp, fe, 0, 51712, "/dev/null", 0), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xenplat_vbd_create(xp, "relative", 0, 51712, "/dev/null", 0), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xenplat_vif_create(xp, fe, 0, 0, "00:16:3e:zz:00:01", "/bin/sh"),
			-PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_xenplat_dev_destroy(xp, "vbd", fe, 0, 51712), 0);
	CU_ASSERT_EQUAL(pvf_xenplat_dev_destroy(xp, "vfb", fe, 0, 51712), -PVF_EINVAL);
	assert_no_leaks();
}

static int suite_init(void)
{
	int rc = pvf_xenplat_open(&xp, NULL);

	if (rc == -PVF_ENODEV)
		pvf_test_skip_all("no /dev/xen (not in a Xen domain, or xen-gntalloc/xen-evtchn not loaded)");
	if (rc < 0)
		return 1;
	plat = pvf_xenplat_platform(xp);
	return 0;
}

static int suite_cleanup(void)
{
	pvf_xenplat_close(xp);
	return 0;
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_platform_is_complete),
		PVF_TEST(test_grant_maps_back_and_busy),
		PVF_TEST(test_evtchn_both_ways),
		PVF_TEST(test_xenstore_ops_and_watch),
		PVF_TEST(test_toolstack_argument_checks),
		PVF_TEST_END
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return pvf_test_run("xen_plat", tests, suite_init, suite_cleanup);
}
