/* net_stats.h -- the media workers' counters for /metrics: datagrams and
 * bytes through the ICE connections, and what the rooms' routers did
 * (forwarded, retransmitted, NACKs, keyframe requests, loss). Each worker
 * keeps its own cell and is its only writer (relaxed atomic stores, no lock,
 * no read-modify-write on the packet path); a reader on any thread sums the
 * cells with relaxed atomic loads. Counters only grow. */
#ifndef YF_NET_STATS_H
#define YF_NET_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct yf_net yf_net;

#define YF_NET_FORWARD_BUCKETS 10

typedef struct {
    uint64_t datagrams_in, bytes_in;     /* UDP payloads received on ICE connections */
    uint64_t datagrams_out, bytes_out;   /* ... and sent (STUN, DTLS, SRTP, SRTCP) */
    uint64_t rtp_in;                     /* publisher RTP the routers took in */
    uint64_t rtp_forwarded;              /* RTP sent on to subscribers */
    uint64_t rtp_retransmitted;          /* of those, answers to subscribers' NACKs */
    uint64_t rtp_lost;                   /* publisher packets never received */
    uint64_t nack_received;              /* sequence numbers subscribers asked for */
    uint64_t nack_sent;                  /* NACK packets we sent to publishers */
    uint64_t keyframe_requests_received; /* PLI and FIR from subscribers */
    uint64_t keyframe_requests_sent;     /* PLI we sent to publishers */
    uint64_t router_queue_drops;         /* outputs a router could not queue */
    /* The time from a publisher's RTP datagram reaching its room's worker to
     * its last copy handed to the kernel (decrypt, route, protect and send
     * for every subscriber), per packet: how many took at most each of
     * yf_net_forward_bounds_us (the last: any longer), and their sum. */
    uint64_t forward_us_le[YF_NET_FORWARD_BUCKETS];
    uint64_t forward_us_sum;
} yf_net_stats;

/* The upper bounds of forward_us_le, in µs; the last is UINT64_MAX. */
extern const uint64_t yf_net_forward_bounds_us[YF_NET_FORWARD_BUCKETS];

#define YF_NET_STATS_FIELDS (sizeof(yf_net_stats) / sizeof(uint64_t))

/* Sums every worker's counters into *out. Any thread. */
void yf_net_get_stats(yf_net *m, yf_net_stats *out);

/* ---- for media/net itself: the calling worker's own cell ---- */

/* The cell the calling thread writes (NULL on a thread that is no media
 * worker, e.g. a unit test's main loop: then nothing is counted). */
yf_net_stats *yf_net_stats_mine(void);
/* Sets it; called by each worker thread as it starts. */
void yf_net_stats_set_mine(yf_net_stats *cell);
/* cell->field += n by the cell's only writer. */
#define YF_NET_STATS_ADD(cell, field, n)                                                     \
    __atomic_store_n(&(cell)->field, __atomic_load_n(&(cell)->field, __ATOMIC_RELAXED) + (n), \
                     __ATOMIC_RELAXED)
/* Adds every field of delta to the calling worker's cell (no cell: nothing). */
void yf_net_stats_add(const yf_net_stats *delta);
/* Counts one forwarded packet that took us µs (no cell: nothing). */
void yf_net_stats_forward(int64_t us);

#endif
