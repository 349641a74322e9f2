/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared teardown check of tests that run a whole harness environment
 * (harness/env.h: xenstore server, simulated hypervisor, guest).
 */
#ifndef PVF_TESTS_ENV_FX_H
#define PVF_TESTS_ENV_FX_H

#include <pvfront/loopback.h>
#include "cu.h"
#include "env.h"

/* Assert that nothing is left in @env (grants in use or mapped, guest
 * pages, either side's event channels, the guest's xenstore watches), then
 * stop it. */
static inline void pvf_env_stop_clean(struct pvf_env *env)
{
	struct pvf_lb_stats ls;

	CU_ASSERT_EQUAL(pvf_lb_hv_stats(env->hv, &ls), 0);
	CU_ASSERT_EQUAL(ls.grants_in_use, 0);
	CU_ASSERT_EQUAL(ls.grants_mapped, 0);
	CU_ASSERT_EQUAL(ls.pages_allocated, 0);
	CU_ASSERT_EQUAL(ls.guest_ports, 0);
	CU_ASSERT_EQUAL(ls.backend_ports, 0);
	CU_ASSERT_EQUAL(pvf_lb_guest_xs_watches(env->guest), 0);
	pvf_env_stop(env);
}

#endif
