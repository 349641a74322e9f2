/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Handover: close every device for the next OS.  See <pvfront/handover.h>.
 */
#include "internal.h"
#include <pvfront/handover.h>

static uint64_t ho_now(const struct pvf_handover *h)
{
	uint64_t t = 0;

	if (h->p && h->p->ops->clock_ns(h->p->ctx, &t) < 0)
		t = 0;
	return t;
}

PVF_API int pvf_handover_begin(struct pvf_handover *h, struct pvf_xenbus_dev **devs,
			       unsigned int n, uint64_t timeout_ns)
{
	unsigned int i;

	if (!h || (n && !devs) || !timeout_ns)
		return -PVF_EINVAL;
	for (i = 0; i < n; i++)
		if (!devs[i])
			return -PVF_EINVAL;
	memset(h, 0, sizeof(*h));
	h->devs = devs;
	h->n = n;
	h->timeout_ns = timeout_ns;
	h->result = -PVF_EAGAIN;
	h->report.total = n;
	h->p = n ? pvf_xenbus_platform(devs[0]) : NULL;
	h->start = ho_now(h);
	if (h->p)
		pvf_info(h->p, "handover: closing %u device(s)", n);
	for (i = 0; i < n; i++) {
		int r = pvf_xenbus_handover_begin(devs[i]);

		/* -EALREADY: a close is running or done; it is pumped too */
		if (r < 0 && r != -PVF_EALREADY)
			pvf_warn(h->p, "handover: %s: %s", pvf_xenbus_node(devs[i]),
				 pvf_strerror(r));
	}
	return 0;
}

static void ho_count(struct pvf_handover *h)
{
	unsigned int i;

	h->report.closed = h->report.busy = h->report.pending = 0;
	for (i = 0; i < h->n; i++) {
		if (pvf_xenbus_is_closed(h->devs[i]))
			h->report.closed++;
		else if (pvf_xenbus_release_status(h->devs[i]) == -PVF_EBUSY)
			h->report.busy++;
		else
			h->report.pending++;
	}
}

PVF_API int pvf_handover_poll(struct pvf_handover *h)
{
	unsigned int i;

	if (!h)
		return -PVF_EINVAL;
	if (h->result != -PVF_EAGAIN)
		return h->result;
	for (i = 0; i < h->n; i++) {
		if (pvf_xenbus_is_closed(h->devs[i]))
			continue;
		pvf_xenbus_refresh(h->devs[i]);
		pvf_xenbus_poll(h->devs[i]);
	}
	ho_count(h);
	if (h->report.closed == h->n) {
		h->result = 0;
		if (h->p)
			pvf_info(h->p, "handover: %u device(s) closed", h->n);
		return 0;
	}
	if (ho_now(h) - h->start < h->timeout_ns)
		return -PVF_EAGAIN;
	h->result = -PVF_ETIMEDOUT;
	for (i = 0; i < h->n; i++) {
		struct pvf_xenbus_dev *d = h->devs[i];

		if (pvf_xenbus_is_closed(d))
			continue;
		if (pvf_xenbus_release_status(d) == -PVF_EBUSY)
			pvf_err(h->p, "handover: %s: backend still maps a grant; "
				"resources NOT freed", pvf_xenbus_node(d));
		else
			pvf_err(h->p, "handover: %s: backend did not close (frontend %s, "
				"backend %s)", pvf_xenbus_node(d),
				pvf_xenbus_state_name(pvf_xenbus_frontend_state(d)),
				pvf_xenbus_state_name(pvf_xenbus_backend_state(d)));
	}
	pvf_err(h->p, "handover: timed out: %u closed, %u busy, %u pending",
		h->report.closed, h->report.busy, h->report.pending);
	return h->result;
}

PVF_API int pvf_handover_get_report(const struct pvf_handover *h,
				    struct pvf_handover_report *out)
{
	if (!h || !out)
		return -PVF_EINVAL;
	*out = h->report;
	return 0;
}

PVF_API int pvf_handover_dev_status(const struct pvf_handover *h, unsigned int i)
{
	if (!h || i >= h->n)
		return -PVF_EINVAL;
	if (pvf_xenbus_is_closed(h->devs[i]))
		return 0;
	if (pvf_xenbus_release_status(h->devs[i]) == -PVF_EBUSY)
		return -PVF_EBUSY;
	return h->result == -PVF_ETIMEDOUT ? -PVF_ETIMEDOUT : -PVF_EAGAIN;
}
