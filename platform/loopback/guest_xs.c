/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loopback platform, guest side: the connection to the harness's xenstore
 * server (or a real xenstored) through its socket.  The xenstore ops
 * themselves are the shared ones of platform/xs_client.c.
 */
#include <stdlib.h>
#include <xenstore.h>
#include "guest.h"

void lb_guest_xs_close(struct pvf_lb_guest *g)
{
	if (g->xsc.xs) {
		xs_close(g->xsc.xs);
		g->xsc.xs = NULL;
	}
}

PVF_API int pvf_lb_guest_xs_connect(struct pvf_lb_guest *g, const char *socket_path)
{
	if (g->xsc.xs)
		return -PVF_EALREADY;
	if (socket_path && setenv("XENSTORED_PATH", socket_path, 1) < 0)
		return -PVF_ENOMEM;
	g->xsc.xs = xs_open(XS_OPEN_SOCKETONLY);
	if (!g->xsc.xs)
		return -PVF_ECONNRESET;
	g->xsc.watches = 0;
	return 0;
}

PVF_API int pvf_lb_xs_fileno(struct pvf_lb_guest *g)
{
	return pvf_xsc_fileno(&g->xsc);
}

PVF_API int pvf_lb_xs_read_watch(struct pvf_lb_guest *g, char *path, size_t psize,
				 char *token, size_t tsize)
{
	return pvf_xsc_read_watch(&g->xsc, path, psize, token, tsize);
}

PVF_API unsigned int pvf_lb_guest_xs_watches(const struct pvf_lb_guest *g)
{
	return pvf_xsc_watches(&g->xsc);
}
