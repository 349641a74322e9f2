# SPDX-License-Identifier: BSD-2-Clause
# Makefile fragment (see tests/local.mk): the PVH start-of-day parser
# (common/start_info.c), tested over blocks built in a buffer.
check_PROGRAMS += tests/test_start_info
TESTS += tests/test_start_info

tests_test_start_info_SOURCES = tests/test_start_info.c
tests_test_start_info_CFLAGS = $(PVF_TEST_CFLAGS)
tests_test_start_info_LDADD = $(PVF_TEST_LDADD)
