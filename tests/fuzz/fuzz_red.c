/* fuzz_red.c -- libFuzzer target for RFC 2198 redundant audio (red.h) and
 * the router's RED path (router_red.c). The input is an RTP packet: its
 * payload parsed as RED must give blocks inside the payload, in order, that
 * cover it exactly; the unwrapped packet and each redundant block's packet
 * must parse, with the block as payload. The same bytes (as payload type
 * 63) go into a router whose audio track takes RED, with one subscriber
 * that takes RED and one that does not: every output parses, the plain
 * subscriber's is never RED, and a packet that is not dropped comes out
 * once to each. Inputs past one MTU are ignored (the router refuses them). */
#include <stdlib.h>
#include <string.h>
#include "media/core/red.h"
#include "media/core/router.h"
#include "media/core/rtp.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)
#define MAX_INPUT 1600

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_blocks(const uint8_t *p, size_t len)
{
    yf_red red;
    int rc = yf_red_parse(p, len, &red);
    if (rc != YF_OK) {
        FUZZ_CHECK(red.n == 0);
        return;
    }
    FUZZ_CHECK(red.n >= 1 && red.n <= YF_RED_MAX_BLOCKS);
    size_t headers = 4 * (red.n - 1) + 1, sum = 0;
    const uint8_t *at = p + headers;
    for (size_t i = 0; i < red.n; i++) {
        FUZZ_CHECK(red.block[i].data == at && red.block[i].len <= 1023 + len);
        at += red.block[i].len;
        sum += red.block[i].len;
        FUZZ_CHECK(i + 1 == red.n ? red.block[i].ts_offset == 0 : red.block[i].len <= 1023);
    }
    FUZZ_CHECK(headers + sum == len);
}

static void check_unwrap(const uint8_t *data, size_t size)
{
    static uint8_t out[MAX_INPUT];
    yf_rtp_header h, o;
    yf_red red;
    if (yf_rtp_parse(data, size, &h) != YF_OK || yf_red_parse(h.payload, h.payload_len, &red) != YF_OK)
        return;
    uint8_t want = red.block[red.n - 1].pt;
    long n = yf_red_unwrap(data, size, want, 96, out, sizeof out);
    FUZZ_CHECK(n > 0 && yf_rtp_parse(out, (size_t)n, &o) == YF_OK);
    FUZZ_CHECK(o.payload_type == 96 && o.seq == h.seq && o.timestamp == h.timestamp && !o.padding);
    FUZZ_CHECK(o.payload_len == red.block[red.n - 1].len &&
               memcmp(o.payload, red.block[red.n - 1].data, o.payload_len) == 0);
    for (size_t k = 0; k + 1 < red.n; k++) {
        n = yf_red_block_packet(data, size, k, red.block[k].pt, 97, (uint16_t)(h.seq - 1), out, sizeof out);
        FUZZ_CHECK(n > 0 && yf_rtp_parse(out, (size_t)n, &o) == YF_OK);
        FUZZ_CHECK(o.payload_type == 97 && !o.marker && o.seq == (uint16_t)(h.seq - 1));
        FUZZ_CHECK(o.timestamp == h.timestamp - red.block[k].ts_offset);
        FUZZ_CHECK(o.payload_len == red.block[k].len);
    }
}

static void check_router(const uint8_t *data, size_t size)
{
    static uint8_t pkt[MAX_INPUT];
    yf_router_config cfg = { .seed = 1, .max_participants = 3, .max_tracks = 1, .rtx_cache_packets = 16 };
    yf_router *r = yf_router_new(&cfg);
    yf_router_track_config a = { .kind = YF_TRACK_AUDIO, .codec = YF_CODEC_OPUS, .pt = 111,
                                 .clock_rate = 48000, .red_pt = 63 };
    uint32_t track;
    FUZZ_CHECK(r && yf_router_add_participant(r, 1) == YF_OK && yf_router_add_participant(r, 2) == YF_OK &&
               yf_router_add_participant(r, 3) == YF_OK);
    FUZZ_CHECK(yf_router_add_publisher_track(r, 1, &a, &track) == YF_OK);
    FUZZ_CHECK(yf_router_subscribe(r, 1, 2, track, 0x20, 111) == YF_OK);
    FUZZ_CHECK(yf_router_subscribe(r, 1, 3, track, 0x30, 111) == YF_OK);
    FUZZ_CHECK(yf_router_set_subscription_red(r, 3, track, 63) == YF_OK);
    memcpy(pkt, data, size);
    if (size >= 2)
        pkt[1] = (uint8_t)((pkt[1] & 0x80) | 63);
    int rc = yf_router_handle_rtp(r, 1000, 1, pkt, size);
    int outs[4] = { 0 };
    yf_router_output o;
    for (;;) {
        yf_router_poll_output(r, 1000, &o);
        if (o.kind == YF_ROUTER_OUT_TIMEOUT)
            break;
        if (o.kind != YF_ROUTER_OUT_RTP)
            continue;
        yf_rtp_header h;
        FUZZ_CHECK(o.participant == 2 || o.participant == 3);
        FUZZ_CHECK(yf_rtp_parse(o.data, o.len, &h) == YF_OK);
        FUZZ_CHECK(h.payload_type == (o.participant == 2 ? 111 : 63));
        outs[o.participant]++;
    }
    FUZZ_CHECK(rc == YF_OK ? outs[2] == 1 && outs[3] == 1 : outs[2] == 0 && outs[3] == 0);
    yf_router_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT)
        return 0;
    check_blocks(data, size);
    check_unwrap(data, size);
    check_router(data, size);
    return 0;
}
