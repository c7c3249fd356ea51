/* password.h -- staff password hashing with scrypt (OpenSSL EVP_PBE_scrypt):
 * random 16-byte salt, r=8, p=1, N=2^ln, encoded self-describing as
 * "$scrypt$ln=15,r=8,p=1$<b64 salt>$<b64 hash>" (standard base64, no padding).
 * Verification is constant-time in the hash comparison. */
#ifndef YF_PASSWORD_H
#define YF_PASSWORD_H

#include <glib.h>

#define YF_PASSWORD_LN_DEFAULT 15   /* 32 MiB; measured 100-127 ms per hash or verify here */
#define YF_PASSWORD_LN_MIN 10       /* tests only */
#define YF_PASSWORD_LN_MAX 20
#define YF_PASSWORD_MIN_CHARS 10
#define YF_PASSWORD_MAX_BYTES 1024

/* Policy for new passwords: >= 10 characters (UTF-8 code points), <= 1024
 * bytes, valid UTF-8, and not guessable at once: at least 4 different
 * characters, not only digits, not a run like "abcdefghij", not one of the
 * commonest passwords, and not the user name with a few characters added
 * (compared without case; username may be NULL). FALSE with a reason in
 * *error (YF_STORE_ERROR_INVALID). */
gboolean yf_password_check_policy(const char *password, const char *username, GError **error);
/* Hashes with cost ln (0 = YF_PASSWORD_LN_DEFAULT); newly allocated string, NULL
 * with *error set on failure. */
char *yf_password_hash(const char *password, int ln, GError **error);
/* TRUE when password matches encoded; FALSE on mismatch or a malformed string. */
gboolean yf_password_verify(const char *password, const char *encoded);

#endif
