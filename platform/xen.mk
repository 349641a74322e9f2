# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am for platform/xen/: the real-Xen
# platform (libxengnttab, libxenevtchn, libxenforeignmemory, libxenstore;
# the grant-table view uses the privcmd hypercall ioctl directly).
# A separate convenience library so that libpvfront does not need the Xen
# control libraries; the harness and the real-Xen tests link it.
# XENPLAT_CFLAGS/XENPLAT_LIBS come from configure (pkg-config modules
# xengnttab, xenevtchn, xenforeignmemory).

noinst_LTLIBRARIES += libpvfront-xen.la
libpvfront_xen_la_SOURCES = \
	%reldir%/xen/xenplat.c \
	%reldir%/xen/xenplat_gt.c \
	%reldir%/xen/xenplat_xs.c \
	%reldir%/xen/xenplat_tool.c \
	%reldir%/xen/xenplat_blk.c \
	%reldir%/xen/xenplat_net.c \
	%reldir%/xen/xenplat_int.h
libpvfront_xen_la_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) $(XENPLAT_CFLAGS)
libpvfront_xen_la_LIBADD = $(XENPLAT_LIBS) $(XENSTORE_LIBS)

# Not installed: libpvfront-xen is a convenience library of the harness
# (it uses libpvfront internals), so its header is not public API yet.
noinst_HEADERS += include/pvfront/xenplat.h
