/* test_srtp.c -- srtp.c against known answers (libsrtp's reference packets for
 * AES_CM_128_HMAC_SHA1_80 and AEAD_AES_128_GCM), round trips, tampering,
 * replay, retransmission, bounds; and the DTLS certificate fingerprint format. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include "media/core/dtls.h"
#include "media/core/peer.h"
#include "media/core/srtp.h"
#include "yf_test.h"

typedef struct {
    const char *name;
    yf_srtp_profile prof;
    const char *key, *salt;
    const char *rtp, *srtp;   /* plaintext → expected wire bytes */
    const char *rtcp, *srtcp;
    size_t rtp_tag, rtcp_add; /* bytes added by protect */
} kat;

static const kat kats[] = {
    { "AES_CM_128_HMAC_SHA1_80", YF_SRTP_AES_CM_128_HMAC_SHA1_80,
      "e1f97a0d3e018be0d64fa32c06de4139", "0ec675ad498afeebb6960b3aabe6",
      "800f1234decafbadcafebabeabababababababababababababababab",
      "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb",
      "81c8000bcafebabeabababababababababababababababab",
      "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798",
      10, 14 },
    { "AEAD_AES_128_GCM", YF_SRTP_AEAD_AES_128_GCM,
      "000102030405060708090a0b0c0d0e0f", "a0a1a2a3a4a5a6a7a8a9aaab",
      "800f1234decafbadcafebabeabababababababababababababababab",
      "800f1234decafbadcafebabec5002ede04cfdd2eb91159e0880aa06ed2976826f796b201df3131a127e8a392",
      "81c8000bcafebabeabababababababababababababababab",
      "81c8000bcafebabec98b8b5df0392a55852b6c21ac8e7025c52c6fbea2b3b446ea31123ba88ce61e80000001",
      16, 20 },
};

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = 0;

    for (; hex[0] && hex[1]; hex += 2) {
        unsigned v;
        sscanf(hex, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

/* Two sessions with the same key in both directions: a protects, b unprotects. */
static void make_pair(const kat *k, yf_srtp **a, yf_srtp **b)
{
    uint8_t key[16], salt[14];

    unhex(k->key, key);
    unhex(k->salt, salt);
    CHECK_EQ_INT(yf_srtp_new(a, k->prof, key, salt, key, salt), YF_OK);
    CHECK_EQ_INT(yf_srtp_new(b, k->prof, key, salt, key, salt), YF_OK);
}

typedef int (*srtp_fn)(yf_srtp *s, const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len);

/* The profile's RTP and RTCP vectors: protect gives the expected wire bytes,
 * unprotect the plaintext again. */
static void test_known_answers(const kat *k)
{
    const struct {
        const char *what, *plain, *wire;
        size_t added;
        srtp_fn protect, unprotect;
    } packets[] = {
        { "rtp", k->rtp, k->srtp, k->rtp_tag, yf_srtp_protect_rtp, yf_srtp_unprotect_rtp },
        { "rtcp", k->rtcp, k->srtcp, k->rtcp_add, yf_srtp_protect_rtcp, yf_srtp_unprotect_rtcp },
    };
    _Alignas(4) uint8_t pt[256], want[256], wire[256 + YF_SRTP_MAX_OVERHEAD], back[256];
    yf_srtp *a = NULL, *b = NULL;

    make_pair(k, &a, &b);
    for (size_t i = 0; a && b && i < sizeof packets / sizeof packets[0]; i++) {
        size_t ptn = unhex(packets[i].plain, pt), wantn = unhex(packets[i].wire, want), n = 0, m = 0;
        int failures = yf_test_failures;

        CHECK_EQ_INT(packets[i].protect(a, pt, ptn, wire, sizeof wire, &n), YF_OK);
        CHECK_EQ_INT(n, ptn + packets[i].added);
        CHECK(n == wantn && memcmp(wire, want, n) == 0);
        CHECK_EQ_INT(packets[i].unprotect(b, wire, n, back, sizeof back, &m), YF_OK);
        CHECK(m == ptn && memcmp(back, pt, m) == 0);
        if (yf_test_failures > failures)
            fprintf(stderr, "  (profile %s, %s)\n", k->name, packets[i].what);
    }
    yf_srtp_free(a);
    yf_srtp_free(b);
}

static size_t make_rtp(uint8_t *p, uint16_t seq, size_t payload)
{
    p[0] = 0x80;
    p[1] = 96;
    yf_wr16(p + 2, seq);
    yf_wr32(p + 4, 1000u * seq);
    yf_wr32(p + 8, 0x1234abcd);
    for (size_t i = 0; i < payload; i++)
        p[12 + i] = (uint8_t)(i * 13 + seq);
    return 12 + payload;
}

/* Round trips, a flipped byte anywhere, replay, retransmission, bounds. */
static void test_behaviour(const kat *k)
{
    _Alignas(4) uint8_t pt[1300], wire[1300 + YF_SRTP_MAX_OVERHEAD], bad[sizeof wire],
        back[sizeof wire];
    size_t ptn, n = 0, m = 0;
    yf_srtp *a = NULL, *b = NULL;

    make_pair(k, &a, &b);
    if (!a || !b)
        goto out;
    for (uint16_t seq = 65530; seq != 10; seq++) { /* across the wrap */
        ptn = make_rtp(pt, seq, 1188);
        CHECK_EQ_INT(yf_srtp_protect_rtp(a, pt, ptn, wire, sizeof wire, &n), YF_OK);
        memcpy(bad, wire, n);
        bad[seq % n] ^= 0x01; /* header, payload or tag */
        CHECK_EQ_INT(yf_srtp_unprotect_rtp(b, bad, n, back, sizeof back, &m), YF_EAUTH);
        CHECK_EQ_INT(yf_srtp_unprotect_rtp(b, wire, n, back, sizeof back, &m), YF_OK);
        CHECK(m == ptn && memcmp(back, pt, m) == 0);
        CHECK_EQ_INT(yf_srtp_unprotect_rtp(b, wire, n, back, sizeof back, &m), YF_EAUTH);
    }
    /* NACK retransmission: the sender may protect the same seq again */
    ptn = make_rtp(pt, 5, 100);
    CHECK_EQ_INT(yf_srtp_protect_rtp(a, pt, ptn, wire, sizeof wire, &n), YF_OK);
    /* in place (src == dst) */
    ptn = make_rtp(wire, 11, 100);
    CHECK_EQ_INT(yf_srtp_protect_rtp(a, wire, ptn, wire, sizeof wire, &n), YF_OK);
    CHECK_EQ_INT(yf_srtp_unprotect_rtp(b, wire, n, wire, sizeof wire, &m), YF_OK);
    CHECK_EQ_INT(m, ptn);

    /* RTCP: round trip, tamper, replay */
    ptn = unhex(k->rtcp, pt);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(yf_srtp_protect_rtcp(a, pt, ptn, wire, sizeof wire, &n), YF_OK);
        memcpy(bad, wire, n);
        bad[n - 1 - (size_t)i] ^= 0x80;
        CHECK_EQ_INT(yf_srtp_unprotect_rtcp(b, bad, n, back, sizeof back, &m), YF_EAUTH);
        CHECK_EQ_INT(yf_srtp_unprotect_rtcp(b, wire, n, back, sizeof back, &m), YF_OK);
        CHECK(m == ptn && memcmp(back, pt, m) == 0);
        CHECK_EQ_INT(yf_srtp_unprotect_rtcp(b, wire, n, back, sizeof back, &m), YF_EAUTH);
    }

    /* bounds */
    CHECK_EQ_INT(yf_srtp_protect_rtp(a, pt, 11, wire, sizeof wire, &n), YF_ESHORT);
    CHECK_EQ_INT(yf_srtp_protect_rtcp(a, pt, 7, wire, sizeof wire, &n), YF_ESHORT);
    CHECK_EQ_INT(yf_srtp_unprotect_rtp(b, wire, 0, back, sizeof back, &m), YF_ESHORT);
    ptn = make_rtp(pt, 20, 100);
    CHECK_EQ_INT(yf_srtp_protect_rtp(a, pt, ptn, wire, ptn + 4, &n), YF_ENOMEM);
    CHECK_EQ_INT(yf_srtp_protect_rtp(a, pt, ptn, wire, sizeof wire, &n), YF_OK);
    CHECK_EQ_INT(yf_srtp_unprotect_rtp(b, wire, n, back, n - 1, &m), YF_ENOMEM);
    CHECK(yf_srtp_unprotect_rtp(b, wire, 13, back, sizeof back, &m) != YF_OK); /* truncated */
    memset(bad, 0, sizeof bad); /* header only, all zero: not RTP v2 */
    CHECK(yf_srtp_unprotect_rtp(b, bad, 12, back, sizeof back, &m) != YF_OK);
out:
    yf_srtp_free(a);
    yf_srtp_free(b);
}

/* A client cannot make libsrtp grow a stream per SSRC without bound: the
 * first YF_SRTP_MAX_INBOUND_SSRCS authentic SSRCs are accepted, a further one
 * is refused unread, known ones keep working, and a forged packet from a new
 * SSRC takes no slot. */
static void test_ssrc_limit(const kat *k)
{
    _Alignas(4) uint8_t pt[200], wire[200 + YF_SRTP_MAX_OVERHEAD], back[sizeof wire];
    size_t ptn, n, m;
    yf_srtp *a = NULL, *b = NULL;
    make_pair(k, &a, &b);
    ptn = make_rtp(pt, 7, 100);
    /* A forged packet under a fresh SSRC first: refused, and it must not use a slot. */
    yf_wr32(pt + 8, 0xdead0000u);
    CHECK_EQ_INT(yf_srtp_protect_rtp(a, pt, ptn, wire, sizeof wire, &n), YF_OK);
    wire[n - 1] ^= 1;
    CHECK_EQ_INT(yf_srtp_unprotect_rtp(b, wire, n, back, sizeof back, &m), YF_EAUTH);
    for (uint32_t i = 0; i <= YF_SRTP_MAX_INBOUND_SSRCS; i++) {
        yf_wr32(pt + 8, 0x5000u + i);
        CHECK_EQ_INT(yf_srtp_protect_rtp(a, pt, ptn, wire, sizeof wire, &n), YF_OK);
        int want = i < YF_SRTP_MAX_INBOUND_SSRCS ? YF_OK : YF_EAUTH;
        CHECK_EQ_INT(yf_srtp_unprotect_rtp(b, wire, n, back, sizeof back, &m), want);
    }
    yf_wr32(pt + 8, 0x5000u);
    pt[2] = 0, pt[3] = 8; /* next sequence number of a known SSRC */
    CHECK_EQ_INT(yf_srtp_protect_rtp(a, pt, ptn, wire, sizeof wire, &n), YF_OK);
    CHECK_EQ_INT(yf_srtp_unprotect_rtp(b, wire, n, back, sizeof back, &m), YF_OK);
    yf_srtp_free(a);
    yf_srtp_free(b);
}

static void test_fingerprint(void)
{
    yf_dtls_cert *c1 = NULL, *c2 = NULL;
    char fp1[96], fp2[96], small[95];
    bool ok = true;

    CHECK_EQ_INT(yf_dtls_cert_generate(&c1), YF_OK);
    CHECK_EQ_INT(yf_dtls_cert_generate(&c2), YF_OK);
    if (!c1 || !c2)
        goto out;
    CHECK_EQ_INT(yf_dtls_cert_fingerprint(c1, fp1, sizeof fp1), YF_OK);
    CHECK_EQ_INT(yf_dtls_cert_fingerprint(c2, fp2, sizeof fp2), YF_OK);
    CHECK_EQ_INT(yf_dtls_cert_fingerprint(c1, small, sizeof small), YF_ENOMEM);
    CHECK_EQ_INT(strlen(fp1), 95);
    for (int i = 0; i < 95; i++) /* "AB:CD:...": uppercase hex pairs and colons */
        ok = ok && (i % 3 == 2 ? fp1[i] == ':' : (isxdigit((unsigned char)fp1[i]) &&
                                                 !islower((unsigned char)fp1[i])));
    CHECK(ok);
    CHECK(strcmp(fp1, fp2) != 0); /* fresh key and serial each time */
out:
    yf_dtls_cert_free(c1);
    yf_dtls_cert_free(c2);
}

int main(void)
{
    size_t k, s;

    for (size_t i = 0; i < sizeof kats / sizeof kats[0]; i++) {
        test_known_answers(&kats[i]);
        test_behaviour(&kats[i]);
        test_ssrc_limit(&kats[i]);
    }
    yf_srtp_profile_lengths(YF_SRTP_AEAD_AES_128_GCM, &k, &s);
    CHECK(k == 16 && s == 12);
    yf_srtp_profile_lengths(YF_SRTP_AES_CM_128_HMAC_SHA1_80, &k, &s);
    CHECK(k == 16 && s == 14);
    CHECK(strcmp(yf_srtp_profile_name(YF_SRTP_AEAD_AES_128_GCM), "AEAD_AES_128_GCM") == 0);
    test_fingerprint();
    return yf_test_done("test_srtp");
}
