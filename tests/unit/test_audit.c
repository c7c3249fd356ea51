/* test_audit.c -- the audit hash chain: canonical form and hash, a clean log
 * verifies, and every kind of tampering done directly in SQLite (edited text,
 * deleted middle row, deleted last row, changed hash or link) is reported at
 * the exact entry, by the store and by `yuanfang audit verify`. */
#include <glib.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "server/store/audit.h"
#include "server/cli/cli.h"
#include "server/store/store.h"
#include "yf_test.h"
#include "yf_test_fs.h"

#define N_ENTRIES 10

static char *tmp_dir;

static void test_canonical(void)
{
    yf_audit_entry e = { 7, 1700000000123, "staff:3", "case.create", "case:12", "a,b:c" };
    GByteArray *c = yf_audit_canonical(&e);
    static const char want[] = "yfaudit11:7,13:1700000000123,7:staff:3,11:case.create,"
                               "7:case:12,5:a,b:c,";
    CHECK_EQ_INT(c->len, strlen(want));
    CHECK(c->len == strlen(want) && memcmp(c->data, want, c->len) == 0);
    g_byte_array_unref(c);
    /* Moving bytes between fields changes the hash (length prefixes). */
    guint8 zero[32] = { 0 }, h1[32], h2[32];
    yf_audit_entry a = { 1, 1, "ab", "c", "", "" }, b = { 1, 1, "a", "bc", "", "" };
    yf_audit_chain_hash(zero, &a, h1);
    yf_audit_chain_hash(zero, &b, h2);
    CHECK(memcmp(h1, h2, 32) != 0);
}

static char *db_path(const char *name)
{
    char *dir = g_build_filename(tmp_dir, name, NULL);
    g_mkdir(dir, 0700);
    char *p = g_build_filename(dir, "yuanfang.db", NULL);
    g_free(dir);
    return p;
}

/* A store with N_ENTRIES audit entries, closed again. */
static void make_log(const char *path)
{
    yf_store *st = yf_store_open(path, 0, NULL);
    CHECK(st != NULL);
    for (int i = 1; i <= N_ENTRIES && st; i++) {
        char *detail = g_strdup_printf("entry number %d", i);
        CHECK(yf_store_audit_record(st, yf_actor_system(), 1000 + i, "test.entry", "case:1",
                                    detail, NULL));
        g_free(detail);
    }
    yf_store_close(st);
}

/* Runs SQL on a raw connection, as someone with the file would. */
static void raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "raw sql failed: %s\n", msg);
    CHECK(rc == SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(db);
}

static void verify(const char *path, gboolean want_ok, int64_t want_broken, const char *want_reason)
{
    yf_audit_report r;
    yf_store *st = yf_store_open(path, 0, NULL);
    CHECK(st != NULL);
    CHECK(st && yf_store_audit_verify(st, &r, NULL));
    CHECK(r.ok == want_ok);
    CHECK_EQ_INT(r.broken_id, want_broken);
    if (want_reason && (r.reason == NULL || strstr(r.reason, want_reason) == NULL)) {
        fprintf(stderr, "reason '%s' lacks '%s'\n", r.reason, want_reason);
        CHECK(FALSE);
    }
    yf_audit_report_clear(&r);
    yf_store_close(st);
}

#define UNGUARD "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; "

static const struct {
    const char *name, *sql;
    int64_t broken;
    const char *reason;
} tampers[] = {
    { "edit", UNGUARD "UPDATE audit_log SET detail = 'nothing happened' WHERE id = 4", 4, "edited" },
    { "edit_time", UNGUARD "UPDATE audit_log SET at_ms = at_ms + 1 WHERE id = 1", 1, "edited" },
    { "delete_mid", UNGUARD "DELETE FROM audit_log WHERE id = 5", 5, "missing" },
    { "delete_first", UNGUARD "DELETE FROM audit_log WHERE id = 1", 1, "missing" },
    { "delete_last", UNGUARD "DELETE FROM audit_log WHERE id = 10", 10, "missing" },
    { "change_hash", UNGUARD "UPDATE audit_log SET hash = zeroblob(32) WHERE id = 7", 7, "hash" },
    { "change_prev", UNGUARD "UPDATE audit_log SET prev_hash = randomblob(32) WHERE id = 3", 3,
      "previous-hash" },
    { "renumber", UNGUARD "DELETE FROM audit_log WHERE id = 6;"
                          " UPDATE audit_log SET id = id - 1 WHERE id > 6", 6, "" },
    { "head", "UPDATE audit_head SET hash = zeroblob(32)", 10, "head" },
};

static void test_tamper(void)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(tampers); i++) {
        char *path = db_path(tampers[i].name);
        make_log(path);
        verify(path, TRUE, 0, NULL);
        raw_exec(path, tampers[i].sql);
        fprintf(stderr, "tamper %s:\n", tampers[i].name);
        verify(path, FALSE, tampers[i].broken, tampers[i].reason);
        g_free(path);
    }
}

/* The guard triggers refuse edits made without dropping them first. */
static void test_guards(void)
{
    char *path = db_path("guards");
    make_log(path);
    sqlite3 *db = NULL;
    CHECK(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE audit_log SET detail = 'x' WHERE id = 2", NULL, NULL, NULL) != SQLITE_OK);
    CHECK(sqlite3_exec(db, "DELETE FROM audit_log WHERE id = 2", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(db);
    verify(path, TRUE, 0, NULL);
    g_free(path);
}

/* Deleting the last row then appending: the new entry takes its id and link from
 * the chain head, not from the rows, so the deleted entry still shows as missing. */
static void test_delete_then_append(void)
{
    char *path = db_path("append_after");
    make_log(path);
    raw_exec(path, UNGUARD "DELETE FROM audit_log WHERE id = 10");
    yf_store *st = yf_store_open(path, 0, NULL);
    CHECK(st && yf_store_audit_record(st, yf_actor_system(), 5000, "test.after", "", "", NULL));
    yf_store_close(st);
    verify(path, FALSE, 10, "missing");
    g_free(path);
}

static void test_cli(void)
{
    char *path = db_path("cli");
    char *dir = g_path_get_dirname(path);
    char *argv_ok[] = { "yuanfang", "audit", "verify", "--data-dir", dir, NULL };
    char *argv_other[] = { "yuanfang", "--config", "x.ini", NULL };
    char *argv_bad[] = { "yuanfang", "audit", "verify", NULL };
    char *argv_missing[] = { "yuanfang", "audit", "verify", "--data-dir", tmp_dir, NULL };
    make_log(path);
    CHECK_EQ_INT(yf_cli_main(5, argv_ok), 0);
    raw_exec(path, UNGUARD "UPDATE audit_log SET action = 'x' WHERE id = 2");
    CHECK_EQ_INT(yf_cli_main(5, argv_ok), 1);
    CHECK_EQ_INT(yf_cli_main(3, argv_other), -1);
    CHECK_EQ_INT(yf_cli_main(3, argv_bad), 2);
    CHECK_EQ_INT(yf_cli_main(5, argv_missing), 1);   /* no store there: never created */
    char *none = g_build_filename(tmp_dir, "yuanfang.db", NULL);
    CHECK(!g_file_test(none, G_FILE_TEST_EXISTS));
    g_free(none);
    g_free(dir);
    g_free(path);
}

int main(void)
{
    tmp_dir = g_dir_make_tmp("yf-audit-XXXXXX", NULL);
    test_canonical();
    test_tamper();
    test_guards();
    test_delete_then_append();
    test_cli();
    yf_test_rm_rf(tmp_dir);
    g_free(tmp_dir);
    return yf_test_done("test_audit");
}
