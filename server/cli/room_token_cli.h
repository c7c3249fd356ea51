/* room_token_cli.h -- `yuanfang token ...`: mint a room token from the command
 * line (for tests, kiosks and operators), with the server's key. */
#ifndef YF_ROOM_TOKEN_CLI_H
#define YF_ROOM_TOKEN_CLI_H

#include "subcommand.h"

/* The `token` command, for subcommand.c's dispatcher and lists. */
extern const yf_subcommand yf_token_cli_commands[];

/* argv[1] must be "token", else returns -1 without output. Otherwise prints
 * the token (or with --help the usage) on stdout and returns 0, or a message
 * on stderr and returns 2 (usage) or 1 (key file). Main thread, before any
 * server starts. */
int yf_token_cli_main(int argc, char **argv);

/* "2h", "30m", "45s", "1d" or plain seconds to seconds; -1 when malformed or
 * not positive. */
long long yf_token_cli_parse_ttl(const char *s);

#endif
