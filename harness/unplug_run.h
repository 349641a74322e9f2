/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One unplug policy case: the guest side (unplug/) run against the
 * emulator, shared by `pvfront unplug` and its batch (matrix) mode.
 */
#ifndef PVF_HARNESS_UNPLUG_RUN_H
#define PVF_HARNESS_UNPLUG_RUN_H

#include <stdint.h>
#include <stdio.h>
#include <pvfront/unplug.h>
#include "unplug_emu.h"

struct pvf_unplug_case {
	struct pvf_unplug_config cfg;       /* product, build, mode/mask, vetoes */
	enum pvf_unplug_emu_profile profile;
	uint8_t version;
	pvf_unplug_emu_lookup_fn lookup;    /* NULL: nothing blacklisted */
	void *lookup_arg;
};

struct pvf_unplug_case_result {
	int rc;                             /* of pvf_unplug_run() */
	struct pvf_unplug_decision d;
	enum pvf_unplug_outcome outcome;
	struct pvf_unplug_emu *emu;         /* owned by the caller: free it */
	char guest_log[2048];               /* the guest's own log lines */
};

/* Run @c; the guest also sends one log line through the log channel.
 * Returns 0 (read @r, free r->emu); -ENOMEM; -EINVAL (bad config). */
int pvf_unplug_case_run(const struct pvf_unplug_case *c, struct pvf_unplug_case_result *r);

/* Strict parsers; each returns 0 or -EINVAL. */
/* A registered product name or a number 0..65535 (decimal or 0x hex). */
int pvf_unplug_parse_product(const char *s, uint16_t *out);
/* A decimal number 0..UINT32_MAX (0x hex accepted). */
int pvf_unplug_parse_u32(const char *s, uint32_t *out);
/* "none", "all" or a list of disk, nic, nvme separated by ',', ';' or '+'. */
int pvf_unplug_parse_pv(const char *s, uint16_t *out);
/* "qemu-traditional" or "qemu-upstream". */
int pvf_unplug_parse_profile(const char *s, enum pvf_unplug_emu_profile *out);
/* "pv", "partial" or "emulated". */
int pvf_unplug_parse_outcome(const char *s, enum pvf_unplug_outcome *out);

const char *pvf_unplug_profile_name(enum pvf_unplug_emu_profile p);
/* "disk,nic" ... or "none" into @buf. */
const char *pvf_unplug_pv_str(uint16_t pv, char *buf, size_t len);

/* Print a decision: magics, version, mask, then one line per class
 * ("  disks          pv        unplugged"). */
void pvf_unplug_print_decision(FILE *f, const struct pvf_unplug_decision *d);

/* The exit status for an outcome (PVF_UNPLUG_EXIT_*). */
int pvf_unplug_exit_status(enum pvf_unplug_outcome o);

#endif /* PVF_HARNESS_UNPLUG_RUN_H */
