/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal header of the pvfront cores: helpers every core uses and that the
 * freestanding build can compile (no libc).  Not installed.
 */
#ifndef PVF_COMMON_INTERNAL_H
#define PVF_COMMON_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvfront/errno.h>
#include <pvfront/platform.h>

#ifdef PVF_FREESTANDING
/* The only link-time symbols the guest library may need. */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *s, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#else
#include <string.h>
#endif

/* Symbols of the public API; hidden-by-default builds export only these. */
#if defined(PVF_BUILD_SHARED) && defined(__GNUC__)
#define PVF_API __attribute__((visibility("default")))
#else
#define PVF_API
#endif

#define PVF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PVF_MIN(a, b) ((a) < (b) ? (a) : (b))
#define PVF_MAX(a, b) ((a) > (b) ? (a) : (b))
#define PVF_UNUSED(x) ((void)(x))

#if defined(__GNUC__)
#define PVF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define pvf_likely(x)   __builtin_expect(!!(x), 1)
#define pvf_unlikely(x) __builtin_expect(!!(x), 0)
#else
#define PVF_PRINTF(f, a)
#define pvf_likely(x)   (x)
#define pvf_unlikely(x) (x)
#endif

/* Round @x up to a multiple of 8 bytes (scratch-memory layout). */
#define PVF_ALIGN8(x) (((x) + 7u) & ~(size_t)7u)

/* Take @bytes (rounded up to 8) from the caller-provided scratch area at
 * *@cur and advance it; the caller sized the area with the same sum. */
static inline void *pvf_carve(char **cur, size_t bytes)
{
	void *p = *cur;

	*cur += PVF_ALIGN8(bytes);
	return p;
}

/* Bounded string helpers (no libc). */
size_t pvf_strnlen(const char *s, size_t max);
int pvf_strcmp(const char *a, const char *b);
int pvf_strncmp(const char *a, const char *b, size_t n);
/* Copy @src into @dst of @size bytes, always NUL-terminated when @size > 0.
 * Returns the length of @src; a result >= @size means it was truncated. */
size_t pvf_strlcpy(char *dst, const char *src, size_t size);

/*
 * pvf_snprintf / pvf_vsnprintf - the cores' only formatter (no libc).
 * Supports %s %c %d %i %u %x %X %p %% with the length modifiers l, ll, z and
 * h/hh (accepted, promoted), and a field width with '0' or '-' flags.
 * Output is always NUL-terminated when @size > 0.  Returns the length the
 * full output would have had (like C99 snprintf); truncation when >= @size.
 */
int pvf_snprintf(char *buf, size_t size, const char *fmt, ...) PVF_PRINTF(3, 4);
int pvf_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Format and emit one log line through @p->ops->log (line max 256 bytes). */
void pvf_logf(const struct pvf_platform *p, enum pvf_log_level level,
	      const char *fmt, ...) PVF_PRINTF(3, 4);

#define pvf_err(p, ...)   pvf_logf((p), PVF_LOG_ERR, __VA_ARGS__)
#define pvf_warn(p, ...)  pvf_logf((p), PVF_LOG_WARN, __VA_ARGS__)
#define pvf_info(p, ...)  pvf_logf((p), PVF_LOG_INFO, __VA_ARGS__)
#define pvf_debug(p, ...) pvf_logf((p), PVF_LOG_DEBUG, __VA_ARGS__)

#endif /* PVF_COMMON_INTERNAL_H */
