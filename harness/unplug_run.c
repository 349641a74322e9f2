/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One unplug policy case against the emulator, and the strict parsers shared
 * by `pvfront unplug` and its matrix mode.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/unplug.h>
#include "unplug_emu.h"
#include "unplug_run.h"

struct guest_ctx {
	struct pvf_unplug_emu *emu;
	char *log;
	size_t loglen, logcap;
};

static int guest_log(void *ctx, enum pvf_log_level level, const char *msg)
{
	struct guest_ctx *g = ctx;
	static const char *const lv[] = { "err", "warn", "info", "debug" };
	int n;

	if (g->loglen >= g->logcap)
		return 0;
	n = snprintf(g->log + g->loglen, g->logcap - g->loglen, "%s: %s\n",
		     (unsigned int)level < 4 ? lv[level] : "?", msg);
	if (n > 0)
		g->loglen += (size_t)n < g->logcap - g->loglen ? (size_t)n : g->logcap - g->loglen - 1;
	return 0;
}

/* The port ops with the guest ctx: forward to the emulator. */
static int g_in8(void *c, uint16_t p, uint8_t *v) { return pvf_unplug_emu_in8(((struct guest_ctx *)c)->emu, p, v); }
static int g_in16(void *c, uint16_t p, uint16_t *v) { return pvf_unplug_emu_in16(((struct guest_ctx *)c)->emu, p, v); }
static int g_in32(void *c, uint16_t p, uint32_t *v) { return pvf_unplug_emu_in32(((struct guest_ctx *)c)->emu, p, v); }
static int g_out8(void *c, uint16_t p, uint8_t v) { return pvf_unplug_emu_out8(((struct guest_ctx *)c)->emu, p, v); }
static int g_out16(void *c, uint16_t p, uint16_t v) { return pvf_unplug_emu_out16(((struct guest_ctx *)c)->emu, p, v); }
static int g_out32(void *c, uint16_t p, uint32_t v) { return pvf_unplug_emu_out32(((struct guest_ctx *)c)->emu, p, v); }

int pvf_unplug_case_run(const struct pvf_unplug_case *c, struct pvf_unplug_case_result *r)
{
	struct pvf_unplug_emu_config ec;
	struct pvf_platform_ops ops = pvf_platform_nosys_ops;
	struct pvf_platform plat;
	struct guest_ctx g;
	struct pvf_unplug u;
	int rc;

	memset(r, 0, sizeof(*r));
	memset(&ec, 0, sizeof(ec));
	ec.profile = c->profile;
	ec.version = c->version;
	ec.lookup = c->lookup;
	ec.lookup_arg = c->lookup_arg;
	r->emu = pvf_unplug_emu_new(&ec);
	if (!r->emu)
		return -ENOMEM;
	memset(&g, 0, sizeof(g));
	g.emu = r->emu;
	g.log = r->guest_log;
	g.logcap = sizeof(r->guest_log);
	ops.in8 = g_in8;
	ops.in16 = g_in16;
	ops.in32 = g_in32;
	ops.out8 = g_out8;
	ops.out16 = g_out16;
	ops.out32 = g_out32;
	ops.log = guest_log;
	plat.ops = &ops;
	plat.ctx = &g;
	rc = pvf_unplug_init(&u, &plat, &c->cfg);
	if (rc) {
		pvf_unplug_emu_free(r->emu);
		r->emu = NULL;
		return -EINVAL;
	}
	r->rc = pvf_unplug_run(&u, &r->d);
	r->outcome = pvf_unplug_outcome(&r->d);
	/* The log channel: allowed after the magic, blacklisted or not. */
	pvf_unplug_logf(&u, "pvfront unplug: product %u build %u: %s\n", c->cfg.product,
			c->cfg.build, pvf_unplug_outcome_name(r->outcome));
	return 0;
}

int pvf_unplug_parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	/* decimal, or hex with 0x (never octal: "0123" is a build number) */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = s[2] ? strtoull(s + 2, &end, 16) : (end = (char *)s, 0);
	else
		v = strtoull(s, &end, 10);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && (s[2] == '-' || s[2] == '+' || s[2] == ' '))
		return -EINVAL;
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int pvf_unplug_parse_product(const char *s, uint16_t *out)
{
	uint32_t v;

	if (!s)
		return -EINVAL;
	if (pvf_unplug_product_lookup(s, out) == 0)
		return 0;
	if (pvf_unplug_parse_u32(s, &v) || v > 0xffff)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int pvf_unplug_parse_pv(const char *s, uint16_t *out)
{
	char buf[128], *tok, *save = NULL;
	uint16_t pv = 0;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	if (!strcmp(s, "none") || !*s) {
		*out = 0;
		return 0;
	}
	if (!strcmp(s, "all")) {
		*out = PVF_UNPLUG_PV_ALL;
		return 0;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",;+", &save); tok; tok = strtok_r(NULL, ",;+", &save)) {
		if (!strcmp(tok, "disk"))
			pv |= PVF_UNPLUG_PV_DISK;
		else if (!strcmp(tok, "nic"))
			pv |= PVF_UNPLUG_PV_NIC;
		else if (!strcmp(tok, "nvme"))
			pv |= PVF_UNPLUG_PV_NVME;
		else
			return -EINVAL;
	}
	*out = pv;
	return 0;
}

int pvf_unplug_parse_profile(const char *s, enum pvf_unplug_emu_profile *out)
{
	if (s && !strcmp(s, "qemu-traditional"))
		*out = PVF_UNPLUG_EMU_QEMU_TRAD;
	else if (s && !strcmp(s, "qemu-upstream"))
		*out = PVF_UNPLUG_EMU_QEMU_UPSTREAM;
	else
		return -EINVAL;
	return 0;
}

int pvf_unplug_parse_outcome(const char *s, enum pvf_unplug_outcome *out)
{
	if (s && !strcmp(s, "pv"))
		*out = PVF_UNPLUG_OUTCOME_PV;
	else if (s && !strcmp(s, "partial"))
		*out = PVF_UNPLUG_OUTCOME_PARTIAL;
	else if (s && !strcmp(s, "emulated"))
		*out = PVF_UNPLUG_OUTCOME_EMULATED;
	else
		return -EINVAL;
	return 0;
}

const char *pvf_unplug_profile_name(enum pvf_unplug_emu_profile p)
{
	return p == PVF_UNPLUG_EMU_QEMU_UPSTREAM ? "qemu-upstream" : "qemu-traditional";
}

const char *pvf_unplug_pv_str(uint16_t pv, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s", (pv & PVF_UNPLUG_PV_DISK) ? "disk," : "",
		 (pv & PVF_UNPLUG_PV_NIC) ? "nic," : "", (pv & PVF_UNPLUG_PV_NVME) ? "nvme," : "",
		 pv ? "" : "none");
	if (pv && buf[0])
		buf[strlen(buf) - 1] = '\0';
	return buf;
}

int pvf_unplug_exit_status(enum pvf_unplug_outcome o)
{
	switch (o) {
	case PVF_UNPLUG_OUTCOME_PV: return PVF_UNPLUG_EXIT_PV;
	case PVF_UNPLUG_OUTCOME_PARTIAL: return PVF_UNPLUG_EXIT_PARTIAL;
	default: return PVF_UNPLUG_EXIT_EMULATED;
	}
}

void pvf_unplug_print_decision(FILE *f, const struct pvf_unplug_decision *d)
{
	unsigned int i;

	fprintf(f, "  magic 0x%04x", d->magic);
	if (d->magic_after)
		fprintf(f, ", magic after build 0x%04x", d->magic_after);
	if (d->version >= 0)
		fprintf(f, ", version %d", d->version);
	else
		fprintf(f, ", version not read");
	if (d->mask_written)
		fprintf(f, ", mask written 0x%04x (requested 0x%04x)\n", d->mask, d->mask_requested);
	else
		fprintf(f, ", mask not written\n");
	for (i = 0; i < PVF_UNPLUG_NCLASSES; i++)
		fprintf(f, "  %-14s %-9s %s\n", pvf_unplug_class_name((enum pvf_unplug_class)i),
			pvf_unplug_use_name(d->cls[i].use), pvf_unplug_reason_name(d->cls[i].reason));
}
