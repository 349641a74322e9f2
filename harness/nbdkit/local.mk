# SPDX-License-Identifier: BSD-2-Clause
# Fragment for harness/nbdkit/ (included from harness/local.mk): the nbdkit
# plugin pvfront-nbdkit.so and its tests.  Needs configure's NBDKIT_CFLAGS
# (pkg-config nbdkit; Debian nbdkit-plugin-dev).
#
# The plugin is dlopen()ed by an nbdkit that is not built with the
# sanitizers, so it is compiled from the sources directly, without
# $(SAN_CFLAGS)/$(SAN_LDFLAGS) (an ASan-instrumented .so cannot be loaded
# into an uninstrumented program).
pkglib_LTLIBRARIES = %reldir%/pvfront-nbdkit.la
%canon_reldir%_pvfront_nbdkit_la_SOURCES = \
	%reldir%/pvfront_nbdkit.c \
	%reldir%/nbd_dev.h \
	%reldir%/nbd_dev.c \
	harness/env.h \
	harness/env.c \
	$(pvf_blkback_lib_sources) \
	$(pvf_core_sources) \
	$(pvf_user_sources)
%canon_reldir%_pvfront_nbdkit_la_CPPFLAGS = $(AM_CPPFLAGS) $(XENSTORE_CFLAGS) $(NBDKIT_CFLAGS)
%canon_reldir%_pvfront_nbdkit_la_CFLAGS = -std=c11 $(WARN_CFLAGS)
%canon_reldir%_pvfront_nbdkit_la_LIBADD = $(XENSTORE_LIBS) -lpthread
%canon_reldir%_pvfront_nbdkit_la_LDFLAGS = -module -avoid-version -shared \
	-export-symbols-regex '^plugin_init$$'

# Tests: fio (nbd engine, crc32c verify) + qemu-img compare through the
# plugin, and its error paths.  They skip (77) only when nbdkit, fio or
# qemu-img are missing.
dist_check_SCRIPTS += tests/test_nbd.sh tests/test_nbd_errors.sh
TESTS += tests/test_nbd.sh tests/test_nbd_errors.sh

# The device behind the plugin, without nbdkit (built with the sanitizers).
check_PROGRAMS += tests/test_nbd_dev
TESTS += tests/test_nbd_dev
tests_test_nbd_dev_SOURCES = tests/test_nbd_dev.c %reldir%/nbd_dev.c %reldir%/nbd_dev.h \
	harness/env.c harness/env.h
tests_test_nbd_dev_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_nbd_dev_LDADD = $(PVF_BLKBACK_TEST_LDADD)
