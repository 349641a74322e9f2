/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `pvfront net`: the real network frontend core (pvf_net, through its
 * XenBus device) and the userspace netback over the simulated hypervisor;
 * the work is pvf_net_job() (netback_job.c).
 *
 *   tap mode:  frames read from the frontend-side TAP (--tap-front) are sent
 *              by netfront; netback writes them to the backend-side TAP
 *              (--tap-back); the reverse direction likewise.  --ns-front /
 *              --ns-back move the TAPs into existing network namespaces, so
 *              traffic between the namespaces crosses both rings.
 *   echo:      --count packets (default 1000) of sizes 60..1500 (or --size)
 *              come back through netback with their data checked.
 *   sink/gen:  transmit path / receive path only.
 *   --pps:     packet-rate mode: --count packets of --size bytes, no data
 *              check; reports packets/s, notifications and spurious events
 *              per packet.
 *
 * --platform=xen: in a Xen dom0, the kernel's xen-netback instead of the
 *              userspace one (harness/netxen.c; echo mode only: frames both
 *              ways through the vif, one queue).
 *
 * Exit: 0 ok, 1 failure, 2 usage, 3 TAP or namespaces unavailable, or not
 * in a Xen dom0.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/errno.h>
#include <pvfront/net.h>
#include "commands.h"
#include "env.h"
#include "netback.h"
#include "netxen.h"
#include "tap.h"

/* Defined in netxen.c, which only the pvfront program links (it needs the
 * real-Xen platform library); NULL in the test programs. */
extern int pvf_net_xen_run(const struct pvf_net_xen_opts *o) __attribute__((weak));

struct net_opts {
	enum pvf_nb_mode mode;
	enum pvf_nb_profile profile;
	unsigned int queues;
	int pps, json, verbose, untrusted;
	unsigned long count;
	unsigned int size;
	int count_set, size_set, xen;
	int other_set;              /* a loopback-only option was given */
	double duration;
	char tap_front[16], tap_back[16];
	const char *ns_front, *ns_back;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pvfront net [options]\n"
		"  --platform=loopback|xen  loopback (default): simulated hypervisor and\n"
		"                         userspace netback; xen: in a Xen dom0 (root), the\n"
		"                         kernel's xen-netback: --count frames of 60..1514\n"
		"                         bytes each way between netfront and vif0.0 (AF_PACKET),\n"
		"                         verified (echo mode, one queue; --json, --verbose)\n"
		"  --mode tap|echo|sink|gen  backend mode (default echo; gen: netback sends)\n"
		"  --profile linux|qemu|full  backend profile (default linux)\n"
		"  --queues N             queues the frontend asks for (default 1)\n"
		"  --pps                  packet-rate mode (echo/sink/gen): --count, --size\n"
		"  --count N              packets (default 1000; --pps and gen: 100000)\n"
		"  --size S               packet size, 60..65535 (default: echo 60..1500\n"
		"                         cycled and checked; --pps and gen 64)\n"
		"  --duration SEC         tap mode: run time (default 0: until SIGINT/SIGTERM)\n"
		"  --tap-front NAME       frontend-side TAP (default pvfa0)\n"
		"  --tap-back NAME        backend-side TAP (default pvfb0)\n"
		"  --ns-front NS, --ns-back NS  move the TAPs into these network namespaces\n"
		"  --untrusted            the toolstack writes trusted=0 for the vif: netfront\n"
		"                         copies every packet through bounce pages\n"
		"  --json                 summary as JSON on stdout\n"
		"  --verbose              backend state changes on stderr\n"
		"exit: 0 ok, 1 failure, 2 usage, 3 TAP or namespaces unavailable, or\n"
		"      (--platform=xen) not in a Xen dom0\n");
}

static int parse_ul(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || s[0] == '-' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct net_opts *o)
{
	static const struct option lo[] = {
		{ "mode", 1, NULL, 'm' }, { "profile", 1, NULL, 'p' }, { "queues", 1, NULL, 'q' },
		{ "pps", 0, NULL, 'P' }, { "count", 1, NULL, 'c' }, { "size", 1, NULL, 's' },
		{ "duration", 1, NULL, 'd' }, { "tap-front", 1, NULL, 'A' },
		{ "tap-back", 1, NULL, 'B' }, { "ns-front", 1, NULL, 'X' }, { "ns-back", 1, NULL, 'Y' },
		{ "untrusted", 0, NULL, 'U' },
		{ "platform", 1, NULL, 'L' }, { "json", 0, NULL, 'j' }, { "verbose", 0, NULL, 'v' }, { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long v;
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->mode = PVF_NB_MODE_ECHO;
	o->queues = 1;
	o->count = 100000;
	o->size = 64;
	snprintf(o->tap_front, sizeof(o->tap_front), "pvfa0");
	snprintf(o->tap_back, sizeof(o->tap_back), "pvfb0");
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'L':
			if (!strcmp(optarg, "xen"))
				o->xen = 1;
			else if (!strcmp(optarg, "loopback"))
				o->xen = 0;
			else
				return pvf_usage_error("net", "--platform: '%s' is not loopback or xen",
						       optarg);
			break;
		case 'm':
			if (pvf_nb_mode_parse(optarg, &o->mode))
				return pvf_usage_error("net", "bad --mode '%s' (tap, echo, sink, gen)",
						       optarg);
			break;
		case 'p':
			o->other_set = 1;
			if (pvf_nb_profile_parse(optarg, &o->profile))
				return pvf_usage_error("net", "bad --profile '%s' (linux, qemu, full)", optarg);
			break;
		case 'q':
			if (parse_ul(optarg, 1, PVF_NET_MAX_QUEUES, &v))
				return pvf_usage_error("net", "bad --queues '%s' (1..%u)", optarg,
						       PVF_NET_MAX_QUEUES);
			o->queues = (unsigned int)v;
			break;
		case 'P': o->pps = 1; o->other_set = 1; break;
		case 'c':
			if (parse_ul(optarg, 1, 1000000000UL, &v))
				return pvf_usage_error("net", "bad --count '%s'", optarg);
			o->count = v;
			o->count_set = 1;
			break;
		case 's':
			if (parse_ul(optarg, 60, PVF_NET_MAX_PKT, &v))
				return pvf_usage_error("net", "bad --size '%s' (60..%u)", optarg,
						       PVF_NET_MAX_PKT);
			o->size = (unsigned int)v;
			o->size_set = 1;
			o->other_set = 1;
			break;
		case 'd':
			errno = 0;
			o->duration = strtod(optarg, &end);
			if (errno || *end || end == optarg || o->duration < 0 || o->duration > 86400)
				return pvf_usage_error("net", "bad --duration '%s'", optarg);
			o->other_set = 1;
			break;
		case 'A': case 'B':
			if (!optarg[0] || strlen(optarg) >= 16 || strchr(optarg, '/'))
				return pvf_usage_error("net", "bad TAP name '%s'", optarg);
			snprintf(c == 'A' ? o->tap_front : o->tap_back, 16, "%s", optarg);
			o->other_set = 1;
			break;
		case 'X': o->ns_front = optarg; o->other_set = 1; break;
		case 'Y': o->ns_back = optarg; o->other_set = 1; break;
		case 'U': o->untrusted = 1; o->other_set = 1; break;
		case 'j': o->json = 1; break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(stdout); return -1;
		default:
			return pvf_usage_error("net", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return pvf_usage_error("net", "unexpected argument '%s'", argv[optind]);
	if (o->xen && o->mode != PVF_NB_MODE_ECHO)
		return pvf_usage_error("net", "--platform=xen supports --mode echo only (frames "
				       "both ways between netfront and the vif), not '%s'",
				       pvf_nb_mode_name(o->mode));
	if (o->xen && o->queues != 1)
		return pvf_usage_error("net", "--platform=xen supports one queue only, not "
				       "--queues %u", o->queues);
	if (o->xen && o->other_set)
		return pvf_usage_error("net", "--platform=xen takes only --count, --json and "
				       "--verbose (--profile, --pps, --size, --duration, --untrusted "
				       "and the TAP/namespace options are for the loopback platform)");
	if (o->pps && o->mode == PVF_NB_MODE_TAP)
		return pvf_usage_error("net", "--pps needs --mode echo, sink or gen");
	return 0;
}

int pvf_cmd_net(int argc, char **argv)
{
	struct net_opts o;
	struct pvf_net_job_opts jo;
	struct pvf_env env;
	int rc;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (o.xen) {
		struct pvf_net_xen_opts xo = {
			.count = o.count_set ? o.count : 1000,
			.handle = 0,
			.json = o.json,
			.verbose = o.verbose,
		};

		if (!pvf_net_xen_run) {
			fprintf(stderr, "pvfront net: --platform=xen is not built into this "
					"program (only the pvfront command links it)\n");
			return 3;
		}
		return pvf_net_xen_run(&xo);
	}
	pvf_net_job_opts_default(&jo);
	jo.mode = o.mode;
	jo.profile = o.profile;
	jo.queues = o.queues;
	jo.pps = o.pps;
	jo.count = o.count_set || o.pps || o.mode == PVF_NB_MODE_GEN ? o.count : 1000;
	jo.size = o.size_set || o.pps ? o.size : 0;
	jo.duration = o.duration;
	snprintf(jo.tap_front, sizeof(jo.tap_front), "%s", o.tap_front);
	snprintf(jo.tap_back, sizeof(jo.tap_back), "%s", o.tap_back);
	jo.ns_front = o.ns_front;
	jo.ns_back = o.ns_back;
	jo.json = o.json;
	jo.verbose = o.verbose;
	jo.untrusted = o.untrusted;
	if (o.mode == PVF_NB_MODE_TAP && !pvf_tap_available()) {
		fprintf(stderr, "pvfront net: TAP unavailable: cannot open /dev/net/tun "
				"(needs CAP_NET_ADMIN and the tun module)\n");
		return 3;
	}
	if (pvf_env_start(&env, NULL, "net"))
		return 1;
	rc = pvf_net_job(&env, &jo);
	pvf_env_stop(&env);
	return rc;
}
