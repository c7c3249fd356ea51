/* router_bwe.c -- the router's side of each subscriber's downlink:
 * transport-wide sequence numbers stamped into what it sends (twcc_send.h,
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 §2), its feedback into
 * the estimate (bwe.h), and the video it gets from that estimate (layer.h):
 * all of it, or none (audio only) when even that does not fit. Without
 * simulcast a video track has one layer, so the choice is over the sum of
 * the subscribed video tracks' measured rates. Where the subscriber took
 * an RTX stream, each move up is first asked of the link with a probe
 * (probe.h): padding on that stream tops what it gets up to the higher
 * layer's rate for a moment. No allocation. */
#include <string.h>
#include "router_priv.h"

#define RATE_WINDOW_US 1000000   /* a track's rate: bytes over 1 s windows */
#define RATE_STALE_US 2000000    /* no packet closed a window for 1 s: silent */
#define DOWNLINK_MAX_BPS 20000000 /* a subscriber's estimate: from here down */
/* 10 % of 255: a downlink that drops more than FEC and NACK repair. Steady
 * random loss of a few percent (a weak mobile link) keeps the video: the
 * estimator holds there too (bwe.c), and the weak-link test asks that the
 * petitioner go on seeing the prosecutor at 5 %. A link that cannot carry
 * the video overflows its queue and loses far more. */
#define LOSS_EVIDENCE 26
/* Probes step up to the higher layer's need (and the audio) times this... */
#define PROBE_TARGET_PCT 125
/* ... and the link carries it when this much of the need arrives: the
 * same headroom the estimate needs for a move up (layer.h: 20 %), less
 * the receive rate's jitter over a 200 ms window. */
#define PROBE_NEED_PCT 110
/* A step asks at least twice this: a subscriber that gets nothing now
 * (video paused, no audio) still asks for something. */
#define PROBE_MIN_BASE_BPS 64000
#define PROBE_PADDING_PACKETS 16 /* at most per tick */
/* Audio only, the layer choice is asked again this often without feedback:
 * a subscriber that gets nothing (no audio subscribed, or its audio muted)
 * sends no feedback, and only a probe would bring its video back. */
#define PAUSED_RECHECK_US 500000
#define PADDING_HEADER 20        /* RTP header and the transport-cc element */

void yf_router_track_rate(rt_track *t, int64_t now_us, size_t len)
{
    if (!t->rate_since_us) {
        t->rate_since_us = now_us;
        t->rate_bytes = 0;
    }
    t->rate_bytes += len;
    if (now_us - t->rate_since_us >= RATE_WINDOW_US) {
        t->rate_bps = (int64_t)(t->rate_bytes * 8 * 1000000 / (uint64_t)(now_us - t->rate_since_us));
        t->rate_since_us = now_us;
        t->rate_bytes = 0;
    }
}

bool yf_router_track_live(const rt_track *t, int64_t now_us)
{
    return t->rate_since_us && now_us - t->rate_since_us <= RATE_STALE_US;
}

int64_t yf_router_track_rate_now(const rt_track *t, int64_t now_us)
{
    return yf_router_track_live(t, now_us) ? t->rate_bps : 0;
}

static void resume_video(yf_router *r, int64_t now_us, int part);

void yf_router_downlink_reset(yf_router *r, int part)
{
    rt_participant *p = &r->parts[part];
    /* the sequence continues: a browser on the same transport would take
     * a step back for old packets and stop reporting */
    uint16_t next = p->tx.st.stamped || p->seq_started ? p->tx.next_seq : 1;
    p->seq_started = p->seq_started || p->tx.st.stamped;
    yf_twcc_send_init(&p->tx, next);
    /* The router does not set the publishers' rates, it forwards what
     * they send: until the downlink shows a limit (overuse, loss) there is
     * none known, so the estimate starts at its ceiling and only evidence
     * brings it down. */
    yf_bwe_config cfg = { .initial_bps = DOWNLINK_MAX_BPS, .max_bps = DOWNLINK_MAX_BPS };
    yf_bwe_init(&p->bwe, &cfg);
    yf_layer_init(&p->layer, NULL);
    yf_probe_cancel(&p->probe);
    p->probe_next_us = 0;
    p->probe_sub = -1;
    p->level = YF_LAYER_MAX - 1;
    p->video_paused = false;
}

int yf_router_set_subscription_rtx(yf_router *r, uint32_t subscriber, uint32_t track_id,
                                   uint32_t rtx_ssrc, uint8_t rtx_pt)
{
    int p = yf_router_find_participant(r, subscriber), t = yf_router_find_track(r, track_id);
    if (rtx_pt > 127 || (rtx_ssrc && !rtx_pt))
        return YF_EMALFORMED;
    if (p == NO_IDX || t == NO_IDX)
        return YF_ESTATE;
    for (int i = r->tracks[t].subs; i != NO_IDX; i = r->subs[i].next_in_track) {
        rt_sub *s = &r->subs[i];
        if (s->sub != p)
            continue;
        if (s->rtx_ssrc != rtx_ssrc)
            s->rtx_seq = (uint16_t)yf_router_random32(r); /* RFC 3550 §5.1 */
        s->rtx_ssrc = rtx_ssrc;
        s->rtx_pt = rtx_pt;
        if (rtx_ssrc && !r->parts[p].layer.started)
            r->parts[p].level = 0; /* with probes it starts at the lowest (layer.h) */
        return YF_OK;
    }
    return YF_ESTATE;
}

static bool pads(const yf_router *r, const rt_sub *s, int part)
{
    return s->used && s->sub == part && s->rtx_ssrc && r->tracks[s->track].cfg.kind == YF_TRACK_VIDEO;
}

/* The video subscription of part whose RTX stream carries its probes: the
 * one found last while it lasts (ticks come every 5 ms, and a public
 * hearing's hundreds of viewers may all probe at once), else the first. */
static rt_sub *probe_sub(yf_router *r, int part)
{
    rt_participant *p = &r->parts[part];
    if (p->probe_sub >= 0 && (unsigned)p->probe_sub < r->subs_cap && pads(r, &r->subs[p->probe_sub], part))
        return &r->subs[p->probe_sub];
    for (unsigned i = 0; i < r->subs_cap; i++) {
        if (pads(r, &r->subs[i], part)) {
            p->probe_sub = (int)i;
            return &r->subs[i];
        }
    }
    return NULL;
}

int yf_router_set_subscriber_twcc(yf_router *r, int64_t now_us, uint32_t participant, uint8_t ext_id)
{
    int p = yf_router_find_participant(r, participant);
    if (p == NO_IDX)
        return YF_ESTATE;
    if (ext_id > 14)
        return YF_EMALFORMED;
    bool was_paused = r->parts[p].video_paused;
    yf_router_downlink_reset(r, p);
    if (was_paused) {
        r->st.video_resumes++;
        resume_video(r, now_us, p);
        yf_router_push_event(r, YF_ROUTER_EV_VIDEO_RESUMED, participant, 0, 0);
    }
    r->parts[p].sub_twcc_id = ext_id;
    return YF_OK;
}

/* What the participant's subscriptions take now: audio, and the video (not
 * host-muted) at each level of layers, lowest first (video[0..*levels)):
 * a simulcast track counts the layer that level gives, a plain track its
 * one rate at every level. From the publishers' measured rates. *rtx (may
 * be NULL): whether a video subscription can carry probes (RTX). */
static void level_needs(const yf_router *r, int64_t now_us, int part, int64_t *video, int *levels,
                        int64_t *audio, bool *rtx)
{
    bool any_rtx = false;

    *audio = 0;
    *levels = 1;
    memset(video, 0, YF_LAYER_MAX * sizeof *video);
    for (unsigned i = 0; i < r->subs_cap; i++) {
        const rt_sub *s = &r->subs[i];
        if (!s->used || s->sub != part)
            continue;
        const rt_track *t = &r->tracks[s->track];
        int n = 1;
        any_rtx = any_rtx || (s->rtx_ssrc && t->cfg.kind == YF_TRACK_VIDEO);
        if (t->cfg.kind == YF_TRACK_AUDIO) {
            *audio += yf_router_track_rate_now(t, now_us);
            continue;
        }
        if (t->paused)
            continue;
        for (int l = 0; l < YF_LAYER_MAX; l++)
            video[l] += yf_router_layers_rate(r, now_us, t, l, &n);
        *levels = n > *levels ? n : *levels;
    }
    if (rtx)
        *rtx = any_rtx;
}

/* The same at the level the participant gets now. */
static void needs(const yf_router *r, int64_t now_us, int part, int64_t *video, int64_t *audio)
{
    int64_t lv[YF_LAYER_MAX];
    int n;
    level_needs(r, now_us, part, lv, &n, audio, NULL);
    int at = r->parts[part].level < n ? r->parts[part].level : n - 1;
    *video = lv[at < 0 ? 0 : at];
}

/* Video back on: every video subscription starts a new epoch at the next
 * keyframe (sequence numbers continue, nothing to NACK), which we ask for. */
static void resume_video(yf_router *r, int64_t now_us, int part)
{
    for (unsigned i = 0; i < r->subs_cap; i++) {
        rt_sub *s = &r->subs[i];
        if (!s->used || s->sub != part || r->tracks[s->track].cfg.kind != YF_TRACK_VIDEO)
            continue;
        yf_rewrite_reset_source(&s->rw);
        yf_router_request_keyframe(r, now_us, &r->tracks[s->track], false);
    }
}

/* What the layer choice goes by: the estimate, except that a downlink that
 * shows video and loses (almost) nothing keeps it, whatever its delay says
 * (the estimate is taken as at least what the video and audio take now).
 * A loaded machine or a busy receiver delays packets without dropping any,
 * and that must not cost anyone the picture; a link that really cannot
 * carry the video fills its queue and drops (10 % or more in the
 * estimator's loss windows, averaged), and then the estimate decides. Coming
 * back from audio only goes by the estimate alone. */
static int64_t usable_estimate(const rt_participant *p, int64_t video, int64_t audio)
{
    yf_bwe_stats st;
    yf_bwe_get_stats(&p->bwe, &st);
    int64_t est = st.estimate_bps;
    if (st.loss_smoothed < LOSS_EVIDENCE && !p->video_paused && video + audio > est)
        est = video + audio;
    /* Paused, the loss bound would hold the estimate down for good on a
     * link that settles at a few percent of loss (it relaxes only under
     * 2 %), and audio alone never tests it: under the pause's own loss rule
     * the delay-based estimate decides the way back. */
    if (p->video_paused && st.loss_smoothed < LOSS_EVIDENCE)
        est = st.delay_bps;
    return est;
}

/* The layer choice made: the level its simulcast tracks get, or audio only. */
static void apply(yf_router *r, int64_t now_us, int part, int layer)
{
    rt_participant *p = &r->parts[part];
    bool pause = layer == YF_LAYER_AUDIO_ONLY;
    if (!pause)
        p->level = layer;
    if (pause == p->video_paused)
        return;
    p->video_paused = pause;
    if (pause) {
        r->st.video_pauses++;
        if (!p->probe_next_us)
            p->probe_next_us = now_us + PAUSED_RECHECK_US;
    } else {
        r->st.video_resumes++;
        resume_video(r, now_us, part);
    }
    yf_router_push_event(r, pause ? YF_ROUTER_EV_VIDEO_PAUSED : YF_ROUTER_EV_VIDEO_RESUMED, p->id, 0, 0);
}

/* One probe step towards probe_goal_bps: at most twice `base` (what the
 * link is known to carry), so that a link that cannot carry more is asked
 * for a little more, not for many times what it has: a 300 kbit/s link
 * asked for 1.6 Mbit/s for 200 ms keeps a full queue, and drops sound,
 * for seconds after. */
static void probe_step(yf_router *r, int64_t now_us, int part, int64_t base)
{
    rt_participant *p = &r->parts[part];
    if (base < PROBE_MIN_BASE_BPS)
        base = PROBE_MIN_BASE_BPS;
    int64_t target = base * 2 < p->probe_goal_bps ? base * 2 : p->probe_goal_bps;
    yf_bwe_stats st;
    yf_bwe_get_stats(&p->bwe, &st);
    yf_probe_start(&p->probe, now_us, target, target / PROBE_TARGET_PCT * PROBE_NEED_PCT, st.rtt_us);
    if (p->probe.state != YF_PROBE_SENDING) { /* cannot: the layer choice must not wait for it */
        yf_layer_probe_result(&p->layer, now_us, false);
        return;
    }
    r->st.probes++;
    p->probe_next_us = now_us;
}

/* A probe the layer choice wants: of the layer's need and the audio. */
static void start_probe(yf_router *r, int64_t now_us, int part, const int64_t *lv, int n, int64_t audio)
{
    rt_participant *p = &r->parts[part];
    int layer;
    if (!yf_layer_probe_wanted(&p->layer, &layer))
        return;
    int64_t need = lv[layer < n ? layer : n - 1];
    if (need <= 0) { /* a layer not measured yet: asked again later */
        yf_layer_probe_skip(&p->layer);
        return;
    }
    int at = p->level < n ? p->level : n - 1;
    int64_t now_bps = (p->video_paused ? 0 : lv[at < 0 ? 0 : at]) + audio;
    yf_bwe_stats st;
    yf_bwe_get_stats(&p->bwe, &st);
    p->probe_goal_bps = (need + audio) / 100 * PROBE_TARGET_PCT;
    probe_step(r, now_us, part, now_bps > st.acked_bps ? now_bps : st.acked_bps);
}

/* A probe's verdict, once: the next step, or the layer choice moves up or
 * waits longer; a probe sent short of its rate, or one the receiver
 * stalled in, asked again after the usual wait without the longer one. */
static void take_verdict(yf_router *r, int64_t now_us, int part)
{
    rt_participant *p = &r->parts[part];
    int64_t target = p->probe.target_bps;
    yf_probe_state v = yf_probe_poll(&p->probe, now_us);
    if (v != YF_PROBE_OK && v != YF_PROBE_FAILED && v != YF_PROBE_SHORT && v != YF_PROBE_STALLED)
        return;
    p->probe_next_us = 0;
    if (v == YF_PROBE_SHORT || v == YF_PROBE_STALLED) {
        if (v == YF_PROBE_SHORT)
            r->st.probes_short++;
        else
            r->st.probes_stalled++;
        yf_layer_probe_skip(&p->layer);
        return;
    }
    if (v == YF_PROBE_OK) {
        r->st.probes_ok++;
        yf_bwe_on_probe(&p->bwe, now_us, p->probe.st.last_recv_bps, p->probe.st.last_loss_pct / 100.0);
    } else {
        r->st.probes_failed++;
    }
    if (v == YF_PROBE_OK && target < p->probe_goal_bps) {
        int64_t got = p->probe.st.last_recv_bps;
        probe_step(r, now_us, part, got < target ? got : target);
        return;
    }
    yf_layer_probe_result(&p->layer, now_us, v == YF_PROBE_OK);
    apply(r, now_us, part, p->layer.current);
}

static void choose(yf_router *r, int64_t now_us, int part)
{
    rt_participant *p = &r->parts[part];
    int64_t lv[YF_LAYER_MAX], audio;
    int n;
    bool rtx;
    level_needs(r, now_us, part, lv, &n, &audio, &rtx);
    yf_layer_set_probing(&p->layer, rtx);
    int at = p->level < n ? p->level : n - 1;
    int layer = yf_layer_choose(&p->layer, now_us, lv, n, audio, usable_estimate(p, lv[at], audio));
    if (p->layer.probe_layer == YF_LAYER_NO_PROBE && p->probe.state != YF_PROBE_IDLE) {
        yf_probe_cancel(&p->probe); /* moved down meanwhile */
        p->probe_next_us = 0;
    }
    apply(r, now_us, part, layer);
    start_probe(r, now_us, part, lv, n, audio);
    /* audio only and nothing asked: the next look, feedback or not */
    if (p->video_paused && p->probe.state == YF_PROBE_IDLE && !p->probe_next_us)
        p->probe_next_us = now_us + PAUSED_RECHECK_US;
}

void yf_router_probe_tick(yf_router *r, int64_t now_us, int part)
{
    rt_participant *p = &r->parts[part];
    p->probe_next_us = 0;
    take_verdict(r, now_us, part);
    if (p->probe.state == YF_PROBE_IDLE && p->video_paused && p->sub_twcc_id)
        choose(r, now_us, part); /* a probe, or the next look in 500 ms */
    size_t due = yf_probe_padding_due(&p->probe, now_us);
    if (p->probe.state == YF_PROBE_WAITING)
        p->probe_next_us = yf_probe_next_us(&p->probe);
    if (p->probe.state != YF_PROBE_SENDING)
        return;
    rt_sub *s = probe_sub(r, part);
    if (!s || !p->sub_twcc_id) { /* its RTX stream went with its track: no verdict */
        yf_probe_cancel(&p->probe);
        yf_layer_probe_skip(&p->layer);
        return;
    }
    for (int k = 0; k < PROBE_PADDING_PACKETS && due > PADDING_HEADER; k++) {
        size_t pad = due - PADDING_HEADER > YF_PROBE_MAX_PADDING ? YF_PROBE_MAX_PADDING : due - PADDING_HEADER;
        if (!yf_router_push_padding(r, s, (uint16_t)pad, p->probe.cluster))
            break;
        yf_probe_on_sent(&p->probe, now_us, pad + PADDING_HEADER, true);
        r->st.padding_packets++;
        due -= pad + PADDING_HEADER;
    }
    p->probe_next_us = now_us + YF_PROBE_TICK_US;
}

/* RFC 3550 §5.1 padding (the last byte counts the padding bytes, itself
 * included) after a one-byte extension block holding only the subscriber's
 * transport-wide seq (RFC 8285 §4.2): no payload, so the browser's RTX
 * receiver drops it after counting it in its feedback. */
size_t yf_router_write_padding(yf_router *r, int64_t now_us, const rt_out *o, uint8_t *dst, size_t cap)
{
    if (o->part_idx >= r->parts_cap || o->pad == 0 || o->pad > YF_PROBE_MAX_PADDING)
        return 0;
    rt_participant *p = &r->parts[o->part_idx];
    size_t len = PADDING_HEADER + o->pad;
    if (!p->used || p->id != o->participant || !p->sub_twcc_id || len > cap)
        return 0;
    uint16_t tw = p->tx.next_seq;
    dst[0] = 0x80 | 0x20 | 0x10; /* V=2, P, X */
    dst[1] = o->pt;
    yf_wr16(dst + 2, o->seq);
    yf_wr32(dst + 4, o->ts);
    yf_wr32(dst + 8, o->ssrc);
    yf_wr16(dst + 12, 0xBEDE);
    yf_wr16(dst + 14, 1);
    dst[16] = (uint8_t)(p->sub_twcc_id << 4 | 1);
    yf_wr16(dst + 17, tw);
    dst[19] = 0;
    memset(dst + PADDING_HEADER, 0, o->pad - 1u);
    dst[len - 1] = (uint8_t)o->pad;
    p->tx.cluster = o->cluster;
    yf_twcc_send_stamp(&p->tx, now_us, len);
    p->tx.cluster = 0;
    return len;
}

void yf_router_on_downlink_feedback(yf_router *r, int64_t now_us, int part, const yf_rtcp_packet *pk)
{
    yf_twcc_result *res = r->fb_res;
    rt_participant *p = &r->parts[part];
    size_t n = 0;
    if (!p->sub_twcc_id)
        return;
    if (yf_twcc_send_on_feedback(&p->tx, pk, res, YF_TWCC_SEND_MAX_STATUS, &n) != YF_OK) {
        r->st.twcc_fb_bad++;
        return;
    }
    r->st.twcc_fb_in++;
    yf_bwe_on_feedback(&p->bwe, now_us, res, n);
    yf_probe_on_feedback(&p->probe, now_us, res, n);
    take_verdict(r, now_us, part);
    choose(r, now_us, part);
}

long yf_router_stamp_twcc(yf_router *r, int64_t now_us, const rt_out *o, const yf_pktbuf *b,
                          uint8_t *dst, size_t cap)
{
    if (o->part_idx >= r->parts_cap)
        return 0;
    rt_participant *p = &r->parts[o->part_idx];
    if (!p->used || p->id != o->participant || !p->sub_twcc_id)
        return 0;
    int n = yf_twcc_send_write_ext(dst, cap, b->data, b->len, p->sub_twcc_id, o->pub_twcc_id,
                                   p->tx.next_seq);
    if (n <= 0) {
        /* An extension block only a publisher could have made so (a
         * browser's always rewrites): sent as it came, its own transport-cc
         * element could feed the subscriber's feedback a sequence of the
         * publisher's choosing, and with it the estimate. Not sent. */
        r->st.twcc_stamp_drops++;
        return -1;
    }
    p->tx.cluster = yf_probe_cluster(&p->probe, now_us);
    yf_twcc_send_stamp(&p->tx, now_us, (size_t)n);
    if (p->tx.cluster)
        yf_probe_on_sent(&p->probe, now_us, (size_t)n, false);
    p->tx.cluster = 0;
    return n;
}

int yf_router_get_downlink(const yf_router *r, int64_t now_us, uint32_t participant,
                           yf_router_downlink *out)
{
    int part = yf_router_find_participant(r, participant);
    memset(out, 0, sizeof *out);
    if (part == NO_IDX)
        return YF_ESTATE;
    const rt_participant *p = &r->parts[part];
    yf_bwe_stats st;
    yf_bwe_get_stats(&p->bwe, &st);
    out->estimating = p->sub_twcc_id != 0 && st.feedbacks > 0;
    out->estimate_bps = st.estimate_bps;
    out->acked_bps = st.acked_bps;
    out->rtt_us = st.rtt_us;
    out->state = yf_bwe_state_name(st.state);
    out->loss_fraction = st.loss_fraction;
    out->video_paused = p->video_paused;
    needs(r, now_us, part, &out->video_bps, &out->audio_bps);
    out->feedbacks = st.feedbacks;
    out->stamped = p->tx.st.stamped;
    out->delay_bps = st.delay_bps;
    out->loss_bps = st.loss_bps;
    out->reported = st.packets;
    out->lost = st.lost;
    out->overuses = st.overuses;
    out->unknown = p->tx.st.unknown;
    yf_probe_stats ps;
    yf_probe_get_stats(&p->probe, &ps);
    out->probes = ps.probes;
    out->probes_ok = ps.ok;
    out->probes_failed = ps.failed;
    out->probes_short = ps.short_n;
    out->probes_stalled = ps.stalled;
    out->padding_bytes = ps.padding_bytes;
    out->probe_recv_bps = ps.last_recv_bps;
    return YF_OK;
}
