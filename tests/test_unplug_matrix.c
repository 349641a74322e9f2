/* SPDX-License-Identifier: BSD-2-Clause */
/* `pvfront unplug` and its matrix mode: exit statuses, CSV and JSON input,
 * and clear errors (file, line/case, field) for malformed matrices. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../harness/unplug_emu.h"
#include "cu.h"

#ifndef PVF_UNPLUG_TMPDIR
#define PVF_UNPLUG_TMPDIR "/tmp"
#endif

static char tmpdir[256];

static int suite_init(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/unplug-matrix-XXXXXX", PVF_UNPLUG_TMPDIR);
	if (!mkdtemp(tmpdir)) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/unplug-matrix-XXXXXX");
		if (!mkdtemp(tmpdir))
			return -1;
	}
	return 0;
}

static int suite_cleanup(void)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	if (!fp)
		return NULL;
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* Run the matrix, capture stdout/stderr text. */
static int run_matrix(const char *path, int json, char *out, size_t outlen, char *err, size_t errlen)
{
	FILE *o = fmemopen(out, outlen, "w"), *e = fmemopen(err, errlen, "w");
	int rc;

	memset(out, 0, outlen);
	memset(err, 0, errlen);
	if (!o || !e)
		return -1;
	rc = pvf_unplug_matrix_run(path, json, o, e);
	fclose(o);
	fclose(e);
	return rc;
}

static char out[65536], err[4096];

static void test_csv_matrix(void)
{
	const char *p = write_file("ok.csv",
		"# policy matrix\n"
		"name,product,build,mode,mask,pv_present,blacklist,profile,version,expect,expect_mask\n"
		"clean,linux,100,all,,all,,qemu-traditional,1,pv,15\n"
		"listed,xensource-windows,1234,all,,all,xensource-windows/1234;linux/1,,1,emulated,none\n"
		"upstream,xensource-windows,1234,,,disk+nic+nvme,xensource-windows/1234,qemu-upstream,1,pv,\n"
		"veto,3,7,,,nic,,,,partial,2\n"
		"v0,linux,7,,5,disk,,,0,partial,5\n"
		"never,linux,8,never,,all,,,,emulated,none\n");
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	rc = run_matrix(p, 0, out, sizeof(out), err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	if (rc)
		printf("%s%s", out, err);
	CU_ASSERT_PTR_NULL(strstr(out, "FAIL"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "listed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "blacklisted"));
	CU_ASSERT_EQUAL(err[0], '\0');

	/* a wrong expectation is reported and fails the run */
	p = write_file("bad-expect.csv", "product,build,expect\nlinux,1,emulated\n");
	CU_ASSERT_EQUAL(run_matrix(p, 0, out, sizeof(out), err, sizeof(err)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "FAIL"));
}

static void test_json_matrix(void)
{
	const char *p = write_file("ok.json",
		"[\n"
		" {\"name\": \"clean\", \"product\": \"linux\", \"build\": 100, \"expect\": \"pv\"},\n"
		" {\"product\": 1, \"build\": \"1234\", \"blacklist\": [\"xensource-windows/1234\"],\n"
		"  \"pv_present\": [\"disk\", \"nic\"], \"expect\": \"emulated\"},\n"
		" {\"product\": \"linux\", \"build\": 5, \"mode\": \"nics\", \"expect\": \"partial\", \"expect_mask\": 2},\n"
		" {\"product\": \"linux\", \"build\": 6, \"pv_present\": \"nic\", \"expect\": \"partial\"}\n"
		"]\n");
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	rc = run_matrix(p, 1, out, sizeof(out), err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	if (rc)
		printf("%s%s", out, err);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"outcome\": \"emulated\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"blacklisted\": true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"mask_written\": 2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"reason\": \"vetoed\""));
	/* {"cases": [...]} works too, with a table out */
	p = write_file("obj.json", "{\"cases\": [{\"product\": \"linux\", \"build\": 1}]}");
	CU_ASSERT_EQUAL(run_matrix(p, 0, out, sizeof(out), err, sizeof(err)), 0);
}

struct bad {
	const char *file;
	const char *text;
	const char *msg1, *msg2; /* both must appear in the error */
};

static const struct bad bads[] = {
	{ "num.csv", "product,build\nlinux,12x\n", "num.csv:2:", "field 'build'" },
	{ "neg.csv", "product,build\nlinux,-1\n", ":2:", "'-1'" },
	{ "col.csv", "product,build,colour\nlinux,1,red\n", ":1:", "unknown column 'colour'" },
	{ "mode.csv", "# c\nproduct,build,mode\nlinux,1,everything\n", "mode.csv:3:", "field 'mode'" },
	{ "prod.csv", "product,build\nwindows,1\n", ":2:", "field 'product'" },
	{ "count.csv", "product,build\nlinux,1,3\n", ":2:", "3 fields, the header has 2" },
	{ "miss.csv", "build\n1\n", ":2", "'product' is missing" },
	{ "both.csv", "product,build,mode,mask\nlinux,1,all,3\n", ":2:", "mask" },
	{ "mask.csv", "product,build,mask\nlinux,1,16\n", ":2:", "field 'mask'" },
	{ "bl.csv", "product,build,blacklist\nlinux,1,linux-5\n", ":2:", "field 'blacklist'" },
	{ "quote.csv", "product,build\n\"linux\",1\n", ":2:", "quoted" },
	{ "dup.csv", "product,build,build\n", ":1:", "given twice" },
	{ "empty.csv", "# nothing\n", "empty.csv", "no header" },
	{ "trunc.json", "[{\"product\": \"linux\", \"build\": 1},\n {\"product\": ", "trunc.json:2:", "truncated" },
	{ "syntax.json", "[\n{\"product\": linux}]", "syntax.json:2:", "JSON parse error" },
	{ "key.json", "[{\"product\": \"linux\", \"build\": 1, \"colour\": 1}]", "case 1", "unknown field 'colour'" },
	{ "type.json", "[{\"product\": \"linux\", \"build\": 1.5}]", "case 1", "field 'build'" },
	{ "mode.json", "[{\"product\": \"linux\", \"build\": 1}, {\"product\": \"linux\", \"build\": 2, \"mode\": \"x\"}]",
	  "case 2", "field 'mode'" },
	{ "top.json", "{\"product\": \"linux\"}", "top.json", "top level" },
	{ "notobj.json", "[1]", "case 1", "not an object" },
	{ "trail.json", "[] x", "trail.json", "" },
	{ "none.json", "[]", "none.json", "no cases" },
};

static void test_malformed(void)
{
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const char *p = write_file(bads[i].file, bads[i].text);
		int rc;

		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		rc = run_matrix(p, 0, out, sizeof(out), err, sizeof(err));
		CU_ASSERT_EQUAL(rc, 2);
		CU_ASSERT_EQUAL(out[0], '\0'); /* no partial output */
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bads[i].msg1));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bads[i].msg2));
		if (rc != 2 || !strstr(err, bads[i].msg1) || !strstr(err, bads[i].msg2))
			printf("\n%s: rc %d, err: %s", bads[i].file, rc, err);
	}
	CU_ASSERT_EQUAL(run_matrix("/nonexistent/m.csv", 0, out, sizeof(out), err, sizeof(err)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/m.csv: cannot open"));
}

static int cmd(const char *a0, ...)
{
	char *argv[32];
	int argc = 0, rc;
	va_list ap;
	const char *s;
	FILE *saved;

	argv[argc++] = (char *)"unplug";
	va_start(ap, a0);
	for (s = a0; s && argc < 31; s = va_arg(ap, const char *))
		argv[argc++] = (char *)s;
	va_end(ap);
	argv[argc] = NULL;
	/* keep the test output readable: the command prints to stdout */
	fflush(stdout);
	saved = stdout;
	stdout = fopen("/dev/null", "w");
	rc = pvf_cmd_unplug(argc, argv);
	fclose(stdout);
	stdout = saved;
	return rc;
}

static void test_command_exit_status(void)
{
	const char *bl = write_file("bl.txt", "# test\nxensource-windows/1234\n");

	CU_ASSERT_PTR_NOT_NULL_FATAL(bl);
	CU_ASSERT_EQUAL(cmd("--product", "linux", "--build", "1", NULL), 0);
	CU_ASSERT_EQUAL(cmd("--product", "1", "--build", "1234", "--blacklist", "xensource-windows/1234", NULL), 4);
	CU_ASSERT_EQUAL(cmd("--product", "xensource-windows", "--build", "1234", "--blacklist-file", bl, NULL), 4);
	CU_ASSERT_EQUAL(cmd("--product", "xensource-windows", "--build", "1234", "--blacklist-file", bl,
			    "--profile", "qemu-upstream", NULL), 0);
	CU_ASSERT_EQUAL(cmd("--product", "linux", "--build", "1", "--pv-present", "nic", NULL), 3);
	CU_ASSERT_EQUAL(cmd("--mode", "nics", NULL), 3);
	CU_ASSERT_EQUAL(cmd("--mask", "0", NULL), 4);
	CU_ASSERT_EQUAL(cmd("--version", "0", "--mode", "never", NULL), 4);
	CU_ASSERT_EQUAL(cmd("--mode", "bogus", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--mode", "all", "--mask", "3", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--mask", "16", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--build", "x", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--product", "70000", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--pv-present", "gpu", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--blacklist", "nope", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--blacklist-file", "/nonexistent", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--version", "2", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--frobnicate", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--build", NULL), 2);
	CU_ASSERT_EQUAL(cmd("extra", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--json", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--xenstore", "--blacklist", "linux/1", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--matrix", "/nonexistent.csv", NULL), 2);
	CU_ASSERT_EQUAL(cmd("--help", NULL), 0);
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_csv_matrix),
	PVF_TEST(test_json_matrix),
	PVF_TEST(test_malformed),
	PVF_TEST(test_command_exit_status),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("unplug_matrix", tests, suite_init, suite_cleanup);
}
