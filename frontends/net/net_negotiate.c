/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Network frontend negotiation: backend feature keys (parsed strictly,
 * garbage never turns a feature on), the frontend's mac and mtu, clamping
 * to the configuration, the toolstack's `trusted` key (bounce mode), and
 * the frontend keys written in the setup transaction.  The one place that
 * decides what is negotiated.
 */
#include "net_internal.h"

/* A boolean feature key: absent -> @def; malformed -> @bad (logged). */
static bool feat(const struct pvf_platform *p, const char *dir, const char *key,
		 bool def, bool bad)
{
	int v = 0;
	int r = pvf_xs_read_bool(p, 0, dir, key, &v);

	if (r == -PVF_ENOENT)
		return def;
	if (r < 0) {
		pvf_warn(p, "net: %s/%s: malformed (%s), taken as %s", dir, key,
			 pvf_strerror(r), bad ? "1" : "0");
		return bad;
	}
	return v != 0;
}

PVF_API int pvf_net_read_backend(const struct pvf_platform *p, const char *dir,
				 struct pvf_net_backend *be)
{
	uint32_t mq = 0;
	int r;

	if (!p || !dir || !be)
		return -PVF_EINVAL;
	memset(be, 0, sizeof(*be));
	be->rx_copy = feat(p, dir, "feature-rx-copy", false, false);
	be->rx_flip = feat(p, dir, "feature-rx-flip", false, false);
	be->rx_notify = feat(p, dir, "feature-rx-notify", false, false);
	be->sg = feat(p, dir, "feature-sg", false, false);
	be->gso_tcpv4 = feat(p, dir, "feature-gso-tcpv4", false, false);
	be->gso_tcpv6 = feat(p, dir, "feature-gso-tcpv6", false, false);
	/* absent: IPv4 offload on; garbage: conservatively off */
	be->no_csum_offload = feat(p, dir, "feature-no-csum-offload", false, true);
	be->ipv6_csum_offload = feat(p, dir, "feature-ipv6-csum-offload", false, false);
	be->split_evtchn = feat(p, dir, "feature-split-event-channels", false, false);
	be->ctrl_ring = feat(p, dir, "feature-ctrl-ring", false, false);
	be->multicast_control = feat(p, dir, "feature-multicast-control", false, false);
	be->dynamic_multicast_control =
		feat(p, dir, "feature-dynamic-multicast-control", false, false);
	r = pvf_xs_read_u32(p, 0, dir, "multi-queue-max-queues", &mq);
	if (r == 0)
		be->max_queues = mq;
	else if (r != -PVF_ENOENT)
		pvf_warn(p, "net: %s/multi-queue-max-queues: malformed (%s), one queue",
			 dir, pvf_strerror(r));
	if (!be->rx_copy) {
		pvf_err(p, "net: backend %s does not offer feature-rx-copy: page flipping "
			"is not supported, refusing the backend", dir);
		return -PVF_EOPNOTSUPP;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

PVF_API int pvf_net_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];
	unsigned int i;

	if (!s || !mac || pvf_strnlen(s, 18) != 17)
		return -PVF_EINVAL;
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0)
			return -PVF_EINVAL;
		if (i < 5 && s[3 * i + 2] != ':')
			return -PVF_EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	if (m[0] & 1u)
		return -PVF_EINVAL; /* a group address is no station address */
	memcpy(mac, m, 6);
	return 0;
}

/* Read mac (required) and mtu (default 1500) from the frontend node. */
static int read_frontend(struct pvf_net *net)
{
	char buf[32];
	uint32_t mtu = 1500;
	int r;

	r = pvf_xs_read_str(net->plat, 0, net->node, "mac", buf, sizeof(buf));
	if (r >= 0)
		r = pvf_net_parse_mac(buf, net->info.mac);
	if (r < 0) {
		pvf_err(net->plat, "net: %s/mac missing or malformed (%s)", net->node,
			pvf_strerror(r));
		return r == -PVF_ENOENT ? r : -PVF_EPROTO;
	}
	r = pvf_xs_read_u32_default(net->plat, 0, net->node, "mtu", 1500, &mtu);
	if (r < 0) {
		pvf_warn(net->plat, "net: %s/mtu malformed (%s), using 1500", net->node,
			 pvf_strerror(r));
		mtu = 1500;
	}
	if (mtu < 68)
		mtu = 68;
	if (mtu > PVF_NET_MAX_PKT - 14u)
		mtu = PVF_NET_MAX_PKT - 14u;
	net->info.mtu = mtu;
	return 0;
}

int pvf_net_read_link(struct pvf_net *net)
{
	int up = 1;
	int r = pvf_xs_read_bool_default(net->plat, 0, pvf_xenbus_backend(&net->xb), "carrier",
					 1, &up);

	if (r < 0 && r != -PVF_EINVAL)
		return r;
	if (r == -PVF_EINVAL)
		pvf_warn(net->plat, "net: %s: malformed carrier, taken as up", net->node);
	net->info.carrier = up != 0;
	return up != 0;
}

/*
 * Frontend `trusted` key (set by the toolstack): pvf_xs_read_trusted(),
 * shared with the block frontend.  Returns as that.
 */
int pvf_net_read_trusted(struct pvf_net *net, bool *trusted)
{
	return pvf_xs_read_trusted(net->plat, 0, net->node, "net", trusted);
}

int pvf_net_negotiate(struct pvf_net *net)
{
	const struct pvf_net_config *c = &net->cfg;
	const struct pvf_net_backend *be = &net->be;
	struct pvf_net_info *in = &net->info;
	bool key_trusted = true;
	int r;

	r = pvf_net_read_backend(net->plat, pvf_xenbus_backend(&net->xb), &net->be);
	if (r < 0)
		return r;
	memset(in, 0, sizeof(*in));
	r = read_frontend(net);
	if (r < 0)
		return r;
	r = pvf_net_read_trusted(net, &key_trusted);
	if (r < 0)
		return r;
	in->bounce = !(c->trusted && key_trusted);
	in->carrier = true;
	in->nr_queues = c->nr_queues;
	if (be->max_queues < in->nr_queues)
		in->nr_queues = be->max_queues ? be->max_queues : 1u;
	in->split_evtchn = c->split_evtchn && be->split_evtchn;
	in->ctrl_ring = c->ctrl_ring && be->ctrl_ring;
	in->multicast_control = c->multicast_control && be->multicast_control;
	in->tx_sg = c->tx_offload && be->sg;
	in->tx_gso_tcpv4 = in->tx_sg && be->gso_tcpv4;
	in->tx_gso_tcpv6 = in->tx_sg && be->gso_tcpv6;
	in->tx_csum_ipv4 = c->tx_offload && !be->no_csum_offload;
	in->tx_csum_ipv6 = c->tx_offload && be->ipv6_csum_offload;
	in->rx_sg = c->rx_sg;
	in->rx_gso_tcpv4 = c->rx_sg && c->rx_gso;
	in->rx_gso_tcpv6 = c->rx_sg && c->rx_gso;
	in->rx_csum_ipv4 = c->rx_csum;
	in->rx_csum_ipv6 = c->rx_csum;
	/* hash_on stays false: a new connection starts without hashing */
	if (!be->rx_notify)
		pvf_debug(net->plat, "net: backend lacks feature-rx-notify (we notify anyway)");
	return 0;
}

/* Ring and port keys of one queue under @dir ("" = the device node). */
static int write_queue(struct pvf_net *net, uint32_t txn, const char *dir,
		       const struct pvf_net_queue *q)
{
	const struct pvf_platform *p = net->plat;
	int r;

	r = pvf_xs_write_u32(p, txn, dir, "tx-ring-ref", q->tx_ref);
	if (!r)
		r = pvf_xs_write_u32(p, txn, dir, "rx-ring-ref", q->rx_ref);
	if (r || !q->tx_port)
		return r;
	if (net->info.split_evtchn) {
		r = pvf_xs_write_u32(p, txn, dir, "event-channel-tx", q->tx_port);
		if (!r)
			r = pvf_xs_write_u32(p, txn, dir, "event-channel-rx", q->rx_port);
		return r;
	}
	return pvf_xs_write_u32(p, txn, dir, "event-channel", q->tx_port);
}

static int wbool(const struct pvf_net *net, uint32_t txn, const char *key, bool v)
{
	return pvf_xs_write_str(net->plat, txn, net->node, key, v ? "1" : "0");
}

int pvf_net_write_frontend(struct pvf_net *net, uint32_t txn)
{
	const struct pvf_net_info *in = &net->info;
	char dir[PVF_NET_PATH_MAX + 16];
	uint32_t i;
	int r = 0;

	if (in->nr_queues == 1) {
		r = write_queue(net, txn, net->node, &net->q[0]);
	} else {
		for (i = 0; i < in->nr_queues && !r; i++) {
			if (pvf_snprintf(dir, sizeof(dir), "%s/queue-%u", net->node,
					 (unsigned int)i) >= (int)sizeof(dir))
				return -PVF_E2BIG;
			r = write_queue(net, txn, dir, &net->q[i]);
		}
	}
	if (!r && net->be.max_queues)
		r = pvf_xs_write_u32(net->plat, txn, net->node, "multi-queue-num-queues",
				     in->nr_queues);
	if (!r)
		r = wbool(net, txn, "request-rx-copy", true);
	if (!r)
		r = wbool(net, txn, "feature-rx-notify", true);
	if (!r)
		r = wbool(net, txn, "feature-sg", in->rx_sg);
	if (!r)
		r = wbool(net, txn, "feature-gso-tcpv4", in->rx_gso_tcpv4);
	if (!r)
		r = wbool(net, txn, "feature-gso-tcpv6", in->rx_gso_tcpv6);
	if (!r)
		r = wbool(net, txn, "feature-no-csum-offload", !in->rx_csum_ipv4);
	if (!r)
		r = wbool(net, txn, "feature-ipv6-csum-offload", in->rx_csum_ipv6);
	if (!r && in->multicast_control)
		r = wbool(net, txn, "request-multicast-control", true);
	if (!r && in->ctrl_ring) {
		r = pvf_xs_write_u32(net->plat, txn, net->node, "ctrl-ring-ref",
				     net->ctrl.ring_ref);
		if (!r && net->ctrl.port)
			r = pvf_xs_write_u32(net->plat, txn, net->node, "event-channel-ctrl",
					     net->ctrl.port);
	}
	return r;
}
