/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * blkback: one queue's ring.  Maps the (multi-page) shared ring, consumes
 * requests by the hardened rules (producer read once, barrier, overflow
 * check, each request copied out once), validates every field, moves data
 * between granted pages and the image, answers.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <pvfront/barrier.h>
#include <pvfront/errno.h>
#include "blkback_int.h"

#define SECT 512u
#define SEGS_PER_PAGE (PVF_PAGE_SIZE / sizeof(struct blkif_request_segment))

/* Per-request scratch, one per queue thread (static sizes, no VLAs). */
struct bb_io {
	struct blkif_request_segment segs[PVF_BB_MAX_INDIRECT];
	struct iovec iov[PVF_BB_MAX_INDIRECT];
	uint32_t tref[PVF_BB_MAX_INDIRECT];
	uint8_t tro[PVF_BB_MAX_INDIRECT];
	uint32_t ntrans;
};

/* ---- ring mapping ---------------------------------------------------------- */

static void ring_unmap(struct bb_queue *q)
{
	uint32_t i;

	if (q->ring_alias) {
		munmap(q->ring_alias, (size_t)q->ring_pages * PVF_PAGE_SIZE);
		q->ring_alias = NULL;
	}
	for (i = 0; i < q->ring_mapped; i++)
		bb_unmap(q->b, q->ring_refs[i], 0);
	q->ring_mapped = 0;
	q->ring_va = NULL;
}

/* Map every ring page read-write and make them contiguous: if the guest's
 * frames are not adjacent, alias each page into a reserved range with
 * mremap(old_size 0), which duplicates a shared mapping. */
static int ring_map(struct bb_queue *q)
{
	void *va[1u << PVF_BB_MAX_RING_ORDER];
	bool contig = true;
	uint32_t i;
	int rc;

	for (i = 0; i < q->ring_pages; i++) {
		rc = bb_map(q->b, q->ring_refs[i], 0, &va[i]);
		if (rc) {
			ring_unmap(q);
			return rc;
		}
		q->ring_mapped++;
		if (i && (uint8_t *)va[i] != (uint8_t *)va[0] + (size_t)i * PVF_PAGE_SIZE)
			contig = false;
	}
	if (contig) {
		q->ring_va = va[0];
		return 0;
	}
	q->ring_alias = mmap(NULL, (size_t)q->ring_pages * PVF_PAGE_SIZE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q->ring_alias == MAP_FAILED) {
		q->ring_alias = NULL;
		ring_unmap(q);
		return -PVF_ENOMEM;
	}
	for (i = 0; i < q->ring_pages; i++) {
		void *want = (uint8_t *)q->ring_alias + (size_t)i * PVF_PAGE_SIZE;

		if (mremap(va[i], 0, PVF_PAGE_SIZE, MREMAP_MAYMOVE | MREMAP_FIXED, want) != want) {
			ring_unmap(q);
			return -PVF_ENOMEM;
		}
	}
	q->ring_va = q->ring_alias;
	return 0;
}

/* ---- persistent grants ---------------------------------------------------- */

/* Index of @ref in the sorted table, or where it would go (*found = 0). */
static uint32_t pg_find(const struct bb_queue *q, uint32_t ref, int *found)
{
	uint32_t lo = 0, hi = q->nr_pg;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (q->pg[mid].ref == ref) {
			*found = 1;
			return mid;
		}
		if (q->pg[mid].ref < ref)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = 0;
	return lo;
}

static void pg_release_all(struct bb_queue *q)
{
	uint32_t i;

	for (i = 0; i < q->nr_pg; i++)
		bb_unmap(q->b, q->pg[i].ref, 0);
	q->nr_pg = 0;
}

/* Get an address for grant @ref: a persistent map if negotiated (mapped
 * read-write once, kept until disconnect), else a transient map recorded
 * in @io.  Returns 0 or a pvf_lb_be_map error. */
static int seg_map(struct bb_queue *q, struct bb_io *io, uint32_t ref, bool to_guest, void **va)
{
	struct pvf_blkback *b = q->b;
	int rc, found;

	if (b->persistent && q->pg) {
		uint32_t at = pg_find(q, ref, &found);

		if (found) {
			BB_ADD(b->ctl->st.persistent_hits, 1);
			*va = q->pg[at].va;
			return 0;
		}
		if (q->nr_pg < b->cfg.max_persistent) {
			rc = bb_map(b, ref, 0, va);
			if (rc == 0) {
				memmove(&q->pg[at + 1], &q->pg[at], (q->nr_pg - at) * sizeof(q->pg[0]));
				q->pg[at].ref = ref;
				q->pg[at].va = *va;
				q->nr_pg++;
				BB_ADD(b->ctl->st.persistent_maps, 1);
				return 0;
			}
			if (rc != -PVF_EPERM)
				return rc;
			/* a read-only grant: fall back to a transient map */
		}
	}
	rc = bb_map(b, ref, to_guest ? 0 : 1, va);
	if (rc)
		return rc;
	io->tref[io->ntrans] = ref;
	io->tro[io->ntrans] = to_guest ? 0 : 1;
	io->ntrans++;
	return 0;
}

static void io_unmap(struct bb_queue *q, struct bb_io *io)
{
	uint32_t i;

	for (i = 0; i < io->ntrans; i++)
		bb_unmap(q->b, io->tref[i], io->tro[i]);
	io->ntrans = 0;
}

/* ---- data movement ---------------------------------------------------------- */

static int full_io(int fd, bool write, struct iovec *iov, int cnt, off_t off)
{
	while (cnt > 0) {
		ssize_t n = write ? pwritev(fd, iov, cnt, off) : preadv(fd, iov, cnt, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* reading past EOF of a sparse tail: zeros */
			if (n == 0 && !write) {
				for (; cnt > 0; iov++, cnt--)
					memset(iov->iov_base, 0, iov->iov_len);
				return 0;
			}
			return -1;
		}
		off += n;
		while (cnt > 0 && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

/* Read or write @nseg segments (already copied out of shared memory) at
 * @sector.  Returns a BLKIF_RSP_* status. */
static int16_t do_rw(struct bb_queue *q, struct bb_io *io, uint8_t op, uint64_t sector,
		     const struct blkif_request_segment *segs, uint32_t nseg, uint32_t limit)
{
	struct pvf_blkback *b = q->b;
	bool wr = op != BLKIF_OP_READ;
	uint64_t total = 0, ss = b->cfg.sector_size / SECT;
	uint64_t sectors = __atomic_load_n(&b->sectors, __ATOMIC_ACQUIRE);
	uint32_t i;
	int16_t st = BLKIF_RSP_OKAY;

	if (nseg == 0 || nseg > limit)
		return BLKIF_RSP_ERROR;
	if (wr && b->cfg.readonly)
		return BLKIF_RSP_ERROR;
	for (i = 0; i < nseg; i++) {
		if (segs[i].first_sect > segs[i].last_sect || segs[i].last_sect > 7)
			return BLKIF_RSP_ERROR;
		total += (uint64_t)(segs[i].last_sect - segs[i].first_sect) + 1;
	}
	if (sector > sectors || total > sectors - sector)
		return BLKIF_RSP_ERROR;
	if (ss > 1 && (sector % ss || total % ss))
		return BLKIF_RSP_ERROR;

	io->ntrans = 0;
	if (b->cfg.grant_copy) {
		uint8_t *p = q->bounce;

		if (wr) {
			for (i = 0; i < nseg; i++) {
				uint32_t len = (uint32_t)(segs[i].last_sect - segs[i].first_sect + 1) * SECT;

				if (pvf_lb_be_copy(b->be, segs[i].gref, segs[i].first_sect * SECT, p, len, 0))
					return BLKIF_RSP_ERROR;
				p += len;
			}
		}
		io->iov[0].iov_base = q->bounce;
		io->iov[0].iov_len = (size_t)total * SECT;
		if (b->fd >= 0 && full_io(b->fd, wr, io->iov, 1, (off_t)(sector * SECT)))
			return BLKIF_RSP_ERROR;
		if (!wr) {
			p = q->bounce;
			for (i = 0; i < nseg; i++) {
				uint32_t len = (uint32_t)(segs[i].last_sect - segs[i].first_sect + 1) * SECT;

				/* The null device moves no data: a copy of 0 bytes
				 * still checks the grant (writable, valid) but never
				 * hands the guest the bounce buffer, which holds an
				 * earlier request's data. */
				if (pvf_lb_be_copy(b->be, segs[i].gref, segs[i].first_sect * SECT, p,
						   b->fd >= 0 ? len : 0, 1))
					return BLKIF_RSP_ERROR;
				p += len;
			}
		}
		return BLKIF_RSP_OKAY;
	}
	for (i = 0; i < nseg; i++) {
		void *va;

		if (seg_map(q, io, segs[i].gref, !wr, &va)) {
			io_unmap(q, io);
			return BLKIF_RSP_ERROR;
		}
		io->iov[i].iov_base = (uint8_t *)va + segs[i].first_sect * SECT;
		io->iov[i].iov_len = (size_t)(segs[i].last_sect - segs[i].first_sect + 1) * SECT;
	}
	if (b->fd >= 0 && full_io(b->fd, wr, io->iov, (int)nseg, (off_t)(sector * SECT)))
		st = BLKIF_RSP_ERROR;
	io_unmap(q, io);
	return st;
}

static int16_t do_discard(struct bb_queue *q, const struct blkif_request *req)
{
	struct pvf_blkback *b = q->b;
	struct blkif_request_discard d;
	uint64_t sectors = __atomic_load_n(&b->sectors, __ATOMIC_ACQUIRE);

	memcpy(&d, req, sizeof(d));
	if (!b->cfg.discard)
		return BLKIF_RSP_EOPNOTSUPP;
	if ((d.flag & BLKIF_DISCARD_SECURE) && !b->cfg.discard_secure)
		return BLKIF_RSP_EOPNOTSUPP;
	if (b->cfg.readonly || d.sector_number > sectors ||
	    d.nr_sectors > sectors - d.sector_number)
		return BLKIF_RSP_ERROR;
	BB_ADD(b->ctl->st.discards, 1);
	if (b->fd < 0 || d.nr_sectors == 0)
		return BLKIF_RSP_OKAY;
	if (fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)(d.sector_number * SECT), (off_t)(d.nr_sectors * SECT)))
		return errno == EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
	return BLKIF_RSP_OKAY;
}

static int16_t do_indirect(struct bb_queue *q, struct bb_io *io, const struct blkif_request *req)
{
	struct pvf_blkback *b = q->b;
	struct blkif_request_indirect ind;
	uint32_t nseg, npages, p;

	memcpy(&ind, req, sizeof(ind));
	if (!b->cfg.max_indirect)
		return BLKIF_RSP_EOPNOTSUPP;
	if (ind.indirect_op != BLKIF_OP_READ && ind.indirect_op != BLKIF_OP_WRITE)
		return BLKIF_RSP_ERROR;
	nseg = ind.nr_segments;
	if (nseg == 0 || nseg > b->cfg.max_indirect || nseg > PVF_BB_MAX_INDIRECT)
		return BLKIF_RSP_ERROR;
	npages = (nseg + SEGS_PER_PAGE - 1) / SEGS_PER_PAGE;
	if (npages > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
		return BLKIF_RSP_ERROR;
	for (p = 0; p < npages; p++) {
		uint32_t n = nseg - p * SEGS_PER_PAGE;
		void *va;

		if (n > SEGS_PER_PAGE)
			n = SEGS_PER_PAGE;
		if (bb_map(b, ind.indirect_grefs[p], 1, &va))
			return BLKIF_RSP_ERROR;
		/* copy once; validation works on the copy only */
		memcpy(&io->segs[p * SEGS_PER_PAGE], va, n * sizeof(io->segs[0]));
		bb_unmap(b, ind.indirect_grefs[p], 1);
	}
	BB_ADD(b->ctl->st.indirect, 1);
	if (ind.indirect_op == BLKIF_OP_WRITE)
		BB_ADD(b->ctl->st.writes, 1);
	else
		BB_ADD(b->ctl->st.reads, 1);
	return do_rw(q, io, ind.indirect_op, ind.sector_number, io->segs, nseg, b->cfg.max_indirect);
}

static int16_t do_flush(struct bb_queue *q, struct bb_io *io, const struct blkif_request *req)
{
	struct pvf_blkback *b = q->b;
	uint32_t nseg = req->nr_segments;
	int16_t st = BLKIF_RSP_OKAY;

	if (req->operation == BLKIF_OP_FLUSH_DISKCACHE ? !b->cfg.flush : !b->cfg.barrier)
		return BLKIF_RSP_EOPNOTSUPP;
	BB_ADD(b->ctl->st.flushes, 1);
	if (b->fd >= 0 && req->operation == BLKIF_OP_WRITE_BARRIER && fdatasync(b->fd))
		return BLKIF_RSP_ERROR;
	if (nseg) {
		struct blkif_request_segment segs[BLKIF_MAX_SEGMENTS_PER_REQUEST];

		if (nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return BLKIF_RSP_ERROR;
		memcpy(segs, req->seg, nseg * sizeof(segs[0]));
		st = do_rw(q, io, BLKIF_OP_WRITE, req->sector_number, segs, nseg,
			   BLKIF_MAX_SEGMENTS_PER_REQUEST);
	}
	if (st == BLKIF_RSP_OKAY && b->fd >= 0 && fdatasync(b->fd))
		st = BLKIF_RSP_ERROR;
	return st;
}

static int16_t handle(struct bb_queue *q, struct bb_io *io, const struct blkif_request *req)
{
	struct pvf_blkback *b = q->b;
	uint32_t mask = BB_GET(b->ctl->eopnotsupp_mask);
	uint8_t op = req->operation;

	BB_ADD(b->ctl->st.requests, 1);
	if (op < 32 && (mask & (1u << op)))
		return BLKIF_RSP_EOPNOTSUPP;
	switch (op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE: {
		struct blkif_request_segment segs[BLKIF_MAX_SEGMENTS_PER_REQUEST];
		uint32_t nseg = req->nr_segments;

		if (op == BLKIF_OP_READ)
			BB_ADD(b->ctl->st.reads, 1);
		else
			BB_ADD(b->ctl->st.writes, 1);
		if (nseg == 0 || nseg > BLKIF_MAX_SEGMENTS_PER_REQUEST)
			return BLKIF_RSP_ERROR;
		memcpy(segs, req->seg, nseg * sizeof(segs[0]));
		return do_rw(q, io, op, req->sector_number, segs, nseg,
			     BLKIF_MAX_SEGMENTS_PER_REQUEST);
	}
	case BLKIF_OP_WRITE_BARRIER:
	case BLKIF_OP_FLUSH_DISKCACHE:
		return do_flush(q, io, req);
	case BLKIF_OP_DISCARD:
		return do_discard(q, req);
	case BLKIF_OP_INDIRECT:
		return do_indirect(q, io, req);
	default:
		return BLKIF_RSP_EOPNOTSUPP;
	}
}

/* ---- responses ------------------------------------------------------------ */

static void put_rsp(struct bb_queue *q, uint64_t id, uint8_t op, int16_t st)
{
	blkif_response_t *r = RING_GET_RESPONSE(&q->ring, q->ring.rsp_prod_pvt);

	r->id = id;
	r->operation = op;
	r->status = st;
	q->ring.rsp_prod_pvt++;
}

static void respond(struct bb_queue *q, uint64_t id, uint8_t op, int16_t st)
{
	struct pvf_blkback *b = q->b;
	uint32_t mb = __atomic_exchange_n(&b->ctl->misbehave, PVF_BB_MB_NONE, __ATOMIC_ACQ_REL);

	if (st == BLKIF_RSP_ERROR)
		BB_ADD(b->ctl->st.errors, 1);
	else if (st == BLKIF_RSP_EOPNOTSUPP)
		BB_ADD(b->ctl->st.eopnotsupp, 1);
	switch (mb) {
	case PVF_BB_MB_BAD_ID:
		put_rsp(q, ~id, op, st);
		break;
	case PVF_BB_MB_DUP_ID:
		put_rsp(q, id, op, st);
		put_rsp(q, id, op, st);
		break;
	case PVF_BB_MB_WRONG_OP:
		put_rsp(q, id, op == BLKIF_OP_READ ? BLKIF_OP_WRITE : BLKIF_OP_READ, st);
		break;
	case PVF_BB_MB_OVERFLOW:
		put_rsp(q, id, op, st);
		pvf_wmb(); /* the response before the bogus producer */
		PVF_WRITE_ONCE(q->ring.sring->rsp_prod,
			       q->ring.rsp_prod_pvt + 3u * RING_SIZE(&q->ring));
		break;
	default:
		put_rsp(q, id, op, st);
		break;
	}
}

static void kick_front(struct bb_queue *q)
{
	int notify;

	/* the macro's wmb pairs with the frontend's rmb after reading rsp_prod */
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->ring, notify);
	if (notify && q->bound && pvf_lb_be_notify(q->b->be, q->port) == 0)
		BB_ADD(q->b->ctl->st.notifies, 1);
}

/* Consume every request the frontend published.  Returns 0, or -PVF_EPROTO
 * when the frontend's producer is out of range (the queue stops). */
static int process(struct bb_queue *q, struct bb_io *io)
{
	blkif_back_ring_t *r = &q->ring;
	int more;

	do {
		RING_IDX rp = PVF_READ_ONCE(r->sring->req_prod);

		pvf_rmb(); /* requests after the producer; pairs with the frontend's wmb */
		if (rp - r->req_cons > RING_SIZE(r)) {
			bb_log(q->b, "queue %u: request producer %u is more than a ring "
			       "ahead of %u; queue stopped", q->idx, rp, r->req_cons);
			BB_ADD(q->b->ctl->st.ring_errors, 1);
			q->broken = true;
			return -PVF_EPROTO;
		}
		while (r->req_cons != rp) {
			struct blkif_request req;
			int16_t st;

			if (BB_GET(q->b->ctl->pause)) {
				/* parked: what is left stays on the ring */
				kick_front(q);
				return 0;
			}
			memcpy(&req, RING_GET_REQUEST(r, r->req_cons), sizeof(req));
			r->req_cons++;
			st = handle(q, io, &req);
			respond(q, req.id, req.operation, st);
		}
		kick_front(q);
		RING_FINAL_CHECK_FOR_REQUESTS(r, more);
	} while (more);
	return 0;
}

static void q_event(void *arg, uint32_t port)
{
	struct bb_queue *q = arg;

	(void)port;
	sem_post(&q->kick);
}

static void *q_main(void *arg)
{
	struct bb_queue *q = arg;
	struct pvf_blkback *b = q->b;
	struct bb_io *io = calloc(1, sizeof(*io));
	int wait_ms = q->bound ? 20 : 1;

	if (!io) {
		bb_fatal(b, -PVF_ENOMEM);
		return NULL;
	}
	while (__atomic_load_n(&q->running, __ATOMIC_ACQUIRE)) {
		struct timespec ts;
		bool pause = BB_GET(b->ctl->pause) != 0;

		if (pause != q->parked) {
			q->parked = pause;
			if (pause)
				BB_ADD(b->ctl->st.paused, 1);
			else
				__atomic_fetch_sub(&b->ctl->st.paused, 1, __ATOMIC_RELEASE);
		}
		if (!q->broken && !q->parked)
			process(q, io);
		if (q->idx == 0 && q->bound) {
			/* queue 0's thread runs the backend demux: handlers post
			 * the other queues' semaphores and ours */
			pvf_lb_be_poll(b->be, wait_ms);
			while (sem_trywait(&q->kick) == 0)
				;
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)wait_ms * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		sem_timedwait(&q->kick, &ts);
	}
	if (q->parked) {
		q->parked = false;
		__atomic_fetch_sub(&b->ctl->st.paused, 1, __ATOMIC_RELEASE);
	}
	free(io);
	return NULL;
}

int bb_queue_connect(struct bb_queue *q, uint32_t remote_port)
{
	struct pvf_blkback *b = q->b;
	blkif_sring_t *s;
	RING_IDX rsp;
	int rc;

	rc = ring_map(q);
	if (rc)
		return rc;
	s = q->ring_va;
	BACK_RING_ATTACH(&q->ring, s, 0, (size_t)q->ring_pages * PVF_PAGE_SIZE);
	/* A restarted backend resumes after the last response the frontend
	 * can have seen; a fresh ring starts at 0 either way. */
	rsp = PVF_READ_ONCE(s->rsp_prod);
	if (PVF_READ_ONCE(s->req_prod) - rsp > RING_SIZE(&q->ring))
		rsp = PVF_READ_ONCE(s->req_prod);
	q->ring.rsp_prod_pvt = rsp;
	q->ring.req_cons = rsp;
	q->broken = false;
	if (b->persistent) {
		q->pg = calloc(b->cfg.max_persistent ? b->cfg.max_persistent : 1, sizeof(*q->pg));
		if (!q->pg) {
			ring_unmap(q);
			return -PVF_ENOMEM;
		}
	}
	if (b->cfg.grant_copy) {
		q->bounce = malloc((size_t)PVF_BB_MAX_INDIRECT * PVF_PAGE_SIZE);
		if (!q->bounce) {
			bb_queue_disconnect(q);
			return -PVF_ENOMEM;
		}
	}
	if (sem_init(&q->kick, 0, 0)) {
		bb_queue_disconnect(q);
		return -PVF_ENOMEM;
	}
	if (remote_port) {
		rc = pvf_lb_be_bind_interdomain(b->be, remote_port, &q->port);
		if (rc) {
			sem_destroy(&q->kick);
			bb_queue_disconnect(q);
			return rc;
		}
		q->bound = true;
		pvf_lb_be_bind(b->be, q->port, q_event, q);
	}
	q->running = true;
	if (pthread_create(&q->thread, NULL, q_main, q)) {
		q->running = false;
		sem_destroy(&q->kick);
		bb_queue_disconnect(q);
		return -PVF_ENOMEM;
	}
	return 0;
}

void bb_queue_disconnect(struct bb_queue *q)
{
	if (q->running) {
		__atomic_store_n(&q->running, false, __ATOMIC_RELEASE);
		sem_post(&q->kick);
		pthread_join(q->thread, NULL);
		sem_destroy(&q->kick);
	}
	if (q->bound) {
		pvf_lb_be_bind(q->b->be, q->port, NULL, NULL);
		pvf_lb_be_close_port(q->b->be, q->port);
		q->bound = false;
		q->port = 0;
	}
	pg_release_all(q);
	free(q->pg);
	q->pg = NULL;
	free(q->bounce);
	q->bounce = NULL;
	ring_unmap(q);
}
