/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `pvfront selftest`: quick end-to-end checks of the pieces the harness is
 * built from (embedded xenstore through libxenstore, the simulated
 * hypervisor's grants and event channels, the unplug handshake), each
 * printed as ok/FAIL, then a total line.  Exit 0 when all passed.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/loopback.h>
#include <pvfront/xsd.h>
#include "commands.h"
#include "env.h"
#include "unplug_run.h"

static int checks_run, checks_failed;

static void check(int ok, const char *what)
{
	checks_run++;
	if (!ok)
		checks_failed++;
	printf("  %-58s %s\n", what, ok ? "ok" : "FAIL");
}

static void on_event(void *arg, uint32_t port)
{
	(void)port;
	(*(int *)arg)++;
}

static void selftest_xenstore(struct pvf_lb_guest *g)
{
	const struct pvf_platform *p = pvf_lb_guest_platform(g);
	char buf[64], path[128], token[64];
	uint32_t txn = 0;
	int n;

	check(p->ops->xs_write(p->ctx, 0, "/selftest/a", "hello") == 0, "xenstore: write");
	n = p->ops->xs_read(p->ctx, 0, "/selftest/a", buf, sizeof(buf));
	check(n == 5 && !strcmp(buf, "hello"), "xenstore: read back");
	check(p->ops->xs_read(p->ctx, 0, "/selftest/missing", buf, sizeof(buf)) == -PVF_ENOENT,
	      "xenstore: missing node is ENOENT");
	check(p->ops->xs_watch(p->ctx, "/selftest", "tok") == 0, "xenstore: watch");
	n = 0;
	for (int i = 0; i < 100 && n == 0; i++) {
		struct pollfd pfd = { .fd = pvf_lb_xs_fileno(g), .events = POLLIN };

		poll(&pfd, 1, 10);
		n = pvf_lb_xs_read_watch(g, path, sizeof(path), token, sizeof(token));
	}
	check(n == 1 && !strcmp(token, "tok") && !strcmp(path, "/selftest"),
	      "xenstore: initial watch event");
	check(p->ops->xs_txn_start(p->ctx, &txn) == 0 && txn != 0, "xenstore: transaction start");
	p->ops->xs_write(p->ctx, txn, "/selftest/b", "1");
	p->ops->xs_write(p->ctx, 0, "/selftest/b", "2"); /* conflicting writer */
	check(p->ops->xs_txn_end(p->ctx, txn, 0) == -PVF_EAGAIN, "xenstore: conflicting commit is EAGAIN");
	check(p->ops->xs_rm(p->ctx, 0, "/selftest") == 0, "xenstore: rm subtree");
	check(p->ops->xs_unwatch(p->ctx, "/selftest", "tok") == 0, "xenstore: unwatch");
}

static void selftest_grants_and_events(struct pvf_lb_hv *hv, struct pvf_lb_guest *g)
{
	const struct pvf_platform *p = pvf_lb_guest_platform(g);
	struct pvf_lb_backend *be = NULL;
	struct pvf_lb_stats st;
	uint64_t frame = 0;
	uint32_t ref = 0, gport = 0, bport = 0;
	void *page = NULL, *map = NULL;
	int got_be = 0, got_guest = 0, i;

	if (pvf_lb_be_open(hv, &be) != 0) {
		check(0, "hypervisor: open backend domain");
		return;
	}
	check(p->ops->page_alloc(p->ctx, 1, &page, &frame) == 0, "grants: allocate a guest page");
	if (!page) {
		pvf_lb_be_close(be);
		return;
	}
	memset(page, 0xa5, PVF_PAGE_SIZE);
	check(p->ops->gnt_grant(p->ctx, pvf_lb_be_domid(be), frame, 1, &ref) == 0, "grants: grant read-only");
	check(pvf_lb_be_map(be, ref, 0, &map) == -PVF_EPERM, "grants: writable map of read-only grant refused");
	check(pvf_lb_be_map(be, ref, 1, &map) == 0 && map && ((unsigned char *)map)[100] == 0xa5,
	      "grants: backend maps and reads the guest's bytes");
	check(p->ops->gnt_end(p->ctx, ref) == -PVF_EBUSY, "grants: end access while mapped is EBUSY");
	check(pvf_lb_be_unmap(be, ref, 1) == 0, "grants: backend unmaps");
	check(p->ops->gnt_end(p->ctx, ref) == 0, "grants: end access after unmap");
	check(p->ops->page_free(p->ctx, page, 1) == 0, "grants: free the page");

	check(p->ops->evtchn_alloc_unbound(p->ctx, pvf_lb_be_domid(be), &gport) == 0, "events: alloc unbound");
	check(pvf_lb_be_bind_interdomain(be, gport, &bport) == 0, "events: backend binds");
	pvf_lb_be_bind(be, bport, on_event, &got_be);
	pvf_lb_guest_bind(g, gport, on_event, &got_guest);
	check(p->ops->evtchn_notify(p->ctx, gport) == 0, "events: guest notifies");
	for (i = 0; i < 50 && !got_be; i++)
		pvf_lb_be_poll(be, 20);
	check(got_be == 1, "events: backend woken exactly once");
	pvf_lb_be_notify(be, bport);
	pvf_lb_guest_poll(g, 20);
	check(got_guest == 0, "events: masked guest port stays pending");
	p->ops->evtchn_unmask(p->ctx, gport);
	for (i = 0; i < 50 && !got_guest; i++)
		pvf_lb_guest_poll(g, 20);
	check(got_guest == 1, "events: delivered on unmask");
	check(p->ops->evtchn_close(p->ctx, gport) == 0, "events: guest closes its port");
	pvf_lb_be_close_port(be, bport);
	pvf_lb_be_close(be);
	check(pvf_lb_hv_stats(hv, &st) == 0 && st.grants_in_use == 0 && st.pages_allocated == 0 &&
	      st.guest_ports == 0 && st.backend_ports == 0, "hypervisor: nothing leaked");
}

static void selftest_unplug(void)
{
	struct pvf_unplug_case c;
	struct pvf_unplug_case_result r;

	memset(&c, 0, sizeof(c));
	c.cfg.product = 3; /* linux */
	c.cfg.build = 1;
	c.cfg.mode = PVF_UNPLUG_MODE_ALL;
	c.cfg.pv_present = PVF_UNPLUG_PV_ALL;
	c.profile = PVF_UNPLUG_EMU_QEMU_TRAD;
	c.version = 1;
	memset(&r, 0, sizeof(r));
	check(pvf_unplug_case_run(&c, &r) == 0 && r.outcome == PVF_UNPLUG_OUTCOME_PV,
	      "unplug: handshake against the emulated platform device is PV");
	if (r.emu)
		pvf_unplug_emu_free(r.emu);
}

int pvf_cmd_selftest(int argc, char **argv)
{
	struct pvf_lb_config cfg;
	struct pvf_env env;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			printf("Usage: pvfront selftest\n\n"
			       "Quick checks of the embedded xenstore (through libxenstore), the\n"
			       "simulated hypervisor's grants and event channels, and the unplug\n"
			       "handshake.  Exit status 0 when every check passed, 1 otherwise.\n");
			return 0;
		}
		return pvf_usage_error("selftest", "unexpected argument '%s'", argv[1]);
	}
	pvf_lb_config_init(&cfg);
	cfg.guest_pages = 256;
	if (pvf_env_start(&env, &cfg, "selftest"))
		return 1;
	printf("pvfront selftest\n");
	selftest_xenstore(env.guest);
	selftest_grants_and_events(env.hv, env.guest);
	selftest_unplug();
	printf("selftest: %d passed, %d failed\n", checks_run - checks_failed, checks_failed);
	pvf_env_stop(&env);
	return checks_failed ? 1 : 0;
}
