/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PVH start of day: pvf_start_info_parse() over blocks built in a buffer
 * that stands for guest-physical memory, through an accessor that checks
 * the parser only ever reads inside the range it was given.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/errno.h>
#include <pvfront/start_info.h>
#include <xen/arch-x86/hvm/start_info.h>
#include "cu.h"

#define MEM_BASE  0x100000ull   /* guest-physical address of ram[0] */
#define MEM_SIZE  0x10000u
#define PA(off)   (MEM_BASE + (off))

/* Layout of the test blocks (offsets into ram). */
#define O_SI      0x0000u
#define O_CMDLINE 0x0100u
#define O_MODLIST 0x0200u
#define O_MCMD0   0x0300u
#define O_MCMD1   0x0380u
#define O_MEMMAP  0x0400u
#define O_MOD0    0x1000u
#define O_MOD1    0x2000u

static uint8_t ram[MEM_SIZE];

/* The checking accessor: wraps the buffer accessor. */
struct chk {
	struct pvf_start_info_mem inner;
	unsigned int calls;
	unsigned int bad;      /* calls outside the range or of a bad length */
	int fail_at;           /* call number (1-based) that returns fail_rc */
	int fail_rc;
};

static struct chk chk;

static int chk_read(const struct pvf_start_info_mem *m, uint64_t pa, void *dst, size_t len)
{
	struct chk *c = m->ctx;

	c->calls++;
	if (len == 0 || len > 64 || pa < m->base || pa - m->base > m->size ||
	    len > m->size - (pa - m->base)) {
		c->bad++;
		return -PVF_EFAULT;
	}
	if (c->fail_at && (int)c->calls == c->fail_at)
		return c->fail_rc;
	return c->inner.read(&c->inner, pa, dst, len);
}

/* A memory description over ram[0..size) through the checking accessor. */
static struct pvf_start_info_mem mem_of(size_t size)
{
	struct pvf_start_info_mem m;

	memset(&chk, 0, sizeof(chk));
	CU_ASSERT_EQUAL_FATAL(pvf_start_info_mem_buffer(&chk.inner, ram, MEM_BASE, size), 0);
	m = chk.inner;
	m.read = chk_read;
	m.ctx = &chk;
	return m;
}

static void put32(uint32_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		ram[off + i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint32_t off, uint64_t v)
{
	put32(off, (uint32_t)v);
	put32(off + 4, (uint32_t)(v >> 32));
}

#define SI_FIELD(f) (O_SI + (uint32_t)offsetof(struct hvm_start_info, f))

/* A complete block of @version: cmdline, two modules with command lines,
 * RSDP, and (version >= 1) a three-entry memory map. */
static void build(uint32_t version)
{
	memset(ram, 0xa5, sizeof(ram));
	put32(SI_FIELD(magic), XEN_HVM_START_MAGIC_VALUE);
	put32(SI_FIELD(version), version);
	put32(SI_FIELD(flags), 0x3);
	put32(SI_FIELD(nr_modules), 2);
	put64(SI_FIELD(modlist_paddr), PA(O_MODLIST));
	put64(SI_FIELD(cmdline_paddr), PA(O_CMDLINE));
	put64(SI_FIELD(rsdp_paddr), 0xfe000);
	if (version >= 1) {
		put64(SI_FIELD(memmap_paddr), PA(O_MEMMAP));
		put32(SI_FIELD(memmap_entries), 3);
		put32(SI_FIELD(reserved), 0);
	}
	memcpy(ram + O_CMDLINE, "console=hvc0 root=/dev/xvda", 28);

	put64(O_MODLIST + 0, PA(O_MOD0));
	put64(O_MODLIST + 8, 0x800);
	put64(O_MODLIST + 16, PA(O_MCMD0));
	put64(O_MODLIST + 24, 0);
	put64(O_MODLIST + 32, PA(O_MOD1));
	put64(O_MODLIST + 40, MEM_SIZE - O_MOD1); /* ends exactly at the end */
	put64(O_MODLIST + 48, 0);                 /* no command line */
	put64(O_MODLIST + 56, 0);
	memcpy(ram + O_MCMD0, "initrd", 7);

	put64(O_MEMMAP + 0, 0);
	put64(O_MEMMAP + 8, 0xa0000);
	put32(O_MEMMAP + 16, XEN_HVM_MEMMAP_TYPE_RAM);
	put32(O_MEMMAP + 20, 0);
	put64(O_MEMMAP + 24, 0xfc000000);
	put64(O_MEMMAP + 32, 0x4000000);
	put32(O_MEMMAP + 40, XEN_HVM_MEMMAP_TYPE_RESERVED);
	put32(O_MEMMAP + 44, 0);
	put64(O_MEMMAP + 48, 0x100000000ull);
	put64(O_MEMMAP + 56, 0x40000000);
	put32(O_MEMMAP + 64, 0x1234);             /* unknown type: as-is */
	put32(O_MEMMAP + 68, 0);
}

static struct pvf_start_info_module mods[4];
static struct pvf_start_info_memmap map[8];

static struct pvf_start_info si_with(unsigned int max_mod, unsigned int max_map, uint32_t cmax)
{
	struct pvf_start_info si;

	memset(&si, 0x5a, sizeof(si)); /* results must all be written */
	memset(mods, 0, sizeof(mods));
	memset(map, 0, sizeof(map));
	si.modules = max_mod ? mods : NULL;
	si.max_modules = max_mod;
	si.memmap = max_map ? map : NULL;
	si.max_memmap = max_map;
	si.cmdline_max = cmax;
	return si;
}

static void assert_cleared(const struct pvf_start_info *si)
{
	CU_ASSERT_EQUAL(si->version, 0);
	CU_ASSERT_EQUAL(si->flags, 0);
	CU_ASSERT_EQUAL(si->rsdp_paddr, 0);
	CU_ASSERT_EQUAL(si->cmdline_paddr, 0);
	CU_ASSERT_EQUAL(si->cmdline_len, 0);
	CU_ASSERT_EQUAL(si->nr_modules, 0);
	CU_ASSERT_EQUAL(si->modlist_paddr, 0);
	CU_ASSERT_EQUAL(si->nr_memmap, 0);
	CU_ASSERT_EQUAL(si->memmap_paddr, 0);
	CU_ASSERT_EQUAL(si->info_size, 0);
}

/* Parse ram as built, with room for 4 modules / 8 map entries. */
static int parse(struct pvf_start_info *si)
{
	struct pvf_start_info_mem m = mem_of(MEM_SIZE);
	int rc;

	*si = si_with(4, 8, 256);
	rc = pvf_start_info_parse(&m, PA(O_SI), si);
	CU_ASSERT_EQUAL(chk.bad, 0);
	if (rc < 0 && rc != -PVF_E2BIG)
		assert_cleared(si);
	return rc;
}

static void check_common(const struct pvf_start_info *si)
{
	CU_ASSERT_EQUAL(si->flags, 0x3);
	CU_ASSERT_EQUAL(si->rsdp_paddr, 0xfe000);
	CU_ASSERT_EQUAL(si->cmdline_paddr, PA(O_CMDLINE));
	CU_ASSERT_EQUAL(si->cmdline_len, 27);
	CU_ASSERT_EQUAL(si->nr_modules, 2);
	CU_ASSERT_EQUAL(si->modlist_paddr, PA(O_MODLIST));
	CU_ASSERT_EQUAL(mods[0].paddr, PA(O_MOD0));
	CU_ASSERT_EQUAL(mods[0].size, 0x800);
	CU_ASSERT_EQUAL(mods[0].cmdline_paddr, PA(O_MCMD0));
	CU_ASSERT_EQUAL(mods[0].cmdline_len, 6);
	CU_ASSERT_EQUAL(mods[1].paddr, PA(O_MOD1));
	CU_ASSERT_EQUAL(mods[1].size, MEM_SIZE - O_MOD1);
	CU_ASSERT_EQUAL(mods[1].cmdline_paddr, 0);
	CU_ASSERT_EQUAL(mods[1].cmdline_len, 0);
}

static void test_valid_v0(void)
{
	struct pvf_start_info si;

	build(0);
	/* Bytes after the 40-byte v0 block look like a memory map: ignored. */
	put64(SI_FIELD(memmap_paddr), PA(O_MEMMAP));
	put32(SI_FIELD(memmap_entries), 3);
	CU_ASSERT_EQUAL(parse(&si), 0);
	CU_ASSERT_EQUAL(si.version, 0);
	CU_ASSERT_EQUAL(si.info_size, 40);
	check_common(&si);
	CU_ASSERT_EQUAL(si.nr_memmap, 0);
	CU_ASSERT_EQUAL(si.memmap_paddr, 0);
	CU_ASSERT_EQUAL(map[0].size, 0);
}

/* A v0 block in the last 40 bytes of memory: only 40 bytes are read. */
static void test_v0_at_end_of_memory(void)
{
	struct pvf_start_info si;
	struct pvf_start_info_mem m;
	uint8_t v0[40];

	build(0);
	memcpy(v0, ram + O_SI, sizeof(v0));
	memcpy(ram + MEM_SIZE - 40, v0, sizeof(v0));
	m = mem_of(MEM_SIZE);
	si = si_with(4, 8, 256);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(MEM_SIZE - 40), &si), 0);
	CU_ASSERT_EQUAL(chk.bad, 0);
	CU_ASSERT_EQUAL(si.info_size, 40);
	CU_ASSERT_EQUAL(si.nr_modules, 2);

	/* The same bytes marked version 1 need 16 more: out of range. */
	put32(MEM_SIZE - 40 + 4, 1);
	si = si_with(4, 8, 256);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(MEM_SIZE - 40), &si), -PVF_ERANGE);
	CU_ASSERT_EQUAL(chk.bad, 0);
	assert_cleared(&si);
	/* A block that starts past the end, or before the base. */
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(MEM_SIZE), &si), -PVF_ERANGE);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, MEM_BASE - 8, &si), -PVF_ERANGE);
	CU_ASSERT_EQUAL(chk.bad, 0);
}

static void test_valid_v1(void)
{
	struct pvf_start_info si;

	build(1);
	CU_ASSERT_EQUAL(parse(&si), 0);
	CU_ASSERT_EQUAL(si.version, 1);
	CU_ASSERT_EQUAL(si.info_size, 56);
	check_common(&si);
	CU_ASSERT_EQUAL(si.nr_memmap, 3);
	CU_ASSERT_EQUAL(si.memmap_paddr, PA(O_MEMMAP));
	CU_ASSERT_EQUAL(map[0].addr, 0);
	CU_ASSERT_EQUAL(map[0].size, 0xa0000);
	CU_ASSERT_EQUAL(map[0].type, XEN_HVM_MEMMAP_TYPE_RAM);
	CU_ASSERT_EQUAL(map[1].addr, 0xfc000000);
	CU_ASSERT_EQUAL(map[1].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
	/* A map entry beyond the readable range is fine (it describes
	 * memory, it is not read), and an unknown type is reported as-is. */
	CU_ASSERT_EQUAL(map[2].addr, 0x100000000ull);
	CU_ASSERT_EQUAL(map[2].size, 0x40000000);
	CU_ASSERT_EQUAL(map[2].type, 0x1234);
}

static void test_v1_memmap_entries_zero(void)
{
	struct pvf_start_info si;

	build(1);
	put32(SI_FIELD(memmap_entries), 0);
	put64(SI_FIELD(memmap_paddr), 0xdeadbeefdeadull); /* ignored */
	CU_ASSERT_EQUAL(parse(&si), 0);
	CU_ASSERT_EQUAL(si.nr_memmap, 0);
	CU_ASSERT_EQUAL(si.memmap_paddr, 0);
	/* Entries counted, address 0: malformed. */
	build(1);
	put64(SI_FIELD(memmap_paddr), 0);
	CU_ASSERT_EQUAL(parse(&si), -PVF_EPROTO);
}

static void test_wrong_magic(void)
{
	struct pvf_start_info si;

	build(1);
	put32(SI_FIELD(magic), XEN_HVM_START_MAGIC_VALUE ^ 0x80);
	CU_ASSERT_EQUAL(parse(&si), -PVF_EINVAL);
	build(1);
	put32(SI_FIELD(magic), 0);
	CU_ASSERT_EQUAL(parse(&si), -PVF_EINVAL);
	/* Only the block was read: one call. */
	CU_ASSERT_EQUAL(chk.calls, 1);
}

static void test_version2_trailing_fields(void)
{
	struct pvf_start_info si;

	build(2);
	/* Fields a version 2 might append after the 56 v1 bytes. */
	put64(O_SI + 56, 0x1122334455667788ull);
	put64(O_SI + 64, 0xffffffffffffffffull);
	put32(SI_FIELD(reserved), 0x77); /* reserved: ignored */
	CU_ASSERT_EQUAL(parse(&si), 0);
	CU_ASSERT_EQUAL(si.version, 2);
	CU_ASSERT_EQUAL(si.info_size, 56);
	check_common(&si);
	CU_ASSERT_EQUAL(si.nr_memmap, 3);
	CU_ASSERT_EQUAL(map[2].type, 0x1234);

	build(0xffffffffu);
	CU_ASSERT_EQUAL(parse(&si), 0);
	CU_ASSERT_EQUAL(si.version, 0xffffffffu);
	CU_ASSERT_EQUAL(si.nr_memmap, 3);
}

static void test_modules_past_end_of_memory(void)
{
	struct pvf_start_info si;

	/* Module payload one byte too long. */
	build(1);
	put64(O_MODLIST + 40, MEM_SIZE - O_MOD1 + 1);
	CU_ASSERT_EQUAL(parse(&si), -PVF_ERANGE);
	/* Module payload entirely beyond. */
	build(1);
	put64(O_MODLIST + 32, PA(MEM_SIZE) + 0x1000);
	put64(O_MODLIST + 40, 0x10);
	CU_ASSERT_EQUAL(parse(&si), -PVF_ERANGE);
	/* Module below the base. */
	build(1);
	put64(O_MODLIST + 0, MEM_BASE - 0x1000);
	CU_ASSERT_EQUAL(parse(&si), -PVF_ERANGE);
	/* The module list itself runs past the end (2 entries, 32 bytes left). */
	build(1);
	memcpy(ram + MEM_SIZE - 32, ram + O_MODLIST, 32);
	put64(SI_FIELD(modlist_paddr), PA(MEM_SIZE - 32));
	CU_ASSERT_EQUAL(parse(&si), -PVF_ERANGE);
	/* The memory map runs past the end. */
	build(1);
	put64(SI_FIELD(memmap_paddr), PA(MEM_SIZE - 48));
	CU_ASSERT_EQUAL(parse(&si), -PVF_ERANGE);
	/* A module at address 0 is malformed ("0 means absent"). */
	build(1);
	put64(O_MODLIST + 0, 0);
	CU_ASSERT_EQUAL(parse(&si), -PVF_EPROTO);
	/* An empty module at the very end is fine. */
	build(1);
	put64(O_MODLIST + 32, PA(MEM_SIZE));
	put64(O_MODLIST + 40, 0);
	CU_ASSERT_EQUAL(parse(&si), 0);
	CU_ASSERT_EQUAL(mods[1].size, 0);
}

static void test_wrap_at_2_64(void)
{
	struct pvf_start_info si;

	/* Module: address + size wraps. */
	build(1);
	put64(O_MODLIST + 0, 0xfffffffffffff000ull);
	put64(O_MODLIST + 8, 0x2000);
	CU_ASSERT_EQUAL(parse(&si), -PVF_EPROTO);
	/* Module inside memory whose size wraps back around to it. */
	build(1);
	put64(O_MODLIST + 8, 0ull - (PA(O_MOD0) - 0x10));
	CU_ASSERT_EQUAL(parse(&si), -PVF_EPROTO);
	/* Module list address near 2^64: count * 32 wraps. */
	build(1);
	put64(SI_FIELD(modlist_paddr), 0xffffffffffffffe0ull);
	CU_ASSERT_EQUAL(parse(&si), -PVF_EPROTO);
	/* Memory map address near 2^64. */
	build(1);
	put64(SI_FIELD(memmap_paddr), 0xfffffffffffffff0ull);
	CU_ASSERT_EQUAL(parse(&si), -PVF_EPROTO);
	/* A map entry that wraps. */
	build(1);
	put64(O_MEMMAP + 48, 0xffffffff00000000ull);
	put64(O_MEMMAP + 56, 0x100000001ull);
	CU_ASSERT_EQUAL(parse(&si), -PVF_EPROTO);
	/* A map entry ending exactly at 2^64 does not wrap. */
	build(1);
	put64(O_MEMMAP + 48, 0xffffffff00000000ull);
	put64(O_MEMMAP + 56, 0x100000000ull);
	CU_ASSERT_EQUAL(parse(&si), 0);
	CU_ASSERT_EQUAL(map[2].size, 0x100000000ull);
	/* A command line near 2^64: the scan must stop, not wrap to 0. */
	build(1);
	put64(SI_FIELD(cmdline_paddr), 0xfffffffffffffff0ull);
	CU_ASSERT_EQUAL(parse(&si), -PVF_ERANGE);
}

/* Readable memory reaching up to 2^64, with a string at its very end. */
static void test_memory_up_to_2_64(void)
{
	static uint8_t top[256];
	struct pvf_start_info_mem m;
	struct pvf_start_info si;
	uint64_t base = 0ull - sizeof(top);

	memset(top, 'x', sizeof(top));
	CU_ASSERT_EQUAL_FATAL(pvf_start_info_mem_buffer(&m, top, base, sizeof(top)), 0);
	/* Block at base, cmdline in the last 16 bytes without a NUL. */
	top[0] = 0x78; top[1] = 0xc5; top[2] = 0x6e; top[3] = 0x33; /* magic LE */
	memset(top + 4, 0, 36);
	for (int i = 0; i < 8; i++)
		top[24 + i] = (uint8_t)((base + sizeof(top) - 16) >> (8 * i));
	si = si_with(0, 0, 4096);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, base, &si), -PVF_ERANGE);
	top[sizeof(top) - 1] = 0;
	si = si_with(0, 0, 4096);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, base, &si), 0);
	CU_ASSERT_EQUAL(si.cmdline_len, 15);
	/* A description that wraps is refused. */
	m.size = sizeof(top) + 1;
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, base, &si), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_start_info_mem_buffer(&m, top, base, sizeof(top) + 1), -PVF_EINVAL);
}

static void test_cmdline_without_nul(void)
{
	struct pvf_start_info_mem m;
	struct pvf_start_info si;

	/* Kernel command line of 27 chars: bound 28 fits the NUL, 27 not. */
	build(1);
	m = mem_of(MEM_SIZE);
	si = si_with(4, 8, 28);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), 0);
	CU_ASSERT_EQUAL(si.cmdline_len, 27);
	si = si_with(4, 8, 27);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_EOVERFLOW);
	assert_cleared(&si);
	/* A long string (several chunks) without NUL within a large bound. */
	memset(ram + O_CMDLINE, 'a', 0xf0);
	si = si_with(4, 8, 200);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_EOVERFLOW);
	ram[O_CMDLINE + 199] = 0;
	si = si_with(4, 8, 200);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), 0);
	CU_ASSERT_EQUAL(si.cmdline_len, 199);
	CU_ASSERT_EQUAL(chk.bad, 0);

	/* Module command line without NUL. */
	build(1);
	memset(ram + O_MCMD0, 'b', 0x80);
	si = si_with(4, 8, 100);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_EOVERFLOW);

	/* A command line that runs into the end of memory before the bound. */
	build(1);
	memset(ram + MEM_SIZE - 10, 'c', 10);
	put64(SI_FIELD(cmdline_paddr), PA(MEM_SIZE - 10));
	si = si_with(4, 8, 4096);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_ERANGE);
	/* ... and the same string ending at the last byte is fine. */
	ram[MEM_SIZE - 1] = 0;
	si = si_with(4, 8, 4096);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), 0);
	CU_ASSERT_EQUAL(si.cmdline_len, 9);
	/* A command line entirely outside memory. */
	put64(SI_FIELD(cmdline_paddr), PA(MEM_SIZE) + 100);
	si = si_with(4, 8, 4096);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_ERANGE);
	CU_ASSERT_EQUAL(chk.bad, 0);
}

static void test_no_modules_no_cmdline(void)
{
	struct pvf_start_info si;

	build(0);
	put32(SI_FIELD(nr_modules), 0);
	put64(SI_FIELD(modlist_paddr), 0);
	put64(SI_FIELD(cmdline_paddr), 0);
	put64(SI_FIELD(rsdp_paddr), 0);
	CU_ASSERT_EQUAL(parse(&si), 0);
	CU_ASSERT_EQUAL(si.nr_modules, 0);
	CU_ASSERT_EQUAL(si.modlist_paddr, 0);
	CU_ASSERT_EQUAL(si.cmdline_paddr, 0);
	CU_ASSERT_EQUAL(si.cmdline_len, 0);
	CU_ASSERT_EQUAL(si.rsdp_paddr, 0);
	CU_ASSERT_EQUAL(si.nr_memmap, 0);
	/* No arrays at all is fine when nothing is listed. */
	{
		struct pvf_start_info_mem m = mem_of(MEM_SIZE);

		si = si_with(0, 0, 1);
		CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), 0);
	}
	/* Modules counted, list address 0: malformed. */
	build(0);
	put64(SI_FIELD(modlist_paddr), 0);
	CU_ASSERT_EQUAL(parse(&si), -PVF_EPROTO);
	/* No modules, junk list address: ignored, reported as 0. */
	build(0);
	put32(SI_FIELD(nr_modules), 0);
	put64(SI_FIELD(modlist_paddr), 0xffffffffffffffffull);
	CU_ASSERT_EQUAL(parse(&si), 0);
	CU_ASSERT_EQUAL(si.modlist_paddr, 0);
}

static void test_too_many_modules(void)
{
	struct pvf_start_info_mem m;
	struct pvf_start_info si;

	build(1);
	m = mem_of(MEM_SIZE);
	si = si_with(1, 8, 256);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_E2BIG);
	CU_ASSERT_EQUAL(si.nr_modules, 2);   /* what the block declares */
	CU_ASSERT_EQUAL(si.nr_memmap, 3);
	CU_ASSERT_EQUAL(si.version, 1);
	CU_ASSERT_EQUAL(si.flags, 0x3);
	CU_ASSERT_EQUAL(si.cmdline_paddr, 0);
	CU_ASSERT_EQUAL(si.info_size, 0);
	CU_ASSERT_EQUAL(mods[1].paddr, 0);   /* nothing written past room */
	/* Memory map too large for the array. */
	si = si_with(4, 2, 256);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_E2BIG);
	CU_ASSERT_EQUAL(si.nr_memmap, 3);
	/* A huge count is refused before anything is read from the list. */
	put32(SI_FIELD(nr_modules), 0xffffffffu);
	si = si_with(4, 8, 256);
	chk.calls = 0;
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_E2BIG);
	CU_ASSERT_EQUAL(si.nr_modules, 0xffffffffu);
	CU_ASSERT_EQUAL(chk.calls, 2);       /* the block's two parts only */
	/* Retry with enough room. */
	build(1);
	si = si_with(2, 3, 256);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), 0);
	CU_ASSERT_EQUAL(si.nr_modules, 2);
	CU_ASSERT_EQUAL(si.nr_memmap, 3);
}

static void test_bad_arguments(void)
{
	struct pvf_start_info_mem m;
	struct pvf_start_info si;

	build(1);
	m = mem_of(MEM_SIZE);
	si = si_with(4, 8, 256);
	CU_ASSERT_EQUAL(pvf_start_info_parse(NULL, PA(O_SI), &si), -PVF_EINVAL);
	assert_cleared(&si);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), NULL), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, 0, &si), -PVF_EINVAL);
	si = si_with(4, 8, 0);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_EINVAL);
	si = si_with(4, 8, 256);
	si.modules = NULL;
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_EINVAL);
	si = si_with(4, 8, 256);
	si.memmap = NULL;
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_EINVAL);
	si = si_with(4, 8, 256);
	m.read = NULL;
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_EINVAL);
	CU_ASSERT_EQUAL(chk.calls, 0);
	CU_ASSERT_EQUAL(pvf_start_info_mem_buffer(NULL, ram, 0, 1), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_start_info_mem_buffer(&m, NULL, 0x1000, 1), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_start_info_mem_buffer(&m, NULL, 0x1000, 0), 0);
	/* An empty memory: nothing readable. */
	si = si_with(4, 8, 256);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, 0x1000, &si), -PVF_ERANGE);
}

static void test_accessor_errors_pass_through(void)
{
	struct pvf_start_info_mem m;
	struct pvf_start_info si;
	int n;

	build(1);
	/* Count the reads of a good parse, then fail each one in turn. */
	m = mem_of(MEM_SIZE);
	si = si_with(4, 8, 256);
	CU_ASSERT_EQUAL_FATAL(pvf_start_info_parse(&m, PA(O_SI), &si), 0);
	n = (int)chk.calls;
	CU_ASSERT(n >= 2 + 2 + 3 + 2);
	for (int i = 1; i <= n; i++) {
		chk.calls = 0;
		chk.fail_at = i;
		chk.fail_rc = (i & 1) ? -PVF_EFAULT : -PVF_EIO;
		si = si_with(4, 8, 256);
		CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), chk.fail_rc);
		assert_cleared(&si);
	}
	/* A positive result from the accessor is an I/O error. */
	chk.calls = 0;
	chk.fail_at = 1;
	chk.fail_rc = 5;
	si = si_with(4, 8, 256);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, PA(O_SI), &si), -PVF_EIO);
	CU_ASSERT_EQUAL(chk.bad, 0);
}

/* The identity-mapped accessor of the header's example: addresses in the
 * block are host addresses here. */
static int id_read(const struct pvf_start_info_mem *m, uint64_t pa, void *dst, size_t len)
{
	(void)m;
	memcpy(dst, (const void *)(uintptr_t)pa, len);
	return 0;
}

static void test_identity_accessor(void)
{
	static uint8_t blk[256];
	struct pvf_start_info_mem m = { id_read, NULL, (uintptr_t)blk, sizeof(blk) };
	struct pvf_start_info si;

	memset(blk, 0, sizeof(blk));
	blk[0] = 0x78; blk[1] = 0xc5; blk[2] = 0x6e; blk[3] = 0x33;
	strcpy((char *)blk + 128, "quiet");
	for (int i = 0; i < 8; i++)
		blk[24 + i] = (uint8_t)((uint64_t)(uintptr_t)(blk + 128) >> (8 * i));
	si = si_with(0, 0, 64);
	CU_ASSERT_EQUAL(pvf_start_info_parse(&m, (uintptr_t)blk, &si), 0);
	CU_ASSERT_EQUAL(si.cmdline_paddr, (uint64_t)(uintptr_t)(blk + 128));
	CU_ASSERT_EQUAL(si.cmdline_len, 5);
	CU_ASSERT_STRING_EQUAL((const char *)(uintptr_t)si.cmdline_paddr, "quiet");
}

/* Seeded random mutations of a valid block: never a read out of range, and
 * every result either success or a documented error. */
static void test_mutations(void)
{
	uint32_t seed = 12345;
	unsigned int ok = 0, err = 0;

	for (int round = 0; round < 4000; round++) {
		struct pvf_start_info_mem m;
		struct pvf_start_info si;
		int rc;

		build((uint32_t)round & 1);
		for (int k = 0; k < 1 + round % 4; k++) {
			uint32_t off, bit;

			seed = seed * 1103515245u + 12345u;
			off = (seed >> 8) % 0x480;           /* block and tables */
			seed = seed * 1103515245u + 12345u;
			bit = (seed >> 16) & 7;
			if (round % 3 == 0)
				ram[off] ^= (uint8_t)(1u << bit);
			else
				ram[off] = (uint8_t)(seed >> 24);
		}
		m = mem_of(MEM_SIZE);
		si = si_with(4, 8, 64);
		rc = pvf_start_info_parse(&m, PA(O_SI), &si);
		CU_ASSERT_EQUAL(chk.bad, 0);
		CU_ASSERT(rc == 0 || rc == -PVF_EINVAL || rc == -PVF_EPROTO ||
			  rc == -PVF_E2BIG || rc == -PVF_ERANGE || rc == -PVF_EOVERFLOW);
		if (rc == 0) {
			ok++;
			CU_ASSERT(si.nr_modules <= 4);
			CU_ASSERT(si.nr_memmap <= 8);
			CU_ASSERT(si.cmdline_len < 64);
		} else {
			err++;
		}
	}
	CU_ASSERT(ok > 0);
	CU_ASSERT(err > 0);
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_valid_v0),
	PVF_TEST(test_v0_at_end_of_memory),
	PVF_TEST(test_valid_v1),
	PVF_TEST(test_v1_memmap_entries_zero),
	PVF_TEST(test_wrong_magic),
	PVF_TEST(test_version2_trailing_fields),
	PVF_TEST(test_modules_past_end_of_memory),
	PVF_TEST(test_wrap_at_2_64),
	PVF_TEST(test_memory_up_to_2_64),
	PVF_TEST(test_cmdline_without_nul),
	PVF_TEST(test_no_modules_no_cmdline),
	PVF_TEST(test_too_many_modules),
	PVF_TEST(test_bad_arguments),
	PVF_TEST(test_accessor_errors_pass_through),
	PVF_TEST(test_identity_accessor),
	PVF_TEST(test_mutations),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("start_info", tests, NULL, NULL);
}
