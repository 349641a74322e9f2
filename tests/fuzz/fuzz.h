/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz targets for the code that takes peer-controlled input: xenstore
 * values, block and network response rings, the unplug policy matrix
 * parser, the embedded xenstore server's wire input, and the harness's
 * userspace backends (blkback, netback) facing a hostile frontend.
 *
 * Every target has libFuzzer's LLVMFuzzerTestOneInput shape,
 *   int pvf_fuzz_NAME(const uint8_t *data, size_t size);
 * and returns:
 *   PVF_FUZZ_ACCEPTED (1)  the input reached the "accepted" path (a value
 *                          parsed, a device stayed healthy, a matrix ran,
 *                          a message got a non-error reply);
 *   PVF_FUZZ_REJECTED (0)  it was refused cleanly (parse error, device
 *                          broken with -PVF_EPROTO, error reply ...);
 *   PVF_FUZZ_VIOLATION (-1) an invariant did not hold; pvf_fuzz_why()
 *                          says which.
 * A crash or sanitizer report is, of course, also a failure.  Targets are
 * deterministic: the same bytes always take the same path.
 *
 * Two drivers run them: tests/fuzz/fuzz_main.c (the CUnit check program
 * tests/test_fuzz, a seeded mutation loop) and tests/fuzz/libfuzzer.c
 * (configure --enable-libfuzzer, one binary per target).  See
 * docs/fuzzing.md.
 */
#ifndef PVF_TESTS_FUZZ_H
#define PVF_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define PVF_FUZZ_ACCEPTED 1
#define PVF_FUZZ_REJECTED 0
#define PVF_FUZZ_VIOLATION (-1)

int pvf_fuzz_xs(const uint8_t *data, size_t size);
int pvf_fuzz_blk(const uint8_t *data, size_t size);
int pvf_fuzz_net(const uint8_t *data, size_t size);
int pvf_fuzz_unplug_matrix(const uint8_t *data, size_t size);
int pvf_fuzz_xsd(const uint8_t *data, size_t size);
int pvf_fuzz_blkback(const uint8_t *data, size_t size);
int pvf_fuzz_netback(const uint8_t *data, size_t size);

/* Release what a target keeps between inputs (the xenstore server of
 * pvf_fuzz_xsd, the temporary directory of pvf_fuzz_unplug_matrix).
 * Safe to call when nothing is kept. */
void pvf_fuzz_xsd_fini(void);
void pvf_fuzz_unplug_matrix_fini(void);
/* The harness environment (xenstore, hypervisor, guest) of the backend
 * targets, and blkback's image file. */
void pvf_fuzz_blkback_fini(void);
void pvf_fuzz_netback_fini(void);

/* Record an invariant violation (printf format); returns
 * PVF_FUZZ_VIOLATION so a target can `return pvf_fuzz_fail(...)`.  The
 * first message since the last pvf_fuzz_reset() is kept. */
int pvf_fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The kept message ("" when none). */
const char *pvf_fuzz_why(void);
void pvf_fuzz_reset(void);

/* ---- reading an input as a little program ----------------------------- */

/* Bytes are taken from the front; past the end every read returns 0, so
 * any input is a complete program. */
struct pvf_fuzz_in {
	const uint8_t *p;
	size_t left;
};

static inline void pvf_fuzz_in_init(struct pvf_fuzz_in *in, const uint8_t *data, size_t size)
{
	in->p = data;
	in->left = size;
}

static inline uint8_t pvf_fuzz_u8(struct pvf_fuzz_in *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static inline uint16_t pvf_fuzz_u16(struct pvf_fuzz_in *in)
{
	uint16_t v = pvf_fuzz_u8(in);

	return (uint16_t)(v | (uint16_t)pvf_fuzz_u8(in) << 8);
}

static inline uint32_t pvf_fuzz_u32(struct pvf_fuzz_in *in)
{
	uint32_t v = pvf_fuzz_u16(in);

	return v | (uint32_t)pvf_fuzz_u16(in) << 16;
}

/* Up to @n bytes (fewer at the end of the input); returns how many. */
static inline size_t pvf_fuzz_bytes(struct pvf_fuzz_in *in, void *dst, size_t n)
{
	size_t i;

	if (n > in->left)
		n = in->left;
	for (i = 0; i < n; i++)
		((uint8_t *)dst)[i] = in->p[i];
	in->p += n;
	in->left -= n;
	return n;
}

/* ---- corpus ------------------------------------------------------------ */

/* One hand-written seed input. */
struct pvf_fuzz_seed {
	const uint8_t *data;
	size_t size;
};

/* Each target file defines its corpus of valid inputs (terminated by an
 * entry with a NULL data pointer). */
extern const struct pvf_fuzz_seed pvf_fuzz_xs_corpus[];
extern const struct pvf_fuzz_seed pvf_fuzz_blk_corpus[];
extern const struct pvf_fuzz_seed pvf_fuzz_net_corpus[];
extern const struct pvf_fuzz_seed pvf_fuzz_unplug_matrix_corpus[];
extern const struct pvf_fuzz_seed pvf_fuzz_xsd_corpus[];
extern const struct pvf_fuzz_seed pvf_fuzz_blkback_corpus[];
extern const struct pvf_fuzz_seed pvf_fuzz_netback_corpus[];

/* A string literal as a seed (without its NUL). */
#define PVF_FUZZ_STR(s) { (const uint8_t *)(s), sizeof(s) - 1 }
/* A byte array as a seed. */
#define PVF_FUZZ_ARR(a) { (a), sizeof(a) }
#define PVF_FUZZ_SEED_END { NULL, 0 }

#endif /* PVF_TESTS_FUZZ_H */
