/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xenstore helpers (freestanding): strict number parsing, bounded paths,
 * typed reads and writes, and the transaction retry loop.
 *
 * Everything goes through struct pvf_platform; nothing allocates.  Values
 * read from xenstore are written by other domains and are treated as hostile:
 * they are copied into bounded buffers and parsed strictly.
 *
 * Parsing rules (pvf_xs_parse_*):
 *  - decimal digits only, at least one; leading zeros are accepted ("00" is
 *    0, "007" is 7) because C's %u and Linux's kstrto* accept them;
 *  - no sign for unsigned values ("+1", "-1" are -PVF_EINVAL); the signed
 *    parser accepts one leading '-' but never '+';
 *  - no whitespace anywhere (" 12", "12 ", "12\n" are -PVF_EINVAL);
 *  - "" and any non-digit character are -PVF_EINVAL;
 *  - a well-formed number that does not fit the type or the given
 *    [min, max] is -PVF_ERANGE;
 *  - booleans are exactly "0" or "1"; anything else ("2", "true", "01",
 *    "") is -PVF_EINVAL (stricter than Linux, which reads flags with %d).
 * On any error *out is left unchanged.
 *
 * Path arguments: @dir may be NULL or "" (then @key is the whole path);
 * otherwise the path is "@dir/@key".  A path that does not fit
 * PVF_XS_PATH_MAX bytes (with its NUL) gives -PVF_E2BIG.
 */
#ifndef PVFRONT_XS_H
#define PVFRONT_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvfront/platform.h>

/* Largest decimal rendering of a uint64_t plus NUL. */
#define PVF_XS_U64_STRLEN 21u
/* Numeric values longer than this (without NUL) are rejected on read. */
#define PVF_XS_NUM_MAX 31u

/* ---- parsing --------------------------------------------------------- */

/* Returns 0 and *out; -PVF_EINVAL (malformed, NULL); -PVF_ERANGE. */
int pvf_xs_parse_u64(const char *s, uint64_t *out);
int pvf_xs_parse_u32(const char *s, uint32_t *out);
int pvf_xs_parse_u16(const char *s, uint16_t *out);
int pvf_xs_parse_u8(const char *s, uint8_t *out);

/* As pvf_xs_parse_u64/u32, and the value must lie in [@min, @max].
 * Returns 0; -PVF_EINVAL (malformed, NULL, @min > @max); -PVF_ERANGE. */
int pvf_xs_parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int pvf_xs_parse_u32_range(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/* Signed decimal ("-5", "0", "42") in [@min, @max].
 * Returns 0; -PVF_EINVAL (malformed, "-", "+1", NULL, @min > @max);
 * -PVF_ERANGE. */
int pvf_xs_parse_int(const char *s, int min, int max, int *out);

/* Exactly "0" (false) or "1" (true).  Returns 0; -PVF_EINVAL. */
int pvf_xs_parse_bool(const char *s, int *out);

/* ---- formatting and paths -------------------------------------------- */

/*
 * pvf_xs_format_u64 - render @v in decimal into @buf (@size bytes), NUL-
 * terminated, without 64-bit division.
 * Returns the length (without NUL); -PVF_E2BIG if it does not fit (then
 * @buf holds "" when @size > 0); -PVF_EINVAL if @buf is NULL.
 */
int pvf_xs_format_u64(char *buf, size_t size, uint64_t v);

/*
 * pvf_xs_path - join @a and @b with '/' into @buf (@size bytes).
 * A NULL or empty @a yields @b alone; a NULL or empty @b yields @a alone.
 * Returns the length; -PVF_E2BIG if the result and its NUL do not fit in
 * @size or in PVF_XS_PATH_MAX; -PVF_EINVAL for NULL @buf or both parts
 * empty.
 */
int pvf_xs_path(char *buf, size_t size, const char *a, const char *b);

/* ---- reading --------------------------------------------------------- */

/*
 * pvf_xs_read_str - copy the value of @dir/@key into @buf (@size bytes).
 * The caller owns @buf; the value is NUL-terminated.
 * Returns the length; -PVF_ENOENT; -PVF_E2BIG (path too long, or the value
 * and its NUL exceed @size); -PVF_EINVAL (NULL arguments, @size 0); any
 * error of ops->xs_read (-PVF_EACCES, -PVF_EIO, ...).
 */
int pvf_xs_read_str(const struct pvf_platform *p, uint32_t txn, const char *dir,
		    const char *key, char *buf, size_t size);

/*
 * pvf_xs_read_u64/u32/u16/u8/bool/int - read @dir/@key and parse it
 * strictly (see the rules above).
 * Returns 0 and *out; -PVF_ENOENT (missing: apply a default); -PVF_EINVAL
 * (malformed); -PVF_ERANGE (out of range, or longer than PVF_XS_NUM_MAX
 * characters); -PVF_E2BIG (path too long); errors of ops->xs_read.
 */
int pvf_xs_read_u64(const struct pvf_platform *p, uint32_t txn, const char *dir,
		    const char *key, uint64_t *out);
int pvf_xs_read_u32(const struct pvf_platform *p, uint32_t txn, const char *dir,
		    const char *key, uint32_t *out);
int pvf_xs_read_u16(const struct pvf_platform *p, uint32_t txn, const char *dir,
		    const char *key, uint16_t *out);
int pvf_xs_read_u8(const struct pvf_platform *p, uint32_t txn, const char *dir,
		   const char *key, uint8_t *out);
int pvf_xs_read_bool(const struct pvf_platform *p, uint32_t txn, const char *dir,
		     const char *key, int *out);
int pvf_xs_read_int(const struct pvf_platform *p, uint32_t txn, const char *dir,
		    const char *key, int min, int max, int *out);

/*
 * pvf_xs_read_u32_default / _u64_default / _bool_default - as above, but a
 * missing key sets *out = @def and returns 0.  On any other error *out is
 * also set to @def and the error is returned, so a caller that only logs
 * it still sees the default.
 */
int pvf_xs_read_u32_default(const struct pvf_platform *p, uint32_t txn, const char *dir,
			    const char *key, uint32_t def, uint32_t *out);
int pvf_xs_read_u64_default(const struct pvf_platform *p, uint32_t txn, const char *dir,
			    const char *key, uint64_t def, uint64_t *out);
int pvf_xs_read_bool_default(const struct pvf_platform *p, uint32_t txn, const char *dir,
			     const char *key, int def, int *out);

/*
 * pvf_xs_read_trusted - the toolstack's `trusted` key in the frontend
 * directory @dir (blkif and netif alike): "0" means the backend is not
 * trusted with the frontend's own pages, so the frontend bounces data.
 * Missing means trusted.  A malformed value fails safe: it is logged (as
 * "@who: @dir/trusted malformed") and read as 0 rather than refusing to
 * connect.
 * Returns 0 and *trusted; -PVF_EINVAL (NULL arguments, empty @dir); errors
 * of ops->xs_read other than those of a malformed value (-PVF_EACCES,
 * -PVF_EIO, -PVF_EAGAIN inside a doomed transaction, ...).
 */
int pvf_xs_read_trusted(const struct pvf_platform *p, uint32_t txn, const char *dir,
			const char *who, bool *trusted);

/* ---- writing --------------------------------------------------------- */

/*
 * pvf_xs_write_str / _u32 / _u64 - write @dir/@key.
 * Returns 0; -PVF_E2BIG (path too long); -PVF_EINVAL (NULL arguments);
 * errors of ops->xs_write (-PVF_EAGAIN inside a doomed transaction,
 * -PVF_EACCES, -PVF_EIO, ...).
 */
int pvf_xs_write_str(const struct pvf_platform *p, uint32_t txn, const char *dir,
		     const char *key, const char *value);
int pvf_xs_write_u32(const struct pvf_platform *p, uint32_t txn, const char *dir,
		     const char *key, uint32_t v);
int pvf_xs_write_u64(const struct pvf_platform *p, uint32_t txn, const char *dir,
		     const char *key, uint64_t v);

/* ---- transactions ---------------------------------------------------- */

/*
 * pvf_xs_transact - run @body inside a xenstore transaction and commit it,
 * retrying on conflicts.
 *
 * Each try: ops->xs_txn_start, @body(@arg, txn), then ops->xs_txn_end
 * (commit).  When @body or the commit returns -PVF_EAGAIN the try is
 * abandoned (the transaction aborted if still open) and, while fewer than
 * @max_tries tries were made, started again; @body must therefore be safe
 * to run again.  Any other error from @body aborts the transaction and is
 * returned at once.  Never blocks or sleeps.
 *
 * Returns what @body returned on the successful try (>= 0);
 * -PVF_EAGAIN after @max_tries conflicting tries (nothing committed);
 * -PVF_EINVAL (NULL @p/@body, @max_tries 0); the error of @body; the error
 * of ops->xs_txn_start or of the commit.
 */
int pvf_xs_transact(const struct pvf_platform *p, int (*body)(void *arg, uint32_t txn),
		    void *arg, unsigned int max_tries);

#endif /* PVFRONT_XS_H */
