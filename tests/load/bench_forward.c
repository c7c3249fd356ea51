/* bench_forward.c -- time per forwarded packet through the room router
 * (media/core/router.h: store once, rewrite per subscriber into scratch)
 * plus SRTP protection (RFC 7714 AEAD_AES_128_GCM, one yf_srtp per
 * subscriber), for 1 publisher -> N subscribers, beside the bare cost of
 * one libsrtp protect of the same 1200-byte packet. Prints numbers; asserts
 * only that every packet came out. Usage: bench_forward [--quick] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "media/core/router.h"
#include "media/core/rtp.h"
#include "media/core/srtp.h"

#define PKT_LEN 1200
#define VIDEO_PT 96

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static yf_srtp *new_srtp(uint8_t salt_byte)
{
    uint8_t key[16], salt[12];
    yf_srtp *s = NULL;
    memset(key, 0x42, sizeof key);
    memset(salt, salt_byte, sizeof salt);
    if (yf_srtp_new(&s, YF_SRTP_AEAD_AES_128_GCM, key, salt, key, salt) != YF_OK) {
        fprintf(stderr, "bench_forward: yf_srtp_new failed\n");
        exit(1);
    }
    return s;
}

/* A 1200-byte VP8 packet with the transport-cc extension; keyframe start. */
static size_t make_packet(uint8_t *pkt)
{
    yf_rtp_header h;
    uint8_t ext[8], tw[2] = { 0, 0 }, payload[PKT_LEN];
    yf_rtp_ext el = { 3, tw, 2 };
    memset(&h, 0, sizeof h);
    int el_len = yf_rtp_ext_build(YF_RTP_EXT_ONE_BYTE, &el, 1, &h.ext_profile, ext, sizeof ext);
    h.version = 2;
    h.extension = true;
    h.ext_data = ext;
    h.ext_len = (size_t)el_len;
    h.payload_type = VIDEO_PT;
    h.ssrc = 0x11223344;
    size_t plen = PKT_LEN - YF_RTP_FIXED_LEN - 4 - (size_t)el_len;
    memset(payload, 0xa5, plen);
    payload[0] = 0x10;  /* RFC 7741: S=1, PID 0 */
    payload[1] = 0x50;  /* P=0: key frame */
    return (size_t)yf_rtp_write(&h, payload, plen, pkt, PKT_LEN);
}

static double bench_floor(long count, const uint8_t *pkt, size_t len)
{
    _Alignas(16) uint8_t src[PKT_LEN], dst[PKT_LEN + YF_SRTP_MAX_OVERHEAD];
    size_t out_len;
    yf_srtp *s = new_srtp(1);
    memcpy(src, pkt, len);
    int64_t t0 = mono_ns();
    for (long i = 0; i < count; i++) {
        yf_wr16(src + 2, (uint16_t)i);
        yf_srtp_protect_rtp(s, src, len, dst, sizeof dst, &out_len);
    }
    int64_t dt = mono_ns() - t0;
    yf_srtp_free(s);
    return (double)dt / (double)count;
}

/* Returns ns per forwarded packet (router + protect), or -1 on a miss.
 * With twcc, every subscriber negotiated transport-cc: the router writes
 * its own transport-wide sequence into each packet (8 bytes more at most). */
static double bench_router(int nsubs, long packets, const uint8_t *tmpl, size_t len, bool twcc)
{
    _Alignas(16) uint8_t pkt[PKT_LEN], dst[PKT_LEN + 16 + YF_SRTP_MAX_OVERHEAD];
    yf_router_config cfg = { .max_participants = (unsigned)nsubs + 1, .max_tracks = 2, .seed = 9 };
    yf_router *r = yf_router_new(&cfg);
    yf_srtp **srtp = calloc((size_t)nsubs, sizeof *srtp);
    yf_router_track_config v = { .kind = YF_TRACK_VIDEO, .codec = YF_CODEC_VP8,
        .ssrc = 0x11223344, .pt = VIDEO_PT, .clock_rate = 90000, .twcc_ext_id = 3, .nack = true };
    uint32_t track;
    yf_router_output o;
    long out = 0;
    size_t out_len;
    int64_t now = 1000000;
    yf_router_add_participant(r, 1);
    yf_router_add_publisher_track(r, 1, &v, &track);
    for (int i = 0; i < nsubs; i++) {
        yf_router_add_participant(r, 100 + (uint32_t)i);
        yf_router_subscribe(r, now, 100 + (uint32_t)i, track, 0xA0000000u + (uint32_t)i, VIDEO_PT);
        if (twcc)
            yf_router_set_subscriber_twcc(r, now, 100 + (uint32_t)i, 5);
        srtp[i] = new_srtp((uint8_t)(i + 2));
    }
    do
        yf_router_poll_output(r, now, &o);
    while (o.kind != YF_ROUTER_OUT_TIMEOUT);
    memcpy(pkt, tmpl, len);
    int64_t t0 = mono_ns();
    for (long i = 0; i < packets; i++, now += 1000) {
        yf_wr16(pkt + 2, (uint16_t)i);
        yf_wr32(pkt + 4, (uint32_t)(i * 30));
        yf_router_handle_rtp(r, now, 1, pkt, len);
        for (;;) {
            yf_router_poll_output(r, now, &o);
            if (o.kind == YF_ROUTER_OUT_TIMEOUT)
                break;
            if (o.kind != YF_ROUTER_OUT_RTP)
                continue;
            yf_srtp_protect_rtp(srtp[o.participant - 100], o.data, o.len, dst, sizeof dst, &out_len);
            out++;
        }
    }
    int64_t dt = mono_ns() - t0;
    for (int i = 0; i < nsubs; i++)
        yf_srtp_free(srtp[i]);
    free(srtp);
    yf_router_free(r);
    if (out != packets * nsubs) {
        fprintf(stderr, "bench_forward: %ld of %ld packets came out\n", out, packets * nsubs);
        return -1;
    }
    return (double)dt / (double)out;
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    long forwards = quick ? 2000 : 400000; /* forwarded packets per case */
    uint8_t pkt[PKT_LEN];
    size_t len = make_packet(pkt);
    static const int ns[] = { 1, 10, 100 };
    int rc = 0;

    int reps = quick ? 1 : 3; /* best of reps: a shared machine is noisy */
    yf_srtp_global_init();
    bench_floor(forwards / 10 + 1, pkt, len); /* warm up */
    printf("bench_forward: %zu-byte RTP, AEAD_AES_128_GCM, %ld forwards per case, best of %d%s\n",
           len, forwards, reps, quick ? " (--quick)" : "");
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        double floor_ns = 1e18, per = 1e18, per_tw = 1e18;
        for (int k = 0; k < reps; k++) {
            double f = bench_floor(forwards, pkt, len);
            double p = bench_router(ns[i], forwards / ns[i], pkt, len, false);
            double q = bench_router(ns[i], forwards / ns[i], pkt, len, true);
            if (p < 0 || q < 0)
                rc = 1;
            floor_ns = f < floor_ns ? f : floor_ns;
            per = p >= 0 && p < per ? p : per;
            per_tw = q >= 0 && q < per_tw ? q : per_tw;
        }
        printf("  1 -> %3d subscribers: per forwarded packet %6.0f ns; one bare protect %6.0f ns; "
               "router share %5.0f ns; ratio %.2fx\n", ns[i], per, floor_ns, per - floor_ns,
               per / floor_ns);
        printf("  1 -> %3d subscribers, transport-cc stamped: per forwarded packet %6.0f ns; "
               "router share %5.0f ns; ratio %.2fx\n", ns[i], per_tw, per_tw - floor_ns, per_tw / floor_ns);
    }
    return rc;
}
