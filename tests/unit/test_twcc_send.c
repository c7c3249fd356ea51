/* test_twcc_send.c -- the sender side of transport-wide CC (twcc_send.h):
 * feedback built by our own receiver (twcc.h) for packets we stamped comes
 * back as the right send and arrival times and probe clusters; hand-made feedback bytes with
 * unknown, repeated, stale and too many statuses; the extension written
 * into forwarded packets (RFC 8285 one- and two-byte forms). */
#include "media/core/rtcp.h"
#include "media/core/rtp.h"
#include "media/core/twcc.h"
#include "media/core/twcc_send.h"
#include "yf_test.h"

static yf_twcc_send tx;
static yf_twcc_recv rx;
static yf_twcc_result res[YF_TWCC_SEND_MAX_STATUS];

static int feed(const uint8_t *buf, size_t len, size_t *n)
{
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    yf_rtcp_iter_init(&it, buf, len);
    if (yf_rtcp_iter_next(&it, &p) != 1)
        return -100;
    return yf_twcc_send_on_feedback(&tx, &p, res, YF_TWCC_SEND_MAX_STATUS, n);
}

/* 20 packets 5 ms apart, seq wrapping; every 4th lost; one-way 30 ms plus
 * 1 ms of queueing per packet. */
static void test_roundtrip(void)
{
    uint8_t buf[1500];
    size_t n;
    yf_twcc_send_init(&tx, 65530);
    yf_twcc_recv_init(&rx);
    for (int i = 0; i < 20; i++) {
        int64_t now = 1000000 + i * 5000;
        tx.cluster = (uint8_t)(i >= 5 && i < 10 ? 7 : 0); /* a probe's packets */
        uint16_t seq = yf_twcc_send_stamp(&tx, now, 1000 + (size_t)i);
        CHECK_EQ_INT(seq, (uint16_t)(65530 + i));
        if (i % 4 != 3)
            yf_twcc_recv_on_packet(&rx, now + 30000 + i * 1000, seq);
    }
    int len = yf_twcc_recv_build(&rx, 1, 2, buf, sizeof buf);
    CHECK(len > 0);
    CHECK_EQ_INT(feed(buf, (size_t)len, &n), YF_OK);
    CHECK_EQ_INT(n, 19); /* the last one lost is after the last received: not reported */
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ_INT(res[i].send_us, 1000000 + (int64_t)i * 5000);
        CHECK_EQ_INT(res[i].size, 1000 + i);
        CHECK_EQ_INT(res[i].cluster, i >= 5 && i < 10 ? 7 : 0);
        if (i % 4 == 3)
            CHECK_EQ_INT(res[i].arrival_us, YF_TWCC_LOST);
        else /* the receiver's clock to 250 µs ticks */
            CHECK_EQ_INT(res[i].arrival_us, 1000000 + (int64_t)i * 6000 + 30000);
    }
    /* the same feedback again: nothing is reported twice */
    CHECK_EQ_INT(feed(buf, (size_t)len, &n), YF_OK);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(tx.st.reported, 19);
    CHECK_EQ_INT(tx.st.unknown, 19);
}

/* Hand-made bytes: header 8f cd (RTPFB FMT 15), sender, media SSRC, base
 * seq, status count, reference time (3 octets), feedback count. */
static void test_bytes(void)
{
    uint8_t buf[64];
    size_t n, len;
    yf_twcc_send_init(&tx, 100);
    for (int i = 0; i < 4; i++)
        yf_twcc_send_stamp(&tx, 500000 + i * 1000, 1200);
    /* base 99 (never sent), 6 statuses: run of 6 "small delta" (chunk
     * 0x2006); deltas 4, 4, 4, 4, 4, 4; ref time 2 (128 ms) */
    len = yf_test_hex("8f cd 00 06  00 00 00 01  00 00 00 02  00 63 00 06"
                      "00 00 02 00  20 06 04 04  04 04 04 04", buf, sizeof buf);
    CHECK_EQ_INT(feed(buf, len, &n), YF_OK);
    CHECK_EQ_INT(n, 4); /* 99 and 104 were never sent */
    CHECK_EQ_INT(res[0].send_us, 500000);
    CHECK_EQ_INT(res[0].arrival_us, 128000 + 2000); /* 99's delta counts too */
    CHECK_EQ_INT(res[3].arrival_us, 128000 + 5000);
    CHECK_EQ_INT(tx.st.unknown, 2);

    /* 8191 statuses in one run-length chunk: refused by the size limit */
    yf_twcc_send_init(&tx, 0);
    yf_twcc_send_stamp(&tx, 0, 100);
    len = yf_test_hex("8f cd 00 05  00 00 00 01  00 00 00 02  00 00 1f ff"
                      "00 00 00 00  1f ff 00 00", buf, sizeof buf);
    CHECK_EQ_INT(feed(buf, len, &n), YF_ENOMEM);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(tx.st.malformed, 1);
    /* deltas missing past the end */
    len = yf_test_hex("8f cd 00 05  00 00 00 01  00 00 00 02  00 00 00 03"
                      "00 00 00 00  20 03 04 04", buf, sizeof buf);
    CHECK(feed(buf, len, &n) < 0);
    CHECK_EQ_INT(n, 0);
}

/* The 24-bit reference time wraps (§3.1): arrivals stay on one axis. */
static void test_ref_wrap(void)
{
    uint8_t buf[64];
    size_t n, len;
    yf_twcc_send_init(&tx, 7);
    yf_twcc_send_stamp(&tx, 0, 100);
    yf_twcc_send_stamp(&tx, 64000, 100);
    len = yf_test_hex("8f cd 00 05  00 00 00 01  00 00 00 02  00 07 00 01"
                      "ff ff ff 00  20 01 00 01", buf, sizeof buf);
    CHECK_EQ_INT(feed(buf, len, &n), YF_OK);
    CHECK_EQ_INT(n, 1);
    int64_t first = res[0].arrival_us;
    len = yf_test_hex("8f cd 00 05  00 00 00 01  00 00 00 02  00 08 00 01"
                      "00 00 00 01  20 01 00 01", buf, sizeof buf);
    CHECK_EQ_INT(feed(buf, len, &n), YF_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(res[0].arrival_us - first, 64000);
    /* a seq far ahead of anything sent is not ours */
    len = yf_test_hex("8f cd 00 05  00 00 00 01  00 00 00 02  80 00 00 01"
                      "00 00 02 02  20 01 00 01", buf, sizeof buf);
    CHECK_EQ_INT(feed(buf, len, &n), YF_OK);
    CHECK_EQ_INT(n, 0);
}

static void test_write_ext(void)
{
    uint8_t pkt[64], out[96], want[96];
    size_t len, wl;
    /* no extension: one-byte block with the seq (id 3, L=1), padded */
    len = yf_test_hex("80 60 00 01  00 00 00 02  00 00 00 03  aa bb cc dd", pkt, sizeof pkt);
    wl = yf_test_hex("90 60 00 01  00 00 00 02  00 00 00 03  be de 00 01  31 12 34 00"
                     "aa bb cc dd", want, sizeof want);
    CHECK_EQ_INT(yf_twcc_send_write_ext(out, sizeof out, pkt, len, 3, 0, 0x1234), (int)wl);
    CHECK_MEM(out, want, wl);
    /* audio level (id 1) kept, the publisher's seq (id 5) dropped, ours
     * (id 3) appended; padding octets after the payload kept */
    len = yf_test_hex("b0 6f 00 01  00 00 00 02  00 00 00 03  be de 00 02  10 85 51 00"
                      "07 00 00 00  aa 00 02", pkt, sizeof pkt);
    wl = yf_test_hex("b0 6f 00 01  00 00 00 02  00 00 00 03  be de 00 02  10 85 31 ff"
                     "fe 00 00 00  aa 00 02", want, sizeof want);
    CHECK_EQ_INT(yf_twcc_send_write_ext(out, sizeof out, pkt, len, 3, 5, 0xfffe), (int)wl);
    CHECK_MEM(out, want, wl);
    yf_rtp_header h;
    yf_rtp_ext e;
    CHECK_EQ_INT(yf_rtp_parse(out, wl, &h), YF_OK);
    CHECK_EQ_INT(h.payload_len, 1);
    CHECK_EQ_INT(yf_rtp_ext_find(&h, 3, &e), 1);
    CHECK_EQ_INT(e.len, 2);
    /* two-byte form stays two-byte: id 20 (2 octets) kept */
    len = yf_test_hex("90 60 00 01  00 00 00 02  00 00 00 03  10 00 00 01  14 01 09 00"
                      "aa", pkt, sizeof pkt);
    wl = yf_test_hex("90 60 00 01  00 00 00 02  00 00 00 03  10 00 00 02  14 01 09 03"
                     "02 12 34 00  aa", want, sizeof want);
    CHECK_EQ_INT(yf_twcc_send_write_ext(out, sizeof out, pkt, len, 3, 0, 0x1234), (int)wl);
    CHECK_MEM(out, want, wl);
    /* an element running past its block; too small a destination */
    len = yf_test_hex("90 60 00 01  00 00 00 02  00 00 00 03  be de 00 01  1f 00 00 00",
                      pkt, sizeof pkt);
    CHECK_EQ_INT(yf_twcc_send_write_ext(out, sizeof out, pkt, len, 3, 0, 1), YF_EMALFORMED);
    len = yf_test_hex("80 60 00 01  00 00 00 02  00 00 00 03  aa", pkt, sizeof pkt);
    CHECK_EQ_INT(yf_twcc_send_write_ext(out, 20, pkt, len, 3, 0, 1), YF_ENOMEM);
    CHECK_EQ_INT(yf_twcc_send_write_ext(out, 21, pkt, len, 3, 0, 1), 21);
    CHECK_EQ_INT(yf_twcc_send_write_ext(out, sizeof out, pkt, 11, 3, 0, 1), YF_ESHORT);
}

int main(void)
{
    test_roundtrip();
    test_bytes();
    test_ref_wrap();
    test_write_ext();
    return yf_test_done("test_twcc_send");
}
