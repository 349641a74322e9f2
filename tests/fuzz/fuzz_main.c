/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tests/test_fuzz: a deterministic mutation fuzzer over every target of
 * tests/fuzz/fuzz.h, one CUnit test per target.
 *
 * Each target starts from its hand-written corpus; every iteration takes an
 * input from a small pool (the corpus plus accepted mutants), stacks one to
 * four mutations on it (bit flips, interesting bytes and integers, inserts,
 * deletes, copies, splices, dictionary tokens) and runs it.  The random
 * stream is a splitmix64 seeded from PVF_FUZZ_SEED (default below) and the
 * target's name, so a run is reproducible bit for bit.
 *
 * Environment:
 *   PVF_FUZZ_SEED=N    seed (decimal or 0x hex); default PVF_FUZZ_DEFAULT_SEED
 *   PVF_FUZZ_ITERS=N   iterations per target (default: per target, sized for
 *                      ~25 s for the whole program under ASan on 2 cores)
 *   PVF_FUZZ_TARGET=a,b  run only these targets (xs blk net unplug_matrix xsd
 *                      blkback netback)
 *   PVF_FUZZ_REPLAY=file  run one input (through PVF_FUZZ_TARGET's targets,
 *                      default all) instead of the loop; exit 0/1
 *   PVF_FUZZ_OUT=dir   where failing inputs are written (default ".")
 *   PVF_FUZZ_DUMP_CORPUS=dir  write each target's corpus to dir/TARGET/seed-N
 *                      (seeds for the libFuzzer binaries) and exit
 *
 * A failing input (invariant violated, crash, sanitizer report) is printed
 * with the seed, target and iteration and a hex dump (`xxd -r -p` turns it
 * back into bytes), and written to PVF_FUZZ_OUT/fuzz-TARGET-SEED-ITER.bin
 * (ITER "seed" for a corpus input) for PVF_FUZZ_REPLAY.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../cu.h"
#include "fuzz.h"

/* The sanitizer runtime's hook, present only when a sanitizer is linked
 * in: a weak reference stays NULL otherwise. */
extern void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

#define PVF_FUZZ_DEFAULT_SEED 0x5eedf00dull
#define POOL_MAX 64u

struct target {
	const char *name;
	int (*fn)(const uint8_t *data, size_t size);
	const struct pvf_fuzz_seed *corpus;
	const char *const *dict;
	unsigned int iters;      /* default iterations */
	size_t max_len;          /* mutants are cut to this */
	void (*fini)(void);
};

static const char *const dict_xs[] = { "0", "9", "-", "18446744073709551615", "4294967295",
				       "00", " ", "+", NULL };
static const char *const dict_matrix[] = {
	"name", "product", "build", "mode", "mask", "pv_present", "blacklist", "profile",
	"version", "expect", "expect_mask", "none", "all", "disk", "nic", "nvme",
	"qemu-traditional", "qemu-upstream", "pv", "partial", "emulated", "0x", ",", ";",
	"\n", "\"", "{", "}", "[", "]", ":", "\"cases\"", "4294967296", "#", "/",
	"linux", "gplpv-windows", "ide-disks", "nics", "never", NULL,
};
static const char *const dict_xsd[] = { "/local/domain/0", "@introduceDomain", "/fuzz", "tok",
					"\0", NULL };

static const struct target targets[] = {
	{ "xs", pvf_fuzz_xs, pvf_fuzz_xs_corpus, dict_xs, 150000, 160, NULL },
	{ "blk", pvf_fuzz_blk, pvf_fuzz_blk_corpus, NULL, 1500, 512, NULL },
	{ "net", pvf_fuzz_net, pvf_fuzz_net_corpus, NULL, 3000, 512, NULL },
	{ "unplug_matrix", pvf_fuzz_unplug_matrix, pvf_fuzz_unplug_matrix_corpus, dict_matrix,
	  5000, 1024, pvf_fuzz_unplug_matrix_fini },
	{ "xsd", pvf_fuzz_xsd, pvf_fuzz_xsd_corpus, dict_xsd, 1500, 1024, pvf_fuzz_xsd_fini },
	{ "blkback", pvf_fuzz_blkback, pvf_fuzz_blkback_corpus, NULL, 150, 512,
	  pvf_fuzz_blkback_fini },
	{ "netback", pvf_fuzz_netback, pvf_fuzz_netback_corpus, NULL, 150, 512,
	  pvf_fuzz_netback_fini },
};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

/* ---- configuration ------------------------------------------------------ */

static uint64_t g_seed = PVF_FUZZ_DEFAULT_SEED;
static long g_iters = -1;       /* -1: the targets' defaults */
static const char *g_only;      /* PVF_FUZZ_TARGET */
static const char *g_out = ".";

static int selected(const char *name)
{
	const char *p = g_only;
	size_t n = strlen(name);

	if (!p || !*p)
		return 1;
	while (*p) {
		size_t l = strcspn(p, ",");

		if (l == n && !strncmp(p, name, n))
			return 1;
		p += l;
		if (*p)
			p++;
	}
	return 0;
}

/* ---- the input being run, for the crash report ---------------------------- */

static const struct target *volatile g_cur;
static const uint8_t *volatile g_cur_data;
static volatile size_t g_cur_size;
static volatile long g_cur_iter;

/* Async-signal-safe helpers for the crash path. */
static void put(int fd, const char *s)
{
	ssize_t r = write(fd, s, strlen(s));

	(void)r;
}

static void put_u64(int fd, uint64_t v, int hex)
{
	char b[24], *p = b + sizeof(b) - 1;
	unsigned int base = hex ? 16 : 10;

	*p = '\0';
	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (hex)
		put(fd, "0x");
	put(fd, p);
}

static void hexdump(int fd, const uint8_t *d, size_t n)
{
	char line[80];
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		line[k++] = "0123456789abcdef"[d[i] >> 4];
		line[k++] = "0123456789abcdef"[d[i] & 15];
		if ((i & 31) == 31 || i + 1 == n) {
			line[k++] = '\n';
			line[k] = '\0';
			put(fd, line);
			k = 0;
		}
	}
}

/* Print the report and write the input to a file (signal-safe). */
static void report(const char *why)
{
	const struct target *t = g_cur;
	char path[512];
	int fd;

	if (!t)
		return;
	put(2, "\n==== pvfront fuzz failure: target ");
	put(2, t->name);
	put(2, " seed ");
	put_u64(2, g_seed, 1);
	put(2, " iteration ");
	if (g_cur_iter < 0)
		put(2, "(replay/corpus)");
	else
		put_u64(2, (uint64_t)g_cur_iter, 0);
	put(2, " size ");
	put_u64(2, g_cur_size, 0);
	put(2, "\n==== ");
	put(2, why);
	put(2, "\n==== input (hex, `xxd -r -p` restores it):\n");
	hexdump(2, g_cur_data, g_cur_size);
	if (strlen(g_out) + strlen(t->name) + 80 < sizeof(path)) {
		char num[24], *p;
		uint64_t v;

		strcpy(path, g_out);
		strcat(path, "/fuzz-");
		strcat(path, t->name);
		strcat(path, "-");
		for (v = g_seed, p = num + sizeof(num) - 1, *p = '\0'; ; v /= 16) {
			*--p = "0123456789abcdef"[v % 16];
			if (v < 16)
				break;
		}
		strcat(path, p);
		strcat(path, "-");
		for (v = g_cur_iter < 0 ? 0 : (uint64_t)g_cur_iter, p = num + sizeof(num) - 1, *p = '\0';
		     ; v /= 10) {
			*--p = (char)('0' + v % 10);
			if (v < 10)
				break;
		}
		strcat(path, g_cur_iter < 0 ? "seed" : p);
		strcat(path, ".bin");
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			ssize_t r = write(fd, g_cur_data, g_cur_size);

			(void)r;
			close(fd);
			put(2, "==== written to ");
			put(2, path);
			put(2, " (replay: PVF_FUZZ_TARGET=");
			put(2, t->name);
			put(2, " PVF_FUZZ_REPLAY=<that file> tests/test_fuzz)\n");
		}
	}
}

static void on_signal(int sig)
{
	report(sig == SIGSEGV ? "crash: SIGSEGV" : sig == SIGABRT ? "crash: SIGABRT" :
	       sig == SIGBUS ? "crash: SIGBUS" : sig == SIGFPE ? "crash: SIGFPE" : "crash: signal");
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_sanitizer_death(void)
{
	report("sanitizer report (see above)");
}

static void install_crash_report(void)
{
	static const int sigs[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL };
	size_t i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_signal);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(on_sanitizer_death);
}

/* Run one input with the crash report armed; @data is copied into an
 * exactly sized heap block so that an over-read is an ASan report. */
static int run_one(const struct target *t, const uint8_t *data, size_t size, long iter)
{
	uint8_t *copy = malloc(size ? size : 1);
	int r;

	if (!copy)
		abort();
	if (size)
		memcpy(copy, data, size);
	g_cur_data = copy;
	g_cur_size = size;
	g_cur_iter = iter;
	g_cur = t;
	pvf_fuzz_reset();
	r = t->fn(copy, size);
	if (r == PVF_FUZZ_VIOLATION)
		report(pvf_fuzz_why());
	else if (r != PVF_FUZZ_ACCEPTED && r != PVF_FUZZ_REJECTED)
		report("target returned an unknown value");
	g_cur = NULL;
	free(copy);
	return r;
}

/* ---- deterministic randomness and mutations --------------------------------- */

static uint64_t g_rng;

static uint64_t rnd(void)
{
	uint64_t z = (g_rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform-enough in [0, n) for the small n used here; n > 0. */
static size_t below(size_t n)
{
	return (size_t)(rnd() % n);
}

struct buf {
	uint8_t *d;
	size_t n, cap;
};

struct pool {
	struct buf e[POOL_MAX];
	unsigned int n;
};

static void pool_add(struct pool *p, const uint8_t *d, size_t n, size_t cap)
{
	struct buf *b;

	if (n > cap)
		n = cap;
	if (p->n < POOL_MAX) {
		b = &p->e[p->n++];
		b->d = malloc(cap ? cap : 1);
		if (!b->d)
			abort();
		b->cap = cap;
	} else {
		b = &p->e[below(POOL_MAX)];
	}
	if (n)
		memcpy(b->d, d, n);
	b->n = n;
}

static void pool_free(struct pool *p)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		free(p->e[i].d);
	p->n = 0;
}

static void insert(struct buf *b, size_t at, const uint8_t *src, size_t n)
{
	if (b->n + n > b->cap)
		n = b->cap - b->n;
	if (!n)
		return;
	memmove(b->d + at + n, b->d + at, b->n - at);
	memcpy(b->d + at, src, n);
	b->n += n;
}

static void mutate_once(struct buf *b, const struct target *t, const struct pool *pool)
{
	static const uint8_t bytes[] = { 0, 1, 2, 0x7f, 0x80, 0xfe, 0xff, '0', '1', '9', '-', ',',
					 '\n', ' ', '"', ';' };
	static const uint32_t ints[] = { 0, 1, 2, 16, 31, 32, 33, 64, 255, 256, 4095, 4096,
					 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000u,
					 0xfffffffe, 0xffffffffu };
	unsigned int how = (unsigned int)below(12);
	size_t at = b->n ? below(b->n) : 0, n, i;
	uint8_t tmp[64];

	switch (how) {
	case 0: /* bit flip */
		if (b->n)
			b->d[at] ^= (uint8_t)(1u << below(8));
		break;
	case 1: /* random byte */
		if (b->n)
			b->d[at] = (uint8_t)rnd();
		break;
	case 2: /* interesting byte */
		if (b->n)
			b->d[at] = bytes[below(sizeof(bytes))];
		break;
	case 3: /* small add */
		if (b->n)
			b->d[at] = (uint8_t)(b->d[at] + (uint8_t)(below(9)) - 4);
		break;
	case 4: /* interesting 16/32-bit little-endian value */
		n = below(2) ? 4 : 2;
		if (b->n >= n) {
			uint32_t v = ints[below(sizeof(ints) / sizeof(ints[0]))];

			at = below(b->n - n + 1);
			for (i = 0; i < n; i++)
				b->d[at + i] = (uint8_t)(v >> (8 * i));
		}
		break;
	case 5: /* insert random bytes */
		n = 1 + below(4);
		for (i = 0; i < n; i++)
			tmp[i] = (uint8_t)rnd();
		insert(b, b->n ? below(b->n + 1) : 0, tmp, n);
		break;
	case 6: /* delete a range */
		if (b->n) {
			n = 1 + below(b->n - at < 16 ? b->n - at : 16);
			memmove(b->d + at, b->d + at + n, b->n - at - n);
			b->n -= n;
		}
		break;
	case 7: /* copy a range over another place */
		if (b->n > 1) {
			size_t from = below(b->n);

			n = 1 + below(b->n - (from > at ? from : at) < 32 ? b->n - (from > at ? from : at) : 32);
			memmove(b->d + at, b->d + from, n);
		}
		break;
	case 8: /* insert a copy of a range */
		if (b->n) {
			n = 1 + below(b->n - at < sizeof(tmp) ? b->n - at : sizeof(tmp));
			memcpy(tmp, b->d + at, n);
			insert(b, below(b->n + 1), tmp, n);
		}
		break;
	case 9: /* splice with another pool entry */
		if (pool->n) {
			const struct buf *o = &pool->e[below(pool->n)];
			size_t from = o->n ? below(o->n) : 0;

			n = o->n - from;
			b->n = at;
			insert(b, b->n, o->d + from, n);
		}
		break;
	case 10: /* truncate */
		if (b->n)
			b->n = at;
		break;
	default: /* dictionary token: insert or overwrite */
		if (t->dict) {
			size_t nd = 0;
			const char *tok;

			while (t->dict[nd])
				nd++;
			tok = t->dict[below(nd)];
			n = strlen(tok);
			if (!n)
				n = 1; /* "\0": the NUL itself */
			if (below(2) || b->n < n) {
				insert(b, b->n ? below(b->n + 1) : 0, (const uint8_t *)tok, n);
			} else {
				at = below(b->n - n + 1);
				memcpy(b->d + at, tok, n);
			}
		} else if (b->n) {
			b->d[at] = (uint8_t)rnd();
		}
		break;
	}
}

/* ---- one target's loop ---------------------------------------------------------- */

struct result {
	unsigned long runs, accepted, rejected, violations;
	unsigned long corpus, corpus_accepted;
	long first_bad_iter;
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

static void count(struct result *res, int r, long iter)
{
	res->runs++;
	if (r == PVF_FUZZ_ACCEPTED)
		res->accepted++;
	else if (r == PVF_FUZZ_REJECTED)
		res->rejected++;
	else {
		if (!res->violations)
			res->first_bad_iter = iter;
		res->violations++;
	}
}

static void fuzz_target(const struct target *t, struct result *res)
{
	unsigned long iters = g_iters >= 0 ? (unsigned long)g_iters : t->iters;
	struct pool pool = { .n = 0 };
	struct buf cur;
	unsigned long it;
	size_t i;

	memset(res, 0, sizeof(*res));
	res->first_bad_iter = -1;
	g_rng = g_seed ^ name_hash(t->name);
	cur.cap = t->max_len;
	cur.d = malloc(cur.cap);
	if (!cur.d)
		abort();
	for (i = 0; t->corpus[i].data; i++) {
		int r = run_one(t, t->corpus[i].data, t->corpus[i].size, -1);

		count(res, r, -1);
		res->corpus++;
		res->corpus_accepted += r == PVF_FUZZ_ACCEPTED;
		pool_add(&pool, t->corpus[i].data, t->corpus[i].size, t->max_len);
	}
	for (it = 0; it < iters; it++) {
		unsigned int k, nmut;
		int r;

		if (pool.n && below(32)) {
			const struct buf *base = &pool.e[below(pool.n)];

			memcpy(cur.d, base->d, base->n);
			cur.n = base->n;
			nmut = 1 + (unsigned int)below(4);
			for (k = 0; k < nmut; k++)
				mutate_once(&cur, t, &pool);
		} else { /* now and then, plain noise */
			cur.n = below(cur.cap + 1);
			for (i = 0; i < cur.n; i++)
				cur.d[i] = (uint8_t)rnd();
		}
		r = run_one(t, cur.d, cur.n, (long)it);
		count(res, r, (long)it);
		/* keep some accepted mutants as bases: deeper programs */
		if (r == PVF_FUZZ_ACCEPTED && below(8) == 0)
			pool_add(&pool, cur.d, cur.n, t->max_len);
	}
	free(cur.d);
	pool_free(&pool);
	if (t->fini)
		t->fini();
	printf("\n  fuzz %-14s seed 0x%llx: %lu inputs (corpus %lu, %lu of them accepted), "
	       "%lu accepted, %lu rejected, %lu violations", t->name, (unsigned long long)g_seed,
	       res->runs, res->corpus, res->corpus_accepted, res->accepted, res->rejected,
	       res->violations);
	if (res->violations)
		printf(" (first at iteration %ld)", res->first_bad_iter);
	fflush(stdout);
}

static void check_target(const char *name)
{
	const struct target *t = NULL;
	struct result res;
	size_t i;

	for (i = 0; i < NTARGETS; i++)
		if (!strcmp(targets[i].name, name))
			t = &targets[i];
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	fuzz_target(t, &res);
	CU_ASSERT(res.runs > 0);
	CU_ASSERT_EQUAL(res.violations, 0);
	/* the loop reached both sides of the code */
	CU_ASSERT(res.accepted > 0);
	CU_ASSERT(res.rejected > 0);
}

static void test_fuzz_xs(void) { check_target("xs"); }
static void test_fuzz_blk(void) { check_target("blk"); }
static void test_fuzz_net(void) { check_target("net"); }
static void test_fuzz_unplug_matrix(void) { check_target("unplug_matrix"); }
static void test_fuzz_xsd(void) { check_target("xsd"); }
static void test_fuzz_blkback(void) { check_target("blkback"); }
static void test_fuzz_netback(void) { check_target("netback"); }

/* ---- replay ------------------------------------------------------------------------ */

static int replay(const char *path)
{
	uint8_t *data = NULL;
	size_t n = 0, cap = 0;
	FILE *f = fopen(path, "rb");
	int bad = 0;
	size_t i;

	if (!f) {
		fprintf(stderr, "test_fuzz: %s: %s\n", path, strerror(errno));
		return 2;
	}
	for (;;) {
		size_t got;

		if (cap - n < 4096) {
			uint8_t *nd = realloc(data, cap + 65536);

			if (!nd)
				abort();
			data = nd;
			cap += 65536;
		}
		got = fread(data + n, 1, cap - n, f);
		n += got;
		if (!got)
			break;
	}
	fclose(f);
	for (i = 0; i < NTARGETS; i++) {
		const struct target *t = &targets[i];
		int r;

		if (!selected(t->name))
			continue;
		r = run_one(t, data, n, -1);
		printf("replay %s (%zu bytes) through %s: %s%s%s\n", path, n, t->name,
		       r == PVF_FUZZ_ACCEPTED ? "accepted" : r == PVF_FUZZ_REJECTED ? "rejected" :
		       "VIOLATION", r == PVF_FUZZ_VIOLATION ? ": " : "",
		       r == PVF_FUZZ_VIOLATION ? pvf_fuzz_why() : "");
		if (r == PVF_FUZZ_VIOLATION)
			bad = 1;
		if (t->fini)
			t->fini();
	}
	free(data);
	return bad;
}

static int dump_corpus(const char *dir)
{
	char path[4096];
	size_t i, k;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return fprintf(stderr, "test_fuzz: %s: %s\n", dir, strerror(errno)), 2;
	for (i = 0; i < NTARGETS; i++) {
		const struct target *t = &targets[i];

		snprintf(path, sizeof(path), "%s/%s", dir, t->name);
		if (mkdir(path, 0755) && errno != EEXIST)
			return fprintf(stderr, "test_fuzz: %s: %s\n", path, strerror(errno)), 2;
		for (k = 0; t->corpus[k].data; k++) {
			FILE *f;

			snprintf(path, sizeof(path), "%s/%s/seed-%zu", dir, t->name, k);
			f = fopen(path, "wb");
			if (!f || fwrite(t->corpus[k].data, 1, t->corpus[k].size, f) !=
				      t->corpus[k].size || fclose(f)) {
				fprintf(stderr, "test_fuzz: %s: %s\n", path, strerror(errno));
				return 2;
			}
		}
		printf("%s: %zu seeds in %s/%s\n", t->name, k, dir, t->name);
	}
	return 0;
}

int main(void)
{
	static const struct pvf_test all[] = {
		PVF_TEST(test_fuzz_xs),
		PVF_TEST(test_fuzz_blk),
		PVF_TEST(test_fuzz_net),
		PVF_TEST(test_fuzz_unplug_matrix),
		PVF_TEST(test_fuzz_xsd),
		PVF_TEST(test_fuzz_blkback),
		PVF_TEST(test_fuzz_netback),
	};
	struct pvf_test run[sizeof(all) / sizeof(all[0]) + 1];
	const char *s;
	size_t i, n = 0;

	s = getenv("PVF_FUZZ_SEED");
	if (s && *s) {
		char *end;

		errno = 0;
		g_seed = strtoull(s, &end, 0);
		if (errno || *end) {
			fprintf(stderr, "test_fuzz: bad PVF_FUZZ_SEED '%s'\n", s);
			return 2;
		}
	}
	s = getenv("PVF_FUZZ_ITERS");
	if (s && *s) {
		char *end;

		errno = 0;
		g_iters = strtol(s, &end, 0);
		if (errno || *end || g_iters < 0) {
			fprintf(stderr, "test_fuzz: bad PVF_FUZZ_ITERS '%s'\n", s);
			return 2;
		}
	}
	g_only = getenv("PVF_FUZZ_TARGET");
	s = getenv("PVF_FUZZ_OUT");
	if (s && *s)
		g_out = s;
	install_crash_report();
	signal(SIGPIPE, SIG_IGN); /* the xsd target writes to sockets the server may close */
	s = getenv("PVF_FUZZ_DUMP_CORPUS");
	if (s && *s)
		return dump_corpus(s);
	s = getenv("PVF_FUZZ_REPLAY");
	if (s && *s)
		return replay(s);
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (selected(all[i].name + strlen("test_fuzz_")))
			run[n++] = all[i];
	run[n] = (struct pvf_test)PVF_TEST_END;
	if (g_iters >= 0)
		printf("test_fuzz: seed 0x%llx (PVF_FUZZ_SEED), %ld iterations per target (PVF_FUZZ_ITERS)\n",
		       (unsigned long long)g_seed, g_iters);
	else
		printf("test_fuzz: seed 0x%llx (PVF_FUZZ_SEED), default iterations (PVF_FUZZ_ITERS)\n",
		       (unsigned long long)g_seed);
	return pvf_test_run("fuzz", run, NULL, NULL);
}
