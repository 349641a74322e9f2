/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pvfront-nbdkit.so: an nbdkit plugin that exports a blkfront device.
 *
 *   nbdkit --unix SOCK ./pvfront-nbdkit.so image=disk.img [profile=linux]
 *          [queues=N] [readonly=true]
 *   nbdkit ... ./pvfront-nbdkit.so null-size=1G
 *
 * After nbdkit has forked (after_fork) the plugin starts the harness
 * environment (embedded xenstore + simulated hypervisor), the userspace
 * blkback and the pvf_blk frontend core (nbd_dev.c).  NBD commands map to
 * blkfront requests: pread/pwrite are split into ring-request-sized chunks,
 * zero writes zeroes, trim is a discard, flush a flush (or barrier).  FUA is
 * emulated by nbdkit with a flush.  Requests must be aligned to the sector
 * size (block_size advertises it); an unaligned one fails with EINVAL and a
 * message (stack nbdkit's blocksize filter to get read-modify-write).
 *
 * Thread model PARALLEL: the device serialises calls into the core with
 * one mutex and a pump thread completes requests, so requests of every
 * connection are in flight together.  Each connection sends its requests
 * down one ring queue (connection number modulo the queues).  All
 * connections share one device and flushes are device-wide, so
 * can_multi_conn is true.  See docs/nbd.md.
 */
#define NBDKIT_API_VERSION 2
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include <nbdkit-plugin.h>
#include <pvfront/errno.h>
#include "nbd_dev.h"

#define THREAD_MODEL NBDKIT_THREAD_MODEL_PARALLEL

struct nbdkit_plugin *plugin_init(void);

static struct pvf_nbd_config cfg;
static bool have_image, have_null;
static struct pvf_nbd_dev *dev;
static struct pvf_nbd_props props;
static atomic_uint next_conn;

struct conn {
	uint32_t queue;
};

static void pvfn_load(void)
{
	pvf_nbd_config_default(&cfg);
}

static int pvfn_config(const char *key, const char *value)
{
	if (!strcmp(key, "image")) {
		char *abs = nbdkit_absolute_path(value);

		if (!abs)
			return -1;
		if (strlen(abs) >= sizeof(cfg.image)) {
			nbdkit_error("image: path too long: %s", abs);
			free(abs);
			return -1;
		}
		strcpy(cfg.image, abs);
		free(abs);
		have_image = true;
	} else if (!strcmp(key, "null-size")) {
		int64_t n = nbdkit_parse_size(value);

		if (n < 0)
			return -1;
		if (n == 0 || n % 4096) {
			nbdkit_error("null-size: %s is not a non-zero multiple of 4096", value);
			return -1;
		}
		cfg.null_size = (uint64_t)n;
		have_null = true;
	} else if (!strcmp(key, "profile")) {
		if (strcmp(value, "linux") && strcmp(value, "qdisk") &&
		    strcmp(value, "qdisk-legacy") && strcmp(value, "minimal")) {
			nbdkit_error("profile: unknown backend profile '%s' (linux, qdisk, "
				     "qdisk-legacy, minimal)", value);
			return -1;
		}
		snprintf(cfg.profile, sizeof(cfg.profile), "%s", value);
	} else if (!strcmp(key, "queues")) {
		uint32_t q;

		if (nbdkit_parse_uint32_t("queues", value, &q) == -1)
			return -1;
		if (q < 1 || q > 8) {
			nbdkit_error("queues: %s is not in 1..8", value);
			return -1;
		}
		cfg.queues = q;
	} else if (!strcmp(key, "readonly")) {
		int r = nbdkit_parse_bool(value);

		if (r == -1) {
			nbdkit_error("readonly: '%s' is not a boolean", value);
			return -1;
		}
		cfg.readonly = r;
	} else {
		nbdkit_error("unknown parameter '%s' (image, null-size, profile, queues, readonly)",
			     key);
		return -1;
	}
	return 0;
}

/* Checked before nbdkit forks, so that a bad image stops it at once. */
static int pvfn_config_complete(void)
{
	struct stat st;
	int fd;

	if (have_image == have_null) {
		nbdkit_error("give exactly one of image=FILE and null-size=SIZE");
		return -1;
	}
	if (!have_image)
		return 0;
	fd = open(cfg.image, (cfg.readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		nbdkit_error("image: cannot open '%s': %s", cfg.image, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size % 512) {
		nbdkit_error("image '%s': not a regular file whose size is a non-zero multiple "
			     "of 512 bytes", cfg.image);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Threads must start after nbdkit's fork. */
static int pvfn_after_fork(void)
{
	char err[256] = "";
	int rc = pvf_nbd_open(&cfg, &dev, err, sizeof(err));

	if (rc) {
		nbdkit_error("cannot start the block device: %s", err);
		return -1;
	}
	pvf_nbd_props(dev, &props);
	nbdkit_debug("pvfront: %s, %llu bytes, sector %u, chunk %u, queues %u%s%s%s",
		     cfg.image[0] ? cfg.image : "null device", (unsigned long long)props.size,
		     props.sector_size, props.chunk, props.queues,
		     props.readonly ? ", read-only" : "", props.flush ? ", flush" : "",
		     props.discard ? ", discard" : "");
	return 0;
}

static void pvfn_cleanup(void)
{
	struct pvf_nbd_stats st;
	int rc;

	if (!dev)
		return;
	rc = pvf_nbd_close(dev, &st);
	dev = NULL;
	/* stderr: nbdkit keeps it in the foreground (-f) and with -v */
	fprintf(stderr, "pvfront-nbdkit: closed: %llu calls, %llu ring requests, %llu bytes "
		"read, %llu written, %llu errors, %llu refused; backend %llu requests, %llu "
		"persistent hits; notifications fe %llu be %llu; grants still mapped %u, "
		"guest pages left %u: %s\n", (unsigned long long)st.calls,
		(unsigned long long)st.chunks, (unsigned long long)st.bytes_read,
		(unsigned long long)st.bytes_written, (unsigned long long)st.errors,
		(unsigned long long)st.refused, (unsigned long long)st.be_requests,
		(unsigned long long)st.be_persistent_hits, (unsigned long long)st.fe_notifies,
		(unsigned long long)st.be_notifies, st.grants_mapped, st.pages_left,
		rc ? pvf_strerror(rc) : "clean");
}

static void *pvfn_open(int readonly)
{
	struct conn *c = malloc(sizeof(*c));

	if (!c) {
		nbdkit_error("out of memory");
		return NULL;
	}
	c->queue = atomic_fetch_add(&next_conn, 1u) % (props.queues ? props.queues : 1);
	return c;
}

static void pvfn_close(void *h)
{
	free(h);
}

static int64_t pvfn_get_size(void *h)
{
	return (int64_t)props.size;
}

static int pvfn_block_size(void *h, uint32_t *minimum, uint32_t *preferred, uint32_t *maximum)
{
	*minimum = props.sector_size;
	*preferred = props.sector_size > 4096 ? props.sector_size : 4096;
	*maximum = 0xffffffffu;
	return 0;
}

static int pvfn_can_write(void *h)
{
	return !props.readonly;
}

static int pvfn_can_flush(void *h)
{
	return props.flush;
}

static int pvfn_can_trim(void *h)
{
	return props.discard && !props.readonly;
}

static int pvfn_can_zero(void *h)
{
	return !props.readonly;
}

static int pvfn_can_fast_zero(void *h)
{
	return 0;
}

static int pvfn_can_fua(void *h)
{
	return props.flush ? NBDKIT_FUA_EMULATE : NBDKIT_FUA_NONE;
}

static int pvfn_can_multi_conn(void *h)
{
	return 1;
}

static int pvfn_is_rotational(void *h)
{
	return 0;
}

static int io(void *h, enum pvf_nbd_op op, void *buf, uint32_t count, uint64_t offset)
{
	const struct conn *c = h;
	char err[256];
	int rc = pvf_nbd_io(dev, op, buf, count, offset, c->queue, err, sizeof(err));

	if (rc) {
		nbdkit_error("%s", err);
		nbdkit_set_error(-rc);
		return -1;
	}
	return 0;
}

static int pvfn_pread(void *h, void *buf, uint32_t count, uint64_t offset, uint32_t flags)
{
	return io(h, PVF_NBD_READ, buf, count, offset);
}

static int pvfn_pwrite(void *h, const void *buf, uint32_t count, uint64_t offset,
		       uint32_t flags)
{
	/* the device only reads from buf for a write */
	return io(h, PVF_NBD_WRITE, (void *)(uintptr_t)buf, count, offset);
}

static int pvfn_flush(void *h, uint32_t flags)
{
	return io(h, PVF_NBD_FLUSH, NULL, 0, 0);
}

static int pvfn_trim(void *h, uint32_t count, uint64_t offset, uint32_t flags)
{
	return io(h, PVF_NBD_TRIM, NULL, count, offset);
}

static int pvfn_zero(void *h, uint32_t count, uint64_t offset, uint32_t flags)
{
	if (flags & NBDKIT_FLAG_FAST_ZERO) {
		nbdkit_set_error(ENOTSUP);
		return -1;
	}
	return io(h, PVF_NBD_ZERO, NULL, count, offset);
}

static struct nbdkit_plugin plugin = {
	.name = "pvfront",
	.longname = "pvfront blkfront over the loopback harness",
	.version = PACKAGE_VERSION,
	.description = "Exports a Xen PV block frontend (pvf_blk) connected to a userspace "
		       "blkback over a simulated hypervisor.",
	.load = pvfn_load,
	.config = pvfn_config,
	.config_complete = pvfn_config_complete,
	.config_help = "image=FILE         raw image served by the backend\n"
		       "null-size=SIZE     null backend of this size instead (multiple of 4096)\n"
		       "profile=NAME       backend profile: linux (default), qdisk, "
		       "qdisk-legacy, minimal\n"
		       "queues=N           frontend queues 1..8 (default 1)\n"
		       "readonly=BOOL      backend mode=r (default false)",
	.magic_config_key = "image",
	.after_fork = pvfn_after_fork,
	.cleanup = pvfn_cleanup,
	.open = pvfn_open,
	.close = pvfn_close,
	.get_size = pvfn_get_size,
	.block_size = pvfn_block_size,
	.can_write = pvfn_can_write,
	.can_flush = pvfn_can_flush,
	.can_trim = pvfn_can_trim,
	.can_zero = pvfn_can_zero,
	.can_fast_zero = pvfn_can_fast_zero,
	.can_fua = pvfn_can_fua,
	.can_multi_conn = pvfn_can_multi_conn,
	.is_rotational = pvfn_is_rotational,
	.pread = pvfn_pread,
	.pwrite = pvfn_pwrite,
	.flush = pvfn_flush,
	.trim = pvfn_trim,
	.zero = pvfn_zero,
	.errno_is_preserved = 0,
};

NBDKIT_REGISTER_PLUGIN(plugin)
