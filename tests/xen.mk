# SPDX-License-Identifier: BSD-2-Clause
# Makefile fragment (see the top-level Makefile.am): the real-Xen tests.
#
# test_xen_xsdiff: the xenstore differential script against the embedded
# server, compared with the transcript recorded from Debian's xenstored 4.17.
# tests/xen/check: boots Xen + dom0 under qemu (tests/xen/run) when
# PVF_XEN_VM=1, otherwise skips (exit 77) saying so.

check_PROGRAMS += tests/test_xen_xsdiff
TESTS += tests/test_xen_xsdiff
tests_test_xen_xsdiff_SOURCES = tests/test_xen_xsdiff.c tests/xen/xsdiff.c tests/xen/xsdiff.h
tests_test_xen_xsdiff_CFLAGS = $(PVF_TEST_CFLAGS) -I$(top_srcdir)/tests \
	-DPVF_XSDIFF_EXPECTED='"$(abs_top_srcdir)/tests/xen/xsdiff.expected"'
tests_test_xen_xsdiff_LDADD = $(PVF_TEST_LDADD)

# The real-Xen platform; skips (77) outside a Xen domain.
check_PROGRAMS += tests/test_xen_plat
TESTS += tests/test_xen_plat
tests_test_xen_plat_SOURCES = tests/test_xen_plat.c harness/wl_xen.c
tests_test_xen_plat_CFLAGS = $(PVF_TEST_CFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/harness
tests_test_xen_plat_LDADD = libpvfront-xen.la $(PVF_BLKBACK_TEST_LDADD) $(XENPLAT_LIBS)

# The block core against the kernel's xen-blkback (platform/xen host),
# driven by the workload of `pvfront blk` (harness/blkback_work.c in
# libpvfblkback, with the xen host adapter harness/wl_xen.c);
# skips (77) outside Xen or without PVF_XEN_LOOPDEV.
check_PROGRAMS += tests/test_xen_blk
TESTS += tests/test_xen_blk
tests_test_xen_blk_SOURCES = tests/test_xen_blk.c harness/wl_xen.c
tests_test_xen_blk_CFLAGS = $(PVF_TEST_CFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/harness
tests_test_xen_blk_LDADD = libpvfront-xen.la $(PVF_BLKBACK_TEST_LDADD) $(XENPLAT_LIBS)

EXTRA_DIST += tests/xen/run tests/xen/init tests/xen/xsdiff.expected

dist_check_SCRIPTS += tests/xen/check
TESTS += tests/xen/check

# The network core against the kernel's xen-netback; skips (77) outside Xen.
check_PROGRAMS += tests/test_xen_net
TESTS += tests/test_xen_net
tests_test_xen_net_SOURCES = tests/test_xen_net.c
tests_test_xen_net_CFLAGS = $(PVF_TEST_CFLAGS) -I$(top_srcdir)/tests
tests_test_xen_net_LDADD = libpvfront-xen.la $(PVF_TEST_LDADD) $(XENPLAT_LIBS)

