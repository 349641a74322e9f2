/* SPDX-License-Identifier: BSD-2-Clause */
/* Unplug end to end in the loopback harness: the blacklist lives in the
 * embedded xenstore server and the emulator reads it through the real
 * libxenstore (xs_open(0) with XENSTORED_PATH), as qemu-traditional does. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include <pvfront/unplug.h>
#include <pvfront/xsd.h>
#include "../harness/unplug_emu.h"
#include "cu.h"

static struct pvf_xsd *xsd;
static struct xs_handle *xs;

static int suite_init(void)
{
	if (pvf_xsd_create(NULL, &xsd) || pvf_xsd_start(xsd))
		return -1;
	if (setenv("XENSTORED_PATH", pvf_xsd_socket_path(xsd), 1))
		return -1;
	xs = xs_open(0);
	if (!xs)
		return -1;
	if (!xs_write(xs, XBT_NULL, "/mh/driver-blacklist/xensource-windows/1234", "", 0))
		return -1;
	return 0;
}

static int suite_cleanup(void)
{
	if (xs)
		xs_close(xs);
	pvf_xsd_destroy(xsd);
	return 0;
}

static int log_op(void *ctx, enum pvf_log_level l, const char *m)
{
	(void)ctx;
	(void)l;
	(void)m;
	return 0;
}

static struct pvf_unplug_emu *run_guest(uint16_t product, uint32_t build,
					struct pvf_unplug_decision *d)
{
	struct pvf_unplug_emu_config ec = { .profile = PVF_UNPLUG_EMU_QEMU_TRAD, .version = 1,
					    .lookup = pvf_unplug_xs_lookup, .lookup_arg = xs };
	struct pvf_platform_ops ops;
	struct pvf_platform p;
	struct pvf_unplug u;
	struct pvf_unplug_config c = { .product = product, .build = build,
				       .mode = PVF_UNPLUG_MODE_ALL, .pv_present = PVF_UNPLUG_PV_ALL };
	struct pvf_unplug_emu *e = pvf_unplug_emu_new(&ec);
	char want[64];

	if (!e)
		return NULL;
	pvf_unplug_emu_fill_ops(&ops);
	ops.log = log_op;
	p.ops = &ops;
	p.ctx = e;
	CU_ASSERT_EQUAL(pvf_unplug_init(&u, &p, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&u, d), 0);
	CU_ASSERT_EQUAL(pvf_unplug_logf(&u, "driver %u/%u up\n", product, build),
			snprintf(want, sizeof(want), "driver %u/%u up\n", product, build));
	return e;
}

static void test_blacklisted_in_xenstore(void)
{
	struct pvf_unplug_decision d;
	struct pvf_unplug_emu *e = run_guest(PVF_UNPLUG_PRODUCT_XENSOURCE_WINDOWS, 1234, &d);
	size_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(d.blacklisted, 1);
	CU_ASSERT_EQUAL(d.mask_written, 0);
	CU_ASSERT_EQUAL(pvf_unplug_outcome(&d), PVF_UNPLUG_OUTCOME_EMULATED);
	for (i = 0; i < PVF_UNPLUG_NCLASSES; i++)
		CU_ASSERT_EQUAL(d.cls[i].use, PVF_UNPLUG_USE_EMULATED);
	for (i = 0; i < pvf_unplug_emu_ndevices(e); i++)
		CU_ASSERT_EQUAL(pvf_unplug_emu_device(e, i)->unplugged, 0);
	CU_ASSERT_EQUAL_FATAL(pvf_unplug_emu_nlog(e), 1);
	CU_ASSERT_STRING_EQUAL(pvf_unplug_emu_log_line(e, 0), "driver 1/1234 up");
	pvf_unplug_emu_free(e);
}

static void test_clean_build_unplugs(void)
{
	struct pvf_unplug_decision d;
	struct pvf_unplug_emu *e = run_guest(PVF_UNPLUG_PRODUCT_XENSOURCE_WINDOWS, 1235, &d);

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(d.blacklisted, 0);
	CU_ASSERT_EQUAL(d.mask_written, 1);
	CU_ASSERT_EQUAL(pvf_unplug_outcome(&d), PVF_UNPLUG_OUTCOME_PV);
	CU_ASSERT_EQUAL(pvf_unplug_emu_find(e, "hda")->unplugged, 1);
	CU_ASSERT_EQUAL(pvf_unplug_emu_find(e, "nic0")->unplugged, 1);
	CU_ASSERT_EQUAL(pvf_unplug_emu_find(e, "hdc")->unplugged, 0);
	CU_ASSERT_STRING_EQUAL(pvf_unplug_emu_last_lookup(e),
			       "/mh/driver-blacklist/xensource-windows/1235");
	pvf_unplug_emu_free(e);
	CU_ASSERT_EQUAL(pvf_unplug_xs_lookup(xs, "/mh/driver-blacklist/linux/1"), 0);
	CU_ASSERT_EQUAL(pvf_unplug_xs_lookup(xs, "/mh/driver-blacklist/xensource-windows/1234"), 1);
}

static int cmd(const char *a0, ...)
{
	char *argv[16];
	int argc = 0, rc;
	va_list ap;
	const char *s;
	FILE *saved;

	argv[argc++] = (char *)"unplug";
	va_start(ap, a0);
	for (s = a0; s && argc < 15; s = va_arg(ap, const char *))
		argv[argc++] = (char *)s;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	saved = stdout;
	stdout = fopen("/dev/null", "w");
	rc = pvf_cmd_unplug(argc, argv);
	fclose(stdout);
	stdout = saved;
	return rc;
}

/* The policy tester with --xenstore reads the same nodes. */
static void test_command_xenstore(void)
{
	CU_ASSERT_EQUAL(cmd("--xenstore", "--product", "xensource-windows", "--build", "1234", NULL),
			PVF_UNPLUG_EXIT_EMULATED);
	CU_ASSERT_EQUAL(cmd("--xenstore", "--product", "xensource-windows", "--build", "1", NULL),
			PVF_UNPLUG_EXIT_PV);
	/* removing the node lifts the blacklisting for a fresh device model */
	CU_ASSERT(xs_rm(xs, XBT_NULL, "/mh/driver-blacklist/xensource-windows/1234"));
	CU_ASSERT_EQUAL(cmd("--xenstore", "--product", "1", "--build", "1234", NULL), PVF_UNPLUG_EXIT_PV);
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_blacklisted_in_xenstore),
	PVF_TEST(test_clean_build_unplugs),
	PVF_TEST(test_command_xenstore),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("unplug_e2e", tests, suite_init, suite_cleanup);
}
