/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fake platform, xenstore part: an in-memory store, watches that queue
 * events, snapshot transactions with conflict detection and injected
 * EAGAIN, and the faults on writes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/errno.h>
#include "fake_internal.h"

static int path_valid(const char *p)
{
	size_t len;

	if (!p || !*p)
		return 0;
	len = strlen(p);
	if (len >= PVF_XS_PATH_MAX || p[len - 1] == '/' || strstr(p, "//"))
		return 0;
	return 1;
}

/* @child is @parent or below it. */
static int is_under(const char *child, const char *parent)
{
	size_t lp = strlen(parent);

	return strncmp(child, parent, lp) == 0 && (child[lp] == '\0' || child[lp] == '/');
}

/* ---- store -------------------------------------------------------------- */

static struct fake_node *store_find(struct fake_store *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].path, path) == 0)
			return &s->v[i];
	return NULL;
}

static void store_put1(struct fake_store *s, const char *path, const char *value)
{
	struct fake_node *n = store_find(s, path);

	if (n) {
		if (value) {
			free(n->value);
			n->value = pvf_fake_xstrdup(value);
		}
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->v = pvf_fake_xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n].path = pvf_fake_xstrdup(path);
	s->v[s->n].value = pvf_fake_xstrdup(value ? value : "");
	s->n++;
}

/* Set @path (value NULL: mkdir, keep an existing value), creating parents. */
static void store_put(struct fake_store *s, const char *path, const char *value)
{
	char *tmp = pvf_fake_xstrdup(path);
	char *q;

	for (q = tmp + 1; *q; q++) {
		if (*q == '/') {
			*q = '\0';
			store_put1(s, tmp, NULL);
			*q = '/';
		}
	}
	free(tmp);
	store_put1(s, path, value);
}

static int store_rm(struct fake_store *s, const char *path)
{
	size_t i, j;
	int found = 0;

	for (i = j = 0; i < s->n; i++) {
		if (is_under(s->v[i].path, path)) {
			found = 1;
			free(s->v[i].path);
			free(s->v[i].value);
		} else {
			s->v[j++] = s->v[i];
		}
	}
	s->n = j;
	return found ? 0 : -PVF_ENOENT;
}

static void store_clear(struct fake_store *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].value);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void store_copy(struct fake_store *dst, const struct fake_store *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->cap = src->n ? src->n : 1;
	dst->v = pvf_fake_xrealloc(NULL, dst->cap * sizeof(*dst->v));
	for (i = 0; i < src->n; i++) {
		dst->v[i].path = pvf_fake_xstrdup(src->v[i].path);
		dst->v[i].value = pvf_fake_xstrdup(src->v[i].value);
	}
	dst->n = src->n;
}

/* ---- watches ------------------------------------------------------------ */

static void queue_event(struct pvf_fake *f, const char *path, const char *token)
{
	if (f->nevents == f->evcap) {
		f->evcap = f->evcap ? 2 * f->evcap : 16;
		f->events = pvf_fake_xrealloc(f->events, f->evcap * sizeof(*f->events));
	}
	f->events[f->nevents].path = pvf_fake_xstrdup(path);
	f->events[f->nevents].token = pvf_fake_xstrdup(token);
	f->nevents++;
}

/* A change at @path: fire watches on it or its parents; on removal also
 * watches below it (reported with the watch's own path, as xenstored). */
static void fire(struct pvf_fake *f, const char *path, int removal)
{
	size_t i;

	for (i = 0; i < f->nwatches; i++) {
		if (is_under(path, f->watches[i].path))
			queue_event(f, path, f->watches[i].token);
		else if (removal && is_under(f->watches[i].path, path))
			queue_event(f, f->watches[i].path, f->watches[i].token);
	}
}

/* ---- transactions ------------------------------------------------------- */

static struct fake_txn *txn_get(struct pvf_fake *f, uint32_t id)
{
	size_t i;

	if (!id)
		return NULL;
	for (i = 0; i < FAKE_MAX_TXNS; i++)
		if (f->txns[i].open && f->txns[i].id == id)
			return &f->txns[i];
	return NULL;
}

static void txn_note(struct fake_txn *t, const char *path, int rm)
{
	t->changed = pvf_fake_xrealloc(t->changed, (t->nchanged + 1) * sizeof(*t->changed));
	t->changed_rm = pvf_fake_xrealloc(t->changed_rm, (t->nchanged + 1) * sizeof(*t->changed_rm));
	t->changed[t->nchanged] = pvf_fake_xstrdup(path);
	t->changed_rm[t->nchanged] = rm;
	t->nchanged++;
}

static void txn_close(struct pvf_fake *f, struct fake_txn *t)
{
	size_t i;

	for (i = 0; i < t->nchanged; i++)
		free(t->changed[i]);
	free(t->changed);
	free(t->changed_rm);
	store_clear(&t->snap);
	memset(t, 0, sizeof(*t));
	f->c.txns--;
}

/* Resolve @txn to the store it acts on; NULL for an unknown transaction. */
static struct fake_store *view(struct pvf_fake *f, uint32_t txn, struct fake_txn **tp)
{
	struct fake_txn *t = txn_get(f, txn);

	if (tp)
		*tp = t;
	if (!txn)
		return &f->store;
	return t ? &t->snap : NULL;
}

/* ---- ops: xenstore ------------------------------------------------------ */

static int op_xs_read(void *ctx, uint32_t txn, const char *path, char *buf, size_t size)
{
	struct pvf_fake *f = ctx;
	struct fake_store *s = view(f, txn, NULL);
	struct fake_node *n;
	size_t len;

	if (!s)
		return -PVF_ENOENT;
	if (!path_valid(path) || !buf || !size)
		return -PVF_EINVAL;
	n = store_find(s, path);
	if (!n)
		return -PVF_ENOENT;
	len = strlen(n->value);
	if (len + 1 > size)
		return -PVF_E2BIG;
	memcpy(buf, n->value, len + 1);
	return (int)len;
}

static int op_xs_write(void *ctx, uint32_t txn, const char *path, const char *value)
{
	struct pvf_fake *f = ctx;
	struct fake_txn *t;
	struct fake_store *s = view(f, txn, &t);

	if (f->fail_write_nth && --f->fail_write_nth == 0)
		return f->fail_write_err;
	if (!s)
		return -PVF_ENOENT;
	if (!path_valid(path) || !value || strlen(value) >= PVF_XS_VALUE_MAX)
		return -PVF_EINVAL;
	store_put(s, path, value);
	f->c.xs_writes++;
	if (t) {
		txn_note(t, path, 0);
	} else {
		f->gen++;
		fire(f, path, 0);
	}
	return 0;
}

static int op_xs_mkdir(void *ctx, uint32_t txn, const char *path)
{
	struct pvf_fake *f = ctx;
	struct fake_txn *t;
	struct fake_store *s = view(f, txn, &t);

	if (!s)
		return -PVF_ENOENT;
	if (!path_valid(path))
		return -PVF_EINVAL;
	store_put(s, path, NULL);
	if (t) {
		txn_note(t, path, 0);
	} else {
		f->gen++;
		fire(f, path, 0);
	}
	return 0;
}

static int op_xs_rm(void *ctx, uint32_t txn, const char *path)
{
	struct pvf_fake *f = ctx;
	struct fake_txn *t;
	struct fake_store *s = view(f, txn, &t);
	int r;

	if (!s)
		return -PVF_ENOENT;
	if (!path_valid(path))
		return -PVF_EINVAL;
	r = store_rm(s, path);
	if (r)
		return r;
	if (t) {
		txn_note(t, path, 1);
	} else {
		f->gen++;
		fire(f, path, 1);
	}
	return 0;
}

static int op_xs_directory(void *ctx, uint32_t txn, const char *path, char *buf, size_t size)
{
	struct pvf_fake *f = ctx;
	struct fake_store *s = view(f, txn, NULL);
	size_t i, lp, used = 0;
	int count = 0;

	if (!s)
		return -PVF_ENOENT;
	if (!path_valid(path) || !buf)
		return -PVF_EINVAL;
	if (!store_find(s, path))
		return -PVF_ENOENT;
	lp = strlen(path);
	for (i = 0; i < s->n; i++) {
		const char *p = s->v[i].path;
		size_t ln;

		if (strncmp(p, path, lp) != 0 || p[lp] != '/' || strchr(p + lp + 1, '/'))
			continue;
		ln = strlen(p + lp + 1) + 1;
		if (used + ln > size)
			return -PVF_E2BIG;
		memcpy(buf + used, p + lp + 1, ln);
		used += ln;
		count++;
	}
	return count;
}

static int op_xs_watch(void *ctx, const char *path, const char *token)
{
	struct pvf_fake *f = ctx;
	size_t i;

	if (!path_valid(path) || !token)
		return -PVF_EINVAL;
	for (i = 0; i < f->nwatches; i++)
		if (!strcmp(f->watches[i].path, path) && !strcmp(f->watches[i].token, token))
			return -PVF_EEXIST;
	f->watches = pvf_fake_xrealloc(f->watches, (f->nwatches + 1) * sizeof(*f->watches));
	f->watches[f->nwatches].path = pvf_fake_xstrdup(path);
	f->watches[f->nwatches].token = pvf_fake_xstrdup(token);
	f->nwatches++;
	f->c.watches++;
	queue_event(f, path, token); /* Xen fires once at registration */
	return 0;
}

static int op_xs_unwatch(void *ctx, const char *path, const char *token)
{
	struct pvf_fake *f = ctx;
	size_t i;

	for (i = 0; i < f->nwatches; i++) {
		if (!strcmp(f->watches[i].path, path) && !strcmp(f->watches[i].token, token)) {
			free(f->watches[i].path);
			free(f->watches[i].token);
			f->watches[i] = f->watches[--f->nwatches];
			f->c.watches--;
			return 0;
		}
	}
	return -PVF_ENOENT;
}

static int op_xs_txn_start(void *ctx, uint32_t *txn)
{
	struct pvf_fake *f = ctx;
	size_t i;

	for (i = 0; i < FAKE_MAX_TXNS; i++) {
		struct fake_txn *t = &f->txns[i];

		if (t->open)
			continue;
		t->open = 1;
		t->id = ++f->next_txn ? f->next_txn : ++f->next_txn;
		t->gen = f->gen;
		store_copy(&t->snap, &f->store);
		f->c.txns++;
		*txn = t->id;
		return 0;
	}
	return -PVF_ENOSPC;
}

static int op_xs_txn_end(void *ctx, uint32_t txn, int abort_it)
{
	struct pvf_fake *f = ctx;
	struct fake_txn *t = txn_get(f, txn);
	size_t i;

	if (!t)
		return -PVF_ENOENT;
	if (abort_it) {
		f->c.txn_aborts++;
		txn_close(f, t);
		return 0;
	}
	if (f->txn_eagain || t->gen != f->gen) {
		if (f->txn_eagain)
			f->txn_eagain--;
		f->c.txn_aborts++;
		txn_close(f, t);
		return -PVF_EAGAIN;
	}
	store_clear(&f->store);
	f->store = t->snap;
	memset(&t->snap, 0, sizeof(t->snap));
	f->gen++;
	for (i = 0; i < t->nchanged; i++)
		fire(f, t->changed[i], t->changed_rm[i]);
	f->c.txn_commits++;
	txn_close(f, t);
	return 0;
}

/* ---- public: xenstore -------------------------------------------------- */

int pvf_fake_xs_set(struct pvf_fake *f, const char *path, const char *value)
{
	if (!path_valid(path) || !value)
		return -PVF_EINVAL;
	store_put(&f->store, path, value);
	f->gen++;
	fire(f, path, 0);
	return 0;
}

int pvf_fake_xs_setf(struct pvf_fake *f, const char *path, const char *fmt, ...)
{
	char buf[PVF_XS_VALUE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return pvf_fake_xs_set(f, path, buf);
}

const char *pvf_fake_xs_get(struct pvf_fake *f, const char *path)
{
	struct fake_node *n = store_find(&f->store, path);

	return n ? n->value : NULL;
}

int pvf_fake_xs_rm(struct pvf_fake *f, const char *path)
{
	int r = store_rm(&f->store, path);

	if (r == 0) {
		f->gen++;
		fire(f, path, 1);
	}
	return r;
}

unsigned int pvf_fake_xs_count(struct pvf_fake *f)
{
	return (unsigned int)f->store.n;
}

int pvf_fake_next_event(struct pvf_fake *f, char *path, size_t psize, char *token,
			size_t tsize)
{
	if (!f->nevents)
		return 0;
	snprintf(path, psize, "%s", f->events[0].path);
	snprintf(token, tsize, "%s", f->events[0].token);
	free(f->events[0].path);
	free(f->events[0].token);
	memmove(f->events, f->events + 1, (f->nevents - 1) * sizeof(*f->events));
	f->nevents--;
	return 1;
}

unsigned int pvf_fake_pump(struct pvf_fake *f,
			   void (*deliver)(void *arg, const char *path, const char *token),
			   void *arg)
{
	char path[PVF_XS_PATH_MAX], token[PVF_XS_PATH_MAX];
	unsigned int n = 0;

	while (pvf_fake_next_event(f, path, sizeof(path), token, sizeof(token))) {
		deliver(arg, path, token);
		if (++n > 100000)
			abort(); /* an event storm: the core keeps writing */
	}
	return n;
}

void pvf_fake_drop_events(struct pvf_fake *f)
{
	size_t i;

	for (i = 0; i < f->nevents; i++) {
		free(f->events[i].path);
		free(f->events[i].token);
	}
	f->nevents = 0;
}

unsigned int pvf_fake_pending_events(struct pvf_fake *f)
{
	return (unsigned int)f->nevents;
}

void pvf_fake_fail_xs_write(struct pvf_fake *f, unsigned int nth, int err)
{
	f->fail_write_nth = nth;
	f->fail_write_err = err ? err : -PVF_EIO;
}

void pvf_fake_txn_eagain(struct pvf_fake *f, unsigned int k)
{
	f->txn_eagain = k;
}


void pvf_fake_xs_install(struct pvf_fake *f)
{
	f->ops.xs_read = op_xs_read;
	f->ops.xs_write = op_xs_write;
	f->ops.xs_mkdir = op_xs_mkdir;
	f->ops.xs_rm = op_xs_rm;
	f->ops.xs_directory = op_xs_directory;
	f->ops.xs_watch = op_xs_watch;
	f->ops.xs_unwatch = op_xs_unwatch;
	f->ops.xs_txn_start = op_xs_txn_start;
	f->ops.xs_txn_end = op_xs_txn_end;
}

void pvf_fake_xs_fini(struct pvf_fake *f)
{
	size_t i;

	store_clear(&f->store);
	for (i = 0; i < FAKE_MAX_TXNS; i++)
		if (f->txns[i].open)
			txn_close(f, &f->txns[i]);
	for (i = 0; i < f->nwatches; i++) {
		free(f->watches[i].path);
		free(f->watches[i].token);
	}
	free(f->watches);
	pvf_fake_drop_events(f);
	free(f->events);
}
