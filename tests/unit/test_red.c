/* test_red.c -- RFC 2198 redundant audio (media/core/red.h) as byte vectors:
 * block headers parsed, the primary and redundant blocks written back as
 * plain RTP, malformed payloads refused; and the router's use of it
 * (router_red.c): a subscriber that takes RED gets the packets as they are,
 * one that does not gets the primary as plain Opus under its own payload
 * type with its seq continuing; a malformed RED packet is dropped and
 * counted. */
#include <stdlib.h>
#include "media/core/red.h"
#include "media/core/router.h"
#include "media/core/rtp.h"
#include "yf_test.h"

static size_t hex(const char *s, uint8_t *out) { return yf_test_hex(s, out, 2048); }

typedef struct {
    const char *name;
    const char *payload;
    int rc;
    size_t n;          /* blocks */
    size_t primary_len;
    uint8_t primary_pt;
} parse_row;

static void test_parse(void)
{
    static const parse_row t[] = {
        { "primary only", "6f 11 22", YF_OK, 1, 2, 111 },
        { "empty primary", "6f", YF_OK, 1, 0, 111 },
        { "one redundant", "ef 0f 00 03 6f aa bb cc 11 22", YF_OK, 2, 2, 111 },
        { "two redundant", "ef 1e 00 01 ef 0f 00 01 6f aa bb 11", YF_OK, 3, 1, 111 },
        { "seven redundant (8 blocks)",
          "ef 0f 00 00 ef 0f 00 00 ef 0f 00 00 ef 0f 00 00 ef 0f 00 00 ef 0f 00 00 ef 0f 00 00 6f 55",
          YF_OK, 8, 1, 111 },
        { "empty", "", YF_ESHORT, 0, 0, 0 },
        { "no primary header", "ef 0f 00 03", YF_ESHORT, 0, 0, 0 },
        { "header cut short", "ef 0f 00", YF_ESHORT, 0, 0, 0 },
        { "block past the end", "ef 0f 00 05 6f aa bb", YF_EMALFORMED, 0, 0, 0 },
        { "longest block past the end", "ef 0f 03 ff 6f aa", YF_EMALFORMED, 0, 0, 0 },
        { "nine blocks",
          "ef 0f 00 00 ef 0f 00 00 ef 0f 00 00 ef 0f 00 00 ef 0f 00 00 ef 0f 00 00 ef 0f 00 00 ef 0f 00 00 6f 55",
          YF_EMALFORMED, 0, 0, 0 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t p[256];
        yf_red red;
        size_t n = hex(t[i].payload, p);
        int rc = yf_red_parse(p, n, &red);
        if (rc != t[i].rc)
            fprintf(stderr, "parse %s: %d, want %d\n", t[i].name, rc, t[i].rc);
        CHECK_EQ_INT(rc, t[i].rc);
        CHECK_EQ_INT(red.n, t[i].n);
        if (rc != YF_OK)
            continue;
        CHECK_EQ_INT(red.block[red.n - 1].len, t[i].primary_len);
        CHECK_EQ_INT(red.block[red.n - 1].pt, t[i].primary_pt);
        CHECK(red.block[red.n - 1].data + red.block[red.n - 1].len == p + n);
    }
    /* the fields of one redundant block: offset 960 (20 ms at 48 kHz), 3 bytes */
    uint8_t p[64];
    yf_red red;
    size_t n = hex("ef 0f 00 03 6f aa bb cc 11 22", p);
    CHECK_EQ_INT(yf_red_parse(p, n, &red), YF_OK);
    CHECK_EQ_INT(red.block[0].pt, 111);
    CHECK_EQ_INT(red.block[0].ts_offset, 960);
    CHECK_EQ_INT(red.block[0].len, 3);
    CHECK(red.block[0].data == p + 5 && red.block[1].data == p + 8);
    /* the largest block length and offset the 10 and 14 bits hold */
    static uint8_t big[4 + 1 + 1023 + 2];
    big[0] = 0xef, big[1] = 0xff, big[2] = 0xff, big[3] = 0xff, big[4] = 0x6f;
    CHECK_EQ_INT(yf_red_parse(big, sizeof big, &red), YF_OK);
    CHECK_EQ_INT(red.block[0].ts_offset, 16383);
    CHECK_EQ_INT(red.block[0].len, 1023);
    CHECK_EQ_INT(red.block[1].len, 2);
}

static void test_unwrap(void)
{
    uint8_t in[256], want[256], out[256];
    /* seq 0x1234, ts 4096, pt 63 (RED), one redundant block */
    size_t n = hex("80 3f 12 34 00 00 10 00 de ad be ef  ef 0f 00 03 6f aa bb cc 11 22", in);
    size_t w = hex("80 6f 12 34 00 00 10 00 de ad be ef  11 22", want);
    long got = yf_red_unwrap(in, n, 111, 111, out, sizeof out);
    CHECK_EQ_INT(got, (long)w);
    CHECK_MEM(out, want, w);
    /* the redundant block: the packet before (seq - 1, ts - 960) */
    w = hex("80 6f 12 33 00 00 0c 40 de ad be ef  aa bb cc", want);
    got = yf_red_block_packet(in, n, 0, 111, 111, 0x1233, out, sizeof out);
    CHECK_EQ_INT(got, (long)w);
    CHECK_MEM(out, want, w);
    CHECK_EQ_INT(yf_red_block_packet(in, n, 1, 111, 111, 0, out, sizeof out), YF_EMALFORMED); /* the primary */
    /* marker, extension block and padding: header kept, padding dropped,
     * another out pt; the block packet has no marker */
    n = hex("b0 bf 00 07 00 00 00 64 01 02 03 04  be de 00 01 10 ff 00 00"
            "  ef 0f 00 01 6f 99 42  00 00 03", in);
    w = hex("90 e0 00 07 00 00 00 64 01 02 03 04  be de 00 01 10 ff 00 00  42", want);
    got = yf_red_unwrap(in, n, 111, 96, out, sizeof out);
    CHECK_EQ_INT(got, (long)w);
    CHECK_MEM(out, want, w);
    got = yf_red_block_packet(in, n, 0, 111, 96, 6, out, sizeof out);
    CHECK_EQ_INT(got, 21);
    CHECK_EQ_INT(out[1], 96);
    CHECK_EQ_INT(out[20], 0x99);
    /* in place */
    memcpy(out, in, n);
    CHECK_EQ_INT(yf_red_unwrap(out, n, 111, 96, out, n), (long)w);
    CHECK_MEM(out, want, w);
    /* refused: a primary of another pt, a bad payload, no room, not RTP */
    n = hex("80 3f 12 34 00 00 10 00 de ad be ef  ef 0f 00 03 0d aa bb cc 11 22", in);
    CHECK_EQ_INT(yf_red_unwrap(in, n, 111, 111, out, sizeof out), YF_EMALFORMED);
    n = hex("80 3f 12 34 00 00 10 00 de ad be ef  ef 0f 00 09 6f aa", in);
    CHECK_EQ_INT(yf_red_unwrap(in, n, 111, 111, out, sizeof out), YF_EMALFORMED);
    CHECK_EQ_INT(yf_red_block_packet(in, n, 0, 111, 111, 0, out, sizeof out), YF_EMALFORMED);
    n = hex("80 3f 12 34 00 00 10 00 de ad be ef  6f 11 22", in);
    CHECK_EQ_INT(yf_red_unwrap(in, n, 111, 111, out, 13), YF_ENOMEM);
    CHECK_EQ_INT(yf_red_unwrap(in, 8, 111, 111, out, sizeof out), YF_ESHORT);
    /* an empty RED packet (Chromium's at a pause) is an empty packet of out_pt */
    n = hex("a0 3f 12 34 00 00 10 00 de ad be ef  00 00 03", in); /* padding only */
    w = hex("80 6f 12 34 00 00 10 00 de ad be ef", want);
    CHECK_EQ_INT(yf_red_unwrap(in, n, 111, 111, out, sizeof out), (long)w);
    CHECK_MEM(out, want, w);
    CHECK_EQ_INT(yf_red_block_packet(in, n, 0, 111, 111, 0, out, sizeof out), YF_ESHORT);
}

/* ---- the router ---- */

enum { PUB = 1, PLAIN = 2, TAKES_RED = 3 };

static size_t red_packet(uint8_t *p, uint8_t pt, uint16_t seq, uint32_t ts, uint8_t frame)
{
    const uint8_t h[12] = { 0x80, pt, (uint8_t)(seq >> 8), (uint8_t)seq, (uint8_t)(ts >> 24),
                            (uint8_t)(ts >> 16), (uint8_t)(ts >> 8), (uint8_t)ts, 0x11, 0x22, 0x33, 0x44 };
    memcpy(p, h, 12);
    if (pt == 111) { /* plain Opus */
        p[12] = frame, p[13] = frame;
        return 14;
    }
    /* the frame before (2 bytes), then this one (3 bytes) */
    const uint8_t red[] = { 0xef, 0x0f, 0x00, 0x02, 0x6f, (uint8_t)(frame - 1), (uint8_t)(frame - 1),
                            frame, frame, frame };
    memcpy(p + 12, red, sizeof red);
    return 12 + sizeof red;
}

typedef struct {
    int n;
    uint8_t pt[16];
    uint16_t seq[16];
    size_t len[16];
    uint8_t first[16];
} got_out;

static void drain(yf_router *r, int64_t now, got_out *plain, got_out *red)
{
    yf_router_output o;
    for (;;) {
        yf_router_poll_output(r, now, &o);
        if (o.kind == YF_ROUTER_OUT_TIMEOUT)
            return;
        if (o.kind != YF_ROUTER_OUT_RTP)
            continue;
        got_out *g = o.participant == PLAIN ? plain : o.participant == TAKES_RED ? red : NULL;
        yf_rtp_header h;
        if (!g || g->n == 16 || yf_rtp_parse(o.data, o.len, &h) != YF_OK)
            continue;
        g->pt[g->n] = h.payload_type;
        g->seq[g->n] = h.seq;
        g->len[g->n] = h.payload_len;
        g->first[g->n] = h.payload_len ? h.payload[0] : 0;
        g->n++;
    }
}

static void test_router(void)
{
    yf_router_config cfg = { .seed = 5 };
    yf_router *r = yf_router_new(&cfg);
    uint32_t track;
    yf_router_track_config a = { .kind = YF_TRACK_AUDIO, .codec = YF_CODEC_OPUS, .ssrc = 0x11223344u,
                                 .pt = 111, .clock_rate = 48000, .red_pt = 63 };
    CHECK(yf_router_add_participant(r, PUB) == YF_OK);
    CHECK(yf_router_add_participant(r, PLAIN) == YF_OK);
    CHECK(yf_router_add_participant(r, TAKES_RED) == YF_OK);
    CHECK(yf_router_add_publisher_track(r, PUB, &a, &track) == YF_OK);
    CHECK(yf_router_subscribe(r, 1000, PLAIN, track, 0xAAAA0001u, 111) == YF_OK);
    CHECK(yf_router_subscribe(r, 1000, TAKES_RED, track, 0xBBBB0001u, 111) == YF_OK);
    CHECK_EQ_INT(yf_router_set_subscription_red(r, TAKES_RED, track, 63), YF_OK);
    CHECK_EQ_INT(yf_router_set_subscription_red(r, PUB, track, 63), YF_ESTATE);
    CHECK_EQ_INT(yf_router_set_subscription_red(r, TAKES_RED, track, 200), YF_EMALFORMED);
    got_out plain = { 0 }, red = { 0 };
    uint8_t p[64];
    int64_t now = 1000000;
    /* 100, 101 RED; 102 malformed (a block past the end); 103 RED; 104 plain
     * Opus; 105 RED with no payload (Chromium sends such at pauses) */
    for (uint16_t seq = 100; seq <= 105; seq++, now += 20000) {
        size_t n = red_packet(p, seq == 104 ? 111 : 63, seq, 960u * seq, (uint8_t)(seq - 90));
        if (seq == 102)
            p[15] = 0x09;
        if (seq == 105)
            n = 12;
        int rc = yf_router_handle_rtp(r, now, PUB, p, n);
        CHECK_EQ_INT(rc, seq == 102 ? YF_EMALFORMED : YF_OK);
        drain(r, now, &plain, &red);
    }
    CHECK_EQ_INT(plain.n, 5);
    CHECK_EQ_INT(red.n, 5);
    static const uint8_t frames[5] = { 10, 11, 13, 14, 0 };
    static const size_t plain_len[5] = { 3, 3, 3, 2, 0 }, red_len[5] = { 10, 10, 10, 2, 0 };
    for (int i = 0; i < 5 && plain.n == 5 && red.n == 5; i++) {
        CHECK_EQ_INT(plain.pt[i], 111);
        CHECK_EQ_INT(plain.len[i], plain_len[i]);          /* the primary alone */
        CHECK_EQ_INT(plain.first[i], frames[i]);
        CHECK_EQ_INT(red.pt[i], i == 3 ? 111 : 63);       /* RED as it came */
        CHECK_EQ_INT(red.len[i], red_len[i]);
        CHECK_EQ_INT(red.first[i], i == 3 || i == 4 ? frames[i] : 0xef);
        /* one out per packet in: the gap is the dropped packet's only */
        uint16_t step = i == 2 ? 2 : 1;
        if (i > 0) {
            CHECK_EQ_INT((uint16_t)(plain.seq[i] - plain.seq[i - 1]), step);
            CHECK_EQ_INT((uint16_t)(red.seq[i] - red.seq[i - 1]), step);
        }
    }
    yf_router_stats st;
    yf_router_get_stats(r, &st);
    CHECK_EQ_INT(st.red_in, 5);
    CHECK_EQ_INT(st.red_malformed, 1);
    CHECK_EQ_INT(st.red_unwrapped, 4);
    /* each subscriber's octet count (its sender reports) is what it was sent */
    yf_router_sub_stats ss;
    CHECK_EQ_INT(yf_router_get_sub_stats(r, PLAIN, track, &ss), YF_OK);
    CHECK_EQ_INT(ss.octets, (uint64_t)plain.len[0] + plain.len[1] + plain.len[2] + plain.len[3]);
    CHECK_EQ_INT(yf_router_get_sub_stats(r, TAKES_RED, track, &ss), YF_OK);
    CHECK_EQ_INT(ss.octets, (uint64_t)red.len[0] + red.len[1] + red.len[2] + red.len[3]);
    /* without its SSRC known, a RED packet finds its track by payload type */
    yf_router_track_config b = a;
    uint32_t track2;
    b.ssrc = 0;
    CHECK(yf_router_remove_publisher_track(r, track) == YF_OK);
    CHECK(yf_router_add_publisher_track(r, PUB, &b, &track2) == YF_OK);
    size_t n = red_packet(p, 63, 200, 0, 50);
    CHECK_EQ_INT(yf_router_handle_rtp(r, now, PUB, p, n), YF_OK);
    drain(r, now, &plain, &red);
    yf_router_free(r);
}

int main(void)
{
    test_parse();
    test_unwrap();
    test_router();
    return yf_test_done("test_red");
}
