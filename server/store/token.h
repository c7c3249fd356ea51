/* token.h -- bearer tokens for sessions and invitations: 32 bytes from
 * RAND_bytes, handed out once as unpadded base64url (43 chars), stored only as
 * their SHA-256. Nothing here keeps the raw token. */
#ifndef YF_TOKEN_H
#define YF_TOKEN_H

#include <glib.h>

#define YF_TOKEN_RAW_LEN 32

/* A new token as base64url (g_free) and its SHA-256 into hash. NULL if the
 * random generator fails. */
char *yf_token_new(guint8 hash[32]);
/* SHA-256 of the decoded token; FALSE when text is not a well-formed token. */
gboolean yf_token_hash(const char *text, guint8 hash[32]);
/* Unpadded base64url of len bytes (g_free). */
char *yf_base64url_encode(const guint8 *data, gsize len);

#endif
