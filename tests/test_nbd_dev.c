/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The device behind the nbdkit plugin (harness/nbdkit/nbd_dev.c), without
 * nbdkit: every operation, the split into ring requests (linux and qdisk
 * limits), alignment and range refusals, read-only, many threads on two
 * queues with verification, and a close that leaves nothing mapped.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pvfront/errno.h>
#include "../harness/nbdkit/nbd_dev.h"
#include "cu.h"

#define IMG_SIZE (16u << 20)

static char img[64];

static int make_image(void)
{
	int fd;

	snprintf(img, sizeof(img), "/tmp/pvf-nbd-dev-XXXXXX");
	fd = mkstemp(img);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, IMG_SIZE)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void fill(uint8_t *b, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)((i * 2654435761u + seed * 40503u) >> 7);
}

static void file_read(uint64_t off, void *buf, size_t n)
{
	int fd = open(img, O_RDONLY);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(pread(fd, buf, n, (off_t)off), (ssize_t)n);
	close(fd);
}

static struct pvf_nbd_dev *open_dev(const char *profile, uint32_t queues, bool ro,
				    bool null)
{
	struct pvf_nbd_config c;
	struct pvf_nbd_dev *d = NULL;
	char err[256] = "";
	int rc;

	pvf_nbd_config_default(&c);
	snprintf(c.profile, sizeof(c.profile), "%s", profile);
	c.queues = queues;
	c.readonly = ro;
	if (!null)
		snprintf(c.image, sizeof(c.image), "%s", img);
	rc = pvf_nbd_open(&c, &d, err, sizeof(err));
	if (rc)
		fprintf(stderr, "open: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	return d;
}

static void close_dev(struct pvf_nbd_dev *d, uint64_t min_chunks)
{
	struct pvf_nbd_stats st;

	CU_ASSERT_EQUAL(pvf_nbd_close(d, &st), 0);
	CU_ASSERT_EQUAL(st.grants_mapped, 0);
	CU_ASSERT_EQUAL(st.pages_left, 0);
	CU_ASSERT_EQUAL(st.errors, 0);
	CU_ASSERT(st.chunks >= min_chunks);
	CU_ASSERT_EQUAL(st.be_requests, st.chunks);
}

/* Write, read back, zero, trim, flush on an image; check the file. */
static void roundtrip(const char *profile, uint32_t want_chunk)
{
	struct pvf_nbd_dev *d = open_dev(profile, 1, false, false);
	struct pvf_nbd_props p;
	size_t n = 300 * 1024 + 512; /* several chunks, a partial page at the end */
	uint8_t *w = malloc(n), *r = malloc(n);
	char err[256];

	CU_ASSERT_FATAL(d != NULL && w && r);
	pvf_nbd_props(d, &p);
	CU_ASSERT_EQUAL(p.size, IMG_SIZE);
	CU_ASSERT_EQUAL(p.sector_size, 512);
	CU_ASSERT_EQUAL(p.chunk, want_chunk);
	CU_ASSERT(p.flush);
	CU_ASSERT(p.discard);
	CU_ASSERT_FALSE(p.readonly);
	fill(w, n, 3);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_WRITE, w, (uint32_t)n, 4096 * 3 + 512, 0, err,
				   sizeof(err)), 0);
	memset(r, 0xee, n);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_READ, r, (uint32_t)n, 4096 * 3 + 512, 0, err,
				   sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(w, r, n), 0);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_FLUSH, NULL, 0, 0, 0, err, sizeof(err)), 0);
	memset(r, 0xee, n);
	file_read(4096 * 3 + 512, r, n);
	CU_ASSERT_EQUAL(memcmp(w, r, n), 0);
	/* zero the middle 64 KiB + 512 */
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_ZERO, NULL, 65536 + 512, 4096 * 3 + 512 + 8192, 0,
				   err, sizeof(err)), 0);
	memset(w + 8192, 0, 65536 + 512);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_READ, r, (uint32_t)n, 4096 * 3 + 512, 0, err,
				   sizeof(err)), 0);
	CU_ASSERT_EQUAL(memcmp(w, r, n), 0);
	/* trim: a hint; must succeed */
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_TRIM, NULL, 1u << 20, 8u << 20, 0, err,
				   sizeof(err)), 0);
	close_dev(d, n / want_chunk + 1);
	free(w);
	free(r);
}

static void test_roundtrip_linux(void)
{
	roundtrip("linux", 32 * 4096); /* 32 indirect segments: the slot size */
}

static void test_roundtrip_qdisk(void)
{
	roundtrip("qdisk", 11 * 4096); /* no indirect: 11 segments per request */
}

static void test_refusals(void)
{
	struct pvf_nbd_dev *d = open_dev("linux", 1, false, true);
	uint8_t buf[8192];
	char err[256];

	CU_ASSERT_FATAL(d != NULL);
	err[0] = '\0';
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_READ, buf, 4096, 100, 0, err, sizeof(err)),
			-PVF_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unaligned request (offset 100, count 4096)"));
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_WRITE, buf, 1000, 0, 0, err, sizeof(err)),
			-PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_READ, buf, 0, 0, 0, err, sizeof(err)), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_READ, buf, 8192, (64u << 20) - 4096, 0, err,
				   sizeof(err)), -PVF_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "beyond the end"));
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_READ, buf, 4096, UINT64_MAX - 511, 0, err,
				   sizeof(err)), -PVF_EINVAL);
	/* the null device (64 MiB default) still serves the last block */
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_READ, buf, 4096, (64u << 20) - 4096, 0, err,
				   sizeof(err)), 0);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_WRITE, buf, 8192, 0, 5, err, sizeof(err)), 0);
	close_dev(d, 2);
}

static void test_minimal_no_flush_no_discard(void)
{
	struct pvf_nbd_dev *d = open_dev("minimal", 1, false, true);
	struct pvf_nbd_props p;
	char err[256];

	CU_ASSERT_FATAL(d != NULL);
	pvf_nbd_props(d, &p);
	CU_ASSERT_FALSE(p.flush);
	CU_ASSERT_FALSE(p.discard);
	CU_ASSERT_EQUAL(p.chunk, 11 * 4096);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_FLUSH, NULL, 0, 0, 0, err, sizeof(err)),
			-PVF_EOPNOTSUPP);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_TRIM, NULL, 4096, 0, 0, err, sizeof(err)),
			-PVF_EOPNOTSUPP);
	close_dev(d, 0);
}

static void test_readonly(void)
{
	struct pvf_nbd_dev *d = open_dev("linux", 1, true, false);
	struct pvf_nbd_props p;
	uint8_t buf[4096];
	char err[256];

	CU_ASSERT_FATAL(d != NULL);
	pvf_nbd_props(d, &p);
	CU_ASSERT(p.readonly);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_WRITE, buf, 4096, 0, 0, err, sizeof(err)),
			-PVF_EROFS);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_ZERO, NULL, 4096, 0, 0, err, sizeof(err)),
			-PVF_EROFS);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_TRIM, NULL, 4096, 0, 0, err, sizeof(err)),
			-PVF_EROFS);
	CU_ASSERT_EQUAL(pvf_nbd_io(d, PVF_NBD_READ, buf, 4096, 0, 0, err, sizeof(err)), 0);
	close_dev(d, 1);
}

static void test_bad_config(void)
{
	struct pvf_nbd_config c;
	struct pvf_nbd_dev *d = (struct pvf_nbd_dev *)&c;
	char err[256];

	pvf_nbd_config_default(&c);
	c.queues = 0;
	CU_ASSERT_EQUAL(pvf_nbd_open(&c, &d, err, sizeof(err)), -PVF_EINVAL);
	CU_ASSERT_PTR_NULL(d);
	pvf_nbd_config_default(&c);
	strcpy(c.profile, "nope");
	CU_ASSERT_EQUAL(pvf_nbd_open(&c, &d, err, sizeof(err)), -PVF_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nope"));
	pvf_nbd_config_default(&c);
	c.null_size = 1000;
	CU_ASSERT_EQUAL(pvf_nbd_open(&c, &d, err, sizeof(err)), -PVF_EINVAL);
	pvf_nbd_config_default(&c);
	strcpy(c.image, "/nonexistent/pvf.img");
	CU_ASSERT_NOT_EQUAL(pvf_nbd_open(&c, &d, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(d);
	CU_ASSERT_EQUAL(pvf_nbd_close(NULL, NULL), 0);
}

/* ---- many threads, two queues ------------------------------------------------ */

#define THREADS 8
#define REGION (1u << 20)

struct worker {
	struct pvf_nbd_dev *d;
	uint32_t id;
	int errors;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint8_t *a = malloc(REGION), *b = malloc(REGION);
	uint64_t base = (uint64_t)w->id * REGION;
	char err[256];
	uint32_t it;

	if (!a || !b) {
		w->errors++;
		goto out;
	}
	for (it = 0; it < 40; it++) {
		uint32_t len = (1u + (it * 7 + w->id) % 64) * 4096;
		uint64_t off = ((it * 13 + w->id) % 32) * 4096;

		if (off + len > REGION)
			len = (uint32_t)(REGION - off);
		fill(a, len, w->id * 1000 + it);
		if (pvf_nbd_io(w->d, PVF_NBD_WRITE, a, len, base + off, w->id, err, sizeof(err)) ||
		    pvf_nbd_io(w->d, PVF_NBD_READ, b, len, base + off, w->id, err, sizeof(err)) ||
		    memcmp(a, b, len))
			w->errors++;
	}
out:
	free(a);
	free(b);
	return NULL;
}

static void test_threads_two_queues(void)
{
	struct pvf_nbd_dev *d = open_dev("linux", 2, false, false);
	struct worker w[THREADS];
	pthread_t t[THREADS];
	struct pvf_nbd_props p;
	uint32_t i;

	CU_ASSERT_FATAL(d != NULL);
	pvf_nbd_props(d, &p);
	CU_ASSERT_EQUAL(p.queues, 2);
	for (i = 0; i < THREADS; i++) {
		w[i].d = d;
		w[i].id = i;
		w[i].errors = 0;
		CU_ASSERT_FATAL(pthread_create(&t[i], NULL, worker_main, &w[i]) == 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		CU_ASSERT_EQUAL(w[i].errors, 0);
	}
	close_dev(d, THREADS * 80);
}

static int suite_init(void)
{
	setenv("PVF_BLKBACK_QUIET", "1", 1);
	return make_image();
}

static int suite_cleanup(void)
{
	unlink(img);
	return 0;
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_roundtrip_linux),
		PVF_TEST(test_roundtrip_qdisk),
		PVF_TEST(test_refusals),
		PVF_TEST(test_minimal_no_flush_no_discard),
		PVF_TEST(test_readonly),
		PVF_TEST(test_bad_config),
		PVF_TEST(test_threads_two_queues),
		PVF_TEST_END,
	};

	return pvf_test_run("nbd_dev", tests, suite_init, suite_cleanup);
}
