/* subcommand.c -- finds the command argv names in the modules' tables (cli.c,
 * room_token_cli.c, evidence_cli.c), lists them (the server's --help, a
 * group's --help), and parses each command's options with GOption plus a
 * -h/--help of our own, so the usage goes to stdout with exit 0 when asked
 * for and to stderr with exit 2 after a usage error. Writes only to
 * stdout/stderr. */
#include "subcommand.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "evidence_cli.h"
#include "room_token_cli.h"

static const yf_subcommand *const all_tables[] = { yf_cli_commands, yf_token_cli_commands,
                                                   yf_evidence_cli_commands };

/* "yuanfang admin create-user", "yuanfang token" (g_free). */
static char *full_name(const yf_subcommand *c)
{
    return c->name ? g_strdup_printf("yuanfang %s %s", c->group, c->name) : g_strdup_printf("yuanfang %s", c->group);
}

/* "admin create-user" or "verify ARCHIVE", padded for a list. */
static void append_line(GString *s, const char *words, const char *summary)
{
    g_string_append_printf(s, "  %-22s %s\n", words, summary);
}

char *yf_subcommand_describe_all(void)
{
    GString *s = g_string_new("Subcommands (run instead of the server; `yuanfang COMMAND --help` shows the "
                              "options of one):\n");
    for (gsize t = 0; t < G_N_ELEMENTS(all_tables); t++)
        for (const yf_subcommand *c = all_tables[t]; c->group; c++) {
            char *words = g_strjoin(" ", c->group, c->name ? c->name : c->params, c->name ? c->params : NULL,
                                    NULL);
            append_line(s, words, c->summary);
            g_free(words);
        }
    return g_string_free(s, FALSE);
}

/* The commands of one group, for `yuanfang GROUP --help` and usage errors. */
static void print_group(FILE *f, const yf_subcommand *table, const char *group)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "Usage:\n  yuanfang %s COMMAND [OPTION…]\n\nCommands:\n", group);
    for (const yf_subcommand *c = table; c->group; c++)
        if (!strcmp(c->group, group) && c->name)
            append_line(s, c->name, c->summary);
    g_string_append_printf(s, "\n`yuanfang %s COMMAND --help` shows the options of one.\n", group);
    fputs(s->str, f);
    g_string_free(s, TRUE);
}

int yf_subcommand_dispatch(const yf_subcommand *table, int argc, char **argv)
{
    const char *group = NULL;
    if (argc < 2)
        return -1;
    for (const yf_subcommand *c = table; c->group; c++) {
        if (strcmp(c->group, argv[1]) != 0)
            continue;
        group = c->group;
        if (!c->name || (argc >= 3 && !strcmp(c->name, argv[2])))
            return c->run(c, argc, argv);
    }
    if (!group)
        return -1;
    if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
        print_group(stdout, table, group);
        return 0;
    }
    if (argc >= 3)
        fprintf(stderr, "yuanfang %s: unknown command '%s'\n\n", group, argv[2]);
    print_group(stderr, table, group);
    return 2;
}

int yf_subcommand_main(int argc, char **argv)
{
    for (gsize t = 0; t < G_N_ELEMENTS(all_tables); t++) {
        int rc = yf_subcommand_dispatch(all_tables[t], argc, argv);
        if (rc >= 0)
            return rc;
    }
    fprintf(stderr, "yuanfang: unknown command '%s' (`yuanfang --help` lists the commands)\n",
            argc > 1 ? argv[1] : "");
    return 2;
}

/* The option context of self: its entries after -h/--help (into *help). */
static GOptionContext *make_context(const yf_subcommand *self, const GOptionEntry *entries, gboolean *help)
{
    const GOptionEntry help_entry[] = {
        {"help", 'h', 0, G_OPTION_ARG_NONE, help, "show this help and exit", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    char *prg = full_name(self);
    GOptionContext *ctx = g_option_context_new(self->params);
    g_option_context_set_help_enabled(ctx, FALSE);   /* ours goes to stdout with exit 0, and returns */
    g_option_context_set_summary(ctx, self->summary);
    if (self->details)
        g_option_context_set_description(ctx, self->details);
    g_option_context_add_main_entries(ctx, help_entry, NULL);
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_set_prgname(prg);   /* GOption's usage line starts with the program name */
    g_free(prg);
    return ctx;
}

static void print_usage(FILE *f, const yf_subcommand *self, const GOptionEntry *entries)
{
    gboolean unused = FALSE;
    GOptionContext *ctx = make_context(self, entries, &unused);
    char *text = g_option_context_get_help(ctx, TRUE, NULL);
    fputs(text, f);
    g_free(text);
    g_option_context_free(ctx);
}

int yf_subcommand_usage_error(const yf_subcommand *self, const GOptionEntry *entries, const char *fmt, ...)
{
    va_list ap;
    char *prg = full_name(self);
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n\n", prg, msg);
    print_usage(stderr, self, entries);
    g_free(msg);
    g_free(prg);
    return 2;
}

gboolean yf_subcommand_parse(const yf_subcommand *self, const GOptionEntry *entries, int argc, char **argv,
                             char ***args, int *rc)
{
    int first = self->name ? 3 : 2, n = argc - first + 1;
    gboolean help = FALSE, ok = FALSE;
    GError *err = NULL;
    /* GOption reorders the array it parses: it gets a copy, argv[0] first. */
    char **copy = g_new0(char *, n + 1), **arr = copy;
    copy[0] = argv[0];
    for (int i = first; i < argc; i++)
        copy[i - first + 1] = argv[i];
    GOptionContext *ctx = make_context(self, entries, &help);
    gboolean parsed = g_option_context_parse(ctx, &n, &arr, &err);
    g_option_context_free(ctx);
    if (parsed && help) {
        print_usage(stdout, self, entries);
        *rc = 0;
    } else if (!parsed) {
        *rc = yf_subcommand_usage_error(self, entries, "%s", err->message);
    } else if (n > 1 && !self->params) {
        *rc = yf_subcommand_usage_error(self, entries, "unexpected argument '%s'", copy[1]);
    } else {
        ok = TRUE;
    }
    if (ok && args) {
        memmove(copy, copy + 1, sizeof *copy * (size_t)n);   /* drop the program name; NULL follows */
        *args = g_steal_pointer(&copy);
    }
    g_clear_error(&err);
    g_free(copy);
    return ok;
}
