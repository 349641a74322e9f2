# SPDX-License-Identifier: BSD-2-Clause
# Tests of the unplug handshake (guest side), of the platform device
# emulator (device-model side) and of `pvfront unplug` and its matrix mode.
# They link harness/libpvfunplugemu.la (harness/unplug.mk).
PVF_UNPLUG_TEST_LDADD = harness/libpvfunplugemu.la $(PVF_TEST_LDADD) $(JSONC_LIBS)

check_PROGRAMS += tests/test_unplug tests/test_unplug_emu tests/test_unplug_matrix
TESTS += tests/test_unplug tests/test_unplug_emu tests/test_unplug_matrix

tests_test_unplug_SOURCES = tests/test_unplug.c tests/unplug_fixture.h
tests_test_unplug_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_unplug_LDADD = $(PVF_UNPLUG_TEST_LDADD)

tests_test_unplug_emu_SOURCES = tests/test_unplug_emu.c tests/unplug_fixture.h
tests_test_unplug_emu_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_unplug_emu_LDADD = $(PVF_UNPLUG_TEST_LDADD)

tests_test_unplug_matrix_SOURCES = tests/test_unplug_matrix.c
tests_test_unplug_matrix_CFLAGS = $(PVF_TEST_CFLAGS) -DPVF_UNPLUG_TMPDIR='"$(abs_top_builddir)/tests"'
tests_test_unplug_matrix_LDADD = $(PVF_UNPLUG_TEST_LDADD)

# End to end: the blacklist in the embedded xenstore server (pvf_xsd_*),
# read through the real libxenstore.
check_PROGRAMS += tests/test_unplug_e2e
TESTS += tests/test_unplug_e2e
tests_test_unplug_e2e_SOURCES = tests/test_unplug_e2e.c
tests_test_unplug_e2e_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_unplug_e2e_LDADD = $(PVF_UNPLUG_TEST_LDADD)
