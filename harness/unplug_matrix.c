/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `pvfront unplug --matrix`: batch mode over a policy matrix (CSV or JSON
 * in, table or JSON out).  The whole file is parsed and checked before any
 * case runs, so malformed input gives one clear error (file, line or case,
 * field) and exit status 2, never partial output.  Format: docs/unplug.md.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <pvfront/unplug.h>
#include "unplug_emu.h"
#include "unplug_run.h"

#define MATRIX_MAX_CASES 10000u
#define MATRIX_MAX_LINE  4096u

struct mcase {
	struct pvf_unplug_case c;
	struct pvf_unplug_blacklist bl;
	unsigned int where;      /* CSV line or JSON case number (1-based) */
	char name[64];
	int have_product, have_build, have_mode, have_mask;
	int expect;              /* enum pvf_unplug_outcome, -1: none */
	int expect_mask;         /* -2: none given, -1: "none" (not written) */
};

struct matrix {
	struct mcase *cases;
	size_t n, cap;
	const char *path;
	int is_json;
	char err[768];
};

static const char *const columns[] = {
	"name", "product", "build", "mode", "mask", "pv_present", "blacklist",
	"profile", "version", "expect", "expect_mask",
};

static int known_column(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		if (!strcmp(columns[i], s))
			return 1;
	return 0;
}

static int fail(struct matrix *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct matrix *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static struct mcase *new_case(struct matrix *m, unsigned int where)
{
	struct mcase *c;

	if (m->n == MATRIX_MAX_CASES)
		return NULL;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct mcase *nc = realloc(m->cases, cap * sizeof(*nc));

		if (!nc)
			return NULL;
		m->cases = nc;
		m->cap = cap;
	}
	c = &m->cases[m->n++];
	memset(c, 0, sizeof(*c));
	c->where = where;
	c->c.cfg.mode = PVF_UNPLUG_MODE_ALL;
	c->c.cfg.pv_present = PVF_UNPLUG_PV_ALL;
	c->c.profile = PVF_UNPLUG_EMU_QEMU_TRAD;
	c->c.version = 1;
	c->expect = -1;
	c->expect_mask = -2;
	return c;
}

static void free_matrix(struct matrix *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		pvf_unplug_blacklist_clear(&m->cases[i].bl);
	free(m->cases);
	m->cases = NULL;
	m->n = m->cap = 0;
}

/* Set one field from its text; on error @why says what was expected. */
static int set_field(struct mcase *c, const char *col, const char *v, const char **why)
{
	enum pvf_unplug_outcome o;
	char buf[MATRIX_MAX_LINE], *tok, *save = NULL;
	uint32_t u;

	if (!*v)
		return 0; /* empty: the default */
	if (!strcmp(col, "name")) {
		snprintf(c->name, sizeof(c->name), "%s", v);
	} else if (!strcmp(col, "product")) {
		*why = "a product name from xen/hvm/pvdrivers.h or a number 0..65535";
		if (pvf_unplug_parse_product(v, &c->c.cfg.product))
			return -EINVAL;
		c->have_product = 1;
	} else if (!strcmp(col, "build")) {
		*why = "a number 0..4294967295";
		if (pvf_unplug_parse_u32(v, &c->c.cfg.build))
			return -EINVAL;
		c->have_build = 1;
	} else if (!strcmp(col, "mode")) {
		*why = "all, ide-disks, aux-ide-disks, nics, unnecessary or never";
		if (c->have_mask || pvf_unplug_parse_mode(v, &c->c.cfg.mode)) {
			if (c->have_mask)
				*why = "mode or mask, not both";
			return -EINVAL;
		}
		c->have_mode = 1;
	} else if (!strcmp(col, "mask")) {
		*why = "a mask of bits 0-3 (0..15), and not together with mode";
		if (c->have_mode || pvf_unplug_parse_u32(v, &u) || (u & ~PVF_UNPLUG_MASK_VALID))
			return -EINVAL;
		c->c.cfg.mode = PVF_UNPLUG_MODE_MASK;
		c->c.cfg.mask = (uint16_t)u;
		c->have_mask = 1;
	} else if (!strcmp(col, "pv_present")) {
		*why = "disk, nic, nvme separated by ';' or '+', or all, or none";
		if (pvf_unplug_parse_pv(v, &c->c.cfg.pv_present))
			return -EINVAL;
	} else if (!strcmp(col, "blacklist")) {
		*why = "product/build entries separated by ';' or spaces (registered products)";
		if (strlen(v) >= sizeof(buf))
			return -EINVAL;
		strcpy(buf, v);
		for (tok = strtok_r(buf, "; ", &save); tok; tok = strtok_r(NULL, "; ", &save))
			if (pvf_unplug_blacklist_add(&c->bl, tok))
				return -EINVAL;
	} else if (!strcmp(col, "profile")) {
		*why = "qemu-traditional or qemu-upstream";
		if (pvf_unplug_parse_profile(v, &c->c.profile))
			return -EINVAL;
	} else if (!strcmp(col, "version")) {
		*why = "0 or 1";
		if (pvf_unplug_parse_u32(v, &u) || u > 1)
			return -EINVAL;
		c->c.version = (uint8_t)u;
	} else if (!strcmp(col, "expect")) {
		*why = "pv, partial or emulated";
		if (pvf_unplug_parse_outcome(v, &o))
			return -EINVAL;
		c->expect = (int)o;
	} else if (!strcmp(col, "expect_mask")) {
		*why = "a mask 0..15 or none (mask not written)";
		if (!strcmp(v, "none")) {
			c->expect_mask = -1;
		} else {
			if (pvf_unplug_parse_u32(v, &u) || (u & ~PVF_UNPLUG_MASK_VALID))
				return -EINVAL;
			c->expect_mask = (int)u;
		}
	} else {
		*why = "a known column";
		return -EINVAL;
	}
	return 0;
}

static int check_required(struct matrix *m, const struct mcase *c)
{
	const char *unit = m->is_json ? "case " : "";

	if (!c->have_product)
		return fail(m, "%s:%s%u: field 'product' is missing", m->path, unit, c->where);
	if (!c->have_build)
		return fail(m, "%s:%s%u: field 'build' is missing", m->path, unit, c->where);
	return 0;
}

/* ---- CSV ------------------------------------------------------------------ */

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

/* Split @line at commas into at most @max fields; returns the count or -1. */
static int split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line, *comma;

	for (;;) {
		if (n == max)
			return -1;
		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		f[n++] = trim(p);
		if (!comma)
			return n;
		p = comma + 1;
	}
}

#define MAX_COLS 16

static int parse_csv(struct matrix *m, FILE *fp)
{
	char line[MATRIX_MAX_LINE + 2], hdr[MATRIX_MAX_LINE + 2];
	char *cols[MAX_COLS], *f[MAX_COLS], *s;
	unsigned int lineno = 0;
	int ncols = 0, nf, i;
	const char *why;
	struct mcase *c;

	while (fgets(line, sizeof(line), fp)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(fp))
			return fail(m, "%s:%u: line longer than %u bytes", m->path, lineno, MATRIX_MAX_LINE);
		if (strchr(line, '"'))
			return fail(m, "%s:%u: quoted fields are not supported (lists use ';')",
				    m->path, lineno);
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (!ncols) {
			strcpy(hdr, s);
			ncols = split(hdr, cols, MAX_COLS);
			if (ncols < 0)
				return fail(m, "%s:%u: more than %d columns", m->path, lineno, MAX_COLS);
			for (i = 0; i < ncols; i++) {
				int j;

				if (!known_column(cols[i]))
					return fail(m, "%s:%u: unknown column '%s' (known: name, product, build, "
						    "mode, mask, pv_present, blacklist, profile, version, "
						    "expect, expect_mask)", m->path, lineno, cols[i]);
				for (j = 0; j < i; j++)
					if (!strcmp(cols[i], cols[j]))
						return fail(m, "%s:%u: column '%s' given twice",
							    m->path, lineno, cols[i]);
			}
			continue;
		}
		nf = split(s, f, MAX_COLS);
		if (nf != ncols)
			return fail(m, "%s:%u: %d fields, the header has %d", m->path, lineno,
				    nf < 0 ? MAX_COLS + 1 : nf, ncols);
		c = new_case(m, lineno);
		if (!c)
			return fail(m, "%s:%u: too many cases (or out of memory)", m->path, lineno);
		for (i = 0; i < ncols; i++) {
			why = "";
			if (set_field(c, cols[i], f[i], &why))
				return fail(m, "%s:%u: field '%s': bad value '%s' (expected %s)",
					    m->path, lineno, cols[i], f[i], why);
		}
		if (check_required(m, c))
			return -EINVAL;
	}
	if (ferror(fp))
		return fail(m, "%s: read error", m->path);
	if (!ncols)
		return fail(m, "%s: no header line", m->path);
	if (!m->n)
		return fail(m, "%s: no cases", m->path);
	return 0;
}

/* ---- JSON ----------------------------------------------------------------- */

static unsigned int line_of(const char *text, size_t off)
{
	unsigned int l = 1;
	size_t i;

	for (i = 0; i < off && text[i]; i++)
		if (text[i] == '\n')
			l++;
	return l;
}

/* JSON value to the text set_field() takes; lists join with ';'. */
static int json_text(struct json_object *v, char *buf, size_t len)
{
	size_t i, n, used = 0;

	switch (json_object_get_type(v)) {
	case json_type_string:
		if (strlen(json_object_get_string(v)) >= len)
			return -1;
		strcpy(buf, json_object_get_string(v));
		return 0;
	case json_type_int:
		snprintf(buf, len, "%lld", (long long)json_object_get_int64(v));
		return 0;
	case json_type_array:
		buf[0] = '\0';
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			struct json_object *e = json_object_array_get_idx(v, i);
			const char *s;

			if (json_object_get_type(e) != json_type_string)
				return -1;
			s = json_object_get_string(e);
			if (used + strlen(s) + 2 > len)
				return -1;
			used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ";" : "", s);
		}
		return 0;
	default:
		return -1; /* null, bool, double, object */
	}
}

static int parse_json(struct matrix *m, const char *text, size_t len)
{
	struct json_tokener *tok;
	struct json_object *root, *arr, *o;
	enum json_tokener_error jerr;
	char buf[MATRIX_MAX_LINE];
	const char *why;
	size_t i, n;
	struct mcase *c;
	int rc = 0;

	tok = json_tokener_new();
	if (!tok)
		return fail(m, "%s: out of memory", m->path);
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!root || jerr != json_tokener_success) {
		size_t off = json_tokener_get_parse_end(tok);

		if (jerr == json_tokener_continue)
			rc = fail(m, "%s:%u: JSON ends early (truncated input)", m->path,
				  line_of(text, len));
		else
			rc = fail(m, "%s:%u: JSON parse error: %s", m->path, line_of(text, off),
				  json_tokener_error_desc(jerr));
		json_tokener_free(tok);
		json_object_put(root);
		return rc;
	}
	if (json_tokener_get_parse_end(tok) < len &&
	    text[json_tokener_get_parse_end(tok) + strspn(text + json_tokener_get_parse_end(tok), " \t\r\n")])
		rc = fail(m, "%s:%u: trailing data after the JSON value", m->path,
			  line_of(text, json_tokener_get_parse_end(tok)));
	json_tokener_free(tok);
	if (rc)
		goto out;
	arr = root;
	if (json_object_is_type(root, json_type_object)) {
		if (!json_object_object_get_ex(root, "cases", &arr) || json_object_object_length(root) != 1) {
			rc = fail(m, "%s: top level must be an array of cases or {\"cases\": [...]}", m->path);
			goto out;
		}
	}
	if (!json_object_is_type(arr, json_type_array)) {
		rc = fail(m, "%s: top level must be an array of cases or {\"cases\": [...]}", m->path);
		goto out;
	}
	n = json_object_array_length(arr);
	if (!n) {
		rc = fail(m, "%s: no cases", m->path);
		goto out;
	}
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(o, json_type_object)) {
			rc = fail(m, "%s:case %zu: not an object", m->path, i + 1);
			goto out;
		}
		c = new_case(m, (unsigned int)(i + 1));
		if (!c) {
			rc = fail(m, "%s:case %zu: too many cases (or out of memory)", m->path, i + 1);
			goto out;
		}
		json_object_object_foreach(o, key, val) {
			if (!known_column(key)) {
				rc = fail(m, "%s:case %zu: unknown field '%s'", m->path, i + 1, key);
				goto out;
			}
			why = "";
			if (json_text(val, buf, sizeof(buf)) ||
			    set_field(c, key, buf, &why)) {
				rc = fail(m, "%s:case %zu: field '%s': bad value %s (expected %s)", m->path,
					  i + 1, key, json_object_to_json_string(val),
					  *why ? why : "a string, an integer or a list of strings");
				goto out;
			}
		}
		rc = check_required(m, c);
		if (rc)
			goto out;
	}
out:
	json_object_put(root);
	return rc;
}

/* ---- running and printing ------------------------------------------------ */

static int looks_json(const char *path, const char *text)
{
	size_t l = strlen(path);

	if (l >= 5 && !strcmp(path + l - 5, ".json"))
		return 1;
	if (l >= 4 && !strcmp(path + l - 4, ".csv"))
		return 0;
	text += strspn(text, " \t\r\n");
	return *text == '[' || *text == '{';
}

static int load(struct matrix *m, const char *path)
{
	FILE *fp;
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	int rc;

	fp = fopen(path, "r");
	if (!fp)
		return fail(m, "%s: cannot open: %s", path, strerror(errno));
	for (;;) {
		if (cap - len < 4096) {
			char *nt;

			if (cap > (64u << 20)) {
				fclose(fp);
				free(text);
				return fail(m, "%s: larger than 64 MiB", path);
			}
			cap = cap ? cap * 2 : 8192;
			nt = realloc(text, cap + 1);
			if (!nt) {
				fclose(fp);
				free(text);
				return fail(m, "%s: out of memory", path);
			}
			text = nt;
		}
		got = fread(text + len, 1, cap - len, fp);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		fclose(fp);
		free(text);
		return fail(m, "%s: read error", path);
	}
	text[len] = '\0';
	m->is_json = looks_json(path, text);
	if (m->is_json) {
		rc = parse_json(m, text, len);
	} else {
		if (strlen(text) != len) {
			rc = fail(m, "%s:%u: NUL byte in the file", path, line_of(text, strlen(text)));
		} else {
			rewind(fp);
			rc = parse_csv(m, fp);
		}
	}
	fclose(fp);
	free(text);
	return rc;
}

static const char *mask_str(const struct pvf_unplug_decision *d, char *buf, size_t len)
{
	if (d->mask_written)
		snprintf(buf, len, "0x%x", d->mask);
	else
		snprintf(buf, len, "none");
	return buf;
}

static int case_ok(const struct mcase *c, const struct pvf_unplug_case_result *r)
{
	if (r->rc)
		return 0;
	if (c->expect >= 0 && c->expect != (int)r->outcome)
		return 0;
	if (c->expect_mask == -1 && r->d.mask_written)
		return 0;
	if (c->expect_mask >= 0 && (!r->d.mask_written || r->d.mask != c->expect_mask))
		return 0;
	return 1;
}

int pvf_unplug_matrix_run(const char *path, int json, FILE *out, FILE *err)
{
	struct matrix m;
	struct json_object *jarr = NULL;
	size_t i;
	int bad = 0;

	memset(&m, 0, sizeof(m));
	m.path = path;
	if (load(&m, path)) {
		fprintf(err, "pvfront unplug: %s\n", m.err);
		free_matrix(&m);
		return PVF_UNPLUG_EXIT_USAGE;
	}
	if (json)
		jarr = json_object_new_array();
	else
		fprintf(out, "%-5s %-18s %-24s %-10s %-13s %-15s %-3s %-5s %-11s %-11s %-11s %-11s %-8s %-8s %s\n",
			"where", "name", "product", "build", "mode", "pv_present", "ver", "mask",
			"disks", "nics", "aux-ide", "nvme", "outcome", "expect", "ok");
	for (i = 0; i < m.n; i++) {
		struct mcase *c = &m.cases[i];
		struct pvf_unplug_case_result r;
		const char *pname;
		char pv[32], mk[16], prod[32], mode[16];
		unsigned int k;
		int ok;

		c->c.lookup = pvf_unplug_blacklist_lookup;
		c->c.lookup_arg = &c->bl;
		if (pvf_unplug_case_run(&c->c, &r)) {
			fprintf(err, "pvfront unplug: %s: case %u cannot run\n", path, c->where);
			bad = 1;
			continue;
		}
		ok = case_ok(c, &r);
		if (!ok)
			bad = 1;
		pname = pvf_unplug_product_name(c->c.cfg.product);
		if (pname)
			snprintf(prod, sizeof(prod), "%s", pname);
		else
			snprintf(prod, sizeof(prod), "%u", c->c.cfg.product);
		if (c->c.cfg.mode == PVF_UNPLUG_MODE_MASK)
			snprintf(mode, sizeof(mode), "mask=0x%x", c->c.cfg.mask);
		else
			snprintf(mode, sizeof(mode), "%s", pvf_unplug_mode_name(c->c.cfg.mode));
		pvf_unplug_pv_str(c->c.cfg.pv_present, pv, sizeof(pv));
		mask_str(&r.d, mk, sizeof(mk));
		if (json) {
			struct json_object *o = json_object_new_object(), *cls = json_object_new_object();

			json_object_object_add(o, m.is_json ? "case" : "line", json_object_new_int((int)c->where));
			json_object_object_add(o, "name", json_object_new_string(c->name));
			json_object_object_add(o, "product", json_object_new_string(prod));
			json_object_object_add(o, "build", json_object_new_int64(c->c.cfg.build));
			json_object_object_add(o, "mode", json_object_new_string(mode));
			json_object_object_add(o, "pv_present", json_object_new_string(pv));
			json_object_object_add(o, "profile",
					       json_object_new_string(pvf_unplug_profile_name(c->c.profile)));
			json_object_object_add(o, "version_seen", json_object_new_int(r.d.version));
			json_object_object_add(o, "blacklisted", json_object_new_boolean(r.d.blacklisted));
			json_object_object_add(o, "mask_written",
					       r.d.mask_written ? json_object_new_int(r.d.mask) : NULL);
			for (k = 0; k < PVF_UNPLUG_NCLASSES; k++) {
				struct json_object *e = json_object_new_object();

				json_object_object_add(e, "use", json_object_new_string(
					pvf_unplug_use_name(r.d.cls[k].use)));
				json_object_object_add(e, "reason", json_object_new_string(
					pvf_unplug_reason_name(r.d.cls[k].reason)));
				json_object_object_add(cls, pvf_unplug_class_name((enum pvf_unplug_class)k), e);
			}
			json_object_object_add(o, "classes", cls);
			json_object_object_add(o, "outcome",
					       json_object_new_string(pvf_unplug_outcome_name(r.outcome)));
			json_object_object_add(o, "expect", c->expect >= 0 ? json_object_new_string(
				pvf_unplug_outcome_name((enum pvf_unplug_outcome)c->expect)) : NULL);
			json_object_object_add(o, "ok", json_object_new_boolean(ok));
			json_object_array_add(jarr, o);
		} else {
			char cl[PVF_UNPLUG_NCLASSES][16];

			for (k = 0; k < PVF_UNPLUG_NCLASSES; k++)
				snprintf(cl[k], sizeof(cl[k]), "%s", r.d.cls[k].use == PVF_UNPLUG_USE_EMULATED ?
					 pvf_unplug_reason_name(r.d.cls[k].reason) :
					 pvf_unplug_use_name(r.d.cls[k].use));
			fprintf(out, "%-5u %-18s %-24s %-10u %-13s %-15s %-3d %-5s %-11s %-11s %-11s %-11s %-8s %-8s %s\n",
				c->where, c->name[0] ? c->name : "-", prod, c->c.cfg.build, mode, pv,
				r.d.version, mk, cl[0], cl[1], cl[2], cl[3],
				pvf_unplug_outcome_name(r.outcome),
				c->expect >= 0 ? pvf_unplug_outcome_name((enum pvf_unplug_outcome)c->expect) : "-",
				ok ? "ok" : "FAIL");
		}
		pvf_unplug_emu_free(r.emu);
	}
	if (json) {
		fprintf(out, "%s\n", json_object_to_json_string_ext(jarr, JSON_C_TO_STRING_PRETTY |
								    JSON_C_TO_STRING_SPACED));
		json_object_put(jarr);
	}
	free_matrix(&m);
	return bad ? PVF_UNPLUG_EXIT_ERROR : 0;
}
