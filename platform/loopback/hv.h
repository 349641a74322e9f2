/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internal header of the loopback hypervisor: the layout of the shared
 * memfd and the per-process view of it.  Not installed.
 *
 * memfd layout (offsets recorded in the header and re-checked on attach):
 *   [header page(s)] struct lb_shared: magic, config, lock, counters and
 *                    both domains' 2-level event state + futex word
 *   [grants]         grant_entry_v1_t[grant_entries]
 *   [maps]           struct lb_map_count[grant_entries]
 *   [hold]           struct lb_map_count[LB_HOLDERS + 1][grant_entries]:
 *                    the same counts per mapping process (the sum over
 *                    holders equals [maps]; see hv_reap.c)
 *   [ports]          struct lb_port[ports] for each domain
 *   [pagemap]        uint64_t bitmap, one bit per guest page
 *   [memory]         guest pages, page aligned; frame N at N * 4096
 */
#ifndef PVF_LB_HV_H
#define PVF_LB_HV_H

#include <pthread.h>
#include <stdint.h>
#include <pvfront/loopback.h>
#include <pvfront/evtchn.h>
#include <pvfront/xen.h>
#include "../../common/internal.h"

#define LB_MAGIC   0x62766670u /* "pvfb" */
#define LB_VERSION 2u
#define LB_FIRST_REF 8u        /* GNTTAB_NR_RESERVED_ENTRIES */

enum { LB_GUEST = 0, LB_BACKEND = 1, LB_NDOMS = 2 };

/* Backend processes whose mappings and ports are recorded separately, so
 * that those of a dead one can be released (pvf_lb_hv_reap).  Slot
 * LB_ANON takes what is mapped while every slot is taken by a live
 * process; it is never reaped. */
#define LB_HOLDERS 16u
#define LB_ANON LB_HOLDERS

/* One domain's event state, laid out like the shared_info / vcpu_info
 * fields it stands for. */
struct lb_evtchn_shared {
	xen_ulong_t pending[sizeof(xen_ulong_t) * 8]; /* shared_info.evtchn_pending */
	xen_ulong_t mask[sizeof(xen_ulong_t) * 8];    /* shared_info.evtchn_mask */
	xen_ulong_t pending_sel;                      /* vcpu_info.evtchn_pending_sel */
	uint8_t upcall_pending;                       /* vcpu_info.evtchn_upcall_pending */
	uint8_t pad[3];
	uint32_t futex;                               /* bumped + FUTEX_WAKE per kick */
};

enum lb_port_state {
	LB_PORT_FREE = 0,
	LB_PORT_RESERVED = 1,    /* port 0 */
	LB_PORT_UNBOUND = 2,     /* waiting for remote_dom to bind */
	LB_PORT_INTERDOMAIN = 3, /* connected to the other domain's remote_port */
};

struct lb_port {
	uint8_t state;        /* enum lb_port_state */
	uint8_t holder;       /* backend ports: holder slot + 1 of the process
			       * that bound it; 0 unknown (never reaped) */
	uint16_t remote_dom;  /* domid allowed to bind / bound */
	uint32_t remote_port; /* peer port when INTERDOMAIN */
};

/* Mappings of one grant: all (reading) and writable ones (writing). */
struct lb_map_count {
	uint16_t rd;
	uint16_t wr;
};

/* A process that maps grants or binds backend ports. */
struct lb_holder {
	int32_t pid;          /* 0: free slot */
	uint32_t gen;         /* claims of this slot so far */
	uint64_t start;       /* the process's start time (/proc/<pid>/stat
			       * field 22), so a reused pid is not taken for
			       * the process that died */
};

struct lb_shared {
	uint32_t magic;
	uint32_t version;
	uint64_t total_size;
	struct pvf_lb_config cfg;
	uint64_t off_grants, off_maps, off_hold, off_ports[LB_NDOMS], off_pagemap, off_mem;
	pthread_mutex_t lock;       /* process-shared, robust: ports, maps, pages */
	uint32_t guest_open;        /* a guest handle exists */
	uint32_t pages_allocated;
	uint32_t page_hint;         /* where the next allocation search starts */
	uint32_t reaped;            /* dead processes released so far */
	struct lb_evtchn_shared ev[LB_NDOMS];
	struct lb_holder holders[LB_HOLDERS];
};

/* One domain's event demultiplexing in this process. */
struct lb_dom_local {
	struct pvf_evtchn_2l view;
	struct pvf_evtchn_demux demux;
	struct pvf_evtchn_handler *handlers; /* cfg.ports */
	pthread_mutex_t poll_lock;           /* one poller at a time */
};

struct pvf_lb_hv {
	int fd;
	size_t size;
	uint8_t *base;               /* read-write map of the whole memfd */
	const uint8_t *mem_ro;       /* read-only map of guest memory */
	struct lb_shared *sh;
	struct pvf_lb_config cfg;    /* validated private copy */
	grant_entry_v1_t *grants;
	struct lb_map_count *maps;
	struct lb_map_count *hold;   /* [LB_HOLDERS + 1][grant_entries] */
	int32_t self_pid;            /* this process's holder slot, cached */
	uint64_t self_start;
	uint32_t self_slot;
	struct lb_port *ports[LB_NDOMS];
	uint64_t *pagemap;
	uint8_t *mem;                /* read-write guest memory */
	struct lb_dom_local dom[LB_NDOMS];
};

/* hv.c */
int lb_lock(struct pvf_lb_hv *hv);
void lb_unlock(struct pvf_lb_hv *hv);
pvf_domid_t lb_domid(const struct pvf_lb_hv *hv, int dom);
int lb_errno(int err); /* errno value -> -PVF_E* (EIO for unknown) */

/* hv_mem.c: guest pages */
int lb_page_alloc(struct pvf_lb_hv *hv, unsigned int npages, void **va, uint64_t *frames);
int lb_page_free(struct pvf_lb_hv *hv, void *va, unsigned int npages);
uint32_t lb_pages_allocated(struct pvf_lb_hv *hv);

/* hv_evtchn.c: ports of domain @dom (LB_GUEST / LB_BACKEND) */
int lb_ev_alloc_unbound(struct pvf_lb_hv *hv, int dom, pvf_domid_t remote, uint32_t *port);
int lb_ev_bind_interdomain(struct pvf_lb_hv *hv, int dom, uint32_t remote_port,
			   uint32_t *local_port);
int lb_ev_notify(struct pvf_lb_hv *hv, int dom, uint32_t port);
int lb_ev_mask(struct pvf_lb_hv *hv, int dom, uint32_t port, int masked);
int lb_ev_close(struct pvf_lb_hv *hv, int dom, uint32_t port);
int lb_ev_poll(struct pvf_lb_hv *hv, int dom, int timeout_ms);
int lb_ev_bind_handler(struct pvf_lb_hv *hv, int dom, uint32_t port,
		       void (*fn)(void *arg, uint32_t port), void *arg);
uint32_t lb_ev_ports_open(struct pvf_lb_hv *hv, int dom);
int lb_ev_local_init(struct pvf_lb_hv *hv);
void lb_ev_local_fini(struct pvf_lb_hv *hv);

/* hv_reap.c: mapping processes (all under the shared lock) */
/* This process's holder slot (claimed on first use); LB_ANON when every
 * slot is taken by a live process. */
uint32_t lb_holder_self(struct pvf_lb_hv *hv);
/* Per-holder count of grant @ref. */
struct lb_map_count *lb_hold(struct pvf_lb_hv *hv, uint32_t slot, uint32_t ref);
/* Release what dead holders held; returns how many were dead. */
int lb_reap_locked(struct pvf_lb_hv *hv);

/* hv_evtchn.c, under the shared lock: close port @port of @dom. */
void lb_ev_close_locked(struct pvf_lb_hv *hv, int dom, uint32_t port);

/* hv_grant.c: the grantee side */
int lb_gnt_map(struct pvf_lb_hv *hv, uint32_t ref, int readonly, void **va);
int lb_gnt_unmap(struct pvf_lb_hv *hv, uint32_t ref, int readonly);
void lb_gnt_stats(struct pvf_lb_hv *hv, uint32_t *in_use, uint32_t *mapped);

#endif /* PVF_LB_HV_H */
