# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am for man/: the manual pages, one
# section-3 page per installed header and pvfront(1).  tests/test_man.sh
# checks that every exported name is documented in some NAME section and
# that every page formats without groff warnings.
dist_man_MANS = \
	%reldir%/pvfront.1 \
	%reldir%/pvf_barrier.3 \
	%reldir%/pvf_blk.3 \
	%reldir%/pvf_errno.3 \
	%reldir%/pvf_evtchn.3 \
	%reldir%/pvf_gnttab.3 \
	%reldir%/pvf_handover.3 \
	%reldir%/pvf_loopback.3 \
	%reldir%/pvf_net.3 \
	%reldir%/pvf_platform.3 \
	%reldir%/pvf_ring.3 \
	%reldir%/pvf_start_info.3 \
	%reldir%/pvf_unplug.3 \
	%reldir%/pvf_xen.3 \
	%reldir%/pvf_xenbus.3 \
	%reldir%/pvf_xs.3 \
	%reldir%/pvf_xsd.3

dist_check_SCRIPTS += tests/test_man.sh
TESTS += tests/test_man.sh
