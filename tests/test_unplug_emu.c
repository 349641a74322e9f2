/* SPDX-License-Identifier: BSD-2-Clause */
/* Unplug, device-model side: the platform device emulator's width rules,
 * latch, blacklist sources, profiles, unplug record and log rate limit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pvfront/unplug.h>
#include "unplug_fixture.h"
#include "cu.h"

static int has_event(const struct fx *f, const char *needle)
{
	size_t i;

	for (i = 0; i < pvf_unplug_emu_nevents(f->emu); i++)
		if (strstr(pvf_unplug_emu_event(f->emu, i), needle))
			return 1;
	return 0;
}

/* An 8-bit write to 0x10 changes the platform flags, never the mask. */
static void test_8bit_write_is_flags(void)
{
	struct fx f;
	uint8_t b = 0xaa;
	size_t i;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 1), 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_out8(f.emu, 0x10, 0x0f), 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_flags(f.emu), 0x0f);
	CU_ASSERT_EQUAL(pvf_unplug_emu_mask_writes(f.emu, NULL), 0);
	for (i = 0; i < pvf_unplug_emu_ndevices(f.emu); i++)
		CU_ASSERT_EQUAL(pvf_unplug_emu_device(f.emu, i)->unplugged, 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_in8(f.emu, 0x10, &b), 0);
	CU_ASSERT_EQUAL(b, 0x0f);
	CU_ASSERT(has_event(&f, "ROM lock on"));
	/* the 16-bit write is the mask and leaves the flags alone */
	CU_ASSERT_EQUAL(pvf_unplug_emu_out16(f.emu, 0x10, 0x2), 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_flags(f.emu), 0x0f);
	CU_ASSERT_EQUAL(pvf_unplug_emu_mask_writes(f.emu, NULL), 1);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "nic0"), 1);
	fx_teardown(&f);
}

/* Reads by width; undecoded widths read as ones and are noted. */
static void test_width_decode(void)
{
	struct fx f;
	uint8_t b;
	uint16_t w;
	uint32_t l;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_UPSTREAM, 1), 0);
	pvf_unplug_emu_in16(f.emu, 0x10, &w);
	CU_ASSERT_EQUAL(w, 0x49d2);
	pvf_unplug_emu_in8(f.emu, 0x12, &b);
	CU_ASSERT_EQUAL(b, 1);
	pvf_unplug_emu_in32(f.emu, 0x10, &l);
	CU_ASSERT_EQUAL(l, 0xffffffffu);
	pvf_unplug_emu_in16(f.emu, 0x12, &w);
	CU_ASSERT_EQUAL(w, 0xffff);
	pvf_unplug_emu_out32(f.emu, 0x12, 5);
	CU_ASSERT(has_event(&f, "undecoded 32-bit write of port 0x12"));
	CU_ASSERT_EQUAL(pvf_unplug_emu_ntrace(f.emu), 5);
	CU_ASSERT_EQUAL(pvf_unplug_emu_trace(f.emu, 0)->width, 16);
	CU_ASSERT_EQUAL(pvf_unplug_emu_trace(f.emu, 4)->dir, 'w');
	fx_teardown(&f);
}

/* Build before product: a protocol error, no lookup. */
static void test_build_before_product(void)
{
	struct fx f;
	uint16_t w;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 1), 0);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_add(&f.bl, "linux/5"), 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_protocol_errors(f.emu), 0);
	pvf_unplug_emu_out32(f.emu, 0x10, 5);
	CU_ASSERT_EQUAL(pvf_unplug_emu_protocol_errors(f.emu), 1);
	CU_ASSERT(has_event(&f, "build 5 written before a product number"));
	CU_ASSERT_STRING_EQUAL(pvf_unplug_emu_last_lookup(f.emu), "");
	pvf_unplug_emu_in16(f.emu, 0x10, &w);
	CU_ASSERT_EQUAL(w, 0x49d2);
	/* the right order blacklists */
	pvf_unplug_emu_out16(f.emu, 0x12, 3);
	pvf_unplug_emu_out32(f.emu, 0x10, 5);
	pvf_unplug_emu_in16(f.emu, 0x10, &w);
	CU_ASSERT_EQUAL(w, 0xd249);
	CU_ASSERT_STRING_EQUAL(pvf_unplug_emu_last_lookup(f.emu), "/mh/driver-blacklist/linux/5");
	/* a mask from a blacklisted driver is ignored */
	pvf_unplug_emu_out16(f.emu, 0x10, 0xf);
	CU_ASSERT_EQUAL(fx_unplugged(&f, "hda"), 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_protocol_errors(f.emu), 2);
	fx_teardown(&f);
}

/* Sticky in qemu-traditional, forgotten on restart; upstream never blacklists. */
static void test_profiles(void)
{
	struct fx f;
	uint16_t w;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 1), 0);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_add(&f.bl, "gplpv-windows/10"), 0);
	pvf_unplug_emu_out16(f.emu, 0x12, 2);
	pvf_unplug_emu_out32(f.emu, 0x10, 10);
	CU_ASSERT_EQUAL(pvf_unplug_emu_blacklisted(f.emu), 1);
	pvf_unplug_emu_out32(f.emu, 0x10, 11); /* a clean build: still refused */
	pvf_unplug_emu_in16(f.emu, 0x10, &w);
	CU_ASSERT_EQUAL(w, 0xd249);
	pvf_unplug_emu_restart(f.emu);
	pvf_unplug_emu_in16(f.emu, 0x10, &w);
	CU_ASSERT_EQUAL(w, 0x49d2);
	fx_teardown(&f);

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_UPSTREAM, 1), 0);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_add(&f.bl, "gplpv-windows/10"), 0);
	pvf_unplug_emu_out16(f.emu, 0x12, 2);
	pvf_unplug_emu_out32(f.emu, 0x10, 10);
	pvf_unplug_emu_in16(f.emu, 0x10, &w);
	CU_ASSERT_EQUAL(w, 0x49d2);
	CU_ASSERT_EQUAL(pvf_unplug_emu_blacklisted(f.emu), 0);
	fx_teardown(&f);
}

/* The unplug record for each mask bit. */
static void test_unplug_record(void)
{
	static const struct {
		uint16_t mask;
		const char *gone;    /* devices unplugged, space separated */
	} t[] = {
		{ 0x1, "hda hdb hdd sda" },
		{ 0x4, "hdb hdd" },
		{ 0x5, "hda hdb hdd sda" },
		{ 0x2, "nic0 nic1" },
		{ 0x8, "nvme0" },
		{ 0xf, "hda hdb hdd sda nic0 nic1 nvme0" },
		{ 0x0, "" },
	};
	size_t i, k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fx f;

		CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 1), 0);
		pvf_unplug_emu_out16(f.emu, 0x10, t[i].mask);
		for (k = 0; k < pvf_unplug_emu_ndevices(f.emu); k++) {
			const struct pvf_unplug_emu_device *d = pvf_unplug_emu_device(f.emu, k);
			char pat[32];
			int want;

			snprintf(pat, sizeof(pat), " %s ", d->name);
			{
				char hay[128];

				snprintf(hay, sizeof(hay), " %s ", t[i].gone);
				want = strstr(hay, pat) != NULL;
			}
			CU_ASSERT_EQUAL(d->unplugged, want);
			if (d->unplugged != want)
				printf("mask 0x%x: %s unplugged=%d\n", t[i].mask, d->name, d->unplugged);
		}
		CU_ASSERT_EQUAL(fx_unplugged(&f, "hdc"), 0); /* CD-ROM: never */
		fx_teardown(&f);
	}
}

/* qemu-traditional's token bucket: 128 KiB, then 256 bytes/s. */
static void test_log_throttle(void)
{
	struct fx f;
	size_t i;
	uint64_t dropped;

	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_TRAD, 1), 0);
	for (i = 0; i < PVF_UNPLUG_EMU_BUCKET_BYTES; i++)
		pvf_unplug_emu_out8(f.emu, 0x12, (i % 64 == 63) ? '\n' : 'x');
	CU_ASSERT_EQUAL(pvf_unplug_emu_log_dropped(f.emu), 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_nlog(f.emu), PVF_UNPLUG_EMU_BUCKET_BYTES / 64);
	for (i = 0; i < 100; i++)
		pvf_unplug_emu_out8(f.emu, 0x12, 'y');
	CU_ASSERT_EQUAL(pvf_unplug_emu_log_dropped(f.emu), 100);
	/* half a second: 128 tokens */
	f.now_ns += 500000000ull;
	for (i = 0; i < 200; i++)
		pvf_unplug_emu_out8(f.emu, 0x12, 'z');
	dropped = pvf_unplug_emu_log_dropped(f.emu);
	CU_ASSERT_EQUAL(dropped, 100 + 200 - 128);
	/* an hour later the bucket is full again, not more */
	f.now_ns += 3600ull * 1000000000ull;
	for (i = 0; i < PVF_UNPLUG_EMU_BUCKET_BYTES + 10; i++)
		pvf_unplug_emu_out8(f.emu, 0x12, 'w');
	CU_ASSERT_EQUAL(pvf_unplug_emu_log_dropped(f.emu), dropped + 10);
	fx_teardown(&f);

	/* upstream: no limit, 4096-byte line buffer */
	CU_ASSERT_EQUAL_FATAL(fx_setup(&f, PVF_UNPLUG_EMU_QEMU_UPSTREAM, 1), 0);
	for (i = 0; i < 2 * PVF_UNPLUG_EMU_BUCKET_BYTES; i++)
		pvf_unplug_emu_out8(f.emu, 0x12, 'u');
	CU_ASSERT_EQUAL(pvf_unplug_emu_log_dropped(f.emu), 0);
	CU_ASSERT_EQUAL(pvf_unplug_emu_nlog(f.emu), 2 * PVF_UNPLUG_EMU_BUCKET_BYTES / 4096);
	CU_ASSERT_EQUAL(strlen(pvf_unplug_emu_log_line(f.emu, 0)), 4096);
	fx_teardown(&f);
}

/* Blacklist entries: names or numbers, decimal builds, strict. */
static void test_blacklist_entries(void)
{
	struct pvf_unplug_blacklist bl = { 0 };
	char path[] = "/tmp/pvf-unplug-bl-XXXXXX";
	char err[256];
	FILE *fp;
	int fd;

	CU_ASSERT_EQUAL(pvf_unplug_blacklist_add(&bl, "xensource-windows/1"), 0);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_add(&bl, "0x3/0042"), 0);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_add(&bl, "65535/7"), 0);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_lookup(&bl, "/mh/driver-blacklist/linux/42"), 1);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_lookup(&bl, "/mh/driver-blacklist/experimental/7"), 1);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_lookup(&bl, "/mh/driver-blacklist/linux/43"), 0);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_lookup(&bl, "/other/linux/42"), 0);
	CU_ASSERT(pvf_unplug_blacklist_add(&bl, "unknown-product/1") < 0);
	CU_ASSERT(pvf_unplug_blacklist_add(&bl, "7/1") < 0); /* unregistered number */
	CU_ASSERT(pvf_unplug_blacklist_add(&bl, "linux/") < 0);
	CU_ASSERT(pvf_unplug_blacklist_add(&bl, "linux/-1") < 0);
	CU_ASSERT(pvf_unplug_blacklist_add(&bl, "linux/4294967296") < 0);
	CU_ASSERT(pvf_unplug_blacklist_add(&bl, "/5") < 0);
	CU_ASSERT(pvf_unplug_blacklist_add(&bl, "linux") < 0);
	pvf_unplug_blacklist_clear(&bl);

	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	fp = fdopen(fd, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fprintf(fp, "# blacklisted builds\n\nlinux/5   # bad one\nxenserver-windows-v7.0+/900\nlinux/x\n");
	fclose(fp);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_load(&bl, path, err, sizeof(err)), -22);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":5:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "linux/x"));
	CU_ASSERT_EQUAL(bl.n, 2);
	pvf_unplug_blacklist_clear(&bl);
	fp = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fprintf(fp, "linux/5\r\nxenserver-windows-v7.0+/900");
	fclose(fp);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_load(&bl, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(pvf_unplug_blacklist_lookup(&bl, "/mh/driver-blacklist/xenserver-windows-v7.0+/900"), 1);
	pvf_unplug_blacklist_clear(&bl);
	unlink(path);
	CU_ASSERT(pvf_unplug_blacklist_load(&bl, path, err, sizeof(err)) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_EQUAL(pvf_unplug_xs_lookup(NULL, "/mh"), -22);
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_8bit_write_is_flags),
	PVF_TEST(test_width_decode),
	PVF_TEST(test_build_before_product),
	PVF_TEST(test_profiles),
	PVF_TEST(test_unplug_record),
	PVF_TEST(test_log_throttle),
	PVF_TEST(test_blacklist_entries),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("unplug_emu", tests, NULL, NULL);
}
