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
 * layer. The timeline is printed; no timing of the machine is measured. */
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
#define FALL_US (20 * SEC)
#define RISE_US (50 * SEC)
#define END_US (110 * SEC)

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
    int heard[128];
    uint32_t got[128][3];
    uint64_t paused_events;
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
            h.ext_len = (size_t)yf_rtp_ext_build(YF_RTP_EXT_ONE_BYTE, els, 2, &h.ext_profile, ext, sizeof ext);
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
        if (o.kind == YF_ROUTER_OUT_TIMEOUT)
            return;
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
            if (h.ssrc == OUT_VIDEO && sec < 128) {
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

static void setup(void)
{
    yf_router_config cfg = { .seed = 11 };
    yf_router_track_config a = { .kind = YF_TRACK_AUDIO, .codec = YF_CODEC_OPUS, .ssrc = 0xA,
                                 .pt = 111, .clock_rate = 48000 };
    yf_router_track_config v = { .kind = YF_TRACK_VIDEO, .codec = YF_CODEC_VP8, .pt = 96,
                                 .clock_rate = 90000, .mid_ext_id = MID_EXT, .mid = "1",
                                 .rid_ext_id = RID_EXT, .n_layers = 3, .rids = { "q", "h", "f" } };
    uint32_t ta, tv;
    memset(&s, 0, sizeof s);
    s.out_layer = -1;
    for (int i = 0; i < 128; i++)
        s.heard[i] = -1;
    s.r = yf_router_new(&cfg);
    yf_router_add_participant(s.r, PUB);
    yf_router_add_participant(s.r, SUB);
    yf_router_add_publisher_track(s.r, PUB, &a, &ta);
    yf_router_add_publisher_track(s.r, PUB, &v, &tv);
    yf_router_set_subscriber_twcc(s.r, 0, SUB, SUB_TWCC);
    yf_router_subscribe(s.r, 0, SUB, ta, OUT_AUDIO, 111);
    yf_router_subscribe(s.r, 0, SUB, tv, OUT_VIDEO, 96);
    yf_twcc_recv_init(&s.rx);
    sim_bottleneck_init(&s.down, 42, 2000000, 300000, 20000, 0);
    sim_link_init(&s.up, 43, 0, 20000, 0);
}

static void run(void)
{
    int64_t next_frame = 0, next_audio = 0, next_fb = FEEDBACK_US, next_print = 5 * SEC;
    bool fell = false, rose = false;
    while (s.now < END_US) {
        if (!fell && s.now >= FALL_US) {
            sim_bottleneck_set_rate(&s.down, 300000);
            fell = true;
        }
        if (!rose && s.now >= RISE_US) {
            sim_bottleneck_set_rate(&s.down, 2000000);
            rose = true;
        }
        deliver();
        if (s.now >= next_frame) {
            for (int l = 0; l < 3; l++) {
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
            printf("  %5.1f s: estimate %4lld kbit/s, video %4lld kbit/s%s, layer %d\n",
                   (double)s.now / SEC, (long long)d.estimate_bps / 1000,
                   (long long)d.video_bps / 1000, d.video_paused ? " (paused)" : "", s.out_layer);
            next_print += 5 * SEC;
        }
        int64_t next = min64(min64(next_frame, next_audio), min64(next_fb, next_print));
        next = min64(next, min64(sim_bottleneck_next(&s.down), sim_link_next(&s.up)));
        if (!fell)
            next = min64(next, FALL_US);
        else if (!rose)
            next = min64(next, RISE_US);
        s.now = next > s.now ? next : s.now + 1;
    }
}

/* The first second from `from` on in which the subscriber heard layer l
 * last; -1 if never. */
static int first_heard(int from, int l)
{
    for (int i = from; i < 128 && i < END_US / SEC; i++)
        if (s.heard[i] == l)
            return i - from;
    return -1;
}

int main(void)
{
    setup();
    printf("simulcast: 2 Mbit/s, 300 kbit/s from %lld s, 2 Mbit/s from %lld s\n",
           FALL_US / SEC, RISE_US / SEC);
    run();
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
           "%llu seq gaps, %llu switches off a keyframe, %llu pauses, %llu tail drops\n",
           down, up, seconds_with_video, narrow, seconds_low, (unsigned long long)s.switches,
           (unsigned long long)s.seq_gaps, (unsigned long long)s.bad_switches,
           (unsigned long long)s.paused_events, (unsigned long long)s.down.tail_drops);
    EXPECT(first_heard(5, 2) >= 0 && first_heard(5, 2) < 5, "high layer at the start");
    EXPECT(down >= 0 && down <= 5, "low layer %d s after the fall", down);
    EXPECT(seconds_with_video == narrow, "%d of %d seconds with video", seconds_with_video, narrow);
    EXPECT(seconds_low >= narrow * 8 / 10, "%d of %d seconds at the low layer", seconds_low, narrow);
    EXPECT(up >= 0 && up <= 45, "high layer %d s after the rise", up);
    EXPECT(s.heard[END_US / SEC - 1] == 2, "the end at layer %d", s.heard[END_US / SEC - 1]);
    EXPECT(s.seq_gaps == 0, "%llu gaps", (unsigned long long)s.seq_gaps);
    EXPECT(s.bad_switches == 0, "%llu switches off a keyframe", (unsigned long long)s.bad_switches);
    EXPECT(s.switches >= 2 && st.layer_switches >= 2, "%llu switches", (unsigned long long)s.switches);
    EXPECT(s.paused_events == 0, "paused %llu times", (unsigned long long)s.paused_events);
    sim_bottleneck_clear(&s.down);
    sim_link_clear(&s.up);
    yf_router_free(s.r);
    printf("sim_simulcast: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
