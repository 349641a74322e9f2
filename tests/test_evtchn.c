/* SPDX-License-Identifier: BSD-2-Clause */
/* 2-level event channel bitmaps and the demultiplexer. */
#include <string.h>
#include <pvfront/evtchn.h>
#include "cu.h"

#define NPORTS 256u
#define NWORDS (NPORTS / PVF_EVTCHN_WORD_BITS)

static xen_ulong_t pending[NWORDS], mask[NWORDS], sel;
static uint8_t upcall;
static struct pvf_evtchn_2l view;
static struct pvf_evtchn_handler handlers[NPORTS];
static struct pvf_evtchn_demux dm;

static unsigned int calls[NPORTS];
static uint32_t order[64];
static unsigned int norder;

static void count_handler(void *arg, uint32_t port)
{
	CU_ASSERT_PTR_EQUAL(arg, &calls[port]);
	calls[port]++;
	if (norder < 64)
		order[norder++] = port;
}

/* Re-raises its own port every time, like a chatty peer. */
static void reraise_handler(void *arg, uint32_t port)
{
	(void)arg;
	calls[port]++;
	/* The bit was cleared before we were called. */
	CU_ASSERT_EQUAL(pvf_evtchn_2l_is_pending(&view, port), 0);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_raise(&view, port), 1);
}

static void setup(uint32_t budget)
{
	memset(pending, 0, sizeof(pending));
	memset(mask, 0, sizeof(mask));
	sel = 0;
	upcall = 0;
	memset(calls, 0, sizeof(calls));
	norder = 0;
	CU_ASSERT_EQUAL_FATAL(pvf_evtchn_2l_init(&view, pending, mask, &sel, &upcall, NPORTS), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_evtchn_demux_init(&dm, &view, handlers, budget), 0);
}

/* Teardown: nothing left pending, no upcall outstanding. */
static void assert_quiet(void)
{
	uint32_t i;

	for (i = 0; i < NWORDS; i++)
		CU_ASSERT_EQUAL(pending[i], 0);
	CU_ASSERT_EQUAL(sel, 0);
	CU_ASSERT_EQUAL(upcall, 0);
}

static void bind(uint32_t port)
{
	CU_ASSERT_EQUAL(pvf_evtchn_demux_bind(&dm, port, count_handler, &calls[port]), 0);
}

static void test_init_rejects_bad_args(void)
{
	struct pvf_evtchn_2l v;
	struct pvf_evtchn_demux d;

	CU_ASSERT_EQUAL(pvf_evtchn_2l_init(&v, pending, mask, &sel, &upcall, 0), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_init(&v, pending, mask, &sel, &upcall,
					   PVF_EVTCHN_2L_MAX_PORTS + 1), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_init(&v, NULL, mask, &sel, &upcall, 8), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_init(&v, pending, mask, &sel, NULL, 8), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_init(&v, pending, mask, &sel, &upcall, 8), 0);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_init(&d, &v, NULL, 0), -PVF_EINVAL);
}

static void test_raise_sets_selector_and_upcall(void)
{
	setup(0);
	bind(3);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_raise(&view, 3), 1);
	CU_ASSERT_EQUAL(upcall, 1);
	CU_ASSERT_EQUAL(sel, 1UL);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_is_pending(&view, 3), 1);
	/* A second raise while pending changes nothing more. */
	CU_ASSERT_EQUAL(pvf_evtchn_2l_raise(&view, 3), 0);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 1);
	CU_ASSERT_EQUAL(calls[3], 1);
	CU_ASSERT_EQUAL(dm.delivered, 1);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_raise(&view, NPORTS), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_raise(&view, 0xffffffffu), -PVF_EINVAL);
	assert_quiet();
}

static void test_spurious_run(void)
{
	setup(0);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 0);
	CU_ASSERT_EQUAL(dm.spurious, 1);
	/* A selector bit with nothing pending behind it is also spurious. */
	sel = 1;
	upcall = 1;
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 0);
	CU_ASSERT_EQUAL(dm.spurious, 2);
	assert_quiet();
}

static void test_masked_stays_pending(void)
{
	setup(0);
	bind(10);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_mask(&view, 10), 0);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_is_masked(&view, 10), 1);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_raise(&view, 10), 0); /* no upcall */
	CU_ASSERT_EQUAL(upcall, 0);
	CU_ASSERT_EQUAL(sel, 0);
	/* Even a run forced by someone else leaves it alone. */
	sel = 1;
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 0);
	CU_ASSERT_EQUAL(calls[10], 0);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_is_pending(&view, 10), 1);
	/* Unmask raises the upcall, the next run delivers. */
	CU_ASSERT_EQUAL(pvf_evtchn_2l_unmask(&view, 10), 1);
	CU_ASSERT_EQUAL(upcall, 1);
	CU_ASSERT(sel & 1UL);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 1);
	CU_ASSERT_EQUAL(calls[10], 1);
	/* Unmask of an unmasked or idle port raises nothing. */
	CU_ASSERT_EQUAL(pvf_evtchn_2l_unmask(&view, 10), 0);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_mask(&view, 10), 0);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_unmask(&view, 10), 0);
	CU_ASSERT_EQUAL(upcall, 0);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_unmask(&view, NPORTS), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_mask(&view, NPORTS), -PVF_EINVAL);
	assert_quiet();
}

static void test_reraise_is_bounded(void)
{
	unsigned int before;

	setup(16);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_bind(&dm, 5, reraise_handler, NULL), 0);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_raise(&view, 5), 1);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 16);
	CU_ASSERT_EQUAL(calls[5], 16);
	CU_ASSERT_EQUAL(dm.exhausted, 1);
	/* The rest is left pending with the upcall set for the next run. */
	CU_ASSERT_EQUAL(upcall, 1);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_is_pending(&view, 5), 1);
	before = calls[5];
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 16);
	CU_ASSERT_EQUAL(calls[5], before + 16);
	/* Stop the chatter: the next run delivers the last one. */
	CU_ASSERT_EQUAL(pvf_evtchn_demux_bind(&dm, 5, count_handler, &calls[5]), 0);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 1);
	CU_ASSERT_EQUAL(calls[5], before + 17);
	assert_quiet();
}

/* A handler re-raising while another port waits must not starve it. */
static void test_fairness(void)
{
	setup(0);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_bind(&dm, 1, reraise_handler, NULL), 0);
	bind(2);
	bind(200);
	pvf_evtchn_2l_raise(&view, 1);
	pvf_evtchn_2l_raise(&view, 2);
	pvf_evtchn_2l_raise(&view, 200);
	dm.budget = 6;
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 6);
	CU_ASSERT_EQUAL(calls[2], 1);
	CU_ASSERT_EQUAL(calls[200], 1);
	CU_ASSERT(calls[1] >= 2 && calls[1] <= 4);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_bind(&dm, 1, NULL, NULL), 0);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 1); /* last raise: now unbound */
	CU_ASSERT_EQUAL(dm.unbound, 1);
	assert_quiet();
}

static void test_unbound_counted_and_cleared(void)
{
	setup(0);
	pvf_evtchn_2l_raise(&view, 7);
	pvf_evtchn_2l_raise(&view, 70);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 2);
	CU_ASSERT_EQUAL(dm.unbound, 2);
	CU_ASSERT_EQUAL(dm.delivered, 0);
	CU_ASSERT_EQUAL(pvf_evtchn_2l_is_pending(&view, 7), 0);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_bind(&dm, NPORTS, count_handler, NULL), -PVF_EINVAL);
	assert_quiet();
}

static void test_multiple_words(void)
{
	static const uint32_t ports[] = { 1, 63, 64, 65, 127, 128, 200, 255 };
	unsigned int i;

	setup(0);
	for (i = 0; i < (sizeof(ports) / sizeof(ports[0])); i++) {
		bind(ports[i]);
		pvf_evtchn_2l_raise(&view, ports[i]);
	}
	CU_ASSERT_EQUAL(sel, (1UL << NWORDS) - 1);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), (int)(sizeof(ports) / sizeof(ports[0])));
	for (i = 0; i < (sizeof(ports) / sizeof(ports[0])); i++)
		CU_ASSERT_EQUAL(calls[ports[i]], 1);
	/* One pass, in port order from the cursor (which started at 0). */
	CU_ASSERT_EQUAL(norder, (sizeof(ports) / sizeof(ports[0])));
	for (i = 0; i + 1 < norder; i++)
		CU_ASSERT(order[i] < order[i + 1]);
	assert_quiet();
}

/* Round robin across runs: the next run starts after the last port served. */
static void test_cursor_resumes(void)
{
	setup(2);
	bind(10);
	bind(20);
	bind(30);
	pvf_evtchn_2l_raise(&view, 10);
	pvf_evtchn_2l_raise(&view, 20);
	pvf_evtchn_2l_raise(&view, 30);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 2);
	CU_ASSERT_EQUAL(calls[30], 0);
	pvf_evtchn_2l_raise(&view, 10);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&dm), 2);
	CU_ASSERT_EQUAL(norder, 4);
	CU_ASSERT_EQUAL(order[2], 30); /* served before 10 comes round again */
	CU_ASSERT_EQUAL(order[3], 10);
	assert_quiet();
}

/* Bits outside the table (a scribbled bitmap) cannot crash or hang it. */
static void test_garbage_selector(void)
{
	xen_ulong_t pend[2] = { 0, ~0UL }, msk[2] = { 0, 0 }, s = ~0UL;
	uint8_t up = 1;
	struct pvf_evtchn_2l v;
	struct pvf_evtchn_handler h[PVF_EVTCHN_WORD_BITS + 4];
	struct pvf_evtchn_demux d;

	CU_ASSERT_EQUAL_FATAL(pvf_evtchn_2l_init(&v, pend, msk, &s, &up, PVF_EVTCHN_WORD_BITS + 4), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_evtchn_demux_init(&d, &v, h, 0), 0);
	CU_ASSERT_EQUAL(pvf_evtchn_demux_run(&d), 4); /* only ports 64..67 are real */
	CU_ASSERT_EQUAL(d.unbound, 4);
	CU_ASSERT_EQUAL(pend[1], 0);
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_init_rejects_bad_args),
		PVF_TEST(test_raise_sets_selector_and_upcall),
		PVF_TEST(test_spurious_run),
		PVF_TEST(test_masked_stays_pending),
		PVF_TEST(test_reraise_is_bounded),
		PVF_TEST(test_fairness),
		PVF_TEST(test_unbound_counted_and_cleared),
		PVF_TEST(test_multiple_words),
		PVF_TEST(test_cursor_resumes),
		PVF_TEST(test_garbage_selector),
		PVF_TEST_END
	};
	return pvf_test_run("evtchn", tests, NULL, NULL);
}
