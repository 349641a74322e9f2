# SPDX-License-Identifier: BSD-2-Clause
# Makefile fragment (see harness/local.mk): the userspace netback, the TAP
# helpers, the host of the real netfront core, pvf_net_job and `pvfront
# net`, and their tests.

pvf_netback_sources = \
	%reldir%/netback.h \
	%reldir%/netback_internal.h \
	%reldir%/netback.c \
	%reldir%/netback_xs.c \
	%reldir%/netback_tx.c \
	%reldir%/netback_rx.c \
	%reldir%/netback_pkt.c \
	%reldir%/netback_ctrl.c \
	%reldir%/netback_job.c \
	%reldir%/netfront_host.h \
	%reldir%/netfront_host.c \
	%reldir%/tap.h \
	%reldir%/tap.c \
	%reldir%/netxen.h %reldir%/netxen.c \
	%reldir%/cmd_net.c

noinst_LTLIBRARIES += %reldir%/libpvfnetback.la
%canon_reldir%_libpvfnetback_la_SOURCES = $(pvf_netback_sources) \
	%reldir%/toolstack.h %reldir%/toolstack.c
%canon_reldir%_libpvfnetback_la_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) $(JSONC_CFLAGS)
%canon_reldir%_libpvfnetback_la_LIBADD = $(XENSTORE_LIBS) $(JSONC_LIBS)

check_PROGRAMS += tests/test_netback
TESTS += tests/test_netback
tests_test_netback_SOURCES = tests/test_netback.c harness/env.c \
	harness/netback_rawfront.h harness/netback_rawfront.c
tests_test_netback_CFLAGS = $(PVF_TEST_CFLAGS) -I$(top_srcdir)/harness
tests_test_netback_LDADD = %reldir%/libpvfnetback.la $(PVF_TEST_LDADD) $(JSONC_LIBS)

# `pvfront net` on its own, for the integration script.
check_PROGRAMS += tests/test_netback_cmd
tests_test_netback_cmd_SOURCES = tests/test_netback_cmd.c harness/env.c
tests_test_netback_cmd_CFLAGS = $(PVF_TEST_CFLAGS) -I$(top_srcdir)/harness
tests_test_netback_cmd_LDADD = %reldir%/libpvfnetback.la $(PVF_TEST_LDADD) $(JSONC_LIBS)

# ping, iperf3 and a TCP file copy between two namespaces through the rings.
dist_check_SCRIPTS += tests/net_integration.sh tests/net_integration_untrusted.sh
TESTS += tests/net_integration.sh tests/net_integration_untrusted.sh
EXTRA_DIST += tests/net_integration.sh

# The real netfront core (hosted by netfront_host.c) against netback, and
# pvf_net_job.
check_PROGRAMS += tests/test_netback_core
TESTS += tests/test_netback_core
tests_test_netback_core_SOURCES = tests/test_netback_core.c tests/env_fx.h harness/env.c
tests_test_netback_core_CFLAGS = $(PVF_TEST_CFLAGS) -I$(top_srcdir)/harness
tests_test_netback_core_LDADD = %reldir%/libpvfnetback.la $(PVF_TEST_LDADD) $(JSONC_LIBS)
