# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am for frontends/blk/: the block
# frontend core (part of the freestanding guest library).
pvf_core_sources += \
	%reldir%/blk_negotiate.c \
	%reldir%/blk_shadow.c \
	%reldir%/blk_ring.c \
	%reldir%/blk_request.c \
	%reldir%/blk_complete.c \
	%reldir%/blk_recover.c \
	%reldir%/blk_init.c \
	%reldir%/blk_xenbus.c

noinst_HEADERS += %reldir%/blk_internal.h
pvfinclude_HEADERS += include/pvfront/blk.h
