/* test_demux.c -- table of first bytes and lengths for yf_demux_classify
 * (RFC 7983 §7 ranges, RFC 5761 §4 RTCP types 192..223). */
#include <stdint.h>
#include "media/core/demux.h"
#include "yf_test.h"

static const struct {
    const char *name;
    const char *hex;
    yf_demux_kind want;
} cases[] = {
    { "empty", "", YF_DEMUX_GARBAGE },
    { "stun binding request", "0001 0000 2112a442 000102030405060708090a0b", YF_DEMUX_STUN },
    { "stun first byte 3", "0301 0000 2112a442 000102030405060708090a0b", YF_DEMUX_STUN },
    { "stun 19 bytes", "0001 0000 2112a442 000102030405060708090a", YF_DEMUX_GARBAGE },
    { "byte 4 (undefined)", "0401 0000 2112a442 000102030405060708090a0b", YF_DEMUX_GARBAGE },
    { "zrtp 16..19", "1000000000000000000000000000000000000000", YF_DEMUX_GARBAGE },
    { "dtls handshake", "16 fefd 0000 0000 0000 0000 0010 01", YF_DEMUX_DTLS },
    { "dtls 20 (ccs)", "14 fefd 0001 0000 0000 0001 0001 01", YF_DEMUX_DTLS },
    { "dtls 63", "3f fefd 0001 0000 0000 0001 0001", YF_DEMUX_DTLS },
    { "dtls 12 bytes", "17 fefd 0001 0000 0000 0001 00", YF_DEMUX_GARBAGE },
    { "turn channel 64", "4000 0004 01020304 05060708 090a0b0c", YF_DEMUX_GARBAGE },
    { "byte 127", "7f00 0004 01020304 05060708 090a0b0c", YF_DEMUX_GARBAGE },
    { "rtp pt 96", "8060 0001 00000002 00000003", YF_DEMUX_RTP },
    { "rtp marker pt 96 (0xe0)", "80e0 0001 00000002 00000003", YF_DEMUX_RTP },
    { "rtp first byte 191", "bf60 0001 00000002 00000003", YF_DEMUX_RTP },
    { "rtp 11 bytes", "8060 0001 00000002 000000", YF_DEMUX_GARBAGE },
    { "rtp second byte 191", "80bf 0001 00000002 00000003", YF_DEMUX_RTP },
    { "rtcp 192", "80c0 0001 00000001", YF_DEMUX_RTCP },
    { "rtcp rr 201", "80c9 0001 00000001", YF_DEMUX_RTCP },
    { "rtcp 223", "80df 0001 00000001", YF_DEMUX_RTCP },
    { "rtcp 7 bytes", "80c9 0001 000000", YF_DEMUX_GARBAGE },
    { "second byte 224 is rtp", "80e0 0001 00000001 00000000", YF_DEMUX_RTP },
    { "byte 192", "c060 0001 00000002 00000003", YF_DEMUX_GARBAGE },
    { "byte 255", "ff60 0001 00000002 00000003", YF_DEMUX_GARBAGE },
};

int main(void)
{
    uint8_t buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = yf_test_hex(cases[i].hex, buf, sizeof buf);
        yf_demux_kind got = yf_demux_classify(buf, n);
        if (got != cases[i].want)
            fprintf(stderr, "case '%s': got %s\n", cases[i].name, yf_demux_kind_name(got));
        CHECK_EQ_INT(got, cases[i].want);
    }
    CHECK_EQ_INT(yf_demux_classify(NULL, 0), YF_DEMUX_GARBAGE);
    CHECK(strcmp(yf_demux_kind_name(YF_DEMUX_RTCP), "rtcp") == 0);
    CHECK(strcmp(yf_demux_kind_name((yf_demux_kind)99), "garbage") == 0);
    return yf_test_done("test_demux");
}
