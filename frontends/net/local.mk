# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am for frontends/net/: the network
# frontend core (part of the freestanding guest library).
pvf_core_sources += \
	%reldir%/net_negotiate.c \
	%reldir%/net_queue.c \
	%reldir%/net_tx.c \
	%reldir%/net_rx.c \
	%reldir%/net_ctrl.c \
	%reldir%/net_init.c

noinst_HEADERS += %reldir%/net_internal.h
pvfinclude_HEADERS += include/pvfront/net.h
