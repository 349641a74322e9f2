/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Blacklist sources for the unplug emulator: a list of "product/build"
 * entries (a plain file or command-line options) and libxenstore.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>
#include <pvfront/unplug.h>
#include "unplug_emu.h"

/* Parse "product/build" into the canonical "name/build"; product is a
 * registered name or a number (decimal or 0x hex) of a registered product. */
static int canon_entry(const char *entry, char *out, size_t outlen)
{
	const char *slash = strchr(entry, '/');
	char prod[64], *end;
	const char *name;
	unsigned long build, num;
	uint16_t p16;
	size_t plen;

	if (!slash || slash == entry)
		return -EINVAL;
	plen = (size_t)(slash - entry);
	if (plen >= sizeof(prod))
		return -EINVAL;
	memcpy(prod, entry, plen);
	prod[plen] = '\0';
	if (!slash[1] || slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	build = strtoul(slash + 1, &end, 10);
	if (errno || *end || build > UINT32_MAX)
		return -EINVAL;
	if (pvf_unplug_product_lookup(prod, &p16) == 0) {
		name = prod;
	} else {
		errno = 0;
		num = strtoul(prod, &end, 0);
		if (errno || *end || prod[0] < '0' || prod[0] > '9' || num > 0xffff)
			return -EINVAL;
		name = pvf_unplug_product_name((uint16_t)num);
		if (!name)
			return -EINVAL; /* unknown products cannot be blacklisted */
	}
	if ((size_t)snprintf(out, outlen, "%s/%lu", name, build) >= outlen)
		return -EINVAL;
	return 0;
}

int pvf_unplug_blacklist_add(struct pvf_unplug_blacklist *bl, const char *entry)
{
	char canon[128], *copy;
	int rc;

	rc = canon_entry(entry, canon, sizeof(canon));
	if (rc)
		return rc;
	if (bl->n == bl->cap) {
		size_t cap = bl->cap ? bl->cap * 2 : 8;
		char **ne = realloc(bl->entries, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		bl->entries = ne;
		bl->cap = cap;
	}
	copy = strdup(canon);
	if (!copy)
		return -ENOMEM;
	bl->entries[bl->n++] = copy;
	return 0;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int pvf_unplug_blacklist_load(struct pvf_unplug_blacklist *bl, const char *path,
			      char *err, size_t errlen)
{
	char buf[512], *s, *hash;
	unsigned int lineno = 0;
	FILE *f;
	int rc;

	f = fopen(path, "r");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	while (fgets(buf, sizeof(buf), f)) {
		lineno++;
		if (!strchr(buf, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			fclose(f);
			return -EINVAL;
		}
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		s = trim(buf);
		if (!*s)
			continue;
		rc = pvf_unplug_blacklist_add(bl, s);
		if (rc) {
			snprintf(err, errlen, "%s:%u: '%s' is not product/build "
				 "(registered product name or number, decimal build)", path, lineno, s);
			fclose(f);
			return rc;
		}
	}
	fclose(f);
	return 0;
}

void pvf_unplug_blacklist_clear(struct pvf_unplug_blacklist *bl)
{
	size_t i;

	for (i = 0; i < bl->n; i++)
		free(bl->entries[i]);
	free(bl->entries);
	memset(bl, 0, sizeof(*bl));
}

int pvf_unplug_blacklist_lookup(void *arg, const char *path)
{
	static const char prefix[] = "/mh/driver-blacklist/";
	const struct pvf_unplug_blacklist *bl = arg;
	size_t i;

	if (strncmp(path, prefix, sizeof(prefix) - 1))
		return 0;
	path += sizeof(prefix) - 1;
	for (i = 0; i < bl->n; i++)
		if (!strcmp(bl->entries[i], path))
			return 1;
	return 0;
}

int pvf_unplug_xs_lookup(void *arg, const char *path)
{
	struct xs_handle *xs = arg;
	unsigned int len = 0;
	void *v;

	if (!xs)
		return -EINVAL;
	v = xs_read(xs, XBT_NULL, path, &len);
	if (!v)
		return (errno == ENOENT || errno == EACCES) ? 0 : -(errno ? errno : EIO);
	free(v);
	return 1;
}
