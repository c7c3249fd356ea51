/* test_twcc.c -- the transport-wide CC recorder (twcc.h,
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): arrivals in,
 * feedback bytes out, parsed back with rtcp.h; the exact bytes of a small
 * case; losses, reordering, wrap-around and a late packet. */
#include "media/core/rtcp.h"
#include "media/core/twcc.h"
#include "yf_test.h"

static int parse_one(const uint8_t *buf, int len, yf_rtcp_twcc *tw, yf_twcc_status *st)
{
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    yf_rtcp_iter_init(&it, buf, (size_t)len);
    if (yf_rtcp_iter_next(&it, &p) != 1)
        return -1;
    return yf_rtcp_twcc_parse(&p, tw, st, 1024);
}

static void test_bytes(void)
{
    yf_twcc_recv t;
    uint8_t buf[128], want[128];
    yf_twcc_recv_init(&t);
    /* seq 10 at 64.000 ms + 1 ms, 11 lost, 12 at +2.5 ms */
    yf_twcc_recv_on_packet(&t, 65000, 10);
    yf_twcc_recv_on_packet(&t, 67500, 12);
    int n = yf_twcc_recv_build(&t, 0x11111111, 0x22222222, buf, sizeof buf);
    /* base 10, count 3, ref time 1 (64 ms), fb count 0; one status vector
     * chunk of 1-bit symbols (T=1, S=0): received, lost, received; small
     * deltas 4 (1 ms after the reference) and 10 (2.5 ms later) */
    size_t wn = yf_test_hex("8f cd 00 05  11 11 11 11  22 22 22 22  00 0a 00 03"
                            "00 00 01 00  a8 00 04 0a", want, sizeof want);
    CHECK_EQ_INT(n, (int)wn);
    CHECK_MEM(buf, want, wn);
    CHECK_EQ_INT(yf_twcc_recv_build(&t, 1, 2, buf, sizeof buf), 0); /* nothing new */
}

static void test_roundtrip(void)
{
    yf_twcc_recv t;
    uint8_t buf[1500];
    yf_rtcp_twcc tw;
    static yf_twcc_status st[1024];
    yf_twcc_recv_init(&t);
    /* 65530..65535, 0..9 with 65533 lost and 2/3 swapped; 1 ms apart */
    int64_t now = 10000000;
    uint16_t order[] = { 65530, 65531, 65532, 65534, 65535, 0, 1, 3, 2, 4, 5, 6, 7, 8, 9 };
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++, now += 1000)
        yf_twcc_recv_on_packet(&t, now, order[i]);
    int n = yf_twcc_recv_build(&t, 1, 2, buf, sizeof buf);
    CHECK(n > 0);
    CHECK_EQ_INT(parse_one(buf, n, &tw, st), YF_OK);
    CHECK_EQ_INT(tw.base_seq, 65530);
    CHECK_EQ_INT(tw.status_count, 16);
    CHECK_EQ_INT(tw.ref_time, 10000000 / 64000);
    CHECK_EQ_INT(st[3].symbol, YF_TWCC_NOT_RECEIVED);
    /* seq 1 at +6 ms, 3 at +7, 2 at +8: in seq order 2 is +2 ms after 1,
     * and 3 comes 1 ms before 2: a negative (large) delta */
    CHECK_EQ_INT(st[8].symbol, YF_TWCC_SMALL_DELTA);
    CHECK_EQ_INT(st[8].delta, 8);
    CHECK_EQ_INT(st[9].symbol, YF_TWCC_LARGE_DELTA);
    CHECK_EQ_INT(st[9].delta, -4);
    /* sum of deltas = last arrival - reference */
    int64_t sum = 0;
    for (int i = 0; i < tw.status_count; i++)
        sum += st[i].symbol == YF_TWCC_NOT_RECEIVED ? 0 : st[i].delta;
    CHECK_EQ_INT((int64_t)tw.ref_time * 64000 + sum * 250, 10000000 + 14000);
    /* a packet older than what was reported is late and ignored */
    yf_twcc_recv_on_packet(&t, now, 65533);
    CHECK_EQ_INT(t.late, 1);
    CHECK(!yf_twcc_recv_pending(&t));
    yf_twcc_recv_on_packet(&t, now, 10);
    n = yf_twcc_recv_build(&t, 1, 2, buf, sizeof buf);
    CHECK_EQ_INT(parse_one(buf, n, &tw, st), YF_OK);
    CHECK_EQ_INT(tw.base_seq, 10);
    CHECK_EQ_INT(tw.fb_count, 1);
}

int main(void)
{
    test_bytes();
    test_roundtrip();
    return yf_test_done("test_twcc");
}
