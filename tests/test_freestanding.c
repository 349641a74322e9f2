/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The freestanding claim, checked on the built guest libraries: `nm -u`
 * may show only memcpy, memset, memmove and memcmp; the archive must not be
 * empty; and the poison headers must make a libc include fail to compile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cu.h"

static const char *const allowed[] = { "memcpy", "memset", "memmove", "memcmp" };

static int is_listed(const char *sym, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(sym, list[i]) == 0)
			return 1;
	return 0;
}

/* Does @defined (one symbol name per line) contain @sym? */
static int defined_in(const char *defined, const char *sym)
{
	size_t len = strlen(sym);
	const char *p = defined;

	while ((p = strstr(p, sym)) != NULL) {
		if ((p == defined || p[-1] == '\n') && (p[len] == '\n' || p[len] == '\0'))
			return 1;
		p += len;
	}
	return 0;
}

/* Parse `nm -u` output in @text.  A symbol is external when it is not
 * defined by any member of the archive (@defined: one name per line, from
 * `nm -g --defined-only`); count external symbols outside the allowed set
 * into *bad (first one copied to @first) and members into *objects.
 * Returns 0. */
static int scan_nm(const char *text, const char *defined, int *bad, char *first,
		   size_t firstsz, int *objects)
{
	const char *line = text;

	*bad = 0;
	*objects = 0;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[512];
		char sym[256];

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		if (len > 3 && strcmp(buf + len - 3, ".o:") == 0) {
			(*objects)++;
		} else if (sscanf(buf, " U %255s", sym) == 1) {
			if (!is_listed(sym, allowed, sizeof(allowed) / sizeof(allowed[0])) &&
			    !defined_in(defined, sym)) {
				if (*bad == 0)
					snprintf(first, firstsz, "%s", sym);
				(*bad)++;
			}
		}
		line = end ? end + 1 : line + len;
	}
	return 0;
}

static char *run(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	size_t cap = 65536, len = 0;
	char *out = calloc(1, cap);

	if (!f || !out) {
		if (f)
			pclose(f);
		free(out);
		return NULL;
	}
	for (;;) {
		size_t n;
		if (len + 4096 + 1 > cap) {
			cap *= 2;
			out = realloc(out, cap);
			if (!out)
				break;
		}
		n = fread(out + len, 1, 4096, f);
		if (n == 0)
			break;
		len += n;
	}
	if (out)
		out[len] = '\0';
	pclose(f);
	return out;
}

static void check_lib(const char *lib)
{
	char cmd[1024];
	char first[256] = "";
	int bad = -1, objects = 0;
	char *out;

	char *defined;

	snprintf(cmd, sizeof(cmd), "%s -g --defined-only '%s' 2>/dev/null | awk 'NF == 3 {print $3}'",
		 PVF_NM, lib);
	defined = run(cmd);
	CU_ASSERT_PTR_NOT_NULL_FATAL(defined);
	snprintf(cmd, sizeof(cmd), "%s -u '%s' 2>&1", PVF_NM, lib);
	out = run(cmd);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	scan_nm(out, defined, &bad, first, sizeof(first), &objects);
	free(defined);
	if (bad)
		fprintf(stderr, "%s: %d forbidden undefined symbol(s), first: %s\n", lib, bad, first);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(objects >= 3); /* really an archive of our objects */
	free(out);
}

static void test_guest_lib_x86_64(void)
{
	check_lib(PVF_GUEST_LIB);
}

static void test_guest_lib_i386(void)
{
#ifdef PVF_GUEST32_LIB
	check_lib(PVF_GUEST32_LIB);
#else
	CU_FAIL("the i386 guest library was not built: install gcc-multilib");
#endif
}

/* The scanner itself must flag what it is meant to flag. */
static void test_scanner_flags_libc_symbols(void)
{
	const char *sample =
		"\nfoo.o:\n                 U memcpy\n                 U printf\n"
		"bar.o:\n                 U __stack_chk_fail\n                 U memset\n"
		"                 U pvf_logf\n";
	const char *defined = "pvf_logf\npvf_logf_extra\n";
	char first[64] = "";
	int bad = 0, objects = 0;

	/* pvf_logf is defined by another member: internal, not flagged */
	scan_nm(sample, defined, &bad, first, sizeof(first), &objects);
	CU_ASSERT_EQUAL(bad, 2);
	CU_ASSERT_STRING_EQUAL(first, "printf");
	CU_ASSERT_EQUAL(objects, 2);
	/* ...but flagged when nothing defines it */
	scan_nm(sample, "pvf_logf_extra\n", &bad, first, sizeof(first), &objects);
	CU_ASSERT_EQUAL(bad, 3);
}

/* A libc include must not compile with the guest flags. */
static void test_poison_headers_reject_libc(void)
{
	char cmd[2048];
	int rc;

	snprintf(cmd, sizeof(cmd),
		 "printf '#include <stdio.h>\\nint x;\\n' | %s -ffreestanding -I'%s/common/poison' "
		 "-x c -c -o /dev/null - >/dev/null 2>&1", PVF_CC, PVF_SRCDIR);
	rc = system(cmd);
	CU_ASSERT_NOT_EQUAL(rc, 0);
	snprintf(cmd, sizeof(cmd),
		 "printf '#include <stdint.h>\\n#include <stdatomic.h>\\nint x;\\n' | %s -std=c11 -ffreestanding "
		 "-I'%s/common/poison' -x c -c -o /dev/null - >/dev/null 2>&1", PVF_CC, PVF_SRCDIR);
	rc = system(cmd);
	CU_ASSERT_EQUAL(rc, 0);
}

/* A guest kernel replaces the barrier header whole with PVF_BARRIER_HEADER;
 * the replacement is used, the C11 default is not. */
static void test_barrier_header_is_overridable(void)
{
	char dir[] = "/tmp/pvf-barrier-XXXXXX";
	char cmd[2048], path[256];
	FILE *f;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/my_barriers.h", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("#define MY_KERNEL_BARRIERS 1\n"
	      "#define pvf_barrier() __asm__ volatile(\"\" ::: \"memory\")\n"
	      "#define pvf_mb() pvf_barrier()\n#define pvf_rmb() pvf_barrier()\n"
	      "#define pvf_wmb() pvf_barrier()\n"
	      "#define PVF_READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))\n"
	      "#define PVF_WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/use.c", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("#include <pvfront/barrier.h>\n"
	      "#ifndef MY_KERNEL_BARRIERS\n#error override not used\n#endif\n"
	      "#ifdef PVF_BITS_PER_LONG\n#error default header also included\n#endif\n"
	      "int v; void f(void); void f(void) { pvf_wmb(); PVF_WRITE_ONCE(v, 1); }\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "%s -std=c11 -ffreestanding -I'%s/common/poison' -I'%s/include' -I'%s' "
		 "-DPVF_BARRIER_HEADER='\"my_barriers.h\"' -c -o /dev/null '%s' 2>&1",
		 PVF_CC, PVF_SRCDIR, PVF_SRCDIR, dir, path);
	rc = system(cmd);
	CU_ASSERT_EQUAL(rc, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

int main(void)
{
	static const struct pvf_test tests[] = {
		PVF_TEST(test_scanner_flags_libc_symbols),
		PVF_TEST(test_guest_lib_x86_64),
		PVF_TEST(test_guest_lib_i386),
		PVF_TEST(test_poison_headers_reject_libc),
		PVF_TEST(test_barrier_header_is_overridable),
		PVF_TEST_END
	};
	return pvf_test_run("freestanding", tests, NULL, NULL);
}
