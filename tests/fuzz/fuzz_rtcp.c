/* fuzz_rtcp.c -- libFuzzer target for the RTCP codec (RFC 3550 §6, RFC 4585,
 * RFC 5104, REMB, transport-cc) and the echo translator: every packet the
 * iterator yields goes to its parser; what parses is written and parsed
 * again, and the two parses must agree (abort otherwise). Whatever the echo
 * writes must be a valid compound starting with SR/RR. Transport-cc
 * feedback also goes to the sender side (twcc_send.h) with a history of
 * 600 packets: it may report each packet at most once; what it reports
 * goes to the downlink estimator (bwe.h), which must stay in its bounds,
 * and to a probe (probe.h) whose cluster is the last 200 of them: it counts
 * no more than were sent and gives a verdict with rates that make sense. */
#include <stdlib.h>
#include <string.h>
#include "media/core/echo.h"
#include "media/core/rtcp.h"
#include "media/core/bwe.h"
#include "media/core/probe.h"
#include "media/core/twcc_send.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[1 << 19];
static yf_twcc_status st1[65536], st2[65536];
static uint16_t seq1[4096], seq2[4096];
static uint8_t bits1[8192], bits2[8192];

/* Parses the single packet at out[0..len). */
static void reparse(size_t len, yf_rtcp_packet *p)
{
    yf_rtcp_iter it;
    yf_rtcp_iter_init(&it, out, len);
    FUZZ_CHECK(yf_rtcp_iter_next(&it, p) == 1);
    FUZZ_CHECK(p->raw_len == len);
}

static bool same_blocks(const yf_rtcp_report_block *a, const yf_rtcp_report_block *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (a[i].ssrc != b[i].ssrc || a[i].fraction_lost != b[i].fraction_lost ||
            a[i].cumulative_lost != b[i].cumulative_lost || a[i].highest_seq != b[i].highest_seq ||
            a[i].jitter != b[i].jitter || a[i].lsr != b[i].lsr || a[i].dlsr != b[i].dlsr)
            return false;
    return true;
}

static void fuzz_sr_rr(const yf_rtcp_packet *p)
{
    yf_rtcp_packet q;
    if (p->pt == YF_RTCP_SR) {
        yf_rtcp_sr a, b;
        if (yf_rtcp_sr_parse(p, &a) != YF_OK)
            return;
        int w = yf_rtcp_sr_write(&a, out, sizeof out);
        FUZZ_CHECK(w > 0 || a.ext_len % 4 != 0);
        if (w <= 0)
            return;
        reparse((size_t)w, &q);
        FUZZ_CHECK(yf_rtcp_sr_parse(&q, &b) == YF_OK);
        FUZZ_CHECK(a.ssrc == b.ssrc && a.ntp == b.ntp && a.rtp_ts == b.rtp_ts);
        FUZZ_CHECK(a.packet_count == b.packet_count && a.octet_count == b.octet_count);
        FUZZ_CHECK(a.report_count == b.report_count && same_blocks(a.reports, b.reports, a.report_count));
        FUZZ_CHECK(a.ext_len == b.ext_len && (a.ext_len == 0 || memcmp(a.ext, b.ext, a.ext_len) == 0));
        if (!p->padding)
            FUZZ_CHECK((size_t)w == p->raw_len && memcmp(out, p->raw, p->raw_len) == 0);
    } else {
        yf_rtcp_rr a, b;
        if (yf_rtcp_rr_parse(p, &a) != YF_OK)
            return;
        int w = yf_rtcp_rr_write(&a, out, sizeof out);
        FUZZ_CHECK(w > 0 || a.ext_len % 4 != 0);
        if (w <= 0)
            return;
        reparse((size_t)w, &q);
        FUZZ_CHECK(yf_rtcp_rr_parse(&q, &b) == YF_OK);
        FUZZ_CHECK(a.ssrc == b.ssrc && a.report_count == b.report_count);
        FUZZ_CHECK(same_blocks(a.reports, b.reports, a.report_count) && a.ext_len == b.ext_len);
        if (!p->padding)
            FUZZ_CHECK((size_t)w == p->raw_len && memcmp(out, p->raw, p->raw_len) == 0);
    }
}

static void fuzz_sdes_bye(const yf_rtcp_packet *p)
{
    yf_rtcp_packet q;
    if (p->pt == YF_RTCP_SDES) {
        yf_rtcp_sdes a, b;
        if (yf_rtcp_sdes_parse(p, &a) != YF_OK)
            return;
        int w = yf_rtcp_sdes_write(&a, out, sizeof out);
        FUZZ_CHECK(w > 0);
        reparse((size_t)w, &q);
        FUZZ_CHECK(yf_rtcp_sdes_parse(&q, &b) == YF_OK && a.count == b.count);
        for (unsigned i = 0; i < a.count; i++) {
            FUZZ_CHECK(a.chunks[i].ssrc == b.chunks[i].ssrc);
            FUZZ_CHECK(!a.chunks[i].cname == !b.chunks[i].cname);
            FUZZ_CHECK(a.chunks[i].cname_len == b.chunks[i].cname_len);
            FUZZ_CHECK(!a.chunks[i].cname || memcmp(a.chunks[i].cname, b.chunks[i].cname, a.chunks[i].cname_len) == 0);
        }
    } else {
        yf_rtcp_bye a, b;
        if (yf_rtcp_bye_parse(p, &a) != YF_OK)
            return;
        int w = yf_rtcp_bye_write(&a, out, sizeof out);
        FUZZ_CHECK(w > 0);
        reparse((size_t)w, &q);
        FUZZ_CHECK(yf_rtcp_bye_parse(&q, &b) == YF_OK && a.count == b.count);
        FUZZ_CHECK(memcmp(a.ssrc, b.ssrc, a.count * sizeof a.ssrc[0]) == 0);
        FUZZ_CHECK(!a.reason == !b.reason && a.reason_len == b.reason_len);
        FUZZ_CHECK(!a.reason || memcmp(a.reason, b.reason, a.reason_len) == 0);
    }
}

static void fuzz_nack(const yf_rtcp_packet *p)
{
    yf_rtcp_fb fa, fb;
    yf_rtcp_packet q;
    size_t n1, n2;
    if (yf_rtcp_nack_parse(p, &fa, seq1, 4096, &n1) != YF_OK)
        return;
    int w = yf_rtcp_nack_write(fa.sender_ssrc, fa.media_ssrc, seq1, n1, out, sizeof out);
    FUZZ_CHECK(w > 0);
    reparse((size_t)w, &q);
    FUZZ_CHECK(yf_rtcp_nack_parse(&q, &fb, seq2, 4096, &n2) == YF_OK);
    FUZZ_CHECK(fa.sender_ssrc == fb.sender_ssrc && fa.media_ssrc == fb.media_ssrc);
    memset(bits1, 0, sizeof bits1);
    memset(bits2, 0, sizeof bits2);
    for (size_t i = 0; i < n1; i++)
        bits1[seq1[i] >> 3] |= (uint8_t)(1u << (seq1[i] & 7));
    for (size_t i = 0; i < n2; i++)
        bits2[seq2[i] >> 3] |= (uint8_t)(1u << (seq2[i] & 7));
    FUZZ_CHECK(memcmp(bits1, bits2, sizeof bits1) == 0); /* same set of sequence numbers */
}

static void fuzz_fir_remb(const yf_rtcp_packet *p)
{
    yf_rtcp_packet q;
    yf_rtcp_fb fa, fb;
    yf_rtcp_fir_entry e1[64], e2[64];
    size_t n1, n2;
    if (p->count == YF_RTCP_FMT_FIR && yf_rtcp_fir_parse(p, &fa, e1, 64, &n1) == YF_OK) {
        int w = yf_rtcp_fir_write(fa.sender_ssrc, e1, n1, out, sizeof out);
        FUZZ_CHECK(w > 0);
        reparse((size_t)w, &q);
        FUZZ_CHECK(yf_rtcp_fir_parse(&q, &fb, e2, 64, &n2) == YF_OK && n1 == n2);
        for (size_t i = 0; i < n1; i++)
            FUZZ_CHECK(e1[i].ssrc == e2[i].ssrc && e1[i].seq == e2[i].seq);
    }
    static yf_rtcp_remb r1, r2;
    if (p->count == YF_RTCP_FMT_REMB && yf_rtcp_remb_parse(p, &r1) == YF_OK) {
        int w = yf_rtcp_remb_write(&r1, out, sizeof out);
        FUZZ_CHECK(w > 0);
        reparse((size_t)w, &q);
        FUZZ_CHECK(yf_rtcp_remb_parse(&q, &r2) == YF_OK);
        FUZZ_CHECK(r2.bitrate_bps <= r1.bitrate_bps && r1.ssrc_count == r2.ssrc_count);
        FUZZ_CHECK(memcmp(r1.ssrcs, r2.ssrcs, r1.ssrc_count * sizeof r1.ssrcs[0]) == 0);
        uint8_t again[1100];
        FUZZ_CHECK(yf_rtcp_remb_write(&r2, again, sizeof again) == w && memcmp(again, out, (size_t)w) == 0);
    }
}

static void fuzz_twcc(const yf_rtcp_packet *p)
{
    yf_rtcp_twcc a, b;
    yf_rtcp_packet q;
    if (yf_rtcp_twcc_parse(p, &a, st1, 65536) != YF_OK)
        return;
    int w = yf_rtcp_twcc_write(&a, st1, out, sizeof out);
    if (w == YF_ENOMEM)
        return; /* our chunking can need more room than the 16-bit length gives */
    FUZZ_CHECK(w > 0);
    reparse((size_t)w, &q);
    FUZZ_CHECK(yf_rtcp_twcc_parse(&q, &b, st2, 65536) == YF_OK);
    FUZZ_CHECK(a.sender_ssrc == b.sender_ssrc && a.media_ssrc == b.media_ssrc);
    FUZZ_CHECK(a.base_seq == b.base_seq && a.status_count == b.status_count);
    FUZZ_CHECK(a.ref_time == b.ref_time && a.fb_count == b.fb_count);
    for (size_t i = 0; i < a.status_count; i++)
        FUZZ_CHECK(st1[i].symbol == st2[i].symbol && st1[i].delta == st2[i].delta);
}

static void fuzz_twcc_send(const yf_rtcp_packet *p)
{
    static yf_twcc_send tx;
    static yf_twcc_result res[YF_TWCC_SEND_MAX_STATUS];
    static yf_probe probe;
    size_t n = 0, again = 0;
    yf_twcc_send_init(&tx, 65200);
    yf_probe_init(&probe);
    for (int i = 0; i < 600; i++) {
        if (i == 400)
            yf_probe_start(&probe, 1000000 + i * 1000, 2000000, 1760000, 20000);
        tx.cluster = yf_probe_cluster(&probe, 1000000 + i * 1000);
        yf_twcc_send_stamp(&tx, 1000000 + i * 1000, 1200);
        if (tx.cluster)
            yf_probe_on_sent(&probe, 1000000 + i * 1000, 1200, false);
    }
    int rc = yf_twcc_send_on_feedback(&tx, p, res, YF_TWCC_SEND_MAX_STATUS, &n);
    FUZZ_CHECK(rc == YF_OK || n == 0);
    FUZZ_CHECK(n <= YF_TWCC_SEND_HISTORY);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(res[i].size == 1200);
        FUZZ_CHECK(res[i].send_us >= 1000000 + (600 - YF_TWCC_SEND_HISTORY) * 1000);
        FUZZ_CHECK(res[i].send_us < 1000000 + 600 * 1000);
        FUZZ_CHECK(i == 0 || res[i].send_us != res[i - 1].send_us);
    }
    /* what the receiver claims goes to the estimator: it stays in bounds */
    static yf_bwe bwe;
    yf_bwe_init(&bwe, NULL);
    yf_bwe_on_feedback(&bwe, 1700000, res, n);
    yf_bwe_on_feedback(&bwe, 1800000, res, n);
    FUZZ_CHECK(yf_bwe_estimate(&bwe) >= 30000 && yf_bwe_estimate(&bwe) <= 20000000);
    yf_probe_on_feedback(&probe, 1700000, res, n);
    FUZZ_CHECK(probe.reported_n <= probe.sent_n && probe.lost_n <= probe.reported_n);
    yf_probe_state v = yf_probe_poll(&probe, 1000000 + 600 * 1000 + 2000000); /* past any deadline */
    FUZZ_CHECK(v == YF_PROBE_OK || v == YF_PROBE_FAILED || v == YF_PROBE_SHORT || v == YF_PROBE_STALLED);
    FUZZ_CHECK(probe.st.last_recv_bps >= 0 && probe.st.last_sent_bps >= 0 && probe.st.last_loss_pct <= 100);
    rc = yf_twcc_send_on_feedback(&tx, p, res, YF_TWCC_SEND_MAX_STATUS, &again);
    FUZZ_CHECK(again == 0);
}

static void fuzz_packet(const yf_rtcp_packet *p)
{
    yf_rtcp_fb fa;
    switch (p->pt) {
    case YF_RTCP_SR:
    case YF_RTCP_RR: fuzz_sr_rr(p); break;
    case YF_RTCP_SDES:
    case YF_RTCP_BYE: fuzz_sdes_bye(p); break;
    case YF_RTCP_RTPFB:
        if (p->count == YF_RTCP_FMT_NACK)
            fuzz_nack(p);
        else if (p->count == YF_RTCP_FMT_TWCC) {
            fuzz_twcc(p);
            fuzz_twcc_send(p);
        }
        break;
    case YF_RTCP_PSFB:
        fuzz_fir_remb(p);
        if (yf_rtcp_pli_parse(p, &fa) == YF_OK && fa.fci_len % 4 == 0)
            FUZZ_CHECK(yf_rtcp_fb_write(&fa, out, sizeof out) == (int)(12 + fa.fci_len));
        break;
    default: break;
    }
}

static void fuzz_echo(const uint8_t *data, size_t size)
{
    static const yf_echo_config cfg = { 111, 96, 0xa0a0a0a0, 0xb0b0b0b0 };
    static const uint8_t audio[] = { 0x80, 111, 0, 1, 0, 0, 0, 1, 0x11, 0x11, 0x11, 0x11 };
    static const uint8_t video[] = { 0x80, 96, 0, 1, 0, 0, 0, 1, 0x22, 0x22, 0x22, 0x22 };
    yf_echo *e = yf_echo_new(&cfg);
    FUZZ_CHECK(e != NULL);
    FUZZ_CHECK(yf_echo_on_rtp(e, audio, sizeof audio, out, sizeof out) == 12);
    FUZZ_CHECK(yf_echo_on_rtp(e, video, sizeof video, out, sizeof out) == 12);
    for (int round = 0; round < 2; round++) {
        int w = yf_echo_on_rtcp(e, data, size, out, sizeof out);
        if (w > 0)
            FUZZ_CHECK(yf_rtcp_validate(out, (size_t)w, true) == YF_OK);
        else
            FUZZ_CHECK(w == 0 || w == YF_ESHORT || w == YF_EMALFORMED);
    }
    yf_echo_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    yf_rtcp_iter it;
    yf_rtcp_packet p;
    int rc, n = 0;
    yf_rtcp_iter_init(&it, data, size);
    while ((rc = yf_rtcp_iter_next(&it, &p)) == 1) {
        FUZZ_CHECK(p.raw_len >= 4 && p.raw_len % 4 == 0 && p.body_len <= p.raw_len - 4);
        FUZZ_CHECK(p.raw + p.raw_len <= data + size);
        fuzz_packet(&p);
        n++;
    }
    FUZZ_CHECK(rc <= 0);
    FUZZ_CHECK((yf_rtcp_validate(data, size, false) == YF_OK) == (rc == 0 && n > 0));
    fuzz_echo(data, size);
    return 0;
}
