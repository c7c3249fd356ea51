/* router_rtp.c -- the publisher RTP path: find the track (learning or
 * switching its SSRC), record transport-wide CC (twcc.h) and audio level
 * (RFC 6464 §3), receiver statistics and gaps for NACK, store the packet
 * once in a pooled pktbuf, and queue one reference per subscriber after its
 * rewriter has decided (RFC 3550 §7.3). No allocation per packet. */
#include <string.h>
#include "router_priv.h"
#include "rtp.h"

/* The track of this packet by SSRC; else a track that lost or never had
 * its SSRC claims it by mid or payload type (automatic source switch). */
static int match_track(yf_router *r, int p, const yf_rtp_header *h, bool *stale)
{
    int by_pt = NO_IDX, by_rid = NO_IDX;
    *stale = false;
    for (unsigned i = 0; i < r->cfg.max_tracks; i++) {
        rt_track *t = &r->tracks[i];
        if (!t->used || t->owner != p)
            continue;
        if (t->ssrc == h->ssrc && t->ssrc != 0)
            return (int)i;
        if (t->prev_ssrc == h->ssrc && t->prev_ssrc != 0)
            *stale = true;
        if (t->parent != NO_IDX)
            continue; /* a simulcast layer: by SSRC, or by rid below */
        if (t->n_layers) {
            int l = yf_router_layers_match(r, t, h);
            by_rid = l != NO_IDX ? l : by_rid;
            continue; /* without its rid, a layer cannot be told */
        }
        yf_rtp_ext mid;
        if (t->cfg.mid_ext_id && t->cfg.mid[0] &&
            yf_rtp_ext_find(h, t->cfg.mid_ext_id, &mid) == 1) {
            if (mid.len == strlen(t->cfg.mid) && memcmp(mid.data, t->cfg.mid, mid.len) == 0)
                by_pt = (int)i;
            continue; /* a mid that names another track: not this one */
        }
        if ((t->cfg.pt == h->payload_type || (t->cfg.red_pt && t->cfg.red_pt == h->payload_type)) &&
            by_pt == NO_IDX)
            by_pt = (int)i;
    }
    return *stale ? NO_IDX : by_rid != NO_IDX ? by_rid : by_pt;
}

/* First packet (SSRC learnt) or a new SSRC (the source was replaced). */
static void adopt_ssrc(yf_router *r, int64_t now_us, rt_track *t, uint32_t ssrc)
{
    if (t->ssrc == 0) {
        t->ssrc = ssrc;
        return;
    }
    yf_router_source_replace(r, now_us, (int)(t - r->tracks), ssrc);
}

static void on_twcc(yf_router *r, int64_t now_us, rt_participant *p, const yf_rtp_header *h)
{
    yf_rtp_ext e;
    if (!p->twcc_ext_id || yf_rtp_ext_find(h, p->twcc_ext_id, &e) != 1 || e.len < 2)
        return;
    yf_twcc_recv_on_packet(p->twcc, now_us, (uint16_t)((e.data[0] << 8) | e.data[1]));
    p->twcc_media_ssrc = h->ssrc;
    if (!p->next_twcc_us)
        p->next_twcc_us = now_us + r->cfg.twcc_interval_us;
}

/* RFC 6464 §3: V bit and level 0..127 (-dBov). */
static void on_audio_level(yf_router *r, int64_t now_us, rt_track *t, const yf_rtp_header *h)
{
    yf_rtp_ext e;
    if (!t->cfg.audio_level_ext_id || yf_rtp_ext_find(h, t->cfg.audio_level_ext_id, &e) != 1 ||
        e.len < 1)
        return;
    uint8_t level = e.data[0] & 0x7f;
    t->loud_sum += 127u - level;
    t->loud_n++;
    if (!r->next_speaker_us)
        r->next_speaker_us = now_us + r->cfg.speaker_interval_us;
}

static yf_pktbuf *store(yf_router *r, rt_track *t, const yf_rtp_header *h,
                        const uint8_t *pkt, size_t len, int64_t now_us)
{
    yf_pktbuf *b = yf_pktbuf_alloc(r->pool);
    if (!b)
        return NULL;
    memcpy(b->data, pkt, len);
    b->len = (uint16_t)len;
    b->payload_len = (uint16_t)h->payload_len;
    b->seq = h->seq;
    b->ts = h->timestamp;
    b->ssrc = h->ssrc;
    b->marker = h->marker;
    b->arrival_us = now_us;
    b->keyframe = t->cfg.kind == YF_TRACK_AUDIO ||
                  yf_keyframe_detect(t->cfg.codec, h->payload, h->payload_len);
    if (b->keyframe && t->cfg.kind == YF_TRACK_VIDEO)
        t->keyframes++;
    yf_rtx_cache_put(&t->cache, r->pool, b);
    return b;
}

static void fan_out(yf_router *r, int64_t now_us, rt_track *t, yf_pktbuf *b)
{
    bool waiting = false;
    bool video = t->cfg.kind == YF_TRACK_VIDEO;
    yf_pktbuf *plain = NULL; /* a RED packet's primary, made on first need */
    for (int i = t->subs; i != NO_IDX; i = r->subs[i].next_in_track) {
        rt_sub *s = &r->subs[i];
        uint16_t seq;
        uint32_t ts;
        if (video && yf_router_video_paused(r, s->sub)) {
            r->st.downlink_drops++; /* audio only: its downlink cannot carry this */
            continue;
        }
        if (!yf_rewrite_packet(&s->rw, now_us, b->ssrc, b->seq, b->ts, b->keyframe, &seq, &ts)) {
            waiting = waiting || s->rw.waiting_keyframe;
            continue;
        }
        if (yf_router_push_fanned(r, t, s, b, seq, ts, &plain)) {
            yf_rtx_guard_on_forward(&s->guard);
            s->packets++;
            /* what went out: a RED packet's primary alone to a subscriber
             * that does not take RED (its sender reports count octets sent) */
            s->octets += plain && !s->red_pt ? plain->payload_len : b->payload_len;
            r->st.forwarded++;
        }
    }
    yf_pktbuf_unref(r->pool, plain);
    if (waiting)
        yf_router_request_keyframe(r, now_us, t, true);
}

static void on_track_packet(yf_router *r, int64_t now_us, rt_track *t, const yf_rtp_header *h)
{
    t->packets++;
    yf_router_track_rate(t, now_us, h->header_len + h->payload_len + h->padding_len);
    on_audio_level(r, now_us, t, h);
    yf_rx_stats_on_packet(&t->rx, now_us, h->seq, h->timestamp);
    if (t->cfg.nack)
        yf_nack_gen_on_packet(&t->nack, now_us, h->seq);
    rt_participant *p = &r->parts[t->owner];
    if (!p->next_rr_us)
        p->next_rr_us = now_us + r->cfg.rr_interval_us;
}

int yf_router_handle_rtp(yf_router *r, int64_t now_us, uint32_t participant,
                         const uint8_t *pkt, size_t len)
{
    yf_rtp_header h;
    bool stale;
    int p = yf_router_find_participant(r, participant);
    if (p == NO_IDX)
        return YF_ESTATE;
    int rc = yf_rtp_parse(pkt, len, &h);
    if (rc != YF_OK) {
        r->st.rtp_malformed++;
        return rc;
    }
    r->st.rtp_in++;
    on_twcc(r, now_us, &r->parts[p], &h); /* every packet counts for CC */
    int ti = match_track(r, p, &h, &stale);
    if (ti == NO_IDX) {
        if (stale)
            r->st.rtp_stale_ssrc++;
        else
            r->st.rtp_unknown++;
        return YF_ESTATE;
    }
    if (len > YF_PKTBUF_CAP) {
        r->st.rtp_too_big++;
        return YF_ENOMEM;
    }
    rt_track *t = &r->tracks[ti];
    if (!yf_router_red_ok(r, t, &h))
        return YF_EMALFORMED;
    if (t->ssrc != h.ssrc)
        adopt_ssrc(r, now_us, t, h.ssrc);
    on_track_packet(r, now_us, t, &h);
    yf_pktbuf *b = store(r, t, &h, pkt, len, now_us);
    if (!b)
        return YF_ENOMEM;
    if (t->parent != NO_IDX) {
        yf_router_layers_on_packet(r, now_us, t, b);
        if (!r->tracks[t->parent].paused)
            yf_router_layers_fan_out(r, now_us, t, b);
    } else if (!t->paused) {
        fan_out(r, now_us, t, b);
    }
    yf_pktbuf_unref(r->pool, b);
    return YF_OK;
}
