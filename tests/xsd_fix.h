/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by tests/test_xsd.c (behaviour through libxenstore) and
 * tests/test_xsd_raw.c (the raw wire protocol): the suite's server, started
 * on a fresh socket and exported as XENSTORED_PATH, its counters, and small
 * libxenstore read/write helpers.  Each program has its own server.
 */
#ifndef PVF_TESTS_XSD_FIX_H
#define PVF_TESTS_XSD_FIX_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <xenstore.h>
#include <pvfront/xsd.h>
#include "cu.h"

static struct pvf_xsd *g_xsd;

static inline int suite_init(void)
{
	if (pvf_xsd_create(NULL, &g_xsd) || pvf_xsd_start(g_xsd))
		return 1;
	setenv("XENSTORED_PATH", pvf_xsd_socket_path(g_xsd), 1);
	return 0;
}

static inline int suite_cleanup(void)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s", pvf_xsd_socket_path(g_xsd));
	pvf_xsd_destroy(g_xsd);
	g_xsd = NULL;
	/* the socket file and its directory are gone */
	return lstat(path, &st) == 0;
}

/* The server's counters, by value. */
static inline struct pvf_xsd_stats stats(struct pvf_xsd *x)
{
	struct pvf_xsd_stats st;

	pvf_xsd_get_stats(x, &st);
	return st;
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait (at most 5 s) until the server's connection count is @n. */
static inline bool wait_conns(struct pvf_xsd *x, unsigned int n)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (stats(x).connections == n)
			return true;
		sleep_ms(10);
	}
	return false;
}

/* Read @path (the value is the caller's to free), NULL with errno. */
static inline char *rd(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	unsigned int len;

	return xs_read(h, t, path, &len);
}

static inline bool wr(struct xs_handle *h, xs_transaction_t t, const char *path, const char *v)
{
	return xs_write(h, t, path, v, (unsigned int)strlen(v));
}

static inline bool read_is(struct xs_handle *h, xs_transaction_t t, const char *path,
			   const char *v)
{
	char *s = rd(h, t, path);
	bool ok = s && !strcmp(s, v);

	free(s);
	return ok;
}

static inline bool read_fails(struct xs_handle *h, xs_transaction_t t, const char *path,
			      int err)
{
	char *s = rd(h, t, path);

	if (s) {
		free(s);
		return false;
	}
	return errno == err;
}

/* A libxenstore connection to the server at @path (not the suite's). */
static inline struct xs_handle *open_at(const char *path)
{
	const char *old = getenv("XENSTORED_PATH");
	char saved[128];
	struct xs_handle *h;

	snprintf(saved, sizeof(saved), "%s", old ? old : "");
	setenv("XENSTORED_PATH", path, 1);
	h = xs_open(0);
	setenv("XENSTORED_PATH", saved, 1);
	return h;
}

#endif
