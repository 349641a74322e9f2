# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am for tests/: shared CUnit scaffolding
# and the tests of the seam and of the freestanding build.  Each module's own
# fragment adds its test programs (one per module) to check_PROGRAMS/TESTS.

check_LTLIBRARIES = tests/libpvftest.la
tests_libpvftest_la_SOURCES = tests/cu.c tests/cu.h
tests_libpvftest_la_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_libpvftest_la_LIBADD = $(CUNIT_LIBS)

# Test programs link the check library (every symbol visible) + scaffolding.
PVF_TEST_LDADD = libpvfront-check.la tests/libpvftest.la $(CUNIT_LIBS) $(XENSTORE_LIBS) -lpthread
PVF_TEST_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS) $(XENSTORE_CFLAGS)

check_PROGRAMS += tests/test_platform tests/test_freestanding
TESTS += tests/test_platform tests/test_freestanding

tests_test_platform_SOURCES = tests/test_platform.c
tests_test_platform_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_platform_LDADD = $(PVF_TEST_LDADD)

tests_test_freestanding_SOURCES = tests/test_freestanding.c
tests_test_freestanding_CFLAGS = $(PVF_TEST_CFLAGS) -DPVF_NM='"$(NM_PROG)"' -DPVF_CC='"$(CC)"' \
	-DPVF_SRCDIR='"$(abs_top_srcdir)"' -DPVF_GUEST_LIB='"$(abs_top_builddir)/libpvfront-guest.a"'
if HAVE_M32
tests_test_freestanding_CFLAGS += -DPVF_GUEST32_LIB='"$(abs_top_builddir)/libpvfront-guest32.a"'
endif
tests_test_freestanding_LDADD = $(PVF_TEST_LDADD)
EXTRA_tests_test_freestanding_DEPENDENCIES = libpvfront-guest.a
if HAVE_M32
EXTRA_tests_test_freestanding_DEPENDENCIES += libpvfront-guest32.a
endif

# Per-module test fragments, each owned with its module.
include tests/common.mk
include tests/hv.mk
include tests/xsd.mk
include tests/unplug.mk
include tests/blk.mk
include tests/net.mk
include tests/net_trusted.mk
include tests/xen.mk
include tests/fuzz.mk
include tests/start_info.mk
include tests/netback_steer.mk
include tests/negotiation_doc.mk
include tests/guest_fragment.mk

# The `pvfront` command as a user runs it.
check_PROGRAMS += tests/test_harness
TESTS += tests/test_harness
tests_test_harness_SOURCES = tests/test_harness.c
tests_test_harness_CFLAGS = $(PVF_TEST_CFLAGS) -DPVF_PVFRONT='"$(abs_top_builddir)/pvfront"'
tests_test_harness_LDADD = $(PVF_TEST_LDADD)
EXTRA_tests_test_harness_DEPENDENCIES = pvfront$(EXEEXT)
