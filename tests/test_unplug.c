/* SPDX-License-Identifier: BSD-2-Clause */
/* Unplug, guest side: every step of the handshake for protocol versions 0
 * and 1, blacklisting, vetoes, modes, the log channel and re-issue. */
#include <stdio.h>
#include <string.h>
#include <pvfront/unplug.h>
#include "unplug_fixture.h"
#include "cu.h"

static void expect_access(const struct fx *f, size_t i, char dir, uint8_t width, uint16_t port,
			  uint32_t value)
{
	const struct pvf_unplug_emu_access *a = pvf_unplug_emu_trace(f->emu, i);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->dir, dir);
	CU_ASSERT_EQUAL(a->width, width);
	CU_ASSERT_EQUAL(a->port, port);
	CU_ASSERT_EQUAL(a->value, value);
}

/* Version 1: magic, version, product, build, magic, mask, in this order. */
static void test_v1_steps(void)
{
	struct fx f;
	struct pvf_unplug_config c = fx_cfg(PVF_UNPLUG_PRODUCT_LINUX, 4242, PVF_UNPLUG_MODE_ALL,
					    PVF_UNPLUG_PV_ALL);
	struct pvf_unplug_decision d;
	unsigned int k;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 1), 0);
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_ntrace(f.emu), 6);
	expect_access(&f, 0, 'r', 16, 0x10, 0x49d2);
	expect_access(&f, 1, 'r', 8, 0x12, 1);
	expect_access(&f, 2, 'w', 16, 0x12, 3);
	expect_access(&f, 3, 'w', 32, 0x10, 4242);
	expect_access(&f, 4, 'r', 16, 0x10, 0x49d2);
	expect_access(&f, 5, 'w', 16, 0x10, 0xf);
	CU_ASSERT_EQUAL(d.magic, 0x49d2);
	CU_ASSERT_EQUAL(d.magic_after, 0x49d2);
	CU_ASSERT_EQUAL(d.version, 1);
	CU_ASSERT_EQUAL(d.mask_written, 1);
	CU_ASSERT_EQUAL(d.mask, 0xf);
	CU_ASSERT_EQUAL(d.blacklisted, 0);
	for (k = 0; k < PVF_UNPLUG_NCLASSES; k++) {
		CU_ASSERT_EQUAL(d.cls[k].use, PVF_UNPLUG_USE_PV);
		CU_ASSERT_EQUAL(d.cls[k].reason, PVF_UNPLUG_REASON_UNPLUGGED);
	}
	CU_ASSERT_EQUAL(pvf_unplug_outcome(&d), PVF_UNPLUG_OUTCOME_PV);
	CU_ASSERT_STRING_EQUAL(pvf_unplug_emu_last_lookup(f.emu), "/mh/driver-blacklist/linux/4242");
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hda"), 1);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hdc"), 0); /* CD-ROM stays */
	CU_ASSERT_EQUAL(fx_unplugged(&f, "nic0"), 1);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "nvme0"), 1);
	fx_teardown(&f);
}

/* Version 0: straight from the version read to the mask. */
static void test_v0_skips_to_mask(void)
{
	struct fx f;
	struct pvf_unplug_config c = fx_cfg(PVF_UNPLUG_PRODUCT_LINUX, 7, PVF_UNPLUG_MODE_NICS,
					    PVF_UNPLUG_PV_ALL);
	struct pvf_unplug_decision d;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 0), 0);
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_ntrace(f.emu), 3);
	expect_access(&f, 0, 'r', 16, 0x10, 0x49d2);
	expect_access(&f, 1, 'r', 8, 0x12, 0);
	expect_access(&f, 2, 'w', 16, 0x10, 0x2);
	CU_ASSERT_FALSE(fx_traced(&f, 0, 'w', 32, 0x10));
	CU_ASSERT_FALSE(fx_traced(&f, 0, 'w', 16, 0x12));
	CU_ASSERT_EQUAL(d.version, 0);
	CU_ASSERT_EQUAL(d.magic_after, 0);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_NICS].use, PVF_UNPLUG_USE_PV);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_DISKS].use, PVF_UNPLUG_USE_EMULATED);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_DISKS].reason, PVF_UNPLUG_REASON_POLICY);
	CU_ASSERT_EQUAL(pvf_unplug_outcome(&d), PVF_UNPLUG_OUTCOME_PARTIAL);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "nic1"), 1);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hda"), 0);
	fx_teardown(&f);
}

/* ---- a scripted fake device for what the emulator never does ------------ */

struct fake {
	uint16_t magic1, magic2;
	int nreads16;
	int accesses, writes;
	int fail_out32;
};

static int fk_in8(void *c, uint16_t p, uint8_t *v) { struct fake *k = c; (void)p; k->accesses++; *v = 1; return 0; }
static int fk_in16(void *c, uint16_t p, uint16_t *v)
{
	struct fake *k = c;

	(void)p;
	k->accesses++;
	*v = k->nreads16++ ? k->magic2 : k->magic1;
	return 0;
}
static int fk_in32(void *c, uint16_t p, uint32_t *v) { struct fake *k = c; (void)p; k->accesses++; *v = 0; return 0; }
static int fk_out8(void *c, uint16_t p, uint8_t v) { struct fake *k = c; (void)p; (void)v; k->accesses++; k->writes++; return 0; }
static int fk_out16(void *c, uint16_t p, uint16_t v) { struct fake *k = c; (void)p; (void)v; k->accesses++; k->writes++; return 0; }
static int fk_out32(void *c, uint16_t p, uint32_t v)
{
	struct fake *k = c;

	(void)p;
	(void)v;
	k->accesses++;
	k->writes++;
	return k->fail_out32 ? -PVF_EIO : 0;
}

static void fake_platform(struct pvf_platform_ops *ops, struct pvf_platform *p, struct fake *k)
{
	*ops = pvf_platform_nosys_ops;
	ops->in8 = fk_in8;
	ops->in16 = fk_in16;
	ops->in32 = fk_in32;
	ops->out8 = fk_out8;
	ops->out16 = fk_out16;
	ops->out32 = fk_out32;
	ops->log = fx_log;
	p->ops = ops;
	p->ctx = k;
}

/* Wrong magic: one read, nothing written, no logging. */
static void test_wrong_magic(void)
{
	struct pvf_platform_ops ops;
	struct pvf_platform p;
	struct fake k = { .magic1 = 0xffff, .magic2 = 0x49d2 };
	struct pvf_unplug u;
	struct pvf_unplug_config c = fx_cfg(1, 1, PVF_UNPLUG_MODE_ALL, PVF_UNPLUG_PV_ALL);
	struct pvf_unplug_decision d;
	unsigned int i;

	fake_platform(&ops, &p, &k);
	CU_ASSERT_EQUAL(pvf_unplug_init(&u, &p, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&u, &d), 0);
	CU_ASSERT_EQUAL(k.accesses, 1);
	CU_ASSERT_EQUAL(k.writes, 0);
	CU_ASSERT_EQUAL(d.magic, 0xffff);
	CU_ASSERT_EQUAL(d.version, -1);
	CU_ASSERT_EQUAL(d.mask_written, 0);
	CU_ASSERT_EQUAL(d.log_allowed, 0);
	for (i = 0; i < PVF_UNPLUG_NCLASSES; i++) {
		CU_ASSERT_EQUAL(d.cls[i].use, PVF_UNPLUG_USE_EMULATED);
		CU_ASSERT_EQUAL(d.cls[i].reason, PVF_UNPLUG_REASON_NO_MAGIC);
	}
	CU_ASSERT_EQUAL(pvf_unplug_log_write(&u, "x\n", 2), -PVF_ENOTCONN);
	CU_ASSERT_EQUAL(pvf_unplug_log_flush(&u), -PVF_ENOTCONN);
	CU_ASSERT_EQUAL(k.writes, 0);
	CU_ASSERT_EQUAL(pvf_unplug_outcome(&d), PVF_UNPLUG_OUTCOME_EMULATED);
}

/* A second magic that is neither value still refuses the build. */
static void test_changed_magic_is_blacklisting(void)
{
	struct pvf_platform_ops ops;
	struct pvf_platform p;
	struct fake k = { .magic1 = 0x49d2, .magic2 = 0x0000 };
	struct pvf_unplug u;
	struct pvf_unplug_config c = fx_cfg(1, 1, PVF_UNPLUG_MODE_ALL, PVF_UNPLUG_PV_ALL);
	struct pvf_unplug_decision d;

	fake_platform(&ops, &p, &k);
	CU_ASSERT_EQUAL(pvf_unplug_init(&u, &p, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&u, &d), 0);
	CU_ASSERT_EQUAL(d.blacklisted, 1);
	CU_ASSERT_EQUAL(d.mask_written, 0);
	CU_ASSERT_EQUAL(k.writes, 2); /* product and build only */
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_NICS].reason, PVF_UNPLUG_REASON_BLACKLISTED);
}

/* A failing port access: error returned, every class emulated (io-error). */
static void test_port_error(void)
{
	struct pvf_platform_ops ops;
	struct pvf_platform p;
	struct fake k = { .magic1 = 0x49d2, .magic2 = 0x49d2, .fail_out32 = 1 };
	struct pvf_unplug u;
	struct pvf_unplug_config c = fx_cfg(1, 1, PVF_UNPLUG_MODE_ALL, PVF_UNPLUG_PV_ALL);
	struct pvf_unplug_decision d;

	fake_platform(&ops, &p, &k);
	CU_ASSERT_EQUAL(pvf_unplug_init(&u, &p, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&u, &d), -PVF_EIO);
	CU_ASSERT_EQUAL(d.mask_written, 0);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_DISKS].use, PVF_UNPLUG_USE_EMULATED);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_DISKS].reason, PVF_UNPLUG_REASON_IO_ERROR);
	CU_ASSERT_PTR_NOT_NULL(strstr(fx_guest_log, "build write failed"));
}

/* Blacklisted build: mask never written, all emulated, logs still arrive. */
static void test_blacklisted_build(void)
{
	struct fx f;
	struct pvf_unplug_config c = fx_cfg(PVF_UNPLUG_PRODUCT_XENSOURCE_WINDOWS, 1234,
					    PVF_UNPLUG_MODE_ALL, PVF_UNPLUG_PV_ALL);
	struct pvf_unplug_decision d;
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 1), 0);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_add(&f.bl, "xensource-windows/1234"), 0);
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
	CU_ASSERT_EQUAL(d.blacklisted, 1);
	CU_ASSERT_EQUAL(d.magic, 0x49d2);
	CU_ASSERT_EQUAL(d.magic_after, 0xd249);
	CU_ASSERT_EQUAL(d.mask_written, 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_mask_writes(f.emu, NULL), 0);
	CU_ASSERT_FALSE(fx_traced(&f, 0, 'w', 16, 0x10));
	for (i = 0; i < PVF_UNPLUG_NCLASSES; i++) {
		CU_ASSERT_EQUAL(d.cls[i].use, PVF_UNPLUG_USE_EMULATED);
		CU_ASSERT_EQUAL(d.cls[i].reason, PVF_UNPLUG_REASON_BLACKLISTED);
	}
	for (i = 0; i < pvf_unplug_emu_ndevices(f.emu); i++)
		CU_ASSERT_EQUAL(pvf_unplug_emu_device(f.emu, i)->unplugged, 0);
	CU_ASSERT_EQUAL(pvf_unplug_outcome(&d), PVF_UNPLUG_OUTCOME_EMULATED);
	CU_ASSERT_EQUAL(pvf_unplug_logf(&f.u, "blacklisted build %u here\n", 1234u), 28);
	CU_ASSERT_EQUAL_FATAL(pvf_unplug_emu_nlog(f.emu), 1);
	CU_ASSERT_STRING_EQUAL(pvf_unplug_emu_log_line(f.emu, 0), "blacklisted build 1234 here");
	fx_teardown(&f);
}

/* qemu-traditional remembers: the next driver reads 0xd249 at once, makes
 * no other access, stays emulated and may still log. */
static void test_sticky_blacklist_first_read(void)
{
	struct fx f;
	struct pvf_unplug_config c = fx_cfg(PVF_UNPLUG_PRODUCT_XENSOURCE_WINDOWS, 1234,
					    PVF_UNPLUG_MODE_ALL, PVF_UNPLUG_PV_ALL);
	struct pvf_unplug_config c2 = fx_cfg(PVF_UNPLUG_PRODUCT_LINUX, 99, PVF_UNPLUG_MODE_ALL,
					     PVF_UNPLUG_PV_ALL);
	struct pvf_unplug_decision d;
	size_t mark;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 1), 0);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_add(&f.bl, "1/1234"), 0);
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
	CU_ASSERT_EQUAL(d.blacklisted, 1);
	/* a different, clean driver loads next (same device model) */
	mark = pvf_unplug_emu_ntrace(f.emu);
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c2), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_ntrace(f.emu), mark + 1);
	expect_access(&f, mark, 'r', 16, 0x10, 0xd249);
	CU_ASSERT_EQUAL(d.magic, 0xd249);
	CU_ASSERT_EQUAL(d.version, -1);
	CU_ASSERT_EQUAL(d.blacklisted, 1);
	CU_ASSERT_EQUAL(d.log_allowed, 1);
	CU_ASSERT_EQUAL(d.mask_written, 0);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_NVME].reason, PVF_UNPLUG_REASON_BLACKLISTED);
	CU_ASSERT_EQUAL(pvf_unplug_log_write(&f.u, "still here\n", 11), 11);
	CU_ASSERT_EQUAL_FATAL(pvf_unplug_emu_nlog(f.emu), 1);
	CU_ASSERT_STRING_EQUAL(pvf_unplug_emu_log_line(f.emu, 0), "still here");
	/* the device model restarts: the clean driver gets PV */
	pvf_unplug_emu_restart(f.emu);
	CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
	CU_ASSERT_EQUAL(d.blacklisted, 0);
	CU_ASSERT_EQUAL(pvf_unplug_outcome(&d), PVF_UNPLUG_OUTCOME_PV);
	fx_teardown(&f);
}

static int say_yes(void *arg, const char *path)
{
	(void)arg;
	(void)path;
	return 1;
}

/* An unregistered product cannot be blacklisted, even by a lookup that
 * would say yes to anything; a registered one is. */
static void test_unknown_product_not_blacklisted(void)
{
	struct pvf_unplug_emu_config ec = { .profile = PVF_UNPLUG_EMU_QEMU_TRAD, .version = 1,
					    .lookup = say_yes };
	struct pvf_platform_ops ops;
	struct pvf_platform p;
	struct pvf_unplug u;
	struct pvf_unplug_config c = fx_cfg(0x1234, 5, PVF_UNPLUG_MODE_ALL, PVF_UNPLUG_PV_ALL);
	struct pvf_unplug_decision d;
	struct pvf_unplug_emu *e = pvf_unplug_emu_new(&ec);

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	pvf_unplug_emu_fill_ops(&ops);
	ops.log = fx_log;
	p.ops = &ops;
	p.ctx = e;
	CU_ASSERT_EQUAL(pvf_unplug_init(&u, &p, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&u, &d), 0);
	CU_ASSERT_EQUAL(d.blacklisted, 0);
	CU_ASSERT_EQUAL(d.mask_written, 1);
	CU_ASSERT_STRING_EQUAL(pvf_unplug_emu_last_lookup(e), "");
	pvf_unplug_emu_free(e);

	e = pvf_unplug_emu_new(&ec);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	p.ctx = e;
	c.product = PVF_UNPLUG_PRODUCT_EXPERIMENTAL;
	CU_ASSERT_EQUAL(pvf_unplug_init(&u, &p, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&u, &d), 0);
	CU_ASSERT_EQUAL(d.blacklisted, 1);
	CU_ASSERT_STRING_EQUAL(pvf_unplug_emu_last_lookup(e), "/mh/driver-blacklist/experimental/5");
	pvf_unplug_emu_free(e);
}

/* Veto: a class without a working PV frontend stays emulated. */
static void test_veto(void)
{
	struct fx f;
	struct pvf_unplug_config c = fx_cfg(3, 1, PVF_UNPLUG_MODE_ALL, PVF_UNPLUG_PV_NIC);
	struct pvf_unplug_decision d;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_UPSTREAM, 1), 0);
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
	CU_ASSERT_EQUAL(d.mask_requested, 0xf);
	CU_ASSERT_EQUAL(d.mask, PVF_UNPLUG_MASK_NICS);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_DISKS].use, PVF_UNPLUG_USE_EMULATED);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_DISKS].reason, PVF_UNPLUG_REASON_VETOED);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_AUX_IDE].reason, PVF_UNPLUG_REASON_VETOED);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_NVME].reason, PVF_UNPLUG_REASON_VETOED);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_NICS].use, PVF_UNPLUG_USE_PV);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hda"), 0);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hdb"), 0);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "nvme0"), 0);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "nic0"), 1);
	CU_ASSERT_EQUAL(pvf_unplug_outcome(&d), PVF_UNPLUG_OUTCOME_PARTIAL);
	/* disk PV without NVMe PV: NVMe stays emulated on its own */
	c.pv_present = PVF_UNPLUG_PV_DISK;
	pvf_unplug_emu_restart(f.emu);
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
	CU_ASSERT_EQUAL(d.mask, PVF_UNPLUG_MASK_DISKS | PVF_UNPLUG_MASK_AUX_IDE);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hda"), 1);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "nvme0"), 0);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_NVME].reason, PVF_UNPLUG_REASON_VETOED);
	fx_teardown(&f);
}

/* Modes: masks, aux-ide semantics, unnecessary and never write nothing. */
static void test_modes(void)
{
	static const struct {
		enum pvf_unplug_mode mode;
		int written;
		uint16_t mask;
		enum pvf_unplug_use disks, aux, nics;
	} t[] = {
		{ PVF_UNPLUG_MODE_ALL, 1, 0xf, PVF_UNPLUG_USE_PV, PVF_UNPLUG_USE_PV, PVF_UNPLUG_USE_PV },
		{ PVF_UNPLUG_MODE_IDE_DISKS, 1, 0x5, PVF_UNPLUG_USE_PV, PVF_UNPLUG_USE_PV, PVF_UNPLUG_USE_EMULATED },
		{ PVF_UNPLUG_MODE_AUX_IDE_DISKS, 1, 0x4, PVF_UNPLUG_USE_EMULATED, PVF_UNPLUG_USE_PV, PVF_UNPLUG_USE_EMULATED },
		{ PVF_UNPLUG_MODE_NICS, 1, 0x2, PVF_UNPLUG_USE_EMULATED, PVF_UNPLUG_USE_EMULATED, PVF_UNPLUG_USE_PV },
		{ PVF_UNPLUG_MODE_UNNECESSARY, 0, 0, PVF_UNPLUG_USE_BOTH, PVF_UNPLUG_USE_BOTH, PVF_UNPLUG_USE_BOTH },
		{ PVF_UNPLUG_MODE_NEVER, 0, 0, PVF_UNPLUG_USE_EMULATED, PVF_UNPLUG_USE_EMULATED, PVF_UNPLUG_USE_EMULATED },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fx f;
		struct pvf_unplug_config c = fx_cfg(3, 1, t[i].mode, PVF_UNPLUG_PV_ALL);
		struct pvf_unplug_decision d;

		CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 1), 0);
		CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
		CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
		CU_ASSERT_EQUAL(d.mask_written, t[i].written);
		CU_ASSERT_EQUAL(pvf_unplug_emu_mask_writes(f.emu, NULL), (unsigned int)t[i].written);
		if (t[i].written)
			CU_ASSERT_EQUAL(d.mask, t[i].mask);
		CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_DISKS].use, t[i].disks);
		CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_AUX_IDE].use, t[i].aux);
		CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_NICS].use, t[i].nics);
		CU_ASSERT_EQUAL(d.log_allowed, 1);
		fx_teardown(&f);
	}
}

static void test_parse_mode_strict(void)
{
	static const char *const good[] = { "all", "ide-disks", "aux-ide-disks", "nics",
					    "unnecessary", "never" };
	static const char *const bad[] = { "ALL", "all ", "", "nic", "mask", "ide_disks", "never\n" };
	enum pvf_unplug_mode m;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL(pvf_unplug_parse_mode(good[i], &m), 0);
		CU_ASSERT_EQUAL(m, (enum pvf_unplug_mode)i);
		CU_ASSERT_STRING_EQUAL(pvf_unplug_mode_name(m), good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(pvf_unplug_parse_mode(bad[i], &m), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_unplug_parse_mode(NULL, &m), -PVF_EINVAL);
}

static void test_init_rejects(void)
{
	struct fx f;
	struct pvf_unplug_config c = fx_cfg(3, 1, PVF_UNPLUG_MODE_MASK, PVF_UNPLUG_PV_ALL);
	struct pvf_platform bad = { NULL, NULL };

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 1), 0);
	c.mask = 0x10;
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), -PVF_EINVAL);
	c.mask = 0x3;
	c.pv_present = 0x4;
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), -PVF_EINVAL);
	c.pv_present = PVF_UNPLUG_PV_ALL;
	c.mode = PVF_UNPLUG_NMODES;
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), -PVF_EINVAL);
	c.mode = PVF_UNPLUG_MODE_MASK;
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &bad, &c), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(NULL, NULL), -PVF_EINVAL);
	CU_ASSERT_EQUAL(pvf_unplug_emu_ntrace(f.emu), 0); /* init touches no port */
	fx_teardown(&f);
}

/* Explicit masks: bit 0 with bit 2 (bit 0 wins), NVMe alone. */
static void test_mask_combinations(void)
{
	struct fx f;
	struct pvf_unplug_config c = fx_cfg(3, 1, PVF_UNPLUG_MODE_MASK, PVF_UNPLUG_PV_ALL);
	struct pvf_unplug_decision d;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 1), 0);
	c.mask = PVF_UNPLUG_MASK_DISKS | PVF_UNPLUG_MASK_AUX_IDE;
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
	CU_ASSERT_EQUAL(d.mask, 0x5);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hda"), 1); /* bit 0 wins over bit 2 */
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hdb"), 1);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "sda"), 1);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hdc"), 0);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "nvme0"), 0);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_DISKS].use, PVF_UNPLUG_USE_PV);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_AUX_IDE].use, PVF_UNPLUG_USE_PV);

	pvf_unplug_emu_restart(f.emu);
	c.mask = PVF_UNPLUG_MASK_NVME;
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
	CU_ASSERT_EQUAL(d.mask, 0x8);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "nvme0"), 1);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hda"), 0);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "nic0"), 0);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_NVME].use, PVF_UNPLUG_USE_PV);
	CU_ASSERT_EQUAL(d.cls[PVF_UNPLUG_CLASS_DISKS].reason, PVF_UNPLUG_REASON_POLICY);
	fx_teardown(&f);
}

/* Log channel: never before the magic; a line goes out byte by byte on 8-bit
 * 0x12 only when a newline completes it; long lines are split. */
static void test_log_channel(void)
{
	struct fx f;
	struct pvf_unplug_config c = fx_cfg(3, 1, PVF_UNPLUG_MODE_NEVER, 0);
	struct pvf_unplug_decision d;
	char longline[300];
	size_t mark, i;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_UPSTREAM, 1), 0);
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_log_write(&f.u, "early\n", 6), -PVF_ENOTCONN);
	CU_ASSERT_EQUAL(pvf_unplug_emu_ntrace(f.emu), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
	mark = pvf_unplug_emu_ntrace(f.emu);
	CU_ASSERT_EQUAL(pvf_unplug_log_write(&f.u, "hel", 3), 3);
	CU_ASSERT_EQUAL(pvf_unplug_emu_ntrace(f.emu), mark); /* buffered */
	CU_ASSERT_EQUAL(pvf_unplug_log_write(&f.u, "lo\nwor", 6), 6);
	CU_ASSERT_EQUAL(pvf_unplug_emu_ntrace(f.emu), mark + 6);
	for (i = mark; i < mark + 6; i++) {
		const struct pvf_unplug_emu_access *a = pvf_unplug_emu_trace(f.emu, i);

		CU_ASSERT_EQUAL(a->dir, 'w');
		CU_ASSERT_EQUAL(a->width, 8);
		CU_ASSERT_EQUAL(a->port, 0x12);
		CU_ASSERT_EQUAL(a->value, (uint32_t)(unsigned char)"hello\n"[i - mark]);
	}
	CU_ASSERT_EQUAL(pvf_unplug_log_flush(&f.u), 0);
	CU_ASSERT_EQUAL(pvf_unplug_log_flush(&f.u), 0);
	CU_ASSERT_EQUAL_FATAL(pvf_unplug_emu_nlog(f.emu), 2);
	CU_ASSERT_STRING_EQUAL(pvf_unplug_emu_log_line(f.emu, 0), "hello");
	CU_ASSERT_STRING_EQUAL(pvf_unplug_emu_log_line(f.emu, 1), "wor");
	memset(longline, 'a', sizeof(longline));
	longline[sizeof(longline) - 1] = '\n';
	CU_ASSERT_EQUAL(pvf_unplug_log_write(&f.u, longline, sizeof(longline)), (int)sizeof(longline));
	/* 299 'a's: 127 + 127 + 45 */
	CU_ASSERT_EQUAL_FATAL(pvf_unplug_emu_nlog(f.emu), 5);
	CU_ASSERT_EQUAL(strlen(pvf_unplug_emu_log_line(f.emu, 2)), PVF_UNPLUG_LOG_LINE_MAX - 1);
	CU_ASSERT_EQUAL(strlen(pvf_unplug_emu_log_line(f.emu, 3)), PVF_UNPLUG_LOG_LINE_MAX - 1);
	CU_ASSERT_EQUAL(strlen(pvf_unplug_emu_log_line(f.emu, 4)), 299 - 2 * (PVF_UNPLUG_LOG_LINE_MAX - 1));
	CU_ASSERT_EQUAL(pvf_unplug_log_write(NULL, "x", 1), -PVF_EINVAL);
	fx_teardown(&f);
}

/* Re-issue after resume: the device model came back with everything
 * plugged; one call redoes handshake and mask. */
static void test_reissue_after_resume(void)
{
	struct fx f;
	struct pvf_unplug_config c = fx_cfg(PVF_UNPLUG_PRODUCT_XENSERVER_V72, 77,
					    PVF_UNPLUG_MODE_ALL, PVF_UNPLUG_PV_DISK | PVF_UNPLUG_PV_NIC);
	struct pvf_unplug_decision d, d2;
	size_t mark;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 1), 0);
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_reissue(&f.u, &d), 0); /* first call = run */
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hda"), 1);
	pvf_unplug_emu_restart(f.emu);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hda"), 0);
	mark = pvf_unplug_emu_ntrace(f.emu);
	CU_ASSERT_EQUAL(pvf_unplug_reissue(&f.u, &d2), 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_ntrace(f.emu), mark + 6);
	CU_ASSERT(fx_traced(&f, mark, 'w', 32, 0x10));
	CU_ASSERT_EQUAL(pvf_unplug_emu_trace(f.emu, mark + 3)->value, 77);
	CU_ASSERT_EQUAL(d2.mask, d.mask);
	CU_ASSERT_EQUAL(d2.mask, 0x7);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hda"), 1);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "nic0"), 1);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "nvme0"), 0);
	/* migrated to a host that blacklists this build: the call says so */
	pvf_unplug_emu_restart(f.emu);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_add(&f.bl, "xenserver-windows-v7.2+/77"), 0);
	CU_ASSERT_EQUAL(pvf_unplug_reissue(&f.u, &d2), 3);
	CU_ASSERT_EQUAL(d2.blacklisted, 1);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hda"), 0);
	fx_teardown(&f);
}

/* An unknown newer version is spoken as version 1. */
static void test_version_above_one(void)
{
	struct fx f;
	struct pvf_unplug_config c = fx_cfg(3, 9, PVF_UNPLUG_MODE_NICS, PVF_UNPLUG_PV_ALL);
	struct pvf_unplug_decision d;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 2), 0);
	CU_ASSERT_EQUAL(pvf_unplug_init(&f.u, &f.plat, &c), 0);
	CU_ASSERT_EQUAL(pvf_unplug_run(&f.u, &d), 0);
	CU_ASSERT_EQUAL(d.version, 2);
	CU_ASSERT(fx_traced(&f, 0, 'w', 32, 0x10));
	CU_ASSERT_EQUAL(d.mask, 0x2);
	CU_ASSERT_PTR_NOT_NULL(strstr(fx_guest_log, "version 2"));
	fx_teardown(&f);
}

/* The product shorthands agree with <xen/hvm/pvdrivers.h>. */
static void test_products(void)
{
	uint16_t n = 0;

	CU_ASSERT_STRING_EQUAL(pvf_unplug_product_name(PVF_UNPLUG_PRODUCT_XENSOURCE_WINDOWS), "xensource-windows");
	CU_ASSERT_STRING_EQUAL(pvf_unplug_product_name(PVF_UNPLUG_PRODUCT_GPLPV_WINDOWS), "gplpv-windows");
	CU_ASSERT_STRING_EQUAL(pvf_unplug_product_name(PVF_UNPLUG_PRODUCT_LINUX), "linux");
	CU_ASSERT_STRING_EQUAL(pvf_unplug_product_name(PVF_UNPLUG_PRODUCT_XENSERVER_V70), "xenserver-windows-v7.0+");
	CU_ASSERT_STRING_EQUAL(pvf_unplug_product_name(PVF_UNPLUG_PRODUCT_XENSERVER_V72), "xenserver-windows-v7.2+");
	CU_ASSERT_STRING_EQUAL(pvf_unplug_product_name(PVF_UNPLUG_PRODUCT_EXPERIMENTAL), "experimental");
	CU_ASSERT_PTR_NULL(pvf_unplug_product_name(0));
	CU_ASSERT_PTR_NULL(pvf_unplug_product_name(6));
	CU_ASSERT_EQUAL(pvf_unplug_product_lookup("gplpv-windows", &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(pvf_unplug_product_lookup("windows", &n), -PVF_ENOENT);
	CU_ASSERT_STRING_EQUAL(pvf_unplug_reason_name(PVF_UNPLUG_REASON_VETOED), "vetoed");
	CU_ASSERT_STRING_EQUAL(pvf_unplug_class_name(PVF_UNPLUG_CLASS_NVME), "nvme");
	CU_ASSERT_STRING_EQUAL(pvf_unplug_outcome_name(PVF_UNPLUG_OUTCOME_PARTIAL), "partial");
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_v1_steps),
	PVF_TEST(test_v0_skips_to_mask),
	PVF_TEST(test_wrong_magic),
	PVF_TEST(test_changed_magic_is_blacklisting),
	PVF_TEST(test_port_error),
	PVF_TEST(test_blacklisted_build),
	PVF_TEST(test_sticky_blacklist_first_read),
	PVF_TEST(test_unknown_product_not_blacklisted),
	PVF_TEST(test_veto),
	PVF_TEST(test_modes),
	PVF_TEST(test_parse_mode_strict),
	PVF_TEST(test_init_rejects),
	PVF_TEST(test_mask_combinations),
	PVF_TEST(test_log_channel),
	PVF_TEST(test_reissue_after_resume),
	PVF_TEST(test_version_above_one),
	PVF_TEST(test_products),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("unplug", tests, NULL, NULL);
}
