/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Transactions of the embedded xenstore server, as C xenstored 4.17 does
 * them: a transaction records every node it touches (xsd_tree.c) with the
 * generation it saw at its first read and a private copy; the commit fails
 * with EAGAIN if any node first read by the transaction (directory listings
 * included: a listing is a read of the parent, whose generation changes
 * when a child is added or removed) changed in the main store since.
 * Watches fire only at commit, in the order the nodes were first accessed.
 */
#include <stdlib.h>
#include <string.h>
#include "xsd_internal.h"

struct xsd_txn *xsd_txn_lookup(struct xsd_conn *c, uint32_t id)
{
	struct xsd_txn *t;

	for (t = c->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

int xsd_txn_start(struct pvf_xsd *s, struct xsd_conn *c, uint32_t *id)
{
	struct xsd_txn *t, **pp;

	if (c->ntxns >= s->max_txns)
		return ENOSPC;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ENOMEM;
	if (xsd_db_init(&t->acc)) {
		free(t);
		return ENOMEM;
	}
	t->atail = &t->ahead;
	/* xenstored consumes one generation per transaction start */
	s->generation++;
	/* Pick the next unused id of this connection (0 is "no transaction"). */
	do {
		t->id = c->next_txn_id++;
	} while (t->id == 0 || xsd_txn_lookup(c, t->id));
	for (pp = &c->txns; *pp; pp = &(*pp)->next)
		;
	*pp = t;
	c->ntxns++;
	atomic_fetch_add(&s->n_txns, 1);
	*id = t->id;
	return 0;
}

static void xsd_txn_unlink(struct pvf_xsd *s, struct xsd_conn *c, struct xsd_txn *t)
{
	struct xsd_txn **pp;

	for (pp = &c->txns; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			c->ntxns--;
			atomic_fetch_sub(&s->n_txns, 1);
			return;
		}
	}
}

static void xsd_txn_free(struct xsd_txn *t)
{
	xsd_db_fini(&t->acc); /* frees the access records too */
	free(t);
}

static int xsd_txn_commit(struct pvf_xsd *s, struct xsd_txn *t)
{
	struct xsd_node *a;

	for (a = t->ahead; a; a = a->anext) {
		struct xsd_node *m;
		uint64_t gen;

		if (!a->check_gen)
			continue;
		m = xsd_db_get(&s->db, a->name);
		gen = m ? m->generation : XSD_NO_GENERATION;
		if (gen != a->acc_gen)
			return EAGAIN;
	}
	for (a = t->ahead; a; a = a->anext) {
		if (a->modified) {
			if (a->ta_node) {
				struct xsd_node *n = xsd_node_new(a->name);

				if (!n || xsd_node_copy_content(n, a)) {
					/* Partial commit: xenstored calls this
					 * corruption; we report EIO. */
					xsd_node_free(n);
					xsd_log(s, 0, "out of memory committing a transaction");
					return EIO;
				}
				n->generation = s->generation++;
				xsd_db_put(&s->db, n);
			} else {
				xsd_node_free(xsd_db_take(&s->db, a->name));
			}
		}
		if (a->fire_watch)
			xsd_fire_watches(s, NULL, a->name, a->watch_exact);
	}
	xsd_update_node_count(s);
	return 0;
}

int xsd_txn_end(struct pvf_xsd *s, struct xsd_conn *c, struct xsd_txn *t, bool commit)
{
	int err = 0;

	xsd_txn_unlink(s, c, t);
	if (commit)
		err = xsd_txn_commit(s, t);
	xsd_txn_free(t);
	return err;
}

void xsd_txn_abort_all(struct pvf_xsd *s, struct xsd_conn *c)
{
	while (c->txns)
		xsd_txn_end(s, c, c->txns, false);
}
