/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <stdlib.h>
#include "cu.h"

int pvf_test_run(const char *suite, const struct pvf_test *tests,
		 int (*init)(void), int (*cleanup)(void))
{
	CU_pSuite s;
	unsigned int failed;
	int rc;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "CUnit: cannot initialise registry\n");
		return 1;
	}
	s = CU_add_suite(suite, init, cleanup);
	if (!s) {
		fprintf(stderr, "CUnit: cannot add suite %s\n", suite);
		CU_cleanup_registry();
		return 1;
	}
	for (; tests->name; tests++) {
		if (!CU_add_test(s, tests->name, tests->fn)) {
			fprintf(stderr, "CUnit: cannot add test %s\n", tests->name);
			CU_cleanup_registry();
			return 1;
		}
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_suites_failed() +
		 CU_get_number_of_tests_failed();
	rc = (CU_get_error() != CUE_SUCCESS || failed) ? 1 : 0;
	if (CU_get_number_of_tests_run() == 0)
		rc = 1; /* a suite that ran nothing is a failure, not a pass */
	CU_cleanup_registry();
	printf("\n");
	return rc;
}

void pvf_test_skip_all(const char *why)
{
	printf("SKIP: %s\n", why);
	fflush(stdout);
	exit(77);
}
