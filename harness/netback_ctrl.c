/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netback control ring (XEN_NETIF_CTRL_TYPE_*): hash algorithm, flags, key,
 * mapping table size and content, as netif.h specifies them; the GREF
 * mapping messages are answered NOT_SUPPORTED.  The configuration is
 * recorded in nb->hash for pvf_nb_hash().  Served from the XenBus thread.
 * Requests are copied out once; a producer more than a ring ahead stops the
 * control ring (it is unmapped at disconnect like the others).
 *
 * Its use on the way to the frontend, as Linux xen-netback (interface.c
 * select_queue and start_xmit, hash.c):
 *  - steering: with algorithm Toeplitz, the hash is computed over the
 *    fields the flags select (0 when no selected type applies), and the
 *    frame goes to mapping[hash % mapping_size], or hash % queues when the
 *    table size is 0 (netif.h: "modular arithmetic"); with algorithm NONE
 *    the worker's own choice stands.  When a type applied, a HASH extra
 *    (type, algorithm, value little-endian) goes with the frame: netif.h
 *    says a frontend that enables hashing accepts it.
 *  - multicast filter: with request-multicast-control, a frame whose
 *    destination has the group bit set and is not broadcast passes only
 *    if the frontend added that address with MCAST_ADD.
 * The workers read the configuration under nb->lock; steer_on and
 * fe.mcast_control let them skip the lock when nothing is configured.
 */
#include <string.h>
#include <pvfront/errno.h>
#include <pvfront/ring.h>
#include "netback_internal.h"

#define NB_HASH_FLAGS_SUPPORTED \
	(XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP | \
	 XEN_NETIF_CTRL_HASH_TYPE_IPV6 | XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)

void nb_ctrl_reset(struct pvf_nb *nb)
{
	pthread_mutex_lock(&nb->lock);
	memset(&nb->hash, 0, sizeof(nb->hash));
	__atomic_store_n(&nb->steer_on, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&nb->lock);
}

int nb_mcast_pass(struct pvf_nb *nb, const uint8_t *f, size_t len)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const struct pvf_nb_hash *h = &nb->hash;
	int pass = 0;

	if (len < 6 || !(f[0] & 1) || !memcmp(f, bcast, 6) ||
	    !__atomic_load_n(&nb->fe.mcast_control, __ATOMIC_ACQUIRE))
		return 1;
	pthread_mutex_lock(&nb->lock);
	for (uint32_t i = 0; i < h->mcast_count && !pass; i++)
		pass = !memcmp(h->mcast[i], f, 6);
	pthread_mutex_unlock(&nb->lock);
	return pass;
}

unsigned int nb_rx_steer(struct pvf_nb *nb, const uint8_t *f, size_t len, unsigned int dflt,
			 struct netif_extra_info *ex)
{
	const struct pvf_nb_hash *h = &nb->hash;
	unsigned int nq = __atomic_load_n(&nb->nq, __ATOMIC_ACQUIRE), type = 0, qi;
	uint8_t in[36];
	uint32_t hash = 0;
	size_t n;

	memset(ex, 0, sizeof(*ex));
	if (!__atomic_load_n(&nb->steer_on, __ATOMIC_ACQUIRE) || nq == 0)
		return dflt;
	pthread_mutex_lock(&nb->lock);
	if (h->algorithm != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ) {
		pthread_mutex_unlock(&nb->lock);
		return dflt;
	}
	n = nb_hash_input(f, len, h->flags, in, &type);
	if (n)
		hash = pvf_nb_toeplitz(h->key, sizeof(h->key), in, n);
	if (h->mapping_size)
		qi = h->mapping[hash % h->mapping_size];
	else
		qi = hash % nq;
	pthread_mutex_unlock(&nb->lock);
	if (qi >= nq)
		qi = dflt; /* checked when set; a table from before a reconnect */
	if (n) {
		ex->type = XEN_NETIF_EXTRA_TYPE_HASH;
		ex->u.hash.type = (uint8_t)type;
		ex->u.hash.algorithm = XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ;
		ex->u.hash.value[0] = (uint8_t)hash;
		ex->u.hash.value[1] = (uint8_t)(hash >> 8);
		ex->u.hash.value[2] = (uint8_t)(hash >> 16);
		ex->u.hash.value[3] = (uint8_t)(hash >> 24);
	}
	return qi;
}

int nb_mcast_update(struct pvf_nb *nb, const uint8_t addr[6], int add)
{
	struct pvf_nb_hash *h = &nb->hash;
	int rc = 0;
	uint32_t i;

	pthread_mutex_lock(&nb->lock);
	for (i = 0; i < h->mcast_count; i++)
		if (!memcmp(h->mcast[i], addr, 6))
			break;
	if (add) {
		if (i == h->mcast_count) {
			if (h->mcast_count == PVF_NB_MCAST_MAX)
				rc = -PVF_ENOSPC;
			else
				memcpy(h->mcast[h->mcast_count++], addr, 6);
		}
	} else if (i == h->mcast_count) {
		rc = -PVF_ENOENT;
	} else {
		memmove(h->mcast[i], h->mcast[i + 1], (h->mcast_count - i - 1) * 6u);
		h->mcast_count--;
	}
	pthread_mutex_unlock(&nb->lock);
	return rc;
}

/* Handle one request (copied).  Returns the status; *data the response data. */
static uint32_t nb_ctrl_one(struct pvf_nb *nb, const struct xen_netif_ctrl_request *req,
			    uint32_t *data)
{
	struct pvf_nb_hash *h = &nb->hash;
	uint32_t st = XEN_NETIF_CTRL_STATUS_SUCCESS;

	*data = 0;
	pthread_mutex_lock(&nb->lock);
	switch (req->type) {
	case XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM:
		if (req->data[0] != XEN_NETIF_CTRL_HASH_ALGORITHM_NONE &&
		    req->data[0] != XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ) {
			st = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
			break;
		}
		h->algorithm = req->data[0];
		if (h->algorithm == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE)
			h->flags = 0;
		__atomic_store_n(&nb->steer_on,
				 h->algorithm == XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ,
				 __ATOMIC_RELEASE);
		break;
	case XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS:
		if (h->algorithm == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE)
			st = XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
		else
			*data = NB_HASH_FLAGS_SUPPORTED;
		break;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS:
		if (h->algorithm == XEN_NETIF_CTRL_HASH_ALGORITHM_NONE)
			st = XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
		else if (req->data[0] & ~(uint32_t)NB_HASH_FLAGS_SUPPORTED)
			st = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		else
			h->flags = req->data[0];
		break;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_KEY: {
		uint8_t key[PVF_NB_HASH_KEY_MAX];
		uint32_t len = req->data[1];

		if (len > PVF_NB_HASH_KEY_MAX) {
			st = XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW;
			break;
		}
		memset(key, 0, sizeof(key));
		if (len && pvf_lb_be_copy(nb->be, req->data[0], 0, key, len, 0)) {
			st = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
			break;
		}
		memcpy(h->key, key, sizeof(key));
		h->key_len = len;
		break;
	}
	case XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE:
		*data = PVF_NB_HASH_MAP_MAX;
		break;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE:
		if (req->data[0] > PVF_NB_HASH_MAP_MAX) {
			st = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
			break;
		}
		h->mapping_size = req->data[0];
		memset(h->mapping, 0, sizeof(h->mapping));
		break;
	case XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING: {
		uint32_t tab[PVF_NB_HASH_MAP_MAX];
		uint32_t len = req->data[1], off = req->data[2];

		if (len > NB_PAGE / sizeof(uint32_t)) {
			st = XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW;
			break;
		}
		if (off > h->mapping_size || len > h->mapping_size - off) {
			st = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
			break;
		}
		if (len && pvf_lb_be_copy(nb->be, req->data[0], 0, tab,
					  len * (uint32_t)sizeof(uint32_t), 0)) {
			st = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
			break;
		}
		for (uint32_t i = 0; i < len; i++)
			if (tab[i] >= (nb->nq ? nb->nq : 1))
				st = XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER;
		if (st == XEN_NETIF_CTRL_STATUS_SUCCESS)
			memcpy(&h->mapping[off], tab, len * sizeof(uint32_t));
		break;
	}
	default: /* INVALID, GREF mapping, unknown */
		st = XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED;
		break;
	}
	pthread_mutex_unlock(&nb->lock);
	return st;
}

void nb_ctrl_work(struct pvf_nb *nb)
{
	RING_IDX prod;
	int n, notify;

	if (nb->ctrl_mapped != 1)
		return;
	n = nb_ring_pending(&nb->ctrl.sring->req_prod, nb->ctrl.req_cons,
			    RING_SIZE(&nb->ctrl), &prod);
	while (n > 0) {
		while (nb->ctrl.req_cons != prod) {
			struct xen_netif_ctrl_request req;
			struct xen_netif_ctrl_response *rsp;
			uint32_t data;

			pvf_ring_copy(&req, RING_GET_REQUEST(&nb->ctrl, nb->ctrl.req_cons),
				      sizeof(req));
			nb->ctrl.req_cons++;
			rsp = RING_GET_RESPONSE(&nb->ctrl, nb->ctrl.rsp_prod_pvt);
			rsp->id = req.id;
			rsp->type = req.type;
			rsp->status = nb_ctrl_one(nb, &req, &data);
			rsp->data = data;
			nb->ctrl.rsp_prod_pvt++;
			NB_ADD(nb, ctrl_requests, 1);
		}
		n = nb_ring_rearm(&nb->ctrl.sring->req_event, &nb->ctrl.sring->req_prod,
				  nb->ctrl.req_cons, 1, RING_SIZE(&nb->ctrl), &prod);
	}
	if (n < 0) {
		/* Stop serving the control ring; it is unmapped at disconnect. */
		nb_set_error(nb, -PVF_EPROTO);
		NB_ADD(nb, fatal, 1);
		nb->ctrl.req_cons = nb->ctrl.rsp_prod_pvt;
	}
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&nb->ctrl, notify);
	if (notify && nb->ctrl_bound)
		pvf_lb_be_notify(nb->be, nb->ctrl_port);
	if (n < 0)
		nb->ctrl_mapped = -1; /* still mapped, no longer served */
}
