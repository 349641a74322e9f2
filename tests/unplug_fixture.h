/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared fixture of the unplug tests: the platform device emulator plugged
 * into a guest platform (pvf_platform_nosys_ops + the six port functions +
 * a log op that keeps the guest's own log), an injectable clock and a
 * blacklist list.
 */
#ifndef PVF_TESTS_UNPLUG_FIXTURE_H
#define PVF_TESTS_UNPLUG_FIXTURE_H

#include <stdio.h>
#include <string.h>
#include <pvfront/unplug.h>
#include "../harness/unplug_emu.h"

struct fx {
	struct pvf_unplug_emu *emu;
	struct pvf_platform_ops ops;
	struct pvf_platform plat;
	struct pvf_unplug u;
	struct pvf_unplug_blacklist bl;
	uint64_t now_ns;
};

static char fx_guest_log[8192];

static inline int fx_log(void *ctx, enum pvf_log_level level, const char *msg)
{
	size_t l = strlen(fx_guest_log);

	(void)ctx;
	snprintf(fx_guest_log + l, sizeof(fx_guest_log) - l, "%d:%s\n", (int)level, msg);
	return 0;
}

static inline uint64_t fx_clock(void *arg)
{
	return ((struct fx *)arg)->now_ns;
}

/* Build the emulator (profile, version) and the guest platform over it. */
static inline int fx_setup(struct fx *f, enum pvf_unplug_emu_profile profile, uint8_t version)
{
	struct pvf_unplug_emu_config ec;

	memset(f, 0, sizeof(*f));
	fx_guest_log[0] = '\0';
	f->now_ns = 1000000000ull;
	memset(&ec, 0, sizeof(ec));
	ec.profile = profile;
	ec.version = version;
	ec.lookup = pvf_unplug_blacklist_lookup;
	ec.lookup_arg = &f->bl;
	ec.clock = fx_clock;
	ec.clock_arg = f;
	f->emu = pvf_unplug_emu_new(&ec);
	if (!f->emu)
		return -1;
	pvf_unplug_emu_fill_ops(&f->ops);
	f->ops.log = fx_log;
	f->plat.ops = &f->ops;
	f->plat.ctx = f->emu;
	return 0;
}

static inline void fx_teardown(struct fx *f)
{
	pvf_unplug_emu_free(f->emu);
	pvf_unplug_blacklist_clear(&f->bl);
	f->emu = NULL;
}

static inline struct pvf_unplug_config fx_cfg(uint16_t product, uint32_t build,
					      enum pvf_unplug_mode mode, uint16_t pv)
{
	struct pvf_unplug_config c;

	memset(&c, 0, sizeof(c));
	c.product = product;
	c.build = build;
	c.mode = mode;
	c.pv_present = pv;
	return c;
}

/* Whether the trace from index @from on holds an access like this. */
static inline int fx_traced(const struct fx *f, size_t from, char dir, uint8_t width, uint16_t port)
{
	size_t i;

	for (i = from; i < pvf_unplug_emu_ntrace(f->emu); i++) {
		const struct pvf_unplug_emu_access *a = pvf_unplug_emu_trace(f->emu, i);

		if (a->dir == dir && a->width == width && a->port == port)
			return 1;
	}
	return 0;
}

static inline int fx_unplugged(const struct fx *f, const char *name)
{
	const struct pvf_unplug_emu_device *d = pvf_unplug_emu_find(f->emu, name);

	return d ? d->unplugged : -1;
}

#endif /* PVF_TESTS_UNPLUG_FIXTURE_H */
