/* sim_router.c -- the room router (media/core/router.h) on a virtual clock:
 * a publisher "browser model" sends plaintext VP8/Opus RTP with the
 * transport-cc and audio-level extensions through seeded lossy links, and
 * answers NACK (RFC 4585 §6.2.1) and PLI (§6.3.1) like a browser; subscriber
 * models check what they get. Scenarios: rewriting across a source switch,
 * NACK recovery at 5% loss, PLI rate limit, RR/TWCC/SR values, speakers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "media/core/router.h"
#include "media/core/rtcp.h"
#include "media/core/rtp.h"
#include "simnet.h"

static int failures;
#define EXPECT(c)                                                                 \
    do {                                                                          \
        if (!(c)) {                                                               \
            failures++;                                                           \
            fprintf(stderr, "%s:%d: EXPECT failed: %s\n", __FILE__, __LINE__, #c); \
        }                                                                         \
    } while (0)

enum { VIDEO_PT = 96, AUDIO_PT = 111, EXT_LEVEL = 1, EXT_TWCC = 3 };
enum { PUB_ID = 1, SUB_ID = 2, SUB2_ID = 3 };
#define HIST 1024
#define PKT_PER_FRAME 4
#define PAYLOAD 1000
#define NTP_EPOCH_OFFSET 0x83AA7E8000000000ull /* some 64-bit NTP time at t = 0 */
#define MAXSEQ (1 << 16)

/* ---- publisher browser model ---- */
typedef struct {
    uint32_t vssrc, assrc;
    uint16_t vseq, aseq, twseq;
    uint32_t vts0, ats;
    int64_t t0;
    int64_t next_video, next_audio, next_sr;
    bool want_key, send_audio;
    uint8_t level;
    uint8_t hist[HIST][YF_PKTBUF_CAP];
    size_t hist_len[HIST];
    int hist_seq[HIST];
    uint64_t video_sent, pli_rx, nack_rx, rtx_sent, rr_rx, twcc_rx, twcc_received;
    yf_rtcp_report_block last_rr;
    yf_rtcp_report_block last_audio_rr; /* the block on the audio SSRC */
    uint32_t last_sr_mid;          /* middle 32 bits of our last SR */
    int64_t last_sr_at;
    uint32_t rr_sender;
} pub_model;

/* ---- subscriber model ---- */
typedef struct {
    uint32_t vssrc;                 /* the out SSRC we expect */
    bool started;
    int64_t first, max;             /* extended out seqs */
    uint16_t last16;
    uint8_t got[MAXSEQ];            /* by ext seq - first */
    uint64_t packets, dups, wrong_ssrc, big_jumps;
    uint32_t last_ts;
    int64_t last_ts_ext;
    bool first_was_key;
    uint64_t ts_backwards;
    /* timestamp of each packet vs its publisher send time, for SR checks */
    int64_t send_us[MAXSEQ];
    uint32_t out_ts[MAXSEQ];
    /* NACK from the subscriber side */
    bool do_nack;
    int64_t nack_at[MAXSEQ];
    uint8_t nack_tries[MAXSEQ];
    int64_t next_nack;
    uint64_t sr_rx, sr_bad;
    int64_t sr_max_err_ticks;
    uint64_t sr_count_diff;
    /* repair seen from the subscriber: sequence numbers missing when a
     * later one arrived, and those that came afterwards (the links are
     * FIFO, so a late packet is a retransmission) */
    uint64_t holes_seen, filled;
    int64_t nack_retry_us;          /* between two NACKs of one seq: 60 ms */
    int nack_max_tries;             /* 8 */
    bool do_rr;                     /* answer each SR with an RR at once */
} sub_model;

typedef struct {
    yf_router *r;
    int64_t now;
    sim_link up, down, to_sub, from_sub;
    pub_model pub;
    sub_model sub;
    uint32_t vtrack, atrack;
    uint64_t ev_keyframe, ev_switch, ev_level, ev_speaker;
    uint8_t last_level;
    uint32_t speaker_track;
    int64_t router_timeout;
    bool spam_pli;
    int64_t next_spam;
} world;

static uint64_t ntp_of(int64_t us)
{
    return NTP_EPOCH_OFFSET + ((uint64_t)(us / 1000000) << 32) +
           (((uint64_t)(us % 1000000) << 32) / 1000000);
}

static void drain_router(world *w)
{
    yf_router_output o;
    for (;;) {
        yf_router_poll_output(w->r, w->now, &o);
        if (o.kind == YF_ROUTER_OUT_TIMEOUT) {
            w->router_timeout = o.timeout_us;
            return;
        }
        if (o.kind == YF_ROUTER_OUT_EVENT) {
            if (o.event == YF_ROUTER_EV_KEYFRAME_REQUESTED)
                w->ev_keyframe++;
            else if (o.event == YF_ROUTER_EV_SOURCE_SWITCHED)
                w->ev_switch++;
            else if (o.event == YF_ROUTER_EV_AUDIO_LEVEL) {
                w->ev_level++;
                w->last_level = o.level;
            } else if (o.event == YF_ROUTER_EV_ACTIVE_SPEAKER) {
                w->ev_speaker++;
                w->speaker_track = o.track_id;
            }
            continue;
        }
        sim_link *l = o.conn == YF_CONN_PUBLISHER ? &w->down : &w->to_sub;
        sim_link_send(l, w->now, (int)o.participant, o.data, o.len);
    }
}

/* ---- publisher: sending ---- */
static void pub_send(world *w, const uint8_t *pkt, size_t len)
{
    sim_link_send(&w->up, w->now, PUB_ID, pkt, len);
}

static size_t build_rtp(pub_model *p, uint32_t ssrc, uint8_t pt, uint16_t seq, uint32_t ts,
                        bool marker, bool audio, const uint8_t *payload, size_t plen, uint8_t *dst)
{
    yf_rtp_header h;
    yf_rtp_ext els[2];
    uint8_t ext[16], tw[2], lv[1];
    size_t n = 0;
    memset(&h, 0, sizeof h);
    yf_wr16(tw, p->twseq++);
    els[n++] = (yf_rtp_ext){ EXT_TWCC, tw, 2 };
    if (audio) {
        lv[0] = (uint8_t)(0x80 | p->level);
        els[n++] = (yf_rtp_ext){ EXT_LEVEL, lv, 1 };
    }
    int el = yf_rtp_ext_build(YF_RTP_EXT_ONE_BYTE, els, n, &h.ext_profile, ext, sizeof ext);
    h.version = 2;
    h.extension = true;
    h.ext_data = ext;
    h.ext_len = (size_t)el;
    h.marker = marker;
    h.payload_type = pt;
    h.seq = seq;
    h.timestamp = ts;
    h.ssrc = ssrc;
    return (size_t)yf_rtp_write(&h, payload, plen, dst, YF_PKTBUF_CAP);
}

static void pub_video_frame(world *w)
{
    pub_model *p = &w->pub;
    uint8_t payload[PAYLOAD], pkt[YF_PKTBUF_CAP];
    bool key = p->want_key;
    uint32_t ts = p->vts0 + (uint32_t)((w->now - p->t0) * 90 / 1000);
    p->want_key = false;
    for (int i = 0; i < PKT_PER_FRAME; i++) {
        memset(payload, 0xab, sizeof payload);
        payload[0] = i == 0 ? 0x10 : 0x00;         /* RFC 7741 §4.2: S, PID 0 */
        payload[1] = key ? 0x00 : 0x01;            /* §4.3: P = 0 for key */
        for (int k = 0; k < 8; k++)
            payload[2 + k] = (uint8_t)((uint64_t)w->now >> (56 - 8 * k));
        size_t len = build_rtp(p, p->vssrc, VIDEO_PT, p->vseq, ts, i == PKT_PER_FRAME - 1,
                               false, payload, sizeof payload, pkt);
        memcpy(p->hist[p->vseq % HIST], pkt, len);
        p->hist_len[p->vseq % HIST] = len;
        p->hist_seq[p->vseq % HIST] = p->vseq;
        p->vseq++;
        p->video_sent++;
        pub_send(w, pkt, len);
    }
}

static void pub_audio_frame(world *w)
{
    pub_model *p = &w->pub;
    uint8_t payload[80], pkt[YF_PKTBUF_CAP];
    memset(payload, 0x55, sizeof payload);
    size_t len = build_rtp(p, p->assrc, AUDIO_PT, p->aseq++, p->ats, false, true,
                           payload, sizeof payload, pkt);
    p->ats += 960;
    pub_send(w, pkt, len);
}

static void pub_sender_report(world *w)
{
    pub_model *p = &w->pub;
    yf_rtcp_sr sr;
    uint8_t buf[256];
    memset(&sr, 0, sizeof sr);
    sr.ssrc = p->vssrc;
    sr.ntp = ntp_of(w->now);
    sr.rtp_ts = p->vts0 + (uint32_t)((w->now - p->t0) * 90 / 1000);
    sr.packet_count = (uint32_t)p->video_sent;
    int n = yf_rtcp_sr_write(&sr, buf, sizeof buf);
    p->last_sr_mid = (uint32_t)(sr.ntp >> 16);
    p->last_sr_at = w->now;
    sim_link_send(&w->up, w->now, PUB_ID | 0x100, buf, (size_t)n);
}

/* ---- publisher: receiving RTCP from the router ---- */
static void pub_on_nack(world *w, const yf_rtcp_packet *pk)
{
    yf_rtcp_fb fb;
    uint16_t seqs[512];
    size_t n;
    if (yf_rtcp_nack_parse(pk, &fb, seqs, 512, &n) != YF_OK)
        return;
    w->pub.nack_rx++;
    EXPECT(fb.sender_ssrc == w->pub.rr_sender);
    for (size_t i = 0; i < n; i++) {
        pub_model *p = &w->pub;
        if (fb.media_ssrc != p->vssrc || p->hist_seq[seqs[i] % HIST] != seqs[i])
            continue;
        pub_send(w, p->hist[seqs[i] % HIST], p->hist_len[seqs[i] % HIST]);
        p->rtx_sent++;
    }
}

static void pub_on_twcc(world *w, const yf_rtcp_packet *pk)
{
    static yf_twcc_status st[2048];
    yf_rtcp_twcc tw;
    if (yf_rtcp_twcc_parse(pk, &tw, st, 2048) != YF_OK) {
        EXPECT(!"twcc feedback parses");
        return;
    }
    w->pub.twcc_rx++;
    for (unsigned i = 0; i < tw.status_count; i++)
        if (st[i].symbol != YF_TWCC_NOT_RECEIVED)
            w->pub.twcc_received++;
}

static void pub_on_rtcp(world *w, const uint8_t *buf, size_t len)
{
    yf_rtcp_iter it;
    yf_rtcp_packet pk;
    yf_rtcp_rr rr;
    EXPECT(yf_rtcp_validate(buf, len, true) == YF_OK);
    yf_rtcp_iter_init(&it, buf, len);
    while (yf_rtcp_iter_next(&it, &pk) == 1) {
        if (pk.pt == YF_RTCP_RR && yf_rtcp_rr_parse(&pk, &rr) == YF_OK && rr.report_count > 0) {
            w->pub.rr_rx++;
            for (unsigned i = 0; i < rr.report_count; i++)
                if (rr.reports[i].ssrc == w->pub.vssrc)
                    w->pub.last_rr = rr.reports[i];
                else if (rr.reports[i].ssrc == w->pub.assrc)
                    w->pub.last_audio_rr = rr.reports[i];
        } else if (pk.pt == YF_RTCP_RTPFB && pk.count == YF_RTCP_FMT_NACK) {
            pub_on_nack(w, &pk);
        } else if (pk.pt == YF_RTCP_RTPFB && pk.count == YF_RTCP_FMT_TWCC) {
            pub_on_twcc(w, &pk);
        } else if (pk.pt == YF_RTCP_PSFB && pk.count == YF_RTCP_FMT_PLI) {
            w->pub.pli_rx++;
            w->pub.want_key = true;
        }
    }
}

/* ---- subscriber ---- */
static void sub_send_nacks(world *w)
{
    sub_model *s = &w->sub;
    uint16_t seqs[256];
    size_t n = 0;
    uint8_t buf[1200];
    s->next_nack = YF_TIME_NEVER;
    for (int64_t e = s->first; s->started && e <= s->max && n < 256; e++) {
        int64_t i = e - s->first;
        if (s->got[i] || s->nack_tries[i] >= s->nack_max_tries || s->max - e > 400)
            continue;
        if (s->nack_at[i] <= w->now) {
            seqs[n++] = (uint16_t)e;
            s->nack_tries[i]++;
            s->nack_at[i] = w->now + s->nack_retry_us;
        }
        if (s->nack_at[i] < s->next_nack)
            s->next_nack = s->nack_at[i];
    }
    if (n == 0)
        return;
    int a = yf_rtcp_nack_write(0x5u, s->vssrc, seqs, n, buf, sizeof buf);
    sim_link_send(&w->from_sub, w->now, SUB_ID, buf, (size_t)a);
}

static void sub_on_video(world *w, const yf_rtp_header *h)
{
    sub_model *s = &w->sub;
    int64_t ext;
    if (!s->started) {
        s->started = true;
        s->first = s->max = ext = h->seq;
        s->last16 = h->seq;
        s->first_was_key = yf_keyframe_vp8(h->payload, h->payload_len);
    } else {
        ext = s->max + (int16_t)(h->seq - s->last16);
    }
    if (ext < s->first || ext - s->first >= MAXSEQ)
        return;
    int64_t i = ext - s->first;
    if (s->got[i]) {
        s->dups++;
        return;
    }
    s->got[i] = yf_keyframe_vp8(h->payload, h->payload_len) ? 2 : 1;
    s->packets++;
    if (ext < s->max)
        s->filled++;
    else if (ext > s->max + 1)
        s->holes_seen += (uint64_t)(ext - s->max - 1);
    int64_t send = 0;
    for (int k = 0; k < 8; k++)
        send = send << 8 | h->payload[2 + k];
    s->send_us[i] = send;
    s->out_ts[i] = h->timestamp;
    if (ext > s->max) {
        if (ext - s->max > 20)
            s->big_jumps++;
        for (int64_t g = s->max + 1; g < ext; g++)
            s->nack_at[g - s->first] = w->now + 5000;
        if (s->do_nack && ext - s->max > 1 && s->next_nack > w->now + 5000)
            s->next_nack = w->now + 5000;
        if ((int32_t)(h->timestamp - s->last_ts) < 0 && s->max != s->first)
            s->ts_backwards++;
        s->max = ext;
        s->last16 = h->seq;
        s->last_ts = h->timestamp;
    }
}

/* SR check: the SR's (NTP, RTP) pair must predict the rewritten timestamp
 * of a packet from its publisher send time. */
static void sub_on_sr(world *w, const yf_rtcp_sr *sr)
{
    sub_model *s = &w->sub;
    if (sr->ssrc != s->vssrc)
        return;
    s->sr_rx++;
    if (s->do_rr) { /* RFC 3550 6.4.1: LSR = the middle of the SR's NTP, DLSR 0 */
        yf_rtcp_rr rr;
        uint8_t buf[64];
        memset(&rr, 0, sizeof rr);
        rr.ssrc = 0x5u;
        rr.report_count = 1;
        rr.reports[0] = (yf_rtcp_report_block){ .ssrc = s->vssrc, .lsr = (uint32_t)(sr->ntp >> 16) };
        int n = yf_rtcp_rr_write(&rr, buf, sizeof buf);
        sim_link_send(&w->from_sub, w->now, SUB_ID, buf, (size_t)n);
    }
    int64_t sr_us = (int64_t)((sr->ntp - NTP_EPOCH_OFFSET) >> 32) * 1000000 +
                    (int64_t)((((sr->ntp - NTP_EPOCH_OFFSET) & 0xffffffffu) * 1000000) >> 32);
    if (!s->started || !s->got[s->max - s->first])
        return;
    int64_t i = s->max - s->first;
    int64_t predicted = (int64_t)sr->rtp_ts + (s->send_us[i] - sr_us) * 90 / 1000;
    int64_t err = (int64_t)(int32_t)((uint32_t)predicted - s->out_ts[i]);
    if (err < 0)
        err = -err;
    if (err > s->sr_max_err_ticks)
        s->sr_max_err_ticks = err;
    int64_t diff = (int64_t)sr->packet_count - (int64_t)s->packets;
    if (diff < 0)
        diff = -diff;
    if ((uint64_t)diff > s->sr_count_diff)
        s->sr_count_diff = (uint64_t)diff;
}

static void sub_on_packet(world *w, const uint8_t *buf, size_t len)
{
    yf_rtp_header h;
    if (len >= 2 && buf[1] >= 192 && buf[1] <= 223) {
        yf_rtcp_iter it;
        yf_rtcp_packet pk;
        yf_rtcp_sr sr;
        EXPECT(yf_rtcp_validate(buf, len, true) == YF_OK);
        yf_rtcp_iter_init(&it, buf, len);
        while (yf_rtcp_iter_next(&it, &pk) == 1)
            if (pk.pt == YF_RTCP_SR && yf_rtcp_sr_parse(&pk, &sr) == YF_OK)
                sub_on_sr(w, &sr);
        return;
    }
    if (yf_rtp_parse(buf, len, &h) != YF_OK)
        return;
    if (h.payload_type == VIDEO_PT) {
        if (h.ssrc != w->sub.vssrc)
            w->sub.wrong_ssrc++;
        sub_on_video(w, &h);
    }
}

/* ---- the loop ---- */
static void deliver(world *w)
{
    sim_pkt p;
    while (sim_link_pop(&w->up, w->now, &p)) {
        if (p.len >= 2 && p.data[1] >= 192 && p.data[1] <= 223)
            yf_router_handle_rtcp(w->r, w->now, PUB_ID, YF_CONN_PUBLISHER, p.data, p.len);
        else
            yf_router_handle_rtp(w->r, w->now, PUB_ID, p.data, p.len);
        free(p.data);
        drain_router(w);
    }
    while (sim_link_pop(&w->down, w->now, &p)) {
        pub_on_rtcp(w, p.data, p.len);
        free(p.data);
    }
    while (sim_link_pop(&w->to_sub, w->now, &p)) {
        if (p.to == SUB_ID)
            sub_on_packet(w, p.data, p.len);
        free(p.data);
    }
    while (sim_link_pop(&w->from_sub, w->now, &p)) {
        yf_router_handle_rtcp(w->r, w->now, (uint32_t)p.to, YF_CONN_SUBSCRIBER, p.data, p.len);
        free(p.data);
        drain_router(w);
    }
}

static void spam_pli(world *w)
{
    uint8_t buf[64];
    int n = yf_rtcp_pli_write(0x5u, w->sub.vssrc, buf, sizeof buf);
    sim_link_send(&w->from_sub, w->now, SUB_ID, buf, (size_t)n);
    w->next_spam = w->now + 50000;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static void run_until(world *w, int64_t end)
{
    for (;;) {
        int64_t t = min64(w->pub.next_video, w->pub.next_audio);
        t = min64(t, w->pub.next_sr);
        t = min64(t, w->router_timeout);
        t = min64(t, sim_link_next(&w->up));
        t = min64(t, sim_link_next(&w->down));
        t = min64(t, sim_link_next(&w->to_sub));
        t = min64(t, sim_link_next(&w->from_sub));
        if (w->sub.do_nack)
            t = min64(t, w->sub.next_nack);
        if (w->spam_pli)
            t = min64(t, w->next_spam);
        if (t > end)
            break;
        if (t > w->now)
            w->now = t;
        deliver(w);
        if (w->pub.next_video <= w->now) {
            pub_video_frame(w);
            w->pub.next_video += 33333;
        }
        if (w->pub.next_audio <= w->now) {
            if (w->pub.send_audio)
                pub_audio_frame(w);
            w->pub.next_audio += 20000;
        }
        if (w->pub.next_sr <= w->now) {
            pub_sender_report(w);
            w->pub.next_sr += 1000000;
        }
        if (w->sub.do_nack && w->sub.next_nack <= w->now)
            sub_send_nacks(w);
        if (w->spam_pli && w->next_spam <= w->now)
            spam_pli(w);
        if (w->router_timeout <= w->now)
            yf_router_handle_timeout(w->r, w->now);
        drain_router(w);
    }
    w->now = end;
}

static void pub_new_source(pub_model *p, uint64_t salt, int64_t now)
{
    p->vssrc = 0x10000000u + (uint32_t)(salt * 7919u);
    p->assrc = p->vssrc + 1;
    p->vseq = (uint16_t)(salt * 40503u);
    p->aseq = (uint16_t)(salt * 12345u);
    p->vts0 = (uint32_t)(salt * 2654435761u);
    p->ats = (uint32_t)(salt * 97u);
    p->t0 = now;
    memset(p->hist_seq, 0xff, sizeof p->hist_seq);
}

static world *world_new_with(uint64_t seed, double pub_loss, double sub_loss, bool nack,
                             bool audio_loss_from_subscribers)
{
    world *w = calloc(1, sizeof *w);
    yf_router_config cfg = { .seed = seed, .audio_loss_from_subscribers = audio_loss_from_subscribers };
    w->r = yf_router_new(&cfg);
    w->now = 1000000;
    sim_link_init(&w->up, seed * 4 + 1, pub_loss, 20000, 3000);
    sim_link_init(&w->down, seed * 4 + 2, pub_loss, 20000, 3000);
    sim_link_init(&w->to_sub, seed * 4 + 3, sub_loss, 15000, 2000);
    sim_link_init(&w->from_sub, seed * 4 + 4, sub_loss, 15000, 2000);
    w->up.fifo = w->down.fifo = w->to_sub.fifo = w->from_sub.fifo = true;
    pub_new_source(&w->pub, seed, w->now);
    w->pub.want_key = true;
    w->pub.level = 127;
    w->pub.next_video = w->now + 10000;
    w->pub.next_audio = w->now + 5000;
    w->pub.next_sr = w->now + 500000;
    w->router_timeout = YF_TIME_NEVER;
    w->sub.vssrc = 0xCAFE0001u;
    w->sub.next_nack = YF_TIME_NEVER;
    w->sub.nack_retry_us = 60000;
    w->sub.nack_max_tries = 8;
    w->next_spam = YF_TIME_NEVER;
    yf_router_add_participant(w->r, PUB_ID);
    yf_router_add_participant(w->r, SUB_ID);
    yf_router_track_config v = { .kind = YF_TRACK_VIDEO, .codec = YF_CODEC_VP8, .ssrc = 0,
        .pt = VIDEO_PT, .clock_rate = 90000, .twcc_ext_id = EXT_TWCC, .nack = nack };
    yf_router_track_config a = { .kind = YF_TRACK_AUDIO, .codec = YF_CODEC_OPUS, .ssrc = 0,
        .pt = AUDIO_PT, .clock_rate = 48000, .twcc_ext_id = EXT_TWCC,
        .audio_level_ext_id = EXT_LEVEL };
    EXPECT(yf_router_add_publisher_track(w->r, PUB_ID, &v, &w->vtrack) == YF_OK);
    EXPECT(yf_router_add_publisher_track(w->r, PUB_ID, &a, &w->atrack) == YF_OK);
    w->pub.rr_sender = yf_router_rtcp_ssrc(w->r, PUB_ID);
    return w;
}

static world *world_new(uint64_t seed, double pub_loss, double sub_loss, bool nack)
{
    return world_new_with(seed, pub_loss, sub_loss, nack, false);
}

static void world_free(world *w)
{
    sim_link_clear(&w->up);
    sim_link_clear(&w->down);
    sim_link_clear(&w->to_sub);
    sim_link_clear(&w->from_sub);
    yf_router_free(w->r);
    free(w);
}

static uint64_t sub_holes(const sub_model *s)
{
    uint64_t holes = 0;
    for (int64_t e = s->first; s->started && e <= s->max; e++)
        holes += !s->got[e - s->first];
    return holes;
}

/* 1. Source switch: continuous seq, plausible ts, keyframe first. */
static void scenario_switch(void)
{
    world *w = world_new(11, 0, 0, true);
    EXPECT(yf_router_subscribe(w->r, w->now, SUB_ID, w->vtrack, w->sub.vssrc, VIDEO_PT) == YF_OK);
    run_until(w, 4000000);
    int64_t before_max = w->sub.max;
    uint32_t ts_before = w->sub.last_ts;
    int64_t t_switch = w->now;
    /* the publisher reconnects: new SSRC, new random seq/ts, and its
     * encoder starts with delta frames until the router's PLI */
    pub_new_source(&w->pub, 987654, w->now);
    w->pub.want_key = false;
    run_until(w, 8000000);
    const sub_model *s = &w->sub;
    yf_router_sub_stats ss;
    yf_router_get_sub_stats(w->r, SUB_ID, w->vtrack, &ss);
    int64_t i = before_max + 1 - s->first;
    while (i <= s->max - s->first && (!s->got[i] || s->send_us[i] < t_switch))
        i++; /* the first packet of the new source */
    int64_t gap_ticks = (int64_t)(uint32_t)(s->out_ts[i] - s->out_ts[i - 1]);
    int64_t wall_ticks = (s->send_us[i] - s->send_us[i - 1]) * 90 / 1000;
    (void)ts_before;
    printf("switch: %llu packets, holes %llu, dups %llu, epochs %llu, ts gap %lld ticks "
           "(wall ~%lld), PLIs %llu, first key %d\n",
           (unsigned long long)s->packets, (unsigned long long)sub_holes(s),
           (unsigned long long)s->dups, (unsigned long long)ss.epochs, (long long)gap_ticks,
           (long long)wall_ticks, (unsigned long long)w->pub.pli_rx, s->first_was_key);
    EXPECT(s->first_was_key);
    EXPECT(sub_holes(s) == 0);
    EXPECT(s->dups == 0 && s->wrong_ssrc == 0 && s->big_jumps == 0 && s->ts_backwards == 0);
    EXPECT(ss.epochs == 2);
    EXPECT(w->ev_switch == 1);
    EXPECT(s->got[i] == 2); /* the new source starts at a keyframe */
    /* the next timestamp after the switch follows the wall clock (±50 ms) */
    EXPECT(gap_ticks > 0 && llabs(gap_ticks - wall_ticks) < 4500);
    EXPECT(s->max - before_max > 100);  /* video flows again */
    world_free(w);
}

/* 2. NACK: 5% loss both ways on the publisher's path, 2% on the
 * subscriber's; the subscriber NACKs too. */
static void scenario_nack(void)
{
    world *w = world_new(42, 0.05, 0.02, true);
    w->sub.do_nack = true;
    EXPECT(yf_router_subscribe(w->r, w->now, SUB_ID, w->vtrack, w->sub.vssrc, VIDEO_PT) == YF_OK);
    run_until(w, 21000000);
    w->pub.next_video = YF_TIME_NEVER; /* stop, let repairs finish */
    run_until(w, 23000000);
    yf_router_track_stats ts;
    yf_router_stats st;
    yf_router_get_track_stats(w->r, w->vtrack, &ts);
    yf_router_get_stats(w->r, &st);
    uint64_t sent = w->pub.video_sent, lost_up = 0;
    /* what reached the router: originals minus unrepaired gaps */
    lost_up = ts.nack.missing - ts.nack.recovered;
    double up = 100.0 * (double)(sent - lost_up) / (double)sent;
    uint64_t span = (uint64_t)(w->sub.max - w->sub.first + 1);
    double down = 100.0 * (double)w->sub.packets / (double)span;
    printf("nack: sent %llu, lost on link %llu, missing %llu, recovered %llu (router has %.2f%%), "
           "gave up %llu, rtt %lld us; subscriber has %.2f%% of %llu (router resent %llu, "
           "cache misses %llu)\n",
           (unsigned long long)sent, (unsigned long long)w->up.st.lost,
           (unsigned long long)ts.nack.missing, (unsigned long long)ts.nack.recovered, up,
           (unsigned long long)ts.nack.gave_up, (long long)ts.rtt_us, down,
           (unsigned long long)span, (unsigned long long)st.retransmitted,
           (unsigned long long)st.nack_miss);
    EXPECT(ts.nack.missing > sent / 40); /* the loss was real */
    EXPECT(up >= 99.0);
    EXPECT(down >= 99.0);
    EXPECT(w->sub.big_jumps == 0 && w->sub.wrong_ssrc == 0);
    EXPECT(ts.rtt_us > 30000 && ts.rtt_us < 80000); /* 2 x 20 ms + jitter */
    world_free(w);
}

/* 2b. NACK on both legs at the loss a weak mobile link has: 5% random
 * loss both ways between publisher and router AND between router and
 * subscriber. The router repairs its own gaps from the publisher (upstream
 * NACK) and answers the subscriber's NACKs from its cache; what the
 * subscriber misses and what comes back is counted at the subscriber. */
static void scenario_nack_both_legs(void)
{
    world *w = world_new(1313, 0.05, 0.05, true);
    w->sub.do_nack = true;
    EXPECT(yf_router_subscribe(w->r, w->now, SUB_ID, w->vtrack, w->sub.vssrc, VIDEO_PT) == YF_OK);
    run_until(w, 31000000);
    w->pub.next_video = YF_TIME_NEVER; /* stop, let repairs finish */
    run_until(w, 33000000);
    yf_router_track_stats ts;
    yf_router_stats st;
    yf_router_get_track_stats(w->r, w->vtrack, &ts);
    yf_router_get_stats(w->r, &st);
    const sub_model *s = &w->sub;
    uint64_t sent = w->pub.video_sent, span = (uint64_t)(s->max - s->first + 1);
    uint64_t holes = sub_holes(s);
    printf("nack both legs (5%% / 5%%): publisher sent %llu video packets; upstream: %llu missing at the "
           "router, %llu recovered, %llu given up; downstream: the subscriber missed %llu of %llu, "
           "%llu came back (%.1f%%), %llu still missing (%.2f%% complete); router resent %llu "
           "(%llu NACKed seqs in, %llu not in its cache), publisher resent %llu\n",
           (unsigned long long)sent, (unsigned long long)ts.nack.missing,
           (unsigned long long)ts.nack.recovered, (unsigned long long)ts.nack.gave_up,
           (unsigned long long)s->holes_seen, (unsigned long long)span,
           (unsigned long long)s->filled,
           s->holes_seen ? 100.0 * (double)s->filled / (double)s->holes_seen : 100.0,
           (unsigned long long)holes, 100.0 * (double)(span - holes) / (double)span,
           (unsigned long long)st.retransmitted, (unsigned long long)st.nack_in,
           (unsigned long long)st.nack_miss, (unsigned long long)w->pub.rtx_sent);
    /* the loss was real on both legs: about 5% each (~9.75% of first
     * transmissions reach the subscriber late or never) */
    EXPECT(ts.nack.missing > sent / 40);
    EXPECT(s->holes_seen > span / 15);
    /* and repaired: 8 NACK rounds at 5% loss leave ~1e-10 of a packet */
    EXPECT(s->filled + holes == s->holes_seen);
    EXPECT(holes * 1000 <= span);                 /* >= 99.9% complete */
    EXPECT(st.retransmitted > 0 && w->pub.rtx_sent > 0);
    EXPECT(s->dups * 50 < span && s->big_jumps == 0 && s->wrong_ssrc == 0);
    world_free(w);
}

/* 2b'. A NACK storm: the subscriber's link is slow (150 ms each way, as
 * behind a full 300 kbit/s queue), loses 5%, and the subscriber asks again
 * for every missing packet every 10 ms (a receiver that underestimates the
 * round trip, up to 40 times). The router resends each packet at most once
 * per the round trip it learns from the subscriber's RRs, so repairs cost
 * about one resend per loss (plus the resends lost on the way), not forty,
 * and the stream is still repaired. */
static void scenario_nack_storm(void)
{
    world *w = world_new(2718, 0, 0.05, true);
    sim_link_init(&w->to_sub, 2718 * 4 + 3, 0.05, 150000, 2000);
    sim_link_init(&w->from_sub, 2718 * 4 + 4, 0.05, 150000, 2000);
    w->to_sub.fifo = w->from_sub.fifo = true;
    w->sub.do_nack = true;
    w->sub.do_rr = true;
    w->sub.nack_retry_us = 10000;
    w->sub.nack_max_tries = 40;
    EXPECT(yf_router_subscribe(w->r, w->now, SUB_ID, w->vtrack, w->sub.vssrc, VIDEO_PT) == YF_OK);
    run_until(w, 21000000);
    w->pub.next_video = YF_TIME_NEVER;
    run_until(w, 24000000);
    yf_router_stats st;
    yf_router_sub_stats ss;
    yf_router_get_stats(w->r, &st);
    yf_router_get_sub_stats(w->r, SUB_ID, w->vtrack, &ss);
    const sub_model *s = &w->sub;
    uint64_t span = (uint64_t)(s->max - s->first + 1), holes = sub_holes(s);
    double per_loss = s->holes_seen ? (double)st.retransmitted / (double)s->holes_seen : 0;
    printf("nack storm (150 ms each way, 5%%, re-asked every 10 ms): the subscriber missed %llu of %llu, "
           "%llu came back, %llu still missing; it asked %llu times, the router resent %llu "
           "(%.2f per loss), held back %llu (%llu too soon, %llu over budget); round trip learnt %lld us\n",
           (unsigned long long)s->holes_seen, (unsigned long long)span, (unsigned long long)s->filled,
           (unsigned long long)holes, (unsigned long long)st.nack_in, (unsigned long long)st.retransmitted,
           per_loss, (unsigned long long)st.nack_held, (unsigned long long)ss.nack_repeats,
           (unsigned long long)ss.nack_over_budget, (long long)ss.rtt_us);
    EXPECT(s->holes_seen > span / 40);                 /* the loss was real */
    EXPECT(ss.rtt_us > 280000 && ss.rtt_us < 340000);  /* 2 x 150 ms + jitter */
    EXPECT(st.nack_in > 5 * st.retransmitted);         /* the storm was real */
    EXPECT(per_loss >= 1.0 && per_loss < 1.5);         /* ~1/(1 - 5%) */
    EXPECT(holes * 1000 <= span);                      /* and still repaired */
    world_free(w);
}

/* 2c. The loss a listener meets reaches the speaker's Opus encoder: a
 * subscriber reports 40/256 (~16%) lost on the audio it gets, the uplink
 * loses nothing; with audio_loss_from_subscribers the publisher's RR block
 * for its audio says 40 (so it adds in-band FEC), without it 0. Video's
 * block is never raised, and cumulative counts stay the router's own. */
static uint8_t audio_rr_fraction(bool from_subscribers)
{
    world *w = world_new_with(21, 0, 0, true, from_subscribers);
    const uint32_t aout = 0xA0D10001u;
    w->pub.send_audio = true;
    EXPECT(yf_router_subscribe(w->r, w->now, SUB_ID, w->atrack, aout, AUDIO_PT) == YF_OK);
    EXPECT(yf_router_subscribe(w->r, w->now, SUB_ID, w->vtrack, w->sub.vssrc, VIDEO_PT) == YF_OK);
    for (int64_t t = 1500000; t <= 4500000; t += 1000000) {
        run_until(w, t);
        yf_rtcp_rr rr;
        uint8_t buf[128];
        memset(&rr, 0, sizeof rr);
        rr.ssrc = 0x5u;
        rr.report_count = 2;
        rr.reports[0] = (yf_rtcp_report_block){ .ssrc = aout, .fraction_lost = 40 };
        rr.reports[1] = (yf_rtcp_report_block){ .ssrc = w->sub.vssrc, .fraction_lost = 60 };
        int n = yf_rtcp_rr_write(&rr, buf, sizeof buf);
        EXPECT(n > 0);
        sim_link_send(&w->from_sub, w->now, SUB_ID, buf, (size_t)n);
    }
    run_until(w, 6000000);
    uint8_t audio = w->pub.last_audio_rr.fraction_lost, video = w->pub.last_rr.fraction_lost;
    EXPECT(w->pub.last_audio_rr.ssrc == w->pub.assrc && w->pub.last_audio_rr.cumulative_lost == 0);
    EXPECT(video == 0);
    world_free(w);
    return audio;
}

/* 2d. The listeners' loss expires: the listener reports 40/256 until 4.5 s,
 * then stops reporting (its link cut); the speaker's RR keeps 40 while the
 * report is fresh and falls back to 0 once it is older than 10 s. A second
 * listener that reports 60/256 and then leaves takes its loss with it at
 * once. */
static void scenario_audio_loss_expires(void)
{
    world *w = world_new_with(22, 0, 0, true, true);
    const uint32_t aout = 0xA0D10001u;
    w->pub.send_audio = true;
    EXPECT(yf_router_subscribe(w->r, w->now, SUB_ID, w->atrack, aout, AUDIO_PT) == YF_OK);
    for (int64_t t = 1500000; t <= 4500000; t += 1000000) {
        run_until(w, t);
        yf_rtcp_rr rr;
        uint8_t buf[128];
        memset(&rr, 0, sizeof rr);
        rr.ssrc = 0x5u;
        rr.report_count = 1;
        rr.reports[0] = (yf_rtcp_report_block){ .ssrc = aout, .fraction_lost = 40 };
        int n = yf_rtcp_rr_write(&rr, buf, sizeof buf);
        EXPECT(n > 0);
        sim_link_send(&w->from_sub, w->now, SUB_ID, buf, (size_t)n);
    }
    run_until(w, 13000000);
    uint8_t fresh = w->pub.last_audio_rr.fraction_lost;
    run_until(w, 16500000);
    uint8_t stale = w->pub.last_audio_rr.fraction_lost;
    /* a listener who reports worse loss, then leaves */
    const uint32_t third = 77;
    yf_rtcp_rr rr;
    uint8_t buf[128];
    EXPECT(yf_router_add_participant(w->r, third) == YF_OK);
    EXPECT(yf_router_subscribe(w->r, w->now, third, w->atrack, 0xA0D10003u, AUDIO_PT) == YF_OK);
    memset(&rr, 0, sizeof rr);
    rr.ssrc = 0x7u;
    rr.report_count = 1;
    rr.reports[0] = (yf_rtcp_report_block){ .ssrc = 0xA0D10003u, .fraction_lost = 60 };
    int n = yf_rtcp_rr_write(&rr, buf, sizeof buf);
    EXPECT(n > 0 && yf_router_handle_rtcp(w->r, w->now, third, YF_CONN_SUBSCRIBER, buf, (size_t)n) == YF_OK);
    run_until(w, 18000000);
    uint8_t with_third = w->pub.last_audio_rr.fraction_lost;
    EXPECT(yf_router_remove_participant(w->r, third) == YF_OK);
    run_until(w, 19500000);
    uint8_t after_leave = w->pub.last_audio_rr.fraction_lost;
    printf("audio loss expires: the speaker's RR says %u/256 while the listener's 40/256 is "
           "fresh, %u/256 after 12 s without its reports; a second listener's 60/256: %u/256, "
           "after it left: %u/256\n", fresh, stale, with_third, after_leave);
    EXPECT(fresh == 40);
    EXPECT(stale == 0);
    EXPECT(with_third == 60);
    EXPECT(after_leave == 0);
    world_free(w);
}

static void scenario_audio_loss_upstream(void)
{
    uint8_t on = audio_rr_fraction(true), off = audio_rr_fraction(false);
    printf("audio loss upstream: a listener reports 40/256 lost; the speaker's RR says %u/256 "
           "(from subscribers) or %u/256 (own uplink only)\n", on, off);
    EXPECT(on == 40);
    EXPECT(off == 0);
}

/* 3. PLI: a subscriber asking every 50 ms gets at most one PLI upstream per
 * 500 ms; subscribing sends one at once. */
static void scenario_pli(void)
{
    world *w = world_new(7, 0, 0, true);
    run_until(w, 2000000);
    uint64_t before = w->ev_keyframe;
    EXPECT(yf_router_subscribe(w->r, w->now, SUB_ID, w->vtrack, w->sub.vssrc, VIDEO_PT) == YF_OK);
    drain_router(w);
    EXPECT(w->ev_keyframe == before + 1);   /* at once, on subscribe */
    run_until(w, 3000000);
    EXPECT(w->pub.pli_rx == 1);
    w->spam_pli = true;
    w->next_spam = w->now;
    uint64_t at = w->pub.pli_rx;
    run_until(w, 8000000);
    uint64_t got = w->pub.pli_rx - at;
    yf_router_stats st;
    yf_router_get_stats(w->r, &st);
    printf("pli: 5 s of PLI every 50 ms from a subscriber -> %llu PLIs upstream "
           "(%llu in, %llu folded)\n", (unsigned long long)got,
           (unsigned long long)st.pli_in, (unsigned long long)st.pli_suppressed);
    EXPECT(st.pli_in >= 95);
    EXPECT(got >= 9 && got <= 11);
    world_free(w);
}

/* 4. Feedback: RR values (no NACK: loss shows), TWCC, SR mapping. */
static void scenario_feedback(void)
{
    world *w = world_new(3, 0.05, 0, false);
    EXPECT(yf_router_subscribe(w->r, w->now, SUB_ID, w->vtrack, w->sub.vssrc, VIDEO_PT) == YF_OK);
    run_until(w, 11000000);
    const yf_rtcp_report_block *b = &w->pub.last_rr;
    yf_router_stats st;
    yf_router_get_stats(w->r, &st);
    printf("feedback: router sent %llu RR, %llu TWCC, %llu SR; ", (unsigned long long)st.rr_sent,
           (unsigned long long)st.twcc_sent, (unsigned long long)st.sr_sent);
    printf("feedback: %llu RRs (fraction %u/256, cumulative %d, highest %u, jitter %u, "
           "lsr %08x dlsr %u), %llu TWCC packets covering %llu received, %llu SRs to the "
           "subscriber (max ts error %lld ticks, count diff %llu)\n",
           (unsigned long long)w->pub.rr_rx, b->fraction_lost, b->cumulative_lost, b->highest_seq,
           b->jitter, b->lsr, b->dlsr, (unsigned long long)w->pub.twcc_rx,
           (unsigned long long)w->pub.twcc_received, (unsigned long long)w->sub.sr_rx,
           (long long)w->sub.sr_max_err_ticks, (unsigned long long)w->sub.sr_count_diff);
    EXPECT(st.rr_sent >= 9 && st.rr_sent <= 11);                  /* ~1 s */
    EXPECT(w->pub.rr_rx + 3 >= st.rr_sent && w->pub.rr_rx <= st.rr_sent); /* 5% loss */
    EXPECT(b->fraction_lost >= 4 && b->fraction_lost <= 30);       /* ~5% = 13/256 */
    EXPECT(b->cumulative_lost > 0 && (uint64_t)b->cumulative_lost <= w->up.st.lost);
    EXPECT((uint16_t)b->highest_seq == (uint16_t)(w->pub.vseq - 1) ||
           (uint16_t)(w->pub.vseq - 1 - b->highest_seq) < 150);
    EXPECT(b->jitter > 0 && b->jitter < 90 * 10);                 /* < 10 ms */
    EXPECT(b->lsr == w->pub.last_sr_mid || b->lsr != 0);
    EXPECT(b->dlsr < 65536);                                      /* < 1 s */
    /* TWCC every 50 ms; every packet that arrived (video + audio) reported */
    EXPECT(w->pub.twcc_rx >= 150 && w->pub.twcc_rx <= 210);
    uint64_t arrived = w->up.st.delivered - 10 /* SRs */;
    EXPECT(w->pub.twcc_received >= arrived * 9 / 10 && w->pub.twcc_received <= arrived);
    EXPECT(w->sub.sr_rx >= 8);
    EXPECT(w->sub.sr_max_err_ticks < 90 * 2);                     /* < 2 ms */
    EXPECT(w->sub.sr_count_diff < 30);
    world_free(w);
}

/* 5. Audio level and active speaker. */
static void scenario_speaker(void)
{
    world *w = world_new(5, 0, 0, true);
    w->pub.send_audio = true;
    w->pub.level = 127;
    run_until(w, 2000000);
    EXPECT(w->ev_speaker == 0);
    w->pub.level = 25;
    run_until(w, 3500000);
    yf_router_track_stats ts;
    yf_router_get_track_stats(w->r, w->atrack, &ts);
    printf("speaker: %llu level events (last %u), %llu speaker events, level %u\n",
           (unsigned long long)w->ev_level, w->last_level, (unsigned long long)w->ev_speaker,
           ts.level);
    EXPECT(w->ev_speaker == 1 && w->speaker_track == w->atrack);
    EXPECT(ts.level == 25 && w->last_level == 25);
    world_free(w);
}

/* 6. People leave: unsubscribe, removal of a subscriber and of the
 * publisher mid-stream; the router keeps running and frees what it held. */
static void scenario_leave(void)
{
    world *w = world_new(9, 0.05, 0, true);
    EXPECT(yf_router_add_participant(w->r, SUB2_ID) == YF_OK);
    EXPECT(yf_router_add_participant(w->r, SUB2_ID) == YF_ESTATE);
    EXPECT(yf_router_subscribe(w->r, w->now, SUB_ID, w->vtrack, w->sub.vssrc, VIDEO_PT) == YF_OK);
    EXPECT(yf_router_subscribe(w->r, w->now, SUB_ID, w->vtrack, 77, VIDEO_PT) == YF_ESTATE);
    EXPECT(yf_router_subscribe(w->r, w->now, SUB2_ID, w->vtrack, w->sub.vssrc, VIDEO_PT) == YF_OK);
    EXPECT(yf_router_subscribe(w->r, w->now, SUB2_ID, w->atrack, 0xA0, AUDIO_PT) == YF_OK);
    run_until(w, 2000000);
    uint64_t before = w->sub.packets;
    EXPECT(yf_router_unsubscribe(w->r, SUB_ID, w->vtrack) == YF_OK);
    EXPECT(yf_router_unsubscribe(w->r, SUB_ID, w->vtrack) == YF_ESTATE);
    run_until(w, 3000000);
    EXPECT(w->sub.packets <= before + 40); /* only what was in flight */
    EXPECT(yf_router_remove_participant(w->r, SUB2_ID) == YF_OK);
    run_until(w, 3500000);
    EXPECT(yf_router_remove_participant(w->r, PUB_ID) == YF_OK);
    EXPECT(yf_router_get_track_stats(w->r, w->vtrack, &(yf_router_track_stats){ 0 }) == YF_ESTATE);
    run_until(w, 4500000);                 /* packets of a gone publisher: dropped */
    yf_router_stats st;
    yf_router_get_stats(w->r, &st);
    printf("leave: kept running after removals; %llu queue drops, %llu pool exhaustions\n",
           (unsigned long long)st.queue_drops, (unsigned long long)st.pool_exhausted);
    EXPECT(st.queue_drops == 0 && st.pool_exhausted == 0);
    world_free(w);
}

int main(void)
{
    scenario_switch();
    scenario_nack();
    scenario_nack_both_legs();
    scenario_audio_loss_upstream();
    scenario_audio_loss_expires();
    scenario_nack_storm();
    scenario_pli();
    scenario_feedback();
    scenario_speaker();
    scenario_leave();
    printf("sim_router: %d failures\n", failures);
    return failures ? 1 : 0;
}
