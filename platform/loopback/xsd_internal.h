/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internals of the embedded xenstore server (include/pvfront/xsd.h).
 *
 *   xsd_tree.c   node store (hash table keyed by path, like xenstored's tdb),
 *                path rules, permissions strings, node access through an
 *                optional transaction (per-node generation counts)
 *   xsd_txn.c    transactions: start, commit (conflict check), abort
 *   xsd_watch.c  watches and event firing
 *   xsd_wire.c   request handlers and dispatch (one per XS_* type)
 *   xsd_server.c socket, poll loop, connections, framing, output queues
 *
 * Everything here runs on the serving thread only, except the atomic
 * counters in struct pvf_xsd.
 */
#ifndef PVF_XSD_INTERNAL_H
#define PVF_XSD_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>
#include <pvfront/xsd.h>

_Static_assert(sizeof(struct xsd_sockmsg) == 16, "xsd_sockmsg is 16 bytes on the wire");

#define XSD_NO_GENERATION UINT64_MAX
/* Implicit base of relative paths for socket (dom0) connections. */
#define XSD_DOM0_PATH "/local/domain/0"

/* One permission entry: 'n', 'r', 'w' or 'b' and a domain id. */
struct xsd_perm {
	char type;
	unsigned int id;
};

/*
 * A node.  In the main store, the fields up to `generation` are used.  In a
 * transaction's access table the same struct records the access (the
 * xenstored "accessed_node"): acc_gen/check_gen for the commit check, and a
 * private copy of the node when ta_node is set.
 */
struct xsd_node {
	struct xsd_node *hnext;  /* hash chain */
	struct xsd_node *anext;  /* transaction: order of first access */
	char *name;              /* canonical path, owned */
	char *data;              /* value, owned, may be NULL when datalen 0 */
	unsigned int datalen;
	char *children;          /* "a\0b\0", in creation order */
	unsigned int childlen;
	struct xsd_perm *perms;  /* at least one entry: the owner */
	unsigned int nperms;
	uint64_t generation;
	/* transaction bookkeeping */
	uint64_t acc_gen;        /* main store generation at first read */
	bool ta_node;            /* the private copy above is valid */
	bool check_gen;          /* first access was a read: check at commit */
	bool modified;           /* written or deleted in the transaction */
	bool fire_watch;         /* fire watches for it at commit */
	bool watch_exact;        /* ... only on watches of exactly this path */
};

struct xsd_db {
	struct xsd_node **tab;
	size_t size;   /* power of two */
	size_t count;
};

struct xsd_txn {
	struct xsd_txn *next;
	uint32_t id;
	struct xsd_db acc;         /* accessed nodes by name */
	struct xsd_node *ahead;    /* accessed nodes in order of first access */
	struct xsd_node **atail;
};

struct xsd_watch {
	struct xsd_watch *next;
	char *node;                /* canonical path or "@special" */
	char *token;
	bool relative;             /* events are reported relative */
};

struct xsd_out {
	struct xsd_out *next;
	size_t len, off;
	unsigned char buf[];
};

struct xsd_conn {
	struct xsd_conn *next, *prev;
	struct pvf_xsd *srv;
	int fd;
	unsigned int id;           /* domain id: 0 for every socket client */
	/* input: header, then payload (one spare byte for a guard NUL) */
	struct xsd_sockmsg hdr;
	size_t hdr_used;
	bool in_payload;
	char in[XENSTORE_PAYLOAD_MAX + 1];
	size_t in_used;
	/* output */
	struct xsd_out *out_head, *out_tail;
	size_t out_bytes;
	/* the request being handled */
	uint32_t cur_req_id, cur_tx_id;
	struct xsd_txn *cur_txn;
	/* state */
	struct xsd_watch *watches;
	unsigned int nwatches;
	struct xsd_txn *txns;
	unsigned int ntxns;
	uint32_t next_txn_id;
	bool dead;                 /* close at the end of this loop iteration */
	bool bad;                  /* closed for protocol abuse */
};

struct pvf_xsd {
	/* configuration */
	unsigned int max_conns, max_watches, max_txns, max_out;
	int verbose;
	char *sock_path;
	char *tmpdir;              /* created by us for a default path */
	int lfd;                   /* listening socket */
	int wake[2];               /* self-pipe for stop */
	/* serving */
	pthread_t thread;
	bool thread_running;
	atomic_int serving;        /* 0 idle, 1 serving, 2 asked to stop */
	bool bound;                /* the socket file is ours to remove */
	/* state */
	struct xsd_conn *conns;
	struct xsd_db db;
	uint64_t generation;
	/* perms of the special nodes @introduceDomain, @releaseDomain */
	struct xsd_perm *spec_p[2];
	unsigned int spec_n[2];
	unsigned int *domains;     /* introduced domains other than 0 */
	unsigned int ndomains, domcap;
	/* counters (read from any thread) */
	atomic_uint n_conns, n_watches, n_txns, n_nodes;
	atomic_ullong n_msgs, n_events, n_dropped, n_bad;
};

/* ---- logging (xsd_server.c) ---------------------------------------------- */
void xsd_log(const struct pvf_xsd *s, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- xsd_tree.c ---------------------------------------------------------- */
int xsd_db_init(struct xsd_db *db);
void xsd_db_fini(struct xsd_db *db);
struct xsd_node *xsd_db_get(const struct xsd_db *db, const char *name);
/* Insert @n, replacing (and freeing) a node of the same name. */
int xsd_db_put(struct xsd_db *db, struct xsd_node *n);
/* Unlink and return the node called @name (NULL if absent). */
struct xsd_node *xsd_db_take(struct xsd_db *db, const char *name);

struct xsd_node *xsd_node_new(const char *name);
void xsd_node_free(struct xsd_node *n);
/* Copy the content (data, children, perms, generation) of @from into @to.
 * Returns 0 or ENOMEM. */
int xsd_node_copy_content(struct xsd_node *to, const struct xsd_node *from);
void xsd_node_clear_content(struct xsd_node *n);
int xsd_node_set_data(struct xsd_node *n, const char *data, unsigned int len);
int xsd_node_add_child(struct xsd_node *n, const char *base);
void xsd_node_del_child(struct xsd_node *n, const char *base);

/* Path rules (positive errno style: true/false). */
bool xsd_valid_chars(const char *s);
bool xsd_valid_nodename(const char *s);
/* Canonical form of a client path: relative paths get the connection's
 * base prefixed; "@..." and absolute paths are copied.  NULL on ENOMEM. */
char *xsd_canonicalize(const struct xsd_conn *c, const char *name);
/* Parent path of a canonical path (never called on "/").  NULL on ENOMEM. */
char *xsd_parent(const char *name);
const char *xsd_basename(const char *name);

/* Permissions: parse @num wire strings at @s (NUL-separated) into a fresh
 * array; returns 0, EINVAL or ENOMEM.  Format them back: returns the
 * length written into a malloc'ed buffer (*out), or -1 on ENOMEM. */
int xsd_perms_parse(const char *s, unsigned int num, struct xsd_perm **out);
int xsd_perms_format(const struct xsd_perm *p, unsigned int n, char **out);

/* Node access through the connection's current transaction (or the main
 * store), with xenstored's bookkeeping.  Returned nodes belong to the store
 * and stay valid until the next write or delete. */
struct xsd_node *xsd_read_node(struct pvf_xsd *s, struct xsd_txn *t, const char *name, int *err);
/* Read @name after path validation; on ENOENT, reads the parents as
 * xenstored does (they become part of a transaction's read set). */
struct xsd_node *xsd_get_node(struct pvf_xsd *s, struct xsd_txn *t, const char *name, int *err);
/* Store @n (ownership passes to the store, whatever the result). */
int xsd_write_node(struct pvf_xsd *s, struct xsd_txn *t, struct xsd_node *n);
/* Create @name with its value and any missing parents (inheriting their
 * parent's perms); fires no watches.  Returns 0, ENOENT or ENOMEM. */
int xsd_create_node(struct pvf_xsd *s, struct xsd_conn *c, struct xsd_txn *t,
		    const char *name, const char *data, unsigned int len);
/* Remove @name (existing, not "/") and its subtree, firing watches. */
int xsd_rm_node(struct pvf_xsd *s, struct xsd_conn *c, struct xsd_txn *t, const char *name);
void xsd_update_node_count(struct pvf_xsd *s);

/* ---- xsd_txn.c ----------------------------------------------------------- */
struct xsd_txn *xsd_txn_lookup(struct xsd_conn *c, uint32_t id);
/* Returns 0 with *id set, or ENOSPC/ENOMEM. */
int xsd_txn_start(struct pvf_xsd *s, struct xsd_conn *c, uint32_t *id);
/* Unlinks @t from @c and ends it: commit (0 or EAGAIN) or abort (0). */
int xsd_txn_end(struct pvf_xsd *s, struct xsd_conn *c, struct xsd_txn *t, bool commit);
void xsd_txn_abort_all(struct pvf_xsd *s, struct xsd_conn *c);

/* ---- xsd_watch.c --------------------------------------------------------- */
/* Returns 0, EEXIST, E2BIG (quota) or ENOMEM; *w receives the watch. */
int xsd_watch_add(struct pvf_xsd *s, struct xsd_conn *c, const char *node,
		  const char *token, bool relative, struct xsd_watch **w);
/* Returns 0 or ENOENT. */
int xsd_watch_del(struct pvf_xsd *s, struct xsd_conn *c, const char *node, const char *token);
void xsd_watch_del_all(struct pvf_xsd *s, struct xsd_conn *c);
/* Queue the event for @name on watch @w of @c. */
void xsd_watch_event(struct pvf_xsd *s, struct xsd_conn *c, const struct xsd_watch *w, const char *name);
/* A change at @name by @by (within its transaction @t: recorded for the
 * commit instead).  @exact: only watches on exactly @name fire. */
void xsd_fire_watches(struct pvf_xsd *s, struct xsd_txn *t, const char *name, bool exact);

/* ---- xsd_wire.c ---------------------------------------------------------- */
/* Handle the complete request in c->hdr / c->in. */
void xsd_dispatch(struct pvf_xsd *s, struct xsd_conn *c);

/* ---- xsd_server.c -------------------------------------------------------- */
/* Queue a message; for replies (@is_event false) a payload over
 * XENSTORE_PAYLOAD_MAX becomes an E2BIG error.  Returns false if an event
 * was dropped. */
bool xsd_queue(struct xsd_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	       const void *data, size_t len, bool is_event);
void xsd_reply(struct xsd_conn *c, uint32_t type, const void *data, size_t len);
void xsd_reply_error(struct xsd_conn *c, int err);

#endif /* PVF_XSD_INTERNAL_H */
