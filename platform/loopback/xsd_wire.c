/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Request handlers of the embedded xenstore server, one per XS_* type, with
 * C xenstored 4.17's argument rules and error codes for a dom0 client.
 *
 * A handler returns 0 after queueing its reply, or a positive errno value
 * that the dispatcher turns into an XS_ERROR reply carrying the errno's name
 * (xsd_errors of xs_wire.h).  Watch events caused by a request are queued
 * before its reply (as xenstored does); the initial event of a new watch
 * comes right after the XS_WATCH reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xsd_internal.h"

struct xsd_req {
	struct pvf_xsd *s;
	struct xsd_conn *c;
	struct xsd_txn *t;   /* the request's transaction, NULL for none */
	const char *buf;     /* payload, c->in */
	unsigned int len;
};

#define XSD_DOMID_SELF 0x7FF0u

/* The payload is exactly one string: its only NUL is the last byte. */
static const char *xsd_onearg(const struct xsd_req *r)
{
	if (!r->len || memchr(r->buf, 0, r->len) != r->buf + r->len - 1)
		return NULL;
	return r->buf;
}

/* NUL-terminated strings in the payload, in order; returns how many (only
 * the first @num go to @vec).  Bytes after the last NUL are ignored. */
static unsigned int xsd_get_strings(const struct xsd_req *r, const char **vec, unsigned int num)
{
	unsigned int off = 0, i = 0;

	while (off < r->len) {
		const char *nul = memchr(r->buf + off, 0, r->len - off);

		if (!nul)
			break;
		if (i < num)
			vec[i] = r->buf + off;
		i++;
		off = (unsigned int)(nul - r->buf) + 1;
	}
	return i;
}

static unsigned int xsd_count_nuls(const struct xsd_req *r)
{
	unsigned int i, n = 0;

	for (i = 0; i < r->len; i++)
		if (!r->buf[i])
			n++;
	return n;
}

static void xsd_ack(struct xsd_req *r)
{
	xsd_reply(r->c, r->c->hdr.type, "OK", 3);
}

/* atoi() as xenstored uses it, without its undefined overflow. */
static unsigned int xsd_atou(const char *s)
{
	return (unsigned int)(int)strtol(s, NULL, 10);
}

/* The node named by the request's single path argument, as the request's
 * transaction sees it; NULL with *err (EINVAL, ENOMEM, ENOENT...). */
static struct xsd_node *onearg_node(struct xsd_req *r, int *err)
{
	const char *arg = xsd_onearg(r);
	struct xsd_node *n;
	char *name;

	if (!arg) {
		*err = EINVAL;
		return NULL;
	}
	name = xsd_canonicalize(r->c, arg);
	if (!name) {
		*err = ENOMEM;
		return NULL;
	}
	n = xsd_get_node(r->s, r->t, name, err);
	free(name);
	return n;
}

static int do_read(struct xsd_req *r)
{
	int err;
	struct xsd_node *n = onearg_node(r, &err);

	if (!n)
		return err;
	xsd_reply(r->c, XS_READ, n->data, n->datalen);
	return 0;
}

static int do_write(struct xsd_req *r)
{
	const char *vec[1];
	unsigned int off;
	struct xsd_node *n;
	char *name;
	int err;

	/* Extra "strings" in the value are just binary data. */
	if (xsd_get_strings(r, vec, 1) < 1)
		return EINVAL;
	off = (unsigned int)strlen(vec[0]) + 1;
	name = xsd_canonicalize(r->c, vec[0]);
	if (!name)
		return ENOMEM;
	n = xsd_get_node(r->s, r->t, name, &err);
	if (n) {
		struct xsd_node *nn = xsd_node_new(name);

		err = nn ? xsd_node_copy_content(nn, n) : ENOMEM;
		if (!err)
			err = xsd_node_set_data(nn, r->buf + off, r->len - off);
		if (err)
			xsd_node_free(nn);
		else
			err = xsd_write_node(r->s, r->t, nn);
	} else if (err == ENOENT) {
		err = xsd_create_node(r->s, r->c, r->t, name, r->buf + off, r->len - off);
	}
	if (!err)
		xsd_fire_watches(r->s, r->t, name, false);
	free(name);
	if (err)
		return err;
	xsd_ack(r);
	return 0;
}

/* One canonicalized path argument, @op on it, an ack on success (mkdir,
 * rm).  Returns 0 or an errno for the error reply. */
static int path_op_ack(struct xsd_req *r, int (*op)(struct xsd_req *r, const char *name))
{
	const char *arg = xsd_onearg(r);
	char *name;
	int err;

	if (!arg)
		return EINVAL;
	name = xsd_canonicalize(r->c, arg);
	if (!name)
		return ENOMEM;
	err = op(r, name);
	free(name);
	if (!err)
		xsd_ack(r);
	return err;
}

static int mkdir_at(struct xsd_req *r, const char *name)
{
	int err = 0;

	/* If it already exists, fine (and no event). */
	if (!xsd_get_node(r->s, r->t, name, &err)) {
		if (err == ENOENT)
			err = xsd_create_node(r->s, r->c, r->t, name, NULL, 0);
		if (!err)
			xsd_fire_watches(r->s, r->t, name, false);
	}
	return err;
}

static int rm_at(struct xsd_req *r, const char *name)
{
	int err = 0;

	if (xsd_get_node(r->s, r->t, name, &err))
		return strcmp(name, "/") ? xsd_rm_node(r->s, r->c, r->t, name) : EINVAL;
	/* Missing is fine if the parent exists; else ENOENT. */
	if (err == ENOENT) {
		char *pname = xsd_parent(name);
		int e;

		if (!pname)
			return ENOMEM;
		if (xsd_read_node(r->s, r->t, pname, &e))
			err = 0;
		free(pname);
	}
	return err;
}

static int do_mkdir(struct xsd_req *r)
{
	return path_op_ack(r, mkdir_at);
}

static int do_rm(struct xsd_req *r)
{
	return path_op_ack(r, rm_at);
}

static int do_directory(struct xsd_req *r)
{
	int err;
	struct xsd_node *n = onearg_node(r, &err);

	if (!n)
		return err;
	/* More than XENSTORE_PAYLOAD_MAX: E2BIG, and libxenstore falls back
	 * to XS_DIRECTORY_PART. */
	xsd_reply(r->c, XS_DIRECTORY, n->children, n->childlen);
	return 0;
}

/* "<path>\0<offset>\0" -> "<generation>\0<child>\0...": a chunk of the
 * children list from byte @offset; an extra "\0" marks the end of the list. */
static int do_directory_part(struct xsd_req *r)
{
	char out[XENSTORE_PAYLOAD_MAX + 1];
	unsigned int off, len = 0, maxlen, genlen;
	struct xsd_node *n;
	const char *child;
	char *name;
	int err;

	if (xsd_count_nuls(r) != 2)
		return EINVAL;
	name = xsd_canonicalize(r->c, r->buf);
	if (!name)
		return ENOMEM;
	n = xsd_get_node(r->s, r->t, name, &err);
	free(name);
	if (!n)
		return err;
	off = xsd_atou(r->buf + strlen(r->buf) + 1);
	genlen = (unsigned int)snprintf(out, 24, "%llu", (unsigned long long)n->generation) + 1;
	if (off >= n->childlen) {
		out[genlen] = 0;
		xsd_reply(r->c, XS_DIRECTORY_PART, out, genlen + 1);
		return 0;
	}
	maxlen = XENSTORE_PAYLOAD_MAX - genlen - 1;
	child = n->children + off;
	while (len + off < n->childlen) {
		size_t clen = strnlen(child, n->childlen - off - len);

		if (len + clen >= maxlen)
			break;
		len += (unsigned int)clen + 1;
		child += clen + 1;
	}
	memcpy(out + genlen, n->children + off, len);
	if (off + len >= n->childlen) {
		out[genlen + len] = 0;
		len++;
	}
	xsd_reply(r->c, XS_DIRECTORY_PART, out, genlen + len);
	return 0;
}

static int xsd_spec_index(const char *name)
{
	if (!strcmp(name, "@introduceDomain"))
		return 0;
	if (!strcmp(name, "@releaseDomain"))
		return 1;
	return -1;
}

static int do_get_perms(struct xsd_req *r)
{
	const char *arg = xsd_onearg(r);
	const struct xsd_perm *p;
	unsigned int np;
	char *out, *name;
	int err, len;

	if (!arg)
		return EINVAL;
	if (arg[0] == '@') {
		int i = xsd_spec_index(arg);

		if (i < 0)
			return ENOENT;
		p = r->s->spec_p[i];
		np = r->s->spec_n[i];
	} else {
		struct xsd_node *n;

		name = xsd_canonicalize(r->c, arg);
		if (!name)
			return ENOMEM;
		n = xsd_get_node(r->s, r->t, name, &err);
		free(name);
		if (!n)
			return err;
		p = n->perms;
		np = n->nperms;
	}
	len = xsd_perms_format(p, np, &out);
	if (len < 0)
		return ENOMEM;
	xsd_reply(r->c, XS_GET_PERMS, out, (size_t)len);
	free(out);
	return 0;
}

static int do_set_perms(struct xsd_req *r)
{
	unsigned int num = xsd_count_nuls(r);
	struct xsd_perm *perms;
	struct xsd_node *n, *nn;
	char *name;
	int err;

	if (num < 2)
		return EINVAL;
	num--;
	err = xsd_perms_parse(r->buf + strlen(r->buf) + 1, num, &perms);
	if (err)
		return err;
	if (r->buf[0] == '@') {
		int i = xsd_spec_index(r->buf);

		if (i < 0) {
			free(perms);
			return ENOENT;
		}
		free(r->s->spec_p[i]);
		r->s->spec_p[i] = perms;
		r->s->spec_n[i] = num;
		xsd_ack(r);
		return 0;
	}
	name = xsd_canonicalize(r->c, r->buf);
	if (!name) {
		free(perms);
		return ENOMEM;
	}
	n = xsd_get_node(r->s, r->t, name, &err);
	nn = n ? xsd_node_new(name) : NULL;
	if (n && (!nn || xsd_node_copy_content(nn, n)))
		err = ENOMEM;
	if (!n || err) {
		xsd_node_free(nn);
		free(perms);
		free(name);
		return err;
	}
	free(nn->perms);
	nn->perms = perms;
	nn->nperms = num;
	err = xsd_write_node(r->s, r->t, nn);
	if (!err)
		xsd_fire_watches(r->s, r->t, name, false);
	free(name);
	if (err)
		return err;
	xsd_ack(r);
	return 0;
}

static int do_watch(struct xsd_req *r)
{
	const char *vec[2];
	struct xsd_watch *w;
	bool relative = false;
	char *name;
	int err;

	if (xsd_get_strings(r, vec, 2) != 2)
		return EINVAL;
	if (vec[0][0] == '@') {
		if (strlen(vec[0]) > XENSTORE_REL_PATH_MAX)
			return EINVAL;
		name = strdup(vec[0]);
	} else {
		relative = vec[0][0] != '/';
		name = xsd_canonicalize(r->c, vec[0]);
		if (name && !xsd_valid_nodename(name)) {
			free(name);
			return EINVAL;
		}
	}
	if (!name)
		return ENOMEM;
	err = xsd_watch_add(r->s, r->c, name, vec[1], relative, &w);
	free(name);
	if (err)
		return err;
	xsd_ack(r);
	/* Fire once up front: simplifies clients. */
	xsd_watch_event(r->s, r->c, w, w->node);
	return 0;
}

static int do_unwatch(struct xsd_req *r)
{
	const char *vec[2];
	char *name;
	int err;

	if (xsd_get_strings(r, vec, 2) != 2)
		return EINVAL;
	name = xsd_canonicalize(r->c, vec[0]);
	if (!name)
		return ENOMEM;
	err = xsd_watch_del(r->s, r->c, name, vec[1]);
	free(name);
	if (err)
		return err;
	xsd_ack(r);
	return 0;
}

static int do_transaction_start(struct xsd_req *r)
{
	char id[16];
	uint32_t tid;
	int err;

	if (r->t)
		return EBUSY; /* no nested transactions */
	err = xsd_txn_start(r->s, r->c, &tid);
	if (err)
		return err;
	xsd_reply(r->c, XS_TRANSACTION_START, id, (size_t)snprintf(id, sizeof(id), "%u", tid) + 1);
	return 0;
}

static int do_transaction_end(struct xsd_req *r)
{
	const char *arg = xsd_onearg(r);
	int err;

	if (!arg || (strcmp(arg, "T") && strcmp(arg, "F")))
		return EINVAL;
	if (!r->t)
		return ENOENT;
	/* The transaction is gone whatever the result. */
	err = xsd_txn_end(r->s, r->c, r->t, arg[0] == 'T');
	r->t = r->c->cur_txn = NULL;
	if (err)
		return err;
	xsd_ack(r);
	return 0;
}

static int do_get_domain_path(struct xsd_req *r)
{
	const char *arg = xsd_onearg(r);
	char path[40];

	if (!arg)
		return EINVAL;
	xsd_reply(r->c, XS_GET_DOMAIN_PATH, path,
		  (size_t)snprintf(path, sizeof(path), "/local/domain/%u", xsd_atou(arg)) + 1);
	return 0;
}

static bool xsd_domain_known(const struct pvf_xsd *s, unsigned int domid)
{
	unsigned int i;

	if (domid == 0)
		return true; /* dom0 is always introduced */
	for (i = 0; i < s->ndomains; i++)
		if (s->domains[i] == domid)
			return true;
	return false;
}

static int do_introduce(struct xsd_req *r)
{
	struct pvf_xsd *s = r->s;
	const char *vec[3];
	unsigned int domid;

	if (xsd_get_strings(r, vec, 3) < 3)
		return EINVAL;
	domid = xsd_atou(vec[0]);
	/* The gfn is ignored: there is no ring page in the loopback. */
	if ((int)xsd_atou(vec[2]) <= 0)
		return EINVAL;
	if (!xsd_domain_known(s, domid)) {
		if (s->ndomains == s->domcap) {
			unsigned int ncap = s->domcap ? s->domcap * 2 : 16;
			unsigned int *nd = realloc(s->domains, ncap * sizeof(*nd));

			if (!nd)
				return ENOMEM;
			s->domains = nd;
			s->domcap = ncap;
		}
		s->domains[s->ndomains++] = domid;
		xsd_fire_watches(s, NULL, "@introduceDomain", false);
	}
	xsd_ack(r);
	return 0;
}

/* One domid argument naming an introduced domain other than dom0. */
static int xsd_onearg_domain(struct xsd_req *r, unsigned int *idx)
{
	const char *arg = xsd_onearg(r);
	unsigned int domid, i;

	if (!arg)
		return EINVAL;
	domid = xsd_atou(arg);
	if (!domid)
		return EINVAL;
	for (i = 0; i < r->s->ndomains; i++) {
		if (r->s->domains[i] == domid) {
			*idx = i;
			return 0;
		}
	}
	return ENOENT;
}

static int do_release(struct xsd_req *r)
{
	unsigned int i;
	int err = xsd_onearg_domain(r, &i);

	if (err)
		return err;
	r->s->domains[i] = r->s->domains[--r->s->ndomains];
	xsd_fire_watches(r->s, NULL, "@releaseDomain", false);
	xsd_ack(r);
	return 0;
}

static int do_resume(struct xsd_req *r)
{
	unsigned int i;
	int err = xsd_onearg_domain(r, &i);

	if (err)
		return err;
	xsd_ack(r);
	return 0;
}

static int do_is_domain_introduced(struct xsd_req *r)
{
	const char *arg = xsd_onearg(r);
	unsigned int domid;

	if (!arg)
		return EINVAL;
	domid = xsd_atou(arg);
	xsd_reply(r->c, XS_IS_DOMAIN_INTRODUCED,
		  domid == XSD_DOMID_SELF || xsd_domain_known(r->s, domid) ? "T" : "F", 2);
	return 0;
}

static int do_set_target(struct xsd_req *r)
{
	const char *vec[2];

	if (xsd_get_strings(r, vec, 2) < 2)
		return EINVAL;
	if (!xsd_domain_known(r->s, xsd_atou(vec[0])) ||
	    !xsd_domain_known(r->s, xsd_atou(vec[1])))
		return ENOENT;
	/* Accepted; every client here is dom0 already, so nothing changes. */
	xsd_ack(r);
	return 0;
}

static int do_reset_watches(struct xsd_req *r)
{
	xsd_watch_del_all(r->s, r->c);
	xsd_txn_abort_all(r->s, r->c);
	xsd_ack(r);
	return 0;
}

/* XS_CONTROL: "help", "print|<text>", "check"; anything else EINVAL. */
static int do_control(struct xsd_req *r)
{
	static const char help[] = "check\t\nhelp\t\nprint\t<string>\n";
	const char *vec[3];
	unsigned int num = xsd_get_strings(r, vec, 3);

	if (num < 1)
		return EINVAL;
	if (!strcmp(vec[0], "help")) {
		if (num != 1)
			return EINVAL;
		xsd_reply(r->c, XS_CONTROL, help, sizeof(help));
		return 0;
	}
	if (!strcmp(vec[0], "print")) {
		if (num != 2)
			return EINVAL;
		fprintf(stderr, "pvfront-xsd: %s\n", vec[1]);
		xsd_ack(r);
		return 0;
	}
	if (!strcmp(vec[0], "check")) {
		xsd_ack(r);
		return 0;
	}
	return EINVAL;
}

#define XSD_NOTID 1u /* the tx_id of the request is ignored */

static const struct {
	const char *name;
	int (*fn)(struct xsd_req *r);
	unsigned int flags;
} xsd_handlers[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { "CONTROL", do_control, 0 },
	[XS_DIRECTORY] = { "DIRECTORY", do_directory, 0 },
	[XS_READ] = { "READ", do_read, 0 },
	[XS_GET_PERMS] = { "GET_PERMS", do_get_perms, 0 },
	[XS_WATCH] = { "WATCH", do_watch, XSD_NOTID },
	[XS_UNWATCH] = { "UNWATCH", do_unwatch, XSD_NOTID },
	[XS_TRANSACTION_START] = { "TRANSACTION_START", do_transaction_start, 0 },
	[XS_TRANSACTION_END] = { "TRANSACTION_END", do_transaction_end, 0 },
	[XS_INTRODUCE] = { "INTRODUCE", do_introduce, XSD_NOTID },
	[XS_RELEASE] = { "RELEASE", do_release, XSD_NOTID },
	[XS_GET_DOMAIN_PATH] = { "GET_DOMAIN_PATH", do_get_domain_path, XSD_NOTID },
	[XS_WRITE] = { "WRITE", do_write, 0 },
	[XS_MKDIR] = { "MKDIR", do_mkdir, 0 },
	[XS_RM] = { "RM", do_rm, 0 },
	[XS_SET_PERMS] = { "SET_PERMS", do_set_perms, 0 },
	/* XS_WATCH_EVENT and XS_ERROR are replies: ENOSYS from a client */
	[XS_IS_DOMAIN_INTRODUCED] = { "IS_DOMAIN_INTRODUCED", do_is_domain_introduced, XSD_NOTID },
	[XS_RESUME] = { "RESUME", do_resume, XSD_NOTID },
	[XS_SET_TARGET] = { "SET_TARGET", do_set_target, XSD_NOTID },
	[XS_RESET_WATCHES] = { "RESET_WATCHES", do_reset_watches, XSD_NOTID },
	[XS_DIRECTORY_PART] = { "DIRECTORY_PART", do_directory_part, 0 },
};

void xsd_dispatch(struct pvf_xsd *s, struct xsd_conn *c)
{
	struct xsd_req r = { s, c, NULL, c->in, c->hdr.len };
	uint32_t type = c->hdr.type;
	int err;

	c->cur_req_id = c->hdr.req_id;
	c->cur_tx_id = c->hdr.tx_id;
	atomic_fetch_add(&s->n_msgs, 1);
	if (type >= XS_TYPE_COUNT || !xsd_handlers[type].fn) {
		/* Unknown or reply-only type: the stream stays in sync (the
		 * payload was consumed), so an error reply is enough. */
		xsd_log(s, 1, "conn %d: unknown operation %u", c->fd, type);
		xsd_reply_error(c, ENOSYS);
		return;
	}
	if (s->verbose >= 2)
		xsd_log(s, 2, "conn %d: %s tx %u (%.*s)", c->fd, xsd_handlers[type].name,
			c->hdr.tx_id, (int)strnlen(c->in, c->hdr.len), c->in);
	if (!(xsd_handlers[type].flags & XSD_NOTID) && c->hdr.tx_id) {
		r.t = xsd_txn_lookup(c, c->hdr.tx_id);
		if (!r.t) {
			xsd_reply_error(c, ENOENT);
			return;
		}
	}
	c->cur_txn = r.t;
	err = xsd_handlers[type].fn(&r);
	c->cur_txn = NULL;
	if (err)
		xsd_reply_error(c, err);
}
