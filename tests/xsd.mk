# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am: tests of the embedded xenstore
# server, through libxenstore (test_xsd) and over raw sockets (test_xsd_raw).
# harness/cmd_xenstore.c is compiled in to test its argument handling.

check_PROGRAMS += tests/test_xsd tests/test_xsd_raw
TESTS += tests/test_xsd tests/test_xsd_raw

tests_test_xsd_SOURCES = tests/test_xsd.c tests/xsd_fix.h harness/cmd_xenstore.c
tests_test_xsd_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_xsd_LDADD = $(PVF_TEST_LDADD)

tests_test_xsd_raw_SOURCES = tests/test_xsd_raw.c tests/xsd_fix.h
tests_test_xsd_raw_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_xsd_raw_LDADD = $(PVF_TEST_LDADD)

# harness/toolstack.c (the dom0 xenstore helpers of the harness backends)
# against the embedded xenstore.
check_PROGRAMS += tests/test_toolstack
TESTS += tests/test_toolstack
tests_test_toolstack_SOURCES = tests/test_toolstack.c harness/toolstack.c harness/toolstack.h \
	harness/env.c harness/env.h
tests_test_toolstack_CFLAGS = $(PVF_TEST_CFLAGS) -I$(top_srcdir)/harness
tests_test_toolstack_LDADD = $(PVF_TEST_LDADD)
