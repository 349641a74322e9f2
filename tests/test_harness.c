/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The `pvfront` command as a user runs it: help, bad arguments (exit 2 with
 * a message naming the problem), the selftest and the main job.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cu.h"

/* Run `pvfront ARGS`, capture stdout+stderr into @out; return exit status. */
static int run(const char *args, char *out, size_t size)
{
	char cmd[1024];
	FILE *f;
	size_t n = 0;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", PVF_PVFRONT, args);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (n + 1 < size) {
		size_t r = fread(out + n, 1, size - 1 - n, f);
		if (!r)
			break;
		n += r;
	}
	out[n] = '\0';
	/* drain anything beyond the buffer */
	while (fgetc(f) != EOF)
		;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char out[65536];

static void test_help_lists_commands(void)
{
	CU_ASSERT_EQUAL(run("--help", out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "xenstore"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "selftest"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "unplug"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "run"));
	CU_ASSERT_EQUAL(run("run --help", out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--rounds"));
	CU_ASSERT_EQUAL(run("--version", out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "pvfront "));
}

static void test_bad_arguments_exit_2(void)
{
	CU_ASSERT_EQUAL(run("no-such-command", out, sizeof(out)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "unknown command 'no-such-command'"));
	CU_ASSERT_EQUAL(run("run --rounds 12abc", out, sizeof(out)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--rounds"));
	CU_ASSERT_EQUAL(run("run --rounds -5", out, sizeof(out)), 2);
	CU_ASSERT_EQUAL(run("run --rounds", out, sizeof(out)), 2);
	CU_ASSERT_EQUAL(run("run --frobnicate", out, sizeof(out)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--frobnicate"));
	CU_ASSERT_EQUAL(run("run extra", out, sizeof(out)), 2);
	CU_ASSERT_EQUAL(run("selftest extra", out, sizeof(out)), 2);
	CU_ASSERT_EQUAL(run("xenstore --bogus", out, sizeof(out)), 2);
	CU_ASSERT_EQUAL(run("xenstore --socket /nonexistent-dir/x/socket", out, sizeof(out)), 1);
}

static void test_selftest_passes(void)
{
	CU_ASSERT_EQUAL(run("selftest", out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " 0 failed"));
	CU_ASSERT_PTR_NULL(strstr(out, "FAIL"));
}

/* --untrusted: the toolstack writes trusted=0, the frontends bounce (and
 * say so); without it they do not.  Data still verified. */
static void test_untrusted_backend(void)
{
	char img[] = "/tmp/pvf-harness-img-XXXXXX";
	char args[256];
	int fd = mkstemp(img);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(ftruncate(fd, 4 << 20), 0);
	close(fd);
	snprintf(args, sizeof(args), "blk --image %s --rw mixed --size 1M --iodepth 4 --verify "
		 "--untrusted --json", img);
	CU_ASSERT_EQUAL(run(args, out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"untrusted\":true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"verify_errors\":0,"));
	snprintf(args, sizeof(args), "blk --image %s --rw mixed --size 1M --verify --profile "
		 "minimal", img);
	CU_ASSERT_EQUAL(run(args, out, sizeof(out)), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "bounce buffers"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "verify: ok"));
	snprintf(args, sizeof(args), "blk --image %s --rw mixed --size 1M --verify --profile "
		 "minimal --untrusted", img);
	CU_ASSERT_EQUAL(run(args, out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "bounce buffers (untrusted backend)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "verify: ok"));
	unlink(img);
	CU_ASSERT_EQUAL(run("blk --null --untrusted=1", out, sizeof(out)), 2);

	CU_ASSERT_EQUAL(run("net --count 200 --untrusted --json", out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"bounce\":true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"verified\":200,"));
	CU_ASSERT_EQUAL(run("net --count 200 --json", out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"bounce\":false"));
	CU_ASSERT_EQUAL(run("net --platform=xen --untrusted", out, sizeof(out)), 2);
}

static void test_main_job_runs_clean(void)
{
	CU_ASSERT_EQUAL(run("run --rounds 500", out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "echo: 500 round trips"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "unplugged: hda"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "unplugged: nic0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "kept:      hdc")); /* the CD-ROM stays */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "handover: done"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "leaks: grants 0, pages 0, guest ports 0, backend ports 0, watches 0"));
	/* the block workload with verify, through blkfront and blkback */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "negotiated: ring order 4"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "verify: ok"));
	/* network traffic through netfront and netback: over TAP between
	 * namespaces where the machine allows it, else the echo backend */
	CU_ASSERT(strstr(out, "net: ping both ways through netfront and netback: ok; "
			      "job closed cleanly, nothing leaked") ||
		  (strstr(out, "mode echo") && strstr(out, "2000 verified") &&
		   strstr(out, "; ok")));
	CU_ASSERT_PTR_NULL(strstr(out, "FAILED"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "pvfront run: OK"));
	CU_ASSERT_EQUAL(run("run --rounds 10 --no-blk --no-net", out, sizeof(out)), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "verify:"));
	CU_ASSERT_PTR_NULL(strstr(out, "net: "));
}

static void test_main_job_blacklisted_stays_emulated(void)
{
	CU_ASSERT_EQUAL(run("run --blacklisted", out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "no unplug mask written"));
	/* every emulated device stays, and the log channel still works */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "kept:      hda"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "kept:      nic0"));
	CU_ASSERT_PTR_NULL(strstr(out, "unplugged:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "device-model log: pvfront unplug: product 3 build 4242: emulated"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "frontends: not attached"));
	CU_ASSERT_PTR_NULL(strstr(out, "xenbus:"));
	CU_ASSERT_PTR_NULL(strstr(out, "pvfront blk:"));
	CU_ASSERT_PTR_NULL(strstr(out, "net: "));
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_help_lists_commands),
		PVF_TEST(test_bad_arguments_exit_2),
		PVF_TEST(test_selftest_passes),
		PVF_TEST(test_untrusted_backend),
		PVF_TEST(test_main_job_runs_clean),
		PVF_TEST(test_main_job_blacklisted_stays_emulated),
		PVF_TEST_END
	};
	return pvf_test_run("harness", tests, NULL, NULL);
}
