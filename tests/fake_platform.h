/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A test double of struct pvf_platform (check library tests/libpvffake.la).
 *
 * In-memory xenstore (paths are plain strings: relative and absolute paths
 * are different nodes), watches that queue events for the test to deliver,
 * transactions (snapshot on start, replaced on commit; a commit conflicts
 * when anything else was written meanwhile, and EAGAIN can be injected),
 * fake grants with a "mapped" flag, fake event channels with notify
 * counters, calloc'ed pages, a settable clock, log capture, fault injection
 * and counters for teardown leak checks.  Not thread-safe.
 *
 *   struct pvf_fake *f = pvf_fake_new();
 *   const struct pvf_platform *p = pvf_fake_platform(f);
 *   ... run the core against p ...
 *   CU_ASSERT_EQUAL(pvf_fake_leaks(f, NULL, 0), 0);
 *   pvf_fake_free(f);
 */
#ifndef PVF_TESTS_FAKE_PLATFORM_H
#define PVF_TESTS_FAKE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <pvfront/platform.h>

struct pvf_fake;

#define PVF_FAKE_NR_GRANTS 512u /* refs 8..511 are handed out */
#define PVF_FAKE_NR_PORTS  256u /* ports 1..255 */

/* Create / destroy (free releases everything, leaked or not). */
struct pvf_fake *pvf_fake_new(void);
void pvf_fake_free(struct pvf_fake *f);

/* The platform to hand to the cores (valid until pvf_fake_free). */
const struct pvf_platform *pvf_fake_platform(struct pvf_fake *f);

/* ---- xenstore: direct access for the test (no faults, no txn) ------------ */

/* Set a node (creating parents) and fire watches.  Returns 0. */
int pvf_fake_xs_set(struct pvf_fake *f, const char *path, const char *value);
/* printf-style convenience. */
int pvf_fake_xs_setf(struct pvf_fake *f, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Value of a node, or NULL if missing (pointer valid until the next change). */
const char *pvf_fake_xs_get(struct pvf_fake *f, const char *path);
/* Remove a subtree and fire watches.  Returns 0 or -PVF_ENOENT. */
int pvf_fake_xs_rm(struct pvf_fake *f, const char *path);
/* Number of nodes in the store. */
unsigned int pvf_fake_xs_count(struct pvf_fake *f);

/* ---- watch events -------------------------------------------------------- */

/* Pop the oldest queued event.  Returns 1 and fills @path/@token, 0 if the
 * queue is empty. */
int pvf_fake_next_event(struct pvf_fake *f, char *path, size_t psize, char *token,
			size_t tsize);
/* Deliver every queued event (also those queued while delivering) to
 * @deliver.  Returns the number delivered. */
unsigned int pvf_fake_pump(struct pvf_fake *f,
			   void (*deliver)(void *arg, const char *path, const char *token),
			   void *arg);
/* Drop every queued event. */
void pvf_fake_drop_events(struct pvf_fake *f);
unsigned int pvf_fake_pending_events(struct pvf_fake *f);

/* ---- fault injection ----------------------------------------------------- */

/* The @nth xs_write from now (1 = the next) fails with @err; 0 disables. */
void pvf_fake_fail_xs_write(struct pvf_fake *f, unsigned int nth, int err);
/* The next @k transaction commits return -PVF_EAGAIN. */
void pvf_fake_txn_eagain(struct pvf_fake *f, unsigned int k);
/* The next @k page_alloc calls return -PVF_ENOMEM. */
void pvf_fake_fail_page_alloc(struct pvf_fake *f, unsigned int k);
/* The next @k gnt_grant calls return -PVF_ENOSPC. */
void pvf_fake_fail_gnt_grant(struct pvf_fake *f, unsigned int k);

/* ---- grants, event channels, pages ---------------------------------------- */

/* Mark @ref mapped by the backend (gnt_end then returns -PVF_EBUSY) or not.
 * Returns 0; -PVF_EBADF if @ref is not granted. */
int pvf_fake_gnt_set_mapped(struct pvf_fake *f, uint32_t ref, int mapped);
/* Whether @ref is granted; its frame, domid and read-only flag. */
int pvf_fake_gnt_info(struct pvf_fake *f, uint32_t ref, uint64_t *frame,
		      pvf_domid_t *domid, int *readonly);
/* Translate a frame from page_alloc back to its address (or NULL). */
void *pvf_fake_frame_to_va(struct pvf_fake *f, uint64_t frame);
/* Notifications sent through @port (0 for an unknown port). */
unsigned long pvf_fake_notify_count(struct pvf_fake *f, uint32_t port);
/* Whether @port is allocated and masked. */
int pvf_fake_port_open(struct pvf_fake *f, uint32_t port);
int pvf_fake_port_masked(struct pvf_fake *f, uint32_t port);

/* ---- clock and log ------------------------------------------------------- */

void pvf_fake_clock_set(struct pvf_fake *f, uint64_t ns);
void pvf_fake_clock_advance(struct pvf_fake *f, uint64_t ns);
/* Lines logged at @level. */
unsigned int pvf_fake_log_count(struct pvf_fake *f, enum pvf_log_level level);
/* 1 if a captured line (the last 256 are kept) contains @needle. */
int pvf_fake_log_contains(struct pvf_fake *f, const char *needle);
/* Print captured lines to stderr as they arrive (also PVF_TEST_VERBOSE=1). */
void pvf_fake_log_echo(struct pvf_fake *f, int on);

/* ---- counters ------------------------------------------------------------ */

struct pvf_fake_counters {
	unsigned int grants;      /* granted, not ended */
	unsigned int pages;       /* pages allocated, not freed */
	unsigned int ports;       /* ports allocated, not closed */
	unsigned int watches;     /* watches registered */
	unsigned int txns;        /* transactions open */
	unsigned long xs_writes;  /* successful xs_write calls (incl. in txn) */
	unsigned long txn_commits;/* successful commits */
	unsigned long txn_aborts; /* aborts + failed commits */
	unsigned long gnt_grants; /* successful gnt_grant calls */
};
void pvf_fake_counters(struct pvf_fake *f, struct pvf_fake_counters *out);

/* Number of leaked kinds (grants, pages, ports, watches, txns outstanding),
 * 0 when clean; a description goes to @buf if not NULL. */
int pvf_fake_leaks(struct pvf_fake *f, char *buf, size_t size);


/* ---- a fake XenBus driver (struct pvf_xenbus_ops) ------------------------ */

#include <pvfront/xenbus.h>

/*
 * setup() allocates one page, grants it to the backend, allocates an
 * unbound port and writes ring-ref and event-channel in the transaction;
 * release() closes the port, ends the grant (-PVF_EBUSY while the test
 * marks it mapped, keeping page and grant) and frees the page.
 */
struct pvf_fake_drv {
	struct pvf_fake *f;
	struct pvf_xenbus_dev *dev;     /* set by the test after create */
	/* call counters */
	unsigned int setups, connects, disconnects, releases, busy_releases;
	unsigned int events[8];         /* changed() by enum pvf_xenbus_event */
	int last_err;                   /* err of the last changed() */
	/* fault injection */
	unsigned int fail_setup;        /* next N setups fail with setup_err */
	int setup_err;
	unsigned int fail_connect;      /* next N connects fail (-PVF_EIO) */
	/* resources */
	void *page;
	uint64_t frame;
	uint32_t ref, port;
	int have_ref, have_port;
};

extern const struct pvf_xenbus_ops pvf_fake_drv_ops;

/* Zero @d and bind it to @f. */
void pvf_fake_drv_init(struct pvf_fake_drv *d, struct pvf_fake *f);

/* Deliver a watch event to a struct pvf_xenbus_dev (@arg) - for
 * pvf_fake_pump(). */
void pvf_fake_deliver_xenbus(void *arg, const char *path, const char *token);

#endif /* PVF_TESTS_FAKE_PLATFORM_H */
