/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the network frontend's TX and RX response consumption
 * (frontends/net/).
 *
 * A connected struct pvf_net over the test netback (tests/net_testback.h)
 * is driven by the input read as a small program: the first byte picks the
 * backend profile (Linux netback: SG, GSO, checksum, split channels,
 * control ring; or QEMU: copy only) and bounce mode; then each op byte
 * transmits a packet, lets the honest backend serve TX, forges TX
 * responses (id and status), delivers a well-formed packet with
 * fuzz-chosen offload flags, GSO, offset and fragment size, writes raw RX
 * responses (id, offset, flags, status: extras and chains included), moves
 * a shared producer anywhere, polls or fires an event.
 *
 * Invariants: no crash or sanitizer report; every TX done() at most once
 * while the device lives and exactly once after destroy, with a documented
 * status; every received packet is consistent (fragments inside their
 * page, lengths summing to len, at most PVF_NET_MAX_FRAGS; the bytes are
 * read so ASan sees them); once -PVF_EPROTO is reported the device stays
 * broken; destroy leaves nothing behind.
 * Accepted: the device never broke; rejected: it broke (-PVF_EPROTO).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/net.h>
#include "../net_testback.h"
#include "fuzz.h"

#define NET_FUZZ_PKTS 16u
#define NET_FUZZ_OPS 96u

struct net_run {
	struct ntb_fx *fx;
	struct tpkt pkt[NET_FUZZ_PKTS];
	int made[NET_FUZZ_PKTS];      /* tpkt_make'd, not freed */
	int live[NET_FUZZ_PKTS];      /* transmit returned 0 */
	int broken, bad;
	unsigned int rx_pkts;
	uint32_t rx_sum;
};

static int tx_status_ok(int st)
{
	return st == 0 || st == -PVF_EIO || st == -PVF_ECANCELED || st == -PVF_EPROTO ||
	       st == -PVF_EBUSY || st == -PVF_ESHUTDOWN;
}


static void on_rx(void *arg, const struct pvf_net_rx_pkt *pkt)
{
	struct net_run *n = arg;
	uint32_t i, sum = 0;

	n->rx_pkts++;
	if (n->bad)
		return;
	if (pkt->nr_frags == 0 || pkt->nr_frags > PVF_NET_MAX_FRAGS) {
		n->bad = 1;
		pvf_fuzz_fail("net rx packet with %u fragments", pkt->nr_frags);
		return;
	}
	for (i = 0; i < pkt->nr_frags; i++) {
		const struct pvf_net_rx_frag *f = &pkt->frags[i];
		const uint8_t *p = f->page;
		uint32_t k;

		if (!p || (uint32_t)f->offset + f->len > PVF_PAGE_SIZE) {
			n->bad = 1;
			pvf_fuzz_fail("net rx fragment %u: page %p offset %u len %u", i, f->page,
				      f->offset, f->len);
			return;
		}
		for (k = 0; k < f->len; k++)
			n->rx_sum += p[f->offset + k];
		sum += f->len;
	}
	if (sum != pkt->len || pkt->queue != 0) {
		n->bad = 1;
		pvf_fuzz_fail("net rx packet len %u, fragments sum to %u, queue %u", pkt->len, sum,
			      pkt->queue);
	}
}

static int check(struct net_run *n)
{
	unsigned int i;

	if (n->bad)
		return -1;
	for (i = 0; i < NET_FUZZ_PKTS; i++) {
		const struct tpkt *t = &n->pkt[i];

		if (!n->made[i])
			continue;
		if (t->calls > 1 || (t->calls && !n->live[i]))
			return n->bad = 1, pvf_fuzz_fail("net tx packet %u completed %d times (live %d)",
							 i, t->calls, n->live[i]);
		if (t->calls && !tx_status_ok(t->status))
			return n->bad = 1, pvf_fuzz_fail("net tx packet %u completed with %d", i,
							 t->status);
	}
	if (n->broken && !pvf_net_is_broken(&n->fx->net))
		return n->bad = 1, pvf_fuzz_fail("net: -PVF_EPROTO reported, device not broken");
	return 0;
}

static void poll_once(struct net_run *n)
{
	int r = pvf_net_poll(&n->fx->net);

	if (r == -PVF_EPROTO)
		n->broken = 1;
	else if (r < 0 && !n->bad)
		n->bad = 1, pvf_fuzz_fail("net poll returned %d", r);
	else if (n->broken && !n->bad)
		n->bad = 1, pvf_fuzz_fail("net poll returned %d after -PVF_EPROTO", r);
}

static void op_transmit(struct net_run *n, struct pvf_fuzz_in *in, int sg)
{
	uint16_t len = pvf_fuzz_u16(in);
	uint8_t off = pvf_fuzz_u8(in), flags = pvf_fuzz_u8(in);
	unsigned int i;
	uint32_t l;
	int r;

	for (i = 0; i < NET_FUZZ_PKTS; i++)
		if (!n->made[i] || !n->live[i] || n->pkt[i].calls)
			break;
	if (i == NET_FUZZ_PKTS)
		return;
	if (n->made[i])
		tpkt_free(&n->pkt[i]);
	/* one page without SG, up to three pages with it */
	l = sg ? 1u + len % (3u * PVF_PAGE_SIZE - 256u) : 1u + len % (PVF_PAGE_SIZE - 256u);
	tpkt_make(&n->pkt[i], n->fx, l, (uint16_t)(sg ? off : off % 128u),
		  sg && (flags & 0x10) ? (uint16_t)(64u + off) : 0, (uint32_t)len);
	n->made[i] = 1;
	n->live[i] = 0;
	n->pkt[i].tx.flags = flags & 3u;
	if (flags & 0x20) {
		n->pkt[i].tx.gso_type = (flags & 0x40) ? PVF_NET_GSO_TCPV6 : PVF_NET_GSO_TCPV4;
		n->pkt[i].tx.gso_size = (uint16_t)(flags & 0x80 ? 0 : 536);
	}
	r = pvf_net_transmit(&n->fx->net, &n->pkt[i].tx);
	if (r == 0) {
		n->live[i] = 1;
		if (n->broken && !n->bad)
			n->bad = 1, pvf_fuzz_fail("net transmit accepted on a broken device");
	} else if (n->pkt[i].calls && !n->bad) {
		n->bad = 1, pvf_fuzz_fail("net transmit failed (%d) but called done()", r);
	} else if (n->broken && r != -PVF_EPROTO && !n->bad) {
		n->bad = 1, pvf_fuzz_fail("net transmit on a broken device returned %d", r);
	}
}

/* Forge TX responses: for each pending request slot (or past them). */
static void op_tx_forge(struct net_run *n, struct pvf_fuzz_in *in)
{
	netif_tx_back_ring_t *ring = &n->fx->tb.q[0].tx;
	uint8_t sel = pvf_fuzz_u8(in), cnt = 1 + (sel & 3);
	unsigned int k;

	for (k = 0; k < cnt; k++) {
		netif_tx_response_t *rsp;
		uint16_t id = pvf_fuzz_u16(in);
		int16_t st = NETIF_RSP_OKAY;

		if (ring->req_cons != ring->sring->req_prod) {
			netif_tx_request_t req;

			memcpy(&req, RING_GET_REQUEST(ring, ring->req_cons), sizeof(req));
			ring->req_cons++;
			if (!(sel & 4))
				id = req.id;
		}
		switch ((sel >> 3) & 7) {
		case 0: case 1: case 2: break;
		case 3: st = NETIF_RSP_ERROR; break;
		case 4: st = NETIF_RSP_DROPPED; break;
		case 5: st = NETIF_RSP_NULL; break;
		default: st = (int16_t)pvf_fuzz_u16(in); break;
		}
		rsp = RING_GET_RESPONSE(ring, ring->rsp_prod_pvt);
		rsp->id = id;
		rsp->status = st;
		ring->rsp_prod_pvt++;
	}
	pvf_wmb();
	ring->sring->rsp_prod = ring->rsp_prod_pvt;
	if (sel & 0x40)
		poll_once(n);
}

static void op_rx_send(struct net_run *n, struct pvf_fuzz_in *in)
{
	static uint8_t data[3 * PVF_PAGE_SIZE];
	struct ntb_rx_opts o;
	uint16_t len = pvf_fuzz_u16(in);
	uint8_t a = pvf_fuzz_u8(in), b = pvf_fuzz_u8(in);

	memset(&o, 0, sizeof(o));
	o.flags = a & 3u;
	if (a & 4) {
		o.gso_type = (a & 8) ? XEN_NETIF_GSO_TYPE_TCPV6 : XEN_NETIF_GSO_TYPE_TCPV4;
		o.gso_size = (a & 0x10) ? 0 : 1400; /* 0: a malformed extra */
	}
	o.hash = (a >> 5) & 1;
	o.hash_value = 0x12345678u;
	o.offset = (uint16_t)((b & 0x0f) * 64u);
	o.frag = (uint16_t)((b >> 4) * 256u);
	ntb_pattern(data, sizeof(data), len);
	if (ntb_rx_send(&n->fx->tb, 0, data, 1u + len % (uint32_t)sizeof(data), &o) >= 0 &&
	    (a & 0x80))
		poll_once(n);
}

static void op_rx_raw(struct net_run *n, struct pvf_fuzz_in *in)
{
	netif_rx_response_t rsp[4];
	uint8_t sel = pvf_fuzz_u8(in);
	unsigned int k, cnt = 1u + (sel & 3u);

	if (ntb_rx_posted(&n->fx->tb, 0) < cnt)
		return;
	for (k = 0; k < cnt; k++) {
		rsp[k].id = (sel & 4) ? pvf_fuzz_u16(in) : NTB_ID_AUTO;
		rsp[k].offset = pvf_fuzz_u16(in);
		rsp[k].flags = pvf_fuzz_u16(in);
		rsp[k].status = (int16_t)pvf_fuzz_u16(in);
	}
	ntb_rx_raw(&n->fx->tb, 0, rsp, cnt);
	if (sel & 0x40)
		poll_once(n);
}

static void op_producer(struct net_run *n, struct pvf_fuzz_in *in)
{
	struct ntb_queue *q = &n->fx->tb.q[0];
	uint8_t which = pvf_fuzz_u8(in), d = pvf_fuzz_u8(in);
	RING_IDX pvt = (which & 1) ? q->rx.rsp_prod_pvt : q->tx.rsp_prod_pvt;
	RING_IDX v = d == 0x80 ? pvf_fuzz_u32(in) : pvt + (RING_IDX)(int32_t)(int8_t)d;

	pvf_wmb();
	if (which & 1)
		q->rx.sring->rsp_prod = v;
	else
		q->tx.sring->rsp_prod = v;
	poll_once(n);
	q->rx.sring->rsp_prod = q->rx.rsp_prod_pvt;
	q->tx.sring->rsp_prod = q->tx.rsp_prod_pvt;
}

int pvf_fuzz_net(const uint8_t *data, size_t size)
{
	struct pvf_fuzz_in in;
	struct net_run n;
	uint8_t cfg;
	unsigned int i, ops = 0;
	int sg, r, leaks;

	memset(&n, 0, sizeof(n));
	pvf_fuzz_in_init(&in, data, size);
	cfg = pvf_fuzz_u8(&in);
	sg = !(cfg & 1);
	n.fx = ntb_fx_new(sg ? NTB_LINUX : NTB_QEMU);
	n.fx->cfg.rx = on_rx;
	n.fx->cfg.rx_arg = &n;
	n.fx->cfg.rx_buffers = 32;
	n.fx->cfg.split_evtchn = (cfg >> 1) & 1;
	n.fx->cfg.tx_offload = !((cfg >> 2) & 1);
	n.fx->cfg.rx_csum = !((cfg >> 3) & 1);
	if (ntb_fx_connect(n.fx)) {
		ntb_fx_free(n.fx);
		return pvf_fuzz_fail("net fixture did not connect");
	}
	while (in.left && ops++ < NET_FUZZ_OPS && !n.bad) {
		switch (pvf_fuzz_u8(&in) & 7) {
		case 0:
			op_transmit(&n, &in, sg);
			break;
		case 1: /* the honest backend serves TX */
			ntb_tx_run(&n.fx->tb, 0);
			poll_once(&n);
			break;
		case 2:
			op_tx_forge(&n, &in);
			break;
		case 3:
			op_rx_send(&n, &in);
			break;
		case 4:
			op_rx_raw(&n, &in);
			break;
		case 5:
			op_producer(&n, &in);
			break;
		case 6: { /* an event on one of our ports or any other */
			uint8_t p = pvf_fuzz_u8(&in);
			uint32_t port = (p & 1) ? n.fx->tb.q[0].tx_port :
					(p & 2) ? n.fx->tb.q[0].rx_port : p;

			r = pvf_net_on_event(&n.fx->net, port);
			if (r == -PVF_EPROTO)
				n.broken = 1;
			break;
		}
		default:
			poll_once(&n);
			break;
		}
		check(&n);
	}
	if (!n.bad && n.broken) {
		r = pvf_net_poll(&n.fx->net);
		if (r != -PVF_EPROTO)
			n.bad = 1, pvf_fuzz_fail("net poll after -PVF_EPROTO returned %d", r);
	}
	/* the backend goes away, the device is destroyed: every packet done */
	ntb_detach(&n.fx->tb);
	pvf_net_destroy(&n.fx->net);
	check(&n);
	for (i = 0; i < NET_FUZZ_PKTS; i++) {
		if (n.made[i] && n.live[i] && n.pkt[i].calls != 1 && !n.bad)
			n.bad = 1, pvf_fuzz_fail("net tx packet %u completed %d times by destroy", i,
						 n.pkt[i].calls);
		if (n.made[i])
			tpkt_free(&n.pkt[i]);
	}
	leaks = ntb_fx_free(n.fx);
	if (!n.bad && leaks)
		n.bad = 1, pvf_fuzz_fail("net destroy left %d resources behind", leaks);
	if (n.bad)
		return PVF_FUZZ_VIOLATION;
	return n.broken ? PVF_FUZZ_REJECTED : PVF_FUZZ_ACCEPTED;
}

/* ---- corpus ------------------------------------------------------------------ */

/* transmit, serve, poll; receive a packet and poll */
static const uint8_t net_c0[] = { 0x00, 0, 100, 0, 0, 0, 1, 3, 200, 0, 0x80, 0x00, 7 };
/* SG: a 6000-byte packet in 3 fragments with GSO, served; RX with GSO and hash */
static const uint8_t net_c1[] = { 0x02, 0, 0x70, 0x17, 10, 0x31, 1, 3, 0x40, 0x1f, 0xa4, 0x21, 7 };
/* forged TX completion of the pending request */
static const uint8_t net_c2[] = { 0x00, 0, 60, 0, 0, 0, 2, 0x40, 0, 0 };
/* raw RX response for a posted buffer: 64 bytes at offset 0 */
static const uint8_t net_c3[] = { 0x00, 4, 0x40, 0, 0, 0, 0, 0, 0, 7 };
/* a TX producer far ahead (rejected) */
static const uint8_t net_c4[] = { 0x00, 0, 60, 0, 0, 0, 5, 0, 0x40 };
/* events on the ports, QEMU profile */
static const uint8_t net_c5[] = { 0x01, 0, 200, 0, 0, 0, 6, 1, 1, 6, 2, 3, 50, 0, 0, 0, 6, 2 };

const struct pvf_fuzz_seed pvf_fuzz_net_corpus[] = {
	PVF_FUZZ_ARR(net_c0), PVF_FUZZ_ARR(net_c1), PVF_FUZZ_ARR(net_c2), PVF_FUZZ_ARR(net_c3),
	PVF_FUZZ_ARR(net_c4), PVF_FUZZ_ARR(net_c5), PVF_FUZZ_SEED_END,
};
