/* password.c -- scrypt password hashes through OpenSSL's EVP_PBE_scrypt, the
 * "$scrypt$ln=..,r=8,p=1$salt$hash" encoding, the creation policy, and a
 * constant-time comparison (CRYPTO_memcmp). Never logs or keeps a password. */
#include "password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

#include "store.h"

#define SALT_LEN 16
#define HASH_LEN 32
#define SCRYPT_R 8
#define SCRYPT_P 1

gboolean yf_password_check_policy(const char *password, GError **error)
{
    const char *why = NULL;
    if (password == NULL || !g_utf8_validate(password, -1, NULL))
        why = "password must be valid UTF-8 text";
    else if (strlen(password) > YF_PASSWORD_MAX_BYTES)
        why = "password is longer than 1024 bytes";
    else if (g_utf8_strlen(password, -1) < YF_PASSWORD_MIN_CHARS)
        why = "password must have at least 10 characters";
    else {
        gunichar first = g_utf8_get_char(password);
        const char *p = password;
        while (*p && g_utf8_get_char(p) == first)
            p = g_utf8_next_char(p);
        if (*p == '\0')
            why = "password must not repeat one character";
    }
    if (why) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, why);
        return FALSE;
    }
    return TRUE;
}

static gboolean derive(const char *password, const guint8 *salt, gsize salt_len, int ln,
                       guint8 out[HASH_LEN])
{
    uint64_t n = (uint64_t)1 << ln;
    uint64_t maxmem = 128ull * SCRYPT_R * n + (1ull << 20) * 4;  /* V plus slack */
    return EVP_PBE_scrypt(password, strlen(password), salt, salt_len, n, SCRYPT_R, SCRYPT_P,
                          maxmem, out, HASH_LEN) == 1;
}

static char *b64_nopad(const guint8 *d, gsize n)
{
    char *s = g_base64_encode(d, n);
    gsize len = strlen(s);
    while (len > 0 && s[len - 1] == '=')
        s[--len] = '\0';
    return s;
}

char *yf_password_hash(const char *password, int ln, GError **error)
{
    guint8 salt[SALT_LEN], hash[HASH_LEN];
    char *s_salt = NULL, *s_hash = NULL, *out = NULL;
    if (ln == 0)
        ln = YF_PASSWORD_LN_DEFAULT;
    if (ln < YF_PASSWORD_LN_MIN || ln > YF_PASSWORD_LN_MAX || password == NULL) {
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "scrypt cost ln=%d out of range", ln);
        return NULL;
    }
    if (RAND_bytes(salt, sizeof salt) != 1 || !derive(password, salt, sizeof salt, ln, hash)) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INTERNAL, "scrypt failed");
        goto out;
    }
    s_salt = b64_nopad(salt, sizeof salt);
    s_hash = b64_nopad(hash, sizeof hash);
    out = g_strdup_printf("$scrypt$ln=%d,r=%d,p=%d$%s$%s", ln, SCRYPT_R, SCRYPT_P, s_salt, s_hash);
out:
    OPENSSL_cleanse(hash, sizeof hash);
    g_free(s_salt);
    g_free(s_hash);
    return out;
}

/* Decodes unpadded standard base64 of exactly want bytes into a new buffer. */
static guint8 *b64_decode_exact(const char *s, gsize want)
{
    gsize len = strlen(s), n = 0;
    if (len == 0 || len > 64 || strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != len)
        return NULL;
    char *padded = g_strnfill(len + (4 - len % 4) % 4, '=');
    memcpy(padded, s, len);
    guint8 *d = g_base64_decode(padded, &n);
    g_free(padded);
    if (n != want) {
        g_free(d);
        return NULL;
    }
    return d;
}

gboolean yf_password_verify(const char *password, const char *encoded)
{
    gboolean ok = FALSE;
    guint8 calc[HASH_LEN];
    guint8 *salt = NULL, *want = NULL;
    int ln = 0, r = 0, p = 0, used = 0;
    char **parts = encoded ? g_strsplit(encoded, "$", -1) : NULL;
    if (password == NULL || parts == NULL || g_strv_length(parts) != 5 || parts[0][0] != '\0' ||
        strcmp(parts[1], "scrypt") != 0)
        goto out;
    if (sscanf(parts[2], "ln=%d,r=%d,p=%d%n", &ln, &r, &p, &used) != 3 ||
        parts[2][used] != '\0' || ln < YF_PASSWORD_LN_MIN || ln > YF_PASSWORD_LN_MAX ||
        r != SCRYPT_R || p != SCRYPT_P)
        goto out;
    salt = b64_decode_exact(parts[3], SALT_LEN);
    want = b64_decode_exact(parts[4], HASH_LEN);
    if (salt == NULL || want == NULL || !derive(password, salt, SALT_LEN, ln, calc))
        goto out;
    ok = CRYPTO_memcmp(calc, want, HASH_LEN) == 0;
out:
    OPENSSL_cleanse(calc, sizeof calc);
    g_free(salt);
    g_free(want);
    g_strfreev(parts);
    return ok;
}
