/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The device behind the nbdkit plugin (see nbd_dev.h): environment,
 * blkback thread, block client, a pump thread, and slot-based I/O that many
 * caller threads share under one device mutex.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pvfront/errno.h>
#include <pvfront/xs.h>
#include "../blkback.h"
#include "../env.h"
#include "nbd_dev.h"

#define DEVID 51712u            /* xvda */
#define STUCK_MS 30000          /* a request older than this fails the device */
#define CHECK_MS 100            /* watch / stuck-request check period */

struct nbd_slot {
	struct pvf_blk_req req;
	struct pvf_blk_seg segs[PVF_NBD_SLOT_PAGES];
	struct pvf_nbd_dev *d;
	uint8_t *va;                /* first data page of the slot */
	uint32_t len;               /* bytes of this chunk */
	uint32_t buf_off;           /* where in the caller's buffer */
	int64_t t_submit;           /* ms, while in flight */
	int status;
	bool done, inflight;
};

struct pvf_nbd_dev {
	struct pvf_env env;
	struct pvf_blkback *b;
	struct pvf_bbc c;
	bool c_open;
	char fe[128], be[128];
	pthread_mutex_t lk;         /* recursive: the pump's abort re-enters */
	pthread_cond_t cv;          /* a slot completed or was freed */
	pthread_t pump;
	bool pump_started;
	atomic_bool stop;
	bool broken;                /* the core reported -PVF_EPROTO */
	int failed;                 /* sticky: -PVF_EIO once the device failed */
	uint32_t spp;               /* pages per slot actually used */
	struct nbd_slot slot[PVF_NBD_SLOTS];
	uint32_t free_stack[PVF_NBD_SLOTS];
	uint32_t nfree;
	struct pvf_nbd_props props;
	struct pvf_nbd_stats st;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 3, 4)))
static void seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

void pvf_nbd_config_default(struct pvf_nbd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->null_size = 64ull << 20;
	strcpy(cfg->profile, "linux");
	cfg->queues = 1;
}

/* ---- events ---------------------------------------------------------------- */

/* Guest event handler (runs in the pump thread, or in the thread that
 * holds the lock during open/close/abort: the mutex is recursive). */
static void on_evt(void *arg, uint32_t port)
{
	struct pvf_nbd_dev *d = arg;

	pthread_mutex_lock(&d->lk);
	if (pvf_blk_on_event(&d->c.blk, port) == -PVF_EPROTO)
		d->broken = true;
	pthread_mutex_unlock(&d->lk);
}

static void bind_ports(struct pvf_nbd_dev *d)
{
	uint32_t i;

	for (i = 0; i < PVF_BLK_MAX_QUEUES; i++)
		if (d->c.blk.q[i].port)
			pvf_lb_guest_bind(d->c.g, d->c.blk.q[i].port, on_evt, d);
}

static void slot_done(struct pvf_blk_req *req, int status)
{
	struct nbd_slot *s = req->cookie;

	s->status = status;
	s->done = true;
	s->inflight = false;
	if (status)
		s->d->st.errors++;
	pthread_cond_broadcast(&s->d->cv);
}

/* Under the lock, pump thread only (it is the only thread that polls). */
static void fail_device(struct pvf_nbd_dev *d, const char *why)
{
	if (d->failed)
		return;
	fprintf(stderr, "pvfront-nbdkit: the block device failed (%s); every request now "
		"fails with EIO\n", why);
	d->failed = -PVF_EIO;
	pvf_bbc_abort(&d->c, 2000);
	pthread_cond_broadcast(&d->cv);
}

static uint32_t backend_state(struct pvf_nbd_dev *d)
{
	char path[PVF_BLK_PATH_MAX + 16], v[16];
	uint32_t st = 0;
	int n;

	snprintf(path, sizeof(path), "%s/state", d->be);
	n = d->c.p->ops->xs_read(d->c.p->ctx, 0, path, v, sizeof(v));
	if (n < 0 || (size_t)n >= sizeof(v))
		return 0;
	v[n] = '\0';
	return pvf_xs_parse_u32(v, &st) ? 0 : st;
}

/* Periodic checks, under the lock: backend state (through the client's
 * watch), stuck requests, a broken core, missed events. */
static void pump_check(struct pvf_nbd_dev *d)
{
	char path[PVF_BLK_PATH_MAX + 16], tok[32];
	bool watch = false;
	int64_t now = now_ms();
	uint32_t i;
	int rc;

	while ((rc = pvf_lb_xs_read_watch(d->c.g, path, sizeof(path), tok, sizeof(tok))) != 0) {
		if (rc == 1)
			watch = true;
		if (rc < 0 && rc != -PVF_E2BIG)
			break;
	}
	if (d->failed)
		return;
	if (watch && backend_state(d) != 4) {
		fail_device(d, "the backend left Connected");
		return;
	}
	if (d->broken || pvf_blk_poll(&d->c.blk) == -PVF_EPROTO) {
		fail_device(d, "protocol violation by the backend");
		return;
	}
	for (i = 0; i < PVF_NBD_SLOTS; i++)
		if (d->slot[i].inflight && now - d->slot[i].t_submit > STUCK_MS) {
			fail_device(d, "a request did not complete in 30 s");
			return;
		}
}

static void *pump_main(void *arg)
{
	struct pvf_nbd_dev *d = arg;
	int64_t last = now_ms();

	while (!atomic_load(&d->stop)) {
		int n = pvf_lb_guest_poll(d->c.g, CHECK_MS);

		if (n == 0 || now_ms() - last >= CHECK_MS) {
			pthread_mutex_lock(&d->lk);
			pump_check(d);
			pthread_mutex_unlock(&d->lk);
			last = now_ms();
		}
	}
	return NULL;
}

/* ---- open / close ------------------------------------------------------------ */

static void teardown(struct pvf_nbd_dev *d, struct pvf_nbd_stats *st, int *rc)
{
	struct pvf_lb_stats hs;
	struct pvf_bb_stats bs;
	int r;

	if (d->pump_started) {
		atomic_store(&d->stop, true);
		pthread_join(d->pump, NULL);
		d->pump_started = false;
	}
	pthread_mutex_lock(&d->lk);
	if (d->b) {
		pvf_bb_get_stats(d->b, &bs);
		d->st.be_requests = bs.requests;
		d->st.be_persistent_hits = bs.persistent_hits;
		d->st.be_notifies = bs.notifies;
	}
	if (d->c_open) {
		d->st.fe_notifies = pvf_blk_get_stats(&d->c.blk)->notifies;
		r = pvf_bbc_close(&d->c, 5000);
		if (r && !*rc)
			*rc = r;
		d->c_open = false;
	}
	if (d->b) {
		r = pvf_bb_stop(d->b);
		if (r && !*rc)
			*rc = r;
		pvf_bb_destroy(d->b);
		d->b = NULL;
	}
	if (d->env.hv && pvf_lb_hv_stats(d->env.hv, &hs) == 0) {
		d->st.grants_mapped = hs.grants_mapped;
		d->st.pages_left = hs.pages_allocated;
		if ((hs.grants_mapped || hs.pages_allocated) && !*rc)
			*rc = -PVF_EBUSY;
	}
	if (d->fe[0])
		pvf_bb_toolstack_remove(d->fe, d->be);
	pvf_env_stop(&d->env);
	pthread_mutex_unlock(&d->lk);
	if (st)
		*st = d->st;
}

int pvf_nbd_open(const struct pvf_nbd_config *cfg, struct pvf_nbd_dev **out, char *err,
		 size_t errsz)
{
	struct pvf_bb_config bc;
	struct pvf_blk_config fc;
	struct pvf_lb_config lc;
	const struct pvf_blk_info *in;
	pthread_mutexattr_t ma;
	struct pvf_nbd_dev *d;
	const char *what = "";
	uint32_t i, pool;
	int rc, rc2 = 0;

	*out = NULL;
	if (cfg->queues < 1 || cfg->queues > PVF_BLK_MAX_QUEUES ||
	    pvf_bb_profile(&bc, cfg->profile)) {
		seterr(err, errsz, "bad queues (%u, 1..%u) or profile '%s'", cfg->queues,
		       PVF_BLK_MAX_QUEUES, cfg->profile);
		return -PVF_EINVAL;
	}
	if (cfg->image[0])
		snprintf(bc.image, sizeof(bc.image), "%s", cfg->image);
	else if (!cfg->null_size || cfg->null_size % 4096) {
		seterr(err, errsz, "null-size %llu is not a non-zero multiple of 4096",
		       (unsigned long long)cfg->null_size);
		return -PVF_EINVAL;
	} else
		bc.null_sectors = cfg->null_size / 512;
	bc.readonly = cfg->readonly;
	setenv("PVF_BLKBACK_QUIET", "1", 0);

	d = calloc(1, sizeof(*d));
	if (!d)
		return -PVF_ENOMEM;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&d->lk, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_cond_init(&d->cv, NULL);
	atomic_init(&d->stop, false);

	pvf_blk_config_default(&fc);
	fc.nr_queues = (uint8_t)cfg->queues;
	pool = PVF_NBD_SLOTS * PVF_NBD_SLOT_PAGES / cfg->queues + 16;
	fc.pool_pages = (uint16_t)(pool < 64 ? 64 : pool > 4096 ? 4096 : pool);
	pvf_lb_config_init(&lc);
	lc.guest_pages = PVF_NBD_SLOTS * PVF_NBD_SLOT_PAGES +
			 cfg->queues * (16u + fc.pool_pages + 1024u) + 4096u;
	lc.grant_entries = 65536;

	what = "start the harness environment";
	rc = pvf_env_start(&d->env, &lc, "nbdkit");
	if (!rc) {
		what = "add the vbd to xenstore";
		rc = pvf_bb_toolstack_add(DEVID, pvf_lb_guest_domid(d->env.guest), 0, &bc, d->fe,
					  sizeof(d->fe), d->be, sizeof(d->be));
	}
	if (!rc) {
		what = "create the backend";
		rc = pvf_bb_create(d->env.hv, &bc, d->fe, d->be, &d->b);
	}
	if (!rc) {
		what = "start the backend";
		rc = pvf_bb_start(d->b);
	}
	if (!rc) {
		what = "connect the block frontend";
		rc = pvf_bbc_open(&d->c, d->env.guest, d->fe, d->be, &fc,
				  PVF_NBD_SLOTS * PVF_NBD_SLOT_PAGES, 5000);
		d->c_open = rc == 0;
	}
	if (rc) {
		seterr(err, errsz, "cannot %s: %s", what, pvf_strerror(rc));
		teardown(d, NULL, &rc2);
		pthread_cond_destroy(&d->cv);
		pthread_mutex_destroy(&d->lk);
		free(d);
		return rc;
	}
	in = pvf_blk_get_info(&d->c.blk);
	d->spp = in->max_segs_per_req < PVF_NBD_SLOT_PAGES ? in->max_segs_per_req
							   : PVF_NBD_SLOT_PAGES;
	if (!d->spp)
		d->spp = 1;
	d->props.size = in->sectors * 512;
	d->props.sector_size = in->sector_size;
	d->props.chunk = d->spp * PVF_PAGE_SIZE;
	d->props.queues = in->nr_queues;
	d->props.readonly = in->readonly;
	d->props.flush = in->flush || in->barrier;
	d->props.discard = in->discard;
	for (i = 0; i < PVF_NBD_SLOTS; i++) {
		d->slot[i].d = d;
		d->slot[i].va = pvf_bbc_page(&d->c, i * PVF_NBD_SLOT_PAGES);
		d->free_stack[i] = PVF_NBD_SLOTS - 1 - i;
	}
	d->nfree = PVF_NBD_SLOTS;
	bind_ports(d);
	if (pthread_create(&d->pump, NULL, pump_main, d)) {
		seterr(err, errsz, "cannot start the pump thread");
		teardown(d, NULL, &rc2);
		pthread_cond_destroy(&d->cv);
		pthread_mutex_destroy(&d->lk);
		free(d);
		return -PVF_ENOMEM;
	}
	d->pump_started = true;
	*out = d;
	return 0;
}

void pvf_nbd_props(const struct pvf_nbd_dev *d, struct pvf_nbd_props *p)
{
	*p = d->props;
}

int pvf_nbd_close(struct pvf_nbd_dev *d, struct pvf_nbd_stats *st)
{
	int rc = 0;

	if (!d)
		return 0;
	teardown(d, st, &rc);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->lk);
	free(d);
	return rc;
}

/* ---- I/O ------------------------------------------------------------------------ */

/* Fill slot @s for @op and submit it (under the lock).  Returns as
 * pvf_blk_submit. */
static int slot_submit(struct pvf_nbd_dev *d, struct nbd_slot *s, enum pvf_nbd_op op,
		       const uint8_t *src, uint64_t offset, uint32_t len, uint32_t queue)
{
	uint32_t np = 0, k;
	int rc;

	memset(&s->req, 0, sizeof(s->req));
	s->req.sector = offset / 512;
	s->req.queue = (uint16_t)queue;
	s->req.done = slot_done;
	s->req.cookie = s;
	s->len = len;
	s->done = false;
	s->status = 0;
	switch (op) {
	case PVF_NBD_FLUSH:
		s->req.op = PVF_BLK_OP_FLUSH;
		break;
	case PVF_NBD_TRIM:
		s->req.op = PVF_BLK_OP_DISCARD;
		s->req.nr_sectors = len / 512;
		break;
	default:
		s->req.op = op == PVF_NBD_READ ? PVF_BLK_OP_READ : PVF_BLK_OP_WRITE;
		if (op == PVF_NBD_WRITE)
			memcpy(s->va, src, len);
		else if (op == PVF_NBD_ZERO)
			memset(s->va, 0, len);
		np = (len + PVF_PAGE_SIZE - 1) / PVF_PAGE_SIZE;
		for (k = 0; k < np; k++) {
			uint32_t left = (len - k * PVF_PAGE_SIZE) / 512;
			uint32_t pg = (uint32_t)(s - d->slot) * PVF_NBD_SLOT_PAGES + k;

			s->segs[k].frame = pvf_bbc_frame(&d->c, pg);
			s->segs[k].va = pvf_bbc_page(&d->c, pg);
			s->segs[k].first_sect = 0;
			s->segs[k].last_sect = (uint8_t)((left >= 8 ? 8 : left) - 1);
		}
		s->req.segs = s->segs;
		s->req.nr_segs = np;
		break;
	}
	rc = pvf_blk_submit(&d->c.blk, &s->req);
	if (!rc) {
		s->inflight = true;
		s->t_submit = now_ms();
		d->st.chunks++;
	}
	return rc;
}

static void slot_free(struct pvf_nbd_dev *d, struct nbd_slot *s)
{
	d->free_stack[d->nfree++] = (uint32_t)(s - d->slot);
	pthread_cond_broadcast(&d->cv);
}

static int check_args(struct pvf_nbd_dev *d, enum pvf_nbd_op op, uint32_t count,
		      uint64_t offset, char *err, size_t errsz)
{
	const struct pvf_nbd_props *p = &d->props;

	if (op == PVF_NBD_FLUSH)
		return p->flush ? 0 : -PVF_EOPNOTSUPP;
	if (op != PVF_NBD_READ && p->readonly) {
		seterr(err, errsz, "the device is read-only");
		return -PVF_EROFS;
	}
	if (op == PVF_NBD_TRIM && !p->discard)
		return -PVF_EOPNOTSUPP;
	if (!count || offset % p->sector_size || count % p->sector_size) {
		seterr(err, errsz, "unaligned request (offset %llu, count %u): both must be "
		       "multiples of the sector size %u; no read-modify-write is done "
		       "(stack nbdkit's blocksize filter for that)", (unsigned long long)offset,
		       count, p->sector_size);
		return -PVF_EINVAL;
	}
	if (offset > p->size || count > p->size - offset) {
		seterr(err, errsz, "request beyond the end (offset %llu, count %u, size %llu)",
		       (unsigned long long)offset, count, (unsigned long long)p->size);
		return -PVF_EINVAL;
	}
	return 0;
}

int pvf_nbd_io(struct pvf_nbd_dev *d, enum pvf_nbd_op op, void *buf, uint32_t count,
	       uint64_t offset, uint32_t queue, char *err, size_t errsz)
{
	struct nbd_slot *mine[PVF_NBD_CHUNKS_PER_CALL];
	uint32_t nmine = 0, pos = 0, i;
	bool one = op == PVF_NBD_FLUSH || op == PVF_NBD_TRIM; /* a single request */
	bool more = true;                                      /* chunks left to submit */
	int rc;

	if (err && errsz)
		err[0] = '\0';
	rc = check_args(d, op, count, offset, err, errsz);
	pthread_mutex_lock(&d->lk);
	d->st.calls++;
	if (rc) {
		d->st.refused++;
		pthread_mutex_unlock(&d->lk);
		return rc;
	}
	while (more || nmine) {
		bool progress = false;

		for (i = 0; i < nmine; i++) {
			struct nbd_slot *s = mine[i];

			if (!s->done)
				continue;
			if (s->status == 0 && op == PVF_NBD_READ) {
				memcpy((uint8_t *)buf + s->buf_off, s->va, s->len);
				d->st.bytes_read += s->len;
			} else if (s->status == 0 && op != PVF_NBD_FLUSH && op != PVF_NBD_TRIM) {
				d->st.bytes_written += s->len;
			}
			if (s->status && !rc)
				rc = s->status;
			slot_free(d, s);
			mine[i--] = mine[--nmine];
			progress = true;
		}
		if (!rc && d->failed)
			rc = d->failed;
		if (rc)
			more = false; /* submit nothing more; drain what is in flight */
		if (more && nmine < PVF_NBD_CHUNKS_PER_CALL && d->nfree) {
			struct nbd_slot *s = &d->slot[d->free_stack[--d->nfree]];
			uint32_t len = one || count - pos < d->props.chunk ? count - pos
									  : d->props.chunk;

			s->buf_off = pos;
			rc = slot_submit(d, s, op, buf ? (const uint8_t *)buf + pos : NULL, offset + pos, len,
					 queue);
			if (rc) {
				slot_free(d, s);
				continue;
			}
			mine[nmine++] = s;
			pos += len;
			more = !one && pos < count;
			progress = true;
		}
		if (!progress)
			pthread_cond_wait(&d->cv, &d->lk);
	}
	pthread_mutex_unlock(&d->lk);
	if (rc)
		seterr(err, errsz, "block request failed: %s", pvf_strerror(rc));
	return rc;
}
