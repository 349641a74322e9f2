/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internals of the userspace blkback (harness/blkback*.c).  Not for users:
 * the public interface is harness/blkback.h.
 */
#ifndef PVF_HARNESS_BLKBACK_INT_H
#define PVF_HARNESS_BLKBACK_INT_H

#include <pthread.h>
#include <semaphore.h>
#include <xenstore.h>
#include "blkback.h"

_Static_assert(sizeof(struct blkif_request) == 112, "blkif_request x86_64 size");
_Static_assert(sizeof(struct blkif_response) == 16, "blkif_response size");
_Static_assert(sizeof(struct blkif_request_segment) == 8, "segment size");
_Static_assert(sizeof(struct blkif_request_indirect) == 64, "indirect size");
_Static_assert(sizeof(struct blkif_request_discard) == 32, "discard size");

/* Shared with a forked child (MAP_SHARED anonymous page): controls in,
 * counters out.  Updated with __atomic builtins only. */
struct bb_ctl {
	uint64_t resize_sectors;   /* 0: no resize pending */
	uint32_t eopnotsupp_mask;
	uint32_t misbehave;
	uint32_t stop;
	uint32_t pause;            /* queue threads park before the next request */
	struct pvf_bb_stats st;
};

#define BB_ADD(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)
#define BB_SET(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELEASE)
#define BB_GET(field) __atomic_load_n(&(field), __ATOMIC_ACQUIRE)

struct bb_pgrant {              /* one persistent mapping */
	uint32_t ref;
	void *va;
};

struct bb_queue {
	struct pvf_blkback *b;
	unsigned int idx;
	pthread_t thread;
	bool running;
	bool broken;               /* producer overflow: stop serving */
	bool parked;               /* counted in stats.paused */
	sem_t kick;
	uint32_t port;             /* backend port, 0: polled frontend */
	bool bound;
	blkif_back_ring_t ring;
	void *ring_va;             /* ring_pages contiguous pages */
	void *ring_alias;          /* mremap alias (NULL if the maps were contiguous) */
	uint32_t ring_refs[1u << PVF_BB_MAX_RING_ORDER];
	uint32_t ring_mapped;      /* refs mapped so far */
	uint32_t ring_pages;
	struct bb_pgrant *pg;      /* persistent grants, sorted by ref */
	uint32_t nr_pg;
	uint8_t *bounce;           /* grant-copy buffer: max segments * 4 KiB */
	struct blkif_request_segment *segs; /* copied segments of one request */
};

struct pvf_blkback {
	struct pvf_lb_hv *hv;
	struct pvf_lb_backend *be;
	struct pvf_bb_config cfg;
	char fe[PVF_BLK_PATH_MAX], be_dir[PVF_BLK_PATH_MAX];
	int fd;                    /* image, -1 for the null device */
	uint64_t sectors;          /* current size, 512-byte units */
	struct bb_ctl *ctl;        /* shared page */
	pthread_t thread;
	bool started;
	pid_t pid;                 /* forked child, 0 otherwise */
	/* control thread state */
	struct xs_handle *xs;
	uint32_t be_state;
	bool persistent;           /* negotiated for this connection */
	bool reoffer;              /* restart: InitWait offered to a frontend
				    * that is Closed; do not close again */
	uint32_t nr_queues;
	struct bb_queue q[PVF_BB_MAX_QUEUES];
	pthread_mutex_t map_lock;  /* serialises mapped-count updates */
};

/* blkback_ring.c */
/* Connect queue @q: map its ring (refs already in q->ring_refs), bind
 * @remote_port (0: polled), start its thread.  Returns 0 or -PVF_E*. */
int bb_queue_connect(struct bb_queue *q, uint32_t remote_port);
/* Stop the thread, unmap everything (persistent grants too), unbind. */
void bb_queue_disconnect(struct bb_queue *q);

/* blkback.c */
void bb_log(struct pvf_blkback *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bb_fatal(struct pvf_blkback *b, int err);
/* Map / unmap one grant and keep stats.mapped. */
int bb_map(struct pvf_blkback *b, uint32_t ref, int readonly, void **va);
void bb_unmap(struct pvf_blkback *b, uint32_t ref, int readonly);

/* blkback_main.c: the control thread body (thread and child process). */
void *bb_control_main(void *arg);
/* Open the image / null device per b->cfg; sets b->fd and b->sectors. */
int bb_open_disk(struct pvf_blkback *b);

#endif
