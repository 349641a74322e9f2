/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * 2-level event channel bitmaps and demultiplexer (freestanding).
 *
 * struct pvf_evtchn_2l is a view of Xen's 2-level event state: the pending
 * and mask bitmaps of shared_info, and the vCPU's evtchn_pending_sel word
 * and evtchn_upcall_pending byte.  The pointers may point into a real
 * shared_info/vcpu_info or into the loopback hypervisor's copy.
 *
 * struct pvf_evtchn_demux runs the guest side: it scans the bitmaps and
 * calls one handler per port, from a caller-provided table.
 *
 * Barrier pairings (Xen's side is pvf_evtchn_2l_raise()):
 *  - raise: set pending (atomic RMW, full barrier) -> test mask -> set the
 *    selector bit (atomic RMW) -> upcall byte = 1.  The demux reads in the
 *    reverse order: upcall byte = 0 -> xchg selector (full barrier) -> read
 *    pending & ~mask.  So a raise that the demux missed has left the
 *    upcall byte set, and the next run sees it.
 *  - unmask: clear mask (atomic RMW, full barrier) -> test pending.  Pairs
 *    with raise's set-pending -> test-mask: at least one of them sees the
 *    other's bit, so a masked event is never lost.
 *  - the demux clears a pending bit (atomic RMW) before calling the handler,
 *    so an event raised while the handler runs stays pending.
 *
 * Concurrency: any number of raisers; one demux run at a time per view.
 * Ports are 32-bit but limited to EVTCHN_2L_NR_CHANNELS.
 */
#ifndef PVFRONT_EVTCHN_H
#define PVFRONT_EVTCHN_H

#include <stdint.h>
#include <pvfront/xen.h>
#include <pvfront/platform.h>

#define PVF_EVTCHN_2L_MAX_PORTS ((uint32_t)EVTCHN_2L_NR_CHANNELS)
#define PVF_EVTCHN_WORD_BITS    ((uint32_t)(8 * sizeof(xen_ulong_t)))

struct pvf_evtchn_2l {
	volatile xen_ulong_t *pending;  /* nr_ports bits, shared_info layout */
	volatile xen_ulong_t *mask;     /* nr_ports bits */
	volatile xen_ulong_t *sel;      /* one bit per pending word */
	volatile uint8_t *upcall;       /* evtchn_upcall_pending */
	uint32_t nr_ports;              /* <= PVF_EVTCHN_2L_MAX_PORTS */
};

/*
 * pvf_evtchn_2l_init - fill a view.
 * Returns 0; -PVF_EINVAL for a NULL pointer or nr_ports == 0 or too large.
 */
int pvf_evtchn_2l_init(struct pvf_evtchn_2l *v, volatile xen_ulong_t *pending,
		       volatile xen_ulong_t *mask, volatile xen_ulong_t *sel,
		       volatile uint8_t *upcall, uint32_t nr_ports);

/*
 * pvf_evtchn_2l_raise - what Xen does on EVTCHNOP_send to the owner of @v:
 * set @port pending and, if it is neither masked nor already pending, set
 * its selector bit and the upcall byte.
 * Returns 1 if the owner needs waking (upcall raised); 0 if not (masked or
 * already pending); -PVF_EINVAL for a port out of range.
 */
int pvf_evtchn_2l_raise(struct pvf_evtchn_2l *v, uint32_t port);

/* Mask @port.  Returns 0; -PVF_EINVAL for a port out of range. */
int pvf_evtchn_2l_mask(struct pvf_evtchn_2l *v, uint32_t port);

/*
 * pvf_evtchn_2l_unmask - clear the mask bit; if the port is pending, set the
 * selector bit and the upcall byte, as Xen's EVTCHNOP_unmask does.
 * Returns 1 if an upcall was raised (the owner needs waking); 0; -PVF_EINVAL.
 */
int pvf_evtchn_2l_unmask(struct pvf_evtchn_2l *v, uint32_t port);

/* Returns 1 if @port is pending, 0 if not, -PVF_EINVAL out of range. */
int pvf_evtchn_2l_is_pending(const struct pvf_evtchn_2l *v, uint32_t port);

/* Returns 1 if @port is masked, 0 if not, -PVF_EINVAL out of range. */
int pvf_evtchn_2l_is_masked(const struct pvf_evtchn_2l *v, uint32_t port);

/* Clear @port's pending bit (a port being closed).  Returns 0; -PVF_EINVAL. */
int pvf_evtchn_2l_clear(struct pvf_evtchn_2l *v, uint32_t port);

/* One handler slot: @fn(@arg, port) runs from pvf_evtchn_demux_run(). */
struct pvf_evtchn_handler {
	void (*fn)(void *arg, uint32_t port);
	void *arg;
};

struct pvf_evtchn_demux {
	struct pvf_evtchn_2l v;              /* the bitmaps */
	struct pvf_evtchn_handler *handlers; /* v.nr_ports slots, caller-owned */
	uint32_t cursor;                     /* next port to scan (fairness) */
	uint32_t budget;                     /* max ports served per run */
	uint64_t delivered;                  /* handler calls */
	uint64_t unbound;                    /* events on ports with no handler */
	uint64_t spurious;                   /* runs that found nothing */
	uint64_t exhausted;                  /* runs that hit the budget */
};

/*
 * pvf_evtchn_demux_init - set up a demultiplexer over view @v.
 *
 * @handlers: @v->nr_ports slots owned by the caller for the demux's
 *            lifetime; cleared here.
 * @budget: most handler calls + unbound events per run; 0 picks
 *          4 * nr_ports.  The rest stays pending and the upcall byte is
 *          set again, so the next run continues.
 * Returns 0; -PVF_EINVAL.
 */
int pvf_evtchn_demux_init(struct pvf_evtchn_demux *d, const struct pvf_evtchn_2l *v,
			  struct pvf_evtchn_handler *handlers, uint32_t budget);

/*
 * pvf_evtchn_demux_bind - install @fn(@arg) for @port (@fn NULL unbinds).
 * Returns 0; -PVF_EINVAL for a port out of range.
 */
int pvf_evtchn_demux_bind(struct pvf_evtchn_demux *d, uint32_t port,
			  void (*fn)(void *arg, uint32_t port), void *arg);

/*
 * pvf_evtchn_demux_run - deliver every pending, unmasked event.
 *
 * Clears the upcall byte, takes the selector with an exchange, and serves
 * ports round robin from where the previous run stopped; each pending bit
 * is cleared before its handler runs.  Loops while new events arrive, up to
 * the budget.  Events on ports without a handler are cleared and counted.
 * Returns the number of events found (handled + unbound); 0 counts as a
 * spurious run.
 */
int pvf_evtchn_demux_run(struct pvf_evtchn_demux *d);

#endif /* PVFRONT_EVTCHN_H */
