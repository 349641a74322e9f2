# SPDX-License-Identifier: BSD-2-Clause
# Fragment for harness/ (included from harness/local.mk): the userspace
# blkback (thread or separate process), the block client that drives the
# pvf_blk core against it, and `pvfront blk`.
#
# The pvfront program adds $(pvf_blkback_sources) to its sources (its
# CFLAGS/LDADD already carry libxenstore); the command is pvf_cmd_blk()
# (harness/blkback.h).
pvf_blkback_lib_sources = \
	%reldir%/blkback.h \
	%reldir%/blkback_int.h \
	%reldir%/blkback.c \
	%reldir%/blkback_main.c \
	%reldir%/blkback_ring.c \
	%reldir%/blkback_client.c \
	%reldir%/blkback_work.c \
	%reldir%/toolstack.h \
	%reldir%/toolstack.c
pvf_blkback_sources = $(pvf_blkback_lib_sources) %reldir%/cmd_blk.c

# The same sources (without the command's entry point) for the tests.
noinst_LTLIBRARIES += %reldir%/libpvfblkback.la
%canon_reldir%_libpvfblkback_la_SOURCES = $(pvf_blkback_lib_sources)
%canon_reldir%_libpvfblkback_la_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS)
%canon_reldir%_libpvfblkback_la_LIBADD = $(XENSTORE_LIBS) -lpthread

PVF_BLKBACK_TEST_LDADD = %reldir%/libpvfblkback.la $(PVF_TEST_LDADD)

check_PROGRAMS += tests/test_blkback tests/test_blkback_proc
TESTS += tests/test_blkback tests/test_blkback_proc

tests_test_blkback_SOURCES = tests/test_blkback.c tests/test_blkback_fix.h
tests_test_blkback_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_blkback_LDADD = $(PVF_BLKBACK_TEST_LDADD)

tests_test_blkback_proc_SOURCES = tests/test_blkback_proc.c tests/test_blkback_fix.h
tests_test_blkback_proc_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_blkback_proc_LDADD = $(PVF_BLKBACK_TEST_LDADD)

# Recovery end to end: backend process killed mid-workload, restarted with
# smaller limits (tests/test_blk_recovery.c).
check_PROGRAMS += tests/test_blk_recovery
TESTS += tests/test_blk_recovery
tests_test_blk_recovery_SOURCES = tests/test_blk_recovery.c tests/test_blkback_fix.h
tests_test_blk_recovery_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_blk_recovery_LDADD = $(PVF_BLKBACK_TEST_LDADD)
