/* store_hearings.c -- hearings and their participants: start and end, staff
 * and invitees added, and everyone's first entry into the room's media. Every
 * change is audited in the same transaction. Appointments and invitations:
 * store_appointments.c; notes, recordings, aid, ratings: store_records.c. */
#define G_LOG_DOMAIN "yf-store"
#include <string.h>

#include "store_priv.h"

void yf_hearing_clear(yf_hearing *h)
{
    g_free(h->room);
    memset(h, 0, sizeof *h);
}

YF_STORE_DEFINE_FREE(yf_hearing)

gboolean yf_store_hearing_create(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                                 int64_t appointment_id, yf_hearing_kind kind, const char *room,
                                 int64_t start_ms, int64_t *out_id, GError **error)
{
    int64_t id = 0;
    if (yf_hearing_kind_code(kind) == NULL) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "unknown hearing kind");
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO hearings (case_id, appointment_id, kind, room,"
                                        " start_ms) VALUES (?,?,?,?,?)", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error);
    if (ok) {
        sqlite3_bind_int64(s, 1, case_id);
        yf_store_bind_id(s, 2, appointment_id);
        yf_store_bind_text(s, 3, yf_hearing_kind_code(kind));
        yf_store_bind_text(s, 4, room);
        sqlite3_bind_int64(s, 5, start_ms);
        ok = yf_store_exec_stmt(st, s, "create hearing", error);
        id = sqlite3_last_insert_rowid(st->db);
    }
    return yf_store_finish_take(st, ok, actor, now_ms, "hearing.create", "hearing", id,
                                g_strdup_printf("case=%" G_GINT64_FORMAT " kind=%s", (gint64)case_id,
                                    yf_hearing_kind_code(kind)), out_id, error);
}

gboolean yf_store_hearing_end(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                              GError **error)
{
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE hearings SET end_ms = ? WHERE id = ?"
                                        " AND end_ms IS NULL", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error);
    if (ok) {
        sqlite3_bind_int64(s, 1, now_ms);
        sqlite3_bind_int64(s, 2, hearing_id);
        ok = yf_store_exec_stmt(st, s, "end hearing", error);
        if (ok && sqlite3_changes(st->db) == 0) {
            g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND,
                                "hearing not found or already ended");
            ok = FALSE;
        }
    }
    return yf_store_finish(st, ok, actor, now_ms, "hearing.end", "hearing", hearing_id, "", error);
}

gboolean yf_store_hearing_get(yf_store *st, int64_t id, yf_hearing *out, GError **error)
{
    return yf_store_get_by_id(st, "SELECT " YF_HEARING_COLS " FROM hearings WHERE id = ?", id, "hearing",
                              (yf_store_row_fn)yf_store_read_hearing, out, error);
}

/* Inserts a participants row (no joined_ms yet) in the caller's transaction. */
static gboolean insert_participant(yf_store *st, int64_t now_ms, int64_t hearing_id, const char *name,
                                   const char *role, int64_t staff_id, int64_t invitee_id, int64_t *out_id,
                                   GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO participants (hearing_id, name, role, staff_id,"
                                        " invitee_id, added_ms) VALUES (?,?,?,?,?,?)", error);
    if (!s)
        return FALSE;
    sqlite3_bind_int64(s, 1, hearing_id);
    yf_store_bind_text(s, 2, name);
    yf_store_bind_text(s, 3, role);
    yf_store_bind_id(s, 4, staff_id);
    yf_store_bind_id(s, 5, invitee_id);
    sqlite3_bind_int64(s, 6, now_ms);
    if (!yf_store_exec_stmt(st, s, "add participant", error))
        return FALSE;
    *out_id = sqlite3_last_insert_rowid(st->db);
    return TRUE;
}

gboolean yf_store_participant_add(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                                  const char *name, const char *role, int64_t staff_id,
                                  int64_t invitee_id, int64_t *out_id, GError **error)
{
    int64_t id = 0;
    if (!yf_store_begin(st, error))
        return FALSE;
    gboolean ok = yf_store_check_actor(st, actor, error) &&
                  insert_participant(st, now_ms, hearing_id, name, role, staff_id, invitee_id, &id, error);
    return yf_store_finish_take(st, ok, actor, now_ms, "participant.add", "participant", id,
                                g_strdup_printf("hearing=%" G_GINT64_FORMAT " role=%s", (gint64)hearing_id,
                                    role ? role : ""), out_id, error);
}

/* The row of hearing_id for staff_id, else invitee_id, else a walk-in with
 * neither called name as role, into *id (0: none). */
static gboolean find_participant(yf_store *st, int64_t hearing_id, const char *name, const char *role,
                                 int64_t staff_id, int64_t invitee_id, int64_t *id, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT id FROM participants WHERE hearing_id = ?1 AND CASE"
                                        " WHEN ?2 > 0 THEN staff_id = ?2 WHEN ?3 > 0 THEN invitee_id = ?3"
                                        " ELSE staff_id IS NULL AND invitee_id IS NULL AND name = ?4 AND role = ?5"
                                        " END ORDER BY id LIMIT 1", error);
    if (!s)
        return FALSE;
    sqlite3_bind_int64(s, 1, hearing_id);
    sqlite3_bind_int64(s, 2, staff_id);
    sqlite3_bind_int64(s, 3, invitee_id);
    yf_store_bind_text(s, 4, name);
    yf_store_bind_text(s, 5, role);
    int rc = sqlite3_step(s);
    *id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE || yf_store_fail(st, rc, "find participant", error);
}

/* Runs sql (?1 a time, ?2 a row id: "set it unless an earlier one is there");
 * *changed becomes TRUE when it did. */
static gboolean set_earliest(yf_store *st, const char *sql, int64_t at_ms, int64_t id, gboolean *changed,
                             GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, sql, error);
    if (!s)
        return FALSE;
    sqlite3_bind_int64(s, 1, at_ms);
    sqlite3_bind_int64(s, 2, id);
    if (!yf_store_exec_stmt(st, s, "record entry", error))
        return FALSE;
    if (sqlite3_changes(st->db) > 0)
        *changed = TRUE;
    return TRUE;
}

/* FALSE (INVALID) when at_ms is after hearing_id ended. */
static gboolean before_end(yf_store *st, int64_t hearing_id, int64_t at_ms, GError **error)
{
    yf_hearing h = { 0 };
    if (!yf_store_hearing_get(st, hearing_id, &h, error))
        return FALSE;
    gboolean ok = h.end_ms == 0 || at_ms <= h.end_ms;
    yf_hearing_clear(&h);
    if (!ok)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID,
                            "an entry into the room after the hearing ended");
    return ok;
}

gboolean yf_store_participant_seen(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                                   const char *name, const char *role, int64_t staff_id, int64_t invitee_id,
                                   int64_t entered_ms, int64_t *out_id, GError **error)
{
    int64_t id = 0;
    gboolean added = FALSE, changed = FALSE;
    if (!yf_store_begin(st, error))
        return FALSE;
    gboolean ok = yf_store_check_actor(st, actor, error) && before_end(st, hearing_id, entered_ms, error) &&
                  find_participant(st, hearing_id, name, role, staff_id, invitee_id, &id, error);
    if (ok && !id)
        ok = added = insert_participant(st, now_ms, hearing_id, name, role, staff_id, invitee_id, &id, error);
    if (ok && entered_ms)
        ok = set_earliest(st, "UPDATE participants SET joined_ms = ?1 WHERE id = ?2 AND"
                              " (joined_ms IS NULL OR joined_ms > ?1)", entered_ms, id, &changed, error);
    if (ok && entered_ms && invitee_id)
        ok = set_earliest(st, "UPDATE invitees SET admitted_ms = ?1 WHERE id = ?2 AND"
                              " (admitted_ms IS NULL OR admitted_ms > ?1)", entered_ms, invitee_id, &changed, error);
    if (ok && !added && !changed) {
        ok = yf_store_commit(st, error);   /* seen before, nothing new */
    } else {
        char *detail = g_strdup_printf("hearing=%" G_GINT64_FORMAT " role=%s entered=%" G_GINT64_FORMAT,
                                       (gint64)hearing_id, role ? role : "", (gint64)entered_ms);
        ok = yf_store_finish(st, ok, actor, now_ms, added ? "participant.add" : "participant.join", "participant",
                             id, detail, error);
        g_free(detail);
    }
    if (ok && out_id)
        *out_id = id;
    return ok;
}
