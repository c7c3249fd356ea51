/* token.c -- random bearer tokens (RAND_bytes) in base64url and their SHA-256,
 * the only form the store keeps. Decoding is strict: 43 chars of the url alphabet. */
#include "token.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

char *yf_base64url_encode(const guint8 *data, gsize len)
{
    char *s = g_base64_encode(data, len);
    gsize n = strlen(s);
    while (n > 0 && s[n - 1] == '=')
        s[--n] = '\0';
    for (gsize i = 0; i < n; i++)
        s[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
    return s;
}

static gboolean sha256(const guint8 *data, gsize len, guint8 out[32])
{
    unsigned int n = 0;
    return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32;
}

char *yf_token_new(guint8 hash[32])
{
    guint8 raw[YF_TOKEN_RAW_LEN];
    char *text = NULL;
    if (RAND_bytes(raw, sizeof raw) != 1 || !sha256(raw, sizeof raw, hash))
        goto out;
    text = yf_base64url_encode(raw, sizeof raw);
out:
    OPENSSL_cleanse(raw, sizeof raw);
    return text;
}

gboolean yf_token_hash(const char *text, guint8 hash[32])
{
    char buf[45];
    gsize n = 0;
    gboolean ok = FALSE;
    guint8 *raw = NULL;
    if (text == NULL || strlen(text) != 43)
        return FALSE;
    for (int i = 0; i < 43; i++) {
        char c = text[i];
        if (!g_ascii_isalnum(c) && c != '-' && c != '_')
            return FALSE;
        buf[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    buf[43] = '=';
    buf[44] = '\0';
    raw = g_base64_decode(buf, &n);
    if (n != YF_TOKEN_RAW_LEN)
        goto out;
    /* One spelling per token: the last character's two spare bits must be
     * ours (zero), or four strings would be the same token. */
    char *canon = yf_base64url_encode(raw, n);
    gboolean canonical = strcmp(canon, text) == 0;
    g_free(canon);
    if (canonical)
        ok = sha256(raw, n, hash);
out:
    if (raw)
        OPENSSL_cleanse(raw, n);
    g_free(raw);
    return ok;
}
