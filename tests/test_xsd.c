/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The embedded xenstore server through the real libxenstore (XENSTORED_PATH
 * pointing at a server started in-process): reads, writes, permissions,
 * watches, transactions, many clients, cleanup on disconnect, the server's
 * lifecycle, and the argument handling of `pvfront xenstore`.  The raw
 * wire protocol (malformed messages, limits, slow readers) is in
 * tests/test_xsd_raw.c.
 */
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "../harness/commands.h"
#include "xsd_fix.h"

/* harness/main.c is not linked in: the command's usage errors land here. */
int pvf_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pvfront %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	return 2;
}

/* Next watch event within @ms, or false.  Never blocks longer. */
static bool next_event(struct xs_handle *h, int ms, char *path, size_t plen, char *tok, size_t tlen)
{
	struct pollfd p = { xs_fileno(h), POLLIN, 0 };
	unsigned int num;
	char **v;

	if (poll(&p, 1, ms) != 1)
		return false;
	v = xs_read_watch(h, &num);
	if (!v)
		return false;
	snprintf(path, plen, "%s", v[XS_WATCH_PATH]);
	snprintf(tok, tlen, "%s", v[XS_WATCH_TOKEN]);
	free(v);
	return true;
}

static bool expect_event(struct xs_handle *h, const char *path, const char *tok)
{
	char p[256], t[64];

	if (!next_event(h, 2000, p, sizeof(p), t, sizeof(t)))
		return false;
	if (strcmp(p, path) || strcmp(t, tok)) {
		fprintf(stderr, "event %s/%s, expected %s/%s\n", p, t, path, tok);
		return false;
	}
	return true;
}

static bool no_event(struct xs_handle *h)
{
	char p[256], t[64];

	return !next_event(h, 150, p, sizeof(p), t, sizeof(t));
}

/* ---- basic operations ---------------------------------------------------- */

static void test_read_write_mkdir_rm(void)
{
	struct xs_handle *h = xs_open(0);
	unsigned int num, i;
	char **dir, *s;
	bool a = false, d = false;

	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT(wr(h, XBT_NULL, "/test/a", "hello"));
	CU_ASSERT(read_is(h, XBT_NULL, "/test/a", "hello"));
	CU_ASSERT(read_is(h, XBT_NULL, "/test", "")); /* created parent, empty */
	CU_ASSERT(xs_mkdir(h, XBT_NULL, "/test/dir"));
	CU_ASSERT(xs_mkdir(h, XBT_NULL, "/test/dir")); /* exists: fine */
	CU_ASSERT(xs_write(h, XBT_NULL, "/test/bin", "a\0b", 3)); /* binary value */
	s = xs_read(h, XBT_NULL, "/test/bin", &num);
	CU_ASSERT(s && num == 3 && !memcmp(s, "a\0b", 3));
	free(s);
	dir = xs_directory(h, XBT_NULL, "/test", &num);
	CU_ASSERT_FATAL(dir != NULL);
	CU_ASSERT_EQUAL(num, 3);
	for (i = 0; i < num; i++) {
		a |= !strcmp(dir[i], "a");
		d |= !strcmp(dir[i], "dir");
	}
	CU_ASSERT(a && d);
	free(dir);
	/* relative paths are under /local/domain/0 */
	CU_ASSERT(wr(h, XBT_NULL, "rel/x", "1"));
	CU_ASSERT(read_is(h, XBT_NULL, "/local/domain/0/rel/x", "1"));
	CU_ASSERT(read_is(h, XBT_NULL, "rel/x", "1"));
	s = xs_get_domain_path(h, 7);
	CU_ASSERT(s && !strcmp(s, "/local/domain/7"));
	free(s);
	/* rm of a subtree */
	CU_ASSERT(xs_rm(h, XBT_NULL, "/test"));
	CU_ASSERT(read_fails(h, XBT_NULL, "/test/a", ENOENT));
	CU_ASSERT(read_fails(h, XBT_NULL, "/test", ENOENT));
	CU_ASSERT(xs_directory(h, XBT_NULL, "/test", &num) == NULL && errno == ENOENT);
	/* rm: missing node with a parent is fine, without a parent ENOENT */
	CU_ASSERT(xs_rm(h, XBT_NULL, "/local/nothere"));
	CU_ASSERT(!xs_rm(h, XBT_NULL, "/nothere/child") && errno == ENOENT);
	CU_ASSERT(!xs_rm(h, XBT_NULL, "/") && errno == EINVAL);
	/* path rules */
	CU_ASSERT(!wr(h, XBT_NULL, "/a//b", "x") && errno == EINVAL);
	CU_ASSERT(!wr(h, XBT_NULL, "/a/", "x") && errno == EINVAL);
	CU_ASSERT(!wr(h, XBT_NULL, "/a b", "x") && errno == EINVAL);
	CU_ASSERT(!wr(h, XBT_NULL, "@introduceDomain", "x") && errno == EINVAL);
	CU_ASSERT(read_fails(h, XBT_NULL, "/a/", EINVAL));
	CU_ASSERT(xs_rm(h, XBT_NULL, "rel"));
	xs_close(h);
}

static void test_perms(void)
{
	struct xs_handle *h = xs_open(0);
	struct xs_permissions set[2] = { { 1, XS_PERM_NONE }, { 2, XS_PERM_READ } };
	struct xs_permissions *p;
	unsigned int n;

	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT(wr(h, XBT_NULL, "/perm/a", "v"));
	p = xs_get_permissions(h, XBT_NULL, "/perm/a", &n);
	CU_ASSERT(p && n == 1 && p[0].id == 0 && p[0].perms == XS_PERM_NONE);
	free(p);
	CU_ASSERT(xs_set_permissions(h, XBT_NULL, "/perm/a", set, 2));
	p = xs_get_permissions(h, XBT_NULL, "/perm/a", &n);
	CU_ASSERT(p && n == 2 && p[0].id == 1 && p[1].id == 2 && p[1].perms == XS_PERM_READ);
	free(p);
	/* a child created below inherits its parent's permissions */
	CU_ASSERT(wr(h, XBT_NULL, "/perm/a/b", "v"));
	p = xs_get_permissions(h, XBT_NULL, "/perm/a/b", &n);
	CU_ASSERT(p && n == 2 && p[0].id == 1);
	free(p);
	p = xs_get_permissions(h, XBT_NULL, "@introduceDomain", &n);
	CU_ASSERT(p && n == 1 && p[0].id == 0);
	free(p);
	CU_ASSERT(xs_get_permissions(h, XBT_NULL, "/perm/none", &n) == NULL && errno == ENOENT);
	CU_ASSERT(xs_rm(h, XBT_NULL, "/perm"));
	xs_close(h);
}

/* More children than one payload holds: libxenstore gets E2BIG from
 * XS_DIRECTORY and falls back to XS_DIRECTORY_PART. */
static void test_directory_part(void)
{
	struct xs_handle *h = xs_open(0);
	char path[128];
	unsigned int num, i;
	char **dir;
	int found = 0;

	CU_ASSERT_FATAL(h != NULL);
	for (i = 0; i < 300; i++) {
		snprintf(path, sizeof(path), "/big/child-with-a-long-name-%04u", i);
		CU_ASSERT(xs_mkdir(h, XBT_NULL, path));
	}
	dir = xs_directory(h, XBT_NULL, "/big", &num);
	CU_ASSERT_FATAL(dir != NULL);
	CU_ASSERT_EQUAL(num, 300);
	for (i = 0; i < num; i++)
		found += !strncmp(dir[i], "child-with-a-long-name-", 23);
	CU_ASSERT_EQUAL(found, 300);
	free(dir);
	CU_ASSERT(xs_rm(h, XBT_NULL, "/big"));
	xs_close(h);
}

/* ---- watches ------------------------------------------------------------- */

static void test_watch_events(void)
{
	struct xs_handle *h1 = xs_open(0), *h2 = xs_open(0);

	CU_ASSERT_FATAL(h1 && h2);
	CU_ASSERT(xs_watch(h1, "/w", "tok"));
	CU_ASSERT(expect_event(h1, "/w", "tok")); /* the initial event */
	CU_ASSERT(!xs_watch(h1, "/w", "tok") && errno == EEXIST);
	CU_ASSERT(wr(h2, XBT_NULL, "/w/x", "1"));
	CU_ASSERT(expect_event(h1, "/w/x", "tok"));
	CU_ASSERT(wr(h2, XBT_NULL, "/other", "1")); /* not below /w */
	CU_ASSERT(no_event(h1));
	CU_ASSERT(xs_rm(h2, XBT_NULL, "/w"));
	CU_ASSERT(expect_event(h1, "/w", "tok"));
	CU_ASSERT(xs_unwatch(h1, "/w", "tok"));
	CU_ASSERT(!xs_unwatch(h1, "/w", "tok") && errno == ENOENT);
	CU_ASSERT(wr(h2, XBT_NULL, "/w/y", "1"));
	CU_ASSERT(no_event(h1));
	/* relative watch: events are relative too */
	CU_ASSERT(xs_watch(h1, "relw", "r"));
	CU_ASSERT(expect_event(h1, "relw", "r"));
	CU_ASSERT(wr(h2, XBT_NULL, "/local/domain/0/relw/c", "1"));
	CU_ASSERT(expect_event(h1, "relw/c", "r"));
	CU_ASSERT(xs_unwatch(h1, "relw", "r"));
	CU_ASSERT(!xs_watch(h1, "/bad//path", "t") && errno == EINVAL);
	CU_ASSERT(xs_rm(h2, XBT_NULL, "/w"));
	CU_ASSERT(xs_rm(h2, XBT_NULL, "/other"));
	CU_ASSERT(xs_rm(h2, XBT_NULL, "relw"));
	xs_close(h1);
	xs_close(h2);
}

/* rm of a subtree: the ancestor's watch sees the removed root, a watch
 * inside the subtree sees its own path. */
static void test_watch_rm_subtree(void)
{
	struct xs_handle *h1 = xs_open(0), *h2 = xs_open(0);

	CU_ASSERT_FATAL(h1 && h2);
	CU_ASSERT(wr(h2, XBT_NULL, "/s/a/b/c", "1"));
	CU_ASSERT(xs_watch(h1, "/s/a/b", "in"));
	CU_ASSERT(expect_event(h1, "/s/a/b", "in"));
	CU_ASSERT(xs_watch(h1, "/s", "up"));
	CU_ASSERT(expect_event(h1, "/s", "up"));
	CU_ASSERT(xs_rm(h2, XBT_NULL, "/s/a"));
	/* post-order: the inner node's event comes first */
	CU_ASSERT(expect_event(h1, "/s/a/b", "in"));
	CU_ASSERT(expect_event(h1, "/s/a", "up"));
	CU_ASSERT(no_event(h1));
	CU_ASSERT(xs_rm(h2, XBT_NULL, "/s"));
	xs_close(h1);
	xs_close(h2);
}

static void test_special_watches(void)
{
	struct xs_handle *h = xs_open(0);

	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT(xs_watch(h, "@introduceDomain", "i"));
	CU_ASSERT(expect_event(h, "@introduceDomain", "i"));
	CU_ASSERT(xs_watch(h, "@releaseDomain", "r"));
	CU_ASSERT(expect_event(h, "@releaseDomain", "r"));
	CU_ASSERT(!xs_is_domain_introduced(h, 5));
	CU_ASSERT(xs_is_domain_introduced(h, 0));
	CU_ASSERT(xs_introduce_domain(h, 5, 1234, 7));
	CU_ASSERT(expect_event(h, "@introduceDomain", "i"));
	CU_ASSERT(xs_is_domain_introduced(h, 5));
	CU_ASSERT(xs_resume_domain(h, 5));
	CU_ASSERT(xs_set_target(h, 5, 0));
	CU_ASSERT(xs_release_domain(h, 5));
	CU_ASSERT(expect_event(h, "@releaseDomain", "r"));
	CU_ASSERT(!xs_is_domain_introduced(h, 5));
	CU_ASSERT(!xs_release_domain(h, 5) && errno == ENOENT);
	CU_ASSERT(!xs_release_domain(h, 0) && errno == EINVAL);
	CU_ASSERT(no_event(h));
	xs_close(h);
}

/* ---- transactions -------------------------------------------------------- */

static void test_txn_own_writes_and_abort(void)
{
	struct xs_handle *h = xs_open(0);
	xs_transaction_t t;

	CU_ASSERT_FATAL(h != NULL);
	t = xs_transaction_start(h);
	CU_ASSERT_FATAL(t != XBT_NULL);
	CU_ASSERT(wr(h, t, "/tx/a", "1"));
	CU_ASSERT(read_is(h, t, "/tx/a", "1"));
	CU_ASSERT(read_fails(h, XBT_NULL, "/tx/a", ENOENT));
	CU_ASSERT_EQUAL(stats(g_xsd).transactions, 1);
	CU_ASSERT(xs_transaction_end(h, t, true)); /* abort */
	CU_ASSERT(read_fails(h, XBT_NULL, "/tx/a", ENOENT));
	CU_ASSERT_EQUAL(stats(g_xsd).transactions, 0);
	/* the id is gone */
	CU_ASSERT(read_fails(h, t, "/tx/a", ENOENT));
	CU_ASSERT(!xs_transaction_end(h, t, false) && errno == ENOENT);
	xs_close(h);
}

static void test_txn_conflict_and_commit(void)
{
	struct xs_handle *h1 = xs_open(0), *h2 = xs_open(0);
	xs_transaction_t t;

	CU_ASSERT_FATAL(h1 && h2);
	CU_ASSERT(wr(h1, XBT_NULL, "/c/v", "0"));
	CU_ASSERT(xs_watch(h2, "/c", "w"));
	CU_ASSERT(expect_event(h2, "/c", "w"));
	/* conflicting: a node read by the transaction changes */
	t = xs_transaction_start(h1);
	CU_ASSERT(read_is(h1, t, "/c/v", "0"));
	CU_ASSERT(wr(h2, XBT_NULL, "/c/v", "x"));
	CU_ASSERT(expect_event(h2, "/c/v", "w"));
	CU_ASSERT(wr(h1, t, "/c/v", "1"));
	CU_ASSERT(!xs_transaction_end(h1, t, false));
	CU_ASSERT_EQUAL(errno, EAGAIN);
	CU_ASSERT(read_is(h1, XBT_NULL, "/c/v", "x"));
	CU_ASSERT(no_event(h2));
	/* conflicting through a directory listing */
	t = xs_transaction_start(h1);
	{
		unsigned int n;
		char **d = xs_directory(h1, t, "/c", &n);

		CU_ASSERT(d && n == 1);
		free(d);
	}
	CU_ASSERT(wr(h2, XBT_NULL, "/c/new", "x"));
	CU_ASSERT(expect_event(h2, "/c/new", "w"));
	CU_ASSERT(wr(h1, t, "/c/v", "2"));
	CU_ASSERT(!xs_transaction_end(h1, t, false) && errno == EAGAIN);
	/* non-conflicting: someone else writes elsewhere; watches fire at
	 * commit only */
	t = xs_transaction_start(h1);
	CU_ASSERT(read_is(h1, t, "/c/v", "x"));
	CU_ASSERT(wr(h1, t, "/c/v", "3"));
	CU_ASSERT(no_event(h2));
	CU_ASSERT(wr(h2, XBT_NULL, "/elsewhere", "x"));
	CU_ASSERT(xs_transaction_end(h1, t, false));
	CU_ASSERT(expect_event(h2, "/c/v", "w"));
	CU_ASSERT(read_is(h2, XBT_NULL, "/c/v", "3"));
	/* nested start: EBUSY from the server (raw case in the wire test) */
	CU_ASSERT(xs_rm(h1, XBT_NULL, "/c"));
	CU_ASSERT(expect_event(h2, "/c", "w"));
	CU_ASSERT(xs_rm(h1, XBT_NULL, "/elsewhere"));
	xs_close(h1);
	xs_close(h2);
}

static void test_txn_retry_loop(void)
{
	struct xs_handle *h1 = xs_open(0), *h2 = xs_open(0);
	int attempts = 0;
	bool done = false;

	CU_ASSERT_FATAL(h1 && h2);
	CU_ASSERT(wr(h1, XBT_NULL, "/cnt", "10"));
	while (!done && attempts < 10) {
		xs_transaction_t t = xs_transaction_start(h1);
		char *v, buf[16];

		attempts++;
		CU_ASSERT_FATAL(t != XBT_NULL);
		v = rd(h1, t, "/cnt");
		CU_ASSERT_FATAL(v != NULL);
		if (attempts == 1) /* someone else increments meanwhile */
			CU_ASSERT(wr(h2, XBT_NULL, "/cnt", "11"));
		snprintf(buf, sizeof(buf), "%d", atoi(v) + 1);
		free(v);
		CU_ASSERT(wr(h1, t, "/cnt", buf));
		done = xs_transaction_end(h1, t, false);
		if (!done)
			CU_ASSERT_EQUAL(errno, EAGAIN);
	}
	CU_ASSERT(done);
	CU_ASSERT_EQUAL(attempts, 2);
	CU_ASSERT(read_is(h1, XBT_NULL, "/cnt", "12"));
	CU_ASSERT(xs_rm(h1, XBT_NULL, "/cnt"));
	xs_close(h1);
	xs_close(h2);
}

/* rm and mkdir inside a transaction: invisible outside, the events come at
 * commit in the order the nodes were first touched (as xenstored). */
static void test_txn_rm_mkdir_events(void)
{
	struct xs_handle *h1 = xs_open(0), *h2 = xs_open(0);
	xs_transaction_t t;
	unsigned int n;
	char **d;

	CU_ASSERT_FATAL(h1 && h2);
	CU_ASSERT(wr(h1, XBT_NULL, "/tr/a/b", "1"));
	CU_ASSERT(xs_watch(h2, "/tr/a/b", "in") && expect_event(h2, "/tr/a/b", "in"));
	CU_ASSERT(xs_watch(h2, "/tr", "up") && expect_event(h2, "/tr", "up"));
	t = xs_transaction_start(h1);
	CU_ASSERT_FATAL(t != XBT_NULL);
	CU_ASSERT(xs_rm(h1, t, "/tr/a"));
	CU_ASSERT(xs_mkdir(h1, t, "/tr/m"));
	d = xs_directory(h1, t, "/tr", &n);
	CU_ASSERT(d && n == 1 && !strcmp(d[0], "m"));
	free(d);
	CU_ASSERT(read_is(h2, XBT_NULL, "/tr/a/b", "1"));
	CU_ASSERT(read_fails(h2, XBT_NULL, "/tr/m", ENOENT));
	CU_ASSERT(no_event(h2));
	CU_ASSERT(xs_transaction_end(h1, t, false));
	CU_ASSERT(expect_event(h2, "/tr/a", "up"));
	CU_ASSERT(expect_event(h2, "/tr/a/b", "in"));
	CU_ASSERT(expect_event(h2, "/tr/m", "up"));
	CU_ASSERT(no_event(h2));
	CU_ASSERT(read_fails(h2, XBT_NULL, "/tr/a/b", ENOENT));
	CU_ASSERT(read_is(h2, XBT_NULL, "/tr/m", ""));
	CU_ASSERT(xs_rm(h1, XBT_NULL, "/tr"));
	xs_close(h1);
	xs_close(h2);
}

/* ---- many clients, cleanup ----------------------------------------------- */

#define NCLIENTS 100

static void *client_thread(void *arg)
{
	long i = (long)arg;
	struct xs_handle *h = xs_open(0);
	char path[64], val[32];
	xs_transaction_t t;
	long ok = 0;
	unsigned int seed = (unsigned int)i * 2654435761u;
	int tries;

	if (!h)
		return (void *)0;
	snprintf(path, sizeof(path), "/many/c%ld", i);
	snprintf(val, sizeof(val), "v%ld", i);
	if (wr(h, XBT_NULL, path, val) && read_is(h, XBT_NULL, path, val))
		ok++;
	/* Every transaction creates a child of /many, so concurrent ones
	 * conflict on it: retry with a growing, randomised back-off, as a
	 * real xenstore client does, rather than livelock under load. */
	for (tries = 0; tries < 200; tries++) {
		if (tries)
			usleep((useconds_t)(rand_r(&seed) % 500u) * (useconds_t)(tries < 20 ? tries : 20));
		t = xs_transaction_start(h);
		if (t == XBT_NULL)
			break;
		snprintf(path, sizeof(path), "/many/t%ld", i);
		if (!wr(h, t, path, val)) {
			xs_transaction_end(h, t, true);
			break;
		}
		if (xs_transaction_end(h, t, false)) {
			ok++;
			break;
		}
		if (errno != EAGAIN)
			break;
	}
	if (read_is(h, XBT_NULL, path, val))
		ok++;
	xs_close(h);
	return (void *)ok;
}

static void test_many_clients(void)
{
	pthread_t th[NCLIENTS];
	struct xs_handle *h;
	unsigned int num;
	char **dir;
	long i, good = 0;

	for (i = 0; i < NCLIENTS; i++)
		CU_ASSERT_FATAL(pthread_create(&th[i], NULL, client_thread, (void *)i) == 0);
	for (i = 0; i < NCLIENTS; i++) {
		void *r;

		pthread_join(th[i], &r);
		good += (long)r == 3;
	}
	CU_ASSERT_EQUAL(good, NCLIENTS);
	CU_ASSERT(wait_conns(g_xsd, 0));
	h = xs_open(0);
	CU_ASSERT_FATAL(h != NULL);
	dir = xs_directory(h, XBT_NULL, "/many", &num);
	CU_ASSERT(dir && num == 2 * NCLIENTS);
	free(dir);
	CU_ASSERT(xs_rm(h, XBT_NULL, "/many"));
	xs_close(h);
	CU_ASSERT(wait_conns(g_xsd, 0));
}

static void test_disconnect_cleanup(void)
{
	struct xs_handle *h = xs_open(0);
	struct pvf_xsd_stats st;
	xs_transaction_t t;

	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT(xs_watch(h, "/dc", "t"));
	CU_ASSERT(expect_event(h, "/dc", "t"));
	t = xs_transaction_start(h);
	CU_ASSERT(t != XBT_NULL);
	CU_ASSERT(wr(h, t, "/dc/x", "1"));
	st = stats(g_xsd);
	CU_ASSERT_EQUAL(st.connections, 1);
	CU_ASSERT_EQUAL(st.watches, 1);
	CU_ASSERT_EQUAL(st.transactions, 1);
	xs_close(h);
	CU_ASSERT(wait_conns(g_xsd, 0));
	st = stats(g_xsd);
	CU_ASSERT_EQUAL(st.watches, 0);
	CU_ASSERT_EQUAL(st.transactions, 0);
	h = xs_open(0);
	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT(read_fails(h, XBT_NULL, "/dc/x", ENOENT)); /* aborted */
	xs_close(h);
}

/* ---- `pvfront xenstore` arguments ---------------------------------------- */

static int run_cmd(const char *a1, const char *a2)
{
	char *argv[4] = { "xenstore", (char *)a1, (char *)a2, NULL };
	int argc = 1 + (a1 != NULL) + (a2 != NULL);

	return pvf_cmd_xenstore(argc, argv);
}

static void test_cmd_args(void)
{
	struct pvf_xsd_config cfg = { 0 };
	struct pvf_xsd *x;

	CU_ASSERT_EQUAL(run_cmd("--bogus", NULL), 2);
	CU_ASSERT_EQUAL(run_cmd("--socket", NULL), 2);
	CU_ASSERT_EQUAL(run_cmd("--socket=", NULL), 2);
	CU_ASSERT_EQUAL(run_cmd("--help", NULL), 0);
	CU_ASSERT_EQUAL(run_cmd("--socket", "/nonexistent-pvfront-dir/socket"), 1);
	/* a path a live server answers on */
	CU_ASSERT_EQUAL(run_cmd("--socket", pvf_xsd_socket_path(g_xsd)), 1);
	/* the same through the API */
	cfg.socket_path = pvf_xsd_socket_path(g_xsd);
	CU_ASSERT_EQUAL(pvf_xsd_create(&cfg, &x), -PVF_EBUSY);
	cfg.socket_path = "/nonexistent-pvfront-dir/socket";
	CU_ASSERT_EQUAL(pvf_xsd_create(&cfg, &x), -PVF_ENOENT);
	cfg.socket_path = "";
	CU_ASSERT_EQUAL(pvf_xsd_create(&cfg, &x), -PVF_EINVAL);
}

/* A stale socket file (no server) is replaced; stop and serve again. */
static void test_stale_socket_restart(void)
{
	struct pvf_xsd_config cfg = { 0 };
	struct pvf_xsd *x, *y;
	struct xs_handle *h;
	char dir[] = "/tmp/pvfront-test-xsd.XXXXXX", path[64];

	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/sock", dir);
	cfg.socket_path = path;
	CU_ASSERT_FATAL(pvf_xsd_create(&cfg, &x) == 0);
	/* listening but not serving yet: still a live server */
	CU_ASSERT_FATAL(pvf_xsd_create(&cfg, &y) == -PVF_EBUSY);
	pvf_xsd_destroy(x);
	/* a crashed server: its socket file stays, nobody listens */
	{
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
		CU_ASSERT(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
		close(fd); /* the file remains, nobody listens */
	}
	CU_ASSERT_FATAL(pvf_xsd_create(&cfg, &y) == 0);
	CU_ASSERT(pvf_xsd_start(y) == 0);
	h = open_at(path);
	CU_ASSERT(h && wr(h, XBT_NULL, "/keep", "1"));
	if (h)
		xs_close(h);
	CU_ASSERT(pvf_xsd_stop(y) == 0);
	CU_ASSERT(pvf_xsd_start(y) == 0);
	h = open_at(path);
	CU_ASSERT(h && read_is(h, XBT_NULL, "/keep", "1"));
	if (h)
		xs_close(h);
	pvf_xsd_destroy(y);
	CU_ASSERT(access(path, F_OK) != 0);
	rmdir(dir);
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_read_write_mkdir_rm),
	PVF_TEST(test_perms),
	PVF_TEST(test_directory_part),
	PVF_TEST(test_watch_events),
	PVF_TEST(test_watch_rm_subtree),
	PVF_TEST(test_special_watches),
	PVF_TEST(test_txn_own_writes_and_abort),
	PVF_TEST(test_txn_conflict_and_commit),
	PVF_TEST(test_txn_retry_loop),
	PVF_TEST(test_txn_rm_mkdir_events),
	PVF_TEST(test_many_clients),
	PVF_TEST(test_disconnect_cleanup),
	PVF_TEST(test_cmd_args),
	PVF_TEST(test_stale_socket_restart),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("xsd", tests, suite_init, suite_cleanup);
}
