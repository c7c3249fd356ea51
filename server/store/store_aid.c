/* store_aid.c -- 司法救助 disbursements and the files of their steps
 * (store_aid.h). Each call is one transaction with its audit entry on
 * aid:<id>; values are checked before SQL sees them, and the columns' CHECKs
 * guard the rest. */
#define G_LOG_DOMAIN "yf-store"
#include "store_aid.h"

#include <string.h>

#include "store_priv.h"

static const char *const kind_codes[YF_AID_FILE_KIND_COUNT_] = {"still", "decision", "receipt"};

#define AID_COLS "id, case_id, coalesce(hearing_id, 0), decision_no, amount_fen, payee, bank, account," \
                 " created_by, created_ms, coalesce(shown_ms, 0), coalesce(asked_ms, 0)," \
                 " coalesce(confirmed_ms, 0), coalesce(confirm_offset_ms, 0), coalesce(confirmed_by, '')" \
                 " FROM aid_disbursements"
#define FILE_COLS "id, aid_id, kind, path, media_type, size_bytes, sha256, created_ms, coalesce(moment_ms, 0)" \
                  " FROM aid_files"

const char *yf_aid_file_kind_code(yf_aid_file_kind k)
{
    return (unsigned)k < YF_AID_FILE_KIND_COUNT_ ? kind_codes[k] : "still";
}

void yf_aid_clear(yf_aid *a)
{
    g_free(a->decision_no);
    g_free(a->payee);
    g_free(a->bank);
    g_free(a->account);
    g_free(a->created_by);
    g_free(a->confirmed_by);
    memset(a, 0, sizeof *a);
}

YF_STORE_DEFINE_FREE(yf_aid)

void yf_aid_file_clear(yf_aid_file *f)
{
    g_free(f->path);
    g_free(f->media_type);
    memset(f, 0, sizeof *f);
}

YF_STORE_DEFINE_FREE(yf_aid_file)

static void read_aid(sqlite3_stmt *s, yf_aid *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(s, 0);
    a->case_id = sqlite3_column_int64(s, 1);
    a->hearing_id = sqlite3_column_int64(s, 2);
    a->decision_no = yf_store_col_text(s, 3);
    a->amount_fen = sqlite3_column_int64(s, 4);
    a->payee = yf_store_col_text(s, 5);
    a->bank = yf_store_col_text(s, 6);
    a->account = yf_store_col_text(s, 7);
    a->created_by = yf_store_col_text(s, 8);
    a->created_ms = sqlite3_column_int64(s, 9);
    a->shown_ms = sqlite3_column_int64(s, 10);
    a->asked_ms = sqlite3_column_int64(s, 11);
    a->confirmed_ms = sqlite3_column_int64(s, 12);
    a->confirm_offset_ms = sqlite3_column_int64(s, 13);
    a->confirmed_by = yf_store_col_text(s, 14);
}

static void read_file(sqlite3_stmt *s, yf_aid_file *f)
{
    const char *kind = (const char *)sqlite3_column_text(s, 2);
    memset(f, 0, sizeof *f);
    f->id = sqlite3_column_int64(s, 0);
    f->aid_id = sqlite3_column_int64(s, 1);
    for (int i = 0; kind && i < YF_AID_FILE_KIND_COUNT_; i++)
        if (!strcmp(kind, kind_codes[i]))
            f->kind = (yf_aid_file_kind)i;
    f->path = yf_store_col_text(s, 3);
    f->media_type = yf_store_col_text(s, 4);
    f->size_bytes = sqlite3_column_int64(s, 5);
    if (sqlite3_column_bytes(s, 6) == 32)
        memcpy(f->sha256, sqlite3_column_blob(s, 6), 32);
    f->created_ms = sqlite3_column_int64(s, 7);
    f->moment_ms = sqlite3_column_int64(s, 8);
}

/* Printable text of 1..max characters (0..max when optional), no control characters. */
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

/* A receiving account: 8..34 digits, letters or spaces (a card number as
 * printed, an IBAN). */
static gboolean account_ok(const char *v, GError **error)
{
    size_t n = 0;
    for (const char *p = v ? v : ""; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != ' ')
            n = 99;
        n += *p != ' ';
    }
    if (n >= 8 && n <= YF_AID_ACCOUNT_MAX)
        return TRUE;
    g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID,
                "account must be 8..%d digits or letters (spaces allowed)", YF_AID_ACCOUNT_MAX);
    return FALSE;
}

static gboolean hearing_free_of_aid(yf_store *st, int64_t hearing_id, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT id FROM aid_disbursements WHERE hearing_id = ?", error);
    if (!s)
        return FALSE;
    sqlite3_bind_int64(s, 1, hearing_id);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_CONFLICT,
                    "hearing %" G_GINT64_FORMAT " already has an aid disbursement", (gint64)hearing_id);
        return FALSE;
    }
    return rc == SQLITE_DONE || yf_store_fail(st, rc, "find aid of hearing", error);
}

gboolean yf_store_aid_open(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id, int64_t hearing_id,
                           const char *decision_no, int64_t amount_fen, const char *payee, const char *bank,
                           const char *account, int64_t *out_id, GError **error)
{
    int64_t id = 0;
    if (!text_ok(decision_no, YF_AID_DECISION_NO_MAX, TRUE, "decision_no", error) ||
        !text_ok(payee, YF_AID_PAYEE_MAX, TRUE, "payee", error) ||
        !text_ok(bank, YF_AID_BANK_MAX, TRUE, "bank", error) || !account_ok(account, error))
        return FALSE;
    if (amount_fen < 1 || amount_fen > YF_AID_AMOUNT_MAX) {
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "amount_fen must be 1..%lld",
                    (long long)YF_AID_AMOUNT_MAX);
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    char *who = yf_actor_to_string(actor);
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO aid_disbursements (case_id, hearing_id, decision_no,"
                                        " amount_fen, created_ms, payee, bank, account, created_by)"
                                        " VALUES (?,?,?,?,?,?,?,?,?)", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error) && hearing_free_of_aid(st, hearing_id, error);
    if (ok) {
        sqlite3_bind_int64(s, 1, case_id);
        yf_store_bind_id(s, 2, hearing_id);
        yf_store_bind_text(s, 3, decision_no);
        sqlite3_bind_int64(s, 4, amount_fen);
        sqlite3_bind_int64(s, 5, now_ms);
        yf_store_bind_text(s, 6, payee);
        yf_store_bind_text(s, 7, bank);
        yf_store_bind_text(s, 8, account);
        yf_store_bind_text(s, 9, who);
        ok = yf_store_exec_stmt(st, s, "create aid", error);
        id = sqlite3_last_insert_rowid(st->db);
    }
    g_free(who);
    /* the account is personal data: the audit log keeps its last four characters only */
    size_t n = account ? strlen(account) : 0;
    return yf_store_finish_take(st, ok, actor, now_ms, "aid.create", "aid", id,
                                g_strdup_printf("case=%" G_GINT64_FORMAT " hearing=%" G_GINT64_FORMAT
                                                " decision=%s amount_fen=%" G_GINT64_FORMAT " account=…%s",
                                                (gint64)case_id, (gint64)hearing_id, decision_no,
                                                (gint64)amount_fen, n > 4 ? account + n - 4 : ""),
                                out_id, error);
}

gboolean yf_store_aid_get(yf_store *st, int64_t id, yf_aid *out, GError **error)
{
    return yf_store_get_by_id(st, "SELECT " AID_COLS " WHERE id = ?", id, "aid disbursement",
                              (yf_store_row_fn)read_aid, out, error);
}

gboolean yf_store_aid_of_hearing(yf_store *st, int64_t hearing_id, yf_aid *out, GError **error)
{
    return yf_store_get_by_id(st, "SELECT " AID_COLS " WHERE hearing_id = ? ORDER BY id LIMIT 1", hearing_id,
                              "aid disbursement of hearing", (yf_store_row_fn)read_aid, out, error);
}

GPtrArray *yf_store_aid_of_case(yf_store *st, int64_t case_id, GError **error)
{
    return yf_store_list_rows(st, "SELECT " AID_COLS " WHERE case_id = ? ORDER BY id", &case_id, 1,
                              (yf_store_row_fn)read_aid, sizeof(yf_aid), (GDestroyNotify)yf_aid_free, error);
}

/* Runs an UPDATE of one disbursement (its id the last parameter); INVALID
 * with why when no row was in a state that allows it. */
static gboolean update_one(yf_store *st, sqlite3_stmt *s, const char *why, GError **error)
{
    if (!yf_store_exec_stmt(st, s, why, error))
        return FALSE;
    if (sqlite3_changes(st->db) == 1)
        return TRUE;
    g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, why);
    return FALSE;
}

gboolean yf_store_aid_step(yf_store *st, yf_actor actor, int64_t now_ms, int64_t aid_id, const char *step,
                           const char *detail, GError **error)
{
    gboolean show = step && !strcmp(step, "show");
    if (!show && !(step && !strcmp(step, "ask"))) {
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "unknown aid step");
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, show ? "UPDATE aid_disbursements SET shown_ms = ? WHERE id = ?"
                                             : "UPDATE aid_disbursements SET asked_ms = coalesce(asked_ms, ?)"
                                               " WHERE id = ? AND confirmed_ms IS NULL", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error) &&
                  yf_store_row_exists(st, "SELECT 1 FROM aid_disbursements WHERE id = ?", aid_id,
                                      "aid disbursement", error);
    if (ok) {
        sqlite3_bind_int64(s, 1, now_ms);
        sqlite3_bind_int64(s, 2, aid_id);
        ok = update_one(st, s, "the applicant has already confirmed", error);
    }
    return yf_store_finish(st, ok, actor, now_ms, show ? "aid.show" : "aid.ask", "aid", aid_id,
                           detail ? detail : "", error);
}

gboolean yf_store_aid_confirm_at(yf_store *st, yf_actor actor, int64_t now_ms, int64_t aid_id, int64_t offset_ms,
                                 GError **error)
{
    yf_aid a = {0};
    if (!yf_store_aid_get(st, aid_id, &a, error))
        return FALSE;
    gboolean asked = a.asked_ms != 0, done = a.confirmed_ms != 0;
    yf_aid_clear(&a);
    if (done || !asked) {
        g_set_error_literal(error, YF_STORE_ERROR, done ? YF_STORE_ERROR_CONFLICT : YF_STORE_ERROR_INVALID,
                            done ? "the applicant has already confirmed"
                                 : "the confirmation has not been asked for yet");
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    char *who = yf_actor_to_string(actor);
    sqlite3_stmt *s = yf_store_prep(st, "UPDATE aid_disbursements SET confirmed_ms = ?, confirmed_by = ?,"
                                        " confirm_offset_ms = ? WHERE id = ? AND confirmed_ms IS NULL", error);
    gboolean ok = s != NULL;
    if (ok) {
        sqlite3_bind_int64(s, 1, now_ms);
        yf_store_bind_text(s, 2, who);
        sqlite3_bind_int64(s, 3, MAX(offset_ms, 0));
        sqlite3_bind_int64(s, 4, aid_id);
        ok = update_one(st, s, "the applicant has already confirmed", error);
    }
    g_free(who);
    return yf_store_finish_take(st, ok, actor, now_ms, "aid.confirm", "aid", aid_id,
                                g_strdup_printf("offset_ms=%" G_GINT64_FORMAT, (gint64)MAX(offset_ms, 0)), NULL,
                                error);
}

static char *hex32(const guint8 *b)
{
    char *h = g_malloc(65);
    for (int i = 0; i < 32; i++)
        g_snprintf(h + 2 * i, 3, "%02x", b[i]);
    return h;
}

gboolean yf_store_aid_file_add(yf_store *st, yf_actor actor, int64_t now_ms, const yf_aid_file *f,
                               int64_t *out_id, GError **error)
{
    int64_t id = 0;
    if ((unsigned)f->kind >= YF_AID_FILE_KIND_COUNT_ || !f->path || !*f->path || !f->media_type) {
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "bad aid file");
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO aid_files (aid_id, kind, path, media_type, size_bytes,"
                                        " sha256, created_ms, moment_ms) VALUES (?,?,?,?,?,?,?,?)", error);
    gboolean ok = s && yf_store_check_actor(st, actor, error) &&
                  yf_store_row_exists(st, "SELECT 1 FROM aid_disbursements WHERE id = ?", f->aid_id,
                                      "aid disbursement", error);
    if (ok) {
        sqlite3_bind_int64(s, 1, f->aid_id);
        yf_store_bind_text(s, 2, kind_codes[f->kind]);
        yf_store_bind_text(s, 3, f->path);
        yf_store_bind_text(s, 4, f->media_type);
        sqlite3_bind_int64(s, 5, f->size_bytes);
        sqlite3_bind_blob(s, 6, f->sha256, 32, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 7, now_ms);
        if (f->moment_ms)
            sqlite3_bind_int64(s, 8, f->moment_ms);
        ok = yf_store_exec_stmt(st, s, "add aid file", error);
        id = sqlite3_last_insert_rowid(st->db);
    }
    if (ok && f->kind == YF_AID_DECISION) {
        /* a new decision is shown to the applicant only once staff show it:
         * what was read out is what the applicant sees and is asked about;
         * once asked, the decision stays */
        sqlite3_stmt *u = yf_store_prep(st, "UPDATE aid_disbursements SET shown_ms = NULL"
                                            " WHERE id = ? AND asked_ms IS NULL", error);
        ok = u != NULL;
        if (ok) {
            sqlite3_bind_int64(u, 1, f->aid_id);
            ok = update_one(st, u, "the applicant has been asked to confirm the decision already shown", error);
        }
    }
    char *action = g_strdup_printf("aid.%s", kind_codes[f->kind]);
    char *hex = hex32(f->sha256);
    ok = yf_store_finish_take(st, ok, actor, now_ms, action, "aid", f->aid_id,
                              g_strdup_printf("file=%" G_GINT64_FORMAT " sha256=%s size=%" G_GINT64_FORMAT,
                                              (gint64)id, hex, (gint64)f->size_bytes), NULL, error);
    g_free(hex);
    g_free(action);
    if (ok && out_id)
        *out_id = id;
    return ok;
}

gboolean yf_store_aid_file_latest(yf_store *st, int64_t aid_id, yf_aid_file_kind kind, yf_aid_file *out,
                                  GError **error)
{
    static const char *const sql[YF_AID_FILE_KIND_COUNT_] = {
        "SELECT " FILE_COLS " WHERE aid_id = ? AND kind = 'still' ORDER BY id DESC LIMIT 1",
        "SELECT " FILE_COLS " WHERE aid_id = ? AND kind = 'decision' ORDER BY id DESC LIMIT 1",
        "SELECT " FILE_COLS " WHERE aid_id = ? AND kind = 'receipt' ORDER BY id DESC LIMIT 1",
    };
    if ((unsigned)kind >= YF_AID_FILE_KIND_COUNT_)
        kind = YF_AID_STILL;
    return yf_store_get_by_id(st, sql[kind], aid_id, yf_aid_file_kind_code(kind), (yf_store_row_fn)read_file,
                              out, error);
}

GPtrArray *yf_store_aid_files(yf_store *st, int64_t aid_id, GError **error)
{
    return yf_store_list_rows(st, "SELECT " FILE_COLS " WHERE aid_id = ? ORDER BY id", &aid_id, 1,
                              (yf_store_row_fn)read_file, sizeof(yf_aid_file), (GDestroyNotify)yf_aid_file_free,
                              error);
}

gboolean yf_store_aid_file_access(yf_store *st, yf_actor actor, int64_t now_ms, const yf_aid_file *f, int page,
                                  GError **error)
{
    char *obj = yf_store_obj("aid", f->aid_id);
    char *detail = page > 0 ? g_strdup_printf("kind=%s file=%" G_GINT64_FORMAT " page=%d", yf_aid_file_kind_code(f->kind),
                                              (gint64)f->id, page)
                            : g_strdup_printf("kind=%s file=%" G_GINT64_FORMAT, yf_aid_file_kind_code(f->kind), (gint64)f->id);
    gboolean ok = yf_store_audit_record(st, actor, now_ms, "aid.file_view", obj, detail, error);
    g_free(detail);
    g_free(obj);
    return ok;
}
