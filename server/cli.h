/* cli.h -- yuanfang's administrative subcommands, run instead of the server:
 *   yuanfang admin create-user --data-dir DIR --username U --display-name N
 *                              --role R [--password-stdin]
 *   yuanfang audit verify --data-dir DIR
 * The store is DATA_DIR/yuanfang.db. */
#ifndef YF_CLI_H
#define YF_CLI_H

/* Runs the subcommand named by argv[1] and returns the process exit code (0 ok,
 * 1 failure or broken audit chain, 2 usage), or -1 when argv[1] is not one of
 * ours so main goes on to start the server. Main thread, before the loop. */
int yf_cli_main(int argc, char **argv);

#endif
