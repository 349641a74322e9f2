/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The real network frontend core (frontends/net, hosted by
 * harness/netfront_host.c) against the userspace netback over the embedded
 * xenstore and the simulated hypervisor: pvf_net_job in echo (data
 * checked), sink and gen modes for each profile, a failing job that leaks
 * nothing, checksum and GSO metadata through echo, a backend restart with
 * transmits queued meanwhile, and TAP mode when /dev/net/tun is usable.
 * Every test ends with no grant, page, port or watch left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pvfront/errno.h>
#include "cu.h"
#include "env.h"
#include "env_fx.h"
#include "netback.h"
#include "netfront_host.h"
#include "tap.h"

#define TMO 5000

static struct pvf_env env;

static void env_up(void)
{
	CU_ASSERT_EQUAL_FATAL(pvf_env_start(&env, NULL, "test_netback_core"), 0);
}

/* Stop the environment; asserts nothing is left. */
static void env_down(void)
{
	pvf_env_stop_clean(&env);
}

static int job(enum pvf_nb_mode mode, enum pvf_nb_profile prof, unsigned int queues,
	       unsigned long count, unsigned int size, struct pvf_net_job_result *res)
{
	struct pvf_net_job_opts o;

	pvf_net_job_opts_default(&o);
	o.mode = mode;
	o.profile = prof;
	o.queues = queues;
	o.count = count;
	o.size = size;
	o.pps = mode != PVF_NB_MODE_ECHO;
	o.quiet = 1;
	o.result = res;
	return pvf_net_job(&env, &o);
}

static void t_job_echo_profiles(void)
{
	static const enum pvf_nb_profile prof[3] = { PVF_NB_PROFILE_LINUX, PVF_NB_PROFILE_QEMU,
						     PVF_NB_PROFILE_FULL };
	static const unsigned int want_q[3] = { 4, 1, 4 };
	struct pvf_net_job_result r;

	env_up();
	for (int i = 0; i < 3; i++) {
		memset(&r, 0xff, sizeof(r));
		CU_ASSERT_EQUAL(job(PVF_NB_MODE_ECHO, prof[i], 4, 500, 0, &r), 0);
		CU_ASSERT_EQUAL(r.verified, 500);
		CU_ASSERT_EQUAL(r.bad, 0);
		CU_ASSERT_EQUAL(r.packets, 500);
		CU_ASSERT_EQUAL(r.queues, want_q[i]);
		CU_ASSERT(r.fe_events >= r.fe_spurious);
	}
	env_down();
}

/* The toolstack marks the backend untrusted (trusted=0): the job's
 * netfront bounces every packet and the echoed data is still intact. */
static void t_job_echo_untrusted(void)
{
	struct pvf_net_job_opts o;
	struct pvf_net_job_result r;

	env_up();
	for (int untrusted = 0; untrusted < 2; untrusted++) {
		pvf_net_job_opts_default(&o);
		o.mode = PVF_NB_MODE_ECHO;
		o.queues = 2;
		o.count = 400;
		o.quiet = 1;
		o.untrusted = untrusted;
		memset(&r, 0xff, sizeof(r));
		o.result = &r;
		CU_ASSERT_EQUAL(pvf_net_job(&env, &o), 0);
		CU_ASSERT_EQUAL(r.bounce, untrusted);
		CU_ASSERT_EQUAL(r.verified, 400);
		CU_ASSERT_EQUAL(r.bad, 0);
	}
	env_down();
}

static void t_job_sink_gen(void)
{
	struct pvf_net_job_result r;

	env_up();
	CU_ASSERT_EQUAL(job(PVF_NB_MODE_SINK, PVF_NB_PROFILE_LINUX, 1, 3000, 64, &r), 0);
	CU_ASSERT_EQUAL(r.packets, 3000);
	CU_ASSERT(r.pps > 0);
	CU_ASSERT_EQUAL(job(PVF_NB_MODE_GEN, PVF_NB_PROFILE_LINUX, 2, 3000, 1500, &r), 0);
	CU_ASSERT_EQUAL(r.packets, 3000);
	CU_ASSERT_EQUAL(r.queues, 2);
	/* a multi-slot frame from netback (SG negotiated) */
	CU_ASSERT_EQUAL(job(PVF_NB_MODE_GEN, PVF_NB_PROFILE_FULL, 1, 100, 9000, &r), 0);
	CU_ASSERT_EQUAL(r.packets, 100);
	/* echo in packet-rate mode counts, does not check */
	CU_ASSERT_EQUAL(job(PVF_NB_MODE_ECHO, PVF_NB_PROFILE_LINUX, 1, 2000, 1500, &r), 0);
	CU_ASSERT_EQUAL(r.packets, 2000);
	env_down();
}

static void t_job_failure_leaks_nothing(void)
{
	struct pvf_net_job_result r;
	struct pvf_net_job_opts o;

	env_up();
	/* qemu: no SG, so a 9000-byte packet cannot be sent */
	pvf_net_job_opts_default(&o);
	o.profile = PVF_NB_PROFILE_QEMU;
	o.size = 9000;
	o.count = 5;
	o.quiet = 1;
	CU_ASSERT_EQUAL(pvf_net_job(&env, &o), 1);
	/* the environment is clean: the next job works */
	CU_ASSERT_EQUAL(job(PVF_NB_MODE_ECHO, PVF_NB_PROFILE_LINUX, 1, 200, 0, &r), 0);
	CU_ASSERT_EQUAL(r.verified, 200);
	env_down();
}

/* ---- the host directly ---------------------------------------------------- */

static struct pvf_nb *nb;
static struct pvf_nfh h;
static char fe_dir[256], be_dir[256];
static const uint8_t mac[6] = { 0x00, 0x16, 0x3e, 0x44, 0x55, 0x66 };

struct got {
	uint8_t data[70000];
	size_t len;
	struct pvf_net_rx_pkt meta;
	unsigned int n;
};
static struct got got;

static void on_rx(void *arg, const struct pvf_net_rx_pkt *pkt)
{
	(void)arg;
	if (got.n++ == 0) {
		got.len = pvf_nfh_linearize(pkt, got.data, sizeof(got.data));
		got.meta = *pkt;
	}
}

static int nb_up(void)
{
	struct pvf_nb_config c;

	memset(&c, 0, sizeof(c));
	c.hv = env.hv;
	snprintf(c.fe_dir, sizeof(c.fe_dir), "%s", fe_dir);
	snprintf(c.be_dir, sizeof(c.be_dir), "%s", be_dir);
	c.mode = PVF_NB_MODE_ECHO;
	c.profile = PVF_NB_PROFILE_LINUX;
	return pvf_nb_start(&c, &nb);
}

static void host_up(void)
{
	struct pvf_nfh_config hc;

	env_up();
	CU_ASSERT_EQUAL_FATAL(pvf_nb_toolstack_add(0, pvf_lb_guest_domid(env.guest), 0, mac, 1500,
						   fe_dir, sizeof(fe_dir), be_dir,
						   sizeof(be_dir)), 0);
	CU_ASSERT_EQUAL_FATAL(nb_up(), 0);
	memset(&hc, 0, sizeof(hc));
	hc.fe_dir = fe_dir;
	hc.queues = 2;
	hc.rx = on_rx;
	memset(&got, 0, sizeof(got));
	CU_ASSERT_EQUAL_FATAL(pvf_nfh_open(&h, env.guest, &hc), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_nfh_wait_connected(&h, TMO), 0);
}

static void host_down(void)
{
	CU_ASSERT_EQUAL(pvf_nfh_close(&h, TMO), 0);
	CU_ASSERT_EQUAL(pvf_nb_stop(nb), 0);
	nb = NULL;
	pvf_nb_toolstack_remove(fe_dir, be_dir);
	env_down();
}

/* Pump until @n packets arrived or the timeout. */
static void wait_rx(unsigned int n)
{
	for (int i = 0; i < 2000 && got.n < n; i++)
		CU_ASSERT_EQUAL(pvf_nfh_pump(&h, 2), 0);
}

static void tcp_frame(uint8_t *f, size_t len)
{
	memset(f, 0, len);
	memcpy(f, "\x02\x00\x00\x00\x00\x02", 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08; f[13] = 0x00;            /* IPv4 */
	f[14] = 0x45;                          /* version 4, 20-byte header */
	f[16] = (uint8_t)((len - 14) >> 8); f[17] = (uint8_t)(len - 14);
	f[22] = 64; f[23] = 6;                 /* ttl, TCP */
	f[26] = 10; f[29] = 1; f[30] = 10; f[33] = 2;
	f[46] = 0x50;                          /* TCP data offset 5 */
	for (size_t i = 54; i < len; i++)
		f[i] = (uint8_t)(i * 13u);
}

static void t_host_offload_metadata(void)
{
	static uint8_t f[9014];

	host_up();
	CU_ASSERT(pvf_net_get_info(&h.net)->tx_gso_tcpv4);
	tcp_frame(f, sizeof(f));
	CU_ASSERT_EQUAL(pvf_nfh_send(&h, 1, f, sizeof(f), PVF_NET_TX_CSUM_BLANK, PVF_NET_GSO_TCPV4,
				     1448), 0);
	wait_rx(1);
	CU_ASSERT_EQUAL(got.n, 1);
	CU_ASSERT_EQUAL(got.len, sizeof(f));
	CU_ASSERT_EQUAL(got.meta.queue, 1);
	CU_ASSERT(got.meta.flags & PVF_NET_RX_CSUM_BLANK);
	CU_ASSERT(got.meta.flags & PVF_NET_RX_GSO);
	CU_ASSERT_EQUAL(got.meta.gso_type, PVF_NET_GSO_TCPV4);
	CU_ASSERT_EQUAL(got.meta.gso_size, 1448);
	CU_ASSERT(got.meta.nr_frags >= 3);
	CU_ASSERT_EQUAL(memcmp(got.data, f + 6, 6), 0); /* MACs swapped */
	CU_ASSERT_EQUAL(memcmp(got.data + 12, f + 12, sizeof(f) - 12), 0);
	for (int i = 0; i < 100 && pvf_nfh_tx_outstanding(&h); i++)
		pvf_nfh_pump(&h, 2);
	CU_ASSERT_EQUAL(h.st.tx_ok, 1);
	CU_ASSERT_EQUAL(pvf_nfh_send(&h, 0, f, 0, 0, 0, 0), -PVF_EINVAL);
	host_down();
}

static void t_host_backend_restart(void)
{
	static uint8_t f[600];
	struct pvf_nb_stats st;

	host_up();
	tcp_frame(f, sizeof(f));
	/* netback goes away: the core disconnects, nothing crashes */
	CU_ASSERT_EQUAL(pvf_nb_stop(nb), 0);
	nb = NULL;
	for (int i = 0; i < 500 && pvf_net_is_connected(&h.net); i++)
		CU_ASSERT_EQUAL(pvf_nfh_pump(&h, 2), 0);
	CU_ASSERT_EQUAL(pvf_net_is_connected(&h.net), 0);
	/* transmits queued while disconnected are kept ... */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(pvf_nfh_send(&h, 0, f, sizeof(f), 0, 0, 0), 0);
	CU_ASSERT_EQUAL(pvf_nfh_tx_outstanding(&h), 3);
	/* ... and sent after a new netback connects */
	CU_ASSERT_EQUAL_FATAL(nb_up(), 0);
	CU_ASSERT_EQUAL(pvf_nfh_wait_connected(&h, TMO), 0);
	wait_rx(3);
	CU_ASSERT_EQUAL(got.n, 3);
	CU_ASSERT_EQUAL(got.len, sizeof(f));
	for (int i = 0; i < 100 && pvf_nfh_tx_outstanding(&h); i++)
		pvf_nfh_pump(&h, 2);
	CU_ASSERT_EQUAL(h.st.tx_ok, 3);
	pvf_nb_stats(nb, &st);
	CU_ASSERT_EQUAL(st.tx_packets, 3);
	CU_ASSERT_EQUAL(st.connections, 1);
	host_down();
}

static void t_job_tap(void)
{
	struct pvf_net_job_opts o;
	struct pvf_net_job_result r;

	if (!pvf_tap_available()) {
		printf("\n  (TAP unavailable: /dev/net/tun cannot be opened; tap job not run)\n");
		return;
	}
	env_up();
	pvf_net_job_opts_default(&o);
	o.mode = PVF_NB_MODE_TAP;
	snprintf(o.tap_front, sizeof(o.tap_front), "pvfta%u", (unsigned int)getpid() % 100000);
	snprintf(o.tap_back, sizeof(o.tap_back), "pvftb%u", (unsigned int)getpid() % 100000);
	o.duration = 0.3;
	o.quiet = 1;
	o.result = &r;
	CU_ASSERT_EQUAL(pvf_net_job(&env, &o), 0);
	CU_ASSERT_EQUAL(r.queues, 1);
	env_down();
}

static const struct pvf_test tests[] = {
	PVF_TEST(t_job_echo_profiles),
	PVF_TEST(t_job_echo_untrusted),
	PVF_TEST(t_job_sink_gen),
	PVF_TEST(t_job_failure_leaks_nothing),
	PVF_TEST(t_host_offload_metadata),
	PVF_TEST(t_host_backend_restart),
	PVF_TEST(t_job_tap),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("netback_core", tests, NULL, NULL);
}
