/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The xenstore differential (tests/xen/xsdiff.h).
 *
 *   test_xen_xsdiff --transcript           run the script against the
 *                                          xenstored libxenstore finds
 *                                          (the real one, inside dom0)
 *   test_xen_xsdiff --transcript-embedded  run it against an in-process
 *                                          embedded server (pvf_xsd)
 *   test_xen_xsdiff                        CUnit: the script runs on the
 *                                          embedded server, is repeatable,
 *                                          and matches the transcript
 *                                          recorded from Debian's xenstored
 *                                          4.17 (tests/xen/xsdiff.expected).
 * The transcript goes to stdout; tests/xen/run diffs the live pair.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include <pvfront/xsd.h>
#include "cu.h"
#include "xen/xsdiff.h"

#ifndef PVF_XSDIFF_EXPECTED
#define PVF_XSDIFF_EXPECTED "tests/xen/xsdiff.expected"
#endif

/* Run the script against a fresh embedded server; *text gets the transcript
 * (malloc'd).  Returns the script's result, or -2 when the server could not
 * be set up. */
static int run_embedded(char **text, struct pvf_xsd_stats *after)
{
	struct pvf_xsd *xsd = NULL;
	struct xs_handle *xs;
	size_t len = 0;
	FILE *out;
	int rc;

	*text = NULL;
	if (pvf_xsd_create(NULL, &xsd) < 0)
		return -2;
	if (pvf_xsd_start(xsd) < 0 ||
	    setenv("XENSTORED_PATH", pvf_xsd_socket_path(xsd), 1) < 0) {
		pvf_xsd_destroy(xsd);
		return -2;
	}
	xs = xs_open(XS_OPEN_SOCKETONLY);
	if (!xs) {
		pvf_xsd_destroy(xsd);
		return -2;
	}
	out = open_memstream(text, &len);
	if (!out) {
		xs_close(xs);
		pvf_xsd_destroy(xsd);
		return -2;
	}
	rc = pvf_xsdiff_run(xs, out);
	fclose(out);
	xs_close(xs);
	pvf_xsd_stop(xsd);
	if (after)
		pvf_xsd_get_stats(xsd, after);
	pvf_xsd_destroy(xsd);
	return rc;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	if (!m) {
		fclose(f);
		return NULL;
	}
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* Print the first lines that differ (real first) and count differing lines. */
static unsigned int report_diff(const char *real, const char *emb)
{
	unsigned int line = 1, diffs = 0;

	while (*real || *emb) {
		size_t lr = strcspn(real, "\n"), le = strcspn(emb, "\n");

		if (lr != le || memcmp(real, emb, lr) != 0) {
			if (diffs++ < 20)
				fprintf(stderr, "line %u:\n  real:     %.*s\n  embedded: %.*s\n",
					line, (int)lr, real, (int)le, emb);
		}
		real += lr + (real[lr] == '\n');
		emb += le + (emb[le] == '\n');
		line++;
	}
	return diffs;
}

static void test_script_runs_on_embedded(void)
{
	struct pvf_xsd_stats st;
	char *t;

	CU_ASSERT_EQUAL_FATAL(run_embedded(&t, &st), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "read \"/pvfdiff/a\" -> \"1\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "read \"/pvfdiff/missing\" -> ENOENT\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "watch \"/pvfdiff/w\" tok1 -> ok\n"
					 "  event \"/pvfdiff/w\" \"tok1\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "txn_end commit -> EAGAIN\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "# end\n"));
	/* Nothing left behind on the server. */
	CU_ASSERT_EQUAL(st.watches, 0);
	CU_ASSERT_EQUAL(st.transactions, 0);
	free(t);
}

static void test_script_is_repeatable(void)
{
	char *a, *b;

	CU_ASSERT_EQUAL_FATAL(run_embedded(&a, NULL), 0);
	CU_ASSERT_EQUAL(run_embedded(&b, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(a, b);
	free(a);
	free(b);
}

static void test_matches_recorded_xenstored(void)
{
	char *real = slurp(PVF_XSDIFF_EXPECTED);
	char *emb;

	CU_ASSERT_PTR_NOT_NULL_FATAL(real);
	CU_ASSERT_EQUAL_FATAL(run_embedded(&emb, NULL), 0);
	CU_ASSERT_EQUAL(report_diff(real, emb), 0);
	free(real);
	free(emb);
}

static int transcript(int embedded)
{
	struct xs_handle *xs;
	char *t;
	int rc;

	if (embedded) {
		rc = run_embedded(&t, NULL);
		if (t)
			fputs(t, stdout);
		free(t);
		if (rc == -2)
			fprintf(stderr, "cannot start the embedded xenstore\n");
		return rc == 0 ? 0 : 1;
	}
	xs = xs_open(0);
	if (!xs) {
		fprintf(stderr, "xs_open: %s\n", strerror(errno));
		return 1;
	}
	rc = pvf_xsdiff_run(xs, stdout);
	xs_close(xs);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_script_runs_on_embedded),
		PVF_TEST(test_script_is_repeatable),
		PVF_TEST(test_matches_recorded_xenstored),
		PVF_TEST_END
	};

	if (argc == 2 && strcmp(argv[1], "--transcript") == 0)
		return transcript(0);
	if (argc == 2 && strcmp(argv[1], "--transcript-embedded") == 0)
		return transcript(1);
	if (argc != 1) {
		fprintf(stderr, "usage: %s [--transcript | --transcript-embedded]\n", argv[0]);
		return 2;
	}
	return pvf_test_run("xen_xsdiff", tests, NULL, NULL);
}
