/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The embedded xenstore server's wire protocol over raw sockets: malformed,
 * truncated and oversized messages (an error reply, or the connection
 * closed when the stream cannot be resynchronised), per-connection limits,
 * and a watcher that never reads (cut off, the writer never blocked).
 * Behaviour through libxenstore is in tests/test_xsd.c.
 */
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>
#include "xsd_fix.h"

/* ---- raw wire ------------------------------------------------------------ */

static int raw_connect(const char *path)
{
	struct sockaddr_un a;
	struct timeval tv = { 3, 0 };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)); /* never hang */
	return fd;
}

static bool raw_send(int fd, uint32_t type, uint32_t req, uint32_t tx, const void *p, uint32_t len)
{
	struct xsd_sockmsg m = { type, req, tx, len };

	return send(fd, &m, sizeof(m), MSG_NOSIGNAL) == (ssize_t)sizeof(m) &&
	       (!len || send(fd, p, len, MSG_NOSIGNAL) == (ssize_t)len);
}

static bool raw_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);

		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

/* Receive one reply; returns its type (or -1), payload into @buf. */
static int raw_recv(int fd, uint32_t *req, char *buf, size_t size, uint32_t *len)
{
	struct xsd_sockmsg m;

	if (!raw_full(fd, &m, sizeof(m)) || m.len > size)
		return -1;
	if (!raw_full(fd, buf, m.len))
		return -1;
	*req = m.req_id;
	*len = m.len;
	return (int)m.type;
}

/* Send a request, expect an XS_ERROR with @err and our req_id. */
static bool raw_expect_error(int fd, uint32_t type, uint32_t tx, const void *p, uint32_t len,
			     const char *err)
{
	static uint32_t req = 100;
	char buf[4200];
	uint32_t rid, rlen;
	int t;

	req++;
	if (!raw_send(fd, type, req, tx, p, len))
		return false;
	t = raw_recv(fd, &rid, buf, sizeof(buf), &rlen);
	if (t != XS_ERROR || rid != req || rlen != strlen(err) + 1 || memcmp(buf, err, rlen)) {
		fprintf(stderr, "type %u: got reply %d (%.*s), expected %s\n", type, t,
			(int)rlen, buf, err);
		return false;
	}
	return true;
}

/* The server closed: EOF, or a reset when our bytes were left unread. */
static bool raw_closed(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, 0);

	return n == 0 || (n < 0 && errno == ECONNRESET);
}

static void test_raw_malformed(void)
{
	const char *path = pvf_xsd_socket_path(g_xsd);
	uint64_t bad0 = stats(g_xsd).disconnects_bad;
	char buf[4200], junk[64];
	uint32_t rid, rlen;
	struct xs_handle *h;
	int fd;

	fd = raw_connect(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(raw_expect_error(fd, 999, 0, "x", 2, "ENOSYS"));            /* unknown type */
	CU_ASSERT(raw_expect_error(fd, XS_INVALID, 0, NULL, 0, "ENOSYS"));
	CU_ASSERT(raw_expect_error(fd, XS_WATCH_EVENT, 0, "/a\0t", 5, "ENOSYS")); /* reply types */
	CU_ASSERT(raw_expect_error(fd, XS_ERROR, 0, "EINVAL", 7, "ENOSYS"));
	CU_ASSERT(raw_expect_error(fd, XS_READ, 0, "/tool", 5, "EINVAL"));     /* no NUL */
	CU_ASSERT(raw_expect_error(fd, XS_READ, 0, NULL, 0, "EINVAL"));        /* empty */
	CU_ASSERT(raw_expect_error(fd, XS_READ, 0, "/a\0/b", 6, "EINVAL"));   /* two strings */
	CU_ASSERT(raw_expect_error(fd, XS_WRITE, 0, "/abc", 4, "EINVAL"));
	CU_ASSERT(raw_expect_error(fd, XS_WATCH, 0, "/a", 3, "EINVAL"));     /* one string */
	CU_ASSERT(raw_expect_error(fd, XS_DIRECTORY_PART, 0, "/", 2, "EINVAL"));
	CU_ASSERT(raw_expect_error(fd, XS_SET_PERMS, 0, "/tool\0x1", 9, "EINVAL"));
	CU_ASSERT(raw_expect_error(fd, XS_TRANSACTION_END, 0, "X", 2, "EINVAL"));
	CU_ASSERT(raw_expect_error(fd, XS_TRANSACTION_END, 0, "T", 2, "ENOENT"));
	CU_ASSERT(raw_expect_error(fd, XS_READ, 77, "/tool", 6, "ENOENT"));  /* unknown tx */
	CU_ASSERT(raw_expect_error(fd, XS_READ, 0, "/no/such", 9, "ENOENT"));
	CU_ASSERT(raw_expect_error(fd, XS_CONTROL, 0, "bogus", 6, "EINVAL"));
	/* a nested transaction start */
	CU_ASSERT(raw_send(fd, XS_TRANSACTION_START, 5, 0, "", 1));
	CU_ASSERT(raw_recv(fd, &rid, buf, sizeof(buf), &rlen) == XS_TRANSACTION_START &&
		  rid == 5 && !strcmp(buf, "1"));
	CU_ASSERT(raw_expect_error(fd, XS_TRANSACTION_START, 1, "", 1, "EBUSY"));
	/* the stream is still in sync: a valid request works, and
	 * XS_DIRECTORY_PART has the generation and the end marker */
	CU_ASSERT(raw_send(fd, XS_DIRECTORY_PART, 9, 0, "/tool\0" "0", 8));
	CU_ASSERT(raw_recv(fd, &rid, buf, sizeof(buf), &rlen) == XS_DIRECTORY_PART && rid == 9);
	CU_ASSERT(rlen > 2 && buf[rlen - 1] == 0 && buf[rlen - 2] == 0);
	CU_ASSERT(rlen == strlen(buf) + 1 + sizeof("xenstored") + 1 &&
		  !strcmp(buf + strlen(buf) + 1, "xenstored"));
	/* oversized header: an E2BIG reply, then (the stream cannot be
	 * resynchronised) the connection is closed */
	{
		struct xsd_sockmsg m = { XS_WRITE, 4321, 0, XENSTORE_PAYLOAD_MAX + 1 };

		CU_ASSERT(send(fd, &m, sizeof(m), MSG_NOSIGNAL) == sizeof(m));
		CU_ASSERT(raw_recv(fd, &rid, buf, sizeof(buf), &rlen) == XS_ERROR && rid == 4321 &&
			  !strcmp(buf, "E2BIG"));
		CU_ASSERT(raw_closed(fd));
	}
	close(fd);
	/* garbage bytes: parsed as a header with a huge length, same answer */
	fd = raw_connect(path);
	CU_ASSERT_FATAL(fd >= 0);
	memset(junk, 0x41, sizeof(junk));
	CU_ASSERT(send(fd, junk, sizeof(junk), MSG_NOSIGNAL) == sizeof(junk));
	CU_ASSERT(raw_recv(fd, &rid, buf, sizeof(buf), &rlen) == XS_ERROR && !strcmp(buf, "E2BIG"));
	CU_ASSERT(raw_closed(fd));
	close(fd);
	/* a truncated message, then close */
	fd = raw_connect(path);
	CU_ASSERT_FATAL(fd >= 0);
	{
		struct xsd_sockmsg m = { XS_WRITE, 1, 0, 100 };

		CU_ASSERT(send(fd, &m, 10, MSG_NOSIGNAL) == 10);
	}
	close(fd);
	fd = raw_connect(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(raw_send(fd, XS_WRITE, 1, 0, "/trunc\0abc", 10));
	{
		struct xsd_sockmsg m = { XS_WRITE, 2, 0, 100 };

		CU_ASSERT(send(fd, &m, sizeof(m), MSG_NOSIGNAL) == sizeof(m));
		CU_ASSERT(send(fd, "/x\0abc", 6, MSG_NOSIGNAL) == 6);
	}
	close(fd);
	CU_ASSERT(wait_conns(g_xsd, 0));
	CU_ASSERT_EQUAL(stats(g_xsd).disconnects_bad, bad0 + 2);
	/* afterwards the server still serves a normal client */
	h = xs_open(0);
	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT(read_is(h, XBT_NULL, "/trunc", "abc"));
	CU_ASSERT(read_fails(h, XBT_NULL, "/x", ENOENT));
	CU_ASSERT(xs_rm(h, XBT_NULL, "/trunc"));
	xs_close(h);
}

/* ---- limits and slow readers (a second server with small limits) -------- */

static void test_limits_and_slow_reader(void)
{
	struct pvf_xsd_config cfg = { 0 };
	struct pvf_xsd *x;
	struct xs_handle *h;
	xs_transaction_t t1, t2;
	int fd, i;
	char buf[64];
	uint32_t rid, rlen;

	cfg.max_txns_per_conn = 2;
	cfg.max_watches_per_conn = 2;
	cfg.max_out_bytes = 4096;
	CU_ASSERT_FATAL(pvf_xsd_create(&cfg, &x) == 0);
	CU_ASSERT_FATAL(pvf_xsd_start(x) == 0);
	CU_ASSERT(pvf_xsd_start(x) == -PVF_EALREADY);
	h = open_at(pvf_xsd_socket_path(x));
	CU_ASSERT_FATAL(h != NULL);
	t1 = xs_transaction_start(h);
	t2 = xs_transaction_start(h);
	CU_ASSERT(t1 != XBT_NULL && t2 != XBT_NULL);
	CU_ASSERT(xs_transaction_start(h) == XBT_NULL && errno == ENOSPC);
	CU_ASSERT(xs_transaction_end(h, t1, true) && xs_transaction_end(h, t2, true));
	CU_ASSERT(xs_watch(h, "/l1", "a") && xs_watch(h, "/l2", "a"));
	CU_ASSERT(!xs_watch(h, "/l3", "a") && errno == E2BIG);
	/* a watcher that never reads: the writer is never blocked, the
	 * watcher is cut off once its queue overflows */
	fd = raw_connect(pvf_xsd_socket_path(x));
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(raw_send(fd, XS_WATCH, 1, 0, "/slow\0tok", 10));
	CU_ASSERT(raw_recv(fd, &rid, buf, sizeof(buf), &rlen) == XS_WATCH);
	CU_ASSERT(wait_conns(x, 2));
	for (i = 0; i < 20000 && stats(x).connections == 2; i++)
		CU_ASSERT_FATAL(wr(h, XBT_NULL, "/slow/v", "value"));
	CU_ASSERT(wait_conns(x, 1));
	CU_ASSERT(stats(x).events_dropped >= 1);
	close(fd);
	xs_close(h);
	CU_ASSERT(wait_conns(x, 0));
	CU_ASSERT_EQUAL(stats(x).watches, 0);
	pvf_xsd_destroy(x);
}

static const struct pvf_test tests[] = {
	PVF_TEST(test_raw_malformed),
	PVF_TEST(test_limits_and_slow_reader),
	PVF_TEST_END
};

int main(void)
{
	return pvf_test_run("xsd_raw", tests, suite_init, suite_cleanup);
}
