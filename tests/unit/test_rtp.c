/* test_rtp.c -- RTP header (RFC 3550 §5.1) and RFC 8285 extension vectors:
 * valid packets round-trip parse -> write to the same bytes; malformed ones
 * (truncated, bad version, padding, extension and CSRC overflows) fail with
 * the expected yf_err. */
#include <stdint.h>
#include "media/core/rtp.h"
#include "yf_test.h"

static const struct {
    const char *name;
    const char *hex;
    int rc;
    uint8_t pt, cc;
    uint16_t seq;
    uint32_t ts, ssrc;
    size_t header_len, payload_len, padding_len;
} cases[] = {
    { "minimal", "8060 0001 00000002 00000003 aabb", 0, 96, 0, 1, 2, 3, 12, 2, 0 },
    { "marker, 2 csrc", "82ef fffe 12345678 9abcdef0 00000011 00000022 01",
      0, 111, 2, 0xfffe, 0x12345678, 0x9abcdef0, 20, 1, 0 },
    { "one-byte ext", "906f 1234 00000001 00000002 bede0002 10aa 21bbcc 000000 ff",
      0, 111, 0, 0x1234, 1, 2, 24, 1, 0 },
    { "two-byte ext", "9060 0001 00000001 00000002 10000002 0100 0203aabbcc 00 ee",
      0, 96, 0, 1, 1, 2, 24, 1, 0 },
    { "padding 3", "a060 0001 00000001 00000002 aabb 0000 03", 0, 96, 0, 1, 1, 2, 12, 2, 3 },
    { "padding only", "a060 0001 00000001 00000002 0000 0004", 0, 96, 0, 1, 1, 2, 12, 0, 4 },
    { "empty ext", "9060 0001 00000001 00000002 bede0000", 0, 96, 0, 1, 1, 2, 16, 0, 0 },
    { "11 bytes", "8060 0001 00000002 000000", YF_ESHORT, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "empty", "", YF_ESHORT, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "version 1", "4060 0001 00000002 00000003 aa", YF_EMALFORMED, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "version 3", "c060 0001 00000002 00000003 aa", YF_EMALFORMED, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "padding past packet", "a060 0001 00000001 00000002 aabb 0020", YF_EMALFORMED, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "padding into header", "a060 0001 00000001 00000002 0d", YF_EMALFORMED, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "padding zero", "a060 0001 00000001 00000002 aa00", YF_EMALFORMED, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "padding bit, no room", "a060 0001 00000001 00000002", YF_EMALFORMED, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "ext length overflow", "9060 0001 00000001 00000002 bede0005 10aa0000 00000000",
      YF_ESHORT, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "ext length ffff", "9060 0001 00000001 00000002 bedeffff 10aa0000", YF_ESHORT, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "ext header cut", "9060 0001 00000001 00000002 bede", YF_ESHORT, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "csrc count 15, 2 present", "8f60 0001 00000001 00000002 00000011 00000022",
      YF_ESHORT, 0, 0, 0, 0, 0, 0, 0, 0 },
    { "csrc then ext cut", "9160 0001 00000001 00000002 00000011 bede0001",
      YF_ESHORT, 0, 0, 0, 0, 0, 0, 0, 0 },
};

static void test_table(void)
{
    uint8_t buf[128], out[128];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = yf_test_hex(cases[i].hex, buf, sizeof buf);
        yf_rtp_header h;
        int rc = yf_rtp_parse(buf, n, &h);
        if (rc != cases[i].rc)
            fprintf(stderr, "case '%s': rc %d\n", cases[i].name, rc);
        CHECK_EQ_INT(rc, cases[i].rc);
        if (rc != YF_OK || cases[i].rc != YF_OK)
            continue;
        CHECK_EQ_INT(h.version, 2);
        CHECK_EQ_INT(h.payload_type, cases[i].pt);
        CHECK_EQ_INT(h.csrc_count, cases[i].cc);
        CHECK_EQ_INT(h.seq, cases[i].seq);
        CHECK_EQ_INT(h.timestamp, cases[i].ts);
        CHECK_EQ_INT(h.ssrc, cases[i].ssrc);
        CHECK_EQ_INT(h.header_len, cases[i].header_len);
        CHECK_EQ_INT(h.payload_len, cases[i].payload_len);
        CHECK_EQ_INT(h.padding_len, cases[i].padding_len);
        CHECK_EQ_INT(h.header_len + h.payload_len + h.padding_len, n);
        /* round trip */
        int w = yf_rtp_write(&h, h.payload, h.payload_len, out, sizeof out);
        CHECK_EQ_INT(w, n);
        if (w == (int)n)
            CHECK_MEM(out, buf, n);
        CHECK_EQ_INT(yf_rtp_write(&h, h.payload, h.payload_len, out, n - 1), YF_ENOMEM);
        CHECK_EQ_INT(yf_rtp_header_write(&h, out, h.header_len - 1), YF_ENOMEM);
    }
}

/* Decodes hex into buf (64 bytes) and parses the packet into *h. */
static int parse_hex(const char *hex, uint8_t *buf, yf_rtp_header *h)
{
    return yf_rtp_parse(buf, yf_test_hex(hex, buf, 64), h);
}

static void test_csrc_marker(void)
{
    uint8_t buf[64];
    yf_rtp_header h;
    CHECK_EQ_INT(parse_hex("82ef fffe 12345678 9abcdef0 00000011 00000022 01", buf, &h), YF_OK);
    CHECK(h.marker);
    CHECK_EQ_INT(h.csrc[0], 0x11);
    CHECK_EQ_INT(h.csrc[1], 0x22);
    CHECK_EQ_INT(h.payload[0], 1);
}

static void test_one_byte_ext(void)
{
    uint8_t buf[64];
    yf_rtp_header h;
    yf_rtp_ext e;
    CHECK_EQ_INT(parse_hex("906f 1234 00000001 00000002 bede0002 10aa 21bbcc 000000 ff", buf, &h), YF_OK);
    CHECK(h.extension);
    CHECK_EQ_INT(h.ext_profile, YF_RTP_EXT_ONE_BYTE);
    CHECK_EQ_INT(h.ext_len, 8);
    CHECK_EQ_INT(yf_rtp_ext_find(&h, 1, &e), 1);
    CHECK_EQ_INT(e.len, 1);
    CHECK_EQ_INT(e.data[0], 0xaa);
    CHECK_EQ_INT(yf_rtp_ext_find(&h, 2, &e), 1);
    CHECK_EQ_INT(e.len, 2);
    CHECK_EQ_INT(yf_rd16(e.data), 0xbbcc);
    CHECK_EQ_INT(yf_rtp_ext_find(&h, 3, &e), 0);
    /* rebuild the same block */
    yf_rtp_ext els[2];
    size_t pos = 0;
    CHECK_EQ_INT(yf_rtp_ext_next(&h, &pos, &els[0]), 1);
    CHECK_EQ_INT(yf_rtp_ext_next(&h, &pos, &els[1]), 1);
    CHECK_EQ_INT(yf_rtp_ext_next(&h, &pos, &e), 0);
    uint8_t blk[16];
    uint16_t prof = 0;
    CHECK_EQ_INT(yf_rtp_ext_build(YF_RTP_EXT_ONE_BYTE, els, 2, &prof, blk, sizeof blk), 8);
    CHECK_EQ_INT(prof, YF_RTP_EXT_ONE_BYTE);
    CHECK_MEM(blk, h.ext_data, 8);
    CHECK_EQ_INT(yf_rtp_ext_build(YF_RTP_EXT_ONE_BYTE, els, 2, &prof, blk, 4), YF_ENOMEM);
}

static void test_two_byte_ext(void)
{
    uint8_t buf[64];
    yf_rtp_header h;
    yf_rtp_ext e;
    CHECK_EQ_INT(parse_hex("9060 0001 00000001 00000002 10000002 0100 0203aabbcc 00 ee", buf, &h), YF_OK);
    CHECK_EQ_INT(yf_rtp_ext_find(&h, 1, &e), 1);
    CHECK_EQ_INT(e.len, 0);
    CHECK_EQ_INT(yf_rtp_ext_find(&h, 2, &e), 1);
    CHECK_EQ_INT(e.len, 3);
    CHECK_EQ_INT(e.data[2], 0xcc);
    /* a zero-length element forces the two-byte form on build */
    yf_rtp_ext els[2] = { { 1, NULL, 0 }, { 2, e.data, 3 } };
    uint8_t blk[16];
    uint16_t prof = 0;
    CHECK_EQ_INT(yf_rtp_ext_build(YF_RTP_EXT_ONE_BYTE, els, 2, &prof, blk, sizeof blk), 8);
    CHECK_EQ_INT(prof, YF_RTP_EXT_TWO_BYTE);
    CHECK_MEM(blk, h.ext_data, 8);
    yf_rtp_ext bad = { 0, NULL, 0 };
    CHECK_EQ_INT(yf_rtp_ext_build(YF_RTP_EXT_TWO_BYTE, &bad, 1, &prof, blk, sizeof blk), YF_EMALFORMED);
}

static const struct {
    const char *name;
    const char *hex;
    uint8_t id;
    int rc;
} ext_cases[] = {
    { "one-byte element past block", "9060 0001 00000001 00000002 bede0001 1f aabbcc", 1, YF_EMALFORMED },
    { "one-byte id 15 stops", "9060 0001 00000001 00000002 bede0001 f0 21aabb", 2, 0 },
    { "one-byte padding then element", "9060 0001 00000001 00000002 bede0001 0000 30aa", 3, 1 },
    { "one-byte id 0 with length is padding", "9060 0001 00000001 00000002 bede0001 01 30aa 00", 3, 1 },
    { "two-byte header cut", "9060 0001 00000001 00000002 10000001 000000 05", 5, YF_EMALFORMED },
    { "two-byte length past block", "9060 0001 00000001 00000002 10000001 0105aabb", 1, YF_EMALFORMED },
    { "two-byte appbits", "9060 0001 00000001 00000002 100f0001 0701aa00", 7, 1 },
    { "unknown profile", "9060 0001 00000001 00000002 abcd0001 10aa0000", 1, 0 },
    { "no extension", "8060 0001 00000001 00000002 10aa0000", 1, 0 },
};

static void test_ext_cases(void)
{
    uint8_t buf[64];
    for (size_t i = 0; i < sizeof ext_cases / sizeof ext_cases[0]; i++) {
        yf_rtp_header h;
        yf_rtp_ext e;
        CHECK_EQ_INT(parse_hex(ext_cases[i].hex, buf, &h), YF_OK);
        int rc = yf_rtp_ext_find(&h, ext_cases[i].id, &e);
        if (rc != ext_cases[i].rc)
            fprintf(stderr, "ext case '%s': rc %d\n", ext_cases[i].name, rc);
        CHECK_EQ_INT(rc, ext_cases[i].rc);
    }
}

static void test_rewrite(void)
{
    uint8_t buf[64];
    yf_rtp_header h;
    size_t n = yf_test_hex("80e0 0001 00000002 00000003 aabb", buf, sizeof buf);
    CHECK_EQ_INT(yf_rtp_set_ssrc(buf, n, 0xdeadbeef), YF_OK);
    CHECK_EQ_INT(yf_rtp_set_seq(buf, n, 0xabcd), YF_OK);
    CHECK_EQ_INT(yf_rtp_set_timestamp(buf, n, 0x01020304), YF_OK);
    CHECK_EQ_INT(yf_rtp_set_payload_type(buf, n, 100), YF_OK);
    CHECK_EQ_INT(yf_rtp_set_payload_type(buf, n, 200), YF_EMALFORMED);
    CHECK_EQ_INT(yf_rtp_parse(buf, n, &h), YF_OK);
    CHECK_EQ_INT(h.ssrc, 0xdeadbeef);
    CHECK_EQ_INT(h.seq, 0xabcd);
    CHECK_EQ_INT(h.timestamp, 0x01020304);
    CHECK_EQ_INT(h.payload_type, 100);
    CHECK(h.marker);
    CHECK_EQ_INT(yf_rtp_set_ssrc(buf, 11, 1), YF_ESHORT);
    CHECK_EQ_INT(yf_rtp_set_seq(buf, 0, 1), YF_ESHORT);
    CHECK_EQ_INT(yf_rtp_set_timestamp(buf, 4, 1), YF_ESHORT);
}

static void test_write_checks(void)
{
    uint8_t out[64];
    yf_rtp_header h;
    memset(&h, 0, sizeof h);
    h.payload_type = 128;
    CHECK_EQ_INT(yf_rtp_header_write(&h, out, sizeof out), YF_EMALFORMED);
    h.payload_type = 96;
    h.extension = true;
    h.ext_len = 3;
    CHECK_EQ_INT(yf_rtp_header_write(&h, out, sizeof out), YF_EMALFORMED);
    h.extension = false;
    h.padding = true;
    h.padding_len = 0;
    CHECK_EQ_INT(yf_rtp_write(&h, NULL, 0, out, sizeof out), YF_EMALFORMED);
    h.padding_len = 4;
    CHECK_EQ_INT(yf_rtp_write(&h, NULL, 0, out, sizeof out), 16);
    CHECK_EQ_INT(out[15], 4);
}

int main(void)
{
    test_table();
    test_csrc_marker();
    test_one_byte_ext();
    test_two_byte_ext();
    test_ext_cases();
    test_rewrite();
    test_write_checks();
    return yf_test_done("test_rtp");
}
