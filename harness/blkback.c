/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * blkback: profiles, lifecycle (create/start/stop/fork/kill), runtime
 * controls, the toolstack role, the image.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <pvfront/errno.h>
#include "blkback_int.h"
#include "toolstack.h"

static int neg_errno(int e)
{
	return e > 0 ? -e : -PVF_EIO;
}

int pvf_bb_profile(struct pvf_bb_config *c, const char *name)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	memset(c, 0, sizeof(*c));
	c->null_sectors = 64u * 1024 * 1024 / 512;
	c->sector_size = 512;
	c->physical_sector_size = 512;
	c->max_persistent = 1056; /* Linux blkback's default max_persistent_grants */
	c->max_ring_order = -1;
	if (!strcmp(name, "linux")) {
		/* Linux xen-blkback (6.x): probe writes feature-max-indirect-segments
		 * 256, multi-queue-max-queues = online cpus, max-ring-page-order 4;
		 * connect writes flush-cache and barrier (both = the device's
		 * flush support), discard with granularity/alignment, persistent,
		 * sectors, info, sector-size, physical-sector-size. */
		c->max_ring_order = 4;
		c->max_indirect = 256;
		c->max_queues = cpus < 1 ? 1 : cpus > (long)PVF_BB_MAX_QUEUES ? PVF_BB_MAX_QUEUES
									: (uint32_t)cpus;
		c->persistent = true;
		c->flush = true;
		c->barrier = true;
		c->discard = true;
		c->discard_granularity = 4096;
		c->discard_alignment = 0;
		c->physical_sector_size = 4096;
		return 0;
	}
	if (!strcmp(name, "qdisk")) {
		/* QEMU xen-block (>= 4.0, hw/block/xen-block.c): max-ring-page-order
		 * (property, default 4), feature-flush-cache 1, feature-discard 1 with
		 * discard-granularity = physical block size and discard-alignment 0
		 * when the drive allows unmap, info, sector-size, sectors.  No
		 * indirect descriptors, no persistent grants (removed with the
		 * 2019 rewrite), no multi-queue, no barrier; data moves by grant
		 * copy. */
		c->max_ring_order = 4;
		c->flush = true;
		c->discard = true;
		c->discard_granularity = 512;
		c->grant_copy = true;
		return 0;
	}
	if (!strcmp(name, "qdisk-legacy")) {
		/* QEMU xen_disk.c (2.x-3.x): as qdisk, plus feature-persistent 1,
		 * and mapping instead of grant copy. */
		c->max_ring_order = 4;
		c->flush = true;
		c->discard = true;
		c->discard_granularity = 512;
		c->persistent = true;
		return 0;
	}
	if (!strcmp(name, "minimal")) {
		/* One page ring, nothing else: the oldest backends. */
		return 0;
	}
	return -PVF_EINVAL;
}

void bb_log(struct pvf_blkback *b, const char *fmt, ...)
{
	va_list ap;

	if (getenv("PVF_BLKBACK_QUIET"))
		return;
	fprintf(stderr, "blkback %s: ", b->be_dir);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void bb_fatal(struct pvf_blkback *b, int err)
{
	int zero = 0;

	__atomic_compare_exchange_n(&b->ctl->st.error, &zero, err, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
}

int bb_map(struct pvf_blkback *b, uint32_t ref, int readonly, void **va)
{
	int rc = pvf_lb_be_map(b->be, ref, readonly, va);

	if (rc == 0)
		BB_ADD(b->ctl->st.mapped, 1);
	return rc;
}

void bb_unmap(struct pvf_blkback *b, uint32_t ref, int readonly)
{
	if (pvf_lb_be_unmap(b->be, ref, readonly) == 0)
		__atomic_fetch_sub(&b->ctl->st.mapped, 1, __ATOMIC_RELAXED);
}

static int check_config(const struct pvf_bb_config *c)
{
	uint32_t ss = c->sector_size;

	if (ss < 512 || ss > 65536 || (ss & (ss - 1)))
		return -PVF_EINVAL;
	if (c->physical_sector_size < ss || c->physical_sector_size % ss)
		return -PVF_EINVAL;
	if (c->max_ring_order > (int)PVF_BB_MAX_RING_ORDER || c->max_ring_order < -1)
		return -PVF_EINVAL;
	if (c->max_ring_pages > (1u << PVF_BB_MAX_RING_ORDER))
		return -PVF_EINVAL;
	if (c->max_queues > PVF_BB_MAX_QUEUES || c->max_indirect > PVF_BB_MAX_INDIRECT)
		return -PVF_EINVAL;
	if (c->max_indirect && c->max_indirect <= BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return -PVF_EINVAL;
	if (c->discard && c->discard_granularity % 512)
		return -PVF_EINVAL;
	if (!c->image[0] && (c->null_sectors == 0 || (c->null_sectors * 512) % ss))
		return -PVF_EINVAL;
	return 0;
}

int bb_open_disk(struct pvf_blkback *b)
{
	struct stat stt;
	int flags;

	b->fd = -1;
	if (!b->cfg.image[0]) {
		b->sectors = b->cfg.null_sectors;
		return 0;
	}
	flags = (b->cfg.readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
	if (b->cfg.o_direct)
		flags |= O_DIRECT;
	b->fd = open(b->cfg.image, flags);
	if (b->fd < 0)
		return neg_errno(errno);
	if (fstat(b->fd, &stt) || stt.st_size <= 0 ||
	    (uint64_t)stt.st_size % b->cfg.sector_size) {
		close(b->fd);
		b->fd = -1;
		return -PVF_EINVAL;
	}
	b->sectors = (uint64_t)stt.st_size / 512;
	return 0;
}

static int bb_alloc(struct pvf_lb_hv *hv, const struct pvf_bb_config *cfg, const char *fe_dir,
		    const char *be_dir, struct pvf_blkback **out)
{
	struct pvf_blkback *b;
	unsigned int i;
	int rc;

	if (!hv || !cfg || !fe_dir || !be_dir || strlen(fe_dir) >= PVF_BLK_PATH_MAX ||
	    strlen(be_dir) >= PVF_BLK_PATH_MAX)
		return -PVF_EINVAL;
	rc = check_config(cfg);
	if (rc)
		return rc;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -PVF_ENOMEM;
	b->hv = hv;
	b->cfg = *cfg;
	b->cfg.image[sizeof(b->cfg.image) - 1] = '\0';
	strcpy(b->fe, fe_dir);
	strcpy(b->be_dir, be_dir);
	b->fd = -1;
	pthread_mutex_init(&b->map_lock, NULL);
	for (i = 0; i < PVF_BB_MAX_QUEUES; i++) {
		b->q[i].b = b;
		b->q[i].idx = i;
	}
	b->ctl = mmap(NULL, sizeof(*b->ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (b->ctl == MAP_FAILED) {
		free(b);
		return -PVF_ENOMEM;
	}
	memset(b->ctl, 0, sizeof(*b->ctl));
	rc = bb_open_disk(b);
	if (rc) {
		munmap(b->ctl, sizeof(*b->ctl));
		free(b);
		return rc;
	}
	*out = b;
	return 0;
}

int pvf_bb_create(struct pvf_lb_hv *hv, const struct pvf_bb_config *cfg,
		  const char *fe_dir, const char *be_dir, struct pvf_blkback **out)
{
	int rc = bb_alloc(hv, cfg, fe_dir, be_dir, out);

	if (rc)
		return rc;
	rc = pvf_lb_be_open(hv, &(*out)->be);
	if (rc) {
		pvf_bb_destroy(*out);
		*out = NULL;
	}
	return rc;
}

int pvf_bb_start(struct pvf_blkback *b)
{
	if (b->started || b->pid)
		return -PVF_EALREADY;
	BB_SET(b->ctl->stop, 0);
	if (pthread_create(&b->thread, NULL, bb_control_main, b))
		return -PVF_ENOMEM;
	b->started = true;
	return 0;
}

int pvf_bb_stop(struct pvf_blkback *b)
{
	if (b->started) {
		BB_SET(b->ctl->stop, 1);
		pthread_join(b->thread, NULL);
		b->started = false;
	}
	return BB_GET(b->ctl->st.error);
}

void pvf_bb_destroy(struct pvf_blkback *b)
{
	if (!b)
		return;
	if (b->pid)
		pvf_bb_kill(b, SIGTERM);
	pvf_bb_stop(b);
	if (b->be)
		pvf_lb_be_close(b->be);
	if (b->fd >= 0)
		close(b->fd);
	pthread_mutex_destroy(&b->map_lock);
	munmap(b->ctl, sizeof(*b->ctl));
	free(b);
}

int pvf_bb_resize(struct pvf_blkback *b, uint64_t sectors)
{
	if (sectors == 0 || (sectors * 512) % b->cfg.sector_size || sectors > (UINT64_MAX >> 10))
		return -PVF_EINVAL;
	BB_SET(b->ctl->resize_sectors, sectors);
	return 0;
}

void pvf_bb_set_eopnotsupp(struct pvf_blkback *b, uint32_t mask)
{
	BB_SET(b->ctl->eopnotsupp_mask, mask);
}

void pvf_bb_misbehave(struct pvf_blkback *b, enum pvf_bb_misbehave m)
{
	BB_SET(b->ctl->misbehave, (uint32_t)m);
}

void pvf_bb_get_stats(struct pvf_blkback *b, struct pvf_bb_stats *st)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(st, &b->ctl->st, sizeof(*st));
}

int pvf_bb_pause(struct pvf_blkback *b, bool on, int timeout_ms)
{
	int waited;

	BB_SET(b->ctl->pause, on ? 1u : 0u);
	if (!on)
		return 0;
	for (waited = 0; waited <= timeout_ms; waited++) {
		if (BB_GET(b->ctl->st.paused) >= BB_GET(b->ctl->st.nr_queues))
			return 0;
		usleep(1000);
	}
	return -PVF_ETIMEDOUT;
}

int pvf_bb_wait_state(struct pvf_blkback *b, uint32_t state, int timeout_ms)
{
	int waited;

	for (waited = 0; waited <= timeout_ms; waited++) {
		if (BB_GET(b->ctl->st.state) == state)
			return 0;
		usleep(1000);
	}
	return -PVF_ETIMEDOUT;
}

int pvf_bb_fork(struct pvf_lb_hv *hv, const struct pvf_bb_config *cfg,
		const char *fe_dir, const char *be_dir, struct pvf_blkback **out)
{
	struct pvf_blkback *b;
	int rc = bb_alloc(hv, cfg, fe_dir, be_dir, &b);
	pid_t pid;

	if (rc)
		return rc;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		pvf_bb_destroy(b);
		return -PVF_EIO;
	}
	if (pid == 0) {
		/* The child: a process of its own, as dom0 is.  It attaches to
		 * the hypervisor through the memfd rather than the inherited
		 * mapping, and leaves by _exit (no atexit of the parent). */
		struct pvf_lb_hv *mine = NULL;
		int code = 1;

		signal(SIGTERM, SIG_DFL);
		if (pvf_lb_hv_attach(pvf_lb_hv_fd(hv), &mine) == 0) {
			b->hv = mine;
			if (pvf_lb_be_open(mine, &b->be) == 0) {
				sigset_t set;

				/* SIGTERM is turned into a clean stop */
				sigemptyset(&set);
				sigaddset(&set, SIGTERM);
				pthread_sigmask(SIG_BLOCK, &set, NULL);
				if (pvf_bb_start(b) == 0) {
					int sig = 0;

					sigwait(&set, &sig);
					code = pvf_bb_stop(b) ? 1 : 0;
				}
				pvf_lb_be_close(b->be);
			}
			pvf_lb_hv_destroy(mine);
		}
		_exit(code);
	}
	b->pid = pid;
	*out = b;
	return 0;
}

pid_t pvf_bb_pid(const struct pvf_blkback *b)
{
	return b->pid;
}

int pvf_bb_kill(struct pvf_blkback *b, int sig)
{
	int status = 0;

	if (!b->pid)
		return -PVF_EINVAL;
	kill(b->pid, sig);
	while (waitpid(b->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			b->pid = 0;
			return -PVF_EINVAL;
		}
	}
	b->pid = 0;
	/* the process is gone: the hypervisor releases what it held */
	pvf_lb_hv_reap(b->hv);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int pvf_bb_replace(struct pvf_blkback **bp, const struct pvf_bb_config *cfg)
{
	struct pvf_blkback *old, *nb = NULL;
	struct pvf_bb_config c;
	int rc;

	if (!bp || !*bp || !cfg || (*bp)->started)
		return -PVF_EINVAL;
	old = *bp;
	if (old->pid)
		pvf_bb_kill(old, SIGKILL);
	c = *cfg;
	c.restart = true;
	rc = pvf_bb_fork(old->hv, &c, old->fe, old->be_dir, &nb);
	if (rc)
		return rc;
	pvf_bb_destroy(old);
	*bp = nb;
	return 0;
}

/* ---- toolstack role --------------------------------------------------------- */

int pvf_bb_toolstack_add(unsigned int devid, unsigned int fe_domid, unsigned int be_domid,
			 const struct pvf_bb_config *cfg, char *fe_dir, size_t fe_size,
			 char *be_dir, size_t be_size)
{
	char vdev[16];
	const struct pvf_ts_kv fe_keys[] = {
		{ "virtual-device", vdev },
		{ "device-type", cfg && cfg->cdrom ? "cdrom" : "disk" },
		{ NULL, NULL },
	};
	const struct pvf_ts_kv be_keys[] = {
		{ "type", "file" },
		{ "mode", cfg && cfg->readonly ? "r" : "w" },
		{ "params", cfg && cfg->image[0] ? cfg->image : "null" },
		{ NULL, NULL },
	};

	snprintf(vdev, sizeof(vdev), "%u", devid);
	return pvf_ts_add_device(NULL, "vbd", devid, fe_domid, be_domid, fe_keys, be_keys, fe_dir,
				 fe_size, be_dir, be_size);
}

int pvf_bb_toolstack_remove(const char *fe_dir, const char *be_dir)
{
	return pvf_ts_remove_device(NULL, fe_dir, be_dir);
}
