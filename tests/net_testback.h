/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Test backend for the network frontend tests: plays netback in the same
 * process over the fake platform (tests/fake_platform.h).  It "maps" the
 * frontend's grants by looking up the granted frame in the fake's page
 * records, serves the TX ring (checking slots, extras and flags and
 * copying the packet out), produces RX responses into posted buffers,
 * implements the control ring (hash algorithm, flags, key, mapping) and
 * can be told to misbehave.  Fixture helpers drive a struct pvf_net
 * through the XenBus state machine.
 */
#ifndef PVF_TESTS_NET_TESTBACK_H
#define PVF_TESTS_NET_TESTBACK_H

#include <stdint.h>
#include <pvfront/net.h>
#include "fake_platform.h"

#define NTB_FE "device/vif/0"
#define NTB_BE "/local/domain/0/backend/vif/1/0"
#define NTB_MAC "00:16:3e:12:34:56"

enum ntb_profile {
	NTB_LINUX = 0,   /* rx-copy, sg, gso4/6, csum, mq 4, split, ctrl, mcast */
	NTB_QEMU = 1,    /* xen_nic: rx-copy only */
	NTB_MINIMAL = 2, /* no rx-copy: must be refused */
};

/* TX misbehaviour, applied to the next packets served. */
enum ntb_tx_mis {
	NTB_TX_OK = 0,
	NTB_TX_BAD_ID,      /* first response id 999 */
	NTB_TX_DUP,         /* the second packet's response repeats the first's id */
	NTB_TX_HOLD_MAPPED, /* keep the first data grant mapped */
};

/* One packet as the backend saw it. */
struct ntb_pkt {
	uint8_t data[65536];
	uint32_t len;          /* bytes copied */
	uint32_t first_size;   /* size field of the first request */
	uint16_t flags;        /* wire NETTXF_* of the first request */
	unsigned int nslots;   /* data slots */
	unsigned int nextras;
	uint8_t gso_type;
	uint16_t gso_size;
	uint8_t mcast_type;    /* XEN_NETIF_EXTRA_TYPE_MCAST_* or 0 */
	uint8_t mcast[6];
};

struct ntb_queue {
	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	uint32_t tx_ref, rx_ref, tx_port, rx_port;
};

struct ntb {
	struct pvf_fake *f;
	int attached;
	unsigned int nq;
	int split;
	struct ntb_queue q[PVF_NET_MAX_QUEUES];
	/* TX */
	struct ntb_pkt last;
	unsigned int tx_pkts;
	unsigned int tx_bad;       /* malformed requests seen */
	char tx_why[128];
	int tx_mis;                /* enum ntb_tx_mis */
	int16_t tx_status;         /* status answered (default OKAY) */
	int dup_id;                /* internal, NTB_TX_DUP */
	uint32_t held_ref;
	int holding;
	/* multicast filter */
	uint8_t mc[16][6];
	unsigned int nmc;
	/* control ring */
	int ctrl;
	xen_netif_ctrl_back_ring_t cring;
	uint32_t ctrl_ref, ctrl_port;
	uint32_t alg, hflags, hsupported, keylen, map_max, map_size;
	uint8_t key[64];
	uint32_t mapping[PVF_NET_HASH_MAPPING_MAX];
	unsigned int ctrl_msgs;
	int ctrl_bad_id;           /* answer the next ctrl message with a wrong id */
};

/* Write the backend's feature keys for @profile (not the state). */
void ntb_publish(struct pvf_fake *f, enum ntb_profile profile);

void ntb_init(struct ntb *tb, struct pvf_fake *f);
/* Read the frontend's keys and map its rings.  Returns 0 or -1. */
int ntb_attach(struct ntb *tb);
/* Unmap everything (a backend going away). */
void ntb_detach(struct ntb *tb);
/* Serve every TX request of queue @qi.  Returns packets served. */
int ntb_tx_run(struct ntb *tb, unsigned int qi);
/* Release the grant kept by NTB_TX_HOLD_MAPPED. */
void ntb_unhold(struct ntb *tb);

/* How to deliver one packet on RX. */
struct ntb_rx_opts {
	uint16_t flags;        /* wire NETRXF_data_validated / csum_blank */
	uint8_t gso_type;      /* 0 none */
	uint16_t gso_size;
	int hash;              /* add a HASH extra with hash_value */
	uint32_t hash_value;
	uint16_t offset;       /* offset in the first page */
	uint16_t frag;         /* bytes per slot (0: to the end of the page) */
};
/* Deliver @len bytes on queue @qi.  Returns slots used; -1 if the
 * frontend has not posted enough buffers. */
int ntb_rx_send(struct ntb *tb, unsigned int qi, const uint8_t *data, uint32_t len,
		const struct ntb_rx_opts *o);
#define NTB_ID_AUTO 0xffffu
/* Write @n raw responses (id NTB_ID_AUTO = the request's id) into the
 * slots of the next requests (or past them) and push.  Returns 0. */
int ntb_rx_raw(struct ntb *tb, unsigned int qi, const netif_rx_response_t *rsp, unsigned int n);
/* Requests the frontend has posted on queue @qi and the backend not used. */
unsigned int ntb_rx_posted(struct ntb *tb, unsigned int qi);
/* Serve the control ring.  Returns messages served. */
int ntb_ctrl_run(struct ntb *tb);

/* ---- fixture ---------------------------------------------------------------- */

struct ntb_rxcap {
	unsigned int count;
	uint8_t data[65536];
	uint32_t len;
	uint16_t flags, queue, gso_size;
	uint8_t gso_type, hash_type;
	uint32_t nr_frags, hash;
};

struct ntb_fx {
	struct pvf_fake *f;
	struct pvf_platform_ops ops;     /* for tests that patch the platform */
	struct pvf_platform plat;
	struct ntb tb;
	struct pvf_net net;
	struct pvf_net_config cfg;
	void *scratch;
	int inited;
	struct ntb_rxcap rx;
};

/* Fake platform, backend keys for @profile (state Initialising),
 * frontend keys, default config with 64 RX buffers and RX capture. */
struct ntb_fx *ntb_fx_new(enum ntb_profile profile);
/* pvf_net_init with fx->cfg and deliver the registration event.
 * Returns its result. */
int ntb_fx_init(struct ntb_fx *fx);
/* Write the backend state and deliver watch events. */
void ntb_fx_state(struct ntb_fx *fx, int state);
/* Frontend state from xenstore (-1 if missing). */
int ntb_fx_fe_state(struct ntb_fx *fx);
/* init + InitWait + attach + Connected.  Returns 0 or -1. */
int ntb_fx_connect(struct ntb_fx *fx);
/* Backend Closing -> detach -> Closed, pumped. */
void ntb_fx_backend_close(struct ntb_fx *fx);
/* Detach, destroy, then count leaks (grants, pages, ports, watches,
 * txns); frees the fixture.  Returns 0 when clean. */
int ntb_fx_free(struct ntb_fx *fx);

/* A caller packet over pages from the fake platform. */
struct tpkt {
	struct pvf_net_tx tx;
	struct pvf_net_frag frags[PVF_NET_MAX_FRAGS];
	void *va;
	unsigned int npages;
	uint8_t *bytes;        /* the packet contents, contiguous copy */
	uint32_t len;
	int status, calls;
	struct pvf_fake *f;
};
/* @len bytes starting at @offset of the first page, fragments of at
 * most @frag bytes (0: to the page end), pattern from @seed. */
void tpkt_make(struct tpkt *t, struct ntb_fx *fx, uint32_t len, uint16_t offset, uint16_t frag,
	       uint32_t seed);
void tpkt_free(struct tpkt *t);
/* Fill @buf with the test pattern. */
void ntb_pattern(uint8_t *buf, uint32_t len, uint32_t seed);

#endif
