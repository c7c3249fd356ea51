/* api_agenda.c -- the day's appointments for the console's workbench: one
 * civil day in China Standard Time, by start time, not cancelled, each with
 * what a host needs at a glance (the case's number and masked petitioner,
 * kind, host, invitees with when their link was opened and when they were
 * let in, the running or last hearing). Read-only: no audit entry; each
 * appointment is checked with case.read (a prosecutor also sees what they host). */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <string.h>

#include "server/store/deadline.h"
#include "server/store/store_reads.h"

#define CST_OFFSET_MS (8 * 3600 * 1000LL)
#define DAY_MS (24 * 3600 * 1000LL)
#define JULIAN_1970_01_01 719163   /* g_date_get_julian of the Unix epoch */

/* Unix ms of 00:00 China Standard Time on d. */
static int64_t cst_midnight_ms(const GDate *d)
{
    return ((int64_t)g_date_get_julian(d) - JULIAN_1970_01_01) * DAY_MS - CST_OFFSET_MS;
}

/* The case as the agenda shows it: number, type, stage, petitioner, its
 * prosecutor (a host may be another), masked identity. */
static json_t *case_brief(const yf_case *c)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)c->id, "case_no", c->case_no,
                          "type", yf_case_type_code(c->type), "type_label", yf_case_type_label(c->type),
                          "stage", yf_stage_code(c->stage), "stage_label", yf_stage_label(c->stage),
                          "petitioner", c->petitioner,
                          "prosecutor_id", c->prosecutor_id ? json_integer(c->prosecutor_id) : json_null());
    yf_api_identity_json(o, c, TRUE);
    return o;
}

static json_t *invitees_brief(yf_api_req *r, int64_t appointment_id, GError **err)
{
    GPtrArray *list = yf_store_invitee_list(r->api->store, appointment_id, err);
    if (list == NULL)
        return NULL;
    json_t *out = json_array();
    for (guint i = 0; i < list->len; i++) {
        const yf_invitee *v = g_ptr_array_index(list, i);
        json_array_append_new(out, json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:b, s:o}", "id", (json_int_t)v->id,
                                             "name", v->name, "role", yf_invitee_role_code(v->role),
                                             "role_label", yf_invitee_role_label(v->role),
                                             "opened_at", yf_api_time_json(v->opened_ms),
                                             "admitted_at", yf_api_time_json(v->admitted_ms),
                                             "revoked", v->revoked_ms != 0,
                                             "expires_at", yf_api_time_json(v->expires_ms)));
    }
    g_ptr_array_unref(list);
    return out;
}

/* The running hearing of the appointment, else its last one: {id, started_at,
 * ended_at}; JSON null when it has none. NULL with *err on failure. */
static json_t *hearing_brief(yf_api_req *r, int64_t appointment_id, GError **err)
{
    GPtrArray *hs = yf_store_hearing_list(r->api->store, 0, appointment_id, err);
    if (hs == NULL)
        return NULL;
    const yf_hearing *pick = hs->len ? g_ptr_array_index(hs, hs->len - 1) : NULL;
    for (guint i = 0; i < hs->len; i++)
        if (((const yf_hearing *)g_ptr_array_index(hs, i))->end_ms == 0)
            pick = g_ptr_array_index(hs, i);
    json_t *o = pick ? json_pack("{s:I, s:o, s:o}", "id", (json_int_t)pick->id,
                                 "started_at", yf_api_time_json(pick->start_ms),
                                 "ended_at", yf_api_time_json(pick->end_ms))
                     : json_null();
    g_ptr_array_unref(hs);
    return o;
}

/* One agenda item, or JSON null when the caller may not see it; NULL with
 * *err when the store fails. */
static json_t *agenda_item(yf_api_req *r, const yf_appointment *a, GError **err)
{
    yf_case c = {0};
    yf_staff host = {0};
    json_t *o = NULL, *inv = NULL, *hearing = NULL;
    if (!yf_store_case_get(r->api->store, a->case_id, &c, err))
        goto out;
    yf_authz_object obj = {.kase = &c, .case_type = -1, .host_id = a->host_id};
    if (yf_authz_check(r->api->store, &r->who, YF_ACT_CASE_READ, &obj) != YF_AUTHZ_ALLOW) {
        o = json_null();
        goto out;
    }
    yf_store_staff_get(r->api->store, a->host_id, &host, NULL);
    if (!(inv = invitees_brief(r, a->id, err)) || !(hearing = hearing_brief(r, a->id, err)))
        goto out;
    char *room = yf_api_room_name(a->id);
    o = json_pack("{s:I, s:I, s:o, s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:o, s:o}", "id", (json_int_t)a->id,
                  "case_id", (json_int_t)a->case_id, "starts_at", yf_api_time_json(a->start_ms), "title", a->title,
                  "kind", yf_appointment_kind_code(a->kind), "kind_label", yf_appointment_kind_label(a->kind),
                  "room", room, "host_id", (json_int_t)a->host_id,
                  "host_name", host.display_name ? host.display_name : "", "case", case_brief(&c),
                  "invitees", g_steal_pointer(&inv), "hearing", g_steal_pointer(&hearing));
    g_free(room);
out:
    json_decref(inv);
    json_decref(hearing);
    yf_staff_clear(&host);
    yf_case_clear(&c);
    return o;
}

void yf_api_appointments_day(yf_api_req *r)
{
    const char *date = yf_api_query(r, "date");
    GError *err = NULL;
    GDate day;
    if (!yf_api_authorize(r, YF_ACT_CASE_READ, NULL))
        return;
    if (date && !yf_date_parse_iso(date, &day)) {
        yf_api_error(r, 400, "bad_request", "query parameter date must be a date YYYY-MM-DD");
        return;
    }
    if (!date)
        yf_api_today(r, &day);
    int64_t from = cst_midnight_ms(&day);
    GPtrArray *list = yf_store_appointments_between(r->api->store, from, from + DAY_MS, &err);
    json_t *items = json_array();
    for (guint i = 0; list && i < list->len; i++) {
        json_t *item = agenda_item(r, g_ptr_array_index(list, i), &err);
        if (item == NULL)
            break;
        if (json_is_object(item))
            json_array_append(items, item);
        json_decref(item);
    }
    if (err) {
        json_decref(items);
        yf_api_store_error(r, err, FALSE);
    } else {
        yf_api_reply_json(r, 200, json_pack("{s:o, s:o}", "date", yf_api_date_json(&day), "items", items));
    }
    g_clear_error(&err);
    if (list)
        g_ptr_array_unref(list);
}
