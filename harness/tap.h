/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Linux TAP device helpers for the harness (netback's TAP mode and the
 * frontend-side bridge of `pvfront net`).
 */
#ifndef PVF_HARNESS_TAP_H
#define PVF_HARNESS_TAP_H

#include <stddef.h>

/* Whether /dev/net/tun can be opened (read-write).  Returns 1 or 0. */
int pvf_tap_available(void);

/*
 * pvf_tap_open - attach to (or create) TAP device @name with IFF_TAP |
 * IFF_NO_PI, and IFF_VNET_HDR when @vnet_hdr (each frame is then preceded
 * by a 10-byte struct virtio_net_hdr; no offloads are enabled, so frames
 * read from the device are complete and checksummed).  The fd is
 * non-blocking and close-on-exec; the caller owns it.
 * Returns 0 and *fd; -PVF_ENODEV (/dev/net/tun missing or not permitted);
 * -PVF_EINVAL (bad name); -errno from TUNSETIFF.
 */
int pvf_tap_open(const char *name, int vnet_hdr, int *fd);

/* Bring @name up or down and set its MTU (0: leave).  Runs in the current
 * network namespace.  Returns 0 or -errno. */
int pvf_tap_set_up(const char *name, int up, unsigned int mtu);

/* Set @name's MAC address (6 bytes).  Returns 0 or -errno. */
int pvf_tap_set_mac(const char *name, const unsigned char mac[6]);

#endif
