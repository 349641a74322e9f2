/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private layout of the fake platform, shared by fake_platform.c (grants,
 * ports, pages, log, clock), fake_xs.c (xenstore) and fake_drv.c.
 */
#ifndef PVF_TESTS_FAKE_INTERNAL_H
#define PVF_TESTS_FAKE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
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


/* malloc helpers that abort on failure (tests only) */
char *pvf_fake_xstrdup(const char *s);
void *pvf_fake_xrealloc(void *p, size_t n);

/* fake_xs.c: install the xenstore ops; free the store, watches, events. */
void pvf_fake_xs_install(struct pvf_fake *f);
void pvf_fake_xs_fini(struct pvf_fake *f);

#endif /* PVF_TESTS_FAKE_INTERNAL_H */
