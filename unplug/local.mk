# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am for unplug/: the emulated-device
# unplug handshake (guest side, part of the freestanding guest library).
pvf_core_sources += \
	%reldir%/handshake.c \
	%reldir%/log.c \
	%reldir%/names.c

pvfinclude_HEADERS += include/pvfront/unplug.h
