/* router_rtcp.c -- the router's RTCP: publishers' SRs in (RFC 3550 §6.4.1);
 * subscribers' NACK (RFC 4585 §6.2.1, answered from the cache), PLI (§6.3.1)
 * and FIR (RFC 5104 §4.3.1, forwarded upstream as PLI, at most one per
 * pli_min_interval per track), RRs and transport-cc feedback (to
 * router_bwe.c) in; out: NACK, RR (§6.4.2) and transport-cc feedback to
 * publishers, SR to subscribers, active speaker events. Compounds we start with an RR (§6.1), even an empty one. */
#include <string.h>
#include "router_priv.h"
#include "rtcp.h"

#define MAX_NACK_SEQS 256
#define SPEAKER_MAX_LEVEL 70   /* quieter than -70 dBov is nobody speaking */

/* An RR with no blocks: the first packet of a feedback-only compound. */
static int put_empty_rr(uint32_t ssrc, uint8_t *dst, size_t cap)
{
    yf_rtcp_rr rr;
    memset(&rr, 0, sizeof rr);
    rr.ssrc = ssrc;
    return yf_rtcp_rr_write(&rr, dst, cap);
}

static void send_pli(yf_router *r, int64_t now_us, rt_track *t)
{
    rt_participant *p = &r->parts[t->owner];
    uint8_t *d = yf_router_rtcp_begin(r);
    /* whatever happens, the limit restarts now: a request that cannot go
     * out (no SSRC yet, no room) is retried when it expires, never spun on */
    t->last_pli_us = now_us;
    t->pli_pending = true;
    if (!d || t->ssrc == 0)
        return;
    int a = put_empty_rr(p->rtcp_ssrc, d, RTCP_SLOT_CAP);
    int b = a < 0 ? a : yf_rtcp_pli_write(p->rtcp_ssrc, t->ssrc, d + a, RTCP_SLOT_CAP - (size_t)a);
    if (b < 0)
        return;
    yf_router_rtcp_commit(r, p->id, YF_CONN_PUBLISHER, (size_t)(a + b));
    t->pli_pending = false;
    r->st.pli_sent++;
    yf_router_push_event(r, YF_ROUTER_EV_KEYFRAME_REQUESTED, p->id,
                         t->parent != NO_IDX ? r->tracks[t->parent].id : t->id, 0);
}

/* retry: a subscriber still waits; ask again only every keyframe_retry_us.
 * Otherwise a request inside the rate limit is deferred, not lost: one PLI
 * goes out when the limit expires (handle_timeout). */
void yf_router_request_keyframe(yf_router *r, int64_t now_us, rt_track *t, bool retry)
{
    if (t->cfg.kind != YF_TRACK_VIDEO)
        return;
    for (int l = 0; l < t->n_layers; l++) /* simulcast: every layer */
        yf_router_request_keyframe(r, now_us, &r->tracks[t->layers[l]], retry);
    if (t->n_layers)
        return;
    int64_t since = t->last_pli_us ? now_us - t->last_pli_us : INT64_MAX;
    if (retry && (since < r->cfg.keyframe_retry_us || t->pli_pending))
        return;
    if (since >= r->cfg.pli_min_interval_us) {
        send_pli(r, now_us, t);
        return;
    }
    if (t->pli_pending)
        r->st.pli_suppressed++;
    t->pli_pending = true;
}

static rt_sub *sub_by_out_ssrc(yf_router *r, int part, uint32_t ssrc)
{
    for (unsigned i = 0; i < r->subs_cap; i++)
        if (r->subs[i].used && r->subs[i].sub == part && r->subs[i].rw.out_ssrc == ssrc)
            return &r->subs[i];
    return NULL;
}

/* A subscriber's NACK: back to source seqs, resent from the cache with the
 * subscriber's own seq/ts (no RTX: same SSRC, RFC 4585 §3.2), each at most
 * once per the subscriber's round trip and within its budget (rtx_guard.h). */
static void on_nack(yf_router *r, int64_t now_us, int part, const yf_rtcp_packet *pk)
{
    yf_rtcp_fb fb;
    uint16_t seqs[MAX_NACK_SEQS];
    size_t n = 0;
    int rc = yf_rtcp_nack_parse(pk, &fb, seqs, MAX_NACK_SEQS, &n);
    rt_sub *s = rc == YF_OK || rc == YF_ENOMEM ? sub_by_out_ssrc(r, part, fb.media_ssrc) : NULL;
    if (!s)
        return;
    rt_track *t = yf_router_sub_source(r, s); /* simulcast: the layer it gets */
    for (size_t i = 0; i < n; i++) {
        uint16_t src;
        yf_pktbuf *b = NULL;
        r->st.nack_in++;
        if (yf_rewrite_map_back(&s->rw, seqs[i], &src))
            b = yf_rtx_cache_get(&t->cache, src);
        if (!b || b->ssrc != s->rw.src_ssrc) {
            r->st.nack_miss++;
            continue;
        }
        if (!yf_rtx_guard_allow(&s->guard, now_us, seqs[i])) {
            r->st.nack_held++;
            continue;
        }
        if (yf_router_push_rtp(r, s, b, seqs[i], yf_rewrite_out_ts(&s->rw, b->ts), true)) {
            yf_rtx_guard_on_resend(&s->guard, now_us, seqs[i]);
            s->retransmitted++;
            r->st.retransmitted++;
        }
    }
}

static void on_keyframe_request(yf_router *r, int64_t now_us, int part, uint32_t out_ssrc)
{
    /* A browser asks for a while after its video stopped: a paused
     * subscriber gets none of the keyframes, everyone else would pay for
     * them (resume_video asks for its own). */
    if (yf_router_video_paused(r, part))
        return;
    rt_sub *s = sub_by_out_ssrc(r, part, out_ssrc);
    if (s)
        yf_router_request_keyframe(r, now_us, yf_router_sub_source(r, s), false);
}

static void on_fir(yf_router *r, int64_t now_us, int part, const yf_rtcp_packet *pk)
{
    yf_rtcp_fb fb;
    yf_rtcp_fir_entry e[8];
    size_t n = 0;
    int rc = yf_rtcp_fir_parse(pk, &fb, e, 8, &n);
    if (rc != YF_OK && rc != YF_ENOMEM)
        return;
    r->st.fir_in++;
    for (size_t i = 0; i < n; i++)
        on_keyframe_request(r, now_us, part, e[i].ssrc);
}

static void on_subscriber_rr(yf_router *r, int64_t now_us, int part, const yf_rtcp_report_block *b,
                             unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        rt_sub *s = sub_by_out_ssrc(r, part, b[i].ssrc);
        if (s) {
            s->fraction_lost = b[i].fraction_lost;
            s->jitter = b[i].jitter;
            s->rr_at_us = now_us != 0 ? now_us : 1;
            yf_rtx_guard_on_rr(&s->guard, now_us, b[i].lsr, b[i].dlsr);
        }
    }
}

static void on_publisher_sr(yf_router *r, int64_t now_us, int part, const yf_rtcp_packet *pk)
{
    yf_rtcp_sr sr;
    if (yf_rtcp_sr_parse(pk, &sr) != YF_OK)
        return;
    for (unsigned i = 0; i < r->cfg.max_tracks; i++) {
        rt_track *t = &r->tracks[i];
        if (!t->used || t->owner != part || t->ssrc != sr.ssrc)
            continue;
        yf_rx_stats_on_sr(&t->rx, now_us, sr.ntp);
        yf_sr_clock_on_sr(&t->sr, now_us, sr.ssrc, sr.ntp, sr.rtp_ts, t->cfg.clock_rate);
    }
}

static void on_subscriber_packet(yf_router *r, int64_t now_us, int part, const yf_rtcp_packet *pk)
{
    yf_rtcp_fb fb;
    yf_rtcp_rr rr;
    yf_rtcp_sr sr;
    if (pk->pt == YF_RTCP_RTPFB && pk->count == YF_RTCP_FMT_NACK) {
        on_nack(r, now_us, part, pk);
    } else if (pk->pt == YF_RTCP_RTPFB && pk->count == YF_RTCP_FMT_TWCC) {
        yf_router_on_downlink_feedback(r, now_us, part, pk);
    } else if (pk->pt == YF_RTCP_PSFB && pk->count == YF_RTCP_FMT_PLI) {
        if (yf_rtcp_pli_parse(pk, &fb) == YF_OK) {
            r->st.pli_in++;
            on_keyframe_request(r, now_us, part, fb.media_ssrc);
        }
    } else if (pk->pt == YF_RTCP_PSFB && pk->count == YF_RTCP_FMT_FIR) {
        on_fir(r, now_us, part, pk);
    } else if (pk->pt == YF_RTCP_RR && yf_rtcp_rr_parse(pk, &rr) == YF_OK) {
        on_subscriber_rr(r, now_us, part, rr.reports, rr.report_count);
    } else if (pk->pt == YF_RTCP_SR && yf_rtcp_sr_parse(pk, &sr) == YF_OK) {
        on_subscriber_rr(r, now_us, part, sr.reports, sr.report_count);
    }
}

int yf_router_handle_rtcp(yf_router *r, int64_t now_us, uint32_t participant,
                          yf_router_conn conn, const uint8_t *pkt, size_t len)
{
    yf_rtcp_iter it;
    yf_rtcp_packet pk;
    int part = yf_router_find_participant(r, participant);
    if (part == NO_IDX)
        return YF_ESTATE;
    int rc = yf_rtcp_validate(pkt, len, false);
    if (rc != YF_OK) {
        r->st.rtcp_malformed++;
        return rc;
    }
    yf_rtcp_iter_init(&it, pkt, len);
    while (yf_rtcp_iter_next(&it, &pk) == 1) {
        if (conn == YF_CONN_SUBSCRIBER)
            on_subscriber_packet(r, now_us, part, &pk);
        else if (pk.pt == YF_RTCP_SR)
            on_publisher_sr(r, now_us, part, &pk);
    }
    return YF_OK;
}

/* Upstream NACKs for one track whose retries are due. */
static void poll_nack(yf_router *r, int64_t now_us, rt_track *t)
{
    uint16_t seqs[128];
    size_t n;
    if (yf_nack_gen_next_timeout(&t->nack) > now_us)
        return;
    uint8_t *d = yf_router_rtcp_begin(r);
    if (!d)
        return;
    yf_nack_gen_poll(&t->nack, now_us, seqs, 128, &n);
    if (n == 0)
        return;
    rt_participant *p = &r->parts[t->owner];
    int a = put_empty_rr(p->rtcp_ssrc, d, RTCP_SLOT_CAP);
    int b = a < 0 ? a : yf_rtcp_nack_write(p->rtcp_ssrc, t->ssrc, seqs, n, d + a,
                                           RTCP_SLOT_CAP - (size_t)a);
    if (b < 0)
        return;
    yf_router_rtcp_commit(r, p->id, YF_CONN_PUBLISHER, (size_t)(a + b));
    r->st.nack_sent++;
}

/* The worst fraction lost (of 256) its subscribers' RRs report for track
 * t. A browser's Opus encoder turns in-band FEC on and sizes it from the
 * fraction lost of the RRs on its audio (RFC 7587 section 3.1.1 leaves the
 * estimate to the sender); an SFU's own RR sees only the publisher's
 * uplink, so for audio it reports the listeners' loss when that is worse
 * (cumulative counts stay ours: congestion control reads those). A
 * listener's report counts for listener_loss_max_age_us: one that stopped
 * reporting (its link cut, the stream no longer heard) no longer keeps the
 * speaker's FEC up; one that left has no subscription any more. */
static uint8_t worst_subscriber_loss(const yf_router *r, const rt_track *t, int64_t now_us)
{
    uint8_t worst = 0;
    for (int i = t->subs; i != NO_IDX; i = r->subs[i].next_in_track) {
        const rt_sub *s = &r->subs[i];
        if (s->rr_at_us != 0 && now_us - s->rr_at_us <= r->cfg.listener_loss_max_age_us &&
            s->fraction_lost > worst)
            worst = s->fraction_lost;
    }
    return worst;
}

/* §6.4.2: one RR with a block per track of this publisher heard from. */
static void send_rr(yf_router *r, int64_t now_us, int part)
{
    rt_participant *p = &r->parts[part];
    yf_rtcp_rr rr;
    memset(&rr, 0, sizeof rr);
    rr.ssrc = p->rtcp_ssrc;
    for (unsigned i = 0; i < r->cfg.max_tracks && rr.report_count < YF_RTCP_MAX_COUNT; i++) {
        rt_track *t = &r->tracks[i];
        if (t->used && t->owner == part &&
            yf_rx_stats_report(&t->rx, now_us, t->ssrc, &rr.reports[rr.report_count])) {
            yf_rtcp_report_block *b = &rr.reports[rr.report_count++];
            uint8_t worst = r->cfg.audio_loss_from_subscribers && t->cfg.kind == YF_TRACK_AUDIO
                                ? worst_subscriber_loss(r, t, now_us) : 0;
            if (worst > b->fraction_lost)
                b->fraction_lost = worst;
        }
    }
    uint8_t *d = yf_router_rtcp_begin(r);
    if (!d || rr.report_count == 0)
        return;
    int n = yf_rtcp_rr_write(&rr, d, RTCP_SLOT_CAP);
    if (n > 0) {
        yf_router_rtcp_commit(r, p->id, YF_CONN_PUBLISHER, (size_t)n);
        r->st.rr_sent++;
    }
}

static void send_twcc(yf_router *r, int part)
{
    rt_participant *p = &r->parts[part];
    while (p->twcc && yf_twcc_recv_pending(p->twcc)) {
        uint8_t *d = yf_router_rtcp_begin(r);
        if (!d)
            return;
        int a = put_empty_rr(p->rtcp_ssrc, d, RTCP_SLOT_CAP);
        int b = a < 0 ? a : yf_twcc_recv_build(p->twcc, p->rtcp_ssrc, p->twcc_media_ssrc,
                                                d + a, RTCP_SLOT_CAP - (size_t)a);
        if (b <= 0)
            return;
        yf_router_rtcp_commit(r, p->id, YF_CONN_PUBLISHER, (size_t)(a + b));
        r->st.twcc_sent++;
    }
}

/* §6.4.1 in the subscriber's space: the publisher's NTP clock extrapolated
 * to now, the RTP time mapped by the rewriter, our own counts. */
static bool sub_sr(const yf_router *r, int64_t now_us, const rt_sub *s, yf_rtcp_sr *sr)
{
    const rt_track *t = yf_router_sub_source(r, s);
    if (!t->sr.valid || !s->rw.have_src || s->rw.src_ssrc != t->sr.ssrc || s->packets == 0)
        return false;
    uint32_t src_ts;
    memset(sr, 0, sizeof *sr);
    sr->ssrc = s->rw.out_ssrc;
    yf_sr_clock_at(&t->sr, now_us, &sr->ntp, &src_ts);
    sr->rtp_ts = yf_rewrite_out_ts(&s->rw, src_ts);
    sr->packet_count = (uint32_t)s->packets;
    sr->octet_count = (uint32_t)s->octets;
    return true;
}

static void send_srs(yf_router *r, int64_t now_us, int part)
{
    uint8_t *d = yf_router_rtcp_begin(r);
    size_t off = 0;
    yf_rtcp_sr sr;
    if (!d)
        return;
    for (unsigned i = 0; i < r->subs_cap; i++) {
        if (!r->subs[i].used || r->subs[i].sub != part || !sub_sr(r, now_us, &r->subs[i], &sr))
            continue;
        int n = yf_rtcp_sr_write(&sr, d + off, RTCP_SLOT_CAP - off);
        if (n < 0)
            break; /* full: the rest wait for the next interval */
        off += (size_t)n;
        r->st.sr_sent++;
        yf_rtx_guard_on_sr(&r->subs[i].guard, now_us, sr.ntp);
    }
    if (off > 0)
        yf_router_rtcp_commit(r, r->parts[part].id, YF_CONN_SUBSCRIBER, off);
}

/* Average loudness per audio track over the interval; events on change. */
static void update_speakers(yf_router *r)
{
    int best = NO_IDX;
    uint32_t best_loud = 127 - SPEAKER_MAX_LEVEL;
    for (unsigned i = 0; i < r->cfg.max_tracks; i++) {
        rt_track *t = &r->tracks[i];
        if (!t->used || t->cfg.kind != YF_TRACK_AUDIO)
            continue;
        uint32_t loud = t->loud_n ? t->loud_sum / t->loud_n : 0;
        t->level = (uint8_t)(127 - loud);
        t->loud_sum = t->loud_n = 0;
        int diff = (int)t->level - (int)t->reported_level;
        if (diff >= 3 || diff <= -3) {
            t->reported_level = t->level;
            yf_router_push_event(r, YF_ROUTER_EV_AUDIO_LEVEL, r->parts[t->owner].id, t->id, t->level);
        }
        if (loud > best_loud) {
            best_loud = loud;
            best = (int)i;
        }
    }
    if (best != NO_IDX && best != r->active_speaker) {
        r->active_speaker = best;
        rt_track *t = &r->tracks[best];
        yf_router_push_event(r, YF_ROUTER_EV_ACTIVE_SPEAKER, r->parts[t->owner].id, t->id, t->level);
    }
}

static void participant_timers(yf_router *r, int64_t now_us, int i)
{
    rt_participant *p = &r->parts[i];
    if (p->next_twcc_us && p->next_twcc_us <= now_us) {
        send_twcc(r, i);
        p->next_twcc_us = now_us + r->cfg.twcc_interval_us;
    }
    if (p->next_rr_us && p->next_rr_us <= now_us) {
        send_rr(r, now_us, i);
        p->next_rr_us = now_us + r->cfg.rr_interval_us;
    }
    if (p->next_sr_us && p->next_sr_us <= now_us) {
        send_srs(r, now_us, i);
        p->next_sr_us = now_us + r->cfg.sr_interval_us;
    }
    if (p->probe_next_us && p->probe_next_us <= now_us)
        yf_router_probe_tick(r, now_us, i);
}

void yf_router_handle_timeout(yf_router *r, int64_t now_us)
{
    for (unsigned i = 0; i < r->cfg.max_tracks; i++) {
        rt_track *t = &r->tracks[i];
        if (!t->used)
            continue;
        if (t->cfg.nack)
            poll_nack(r, now_us, t);
        if (t->pli_pending && now_us - t->last_pli_us >= r->cfg.pli_min_interval_us)
            send_pli(r, now_us, t);
    }
    for (unsigned i = 0; i < r->parts_cap; i++)
        if (r->parts[i].used)
            participant_timers(r, now_us, (int)i);
    if (r->next_speaker_us && r->next_speaker_us <= now_us) {
        update_speakers(r);
        r->next_speaker_us = now_us + r->cfg.speaker_interval_us;
    }
}

static void earliest(int64_t *t, int64_t v)
{
    if (v && v < *t)
        *t = v;
}

int64_t yf_router_rtcp_next_timeout(const yf_router *r)
{
    int64_t t = YF_TIME_NEVER;
    for (unsigned i = 0; i < r->parts_cap; i++) {
        const rt_participant *p = &r->parts[i];
        if (!p->used)
            continue;
        earliest(&t, p->next_rr_us);
        earliest(&t, p->next_twcc_us);
        earliest(&t, p->next_sr_us);
        earliest(&t, p->probe_next_us);
    }
    for (unsigned i = 0; i < r->cfg.max_tracks; i++)
        if (r->tracks[i].used && r->tracks[i].pli_pending)
            earliest(&t, r->tracks[i].last_pli_us + r->cfg.pli_min_interval_us);
    earliest(&t, r->next_speaker_us);
    return t;
}
