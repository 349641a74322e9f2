/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `pvfront net` as a stand-alone program for tests/net_integration.sh, so
 * the integration test does not depend on the command table in main.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include "commands.h"
#include "netback.h"

int pvf_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pvfront %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry 'pvfront %s --help'\n", cmd);
	return 2;
}

int main(int argc, char **argv)
{
	return pvf_cmd_net(argc, argv);
}
