/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test doubles for the block frontend tests: a fake platform (xenstore in a
 * table, grants that record ref -> frame, pages from aligned_alloc with
 * frame = va >> 12, counted ports) and an in-process blkback that serves an
 * in-memory disk from the shared ring and can be told to misbehave.
 */
#ifndef PVF_TESTS_BLK_TESTBACK_H
#define PVF_TESTS_BLK_TESTBACK_H

#include <stdint.h>
#include <pvfront/blk.h>

#define TB_KV_MAX 512
#define TB_GNT_MAX 65536
#define TB_ALLOC_MAX 256
#define TB_WATCH_MAX 8
#define TB_MAPPED_MAX 256

struct tb_plat {
	struct pvf_platform plat;
	struct pvf_platform_ops ops;
	char *kv_path[TB_KV_MAX];
	char *kv_val[TB_KV_MAX];
	int txn_eagain;          /* commits that fail with EAGAIN before one works */
	int txn_commits, txn_aborts;
	struct { int used, ro, mapped; uint64_t frame; } g[TB_GNT_MAX];
	uint32_t gnt_hint;
	int gnt_in_use;
	int gnt_limit;           /* refuse grants beyond this many in use (0: none) */
	struct { void *va; unsigned int n; } alloc[TB_ALLOC_MAX];
	int pages_out;           /* pages allocated and not freed */
	int ports_open, next_port, notifies;
	int no_evtchn;           /* evtchn ops return ENOSYS */
	int gnt_calls;           /* successful gnt_grant calls */
	char *watch_path[TB_WATCH_MAX], *watch_token[TB_WATCH_MAX];
	int watches;             /* registered, not removed */
	uint64_t now_ns;         /* clock_ns */
	int log_errs, log_warns;
	char last_err[256];
	int verbose;
};

void tb_plat_init(struct tb_plat *tp);
void tb_plat_fini(struct tb_plat *tp);
const char *tb_xs_get(struct tb_plat *tp, const char *path);
void tb_xs_set(struct tb_plat *tp, const char *path, const char *val);
void tb_xs_del(struct tb_plat *tp, const char *path);
/* Address of the page a grant reference points to, NULL if not granted. */
void *tb_gnt_va(struct tb_plat *tp, uint32_t ref);

enum tb_misbehave {
	TB_OK = 0,
	TB_BAD_ID,       /* response id out of range */
	TB_DUP_ID,       /* the response is pushed twice, the next request's is
			  * skipped (so the producer stays within bounds) */
	TB_WRONG_OP,     /* response operation differs */
	TB_BAD_STATUS,   /* status 7 */
	TB_OVERFLOW,     /* rsp_prod far ahead */
	TB_STALE_ID,     /* id of a free slot */
	TB_HOLD_MAPPED,  /* keep the first data grant mapped */
};

struct tb_back {
	struct tb_plat *tp;
	char fe[128];
	uint8_t *disk;
	uint64_t sectors;          /* 512-byte units */
	unsigned int nq, order;
	blkif_back_ring_t ring[PVF_BLK_MAX_QUEUES];
	int attached;
	int drop;                  /* consume requests, never answer (backend died) */
	int misbehave;             /* enum tb_misbehave, applied to the next response */
	int flush_eopnotsupp;      /* answer that many flushes/barriers with EOPNOTSUPP */
	int discard_eopnotsupp;
	int rsp_indirect_op;       /* answer indirect with indirect_op (as Linux) */
	int skip_next;             /* internal: TB_DUP_ID */
	uint32_t held_ref;         /* grant kept mapped by TB_HOLD_MAPPED */
	int map_rings;             /* attach marks ring grants mapped until detach
				    * (as Linux blkback: gnt_end fails meanwhile) */
	uint32_t mapped[TB_MAPPED_MAX];
	int nmapped;
	uint64_t last_discard_sector, last_discard_nr;
	int last_discard_flag;
	/* counters */
	int nreq, ndirect, nindirect, nflush, nbarrier, ndiscard, max_segs, errors;
	int ro_violations;         /* data written into a read-only grant */
};

/* Publish a typical backend (sizes in 512-byte sectors). */
void tb_publish_default(struct tb_plat *tp, const char *be, uint64_t sectors);
void tb_back_init(struct tb_back *tb, struct tb_plat *tp, const char *fe, uint64_t sectors);
void tb_back_fini(struct tb_back *tb);
/* Read the frontend's keys and map its rings.  Returns 0 or -1. */
int tb_back_attach(struct tb_back *tb);
void tb_back_detach(struct tb_back *tb);
/* Serve every request on every queue.  Returns the number served. */
int tb_back_run(struct tb_back *tb);
/* Release the grant kept by TB_HOLD_MAPPED. */
void tb_back_unhold(struct tb_back *tb);

/* ---- fixture: platform + backend + frontend ---------------------------- */
#define TB_FE "device/vbd/768"
#define TB_BE "backend/vbd/1/768"

struct tb_fx {
	struct tb_plat tp;
	struct tb_back tb;
	struct pvf_blk blk;
	struct pvf_blk_config cfg;
	void *scratch;
};

/* Platform, default backend keys for @sectors, default config. */
struct tb_fx *tb_fx_new(uint64_t sectors);
/* Backend key helper: set TB_BE/@key (NULL @val removes it). */
void tb_fx_be(struct tb_fx *fx, const char *key, const char *val);
/* init + setup + attach + connect.  Returns 0 or the first error. */
int tb_fx_connect(struct tb_fx *fx);
/* Run backend and poll until nothing moves.  Returns responses consumed or
 * a negative poll error. */
int tb_fx_pump(struct tb_fx *fx);
/* Shutdown and free; returns outstanding grants + pages + ports + watches. */
int tb_fx_free(struct tb_fx *fx);

/* Data buffers: @n pages with segments; sector pattern per segment. */
struct tb_buf {
	uint8_t *mem;
	struct pvf_blk_seg *segs;
	uint32_t n;
};
/* @odd: segments use varying first/last sectors instead of whole pages. */
void tb_buf_new(struct tb_buf *b, uint32_t n, int odd);
void tb_buf_fill(struct tb_buf *b, uint32_t seed);
/* Sectors covered by the segments. */
uint64_t tb_buf_sectors(const struct tb_buf *b);
/* 1 if the segment data of @a equals @b's. */
int tb_buf_same(const struct tb_buf *a, const struct tb_buf *b);
void tb_buf_free(struct tb_buf *b);

/* ---- caller requests ------------------------------------------------------ */
struct treq {
	struct pvf_blk_req r;
	int status;
	int calls;
};
/* Zero @t; op, sector and the segments of @b (may be NULL); status 12345
 * until done() ran. */
void treq_init(struct treq *t, uint8_t op, uint64_t sector, const struct tb_buf *b);

/* ---- XenBus roles ----------------------------------------------------------- */
/*
 * Play toolstack + blkback for the frontend at tb->fe whose backend
 * directory is @be: reacts once to the frontend's state (Initialised or
 * Connected: attach, backend Connected; Closing: backend Closing; Closed
 * while the backend is Closing or Connected: detach, backend Closed;
 * Initialising after Closed: backend InitWait).  A backend the test put
 * in InitWait stays there for the frontend to set up again.
 * Returns 1 if it changed something, 0 if not, -1 if attach failed.
 */
int tb_xb_step(struct tb_back *tb, const char *be);
/* Set @be/state to @state. */
void tb_xb_set_state(struct tb_plat *tp, const char *be, int state);
/* The frontend's state node as a number (-1 when missing). */
int tb_xb_state(struct tb_plat *tp, const char *dir);
/* Deliver a watch event for @path to every registered watch whose path
 * it matches, through @deliver.  Returns the number delivered. */
int tb_xb_fire(struct tb_plat *tp, const char *path,
	       void (*deliver)(void *arg, const char *path, const char *token), void *arg);

#endif
