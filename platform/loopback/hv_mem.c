/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loopback hypervisor: the guest's page allocator.  A bitmap in the shared
 * region (one bit per guest frame, frame 0 permanently taken) under the
 * shared lock; first fit from a rotating hint; pages are zeroed before they
 * are handed out.  Multi-page allocations use contiguous frames.
 */
#include <string.h>
#include "hv.h"

#define LB_PAGE 4096u

static int pm_test(const uint64_t *pm, uint32_t i)
{
	return (int)((pm[i / 64] >> (i % 64)) & 1);
}

static void pm_set(uint64_t *pm, uint32_t i, int v)
{
	if (v)
		pm[i / 64] |= 1ull << (i % 64);
	else
		pm[i / 64] &= ~(1ull << (i % 64));
}

/* First run of @n free frames at or after @from (and before @end). */
static uint32_t pm_find(const uint64_t *pm, uint32_t from, uint32_t end, uint32_t n)
{
	uint32_t i = from, run = 0;

	while (i < end) {
		if (pm_test(pm, i)) {
			run = 0;
		} else if (++run == n) {
			return i + 1 - n;
		}
		i++;
	}
	return UINT32_MAX;
}

int lb_page_alloc(struct pvf_lb_hv *hv, unsigned int npages, void **va, uint64_t *frames)
{
	uint32_t nr = hv->cfg.guest_pages, hint, first, i;
	int rc;

	if (npages == 0 || !va || !frames)
		return -PVF_EINVAL;
	if (npages >= nr)
		return -PVF_ENOMEM;
	rc = lb_lock(hv);
	if (rc < 0)
		return rc;
	hint = hv->sh->page_hint;
	if (hint == 0 || hint >= nr)
		hint = 1;
	first = pm_find(hv->pagemap, hint, nr, npages);
	if (first == UINT32_MAX)
		first = pm_find(hv->pagemap, 1, (hint + npages < nr ? hint + npages : nr), npages);
	if (first == UINT32_MAX) {
		lb_unlock(hv);
		return -PVF_ENOMEM;
	}
	for (i = 0; i < npages; i++)
		pm_set(hv->pagemap, first + i, 1);
	hv->sh->pages_allocated += npages;
	hv->sh->page_hint = first + npages;
	lb_unlock(hv);

	memset(hv->mem + (size_t)first * LB_PAGE, 0, (size_t)npages * LB_PAGE);
	for (i = 0; i < npages; i++)
		frames[i] = first + i;
	*va = hv->mem + (size_t)first * LB_PAGE;
	return 0;
}

int lb_page_free(struct pvf_lb_hv *hv, void *va, unsigned int npages)
{
	uintptr_t a = (uintptr_t)va, base = (uintptr_t)hv->mem;
	uint32_t first, i;
	int rc;

	if (npages == 0 || a < base || (a - base) % LB_PAGE)
		return -PVF_EINVAL;
	if ((a - base) / LB_PAGE >= hv->cfg.guest_pages)
		return -PVF_EINVAL;
	first = (uint32_t)((a - base) / LB_PAGE);
	if (first == 0 || npages > hv->cfg.guest_pages - first)
		return -PVF_EINVAL;
	rc = lb_lock(hv);
	if (rc < 0)
		return rc;
	for (i = 0; i < npages; i++) {
		if (!pm_test(hv->pagemap, first + i)) {
			lb_unlock(hv);
			return -PVF_EINVAL; /* not allocated: nothing changed */
		}
	}
	for (i = 0; i < npages; i++)
		pm_set(hv->pagemap, first + i, 0);
	hv->sh->pages_allocated -= npages;
	lb_unlock(hv);
	return 0;
}

uint32_t lb_pages_allocated(struct pvf_lb_hv *hv)
{
	return __atomic_load_n(&hv->sh->pages_allocated, __ATOMIC_ACQUIRE);
}
