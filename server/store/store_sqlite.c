/* store_sqlite.c -- the SQLite case store's connection: open with WAL, foreign
 * keys, synchronous=NORMAL (FULL on request) and a busy timeout, migrations at
 * open, the prepared-statement cache, transactions and error mapping. One
 * connection, used from the control thread only (SQLITE_OPEN_NOMUTEX). */
#define G_LOG_DOMAIN "yf-store"
#include "store_priv.h"

#include <string.h>

#include "deadline.h"
#include "migrations.h"
#include "password.h"

#define BUSY_TIMEOUT_MS 5000

G_DEFINE_QUARK(yf-store-error-quark, yf_store_error)

static int map_code(int ext)
{
    switch (ext) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return YF_STORE_ERROR_CONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return YF_STORE_ERROR_BUSY;
    default:
        return (ext & 0xff) == SQLITE_CONSTRAINT ? YF_STORE_ERROR_INVALID : YF_STORE_ERROR_INTERNAL;
    }
}

gboolean yf_store_fail(yf_store *st, int rc, const char *what, GError **error)
{
    int ext = sqlite3_extended_errcode(st->db);
    if ((ext & 0xff) != (rc & 0xff))
        ext = rc;
    int code = map_code(ext);
    /* The engine's text (SQL names, constraint names) goes to the log, never
     * to a caller that might show it to a client. */
    if (code == YF_STORE_ERROR_CONFLICT || code == YF_STORE_ERROR_INVALID)
        g_message("%s refused by the store: %s", what, sqlite3_errmsg(st->db));
    else
        g_warning("%s failed in the store: %s", what, sqlite3_errmsg(st->db));
    g_set_error(error, YF_STORE_ERROR, code, "%s: %s", what,
                code == YF_STORE_ERROR_CONFLICT ? "it already exists"
                : code == YF_STORE_ERROR_INVALID ? "a value is not allowed"
                : code == YF_STORE_ERROR_BUSY ? "the case store is busy"
                : "the case store failed (the server log has the details)");
    return FALSE;
}

sqlite3_stmt *yf_store_prep(yf_store *st, const char *sql, GError **error)
{
    sqlite3_stmt *s = g_hash_table_lookup(st->stmts, sql);
    if (s) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return s;
    }
    int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
    if (rc != SQLITE_OK) {
        yf_store_fail(st, rc, "prepare", error);
        return NULL;
    }
    g_hash_table_insert(st->stmts, g_strdup(sql), s);
    return s;
}

gboolean yf_store_exec_stmt(yf_store *st, sqlite3_stmt *s, const char *what, GError **error)
{
    int rc = sqlite3_step(s);
    gboolean ok = rc == SQLITE_DONE || rc == SQLITE_ROW;
    if (!ok)
        yf_store_fail(st, rc, what, error);
    sqlite3_reset(s);
    return ok;
}

static gboolean exec_sql(yf_store *st, const char *sql, GError **error)
{
    char *msg = NULL;
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        g_set_error(error, YF_STORE_ERROR, map_code(sqlite3_extended_errcode(st->db)), "%s: %s",
                    sql, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return FALSE;
    }
    return TRUE;
}

gboolean yf_store_begin(yf_store *st, GError **error)
{
    g_return_val_if_fail(!st->in_tx, FALSE);
    if (!exec_sql(st, "BEGIN IMMEDIATE", error))
        return FALSE;
    st->in_tx = TRUE;
    return TRUE;
}

gboolean yf_store_commit(yf_store *st, GError **error)
{
    if (!exec_sql(st, "COMMIT", error)) {
        yf_store_rollback(st);
        return FALSE;
    }
    st->in_tx = FALSE;
    return TRUE;
}

void yf_store_rollback(yf_store *st)
{
    if (!st->in_tx)
        return;
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_tx = FALSE;
}

static gboolean configure(yf_store *st, yf_store_open_flags flags, GError **error)
{
    sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(st->db, 1);
    if (!exec_sql(st, "PRAGMA foreign_keys = ON", error) ||
        !exec_sql(st, (flags & YF_STORE_OPEN_SYNC_FULL) ? "PRAGMA synchronous = FULL"
                                                        : "PRAGMA synchronous = NORMAL", error))
        return FALSE;
    sqlite3_stmt *s = NULL;
    gboolean wal = FALSE;
    if (sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        wal = g_ascii_strcasecmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
    sqlite3_finalize(s);
    if (!wal) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INTERNAL,
                            "cannot switch the database to WAL mode");
        return FALSE;
    }
    return TRUE;
}

static void finalize_stmt(gpointer s)
{
    sqlite3_finalize(s);
}

yf_store *yf_store_open(const char *path, yf_store_open_flags flags, GError **error)
{
    yf_store *st = g_new0(yf_store, 1);
    st->password_ln = YF_PASSWORD_LN_DEFAULT;
    st->stmts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      finalize_stmt);
    int rc = sqlite3_open_v2(path, &st->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INTERNAL, "cannot open %s: %s", path,
                    st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        goto fail;
    }
    if (!configure(st, flags, error) || !yf_migrations_apply(st->db, 0, error))
        goto fail;
    g_debug("store %s open at schema version %d", path, yf_store_schema_version(st));
    return st;
fail:
    yf_store_close(st);
    return NULL;
}

void yf_store_close(yf_store *st)
{
    if (st == NULL)
        return;
    g_hash_table_destroy(st->stmts);   /* finalizes every cached statement */
    sqlite3_close(st->db);
    g_free(st->dummy_hash);
    g_free(st);
}

int yf_store_schema_version(yf_store *st)
{
    return yf_migrations_current(st->db);
}

char *yf_store_path_in(const char *data_dir)
{
    return g_build_filename(data_dir, "yuanfang.db", NULL);
}

void yf_store_set_password_cost(yf_store *st, int log2n)
{
    st->password_ln = log2n;
}

gboolean yf_store_check_bootstrap(yf_store *st, const char *data_dir, GError **error)
{
    int64_t n = yf_store_staff_count_admins(st, error);
    if (n < 0)
        return FALSE;
    if (n == 0) {
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_AUTH,
                    "no administrator account exists; create the first one with: "
                    "yuanfang admin create-user --data-dir %s --username NAME "
                    "--display-name \"FULL NAME\" --role admin", data_dir ? data_dir : "DIR");
        return FALSE;
    }
    return TRUE;
}

/* ---- helpers shared by the store_*.c files ---- */

void yf_store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_TRANSIENT);
}

void yf_store_bind_id(sqlite3_stmt *s, int i, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(s, i, id);
    else
        sqlite3_bind_null(s, i);
}

char *yf_store_col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return g_strndup(t ? (const char *)t : "", (gsize)sqlite3_column_bytes(s, i));
}

void yf_store_col_date(sqlite3_stmt *s, int i, GDate *out)
{
    if (!yf_date_parse_iso((const char *)sqlite3_column_text(s, i), out))
        g_date_clear(out, 1);
}

char *yf_store_obj(const char *kind, int64_t id)
{
    return g_strdup_printf("%s:%" G_GINT64_FORMAT, kind, (gint64)id);
}

char *yf_actor_to_string(yf_actor a)
{
    switch (a.kind) {
    case YF_ACTOR_STAFF:
        return yf_store_obj("staff", a.id);
    case YF_ACTOR_INVITEE:
        return yf_store_obj("invitee", a.id);
    default:
        return g_strdup("system");
    }
}

gboolean yf_store_row_exists(yf_store *st, const char *sql, int64_t id, const char *what,
                             GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, sql, error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return TRUE;
    if (rc == SQLITE_DONE)
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "%s %" G_GINT64_FORMAT
                    " not found", what, (gint64)id);
    else
        yf_store_fail(st, rc, what, error);
    return FALSE;
}

gboolean yf_store_check_actor(yf_store *st, yf_actor actor, GError **error)
{
    if (actor.kind != YF_ACTOR_STAFF)
        return TRUE;
    GError *e = NULL;
    if (yf_store_row_exists(st, "SELECT 1 FROM staff WHERE id = ? AND disabled = 0", actor.id,
                            "acting staff", &e))
        return TRUE;
    if (e->code == YF_STORE_ERROR_NOT_FOUND)
        e->code = YF_STORE_ERROR_AUTH;
    g_propagate_error(error, e);
    return FALSE;
}

gboolean yf_store_finish(yf_store *st, gboolean ok, yf_actor actor, int64_t now_ms, const char *action,
                         const char *kind, int64_t id, const char *detail, GError **error)
{
    char *obj = yf_store_obj(kind, id);
    ok = ok && yf_store_audit_append(st, actor, now_ms, action, obj, detail, error) && yf_store_commit(st, error);
    if (!ok)
        yf_store_rollback(st);
    g_free(obj);
    return ok;
}

gboolean yf_store_finish_take(yf_store *st, gboolean ok, yf_actor actor, int64_t now_ms, const char *action,
                              const char *kind, int64_t id, char *detail, int64_t *out_id, GError **error)
{
    ok = yf_store_finish(st, ok, actor, now_ms, action, kind, id, detail, error);
    g_free(detail);
    if (ok && out_id)
        *out_id = id;
    return ok;
}
