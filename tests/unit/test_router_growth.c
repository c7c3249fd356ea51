/* test_router_growth.c -- the router's tables grow past their first size
 * (16 participants, 512 subscriptions) as a public hearing's observers come,
 * up to the configured maximum and not one more: one publisher's audio and
 * video fanned out to 500 receive-only subscribers, every packet reaching
 * every one of them with nothing dropped, the queue growing with the
 * subscriptions; subscribers leaving and coming back reuse the slots; the
 * loss counter (RFC 3550 A.3) counts a gap and keeps it when the track goes. */
#include <stdlib.h>

#include "media/core/router.h"
#include "media/core/rtp.h"
#include "yf_test.h"

#define N_OBS 500
#define PUB 1
#define OBS0 1000

static size_t packet(uint8_t *pkt, uint8_t pt, uint32_t ssrc, uint16_t seq, int keyframe)
{
    yf_rtp_header h;
    uint8_t payload[100];
    memset(&h, 0, sizeof h);
    h.version = 2;
    h.payload_type = pt;
    h.ssrc = ssrc;
    h.seq = seq;
    h.timestamp = 3000u * seq;
    memset(payload, 0x5a, sizeof payload);
    payload[0] = 0x10;                   /* VP8: S=1, PID 0 */
    payload[1] = keyframe ? 0x50 : 0x51; /* P=0: key frame */
    return (size_t)yf_rtp_write(&h, payload, sizeof payload, pkt, 1500);
}

/* Drains the router; counts RTP per subscriber (counts[id - OBS0]). */
static int drain(yf_router *r, int64_t now, int *counts)
{
    yf_router_output o;
    int rtp = 0;
    for (;;) {
        yf_router_poll_output(r, now, &o);
        if (o.kind == YF_ROUTER_OUT_TIMEOUT)
            return rtp;
        if (o.kind == YF_ROUTER_OUT_RTP && o.participant >= OBS0 && o.participant < OBS0 + N_OBS) {
            counts[o.participant - OBS0]++;
            rtp++;
        }
    }
}

int main(void)
{
    yf_router_config cfg = {.max_participants = 16 + N_OBS, .seed = 5};
    yf_router *r = yf_router_new(&cfg);
    yf_router_track_config a = {.kind = YF_TRACK_AUDIO, .codec = YF_CODEC_OPUS, .ssrc = 0xA, .pt = 111,
                                .clock_rate = 48000};
    yf_router_track_config v = {.kind = YF_TRACK_VIDEO, .codec = YF_CODEC_VP8, .ssrc = 0xB, .pt = 96,
                                .clock_rate = 90000, .nack = true};
    uint32_t ta = 0, tv = 0;
    int64_t now = 1000000;
    uint8_t pkt[1500];
    int *counts = calloc(N_OBS, sizeof *counts);
    yf_router_stats st;

    CHECK(r != NULL);
    CHECK_EQ_INT(yf_router_add_participant(r, PUB), YF_OK);
    CHECK_EQ_INT(yf_router_add_publisher_track(r, PUB, &a, &ta), YF_OK);
    CHECK_EQ_INT(yf_router_add_publisher_track(r, PUB, &v, &tv), YF_OK);
    /* 15 more who may publish, then 500 observers subscribing to both tracks. */
    for (uint32_t i = 2; i <= 16; i++)
        CHECK_EQ_INT(yf_router_add_participant(r, i), YF_OK);
    for (uint32_t i = 0; i < N_OBS; i++) {
        CHECK_EQ_INT(yf_router_add_participant(r, OBS0 + i), YF_OK);
        CHECK_EQ_INT(yf_router_subscribe(r, now, OBS0 + i, ta, 0x100000 + i, 111), YF_OK);
        CHECK_EQ_INT(yf_router_subscribe(r, now, OBS0 + i, tv, 0x200000 + i, 96), YF_OK);
    }
    /* The configured maximum holds. */
    CHECK_EQ_INT(yf_router_add_participant(r, 99999), YF_ENOMEM);
    drain(r, now, counts);

    /* 20 packets of each kind reach all 500, nothing dropped. */
    memset(counts, 0, N_OBS * sizeof *counts);
    int total = 0;
    for (uint16_t s = 1; s <= 20; s++) {
        now += 20000;
        size_t n = packet(pkt, 96, 0xB, s, s == 1);
        CHECK_EQ_INT(yf_router_handle_rtp(r, now, PUB, pkt, n), YF_OK);
        total += drain(r, now, counts);
        n = packet(pkt, 111, 0xA, s, 0);
        CHECK_EQ_INT(yf_router_handle_rtp(r, now, PUB, pkt, n), YF_OK);
        total += drain(r, now, counts);
    }
    CHECK_EQ_INT(total, 2 * 20 * N_OBS);
    int uneven = 0;
    for (int i = 0; i < N_OBS; i++)
        uneven += counts[i] != 40;
    CHECK_EQ_INT(uneven, 0);
    yf_router_get_stats(r, &st);
    CHECK_EQ_INT(st.queue_drops, 0);
    CHECK_EQ_INT(st.forwarded, 2 * 20 * N_OBS);
    CHECK_EQ_INT(st.lost, 0);

    /* 100 observers leave and 100 others come: the slots are reused. */
    for (uint32_t i = 0; i < 100; i++)
        CHECK_EQ_INT(yf_router_remove_participant(r, OBS0 + i), YF_OK);
    for (uint32_t i = 0; i < 100; i++) {
        CHECK_EQ_INT(yf_router_add_participant(r, OBS0 + i), YF_OK);
        CHECK_EQ_INT(yf_router_subscribe(r, now, OBS0 + i, tv, 0x300000 + i, 96), YF_OK);
    }
    CHECK_EQ_INT(yf_router_add_participant(r, 99999), YF_ENOMEM);
    drain(r, now, counts);

    /* A gap of 3 in the audio is loss, and stays counted when the track goes. */
    now += 20000;
    size_t n = packet(pkt, 111, 0xA, 24, 0);
    CHECK_EQ_INT(yf_router_handle_rtp(r, now, PUB, pkt, n), YF_OK);
    drain(r, now, counts);
    yf_router_get_stats(r, &st);
    CHECK_EQ_INT(st.lost, 3);
    CHECK_EQ_INT(yf_router_remove_publisher_track(r, ta), YF_OK);
    yf_router_get_stats(r, &st);
    CHECK_EQ_INT(st.lost, 3);

    yf_router_free(r);
    free(counts);
    return yf_test_done("test_router_growth");
}
