/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared CUnit scaffolding for pvfront's test programs: one program per
 * module, each a table of tests run through CUnit's basic interface, which
 * prints CUnit's own run summary.  Exit status: 0 all passed, 1 a failure,
 * 77 the whole program was skipped (automake's convention).
 */
#ifndef PVF_TESTS_CU_H
#define PVF_TESTS_CU_H

#include <CUnit/CUnit.h>
#include <CUnit/Basic.h>

struct pvf_test {
	const char *name;
	void (*fn)(void);
};

#define PVF_TEST(fn) { #fn, fn }
#define PVF_TEST_END { NULL, NULL }

/* Run one suite; @init/@cleanup may be NULL.  Returns the process exit code. */
int pvf_test_run(const char *suite, const struct pvf_test *tests,
		 int (*init)(void), int (*cleanup)(void));

/* Print "SKIP: <why>" and exit 77: for a program whose environment is
 * missing (no TAP, no namespaces).  Never use it to hide a failure. */
void pvf_test_skip_all(const char *why) __attribute__((noreturn));

#endif
