/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test double of struct pvf_platform.  See fake_platform.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvfront/errno.h>
#include "fake_platform.h"

#define FAKE_MAX_TXNS  16
#define FAKE_LOG_LINES 256
#define FAKE_FIRST_REF 8u
#define PVF_ARRAY_SIZE_FAKE(a) (sizeof(a) / sizeof((a)[0]))

struct fake_node {
	char *path;
	char *value;
};

struct fake_store {
	struct fake_node *v;
	size_t n, cap;
};

struct fake_event {
	char *path;
	char *token;
};

struct fake_watch {
	char *path;
	char *token;
};

struct fake_txn {
	int open;
	uint32_t id;
	unsigned long gen;      /* store generation at start */
	struct fake_store snap; /* the transaction's view */
	char **changed;         /* paths to fire watches for on commit */
	int *changed_rm;
	size_t nchanged;
};

struct fake_grant {
	int used, mapped, readonly;
	pvf_domid_t domid;
	uint64_t frame;
};

struct fake_port {
	int used, masked;
	pvf_domid_t remote;
	unsigned long notifies;
};

struct fake_pages {
	void *va;
	unsigned int n;
	uint64_t frame0;
};

struct pvf_fake {
	struct pvf_platform platform;
	struct pvf_platform_ops ops;
	struct fake_store store;
	unsigned long gen;
	struct fake_watch *watches;
	size_t nwatches;
	struct fake_event *events;
	size_t nevents, evcap;
	struct fake_txn txns[FAKE_MAX_TXNS];
	uint32_t next_txn;
	struct fake_grant grants[PVF_FAKE_NR_GRANTS];
	struct fake_port ports[PVF_FAKE_NR_PORTS];
	struct fake_pages *pages;
	size_t npages_rec;
	uint64_t next_frame;
	uint64_t clock;
	unsigned int fail_write_nth;
	int fail_write_err;
	unsigned int txn_eagain;
	unsigned int fail_page_alloc;
	unsigned int fail_gnt;
	char *log[FAKE_LOG_LINES];
	unsigned int log_next;
	unsigned int log_count[4];
	int echo;
	struct pvf_fake_counters c;
};

/* ---- helpers ------------------------------------------------------------ */

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		abort();
	return p;
}

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
			n->value = xstrdup(value);
		}
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 32;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n].path = xstrdup(path);
	s->v[s->n].value = xstrdup(value ? value : "");
	s->n++;
}

/* Set @path (value NULL: mkdir, keep an existing value), creating parents. */
static void store_put(struct fake_store *s, const char *path, const char *value)
{
	char *tmp = xstrdup(path);
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
	dst->v = xrealloc(NULL, dst->cap * sizeof(*dst->v));
	for (i = 0; i < src->n; i++) {
		dst->v[i].path = xstrdup(src->v[i].path);
		dst->v[i].value = xstrdup(src->v[i].value);
	}
	dst->n = src->n;
}

/* ---- watches ------------------------------------------------------------ */

static void queue_event(struct pvf_fake *f, const char *path, const char *token)
{
	if (f->nevents == f->evcap) {
		f->evcap = f->evcap ? 2 * f->evcap : 16;
		f->events = xrealloc(f->events, f->evcap * sizeof(*f->events));
	}
	f->events[f->nevents].path = xstrdup(path);
	f->events[f->nevents].token = xstrdup(token);
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
	t->changed = xrealloc(t->changed, (t->nchanged + 1) * sizeof(*t->changed));
	t->changed_rm = xrealloc(t->changed_rm, (t->nchanged + 1) * sizeof(*t->changed_rm));
	t->changed[t->nchanged] = xstrdup(path);
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
	f->watches = xrealloc(f->watches, (f->nwatches + 1) * sizeof(*f->watches));
	f->watches[f->nwatches].path = xstrdup(path);
	f->watches[f->nwatches].token = xstrdup(token);
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

/* ---- ops: grants, event channels, pages -------------------------------- */

static int op_gnt_grant(void *ctx, pvf_domid_t domid, uint64_t frame, int readonly,
			uint32_t *ref)
{
	struct pvf_fake *f = ctx;
	uint32_t i;

	if (!ref)
		return -PVF_EINVAL;
	if (f->fail_gnt) {
		f->fail_gnt--;
		return -PVF_ENOSPC;
	}
	for (i = FAKE_FIRST_REF; i < PVF_FAKE_NR_GRANTS; i++) {
		struct fake_grant *g = &f->grants[i];

		if (g->used)
			continue;
		memset(g, 0, sizeof(*g));
		g->used = 1;
		g->domid = domid;
		g->frame = frame;
		g->readonly = !!readonly;
		*ref = i;
		f->c.grants++;
		f->c.gnt_grants++;
		return 0;
	}
	return -PVF_ENOSPC;
}

static int op_gnt_end(void *ctx, uint32_t ref)
{
	struct pvf_fake *f = ctx;

	if (ref >= PVF_FAKE_NR_GRANTS || !f->grants[ref].used)
		return -PVF_EBADF;
	if (f->grants[ref].mapped)
		return -PVF_EBUSY;
	f->grants[ref].used = 0;
	f->c.grants--;
	return 0;
}

static int op_evtchn_alloc(void *ctx, pvf_domid_t remote, uint32_t *port)
{
	struct pvf_fake *f = ctx;
	uint32_t i;

	for (i = 1; i < PVF_FAKE_NR_PORTS; i++) {
		struct fake_port *pt = &f->ports[i];

		if (pt->used)
			continue;
		memset(pt, 0, sizeof(*pt));
		pt->used = 1;
		pt->masked = 1;
		pt->remote = remote;
		*port = i;
		f->c.ports++;
		return 0;
	}
	return -PVF_ENOSPC;
}

static struct fake_port *port_get(struct pvf_fake *f, uint32_t port)
{
	if (port == 0 || port >= PVF_FAKE_NR_PORTS || !f->ports[port].used)
		return NULL;
	return &f->ports[port];
}

static int op_evtchn_notify(void *ctx, uint32_t port)
{
	struct fake_port *pt = port_get(ctx, port);

	if (!pt)
		return -PVF_EBADF;
	pt->notifies++;
	return 0;
}

static int op_evtchn_unmask(void *ctx, uint32_t port)
{
	struct fake_port *pt = port_get(ctx, port);

	if (!pt)
		return -PVF_EBADF;
	pt->masked = 0;
	return 0;
}

static int op_evtchn_close(void *ctx, uint32_t port)
{
	struct pvf_fake *f = ctx;
	struct fake_port *pt = port_get(f, port);

	if (!pt)
		return -PVF_EBADF;
	pt->used = 0;
	f->c.ports--;
	return 0;
}

static int op_page_alloc(void *ctx, unsigned int npages, void **va, uint64_t *frames)
{
	struct pvf_fake *f = ctx;
	void *p;
	unsigned int i;

	if (!npages || !va || !frames)
		return -PVF_EINVAL;
	if (f->fail_page_alloc) {
		f->fail_page_alloc--;
		return -PVF_ENOMEM;
	}
	p = aligned_alloc(PVF_PAGE_SIZE, (size_t)npages * PVF_PAGE_SIZE);
	if (!p)
		return -PVF_ENOMEM;
	memset(p, 0, (size_t)npages * PVF_PAGE_SIZE);
	f->pages = xrealloc(f->pages, (f->npages_rec + 1) * sizeof(*f->pages));
	f->pages[f->npages_rec].va = p;
	f->pages[f->npages_rec].n = npages;
	f->pages[f->npages_rec].frame0 = f->next_frame;
	f->npages_rec++;
	for (i = 0; i < npages; i++)
		frames[i] = f->next_frame++;
	f->c.pages += npages;
	*va = p;
	return 0;
}

static int op_page_free(void *ctx, void *va, unsigned int npages)
{
	struct pvf_fake *f = ctx;
	size_t i;

	for (i = 0; i < f->npages_rec; i++) {
		if (f->pages[i].va != va)
			continue;
		if (f->pages[i].n != npages)
			return -PVF_EINVAL;
		free(va);
		f->c.pages -= npages;
		f->pages[i] = f->pages[--f->npages_rec];
		return 0;
	}
	return -PVF_EINVAL;
}

/* ---- ops: log and clock -------------------------------------------------- */

static int op_log(void *ctx, enum pvf_log_level level, const char *msg)
{
	struct pvf_fake *f = ctx;
	unsigned int slot = f->log_next++ % FAKE_LOG_LINES;

	free(f->log[slot]);
	f->log[slot] = xstrdup(msg);
	if ((unsigned)level < 4)
		f->log_count[level]++;
	if (f->echo)
		fprintf(stderr, "[pvf %d] %s\n", (int)level, msg);
	return 0;
}

static int op_clock(void *ctx, uint64_t *now)
{
	struct pvf_fake *f = ctx;

	*now = f->clock;
	return 0;
}

/* ---- public ------------------------------------------------------------- */

struct pvf_fake *pvf_fake_new(void)
{
	struct pvf_fake *f = calloc(1, sizeof(*f));
	const char *v = getenv("PVF_TEST_VERBOSE");

	if (!f)
		abort();
	f->ops = pvf_platform_nosys_ops;
	f->ops.xs_read = op_xs_read;
	f->ops.xs_write = op_xs_write;
	f->ops.xs_mkdir = op_xs_mkdir;
	f->ops.xs_rm = op_xs_rm;
	f->ops.xs_directory = op_xs_directory;
	f->ops.xs_watch = op_xs_watch;
	f->ops.xs_unwatch = op_xs_unwatch;
	f->ops.xs_txn_start = op_xs_txn_start;
	f->ops.xs_txn_end = op_xs_txn_end;
	f->ops.gnt_grant = op_gnt_grant;
	f->ops.gnt_end = op_gnt_end;
	f->ops.evtchn_alloc_unbound = op_evtchn_alloc;
	f->ops.evtchn_notify = op_evtchn_notify;
	f->ops.evtchn_unmask = op_evtchn_unmask;
	f->ops.evtchn_close = op_evtchn_close;
	f->ops.page_alloc = op_page_alloc;
	f->ops.page_free = op_page_free;
	f->ops.log = op_log;
	f->ops.clock_ns = op_clock;
	f->platform.ops = &f->ops;
	f->platform.ctx = f;
	f->next_frame = 0x10000;
	f->clock = 1000000000ull; /* not zero: catches "0 means unset" bugs */
	f->echo = v && *v == '1';
	return f;
}

void pvf_fake_free(struct pvf_fake *f)
{
	size_t i;

	if (!f)
		return;
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
	for (i = 0; i < f->npages_rec; i++)
		free(f->pages[i].va);
	free(f->pages);
	for (i = 0; i < FAKE_LOG_LINES; i++)
		free(f->log[i]);
	free(f);
}

const struct pvf_platform *pvf_fake_platform(struct pvf_fake *f)
{
	return &f->platform;
}

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

void pvf_fake_fail_page_alloc(struct pvf_fake *f, unsigned int k)
{
	f->fail_page_alloc = k;
}

void pvf_fake_fail_gnt_grant(struct pvf_fake *f, unsigned int k)
{
	f->fail_gnt = k;
}

int pvf_fake_gnt_set_mapped(struct pvf_fake *f, uint32_t ref, int mapped)
{
	if (ref >= PVF_FAKE_NR_GRANTS || !f->grants[ref].used)
		return -PVF_EBADF;
	f->grants[ref].mapped = !!mapped;
	return 0;
}

int pvf_fake_gnt_info(struct pvf_fake *f, uint32_t ref, uint64_t *frame,
		      pvf_domid_t *domid, int *readonly)
{
	if (ref >= PVF_FAKE_NR_GRANTS || !f->grants[ref].used)
		return 0;
	if (frame)
		*frame = f->grants[ref].frame;
	if (domid)
		*domid = f->grants[ref].domid;
	if (readonly)
		*readonly = f->grants[ref].readonly;
	return 1;
}

void *pvf_fake_frame_to_va(struct pvf_fake *f, uint64_t frame)
{
	size_t i;

	for (i = 0; i < f->npages_rec; i++) {
		struct fake_pages *r = &f->pages[i];

		if (frame >= r->frame0 && frame < r->frame0 + r->n)
			return (char *)r->va + (size_t)(frame - r->frame0) * PVF_PAGE_SIZE;
	}
	return NULL;
}

unsigned long pvf_fake_notify_count(struct pvf_fake *f, uint32_t port)
{
	struct fake_port *pt = port_get(f, port);

	return pt ? pt->notifies : 0;
}

int pvf_fake_port_open(struct pvf_fake *f, uint32_t port)
{
	return port_get(f, port) != NULL;
}

int pvf_fake_port_masked(struct pvf_fake *f, uint32_t port)
{
	struct fake_port *pt = port_get(f, port);

	return pt ? pt->masked : 0;
}

void pvf_fake_clock_set(struct pvf_fake *f, uint64_t ns)
{
	f->clock = ns;
}

void pvf_fake_clock_advance(struct pvf_fake *f, uint64_t ns)
{
	f->clock += ns;
}

unsigned int pvf_fake_log_count(struct pvf_fake *f, enum pvf_log_level level)
{
	return (unsigned)level < 4 ? f->log_count[level] : 0;
}

int pvf_fake_log_contains(struct pvf_fake *f, const char *needle)
{
	size_t i;

	for (i = 0; i < FAKE_LOG_LINES; i++)
		if (f->log[i] && strstr(f->log[i], needle))
			return 1;
	return 0;
}

void pvf_fake_log_echo(struct pvf_fake *f, int on)
{
	f->echo = on;
}

void pvf_fake_counters(struct pvf_fake *f, struct pvf_fake_counters *out)
{
	*out = f->c;
}

int pvf_fake_leaks(struct pvf_fake *f, char *buf, size_t size)
{
	int kinds = (f->c.grants != 0) + (f->c.pages != 0) + (f->c.ports != 0) +
		    (f->c.watches != 0) + (f->c.txns != 0);

	if (buf && size)
		snprintf(buf, size, "grants %u pages %u ports %u watches %u txns %u",
			 f->c.grants, f->c.pages, f->c.ports, f->c.watches, f->c.txns);
	return kinds;
}

/* ---- fake XenBus driver ------------------------------------------------- */

#include <pvfront/xs.h>

static int drv_setup(void *arg, uint32_t txn)
{
	struct pvf_fake_drv *d = arg;
	const struct pvf_platform *p = &d->f->platform;
	const char *node = pvf_xenbus_node(d->dev);
	int r;

	d->setups++;
	if (d->fail_setup) {
		d->fail_setup--;
		return d->setup_err ? d->setup_err : -PVF_ENOMEM;
	}
	if (!d->page) {
		r = p->ops->page_alloc(p->ctx, 1, &d->page, &d->frame);
		if (r < 0) {
			d->page = NULL;
			return r;
		}
	}
	if (!d->have_ref) {
		r = p->ops->gnt_grant(p->ctx, pvf_xenbus_backend_id(d->dev), d->frame, 0,
				      &d->ref);
		if (r < 0)
			return r;
		d->have_ref = 1;
	}
	if (!d->have_port) {
		r = p->ops->evtchn_alloc_unbound(p->ctx, pvf_xenbus_backend_id(d->dev),
						 &d->port);
		if (r < 0)
			return r;
		d->have_port = 1;
	}
	r = pvf_xs_write_u32(p, txn, node, "ring-ref", d->ref);
	if (r < 0)
		return r;
	return pvf_xs_write_u32(p, txn, node, "event-channel", d->port);
}

static int drv_connect(void *arg)
{
	struct pvf_fake_drv *d = arg;

	d->connects++;
	if (d->fail_connect) {
		d->fail_connect--;
		return -PVF_EIO;
	}
	return 0;
}

static void drv_disconnect(void *arg)
{
	struct pvf_fake_drv *d = arg;

	d->disconnects++;
}

static int drv_release(void *arg)
{
	struct pvf_fake_drv *d = arg;
	const struct pvf_platform *p = &d->f->platform;

	d->releases++;
	if (d->have_port) {
		p->ops->evtchn_close(p->ctx, d->port);
		d->have_port = 0;
	}
	if (d->have_ref) {
		if (p->ops->gnt_end(p->ctx, d->ref) == -PVF_EBUSY) {
			d->busy_releases++;
			return -PVF_EBUSY; /* keep grant and page */
		}
		d->have_ref = 0;
	}
	if (d->page) {
		p->ops->page_free(p->ctx, d->page, 1);
		d->page = NULL;
	}
	return 0;
}

static void drv_changed(void *arg, enum pvf_xenbus_event ev, int err)
{
	struct pvf_fake_drv *d = arg;

	if ((unsigned)ev < PVF_ARRAY_SIZE_FAKE(d->events))
		d->events[ev]++;
	d->last_err = err;
}

const struct pvf_xenbus_ops pvf_fake_drv_ops = {
	.setup = drv_setup,
	.connect = drv_connect,
	.disconnect = drv_disconnect,
	.release = drv_release,
	.changed = drv_changed,
};

void pvf_fake_drv_init(struct pvf_fake_drv *d, struct pvf_fake *f)
{
	memset(d, 0, sizeof(*d));
	d->f = f;
}

void pvf_fake_deliver_xenbus(void *arg, const char *path, const char *token)
{
	pvf_xenbus_on_watch(arg, path, token);
}
