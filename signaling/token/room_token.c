/* room_token.c -- HMAC-SHA256 room tokens (RFC 2104 via OpenSSL HMAC, RFC 4648
 * §5 base64url without padding) and their key file. The key never leaves the
 * data directory; comparison of MACs is constant-time. No clock is read here. */
#define G_LOG_DOMAIN "yf-room-token"
#include "room_token.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#define MAX_TOKEN_LEN 4096

G_DEFINE_QUARK(yf-room-token-error-quark, yf_room_token_error)

void yf_room_claims_clear(yf_room_claims *c)
{
    g_free(c->room);
    g_free(c->participant);
    g_free(c->session);
    g_free(c->name);
    g_free(c->role);
    memset(c, 0, sizeof *c);
}

gboolean yf_room_role_valid(const char *role)
{
    static const char *roles[] = {"prosecutor", "clerk", "petitioner", "hearing_officer",
                                  "lawyer", "interpreter", "witness", "observer", NULL};
    return role != NULL && g_strv_contains(roles, role);
}

static gboolean read_key(const char *path, yf_room_key *out, GError **error)
{
    char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, error))
        return FALSE;
    gboolean ok = len == YF_ROOM_KEY_LEN;
    if (ok)
        memcpy(out->bytes, data, YF_ROOM_KEY_LEN);
    else
        g_set_error(error, YF_ROOM_TOKEN_ERROR, YF_ROOM_TOKEN_ERROR_KEY,
                    "%s has %zu bytes, expected %d (restore it or remove it to make a new key)",
                    path, (size_t)len, YF_ROOM_KEY_LEN);
    explicit_bzero(data, len);
    g_free(data);
    return ok;
}

static gboolean create_key(const char *path, GError **error)
{
    guint8 key[YF_ROOM_KEY_LEN];
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST;   /* made by someone else meanwhile: read theirs */
    gboolean ok = RAND_bytes(key, sizeof key) == 1 &&
                  write(fd, key, sizeof key) == (ssize_t)sizeof key && fsync(fd) == 0;
    close(fd);
    explicit_bzero(key, sizeof key);
    if (!ok) {
        unlink(path);
        g_set_error(error, YF_ROOM_TOKEN_ERROR, YF_ROOM_TOKEN_ERROR_KEY, "cannot write %s", path);
    }
    return ok;
}

gboolean yf_room_key_load(const char *data_dir, yf_room_key *out, GError **error)
{
    char *path = g_build_filename(data_dir, "room-token.key", NULL);
    gboolean ok = FALSE;
    if (!g_file_test(path, G_FILE_TEST_EXISTS) && !create_key(path, error)) {
        if (error && *error == NULL)
            g_set_error(error, YF_ROOM_TOKEN_ERROR, YF_ROOM_TOKEN_ERROR_KEY, "cannot create %s: %s",
                        path, g_strerror(errno));
        goto out;
    }
    ok = read_key(path, out, error);
out:
    g_free(path);
    return ok;
}

/* Unpadded base64url (RFC 4648 §5) of len bytes (g_free). */
static char *b64url_encode(const guint8 *data, gsize len)
{
    char *s = g_base64_encode(data, len);
    size_t n = 0;
    for (char *p = s; *p && *p != '='; p++, n++)
        *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    s[n] = '\0';
    return s;
}

static void mac_of(const yf_room_key *key, const char *data, size_t len, guint8 mac[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), key->bytes, YF_ROOM_KEY_LEN, (const unsigned char *)data, len, mac, &n);
}

char *yf_room_token_mint(const yf_room_key *key, const yf_room_claims *c)
{
    guint8 mac[32];
    if (!c->room || !c->participant || !c->name || !c->role)
        return NULL;
    json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:I}", "v", 1, "room", c->room,
                          "pid", c->participant, "name", c->name, "role", c->role,
                          "exp", (json_int_t)c->expires_s);
    if (o && c->session)
        json_object_set_new(o, "sess", json_string(c->session));
    char *payload = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!payload)
        return NULL;
    char *head = b64url_encode((const guint8 *)payload, strlen(payload));
    free(payload);
    mac_of(key, head, strlen(head), mac);
    char *tail = b64url_encode(mac, sizeof mac);
    char *token = g_strconcat(head, ".", tail, NULL);
    g_free(head);
    g_free(tail);
    return token;
}

/* Unpadded base64url to bytes (g_free); NULL on a character outside the alphabet. */
static guint8 *b64url_decode(const char *s, size_t len, gsize *out_len)
{
    GString *std = g_string_sized_new(len + 4);
    for (size_t i = 0; i < len; i++) {
        char ch = s[i];
        if (!g_ascii_isalnum(ch) && ch != '-' && ch != '_') {
            g_string_free(std, TRUE);
            return NULL;
        }
        g_string_append_c(std, ch == '-' ? '+' : ch == '_' ? '/' : ch);
    }
    while (std->len % 4)
        g_string_append_c(std, '=');
    guint8 *out = g_base64_decode(std->str, out_len);
    g_string_free(std, TRUE);
    return out;
}

static gboolean fail(GError **error, yf_room_token_error code, const char *msg)
{
    g_set_error_literal(error, YF_ROOM_TOKEN_ERROR, code, msg);
    return FALSE;
}

static gboolean parse_claims(const guint8 *data, gsize len, yf_room_claims *out)
{
    const char *room, *pid, *name, *role;
    json_int_t v = 0, exp = 0;
    json_t *o = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, NULL);
    gboolean ok = o && json_unpack(o, "{s:I, s:s, s:s, s:s, s:s, s:I}", "v", &v, "room", &room,
                                   "pid", &pid, "name", &name, "role", &role, "exp", &exp) == 0 &&
                  v == 1;
    if (ok) {
        out->room = g_strdup(room);
        out->participant = g_strdup(pid);
        out->name = g_strdup(name);
        out->role = g_strdup(role);
        out->expires_s = exp;
        json_t *sess = json_object_get(o, "sess");
        out->session = json_is_string(sess) && json_string_length(sess) <= 128 ? g_strdup(json_string_value(sess)) : NULL;
        ok = !sess || out->session;   /* present but not a short string: malformed */
        if (!ok)
            yf_room_claims_clear(out);
    }
    json_decref(o);
    return ok;
}

gboolean yf_room_token_verify(const yf_room_key *key, const char *token, const char *room,
                              int64_t now_s, yf_room_claims *out, GError **error)
{
    guint8 want[32];
    gsize mac_len = 0, claims_len = 0;
    yf_room_claims c = {0};
    const char *dot = token ? strchr(token, '.') : NULL;
    if (!dot || strlen(token) > MAX_TOKEN_LEN)
        return fail(error, YF_ROOM_TOKEN_ERROR_MALFORMED, "malformed room token");
    guint8 *mac = b64url_decode(dot + 1, strlen(dot + 1), &mac_len);
    mac_of(key, token, (size_t)(dot - token), want);
    gboolean same = mac && mac_len == sizeof want && CRYPTO_memcmp(mac, want, sizeof want) == 0;
    if (same) {
        /* One spelling per token: the MAC's last character carries two bits
         * base64 leaves over, and four spellings of it decode alike; only
         * ours is taken, so a token string names one token. */
        char *ours = b64url_encode(want, sizeof want);
        same = strcmp(ours, dot + 1) == 0;
        g_free(ours);
    }
    g_free(mac);
    if (!same)
        return fail(error, YF_ROOM_TOKEN_ERROR_ALTERED, "room token altered or not ours");
    guint8 *claims = b64url_decode(token, (size_t)(dot - token), &claims_len);
    gboolean parsed = claims && parse_claims(claims, claims_len, &c);
    g_free(claims);
    if (!parsed)
        return fail(error, YF_ROOM_TOKEN_ERROR_MALFORMED, "malformed room token claims");
    if (now_s >= c.expires_s) {
        yf_room_claims_clear(&c);
        return fail(error, YF_ROOM_TOKEN_ERROR_EXPIRED, "room token expired");
    }
    if (room && strcmp(room, c.room) != 0) {
        yf_room_claims_clear(&c);
        return fail(error, YF_ROOM_TOKEN_ERROR_WRONG_ROOM, "room token is for another room");
    }
    *out = c;
    return TRUE;
}
