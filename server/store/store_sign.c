/* store_sign.c -- participants' own decisions on a finalized note: the list of
 * who must confirm with what each decided, the decision with its signature
 * image and SHA-256 written with its audit entry, and the image read back.
 * The staff-recorded decisions (yf_store_note_confirm) share the table of
 * decisions; by_self tells them apart. */
#include "store_sign.h"

#include <string.h>

#include "store_priv.h"

/* The roles of invitees who confirm the notes: everyone but "other" (旁听). */
#define MUST_SQL "(p.joined_ms IS NOT NULL AND (p.staff_id IS NOT NULL OR i.role IN" \
                 " ('petitioner','agent','witness','interpreter','hearing_member')))"

void yf_note_signer_free(yf_note_signer *s)
{
    if (s == NULL)
        return;
    g_free(s->name);
    g_free(s->role);
    g_free(s->reason);
    g_free(s);
}

static void read_signer(sqlite3_stmt *s, void *out)
{
    yf_note_signer *g = out;
    g->participant_id = sqlite3_column_int64(s, 0);
    g->staff_id = sqlite3_column_int64(s, 1);
    g->invitee_id = sqlite3_column_int64(s, 2);
    g->name = yf_store_col_text(s, 3);
    g->role = yf_store_col_text(s, 4);
    g->must = sqlite3_column_int(s, 5) != 0;
    g->decided = sqlite3_column_int(s, 6) != 0;
    g->confirm = sqlite3_column_int(s, 7) != 0;
    g->by_self = sqlite3_column_int(s, 8) != 0;
    g->has_signature = sqlite3_column_bytes(s, 9) == 32;
    if (g->has_signature)
        memcpy(g->sha256, sqlite3_column_blob(s, 9), 32);
    g->at_ms = sqlite3_column_int64(s, 10);
    g->reason = yf_store_col_text(s, 11);
}

GPtrArray *yf_store_note_signers(yf_store *st, int64_t hearing_id, GError **error)
{
    return yf_store_list_rows(st, "SELECT p.id, coalesce(p.staff_id, 0), coalesce(p.invitee_id, 0), p.name,"
                              " coalesce(i.role, p.role), " MUST_SQL ", c.decision IS NOT NULL,"
                              " coalesce(c.decision = 'confirm', 0), coalesce(c.by_self, 0), s.sha256,"
                              " coalesce(c.at_ms, 0), coalesce(c.reason, '')"
                              " FROM participants p LEFT JOIN invitees i ON i.id = p.invitee_id"
                              " LEFT JOIN notes n ON n.hearing_id = p.hearing_id"
                              " LEFT JOIN note_confirmations c ON c.note_id = n.id AND c.participant_id = p.id"
                              " LEFT JOIN note_signatures s ON s.note_id = n.id AND s.participant_id = p.id"
                              " WHERE p.hearing_id = ? AND (" MUST_SQL " OR c.decision IS NOT NULL)"
                              " ORDER BY p.id", &hearing_id, 1, read_signer, sizeof(yf_note_signer),
                              (GDestroyNotify)yf_note_signer_free, error);
}

/* The hearing's note id, finalized; NOT_FOUND without a note, INVALID before
 * finalization. */
static gboolean final_note(yf_store *st, int64_t hearing_id, int64_t *note_id, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT id, finalized_ms IS NOT NULL FROM notes WHERE hearing_id = ?",
                                    error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, hearing_id);
    int rc = sqlite3_step(s);
    gboolean final = rc == SQLITE_ROW && sqlite3_column_int(s, 1) != 0;
    *note_id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return yf_store_fail(st, rc, "note", error);
    if (rc == SQLITE_DONE)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "hearing has no note");
    else if (!final)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "the note is not final yet");
    return rc == SQLITE_ROW && final;
}

static gboolean insert_decision(yf_store *st, int64_t note_id, int64_t hearing_id, int64_t participant_id,
                                gboolean confirm, const char *reason, int64_t now_ms, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO note_confirmations (note_id, participant_id, decision,"
                                        " reason, at_ms, by_self) SELECT ?, id, ?, ?, ?, 1"
                                        " FROM participants WHERE id = ? AND hearing_id = ?", error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, note_id);
    yf_store_bind_text(s, 2, confirm ? "confirm" : "refuse");
    yf_store_bind_text(s, 3, reason);
    sqlite3_bind_int64(s, 4, now_ms);
    sqlite3_bind_int64(s, 5, participant_id);
    sqlite3_bind_int64(s, 6, hearing_id);
    if (!yf_store_exec_stmt(st, s, "sign note", error))
        return FALSE;   /* a second decision: the primary key says CONFLICT */
    if (sqlite3_changes(st->db) == 0) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "participant not in this hearing");
        return FALSE;
    }
    return TRUE;
}

static gboolean insert_signature(yf_store *st, int64_t note_id, int64_t participant_id, GBytes *png,
                                 const guint8 sha[32], guint w, guint h, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO note_signatures (note_id, participant_id, png, sha256,"
                                        " width, height) VALUES (?, ?, ?, ?, ?, ?)", error);
    if (s == NULL)
        return FALSE;
    gsize len = 0;
    const void *data = g_bytes_get_data(png, &len);
    sqlite3_bind_int64(s, 1, note_id);
    sqlite3_bind_int64(s, 2, participant_id);
    sqlite3_bind_blob(s, 3, data, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 4, sha, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 5, w);
    sqlite3_bind_int64(s, 6, h);
    return yf_store_exec_stmt(st, s, "keep signature", error);
}

static char *sha_hex(GBytes *png, guint8 out[32])
{
    gsize n = 32, len = 0;
    const guint8 *data = g_bytes_get_data(png, &len);
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(c, data, (gssize)len);
    g_checksum_get_digest(c, out, &n);
    char *hex = g_strdup(g_checksum_get_string(c));
    g_checksum_free(c);
    return hex;
}

gboolean yf_store_note_sign(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id,
                            int64_t participant_id, gboolean confirm, const char *reason, GBytes *png,
                            guint w, guint h, GError **error)
{
    int64_t note_id = 0;
    guint8 sha[32];
    char *hex = NULL, *detail;
    gsize len = png ? g_bytes_get_size(png) : 0;
    if (confirm && (png == NULL || len == 0 || len > YF_SIGN_PNG_MAX || w == 0 || h == 0)) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "a confirmation needs a signature");
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    gboolean ok = yf_store_check_actor(st, actor, error) && final_note(st, hearing_id, &note_id, error) &&
                  insert_decision(st, note_id, hearing_id, participant_id, confirm, reason ? reason : "",
                                  now_ms, error);
    if (ok && confirm) {
        hex = sha_hex(png, sha);
        ok = insert_signature(st, note_id, participant_id, png, sha, w, h, error);
    }
    detail = hex ? g_strdup_printf("participant=%" G_GINT64_FORMAT " confirm sha256=%s", (gint64)participant_id, hex)
                 : g_strdup_printf("participant=%" G_GINT64_FORMAT " %s", (gint64)participant_id,
                                   confirm ? "confirm" : "refuse");
    ok = yf_store_finish(st, ok, actor, now_ms, "note.sign", "hearing", hearing_id, detail, error);
    g_free(detail);
    g_free(hex);
    return ok;
}

GBytes *yf_store_note_signature_png(yf_store *st, int64_t hearing_id, int64_t participant_id, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT s.png FROM note_signatures s JOIN notes n ON n.id = s.note_id"
                                        " WHERE n.hearing_id = ? AND s.participant_id = ?", error);
    GBytes *out = NULL;
    if (s == NULL)
        return NULL;
    sqlite3_bind_int64(s, 1, hearing_id);
    sqlite3_bind_int64(s, 2, participant_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        out = g_bytes_new(sqlite3_column_blob(s, 0), (gsize)sqlite3_column_bytes(s, 0));
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "no signature");
    else if (rc != SQLITE_ROW)
        yf_store_fail(st, rc, "signature", error);
    return out;
}
