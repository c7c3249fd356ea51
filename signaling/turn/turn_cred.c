/* turn_cred.c -- TURN REST credentials (turn_cred.h): the secret file read
 * with its mode checked, HMAC-SHA1 (RFC 2104) through OpenSSL, base64 (RFC
 * 4648 section 4) through GLib. Must not log the secret or a credential. */
#include "turn_cred.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(yf-turn-error-quark, yf_turn_error)

/* Invariants: urls has at least one entry, each "turn:" or "turns:";
 * 0 < secret_len <= YF_TURN_SECRET_MAX; 60 <= lifetime_s <= 604800. */
struct yf_turn {
    char **urls;
    guint8 secret[YF_TURN_SECRET_MAX];
    gsize secret_len;
    int lifetime_s;
};

static gboolean urls_ok(char *const *urls, GError **err)
{
    if (!urls || !urls[0]) {
        g_set_error_literal(err, YF_TURN_ERROR, YF_TURN_ERROR_CONFIG, "turn urls: name at least one URL");
        return FALSE;
    }
    for (char *const *u = urls; *u; u++) {
        if ((!g_str_has_prefix(*u, "turn:") && !g_str_has_prefix(*u, "turns:")) || strpbrk(*u, " \t\r\n\"\\")) {
            g_set_error(err, YF_TURN_ERROR, YF_TURN_ERROR_CONFIG,
                        "turn urls: \"%s\" is not a turn: or turns: URL", *u);
            return FALSE;
        }
    }
    return TRUE;
}

/* Reads the secret into t; FALSE with *err naming the file and the reason. */
static gboolean read_secret(yf_turn *t, const char *path, GError **err)
{
    char buf[YF_TURN_SECRET_MAX + 2];
    const char *why = NULL;
    struct stat st;
    ssize_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        why = g_strerror(errno);
    else if (fstat(fd, &st) != 0)
        why = g_strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if (st.st_mode & (S_IRWXG | S_IRWXO))
        why = "group or others may use it; chmod 600 it";
    else if ((n = read(fd, buf, sizeof buf - 1)) < 0)
        why = g_strerror(errno);
    if (fd >= 0)
        close(fd);
    if (!why) {
        buf[n] = '\0';
        g_strstrip(buf);
        t->secret_len = strlen(buf);
        if (n > YF_TURN_SECRET_MAX)
            why = "longer than " G_STRINGIFY(YF_TURN_SECRET_MAX) " bytes";
        else if (t->secret_len == 0)
            why = "empty";
        else
            memcpy(t->secret, buf, t->secret_len);
    }
    OPENSSL_cleanse(buf, sizeof buf);
    if (why)
        g_set_error(err, YF_TURN_ERROR, YF_TURN_ERROR_SECRET, "turn secret_file %s: %s", path, why);
    return why == NULL;
}

yf_turn *yf_turn_new(char *const *urls, const char *secret_file, int lifetime_s, GError **err)
{
    if (!urls_ok(urls, err))
        return NULL;
    if (lifetime_s < 60 || lifetime_s > 604800) {
        g_set_error_literal(err, YF_TURN_ERROR, YF_TURN_ERROR_CONFIG, "turn lifetime must be 60..604800 seconds");
        return NULL;
    }
    if (!secret_file || !*secret_file) {
        g_set_error_literal(err, YF_TURN_ERROR, YF_TURN_ERROR_SECRET, "turn secret_file is required with turn urls");
        return NULL;
    }
    yf_turn *t = g_new0(yf_turn, 1);
    if (!read_secret(t, secret_file, err)) {
        yf_turn_free(t);
        return NULL;
    }
    t->urls = g_strdupv((char **)urls);
    t->lifetime_s = lifetime_s;
    return t;
}

void yf_turn_free(yf_turn *t)
{
    if (!t)
        return;
    OPENSSL_cleanse(t->secret, sizeof t->secret);
    g_strfreev(t->urls);
    g_free(t);
}

void yf_turn_mint(const guint8 *secret, gsize secret_len, gint64 expiry_s, const char *label,
                  char **username, char **credential)
{
    char clean[YF_TURN_LABEL_MAX + 1];
    gsize i = 0;
    for (; label && label[i] && i < YF_TURN_LABEL_MAX; i++)
        clean[i] = g_ascii_isalnum(label[i]) || strchr("._-", label[i]) ? label[i] : '_';
    clean[i] = '\0';
    *username = g_strdup_printf("%" G_GINT64_FORMAT ":%s", expiry_s, clean);

    guint8 mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha1(), secret, (int)secret_len, (const unsigned char *)*username, strlen(*username), mac, &mac_len);
    *credential = g_base64_encode(mac, mac_len);
    OPENSSL_cleanse(mac, sizeof mac);
}

json_t *yf_turn_ice_servers(const yf_turn *t, const json_t *base, const char *label, gint64 now_s)
{
    json_t *out = base && json_is_array(base) ? json_deep_copy(base) : json_array();
    if (!t)
        return out;
    char *user = NULL, *cred = NULL;
    yf_turn_mint(t->secret, t->secret_len, now_s + t->lifetime_s, label, &user, &cred);
    json_t *urls = json_array();
    for (char **u = t->urls; *u; u++)
        json_array_append_new(urls, json_string(*u));
    json_array_append_new(out, json_pack("{s:o,s:s,s:s}", "urls", urls, "username", user, "credential", cred));
    OPENSSL_cleanse(cred, strlen(cred));
    g_free(user);
    g_free(cred);
    return out;
}
