# SPDX-License-Identifier: BSD-2-Clause
# Fragment of the top-level Makefile.am for bench/.

# Network benchmark (docs/bench_net.md): packet rates of the real netfront
# core + netback against a raw ring, iperf3 over the PV path against veth.
noinst_PROGRAMS += bench/bench_net
bench_bench_net_SOURCES = bench/bench_net.c harness/env.c
bench_bench_net_CFLAGS = $(AM_CFLAGS) $(XENSTORE_CFLAGS) -I$(top_srcdir)/harness
bench_bench_net_LDADD = harness/libpvfnetback.la libpvfront-check.la $(XENSTORE_LIBS) \
	$(JSONC_LIBS) -lpthread
