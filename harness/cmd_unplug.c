/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `pvfront unplug`: the unplug policy tester.  Runs the guest side of the
 * handshake (unplug/) against the platform device emulator and prints the
 * port trace and the decision.  See docs/unplug.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include <pvfront/unplug.h>
#include "unplug_emu.h"
#include "unplug_run.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pvfront unplug [options]\n"
		"       pvfront unplug --matrix FILE.csv|FILE.json [--json]\n\n"
		"Run the guest side of the emulated-device unplug handshake against an\n"
		"emulated Xen platform device and print the port trace and the decision.\n\n"
		"Options:\n"
		"  --product N|NAME      product number or name from xen/hvm/pvdrivers.h\n"
		"                        (xensource-windows, gplpv-windows, linux,\n"
		"                        xenserver-windows-v7.0+, xenserver-windows-v7.2+,\n"
		"                        experimental); default linux\n"
		"  --build N             driver build number (decimal); default 0\n"
		"  --mode MODE           all, ide-disks, aux-ide-disks, nics, unnecessary,\n"
		"                        never; default all\n"
		"  --mask N              explicit unplug mask (bits 0-3) instead of --mode\n"
		"  --pv-present LIST     PV frontends that work: disk,nic,nvme | all | none;\n"
		"                        default all (a class without one stays emulated)\n"
		"  --blacklist P/B       blacklist product P build B (repeatable)\n"
		"  --blacklist-file F    blacklist entries from F, one product/build a line\n"
		"  --xenstore            look the blacklist up in xenstore (libxenstore,\n"
		"                        honours XENSTORED_PATH): /mh/driver-blacklist/P/B\n"
		"  --profile P           qemu-traditional (default) or qemu-upstream\n"
		"  --version 0|1         protocol version the device reports; default 1\n"
		"  --matrix FILE         batch mode over a policy matrix (CSV or JSON)\n"
		"  --json                batch mode: print JSON instead of a table\n"
		"  -h, --help            this text\n\n"
		"Exit status: 0 every class PV; 3 partial (some classes PV, some emulated);\n"
		"4 emulated (no magic, blacklisted, vetoed or policy); 2 usage error or\n"
		"malformed input; 1 other error.  Batch mode: 0 every expectation met,\n"
		"1 a case did not meet its expectation, 2 malformed matrix.\n");
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "pvfront unplug: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'pvfront unplug --help'.\n");
	return PVF_UNPLUG_EXIT_USAGE;
}

static void print_result(const struct pvf_unplug_case *c, const struct pvf_unplug_case_result *r)
{
	const struct pvf_unplug_decision *d = &r->d;
	const char *pname = pvf_unplug_product_name(c->cfg.product);
	char pv[32];
	size_t i;

	printf("product %u (%s), build %u, mode %s", c->cfg.product, pname ? pname : "unregistered",
	       c->cfg.build, pvf_unplug_mode_name(c->cfg.mode));
	if (c->cfg.mode == PVF_UNPLUG_MODE_MASK)
		printf(" 0x%x", c->cfg.mask);
	printf(", pv-present %s\n", pvf_unplug_pv_str(c->cfg.pv_present, pv, sizeof(pv)));
	printf("device model: %s, protocol version %u\n\nport trace:\n",
	       pvf_unplug_profile_name(c->profile), c->version);
	pvf_unplug_emu_print_trace(r->emu, stdout);
	printf("\ndevice model events:\n");
	for (i = 0; i < pvf_unplug_emu_nevents(r->emu); i++)
		printf("  %s\n", pvf_unplug_emu_event(r->emu, i));
	printf("\nlog lines received on port 0x12:\n");
	for (i = 0; i < pvf_unplug_emu_nlog(r->emu); i++)
		printf("  %s\n", pvf_unplug_emu_log_line(r->emu, i));
	printf("\nguest log:\n");
	fputs(r->guest_log, stdout);
	printf("\ndecision:\n");
	pvf_unplug_print_decision(stdout, d);
	printf("\nemulated devices:\n");
	for (i = 0; i < pvf_unplug_emu_ndevices(r->emu); i++) {
		const struct pvf_unplug_emu_device *dev = pvf_unplug_emu_device(r->emu, i);

		printf("  %-6s %s\n", dev->name, dev->unplugged ? "unplugged" : "present");
	}
	printf("\noutcome: %s\n", pvf_unplug_outcome_name(r->outcome));
}

enum { OPT_PRODUCT = 256, OPT_BUILD, OPT_MODE, OPT_MASK, OPT_PV, OPT_BL, OPT_BLFILE,
       OPT_XS, OPT_PROFILE, OPT_VERSION, OPT_MATRIX, OPT_JSON };

static const struct option longopts[] = {
	{ "product", required_argument, NULL, OPT_PRODUCT },
	{ "build", required_argument, NULL, OPT_BUILD },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "mask", required_argument, NULL, OPT_MASK },
	{ "pv-present", required_argument, NULL, OPT_PV },
	{ "blacklist", required_argument, NULL, OPT_BL },
	{ "blacklist-file", required_argument, NULL, OPT_BLFILE },
	{ "xenstore", no_argument, NULL, OPT_XS },
	{ "profile", required_argument, NULL, OPT_PROFILE },
	{ "version", required_argument, NULL, OPT_VERSION },
	{ "matrix", required_argument, NULL, OPT_MATRIX },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int pvf_cmd_unplug(int argc, char **argv)
{
	struct pvf_unplug_blacklist bl = { 0 };
	struct pvf_unplug_case c;
	struct pvf_unplug_case_result r;
	struct xs_handle *xs = NULL;
	const char *matrix = NULL;
	int opt, json = 0, have_mode = 0, have_mask = 0, use_xs = 0, have_bl = 0, rc;
	uint32_t v;
	char err[512];

	memset(&c, 0, sizeof(c));
	c.cfg.product = PVF_UNPLUG_PRODUCT_LINUX;
	c.cfg.mode = PVF_UNPLUG_MODE_ALL;
	c.cfg.pv_present = PVF_UNPLUG_PV_ALL;
	c.profile = PVF_UNPLUG_EMU_QEMU_TRAD;
	c.version = 1;
	optind = 0; /* GNU: full re-initialisation, the command may run twice */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		const char *a = optarg;

		switch (opt) {
		case OPT_PRODUCT:
			if (pvf_unplug_parse_product(a, &c.cfg.product))
				{
				rc = usage_error("--product '%s': not a product name or a number 0..65535", a);
				goto out;
			}
			break;
		case OPT_BUILD:
			if (pvf_unplug_parse_u32(a, &c.cfg.build))
				{
				rc = usage_error("--build '%s': not a number 0..4294967295", a);
				goto out;
			}
			break;
		case OPT_MODE:
			if (pvf_unplug_parse_mode(a, &c.cfg.mode))
				{
				rc = usage_error("--mode '%s': unknown mode (all, ide-disks, aux-ide-disks, "
							"nics, unnecessary, never)", a);
				goto out;
			}
			have_mode = 1;
			break;
		case OPT_MASK:
			if (pvf_unplug_parse_u32(a, &v) || (v & ~PVF_UNPLUG_MASK_VALID))
				{
				rc = usage_error("--mask '%s': not a mask of bits 0-3 (0..15)", a);
				goto out;
			}
			c.cfg.mode = PVF_UNPLUG_MODE_MASK;
			c.cfg.mask = (uint16_t)v;
			have_mask = 1;
			break;
		case OPT_PV:
			if (pvf_unplug_parse_pv(a, &c.cfg.pv_present))
				{
				rc = usage_error("--pv-present '%s': expected disk,nic,nvme, all or none", a);
				goto out;
			}
			break;
		case OPT_BL:
			if (pvf_unplug_blacklist_add(&bl, a))
				{
				rc = usage_error("--blacklist '%s': expected product/build with a "
							"registered product", a);
				goto out;
			}
			have_bl = 1;
			break;
		case OPT_BLFILE:
			if (pvf_unplug_blacklist_load(&bl, a, err, sizeof(err))) {
				fprintf(stderr, "pvfront unplug: --blacklist-file: %s\n", err);
				rc = PVF_UNPLUG_EXIT_USAGE;
				goto out;
			}
			have_bl = 1;
			break;
		case OPT_XS:
			use_xs = 1;
			break;
		case OPT_PROFILE:
			if (pvf_unplug_parse_profile(a, &c.profile))
				{
				rc = usage_error("--profile '%s': expected qemu-traditional or qemu-upstream", a);
				goto out;
			}
			break;
		case OPT_VERSION:
			if (pvf_unplug_parse_u32(a, &v) || v > 1)
				{
				rc = usage_error("--version '%s': expected 0 or 1", a);
				goto out;
			}
			c.version = (uint8_t)v;
			break;
		case OPT_MATRIX:
			matrix = a;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		case ':':
			rc = usage_error("%s needs an argument", argv[optind - 1]);
			goto out;
		default:
			rc = usage_error("unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		rc = usage_error("unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (have_mode && have_mask) {
		rc = usage_error("%s", "--mode and --mask exclude each other");
		goto out;
	}
	if (use_xs && have_bl) {
		rc = usage_error("%s", "--xenstore excludes --blacklist and --blacklist-file");
		goto out;
	}
	if (matrix) {
		rc = pvf_unplug_matrix_run(matrix, json, stdout, stderr);
		goto out;
	}
	if (json) {
		rc = usage_error("%s", "--json only applies to --matrix");
		goto out;
	}
	if (use_xs) {
		xs = xs_open(0);
		if (!xs) {
			const char *p = getenv("XENSTORED_PATH");

			fprintf(stderr, "pvfront unplug: cannot connect to xenstore (%s; XENSTORED_PATH=%s)\n",
				strerror(errno), p ? p : "unset");
			rc = PVF_UNPLUG_EXIT_ERROR;
			goto out;
		}
		c.lookup = pvf_unplug_xs_lookup;
		c.lookup_arg = xs;
	} else {
		c.lookup = pvf_unplug_blacklist_lookup;
		c.lookup_arg = &bl;
	}
	rc = pvf_unplug_case_run(&c, &r);
	if (rc) {
		fprintf(stderr, "pvfront unplug: cannot run the case: %s\n", strerror(-rc));
		rc = PVF_UNPLUG_EXIT_ERROR;
	} else {
		print_result(&c, &r);
		rc = r.rc ? PVF_UNPLUG_EXIT_ERROR : pvf_unplug_exit_status(r.outcome);
		pvf_unplug_emu_free(r.emu);
	}
out:
	if (xs)
		xs_close(xs);
	pvf_unplug_blacklist_clear(&bl);
	fflush(stdout);
	return rc;
}
