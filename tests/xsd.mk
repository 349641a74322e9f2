# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am: tests of the embedded xenstore
# server, through libxenstore and over raw sockets.  harness/cmd_xenstore.c
# is compiled in to test its argument handling.

check_PROGRAMS += tests/test_xsd
TESTS += tests/test_xsd

tests_test_xsd_SOURCES = tests/test_xsd.c harness/cmd_xenstore.c
tests_test_xsd_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_xsd_LDADD = $(PVF_TEST_LDADD)

# harness/toolstack.c (the dom0 xenstore helpers of the harness backends)
# against the embedded xenstore.
check_PROGRAMS += tests/test_toolstack
TESTS += tests/test_toolstack
tests_test_toolstack_SOURCES = tests/test_toolstack.c harness/toolstack.c harness/toolstack.h \
	harness/env.c harness/env.h
tests_test_toolstack_CFLAGS = $(PVF_TEST_CFLAGS) -I$(top_srcdir)/harness
tests_test_toolstack_LDADD = $(PVF_TEST_LDADD)
