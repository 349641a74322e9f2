/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loopback hypervisor: who holds what, and releasing what a dead backend
 * process held.
 *
 * On Xen the grant mappings and event channels of a backend go away with
 * it: a destroyed domain's mappings are released by the hypervisor, and a
 * dom0 process's gntdev/evtchn handles are closed by its kernel when it
 * exits.  Here every process that maps a grant or binds a backend port
 * claims a holder slot (pid + start time) in the shared header; map counts
 * are kept per holder next to the totals, and backend ports remember
 * their holder.  pvf_lb_hv_reap() finds holders whose process is gone
 * (no such pid, a zombie, or a pid reused by a process that started at
 * another time), drops their counts, recomputes the totals as the sum over
 * the live holders, clears GTF_reading/GTF_writing where nothing is mapped
 * any more and closes their ports (the guest's end falls back to unbound,
 * as on Xen).  Recomputing rather than subtracting also repairs a count a
 * process left half-updated when it was killed inside the shared lock.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <pvfront/barrier.h>
#include "hv.h"

/* State letter and start time (field 22) of @pid from /proc.
 * Returns 0; -PVF_ENOENT (no such process); -PVF_EIO (unreadable). */
static int lb_proc_stat(int32_t pid, char *state, uint64_t *start)
{
	char path[64], buf[1024];
	unsigned long long st = 0;
	const char *p;
	FILE *f;
	size_t n;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT || errno == ESRCH ? -PVF_ENOENT : -PVF_EIO;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "pid (comm) S ppid ...": comm may hold anything, even ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -PVF_EIO;
	*state = p[2];
	p += 3;
	for (field = 3; field < 22 && *p; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -PVF_EIO;
		p++;
	}
	if (sscanf(p, "%llu", &st) != 1)
		return -PVF_EIO;
	*start = st;
	return 0;
}

/* 1 if the process recorded in @h no longer runs.  A process whose state
 * cannot be read is taken to be alive: only certain deaths are reaped. */
static int lb_holder_dead(const struct lb_holder *h)
{
	uint64_t start = 0;
	char state = 0;
	int rc;

	if (h->pid <= 0)
		return 0;
	if (kill(h->pid, 0) < 0 && errno == ESRCH)
		return 1;
	rc = lb_proc_stat(h->pid, &state, &start);
	if (rc == -PVF_ENOENT)
		return 1;
	if (rc < 0)
		return 0;
	/* A zombie has released its memory (and so its mappings) already. */
	return state == 'Z' || state == 'X' || start != h->start;
}

struct lb_map_count *lb_hold(struct pvf_lb_hv *hv, uint32_t slot, uint32_t ref)
{
	return &hv->hold[(size_t)slot * hv->cfg.grant_entries + ref];
}

static uint32_t lb_holder_find(struct pvf_lb_hv *hv, int32_t pid, uint64_t start)
{
	uint32_t i;

	for (i = 0; i < LB_HOLDERS; i++)
		if (hv->sh->holders[i].pid == pid && hv->sh->holders[i].start == start)
			return i;
	for (i = 0; i < LB_HOLDERS; i++) {
		struct lb_holder *h = &hv->sh->holders[i];

		if (h->pid == 0) {
			h->start = start;
			h->gen++;
			h->pid = pid;
			return i;
		}
	}
	return LB_ANON;
}

uint32_t lb_holder_self(struct pvf_lb_hv *hv)
{
	int32_t pid = (int32_t)getpid();
	uint32_t slot;
	char state;

	if (hv->self_pid == pid && hv->self_slot < LB_HOLDERS &&
	    hv->sh->holders[hv->self_slot].pid == pid &&
	    hv->sh->holders[hv->self_slot].start == hv->self_start)
		return hv->self_slot;
	if (hv->self_pid != pid) {
		/* first use in this process (or a fork inherited the view) */
		if (lb_proc_stat(pid, &state, &hv->self_start) < 0)
			return LB_ANON;
		hv->self_pid = pid;
	}
	slot = lb_holder_find(hv, pid, hv->self_start);
	if (slot == LB_ANON && lb_reap_locked(hv) > 0)
		slot = lb_holder_find(hv, pid, hv->self_start);
	hv->self_slot = slot;
	return slot;
}

int lb_reap_locked(struct pvf_lb_hv *hv)
{
	uint8_t dead[LB_HOLDERS];
	uint32_t i, ref, p;
	int n = 0;

	for (i = 0; i < LB_HOLDERS; i++) {
		dead[i] = (uint8_t)lb_holder_dead(&hv->sh->holders[i]);
		n += dead[i];
	}
	if (!n)
		return 0;
	for (ref = LB_FIRST_REF; ref < hv->cfg.grant_entries; ref++) {
		uint32_t rd = 0, wr = 0;
		uint16_t drop = 0;

		for (i = 0; i <= LB_HOLDERS; i++) {
			struct lb_map_count *hc = lb_hold(hv, i, ref);

			if (i < LB_HOLDERS && dead[i]) {
				hc->rd = 0;
				hc->wr = 0;
				continue;
			}
			rd += hc->rd;
			wr += hc->wr;
		}
		if (rd > UINT16_MAX)
			rd = UINT16_MAX; /* cannot happen: the total is capped there */
		if (wr > rd)
			wr = rd;
		hv->maps[ref].rd = (uint16_t)rd;
		hv->maps[ref].wr = (uint16_t)wr;
		/* The pins are ours; nothing else maps under the lock. */
		if (rd == 0)
			drop = GTF_reading | GTF_writing;
		else if (wr == 0)
			drop = GTF_writing;
		if (drop && (__atomic_load_n(&hv->grants[ref].flags, __ATOMIC_ACQUIRE) & drop))
			__atomic_fetch_and(&hv->grants[ref].flags, (uint16_t)~drop,
					   __ATOMIC_SEQ_CST);
	}
	for (p = 1; p < hv->cfg.ports; p++) {
		struct lb_port *lp = &hv->ports[LB_BACKEND][p];
		uint32_t h = lp->holder;

		if ((lp->state == LB_PORT_UNBOUND || lp->state == LB_PORT_INTERDOMAIN) &&
		    h >= 1 && h <= LB_HOLDERS && dead[h - 1])
			lb_ev_close_locked(hv, LB_BACKEND, p);
	}
	for (i = 0; i < LB_HOLDERS; i++) {
		if (!dead[i])
			continue;
		hv->sh->holders[i].pid = 0;
		hv->sh->holders[i].start = 0;
	}
	hv->sh->reaped += (uint32_t)n;
	return n;
}

PVF_API int pvf_lb_hv_reap(struct pvf_lb_hv *hv)
{
	int rc;

	if (!hv)
		return -PVF_EINVAL;
	rc = lb_lock(hv);
	if (rc < 0)
		return rc;
	rc = lb_reap_locked(hv);
	lb_unlock(hv);
	return rc;
}

PVF_API uint32_t pvf_lb_hv_reaped(struct pvf_lb_hv *hv)
{
	return __atomic_load_n(&hv->sh->reaped, __ATOMIC_ACQUIRE);
}
