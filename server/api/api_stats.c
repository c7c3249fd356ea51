/* api_stats.c -- the statistics (cases by type, channel and stage received in a
 * period; the share answered within 7 days and finished within 3 months; the
 * overdue list with days overdue) and the administrator's audit log view and
 * chain verification. Read-only. */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <string.h>

#include "server/store/deadline.h"
#include "server/store/store_reads.h"

#define MAX_PERIOD_DAYS 3660
#define OVERDUE_SCAN_PAGES 50

typedef struct {
    json_t *by_type, *by_channel, *by_stage;
    int64_t total, reply_due, reply_ok, result_due, result_ok;
} tally;

static void bump(json_t *o, const char *key)
{
    json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + 1));
}

/* "Answered in time" is decided only once it can be: answered, or deadline passed. */
static void count_row(tally *t, const yf_stats_row *row, const GDate *today)
{
    GDate d;
    t->total++;
    bump(t->by_type, yf_case_type_code(row->type));
    bump(t->by_channel, yf_channel_code(row->channel));
    bump(t->by_stage, yf_stage_code(row->stage));
    if (row->forwarded_ms)
        yf_date_from_unix_ms_cst(row->forwarded_ms, &d);
    if (row->forwarded_ms || g_date_compare(today, &row->reply_due) > 0) {
        t->reply_due++;
        t->reply_ok += row->forwarded_ms && g_date_compare(&d, &row->reply_due) <= 0;
    }
    if (row->closed_ms)
        yf_date_from_unix_ms_cst(row->closed_ms, &d);
    if (row->closed_ms || g_date_compare(today, &row->result_due) > 0) {
        t->result_due++;
        t->result_ok += row->closed_ms && g_date_compare(&d, &row->result_due) <= 0;
    }
}

static json_t *share_json(int64_t ok, int64_t due)
{
    return json_pack("{s:I, s:I, s:o}", "in_time", (json_int_t)ok, "decided", (json_int_t)due,
                     "share", due ? json_real((double)ok / (double)due) : json_null());
}

static int more_overdue_first(gconstpointer a, gconstpointer b)
{
    json_int_t da = json_integer_value(json_object_get(*(json_t *const *)a, "days_overdue"));
    json_int_t db = json_integer_value(json_object_get(*(json_t *const *)b, "days_overdue"));
    return da < db ? 1 : da > db ? -1 : 0;
}

/* Every case overdue today that the caller may read, most overdue first
 * (then in case order: the sort is stable). */
static json_t *overdue_list(yf_api_req *r, const GDate *today, GError **err)
{
    yf_case_filter f = {.stage = -1, .type = -1, .overdue_on = today, .limit = YF_STORE_LIST_MAX};
    json_t *items = json_array();
    for (int round = 0; round < OVERDUE_SCAN_PAGES; round++) {
        GPtrArray *page = yf_store_case_list(r->api->store, &f, err);
        if (page == NULL) {
            json_decref(items);
            return NULL;
        }
        for (guint i = 0; i < page->len; i++) {
            const yf_case *c = g_ptr_array_index(page, i);
            yf_authz_object obj = {.kase = c, .case_type = -1};
            const char *which = NULL;
            f.after_id = c->id;
            int days = yf_api_days_overdue(c, today, &which);
            if (days <= 0 || yf_authz_check(r->api->store, &r->who, YF_ACT_CASE_READ, &obj) != YF_AUTHZ_ALLOW)
                continue;
            json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:i}", "case_id", (json_int_t)c->id,
                                  "case_no", c->case_no, "type", yf_case_type_code(c->type),
                                  "stage", yf_stage_code(c->stage), "deadline", which, "days_overdue", days);
            json_object_set_new(o, "due", yf_api_date_json(strcmp(which, "result") == 0 ? &c->result_due
                                                                                        : &c->reply_due));
            json_object_set_new(o, "prosecutor_id", c->prosecutor_id ? json_integer(c->prosecutor_id) : json_null());
            json_array_append_new(items, o);
        }
        gboolean end = (int)page->len < f.limit;
        g_ptr_array_unref(page);
        if (end)
            break;
    }
    GPtrArray *sorted = g_ptr_array_new_with_free_func((GDestroyNotify)json_decref);
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v)
        g_ptr_array_add(sorted, json_incref(v));
    g_ptr_array_sort(sorted, more_overdue_first);   /* a merge sort: stable */
    json_array_clear(items);
    for (guint k = 0; k < sorted->len; k++)
        json_array_append(items, g_ptr_array_index(sorted, k));
    g_ptr_array_unref(sorted);
    return items;
}

static gboolean read_period(yf_api_req *r, GDate *from, GDate *to, const GDate *today)
{
    const char *f = yf_api_query(r, "from"), *t = yf_api_query(r, "to");
    *to = *today;
    if (t && !yf_date_parse_iso(t, to))
        goto bad;
    *from = *to;
    g_date_subtract_days(from, 29);
    if (f && !yf_date_parse_iso(f, from))
        goto bad;
    if (g_date_compare(from, to) > 0 || g_date_days_between(from, to) > MAX_PERIOD_DAYS)
        goto bad;
    return TRUE;
bad:
    yf_api_error(r, 400, "bad_request", "from and to are dates YYYY-MM-DD, from <= to, at most %d days apart",
                 MAX_PERIOD_DAYS);
    return FALSE;
}

void yf_api_stats(yf_api_req *r)
{
    GDate today, from, to;
    GError *err = NULL;
    tally t = {0};
    json_t *overdue = NULL;
    yf_api_today(r, &today);
    if (!yf_api_authorize(r, YF_ACT_STATS_READ, NULL) || !read_period(r, &from, &to, &today))
        return;
    GArray *rows = yf_store_stats_rows(r->api->store, &from, &to, &err);
    if (!rows || !(overdue = overdue_list(r, &today, &err))) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    t.by_type = json_object();
    t.by_channel = json_object();
    t.by_stage = json_object();
    for (guint i = 0; i < rows->len; i++)
        count_row(&t, &g_array_index(rows, yf_stats_row, i), &today);
    yf_api_reply_json(r, 200, json_pack("{s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
                                        "from", yf_api_date_json(&from), "to", yf_api_date_json(&to),
                                        "total", (json_int_t)t.total, "by_type", t.by_type,
                                        "by_channel", t.by_channel, "by_stage", t.by_stage,
                                        "reply_within_7_days", share_json(t.reply_ok, t.reply_due),
                                        "result_within_3_months", share_json(t.result_ok, t.result_due),
                                        "overdue", g_steal_pointer(&overdue)));
out:
    g_clear_error(&err);
    json_decref(overdue);
    if (rows)
        g_array_unref(rows);
}

void yf_api_audit_list(yf_api_req *r)
{
    int64_t after = 0, limit = 0;
    GError *err = NULL;
    const char *action = yf_api_query(r, "action");
    if (!yf_api_authorize(r, YF_ACT_AUDIT_READ, NULL) ||
        !yf_api_query_int(r, "cursor", 0, G_MAXINT64, 0, &after) ||
        !yf_api_query_int(r, "limit", 1, 1000, 100, &limit))
        return;
    GPtrArray *list = yf_store_audit_list(r->api->store, after, (int)limit, action, &err);
    if (!list) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return;
    }
    json_t *items = json_array();
    for (guint i = 0; i < list->len; i++) {
        const yf_audit_row *a = g_ptr_array_index(list, i);
        json_array_append_new(items, json_pack("{s:I, s:o, s:s, s:s, s:s, s:s}", "id", (json_int_t)a->id,
                                               "at", yf_api_time_json(a->at_ms), "actor", a->actor,
                                               "action", a->action, "object", a->object, "detail", a->detail));
    }
    int64_t last = list->len ? ((yf_audit_row *)g_ptr_array_index(list, list->len - 1))->id : 0;
    json_t *next = (int64_t)list->len == limit ? json_sprintf("%" G_GINT64_FORMAT, (gint64)last) : json_null();
    g_ptr_array_unref(list);
    yf_api_reply_json(r, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

void yf_api_audit_verify(yf_api_req *r)
{
    yf_audit_report rep = {0};
    GError *err = NULL;
    if (!yf_api_authorize(r, YF_ACT_AUDIT_READ, NULL))
        return;
    if (!yf_store_audit_verify(r->api->store, &rep, &err)) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return;
    }
    char *head = g_malloc(65);
    for (int i = 0; i < 32; i++)
        g_snprintf(head + 2 * i, 3, "%02x", rep.head[i]);
    yf_api_reply_json(r, 200, json_pack("{s:b, s:I, s:s, s:o, s:o}", "ok", rep.ok, "count", (json_int_t)rep.count,
                                        "head", head,
                                        "broken_id", rep.ok ? json_null() : json_integer(rep.broken_id),
                                        "reason", rep.reason ? json_string(rep.reason) : json_null()));
    g_free(head);
    yf_audit_report_clear(&rep);
}
