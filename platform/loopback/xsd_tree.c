/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Node store of the embedded xenstore server: a hash table keyed by the
 * canonical path (as xenstored keys its tdb), path rules, permissions
 * strings, and node access through an optional transaction.
 *
 * Every node carries a generation: the value of the server's global counter
 * when it was last written.  A transaction records, for each node it touches
 * first by reading, the generation it saw (XSD_NO_GENERATION if the node did
 * not exist) and keeps a private copy of the node; the commit fails with
 * EAGAIN if any such generation changed meanwhile (xsd_txn.c).  The access
 * pattern (which nodes are read, and in which order) follows xenstored's,
 * because it decides both the conflicts and the order of watch events at
 * commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xsd_internal.h"

/* ---- hash table ---------------------------------------------------------- */

static size_t xsd_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return (size_t)(h ^ (h >> 29));
}

int xsd_db_init(struct xsd_db *db)
{
	db->size = 256;
	db->count = 0;
	db->tab = calloc(db->size, sizeof(*db->tab));
	return db->tab ? 0 : ENOMEM;
}

void xsd_db_fini(struct xsd_db *db)
{
	size_t i;

	if (!db->tab)
		return;
	for (i = 0; i < db->size; i++) {
		struct xsd_node *n = db->tab[i], *next;

		for (; n; n = next) {
			next = n->hnext;
			xsd_node_free(n);
		}
	}
	free(db->tab);
	db->tab = NULL;
	db->count = 0;
}

struct xsd_node *xsd_db_get(const struct xsd_db *db, const char *name)
{
	struct xsd_node *n = db->tab[xsd_hash(name) & (db->size - 1)];

	for (; n; n = n->hnext)
		if (!strcmp(n->name, name))
			return n;
	return NULL;
}

static void xsd_db_grow(struct xsd_db *db)
{
	size_t nsize = db->size * 2, i;
	struct xsd_node **ntab = calloc(nsize, sizeof(*ntab));

	if (!ntab)
		return; /* keep the longer chains */
	for (i = 0; i < db->size; i++) {
		struct xsd_node *n = db->tab[i], *next;

		for (; n; n = next) {
			size_t b = xsd_hash(n->name) & (nsize - 1);

			next = n->hnext;
			n->hnext = ntab[b];
			ntab[b] = n;
		}
	}
	free(db->tab);
	db->tab = ntab;
	db->size = nsize;
}

int xsd_db_put(struct xsd_db *db, struct xsd_node *n)
{
	struct xsd_node **pp;
	size_t b = xsd_hash(n->name) & (db->size - 1);

	for (pp = &db->tab[b]; *pp; pp = &(*pp)->hnext) {
		if (!strcmp((*pp)->name, n->name)) {
			struct xsd_node *old = *pp;

			n->hnext = old->hnext;
			*pp = n;
			xsd_node_free(old);
			return 0;
		}
	}
	n->hnext = db->tab[b];
	db->tab[b] = n;
	db->count++;
	if (db->count > db->size * 2)
		xsd_db_grow(db);
	return 0;
}

struct xsd_node *xsd_db_take(struct xsd_db *db, const char *name)
{
	struct xsd_node **pp;
	size_t b = xsd_hash(name) & (db->size - 1);

	for (pp = &db->tab[b]; *pp; pp = &(*pp)->hnext) {
		if (!strcmp((*pp)->name, name)) {
			struct xsd_node *n = *pp;

			*pp = n->hnext;
			n->hnext = NULL;
			db->count--;
			return n;
		}
	}
	return NULL;
}

/* ---- nodes --------------------------------------------------------------- */

struct xsd_node *xsd_node_new(const char *name)
{
	struct xsd_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->name = strdup(name);
	if (!n->name) {
		free(n);
		return NULL;
	}
	n->generation = XSD_NO_GENERATION;
	n->acc_gen = XSD_NO_GENERATION;
	return n;
}

void xsd_node_clear_content(struct xsd_node *n)
{
	free(n->data);
	free(n->children);
	free(n->perms);
	n->data = n->children = NULL;
	n->perms = NULL;
	n->datalen = n->childlen = n->nperms = 0;
}

void xsd_node_free(struct xsd_node *n)
{
	if (!n)
		return;
	xsd_node_clear_content(n);
	free(n->name);
	free(n);
}

static void *xsd_memdup(const void *p, size_t len)
{
	void *q;

	if (!len)
		return NULL;
	q = malloc(len);
	if (q)
		memcpy(q, p, len);
	return q;
}

int xsd_node_copy_content(struct xsd_node *to, const struct xsd_node *from)
{
	char *data = xsd_memdup(from->data, from->datalen);
	char *children = xsd_memdup(from->children, from->childlen);
	struct xsd_perm *perms = xsd_memdup(from->perms, from->nperms * sizeof(*perms));

	if ((from->datalen && !data) || (from->childlen && !children) ||
	    (from->nperms && !perms)) {
		free(data);
		free(children);
		free(perms);
		return ENOMEM;
	}
	xsd_node_clear_content(to);
	to->data = data;
	to->datalen = from->datalen;
	to->children = children;
	to->childlen = from->childlen;
	to->perms = perms;
	to->nperms = from->nperms;
	to->generation = from->generation;
	return 0;
}

/* A fresh node with the same name and content. */
static struct xsd_node *xsd_node_clone(const struct xsd_node *from)
{
	struct xsd_node *n = xsd_node_new(from->name);

	if (n && xsd_node_copy_content(n, from)) {
		xsd_node_free(n);
		return NULL;
	}
	return n;
}

int xsd_node_set_data(struct xsd_node *n, const char *data, unsigned int len)
{
	char *d = xsd_memdup(data, len);

	if (len && !d)
		return ENOMEM;
	free(n->data);
	n->data = d;
	n->datalen = len;
	return 0;
}

int xsd_node_add_child(struct xsd_node *n, const char *base)
{
	size_t blen = strlen(base) + 1;
	char *c = realloc(n->children, n->childlen + blen);

	if (!c)
		return ENOMEM;
	memcpy(c + n->childlen, base, blen);
	n->children = c;
	n->childlen += (unsigned int)blen;
	return 0;
}

void xsd_node_del_child(struct xsd_node *n, const char *base)
{
	unsigned int off = 0;

	while (off < n->childlen) {
		const char *c = n->children + off;
		size_t clen = strnlen(c, n->childlen - off) + 1;

		if (!strcmp(c, base)) {
			memmove(n->children + off, n->children + off + clen,
				n->childlen - off - clen);
			n->childlen -= (unsigned int)clen;
			return;
		}
		off += (unsigned int)clen;
	}
}

/* ---- paths --------------------------------------------------------------- */

bool xsd_valid_chars(const char *s)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				 "0123456789-/_@";

	return strspn(s, ok) == strlen(s);
}

/*
 * xenstored's rules: starts with '/', no trailing '/' (except "/"), no
 * "//", at most XENSTORE_ABS_PATH_MAX bytes, and the part below
 * /local/domain/<id>/ at most XENSTORE_REL_PATH_MAX bytes.
 */
bool xsd_valid_nodename(const char *node)
{
	size_t len = strlen(node), local_off = 0;

	if (node[0] != '/')
		return false;
	if (len > 1 && node[len - 1] == '/')
		return false;
	if (strstr(node, "//"))
		return false;
	if (len > XENSTORE_ABS_PATH_MAX)
		return false;
	if (!strncmp(node, "/local/domain/", 14)) {
		size_t i = 14;

		while (i < len && i < 14 + 5 && node[i] >= '0' && node[i] <= '9')
			i++;
		if (i > 14 && node[i] == '/')
			local_off = i + 1;
	}
	if (len > local_off + XENSTORE_REL_PATH_MAX)
		return false;
	return xsd_valid_chars(node);
}

char *xsd_canonicalize(const struct xsd_conn *c, const char *name)
{
	char *out;
	size_t len;

	if (name[0] == '/' || name[0] == '@')
		return strdup(name);
	/* Socket connections are dom0: the base is /local/domain/<id>. */
	len = strlen(name) + 32;
	out = malloc(len);
	if (out)
		snprintf(out, len, "/local/domain/%u/%s", c->id, name);
	return out;
}

char *xsd_parent(const char *name)
{
	const char *slash = strrchr(name + 1, '/');

	if (!slash)
		return strdup("/");
	return strndup(name, (size_t)(slash - name));
}

const char *xsd_basename(const char *name)
{
	return strrchr(name, '/') + 1;
}

/* ---- permissions --------------------------------------------------------- */

int xsd_perms_parse(const char *s, unsigned int num, struct xsd_perm **out)
{
	struct xsd_perm *p = calloc(num ? num : 1, sizeof(*p));
	unsigned int i;

	if (!p)
		return ENOMEM;
	for (i = 0; i < num; i++) {
		char *end;

		switch (*s) {
		case 'r': case 'w': case 'b': case 'n':
			p[i].type = *s;
			break;
		default:
			free(p);
			return EINVAL;
		}
		s++;
		p[i].id = (unsigned int)strtol(s, &end, 0);
		if (*end || !*s) {
			free(p);
			return EINVAL;
		}
		s = end + 1;
	}
	*out = p;
	return 0;
}

int xsd_perms_format(const struct xsd_perm *p, unsigned int n, char **out)
{
	char *buf = malloc((size_t)n * 13 + 1);
	int len = 0;
	unsigned int i;

	if (!buf)
		return -1;
	for (i = 0; i < n; i++)
		len += snprintf(buf + len, 13, "%c%u", p[i].type, p[i].id) + 1;
	*out = buf;
	return len;
}

/* ---- access through a transaction ---------------------------------------- */

void xsd_update_node_count(struct pvf_xsd *s)
{
	atomic_store(&s->n_nodes, (unsigned int)s->db.count);
}

static void xsd_txn_append(struct xsd_txn *t, struct xsd_node *a)
{
	a->anext = NULL;
	*t->atail = a;
	t->atail = &a->anext;
}

struct xsd_node *xsd_read_node(struct pvf_xsd *s, struct xsd_txn *t, const char *name, int *err)
{
	struct xsd_node *main_n = xsd_db_get(&s->db, name), *a;

	if (!t) {
		if (!main_n)
			*err = ENOENT;
		return main_n;
	}
	a = xsd_db_get(&t->acc, name);
	if (!a) {
		/* First access: remember what we saw, keep a private copy. */
		a = xsd_node_new(name);
		if (!a) {
			*err = ENOMEM;
			return NULL;
		}
		a->check_gen = true;
		if (main_n) {
			if (xsd_node_copy_content(a, main_n)) {
				xsd_node_free(a);
				*err = ENOMEM;
				return NULL;
			}
			a->acc_gen = main_n->generation;
			a->ta_node = true;
		}
		xsd_db_put(&t->acc, a);
		xsd_txn_append(t, a);
	}
	if (a->ta_node)
		return a;
	*err = ENOENT;
	return NULL;
}

struct xsd_node *xsd_get_node(struct pvf_xsd *s, struct xsd_txn *t, const char *name, int *err)
{
	struct xsd_node *n;
	char *p, *q;

	if (!name || !xsd_valid_nodename(name)) {
		*err = EINVAL;
		return NULL;
	}
	n = xsd_read_node(s, t, name, err);
	if (n || *err != ENOENT)
		return n;
	/* xenstored asks the parents whether the caller may know: reads them
	 * up to the first existing one (part of a transaction's read set). */
	p = strdup(name);
	while (p && strcmp(p, "/")) {
		int e;

		q = xsd_parent(p);
		free(p);
		p = q;
		if (!p || xsd_read_node(s, t, p, &e))
			break;
	}
	free(p);
	*err = ENOENT;
	return NULL;
}

int xsd_write_node(struct pvf_xsd *s, struct xsd_txn *t, struct xsd_node *n)
{
	struct xsd_node *a;

	n->generation = s->generation++;
	if (!t) {
		xsd_db_put(&s->db, n);
		xsd_update_node_count(s);
		return 0;
	}
	a = xsd_db_get(&t->acc, n->name);
	if (!a) {
		/* First access is a write: nothing to check at commit. */
		n->check_gen = false;
		n->ta_node = true;
		n->modified = true;
		xsd_db_put(&t->acc, n);
		xsd_txn_append(t, n);
		return 0;
	}
	xsd_node_clear_content(a);
	a->data = n->data;
	a->datalen = n->datalen;
	a->children = n->children;
	a->childlen = n->childlen;
	a->perms = n->perms;
	a->nperms = n->nperms;
	a->generation = n->generation;
	a->ta_node = true;
	a->modified = true;
	n->data = n->children = NULL;
	n->perms = NULL;
	n->datalen = n->childlen = n->nperms = 0;
	xsd_node_free(n);
	return 0;
}

/* Delete one node (not its children, not its parent's entry). */
static int xsd_delete_single(struct pvf_xsd *s, struct xsd_txn *t, const char *name)
{
	struct xsd_node *a;

	if (!t) {
		xsd_node_free(xsd_db_take(&s->db, name));
		xsd_update_node_count(s);
		return 0;
	}
	a = xsd_db_get(&t->acc, name);
	if (!a) {
		a = xsd_node_new(name);
		if (!a)
			return ENOMEM;
		xsd_db_put(&t->acc, a);
		xsd_txn_append(t, a);
	}
	xsd_node_clear_content(a);
	a->ta_node = false;
	a->modified = true;
	return 0;
}

static int xsd_chain_push(struct xsd_node ***chain, size_t *n, size_t *cap, const char *name)
{
	struct xsd_node *nn;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct xsd_node **nc = realloc(*chain, ncap * sizeof(*nc));

		if (!nc)
			return ENOMEM;
		*chain = nc;
		*cap = ncap;
	}
	nn = xsd_node_new(name);
	if (!nn)
		return ENOMEM;
	(*chain)[(*n)++] = nn;
	return 0;
}

/*
 * As xenstored's construct_node/create_node: read the parents up to the
 * first existing one, give each new node its parent's permissions, add each
 * to its parent's children, then write bottom up (the leaf, the new parents,
 * the existing ancestor whose children list changed).
 */
int xsd_create_node(struct pvf_xsd *s, struct xsd_conn *c, struct xsd_txn *t,
		    const char *name, const char *data, unsigned int len)
{
	struct xsd_node **chain = NULL, *top = NULL, *p, *parent;
	size_t n = 0, cap = 0, i;
	int err, e;

	(void)c; /* dom0 creates with its parent's permissions unchanged */
	err = xsd_chain_push(&chain, &n, &cap, name);
	while (!err) {
		char *pname;

		if (!strcmp(chain[n - 1]->name, "/")) {
			err = ENOENT; /* cannot happen: the root always exists */
			break;
		}
		pname = xsd_parent(chain[n - 1]->name);
		if (!pname) {
			err = ENOMEM;
			break;
		}
		p = xsd_read_node(s, t, pname, &e);
		if (p) {
			free(pname);
			top = xsd_node_clone(p);
			if (!top)
				err = ENOMEM;
			break;
		}
		err = e == ENOENT ? xsd_chain_push(&chain, &n, &cap, pname) : e;
		free(pname);
	}
	if (err)
		goto out;
	parent = top;
	for (i = n; i-- > 0;) {
		struct xsd_node *nn = chain[i];

		nn->perms = xsd_memdup(parent->perms, parent->nperms * sizeof(*nn->perms));
		if (!nn->perms) {
			err = ENOMEM;
			goto out;
		}
		nn->nperms = parent->nperms;
		err = xsd_node_add_child(parent, xsd_basename(nn->name));
		if (err)
			goto out;
		parent = nn;
	}
	err = xsd_node_set_data(chain[0], data, len);
	if (err)
		goto out;
	for (i = 0; i < n; i++) {
		xsd_write_node(s, t, chain[i]);
		chain[i] = NULL;
	}
	xsd_write_node(s, t, top);
	top = NULL;
out:
	for (i = 0; i < n; i++)
		xsd_node_free(chain[i]);
	free(chain);
	xsd_node_free(top);
	return err;
}

/* Post-order, children in list order, as xenstored's delete_node. */
static int xsd_rm_rec(struct pvf_xsd *s, struct xsd_txn *t, const char *name, bool exact)
{
	struct xsd_node *n;
	char *children, *child;
	unsigned int childlen, off;
	int err = 0, e;

	n = xsd_read_node(s, t, name, &e);
	if (!n)
		return e == ENOENT ? 0 : e;
	childlen = n->childlen;
	children = xsd_memdup(n->children, childlen);
	if (childlen && !children)
		return ENOMEM;
	for (off = 0; off < childlen && !err; off += (unsigned int)strlen(child) + 1) {
		char *cname;
		size_t clen;

		child = children + off;
		clen = strlen(name) + strlen(child) + 2;
		cname = malloc(clen);
		if (!cname) {
			err = ENOMEM;
			break;
		}
		snprintf(cname, clen, "%s/%s", strcmp(name, "/") ? name : "", child);
		err = xsd_rm_rec(s, t, cname, true);
		free(cname);
	}
	free(children);
	if (err)
		return err;
	/* Fire while the node can still be seen, then delete it. */
	xsd_fire_watches(s, t, name, exact);
	return xsd_delete_single(s, t, name);
}

int xsd_rm_node(struct pvf_xsd *s, struct xsd_conn *c, struct xsd_txn *t, const char *name)
{
	struct xsd_node *parent, *pc;
	char *pname = xsd_parent(name);
	int err, e;

	(void)c;
	if (!pname)
		return ENOMEM;
	parent = xsd_read_node(s, t, pname, &e);
	free(pname);
	if (!parent)
		return e == ENOMEM ? ENOMEM : EINVAL;
	err = xsd_rm_rec(s, t, name, false);
	if (err)
		return err;
	/* The parent's children list changes: it is written (new generation). */
	pname = xsd_parent(name);
	if (!pname)
		return ENOMEM;
	parent = xsd_read_node(s, t, pname, &e);
	free(pname);
	if (!parent)
		return e;
	pc = xsd_node_clone(parent);
	if (!pc)
		return ENOMEM;
	xsd_node_del_child(pc, xsd_basename(name));
	return xsd_write_node(s, t, pc);
}
