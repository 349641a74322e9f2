/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz target: the embedded xenstore server's wire input
 * (<pvfront/xsd.h>, platform/loopback/xsd_*.c).
 *
 * The server has no raw-bytes entry point, so one server (kept between
 * inputs, serving from its thread) gets each input over a fresh unix
 * socket connection: the first byte chooses whether the client reads the
 * replies or hangs up at once, the rest goes out as the byte stream, then
 * the client half-closes.
 *
 * Invariants: no crash or sanitizer report; the server answers in well-
 * framed messages (header + payload of at most XENSTORE_PAYLOAD_MAX) and
 * closes the connection after the client's end of stream, within 5 s;
 * once it is gone, no connection, watch or transaction is left; and the
 * server stays usable: a second, well-formed client writes a node and
 * reads the same value back.
 * Accepted: a stream of whole messages got at least one reply that is not
 * XS_ERROR; rejected: anything else (truncated or oversized streams, hang-
 * ups, only errors).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>
#include <pvfront/xsd.h>
#include "fuzz.h"

#define XSD_READ_MAX (1u << 20)

static struct pvf_xsd *g_xsd;
static unsigned long g_probe;

void pvf_fuzz_xsd_fini(void)
{
	pvf_xsd_destroy(g_xsd);
	g_xsd = NULL;
}

static int xconnect(void)
{
	struct sockaddr_un a;
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", pvf_xsd_socket_path(g_xsd));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)); /* never hang */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return; /* the server hung up on us: allowed */
		p += w;
		n -= (size_t)w;
	}
}

#define SENTINEL_REQ 0xfeedbeefu

/* The end of the sentinel's reply in @buf[0..@n), 0 if not there yet. */
static size_t sentinel_end(const uint8_t *buf, size_t n)
{
	size_t off = 0;

	while (off + sizeof(struct xsd_sockmsg) <= n) {
		struct xsd_sockmsg h;

		memcpy(&h, buf + off, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX || off + sizeof(h) + h.len > n)
			return 0;
		off += sizeof(h) + h.len;
		if (h.req_id == SENTINEL_REQ && h.type != XS_WATCH_EVENT)
			return off;
	}
	return 0;
}

/* Read until the server closes (or, with @sentinel, until the sentinel's
 * reply came).  Returns bytes read, -1 on timeout. */
static long recv_all(int fd, uint8_t *buf, size_t cap, int sentinel)
{
	size_t got = 0;

	for (;;) {
		ssize_t r = recv(fd, buf + got, cap - got, 0);

		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return (long)got;
		if (r < 0)
			return errno == EINTR ? (long)got : -1;
		got += (size_t)r;
		if (got == cap)
			return (long)got; /* enough: stop reading (the close is abrupt) */
		if (sentinel && sentinel_end(buf, got))
			return (long)got;
	}
}

static int wait_idle(void)
{
	struct timespec ts = { 0, 1000000L };
	struct pvf_xsd_stats st;
	int i;

	for (i = 0; i < 5000; i++) {
		pvf_xsd_get_stats(g_xsd, &st);
		if (st.connections == 0)
			return st.watches || st.transactions ? -2 : 0;
		nanosleep(&ts, NULL);
	}
	return -1;
}

static int rpc(int fd, uint32_t type, uint32_t req, const void *p, uint32_t len,
	       char *reply, size_t size)
{
	struct xsd_sockmsg m = { type, req, 0, len }, h;
	size_t got = 0;

	send_all(fd, (const uint8_t *)&m, sizeof(m));
	send_all(fd, p, len);
	while (got < sizeof(h)) {
		ssize_t r = recv(fd, (char *)&h + got, sizeof(h) - got, 0);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	if (h.req_id != req || h.len >= size)
		return -1;
	for (got = 0; got < h.len;) {
		ssize_t r = recv(fd, reply + got, h.len - got, 0);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	reply[h.len] = '\0';
	return (int)h.type;
}

/* A well-formed client: write a fresh value, read it back. */
static int probe(void)
{
	char msg[64], val[32], reply[64];
	int fd = xconnect(), n, ok;

	if (fd < 0)
		return pvf_fuzz_fail("xsd: a second client cannot connect");
	n = snprintf(val, sizeof(val), "v%lu", ++g_probe);
	memcpy(msg, "/fuzz-probe", 12);
	memcpy(msg + 12, val, (size_t)n);
	ok = rpc(fd, XS_WRITE, 7, msg, 12u + (uint32_t)n, reply, sizeof(reply)) == XS_WRITE &&
	     rpc(fd, XS_READ, 8, "/fuzz-probe", 12, reply, sizeof(reply)) == XS_READ &&
	     !strcmp(reply, val);
	close(fd);
	if (!ok)
		return pvf_fuzz_fail("xsd: a well-formed client cannot write and read back");
	if (wait_idle())
		return pvf_fuzz_fail("xsd: the probe client's connection stays");
	return 0;
}

int pvf_fuzz_xsd(const uint8_t *data, size_t size)
{
	static uint8_t buf[XSD_READ_MAX];
	uint8_t sel = size ? data[0] : 0;
	unsigned int errors = 0, others = 0, nmsg = 0;
	size_t off;
	long n;
	int fd, r, whole;

	if (!g_xsd) {
		struct pvf_xsd_config cfg;

		memset(&cfg, 0, sizeof(cfg));
		cfg.max_watches_per_conn = 64;
		cfg.max_txns_per_conn = 16;
		if (pvf_xsd_create(&cfg, &g_xsd) || pvf_xsd_start(g_xsd)) {
			pvf_xsd_destroy(g_xsd);
			g_xsd = NULL;
			return pvf_fuzz_fail("xsd: cannot start the server");
		}
	}
	/* Is the stream whole messages of acceptable size?  Then a
	 * sentinel message follows it and the replies are read up to the
	 * sentinel's (a server may drop replies still queued when it sees the
	 * end of the stream, as xenstored does).  Otherwise (truncated, or a
	 * length the server must refuse) the client half-closes and reads
	 * until the server hangs up. */
	for (off = 1; off + sizeof(struct xsd_sockmsg) <= size;) {
		struct xsd_sockmsg h;

		memcpy(&h, data + off, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX)
			break;
		off += sizeof(h) + h.len;
		nmsg++;
	}
	whole = size <= 1 || off == size;
	fd = xconnect();
	if (fd < 0)
		return pvf_fuzz_fail("xsd: cannot connect");
	if (size > 1)
		send_all(fd, data + 1, size - 1);
	if (whole && !(sel & 1)) {
		static const char root[] = "/";
		struct xsd_sockmsg m = { XS_DIRECTORY, SENTINEL_REQ, 0, sizeof(root) };

		send_all(fd, (const uint8_t *)&m, sizeof(m));
		send_all(fd, (const uint8_t *)root, sizeof(root));
	} else {
		shutdown(fd, SHUT_WR);
	}
	if (sel & 1) {
		close(fd); /* hang up without reading */
		r = wait_idle();
		if (r)
			return pvf_fuzz_fail("xsd: after an abrupt close: %s",
					     r == -1 ? "the connection stays" :
					     "watches or transactions left");
		return probe() ? PVF_FUZZ_VIOLATION : PVF_FUZZ_REJECTED;
	}
	n = recv_all(fd, buf, sizeof(buf), whole);
	close(fd);
	if (n < 0)
		return pvf_fuzz_fail(whole ? "xsd: no reply to the sentinel message within 5 s" :
				     "xsd: no end of stream within 5 s of the client's");
	if (whole && !sentinel_end(buf, (size_t)n) && (size_t)n < sizeof(buf))
		return pvf_fuzz_fail("xsd: the server hung up before answering whole messages");
	/* the replies are well framed */
	for (off = 0; off + sizeof(struct xsd_sockmsg) <= (size_t)n;) {
		struct xsd_sockmsg h;

		memcpy(&h, buf + off, sizeof(h));
		if (h.len > XENSTORE_PAYLOAD_MAX)
			return pvf_fuzz_fail("xsd: a reply of %u bytes at offset %zu", h.len, off);
		if (h.req_id == SENTINEL_REQ && h.type != XS_WATCH_EVENT)
			; /* ours */
		else if (h.type == XS_ERROR)
			errors++;
		else if (h.type != XS_WATCH_EVENT)
			others++;
		off += sizeof(h) + h.len;
	}
	if (off != (size_t)n && (size_t)n < sizeof(buf))
		return pvf_fuzz_fail("xsd: the reply stream ends inside a message (%zu of %ld)", off,
				     n);
	if (whole && errors + others != nmsg)
		return pvf_fuzz_fail("xsd: %u whole messages got %u replies", nmsg, errors + others);
	r = wait_idle();
	if (r)
		return pvf_fuzz_fail("xsd: after the server closed: %s",
				     r == -1 ? "the connection stays" : "watches or transactions left");
	if (probe())
		return PVF_FUZZ_VIOLATION;
	/* Only whole streams are classified by their replies: after a
	 * half-close the server may drop replies it had queued, so counting
	 * them there would make the run depend on timing. */
	return whole && others ? PVF_FUZZ_ACCEPTED : PVF_FUZZ_REJECTED;
}

/* ---- corpus: byte 0 is the mode (0: read replies), then wire messages ---- */

#define U32(x) (uint8_t)((x) & 0xffu), (uint8_t)(((x) >> 8) & 0xffu), \
	(uint8_t)(((x) >> 16) & 0xffu), (uint8_t)(((x) >> 24) & 0xffu)
#define HDR(type, req, tx, len) U32(type), U32(req), U32(tx), U32(len)

static const uint8_t xsd_c0[] = { /* write then read */
	0, HDR(XS_WRITE, 1, 0, 8), '/', 'f', 'z', '/', 'a', 0, 'h', 'i',
	HDR(XS_READ, 2, 0, 6), '/', 'f', 'z', '/', 'a', 0,
};
static const uint8_t xsd_c1[] = { /* directory, get-perms, mkdir, rm */
	0, HDR(XS_DIRECTORY, 1, 0, 6), '/', 'l', 'o', 'c', 'a', 0,
	HDR(XS_DIRECTORY, 2, 0, 2), '/', 0,
	HDR(XS_MKDIR, 3, 0, 5), '/', 'f', 'z', '/', 0,
	HDR(XS_GET_PERMS, 4, 0, 4), '/', 'f', 'z', 0,
	HDR(XS_RM, 5, 0, 4), '/', 'f', 'z', 0,
};
static const uint8_t xsd_c2[] = { /* a transaction with a write, committed */
	0, HDR(XS_TRANSACTION_START, 1, 0, 1), 0,
	HDR(XS_WRITE, 2, 1, 6), '/', 't', 'x', 0, '4', '2',
	HDR(XS_TRANSACTION_END, 3, 1, 2), 'T', 0,
};
static const uint8_t xsd_c3[] = { /* a watch, a write that fires it, unwatch */
	0, HDR(XS_WATCH, 1, 0, 7), '/', 'w', 0, 't', 'o', 'k', 0,
	HDR(XS_WRITE, 2, 0, 6), '/', 'w', '/', 'x', 0, '1',
	HDR(XS_UNWATCH, 3, 0, 7), '/', 'w', 0, 't', 'o', 'k', 0,
};
static const uint8_t xsd_c4[] = { /* permissions and control */
	0, HDR(XS_WRITE, 1, 0, 5), '/', 'p', 0, 'v', '0',
	HDR(XS_SET_PERMS, 2, 0, 9), '/', 'p', 0, 'n', '0', 0, 'r', '5', 0,
	HDR(XS_CONTROL, 3, 0, 5), 'h', 'e', 'l', 'p', 0,
	HDR(XS_DIRECTORY_PART, 4, 0, 4), '/', 0, '0', 0,
};
static const uint8_t xsd_c5[] = { /* an unknown type, a bad path, a huge length */
	0, HDR(99, 1, 0, 0),
	HDR(XS_READ, 2, 0, 3), 'a', '/', 0,
	HDR(XS_READ, 3, 0, 0x10000), 'x',
};
static const uint8_t xsd_c6[] = { /* hang up after a watch */
	1, HDR(XS_WATCH, 1, 0, 8), '/', 'h', 0, 't', 'o', 'k', 0, 0,
};

const struct pvf_fuzz_seed pvf_fuzz_xsd_corpus[] = {
	PVF_FUZZ_ARR(xsd_c0), PVF_FUZZ_ARR(xsd_c1), PVF_FUZZ_ARR(xsd_c2), PVF_FUZZ_ARR(xsd_c3),
	PVF_FUZZ_ARR(xsd_c4), PVF_FUZZ_ARR(xsd_c5), PVF_FUZZ_ARR(xsd_c6), PVF_FUZZ_SEED_END,
};
