/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The harness environment: the embedded xenstore server, the simulated
 * hypervisor and the guest side, started and stopped together.  Every
 * harness command that runs frontends against userspace backends starts
 * from this.
 */
#ifndef PVF_HARNESS_ENV_H
#define PVF_HARNESS_ENV_H

#include <stdint.h>
#include <pvfront/loopback.h>
#include <pvfront/xsd.h>

struct pvf_env {
	struct pvf_xsd *xsd;        /* embedded xenstore (owned) */
	struct pvf_lb_hv *hv;       /* simulated hypervisor (owned) */
	struct pvf_lb_guest *guest; /* the guest domain's side (owned) */
	struct pvf_lb_config cfg;   /* sizes actually used */
};

/*
 * pvf_env_start - start the embedded xenstore (on a fresh temporary
 * socket, exported as XENSTORED_PATH for libxenstore users in this
 * process and its children), create the hypervisor with @cfg (NULL:
 * defaults) and open the guest side connected to the xenstore.
 * On failure prints a message naming @who and what failed, and leaves
 * nothing behind.  Returns 0 or a negative PVF error.
 */
int pvf_env_start(struct pvf_env *env, const struct pvf_lb_config *cfg, const char *who);

/* Stop and free everything pvf_env_start made (safe on a zeroed env). */
void pvf_env_stop(struct pvf_env *env);

#endif
