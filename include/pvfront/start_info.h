/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Start of day on PVH (and HVM direct boot): a strict, freestanding parser
 * of Xen's `struct hvm_start_info` (<xen/arch-x86/hvm/start_info.h>), the
 * block whose guest-physical address a PVH guest finds in %ebx at entry.
 *
 * The core never maps anything and never dereferences a guest-physical
 * address itself: the caller describes the memory it can reach with a
 * struct pvf_start_info_mem (one readable range [base, base + size) plus a
 * read callback), in the BearSSL way.  Two ready-made shapes:
 *
 *   - a buffer that holds a copy (or a mapping) of guest-physical memory:
 *     pvf_start_info_mem_buffer();
 *   - identity-mapped memory (unikernel, firmware): a three-line callback,
 *       static int id_read(const struct pvf_start_info_mem *m,
 *                          uint64_t pa, void *dst, size_t len)
 *       { memcpy(dst, (const void *)(uintptr_t)pa, len); return 0; }
 *     with base/size covering the RAM the guest has mapped.
 *
 * Every field is copied out of guest memory; the result holds addresses
 * and lengths, never pointers into guest memory.  Everything the block
 * says is checked before it is used: magic, version, counts against the
 * caller's arrays, every address + size against 2^64 wrap-around and
 * against the readable range, command lines NUL-terminated within the
 * caller's bound.  The block is untrusted input (a toolstack, a boot loader
 * or a previous kernel wrote it): no input makes the parser read outside
 * the readable range, loop unboundedly or crash.
 *
 * Versions: 0 (no memory map) and 1 (memory map) are parsed; a higher
 * version is accepted and read as version 1, since the Xen header promises
 * that new versions stay backwards-compatible (version 1 only appended
 * fields to version 0).  Reserved fields are ignored (a later version may
 * give them a meaning).  The RSDP address is reported as-is: it is not
 * read, so it is not checked against the readable range.
 *
 * Ownership: the caller owns every struct here and the arrays it points
 * the result at; the parser keeps nothing after it returns.
 */
#ifndef PVFRONT_START_INFO_H
#define PVFRONT_START_INFO_H

#include <stddef.h>
#include <stdint.h>

/*
 * The guest-physical memory the parser may read.  Every field is set by
 * the caller.
 */
struct pvf_start_info_mem {
	/*
	 * Copy @len bytes of guest-physical memory at @paddr into @dst.  Called
	 * only with 0 < @len <= 64 and [@paddr, @paddr + @len) inside
	 * [base, base + size).  Returns 0, or a negative PVF_E* error that the
	 * parser passes back unchanged (a positive value is taken as
	 * -PVF_EIO).  Must not call back into the parser.
	 */
	int (*read)(const struct pvf_start_info_mem *m, uint64_t paddr,
		    void *dst, size_t len);
	void *ctx;     /* the callback's own; the parser never touches it */
	uint64_t base; /* lowest readable guest-physical address */
	uint64_t size; /* readable bytes from base; base + size <= 2^64 */
};

/* One module (kernel, initrd, ...) as the block lists it. */
struct pvf_start_info_module {
	uint64_t paddr;         /* guest-physical address, never 0 */
	uint64_t size;          /* bytes; [paddr, paddr + size) is readable */
	uint64_t cmdline_paddr; /* the module's command line; 0: none */
	uint32_t cmdline_len;   /* its length before the NUL (0: none/empty) */
};

/* One memory map entry, as the block gives it. */
struct pvf_start_info_memmap {
	uint64_t addr;  /* base address */
	uint64_t size;  /* bytes; addr + size <= 2^64 (checked); the range is
			 * NOT checked against the readable range */
	uint32_t type;  /* as-is: XEN_HVM_MEMMAP_TYPE_* (1 RAM, 2 reserved,
			 * 3 ACPI, 4 NVS, 5 unusable, 6 disabled, 7 PMEM) or
			 * any other value the block holds */
};

/*
 * Input (set by the caller before pvf_start_info_parse) and result.
 */
struct pvf_start_info {
	/* ---- input ---- */
	struct pvf_start_info_module *modules; /* room for max_modules */
	unsigned int max_modules;      /* 0 (and modules NULL) allowed */
	struct pvf_start_info_memmap *memmap;  /* room for max_memmap */
	unsigned int max_memmap;       /* 0 (and memmap NULL) allowed */
	uint32_t cmdline_max;          /* bound of every command line, bytes
					* including its NUL; >= 1 */

	/* ---- result ---- */
	uint32_t version;        /* as the block says (0, 1 or higher) */
	uint32_t flags;          /* SIF_* flags, as-is */
	uint64_t rsdp_paddr;     /* ACPI RSDP; 0: none.  Not read, not checked */
	uint64_t cmdline_paddr;  /* kernel command line; 0: none */
	uint32_t cmdline_len;    /* its length before the NUL */
	uint32_t nr_modules;     /* entries filled in modules[] */
	uint64_t modlist_paddr;  /* the module list (nr_modules * 32 bytes);
				  * 0 when nr_modules is 0 */
	uint32_t nr_memmap;      /* entries filled in memmap[]; 0: no map
				  * (always 0 for version 0) */
	uint64_t memmap_paddr;   /* the map (nr_memmap * 24 bytes); 0 if none */
	uint32_t info_size;      /* bytes of the block that were read: 40 for
				  * version 0, 56 for version >= 1 */
};

/*
 * pvf_start_info_parse - validate the start info block at guest-physical
 * @paddr and copy it into @si (whose input fields the caller has set).
 *
 * Reads, through @mem only: the block, the module list, every command line
 * (kernel and modules), the memory map.  Module payloads are range-checked
 * but not read.  Checks, in this order: the block is readable, magic,
 * version; a non-zero count with a zero address (modules, memory map);
 * counts against max_modules / max_memmap; the module list and the map are
 * readable; each module: address non-zero, address + size no wrap,
 * payload readable; each map entry: address + size no wrap; each command
 * line: readable and NUL-terminated within cmdline_max bytes.
 *
 * On success every result field is set and modules[0..nr_modules) and
 * memmap[0..nr_memmap) are filled.  On -PVF_E2BIG, version, flags,
 * nr_modules and nr_memmap hold what the block declares (so the caller can
 * retry with larger arrays) and the other results are zero.  On any other
 * error every result field is zero.  Array contents are unspecified after
 * an error.
 *
 * Returns 0;
 * -PVF_EINVAL   a NULL @mem, @mem->read or @si, @paddr 0, a readable range
 *               that wraps past 2^64, cmdline_max 0, a non-zero max_* with
 *               a NULL array; or the magic is not XEN_HVM_START_MAGIC_VALUE
 *               (no start info block at @paddr);
 * -PVF_EPROTO   malformed: modules or map entries counted but their address
 *               is 0, a module at address 0, or a module or map range that
 *               wraps past 2^64;
 * -PVF_E2BIG    more modules than max_modules or more map entries than
 *               max_memmap;
 * -PVF_ERANGE   the block, the module list, the map, a module payload or a
 *               command line (before its NUL was found) lies outside
 *               [mem->base, mem->base + mem->size);
 * -PVF_EOVERFLOW a command line has no NUL within cmdline_max bytes;
 * any negative error returned by @mem->read (positive results: -PVF_EIO).
 */
int pvf_start_info_parse(const struct pvf_start_info_mem *mem, uint64_t paddr,
			 struct pvf_start_info *si);

/*
 * pvf_start_info_mem_buffer - set @mem to read from @buf, which holds the
 * @len bytes of guest-physical memory starting at @paddr (a copy made by a
 * test or a loader, or a mapping).  @buf must stay valid while @mem is used;
 * @mem->ctx points at it.
 * Returns 0; -PVF_EINVAL (NULL @mem, NULL @buf with @len > 0, or
 * @paddr + @len wraps past 2^64).
 */
int pvf_start_info_mem_buffer(struct pvf_start_info_mem *mem, const void *buf,
			      uint64_t paddr, size_t len);

#endif /* PVFRONT_START_INFO_H */
