/* store_appointments.c -- appointments and their invitations: random tokens
 * stored as SHA-256, bound to one appointment and role, expiring, revocable;
 * the admission check before a room token; a link's first use. Every change
 * and every admission (or refused one) is audited in the same transaction. */
#define G_LOG_DOMAIN "yf-store"
#include <string.h>

#include "store_priv.h"
#include "token.h"

void yf_appointment_clear(yf_appointment *a)
{
    g_free(a->title);
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

gboolean yf_store_invitee_add(yf_store *st, yf_actor actor, int64_t now_ms, int64_t appointment_id,
                              yf_invitee_role role, const char *name, const char *contact,
                              int64_t expires_ms, int64_t *out_id, char **out_token,
                              GError **error)
{
    guint8 th[32];
    int64_t id = 0;
    if (yf_invitee_role_code(role) == NULL || expires_ms <= now_ms) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID,
                            "unknown invitee role or expiry not in the future");
        return FALSE;
    }
    char *token = yf_token_new(th);
    if (token == NULL || !yf_store_begin(st, error)) {
        if (token == NULL)
            g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INTERNAL, "no randomness");
        g_free(token);
        return FALSE;
    }
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO invitees (appointment_id, role, name, contact,"
                                        " token_hash, expires_ms) VALUES (?,?,?,?,?,?)", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error) &&
                  yf_store_row_exists(st, "SELECT 1 FROM appointments WHERE id = ?", appointment_id,
                                      "appointment", error);
    if (ok) {
        sqlite3_bind_int64(s, 1, appointment_id);
        yf_store_bind_text(s, 2, yf_invitee_role_code(role));
        yf_store_bind_text(s, 3, name);
        yf_store_bind_text(s, 4, contact);
        sqlite3_bind_blob(s, 5, th, sizeof th, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 6, expires_ms);
        ok = yf_store_exec_stmt(st, s, "add invitee", error);
        id = sqlite3_last_insert_rowid(st->db);
    }
    char *detail = g_strdup_printf("appointment=%" G_GINT64_FORMAT " role=%s expires_ms=%"
                                   G_GINT64_FORMAT, (gint64)appointment_id,
                                   yf_invitee_role_code(role), (gint64)expires_ms);
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

gboolean yf_store_invitation_revoke(yf_store *st, yf_actor actor, int64_t now_ms,
                                    int64_t invitee_id, GError **error)
{
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE invitees SET revoked_ms = coalesce(revoked_ms, ?)"
                                        " WHERE id = ?", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error) &&
                  yf_store_row_exists(st, "SELECT 1 FROM invitees WHERE id = ?", invitee_id,
                                      "invitee", error);
    if (ok) {
        sqlite3_bind_int64(s, 1, now_ms);
        sqlite3_bind_int64(s, 2, invitee_id);
        ok = yf_store_exec_stmt(st, s, "revoke invitation", error);
    }
    return yf_store_finish(st, ok, actor, now_ms, "invitation.revoke", "invitee", invitee_id, "", error);
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
