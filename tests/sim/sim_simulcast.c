/* sim_simulcast.c -- simulcast through the router on the virtual clock: a
 * publisher sends three layers (about 150 kbit/s, 500 kbit/s and
 * 1.2 Mbit/s) and a voice; a subscriber's downlink (simnet's drop-tail
 * bottleneck, 300 ms of queue, 20 ms each way) runs at 2 Mbit/s, falls to
 * 300 kbit/s and comes back; its transport-cc feedback every 100 ms is the
 * router's estimate, and the router picks the layer (layer.h) and switches
 * at keyframes it asks the publisher for. Checked: the move to the low
 * layer within seconds of the fall, video (not audio only) all through the
 * narrow stretch, the rewritten sequence without a gap anywhere (a switch
 * included), every switch on a keyframe, and the way back up to the high
 * layer. Each run twice: without and with the subscriber's RTX stream,
 * where every move up is first a probe (probe.h). And a subscriber that
 * joins on a 300 kbit/s link: without probes its first layer is the
 * highest (the estimate starts at its ceiling) and floods the queue, sound
 * included; with probes it starts on the lowest and stays there, the
 * probes' cost a few dropped packets each. And one stream of 150 kbit/s
 * to a phone on a 300 kbit/s link that loses a quarter of its packets each
 * way for the first 2 s and 5 % after (feedback included), twenty times
 * with other random losses: the early loss pauses the video, and it comes
 * back within seconds although some of the probes' feedback is lost on
 * the way back. The timeline is printed; no timing of the machine is
 * measured; the router is called at every timeout it asks for. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "media/core/router.h"
#include "media/core/rtcp.h"
#include "media/core/rtp.h"
#include "media/core/twcc.h"
#include "simnet.h"

static int failures;
#define EXPECT(c, ...)                                                               \
    do {                                                                             \
        if (!(c)) {                                                                  \
            failures++;                                                              \
            fprintf(stderr, "%s:%d: FAILED %s: ", __FILE__, __LINE__, #c);         \
            fprintf(stderr, __VA_ARGS__);                                            \
            fputc('\n', stderr);                                                     \
        }                                                                            \
    } while (0)

#define SEC 1000000LL
#define PUB 1
#define SUB 2
#define MID_EXT 4
#define RID_EXT 10
#define SUB_TWCC 5
#define FRAME_US 33333
#define AUDIO_US 20000
#define FEEDBACK_US 100000
#define MTU 1100
#define OUT_VIDEO 0x200
#define OUT_AUDIO 0x100
#define OUT_RTX 0x201
#define RTX_PT 97
#define FALL_US (20 * SEC)
#define RISE_US (50 * SEC)
#define END_US (110 * SEC)
#define MAX_SEC 128

static const int64_t layer_bps[3] = { 150000, 500000, 1200000 };
static const char *const rids[3] = { "q", "h", "f" };

typedef struct {
    yf_router *r;
    sim_bottleneck down;       /* router -> subscriber */
    sim_link up;               /* subscriber's feedback -> router */
    yf_twcc_recv rx;
    int64_t now;
    /* publisher */
    uint16_t seq[3], aseq;
    uint32_t frames[3];
    bool key_asked[3];
    /* what the router sent the subscriber (before the link) */
    int out_layer;
    uint16_t last_seq;
    bool have_seq;
    uint64_t seq_gaps, bad_switches, switches, video_out;
    /* what reached the subscriber, per second: the video layer heard last
     * and video packets of each layer */
    int heard[MAX_SEC];
    uint32_t got[MAX_SEC][3];
    uint32_t voice_sent[MAX_SEC], voice_got[MAX_SEC]; /* per second of sending */
    uint64_t paused_events, padding, bad_padding;
    int layers;                /* the publisher's streams: 3 (simulcast) or 1 */
    int64_t calm_us;           /* nonzero: the links' loss becomes calm_loss then */
    double calm_loss;
    int64_t router_next;       /* the router's next timeout */
    uint16_t rtx_seq;
} sim;

static sim s;

static void publish(int l, bool key)
{
    uint8_t pkt[1500], payload[MTU], ext[32];
    int64_t bytes = layer_bps[l] * FRAME_US / 8 / SEC * (key ? 3 : 1);
    bool first = true;
    while (bytes > 0) {
        size_t n = bytes > MTU - 40 ? MTU - 40 : (size_t)bytes;
        yf_rtp_header h;
        yf_rtp_ext els[2] = { { MID_EXT, (const uint8_t *)"1", 1 },
                              { RID_EXT, (const uint8_t *)rids[l], 1 } };
        memset(&h, 0, sizeof h);
        h.version = 2;
        h.payload_type = 96;
        h.ssrc = 0x1000u + (uint32_t)l;
        h.seq = s.seq[l]++;
        h.timestamp = 3000u * s.frames[l] + 777u * (uint32_t)l;
        h.marker = bytes <= (int64_t)n;
        if (s.frames[l] < 10) {
            h.extension = true;
            h.ext_data = ext;
            h.ext_len = (size_t)yf_rtp_ext_build(YF_RTP_EXT_ONE_BYTE, els, s.layers == 1 ? 1 : 2,
                                                  &h.ext_profile, ext, sizeof ext);
        }
        memset(payload, 0, n);
        payload[0] = first ? 0x10 : 0x00;
        payload[1] = key ? 0x50 : 0x51;
        payload[2] = (uint8_t)l;
        size_t len = (size_t)yf_rtp_write(&h, payload, n < 8 ? 8 : n, pkt, sizeof pkt);
        if (yf_router_handle_rtp(s.r, s.now, PUB, pkt, len) != YF_OK)
            failures++;
        first = false;
        bytes -= (int64_t)n;
    }
    s.frames[l]++;
}

static void voice(void)
{
    uint8_t pkt[300], payload[100] = { 0 };
    yf_rtp_header h;
    payload[0] = (uint8_t)(s.now / SEC); /* the second it is sent in */
    memset(&h, 0, sizeof h);
    h.version = 2;
    h.payload_type = 111;
    h.ssrc = 0xA;
    h.seq = s.aseq++;
    h.timestamp = 960u * s.aseq;
    size_t len = (size_t)yf_rtp_write(&h, payload, sizeof payload, pkt, sizeof pkt);
    if (yf_router_handle_rtp(s.r, s.now, PUB, pkt, len) != YF_OK)
        failures++;
}

/* The second a voice packet was sent in, from its payload. */
static int voice_second(const yf_rtp_header *h)
{
    int sec = h->payload_len ? h->payload[0] : MAX_SEC - 1;
    return sec < MAX_SEC ? sec : MAX_SEC - 1;
}

/* A packet for the subscriber: checked as sent, then onto the link. */
static void to_subscriber(const yf_router_output *o)
{
    yf_rtp_header h;
    if (yf_rtp_parse(o->data, o->len, &h) != YF_OK) {
        failures++;
        return;
    }
    if (h.ssrc == OUT_VIDEO && !o->retransmission) {
        int l = h.payload[2];
        if (s.have_seq && h.seq != (uint16_t)(s.last_seq + 1))
            s.seq_gaps++;
        if (s.out_layer >= 0 && l != s.out_layer) {
            s.switches++;
            if (h.payload[1] != 0x50 || !(h.payload[0] & 0x10))
                s.bad_switches++;
            printf("  %5.1f s: switch to layer %d\n", (double)s.now / SEC, l);
        }
        s.out_layer = l;
        s.last_seq = h.seq;
        s.have_seq = true;
        s.video_out++;
    }
    if (h.ssrc == OUT_RTX) {
        /* a probe's padding: RTX pt, no payload, padding only, the
         * subscriber's transport-wide seq, its own continuous seq */
        yf_rtp_ext e;
        if (h.payload_type != RTX_PT || h.payload_len != 0 || !h.padding || h.padding_len == 0 ||
            yf_rtp_ext_find(&h, SUB_TWCC, &e) != 1 || e.len != 2 ||
            (s.padding && h.seq != (uint16_t)(s.rtx_seq + 1)))
            s.bad_padding++;
        s.rtx_seq = h.seq;
        s.padding++;
    }
    if (h.ssrc == OUT_AUDIO)
        s.voice_sent[voice_second(&h)]++;
    sim_bottleneck_send(&s.down, s.now, 1, o->data, o->len);
}

static void on_pli(const uint8_t *buf, size_t len)
{
    yf_rtcp_iter it;
    yf_rtcp_packet pk;
    yf_rtcp_fb fb;
    yf_rtcp_iter_init(&it, buf, len);
    while (yf_rtcp_iter_next(&it, &pk) == 1)
        if (yf_rtcp_pli_parse(&pk, &fb) == YF_OK && fb.media_ssrc - 0x1000u < 3)
            s.key_asked[fb.media_ssrc - 0x1000u] = true;
}

static void drain(void)
{
    yf_router_output o;
    for (;;) {
        yf_router_poll_output(s.r, s.now, &o);
        if (o.kind == YF_ROUTER_OUT_TIMEOUT) {
            s.router_next = o.timeout_us;
            return;
        }
        if (o.kind == YF_ROUTER_OUT_RTP && o.participant == SUB)
            to_subscriber(&o);
        else if (o.kind == YF_ROUTER_OUT_RTCP && o.participant == PUB)
            on_pli(o.data, o.len);
        else if (o.kind == YF_ROUTER_OUT_EVENT && o.event == YF_ROUTER_EV_VIDEO_RESUMED)
            printf("  %5.1f s: video resumed\n", (double)s.now / SEC);
        else if (o.kind == YF_ROUTER_OUT_EVENT && o.event == YF_ROUTER_EV_VIDEO_PAUSED)
            s.paused_events++, printf("  %5.1f s: video paused\n", (double)s.now / SEC);
    }
}

/* Arrivals at the subscriber: transport-wide seqs for its feedback, and
 * what it heard per second. */
static void deliver(void)
{
    sim_pkt p;
    while (sim_bottleneck_pop(&s.down, s.now, &p)) {
        yf_rtp_header h;
        yf_rtp_ext e;
        if (yf_rtp_parse(p.data, p.len, &h) == YF_OK) {
            if (yf_rtp_ext_find(&h, SUB_TWCC, &e) == 1 && e.len == 2)
                yf_twcc_recv_on_packet(&s.rx, p.at, (uint16_t)((e.data[0] << 8) | e.data[1]));
            int sec = (int)(p.at / SEC);
            if (h.ssrc == OUT_AUDIO)
                s.voice_got[voice_second(&h)]++;
            if (h.ssrc == OUT_VIDEO && sec < MAX_SEC) {
                s.got[sec][h.payload[2] % 3]++;
                s.heard[sec] = h.payload[2];
            }
        }
        free(p.data);
    }
    while (sim_link_pop(&s.up, s.now, &p)) {
        yf_router_handle_rtcp(s.r, s.now, SUB, YF_CONN_SUBSCRIBER, p.data, p.len);
        free(p.data);
        drain();
    }
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* layers 3: simulcast, 1: one stream (layer 0's rate); loss on both
 * directions (down: after the queue; up: the feedback) */
static void setup_link(bool probes, int64_t start_bps, int layers, double loss, uint64_t seed,
                       int64_t queue_us)
{
    yf_router_config cfg = { .seed = 11 };
    yf_router_track_config a = { .kind = YF_TRACK_AUDIO, .codec = YF_CODEC_OPUS, .ssrc = 0xA,
                                 .pt = 111, .clock_rate = 48000 };
    yf_router_track_config v = { .kind = YF_TRACK_VIDEO, .codec = YF_CODEC_VP8, .pt = 96,
                                 .clock_rate = 90000, .mid_ext_id = MID_EXT, .mid = "1",
                                 .rid_ext_id = RID_EXT, .n_layers = 3, .rids = { "q", "h", "f" } };
    uint32_t ta, tv;
    if (layers == 1) {
        v.rid_ext_id = 0;
        v.n_layers = 0;
        memset(v.rids, 0, sizeof v.rids);
    }
    memset(&s, 0, sizeof s);
    s.layers = layers;
    s.out_layer = -1;
    for (int i = 0; i < MAX_SEC; i++)
        s.heard[i] = -1;
    s.r = yf_router_new(&cfg);
    yf_router_add_participant(s.r, PUB);
    yf_router_add_participant(s.r, SUB);
    yf_router_add_publisher_track(s.r, PUB, &a, &ta);
    yf_router_add_publisher_track(s.r, PUB, &v, &tv);
    yf_router_set_subscriber_twcc(s.r, 0, SUB, SUB_TWCC);
    yf_router_subscribe(s.r, 0, SUB, ta, OUT_AUDIO, 111);
    yf_router_subscribe(s.r, 0, SUB, tv, OUT_VIDEO, 96);
    if (probes && yf_router_set_subscription_rtx(s.r, SUB, tv, OUT_RTX, RTX_PT) != YF_OK)
        failures++;
    yf_twcc_recv_init(&s.rx);
    sim_bottleneck_init(&s.down, seed, start_bps, queue_us, 20000, loss);
    sim_link_init(&s.up, seed + 1, loss, 20000, 0);
}

static void setup(bool probes, int64_t start_bps)
{
    setup_link(probes, start_bps, 3, 0, 42, 300000);
}

/* fall_us 0: no fall (the link starts where it is) */
static void run(int64_t fall_us, int64_t rise_us, int64_t end_us)
{
    int64_t next_frame = 0, next_audio = 0, next_fb = FEEDBACK_US, next_print = 5 * SEC;
    bool fell = !fall_us, rose = false;
    while (s.now < end_us) {
        if (!fell && s.now >= fall_us) {
            sim_bottleneck_set_rate(&s.down, 300000);
            fell = true;
        }
        if (!rose && s.now >= rise_us) {
            sim_bottleneck_set_rate(&s.down, 2000000);
            rose = true;
        }
        if (s.calm_us && s.now >= s.calm_us) {
            s.down.loss = s.up.loss = s.calm_loss;
            s.calm_us = 0;
        }
        deliver();
        if (s.now >= next_frame) {
            for (int l = 0; l < s.layers; l++) {
                /* each layer's own keyframe every 10 s, or when asked */
                bool key = s.key_asked[l] || s.frames[l] % 300 == 0;
                s.key_asked[l] = false;
                publish(l, key);
            }
            next_frame += FRAME_US;
        }
        if (s.now >= next_audio) {
            voice();
            next_audio += AUDIO_US;
        }
        if (s.now >= next_fb) {
            uint8_t buf[1500];
            int n;
            while ((n = yf_twcc_recv_build(&s.rx, 0x77, OUT_VIDEO, buf, sizeof buf)) > 0)
                sim_link_send(&s.up, s.now, 0, buf, (size_t)n);
            next_fb += FEEDBACK_US;
        }
        yf_router_handle_timeout(s.r, s.now);
        drain();
        if (s.now >= next_print) {
            yf_router_downlink d;
            yf_router_get_downlink(s.r, s.now, SUB, &d);
            printf("  %5.1f s: estimate %4lld kbit/s, video %4lld kbit/s%s, layer %d, probes %llu (%llu ok)\n",
                   (double)s.now / SEC, (long long)d.estimate_bps / 1000,
                   (long long)d.video_bps / 1000, d.video_paused ? " (paused)" : "", s.out_layer,
                   (unsigned long long)d.probes, (unsigned long long)d.probes_ok);
            next_print += 5 * SEC;
        }
        int64_t next = min64(min64(next_frame, next_audio), min64(next_fb, next_print));
        next = min64(next, min64(sim_bottleneck_next(&s.down), sim_link_next(&s.up)));
        if (s.calm_us)
            next = min64(next, s.calm_us);
        next = min64(next, s.router_next);
        if (!fell)
            next = min64(next, fall_us);
        else if (!rose)
            next = min64(next, rise_us);
        s.now = next > s.now ? next : s.now + 1;
    }
}

/* The first second from `from` on in which the subscriber heard layer l
 * last; -1 if never. */
static int first_heard(int from, int l)
{
    for (int i = from; i < MAX_SEC && i < END_US / SEC; i++)
        if (s.heard[i] == l)
            return i - from;
    return -1;
}

static void finish(void)
{
    sim_bottleneck_clear(&s.down);
    sim_link_clear(&s.up);
    yf_router_free(s.r);
}

/* 2 Mbit/s, 300 kbit/s for 30 s, 2 Mbit/s again. */
static void fall_and_rise(bool probes)
{
    setup(probes, 2000000);
    printf("simulcast%s: 2 Mbit/s, 300 kbit/s from %lld s, 2 Mbit/s from %lld s\n",
           probes ? " with probes" : "", FALL_US / SEC, RISE_US / SEC);
    run(FALL_US, RISE_US, END_US);
    yf_router_stats st;
    yf_router_get_stats(s.r, &st);
    int down = first_heard((int)(FALL_US / SEC), 0);
    int up = first_heard((int)(RISE_US / SEC), 2);
    /* the narrow stretch once settled: video every second, at the low layer */
    int seconds_with_video = 0, seconds_low = 0;
    for (int i = (int)(FALL_US / SEC) + 10; i < (int)(RISE_US / SEC); i++) {
        seconds_with_video += s.got[i][0] + s.got[i][1] + s.got[i][2] > 10;
        seconds_low += s.heard[i] == 0;
    }
    int narrow = (int)((RISE_US - FALL_US) / SEC) - 10;
    printf("simulcast: low layer %d s after the fall, high layer %d s after the rise; "
           "%d of %d narrow seconds with video (%d at the low layer); %llu switches, "
           "%llu seq gaps, %llu switches off a keyframe, %llu pauses, %llu tail drops; "
           "%llu probes, %llu carried, %llu padding packets\n",
           down, up, seconds_with_video, narrow, seconds_low, (unsigned long long)s.switches,
           (unsigned long long)s.seq_gaps, (unsigned long long)s.bad_switches,
           (unsigned long long)s.paused_events, (unsigned long long)s.down.tail_drops,
           (unsigned long long)st.probes, (unsigned long long)st.probes_ok, (unsigned long long)s.padding);
    EXPECT(first_heard(0, 2) >= 0 && first_heard(0, 2) < 5, "high layer at the start");
    EXPECT(down >= 0 && down <= 5, "low layer %d s after the fall", down);
    EXPECT(seconds_with_video == narrow, "%d of %d seconds with video", seconds_with_video, narrow);
    EXPECT(seconds_low >= narrow * 8 / 10, "%d of %d seconds at the low layer", seconds_low, narrow);
    EXPECT(up >= 0 && up <= 45, "high layer %d s after the rise", up);
    EXPECT(s.heard[END_US / SEC - 1] == 2, "the end at layer %d", s.heard[END_US / SEC - 1]);
    EXPECT(s.seq_gaps == 0, "%llu gaps", (unsigned long long)s.seq_gaps);
    EXPECT(s.bad_switches == 0, "%llu switches off a keyframe", (unsigned long long)s.bad_switches);
    EXPECT(s.switches >= 2 && st.layer_switches >= 2, "%llu switches", (unsigned long long)s.switches);
    EXPECT(s.paused_events == 0, "paused %llu times", (unsigned long long)s.paused_events);
    if (probes) {
        EXPECT(st.probes_ok >= 2, "%llu probes carried (the start, the rise)", (unsigned long long)st.probes_ok);
        EXPECT(s.padding > 0, "no padding sent");
        EXPECT(s.bad_padding == 0, "%llu malformed padding packets", (unsigned long long)s.bad_padding);
    } else {
        EXPECT(st.probes == 0 && s.padding == 0, "%llu probes without RTX", (unsigned long long)st.probes);
    }
    finish();
}

/* Joining on 300 kbit/s: what the first 10 s cost, and the rise at 30 s. */
#define NARROW_RISE_US (30 * SEC)
#define NARROW_END_US (100 * SEC)
static void narrow_start(bool probes, uint32_t *voice_lost, int *first_video_sec)
{
    setup(probes, 300000);
    printf("simulcast%s: joining on 300 kbit/s, 2 Mbit/s from %lld s\n", probes ? " with probes" : "",
           NARROW_RISE_US / SEC);
    run(0, NARROW_RISE_US, NARROW_END_US);
    yf_router_stats st;
    yf_router_get_stats(s.r, &st);
    uint32_t sent = 0, got = 0;
    int video_secs = 0;
    *first_video_sec = -1;
    for (int i = 0; i < 10; i++) {
        sent += s.voice_sent[i];
        got += s.voice_got[i];
        video_secs += s.got[i][0] + s.got[i][1] + s.got[i][2] > 10;
        if (*first_video_sec < 0 && s.got[i][0] + s.got[i][1] + s.got[i][2] > 10)
            *first_video_sec = i;
    }
    *voice_lost = sent - got;
    int up = first_heard((int)(NARROW_RISE_US / SEC), 2);
    printf("simulcast%s, joining on 300 kbit/s: first 10 s: %u of %u voice packets lost, %d s with "
           "video (first in second %d), %llu pauses; high layer %d s after the rise; %llu probes, "
           "%llu carried\n", probes ? " with probes" : "", *voice_lost, sent, video_secs, *first_video_sec,
           (unsigned long long)s.paused_events, up, (unsigned long long)st.probes,
           (unsigned long long)st.probes_ok);
    if (probes) {
        EXPECT(s.paused_events == 0, "paused %llu times", (unsigned long long)s.paused_events);
        EXPECT(video_secs >= 9, "%d of the first 10 s with video", video_secs);
        EXPECT(*voice_lost * 100 <= sent * 2, "%u of %u voice packets lost", *voice_lost, sent);
        EXPECT(up >= 0 && up <= 50, "high layer %d s after the rise", up);
        EXPECT(s.heard[NARROW_END_US / SEC - 1] == 2, "the end at layer %d", s.heard[NARROW_END_US / SEC - 1]);
        EXPECT(s.seq_gaps == 0 && s.bad_switches == 0, "%llu gaps, %llu bad switches",
               (unsigned long long)s.seq_gaps, (unsigned long long)s.bad_switches);
    }
    finish();
}

/* One stream of 150 kbit/s on a 300 kbit/s downlink (400 ms of queue)
 * that loses a quarter of the packets each way for 2 s, then 5 %, feedback
 * included: the petitioner's phone on a weak link after a bad start. The
 * start pauses the video; probes bring it back. Returns the seconds of the
 * last 50 without video. */
#define LOSSY_END_US (60 * SEC)
static int lossy_link(uint64_t seed)
{
    setup_link(true, 300000, 1, 0.25, seed, 400000);
    s.calm_us = 2 * SEC;
    s.calm_loss = 0.05;
    run(0, LOSSY_END_US + 1, LOSSY_END_US);
    yf_router_stats st;
    yf_router_get_stats(s.r, &st);
    int without = 0;
    for (int i = 10; i < (int)(LOSSY_END_US / SEC); i++)
        without += s.got[i][0] <= 5;
    printf("lossy link, seed %llu: %d of 50 s without video, %llu pauses, %llu probes, %llu carried\n",
           (unsigned long long)seed, without, (unsigned long long)s.paused_events,
           (unsigned long long)st.probes, (unsigned long long)st.probes_ok);
    finish();
    return without;
}

int main(void)
{
    uint32_t lost_without, lost_with;
    int video_without, video_with;
    fall_and_rise(false);
    fall_and_rise(true);
    narrow_start(false, &lost_without, &video_without);
    narrow_start(true, &lost_with, &video_with);
    printf("simulcast: joining on 300 kbit/s, first 10 s: %u voice packets lost without probes, %u with\n",
           lost_without, lost_with);
    EXPECT(lost_with < lost_without, "probes lost %u voice packets, none %u", lost_with, lost_without);
    int worst = 0, total = 0;
    for (uint64_t seed = 100; seed < 120; seed++) {
        int w = lossy_link(seed);
        total += w;
        worst = w > worst ? w : worst;
    }
    printf("lossy link: %d of %d s without video over 20 runs, %d in the worst\n", total, 20 * 50, worst);
    EXPECT(worst <= 5 && total <= 20, "%d of 50 s without video in one run, %d in all", worst, total);
    printf("sim_simulcast: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
