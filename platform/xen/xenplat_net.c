/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Real-Xen platform: the network host.  The freestanding pvf_net core (it
 * embeds its XenBus device) over platform/xen, against a real netback (the
 * kernel's xen-netback in the tests), with a pool of TX pages shared to
 * the backend.  See <pvfront/xenplat.h>.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <pvfront/net.h>
#include <pvfront/xenbus.h>
#include "../../common/internal.h"
#include "xenplat_int.h"

struct pvf_xennet {
	struct pvf_xenplat *x;
	const struct pvf_platform *p;
	struct pvf_net net;
	void *scratch;
	void *tx_va;
	uint64_t *tx_frames;
	uint32_t tx_pages;
	char fe[PVF_NET_PATH_MAX];
	uint32_t handle;
	pvf_domid_t fe_domid;
	int own_dirs, inited, timeout_ms;
	void (*user_rx)(void *arg, const struct pvf_net_rx_pkt *pkt);
	void *user_rx_arg;
	struct xn_echo *echo;      /* pvf_xennet_echo() running */
};

/* pvf_xennet_echo() state the rx hook fills. */
struct xn_echo {
	uint8_t fe_mac[6];
	uint32_t count;
	uint8_t *seen;
	struct pvf_xennet_echo_result *r;
};

static const uint8_t xn_peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

static void echo_rx(struct xn_echo *e, const struct pvf_net_rx_pkt *pkt)
{
	uint8_t f[PVF_XENNET_FRAME_MAX], want[PVF_XENNET_FRAME_MAX];
	size_t len = 0, wl;
	uint32_t seq;

	if (pkt->len > sizeof(f)) {
		e->r->to_front_other++;
		return;
	}
	for (uint32_t i = 0; i < pkt->nr_frags && i < PVF_NET_MAX_FRAGS; i++) {
		if (pkt->frags[i].len > sizeof(f) - len) {
			e->r->to_front_bad++;
			return;
		}
		memcpy(f + len, (const uint8_t *)pkt->frags[i].page + pkt->frags[i].offset,
		       pkt->frags[i].len);
		len += pkt->frags[i].len;
	}
	if (len < 19 || f[12] != (PVF_XENNET_ETHERTYPE >> 8) ||
	    f[13] != (PVF_XENNET_ETHERTYPE & 0xff) || f[18] != 1) {
		e->r->to_front_other++; /* IPv6 neighbour discovery and the like */
		return;
	}
	memcpy(&seq, f + 14, 4);
	wl = seq < e->count ? pvf_xennet_make_frame(want, e->fe_mac, xn_peer_mac, seq, 1) : 0;
	if (seq >= e->count || len != wl || memcmp(f, want, wl) || e->seen[seq]) {
		e->r->to_front_bad++;
		return;
	}
	e->seen[seq] = 1;
	e->r->to_front_ok++;
}

static void host_rx(void *arg, const struct pvf_net_rx_pkt *pkt)
{
	struct pvf_xennet *n = arg;

	if (n->echo)
		echo_rx(n->echo, pkt);
	else if (n->user_rx)
		n->user_rx(n->user_rx_arg, pkt);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_port(void *arg, uint32_t port)
{
	struct pvf_xennet *n = arg;

	pvf_net_on_event(&n->net, port);
}

static void bind_ports(struct pvf_xennet *n)
{
	for (unsigned int q = 0; q < PVF_NET_MAX_QUEUES; q++)
		for (int rx = 0; rx < 2; rx++)
			if (pvf_net_port(&n->net, q, rx))
				pvf_xenplat_bind(n->x, pvf_net_port(&n->net, q, rx), on_port, n);
	if (pvf_net_ctrl_port(&n->net))
		pvf_xenplat_bind(n->x, pvf_net_ctrl_port(&n->net), on_port, n);
}

PVF_API int pvf_xennet_pump(struct pvf_xennet *n, int timeout_ms)
{
	struct pollfd pf[2] = {
		{ .fd = pvf_xenplat_xs_fileno(n->x), .events = POLLIN },
		{ .fd = pvf_xenplat_evtchn_fd(n->x), .events = POLLIN },
	};
	char path[PVF_XS_PATH_MAX + 1], tok[PVF_XENBUS_TOKEN_MAX + 8];
	int cnt = 0, rc;

	if (poll(pf, 2, timeout_ms) < 0 && errno != EINTR)
		return -PVF_EIO;
	while ((rc = pvf_xenplat_xs_read_watch(n->x, path, sizeof(path), tok, sizeof(tok))) != 0) {
		if (rc == -PVF_E2BIG)
			continue;
		if (rc < 0)
			return rc;
		pvf_xenbus_on_watch(pvf_net_xenbus(&n->net), path, tok);
		cnt++;
	}
	pvf_xenbus_poll(pvf_net_xenbus(&n->net));
	bind_ports(n);
	rc = pvf_xenplat_poll(n->x, 0);
	if (rc < 0)
		return rc;
	if (pvf_net_is_connected(&n->net))
		pvf_net_poll(&n->net);
	return cnt + rc;
}

PVF_API int pvf_xennet_connected(struct pvf_xennet *n)
{
	return pvf_net_is_connected(&n->net) &&
	       pvf_xenbus_frontend_state(pvf_net_xenbus(&n->net)) == PVF_XENBUS_CONNECTED;
}

static void host_free(struct pvf_xennet *n)
{
	if (n->inited)
		pvf_net_destroy(&n->net);
	if (n->tx_pages)
		n->p->ops->page_free(n->p->ctx, n->tx_va, n->tx_pages);
	if (n->own_dirs)
		pvf_xenplat_dev_destroy(n->x, "vif", n->fe, n->fe_domid, n->handle);
	free(n->tx_frames);
	free(n->scratch);
	free(n);
}

PVF_API int pvf_xennet_open(struct pvf_xenplat *x, const struct pvf_xennet_config *cfg,
			    struct pvf_xennet **out)
{
	struct pvf_net_config nc;
	struct pvf_xennet *n;
	int64_t end;
	size_t sz;
	int rc;

	if (!x || !cfg || !out || !cfg->fe_dir || strlen(cfg->fe_dir) >= PVF_NET_PATH_MAX ||
	    (cfg->script && !cfg->mac))
		return -PVF_EINVAL;
	*out = NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -PVF_ENOMEM;
	n->x = x;
	n->p = pvf_xenplat_platform(x);
	n->handle = cfg->handle;
	n->fe_domid = cfg->fe_domid;
	n->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
	snprintf(n->fe, sizeof(n->fe), "%s", cfg->fe_dir);
	if (cfg->script) {
		rc = pvf_xenplat_vif_create(x, n->fe, cfg->fe_domid, cfg->handle, cfg->mac,
					    cfg->script);
		if (rc) {
			free(n);
			return rc;
		}
		n->own_dirs = 1;
	}
	if (cfg->net)
		nc = *cfg->net;
	else
		pvf_net_config_default(&nc);
	nc.node = n->fe;
	n->user_rx = cfg->rx;
	n->user_rx_arg = cfg->rx_arg;
	nc.rx = host_rx;
	nc.rx_arg = n;
	rc = -PVF_EINVAL;
	sz = pvf_net_scratch_size(&nc);
	if (!sz)
		goto fail;
	rc = -PVF_ENOMEM;
	n->scratch = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	if (!n->scratch)
		goto fail;
	memset(n->scratch, 0, sz);
	nc.scratch = n->scratch;
	nc.scratch_size = sz;
	if (cfg->tx_pages) {
		n->tx_frames = calloc(cfg->tx_pages, sizeof(*n->tx_frames));
		if (!n->tx_frames)
			goto fail;
		rc = n->p->ops->page_alloc(n->p->ctx, cfg->tx_pages, &n->tx_va, n->tx_frames);
		if (rc)
			goto fail;
		n->tx_pages = cfg->tx_pages;
	}
	rc = pvf_net_init(&n->net, n->p, &nc);
	if (rc)
		goto fail;
	n->inited = 1;
	end = now_ms() + n->timeout_ms;
	while (!pvf_xennet_connected(n) && now_ms() < end) {
		rc = pvf_xennet_pump(n, 50);
		if (rc < 0)
			goto fail;
	}
	rc = pvf_xennet_connected(n) ? 0 : -PVF_ETIMEDOUT;
	if (rc) {
		xp_log(x, PVF_LOG_ERR, "net %s: not connected (frontend %s, backend %s)", n->fe,
		       pvf_xenbus_state_name(pvf_xenbus_frontend_state(pvf_net_xenbus(&n->net))),
		       pvf_xenbus_state_name(pvf_xenbus_backend_state(pvf_net_xenbus(&n->net))));
		goto fail;
	}
	*out = n;
	return 0;
fail:
	host_free(n);
	return rc;
}

PVF_API struct pvf_net *pvf_xennet_core(struct pvf_xennet *n)
{
	return &n->net;
}

PVF_API void *pvf_xennet_page(struct pvf_xennet *n, uint32_t i)
{
	return i < n->tx_pages ? (uint8_t *)n->tx_va + (size_t)i * PVF_PAGE_SIZE : NULL;
}

PVF_API uint64_t pvf_xennet_frame(struct pvf_xennet *n, uint32_t i)
{
	return i < n->tx_pages ? n->tx_frames[i] : 0;
}

PVF_API int pvf_xennet_close(struct pvf_xennet *n)
{
	struct pvf_xenbus_dev *xb;
	int64_t end;
	int rc = 0, r;

	if (!n)
		return 0;
	xb = pvf_net_xenbus(&n->net);
	end = now_ms() + n->timeout_ms;
	if (pvf_xenbus_close(xb) == 0) {
		while (!pvf_xenbus_is_closed(xb) && now_ms() < end)
			if (pvf_xennet_pump(n, 50) < 0)
				break;
		if (!pvf_xenbus_is_closed(xb))
			rc = -PVF_ETIMEDOUT;
	}
	r = pvf_net_destroy(&n->net);
	n->inited = 0;
	if (!rc)
		rc = r;
	host_free(n);
	return rc;
}

/* ---- frames through the vif ----------------------------------------------- */

PVF_API int pvf_xenplat_if_up(const char *ifname, int *ifindex)
{
	struct ifreq ifr;
	int s, rc = 0;

	if (!ifname || !ifindex || strlen(ifname) >= sizeof(ifr.ifr_name))
		return -PVF_EINVAL;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFINDEX, &ifr) < 0) {
		rc = errno == ENODEV ? -PVF_ENODEV : -errno;
		goto out;
	}
	*ifindex = ifr.ifr_ifindex;
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			rc = -errno;
	}
out:
	close(s);
	return rc;
}

PVF_API size_t pvf_xennet_make_frame(uint8_t *f, const uint8_t dst[6], const uint8_t src[6],
				     uint32_t seq, uint8_t dir)
{
	size_t len = 60 + (size_t)(seq % 1455u * 97u % 1455u);

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = PVF_XENNET_ETHERTYPE >> 8;
	f[13] = PVF_XENNET_ETHERTYPE & 0xff;
	memcpy(f + 14, &seq, 4);
	f[18] = dir;
	for (size_t i = 19; i < len; i++)
		f[i] = (uint8_t)(seq * 31 + i * 7 + dir);
	return len;
}

struct xn_tx {
	struct pvf_net_tx tx;
	struct pvf_net_frag frag;
	int busy, status;
};

static void xn_tx_done(struct pvf_net_tx *tx, int status)
{
	struct xn_tx *c = tx->cookie;

	c->busy = 0;
	c->status = status;
}

/* Read every frame waiting on @sock; count ours (dir 2) in @r. */
static void echo_read_vif(struct xn_echo *e, int sock, uint8_t *seen_tx)
{
	uint8_t f[PVF_XENNET_FRAME_MAX + 64], want[PVF_XENNET_FRAME_MAX];
	struct sockaddr_ll sll;
	socklen_t sl;
	ssize_t len;
	uint32_t seq;

	for (;;) {
		sl = sizeof(sll);
		len = recvfrom(sock, f, sizeof(f), MSG_DONTWAIT, (struct sockaddr *)&sll, &sl);
		if (len < 0)
			return;
		/* Frames we sent ourselves come back as PACKET_OUTGOING. */
		if (len < 19 || sll.sll_pkttype == PACKET_OUTGOING ||
		    f[12] != (PVF_XENNET_ETHERTYPE >> 8) || f[13] != (PVF_XENNET_ETHERTYPE & 0xff) ||
		    f[18] != 2)
			continue;
		memcpy(&seq, f + 14, 4);
		if (seq < e->count && !seen_tx[seq] &&
		    (size_t)len == pvf_xennet_make_frame(want, xn_peer_mac, e->fe_mac, seq, 2) &&
		    !memcmp(f, want, (size_t)len)) {
			seen_tx[seq] = 1;
			e->r->from_front_ok++;
		} else {
			e->r->from_front_bad++;
		}
	}
}

/* dom0 -> frontend: at most 16 frames in flight, each must arrive. */
static int echo_to_front(struct pvf_xennet *n, struct xn_echo *e, int sock, int tmo)
{
	uint8_t f[PVF_XENNET_FRAME_MAX];
	uint32_t seq = 0, done;
	int64_t idle = now_ms() + tmo;
	int rc;

	for (;;) {
		done = e->r->to_front_ok + e->r->to_front_bad;
		if (done >= e->count)
			return 0;
		while (seq < e->count && seq - done < 16) {
			size_t len = pvf_xennet_make_frame(f, e->fe_mac, xn_peer_mac, seq, 1);

			if (send(sock, f, len, 0) != (ssize_t)len) {
				if (errno == ENOBUFS || errno == EAGAIN)
					break;
				return -errno;
			}
			seq++;
			e->r->to_front_sent++;
		}
		rc = pvf_xennet_pump(n, 5);
		if (rc < 0)
			return rc;
		if (e->r->to_front_ok + e->r->to_front_bad != done)
			idle = now_ms() + tmo;
		else if (now_ms() > idle)
			return 0; /* lost frames: the counts say so */
	}
}

/* frontend -> dom0: every TX page carries one frame at a time. */
static int echo_from_front(struct pvf_xennet *n, struct xn_echo *e, int sock, int tmo)
{
	struct xn_tx *tx;
	uint8_t *seen_tx;
	uint32_t seq = 0, pages = n->tx_pages, got;
	int64_t idle = now_ms() + tmo;
	int rc = 0, busy;

	tx = calloc(pages, sizeof(*tx));
	seen_tx = calloc(e->count, 1);
	if (!tx || !seen_tx) {
		free(tx);
		free(seen_tx);
		return -PVF_ENOMEM;
	}
	for (;;) {
		struct pollfd pf = { .fd = sock, .events = POLLIN };

		busy = 0;
		for (uint32_t k = 0; k < pages; k++) {
			if (tx[k].busy) {
				busy = 1;
				continue;
			}
			if (tx[k].status) {
				e->r->from_front_failed++;
				tx[k].status = 0;
			}
			if (seq >= e->count || rc)
				continue;
			memset(&tx[k].tx, 0, sizeof(tx[k].tx));
			tx[k].frag.frame = n->tx_frames[k];
			tx[k].frag.va = pvf_xennet_page(n, k); /* bounce source */
			tx[k].frag.offset = 0;
			tx[k].frag.len = (uint16_t)pvf_xennet_make_frame(pvf_xennet_page(n, k),
									 xn_peer_mac, e->fe_mac,
									 seq, 2);
			tx[k].tx.frags = &tx[k].frag;
			tx[k].tx.nr_frags = 1;
			tx[k].tx.done = xn_tx_done;
			tx[k].tx.cookie = &tx[k];
			tx[k].busy = 1;
			rc = pvf_net_transmit(&n->net, &tx[k].tx);
			if (rc) {
				tx[k].busy = 0;
				break;
			}
			busy = 1;
			seq++;
			e->r->from_front_sent++;
		}
		got = e->r->from_front_ok + e->r->from_front_bad;
		if (!busy && (rc || (seq >= e->count && got >= e->r->from_front_sent)))
			break;
		if (pvf_xennet_pump(n, 0) < 0 && !rc)
			rc = -PVF_EIO;
		if (poll(&pf, 1, 5) > 0)
			echo_read_vif(e, sock, seen_tx);
		if (e->r->from_front_ok + e->r->from_front_bad != got)
			idle = now_ms() + tmo;
		else if (now_ms() > idle)
			break; /* lost frames or stuck transmits: the counts say so */
	}
	/* A transmit still on the ring is the core's until done(): give the
	 * backend its time, then report it as failed. */
	for (int64_t end = now_ms() + tmo;;) {
		busy = 0;
		for (uint32_t k = 0; k < pages; k++)
			busy |= tx[k].busy;
		if (!busy || now_ms() > end)
			break;
		pvf_xennet_pump(n, 20);
	}
	for (uint32_t k = 0; k < pages; k++)
		if (tx[k].busy || tx[k].status)
			e->r->from_front_failed++;
	busy = 0;
	for (uint32_t k = 0; k < pages; k++)
		busy |= tx[k].busy;
	free(seen_tx);
	/* The core still borrows a busy tx: leak it rather than free it. */
	if (!busy)
		free(tx);
	return rc;
}

PVF_API int pvf_xennet_echo(struct pvf_xennet *n, const struct pvf_xennet_echo *e,
			    struct pvf_xennet_echo_result *r)
{
	struct xn_echo st;
	struct sockaddr_ll sll;
	int tmo, ifindex = 0, sock, rc = -PVF_ENODEV;
	int64_t end;

	if (!n || !e || !r || !e->count || !n->tx_pages || !pvf_xennet_connected(n) ||
	    (e->ifname && strlen(e->ifname) >= sizeof(r->ifname)))
		return -PVF_EINVAL;
	memset(r, 0, sizeof(*r));
	if (e->ifname)
		snprintf(r->ifname, sizeof(r->ifname), "%s", e->ifname);
	else
		snprintf(r->ifname, sizeof(r->ifname), "vif%u.%u", (unsigned int)n->fe_domid,
			 n->handle);
	tmo = e->timeout_ms > 0 ? e->timeout_ms : 10000;
	memset(&st, 0, sizeof(st));
	memcpy(st.fe_mac, pvf_net_get_info(&n->net)->mac, 6);
	st.count = e->count;
	st.r = r;
	st.seen = calloc(e->count, 1);
	if (!st.seen)
		return -PVF_ENOMEM;
	/* netback registers the vif when it connects; hotplug is ours. */
	for (end = now_ms() + tmo; now_ms() < end;) {
		rc = pvf_xenplat_if_up(r->ifname, &ifindex);
		if (rc != -PVF_ENODEV)
			break;
		pvf_xennet_pump(n, 50);
	}
	if (rc) {
		xp_log(n->x, PVF_LOG_ERR, "net %s: cannot bring %s up: %s", n->fe, r->ifname,
		       pvf_strerror(rc));
		free(st.seen);
		return rc;
	}
	sock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (sock < 0) {
		rc = -errno;
		free(st.seen);
		return rc;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = ifindex;
	if (bind(sock, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		rc = -errno;
		goto out;
	}
	/* Let netback see our RX ring before the first frame. */
	for (int i = 0; i < 10; i++)
		pvf_xennet_pump(n, 20);
	n->echo = &st;
	rc = echo_to_front(n, &st, sock, tmo);
	if (!rc)
		rc = echo_from_front(n, &st, sock, tmo);
	n->echo = NULL;
out:
	close(sock);
	free(st.seen);
	return rc;
}
