/* room_token_cli.c -- the `yuanfang token` subcommand: --data-dir, --room,
 * --name, --role, --ttl, optional --participant; prints one room token. It
 * reads (or on first use creates) DATA_DIR/room-token.key like the server. */
#include "room_token_cli.h"

#include <stdio.h>
#include <string.h>

#include "room_token.h"

long long yf_token_cli_parse_ttl(const char *s)
{
    char *end = NULL;
    if (s == NULL || !g_ascii_isdigit(s[0]))
        return -1;
    unsigned long long v = g_ascii_strtoull(s, &end, 10);
    long long unit = 1;
    if (strcmp(end, "d") == 0)
        unit = 86400;
    else if (strcmp(end, "h") == 0)
        unit = 3600;
    else if (strcmp(end, "m") == 0)
        unit = 60;
    else if (strcmp(end, "s") != 0 && *end != '\0')
        return -1;
    if (v == 0 || v > 366ULL * 86400)
        return -1;
    return (long long)v * unit;
}

static int mint_and_print(const char *data_dir, yf_room_claims *c)
{
    yf_room_key key;
    GError *err = NULL;
    if (!yf_room_key_load(data_dir, &key, &err)) {
        fprintf(stderr, "yuanfang token: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    char *tok = yf_room_token_mint(&key, c);
    explicit_bzero(&key, sizeof key);
    printf("%s\n", tok);
    g_free(tok);
    return 0;
}

int yf_token_cli_main(int argc, char **argv)
{
    char *data = NULL, *room = NULL, *name = NULL, *role = NULL, *ttl = NULL, *pid = NULL;
    GError *err = NULL;
    int rc = 2;
    if (argc < 2 || strcmp(argv[1], "token") != 0)
        return -1;
    GOptionEntry entries[] = {
        {"data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data, "data directory holding room-token.key", "DIR"},
        {"room", 0, 0, G_OPTION_ARG_STRING, &room, "room name, e.g. appt-12", "ROOM"},
        {"name", 0, 0, G_OPTION_ARG_STRING, &name, "display name", "NAME"},
        {"role", 0, 0, G_OPTION_ARG_STRING, &role,
         "prosecutor|clerk|petitioner|hearing_officer|lawyer|interpreter|observer", "ROLE"},
        {"ttl", 0, 0, G_OPTION_ARG_STRING, &ttl, "lifetime: 90s, 30m, 2h, 1d (2h)", "TTL"},
        {"participant", 0, 0, G_OPTION_ARG_STRING, &pid, "participant id (cli:NAME)", "ID"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    GOptionContext *ctx = g_option_context_new("- mint a room token");
    g_option_context_add_main_entries(ctx, entries, NULL);
    argc--;
    argv++;   /* "token" becomes the program name for GOption */
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "yuanfang token: %s\n", err->message);
        goto out;
    }
    long long secs = yf_token_cli_parse_ttl(ttl ? ttl : "2h");
    if (!data || !room || !*room || !name || !*name || !yf_room_role_valid(role) || secs < 0) {
        fprintf(stderr, "usage: yuanfang token --data-dir D --room R --name N --role "
                        "prosecutor|clerk|petitioner|hearing_officer|lawyer|interpreter|observer "
                        "[--ttl 2h]\n");
        goto out;
    }
    char *participant = pid ? g_strdup(pid) : g_strdup_printf("cli:%s", name);
    yf_room_claims c = {room, participant, name, role,
                        g_get_real_time() / G_USEC_PER_SEC + secs};
    rc = mint_and_print(data, &c);
    g_free(participant);
out:
    g_clear_error(&err);
    g_option_context_free(ctx);
    g_free(data); g_free(room); g_free(name); g_free(role); g_free(ttl); g_free(pid);
    return rc;
}
