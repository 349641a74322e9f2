/* SPDX-License-Identifier: BSD-2-Clause */
/* A minimal blkif frontend for the real-Xen test (see blkmini.c). */
#ifndef PVF_TESTS_XEN_BLKMINI_H
#define PVF_TESTS_XEN_BLKMINI_H

#include <stdint.h>
#include <pvfront/xenplat.h>

struct blkmini_result {
	int connected;          /* backend reached Connected */
	int io_ok;              /* pattern written and read back */
	int image_ok;           /* pattern found in the image file */
	int closed;             /* backend reached Closed */
	int flush_rc;           /* result of the flush request */
	unsigned int busy;      /* gnt_end answers -PVF_EBUSY seen */
	unsigned int events;    /* events delivered on our port */
	uint64_t sectors;       /* the backend's "sectors" */
};

/*
 * blkmini_run - connect the frontend directory @fe to the backend @be
 * (both written by pvf_xenplat_vbd_create), log every backend key at
 * InitWait and Connected, write/read/verify 8 sectors at sector 8 (and in
 * @image if not NULL), then close cleanly and release grants, port, pages.
 * Returns 0 when the I/O succeeded; -PVF_ETIMEDOUT, -PVF_EIO, -PVF_EPROTO,
 * -PVF_ENOMEM, -PVF_ENOSPC, -PVF_EBUSY (a grant stayed mapped).
 */
int blkmini_run(struct pvf_xenplat *x, const char *fe, const char *be, const char *image,
		struct blkmini_result *res);

#endif
