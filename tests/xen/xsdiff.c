/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The xenstore differential script (see xsdiff.h).  Every operation prints
 * one line "<op> <args> -> <result>" where result is the value (quoted,
 * escaped), "ok", a sorted name list, or the errno name.  Watch events that
 * are pending after an operation (and after one sync round trip, so that
 * events the server queues after its reply are seen too) follow as
 * "  event <path> <token>" in arrival order.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include "xsdiff.h"

struct xsd_run {
	struct xs_handle *xs;
	FILE *out;
	int broken;
};

static const char *err_name(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

static void put_str(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* A short printable form of a path argument (long ones are summarised). */
static void put_path(FILE *out, const char *p)
{
	size_t n = strlen(p);

	if (n > 80)
		fprintf(out, "<%zu chars>", n);
	else
		put_str(out, p, n);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One sync round trip, then print every pending watch event. */
static void drain(struct xsd_run *r)
{
	unsigned int len;
	char **ev;
	void *v = xs_read(r->xs, XBT_NULL, "/", &len);

	if (!v && errno != ENOENT && errno != EACCES)
		r->broken = 1;
	free(v);
	while ((ev = xs_check_watch(r->xs)) != NULL) {
		fprintf(r->out, "  event ");
		put_path(r->out, ev[XS_WATCH_PATH]);
		fputc(' ', r->out);
		put_path(r->out, ev[XS_WATCH_TOKEN]);
		fputc('\n', r->out);
		free(ev);
	}
}

static void res_bool(struct xsd_run *r, bool ok)
{
	if (ok)
		fprintf(r->out, " -> ok\n");
	else
		fprintf(r->out, " -> %s\n", err_name(errno));
	drain(r);
}

static void op_read(struct xsd_run *r, xs_transaction_t t, const char *path)
{
	unsigned int len = 0;
	char *v;

	fprintf(r->out, "read%s ", t ? "(T)" : "");
	put_path(r->out, path);
	v = xs_read(r->xs, t, path, &len);
	if (!v) {
		fprintf(r->out, " -> %s\n", err_name(errno));
	} else {
		fprintf(r->out, " -> ");
		put_str(r->out, v, len);
		fputc('\n', r->out);
		free(v);
	}
	drain(r);
}

static void op_write(struct xsd_run *r, xs_transaction_t t, const char *path,
		     const char *val, unsigned int len)
{
	fprintf(r->out, "write%s ", t ? "(T)" : "");
	put_path(r->out, path);
	fputc(' ', r->out);
	put_str(r->out, val, len);
	res_bool(r, xs_write(r->xs, t, path, val, len));
}

static void op_wr(struct xsd_run *r, xs_transaction_t t, const char *path, const char *val)
{
	op_write(r, t, path, val, (unsigned int)strlen(val));
}

static void op_mkdir(struct xsd_run *r, xs_transaction_t t, const char *path)
{
	fprintf(r->out, "mkdir%s ", t ? "(T)" : "");
	put_path(r->out, path);
	res_bool(r, xs_mkdir(r->xs, t, path));
}

static void op_rm(struct xsd_run *r, xs_transaction_t t, const char *path)
{
	fprintf(r->out, "rm%s ", t ? "(T)" : "");
	put_path(r->out, path);
	res_bool(r, xs_rm(r->xs, t, path));
}

static void op_dir(struct xsd_run *r, xs_transaction_t t, const char *path)
{
	unsigned int num = 0;
	char **names;

	fprintf(r->out, "directory%s ", t ? "(T)" : "");
	put_path(r->out, path);
	names = xs_directory(r->xs, t, path, &num);
	if (!names) {
		fprintf(r->out, " -> %s\n", err_name(errno));
	} else {
		qsort(names, num, sizeof(*names), cmp_str);
		fprintf(r->out, " -> [");
		for (unsigned int i = 0; i < num; i++) {
			if (i)
				fputc(' ', r->out);
			put_path(r->out, names[i]);
		}
		fprintf(r->out, "]\n");
		free(names);
	}
	drain(r);
}

static void op_getperms(struct xsd_run *r, const char *path)
{
	unsigned int num = 0;
	struct xs_permissions *p;
	fprintf(r->out, "get_perms ");
	put_path(r->out, path);
	p = xs_get_permissions(r->xs, XBT_NULL, path, &num);
	if (!p) {
		fprintf(r->out, " -> %s\n", err_name(errno));
	} else {
		fprintf(r->out, " ->");
		for (unsigned int i = 0; i < num; i++) {
			unsigned int f = p[i].perms & (XS_PERM_READ | XS_PERM_WRITE);

			fprintf(r->out, " %c%u", "nrwb"[f], p[i].id);
		}
		fputc('\n', r->out);
		free(p);
	}
	drain(r);
}

static void op_setperms(struct xsd_run *r, const char *path, const char *spec)
{
	struct xs_permissions p[4];
	char tmp[64];
	unsigned int n = 0;
	char *save = NULL, *tok;

	snprintf(tmp, sizeof(tmp), "%s", spec);
	for (tok = strtok_r(tmp, " ", &save); tok && n < 4; tok = strtok_r(NULL, " ", &save))
	{
		const char *k = strchr("nrwb", tok[0]);

		if (!k || !tok[0])
			continue;
		p[n].perms = (unsigned int)(k - "nrwb");
		p[n].id = (unsigned int)strtoul(tok + 1, NULL, 10);
		n++;
	}
	fprintf(r->out, "set_perms ");
	put_path(r->out, path);
	fprintf(r->out, " %s", spec);
	res_bool(r, xs_set_permissions(r->xs, XBT_NULL, path, p, n));
}

static void op_watch(struct xsd_run *r, const char *path, const char *tok)
{
	fprintf(r->out, "watch ");
	put_path(r->out, path);
	fprintf(r->out, " %s", tok);
	res_bool(r, xs_watch(r->xs, path, tok));
}

static void op_unwatch(struct xsd_run *r, const char *path, const char *tok)
{
	fprintf(r->out, "unwatch ");
	put_path(r->out, path);
	fprintf(r->out, " %s", tok);
	res_bool(r, xs_unwatch(r->xs, path, tok));
}

static xs_transaction_t op_start(struct xsd_run *r)
{
	xs_transaction_t t = xs_transaction_start(r->xs);

	if (t == XBT_NULL)
		fprintf(r->out, "txn_start -> %s\n", err_name(errno));
	else
		fprintf(r->out, "txn_start -> T\n");
	drain(r);
	return t;
}

static void op_end(struct xsd_run *r, xs_transaction_t t, bool abort_it)
{
	fprintf(r->out, "txn_end %s", abort_it ? "abort" : "commit");
	res_bool(r, xs_transaction_end(r->xs, t, abort_it));
}

static void part_basic(struct xsd_run *r)
{
	op_wr(r, 0, "/pvfdiff/a", "1");
	op_read(r, 0, "/pvfdiff/a");
	op_read(r, 0, "/pvfdiff");
	op_read(r, 0, "/pvfdiff/missing");
	op_read(r, 0, "/pvfdiff/missing/deeper");
	op_wr(r, 0, "/pvfdiff/a", "");
	op_read(r, 0, "/pvfdiff/a");
	op_write(r, 0, "/pvfdiff/bin", "x\0y\n\xff", 5);
	op_read(r, 0, "/pvfdiff/bin");
	op_wr(r, 0, "/pvfdiff/b/c/d", "deep");
	op_read(r, 0, "/pvfdiff/b/c");
	op_dir(r, 0, "/pvfdiff");
	op_dir(r, 0, "/pvfdiff/b");
	op_dir(r, 0, "/pvfdiff/b/c/d");
	op_dir(r, 0, "/pvfdiff/missing");
	op_mkdir(r, 0, "/pvfdiff/e");
	op_mkdir(r, 0, "/pvfdiff/e");
	op_read(r, 0, "/pvfdiff/e");
	op_mkdir(r, 0, "/pvfdiff/a");
	op_read(r, 0, "/pvfdiff/a");
	op_mkdir(r, 0, "/pvfdiff/f/g/h");
	op_dir(r, 0, "/pvfdiff/f/g");
	op_rm(r, 0, "/pvfdiff/b");
	op_read(r, 0, "/pvfdiff/b/c/d");
	op_rm(r, 0, "/pvfdiff/b");
	op_rm(r, 0, "/pvfdiff/x/y");
	op_rm(r, 0, "/pvfdiff/f/g/h");
	op_dir(r, 0, "/pvfdiff/f/g");
	op_wr(r, 0, "pvfdiff-rel/x", "rel");
	op_read(r, 0, "/local/domain/0/pvfdiff-rel/x");
	op_dir(r, 0, "pvfdiff-rel");
	op_rm(r, 0, "pvfdiff-rel");
	op_read(r, 0, "pvfdiff-rel/x");
}

static void part_bad_paths(struct xsd_run *r)
{
	char *lp = malloc(3101);

	op_read(r, 0, "");
	op_read(r, 0, "/pvfdiff/");
	op_read(r, 0, "/pvfdiff//a");
	op_wr(r, 0, "/pvfdiff/sp ace", "v");
	op_wr(r, 0, "/pvfdiff/dol$", "v");
	op_wr(r, 0, "/pvfdiff/ok-_@.", "v");
	op_wr(r, 0, "/pvfdiff/trailing/", "v");
	op_mkdir(r, 0, "/pvfdiff//m");
	op_rm(r, 0, "/pvfdiff/");
	op_dir(r, 0, "/pvfdiff/");
	op_rm(r, 0, "/");
	if (lp) {
		memset(lp, 'a', 3100);
		lp[0] = '/';
		lp[3100] = '\0';
		op_read(r, 0, lp);
		op_wr(r, 0, lp, "v");
		lp[3071] = '\0';
		op_wr(r, 0, lp, "v");
		op_rm(r, 0, lp);
		free(lp);
	}
}

static void part_perms(struct xsd_run *r)
{
	op_wr(r, 0, "/pvfdiff/p", "v");
	op_getperms(r, "/pvfdiff/p");
	op_setperms(r, "/pvfdiff/p", "r0");
	op_getperms(r, "/pvfdiff/p");
	op_setperms(r, "/pvfdiff/p", "n0 b0");
	op_getperms(r, "/pvfdiff/p");
	op_wr(r, 0, "/pvfdiff/p/child", "c");
	op_getperms(r, "/pvfdiff/p/child");
	op_setperms(r, "/pvfdiff/missing", "n0");
	op_getperms(r, "/pvfdiff/missing");
}

static void part_watches(struct xsd_run *r)
{
	op_watch(r, "/pvfdiff/w", "tok1");
	op_watch(r, "/pvfdiff/w", "tok1");
	op_watch(r, "/pvfdiff/w", "tok2");
	op_wr(r, 0, "/pvfdiff/w/x", "1");
	op_wr(r, 0, "/pvfdiff/wx", "not a child");
	op_mkdir(r, 0, "/pvfdiff/w/y/z");
	op_rm(r, 0, "/pvfdiff/w");
	op_rm(r, 0, "/pvfdiff/w");
	op_unwatch(r, "/pvfdiff/w", "tok2");
	op_unwatch(r, "/pvfdiff/w", "tok2");
	op_unwatch(r, "/pvfdiff/nowatch", "tok1");
	op_watch(r, "/pvfdiff/dd", "tokp");
	op_wr(r, 0, "/pvfdiff/dd/e/f", "1");
	op_rm(r, 0, "/pvfdiff");
	op_unwatch(r, "/pvfdiff/dd", "tokp");
	op_watch(r, "pvfdiff-rel", "rel");
	op_wr(r, 0, "pvfdiff-rel/q", "1");
	op_unwatch(r, "pvfdiff-rel", "rel");
	op_rm(r, 0, "pvfdiff-rel");
	op_watch(r, "@releaseDomain", "rd");
	op_unwatch(r, "@releaseDomain", "rd");
	op_watch(r, "bad path", "t");
	op_unwatch(r, "/pvfdiff/w", "tok1");
}

static void part_txn(struct xsd_run *r)
{
	xs_transaction_t t;

	op_wr(r, 0, "/pvfdiff/t/v", "0");
	op_watch(r, "/pvfdiff/t", "tw");
	/* A conflicting writer: read in t, write outside, write in t. */
	t = op_start(r);
	op_read(r, t, "/pvfdiff/t/v");
	op_wr(r, 0, "/pvfdiff/t/v", "outside");
	op_wr(r, t, "/pvfdiff/t/v", "inside");
	op_read(r, t, "/pvfdiff/t/v");
	op_end(r, t, false);
	op_read(r, 0, "/pvfdiff/t/v");
	/* Isolation and events at commit. */
	t = op_start(r);
	op_wr(r, t, "/pvfdiff/t/n", "new");
	op_mkdir(r, t, "/pvfdiff/t/m");
	op_read(r, 0, "/pvfdiff/t/n");
	op_read(r, t, "/pvfdiff/t/n");
	op_dir(r, t, "/pvfdiff/t");
	op_dir(r, 0, "/pvfdiff/t");
	op_end(r, t, false);
	op_dir(r, 0, "/pvfdiff/t");
	/* rm inside a transaction, then abort. */
	t = op_start(r);
	op_rm(r, t, "/pvfdiff/t/n");
	op_read(r, t, "/pvfdiff/t/n");
	op_read(r, 0, "/pvfdiff/t/n");
	op_end(r, t, true);
	op_read(r, 0, "/pvfdiff/t/n");
	/* A transaction that only read a node someone else changed. */
	t = op_start(r);
	op_read(r, t, "/pvfdiff/t/m");
	op_wr(r, 0, "/pvfdiff/t/m", "changed");
	op_end(r, t, false);
	/* Two transactions creating the same node. */
	{
		xs_transaction_t t2;

		t = op_start(r);
		t2 = op_start(r);
		op_wr(r, t, "/pvfdiff/t/same", "1");
		op_wr(r, t2, "/pvfdiff/t/same", "2");
		op_end(r, t, false);
		op_end(r, t2, false);
		op_read(r, 0, "/pvfdiff/t/same");
	}
	/* Unknown transaction ids. */
	op_read(r, 0x7ffffff0u, "/pvfdiff/t/v");
	op_end(r, 0x7ffffff0u, false);
	op_unwatch(r, "/pvfdiff/t", "tw");
}

int pvf_xsdiff_run(struct xs_handle *xs, FILE *out)
{
	struct xsd_run r = { .xs = xs, .out = out, .broken = 0 };

	/* Start clean; these results are not part of the transcript. */
	xs_rm(xs, XBT_NULL, "/pvfdiff");
	xs_rm(xs, XBT_NULL, "/local/domain/0/pvfdiff-rel");
	for (char **ev; (ev = xs_check_watch(xs)) != NULL;)
		free(ev);
	fprintf(out, "# pvfront xenstore differential v1\n");
	part_basic(&r);
	part_bad_paths(&r);
	part_perms(&r);
	part_watches(&r);
	part_txn(&r);
	op_rm(&r, 0, "/pvfdiff");
	op_rm(&r, 0, "pvfdiff-rel");
	fprintf(out, "# end\n");
	fflush(out);
	return r.broken ? -1 : 0;
}
