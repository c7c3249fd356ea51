/* subcommand.h -- yuanfang's subcommands, run instead of the server when the
 * first argument is not an option: each module's table of commands, one
 * dispatcher over them, and GOption for every command's options, so that
 * each command's --help is made from its options and not typed beside them.
 * Main thread, before any server starts. */
#ifndef YF_SUBCOMMAND_H
#define YF_SUBCOMMAND_H

#include <glib.h>

typedef struct yf_subcommand yf_subcommand;

/* One command: `yuanfang GROUP [NAME] [OPTION…] [PARAMS]`. Tables end with
 * an entry whose group is NULL. */
struct yf_subcommand {
    const char *group;     /* argv[1]: "admin", "token", "verify" */
    const char *name;      /* argv[2]: "create-user"; NULL when group alone is the command */
    const char *params;    /* positional parameters after the options ("ARCHIVE"), NULL: none */
    const char *summary;   /* one line, for the lists and the command's own --help */
    const char *details;   /* more for --help, after the options; may be NULL */
    /* Runs the command on the whole argv (its options start after the command's
     * words); returns the exit code: 0 done, 1 failed, 2 usage. */
    int (*run)(const yf_subcommand *self, int argc, char **argv);
};

/* Runs the command of table that argv names. Returns -1, without output, when
 * argv[1] is no group of table. A group without a known name gets the list of
 * its commands: on stdout with 0 after --help or -h, else on stderr with 2. */
int yf_subcommand_dispatch(const yf_subcommand *table, int argc, char **argv);

/* Every module's table: runs the command argv names, or says on stderr that
 * there is none (exit 2). For main, when argv[1] is not an option. */
int yf_subcommand_main(int argc, char **argv);

/* "Subcommands: ..." with one line per command, for the server's --help
 * (g_free). */
char *yf_subcommand_describe_all(void);

/* Parses the options of self (argv after the command's words) with entries
 * plus -h/--help. TRUE: go on; the positional arguments left are in *args
 * (NULL-terminated; g_free the array, not the strings; NULL args: none
 * wanted). FALSE: the command is over with exit code *rc: 0 after --help
 * printed the usage on stdout, 2 after a usage error went to stderr with the
 * usage (an unknown option, a missing value, a positional argument when
 * self->params is NULL). argv is not modified; the program name becomes
 * "yuanfang GROUP NAME" for GOption's usage line. */
gboolean yf_subcommand_parse(const yf_subcommand *self, const GOptionEntry *entries, int argc, char **argv,
                             char ***args, int *rc);

/* A usage error found after parsing ("--data-dir is required"): prints
 * "yuanfang GROUP NAME: <message>" and the usage to stderr; returns 2. */
int yf_subcommand_usage_error(const yf_subcommand *self, const GOptionEntry *entries, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

#endif
