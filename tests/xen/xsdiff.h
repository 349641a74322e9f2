/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The xenstore differential script: one fixed sequence of xenstore
 * operations run through libxenstore, printed as a normalised transcript
 * (one line per result or watch event; errno names, no generation numbers,
 * transaction ids replaced by "T").  Run against the real xenstored (in the
 * dom0 that tests/xen/run boots) and against the embedded server
 * (include/pvfront/xsd.h); the two transcripts must be identical.
 */
#ifndef PVF_TESTS_XEN_XSDIFF_H
#define PVF_TESTS_XEN_XSDIFF_H

#include <stdio.h>

struct xs_handle;

/*
 * pvf_xsdiff_run - run the whole script on @xs, writing the transcript to
 * @out.  Uses (and first removes) the subtrees /pvfdiff and
 * /local/domain/0/pvfdiff-rel, and removes them again at the end.
 * Returns 0 when the script ran to its end (whatever the server answered);
 * -1 when the connection broke (the transcript then ends early).
 */
int pvf_xsdiff_run(struct xs_handle *xs, FILE *out);

#endif
