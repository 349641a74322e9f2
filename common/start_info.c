/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PVH start of day: parse and validate struct hvm_start_info
 * (see include/pvfront/start_info.h).
 *
 * The block and its tables are read through the caller's accessor into
 * local byte buffers, and every field is decoded from those bytes as the
 * little-endian value the Xen header specifies, at the offset the Xen
 * structure gives it: nothing is read twice from guest memory and nothing
 * depends on the host's alignment or byte order.  No 64-bit division or
 * multiplication by a variable is used (the i386 guest library must not
 * need libgcc helpers): table sizes are shifts of 32-bit counts.
 */
#include "internal.h"
#include <pvfront/xen.h>
#include <pvfront/start_info.h>
#include <xen/arch-x86/hvm/start_info.h>

/* Wire layouts, for every ABI this file is built for (x86_64 and i386). */
_Static_assert(offsetof(struct hvm_start_info, magic) == 0, "start info magic");
_Static_assert(offsetof(struct hvm_start_info, version) == 4, "start info version");
_Static_assert(offsetof(struct hvm_start_info, flags) == 8, "start info flags");
_Static_assert(offsetof(struct hvm_start_info, nr_modules) == 12, "start info nr_modules");
_Static_assert(offsetof(struct hvm_start_info, modlist_paddr) == 16, "start info modlist");
_Static_assert(offsetof(struct hvm_start_info, cmdline_paddr) == 24, "start info cmdline");
_Static_assert(offsetof(struct hvm_start_info, rsdp_paddr) == 32, "start info rsdp");
/* Version 0 ends where the version 1 fields begin. */
_Static_assert(offsetof(struct hvm_start_info, memmap_paddr) == 40, "start info v0 size");
_Static_assert(offsetof(struct hvm_start_info, memmap_entries) == 48, "start info memmap_entries");
_Static_assert(sizeof(struct hvm_start_info) == 56, "start info v1 size");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "PVH module list entry");
_Static_assert(offsetof(struct hvm_modlist_entry, size) == 8, "module size");
_Static_assert(offsetof(struct hvm_modlist_entry, cmdline_paddr) == 16, "module cmdline");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "PVH memory map entry");
_Static_assert(offsetof(struct hvm_memmap_table_entry, size) == 8, "memmap size");
_Static_assert(offsetof(struct hvm_memmap_table_entry, type) == 16, "memmap type");

#define SI_V0_SIZE   ((uint32_t)offsetof(struct hvm_start_info, memmap_paddr))
#define SI_V1_SIZE   ((uint32_t)sizeof(struct hvm_start_info))
#define SI_MOD_SHIFT 5 /* log2(sizeof(struct hvm_modlist_entry)) */
#define SI_CHUNK     64 /* largest single read, as the header promises */

_Static_assert((1u << SI_MOD_SHIFT) == sizeof(struct hvm_modlist_entry), "module shift");
_Static_assert(SI_V1_SIZE <= SI_CHUNK, "block fits one read");

static uint32_t si_le32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static uint64_t si_le64(const uint8_t *b)
{
	return (uint64_t)si_le32(b) | (uint64_t)si_le32(b + 4) << 32;
}

/* Does [paddr, paddr + len) wrap past 2^64?  (A range ending exactly at
 * 2^64 does not.) */
static bool si_wraps(uint64_t paddr, uint64_t len)
{
	return len != 0 && paddr + (len - 1) < paddr;
}

/* Is [paddr, paddr + len) inside the readable range?  Written so that no
 * sum can overflow. */
static bool si_readable(const struct pvf_start_info_mem *m, uint64_t paddr, uint64_t len)
{
	uint64_t off;

	if (paddr < m->base)
		return false;
	off = paddr - m->base;
	if (off > m->size)
		return false;
	return len <= m->size - off;
}

/* Read @len (1..SI_CHUNK) bytes at @paddr after checking the range. */
static int si_read(const struct pvf_start_info_mem *m, uint64_t paddr, void *dst, uint32_t len)
{
	int rc;

	if (si_wraps(paddr, len) || !si_readable(m, paddr, len))
		return -PVF_ERANGE;
	rc = m->read(m, paddr, dst, len);
	if (rc > 0)
		return -PVF_EIO;
	return rc;
}

/*
 * Find the NUL of the string at @paddr within @max bytes (including the
 * NUL).  *@len receives the length before it.  Returns 0; -PVF_ERANGE when
 * the readable range ends first; -PVF_EOVERFLOW when @max bytes hold no
 * NUL; the accessor's error.
 */
static int si_strlen(const struct pvf_start_info_mem *m, uint64_t paddr, uint32_t max,
		     uint32_t *len)
{
	uint8_t buf[SI_CHUNK];
	uint32_t done = 0;

	while (done < max) {
		uint32_t n = PVF_MIN(max - done, (uint32_t)SI_CHUNK);
		uint64_t at = paddr + done;
		uint32_t i;
		int rc;

		if (at < paddr) /* past 2^64: nothing can be readable there */
			return -PVF_ERANGE;
		/* Read no further than the readable range; only fail when the
		 * string really runs past it. */
		if (si_readable(m, at, 1) && !si_readable(m, at, n)) {
			uint64_t left = m->size - (at - m->base);

			n = (uint32_t)left; /* < n <= SI_CHUNK */
		}
		rc = si_read(m, at, buf, n);
		if (rc < 0)
			return rc;
		for (i = 0; i < n; i++) {
			if (buf[i] == 0) {
				*len = done + i;
				return 0;
			}
		}
		done += n;
	}
	return -PVF_EOVERFLOW;
}

static void si_clear_result(struct pvf_start_info *si)
{
	si->version = 0;
	si->flags = 0;
	si->rsdp_paddr = 0;
	si->cmdline_paddr = 0;
	si->cmdline_len = 0;
	si->nr_modules = 0;
	si->modlist_paddr = 0;
	si->nr_memmap = 0;
	si->memmap_paddr = 0;
	si->info_size = 0;
}

static int si_check_args(const struct pvf_start_info_mem *mem, uint64_t paddr,
			 const struct pvf_start_info *si)
{
	if (!mem || !mem->read || !si || paddr == 0)
		return -PVF_EINVAL;
	if (si_wraps(mem->base, mem->size))
		return -PVF_EINVAL;
	if (si->cmdline_max == 0)
		return -PVF_EINVAL;
	if ((si->max_modules && !si->modules) || (si->max_memmap && !si->memmap))
		return -PVF_EINVAL;
	return 0;
}

/* Copy and check module @i of the list at @list. */
static int si_module(const struct pvf_start_info_mem *mem, uint64_t list, uint32_t i,
		     uint32_t cmdline_max, struct pvf_start_info_module *out)
{
	uint8_t e[sizeof(struct hvm_modlist_entry)];
	int rc;

	rc = si_read(mem, list + ((uint64_t)i << SI_MOD_SHIFT), e, sizeof(e));
	if (rc < 0)
		return rc;
	out->paddr = si_le64(e + offsetof(struct hvm_modlist_entry, paddr));
	out->size = si_le64(e + offsetof(struct hvm_modlist_entry, size));
	out->cmdline_paddr = si_le64(e + offsetof(struct hvm_modlist_entry, cmdline_paddr));
	out->cmdline_len = 0;
	if (out->paddr == 0 || si_wraps(out->paddr, out->size))
		return -PVF_EPROTO;
	if (!si_readable(mem, out->paddr, out->size))
		return -PVF_ERANGE;
	if (out->cmdline_paddr)
		return si_strlen(mem, out->cmdline_paddr, cmdline_max, &out->cmdline_len);
	return 0;
}

/* Copy and check memory map entry @i of the map at @map. */
static int si_memmap(const struct pvf_start_info_mem *mem, uint64_t map, uint32_t i,
		     struct pvf_start_info_memmap *out)
{
	uint8_t e[sizeof(struct hvm_memmap_table_entry)];
	/* i * 24 = (i << 4) + (i << 3): no 64-bit multiply helper. */
	uint64_t off = ((uint64_t)i << 4) + ((uint64_t)i << 3);
	int rc;

	rc = si_read(mem, map + off, e, sizeof(e));
	if (rc < 0)
		return rc;
	out->addr = si_le64(e + offsetof(struct hvm_memmap_table_entry, addr));
	out->size = si_le64(e + offsetof(struct hvm_memmap_table_entry, size));
	out->type = si_le32(e + offsetof(struct hvm_memmap_table_entry, type));
	if (si_wraps(out->addr, out->size))
		return -PVF_EPROTO;
	return 0;
}

/* Check that a table of @n entries, @bytes in all, at @paddr neither
 * wraps nor leaves the readable range (nothing to check when @n is 0). */
static int si_table(const struct pvf_start_info_mem *mem, uint64_t paddr, uint32_t n,
		    uint64_t bytes)
{
	if (n == 0)
		return 0;
	if (si_wraps(paddr, bytes))
		return -PVF_EPROTO;
	if (!si_readable(mem, paddr, bytes))
		return -PVF_ERANGE;
	return 0;
}

static int si_parse(const struct pvf_start_info_mem *mem, uint64_t paddr,
		    struct pvf_start_info *si)
{
	uint8_t b[SI_V1_SIZE];
	uint32_t nr_mod, nr_map = 0, i;
	uint64_t modlist, memmap = 0;
	int rc;

	memset(b, 0, sizeof(b));
	rc = si_read(mem, paddr, b, SI_V0_SIZE);
	if (rc < 0)
		return rc;
	if (si_le32(b + offsetof(struct hvm_start_info, magic)) != XEN_HVM_START_MAGIC_VALUE)
		return -PVF_EINVAL;
	si->version = si_le32(b + offsetof(struct hvm_start_info, version));
	si->info_size = SI_V0_SIZE;
	if (si->version >= 1) {
		/* Version 1 appended the memory map fields; later versions
		 * are read as version 1 (backwards-compatible by the header). */
		rc = si_read(mem, paddr + SI_V0_SIZE, b + SI_V0_SIZE, SI_V1_SIZE - SI_V0_SIZE);
		if (rc < 0)
			return rc;
		si->info_size = SI_V1_SIZE;
		nr_map = si_le32(b + offsetof(struct hvm_start_info, memmap_entries));
		memmap = si_le64(b + offsetof(struct hvm_start_info, memmap_paddr));
	}
	si->flags = si_le32(b + offsetof(struct hvm_start_info, flags));
	nr_mod = si_le32(b + offsetof(struct hvm_start_info, nr_modules));
	modlist = si_le64(b + offsetof(struct hvm_start_info, modlist_paddr));

	if ((nr_mod && modlist == 0) || (nr_map && memmap == 0))
		return -PVF_EPROTO;
	if (nr_mod > si->max_modules || nr_map > si->max_memmap) {
		si->nr_modules = nr_mod;
		si->nr_memmap = nr_map;
		return -PVF_E2BIG;
	}
	rc = si_table(mem, modlist, nr_mod, (uint64_t)nr_mod << SI_MOD_SHIFT);
	if (rc < 0)
		return rc;
	rc = si_table(mem, memmap, nr_map, ((uint64_t)nr_map << 4) + ((uint64_t)nr_map << 3));
	if (rc < 0)
		return rc;

	for (i = 0; i < nr_mod; i++) {
		rc = si_module(mem, modlist, i, si->cmdline_max, &si->modules[i]);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < nr_map; i++) {
		rc = si_memmap(mem, memmap, i, &si->memmap[i]);
		if (rc < 0)
			return rc;
	}

	si->cmdline_paddr = si_le64(b + offsetof(struct hvm_start_info, cmdline_paddr));
	if (si->cmdline_paddr) {
		rc = si_strlen(mem, si->cmdline_paddr, si->cmdline_max, &si->cmdline_len);
		if (rc < 0)
			return rc;
	}
	si->rsdp_paddr = si_le64(b + offsetof(struct hvm_start_info, rsdp_paddr));
	si->nr_modules = nr_mod;
	si->modlist_paddr = nr_mod ? modlist : 0;
	si->nr_memmap = nr_map;
	si->memmap_paddr = nr_map ? memmap : 0;
	return 0;
}

PVF_API int pvf_start_info_parse(const struct pvf_start_info_mem *mem, uint64_t paddr,
				 struct pvf_start_info *si)
{
	int rc;

	rc = si_check_args(mem, paddr, si);
	if (rc < 0) {
		if (si)
			si_clear_result(si);
		return rc;
	}
	si_clear_result(si);
	rc = si_parse(mem, paddr, si);
	if (rc < 0) {
		/* On -PVF_E2BIG keep what the caller needs to retry. */
		uint32_t version = si->version, flags = si->flags;
		uint32_t nr_mod = si->nr_modules, nr_map = si->nr_memmap;

		si_clear_result(si);
		if (rc == -PVF_E2BIG) {
			si->version = version;
			si->flags = flags;
			si->nr_modules = nr_mod;
			si->nr_memmap = nr_map;
		}
	}
	return rc;
}

/* The accessor of pvf_start_info_mem_buffer: ctx is the buffer, which
 * holds guest-physical memory from m->base on.  The parser has checked the
 * range, so the offset is below m->size, which fits a size_t. */
static int si_buffer_read(const struct pvf_start_info_mem *m, uint64_t paddr, void *dst,
			  size_t len)
{
	const uint8_t *buf = m->ctx;

	memcpy(dst, buf + (size_t)(paddr - m->base), len);
	return 0;
}

PVF_API int pvf_start_info_mem_buffer(struct pvf_start_info_mem *mem, const void *buf,
				      uint64_t paddr, size_t len)
{
	if (!mem || (!buf && len) || si_wraps(paddr, len))
		return -PVF_EINVAL;
	mem->read = si_buffer_read;
	mem->ctx = (void *)(uintptr_t)buf;
	mem->base = paddr;
	mem->size = len;
	return 0;
}
