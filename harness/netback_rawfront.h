/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The netback tests' raw frontend (prefix pvf_nbr_), built into
 * tests/test_netback only.  It exists because those tests need a frontend
 * the real core (frontends/net) will never be: one that puts hand-made,
 * invalid TX slots on the ring (pvf_nbr_send_raw), sends arbitrary control
 * messages (pvf_nbr_ctrl), omits request-rx-copy or feature-rx-notify, or
 * asks for an xdp-headroom.  `pvfront net` and pvf_net_job() run the real
 * core (harness/netfront_host.h) instead.  It is deliberately simple: one granted page per ring slot for the whole
 * connection (TX pages read-only, RX pages writable), TX id = ring slot,
 * synchronous XenBus handshake by polling the backend's state.  Responses
 * are still consumed the hardened way (producer once, overflow check, copy
 * out, id and offset+size checks; a violation sets `broken`).
 *
 * Ownership: struct pvf_nbr is the caller's (zero it before attach); it
 * borrows the guest handle; every page, grant and port it takes is given
 * back by pvf_nbr_detach().
 */
#ifndef PVF_HARNESS_NETBACK_RAWFRONT_H
#define PVF_HARNESS_NETBACK_RAWFRONT_H

#include <stddef.h>
#include <stdint.h>
#include <pvfront/loopback.h>
#include <pvfront/xen.h>
#include <xen/io/netif.h>

#define PVF_NBR_MAX_QUEUES 8
#define PVF_NBR_RING 256

struct pvf_nbr_config {
	unsigned int queues;      /* wanted (clamped to the backend's max); 0 = 1 */
	int split;                /* split event channels if offered */
	int ctrl;                 /* a control ring if offered */
	int no_rx_copy;           /* test: do not write request-rx-copy */
	int no_rx_notify;         /* do not write feature-rx-notify */
	int gso;                  /* advertise RX GSO (feature-gso-tcpv4/6) */
	unsigned int xdp_headroom;
};

/* Receive callback: one whole packet (copied into a private buffer). */
typedef void pvf_nbr_rx_fn(void *arg, unsigned int queue, const uint8_t *data, size_t len,
			   uint16_t flags, const struct netif_extra_info *gso);

struct pvf_nbr_stats {
	uint64_t tx_ok, tx_error, tx_dropped, tx_null;  /* TX responses by status */
	uint64_t rx_packets, rx_bytes, rx_errors;
	uint64_t notifies;       /* notifications we sent */
	uint64_t events;         /* events we received */
	uint64_t spurious;       /* events that found no work */
};

struct pvf_nbr_queue {
	struct pvf_nbr *f;
	unsigned int idx;
	struct netif_tx_front_ring tx;
	struct netif_rx_front_ring rx;
	RING_IDX tx_old, rx_old;
	void *tx_ring, *rx_ring;
	uint64_t tx_ring_frame, rx_ring_frame;
	uint32_t tx_ring_ref, rx_ring_ref;
	uint32_t port_tx, port_rx;
	uint8_t *txbuf, *rxbuf;  /* PVF_NBR_RING pages each */
	uint64_t txframe[PVF_NBR_RING], rxframe[PVF_NBR_RING];
	uint32_t txref[PVF_NBR_RING], rxref[PVF_NBR_RING];
	uint8_t tx_busy[PVF_NBR_RING];
	uint32_t ngrants;
	uint8_t *pkt;            /* RX reassembly, 65536 + 4096 bytes */
	volatile int kicked;
};

struct pvf_nbr {
	struct pvf_lb_guest *g;
	const struct pvf_platform *p;
	char fe_dir[256];
	char be_dir[256];
	uint16_t be_domid;
	struct pvf_nbr_config cfg;
	unsigned int nq;
	int split;
	struct pvf_nbr_queue q[PVF_NBR_MAX_QUEUES];
	/* control ring + one data page for keys / mapping tables */
	int have_ctrl;
	struct xen_netif_ctrl_front_ring ctrl;
	RING_IDX ctrl_old;
	void *ctrl_ring, *ctrl_buf;
	uint64_t ctrl_ring_frame, ctrl_buf_frame;
	uint32_t ctrl_ring_ref, ctrl_buf_ref, ctrl_port;
	uint16_t ctrl_id;
	pvf_nbr_rx_fn *rx_fn;
	void *rx_arg;
	struct pvf_nbr_stats st;
	int broken;
};

/*
 * pvf_nbr_attach - connect to the backend named in @fe_dir/backend: wait
 * for its InitWait, set up rings/ports per its features and @cfg, write the
 * keys, Initialised, wait for Connected, then Connected.
 * Returns 0; -PVF_ETIMEDOUT; -PVF_ECONNRESET (the backend went Closing or
 * Closed: it refused us, see its `error` node); -PVF_ENOMEM / -PVF_ENOSPC
 * (pages, grants, ports); xenstore errors.  On failure everything taken is
 * given back.
 */
int pvf_nbr_attach(struct pvf_nbr *f, struct pvf_lb_guest *g, const char *fe_dir,
		   const struct pvf_nbr_config *cfg, int timeout_ms);

/* Close: Closing, wait for the backend's Closed, Closed, then end every
 * grant, free every page, close every port.  Returns 0 or -PVF_EBUSY (a
 * grant still mapped: its page is leaked on purpose, as a guest must). */
int pvf_nbr_detach(struct pvf_nbr *f, int timeout_ms);

/*
 * pvf_nbr_send - queue one packet on queue @q: data slots of at most
 * @max_slot bytes (0: a page), first-slot NETTXF_* @flags, optional @extra
 * (its slot follows the first).  Notifies if the backend asks.
 * Returns 0; -PVF_EAGAIN (ring or buffers full: poll and retry);
 * -PVF_EINVAL (too big, more than 18 slots).
 */
int pvf_nbr_send(struct pvf_nbr *f, unsigned int q, const void *data, size_t len,
		 uint16_t flags, const struct netif_extra_info *extra, size_t max_slot);

/* Put raw TX requests (tests of bad slots) on queue @q and push them.
 * Each request's id is replaced by its slot's buffer index, so responses
 * can be matched.  Returns 0 or -PVF_EAGAIN. */
int pvf_nbr_send_raw(struct pvf_nbr *f, unsigned int q, const struct netif_tx_request *reqs,
		     unsigned int n);
/* The grant ref / address of TX buffer page @i (0..255) of queue @q. */
uint32_t pvf_nbr_tx_ref(struct pvf_nbr *f, unsigned int q, unsigned int i);
void *pvf_nbr_tx_buf(struct pvf_nbr *f, unsigned int q, unsigned int i);

/* Wait up to @timeout_ms for an event, then consume responses on every
 * queue (RX packets go to f->rx_fn).  Returns the number of responses
 * consumed (>= 0), or -PVF_EPROTO once broken. */
int pvf_nbr_poll(struct pvf_nbr *f, int timeout_ms);

/* TX requests still waiting for a response on any queue. */
unsigned int pvf_nbr_tx_inflight(const struct pvf_nbr *f);

/*
 * pvf_nbr_ctrl - one control-ring request, waiting for its response.
 * Use pvf_nbr_ctrl_buf() and pvf_nbr_ctrl_buf_ref() for keys and tables.
 * Returns 0 with *status and *data; -PVF_ENOTCONN (no control ring);
 * -PVF_ETIMEDOUT; -PVF_EPROTO (bad response).
 */
int pvf_nbr_ctrl(struct pvf_nbr *f, uint16_t type, uint32_t d0, uint32_t d1, uint32_t d2,
		 uint32_t *status, uint32_t *data, int timeout_ms);
void *pvf_nbr_ctrl_buf(struct pvf_nbr *f);
uint32_t pvf_nbr_ctrl_buf_ref(struct pvf_nbr *f);

#endif
