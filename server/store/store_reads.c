/* store_reads.c -- the listings and read queries of store_reads.h on the
 * SQLite schema of migrations.c: listings, participation, note finalization
 * and confirmations, rating-once, the audit list and statistics rows.
 * Read-only: no row is written here, so no audit entry. */
#define G_LOG_DOMAIN "yf-store"
#include "store_reads.h"

#include <string.h>

#include "deadline.h"
#include "store_priv.h"

static gboolean exists(yf_store *st, const char *sql, int64_t a, int64_t b, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, sql, error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, a);
    sqlite3_bind_int64(s, 2, b);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        yf_store_fail(st, rc, "participation", error);
    sqlite3_reset(s);
    return rc == SQLITE_ROW;
}

gboolean yf_store_staff_in_hearing(yf_store *st, int64_t staff_id, int64_t hearing_id,
                                       GError **error)
{
    return exists(st, "SELECT 1 FROM participants WHERE staff_id = ? AND hearing_id = ?",
                  staff_id, hearing_id, error);
}

gboolean yf_store_staff_in_case(yf_store *st, int64_t staff_id, int64_t case_id, GError **error)
{
    return exists(st, "SELECT 1 FROM participants p JOIN hearings h ON h.id = p.hearing_id"
                      " WHERE p.staff_id = ? AND h.case_id = ? LIMIT 1", staff_id, case_id, error);
}

GPtrArray *yf_store_appointment_list(yf_store *st, int64_t case_id, GError **error)
{
    return yf_store_list_rows(st, "SELECT " YF_APPOINTMENT_COLS " FROM appointments WHERE case_id = ? ORDER BY id",
                              &case_id, 1, (yf_store_row_fn)yf_store_read_appointment, sizeof(yf_appointment),
                              (GDestroyNotify)yf_appointment_free, error);
}

GPtrArray *yf_store_appointments_between(yf_store *st, int64_t from_ms, int64_t to_ms, GError **error)
{
    int64_t args[] = {from_ms, to_ms, YF_STORE_DAY_MAX};
    return yf_store_list_rows(st, "SELECT " YF_APPOINTMENT_COLS " FROM appointments WHERE start_ms >= ?"
                                  " AND start_ms < ? AND cancelled = 0 ORDER BY start_ms, id LIMIT ?",
                              args, 3, (yf_store_row_fn)yf_store_read_appointment, sizeof(yf_appointment),
                              (GDestroyNotify)yf_appointment_free, error);
}

GPtrArray *yf_store_invitee_list(yf_store *st, int64_t appointment_id, GError **error)
{
    return yf_store_list_rows(st, "SELECT " YF_INVITEE_COLS " FROM invitees WHERE appointment_id = ? ORDER BY id",
                              &appointment_id, 1, (yf_store_row_fn)yf_store_read_invitee, sizeof(yf_invitee),
                              (GDestroyNotify)yf_invitee_free, error);
}

GPtrArray *yf_store_hearing_list(yf_store *st, int64_t case_id, int64_t appointment_id,
                                 GError **error)
{
    const char *sql = case_id > 0 ? "SELECT " YF_HEARING_COLS " FROM hearings WHERE case_id = ? ORDER BY id"
                                  : "SELECT " YF_HEARING_COLS " FROM hearings WHERE appointment_id = ? ORDER BY id";
    int64_t key = case_id > 0 ? case_id : appointment_id;
    return yf_store_list_rows(st, sql, &key, 1, (yf_store_row_fn)yf_store_read_hearing, sizeof(yf_hearing),
                              (GDestroyNotify)yf_hearing_free, error);
}

GPtrArray *yf_store_recording_list(yf_store *st, int64_t hearing_id, GError **error)
{
    return yf_store_list_rows(st, "SELECT " YF_RECORDING_COLS " FROM recordings WHERE hearing_id = ? ORDER BY id",
                              &hearing_id, 1, (yf_store_row_fn)yf_store_read_recording, sizeof(yf_recording),
                              (GDestroyNotify)yf_recording_free, error);
}

void yf_participant_free(yf_participant *p)
{
    if (p == NULL)
        return;
    g_free(p->name);
    g_free(p->role);
    g_free(p);
}

static void read_participant(sqlite3_stmt *s, void *out)
{
    yf_participant *p = out;
    p->id = sqlite3_column_int64(s, 0);
    p->name = yf_store_col_text(s, 1);
    p->role = yf_store_col_text(s, 2);
    p->staff_id = sqlite3_column_int64(s, 3);
    p->invitee_id = sqlite3_column_int64(s, 4);
    p->joined_ms = sqlite3_column_int64(s, 5);
}

GPtrArray *yf_store_participant_list(yf_store *st, int64_t hearing_id, GError **error)
{
    return yf_store_list_rows(st, "SELECT id, name, role, staff_id, invitee_id, joined_ms FROM participants"
                              " WHERE hearing_id = ? ORDER BY id", &hearing_id, 1, read_participant,
                              sizeof(yf_participant), (GDestroyNotify)yf_participant_free, error);
}

gboolean yf_store_note_finalized(yf_store *st, int64_t hearing_id, int64_t *finalized_ms,
                                     GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT coalesce(finalized_ms, 0) FROM notes"
                                        " WHERE hearing_id = ?", error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, hearing_id);
    int rc = sqlite3_step(s);
    *finalized_ms = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        yf_store_fail(st, rc, "note finalized", error);
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

void yf_note_confirmation_free(yf_note_confirmation *c)
{
    if (c == NULL)
        return;
    g_free(c->name);
    g_free(c->role);
    g_free(c->reason);
    g_free(c);
}

static void read_confirmation(sqlite3_stmt *s, void *out)
{
    yf_note_confirmation *c = out;
    c->participant_id = sqlite3_column_int64(s, 0);
    c->name = yf_store_col_text(s, 1);
    c->role = yf_store_col_text(s, 2);
    c->confirm = g_strcmp0((const char *)sqlite3_column_text(s, 3), "confirm") == 0;
    c->reason = yf_store_col_text(s, 4);
    c->at_ms = sqlite3_column_int64(s, 5);
}

GPtrArray *yf_store_note_confirmations(yf_store *st, int64_t hearing_id, GError **error)
{
    return yf_store_list_rows(st, "SELECT c.participant_id, p.name, p.role, c.decision, c.reason, c.at_ms"
                              " FROM note_confirmations c JOIN notes n ON n.id = c.note_id"
                              " JOIN participants p ON p.id = c.participant_id"
                              " WHERE n.hearing_id = ? ORDER BY c.at_ms, c.rowid", &hearing_id, 1,
                              read_confirmation, sizeof(yf_note_confirmation),
                              (GDestroyNotify)yf_note_confirmation_free, error);
}

void yf_note_entry_free(yf_note_entry *e)
{
    if (e == NULL)
        return;
    g_free(e->author);
    g_free(e->name);
    g_free(e->role);
    g_free(e->text);
    g_free(e);
}

static void read_note_entry(sqlite3_stmt *s, void *out)
{
    yf_note_entry *e = out;
    e->id = sqlite3_column_int64(s, 0);
    e->offset_ms = sqlite3_column_int64(s, 1);
    e->created_ms = sqlite3_column_int64(s, 2);
    e->author = yf_store_col_text(s, 3);
    e->text = yf_store_col_text(s, 4);
    e->name = yf_store_col_text(s, 5);
    e->role = yf_store_col_text(s, 6);
}

/* The author is an actor string; its id is read only after its prefix
 * matched, so the staff and invitee lookups go by primary key. */
GPtrArray *yf_store_note_entries(yf_store *st, int64_t hearing_id, GError **error)
{
    return yf_store_list_rows(st,
        "SELECT e.id, e.offset_ms, e.created_ms, e.author, e.text,"
        " coalesce(p.name, s.display_name, i.name, ''), coalesce(p.role, s.role, i.role, '')"
        " FROM note_entries e JOIN notes n ON n.id = e.note_id"
        " LEFT JOIN staff s ON e.author GLOB 'staff:[0-9]*' AND s.id = CAST(substr(e.author, 7) AS INTEGER)"
        " LEFT JOIN invitees i ON e.author GLOB 'invitee:[0-9]*'"
        "  AND i.id = CAST(substr(e.author, 9) AS INTEGER)"
        " LEFT JOIN participants p ON p.id = (SELECT q.id FROM participants q WHERE q.hearing_id = n.hearing_id"
        "  AND (q.staff_id = s.id OR q.invitee_id = i.id) ORDER BY q.id LIMIT 1)"
        " WHERE n.hearing_id = ? ORDER BY e.offset_ms, e.id", &hearing_id, 1, read_note_entry,
        sizeof(yf_note_entry), (GDestroyNotify)yf_note_entry_free, error);
}

gboolean yf_store_recording_hearing(yf_store *st, int64_t recording_id, int64_t *hearing_id,
                                        GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT hearing_id FROM recordings WHERE id = ?", error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, recording_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *hearing_id = sqlite3_column_int64(s, 0);
    else if (rc == SQLITE_DONE)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "recording not found");
    else
        yf_store_fail(st, rc, "recording", error);
    sqlite3_reset(s);
    return rc == SQLITE_ROW;
}

int64_t yf_store_rating_count(yf_store *st, yf_actor actor, GError **error)
{
    char *who = yf_actor_to_string(actor);
    int64_t n = -1;
    sqlite3_stmt *s = yf_store_prep(st, "SELECT count(*) FROM ratings WHERE by_actor = ?", error);
    if (s == NULL)
        goto out;
    yf_store_bind_text(s, 1, who);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    else
        yf_store_fail(st, rc, "rating count", error);
    sqlite3_reset(s);
out:
    g_free(who);
    return n;
}

void yf_audit_row_free(yf_audit_row *r)
{
    if (r == NULL)
        return;
    g_free(r->actor);
    g_free(r->action);
    g_free(r->object);
    g_free(r->detail);
    g_free(r);
}

/* The rows one statement of the three below gives: ?1 the cursor id, ?2 the
 * action prefix, ?3 the limit, ?4 a case id. */
static GPtrArray *audit_rows(yf_store *st, const char *sql, int64_t cursor, int limit, const char *action_prefix,
                             int64_t case_id, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, sql, error);
    if (s == NULL)
        return NULL;
    sqlite3_bind_int64(s, 1, cursor);
    yf_store_bind_text(s, 2, action_prefix ? action_prefix : "");
    sqlite3_bind_int(s, 3, limit);
    if (sqlite3_bind_parameter_count(s) >= 4)
        sqlite3_bind_int64(s, 4, case_id);
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)yf_audit_row_free);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        yf_audit_row *r = g_new0(yf_audit_row, 1);
        r->id = sqlite3_column_int64(s, 0);
        r->at_ms = sqlite3_column_int64(s, 1);
        r->actor = yf_store_col_text(s, 2);
        r->action = yf_store_col_text(s, 3);
        r->object = yf_store_col_text(s, 4);
        r->detail = yf_store_col_text(s, 5);
        g_ptr_array_add(out, r);
    }
    if (rc != SQLITE_DONE) {
        yf_store_fail(st, rc, "audit list", error);
        g_clear_pointer(&out, g_ptr_array_unref);
    }
    sqlite3_reset(s);
    return out;
}

GPtrArray *yf_store_audit_list(yf_store *st, int64_t after_id, int limit,
                                   const char *action_prefix, GError **error)
{
    return audit_rows(st, "SELECT id, at_ms, actor, action, object, detail FROM audit_log WHERE id > ?1"
                          " AND (?2 = '' OR substr(action, 1, length(?2)) = ?2) ORDER BY id LIMIT ?3",
                      after_id, limit, action_prefix, 0, error);
}

GPtrArray *yf_store_audit_list_newest(yf_store *st, int64_t before_id, int limit, const char *action_prefix,
                                      GError **error)
{
    return audit_rows(st, "SELECT id, at_ms, actor, action, object, detail FROM audit_log"
                          " WHERE (?1 = 0 OR id < ?1) AND (?2 = '' OR substr(action, 1, length(?2)) = ?2)"
                          " ORDER BY id DESC LIMIT ?3",
                      before_id, limit, action_prefix, 0, error);
}

void yf_rating_row_free(yf_rating_row *r)
{
    if (r == NULL)
        return;
    g_free(r->comment);
    g_free(r->name);
    g_free(r->role);
    g_free(r);
}

static void read_rating(sqlite3_stmt *s, void *out)
{
    yf_rating_row *r = out;
    r->id = sqlite3_column_int64(s, 0);
    r->hearing_id = sqlite3_column_int64(s, 1);
    r->score = sqlite3_column_int(s, 2);
    r->comment = yf_store_col_text(s, 3);
    r->at_ms = sqlite3_column_int64(s, 4);
    r->name = yf_store_col_text(s, 5);
    r->role = yf_store_col_text(s, 6);
}

GPtrArray *yf_store_case_ratings(yf_store *st, int64_t case_id, GError **error)
{
    return yf_store_list_rows(st, "SELECT r.id, coalesce(r.hearing_id, 0), r.score, r.comment, r.at_ms,"
                              " coalesce(i.name, ''), coalesce(i.role, '') FROM ratings r"
                              " LEFT JOIN invitees i ON r.by_actor GLOB 'invitee:[0-9]*'"
                              "  AND i.id = CAST(substr(r.by_actor, 9) AS INTEGER)"
                              " WHERE r.case_id = ? ORDER BY r.id", &case_id, 1, read_rating, sizeof(yf_rating_row),
                              (GDestroyNotify)yf_rating_row_free, error);
}

/* Every object of the case is named as the store names it in the log
 * (yf_store_obj): the case, its appointments, their invitees, its hearings,
 * their participants, recordings and note entries, its ratings and aid. */
GPtrArray *yf_store_case_audit(yf_store *st, int64_t case_id, int64_t before_id, int limit, GError **error)
{
    return audit_rows(st,
        "WITH objs(o) AS ("
        " SELECT 'case:' || ?4"
        " UNION ALL SELECT 'appointment:' || id FROM appointments WHERE case_id = ?4"
        " UNION ALL SELECT 'invitee:' || i.id FROM invitees i JOIN appointments a ON a.id = i.appointment_id"
        "  WHERE a.case_id = ?4"
        " UNION ALL SELECT 'hearing:' || id FROM hearings WHERE case_id = ?4"
        " UNION ALL SELECT 'participant:' || p.id FROM participants p JOIN hearings h ON h.id = p.hearing_id"
        "  WHERE h.case_id = ?4"
        " UNION ALL SELECT 'recording:' || r.id FROM recordings r JOIN hearings h ON h.id = r.hearing_id"
        "  WHERE h.case_id = ?4"
        " UNION ALL SELECT 'note_entry:' || e.id FROM note_entries e JOIN notes n ON n.id = e.note_id"
        "  JOIN hearings h ON h.id = n.hearing_id WHERE h.case_id = ?4"
        " UNION ALL SELECT 'rating:' || id FROM ratings WHERE case_id = ?4"
        " UNION ALL SELECT 'aid:' || id FROM aid_disbursements WHERE case_id = ?4)"
        " SELECT id, at_ms, actor, action, object, detail FROM audit_log"
        " WHERE object IN (SELECT o FROM objs) AND (?1 = 0 OR id < ?1)"
        " ORDER BY id DESC LIMIT ?3",
        before_id, limit, "", case_id, error);
}

static void read_stats_row(sqlite3_stmt *s, yf_stats_row *r)
{
    memset(r, 0, sizeof *r);
    yf_case_type_parse((const char *)sqlite3_column_text(s, 0), &r->type);
    yf_channel_parse((const char *)sqlite3_column_text(s, 1), &r->channel);
    yf_stage_parse((const char *)sqlite3_column_text(s, 2), &r->stage);
    yf_store_col_date(s, 3, &r->received);
    yf_store_col_date(s, 4, &r->reply_due);
    yf_store_col_date(s, 5, &r->result_due);
    r->forwarded_ms = sqlite3_column_int64(s, 6);
    r->closed_ms = sqlite3_column_int64(s, 7);
}

GArray *yf_store_stats_rows(yf_store *st, const GDate *from, const GDate *to, GError **error)
{
    char a[11], b[11];
    sqlite3_stmt *s = yf_store_prep(st,
        "SELECT c.type, c.channel, c.stage, c.received, c.reply_due, c.result_due,"
        " (SELECT min(at_ms) FROM case_events e WHERE e.case_id = c.id AND e.from_stage IS NOT NULL"
        "   AND e.to_stage NOT IN ('register','review')),"
        " (SELECT min(at_ms) FROM case_events e WHERE e.case_id = c.id AND e.to_stage = 'closed')"
        " FROM cases c WHERE c.received BETWEEN ?1 AND ?2 ORDER BY c.id", error);
    if (s == NULL)
        return NULL;
    yf_date_format_iso(from, a);
    yf_date_format_iso(to, b);
    yf_store_bind_text(s, 1, a);
    yf_store_bind_text(s, 2, b);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(yf_stats_row));
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        yf_stats_row r;
        read_stats_row(s, &r);
        g_array_append_val(out, r);
    }
    if (rc != SQLITE_DONE) {
        yf_store_fail(st, rc, "stats", error);
        g_clear_pointer(&out, g_array_unref);
    }
    sqlite3_reset(s);
    return out;
}

gboolean yf_store_appointment_open(yf_store *st, int64_t appointment_id, const char **code, const char **why)
{
    yf_appointment a = {0};
    yf_case c = {0};
    gboolean open = TRUE;
    if (yf_store_appointment_get(st, appointment_id, &a, NULL) && yf_store_case_get(st, a.case_id, &c, NULL)) {
        GPtrArray *hs = yf_store_hearing_list(st, 0, appointment_id, NULL);
        const yf_hearing *last = hs && hs->len ? g_ptr_array_index(hs, hs->len - 1) : NULL;
        if (a.cancelled) {
            *code = "appointment_cancelled", *why = "the appointment is cancelled";
            open = FALSE;
        } else if (c.stage == YF_STAGE_CLOSED) {
            *code = "case_closed", *why = "the case is closed";
            open = FALSE;
        } else if (last && last->end_ms) {
            *code = "hearing_ended", *why = "the hearing of this appointment has ended";
            open = FALSE;
        }
        if (hs)
            g_ptr_array_unref(hs);
    }
    yf_appointment_clear(&a);
    yf_case_clear(&c);
    return open;
}
