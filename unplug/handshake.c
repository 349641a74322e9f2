/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unplug: the handshake over the platform device's fixed ports and the
 * per-class decision (policy + veto).  Steps are numbered as in
 * include/pvfront/unplug.h and docs/unplug.md.
 *
 * The device model is a peer: every value read from a port is checked
 * against the two magics and nothing else is trusted.
 */
#include "../common/internal.h"
#include <pvfront/unplug.h>

/* The PV frontend that gates each class. */
static const uint16_t class_gate[PVF_UNPLUG_NCLASSES] = {
	[PVF_UNPLUG_CLASS_DISKS] = PVF_UNPLUG_PV_DISK,
	[PVF_UNPLUG_CLASS_NICS] = PVF_UNPLUG_PV_NIC,
	[PVF_UNPLUG_CLASS_AUX_IDE] = PVF_UNPLUG_PV_DISK,
	[PVF_UNPLUG_CLASS_NVME] = PVF_UNPLUG_PV_NVME,
};

/* The mask bit of each class. */
static const uint16_t class_bit[PVF_UNPLUG_NCLASSES] = {
	[PVF_UNPLUG_CLASS_DISKS] = PVF_UNPLUG_MASK_DISKS,
	[PVF_UNPLUG_CLASS_NICS] = PVF_UNPLUG_MASK_NICS,
	[PVF_UNPLUG_CLASS_AUX_IDE] = PVF_UNPLUG_MASK_AUX_IDE,
	[PVF_UNPLUG_CLASS_NVME] = PVF_UNPLUG_MASK_NVME,
};

PVF_API int pvf_unplug_init(struct pvf_unplug *u, const struct pvf_platform *plat,
			    const struct pvf_unplug_config *cfg)
{
	if (!u || !cfg || pvf_platform_validate(plat, NULL))
		return -PVF_EINVAL;
	if ((unsigned int)cfg->mode >= PVF_UNPLUG_NMODES)
		return -PVF_EINVAL;
	if (cfg->mask & ~PVF_UNPLUG_MASK_VALID)
		return -PVF_EINVAL;
	if (cfg->pv_present & ~PVF_UNPLUG_PV_ALL)
		return -PVF_EINVAL;
	memset(u, 0, sizeof(*u));
	u->plat = plat;
	u->cfg = *cfg;
	return 0;
}

static void set_all(struct pvf_unplug_decision *d, enum pvf_unplug_use use,
		    enum pvf_unplug_reason reason)
{
	unsigned int c;

	for (c = 0; c < PVF_UNPLUG_NCLASSES; c++) {
		d->cls[c].use = use;
		d->cls[c].reason = reason;
	}
}

/* Decide per class from the mode, the mask and the vetoes; returns the mask
 * to write.  Only called once the device model accepted the build. */
static uint16_t decide(const struct pvf_unplug_config *cfg, struct pvf_unplug_decision *d)
{
	uint16_t req, mask = 0;
	unsigned int c;

	if (cfg->mode == PVF_UNPLUG_MODE_NEVER) {
		set_all(d, PVF_UNPLUG_USE_EMULATED, PVF_UNPLUG_REASON_POLICY);
		return 0;
	}
	if (cfg->mode == PVF_UNPLUG_MODE_UNNECESSARY) {
		/* Nothing unplugged; a class whose frontend works runs both
		 * paths (the user's deliberate choice). */
		for (c = 0; c < PVF_UNPLUG_NCLASSES; c++) {
			if (cfg->pv_present & class_gate[c]) {
				d->cls[c].use = PVF_UNPLUG_USE_BOTH;
				d->cls[c].reason = PVF_UNPLUG_REASON_POLICY;
			} else {
				d->cls[c].use = PVF_UNPLUG_USE_EMULATED;
				d->cls[c].reason = PVF_UNPLUG_REASON_VETOED;
			}
		}
		return 0;
	}
	req = cfg->mode == PVF_UNPLUG_MODE_MASK ? cfg->mask : pvf_unplug_mode_mask(cfg->mode);
	d->mask_requested = req;
	for (c = 0; c < PVF_UNPLUG_NCLASSES; c++) {
		int requested = (req & class_bit[c]) != 0;

		/* Bit 0 covers the aux IDE disks too (bit 0 wins). */
		if (c == PVF_UNPLUG_CLASS_AUX_IDE && (req & PVF_UNPLUG_MASK_DISKS))
			requested = 1;
		if (!requested) {
			d->cls[c].use = PVF_UNPLUG_USE_EMULATED;
			d->cls[c].reason = PVF_UNPLUG_REASON_POLICY;
		} else if (!(cfg->pv_present & class_gate[c])) {
			d->cls[c].use = PVF_UNPLUG_USE_EMULATED;
			d->cls[c].reason = PVF_UNPLUG_REASON_VETOED;
		} else {
			d->cls[c].use = PVF_UNPLUG_USE_PV;
			d->cls[c].reason = PVF_UNPLUG_REASON_UNPLUGGED;
			mask |= req & class_bit[c];
		}
	}
	return mask;
}

static int io_fail(struct pvf_unplug *u, struct pvf_unplug_decision *d, const char *what, int rc)
{
	set_all(d, PVF_UNPLUG_USE_EMULATED, PVF_UNPLUG_REASON_IO_ERROR);
	pvf_err(u->plat, "unplug: %s failed (%s): staying emulated", what, pvf_strerror(rc));
	return rc;
}

static int handshake(struct pvf_unplug *u, struct pvf_unplug_decision *d)
{
	const struct pvf_platform_ops *ops = u->plat->ops;
	void *ctx = u->plat->ctx;
	uint16_t magic, mask;
	uint8_t version;
	int rc;

	memset(d, 0, sizeof(*d));
	d->version = -1;
	set_all(d, PVF_UNPLUG_USE_EMULATED, PVF_UNPLUG_REASON_NO_MAGIC);
	u->log_ok = 0;
	u->log_len = 0;

	/* Step 1: the magic. */
	rc = ops->in16(ctx, PVF_UNPLUG_PORT_MAGIC, &magic);
	if (rc)
		return io_fail(u, d, "magic read", rc);
	d->magic = magic;
	if (magic == PVF_UNPLUG_MAGIC_BLACKLISTED) {
		/* The device model remembers an earlier blacklisting. */
		d->blacklisted = 1;
		d->log_allowed = u->log_ok = 1;
		set_all(d, PVF_UNPLUG_USE_EMULATED, PVF_UNPLUG_REASON_BLACKLISTED);
		pvf_warn(u->plat, "unplug: device model reports a remembered blacklisting");
		return 0;
	}
	if (magic != PVF_UNPLUG_MAGIC) {
		pvf_info(u->plat, "unplug: no platform device magic (0x%04x): emulated", magic);
		return 0;
	}
	d->log_allowed = u->log_ok = 1;

	/* Step 2: the protocol version. */
	rc = ops->in8(ctx, PVF_UNPLUG_PORT_VERSION, &version);
	if (rc)
		return io_fail(u, d, "version read", rc);
	d->version = version;
	if (version != 0) {
		if (version > 1)
			pvf_warn(u->plat, "unplug: protocol version %u, speaking 1", version);
		/* Steps 3 and 4: product, then build. */
		rc = ops->out16(ctx, PVF_UNPLUG_PORT_VERSION, u->cfg.product);
		if (rc)
			return io_fail(u, d, "product write", rc);
		rc = ops->out32(ctx, PVF_UNPLUG_PORT_MAGIC, u->cfg.build);
		if (rc)
			return io_fail(u, d, "build write", rc);
		/* Step 5: the magic again.  Anything but 0x49d2 refuses us. */
		rc = ops->in16(ctx, PVF_UNPLUG_PORT_MAGIC, &magic);
		if (rc)
			return io_fail(u, d, "magic re-read", rc);
		d->magic_after = magic;
		if (magic != PVF_UNPLUG_MAGIC) {
			d->blacklisted = 1;
			set_all(d, PVF_UNPLUG_USE_EMULATED, PVF_UNPLUG_REASON_BLACKLISTED);
			pvf_warn(u->plat, "unplug: product %u build %u blacklisted (0x%04x): emulated",
				 u->cfg.product, u->cfg.build, magic);
			return 0;
		}
	}

	/* Step 6: the mask, unless the mode unplugs nothing. */
	mask = decide(&u->cfg, d);
	if (u->cfg.mode == PVF_UNPLUG_MODE_NEVER || u->cfg.mode == PVF_UNPLUG_MODE_UNNECESSARY)
		return 0;
	rc = ops->out16(ctx, PVF_UNPLUG_PORT_MAGIC, mask);
	if (rc)
		return io_fail(u, d, "mask write", rc);
	d->mask_written = 1;
	d->mask = mask;
	pvf_info(u->plat, "unplug: version %d, mask 0x%x written (requested 0x%x)",
		 d->version, mask, d->mask_requested);
	return 0;
}

PVF_API int pvf_unplug_run(struct pvf_unplug *u, struct pvf_unplug_decision *d)
{
	int rc;

	if (!u || !d || !u->plat)
		return -PVF_EINVAL;
	rc = handshake(u, d);
	u->last = *d;
	u->have_run = 1;
	return rc;
}

PVF_API int pvf_unplug_reissue(struct pvf_unplug *u, struct pvf_unplug_decision *d)
{
	struct pvf_unplug_decision prev;
	unsigned int c;
	int rc, changed = 0, had;

	if (!u || !d || !u->plat)
		return -PVF_EINVAL;
	prev = u->last;
	had = u->have_run;
	rc = pvf_unplug_run(u, d);
	if (rc)
		return rc;
	if (!had)
		return 0;
	for (c = 0; c < PVF_UNPLUG_NCLASSES; c++)
		if (prev.cls[c].use != d->cls[c].use)
			changed++;
	if (changed)
		pvf_warn(u->plat, "unplug: re-issue changed the decision of %d class(es)", changed);
	return changed;
}

PVF_API enum pvf_unplug_outcome pvf_unplug_outcome(const struct pvf_unplug_decision *d)
{
	unsigned int c, pv = 0;

	if (!d)
		return PVF_UNPLUG_OUTCOME_EMULATED;
	for (c = 0; c < PVF_UNPLUG_NCLASSES; c++)
		if (d->cls[c].use != PVF_UNPLUG_USE_EMULATED)
			pv++;
	if (pv == PVF_UNPLUG_NCLASSES)
		return PVF_UNPLUG_OUTCOME_PV;
	return pv ? PVF_UNPLUG_OUTCOME_PARTIAL : PVF_UNPLUG_OUTCOME_EMULATED;
}
