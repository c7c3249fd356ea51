/* simnet.h -- a deterministic network for sans-IO peers, after str0m's
 * tests/common.rs: a virtual clock (int64 µs), a seeded PRNG, a link with loss,
 * latency and jitter, packets in flight ordered by delivery time, and
 * sim_progress() that advances the clock to the earliest pending event (a
 * delivery or a peer's timeout) and feeds it. No sockets, no threads. */
#ifndef YF_SIMNET_H
#define YF_SIMNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "media/core/peer.h"

typedef struct {
    uint64_t s;
} sim_rng;

void sim_rng_seed(sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(sim_rng *r); /* splitmix64 */
double sim_rng_unit(sim_rng *r);   /* uniform in [0, 1) */

typedef struct sim_peer sim_peer;
/* Called for every YF_OUT_EVENT the peer emits; may call into the peer. */
typedef void (*sim_event_fn)(sim_peer *sp, int64_t now_us, const yf_output *ev);

struct sim_peer {
    const char *name;
    yf_peer *peer;     /* borrowed */
    int id;            /* 0 or 1: index in the net; packets go to the other */
    int64_t timeout;   /* from the peer's last poll */
    sim_event_fn on_event;
    void *user;
};

/* Per direction (index = sender id). */
typedef struct {
    uint64_t sent, lost, delivered;
    uint64_t delivered_rtp, delivered_rtcp; /* by first byte, RFC 7983 */
} sim_link_stats;

typedef struct {
    int64_t at;
    uint64_t order;
    int to;
    uint8_t *data;
    size_t len;
} sim_pkt;

/* Packets in flight, unordered: a pick finds the earliest, and `order`
 * numbers them as sent so that ties keep the send order. */
typedef struct {
    sim_pkt *q;
    size_t n, cap;
    uint64_t order;
} sim_queue;

typedef struct {
    int64_t now;
    sim_rng rng;
    double loss;
    int64_t latency_us, jitter_us;
    sim_queue inflight;
    sim_peer *peers[2];
    sim_link_stats link[2];
    int64_t wall_waited_us; /* real time slept for OpenSSL's DTLS timer */
    uint64_t steps;
} sim_net;

/* Both peers start at virtual time `start_us`; a and b get ids 0 and 1. */
void sim_net_init(sim_net *n, uint64_t seed, double loss, int64_t latency_us,
                  int64_t jitter_us, sim_peer *a, sim_peer *b, int64_t start_us);
void sim_net_clear(sim_net *n); /* frees packets still in flight */

/* Polls both peers until each says "timeout": transmits go on the link,
 * events to on_event. */
void sim_drain(sim_net *n);
/* One step: the earliest delivery or timeout. False when nothing is pending. */
bool sim_progress(sim_net *n);
/* Steps through every event up to `t`, then sets the clock to `t`. */
void sim_run_until(sim_net *n, int64_t t);

/* A standalone one-way lossy link for sans-IO machines that are not a
 * yf_peer (e.g. the router, driven with plaintext RTP): the same loss,
 * latency and jitter model, a caller-chosen destination tag per packet, and
 * the caller's own clock. */
typedef struct {
    sim_rng rng;
    double loss;
    int64_t latency_us, jitter_us;
    bool fifo;          /* jitter never reorders (a queue, not parallel paths) */
    int64_t last_at;
    sim_queue inflight;
    sim_link_stats st;
} sim_link;

void sim_link_init(sim_link *l, uint64_t seed, double loss, int64_t latency_us, int64_t jitter_us);
void sim_link_clear(sim_link *l); /* frees packets still in flight */
/* Queues a copy (or loses it, by the link's loss rate) for delivery to `to`. */
void sim_link_send(sim_link *l, int64_t now_us, int to, const uint8_t *data, size_t len);
/* The earliest delivery time, or YF_TIME_NEVER. */
int64_t sim_link_next(const sim_link *l);
/* Pops the earliest packet due at now (ties in send order) into *out; the
 * caller frees out->data. False when none is due. */
bool sim_link_pop(sim_link *l, int64_t now_us, sim_pkt *out);


/* A bottleneck: a one-way link of `rate_bps` with a drop-tail queue that
 * holds at most `queue_us` of backlog at the current rate, a propagation
 * delay and random loss (after the queue, as on a radio hop). Packets leave
 * in order, each taking len * 8 / rate of the link; a packet that would wait
 * longer than queue_us is dropped at the tail. The rate may change at any
 * time (packets already queued keep their departure). */
typedef struct {
    sim_rng rng;
    int64_t rate_bps, queue_us, latency_us;
    double loss;
    int64_t busy_until;     /* when the link has sent what it holds */
    sim_queue inflight;
    sim_link_stats st;
    uint64_t tail_drops;
} sim_bottleneck;

void sim_bottleneck_init(sim_bottleneck *b, uint64_t seed, int64_t rate_bps, int64_t queue_us,
                         int64_t latency_us, double loss);
void sim_bottleneck_clear(sim_bottleneck *b);
void sim_bottleneck_set_rate(sim_bottleneck *b, int64_t rate_bps);
/* Queues a copy for `to`, or drops it (tail drop or random loss). */
void sim_bottleneck_send(sim_bottleneck *b, int64_t now_us, int to, const uint8_t *data, size_t len);
int64_t sim_bottleneck_next(const sim_bottleneck *b);
/* As sim_link_pop: out->at is the arrival time. */
bool sim_bottleneck_pop(sim_bottleneck *b, int64_t now_us, sim_pkt *out);

#endif
