/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Watches of the embedded xenstore server.
 *
 * A change at a path fires every watch on that path or on one of its
 * ancestors ("/" watches everything, special "@..." events included).  The
 * removal of a subtree fires, for each removed node, the watches on exactly
 * that node, and for the subtree's root also the watches above it
 * (xsd_tree.c).  Inside a transaction the change is only marked on the
 * transaction's record of the node and fires at commit (xsd_txn.c).
 * Events for a relative watch are reported relative to the connection's
 * base path.  Events go into the watcher's output queue, bounded
 * (xsd_queue: an event that does not fit is dropped, with a warning, and the
 * connection closed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xsd_internal.h"

int xsd_watch_add(struct pvf_xsd *s, struct xsd_conn *c, const char *node,
		  const char *token, bool relative, struct xsd_watch **out)
{
	struct xsd_watch *w, **pp;

	for (w = c->watches; w; w = w->next)
		if (!strcmp(w->node, node) && !strcmp(w->token, token))
			return EEXIST;
	if (c->nwatches >= s->max_watches)
		return E2BIG;
	w = calloc(1, sizeof(*w));
	if (!w)
		return ENOMEM;
	w->node = strdup(node);
	w->token = strdup(token);
	if (!w->node || !w->token) {
		free(w->node);
		free(w->token);
		free(w);
		return ENOMEM;
	}
	w->relative = relative;
	for (pp = &c->watches; *pp; pp = &(*pp)->next)
		;
	*pp = w;
	c->nwatches++;
	atomic_fetch_add(&s->n_watches, 1);
	*out = w;
	return 0;
}

static void xsd_watch_free(struct pvf_xsd *s, struct xsd_conn *c, struct xsd_watch *w)
{
	free(w->node);
	free(w->token);
	free(w);
	c->nwatches--;
	atomic_fetch_sub(&s->n_watches, 1);
}

int xsd_watch_del(struct pvf_xsd *s, struct xsd_conn *c, const char *node, const char *token)
{
	struct xsd_watch **pp;

	for (pp = &c->watches; *pp; pp = &(*pp)->next) {
		struct xsd_watch *w = *pp;

		if (!strcmp(w->node, node) && !strcmp(w->token, token)) {
			*pp = w->next;
			xsd_watch_free(s, c, w);
			return 0;
		}
	}
	return ENOENT;
}

void xsd_watch_del_all(struct pvf_xsd *s, struct xsd_conn *c)
{
	while (c->watches) {
		struct xsd_watch *w = c->watches;

		c->watches = w->next;
		xsd_watch_free(s, c, w);
	}
}

void xsd_watch_event(struct pvf_xsd *s, struct xsd_conn *c, const struct xsd_watch *w, const char *name)
{
	char buf[XENSTORE_PAYLOAD_MAX + 1];
	size_t nlen, tlen;

	if (c->dead)
		return;
	if (w->relative) {
		char base[32];
		size_t blen = (size_t)snprintf(base, sizeof(base), "/local/domain/%u", c->id);

		if (!strncmp(name, base, blen)) {
			name += blen;
			if (*name == '/')
				name++;
		}
	}
	nlen = strlen(name) + 1;
	tlen = strlen(w->token) + 1;
	if (nlen + tlen > XENSTORE_PAYLOAD_MAX) {
		/* Cannot happen with valid paths and tokens from one request. */
		xsd_log(s, 0, "watch event for %s too long, dropped", name);
		atomic_fetch_add(&s->n_dropped, 1);
		return;
	}
	memcpy(buf, name, nlen);
	memcpy(buf + nlen, w->token, tlen);
	if (xsd_queue(c, XS_WATCH_EVENT, 0, 0, buf, nlen + tlen, true))
		atomic_fetch_add(&s->n_events, 1);
}

/* xenstored's is_child(): @child is @parent or below it; "/" is everyone's. */
static bool xsd_is_child(const char *child, const char *parent)
{
	size_t len = strlen(parent);

	if (!strcmp(parent, "/"))
		return true;
	if (strncmp(child, parent, len))
		return false;
	return child[len] == '/' || child[len] == '\0';
}

void xsd_fire_watches(struct pvf_xsd *s, struct xsd_txn *t, const char *name, bool exact)
{
	struct xsd_conn *c;

	if (t) {
		struct xsd_node *a = xsd_db_get(&t->acc, name);

		if (a) {
			a->fire_watch = true;
			a->watch_exact = exact;
		}
		return;
	}
	for (c = s->conns; c; c = c->next) {
		struct xsd_watch *w;

		for (w = c->watches; w; w = w->next) {
			if (exact ? !strcmp(name, w->node) : xsd_is_child(name, w->node))
				xsd_watch_event(s, c, w, name);
		}
	}
}
