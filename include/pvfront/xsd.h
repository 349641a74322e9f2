/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The embedded xenstore server (userspace only).
 *
 * A small xenstored that speaks the wire protocol of <xen/io/xs_wire.h> over
 * a unix stream socket, so that the real libxenstore (xs_open(0) with
 * XENSTORED_PATH=<socket path>) talks to it unchanged.  It follows the
 * observable behaviour of C xenstored 4.17 for a dom0 (socket) client:
 * replies, error strings, watch events and their order, transaction
 * conflicts by per-node generation counts.  Every socket connection is a
 * privileged dom0 connection; relative paths are relative to
 * /local/domain/0.
 *
 * Ownership: the server owns its socket file (and the temporary directory
 * it created for a default path) and removes them in pvf_xsd_destroy().
 * Strings in the config are copied by pvf_xsd_create().
 *
 * Threading: pvf_xsd_start() serves from a background thread; the counters
 * (pvf_xsd_get_stats) may be read from any thread at any time.  All other
 * calls on one server must come from one thread (the owner's).
 */
#ifndef PVFRONT_XSD_H
#define PVFRONT_XSD_H

#include <stdint.h>
#include <pvfront/errno.h>

struct pvf_xsd;

struct pvf_xsd_config {
	/* Path of the unix socket to listen on.  NULL: a fresh directory
	 * /tmp/pvfront-xsd.XXXXXX (or under $XDG_RUNTIME_DIR when set) holding
	 * "socket"; both are removed by pvf_xsd_destroy().  At most 107 bytes
	 * (sun_path). */
	const char *socket_path;
	/* Most client connections at once; one more is accepted and closed
	 * at once with a warning.  0: 1024. */
	unsigned int max_connections;
	/* Most watches per connection; XS_WATCH beyond it fails with E2BIG
	 * (xenstored's quota error for watches).  0: 1024. */
	unsigned int max_watches_per_conn;
	/* Most open transactions per connection; XS_TRANSACTION_START beyond
	 * it fails with ENOSPC (xenstored's quota error).  0: 1024. */
	unsigned int max_txns_per_conn;
	/* Bytes of replies and watch events queued for one connection.  A
	 * connection over the limit is not read from (back-pressure); a watch
	 * event that does not fit is dropped with a warning and the connection
	 * closed (its client would otherwise wait forever).  0: 4 MiB. */
	unsigned int max_out_bytes;
	/* 0: warnings only; 1: connections and errors; 2: every message.
	 * Log lines go to stderr. */
	int verbose;
};

/* Counters, a consistent-enough snapshot for tests. */
struct pvf_xsd_stats {
	unsigned int connections;  /* open client connections */
	unsigned int watches;      /* watches over all connections */
	unsigned int transactions; /* open transactions over all connections */
	unsigned int nodes;        /* nodes in the store, including "/" */
	uint64_t messages;         /* requests handled */
	uint64_t events;           /* watch events queued */
	uint64_t events_dropped;   /* watch events dropped (queue full) */
	uint64_t disconnects_bad;  /* connections closed for protocol abuse */
};

/*
 * pvf_xsd_create - create a server listening on its socket (not yet
 * serving: connections wait in the backlog until start/run).
 *
 * @cfg: the configuration; NULL means all defaults.  @out: receives the
 * server, owned by the caller until pvf_xsd_destroy().
 * Returns 0; -PVF_EINVAL (path too long or empty, NULL @out);
 * -PVF_ENOMEM; -PVF_ENOENT (the socket's directory does not exist);
 * -PVF_EACCES (the directory is not writable); -PVF_EBUSY (a live server
 * already answers on the path); -PVF_EEXIST (the path exists and is not a
 * socket); -PVF_EIO (any other socket error).  A stale socket file (no
 * server answers) is replaced.
 */
int pvf_xsd_create(const struct pvf_xsd_config *cfg, struct pvf_xsd **out);

/*
 * pvf_xsd_start - serve from a background thread until pvf_xsd_stop().
 * Returns 0; -PVF_EALREADY (already serving); -PVF_ENOMEM (no thread).
 */
int pvf_xsd_start(struct pvf_xsd *xsd);

/*
 * pvf_xsd_run - serve in the calling thread until *@stop becomes non-zero
 * (checked at least every 200 ms and after every signal) or a fatal poll
 * error.  @stop may be NULL (serve until pvf_xsd_stop() from another
 * thread).  Returns 0 when stopped; -PVF_EALREADY (a thread already
 * serves); -PVF_EIO (poll failed).
 */
int pvf_xsd_run(struct pvf_xsd *xsd, volatile int *stop);

/*
 * pvf_xsd_stop - stop serving (joins the background thread) and close every
 * client connection (their watches and transactions go with them).  The
 * store keeps its content; start/run may serve again.
 * Returns 0; -PVF_EINVAL (NULL).
 */
int pvf_xsd_stop(struct pvf_xsd *xsd);

/*
 * pvf_xsd_destroy - stop if needed, free everything, remove the socket file
 * (and the directory created for a default path).  NULL is a no-op.
 */
void pvf_xsd_destroy(struct pvf_xsd *xsd);

/* pvf_xsd_socket_path - the socket path (owned by the server, valid until
 * destroy). */
const char *pvf_xsd_socket_path(const struct pvf_xsd *xsd);

/* pvf_xsd_get_stats - fill @st with the current counters.  Safe from any
 * thread while the server runs. */
void pvf_xsd_get_stats(const struct pvf_xsd *xsd, struct pvf_xsd_stats *st);

#endif /* PVFRONT_XSD_H */
