/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Netback: profiles, the toolstack role, the XenBus thread and the public
 * entry points.  Connect/disconnect live in netback_xs.c, the data path in
 * netback_tx.c / netback_rx.c, the control ring in netback_ctrl.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>
#include <pvfront/errno.h>
#include "netback_internal.h"
#include "tap.h"
#include "toolstack.h"

static const char *const mode_names[] = { "tap", "echo", "sink", "gen" };
static const char *const profile_names[] = { "linux", "qemu", "full" };

const char *pvf_nb_mode_name(enum pvf_nb_mode m)
{
	return (unsigned int)m < 4 ? mode_names[m] : "?";
}

const char *pvf_nb_profile_name(enum pvf_nb_profile p)
{
	return (unsigned int)p < 3 ? profile_names[p] : "?";
}

int pvf_nb_mode_parse(const char *s, enum pvf_nb_mode *out)
{
	for (unsigned int i = 0; i < 4; i++)
		if (s && !strcmp(s, mode_names[i])) {
			*out = (enum pvf_nb_mode)i;
			return 0;
		}
	return -PVF_EINVAL;
}

int pvf_nb_profile_parse(const char *s, enum pvf_nb_profile *out)
{
	for (unsigned int i = 0; i < 3; i++)
		if (s && !strcmp(s, profile_names[i])) {
			*out = (enum pvf_nb_profile)i;
			return 0;
		}
	return -PVF_EINVAL;
}

int nb_prof_sg(const struct pvf_nb *nb) { return nb->cfg.profile != PVF_NB_PROFILE_QEMU; }
int nb_prof_gso(const struct pvf_nb *nb) { return nb->cfg.profile != PVF_NB_PROFILE_QEMU; }
int nb_prof_ctrl(const struct pvf_nb *nb) { return nb->cfg.profile != PVF_NB_PROFILE_QEMU; }
int nb_prof_split(const struct pvf_nb *nb) { return nb->cfg.profile != PVF_NB_PROFILE_QEMU; }
int nb_prof_mcast(const struct pvf_nb *nb) { return nb->cfg.profile != PVF_NB_PROFILE_QEMU; }
int nb_prof_xdp(const struct pvf_nb *nb) { return nb->cfg.profile == PVF_NB_PROFILE_FULL; }

void nb_set_error(struct pvf_nb *nb, int err)
{
	int zero = 0;

	__atomic_compare_exchange_n(&nb->st.error, &zero, err, 0, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
}

void nb_log(const struct pvf_nb *nb, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!nb->cfg.verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "netback %s: %s\n", nb->cfg.be_dir, buf);
}

int pvf_nb_toolstack_add(unsigned int devid, unsigned int fe_domid, unsigned int be_domid,
			 const uint8_t mac[6], unsigned int mtu,
			 char *fe_dir, size_t fe_size, char *be_dir, size_t be_size)
{
	char mtus[16], macs[32];
	const struct pvf_ts_kv fe_keys[] = {
		{ "mac", macs }, { "mtu", mtus }, { "handle", "0" }, { NULL, NULL },
	};
	const struct pvf_ts_kv be_keys[] = { { "mac", macs }, { "handle", "0" }, { NULL, NULL } };

	snprintf(macs, sizeof(macs), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	snprintf(mtus, sizeof(mtus), "%u", mtu);
	return pvf_ts_add_device(NULL, "vif", devid, fe_domid, be_domid, fe_keys, be_keys, fe_dir,
				 fe_size, be_dir, be_size);
}

int pvf_nb_toolstack_remove(const char *fe_dir, const char *be_dir)
{
	return pvf_ts_remove_device(NULL, fe_dir, be_dir);
}

static void nb_set_state(struct pvf_nb *nb, struct xs_handle *xs, int state)
{
	pvf_ts_write_state(xs, nb->cfg.be_dir, (uint32_t)state);
	__atomic_store_n(&nb->st.state, state, __ATOMIC_RELAXED);
	nb_log(nb, "state %d", state);
}

static void nb_ctrl_event(void *arg, uint32_t port)
{
	struct pvf_nb *nb = arg;

	(void)port;
	nb->ctrl_kick = 1;
}

static void *nb_main(void *arg)
{
	struct pvf_nb *nb = arg;
	struct xs_handle *xs = xs_open(0);
	uint32_t fe_state = 0;
	int be_state;

	if (!xs) {
		nb_set_error(nb, -errno);
		return NULL;
	}
	pvf_ts_watch(xs, nb->cfg.fe_dir, "state", "nbfe");
	if (nb_prof_mcast(nb)) /* feature-dynamic-multicast-control */
		pvf_ts_watch(xs, nb->cfg.fe_dir, "request-multicast-control", "nbmc");
	if (nb_advertise(nb, xs))
		nb_set_error(nb, -PVF_EIO);
	nb_set_state(nb, xs, XenbusStateInitWait);
	be_state = XenbusStateInitWait;
	while (!nb->stop) {
		/* Watch events are hints: the state is re-read after each; a
		 * missing or malformed one counts as Unknown. */
		if (pvf_ts_wait_watch(xs, 0) > 0) {
			uint32_t st;

			if (pvf_ts_read_state(xs, nb->cfg.fe_dir, &st) == 0)
				fe_state = st;
			else
				fe_state = XenbusStateUnknown;
			if (be_state == XenbusStateConnected && nb_mcast_reread(nb, xs))
				nb_log(nb, "bad request-multicast-control: setting kept");
		}
		if ((fe_state == XenbusStateInitialised || fe_state == XenbusStateConnected) &&
		    be_state == XenbusStateInitWait) {
			int rc = nb_connect(nb, xs);

			if (rc) {
				nb_set_error(nb, rc);
				nb_disconnect(nb);
				pvf_ts_writef(xs, XBT_NULL, nb->cfg.be_dir, "error", "%d connecting: %s",
					      -rc, pvf_strerror(rc));
				nb_set_state(nb, xs, XenbusStateClosing);
				be_state = XenbusStateClosing;
			} else {
				if (nb->ctrl_bound)
					pvf_lb_be_bind(nb->be, nb->ctrl_port, nb_ctrl_event, nb);
				pthread_rwlock_wrlock(&nb->conn_lock);
				nb->live = 1;
				pthread_rwlock_unlock(&nb->conn_lock);
				/* counted before the state is published: a frontend
				 * that saw it finds the counter up to date */
				NB_ADD(nb, connections, 1);
				nb_set_state(nb, xs, XenbusStateConnected);
				be_state = XenbusStateConnected;
			}
		} else if ((fe_state == XenbusStateClosing || fe_state == XenbusStateClosed ||
			    fe_state == XenbusStateUnknown) &&
			   (be_state == XenbusStateConnected || be_state == XenbusStateClosing)) {
			nb_disconnect(nb);
			NB_ADD(nb, disconnects, 1);
			nb_set_state(nb, xs, XenbusStateClosed);
			be_state = XenbusStateClosed;
		} else if (fe_state == XenbusStateInitialising &&
			   (be_state == XenbusStateClosed || be_state == XenbusStateClosing)) {
			nb_disconnect(nb);
			nb_set_state(nb, xs, XenbusStateInitWait); /* ready again */
			be_state = XenbusStateInitWait;
		}
		if (nb->ctrl_kick || be_state == XenbusStateConnected) {
			nb->ctrl_kick = 0;
			nb_ctrl_work(nb);
		}
		pvf_lb_be_poll(nb->be, 2);
	}
	nb_disconnect(nb);
	if (be_state != XenbusStateInitWait)
		nb_set_state(nb, xs, XenbusStateClosed);
	pvf_ts_unwatch(xs, nb->cfg.fe_dir, "state", "nbfe");
	if (nb_prof_mcast(nb))
		pvf_ts_unwatch(xs, nb->cfg.fe_dir, "request-multicast-control", "nbmc");
	xs_close(xs);
	return NULL;
}

/* Initialise (@init) or destroy the backend's locks. */
static void nb_locks(struct pvf_nb *nb, int init)
{
	for (unsigned int i = 0; i < PVF_NB_MAX_QUEUES; i++) {
		if (init)
			pthread_mutex_init(&nb->q[i].rx_lock, NULL);
		else
			pthread_mutex_destroy(&nb->q[i].rx_lock);
	}
	if (init) {
		pthread_mutex_init(&nb->lock, NULL);
		pthread_rwlock_init(&nb->conn_lock, NULL);
	} else {
		pthread_mutex_destroy(&nb->lock);
		pthread_rwlock_destroy(&nb->conn_lock);
	}
}

int pvf_nb_start(const struct pvf_nb_config *cfg, struct pvf_nb **out)
{
	struct pvf_nb *nb;
	unsigned int defq;
	int rc;

	if (!cfg || !out || !cfg->hv || !cfg->fe_dir[0] || !cfg->be_dir[0] ||
	    (unsigned int)cfg->mode > PVF_NB_MODE_GEN ||
	    (cfg->mode == PVF_NB_MODE_GEN && cfg->gen_size &&
	     (cfg->gen_size < NB_ETH_HLEN || cfg->gen_size > 65535)) ||
	    (unsigned int)cfg->profile > PVF_NB_PROFILE_FULL)
		return -PVF_EINVAL;
	nb = calloc(1, sizeof(*nb));
	if (!nb)
		return -PVF_ENOMEM;
	nb->cfg = *cfg;
	nb->tap_fd = -1;
	defq = cfg->profile == PVF_NB_PROFILE_FULL ? 8 : cfg->profile == PVF_NB_PROFILE_LINUX ? 4 : 1;
	nb->max_queues = cfg->max_queues ? cfg->max_queues : defq;
	if (nb->max_queues > PVF_NB_MAX_QUEUES)
		nb->max_queues = PVF_NB_MAX_QUEUES;
	if (cfg->profile == PVF_NB_PROFILE_QEMU)
		nb->max_queues = 1;
	for (unsigned int i = 0; i < PVF_NB_MAX_QUEUES; i++) {
		nb->q[i].evfd = -1;
		nb->q[i].tap_fd = -1;
	}
	nb->st.state = XenbusStateUnknown;
	if (cfg->mode == PVF_NB_MODE_GEN) {
		if (!nb->cfg.gen_size)
			nb->cfg.gen_size = 64;
		nb->gen_left = cfg->gen_count ? (int64_t)cfg->gen_count : INT64_MAX;
	}
	nb_locks(nb, 1);
	if (cfg->mode == PVF_NB_MODE_TAP) {
		rc = pvf_tap_open(cfg->tap_name, 1, &nb->tap_fd);
		if (rc) {
			nb_locks(nb, 0);
			free(nb);
			return rc;
		}
	}
	rc = pvf_lb_be_open(cfg->hv, &nb->be);
	if (!rc)
		rc = -pthread_create(&nb->thread, NULL, nb_main, nb);
	if (rc) {
		if (nb->be)
			pvf_lb_be_close(nb->be);
		if (nb->tap_fd >= 0)
			close(nb->tap_fd);
		nb_locks(nb, 0);
		free(nb);
		return rc;
	}
	*out = nb;
	return 0;
}

int pvf_nb_stop(struct pvf_nb *nb)
{
	int err;

	if (!nb)
		return 0;
	nb->stop = 1;
	pthread_join(nb->thread, NULL);
	err = nb->st.error;
	pvf_lb_be_close(nb->be);
	if (nb->tap_fd >= 0)
		close(nb->tap_fd);
	nb_locks(nb, 0);
	free(nb);
	return err;
}

#define NB_GET(f) st->f = __atomic_load_n(&nb->st.f, __ATOMIC_RELAXED)

int pvf_nb_stats(struct pvf_nb *nb, struct pvf_nb_stats *st)
{
	NB_GET(tx_packets); NB_GET(tx_bytes); NB_GET(tx_errors); NB_GET(tx_dropped);
	NB_GET(tx_gso); NB_GET(tx_csum_blank);
	NB_GET(rx_packets); NB_GET(rx_bytes); NB_GET(rx_dropped);
	NB_GET(rx_filtered); NB_GET(rx_steered); NB_GET(rx_hash_extras);
	NB_GET(notify_tx); NB_GET(notify_rx); NB_GET(events); NB_GET(ctrl_requests);
	NB_GET(fatal); NB_GET(connections); NB_GET(disconnects); NB_GET(grants_mapped);
	NB_GET(state); NB_GET(error);
	return 0;
}

int pvf_nb_hash(struct pvf_nb *nb, struct pvf_nb_hash *h)
{
	pthread_mutex_lock(&nb->lock);
	*h = nb->hash;
	pthread_mutex_unlock(&nb->lock);
	return 0;
}

int pvf_nb_inject(struct pvf_nb *nb, const void *frame, size_t len, unsigned int *queue)
{
	/* @frame is only read (grant copy to the guest) */
	unsigned int qi = 0;
	int rc;

	if (!nb || !frame || len < NB_ETH_HLEN || len > 0xffff)
		return -PVF_EINVAL;
	pthread_rwlock_rdlock(&nb->conn_lock);
	if (!nb->live)
		rc = -PVF_ENOTCONN;
	else
		rc = nb_rx_deliver(nb, NULL, 0, frame, len, 0, NULL, NULL, &qi);
	pthread_rwlock_unlock(&nb->conn_lock);
	if (queue)
		*queue = qi;
	return rc;
}

int pvf_nb_frontend_info(struct pvf_nb *nb, struct pvf_nb_frontend *fi)
{
	pthread_mutex_lock(&nb->lock);
	*fi = nb->fe;
	pthread_mutex_unlock(&nb->lock);
	return 0;
}
