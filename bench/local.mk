# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am for bench/: bench_blk, a program
# that prints figures and ratios (never a test).  Needs liburing
# (configure's LIBURING_CFLAGS/LIBURING_LIBS) and, for part (b), fio at run
# time.  See docs/bench.md.
noinst_PROGRAMS += bench/bench_blk
bench_bench_blk_SOURCES = bench/bench_blk.c harness/env.c harness/env.h
bench_bench_blk_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) $(JSONC_CFLAGS) $(LIBURING_CFLAGS)
bench_bench_blk_LDADD = harness/libpvfblkback.la libpvfront-check.la $(XENSTORE_LIBS) \
	$(JSONC_LIBS) $(LIBURING_LIBS) -lpthread

# Network benchmark (docs/bench_net.md): packet rates of the real netfront
# core + netback against a raw ring, iperf3 over the PV path against veth.
noinst_PROGRAMS += bench/bench_net
bench_bench_net_SOURCES = bench/bench_net.c harness/env.c
bench_bench_net_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) -I$(top_srcdir)/harness
bench_bench_net_LDADD = harness/libpvfnetback.la libpvfront-check.la $(XENSTORE_LIBS) \
	$(JSONC_LIBS) -lpthread
