/* test_password.c -- scrypt password hashes: round trip, wrong password, the
 * encoding, malformed strings refused, the creation policy, and the time the
 * production cost takes (printed, for tuning YF_PASSWORD_LN_DEFAULT). */
#include <glib.h>

#include "server/store/password.h"
#include "server/store/store.h"
#include "server/store/token.h"
#include "yf_test.h"

static void test_roundtrip(void)
{
    char *h = yf_password_hash("correct horse battery", 10, NULL);
    CHECK(h != NULL);
    CHECK(g_str_has_prefix(h, "$scrypt$ln=10,r=8,p=1$"));
    CHECK(yf_password_verify("correct horse battery", h));
    CHECK(!yf_password_verify("correct horse batterz", h));
    CHECK(!yf_password_verify("", h));
    char *h2 = yf_password_hash("correct horse battery", 10, NULL);
    CHECK(strcmp(h, h2) != 0);                 /* fresh salt each time */
    CHECK(yf_password_verify("correct horse battery", h2));
    /* Unicode passwords are bytes in, bytes compared. */
    char *u = yf_password_hash("检察院远程接访密码二〇二四", 10, NULL);
    CHECK(yf_password_verify("检察院远程接访密码二〇二四", u));
    CHECK(!yf_password_verify("检察院远程接访密码二〇二五", u));
    g_free(h);
    g_free(h2);
    g_free(u);
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "", "$scrypt$", "$scrypt$ln=10,r=8,p=1$AAAA$BBBB", "$argon2id$v=19$m=1,t=1,p=1$AA$BB",
        "$scrypt$ln=99,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "$scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$!!!",
        "$scrypt$ln=10,r=8,p=1x$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "scrypt$ln=10,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++)
        CHECK(!yf_password_verify("whatever password", bad[i]));
    CHECK(!yf_password_verify("whatever password", NULL));
    CHECK(yf_password_hash("x", 3, NULL) == NULL);   /* cost out of range */
}

static void test_policy(void)
{
    static const struct { const char *pw, *user; gboolean ok; } t[] = {
        { "short", NULL, FALSE }, { "123456789", NULL, FALSE },
        { "1234567890", NULL, FALSE },              /* only digits */
        { "13800138000", NULL, FALSE },             /* a phone number */
        { "abcdefghijk", NULL, FALSE },             /* a run */
        { "9876543210", NULL, FALSE },
        { "ababababab", NULL, FALSE },              /* two different characters */
        { "Password123", NULL, FALSE }, { "qwertyuiop", NULL, FALSE },   /* the commonest */
        { "wangjianguo", "wangjianguo", FALSE },   /* the user name */
        { "WangJianGuo1", "wangjianguo", FALSE },  /* ... with a character added */
        { "admin-password-1", "admin", TRUE },      /* the name inside a real passphrase */
        { "春天的第一场雨来得很早", "王检察官", TRUE },
        { "aaaaaaaaaaaaaaaa", NULL, FALSE }, { "远访远访远访远访远访", NULL, FALSE }, { "远访远访", NULL, FALSE },
        { "远访是检察院的视频接访系统", NULL, TRUE }, { "correct horse 9", NULL, TRUE },
        { "\xff\xfe invalid utf8 x", NULL, FALSE },
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(t); i++) {
        GError *e = NULL;
        gboolean ok = yf_password_check_policy(t[i].pw, t[i].user, &e);
        if (ok != t[i].ok)
            fprintf(stderr, "policy row %u (%s): got %d (%s)\n", i, t[i].pw, ok, e ? e->message : "");
        CHECK(ok == t[i].ok);
        CHECK(ok || (e && e->code == YF_STORE_ERROR_INVALID && e->message[0]));
        g_clear_error(&e);
    }
    char *big = g_strnfill(YF_PASSWORD_MAX_BYTES + 1, 'x');
    big[0] = 'y';
    CHECK(!yf_password_check_policy(big, NULL, NULL));
    g_free(big);
}

static void test_tokens(void)
{
    guint8 h1[32], h2[32], h3[32];
    char *t = yf_token_new(h1);
    CHECK(t && strlen(t) == 43);
    CHECK(yf_token_hash(t, h2));
    CHECK_MEM(h1, h2, 32);
    char *t2 = yf_token_new(h3);
    CHECK(strcmp(t, t2) != 0 && memcmp(h1, h3, 32) != 0);
    CHECK(!yf_token_hash("short", h2));
    CHECK(!yf_token_hash("+++++++++++++++++++++++++++++++++++++++++++", h2));
    CHECK(!yf_token_hash(NULL, h2));
    /* the same bytes spelt with the last character's spare bits set: refused */
    {
        static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char *other = g_strdup(t);
        other[42] = alpha[(strchr(alpha, other[42]) - alpha) ^ 1];
        CHECK(!yf_token_hash(other, h2));
        g_free(other);
    }
    g_free(t);
    g_free(t2);
}

static void time_default_cost(void)
{
    gint64 t0 = g_get_monotonic_time();
    char *h = yf_password_hash("measure the default cost", 0, NULL);
    gint64 t1 = g_get_monotonic_time();
    CHECK(h && g_str_has_prefix(h, "$scrypt$ln=15,"));
    CHECK(yf_password_verify("measure the default cost", h));
    printf("scrypt ln=%d: hash %.1f ms\n", YF_PASSWORD_LN_DEFAULT, (t1 - t0) / 1000.0);
    g_free(h);
}

int main(void)
{
    test_roundtrip();
    test_malformed();
    test_policy();
    test_tokens();
    time_default_cost();
    return yf_test_done("test_password");
}
