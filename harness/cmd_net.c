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
 * Exit: 0 ok, 1 failure, 2 usage, 3 TAP or namespaces unavailable.
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
#include "tap.h"

struct net_opts {
	enum pvf_nb_mode mode;
	enum pvf_nb_profile profile;
	unsigned int queues;
	int pps, json, verbose;
	unsigned long count;
	unsigned int size;
	int count_set, size_set;
	double duration;
	char tap_front[16], tap_back[16];
	const char *ns_front, *ns_back;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pvfront net [options]\n"
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
		"  --json                 summary as JSON on stdout\n"
		"  --verbose              backend state changes on stderr\n"
		"exit: 0 ok, 1 failure, 2 usage, 3 TAP or namespaces unavailable\n");
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
		{ "json", 0, NULL, 'j' }, { "verbose", 0, NULL, 'v' }, { "help", 0, NULL, 'h' },
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
		case 'm':
			if (pvf_nb_mode_parse(optarg, &o->mode))
				return pvf_usage_error("net", "bad --mode '%s' (tap, echo, sink, gen)",
						       optarg);
			break;
		case 'p':
			if (pvf_nb_profile_parse(optarg, &o->profile))
				return pvf_usage_error("net", "bad --profile '%s' (linux, qemu, full)", optarg);
			break;
		case 'q':
			if (parse_ul(optarg, 1, PVF_NET_MAX_QUEUES, &v))
				return pvf_usage_error("net", "bad --queues '%s' (1..%u)", optarg,
						       PVF_NET_MAX_QUEUES);
			o->queues = (unsigned int)v;
			break;
		case 'P': o->pps = 1; break;
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
			break;
		case 'd':
			errno = 0;
			o->duration = strtod(optarg, &end);
			if (errno || *end || end == optarg || o->duration < 0 || o->duration > 86400)
				return pvf_usage_error("net", "bad --duration '%s'", optarg);
			break;
		case 'A': case 'B':
			if (!optarg[0] || strlen(optarg) >= 16 || strchr(optarg, '/'))
				return pvf_usage_error("net", "bad TAP name '%s'", optarg);
			snprintf(c == 'A' ? o->tap_front : o->tap_back, 16, "%s", optarg);
			break;
		case 'X': o->ns_front = optarg; break;
		case 'Y': o->ns_back = optarg; break;
		case 'j': o->json = 1; break;
		case 'v': o->verbose = 1; break;
		case 'h': usage(stdout); return -1;
		default:
			return pvf_usage_error("net", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return pvf_usage_error("net", "unexpected argument '%s'", argv[optind]);
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
