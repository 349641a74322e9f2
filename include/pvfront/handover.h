/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Handover: close every PV device so the next OS (kernel after firmware,
 * kexec or crash kernel) can connect from scratch (freestanding, pumped).
 *
 * For each device (see pvf_xenbus_handover_begin): the frontend goes to
 * Closing so the backend resets; once the backend is Closing the frontend
 * writes Closed (Linux blkback unmaps the ring only when it sees the
 * frontend Closed); once the backend is Closed the driver's release() ends
 * every grant and closes the event channels; finally the frontend writes
 * Initialising.
 *
 * Why Initialising and not Closed: a backend in Closed that sees its
 * frontend go to Initialising returns to InitWait ("prepare for reconnect"
 * in Linux's backends), which is exactly the state of a freshly created
 * device; any next OS can connect with the plain handshake (firmware,
 * Mini-OS, Windows, Linux).  Linux itself leaves Closed on shutdown and
 * relies on the next Linux resetting the device (xenbus_reset_state); a
 * next OS without that reset would wait for InitWait forever.  Linux's own
 * reset sequence ends the same way (Closing, Closed, Initialising).  A
 * device that was never set up (frontend Initialising, nothing granted) is
 * already in that state and is left alone.
 *
 * The embedder keeps delivering watch events if it can, but needs not:
 * pvf_handover_poll() re-reads every backend state itself (crash paths).
 *
 * Ownership: struct pvf_handover and the device array are the caller's and
 * must outlive the handover; fields are private (visible for sizing).
 */
#ifndef PVFRONT_HANDOVER_H
#define PVFRONT_HANDOVER_H

#include <stdint.h>
#include <pvfront/xenbus.h>

struct pvf_handover_report {
	unsigned int total;   /* devices in the handover */
	unsigned int closed;  /* handed over cleanly */
	unsigned int busy;    /* release() still -PVF_EBUSY: grants mapped by
			       * the backend, NOT freed (pages must not be
			       * reused); frontend left Closed */
	unsigned int pending; /* backend never reached Closed, or a
			       * xenstore error; resources still held */
};

/* Visible for sizing only. */
struct pvf_handover {
	struct pvf_xenbus_dev **devs;
	unsigned int n;
	const struct pvf_platform *p;
	uint64_t start;
	uint64_t timeout_ns;
	int result;           /* -PVF_EAGAIN while running, then 0/-ETIMEDOUT */
	struct pvf_handover_report report;
};

/*
 * pvf_handover_begin - start closing @n devices (each created with
 * pvf_xenbus_create and not destroyed), giving up after @timeout_ns.
 * Devices already closed by pvf_xenbus_close count as handed over.
 * Returns 0; -PVF_EINVAL (NULL @h, NULL @devs with @n > 0, a NULL entry,
 * @timeout_ns 0).
 */
int pvf_handover_begin(struct pvf_handover *h, struct pvf_xenbus_dev **devs,
		       unsigned int n, uint64_t timeout_ns);

/*
 * pvf_handover_poll - pump: re-read each backend's state and advance.
 * Returns 0 when every device is handed over; -PVF_EAGAIN while in
 * progress (call again); -PVF_ETIMEDOUT when the time ran out (final: the
 * report says what could not be released; every later call returns the
 * same); -PVF_EINVAL.
 */
int pvf_handover_poll(struct pvf_handover *h);

/*
 * pvf_handover_get_report - counts of the last poll (see the struct).
 * Returns 0; -PVF_EINVAL.
 */
int pvf_handover_get_report(const struct pvf_handover *h, struct pvf_handover_report *out);

/*
 * pvf_handover_dev_status - state of device @i.
 * Returns 0 (handed over); -PVF_EAGAIN (in progress); -PVF_EBUSY (grant
 * still mapped, not freed); -PVF_ETIMEDOUT (backend did not close in
 * time); -PVF_EINVAL (bad @i).
 */
int pvf_handover_dev_status(const struct pvf_handover *h, unsigned int i);

#endif /* PVFRONT_HANDOVER_H */
