/* store_exports.c -- exports: a recording's watermarked copy for someone
 * outside the case. A row is made QUEUED when asked for (audited with the
 * recipient), moves to PROCESSING when the recorder's export thread takes it,
 * and ends DONE with the file's size and SHA-256 (audited again) or FAILED
 * with why. Every download of one is audited like a recording's. */
#define G_LOG_DOMAIN "yf-store"
#include <string.h>

#include "store_priv.h"
#include "store_reads.h"

static const char *const state_codes[YF_EXPORT_STATE_COUNT_] = {"queued", "processing", "done", "failed"};

#define EXPORT_COLS "e.id, e.recording_id, r.hearing_id, e.recipient, e.organisation, e.purpose, e.requested_by," \
                    " e.requested_ms, coalesce(e.finished_ms, 0), e.state, coalesce(e.path, '')," \
                    " coalesce(e.size_bytes, 0), e.sha256, e.error" \
                    " FROM exports e JOIN recordings r ON r.id = e.recording_id"

const char *yf_export_state_code(yf_export_state s)
{
    return (unsigned)s < YF_EXPORT_STATE_COUNT_ ? state_codes[s] : "failed";
}

void yf_export_clear(yf_export *e)
{
    g_free(e->recipient);
    g_free(e->organisation);
    g_free(e->purpose);
    g_free(e->requested_by);
    g_free(e->path);
    g_free(e->error);
    memset(e, 0, sizeof *e);
}

YF_STORE_DEFINE_FREE(yf_export)

static void read_export(sqlite3_stmt *s, yf_export *e)
{
    const char *state = (const char *)sqlite3_column_text(s, 9);
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(s, 0);
    e->recording_id = sqlite3_column_int64(s, 1);
    e->hearing_id = sqlite3_column_int64(s, 2);
    e->recipient = yf_store_col_text(s, 3);
    e->organisation = yf_store_col_text(s, 4);
    e->purpose = yf_store_col_text(s, 5);
    e->requested_by = yf_store_col_text(s, 6);
    e->requested_ms = sqlite3_column_int64(s, 7);
    e->finished_ms = sqlite3_column_int64(s, 8);
    e->state = YF_EXPORT_FAILED;
    for (int i = 0; state && i < YF_EXPORT_STATE_COUNT_; i++)
        if (!strcmp(state, state_codes[i]))
            e->state = (yf_export_state)i;
    e->path = yf_store_col_text(s, 10);
    e->size_bytes = sqlite3_column_int64(s, 11);
    if (sqlite3_column_bytes(s, 12) == 32)
        memcpy(e->sha256, sqlite3_column_blob(s, 12), 32);
    e->error = yf_store_col_text(s, 13);
}

gboolean yf_store_export_get(yf_store *st, int64_t id, yf_export *out, GError **error)
{
    return yf_store_get_by_id(st, "SELECT " EXPORT_COLS " WHERE e.id = ?", id, "export",
                              (yf_store_row_fn)read_export, out, error);
}

GPtrArray *yf_store_export_list(yf_store *st, int64_t recording_id, GError **error)
{
    if (recording_id == 0)
        return yf_store_list_rows(st, "SELECT " EXPORT_COLS " WHERE e.state IN ('queued','processing')"
                                      " ORDER BY e.id", NULL, 0, (yf_store_row_fn)read_export, sizeof(yf_export),
                                  (GDestroyNotify)yf_export_free, error);
    return yf_store_list_rows(st, "SELECT " EXPORT_COLS " WHERE e.recording_id = ? ORDER BY e.id DESC",
                              &recording_id, 1, (yf_store_row_fn)read_export, sizeof(yf_export),
                              (GDestroyNotify)yf_export_free, error);
}

/* A name shown on every frame: not blank, no control characters, at most max. */
static gboolean text_ok(const char *v, size_t max, gboolean required, const char *what, GError **error)
{
    const char *p = v ? v : "";
    gboolean blank = TRUE, ok = g_utf8_validate(p, -1, NULL) && g_utf8_strlen(p, -1) <= (glong)max;
    for (; ok && *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        ok = !g_unichar_iscntrl(c);
        blank = blank && g_unichar_isspace(c);
    }
    if (ok && required && blank)
        ok = FALSE;
    if (!ok)
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "%s must be %s1..%zu characters without line "
                    "breaks", what, required ? "" : "0 or ", max);
    return ok;
}

gboolean yf_store_export_create(yf_store *st, yf_actor actor, int64_t now_ms, int64_t recording_id,
                                const char *recipient, const char *organisation, const char *purpose,
                                int64_t *out_id, GError **error)
{
    int64_t id = 0;
    char *who = NULL;
    if (!text_ok(recipient, YF_EXPORT_RECIPIENT_MAX, TRUE, "recipient", error) ||
        !text_ok(organisation, YF_EXPORT_ORGANISATION_MAX, FALSE, "organisation", error) ||
        !text_ok(purpose, YF_EXPORT_PURPOSE_MAX, FALSE, "purpose", error) || !yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO exports (recording_id, recipient, organisation, purpose,"
                                        " requested_by, requested_ms, state) VALUES (?,?,?,?,?,?,'queued')", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error) &&
                  yf_store_row_exists(st, "SELECT 1 FROM recordings WHERE id = ?", recording_id, "recording",
                                      error);
    if (ok) {
        who = yf_actor_to_string(actor);
        sqlite3_bind_int64(s, 1, recording_id);
        yf_store_bind_text(s, 2, recipient);
        yf_store_bind_text(s, 3, organisation);
        yf_store_bind_text(s, 4, purpose);
        yf_store_bind_text(s, 5, who);
        sqlite3_bind_int64(s, 6, now_ms);
        ok = yf_store_exec_stmt(st, s, "add export", error);
        id = sqlite3_last_insert_rowid(st->db);
    }
    g_free(who);
    ok = yf_store_finish_take(st, ok, actor, now_ms, "recording.export", "recording", recording_id,
                              g_strdup_printf("export=%" G_GINT64_FORMAT " recipient=%s organisation=%s purpose=%s",
                                              (gint64)id, recipient, organisation ? organisation : "",
                                              purpose ? purpose : ""), NULL, error);
    if (ok && out_id)
        *out_id = id;
    return ok;
}

/* Runs an UPDATE of one export whose last parameter is its id; INVALID when
 * the row was not in a state the statement accepts. */
static gboolean update_one(yf_store *st, sqlite3_stmt *s, const char *what, GError **error)
{
    if (!yf_store_exec_stmt(st, s, what, error))
        return FALSE;
    if (sqlite3_changes(st->db) == 1)
        return TRUE;
    g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "%s: no such export in a state that allows it", what);
    return FALSE;
}

gboolean yf_store_export_start(yf_store *st, int64_t id, const char *path, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE exports SET state = 'processing', path = ?"
                                        " WHERE state = 'queued' AND id = ?", error);
    if (!s)
        return FALSE;
    yf_store_bind_text(s, 1, path);
    sqlite3_bind_int64(s, 2, id);
    return update_one(st, s, "start export", error);
}

gboolean yf_store_export_requeue(yf_store *st, int64_t id, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE exports SET state = 'queued', path = NULL"
                                        " WHERE state = 'processing' AND id = ?", error);
    if (!s)
        return FALSE;
    sqlite3_bind_int64(s, 1, id);
    return update_one(st, s, "requeue export", error);
}

/* The recording an export is of (for the audit object). */
static gboolean recording_of(yf_store *st, int64_t id, int64_t *recording_id, GError **error)
{
    yf_export e = {0};
    gboolean ok = yf_store_export_get(st, id, &e, error);
    *recording_id = e.recording_id;
    yf_export_clear(&e);
    return ok;
}

gboolean yf_store_export_done(yf_store *st, int64_t now_ms, int64_t id, int64_t size_bytes,
                              const guint8 sha256[32], GError **error)
{
    int64_t rid = 0;
    char hex[65];
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE exports SET state = 'done', size_bytes = ?, sha256 = ?,"
                                        " finished_ms = ? WHERE state = 'processing' AND id = ?", error);
    gboolean ok = s && recording_of(st, id, &rid, error);
    if (ok) {
        sqlite3_bind_int64(s, 1, size_bytes);
        sqlite3_bind_blob(s, 2, sha256, 32, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 3, now_ms);
        sqlite3_bind_int64(s, 4, id);
        ok = update_one(st, s, "finish export", error);
    }
    for (int k = 0; k < 32; k++)
        g_snprintf(hex + 2 * k, 3, "%02x", sha256[k]);
    return yf_store_finish_take(st, ok, yf_actor_system(), now_ms, "recording.export_done", "recording", rid,
                                g_strdup_printf("export=%" G_GINT64_FORMAT " sha256=%s size=%" G_GINT64_FORMAT,
                                                (gint64)id, hex, (gint64)size_bytes), NULL, error);
}

gboolean yf_store_export_fail(yf_store *st, int64_t now_ms, int64_t id, const char *why, GError **error)
{
    int64_t rid = 0;
    char *cut = g_utf8_substring(why ? why : "", 0, MIN(g_utf8_strlen(why ? why : "", -1), 1000));
    if (!yf_store_begin(st, error)) {
        g_free(cut);
        return FALSE;
    }
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE exports SET state = 'failed', error = ?, finished_ms = ?"
                                        " WHERE state IN ('queued','processing') AND id = ?", error);
    gboolean ok = s && recording_of(st, id, &rid, error);
    if (ok) {
        yf_store_bind_text(s, 1, cut);
        sqlite3_bind_int64(s, 2, now_ms);
        sqlite3_bind_int64(s, 3, id);
        ok = update_one(st, s, "fail export", error);
    }
    ok = yf_store_finish_take(st, ok, yf_actor_system(), now_ms, "recording.export_failed", "recording", rid,
                              g_strdup_printf("export=%" G_GINT64_FORMAT " error=%s", (gint64)id, cut), NULL, error);
    g_free(cut);
    return ok;
}

gboolean yf_store_export_access(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id, yf_export *out,
                                GError **error)
{
    yf_export e = {0};
    gboolean ok = yf_store_begin(st, error);
    if (ok) {
        ok = yf_store_check_actor(st, actor, error) && yf_store_export_get(st, id, &e, error);
        if (ok && e.state != YF_EXPORT_DONE) {
            g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "the export is not finished");
            ok = FALSE;
        }
        ok = yf_store_finish_take(st, ok, actor, now_ms, "recording.export_download", "recording", e.recording_id,
                                  g_strdup_printf("export=%" G_GINT64_FORMAT, (gint64)id), NULL, error);
    }
    if (ok && out)
        *out = e;
    else
        yf_export_clear(&e);
    return ok;
}
