/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the unplug policy-matrix parser of `pvfront unplug
 * --matrix` (harness/unplug_matrix.c, entry point pvf_unplug_matrix_run()
 * in harness/unplug_emu.h), with CSV and JSON input.
 *
 * The first byte picks the file name's extension (.csv, .json or none, so
 * the content decides) and the output format (table or JSON); the rest is
 * the file.  Invariants: no crash or sanitizer report; the status is 0, 1
 * (cases ran) or 2 (malformed input); malformed input gives exactly one
 * clear message on the error stream ("pvfront unplug: <file>...") and no
 * output at all; a matrix that ran prints its table (or a JSON array with
 * one object per case that parses back).
 * Accepted: the matrix ran (0 or 1); rejected: status 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "unplug_emu.h"
#include "fuzz.h"

static char g_dir[64];   /* a private temporary directory, kept between inputs */

void pvf_fuzz_unplug_matrix_fini(void)
{
	static const char *const ext[] = { ".csv", ".json", ".mx" };
	char path[128];
	size_t i;

	if (!g_dir[0])
		return;
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(path, sizeof(path), "%s/m%s", g_dir, ext[i]);
		unlink(path);
	}
	rmdir(g_dir);
	g_dir[0] = '\0';
}

int pvf_fuzz_unplug_matrix(const uint8_t *data, size_t size)
{
	static const char *const ext[] = { ".csv", ".json", ".mx" };
	char path[128], *outs = NULL, *errs = NULL;
	size_t outn = 0, errn = 0;
	FILE *f, *out, *err;
	uint8_t sel = size ? data[0] : 0;
	int json_out = (sel >> 2) & 1, rc, ret;

	if (!g_dir[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(g_dir, sizeof(g_dir), "%s/pvf-fuzz.XXXXXX", tmp && *tmp &&
			 strlen(tmp) < 40 ? tmp : "/tmp");
		if (!mkdtemp(g_dir)) {
			g_dir[0] = '\0';
			return pvf_fuzz_fail("unplug_matrix: cannot create a temporary directory");
		}
	}
	snprintf(path, sizeof(path), "%s/m%s", g_dir, ext[(sel & 3) % 3]);
	/* a new file each time: truncating one in place makes ext4 flush it
	 * to disk on close (auto_da_alloc), which is slow */
	unlink(path);
	f = fopen(path, "wb");
	if (!f)
		return pvf_fuzz_fail("unplug_matrix: cannot write %s", path);
	if (size > 1 && fwrite(data + 1, 1, size - 1, f) != size - 1) {
		fclose(f);
		return pvf_fuzz_fail("unplug_matrix: short write to %s", path);
	}
	fclose(f);
	out = open_memstream(&outs, &outn);
	err = open_memstream(&errs, &errn);
	if (!out || !err)
		abort();
	rc = pvf_unplug_matrix_run(path, json_out, out, err);
	fclose(out);
	fclose(err);
	ret = rc == PVF_UNPLUG_EXIT_USAGE ? PVF_FUZZ_REJECTED : PVF_FUZZ_ACCEPTED;
	if (rc != 0 && rc != PVF_UNPLUG_EXIT_ERROR && rc != PVF_UNPLUG_EXIT_USAGE) {
		ret = pvf_fuzz_fail("unplug_matrix: status %d (want 0, 1 or 2)", rc);
	} else if (rc == PVF_UNPLUG_EXIT_USAGE) {
		/* a clear message naming the file (it may quote the input, newlines
		 * included), nothing on the output */
		if (strncmp(errs, "pvfront unplug: ", 16) || !strstr(errs, path) ||
		    errn < 2 || errs[errn - 1] != '\n')
			ret = pvf_fuzz_fail("unplug_matrix: status 2 with the message \"%.200s\"", errs);
		else if (outn)
			ret = pvf_fuzz_fail("unplug_matrix: status 2 but %zu bytes of output", outn);
	} else if (!outn) {
		ret = pvf_fuzz_fail("unplug_matrix: status %d and no output", rc);
	} else if (json_out) {
		struct json_object *o = json_tokener_parse(outs);

		if (!o || !json_object_is_type(o, json_type_array) ||
		    json_object_array_length(o) == 0)
			ret = pvf_fuzz_fail("unplug_matrix: the JSON output is not a non-empty array");
		json_object_put(o);
	}
	free(outs);
	free(errs);
	return ret;
}

/* ---- corpus: first byte 0 = .csv, 1 = .json, 2 = by content; +4 JSON out ---- */

const struct pvf_fuzz_seed pvf_fuzz_unplug_matrix_corpus[] = {
	PVF_FUZZ_STR("\x00"
		     "name,product,build,mode,pv_present,expect\n"
		     "plain,linux,1,all,all,pv\n"
		     "# a comment\n"
		     "nonic,gplpv-windows,1,nics,disk,partial\n"),
	PVF_FUZZ_STR("\x04"
		     "product,build,mask,profile,version,expect_mask\n"
		     "0x3,42,1,qemu-upstream,1,0x1\n"
		     "7,0,3,qemu-traditional,0,none\n"),
	PVF_FUZZ_STR("\x00"
		     "product,build,blacklist,expect\n"
		     "linux,7,linux/7;gplpv-windows/2,emulated\n"),
	PVF_FUZZ_STR("\x01"
		     "[{\"name\": \"a\", \"product\": \"xenserver-windows-v7.0+\", \"build\": 1, \"blacklist\": [\"linux/3\"],"
		     " \"pv_present\": [\"disk\", \"nic\"], \"expect\": \"pv\"}]"),
	PVF_FUZZ_STR("\x06"
		     "{\"cases\": [{\"product\": 3, \"build\": 4294967295, \"mode\": \"all\"},"
		     " {\"product\": \"0x1\", \"build\": \"9\", \"profile\": \"qemu-upstream\","
		     " \"version\": 0}]}"),
	PVF_FUZZ_STR("\x02 [ {\"product\": 1, \"build\": 2} ]\n"),
	PVF_FUZZ_STR("\x02product,build\n1,2\n"),
	/* malformed on purpose: a run with PVF_FUZZ_ITERS=0 still sees both paths */
	PVF_FUZZ_STR("\x00product,build,colour\n1,2,red\n"),
	PVF_FUZZ_SEED_END,
};
