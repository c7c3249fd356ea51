/* router.c -- the room's tables (participants, publisher tracks,
 * subscriptions), the output queue and yf_router_poll_output: queued RTP is
 * materialized only here, copied from the shared pktbuf into the scratch
 * buffer and patched (RFC 3550 §7.3: SSRC, seq, timestamp, payload type).
 * Allocation happens in _new and when tracks are added, never per packet. */
#include <stdlib.h>
#include <string.h>
#include "router_priv.h"
#include "rtp.h"

#define DEF(v, d) ((v) ? (v) : (d))
#define MIN_U(a, b) ((a) < (b) ? (a) : (b))
/* The tables start at what a room of 16 publishers needs and grow (doubling,
 * up to the configured maximum) only when a participant or subscription is
 * added: a room carrying hundreds of receive-only observers pays for them,
 * a small room does not. Never on the packet path. */
#define INITIAL_PARTS 16u
#define INITIAL_SUBS (32u * 16u)

static void apply_defaults(yf_router_config *c)
{
    c->max_participants = DEF(c->max_participants, 16);
    c->max_tracks = DEF(c->max_tracks, 32);
    c->max_subscriptions = DEF(c->max_subscriptions, c->max_tracks * c->max_participants);
    c->rtx_cache_packets = DEF(c->rtx_cache_packets, YF_RTX_CACHE_MAX);
    c->rr_interval_us = DEF(c->rr_interval_us, 1000000);
    c->sr_interval_us = DEF(c->sr_interval_us, 1000000);
    c->twcc_interval_us = DEF(c->twcc_interval_us, 50000);
    c->pli_min_interval_us = DEF(c->pli_min_interval_us, 500000);
    c->keyframe_retry_us = DEF(c->keyframe_retry_us, 1000000);
    c->initial_rtt_us = DEF(c->initial_rtt_us, 100000);
    c->nack_reorder_us = DEF(c->nack_reorder_us, 5000);
    c->nack_max_tries = DEF(c->nack_max_tries, 10);
    c->speaker_interval_us = DEF(c->speaker_interval_us, 500000);
    c->listener_loss_max_age_us = DEF(c->listener_loss_max_age_us, 10000000);
    c->rtx_cache_max_age_us = DEF(c->rtx_cache_max_age_us, 1000000);
}

yf_router *yf_router_new(const yf_router_config *cfg)
{
    yf_router *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->cfg = *cfg;
    apply_defaults(&r->cfg);
    r->rng = cfg->seed ^ 0x5946524f55544552ull; /* "YFROUTER" */
    r->parts_cap = MIN_U(r->cfg.max_participants, INITIAL_PARTS);
    r->subs_cap = MIN_U(r->cfg.max_subscriptions, INITIAL_SUBS);
    r->q_cap = 2 * (size_t)r->subs_cap + 1024;
    r->parts = calloc(r->parts_cap, sizeof *r->parts);
    r->tracks = calloc(r->cfg.max_tracks, sizeof *r->tracks);
    r->subs = calloc(r->subs_cap, sizeof *r->subs);
    r->q = calloc(r->q_cap, sizeof *r->q);
    r->rtcp = calloc(RTCP_SLOTS, sizeof *r->rtcp);
    r->fb_res = calloc(YF_TWCC_SEND_MAX_STATUS, sizeof *r->fb_res);
    r->pool = yf_pktbuf_pool_new(64);
    r->pool_reserved = 64;
    r->next_track_id = 1;
    r->active_speaker = NO_IDX;
    if (!r->parts || !r->tracks || !r->subs || !r->q || !r->rtcp || !r->pool || !r->fb_res) {
        yf_router_free(r);
        return NULL;
    }
    return r;
}

void yf_router_free(yf_router *r)
{
    if (!r)
        return;
    if (r->pool) {
        for (; r->q_len > 0; r->q_len--, r->q_head = (r->q_head + 1) % r->q_cap)
            yf_pktbuf_unref(r->pool, r->q[r->q_head].buf);
        for (unsigned i = 0; r->tracks && i < r->cfg.max_tracks; i++)
            if (r->tracks[i].used)
                yf_rtx_cache_clear(&r->tracks[i].cache, r->pool);
    }
    yf_pktbuf_pool_free(r->pool);
    for (unsigned i = 0; r->parts && i < r->parts_cap; i++)
        free(r->parts[i].twcc);
    free(r->parts);
    free(r->tracks);
    free(r->subs);
    free(r->q);
    free(r->rtcp);
    free(r->fb_res);
    free(r);
}

/* splitmix64, nonzero 32-bit results (SSRC 0 means "unknown" here). */
uint32_t yf_router_random32(yf_router *r)
{
    for (;;) {
        uint64_t z = (r->rng += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        uint32_t v = (uint32_t)(z ^ (z >> 31));
        if (v)
            return v;
    }
}

int yf_router_find_participant(const yf_router *r, uint32_t id)
{
    for (unsigned i = 0; i < r->parts_cap; i++)
        if (r->parts[i].used && r->parts[i].id == id)
            return (int)i;
    return NO_IDX;
}

int yf_router_find_track(const yf_router *r, uint32_t id)
{
    /* a simulcast layer is the router's own: not found by id */
    for (unsigned i = 0; i < r->cfg.max_tracks; i++)
        if (r->tracks[i].used && r->tracks[i].id == id && r->tracks[i].parent == NO_IDX)
            return (int)i;
    return NO_IDX;
}

/* Doubles the participant table (up to max_participants); new slots unused. */
static bool grow_parts(yf_router *r)
{
    unsigned cap = MIN_U(r->cfg.max_participants, 2 * r->parts_cap);
    rt_participant *p = realloc(r->parts, (size_t)cap * sizeof *p);
    if (!p)
        return false;
    memset(p + r->parts_cap, 0, (size_t)(cap - r->parts_cap) * sizeof *p);
    r->parts = p;
    r->parts_cap = cap;
    return true;
}

/* Doubles the subscription table (up to max_subscriptions) and the output
 * ring with it (a fan-out of every subscription must fit), keeping the
 * queued outputs in order. */
static bool grow_subs(yf_router *r)
{
    unsigned cap = MIN_U(r->cfg.max_subscriptions, 2 * r->subs_cap);
    size_t q_cap = 2 * (size_t)cap + 1024;
    rt_sub *s = realloc(r->subs, (size_t)cap * sizeof *s);
    if (!s)
        return false;
    memset(s + r->subs_cap, 0, (size_t)(cap - r->subs_cap) * sizeof *s);
    r->subs = s;
    r->subs_cap = cap;
    rt_out *q = calloc(q_cap, sizeof *q);
    if (!q)
        return true; /* the ring stays as it was: fan-outs past it are counted drops */
    for (size_t i = 0; i < r->q_len; i++)
        q[i] = r->q[(r->q_head + i) % r->q_cap];
    free(r->q);
    r->q = q;
    r->q_cap = q_cap;
    r->q_head = 0;
    return true;
}

static int find_sub(const yf_router *r, int part, int track)
{
    for (int s = r->tracks[track].subs; s != NO_IDX; s = r->subs[s].next_in_track)
        if (r->subs[s].sub == part)
            return s;
    return NO_IDX;
}

int yf_router_add_participant(yf_router *r, uint32_t participant)
{
    if (yf_router_find_participant(r, participant) != NO_IDX)
        return YF_ESTATE;
    for (unsigned i = 0; i < r->cfg.max_participants; i++) {
        if (i == r->parts_cap && !grow_parts(r))
            return YF_ENOMEM;
        rt_participant *p = &r->parts[i];
        if (p->used)
            continue;
        memset(p, 0, sizeof *p);
        p->used = true;
        p->id = participant;
        p->rtcp_ssrc = yf_router_random32(r);
        yf_router_downlink_reset(r, (int)i);
        return YF_OK;
    }
    return YF_ENOMEM;
}

int yf_router_remove_participant(yf_router *r, uint32_t participant)
{
    int p = yf_router_find_participant(r, participant);
    if (p == NO_IDX)
        return YF_ESTATE;
    for (unsigned i = 0; i < r->cfg.max_tracks; i++) {
        if (!r->tracks[i].used)
            continue;
        if (r->tracks[i].owner == p)
            yf_router_remove_publisher_track(r, r->tracks[i].id);
        else
            yf_router_unsubscribe(r, participant, r->tracks[i].id);
    }
    r->parts[p].used = false;
    free(r->parts[p].twcc);
    r->parts[p].twcc = NULL;
    return YF_OK;
}

static int check_track_config(const yf_router *r, int p, const yf_router_track_config *cfg)
{
    if (cfg->clock_rate == 0 || cfg->pt > 127 || cfg->n_layers > YF_ROUTER_MAX_LAYERS)
        return YF_EMALFORMED;
    if (cfg->n_layers >= 2 && (cfg->kind != YF_TRACK_VIDEO || cfg->rid_ext_id == 0 ||
                               cfg->rid_ext_id > 14 || cfg->ssrc != 0))
        return YF_EMALFORMED;
    for (unsigned l = 0; cfg->n_layers >= 2 && l < cfg->n_layers; l++)
        if (!cfg->rids[l][0] || !memchr(cfg->rids[l], '\0', YF_ROUTER_RID_LEN))
            return YF_EMALFORMED;
    for (unsigned i = 0; i < r->cfg.max_tracks; i++) {
        const rt_track *t = &r->tracks[i];
        if (t->used && t->owner == p &&
            (t->cfg.pt == cfg->pt || (cfg->ssrc && t->ssrc == cfg->ssrc)))
            return YF_ESTATE;
    }
    return YF_OK;
}

void yf_router_track_init(yf_router *r, rt_track *t, int p, const yf_router_track_config *cfg)
{
    memset(t, 0, sizeof *t);
    t->used = true;
    t->id = r->next_track_id++;
    t->owner = p;
    t->cfg = *cfg;
    t->cfg.mid[sizeof t->cfg.mid - 1] = '\0';
    t->ssrc = cfg->ssrc;
    t->subs = NO_IDX;
    t->parent = NO_IDX;
    t->level = t->reported_level = 127;
    if (t->cfg.n_layers < 2)
        t->cfg.n_layers = 0;
    yf_rtx_cache_init(&t->cache, cfg->kind == YF_TRACK_VIDEO && !t->cfg.n_layers ? r->cfg.rtx_cache_packets : 0);
    yf_rtx_cache_set_max_age(&t->cache, r->cfg.rtx_cache_max_age_us);
    yf_nack_gen_init(&t->nack, r->cfg.initial_rtt_us, r->cfg.nack_reorder_us, r->cfg.nack_max_tries);
    yf_rx_stats_init(&t->rx, cfg->clock_rate);
    rt_participant *pp = &r->parts[p];
    if (cfg->twcc_ext_id && !pp->twcc && (pp->twcc = malloc(sizeof *pp->twcc)))
        yf_twcc_recv_init(pp->twcc);
    if (cfg->twcc_ext_id && pp->twcc) /* short of memory: no feedback, media still flows */
        pp->twcc_ext_id = cfg->twcc_ext_id;
}

int yf_router_add_publisher_track(yf_router *r, uint32_t participant,
                                  const yf_router_track_config *cfg, uint32_t *track_id)
{
    int p = yf_router_find_participant(r, participant);
    if (p == NO_IDX)
        return YF_ESTATE;
    int rc = check_track_config(r, p, cfg);
    if (rc != YF_OK)
        return rc;
    for (unsigned i = 0; i < r->cfg.max_tracks; i++) {
        if (r->tracks[i].used)
            continue;
        /* Reserve what this track can hold (its cache + slack); the pool
         * grows only when live tracks need more than it has ever had. */
        size_t more = (cfg->kind == YF_TRACK_VIDEO && cfg->n_layers < 2 ? r->cfg.rtx_cache_packets : 0) + 32;
        size_t have = yf_pktbuf_pool_size(r->pool);
        if (r->pool_reserved + more > have && yf_pktbuf_pool_grow(r->pool, r->pool_reserved + more - have) != YF_OK)
            return YF_ENOMEM;
        yf_router_track_init(r, &r->tracks[i], p, cfg);
        r->tracks[i].pool_share = more;
        r->pool_reserved += more;
        *track_id = r->tracks[i].id;
        if (r->tracks[i].cfg.n_layers && yf_router_layers_add(r, (int)i) != YF_OK) {
            yf_router_remove_publisher_track(r, *track_id);
            return YF_ENOMEM;
        }
        return YF_OK;
    }
    return YF_ENOMEM;
}

/* Packets expected and not received (yf_rx_stats_expected), for the
 * track's current source. */
static uint64_t track_lost(const rt_track *t)
{
    uint64_t expected = yf_rx_stats_expected(&t->rx);
    return expected > t->rx.received ? expected - t->rx.received : 0;
}

static void remove_track(yf_router *r, int t)
{
    rt_track *tr = &r->tracks[t];
    for (int l = 0; l < tr->n_layers; l++)
        remove_track(r, tr->layers[l]);
    tr->n_layers = 0;
    r->lost_retired += track_lost(tr);
    while (tr->subs != NO_IDX) {
        r->subs[tr->subs].used = false;
        tr->subs = r->subs[tr->subs].next_in_track;
    }
    yf_rtx_cache_clear(&tr->cache, r->pool);
    if (r->active_speaker == t)
        r->active_speaker = NO_IDX;
    r->pool_reserved -= tr->pool_share;
    tr->pool_share = 0;
    tr->used = false;
}

int yf_router_remove_publisher_track(yf_router *r, uint32_t track_id)
{
    int t = yf_router_find_track(r, track_id);
    if (t == NO_IDX)
        return YF_ESTATE;
    remove_track(r, t);
    return YF_OK;
}

/* One stream's new source (a plain track or a simulcast layer): its cache,
 * NACK and statistics start again, and the subscribers that got it wait
 * for a keyframe (of whichever layer their downlink carries). */
void yf_router_source_replace(yf_router *r, int64_t now_us, int t, uint32_t ssrc)
{
    (void)now_us;
    rt_track *tr = &r->tracks[t];
    rt_track *top = tr->parent != NO_IDX ? &r->tracks[tr->parent] : tr;
    for (int s = top->subs; s != NO_IDX; s = r->subs[s].next_in_track) {
        rt_sub *sb = &r->subs[s];
        if (tr->parent != NO_IDX && sb->layer != tr->layer)
            continue;
        sb->layer = -1;
        yf_rewrite_reset_source(&sb->rw);
    }
    if (tr->parent != NO_IDX && top->rec_layer == tr->layer)
        top->rec_layer = -1; /* the recording follows again from a keyframe */
    tr->last_rx_us = 0;
    tr->prev_ssrc = tr->ssrc;
    tr->ssrc = ssrc;
    yf_rtx_cache_clear(&tr->cache, r->pool);
    yf_nack_gen_reset(&tr->nack);
    r->lost_retired += track_lost(tr);
    yf_rx_stats_init(&tr->rx, tr->cfg.clock_rate);
    tr->sr.valid = false;
    r->st.source_switches++;
    yf_router_push_event(r, YF_ROUTER_EV_SOURCE_SWITCHED, r->parts[tr->owner].id, top->id, 0);
}

int yf_router_replace_publisher_source(yf_router *r, int64_t now_us, uint32_t track_id, uint32_t ssrc)
{
    int t = yf_router_find_track(r, track_id);
    if (t == NO_IDX)
        return YF_ESTATE;
    /* simulcast: every layer learns its SSRC again from its rid */
    for (int l = 0; l < r->tracks[t].n_layers; l++)
        if (r->tracks[r->tracks[t].layers[l]].ssrc)
            yf_router_source_replace(r, now_us, r->tracks[t].layers[l], 0);
    if (!r->tracks[t].n_layers)
        yf_router_source_replace(r, now_us, t, ssrc);
    return YF_OK;
}

int yf_router_set_track_forwarding(yf_router *r, int64_t now_us, uint32_t track_id, bool forward)
{
    int t = yf_router_find_track(r, track_id);
    if (t == NO_IDX)
        return YF_ESTATE;
    rt_track *tr = &r->tracks[t];
    if (forward && tr->paused) {
        for (int s = tr->subs; s != NO_IDX; s = r->subs[s].next_in_track)
            yf_rewrite_reset_source(&r->subs[s].rw);
        if (tr->subs != NO_IDX)
            yf_router_request_keyframe(r, now_us, tr, false);
    }
    tr->paused = !forward;
    return YF_OK;
}

static bool out_ssrc_taken(const yf_router *r, int part, uint32_t out_ssrc)
{
    for (unsigned i = 0; i < r->subs_cap; i++)
        if (r->subs[i].used && r->subs[i].sub == part && r->subs[i].rw.out_ssrc == out_ssrc)
            return true;
    return false;
}

int yf_router_subscribe(yf_router *r, int64_t now_us, uint32_t subscriber, uint32_t track_id,
                        uint32_t out_ssrc, uint8_t out_pt)
{
    int p = yf_router_find_participant(r, subscriber), t = yf_router_find_track(r, track_id);
    if (p == NO_IDX || t == NO_IDX || find_sub(r, p, t) != NO_IDX || out_pt > 127 ||
        out_ssrc_taken(r, p, out_ssrc))
        return YF_ESTATE;
    for (unsigned i = 0; i < r->cfg.max_subscriptions; i++) {
        if (i == r->subs_cap && !grow_subs(r))
            return YF_ENOMEM;
        rt_sub *s = &r->subs[i];
        if (s->used)
            continue;
        rt_track *tr = &r->tracks[t];
        memset(s, 0, sizeof *s);
        s->used = true;
        s->sub = p;
        s->track = t;
        yf_rewrite_init(&s->rw, out_ssrc, out_pt, tr->cfg.clock_rate,
                        tr->cfg.kind == YF_TRACK_VIDEO, (uint16_t)yf_router_random32(r), yf_router_random32(r));
        yf_rtx_guard_init(&s->guard);
        s->layer = s->want = -1;
        s->next_in_track = tr->subs;
        tr->subs = (int)i;
        if (!r->parts[p].next_sr_us)
            r->parts[p].next_sr_us = now_us + r->cfg.sr_interval_us / 4;
        if (tr->cfg.kind == YF_TRACK_VIDEO)
            yf_router_request_keyframe(r, now_us, tr, false);
        return YF_OK;
    }
    return YF_ENOMEM;
}

int yf_router_unsubscribe(yf_router *r, uint32_t subscriber, uint32_t track_id)
{
    int p = yf_router_find_participant(r, subscriber), t = yf_router_find_track(r, track_id);
    if (p == NO_IDX || t == NO_IDX)
        return YF_ESTATE;
    for (int *link = &r->tracks[t].subs; *link != NO_IDX; link = &r->subs[*link].next_in_track) {
        if (r->subs[*link].sub != p)
            continue;
        r->subs[*link].used = false;
        *link = r->subs[*link].next_in_track;
        return YF_OK;
    }
    return YF_ESTATE;
}

static rt_out *push_slot(yf_router *r)
{
    if (r->q_len == r->q_cap) {
        r->st.queue_drops++;
        return NULL;
    }
    rt_out *o = &r->q[(r->q_head + r->q_len++) % r->q_cap];
    memset(o, 0, sizeof *o);
    return o;
}

bool yf_router_push_rtp(yf_router *r, rt_sub *s, yf_pktbuf *b, uint16_t seq, uint32_t ts, bool rtx)
{
    rt_out *o = push_slot(r);
    if (!o)
        return false;
    o->kind = YF_ROUTER_OUT_RTP;
    o->conn = YF_CONN_SUBSCRIBER;
    o->participant = r->parts[s->sub].id;
    o->part_idx = (uint32_t)s->sub;
    o->pub_twcc_id = r->parts[r->tracks[s->track].owner].twcc_ext_id;
    o->buf = yf_pktbuf_ref(b);
    o->ssrc = s->rw.out_ssrc;
    o->pt = s->rw.out_pt;
    o->seq = seq;
    o->ts = ts;
    o->rtx = rtx;
    return true;
}

bool yf_router_push_padding(yf_router *r, rt_sub *s, uint16_t pad, uint8_t cluster)
{
    rt_out *o = push_slot(r);
    if (!o)
        return false;
    o->kind = YF_ROUTER_OUT_RTP;
    o->conn = YF_CONN_SUBSCRIBER;
    o->participant = r->parts[s->sub].id;
    o->part_idx = (uint32_t)s->sub;
    o->ssrc = s->rtx_ssrc;
    o->pt = s->rtx_pt;
    o->seq = s->rtx_seq++;
    o->ts = s->rw.last_out_ts;
    o->pad = pad;
    o->cluster = cluster;
    return true;
}

uint8_t *yf_router_rtcp_begin(yf_router *r)
{
    if (r->rtcp_len == RTCP_SLOTS)
        return NULL;
    return r->rtcp[(r->rtcp_head + r->rtcp_len) % RTCP_SLOTS];
}

void yf_router_rtcp_commit(yf_router *r, uint32_t participant, yf_router_conn conn, size_t len)
{
    rt_out *o = push_slot(r);
    if (!o)
        return;
    o->kind = YF_ROUTER_OUT_RTCP;
    o->conn = (uint8_t)conn;
    o->participant = participant;
    o->rtcp_slot = (uint16_t)((r->rtcp_head + r->rtcp_len++) % RTCP_SLOTS);
    o->rtcp_len = (uint16_t)len;
}

void yf_router_push_event(yf_router *r, yf_router_event_kind ev, uint32_t participant,
                   uint32_t track_id, uint8_t level)
{
    rt_out *o = push_slot(r);
    if (!o)
        return;
    o->kind = YF_ROUTER_OUT_EVENT;
    o->event = (uint8_t)ev;
    o->participant = participant;
    o->track_id = track_id;
    o->level = level;
}

/* RTP: the shared packet copied once more, into scratch (with the
 * subscriber's transport-wide seq where negotiated), and patched. */
static bool emit_rtp(yf_router *r, int64_t now_us, rt_out *o, yf_router_output *out)
{
    if (o->pad) {
        out->len = yf_router_write_padding(r, now_us, o, r->scratch, sizeof r->scratch);
        out->data = r->scratch;
        return out->len > 0;
    }
    yf_pktbuf *b = o->buf;
    long stamped = yf_router_stamp_twcc(r, now_us, o, b, r->scratch, sizeof r->scratch);
    if (stamped < 0) {
        yf_pktbuf_unref(r->pool, b);
        return false;
    }
    size_t len = (size_t)stamped;
    if (len == 0) {
        memcpy(r->scratch, b->data, b->len);
        len = b->len;
    }
    yf_wr32(r->scratch + 8, o->ssrc);
    yf_wr16(r->scratch + 2, o->seq);
    yf_wr32(r->scratch + 4, o->ts);
    r->scratch[1] = (uint8_t)((r->scratch[1] & 0x80) | o->pt);
    out->data = r->scratch;
    out->len = len;
    out->retransmission = o->rtx;
    yf_pktbuf_unref(r->pool, b);
    return true;
}

static void emit_rtcp(yf_router *r, rt_out *o, yf_router_output *out)
{
    memcpy(r->scratch, r->rtcp[o->rtcp_slot], o->rtcp_len);
    r->rtcp_head = (r->rtcp_head + 1) % RTCP_SLOTS;
    r->rtcp_len--;
    out->data = r->scratch;
    out->len = o->rtcp_len;
}

static int64_t next_timeout(const yf_router *r)
{
    int64_t t = yf_router_rtcp_next_timeout(r);
    for (unsigned i = 0; i < r->cfg.max_tracks; i++) {
        if (!r->tracks[i].used)
            continue;
        int64_t n = yf_nack_gen_next_timeout(&r->tracks[i].nack);
        if (n < t)
            t = n;
    }
    return t;
}

void yf_router_poll_output(yf_router *r, int64_t now_us, yf_router_output *out)
{
    for (;;) {
        memset(out, 0, sizeof *out);
        if (r->q_len == 0) {
            out->kind = YF_ROUTER_OUT_TIMEOUT;
            out->timeout_us = next_timeout(r);
            return;
        }
        rt_out *o = &r->q[r->q_head];
        r->q_head = (r->q_head + 1) % r->q_cap;
        r->q_len--;
        out->kind = (yf_router_output_kind)o->kind;
        out->participant = o->participant;
        out->conn = (yf_router_conn)o->conn;
        out->event = (yf_router_event_kind)o->event;
        out->track_id = o->track_id;
        out->level = o->level;
        if (o->kind == YF_ROUTER_OUT_RTP && !emit_rtp(r, now_us, o, out))
            continue;   /* that one is not sent: the next */
        if (o->kind == YF_ROUTER_OUT_RTCP)
            emit_rtcp(r, o, out);
        return;
    }
}

void yf_router_get_stats(const yf_router *r, yf_router_stats *out)
{
    *out = r->st;
    out->lost = r->lost_retired;
    for (unsigned i = 0; i < r->cfg.max_tracks; i++)
        if (r->tracks[i].used)
            out->lost += track_lost(&r->tracks[i]);
    out->pool_exhausted = yf_pktbuf_pool_exhausted(r->pool);
    out->pool_buffers = yf_pktbuf_pool_size(r->pool);
}

int yf_router_get_track_stats(const yf_router *r, uint32_t track_id, yf_router_track_stats *out)
{
    int t = yf_router_find_track(r, track_id);
    if (t == NO_IDX)
        return YF_ESTATE;
    const rt_track *tr = &r->tracks[t];
    memset(out, 0, sizeof *out);
    out->ssrc = tr->ssrc;
    out->packets = tr->packets;
    out->nack = tr->nack.st;
    out->rtt_us = tr->nack.srtt_us;
    out->level = tr->level;
    out->keyframes = tr->keyframes;
    for (int l = 0; l < tr->n_layers; l++) { /* simulcast: all its layers */
        const rt_track *ly = &r->tracks[tr->layers[l]];
        if (l == tr->rec_layer)
            out->ssrc = ly->ssrc;
        out->packets += ly->packets;
        out->keyframes += ly->keyframes;
    }
    return YF_OK;
}

int yf_router_get_sub_stats(const yf_router *r, uint32_t subscriber, uint32_t track_id,
                            yf_router_sub_stats *out)
{
    int p = yf_router_find_participant(r, subscriber), t = yf_router_find_track(r, track_id);
    int s = p == NO_IDX || t == NO_IDX ? NO_IDX : find_sub(r, p, t);
    if (s == NO_IDX)
        return YF_ESTATE;
    const rt_sub *sb = &r->subs[s];
    memset(out, 0, sizeof *out);
    out->out_ssrc = sb->rw.out_ssrc;
    out->packets = sb->packets;
    out->octets = sb->octets;
    out->retransmitted = sb->retransmitted;
    out->dropped = sb->rw.dropped;
    out->epochs = sb->rw.epochs;
    out->fraction_lost = sb->fraction_lost;
    out->jitter = sb->jitter;
    out->rtt_us = sb->guard.rtt_us;
    out->nack_repeats = sb->guard.repeats;
    out->nack_over_budget = sb->guard.over_budget;
    out->layer = r->tracks[t].n_layers ? sb->layer : -1;
    out->layer_wanted = r->tracks[t].n_layers ? sb->want : -1;
    out->layer_switches = sb->switches;
    return YF_OK;
}

uint32_t yf_router_rtcp_ssrc(const yf_router *r, uint32_t participant)
{
    int p = yf_router_find_participant(r, participant);
    return p == NO_IDX ? 0 : r->parts[p].rtcp_ssrc;
}
