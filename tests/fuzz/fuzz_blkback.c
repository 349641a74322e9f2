/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the harness's userspace blkback (harness/blkback*.c) facing
 * a hostile frontend.  The target is a raw frontend (as tests/test_blkback.c
 * builds one): it grants a one-page ring, data pages (one of them
 * read-only) and indirect pages, connects through XenBus, then writes
 * fuzz-chosen blkif requests and request producers straight into the ring
 * the backend has mapped, notifies, and waits (bounded) for the answer.
 *
 * Input: byte 0 is the backend configuration (profile, persistent grants
 * negotiated or not, grant copy, read-only disk, image file or null
 * device, discard, indirect); then up to MAX_OPS pushes, each a batch of
 * 1..4 requests (any operation, segment counts past 11, indirect with any
 * count and page refs, refs granted / read-only / never granted,
 * first_sect/last_sect anything, sectors past the end, discard ranges,
 * any id) and a producer (the honest one, a small delta either way or any
 * 32-bit value).
 *
 * The policy checked (harness/blkback.h, docs/blk.md "Hostile frontend"):
 * a producer more than a ring ahead of the backend's consumer stops the
 * queue (stats.ring_errors, no response); otherwise every published slot
 * gets exactly one response, in order, echoing the slot's id and
 * operation, with status OKAY, ERROR or EOPNOTSUPP; an unknown operation is
 * EOPNOTSUPP; OKAY only for a request that is valid by the documented
 * rules.  A queue that was not stopped still serves a well-formed read.
 * Closing leaves no grant mapped and every grant of ours can be ended.
 *
 * Accepted: the queue stayed up and served the final read.  Rejected: the
 * queue was stopped for its producer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pvfront/barrier.h>
#include <pvfront/errno.h>
#include <pvfront/xs.h>
#include "../../harness/blkback.h"
#include "../../harness/env.h"
#include "fuzz.h"

#define MAX_OPS 24
#define NDATA 3                 /* data pages: 0, 1 read-write, 2 read-only */
#define NIND 2                  /* indirect pages */
#define RSIZE 32u               /* one-page blkif ring */
#define DISK_SECTORS 2048u
#define WAIT_MS 5000
#define DEVID 51712u

_Static_assert(sizeof(struct blkif_request) == 112, "blkif_request x86_64 size");
_Static_assert(sizeof(struct blkif_response) == 16, "blkif_response size");
_Static_assert(sizeof(struct blkif_request_indirect) == 64, "indirect size");
_Static_assert(sizeof(struct blkif_request_discard) == 32, "discard size");
_Static_assert(sizeof(struct blkif_request_segment) == 8, "segment size");

static struct pvf_env g_env;
static int g_env_up;
static char g_img[64];

/* The raw frontend of one input. */
struct bfe {
	const struct pvf_platform *p;
	blkif_sring_t *s;
	uint64_t fr_ring;
	uint32_t ref_ring, port;
	void *data[NDATA], *ind[NIND];
	uint64_t fr_data[NDATA], fr_ind[NIND];
	uint32_t ref_data[NDATA], ref_ind[NIND];
	int pages, grants;          /* how many taken, for the release */
	RING_IDX prod;              /* what we published; = backend's consumer */
	char fe[128], be[128];
};

/* What the backend was configured with (the oracle needs it). */
struct bcfg {
	struct pvf_bb_config c;
	bool persistent_fe;
};

void pvf_fuzz_blkback_fini(void)
{
	if (g_env_up)
		pvf_env_stop(&g_env);
	g_env_up = 0;
	if (g_img[0])
		unlink(g_img);
	g_img[0] = '\0';
}

static int env_up(void)
{
	struct pvf_lb_config lc;
	int fd;

	if (g_env_up)
		return 0;
	setenv("PVF_BLKBACK_QUIET", "1", 1);
	pvf_lb_config_init(&lc);
	if (pvf_env_start(&g_env, &lc, "fuzz_blkback"))
		return -1;
	g_env_up = 1;
	snprintf(g_img, sizeof(g_img), "/tmp/pvf-fuzzbb-XXXXXX");
	fd = mkstemp(g_img);
	if (fd < 0 || ftruncate(fd, (off_t)DISK_SECTORS * 512)) {
		if (fd >= 0)
			close(fd);
		g_img[0] = '\0';
		return -1;
	}
	close(fd);
	return 0;
}

static const char *const profiles[] = { "linux", "qdisk", "minimal", "qdisk-legacy" };

static void make_config(uint8_t b, struct bcfg *bc)
{
	pvf_bb_profile(&bc->c, profiles[b & 3]);
	bc->persistent_fe = (b >> 2) & 1;
	if ((b >> 3) & 1)
		bc->c.grant_copy = !bc->c.grant_copy;
	bc->c.readonly = ((b >> 4) & 3) == 3;
	if ((b >> 6) & 1) {
		snprintf(bc->c.image, sizeof(bc->c.image), "%s", g_img);
	} else {
		bc->c.image[0] = '\0';
		bc->c.null_sectors = DISK_SECTORS;
	}
	if ((b >> 7) & 1) { /* the other choice for discard and indirect */
		bc->c.discard = !bc->c.discard;
		bc->c.discard_secure = bc->c.discard && !bc->c.discard_secure;
		bc->c.max_indirect = bc->c.max_indirect ? 0 : 32;
	}
	bc->c.max_ring_order = 0;
	bc->c.max_queues = 0;
}

static int wait_be(struct pvf_blkback *b, uint32_t state)
{
	return pvf_bb_wait_state(b, state, WAIT_MS);
}

/* Take pages, grants and the port; connect.  Returns 0 or a negative code
 * (a violation when the backend does not come up). */
static int fe_open(struct bfe *f, struct pvf_blkback *b, const struct bcfg *bc)
{
	const struct pvf_platform *p = pvf_lb_guest_platform(g_env.guest);
	const struct pvf_platform_ops *o = p->ops;
	void *ring;
	int i, rc;

	f->p = p;
	rc = o->page_alloc(p->ctx, 1, &ring, &f->fr_ring);
	if (rc)
		return rc;
	f->pages++;
	f->s = ring;
	for (i = 0; i < NDATA; i++) {
		rc = o->page_alloc(p->ctx, 1, &f->data[i], &f->fr_data[i]);
		if (rc)
			return rc;
		f->pages++;
	}
	for (i = 0; i < NIND; i++) {
		rc = o->page_alloc(p->ctx, 1, &f->ind[i], &f->fr_ind[i]);
		if (rc)
			return rc;
		f->pages++;
	}
	rc = o->gnt_grant(p->ctx, 0, f->fr_ring, 0, &f->ref_ring);
	if (rc)
		return rc;
	f->grants++;
	for (i = 0; i < NDATA; i++) {
		rc = o->gnt_grant(p->ctx, 0, f->fr_data[i], i == 2, &f->ref_data[i]);
		if (rc)
			return rc;
		f->grants++;
	}
	for (i = 0; i < NIND; i++) {
		rc = o->gnt_grant(p->ctx, 0, f->fr_ind[i], 0, &f->ref_ind[i]);
		if (rc)
			return rc;
		f->grants++;
	}
	rc = o->evtchn_alloc_unbound(p->ctx, 0, &f->port);
	if (rc)
		return rc;
	memset(ring, 0, PVF_PAGE_SIZE);
	SHARED_RING_INIT(f->s);
	rc = pvf_xs_write_str(p, 0, f->fe, "state", "1");
	if (rc)
		return rc;
	if (wait_be(b, 2))
		return pvf_fuzz_fail("blkback never reached InitWait");
	rc = pvf_xs_write_u32(p, 0, f->fe, "ring-ref", f->ref_ring);
	rc = rc ? rc : pvf_xs_write_u32(p, 0, f->fe, "event-channel", f->port);
	rc = rc ? rc : pvf_xs_write_str(p, 0, f->fe, "protocol", "x86_64-abi");
	if (!rc && bc->persistent_fe)
		rc = pvf_xs_write_str(p, 0, f->fe, "feature-persistent", "1");
	rc = rc ? rc : pvf_xs_write_str(p, 0, f->fe, "state", "3");
	if (rc)
		return rc;
	if (wait_be(b, 4))
		return pvf_fuzz_fail("blkback never reached Connected");
	return pvf_xs_write_str(p, 0, f->fe, "state", "4");
}

/* Closing / Closed; then every grant must end (nothing mapped). */
static int fe_close(struct bfe *f, struct pvf_blkback *b, int connected)
{
	const struct pvf_platform_ops *o = f->p ? f->p->ops : NULL;
	void *ctx = f->p ? f->p->ctx : NULL;
	int bad = 0, i, n = 0;

	if (!o)
		return 0;
	if (connected) {
		pvf_xs_write_str(f->p, 0, f->fe, "state", "5");
		if (wait_be(b, 5) && wait_be(b, 6))
			bad = pvf_fuzz_fail("blkback did not close after the frontend's Closing");
		pvf_xs_write_str(f->p, 0, f->fe, "state", "6");
		wait_be(b, 6);
	}
	if (n++ < f->grants && o->gnt_end(ctx, f->ref_ring))
		bad = pvf_fuzz_fail("ring grant still mapped after close");
	for (i = 0; i < NDATA; i++)
		if (n++ < f->grants && o->gnt_end(ctx, f->ref_data[i]))
			bad = pvf_fuzz_fail("data grant %d still mapped after close", i);
	for (i = 0; i < NIND; i++)
		if (n++ < f->grants && o->gnt_end(ctx, f->ref_ind[i]))
			bad = pvf_fuzz_fail("indirect grant %d still mapped after close", i);
	if (f->port)
		o->evtchn_close(ctx, f->port);
	n = 0;
	if (n++ < f->pages)
		o->page_free(ctx, f->s, 1);
	for (i = 0; i < NDATA; i++)
		if (n++ < f->pages)
			o->page_free(ctx, f->data[i], 1);
	for (i = 0; i < NIND; i++)
		if (n++ < f->pages)
			o->page_free(ctx, f->ind[i], 1);
	return bad ? PVF_FUZZ_VIOLATION : 0;
}

/* ---- requests ------------------------------------------------------------ */

/* Slots by index on our one-page ring. */
#define SLOT_BYTES sizeof(union blkif_sring_entry)
static inline void *slot_at(const struct bfe *f, RING_IDX i)
{
	return (uint8_t *)f->s->ring + (size_t)(i & (RSIZE - 1)) * SLOT_BYTES;
}


/* A grant ref chosen by @sel: ours (rw data, ro data, indirect, ring) or
 * one that is never granted (reserved, past the table, huge). */
static uint32_t pick_ref(const struct bfe *f, uint8_t sel, struct pvf_fuzz_in *in)
{
	switch (sel & 7) {
	case 0: case 1: case 2:
		return f->ref_data[0];
	case 3:
		return f->ref_data[1];
	case 4:
		return f->ref_data[2];       /* read-only */
	case 5:
		return f->ref_ind[sel >> 7];
	case 6:
		return (sel & 8) ? 3u : 8192u + (sel >> 4); /* reserved / past the table */
	default:
		return 0x80000000u | pvf_fuzz_u32(in); /* never a valid ref */
	}
}

static bool ref_granted(const struct bfe *f, uint32_t ref, bool *ro)
{
	int i;

	*ro = false;
	for (i = 0; i < NDATA; i++)
		if (ref == f->ref_data[i]) {
			*ro = i == 2;
			return true;
		}
	for (i = 0; i < NIND; i++)
		if (ref == f->ref_ind[i])
			return true;
	return ref == f->ref_ring;
}

static uint64_t pick_sector(uint8_t sel, struct pvf_fuzz_in *in)
{
	switch (sel & 3) {
	case 0:
		return sel >> 2;
	case 1:
		return DISK_SECTORS - (sel >> 2);
	case 2:
		return (uint64_t)pvf_fuzz_u16(in);
	default:
		return ((uint64_t)pvf_fuzz_u32(in) << 32) | pvf_fuzz_u32(in);
	}
}

static void fill_segs(const struct bfe *f, struct blkif_request_segment *sg, unsigned int n,
		      struct pvf_fuzz_in *in)
{
	unsigned int k;

	for (k = 0; k < n; k++) {
		uint8_t sel = pvf_fuzz_u8(in), fl = pvf_fuzz_u8(in);

		memset(&sg[k], 0, sizeof(sg[k]));
		sg[k].gref = pick_ref(f, sel, in);
		if (fl & 0x80) { /* mostly a whole page */
			sg[k].first_sect = 0;
			sg[k].last_sect = 7;
		} else {
			sg[k].first_sect = fl & 15;
			sg[k].last_sect = (uint8_t)((fl >> 4) * 2 + (fl & 1)); /* 0..15 */
		}
	}
}

/* Build one request into @slot from the input. */
static void build_req(struct bfe *f, const struct bcfg *bc, void *slot, struct pvf_fuzz_in *in)
{
	uint8_t kind = pvf_fuzz_u8(in);
	uint64_t id = pvf_fuzz_u8(in);

	(void)bc;
	if (kind & 0x80)
		id |= (uint64_t)pvf_fuzz_u32(in) << 32;
	memset(slot, 0, sizeof(struct blkif_request));
	switch (kind & 7) {
	case 0: case 1: case 2: { /* read / write / barrier / flush */
		struct blkif_request *r = slot;
		static const uint8_t ops[] = { BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_READ,
					       BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_WRITE_BARRIER,
					       BLKIF_OP_WRITE, BLKIF_OP_READ, BLKIF_OP_WRITE };
		uint8_t ns = pvf_fuzz_u8(in);

		r->operation = ops[(kind >> 3) & 7];
		r->nr_segments = (ns & 0x80) ? ns : (uint8_t)(ns % 12);
		r->id = id;
		r->sector_number = pick_sector(pvf_fuzz_u8(in), in);
		fill_segs(f, r->seg, r->nr_segments < BLKIF_MAX_SEGMENTS_PER_REQUEST ?
			  r->nr_segments : BLKIF_MAX_SEGMENTS_PER_REQUEST, in);
		break;
	}
	case 3: { /* discard */
		struct blkif_request_discard *d = slot;
		uint8_t sel = pvf_fuzz_u8(in);

		d->operation = BLKIF_OP_DISCARD;
		d->flag = (sel & 1) ? BLKIF_DISCARD_SECURE : 0;
		d->id = id;
		d->sector_number = pick_sector(pvf_fuzz_u8(in), in);
		d->nr_sectors = (sel & 2) ? pick_sector(pvf_fuzz_u8(in), in) : (uint64_t)(sel >> 2);
		break;
	}
	case 4: case 5: { /* indirect */
		struct blkif_request_indirect *r = slot;
		struct blkif_request_segment sg[8];
		uint8_t sel = pvf_fuzz_u8(in);
		unsigned int k, n, np;

		r->operation = BLKIF_OP_INDIRECT;
		r->indirect_op = (sel & 4) ? pvf_fuzz_u8(in) : ((sel & 1) ? BLKIF_OP_WRITE : BLKIF_OP_READ);
		r->nr_segments = (sel & 8) ? pvf_fuzz_u16(in) : (uint16_t)(1 + (sel >> 4));
		r->id = id;
		r->sector_number = pick_sector(pvf_fuzz_u8(in), in);
		np = 1 + (pvf_fuzz_u8(in) & 7);
		for (k = 0; k < np; k++) {
			uint8_t rs = pvf_fuzz_u8(in);

			r->indirect_grefs[k] = (rs & 3) == 3 ? pick_ref(f, rs >> 2, in) :
				f->ref_ind[rs & 1];
		}
		/* the indirect pages: a few fuzzed segments, repeated */
		n = 1 + (pvf_fuzz_u8(in) & 7);
		fill_segs(f, sg, n, in);
		for (k = 0; k < NIND; k++) {
			struct blkif_request_segment *pg = f->ind[k];
			unsigned int j;

			for (j = 0; j < PVF_PAGE_SIZE / sizeof(*pg); j++)
				pg[j] = sg[j % n];
		}
		break;
	}
	case 6: { /* any operation byte, any body */
		uint8_t *b = slot;

		pvf_fuzz_bytes(in, b, 24);
		memcpy(b + 8, &id, sizeof(id));
		break;
	}
	default: { /* a well-formed read or write */
		struct blkif_request *r = slot;

		r->operation = (kind & 8) ? BLKIF_OP_WRITE : BLKIF_OP_READ;
		r->nr_segments = 1;
		r->id = id;
		r->sector_number = (kind >> 4) * 8u;
		r->seg[0].gref = f->ref_data[(kind >> 6) & 1];
		r->seg[0].last_sect = 7;
		break;
	}
	}
}

/* Would OKAY be a legal answer to @rq (the copy published)?  The rules of
 * docs/blk.md; NULL when it may be OKAY, else why not. */
static const char *must_fail(const struct bfe *f, const struct bcfg *bc,
			     const struct blkif_request *rq)
{
	const struct pvf_bb_config *c = &bc->c;
	uint32_t ss = c->sector_size ? c->sector_size / 512u : 1;
	const struct blkif_request_segment *seg = rq->seg;
	struct blkif_request_segment iseg[PVF_BB_MAX_INDIRECT];
	uint8_t op = rq->operation;
	uint64_t sector = rq->sector_number, total = 0;
	/* pages change only when data moves: an image, or grant copy (which
	 * copies its bounce buffer even for the null device) */
	bool judge_pages = !c->image[0] && !c->grant_copy;
	unsigned int n = rq->nr_segments, k, limit = BLKIF_MAX_SEGMENTS_PER_REQUEST;
	bool ro;

	switch (op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		break;
	case BLKIF_OP_FLUSH_DISKCACHE:
	case BLKIF_OP_WRITE_BARRIER:
		if (op == BLKIF_OP_FLUSH_DISKCACHE ? !c->flush : !c->barrier)
			return "flush/barrier not offered";
		if (!n)
			return NULL;
		op = BLKIF_OP_WRITE;
		break;
	case BLKIF_OP_DISCARD: {
		struct blkif_request_discard d;

		memcpy(&d, rq, sizeof(d));
		if (!c->discard || ((d.flag & BLKIF_DISCARD_SECURE) && !c->discard_secure))
			return "discard not offered";
		if (c->readonly)
			return "discard on a read-only disk";
		if (d.sector_number > DISK_SECTORS || d.nr_sectors > DISK_SECTORS - d.sector_number)
			return "discard past the end";
		return NULL;
	}
	case BLKIF_OP_INDIRECT: {
		struct blkif_request_indirect ind;
		unsigned int np;

		memcpy(&ind, rq, sizeof(ind));
		if (!c->max_indirect)
			return "indirect not offered";
		if (ind.indirect_op != BLKIF_OP_READ && ind.indirect_op != BLKIF_OP_WRITE)
			return "bad indirect_op";
		n = ind.nr_segments;
		limit = c->max_indirect < PVF_BB_MAX_INDIRECT ? c->max_indirect : PVF_BB_MAX_INDIRECT;
		if (n == 0 || n > limit)
			return "indirect segment count";
		np = (n + 511) / 512;
		for (k = 0; k < np; k++) {
			bool iro;

			if (!ref_granted(f, ind.indirect_grefs[k], &iro))
				return "indirect page not granted";
		}
		/* our indirect pages hold a pattern; a data page as indirect
		 * page holds whatever it holds: copy what the backend read */
		for (k = 0; k < n; k++) {
			uint32_t r = ind.indirect_grefs[k / 512];
			const void *pg = NULL;
			unsigned int i;

			for (i = 0; i < NIND; i++)
				if (r == f->ref_ind[i])
					pg = f->ind[i];
			if (!pg || !judge_pages)
				return NULL; /* may change under us: do not judge */
			memcpy(&iseg[k], (const uint8_t *)pg + (k % 512) * sizeof(iseg[0]),
			       sizeof(iseg[0]));
		}
		seg = iseg;
		op = ind.indirect_op;
		sector = ind.sector_number;
		break;
	}
	default:
		return "unknown operation";
	}
	if (n == 0 || n > limit)
		return "segment count";
	if (op == BLKIF_OP_WRITE && c->readonly)
		return "write on a read-only disk";
	for (k = 0; k < n; k++) {
		if (seg[k].first_sect > seg[k].last_sect || seg[k].last_sect > 7)
			return "first_sect/last_sect";
		if (!ref_granted(f, seg[k].gref, &ro))
			return "segment ref not granted";
		if (ro && op == BLKIF_OP_READ)
			return "read into a read-only grant";
		total += (uint64_t)(seg[k].last_sect - seg[k].first_sect) + 1;
	}
	if (sector > DISK_SECTORS || total > DISK_SECTORS - sector)
		return "range past the end";
	if (ss > 1 && (sector % ss || total % ss))
		return "range not aligned to sector-size";
	return NULL;
}

/* Wait until the backend answered up to @want or stopped the queue. */
static int wait_answer(struct bfe *f, struct pvf_blkback *b, RING_IDX want, uint64_t ring_errors,
		       int *stopped)
{
	struct pvf_bb_stats st;
	int i;

	for (i = 0; i < WAIT_MS; i++) {
		if (PVF_READ_ONCE(f->s->rsp_prod) == want)
			return 0;
		pvf_bb_get_stats(b, &st);
		if (st.ring_errors != ring_errors) {
			*stopped = 1;
			return 0;
		}
		pvf_lb_guest_poll(g_env.guest, 1);
	}
	return -1;
}

/* One push: @n requests (n = 0: only a producer) and a producer. */
static int push(struct bfe *f, struct pvf_blkback *b, const struct bcfg *bc,
		struct pvf_fuzz_in *in, int *stopped)
{
	struct blkif_request snap[RSIZE];
	struct pvf_bb_stats st;
	uint8_t hdr = pvf_fuzz_u8(in);
	unsigned int n = hdr & 3, k;
	RING_IDX cons = f->prod, prod;
	uint32_t cnt;

	if (hdr & 4)
		n++;
	for (k = 0; k < n; k++)
		build_req(f, bc, slot_at(f, cons + k), in);
	switch ((hdr >> 3) & 7) {
	case 0: case 1: case 2: case 3:
		prod = cons + n;
		break;
	case 4: /* a little more: stale slots */
		prod = cons + n + (hdr >> 6) + 1;
		break;
	case 5: /* backwards */
		prod = cons - 1 - (hdr >> 6);
		break;
	case 6: /* around a ring ahead */
		prod = cons + RSIZE - 1 + (hdr >> 6);
		break;
	default:
		prod = pvf_fuzz_u32(in);
		break;
	}
	cnt = prod - cons;
	pvf_bb_get_stats(b, &st);
	if (cnt <= RSIZE)
		for (k = 0; k < cnt; k++)
			memcpy(&snap[k], slot_at(f, cons + k), sizeof(snap[k]));
	pvf_wmb(); /* requests before the producer */
	PVF_WRITE_ONCE(f->s->req_prod, prod);
	pvf_mb();
	f->p->ops->evtchn_notify(f->p->ctx, f->port);
	if (cnt == 0)
		return 0;
	if (wait_answer(f, b, prod, st.ring_errors, stopped))
		return pvf_fuzz_fail("blkback answered %u of %u requests in %d ms and did not stop the "
				     "queue", (unsigned int)(PVF_READ_ONCE(f->s->rsp_prod) - cons), cnt,
				     WAIT_MS);
	if (cnt > RSIZE) {
		if (!*stopped)
			return pvf_fuzz_fail("producer %u ahead by %u did not stop the queue", prod, cnt);
		return 0;
	}
	if (*stopped)
		return pvf_fuzz_fail("producer ahead by %u (within a ring) stopped the queue", cnt);
	for (k = 0; k < cnt; k++) {
		struct blkif_response rsp;
		const char *why;

		memcpy(&rsp, slot_at(f, cons + k), sizeof(rsp));
		if (rsp.id != snap[k].id || rsp.operation != snap[k].operation)
			return pvf_fuzz_fail("response %u: id %llu op %u for request id %llu op %u", k,
					     (unsigned long long)rsp.id, rsp.operation,
					     (unsigned long long)snap[k].id, snap[k].operation);
		if (rsp.status != BLKIF_RSP_OKAY && rsp.status != BLKIF_RSP_ERROR &&
		    rsp.status != BLKIF_RSP_EOPNOTSUPP)
			return pvf_fuzz_fail("response %u: status %d", k, rsp.status);
		why = must_fail(f, bc, &snap[k]);
		if (rsp.status == BLKIF_RSP_OKAY && why)
			return pvf_fuzz_fail("request %u (op %u) answered OKAY: %s", k,
					     snap[k].operation, why);
		if (!strcmp(why ? why : "", "unknown operation") && rsp.status != BLKIF_RSP_EOPNOTSUPP)
			return pvf_fuzz_fail("unknown operation %u answered %d", snap[k].operation,
					     rsp.status);
	}
	f->prod = prod;
	return 0;
}

int pvf_fuzz_blkback(const uint8_t *data, size_t size)
{
	struct pvf_fuzz_in in;
	struct bcfg bc;
	struct bfe f;
	struct pvf_blkback *b = NULL;
	struct pvf_bb_stats st;
	struct pvf_lb_stats ls;
	int stopped = 0, ret = PVF_FUZZ_ACCEPTED, rc, ops, connected = 0;

	if (env_up())
		return pvf_fuzz_fail("cannot start the harness environment");
	pvf_fuzz_in_init(&in, data, size);
	memset(&f, 0, sizeof(f));
	make_config(pvf_fuzz_u8(&in), &bc);
	if (pvf_bb_toolstack_add(DEVID, pvf_lb_guest_domid(g_env.guest), 0, &bc.c, f.fe, sizeof(f.fe),
				 f.be, sizeof(f.be)))
		return pvf_fuzz_fail("toolstack_add failed");
	if (pvf_bb_create(g_env.hv, &bc.c, f.fe, f.be, &b) || pvf_bb_start(b)) {
		ret = pvf_fuzz_fail("blkback did not start");
		goto out;
	}
	rc = fe_open(&f, b, &bc);
	if (rc) {
		if (rc != PVF_FUZZ_VIOLATION)
			pvf_fuzz_fail("raw frontend setup failed: %d", rc);
		ret = PVF_FUZZ_VIOLATION;
		goto out;
	}
	connected = 1;
	for (ops = 0; ops < MAX_OPS && in.left && !stopped; ops++) {
		if (push(&f, b, &bc, &in, &stopped) == PVF_FUZZ_VIOLATION) {
			ret = PVF_FUZZ_VIOLATION;
			goto out;
		}
	}
	if (!stopped) {
		/* the queue goes on: a well-formed read is served */
		struct blkif_request *r = slot_at(&f, f.prod);
		struct blkif_response rsp;
		RING_IDX want = f.prod + 1;

		memset(r, 0, sizeof(*r));
		r->operation = BLKIF_OP_READ;
		r->id = 0x600dull;
		r->nr_segments = 1;
		r->seg[0].gref = f.ref_data[0];
		r->seg[0].last_sect = 7;
		pvf_bb_get_stats(b, &st);
		pvf_wmb();
		PVF_WRITE_ONCE(f.s->req_prod, want);
		pvf_mb();
		f.p->ops->evtchn_notify(f.p->ctx, f.port);
		if (wait_answer(&f, b, want, st.ring_errors, &stopped) || stopped) {
			ret = pvf_fuzz_fail("the final well-formed read was not served");
			goto out;
		}
		memcpy(&rsp, slot_at(&f, f.prod), sizeof(rsp));
		if (rsp.id != 0x600dull || rsp.status != BLKIF_RSP_OKAY) {
			ret = pvf_fuzz_fail("final read: id %llx status %d",
					    (unsigned long long)rsp.id, rsp.status);
			goto out;
		}
		f.prod = want;
	} else {
		ret = PVF_FUZZ_REJECTED;
	}
out:
	if (fe_close(&f, b, connected) == PVF_FUZZ_VIOLATION)
		ret = PVF_FUZZ_VIOLATION;
	if (b) {
		pvf_bb_get_stats(b, &st);
		if (st.mapped && ret != PVF_FUZZ_VIOLATION)
			ret = pvf_fuzz_fail("%u grants mapped after the frontend closed", st.mapped);
		pvf_bb_stop(b);
		pvf_bb_destroy(b);
	}
	pvf_bb_toolstack_remove(f.fe, f.be);
	pvf_lb_hv_stats(g_env.hv, &ls);
	if ((ls.grants_mapped || ls.grants_in_use || ls.guest_ports || ls.backend_ports ||
	     ls.pages_allocated) && ret != PVF_FUZZ_VIOLATION)
		ret = pvf_fuzz_fail("left behind: %u mapped, %u granted, %u+%u ports, %u pages",
				    ls.grants_mapped, ls.grants_in_use, ls.guest_ports,
				    ls.backend_ports, ls.pages_allocated);
	return ret;
}

/* ---- corpus ----------------------------------------------------------------- */

/* byte 0 config; then pushes: hdr (n = hdr & 3 (+1 with bit 2), producer
 * mode bits 3..5), per request: kind, id, ... */
static const uint8_t seed_reads[] = {
	0x00,                                   /* linux, null device */
	0x01, 0x07, 0x01, 0x01, 0x00, 0x00, 0x80, /* READ 1 seg whole page */
	0x02, 0x07, 0x02, 0x07, 0x03,           /* two well-formed */
};
static const uint8_t seed_bad[] = {
	0x40,                                   /* linux, image */
	0x02, 0x00, 0x05, 0x0c, 0x00, /* READ, 12 segments */
	0x00, 0x02, 0x01, 0x80, 0x00, 0x80, /* ... */
	0x01, 0x08, 0x09, 0x01, 0x01, 0x00, 0x54, /* WRITE, first 4 > last */
	0x01, 0x03, 0x0a, 0x07, 0x00, 0x00, /* discard past the end */
	0x01, 0x06, 0x0b, 0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x07, 0x0c,                       /* then a good read */
};
static const uint8_t seed_indirect[] = {
	0x00,
	0x01, 0x04, 0x0d, 0x10, 0x00, 0x00, 0x01, 0x00, 0x00, 0x80, /* indirect read, 2 segs */
	0x01, 0x04, 0x0e, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x80, /* 256 segs */
	0x01, 0x04, 0x0f, 0x20, 0x00, 0x01, 0x03, 0x00, 0x80, /* bad indirect page ref */
};
static const uint8_t seed_producer[] = {
	0x02,
	0x01, 0x07, 0x01,
	0x21, 0x07, 0x02,                       /* producer past what we wrote */
	0x38, 0x00, 0x10, 0x00, 0x00,           /* any producer: 0x1000 */
};
static const uint8_t seed_ro_persistent[] = {
	0xb4,                                   /* linux, persistent, read-only */
	0x01, 0x0f, 0x01,                       /* good write: refused (read-only disk) */
	0x01, 0x07, 0x02,
	0x01, 0x00, 0x03, 0x01, 0x00, 0x04, 0x80, /* read into the read-only grant */
	0x01, 0x07, 0x04,
};

const struct pvf_fuzz_seed pvf_fuzz_blkback_corpus[] = {
	PVF_FUZZ_ARR(seed_reads),
	PVF_FUZZ_ARR(seed_bad),
	PVF_FUZZ_ARR(seed_indirect),
	PVF_FUZZ_ARR(seed_producer),
	PVF_FUZZ_ARR(seed_ro_persistent),
	PVF_FUZZ_SEED_END,
};
