/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The embedded xenstore server: unix socket, poll loop, connections,
 * message framing, bounded output queues, the serving thread.
 *
 * Framing and hostile input:
 *  - a header whose len exceeds XENSTORE_PAYLOAD_MAX: an XS_ERROR "E2BIG"
 *    reply (with the header's req_id/tx_id), then the connection is closed
 *    (xenstored closes without a reply; we answer first so the client learns
 *    why, but the stream cannot be trusted and the payload is not read);
 *  - an unknown type, or a reply type (XS_WATCH_EVENT, XS_ERROR) sent by
 *    the client: the payload is consumed and an XS_ERROR "ENOSYS" returned,
 *    the stream stays in sync;
 *  - malformed payloads (missing NUL, wrong number of strings): XS_ERROR
 *    "EINVAL" from the handler (xsd_wire.c);
 *  - a truncated message followed by close, or garbage that ends early:
 *    the partial message is discarded with the connection.
 * Garbage bytes are parsed as headers and end in one of the cases above.
 *
 * Slow readers: a connection with more than max_out bytes queued is not
 * read from until it drains (its own replies are bounded by this
 * back-pressure); a watch event that does not fit is dropped and the
 * connection closed.  Sockets are non-blocking; nothing waits on one client.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "xsd_internal.h"

#define XSD_MSGS_PER_WAKEUP 64

void xsd_log(const struct pvf_xsd *s, int level, const char *fmt, ...)
{
	va_list ap;

	if (level > s->verbose)
		return;
	flockfile(stderr);
	fputs("pvfront-xsd: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

/* ---- output -------------------------------------------------------------- */

bool xsd_queue(struct xsd_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	       const void *data, size_t len, bool is_event)
{
	struct pvf_xsd *s = c->srv;
	struct xsd_sockmsg hdr;
	struct xsd_out *o;

	if (c->dead)
		return false;
	if (!is_event && len > XENSTORE_PAYLOAD_MAX) {
		/* xenstored answers E2BIG instead of an oversized reply */
		return xsd_queue(c, XS_ERROR, req_id, tx_id, "E2BIG", 6, false);
	}
	if (is_event && c->out_bytes + sizeof(hdr) + len > s->max_out) {
		xsd_log(s, 0, "conn %d: output queue full (%zu bytes): watch event dropped, closing",
			c->fd, c->out_bytes);
		atomic_fetch_add(&s->n_dropped, 1);
		c->dead = true;
		return false;
	}
	o = malloc(sizeof(*o) + sizeof(hdr) + len);
	if (!o) {
		xsd_log(s, 0, "conn %d: out of memory queueing a message, closing", c->fd);
		c->dead = true;
		return false;
	}
	hdr.type = type;
	hdr.req_id = req_id;
	hdr.tx_id = tx_id;
	hdr.len = (uint32_t)len;
	memcpy(o->buf, &hdr, sizeof(hdr));
	if (len)
		memcpy(o->buf + sizeof(hdr), data, len);
	o->len = sizeof(hdr) + len;
	o->off = 0;
	o->next = NULL;
	if (c->out_tail)
		c->out_tail->next = o;
	else
		c->out_head = o;
	c->out_tail = o;
	c->out_bytes += o->len;
	return true;
}

void xsd_reply(struct xsd_conn *c, uint32_t type, const void *data, size_t len)
{
	xsd_queue(c, type, c->cur_req_id, c->cur_tx_id, data, len, false);
}

void xsd_reply_error(struct xsd_conn *c, int err)
{
	size_t i;

	for (i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++)
		if (xsd_errors[i].errnum == err)
			break;
	if (i == sizeof(xsd_errors) / sizeof(xsd_errors[0])) {
		xsd_log(c->srv, 0, "error %d untranslatable, sending EINVAL", err);
		i = 0; /* EINVAL, as xenstored */
	}
	xsd_reply(c, XS_ERROR, xsd_errors[i].errstring, strlen(xsd_errors[i].errstring) + 1);
}

static void xsd_flush(struct xsd_conn *c)
{
	while (c->out_head && !c->dead) {
		struct xsd_out *o = c->out_head;
		ssize_t n = send(c->fd, o->buf + o->off, o->len - o->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				xsd_log(c->srv, 1, "conn %d: send: %s", c->fd, strerror(errno));
				c->dead = true;
			}
			return;
		}
		o->off += (size_t)n;
		if (o->off < o->len)
			return;
		c->out_head = o->next;
		if (!c->out_head)
			c->out_tail = NULL;
		c->out_bytes -= o->len;
		free(o);
	}
}

/* ---- connections --------------------------------------------------------- */

static void xsd_conn_close(struct pvf_xsd *s, struct xsd_conn *c)
{
	xsd_log(s, 1, "conn %d: closed%s", c->fd, c->bad ? " (protocol violation)" : "");
	if (c->bad)
		atomic_fetch_add(&s->n_bad, 1);
	xsd_watch_del_all(s, c);
	xsd_txn_abort_all(s, c);
	while (c->out_head) {
		struct xsd_out *o = c->out_head;

		c->out_head = o->next;
		free(o);
	}
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
	atomic_fetch_sub(&s->n_conns, 1);
}

static void xsd_accept(struct pvf_xsd *s)
{
	int i;

	for (i = 0; i < XSD_MSGS_PER_WAKEUP; i++) {
		struct xsd_conn *c, **pp, *prev = NULL;
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				xsd_log(s, 0, "accept: %s", strerror(errno));
			return;
		}
		if (atomic_load(&s->n_conns) >= s->max_conns) {
			xsd_log(s, 0, "too many connections (%u), refusing one", s->max_conns);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			xsd_log(s, 0, "out of memory accepting a connection");
			close(fd);
			continue;
		}
		c->srv = s;
		c->fd = fd;
		c->next_txn_id = 1;
		/* keep connection order (xenstored fires watches in it) */
		for (pp = &s->conns; *pp; pp = &(*pp)->next)
			prev = *pp;
		c->prev = prev;
		*pp = c;
		atomic_fetch_add(&s->n_conns, 1);
		xsd_log(s, 1, "conn %d: new", fd);
	}
}

/* Read and handle what the client sent, a bounded number of messages. */
static void xsd_input(struct pvf_xsd *s, struct xsd_conn *c)
{
	int handled = 0;

	while (!c->dead && handled < XSD_MSGS_PER_WAKEUP && c->out_bytes < s->max_out) {
		char *dst;
		size_t want;
		ssize_t n;

		if (!c->in_payload) {
			dst = (char *)&c->hdr + c->hdr_used;
			want = sizeof(c->hdr) - c->hdr_used;
		} else {
			dst = c->in + c->in_used;
			want = c->hdr.len - c->in_used;
		}
		n = want ? recv(c->fd, dst, want, MSG_DONTWAIT) : 0;
		if (want && n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			if (n < 0)
				xsd_log(s, 1, "conn %d: recv: %s", c->fd, strerror(errno));
			else if (c->hdr_used || c->in_payload)
				xsd_log(s, 1, "conn %d: closed inside a message", c->fd);
			c->dead = true;
			return;
		}
		if (!c->in_payload) {
			c->hdr_used += (size_t)n;
			if (c->hdr_used < sizeof(c->hdr))
				continue;
			if (c->hdr.len > XENSTORE_PAYLOAD_MAX) {
				/* Cannot resynchronise: say why, then disconnect. */
				xsd_log(s, 0, "conn %d: message of %u bytes (max %u), closing",
					c->fd, c->hdr.len, XENSTORE_PAYLOAD_MAX);
				c->cur_req_id = c->hdr.req_id;
				c->cur_tx_id = c->hdr.tx_id;
				xsd_reply_error(c, E2BIG);
				xsd_flush(c);
				c->bad = true;
				c->dead = true;
				return;
			}
			c->in_payload = true;
			c->in_used = 0;
		} else {
			c->in_used += (size_t)n;
		}
		if (c->in_used < c->hdr.len)
			continue;
		c->in[c->hdr.len] = 0; /* guard; handlers still check lengths */
		xsd_dispatch(s, c);
		c->in_payload = false;
		c->hdr_used = 0;
		handled++;
	}
}

static void xsd_close_all(struct pvf_xsd *s)
{
	while (s->conns)
		xsd_conn_close(s, s->conns);
}

/* ---- the loop ------------------------------------------------------------ */

static int xsd_serve(struct pvf_xsd *s, volatile int *stop)
{
	struct pollfd *pfd = NULL;
	struct xsd_conn **map = NULL;
	size_t cap = 0;
	int ret = 0;

	while (atomic_load(&s->serving) == 1 && !(stop && *stop)) {
		struct xsd_conn *c, *next;
		size_t n = 2, i;
		int r;

		for (c = s->conns; c; c = c->next)
			n++;
		if (n > cap) {
			size_t ncap = n * 2;
			struct pollfd *np = realloc(pfd, ncap * sizeof(*np));
			struct xsd_conn **nm;

			if (np)
				pfd = np;
			nm = np ? realloc(map, ncap * sizeof(*nm)) : NULL;
			if (!nm) {
				xsd_log(s, 0, "out of memory in the poll loop");
				ret = -PVF_ENOMEM;
				break;
			}
			map = nm;
			cap = ncap;
		}
		pfd[0].fd = s->wake[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = s->lfd;
		pfd[1].events = POLLIN;
		for (i = 2, c = s->conns; c; c = c->next, i++) {
			map[i] = c;
			pfd[i].fd = c->fd;
			pfd[i].events = (short)((c->out_bytes < s->max_out ? POLLIN : 0) |
						(c->out_head ? POLLOUT : 0));
		}
		r = poll(pfd, (nfds_t)n, 200);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			xsd_log(s, 0, "poll: %s", strerror(errno));
			ret = -PVF_EIO;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			char buf[64];

			while (read(s->wake[0], buf, sizeof(buf)) > 0)
				;
		}
		for (i = 2; i < n; i++) {
			c = map[i];
			if (pfd[i].revents & (POLLERR | POLLNVAL)) {
				c->dead = true;
				continue;
			}
			if (pfd[i].revents & (POLLIN | POLLHUP))
				xsd_input(s, c);
		}
		/* Flush every queue: events may have been queued anywhere. */
		for (c = s->conns; c; c = next) {
			next = c->next;
			xsd_flush(c);
			if (c->dead)
				xsd_conn_close(s, c);
		}
		if (pfd[1].revents & POLLIN)
			xsd_accept(s);
	}
	free(pfd);
	free(map);
	return ret;
}

static void *xsd_thread(void *arg)
{
	struct pvf_xsd *s = arg;

	xsd_serve(s, NULL);
	return NULL;
}

int pvf_xsd_start(struct pvf_xsd *s)
{
	int expect = 0;

	if (!s)
		return -PVF_EINVAL;
	if (!atomic_compare_exchange_strong(&s->serving, &expect, 1))
		return -PVF_EALREADY;
	if (pthread_create(&s->thread, NULL, xsd_thread, s)) {
		atomic_store(&s->serving, 0);
		return -PVF_ENOMEM;
	}
	s->thread_running = true;
	return 0;
}

int pvf_xsd_run(struct pvf_xsd *s, volatile int *stop)
{
	int expect = 0, ret;

	if (!s)
		return -PVF_EINVAL;
	if (!atomic_compare_exchange_strong(&s->serving, &expect, 1))
		return -PVF_EALREADY;
	ret = xsd_serve(s, stop);
	atomic_store(&s->serving, 0);
	return ret;
}

int pvf_xsd_stop(struct pvf_xsd *s)
{
	if (!s)
		return -PVF_EINVAL;
	if (s->thread_running) {
		atomic_store(&s->serving, 2); /* "stop" */
		if (write(s->wake[1], "x", 1) < 0) {
			/* the loop still checks the flag every 200 ms */
		}
		pthread_join(s->thread, NULL);
		s->thread_running = false;
		atomic_store(&s->serving, 0);
	} else {
		int expect = 1;

		/* pvf_xsd_run() in another thread: ask it to end, wait */
		if (atomic_compare_exchange_strong(&s->serving, &expect, 2)) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			if (write(s->wake[1], "x", 1) < 0) {
				/* checked every 200 ms anyway */
			}
			while (atomic_load(&s->serving) == 2)
				nanosleep(&ts, NULL);
		}
	}
	xsd_close_all(s);
	return 0;
}

/* ---- create / destroy ---------------------------------------------------- */

static int xsd_errno_to_pvf(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return -PVF_ENOENT;
	case EACCES:
	case EPERM:
	case EROFS:
		return -PVF_EACCES;
	case ENOMEM:
	case ENOBUFS:
		return -PVF_ENOMEM;
	default:
		return -PVF_EIO;
	}
}

static int xsd_bind(struct pvf_xsd *s)
{
	struct sockaddr_un addr;
	int probe, tries;

	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	memcpy(addr.sun_path, s->sock_path, strlen(s->sock_path) + 1);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return xsd_errno_to_pvf(errno);
	for (tries = 0; tries < 2; tries++) {
		struct stat st;

		if (!bind(s->lfd, (struct sockaddr *)&addr, sizeof(addr)))
			break;
		if (errno != EADDRINUSE || tries)
			return xsd_errno_to_pvf(errno);
		if (lstat(s->sock_path, &st) || !S_ISSOCK(st.st_mode))
			return -PVF_EEXIST;
		/* Someone's socket: a live server, or a stale file? */
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe < 0)
			return xsd_errno_to_pvf(errno);
		if (!connect(probe, (struct sockaddr *)&addr, sizeof(addr))) {
			close(probe);
			return -PVF_EBUSY;
		}
		close(probe);
		if (unlink(s->sock_path))
			return xsd_errno_to_pvf(errno);
	}
	s->bound = true;
	chmod(s->sock_path, 0600);
	if (listen(s->lfd, SOMAXCONN))
		return xsd_errno_to_pvf(errno);
	return 0;
}

/* The initial store of xenstored 4.17: "/", "/tool", "/tool/xenstored". */
static int xsd_setup_store(struct pvf_xsd *s)
{
	static const char *const names[] = { "/", "/tool", "/tool/xenstored" };
	static const char *const kids[] = { "tool", "xenstored", NULL };
	size_t i;

	if (xsd_db_init(&s->db))
		return -PVF_ENOMEM;
	for (i = 0; i < 3; i++) {
		struct xsd_node *n = xsd_node_new(names[i]);

		if (!n)
			return -PVF_ENOMEM;
		n->perms = calloc(1, sizeof(*n->perms));
		if (!n->perms || (kids[i] && xsd_node_add_child(n, kids[i]))) {
			xsd_node_free(n);
			return -PVF_ENOMEM;
		}
		n->perms[0].type = 'n';
		n->nperms = 1;
		xsd_write_node(s, NULL, n);
	}
	for (i = 0; i < 2; i++) {
		s->spec_p[i] = calloc(1, sizeof(*s->spec_p[i]));
		if (!s->spec_p[i])
			return -PVF_ENOMEM;
		s->spec_p[i]->type = 'n';
		s->spec_n[i] = 1;
	}
	return 0;
}

int pvf_xsd_create(const struct pvf_xsd_config *cfg, struct pvf_xsd **out)
{
	static const struct pvf_xsd_config defaults;
	struct pvf_xsd *s;
	int err;

	if (!out)
		return -PVF_EINVAL;
	*out = NULL;
	if (!cfg)
		cfg = &defaults;
	if (cfg->socket_path &&
	    (!cfg->socket_path[0] || strlen(cfg->socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)))
		return -PVF_EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -PVF_ENOMEM;
	s->lfd = s->wake[0] = s->wake[1] = -1;
	s->max_conns = cfg->max_connections ? cfg->max_connections : 1024;
	s->max_watches = cfg->max_watches_per_conn ? cfg->max_watches_per_conn : 1024;
	s->max_txns = cfg->max_txns_per_conn ? cfg->max_txns_per_conn : 1024;
	s->max_out = cfg->max_out_bytes ? cfg->max_out_bytes : 4u << 20;
	s->verbose = cfg->verbose;
	if (cfg->socket_path) {
		s->sock_path = strdup(cfg->socket_path);
	} else {
		const char *base = getenv("XDG_RUNTIME_DIR");
		char tmpl[96];

		if (!base || !base[0] || strlen(base) > 60)
			base = "/tmp";
		snprintf(tmpl, sizeof(tmpl), "%s/pvfront-xsd.XXXXXX", base);
		if (!mkdtemp(tmpl)) {
			err = xsd_errno_to_pvf(errno);
			goto fail;
		}
		s->tmpdir = strdup(tmpl);
		if (!s->tmpdir) {
			rmdir(tmpl);
			err = -PVF_ENOMEM;
			goto fail;
		}
		s->sock_path = malloc(strlen(tmpl) + 8);
		if (s->sock_path)
			sprintf(s->sock_path, "%s/socket", tmpl);
	}
	if (!s->sock_path) {
		err = -PVF_ENOMEM;
		goto fail;
	}
	if (pipe2(s->wake, O_NONBLOCK | O_CLOEXEC)) {
		err = xsd_errno_to_pvf(errno);
		goto fail;
	}
	err = xsd_setup_store(s);
	if (err)
		goto fail;
	err = xsd_bind(s);
	if (err)
		goto fail;
	xsd_log(s, 1, "listening on %s", s->sock_path);
	*out = s;
	return 0;
fail:
	pvf_xsd_destroy(s);
	return err;
}

void pvf_xsd_destroy(struct pvf_xsd *s)
{
	if (!s)
		return;
	pvf_xsd_stop(s);
	xsd_db_fini(&s->db);
	free(s->spec_p[0]);
	free(s->spec_p[1]);
	free(s->domains);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->wake[0] >= 0) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	if (s->bound)
		unlink(s->sock_path);
	if (s->tmpdir)
		rmdir(s->tmpdir);
	free(s->tmpdir);
	free(s->sock_path);
	free(s);
}

const char *pvf_xsd_socket_path(const struct pvf_xsd *s)
{
	return s ? s->sock_path : NULL;
}

void pvf_xsd_get_stats(const struct pvf_xsd *s, struct pvf_xsd_stats *st)
{
	struct pvf_xsd *m = (struct pvf_xsd *)s; /* atomics loads only */

	memset(st, 0, sizeof(*st));
	if (!s)
		return;
	st->connections = atomic_load(&m->n_conns);
	st->watches = atomic_load(&m->n_watches);
	st->transactions = atomic_load(&m->n_txns);
	st->nodes = atomic_load(&m->n_nodes);
	st->messages = atomic_load(&m->n_msgs);
	st->events = atomic_load(&m->n_events);
	st->events_dropped = atomic_load(&m->n_dropped);
	st->disconnects_bad = atomic_load(&m->n_bad);
}
