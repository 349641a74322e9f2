/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `pvfront xenstore`: run the embedded xenstore server in the foreground
 * until SIGINT or SIGTERM, so that libxenstore clients (xenstore-ls,
 * xenstore-write, a pvfront run in another shell) can use it through
 * XENSTORED_PATH.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <pvfront/xsd.h>
#include "commands.h"

static volatile int xsd_cmd_stop;

static void xsd_cmd_on_signal(int sig)
{
	(void)sig;
	xsd_cmd_stop = 1;
}

static void xsd_cmd_usage(void)
{
	printf("Usage: pvfront xenstore [--socket PATH] [--verbose]... [--help]\n\n"
	       "Run the embedded xenstore server in the foreground until SIGINT or\n"
	       "SIGTERM.  It speaks the xenstored wire protocol; point libxenstore\n"
	       "clients at it with the printed `export XENSTORED_PATH=...` line.\n\n"
	       "  --socket PATH  listen on PATH (default: $XDG_RUNTIME_DIR or /tmp,\n"
	       "                 in a directory pvfront-xenstore.<pid> removed on exit)\n"
	       "  --verbose, -v  log connections and errors; twice: every message\n"
	       "  --help, -h     this text\n");
}

static const char *xsd_cmd_strerror(int err)
{
	switch (err) {
	case -PVF_ENOENT:
		return "the directory does not exist";
	case -PVF_EACCES:
		return "permission denied (directory not writable?)";
	case -PVF_EBUSY:
		return "a live server already answers on this path";
	case -PVF_EEXIST:
		return "the path exists and is not a socket";
	case -PVF_EINVAL:
		return "path empty or too long (at most 107 bytes)";
	case -PVF_ENOMEM:
		return "out of memory";
	default:
		return "socket error";
	}
}

int pvf_cmd_xenstore(int argc, char **argv)
{
	struct pvf_xsd_config cfg;
	struct sigaction sa;
	struct pvf_xsd *xsd;
	char defdir[128] = "", defpath[160];
	int i, err;

	memset(&cfg, 0, sizeof(cfg));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			xsd_cmd_usage();
			return 0;
		} else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			cfg.verbose++;
		} else if (!strcmp(a, "--socket")) {
			if (i + 1 >= argc)
				return pvf_usage_error("xenstore", "--socket needs a PATH");
			cfg.socket_path = argv[++i];
		} else if (!strncmp(a, "--socket=", 9)) {
			cfg.socket_path = a + 9;
		} else {
			return pvf_usage_error("xenstore", "unknown argument '%s'", a);
		}
	}
	if (cfg.socket_path && !cfg.socket_path[0])
		return pvf_usage_error("xenstore", "--socket needs a non-empty PATH");
	if (!cfg.socket_path) {
		const char *base = getenv("XDG_RUNTIME_DIR");

		if (!base || !base[0] || strlen(base) > 64)
			base = "/tmp";
		snprintf(defdir, sizeof(defdir), "%s/pvfront-xenstore.%ld", base, (long)getpid());
		if (mkdir(defdir, 0700) && errno != EEXIST) {
			fprintf(stderr, "pvfront xenstore: cannot create %s: %s\n", defdir, strerror(errno));
			return 1;
		}
		snprintf(defpath, sizeof(defpath), "%s/socket", defdir);
		cfg.socket_path = defpath;
	}
	err = pvf_xsd_create(&cfg, &xsd);
	if (err) {
		fprintf(stderr, "pvfront xenstore: cannot listen on %s: %s\n", cfg.socket_path,
			xsd_cmd_strerror(err));
		if (defdir[0])
			rmdir(defdir);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = xsd_cmd_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: poll() returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("pvfront xenstore: listening on %s\nexport XENSTORED_PATH=%s\n",
	       pvf_xsd_socket_path(xsd), pvf_xsd_socket_path(xsd));
	fflush(stdout);
	err = pvf_xsd_run(xsd, &xsd_cmd_stop);
	pvf_xsd_destroy(xsd);
	if (defdir[0])
		rmdir(defdir);
	if (err) {
		fprintf(stderr, "pvfront xenstore: server failed (%s)\n", pvf_strerror(err));
		return 1;
	}
	return 0;
}
