/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "env.h"

int pvf_env_start(struct pvf_env *env, const struct pvf_lb_config *cfg, const char *who)
{
	struct pvf_xsd_config xcfg;
	const char *what = "start the embedded xenstore";
	int rc;

	memset(env, 0, sizeof(*env));
	memset(&xcfg, 0, sizeof(xcfg));
	rc = pvf_xsd_create(&xcfg, &env->xsd);
	if (!rc)
		rc = pvf_xsd_start(env->xsd);
	if (!rc) {
		setenv("XENSTORED_PATH", pvf_xsd_socket_path(env->xsd), 1);
		what = "create the simulated hypervisor";
		if (cfg)
			env->cfg = *cfg;
		else
			pvf_lb_config_init(&env->cfg);
		rc = pvf_lb_hv_create(&env->cfg, &env->hv);
	}
	if (!rc) {
		what = "open the guest domain";
		rc = pvf_lb_guest_open(env->hv, &env->guest);
	}
	if (!rc) {
		what = "connect the guest to xenstore";
		rc = pvf_lb_guest_xs_connect(env->guest, pvf_xsd_socket_path(env->xsd));
	}
	if (rc) {
		fprintf(stderr, "pvfront %s: cannot %s: %s\n", who, what, pvf_strerror(rc));
		pvf_env_stop(env);
	}
	return rc;
}

void pvf_env_stop(struct pvf_env *env)
{
	if (env->guest)
		pvf_lb_guest_close(env->guest);
	if (env->hv)
		pvf_lb_hv_destroy(env->hv);
	if (env->xsd) {
		pvf_xsd_stop(env->xsd);
		pvf_xsd_destroy(env->xsd);
	}
	memset(env, 0, sizeof(*env));
}
