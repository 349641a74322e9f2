/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Network frontend core (netif), freestanding.
 *
 * One struct pvf_net is one vif.  It embeds its XenBus state machine
 * (<pvfront/xenbus.h>) and implements struct pvf_xenbus_ops, so the
 * lifecycle follows the backend:
 *
 *   pvf_net_init()      once: check the config, carve the scratch memory,
 *                       create the XenBus device (state Initialising)
 *   (backend InitWait)  setup: read the backend features, allocate and
 *                       grant rings, RX pool and control ring, allocate
 *                       event channels, write the frontend keys in one
 *                       transaction (retried on EAGAIN)
 *   (backend Connected) connect: read carrier, fill the RX ring, issue
 *                       the transmits queued meanwhile
 *   pvf_net_transmit()  queue a caller packet
 *   pvf_net_poll() / pvf_net_on_event()   consume responses
 *   (backend Closing)   disconnect: in-flight transmits complete with
 *                       -PVF_ECANCELED, queued ones stay queued; release
 *                       ends every grant and frees rings and pool
 *   pvf_net_destroy()   end of life: queued transmits complete with
 *                       -PVF_ESHUTDOWN
 *
 * The embedder pumps the XenBus machine with pvf_xenbus_on_watch() /
 * pvf_xenbus_poll() on pvf_net_xenbus(net), closes it with
 * pvf_xenbus_close() and hands it over with pvf_xenbus_handover_begin()
 * (release ends every grant and closes every port).
 *
 * Reconnect policy (documented choice): a transmit that is still queued
 * inside the core (not yet on the ring) when the backend goes away is kept
 * and sent after the next connect; a transmit already on the ring is
 * completed with -PVF_ECANCELED at disconnect (the old backend may or may
 * not have sent it; resending could duplicate it).  Nothing is leaked:
 * pvf_net_destroy() completes whatever is left with -PVF_ESHUTDOWN.
 *
 * Ownership.  The core never allocates: ring pages, the RX pool and the
 * control pages come from the platform's page_alloc during setup only
 * (never from transmit or poll), bookkeeping lives in the caller's
 * scratch memory (pvf_net_scratch_size()).  A struct pvf_net_tx and the
 * pages its fragments name belong to the caller and are borrowed from a
 * successful pvf_net_transmit() until done() returns; done() runs exactly
 * once.  Grants belong to the core and are ended before done() runs; if
 * the backend still maps a page the grant is held back (never reused),
 * the device is broken and done() gets -PVF_EBUSY.  Received data is in
 * the core's RX pool pages, lent to the rx() callback for its duration
 * only (grants already ended: the backend can no longer write them).
 *
 * Untrusted backend (config `trusted` 0, or the toolstack's frontend key
 * `trusted` = 0; info.bounce reports it): the caller's pages are never
 * granted.  Each transmit fragment is copied (through pvf_net_frag.va)
 * into a core-owned bounce page, the rest of that page zeroed, and the
 * page granted read-only, when the packet goes on the ring (ownership as
 * above; done() never reports -PVF_EBUSY here).  Every RX pool
 * page is zeroed before each grant, and received data is copied out of
 * the pool page (after its grant ended) into a private page that is
 * never granted; rx() sees only those.  Bounce pages (PVF_NET_TX_RING_SIZE
 * per queue, PVF_NET_MAX_FRAGS per device) come from page_alloc at setup
 * and go back at release.  A bounce page whose grant the backend still
 * maps when it is ended is quarantined: never reused nor freed until its
 * grant ends, counted in pvf_net_held_grants() (after a response the
 * device also breaks).
 *
 * Hardening (protocol-notes section 5): response producers are read once,
 * followed by a read barrier and checked against the requests actually
 * outstanding; each response is copied out of the shared page once; TX ids
 * must name an in-flight slot; RX responses are matched to the slot their
 * request used (id = slot index derived from the ring index, the
 * backend's id is only compared, never used); offset+length must lie in
 * the page; extra types are checked; chains may neither run past the
 * producer nor exceed XEN_NETIF_NR_SLOTS_MIN data slots.  A violation
 * puts the device into the sticky broken state (-PVF_EPROTO) that only a
 * reconnect clears; nothing reachable from backend data asserts.
 *
 * Concurrency: not thread-safe; serialise every call on one struct
 * pvf_net.  Callbacks (done, rx, hash done) run inside poll/on_event and
 * the XenBus pump and may call pvf_net_transmit(), nothing else.
 *
 * The structs below are visible for sizing only; fields marked private
 * are the core's.
 */
#ifndef PVFRONT_NET_H
#define PVFRONT_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pvfront/platform.h>
#include <pvfront/ring.h>
#include <pvfront/xen.h>
#include <pvfront/xenbus.h>
#include <xen/io/netif.h>

#define PVF_NET_MAX_QUEUES 8u
/* Requests per TX / RX ring (one page each). */
#define PVF_NET_TX_RING_SIZE 256u
#define PVF_NET_RX_RING_SIZE 256u
/* Largest packet: data slots and bytes. */
#define PVF_NET_MAX_FRAGS ((unsigned int)XEN_NETIF_NR_SLOTS_MIN)
#define PVF_NET_MAX_PKT ((unsigned int)XEN_NETIF_MAX_TX_SIZE)
/* Extra-info slots a received packet may carry (one per known type). */
#define PVF_NET_MAX_EXTRAS ((unsigned int)XEN_NETIF_EXTRA_TYPE_MAX - 1u)
#define PVF_NET_HASH_KEY_MAX 40u        /* Toeplitz key bytes */
#define PVF_NET_HASH_MAPPING_MAX 1024u  /* entries: one page of uint32_t */
#define PVF_NET_HELD_MAX 64u            /* grants parked while still mapped */
#define PVF_NET_PATH_MAX PVF_XENBUS_NODE_MAX

/* ---- transmit ------------------------------------------------------------ */

/* One caller fragment: @len bytes at @offset in guest frame @frame; must
 * not cross the page (offset + len <= PVF_PAGE_SIZE), len >= 1. */
struct pvf_net_frag {
	uint64_t frame;         /* granted as is when the backend is trusted */
	const void *va;         /* the page's address (data at va + offset);
				 * needed when info.bounce is set (the core
				 * copies from it), may be NULL otherwise */
	uint16_t offset;
	uint16_t len;
};

/* pvf_net_tx.flags */
#define PVF_NET_TX_CSUM_BLANK     0x1u /* L4 checksum left blank (offload) */
#define PVF_NET_TX_DATA_VALIDATED 0x2u /* checksum known good */

/* GSO types (same values as XEN_NETIF_GSO_TYPE_*). */
#define PVF_NET_GSO_NONE  0u
#define PVF_NET_GSO_TCPV4 1u
#define PVF_NET_GSO_TCPV6 2u

/* Multicast filter operations (pvf_net_tx.mcast_op). */
#define PVF_NET_MCAST_NONE 0u
#define PVF_NET_MCAST_ADD  1u
#define PVF_NET_MCAST_DEL  2u

struct pvf_net_tx {
	/* ---- set by the caller before pvf_net_transmit ---- */
	const struct pvf_net_frag *frags; /* the packet, in order */
	uint16_t nr_frags;      /* 1..PVF_NET_MAX_FRAGS (1 without feature-sg);
				 * 0 for a multicast filter update */
	uint16_t queue;         /* preferred queue; taken modulo nr_queues */
	uint16_t flags;         /* PVF_NET_TX_* */
	uint8_t gso_type;       /* PVF_NET_GSO_*: needs feature-gso-tcpv4/6 */
	uint8_t mcast_op;       /* PVF_NET_MCAST_*: nr_frags must be 0 */
	uint16_t gso_size;      /* GSO: segment payload (MSS), >= 1 */
	uint8_t mcast_addr[6];  /* multicast MAC for mcast_op */
	/* Called exactly once: 0 sent (NETIF_RSP_OKAY); -PVF_EIO backend
	 * NETIF_RSP_ERROR or an unknown status; -PVF_ECANCELED backend
	 * NETIF_RSP_DROPPED, or on the ring when the backend went away;
	 * -PVF_EPROTO device broke; -PVF_EBUSY a page is still mapped by
	 * the backend (do not reuse it until pvf_net_held_grants() is 0;
	 * never in bounce mode, where the caller's pages are not granted);
	 * -PVF_ESHUTDOWN destroyed while queued. */
	void (*done)(struct pvf_net_tx *tx, int status);
	void *cookie;           /* the caller's; untouched */

	/* ---- private: zero before the first transmit ---- */
	struct pvf_net_tx *p_next;
	uint16_t p_left;        /* slots without response yet */
	int16_t p_status;
	uint8_t p_state;
	uint8_t p_queue;
};

/* ---- receive ------------------------------------------------------------- */

/* pvf_net_rx_pkt.flags (NOT the wire NETRXF_* order) */
#define PVF_NET_RX_DATA_VALIDATED 0x1u /* checksum checked by the backend */
#define PVF_NET_RX_CSUM_BLANK     0x2u /* checksum blank: still to compute */
#define PVF_NET_RX_GSO            0x4u /* gso_type/gso_size valid */
#define PVF_NET_RX_HASH           0x8u /* hash_type/hash valid */

struct pvf_net_rx_frag {
	const void *page;       /* pool page, or in bounce mode a private copy
				 * page never granted (core's; valid during
				 * rx() only) */
	uint16_t offset;        /* data at page + offset */
	uint16_t len;
};

struct pvf_net_rx_pkt {
	uint16_t queue;
	uint16_t flags;         /* PVF_NET_RX_* */
	uint32_t len;           /* sum of the fragments */
	uint8_t gso_type;       /* PVF_NET_GSO_* */
	uint16_t gso_size;
	uint8_t hash_type;      /* _XEN_NETIF_CTRL_HASH_TYPE_* bit number */
	uint32_t hash;
	uint32_t nr_frags;
	struct pvf_net_rx_frag frags[PVF_NET_MAX_FRAGS];
};

/* ---- configuration ------------------------------------------------------- */

struct pvf_net_config {
	/* Frontend xenstore directory, e.g. "device/vif/0" (with `backend`,
	 * `backend-id` and `mac` keys).  Required; < PVF_NET_PATH_MAX. */
	const char *node;
	/* Queues wanted, 1..PVF_NET_MAX_QUEUES; clamped to the backend's
	 * multi-queue-max-queues.  Default 1.  Cost per queue: 2 ring pages,
	 * 2 grants, 1 or 2 ports, the RX pool, scratch. */
	uint8_t nr_queues;
	/* RX buffers per queue, 24..PVF_NET_RX_RING_SIZE.  Default 256.
	 * Cost: that many pages and grants per queue, 16 bytes of scratch. */
	uint16_t rx_buffers;
	/* Accept multi-slot RX chains (feature-sg).  Default 1. */
	uint8_t rx_sg;
	/* Accept GSO packets on RX (feature-gso-tcpv4/6, needs rx_sg).
	 * Default 1. */
	uint8_t rx_gso;
	/* Accept blank checksums on RX for IPv4 / IPv6 (writes
	 * feature-no-csum-offload / feature-ipv6-csum-offload).  Default 1. */
	uint8_t rx_csum;
	/* Use TX offloads the backend offers (SG, GSO, checksum).  Default 1;
	 * 0 keeps every packet to one slot without offload flags. */
	uint8_t tx_offload;
	/* Split event channels when offered.  Default 1.  Cost: one more
	 * port per queue. */
	uint8_t split_evtchn;
	/* Control ring when offered (feature-ctrl-ring): hash
	 * configuration.  Default 1.  Cost: 3 pages, 1 port. */
	uint8_t ctrl_ring;
	/* Request multicast control when offered.  Default 0. */
	uint8_t multicast_control;
	/* Trust the backend with the caller's pages.  0 = bounce: transmit
	 * data is copied into core-owned pages (zeroed around the data,
	 * granted read-only; fragments then need pvf_net_frag.va), RX pool
	 * pages are zeroed before every grant and received data is copied
	 * into private pages before rx().  Default 1; a frontend `trusted`
	 * key of 0 (written by the toolstack) also forces bounce mode, and
	 * so does a malformed one (logged), as for the block frontend.
	 * Cost when bouncing: PVF_NET_TX_RING_SIZE pages per queue plus
	 * PVF_NET_MAX_FRAGS pages per device, allocated at setup, and a copy
	 * of every packet each way. */
	uint8_t trusted;
	/* Polled mode: the caller calls pvf_net_poll(); events are not
	 * needed.  If the platform has no event channels (-PVF_ENOSYS) no
	 * event-channel key is written.  Default 0. */
	uint8_t polled;
	/* Received packets (may be NULL: dropped).  @pkt is valid during
	 * the call only. */
	void (*rx)(void *arg, const struct pvf_net_rx_pkt *pkt);
	void *rx_arg;
	/* XenBus tunables (may be NULL: defaults). */
	const struct pvf_xenbus_config *xenbus;
	/* Caller memory, pvf_net_scratch_size() bytes, 8-byte aligned,
	 * owned by the core from init until destroy. */
	void *scratch;
	size_t scratch_size;
};

/* What the backend advertised. */
struct pvf_net_backend {
	bool rx_copy, rx_flip, rx_notify, sg, gso_tcpv4, gso_tcpv6;
	bool no_csum_offload, ipv6_csum_offload, split_evtchn, ctrl_ring;
	bool multicast_control, dynamic_multicast_control;
	uint32_t max_queues;    /* multi-queue-max-queues, 0 if absent */
};

/* The negotiated result (valid after setup). */
struct pvf_net_info {
	uint8_t mac[6];
	uint32_t mtu;           /* frontend `mtu` key, default 1500 */
	bool carrier;           /* backend `carrier`, default up */
	uint32_t nr_queues;
	bool split_evtchn, ctrl_ring, multicast_control;
	bool tx_sg, tx_gso_tcpv4, tx_gso_tcpv6, tx_csum_ipv4, tx_csum_ipv6;
	bool rx_sg, rx_gso_tcpv4, rx_gso_tcpv6, rx_csum_ipv4, rx_csum_ipv6;
	bool polled_no_evtchn;  /* polled mode without event channels */
	bool bounce;            /* untrusted backend: data copied through the
				 * core's bounce pages (config trusted AND
				 * the frontend `trusted` key) */
	/* hash state (after pvf_net_hash_configure() completed) */
	bool hash_on;
	uint32_t hash_flags;    /* accepted XEN_NETIF_CTRL_HASH_TYPE_* */
	uint32_t hash_mapping_size;
};

struct pvf_net_stats {
	uint64_t tx_packets, tx_errors, tx_dropped, tx_slots, tx_notifies;
	uint64_t rx_packets, rx_bytes, rx_errors, rx_slots, rx_notifies;
	uint64_t events, spurious;     /* on_event calls / that found nothing */
	uint64_t ctrl_msgs;
};

/* Hash configuration for pvf_net_hash_configure(). */
struct pvf_net_hash_cfg {
	uint32_t flags;         /* XEN_NETIF_CTRL_HASH_TYPE_*; clamped to what
				 * the backend supports */
	uint32_t key_len;       /* 0..PVF_NET_HASH_KEY_MAX */
	uint8_t key[PVF_NET_HASH_KEY_MAX];
	uint32_t mapping_size;  /* 0 (modulo) .. PVF_NET_HASH_MAPPING_MAX;
				 * clamped to the backend's maximum */
	const uint32_t *mapping;/* queue per entry (< nr_queues); copied */
};

/* ---- private ------------------------------------------------------------- */

struct pvf_net_txs;
struct pvf_net_rxb;

struct pvf_net_queue {
	netif_tx_front_ring_t tx;
	netif_rx_front_ring_t rx;
	void *tx_va, *rx_va;
	uint64_t tx_frame, rx_frame;
	uint32_t tx_ref, rx_ref;
	bool tx_granted, rx_granted, rings_live;
	uint32_t tx_port, rx_port;      /* equal unless split; 0 none */
	RING_IDX tx_pushed, rx_pushed;  /* private copies of req_prod */
	struct pvf_net_txs *txs;        /* PVF_NET_TX_RING_SIZE (scratch) */
	uint16_t tx_free;               /* free id list head */
	uint16_t tx_nfree;
	void *tb_va;                    /* bounce: PVF_NET_TX_RING_SIZE pages, page = id */
	uint64_t *tb_frames;            /* their frames (scratch) */
	uint16_t tx_bheld;              /* bounce pages quarantined (still mapped) */
	void *pool_va;                  /* rx_buffers pages */
	uint64_t *rx_frames;            /* rx_buffers frames (scratch) */
	struct pvf_net_rxb *rxb;        /* rx_buffers (scratch) */
	uint16_t *rx_slot;              /* ring slot -> buffer (scratch) */
	uint16_t *rx_free;              /* stack of free buffers (scratch) */
	uint16_t rx_nfree, rx_held;
	struct pvf_net_tx *pend_head, *pend_tail;
};

struct pvf_net_ctrl {
	xen_netif_ctrl_front_ring_t ring;
	void *va;                       /* ring, key, mapping pages */
	uint64_t frames[3];
	uint32_t ring_ref, data_ref;
	bool ring_granted, data_granted, live;
	uint32_t port;
	RING_IDX pushed;
	uint16_t next_id, out_id, out_type;
	bool busy;                      /* a request is outstanding */
	uint8_t step;                   /* hash configuration step */
	bool disable;                   /* the job disables hashing */
	struct pvf_net_hash_cfg job;
	void (*done)(void *arg, int status);
	void *done_arg;
};

struct pvf_net {
	struct pvf_xenbus_dev xb;
	const struct pvf_platform *plat;
	struct pvf_net_config cfg;      /* private copy */
	char node[PVF_NET_PATH_MAX];
	struct pvf_broken brk;
	bool set_up, connected, destroyed;
	struct pvf_net_backend be;
	struct pvf_net_info info;
	struct pvf_net_stats stats;
	struct pvf_net_queue q[PVF_NET_MAX_QUEUES];
	struct pvf_net_ctrl ctrl;
	void *rxc_va;                   /* bounce: PVF_NET_MAX_FRAGS private RX pages */
	uint32_t held[PVF_NET_HELD_MAX];
	uint32_t nr_held, lost_held;
	int setup_err;                  /* last setup error (diagnostics) */
};

/* ---- API ----------------------------------------------------------------- */

/* Fill @cfg with the defaults documented above (node, rx, scratch NULL). */
void pvf_net_config_default(struct pvf_net_config *cfg);

/*
 * pvf_net_scratch_size - scratch bytes @cfg needs.
 * Returns the size (> 0); 0 if @cfg is out of range.
 */
size_t pvf_net_scratch_size(const struct pvf_net_config *cfg);

/*
 * pvf_net_init - prepare @net (caller-owned, overwritten) and create its
 * XenBus device on cfg->node (pvf_xenbus_create: reads backend and
 * backend-id, watches the backend state, writes Initialising).
 * @plat and the scratch memory must outlive @net.  Allocates nothing.
 * Returns 0; -PVF_EINVAL (platform with holes, value out of range, node
 * too long, scratch missing, misaligned or small); errors of
 * pvf_xenbus_create (-PVF_ENOENT, -PVF_ERANGE, -PVF_E2BIG, xenstore).
 */
int pvf_net_init(struct pvf_net *net, const struct pvf_platform *plat,
		 const struct pvf_net_config *cfg);

/* The embedded XenBus device: pump it, close it, hand it over. */
struct pvf_xenbus_dev *pvf_net_xenbus(struct pvf_net *net);

/* The driver callbacks the embedded device uses (drv = struct pvf_net). */
extern const struct pvf_xenbus_ops pvf_net_xenbus_ops;

/*
 * pvf_net_read_backend - parse the backend's feature keys under @dir into
 * @be.  Absent keys are off (max_queues 0); a malformed boolean counts as
 * off (feature-no-csum-offload as on) and is logged.
 * Returns 0; -PVF_EOPNOTSUPP if feature-rx-copy is not "1" (page flipping
 * is not supported; logged as an error); xs_read errors other than ENOENT.
 */
int pvf_net_read_backend(const struct pvf_platform *p, const char *dir,
			 struct pvf_net_backend *be);

/*
 * pvf_net_parse_mac - strictly parse "aa:bb:cc:dd:ee:ff" (exactly 17
 * characters, hex digits of either case, ':' separators) into @mac.
 * Returns 0; -PVF_EINVAL (malformed, or a multicast address).
 */
int pvf_net_parse_mac(const char *s, uint8_t mac[6]);

/*
 * pvf_net_transmit - hand @tx to the core.
 * Validates, then puts it on its queue's ring (granting each fragment
 * read-only, or in bounce mode a zeroed core page holding a copy of it) or, if the ring is full or the device not connected, on the
 * queue's pending list; never consumes responses (completions only come
 * from poll/on_event, so no event is made spurious).
 * On 0 the core borrows @tx until done() returns; on error @tx stays the
 * caller's and no callback comes.
 * Returns 0; -PVF_EINVAL (no done, bad fragments, a fragment without va
 * in bounce mode, size 0 or > 65535, too
 * many fragments, gso_size 0, mcast with fragments); -PVF_EOPNOTSUPP
 * (several fragments without feature-sg, GSO or checksum offload not
 * negotiated, multicast control not negotiated); -PVF_ENOSPC (out of
 * grant references); -PVF_EPROTO (broken); -PVF_ESHUTDOWN (destroyed).
 */
int pvf_net_transmit(struct pvf_net *net, struct pvf_net_tx *tx);

/*
 * pvf_net_poll - consume TX and RX responses and control responses on
 * every queue, complete transmits, deliver packets, refill the RX ring
 * and issue pending transmits.
 * Returns the number of responses consumed (>= 0); -PVF_EPROTO when the
 * device is (or just became) broken; -PVF_ENOTCONN if not connected.
 */
int pvf_net_poll(struct pvf_net *net);

/*
 * pvf_net_on_event - event channel @port fired: serve what it belongs to
 * (TX, RX or both of one queue, or the control ring).  An event that finds
 * no response is counted in stats.spurious.
 * Returns as pvf_net_poll(); -PVF_EBADF if @port is not one of ours.
 */
int pvf_net_on_event(struct pvf_net *net, uint32_t port);

/*
 * pvf_net_hash_configure - program Toeplitz hashing over the control ring
 * (algorithm, flags, key, mapping table size and table), one message at
 * a time; @done(@arg, status) runs once at the end from poll/on_event:
 * 0, or -PVF_EOPNOTSUPP / -PVF_EINVAL / -PVF_E2BIG (backend status),
 * -PVF_EPROTO (bad control response), -PVF_ECANCELED (disconnected).
 * @hc NULL disables hashing (algorithm NONE).  @hc is copied.  A new
 * connection starts without hashing: configure again after a reconnect.
 * Returns 0 (started); -PVF_EOPNOTSUPP (no control ring); -PVF_EBUSY (a
 * job is running); -PVF_EINVAL (key or table too large, an entry >=
 * nr_queues, NULL done); -PVF_ENOTCONN; -PVF_EPROTO.
 */
int pvf_net_hash_configure(struct pvf_net *net, const struct pvf_net_hash_cfg *hc,
			   void (*done)(void *arg, int status), void *arg);

/*
 * pvf_net_refresh_link - re-read the backend's `carrier` key (the XenBus
 * watch covers only the state node) into info.carrier.  Absent or
 * malformed means up (a malformed value is logged).
 * Returns 1 up, 0 down; -PVF_EINVAL (NULL @net); -PVF_E2BIG (backend path
 * too long); errors of ops->xs_read other than a missing key (-PVF_EACCES,
 * -PVF_EIO, ...).
 */
int pvf_net_refresh_link(struct pvf_net *net);

/*
 * pvf_net_destroy - end of life: pvf_xenbus_destroy (disconnect and
 * release if needed), then complete every queued transmit with
 * -PVF_ESHUTDOWN.  Does not write xenstore state (close first).
 * Returns 0; -PVF_EBUSY if grants are still held (their pages are leaked
 * rather than reused); -PVF_EINVAL.
 */
int pvf_net_destroy(struct pvf_net *net);

/* Grants held back because the backend still maps them (caller pages,
 * RX pool pages and quarantined bounce pages). */
uint32_t pvf_net_held_grants(const struct pvf_net *net);
/* Negotiated parameters / backend features / counters. */
const struct pvf_net_info *pvf_net_get_info(const struct pvf_net *net);
const struct pvf_net_backend *pvf_net_get_backend(const struct pvf_net *net);
const struct pvf_net_stats *pvf_net_get_stats(const struct pvf_net *net);
/* 1 if the device is in the sticky broken state, else 0. */
int pvf_net_is_broken(const struct pvf_net *net);
/* 1 if connected (backend Connected and connect() ran), else 0. */
int pvf_net_is_connected(const struct pvf_net *net);
/* The event channel of queue @qi's TX or RX side (@rx != 0); 0 if none. */
uint32_t pvf_net_port(const struct pvf_net *net, unsigned int qi, int rx);
/* The control ring's event channel; 0 if none. */
uint32_t pvf_net_ctrl_port(const struct pvf_net *net);

#endif /* PVFRONT_NET_H */
