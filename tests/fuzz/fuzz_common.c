/* SPDX-License-Identifier: BSD-2-Clause */
/* Violation messages shared by the fuzz targets and their drivers. */
#include <stdarg.h>
#include <stdio.h>
#include "fuzz.h"

static char g_why[1024];
static int g_have;

int pvf_fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	if (!g_have) {
		va_start(ap, fmt);
		vsnprintf(g_why, sizeof(g_why), fmt, ap);
		va_end(ap);
		g_have = 1;
	}
	return PVF_FUZZ_VIOLATION;
}

const char *pvf_fuzz_why(void)
{
	return g_have ? g_why : "";
}

void pvf_fuzz_reset(void)
{
	g_have = 0;
	g_why[0] = '\0';
}
