/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Private header of the network frontend core.
 */
#ifndef PVF_NET_INTERNAL_H
#define PVF_NET_INTERNAL_H

#include "../../common/internal.h"
#include <pvfront/barrier.h>
#include <pvfront/net.h>
#include <pvfront/xs.h>

#define PVF_NET_NONE16 0xffffu
#define PVF_NET_NOREF 0xffffffffu

/* The wire sizes themselves are checked once, in common/abi.c. */
_Static_assert(__CONST_RING_SIZE(netif_tx, 4096) == PVF_NET_TX_RING_SIZE, "tx ring size");
_Static_assert(__CONST_RING_SIZE(netif_rx, 4096) == PVF_NET_RX_RING_SIZE, "rx ring size");
_Static_assert(PVF_NET_GSO_TCPV4 == XEN_NETIF_GSO_TYPE_TCPV4 &&
	       PVF_NET_GSO_TCPV6 == XEN_NETIF_GSO_TYPE_TCPV6, "GSO types match the wire");

/* TX shadow slot states. */
enum pvf_net_txs_state {
	PVF_NET_TXS_FREE = 0,
	PVF_NET_TXS_INFLIGHT = 1,
	PVF_NET_TXS_QUARANTINED = 2, /* bounce page still mapped: id and page
				      * unused until its grant (gref) ends */
};

/* Caller packet states (p_state). */
enum pvf_net_tx_state {
	PVF_NET_TXP_IDLE = 0,     /* the caller's */
	PVF_NET_TXP_PENDING = 1,  /* on a queue's pending list */
	PVF_NET_TXP_RING = 2,     /* on the ring, p_left responses due */
};

/* One TX id (data slot): the private copy of what was sent. */
struct pvf_net_txs {
	struct pvf_net_tx *pkt;
	uint32_t gref;            /* PVF_NET_NOREF for a multicast request */
	uint16_t next_free;
	uint8_t state;
	uint8_t bounced;          /* gref names this id's bounce page */
};

/* RX buffer states. */
enum pvf_net_rxb_state {
	PVF_NET_RXB_FREE = 0,     /* on the free stack, not granted */
	PVF_NET_RXB_POSTED = 1,   /* granted, on the ring */
	PVF_NET_RXB_HELD = 2,     /* grant still mapped at end: never reused */
	PVF_NET_RXB_TAKEN = 3,    /* grant ended, being delivered */
};

struct pvf_net_rxb {
	uint32_t gref;
	uint8_t state;
};

/* net_negotiate.c */
int pvf_net_read_trusted(struct pvf_net *net, bool *trusted);
int pvf_net_negotiate(struct pvf_net *net);
int pvf_net_write_frontend(struct pvf_net *net, uint32_t txn);
int pvf_net_read_link(struct pvf_net *net);

/* net_queue.c */
int pvf_net_queues_setup(struct pvf_net *net);
int pvf_net_queues_release(struct pvf_net *net);
void pvf_net_notify(struct pvf_net *net, uint32_t port);
int pvf_net_end_grant(struct pvf_net *net, uint32_t ref);
void pvf_net_break(struct pvf_net *net, const char *why, uint32_t a, uint32_t b);
int pvf_net_retry_held(struct pvf_net *net);

/* net_tx.c */
void pvf_net_tx_reset(struct pvf_net_queue *q);
int pvf_net_tx_poll(struct pvf_net *net, struct pvf_net_queue *q);
void pvf_net_tx_kick(struct pvf_net *net, struct pvf_net_queue *q);
void pvf_net_tx_cancel_inflight(struct pvf_net *net, struct pvf_net_queue *q);
void pvf_net_tx_finish(struct pvf_net *net, struct pvf_net_tx *tx, int status);
int pvf_net_tx_bounce_reclaim(struct pvf_net *net, struct pvf_net_queue *q);

/* net_rx.c */
void pvf_net_rx_reset(struct pvf_net *net, struct pvf_net_queue *q);
int pvf_net_rx_poll(struct pvf_net *net, struct pvf_net_queue *q);
void pvf_net_rx_refill(struct pvf_net *net, struct pvf_net_queue *q);
int pvf_net_rx_reclaim(struct pvf_net *net, struct pvf_net_queue *q);

/* net_ctrl.c */
int pvf_net_ctrl_setup(struct pvf_net *net);
int pvf_net_ctrl_release(struct pvf_net *net);
void pvf_net_ctrl_disconnect(struct pvf_net *net);
int pvf_net_ctrl_poll(struct pvf_net *net);

#endif
