# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am for platform/loopback/: the
# simulated hypervisor (userspace only).  The xenstore server has its own
# fragment (xsd.mk).
pvf_user_sources += \
	%reldir%/hv.c \
	%reldir%/hv_mem.c \
	%reldir%/hv_grant.c \
	%reldir%/hv_evtchn.c \
	%reldir%/hv_reap.c \
	%reldir%/guest.c \
	%reldir%/guest_xs.c \
	%reldir%/backend.c

# The seam's xenstore ops over libxenstore, shared with platform/xen (which
# links this library too).
pvf_user_sources += platform/xs_client.c

noinst_HEADERS += %reldir%/hv.h %reldir%/guest.h platform/xs_client.h

# Public headers of the grant table and event channel cores (common/) and
# of the loopback platform.
pvfinclude_HEADERS += \
	include/pvfront/gnttab.h \
	include/pvfront/evtchn.h \
	include/pvfront/loopback.h
