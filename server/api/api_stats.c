/* api_stats.c -- the statistics (cases received in a period by type, channel
 * and stage; the share answered within 7 days and finished within 3 months,
 * overall and by month of receipt, type and channel; the overdue list with
 * days overdue), the same numbers as a CSV file, and the administrator's
 * audit log view and chain verification. Read-only; the counting itself is
 * stats_tally.c, the CSV text stats_csv.c. */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <string.h>

#include "server/store/deadline.h"
#include "server/store/store_reads.h"
#include "stats.h"

#define MAX_PERIOD_DAYS 3660
#define OVERDUE_SCAN_PAGES 50

static json_t *share_json(int64_t ok, int64_t due)
{
    return json_pack("{s:I, s:I, s:o}", "in_time", (json_int_t)ok, "decided", (json_int_t)due,
                     "share", due ? json_real((double)ok / (double)due) : json_null());
}

/* {key: code, "total", "reply_within_7_days", "result_within_3_months"}. */
static json_t *cell_json(const char *key, const char *code, const yf_stats_cell *c)
{
    return json_pack("{s:s, s:I, s:o, s:o}", key, code, "total", (json_int_t)c->total,
                     "reply_within_7_days", share_json(c->reply_in_time, c->reply_decided),
                     "result_within_3_months", share_json(c->result_in_time, c->result_decided));
}

/* {code: count} of the codes counted at least once (as before the breakdowns). */
static json_t *counts_json(const yf_stats_cell *cells, const int64_t *plain, int n, const char *(*code)(int))
{
    json_t *o = json_object();
    for (int k = 0; k < n; k++) {
        int64_t v = cells ? cells[k].total : plain[k];
        if (v)
            json_object_set_new(o, code(k), json_integer(v));
    }
    return o;
}

static const char *type_code(int k) { return yf_case_type_code((yf_case_type)k); }
static const char *channel_code(int k) { return yf_channel_code((yf_channel)k); }
static const char *stage_code(int k) { return yf_stage_code((yf_stage)k); }

static json_t *breakdowns_json(const yf_stats_tally *t, json_t *o)
{
    json_t *months = json_array(), *types = json_array(), *channels = json_array();
    for (guint i = 0; i < t->n_months; i++) {
        int y, m;
        char month[16];
        yf_stats_tally_month(t, i, &y, &m);
        g_snprintf(month, sizeof month, "%04d-%02d", y, m);
        json_array_append_new(months, cell_json("month", month, &t->months[i]));
    }
    for (int k = 0; k < YF_CASE_TYPE_COUNT_; k++)
        json_array_append_new(types, cell_json("type", type_code(k), &t->by_type[k]));
    for (int k = 0; k < YF_CHANNEL_COUNT_; k++)
        json_array_append_new(channels, cell_json("channel", channel_code(k), &t->by_channel[k]));
    json_object_set_new(o, "months", months);
    json_object_set_new(o, "types", types);
    json_object_set_new(o, "channels", channels);
    return o;
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

/* from and to of the query (default: the 30 days ending today); FALSE after
 * replying 400 with what is wrong. */
static gboolean read_period(yf_api_req *r, GDate *from, GDate *to, const GDate *today)
{
    const char *f = yf_api_query(r, "from"), *t = yf_api_query(r, "to");
    char a[11], b[11];
    *to = *today;
    if (t && !yf_date_parse_iso(t, to)) {
        yf_api_error(r, 400, "bad_request", "query parameter to must be a date YYYY-MM-DD (year 1900..9999)");
        return FALSE;
    }
    *from = *to;
    g_date_subtract_days(from, 29);
    if (f && !yf_date_parse_iso(f, from)) {
        yf_api_error(r, 400, "bad_request", "query parameter from must be a date YYYY-MM-DD (year 1900..9999)");
        return FALSE;
    }
    yf_date_format_iso(from, a);
    yf_date_format_iso(to, b);
    if (g_date_compare(from, to) > 0) {
        yf_api_error(r, 400, "bad_request", "from (%s) is after to (%s)", a, b);
        return FALSE;
    }
    if (g_date_days_between(from, to) > MAX_PERIOD_DAYS) {
        yf_api_error(r, 400, "bad_request", "the period %s to %s is longer than %d days", a, b, MAX_PERIOD_DAYS);
        return FALSE;
    }
    return TRUE;
}

/* The tally of the request's period; FALSE after replying (400, 403, 500…). */
static gboolean tally_period(yf_api_req *r, yf_stats_tally *t, GDate *today)
{
    GDate from, to;
    GError *err = NULL;
    yf_api_today(r, today);
    if (!yf_api_authorize(r, YF_ACT_STATS_READ, NULL) || !read_period(r, &from, &to, today))
        return FALSE;
    GArray *rows = yf_store_stats_rows(r->api->store, &from, &to, &err);
    if (!rows) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return FALSE;
    }
    yf_stats_tally_init(t, &from, &to);
    for (guint i = 0; i < rows->len; i++)
        yf_stats_tally_add(t, &g_array_index(rows, yf_stats_row, i), today);
    g_array_unref(rows);
    return TRUE;
}

void yf_api_stats(yf_api_req *r)
{
    GDate today;
    GError *err = NULL;
    yf_stats_tally t;
    if (!tally_period(r, &t, &today))
        return;
    json_t *overdue = overdue_list(r, &today, &err);
    if (!overdue) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        yf_stats_tally_clear(&t);
        return;
    }
    json_t *o = json_pack("{s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o}",
                          "from", yf_api_date_json(&t.from), "to", yf_api_date_json(&t.to),
                          "total", (json_int_t)t.all.total,
                          "by_type", counts_json(t.by_type, NULL, YF_CASE_TYPE_COUNT_, type_code),
                          "by_channel", counts_json(t.by_channel, NULL, YF_CHANNEL_COUNT_, channel_code),
                          "by_stage", counts_json(NULL, t.by_stage, YF_STAGE_COUNT_, stage_code),
                          "reply_within_7_days", share_json(t.all.reply_in_time, t.all.reply_decided),
                          "result_within_3_months", share_json(t.all.result_in_time, t.all.result_decided));
    breakdowns_json(&t, o);
    json_object_set_new(o, "overdue", overdue);
    yf_api_reply_json(r, 200, o);
    yf_stats_tally_clear(&t);
}

void yf_api_stats_csv(yf_api_req *r)
{
    GDate today;
    yf_stats_tally t;
    if (!tally_period(r, &t, &today))
        return;
    GBytes *csv = yf_stats_csv(&t);
    char *name = yf_stats_csv_filename(&t);
    char *disp = g_strdup_printf("attachment; filename=\"%s\"", name);
    yf_api_add_header(r, "content-disposition", disp);
    yf_api_reply_bytes(r, 200, "text/csv; charset=utf-8", csv);
    g_free(disp);
    g_free(name);
    g_bytes_unref(csv);
    yf_stats_tally_clear(&t);
}

void yf_api_audit_list(yf_api_req *r)
{
    int64_t after = 0, limit = 0;
    GError *err = NULL;
    const char *action = yf_api_query(r, "action"), *order = yf_api_query(r, "order");
    if (!yf_api_authorize(r, YF_ACT_AUDIT_READ, NULL) ||
        !yf_api_query_int(r, "cursor", 0, G_MAXINT64, 0, &after) ||
        !yf_api_query_int(r, "limit", 1, 1000, 100, &limit))
        return;
    gboolean newest = order && strcmp(order, "newest") == 0;
    if (order && !newest && strcmp(order, "oldest") != 0) {
        yf_api_error(r, 400, "bad_request", "order must be oldest or newest");
        return;
    }
    GPtrArray *list = newest ? yf_store_audit_list_newest(r->api->store, after, (int)limit, action, &err)
                             : yf_store_audit_list(r->api->store, after, (int)limit, action, &err);
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
