/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private to harness/netback*.c: the backend's state, shared between the
 * XenBus thread (netback.c, netback_xs.c, netback_ctrl.c) and the queue
 * workers (netback_tx.c, netback_rx.c).
 */
#ifndef PVF_HARNESS_NETBACK_INTERNAL_H
#define PVF_HARNESS_NETBACK_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include <pvfront/xen.h>
#include <xen/io/netif.h>
#include "netback.h"

#define NB_PAGE        4096u
#define NB_ETH_HLEN    14u
#define NB_MAX_PKT     (65535u + 14u)
#define NB_VNET_HLEN   10u /* struct virtio_net_hdr */

_Static_assert(sizeof(struct netif_tx_request) == 12, "netif tx request");
_Static_assert(sizeof(struct netif_tx_response) == 4, "netif tx response");
_Static_assert(sizeof(struct netif_rx_request) == 8, "netif rx request");
_Static_assert(sizeof(struct netif_rx_response) == 8, "netif rx response");
_Static_assert(sizeof(struct netif_extra_info) == 8, "netif extra info");
_Static_assert(sizeof(struct xen_netif_ctrl_request) == 16, "netif ctrl request");
_Static_assert(sizeof(struct xen_netif_ctrl_response) == 12, "netif ctrl response");

struct nb_txpkt;

struct nb_queue {
	struct pvf_nb *nb;
	unsigned int idx;
	struct pvf_lb_backend *be;       /* this worker's own handle */
	uint32_t tx_ref, rx_ref;
	int tx_mapped, rx_mapped;
	struct netif_tx_back_ring tx;
	struct netif_rx_back_ring rx;
	uint32_t port_tx, port_rx;       /* equal without split channels */
	int bound_tx, bound_rx;
	int evfd;                        /* event handlers kick the worker */
	int tap_fd;                      /* -1 unless this queue reads the TAP */
	pthread_t thread;
	int running;
	volatile int stop;
	int fatal;
	uint8_t *pkt;                    /* NB_VNET_HLEN + NB_MAX_PKT bytes (TX) */
	struct nb_txpkt *txp;            /* the TX packet being parsed */
	uint8_t *rxbuf;                  /* NB_VNET_HLEN + NB_MAX_PKT bytes (TAP) */
	size_t rx_pending;               /* frame length waiting in rxbuf, 0: none */
	/* Echo: a frame accepted from TX whose echo found no room on the
	 * queue it is steered to; it waits in pkt (TX parsing stops). */
	size_t echo_len;                 /* 0: none */
	uint16_t echo_flags;             /* NETRXF_* */
	struct netif_extra_info echo_gso;/* type 0: none */
	/* The RX ring is filled by this queue's worker and, when steering
	 * sends frames here, by other workers and pvf_nb_inject(): every use
	 * of rx (and rx_pending's ring checks) holds rx_lock. */
	pthread_mutex_t rx_lock;
	uint32_t rx_waiters;             /* workers (bit = queue) waiting for room
					    here; this queue's event kicks them (atomic) */
};

struct pvf_nb {
	struct pvf_nb_config cfg;
	unsigned int max_queues;
	struct pvf_lb_backend *be;       /* the XenBus thread's handle */
	pthread_t thread;
	volatile int stop;
	int tap_fd;
	struct nb_queue q[PVF_NB_MAX_QUEUES];
	unsigned int nq;                 /* queues connected (or being connected) */
	unsigned int nq_req;             /* queues the frontend asked for */
	/* control ring */
	uint32_t ctrl_ref, ctrl_port;
	int ctrl_mapped, ctrl_bound;
	struct xen_netif_ctrl_back_ring ctrl;
	volatile int ctrl_kick;
	pthread_mutex_t lock;            /* hash, fe */
	struct pvf_nb_hash hash;
	int steer_on;                    /* hash.algorithm is Toeplitz (atomic copy) */
	struct pvf_nb_frontend fe;       /* fe.mcast_control: atomic (dynamic) */
	/* Held for reading by pvf_nb_inject(), for writing while `live`
	 * changes; live: every queue connected and its worker running. */
	pthread_rwlock_t conn_lock;
	int live;
	struct pvf_nb_stats st;          /* counters: __atomic ops */
	int64_t gen_left;                /* GEN mode: frames still to make (atomic) */
};

#define NB_ADD(nb, field, n) __atomic_fetch_add(&(nb)->st.field, (n), __ATOMIC_RELAXED)

/* Profile capabilities. */
int nb_prof_sg(const struct pvf_nb *nb);
int nb_prof_gso(const struct pvf_nb *nb);
int nb_prof_ctrl(const struct pvf_nb *nb);
int nb_prof_split(const struct pvf_nb *nb);
int nb_prof_mcast(const struct pvf_nb *nb);
int nb_prof_xdp(const struct pvf_nb *nb);

/* Record the first error. */
void nb_set_error(struct pvf_nb *nb, int err);
void nb_log(const struct pvf_nb *nb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* netback_ring.c: hardened request counting.  Returns the number of
 * unconsumed requests (0..@size) and *prod, or -PVF_EPROTO when the
 * producer is more than a ring ahead. */
int nb_ring_pending(const RING_IDX *req_prod, RING_IDX cons, unsigned int size, RING_IDX *prod);
/* Re-arm req_event at cons + @want and check again: like
 * nb_ring_pending() after the barrier. */
int nb_ring_rearm(RING_IDX *req_event, const RING_IDX *req_prod, RING_IDX cons,
		  unsigned int want, unsigned int size, RING_IDX *prod);
/* Mark queue @q broken for a ring violation: it stops serving. */
void nb_queue_fatal(struct nb_queue *q, const char *why);

/* netback_tx.c: consume up to @budget TX packets.  Returns packets handled
 * (>= 0); on a ring violation marks the queue fatal and returns 0. */
int nb_tx_work(struct nb_queue *q, unsigned int budget);
/* Bytes to allocate for q->txp. */
size_t nb_txpkt_size(void);

/* netback_rx.c */
/* Put one frame on @q's RX ring (rx-copy); the caller holds q->rx_lock.
 * @flags: NETRXF_* for the first slot; @gso: a GSO extra to attach or
 * NULL (dropped if the frontend did not ask for that type); @hash: a HASH
 * extra or NULL.  Returns 1 (delivered or dropped as too big), -PVF_EAGAIN
 * (not enough RX requests; nothing consumed; *@need, if not NULL, is the
 * number of slots the frame needs), -PVF_EPROTO (ring violation, queue
 * marked fatal). */
int nb_rx_put(struct nb_queue *q, const uint8_t *data, size_t len, uint16_t flags,
	      const struct netif_extra_info *gso, const struct netif_extra_info *hash,
	      unsigned int *need);
/* RX slots a frame of @len bytes needs, plus @extras extra-info slots. */
unsigned int nb_rx_slots(const struct nb_queue *q, size_t len, unsigned int extras);
/* Publish RX responses and notify if the frontend asked; the caller
 * holds q->rx_lock. */
void nb_rx_push(struct nb_queue *q);
/*
 * Send a frame towards the frontend: multicast filter, steering (queue
 * @dflt without it), then the chosen queue's RX ring under its lock.
 * @self: the calling worker (registered as a waiter on the chosen queue
 * when it is full) or NULL; @dirty: bit per queue whose responses still
 * need nb_rx_flush(), or NULL to push at once.
 * Returns 1 (put, or dropped and counted), 0 (filtered), -PVF_EAGAIN (no
 * room: nothing consumed; @self will be woken).
 */
int nb_rx_deliver(struct pvf_nb *nb, struct nb_queue *self, unsigned int dflt,
		  const uint8_t *f, size_t len, uint16_t flags,
		  const struct netif_extra_info *gso, uint32_t *dirty, unsigned int *target);
/* Push the responses of every queue in @dirty. */
void nb_rx_flush(struct pvf_nb *nb, uint32_t dirty);
/* Wake the workers waiting for room on @q's RX ring (its event fired). */
void nb_rx_kick_waiters(struct nb_queue *q);
/* Move frames from the TAP to the RX ring.  Returns frames moved. */
int nb_tap_rx_work(struct nb_queue *q, unsigned int budget);
/* GEN mode: put generated frames on the RX ring while it has room and
 * frames are left.  Returns frames made. */
int nb_gen_rx_work(struct nb_queue *q, unsigned int budget);
/* Fill @f with the GEN frame of @len bytes: broadcast destination,
 * source 02:00:00:00:00:01, ethertype 0x88b5 (local experimental), payload
 * byte i = i & 0xff. */
void nb_gen_frame(uint8_t *f, size_t len);

/* netback_pkt.c: the hash input of an Ethernet frame for hash types
 * @flags (XEN_NETIF_CTRL_HASH_TYPE_*), as netif.h defines them: IPv4 or
 * IPv6 (ethertype at offset 12, no VLAN tag) addresses, plus the TCP ports
 * when the packet is TCP, not a fragment, and the TCP type is enabled.
 * Returns the input length (8, 12, 32 or 36) in @buf and *type (the
 * _XEN_NETIF_CTRL_HASH_TYPE_* number), or 0 when no enabled type applies. */
size_t nb_hash_input(const uint8_t *f, size_t len, uint32_t flags, uint8_t buf[36],
		     unsigned int *type);
/* netback_ctrl.c: 1 if frame @f may go to the frontend: not multicast,
 * broadcast, no multicast control, or a group the frontend joined; else 0. */
int nb_mcast_pass(struct pvf_nb *nb, const uint8_t *f, size_t len);
/* The queue for frame @f (@dflt when the frontend set no Toeplitz hashing)
 * and in *@ex the HASH extra to attach (ex->type 0: none). */
unsigned int nb_rx_steer(struct pvf_nb *nb, const uint8_t *f, size_t len, unsigned int dflt,
			 struct netif_extra_info *ex);

/* netback_pkt.c: find the L4 checksum field of an Ethernet frame.
 * Returns 0 with *start (L4 offset) and *off (checksum offset within L4),
 * *proto (6 or 17), or -PVF_EINVAL (not TCP/UDP over IPv4/IPv6). */
int nb_pkt_l4(const uint8_t *f, size_t len, unsigned int *start, unsigned int *off,
	      unsigned int *proto);
/* Write the pseudo-header checksum (not inverted, folded) into the L4
 * checksum field, as a CHECKSUM_PARTIAL packet carries it.  Returns 0 or
 * -PVF_EINVAL. */
int nb_pkt_pseudo_csum(uint8_t *f, size_t len);
/* Fill a virtio_net_hdr (NB_VNET_HLEN bytes at @hdr) for a frame with
 * csum_blank and/or a GSO extra.  Returns 0 or -PVF_EINVAL. */
int nb_pkt_vnet_hdr(uint8_t *hdr, uint8_t *f, size_t len, int csum_blank,
		    const struct netif_extra_info *gso);

/* netback_ctrl.c: serve the control ring (XenBus thread). */
void nb_ctrl_work(struct pvf_nb *nb);
void nb_ctrl_reset(struct pvf_nb *nb);
/* Multicast filter from TX extras.  Returns 0 or -PVF_ENOSPC/-PVF_ENOENT. */
int nb_mcast_update(struct pvf_nb *nb, const uint8_t addr[6], int add);

/* netback_xs.c: connect / disconnect (XenBus thread). */
int nb_connect(struct pvf_nb *nb, void *xs);
void nb_disconnect(struct pvf_nb *nb);
int nb_advertise(struct pvf_nb *nb, void *xs);
/* feature-dynamic-multicast-control: re-read request-multicast-control
 * while connected.  Returns 0 or the read error (the setting stays). */
int nb_mcast_reread(struct pvf_nb *nb, void *xs);

#endif
