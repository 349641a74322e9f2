/* SPDX-License-Identifier: BSD-2-Clause */
/* Grant table v1 manager: grant/end, exhaustion, busy entries, deferral. */
#include <string.h>
#include <pvfront/gnttab.h>
#include "cu.h"

#define NR 32u
#define FIRST 8u

static grant_entry_v1_t entries[NR];
static uint32_t storage[NR];
static struct pvf_gnttab gt;

static int setup(void)
{
	memset(entries, 0xa5, sizeof(entries));
	return pvf_gnttab_init(&gt, entries, NR, FIRST, storage) == 0 ? 0 : -1;
}

/* Teardown check: nothing left granted, every entry cleared. */
static void assert_clean(void)
{
	uint32_t i;

	CU_ASSERT_EQUAL(pvf_gnttab_in_use(&gt), 0);
	CU_ASSERT_EQUAL(pvf_gnttab_nr_deferred(&gt), 0);
	for (i = FIRST; i < NR; i++)
		CU_ASSERT_EQUAL(entries[i].flags, 0);
}

static void test_init_rejects_bad_args(void)
{
	struct pvf_gnttab t;

	CU_ASSERT_EQUAL(pvf_gnttab_init(NULL, entries, NR, FIRST, storage), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_gnttab_init(&t, NULL, NR, FIRST, storage), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_gnttab_init(&t, entries, NR, FIRST, NULL), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_gnttab_init(&t, entries, NR, NR, storage), -PVF_EINVAL);
}

static void test_grant_fills_entry(void)
{
	uint32_t r1, r2;

	CU_ASSERT_FATAL(setup() == 0);
	CU_ASSERT_EQUAL(entries[FIRST].flags, 0); /* cleared by init */
	CU_ASSERT_EQUAL(entries[0].flags, 0xa5a5); /* reserved: untouched */
	CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&gt, 0, 0x1234, 0, &r1), 0);
	CU_ASSERT(r1 >= FIRST && r1 < NR);
	CU_ASSERT_EQUAL(entries[r1].flags, GTF_permit_access);
	CU_ASSERT_EQUAL(entries[r1].domid, 0);
	CU_ASSERT_EQUAL(entries[r1].frame, 0x1234);
	CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&gt, 7, 0xffffffffull, 1, &r2), 0);
	CU_ASSERT_NOT_EQUAL(r1, r2);
	CU_ASSERT_EQUAL(entries[r2].flags, GTF_permit_access | GTF_readonly);
	CU_ASSERT_EQUAL(entries[r2].domid, 7);
	CU_ASSERT_EQUAL(entries[r2].frame, 0xffffffffu);
	CU_ASSERT_EQUAL(pvf_gnttab_in_use(&gt), 2);
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, r1), 0);
	CU_ASSERT_EQUAL(entries[r1].flags, 0);
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, r2), 0);
	assert_clean();
}

static void test_frame_too_large(void)
{
	uint32_t r = 12345;

	CU_ASSERT_FATAL(setup() == 0);
	CU_ASSERT_EQUAL(pvf_gnttab_grant(&gt, 0, 0x100000000ull, 0, &r), -PVF_EINVAL);
	CU_ASSERT_EQUAL(r, 12345);
	CU_ASSERT_EQUAL(pvf_gnttab_grant(&gt, 0, 1, 0, NULL), -PVF_EINVAL);
	assert_clean();
}

static void test_enospc_and_reuse(void)
{
	uint32_t refs[NR];
	uint32_t i, r, n = NR - FIRST;
	int seen[NR] = { 0 };

	CU_ASSERT_FATAL(setup() == 0);
	for (i = 0; i < n; i++) {
		CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&gt, 0, 100 + i, 0, &refs[i]), 0);
		CU_ASSERT(refs[i] >= FIRST && refs[i] < NR);
		CU_ASSERT_EQUAL(seen[refs[i]], 0);
		seen[refs[i]] = 1;
	}
	CU_ASSERT_EQUAL(pvf_gnttab_in_use(&gt), n);
	CU_ASSERT_EQUAL(pvf_gnttab_grant(&gt, 0, 1, 0, &r), -PVF_ENOSPC);
	/* One freed ref comes back. */
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, refs[5]), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&gt, 0, 999, 0, &r), 0);
	CU_ASSERT_EQUAL(r, refs[5]);
	CU_ASSERT_EQUAL(entries[r].frame, 999);
	CU_ASSERT_EQUAL(pvf_gnttab_grant(&gt, 0, 1, 0, &r), -PVF_ENOSPC);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, refs[i]), 0);
	assert_clean();
}

static void test_fifo_reuse_order(void)
{
	uint32_t a, b, c;

	CU_ASSERT_FATAL(setup() == 0);
	CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&gt, 0, 1, 0, &a), 0);
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, a), 0);
	/* A just-freed ref is not handed out again at once. */
	CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&gt, 0, 2, 0, &b), 0);
	CU_ASSERT_NOT_EQUAL(a, b);
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, b), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&gt, 0, 3, 0, &c), 0);
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, c), 0);
	assert_clean();
}

static void test_end_unknown_ref(void)
{
	uint32_t r;

	CU_ASSERT_FATAL(setup() == 0);
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, FIRST), -PVF_EBADF);  /* never granted */
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, 0), -PVF_EBADF);      /* reserved */
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, NR), -PVF_EBADF);     /* out of range */
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, 0xffffffffu), -PVF_EBADF);
	CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&gt, 0, 5, 0, &r), 0);
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, r), 0);
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, r), -PVF_EBADF);      /* double end */
	CU_ASSERT_EQUAL(pvf_gnttab_end_or_defer(&gt, r), -PVF_EBADF);
	assert_clean();
}

static void busy_case(uint16_t xen_flag)
{
	uint32_t r;

	CU_ASSERT_FATAL(setup() == 0);
	CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&gt, 0, 77, 0, &r), 0);
	entries[r].flags |= xen_flag; /* as Xen does when the grantee maps */
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, r), -PVF_EBUSY);
	CU_ASSERT_EQUAL(entries[r].flags, GTF_permit_access | xen_flag);
	CU_ASSERT_EQUAL(entries[r].frame, 77);
	CU_ASSERT_EQUAL(pvf_gnttab_in_use(&gt), 1);
	entries[r].flags &= (uint16_t)~xen_flag; /* grantee unmapped */
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, r), 0);
	assert_clean();
}

static void test_end_busy_reading(void)
{
	busy_case(GTF_reading);
}

static void test_end_busy_writing(void)
{
	busy_case(GTF_writing | GTF_reading);
}

static void test_deferred_retry(void)
{
	uint32_t r1, r2, r3;

	CU_ASSERT_FATAL(setup() == 0);
	CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&gt, 0, 1, 0, &r1), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&gt, 0, 2, 1, &r2), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&gt, 0, 3, 0, &r3), 0);
	entries[r1].flags |= GTF_reading | GTF_writing;
	entries[r2].flags |= GTF_reading;
	CU_ASSERT_EQUAL(pvf_gnttab_end_or_defer(&gt, r1), 1);
	CU_ASSERT_EQUAL(pvf_gnttab_end_or_defer(&gt, r2), 1);
	CU_ASSERT_EQUAL(pvf_gnttab_end_or_defer(&gt, r3), 0);
	CU_ASSERT(pvf_gnttab_is_deferred(&gt, r1));
	CU_ASSERT(pvf_gnttab_is_deferred(&gt, r2));
	CU_ASSERT(!pvf_gnttab_is_deferred(&gt, r3));
	/* A deferred ref belongs to the manager now. */
	CU_ASSERT_EQUAL(pvf_gnttab_end(&gt, r1), -PVF_EBADF);
	CU_ASSERT_EQUAL(pvf_gnttab_in_use(&gt), 2);
	CU_ASSERT_EQUAL(pvf_gnttab_retry_deferred(&gt), 2);
	entries[r2].flags &= (uint16_t)~GTF_reading;
	CU_ASSERT_EQUAL(pvf_gnttab_retry_deferred(&gt), 1);
	CU_ASSERT(!pvf_gnttab_is_deferred(&gt, r2));
	CU_ASSERT(pvf_gnttab_is_deferred(&gt, r1));
	CU_ASSERT_EQUAL(entries[r1].flags, GTF_permit_access | GTF_reading | GTF_writing);
	entries[r1].flags &= (uint16_t)~(GTF_reading | GTF_writing);
	CU_ASSERT_EQUAL(pvf_gnttab_retry_deferred(&gt), 0);
	CU_ASSERT(!pvf_gnttab_is_deferred(&gt, r1));
	assert_clean();
}

static void test_deferred_list_full(void)
{
	grant_entry_v1_t big[PVF_GNTTAB_DEFERRED_MAX + 16];
	uint32_t st[PVF_GNTTAB_DEFERRED_MAX + 16];
	uint32_t refs[PVF_GNTTAB_DEFERRED_MAX + 1];
	struct pvf_gnttab t;
	uint32_t i;

	CU_ASSERT_EQUAL_FATAL(pvf_gnttab_init(&t, big, PVF_GNTTAB_DEFERRED_MAX + 16, 8, st), 0);
	for (i = 0; i <= PVF_GNTTAB_DEFERRED_MAX; i++) {
		CU_ASSERT_EQUAL_FATAL(pvf_gnttab_grant(&t, 0, i + 1, 0, &refs[i]), 0);
		big[refs[i]].flags |= GTF_reading;
	}
	for (i = 0; i < PVF_GNTTAB_DEFERRED_MAX; i++)
		CU_ASSERT_EQUAL(pvf_gnttab_end_or_defer(&t, refs[i]), 1);
	CU_ASSERT_EQUAL(pvf_gnttab_end_or_defer(&t, refs[i]), -PVF_ENOSPC);
	CU_ASSERT_EQUAL(big[refs[i]].flags, GTF_permit_access | GTF_reading);
	for (i = 0; i <= PVF_GNTTAB_DEFERRED_MAX; i++)
		big[refs[i]].flags &= (uint16_t)~GTF_reading;
	CU_ASSERT_EQUAL(pvf_gnttab_retry_deferred(&t), 0);
	CU_ASSERT_EQUAL(pvf_gnttab_end(&t, refs[PVF_GNTTAB_DEFERRED_MAX]), 0);
	CU_ASSERT_EQUAL(pvf_gnttab_in_use(&t), 0);
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_init_rejects_bad_args),
		PVF_TEST(test_grant_fills_entry),
		PVF_TEST(test_frame_too_large),
		PVF_TEST(test_enospc_and_reuse),
		PVF_TEST(test_fifo_reuse_order),
		PVF_TEST(test_end_unknown_ref),
		PVF_TEST(test_end_busy_reading),
		PVF_TEST(test_end_busy_writing),
		PVF_TEST(test_deferred_retry),
		PVF_TEST(test_deferred_list_full),
		PVF_TEST_END
	};
	return pvf_test_run("gnttab", tests, NULL, NULL);
}
