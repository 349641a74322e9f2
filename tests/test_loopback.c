/* SPDX-License-Identifier: BSD-2-Clause */
/* The loopback hypervisor: grants, event channels and pages, across threads
 * and processes. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <pvfront/loopback.h>
#include "cu.h"

static struct pvf_lb_hv *hv;
static struct pvf_lb_guest *guest;
static struct pvf_lb_backend *be;
static const struct pvf_platform *plat;

#define P (plat->ops)
#define C (plat->ctx)

static int suite_init(void)
{
	struct pvf_lb_config cfg;

	pvf_lb_config_init(&cfg);
	cfg.guest_pages = 256;
	cfg.grant_entries = 64;
	cfg.ports = 200; /* more than 64: ports span several bitmap words */
	if (pvf_lb_hv_create(&cfg, &hv) || pvf_lb_guest_open(hv, &guest) ||
	    pvf_lb_be_open(hv, &be))
		return -1;
	plat = pvf_lb_guest_platform(guest);
	pvf_lb_guest_set_log(guest, PVF_LOG_ERR, "test_loopback");
	return 0;
}

static int suite_fini(void)
{
	pvf_lb_be_close(be);
	pvf_lb_guest_close(guest);
	pvf_lb_hv_destroy(hv);
	return 0;
}

/* Every test ends with nothing outstanding. */
static void assert_no_leaks(void)
{
	struct pvf_lb_stats st;

	CU_ASSERT_EQUAL(pvf_lb_hv_stats(hv, &st), 0);
	CU_ASSERT_EQUAL(st.grants_in_use, 0);
	CU_ASSERT_EQUAL(st.grants_mapped, 0);
	CU_ASSERT_EQUAL(st.pages_allocated, 0);
	CU_ASSERT_EQUAL(st.guest_ports, 0);
	CU_ASSERT_EQUAL(st.backend_ports, 0);
	CU_ASSERT_EQUAL(pvf_lb_guest_grants_in_use(guest), 0);
}

/* A page granted to the backend; *va is the guest's view. */
static void grant_page(int ro, void **va, uint64_t *frame, uint32_t *ref)
{
	CU_ASSERT_EQUAL_FATAL(P->page_alloc(C, 1, va, frame), 0);
	CU_ASSERT_EQUAL_FATAL(P->gnt_grant(C, 0, *frame, ro, ref), 0);
}

static void ungrant_page(void *va, uint32_t ref)
{
	CU_ASSERT_EQUAL(P->gnt_end(C, ref), 0);
	CU_ASSERT_EQUAL(P->page_free(C, va, 1), 0);
}

static void test_platform_is_complete(void)
{
	const char *missing = NULL;
	uint8_t b;

	CU_ASSERT_EQUAL(pvf_platform_validate(plat, &missing), 0);
	CU_ASSERT(pvf_platform_implements(plat, offsetof(struct pvf_platform_ops, gnt_grant)));
	CU_ASSERT(pvf_platform_implements(plat, offsetof(struct pvf_platform_ops, page_alloc)));
	CU_ASSERT(pvf_platform_implements(plat, offsetof(struct pvf_platform_ops, xs_read)));
	CU_ASSERT_EQUAL(P->in8(C, 0x10, &b), -PVF_ENOSYS);
	assert_no_leaks();
}

static uint32_t pio_last;
static unsigned int pio_width;

static int pio_in(void *arg, uint16_t port, unsigned int width, uint32_t *val)
{
	(void)arg;
	pio_width = width;
	*val = 0x49d2u + port;
	return 0;
}

static int pio_out(void *arg, uint16_t port, unsigned int width, uint32_t val)
{
	(void)arg;
	(void)port;
	pio_width = width;
	pio_last = val;
	return 0;
}

static void test_pio_hooks(void)
{
	struct pvf_lb_pio pio = { pio_in, pio_out, NULL };
	uint16_t w;
	uint32_t d;

	pvf_lb_guest_set_pio(guest, &pio);
	CU_ASSERT_EQUAL(P->in16(C, 0, &w), 0);
	CU_ASSERT_EQUAL(w, 0x49d2);
	CU_ASSERT_EQUAL(pio_width, 2);
	CU_ASSERT_EQUAL(P->in32(C, 1, &d), 0);
	CU_ASSERT_EQUAL(pio_width, 4);
	CU_ASSERT_EQUAL(P->out8(C, 0x12, 0x41), 0);
	CU_ASSERT_EQUAL(pio_width, 1);
	CU_ASSERT_EQUAL(pio_last, 0x41);
	pvf_lb_guest_set_pio(guest, NULL);
	CU_ASSERT_EQUAL(P->out16(C, 0x10, 1), -PVF_ENOSYS);
}

static void test_clock_and_log(void)
{
	uint64_t a = 0, b = 0;

	CU_ASSERT_EQUAL(P->clock_ns(C, &a), 0);
	CU_ASSERT_EQUAL(P->clock_ns(C, &b), 0);
	CU_ASSERT(a > 0 && b >= a);
	CU_ASSERT_EQUAL(P->log(C, PVF_LOG_DEBUG, "filtered out"), 0);
}

static void test_pages_zeroed_and_validated(void)
{
	void *va, *va2, *va3;
	uint64_t f[3], f2, f3;
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(P->page_alloc(C, 3, &va, f), 0);
	for (i = 0; i < 3; i++) {
		CU_ASSERT(f[i] != 0);
		CU_ASSERT_PTR_EQUAL(pvf_lb_hv_frame_va(hv, f[i]), (char *)va + i * 4096);
	}
	memset(va, 0xee, 3 * 4096);
	CU_ASSERT_EQUAL(P->page_free(C, va, 3), 0);
	CU_ASSERT_EQUAL(P->page_free(C, va, 3), -PVF_EINVAL); /* double free */
	/* Fill the memory so a dirty page would be reused, check zeroes. */
	CU_ASSERT_EQUAL_FATAL(P->page_alloc(C, 200, &va2, NULL) , -PVF_EINVAL);
	{
		static uint64_t frames[255];
		unsigned char *p;
		size_t k;

		CU_ASSERT_EQUAL_FATAL(P->page_alloc(C, 255, &va2, frames), 0);
		p = va2;
		for (k = 0; k < 255u * 4096u; k++)
			if (p[k]) break;
		CU_ASSERT_EQUAL(k, 255u * 4096u);
		CU_ASSERT_EQUAL(P->page_alloc(C, 1, &va3, &f3), -PVF_ENOMEM);
		CU_ASSERT_EQUAL(P->page_free(C, va2, 255), 0);
	}
	CU_ASSERT_EQUAL(P->page_alloc(C, 0, &va3, &f3), -PVF_EINVAL);
	CU_ASSERT_EQUAL(P->page_free(C, (char *)va + 1, 1), -PVF_EINVAL);
	CU_ASSERT_EQUAL(P->page_free(C, &f2, 1), -PVF_EINVAL);
	CU_ASSERT_EQUAL(P->page_free(C, pvf_lb_hv_frame_va(hv, 1), 1000), -PVF_EINVAL);
	CU_ASSERT_PTR_NULL(pvf_lb_hv_frame_va(hv, 0));
	CU_ASSERT_PTR_NULL(pvf_lb_hv_frame_va(hv, 256));
	assert_no_leaks();
}

static void test_map_shares_bytes(void)
{
	void *gva, *bva;
	uint64_t frame;
	uint32_t ref;

	grant_page(0, &gva, &frame, &ref);
	strcpy(gva, "from the guest");
	CU_ASSERT_EQUAL_FATAL(pvf_lb_be_map(be, ref, 0, &bva), 0);
	CU_ASSERT_STRING_EQUAL(bva, "from the guest");
	strcpy(bva, "from the backend");
	CU_ASSERT_STRING_EQUAL(gva, "from the backend");
	CU_ASSERT_EQUAL(pvf_lb_be_unmap(be, ref, 0), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_unmap(be, ref, 0), -PVF_EINVAL);
	ungrant_page(gva, ref);
	assert_no_leaks();
}

static void test_end_while_mapped(void)
{
	void *gva, *bva, *bva2;
	uint64_t frame;
	uint32_t ref;

	grant_page(0, &gva, &frame, &ref);
	CU_ASSERT_EQUAL_FATAL(pvf_lb_be_map(be, ref, 1, &bva), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_lb_be_map(be, ref, 0, &bva2), 0);
	CU_ASSERT_EQUAL(P->gnt_end(C, ref), -PVF_EBUSY);
	CU_ASSERT_EQUAL(pvf_lb_be_unmap(be, ref, 0), 0);
	CU_ASSERT_EQUAL(P->gnt_end(C, ref), -PVF_EBUSY); /* still read-mapped */
	/* Wrong-kind unmap is refused. */
	CU_ASSERT_EQUAL(pvf_lb_be_unmap(be, ref, 0), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_lb_be_unmap(be, ref, 1), 0);
	ungrant_page(gva, ref);
	/* The ended grant can no longer be mapped. */
	CU_ASSERT_EQUAL(pvf_lb_be_map(be, ref, 1, &bva), -PVF_EACCES);
	assert_no_leaks();
}

static void test_readonly_grant(void)
{
	void *gva, *bva;
	uint64_t frame;
	uint32_t ref;

	grant_page(1, &gva, &frame, &ref);
	CU_ASSERT_EQUAL(pvf_lb_be_map(be, ref, 0, &bva), -PVF_EPERM);
	strcpy(gva, "ro data");
	CU_ASSERT_EQUAL_FATAL(pvf_lb_be_map(be, ref, 1, &bva), 0);
	CU_ASSERT_STRING_EQUAL(bva, "ro data");
	CU_ASSERT_EQUAL(pvf_lb_be_unmap(be, ref, 1), 0);
	ungrant_page(gva, ref);
	assert_no_leaks();
}

/* A write through a read-only mapping faults: do it in a child. */
static void test_readonly_mapping_faults(void)
{
	void *gva, *bva;
	uint64_t frame;
	uint32_t ref;
	pid_t pid;
	int status = 0;

	grant_page(1, &gva, &frame, &ref);
	CU_ASSERT_EQUAL_FATAL(pvf_lb_be_map(be, ref, 1, &bva), 0);
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		*(volatile char *)bva = 'x';
		_exit(0);
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFSIGNALED(status));
	if (WIFSIGNALED(status))
		CU_ASSERT_EQUAL(WTERMSIG(status), SIGSEGV);
	CU_ASSERT_EQUAL(((char *)gva)[0], 0);
	CU_ASSERT_EQUAL(pvf_lb_be_unmap(be, ref, 1), 0);
	ungrant_page(gva, ref);
	assert_no_leaks();
}

static void test_grant_copy(void)
{
	void *gva, *rva;
	uint64_t frame, rframe;
	uint32_t ref, rref;
	char buf[16];

	grant_page(0, &gva, &frame, &ref);
	grant_page(1, &rva, &rframe, &rref);
	CU_ASSERT_EQUAL(pvf_lb_be_copy(be, ref, 100, "hello", 6, 1), 0);
	CU_ASSERT_STRING_EQUAL((char *)gva + 100, "hello");
	memcpy((char *)rva + 4090, "abcdef", 6);
	CU_ASSERT_EQUAL(pvf_lb_be_copy(be, rref, 4090, buf, 6, 0), 0);
	CU_ASSERT_EQUAL(memcmp(buf, "abcdef", 6), 0);
	/* Permissions and bounds. */
	CU_ASSERT_EQUAL(pvf_lb_be_copy(be, rref, 0, buf, 4, 1), -PVF_EPERM);
	CU_ASSERT_EQUAL(pvf_lb_be_copy(be, ref, 4093, buf, 4, 0), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_lb_be_copy(be, ref, 4097, buf, 0, 0), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_lb_be_copy(be, ref, 0xffffffffu, buf, 2, 0), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_lb_be_copy(be, 3, 0, buf, 4, 0), -PVF_EINVAL);
	/* No mapping is left behind: end succeeds at once. */
	ungrant_page(gva, ref);
	ungrant_page(rva, rref);
	CU_ASSERT_EQUAL(pvf_lb_be_copy(be, ref, 0, buf, 4, 0), -PVF_EACCES);
	assert_no_leaks();
}

static void test_bad_refs_and_frames(void)
{
	void *bva, *gva;
	uint64_t frame;
	uint32_t ref;

	CU_ASSERT_EQUAL(pvf_lb_be_map(be, 0, 1, &bva), -PVF_EINVAL);  /* reserved */
	CU_ASSERT_EQUAL(pvf_lb_be_map(be, 64, 1, &bva), -PVF_EINVAL); /* out of range */
	CU_ASSERT_EQUAL(pvf_lb_be_map(be, 0xffffffffu, 0, &bva), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_lb_be_map(be, 20, 1, &bva), -PVF_EACCES); /* not granted */
	CU_ASSERT_EQUAL(pvf_lb_be_unmap(be, 20, 1), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_lb_be_unmap(be, 99999, 1), -PVF_EINVAL);
	/* A grant of a frame the guest does not have. */
	CU_ASSERT_EQUAL_FATAL(P->gnt_grant(C, 0, 5000, 0, &ref), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_map(be, ref, 0, &bva), -PVF_EINVAL);
	CU_ASSERT_EQUAL(P->gnt_end(C, ref), 0); /* the failed map left no flags */
	CU_ASSERT_EQUAL_FATAL(P->gnt_grant(C, 0, 0, 1, &ref), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_map(be, ref, 1, &bva), -PVF_EINVAL);
	CU_ASSERT_EQUAL(P->gnt_end(C, ref), 0);
	/* A grant to another domain is not ours to map. */
	grant_page(0, &gva, &frame, &ref);
	CU_ASSERT_EQUAL(P->gnt_end(C, ref), 0);
	CU_ASSERT_EQUAL_FATAL(P->gnt_grant(C, 7, frame, 0, &ref), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_map(be, ref, 1, &bva), -PVF_EACCES);
	ungrant_page(gva, ref);
	CU_ASSERT_EQUAL(P->gnt_end(C, 9999), -PVF_EBADF);
	CU_ASSERT_EQUAL(P->gnt_grant(C, 0, 1ull << 40, 0, &ref), -PVF_EINVAL);
	assert_no_leaks();
}

/* ---- event channels ---------------------------------------------------------- */

struct hits {
	volatile int n;
	uint32_t port;
};

static void on_event(void *arg, uint32_t port)
{
	struct hits *h = arg;

	h->port = port;
	__atomic_fetch_add(&h->n, 1, __ATOMIC_SEQ_CST);
}

/* A connected pair: guest port @gp, backend port @bp. */
static void connect_pair(uint32_t *gp, uint32_t *bp)
{
	CU_ASSERT_EQUAL_FATAL(P->evtchn_alloc_unbound(C, 0, gp), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_lb_be_bind_interdomain(be, *gp, bp), 0);
}

static void test_bad_ports(void)
{
	uint32_t gp, bp, x;

	CU_ASSERT_EQUAL(P->evtchn_notify(C, 0), -PVF_EBADF);
	CU_ASSERT_EQUAL(P->evtchn_notify(C, 5), -PVF_EBADF);
	CU_ASSERT_EQUAL(P->evtchn_notify(C, 200), -PVF_EBADF);
	CU_ASSERT_EQUAL(P->evtchn_notify(C, 0xffffffffu), -PVF_EBADF);
	CU_ASSERT_EQUAL(P->evtchn_unmask(C, 9999), -PVF_EBADF);
	CU_ASSERT_EQUAL(P->evtchn_close(C, 9999), -PVF_EBADF);
	CU_ASSERT_EQUAL(P->evtchn_alloc_unbound(C, 42, &x), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_lb_be_bind_interdomain(be, 0, &x), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_lb_be_bind_interdomain(be, 200, &x), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_lb_be_bind_interdomain(be, 3, &x), -PVF_EBUSY); /* free port */
	CU_ASSERT_EQUAL(pvf_lb_be_notify(be, 77), -PVF_EBADF);
	CU_ASSERT_EQUAL(pvf_lb_guest_bind(guest, 200, on_event, NULL), -PVF_EINVAL);
	/* Unbound: notify has no one to tell. */
	CU_ASSERT_EQUAL_FATAL(P->evtchn_alloc_unbound(C, 0, &gp), 0);
	CU_ASSERT_EQUAL(P->evtchn_notify(C, gp), -PVF_ENOTCONN);
	CU_ASSERT_EQUAL_FATAL(pvf_lb_be_bind_interdomain(be, gp, &bp), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_bind_interdomain(be, gp, &x), -PVF_EBUSY); /* twice */
	CU_ASSERT_EQUAL(P->evtchn_close(C, gp), 0);
	CU_ASSERT_EQUAL(P->evtchn_close(C, gp), -PVF_EBADF);
	CU_ASSERT_EQUAL(pvf_lb_be_close_port(be, bp), 0);
	assert_no_leaks();
}

static void test_notify_both_ways(void)
{
	struct hits gh = { 0, 0 }, bh = { 0, 0 };
	uint32_t gp, bp;

	connect_pair(&gp, &bp);
	CU_ASSERT_EQUAL(pvf_lb_guest_bind(guest, gp, on_event, &gh), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_bind(be, bp, on_event, &bh), 0);
	CU_ASSERT_EQUAL(P->evtchn_unmask(C, gp), 0);
	CU_ASSERT_EQUAL(P->evtchn_notify(C, gp), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_poll(be, 1000), 1);
	CU_ASSERT_EQUAL(bh.n, 1);
	CU_ASSERT_EQUAL(bh.port, bp);
	CU_ASSERT_EQUAL(pvf_lb_be_notify(be, bp), 0);
	CU_ASSERT_EQUAL(pvf_lb_guest_poll(guest, 1000), 1);
	CU_ASSERT_EQUAL(gh.n, 1);
	CU_ASSERT_EQUAL(gh.port, gp);
	/* Nothing more: a zero-timeout poll returns at once. */
	CU_ASSERT_EQUAL(pvf_lb_guest_poll(guest, 0), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_poll(be, 10), 0);
	CU_ASSERT_EQUAL(P->evtchn_close(C, gp), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_close_port(be, bp), 0);
	assert_no_leaks();
}

static void test_masked_until_unmask(void)
{
	struct hits gh = { 0, 0 };
	uint32_t gp, bp;

	connect_pair(&gp, &bp);
	CU_ASSERT_EQUAL(pvf_lb_guest_bind(guest, gp, on_event, &gh), 0);
	/* Guest ports start masked. */
	CU_ASSERT_EQUAL(pvf_lb_be_notify(be, bp), 0);
	CU_ASSERT_EQUAL(pvf_lb_guest_poll(guest, 20), 0);
	CU_ASSERT_EQUAL(gh.n, 0);
	CU_ASSERT_EQUAL(P->evtchn_unmask(C, gp), 0);
	CU_ASSERT_EQUAL(pvf_lb_guest_poll(guest, 1000), 1);
	CU_ASSERT_EQUAL(gh.n, 1);
	CU_ASSERT_EQUAL(P->evtchn_close(C, gp), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_close_port(be, bp), 0);
	assert_no_leaks();
}

static void test_close_breaks_binding(void)
{
	uint32_t gp, bp, gp2, bp2;

	connect_pair(&gp, &bp);
	CU_ASSERT_EQUAL(P->evtchn_close(C, gp), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_notify(be, bp), -PVF_ENOTCONN);
	CU_ASSERT_EQUAL(P->evtchn_notify(C, gp), -PVF_EBADF);
	CU_ASSERT_EQUAL(pvf_lb_be_close_port(be, bp), 0);
	/* And the other way round. */
	connect_pair(&gp2, &bp2);
	CU_ASSERT_EQUAL(pvf_lb_be_close_port(be, bp2), 0);
	CU_ASSERT_EQUAL(P->evtchn_notify(C, gp2), -PVF_ENOTCONN);
	CU_ASSERT_EQUAL(pvf_lb_be_notify(be, bp2), -PVF_EBADF);
	CU_ASSERT_EQUAL(P->evtchn_close(C, gp2), 0);
	assert_no_leaks();
}

/* Thread case: a backend thread echoes every event back. */
struct echo {
	uint32_t bp;
	int count;
	volatile int stop;
};

static void echo_handler(void *arg, uint32_t port)
{
	struct echo *e = arg;

	e->count++;
	pvf_lb_be_notify(be, port);
}

static void *echo_thread(void *arg)
{
	struct echo *e = arg;

	while (!e->stop)
		pvf_lb_be_poll(be, 50);
	return NULL;
}

static void test_notify_wakes_thread(void)
{
	struct hits gh = { 0, 0 };
	struct echo e = { 0, 0, 0 };
	pthread_t th;
	uint32_t gp;
	int i, got = 0;

	connect_pair(&gp, &e.bp);
	CU_ASSERT_EQUAL(pvf_lb_guest_bind(guest, gp, on_event, &gh), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_bind(be, e.bp, echo_handler, &e), 0);
	CU_ASSERT_EQUAL(P->evtchn_unmask(C, gp), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, echo_thread, &e), 0);
	for (i = 0; i < 200; i++) {
		CU_ASSERT_EQUAL(P->evtchn_notify(C, gp), 0);
		if (pvf_lb_guest_poll(guest, 2000) < 1)
			break; /* timed out: the assert below fails */
		got++;
	}
	e.stop = 1;
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(got, 200);
	CU_ASSERT_EQUAL(gh.n, 200);
	CU_ASSERT_EQUAL(e.count, 200);
	CU_ASSERT_EQUAL(P->evtchn_close(C, gp), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_close_port(be, e.bp), 0);
	assert_no_leaks();
}

/* Fork case: the backend is a child that attaches through the fd, maps a
 * grant, writes into it and echoes events; a watchdog bounds it. */
static void test_notify_wakes_process(void)
{
	struct hits gh = { 0, 0 };
	void *gva;
	uint64_t frame;
	uint32_t ref, gp, bp;
	pid_t pid;
	int status = 0, i, got = 0;

	grant_page(0, &gva, &frame, &ref);
	connect_pair(&gp, &bp);
	CU_ASSERT_EQUAL(pvf_lb_guest_bind(guest, gp, on_event, &gh), 0);
	CU_ASSERT_EQUAL(P->evtchn_unmask(C, gp), 0);
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct pvf_lb_hv *h2;
		struct pvf_lb_backend *b2;
		struct echo e = { bp, 0, 0 };
		void *bva;
		int n = 0;

		alarm(20);
		if (pvf_lb_hv_attach(pvf_lb_hv_fd(hv), &h2) || pvf_lb_be_open(h2, &b2))
			_exit(2);
		if (pvf_lb_be_map(b2, ref, 0, &bva))
			_exit(3);
		strcpy(bva, "child was here");
		if (pvf_lb_be_unmap(b2, ref, 0))
			_exit(4);
		/* Echo 100 events, through the child's own view. */
		while (n < 100) {
			int r = pvf_lb_be_poll(b2, 5000);

			if (r <= 0)
				_exit(5);
			n += r;
			if (pvf_lb_be_notify(b2, bp))
				_exit(6);
		}
		(void)e;
		pvf_lb_be_close(b2);
		pvf_lb_hv_destroy(h2);
		_exit(0);
	}
	for (i = 0; i < 100; i++) {
		CU_ASSERT_EQUAL(P->evtchn_notify(C, gp), 0);
		if (pvf_lb_guest_poll(guest, 5000) < 1)
			break;
		got++;
	}
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
	CU_ASSERT_EQUAL(got, 100);
	CU_ASSERT_STRING_EQUAL(gva, "child was here");
	CU_ASSERT_EQUAL(P->evtchn_close(C, gp), 0);
	CU_ASSERT_EQUAL(pvf_lb_be_close_port(be, bp), 0);
	ungrant_page(gva, ref);
	assert_no_leaks();
}

/* Domain-death semantics: a backend process that dies with grants mapped
 * and a port bound keeps them until the hypervisor reaps it; then the
 * guest's end of access succeeds and its port falls back to unbound.  The
 * parent's own (live) mapping is never reaped. */
static void test_reap_dead_backend(void)
{
	struct pvf_lb_stats st;
	void *ga, *gb, *gc, *bva;
	uint64_t fa, fb, fc;
	uint32_t ra, rb, rc, gp, reaped0;
	int pfd[2], status = 0;
	siginfo_t si;
	pid_t pid;
	char c = 0;

	grant_page(0, &ga, &fa, &ra);
	grant_page(1, &gb, &fb, &rb);
	grant_page(0, &gc, &fc, &rc);
	CU_ASSERT_EQUAL_FATAL(P->evtchn_alloc_unbound(C, 0, &gp), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_lb_be_map(be, rc, 0, &bva), 0); /* ours, alive */
	CU_ASSERT_EQUAL_FATAL(pipe(pfd), 0);
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		struct pvf_lb_hv *h2;
		struct pvf_lb_backend *b2;
		void *va;
		uint32_t bp;

		alarm(20);
		/* its own view through the fd, and the view fork left it */
		if (pvf_lb_hv_attach(pvf_lb_hv_fd(hv), &h2) || pvf_lb_be_open(h2, &b2))
			_exit(2);
		if (pvf_lb_be_map(b2, ra, 0, &va) || pvf_lb_be_map(be, rb, 1, &va))
			_exit(3);
		if (pvf_lb_be_bind_interdomain(b2, gp, &bp))
			_exit(4);
		if (write(pfd[1], "x", 1) != 1)
			_exit(5);
		for (;;)
			pause();
	}
	close(pfd[1]);
	CU_ASSERT_EQUAL(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	reaped0 = pvf_lb_hv_reaped(hv); /* the child's be_open reaped earlier tests' */
	CU_ASSERT_EQUAL(pvf_lb_hv_stats(hv, &st), 0);
	CU_ASSERT_EQUAL(st.grants_mapped, 3);
	CU_ASSERT_EQUAL(st.backend_ports, 1);
	/* alive: nothing is reaped */
	CU_ASSERT_EQUAL(pvf_lb_hv_reap(hv), 0);
	CU_ASSERT_EQUAL(P->gnt_end(C, ra), -PVF_EBUSY);
	CU_ASSERT_EQUAL(kill(pid, SIGKILL), 0);
	/* dead but not waited for (a zombie): still held until reaped */
	memset(&si, 0, sizeof(si));
	CU_ASSERT_EQUAL(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	CU_ASSERT_EQUAL(P->gnt_end(C, ra), -PVF_EBUSY);
	CU_ASSERT_EQUAL(P->gnt_end(C, rb), -PVF_EBUSY);
	CU_ASSERT_EQUAL(P->evtchn_notify(C, gp), 0); /* still bound */
	CU_ASSERT_EQUAL(pvf_lb_hv_reap(hv), 1);
	CU_ASSERT_EQUAL(pvf_lb_hv_reap(hv), 0);
	CU_ASSERT_EQUAL(pvf_lb_hv_reaped(hv), reaped0 + 1);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CU_ASSERT_EQUAL(P->gnt_end(C, ra), 0);
	CU_ASSERT_EQUAL(P->gnt_end(C, rb), 0);
	CU_ASSERT_EQUAL(P->evtchn_notify(C, gp), -PVF_ENOTCONN); /* unbound again */
	CU_ASSERT_EQUAL(pvf_lb_hv_stats(hv, &st), 0);
	CU_ASSERT_EQUAL(st.grants_mapped, 1);
	CU_ASSERT_EQUAL(st.backend_ports, 0);
	/* the live mapping of this process survived */
	CU_ASSERT_EQUAL(P->gnt_end(C, rc), -PVF_EBUSY);
	CU_ASSERT_EQUAL(pvf_lb_be_unmap(be, rc, 0), 0);
	CU_ASSERT_EQUAL(P->page_free(C, ga, 1), 0);
	CU_ASSERT_EQUAL(P->page_free(C, gb, 1), 0);
	ungrant_page(gc, rc);
	CU_ASSERT_EQUAL(P->evtchn_close(C, gp), 0);
	assert_no_leaks();
}

/* A live child's mappings are never reaped, also when it maps and unmaps
 * what the parent mapped too; after a clean exit nothing is left. */
static void test_reap_spares_live_process(void)
{
	void *ga, *bva;
	uint64_t fa;
	uint32_t ra;
	int to_child[2], to_parent[2], status = 0;
	pid_t pid;
	char c = 0;

	grant_page(0, &ga, &fa, &ra);
	CU_ASSERT_EQUAL_FATAL(pvf_lb_be_map(be, ra, 0, &bva), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(to_child), 0);
	CU_ASSERT_EQUAL_FATAL(pipe(to_parent), 0);
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		void *va;
		char x;

		alarm(20);
		if (pvf_lb_be_map(be, ra, 0, &va) || write(to_parent[1], "m", 1) != 1)
			_exit(2);
		if (read(to_child[0], &x, 1) != 1 || pvf_lb_be_unmap(be, ra, 0))
			_exit(3);
		_exit(0);
	}
	CU_ASSERT_EQUAL(read(to_parent[0], &c, 1), 1);
	CU_ASSERT_EQUAL(pvf_lb_be_unmap(be, ra, 0), 0); /* ours */
	CU_ASSERT_EQUAL(pvf_lb_hv_reap(hv), 0);
	CU_ASSERT_EQUAL(P->gnt_end(C, ra), -PVF_EBUSY); /* the child's */
	CU_ASSERT_EQUAL(write(to_child[1], "u", 1), 1);
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL(pvf_lb_hv_reap(hv), 1); /* gone, nothing held */
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	ungrant_page(ga, ra);
	assert_no_leaks();
}

static void test_attach_rejects_garbage(void)
{
	struct pvf_lb_hv *h2 = NULL;
	struct pvf_lb_guest *g2 = NULL;
	struct pvf_lb_config cfg;
	FILE *f = tmpfile();

	CU_ASSERT_FATAL(f != NULL);
	fputs("this is not a hypervisor, just some bytes ..........", f);
	fflush(f);
	CU_ASSERT_EQUAL(pvf_lb_hv_attach(fileno(f), &h2), -PVF_EINVAL);
	fclose(f);
	CU_ASSERT_EQUAL(pvf_lb_hv_attach(-1, &h2), -PVF_EINVAL);
	pvf_lb_config_init(&cfg);
	cfg.backend_domid = cfg.guest_domid;
	CU_ASSERT_EQUAL(pvf_lb_hv_create(&cfg, &h2), -PVF_EINVAL);
	pvf_lb_config_init(&cfg);
	cfg.ports = 100000;
	CU_ASSERT_EQUAL(pvf_lb_hv_create(&cfg, &h2), -PVF_EINVAL);
	/* A second guest on the same hypervisor is refused. */
	CU_ASSERT_EQUAL(pvf_lb_guest_open(hv, &g2), -PVF_EBUSY);
	/* Attaching the real one works and sees the same config. */
	CU_ASSERT_EQUAL_FATAL(pvf_lb_hv_attach(pvf_lb_hv_fd(hv), &h2), 0);
	pvf_lb_hv_config(h2, &cfg);
	CU_ASSERT_EQUAL(cfg.ports, 200);
	CU_ASSERT_EQUAL(cfg.guest_domid, 1);
	pvf_lb_hv_destroy(h2);
	assert_no_leaks();
}

/* Default sizes work too. */
static void test_default_config(void)
{
	struct pvf_lb_hv *h2;
	struct pvf_lb_config cfg;
	struct pvf_lb_stats st;

	CU_ASSERT_EQUAL_FATAL(pvf_lb_hv_create(NULL, &h2), 0);
	pvf_lb_hv_config(h2, &cfg);
	CU_ASSERT_EQUAL(cfg.guest_pages, 16384);
	CU_ASSERT_EQUAL(cfg.grant_entries, 8192);
	CU_ASSERT_EQUAL(cfg.ports, 1024);
	CU_ASSERT_EQUAL(cfg.backend_domid, 0);
	CU_ASSERT_EQUAL(pvf_lb_hv_stats(h2, &st), 0);
	CU_ASSERT_EQUAL(st.pages_allocated + st.grants_in_use + st.guest_ports, 0);
	pvf_lb_hv_destroy(h2);
}


int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_platform_is_complete),
		PVF_TEST(test_pio_hooks),
		PVF_TEST(test_clock_and_log),
		PVF_TEST(test_pages_zeroed_and_validated),
		PVF_TEST(test_map_shares_bytes),
		PVF_TEST(test_end_while_mapped),
		PVF_TEST(test_readonly_grant),
		PVF_TEST(test_readonly_mapping_faults),
		PVF_TEST(test_grant_copy),
		PVF_TEST(test_bad_refs_and_frames),
		PVF_TEST(test_bad_ports),
		PVF_TEST(test_notify_both_ways),
		PVF_TEST(test_masked_until_unmask),
		PVF_TEST(test_close_breaks_binding),
		PVF_TEST(test_notify_wakes_thread),
		PVF_TEST(test_notify_wakes_process),
		PVF_TEST(test_reap_dead_backend),
		PVF_TEST(test_reap_spares_live_process),
		PVF_TEST(test_attach_rejects_garbage),
		PVF_TEST(test_default_config),
		PVF_TEST_END
	};
	return pvf_test_run("loopback", tests, suite_init, suite_fini);
}
