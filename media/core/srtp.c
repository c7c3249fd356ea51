/* srtp.c -- SRTP/SRTCP protect and unprotect on libsrtp2 (RFC 3711, RFC 7714).
 * Keys come from the DTLS-SRTP exporter (RFC 5764 §4.2); policies take any SSRC
 * (ssrc_any_inbound / ssrc_any_outbound), a 1024-packet replay window and allow
 * repeated transmission (NACK retransmissions re-protect the same seq).
 * libsrtp works in place, so every call copies into the caller's buffer first.
 * Inbound, libsrtp adds a stream per new SSRC and searches them linearly, so a
 * client could flood it with SSRCs; we accept at most YF_SRTP_MAX_INBOUND_SSRCS
 * distinct SSRCs per session and drop packets from any further one unread.
 * With AES-GCM (what browsers choose) everything goes through srtp_gcm.c
 * on OpenSSL instead and there is no libsrtp session: Debian's libsrtp2
 * sets up an NSS cipher context for every packet and keeps some 17 KiB of
 * NSS key objects per session. libsrtp keeps AES-CM. */
#include "srtp.h"
#include "srtp_gcm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <srtp2/srtp.h>

_Static_assert(YF_SRTP_MAX_OVERHEAD >= SRTP_MAX_TRAILER_LEN + 4, "SRTCP overhead");

#define REPLAY_WINDOW 1024
#define MAX_PACKET 65536 /* libsrtp lengths are int; UDP payloads are smaller */

/* Invariants: either tx and rx (AES-CM) or gcm_tx and gcm_rx (AES-GCM)
 * exist for the whole life of the struct; in_ssrc[0..n_in) are the SSRCs
 * libsrtp has an inbound stream for. */
struct yf_srtp {
    uint32_t in_ssrc[YF_SRTP_MAX_INBOUND_SSRCS];
    unsigned n_in;
    srtp_t tx, rx;
    yf_srtp_gcm_tx *gcm_tx;
    yf_srtp_gcm_rx *gcm_rx;
    yf_srtp_profile profile;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status = srtp_err_status_init_fail;

static void init_libsrtp(void)
{
    init_status = srtp_init();
}

int yf_srtp_global_init(void)
{
    pthread_once(&init_once, init_libsrtp);
    return init_status == srtp_err_status_ok ? YF_OK : YF_ECRYPTO;
}

void yf_srtp_profile_lengths(yf_srtp_profile prof, size_t *key_len, size_t *salt_len)
{
    *key_len = 16;
    *salt_len = prof == YF_SRTP_AEAD_AES_128_GCM ? 12 : 14;
}

const char *yf_srtp_profile_name(yf_srtp_profile prof)
{
    return prof == YF_SRTP_AEAD_AES_128_GCM ? "AEAD_AES_128_GCM" : "AES_CM_128_HMAC_SHA1_80";
}

/* One session: key||salt as libsrtp wants its master key. */
static int make_session(srtp_t *out, yf_srtp_profile prof, srtp_ssrc_type_t type,
                        const uint8_t *key, const uint8_t *salt)
{
    uint8_t master[YF_SRTP_MAX_KEY_LEN + YF_SRTP_MAX_SALT_LEN];
    size_t klen, slen;
    srtp_policy_t pol;
    srtp_err_status_t st;

    yf_srtp_profile_lengths(prof, &klen, &slen);
    memcpy(master, key, klen);
    memcpy(master + klen, salt, slen);
    memset(&pol, 0, sizeof pol);
    if (prof == YF_SRTP_AEAD_AES_128_GCM) {
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
        srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
    } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
    }
    pol.ssrc.type = type;
    pol.key = master;
    pol.window_size = REPLAY_WINDOW;
    pol.allow_repeat_tx = 1;
    pol.next = NULL;
    st = srtp_create(out, &pol);
    memset(master, 0, sizeof master);
    if (st != srtp_err_status_ok) {
        *out = NULL;
        return st == srtp_err_status_alloc_fail ? YF_ENOMEM : YF_ECRYPTO;
    }
    return YF_OK;
}

int yf_srtp_new(yf_srtp **out, yf_srtp_profile prof,
                const uint8_t *tx_key, const uint8_t *tx_salt,
                const uint8_t *rx_key, const uint8_t *rx_salt)
{
    yf_srtp *s;
    int rc;

    *out = NULL;
    pthread_once(&init_once, init_libsrtp);
    if (init_status != srtp_err_status_ok)
        return YF_ECRYPTO;
    s = calloc(1, sizeof *s);
    if (!s)
        return YF_ENOMEM;
    s->profile = prof;
    if (prof == YF_SRTP_AEAD_AES_128_GCM) {
        rc = yf_srtp_gcm_tx_new(&s->gcm_tx, tx_key, tx_salt);
        if (rc == YF_OK)
            rc = yf_srtp_gcm_rx_new(&s->gcm_rx, rx_key, rx_salt, YF_SRTP_MAX_INBOUND_SSRCS);
    } else {
        rc = make_session(&s->tx, prof, ssrc_any_outbound, tx_key, tx_salt);
        if (rc == YF_OK)
            rc = make_session(&s->rx, prof, ssrc_any_inbound, rx_key, rx_salt);
    }
    if (rc != YF_OK) {
        yf_srtp_free(s);
        return rc;
    }
    *out = s;
    return YF_OK;
}

void yf_srtp_free(yf_srtp *s)
{
    if (!s)
        return;
    if (s->tx)
        srtp_dealloc(s->tx);
    if (s->rx)
        srtp_dealloc(s->rx);
    yf_srtp_gcm_tx_free(s->gcm_tx);
    yf_srtp_gcm_rx_free(s->gcm_rx);
    free(s);
}

static int map_err(srtp_err_status_t st, int inbound)
{
    switch (st) {
    case srtp_err_status_ok: return YF_OK;
    case srtp_err_status_alloc_fail: return YF_ENOMEM;
    case srtp_err_status_parse_err:
    case srtp_err_status_bad_param: return YF_EMALFORMED;
    default:
        /* Inbound, anything else (tag, replay, GCM open) means "not authentic". */
        return inbound ? YF_EAUTH : YF_ECRYPTO;
    }
}

typedef srtp_err_status_t (*srtp_fn)(srtp_t, void *, int *);

/* Shared body: bounds, copy into dst, run libsrtp in place there. */
static int run(srtp_t ctx, srtp_fn fn, int inbound, size_t min_len,
               const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len)
{
    size_t need = inbound ? len : len + YF_SRTP_MAX_OVERHEAD;
    int n = (int)len;
    int rc;

    *out_len = 0;
    if (len < min_len)
        return YF_ESHORT;
    if (len > MAX_PACKET)
        return YF_EMALFORMED;
    if (cap < need)
        return YF_ENOMEM;
    if (dst != src)
        memmove(dst, src, len);
    rc = map_err(fn(ctx, dst, &n), inbound);
    if (rc == YF_OK)
        *out_len = (size_t)n;
    return rc;
}

/* The bounds run() checks before libsrtp, for the OpenSSL path: the same
 * contract whichever does the work. */
static int gcm_bounds(int inbound, size_t min_len, size_t len, size_t cap, size_t *out_len)
{
    *out_len = 0;
    if (len < min_len)
        return YF_ESHORT;
    if (len > MAX_PACKET)
        return YF_EMALFORMED;
    return cap < (inbound ? len : len + YF_SRTP_MAX_OVERHEAD) ? YF_ENOMEM : YF_OK;
}

int yf_srtp_protect_rtp(yf_srtp *s, const uint8_t *src, size_t len,
                        uint8_t *dst, size_t cap, size_t *out_len)
{
    if (s->gcm_tx) {
        int rc = gcm_bounds(0, 12, len, cap, out_len);
        return rc != YF_OK ? rc : yf_srtp_gcm_protect_rtp(s->gcm_tx, src, len, dst, cap, out_len);
    }
    return run(s->tx, srtp_protect, 0, 12, src, len, dst, cap, out_len);
}

/* Admits the SSRC at src[off..off+4) if known or if there is room; the room is
 * only taken once the packet has authenticated (see remember_ssrc). */
static int ssrc_slot(const yf_srtp *s, const uint8_t *src, size_t len, size_t off, uint32_t *ssrc)
{
    if (len < off + 4)
        return YF_ESHORT;
    *ssrc = yf_rd32(src + off);
    for (unsigned i = 0; i < s->n_in; i++)
        if (s->in_ssrc[i] == *ssrc)
            return 1;
    return s->n_in < YF_SRTP_MAX_INBOUND_SSRCS ? 0 : YF_EAUTH;
}

static void remember_ssrc(yf_srtp *s, uint32_t ssrc)
{
    for (unsigned i = 0; i < s->n_in; i++)
        if (s->in_ssrc[i] == ssrc)
            return;
    if (s->n_in < YF_SRTP_MAX_INBOUND_SSRCS)
        s->in_ssrc[s->n_in++] = ssrc;
}

static int unprotect(yf_srtp *s, srtp_fn fn, size_t min_len, size_t ssrc_off,
                     const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len)
{
    uint32_t ssrc = 0;
    int known = ssrc_slot(s, src, len, ssrc_off, &ssrc);
    *out_len = 0;
    if (known < 0)
        return known;
    int rc = run(s->rx, fn, 1, min_len, src, len, dst, cap, out_len);
    if (rc == YF_OK && !known)
        remember_ssrc(s, ssrc);
    return rc;
}

int yf_srtp_unprotect_rtp(yf_srtp *s, const uint8_t *src, size_t len,
                          uint8_t *dst, size_t cap, size_t *out_len)
{
    if (s->gcm_rx) {
        int rc = gcm_bounds(1, 12, len, cap, out_len);
        return rc != YF_OK ? rc : yf_srtp_gcm_unprotect_rtp(s->gcm_rx, src, len, dst, cap, out_len);
    }
    return unprotect(s, srtp_unprotect, 12, 8, src, len, dst, cap, out_len);
}

int yf_srtp_protect_rtcp(yf_srtp *s, const uint8_t *src, size_t len,
                         uint8_t *dst, size_t cap, size_t *out_len)
{
    if (s->gcm_tx) {
        int rc = gcm_bounds(0, 8, len, cap, out_len);
        return rc != YF_OK ? rc : yf_srtp_gcm_protect_rtcp(s->gcm_tx, src, len, dst, cap, out_len);
    }
    return run(s->tx, srtp_protect_rtcp, 0, 8, src, len, dst, cap, out_len);
}

int yf_srtp_unprotect_rtcp(yf_srtp *s, const uint8_t *src, size_t len,
                           uint8_t *dst, size_t cap, size_t *out_len)
{
    if (s->gcm_rx) {
        int rc = gcm_bounds(1, 8, len, cap, out_len);
        return rc != YF_OK ? rc : yf_srtp_gcm_unprotect_rtcp(s->gcm_rx, src, len, dst, cap, out_len);
    }
    return unprotect(s, srtp_unprotect_rtcp, 8, 4, src, len, dst, cap, out_len);
}
