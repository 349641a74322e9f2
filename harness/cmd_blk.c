/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `pvfront blk`: a block workload through the pvf_blk frontend core and the
 * userspace blkback, over the simulated hypervisor (docs/blk.md); with
 * --platform=xen, in a Xen dom0 against the kernel's xen-blkback over
 * platform/xen, the command playing the toolstack (docs/real-xen.md).  Both
 * run the same workload (pvf_wl_run, through struct pvf_wl_host).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/loop.h>
#include <xenstore.h>
#include <pvfront/errno.h>
#include <pvfront/xenplat.h>
#include "blkback.h"
#include "commands.h"
#include "env.h"
#include "toolstack.h"

static void usage(void)
{
	printf("Usage: pvfront blk (--image FILE | --null) [options]\n\n"
	       "Runs a block workload through the block frontend core and the userspace\n"
	       "blkback over the simulated hypervisor, and prints IOPS, MB/s, latency\n"
	       "p50/p99 and notifications per request.\n\n"
	       "  --rw read|write|randread|randwrite|mixed   pattern (default read;\n"
	       "                     randrw = mixed)\n"
	       "  --bs SIZE          request size, multiple of 512, up to 1M (default 4k)\n"
	       "  --iodepth N        requests in flight, 1..1024 (default 1)\n"
	       "  --queues N         queues (rings), 1..8 (default 1)\n"
	       "  --runtime SECS     run this long (default 2)\n"
	       "  --size BYTES       amount of I/O and range used (instead of --runtime)\n"
	       "  --image FILE       raw image served by the backend (size: multiple of 512)\n"
	       "  --null             null backend: completes without moving data\n"
	       "  --null-size BYTES  size of the null device (default 1G)\n"
	       "  --profile NAME     backend feature set: linux, qdisk, qdisk-legacy, minimal\n"
	       "  --verify           write patterns (block number + seed), check on read-back\n"
	       "  --untrusted        the backend is not trusted (the toolstack writes\n"
	       "                     trusted=0): blkfront copies data through bounce pages\n"
	       "  --seed N           pattern seed (default 1)\n"
	       "  --json             one JSON object on stdout\n"
	       "  (--opt VALUE and --opt=VALUE are the same)\n"
	       "  --platform=loopback|xen   loopback (default): simulated hypervisor and\n"
	       "                     userspace blkback; xen: in a Xen dom0 (root), the kernel's\n"
	       "                     xen-blkback on a loop device over --image, the same\n"
	       "                     workload options (not --null, --null-size, --profile;\n"
	       "                     --queues is capped by the backend)\n");
}

static int check_image(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "pvfront blk: cannot open image '%s': %s\n", path, strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size % 512) {
		fprintf(stderr, "pvfront blk: image '%s': size %lld is not a non-zero multiple "
			"of 512 bytes\n", path, (long long)st.st_size);
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

/* The summary of a run (both platforms).  @be_notifies: backend
 * notifications (blkback's counter; on xen the events the core received);
 * @profile and @device name the backend and the disk. */
static void print_result(const struct pvf_wl_opts *o, const struct pvf_blk *blk,
			 const struct pvf_wl_result *r, uint64_t be_notifies, const char *profile,
			 const char *device)
{
	static const char *const rw[] = { "read", "write", "randread", "randwrite", "mixed" };
	const struct pvf_blk_info *in = pvf_blk_get_info(blk);
	double secs = r->elapsed_ns ? (double)r->elapsed_ns / 1e9 : 1e-9;
	double iops = (double)r->ios / secs, mbs = (double)r->bytes / secs / 1e6;
	double fe_n = r->ios ? (double)r->fe_notifies / (double)r->ios : 0;
	double be_n = r->ios ? (double)be_notifies / (double)r->ios : 0;

	if (o->json) {
		printf("{\"rw\":\"%s\",\"bs\":%u,\"iodepth\":%u,\"queues\":%u,\"profile\":\"%s\","
		       "\"device\":\"%s\",\"ring_order\":%u,\"indirect\":%u,\"persistent\":%s,"
		       "\"ios\":%llu,\"bytes\":%llu,\"seconds\":%.6f,\"iops\":%.1f,\"mbps\":%.3f,"
		       "\"lat_p50_us\":%.1f,\"lat_p99_us\":%.1f,\"lat_max_us\":%.1f,"
		       "\"notify_per_req\":%.4f,\"fe_notify_per_req\":%.4f,"
		       "\"be_notify_per_req\":%.4f,\"errors\":%llu,\"verify\":%s,"
		       "\"verify_errors\":%llu,\"bounce\":%s,\"untrusted\":%s}\n",
		       rw[o->rw], o->bs, o->iodepth, in->nr_queues, profile,
		       o->null ? "null" : "image", in->ring_order, in->max_indirect_segs,
		       in->persistent ? "true" : "false", (unsigned long long)r->ios,
		       (unsigned long long)r->bytes, secs, iops, mbs, (double)r->lat_p50_ns / 1e3,
		       (double)r->lat_p99_ns / 1e3, (double)r->lat_max_ns / 1e3, fe_n + be_n, fe_n,
		       be_n, (unsigned long long)r->errors, o->verify ? "true" : "false",
		       (unsigned long long)r->verify_errors, in->bounce ? "true" : "false",
		       in->untrusted ? "true" : "false");
		return;
	}
	printf("pvfront blk: %s bs=%u iodepth=%u queues=%u profile=%s device=%s\n", rw[o->rw],
	       o->bs, o->iodepth, in->nr_queues, profile, device);
	printf("  negotiated: ring order %u (%u slots), indirect %u, persistent %s, flush %s, "
	       "discard %s%s\n", in->ring_order, in->ring_size, in->max_indirect_segs,
	       in->persistent ? "yes" : "no", in->flush ? "yes" : "no",
	       in->discard ? "yes" : "no",
	       in->untrusted ? ", bounce buffers (untrusted backend)"
	       : in->bounce ? ", data copied through the persistent-grant pool" : "");
	printf("  %llu requests in %.3f s: %.0f IOPS, %.2f MB/s\n", (unsigned long long)r->ios,
	       secs, iops, mbs);
	printf("  latency: p50 %.1f us, p99 %.1f us, max %.1f us\n", (double)r->lat_p50_ns / 1e3,
	       (double)r->lat_p99_ns / 1e3, (double)r->lat_max_ns / 1e3);
	printf("  notifications per request: %.3f (frontend %.3f, backend %.3f)\n", fe_n + be_n,
	       fe_n, be_n);
	if (o->verify)
		printf("  verify: %s\n", r->verify_errors ? "FAILED" : "ok");
	if (r->errors)
		printf("  errors: %llu\n", (unsigned long long)r->errors);
}

/* The hypervisor sizes workload @o needs, into @lc (defaults otherwise). */
void pvf_blk_job_env_config(const struct pvf_wl_opts *o, struct pvf_lb_config *lc)
{
	struct pvf_blk_config fc;

	pvf_blk_job_frontend_config(o, &fc);
	pvf_lb_config_init(lc);
	lc->guest_pages = pvf_wl_pages(o) + o->queues * (16u + fc.pool_pages + 1024u) + 4096u;
	if (lc->guest_pages > 1048576)
		lc->guest_pages = 1048576;
	lc->grant_entries = 65536;
}

void pvf_blk_job_frontend_config(const struct pvf_wl_opts *o, struct pvf_blk_config *fc)
{
	uint32_t ppb = (o->bs + PVF_PAGE_SIZE - 1) / PVF_PAGE_SIZE;

	pvf_blk_config_default(fc);
	fc->nr_queues = (uint8_t)o->queues;
	if (ppb > fc->max_indirect_segs)
		fc->max_indirect_segs = (uint16_t)ppb;
	fc->pool_pages = (uint16_t)(o->iodepth * ppb / o->queues + 16);
	if (fc->pool_pages < 64)
		fc->pool_pages = 64;
	if (fc->pool_pages > 4096)
		fc->pool_pages = 4096;
	if (fc->pool_pages < fc->max_indirect_segs)
		fc->pool_pages = fc->max_indirect_segs;
}

int pvf_blk_job(struct pvf_env *env, const struct pvf_wl_opts *o, unsigned int devid)
{
	struct pvf_wl_result r;
	struct pvf_bb_config bc;
	struct pvf_bb_stats bs;
	struct pvf_lb_stats hs;
	struct pvf_blk_config fc;
	struct pvf_blkback *b = NULL;
	struct pvf_bbc c;
	struct pvf_wl_host h;
	char fe[128] = "", be[128] = "";
	int rc, status = 1;

	pvf_bb_profile(&bc, o->profile);
	if (o->null)
		bc.null_sectors = o->null_size / 512;
	else
		snprintf(bc.image, sizeof(bc.image), "%s", o->image);
	setenv("PVF_BLKBACK_QUIET", "1", 0);
	pvf_blk_job_frontend_config(o, &fc);

	rc = pvf_bb_toolstack_add(devid, pvf_lb_guest_domid(env->guest), 0, &bc, fe, sizeof(fe),
				  be, sizeof(be));
	if (!rc && o->untrusted) {
		/* as a toolstack does for a backend in a domain it does not trust */
		struct xs_handle *xs = xs_open(0);

		rc = xs ? pvf_ts_write(xs, XBT_NULL, fe, "trusted", "0") : -PVF_EIO;
		if (xs)
			xs_close(xs);
	}
	if (!rc)
		rc = pvf_bb_create(env->hv, &bc, fe, be, &b);
	if (!rc)
		rc = pvf_bb_start(b);
	if (rc) {
		fprintf(stderr, "pvfront blk: cannot start the backend: %s\n", pvf_strerror(rc));
		goto out;
	}
	rc = pvf_bbc_open(&c, env->guest, fe, be, &fc, pvf_wl_pages(o), 5000);
	if (rc) {
		fprintf(stderr, "pvfront blk: cannot connect the block frontend: %s\n",
			pvf_strerror(rc));
		goto out;
	}
	memset(&r, 0, sizeof(r));
	rc = pvf_wl_run(pvf_wl_host_bbc(&h, &c), o, &r);
	pvf_bb_get_stats(b, &bs);
	if (rc)
		fprintf(stderr, "pvfront blk: workload failed: %s\n", pvf_strerror(rc));
	else
		print_result(o, &c.blk, &r, bs.notifies, o->profile, o->null ? "null" : o->image);
	if (r.first_error[0])
		fprintf(stderr, "pvfront blk: %s\n", r.first_error);
	status = rc || r.errors || r.verify_errors ? 1 : 0;
	rc = pvf_bbc_close(&c, 5000);
	if (rc) {
		fprintf(stderr, "pvfront blk: closing the device: %s\n", pvf_strerror(rc));
		status = 1;
	}
out:
	if (b && pvf_bb_stop(b))
		status = 1;
	pvf_bb_destroy(b);
	if (pvf_lb_hv_stats(env->hv, &hs) == 0 && hs.grants_mapped) {
		fprintf(stderr, "pvfront blk: %u grants still mapped after the run\n",
			hs.grants_mapped);
		status = 1;
	}
	if (fe[0])
		pvf_bb_toolstack_remove(fe, be);
	return status;
}

/* ---- --platform=xen ----------------------------------------------------------- */

#define XEN_FE "/local/domain/0/pvfront/vbd/51728"
#define XEN_DEVID 51728u /* xvdb */

/* A loop device over @image (autoclear: it goes when the last user closes
 * it).  Returns the open fd of the loop device (name in @dev) or -1. */
static int loop_attach(const char *image, char *dev, size_t dsize)
{
	struct loop_info64 li;
	int ctl, n, lfd = -1, ifd;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0 || (n = ioctl(ctl, LOOP_CTL_GET_FREE)) < 0) {
		fprintf(stderr, "pvfront blk: no free loop device (/dev/loop-control: %s)\n",
			strerror(errno));
		if (ctl >= 0)
			close(ctl);
		return -1;
	}
	close(ctl);
	snprintf(dev, dsize, "/dev/loop%d", n);
	ifd = open(image, O_RDWR | O_CLOEXEC);
	if (ifd >= 0)
		lfd = open(dev, O_RDWR | O_CLOEXEC);
	memset(&li, 0, sizeof(li));
	li.lo_flags = LO_FLAGS_AUTOCLEAR;
	if (ifd < 0 || lfd < 0 || ioctl(lfd, LOOP_SET_FD, ifd) < 0 ||
	    ioctl(lfd, LOOP_SET_STATUS64, &li) < 0) {
		fprintf(stderr, "pvfront blk: cannot attach %s to %s: %s\n", image, dev,
			strerror(errno));
		if (lfd >= 0)
			close(lfd);
		lfd = -1;
	}
	if (ifd >= 0)
		close(ifd);
	return lfd;
}

static int cmd_blk_xen(const struct pvf_wl_opts *o)
{
	struct pvf_xenplat_config xc;
	struct pvf_xenblk_config c;
	struct pvf_blk_config fc;
	struct pvf_xenplat_stats st;
	struct pvf_wl_result r;
	struct pvf_wl_host h;
	struct pvf_xenplat *x = NULL;
	struct pvf_xenblk *b = NULL;
	const struct pvf_blk_info *in;
	char dev[64];
	int lfd, rc, status;

	pvf_xenplat_config_init(&xc);
	xc.log_prefix = "pvfront blk";
	rc = pvf_xenplat_open(&x, &xc);
	if (rc) {
		fprintf(stderr, "pvfront blk: platform xen: %s (needs a Xen dom0, root, the "
			"modules xen-gntalloc, xen-evtchn, xen-blkback and xenstored)\n",
			pvf_strerror(rc));
		return 1;
	}
	lfd = loop_attach(o->image, dev, sizeof(dev));
	if (lfd < 0) {
		pvf_xenplat_close(x);
		return 1;
	}
	pvf_blk_job_frontend_config(o, &fc);
	if (o->untrusted)
		fc.trusted = 0; /* pvf_xenblk_open writes the toolstack nodes itself */
	memset(&c, 0, sizeof(c));
	c.fe_dir = XEN_FE;
	c.devid = XEN_DEVID;
	c.bdev = dev;
	c.blk = &fc;
	c.data_pages = pvf_wl_pages(o);
	rc = pvf_xenblk_open(x, &c, &b);
	if (rc) {
		fprintf(stderr, "pvfront blk: cannot connect to xen-blkback on %s: %s\n", dev,
			pvf_strerror(rc));
		close(lfd);
		pvf_xenplat_close(x);
		return 1;
	}
	in = pvf_blk_get_info(pvf_xenblk_core(b));
	if (!o->json)
		printf("pvfront blk: platform xen, %s on %s (vbd %u), %llu sectors, %u of %u "
		       "queues\n", o->image, dev, XEN_DEVID, (unsigned long long)in->sectors,
		       in->nr_queues, o->queues);
	rc = pvf_wl_run(pvf_wl_host_xen(&h, b), o, &r);
	if (rc)
		fprintf(stderr, "pvfront blk: workload failed: %s\n", pvf_strerror(rc));
	else
		print_result(o, pvf_xenblk_core(b), &r, pvf_blk_get_stats(pvf_xenblk_core(b))->events,
			     "xen-blkback", o->image);
	if (r.first_error[0])
		fprintf(stderr, "pvfront blk: %s\n", r.first_error);
	status = rc || r.errors || r.verify_errors ? 1 : 0;
	rc = pvf_xenblk_close(b);
	if (rc) {
		fprintf(stderr, "pvfront blk: closing the device: %s\n", pvf_strerror(rc));
		status = 1;
	}
	pvf_xenplat_get_stats(x, &st);
	if (st.pages || st.grants || st.ports || st.watches) {
		fprintf(stderr, "pvfront blk: left behind: %u pages, %u grants, %u ports, %u watches\n",
			st.pages, st.grants, st.ports, st.watches);
		status = 1;
	}
	pvf_xenplat_close(x);
	close(lfd);
	return status;
}

int pvf_cmd_blk(int argc, char **argv)
{
	struct pvf_wl_opts o;
	struct pvf_lb_config lc;
	struct pvf_env env;
	char err[256];
	int rc, status, xen = 0, n = 0;
	const char *loopback_only = NULL;
	char **args = calloc((size_t)argc + 1, sizeof(*args));

	if (!args)
		return 1;
	for (int i = 0; i < argc; i++) {
		static const char *const lb_only[] = { "--null", "--null-size", "--profile" };

		for (unsigned int k = 0; k < 3; k++) {
			size_t l = strlen(lb_only[k]);

			if (i > 0 && !strncmp(argv[i], lb_only[k], l) &&
			    (argv[i][l] == '\0' || argv[i][l] == '='))
				loopback_only = lb_only[k];
		}
		if (i > 0 && !strncmp(argv[i], "--platform", 10)) {
			const char *v = argv[i][10] == '=' ? argv[i] + 11
				      : argv[i][10] == '\0' && i + 1 < argc ? argv[++i] : NULL;

			if (v && !strcmp(v, "xen")) {
				xen = 1;
			} else if (!v || strcmp(v, "loopback")) {
				free(args);
				return pvf_usage_error("blk", "--platform: '%s' is not loopback or xen",
						       v ? v : "");
			}
			continue;
		}
		args[n++] = argv[i];
	}
	rc = pvf_wl_parse(n, args, &o, err, sizeof(err));
	free(args);
	if (rc == 1) {
		usage();
		return 0;
	}
	if (rc)
		return pvf_usage_error("blk", "%s", err);
	if (xen && loopback_only)
		return pvf_usage_error("blk", "%s is an option of the loopback platform, not "
				       "--platform=xen", loopback_only);
	if (!o.null && check_image(o.image))
		return 1;
	if (xen)
		return cmd_blk_xen(&o);
	pvf_blk_job_env_config(&o, &lc);
	if (pvf_env_start(&env, &lc, "blk"))
		return 1;
	status = pvf_blk_job(&env, &o, 51712);
	pvf_env_stop(&env);
	return status;
}
