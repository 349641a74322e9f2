# SPDX-License-Identifier: BSD-2-Clause
# Tests of the network frontend core (frontends/net/), against an in-process
# test backend (tests/net_testback.c) that plays netback over the fake
# platform (tests/libpvffake.la).
PVF_NET_TEST_SOURCES = tests/net_testback.c tests/net_testback.h

check_PROGRAMS += tests/test_net tests/test_net_lifecycle tests/test_net_hostile
TESTS += tests/test_net tests/test_net_lifecycle tests/test_net_hostile

tests_test_net_SOURCES = tests/test_net.c $(PVF_NET_TEST_SOURCES)
tests_test_net_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_net_LDADD = tests/libpvffake.la $(PVF_TEST_LDADD)

tests_test_net_lifecycle_SOURCES = tests/test_net_lifecycle.c $(PVF_NET_TEST_SOURCES)
tests_test_net_lifecycle_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_net_lifecycle_LDADD = tests/libpvffake.la $(PVF_TEST_LDADD)

tests_test_net_hostile_SOURCES = tests/test_net_hostile.c $(PVF_NET_TEST_SOURCES)
tests_test_net_hostile_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_net_hostile_LDADD = tests/libpvffake.la $(PVF_TEST_LDADD)
