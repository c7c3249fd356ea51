/* store_cases.c -- cases (一案一档) and their stage timeline: creation with the
 * derived deadlines, assignment, edits, legal stage moves (store_enums.c) with
 * a case_events row each, and the filtered, keyset-paginated list. Every change
 * writes its audit entry in the same transaction. */
#define G_LOG_DOMAIN "yf-store"
#include <string.h>

#include "deadline.h"
#include "identity.h"
#include "store_priv.h"

#define CASE_COLS "id, case_no, type, channel, petitioner, contact, summary, prosecutor_id," \
                  " received, reply_due, result_due, stage, created_ms, updated_ms, id_number"

void yf_case_clear(yf_case *c)
{
    g_free(c->case_no);
    g_free(c->petitioner);
    g_free(c->contact);
    g_free(c->id_number);
    g_free(c->summary);
    memset(c, 0, sizeof *c);
}

YF_STORE_DEFINE_FREE(yf_case)

void yf_case_event_clear(yf_case_event *e)
{
    g_free(e->actor);
    g_free(e->note);
    memset(e, 0, sizeof *e);
}

YF_STORE_DEFINE_FREE(yf_case_event)

static void read_case(sqlite3_stmt *s, yf_case *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(s, 0);
    c->case_no = yf_store_col_text(s, 1);
    yf_case_type_parse((const char *)sqlite3_column_text(s, 2), &c->type);
    yf_channel_parse((const char *)sqlite3_column_text(s, 3), &c->channel);
    c->petitioner = yf_store_col_text(s, 4);
    c->contact = yf_store_col_text(s, 5);
    c->summary = yf_store_col_text(s, 6);
    c->prosecutor_id = sqlite3_column_int64(s, 7);
    yf_store_col_date(s, 8, &c->received);
    yf_store_col_date(s, 9, &c->reply_due);
    yf_store_col_date(s, 10, &c->result_due);
    yf_stage_parse((const char *)sqlite3_column_text(s, 11), &c->stage);
    c->created_ms = sqlite3_column_int64(s, 12);
    c->updated_ms = sqlite3_column_int64(s, 13);
    c->id_number = yf_store_col_text(s, 14);
}

static gboolean get_case(yf_store *st, sqlite3_stmt *s, yf_case *out, GError **error)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        read_case(s, out);
    else if (rc == SQLITE_DONE)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "case not found");
    else
        yf_store_fail(st, rc, "get case", error);
    sqlite3_reset(s);
    return rc == SQLITE_ROW;
}

gboolean yf_store_case_get(yf_store *st, int64_t id, yf_case *out, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT " CASE_COLS " FROM cases WHERE id = ?", error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, id);
    return get_case(st, s, out, error);
}

gboolean yf_store_case_get_by_no(yf_store *st, const char *case_no, yf_case *out, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT " CASE_COLS " FROM cases WHERE case_no = ?", error);
    if (s == NULL)
        return FALSE;
    yf_store_bind_text(s, 1, case_no);
    return get_case(st, s, out, error);
}

/* 0 is fine (unassigned); otherwise an enabled prosecutor account. */
static gboolean check_prosecutor(yf_store *st, int64_t id, GError **error)
{
    GError *e = NULL;
    if (id == 0 || yf_store_row_exists(st, "SELECT 1 FROM staff WHERE id = ? AND role ="
                                           " 'prosecutor' AND disabled = 0", id, "prosecutor", &e))
        return TRUE;
    if (e->code == YF_STORE_ERROR_NOT_FOUND) {
        g_clear_error(&e);
        g_set_error(&e, YF_STORE_ERROR, YF_STORE_ERROR_INVALID,
                    "staff %" G_GINT64_FORMAT " is not an enabled prosecutor", (gint64)id);
    }
    g_propagate_error(error, e);
    return FALSE;
}

static gboolean insert_event(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                             int from, yf_stage to, const char *note, GError **error)
{
    char *who = yf_actor_to_string(actor);
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO case_events (case_id, at_ms, actor,"
                                        " from_stage, to_stage, note) VALUES (?,?,?,?,?,?)", error);
    gboolean ok = FALSE;
    if (s != NULL) {
        sqlite3_bind_int64(s, 1, case_id);
        sqlite3_bind_int64(s, 2, now_ms);
        yf_store_bind_text(s, 3, who);
        if (from >= 0)
            yf_store_bind_text(s, 4, yf_stage_code((yf_stage)from));
        yf_store_bind_text(s, 5, yf_stage_code(to));
        yf_store_bind_text(s, 6, note);
        ok = yf_store_exec_stmt(st, s, "case event", error);
    }
    g_free(who);
    return ok;
}

static gboolean check_new_case(const yf_case_new *in, GError **error)
{
    const char *why = NULL;
    if (in->case_no == NULL || *in->case_no == '\0' || !g_utf8_validate(in->case_no, -1, NULL))
        why = "case number is empty or not UTF-8";
    else if (yf_case_type_code(in->type) == NULL)
        why = "unknown case type";
    else if (yf_channel_code(in->channel) == NULL)
        why = "unknown channel";
    else if (in->petitioner == NULL || *in->petitioner == '\0')
        why = "petitioner is empty";
    else if (in->id_number && *in->id_number && yf_identity_id_number_problem(in->id_number))
        why = "the ID number is not a valid resident ID number";
    else if (!g_date_valid(&in->received) || g_date_get_year(&in->received) < 1900 ||
             g_date_get_year(&in->received) > 9990)
        why = "received date is not a valid date";
    if (why)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, why);
    return why == NULL;
}

static gboolean insert_case(yf_store *st, int64_t now_ms, const yf_case_new *in, GError **error)
{
    GDate reply, result;
    char d_recv[11], d_reply[11], d_result[11];
    yf_deadline_reply_due(&in->received, &reply);
    yf_deadline_result_due(&in->received, &result);
    yf_date_format_iso(&in->received, d_recv);
    yf_date_format_iso(&reply, d_reply);
    yf_date_format_iso(&result, d_result);
    sqlite3_stmt *s = yf_store_prep(st, "INSERT INTO cases (case_no, type, channel, petitioner,"
                                        " contact, summary, prosecutor_id, received, reply_due,"
                                        " result_due, stage, created_ms, updated_ms, id_number)"
                                        " VALUES (?,?,?,?,?,?,?,?,?,?,'register',?,?,?)", error);
    if (s == NULL)
        return FALSE;
    yf_store_bind_text(s, 1, in->case_no);
    yf_store_bind_text(s, 2, yf_case_type_code(in->type));
    yf_store_bind_text(s, 3, yf_channel_code(in->channel));
    yf_store_bind_text(s, 4, in->petitioner);
    yf_store_bind_text(s, 5, in->contact);
    yf_store_bind_text(s, 6, in->summary);
    yf_store_bind_id(s, 7, in->prosecutor_id);
    yf_store_bind_text(s, 8, d_recv);
    yf_store_bind_text(s, 9, d_reply);
    yf_store_bind_text(s, 10, d_result);
    sqlite3_bind_int64(s, 11, now_ms);
    sqlite3_bind_int64(s, 12, now_ms);
    char *id_number = yf_identity_id_number_normalize(in->id_number ? in->id_number : "");
    yf_store_bind_text(s, 13, id_number);
    g_free(id_number);
    return yf_store_exec_stmt(st, s, "create case", error);
}

gboolean yf_store_case_create(yf_store *st, yf_actor actor, int64_t now_ms, const yf_case_new *in,
                              int64_t *out_id, GError **error)
{
    char d_recv[11];
    int64_t id = 0;
    if (!check_new_case(in, error) || !yf_store_begin(st, error))
        return FALSE;
    gboolean ok = yf_store_check_actor(st, actor, error) && check_prosecutor(st, in->prosecutor_id, error) &&
                  insert_case(st, now_ms, in, error);
    if (!ok && error && *error && (*error)->code == YF_STORE_ERROR_CONFLICT) {
        g_free((*error)->message);
        (*error)->message = g_strdup_printf("case number '%s' is already taken", in->case_no);
    }
    if (ok) {
        id = sqlite3_last_insert_rowid(st->db);
        ok = insert_event(st, actor, now_ms, id, -1, YF_STAGE_REGISTER, "", error);
    }
    yf_date_format_iso(&in->received, d_recv);
    return yf_store_finish_take(st, ok, actor, now_ms, "case.create", "case", id,
                                g_strdup_printf("case_no=%s type=%s channel=%s received=%s prosecutor=%" G_GINT64_FORMAT,
                                                in->case_no, yf_case_type_code(in->type),
                                                yf_channel_code(in->channel), d_recv, (gint64)in->prosecutor_id),
                                out_id, error);
}

gboolean yf_store_case_assign(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                              int64_t prosecutor_id, GError **error)
{
    if (!yf_store_begin(st, error))
        return FALSE;
    gboolean ok = yf_store_check_actor(st, actor, error) && check_prosecutor(st, prosecutor_id, error) &&
                  yf_store_row_exists(st, "SELECT 1 FROM cases WHERE id = ?", case_id, "case", error);
    sqlite3_stmt *s = ok ? yf_store_prep(st, "UPDATE cases SET prosecutor_id = ?, updated_ms = ?"
                                             " WHERE id = ?", error) : NULL;
    if (s) {
        yf_store_bind_id(s, 1, prosecutor_id);
        sqlite3_bind_int64(s, 2, now_ms);
        sqlite3_bind_int64(s, 3, case_id);
    }
    ok = s && yf_store_exec_stmt(st, s, "assign case", error);
    return yf_store_finish_take(st, ok, actor, now_ms, "case.assign", "case", case_id,
                                g_strdup_printf("prosecutor=%" G_GINT64_FORMAT, (gint64)prosecutor_id), NULL,
                                error);
}

/* What yf_store_case_update refuses before it starts; NULL when fine. */
static const char *bad_update(const char *petitioner, const char *id_number)
{
    if (petitioner && *petitioner == '\0')
        return "petitioner is empty";
    if (id_number && *id_number && yf_identity_id_number_problem(id_number))
        return "the ID number is not a valid resident ID number";
    return NULL;
}

gboolean yf_store_case_update(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                              const char *petitioner, const char *contact, const char *id_number,
                              const char *summary, GError **error)
{
    const char *why = bad_update(petitioner, id_number);
    if (why) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, why);
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    char *idn = id_number ? yf_identity_id_number_normalize(id_number) : NULL;
    gboolean ok = yf_store_check_actor(st, actor, error) &&
                  yf_store_row_exists(st, "SELECT 1 FROM cases WHERE id = ?", case_id, "case", error);
    sqlite3_stmt *s = ok ? yf_store_prep(st, "UPDATE cases SET petitioner = coalesce(?, petitioner),"
                                             " contact = coalesce(?, contact), summary ="
                                             " coalesce(?, summary), id_number = coalesce(?, id_number),"
                                             " updated_ms = ? WHERE id = ?", error)
                         : NULL;
    if (s) {
        if (petitioner)
            yf_store_bind_text(s, 1, petitioner);
        if (contact)
            yf_store_bind_text(s, 2, contact);
        if (summary)
            yf_store_bind_text(s, 3, summary);
        if (idn)
            yf_store_bind_text(s, 4, idn);
        sqlite3_bind_int64(s, 5, now_ms);
        sqlite3_bind_int64(s, 6, case_id);
    }
    ok = s && yf_store_exec_stmt(st, s, "update case", error);
    char *detail = g_strdup_printf("fields=%s%s%s%s", petitioner ? "petitioner," : "", contact ? "contact," : "",
                                   idn ? "id_number," : "", summary ? "summary," : "");
    g_free(idn);
    return yf_store_finish_take(st, ok, actor, now_ms, "case.update", "case", case_id, detail, NULL, error);
}

/* The stage now, read inside the caller's transaction. */
static gboolean current_stage(yf_store *st, int64_t case_id, yf_stage *out, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT stage FROM cases WHERE id = ?", error);
    if (s == NULL)
        return FALSE;
    sqlite3_bind_int64(s, 1, case_id);
    int rc = sqlite3_step(s);
    gboolean ok = rc == SQLITE_ROW && yf_stage_parse((const char *)sqlite3_column_text(s, 0), out);
    sqlite3_reset(s);
    if (!ok && rc == SQLITE_DONE)
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND, "case %" G_GINT64_FORMAT
                    " not found", (gint64)case_id);
    else if (!ok)
        yf_store_fail(st, rc, "case stage", error);
    return ok;
}

gboolean yf_store_case_transition(yf_store *st, yf_actor actor, int64_t now_ms, int64_t case_id,
                                  yf_stage to, const char *note, GError **error)
{
    yf_stage from = YF_STAGE_REGISTER;
    if (!yf_store_begin(st, error))
        return FALSE;
    gboolean ok = yf_store_check_actor(st, actor, error) && current_stage(st, case_id, &from, error);
    if (ok && !yf_stage_transition_allowed(from, to)) {
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "illegal stage move %s → %s",
                    yf_stage_label(from), yf_stage_label(to) ? yf_stage_label(to) : "?");
        ok = FALSE;
    }
    sqlite3_stmt *s = ok ? yf_store_prep(st, "UPDATE cases SET stage = ?, updated_ms = ? WHERE id = ?", error)
                         : NULL;
    if (s) {
        yf_store_bind_text(s, 1, yf_stage_code(to));
        sqlite3_bind_int64(s, 2, now_ms);
        sqlite3_bind_int64(s, 3, case_id);
    }
    ok = s && yf_store_exec_stmt(st, s, "case stage", error) &&
         insert_event(st, actor, now_ms, case_id, (int)from, to, note, error);
    return yf_store_finish_take(st, ok, actor, now_ms, "case.stage", "case", case_id,
                                g_strdup_printf("%s -> %s; note=%s", yf_stage_code(from), yf_stage_code(to),
                                                note ? note : ""),
                                NULL, error);
}

/* The list query from fixed fragments, one per filter that is set; values are
 * always bound (?1 after_id, ?2 stage, ?3 type, ?4 prosecutor, ?5 overdue day,
 * ?6 from, ?7 to, ?8 limit, ?9 the search's LIKE pattern, ?10 the due-by
 * day). At most 2^8 distinct texts end in the cache. */
static char *list_sql(const yf_case_filter *f)
{
    GString *q = g_string_new("SELECT " CASE_COLS " FROM cases WHERE id > ?1");
    if (f->stage >= 0)
        g_string_append(q, " AND stage = ?2");
    if (f->type >= 0)
        g_string_append(q, " AND type = ?3");
    if (f->prosecutor_id > 0)
        g_string_append(q, " AND prosecutor_id = ?4");
    if (f->overdue_on)
        g_string_append(q, " AND stage <> 'closed' AND (result_due < ?5 OR"
                           " (stage IN ('register','review') AND reply_due < ?5))");
    if (f->received_from)
        g_string_append(q, " AND received >= ?6");
    if (f->received_to)
        g_string_append(q, " AND received <= ?7");
    if (f->due_by)
        g_string_append(q, " AND stage <> 'closed' AND (result_due <= ?10 OR"
                           " (stage IN ('register','review') AND reply_due <= ?10))");
    if (f->search && *f->search)
        g_string_append(q, " AND (case_no LIKE ?9 ESCAPE '\\' OR petitioner LIKE ?9 ESCAPE '\\')");
    g_string_append(q, " ORDER BY id LIMIT ?8");
    return g_string_free(q, FALSE);
}

/* "%<text>%" with LIKE's own characters (%, _ and the escape \) escaped,
 * so the text matches only itself (g_free). */
static char *like_pattern(const char *text)
{
    GString *p = g_string_new("%");
    for (const char *c = text; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            g_string_append_c(p, '\\');
        g_string_append_c(p, *c);
    }
    g_string_append_c(p, '%');
    return g_string_free(p, FALSE);
}

static gboolean bad_search(const char *search)
{
    return search && (!g_utf8_validate(search, -1, NULL) ||
                      g_utf8_strlen(search, -1) > YF_STORE_SEARCH_MAX);
}

static void bind_date(sqlite3_stmt *s, int i, const GDate *d)
{
    char buf[11];
    if (d == NULL || !g_date_valid(d))
        return;
    yf_date_format_iso(d, buf);
    sqlite3_bind_text(s, i, buf, -1, SQLITE_TRANSIENT);
}

GPtrArray *yf_store_case_list(yf_store *st, const yf_case_filter *f, GError **error)
{
    int limit = f->limit == 0 ? 50 : f->limit;
    if (limit < 1 || limit > YF_STORE_LIST_MAX || (f->stage >= 0 && !yf_stage_code(f->stage)) ||
        (f->type >= 0 && !yf_case_type_code(f->type)) || bad_search(f->search)) {
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "bad list filter");
        return NULL;
    }
    char *sql = list_sql(f);
    sqlite3_stmt *s = yf_store_prep(st, sql, error);
    g_free(sql);
    if (s == NULL)
        return NULL;
    sqlite3_bind_int64(s, 1, f->after_id);
    if (f->stage >= 0)
        yf_store_bind_text(s, 2, yf_stage_code(f->stage));
    if (f->type >= 0)
        yf_store_bind_text(s, 3, yf_case_type_code(f->type));
    sqlite3_bind_int64(s, 4, f->prosecutor_id);
    bind_date(s, 5, f->overdue_on);
    bind_date(s, 6, f->received_from);
    bind_date(s, 7, f->received_to);
    sqlite3_bind_int(s, 8, limit);
    bind_date(s, 10, f->due_by);
    if (f->search && *f->search) {
        char *pattern = like_pattern(f->search);
        yf_store_bind_text(s, 9, pattern);
        g_free(pattern);
    }
    return yf_store_collect_rows(st, s, (yf_store_row_fn)read_case, sizeof(yf_case),
                                 (GDestroyNotify)yf_case_free, error);
}

static void read_event(sqlite3_stmt *s, void *out)
{
    yf_case_event *e = out;
    yf_stage from;
    e->id = sqlite3_column_int64(s, 0);
    e->case_id = sqlite3_column_int64(s, 1);
    e->at_ms = sqlite3_column_int64(s, 2);
    e->actor = yf_store_col_text(s, 3);
    e->from_stage = yf_stage_parse((const char *)sqlite3_column_text(s, 4), &from) ? (int)from : -1;
    yf_stage_parse((const char *)sqlite3_column_text(s, 5), &e->to_stage);
    e->note = yf_store_col_text(s, 6);
}

GPtrArray *yf_store_case_events(yf_store *st, int64_t case_id, GError **error)
{
    return yf_store_list_rows(st, "SELECT id, case_id, at_ms, actor, from_stage, to_stage, note"
                                  " FROM case_events WHERE case_id = ? ORDER BY id", &case_id, 1, read_event,
                              sizeof(yf_case_event), (GDestroyNotify)yf_case_event_free, error);
}
