/* room_token.h -- room tokens that admit one participant to one hearing room:
 * base64url(JSON claims) "." base64url(HMAC-SHA256(key, first part)), the key
 * 32 random bytes in DATA_DIR/room-token.key (mode 0600, made on first use).
 * Minted by the REST API (and `yuanfang token`), verified by signaling.
 * Library yf_roomtoken (signaling/token): jansson and OpenSSL only, so the API
 * and the command line need not link the rest of signaling. Any thread. */
#ifndef YF_ROOM_TOKEN_H
#define YF_ROOM_TOKEN_H

#include <glib.h>
#include <stdint.h>

#define YF_ROOM_TOKEN_ERROR (yf_room_token_error_quark())
GQuark yf_room_token_error_quark(void);

typedef enum {
    YF_ROOM_TOKEN_ERROR_MALFORMED,   /* not two base64url parts, or bad JSON claims */
    YF_ROOM_TOKEN_ERROR_ALTERED,     /* the MAC does not match */
    YF_ROOM_TOKEN_ERROR_EXPIRED,
    YF_ROOM_TOKEN_ERROR_WRONG_ROOM,
    YF_ROOM_TOKEN_ERROR_KEY,         /* the key file cannot be read or made */
} yf_room_token_error;

#define YF_ROOM_KEY_LEN 32

typedef struct {
    guint8 bytes[YF_ROOM_KEY_LEN];
} yf_room_key;

/* Invariant: every string but session non-NULL when minted or returned by
 * verify. */
typedef struct {
    char *room;          /* e.g. "appt-12" */
    char *participant;   /* "staff:3", "invitee:9" */
    char *name;          /* display name */
    char *role;          /* one of yf_room_role_valid */
    int64_t expires_s;   /* Unix seconds */
    char *session;       /* the staff sign-in the token was taken from (the store's
                          * yf_store_session_ref), so it dies with that sign-in;
                          * NULL for invitees and for `yuanfang token` */
} yf_room_claims;
void yf_room_claims_clear(yf_room_claims *c);

/* Reads DATA_DIR/room-token.key, creating it (32 bytes from RAND_bytes, 0600,
 * O_EXCL) when absent. A file of the wrong size is an error, never replaced. */
gboolean yf_room_key_load(const char *data_dir, yf_room_key *out, GError **error);

/* prosecutor, clerk, petitioner, hearing_officer, lawyer, interpreter, observer. */
gboolean yf_room_role_valid(const char *role);

/* The token for c (g_free); NULL only if c has a NULL string. */
char *yf_room_token_mint(const yf_room_key *key, const yf_room_claims *c);
/* Checks the MAC (CRYPTO_memcmp), expiry against now_s and, when room is not
 * NULL, the room. Fills *out (clear it) on success; FALSE with *error otherwise. */
gboolean yf_room_token_verify(const yf_room_key *key, const char *token, const char *room,
                              int64_t now_s, yf_room_claims *out, GError **error);

#endif
