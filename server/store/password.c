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

/* Long enough for the length rule and still first to be tried. */
static const char *const common[] = {
    "1q2w3e4r5t", "1qaz2wsx3edc", "qwertyuiop", "qwertyuiop123", "password12", "password123",
    "passw0rd12", "iloveyou12", "admin12345", "admin123456", "abc1234567", "a123456789",
    "qwe1234567", "woaini1314", "5201314520", "aa12345678", "abcd123456", "zxcvbnm123",
};

static guint distinct_chars(const char *s)
{
    GHashTable *seen = g_hash_table_new(NULL, NULL);
    for (const char *p = s; *p; p = g_utf8_next_char(p))
        g_hash_table_add(seen, GUINT_TO_POINTER(g_utf8_get_char(p)));
    guint n = g_hash_table_size(seen);
    g_hash_table_destroy(seen);
    return n;
}

/* Every character one more, or every one one less, than the one before. */
static gboolean is_run(const char *s)
{
    int step = 0;
    for (const char *p = s; p[0] && p[1]; p++) {
        int d = (unsigned char)p[1] - (unsigned char)p[0];
        if ((d != 1 && d != -1) || (step && d != step))
            return FALSE;
        step = d;
    }
    return TRUE;
}

/* What is left of password once every occurrence of username (no case) is cut out. */
static glong chars_besides(const char *password, const char *username)
{
    char *pw = g_utf8_casefold(password, -1), *user = g_utf8_casefold(username, -1);
    glong left = g_utf8_strlen(pw, -1);
    size_t ul = strlen(user);
    for (const char *p = pw; ul && (p = strstr(p, user)) != NULL; p += ul)
        left -= g_utf8_strlen(user, -1);
    g_free(pw);
    g_free(user);
    return left;
}

gboolean yf_password_check_policy(const char *password, const char *username, GError **error)
{
    const char *why = NULL;
    if (password == NULL || !g_utf8_validate(password, -1, NULL))
        why = "password must be valid UTF-8 text";
    else if (strlen(password) > YF_PASSWORD_MAX_BYTES)
        why = "password is longer than 1024 bytes";
    else if (g_utf8_strlen(password, -1) < YF_PASSWORD_MIN_CHARS)
        why = "password must have at least 10 characters";
    else if (distinct_chars(password) < 4)
        why = "password must use at least 4 different characters";
    else if (strspn(password, "0123456789") == strlen(password))
        why = "password must not be only digits";
    else if (is_run(password))
        why = "password must not be a run of characters such as abcdefghij";
    else if (username && *username && chars_besides(password, username) < 6)
        why = "password must not be the user name with a few characters added";
    else {
        char *lower = g_ascii_strdown(password, -1);
        for (size_t i = 0; i < G_N_ELEMENTS(common) && !why; i++)
            if (strcmp(lower, common[i]) == 0)
                why = "password is one of the commonest passwords";
        g_free(lower);
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
