/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Subcommands of the `pvfront` harness.  Each lives in its own file
 * harness/cmd_<name>.c and is listed once in harness/main.c.
 *
 * A command gets argv with argv[0] = its own name and returns the process
 * exit status: 0 success, 1 failure, 2 usage error (after printing a message
 * that names the bad argument and pointing at `pvfront <cmd> --help`).
 */
#ifndef PVF_HARNESS_COMMANDS_H
#define PVF_HARNESS_COMMANDS_H

struct pvf_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary; /* one line for `pvfront --help` */
};

int pvf_cmd_run(int argc, char **argv);
int pvf_cmd_selftest(int argc, char **argv);
int pvf_cmd_xenstore(int argc, char **argv);

/* Usage error helper: prints "pvfront <cmd>: <msg>" and the help hint,
 * returns 2. */
int pvf_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
