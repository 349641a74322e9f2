/* SPDX-License-Identifier: BSD-2-Clause */
/* Network frontend core against an untrusted backend (config `trusted` 0
 * or the toolstack's frontend key `trusted` = 0): bounce pages for TX
 * (never the caller's frames, read-only, zeroed around the data), RX pool
 * pages zeroed before every grant and copied into private pages before
 * rx(), quarantine of bounce pages the backend keeps mapped, the key's
 * strict parsing, and clean teardown.  Each bounce check has a trusted
 * control that shows the check can tell the two apart.  The backend is
 * tests/net_testback.c over the fake platform. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cu.h"
#include "net_testback.h"

#define BOUNCE_PAGES (PVF_NET_TX_RING_SIZE + PVF_NET_MAX_FRAGS)

/* A fixture with the frontend `trusted` key set to @key (NULL: absent)
 * and the config's trusted to @cfg_trusted. */
static struct ntb_fx *fx_new(int cfg_trusted, const char *key)
{
	struct ntb_fx *fx = ntb_fx_new(NTB_LINUX);

	fx->cfg.trusted = (uint8_t)cfg_trusted;
	if (key)
		pvf_fake_xs_set(fx->f, NTB_FE "/trusted", key);
	return fx;
}

/* Give every fragment of @t its page address (tpkt_make lays the packet
 * out contiguously from t->va + first offset). */
static void tpkt_set_va(struct tpkt *t)
{
	uint8_t *data = (uint8_t *)t->va + (t->tx.nr_frags ? t->frags[0].offset : 0);
	unsigned int k;

	for (k = 0; k < t->tx.nr_frags; k++) {
		t->frags[k].va = data - t->frags[k].offset;
		data += t->frags[k].len;
	}
}

static unsigned int grants_now(struct ntb_fx *fx)
{
	struct pvf_fake_counters c;

	pvf_fake_counters(fx->f, &c);
	return c.grants;
}

static unsigned int pages_now(struct ntb_fx *fx)
{
	struct pvf_fake_counters c;

	pvf_fake_counters(fx->f, &c);
	return c.pages;
}

/* The backend's view of TX request @k after its consumer (not consumed). */
static netif_tx_request_t tx_req(struct ntb_fx *fx, unsigned int k)
{
	return *RING_GET_REQUEST(&fx->tb.q[0].tx, fx->tb.q[0].tx.req_cons + k);
}

/* What a backend mapping @ref sees; NULL if @ref is not granted. */
static const uint8_t *peek(struct ntb_fx *fx, uint32_t ref, uint64_t *frame, int *ro)
{
	pvf_domid_t dom;
	uint64_t fr = 0;
	int r = 0;

	if (!pvf_fake_gnt_info(fx->f, ref, &fr, &dom, &r))
		return NULL;
	if (frame)
		*frame = fr;
	if (ro)
		*ro = r;
	return pvf_fake_frame_to_va(fx->f, fr);
}

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* ---- negotiation ------------------------------------------------------------ */

static void test_trust_matrix(void)
{
	static const struct {
		int cfg;
		const char *key;
		int bounce;
	} m[] = {
		{ 1, NULL, 0 }, { 1, "1", 0 }, { 1, "0", 1 },
		{ 0, NULL, 1 }, { 0, "1", 1 }, { 0, "0", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct ntb_fx *fx = fx_new(m[i].cfg, m[i].key);

		CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
		CU_ASSERT_EQUAL(pvf_net_get_info(&fx->net)->bounce, m[i].bounce);
		CU_ASSERT_EQUAL(pvf_fake_log_contains(fx->f, "untrusted backend: bounce buffers"),
				m[i].bounce);
		CU_ASSERT_EQUAL(pvf_fake_log_contains(fx->f, "trusted malformed"), 0);
		CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
	}
	/* default config trusts */
	{
		struct pvf_net_config c;

		pvf_net_config_default(&c);
		CU_ASSERT_EQUAL(c.trusted, 1);
	}
}

/* Mirrors the block frontend (pvf_blk_read_trusted): a value that fails
 * the strict boolean parse is not an error but means untrusted, logged. */
static void test_malformed_key(void)
{
	static const char *const bad[] = { "", "2", "01", "yes", "true", "1 ", "-1",
					   "99999999999999999999999" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ntb_fx *fx = fx_new(1, bad[i]);

		CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
		CU_ASSERT_EQUAL(pvf_net_get_info(&fx->net)->bounce, 1);
		CU_ASSERT(pvf_fake_log_contains(fx->f, NTB_FE "/trusted malformed: treating as 0"));
		CU_ASSERT(pvf_fake_log_contains(fx->f, "untrusted backend: bounce buffers"));
		CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
	}
}

/* ---- transmit ---------------------------------------------------------------- */

/* Untrusted: the frames granted are bounce pages, read-only, holding the
 * data at offset 0 and zeros elsewhere; the packet arrives intact even
 * though the caller scribbles over its pages right after transmit.  The
 * trusted control grants the caller's frames. */
static void tx_frames(int untrusted)
{
	struct ntb_fx *fx = fx_new(1, untrusted ? "0" : NULL);
	unsigned int k, g0;
	uint32_t off = 0;
	struct tpkt t;

	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	tpkt_make(&t, fx, 9000, 100, 0, 7); /* 3 fragments over 3 pages */
	CU_ASSERT_EQUAL_FATAL(t.tx.nr_frags, 3);
	tpkt_set_va(&t);
	g0 = grants_now(fx);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	CU_ASSERT_EQUAL(grants_now(fx), g0 + 3);
	for (k = 0; k < 3; k++) {
		netif_tx_request_t rq = tx_req(fx, k);
		uint64_t frame = 0;
		int ro = 0, mine = 0;
		unsigned int j;
		const uint8_t *pg = peek(fx, rq.gref, &frame, &ro);

		CU_ASSERT_PTR_NOT_NULL_FATAL(pg);
		CU_ASSERT_EQUAL(ro, 1);
		for (j = 0; j < 3; j++)
			mine += frame == t.frags[j].frame;
		if (untrusted) {
			CU_ASSERT_EQUAL(mine, 0);
			CU_ASSERT_EQUAL(rq.offset, 0);
			CU_ASSERT(!memcmp(pg, t.bytes + off, t.frags[k].len));
			CU_ASSERT(all_zero(pg + t.frags[k].len, PVF_PAGE_SIZE - t.frags[k].len));
		} else {
			CU_ASSERT_EQUAL(mine, 1);
			CU_ASSERT_EQUAL(frame, t.frags[k].frame);
			CU_ASSERT_EQUAL(rq.offset, t.frags[k].offset);
		}
		off += t.frags[k].len;
	}
	/* the caller's pages change after transmit: a bounced packet is
	 * already copied, a trusted one is read in place */
	memset(t.va, 0xee, (size_t)t.npages * PVF_PAGE_SIZE);
	CU_ASSERT_EQUAL(ntb_tx_run(&fx->tb, 0), 1);
	CU_ASSERT_EQUAL(fx->tb.tx_bad, 0); /* the testback also insists on read-only */
	CU_ASSERT_EQUAL(fx->tb.last.len, 9000);
	CU_ASSERT_EQUAL(!memcmp(fx->tb.last.data, t.bytes, 9000), untrusted);
	CU_ASSERT(pvf_net_poll(&fx->net) > 0);
	CU_ASSERT_EQUAL(t.calls, 1);
	CU_ASSERT_EQUAL(t.status, 0);
	CU_ASSERT_EQUAL(grants_now(fx), g0); /* every data grant ended */
	tpkt_free(&t);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_tx_bounce_frames(void)
{
	tx_frames(1);
}

static void test_tx_trusted_control(void)
{
	tx_frames(0);
}

/* A bounce page reused for a short packet after a long one is granted
 * with nothing of the long one left in it; 3 x 200 packets of varying
 * size and offset, each checked in its granted page, arrive intact. */
static void test_tx_reuse_zeroed(void)
{
	struct ntb_fx *fx = fx_new(0, NULL);
	static struct tpkt t[200];
	struct tpkt big, small;
	netif_tx_request_t rq;
	const uint8_t *pg;
	uint16_t id_big;
	unsigned int round, i;

	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	CU_ASSERT_FATAL(pvf_net_get_info(&fx->net)->bounce);
	tpkt_make(&big, fx, 4000, 0, 0, 1);
	tpkt_set_va(&big);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &big.tx), 0);
	id_big = tx_req(fx, 0).id;
	ntb_tx_run(&fx->tb, 0);
	pvf_net_poll(&fx->net);
	CU_ASSERT_EQUAL(big.status, 0);
	tpkt_make(&small, fx, 10, 3000, 0, 2);
	tpkt_set_va(&small);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &small.tx), 0);
	rq = tx_req(fx, 0);
	CU_ASSERT_EQUAL(rq.id, id_big); /* the same id, so the same bounce page */
	pg = peek(fx, rq.gref, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pg);
	CU_ASSERT(!memcmp(pg, small.bytes, 10));
	CU_ASSERT(all_zero(pg + 10, PVF_PAGE_SIZE - 10));
	ntb_tx_run(&fx->tb, 0);
	pvf_net_poll(&fx->net);
	CU_ASSERT_EQUAL(small.status, 0);
	CU_ASSERT_EQUAL(fx->tb.last.len, 10);
	CU_ASSERT(!memcmp(fx->tb.last.data, small.bytes, 10));
	tpkt_free(&big);
	tpkt_free(&small);

	for (round = 0; round < 3; round++) {
		unsigned int slot = 0, bad = 0;

		for (i = 0; i < 200; i++) {
			tpkt_make(&t[i], fx, 60 + (i * 37 + round * 101) % 1441,
				  (uint16_t)((i * 13) % 2000), 0, round * 1000 + i);
			tpkt_set_va(&t[i]);
			CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t[i].tx), 0);
		}
		for (i = 0; i < 200; i++) {
			netif_tx_request_t r = tx_req(fx, slot++);
			const uint8_t *p = peek(fx, r.gref, NULL, NULL);

			if (!p || r.size != t[i].len || memcmp(p, t[i].bytes, t[i].len) ||
			    !all_zero(p + t[i].len, PVF_PAGE_SIZE - t[i].len))
				bad++;
		}
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT_EQUAL(ntb_tx_run(&fx->tb, 0), 200);
		CU_ASSERT_EQUAL(fx->tb.tx_bad, 0);
		CU_ASSERT(!memcmp(fx->tb.last.data, t[199].bytes, t[199].len));
		CU_ASSERT(pvf_net_poll(&fx->net) > 0);
		for (i = 0; i < 200; i++) {
			CU_ASSERT_EQUAL(t[i].calls, 1);
			CU_ASSERT_EQUAL(t[i].status, 0);
			tpkt_free(&t[i]);
		}
	}
	CU_ASSERT_EQUAL(pvf_net_get_stats(&fx->net)->tx_packets, 602);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

/* Bounce mode copies through va: a fragment without one is refused; the
 * trusted path does not need it. */
static void test_tx_needs_va(void)
{
	int untrusted;

	for (untrusted = 0; untrusted < 2; untrusted++) {
		struct ntb_fx *fx = fx_new(!untrusted, NULL);
		struct tpkt t;

		CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
		tpkt_make(&t, fx, 100, 0, 0, 1); /* va left NULL */
		CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), untrusted ? -PVF_EINVAL : 0);
		ntb_tx_run(&fx->tb, 0);
		pvf_net_poll(&fx->net);
		CU_ASSERT_EQUAL(t.calls, untrusted ? 0 : 1);
		tpkt_free(&t);
		CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
	}
}

/* Quarantine, TX path after a response: the backend keeps the first
 * bounce page mapped.  The packet's status stands (the caller's pages
 * were never shared), the device breaks, the page is counted held and
 * neither ended nor freed while mapped, even across a busy release. */
static void test_tx_quarantine_after_response(void)
{
	struct ntb_fx *fx = fx_new(1, "0");
	unsigned int pages_up;
	struct tpkt a;
	uint32_t ref;
	const uint8_t *pg;

	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	tpkt_make(&a, fx, 300, 0, 0, 5);
	tpkt_set_va(&a);
	pages_up = pages_now(fx);
	fx->tb.tx_mis = NTB_TX_HOLD_MAPPED;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &a.tx), 0);
	ntb_tx_run(&fx->tb, 0);
	ref = fx->tb.held_ref;
	CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), -PVF_EPROTO);
	CU_ASSERT(pvf_net_is_broken(&fx->net));
	CU_ASSERT_EQUAL(a.calls, 1);
	CU_ASSERT_EQUAL(a.status, 0); /* not -PVF_EBUSY: the caller's pages are free */
	tpkt_free(&a);
	CU_ASSERT_EQUAL(pvf_net_held_grants(&fx->net), 1);
	CU_ASSERT(pvf_fake_log_contains(fx->f, "still mapped: quarantined"));
	pg = peek(fx, ref, NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL(pg); /* grant still in place */
	/* backend goes away but keeps the page mapped: release is busy and
	 * the bounce pages stay allocated (everything else is freed) */
	fx->tb.holding = 0; /* detach unmaps the rings only */
	ntb_fx_backend_close(fx);
	CU_ASSERT_EQUAL(pvf_xenbus_release_status(pvf_net_xenbus(&fx->net)), -PVF_EBUSY);
	CU_ASSERT_PTR_NOT_NULL(peek(fx, ref, NULL, NULL));
	CU_ASSERT_EQUAL(pvf_net_held_grants(&fx->net), 1);
	CU_ASSERT(pages_up > PVF_NET_TX_RING_SIZE + 1u);
	CU_ASSERT_EQUAL(pages_now(fx), PVF_NET_TX_RING_SIZE); /* only the bounce pages */
	/* the backend lets go: the retried release frees everything */
	pvf_fake_gnt_set_mapped(fx->f, ref, 0);
	pvf_fake_clock_advance(fx->f, 2000000000ull);
	pvf_xenbus_poll(pvf_net_xenbus(&fx->net));
	CU_ASSERT_EQUAL(pvf_xenbus_release_status(pvf_net_xenbus(&fx->net)), 0);
	CU_ASSERT_EQUAL(pvf_net_held_grants(&fx->net), 0);
	CU_ASSERT_EQUAL(pages_now(fx), 0);
	CU_ASSERT_EQUAL(grants_now(fx), 0);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

/* Grant wrapper: the @fail_at-th grant from now fails after marking the
 * previous one mapped (a backend that guessed a reference that was never
 * published). */
static struct {
	struct pvf_fake *f;
	int (*real)(void *ctx, pvf_domid_t domid, uint64_t frame, int ro, uint32_t *ref);
	unsigned int fail_at;
	uint32_t last_ref;
	uint64_t last_frame;
} gw;

static int grant_wrap(void *ctx, pvf_domid_t domid, uint64_t frame, int ro, uint32_t *ref)
{
	int r;

	if (gw.fail_at && --gw.fail_at == 0) {
		pvf_fake_gnt_set_mapped(gw.f, gw.last_ref, 1);
		return -PVF_ENOSPC;
	}
	r = gw.real(ctx, domid, frame, ro, ref);
	if (r == 0) {
		gw.last_ref = *ref;
		gw.last_frame = frame;
	}
	return r;
}

/* Quarantine, unwind path: the grant of the second fragment fails while
 * the first bounce page is mapped.  Transmit fails -PVF_ENOSPC, the page
 * is quarantined, and 300 later packets never get its frame. */
static void test_tx_quarantine_unwind(void)
{
	struct ntb_fx *fx = fx_new(0, NULL);
	struct tpkt a;
	uint64_t qframe;
	uint32_t qref;
	unsigned int i, reused = 0, bad = 0;

	memset(&gw, 0, sizeof(gw));
	gw.f = fx->f;
	gw.real = fx->ops.gnt_grant;
	fx->ops.gnt_grant = grant_wrap;
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	tpkt_make(&a, fx, 6000, 0, 0, 3); /* 2 fragments */
	tpkt_set_va(&a);
	gw.fail_at = 2;
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &a.tx), -PVF_ENOSPC);
	qframe = gw.last_frame;
	qref = gw.last_ref;
	CU_ASSERT_EQUAL(a.calls, 0);
	CU_ASSERT(!pvf_net_is_broken(&fx->net));
	CU_ASSERT_EQUAL(pvf_net_held_grants(&fx->net), 1);
	for (i = 0; i < 300; i++) {
		struct tpkt t;
		netif_tx_request_t r;
		uint64_t frame = 0;

		tpkt_make(&t, fx, 200 + i, 0, 0, i);
		tpkt_set_va(&t);
		CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
		r = tx_req(fx, 0);
		peek(fx, r.gref, &frame, NULL);
		reused += frame == qframe;
		ntb_tx_run(&fx->tb, 0);
		pvf_net_poll(&fx->net);
		bad += t.calls != 1 || t.status != 0 || fx->tb.last.len != t.len ||
		       memcmp(fx->tb.last.data, t.bytes, t.len) != 0;
		tpkt_free(&t);
	}
	CU_ASSERT_EQUAL(reused, 0);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(pvf_net_held_grants(&fx->net), 1);
	/* the retry now succeeds: a is the caller's again and can go */
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &a.tx), 0);
	ntb_tx_run(&fx->tb, 0);
	pvf_net_poll(&fx->net);
	CU_ASSERT_EQUAL(a.status, 0);
	CU_ASSERT(!memcmp(fx->tb.last.data, a.bytes, 6000));
	tpkt_free(&a);
	CU_ASSERT_PTR_NOT_NULL(peek(fx, qref, NULL, NULL)); /* never ended while mapped */
	/* the backend lets go: release at teardown ends it, nothing leaks */
	pvf_fake_gnt_set_mapped(fx->f, qref, 0);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

/* ---- receive ------------------------------------------------------------------ */

struct rxrec {
	unsigned int count;
	uint8_t data[65536];
	uint32_t len;
	const void *pages[PVF_NET_MAX_FRAGS];
	uint32_t nr_frags;
};

static void rx_rec(void *arg, const struct pvf_net_rx_pkt *pkt)
{
	struct rxrec *r = arg;
	uint32_t i, off = 0;

	r->count++;
	r->nr_frags = pkt->nr_frags;
	for (i = 0; i < pkt->nr_frags && i < PVF_NET_MAX_FRAGS; i++) {
		const struct pvf_net_rx_frag *f = &pkt->frags[i];

		r->pages[i] = f->page;
		if (off + f->len <= sizeof(r->data))
			memcpy(r->data + off, (const uint8_t *)f->page + f->offset, f->len);
		off += f->len;
	}
	r->len = off;
}

/* Untrusted: rx() sees private copies, never a pool page that was granted;
 * the data is intact.  Trusted control: the pool page is lent in place. */
static void rx_copy(int untrusted)
{
	struct ntb_fx *fx = fx_new(1, untrusted ? "0" : "1");
	static struct rxrec rec;
	static uint8_t data[9000];
	struct ntb_rx_opts o;
	const char *pool_lo, *pool_hi;
	unsigned int i, in_pool = 0;

	memset(&rec, 0, sizeof(rec));
	fx->cfg.rx = rx_rec;
	fx->cfg.rx_arg = &rec;
	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	pool_lo = fx->net.q[0].pool_va;
	pool_hi = pool_lo + (size_t)fx->cfg.rx_buffers * PVF_PAGE_SIZE;
	ntb_pattern(data, sizeof(data), 11);
	memset(&o, 0, sizeof(o));
	o.offset = 200;
	o.frag = 3000;
	CU_ASSERT_EQUAL(ntb_rx_send(&fx->tb, 0, data, sizeof(data), &o), 3);
	CU_ASSERT(pvf_net_poll(&fx->net) > 0);
	CU_ASSERT_EQUAL_FATAL(rec.count, 1);
	CU_ASSERT_EQUAL(rec.nr_frags, 3);
	CU_ASSERT_EQUAL(rec.len, sizeof(data));
	CU_ASSERT(!memcmp(rec.data, data, sizeof(data)));
	for (i = 0; i < rec.nr_frags; i++)
		in_pool += (const char *)rec.pages[i] >= pool_lo &&
			   (const char *)rec.pages[i] < pool_hi;
	CU_ASSERT_EQUAL(in_pool, untrusted ? 0 : 3);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_rx_private_copy(void)
{
	rx_copy(1);
}

static void test_rx_trusted_control(void)
{
	rx_copy(0);
}

/* Every page posted on the RX ring reads as zeros to the backend, also
 * the ones that carried earlier packets.  Trusted control: recycled pages
 * still hold the old data. */
static void rx_zero(int untrusted)
{
	struct ntb_fx *fx = fx_new(!untrusted, NULL);
	static uint8_t data[PVF_PAGE_SIZE];
	unsigned int i, posted, dirty = 0, seen = 0;
	struct ntb_queue *bq;

	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	bq = &fx->tb.q[0];
	/* initially posted pages: zero in both modes (page_alloc zeroes) */
	for (i = 0; i < 20; i++) {
		ntb_pattern(data, sizeof(data), 100 + i);
		data[0] |= 1; /* never an all-zero page */
		CU_ASSERT_EQUAL(ntb_rx_send(&fx->tb, 0, data, sizeof(data), NULL), 1);
		CU_ASSERT_EQUAL(pvf_net_poll(&fx->net), 1); /* consumed and reposted */
	}
	CU_ASSERT_EQUAL(fx->rx.count, 20);
	CU_ASSERT(!memcmp(fx->rx.data, data, sizeof(data)));
	posted = ntb_rx_posted(&fx->tb, 0);
	CU_ASSERT_EQUAL(posted, fx->cfg.rx_buffers);
	for (i = 0; i < posted; i++) {
		netif_rx_request_t rq = *RING_GET_REQUEST(&bq->rx, bq->rx.req_cons + i);
		const uint8_t *pg = peek(fx, rq.gref, NULL, NULL);

		if (!pg)
			continue;
		seen++;
		dirty += !all_zero(pg, PVF_PAGE_SIZE);
	}
	CU_ASSERT_EQUAL(seen, posted);
	if (untrusted) {
		CU_ASSERT_EQUAL(dirty, 0);
	} else {
		CU_ASSERT(dirty > 0); /* the check does see stale data */
	}
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

static void test_rx_zeroed_before_grant(void)
{
	rx_zero(1);
}

static void test_rx_zero_trusted_control(void)
{
	rx_zero(0);
}

/* ---- lifecycle ------------------------------------------------------------------ */

/* Bounce pages are allocated at setup only when bouncing, freed at
 * release; the key is read again at each setup; nothing leaks. */
static void test_reconnect_and_teardown(void)
{
	struct ntb_fx *fx = fx_new(1, NULL);
	unsigned int trusted_pages, g;
	struct tpkt t;

	CU_ASSERT_EQUAL_FATAL(ntb_fx_connect(fx), 0);
	CU_ASSERT(!pvf_net_get_info(&fx->net)->bounce);
	trusted_pages = pages_now(fx);
	ntb_fx_backend_close(fx);
	CU_ASSERT_EQUAL(pages_now(fx), 0);
	/* the toolstack now distrusts the backend */
	pvf_fake_xs_set(fx->f, NTB_FE "/trusted", "0");
	ntb_init(&fx->tb, fx->f);
	ntb_fx_state(fx, XenbusStateInitWait);
	CU_ASSERT_EQUAL_FATAL(ntb_attach(&fx->tb), 0);
	ntb_fx_state(fx, XenbusStateConnected);
	CU_ASSERT_FATAL(pvf_net_is_connected(&fx->net));
	CU_ASSERT(pvf_net_get_info(&fx->net)->bounce);
	CU_ASSERT_EQUAL(pages_now(fx), trusted_pages + BOUNCE_PAGES);
	tpkt_make(&t, fx, 1500, 0, 0, 9);
	tpkt_set_va(&t);
	g = grants_now(fx);
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	ntb_tx_run(&fx->tb, 0);
	pvf_net_poll(&fx->net);
	CU_ASSERT_EQUAL(t.status, 0);
	CU_ASSERT(!memcmp(fx->tb.last.data, t.bytes, 1500));
	CU_ASSERT_EQUAL(grants_now(fx), g);
	/* a packet still on the ring at disconnect: cancelled, page freed */
	CU_ASSERT_EQUAL(pvf_net_transmit(&fx->net, &t.tx), 0);
	ntb_fx_backend_close(fx);
	CU_ASSERT_EQUAL(t.calls, 2);
	CU_ASSERT_EQUAL(t.status, -PVF_ECANCELED);
	CU_ASSERT_EQUAL(pages_now(fx), t.npages);
	CU_ASSERT_EQUAL(grants_now(fx), 0);
	CU_ASSERT_EQUAL(pvf_net_held_grants(&fx->net), 0);
	tpkt_free(&t);
	/* trusted again: no bounce pages */
	pvf_fake_xs_set(fx->f, NTB_FE "/trusted", "1");
	ntb_init(&fx->tb, fx->f);
	ntb_fx_state(fx, XenbusStateInitWait);
	CU_ASSERT_EQUAL_FATAL(ntb_attach(&fx->tb), 0);
	ntb_fx_state(fx, XenbusStateConnected);
	CU_ASSERT(!pvf_net_get_info(&fx->net)->bounce);
	CU_ASSERT_EQUAL(pages_now(fx), trusted_pages);
	CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
}

/* page_alloc wrapper: fails once for an allocation of @fail_npages. */
static struct {
	int (*real)(void *ctx, unsigned int npages, void **va, uint64_t *frames);
	unsigned int fail_npages, failed;
} aw;

static int alloc_wrap(void *ctx, unsigned int npages, void **va, uint64_t *frames)
{
	if (aw.fail_npages && npages == aw.fail_npages) {
		aw.fail_npages = 0;
		aw.failed++;
		return -PVF_ENOMEM;
	}
	return aw.real(ctx, npages, va, frames);
}

/* Bounce pages (TX, then RX copies) come from page_alloc at setup: when
 * that fails the setup fails, release leaves nothing behind, and the
 * retried setup connects. */
static void test_bounce_alloc_failure(void)
{
	static const unsigned int which[] = { PVF_NET_TX_RING_SIZE, PVF_NET_MAX_FRAGS };
	size_t i;

	for (i = 0; i < 2; i++) {
		struct ntb_fx *fx = fx_new(0, NULL);

		memset(&aw, 0, sizeof(aw));
		aw.real = fx->ops.page_alloc;
		aw.fail_npages = which[i];
		fx->ops.page_alloc = alloc_wrap;
		CU_ASSERT_EQUAL_FATAL(ntb_fx_init(fx), 0);
		ntb_fx_state(fx, XenbusStateInitWait);
		CU_ASSERT_EQUAL(aw.failed, 1);
		CU_ASSERT(!pvf_net_is_connected(&fx->net));
		CU_ASSERT_NOT_EQUAL(ntb_fx_fe_state(fx), XenbusStateConnected);
		CU_ASSERT_EQUAL(grants_now(fx), 0);
		CU_ASSERT_EQUAL(pages_now(fx), 0);
		pvf_fake_clock_advance(fx->f, 2000000000ull);
		pvf_xenbus_poll(pvf_net_xenbus(&fx->net));
		CU_ASSERT_EQUAL_FATAL(ntb_fx_fe_state(fx), XenbusStateConnected);
		CU_ASSERT_EQUAL_FATAL(ntb_attach(&fx->tb), 0);
		ntb_fx_state(fx, XenbusStateConnected);
		CU_ASSERT(pvf_net_is_connected(&fx->net));
		CU_ASSERT(pvf_net_get_info(&fx->net)->bounce);
		CU_ASSERT_EQUAL(ntb_fx_free(fx), 0);
	}
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_trust_matrix),
		PVF_TEST(test_malformed_key),
		PVF_TEST(test_tx_bounce_frames),
		PVF_TEST(test_tx_trusted_control),
		PVF_TEST(test_tx_reuse_zeroed),
		PVF_TEST(test_tx_needs_va),
		PVF_TEST(test_tx_quarantine_after_response),
		PVF_TEST(test_tx_quarantine_unwind),
		PVF_TEST(test_rx_private_copy),
		PVF_TEST(test_rx_trusted_control),
		PVF_TEST(test_rx_zeroed_before_grant),
		PVF_TEST(test_rx_zero_trusted_control),
		PVF_TEST(test_reconnect_and_teardown),
		PVF_TEST(test_bounce_alloc_failure),
		PVF_TEST_END,
	};

	return pvf_test_run("net_trusted", tests, NULL, NULL);
}
