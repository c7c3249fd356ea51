/* api_json.c -- the REST API's JSON edges: the body parsed with jansson (never
 * by hand) into an object, typed field readers that answer bad_request naming
 * the field, query parameters, RFC 3339 times, the shared loaders of a case and
 * a hearing, and the shared views of a case and a staff account. Nothing here
 * talks to the network. */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <string.h>

#include "server/store/deadline.h"
#include "server/store/identity.h"

json_t *yf_api_body_object(yf_api_req *r)
{
    json_error_t jerr;
    if (r->body == NULL || r->body->len == 0) {
        yf_api_error(r, 400, "bad_json", "a JSON object body is required");
        return NULL;
    }
    json_t *o = json_loadb((const char *)r->body->data, r->body->len, JSON_REJECT_DUPLICATES, &jerr);
    if (o == NULL) {
        yf_api_error(r, 400, "bad_json", "malformed JSON at line %d column %d: %s", jerr.line,
                     jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(o)) {
        json_decref(o);
        yf_api_error(r, 400, "bad_json", "the body must be a JSON object");
        return NULL;
    }
    return o;
}

gboolean yf_api_only_fields(yf_api_req *r, json_t *o, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        if (!g_strv_contains(allowed, key)) {
            yf_api_error(r, 400, "bad_request", "unknown field \"%.64s\"", key);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean blank(const char *s)
{
    for (; *s; s++)
        if (!g_ascii_isspace(*s))
            return FALSE;
    return TRUE;
}

gboolean yf_api_field_str(yf_api_req *r, json_t *o, const char *key, gboolean required,
                          size_t max_chars, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (required)
            yf_api_error(r, 400, "bad_request", "missing field \"%s\"", key);
        return !required;
    }
    if (!json_is_string(v)) {
        yf_api_error(r, 400, "bad_request", "field \"%s\" must be a string", key);
        return FALSE;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        yf_api_error(r, 400, "bad_request", "field \"%s\" contains a NUL character", key);
        return FALSE;
    }
    if (required && blank(s)) {
        yf_api_error(r, 400, "bad_request", "field \"%s\" must not be empty", key);
        return FALSE;
    }
    if ((size_t)g_utf8_strlen(s, -1) > max_chars) {
        yf_api_error(r, 400, "bad_request", "field \"%s\" is longer than %zu characters", key,
                     max_chars);
        return FALSE;
    }
    *out = s;
    return TRUE;
}

gboolean yf_api_field_int(yf_api_req *r, json_t *o, const char *key, gboolean required,
                          int64_t min, int64_t max, int64_t *out, gboolean *present)
{
    json_t *v = json_object_get(o, key);
    if (present)
        *present = v != NULL;
    if (v == NULL) {
        if (required)
            yf_api_error(r, 400, "bad_request", "missing field \"%s\"", key);
        return !required;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        yf_api_error(r, 400, "bad_request", "field \"%s\" must be an integer in %" G_GINT64_FORMAT
                     "..%" G_GINT64_FORMAT, key, (gint64)min, (gint64)max);
        return FALSE;
    }
    *out = json_integer_value(v);
    return TRUE;
}

const char *yf_api_query(yf_api_req *r, const char *name)
{
    return r->query ? g_hash_table_lookup(r->query, name) : NULL;
}

gboolean yf_api_query_int(yf_api_req *r, const char *name, int64_t min, int64_t max, int64_t def,
                          int64_t *out)
{
    const char *v = yf_api_query(r, name);
    char *end = NULL;
    if (v == NULL) {
        *out = def;
        return TRUE;
    }
    gint64 n = g_ascii_strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n < min || n > max) {
        yf_api_error(r, 400, "bad_request", "query parameter %s must be an integer in %"
                     G_GINT64_FORMAT "..%" G_GINT64_FORMAT, name, (gint64)min, (gint64)max);
        return FALSE;
    }
    *out = n;
    return TRUE;
}

gboolean yf_api_parse_time(const char *s, int64_t *ms)
{
    if (s == NULL || strlen(s) > 40)
        return FALSE;
    GDateTime *dt = g_date_time_new_from_iso8601(s, NULL);
    if (dt == NULL)
        return FALSE;
    *ms = g_date_time_to_unix(dt) * 1000 + g_date_time_get_microsecond(dt) / 1000;
    g_date_time_unref(dt);
    return TRUE;
}

json_t *yf_api_time_json(int64_t ms)
{
    if (ms == 0)
        return json_null();
    GDateTime *dt = g_date_time_new_from_unix_utc(ms / 1000);
    if (dt == NULL)
        return json_null();
    char *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
    json_t *j = json_string(s);
    g_free(s);
    g_date_time_unref(dt);
    return j;
}

json_t *yf_api_date_json(const GDate *d)
{
    char buf[11];
    if (!g_date_valid(d))
        return json_null();
    yf_date_format_iso(d, buf);
    return json_string(buf);
}

void yf_api_today(const yf_api_req *r, GDate *out)
{
    yf_date_from_unix_ms_cst(r->now_ms, out);
}

gboolean yf_api_load_case(yf_api_req *r, int64_t id, yf_case *out)
{
    GError *err = NULL;
    memset(out, 0, sizeof *out);
    if (yf_store_case_get(r->api->store, id, out, &err))
        return TRUE;
    yf_api_store_error(r, err, FALSE);
    g_error_free(err);
    return FALSE;
}

gboolean yf_api_load_hearing(yf_api_req *r, int64_t id, yf_authz_action action, yf_hearing *h,
                             yf_case *c)
{
    GError *err = NULL;
    if (!yf_store_hearing_get(r->api->store, id, h, &err)) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return FALSE;
    }
    if (!yf_api_load_case(r, h->case_id, c))
        return FALSE;
    yf_authz_object obj = {.kase = c, .case_type = -1, .hearing_id = h->id};
    return yf_api_authorize(r, action, &obj);
}

int yf_api_days_overdue(const yf_case *c, const GDate *today, const char **which)
{
    gboolean closed = c->stage == YF_STAGE_CLOSED;
    int reply = (c->stage == YF_STAGE_REGISTER || c->stage == YF_STAGE_REVIEW)
                    ? yf_deadline_days_overdue(&c->reply_due, today, closed) : 0;
    int result = yf_deadline_days_overdue(&c->result_due, today, closed);
    if (which)
        *which = result > 0 ? "result" : reply > 0 ? "reply" : NULL;
    return result > 0 ? result : reply;   /* days past the deadline *which names */
}

gboolean yf_api_id_number_ok(yf_api_req *r, const char *v)
{
    const char *problem = v && *v ? yf_identity_id_number_problem(v) : NULL;
    if (problem)
        yf_api_error(r, 400, "bad_request", "field \"id_number\" %s", problem);
    return problem == NULL;
}

void yf_api_identity_json(json_t *o, const yf_case *c, gboolean masked)
{
    char *contact = masked ? yf_identity_mask_contact(c->contact) : g_strdup(c->contact);
    char *id_number = masked ? yf_identity_mask_id_number(c->id_number) : g_strdup(c->id_number);
    json_object_set_new(o, "contact", json_string(contact));
    json_object_set_new(o, "id_number", json_string(id_number));
    json_object_set_new(o, "masked", json_boolean(masked));
    g_free(contact);
    g_free(id_number);
}

/* The legal moves from stage, in timeline order, as the store's transition
 * table has them: [{"stage": "review", "label": "审查"}, …]. */
static json_t *next_stages_json(yf_stage stage)
{
    json_t *moves = json_array();
    for (int to = 0; to < YF_STAGE_COUNT_; to++)
        if (yf_stage_transition_allowed(stage, (yf_stage)to))
            json_array_append_new(moves, json_pack("{s:s, s:s}", "stage", yf_stage_code((yf_stage)to),
                                                   "label", yf_stage_label((yf_stage)to)));
    return moves;
}

json_t *yf_api_case_json(const yf_case *c, const GDate *today, gboolean masked)
{
    const char *which = NULL;
    int days = yf_api_days_overdue(c, today, &which);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                          "id", (json_int_t)c->id, "case_no", c->case_no,
                          "type", yf_case_type_code(c->type), "type_label", yf_case_type_label(c->type),
                          "channel", yf_channel_code(c->channel),
                          "channel_label", yf_channel_label(c->channel),
                          "petitioner", c->petitioner, "summary", c->summary,
                          "stage", yf_stage_code(c->stage), "stage_label", yf_stage_label(c->stage));
    yf_api_identity_json(o, c, masked);
    json_object_set_new(o, "next_stages", next_stages_json(c->stage));
    json_object_set_new(o, "prosecutor_id", c->prosecutor_id ? json_integer(c->prosecutor_id) : json_null());
    json_object_set_new(o, "received", yf_api_date_json(&c->received));
    json_object_set_new(o, "reply_due", yf_api_date_json(&c->reply_due));
    json_object_set_new(o, "result_due", yf_api_date_json(&c->result_due));
    json_object_set_new(o, "overdue", json_boolean(days > 0));
    json_object_set_new(o, "days_overdue", json_integer(days));
    json_object_set_new(o, "overdue_deadline", which ? json_string(which) : json_null());
    json_object_set_new(o, "created_at", yf_api_time_json(c->created_ms));
    json_object_set_new(o, "updated_at", yf_api_time_json(c->updated_ms));
    return o;
}

json_t *yf_api_staff_json(const yf_staff *s)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:b, s:o}", "id", (json_int_t)s->id,
                     "username", s->username, "display_name", s->display_name,
                     "role", yf_role_code(s->role), "disabled", s->disabled,
                     "created_at", yf_api_time_json(s->created_ms));
}
