# SPDX-License-Identifier: BSD-2-Clause
# Netback's steering (Toeplitz hash, mapping table, HASH extra) and
# multicast filter, with the real netfront core over the loopback harness.
check_PROGRAMS += tests/test_netback_steer
TESTS += tests/test_netback_steer

tests_test_netback_steer_SOURCES = tests/test_netback_steer.c tests/env_fx.h harness/env.c
tests_test_netback_steer_CFLAGS = $(PVF_TEST_CFLAGS) -I$(top_srcdir)/harness
tests_test_netback_steer_LDADD = harness/libpvfnetback.la $(PVF_TEST_LDADD) $(JSONC_LIBS)
