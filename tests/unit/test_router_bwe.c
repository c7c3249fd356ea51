/* test_router_bwe.c -- a subscriber's downlink in the router: every RTP
 * packet to a subscriber that negotiated transport-cc carries our
 * transport-wide sequence number (the publisher's own element removed,
 * others kept); its feedback feeds the estimate the router reports; when
 * the downlink cannot carry the video, video stops (audio goes on) with an
 * event, and when it can again, video resumes at a keyframe with an event;
 * a busy server whose timer comes late sends its probes short of their
 * rate, which is asked again, not counted against the link. */
#include "media/core/router.h"
#include "media/core/rtcp.h"
#include "media/core/rtp.h"
#include "media/core/twcc.h"
#include "yf_test.h"

#define PUB 1
#define SUB 2
#define PUB_TWCC 3
#define LEVEL 1
#define SUB_TWCC 5

static yf_router *r;
static yf_twcc_recv rx;
static uint16_t pub_seq = 100, pub_tw;
static int events_paused, events_resumed, plis;
static uint64_t video_out, audio_out;
static int last_tw = -1, tw_gaps, bad_ext;
static bool downlink_up = true;
static uint64_t padding_out, bad_padding;
static int64_t fb_delay_us = 40000; /* feedback handled this long after `now`
                                       (test_probes: 0, its clock never steps back) */
static int64_t queue_us, queue_step_us; /* a queue that grows per packet, nothing lost */
static int tick_ms = 10; /* the router's timer runs this often (a busy server: later) */

/* A publisher packet: audio (100 bytes) or VP8 video (1100 bytes), with
 * the publisher's transport-cc seq and, for audio, a level element. */
static size_t packet(uint8_t *pkt, bool video, uint16_t seq, bool key)
{
    yf_rtp_header h;
    uint8_t payload[1100], tw[2] = { (uint8_t)(pub_tw >> 8), (uint8_t)pub_tw }, lv[1] = { 0x85 };
    uint8_t ext[16];
    yf_rtp_ext els[2] = { { PUB_TWCC, tw, 2 }, { LEVEL, lv, 1 } };
    pub_tw++;
    memset(&h, 0, sizeof h);
    h.version = 2;
    h.payload_type = video ? 96 : 111;
    h.ssrc = video ? 0xB : 0xA;
    h.seq = seq;
    h.timestamp = 3000u * seq;
    h.extension = true;
    h.ext_data = ext;
    h.ext_len = (size_t)yf_rtp_ext_build(YF_RTP_EXT_ONE_BYTE, els, video ? 1 : 2, &h.ext_profile, ext, sizeof ext);
    memset(payload, 0x5a, sizeof payload);
    payload[0] = 0x10;
    payload[1] = key ? 0x50 : 0x51;
    return (size_t)yf_rtp_write(&h, payload, video ? 1100 : 100, pkt, 1500);
}

static void check_out(int64_t now, const yf_router_output *o)
{
    yf_rtp_header h;
    yf_rtp_ext e;
    if (yf_rtp_parse(o->data, o->len, &h) != YF_OK || yf_rtp_ext_find(&h, SUB_TWCC, &e) != 1 || e.len != 2 ||
        yf_rtp_ext_find(&h, PUB_TWCC, &e) != 0) {
        bad_ext++;
        return;
    }
    yf_rtp_ext_find(&h, SUB_TWCC, &e);
    int tw = (e.data[0] << 8) | e.data[1];
    if (last_tw >= 0 && tw != ((last_tw + 1) & 0xffff))
        tw_gaps++;
    last_tw = tw;
    if (h.ssrc == 0x201) { /* a probe's padding on the RTX stream */
        padding_out++;
        if (h.payload_type != 97 || h.payload_len != 0 || !h.padding)
            bad_padding++;
    } else if (h.ssrc == 0x200) {
        video_out++;
    } else {
        audio_out++;
        if (yf_rtp_ext_find(&h, LEVEL, &e) != 1)
            bad_ext++;
    }
    queue_us += queue_step_us;
    if (downlink_up) /* 20 ms one way, plus the queue */
        yf_twcc_recv_on_packet(&rx, now + 20000 + queue_us, (uint16_t)tw);
}

static void drain(int64_t now)
{
    yf_router_output o;
    for (;;) {
        yf_router_poll_output(r, now, &o);
        if (o.kind == YF_ROUTER_OUT_TIMEOUT)
            return;
        if (o.kind == YF_ROUTER_OUT_RTP && o.participant == SUB)
            check_out(now, &o);
        if (o.kind == YF_ROUTER_OUT_EVENT && o.event == YF_ROUTER_EV_VIDEO_PAUSED && o.participant == SUB)
            events_paused++;
        if (o.kind == YF_ROUTER_OUT_EVENT && o.event == YF_ROUTER_EV_VIDEO_RESUMED && o.participant == SUB)
            events_resumed++;
        if (o.kind == YF_ROUTER_OUT_EVENT && o.event == YF_ROUTER_EV_KEYFRAME_REQUESTED)
            plis++;
    }
}

/* The subscriber's feedback, 20 ms after now; when the downlink is down,
 * every packet since the last feedback is reported lost. */
static void feedback(int64_t now)
{
    uint8_t buf[1500];
    int n;
    if (!downlink_up) {
        /* a fresh arrival anchors the report; the rest are gaps */
        yf_twcc_recv_on_packet(&rx, now, (uint16_t)last_tw);
    }
    while ((n = yf_twcc_recv_build(&rx, 0x77, 0x200, buf, sizeof buf)) > 0)
        CHECK_EQ_INT(yf_router_handle_rtcp(r, now + fb_delay_us, SUB, YF_CONN_SUBSCRIBER, buf, (size_t)n), YF_OK);
    drain(now + fb_delay_us);
}

/* `ms` of media: video 100 packets/s (~900 kbit/s), audio 50/s, feedback
 * every 100 ms. */
static int64_t run(int64_t now, int ms, bool key_every_second)
{
    uint8_t pkt[1500];
    for (int t = 0; t < ms; t += 10) {
        now += 10000;
        bool key = key_every_second && t % 1000 == 0;
        CHECK_EQ_INT(yf_router_handle_rtp(r, now, PUB, pkt, packet(pkt, true, pub_seq, key)), YF_OK);
        if (t % 20 == 0)
            CHECK_EQ_INT(yf_router_handle_rtp(r, now, PUB, pkt, packet(pkt, false, pub_seq, false)), YF_OK);
        pub_seq++;
        if (t % tick_ms == 0)
            yf_router_handle_timeout(r, now);
        drain(now);
        if (t % 100 == 90)
            feedback(now);
    }
    return now;
}

static void test_estimate(void)
{
    yf_router_config cfg = { .seed = 9 };
    yf_router_track_config a = { .kind = YF_TRACK_AUDIO, .codec = YF_CODEC_OPUS, .ssrc = 0xA, .pt = 111,
                                 .clock_rate = 48000, .twcc_ext_id = PUB_TWCC, .audio_level_ext_id = LEVEL };
    yf_router_track_config v = { .kind = YF_TRACK_VIDEO, .codec = YF_CODEC_VP8, .ssrc = 0xB, .pt = 96,
                                 .clock_rate = 90000, .twcc_ext_id = PUB_TWCC };
    uint32_t ta, tv;
    int64_t now = 1000000;
    yf_router_downlink d;
    yf_router_stats st;

    r = yf_router_new(&cfg);
    yf_twcc_recv_init(&rx);
    CHECK_EQ_INT(yf_router_add_participant(r, PUB), YF_OK);
    CHECK_EQ_INT(yf_router_add_participant(r, SUB), YF_OK);
    CHECK_EQ_INT(yf_router_add_publisher_track(r, PUB, &a, &ta), YF_OK);
    CHECK_EQ_INT(yf_router_add_publisher_track(r, PUB, &v, &tv), YF_OK);
    CHECK_EQ_INT(yf_router_set_subscriber_twcc(r, now, SUB, 15), YF_EMALFORMED);
    CHECK_EQ_INT(yf_router_set_subscriber_twcc(r, now, 99, SUB_TWCC), YF_ESTATE);
    CHECK_EQ_INT(yf_router_set_subscriber_twcc(r, now, SUB, SUB_TWCC), YF_OK);
    CHECK_EQ_INT(yf_router_subscribe(r, now, SUB, ta, 0x100, 111), YF_OK);
    CHECK_EQ_INT(yf_router_subscribe(r, now, SUB, tv, 0x200, 96), YF_OK);
    CHECK_EQ_INT(yf_router_get_downlink(r, now, SUB, &d), YF_OK);
    CHECK(!d.estimating);

    /* 5 s of a good downlink: stamped, estimated, all forwarded */
    now = run(now, 5000, true);
    CHECK_EQ_INT(bad_ext, 0);
    CHECK_EQ_INT(tw_gaps, 0);
    CHECK(video_out > 450 && audio_out > 240);
    CHECK_EQ_INT(yf_router_get_downlink(r, now, SUB, &d), YF_OK);
    CHECK(d.estimating);
    CHECK(d.estimate_bps > 1000000);
    CHECK(d.video_bps > 800000 && d.video_bps < 1000000);
    CHECK(d.audio_bps > 30000 && d.audio_bps < 60000);
    CHECK(!d.video_paused);
    CHECK(d.feedbacks >= 45);
    CHECK_EQ_INT(events_paused, 0);

    /* a queue grows (2 ms more per packet) but nothing is lost: the
     * delay-based estimate falls under what the video needs, yet the
     * downlink carried all we sent, so the video stays */
    queue_step_us = 2000;
    now = run(now, 3000, true);
    queue_step_us = 0;
    CHECK_EQ_INT(yf_router_get_downlink(r, now, SUB, &d), YF_OK);
    CHECK(d.overuses >= 1);
    CHECK(d.delay_bps < 20000000);
    CHECK(d.estimate_bps < (d.video_bps + d.audio_bps) * 7 / 10); /* would not fit */
    CHECK_EQ_INT(d.lost, 0);
    CHECK_EQ_INT(events_paused, 0);
    now = run(now, 3000, true);  /* the queue stays as it is: normal again */

    /* the downlink loses everything: the loss bound falls under the video */
    downlink_up = false;
    now = run(now, 4000, true);
    CHECK_EQ_INT(events_paused, 1);
    CHECK_EQ_INT(yf_router_get_downlink(r, now, SUB, &d), YF_OK);
    CHECK(d.video_paused);
    CHECK(d.estimate_bps < d.video_bps + d.audio_bps);
    uint64_t v0 = video_out, a0 = audio_out;
    now = run(now, 1000, true);
    CHECK_EQ_INT(video_out, v0);       /* no video to a paused downlink */
    CHECK(audio_out >= a0 + 45);       /* audio goes on */
    yf_router_get_stats(r, &st);
    CHECK(st.downlink_drops >= 95);
    CHECK_EQ_INT(st.video_pauses, 1);

    /* it comes back: the estimate recovers, video resumes after the hold,
     * with a keyframe request, from a keyframe on */
    downlink_up = true;
    int pl = plis;
    for (int i = 0; i < 60 && !events_resumed; i++)
        now = run(now, 1000, true);
    CHECK_EQ_INT(events_resumed, 1);
    CHECK(plis > pl);
    now = run(now, 2000, true);
    CHECK(video_out > v0 + 100);
    CHECK_EQ_INT(yf_router_get_downlink(r, now, SUB, &d), YF_OK);
    CHECK(!d.video_paused);
    yf_router_get_stats(r, &st);
    CHECK_EQ_INT(st.video_resumes, 1);
    CHECK(st.twcc_fb_in > 100);
    CHECK_EQ_INT(bad_ext, 0);

    /* paused again, then the connection is new: video back at once, from a
     * keyframe (a new epoch, so no gap to NACK) */
    downlink_up = false;
    now = run(now, 4000, true);
    CHECK_EQ_INT(events_paused, 2);
    downlink_up = true;
    pl = plis;
    uint64_t v1 = video_out;
    CHECK_EQ_INT(yf_router_set_subscriber_twcc(r, now, SUB, SUB_TWCC), YF_OK);
    drain(now);
    CHECK_EQ_INT(events_resumed, 2);
    CHECK(plis > pl);
    now = run(now, 1500, true);
    CHECK(video_out > v1 + 50);
    CHECK_EQ_INT(tw_gaps, 0);

    /* a publisher's extension block that cannot be rewritten (an element
     * running past the block's end): not sent to the subscriber, whose
     * feedback would otherwise carry the publisher's own sequence */
    {
        uint8_t bad[12 + 8 + 100] = { 0x90, 111 };
        bad[2] = (uint8_t)(pub_seq >> 8);
        bad[3] = (uint8_t)pub_seq;
        pub_seq++;
        bad[11] = 0xA;                                     /* ssrc */
        bad[12] = 0xBE, bad[13] = 0xDE, bad[15] = 1;       /* one word of one-byte elements */
        bad[16] = 0x1F;                                    /* id 1, 16 bytes: past the end */
        uint64_t a1 = audio_out;
        int bad1 = bad_ext;
        yf_router_get_stats(r, &st);
        uint64_t drops = st.twcc_stamp_drops;
        int rc = yf_router_handle_rtp(r, now, PUB, bad, sizeof bad);
        drain(now);
        yf_router_get_stats(r, &st);
        CHECK(audio_out == a1 && bad_ext == bad1);         /* nothing of it reached the subscriber */
        CHECK_EQ_INT(rc, YF_OK);                           /* the router takes it ... */
        CHECK(st.twcc_stamp_drops == drops + 1);           /* ... and does not send it */
        now = run(now, 200, false);                        /* and the next ones do */
        CHECK(audio_out > a1);
        CHECK_EQ_INT(tw_gaps, 0);
    }

    /* turning it off: nothing stamped any more, no estimate */
    CHECK_EQ_INT(yf_router_set_subscriber_twcc(r, now, SUB, 0), YF_OK);
    uint64_t out0 = video_out + audio_out;
    run(now, 100, false);
    CHECK_EQ_INT(video_out + audio_out, out0); /* check_out counts stamped packets only */
    CHECK_EQ_INT(bad_ext, 15);                 /* ... the 15 unstamped ones were seen */
    CHECK_EQ_INT(padding_out, 0);              /* no RTX stream: no probes */
    yf_router_free(r);
}

/* A router with a publisher of audio and video and a subscriber with
 * transport-cc, counters reset: for the probe tests. *ta, *tv: the tracks. */
static void probe_room(uint64_t seed, int64_t now, uint32_t *ta, uint32_t *tv)
{
    yf_router_config cfg = { .seed = seed };
    yf_router_track_config a = { .kind = YF_TRACK_AUDIO, .codec = YF_CODEC_OPUS, .ssrc = 0xA, .pt = 111,
                                 .clock_rate = 48000, .twcc_ext_id = PUB_TWCC, .audio_level_ext_id = LEVEL };
    yf_router_track_config v = { .kind = YF_TRACK_VIDEO, .codec = YF_CODEC_VP8, .ssrc = 0xB, .pt = 96,
                                 .clock_rate = 90000, .twcc_ext_id = PUB_TWCC };

    r = yf_router_new(&cfg);
    yf_twcc_recv_init(&rx);
    last_tw = -1;
    tw_gaps = bad_ext = events_paused = events_resumed = 0;
    video_out = audio_out = padding_out = bad_padding = 0;
    downlink_up = true;
    fb_delay_us = 0;
    CHECK_EQ_INT(yf_router_add_participant(r, PUB), YF_OK);
    CHECK_EQ_INT(yf_router_add_participant(r, SUB), YF_OK);
    CHECK_EQ_INT(yf_router_add_publisher_track(r, PUB, &a, ta), YF_OK);
    CHECK_EQ_INT(yf_router_add_publisher_track(r, PUB, &v, tv), YF_OK);
    CHECK_EQ_INT(yf_router_set_subscriber_twcc(r, now, SUB, SUB_TWCC), YF_OK);
}

/* With the subscriber's RTX stream: the way back from audio only is asked
 * of the link first, with padding on that stream, in the same
 * transport-wide sequence; a link that loses everything fails the probe
 * and the video stays off; one that carries it gets the video back. */
static void test_probes(void)
{
    uint32_t ta, tv;
    int64_t now = 100000000;
    yf_router_downlink d;

    probe_room(10, now, &ta, &tv);
    CHECK_EQ_INT(yf_router_subscribe(r, now, SUB, ta, 0x100, 111), YF_OK);
    CHECK_EQ_INT(yf_router_subscribe(r, now, SUB, tv, 0x200, 96), YF_OK);
    CHECK_EQ_INT(yf_router_set_subscription_rtx(r, SUB, tv, 0x201, 200), YF_EMALFORMED);
    CHECK_EQ_INT(yf_router_set_subscription_rtx(r, SUB, tv, 0x201, 0), YF_EMALFORMED);
    CHECK_EQ_INT(yf_router_set_subscription_rtx(r, 99, tv, 0x201, 97), YF_ESTATE);
    CHECK_EQ_INT(yf_router_set_subscription_rtx(r, SUB, 999, 0x201, 97), YF_ESTATE);
    CHECK_EQ_INT(yf_router_set_subscription_rtx(r, SUB, tv, 0x201, 97), YF_OK);

    /* one video track: its one layer at once, nothing to probe */
    now = run(now, 3000, true);
    CHECK(video_out > 250);
    CHECK_EQ_INT(padding_out, 0);
    /* the downlink loses everything: paused */
    downlink_up = false;
    now = run(now, 4000, true);
    CHECK_EQ_INT(events_paused, 1);
    /* still losing everything: every probe fails, the video stays off,
     * and the probes back off (3, 6, 12 s ...) */
    uint64_t v0 = video_out;
    now = run(now, 20000, true);
    CHECK_EQ_INT(video_out, v0);
    CHECK_EQ_INT(yf_router_get_downlink(r, now, SUB, &d), YF_OK);
    CHECK(d.video_paused);
    CHECK(d.probes_failed >= 2 && d.probes_ok == 0);
    /* the link is whole again: a probe, then the video */
    downlink_up = true;
    uint64_t pad0 = padding_out;
    int waited = 0;
    for (; waited < 60 && !events_resumed; waited++)
        now = run(now, 1000, true);
    CHECK_EQ_INT(events_resumed, 1);
    /* the wait is the probes' back-off (3, 6, 12 s after the failures
     * during the loss), not the estimate's climb from its floor (about
     * 50 s from 30 kbit/s to the video's 1.1 Mbit/s at 8 % a second) */
    CHECK(waited <= 30);
    CHECK(padding_out > pad0);
    CHECK_EQ_INT(bad_padding, 0);
    CHECK_EQ_INT(tw_gaps, 0);   /* padding and media in one transport-wide sequence */
    CHECK_EQ_INT(bad_ext, 0);
    CHECK_EQ_INT(yf_router_get_downlink(r, now, SUB, &d), YF_OK);
    CHECK(d.probes_ok >= 1);
    CHECK(d.padding_bytes > 0);
    now = run(now, 2000, true);
    CHECK(video_out > v0 + 100);
    yf_router_stats st;
    yf_router_get_stats(r, &st);
    CHECK(st.probes >= 1 && st.probes_ok >= 1 && st.padding_packets == padding_out);
    yf_router_free(r);
}

/* A subscriber of video alone: paused, it is sent nothing but probes, and
 * sends no feedback between them; the router asks again on its own timer,
 * failed probes included, and a probe brings the video back once the link
 * is whole, for good (its loss windows, from the dead link, are not left
 * to pause it again). */
static void test_probes_video_only(void)
{
    uint32_t ta, tv;
    int64_t now = 200000000;

    probe_room(11, now, &ta, &tv);
    CHECK_EQ_INT(yf_router_subscribe(r, now, SUB, tv, 0x200, 96), YF_OK);
    CHECK_EQ_INT(yf_router_set_subscription_rtx(r, SUB, tv, 0x201, 97), YF_OK);
    now = run(now, 3000, true);
    CHECK(video_out > 250);
    downlink_up = false;
    now = run(now, 4000, true);
    CHECK_EQ_INT(events_paused, 1);
    /* 20 s more of a dead link: probes go out, their feedback says lost,
     * each fails; the router keeps looking on its own */
    yf_router_downlink d;
    now = run(now, 20000, true);
    CHECK_EQ_INT(yf_router_get_downlink(r, now, SUB, &d), YF_OK);
    CHECK(d.probes_failed >= 2 && d.probes_ok == 0);
    CHECK(d.video_paused);
    downlink_up = true;
    int waited = 0;
    for (; waited < 60 && !events_resumed; waited++)
        now = run(now, 1000, true);
    CHECK_EQ_INT(events_resumed, 1);
    CHECK(waited <= 50);
    CHECK(padding_out > 0);
    /* and it stays: the probe's evidence replaced the loss of the dead link */
    uint64_t v1 = video_out;
    now = run(now, 5000, true);
    CHECK(video_out > v1 + 400);
    CHECK_EQ_INT(events_paused, 1);
    CHECK_EQ_INT(audio_out, 0);
    CHECK_EQ_INT(bad_padding, 0);
    yf_router_free(r);
}

/* A server so busy that its timer comes every 30 ms, not every 5: each
 * probe's padding goes out at a third of its rate, and the link carries
 * all of it. Those probes say nothing about the link: asked again at the
 * usual pace, never counted as failed, so that once the timer keeps time
 * the video comes back at the next probe, not after a back-off grown
 * through a minute of them (3 s doubled up to 48 s). */
static void test_probes_busy_sender(void)
{
    uint32_t ta, tv;
    int64_t now = 300000000;
    yf_router_downlink d0, d;

    probe_room(12, now, &ta, &tv);
    CHECK_EQ_INT(yf_router_subscribe(r, now, SUB, ta, 0x100, 111), YF_OK);
    CHECK_EQ_INT(yf_router_subscribe(r, now, SUB, tv, 0x200, 96), YF_OK);
    CHECK_EQ_INT(yf_router_set_subscription_rtx(r, SUB, tv, 0x201, 97), YF_OK);
    now = run(now, 3000, true);
    downlink_up = false;
    now = run(now, 4000, true);
    CHECK_EQ_INT(events_paused, 1);
    downlink_up = true;
    CHECK_EQ_INT(yf_router_get_downlink(r, now, SUB, &d0), YF_OK);
    tick_ms = 30;
    now = run(now, 60000, true);
    tick_ms = 10;
    CHECK_EQ_INT(yf_router_get_downlink(r, now, SUB, &d), YF_OK);
    CHECK(d.probes_short >= 7);                   /* asked again at the same pace ... */
    CHECK_EQ_INT(d.probes_failed, d0.probes_failed); /* ... none held against the link */
    CHECK(d.video_paused);                        /* nothing proved: still audio only */
    int waited = 0;
    for (; waited < 60 && !events_resumed; waited++)
        now = run(now, 1000, true);
    CHECK_EQ_INT(events_resumed, 1);
    CHECK(waited <= 8);
    yf_router_stats st;
    yf_router_get_stats(r, &st);
    CHECK_EQ_INT(st.probes_short, d.probes_short);
    CHECK_EQ_INT(bad_padding, 0);
    CHECK_EQ_INT(tw_gaps, 0);
    yf_router_free(r);
}

int main(void)
{
    test_estimate();
    test_probes();
    test_probes_video_only();
    test_probes_busy_sender();
    return yf_test_done("test_router_bwe");
}
