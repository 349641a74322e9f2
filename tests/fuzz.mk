# SPDX-License-Identifier: BSD-2-Clause
# Fuzzing of the code that takes peer-controlled input (docs/fuzzing.md).
#
# tests/test_fuzz (a check program, always built): a deterministic,
# seeded mutation loop over every target in tests/fuzz/, one CUnit test per
# target.  With configure --enable-libfuzzer (clang only) one libFuzzer
# binary per target is also built: tests/fuzz/fuzz_<target> (not run by
# make check; for developers).
PVF_FUZZ_TARGET_SOURCES = \
	tests/fuzz/fuzz.h \
	tests/fuzz/fuzz_common.c \
	tests/fuzz/fuzz_xs.c \
	tests/fuzz/fuzz_blk.c \
	tests/fuzz/fuzz_net.c \
	tests/fuzz/fuzz_unplug_matrix.c \
	tests/fuzz/fuzz_xsd.c \
	tests/fuzz/fuzz_blkback.c \
	tests/fuzz/fuzz_netback.c \
	harness/env.c harness/env.h \
	harness/netback_rawfront.c harness/netback_rawfront.h \
	tests/blk_testback.c tests/blk_testback_fx.c tests/blk_testback.h \
	tests/net_testback.c tests/net_testback.h
PVF_FUZZ_LDADD = tests/libpvffake.la harness/libpvfunplugemu.la harness/libpvfblkback.la \
	harness/libpvfnetback.la $(PVF_TEST_LDADD) $(JSONC_LIBS)

check_PROGRAMS += tests/test_fuzz
TESTS += tests/test_fuzz
tests_test_fuzz_SOURCES = tests/fuzz/fuzz_main.c $(PVF_FUZZ_TARGET_SOURCES)
tests_test_fuzz_CFLAGS = $(PVF_TEST_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/harness
tests_test_fuzz_LDADD = $(PVF_FUZZ_LDADD)

# libFuzzer binaries (configure --enable-libfuzzer): the same targets with
# libFuzzer's main, cores instrumented for coverage.  Seeds for them:
# PVF_FUZZ_DUMP_CORPUS=DIR tests/test_fuzz writes DIR/<target>/seed-N.

if ENABLE_LIBFUZZER
# The cores and the userspace platform, instrumented for coverage.
noinst_LTLIBRARIES += tests/fuzz/libpvffuzzcore.la
tests_fuzz_libpvffuzzcore_la_SOURCES = $(pvf_core_sources) $(pvf_user_sources)
tests_fuzz_libpvffuzzcore_la_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer-no-link
tests_fuzz_libpvffuzzcore_la_CPPFLAGS = $(AM_CPPFLAGS) $(XENSTORE_CFLAGS)

PVF_FUZZER_CC_FLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS) $(XENSTORE_CFLAGS) $(JSONC_CFLAGS) \
	-I$(top_srcdir)/harness -fsanitize=fuzzer-no-link
PVF_FUZZER_LINK_FLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
PVF_FUZZER_LIBS = tests/libpvffake.la tests/fuzz/libpvffuzzcore.la $(XENSTORE_LIBS) \
	$(JSONC_LIBS) -lpthread
PVF_FUZZER_COMMON = tests/fuzz/libfuzzer.c tests/fuzz/fuzz_common.c tests/fuzz/fuzz.h

noinst_PROGRAMS += tests/fuzz/fuzz_xs tests/fuzz/fuzz_blk tests/fuzz/fuzz_net \
	tests/fuzz/fuzz_unplug_matrix tests/fuzz/fuzz_xsd tests/fuzz/fuzz_blkback \
	tests/fuzz/fuzz_netback

tests_fuzz_fuzz_xs_SOURCES = $(PVF_FUZZER_COMMON) tests/fuzz/fuzz_xs.c
tests_fuzz_fuzz_xs_CFLAGS = $(PVF_FUZZER_CC_FLAGS) -DPVF_FUZZ_ENTRY=pvf_fuzz_xs
tests_fuzz_fuzz_xs_LDFLAGS = $(PVF_FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_xs_LDADD = $(PVF_FUZZER_LIBS)

tests_fuzz_fuzz_blk_SOURCES = $(PVF_FUZZER_COMMON) tests/fuzz/fuzz_blk.c \
	tests/blk_testback.c tests/blk_testback_fx.c tests/blk_testback.h
tests_fuzz_fuzz_blk_CFLAGS = $(PVF_FUZZER_CC_FLAGS) -DPVF_FUZZ_ENTRY=pvf_fuzz_blk
tests_fuzz_fuzz_blk_LDFLAGS = $(PVF_FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_blk_LDADD = $(PVF_FUZZER_LIBS)

tests_fuzz_fuzz_net_SOURCES = $(PVF_FUZZER_COMMON) tests/fuzz/fuzz_net.c \
	tests/net_testback.c tests/net_testback.h
tests_fuzz_fuzz_net_CFLAGS = $(PVF_FUZZER_CC_FLAGS) -DPVF_FUZZ_ENTRY=pvf_fuzz_net
tests_fuzz_fuzz_net_LDFLAGS = $(PVF_FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_net_LDADD = $(PVF_FUZZER_LIBS)

tests_fuzz_fuzz_unplug_matrix_SOURCES = $(PVF_FUZZER_COMMON) tests/fuzz/fuzz_unplug_matrix.c \
	$(pvf_unplug_harness_sources)
tests_fuzz_fuzz_unplug_matrix_CFLAGS = $(PVF_FUZZER_CC_FLAGS) \
	-DPVF_FUZZ_ENTRY=pvf_fuzz_unplug_matrix
tests_fuzz_fuzz_unplug_matrix_LDFLAGS = $(PVF_FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_unplug_matrix_LDADD = $(PVF_FUZZER_LIBS)

tests_fuzz_fuzz_xsd_SOURCES = $(PVF_FUZZER_COMMON) tests/fuzz/fuzz_xsd.c
tests_fuzz_fuzz_xsd_CFLAGS = $(PVF_FUZZER_CC_FLAGS) -DPVF_FUZZ_ENTRY=pvf_fuzz_xsd
tests_fuzz_fuzz_xsd_LDFLAGS = $(PVF_FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_xsd_LDADD = $(PVF_FUZZER_LIBS)
# The backends are compiled in (instrumented) with the harness environment
# and, for netback, the raw test frontend.
tests_fuzz_fuzz_blkback_SOURCES = $(PVF_FUZZER_COMMON) tests/fuzz/fuzz_blkback.c \
	$(pvf_blkback_lib_sources) harness/env.c harness/env.h
tests_fuzz_fuzz_blkback_CFLAGS = $(PVF_FUZZER_CC_FLAGS) -DPVF_FUZZ_ENTRY=pvf_fuzz_blkback
tests_fuzz_fuzz_blkback_LDFLAGS = $(PVF_FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_blkback_LDADD = $(PVF_FUZZER_LIBS)

tests_fuzz_fuzz_netback_SOURCES = $(PVF_FUZZER_COMMON) tests/fuzz/fuzz_netback.c \
	harness/netback.h harness/netback_internal.h harness/netback.c \
	harness/netback_xs.c harness/netback_tx.c harness/netback_rx.c \
	harness/netback_pkt.c harness/netback_ctrl.c harness/tap.h harness/tap.c \
	harness/toolstack.h harness/toolstack.c \
	harness/env.c harness/env.h \
	harness/netback_rawfront.c harness/netback_rawfront.h
tests_fuzz_fuzz_netback_CFLAGS = $(PVF_FUZZER_CC_FLAGS) -DPVF_FUZZ_ENTRY=pvf_fuzz_netback
tests_fuzz_fuzz_netback_LDFLAGS = $(PVF_FUZZER_LINK_FLAGS)
tests_fuzz_fuzz_netback_LDADD = $(PVF_FUZZER_LIBS)
endif
