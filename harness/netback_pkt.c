/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netback packet helpers: the Toeplitz hash and its input (the addresses
 * and ports netif.h names), locate the L4 checksum of an Ethernet frame and
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

/*
 * Toeplitz hash.  The verification vectors in tests/test_netback_steer.c
 * come from Microsoft's "Verifying the RSS Hash Calculation" page
 * (learn.microsoft.com, windows-hardware/drivers/network/
 * verifying-the-rss-hash-calculation), which netif.h's definition follows.
 * A 64-bit window slides over the key: before input bit i its top 32 bits
 * are key bits i..i+31; after each input octet the next key octet enters
 * at the bottom.
 */
uint32_t pvf_nb_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len)
{
	uint64_t win = 0;
	uint32_t hash = 0;
	size_t next;

	for (next = 0; next < 8; next++)
		win = (win << 8) | (next < key_len ? key[next] : 0u);
	for (size_t i = 0; i < len; i++, next++) {
		unsigned int octet = data[i];

		for (unsigned int mask = 0x80; mask; mask >>= 1) {
			if (octet & mask)
				hash ^= (uint32_t)(win >> 32);
			win <<= 1;
		}
		win |= next < key_len ? key[next] : 0u;
	}
	return hash;
}

size_t nb_hash_input(const uint8_t *f, size_t len, uint32_t flags, uint8_t buf[36],
		     unsigned int *type)
{
	const unsigned int l3 = NB_ETH_HLEN;
	unsigned int et, l4;
	int tcp;

	if (len < NB_ETH_HLEN)
		return 0;
	et = be16(f + 12);
	if (et == 0x0800) {
		unsigned int ihl;

		if (!(flags & (XEN_NETIF_CTRL_HASH_TYPE_IPV4 | XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP)) ||
		    len < l3 + 20 || (f[l3] >> 4) != 4)
			return 0;
		ihl = (f[l3] & 0xfu) * 4u;
		if (ihl < 20 || len < l3 + ihl)
			return 0;
		l4 = l3 + ihl;
		/* TCP, and neither a later fragment nor one with more to come */
		tcp = f[l3 + 9] == 6 && !(be16(f + l3 + 6) & 0x3fff) && len >= l4 + 4;
		memcpy(buf, f + l3 + 12, 8);
		if (tcp && (flags & XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP)) {
			memcpy(buf + 8, f + l4, 4);
			*type = _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
			return 12;
		}
		if (!(flags & XEN_NETIF_CTRL_HASH_TYPE_IPV4))
			return 0;
		*type = _XEN_NETIF_CTRL_HASH_TYPE_IPV4;
		return 8;
	}
	if (et == 0x86dd) {
		if (!(flags & (XEN_NETIF_CTRL_HASH_TYPE_IPV6 | XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)) ||
		    len < l3 + 40 || (f[l3] >> 4) != 6)
			return 0;
		l4 = l3 + 40;
		tcp = f[l3 + 6] == 6 && len >= l4 + 4; /* extension headers not followed */
		memcpy(buf, f + l3 + 8, 32);
		if (tcp && (flags & XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP)) {
			memcpy(buf + 32, f + l4, 4);
			*type = _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;
			return 36;
		}
		if (!(flags & XEN_NETIF_CTRL_HASH_TYPE_IPV6))
			return 0;
		*type = _XEN_NETIF_CTRL_HASH_TYPE_IPV6;
		return 32;
	}
	return 0;
}
