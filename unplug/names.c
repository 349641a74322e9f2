/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unplug: names of modes, classes, reasons; strict mode parsing; product
 * names generated from <xen/hvm/pvdrivers.h>.
 */
#include "../common/internal.h"
#include <pvfront/unplug.h>
#include <xen/hvm/pvdrivers.h>

struct pvf_unplug_product {
	const char *name;
	uint16_t number;
};

#define PVF_UNPLUG_PRODUCT_ENTRY(n, num) { n, num },
static const struct pvf_unplug_product products[] = {
	PVDRIVERS_PRODUCT_LIST(PVF_UNPLUG_PRODUCT_ENTRY)
};
#undef PVF_UNPLUG_PRODUCT_ENTRY

PVF_API const char *pvf_unplug_product_name(uint16_t product)
{
	size_t i;

	for (i = 0; i < PVF_ARRAY_SIZE(products); i++)
		if (products[i].number == product)
			return products[i].name;
	return NULL;
}

PVF_API int pvf_unplug_product_lookup(const char *name, uint16_t *product)
{
	size_t i;

	if (!name || !product)
		return -PVF_EINVAL;
	for (i = 0; i < PVF_ARRAY_SIZE(products); i++) {
		if (!pvf_strcmp(products[i].name, name)) {
			*product = products[i].number;
			return 0;
		}
	}
	return -PVF_ENOENT;
}

static const char *const mode_names[PVF_UNPLUG_NMODES] = {
	[PVF_UNPLUG_MODE_ALL] = "all",
	[PVF_UNPLUG_MODE_IDE_DISKS] = "ide-disks",
	[PVF_UNPLUG_MODE_AUX_IDE_DISKS] = "aux-ide-disks",
	[PVF_UNPLUG_MODE_NICS] = "nics",
	[PVF_UNPLUG_MODE_UNNECESSARY] = "unnecessary",
	[PVF_UNPLUG_MODE_NEVER] = "never",
	[PVF_UNPLUG_MODE_MASK] = "mask",
};

PVF_API const char *pvf_unplug_mode_name(enum pvf_unplug_mode mode)
{
	if ((unsigned int)mode >= PVF_UNPLUG_NMODES)
		return "?";
	return mode_names[mode];
}

PVF_API int pvf_unplug_parse_mode(const char *s, enum pvf_unplug_mode *mode)
{
	unsigned int i;

	if (!s || !mode)
		return -PVF_EINVAL;
	/* "mask" is not a mode a user types: it is chosen by giving a mask. */
	for (i = 0; i < PVF_UNPLUG_MODE_MASK; i++) {
		if (!pvf_strcmp(mode_names[i], s)) {
			*mode = (enum pvf_unplug_mode)i;
			return 0;
		}
	}
	return -PVF_EINVAL;
}

PVF_API uint16_t pvf_unplug_mode_mask(enum pvf_unplug_mode mode)
{
	switch (mode) {
	case PVF_UNPLUG_MODE_ALL:
		return PVF_UNPLUG_MASK_VALID;
	case PVF_UNPLUG_MODE_IDE_DISKS:
		return PVF_UNPLUG_MASK_DISKS | PVF_UNPLUG_MASK_AUX_IDE;
	case PVF_UNPLUG_MODE_AUX_IDE_DISKS:
		return PVF_UNPLUG_MASK_AUX_IDE;
	case PVF_UNPLUG_MODE_NICS:
		return PVF_UNPLUG_MASK_NICS;
	default:
		return 0;
	}
}

PVF_API const char *pvf_unplug_class_name(enum pvf_unplug_class c)
{
	switch (c) {
	case PVF_UNPLUG_CLASS_DISKS: return "disks";
	case PVF_UNPLUG_CLASS_NICS: return "nics";
	case PVF_UNPLUG_CLASS_AUX_IDE: return "aux-ide-disks";
	case PVF_UNPLUG_CLASS_NVME: return "nvme";
	default: return "?";
	}
}

PVF_API const char *pvf_unplug_use_name(enum pvf_unplug_use use)
{
	switch (use) {
	case PVF_UNPLUG_USE_EMULATED: return "emulated";
	case PVF_UNPLUG_USE_PV: return "pv";
	case PVF_UNPLUG_USE_BOTH: return "both";
	default: return "?";
	}
}

PVF_API const char *pvf_unplug_reason_name(enum pvf_unplug_reason r)
{
	switch (r) {
	case PVF_UNPLUG_REASON_NO_MAGIC: return "no-magic";
	case PVF_UNPLUG_REASON_BLACKLISTED: return "blacklisted";
	case PVF_UNPLUG_REASON_VETOED: return "vetoed";
	case PVF_UNPLUG_REASON_POLICY: return "policy";
	case PVF_UNPLUG_REASON_UNPLUGGED: return "unplugged";
	case PVF_UNPLUG_REASON_IO_ERROR: return "io-error";
	default: return "?";
	}
}

PVF_API const char *pvf_unplug_outcome_name(enum pvf_unplug_outcome o)
{
	switch (o) {
	case PVF_UNPLUG_OUTCOME_PV: return "pv";
	case PVF_UNPLUG_OUTCOME_PARTIAL: return "partial";
	case PVF_UNPLUG_OUTCOME_EMULATED: return "emulated";
	default: return "?";
	}
}
