# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am: tests of the grant table manager,
# the event channel demultiplexer and the loopback hypervisor.

check_PROGRAMS += tests/test_gnttab tests/test_evtchn
TESTS += tests/test_gnttab tests/test_evtchn

tests_test_gnttab_SOURCES = tests/test_gnttab.c
tests_test_gnttab_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_gnttab_LDADD = $(PVF_TEST_LDADD)

tests_test_evtchn_SOURCES = tests/test_evtchn.c
tests_test_evtchn_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_evtchn_LDADD = $(PVF_TEST_LDADD)

check_PROGRAMS += tests/test_loopback
TESTS += tests/test_loopback
tests_test_loopback_SOURCES = tests/test_loopback.c
tests_test_loopback_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_loopback_LDADD = $(PVF_TEST_LDADD)

# The xenstore ops against the embedded xenstore server.
check_PROGRAMS += tests/test_loopback_xs
TESTS += tests/test_loopback_xs
tests_test_loopback_xs_SOURCES = tests/test_loopback_xs.c
tests_test_loopback_xs_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_loopback_xs_LDADD = $(PVF_TEST_LDADD)
