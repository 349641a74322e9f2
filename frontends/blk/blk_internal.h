/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private header of the block frontend core.
 */
#ifndef PVF_BLK_INTERNAL_H
#define PVF_BLK_INTERNAL_H

#include "../../common/internal.h"
#include <pvfront/barrier.h>
#include <pvfront/blk.h>
#include <pvfront/ring.h>
#include <pvfront/xs.h>

#define PVF_BLK_NONE 0xffffffffu

/* Shadow entry states. */
enum pvf_blk_slot_state {
	PVF_BLK_SLOT_FREE = 0,
	PVF_BLK_SLOT_INFLIGHT = 1,
	PVF_BLK_SLOT_RETIRED = 2, /* a grant is held: never reused until reconnect */
	PVF_BLK_SLOT_DRAIN = 3,   /* quiesced: request replayed, grants still to end */
};

/* Caller request states (p_state). */
enum pvf_blk_req_state {
	PVF_BLK_R_IDLE = 0,    /* the caller's */
	PVF_BLK_R_PENDING = 1, /* on a queue's pending list or the replay list */
	PVF_BLK_R_ISSUED = 2,  /* every part issued, some in flight */
};

/* One ring slot's private copy of what was sent (the shared page is never
 * read back).  Ids on the ring are indices of this table. */
struct pvf_blk_shadow {
	struct pvf_blk_req *req;  /* caller request this part belongs to */
	uint32_t next_free;       /* free list link */
	uint32_t first_seg;       /* first caller segment of the part */
	uint32_t nr_segs;         /* segments in the part */
	uint8_t op;               /* BLKIF_OP_* as put on the ring */
	uint8_t ind_op;           /* BLKIF_OP_READ/WRITE when op is INDIRECT */
	uint8_t state;            /* enum pvf_blk_slot_state */
	uint8_t nr_ind;           /* indirect pages granted */
	uint32_t ind_refs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
};

#define BLK_TXN_TRIES 16u

/* blk_negotiate.c */
int pvf_blk_read_backend_txn(const struct pvf_platform *p, uint32_t txn, const char *dir,
			     unsigned int what, struct pvf_blk_backend *be);
int pvf_blk_write_keys(struct pvf_blk *blk, uint32_t txn);
int pvf_blk_read_trusted(struct pvf_blk *blk, uint32_t txn, bool *trusted);
uint32_t pvf_blk_ring_size(uint32_t order);
void pvf_blk_note_size(struct pvf_blk *blk, uint64_t sectors);

/* blk_shadow.c */
void pvf_blk_shadow_reset(struct pvf_blk *blk, struct pvf_blk_queue *q);
uint32_t pvf_blk_shadow_get(struct pvf_blk_queue *q);
void pvf_blk_shadow_put(struct pvf_blk_queue *q, uint32_t id);
uint32_t *pvf_blk_shadow_refs(const struct pvf_blk *blk, const struct pvf_blk_queue *q, uint32_t id);
uint32_t *pvf_blk_shadow_pool(const struct pvf_blk *blk, const struct pvf_blk_queue *q, uint32_t id);
uint32_t pvf_blk_pool_get(struct pvf_blk_queue *q);
void pvf_blk_pool_put(struct pvf_blk_queue *q, uint32_t idx);
void *pvf_blk_pool_page(const struct pvf_blk_queue *q, uint32_t idx);
void *pvf_blk_ind_page(const struct pvf_blk_queue *q, uint32_t id, uint32_t n);
uint64_t pvf_blk_ind_frame(const struct pvf_blk_queue *q, uint32_t id, uint32_t n);
int pvf_blk_end_grant(struct pvf_blk *blk, uint32_t ref);
uint32_t pvf_blk_end_refs(struct pvf_blk *blk, uint32_t *refs, uint32_t n);
void pvf_blk_park_refs(struct pvf_blk *blk, uint32_t *refs, uint32_t n);
void pvf_blk_free_pages(struct pvf_blk *blk, void *va, uint32_t npages);
void pvf_blk_break(struct pvf_blk *blk, const char *why, uint64_t a, uint64_t b);

/* blk_ring.c */
int pvf_blk_ring_setup(struct pvf_blk *blk);
void pvf_blk_ring_teardown(struct pvf_blk *blk);
int pvf_blk_pools_setup(struct pvf_blk *blk);
void pvf_blk_pools_teardown(struct pvf_blk *blk);
void pvf_blk_ring_push(struct pvf_blk *blk, struct pvf_blk_queue *q);
int pvf_blk_transport_release(struct pvf_blk *blk, bool force);
bool pvf_blk_transport_held(const struct pvf_blk *blk);

/* blk_request.c */
void pvf_blk_kick(struct pvf_blk *blk, struct pvf_blk_queue *q);
void pvf_blk_kick_queue(struct pvf_blk *blk, struct pvf_blk_queue *q);
struct pvf_blk_queue *pvf_blk_req_queue(struct pvf_blk *blk, const struct pvf_blk_req *req);
void pvf_blk_pend_append(struct pvf_blk_queue *q, struct pvf_blk_req *req);
void pvf_blk_finish(struct pvf_blk *blk, struct pvf_blk_req *req, int status);
uint32_t pvf_blk_units(const struct pvf_blk_req *req);

/* blk_recover.c */
void pvf_blk_replay_insert(struct pvf_blk *blk, struct pvf_blk_req *req);

/* blk_complete.c */
int pvf_blk_release_slot(struct pvf_blk *blk, struct pvf_blk_queue *q, uint32_t id,
			 bool copy_out);
uint32_t pvf_blk_drain_slot(struct pvf_blk *blk, struct pvf_blk_queue *q, uint32_t id,
			    bool force);

#endif
