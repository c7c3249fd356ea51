/* store_rooms.c -- who may come back into a hearing room. A host's removal is
 * kept here (not only in the room's memory), so it holds after the room has
 * emptied and after a restart; and every join asks, besides the room token's
 * own checks, whether the person behind it still may: the invitation not
 * revoked or expired, the staff account not disabled, and the sign-in the
 * staff room token came from not ended (logout, expiry). */
#define G_LOG_DOMAIN "yf-store"
#include <string.h>

#include "store_priv.h"
#include "token.h"

char *yf_store_session_ref(const char *token)
{
    guint8 th[32];
    if (!token || !yf_token_hash(token, th))
        return NULL;
    GString *hex = g_string_sized_new(64);
    for (int i = 0; i < 32; i++)
        g_string_append_printf(hex, "%02x", th[i]);
    return g_string_free(hex, FALSE);
}

gboolean yf_store_room_remove(yf_store *st, int64_t now_ms, const char *room, const char *participant,
                              const char *by, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "INSERT OR IGNORE INTO room_removals (room, participant,"
                                        " removed_ms, by_participant) VALUES (?,?,?,?)", error);
    if (!s)
        return FALSE;
    yf_store_bind_text(s, 1, room);
    yf_store_bind_text(s, 2, participant);
    sqlite3_bind_int64(s, 3, now_ms);
    yf_store_bind_text(s, 4, by ? by : "");
    return yf_store_exec_stmt(st, s, "room removal", error);
}

/* Whether the query, its ?1 and ?2 bound to a and b, yields a row: 1 yes,
 * 0 no, -1 a store error in *error. */
static int has_row(yf_store *st, const char *sql, int64_t a, int64_t b, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, sql, error);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, a);
    sqlite3_bind_int64(s, 2, b);
    int rc = sqlite3_step(s), found = rc == SQLITE_ROW ? 1 : 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        yf_store_fail(st, rc, "room admission", error);
        found = -1;
    }
    sqlite3_reset(s);
    return found;
}

/* "staff:3" -> staff 3, "invitee:9" -> invitee 9; FALSE for anything else. */
static gboolean split_participant(const char *p, gboolean *staff, int64_t *id)
{
    const char *num = g_str_has_prefix(p, "staff:") ? p + 6 : g_str_has_prefix(p, "invitee:") ? p + 8 : NULL;
    char *end = NULL;
    if (!num || !*num)
        return FALSE;
    *staff = num == p + 6;
    *id = g_ascii_strtoll(num, &end, 10);
    return end && !*end && *id > 0;
}

gboolean yf_store_room_may_join(yf_store *st, const char *room, const char *participant, const char *session,
                                int64_t now_ms, const char **why, GError **error)
{
    gboolean staff = FALSE;
    int64_t id = 0;
    guint8 th[32];
    sqlite3_stmt *s = yf_store_prep(st, "SELECT 1 FROM room_removals WHERE room = ? AND participant = ?", error);
    if (!s)
        return FALSE;
    yf_store_bind_text(s, 1, room);
    yf_store_bind_text(s, 2, participant);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        yf_store_fail(st, rc, "room admission", error);
        return FALSE;
    }
    if (rc == SQLITE_ROW) {
        *why = "you were removed from this hearing";
        return FALSE;
    }
    if (!split_participant(participant, &staff, &id))
        return TRUE;   /* nobody the store knows (`yuanfang token`): the token is all there is */
    int ok;
    if (!staff) {
        ok = has_row(st, "SELECT 1 FROM invitees WHERE expires_ms > ?1 AND revoked_ms IS NULL AND id = ?2",
                     now_ms, id, error);
        *why = "this invitation was withdrawn or has expired; ask the prosecutor for a new link";
    } else if (session) {
        gboolean hex_ok = strlen(session) == 64;
        for (int i = 0; hex_ok && i < 32; i++) {
            int hi = g_ascii_xdigit_value(session[2 * i]), lo = g_ascii_xdigit_value(session[2 * i + 1]);
            hex_ok = hi >= 0 && lo >= 0;
            th[i] = (guint8)(hi << 4 | lo);
        }
        if (!hex_ok) {
            *why = "this room token is not from a sign-in";
            return FALSE;
        }
        sqlite3_stmt *q = yf_store_prep(st, "SELECT 1 FROM sessions x JOIN staff s ON s.id = x.staff_id"
                                            " WHERE x.token_hash = ? AND x.staff_id = ? AND x.revoked_ms IS NULL"
                                            " AND x.expires_ms > ? AND s.disabled = 0", error);
        if (!q)
            return FALSE;
        sqlite3_bind_blob(q, 1, th, 32, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, id);
        sqlite3_bind_int64(q, 3, now_ms);
        rc = sqlite3_step(q);
        sqlite3_reset(q);
        ok = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : (yf_store_fail(st, rc, "room admission", error), -1);
        *why = "your sign-in has ended; sign in again and reopen the hearing";
        if (ok == 0 && has_row(st, "SELECT 1 FROM staff WHERE disabled = 0 AND id = ?2", 0, id, NULL) == 0)
            *why = "this account is disabled";
    } else {
        ok = has_row(st, "SELECT 1 FROM staff WHERE disabled = 0 AND id = ?2", 0, id, error);
        *why = "this account is disabled";
    }
    if (ok == 1)
        *why = NULL;
    return ok == 1;
}
