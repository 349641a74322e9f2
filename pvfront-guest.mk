# SPDX-License-Identifier: BSD-2-Clause
#
# pvfront-guest.mk: the freestanding guest library (what pvfront's own build
# archives as libpvfront-guest.a) as plain lists, for a guest kernel,
# firmware or unikernel that builds pvfront with its own build system.  No
# autotools, no rules, no targets: only variable assignments with "=" and
# "?=", "${...}" references and "\" continuations, so GNU make and BSD make
# both read it, and one path per line so other tools can parse it.
#
# Every path is relative to the pvfront tree root (the directory holding
# this file); prefix them with wherever that tree lives in yours.
#
#   PVFRONT_GUEST_SRCS           the C sources: exactly pvf_core_sources of
#                                Makefile.am (common/, unplug/, frontends/)
#   PVFRONT_GUEST_HDRS           the public headers those sources use (the
#                                API your OS code includes as <pvfront/...>)
#   PVFRONT_GUEST_PRIVATE_HDRS   internal headers, for dependency lists only
#                                (the sources find them by relative "...")
#   PVFRONT_GUEST_INCLUDES       include directories needed: only include/
#   PVFRONT_GUEST_POISON_INCLUDES  optional, recommended: common/poison, a
#                                directory of headers named like libc's
#                                (string.h, stdlib.h ...) that are each an
#                                #error; put it FIRST on the include path and
#                                any libc include fails to compile
#   PVFRONT_GUEST_CFLAGS         the flags pvfront's own guest build uses
#                                (configure.ac's GUEST_CFLAGS), see below
#   PVFRONT_XEN_HEADERS          set it yourself (before or after including
#                                this file, or on the make command line): a
#                                directory DIR holding DIR/xen/io/ring.h,
#                                i.e. the equivalent of configure's
#                                --with-xen-headers=DIR; empty (the default)
#                                means the compiler's default search path
#                                (e.g. /usr/include from Debian's libxen-dev)
#   PVFRONT_GUEST_XEN_CPPFLAGS   "-I${PVFRONT_XEN_HEADERS}", or nothing when
#                                that is empty
#
# What the embedder provides:
#   - a C11 compiler and its freestanding headers (stdint.h, stddef.h,
#     stdbool.h, stdarg.h, stdatomic.h); no other system header is reached;
#   - the Xen public headers, from your own tree (pvfront carries no copy).
#     In a Xen source tree they live in xen/include/public/, included as
#     <xen/...>: point PVFRONT_XEN_HEADERS at a directory with a "xen" link
#     to that directory;
#   - at link time memcpy, memset, memmove and memcmp, and nothing else;
#   - at run time the ops table of include/pvfront/platform.h (xenstore,
#     grants, event channels, pages, port I/O, log, clock), see
#     docs/porting.md;
#   - optionally -DPVF_BARRIER_HEADER='"my_barriers.h"' in your CFLAGS: a
#     header of your kernel's barriers and atomics replacing the C11
#     <stdatomic.h> defaults (every macro listed in include/pvfront/barrier.h).
#
# PVFRONT_GUEST_CFLAGS, flag by flag:
#   -std=c11                  required: the language the sources are written
#                             in (gnu11 or a later standard also works)
#   -ffreestanding            required: no hosted library is assumed
#   -DPVF_FREESTANDING=1      required: the headers declare memcpy & co.
#                             themselves instead of including <string.h>
#   -fno-builtin              keeps the compiler from turning code into calls
#                             of other libc functions
#   -fno-stack-protector      no __stack_chk_fail; drop it if your kernel has one
#   -fno-pic                  a kernel is not position independent; drop it
#                             (or use -fpie) if yours is
#   -fno-asynchronous-unwind-tables  no .eh_frame; drop it if you unwind
# Add your own architecture flags (-m32, -mcmodel=kernel, -mno-red-zone,
# -mgeneral-regs-only ...) and warnings.  tests/test_guest_fragment.sh checks
# that this file matches the autotools build and builds the library from it.
#
# GNU make:
#   PVF = path/to/pvfront
#   include $(PVF)/pvfront-guest.mk
#   PVFRONT_XEN_HEADERS = $(MYOS)/xen-public       # holds xen/io/ring.h
#   PVF_OBJS = $(PVFRONT_GUEST_SRCS:%.c=pvfront/%.o)
#   PVF_FLAGS = $(PVFRONT_GUEST_CFLAGS) \
#       $(addprefix -I$(PVF)/,$(PVFRONT_GUEST_POISON_INCLUDES) \
#                             $(PVFRONT_GUEST_INCLUDES)) \
#       $(PVFRONT_GUEST_XEN_CPPFLAGS)
#   pvfront/%.o: $(PVF)/%.c
#   	@mkdir -p $(@D)
#   	$(CC) $(PVF_FLAGS) $(MYOS_ARCH_CFLAGS) -c $< -o $@
#   libpvfront-guest.a: $(PVF_OBJS)
#   	$(AR) rcs $@ $(PVF_OBJS)
#
# BSD make: ".include" the file and prefix with the :S modifier, e.g.
#   SRCS += ${PVFRONT_GUEST_SRCS:S,^,${PVF}/,}
#   CFLAGS += ${PVFRONT_GUEST_CFLAGS} ${PVFRONT_GUEST_XEN_CPPFLAGS} \
#       ${PVFRONT_GUEST_POISON_INCLUDES:S,^,-I${PVF}/,} \
#       ${PVFRONT_GUEST_INCLUDES:S,^,-I${PVF}/,}
#
# CMake: read the lists with a regular expression (every source is one line
# "<tab>dir/name.c \"):
#   file(READ ${PVF}/pvfront-guest.mk _mk)
#   string(REGEX MATCHALL "\n\t[a-z_/]+\\.c" _srcs "${_mk}")
#   foreach(_s IN LISTS _srcs)
#     string(STRIP "${_s}" _s)
#     list(APPEND pvfront_guest_srcs ${PVF}/${_s})
#   endforeach()
#   add_library(pvfront-guest STATIC ${pvfront_guest_srcs})
#   target_include_directories(pvfront-guest BEFORE PRIVATE
#     ${PVF}/common/poison ${PVF}/include ${MY_XEN_HEADERS})
#   target_compile_options(pvfront-guest PRIVATE -std=c11 -ffreestanding
#     -fno-builtin -fno-stack-protector -fno-pic
#     -fno-asynchronous-unwind-tables -DPVF_FREESTANDING=1)

PVFRONT_GUEST_SRCS = \
	common/abi.c \
	common/errno.c \
	common/platform.c \
	common/util.c \
	common/xs.c \
	common/ring.c \
	common/xenbus.c \
	common/handover.c \
	common/gnttab.c \
	common/evtchn.c \
	common/start_info.c \
	unplug/handshake.c \
	unplug/log.c \
	unplug/names.c \
	frontends/blk/blk_negotiate.c \
	frontends/blk/blk_shadow.c \
	frontends/blk/blk_ring.c \
	frontends/blk/blk_request.c \
	frontends/blk/blk_complete.c \
	frontends/blk/blk_recover.c \
	frontends/blk/blk_init.c \
	frontends/blk/blk_xenbus.c \
	frontends/net/net_negotiate.c \
	frontends/net/net_queue.c \
	frontends/net/net_tx.c \
	frontends/net/net_rx.c \
	frontends/net/net_ctrl.c \
	frontends/net/net_init.c

PVFRONT_GUEST_HDRS = \
	include/pvfront/barrier.h \
	include/pvfront/blk.h \
	include/pvfront/errno.h \
	include/pvfront/evtchn.h \
	include/pvfront/gnttab.h \
	include/pvfront/handover.h \
	include/pvfront/net.h \
	include/pvfront/platform.h \
	include/pvfront/ring.h \
	include/pvfront/start_info.h \
	include/pvfront/unplug.h \
	include/pvfront/xen.h \
	include/pvfront/xenbus.h \
	include/pvfront/xs.h

PVFRONT_GUEST_PRIVATE_HDRS = \
	common/internal.h \
	frontends/blk/blk_internal.h \
	frontends/net/net_internal.h

PVFRONT_GUEST_INCLUDES = include

PVFRONT_GUEST_POISON_INCLUDES = common/poison

PVFRONT_GUEST_CFLAGS = -std=c11 -ffreestanding -fno-stack-protector -fno-pic -fno-asynchronous-unwind-tables -fno-builtin -DPVF_FREESTANDING=1

PVFRONT_XEN_HEADERS ?=
PVFRONT_GUEST_XEN_CPPFLAGS = ${PVFRONT_XEN_HEADERS:%=-I%}
