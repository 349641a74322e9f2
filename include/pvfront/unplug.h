/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pvfront unplug: the emulated-device unplug handshake of HVM guests, the
 * blacklist check, and the fallback to emulated devices (guest side).
 *
 * The protocol runs over the fixed I/O ports of the Xen platform device,
 * through the width-exact port I/O ops of the porting seam
 * (struct pvf_platform_ops in8/in16/in32/out8/out16/out32):
 *
 *   1. in16(0x10): magic.  0x49d2 = protocol present; 0xd249 = the device
 *      model remembers an earlier blacklisting; anything else = no protocol.
 *   2. in8(0x12): protocol version.  Version 0 goes straight to step 6.
 *   3. out16(0x12, product)      4. out32(0x10, build)
 *   5. in16(0x10) again: 0xd249 (or anything but 0x49d2) = blacklisted.
 *   6. out16(0x10, mask): which emulated devices the device model removes.
 *
 * The core never allocates: struct pvf_unplug is the caller's (its fields
 * are visible for sizing only; treat them as private).  Nothing blocks; one
 * call runs the whole handshake.  The outcome is an explicit decision per
 * device class that the OS must follow: attach the PV frontend of a class
 * only when its use is PV (or BOTH), keep the emulated devices otherwise.
 *
 * Freestanding: needs only the seam.  See docs/unplug.md.
 */
#ifndef PVFRONT_UNPLUG_H
#define PVFRONT_UNPLUG_H

#include <stddef.h>
#include <stdint.h>
#include <pvfront/platform.h>

/* Fixed ports and magic values (Xen platform device, protocol-notes s.1). */
#define PVF_UNPLUG_PORT_MAGIC         0x10 /* 16-bit magic / mask, 32-bit build */
#define PVF_UNPLUG_PORT_VERSION       0x12 /* 8-bit version / log, 16-bit product */
#define PVF_UNPLUG_MAGIC              0x49d2u
#define PVF_UNPLUG_MAGIC_BLACKLISTED  0xd249u

/* Bits of the 16-bit unplug mask. */
#define PVF_UNPLUG_MASK_DISKS    0x0001u /* all IDE and SCSI disks (not CD-ROMs) */
#define PVF_UNPLUG_MASK_NICS     0x0002u /* all emulated NICs */
#define PVF_UNPLUG_MASK_AUX_IDE  0x0004u /* IDE disks but the primary master */
#define PVF_UNPLUG_MASK_NVME     0x0008u /* all NVMe disks */
#define PVF_UNPLUG_MASK_VALID    0x000fu

/* Which PV frontends are present and known to work (the veto input of
 * struct pvf_unplug_config.pv_present).  Each is its own feature: there is
 * no umbrella "PV" switch.  The disk frontend gates both disk classes. */
#define PVF_UNPLUG_PV_DISK  0x0001u
#define PVF_UNPLUG_PV_NIC   0x0002u
#define PVF_UNPLUG_PV_NVME  0x0008u
#define PVF_UNPLUG_PV_ALL   (PVF_UNPLUG_PV_DISK | PVF_UNPLUG_PV_NIC | PVF_UNPLUG_PV_NVME)

/* Product numbers of <xen/hvm/pvdrivers.h>.  That header defines no
 * per-product constants, only the list macro PVDRIVERS_PRODUCT_LIST (names
 * with numbers); pvf_unplug_product_name()/_lookup() are generated from it,
 * and these shorthands are checked against it by tests/test_unplug.c. */
#define PVF_UNPLUG_PRODUCT_XENSOURCE_WINDOWS 0x0001u
#define PVF_UNPLUG_PRODUCT_GPLPV_WINDOWS     0x0002u
#define PVF_UNPLUG_PRODUCT_LINUX             0x0003u
#define PVF_UNPLUG_PRODUCT_XENSERVER_V70     0x0004u
#define PVF_UNPLUG_PRODUCT_XENSERVER_V72     0x0005u
#define PVF_UNPLUG_PRODUCT_EXPERIMENTAL      0xffffu

/* Device classes of the decision. */
enum pvf_unplug_class {
	PVF_UNPLUG_CLASS_DISKS = 0,   /* IDE/SCSI disks incl. primary master (bit 0) */
	PVF_UNPLUG_CLASS_NICS = 1,    /* emulated NICs (bit 1) */
	PVF_UNPLUG_CLASS_AUX_IDE = 2, /* IDE disks but the primary master (bit 2) */
	PVF_UNPLUG_CLASS_NVME = 3,    /* NVMe disks (bit 3) */
	PVF_UNPLUG_NCLASSES = 4
};

/* Linux-style modes (xen_emul_unplug=), plus an explicit mask. */
enum pvf_unplug_mode {
	PVF_UNPLUG_MODE_ALL = 0,         /* every class (mask 0xf), vetoes apply */
	PVF_UNPLUG_MODE_IDE_DISKS,       /* bits 0|2 */
	PVF_UNPLUG_MODE_AUX_IDE_DISKS,   /* bit 2 */
	PVF_UNPLUG_MODE_NICS,            /* bit 1 */
	PVF_UNPLUG_MODE_UNNECESSARY,     /* unplug nothing, PV and emulated both run */
	PVF_UNPLUG_MODE_NEVER,           /* unplug nothing, no PV frontend */
	PVF_UNPLUG_MODE_MASK,            /* use pvf_unplug_config.mask as given */
	PVF_UNPLUG_NMODES
};

/* What the OS uses for a class. */
enum pvf_unplug_use {
	PVF_UNPLUG_USE_EMULATED = 0, /* keep the emulated devices; no PV frontend */
	PVF_UNPLUG_USE_PV = 1,       /* emulated devices gone; attach the frontend */
	PVF_UNPLUG_USE_BOTH = 2,     /* mode "unnecessary": both paths, deliberately */
};

/* Why. */
enum pvf_unplug_reason {
	PVF_UNPLUG_REASON_NO_MAGIC = 0,   /* no platform device protocol */
	PVF_UNPLUG_REASON_BLACKLISTED,    /* the device model refused this build */
	PVF_UNPLUG_REASON_VETOED,         /* requested, but no working PV frontend */
	PVF_UNPLUG_REASON_POLICY,         /* not requested by the mode/mask */
	PVF_UNPLUG_REASON_UNPLUGGED,      /* requested, PV present, mask written */
	PVF_UNPLUG_REASON_IO_ERROR,       /* a port access failed */
	PVF_UNPLUG_NREASONS
};

/* Outcome summary over the classes. */
enum pvf_unplug_outcome {
	PVF_UNPLUG_OUTCOME_PV = 0,       /* every class PV (or BOTH) */
	PVF_UNPLUG_OUTCOME_PARTIAL = 1,  /* some classes PV, some emulated */
	PVF_UNPLUG_OUTCOME_EMULATED = 2, /* no class PV */
};

struct pvf_unplug_config {
	uint16_t product;            /* PVF_UNPLUG_PRODUCT_* or the caller's own */
	uint32_t build;              /* the driver build number (step 4) */
	enum pvf_unplug_mode mode;   /* what to unplug */
	uint16_t mask;               /* with PVF_UNPLUG_MODE_MASK only: bits of
					PVF_UNPLUG_MASK_VALID */
	uint16_t pv_present;         /* PVF_UNPLUG_PV_* the embedder vouches for */
};

struct pvf_unplug_class_decision {
	enum pvf_unplug_use use;
	enum pvf_unplug_reason reason;
};

struct pvf_unplug_decision {
	uint16_t magic;          /* first magic read (valid when io_ok or later) */
	uint16_t magic_after;    /* magic after the build write; 0 if not read */
	int version;             /* protocol version seen; -1 if not read */
	int blacklisted;         /* 1 when the device model refused the build */
	int log_allowed;         /* 1 once the magic check succeeded */
	int mask_written;        /* 1 when step 6 ran; `mask` is then valid */
	uint16_t mask;           /* the mask written */
	uint16_t mask_requested; /* before vetoes */
	struct pvf_unplug_class_decision cls[PVF_UNPLUG_NCLASSES];
};

/* Longest log line kept before it is split (bytes, newline included). */
#define PVF_UNPLUG_LOG_LINE_MAX 128u

/* One handshake instance.  Caller-owned; fields private (sizing only). */
struct pvf_unplug {
	const struct pvf_platform *plat;
	struct pvf_unplug_config cfg;
	struct pvf_unplug_decision last;
	int have_run;
	int log_ok;
	size_t log_len;
	char log_buf[PVF_UNPLUG_LOG_LINE_MAX];
};

/*
 * pvf_unplug_init - prepare an instance; no port is touched.
 *
 * @u: caller storage, initialised here.  @plat: borrowed, must outlive @u.
 * @cfg: copied.
 * Returns 0; -PVF_EINVAL if @plat does not validate, the mode is out of
 * range, or the mask has bits outside PVF_UNPLUG_MASK_VALID, or pv_present
 * has bits outside PVF_UNPLUG_PV_ALL.
 */
int pvf_unplug_init(struct pvf_unplug *u, const struct pvf_platform *plat,
		    const struct pvf_unplug_config *cfg);

/*
 * pvf_unplug_run - run the handshake and decide, once at boot, before the
 * OS enumerates devices.
 *
 * @u: an initialised instance.  @d: receives the decision (also kept in @u
 * for pvf_unplug_reissue()).
 * Returns 0 when a decision was reached (whatever it is: read @d); a
 * negative code from a port op (-PVF_EIO, -PVF_ENOSYS ...) when a port
 * access failed: @d then says EMULATED with reason IO_ERROR for every class
 * (if the mask write itself failed, whether the device model removed
 * anything is unknown).  -PVF_EINVAL for NULL arguments.
 */
int pvf_unplug_run(struct pvf_unplug *u, struct pvf_unplug_decision *d);

/*
 * pvf_unplug_reissue - after resume or migration: repeat the handshake and
 * the mask write with the remembered product, build, mode and vetoes.
 *
 * @d: receives the new decision.
 * Returns the number of classes whose use differs from the previous decision
 * (0 = nothing changed; > 0 = the OS must act, e.g. the new host
 * blacklists this build); or the errors of pvf_unplug_run().
 */
int pvf_unplug_reissue(struct pvf_unplug *u, struct pvf_unplug_decision *d);

/*
 * pvf_unplug_outcome - summarise a decision.  Returns an enum
 * pvf_unplug_outcome value.
 */
enum pvf_unplug_outcome pvf_unplug_outcome(const struct pvf_unplug_decision *d);

/*
 * pvf_unplug_mode_mask - the mask a mode requests (before vetoes); 0 for
 * unnecessary, never and PVF_UNPLUG_MODE_MASK.
 */
uint16_t pvf_unplug_mode_mask(enum pvf_unplug_mode mode);

/*
 * pvf_unplug_parse_mode - strict parse of "all", "ide-disks",
 * "aux-ide-disks", "nics", "unnecessary", "never" (exact, lower case).
 * Returns 0 and *mode; -PVF_EINVAL for anything else (including NULL).
 */
int pvf_unplug_parse_mode(const char *s, enum pvf_unplug_mode *mode);

/* Names: static strings, "?" when out of range. */
const char *pvf_unplug_mode_name(enum pvf_unplug_mode mode);
const char *pvf_unplug_class_name(enum pvf_unplug_class c);
const char *pvf_unplug_use_name(enum pvf_unplug_use use);
const char *pvf_unplug_reason_name(enum pvf_unplug_reason r);
const char *pvf_unplug_outcome_name(enum pvf_unplug_outcome o);

/*
 * pvf_unplug_product_name - the registered name of a product number, from
 * <xen/hvm/pvdrivers.h>.  Returns a static string, NULL when unknown.
 */
const char *pvf_unplug_product_name(uint16_t product);

/*
 * pvf_unplug_product_lookup - the number of a registered product name.
 * Returns 0 and *product; -PVF_ENOENT when the name is not registered;
 * -PVF_EINVAL for NULL.
 */
int pvf_unplug_product_lookup(const char *name, uint16_t *product);

/*
 * pvf_unplug_log_write - send log text to the device model (port 0x12, one
 * byte at a time).  Bytes are buffered until a newline completes a line;
 * lines longer than PVF_UNPLUG_LOG_LINE_MAX - 1 are split.  Allowed once the
 * magic check gave 0x49d2 or 0xd249 (also when blacklisted), never before.
 *
 * Returns @n (all bytes taken); -PVF_ENOTCONN when logging is not allowed
 * (no handshake yet, or no magic): nothing is buffered; a port op's error
 * (the line being written is then dropped).  -PVF_EINVAL for NULL.
 */
int pvf_unplug_log_write(struct pvf_unplug *u, const char *s, size_t n);

/*
 * pvf_unplug_logf - format (pvf_snprintf rules, at most 256 bytes) and
 * pvf_unplug_log_write().  Returns as pvf_unplug_log_write().
 */
int pvf_unplug_logf(struct pvf_unplug *u, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/*
 * pvf_unplug_log_flush - terminate and send a partial line.
 * Returns 0 (also when nothing was pending); -PVF_ENOTCONN; a port error.
 */
int pvf_unplug_log_flush(struct pvf_unplug *u);

#endif /* PVFRONT_UNPLUG_H */
