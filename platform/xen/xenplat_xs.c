/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Real-Xen platform: the watch helpers over the dom0 xenstore connection.
 * The xenstore ops themselves are the shared ones of platform/xs_client.c.
 */
#include "../../common/internal.h"
#include "xenplat_int.h"

PVF_API int pvf_xenplat_xs_fileno(struct pvf_xenplat *x)
{
	return pvf_xsc_fileno(&x->xsc);
}

PVF_API int pvf_xenplat_xs_read_watch(struct pvf_xenplat *x, char *path, size_t psize,
				      char *token, size_t tsize)
{
	return pvf_xsc_read_watch(&x->xsc, path, psize, token, tsize);
}
