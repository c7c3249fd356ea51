/* store_appointments.c -- appointments and their invitations: scheduling,
 * rescheduling (default expiries move with the start) and cancelling (every
 * invitation revoked); random tokens stored as SHA-256, bound to one
 * appointment and role, expiring, revocable, reissued for someone who lost
 * theirs; the admission check before a room token; a link's first use. Every
 * change and every admission (or refused one) is audited in the same
 * transaction. */
#define G_LOG_DOMAIN "yf-store"
#include <string.h>

#include "store_priv.h"
#include "token.h"

void yf_appointment_clear(yf_appointment *a)
{
    g_free(a->title);
    g_free(a->cancel_reason);
    memset(a, 0, sizeof *a);
}

YF_STORE_DEFINE_FREE(yf_appointment)

gboolean yf_store_appointment_create(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                                     int64_t host_id, int64_t start_ms, const char *title,
                                     yf_appointment_kind kind, int64_t *out_id, GError **error)
{
    int64_t id = 0;
    if (yf_appointment_kind_code(kind) == NULL) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "unknown appointment kind");
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO appointments (case_id, host_id, start_ms,"
                                        " title, kind) VALUES (?,?,?,?,?)", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error) &&
                  yf_store_row_exists(st, "SELECT 1 FROM cases WHERE id = ?", case_id, "case", error) &&
                  yf_store_row_exists(st, "SELECT 1 FROM staff WHERE id = ? AND disabled = 0",
                                      host_id, "host", error);
    if (ok) {
        sqlite3_bind_int64(s, 1, case_id);
        sqlite3_bind_int64(s, 2, host_id);
        sqlite3_bind_int64(s, 3, start_ms);
        yf_store_bind_text(s, 4, title);
        yf_store_bind_text(s, 5, yf_appointment_kind_code(kind));
        ok = yf_store_exec_stmt(st, s, "create appointment", error);
        id = sqlite3_last_insert_rowid(st->db);
    }
    return yf_store_finish_take(st, ok, actor, now_ms, "appointment.create", "appointment", id,
                                g_strdup_printf("case=%" G_GINT64_FORMAT " start_ms=%" G_GINT64_FORMAT " kind=%s",
                                    (gint64)case_id, (gint64)start_ms, yf_appointment_kind_code(kind)),
                                out_id, error);
}

gboolean yf_store_appointment_get(yf_store *st, int64_t id, yf_appointment *out, GError **error)
{
    return yf_store_get_by_id(st, "SELECT " YF_APPOINTMENT_COLS " FROM appointments WHERE id = ?", id,
                              "appointment", (yf_store_row_fn)yf_store_read_appointment, out, error);
}

void yf_invitee_clear(yf_invitee *i)
{
    g_free(i->name);
    g_free(i->contact);
    memset(i, 0, sizeof *i);
}

YF_STORE_DEFINE_FREE(yf_invitee)

/* Inserts an invitee with token hash th in the caller's transaction; *id is the new row. */
static gboolean insert_invitee(yf_store *st, int64_t appointment_id, yf_invitee_role role, const char *name,
                               const char *contact, const guint8 th[32], int64_t expires_ms, int64_t *id,
                               GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO invitees (appointment_id, role, name, contact,"
                                        " token_hash, expires_ms) VALUES (?,?,?,?,?,?)", error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, appointment_id);
    yf_store_bind_text(s, 2, yf_invitee_role_code(role));
    yf_store_bind_text(s, 3, name);
    yf_store_bind_text(s, 4, contact);
    sqlite3_bind_blob(s, 5, th, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 6, expires_ms);
    if (!yf_store_exec_stmt(st, s, "add invitee", error))
        return FALSE;
    *id = sqlite3_last_insert_rowid(st->db);
    return TRUE;
}

/* A new token into *token (g_free) and its hash; FALSE (INTERNAL) without randomness. */
static gboolean new_token(char **token, guint8 th[32], GError **error)
{
    *token = yf_token_new(th);
    if (*token == NULL)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INTERNAL, "no randomness");
    return *token != NULL;
}

static char *issue_detail(int64_t appointment_id, yf_invitee_role role, int64_t expires_ms, int64_t reissue_of)
{
    char *base = g_strdup_printf("appointment=%" G_GINT64_FORMAT " role=%s expires_ms=%" G_GINT64_FORMAT,
                                 (gint64)appointment_id, yf_invitee_role_code(role), (gint64)expires_ms);
    if (reissue_of == 0)
        return base;
    char *full = g_strdup_printf("%s reissue_of=invitee:%" G_GINT64_FORMAT, base, (gint64)reissue_of);
    g_free(base);
    return full;
}

gboolean yf_store_invitee_add(yf_store *st, yf_actor actor, int64_t now_ms, int64_t appointment_id,
                              yf_invitee_role role, const char *name, const char *contact,
                              int64_t expires_ms, int64_t *out_id, char **out_token,
                              GError **error)
{
    guint8 th[32];
    int64_t id = 0;
    char *token = NULL;
    if (yf_invitee_role_code(role) == NULL || expires_ms <= now_ms) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID,
                            "unknown invitee role or expiry not in the future");
        return FALSE;
    }
    if (!new_token(&token, th, error) || !yf_store_begin(st, error)) {
        g_free(token);
        return FALSE;
    }
    gboolean ok = yf_store_check_actor(st, actor, error) &&
                  yf_store_row_exists(st, "SELECT 1 FROM appointments WHERE id = ?", appointment_id,
                                      "appointment", error) &&
                  insert_invitee(st, appointment_id, role, name, contact, th, expires_ms, &id, error);
    char *detail = issue_detail(appointment_id, role, expires_ms, 0);
    ok = yf_store_finish(st, ok, actor, now_ms, "invitation.issue", "invitee", id, detail, error);
    g_free(detail);
    if (ok) {
        if (out_id)
            *out_id = id;
        *out_token = g_steal_pointer(&token);
    }
    g_free(token);
    return ok;
}

/* Reads the invitee row for a token hash, whatever its state. */
static int fetch_invitee(yf_store *st, const guint8 th[32], yf_invitee *out, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT " YF_INVITEE_COLS " FROM invitees WHERE token_hash = ?", error);
    if (s == NULL)
        return SQLITE_ERROR;
    sqlite3_bind_blob(s, 1, th, 32, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        yf_store_read_invitee(s, out);
    } else if (rc != SQLITE_DONE) {
        yf_store_fail(st, rc, "invitation lookup", error);
    }
    sqlite3_reset(s);
    return rc;
}

gboolean yf_store_invitation_lookup(yf_store *st, const char *token, int64_t now_ms,
                                    yf_invitee *out, GError **error)
{
    guint8 th[32];
    yf_invitee inv = { 0 };
    int rc = yf_token_hash(token, th) ? fetch_invitee(st, th, &inv, error) : SQLITE_DONE;
    if (rc == SQLITE_ROW && inv.revoked_ms == 0 && inv.expires_ms > now_ms) {
        *out = inv;
        return TRUE;
    }
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_AUTH,
                            "invitation unknown, expired or revoked");
    yf_invitee_clear(&inv);
    return FALSE;
}

gboolean yf_store_invitation_admit(yf_store *st, const char *token, int64_t appointment_id,
                                   yf_invitee_role role, int64_t now_ms, yf_invitee *out,
                                   GError **error)
{
    yf_invitee inv = { 0 };
    GError *why = NULL;
    if (!yf_store_invitation_lookup(st, token, now_ms, &inv, &why))
        ;
    else if (inv.appointment_id != appointment_id || inv.role != role)
        g_set_error_literal(&why, YF_STORE_ERROR, YF_STORE_ERROR_AUTH,
                            "invitation is for another appointment or role");
    if (why && why->code != YF_STORE_ERROR_AUTH) {
        g_propagate_error(error, why);
        yf_invitee_clear(&inv);
        return FALSE;
    }
    yf_actor who = why ? yf_actor_system() : yf_actor_invitee(inv.id);
    char *detail = g_strdup_printf("appointment=%" G_GINT64_FORMAT " role=%s%s%s",
                                   (gint64)appointment_id, yf_invitee_role_code(role) ? yf_invitee_role_code(role) : "?",
                                   why ? " refused: " : "", why ? why->message : "");
    /* Only the check is written: admitted_ms is the host's admission in the
     * room (yf_store_participant_seen), which comes later or never. */
    gboolean ok = yf_store_begin(st, error) &&
                  yf_store_finish(st, TRUE, who, now_ms, why ? "admit.refused" : "hearing.admit", "invitee",
                                  inv.id, detail, error);
    g_free(detail);
    if (ok && why) {
        g_propagate_error(error, g_steal_pointer(&why));
        ok = FALSE;
    } else if (ok) {
        *out = inv;
        memset(&inv, 0, sizeof inv);
    }
    g_clear_error(&why);
    yf_invitee_clear(&inv);
    return ok;
}

gboolean yf_store_invitee_get(yf_store *st, int64_t id, yf_invitee *out, GError **error)
{
    return yf_store_get_by_id(st, "SELECT " YF_INVITEE_COLS " FROM invitees WHERE id = ?", id, "invitation",
                              (yf_store_row_fn)yf_store_read_invitee, out, error);
}

/* Sets revoked_ms of a live invitee in the caller's transaction; INVALID when it is not live. */
static gboolean revoke_one(yf_store *st, int64_t now_ms, int64_t invitee_id, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE invitees SET revoked_ms = ? WHERE id = ? AND revoked_ms IS NULL",
                                    error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, now_ms);
    sqlite3_bind_int64(s, 2, invitee_id);
    if (!yf_store_exec_stmt(st, s, "revoke invitation", error))
        return FALSE;
    if (sqlite3_changes(st->db) == 0) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "the invitation is already revoked");
        return FALSE;
    }
    return TRUE;
}

gboolean yf_store_invitation_revoke(yf_store *st, yf_actor actor, int64_t now_ms,
                                    int64_t invitee_id, GError **error)
{
    if (!yf_store_begin(st, error))
        return FALSE;
    gboolean ok = yf_store_check_actor(st, actor, error) &&
                  yf_store_row_exists(st, "SELECT 1 FROM invitees WHERE id = ?", invitee_id, "invitation", error) &&
                  revoke_one(st, now_ms, invitee_id, error);
    return yf_store_finish(st, ok, actor, now_ms, "invitation.revoke", "invitee", invitee_id, "", error);
}

/* The facts about an appointment that decide whether it may still change,
 * read in the caller's transaction. NOT_FOUND when there is none. */
typedef struct {
    gboolean cancelled;
    int64_t start_ms;
    int hearings, running;     /* hearings of it, and how many have not ended */
} appt_state;

static gboolean read_state(yf_store *st, int64_t id, appt_state *out, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT cancelled, start_ms,"
                                        " (SELECT count(*) FROM hearings h WHERE h.appointment_id = a.id),"
                                        " (SELECT count(*) FROM hearings h WHERE h.appointment_id = a.id"
                                        "  AND h.end_ms IS NULL) FROM appointments a WHERE id = ?", error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = (appt_state){sqlite3_column_int(s, 0) != 0, sqlite3_column_int64(s, 1), sqlite3_column_int(s, 2),
                            sqlite3_column_int(s, 3)};
    else if (rc == SQLITE_DONE)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "appointment not found");
    else
        yf_store_fail(st, rc, "appointment", error);
    sqlite3_reset(s);
    return rc == SQLITE_ROW;
}

/* INVALID with why when cond holds. */
static gboolean refuse_if(gboolean cond, const char *why, GError **error)
{
    if (cond)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, why);
    return !cond;
}

gboolean yf_store_invitation_opened(yf_store *st, int64_t invitee_id, int64_t now_ms, GError **error)
{
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE invitees SET opened_ms = ? WHERE id = ? AND opened_ms IS NULL",
                                    error);
    gboolean ok = s && yf_store_row_exists(st, "SELECT 1 FROM invitees WHERE id = ?", invitee_id, "invitee", error);
    if (ok) {
        sqlite3_bind_int64(s, 1, now_ms);
        sqlite3_bind_int64(s, 2, invitee_id);
        ok = yf_store_exec_stmt(st, s, "invitation opened", error);
    }
    if (ok && sqlite3_changes(st->db) == 0)
        return yf_store_commit(st, error);   /* opened before: nothing new */
    return yf_store_finish(st, ok, yf_actor_invitee(invitee_id), now_ms, "invitation.open", "invitee", invitee_id,
                           "", error);
}

/* Moves the live invitations that expire at the default time after old_start to
 * the same time after new_start; *moved is how many. */
static gboolean move_expiries(yf_store *st, int64_t id, int64_t old_start, int64_t new_start, int64_t grace_ms,
                              int *moved, GError **error)
{
    *moved = 0;
    if (grace_ms <= 0 || old_start == new_start)
        return TRUE;
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE invitees SET expires_ms = ?1 WHERE appointment_id = ?2"
                                        " AND revoked_ms IS NULL AND expires_ms = ?3", error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, new_start + grace_ms);
    sqlite3_bind_int64(s, 2, id);
    sqlite3_bind_int64(s, 3, old_start + grace_ms);
    if (!yf_store_exec_stmt(st, s, "move invitations", error))
        return FALSE;
    *moved = sqlite3_changes(st->db);
    return TRUE;
}

static gboolean write_change(yf_store *st, int64_t id, const yf_appointment_change *ch, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE appointments SET start_ms = coalesce(?1, start_ms),"
                                        " title = coalesce(?2, title), host_id = coalesce(?3, host_id),"
                                        " kind = coalesce(?4, kind) WHERE id = ?5", error);
    if (s == NULL)
        return FALSE;
    if (ch->start_ms)
        sqlite3_bind_int64(s, 1, ch->start_ms);
    if (ch->title)
        yf_store_bind_text(s, 2, ch->title);
    yf_store_bind_id(s, 3, ch->host_id);
    if (ch->kind >= 0)
        yf_store_bind_text(s, 4, yf_appointment_kind_code((yf_appointment_kind)ch->kind));
    sqlite3_bind_int64(s, 5, id);
    return yf_store_exec_stmt(st, s, "change appointment", error);
}

static char *change_detail(const yf_appointment_change *ch, int moved)
{
    GString *d = g_string_new("fields=");
    if (ch->start_ms)
        g_string_append(d, "starts_at,");
    if (ch->title)
        g_string_append(d, "title,");
    if (ch->host_id)
        g_string_append(d, "host,");
    if (ch->kind >= 0)
        g_string_append(d, "kind,");
    if (ch->start_ms)
        g_string_append_printf(d, " start_ms=%" G_GINT64_FORMAT, (gint64)ch->start_ms);
    if (ch->host_id)
        g_string_append_printf(d, " host=%" G_GINT64_FORMAT, (gint64)ch->host_id);
    if (ch->kind >= 0)
        g_string_append_printf(d, " kind=%s", yf_appointment_kind_code((yf_appointment_kind)ch->kind));
    g_string_append_printf(d, " invitations_moved=%d", moved);
    return g_string_free(d, FALSE);
}

gboolean yf_store_appointment_update(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id,
                                     const yf_appointment_change *change, int *out_moved, GError **error)
{
    appt_state was = {0};
    int moved = 0;
    if (change->start_ms < 0 || (change->kind >= 0 && !yf_appointment_kind_code((yf_appointment_kind)change->kind))) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "bad appointment change");
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    gboolean ok = yf_store_check_actor(st, actor, error) && read_state(st, id, &was, error) &&
                  refuse_if(was.cancelled, "the appointment is cancelled", error) &&
                  refuse_if(was.hearings > 0, "its hearing has started", error) &&
                  (change->host_id == 0 ||
                   yf_store_row_exists(st, "SELECT 1 FROM staff WHERE id = ? AND disabled = 0", change->host_id,
                                       "host", error)) &&
                  write_change(st, id, change, error) &&
                  (change->start_ms == 0 ||
                   move_expiries(st, id, was.start_ms, change->start_ms, change->default_grace_ms, &moved, error));
    char *detail = change_detail(change, moved);
    ok = yf_store_finish(st, ok, actor, now_ms, "appointment.update", "appointment", id, detail, error);
    g_free(detail);
    if (ok && out_moved)
        *out_moved = moved;
    return ok;
}

/* Revokes every live invitation of the appointment, one invitation.revoke each. */
static gboolean revoke_all(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id, int *n, GError **error)
{
    GPtrArray *live = yf_store_list_rows(st, "SELECT " YF_INVITEE_COLS " FROM invitees WHERE appointment_id = ?"
                                             " AND revoked_ms IS NULL ORDER BY id", &id, 1,
                                         (yf_store_row_fn)yf_store_read_invitee, sizeof(yf_invitee),
                                         (GDestroyNotify)yf_invitee_free, error);
    gboolean ok = live != NULL;
    for (guint i = 0; ok && i < live->len; i++) {
        int64_t inv = ((const yf_invitee *)g_ptr_array_index(live, i))->id;
        char *obj = yf_store_obj("invitee", inv);
        ok = revoke_one(st, now_ms, inv, error) &&
             yf_store_audit_append(st, actor, now_ms, "invitation.revoke", obj, "appointment cancelled", error);
        g_free(obj);
    }
    *n = live ? (int)live->len : 0;
    if (live)
        g_ptr_array_unref(live);
    return ok;
}

gboolean yf_store_appointment_cancel(yf_store *st, yf_actor actor, int64_t now_ms, int64_t id,
                                     const char *reason, GError **error)
{
    appt_state was = {0};
    int revoked = 0;
    glong n = reason && g_utf8_validate(reason, -1, NULL) ? g_utf8_strlen(reason, -1) : 0;
    if (n < 1 || n > 500) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "a reason of 1..500 characters is needed");
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = NULL;
    gboolean ok = yf_store_check_actor(st, actor, error) && read_state(st, id, &was, error) &&
                  refuse_if(was.cancelled, "the appointment is already cancelled", error) &&
                  refuse_if(was.running > 0, "its hearing is running; end it first", error) &&
                  revoke_all(st, actor, now_ms, id, &revoked, error) &&
                  (s = yf_store_prep(st, "UPDATE appointments SET cancelled = 1, cancelled_ms = ?, cancel_reason = ?"
                                         " WHERE id = ?", error)) != NULL;
    if (ok) {
        sqlite3_bind_int64(s, 1, now_ms);
        yf_store_bind_text(s, 2, reason);
        sqlite3_bind_int64(s, 3, id);
        ok = yf_store_exec_stmt(st, s, "cancel appointment", error);
    }
    char *detail = g_strdup_printf("invitations_revoked=%d reason=%s", revoked, reason);
    ok = yf_store_finish(st, ok, actor, now_ms, "appointment.cancel", "appointment", id, detail, error);
    g_free(detail);
    return ok;
}

/* The old invitation gives way to the new one: revoked if still live (with
 * its invitation.revoke entry) and replaced_by set. */
static gboolean replace_invitee(yf_store *st, yf_actor actor, int64_t now_ms, const yf_invitee *old, int64_t new_id,
                                GError **error)
{
    char *obj = yf_store_obj("invitee", old->id);
    char *detail = g_strdup_printf("reissued as invitee:%" G_GINT64_FORMAT, (gint64)new_id);
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE invitees SET replaced_by = ? WHERE id = ?", error);
    gboolean ok = s != NULL;
    if (ok) {
        sqlite3_bind_int64(s, 1, new_id);
        sqlite3_bind_int64(s, 2, old->id);
        ok = yf_store_exec_stmt(st, s, "replace invitation", error);
    }
    if (ok && old->revoked_ms == 0)
        ok = revoke_one(st, now_ms, old->id, error) &&
             yf_store_audit_append(st, actor, now_ms, "invitation.revoke", obj, detail, error);
    g_free(detail);
    g_free(obj);
    return ok;
}

gboolean yf_store_invitation_reissue(yf_store *st, yf_actor actor, int64_t now_ms, int64_t invitee_id,
                                     int64_t *out_id, char **out_token, GError **error)
{
    guint8 th[32];
    yf_invitee old = {0};
    appt_state appt = {0};
    int64_t id = 0;
    char *token = NULL;
    if (!new_token(&token, th, error) || !yf_store_begin(st, error)) {
        g_free(token);
        return FALSE;
    }
    gboolean ok = yf_store_check_actor(st, actor, error) && yf_store_invitee_get(st, invitee_id, &old, error) &&
                  refuse_if(old.replaced_by != 0, "the invitation was already reissued", error) &&
                  read_state(st, old.appointment_id, &appt, error) &&
                  refuse_if(appt.cancelled, "the appointment is cancelled", error) &&
                  refuse_if(old.expires_ms <= now_ms, "the invitation has expired", error) &&
                  insert_invitee(st, old.appointment_id, old.role, old.name, old.contact, th, old.expires_ms, &id,
                                 error) &&
                  replace_invitee(st, actor, now_ms, &old, id, error);
    char *detail = issue_detail(old.appointment_id, old.role, old.expires_ms, invitee_id);
    ok = yf_store_finish(st, ok, actor, now_ms, "invitation.issue", "invitee", id, detail, error);
    g_free(detail);
    if (ok) {
        if (out_id)
            *out_id = id;
        *out_token = g_steal_pointer(&token);
    }
    g_free(token);
    yf_invitee_clear(&old);
    return ok;
}
