# SPDX-License-Identifier: BSD-2-Clause
# Tests of the block frontend core (frontends/blk/), against an in-process
# test backend (tests/blk_testback.c) that plays blkback over a fake platform.
PVF_BLK_TEST_SOURCES = tests/blk_testback.c tests/blk_testback_fx.c tests/blk_testback.h

check_PROGRAMS += tests/test_blk tests/test_blk_hostile tests/test_blk_xenbus tests/test_blk_more
TESTS += tests/test_blk tests/test_blk_hostile tests/test_blk_xenbus tests/test_blk_more

tests_test_blk_SOURCES = tests/test_blk.c $(PVF_BLK_TEST_SOURCES)
tests_test_blk_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_blk_LDADD = $(PVF_TEST_LDADD)

tests_test_blk_hostile_SOURCES = tests/test_blk_hostile.c $(PVF_BLK_TEST_SOURCES)
tests_test_blk_hostile_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_blk_hostile_LDADD = $(PVF_TEST_LDADD)

tests_test_blk_xenbus_SOURCES = tests/test_blk_xenbus.c $(PVF_BLK_TEST_SOURCES)
tests_test_blk_xenbus_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_blk_xenbus_LDADD = $(PVF_TEST_LDADD)

tests_test_blk_more_SOURCES = tests/test_blk_more.c $(PVF_BLK_TEST_SOURCES)
tests_test_blk_more_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_blk_more_LDADD = $(PVF_TEST_LDADD)
