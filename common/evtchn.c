/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * 2-level event channels: the bitmap operations Xen and the guest perform,
 * and the guest's demultiplexer.  See <pvfront/evtchn.h> for the barrier
 * pairings; each atomic read-modify-write below is a full barrier.
 */
#include "internal.h"
#include <pvfront/barrier.h>
#include <pvfront/evtchn.h>

/* The bit helpers of <pvfront/barrier.h> work on unsigned long. */
_Static_assert(sizeof(xen_ulong_t) == sizeof(unsigned long),
	       "2-level bitmaps are arrays of unsigned long on this ABI");
_Static_assert(PVF_EVTCHN_WORD_BITS == PVF_BITS_PER_LONG, "word size");

#define EV_MAP(p) ((volatile unsigned long *)(p))
#define EV_WORD(port) ((port) / PVF_EVTCHN_WORD_BITS)
#define EV_BIT(port) ((port) % PVF_EVTCHN_WORD_BITS)

PVF_API int pvf_evtchn_2l_init(struct pvf_evtchn_2l *v, volatile xen_ulong_t *pending,
			       volatile xen_ulong_t *mask, volatile xen_ulong_t *sel,
			       volatile uint8_t *upcall, uint32_t nr_ports)
{
	if (!v || !pending || !mask || !sel || !upcall || nr_ports == 0 ||
	    nr_ports > PVF_EVTCHN_2L_MAX_PORTS)
		return -PVF_EINVAL;
	v->pending = pending;
	v->mask = mask;
	v->sel = sel;
	v->upcall = upcall;
	v->nr_ports = nr_ports;
	return 0;
}

/* Make the owner look at @port's word: selector bit, then the upcall byte.
 * Returns 1 if the selector bit was newly set. */
static int ev_kick(struct pvf_evtchn_2l *v, uint32_t port)
{
	int was = pvf_test_and_set_bit(EV_WORD(port), EV_MAP(v->sel));

	/* Selector before upcall byte: pairs with the demux clearing the
	 * byte before its xchg of the selector. */
	pvf_wmb();
	PVF_WRITE_ONCE(*v->upcall, 1);
	pvf_mb();
	return !was;
}

PVF_API int pvf_evtchn_2l_raise(struct pvf_evtchn_2l *v, uint32_t port)
{
	if (port >= v->nr_ports)
		return -PVF_EINVAL;
	/* Already pending: Xen does nothing more. */
	if (pvf_test_and_set_bit(port, EV_MAP(v->pending)))
		return 0;
	/* Set-pending (full barrier) before test-mask: pairs with unmask's
	 * clear-mask (full barrier) before test-pending. */
	if (pvf_test_bit(port, EV_MAP(v->mask)))
		return 0;
	ev_kick(v, port);
	return 1;
}

PVF_API int pvf_evtchn_2l_mask(struct pvf_evtchn_2l *v, uint32_t port)
{
	if (port >= v->nr_ports)
		return -PVF_EINVAL;
	pvf_set_bit(port, EV_MAP(v->mask));
	return 0;
}

PVF_API int pvf_evtchn_2l_unmask(struct pvf_evtchn_2l *v, uint32_t port)
{
	if (port >= v->nr_ports)
		return -PVF_EINVAL;
	if (!pvf_test_and_clear_bit(port, EV_MAP(v->mask)))
		return 0; /* was not masked: any pending event was already kicked */
	if (!pvf_test_bit(port, EV_MAP(v->pending)))
		return 0;
	ev_kick(v, port);
	return 1;
}

PVF_API int pvf_evtchn_2l_is_pending(const struct pvf_evtchn_2l *v, uint32_t port)
{
	if (port >= v->nr_ports)
		return -PVF_EINVAL;
	return pvf_test_bit(port, EV_MAP(v->pending));
}

PVF_API int pvf_evtchn_2l_is_masked(const struct pvf_evtchn_2l *v, uint32_t port)
{
	if (port >= v->nr_ports)
		return -PVF_EINVAL;
	return pvf_test_bit(port, EV_MAP(v->mask));
}

PVF_API int pvf_evtchn_2l_clear(struct pvf_evtchn_2l *v, uint32_t port)
{
	if (port >= v->nr_ports)
		return -PVF_EINVAL;
	pvf_clear_bit(port, EV_MAP(v->pending));
	return 0;
}

PVF_API int pvf_evtchn_demux_init(struct pvf_evtchn_demux *d, const struct pvf_evtchn_2l *v,
				  struct pvf_evtchn_handler *handlers, uint32_t budget)
{
	if (!d || !v || !handlers || !v->pending || !v->mask || !v->sel || !v->upcall ||
	    v->nr_ports == 0 || v->nr_ports > PVF_EVTCHN_2L_MAX_PORTS)
		return -PVF_EINVAL;
	memset(d, 0, sizeof(*d));
	d->v = *v;
	d->handlers = handlers;
	memset(handlers, 0, sizeof(*handlers) * v->nr_ports);
	d->budget = budget ? budget : 4 * v->nr_ports;
	return 0;
}

PVF_API int pvf_evtchn_demux_bind(struct pvf_evtchn_demux *d, uint32_t port,
				  void (*fn)(void *arg, uint32_t port), void *arg)
{
	if (port >= d->v.nr_ports)
		return -PVF_EINVAL;
	d->handlers[port].fn = NULL;
	pvf_barrier();
	d->handlers[port].arg = arg;
	pvf_barrier();
	d->handlers[port].fn = fn;
	return 0;
}

/*
 * Find the next deliverable port at or after the cursor, cyclically: word
 * cw from bit cb up, the following selected words, then word cw below cb.
 * Words of @*sel found empty are dropped from it.  Returns the port, or
 * UINT32_MAX when no selected word holds a deliverable event.
 */
static uint32_t ev_next(const struct pvf_evtchn_2l *v, unsigned long *sel,
			uint32_t nwords, uint32_t cursor)
{
	uint32_t cw = EV_WORD(cursor), cb = EV_BIT(cursor);
	uint32_t k;

	for (k = 0; k <= nwords && *sel; k++) {
		uint32_t w = cw + k;
		unsigned long bits;

		if (w >= nwords)
			w -= nwords;
		if (!(*sel & (1UL << w)))
			continue;
		bits = PVF_READ_ONCE(v->pending[w]) & ~PVF_READ_ONCE(v->mask[w]);
		if (!bits) {
			*sel &= ~(1UL << w);
			continue;
		}
		if (k == 0) {
			bits &= ~0UL << cb; /* the low part comes last */
			if (!bits)
				continue;
		}
		return w * PVF_EVTCHN_WORD_BITS + (uint32_t)__builtin_ctzl(bits);
	}
	return UINT32_MAX;
}

PVF_API int pvf_evtchn_demux_run(struct pvf_evtchn_demux *d)
{
	struct pvf_evtchn_2l *v = &d->v;
	uint32_t nwords = (v->nr_ports + PVF_EVTCHN_WORD_BITS - 1) / PVF_EVTCHN_WORD_BITS;
	unsigned long sel;
	uint32_t found = 0, iters = 0;
	/* Every iteration serves a port or drops a selector bit; the bound
	 * only matters if the bitmaps are scribbled on. */
	uint32_t max_iters = 2 * d->budget + 4 * PVF_EVTCHN_WORD_BITS;

	/* Upcall byte before the selector: pairs with ev_kick (selector, then
	 * byte).  An event kicked after the xchg below leaves the byte set. */
	PVF_WRITE_ONCE(*v->upcall, 0);
	pvf_mb();
	sel = pvf_xchg_ulong(EV_MAP(v->sel), 0);

	while (found < d->budget && iters++ < max_iters) {
		uint32_t port;
		struct pvf_evtchn_handler h;

		if (!sel) {
			/* Pick up words kicked while handlers ran. */
			PVF_WRITE_ONCE(*v->upcall, 0);
			pvf_mb();
			sel = pvf_xchg_ulong(EV_MAP(v->sel), 0);
			if (!sel)
				break;
		}
		/* Words beyond the table cannot hold valid ports. */
		if (nwords < PVF_EVTCHN_WORD_BITS)
			sel &= (1UL << nwords) - 1;
		if (!sel)
			continue;
		if (d->cursor >= v->nr_ports)
			d->cursor = 0;
		port = ev_next(v, &sel, nwords, d->cursor);
		if (port == UINT32_MAX) {
			sel = 0; /* every selected word was empty */
			continue;
		}
		d->cursor = port + 1;
		if (port >= v->nr_ports) {
			/* Outside the table: drop it (cannot be bound). */
			pvf_clear_bit(port, EV_MAP(v->pending));
			continue;
		}
		/* Clear before the handler runs, so a new event raised while
		 * it runs stays pending (the RMW is a full barrier: the
		 * handler's reads of the ring come after it). */
		if (!pvf_test_and_clear_bit(port, EV_MAP(v->pending)))
			continue;
		found++;
		h.fn = d->handlers[port].fn;
		h.arg = d->handlers[port].arg;
		if (h.fn) {
			d->delivered++;
			h.fn(h.arg, port);
		} else {
			d->unbound++;
		}
	}

	if (found >= d->budget || iters > max_iters) {
		/* Leave the rest for the next run and say so, if there is a
		 * rest: words still selected with deliverable events. */
		uint32_t w;
		int more = PVF_READ_ONCE(*v->sel) != 0;

		for (w = 0; w < nwords; w++) {
			if ((sel & (1UL << w)) &&
			    (PVF_READ_ONCE(v->pending[w]) & ~PVF_READ_ONCE(v->mask[w]))) {
				pvf_set_bit(w, EV_MAP(v->sel));
				more = 1;
			}
		}
		if (more) {
			d->exhausted++;
			pvf_wmb();
			PVF_WRITE_ONCE(*v->upcall, 1);
		}
	}
	if (!found)
		d->spurious++;
	return (int)found;
}
