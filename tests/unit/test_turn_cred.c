/* test_turn_cred.c -- TURN REST credentials: the HMAC-SHA1 credential against
 * vectors computed independently (`printf %s USERNAME | openssl dgst -sha1
 * -hmac SECRET -binary | base64`), the label made safe, the secret file's
 * mode and contents checked, and the iceServers entry handed to browsers. */
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signaling/turn/turn_cred.h"
#include "yf_test.h"

static const guint8 SECRET[] = "north-gate-secret";

static void test_vectors(void)
{
    static const struct { gint64 expiry; const char *label, *user, *cred; } rows[] = {
        {1767225600, "p-7", "1767225600:p-7", "sH1uhbVZdHyX42yrUtutezBX6iY="},
        /* a label that is not [A-Za-z0-9._-] is made safe before it is signed */
        {1767268800, "petitioner 2", "1767268800:petitioner_2", "mzu1DkrRqY3bqGWfzn9YqFB9bTY="},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        char *user = NULL, *cred = NULL;
        yf_turn_mint(SECRET, sizeof SECRET - 1, rows[i].expiry, rows[i].label, &user, &cred);
        CHECK(g_str_equal(user, rows[i].user));
        CHECK(g_str_equal(cred, rows[i].cred));
        if (!g_str_equal(cred, rows[i].cred))
            fprintf(stderr, "row %zu: %s -> %s\n", i, user, cred);
        g_free(user);
        g_free(cred);
    }
    /* A long label is cut; NULL is an empty one. */
    char *user = NULL, *cred = NULL;
    char long_label[200];
    memset(long_label, 'a', sizeof long_label - 1);
    long_label[sizeof long_label - 1] = '\0';
    yf_turn_mint(SECRET, sizeof SECRET - 1, 1, long_label, &user, &cred);
    CHECK_EQ_INT(strlen(user), 2 + YF_TURN_LABEL_MAX);
    g_free(user); g_free(cred);
    yf_turn_mint(SECRET, sizeof SECRET - 1, 5, NULL, &user, &cred);
    CHECK(g_str_equal(user, "5:"));
    g_free(user); g_free(cred);
}

static char *secret_file(const char *text, int mode)
{
    char *path = NULL;
    int fd = g_file_open_tmp("yf-turn-XXXXXX", &path, NULL);
    g_assert(fd >= 0);
    close(fd);
    g_file_set_contents(path, text, -1, NULL);
    g_chmod(path, mode);
    return path;
}

static yf_turn *load(const char *text, int mode, char **urls, int lifetime, GError **err)
{
    char *path = secret_file(text, mode);
    yf_turn *t = yf_turn_new(urls, path, lifetime, err);
    g_unlink(path);
    g_free(path);
    return t;
}

static void test_secret_file(void)
{
    char *urls[] = {"turn:192.0.2.1:3478?transport=udp", "turns:turn.example.gov.cn:443?transport=tcp", NULL};
    char *bad_urls[] = {"stun:192.0.2.1", NULL};
    char *no_urls[] = {NULL};
    const struct { const char *text; int mode; char **urls; int lifetime; const char *want_err; } rows[] = {
        {"north-gate-secret\n", 0600, urls, 3600, NULL},
        {"north-gate-secret", 0400, urls, 60, NULL},
        {"north-gate-secret\n", 0640, urls, 3600, "chmod 600"},
        {"north-gate-secret\n", 0604, urls, 3600, "chmod 600"},
        {" \n", 0600, urls, 3600, "empty"},
        {"north-gate-secret", 0600, bad_urls, 3600, "not a turn"},
        {"north-gate-secret", 0600, no_urls, 3600, "at least one"},
        {"north-gate-secret", 0600, urls, 59, "lifetime"},
        {"north-gate-secret", 0600, urls, 604801, "lifetime"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        GError *err = NULL;
        yf_turn *t = load(rows[i].text, rows[i].mode, rows[i].urls, rows[i].lifetime, &err);
        if (rows[i].want_err) {
            CHECK(!t && err && strstr(err->message, rows[i].want_err));
            /* the message names the problem, never the secret */
            CHECK(!err || !strstr(err->message, "north-gate"));
        } else {
            CHECK(t && !err);
        }
        if (err && !rows[i].want_err)
            fprintf(stderr, "row %zu: %s\n", i, err->message);
        g_clear_error(&err);
        yf_turn_free(t);
    }
    GError *err = NULL;
    CHECK(!yf_turn_new(urls, "/nonexistent/turn-secret", 3600, &err) && err && err->code == YF_TURN_ERROR_SECRET);
    g_clear_error(&err);
    CHECK(!yf_turn_new(urls, NULL, 3600, &err) && err && strstr(err->message, "secret_file"));
    g_clear_error(&err);
    /* too long */
    char big[YF_TURN_SECRET_MAX + 10];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK(!load(big, 0600, urls, 3600, &err) && err && strstr(err->message, "longer"));
    g_clear_error(&err);
    yf_turn_free(NULL);
}

/* What a browser gets: the configured servers, then the TURN entry whose
 * credential is the HMAC of its own username (the vector above). */
static void test_ice_servers(void)
{
    char *urls[] = {"turn:192.0.2.1:3478?transport=udp", "turns:turn.example.gov.cn:443?transport=tcp", NULL};
    GError *err = NULL;
    yf_turn *t = load("north-gate-secret\n", 0600, urls, 3600, &err);
    CHECK(t != NULL);
    json_t *base = json_pack("[{s:[s]}]", "urls", "stun:stun.example.org:3478");
    json_t *ice = yf_turn_ice_servers(t, base, "p-7", 1767225600 - 3600);
    CHECK(json_array_size(ice) == 2);
    CHECK(json_equal(json_array_get(ice, 0), json_array_get(base, 0)));
    json_t *turn = json_array_get(ice, 1);
    CHECK(g_strcmp0(json_string_value(json_object_get(turn, "username")), "1767225600:p-7") == 0);
    CHECK(g_strcmp0(json_string_value(json_object_get(turn, "credential")), "sH1uhbVZdHyX42yrUtutezBX6iY=") == 0);
    json_t *u = json_object_get(turn, "urls");
    CHECK(json_array_size(u) == 2 && g_strcmp0(json_string_value(json_array_get(u, 1)), urls[1]) == 0);
    json_decref(ice);
    /* Without TURN: a copy of the base, not the base itself. */
    ice = yf_turn_ice_servers(NULL, base, "p-7", 0);
    CHECK(ice != base && json_equal(ice, base));
    json_decref(ice);
    ice = yf_turn_ice_servers(NULL, NULL, "p-7", 0);
    CHECK(json_is_array(ice) && json_array_size(ice) == 0);
    json_decref(ice);
    json_decref(base);
    yf_turn_free(t);
}

int main(void)
{
    test_vectors();
    test_secret_file();
    test_ice_servers();
    return yf_test_done("test_turn_cred");
}
