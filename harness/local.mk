# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am for harness/: the `pvfront` command.

include %reldir%/unplug.mk

# harness/toolstack.[ch] (the dom0 xenstore helpers of echo_back.c and the
# backends) come in once, through $(pvf_blkback_sources): listing them here
# as well would link their object twice.
bin_PROGRAMS += pvfront
pvfront_SOURCES = \
	%reldir%/main.c \
	%reldir%/commands.h \
	%reldir%/cmd_run.c \
	%reldir%/cmd_selftest.c \
	%reldir%/cmd_xenstore.c \
	%reldir%/env.h \
	%reldir%/env.c \
	%reldir%/echo.h \
	%reldir%/echo_front.c \
	%reldir%/echo_back.c \
	%reldir%/wl_xen.c \
	$(pvf_unplug_harness_sources) \
	$(pvf_blkback_sources) \
	$(pvf_netback_sources)
pvfront_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) $(JSONC_CFLAGS)
pvfront_LDADD = libpvfront-xen.la libpvfront-check.la $(XENPLAT_LIBS) $(XENSTORE_LIBS) $(JSONC_LIBS) -lpthread

# Userspace backends and their commands, one fragment each.
include %reldir%/blkback.mk
include %reldir%/netback.mk
include %reldir%/nbdkit/local.mk
