/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include "netback.h"

int pvf_cmd_net(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "pvfront net: not yet\n");
	return 1;
}
