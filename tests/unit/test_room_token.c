/* test_room_token.c -- room tokens: mint and verify round trip, the key file
 * (created once, 0600, reused), and each refusal: altered claims or MAC, a token
 * of another key, expired, wrong room, malformed; plus the CLI's TTL parser. */
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "signaling/token/room_token.h"
#include "server/cli/room_token_cli.h"
#include "yf_test.h"

static gboolean fails_with(const yf_room_key *k, const char *tok, const char *room, int64_t now, int code)
{
    yf_room_claims out = {0};
    GError *err = NULL;
    gboolean ok = yf_room_token_verify(k, tok, room, now, &out, &err);
    gboolean match = !ok && err && err->domain == YF_ROOM_TOKEN_ERROR && err->code == code;
    g_clear_error(&err);
    yf_room_claims_clear(&out);
    return match;
}

int main(void)
{
    char *dir = g_dir_make_tmp("yf-room-token-XXXXXX", NULL);
    yf_room_key k1, k2, other;
    GError *err = NULL;
    CHECK(yf_room_key_load(dir, &k1, &err));
    CHECK(yf_room_key_load(dir, &k2, &err));
    CHECK_MEM(k1.bytes, k2.bytes, YF_ROOM_KEY_LEN);   /* made once, then reused */
    char *path = g_build_filename(dir, "room-token.key", NULL);
    GStatBuf sb;
    CHECK(g_stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600 && sb.st_size == YF_ROOM_KEY_LEN);
    memset(&other, 0x5a, sizeof other);

    yf_room_claims c = {"appt-7", "invitee:3", "张三", "petitioner", 2000, NULL};
    char *tok = yf_room_token_mint(&k1, &c);
    yf_room_claims out = {0};
    CHECK(yf_room_token_verify(&k1, tok, "appt-7", 1000, &out, &err));
    CHECK(out.room && strcmp(out.room, "appt-7") == 0 && strcmp(out.name, "张三") == 0 &&
          strcmp(out.participant, "invitee:3") == 0 && strcmp(out.role, "petitioner") == 0 &&
          out.expires_s == 2000 && out.session == NULL);
    yf_room_claims_clear(&out);
    /* A staff token carries the sign-in it came from, under the MAC. */
    yf_room_claims cs = {"appt-7", "staff:2", "王检察官", "prosecutor", 2000, "ab12"};
    char *stok = yf_room_token_mint(&k1, &cs);
    CHECK(yf_room_token_verify(&k1, stok, "appt-7", 1000, &out, &err));
    CHECK(out.session && strcmp(out.session, "ab12") == 0);
    yf_room_claims_clear(&out);
    g_free(stok);

    CHECK(fails_with(&k1, tok, "appt-8", 1000, YF_ROOM_TOKEN_ERROR_WRONG_ROOM));
    CHECK(fails_with(&k1, tok, "appt-7", 2000, YF_ROOM_TOKEN_ERROR_EXPIRED));
    CHECK(fails_with(&other, tok, "appt-7", 1000, YF_ROOM_TOKEN_ERROR_ALTERED));
    char *bad = g_strdup(tok);
    bad[3] = bad[3] == 'A' ? 'B' : 'A';                  /* claims changed */
    CHECK(fails_with(&k1, bad, "appt-7", 1000, YF_ROOM_TOKEN_ERROR_ALTERED));
    g_free(bad);
    bad = g_strdup(tok);
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';   /* MAC changed */
    CHECK(fails_with(&k1, bad, "appt-7", 1000, YF_ROOM_TOKEN_ERROR_ALTERED));
    g_free(bad);
    /* The MAC's last character with its two spare bits set: the same bytes,
     * another spelling; refused (43 characters carry 258 bits for 256). */
    bad = g_strdup(tok);
    {
        static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        char *last = &bad[strlen(bad) - 1];
        int v = (int)(strchr(alpha, *last) - alpha);
        *last = alpha[v ^ 1];
    }
    CHECK(fails_with(&k1, bad, "appt-7", 1000, YF_ROOM_TOKEN_ERROR_ALTERED));
    g_free(bad);
    bad = g_strconcat(tok, "A", NULL);                   /* a character more */
    CHECK(fails_with(&k1, bad, "appt-7", 1000, YF_ROOM_TOKEN_ERROR_ALTERED));
    g_free(bad);
    CHECK(fails_with(&k1, "no-dot-here", NULL, 1000, YF_ROOM_TOKEN_ERROR_MALFORMED));
    CHECK(fails_with(&k1, NULL, NULL, 1000, YF_ROOM_TOKEN_ERROR_MALFORMED));
    CHECK(fails_with(&k1, "a.b", NULL, 1000, YF_ROOM_TOKEN_ERROR_ALTERED));

    CHECK(yf_room_role_valid("hearing_officer") && yf_room_role_valid("witness") && !yf_room_role_valid("admin") && !yf_room_role_valid(NULL));
    CHECK_EQ_INT(yf_token_cli_parse_ttl("2h"), 7200);
    CHECK_EQ_INT(yf_token_cli_parse_ttl("30m"), 1800);
    CHECK_EQ_INT(yf_token_cli_parse_ttl("45"), 45);
    CHECK_EQ_INT(yf_token_cli_parse_ttl("1d"), 86400);
    CHECK_EQ_INT(yf_token_cli_parse_ttl("0h"), -1);
    CHECK_EQ_INT(yf_token_cli_parse_ttl("-5"), -1);
    CHECK_EQ_INT(yf_token_cli_parse_ttl("2w"), -1);
    CHECK_EQ_INT(yf_token_cli_parse_ttl(NULL), -1);
    CHECK(yf_token_cli_main(2, (char *[]){"yuanfang", "admin", NULL}) == -1);

    g_free(tok);
    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
    return yf_test_done("room_token");
}
