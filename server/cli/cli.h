/* cli.h -- yuanfang's administrative subcommands, run instead of the server:
 *   yuanfang admin create-user --data-dir DIR --username U --display-name N
 *                              --role R [--password-stdin]
 *   yuanfang audit verify --data-dir DIR
 * The store is DATA_DIR/yuanfang.db. `--help` on each prints its options. */
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
