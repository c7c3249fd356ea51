/* room_token_cli.c -- the `yuanfang token` subcommand: --data-dir, --room,
 * --name, --role, --ttl, optional --participant (options and --help through
 * subcommand.c); prints one room token. It reads (or on first use creates)
 * DATA_DIR/room-token.key like the server. */
#include "room_token_cli.h"

#include <stdio.h>
#include <string.h>

#include "signaling/token/room_token.h"

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

static int token_run(const yf_subcommand *self, int argc, char **argv)
{
    char *data = NULL, *room = NULL, *name = NULL, *role = NULL, *ttl = NULL, *pid = NULL;
    int rc = 2;
    const GOptionEntry entries[] = {
        {"data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data, "data directory holding room-token.key (required)", "DIR"},
        {"room", 0, 0, G_OPTION_ARG_STRING, &room, "room name, e.g. appt-12 (required)", "ROOM"},
        {"name", 0, 0, G_OPTION_ARG_STRING, &name, "display name (required)", "NAME"},
        {"role", 0, 0, G_OPTION_ARG_STRING, &role,
         "prosecutor|clerk|petitioner|hearing_officer|lawyer|interpreter|witness|observer (required)", "ROLE"},
        {"ttl", 0, 0, G_OPTION_ARG_STRING, &ttl, "lifetime: 90s, 30m, 2h, 1d (2h)", "TTL"},
        {"participant", 0, 0, G_OPTION_ARG_STRING, &pid, "participant id (cli:NAME)", "ID"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!yf_subcommand_parse(self, entries, argc, argv, NULL, &rc))
        goto out;
    long long secs = yf_token_cli_parse_ttl(ttl ? ttl : "2h");
    if (!data || !room || !*room || !name || !*name || !role) {
        rc = yf_subcommand_usage_error(self, entries, "--data-dir, --room, --name and --role are required");
        goto out;
    }
    if (!yf_room_role_valid(role)) {
        rc = yf_subcommand_usage_error(self, entries, "unknown role '%s'", role);
        goto out;
    }
    if (secs < 0) {
        rc = yf_subcommand_usage_error(self, entries, "--ttl wants 90s, 30m, 2h, 1d or seconds, not '%s'", ttl);
        goto out;
    }
    char *participant = pid ? g_strdup(pid) : g_strdup_printf("cli:%s", name);
    yf_room_claims c = {room, participant, name, role,
                        g_get_real_time() / G_USEC_PER_SEC + secs, NULL};
    rc = mint_and_print(data, &c);
    g_free(participant);
out:
    g_free(data); g_free(room); g_free(name); g_free(role); g_free(ttl); g_free(pid);
    return rc;
}

const yf_subcommand yf_token_cli_commands[] = {
    {"token", NULL, NULL, "mint a room token signed with DATA_DIR/room-token.key",
     "Prints the token on stdout. It reads the key the server uses, or makes it on first use.", token_run},
    {NULL, NULL, NULL, NULL, NULL, NULL}};

int yf_token_cli_main(int argc, char **argv)
{
    return yf_subcommand_dispatch(yf_token_cli_commands, argc, argv);
}
