/* cli.h -- the account and audit subcommands, run instead of the server
 * (`yuanfang admin create-user`, `yuanfang audit verify`; the store is
 * DATA_DIR/yuanfang.db). Library yf_cli (server/cli) holds every subcommand:
 * this file, room_token_cli.h (`token`), evidence_cli.h (`verify`,
 * `evidence pubkey|build`) and subcommand.h, which dispatches over their
 * tables and makes each --help from its options (docs/config.md lists them).
 * Uses the store, evidence and the room tokens. Main thread, before the loop. */
#ifndef YF_CLI_H
#define YF_CLI_H

#include "subcommand.h"

/* The commands above, for subcommand.c's dispatcher and lists. */
extern const yf_subcommand yf_cli_commands[];

/* Runs the subcommand named by argv[1..2] and returns the process exit code
 * (0 ok or help shown, 1 failure or broken audit chain, 2 usage), or -1 when
 * argv[1] is not "admin" or "audit" so the caller looks elsewhere. Main
 * thread, before the loop. */
int yf_cli_main(int argc, char **argv);

#endif
