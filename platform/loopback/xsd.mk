# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am: the embedded xenstore server
# (userspace only, part of libpvfront and of the check library).
pvf_user_sources += \
	%reldir%/xsd_tree.c \
	%reldir%/xsd_txn.c \
	%reldir%/xsd_watch.c \
	%reldir%/xsd_wire.c \
	%reldir%/xsd_server.c

noinst_HEADERS += %reldir%/xsd_internal.h
pvfinclude_HEADERS += include/pvfront/xsd.h
