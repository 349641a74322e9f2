/* SPDX-License-Identifier: BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_tun.h>
#include <pvfront/errno.h>
#include "tap.h"

int pvf_tap_available(void)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int pvf_tap_open(const char *name, int vnet_hdr, int *fd)
{
	struct ifreq ifr;
	int f, rc;

	if (!name || !name[0] || strlen(name) >= IFNAMSIZ)
		return -PVF_EINVAL;
	f = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (f < 0)
		return -PVF_ENODEV;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(f, TUNSETIFF, &ifr) < 0) {
		rc = -errno;
		close(f);
		return rc == -EPERM ? -PVF_ENODEV : rc;
	}
	*fd = f;
	return 0;
}

static int ifreq_ioctl(unsigned long req, struct ifreq *ifr)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = 0;

	if (s < 0)
		return -errno;
	if (ioctl(s, req, ifr) < 0)
		rc = -errno;
	close(s);
	return rc;
}

int pvf_tap_set_up(const char *name, int up, unsigned int mtu)
{
	struct ifreq ifr;
	int rc;

	if (!name || strlen(name) >= IFNAMSIZ)
		return -PVF_EINVAL;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (mtu) {
		ifr.ifr_mtu = (int)mtu;
		rc = ifreq_ioctl(SIOCSIFMTU, &ifr);
		if (rc)
			return rc;
	}
	rc = ifreq_ioctl(SIOCGIFFLAGS, &ifr);
	if (rc)
		return rc;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return ifreq_ioctl(SIOCSIFFLAGS, &ifr);
}

int pvf_tap_set_mac(const char *name, const unsigned char mac[6])
{
	struct ifreq ifr;

	if (!name || strlen(name) >= IFNAMSIZ)
		return -PVF_EINVAL;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
	return ifreq_ioctl(SIOCSIFHWADDR, &ifr);
}
