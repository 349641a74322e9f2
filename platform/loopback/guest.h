/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal: the loopback guest handle, shared by guest.c and guest_xs.c. */
#ifndef PVF_LB_GUEST_H
#define PVF_LB_GUEST_H

#include <pthread.h>
#include <stddef.h>
#include <pvfront/gnttab.h>
#include "hv.h"
#include "../xs_client.h"

struct pvf_lb_guest {
	struct pvf_xsc xsc;         /* first: the shared xenstore ops' context;
				       xsc.xs NULL until pvf_lb_guest_xs_connect() */
	struct pvf_lb_hv *hv;
	struct pvf_platform plat;
	struct pvf_platform_ops ops;
	pthread_mutex_t gnt_lock;   /* serialises the grant manager */
	struct pvf_gnttab gnt;
	uint32_t *gnt_free;         /* the manager's free-list storage */
	struct pvf_lb_pio pio;
	enum pvf_log_level log_level;
	char log_prefix[32];
};

_Static_assert(offsetof(struct pvf_lb_guest, xsc) == 0,
	       "the xenstore ops find their handle at the start of the context");

/* guest_xs.c: disconnect from xenstore. */
void lb_guest_xs_close(struct pvf_lb_guest *g);

#endif /* PVF_LB_GUEST_H */
