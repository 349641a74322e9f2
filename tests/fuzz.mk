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
	tests/blk_testback.c tests/blk_testback_fx.c tests/blk_testback.h \
	tests/net_testback.c tests/net_testback.h
PVF_FUZZ_LDADD = tests/libpvffake.la harness/libpvfunplugemu.la $(PVF_TEST_LDADD) $(JSONC_LIBS)

check_PROGRAMS += tests/test_fuzz
TESTS += tests/test_fuzz
tests_test_fuzz_SOURCES = tests/fuzz/fuzz_main.c $(PVF_FUZZ_TARGET_SOURCES)
tests_test_fuzz_CFLAGS = $(PVF_TEST_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/harness
tests_test_fuzz_LDADD = $(PVF_FUZZ_LDADD)
