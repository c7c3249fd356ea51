/* simnet.c -- the deterministic network of simnet.h. The only real-time call
 * is in wait_for_openssl_timer(), explained there. */
#include "simnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_WALL_WAIT_US 4000000

void sim_rng_seed(sim_rng *r, uint64_t seed)
{
    r->s = seed;
}

uint64_t sim_rng_next(sim_rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double sim_rng_unit(sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) / 9007199254740992.0; /* 2^53 */
}

/* Whether the link loses a packet, else its delay in *delay_us: latency
 * plus a jitter uniform in [-jitter_us, jitter_us]. Draws as sent. */
static bool draw_delay(sim_rng *r, double loss, int64_t latency_us, int64_t jitter_us, int64_t *delay_us)
{
    if (sim_rng_unit(r) < loss)
        return false;
    *delay_us = latency_us;
    if (jitter_us > 0)
        *delay_us += (int64_t)(sim_rng_next(r) % (uint64_t)(2 * jitter_us + 1)) - jitter_us;
    return true;
}

/* Queues a copy of data for delivery to `to` at `at`. */
static void queue_push(sim_queue *q, int64_t at, int to, const uint8_t *data, size_t len)
{
    sim_pkt *p;

    if (q->n == q->cap) {
        size_t cap = q->cap ? 2 * q->cap : 64;
        sim_pkt *grown = realloc(q->q, cap * sizeof *grown);
        if (!grown) {
            fprintf(stderr, "simnet: out of memory\n");
            abort();
        }
        q->q = grown;
        q->cap = cap;
    }
    p = &q->q[q->n++];
    p->at = at;
    p->order = q->order++;
    p->to = to;
    p->data = malloc(len ? len : 1);
    if (!p->data)
        abort();
    memcpy(p->data, data, len);
    p->len = len;
}

/* The index of the earliest packet due by `by` (ties in send order), or
 * (size_t)-1 when none is. */
static size_t queue_earliest(const sim_queue *q, int64_t by)
{
    size_t best = (size_t)-1;

    for (size_t i = 0; i < q->n; i++) {
        if (q->q[i].at > by)
            continue;
        if (best == (size_t)-1 || q->q[i].at < q->q[best].at ||
            (q->q[i].at == q->q[best].at && q->q[i].order < q->q[best].order))
            best = i;
    }
    return best;
}

static int64_t queue_next(const sim_queue *q)
{
    size_t i = queue_earliest(q, YF_TIME_NEVER);

    return i == (size_t)-1 ? YF_TIME_NEVER : q->q[i].at;
}

/* Removes packet i (the caller frees its data). */
static sim_pkt queue_take(sim_queue *q, size_t i)
{
    sim_pkt p = q->q[i];

    q->q[i] = q->q[--q->n];
    return p;
}

static void queue_clear(sim_queue *q)
{
    for (size_t i = 0; i < q->n; i++)
        free(q->q[i].data);
    free(q->q);
    memset(q, 0, sizeof *q);
}

void sim_net_init(sim_net *n, uint64_t seed, double loss, int64_t latency_us,
                  int64_t jitter_us, sim_peer *a, sim_peer *b, int64_t start_us)
{
    memset(n, 0, sizeof *n);
    sim_rng_seed(&n->rng, seed);
    n->now = start_us;
    n->loss = loss;
    n->latency_us = latency_us;
    n->jitter_us = jitter_us;
    n->peers[0] = a;
    n->peers[1] = b;
    a->id = 0;
    b->id = 1;
    a->timeout = b->timeout = YF_TIME_NEVER;
}

void sim_net_clear(sim_net *n)
{
    queue_clear(&n->inflight);
}

static void link_send(sim_net *n, int from, const uint8_t *data, size_t len)
{
    int64_t delay;

    n->link[from].sent++;
    if (!draw_delay(&n->rng, n->loss, n->latency_us, n->jitter_us, &delay)) {
        n->link[from].lost++;
        return;
    }
    queue_push(&n->inflight, n->now + delay, 1 - from, data, len);
}

/* Returns how many outputs (other than the timeout) the peer gave. */
static int drain_peer(sim_net *n, sim_peer *sp)
{
    yf_output o;
    int count = 0;

    for (;; count++) {
        yf_peer_poll_output(sp->peer, n->now, &o);
        if (o.kind == YF_OUT_TIMEOUT) {
            sp->timeout = o.timeout_us;
            return count;
        }
        if (o.kind == YF_OUT_TRANSMIT)
            link_send(n, sp->id, o.data, o.len);
        else if (sp->on_event)
            sp->on_event(sp, n->now, &o);
    }
}

void sim_drain(sim_net *n)
{
    /* until neither has anything: an event handler may send on the other */
    while (drain_peer(n, n->peers[0]) + drain_peer(n, n->peers[1]) > 0)
        ;
}

static void deliver(sim_net *n, size_t i)
{
    sim_pkt p = queue_take(&n->inflight, i);
    sim_link_stats *ls = &n->link[1 - p.to];

    ls->delivered++;
    if (p.len >= 2 && p.data[0] >= 128 && p.data[0] <= 191) {
        if (p.data[1] >= 192 && p.data[1] <= 223)
            ls->delivered_rtcp++;
        else
            ls->delivered_rtp++;
    }
    yf_peer_handle_datagram(n->peers[p.to]->peer, n->now, p.data, p.len);
    free(p.data);
}

/* THE ONE PLACE THE SIMULATION USES REAL TIME. OpenSSL 3.0 runs its DTLS
 * retransmission timer on the wall clock and has no way to inject time, so a
 * virtual jump to a peer's DTLS deadline is not enough for
 * DTLSv1_handle_timeout() to fire. Before feeding a timeout we re-poll the peer
 * (which reports now + what OpenSSL says is left in real time) and sleep that
 * long, bounded. Deliveries never sleep; only lost handshake flights cost real
 * time (150 ms, 300 ms, ... per loss). */
static void wait_for_openssl_timer(sim_net *n, sim_peer *sp)
{
    struct timespec ts;
    int64_t rem;

    drain_peer(n, sp);
    if (sp->timeout == YF_TIME_NEVER || sp->timeout <= n->now)
        return;
    rem = sp->timeout - n->now;
    if (rem > MAX_WALL_WAIT_US)
        rem = MAX_WALL_WAIT_US;
    rem += 500; /* OpenSSL rounds; land just past the deadline */
    ts.tv_sec = rem / 1000000;
    ts.tv_nsec = (long)(rem % 1000000) * 1000;
    while (nanosleep(&ts, &ts) != 0)
        ;
    n->wall_waited_us += rem;
}

bool sim_progress(sim_net *n)
{
    size_t best;
    int64_t t;
    int who = -1;

    sim_drain(n);
    best = queue_earliest(&n->inflight, YF_TIME_NEVER);
    t = best == (size_t)-1 ? YF_TIME_NEVER : n->inflight.q[best].at;
    for (int k = 0; k < 2; k++)
        if (n->peers[k]->timeout < t) {
            t = n->peers[k]->timeout;
            who = k;
        }
    if (t == YF_TIME_NEVER)
        return false;
    if (t > n->now)
        n->now = t;
    n->steps++;
    if (who >= 0) {
        wait_for_openssl_timer(n, n->peers[who]);
        yf_peer_handle_timeout(n->peers[who]->peer, n->now);
    } else {
        deliver(n, best);
    }
    sim_drain(n);
    return true;
}

void sim_run_until(sim_net *n, int64_t t)
{
    for (;;) {
        int64_t next;

        sim_drain(n);
        next = queue_next(&n->inflight);
        for (int k = 0; k < 2; k++)
            if (n->peers[k]->timeout < next)
                next = n->peers[k]->timeout;
        if (next > t)
            break;
        sim_progress(n);
    }
    if (t > n->now)
        n->now = t;
}

void sim_link_init(sim_link *l, uint64_t seed, double loss, int64_t latency_us, int64_t jitter_us)
{
    memset(l, 0, sizeof *l);
    sim_rng_seed(&l->rng, seed);
    l->loss = loss;
    l->latency_us = latency_us;
    l->jitter_us = jitter_us;
}

void sim_link_clear(sim_link *l)
{
    queue_clear(&l->inflight);
}

void sim_link_send(sim_link *l, int64_t now_us, int to, const uint8_t *data, size_t len)
{
    int64_t delay, at;

    l->st.sent++;
    if (!draw_delay(&l->rng, l->loss, l->latency_us, l->jitter_us, &delay)) {
        l->st.lost++;
        return;
    }
    at = now_us + delay;
    if (l->fifo && at < l->last_at)
        at = l->last_at;
    l->last_at = at;
    queue_push(&l->inflight, at, to, data, len);
}

int64_t sim_link_next(const sim_link *l)
{
    return queue_next(&l->inflight);
}

bool sim_link_pop(sim_link *l, int64_t now_us, sim_pkt *out)
{
    size_t best = queue_earliest(&l->inflight, now_us);

    if (best == (size_t)-1)
        return false;
    *out = queue_take(&l->inflight, best);
    l->st.delivered++;
    return true;
}

/* ---- a bottleneck with a drop-tail queue ---- */

void sim_bottleneck_init(sim_bottleneck *b, uint64_t seed, int64_t rate_bps, int64_t queue_us,
                         int64_t latency_us, double loss)
{
    memset(b, 0, sizeof *b);
    sim_rng_seed(&b->rng, seed);
    b->rate_bps = rate_bps;
    b->queue_us = queue_us;
    b->latency_us = latency_us;
    b->loss = loss;
}

void sim_bottleneck_clear(sim_bottleneck *b)
{
    queue_clear(&b->inflight);
}

void sim_bottleneck_set_rate(sim_bottleneck *b, int64_t rate_bps)
{
    b->rate_bps = rate_bps;
}

void sim_bottleneck_send(sim_bottleneck *b, int64_t now_us, int to, const uint8_t *data, size_t len)
{
    int64_t start = b->busy_until > now_us ? b->busy_until : now_us;
    b->st.sent++;
    if (start - now_us > b->queue_us) {
        b->st.lost++;
        b->tail_drops++;
        return;
    }
    b->busy_until = start + (int64_t)len * 8 * 1000000 / b->rate_bps;
    if (sim_rng_unit(&b->rng) < b->loss) {
        b->st.lost++;
        return;
    }
    queue_push(&b->inflight, b->busy_until + b->latency_us, to, data, len);
}

int64_t sim_bottleneck_next(const sim_bottleneck *b)
{
    return queue_next(&b->inflight);
}

bool sim_bottleneck_pop(sim_bottleneck *b, int64_t now_us, sim_pkt *out)
{
    size_t i = queue_earliest(&b->inflight, now_us);
    if (i == (size_t)-1)
        return false;
    *out = queue_take(&b->inflight, i);
    b->st.delivered++;
    return true;
}
