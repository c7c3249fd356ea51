/* nack.c -- retransmission cache and NACK generator of nack.h (RFC 4585
 * §6.2.1; RTT smoothing as RFC 6298 §2 with alpha = 1/8). */
#include <string.h>
#include "nack.h"

#define RTT_MIN_US 5000
#define RTT_MAX_US 1000000
#define MAX_AGE 512

void yf_rtx_cache_init(yf_rtx_cache *c, unsigned size)
{
    memset(c, 0, sizeof *c);
    if (size > YF_RTX_CACHE_MAX)
        size = YF_RTX_CACHE_MAX;
    while (size & (size - 1))
        size &= size - 1;  /* round down to a power of two */
    c->size = (uint16_t)size;
}

void yf_rtx_cache_set_max_age(yf_rtx_cache *c, int64_t max_age_us)
{
    c->max_age_us = max_age_us > 0 ? max_age_us : 0;
    c->order_n = 0;
}

/* Releases, oldest put first, the packets that arrived before `before_us`
 * (and the oldest one whatever its age when order[] is full), then notes
 * seq as the newest. Each put is passed once: O(1) per put on average. */
static void evict_old(yf_rtx_cache *c, yf_pktbuf_pool *pool, uint16_t seq, int64_t before_us)
{
    uint16_t mask = (uint16_t)(c->size - 1);

    while (c->order_n) {
        uint16_t old = c->order[c->order_head];
        yf_pktbuf **s = &c->slot[old & mask];
        if (*s && (*s)->seq == old) {
            if ((*s)->arrival_us >= before_us && c->order_n < c->size)
                break;
            yf_pktbuf_unref(pool, *s);
            *s = NULL;
        }
        c->order_head = (uint16_t)((c->order_head + 1) & mask);
        c->order_n--;
    }
    c->order[(c->order_head + c->order_n) & mask] = seq;
    c->order_n++;
}

void yf_rtx_cache_put(yf_rtx_cache *c, yf_pktbuf_pool *pool, yf_pktbuf *b)
{
    if (c->size == 0)
        return;
    if (c->max_age_us)
        evict_old(c, pool, b->seq, b->arrival_us - c->max_age_us);
    yf_pktbuf **s = &c->slot[b->seq & (c->size - 1)];
    yf_pktbuf_unref(pool, *s);
    *s = yf_pktbuf_ref(b);
}

yf_pktbuf *yf_rtx_cache_get(const yf_rtx_cache *c, uint16_t seq)
{
    if (c->size == 0)
        return NULL;
    yf_pktbuf *b = c->slot[seq & (c->size - 1)];
    return b && b->seq == seq ? b : NULL;
}

void yf_rtx_cache_clear(yf_rtx_cache *c, yf_pktbuf_pool *pool)
{
    for (unsigned i = 0; i < c->size; i++) {
        yf_pktbuf_unref(pool, c->slot[i]);
        c->slot[i] = NULL;
    }
    c->order_n = 0;
}

void yf_nack_gen_init(yf_nack_gen *g, int64_t rtt_us, int64_t reorder_us, unsigned max_tries)
{
    memset(g, 0, sizeof *g);
    g->srtt_us = rtt_us > 0 ? rtt_us : 100000;
    g->reorder_us = reorder_us;
    g->max_tries = max_tries ? max_tries : 10;
    g->max_age = MAX_AGE;
}

void yf_nack_gen_reset(yf_nack_gen *g)
{
    g->st.gave_up += g->n;
    g->n = 0;
    g->started = false;
}

static void drop_at(yf_nack_gen *g, size_t i)
{
    memmove(&g->missing[i], &g->missing[i + 1], (g->n - i - 1) * sizeof g->missing[0]);
    g->n--;
}

static void add_missing(yf_nack_gen *g, int64_t now_us, uint16_t seq)
{
    if (g->n == YF_NACK_MAX_MISSING) {
        drop_at(g, 0);  /* the oldest is the least likely to be repaired */
        g->st.gave_up++;
    }
    yf_nack_missing *m = &g->missing[g->n++];
    m->seq = seq;
    m->tries = 0;
    m->next_us = now_us + g->reorder_us;
    m->sent_us = 0;
    g->st.missing++;
}

/* A late packet: if we asked for it once, its delay is an RTT sample. */
static void on_late(yf_nack_gen *g, int64_t now_us, uint16_t seq)
{
    for (size_t i = 0; i < g->n; i++) {
        if (g->missing[i].seq != seq)
            continue;
        if (g->missing[i].tries == 1) {
            int64_t sample = now_us - g->missing[i].sent_us;
            g->srtt_us += (sample - g->srtt_us) / 8;
            if (g->srtt_us < RTT_MIN_US)
                g->srtt_us = RTT_MIN_US;
            if (g->srtt_us > RTT_MAX_US)
                g->srtt_us = RTT_MAX_US;
        }
        drop_at(g, i);
        g->st.recovered++;
        return;
    }
}

void yf_nack_gen_on_packet(yf_nack_gen *g, int64_t now_us, uint16_t seq)
{
    g->st.packets++;
    if (!g->started) {
        g->started = true;
        g->max_seq = seq;
        return;
    }
    int16_t diff = (int16_t)(seq - g->max_seq);
    if (diff <= 0) {
        on_late(g, now_us, seq);
        return;
    }
    /* a jump larger than the list can hold: only its tail is worth asking */
    uint16_t from = (uint16_t)(g->max_seq + 1);
    if (diff > YF_NACK_MAX_MISSING) {
        g->st.missing += (uint64_t)(diff - 1 - YF_NACK_MAX_MISSING);
        g->st.gave_up += (uint64_t)(diff - 1 - YF_NACK_MAX_MISSING);
        from = (uint16_t)(seq - YF_NACK_MAX_MISSING);
    }
    for (uint16_t s = from; s != seq; s++)
        add_missing(g, now_us, s);
    g->max_seq = seq;
}

void yf_nack_gen_poll(yf_nack_gen *g, int64_t now_us, uint16_t *seqs, size_t cap, size_t *n)
{
    int64_t retry = g->srtt_us + g->srtt_us / 4 + 2000;
    *n = 0;
    for (size_t i = 0; i < g->n;) {
        yf_nack_missing *m = &g->missing[i];
        bool too_old = (uint16_t)(g->max_seq - m->seq) > g->max_age;
        if (too_old || (m->next_us <= now_us && m->tries >= g->max_tries)) {
            drop_at(g, i);
            g->st.gave_up++;
            continue;
        }
        if (m->next_us <= now_us && *n < cap) {
            seqs[(*n)++] = m->seq;
            m->tries++;
            m->sent_us = now_us;
            m->next_us = now_us + retry;
            g->st.requested++;
        }
        i++;
    }
}

int64_t yf_nack_gen_next_timeout(const yf_nack_gen *g)
{
    int64_t t = YF_TIME_NEVER;
    for (size_t i = 0; i < g->n; i++)
        if (g->missing[i].next_us < t)
            t = g->missing[i].next_us;
    return t;
}
