# SPDX-License-Identifier: BSD-2-Clause
# The network frontend core against an untrusted backend (bounce pages,
# zeroing, private RX copies, quarantine), over the in-process test
# backend (tests/net_testback.c) and the fake platform.
check_PROGRAMS += tests/test_net_trusted
TESTS += tests/test_net_trusted

tests_test_net_trusted_SOURCES = tests/test_net_trusted.c tests/net_testback.c \
	tests/net_testback.h
tests_test_net_trusted_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_net_trusted_LDADD = tests/libpvffake.la $(PVF_TEST_LDADD)
