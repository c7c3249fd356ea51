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

/* The two cipher contexts of one direction, keyed once with the SRTP and
 * SRTCP session keys, and the two session salts. */
typedef struct {
    EVP_CIPHER_CTX *ctx, *rtcp_ctx;
    uint8_t salt[SALT_LEN], rtcp_salt[SALT_LEN];
} gcm_keys;

/* The per-SSRC records of one direction, each `size` bytes starting with
 * its SSRC (tx_stream, rx_stream). Invariant: recs[0..n) distinct SSRCs. */
typedef struct {
    void *recs;
    size_t n, cap, size;
    size_t last; /* index of the last SSRC used: packets come in runs */
} ssrc_table;

static void *table_at(const ssrc_table *t, size_t i)
{
    return (char *)t->recs + i * t->size;
}

static uint32_t table_ssrc(const ssrc_table *t, size_t i)
{
    uint32_t ssrc;
    memcpy(&ssrc, table_at(t, i), sizeof ssrc);
    return ssrc;
}

/* The record of ssrc, or NULL. */
static void *table_find(ssrc_table *t, uint32_t ssrc)
{
    if (t->last < t->n && table_ssrc(t, t->last) == ssrc)
        return table_at(t, t->last);
    for (size_t i = 0; i < t->n; i++)
        if (table_ssrc(t, i) == ssrc) {
            t->last = i;
            return table_at(t, i);
        }
    return NULL;
}

/* A copy of rec (an SSRC not in the table) added; NULL when out of memory. */
static void *table_add(ssrc_table *t, const void *rec)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4;
        void *recs = realloc(t->recs, cap * t->size);
        if (!recs)
            return NULL;
        t->recs = recs;
        t->cap = cap;
    }
    t->last = t->n;
    memcpy(table_at(t, t->n), rec, t->size);
    return table_at(t, t->n++);
}

struct yf_srtp_gcm_tx {
    gcm_keys k;
    ssrc_table streams; /* of tx_stream */
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

/* Keys k for sealing (enc 1) or opening (enc 0). On failure k may hold
 * contexts: keys_clear frees them. */
static int keys_init(gcm_keys *k, const uint8_t *mkey, const uint8_t *msalt, int enc)
{
    uint8_t key[KEY_LEN];
    int rc = YF_ENOMEM;

    if (!(k->ctx = EVP_CIPHER_CTX_new()) || !(k->rtcp_ctx = EVP_CIPHER_CTX_new()))
        return rc;
    rc = derive(mkey, msalt, LABEL_RTP_KEY, key, KEY_LEN);
    if (rc == YF_OK)
        rc = derive(mkey, msalt, LABEL_RTP_SALT, k->salt, SALT_LEN);
    if (rc == YF_OK && EVP_CipherInit_ex(k->ctx, EVP_aes_128_gcm(), NULL, key, NULL, enc) != 1)
        rc = YF_ECRYPTO;
    if (rc == YF_OK)
        rc = derive(mkey, msalt, LABEL_RTCP_KEY, key, KEY_LEN);
    if (rc == YF_OK)
        rc = derive(mkey, msalt, LABEL_RTCP_SALT, k->rtcp_salt, SALT_LEN);
    if (rc == YF_OK && EVP_CipherInit_ex(k->rtcp_ctx, EVP_aes_128_gcm(), NULL, key, NULL, enc) != 1)
        rc = YF_ECRYPTO;
    memset(key, 0, sizeof key);
    return rc;
}

static void keys_clear(gcm_keys *k)
{
    EVP_CIPHER_CTX_free(k->ctx);
    EVP_CIPHER_CTX_free(k->rtcp_ctx);
    memset(k, 0, sizeof *k);
}

/* RFC 7714 §8.1: 00 00 || SSRC || ROC || SEQ, XOR the session salt. */
static void rtp_iv(const gcm_keys *k, uint32_t ssrc, uint64_t idx, uint8_t *iv)
{
    iv[0] = iv[1] = 0;
    yf_wr32(iv + 2, ssrc);
    yf_wr32(iv + 6, (uint32_t)(idx >> 16));
    yf_wr16(iv + 10, (uint16_t)idx);
    for (int i = 0; i < SALT_LEN; i++)
        iv[i] ^= k->salt[i];
}

/* RFC 7714 §9.1: 00 00 || SSRC || 00 00 || 0 || SRTCP index, XOR the
 * SRTCP session salt. */
static void rtcp_iv(const gcm_keys *k, uint32_t ssrc, uint32_t idx, uint8_t *iv)
{
    memset(iv, 0, SALT_LEN);
    yf_wr32(iv + 2, ssrc);
    yf_wr32(iv + 8, idx);
    for (int i = 0; i < SALT_LEN; i++)
        iv[i] ^= k->rtcp_salt[i];
}

int yf_srtp_gcm_tx_new(yf_srtp_gcm_tx **out, const uint8_t *master_key, const uint8_t *master_salt)
{
    yf_srtp_gcm_tx *t = calloc(1, sizeof *t);
    int rc;

    *out = NULL;
    if (!t)
        return YF_ENOMEM;
    t->streams.size = sizeof(tx_stream);
    rc = keys_init(&t->k, master_key, master_salt, 1);
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
    keys_clear(&t->k);
    free(t->streams.recs);
    free(t);
}

static tx_stream *find_stream(yf_srtp_gcm_tx *t, uint32_t ssrc)
{
    tx_stream *st = table_find(&t->streams, ssrc);
    if (st || t->streams.n == YF_SRTP_GCM_MAX_SSRCS)
        return st;
    return table_add(&t->streams, &(tx_stream){ .ssrc = ssrc, .rtcp_index = 0, .index = 0 });
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
    rtp_iv(&t->k, ssrc, idx, iv);
    int rc = seal(t->k.ctx, iv, src, hlen, len, NULL, 0, dst);
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
    /* §9.2: the AAD is the first 8 bytes and the E flag (set: encrypted)
     * || index word. */
    rtcp_iv(&t->k, ssrc, idx, iv);
    yf_wr32(word, 0x80000000u | idx);
    int rc = seal(t->k.rtcp_ctx, iv, src, 8, len, word, sizeof word, dst);
    if (rc != YF_OK)
        return rc;
    memcpy(dst + len + TAG_LEN, word, sizeof word);
    st->rtcp_index = idx;
    *out_len = len + TAG_LEN + 4;
    return YF_OK;
}

/* ---- the receiving half ---- */

#define RTCP_WINDOW 128 /* libsrtp's fixed SRTCP replay window */

/* What one SSRC has sent us. The RTP window (RFC 3711 §3.3.2) is a ring:
 * bit i % WINDOW is set for each index i in (index - WINDOW, index]
 * received. The SRTCP window starts at rtcp_start: bit i - rtcp_start for
 * each index received in [rtcp_start, rtcp_start + RTCP_WINDOW), as
 * libsrtp keeps it. */
typedef struct {
    uint32_t ssrc;
    uint32_t rtcp_start;
    uint64_t index;
    uint64_t rtp_seen[WINDOW / 64];
    uint64_t rtcp_seen[RTCP_WINDOW / 64];
} rx_stream;

/* Invariant: streams.n <= max; a stream exists only once a packet of its
 * SSRC authenticated. */
struct yf_srtp_gcm_rx {
    gcm_keys k;
    ssrc_table streams; /* of rx_stream */
    size_t max;
};

int yf_srtp_gcm_rx_new(yf_srtp_gcm_rx **out, const uint8_t *master_key, const uint8_t *master_salt,
                       size_t max_ssrcs)
{
    yf_srtp_gcm_rx *r = calloc(1, sizeof *r);
    int rc;

    *out = NULL;
    if (!r)
        return YF_ENOMEM;
    r->max = max_ssrcs;
    r->streams.size = sizeof(rx_stream);
    rc = keys_init(&r->k, master_key, master_salt, 0);
    if (rc != YF_OK) {
        yf_srtp_gcm_rx_free(r);
        return rc;
    }
    *out = r;
    return YF_OK;
}

void yf_srtp_gcm_rx_free(yf_srtp_gcm_rx *r)
{
    if (!r)
        return;
    keys_clear(&r->k);
    free(r->streams.recs);
    free(r);
}

/* The SSRC's stream, or `fresh` (zeroed, for the SSRC) if it has none and
 * may have one; NULL if the table is full. */
static rx_stream *rx_find(yf_srtp_gcm_rx *r, uint32_t ssrc, rx_stream *fresh)
{
    rx_stream *s = table_find(&r->streams, ssrc);
    if (s)
        return s;
    if (r->streams.n >= r->max)
        return NULL;
    memset(fresh, 0, sizeof *fresh);
    fresh->ssrc = ssrc;
    return fresh;
}

/* Keeps s: a fresh stream enters the table (its packet authenticated). */
static rx_stream *rx_keep(yf_srtp_gcm_rx *r, rx_stream *s, const rx_stream *fresh)
{
    return s != fresh ? s : table_add(&r->streams, fresh);
}

static bool bit_get(const uint64_t *v, uint64_t i)
{
    return (v[i / 64] >> (i % 64)) & 1;
}

static void bit_put(uint64_t *v, uint64_t i, bool on)
{
    if (on)
        v[i / 64] |= (uint64_t)1 << (i % 64);
    else
        v[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* RTP index idx at delta from the highest: received already, or older
 * than the window. */
static bool rtp_replayed(const rx_stream *s, uint64_t idx, int64_t delta)
{
    return delta <= 0 && (delta <= -WINDOW || bit_get(s->rtp_seen, idx % WINDOW));
}

static void rtp_mark(rx_stream *s, uint64_t idx, int64_t delta)
{
    if (delta >= WINDOW)
        memset(s->rtp_seen, 0, sizeof s->rtp_seen);
    else
        for (uint64_t i = s->index + 1; delta > 0 && i < idx; i++)
            bit_put(s->rtp_seen, i % WINDOW, false); /* left the window */
    if (delta > 0)
        s->index = idx;
    bit_put(s->rtp_seen, idx % WINDOW, true);
}

static bool rtcp_replayed(const rx_stream *s, uint32_t idx)
{
    if (idx >= s->rtcp_start + RTCP_WINDOW)
        return false;
    return idx < s->rtcp_start || bit_get(s->rtcp_seen, idx - s->rtcp_start);
}

static void rtcp_mark(rx_stream *s, uint32_t idx)
{
    uint32_t d = idx - s->rtcp_start;

    if (d >= RTCP_WINDOW) { /* the window moves so that idx is its last */
        uint32_t shift = d - (RTCP_WINDOW - 1);
        uint64_t *v = s->rtcp_seen;
        if (shift >= 128)
            v[0] = v[1] = 0;
        else if (shift >= 64) {
            v[0] = v[1] >> (shift - 64);
            v[1] = 0;
        } else if (shift > 0) {
            v[0] = v[0] >> shift | v[1] << (64 - shift);
            v[1] >>= shift;
        }
        s->rtcp_start += shift;
        d = RTCP_WINDOW - 1;
    }
    bit_put(s->rtcp_seen, d, true);
}

/* dst = src[0..aad_len) || open(src[aad_len..ct_end)), the tag at
 * src[ct_end..ct_end + TAG_LEN), aad2 (may be 0 bytes) authenticated after
 * the first AAD. YF_EAUTH if it does not authenticate. */
static int open_(EVP_CIPHER_CTX *c, const uint8_t *iv, const uint8_t *src, size_t aad_len, size_t ct_end,
                 const uint8_t *aad2, size_t aad2_len, uint8_t *dst)
{
    uint8_t tag[TAG_LEN];
    int n = 0, m = 0;

    memcpy(tag, src + ct_end, TAG_LEN);
    if (EVP_DecryptInit_ex(c, NULL, NULL, NULL, iv) != 1 || EVP_DecryptUpdate(c, NULL, &n, src, (int)aad_len) != 1)
        return YF_ECRYPTO;
    if (aad2_len && EVP_DecryptUpdate(c, NULL, &n, aad2, (int)aad2_len) != 1)
        return YF_ECRYPTO;
    if (dst != src)
        memcpy(dst, src, aad_len);
    n = 0;
    if (ct_end > aad_len &&
        EVP_DecryptUpdate(c, dst + aad_len, &n, src + aad_len, (int)(ct_end - aad_len)) != 1)
        return YF_ECRYPTO;
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, tag) != 1)
        return YF_ECRYPTO;
    return EVP_DecryptFinal_ex(c, dst + aad_len + n, &m) == 1 ? YF_OK : YF_EAUTH;
}

int yf_srtp_gcm_unprotect_rtp(yf_srtp_gcm_rx *r, const uint8_t *src, size_t len, uint8_t *dst, size_t cap,
                              size_t *out_len)
{
    uint8_t iv[SALT_LEN];
    rx_stream fresh, *s;
    int64_t delta;
    size_t hlen;

    *out_len = 0;
    if (len < 12)
        return YF_ESHORT;
    hlen = header_len(src, len);
    if (hlen > len || len - hlen < TAG_LEN || len > INT32_MAX)
        return YF_EMALFORMED;
    if (cap < len)
        return YF_ENOMEM;
    uint32_t ssrc = yf_rd32(src + 8);
    if (!(s = rx_find(r, ssrc, &fresh)))
        return YF_EAUTH;
    /* a new SSRC starts at index 0, so its first packet's index is its
     * sequence number, as libsrtp takes it */
    uint64_t idx = guess_index(s->index, yf_rd16(src + 2), &delta);
    if (rtp_replayed(s, idx, delta))
        return YF_EAUTH;
    rtp_iv(&r->k, ssrc, idx, iv);
    int rc = open_(r->k.ctx, iv, src, hlen, len - TAG_LEN, NULL, 0, dst);
    if (rc != YF_OK)
        return rc;
    if (!(s = rx_keep(r, s, &fresh)))
        return YF_ENOMEM;
    rtp_mark(s, idx, delta);
    *out_len = len - TAG_LEN;
    return YF_OK;
}

int yf_srtp_gcm_unprotect_rtcp(yf_srtp_gcm_rx *r, const uint8_t *src, size_t len, uint8_t *dst, size_t cap,
                               size_t *out_len)
{
    uint8_t iv[SALT_LEN];
    rx_stream fresh, *s;

    *out_len = 0;
    if (len < 8)
        return YF_ESHORT;
    if (len < 8 + TAG_LEN + 4 || len > INT32_MAX)
        return YF_EMALFORMED;
    if (cap < len)
        return YF_ENOMEM;
    uint32_t ssrc = yf_rd32(src + 4);
    if (!(s = rx_find(r, ssrc, &fresh)))
        return YF_EAUTH;
    const uint8_t *word = src + len - 4;
    uint32_t idx = yf_rd32(word) & SRTCP_INDEX_MAX;
    if (rtcp_replayed(s, idx))
        return YF_EAUTH;
    rtcp_iv(&r->k, ssrc, idx, iv);
    /* §9.2: encrypted (E set), the AAD is the first 8 bytes; §9.3: not,
     * the whole packet; either way then the E || index word */
    size_t end = len - 4 - TAG_LEN;
    int rc = open_(r->k.rtcp_ctx, iv, src, (word[0] & 0x80) ? 8 : end, end, word, 4, dst);
    if (rc != YF_OK)
        return rc;
    if (!(s = rx_keep(r, s, &fresh)))
        return YF_ENOMEM;
    rtcp_mark(s, idx);
    *out_len = end;
    return YF_OK;
}
