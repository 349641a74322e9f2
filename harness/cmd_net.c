/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `pvfront net`: a netfront and a netback over the simulated hypervisor.
 *
 *   tap mode:  frames read from the frontend-side TAP (--tap-front) are sent
 *              by the netfront; netback writes them to the backend-side TAP
 *              (--tap-back); the reverse direction likewise.  --ns-front /
 *              --ns-back move the TAPs into existing network namespaces, so
 *              traffic between the namespaces crosses both rings.
 *   echo/sink: packet-rate mode (--pps): --count packets of --size bytes,
 *              reports packets/s, notifications and spurious events per packet.
 *
 * The frontend side is the harness netfront (netback_front.h).
 * Exit: 0 ok, 1 failure, 2 usage, 3 TAP or namespaces unavailable.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <pvfront/errno.h>
#include "commands.h"
#include "env.h"
#include "netback.h"
#include "netback_front.h"
#include "tap.h"

#define NET_EXIT_NOENV 3

static volatile sig_atomic_t net_stop;

static void net_sig(int s)
{
	(void)s;
	net_stop = 1;
}

struct net_opts {
	enum pvf_nb_mode mode;
	enum pvf_nb_profile profile;
	unsigned int queues;
	int pps, json, verbose;
	unsigned long count;
	unsigned int size;
	double duration;
	char tap_front[16], tap_back[16];
	const char *ns_front, *ns_back;
};

struct net_run {
	struct net_opts *o;
	struct pvf_nbf f;
	int tapa;
	uint64_t to_tap, to_tap_err, rx_seen;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pvfront net [options]\n"
		"  --mode tap|echo|sink   backend mode (default echo)\n"
		"  --profile linux|qemu|full  backend profile (default linux)\n"
		"  --queues N             queues the frontend asks for (default 1)\n"
		"  --pps                  packet-rate mode (echo/sink): --count, --size\n"
		"  --count N              packets in --pps mode (default 100000)\n"
		"  --size S               packet size in --pps mode, 60..65535 (default 64)\n"
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
				return pvf_usage_error("net", "bad --mode '%s' (tap, echo, sink)", optarg);
			break;
		case 'p':
			if (pvf_nb_profile_parse(optarg, &o->profile))
				return pvf_usage_error("net", "bad --profile '%s' (linux, qemu, full)", optarg);
			break;
		case 'q':
			if (parse_ul(optarg, 1, PVF_NBF_MAX_QUEUES, &v))
				return pvf_usage_error("net", "bad --queues '%s' (1..%d)", optarg, PVF_NBF_MAX_QUEUES);
			o->queues = (unsigned int)v;
			break;
		case 'P': o->pps = 1; break;
		case 'c':
			if (parse_ul(optarg, 1, 1000000000UL, &v))
				return pvf_usage_error("net", "bad --count '%s'", optarg);
			o->count = v;
			break;
		case 's':
			if (parse_ul(optarg, 60, 65535, &v))
				return pvf_usage_error("net", "bad --size '%s' (60..65535)", optarg);
			o->size = (unsigned int)v;
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
		return pvf_usage_error("net", "--pps needs --mode echo or sink");
	return 0;
}

/* Run `ip link set dev @dev netns @ns`.  Returns 0 or -1. */
static int move_to_ns(const char *dev, const char *ns)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execlp("ip", "ip", "link", "set", "dev", dev, "netns", ns, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -1;
	return 0;
}

static void on_rx_tap(void *arg, unsigned int q, const uint8_t *d, size_t len, uint16_t flags,
		      const struct netif_extra_info *gso)
{
	struct net_run *r = arg;

	(void)q; (void)flags; (void)gso;
	r->rx_seen++;
	if (r->tapa >= 0) {
		if (write(r->tapa, d, len) == (ssize_t)len)
			r->to_tap++;
		else
			r->to_tap_err++;
	}
}

static int run_tap(struct net_run *r, struct pvf_nb *nb)
{
	static uint8_t frame[65536];
	double end = r->o->duration > 0 ? now_s() + r->o->duration : 0, next = now_s() + 1;
	uint64_t from_tap = 0;

	printf("ready: %s <-> netfront <-> netback <-> %s\n", r->o->tap_front, r->o->tap_back);
	fflush(stdout);
	while (!net_stop && (!end || now_s() < end)) {
		int busy = 0;

		for (int k = 0; k < 64; k++) {
			ssize_t n = read(r->tapa, frame, sizeof(frame));
			int rc;

			if (n < 14)
				break;
			busy = 1;
			/* All frames go out on queue 0 (no flow steering yet). */
			while ((rc = pvf_nbf_send(&r->f, 0, frame, (size_t)n, 0, NULL, 0)) == -PVF_EAGAIN &&
			       !net_stop)
				if (pvf_nbf_poll(&r->f, 1) < 0)
					return 1;
			if (rc == 0)
				from_tap++;
		}
		if (pvf_nbf_poll(&r->f, busy ? 0 : 1) < 0) {
			fprintf(stderr, "pvfront net: the backend broke the protocol\n");
			return 1;
		}
		if (!r->o->json && now_s() >= next) {
			struct pvf_nb_stats st;

			pvf_nb_stats(nb, &st);
			printf("progress: front->back %llu pkts, back->front %llu pkts, tx errors %llu\n",
			       (unsigned long long)st.tx_packets, (unsigned long long)st.rx_packets,
			       (unsigned long long)st.tx_errors);
			fflush(stdout);
			next += 1;
		}
	}
	(void)from_tap;
	return 0;
}

static int run_pps(struct net_run *r, struct pvf_nb *nb, double *secs)
{
	uint8_t *pkt = calloc(1, r->o->size);
	unsigned long sent = 0;
	double t0, last = now_s();
	uint64_t want = r->o->count;

	(void)nb;
	if (!pkt)
		return 1;
	memcpy(pkt, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	t0 = now_s();
	while (!net_stop && (sent < want || pvf_nbf_tx_inflight(&r->f) ||
			     (r->o->mode == PVF_NB_MODE_ECHO && r->rx_seen < sent))) {
		while (sent < want) {
			int rc = pvf_nbf_send(&r->f, (unsigned int)(sent % r->f.nq), pkt, r->o->size, 0,
					      NULL, 0);
			if (rc == -PVF_EAGAIN)
				break;
			if (rc) {
				free(pkt);
				return 1;
			}
			sent++;
		}
		if (pvf_nbf_poll(&r->f, sent < want ? 0 : 2) < 0) {
			free(pkt);
			return 1;
		}
		if (now_s() - last > 10) {
			fprintf(stderr, "pvfront net: no progress for 10 s\n");
			free(pkt);
			return 1;
		}
		if (r->f.st.tx_ok)
			last = now_s();
	}
	*secs = now_s() - t0;
	free(pkt);
	return 0;
}

int pvf_cmd_net(int argc, char **argv)
{
	struct net_opts o;
	struct net_run r;
	struct pvf_env env;
	struct pvf_nb_config c;
	struct pvf_nb_stats st;
	struct pvf_lb_stats ls;
	struct pvf_nb *nb = NULL;
	struct pvf_nbf_config fc;
	char fe_dir[256], be_dir[256];
	const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x70, 0x66, 0x01 };
	double secs = 0;
	int rc, ret = 1, attached = 0;

	rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	memset(&r, 0, sizeof(r));
	r.o = &o;
	r.tapa = -1;
	if (o.mode == PVF_NB_MODE_TAP) {
		if (!pvf_tap_available()) {
			fprintf(stderr, "pvfront net: TAP unavailable: cannot open /dev/net/tun "
					"(needs CAP_NET_ADMIN and the tun module)\n");
			return NET_EXIT_NOENV;
		}
		rc = pvf_tap_open(o.tap_front, 0, &r.tapa);
		if (rc) {
			fprintf(stderr, "pvfront net: cannot create TAP %s: %s\n", o.tap_front,
				pvf_strerror(rc));
			return NET_EXIT_NOENV;
		}
	}
	signal(SIGINT, net_sig);
	signal(SIGTERM, net_sig);
	if (pvf_env_start(&env, NULL, "net")) {
		if (r.tapa >= 0)
			close(r.tapa);
		return 1;
	}
	rc = pvf_nb_toolstack_add(0, 1, 0, mac, 1500, fe_dir, sizeof(fe_dir), be_dir, sizeof(be_dir));
	memset(&c, 0, sizeof(c));
	c.hv = env.hv;
	snprintf(c.fe_dir, sizeof(c.fe_dir), "%s", fe_dir);
	snprintf(c.be_dir, sizeof(c.be_dir), "%s", be_dir);
	c.mode = o.mode;
	c.profile = o.profile;
	c.verbose = o.verbose;
	snprintf(c.tap_name, sizeof(c.tap_name), "%s", o.tap_back);
	if (!rc)
		rc = pvf_nb_start(&c, &nb);
	if (rc) {
		fprintf(stderr, "pvfront net: cannot start netback: %s\n", pvf_strerror(rc));
		ret = rc == -PVF_ENODEV ? NET_EXIT_NOENV : 1;
		goto out;
	}
	if (o.mode == PVF_NB_MODE_TAP) {
		if ((o.ns_front && move_to_ns(o.tap_front, o.ns_front)) ||
		    (o.ns_back && move_to_ns(o.tap_back, o.ns_back))) {
			fprintf(stderr, "pvfront net: namespaces unavailable: cannot move the TAPs "
					"into %s / %s (ip link set ... netns)\n",
				o.ns_front ? o.ns_front : "-", o.ns_back ? o.ns_back : "-");
			ret = NET_EXIT_NOENV;
			goto out;
		}
	}
	memset(&fc, 0, sizeof(fc));
	fc.queues = o.queues;
	fc.split = 1;
	fc.ctrl = 1;
	r.f.rx_fn = on_rx_tap;
	r.f.rx_arg = &r;
	rc = pvf_nbf_attach(&r.f, env.guest, fe_dir, &fc, 5000);
	if (rc) {
		fprintf(stderr, "pvfront net: netfront did not connect: %s\n", pvf_strerror(rc));
		goto out;
	}
	attached = 1;
	if (o.mode == PVF_NB_MODE_TAP)
		ret = run_tap(&r, nb);
	else if (o.pps)
		ret = run_pps(&r, nb, &secs);
	else {
		o.count = 1000;
		ret = run_pps(&r, nb, &secs);
	}
out:
	if (attached && pvf_nbf_detach(&r.f, 5000))
		ret = 1;
	if (nb) {
		pvf_nb_stats(nb, &st);
		if (pvf_nb_stop(nb) && !ret && o.mode != PVF_NB_MODE_TAP)
			ret = 1;
	} else {
		memset(&st, 0, sizeof(st));
	}
	pvf_lb_hv_stats(env.hv, &ls);
	if (ls.grants_mapped || ls.grants_in_use) {
		fprintf(stderr, "pvfront net: leak: %u grants mapped, %u in use\n", ls.grants_mapped,
			ls.grants_in_use);
		ret = 1;
	}
	{
		uint64_t pk = o.mode == PVF_NB_MODE_ECHO ? st.tx_packets + st.rx_packets : st.tx_packets;
		double n = pk ? (double)pk : 1;
		double pps = secs > 0 ? (double)st.tx_packets / secs : 0;
		double notif = (double)(r.f.st.notifies + st.notify_tx + st.notify_rx) / n;
		double spur = (double)r.f.st.spurious / n;

		if (o.json)
			printf("{\"mode\":\"%s\",\"profile\":\"%s\",\"queues\":%u,\"size\":%u,"
			       "\"tx_packets\":%llu,\"rx_packets\":%llu,\"tx_errors\":%llu,"
			       "\"seconds\":%.6f,\"packets_per_second\":%.1f,"
			       "\"notifications_per_packet\":%.4f,\"spurious_events_per_packet\":%.4f,"
			       "\"grants_mapped_after\":%u,\"ok\":%s}\n",
			       pvf_nb_mode_name(o.mode), pvf_nb_profile_name(o.profile), r.f.nq, o.size,
			       (unsigned long long)st.tx_packets, (unsigned long long)st.rx_packets,
			       (unsigned long long)st.tx_errors, secs, pps, notif, spur,
			       ls.grants_mapped, ret ? "false" : "true");
		else
			printf("net: mode %s, profile %s, %u queue(s): %llu pkts front->back, %llu "
			       "back->front, %llu tx errors; %.0f pkts/s, %.3f notifications/pkt, "
			       "%.3f spurious events/pkt; %s\n",
			       pvf_nb_mode_name(o.mode), pvf_nb_profile_name(o.profile), r.f.nq,
			       (unsigned long long)st.tx_packets, (unsigned long long)st.rx_packets,
			       (unsigned long long)st.tx_errors, pps, notif, spur, ret ? "FAILED" : "ok");
	}
	pvf_nb_toolstack_remove(fe_dir, be_dir);
	pvf_env_stop(&env);
	if (r.tapa >= 0)
		close(r.tapa);
	return ret;
}
