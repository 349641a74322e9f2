/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loopback hypervisor: event channels.  Port tables of both domains live in
 * the shared region under the shared lock; pending/mask bitmaps use the
 * lock-free 2-level operations of common/evtchn.c.  Wake-ups go through a
 * futex word per domain (no FUTEX_PRIVATE_FLAG: it works across processes
 * on a MAP_SHARED mapping).
 *
 * Wake-up protocol: the kicker raises the event (pending, selector, upcall
 * byte), then increments the futex word and calls FUTEX_WAKE.  A waiter
 * reads the futex word, then checks the upcall byte, then FUTEX_WAITs on
 * the value it read; a kick between its check and its wait changes the
 * word, so the wait returns at once (no lost wake-up).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include "hv.h"

static int lb_other(int dom)
{
	return dom == LB_GUEST ? LB_BACKEND : LB_GUEST;
}

static void lb_wake(struct pvf_lb_hv *hv, int dom)
{
	uint32_t *f = &hv->sh->ev[dom].futex;

	__atomic_fetch_add(f, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, f, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

int lb_ev_local_init(struct pvf_lb_hv *hv)
{
	int d, rc;

	for (d = 0; d < LB_NDOMS; d++) {
		struct lb_dom_local *l = &hv->dom[d];
		struct lb_evtchn_shared *ev = &hv->sh->ev[d];

		l->handlers = calloc(hv->cfg.ports, sizeof(*l->handlers));
		if (!l->handlers)
			goto fail;
		rc = pvf_evtchn_2l_init(&l->view, ev->pending, ev->mask, &ev->pending_sel,
					&ev->upcall_pending, hv->cfg.ports);
		if (rc == 0)
			rc = pvf_evtchn_demux_init(&l->demux, &l->view, l->handlers, 0);
		if (rc < 0 || pthread_mutex_init(&l->poll_lock, NULL)) {
			free(l->handlers);
			l->handlers = NULL;
			goto fail;
		}
	}
	return 0;
fail:
	while (--d >= 0) {
		pthread_mutex_destroy(&hv->dom[d].poll_lock);
		free(hv->dom[d].handlers);
		hv->dom[d].handlers = NULL;
	}
	return -PVF_ENOMEM;
}

void lb_ev_local_fini(struct pvf_lb_hv *hv)
{
	int d;

	for (d = 0; d < LB_NDOMS; d++) {
		if (!hv->dom[d].handlers)
			continue;
		pthread_mutex_destroy(&hv->dom[d].poll_lock);
		free(hv->dom[d].handlers);
		hv->dom[d].handlers = NULL;
	}
}

/* A fresh port: masked, nothing pending. */
static void lb_port_reset(struct pvf_lb_hv *hv, int dom, uint32_t port)
{
	pvf_evtchn_2l_mask(&hv->dom[dom].view, port);
	pvf_evtchn_2l_clear(&hv->dom[dom].view, port);
}

/* The holder byte of a port @dom binds now: backend ports remember the
 * process (hv_reap.c); guest ports are never reaped.  Locked. */
static uint8_t lb_port_holder(struct pvf_lb_hv *hv, int dom)
{
	return dom == LB_BACKEND ? (uint8_t)(lb_holder_self(hv) + 1) : 0;
}

static uint32_t lb_port_find_free(struct pvf_lb_hv *hv, int dom)
{
	uint32_t p;

	for (p = 1; p < hv->cfg.ports; p++)
		if (hv->ports[dom][p].state == LB_PORT_FREE)
			return p;
	return 0;
}

int lb_ev_alloc_unbound(struct pvf_lb_hv *hv, int dom, pvf_domid_t remote, uint32_t *port)
{
	uint32_t p;
	int rc;

	if (!port || remote != lb_domid(hv, lb_other(dom)))
		return -PVF_EINVAL; /* only two domains exist here */
	rc = lb_lock(hv);
	if (rc < 0)
		return rc;
	p = lb_port_find_free(hv, dom);
	if (!p) {
		lb_unlock(hv);
		return -PVF_ENOSPC;
	}
	lb_port_reset(hv, dom, p);
	hv->ports[dom][p].remote_dom = remote;
	hv->ports[dom][p].remote_port = 0;
	hv->ports[dom][p].holder = lb_port_holder(hv, dom);
	hv->ports[dom][p].state = LB_PORT_UNBOUND;
	lb_unlock(hv);
	*port = p;
	return 0;
}

int lb_ev_bind_interdomain(struct pvf_lb_hv *hv, int dom, uint32_t remote_port,
			   uint32_t *local_port)
{
	int peer = lb_other(dom);
	struct lb_port *rp;
	uint32_t p;
	int rc;

	if (!local_port || remote_port == 0 || remote_port >= hv->cfg.ports)
		return -PVF_EINVAL;
	rc = lb_lock(hv);
	if (rc < 0)
		return rc;
	rp = &hv->ports[peer][remote_port];
	if (rp->state != LB_PORT_UNBOUND || rp->remote_dom != lb_domid(hv, dom)) {
		lb_unlock(hv);
		return -PVF_EBUSY;
	}
	p = lb_port_find_free(hv, dom);
	if (!p) {
		lb_unlock(hv);
		return -PVF_ENOSPC;
	}
	lb_port_reset(hv, dom, p);
	hv->ports[dom][p].remote_dom = lb_domid(hv, peer);
	hv->ports[dom][p].remote_port = remote_port;
	hv->ports[dom][p].holder = lb_port_holder(hv, dom);
	hv->ports[dom][p].state = LB_PORT_INTERDOMAIN;
	rp->remote_port = p;
	rp->state = LB_PORT_INTERDOMAIN;
	/* The binder's side starts unmasked (as libxenevtchn's bind does). */
	pvf_evtchn_2l_unmask(&hv->dom[dom].view, p);
	lb_unlock(hv);
	*local_port = p;
	return 0;
}

/* Validate @port of @dom is in use.  Returns its state or -EBADF.  Locked. */
static int lb_port_state(struct pvf_lb_hv *hv, int dom, uint32_t port)
{
	uint8_t st;

	if (port == 0 || port >= hv->cfg.ports)
		return -PVF_EBADF;
	st = hv->ports[dom][port].state;
	if (st != LB_PORT_UNBOUND && st != LB_PORT_INTERDOMAIN)
		return -PVF_EBADF;
	return st;
}

int lb_ev_notify(struct pvf_lb_hv *hv, int dom, uint32_t port)
{
	int peer = lb_other(dom), st, kick = 0, rc;
	uint32_t rport;

	rc = lb_lock(hv);
	if (rc < 0)
		return rc;
	st = lb_port_state(hv, dom, port);
	if (st < 0 || st == LB_PORT_UNBOUND) {
		lb_unlock(hv);
		return st < 0 ? st : -PVF_ENOTCONN;
	}
	rport = hv->ports[dom][port].remote_port;
	if (rport == 0 || rport >= hv->cfg.ports) {
		lb_unlock(hv);
		return -PVF_EIO; /* cannot happen unless the table was scribbled on */
	}
	kick = pvf_evtchn_2l_raise(&hv->dom[peer].view, rport) == 1;
	lb_unlock(hv);
	if (kick)
		lb_wake(hv, peer);
	return 0;
}

int lb_ev_mask(struct pvf_lb_hv *hv, int dom, uint32_t port, int masked)
{
	int st, kick = 0, rc;

	rc = lb_lock(hv);
	if (rc < 0)
		return rc;
	st = lb_port_state(hv, dom, port);
	if (st < 0) {
		lb_unlock(hv);
		return st;
	}
	if (masked)
		pvf_evtchn_2l_mask(&hv->dom[dom].view, port);
	else
		kick = pvf_evtchn_2l_unmask(&hv->dom[dom].view, port) == 1;
	lb_unlock(hv);
	if (kick)
		lb_wake(hv, dom); /* another thread of ours may be waiting */
	return 0;
}

void lb_ev_close_locked(struct pvf_lb_hv *hv, int dom, uint32_t port)
{
	int peer = lb_other(dom);

	if (hv->ports[dom][port].state == LB_PORT_INTERDOMAIN) {
		uint32_t rport = hv->ports[dom][port].remote_port;

		/* The peer's port falls back to unbound (as on Xen): its
		 * notifies now fail with ENOTCONN. */
		if (rport && rport < hv->cfg.ports &&
		    hv->ports[peer][rport].state == LB_PORT_INTERDOMAIN &&
		    hv->ports[peer][rport].remote_port == port) {
			hv->ports[peer][rport].state = LB_PORT_UNBOUND;
			hv->ports[peer][rport].remote_dom = lb_domid(hv, dom);
			hv->ports[peer][rport].remote_port = 0;
		}
	}
	lb_port_reset(hv, dom, port);
	hv->ports[dom][port].state = LB_PORT_FREE;
	hv->ports[dom][port].remote_port = 0;
	hv->ports[dom][port].holder = 0;
}

int lb_ev_close(struct pvf_lb_hv *hv, int dom, uint32_t port)
{
	int st, rc;

	rc = lb_lock(hv);
	if (rc < 0)
		return rc;
	st = lb_port_state(hv, dom, port);
	if (st < 0) {
		lb_unlock(hv);
		return st;
	}
	lb_ev_close_locked(hv, dom, port);
	lb_unlock(hv);
	lb_ev_bind_handler(hv, dom, port, NULL, NULL);
	return 0;
}

int lb_ev_bind_handler(struct pvf_lb_hv *hv, int dom, uint32_t port,
		       void (*fn)(void *arg, uint32_t port), void *arg)
{
	return pvf_evtchn_demux_bind(&hv->dom[dom].demux, port, fn, arg);
}

static int64_t lb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until the upcall byte of @dom is set or @timeout_ms passes.
 * Returns 1 (events), 0 (timeout). */
static int lb_ev_wait(struct pvf_lb_hv *hv, int dom, int timeout_ms)
{
	struct lb_evtchn_shared *ev = &hv->sh->ev[dom];
	int64_t deadline = timeout_ms > 0 ? lb_now_ms() + timeout_ms : 0;

	for (;;) {
		uint32_t v = __atomic_load_n(&ev->futex, __ATOMIC_SEQ_CST);
		struct timespec ts, *tsp = NULL;

		if (__atomic_load_n(&ev->upcall_pending, __ATOMIC_SEQ_CST))
			return 1;
		if (timeout_ms == 0)
			return 0;
		if (timeout_ms > 0) {
			int64_t left = deadline - lb_now_ms();

			if (left <= 0)
				return 0;
			ts.tv_sec = (time_t)(left / 1000);
			ts.tv_nsec = (long)(left % 1000) * 1000000;
			tsp = &ts;
		}
		syscall(SYS_futex, &ev->futex, FUTEX_WAIT, v, tsp, NULL, 0);
	}
}

int lb_ev_poll(struct pvf_lb_hv *hv, int dom, int timeout_ms)
{
	struct lb_dom_local *l = &hv->dom[dom];
	int n;

	if (!lb_ev_wait(hv, dom, timeout_ms))
		return 0;
	pthread_mutex_lock(&l->poll_lock);
	n = pvf_evtchn_demux_run(&l->demux);
	pthread_mutex_unlock(&l->poll_lock);
	return n;
}

uint32_t lb_ev_ports_open(struct pvf_lb_hv *hv, int dom)
{
	uint32_t p, n = 0;

	for (p = 1; p < hv->cfg.ports; p++) {
		uint8_t st = __atomic_load_n(&hv->ports[dom][p].state, __ATOMIC_ACQUIRE);

		if (st == LB_PORT_UNBOUND || st == LB_PORT_INTERDOMAIN)
			n++;
	}
	return n;
}
