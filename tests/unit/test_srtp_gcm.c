/* test_srtp_gcm.c -- srtp_gcm.c's protect against libsrtp's own, byte for
 * byte, with the same master key: packets with CSRCs and header
 * extensions, across sequence wrap-arounds (the rollover counter, RFC 3711
 * §3.3.1), a retransmission, reordering, a jump, several SSRCs; and what it
 * refuses (short, malformed, no room, too far behind, too many SSRCs); and
 * its SRTCP (RFC 7714 §9) the same way: compound packets of several sender
 * SSRCs, each with its own index, in place and not. Its unprotect beside a
 * libsrtp receiver fed the same packets: reordered, repeated, too old,
 * tampered, after jumps and wrap-arounds, SRTCP encrypted and not; the
 * same verdict and the same bytes for every packet. */
#include <srtp2/srtp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "media/core/srtp_gcm.h"
#include "yf_test.h"

static const uint8_t master[28] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                    0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab };

/* rtcp_encrypted 0: SRTCP authenticated only (E clear, RFC 7714 §9.3). */
static srtp_t libsrtp_session(srtp_ssrc_type_t type, int rtcp_encrypted)
{
    srtp_policy_t pol;
    srtp_t s = NULL;

    memset(&pol, 0, sizeof pol);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
    if (!rtcp_encrypted)
        pol.rtcp.sec_serv = sec_serv_auth;
    pol.ssrc.type = type;
    pol.key = (unsigned char *)master;
    pol.window_size = 1024;
    pol.allow_repeat_tx = 1;
    CHECK(srtp_create(&s, &pol) == srtp_err_status_ok);
    return s;
}

static srtp_t libsrtp_sender(void)
{
    return libsrtp_session(ssrc_any_outbound, 1);
}

/* A packet: csrcs CSRCs, an extension block of ext words (0: none). */
static size_t make(uint8_t *p, uint32_t ssrc, uint16_t seq, unsigned csrcs, unsigned ext, size_t payload)
{
    size_t n = 12;

    p[0] = (uint8_t)(0x80 | (ext ? 0x10 : 0) | csrcs);
    p[1] = 96 | (seq % 7 == 0 ? 0x80 : 0);
    yf_wr16(p + 2, seq);
    yf_wr32(p + 4, 3000u * seq);
    yf_wr32(p + 8, ssrc);
    for (unsigned i = 0; i < csrcs; i++, n += 4)
        yf_wr32(p + n, 0x11110000u + i);
    if (ext) {
        yf_wr16(p + n, 0xbede);
        yf_wr16(p + n + 2, (uint16_t)ext);
        n += 4;
        for (unsigned i = 0; i < 4 * ext; i++)
            p[n++] = (uint8_t)(0x21 + i);
    }
    for (size_t i = 0; i < payload; i++)
        p[n++] = (uint8_t)(i * 7 + seq);
    return n;
}

static unsigned refused;

/* Protects one packet with both: the same bytes, or both refuse it. */
static void same(srtp_t ref, yf_srtp_gcm_tx *t, uint32_t ssrc, uint16_t seq, unsigned csrcs, unsigned ext,
                 size_t payload)
{
    _Alignas(4) uint8_t pt[1400], want[1500], got[1500];
    size_t len = make(pt, ssrc, seq, csrcs, ext, payload), n = 0;
    int wn = (int)len;

    memcpy(want, pt, len);
    bool ref_ok = srtp_protect(ref, want, &wn) == srtp_err_status_ok;
    int rc = yf_srtp_gcm_protect_rtp(t, pt, len, got, sizeof got, &n);
    if (!ref_ok) {
        CHECK_EQ_INT(rc, YF_ECRYPTO);
        refused++;
        return;
    }
    CHECK_EQ_INT(rc, YF_OK);
    CHECK_EQ_INT(n, (size_t)wn);
    if (n != (size_t)wn || memcmp(got, want, n) != 0) {
        CHECK(0);
        fprintf(stderr, "  ssrc %08x seq %u differs\n", ssrc, seq);
    }
}

static void test_against_libsrtp(void)
{
    srtp_t ref = libsrtp_sender();
    yf_srtp_gcm_tx *t = NULL;

    CHECK_EQ_INT(yf_srtp_gcm_tx_new(&t, master, master + 16), YF_OK);
    if (!ref || !t)
        goto out;
    /* two wraps on one SSRC, another SSRC interleaved, mixed headers */
    for (uint32_t i = 0; i < 140000; i += 97) {
        uint16_t seq = (uint16_t)(40000 + i);
        same(ref, t, 0xcafe0001, seq, i % 3, i % 4, 1 + i % 1200);
        same(ref, t, 0xcafe0002, (uint16_t)(3 * seq), 0, 1, 160);
        if (i % 970 == 0) { /* a retransmission behind; one too far behind: refused */
            same(ref, t, 0xcafe0001, (uint16_t)(seq - 50), 0, 0, 1000);
            same(ref, t, 0xcafe0001, (uint16_t)(seq - 2000), 0, 0, 1000);
        }
    }
    /* around one wrap packet by packet, with reordering across it */
    for (uint16_t seq = 65500; seq != 40; seq++) {
        same(ref, t, 0xbeef0003, seq, 0, 0, 100);
        if (seq == 3)
            same(ref, t, 0xbeef0003, 65534, 0, 0, 100);
    }
    /* many SSRCs (the table grows), header-only packets */
    for (uint32_t s = 0; s < 40; s++)
        same(ref, t, 0x70000000 + s, (uint16_t)(s * 1000), 2, 0, 0);
    for (uint32_t s = 0; s < 40; s++)
        same(ref, t, 0x70000000 + s, (uint16_t)(s * 1000 + 1), 0, 2, 50);
    CHECK_EQ_INT(refused, 145); /* the "too far behind" ones, and only they */
out:
    yf_srtp_gcm_tx_free(t);
    if (ref)
        srtp_dealloc(ref);
}

/* An RTCP packet of len bytes (>= 8) from sender ssrc: an RR-like header
 * and a body that varies with k. */
static size_t make_rtcp(uint8_t *p, uint32_t ssrc, size_t len, unsigned k)
{
    p[0] = 0x81;
    p[1] = (uint8_t)(k % 2 ? 205 : 201);
    yf_wr16(p + 2, (uint16_t)(len / 4 - 1));
    yf_wr32(p + 4, ssrc);
    for (size_t i = 8; i < len; i++)
        p[i] = (uint8_t)(i * 13 + k);
    return len;
}

static void test_rtcp_against_libsrtp(void)
{
    srtp_t ref = libsrtp_sender();
    yf_srtp_gcm_tx *t = NULL;
    _Alignas(4) uint8_t pt[1400], want[1500], got[1500];
    unsigned differ = 0, done = 0;

    CHECK_EQ_INT(yf_srtp_gcm_tx_new(&t, master, master + 16), YF_OK);
    if (!ref || !t)
        goto out;
    for (unsigned k = 0; k < 3000; k++) {
        uint32_t ssrc = 0x5e000000u + k % 7;    /* interleaved senders */
        size_t len = make_rtcp(pt, ssrc, 8 + 4 * (k % 300), k), n = 0;
        int wn = (int)len;

        memcpy(want, pt, len);
        CHECK(srtp_protect_rtcp(ref, want, &wn) == srtp_err_status_ok);
        if (k % 5 == 0) { /* in place */
            memcpy(got, pt, len);
            CHECK_EQ_INT(yf_srtp_gcm_protect_rtcp(t, got, len, got, sizeof got, &n), YF_OK);
        } else {
            CHECK_EQ_INT(yf_srtp_gcm_protect_rtcp(t, pt, len, got, sizeof got, &n), YF_OK);
        }
        CHECK_EQ_INT(n, (size_t)wn);
        differ += n != (size_t)wn || memcmp(got, want, n) != 0;
        done++;
    }
    CHECK_EQ_INT(differ, 0);
    CHECK_EQ_INT(done, 3000);
out:
    yf_srtp_gcm_tx_free(t);
    if (ref)
        srtp_dealloc(ref);
}

static void test_refusals(void)
{
    _Alignas(4) uint8_t pt[1400], out[1500];
    yf_srtp_gcm_tx *t = NULL;
    size_t len, n = 99;

    CHECK_EQ_INT(yf_srtp_gcm_tx_new(&t, master, master + 16), YF_OK);
    if (!t)
        return;
    len = make(pt, 1, 100, 0, 0, 100);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, 11, out, sizeof out, &n), YF_ESHORT);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, len, out, len + 15, &n), YF_ENOMEM);
    len = make(pt, 1, 101, 15, 0, 0); /* 15 CSRCs claimed, 12 bytes given */
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, 12, out, sizeof out, &n), YF_EMALFORMED);
    len = make(pt, 1, 102, 0, 3, 0); /* extension cut short */
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, len - 1, out, sizeof out, &n), YF_EMALFORMED);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, 14, out, sizeof out, &n), YF_EMALFORMED);
    /* far ahead, then more than the window behind: refused, as libsrtp does */
    len = make(pt, 1, 5000, 0, 0, 10);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, len, out, sizeof out, &n), YF_OK);
    len = make(pt, 1, 3000, 0, 0, 10);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, len, out, sizeof out, &n), YF_ECRYPTO);
    len = make(pt, 1, 4000, 0, 0, 10);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, len, out, sizeof out, &n), YF_OK);
    /* SSRCs up to the limit, then a new one is refused, known ones not */
    for (uint32_t i = 2; i <= YF_SRTP_GCM_MAX_SSRCS; i++) {
        len = make(pt, i, 1, 0, 0, 4);
        CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, len, out, sizeof out, &n), YF_OK);
    }
    len = make(pt, YF_SRTP_GCM_MAX_SSRCS + 1, 1, 0, 0, 4);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, len, out, sizeof out, &n), YF_ENOMEM);
    len = make(pt, 2, 2, 0, 0, 4);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, len, out, sizeof out, &n), YF_OK);
    /* in place */
    len = make(out, 1, 5001, 0, 0, 10);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, out, len, out, sizeof out, &n), YF_OK);
    CHECK_EQ_INT(n, len + 16);
    /* SRTCP: under 8 bytes, no room for tag and index; a new sender SSRC
     * past the limit is refused as for RTP */
    len = make_rtcp(pt, 1, 28, 0);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtcp(t, pt, 7, out, sizeof out, &n), YF_ESHORT);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtcp(t, pt, len, out, len + 19, &n), YF_ENOMEM);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtcp(t, pt, len, out, len + 20, &n), YF_OK);
    CHECK_EQ_INT(n, len + 20);
    CHECK_EQ_INT(yf_rd32(out + len + 16), 0x80000001u); /* E set, the first index 1 */
    len = make_rtcp(pt, YF_SRTP_GCM_MAX_SSRCS + 7, 28, 0);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtcp(t, pt, len, out, sizeof out, &n), YF_ENOMEM);
    yf_srtp_gcm_tx_free(t);
    yf_srtp_gcm_tx_free(NULL);
}

/* ---- unprotect ---- */

#define MAXP 1500

typedef struct {
    uint8_t b[MAXP];
    size_t len;
} wire;

/* libsrtp's verdict in our codes, as srtp.c maps an inbound status. */
static int ref_code(srtp_err_status_t st)
{
    switch (st) {
    case srtp_err_status_ok: return YF_OK;
    case srtp_err_status_alloc_fail: return YF_ENOMEM;
    case srtp_err_status_parse_err:
    case srtp_err_status_bad_param: return YF_EMALFORMED;
    default: return YF_EAUTH;
    }
}

static unsigned opened, shut;

/* Delivers one packet to both receivers: the same verdict, and on success
 * the same bytes (in place every third time). */
static void deliver(srtp_t ref, yf_srtp_gcm_rx *r, const wire *w, bool rtcp)
{
    _Alignas(4) uint8_t want[MAXP], got[MAXP];
    int wn = (int)w->len;
    size_t n = 0;
    int rc;

    memcpy(want, w->b, w->len);
    int ref_rc = ref_code(rtcp ? srtp_unprotect_rtcp(ref, want, &wn) : srtp_unprotect(ref, want, &wn));
    if ((opened + shut) % 3 == 0) {
        memcpy(got, w->b, w->len);
        rc = rtcp ? yf_srtp_gcm_unprotect_rtcp(r, got, w->len, got, sizeof got, &n)
                  : yf_srtp_gcm_unprotect_rtp(r, got, w->len, got, sizeof got, &n);
    } else {
        rc = rtcp ? yf_srtp_gcm_unprotect_rtcp(r, w->b, w->len, got, sizeof got, &n)
                  : yf_srtp_gcm_unprotect_rtp(r, w->b, w->len, got, sizeof got, &n);
    }
    if (rc != ref_rc) {
        CHECK_EQ_INT(rc, ref_rc);
        fprintf(stderr, "  %s ssrc %08x seq/len %u/%zu\n", rtcp ? "rtcp" : "rtp",
                yf_rd32(w->b + (rtcp ? 4 : 8)), rtcp ? 0u : yf_rd16(w->b + 2), w->len);
        return;
    }
    if (rc != YF_OK) {
        shut++;
        return;
    }
    opened++;
    CHECK_EQ_INT(n, (size_t)wn);
    CHECK(n == (size_t)wn && memcmp(got, want, n) == 0);
}

static unsigned rnd_state = 12345;
static unsigned rnd(unsigned n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

/* Feeds both receivers the sent packets sent[0..n) in a disorderly way:
 * mostly in order, some lost, some held back a few places, some repeated,
 * some from long ago, some with a byte changed first. */
static void deliver_all(srtp_t ref, yf_srtp_gcm_rx *r, wire *sent, size_t n, bool rtcp, size_t ssrcs,
                        size_t window)
{
    wire bad;

    for (size_t i = 0; i < n; i++) {
        size_t k = i;
        if (rnd(19) == 0)
            continue; /* lost */
        if (i % 7 == 3 && i + 3 < n) { /* the next three first */
            for (size_t j = i + 1; j <= i + 3; j++)
                deliver(ref, r, &sent[j], rtcp);
            deliver(ref, r, &sent[i], rtcp);
            i += 3;
            k = i;
        } else {
            deliver(ref, r, &sent[k], rtcp);
        }
        if (rnd(11) == 0)
            deliver(ref, r, &sent[k], rtcp); /* again */
        if (rnd(5) == 0 && k >= ssrcs * (window + 8)) /* around its window's edge (sent[] interleaves the SSRCs) */
            deliver(ref, r, &sent[k - ssrcs * (window - 4 + rnd(12))], rtcp);
        if (rnd(13) == 0 && i + 1 < n) { /* the next one altered: a bit anywhere */
            bad = sent[i + 1];
            size_t at = rnd((unsigned)bad.len);
            bad.b[at] ^= (uint8_t)(1u << rnd(8));
            deliver(ref, r, &bad, rtcp);
        }
    }
}

static void test_unprotect_against_libsrtp(void)
{
    srtp_t tx = libsrtp_sender(), ref = libsrtp_session(ssrc_any_inbound, 1);
    yf_srtp_gcm_rx *r = NULL;
    static wire sent[6000];
    size_t n = 0;

    CHECK_EQ_INT(yf_srtp_gcm_rx_new(&r, master, master + 16, 32), YF_OK);
    if (!tx || !ref || !r)
        goto out;
    /* three SSRCs: one from seq 0, one from near the wrap, one jumping */
    uint16_t seq[3] = { 0, 64000, 100 };
    for (unsigned i = 0; i < 6000; i++) {
        unsigned s = i % 3;
        uint8_t pt[1400];
        size_t len = make(pt, 0xd0000000u + s, seq[s], i % 2, i % 3 == 1 ? 2 : 0, 10 + (i * 37) % 1100);
        int wn = (int)len;
        CHECK(srtp_protect(tx, pt, &wn) == srtp_err_status_ok);
        memcpy(sent[n].b, pt, (size_t)wn);
        sent[n++].len = (size_t)wn;
        seq[s] = (uint16_t)(seq[s] + (s == 2 && i % 300 == 2 ? 1500 : 1)); /* jumps past the window */
    }
    deliver_all(ref, r, sent, n, false, 3, 1024);
    fprintf(stderr, "rtp: %u opened, %u refused\n", opened, shut);
    CHECK(opened > 5500 && shut > 500);
out:
    yf_srtp_gcm_rx_free(r);
    if (tx)
        srtp_dealloc(tx);
    if (ref)
        srtp_dealloc(ref);
}

static void test_unprotect_rtcp_against_libsrtp(int encrypted)
{
    srtp_t tx = libsrtp_session(ssrc_any_outbound, encrypted), ref = libsrtp_session(ssrc_any_inbound, 1);
    yf_srtp_gcm_rx *r = NULL;
    static wire sent[3000];
    size_t n = 0;

    opened = shut = 0;
    CHECK_EQ_INT(yf_srtp_gcm_rx_new(&r, master, master + 16, 32), YF_OK);
    if (!tx || !ref || !r)
        goto out;
    for (unsigned k = 0; k < 3000; k++) {
        uint8_t pt[1400];
        size_t len = make_rtcp(pt, 0x5e000000u + k % 5, 8 + 4 * (k % 200), k);
        int wn = (int)len;
        CHECK(srtp_protect_rtcp(tx, pt, &wn) == srtp_err_status_ok);
        CHECK(encrypted ? (pt[wn - 4] & 0x80) : !(pt[wn - 4] & 0x80));
        memcpy(sent[n].b, pt, (size_t)wn);
        sent[n++].len = (size_t)wn;
    }
    deliver_all(ref, r, sent, n, true, 5, 128);
    fprintf(stderr, "rtcp (%s): %u opened, %u refused\n", encrypted ? "encrypted" : "authenticated", opened, shut);
    CHECK(opened > 2700 && shut > 300);
out:
    yf_srtp_gcm_rx_free(r);
    if (tx)
        srtp_dealloc(tx);
    if (ref)
        srtp_dealloc(ref);
}

/* What the receiver refuses before it decrypts, and its SSRC limit. */
static void test_unprotect_refusals(void)
{
    yf_srtp_gcm_tx *t = NULL;
    yf_srtp_gcm_rx *r = NULL;
    _Alignas(4) uint8_t pt[1400], w[1500], out[1500];
    size_t len, n = 99, wn;

    CHECK_EQ_INT(yf_srtp_gcm_tx_new(&t, master, master + 16), YF_OK);
    CHECK_EQ_INT(yf_srtp_gcm_rx_new(&r, master, master + 16, 3), YF_OK);
    if (!t || !r)
        goto out;
    len = make(pt, 1, 7, 0, 0, 40);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, len, w, sizeof w, &wn), YF_OK);
    CHECK_EQ_INT(yf_srtp_gcm_unprotect_rtp(r, w, 11, out, sizeof out, &n), YF_ESHORT);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(yf_srtp_gcm_unprotect_rtp(r, w, 27, out, sizeof out, &n), YF_EMALFORMED); /* no tag */
    CHECK_EQ_INT(yf_srtp_gcm_unprotect_rtp(r, w, wn, out, wn - 1, &n), YF_ENOMEM);
    CHECK_EQ_INT(yf_srtp_gcm_unprotect_rtp(r, w, wn, out, wn, &n), YF_OK);
    CHECK_EQ_INT(n, len);
    CHECK(memcmp(out, pt, len) == 0);
    CHECK_EQ_INT(yf_srtp_gcm_unprotect_rtp(r, w, wn, out, sizeof out, &n), YF_EAUTH); /* again */
    /* SSRCs 2 and 3 fill the table; 4 is refused unread; known ones go on */
    for (uint32_t s = 2; s <= 4; s++) {
        len = make(pt, s, 1, 0, 0, 10);
        CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, len, w, sizeof w, &wn), YF_OK);
        CHECK_EQ_INT(yf_srtp_gcm_unprotect_rtp(r, w, wn, out, sizeof out, &n), s < 4 ? YF_OK : YF_EAUTH);
    }
    len = make(pt, 1, 8, 0, 0, 40);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtp(t, pt, len, w, sizeof w, &wn), YF_OK);
    CHECK_EQ_INT(yf_srtp_gcm_unprotect_rtp(r, w, wn, out, sizeof out, &n), YF_OK);
    /* SRTCP: under 8 bytes, under 28 */
    len = make_rtcp(pt, 1, 8, 0);
    CHECK_EQ_INT(yf_srtp_gcm_protect_rtcp(t, pt, len, w, sizeof w, &wn), YF_OK);
    CHECK_EQ_INT(wn, 28);
    CHECK_EQ_INT(yf_srtp_gcm_unprotect_rtcp(r, w, 7, out, sizeof out, &n), YF_ESHORT);
    CHECK_EQ_INT(yf_srtp_gcm_unprotect_rtcp(r, w, 27, out, sizeof out, &n), YF_EMALFORMED);
    CHECK_EQ_INT(yf_srtp_gcm_unprotect_rtcp(r, w, 28, out, sizeof out, &n), YF_OK);
    CHECK_EQ_INT(n, 8);
    CHECK_EQ_INT(yf_srtp_gcm_unprotect_rtcp(r, w, 28, out, sizeof out, &n), YF_EAUTH);
out:
    yf_srtp_gcm_tx_free(t);
    yf_srtp_gcm_rx_free(r);
    yf_srtp_gcm_rx_free(NULL);
}

int main(void)
{
    CHECK(srtp_init() == srtp_err_status_ok);
    test_against_libsrtp();
    test_rtcp_against_libsrtp();
    test_refusals();
    test_unprotect_against_libsrtp();
    test_unprotect_rtcp_against_libsrtp(1);
    test_unprotect_rtcp_against_libsrtp(0);
    test_unprotect_refusals();
    return yf_test_done("test_srtp_gcm");
}
