/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `pvfront`: the dom0 loopback harness.  Dispatches to subcommands.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "config.h"
#include "commands.h"
#include "unplug_emu.h"
#include "blkback.h"
#include "netback.h"

static const struct pvf_command commands[] = {
	{ "run", pvf_cmd_run, "the main job: the loopback harness on its embedded defaults" },
	{ "selftest", pvf_cmd_selftest, "quick checks of the simulated hypervisor and xenstore" },
	{ "xenstore", pvf_cmd_xenstore, "run the embedded xenstore server in the foreground" },
	{ "unplug", pvf_cmd_unplug, "unplug policy tester: handshake, blacklist, decision" },
	{ "blk", pvf_cmd_blk, "block workload: blkfront core against the userspace blkback" },
	{ "net", pvf_cmd_net, "network frontend core <-> userspace netback: TAP bridge, echo/sink/gen packet rate" },
};

int pvf_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pvfront %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'pvfront %s --help'.\n", cmd);
	return 2;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: pvfront [--version] [--help] <command> [options]\n\n"
		   "Xen paravirtual frontend cores running against userspace backends.\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nWith no command, runs `pvfront run`.  "
		   "`pvfront <command> --help` describes each command.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		char *def[] = { "run", NULL };
		return pvf_cmd_run(1, def);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("pvfront %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "pvfront: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
