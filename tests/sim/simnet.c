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
    for (size_t i = 0; i < n->n; i++)
        free(n->q[i].data);
    free(n->q);
    n->q = NULL;
    n->n = n->cap = 0;
}

static void link_send(sim_net *n, int from, const uint8_t *data, size_t len)
{
    sim_pkt *p;
    int64_t jitter = 0;

    n->link[from].sent++;
    if (sim_rng_unit(&n->rng) < n->loss) {
        n->link[from].lost++;
        return;
    }
    if (n->jitter_us > 0)
        jitter = (int64_t)(sim_rng_next(&n->rng) % (uint64_t)(2 * n->jitter_us + 1)) - n->jitter_us;
    if (n->n == n->cap) {
        size_t cap = n->cap ? 2 * n->cap : 64;
        sim_pkt *q = realloc(n->q, cap * sizeof *q);
        if (!q) {
            fprintf(stderr, "simnet: out of memory\n");
            abort();
        }
        n->q = q;
        n->cap = cap;
    }
    p = &n->q[n->n++];
    p->at = n->now + n->latency_us + jitter;
    p->order = n->order++;
    p->to = 1 - from;
    p->data = malloc(len ? len : 1);
    if (!p->data)
        abort();
    memcpy(p->data, data, len);
    p->len = len;
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
    sim_pkt p = n->q[i];
    sim_link_stats *ls = &n->link[1 - p.to];

    n->q[i] = n->q[--n->n];
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
    int64_t t = YF_TIME_NEVER;
    size_t best = (size_t)-1;
    int who = -1;

    sim_drain(n);
    for (size_t i = 0; i < n->n; i++)
        if (n->q[i].at < t || (n->q[i].at == t && best != (size_t)-1 && n->q[i].order < n->q[best].order)) {
            t = n->q[i].at;
            best = i;
        }
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
        int64_t next = YF_TIME_NEVER;

        sim_drain(n);
        for (size_t i = 0; i < n->n; i++)
            if (n->q[i].at < next)
                next = n->q[i].at;
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
    for (size_t i = 0; i < l->n; i++)
        free(l->q[i].data);
    free(l->q);
    l->q = NULL;
    l->n = l->cap = 0;
}

void sim_link_send(sim_link *l, int64_t now_us, int to, const uint8_t *data, size_t len)
{
    int64_t jitter = 0;

    l->st.sent++;
    if (sim_rng_unit(&l->rng) < l->loss) {
        l->st.lost++;
        return;
    }
    if (l->jitter_us > 0)
        jitter = (int64_t)(sim_rng_next(&l->rng) % (uint64_t)(2 * l->jitter_us + 1)) - l->jitter_us;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        sim_pkt *q = realloc(l->q, cap * sizeof *q);
        if (!q)
            abort();
        l->q = q;
        l->cap = cap;
    }
    sim_pkt *p = &l->q[l->n++];
    p->at = now_us + l->latency_us + jitter;
    if (l->fifo && p->at < l->last_at)
        p->at = l->last_at;
    l->last_at = p->at;
    p->order = l->order++;
    p->to = to;
    p->data = malloc(len ? len : 1);
    if (!p->data)
        abort();
    memcpy(p->data, data, len);
    p->len = len;
}

int64_t sim_link_next(const sim_link *l)
{
    int64_t t = YF_TIME_NEVER;
    for (size_t i = 0; i < l->n; i++)
        if (l->q[i].at < t)
            t = l->q[i].at;
    return t;
}

bool sim_link_pop(sim_link *l, int64_t now_us, sim_pkt *out)
{
    size_t best = (size_t)-1;
    for (size_t i = 0; i < l->n; i++) {
        if (l->q[i].at > now_us)
            continue;
        if (best == (size_t)-1 || l->q[i].at < l->q[best].at ||
            (l->q[i].at == l->q[best].at && l->q[i].order < l->q[best].order))
            best = i;
    }
    if (best == (size_t)-1)
        return false;
    *out = l->q[best];
    l->q[best] = l->q[--l->n];
    l->st.delivered++;
    return true;
}
