/* store_records.c -- what a hearing leaves behind: the note (entries with
 * author and offset, finalization, each participant's confirmation or refusal),
 * recordings (with every view/download audited), aid disbursements and their
 * confirmation, satisfaction ratings. Each change is audited in its transaction. */
#define G_LOG_DOMAIN "yf-store"
#include <string.h>

#include "store_priv.h"
#include "store_reads.h"

/* The hearing's note id (creating it when create), and whether it is final. */
static gboolean note_of(yf_store *st, int64_t hearing_id, gboolean create, int64_t *note_id,
                        gboolean *final, GError **error)
{
    if (!yf_store_row_exists(st, "SELECT 1 FROM hearings WHERE id = ?", hearing_id, "hearing", error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "SELECT id, finalized_ms IS NOT NULL FROM notes"
                                        " WHERE hearing_id = ?", error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, hearing_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *note_id = sqlite3_column_int64(s, 0);
        *final = sqlite3_column_int(s, 1) != 0;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW)
        return TRUE;
    if (rc != SQLITE_DONE)
        return yf_store_fail(st, rc, "note", error);
    if (!create) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "hearing has no note");
        return FALSE;
    }
    sqlite3_stmt *i = yf_store_prep(st, "INSERT INTO notes (hearing_id) VALUES (?)", error);
    if (i == NULL)
        return FALSE;
    sqlite3_bind_int64(i, 1, hearing_id);
    *final = FALSE;
    *note_id = 0;
    if (!yf_store_exec_stmt(st, i, "create note", error))
        return FALSE;
    *note_id = sqlite3_last_insert_rowid(st->db);
    return TRUE;
}

static gboolean not_final(gboolean final, GError **error)
{
    if (final)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "the note is finalized");
    return !final;
}

gboolean yf_store_note_add_entry(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                                 int64_t offset_ms, const char *text, int64_t *out_entry_id,
                                 GError **error)
{
    int64_t note_id = 0, id = 0;
    gboolean final = FALSE;
    char *who = yf_actor_to_string(actor);
    if (!yf_store_begin(st, error)) {
        g_free(who);
        return FALSE;
    }
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO note_entries (note_id, author, text, offset_ms,"
                                        " created_ms) VALUES (?,?,?,?,?)", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error) &&
                  note_of(st, hearing_id, TRUE, &note_id, &final, error) && not_final(final, error);
    if (ok) {
        sqlite3_bind_int64(s, 1, note_id);
        yf_store_bind_text(s, 2, who);
        yf_store_bind_text(s, 3, text);
        sqlite3_bind_int64(s, 4, offset_ms);
        sqlite3_bind_int64(s, 5, now_ms);
        ok = yf_store_exec_stmt(st, s, "note entry", error);
        id = sqlite3_last_insert_rowid(st->db);
    }
    g_free(who);
    return yf_store_finish_take(st, ok, actor, now_ms, "note.entry", "note_entry", id,
                                g_strdup_printf("hearing=%" G_GINT64_FORMAT " offset_ms=%" G_GINT64_FORMAT,
                                    (gint64)hearing_id, (gint64)offset_ms), out_entry_id, error);
}

gboolean yf_store_note_finalize(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                                GError **error)
{
    int64_t note_id = 0;
    gboolean final = FALSE;
    char *who = yf_actor_to_string(actor);
    if (!yf_store_begin(st, error)) {
        g_free(who);
        return FALSE;
    }
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE notes SET finalized_ms = ?, finalized_by = ?"
                                        " WHERE id = ?", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error) &&
                  note_of(st, hearing_id, FALSE, &note_id, &final, error) && not_final(final, error);
    if (ok) {
        sqlite3_bind_int64(s, 1, now_ms);
        yf_store_bind_text(s, 2, who);
        sqlite3_bind_int64(s, 3, note_id);
        ok = yf_store_exec_stmt(st, s, "finalize note", error);
    }
    g_free(who);
    return yf_store_finish(st, ok, actor, now_ms, "note.finalize", "hearing", hearing_id, "", error);
}

gboolean yf_store_note_confirm(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                               int64_t participant_id, gboolean confirm, const char *reason,
                               GError **error)
{
    int64_t note_id = 0;
    gboolean final = FALSE;
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO note_confirmations (note_id, participant_id,"
                                        " decision, reason, at_ms) SELECT ?, id, ?, ?, ?"
                                        " FROM participants WHERE id = ? AND hearing_id = ?", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error) &&
                  note_of(st, hearing_id, FALSE, &note_id, &final, error);
    if (ok && !final) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "the note is not final yet");
        ok = FALSE;
    }
    if (ok) {
        sqlite3_bind_int64(s, 1, note_id);
        yf_store_bind_text(s, 2, confirm ? "confirm" : "refuse");
        yf_store_bind_text(s, 3, reason);
        sqlite3_bind_int64(s, 4, now_ms);
        sqlite3_bind_int64(s, 5, participant_id);
        sqlite3_bind_int64(s, 6, hearing_id);
        ok = yf_store_exec_stmt(st, s, "confirm note", error);
        if (ok && sqlite3_changes(st->db) == 0) {
            g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND,
                                "participant not in this hearing");
            ok = FALSE;
        }
    }
    char *detail = g_strdup_printf("participant=%" G_GINT64_FORMAT " %s", (gint64)participant_id,
                                   confirm ? "confirm" : "refuse");
    ok = yf_store_finish(st, ok, actor, now_ms, "note.confirm", "hearing", hearing_id, detail, error);
    g_free(detail);
    return ok;
}

char *yf_store_note_text(yf_store *st, int64_t hearing_id, GError **error)
{
    yf_hearing h = {0};
    GPtrArray *entries = NULL;
    char *text = NULL;
    if (yf_store_hearing_get(st, hearing_id, &h, error) && (entries = yf_store_note_entries(st, hearing_id, error)))
        text = yf_store_note_format(entries, h.start_ms, YF_STORE_TZ_BEIJING_S);
    if (entries)
        g_ptr_array_unref(entries);
    yf_hearing_clear(&h);
    return text;
}

void yf_recording_clear(yf_recording *r)
{
    g_free(r->path);
    memset(r, 0, sizeof *r);
}

YF_STORE_DEFINE_FREE(yf_recording)

gboolean yf_store_recording_add(yf_store *st, yf_actor actor, int64_t now_ms,
                                const yf_recording *in, int64_t *out_id, GError **error)
{
    int64_t id = 0;
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO recordings (hearing_id, participant_id, path,"
                                        " size_bytes, duration_ms, sha256, created_ms, start_ms, deliberation)"
                                        " VALUES (?,?,?,?,?,?,?,?,?)", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error);
    if (ok) {
        sqlite3_bind_int64(s, 1, in->hearing_id);
        yf_store_bind_id(s, 2, in->participant_id);
        yf_store_bind_text(s, 3, in->path);
        sqlite3_bind_int64(s, 4, in->size_bytes);
        sqlite3_bind_int64(s, 5, in->duration_ms);
        sqlite3_bind_blob(s, 6, in->sha256, sizeof in->sha256, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 7, now_ms);
        yf_store_bind_id(s, 8, in->start_ms);
        sqlite3_bind_int(s, 9, in->deliberation ? 1 : 0);
        ok = yf_store_exec_stmt(st, s, "add recording", error);
        id = sqlite3_last_insert_rowid(st->db);
    }
    return yf_store_finish_take(st, ok, actor, now_ms, "recording.add", "recording", id,
                                g_strdup_printf("hearing=%" G_GINT64_FORMAT " participant=%" G_GINT64_FORMAT
                                    " size=%" G_GINT64_FORMAT "%s", (gint64)in->hearing_id,
                                    (gint64)in->participant_id, (gint64)in->size_bytes,
                                    in->deliberation ? " deliberation" : ""), out_id, error);
}

static gboolean read_recording(yf_store *st, int64_t id, yf_recording *out, GError **error)
{
    return yf_store_get_by_id(st, "SELECT " YF_RECORDING_COLS " FROM recordings WHERE id = ?", id,
                              "recording", (yf_store_row_fn)yf_store_read_recording, out, error);
}

gboolean yf_store_recording_access(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id,
                                   const char *what, yf_recording *out, GError **error)
{
    char *action = g_strdup_printf("recording.%s", what && *what ? what : "view");
    yf_recording r = { 0 };
    gboolean ok = yf_store_begin(st, error);
    if (ok) {
        ok = yf_store_check_actor(st, actor, error) && read_recording(st, id, &r, error);
        ok = yf_store_finish(st, ok, actor, now_ms, action, "recording", id, "", error);
    }
    if (ok && out)
        *out = r;
    else
        yf_recording_clear(&r);
    g_free(action);
    return ok;
}

gboolean yf_store_aid_create(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                             int64_t hearing_id, const char *decision_no, int64_t amount_fen,
                             int64_t *out_id, GError **error)
{
    int64_t id = 0;
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO aid_disbursements (case_id, hearing_id,"
                                        " decision_no, amount_fen, created_ms) VALUES (?,?,?,?,?)",
                                    error);
    gboolean ok = s && yf_store_check_actor(st, actor, error);
    if (ok) {
        sqlite3_bind_int64(s, 1, case_id);
        yf_store_bind_id(s, 2, hearing_id);
        yf_store_bind_text(s, 3, decision_no);
        sqlite3_bind_int64(s, 4, amount_fen);
        sqlite3_bind_int64(s, 5, now_ms);
        ok = yf_store_exec_stmt(st, s, "create aid", error);
        id = sqlite3_last_insert_rowid(st->db);
    }
    return yf_store_finish_take(st, ok, actor, now_ms, "aid.create", "aid", id,
                                g_strdup_printf("case=%" G_GINT64_FORMAT " decision=%s amount_fen=%" G_GINT64_FORMAT,
                                    (gint64)case_id, decision_no ? decision_no : "", (gint64)amount_fen), out_id, error);
}

gboolean yf_store_aid_confirm(yf_store *st, yf_actor actor, int64_t now_ms, int64_t aid_id,
                              GError **error)
{
    char *who = yf_actor_to_string(actor);
    if (!yf_store_begin(st, error)) {
        g_free(who);
        return FALSE;
    }
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE aid_disbursements SET confirmed_ms = ?,"
                                        " confirmed_by = ? WHERE id = ? AND confirmed_ms IS NULL",
                                    error);
    gboolean ok = s && yf_store_check_actor(st, actor, error);
    if (ok) {
        sqlite3_bind_int64(s, 1, now_ms);
        yf_store_bind_text(s, 2, who);
        sqlite3_bind_int64(s, 3, aid_id);
        ok = yf_store_exec_stmt(st, s, "confirm aid", error);
        if (ok && sqlite3_changes(st->db) == 0) {
            g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND,
                                "aid disbursement not found or already confirmed");
            ok = FALSE;
        }
    }
    g_free(who);
    return yf_store_finish(st, ok, actor, now_ms, "aid.confirm", "aid", aid_id, "", error);
}

gboolean yf_store_rating_add(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                             int64_t hearing_id, int score, const char *comment,
                             int64_t *out_id, GError **error)
{
    int64_t id = 0;
    char *who = yf_actor_to_string(actor);
    if (!yf_store_begin(st, error)) {
        g_free(who);
        return FALSE;
    }
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO ratings (case_id, hearing_id, score, comment,"
                                        " by_actor, at_ms) VALUES (?,?,?,?,?,?)", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error);
    if (ok) {
        sqlite3_bind_int64(s, 1, case_id);
        yf_store_bind_id(s, 2, hearing_id);
        sqlite3_bind_int(s, 3, score);
        yf_store_bind_text(s, 4, comment);
        yf_store_bind_text(s, 5, who);
        sqlite3_bind_int64(s, 6, now_ms);
        ok = yf_store_exec_stmt(st, s, "add rating", error);
        id = sqlite3_last_insert_rowid(st->db);
    }
    g_free(who);
    return yf_store_finish_take(st, ok, actor, now_ms, "rating.add", "rating", id,
                                g_strdup_printf("case=%" G_GINT64_FORMAT " score=%d", (gint64)case_id, score), out_id, error);
}
