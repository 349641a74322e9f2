/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `pvfront run`: the main job, on embedded defaults.  Starts the embedded
 * xenstore server and the simulated hypervisor, runs the unplug handshake
 * against the emulated platform device, and when it says PV, connects an
 * echo PV device through the XenBus state machine (grant, event channel,
 * backend thread as dom0), echoes requests, then hands the device over as
 * for the next OS and checks that nothing leaked.  Prints a summary.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <fcntl.h>
#include <unistd.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pvfront/handover.h>
#include <pvfront/loopback.h>
#include <pvfront/xsd.h>
#include "commands.h"
#include "blkback.h"
#include "echo.h"
#include "netback.h"
#include "tap.h"
#include "env.h"
#include "unplug_run.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: pvfront run [--rounds N] [--blacklisted] [--no-blk] [--no-net]\n\n"
		   "The main job of the loopback harness, on embedded defaults:\n"
		   "  1. start the embedded xenstore server and the simulated hypervisor;\n"
		   "  2. run the unplug handshake against the emulated platform device;\n"
		   "  3. if it decided PV, connect an echo PV device through XenBus\n"
		   "     (grant + event channel, backend thread as dom0) and echo N requests;\n"
		   "  4. hand the device over (Closing -> Closed, grants ended) and check\n"
		   "     that no grant, page, port or watch leaked;\n"
		   "  5. connect the block frontend to the userspace blkback serving a\n"
		   "     temporary 64 MiB image and run 16 MiB of 4 KiB random writes at\n"
		   "     QD32, verified on read-back;\n"
		   "  6. connect the network frontend to the userspace netback and pass\n"
		   "     traffic: pings both ways over TAP between two network namespaces\n"
		   "     when TAP and namespaces are available (root), else 2000 packets\n"
		   "     through the echo backend with their data checked.\n\n"
		   "Options:\n"
		   "  --rounds N      echo round trips (default 10000, 1..100000000)\n"
		   "  --blacklisted   blacklist the driver build: nothing attaches\n"
		   "  --no-blk        skip the block workload\n"
		   "  --no-net        skip the network traffic\n"
		   "  -h, --help      this text\n"
		   "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

#define RUN_ATTACH_ANY  1 /* some class went PV: the PV path is in use */
#define RUN_ATTACH_DISK 2 /* the disk class went PV: blkfront may attach */
#define RUN_ATTACH_NIC  4 /* the NIC class went PV: netfront may attach */

/* Step 2.  Returns the RUN_ATTACH_* bits the decision allows (0: stay
 * emulated, nothing attaches), or < 0 on error. */
static int run_unplug(int blacklisted)
{
	struct pvf_unplug_case c;
	struct pvf_unplug_case_result r;
	struct pvf_unplug_blacklist bl;
	int rc, attach;

	memset(&c, 0, sizeof(c));
	memset(&bl, 0, sizeof(bl));
	c.cfg.product = 3; /* linux */
	c.cfg.build = 4242;
	c.cfg.mode = PVF_UNPLUG_MODE_ALL;
	c.cfg.pv_present = PVF_UNPLUG_PV_ALL;
	c.profile = PVF_UNPLUG_EMU_QEMU_TRAD;
	c.version = 1;
	if (blacklisted) {
		if (pvf_unplug_blacklist_add(&bl, "linux/4242") != 0)
			return -1;
		c.lookup = pvf_unplug_blacklist_lookup;
		c.lookup_arg = &bl;
	}
	memset(&r, 0, sizeof(r));
	rc = pvf_unplug_case_run(&c, &r);
	if (rc) {
		fprintf(stderr, "pvfront run: unplug handshake failed: %d\n", rc);
		pvf_unplug_blacklist_clear(&bl);
		return -1;
	}
	printf("unplug: product linux (3) build 4242, protocol version %d, magic 0x%04x -> %s\n",
	       r.d.version, r.d.magic_after ? r.d.magic_after : r.d.magic,
	       pvf_unplug_outcome_name(r.outcome));
	for (int i = 0; i < PVF_UNPLUG_NCLASSES; i++)
		printf("  %-14s %-9s (%s)\n", pvf_unplug_class_name((enum pvf_unplug_class)i),
		       pvf_unplug_use_name(r.d.cls[i].use),
		       pvf_unplug_reason_name(r.d.cls[i].reason));
	if (r.d.mask_written)
		printf("  unplug mask written: 0x%x\n", r.d.mask);
	else
		printf("  no unplug mask written: every emulated device stays\n");
	for (size_t i = 0; i < pvf_unplug_emu_ndevices(r.emu); i++) {
		const struct pvf_unplug_emu_device *dev = pvf_unplug_emu_device(r.emu, i);

		printf("  %s %s\n", dev->unplugged ? "unplugged:" : "kept:     ", dev->name);
	}
	for (size_t i = 0; i < pvf_unplug_emu_nlog(r.emu); i++)
		printf("  device-model log: %s\n", pvf_unplug_emu_log_line(r.emu, i));
	attach = 0;
	if (r.outcome != PVF_UNPLUG_OUTCOME_EMULATED)
		attach |= RUN_ATTACH_ANY;
	if (r.d.cls[PVF_UNPLUG_CLASS_DISKS].use != PVF_UNPLUG_USE_EMULATED)
		attach |= RUN_ATTACH_DISK;
	if (r.d.cls[PVF_UNPLUG_CLASS_NICS].use != PVF_UNPLUG_USE_EMULATED)
		attach |= RUN_ATTACH_NIC;
	pvf_unplug_emu_free(r.emu);
	pvf_unplug_blacklist_clear(&bl);
	return attach;
}

static int pump_until(struct pvf_echo_front *f, int (*done)(struct pvf_echo_front *), double secs)
{
	double end = now_s() + secs;

	while (!done(f)) {
		if (now_s() > end)
			return -PVF_ETIMEDOUT;
		pvf_echo_front_pump(f, 1);
	}
	return 0;
}

static int is_connected(struct pvf_echo_front *f)
{
	return f->connected;
}

static int got_response(struct pvf_echo_front *f)
{
	return f->responses == f->sent;
}

/* Step 3 and 4. */
static int run_echo(struct pvf_lb_hv *hv, struct pvf_lb_guest *g, unsigned long rounds)
{
	struct pvf_echo_back b;
	struct pvf_echo_front *f;
	struct pvf_handover h;
	struct pvf_handover_report rep;
	struct pvf_xenbus_dev *devs[1];
	struct pvf_lb_stats st;
	double t0, t1;
	unsigned long i;
	int rc, ok = 1;

	f = calloc(1, sizeof(*f));
	if (!f)
		return -PVF_ENOMEM;
	memset(&b, 0, sizeof(b));
	b.hv = hv;
	rc = pvf_echo_toolstack_add(0, pvf_lb_guest_domid(g), 0, b.fe_dir, sizeof(b.fe_dir),
				    b.be_dir, sizeof(b.be_dir));
	if (rc) {
		fprintf(stderr, "pvfront run: toolstack: cannot write device nodes: %d\n", rc);
		free(f);
		return rc;
	}
	rc = pvf_echo_back_start(&b);
	if (rc) {
		free(f);
		return rc;
	}
	f->guest = g;
	f->p = pvf_lb_guest_platform(g);
	/* The frontend path relative to its domain, as a guest sees it. */
	rc = pvf_xenbus_create(&f->dev, f->p, b.fe_dir, &pvf_echo_front_ops, f, NULL);
	if (rc) {
		fprintf(stderr, "pvfront run: xenbus create: %s\n", pvf_strerror(rc));
		pvf_echo_back_stop(&b);
		free(f);
		return rc;
	}
	t0 = now_s();
	rc = pump_until(f, is_connected, 10.0);
	t1 = now_s();
	printf("xenbus: %s connected to %s (backend %s) in %.1f ms\n", b.fe_dir, b.be_dir,
	       pvf_xenbus_state_name(pvf_xenbus_backend_state(&f->dev)), (t1 - t0) * 1e3);
	if (rc) {
		printf("xenbus: FAILED to connect: %s\n", pvf_strerror(rc));
		ok = 0;
	}
	t0 = now_s();
	for (i = 0; ok && i < rounds; i++) {
		rc = pvf_echo_front_send(f);
		if (!rc)
			rc = pump_until(f, got_response, 5.0);
		if (rc) {
			printf("echo: FAILED at request %lu: %s\n", i + 1, pvf_strerror(rc));
			ok = 0;
		}
	}
	t1 = now_s();
	if (ok)
		printf("echo: %lu round trips (grant-shared page + event channel both ways), "
		       "%.0f per second, backend echoed %u\n",
		       rounds, (double)rounds / (t1 - t0), b.echoed);

	devs[0] = &f->dev;
	t0 = now_s();
	rc = pvf_handover_begin(&h, devs, 1, 10ull * 1000000000ull);
	while (rc == 0 || rc == -PVF_EAGAIN) {
		pvf_echo_front_pump(f, 1);
		rc = pvf_handover_poll(&h);
		if (rc != -PVF_EAGAIN)
			break;
	}
	pvf_handover_get_report(&h, &rep);
	printf("handover: %s in %.1f ms (backend %s, frontend %s)\n", rc ? pvf_strerror(rc) : "done",
	       (now_s() - t0) * 1e3, pvf_xenbus_state_name(pvf_xenbus_backend_state(&f->dev)),
	       pvf_xenbus_state_name(pvf_xenbus_frontend_state(&f->dev)));
	if (rc)
		ok = 0;
	pvf_xenbus_destroy(&f->dev);
	rc = pvf_echo_back_stop(&b);
	if (rc) {
		printf("backend: error %d\n", rc);
		ok = 0;
	}
	pvf_echo_toolstack_remove(b.fe_dir, b.be_dir);
	pvf_lb_hv_stats(hv, &st);
	printf("leaks: grants %u, pages %u, guest ports %u, backend ports %u, watches %u\n",
	       st.grants_in_use, st.pages_allocated, st.guest_ports, st.backend_ports,
	       pvf_lb_guest_xs_watches(g));
	if (st.grants_in_use || st.pages_allocated || st.guest_ports || st.backend_ports ||
	    pvf_lb_guest_xs_watches(g))
		ok = 0;
	free(f);
	return ok ? 0 : -PVF_EIO;
}

/* Step 5: a block workload with verify: blkfront core against the
 * userspace blkback serving a temporary raw image. */
static int run_blk(struct pvf_env *env)
{
	char dir[] = "/tmp/pvfront-run-XXXXXX";
	struct pvf_wl_opts o;
	char err[128];
	char *argv[] = { "blk", "--rw", "randwrite", "--bs", "4k", "--iodepth", "32",
			 "--size", "16M", "--verify", "--image", NULL, NULL };
	char image[64];
	int fd, rc;

	if (!mkdtemp(dir)) {
		perror("pvfront run: mkdtemp");
		return -PVF_EIO;
	}
	snprintf(image, sizeof(image), "%s/disk.img", dir);
	fd = open(image, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 64 << 20) != 0) {
		perror("pvfront run: creating the image");
		if (fd >= 0)
			close(fd);
		rmdir(dir);
		return -PVF_EIO;
	}
	close(fd);
	argv[11] = image;
	rc = pvf_wl_parse(12, argv, &o, err, sizeof(err));
	if (rc == 0) {
		printf("blk: 16 MiB of 4 KiB random writes at QD32 on a 64 MiB image, then verified "
		       "on read-back\n");
		fflush(stdout);
		rc = pvf_blk_job(env, &o, 51712) ? -PVF_EIO : 0;
	} else {
		fprintf(stderr, "pvfront run: blk options: %s\n", err);
	}
	unlink(image);
	rmdir(dir);
	return rc;
}

/* Step 6, over TAP: the net job bridges two network namespaces for a few
 * seconds in a thread while this thread pings across it. */
struct run_net_tap {
	struct pvf_env *env;
	struct pvf_net_job_opts o;
	int status;
};

static void *run_net_tap_thread(void *arg)
{
	struct run_net_tap *t = arg;

	t->status = pvf_net_job(t->env, &t->o);
	return NULL;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == 0 ? 0 : -1;
}

/* Returns 0 ok, 1 failure, 3 TAP or namespaces unavailable. */
static int run_net_tap(struct pvf_env *env)
{
	struct run_net_tap t;
	char nsa[32], nsb[32];
	pthread_t th;
	int ok = 0, i;

	snprintf(nsa, sizeof(nsa), "pvfrun-a%d", (int)getpid());
	snprintf(nsb, sizeof(nsb), "pvfrun-b%d", (int)getpid());
	if (sh("ip netns add %s 2>/dev/null", nsa))
		return 3;
	if (sh("ip netns add %s 2>/dev/null", nsb)) {
		sh("ip netns del %s", nsa);
		return 3;
	}
	memset(&t, 0, sizeof(t));
	t.env = env;
	pvf_net_job_opts_default(&t.o);
	t.o.mode = PVF_NB_MODE_TAP;
	t.o.duration = 4.0;
	snprintf(t.o.tap_front, sizeof(t.o.tap_front), "pvra%d", (int)(getpid() % 100000));
	snprintf(t.o.tap_back, sizeof(t.o.tap_back), "pvrb%d", (int)(getpid() % 100000));
	t.o.ns_front = nsa;
	t.o.ns_back = nsb;
	t.o.quiet = 1;
	printf("net: netfront <-> netback over TAP between namespaces %s and %s\n", nsa, nsb);
	fflush(stdout);
	if (pthread_create(&th, NULL, run_net_tap_thread, &t)) {
		sh("ip netns del %s; ip netns del %s", nsa, nsb);
		return 1;
	}
	/* Wait for both TAPs to land in their namespaces, then address them
	 * and ping across the PV path. */
	for (i = 0; i < 100; i++) {
		if (!sh("ip -n %s link show %s >/dev/null 2>&1 && ip -n %s link show %s >/dev/null 2>&1",
			nsa, t.o.tap_front, nsb, t.o.tap_back))
			break;
		usleep(20000);
	}
	if (i < 100 &&
	    !sh("ip -n %s addr add 10.199.7.1/24 dev %s && ip -n %s link set %s up && "
		"ip -n %s addr add 10.199.7.2/24 dev %s && ip -n %s link set %s up",
		nsa, t.o.tap_front, nsa, t.o.tap_front, nsb, t.o.tap_back, nsb, t.o.tap_back) &&
	    !sh("ip netns exec %s ping -q -c 3 -i 0.2 -w 3 10.199.7.2 >/dev/null 2>&1", nsa) &&
	    !sh("ip netns exec %s ping -q -c 3 -i 0.2 -w 3 10.199.7.1 >/dev/null 2>&1", nsb))
		ok = 1;
	pthread_join(th, NULL);
	sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", nsa, nsb);
	if (t.status == 3)
		return 3;
	printf("net: ping both ways through netfront and netback: %s; job %s\n",
	       ok ? "ok" : "FAILED", t.status ? "FAILED" : "closed cleanly, nothing leaked");
	return ok && !t.status ? 0 : 1;
}

/* Step 6: traffic through the network frontend core and the userspace
 * netback: over TAP between two namespaces when this machine allows it,
 * else through the echo backend with every packet's data checked. */
static int run_net(struct pvf_env *env)
{
	struct pvf_net_job_opts o;
	int rc;

	if (pvf_tap_available() && geteuid() == 0 && access("/usr/bin/ping", X_OK) == 0) {
		rc = run_net_tap(env);
		if (rc != 3)
			return rc ? -PVF_EIO : 0;
		printf("net: TAP or namespaces unavailable here; using the echo backend\n");
	} else {
		printf("net: no TAP device (or not root): using the echo backend\n");
	}
	pvf_net_job_opts_default(&o);
	o.mode = PVF_NB_MODE_ECHO;
	o.count = 2000;
	fflush(stdout);
	return pvf_net_job(env, &o) ? -PVF_EIO : 0;
}

int pvf_cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "blacklisted", no_argument, NULL, 'b' },
		{ "no-blk", no_argument, NULL, 'B' },
		{ "no-net", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pvf_env env;
	struct pvf_lb_config lcfg;
	struct pvf_lb_guest *g;
	unsigned long rounds = 10000;
	int blacklisted = 0, no_blk = 0, no_net = 0, c, rc, attach;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+r:bBNh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': {
			char *end;
			errno = 0;
			rounds = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-' || rounds == 0 ||
			    rounds > 100000000ul)
				return pvf_usage_error("run", "--rounds wants a number 1..100000000, not '%s'", optarg);
			break;
		}
		case 'b':
			blacklisted = 1;
			break;
		case 'B':
			no_blk = 1;
			break;
		case 'N':
			no_net = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return pvf_usage_error("run", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return pvf_usage_error("run", "unexpected argument '%s'", argv[optind]);

	printf("pvfront run: loopback harness, embedded defaults\n");
	pvf_lb_config_init(&lcfg);
	lcfg.grant_entries = 65536; /* the block job's rings, pools and indirect pages */
	if (pvf_env_start(&env, &lcfg, "run"))
		return 1;
	g = env.guest;
	printf("xenstore: embedded server on %s\n", pvf_xsd_socket_path(env.xsd));
	printf("hypervisor: guest domain %u, backend domain 0, %u guest pages, %u grant entries, %u ports\n",
	       pvf_lb_guest_domid(g), env.cfg.guest_pages, env.cfg.grant_entries, env.cfg.ports);
	attach = run_unplug(blacklisted);
	if (attach < 0) {
		rc = 1;
		goto out;
	}
	if (!attach) {
		printf("frontends: not attached (the handshake kept the emulated devices)\n");
		printf("pvfront run: OK (emulated path)\n");
		rc = 0;
		goto out;
	}
	rc = run_echo(env.hv, g, rounds);
	if (!rc && !no_blk && (attach & RUN_ATTACH_DISK))
		rc = run_blk(&env);
	else if (!no_blk)
		printf("blk: not attached (the disk class stays emulated)\n");
	if (!rc && !no_net && (attach & RUN_ATTACH_NIC))
		rc = run_net(&env);
	else if (!no_net)
		printf("net: not attached (the NIC class stays emulated)\n");
	printf("pvfront run: %s\n", rc ? "FAILED" : "OK");
	rc = rc ? 1 : 0;
out:
	pvf_env_stop(&env);
	return rc;
}
