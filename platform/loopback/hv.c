/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Loopback hypervisor: creation of the shared memfd, attaching to it from
 * another process, the shared lock and the leak counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "hv.h"

#define LB_PAGE 4096u

_Static_assert(sizeof(grant_entry_v1_t) == 8, "grant_entry_v1_t is 8 bytes");
_Static_assert(sizeof(struct lb_port) == 8, "lb_port layout");
_Static_assert(sizeof(struct lb_map_count) == 4, "lb_map_count layout");

PVF_API void pvf_lb_config_init(struct pvf_lb_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->guest_pages = 16384;
	cfg->grant_entries = 8192;
	cfg->ports = 1024;
	cfg->guest_domid = 1;
	cfg->backend_domid = 0;
}

static int lb_config_ok(const struct pvf_lb_config *c)
{
	return c->guest_pages >= 2 && c->guest_pages <= (1u << 20) &&
	       c->grant_entries >= 16 && c->grant_entries <= 65536 &&
	       c->ports >= 2 && c->ports <= PVF_EVTCHN_2L_MAX_PORTS &&
	       c->guest_domid != c->backend_domid;
}

static uint64_t lb_align(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Compute every offset from the configuration into @sh. */
static void lb_layout(const struct pvf_lb_config *c, struct lb_shared *sh)
{
	uint64_t off = lb_align(sizeof(struct lb_shared), LB_PAGE);
	int d;

	sh->off_grants = off;
	off = lb_align(off + (uint64_t)c->grant_entries * sizeof(grant_entry_v1_t), 64);
	sh->off_maps = off;
	off = lb_align(off + (uint64_t)c->grant_entries * sizeof(struct lb_map_count), 64);
	sh->off_hold = off;
	off = lb_align(off + (uint64_t)(LB_HOLDERS + 1) * c->grant_entries *
			       sizeof(struct lb_map_count), 64);
	for (d = 0; d < LB_NDOMS; d++) {
		sh->off_ports[d] = off;
		off = lb_align(off + (uint64_t)c->ports * sizeof(struct lb_port), 64);
	}
	sh->off_pagemap = off;
	off = lb_align(off + lb_align(c->guest_pages, 64) / 8, LB_PAGE);
	sh->off_mem = off;
	sh->total_size = off + (uint64_t)c->guest_pages * LB_PAGE;
}

int lb_errno(int err)
{
	switch (err) {
	case EPERM: case ENOENT: case EIO: case E2BIG: case EBADF: case EAGAIN:
	case ENOMEM: case EACCES: case EBUSY: case EEXIST: case EINVAL:
	case ENOSPC: case EROFS: case ERANGE: case ENOSYS: case ENODATA:
	case EPROTO: case EBADMSG: case EOVERFLOW: case ECONNRESET:
	case ENOTCONN: case ETIMEDOUT: case EALREADY: case ECANCELED:
		return -err;
	default:
		return -PVF_EIO;
	}
}

int lb_lock(struct pvf_lb_hv *hv)
{
	int rc = pthread_mutex_lock(&hv->sh->lock);

	/* A process died holding the lock (e.g. a test child killed by a
	 * fault): the state it guards is updated so that every step leaves
	 * it consistent, so take it over. */
	if (rc == EOWNERDEAD)
		rc = pthread_mutex_consistent(&hv->sh->lock);
	return rc ? -PVF_EIO : 0;
}

void lb_unlock(struct pvf_lb_hv *hv)
{
	pthread_mutex_unlock(&hv->sh->lock);
}

pvf_domid_t lb_domid(const struct pvf_lb_hv *hv, int dom)
{
	return dom == LB_GUEST ? hv->cfg.guest_domid : hv->cfg.backend_domid;
}

/* Map @fd (whose header is already valid) and set up the private view. */
static int lb_map(int fd, struct pvf_lb_hv **out)
{
	struct pvf_lb_hv *hv;
	struct lb_shared hdr;
	struct lb_shared want;
	struct stat st;
	void *p;
	int d, rc;

	if (fstat(fd, &st) < 0)
		return -PVF_EIO;
	if ((uint64_t)st.st_size < sizeof(hdr))
		return -PVF_EINVAL;
	if (pread(fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		return -PVF_EIO;
	/* Never trust the header: recompute the layout and compare. */
	if (hdr.magic != LB_MAGIC || hdr.version != LB_VERSION || !lb_config_ok(&hdr.cfg))
		return -PVF_EINVAL;
	memset(&want, 0, sizeof(want));
	lb_layout(&hdr.cfg, &want);
	if (want.total_size != hdr.total_size || want.off_mem != hdr.off_mem ||
	    want.off_grants != hdr.off_grants || want.off_maps != hdr.off_maps ||
	    want.off_hold != hdr.off_hold ||
	    want.off_pagemap != hdr.off_pagemap ||
	    want.off_ports[0] != hdr.off_ports[0] || want.off_ports[1] != hdr.off_ports[1] ||
	    (uint64_t)st.st_size < hdr.total_size)
		return -PVF_EINVAL;

	hv = calloc(1, sizeof(*hv));
	if (!hv)
		return -PVF_ENOMEM;
	hv->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (hv->fd < 0) {
		free(hv);
		return -PVF_EIO;
	}
	hv->size = (size_t)want.total_size;
	p = mmap(NULL, hv->size, PROT_READ | PROT_WRITE, MAP_SHARED, hv->fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	hv->base = p;
	p = mmap(NULL, (size_t)hdr.cfg.guest_pages * LB_PAGE, PROT_READ, MAP_SHARED,
		 hv->fd, (off_t)want.off_mem);
	if (p == MAP_FAILED)
		goto fail;
	hv->mem_ro = p;
	hv->sh = (struct lb_shared *)hv->base;
	hv->cfg = hdr.cfg;
	hv->grants = (grant_entry_v1_t *)(hv->base + want.off_grants);
	hv->maps = (struct lb_map_count *)(hv->base + want.off_maps);
	hv->hold = (struct lb_map_count *)(hv->base + want.off_hold);
	hv->self_slot = LB_ANON;
	for (d = 0; d < LB_NDOMS; d++)
		hv->ports[d] = (struct lb_port *)(hv->base + want.off_ports[d]);
	hv->pagemap = (uint64_t *)(hv->base + want.off_pagemap);
	hv->mem = hv->base + want.off_mem;
	rc = lb_ev_local_init(hv);
	if (rc < 0)
		goto fail_rc;
	*out = hv;
	return 0;
fail:
	rc = -PVF_EIO;
fail_rc:
	if (hv->mem_ro)
		munmap((void *)hv->mem_ro, (size_t)hdr.cfg.guest_pages * LB_PAGE);
	if (hv->base)
		munmap(hv->base, hv->size);
	close(hv->fd);
	free(hv);
	return rc;
}

PVF_API int pvf_lb_hv_create(const struct pvf_lb_config *cfg, struct pvf_lb_hv **out)
{
	struct pvf_lb_config c;
	struct lb_shared *sh;
	pthread_mutexattr_t ma;
	uint64_t total;
	void *p;
	int fd, rc, d;

	if (!out)
		return -PVF_EINVAL;
	if (cfg)
		c = *cfg;
	else
		pvf_lb_config_init(&c);
	if (!lb_config_ok(&c))
		return -PVF_EINVAL;

	fd = memfd_create("pvfront-hv", MFD_CLOEXEC);
	if (fd < 0)
		return -PVF_EIO;
	sh = calloc(1, sizeof(*sh));
	if (!sh) {
		close(fd);
		return -PVF_ENOMEM;
	}
	lb_layout(&c, sh);
	total = sh->total_size;
	free(sh);
	if (ftruncate(fd, (off_t)total) < 0) {
		close(fd);
		return -PVF_EIO;
	}
	/* Initialise the header through a temporary map, then map for real
	 * the same way an attaching process does. */
	p = mmap(NULL, (size_t)lb_align(sizeof(struct lb_shared), LB_PAGE),
		 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -PVF_EIO;
	}
	sh = p;
	lb_layout(&c, sh);
	sh->cfg = c;
	sh->version = LB_VERSION;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
	rc = pthread_mutex_init(&sh->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	if (rc) {
		munmap(p, (size_t)lb_align(sizeof(struct lb_shared), LB_PAGE));
		close(fd);
		return -PVF_EIO;
	}
	/* Every port starts masked, as a fresh domain's would. */
	for (d = 0; d < LB_NDOMS; d++)
		memset(sh->ev[d].mask, 0xff, sizeof(sh->ev[d].mask));
	__atomic_store_n(&sh->magic, LB_MAGIC, __ATOMIC_RELEASE);
	munmap(p, (size_t)lb_align(sizeof(struct lb_shared), LB_PAGE));

	rc = lb_map(fd, out);
	close(fd);
	if (rc < 0)
		return rc;
	/* Port 0 and frame 0 are never handed out. */
	for (d = 0; d < LB_NDOMS; d++)
		(*out)->ports[d][0].state = LB_PORT_RESERVED;
	(*out)->pagemap[0] |= 1;
	return 0;
}

PVF_API int pvf_lb_hv_attach(int fd, struct pvf_lb_hv **out)
{
	if (fd < 0 || !out)
		return -PVF_EINVAL;
	return lb_map(fd, out);
}

PVF_API int pvf_lb_hv_fd(const struct pvf_lb_hv *hv)
{
	return hv->fd;
}

PVF_API void pvf_lb_hv_destroy(struct pvf_lb_hv *hv)
{
	if (!hv)
		return;
	lb_ev_local_fini(hv);
	munmap((void *)hv->mem_ro, (size_t)hv->cfg.guest_pages * LB_PAGE);
	munmap(hv->base, hv->size);
	close(hv->fd);
	free(hv);
}

PVF_API void pvf_lb_hv_config(const struct pvf_lb_hv *hv, struct pvf_lb_config *cfg)
{
	*cfg = hv->cfg;
}

void *pvf_lb_hv_frame_va(struct pvf_lb_hv *hv, uint64_t frame)
{
	if (frame == 0 || frame >= hv->cfg.guest_pages)
		return NULL;
	return hv->mem + frame * LB_PAGE;
}

PVF_API int pvf_lb_hv_stats(struct pvf_lb_hv *hv, struct pvf_lb_stats *st)
{
	memset(st, 0, sizeof(*st));
	lb_gnt_stats(hv, &st->grants_in_use, &st->grants_mapped);
	st->pages_allocated = lb_pages_allocated(hv);
	st->guest_ports = lb_ev_ports_open(hv, LB_GUEST);
	st->backend_ports = lb_ev_ports_open(hv, LB_BACKEND);
	return 0;
}
