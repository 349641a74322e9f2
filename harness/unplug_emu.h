/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Device-model side of the unplug protocol (userspace, harness only): an
 * emulator of the Xen platform device's fixed ports 0x10/0x12 with the
 * width rules, the magic and blacklisted magic, the protocol version, the
 * product-then-build latch, the blacklist lookup, the log channel with its
 * rate limit, and a simulated inventory of emulated devices that records
 * which were unplugged.  Every access is kept in a port trace.
 *
 * The six port functions have exactly the signatures of struct
 * pvf_platform_ops' in/out entries with the emulator as ctx, so a test builds
 * a guest platform from pvf_platform_nosys_ops + these + its own log op
 * (pvf_unplug_emu_fill_ops() does that).
 */
#ifndef PVF_HARNESS_UNPLUG_EMU_H
#define PVF_HARNESS_UNPLUG_EMU_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pvfront/platform.h>

enum pvf_unplug_emu_profile {
	/* qemu-traditional: looks the blacklist up when the build is written,
	 * sticky until the device model restarts; log rate limit: token
	 * bucket of 128 KiB refilled at 256 bytes/s. */
	PVF_UNPLUG_EMU_QEMU_TRAD = 0,
	/* upstream QEMU: never blacklists; 4096-byte log line buffer, no limit. */
	PVF_UNPLUG_EMU_QEMU_UPSTREAM = 1,
};

#define PVF_UNPLUG_EMU_BUCKET_BYTES   (128u * 1024u)
#define PVF_UNPLUG_EMU_REFILL_PER_SEC 256u
#define PVF_UNPLUG_EMU_UPSTREAM_LINE  4096u

/* Blacklist lookup: does @path exist and is it readable?  Returns 1 yes,
 * 0 no, < 0 a lookup error (treated as "not blacklisted" and logged). */
typedef int (*pvf_unplug_emu_lookup_fn)(void *arg, const char *path);
/* Injectable monotonic clock in nanoseconds. */
typedef uint64_t (*pvf_unplug_emu_clock_fn)(void *arg);

enum pvf_unplug_emu_kind {
	PVF_UNPLUG_EMU_IDE_DISK = 0,
	PVF_UNPLUG_EMU_IDE_CDROM,
	PVF_UNPLUG_EMU_SCSI_DISK,
	PVF_UNPLUG_EMU_NIC,
	PVF_UNPLUG_EMU_NVME,
};

struct pvf_unplug_emu_device {
	char name[16];                 /* "hda", "nic0" ... */
	enum pvf_unplug_emu_kind kind;
	int ide_bus, ide_unit;         /* IDE only: 0/0 = primary master */
	int unplugged;                 /* set by a mask write */
};

struct pvf_unplug_emu_access {
	char dir;        /* 'r' (in) or 'w' (out) */
	uint8_t width;   /* 8, 16 or 32 */
	uint16_t port;
	uint32_t value;  /* value read or written */
};

struct pvf_unplug_emu_config {
	enum pvf_unplug_emu_profile profile;
	uint8_t version;                  /* protocol version reported (0 or 1) */
	pvf_unplug_emu_lookup_fn lookup;  /* NULL: nothing is blacklisted */
	void *lookup_arg;
	pvf_unplug_emu_clock_fn clock;    /* NULL: CLOCK_MONOTONIC */
	void *clock_arg;
	/* NULL: the default inventory (hda primary master, hdb, hdc CD-ROM,
	 * hdd, sda SCSI, nic0, nic1, nvme0). */
	const struct pvf_unplug_emu_device *devices;
	size_t ndevices;
};

struct pvf_unplug_emu;

/* Create an emulator.  Returns NULL on allocation failure or a bad config
 * (ndevices > 32).  Free with pvf_unplug_emu_free(). */
struct pvf_unplug_emu *pvf_unplug_emu_new(const struct pvf_unplug_emu_config *cfg);
void pvf_unplug_emu_free(struct pvf_unplug_emu *e);

/* The device model restarts (e.g. migration target): every device plugged
 * again, latches, flags, a sticky blacklisting and the log state forgotten.
 * The trace, log lines and events are kept. */
void pvf_unplug_emu_restart(struct pvf_unplug_emu *e);

/* Port functions (ctx = the emulator).  Ports other than 0x10/0x12 and
 * widths the device does not decode read as all ones and ignore writes (and
 * are traced and logged as events).  Return 0. */
int pvf_unplug_emu_in8(void *ctx, uint16_t port, uint8_t *val);
int pvf_unplug_emu_in16(void *ctx, uint16_t port, uint16_t *val);
int pvf_unplug_emu_in32(void *ctx, uint16_t port, uint32_t *val);
int pvf_unplug_emu_out8(void *ctx, uint16_t port, uint8_t val);
int pvf_unplug_emu_out16(void *ctx, uint16_t port, uint16_t val);
int pvf_unplug_emu_out32(void *ctx, uint16_t port, uint32_t val);

/* Copy pvf_platform_nosys_ops into @ops and install the six port functions. */
void pvf_unplug_emu_fill_ops(struct pvf_platform_ops *ops);

/* ---- inspection -------------------------------------------------------- */
uint8_t pvf_unplug_emu_flags(const struct pvf_unplug_emu *e);
int pvf_unplug_emu_blacklisted(const struct pvf_unplug_emu *e);
/* Number of mask writes seen; *mask = the last one (if any). */
unsigned int pvf_unplug_emu_mask_writes(const struct pvf_unplug_emu *e, uint16_t *mask);
size_t pvf_unplug_emu_ndevices(const struct pvf_unplug_emu *e);
const struct pvf_unplug_emu_device *pvf_unplug_emu_device(const struct pvf_unplug_emu *e, size_t i);
/* The device called @name, NULL if none. */
const struct pvf_unplug_emu_device *pvf_unplug_emu_find(const struct pvf_unplug_emu *e,
							const char *name);
size_t pvf_unplug_emu_ntrace(const struct pvf_unplug_emu *e);
const struct pvf_unplug_emu_access *pvf_unplug_emu_trace(const struct pvf_unplug_emu *e, size_t i);
/* Complete log lines received from the guest (without the newline). */
size_t pvf_unplug_emu_nlog(const struct pvf_unplug_emu *e);
const char *pvf_unplug_emu_log_line(const struct pvf_unplug_emu *e, size_t i);
/* Log bytes dropped by the rate limit. */
uint64_t pvf_unplug_emu_log_dropped(const struct pvf_unplug_emu *e);
/* The device model's own messages ("protocol error: build before product"). */
size_t pvf_unplug_emu_nevents(const struct pvf_unplug_emu *e);
const char *pvf_unplug_emu_event(const struct pvf_unplug_emu *e, size_t i);
/* Number of events containing "protocol error". */
unsigned int pvf_unplug_emu_protocol_errors(const struct pvf_unplug_emu *e);
/* The last blacklist path looked up ("" if none). */
const char *pvf_unplug_emu_last_lookup(const struct pvf_unplug_emu *e);

/* Print the trace, one access per line ("in16  0x10 -> 0x49d2"). */
void pvf_unplug_emu_print_trace(const struct pvf_unplug_emu *e, FILE *f);

/* ---- blacklist sources ------------------------------------------------- */

/* A list of "product_name/build" entries (a file or --blacklist options). */
struct pvf_unplug_blacklist {
	char **entries;
	size_t n, cap;
};

/* Add one "product/build" entry; product is a registered name or a number,
 * build a decimal number.  Returns 0; -EINVAL (malformed); -ENOMEM. */
int pvf_unplug_blacklist_add(struct pvf_unplug_blacklist *bl, const char *entry);
/* Load a file of entries, one a line; '#' starts a comment, blank lines are
 * skipped.  Returns 0; -errno of fopen; -EINVAL with a message naming the
 * line in @err (of @errlen bytes). */
int pvf_unplug_blacklist_load(struct pvf_unplug_blacklist *bl, const char *path,
			      char *err, size_t errlen);
void pvf_unplug_blacklist_clear(struct pvf_unplug_blacklist *bl);
/* Lookup callback over a struct pvf_unplug_blacklist (arg). */
int pvf_unplug_blacklist_lookup(void *arg, const char *path);

/* Lookup callback through libxenstore (arg = a struct xs_handle *, from
 * xs_open(0), which honours XENSTORED_PATH). */
int pvf_unplug_xs_lookup(void *arg, const char *path);

/* ---- the `pvfront unplug` command ---------------------------------------- */

/* Exit statuses. */
#define PVF_UNPLUG_EXIT_PV       0
#define PVF_UNPLUG_EXIT_ERROR    1
#define PVF_UNPLUG_EXIT_USAGE    2
#define PVF_UNPLUG_EXIT_PARTIAL  3
#define PVF_UNPLUG_EXIT_EMULATED 4

int pvf_cmd_unplug(int argc, char **argv);

/* Batch mode: run every case of a matrix file (CSV or JSON by extension,
 * or content when the extension is neither) and print a table (or JSON
 * with @json).  Returns 0 when every case with an expectation met it, 1 when
 * one did not (or a case could not run), 2 for malformed input (message to
 * @err naming the file, line and field). */
int pvf_unplug_matrix_run(const char *path, int json, FILE *out, FILE *err);

#endif /* PVF_HARNESS_UNPLUG_EMU_H */
