/* srtp_gcm.c -- AEAD_AES_128_GCM SRTP and SRTCP protect on OpenSSL
 * (srtp_gcm.h): RFC 7714 §8.1 IV, §8.2 AAD (the whole RTP header), §9 for
 * SRTCP, 16-byte tag; session keys by RFC 3711 §4.3.1 (AES-CM PRF, RFC 7714
 * §11). The two cipher contexts are keyed once; a packet sets only its IV.
 * Allocates only for a new SSRC. */
#include "srtp_gcm.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define KEY_LEN 16
#define SALT_LEN 12
#define TAG_LEN 16
#define WINDOW 1024 /* as srtp.c's libsrtp policy: protect refuses older */
#define LABEL_RTP_KEY 0x00
#define LABEL_RTP_SALT 0x02
#define LABEL_RTCP_KEY 0x03
#define LABEL_RTCP_SALT 0x05
#define SRTCP_INDEX_MAX 0x7fffffffu

typedef struct {
    uint32_t ssrc;
    uint32_t rtcp_index; /* the last SRTCP index sent; 0: none yet */
    uint64_t index; /* 48-bit ROC || SEQ of the highest packet sent */
} tx_stream;

/* Invariant: ctx and rtcp_ctx are keyed with the SRTP and SRTCP session
 * keys; st[0..n) distinct SSRCs. */
struct yf_srtp_gcm_tx {
    EVP_CIPHER_CTX *ctx, *rtcp_ctx;
    uint8_t salt[SALT_LEN], rtcp_salt[SALT_LEN];
    tx_stream *st;
    size_t n, cap;
    size_t last; /* index of the last SSRC used: packets come in runs */
};

/* RFC 3711 §4.3.1 with r = 0: AES-CM keystream under the master key from
 * the counter block (master salt, zero-padded to 14 bytes, || 0x0000) with
 * the label XORed into byte 7. */
static int derive(const uint8_t *mkey, const uint8_t *msalt, uint8_t label, uint8_t *out, size_t len)
{
    uint8_t iv[16] = {0}, zero[KEY_LEN] = {0};
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ok;

    if (!c)
        return YF_ENOMEM;
    memcpy(iv, msalt, SALT_LEN);
    iv[7] ^= label;
    ok = EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, mkey, iv) == 1 &&
         EVP_EncryptUpdate(c, out, &n, zero, (int)len) == 1 && (size_t)n == len;
    EVP_CIPHER_CTX_free(c);
    return ok ? YF_OK : YF_ECRYPTO;
}

int yf_srtp_gcm_tx_new(yf_srtp_gcm_tx **out, const uint8_t *master_key, const uint8_t *master_salt)
{
    uint8_t key[KEY_LEN];
    yf_srtp_gcm_tx *t = calloc(1, sizeof *t);
    int rc = YF_ENOMEM;

    *out = NULL;
    if (!t || !(t->ctx = EVP_CIPHER_CTX_new()) || !(t->rtcp_ctx = EVP_CIPHER_CTX_new()))
        goto out;
    rc = derive(master_key, master_salt, LABEL_RTP_KEY, key, KEY_LEN);
    if (rc == YF_OK)
        rc = derive(master_key, master_salt, LABEL_RTP_SALT, t->salt, SALT_LEN);
    if (rc == YF_OK && EVP_EncryptInit_ex(t->ctx, EVP_aes_128_gcm(), NULL, key, NULL) != 1)
        rc = YF_ECRYPTO;
    if (rc == YF_OK)
        rc = derive(master_key, master_salt, LABEL_RTCP_KEY, key, KEY_LEN);
    if (rc == YF_OK)
        rc = derive(master_key, master_salt, LABEL_RTCP_SALT, t->rtcp_salt, SALT_LEN);
    if (rc == YF_OK && EVP_EncryptInit_ex(t->rtcp_ctx, EVP_aes_128_gcm(), NULL, key, NULL) != 1)
        rc = YF_ECRYPTO;
out:
    memset(key, 0, sizeof key);
    if (rc != YF_OK) {
        yf_srtp_gcm_tx_free(t);
        return rc;
    }
    *out = t;
    return YF_OK;
}

void yf_srtp_gcm_tx_free(yf_srtp_gcm_tx *t)
{
    if (!t)
        return;
    EVP_CIPHER_CTX_free(t->ctx);
    EVP_CIPHER_CTX_free(t->rtcp_ctx);
    free(t->st);
    memset(t->salt, 0, sizeof t->salt);
    memset(t->rtcp_salt, 0, sizeof t->rtcp_salt);
    free(t);
}

static tx_stream *find_stream(yf_srtp_gcm_tx *t, uint32_t ssrc)
{
    if (t->last < t->n && t->st[t->last].ssrc == ssrc)
        return &t->st[t->last];
    for (size_t i = 0; i < t->n; i++)
        if (t->st[i].ssrc == ssrc) {
            t->last = i;
            return &t->st[i];
        }
    if (t->n == YF_SRTP_GCM_MAX_SSRCS)
        return NULL;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        tx_stream *st = realloc(t->st, cap * sizeof *st);
        if (!st)
            return NULL;
        t->st = st;
        t->cap = cap;
    }
    t->last = t->n;
    t->st[t->n] = (tx_stream){ .ssrc = ssrc, .rtcp_index = 0, .index = 0 };
    return &t->st[t->n++];
}

/* RFC 3711 §3.3.1: the index of seq s next to the highest one, and its
 * distance from it (libsrtp's estimate: with the highest still under 2^15
 * the rollover counter is 0). */
static uint64_t guess_index(uint64_t highest, uint16_t s, int64_t *delta)
{
    uint32_t roc = (uint32_t)(highest >> 16), guess_roc = roc;
    uint16_t local = (uint16_t)highest;

    if (highest <= 32768) {
        *delta = (int64_t)s - (int64_t)highest;
        return s;
    }
    if (local < 32768) {
        if ((int)s - (int)local > 32768)
            guess_roc = roc - 1;
    } else if ((int)local - 32768 > (int)s) {
        guess_roc = roc + 1;
    }
    uint64_t idx = (uint64_t)guess_roc << 16 | s;
    *delta = (int64_t)idx - (int64_t)highest;
    return idx;
}

static size_t header_len(const uint8_t *p, size_t len)
{
    size_t h = 12 + 4 * (size_t)(p[0] & 0x0f);

    if ((p[0] & 0x10) && len >= h + 4)
        h += 4 + 4 * (size_t)yf_rd16(p + h + 2);
    else if (p[0] & 0x10)
        return SIZE_MAX;
    return h;
}

/* dst = src[0..hlen) || src[hlen..len) encrypted || tag, with src[0..hlen)
 * and then aad2 (aad2_len bytes, may be 0) as the additional data. */
static int seal(EVP_CIPHER_CTX *c, const uint8_t *iv, const uint8_t *src, size_t hlen, size_t len,
                const uint8_t *aad2, size_t aad2_len, uint8_t *dst)
{
    int n = 0, m = 0;

    if (EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv) != 1 || EVP_EncryptUpdate(c, NULL, &n, src, (int)hlen) != 1)
        return YF_ECRYPTO;
    if (aad2_len && EVP_EncryptUpdate(c, NULL, &n, aad2, (int)aad2_len) != 1)
        return YF_ECRYPTO;
    if (dst != src)
        memcpy(dst, src, hlen);
    if (len > hlen && EVP_EncryptUpdate(c, dst + hlen, &n, src + hlen, (int)(len - hlen)) != 1)
        return YF_ECRYPTO;
    if (len == hlen)
        n = 0;
    if (EVP_EncryptFinal_ex(c, dst + hlen + n, &m) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, dst + len) != 1)
        return YF_ECRYPTO;
    return YF_OK;
}

int yf_srtp_gcm_protect_rtp(yf_srtp_gcm_tx *t, const uint8_t *src, size_t len, uint8_t *dst, size_t cap,
                            size_t *out_len)
{
    uint8_t iv[SALT_LEN];
    int64_t delta;
    size_t hlen;

    *out_len = 0;
    if (len < 12)
        return YF_ESHORT;
    hlen = header_len(src, len);
    if (hlen > len || len > INT32_MAX)
        return YF_EMALFORMED;
    if (cap < len + TAG_LEN)
        return YF_ENOMEM;
    uint32_t ssrc = yf_rd32(src + 8);
    uint16_t seq = yf_rd16(src + 2);
    tx_stream *st = find_stream(t, ssrc);
    if (!st)
        return YF_ENOMEM;
    uint64_t idx = guess_index(st->index, seq, &delta);
    if (delta < -WINDOW)
        return YF_ECRYPTO;
    /* RFC 7714 §8.1: 00 00 || SSRC || ROC || SEQ, XOR the session salt */
    iv[0] = iv[1] = 0;
    yf_wr32(iv + 2, ssrc);
    yf_wr32(iv + 6, (uint32_t)(idx >> 16));
    yf_wr16(iv + 10, seq);
    for (int i = 0; i < SALT_LEN; i++)
        iv[i] ^= t->salt[i];
    int rc = seal(t->ctx, iv, src, hlen, len, NULL, 0, dst);
    if (rc != YF_OK)
        return rc;
    if (delta > 0)
        st->index = idx;
    *out_len = len + TAG_LEN;
    return YF_OK;
}

int yf_srtp_gcm_protect_rtcp(yf_srtp_gcm_tx *t, const uint8_t *src, size_t len, uint8_t *dst, size_t cap,
                             size_t *out_len)
{
    uint8_t iv[SALT_LEN], word[4];

    *out_len = 0;
    if (len < 8)
        return YF_ESHORT;
    if (len > INT32_MAX)
        return YF_EMALFORMED;
    if (cap < len + TAG_LEN + 4)
        return YF_ENOMEM;
    uint32_t ssrc = yf_rd32(src + 4);
    tx_stream *st = find_stream(t, ssrc);
    if (!st)
        return YF_ENOMEM;
    if (st->rtcp_index >= SRTCP_INDEX_MAX)
        return YF_ECRYPTO;
    uint32_t idx = st->rtcp_index + 1;
    /* RFC 7714 §9.1: 00 00 || SSRC || 00 00 || 0 || SRTCP index, XOR the
     * SRTCP session salt; §9.2: the AAD is the first 8 bytes and the
     * E flag (set: encrypted) || index word. */
    memset(iv, 0, sizeof iv);
    yf_wr32(iv + 2, ssrc);
    yf_wr32(iv + 8, idx);
    for (int i = 0; i < SALT_LEN; i++)
        iv[i] ^= t->rtcp_salt[i];
    yf_wr32(word, 0x80000000u | idx);
    int rc = seal(t->rtcp_ctx, iv, src, 8, len, word, sizeof word, dst);
    if (rc != YF_OK)
        return rc;
    memcpy(dst + len + TAG_LEN, word, sizeof word);
    st->rtcp_index = idx;
    *out_len = len + TAG_LEN + 4;
    return YF_OK;
}
