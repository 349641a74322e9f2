# SPDX-License-Identifier: BSD-2-Clause
# Fragment for harness/ (included from harness/local.mk): the device-model
# side of the unplug protocol (platform device emulator, blacklist sources)
# and the `pvfront unplug` policy tester with its matrix mode.
#
# The pvfront program adds $(pvf_unplug_harness_sources) to its sources,
# $(JSONC_CFLAGS) $(XENSTORE_CFLAGS) to its CFLAGS and $(JSONC_LIBS)
# $(XENSTORE_LIBS) to its LDADD; the command is pvf_cmd_unplug()
# (harness/unplug_emu.h).
pvf_unplug_harness_sources = \
	%reldir%/unplug_emu.c \
	%reldir%/unplug_emu.h \
	%reldir%/unplug_blacklist.c \
	%reldir%/unplug_run.c \
	%reldir%/unplug_run.h \
	%reldir%/unplug_matrix.c \
	%reldir%/cmd_unplug.c

# The same sources as a library the unplug tests link.
noinst_LTLIBRARIES += %reldir%/libpvfunplugemu.la
%canon_reldir%_libpvfunplugemu_la_SOURCES = $(pvf_unplug_harness_sources)
%canon_reldir%_libpvfunplugemu_la_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) $(JSONC_CFLAGS)
%canon_reldir%_libpvfunplugemu_la_LIBADD = $(XENSTORE_LIBS) $(JSONC_LIBS)
