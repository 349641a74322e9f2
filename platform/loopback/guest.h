/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal: the loopback guest handle, shared by guest.c and guest_xs.c. */
#ifndef PVF_LB_GUEST_H
#define PVF_LB_GUEST_H

#include <pthread.h>
#include <pvfront/gnttab.h>
#include "hv.h"

struct xs_handle;

struct pvf_lb_guest {
	struct pvf_lb_hv *hv;
	struct pvf_platform plat;
	struct pvf_platform_ops ops;
	pthread_mutex_t gnt_lock;   /* serialises the grant manager */
	struct pvf_gnttab gnt;
	uint32_t *gnt_free;         /* the manager's free-list storage */
	struct pvf_lb_pio pio;
	enum pvf_log_level log_level;
	char log_prefix[32];
	struct xs_handle *xs;       /* NULL until pvf_lb_guest_xs_connect() */
	unsigned int xs_watches;    /* registered watches, for leak checks */
};

/* guest_xs.c: install the xenstore ops into g->ops; disconnect. */
void lb_guest_xs_ops(struct pvf_platform_ops *ops);
void lb_guest_xs_close(struct pvf_lb_guest *g);

#endif /* PVF_LB_GUEST_H */
