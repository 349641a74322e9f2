/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The workload generator of `pvfront blk`: option parsing, the I/O loop
 * over a struct pvf_wl_host (the loopback client's adapter is here, the
 * real-Xen one in wl_xen.c), verification patterns, a latency histogram.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <pvfront/errno.h>
#include "blkback.h"

#define WL_MAX_BS (1024u * 1024u)
#define HIST_SUB 16u
#define HIST_N (64u * HIST_SUB)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "4k", "1M", "512" -> bytes.  Returns 0 or -1. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !*s || *s == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (end == s)
		return -1;
	if (*end) {
		switch (*end) {
		case 'k': case 'K': mul = 1024; break;
		case 'm': case 'M': mul = 1024 * 1024; break;
		case 'g': case 'G': mul = 1024ull * 1024 * 1024; break;
		default: return -1;
		}
		if (end[1] && strcasecmp(end + 1, "ib") && strcasecmp(end + 1, "b"))
			return -1;
	}
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int bad(char *err, size_t errsz, const char *fmt, const char *arg)
{
	snprintf(err, errsz, fmt, arg);
	return -PVF_EINVAL;
}

int pvf_wl_parse(int argc, char **argv, struct pvf_wl_opts *o, char *err, size_t errsz)
{
	bool have_runtime = false, have_img = false;
	int i;

	memset(o, 0, sizeof(*o));
	o->rw = PVF_WL_READ;
	o->bs = 4096;
	o->iodepth = 1;
	o->queues = 1;
	o->runtime_ms = 2000;
	o->seed = 1;
	o->null_size = 1ull << 30;
	strcpy(o->profile, "linux");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char *eq = strncmp(a, "--", 2) ? NULL : strchr(a, '=');
		char name[32];
		uint64_t n;

		if (eq) { /* --opt=value */
			if ((size_t)(eq - a) >= sizeof(name))
				return bad(err, errsz, "unknown option '%s'", a);
			memcpy(name, a, (size_t)(eq - a));
			name[eq - a] = '\0';
			a = name;
			v = eq + 1;
			i--; /* the value is not the next argument */
		}

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return 1;
		if (eq && (!strcmp(a, "--null") || !strcmp(a, "--verify") || !strcmp(a, "--json") ||
			   !strcmp(a, "--untrusted") || !strcmp(a, "--help")))
			return bad(err, errsz, "option %s takes no value", a);
		if (!strcmp(a, "--null")) {
			o->null = true;
			continue;
		}
		if (!strcmp(a, "--verify")) {
			o->verify = true;
			continue;
		}
		if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		}
		if (!strcmp(a, "--untrusted")) {
			o->untrusted = true;
			continue;
		}
		if (strncmp(a, "--", 2))
			return bad(err, errsz, "unexpected argument '%s'", a);
		if (!v)
			return bad(err, errsz, "option %s needs a value", a);
		i++;
		if (!strcmp(a, "--rw")) {
			static const char *const names[] = { "read", "write", "randread",
							      "randwrite", "mixed" };
			unsigned int k;

			for (k = 0; k < 5 && strcmp(v, names[k]); k++)
				;
			if (k == 5 && !strcmp(v, "randrw")) /* fio's name for it */
				k = PVF_WL_MIXED;
			if (k == 5)
				return bad(err, errsz, "--rw: unknown pattern '%s' (read, write, "
					   "randread, randwrite, mixed or randrw)", v);
			o->rw = (enum pvf_wl_rw)k;
		} else if (!strcmp(a, "--bs")) {
			if (parse_size(v, &n) || n == 0 || n % 512 || n > WL_MAX_BS)
				return bad(err, errsz, "--bs: '%s' is not a multiple of 512 "
					   "between 512 and 1M", v);
			o->bs = (uint32_t)n;
		} else if (!strcmp(a, "--iodepth")) {
			if (parse_size(v, &n) || n < 1 || n > 1024)
				return bad(err, errsz, "--iodepth: '%s' is not in 1..1024", v);
			o->iodepth = (uint32_t)n;
		} else if (!strcmp(a, "--queues")) {
			if (parse_size(v, &n) || n < 1 || n > PVF_BLK_MAX_QUEUES)
				return bad(err, errsz, "--queues: '%s' is not in 1..8", v);
			o->queues = (uint32_t)n;
		} else if (!strcmp(a, "--runtime")) {
			char *end;
			double s = strtod(v, &end);

			if (end == v || *end || !(s > 0) || s > 86400)
				return bad(err, errsz, "--runtime: '%s' is not a number of seconds", v);
			o->runtime_ms = (uint32_t)(s * 1000.0 + 0.5);
			if (!o->runtime_ms)
				o->runtime_ms = 1;
			have_runtime = true;
		} else if (!strcmp(a, "--size")) {
			if (parse_size(v, &n) || n == 0 || n % 512)
				return bad(err, errsz, "--size: '%s' is not a non-zero multiple of 512", v);
			o->size = n;
		} else if (!strcmp(a, "--null-size")) {
			if (parse_size(v, &n) || n == 0 || n % 4096)
				return bad(err, errsz, "--null-size: '%s' is not a multiple of 4096", v);
			o->null_size = n;
		} else if (!strcmp(a, "--image")) {
			if (strlen(v) >= sizeof(o->image) || !*v)
				return bad(err, errsz, "--image: bad path '%s'", v);
			strcpy(o->image, v);
			have_img = true;
		} else if (!strcmp(a, "--profile")) {
			struct pvf_bb_config tmp;

			if (strlen(v) >= sizeof(o->profile) || pvf_bb_profile(&tmp, v))
				return bad(err, errsz, "--profile: unknown profile '%s' (linux, qdisk, "
					   "qdisk-legacy, minimal)", v);
			strcpy(o->profile, v);
		} else if (!strcmp(a, "--seed")) {
			if (parse_size(v, &n) || n > UINT32_MAX)
				return bad(err, errsz, "--seed: '%s' is not a 32-bit number", v);
			o->seed = (uint32_t)n;
		} else {
			return bad(err, errsz, "unknown option '%s'", a);
		}
	}
	if (have_img == o->null)
		return bad(err, errsz, "%s", have_img ? "--image and --null exclude each other"
						      : "give --image FILE or --null");
	if (o->size && !have_runtime)
		o->runtime_ms = 0;
	if (o->size && o->size < o->bs)
		return bad(err, errsz, "%s", "--size is smaller than --bs");
	return 0;
}

void pvf_wl_pattern(void *buf, uint64_t sector, uint32_t seed)
{
	uint64_t *w = buf;
	uint64_t k = (uint64_t)seed * 0x9E3779B97F4A7C15ull;
	unsigned int i;

	for (i = 0; i < 512 / 8; i++)
		w[i] = (sector << 8 | i) ^ k ^ ((uint64_t)seed << 32);
}

uint32_t pvf_wl_pages(const struct pvf_wl_opts *o)
{
	return o->iodepth * ((o->bs + PVF_PAGE_SIZE - 1) / PVF_PAGE_SIZE);
}

struct wl_slot {
	struct pvf_blk_req req;
	struct pvf_blk_seg segs[WL_MAX_BS / PVF_PAGE_SIZE];
	uint64_t block;
	uint64_t start;
	int status;
	bool busy, done;
};

struct wl {
	struct pvf_wl_host *h;
	const struct pvf_wl_opts *o;
	struct pvf_wl_result *r;
	struct wl_slot *slots;
	uint8_t *written;          /* bitmap of blocks holding a pattern */
	uint8_t *inflight;         /* blocks with I/O in flight */
	uint64_t nblocks, next_seq, target_ios, issued;
	uint64_t hist[HIST_N];
	uint64_t rng;
	uint64_t last_done;        /* time of the last completion (stall check) */
	uint32_t spb;              /* sectors per block */
	uint32_t ppb;              /* pages per block */
};

static void hist_add(struct wl *w, uint64_t ns)
{
	unsigned int b = 63u - (unsigned int)__builtin_clzll(ns | 1);
	unsigned int sub = b >= 4 ? (unsigned int)(ns >> (b - 4)) & (HIST_SUB - 1) : (unsigned int)ns;

	w->hist[b * HIST_SUB + sub]++;
	if (ns > w->r->lat_max_ns)
		w->r->lat_max_ns = ns;
}

static uint64_t hist_pct(const struct wl *w, double pct)
{
	uint64_t total = 0, want, seen = 0;
	unsigned int i;

	for (i = 0; i < HIST_N; i++)
		total += w->hist[i];
	if (!total)
		return 0;
	want = (uint64_t)(pct / 100.0 * (double)total + 0.5);
	if (want < 1)
		want = 1;
	for (i = 0; i < HIST_N; i++) {
		seen += w->hist[i];
		if (seen >= want) {
			unsigned int b = i / HIST_SUB, sub = i % HIST_SUB;

			return b >= 4 ? ((uint64_t)(HIST_SUB + sub) << (b - 4)) : sub;
		}
	}
	return w->r->lat_max_ns;
}

static uint64_t rnd(struct wl *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

static void wl_done(struct pvf_blk_req *req, int status)
{
	struct wl_slot *s = req->cookie;

	s->status = status;
	s->done = true;
}

static bool bit(const uint8_t *m, uint64_t i)
{
	return m[i / 8] & (1u << (i % 8));
}

static void setbit(uint8_t *m, uint64_t i, bool on)
{
	if (on)
		m[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		m[i / 8] &= (uint8_t)~(1u << (i % 8));
}

static uint8_t *slot_page(struct wl *w, uint32_t si, uint32_t p)
{
	return w->h->page(w->h->ctx, si * w->ppb + p);
}

static void fill_pattern(struct wl *w, uint32_t si, uint64_t block)
{
	uint32_t k;

	for (k = 0; k < w->spb; k++)
		pvf_wl_pattern(slot_page(w, si, k / 8) + (k % 8) * 512, block * w->spb + k,
			       w->o->seed);
}

static void check_pattern(struct wl *w, uint32_t si, uint64_t block)
{
	uint8_t want[512];
	uint32_t k;

	for (k = 0; k < w->spb; k++) {
		uint64_t sector = block * w->spb + k;

		pvf_wl_pattern(want, sector, w->o->seed);
		if (memcmp(want, slot_page(w, si, k / 8) + (k % 8) * 512, 512)) {
			if (!w->r->verify_errors)
				snprintf(w->r->first_error, sizeof(w->r->first_error),
					 "verify: block %llu (sector %llu, offset %llu) does not hold "
					 "its pattern", (unsigned long long)block,
					 (unsigned long long)sector, (unsigned long long)sector * 512);
			w->r->verify_errors++;
			return;
		}
	}
}

/* Pick the next block and op; false when the workload is over. */
static bool next_io(struct wl *w, uint64_t *block, bool *write, bool prefill)
{
	const struct pvf_wl_opts *o = w->o;
	bool rand = o->rw == PVF_WL_RANDREAD || o->rw == PVF_WL_RANDWRITE || o->rw == PVF_WL_MIXED;
	uint64_t b, tries;

	if (w->target_ios && w->issued >= w->target_ios)
		return false;
	if (prefill || !rand) {
		b = w->next_seq++ % w->nblocks;
	} else {
		b = rnd(w) % w->nblocks;
	}
	for (tries = 0; bit(w->inflight, b); tries++) {
		if (tries > w->nblocks)
			return false;
		b = (b + 1) % w->nblocks;
	}
	*block = b;
	if (prefill)
		*write = true;
	else if (o->rw == PVF_WL_MIXED)
		*write = rnd(w) & 1;
	else
		*write = o->rw == PVF_WL_WRITE || o->rw == PVF_WL_RANDWRITE;
	return true;
}

static int issue(struct wl *w, uint32_t si, uint64_t block, bool write)
{
	struct wl_slot *s = &w->slots[si];
	uint32_t p, left = w->spb;

	memset(&s->req, 0, sizeof(s->req));
	for (p = 0; p < w->ppb; p++, left -= 8) {
		s->segs[p].frame = w->h->frame(w->h->ctx, si * w->ppb + p);
		s->segs[p].va = slot_page(w, si, p);
		s->segs[p].first_sect = 0;
		s->segs[p].last_sect = (uint8_t)((left >= 8 ? 8 : left) - 1);
	}
	if (write && w->o->verify)
		fill_pattern(w, si, block);
	else if (w->o->verify)
		for (p = 0; p < w->ppb; p++) /* no stale pattern may pass for data */
			memset(slot_page(w, si, p), 0xa5, PVF_PAGE_SIZE);
	s->req.op = write ? PVF_BLK_OP_WRITE : PVF_BLK_OP_READ;
	s->req.queue = (uint16_t)(si % w->o->queues);
	s->req.sector = block * w->spb;
	s->req.segs = s->segs;
	s->req.nr_segs = w->ppb;
	s->req.done = wl_done;
	s->req.cookie = s;
	s->block = block;
	s->busy = true;
	s->done = false;
	s->start = now_ns();
	setbit(w->inflight, block, true);
	w->issued++;
	return pvf_blk_submit(w->h->blk, &s->req);
}

static void complete(struct wl *w, uint32_t si, bool measure)
{
	struct wl_slot *s = &w->slots[si];
	bool write = s->req.op == PVF_BLK_OP_WRITE;

	s->busy = false;
	w->last_done = now_ns();
	setbit(w->inflight, s->block, false);
	if (s->status) {
		w->r->errors++;
		if (!w->r->first_error[0])
			snprintf(w->r->first_error, sizeof(w->r->first_error),
				 "%s of block %llu failed: %s", write ? "write" : "read",
				 (unsigned long long)s->block, pvf_strerror(s->status));
		return;
	}
	if (w->o->verify) {
		if (write)
			setbit(w->written, s->block, true);
		else if (bit(w->written, s->block))
			check_pattern(w, si, s->block);
	}
	if (!measure)
		return;
	hist_add(w, now_ns() - s->start);
	w->r->ios++;
	w->r->bytes += w->o->bs;
	if (write)
		w->r->writes++;
	else
		w->r->reads++;
}

/* One pump step; a stall past h->stall_ms with requests in flight is
 * -PVF_ETIMEDOUT.  Returns 0 or a negative PVF error (not -PVF_ENOTCONN:
 * a reconnecting device is waited for). */
static int pump(struct wl *w)
{
	int rc = w->h->pump(w->h->ctx, 1);

	if (rc < 0 && rc != -PVF_ENOTCONN)
		return rc;
	if (w->h->stall_ms && now_ns() - w->last_done > (uint64_t)w->h->stall_ms * 1000000u)
		return -PVF_ETIMEDOUT;
	return 0;
}

/* One phase: keep iodepth requests in flight until the target or time.
 * On an error nothing more is issued, but every request in flight is
 * waited for (a broken device is shut down so that they complete). */
static int phase(struct wl *w, bool prefill, uint64_t deadline, bool measure)
{
	uint32_t si, busy = 0;
	int rc, fail = 0;

	w->last_done = now_ns();
	for (;;) {
		bool stop = fail || (deadline && now_ns() >= deadline);

		for (si = 0; si < w->o->iodepth && !stop; si++) {
			uint64_t block;
			bool write;

			if (w->slots[si].busy || !next_io(w, &block, &write, prefill))
				continue;
			rc = issue(w, si, block, write);
			if (rc) {
				w->slots[si].busy = false;
				setbit(w->inflight, block, false);
				fail = rc;
				break;
			}
			busy++;
		}
		if (!busy)
			return fail;
		rc = pump(w);
		if (rc < 0) {
			if (!fail)
				fail = rc;
			w->h->abort(w->h->ctx, 3000);
		}
		for (si = 0; si < w->o->iodepth; si++) {
			if (w->slots[si].busy && w->slots[si].done) {
				complete(w, si, measure);
				busy--;
			}
		}
	}
}

static void *bbc_page(void *ctx, uint32_t i)
{
	return pvf_bbc_page(ctx, i);
}

static uint64_t bbc_frame(void *ctx, uint32_t i)
{
	return pvf_bbc_frame(ctx, i);
}

static int bbc_pump(void *ctx, int timeout_ms)
{
	return pvf_bbc_pump(ctx, timeout_ms);
}

static void bbc_abort(void *ctx, int timeout_ms)
{
	pvf_bbc_abort(ctx, timeout_ms);
}

struct pvf_wl_host *pvf_wl_host_bbc(struct pvf_wl_host *h, struct pvf_bbc *c)
{
	memset(h, 0, sizeof(*h));
	h->blk = &c->blk;
	h->data_pages = c->data_pages;
	h->page = bbc_page;
	h->frame = bbc_frame;
	h->pump = bbc_pump;
	h->abort = bbc_abort;
	h->ctx = c;
	return h;
}

int pvf_wl_run(struct pvf_wl_host *h, const struct pvf_wl_opts *o, struct pvf_wl_result *r)
{
	struct wl *w;
	uint64_t range, t0;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (!h || !h->blk || !h->page || !h->frame || !h->pump || !h->abort || !o->bs ||
	    !o->iodepth || !o->queues || h->data_pages < pvf_wl_pages(o))
		return -PVF_EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -PVF_ENOMEM;
	range = pvf_blk_get_info(h->blk)->sectors * 512;
	if (o->size && o->size < range)
		range = o->size;
	w->h = h;
	w->o = o;
	w->r = r;
	w->spb = o->bs / 512;
	w->ppb = (o->bs + PVF_PAGE_SIZE - 1) / PVF_PAGE_SIZE;
	w->nblocks = range / o->bs;
	w->rng = 0x2545F4914F6CDD1Dull ^ o->seed;
	w->slots = calloc(o->iodepth, sizeof(*w->slots));
	w->written = calloc(w->nblocks / 8 + 1, 1);
	w->inflight = calloc(w->nblocks / 8 + 1, 1);
	if (!w->nblocks || !w->slots || !w->written || !w->inflight) {
		rc = w->nblocks ? -PVF_ENOMEM : -PVF_EINVAL;
		goto out;
	}
	if (o->verify && o->prefilled && (o->rw == PVF_WL_READ || o->rw == PVF_WL_RANDREAD)) {
		memset(w->written, 0xff, w->nblocks / 8 + 1);
	} else if (o->verify && (o->rw == PVF_WL_READ || o->rw == PVF_WL_RANDREAD)) {
		/* reads need something to check: write every block first */
		w->target_ios = w->nblocks;
		rc = phase(w, true, 0, false);
		w->issued = 0;
		w->next_seq = 0;
		if (rc)
			goto out;
	}
	w->target_ios = o->runtime_ms ? 0 : (o->size ? o->size / o->bs : w->nblocks);
	t0 = now_ns();
	rc = phase(w, false, o->runtime_ms ? t0 + (uint64_t)o->runtime_ms * 1000000u : 0, true);
	r->elapsed_ns = now_ns() - t0;
	if (!rc && o->verify && o->rw != PVF_WL_READ && o->rw != PVF_WL_RANDREAD) {
		/* read back everything written */
		uint64_t b;
		struct pvf_wl_opts ro = *o;

		ro.rw = PVF_WL_READ;
		w->o = &ro;
		for (b = 0; b < w->nblocks && !rc; b++) {
			uint32_t si = 0;

			if (!bit(w->written, b))
				continue;
			w->issued = 0;
			w->target_ios = 0;
			rc = issue(w, si, b, false);
			if (rc) {
				w->slots[si].busy = false;
				setbit(w->inflight, b, false);
				break;
			}
			w->last_done = now_ns();
			while (!rc && !w->slots[si].done)
				rc = pump(w);
			if (rc && !w->slots[si].done)
				h->abort(h->ctx, 3000); /* the slot's request must complete */
			if (w->slots[si].done)
				complete(w, si, false);
		}
		w->o = o;
	}
	r->lat_p50_ns = hist_pct(w, 50.0);
	r->lat_p99_ns = hist_pct(w, 99.0);
	r->fe_notifies = pvf_blk_get_stats(h->blk)->notifies;
out:
	free(w->slots);
	free(w->written);
	free(w->inflight);
	free(w);
	return rc;
}
