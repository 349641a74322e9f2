/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The porting seam: provided ENOSYS defaults and table validation.
 */
#include "internal.h"

static int nosys_xs_read(void *c, uint32_t t, const char *p, char *b, size_t s)
{ PVF_UNUSED(c); PVF_UNUSED(t); PVF_UNUSED(p); PVF_UNUSED(b); PVF_UNUSED(s); return -PVF_ENOSYS; }
static int nosys_xs_write(void *c, uint32_t t, const char *p, const char *v)
{ PVF_UNUSED(c); PVF_UNUSED(t); PVF_UNUSED(p); PVF_UNUSED(v); return -PVF_ENOSYS; }
static int nosys_xs_path(void *c, uint32_t t, const char *p)
{ PVF_UNUSED(c); PVF_UNUSED(t); PVF_UNUSED(p); return -PVF_ENOSYS; }
static int nosys_xs_watch(void *c, const char *p, const char *tok)
{ PVF_UNUSED(c); PVF_UNUSED(p); PVF_UNUSED(tok); return -PVF_ENOSYS; }
static int nosys_xs_txn_start(void *c, uint32_t *t)
{ PVF_UNUSED(c); PVF_UNUSED(t); return -PVF_ENOSYS; }
static int nosys_xs_txn_end(void *c, uint32_t t, int a)
{ PVF_UNUSED(c); PVF_UNUSED(t); PVF_UNUSED(a); return -PVF_ENOSYS; }
static int nosys_gnt_grant(void *c, pvf_domid_t d, uint64_t f, int ro, uint32_t *r)
{ PVF_UNUSED(c); PVF_UNUSED(d); PVF_UNUSED(f); PVF_UNUSED(ro); PVF_UNUSED(r); return -PVF_ENOSYS; }
static int nosys_u32(void *c, uint32_t v)
{ PVF_UNUSED(c); PVF_UNUSED(v); return -PVF_ENOSYS; }
static int nosys_evtchn_alloc(void *c, pvf_domid_t d, uint32_t *p)
{ PVF_UNUSED(c); PVF_UNUSED(d); PVF_UNUSED(p); return -PVF_ENOSYS; }
static int nosys_page_alloc(void *c, unsigned int n, void **va, uint64_t *f)
{ PVF_UNUSED(c); PVF_UNUSED(n); PVF_UNUSED(va); PVF_UNUSED(f); return -PVF_ENOSYS; }
static int nosys_page_free(void *c, void *va, unsigned int n)
{ PVF_UNUSED(c); PVF_UNUSED(va); PVF_UNUSED(n); return -PVF_ENOSYS; }
static int nosys_in8(void *c, uint16_t p, uint8_t *v)
{ PVF_UNUSED(c); PVF_UNUSED(p); PVF_UNUSED(v); return -PVF_ENOSYS; }
static int nosys_in16(void *c, uint16_t p, uint16_t *v)
{ PVF_UNUSED(c); PVF_UNUSED(p); PVF_UNUSED(v); return -PVF_ENOSYS; }
static int nosys_in32(void *c, uint16_t p, uint32_t *v)
{ PVF_UNUSED(c); PVF_UNUSED(p); PVF_UNUSED(v); return -PVF_ENOSYS; }
static int nosys_out8(void *c, uint16_t p, uint8_t v)
{ PVF_UNUSED(c); PVF_UNUSED(p); PVF_UNUSED(v); return -PVF_ENOSYS; }
static int nosys_out16(void *c, uint16_t p, uint16_t v)
{ PVF_UNUSED(c); PVF_UNUSED(p); PVF_UNUSED(v); return -PVF_ENOSYS; }
static int nosys_out32(void *c, uint16_t p, uint32_t v)
{ PVF_UNUSED(c); PVF_UNUSED(p); PVF_UNUSED(v); return -PVF_ENOSYS; }
static int nosys_log(void *c, enum pvf_log_level l, const char *m)
{ PVF_UNUSED(c); PVF_UNUSED(l); PVF_UNUSED(m); return -PVF_ENOSYS; }
static int nosys_clock(void *c, uint64_t *now)
{ PVF_UNUSED(c); if (now) *now = 0; return -PVF_ENOSYS; }

PVF_API const struct pvf_platform_ops pvf_platform_nosys_ops = {
	.xs_read = nosys_xs_read,
	.xs_write = nosys_xs_write,
	.xs_mkdir = nosys_xs_path,
	.xs_rm = nosys_xs_path,
	.xs_directory = nosys_xs_read,
	.xs_watch = nosys_xs_watch,
	.xs_unwatch = nosys_xs_watch,
	.xs_txn_start = nosys_xs_txn_start,
	.xs_txn_end = nosys_xs_txn_end,
	.gnt_grant = nosys_gnt_grant,
	.gnt_end = nosys_u32,
	.evtchn_alloc_unbound = nosys_evtchn_alloc,
	.evtchn_notify = nosys_u32,
	.evtchn_unmask = nosys_u32,
	.evtchn_close = nosys_u32,
	.page_alloc = nosys_page_alloc,
	.page_free = nosys_page_free,
	.in8 = nosys_in8,
	.in16 = nosys_in16,
	.in32 = nosys_in32,
	.out8 = nosys_out8,
	.out16 = nosys_out16,
	.out32 = nosys_out32,
	.log = nosys_log,
	.clock_ns = nosys_clock,
};

/* Every entry of the table, by name and offset, for validation. */
#define PVF_OP(name) { #name, offsetof(struct pvf_platform_ops, name) }
static const struct {
	const char *name;
	size_t offset;
} pvf_ops_list[] = {
	PVF_OP(xs_read), PVF_OP(xs_write), PVF_OP(xs_mkdir), PVF_OP(xs_rm),
	PVF_OP(xs_directory), PVF_OP(xs_watch), PVF_OP(xs_unwatch),
	PVF_OP(xs_txn_start), PVF_OP(xs_txn_end), PVF_OP(gnt_grant),
	PVF_OP(gnt_end), PVF_OP(evtchn_alloc_unbound), PVF_OP(evtchn_notify),
	PVF_OP(evtchn_unmask), PVF_OP(evtchn_close), PVF_OP(page_alloc),
	PVF_OP(page_free), PVF_OP(in8), PVF_OP(in16), PVF_OP(in32),
	PVF_OP(out8), PVF_OP(out16), PVF_OP(out32), PVF_OP(log),
	PVF_OP(clock_ns),
};

/* Every op is a function pointer of the same size; the list must cover the
 * whole struct so that adding an op without listing it fails to build. */
_Static_assert(sizeof(struct pvf_platform_ops) ==
	       25 * sizeof(int (*)(void)),
	       "pvf_ops_list must name every entry of struct pvf_platform_ops");

static const void *op_at(const struct pvf_platform_ops *ops, size_t offset)
{
	const void *fn;

	memcpy(&fn, (const char *)ops + offset, sizeof(fn));
	return fn;
}

PVF_API int pvf_platform_validate(const struct pvf_platform *p, const char **missing)
{
	size_t i;

	if (missing)
		*missing = NULL;
	if (!p || !p->ops) {
		if (missing)
			*missing = "ops";
		return -PVF_EINVAL;
	}
	for (i = 0; i < PVF_ARRAY_SIZE(pvf_ops_list); i++) {
		if (!op_at(p->ops, pvf_ops_list[i].offset)) {
			if (missing)
				*missing = pvf_ops_list[i].name;
			return -PVF_EINVAL;
		}
	}
	return 0;
}

PVF_API int pvf_platform_implements(const struct pvf_platform *p, size_t offset)
{
	if (!p || !p->ops || offset >= sizeof(*p->ops))
		return 0;
	return op_at(p->ops, offset) != op_at(&pvf_platform_nosys_ops, offset);
}
