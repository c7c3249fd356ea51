/* store_priv.h -- what the store_*.c files share and nothing else sees: the
 * yf_store struct, the prepared-statement cache, transactions, SQLite error
 * mapping to YF_STORE_ERROR, binding helpers and the in-transaction audit append. */
#ifndef YF_STORE_PRIV_H
#define YF_STORE_PRIV_H

#include <sqlite3.h>

#include "store.h"

/* Invariants: db is open with foreign_keys=ON and WAL; every cached statement in
 * stmts belongs to db and is reset when no call is running; in_tx is TRUE exactly
 * between a successful begin and its commit/rollback (no nesting). */
struct yf_store {
    sqlite3 *db;
    GHashTable *stmts;      /* SQL text (owned) -> sqlite3_stmt* */
    int password_ln;
    char *dummy_hash;       /* lazily made; login verifies it for unknown users */
    gboolean in_tx;
};

/* A cached statement, reset with bindings cleared. NULL with *error set. The
 * caller resets it (sqlite3_reset) before returning. */
sqlite3_stmt *yf_store_prep(yf_store *st, const char *sql, GError **error);
/* Sets *error from the connection's last error (rc = the failing result code),
 * mapping constraint kinds to CONFLICT/INVALID. Always returns FALSE. */
gboolean yf_store_fail(yf_store *st, int rc, const char *what, GError **error);
/* Steps a statement that returns no rows, then resets it. */
gboolean yf_store_exec_stmt(yf_store *st, sqlite3_stmt *s, const char *what, GError **error);

gboolean yf_store_begin(yf_store *st, GError **error);
gboolean yf_store_commit(yf_store *st, GError **error);
/* Ends a write transaction begun by the caller: when ok, appends the audit
 * entry (action on "<kind>:<id>") and commits; otherwise, or if either fails,
 * rolls back. Returns the outcome. */
gboolean yf_store_finish(yf_store *st, gboolean ok, yf_actor actor, int64_t now_ms, const char *action,
                         const char *kind, int64_t id, const char *detail, GError **error);
/* yf_store_finish for a new row: takes detail (freed), and on success sets
 * *out_id (may be NULL) to the row's id. */
gboolean yf_store_finish_take(yf_store *st, gboolean ok, yf_actor actor, int64_t now_ms, const char *action,
                              const char *kind, int64_t id, char *detail, int64_t *out_id, GError **error);
void yf_store_rollback(yf_store *st);

/* Appends one audit entry inside the caller's open transaction and moves the
 * chain head. */
gboolean yf_store_audit_append(yf_store *st, yf_actor actor, int64_t now_ms, const char *action,
                               const char *object, const char *detail, GError **error);

/* Binding helpers: NULL text binds "" (bind_text) or SQL NULL (bind_opt); id 0
 * binds SQL NULL. Text is copied (SQLITE_TRANSIENT). */
void yf_store_bind_text(sqlite3_stmt *s, int i, const char *v);
void yf_store_bind_id(sqlite3_stmt *s, int i, int64_t id);
char *yf_store_col_text(sqlite3_stmt *s, int i);   /* g_strdup, "" for NULL */
void yf_store_col_date(sqlite3_stmt *s, int i, GDate *out);

/* An object reference such as "case:12" (g_free). */
char *yf_store_obj(const char *kind, int64_t id);
/* Checks an actor that is staff exists and is enabled (INVALID otherwise). */
gboolean yf_store_check_actor(yf_store *st, yf_actor actor, GError **error);
/* NOT_FOUND "<what> <id> not found" when the row is absent. */
gboolean yf_store_row_exists(yf_store *st, const char *sql, int64_t id, const char *what,
                             GError **error);

/* Defines T_free from T_clear: clears, then frees; accepts NULL. */
#define YF_STORE_DEFINE_FREE(T)  \
    void T##_free(T *p)          \
    {                            \
        if (p == NULL)           \
            return;              \
        T##_clear(p);            \
        g_free(p);               \
    }

/* ---- rows (store_rows.c) ---- */

/* Fills one record from the current row of a statement that selected its
 * columns (*_COLS below, in that order). */
typedef void (*yf_store_row_fn)(sqlite3_stmt *s, void *out);
#define YF_APPOINTMENT_COLS "id, case_id, host_id, start_ms, title, cancelled, kind, coalesce(cancelled_ms, 0)," \
                            " cancel_reason"
void yf_store_read_appointment(sqlite3_stmt *s, yf_appointment *out);
#define YF_INVITEE_COLS "id, appointment_id, role, name, contact, expires_ms, coalesce(revoked_ms, 0)," \
                        " coalesce(admitted_ms, 0), coalesce(opened_ms, 0), coalesce(replaced_by, 0)"
void yf_store_read_invitee(sqlite3_stmt *s, yf_invitee *out);
#define YF_HEARING_COLS "id, case_id, coalesce(appointment_id, 0), kind, room, start_ms, coalesce(end_ms, 0)"
void yf_store_read_hearing(sqlite3_stmt *s, yf_hearing *out);
#define YF_RECORDING_COLS "id, hearing_id, coalesce(participant_id, 0), path, size_bytes, duration_ms," \
                          " sha256, created_ms, coalesce(start_ms, 0), deliberation"
void yf_store_read_recording(sqlite3_stmt *s, yf_recording *out);

/* Runs sql with its one parameter bound to id: TRUE with the row read into
 * out; NOT_FOUND "<what> not found" when there is none. */
gboolean yf_store_get_by_id(yf_store *st, const char *sql, int64_t id, const char *what,
                            yf_store_row_fn read, void *out, GError **error);
/* Runs sql with the n int64 parameters args: every row read into a new
 * record of `size` bytes; the array frees them with free_fn. NULL on error. */
GPtrArray *yf_store_list_rows(yf_store *st, const char *sql, const int64_t *args, int n,
                              yf_store_row_fn read, size_t size, GDestroyNotify free_fn, GError **error);
/* The same for a statement the caller prepared and bound; resets it. */
GPtrArray *yf_store_collect_rows(yf_store *st, sqlite3_stmt *s, yf_store_row_fn read, size_t size,
                                 GDestroyNotify free_fn, GError **error);

#endif
