/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Emulator of the Xen platform device's fixed unplug ports (device-model
 * side, userspace).  See harness/unplug_emu.h and docs/unplug.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pvfront/unplug.h>
#include "unplug_emu.h"

#define EMU_MAX_DEVICES 32u
#define EMU_LINE_MAX PVF_UNPLUG_EMU_UPSTREAM_LINE

struct strlist {
	char **s;
	size_t n, cap;
};

struct pvf_unplug_emu {
	struct pvf_unplug_emu_config cfg;
	struct pvf_unplug_emu_device dev[EMU_MAX_DEVICES];
	size_t ndev;

	/* device state (forgotten on restart) */
	uint8_t flags;
	int blacklisted;
	int have_product;
	uint16_t product;
	uint32_t build;
	unsigned int mask_writes;
	uint16_t last_mask;
	char line[EMU_LINE_MAX + 1];
	size_t line_len;
	uint64_t tokens;
	uint64_t last_refill_ns;

	/* records (kept across restarts) */
	struct pvf_unplug_emu_access *trace;
	size_t ntrace, trace_cap;
	struct strlist logs;
	struct strlist events;
	uint64_t dropped;
	char last_lookup[256];
};

static const struct pvf_unplug_emu_device default_devices[] = {
	{ "hda", PVF_UNPLUG_EMU_IDE_DISK, 0, 0, 0 },
	{ "hdb", PVF_UNPLUG_EMU_IDE_DISK, 0, 1, 0 },
	{ "hdc", PVF_UNPLUG_EMU_IDE_CDROM, 1, 0, 0 },
	{ "hdd", PVF_UNPLUG_EMU_IDE_DISK, 1, 1, 0 },
	{ "sda", PVF_UNPLUG_EMU_SCSI_DISK, -1, -1, 0 },
	{ "nic0", PVF_UNPLUG_EMU_NIC, -1, -1, 0 },
	{ "nic1", PVF_UNPLUG_EMU_NIC, -1, -1, 0 },
	{ "nvme0", PVF_UNPLUG_EMU_NVME, -1, -1, 0 },
};

static void strlist_add(struct strlist *l, const char *s)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **ns = realloc(l->s, cap * sizeof(*ns));

		if (!ns)
			return; /* a record lost to OOM; the emulator keeps going */
		l->s = ns;
		l->cap = cap;
	}
	copy = strdup(s);
	if (copy)
		l->s[l->n++] = copy;
}

static void strlist_free(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->s[i]);
	free(l->s);
	memset(l, 0, sizeof(*l));
}

static void event(struct pvf_unplug_emu *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void event(struct pvf_unplug_emu *e, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	strlist_add(&e->events, buf);
}

static uint64_t now_ns(struct pvf_unplug_emu *e)
{
	struct timespec ts;

	if (e->cfg.clock)
		return e->cfg.clock(e->cfg.clock_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void record(struct pvf_unplug_emu *e, char dir, uint8_t width, uint16_t port, uint32_t v)
{
	if (e->ntrace == e->trace_cap) {
		size_t cap = e->trace_cap ? e->trace_cap * 2 : 64;
		struct pvf_unplug_emu_access *nt = realloc(e->trace, cap * sizeof(*nt));

		if (!nt)
			return;
		e->trace = nt;
		e->trace_cap = cap;
	}
	e->trace[e->ntrace].dir = dir;
	e->trace[e->ntrace].width = width;
	e->trace[e->ntrace].port = port;
	e->trace[e->ntrace].value = v;
	e->ntrace++;
}

static void reset_state(struct pvf_unplug_emu *e)
{
	size_t i;

	for (i = 0; i < e->ndev; i++)
		e->dev[i].unplugged = 0;
	e->flags = 0;
	e->blacklisted = 0;
	e->have_product = 0;
	e->product = 0;
	e->build = 0;
	e->mask_writes = 0;
	e->last_mask = 0;
	e->line_len = 0;
	e->tokens = PVF_UNPLUG_EMU_BUCKET_BYTES;
	e->last_refill_ns = now_ns(e);
}

struct pvf_unplug_emu *pvf_unplug_emu_new(const struct pvf_unplug_emu_config *cfg)
{
	struct pvf_unplug_emu *e;
	const struct pvf_unplug_emu_device *devs;
	size_t i, n;

	if (!cfg)
		return NULL;
	devs = cfg->devices ? cfg->devices : default_devices;
	n = cfg->devices ? cfg->ndevices : sizeof(default_devices) / sizeof(default_devices[0]);
	if (n > EMU_MAX_DEVICES)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cfg = *cfg;
	e->cfg.devices = NULL;
	for (i = 0; i < n; i++) {
		e->dev[i] = devs[i];
		e->dev[i].name[sizeof(e->dev[i].name) - 1] = '\0';
	}
	e->ndev = n;
	reset_state(e);
	return e;
}

void pvf_unplug_emu_free(struct pvf_unplug_emu *e)
{
	if (!e)
		return;
	free(e->trace);
	strlist_free(&e->logs);
	strlist_free(&e->events);
	free(e);
}

void pvf_unplug_emu_restart(struct pvf_unplug_emu *e)
{
	reset_state(e);
	event(e, "device model restarted: all devices plugged");
}

/* ---- the device --------------------------------------------------------- */

static void apply_mask(struct pvf_unplug_emu *e, uint16_t mask)
{
	size_t i;

	e->mask_writes++;
	e->last_mask = mask;
	if (e->blacklisted) {
		event(e, "protocol error: unplug mask 0x%x from a blacklisted driver ignored", mask);
		return;
	}
	if (mask & ~PVF_UNPLUG_MASK_VALID)
		event(e, "unplug mask 0x%x has unknown bits 0x%x (ignored)", mask,
		      mask & ~PVF_UNPLUG_MASK_VALID);
	if ((mask & PVF_UNPLUG_MASK_DISKS) && (mask & PVF_UNPLUG_MASK_AUX_IDE))
		event(e, "unplug mask 0x%x: all disks and aux IDE disks, all disks wins", mask);
	for (i = 0; i < e->ndev; i++) {
		struct pvf_unplug_emu_device *d = &e->dev[i];
		int go = 0;

		switch (d->kind) {
		case PVF_UNPLUG_EMU_IDE_DISK:
			if (mask & PVF_UNPLUG_MASK_DISKS)
				go = 1;
			else if ((mask & PVF_UNPLUG_MASK_AUX_IDE) &&
				 !(d->ide_bus == 0 && d->ide_unit == 0))
				go = 1;
			break;
		case PVF_UNPLUG_EMU_SCSI_DISK:
			go = (mask & PVF_UNPLUG_MASK_DISKS) != 0;
			break;
		case PVF_UNPLUG_EMU_IDE_CDROM:
			go = 0; /* CD-ROMs are never unplugged */
			break;
		case PVF_UNPLUG_EMU_NIC:
			go = (mask & PVF_UNPLUG_MASK_NICS) != 0;
			break;
		case PVF_UNPLUG_EMU_NVME:
			go = (mask & PVF_UNPLUG_MASK_NVME) != 0;
			break;
		}
		if (go && !d->unplugged) {
			d->unplugged = 1;
			event(e, "unplugged %s", d->name);
		}
	}
}

static void latch_build(struct pvf_unplug_emu *e, uint32_t build)
{
	const char *name;
	char path[256];
	int rc;

	e->build = build;
	if (!e->have_product) {
		event(e, "protocol error: build %u written before a product number; not looked up",
		      build);
		return;
	}
	name = pvf_unplug_product_name(e->product);
	if (!name) {
		event(e, "unknown product %u (build %u): cannot be blacklisted", e->product, build);
		return;
	}
	event(e, "driver %s build %u", name, build);
	if (e->cfg.profile == PVF_UNPLUG_EMU_QEMU_UPSTREAM)
		return; /* upstream QEMU never blacklists */
	if (e->blacklisted)
		return; /* sticky: nothing un-blacklists before a restart */
	snprintf(path, sizeof(path), "/mh/driver-blacklist/%s/%u", name, build);
	snprintf(e->last_lookup, sizeof(e->last_lookup), "%s", path);
	if (!e->cfg.lookup)
		return;
	rc = e->cfg.lookup(e->cfg.lookup_arg, path);
	if (rc < 0) {
		event(e, "blacklist lookup of %s failed (%s): not blacklisted", path, strerror(-rc));
	} else if (rc > 0) {
		e->blacklisted = 1;
		event(e, "%s exists: driver blacklisted", path);
	}
}

static int take_token(struct pvf_unplug_emu *e)
{
	uint64_t now, elapsed, add;

	if (e->cfg.profile != PVF_UNPLUG_EMU_QEMU_TRAD)
		return 1;
	now = now_ns(e);
	if (now > e->last_refill_ns) {
		elapsed = now - e->last_refill_ns;
		if (elapsed >= 1000000000ull * (PVF_UNPLUG_EMU_BUCKET_BYTES / PVF_UNPLUG_EMU_REFILL_PER_SEC)) {
			e->tokens = PVF_UNPLUG_EMU_BUCKET_BYTES;
			e->last_refill_ns = now;
		} else {
			add = elapsed * PVF_UNPLUG_EMU_REFILL_PER_SEC / 1000000000ull;
			if (add) {
				e->tokens += add;
				if (e->tokens > PVF_UNPLUG_EMU_BUCKET_BYTES)
					e->tokens = PVF_UNPLUG_EMU_BUCKET_BYTES;
				/* keep the fraction of a token for later */
				e->last_refill_ns += add * 1000000000ull / PVF_UNPLUG_EMU_REFILL_PER_SEC;
			}
		}
	}
	if (!e->tokens)
		return 0;
	e->tokens--;
	return 1;
}

static void log_byte(struct pvf_unplug_emu *e, uint8_t c)
{
	if (!take_token(e)) {
		e->dropped++;
		return;
	}
	if (c == '\n') {
		e->line[e->line_len] = '\0';
		strlist_add(&e->logs, e->line);
		e->line_len = 0;
		return;
	}
	e->line[e->line_len++] = (char)c;
	if (e->line_len == EMU_LINE_MAX) {
		/* a full line buffer is flushed as a line */
		e->line[e->line_len] = '\0';
		strlist_add(&e->logs, e->line);
		e->line_len = 0;
	}
}

static void undecoded(struct pvf_unplug_emu *e, const char *what, int width, uint16_t port)
{
	event(e, "undecoded %d-bit %s of port 0x%x", width, what, port);
}

int pvf_unplug_emu_in8(void *ctx, uint16_t port, uint8_t *val)
{
	struct pvf_unplug_emu *e = ctx;

	if (port == PVF_UNPLUG_PORT_MAGIC)
		*val = e->flags;
	else if (port == PVF_UNPLUG_PORT_VERSION)
		*val = e->cfg.version;
	else {
		*val = 0xff;
		undecoded(e, "read", 8, port);
	}
	record(e, 'r', 8, port, *val);
	return 0;
}

int pvf_unplug_emu_in16(void *ctx, uint16_t port, uint16_t *val)
{
	struct pvf_unplug_emu *e = ctx;

	if (port == PVF_UNPLUG_PORT_MAGIC) {
		*val = e->blacklisted ? PVF_UNPLUG_MAGIC_BLACKLISTED : PVF_UNPLUG_MAGIC;
	} else {
		*val = 0xffff;
		undecoded(e, "read", 16, port);
	}
	record(e, 'r', 16, port, *val);
	return 0;
}

int pvf_unplug_emu_in32(void *ctx, uint16_t port, uint32_t *val)
{
	struct pvf_unplug_emu *e = ctx;

	*val = 0xffffffffu;
	undecoded(e, "read", 32, port);
	record(e, 'r', 32, port, *val);
	return 0;
}

int pvf_unplug_emu_out8(void *ctx, uint16_t port, uint8_t val)
{
	struct pvf_unplug_emu *e = ctx;

	record(e, 'w', 8, port, val);
	if (port == PVF_UNPLUG_PORT_MAGIC) {
		e->flags = val;
		event(e, "platform flags 0x%x (ROM lock %s)", val, (val & 1) ? "on" : "off");
	} else if (port == PVF_UNPLUG_PORT_VERSION) {
		log_byte(e, val);
	} else {
		undecoded(e, "write", 8, port);
	}
	return 0;
}

int pvf_unplug_emu_out16(void *ctx, uint16_t port, uint16_t val)
{
	struct pvf_unplug_emu *e = ctx;

	record(e, 'w', 16, port, val);
	if (port == PVF_UNPLUG_PORT_MAGIC) {
		apply_mask(e, val);
	} else if (port == PVF_UNPLUG_PORT_VERSION) {
		e->product = val;
		e->have_product = 1;
	} else {
		undecoded(e, "write", 16, port);
	}
	return 0;
}

int pvf_unplug_emu_out32(void *ctx, uint16_t port, uint32_t val)
{
	struct pvf_unplug_emu *e = ctx;

	record(e, 'w', 32, port, val);
	if (port == PVF_UNPLUG_PORT_MAGIC)
		latch_build(e, val);
	else
		undecoded(e, "write", 32, port);
	return 0;
}

void pvf_unplug_emu_fill_ops(struct pvf_platform_ops *ops)
{
	*ops = pvf_platform_nosys_ops;
	ops->in8 = pvf_unplug_emu_in8;
	ops->in16 = pvf_unplug_emu_in16;
	ops->in32 = pvf_unplug_emu_in32;
	ops->out8 = pvf_unplug_emu_out8;
	ops->out16 = pvf_unplug_emu_out16;
	ops->out32 = pvf_unplug_emu_out32;
}

/* ---- inspection ----------------------------------------------------------- */

uint8_t pvf_unplug_emu_flags(const struct pvf_unplug_emu *e) { return e->flags; }
int pvf_unplug_emu_blacklisted(const struct pvf_unplug_emu *e) { return e->blacklisted; }

unsigned int pvf_unplug_emu_mask_writes(const struct pvf_unplug_emu *e, uint16_t *mask)
{
	if (mask)
		*mask = e->last_mask;
	return e->mask_writes;
}

size_t pvf_unplug_emu_ndevices(const struct pvf_unplug_emu *e) { return e->ndev; }

const struct pvf_unplug_emu_device *pvf_unplug_emu_device(const struct pvf_unplug_emu *e, size_t i)
{
	return i < e->ndev ? &e->dev[i] : NULL;
}

const struct pvf_unplug_emu_device *pvf_unplug_emu_find(const struct pvf_unplug_emu *e,
							const char *name)
{
	size_t i;

	for (i = 0; i < e->ndev; i++)
		if (!strcmp(e->dev[i].name, name))
			return &e->dev[i];
	return NULL;
}

size_t pvf_unplug_emu_ntrace(const struct pvf_unplug_emu *e) { return e->ntrace; }

const struct pvf_unplug_emu_access *pvf_unplug_emu_trace(const struct pvf_unplug_emu *e, size_t i)
{
	return i < e->ntrace ? &e->trace[i] : NULL;
}

size_t pvf_unplug_emu_nlog(const struct pvf_unplug_emu *e) { return e->logs.n; }

const char *pvf_unplug_emu_log_line(const struct pvf_unplug_emu *e, size_t i)
{
	return i < e->logs.n ? e->logs.s[i] : NULL;
}

uint64_t pvf_unplug_emu_log_dropped(const struct pvf_unplug_emu *e) { return e->dropped; }
size_t pvf_unplug_emu_nevents(const struct pvf_unplug_emu *e) { return e->events.n; }

const char *pvf_unplug_emu_event(const struct pvf_unplug_emu *e, size_t i)
{
	return i < e->events.n ? e->events.s[i] : NULL;
}

unsigned int pvf_unplug_emu_protocol_errors(const struct pvf_unplug_emu *e)
{
	unsigned int n = 0;
	size_t i;

	for (i = 0; i < e->events.n; i++)
		if (strstr(e->events.s[i], "protocol error"))
			n++;
	return n;
}

const char *pvf_unplug_emu_last_lookup(const struct pvf_unplug_emu *e) { return e->last_lookup; }

void pvf_unplug_emu_print_trace(const struct pvf_unplug_emu *e, FILE *f)
{
	size_t i, j;

	for (i = 0; i < e->ntrace; i++) {
		const struct pvf_unplug_emu_access *a = &e->trace[i];
		int digits = a->width / 4;

		if (a->dir == 'w' && a->width == 8 && a->port == PVF_UNPLUG_PORT_VERSION) {
			/* a run of log bytes: one access each, shown as text */
			fprintf(f, "  out8  0x12 <- \"");
			for (j = i; j < e->ntrace && e->trace[j].dir == 'w' && e->trace[j].width == 8 &&
			     e->trace[j].port == PVF_UNPLUG_PORT_VERSION; j++) {
				unsigned int c = e->trace[j].value;

				if (c == '\n')
					fputs("\\n", f);
				else if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
					fputc((int)c, f);
				else
					fprintf(f, "\\x%02x", c);
			}
			fprintf(f, "\" (%zu log bytes)\n", j - i);
			i = j - 1;
			continue;
		}
		if (a->dir == 'r')
			fprintf(f, "  in%-2u  0x%02x -> 0x%0*x\n", a->width, a->port, digits,
				a->value);
		else
			fprintf(f, "  out%-2u 0x%02x <- 0x%0*x\n", a->width, a->port, digits,
				a->value);
	}
}
