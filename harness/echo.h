/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The harness's "echo" PV device: the smallest device that exercises the
 * whole foundation end to end.  The frontend (a pvf_xenbus_dev driver)
 * shares one page and an event channel; the backend (a thread with its own
 * libxenstore connection, playing dom0) maps the page, and every request
 * number the frontend writes is echoed back, one event each way.
 *
 * Shared page layout (struct pvf_echo_page): `req` written by the frontend,
 * `rsp` by the backend.  Keys: frontend writes ring-ref and event-channel.
 */
#ifndef PVF_HARNESS_ECHO_H
#define PVF_HARNESS_ECHO_H

#include <pthread.h>
#include <stdint.h>
#include <pvfront/loopback.h>
#include <pvfront/xenbus.h>

struct pvf_echo_page {
	uint32_t req;
	uint32_t rsp;
};

/* ---- toolstack role ---- */
/* Write the frontend and backend directories of echo device @devid for
 * guest @fe_domid served by @be_domid, with both states Initialising (no
 * extra keys; harness/toolstack.h, pvf_ts_add_device(), over a connection
 * of its own).  @fe_dir/@be_dir receive the paths.
 * Returns 0 or the errors of pvf_ts_add_device() (-PVF_E2BIG, -errno). */
int pvf_echo_toolstack_add(unsigned int devid, unsigned int fe_domid, unsigned int be_domid,
			   char *fe_dir, size_t fe_size, char *be_dir, size_t be_size);
/* Remove both directories.  Returns 0 or -errno (pvf_ts_remove_device()). */
int pvf_echo_toolstack_remove(const char *fe_dir, const char *be_dir);

/* ---- backend (a thread) ---- */
struct pvf_echo_back {
	struct pvf_lb_hv *hv;
	char be_dir[256];
	char fe_dir[256];
	pthread_t thread;
	volatile int stop;
	/* results */
	volatile uint32_t echoed;     /* requests echoed */
	volatile int connections;     /* times it reached Connected */
	volatile int closed;          /* reached Closed after the frontend closed */
	volatile int error;           /* first error (-errno / -PVF_E*), 0 if none */
};
/* Start the backend thread.  Returns 0 or -errno. */
int pvf_echo_back_start(struct pvf_echo_back *b);
/* Stop and join it.  Returns its error (0 if none). */
int pvf_echo_back_stop(struct pvf_echo_back *b);

/* ---- frontend (driver of a pvf_xenbus_dev) ---- */
struct pvf_echo_front {
	struct pvf_xenbus_dev dev;
	struct pvf_lb_guest *guest;
	const struct pvf_platform *p;
	struct pvf_echo_page *page;
	uint64_t frame;
	uint32_t ref;
	uint32_t port;
	int have_page, have_ref, have_port;
	int connected;
	int last_event;     /* last enum pvf_xenbus_event reported */
	int last_err;
	volatile uint32_t responses; /* events that carried a matching rsp */
	uint32_t sent;
};
extern const struct pvf_xenbus_ops pvf_echo_front_ops;

/* One pump step of the frontend side: xenstore watch events, event
 * channel (waiting up to @timeout_ms), timeouts.  Returns 0 or -PVF_E*. */
int pvf_echo_front_pump(struct pvf_echo_front *f, int timeout_ms);
/* Send request number f->sent + 1.  Returns 0 or -PVF_E*. */
int pvf_echo_front_send(struct pvf_echo_front *f);

#endif
