/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_net: figures for the network path (a program that prints numbers,
 * not a test).
 *
 * 1. Packet rates, 64 and 1500 bytes, transmit and receive, through the
 *    real netfront core and the userspace netback (pvf_net_job in sink mode
 *    for transmit, gen mode for receive), side by side in the same run with
 *    a raw shared-memory ring: two threads, one Xen-style request/response
 *    ring of the same size (256 slots of one 4 KiB page each), the same
 *    notification scheme (req_event/rsp_event indices, a wakeup only when
 *    the peer asked), packets copied in and out of the slot pages as the
 *    PV path copies them.  For each: packets/s, notifications per packet
 *    (both ends) and spurious events per packet (frontend events that found
 *    no work), and the PV/raw ratio.
 * 2. iperf3 (TCP) between two network namespaces over the PV path (TAPs,
 *    netfront, netback) and over a plain veth pair, and their ratio.
 *    Skipped with a message when TAP or namespaces are unavailable.
 *
 * Usage: bench_net [--quick] [--no-iperf] [--count N] [--seconds S]
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <pvfront/errno.h>
#include <pvfront/xen.h>
#include <xen/io/ring.h>
#include "env.h"
#include "netback.h"
#include "tap.h"

#define RAW_PAGE 4096u

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the raw ring ---------------------------------------------------------- */

struct raw_req {
	uint16_t id;
	uint16_t len;
	uint32_t pad;
};
struct raw_rsp {
	uint16_t id;
	uint16_t len;
	uint32_t pad;
};
_Static_assert(sizeof(struct raw_req) == 8, "raw request");
_Static_assert(sizeof(struct raw_rsp) == 8, "raw response");
DEFINE_RING_TYPES(raw, struct raw_req, struct raw_rsp);

/* One direction's wakeup: 0 idle, 1 pending, 2 a waiter sleeps. */
struct raw_chan {
	uint32_t word;
};

static void chan_notify(struct raw_chan *c)
{
	if (__atomic_exchange_n(&c->word, 1, __ATOMIC_SEQ_CST) == 2)
		syscall(SYS_futex, &c->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Wait up to @ms (0: just look).  Returns 1 if an event was pending. */
static int chan_wait(struct raw_chan *c, int ms)
{
	uint32_t one = 1, zero = 0;
	struct timespec ts = { 0, (long)ms * 1000000L };

	if (__atomic_compare_exchange_n(&c->word, &one, 0, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST))
		return 1;
	if (!ms)
		return 0;
	if (__atomic_compare_exchange_n(&c->word, &zero, 2, false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST))
		syscall(SYS_futex, &c->word, FUTEX_WAIT_PRIVATE, 2, &ts, NULL, 0);
	return __atomic_exchange_n(&c->word, 0, __ATOMIC_SEQ_CST) == 1;
}

struct raw {
	raw_sring_t *sring;
	raw_front_ring_t fr;
	raw_back_ring_t br;
	uint8_t *slots;            /* RING_SIZE pages */
	struct raw_chan to_back, to_front;
	int rx;                    /* 0: front sends (TX); 1: back sends (RX) */
	unsigned int size;
	uint64_t count;
	volatile int stop;
	/* counters */
	uint64_t fe_notifies, be_notifies, fe_events, fe_spurious;
};

struct raw_result {
	double pps;
	double notif_per_pkt, spur_per_pkt;
};

/* The back end: TX consumes (copies the packet out), RX produces (copies
 * a frame into the posted slot).  Pushes responses per batch of 64. */
static void *raw_back(void *arg)
{
	struct raw *r = arg;
	uint8_t *priv = malloc(RAW_PAGE);
	uint64_t left = r->count;

	if (!priv)
		return NULL;
	memset(priv, 0x5a, RAW_PAGE);
	while (!r->stop) {
		unsigned int done = 0;
		int more, notify;
		RING_IDX prod, i;

		prod = __atomic_load_n(&r->sring->req_prod, __ATOMIC_ACQUIRE);
		for (i = r->br.req_cons; i != prod && done < 64 && (!r->rx || left); i++) {
			struct raw_req req = *RING_GET_REQUEST(&r->br, i);
			struct raw_rsp *rsp = RING_GET_RESPONSE(&r->br, r->br.rsp_prod_pvt);
			uint16_t id = (uint16_t)(req.id % RING_SIZE(&r->br));

			if (r->rx) {
				memcpy(r->slots + (size_t)id * RAW_PAGE, priv, r->size);
				rsp->len = (uint16_t)r->size;
				left--;
			} else {
				memcpy(priv, r->slots + (size_t)id * RAW_PAGE,
				       req.len <= RAW_PAGE ? req.len : RAW_PAGE);
				rsp->len = req.len;
			}
			rsp->id = id;
			r->br.rsp_prod_pvt++;
			done++;
		}
		r->br.req_cons = i;
		if (done) {
			RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&r->br, notify);
			if (notify) {
				r->be_notifies++;
				chan_notify(&r->to_front);
			}
			continue;
		}
		if (r->rx && !left) {
			chan_wait(&r->to_back, 10);
			continue;
		}
		RING_FINAL_CHECK_FOR_REQUESTS(&r->br, more);
		if (!more)
			chan_wait(&r->to_back, 10);
	}
	free(priv);
	return NULL;
}

/* Consume responses (front).  Returns how many; RX reposts their slots. */
static unsigned int raw_front_consume(struct raw *r, uint16_t *freeids, unsigned int *nfree)
{
	unsigned int n = 0;
	int more;

	do {
		RING_IDX prod = __atomic_load_n(&r->sring->rsp_prod, __ATOMIC_ACQUIRE), i;

		for (i = r->fr.rsp_cons; i != prod; i++) {
			struct raw_rsp rsp = *RING_GET_RESPONSE(&r->fr, i);

			freeids[(*nfree)++] = (uint16_t)(rsp.id % RING_SIZE(&r->fr));
			n++;
		}
		r->fr.rsp_cons = i;
		RING_FINAL_CHECK_FOR_RESPONSES(&r->fr, more);
	} while (more);
	return n;
}

static int raw_run(unsigned int size, uint64_t count, int rx, struct raw_result *res)
{
	struct raw r;
	pthread_t th;
	uint16_t freeids[256];
	unsigned int nfree = 0, k;
	uint64_t sent = 0, done = 0;
	uint8_t *pkt = malloc(RAW_PAGE);
	double t0, last;
	int notify;

	memset(&r, 0, sizeof(r));
	r.sring = aligned_alloc(RAW_PAGE, RAW_PAGE);
	if (!pkt || !r.sring)
		return -1;
	SHARED_RING_INIT(r.sring);
	FRONT_RING_INIT(&r.fr, r.sring, RAW_PAGE);
	BACK_RING_INIT(&r.br, r.sring, RAW_PAGE);
	r.slots = aligned_alloc(RAW_PAGE, (size_t)RING_SIZE(&r.fr) * RAW_PAGE);
	if (!r.slots)
		return -1;
	memset(r.slots, 0, (size_t)RING_SIZE(&r.fr) * RAW_PAGE);
	memset(pkt, 0xa5, RAW_PAGE);
	r.rx = rx;
	r.size = size;
	r.count = count;
	for (k = 0; k < RING_SIZE(&r.fr); k++)
		freeids[nfree++] = (uint16_t)(RING_SIZE(&r.fr) - 1 - k);
	if (pthread_create(&th, NULL, raw_back, &r))
		return -1;
	t0 = last = now_s();
	while (done < count) {
		int can_post, posted = 0;

		/* TX: fill free slots with packets; RX: post every free slot */
		while (nfree && (rx || sent < count)) {
			uint16_t id = freeids[--nfree];
			struct raw_req *req = RING_GET_REQUEST(&r.fr, r.fr.req_prod_pvt);

			if (!rx)
				memcpy(r.slots + (size_t)id * RAW_PAGE, pkt, size);
			req->id = id;
			req->len = (uint16_t)(rx ? RAW_PAGE - 1 : size);
			r.fr.req_prod_pvt++;
			sent++;
			posted = 1;
		}
		if (posted) {
			RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&r.fr, notify);
			if (notify) {
				r.fe_notifies++;
				chan_notify(&r.to_back);
			}
		}
		can_post = nfree && !rx && sent < count;
		/* responses are consumed from events only, as the PV core does */
		if (chan_wait(&r.to_front, can_post ? 0 : 1)) {
			unsigned int n = raw_front_consume(&r, freeids, &nfree);

			r.fe_events++;
			if (!n)
				r.fe_spurious++;
			done += n;
			last = now_s();
		} else if (now_s() - last > 10) {
			fprintf(stderr, "bench_net: raw ring stalled\n");
			break;
		}
	}
	res->pps = (double)done / (now_s() - t0);
	r.stop = 1;
	chan_notify(&r.to_back);
	pthread_join(th, NULL);
	res->notif_per_pkt = (double)(r.fe_notifies + r.be_notifies) / (double)(done ? done : 1);
	res->spur_per_pkt = (double)r.fe_spurious / (double)(done ? done : 1);
	free(r.slots);
	free(r.sring);
	free(pkt);
	return done == count ? 0 : -1;
}

/* ---- the PV path ------------------------------------------------------------ */

static int pv_run(struct pvf_env *env, unsigned int size, uint64_t count, int rx,
		  struct raw_result *res)
{
	struct pvf_net_job_opts o;
	struct pvf_net_job_result jr;
	int rc;

	pvf_net_job_opts_default(&o);
	o.mode = rx ? PVF_NB_MODE_GEN : PVF_NB_MODE_SINK;
	o.count = (unsigned long)count;
	o.size = size;
	o.pps = 1;
	o.quiet = 1;
	o.result = &jr;
	rc = pvf_net_job(env, &o);
	if (rc)
		return -1;
	res->pps = jr.pps;
	res->notif_per_pkt = (double)(jr.fe_notifies + jr.be_notifies) /
			     (double)(jr.packets ? jr.packets : 1);
	res->spur_per_pkt = (double)jr.fe_spurious / (double)(jr.packets ? jr.packets : 1);
	return 0;
}

static int rates(uint64_t count)
{
	static const unsigned int sizes[2] = { 64, 1500 };
	struct pvf_env env;
	int fails = 0;

	if (pvf_env_start(&env, NULL, "bench_net"))
		return 1;
	printf("packet rates, %llu packets per run, 1 queue (PV: real netfront core + userspace "
	       "netback over the simulated hypervisor; raw: 256-slot SPSC ring between two "
	       "threads, same event scheme)\n",
	       (unsigned long long)count);
	printf("%-10s | %12s %10s %10s | %12s %10s %10s | %8s\n", "", "PV pkts/s", "notif/pkt",
	       "spur/pkt", "raw pkts/s", "notif/pkt", "spur/pkt", "PV/raw");
	for (int s = 0; s < 2; s++) {
		for (int rx = 0; rx < 2; rx++) {
			struct raw_result pv, raw;
			char name[32];

			snprintf(name, sizeof(name), "%s %u B", rx ? "rx" : "tx", sizes[s]);
			memset(&pv, 0, sizeof(pv));
			memset(&raw, 0, sizeof(raw));
			if (pv_run(&env, sizes[s], count, rx, &pv) ||
			    raw_run(sizes[s], count, rx, &raw)) {
				printf("%-10s | run failed\n", name);
				fails++;
				continue;
			}
			printf("%-10s | %12.0f %10.4f %10.4f | %12.0f %10.4f %10.4f | %8.3f\n", name,
			       pv.pps, pv.notif_per_pkt, pv.spur_per_pkt, raw.pps, raw.notif_per_pkt,
			       raw.spur_per_pkt, raw.pps > 0 ? pv.pps / raw.pps : 0);
			fflush(stdout);
		}
	}
	pvf_env_stop(&env);
	return fails ? 1 : 0;
}

/* ---- iperf3: PV path vs veth ---------------------------------------------------- */

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* Run an iperf3 client in @nsa against @ip (server started in @nsb).
 * Returns the receiver's Mbit/s, or a negative value on failure. */
static double iperf(const char *nsa, const char *nsb, const char *ip, int secs)
{
	char cmd[512], line[512];
	double mbps = -1;
	FILE *p;

	if (sh("ip netns exec %s iperf3 -s -1 -B %s >/dev/null 2>&1 &", nsb, ip))
		return -1;
	usleep(500000);
	snprintf(cmd, sizeof(cmd), "ip netns exec %s timeout %d iperf3 -c %s -t %d -f m 2>&1", nsa,
		 secs + 30, ip, secs);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		char *m = strstr(line, " Mbits/sec");

		if (m && strstr(line, "receiver")) {
			char *b = m;

			while (b > line && b[-1] != ' ')
				b--;
			mbps = strtod(b, NULL);
		}
	}
	pclose(p);
	sh("ip netns pids %s 2>/dev/null | xargs -r kill 2>/dev/null", nsb);
	return mbps;
}

static int iperf_part(int secs)
{
	char nsa[32], nsb[32], ta[16], tb[16];
	unsigned int id = (unsigned int)getpid() % 100000;
	double pv = -1, veth = -1;
	int pfd[2] = { -1, -1 };
	pid_t child = -1;

	if (getuid() != 0 || !pvf_tap_available() || sh("command -v iperf3 >/dev/null") ||
	    sh("command -v ip >/dev/null")) {
		printf("iperf3: SKIPPED (needs root, /dev/net/tun, iproute2 and iperf3)\n");
		return 0;
	}
	snprintf(nsa, sizeof(nsa), "pvfbA%u", id);
	snprintf(nsb, sizeof(nsb), "pvfbB%u", id);
	snprintf(ta, sizeof(ta), "pvfba%u", id);
	snprintf(tb, sizeof(tb), "pvfbb%u", id);
	if (sh("ip netns add %s 2>/dev/null", nsa) || sh("ip netns add %s 2>/dev/null", nsb)) {
		sh("ip netns del %s 2>/dev/null", nsa);
		printf("iperf3: SKIPPED (cannot create network namespaces)\n");
		return 0;
	}
	/* PV path: a child runs the job (its own environment) until SIGTERM */
	fflush(stdout);
	if (pipe(pfd) == 0)
		child = fork();
	if (child == 0) {
		struct pvf_net_job_opts o;
		struct pvf_env env;
		int rc;

		dup2(pfd[1], 1);
		close(pfd[0]);
		pvf_net_job_opts_default(&o);
		o.mode = PVF_NB_MODE_TAP;
		snprintf(o.tap_front, sizeof(o.tap_front), "%s", ta);
		snprintf(o.tap_back, sizeof(o.tap_back), "%s", tb);
		o.ns_front = nsa;
		o.ns_back = nsb;
		o.duration = 3600;
		o.json = 1;
		if (pvf_env_start(&env, NULL, "bench_net"))
			_exit(1);
		rc = pvf_net_job(&env, &o);
		pvf_env_stop(&env);
		_exit(rc);
	}
	if (child > 0) {
		FILE *f = fdopen(pfd[0], "r");
		char line[512];
		int ready = 0;

		close(pfd[1]);
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "ready", 5)) {
				ready = 1;
				break;
			}
		if (ready && !sh("ip -n %s addr add 10.199.7.1/24 dev %s && ip -n %s addr add "
				 "10.199.7.2/24 dev %s && ip -n %s link set %s up && ip -n %s link "
				 "set %s up && ip -n %s link set lo up && ip -n %s link set lo up",
				 nsa, ta, nsb, tb, nsa, ta, nsb, tb, nsa, nsb) &&
		    !sh("ip netns exec %s ping -c 1 -W 3 10.199.7.2 >/dev/null", nsa))
			pv = iperf(nsa, nsb, "10.199.7.2", secs);
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
		if (f)
			fclose(f);
	}
	/* plain veth pair between the same namespaces */
	if (!sh("ip -n %s link add va%u type veth peer name vb%u netns %s", nsa, id, id, nsb) &&
	    !sh("ip -n %s addr add 10.199.8.1/24 dev va%u && ip -n %s addr add 10.199.8.2/24 dev "
		"vb%u && ip -n %s link set va%u up && ip -n %s link set vb%u up",
		nsa, id, nsb, id, nsa, id, nsb, id))
		veth = iperf(nsa, nsb, "10.199.8.2", secs);
	sh("ip netns del %s 2>/dev/null; ip netns del %s 2>/dev/null", nsa, nsb);
	printf("iperf3 TCP, %d s, namespace A -> B (receiver Mbit/s):\n", secs);
	printf("  PV path (TAP -> netfront -> rings -> netback -> TAP, MTU 1500): %10.1f\n", pv);
	printf("  veth pair:                                                     %10.1f\n", veth);
	if (pv > 0 && veth > 0)
		printf("  PV/veth ratio:                                                 %10.4f\n",
		       pv / veth);
	return pv > 0 && veth > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t count = 1000000;
	int secs = 10, no_iperf = 0, rc;
	double t0 = now_s();

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			count = 200000;
			secs = 3;
		} else if (!strcmp(argv[i], "--no-iperf")) {
			no_iperf = 1;
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			secs = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: bench_net [--quick] [--no-iperf] [--count N] "
					"[--seconds S]\n");
			return 2;
		}
	}
	if (count < 1000 || count > 100000000ULL || secs < 1 || secs > 600) {
		fprintf(stderr, "bench_net: --count 1000..1e8, --seconds 1..600\n");
		return 2;
	}
	rc = rates(count);
	if (!no_iperf)
		rc |= iperf_part(secs);
	printf("bench_net: %.1f s\n", now_s() - t0);
	return rc;
}
