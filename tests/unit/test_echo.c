/* test_echo.c -- the device-test echo translator: RTP SSRC rewrite by
 * payload type, SSRC learning and change, unknown payload types, and RTCP
 * translation (SR relabel, report blocks, NACK/PLI/FIR/REMB retargeting,
 * FIR numbering per RFC 5104 §4.3.1.2, the leading RR of RFC 3550 §6.1). */
#include <stdint.h>
#include "media/core/echo.h"
#include "media/core/rtcp.h"
#include "yf_test.h"

/* Ours: audio a0a0a0a0 (pt 111), video b0b0b0b0 (pt 96). The browser's:
 * audio 11111111, video 22222222. */
static const yf_echo_config cfg = { 111, 96, 0xa0a0a0a0, 0xb0b0b0b0 };

#define AUDIO_IN "906f 0001 00000100 11111111 bede0001 10ff0000 fc"
#define AUDIO_OUT "906f 0001 00000100 a0a0a0a0 bede0001 10ff0000 fc"
#define VIDEO_IN "80e0 1234 00005000 22222222 9010"
#define VIDEO_OUT "80e0 1234 00005000 b0b0b0b0 9010"
#define EMPTY_RR "80c90001 b0b0b0b0"

static const struct {
    const char *name;
    const char *in;
    const char *out; /* NULL: nothing sent (0) */
} rtcp_cases[] = {
    { "rr block + nack",
      "81c90007 11111111 b0b0b0b0 01000002 00001234 00000010 00000000 00000000"
      "81cd0003 11111111 b0b0b0b0 00640005",
      "81c90007 b0b0b0b0 22222222 01000002 00001234 00000010 00000000 00000000"
      "81cd0003 b0b0b0b0 22222222 00640005" },
    { "pli alone (reduced size)", "81ce0002 11111111 b0b0b0b0",
      EMPTY_RR "81ce0002 b0b0b0b0 22222222" },
    { "pli for audio ssrc", "81ce0002 11111111 a0a0a0a0",
      EMPTY_RR "81ce0002 a0a0a0a0 11111111" },
    { "sr with block about our audio",
      "81c8000c 22222222 e1b2c3d4 80000000 00012345 00000064 00001f40"
      " a0a0a0a0 00000000 00000100 00000003 c3d48000 00010000"
      "81ca0003 22222222 01026162 00000000",
      "81c8000c b0b0b0b0 e1b2c3d4 80000000 00012345 00000064 00001f40"
      " 11111111 00000000 00000100 00000003 c3d48000 00010000" },
    { "sr from unknown ssrc, block kept in rr",
      "81c8000c 99999999 e1b2c3d4 80000000 00012345 00000064 00001f40"
      " b0b0b0b0 00000000 00000100 00000003 c3d48000 00010000",
      "81c90007 b0b0b0b0 22222222 00000000 00000100 00000003 c3d48000 00010000" },
    { "rr about other ssrc only", "81c90007 11111111 12345678 01000002 00001234 00000010 00000000 00000000",
      NULL },
    { "nack for unknown media", "80c90001 11111111 81cd0003 11111111 99999999 00640005", NULL },
    { "nack without fci", "81cd0002 11111111 b0b0b0b0", NULL },
    { "sdes and bye dropped", "81ca0003 22222222 01026162 00000000 81cb0001 22222222", NULL },
    { "twcc dropped", "8fcd0005 11111111 b0b0b0b0 0000 0001 00000000 2001 0100", NULL },
    { "remb retargeted",
      "8fce0006 11111111 00000000 52454d42 020bd090 b0b0b0b0 99999999",
      EMPTY_RR "8fce0005 b0b0b0b0 00000000 52454d42 010bd090 22222222" },
    { "remb for nobody", "8fce0005 11111111 00000000 52454d42 010bd090 99999999", NULL },
};

/* Every field of yf_echo_stats, for check_stats. */
#define ECHO_STATS(X) X(rtp_in) X(rtp_out) X(rtp_unknown_pt) X(rtp_malformed) X(ssrc_changes) X(rtcp_in) \
    X(rtcp_out) X(rtcp_malformed) X(rtcp_dropped) X(sr) X(rr_blocks) X(nack) X(pli) X(fir) X(remb)      \
    X(have_audio) X(have_video) X(browser_audio_ssrc) X(browser_video_ssrc)

/* The echo's stats, every counter and what it learned, against want. */
static void check_stats(const yf_echo *e, const yf_echo_stats *want)
{
    yf_echo_stats st;

    yf_echo_get_stats(e, &st);
#define CHECK_FIELD(f) CHECK_EQ_INT(st.f, want->f);
    ECHO_STATS(CHECK_FIELD)
#undef CHECK_FIELD
}

static void learn(yf_echo *e)
{
    uint8_t in[64], out[64];
    size_t n = yf_test_hex(AUDIO_IN, in, sizeof in);
    CHECK_EQ_INT(yf_echo_on_rtp(e, in, n, out, sizeof out), n);
    n = yf_test_hex(VIDEO_IN, in, sizeof in);
    CHECK_EQ_INT(yf_echo_on_rtp(e, in, n, out, sizeof out), n);
}

static void test_rtp(void)
{
    uint8_t in[64], out[64], want[64];
    yf_echo *e = yf_echo_new(&cfg);
    size_t n = yf_test_hex(AUDIO_IN, in, sizeof in), wn = yf_test_hex(AUDIO_OUT, want, sizeof want);
    CHECK_EQ_INT(yf_echo_on_rtp(e, in, n, out, sizeof out), wn);
    CHECK_MEM(out, want, wn);
    n = yf_test_hex(VIDEO_IN, in, sizeof in);
    wn = yf_test_hex(VIDEO_OUT, want, sizeof want);
    CHECK_EQ_INT(yf_echo_on_rtp(e, in, n, out, sizeof out), wn);
    CHECK_MEM(out, want, wn);
    CHECK_EQ_INT(yf_echo_on_rtp(e, in, n, out, n - 1), YF_ENOMEM);
    n = yf_test_hex("8061 0001 00000001 33333333 00", in, sizeof in); /* pt 97 */
    CHECK_EQ_INT(yf_echo_on_rtp(e, in, n, out, sizeof out), 0);
    n = yf_test_hex("4060 0001 00000001 33333333 00", in, sizeof in);
    CHECK_EQ_INT(yf_echo_on_rtp(e, in, n, out, sizeof out), YF_EMALFORMED);
    CHECK_EQ_INT(yf_echo_on_rtp(e, in, 5, out, sizeof out), YF_ESHORT);
    n = yf_test_hex("806f 0002 00000200 44444444 aa", in, sizeof in); /* audio SSRC change */
    CHECK_EQ_INT(yf_echo_on_rtp(e, in, n, out, sizeof out), n);
    CHECK_EQ_INT(yf_rd32(out + 8), 0xa0a0a0a0);
    check_stats(e, &(yf_echo_stats){ .rtp_in = 5, .rtp_out = 3, .rtp_unknown_pt = 1, .rtp_malformed = 2,
                                     .ssrc_changes = 1, .have_audio = true, .have_video = true,
                                     .browser_audio_ssrc = 0x44444444, .browser_video_ssrc = 0x22222222 });
    yf_echo_free(e);
}

static void test_rtcp_table(void)
{
    uint8_t in[256], out[256], want[256];
    for (size_t i = 0; i < sizeof rtcp_cases / sizeof rtcp_cases[0]; i++) {
        yf_echo *e = yf_echo_new(&cfg);
        size_t n = yf_test_hex(rtcp_cases[i].in, in, sizeof in);
        size_t wn = rtcp_cases[i].out ? yf_test_hex(rtcp_cases[i].out, want, sizeof want) : 0;
        CHECK_EQ_INT(yf_echo_on_rtcp(e, in, n, out, sizeof out), 0); /* nothing learned */
        learn(e);
        int w = yf_echo_on_rtcp(e, in, n, out, sizeof out);
        if (w != (int)wn || (wn && memcmp(out, want, wn) != 0))
            fprintf(stderr, "rtcp case '%s': got %d bytes\n", rtcp_cases[i].name, w);
        CHECK_EQ_INT(w, wn);
        if (w > 0) {
            CHECK_MEM(out, want, wn);
            CHECK_EQ_INT(yf_rtcp_validate(out, (size_t)w, true), YF_OK);
            CHECK_EQ_INT(yf_echo_on_rtcp(e, in, n, out, wn - 1), YF_ENOMEM);
        }
        yf_echo_free(e);
    }
}

static void test_fir(void)
{
    uint8_t in[64], out[128], want[64];
    yf_echo *e = yf_echo_new(&cfg);
    learn(e);
    static const struct { uint8_t in, out; } seqs[] = { { 5, 0 }, { 5, 0 }, { 6, 1 }, { 6, 1 }, { 0, 2 } };
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        char buf[128];
        snprintf(buf, sizeof buf, "84ce0004 11111111 00000000 b0b0b0b0 %02x000000", seqs[i].in);
        size_t n = yf_test_hex(buf, in, sizeof in);
        snprintf(buf, sizeof buf, EMPTY_RR "84ce0004 b0b0b0b0 00000000 22222222 %02x000000", seqs[i].out);
        size_t wn = yf_test_hex(buf, want, sizeof want);
        CHECK_EQ_INT(yf_echo_on_rtcp(e, in, n, out, sizeof out), wn);
        CHECK_MEM(out, want, wn);
    }
    check_stats(e, &(yf_echo_stats){ .rtp_in = 2, .rtp_out = 2, .rtcp_in = 5, .rtcp_out = 5, .fir = 5,
                                     .have_audio = true, .have_video = true,
                                     .browser_audio_ssrc = 0x11111111, .browser_video_ssrc = 0x22222222 });
    yf_echo_free(e);
}

static void test_rtcp_errors_and_stats(void)
{
    uint8_t in[64], out[64];
    yf_echo *e = yf_echo_new(&cfg);
    learn(e);
    size_t n = yf_test_hex("81cd0009 11111111 b0b0b0b0 00640005", in, sizeof in);
    CHECK_EQ_INT(yf_echo_on_rtcp(e, in, n, out, sizeof out), YF_ESHORT);
    n = yf_test_hex("41cd0003 11111111 b0b0b0b0 00640005", in, sizeof in);
    CHECK_EQ_INT(yf_echo_on_rtcp(e, in, n, out, sizeof out), YF_EMALFORMED);
    CHECK_EQ_INT(yf_echo_on_rtcp(e, in, 0, out, sizeof out), YF_ESHORT);
    n = yf_test_hex("81cd0003 11111111 b0b0b0b0 00640005 81ce0002 11111111 b0b0b0b0 81ca0001 00000000",
            in, sizeof in);
    CHECK_EQ_INT(yf_echo_on_rtcp(e, in, n, out, sizeof out), 8 + 16 + 12);
    check_stats(e, &(yf_echo_stats){ .rtp_in = 2, .rtp_out = 2, .rtcp_malformed = 3, .rtcp_in = 1, .rtcp_out = 1,
                                     .nack = 1, .pli = 1, .rtcp_dropped = 1, .have_audio = true,
                                     .have_video = true, .browser_audio_ssrc = 0x11111111,
                                     .browser_video_ssrc = 0x22222222 });
    yf_echo_free(e);
}

static void test_audio_only(void)
{
    uint8_t in[64], out[64], want[64];
    yf_echo_config c = { 111, 96, 0xa0a0a0a0, 0 };
    yf_echo *e = yf_echo_new(&c);
    size_t n = yf_test_hex(AUDIO_IN, in, sizeof in);
    CHECK_EQ_INT(yf_echo_on_rtp(e, in, n, out, sizeof out), n);
    n = yf_test_hex("81ce0002 11111111 a0a0a0a0", in, sizeof in);
    size_t wn = yf_test_hex("80c90001 a0a0a0a0 81ce0002 a0a0a0a0 11111111", want, sizeof want);
    CHECK_EQ_INT(yf_echo_on_rtcp(e, in, n, out, sizeof out), wn);
    CHECK_MEM(out, want, wn);
    n = yf_test_hex("81ce0002 11111111 00000000", in, sizeof in); /* unset video SSRC */
    CHECK_EQ_INT(yf_echo_on_rtcp(e, in, n, out, sizeof out), 0);
    yf_echo_free(e);
}

static void test_config(void)
{
    yf_echo_config c = cfg;
    c.video_pt = c.audio_pt;
    CHECK(yf_echo_new(&c) == NULL);
    c = cfg;
    c.video_ssrc = c.audio_ssrc;
    CHECK(yf_echo_new(&c) == NULL);
    c = cfg;
    c.audio_pt = 128;
    CHECK(yf_echo_new(&c) == NULL);
    yf_echo_free(NULL);
}

int main(void)
{
    test_rtp();
    test_rtcp_table();
    test_fir();
    test_rtcp_errors_and_stats();
    test_audio_only();
    test_config();
    return yf_test_done("test_echo");
}
