/* fuzz_rest.c -- libFuzzer target for the REST API's request handling below
 * the connection: the router, the query and body readers, and every handler's
 * validation, over a fresh case store in a temporary directory
 * (yf_api_run_detached). The input is
 *
 *     P METHOD PATH[?QUERY]\n
 *     BODY
 *
 * where P (one character) picks who asks: 0 the administrator, 1 the
 * prosecutor of case 1, 2 the clerk invited to its hearing, 3 aid staff, 4 a
 * second prosecutor, 5 the petitioner's invitation, anything else no
 * credential. The store is seeded through the API itself (accounts, case 1
 * with appointment 1, its invitation, hearing 1 with the clerk, a note entry)
 * and made anew every RESEED inputs, and after a sign-out, so it stays small.
 * Nothing may crash or leak; every request gets exactly one reply, a status
 * of 200..599 and, except for files, a JSON body; no 500 for any input. */
#include <glib.h>
#include <glib/gstdio.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/api/api.h"
#include "server/store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RESEED 2000
#define REST_MAX_INPUT (256 * 1024)

static struct {
    char *dir;
    yf_store *store;
    yf_api *api;
    char *bearer[5];
    char *invitation;
    unsigned runs;
} F;

static void quiet_log(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer user)
{
    (void)domain, (void)level, (void)msg, (void)user;
}

static char *login(const char *user, const char *pass)
{
    char *tok = NULL;
    GError *e = NULL;
    if (!yf_store_login(F.store, user, pass, g_get_real_time() / 1000, 3600 * 1000, &tok, NULL, &e)) {
        fprintf(stderr, "fuzz_rest: seed login %s: %s\n", user, e ? e->message : "?");
        abort();
    }
    return tok;
}

/* A seed call that must succeed; its reply's JSON (json_decref). */
static json_t *seed(int who, const char *method, const char *path, const char *body)
{
    GByteArray *out = NULL;
    unsigned st = yf_api_run_detached(F.api, F.bearer[who], NULL, method, path, NULL, body, strlen(body), &out);
    json_t *j = json_loadb((const char *)out->data, out->len, 0, NULL);
    if (st >= 300 || !j) {
        fprintf(stderr, "fuzz_rest: seed %s %s -> %u %.*s\n", method, path, st, (int)out->len, out->data);
        abort();
    }
    g_byte_array_unref(out);
    return j;
}

static void teardown(void)
{
    yf_api_free(F.api);
    yf_store_close(F.store);
    for (const char *const *n = (const char *const[]){"store.db", "store.db-wal", "store.db-shm", NULL}; *n; n++) {
        char *p = g_build_filename(F.dir, *n, NULL);
        g_unlink(p);
        g_free(p);
    }
    for (int i = 0; i < 5; i++)
        g_clear_pointer(&F.bearer[i], g_free);
    g_clear_pointer(&F.invitation, g_free);
    F.api = NULL;
    F.store = NULL;
}

/* The room key (all yf_api_new writes) and the directory go at exit. */
static void remove_dir(void)
{
    GDir *d = F.dir ? g_dir_open(F.dir, 0, NULL) : NULL;
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        char *p = g_build_filename(F.dir, n, NULL);
        g_unlink(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    if (F.dir)
        g_rmdir(F.dir);
}

static void setup(void)
{
    GError *e = NULL;
    if (!F.dir) {
        g_log_set_default_handler(quiet_log, NULL);
        /* On a RAM file system where there is one: the store syncs its file
         * as it would on a server, and a disk busy with other work made
         * one input's set-up outlast libFuzzer's 10 s timeout. */
        if (g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) && access("/dev/shm", W_OK) == 0) {
            char *tmpl = g_build_filename("/dev/shm", "yf-fuzz-rest-XXXXXX", NULL);
            F.dir = g_mkdtemp(tmpl);
            if (!F.dir)
                g_free(tmpl);
        }
        if (!F.dir)
            F.dir = g_dir_make_tmp("yf-fuzz-rest-XXXXXX", &e);
        if (!F.dir)
            abort();
        atexit(remove_dir);
    }
    /* A file of its own each time (the store wants WAL, which an in-memory
     * database cannot have); the one before is removed at teardown. */
    char *path = g_build_filename(F.dir, "store.db", NULL);
    F.store = yf_store_open(path, 0, &e);
    g_free(path);
    if (!F.store) {
        fprintf(stderr, "fuzz_rest: store: %s\n", e->message);
        abort();
    }
    yf_store_set_password_cost(F.store, 10);
    F.api = yf_api_new(F.store, F.dir, &e);
    if (!F.api)
        abort();
    int64_t now = g_get_real_time() / 1000;
    if (!yf_store_staff_create(F.store, yf_actor_system(), now, "admin", "管理员", YF_ROLE_ADMIN, "fuzz-admin-pass-1",
                               NULL, &e))
        abort();
    F.bearer[0] = login("admin", "fuzz-admin-pass-1");
    static const char *const accounts[][3] = {{"pros", "王检察官", "prosecutor"}, {"clerk", "李书记员", "clerk"},
                                              {"aid", "赵救助", "aid_staff"}, {"pros2", "钱检察官", "prosecutor"}};
    for (int i = 0; i < 4; i++) {
        char *b = g_strdup_printf("{\"username\":\"%s\",\"display_name\":\"%s\",\"role\":\"%s\","
                                  "\"password\":\"fuzz-%s-pass-1\"}", accounts[i][0], accounts[i][1], accounts[i][2],
                                  accounts[i][0]);
        json_decref(seed(0, "POST", "/staff", b));
        g_free(b);
        char *pw = g_strdup_printf("fuzz-%s-pass-1", accounts[i][0]);
        F.bearer[i + 1] = login(accounts[i][0], pw);
        g_free(pw);
    }
    json_decref(seed(1, "POST", "/cases", "{\"case_no\":\"F-1\",\"type\":\"appeal\",\"channel\":\"video\","
                                           "\"petitioner\":\"张三\",\"contact\":\"13800000000\"}"));
    json_decref(seed(3, "POST", "/cases", "{\"case_no\":\"F-2\",\"type\":\"judicial_aid\",\"channel\":\"visit\","
                                           "\"petitioner\":\"李四\"}"));
    char *appt = g_strdup_printf("{\"starts_at\":\"%s\",\"invitees\":[{\"name\":\"张三\",\"role\":\"petitioner\"}]}",
                                 "2030-05-03T01:00:00Z");
    json_t *a = seed(1, "POST", "/cases/1/appointments", appt);
    g_free(appt);
    F.invitation = g_strdup(json_string_value(json_object_get(json_array_get(json_object_get(a, "invitations"), 0),
                                                               "token")));
    json_decref(a);
    json_decref(seed(1, "POST", "/appointments/1/hearings", "{}"));
    json_decref(seed(1, "POST", "/hearings/1/participants", "{\"staff_id\":3}"));
    json_decref(seed(2, "POST", "/hearings/1/notes", "{\"text\":\"信访人陈述\"}"));
    if (!F.invitation)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > REST_MAX_INPUT)
        return 0;
    if (!F.api || ++F.runs % RESEED == 0) {
        if (F.api)
            teardown();
        setup();
    }
    const char *nl = memchr(data, '\n', size);
    size_t line = nl ? (size_t)(nl - (const char *)data) : size;
    if (line < 2)   /* no request line after the one who-asks character */
        return 0;
    char *head = g_strndup((const char *)data + 1, line - 1);
    const char *body = nl ? nl + 1 : "";
    size_t blen = nl ? size - line - 1 : 0;
    char **parts = g_strsplit(g_strstrip(head), " ", 2);
    if (!parts[0] || !parts[1]) {
        g_strfreev(parts);
        g_free(head);
        return 0;
    }
    char *q = strchr(parts[1], '?');
    if (q)
        *q++ = '\0';
    int who = data[0] - '0';
    const char *bearer = who >= 0 && who < 5 ? F.bearer[who] : NULL;
    const char *inv = who == 5 ? F.invitation : NULL;
    GByteArray *out = NULL;
    unsigned st = yf_api_run_detached(F.api, bearer, inv, parts[0], parts[1], q, body, blen, &out);
    if (getenv("YF_FUZZ_REST_TRACE"))   /* to see what a corpus reaches */
        fprintf(stderr, "%c %s %s -> %u %.*s\n", data[0], parts[0], parts[1], st, (int)MIN(out->len, 100u), out->data);
    if (st < 200 || st > 599 || st == 500)
        abort();
    /* Every reply but a file's bytes is JSON. */
    static const char *const files[] = {"/slip", "/qr", ".csv", "/view", "/download", "/evidence"};
    gboolean file = FALSE;
    size_t plen = strlen(parts[1]);
    while (plen > 1 && parts[1][plen - 1] == '/')   /* the router ignores trailing slashes */
        parts[1][--plen] = '\0';
    for (size_t i = 0; i < G_N_ELEMENTS(files) && st < 300; i++)
        file = file || g_str_has_suffix(parts[1], files[i]);
    if (!file) {
        json_t *j = json_loadb((const char *)out->data, out->len, 0, NULL);
        if (!j)
            abort();
        json_decref(j);
    }
    if (strcmp(parts[1], "/auth/logout") == 0 && st == 200)
        F.runs = RESEED - 1;   /* that session is gone: seed anew next time */
    g_byte_array_unref(out);
    g_strfreev(parts);
    g_free(head);
    return 0;
}
