/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loopback platform, backend side: what a dom0 backend gets from
 * libxengnttab / libxenevtchn on Xen, over the simulated hypervisor.
 */
#include <stdlib.h>
#include <string.h>
#include "hv.h"

struct pvf_lb_backend {
	struct pvf_lb_hv *hv;
};

PVF_API int pvf_lb_be_open(struct pvf_lb_hv *hv, struct pvf_lb_backend **out)
{
	struct pvf_lb_backend *be;

	if (!hv || !out)
		return -PVF_EINVAL;
	/* A backend starting up (a toolstack restarting a driver) finds the
	 * resources of dead backend processes released first. */
	pvf_lb_hv_reap(hv);
	be = calloc(1, sizeof(*be));
	if (!be)
		return -PVF_ENOMEM;
	be->hv = hv;
	*out = be;
	return 0;
}

PVF_API void pvf_lb_be_close(struct pvf_lb_backend *be)
{
	free(be);
}

PVF_API pvf_domid_t pvf_lb_be_domid(const struct pvf_lb_backend *be)
{
	return be->hv->cfg.backend_domid;
}

PVF_API int pvf_lb_be_map(struct pvf_lb_backend *be, uint32_t ref, int readonly, void **va)
{
	return lb_gnt_map(be->hv, ref, readonly, va);
}

PVF_API int pvf_lb_be_unmap(struct pvf_lb_backend *be, uint32_t ref, int readonly)
{
	return lb_gnt_unmap(be->hv, ref, readonly);
}

PVF_API int pvf_lb_be_copy(struct pvf_lb_backend *be, uint32_t ref, uint32_t offset,
			   void *buf, uint32_t len, int to_guest)
{
	void *va;
	int rc;

	if (!buf || offset > 4096u || len > 4096u - offset)
		return -PVF_EINVAL;
	/* Hold the grant (GTF_reading/GTF_writing) only for the copy, as Xen
	 * does: the guest's end of access meanwhile answers EBUSY. */
	rc = lb_gnt_map(be->hv, ref, !to_guest, &va);
	if (rc < 0)
		return rc;
	if (to_guest)
		memcpy((uint8_t *)va + offset, buf, len);
	else
		memcpy(buf, (const uint8_t *)va + offset, len);
	return lb_gnt_unmap(be->hv, ref, !to_guest);
}

PVF_API int pvf_lb_be_bind_interdomain(struct pvf_lb_backend *be, uint32_t remote_port,
				       uint32_t *local_port)
{
	return lb_ev_bind_interdomain(be->hv, LB_BACKEND, remote_port, local_port);
}

PVF_API int pvf_lb_be_notify(struct pvf_lb_backend *be, uint32_t port)
{
	return lb_ev_notify(be->hv, LB_BACKEND, port);
}

PVF_API int pvf_lb_be_unmask(struct pvf_lb_backend *be, uint32_t port)
{
	return lb_ev_mask(be->hv, LB_BACKEND, port, 0);
}

PVF_API int pvf_lb_be_mask(struct pvf_lb_backend *be, uint32_t port)
{
	return lb_ev_mask(be->hv, LB_BACKEND, port, 1);
}

PVF_API int pvf_lb_be_close_port(struct pvf_lb_backend *be, uint32_t port)
{
	return lb_ev_close(be->hv, LB_BACKEND, port);
}

PVF_API int pvf_lb_be_bind(struct pvf_lb_backend *be, uint32_t port,
			   void (*fn)(void *arg, uint32_t port), void *arg)
{
	return lb_ev_bind_handler(be->hv, LB_BACKEND, port, fn, arg);
}

PVF_API int pvf_lb_be_poll(struct pvf_lb_backend *be, int timeout_ms)
{
	return lb_ev_poll(be->hv, LB_BACKEND, timeout_ms);
}

PVF_API const struct pvf_evtchn_demux *pvf_lb_be_demux(const struct pvf_lb_backend *be)
{
	return &be->hv->dom[LB_BACKEND].demux;
}
