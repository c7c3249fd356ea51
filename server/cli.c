/* cli.c -- the admin subcommands: create a staff account (the bootstrap path
 * for the first admin: no default secrets; the password comes from a no-echo
 * prompt typed twice, or one line of stdin) and verify the audit chain. Writes
 * to stdout/stderr only; never prints a password. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "password.h"
#include "store.h"

typedef struct {
    const char *data_dir, *username, *display_name, *role;
    int password_stdin;
} cli_opts;

static int usage(void)
{
    fprintf(stderr, "usage:\n"
            "  yuanfang admin create-user --data-dir DIR --username USER --display-name NAME\n"
            "                             --role admin|prosecutor|clerk|aid_staff|viewer"
            " [--password-stdin]\n"
            "  yuanfang audit verify --data-dir DIR\n");
    return 2;
}

/* Parses "--key value" and "--key=value" from argv[first..]. FALSE on anything unknown. */
static gboolean parse_opts(int argc, char **argv, int first, cli_opts *o)
{
    static const char *const keys[] = { "--data-dir", "--username", "--display-name", "--role" };
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--password-stdin") == 0) {
            o->password_stdin = 1;
            continue;
        }
        const char **dst[] = { &o->data_dir, &o->username, &o->display_name, &o->role };
        gboolean known = FALSE;
        for (unsigned k = 0; k < G_N_ELEMENTS(keys) && !known; k++) {
            size_t n = strlen(keys[k]);
            if (strncmp(a, keys[k], n) != 0)
                continue;
            if (a[n] == '=')
                *dst[k] = a + n + 1, known = TRUE;
            else if (a[n] == '\0' && i + 1 < argc)
                *dst[k] = argv[++i], known = TRUE;
        }
        if (!known) {
            fprintf(stderr, "yuanfang: unknown or incomplete option '%s'\n", a);
            return FALSE;
        }
    }
    return TRUE;
}

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

static int create_user(int argc, char **argv)
{
    cli_opts o = { 0 };
    yf_role role;
    GError *err = NULL;
    char *pw = NULL;
    yf_store *st = NULL;
    int64_t id = 0;
    int rc = 2;
    if (!parse_opts(argc, argv, 3, &o) || !o.data_dir || !o.username || !o.display_name || !o.role)
        goto out;
    if (!yf_role_parse(o.role, &role)) {
        fprintf(stderr, "yuanfang: unknown role '%s'\n", o.role);
        goto out;
    }
    rc = 1;
    if ((pw = get_password(o.password_stdin)) == NULL) {
        fprintf(stderr, "yuanfang: no password given\n");
        goto out;
    }
    if (!yf_password_check_policy(pw, &err) || (st = open_store(o.data_dir, FALSE)) == NULL)
        goto out;
    if (!yf_store_staff_create(st, yf_actor_system(), g_get_real_time() / 1000, o.username,
                               o.display_name, role, pw, &id, &err))
        goto out;
    printf("created %s account '%s' (id %" G_GINT64_FORMAT ")\n", o.role, o.username, (gint64)id);
    rc = 0;
out:
    if (rc == 2)
        usage();
    if (err)
        fprintf(stderr, "yuanfang: %s\n", err->message);
    g_clear_error(&err);
    if (pw)
        memset(pw, 0, strlen(pw));
    g_free(pw);
    yf_store_close(st);
    return rc;
}

static int audit_verify(int argc, char **argv)
{
    cli_opts o = { 0 };
    yf_audit_report r = { 0 };
    GError *err = NULL;
    yf_store *st = NULL;
    int rc = 1;
    if (!parse_opts(argc, argv, 3, &o) || !o.data_dir || o.username || o.role) {
        rc = usage();
        goto out;
    }
    if ((st = open_store(o.data_dir, TRUE)) == NULL)
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
    return rc;
}

int yf_cli_main(int argc, char **argv)
{
    if (argc < 2)
        return -1;
    if (strcmp(argv[1], "admin") == 0) {
        if (argc >= 3 && strcmp(argv[2], "create-user") == 0)
            return create_user(argc, argv);
        return usage();
    }
    if (strcmp(argv[1], "audit") == 0) {
        if (argc >= 3 && strcmp(argv[2], "verify") == 0)
            return audit_verify(argc, argv);
        return usage();
    }
    return -1;
}
