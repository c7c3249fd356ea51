/* test_rtcp.c -- RTCP vectors (RFC 3550 §6, RFC 4585 §6, RFC 5104 §4.3.1,
 * REMB, transport-cc): valid packets parse to the expected fields and write
 * back to the same bytes; malformed ones (length lies, bad version, padding,
 * counts past the end, NACK/FIR without FCI, reserved TWCC symbols) fail. */
#include <stdint.h>
#include "media/core/rtcp.h"
#include "yf_test.h"

#define SR1 "81c8000c 11223344 e1b2c3d4 80000000 00012345 00000064 00001f40" \
            " 55667788 10000005 00010203 00000020 c3d48000 00010000"
#define RR1 "81c90007 00000001 00000002 80ffffff 00000010 00000000 00000000 00000000"
#define SDES1 "81ca0006 11223344 0110 75736572406578616d706c652e636f6d 0000"
#define NACK1 "81cd0003 00000001 00000002 00640005"
#define TWCC_2BIT "afcd0006 00000001 00000002 0100 0005 000010 03 d490 0408fffc00 01"
#define TWCC_RLE "afcd000a 00000001 00000002 0000 0014 ffffff 00 2014" \
                 " 0101010101010101010101010101010101010101 0002"
#define TWCC_1BIT "afcd0007 00000001 00000002 fff0 000e 000001 05 aaaa 00020406080a0c 000003"
#define TWCC_MIX "afcd0006 00000001 00000002 0000 000b 000000 00 000a 4001 012c 0002"

/* Valid single packets: parse, then write back byte for byte. */
static const struct {
    const char *name;
    const char *hex;
} valid[] = {
    { "sr one block", SR1 },
    { "rr negative lost", RR1 },
    { "rr empty", "80c90001 00000001" },
    { "rr with profile ext", "80c90002 00000001 abcdef01" },
    { "sdes cname", SDES1 },
    { "sdes two chunks", "82ca0005 00000001 01026162 00000000 00000002 00000000" },
    { "sdes empty", "80ca0000" },
    { "bye reason", "81cb0003 11223344 04627965 21000000" },
    { "bye plain", "81cb0001 11223344" },
    { "nack", NACK1 },
    { "nack two pairs", "81cd0004 00000001 00000002 00640005 00c80000" },
    { "pli", "81ce0002 00000001 00000002" },
    { "fir", "84ce0004 00000001 00000000 00000002 07000000" },
    { "fir two", "84ce0006 00000001 00000000 00000002 07000000 00000003 ff000000" },
    { "remb 1 Mbps", "8fce0005 00000001 00000000 52454d42 010bd090 00000002" },
    { "remb no ssrc", "8fce0004 00000001 00000000 52454d42 00000000" },
    { "twcc 2-bit vector", TWCC_2BIT },
    { "twcc run length", TWCC_RLE },
    { "twcc 1-bit vector", TWCC_1BIT },
    { "twcc runs", TWCC_MIX },
    { "twcc empty", "8fcd0004 00000001 00000002 0007 0000 000000 09" },
};

static int write_back(const yf_rtcp_packet *p, uint8_t *out, size_t cap)
{
    yf_rtcp_sr sr;
    yf_rtcp_rr rr;
    yf_rtcp_sdes sd;
    yf_rtcp_bye bye;
    yf_rtcp_fb fb;
    yf_rtcp_remb remb;
    yf_rtcp_twcc tw;
    static yf_twcc_status st[64];
    uint16_t seqs[64];
    yf_rtcp_fir_entry fir[8];
    size_t n;
    int rc;
    switch (p->pt) {
    case YF_RTCP_SR: return (rc = yf_rtcp_sr_parse(p, &sr)) ? rc : yf_rtcp_sr_write(&sr, out, cap);
    case YF_RTCP_RR: return (rc = yf_rtcp_rr_parse(p, &rr)) ? rc : yf_rtcp_rr_write(&rr, out, cap);
    case YF_RTCP_SDES: return (rc = yf_rtcp_sdes_parse(p, &sd)) ? rc : yf_rtcp_sdes_write(&sd, out, cap);
    case YF_RTCP_BYE: return (rc = yf_rtcp_bye_parse(p, &bye)) ? rc : yf_rtcp_bye_write(&bye, out, cap);
    default: break;
    }
    if (p->pt == YF_RTCP_RTPFB && p->count == YF_RTCP_FMT_NACK)
        return (rc = yf_rtcp_nack_parse(p, &fb, seqs, 64, &n)) ? rc
             : yf_rtcp_nack_write(fb.sender_ssrc, fb.media_ssrc, seqs, n, out, cap);
    if (p->pt == YF_RTCP_RTPFB && p->count == YF_RTCP_FMT_TWCC)
        return (rc = yf_rtcp_twcc_parse(p, &tw, st, 64)) ? rc : yf_rtcp_twcc_write(&tw, st, out, cap);
    if (p->pt == YF_RTCP_PSFB && p->count == YF_RTCP_FMT_PLI)
        return (rc = yf_rtcp_pli_parse(p, &fb)) ? rc
             : yf_rtcp_pli_write(fb.sender_ssrc, fb.media_ssrc, out, cap);
    if (p->pt == YF_RTCP_PSFB && p->count == YF_RTCP_FMT_FIR)
        return (rc = yf_rtcp_fir_parse(p, &fb, fir, 8, &n)) ? rc
             : yf_rtcp_fir_write(fb.sender_ssrc, fir, n, out, cap);
    if (p->pt == YF_RTCP_PSFB && p->count == YF_RTCP_FMT_REMB)
        return (rc = yf_rtcp_remb_parse(p, &remb)) ? rc : yf_rtcp_remb_write(&remb, out, cap);
    return YF_EUNSUPPORTED;
}

/* Decodes hex into buf (256 bytes; *n of them) and iterates to the first
 * packet: yf_rtcp_iter_next's result, *p that packet, *it after it. */
static int first_packet(const char *hex, uint8_t *buf, size_t *n, yf_rtcp_iter *it, yf_rtcp_packet *p)
{
    *n = yf_test_hex(hex, buf, 256);
    yf_rtcp_iter_init(it, buf, *n);
    return yf_rtcp_iter_next(it, p);
}

static void test_valid_roundtrip(void)
{
    uint8_t buf[256], out[256];
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        size_t n;
        yf_rtcp_iter it;
        yf_rtcp_packet p, next;
        CHECK_EQ_INT(first_packet(valid[i].hex, buf, &n, &it, &p), 1);
        CHECK_EQ_INT(p.raw_len, n);
        CHECK_EQ_INT(yf_rtcp_iter_next(&it, &next), 0);
        int w = write_back(&p, out, sizeof out);
        if (w != (int)n || memcmp(out, buf, n) != 0)
            fprintf(stderr, "case '%s': write gave %d\n", valid[i].name, w);
        CHECK_EQ_INT(w, n);
        CHECK_MEM(out, buf, n);
        CHECK_EQ_INT(write_back(&p, out, n - 1), YF_ENOMEM);
    }
}

/* Malformed input: iteration errors (expect != 0 from iter_next) and
 * parser errors (from write_back's parse step). */
static const struct {
    const char *name;
    const char *hex;
    int iter_rc; /* of the first failing iter_next, or 1 if iteration is fine */
    int parse_rc;
} bad[] = {
    { "length lies", "80c90005 00000001", YF_ESHORT, 0 },
    { "header cut", "80c9", YF_ESHORT, 0 },
    { "version 1", "40c90001 00000001", YF_EMALFORMED, 0 },
    { "version 0", "00c90001 00000001", YF_EMALFORMED, 0 },
    { "padding past packet", "a0c90001 00000009", YF_EMALFORMED, 0 },
    { "padding zero", "a0c90001 00000000", YF_EMALFORMED, 0 },
    { "sr without sender info", "80c80001 00000001", 1, YF_ESHORT },
    { "rr count 2, one block", "82c90007 00000001 00000002 80ffffff 00000010 00000000 00000000 00000000",
      1, YF_ESHORT },
    { "sr count past padding", "a1c8000c 11223344 e1b2c3d4 80000000 00012345 00000064 00001f40"
      " 55667788 10000005 00010203 00000020 c3d48000 00010004", 1, YF_ESHORT },
    { "sdes no terminator", "81ca0002 00000001 01026162", 1, YF_EMALFORMED },
    { "sdes item past end", "81ca0002 00000001 01106162", 1, YF_ESHORT },
    { "sdes item length cut", "81ca0002 00000001 00000001", 1, YF_OK },
    { "sdes count 2, one chunk", "82ca0002 00000001 00000000", 1, YF_ESHORT },
    { "sdes chunk with no ssrc", "81ca0000", 1, YF_ESHORT },
    { "bye reason past end", "81cb0002 00000001 08616263", 1, YF_ESHORT },
    { "bye count past end", "82cb0001 00000001", 1, YF_ESHORT },
    { "fb without ssrcs", "81cd0001 00000001", 1, YF_ESHORT },
    { "nack zero fci", "81cd0002 00000001 00000002", 1, YF_EMALFORMED },
    { "nack half fci", "a1cd0003 00000001 00000002 00640002", 1, YF_EMALFORMED },
    { "fir zero entries", "84ce0002 00000001 00000000", 1, YF_EMALFORMED },
    { "fir half entry", "84ce0003 00000001 00000000 00000002", 1, YF_EMALFORMED },
    { "remb ssrc count past", "8fce0004 00000001 00000000 52454d42 020bd090", 1, YF_ESHORT },
    { "remb other afb", "8fce0004 00000001 00000000 41424344 00000000", 1, YF_EUNSUPPORTED },
    { "remb cut", "8fce0003 00000001 00000000 52454d42", 1, YF_EUNSUPPORTED },
    { "twcc reserved run", "8fcd0005 00000001 00000002 0000 0001 00000000 6001 0000", 1, YF_EMALFORMED },
    { "twcc reserved 2-bit", "8fcd0005 00000001 00000002 0000 0001 00000000 f000 0000", 1, YF_EMALFORMED },
    { "twcc delta cut", "8fcd0005 00000001 00000002 0000 0003 00000000 2003 0102", 1, YF_ESHORT },
    { "twcc chunks cut", "8fcd0004 00000001 00000002 0000 0020 00000000", 1, YF_ESHORT },
    { "twcc header cut", "8fcd0003 00000001 00000002 00000001", 1, YF_ESHORT },
    { "twcc too many", "8fcd0005 00000001 00000002 0000 0100 00000000 0100 0000", 1, YF_ENOMEM },
};

static void test_bad(void)
{
    uint8_t buf[256], out[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n;
        yf_rtcp_iter it;
        yf_rtcp_packet p;
        int rc = first_packet(bad[i].hex, buf, &n, &it, &p);
        if (rc != bad[i].iter_rc)
            fprintf(stderr, "bad case '%s': iter %d\n", bad[i].name, rc);
        CHECK_EQ_INT(rc, bad[i].iter_rc);
        CHECK_EQ_INT(yf_rtcp_validate(buf, n, false), rc == 1 ? YF_OK : rc);
        if (rc != 1)
            continue;
        int w = write_back(&p, out, sizeof out);
        int prc = w > 0 ? YF_OK : w;
        if (prc != bad[i].parse_rc)
            fprintf(stderr, "bad case '%s': parse %d\n", bad[i].name, w);
        CHECK_EQ_INT(prc, bad[i].parse_rc);
    }
}

static void test_compound(void)
{
    uint8_t buf[256];
    size_t n = yf_test_hex(SR1 SDES1 NACK1, buf, sizeof buf);
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    uint8_t pts[4];
    int k = 0, rc;
    yf_rtcp_iter_init(&it, buf, n);
    while ((rc = yf_rtcp_iter_next(&it, &p)) == 1 && k < 4)
        pts[k++] = p.pt;
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(k, 3);
    CHECK_EQ_INT(pts[0], YF_RTCP_SR);
    CHECK_EQ_INT(pts[1], YF_RTCP_SDES);
    CHECK_EQ_INT(pts[2], YF_RTCP_RTPFB);
    CHECK_EQ_INT(yf_rtcp_validate(buf, n, true), YF_OK);
    n = yf_test_hex(NACK1 RR1, buf, sizeof buf);
    CHECK_EQ_INT(yf_rtcp_validate(buf, n, false), YF_OK);
    CHECK_EQ_INT(yf_rtcp_validate(buf, n, true), YF_EMALFORMED);
    CHECK_EQ_INT(yf_rtcp_validate(buf, 0, false), YF_ESHORT);
    n = yf_test_hex(RR1 "8000", buf, sizeof buf); /* trailing junk */
    CHECK_EQ_INT(yf_rtcp_validate(buf, n, true), YF_ESHORT);
    n = yf_test_hex(RR1 "80c9ffff 00000001", buf, sizeof buf); /* second length lies */
    CHECK_EQ_INT(yf_rtcp_validate(buf, n, true), YF_ESHORT);
}

static void test_fields(void)
{
    uint8_t buf[256];
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    size_t n = yf_test_hex(SR1, buf, sizeof buf);
    yf_rtcp_sr sr;
    yf_rtcp_iter_init(&it, buf, n);
    yf_rtcp_iter_next(&it, &p);
    CHECK_EQ_INT(yf_rtcp_sr_parse(&p, &sr), YF_OK);
    CHECK_EQ_INT(sr.ssrc, 0x11223344);
    CHECK(sr.ntp == 0xe1b2c3d480000000ull);
    CHECK_EQ_INT(sr.rtp_ts, 0x12345);
    CHECK_EQ_INT(sr.packet_count, 100);
    CHECK_EQ_INT(sr.octet_count, 8000);
    CHECK_EQ_INT(sr.report_count, 1);
    CHECK_EQ_INT(sr.reports[0].ssrc, 0x55667788);
    CHECK_EQ_INT(sr.reports[0].fraction_lost, 16);
    CHECK_EQ_INT(sr.reports[0].cumulative_lost, 5);
    CHECK_EQ_INT(sr.reports[0].lsr, 0xc3d48000);
    CHECK_EQ_INT(sr.ext_len, 0);
    CHECK_EQ_INT(yf_rtcp_rr_parse(&p, (yf_rtcp_rr *)&(yf_rtcp_rr){ 0 }), YF_EUNSUPPORTED);

    n = yf_test_hex(RR1, buf, sizeof buf);
    yf_rtcp_rr rr;
    yf_rtcp_iter_init(&it, buf, n);
    yf_rtcp_iter_next(&it, &p);
    CHECK_EQ_INT(yf_rtcp_rr_parse(&p, &rr), YF_OK);
    CHECK_EQ_INT(rr.reports[0].cumulative_lost, -1);
    CHECK_EQ_INT(rr.reports[0].fraction_lost, 0x80);
    rr.reports[0].cumulative_lost = -10000000; /* clamps to -2^23 */
    uint8_t out[64];
    CHECK_EQ_INT(yf_rtcp_rr_write(&rr, out, sizeof out), 32);
    CHECK_EQ_INT(yf_rd24(out + 13), 0x800000);

    n = yf_test_hex("81ca0003 00000001 020141 01026162 00", buf, sizeof buf);
    yf_rtcp_sdes sd;
    yf_rtcp_iter_init(&it, buf, n);
    yf_rtcp_iter_next(&it, &p);
    CHECK_EQ_INT(yf_rtcp_sdes_parse(&p, &sd), YF_OK);
    CHECK_EQ_INT(sd.chunks[0].cname_len, 2);
    CHECK(sd.chunks[0].cname && memcmp(sd.chunks[0].cname, "ab", 2) == 0);

    n = yf_test_hex("81cb0003 11223344 04627965 21000000", buf, sizeof buf);
    yf_rtcp_bye bye;
    yf_rtcp_iter_init(&it, buf, n);
    yf_rtcp_iter_next(&it, &p);
    CHECK_EQ_INT(yf_rtcp_bye_parse(&p, &bye), YF_OK);
    CHECK_EQ_INT(bye.reason_len, 4);
    CHECK(memcmp(bye.reason, "bye!", 4) == 0);
}

static void test_nack(void)
{
    uint8_t buf[64], out[64];
    uint16_t seqs[32];
    size_t n, len = yf_test_hex(NACK1, buf, sizeof buf);
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    yf_rtcp_fb fb;
    yf_rtcp_iter_init(&it, buf, len);
    yf_rtcp_iter_next(&it, &p);
    CHECK_EQ_INT(yf_rtcp_nack_parse(&p, &fb, seqs, 32, &n), YF_OK);
    CHECK_EQ_INT(n, 3);
    CHECK_EQ_INT(seqs[0], 100);
    CHECK_EQ_INT(seqs[1], 101);
    CHECK_EQ_INT(seqs[2], 103);
    CHECK_EQ_INT(fb.sender_ssrc, 1);
    CHECK_EQ_INT(fb.media_ssrc, 2);
    CHECK_EQ_INT(yf_rtcp_nack_parse(&p, &fb, seqs, 2, &n), YF_ENOMEM);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(yf_rtcp_pli_parse(&p, &fb), YF_EUNSUPPORTED);

    static const uint16_t wrap[] = { 65535, 0, 2 };
    CHECK_EQ_INT(yf_rtcp_nack_write(1, 2, wrap, 3, out, sizeof out), 16);
    len = yf_test_hex("81cd0003 00000001 00000002 ffff0005", buf, sizeof buf);
    CHECK_MEM(out, buf, len);
    uint16_t run[17];
    for (int i = 0; i < 17; i++)
        run[i] = (uint16_t)(10 + i);
    CHECK_EQ_INT(yf_rtcp_nack_write(1, 2, run, 17, out, sizeof out), 16);
    CHECK_EQ_INT(yf_rd32(out + 12), 0x000affff);
    CHECK_EQ_INT(yf_rtcp_nack_write(1, 2, run, 0, out, sizeof out), YF_EMALFORMED);
    CHECK_EQ_INT(yf_rtcp_nack_write(1, 2, run, 17, out, 15), YF_ENOMEM);
}

static void test_remb_fir(void)
{
    uint8_t buf[64], out[64];
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    yf_rtcp_remb r;
    size_t len = yf_test_hex("8fce0005 00000001 00000000 52454d42 010bd090 00000002", buf, sizeof buf);
    yf_rtcp_iter_init(&it, buf, len);
    yf_rtcp_iter_next(&it, &p);
    CHECK_EQ_INT(yf_rtcp_remb_parse(&p, &r), YF_OK);
    CHECK_EQ_INT(r.bitrate_bps, 1000000);
    CHECK_EQ_INT(r.ssrc_count, 1);
    CHECK_EQ_INT(r.ssrcs[0], 2);
    r.bitrate_bps = 1000003; /* not representable: rounds down */
    CHECK_EQ_INT(yf_rtcp_remb_write(&r, out, sizeof out), 24);
    CHECK_MEM(out, buf, len);

    len = yf_test_hex("8fce0004 00000001 00000000 52454d42 00ffffff", buf, sizeof buf);
    yf_rtcp_iter_init(&it, buf, len);
    yf_rtcp_iter_next(&it, &p);
    CHECK_EQ_INT(yf_rtcp_remb_parse(&p, &r), YF_OK);
    CHECK(r.bitrate_bps == UINT64_MAX);
    CHECK_EQ_INT(yf_rtcp_remb_write(&r, out, sizeof out), 20);
    CHECK_EQ_INT(out[17] >> 2, 46);

    yf_rtcp_fir_entry e[2], one = { 2, 7 };
    yf_rtcp_fb fb;
    size_t n;
    len = yf_test_hex("84ce0006 00000001 00000000 00000002 07000000 00000003 ff000000", buf, sizeof buf);
    yf_rtcp_iter_init(&it, buf, len);
    yf_rtcp_iter_next(&it, &p);
    CHECK_EQ_INT(yf_rtcp_fir_parse(&p, &fb, e, 2, &n), YF_OK);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(e[1].ssrc, 3);
    CHECK_EQ_INT(e[1].seq, 255);
    CHECK_EQ_INT(yf_rtcp_fir_parse(&p, &fb, e, 1, &n), YF_ENOMEM);
    CHECK_EQ_INT(yf_rtcp_fir_write(1, &one, 0, out, sizeof out), YF_EMALFORMED);
    CHECK_EQ_INT(yf_rtcp_fir_write(1, &one, 1, out, 19), YF_ENOMEM);
}

static void test_twcc(void)
{
    uint8_t buf[128], out[128];
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    yf_rtcp_twcc tw;
    yf_twcc_status st[32];
    size_t len = yf_test_hex(TWCC_2BIT, buf, sizeof buf);
    yf_rtcp_iter_init(&it, buf, len);
    yf_rtcp_iter_next(&it, &p);
    CHECK_EQ_INT(yf_rtcp_twcc_parse(&p, &tw, st, 32), YF_OK);
    CHECK_EQ_INT(tw.base_seq, 0x100);
    CHECK_EQ_INT(tw.status_count, 5);
    CHECK_EQ_INT(tw.ref_time, 16);
    CHECK_EQ_INT(tw.fb_count, 3);
    CHECK_EQ_INT(st[0].symbol, YF_TWCC_SMALL_DELTA);
    CHECK_EQ_INT(st[0].delta, 4);
    CHECK_EQ_INT(st[1].delta, 8);
    CHECK_EQ_INT(st[2].symbol, YF_TWCC_NOT_RECEIVED);
    CHECK_EQ_INT(st[3].symbol, YF_TWCC_LARGE_DELTA);
    CHECK_EQ_INT(st[3].delta, -4);
    CHECK_EQ_INT(st[4].delta, 0);
    CHECK_EQ_INT(yf_rtcp_twcc_parse(&p, &tw, st, 4), YF_ENOMEM);

    /* the same feedback zero-filled without the padding bit parses alike */
    len = yf_test_hex("8fcd0006 00000001 00000002 0100 0005 000010 03 d490 0408fffc00 00", buf, sizeof buf);
    yf_rtcp_iter_init(&it, buf, len);
    yf_rtcp_iter_next(&it, &p);
    CHECK_EQ_INT(yf_rtcp_twcc_parse(&p, &tw, st, 32), YF_OK);
    CHECK_EQ_INT(st[3].delta, -4);

    len = yf_test_hex(TWCC_RLE, buf, sizeof buf);
    yf_rtcp_iter_init(&it, buf, len);
    yf_rtcp_iter_next(&it, &p);
    CHECK_EQ_INT(yf_rtcp_twcc_parse(&p, &tw, st, 32), YF_OK);
    CHECK_EQ_INT(tw.ref_time, -1);
    CHECK_EQ_INT(st[19].symbol, YF_TWCC_SMALL_DELTA);

    /* a 1-bit vector for two symbols (we would write a run) */
    len = yf_test_hex("8fcd0005 00000001 00000002 0000 0002 00000000 b000 0102", buf, sizeof buf);
    yf_rtcp_iter_init(&it, buf, len);
    yf_rtcp_iter_next(&it, &p);
    CHECK_EQ_INT(yf_rtcp_twcc_parse(&p, &tw, st, 32), YF_OK);
    CHECK_EQ_INT(st[1].delta, 2);
    CHECK_EQ_INT(yf_rtcp_twcc_write(&tw, st, out, sizeof out), 24);
    CHECK_EQ_INT(yf_rd16(out + 20), 0x2002);

    st[0].symbol = YF_TWCC_SMALL_DELTA;
    st[0].delta = 256;
    CHECK_EQ_INT(yf_rtcp_twcc_write(&tw, st, out, sizeof out), YF_EMALFORMED);
    st[0].delta = 1;
    st[1].symbol = 3;
    CHECK_EQ_INT(yf_rtcp_twcc_write(&tw, st, out, sizeof out), YF_EMALFORMED);
}

int main(void)
{
    test_valid_roundtrip();
    test_bad();
    test_compound();
    test_fields();
    test_nack();
    test_remb_fir();
    test_twcc();
    return yf_test_done("test_rtcp");
}
