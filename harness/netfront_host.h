/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The harness's host for the real network frontend core (prefix pvf_nfh_):
 * plays the guest OS around a struct pvf_net over the loopback guest
 * platform.  It owns the core's scratch memory, a pool of guest pages for
 * transmit buffers, the event-channel bindings (every port the core
 * allocates is bound to pvf_net_on_event) and the xenstore watch pump
 * (watch events go to pvf_xenbus_on_watch of the core's embedded XenBus
 * device, timeouts to pvf_xenbus_poll).  The core itself negotiates,
 * connects, reconnects and closes.
 *
 * Threads: everything runs in the caller's thread (the one that pumps);
 * the core is called only from there.
 *
 * Ownership: struct pvf_nfh is the caller's (pvf_nfh_open overwrites it);
 * it borrows the guest handle, which must outlive it.  Every page, grant,
 * port and watch it or the core takes is given back by pvf_nfh_close(),
 * except pages whose grant the backend still maps (leaked on purpose, as a
 * guest must; pvf_nfh_close() then returns -PVF_EBUSY).
 */
#ifndef PVF_HARNESS_NETFRONT_HOST_H
#define PVF_HARNESS_NETFRONT_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <pvfront/loopback.h>
#include <pvfront/net.h>

#define PVF_NFH_TX_CTX 512u   /* transmits the host can have outstanding */

/* Receive callback: @pkt as the core delivers it (valid during the call);
 * see pvf_nfh_linearize(). */
typedef void pvf_nfh_rx_fn(void *arg, const struct pvf_net_rx_pkt *pkt);

struct pvf_nfh_config {
	const char *fe_dir;       /* frontend xenstore directory (toolstack made it) */
	unsigned int queues;      /* wanted, 1..PVF_NET_MAX_QUEUES (0: 1) */
	unsigned int tx_pages;    /* transmit buffer pages (0: 1024) */
	int no_tx_offload;        /* pvf_net_config.tx_offload = 0 */
	int no_rx_csum;           /* pvf_net_config.rx_csum = 0 (feature-no-csum-offload) */
	int no_rx_gso;            /* pvf_net_config.rx_gso = 0 */
	int multicast_control;    /* pvf_net_config.multicast_control = 1 (default off) */
	pvf_nfh_rx_fn *rx;        /* may be NULL: received packets are dropped */
	void *rx_arg;
};

/* One transmit context (private). */
struct pvf_nfh_tx {
	struct pvf_net_tx tx;
	struct pvf_net_frag frags[PVF_NET_MAX_FRAGS];
	uint16_t pages[PVF_NET_MAX_FRAGS]; /* pool page indexes */
	struct pvf_nfh *h;
	struct pvf_nfh_tx *next_free;
};

struct pvf_nfh_stats {
	uint64_t sent;            /* transmits handed to the core */
	uint64_t tx_ok;           /* done() with 0 */
	uint64_t tx_failed;       /* done() with an error */
	int last_tx_error;
	uint64_t rx_packets, rx_bytes;
	uint64_t unknown_port;    /* events on a port the core disowned */
};

struct pvf_nfh {
	struct pvf_lb_guest *g;
	const struct pvf_platform *p;
	struct pvf_net net;
	void *scratch;
	struct pvf_nfh_config cfg;
	/* transmit pool */
	void *pool;               /* tx_pages guest pages */
	uint64_t *frames;
	uint16_t *free_pages;     /* stack */
	unsigned int nfree_pages, npages;
	struct pvf_nfh_tx *ctx;   /* PVF_NFH_TX_CTX */
	struct pvf_nfh_tx *free_ctx;
	unsigned int outstanding; /* contexts borrowed by the core */
	/* event channels bound to the core */
	uint32_t bound[2 * PVF_NET_MAX_QUEUES + 1];
	int broken;               /* the core reported -PVF_EPROTO */
	int inited;
	struct pvf_nfh_stats st;
};

/*
 * pvf_nfh_open - allocate scratch and the transmit pool, initialise the
 * core on cfg->fe_dir (it writes Initialising and watches the backend).
 * Returns 0; -PVF_EINVAL (bad config); -PVF_ENOMEM (host memory or guest
 * pages); errors of pvf_net_init().  On failure nothing is left behind.
 */
int pvf_nfh_open(struct pvf_nfh *h, struct pvf_lb_guest *g, const struct pvf_nfh_config *cfg);

/*
 * pvf_nfh_pump - wait up to @timeout_ms for events (0: none), deliver
 * them to the core, feed watch events and timeouts to its XenBus device
 * and bind any new event channel.
 * Returns 0; -PVF_EPROTO once the core reported the device broken.
 */
int pvf_nfh_pump(struct pvf_nfh *h, int timeout_ms);

/* Pump until the core is connected.  Returns 0; -PVF_ETIMEDOUT;
 * -PVF_ECONNRESET (the XenBus device stayed Closed for 500 ms: the
 * backend refused us); -PVF_EPROTO. */
int pvf_nfh_wait_connected(struct pvf_nfh *h, int timeout_ms);

/*
 * pvf_nfh_send - copy @len bytes into pool pages and transmit them on
 * @queue with PVF_NET_TX_* @flags and GSO @gso_type/@gso_size (0: none).
 * Returns 0; -PVF_EAGAIN (no free context or pages: pump and retry);
 * -PVF_EINVAL (len 0 or > PVF_NET_MAX_PKT); errors of pvf_net_transmit()
 * (-PVF_EOPNOTSUPP several pages without feature-sg ...).
 */
int pvf_nfh_send(struct pvf_nfh *h, unsigned int queue, const void *data, size_t len,
		 uint16_t flags, uint8_t gso_type, uint16_t gso_size);

/* Transmits handed to the core and not yet completed. */
unsigned int pvf_nfh_tx_outstanding(const struct pvf_nfh *h);

/* Copy @pkt's fragments into @buf (@size bytes).  Returns the packet
 * length, or 0 if it does not fit. */
size_t pvf_nfh_linearize(const struct pvf_net_rx_pkt *pkt, void *buf, size_t size);

/*
 * pvf_nfh_close - close the XenBus device (Closing, wait for the backend,
 * Closed, release), destroy the core, unbind, free the pool and scratch.
 * Safe on a zeroed or failed-open host.  Returns 0; -PVF_ETIMEDOUT (the
 * backend did not close; destroyed anyway); -PVF_EBUSY (grants still
 * mapped: their pages stay allocated).
 */
int pvf_nfh_close(struct pvf_nfh *h, int timeout_ms);

#endif
