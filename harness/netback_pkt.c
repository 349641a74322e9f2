/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netback packet helpers: locate the L4 checksum of an Ethernet frame and
 * describe csum_blank / GSO frames to the TAP with a virtio_net_hdr, so
 * the kernel finishes the checksum and segments, as QEMU does.  The frame
 * comes from the frontend: every offset is bounds-checked.
 */
#include <string.h>
#include <linux/virtio_net.h>
#include <pvfront/errno.h>
#include "netback_internal.h"

_Static_assert(sizeof(struct virtio_net_hdr) == NB_VNET_HLEN, "virtio_net_hdr");

static unsigned int be16(const uint8_t *p)
{
	return ((unsigned int)p[0] << 8) | p[1];
}

int nb_pkt_l4(const uint8_t *f, size_t len, unsigned int *start, unsigned int *off,
	      unsigned int *proto)
{
	unsigned int et, l3 = NB_ETH_HLEN, l4, pr;

	if (len < NB_ETH_HLEN)
		return -PVF_EINVAL;
	et = be16(f + 12);
	if (et == 0x8100) { /* one VLAN tag */
		if (len < NB_ETH_HLEN + 4)
			return -PVF_EINVAL;
		et = be16(f + 16);
		l3 += 4;
	}
	if (et == 0x0800) {
		unsigned int ihl;

		if (len < l3 + 20 || (f[l3] >> 4) != 4)
			return -PVF_EINVAL;
		ihl = (f[l3] & 0xfu) * 4u;
		if (ihl < 20 || len < l3 + ihl)
			return -PVF_EINVAL;
		if (be16(f + l3 + 6) & 0x3fff)
			return -PVF_EINVAL; /* a fragment */
		pr = f[l3 + 9];
		l4 = l3 + ihl;
	} else if (et == 0x86dd) {
		if (len < l3 + 40 || (f[l3] >> 4) != 6)
			return -PVF_EINVAL;
		pr = f[l3 + 6]; /* extension headers are not followed */
		l4 = l3 + 40;
	} else {
		return -PVF_EINVAL;
	}
	if (pr == 6)
		*off = 16;
	else if (pr == 17)
		*off = 6;
	else
		return -PVF_EINVAL;
	if (len < l4 + *off + 2 || (pr == 6 && len < l4 + 20))
		return -PVF_EINVAL;
	*start = l4;
	*proto = pr;
	return 0;
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

int nb_pkt_pseudo_csum(uint8_t *f, size_t len)
{
	unsigned int start, off, proto, l3;
	uint32_t s = 0, l4len;

	if (nb_pkt_l4(f, len, &start, &off, &proto))
		return -PVF_EINVAL;
	l3 = be16(f + 12) == 0x8100 ? NB_ETH_HLEN + 4 : NB_ETH_HLEN;
	if ((f[l3] >> 4) == 4) {
		uint32_t tot = be16(f + l3 + 2);

		if (tot < start - l3 || l3 + tot > len)
			return -PVF_EINVAL;
		l4len = tot - (start - l3);
		s = sum16(s, f + l3 + 12, 8);
	} else {
		l4len = be16(f + l3 + 4);
		if (start + l4len > len)
			return -PVF_EINVAL;
		s = sum16(s, f + l3 + 8, 32);
	}
	s += proto;
	s += l4len & 0xffff;
	s += l4len >> 16;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	f[start + off] = (uint8_t)(s >> 8);
	f[start + off + 1] = (uint8_t)s;
	return 0;
}

int nb_pkt_vnet_hdr(uint8_t *hdr, uint8_t *f, size_t len, int csum_blank,
		    const struct netif_extra_info *gso)
{
	struct virtio_net_hdr h;
	unsigned int start, off, proto;

	(void)csum_blank;
	memset(&h, 0, sizeof(h));
	if (nb_pkt_l4(f, len, &start, &off, &proto) || nb_pkt_pseudo_csum(f, len))
		return -PVF_EINVAL;
	h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h.csum_start = (uint16_t)start;
	h.csum_offset = (uint16_t)off;
	if (gso) {
		if (proto != 6)
			return -PVF_EINVAL;
		h.gso_type = gso->u.gso.type == XEN_NETIF_GSO_TYPE_TCPV6 ? VIRTIO_NET_HDR_GSO_TCPV6
									  : VIRTIO_NET_HDR_GSO_TCPV4;
		h.gso_size = gso->u.gso.size;
		h.hdr_len = (uint16_t)(start + ((f[start + 12] >> 4) * 4u));
	}
	memcpy(hdr, &h, sizeof(h));
	return 0;
}
