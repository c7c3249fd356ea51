/* api_cases.c -- /cases: register, list with filters, search and keyset
 * pagination, the 督办 ledger of deadlines past or near, read (audited when it
 * shows identity data whole), edit, assign, move along the stage timeline,
 * and the timeline itself.
 * The store writes the audit entry of every change; permissions come from
 * yf_api_authorize only (a listing checks each case it returns). */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include "server/store/store_reads.h"

#include <string.h>

#include "server/store/deadline.h"

#define SCAN_PAGES 20    /* pages scanned per listing when items are filtered out */
#define DUE_SCAN_PAGES 50    /* the ledger reads at most this many full pages */
#define DUE_MAX_DAYS 30

/* 400 for a type or channel that is neither a code nor a label: the message
 * names the field and lists "accusation (控告), appeal (申诉), …". */
static void bad_type_or_channel(yf_api_req *r, const char *field)
{
    GString *s = g_string_new(NULL);
    gboolean type = strcmp(field, "type") == 0;
    int n = type ? YF_CASE_TYPE_COUNT_ : YF_CHANNEL_COUNT_;
    for (int i = 0; i < n; i++)
        g_string_append_printf(s, "%s%s (%s)", i ? ", " : "",
                               type ? yf_case_type_code((yf_case_type)i) : yf_channel_code((yf_channel)i),
                               type ? yf_case_type_label((yf_case_type)i) : yf_channel_label((yf_channel)i));
    yf_api_error(r, 400, "bad_request", "%s: unknown value; one of %s", field, s->str);
    g_string_free(s, TRUE);
}

/* The enum query parameters of a case listing. */
static gboolean parse_enum(const char *name, const char *v, int *value)
{
    yf_stage s;
    yf_case_type t;
    yf_channel c;
    if (strcmp(name, "stage") == 0 && yf_stage_parse(v, &s))
        *value = (int)s;
    else if (strcmp(name, "type") == 0 && yf_case_type_parse_any(v, &t))
        *value = (int)t;
    else if (strcmp(name, "channel") == 0 && yf_channel_parse_any(v, &c))
        *value = (int)c;
    else
        return FALSE;
    return TRUE;
}

static gboolean parse_enum_query(yf_api_req *r, const char *name, int *out)
{
    const char *v = yf_api_query(r, name);
    int value = 0;
    *out = -1;
    if (v == NULL)
        return TRUE;
    if (!parse_enum(name, v, &value)) {
        yf_api_error(r, 400, "bad_request", "unknown %s \"%.32s\"", name, v);
        return FALSE;
    }
    *out = value;
    return TRUE;
}

static gboolean parse_date_query(yf_api_req *r, const char *name, GDate *d, const GDate **out)
{
    const char *v = yf_api_query(r, name);
    *out = NULL;
    if (v == NULL)
        return TRUE;
    if (!yf_date_parse_iso(v, d)) {
        yf_api_error(r, 400, "bad_request", "%s must be a date YYYY-MM-DD", name);
        return FALSE;
    }
    *out = d;
    return TRUE;
}

/* Narrows f to the caller's scope (authz still checks each case); FALSE
 * when that scope excludes every match of the type filter. */
static gboolean narrow_to_scope(const yf_api_req *r, yf_case_filter *f)
{
    if (r->who.staff.role == YF_ROLE_PROSECUTOR)
        f->prosecutor_id = r->who.staff.id;
    if (r->who.staff.role == YF_ROLE_AID_STAFF) {
        gboolean other = f->type >= 0 && f->type != YF_CASE_JUDICIAL_AID;
        f->type = YF_CASE_JUDICIAL_AID;
        return !other;
    }
    return TRUE;
}

typedef struct {
    yf_case_filter f;
    GDate today, from, to;
    int channel;
    int64_t limit;
    gboolean nothing;   /* the caller's scope excludes every match */
} list_query;

static gboolean read_list_query(yf_api_req *r, list_query *q)
{
    const char *assigned = yf_api_query(r, "assigned"), *overdue = yf_api_query(r, "overdue");
    memset(q, 0, sizeof *q);
    yf_api_today(r, &q->today);
    if (!parse_enum_query(r, "stage", &q->f.stage) || !parse_enum_query(r, "type", &q->f.type) ||
        !parse_enum_query(r, "channel", &q->channel) ||
        !parse_date_query(r, "received_from", &q->from, &q->f.received_from) ||
        !parse_date_query(r, "received_to", &q->to, &q->f.received_to) ||
        !yf_api_query_int(r, "limit", 1, YF_STORE_LIST_MAX, 50, &q->limit) ||
        !yf_api_query_int(r, "cursor", 0, G_MAXINT64, 0, &q->f.after_id))
        return FALSE;
    q->f.search = yf_api_query(r, "q");
    if (q->f.search && (!g_utf8_validate(q->f.search, -1, NULL) ||
                        g_utf8_strlen(q->f.search, -1) > YF_STORE_SEARCH_MAX)) {
        yf_api_error(r, 400, "bad_request", "query parameter q must be text of at most %d characters",
                     YF_STORE_SEARCH_MAX);
        return FALSE;
    }
    if ((assigned && strcmp(assigned, "me") != 0) ||
        (overdue && strcmp(overdue, "true") != 0 && strcmp(overdue, "false") != 0)) {
        yf_api_error(r, 400, "bad_request", "assigned must be \"me\"; overdue true or false");
        return FALSE;
    }
    if (overdue && strcmp(overdue, "true") == 0)
        q->f.overdue_on = &q->today;
    if (assigned)
        q->f.prosecutor_id = r->who.staff.id;
    q->nothing = !narrow_to_scope(r, &q->f);
    q->f.limit = YF_STORE_LIST_MAX;
    return TRUE;
}

/* Appends visible cases of one store page; FALSE when the listing is full
 * (*cursor = the last case returned). */
static gboolean take_page(yf_api_req *r, list_query *q, GPtrArray *page, json_t *items,
                          int64_t *cursor)
{
    for (guint i = 0; i < page->len; i++) {
        const yf_case *c = g_ptr_array_index(page, i);
        yf_authz_object obj = {.kase = c, .case_type = -1};
        q->f.after_id = c->id;
        if ((q->channel >= 0 && (int)c->channel != q->channel) ||
            yf_authz_check(r->api->store, &r->who, YF_ACT_CASE_READ, &obj) != YF_AUTHZ_ALLOW)
            continue;
        json_array_append_new(items, yf_api_case_json(c, &q->today, TRUE));
        if ((int64_t)json_array_size(items) == q->limit) {
            *cursor = c->id;
            return FALSE;
        }
    }
    return TRUE;
}

void yf_api_cases_list(yf_api_req *r)
{
    list_query q;
    GError *err = NULL;
    int64_t cursor = 0;
    if (!yf_api_authorize(r, YF_ACT_CASE_READ, NULL) || !read_list_query(r, &q))
        return;
    json_t *items = json_array();
    for (int round = 0; round < SCAN_PAGES && !q.nothing; round++) {
        GPtrArray *page = yf_store_case_list(r->api->store, &q.f, &err);
        if (page == NULL) {
            json_decref(items);
            yf_api_store_error(r, err, FALSE);
            g_error_free(err);
            return;
        }
        gboolean room = take_page(r, &q, page, items, &cursor);
        gboolean end = (int)page->len < q.f.limit;
        g_ptr_array_unref(page);
        if (!room)
            break;
        if (end) {
            cursor = 0;   /* the store has no more: no next page */
            break;
        }
        cursor = q.f.after_id;   /* scanned a full page without filling: resume after it */
    }
    yf_api_reply_json(r, 200, json_pack("{s:o, s:o}", "items", items,
                                        "next_cursor", cursor ? json_sprintf("%" G_GINT64_FORMAT,
                                                                             (gint64)cursor) : json_null()));
}

typedef struct {
    json_t *item;
    int days_left;
    int64_t id;
} due_entry;

/* The deadline a ledger line is about: an overdue case's missed one (result
 * before reply, as "overdue_deadline"), else the earliest one still to come
 * within `within` days. FALSE when neither is. */
static gboolean due_line(const yf_case *c, const GDate *today, int within, const char **which, const GDate **due,
                         int *days_left)
{
    int over = yf_api_days_overdue(c, today, which);
    gboolean at_reply = c->stage == YF_STAGE_REGISTER || c->stage == YF_STAGE_REVIEW;
    if (over > 0) {
        *due = strcmp(*which, "result") == 0 ? &c->result_due : &c->reply_due;
        *days_left = -over;
        return TRUE;
    }
    if (c->stage == YF_STAGE_CLOSED)
        return FALSE;
    *which = at_reply ? "reply" : "result";
    *due = at_reply ? &c->reply_due : &c->result_due;
    *days_left = (int)g_date_days_between(today, *due);
    if (*days_left > within && at_reply) {
        *which = "result";
        *due = &c->result_due;
        *days_left = (int)g_date_days_between(today, *due);
    }
    return *days_left <= within;
}

static gint by_days_left(gconstpointer a, gconstpointer b)
{
    const due_entry *x = a, *y = b;
    if (x->days_left != y->days_left)
        return x->days_left < y->days_left ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Adds one store page's visible lines to lines; FALSE when the page was short (the end). */
static gboolean due_page(yf_api_req *r, yf_case_filter *f, GPtrArray *page, const GDate *today, int within,
                         GArray *lines)
{
    for (guint i = 0; i < page->len; i++) {
        const yf_case *c = g_ptr_array_index(page, i);
        yf_authz_object obj = {.kase = c, .case_type = -1};
        due_entry e = {.id = c->id};
        const char *which = NULL;
        const GDate *due = NULL;
        f->after_id = c->id;
        if (!due_line(c, today, within, &which, &due, &e.days_left) ||
            yf_authz_check(r->api->store, &r->who, YF_ACT_CASE_READ, &obj) != YF_AUTHZ_ALLOW)
            continue;
        e.item = yf_api_case_json(c, today, TRUE);
        json_object_set_new(e.item, "deadline", json_string(which));
        json_object_set_new(e.item, "due", yf_api_date_json(due));
        json_object_set_new(e.item, "days_left", json_integer(e.days_left));
        g_array_append_val(lines, e);
    }
    return (int)page->len == f->limit;
}

static void due_entry_clear(gpointer p)
{
    json_decref(((due_entry *)p)->item);
}

void yf_api_cases_due(yf_api_req *r)
{
    GError *err = NULL;
    GDate today, by;
    int64_t within = 0;
    gboolean more = TRUE;
    if (!yf_api_authorize(r, YF_ACT_CASE_READ, NULL) ||
        !yf_api_query_int(r, "within_days", 0, DUE_MAX_DAYS, 2, &within))
        return;
    yf_api_today(r, &today);
    by = today;
    g_date_add_days(&by, (guint)within);
    yf_case_filter f = {.stage = -1, .type = -1, .due_by = &by, .limit = YF_STORE_LIST_MAX};
    GArray *lines = g_array_new(FALSE, FALSE, sizeof(due_entry));
    g_array_set_clear_func(lines, due_entry_clear);
    if (!narrow_to_scope(r, &f))
        more = FALSE;
    for (int round = 0; round < DUE_SCAN_PAGES && more; round++) {
        GPtrArray *page = yf_store_case_list(r->api->store, &f, &err);
        if (page == NULL) {
            yf_api_store_error(r, err, FALSE);
            goto out;
        }
        more = due_page(r, &f, page, &today, (int)within, lines);
        g_ptr_array_unref(page);
    }
    g_array_sort(lines, by_days_left);
    json_t *items = json_array();
    for (guint i = 0; i < lines->len; i++)
        json_array_append(items, g_array_index(lines, due_entry, i).item);
    yf_api_reply_json(r, 200, json_pack("{s:o, s:I, s:o, s:b}", "today", yf_api_date_json(&today),
                                        "within_days", (json_int_t)within, "items", items,
                                        "truncated", more));
out:
    g_clear_error(&err);
    g_array_unref(lines);
}

static gboolean read_new_case(yf_api_req *r, json_t *o, yf_case_new *in, GDate *received)
{
    static const char *const fields[] = {"case_no", "type", "channel", "petitioner", "contact",
                                         "id_number", "summary", "received", "prosecutor_id", NULL};
    const char *type, *channel, *recv;
    if (!yf_api_only_fields(r, o, fields) || !yf_api_field_str(r, o, "case_no", TRUE, 64, &in->case_no) ||
        !yf_api_field_str(r, o, "type", TRUE, 32, &type) ||
        !yf_api_field_str(r, o, "channel", TRUE, 32, &channel) ||
        !yf_api_field_str(r, o, "petitioner", TRUE, 200, &in->petitioner) ||
        !yf_api_field_str(r, o, "contact", FALSE, 500, &in->contact) ||
        !yf_api_field_str(r, o, "id_number", FALSE, 64, &in->id_number) ||
        !yf_api_id_number_ok(r, in->id_number) ||
        !yf_api_field_str(r, o, "summary", FALSE, 20000, &in->summary) ||
        !yf_api_field_str(r, o, "received", FALSE, 10, &recv) ||
        !yf_api_field_int(r, o, "prosecutor_id", FALSE, 0, G_MAXINT64, &in->prosecutor_id, NULL))
        return FALSE;
    const char *bad = !yf_case_type_parse_any(type, &in->type)        ? "type"
                      : !yf_channel_parse_any(channel, &in->channel) ? "channel"
                                                                     : NULL;
    if (bad) {
        bad_type_or_channel(r, bad);
        return FALSE;
    }
    if (recv && !yf_date_parse_iso(recv, received)) {
        yf_api_error(r, 400, "bad_request", "received must be a date YYYY-MM-DD");
        return FALSE;
    }
    if (!recv)
        yf_api_today(r, received);
    in->received = *received;
    return TRUE;
}

static void reply_case(yf_api_req *r, unsigned status, int64_t id)
{
    yf_case c;
    GDate today;
    yf_api_today(r, &today);
    if (yf_api_load_case(r, id, &c))
        yf_api_reply_json(r, status, yf_api_case_json(&c, &today, TRUE));
    yf_case_clear(&c);
}

void yf_api_cases_create(yf_api_req *r)
{
    yf_case_new in = {0};
    GDate received;
    GError *err = NULL;
    int64_t id = 0;
    json_t *o = NULL;
    if (!yf_api_authorize(r, YF_ACT_CASE_CREATE, NULL) || !(o = yf_api_body_object(r)) ||
        !read_new_case(r, o, &in, &received))
        goto out;
    yf_authz_object obj = {.case_type = (int)in.type};
    if (!yf_api_authorize(r, YF_ACT_CASE_CREATE, &obj))
        goto out;
    if (r->who.staff.role == YF_ROLE_PROSECUTOR && in.prosecutor_id == 0)
        in.prosecutor_id = r->who.staff.id;   /* a prosecutor registers their own case */
    yf_case would = {.prosecutor_id = in.prosecutor_id, .type = in.type};
    yf_authz_object assign = {.kase = &would, .case_type = -1};
    if (in.prosecutor_id && !yf_api_authorize(r, YF_ACT_CASE_ASSIGN, &assign))
        goto out;
    if (!yf_store_case_create(r->api->store, yf_principal_actor(&r->who), r->now_ms, &in, &id, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    reply_case(r, 201, id);
out:
    g_clear_error(&err);
    json_decref(o);
}

/* Loads case ids[0] and checks action on it; FALSE after replying. */
gboolean yf_api_case_for(yf_api_req *r, yf_authz_action action, yf_case *c)
{
    if (!yf_api_load_case(r, r->ids[0], c))
        return FALSE;
    yf_authz_object obj = {.kase = c, .case_type = -1};
    return yf_api_authorize(r, action, &obj);
}

/* Writes case.identity_view (detail: the fields shown) before a case's
 * contact or ID number is shown in full; a case with neither writes nothing.
 * FALSE after replying when the entry cannot be written: nothing is shown. */
static gboolean audit_identity_view(yf_api_req *r, const yf_case *c)
{
    GError *err = NULL;
    if (!*c->contact && !*c->id_number)
        return TRUE;
    char *object = g_strdup_printf("case:%" G_GINT64_FORMAT, (gint64)c->id);
    char *detail = g_strdup_printf("%s%s%s", *c->contact ? "contact" : "",
                                   *c->contact && *c->id_number ? "," : "", *c->id_number ? "id_number" : "");
    gboolean ok = yf_store_audit_record(r->api->store, yf_principal_actor(&r->who), r->now_ms,
                                        "case.identity_view", object, detail, &err);
    if (!ok)
        yf_api_store_error(r, err, FALSE);
    g_clear_error(&err);
    g_free(detail);
    g_free(object);
    return ok;
}

/* The one case in full, with its prosecutor's name for people who may not
 * list accounts (prosecutor_name, "" when unassigned). */
void yf_api_case_get(yf_api_req *r)
{
    yf_case c = {0};
    yf_staff pros = {0};
    GDate today;
    yf_api_today(r, &today);
    if (yf_api_case_for(r, YF_ACT_CASE_READ, &c) && audit_identity_view(r, &c)) {
        json_t *o = yf_api_case_json(&c, &today, FALSE);
        if (c.prosecutor_id)
            yf_store_staff_get(r->api->store, c.prosecutor_id, &pros, NULL);   /* "" if gone */
        json_object_set_new(o, "prosecutor_name", json_string(pros.display_name ? pros.display_name : ""));
        GError *err = NULL;
        GPtrArray *ratings = yf_store_case_ratings(r->api->store, c.id, &err);
        if (!ratings) {
            json_decref(o);
            yf_api_store_error(r, err, FALSE);
            g_clear_error(&err);
            goto out;
        }
        json_t *items = json_array();
        for (guint i = 0; i < ratings->len; i++) {
            const yf_rating_row *rt = g_ptr_array_index(ratings, i);
            json_array_append_new(items, json_pack("{s:i, s:s, s:o, s:{s:s, s:s}}", "score", rt->score,
                                                   "comment", rt->comment, "at", yf_api_time_json(rt->at_ms),
                                                   "by", "name", rt->name, "role", rt->role));
        }
        g_ptr_array_unref(ratings);
        json_object_set_new(o, "ratings", items);
        yf_api_reply_json(r, 200, o);
    }
out:
    yf_staff_clear(&pros);
    yf_case_clear(&c);
}

static gboolean apply_patch(yf_api_req *r, json_t *o, const yf_case *c)
{
    const char *pet, *contact, *idn, *summary;
    int64_t pid = 0;
    gboolean has_pid = FALSE;
    GError *err = NULL;
    yf_actor who = yf_principal_actor(&r->who);
    json_t *pv = json_object_get(o, "prosecutor_id");
    if (!yf_api_field_str(r, o, "petitioner", FALSE, 200, &pet) ||
        !yf_api_field_str(r, o, "contact", FALSE, 500, &contact) ||
        !yf_api_field_str(r, o, "id_number", FALSE, 64, &idn) || !yf_api_id_number_ok(r, idn) ||
        !yf_api_field_str(r, o, "summary", FALSE, 20000, &summary) ||
        (pv && !json_is_null(pv) &&
         !yf_api_field_int(r, o, "prosecutor_id", FALSE, 0, G_MAXINT64, &pid, &has_pid)))
        return FALSE;
    if (pet && !*pet) {
        yf_api_error(r, 400, "bad_request", "field \"petitioner\" must not be empty");
        return FALSE;
    }
    yf_authz_object obj = {.kase = c, .case_type = -1};
    gboolean update = pet || contact || idn || summary;
    if ((update && !yf_api_authorize(r, YF_ACT_CASE_UPDATE, &obj)) ||
        (pv && !yf_api_authorize(r, YF_ACT_CASE_ASSIGN, &obj)))
        return FALSE;
    gboolean ok = (!update ||
                   yf_store_case_update(r->api->store, who, r->now_ms, c->id, pet, contact, idn, summary, &err)) &&
                  (!pv || yf_store_case_assign(r->api->store, who, r->now_ms, c->id, pid, &err));
    if (!ok)
        yf_api_store_error(r, err, FALSE);
    g_clear_error(&err);
    return ok;
}

void yf_api_case_patch(yf_api_req *r)
{
    static const char *const fields[] = {"petitioner", "contact", "id_number", "summary", "prosecutor_id", NULL};
    yf_case c = {0};
    json_t *o = NULL;
    if (!yf_api_authorize(r, YF_ACT_CASE_READ, NULL) || !yf_api_load_case(r, r->ids[0], &c) ||
        !(o = yf_api_body_object(r)) || !yf_api_only_fields(r, o, fields))
        goto out;
    if (json_object_size(o) == 0) {
        yf_api_error(r, 400, "bad_request", "nothing to change");
        goto out;
    }
    if (apply_patch(r, o, &c))
        reply_case(r, 200, c.id);
out:
    yf_case_clear(&c);
    json_decref(o);
}

void yf_api_case_transition(yf_api_req *r)
{
    static const char *const fields[] = {"to", "note", NULL};
    const char *to_s, *note;
    yf_stage to;
    yf_case c = {0};
    GError *err = NULL;
    json_t *o = NULL;
    if (!yf_api_case_for(r, YF_ACT_CASE_TRANSITION, &c) || !(o = yf_api_body_object(r)) ||
        !yf_api_only_fields(r, o, fields) || !yf_api_field_str(r, o, "to", TRUE, 32, &to_s) ||
        !yf_api_field_str(r, o, "note", FALSE, 5000, &note))
        goto out;
    if (!yf_stage_parse(to_s, &to)) {
        yf_api_error(r, 400, "bad_request", "unknown stage \"%.32s\"", to_s);
        goto out;
    }
    if (!yf_store_case_transition(r->api->store, yf_principal_actor(&r->who), r->now_ms, c.id, to,
                                  note ? note : "", &err)) {
        yf_api_store_error(r, err, TRUE);
        goto out;
    }
    reply_case(r, 200, c.id);
out:
    g_clear_error(&err);
    yf_case_clear(&c);
    json_decref(o);
}

/* An audit actor ("staff:4", "invitee:9", "system") by name, or null when
 * it names no one known. */
static json_t *actor_name_json(yf_api_req *r, const char *actor)
{
    char *end = NULL;
    json_t *name = json_null();
    if (g_str_has_prefix(actor, "staff:")) {
        gint64 id = g_ascii_strtoll(actor + 6, &end, 10);
        yf_staff s = {0};
        if (end && !*end && id > 0 && yf_store_staff_get(r->api->store, id, &s, NULL))
            name = json_string(s.display_name);
        yf_staff_clear(&s);
    } else if (g_str_has_prefix(actor, "invitee:")) {
        gint64 id = g_ascii_strtoll(actor + 8, &end, 10);
        yf_invitee i = {0};
        if (end && !*end && id > 0 && yf_store_invitee_get(r->api->store, id, &i, NULL))
            name = json_string(i.name);
        yf_invitee_clear(&i);
    } else if (strcmp(actor, "system") == 0) {
        name = json_string("系统");
    }
    return name;
}

static json_t *event_item(yf_api_req *r, const void *item)
{
    const yf_case_event *e = item;
    json_t *o = json_pack("{s:I, s:o, s:s, s:s, s:s, s:s}", "id", (json_int_t)e->id,
                          "at", yf_api_time_json(e->at_ms), "actor", e->actor,
                          "to", yf_stage_code(e->to_stage), "to_label", yf_stage_label(e->to_stage),
                          "note", e->note);
    json_object_set_new(o, "from", e->from_stage >= 0 ? json_string(yf_stage_code(e->from_stage)) : json_null());
    /* Who moved the case, by name: whoever may read the case reads its history. */
    json_t *name = actor_name_json(r, e->actor);
    json_object_set_new(o, "actor_name", name);
    return o;
}

void yf_api_case_events(yf_api_req *r)
{
    yf_case c = {0};
    GError *err = NULL;
    if (yf_api_case_for(r, YF_ACT_CASE_READ, &c))
        yf_api_reply_items_take(r, yf_store_case_events(r->api->store, c.id, &err), err, event_item);
    yf_case_clear(&c);
}

static json_t *audit_item(yf_api_req *r, const void *item)
{
    const yf_audit_row *a = item;
    return json_pack("{s:I, s:o, s:s, s:o, s:s, s:s, s:s}", "id", (json_int_t)a->id, "at", yf_api_time_json(a->at_ms),
                     "actor", a->actor, "actor_name", actor_name_json(r, a->actor), "action", a->action,
                     "object", a->object, "detail", a->detail);
}

/* The case's own audit trail, newest first (case.read): who did what to the
 * case and everything of it, including every view of the full ID number and
 * of a recording. */
void yf_api_case_audit(yf_api_req *r)
{
    yf_case c = {0};
    GError *err = NULL;
    int64_t before = 0, limit = 0;
    if (!yf_api_case_for(r, YF_ACT_CASE_READ, &c) ||
        !yf_api_query_int(r, "cursor", 0, G_MAXINT64, 0, &before) ||
        !yf_api_query_int(r, "limit", 1, 500, 100, &limit))
        goto out;
    GPtrArray *list = yf_store_case_audit(r->api->store, c.id, before, (int)limit, &err);
    if (!list) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    json_t *items = json_array();
    for (guint i = 0; i < list->len; i++)
        json_array_append_new(items, audit_item(r, g_ptr_array_index(list, i)));
    int64_t last = list->len ? ((yf_audit_row *)g_ptr_array_index(list, list->len - 1))->id : 0;
    json_t *next = (int64_t)list->len == limit ? json_sprintf("%" G_GINT64_FORMAT, (gint64)last) : json_null();
    g_ptr_array_unref(list);
    yf_api_reply_json(r, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
out:
    g_clear_error(&err);
    yf_case_clear(&c);
}
