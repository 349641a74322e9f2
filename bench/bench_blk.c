/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench_blk: figures for the block path (blkfront core + userspace blkback
 * over the simulated hypervisor), each printed beside a reference measured
 * in the same run, with the ratio.  Not a test: it asserts nothing about
 * speed.  See docs/bench.md.
 *
 *  (a) null backend, 4 KiB reads at QD 1, 32, 128; 1 and 2 queues; ring
 *      order 0 and 4; persistent grants on and off -- beside io_uring NOP
 *      operations (liburing) kept at the same queue depth by one thread.
 *  (b) an image on tmpfs: 4 KiB random reads and 1 MiB sequential reads
 *      through blkfront+blkback -- beside fio's io_uring engine reading the
 *      same file directly (fio run as a subprocess, JSON output parsed).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <pvfront/errno.h>
#include "../harness/blkback.h"
#include "../harness/env.h"

struct bench_opts {
	double secs;            /* per blkfront configuration */
	double ref_secs;        /* per reference (NOP, fio) */
	bool quick, do_a, do_b;
	char dir[200];          /* where the (b) image lives */
	uint64_t img_size;
	const char *fio;
};

static unsigned int devseq;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- blkfront + blkback ------------------------------------------------------ */

struct blk_run {
	const char *image;      /* NULL: null device */
	enum pvf_wl_rw rw;
	uint32_t bs, qd, queues;
	uint8_t ring_order, persistent;
};

struct blk_fig {
	double iops, mbps, notif;
	uint64_t ios;
	uint32_t ring_order, queues;
	bool persistent;
	double p50_us, p99_us;
};

static int run_blk(struct pvf_env *env, const struct blk_run *k, double secs,
		   struct blk_fig *f)
{
	struct pvf_wl_opts o;
	struct pvf_wl_result r;
	struct pvf_bb_config bc;
	struct pvf_blk_config fc;
	struct pvf_bb_stats bs;
	struct pvf_lb_stats hs;
	struct pvf_blkback *b = NULL;
	struct pvf_bbc c;
	struct pvf_wl_host h;
	const struct pvf_blk_info *in;
	char fe[128] = "", be[128] = "";
	uint32_t ppb = (k->bs + PVF_PAGE_SIZE - 1) / PVF_PAGE_SIZE, pool;
	bool open = false;
	int rc;

	memset(f, 0, sizeof(*f));
	memset(&o, 0, sizeof(o));
	o.rw = k->rw;
	o.bs = k->bs;
	o.iodepth = k->qd;
	o.queues = k->queues;
	o.runtime_ms = (uint32_t)(secs * 1000.0);
	o.seed = 1;
	strcpy(o.profile, "linux");
	pvf_bb_profile(&bc, "linux");
	if (k->image) {
		snprintf(bc.image, sizeof(bc.image), "%s", k->image);
		snprintf(o.image, sizeof(o.image), "%s", k->image);
	} else {
		o.null = true;
		o.null_size = 1ull << 30;
		bc.null_sectors = o.null_size / 512;
	}
	pvf_blk_config_default(&fc);
	fc.nr_queues = (uint8_t)k->queues;
	fc.max_ring_page_order = k->ring_order;
	fc.persistent = k->persistent;
	if (ppb > fc.max_indirect_segs)
		fc.max_indirect_segs = (uint16_t)ppb;
	pool = k->qd * ppb / k->queues + 16;
	fc.pool_pages = (uint16_t)(pool < 64 ? 64 : pool > 4096 ? 4096 : pool);
	if (fc.pool_pages < fc.max_indirect_segs)
		fc.pool_pages = fc.max_indirect_segs;

	rc = pvf_bb_toolstack_add(51712 + 16 * devseq++, pvf_lb_guest_domid(env->guest), 0, &bc,
				  fe, sizeof(fe), be, sizeof(be));
	if (!rc)
		rc = pvf_bb_create(env->hv, &bc, fe, be, &b);
	if (!rc)
		rc = pvf_bb_start(b);
	if (!rc) {
		rc = pvf_bbc_open(&c, env->guest, fe, be, &fc, pvf_wl_pages(&o), 5000);
		open = rc == 0;
	}
	if (!rc) {
		in = pvf_blk_get_info(&c.blk);
		f->ring_order = in->ring_order;
		f->queues = in->nr_queues;
		f->persistent = in->persistent;
		rc = pvf_wl_run(pvf_wl_host_bbc(&h, &c), &o, &r);
	}
	if (!rc && r.errors)
		rc = -PVF_EIO;
	if (!rc) {
		double s = (double)r.elapsed_ns / 1e9;

		pvf_bb_get_stats(b, &bs);
		f->ios = r.ios;
		f->iops = (double)r.ios / s;
		f->mbps = (double)r.bytes / s / 1e6;
		f->notif = r.ios ? (double)(r.fe_notifies + bs.notifies) / (double)r.ios : 0;
		f->p50_us = (double)r.lat_p50_ns / 1e3;
		f->p99_us = (double)r.lat_p99_ns / 1e3;
	}
	if (open && pvf_bbc_close(&c, 5000) && !rc)
		rc = -PVF_EBUSY;
	if (b) {
		if (pvf_bb_stop(b) && !rc)
			rc = -PVF_EIO;
		pvf_bb_destroy(b);
	}
	if (fe[0])
		pvf_bb_toolstack_remove(fe, be);
	if (pvf_lb_hv_stats(env->hv, &hs) == 0 && hs.grants_mapped && !rc)
		rc = -PVF_EBUSY;
	return rc;
}

/* ---- io_uring NOP reference -------------------------------------------------- */

/* One thread keeps @qd NOPs in flight for @secs.  Returns ops/s, < 0 on
 * error. */
static double nop_iops(uint32_t qd, double secs)
{
	struct io_uring ring;
	struct io_uring_cqe *cqes[256];
	uint64_t ops = 0;
	double t0, t;
	uint32_t i;
	int rc;

	rc = io_uring_queue_init(qd < 4 ? 4 : qd, &ring, 0);
	if (rc < 0) {
		fprintf(stderr, "bench_blk: io_uring_queue_init: %s\n", strerror(-rc));
		return -1;
	}
	for (i = 0; i < qd; i++)
		io_uring_prep_nop(io_uring_get_sqe(&ring));
	io_uring_submit(&ring);
	t0 = now_s();
	do {
		struct io_uring_cqe *cqe;
		unsigned int n, j;

		for (j = 0; j < 64; j++) {
			rc = io_uring_wait_cqe(&ring, &cqe);
			if (rc < 0) {
				io_uring_queue_exit(&ring);
				return -1;
			}
			n = io_uring_peek_batch_cqe(&ring, cqes, 256);
			io_uring_cq_advance(&ring, n);
			ops += n;
			for (i = 0; i < n; i++)
				io_uring_prep_nop(io_uring_get_sqe(&ring));
			io_uring_submit(&ring);
		}
		t = now_s();
	} while (t - t0 < secs);
	io_uring_queue_exit(&ring);
	return (double)ops / (t - t0);
}

/* ---- fio reference ------------------------------------------------------------ */

struct fio_fig {
	double iops, mbps;
};

static int run_fio(const struct bench_opts *bo, const char *file, const char *rw, uint32_t bs,
		   uint32_t qd, double secs, struct fio_fig *f)
{
	char cmd[1024], *buf = NULL;
	size_t len = 0, cap = 0;
	struct json_object *root, *jobs, *job, *rd, *v;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "%s --name=ref --filename=%s --ioengine=io_uring --rw=%s "
		 "--bs=%u --iodepth=%u --runtime=%.1f --time_based --size=%llu --direct=0 "
		 "--invalidate=0 --norandommap --randrepeat=0 --output-format=json 2>/dev/null",
		 bo->fio, file, rw, bs, qd, secs, (unsigned long long)bo->img_size);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	for (;;) {
		size_t n;

		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);

			if (!nb) {
				free(buf);
				pclose(p);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, 4096, p);
		if (!n)
			break;
		len += n;
	}
	st = pclose(p);
	if (!buf || st != 0) {
		fprintf(stderr, "bench_blk: fio failed (status %d): %s\n", st, cmd);
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	/* fio may print notes before the JSON object */
	root = json_tokener_parse(strchr(buf, '{') ? strchr(buf, '{') : buf);
	free(buf);
	if (!root || !json_object_object_get_ex(root, "jobs", &jobs) ||
	    !(job = json_object_array_get_idx(jobs, 0)) ||
	    !json_object_object_get_ex(job, "read", &rd)) {
		fprintf(stderr, "bench_blk: cannot parse fio's JSON output\n");
		json_object_put(root);
		return -1;
	}
	f->iops = json_object_object_get_ex(rd, "iops", &v) ? json_object_get_double(v) : 0;
	f->mbps = json_object_object_get_ex(rd, "bw_bytes", &v)
			  ? (double)json_object_get_int64(v) / 1e6 : 0;
	json_object_put(root);
	return f->iops > 0 ? 0 : -1;
}

/* ---- the two parts ---------------------------------------------------------- */

static int part_a(struct pvf_env *env, const struct bench_opts *bo)
{
	static const uint32_t qds[] = { 1, 32, 128 };
	double nop[3];
	unsigned int qi, q, order, pers;
	int failed = 0;

	printf("\n(a) null backend, 4 KiB random reads, linux profile, %.1f s per configuration;\n"
	       "    reference: io_uring NOP operations at the same queue depth (one thread)\n",
	       bo->secs);
	for (qi = 0; qi < 3; qi++) {
		nop[qi] = nop_iops(qds[qi], bo->ref_secs);
		if (nop[qi] <= 0)
			return 1;
	}
	printf("     QD queues order persistent |   blk IOPS  p50 us  notif/req |   NOP IOPS | "
	       "blk/NOP\n");
	for (qi = 0; qi < 3; qi++)
		for (q = 1; q <= 2; q++)
			for (order = 0; order <= 4; order += 4)
				for (pers = 0; pers <= 1; pers++) {
					struct blk_run k = { NULL, PVF_WL_RANDREAD, 4096, qds[qi],
							     q, (uint8_t)order, (uint8_t)pers };
					struct blk_fig f;
					int rc = run_blk(env, &k, bo->secs, &f);

					if (rc) {
						printf("    %3u %6u %5u %10s | failed: %s\n", qds[qi],
						       q, order, pers ? "on" : "off", pvf_strerror(rc));
						failed = 1;
						continue;
					}
					printf("    %3u %6u %5u %10s | %10.0f %7.1f %10.3f | %10.0f | "
					       "%7.4f%s\n", qds[qi], f.queues, f.ring_order,
					       f.persistent ? "on" : "off", f.iops, f.p50_us, f.notif,
					       nop[qi], f.iops / nop[qi],
					       f.ring_order != order || f.persistent != pers ||
					       f.queues != q ? "  (negotiated differs!)" : "");
					fflush(stdout);
				}
	return failed;
}

static int make_image(const char *path, uint64_t size)
{
	static uint64_t blk[1 << 17]; /* 1 MiB */
	uint64_t off, i, x = 0x9E3779B97F4A7C15ull;
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	for (off = 0; off < size; off += sizeof(blk)) {
		for (i = 0; i < sizeof(blk) / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			blk[i] = x;
		}
		if (write(fd, blk, sizeof(blk)) != (ssize_t)sizeof(blk)) {
			close(fd);
			unlink(path);
			return -1;
		}
	}
	close(fd);
	return 0;
}

static int part_b(struct pvf_env *env, const struct bench_opts *bo)
{
	static const struct {
		const char *name, *fio_rw;
		enum pvf_wl_rw rw;
		uint32_t bs, qd;
	} w[] = {
		{ "4k randread", "randread", PVF_WL_RANDREAD, 4096, 1 },
		{ "4k randread", "randread", PVF_WL_RANDREAD, 4096, 32 },
		{ "1M seq read", "read", PVF_WL_READ, 1u << 20, 1 },
		{ "1M seq read", "read", PVF_WL_READ, 1u << 20, 8 },
	};
	char path[256];
	unsigned int i;
	int failed = 0;

	snprintf(path, sizeof(path), "%s/pvf-bench-%d.img", bo->dir, (int)getpid());
	if (make_image(path, bo->img_size)) {
		fprintf(stderr, "bench_blk: cannot write %llu bytes to %s: %s\n",
			(unsigned long long)bo->img_size, path, strerror(errno));
		return 1;
	}
	printf("\n(b) image %s (%llu MiB, tmpfs), %.1f s each; blkfront: linux profile, 1 queue,"
	       "\n    ring order 4, persistent grants, indirect descriptors for 1 MiB; reference:"
	       "\n    fio --ioengine=io_uring on the same file (buffered: tmpfs has no O_DIRECT)\n",
	       path, (unsigned long long)(bo->img_size >> 20), bo->secs);
	printf("    workload     QD |   blk IOPS  blk MB/s |   fio IOPS  fio MB/s | blk/fio\n");
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		struct blk_run k = { path, w[i].rw, w[i].bs, w[i].qd, 1, 4, 1 };
		struct blk_fig f;
		struct fio_fig g;
		int rc = run_blk(env, &k, bo->secs, &f);

		if (rc) {
			printf("    %-11s %3u | failed: %s\n", w[i].name, w[i].qd, pvf_strerror(rc));
			failed = 1;
			continue;
		}
		if (run_fio(bo, path, w[i].fio_rw, w[i].bs, w[i].qd, bo->ref_secs, &g)) {
			printf("    %-11s %3u | %10.0f %9.1f | fio failed\n", w[i].name, w[i].qd,
			       f.iops, f.mbps);
			failed = 1;
			continue;
		}
		printf("    %-11s %3u | %10.0f %9.1f | %10.0f %9.1f | %7.4f\n", w[i].name,
		       w[i].qd, f.iops, f.mbps, g.iops, g.mbps, f.iops / g.iops);
		fflush(stdout);
	}
	unlink(path);
	return failed;
}

static void usage(void)
{
	printf("Usage: bench_blk [--quick] [--seconds S] [--only a|b] [--dir DIR] [--fio PATH]\n\n"
	       "Block path figures beside references measured in the same run (see\n"
	       "docs/bench.md).  Full run about 2 minutes, --quick about 20 s.\n"
	       "  --quick        short runs (0.3 s per configuration, 64 MiB image)\n"
	       "  --seconds S    seconds per configuration (default 2)\n"
	       "  --only a|b     (a) null backend vs io_uring NOP, (b) tmpfs image vs fio\n"
	       "  --dir DIR      where the (b) image is written (default /dev/shm)\n"
	       "  --fio PATH     the fio program (default fio)\n");
}

int main(int argc, char **argv)
{
	struct bench_opts bo;
	struct pvf_lb_config lc;
	struct pvf_env env;
	struct utsname u;
	double t0 = now_s();
	int i, failed = 0;

	memset(&bo, 0, sizeof(bo));
	bo.secs = 2.0;
	bo.do_a = bo.do_b = true;
	bo.fio = "fio";
	strcpy(bo.dir, "/dev/shm");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--quick")) {
			bo.quick = true;
		} else if (!strcmp(a, "--seconds") && v) {
			bo.secs = strtod(v, NULL);
			i++;
			if (!(bo.secs > 0 && bo.secs <= 600)) {
				fprintf(stderr, "bench_blk: --seconds: '%s' is not in (0, 600]\n", v);
				return 2;
			}
		} else if (!strcmp(a, "--only") && v && (!strcmp(v, "a") || !strcmp(v, "b"))) {
			bo.do_a = v[0] == 'a';
			bo.do_b = v[0] == 'b';
			i++;
		} else if (!strcmp(a, "--dir") && v && strlen(v) < sizeof(bo.dir)) {
			strcpy(bo.dir, v);
			i++;
		} else if (!strcmp(a, "--fio") && v) {
			bo.fio = v;
			i++;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage();
			return 0;
		} else {
			fprintf(stderr, "bench_blk: bad argument '%s' (--help)\n", a);
			return 2;
		}
	}
	if (bo.quick)
		bo.secs = 0.3;
	bo.ref_secs = bo.secs < 1.0 ? bo.secs : 1.0;
	bo.img_size = bo.quick ? 64ull << 20 : 256ull << 20;
	setenv("PVF_BLKBACK_QUIET", "1", 1);
	uname(&u);
	printf("bench_blk%s: %s %s, %ld online CPUs%s\n", bo.quick ? " --quick" : "", u.sysname,
	       u.release, sysconf(_SC_NPROCESSORS_ONLN),
#if defined(__SANITIZE_ADDRESS__)
	       " (sanitizer build: figures are not representative)"
#else
	       ""
#endif
	);

	pvf_lb_config_init(&lc);
	lc.guest_pages = 65536;
	lc.grant_entries = 65536;
	if (pvf_env_start(&env, &lc, "bench_blk"))
		return 1;
	if (bo.do_a)
		failed |= part_a(&env, &bo);
	if (bo.do_b)
		failed |= part_b(&env, &bo);
	pvf_env_stop(&env);
	printf("\nbench_blk: done in %.1f s%s\n", now_s() - t0, failed ? " (with failures)" : "");
	return failed;
}
