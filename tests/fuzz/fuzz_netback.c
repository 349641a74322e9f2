/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the harness's userspace netback (harness/netback*.c) facing
 * a hostile frontend, the raw test frontend of harness/netback_rawfront.h
 * (one granted page per ring slot, TX id = slot).
 *
 * Input: byte 0 is the setup (profile linux / qemu / full, mode sink or
 * echo, one or two queues, split event channels, control ring); then up
 * to MAX_OPS operations:
 *  - a TX batch pushed with pvf_nbr_send_raw: 1..24 slots, each a data
 *    slot (any flags, size, offset, a ref that is the slot's own page,
 *    another TX page, a writable RX page or never granted) or an extra
 *    (any type, flags incl. MORE, any body); chains may run past the end;
 *  - the TX request producer moved more than a ring ahead or backwards;
 *  - the RX request producer written with any value (then a frame is
 *    injected so the backend looks at it);
 *  - a frame injected from the "TAP" side (unicast, multicast, broadcast);
 *  - a control-ring message (any type, the data page's ref or any value,
 *    fuzzed key/table bytes), or the control producer far ahead.
 *
 * The policy checked (harness/netback.h, netback_tx.c): a packet chain
 * that runs past the producer, or a producer more than a ring ahead, stops
 * that queue (stats.fatal); everything else gets exactly one response per
 * slot (NETIF_RSP_NULL for each extra) and the queue goes on.  The control
 * ring answers every message with a NETIF_CTRL_STATUS_*.  pvf_nb_inject
 * returns only its documented values.  A queue that was not stopped still
 * carries a well-formed packet at the end; detaching leaves no grant
 * mapped (pvf_nbr_detach would say -PVF_EBUSY) and the hypervisor has no
 * grant, port or page left.
 *
 * After the RX producer was tampered with, the backend may legitimately
 * fill RX slots the frontend never posted, so the raw frontend may call
 * the backend's answers bad; from then on waits are short, a missing
 * answer is not a violation and the run ends at the first such doubt.
 *
 * Accepted: no queue was stopped.  Rejected: a queue or the control ring
 * was stopped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/barrier.h>
#include <pvfront/errno.h>
#include "../../harness/env.h"
#include "../../harness/netback.h"
#include "../../harness/netback_rawfront.h"
#include "fuzz.h"

#define MAX_OPS 16
#define MAX_SLOTS 24
#define TMO 3000
#define SHORT_TMO 200

_Static_assert(sizeof(struct netif_tx_request) == 12, "netif_tx_request size");
_Static_assert(sizeof(struct netif_extra_info) == 8, "netif_extra_info size");
_Static_assert(sizeof(struct xen_netif_ctrl_request) == 16, "ctrl request size");

static struct pvf_env g_env;
static int g_env_up;
static const uint8_t g_mac[6] = { 0x00, 0x16, 0x3e, 0x5a, 0x11, 0x01 };

void pvf_fuzz_netback_fini(void)
{
	if (g_env_up)
		pvf_env_stop(&g_env);
	g_env_up = 0;
}

struct run {
	struct pvf_nbr fr;
	struct pvf_nb *nb;
	int dead[PVF_NBR_MAX_QUEUES]; /* stopped (we know it) */
	int tainted;                  /* RX producer or ctrl producer tampered */
	int ctrl_dead;
};

static unsigned int busy(const struct pvf_nbr_queue *q)
{
	unsigned int n = 0, b;

	for (b = 0; b < PVF_NBR_RING; b++)
		n += q->tx_busy[b];
	return n;
}

static uint32_t nb_fatal(struct run *r)
{
	struct pvf_nb_stats st;

	pvf_nb_stats(r->nb, &st);
	return st.fatal;
}

/* Poll until @done says so, up to @ms.  Returns 0 done, 1 timeout, 2 the
 * raw frontend broke. */
static int wait_for(struct run *r, int (*done)(struct run *, const void *), const void *arg, int ms)
{
	int i;

	for (i = 0; i < ms; i++) {
		if (done(r, arg))
			return 0;
		if (pvf_nbr_poll(&r->fr, 1) < 0)
			return 2;
	}
	return done(r, arg) ? 0 : 1;
}

struct txwait {
	unsigned int q, left;       /* slots that stay unanswered */
	uint32_t fatal_before;
	int want_fatal;
};

static int tx_done(struct run *r, const void *arg)
{
	const struct txwait *w = arg;

	return busy(&r->fr.q[w->q]) == w->left && (!w->want_fatal || nb_fatal(r) > w->fatal_before);
}

static int fatal_done(struct run *r, const void *arg)
{
	return nb_fatal(r) > *(const uint32_t *)arg;
}

/* A doubt after tampering ends the run quietly; otherwise a violation. */
static int waited(struct run *r, int rc, const char *what)
{
	if (!rc)
		return 0;
	if (r->tainted)
		return 1;
	return pvf_fuzz_fail("%s: %s", what, rc == 2 ? "the raw frontend saw a bad response" :
			     "no answer and the queue was not stopped");
}

static uint32_t pick_ref(struct run *r, unsigned int q, unsigned int slot, uint8_t sel,
			 struct pvf_fuzz_in *in)
{
	switch (sel & 7) {
	case 0: case 1: case 2: case 3:
		return pvf_nbr_tx_ref(&r->fr, q, slot % PVF_NBR_RING);
	case 4:
		return pvf_nbr_tx_ref(&r->fr, q, sel >> 3);
	case 5:
		return r->fr.q[q].rxref[sel >> 3];
	case 6:
		return (sel & 8) ? 2u : 60000u + (sel >> 4); /* reserved / past the table */
	default:
		return 0x80000000u | pvf_fuzz_u32(in);
	}
}

/* Predict the backend's parse of @n slots: returns the slots answered
 * (whole packets), *extras among them, *fatal when a chain runs past. */
static unsigned int predict(const struct netif_tx_request *s, unsigned int n, unsigned int *extras,
			    int *fatal)
{
	unsigned int i = 0, answered = 0, ex = 0;

	*fatal = 0;
	while (i < n) {
		unsigned int start = i, pex = 0;
		uint16_t flags = s[i].flags, more;

		i++;
		more = flags & NETTXF_extra_info;
		while (more) {
			struct netif_extra_info e;

			if (i == n) {
				*fatal = 1;
				break;
			}
			memcpy(&e, &s[i], sizeof(e));
			i++;
			pex++;
			more = e.flags & XEN_NETIF_EXTRA_FLAG_MORE;
		}
		more = *fatal ? 0 : flags & NETTXF_more_data;
		while (more) {
			if (i == n) {
				*fatal = 1;
				break;
			}
			more = s[i].flags & NETTXF_more_data;
			i++;
		}
		if (*fatal)
			break;
		answered += i - start;
		ex += pex;
	}
	*extras = ex;
	return answered;
}

static int op_tx(struct run *r, struct pvf_fuzz_in *in)
{
	struct netif_tx_request s[MAX_SLOTS];
	uint8_t hdr = pvf_fuzz_u8(in);
	unsigned int q = (hdr & 1) % r->fr.nq, n = 1 + (hdr >> 1) % MAX_SLOTS, k, answered, extras;
	struct pvf_nbr_queue *fq = &r->fr.q[q];
	struct pvf_nbr_stats before = r->fr.st;
	struct txwait w;
	uint64_t data_before, data_after;
	int fatal, rc;

	for (k = 0; k < n; k++) {
		uint8_t kind = pvf_fuzz_u8(in);

		memset(&s[k], 0, sizeof(s[k]));
		if ((kind & 3) == 3) { /* an extra: type, flags, body */
			uint8_t *b = (uint8_t *)&s[k];

			b[0] = (kind & 4) ? pvf_fuzz_u8(in) : (uint8_t)(1 + ((kind >> 3) & 3));
			b[1] = (kind & 0x80) ? XEN_NETIF_EXTRA_FLAG_MORE : 0;
			pvf_fuzz_bytes(in, b + 2, 6);
			continue;
		}
		s[k].gref = pick_ref(r, q, fq->tx.req_prod_pvt + k, pvf_fuzz_u8(in), in);
		s[k].flags = (uint16_t)(kind >> 2) & (NETTXF_csum_blank | NETTXF_data_validated |
						       NETTXF_more_data | NETTXF_extra_info);
		switch (kind & 3) {
		case 0: /* a page-sized slot */
			s[k].size = (uint16_t)(k ? 100 : 60 + 100 * (n - 1));
			break;
		case 1:
			s[k].size = pvf_fuzz_u16(in);
			s[k].offset = (uint16_t)(pvf_fuzz_u8(in) * 16);
			break;
		default:
			s[k].size = pvf_fuzz_u16(in);
			s[k].offset = pvf_fuzz_u16(in);
			break;
		}
	}
	if (r->dead[q])
		return 0;
	answered = predict(s, n, &extras, &fatal);
	w.q = q;
	w.left = busy(fq) + (n - answered);
	w.fatal_before = nb_fatal(r);
	w.want_fatal = fatal;
	if (pvf_nbr_send_raw(&r->fr, q, s, n))
		return 0; /* no room: nothing sent */
	rc = wait_for(r, tx_done, &w, r->tainted ? SHORT_TMO : TMO);
	if (rc)
		return waited(r, rc, "tx batch");
	if (fatal)
		r->dead[q] = 1;
	if (r->tainted)
		return 0;
	if (r->fr.st.tx_null - before.tx_null != extras)
		return pvf_fuzz_fail("tx: %llu NULL responses for %u extras",
				     (unsigned long long)(r->fr.st.tx_null - before.tx_null), extras);
	data_before = before.tx_ok + before.tx_error + before.tx_dropped;
	data_after = r->fr.st.tx_ok + r->fr.st.tx_error + r->fr.st.tx_dropped;
	if (data_after - data_before != answered - extras)
		return pvf_fuzz_fail("tx: %llu data responses for %u data slots",
				     (unsigned long long)(data_after - data_before), answered - extras);
	if (!fatal && nb_fatal(r) != w.fatal_before)
		return pvf_fuzz_fail("tx: a batch of whole packets stopped a queue");
	return 0;
}

static int op_tx_prod(struct run *r, struct pvf_fuzz_in *in)
{
	uint8_t sel = pvf_fuzz_u8(in);
	unsigned int q = (sel & 1) % r->fr.nq;
	struct pvf_nbr_queue *fq = &r->fr.q[q];
	uint32_t before = nb_fatal(r);
	RING_IDX p;
	int rc;

	if (r->dead[q])
		return 0;
	p = (sel & 2) ? fq->tx.req_prod_pvt + PVF_NBR_RING + 1 + (sel >> 2)
		      : fq->tx.req_prod_pvt - 1 - (sel >> 2);
	pvf_wmb();
	PVF_WRITE_ONCE(fq->tx.sring->req_prod, p);
	pvf_mb();
	r->fr.p->ops->evtchn_notify(r->fr.p->ctx, fq->port_tx);
	r->dead[q] = 1;
	rc = wait_for(r, fatal_done, &before, r->tainted ? SHORT_TMO : TMO);
	return waited(r, rc, "tx producer out of range");
}

static int inject(struct run *r, struct pvf_fuzz_in *in)
{
	static uint8_t frame[1600];
	uint8_t sel = pvf_fuzz_u8(in);
	size_t len = (sel & 0x80) ? pvf_fuzz_u16(in) % sizeof(frame) : 14 + (sel & 0x7f) * 8u;
	unsigned int qq;
	int rc;

	memset(frame, 0x5a, sizeof(frame));
	switch (sel & 3) {
	case 0:
		memcpy(frame, g_mac, 6);
		break;
	case 1:
		memset(frame, 0xff, 6);
		break;
	default:
		memcpy(frame, "\x01\x00\x5e\x00\x00\x01", 6);
		frame[5] = pvf_fuzz_u8(in);
		break;
	}
	memcpy(frame + 6, "\x02\x00\x00\x00\x00\x02", 6);
	frame[12] = 0x08;
	frame[13] = 0x00;
	rc = pvf_nb_inject(r->nb, frame, len, &qq);
	if (rc != 1 && rc != 0 && rc != -PVF_EAGAIN && !(rc == -PVF_EINVAL && (len < 14 || len > 65535)))
		return pvf_fuzz_fail("pvf_nb_inject(%zu bytes) returned %d", len, rc);
	if (rc == 1 && qq >= r->fr.nq)
		return pvf_fuzz_fail("pvf_nb_inject chose queue %u of %u", qq, r->fr.nq);
	if (pvf_nbr_poll(&r->fr, 0) < 0)
		return waited(r, 2, "rx after inject");
	return 0;
}

static int op_rx_prod(struct run *r, struct pvf_fuzz_in *in)
{
	uint8_t sel = pvf_fuzz_u8(in);
	unsigned int q = (sel & 1) % r->fr.nq;
	struct pvf_nbr_queue *fq = &r->fr.q[q];
	RING_IDX p;

	switch ((sel >> 1) & 3) {
	case 0:
		p = fq->rx.req_prod_pvt + 1 + (sel >> 3);
		break;
	case 1:
		p = fq->rx.req_prod_pvt - 1 - (sel >> 3);
		break;
	case 2:
		p = fq->rx.req_prod_pvt + PVF_NBR_RING + (sel >> 3);
		break;
	default:
		p = pvf_fuzz_u32(in);
		break;
	}
	r->tainted = 1;
	pvf_wmb();
	PVF_WRITE_ONCE(fq->rx.sring->req_prod, p);
	pvf_mb();
	r->fr.p->ops->evtchn_notify(r->fr.p->ctx, fq->port_rx);
	return inject(r, in);
}

static int op_ctrl(struct run *r, struct pvf_fuzz_in *in)
{
	uint8_t sel = pvf_fuzz_u8(in);
	uint16_t type = (sel & 0x80) ? pvf_fuzz_u16(in) : (uint16_t)(sel % 12);
	uint32_t d0, d1, d2, status = 0, data = 0;
	int rc;

	if (!r->fr.have_ctrl || r->ctrl_dead)
		return 0;
	if (sel & 0x40) { /* the control producer far ahead: the ring stops */
		uint32_t before = nb_fatal(r);

		r->ctrl_dead = 1;
		pvf_wmb();
		PVF_WRITE_ONCE(r->fr.ctrl.sring->req_prod, r->fr.ctrl.req_prod_pvt +
			       RING_SIZE(&r->fr.ctrl) + 1 + (sel & 63));
		pvf_mb();
		r->fr.p->ops->evtchn_notify(r->fr.p->ctx, r->fr.ctrl_port);
		rc = wait_for(r, fatal_done, &before, r->tainted ? SHORT_TMO : TMO);
		return waited(r, rc, "control producer out of range");
	}
	d0 = (sel & 0x20) ? pvf_fuzz_u32(in) : pvf_nbr_ctrl_buf_ref(&r->fr);
	d1 = (sel & 0x10) ? pvf_fuzz_u32(in) : pvf_fuzz_u8(in);
	d2 = (sel & 0x08) ? pvf_fuzz_u32(in) : pvf_fuzz_u8(in);
	pvf_fuzz_bytes(in, pvf_nbr_ctrl_buf(&r->fr), pvf_fuzz_u8(in) & 63);
	rc = pvf_nbr_ctrl(&r->fr, type, d0, d1, d2, &status, &data, r->tainted ? SHORT_TMO : TMO);
	if (rc == -PVF_ETIMEDOUT || rc == -PVF_EPROTO)
		return waited(r, rc == -PVF_EPROTO ? 2 : 1, "control message");
	if (rc)
		return pvf_fuzz_fail("pvf_nbr_ctrl type %u: %d", type, rc);
	if (status > XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW)
		return pvf_fuzz_fail("control type %u answered status %u", type, status);
	if (type > XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING && status != XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED)
		return pvf_fuzz_fail("unknown control type %u answered %u", type, status);
	return 0;
}

/* The queues not stopped still carry a well-formed packet. */
static int final_check(struct run *r)
{
	static uint8_t pkt[200];
	unsigned int q;

	memset(pkt, 0x33, sizeof(pkt));
	memcpy(pkt, g_mac, 6);
	memcpy(pkt + 6, "\x02\x00\x00\x00\x00\x02", 6);
	for (q = 0; q < r->fr.nq; q++) {
		struct txwait w = { .q = q, .left = 0 };
		uint64_t ok = r->fr.st.tx_ok;
		int rc;

		if (r->dead[q] || r->tainted)
			continue;
		w.left = busy(&r->fr.q[q]);
		if (pvf_nbr_send(&r->fr, q, pkt, sizeof(pkt), 0, NULL, 0))
			return pvf_fuzz_fail("queue %u: no room for the final packet", q);
		rc = wait_for(r, tx_done, &w, TMO);
		if (rc)
			return waited(r, rc, "final packet");
		if (r->fr.st.tx_ok != ok + 1)
			return pvf_fuzz_fail("queue %u: the final packet was not answered OKAY", q);
	}
	return 0;
}

static const enum pvf_nb_profile profs[] = { PVF_NB_PROFILE_LINUX, PVF_NB_PROFILE_QEMU,
					     PVF_NB_PROFILE_FULL, PVF_NB_PROFILE_LINUX };

int pvf_fuzz_netback(const uint8_t *data, size_t size)
{
	static struct run r;
	struct pvf_fuzz_in in;
	struct pvf_nb_config c;
	struct pvf_nbr_config fc;
	struct pvf_lb_stats ls;
	struct pvf_nb_stats st;
	char fe[256], be[256];
	uint8_t setup;
	int ret = PVF_FUZZ_ACCEPTED, ops, rc, attached = 0;

	if (!g_env_up) {
		if (pvf_env_start(&g_env, NULL, "fuzz_netback"))
			return pvf_fuzz_fail("cannot start the harness environment");
		g_env_up = 1;
	}
	pvf_fuzz_in_init(&in, data, size);
	setup = pvf_fuzz_u8(&in);
	memset(&r, 0, sizeof(r));
	if (pvf_nb_toolstack_add(0, pvf_lb_guest_domid(g_env.guest), 0, g_mac, 1500, fe, sizeof(fe),
				 be, sizeof(be)))
		return pvf_fuzz_fail("toolstack_add failed");
	memset(&c, 0, sizeof(c));
	c.hv = g_env.hv;
	snprintf(c.fe_dir, sizeof(c.fe_dir), "%s", fe);
	snprintf(c.be_dir, sizeof(c.be_dir), "%s", be);
	c.mode = (setup & 4) ? PVF_NB_MODE_ECHO : PVF_NB_MODE_SINK;
	c.profile = profs[setup & 3];
	if (pvf_nb_start(&c, &r.nb)) {
		pvf_nb_toolstack_remove(fe, be);
		return pvf_fuzz_fail("pvf_nb_start failed");
	}
	memset(&fc, 0, sizeof(fc));
	fc.queues = 1 + ((setup >> 3) & 1);
	fc.split = (setup >> 4) & 1;
	fc.ctrl = !((setup >> 5) & 1);
	fc.gso = (setup >> 6) & 1;
	rc = pvf_nbr_attach(&r.fr, g_env.guest, fe, &fc, TMO);
	if (rc) {
		ret = pvf_fuzz_fail("pvf_nbr_attach: %d", rc);
		goto out;
	}
	attached = 1;
	for (ops = 0; ops < MAX_OPS && in.left; ops++) {
		uint8_t op = pvf_fuzz_u8(&in);

		switch (op & 15) {
		case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7:
			rc = op_tx(&r, &in);
			break;
		case 8:
			rc = op_tx_prod(&r, &in);
			break;
		case 9:
			rc = op_rx_prod(&r, &in);
			break;
		case 10: case 11:
			rc = inject(&r, &in);
			break;
		default:
			rc = op_ctrl(&r, &in);
			break;
		}
		if (rc == PVF_FUZZ_VIOLATION) {
			ret = rc;
			goto out;
		}
		if (rc) /* a doubt after tampering: stop here */
			break;
	}
	if (final_check(&r) == PVF_FUZZ_VIOLATION)
		ret = PVF_FUZZ_VIOLATION;
	else if (nb_fatal(&r))
		ret = PVF_FUZZ_REJECTED;
out:
	if (attached) {
		rc = pvf_nbr_detach(&r.fr, TMO);
		if (rc && ret != PVF_FUZZ_VIOLATION)
			ret = pvf_fuzz_fail("pvf_nbr_detach: %d (a grant still mapped?)", rc);
	}
	pvf_nb_stats(r.nb, &st);
	if (st.grants_mapped && ret != PVF_FUZZ_VIOLATION)
		ret = pvf_fuzz_fail("netback maps %u grants after the frontend closed",
				    st.grants_mapped);
	pvf_nb_stop(r.nb);
	pvf_nb_toolstack_remove(fe, be);
	pvf_lb_hv_stats(g_env.hv, &ls);
	if ((ls.grants_mapped || ls.grants_in_use || ls.guest_ports || ls.backend_ports ||
	     ls.pages_allocated) && ret != PVF_FUZZ_VIOLATION)
		ret = pvf_fuzz_fail("left behind: %u mapped, %u granted, %u+%u ports, %u pages",
				    ls.grants_mapped, ls.grants_in_use, ls.guest_ports,
				    ls.backend_ports, ls.pages_allocated);
	return ret;
}

/* ---- corpus ----------------------------------------------------------------- */

/* byte 0 setup; then ops: op byte (low 4 bits: 0-7 tx, 8 tx producer,
 * 9 rx producer, 10-11 inject, 12-15 control) and its bytes. */
static const uint8_t seed_sink[] = {
	0x00,                               /* linux, sink, 1 queue, ctrl */
	0x00, 0x00, 0x00, 0x00,             /* tx: 1 slot, page-sized, own ref */
	0x00, 0x04, 0x40, 0x00, 0x00, 0x00, /* tx: 3 slots, more_data chain */
	0x0a, 0x05,                         /* inject broadcast */
};
static const uint8_t seed_echo_bad[] = {
	0x04,                               /* linux, echo */
	0x00, 0x00, 0x01, 0x06, 0xa0, 0x0f, 0x00, /* tx: size 4000 offset 96*16 */
	0x00, 0x02, 0x0c, 0x00, 0x03, 0x00, /* tx: 2: extra (GSO), data */
	0x0a, 0x00,                         /* inject unicast */
	0x0c, 0x01, 0x05,                   /* ctrl: set hash flags */
	0x00, 0x00, 0x00, 0x07, 0x11, 0x22, 0x33, 0x44, /* tx: bad ref */
};
static const uint8_t seed_fatal[] = {
	0x08,                               /* two queues */
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x40, 0x00,             /* tx on queue 1: more_data past the end */
	0x08, 0x02,                         /* tx producer a ring ahead on queue 0 */
};
static const uint8_t seed_rx[] = {
	0x14,                               /* echo, split */
	0x09, 0x00,                         /* rx producer + 1 */
	0x00, 0x00, 0x00, 0x00,
	0x0d, 0x47,                         /* ctrl producer far ahead */
};
static const uint8_t seed_qemu[] = {
	0x01,                               /* qemu */
	0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x40, 0x00, 0x00, 0x00, /* multi-slot: refused without SG */
	0x0b, 0x82, 0x00, 0x20, 0x11,       /* inject a multicast frame */
};

const struct pvf_fuzz_seed pvf_fuzz_netback_corpus[] = {
	PVF_FUZZ_ARR(seed_sink),
	PVF_FUZZ_ARR(seed_echo_bad),
	PVF_FUZZ_ARR(seed_fatal),
	PVF_FUZZ_ARR(seed_rx),
	PVF_FUZZ_ARR(seed_qemu),
	PVF_FUZZ_SEED_END,
};
