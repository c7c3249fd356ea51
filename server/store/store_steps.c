/* store_steps.c -- a public hearing's agenda in the case store: each step
 * change a row of hearing_steps (migration 16) with its audit entry, and a
 * 【系统】 entry in the notes that starts the step's section. The current
 * step is the latest row, so it survives a restart. No JSON, no rooms. */
#include "store_priv.h"
#include "steps.h"

static const char *const step_names[YF_HEARING_STEPS + 1] = {
    "", "介绍与宣布纪律", "当事人陈述", "听证员提问", "休会评议", "听证员发表意见", "最后陈述", "主持人总结",
};
static const char *const step_ordinals[YF_HEARING_STEPS + 1] = {
    "", "第一项", "第二项", "第三项", "第四项", "第五项", "第六项", "第七项",
};

const char *yf_hearing_step_name(int step)
{
    return step >= 1 && step <= YF_HEARING_STEPS ? step_names[step] : "";
}

const char *yf_hearing_step_ordinal(int step)
{
    return step >= 1 && step <= YF_HEARING_STEPS ? step_ordinals[step] : "";
}

char *yf_hearing_step_title(int step)
{
    if (step < 1 || step > YF_HEARING_STEPS)
        return NULL;
    return g_strdup_printf("【%s】%s", step_ordinals[step], step_names[step]);
}

/* The step the hearing is at (0: not begun), in the caller's transaction. */
static gboolean current_step(yf_store *st, int64_t hearing_id, int *step, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT step FROM hearing_steps WHERE hearing_id = ?"
                                        " ORDER BY id DESC LIMIT 1", error);
    if (!s)
        return FALSE;
    sqlite3_bind_int64(s, 1, hearing_id);
    int rc = sqlite3_step(s);
    *step = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? TRUE : yf_store_fail(st, rc, "read the agenda", error);
}

/* INVALID unless the hearing is a running public hearing not already at step. */
static gboolean check_move(yf_store *st, int64_t hearing_id, int step, GError **error)
{
    yf_hearing h = {0};
    int cur = 0;
    gboolean ok = FALSE;
    if (!yf_store_hearing_get(st, hearing_id, &h, error))
        return FALSE;
    if (h.kind != YF_HEARING_PUBLIC)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "only a public hearing has an agenda");
    else if (h.end_ms != 0)
        g_set_error_literal(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "the hearing has ended");
    else if (!current_step(st, hearing_id, &cur, error))
        ;   /* *error is set */
    else if (cur == step)
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "the agenda is already at step %d", step);
    else
        ok = TRUE;
    yf_hearing_clear(&h);
    return ok;
}

gboolean yf_store_hearing_step_set(yf_store *st, yf_actor actor, int64_t now_ms, int64_t hearing_id, int step,
                                   int64_t offset_ms, GError **error)
{
    if (step < 1 || step > YF_HEARING_STEPS) {
        g_set_error(error, YF_STORE_ERROR, YF_STORE_ERROR_INVALID, "an agenda step is 1..%d", YF_HEARING_STEPS);
        return FALSE;
    }
    if (!yf_store_begin(st, error))
        return FALSE;
    gboolean ok = yf_store_check_actor(st, actor, error) && check_move(st, hearing_id, step, error);
    sqlite3_stmt *s = ok ? yf_store_prep(st, "INSERT INTO hearing_steps (hearing_id, step, at_ms, actor)"
                                             " VALUES (?,?,?,?)", error)
                         : NULL;
    if (s) {
        char *who = yf_actor_to_string(actor);
        sqlite3_bind_int64(s, 1, hearing_id);
        sqlite3_bind_int(s, 2, step);
        sqlite3_bind_int64(s, 3, now_ms);
        yf_store_bind_text(s, 4, who);
        ok = yf_store_exec_stmt(st, s, "store the agenda step", error);
        g_free(who);
    } else {
        ok = FALSE;
    }
    char *detail = g_strdup_printf("step=%d", step);
    ok = yf_store_finish(st, ok, actor, now_ms, "hearing.step", "hearing", hearing_id, detail, error);
    g_free(detail);
    if (!ok)
        return FALSE;
    char *title = yf_hearing_step_title(step);
    char *text = g_strdup_printf("【系统】%s", title);
    GError *nerr = NULL;
    if (!yf_store_note_add_entry(st, yf_actor_system(), now_ms, hearing_id, offset_ms, text, NULL, &nerr)) {
        g_message("hearing %" G_GINT64_FORMAT ": the agenda's note not added (%s): %s", (gint64)hearing_id,
                  nerr->message, title);
        g_error_free(nerr);
    }
    g_free(text);
    g_free(title);
    return TRUE;
}

GArray *yf_store_hearing_steps(yf_store *st, int64_t hearing_id, GError **error)
{
    sqlite3_stmt *s = yf_store_prep(st, "SELECT id, step, at_ms FROM hearing_steps WHERE hearing_id = ?"
                                        " ORDER BY id", error);
    if (!s)
        return NULL;
    GArray *out = g_array_new(FALSE, TRUE, sizeof(yf_hearing_step));
    sqlite3_bind_int64(s, 1, hearing_id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        yf_hearing_step e = {sqlite3_column_int64(s, 0), sqlite3_column_int(s, 1), sqlite3_column_int64(s, 2)};
        g_array_append_val(out, e);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        g_array_unref(out);
        yf_store_fail(st, rc, "read the agenda", error);
        return NULL;
    }
    return out;
}
