/* evidence_cli.h -- `yuanfang verify ARCHIVE --pubkey FILE` and `yuanfang
 * evidence pubkey|build ...` (docs/evidence.md). */
#ifndef YF_EVIDENCE_CLI_H
#define YF_EVIDENCE_CLI_H

#include "subcommand.h"

/* The commands above, for subcommand.c's dispatcher and lists. */
extern const yf_subcommand yf_evidence_cli_commands[];

/* Runs the subcommand named by argv[1] ("verify" or "evidence") and returns the
 * exit code: 0 intact / done / help shown, 1 not intact or failed, 2 usage;
 * -1 when argv[1] is not one of these, without output. Does not modify argv.
 * Main thread. */
int yf_evidence_cli_main(int argc, char **argv);

#endif
