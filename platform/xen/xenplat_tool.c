/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Real-Xen platform: the toolstack role.  Writes the backend and frontend
 * directories that libxl and the hotplug scripts would write, so that the
 * kernel's xen-blkback and xen-netback serve a frontend running in a
 * userspace process (see docs/real-xen.md).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <xenstore.h>
#include "../../common/internal.h"
#include "xenplat_int.h"

#define XP_KV_MAX 16

struct xp_kv {
	const char *key;
	char val[256];
};

struct xp_dir {
	char path[256];
	struct xp_kv kv[XP_KV_MAX];
	unsigned int n;
};

static void kv_add(struct xp_dir *d, const char *key, const char *fmt, const char *s, unsigned int u)
{
	if (d->n >= XP_KV_MAX)
		return;
	d->kv[d->n].key = key;
	if (s)
		snprintf(d->kv[d->n].val, sizeof(d->kv[d->n].val), fmt, s);
	else
		snprintf(d->kv[d->n].val, sizeof(d->kv[d->n].val), fmt, u);
	d->n++;
}

/* Write both directories in one transaction; retried on conflicts.  The
 * backend directory is owned by the backend domain and readable by the
 * frontend, the frontend directory the other way round. */
static int write_pair(struct pvf_xenplat *x, const struct xp_dir *be, const struct xp_dir *fe,
		      pvf_domid_t fe_domid)
{
	struct xs_permissions pbe[2] = {
		{ .id = x->cfg.backend_domid, .perms = XS_PERM_NONE },
		{ .id = fe_domid, .perms = XS_PERM_READ },
	};
	struct xs_permissions pfe[2] = {
		{ .id = fe_domid, .perms = XS_PERM_NONE },
		{ .id = x->cfg.backend_domid, .perms = XS_PERM_READ },
	};
	unsigned int nperm = fe_domid == x->cfg.backend_domid ? 1 : 2;

	for (int attempt = 0; attempt < 16; attempt++) {
		xs_transaction_t t = xs_transaction_start(x->xsc.xs);
		const struct xp_dir *dirs[2] = { be, fe };
		char p[512];
		bool ok = t != XBT_NULL;

		for (int d = 0; ok && d < 2; d++) {
			ok = xs_mkdir(x->xsc.xs, t, dirs[d]->path) &&
			     xs_set_permissions(x->xsc.xs, t, dirs[d]->path, d ? pfe : pbe, nperm);
			for (unsigned int i = 0; ok && i < dirs[d]->n; i++) {
				snprintf(p, sizeof(p), "%s/%s", dirs[d]->path, dirs[d]->kv[i].key);
				ok = xs_write(x->xsc.xs, t, p, dirs[d]->kv[i].val,
					      (unsigned int)strlen(dirs[d]->kv[i].val));
			}
		}
		if (!ok) {
			int rc = pvf_xsc_err();

			if (t != XBT_NULL)
				xs_transaction_end(x->xsc.xs, t, true);
			return rc;
		}
		if (xs_transaction_end(x->xsc.xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return pvf_xsc_err();
	}
	return -PVF_EAGAIN;
}

static int fe_dir_ok(const char *fe_dir)
{
	size_t n = fe_dir ? strlen(fe_dir) : 0;

	return n > 1 && n < 200 && fe_dir[0] == '/' && fe_dir[n - 1] != '/';
}

PVF_API int pvf_xenplat_vbd_create(struct pvf_xenplat *x, const char *fe_dir, pvf_domid_t fe_domid,
				   uint32_t devid, const char *bdev, int readonly)
{
	struct xp_dir be = { .n = 0 }, fe = { .n = 0 };
	struct stat st;
	char dev[16];

	if (!fe_dir_ok(fe_dir) || !bdev || strlen(bdev) >= 128)
		return -PVF_EINVAL;
	if (stat(bdev, &st) < 0)
		return errno == ENOENT ? -PVF_ENOENT : -PVF_EINVAL;
	if (!S_ISBLK(st.st_mode))
		return -PVF_EINVAL;
	if ((devid >> 8) == 202 && (devid & 0xf) == 0 && ((devid & 0xff) >> 4) < 16)
		snprintf(dev, sizeof(dev), "xvd%c", 'a' + (int)((devid & 0xff) >> 4));
	else
		snprintf(dev, sizeof(dev), "%u", devid);
	snprintf(be.path, sizeof(be.path), "/local/domain/%u/backend/vbd/%u/%u",
		 x->cfg.backend_domid, fe_domid, devid);
	snprintf(fe.path, sizeof(fe.path), "%s", fe_dir);
	kv_add(&be, "frontend", "%s", fe_dir, 0);
	kv_add(&be, "frontend-id", "%u", NULL, fe_domid);
	kv_add(&be, "online", "%u", NULL, 1);
	kv_add(&be, "removable", "%u", NULL, 0);
	kv_add(&be, "bootable", "%u", NULL, 1);
	kv_add(&be, "state", "%u", NULL, 1);
	kv_add(&be, "params", "%s", bdev, 0);
	kv_add(&be, "type", "%s", "phy", 0);
	kv_add(&be, "mode", "%s", readonly ? "r" : "w", 0);
	kv_add(&be, "device-type", "%s", "disk", 0);
	kv_add(&be, "dev", "%s", dev, 0);
	/* Normally the block hotplug script's job; blkback opens the device
	 * when this node appears. */
	{
		char pd[32];

		snprintf(pd, sizeof(pd), "%x:%x", major(st.st_rdev), minor(st.st_rdev));
		kv_add(&be, "physical-device", "%s", pd, 0);
	}
	kv_add(&fe, "backend", "%s", be.path, 0);
	kv_add(&fe, "backend-id", "%u", NULL, x->cfg.backend_domid);
	kv_add(&fe, "state", "%u", NULL, 1);
	kv_add(&fe, "virtual-device", "%u", NULL, devid);
	kv_add(&fe, "device-type", "%s", "disk", 0);
	return write_pair(x, &be, &fe, fe_domid);
}

PVF_API int pvf_xenplat_vif_create(struct pvf_xenplat *x, const char *fe_dir, pvf_domid_t fe_domid,
				   uint32_t handle, const char *mac, const char *script)
{
	struct xp_dir be = { .n = 0 }, fe = { .n = 0 };
	unsigned int m[6];
	char tail;

	if (!fe_dir_ok(fe_dir) || !mac || !script || strlen(script) >= 128 ||
	    sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5], &tail) != 6)
		return -PVF_EINVAL;
	snprintf(be.path, sizeof(be.path), "/local/domain/%u/backend/vif/%u/%u",
		 x->cfg.backend_domid, fe_domid, handle);
	snprintf(fe.path, sizeof(fe.path), "%s", fe_dir);
	kv_add(&be, "frontend", "%s", fe_dir, 0);
	kv_add(&be, "frontend-id", "%u", NULL, fe_domid);
	kv_add(&be, "online", "%u", NULL, 1);
	kv_add(&be, "state", "%u", NULL, 1);
	kv_add(&be, "handle", "%u", NULL, handle);
	kv_add(&be, "mac", "%s", mac, 0);
	kv_add(&be, "script", "%s", script, 0);
	/* What the vif hotplug script writes once the interface is set up. */
	kv_add(&be, "hotplug-status", "%s", "connected", 0);
	kv_add(&fe, "backend", "%s", be.path, 0);
	kv_add(&fe, "backend-id", "%u", NULL, x->cfg.backend_domid);
	kv_add(&fe, "state", "%u", NULL, 1);
	kv_add(&fe, "handle", "%u", NULL, handle);
	kv_add(&fe, "mac", "%s", mac, 0);
	return write_pair(x, &be, &fe, fe_domid);
}

PVF_API int pvf_xenplat_dev_destroy(struct pvf_xenplat *x, const char *type, const char *fe_dir,
				    pvf_domid_t fe_domid, uint32_t devid)
{
	char be[256];

	if (!fe_dir_ok(fe_dir) || !type || (strcmp(type, "vbd") != 0 && strcmp(type, "vif") != 0))
		return -PVF_EINVAL;
	snprintf(be, sizeof(be), "/local/domain/%u/backend/%s/%u/%u",
		 x->cfg.backend_domid, type, fe_domid, devid);
	if (!xs_rm(x->xsc.xs, XBT_NULL, fe_dir) && errno != ENOENT)
		return pvf_xsc_err();
	if (!xs_rm(x->xsc.xs, XBT_NULL, be) && errno != ENOENT)
		return pvf_xsc_err();
	return 0;
}
