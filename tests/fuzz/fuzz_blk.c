/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the block frontend's response consumption (frontends/blk/).
 *
 * A connected struct pvf_blk over the scriptable test backend
 * (tests/blk_testback.h) is driven by the input read as a small program:
 * the first byte picks the configuration (ring order, persistent grants,
 * bounce mode, indirect descriptors), then each op byte either submits a
 * request, lets the honest backend serve, forges a response (id, operation
 * and status chosen by the input, or raw bytes in any slot), moves the
 * shared response producer anywhere, polls, fires an event, or retries
 * held grants.
 *
 * Invariants: no crash or sanitizer report; every done() runs at most once
 * while the device lives and exactly once after shutdown, with a status
 * from the documented list (0 for a request the submit refused is never
 * reported: done() is not called for it); once the device reports
 * -PVF_EPROTO it stays broken (polls keep failing -PVF_EPROTO, submits are
 * refused); shutdown leaves no grant, page, port or watch behind.
 * Accepted: the device never broke; rejected: it broke (-PVF_EPROTO).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/blk.h>
#include "../blk_testback.h"
#include "fuzz.h"

#define BLK_FUZZ_REQS 24u   /* requests the program may have in flight */
#define BLK_FUZZ_OPS 96u    /* program length cap */
#define BLK_FUZZ_SECTORS 2048u

struct freq {
	struct pvf_blk_req r;
	int calls;
	int status;
	int live;               /* submitted (returned 0) */
};

struct blk_run {
	struct tb_fx *fx;
	struct freq req[BLK_FUZZ_REQS];
	struct tb_buf buf;
	int broken;             /* -PVF_EPROTO seen */
	int bad;                /* a violation was recorded */
};

static void freq_done(struct pvf_blk_req *r, int status)
{
	struct freq *q = r->cookie;

	q->calls++;
	q->status = status;
}

static int status_ok(int st)
{
	return st == 0 || st == -PVF_EIO || st == -PVF_EOPNOTSUPP || st == -PVF_EPROTO ||
	       st == -PVF_EBUSY || st == -PVF_EROFS || st == -PVF_ENOSPC || st == -PVF_ESHUTDOWN;
}

/* The invariants that hold after every step. */
static int check(struct blk_run *b, const char *where)
{
	unsigned int i;

	if (b->bad)
		return -1;
	for (i = 0; i < BLK_FUZZ_REQS; i++) {
		struct freq *q = &b->req[i];

		if (q->calls > 1 || (q->calls && !q->live))
			return b->bad = 1, pvf_fuzz_fail("blk %s: request %u completed %d times (live %d)",
							where, i, q->calls, q->live);
		if (q->calls && !status_ok(q->status))
			return b->bad = 1, pvf_fuzz_fail("blk %s: request %u completed with status %d",
							where, i, q->status);
	}
	if (b->broken && !pvf_blk_is_broken(&b->fx->blk))
		return b->bad = 1, pvf_fuzz_fail("blk %s: -PVF_EPROTO was reported but the device "
						"is no longer broken", where);
	return 0;
}

static void poll_once(struct blk_run *b)
{
	int r = pvf_blk_poll(&b->fx->blk);

	if (r == -PVF_EPROTO)
		b->broken = 1;
	else if (r < 0 && !b->bad)
		b->bad = 1, pvf_fuzz_fail("blk poll returned %d", r);
	else if (b->broken && !b->bad)
		b->bad = 1, pvf_fuzz_fail("blk poll returned %d after -PVF_EPROTO", r);
}

static void op_submit(struct blk_run *b, struct pvf_fuzz_in *in)
{
	uint8_t a = pvf_fuzz_u8(in), s = pvf_fuzz_u8(in);
	unsigned int i;
	struct freq *q = NULL;
	int r;

	for (i = 0; i < BLK_FUZZ_REQS; i++)
		if (!b->req[i].live || b->req[i].calls) {
			q = &b->req[i];
			break;
		}
	if (!q)
		return;
	memset(q, 0, sizeof(*q));
	q->r.op = (uint8_t)(a & 3);
	q->r.flags = (a & 0x80) ? PVF_BLK_REQ_SECURE : 0;
	q->r.sector = (uint64_t)s * 8u;
	q->r.nr_sectors = 1u + ((a >> 2) & 15u) * 8u;
	if (q->r.op == PVF_BLK_OP_READ || q->r.op == PVF_BLK_OP_WRITE) {
		q->r.segs = b->buf.segs;
		q->r.nr_segs = 1u + ((a >> 2) & 3u);
	}
	q->r.done = freq_done;
	q->r.cookie = q;
	r = pvf_blk_submit(&b->fx->blk, &q->r);
	if (r == 0) {
		q->live = 1;
		if (b->broken && !b->bad)
			b->bad = 1, pvf_fuzz_fail("blk submit accepted on a broken device");
	} else {
		if (q->calls && !b->bad)
			b->bad = 1, pvf_fuzz_fail("blk submit failed (%d) but called done()", r);
		if (b->broken && r != -PVF_EPROTO && !b->bad)
			b->bad = 1, pvf_fuzz_fail("blk submit on a broken device returned %d", r);
		q->live = 0;
	}
}

/* Write one response at the backend's private producer and publish it.
 * With a pending request, it is consumed and its id/op are the defaults
 * the input may keep or replace. */
static void op_forge(struct blk_run *b, struct pvf_fuzz_in *in)
{
	blkif_back_ring_t *ring = &b->fx->tb.ring[0];
	uint8_t sel = pvf_fuzz_u8(in);
	uint16_t raw = pvf_fuzz_u16(in);
	uint64_t id = raw;
	uint8_t op = (uint8_t)raw;
	int16_t st = BLKIF_RSP_OKAY;
	blkif_response_t *rsp;

	if (ring->req_cons != ring->sring->req_prod) {
		blkif_request_t req;

		memcpy(&req, RING_GET_REQUEST(ring, ring->req_cons), sizeof(req));
		ring->req_cons++;
		if (!(sel & 1))
			id = req.id;
		if (!(sel & 2))
			op = req.operation;
	}
	if (sel & 4)
		id += (uint64_t)pvf_fuzz_u8(in) << 32; /* beyond any shadow index */
	switch ((sel >> 3) & 7) {
	case 0: case 1: case 2: st = BLKIF_RSP_OKAY; break;
	case 3: st = BLKIF_RSP_ERROR; break;
	case 4: st = BLKIF_RSP_EOPNOTSUPP; break;
	default: st = (int16_t)pvf_fuzz_u16(in); break;
	}
	rsp = RING_GET_RESPONSE(ring, ring->rsp_prod_pvt);
	rsp->id = id;
	rsp->operation = op;
	rsp->status = st;
	ring->rsp_prod_pvt++;
	pvf_wmb();
	ring->sring->rsp_prod = ring->rsp_prod_pvt;
	if (sel & 0x40)
		poll_once(b);
}

/* Raw bytes into any response slot, then maybe a wild producer. */
static void op_scribble(struct blk_run *b, struct pvf_fuzz_in *in)
{
	blkif_back_ring_t *ring = &b->fx->tb.ring[0];
	uint8_t slot = pvf_fuzz_u8(in);
	uint8_t bytes[sizeof(blkif_response_t)];
	size_t n = pvf_fuzz_bytes(in, bytes, sizeof(bytes));

	memcpy(RING_GET_RESPONSE(ring, ring->rsp_prod_pvt + slot), bytes, n);
}

static void op_producer(struct blk_run *b, struct pvf_fuzz_in *in)
{
	blkif_back_ring_t *ring = &b->fx->tb.ring[0];
	uint8_t d = pvf_fuzz_u8(in);
	RING_IDX v;

	if (d == 0x80)
		v = pvf_fuzz_u32(in);
	else
		v = ring->rsp_prod_pvt + (RING_IDX)(int32_t)(int8_t)d;
	pvf_wmb();
	ring->sring->rsp_prod = v;
	poll_once(b);
	/* the honest backend carries on from its private index */
	ring->sring->rsp_prod = ring->rsp_prod_pvt;
}

int pvf_fuzz_blk(const uint8_t *data, size_t size)
{
	struct pvf_fuzz_in in;
	struct blk_run b;
	uint8_t cfg;
	unsigned int i, ops = 0;
	int r, leaks;

	memset(&b, 0, sizeof(b));
	pvf_fuzz_in_init(&in, data, size);
	cfg = pvf_fuzz_u8(&in);
	b.fx = tb_fx_new(BLK_FUZZ_SECTORS);
	b.fx->cfg.max_ring_page_order = cfg & 1;
	b.fx->cfg.persistent = (cfg >> 1) & 1;
	b.fx->cfg.trusted = !((cfg >> 2) & 1);
	b.fx->cfg.max_indirect_segs = (cfg & 8) ? 0 : 32;
	b.fx->cfg.pool_pages = 32;
	b.fx->cfg.polled = (cfg >> 4) & 1;
	if (cfg & 0x20)
		tb_fx_be(b.fx, "feature-flush-cache", "0");
	if (cfg & 0x40)
		tb_fx_be(b.fx, "feature-discard", "1");
	r = tb_fx_connect(b.fx);
	if (r) {
		tb_fx_free(b.fx);
		return pvf_fuzz_fail("blk fixture did not connect: %d", r);
	}
	tb_buf_new(&b.buf, 4, (cfg >> 7) & 1);
	while (in.left && ops++ < BLK_FUZZ_OPS && !b.bad) {
		switch (pvf_fuzz_u8(&in) & 7) {
		case 0:
			op_submit(&b, &in);
			break;
		case 1: /* the honest backend serves what is queued */
			tb_back_run(&b.fx->tb);
			poll_once(&b);
			break;
		case 2:
			op_forge(&b, &in);
			break;
		case 3:
			op_producer(&b, &in);
			break;
		case 4:
			poll_once(&b);
			break;
		case 5: { /* an event on the queue's port or any other */
			uint8_t p = pvf_fuzz_u8(&in);
			uint32_t port = p & 1 ? b.fx->blk.q[0].port : p;

			r = pvf_blk_on_event(&b.fx->blk, port);
			if (r == -PVF_EPROTO)
				b.broken = 1;
			break;
		}
		case 6:
			op_scribble(&b, &in);
			break;
		default:
			pvf_blk_retry_held(&b.fx->blk);
			break;
		}
		check(&b, "step");
	}
	if (!b.bad && b.broken) {
		/* sticky: a later poll still fails */
		r = pvf_blk_poll(&b.fx->blk);
		if (r != -PVF_EPROTO)
			b.bad = 1, pvf_fuzz_fail("blk poll after -PVF_EPROTO returned %d", r);
	}
	pvf_blk_shutdown(&b.fx->blk);
	check(&b, "shutdown");
	for (i = 0; i < BLK_FUZZ_REQS && !b.bad; i++)
		if (b.req[i].live && b.req[i].calls != 1)
			b.bad = 1, pvf_fuzz_fail("blk request %u completed %d times by shutdown", i,
						 b.req[i].calls);
	leaks = tb_fx_free(b.fx);
	tb_buf_free(&b.buf);
	if (!b.bad && leaks)
		b.bad = 1, pvf_fuzz_fail("blk shutdown left %d grants/pages/ports/watches", leaks);
	if (b.bad)
		return PVF_FUZZ_VIOLATION;
	return b.broken ? PVF_FUZZ_REJECTED : PVF_FUZZ_ACCEPTED;
}

/* ---- corpus ------------------------------------------------------------------ */

/* submit 2 reads, serve, poll */
static const uint8_t blk_c0[] = { 0x00, 0, 0x00, 1, 0, 0x05, 3, 1, 4 };
/* writes and a flush on an order-1 ring with persistent grants in bounce mode */
static const uint8_t blk_c1[] = { 0x07, 0, 0x01, 9, 0, 0x0d, 20, 0, 0x02, 0, 1, 4 };
/* a forged response that matches the request (accepted as a completion) */
static const uint8_t blk_c2[] = { 0x00, 0, 0x00, 5, 2, 0x40, 0, 0, 4 };
/* a forged error response, then an event on the right port */
static const uint8_t blk_c3[] = { 0x08, 0, 0x01, 7, 2, 0x18, 0, 0, 5, 1 };
/* many submits, then the backend serves, then an echo of the producer */
static const uint8_t blk_c4[] = { 0x10, 0, 0x00, 1, 0, 0x04, 2, 0, 0x05, 3, 0, 0x01, 4,
				  1, 3, 0, 4, 7 };
/* discard on a backend with discard */
static const uint8_t blk_c5[] = { 0x40, 0, 0x0b, 2, 1, 4 };
/* a producer far ahead (rejected) */
static const uint8_t blk_c6[] = { 0x00, 0, 0x00, 1, 3, 0x40 };

const struct pvf_fuzz_seed pvf_fuzz_blk_corpus[] = {
	PVF_FUZZ_ARR(blk_c0), PVF_FUZZ_ARR(blk_c1), PVF_FUZZ_ARR(blk_c2), PVF_FUZZ_ARR(blk_c3),
	PVF_FUZZ_ARR(blk_c4), PVF_FUZZ_ARR(blk_c5), PVF_FUZZ_ARR(blk_c6), PVF_FUZZ_SEED_END,
};
