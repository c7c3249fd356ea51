/* turn_cred.h -- time-limited TURN credentials (the TURN REST scheme that
 * coturn's use-auth-secret checks): username "EXPIRY:LABEL" (EXPIRY in Unix
 * seconds), credential base64(HMAC-SHA1(secret, username)) (RFC 2104).
 * The shared secret is read once from a file that only its owner may read.
 * Library yf_turn (signaling/turn): OpenSSL, jansson and GLib only. Neither
 * the secret nor a credential is ever logged. Any thread; a yf_turn is
 * immutable after yf_turn_new. */
#ifndef YF_TURN_CRED_H
#define YF_TURN_CRED_H

#include <glib.h>
#include <jansson.h>

#define YF_TURN_ERROR (yf_turn_error_quark())
GQuark yf_turn_error_quark(void);
typedef enum {
    YF_TURN_ERROR_SECRET,   /* the secret file cannot be read, is empty, too long or
                               readable by group or others (the message says which) */
    YF_TURN_ERROR_CONFIG,   /* no URL, a URL that is not turn: or turns:, a bad lifetime */
} yf_turn_error;

#define YF_TURN_SECRET_MAX 1024
#define YF_TURN_LABEL_MAX 64

typedef struct yf_turn yf_turn;

/* urls: NULL-terminated "turn:..." / "turns:..." URLs (copied); secret_file:
 * the shared secret, surrounding white space dropped; lifetime_s: how long a
 * credential is valid, 60..604800. NULL with *err set (YF_TURN_ERROR_*). */
yf_turn *yf_turn_new(char *const *urls, const char *secret_file, int lifetime_s, GError **err);
/* Wipes the secret. Accepts NULL. */
void yf_turn_free(yf_turn *t);

/* The two strings of one credential: *username = "EXPIRY:LABEL", *credential
 * = base64(HMAC-SHA1(secret, username)); both g_free'd by the caller. The
 * label is cut to YF_TURN_LABEL_MAX bytes and every byte but [A-Za-z0-9._-]
 * becomes '_' (it is the name coturn logs: give an id, never a person's name). */
void yf_turn_mint(const guint8 *secret, gsize secret_len, gint64 expiry_s, const char *label,
                  char **username, char **credential);

/* A new JSON array: a deep copy of base (an array of RTCIceServer objects, or
 * NULL for none) and, when t is not NULL, one {"urls":[...],"username":...,
 * "credential":...} minted for label, valid until now_s + lifetime. */
json_t *yf_turn_ice_servers(const yf_turn *t, const json_t *base, const char *label, gint64 now_s);

#endif
