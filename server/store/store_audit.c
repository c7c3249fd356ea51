/* store_audit.c -- the audit log in SQLite: append inside the caller's
 * transaction (row + chain head together, so a crash never splits them) and
 * the verify walk over a consistent read snapshot. The chain itself is audit.c. */
#define G_LOG_DOMAIN "yf-store"
#include <string.h>

#include "audit.h"
#include "store_priv.h"

gboolean yf_store_audit_head(yf_store *st, int64_t *last_id, guint8 head[32], GError **error)
{
    sqlite3_stmt *h = yf_store_prep(st, "SELECT last_id, hash FROM audit_head WHERE one = 1", error);
    if (h == NULL)
        return FALSE;
    gboolean ok = sqlite3_step(h) == SQLITE_ROW && sqlite3_column_bytes(h, 1) == YF_AUDIT_HASH_LEN;
    if (ok) {
        *last_id = sqlite3_column_int64(h, 0);
        memcpy(head, sqlite3_column_blob(h, 1), YF_AUDIT_HASH_LEN);
    } else {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INTERNAL, "audit head missing");
    }
    sqlite3_reset(h);
    return ok;
}

gboolean yf_store_audit_append(yf_store *st, yf_actor actor, int64_t now_ms, const char *action,
                               const char *object, const char *detail, GError **error)
{
    guint8 prev[YF_AUDIT_HASH_LEN], hash[YF_AUDIT_HASH_LEN];
    char *who = yf_actor_to_string(actor);
    gboolean ok = FALSE;
    int64_t last = 0;
    g_return_val_if_fail(st->in_tx, FALSE);
    if (!yf_store_audit_head(st, &last, prev, error))
        goto out;
    yf_audit_entry e = { last + 1, now_ms, who, action, object ? object : "", detail ? detail : "" };
    yf_audit_chain_hash(prev, &e, hash);

    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO audit_log (id, at_ms, actor, action, object,"
                                        " detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?)", error);
    if (s == NULL)
        goto out;
    sqlite3_bind_int64(s, 1, e.id);
    sqlite3_bind_int64(s, 2, e.at_ms);
    yf_store_bind_text(s, 3, e.actor);
    yf_store_bind_text(s, 4, e.action);
    yf_store_bind_text(s, 5, e.object);
    yf_store_bind_text(s, 6, e.detail);
    sqlite3_bind_blob(s, 7, prev, sizeof prev, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 8, hash, sizeof hash, SQLITE_TRANSIENT);
    if (!yf_store_exec_stmt(st, s, "audit append", error))
        goto out;
    sqlite3_stmt *u = yf_store_prep(st, "UPDATE audit_head SET last_id = ?, hash = ? WHERE one = 1",
                                    error);
    if (u == NULL)
        goto out;
    sqlite3_bind_int64(u, 1, e.id);
    sqlite3_bind_blob(u, 2, hash, sizeof hash, SQLITE_TRANSIENT);
    ok = yf_store_exec_stmt(st, u, "audit head", error);
out:
    g_free(who);
    return ok;
}

gboolean yf_store_audit_record(yf_store *st, yf_actor actor, int64_t now_ms, const char *action,
                               const char *object, const char *detail, GError **error)
{
    if (action == NULL || *action == '\0') {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "audit action is empty");
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    if (!yf_store_audit_append(st, actor, now_ms, action, object, detail, error)) {
        yf_store_rollback(st);
        return FALSE;
    }
    return yf_store_commit(st, error);
}

void yf_audit_report_clear(yf_audit_report *r)
{
    g_free(r->reason);
    memset(r, 0, sizeof *r);
}

/* Feeds every row to the walker; stops at the first broken one. */
static gboolean walk_rows(yf_store *st, yf_audit_walk *w, yf_audit_report *r, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT id, at_ms, actor, action, object, detail,"
                                        " prev_hash, hash FROM audit_log ORDER BY id", error);
    int rc;
    if (s == NULL)
        return FALSE;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        yf_audit_entry e = {
            sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
            (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3),
            (const char *)sqlite3_column_text(s, 4), (const char *)sqlite3_column_text(s, 5),
        };
        const void *prev = sqlite3_column_blob(s, 6);
        gsize prev_len = (gsize)sqlite3_column_bytes(s, 6);
        const void *hash = sqlite3_column_blob(s, 7);
        gsize hash_len = (gsize)sqlite3_column_bytes(s, 7);
        r->reason = yf_audit_walk_step(w, &e, prev, prev_len, hash, hash_len, &r->broken_id);
        if (r->reason)
            break;
    }
    sqlite3_reset(s);
    if (r->reason == NULL && rc != SQLITE_DONE)
        return yf_store_fail(st, rc, "audit walk", error);
    return TRUE;
}

static gboolean check_head(yf_store *st, yf_audit_walk *w, yf_audit_report *r, GError **error)
{
    sqlite3_stmt *h = yf_store_prep(st, "SELECT last_id, hash FROM audit_head WHERE one = 1", error);
    if (h == NULL)
        return FALSE;
    if (sqlite3_step(h) == SQLITE_ROW)
        r->reason = yf_audit_walk_finish(w, sqlite3_column_int64(h, 0), sqlite3_column_blob(h, 1),
                                         (gsize)sqlite3_column_bytes(h, 1), &r->broken_id);
    else
        r->reason = g_strdup("chain head row is missing");
    sqlite3_reset(h);
    return TRUE;
}

gboolean yf_store_audit_verify(yf_store *st, yf_audit_report *r, GError **error)
{
    yf_audit_walk w;
    gboolean ok = FALSE;
    memset(r, 0, sizeof *r);
    yf_audit_walk_init(&w);
    /* A read transaction: the walk and the head come from one snapshot. */
    if (sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return yf_store_fail(st, sqlite3_errcode(st->db), "audit verify", error);
    if (!walk_rows(st, &w, r, error))
        goto out;
    if (r->reason == NULL && !check_head(st, &w, r, error))
        goto out;
    r->ok = r->reason == NULL;
    r->count = w.count;
    memcpy(r->head, w.running, sizeof r->head);
    ok = TRUE;
out:
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    return ok;
}
