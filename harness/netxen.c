/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `pvfront net --platform=xen`: see netxen.h and docs/real-xen.md.  The
 * host (pvf_xennet_*) and the frame exchange on the vif
 * (pvf_xennet_echo) live in platform/xen/xenplat_net.c, shared with
 * tests/test_xen_net.c's scenario.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <pvfront/errno.h>
#include <pvfront/net.h>
#include <pvfront/xenplat.h>
#include "netxen.h"

#define XEN_FE_FMT "/local/domain/0/pvfront/vif/%u"
#define XEN_MAC    "00:16:3e:00:00:01"
#define XEN_TX_PAGES 16

static void print_keys_line(const struct pvf_net_info *in)
{
	printf("pvfront net: negotiated queues %u split-evtchn %d ctrl-ring %d mcast %d "
	       "carrier %d tx: sg %d gso4 %d gso6 %d csum4 %d csum6 %d rx: sg %d gso4 %d "
	       "gso6 %d csum4 %d csum6 %d\n", (unsigned int)in->nr_queues, in->split_evtchn,
	       in->ctrl_ring, in->multicast_control, in->carrier, in->tx_sg, in->tx_gso_tcpv4,
	       in->tx_gso_tcpv6, in->tx_csum_ipv4, in->tx_csum_ipv6, in->rx_sg,
	       in->rx_gso_tcpv4, in->rx_gso_tcpv6, in->rx_csum_ipv4, in->rx_csum_ipv6);
}

static void print_json(const struct pvf_net_xen_opts *o, const struct pvf_net_info *in,
		       const struct pvf_xennet_echo_result *r, const struct pvf_xenplat_stats *st,
		       int ok)
{
	printf("{\"platform\":\"xen\",\"mode\":\"echo\",\"interface\":\"%s\",\"count\":%lu,"
	       "\"to_front\":{\"sent\":%u,\"verified\":%u,\"bad\":%u,\"other\":%u},"
	       "\"from_front\":{\"sent\":%u,\"verified\":%u,\"bad\":%u,\"failed\":%u},"
	       "\"negotiated\":{\"queues\":%u,\"split_evtchn\":%d,\"ctrl_ring\":%d,"
	       "\"multicast_control\":%d,\"carrier\":%d,\"tx_sg\":%d,\"tx_gso_tcpv4\":%d,"
	       "\"tx_gso_tcpv6\":%d,\"tx_csum_ipv4\":%d,\"tx_csum_ipv6\":%d,\"rx_sg\":%d,"
	       "\"rx_gso_tcpv4\":%d,\"rx_gso_tcpv6\":%d,\"rx_csum_ipv4\":%d,\"rx_csum_ipv6\":%d},"
	       "\"left\":{\"pages\":%u,\"grants\":%u,\"ports\":%u,\"watches\":%u},\"ok\":%s}\n",
	       r->ifname, o->count, r->to_front_sent, r->to_front_ok, r->to_front_bad,
	       r->to_front_other, r->from_front_sent, r->from_front_ok, r->from_front_bad,
	       r->from_front_failed, (unsigned int)in->nr_queues, in->split_evtchn,
	       in->ctrl_ring, in->multicast_control, in->carrier, in->tx_sg, in->tx_gso_tcpv4,
	       in->tx_gso_tcpv6, in->tx_csum_ipv4, in->tx_csum_ipv6, in->rx_sg,
	       in->rx_gso_tcpv4, in->rx_gso_tcpv6, in->rx_csum_ipv4, in->rx_csum_ipv6,
	       st->pages, st->grants, st->ports, st->watches, ok ? "true" : "false");
}

int pvf_net_xen_run(const struct pvf_net_xen_opts *o)
{
	struct pvf_xenplat_config xc;
	struct pvf_xenplat_stats st;
	struct pvf_xennet_config c;
	struct pvf_xennet_echo e;
	struct pvf_xennet_echo_result r;
	struct pvf_net_info in;
	struct pvf_xenplat *x = NULL;
	struct pvf_xennet *n = NULL;
	char fe[64], be[64];
	int rc, status = 0;

	if (access("/dev/xen", F_OK) != 0) {
		fprintf(stderr, "pvfront net: not in a Xen dom0 (no /dev/xen)\n");
		return 3;
	}
	pvf_xenplat_config_init(&xc);
	xc.log_prefix = "pvfront net";
	rc = pvf_xenplat_open(&x, &xc);
	if (rc == -PVF_ENODEV) {
		fprintf(stderr, "pvfront net: not in a Xen dom0 (/dev/xen has no gntalloc/evtchn: "
			"load xen-gntalloc and xen-evtchn)\n");
		return 3;
	}
	if (rc) {
		fprintf(stderr, "pvfront net: platform xen: %s (needs a Xen dom0, root, the "
			"modules xen-gntalloc, xen-evtchn, xen-netback and xenstored)\n",
			pvf_strerror(rc));
		return 1;
	}
	snprintf(fe, sizeof(fe), XEN_FE_FMT, o->handle);
	snprintf(be, sizeof(be), "/local/domain/0/backend/vif/0/%u", o->handle);
	memset(&c, 0, sizeof(c));
	c.fe_dir = fe;
	c.handle = o->handle;
	c.fe_domid = 0;
	/* xen-netback only checks that the node exists; we write
	 * hotplug-status ourselves, so the script is never run. */
	c.script = "/bin/sh";
	c.mac = XEN_MAC;
	c.tx_pages = XEN_TX_PAGES;
	c.timeout_ms = 15000;
	rc = pvf_xennet_open(x, &c, &n);
	if (rc) {
		fprintf(stderr, "pvfront net: cannot connect to xen-netback as vif %u: %s\n",
			o->handle, pvf_strerror(rc));
		pvf_xenplat_close(x);
		return 1;
	}
	in = *pvf_net_get_info(pvf_xennet_core(n));
	if (o->verbose) {
		pvf_xenplat_log_keys(x, be, "pvfront net: backend");
		pvf_xenplat_log_keys(x, fe, "pvfront net: frontend");
	}
	if (!o->json)
		print_keys_line(&in);
	memset(&e, 0, sizeof(e));
	e.count = (uint32_t)o->count;
	e.timeout_ms = 10000;
	memset(&r, 0, sizeof(r));
	rc = pvf_xennet_echo(n, &e, &r);
	if (rc) {
		fprintf(stderr, "pvfront net: frames on the vif: %s\n", pvf_strerror(rc));
		status = 1;
	}
	if (r.to_front_ok != e.count || r.to_front_bad || r.from_front_ok != e.count ||
	    r.from_front_bad || r.from_front_failed) {
		fprintf(stderr, "pvfront net: echo check failed: to netfront %u of %u verified "
			"(%u bad), from netfront %u of %u verified (%u bad, %u transmits failed)\n",
			r.to_front_ok, e.count, r.to_front_bad, r.from_front_ok, e.count,
			r.from_front_bad, r.from_front_failed);
		status = 1;
	}
	rc = pvf_xennet_close(n);
	if (rc) {
		fprintf(stderr, "pvfront net: closing the device: %s\n", pvf_strerror(rc));
		status = 1;
	}
	pvf_xenplat_get_stats(x, &st);
	if (st.pages || st.grants || st.ports || st.watches) {
		fprintf(stderr, "pvfront net: left behind: %u pages, %u grants, %u ports, %u watches\n",
			st.pages, st.grants, st.ports, st.watches);
		status = 1;
	}
	if (o->json)
		print_json(o, &in, &r, &st, !status);
	else
		printf("pvfront net: platform xen, %s: dom0 -> netfront %u/%u verified "
		       "(%u other frames), netfront -> dom0 %u/%u verified; closed, nothing "
		       "left: %s\n", r.ifname[0] ? r.ifname : "vif", r.to_front_ok, e.count,
		       r.to_front_other, r.from_front_ok, e.count,
		       st.pages || st.grants || st.ports || st.watches ? "no" : "yes");
	pvf_xenplat_close(x);
	return status;
}
