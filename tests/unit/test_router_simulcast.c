/* test_router_simulcast.c -- simulcast in the router (router_layers.c): a
 * publisher's three layers learnt by rid, one layer at a time to a
 * subscriber under its one out SSRC, a switch only at a keyframe of the new
 * layer (asked for with a PLI to that layer), the rewritten sequence
 * numbers continuous and timestamps never going back across switches,
 * NACKs answered from the layer the packet came from, the publisher's
 * reconnect relearnt by rid, and bad configurations refused. The downlink
 * estimate's part is sim_simulcast's; here the layers come and go. */
#include "media/core/router.h"
#include "media/core/rtcp.h"
#include "media/core/rtp.h"
#include "yf_test.h"

#define PUB 1
#define SUB 2
#define MID_EXT 4
#define RID_EXT 10
#define OUT_SSRC 0x200

static yf_router *r;
static const char *const rids[3] = { "q", "h", "f" };
static uint32_t ssrc_base = 0x1000;
static uint16_t seq[3] = { 100, 20000, 65500 };
static uint32_t sent[3];               /* packets of each layer so far */
static bool key_asked[3];              /* a PLI named the layer: next packet is a keyframe */
static bool layer_on[3] = { true, true, true };
static int plis[3];

/* what the subscriber got */
static int out_n, out_layer = -1, switches, bad_switches, seq_breaks, ts_back, rtx_n, rtx_layer = -1;
static uint16_t out_last_seq;
static uint32_t out_last_ts;
static int rtx_byte = -1;

/* Layer l's packet: VP8 (S bit; P bit clear on a keyframe), the layer in
 * payload[2] and the layer's packet count in payload[3]; mid and rid on
 * its first 5 packets of a source only (as Chromium does). */
static size_t packet(uint8_t *pkt, int l, bool key)
{
    yf_rtp_header h;
    uint8_t payload[400], ext[32];
    yf_rtp_ext els[2] = { { MID_EXT, (const uint8_t *)"1", 1 },
                          { RID_EXT, (const uint8_t *)rids[l], 1 } };
    memset(&h, 0, sizeof h);
    h.version = 2;
    h.payload_type = 96;
    h.ssrc = ssrc_base + (uint32_t)l;
    h.seq = seq[l]++;
    h.timestamp = 3000u * sent[l] + 0x10000000u * (uint32_t)l;
    if (sent[l] % 1000 < 5) {
        h.extension = true;
        h.ext_data = ext;
        h.ext_len = (size_t)yf_rtp_ext_build(YF_RTP_EXT_ONE_BYTE, els, 2, &h.ext_profile, ext, sizeof ext);
    }
    memset(payload, 0x5a, sizeof payload);
    payload[0] = 0x10;
    payload[1] = key ? 0x50 : 0x51;
    payload[2] = (uint8_t)l;
    payload[3] = (uint8_t)sent[l];
    sent[l]++;
    return (size_t)yf_rtp_write(&h, payload, 100u + 150u * (unsigned)l, pkt, 1500);
}

static void on_sub_rtp(const yf_router_output *o)
{
    yf_rtp_header h;
    if (yf_rtp_parse(o->data, o->len, &h) != YF_OK || h.payload_len < 4) {
        seq_breaks++;
        return;
    }
    CHECK_EQ_INT(h.ssrc, OUT_SSRC);
    int l = h.payload[2];
    if (o->retransmission) {
        rtx_n++;
        rtx_layer = l;
        rtx_byte = h.payload[3];
        return;
    }
    if (out_n > 0) {
        if (h.seq != (uint16_t)(out_last_seq + 1))
            seq_breaks++;
        if ((int32_t)(h.timestamp - out_last_ts) < 0)
            ts_back++;
    }
    if (out_layer >= 0 && l != out_layer) {
        switches++;
        if (h.payload[1] != 0x50)
            bad_switches++;
    }
    out_layer = l;
    out_last_seq = h.seq;
    out_last_ts = h.timestamp;
    out_n++;
}

static void on_pub_rtcp(const yf_router_output *o)
{
    yf_rtcp_iter it;
    yf_rtcp_packet pk;
    yf_rtcp_fb fb;
    yf_rtcp_iter_init(&it, o->data, o->len);
    while (yf_rtcp_iter_next(&it, &pk) == 1) {
        if (yf_rtcp_pli_parse(&pk, &fb) != YF_OK)
            continue;
        uint32_t l = fb.media_ssrc - ssrc_base;
        if (l < 3) {
            key_asked[l] = true;
            plis[l]++;
        }
    }
}

static void drain(int64_t now)
{
    yf_router_output o;
    for (;;) {
        yf_router_poll_output(r, now, &o);
        if (o.kind == YF_ROUTER_OUT_TIMEOUT)
            return;
        if (o.kind == YF_ROUTER_OUT_RTP && o.participant == SUB)
            on_sub_rtp(&o);
        if (o.kind == YF_ROUTER_OUT_RTCP && o.participant == PUB && o.conn == YF_CONN_PUBLISHER)
            on_pub_rtcp(&o);
    }
}

/* ms of media: each live layer a packet every 10 ms, a keyframe every 3 s
 * of its own (out of phase) or when asked. */
static int period_ms = 10; /* a packet of each live layer every period_ms */

static int64_t run(int64_t now, int ms)
{
    uint8_t pkt[1500];
    for (int t = 0; t < ms; t += 10) {
        now += 10000;
        for (int l = 0; l < 3; l++) {
            if (!layer_on[l] || t % period_ms != 0)
                continue;
            bool key = key_asked[l] || sent[l] % 300 == (uint32_t)(100 * l);
            key_asked[l] = false;
            CHECK_EQ_INT(yf_router_handle_rtp(r, now, PUB, pkt, packet(pkt, l, key)), YF_OK);
        }
        yf_router_handle_timeout(r, now);
        drain(now);
    }
    return now;
}

static void sub_stats(yf_router_sub_stats *s, uint32_t track)
{
    CHECK_EQ_INT(yf_router_get_sub_stats(r, SUB, track, s), YF_OK);
}

static void test_refused_configs(void)
{
    yf_router_config cfg = { .seed = 3 };
    yf_router *x = yf_router_new(&cfg);
    yf_router_track_config v = { .kind = YF_TRACK_VIDEO, .codec = YF_CODEC_VP8, .pt = 96,
                                 .clock_rate = 90000, .rid_ext_id = RID_EXT, .n_layers = 2,
                                 .rids = { "a", "b" } };
    uint32_t id;
    CHECK_EQ_INT(yf_router_add_participant(x, PUB), YF_OK);
    yf_router_track_config c = v;
    c.n_layers = 4;
    CHECK_EQ_INT(yf_router_add_publisher_track(x, PUB, &c, &id), YF_EMALFORMED);
    c = v, c.kind = YF_TRACK_AUDIO;
    CHECK_EQ_INT(yf_router_add_publisher_track(x, PUB, &c, &id), YF_EMALFORMED);
    c = v, c.rid_ext_id = 0;
    CHECK_EQ_INT(yf_router_add_publisher_track(x, PUB, &c, &id), YF_EMALFORMED);
    c = v, c.ssrc = 77;
    CHECK_EQ_INT(yf_router_add_publisher_track(x, PUB, &c, &id), YF_EMALFORMED);
    c = v, c.rids[1][0] = '\0';
    CHECK_EQ_INT(yf_router_add_publisher_track(x, PUB, &c, &id), YF_EMALFORMED);
    c = v, memset(c.rids[0], 'z', sizeof c.rids[0]);
    CHECK_EQ_INT(yf_router_add_publisher_track(x, PUB, &c, &id), YF_EMALFORMED);
    /* a full table: the layers do not fit, nothing is left behind */
    yf_router_config small = { .seed = 3, .max_tracks = 3 };
    yf_router *y = yf_router_new(&small);
    CHECK_EQ_INT(yf_router_add_participant(y, PUB), YF_OK);
    c = v, c.n_layers = 3, strcpy(c.rids[2], "c");
    CHECK_EQ_INT(yf_router_add_publisher_track(y, PUB, &c, &id), YF_ENOMEM);
    CHECK_EQ_INT(yf_router_add_publisher_track(y, PUB, &v, &id), YF_OK);
    CHECK_EQ_INT(yf_router_remove_participant(y, PUB), YF_OK);
    yf_router_free(y);
    yf_router_free(x);
}

int main(void)
{
    yf_router_config cfg = { .seed = 7 };
    yf_router_track_config v = { .kind = YF_TRACK_VIDEO, .codec = YF_CODEC_VP8, .pt = 96,
                                 .clock_rate = 90000, .mid_ext_id = MID_EXT, .mid = "1",
                                 .nack = true, .rid_ext_id = RID_EXT, .n_layers = 3,
                                 .rids = { "q", "h", "f" } };
    uint32_t tv;
    int64_t now = 1000000;
    yf_router_sub_stats ss;
    yf_router_track_stats ts;
    yf_router_stats st;
    uint8_t pkt[1500];

    test_refused_configs();
    r = yf_router_new(&cfg);
    CHECK_EQ_INT(yf_router_add_participant(r, PUB), YF_OK);
    CHECK_EQ_INT(yf_router_add_participant(r, SUB), YF_OK);
    CHECK_EQ_INT(yf_router_add_publisher_track(r, PUB, &v, &tv), YF_OK);
    CHECK_EQ_INT(yf_router_subscribe(r, now, SUB, tv, OUT_SSRC, 96), YF_OK);

    /* all three layers: the subscriber (no estimate yet) gets the highest */
    now = run(now, 3000);
    sub_stats(&ss, tv);
    CHECK_EQ_INT(ss.layer, 2);
    CHECK_EQ_INT(out_layer, 2);
    /* the first layer heard gave the first picture; at most one move up */
    uint64_t base = ss.layer_switches;
    CHECK(base <= 1);
    CHECK(out_n > 250);
    CHECK_EQ_INT(yf_router_get_track_stats(r, tv, &ts), YF_OK);
    CHECK_EQ_INT(ts.packets, 900);
    CHECK(ts.keyframes >= 3);
    CHECK_EQ_INT(ts.ssrc, 0x1002); /* the recording follows the highest layer */

    yf_router_get_stats(r, &st);
    uint64_t unknown = st.rtp_unknown;
    /* a packet from an unknown SSRC whose rid names no layer: dropped */
    {
        yf_rtp_header h;
        uint8_t ext[16], body[10] = { 0x10, 0x50 };
        yf_rtp_ext els[1] = { { RID_EXT, (const uint8_t *)"x", 1 } };
        size_t n;
        memset(&h, 0, sizeof h);
        h.version = 2, h.payload_type = 96, h.ssrc = 0x4444, h.seq = 1, h.extension = true;
        h.ext_data = ext;
        h.ext_len = (size_t)yf_rtp_ext_build(YF_RTP_EXT_ONE_BYTE, els, 1, &h.ext_profile, ext, sizeof ext);
        n = (size_t)yf_rtp_write(&h, body, sizeof body, pkt, sizeof pkt);
        CHECK_EQ_INT(yf_router_handle_rtp(r, now, PUB, pkt, n), YF_ESTATE);
        /* and without any rid, an unknown SSRC of the track's payload type */
        h.extension = false, h.ssrc = 0x5555;
        n = (size_t)yf_rtp_write(&h, body, sizeof body, pkt, sizeof pkt);
        CHECK_EQ_INT(yf_router_handle_rtp(r, now, PUB, pkt, n), YF_ESTATE);
    }
    yf_router_get_stats(r, &st);
    CHECK_EQ_INT(st.rtp_unknown, unknown + 2);

    /* the high layer stops (the publisher's encoder dropped it): within
     * its 2 s of silence the subscriber moves to the middle one, at a
     * keyframe it asks that layer for */
    int plis_mid = plis[1];
    layer_on[2] = false;
    now = run(now, 4000);
    CHECK_EQ_INT(out_layer, 1);
    CHECK(plis[1] > plis_mid);
    sub_stats(&ss, tv);
    CHECK_EQ_INT(ss.layer, 1);
    CHECK_EQ_INT(ss.layer_wanted, 1);
    CHECK_EQ_INT(ss.layer_switches, base + 1);
    CHECK_EQ_INT(yf_router_get_track_stats(r, tv, &ts), YF_OK);
    CHECK_EQ_INT(ts.ssrc, 0x1001); /* and the recording moved down with it */

    /* a NACK for a packet of the middle layer: resent from that layer's
     * cache, with the subscriber's seq */
    uint8_t nack[64];
    uint16_t lost = (uint16_t)(out_last_seq - 3);
    int nl = yf_rtcp_nack_write(0x77, OUT_SSRC, &lost, 1, nack, sizeof nack);
    CHECK(nl > 0);
    CHECK_EQ_INT(yf_router_handle_rtcp(r, now, SUB, YF_CONN_SUBSCRIBER, nack, (size_t)nl), YF_OK);
    drain(now);
    CHECK_EQ_INT(rtx_n, 1);
    CHECK_EQ_INT(rtx_layer, 1);
    CHECK_EQ_INT(rtx_byte, (uint8_t)(sent[1] - 4));

    /* the high layer is back: the subscriber returns to it at its keyframe */
    int plis_high = plis[2];
    layer_on[2] = true;
    now = run(now, 3000);
    CHECK_EQ_INT(out_layer, 2);
    CHECK(plis[2] > plis_high);
    sub_stats(&ss, tv);
    CHECK_EQ_INT(ss.layer_switches, base + 2);
    CHECK_EQ_INT(yf_router_get_track_stats(r, tv, &ts), YF_OK);
    CHECK_EQ_INT(ts.ssrc, 0x1002);

    /* the publisher reconnects: new SSRCs, learnt again from their rids */
    CHECK_EQ_INT(yf_router_replace_publisher_source(r, now, tv, 0), YF_OK);
    ssrc_base = 0x2000;
    for (int l = 0; l < 3; l++)
        sent[l] = 1000; /* rid and mid again on the first packets */
    int before = out_n;
    now = run(now, 2000);
    CHECK(out_n > before + 100);
    CHECK_EQ_INT(out_layer, 2);
    CHECK_EQ_INT(yf_router_get_track_stats(r, tv, &ts), YF_OK);
    CHECK_EQ_INT(ts.ssrc, 0x2002);

    /* across everything: one stream, continuous, every switch at a keyframe */
    CHECK_EQ_INT(seq_breaks, 0);
    CHECK_EQ_INT(ts_back, 0);
    CHECK_EQ_INT(bad_switches, 0);
    CHECK(switches >= 2);
    printf("simulcast: %d packets out, %d layer switches, PLIs per layer %d/%d/%d\n", out_n, switches,
           plis[0], plis[1], plis[2]);

    /* the camera muted: the browser sends each layer about a frame a second
     * (black frames); the recording stays on the top layer, not moving
     * down and up at every frame (a new capture file and a PLI each) */
    period_ms = 1000;
    for (int i = 0; i < 8; i++) {
        now = run(now, 1000);
        CHECK_EQ_INT(yf_router_get_track_stats(r, tv, &ts), YF_OK);
        CHECK_EQ_INT(ts.ssrc, 0x2002);
    }
    period_ms = 10;

    /* removing the publisher takes its layers with it */
    CHECK_EQ_INT(yf_router_remove_participant(r, PUB), YF_OK);
    CHECK_EQ_INT(yf_router_get_track_stats(r, tv, &ts), YF_ESTATE);
    /* ... every slot of them: the table (32) takes eight simulcast tracks of
     * three layers again (4 slots each, one publisher each), not a ninth */
    uint32_t again;
    for (uint32_t i = 0; i < 9; i++) {
        CHECK_EQ_INT(yf_router_add_participant(r, 100 + i), YF_OK);
        int rc = yf_router_add_publisher_track(r, 100 + i, &v, &again);
        CHECK(i < 8 ? rc == YF_OK : rc != YF_OK);
    }
    yf_router_free(r);
    return yf_test_done("test_router_simulcast");
}
