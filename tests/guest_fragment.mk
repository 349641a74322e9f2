# SPDX-License-Identifier: BSD-2-Clause
# Fragment of tests/local.mk: pvfront-guest.mk, the plain source list of the
# guest library for foreign build systems, matches pvf_core_sources and
# configure's GUEST_CFLAGS, and builds the library freestanding on its own.
# The script reads the build's lists from the generated Makefile.
EXTRA_DIST += pvfront-guest.mk
dist_check_SCRIPTS += tests/test_guest_fragment.sh
TESTS += tests/test_guest_fragment.sh
