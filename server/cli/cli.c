/* cli.c -- the admin subcommands (`admin create-user`, `audit verify`; their
 * options and --help through subcommand.c): create a staff account (the
 * bootstrap path for the first admin: no default secrets; the password comes
 * from a no-echo prompt typed twice, or one line of stdin) and verify the
 * audit chain. Writes to stdout/stderr only; never prints a password. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "server/store/password.h"
#include "server/store/store.h"

/* One line from f without its newline (g_free), NULL at EOF. */
static char *read_line(FILE *f)
{
    char buf[YF_PASSWORD_MAX_BYTES + 2];
    if (fgets(buf, sizeof buf, f) == NULL)
        return NULL;
    buf[strcspn(buf, "\r\n")] = '\0';
    char *s = g_strdup(buf);
    memset(buf, 0, sizeof buf);
    return s;
}

static char *prompt_noecho(const char *prompt)
{
    struct termios old, quiet;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return NULL;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    char *s = read_line(stdin);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    return s;
}

static char *get_password(gboolean from_stdin)
{
    if (from_stdin)
        return read_line(stdin);
    if (!isatty(STDIN_FILENO)) {
        fprintf(stderr, "yuanfang: stdin is not a terminal; pass --password-stdin\n");
        return NULL;
    }
    char *a = prompt_noecho("New password: ");
    char *b = a ? prompt_noecho("Repeat password: ") : NULL;
    if (a && b && strcmp(a, b) == 0) {
        g_free(b);
        return a;
    }
    if (a && b)
        fprintf(stderr, "yuanfang: the passwords differ\n");
    g_free(a);
    g_free(b);
    return NULL;
}

static yf_store *open_store(const char *data_dir, gboolean must_exist)
{
    GError *err = NULL;
    char *path = yf_store_path_in(data_dir);
    yf_store *st = NULL;
    if (must_exist && !g_file_test(path, G_FILE_TEST_EXISTS))
        fprintf(stderr, "yuanfang: no case store at %s\n", path);
    else if (!must_exist && g_mkdir_with_parents(data_dir, 0700) != 0)
        fprintf(stderr, "yuanfang: cannot create %s: %s\n", data_dir, g_strerror(errno));
    else if ((st = yf_store_open(path, YF_STORE_OPEN_DEFAULT, &err)) == NULL)
        fprintf(stderr, "yuanfang: %s\n", err->message);
    g_clear_error(&err);
    g_free(path);
    return st;
}

/* Strings are FILENAME arguments: bytes as given, not converted from the
 * locale's charset (a C locale would refuse 管理员). */
static int create_user(const yf_subcommand *self, int argc, char **argv)
{
    char *data_dir = NULL, *username = NULL, *display_name = NULL, *role_s = NULL, *pw = NULL;
    gboolean password_stdin = FALSE;
    yf_role role;
    GError *err = NULL;
    yf_store *st = NULL;
    int64_t id = 0;
    int rc = 2;
    const GOptionEntry entries[] = {
        {"data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
         "data directory of the case store yuanfang.db, made when missing (required)", "DIR"},
        {"username", 0, 0, G_OPTION_ARG_FILENAME, &username, "the name to sign in with (required)", "USER"},
        {"display-name", 0, 0, G_OPTION_ARG_FILENAME, &display_name, "the full name shown to others (required)",
         "NAME"},
        {"role", 0, 0, G_OPTION_ARG_FILENAME, &role_s, "admin|prosecutor|clerk|aid_staff|viewer (required)",
         "ROLE"},
        {"password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin,
         "read the password as one line of stdin instead of a prompt", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!yf_subcommand_parse(self, entries, argc, argv, NULL, &rc))
        goto out;
    if (!data_dir || !username || !display_name || !role_s) {
        yf_subcommand_usage_error(self, entries, "--data-dir, --username, --display-name and --role are required");
        goto out;
    }
    if (!yf_role_parse(role_s, &role)) {
        yf_subcommand_usage_error(self, entries, "unknown role '%s'", role_s);
        goto out;
    }
    rc = 1;
    if ((pw = get_password(password_stdin)) == NULL) {
        fprintf(stderr, "yuanfang: no password given\n");
        goto out;
    }
    if (!yf_password_check_policy(pw, username, &err) || (st = open_store(data_dir, FALSE)) == NULL)
        goto out;
    if (!yf_store_staff_create(st, yf_actor_system(), g_get_real_time() / 1000, username, display_name, role, pw,
                               &id, &err))
        goto out;
    printf("created %s account '%s' (id %" G_GINT64_FORMAT ")\n", role_s, username, (gint64)id);
    rc = 0;
out:
    if (err)
        fprintf(stderr, "yuanfang: %s\n", err->message);
    g_clear_error(&err);
    if (pw)
        memset(pw, 0, strlen(pw));
    g_free(pw);
    yf_store_close(st);
    g_free(data_dir); g_free(username); g_free(display_name); g_free(role_s);
    return rc;
}

static int audit_verify(const yf_subcommand *self, int argc, char **argv)
{
    char *data_dir = NULL;
    yf_audit_report r = { 0 };
    GError *err = NULL;
    yf_store *st = NULL;
    int rc = 2;
    const GOptionEntry entries[] = {
        {"data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir, "data directory of the case store (required)", "DIR"},
        {NULL, 0, 0, 0, NULL, NULL, NULL}};
    if (!yf_subcommand_parse(self, entries, argc, argv, NULL, &rc))
        goto out;
    if (!data_dir) {
        rc = yf_subcommand_usage_error(self, entries, "--data-dir is required");
        goto out;
    }
    rc = 1;
    if ((st = open_store(data_dir, TRUE)) == NULL)
        goto out;
    if (!yf_store_audit_verify(st, &r, &err)) {
        fprintf(stderr, "yuanfang: %s\n", err->message);
        goto out;
    }
    if (r.ok) {
        char *hex = g_malloc(65);
        for (int i = 0; i < 32; i++)
            g_snprintf(hex + 2 * i, 3, "%02x", r.head[i]);
        printf("audit chain intact: %" G_GINT64_FORMAT " entries, head %s\n", (gint64)r.count, hex);
        g_free(hex);
        rc = 0;
    } else {
        printf("audit chain broken at entry %" G_GINT64_FORMAT ": %s\n", (gint64)r.broken_id,
               r.reason);
    }
out:
    g_clear_error(&err);
    yf_audit_report_clear(&r);
    yf_store_close(st);
    g_free(data_dir);
    return rc;
}

const yf_subcommand yf_cli_commands[] = {
    {"admin", "create-user", NULL, "create a staff account (the first administrator, or any other)",
     "The password is typed twice at a prompt that does not echo it, or read as one line of stdin with "
     "--password-stdin.\nThere are no default accounts or passwords.",
     create_user},
    {"audit", "verify", NULL, "check the audit log's hash chain",
     "Prints \"audit chain intact: N entries, head HEX\" (exit 0) or the first broken entry (exit 1).",
     audit_verify},
    {NULL, NULL, NULL, NULL, NULL, NULL}};

int yf_cli_main(int argc, char **argv)
{
    return yf_subcommand_dispatch(yf_cli_commands, argc, argv);
}
