/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Userspace netback for the loopback harness (dom0's role).
 *
 * One struct pvf_nb serves one vif: a XenBus thread with its own
 * libxenstore connection (advertises the profile's keys, follows the
 * frontend's state, reads its keys, maps rings, binds ports), one worker
 * thread per connected queue (TX ring -> TAP / echo / sink, TAP -> RX ring
 * with grant copy) and the control ring (Toeplitz hash configuration) served
 * from the XenBus thread.  Frames going to the frontend pass the multicast
 * filter (when the frontend requested multicast control) and are steered by
 * the frontend's Toeplitz configuration (queue = mapping[hash % size], with
 * a XEN_NETIF_EXTRA_TYPE_HASH extra), as Linux xen-netback does; see
 * docs/netback.md.  Everything the frontend writes is validated: a bad
 * TX packet gets an ERROR response and the queue keeps serving; a bad ring
 * index or a packet chain that runs past the producer stops that queue (as
 * Linux netback's "fatal tx error") and is reported, never a crash.
 *
 * Ownership: a pvf_nb is allocated by pvf_nb_start() and freed by
 * pvf_nb_stop(); the hypervisor handed in cfg.hv must outlive it.  The
 * backend maps frontend grants only while Connected and unmaps all of them
 * on disconnect and stop (pvf_nb_stats().grants_mapped drops to 0).
 */
#ifndef PVF_HARNESS_NETBACK_H
#define PVF_HARNESS_NETBACK_H

#include <stddef.h>
#include <stdint.h>
#include <pvfront/loopback.h>

enum pvf_nb_mode {
	PVF_NB_MODE_TAP,   /* TX frames to a TAP device, TAP frames to RX */
	PVF_NB_MODE_ECHO,  /* every TX packet comes back on RX, MACs swapped */
	PVF_NB_MODE_SINK,  /* count and drop */
	PVF_NB_MODE_GEN,   /* TX sunk; RX filled with generated frames
			      (gen_size bytes, gen_count of them) */
};

enum pvf_nb_profile {
	PVF_NB_PROFILE_LINUX, /* Linux netback: SG, GSO, csum, mq, split, ctrl, mcast */
	PVF_NB_PROFILE_QEMU,  /* QEMU xen_nic: rx-copy only, one queue */
	PVF_NB_PROFILE_FULL,  /* everything, more queues, xdp-headroom */
};

#define PVF_NB_MAX_QUEUES     8
#define PVF_NB_HASH_KEY_MAX   40   /* bytes, as Linux netback */
#define PVF_NB_HASH_MAP_MAX   128  /* mapping table entries, as Linux netback */
#define PVF_NB_MCAST_MAX      64   /* multicast filter entries */

struct pvf_nb_config {
	struct pvf_lb_hv *hv;       /* the simulated hypervisor (borrowed) */
	char fe_dir[256];           /* frontend's xenstore directory */
	char be_dir[256];           /* our xenstore directory (already made) */
	enum pvf_nb_mode mode;
	enum pvf_nb_profile profile;
	unsigned int max_queues;    /* advertised; 0: profile default (linux 4,
				       full 8, qemu 1); clamped to PVF_NB_MAX_QUEUES */
	char tap_name[16];          /* TAP mode: device to attach (made if absent) */
	int verbose;                /* log state changes to stderr */
	unsigned int gen_size;      /* GEN mode: frame bytes, 14..65535 (0: 64) */
	uint64_t gen_count;         /* GEN mode: frames in all (0: unlimited) */
};

/* What the frontend asked for, as read at the last connect. */
struct pvf_nb_frontend {
	unsigned int queues;
	int split_evtchn;
	int rx_notify;
	int sg;
	int gso_tcpv4, gso_tcpv6;
	int no_csum_offload, ipv6_csum_offload;
	int mcast_control;
	int ctrl_ring;
	unsigned int xdp_headroom;
};

/* Counters, a snapshot (each read atomically, not all at one instant). */
struct pvf_nb_stats {
	uint64_t tx_packets, tx_bytes;   /* TX packets accepted from the frontend */
	uint64_t tx_errors;              /* packets answered with ERROR (bad slots) */
	uint64_t tx_dropped;             /* accepted but not delivered (TAP full...) */
	uint64_t tx_gso, tx_csum_blank;  /* packets with a GSO extra / csum_blank */
	uint64_t rx_packets, rx_bytes;   /* packets put on the frontend's RX ring */
	uint64_t rx_dropped;             /* no room on the RX ring or copy failed */
	uint64_t rx_filtered;            /* multicast frames the frontend did not join */
	uint64_t rx_steered;             /* frames put on the queue the hash chose */
	uint64_t rx_hash_extras;         /* XEN_NETIF_EXTRA_TYPE_HASH extras sent */
	uint64_t notify_tx, notify_rx;   /* event channel notifications we sent */
	uint64_t events;                 /* events received on any queue port */
	uint64_t ctrl_requests;
	uint32_t fatal;                  /* queues stopped for a ring violation */
	uint32_t connections;            /* times Connected was reached */
	uint32_t disconnects;            /* times we went Closed */
	uint32_t grants_mapped;          /* grants this backend maps right now */
	int state;                       /* our XenBus state */
	int error;                       /* first error, 0 if none */
};

/* The control-ring configuration the frontend set (for tests). */
struct pvf_nb_hash {
	uint32_t algorithm;               /* XEN_NETIF_CTRL_HASH_ALGORITHM_* */
	uint32_t flags;                   /* XEN_NETIF_CTRL_HASH_TYPE_* bits */
	uint8_t key[PVF_NB_HASH_KEY_MAX]; /* unspecified octets are zero */
	uint32_t key_len;
	uint32_t mapping_size;
	uint32_t mapping[PVF_NB_HASH_MAP_MAX];
	uint32_t mcast_count;             /* multicast filter entries */
	uint8_t mcast[PVF_NB_MCAST_MAX][6];
};

struct pvf_nb;

/* Names for the enums ("tap", "echo", "sink", "gen"; "linux", "qemu", "full").
 * parse: returns 0 and *out, or -PVF_EINVAL for an unknown name. */
const char *pvf_nb_mode_name(enum pvf_nb_mode m);
const char *pvf_nb_profile_name(enum pvf_nb_profile p);
int pvf_nb_mode_parse(const char *s, enum pvf_nb_mode *out);
int pvf_nb_profile_parse(const char *s, enum pvf_nb_profile *out);

/*
 * pvf_nb_toolstack_add - the toolstack's part: write the frontend directory
 * /local/domain/<fe>/device/vif/<devid> (backend, backend-id, mac, mtu,
 * state=1) and the backend directory /local/domain/<be>/backend/vif/<fe>/<devid>
 * (frontend, frontend-id, mac, online, state=1), through libxenstore
 * (XENSTORED_PATH).  @mac: 6 bytes.  @fe_dir/@be_dir receive the paths.
 * Returns 0 or -errno (-PVF_*).
 */
int pvf_nb_toolstack_add(unsigned int devid, unsigned int fe_domid, unsigned int be_domid,
			 const uint8_t mac[6], unsigned int mtu,
			 char *fe_dir, size_t fe_size, char *be_dir, size_t be_size);

/* Remove both directories.  Returns 0 or -errno. */
int pvf_nb_toolstack_remove(const char *fe_dir, const char *be_dir);

/*
 * pvf_nb_start - start the backend thread for @cfg (copied).  It writes the
 * profile's feature keys and InitWait, then follows the frontend.
 * Returns 0 and *out (owned by the caller until pvf_nb_stop());
 * -PVF_EINVAL (bad config); -PVF_ENOMEM; -PVF_ENODEV (TAP mode and the
 * TAP device cannot be opened: see pvf_tap_open()); -errno from pthreads.
 */
int pvf_nb_start(const struct pvf_nb_config *cfg, struct pvf_nb **out);

/* Stop: disconnect (unmap every grant, close every port), join the
 * threads, close the TAP and free @nb.  Returns the first error the backend
 * saw (0 if none); @nb is gone either way. */
int pvf_nb_stop(struct pvf_nb *nb);

/* Snapshot of the counters / the control-ring configuration / what the
 * frontend asked for.  Always succeed (return 0). */
int pvf_nb_stats(struct pvf_nb *nb, struct pvf_nb_stats *st);
int pvf_nb_hash(struct pvf_nb *nb, struct pvf_nb_hash *h);
int pvf_nb_frontend_info(struct pvf_nb *nb, struct pvf_nb_frontend *fi);

/*
 * pvf_nb_inject - hand the Ethernet frame @frame (@len bytes) to the
 * frontend as if it had come from the TAP side, in any mode: multicast
 * filter, steering (and hash extra), then the RX ring of the chosen queue
 * (queue 0 without steering).  @frame is only read, during the call.
 * Thread-safe against the backend's own threads; pushes at once.
 * *@queue (if not NULL) receives the queue chosen.
 * Returns 1 (on the ring, or dropped as too big for the frontend: counted
 * in rx_dropped); 0 (dropped by the multicast filter: rx_filtered);
 * -PVF_EAGAIN (not enough RX requests on that queue: retry later);
 * -PVF_ENOTCONN (not connected); -PVF_EINVAL (@len < 14 or > 65535, or
 * @frame NULL).
 */
int pvf_nb_inject(struct pvf_nb *nb, const void *frame, size_t len, unsigned int *queue);

/*
 * pvf_nb_toeplitz - the Toeplitz hash of netif.h ("Hash algorithms") and
 * Microsoft RSS over @len bytes of @data with @key (@key_len bytes; key
 * octets past @key_len count as zero, so a short or empty key is legal).
 * Returns the 32-bit hash.
 */
uint32_t pvf_nb_toeplitz(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len);

/* ---- one whole network job (harness/netback_job.c) --------------------- */

struct pvf_env;

/* Figures of a job, for the benchmark (all from one run). */
struct pvf_net_job_result {
	double seconds;             /* traffic phase */
	double pps;                 /* packets per second of the measured direction */
	uint64_t packets;           /* packets the rate counts */
	uint64_t verified, bad;     /* echo: packets checked good / wrong */
	uint64_t fe_notifies;       /* netfront: tx_notifies + rx_notifies */
	uint64_t fe_events, fe_spurious;
	uint64_t be_notifies;       /* netback: notify_tx + notify_rx */
	uint64_t be_events;
	unsigned int queues;        /* negotiated */
	int bounce;                 /* netfront bounced data (untrusted backend) */
};

struct pvf_net_job_opts {
	enum pvf_nb_mode mode;      /* default echo */
	enum pvf_nb_profile profile;/* default linux */
	unsigned int devid;         /* vif number (default 0) */
	unsigned int queues;        /* asked for, 1..8 (default 1) */
	unsigned long count;        /* echo/sink/gen packets (default 1000) */
	unsigned int size;          /* 0: sizes 60..1500 cycled, echo data
				       verified; else every packet that size */
	int pps;                    /* packet-rate mode: no data check */
	double duration;            /* tap: seconds, 0 until SIGINT/SIGTERM */
	char tap_front[16], tap_back[16];
	const char *ns_front, *ns_back;  /* tap: move the TAPs there */
	int no_offload;             /* tap: no checksum/TSO offload on the
				       frontend-side TAP (default: offered when
				       netfront negotiated csum + SG (+ GSO)) */
	int untrusted;              /* the toolstack writes trusted=0 in the
				       frontend directory: netfront bounces */
	int json, verbose, quiet;   /* quiet: no summary line */
	struct pvf_net_job_result *result; /* optional out */
};

/* Defaults above (echo, linux, 1 queue, 1000 packets of 60..1500 bytes,
 * TAPs pvfa0 / pvfb0). */
void pvf_net_job_opts_default(struct pvf_net_job_opts *o);

/*
 * pvf_net_job - one whole network job inside the existing environment
 * @env (xenstore, hypervisor, guest): toolstack nodes for vif @o->devid,
 * a netback, the real netfront core (pvf_net) connected through its
 * XenBus device, traffic per @o, a clean close (both ends Closed), and a
 * leak check (grants, guest pages and ports back to what they were before
 * the job).  Prints progress (tap mode) and a summary line (or JSON).
 * Must not run concurrently with another job on @env: it consumes the
 * guest's xenstore watch events.
 * Returns the exit status: 0 success; 1 failure (traffic, data mismatch,
 * protocol error, leak); 3 TAP or namespaces unavailable (tap mode).
 */
int pvf_net_job(struct pvf_env *env, const struct pvf_net_job_opts *o);

/* The `pvfront net` command (harness/cmd_net.c). */
int pvf_cmd_net(int argc, char **argv);

#endif
