# SPDX-License-Identifier: BSD-2-Clause
# Makefile fragment (see the top-level Makefile.am): tests of the common
# cores (xenstore helpers, ring helpers, XenBus state machine, handover) and
# the fake platform, a check library other modules' tests link too:
#   tests_test_foo_LDADD = tests/libpvffake.la $(PVF_TEST_LDADD)

check_LTLIBRARIES += tests/libpvffake.la
tests_libpvffake_la_SOURCES = tests/fake_platform.c tests/fake_xs.c tests/fake_drv.c \
	tests/fake_platform.h tests/fake_internal.h
tests_libpvffake_la_CFLAGS = $(AM_CFLAGS)

PVF_FAKE_LDADD = tests/libpvffake.la $(PVF_TEST_LDADD)

check_PROGRAMS += tests/test_xs tests/test_ring tests/test_xenbus tests/test_xenbus_backend tests/test_handover
TESTS += tests/test_xs tests/test_ring tests/test_xenbus tests/test_xenbus_backend tests/test_handover

tests_test_xs_SOURCES = tests/test_xs.c
tests_test_xs_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_xs_LDADD = $(PVF_FAKE_LDADD)

tests_test_ring_SOURCES = tests/test_ring.c
tests_test_ring_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_ring_LDADD = $(PVF_FAKE_LDADD)

tests_test_xenbus_SOURCES = tests/test_xenbus.c tests/xenbus_fx.h
tests_test_xenbus_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_xenbus_LDADD = $(PVF_FAKE_LDADD)
tests_test_xenbus_backend_SOURCES = tests/test_xenbus_backend.c tests/xenbus_fx.h
tests_test_xenbus_backend_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_xenbus_backend_LDADD = $(PVF_FAKE_LDADD)

tests_test_handover_SOURCES = tests/test_handover.c
tests_test_handover_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_handover_LDADD = $(PVF_FAKE_LDADD)
