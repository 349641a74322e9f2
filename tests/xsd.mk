# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am: tests of the embedded xenstore
# server, through libxenstore and over raw sockets.  harness/cmd_xenstore.c
# is compiled in to test its argument handling.

check_PROGRAMS += tests/test_xsd
TESTS += tests/test_xsd

tests_test_xsd_SOURCES = tests/test_xsd.c harness/cmd_xenstore.c
tests_test_xsd_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_xsd_LDADD = $(PVF_TEST_LDADD)
