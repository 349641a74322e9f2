/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * libFuzzer entry point for one target (configure --enable-libfuzzer):
 * compiled once per target with -DPVF_FUZZ_ENTRY=pvf_fuzz_NAME.  An
 * invariant violation aborts, so libFuzzer saves the input as a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include "fuzz.h"

#ifndef PVF_FUZZ_ENTRY
#error "build with -DPVF_FUZZ_ENTRY=pvf_fuzz_<target>"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pvf_fuzz_reset();
	if (PVF_FUZZ_ENTRY(data, size) == PVF_FUZZ_VIOLATION) {
		fprintf(stderr, "pvfront fuzz: invariant violated: %s\n", pvf_fuzz_why());
		abort();
	}
	return 0;
}
