# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am for common/: the shared cores.
pvf_core_sources += \
	%reldir%/abi.c \
	%reldir%/errno.c \
	%reldir%/platform.c \
	%reldir%/util.c \
	%reldir%/xs.c \
	%reldir%/ring.c \
	%reldir%/xenbus.c \
	%reldir%/handover.c \
	%reldir%/gnttab.c \
	%reldir%/evtchn.c \
	%reldir%/start_info.c

noinst_HEADERS += %reldir%/internal.h
EXTRA_DIST += %reldir%/poison

pvfinclude_HEADERS += \
	include/pvfront/barrier.h \
	include/pvfront/errno.h \
	include/pvfront/platform.h \
	include/pvfront/xen.h \
	include/pvfront/xs.h \
	include/pvfront/ring.h \
	include/pvfront/xenbus.h \
	include/pvfront/handover.h \
	include/pvfront/start_info.h
