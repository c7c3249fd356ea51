/* api_hearings.c -- hearings (start, staff participants, end, and the view
 * that gathers participants, recordings and the note for whoever may read
 * them) and the listing under a case. Tells the recorder when a hearing
 * starts and ends; the store audits every change. */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <string.h>

#include "server/store/store_reads.h"

static json_t *hearing_json(const yf_hearing *h)
{
    return json_pack("{s:I, s:I, s:o, s:s, s:s, s:o, s:o}", "id", (json_int_t)h->id,
                     "case_id", (json_int_t)h->case_id,
                     "appointment_id", h->appointment_id ? json_integer(h->appointment_id) : json_null(),
                     "kind", yf_hearing_kind_code(h->kind), "room", h->room,
                     "started_at", yf_api_time_json(h->start_ms), "ended_at", yf_api_time_json(h->end_ms));
}

static json_t *hearing_item(yf_api_req *r, const void *item)
{
    return hearing_json(item);
}

void yf_api_case_hearings(yf_api_req *r)
{
    yf_case c = {0};
    GError *err = NULL;
    if (yf_api_case_for(r, YF_ACT_CASE_READ, &c))
        yf_api_reply_items_take(r, yf_store_hearing_list(r->api->store, c.id, 0, &err), err, hearing_item);
    yf_case_clear(&c);
}

void yf_api_hearing_start(yf_api_req *r)
{
    static const char *const fields[] = {"kind", NULL};
    yf_appointment a = {0};
    yf_case c = {0};
    yf_hearing h = {0};
    const char *kind_s = NULL;
    GError *err = NULL;
    int64_t id = 0;
    json_t *o = NULL;
    if (!yf_api_appointment_for(r, YF_ACT_HEARING_RUN, &a, &c, NULL) || !(o = yf_api_body_object(r)) ||
        !yf_api_only_fields(r, o, fields) || !yf_api_field_str(r, o, "kind", FALSE, 32, &kind_s))
        goto out;
    yf_hearing_kind kind = yf_appointment_kind_hearing(a.kind);   /* unless the body says otherwise */
    if (kind_s && !yf_hearing_kind_parse(kind_s, &kind)) {
        yf_api_error(r, 400, "bad_request", "unknown hearing kind");
        goto out;
    }
    char *room = yf_api_room_name(a.id);
    yf_actor who = yf_principal_actor(&r->who);
    gboolean ok = yf_store_hearing_create(r->api->store, who, r->now_ms, c.id, a.id, kind, room,
                                          r->now_ms, &id, &err) &&
                  yf_store_participant_add(r->api->store, who, r->now_ms, id, r->who.staff.display_name,
                                           yf_role_code(r->who.staff.role), r->who.staff.id, 0, NULL, &err) &&
                  yf_store_hearing_get(r->api->store, id, &h, &err);
    g_free(room);
    if (!ok) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    if (r->api->hooks.hearing_started)
        r->api->hooks.hearing_started(r->api->hooks_user, h.id, h.room);
    yf_api_reply_json(r, 201, hearing_json(&h));
out:
    g_clear_error(&err);
    json_decref(o);
    yf_hearing_clear(&h);
    yf_appointment_clear(&a);
    yf_case_clear(&c);
}

static json_t *participants_json(yf_api_req *r, int64_t hearing_id, GError **err)
{
    GPtrArray *ps = yf_store_participant_list(r->api->store, hearing_id, err);
    if (!ps)
        return NULL;
    json_t *items = json_array();
    for (guint i = 0; i < ps->len; i++) {
        const yf_participant *p = g_ptr_array_index(ps, i);
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)p->id,
                                               "name", p->name, "role", p->role,
                                               "staff_id", p->staff_id ? json_integer(p->staff_id) : json_null(),
                                               "invitee_id", p->invitee_id ? json_integer(p->invitee_id) : json_null(),
                                               "joined_at", yf_api_time_json(p->joined_ms)));
    }
    g_ptr_array_unref(ps);
    return items;
}

/* Adds to o what the caller may also read: "recording" and "recordings" with
 * recording.read, "notes" with notes.read. FALSE with *err on a store failure. */
static gboolean add_readable_parts(yf_api_req *r, const yf_hearing *h, const yf_case *c, json_t *o,
                                   GError **err)
{
    yf_authz_object obj = {.kase = c, .case_type = -1, .hearing_id = h->id};
    json_t *part;
    if (yf_api_may(r, YF_ACT_RECORDING_READ, &obj)) {
        if (!(part = yf_api_recording_items(r, h, err)))
            return FALSE;
        json_object_set_new(o, "recording", yf_api_recording_status(r, h->id));
        json_object_set_new(o, "recordings", part);
    }
    if (yf_api_may(r, YF_ACT_NOTES_READ, &obj)) {
        if (!(part = yf_api_notes_json(r, h->id, err)))
            return FALSE;
        json_object_set_new(o, "notes", part);
    }
    return TRUE;
}

void yf_api_hearing_get(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    GError *err = NULL;
    json_t *o = NULL, *ps = NULL;
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_CASE_READ, &h, &c))
        goto out;
    o = hearing_json(&h);
    if ((ps = participants_json(r, h.id, &err)))
        json_object_set_new(o, "participants", ps);
    if (!ps || !add_readable_parts(r, &h, &c, o, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    yf_api_reply_json(r, 200, g_steal_pointer(&o));
out:
    g_clear_error(&err);
    json_decref(o);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_hearing_end(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    GError *err = NULL;
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_HEARING_RUN, &h, &c))
        goto out;
    if (h.end_ms) {
        yf_api_error(r, 409, "conflict", "the hearing has already ended");
        goto out;
    }
    yf_hearing_clear(&h);
    if (!yf_store_hearing_end(r->api->store, yf_principal_actor(&r->who), r->now_ms, r->ids[0], &err) ||
        !yf_store_hearing_get(r->api->store, r->ids[0], &h, &err)) {
        yf_api_store_error(r, err, TRUE);
        goto out;
    }
    yf_api_hearing_ended(r->api, h.id);
    yf_api_reply_json(r, 200, hearing_json(&h));
out:
    g_clear_error(&err);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_hearing_ended(yf_api *api, int64_t hearing_id)
{
    if (api->hooks.hearing_ended)
        api->hooks.hearing_ended(api->hooks_user, hearing_id);
}

/* Whether staff_id may run hearing h (hearing.run on its case): the check
 * yf_api_load_hearing makes for a REST caller. */
static gboolean may_run(yf_api *api, int64_t staff_id, const yf_hearing *h, GError **err)
{
    yf_principal who = {.kind = YF_PRINCIPAL_STAFF};
    yf_case c = {0};
    gboolean ok = FALSE;
    if (!yf_store_staff_get(api->store, staff_id, &who.staff, err) || !yf_store_case_get(api->store, h->case_id, &c, err))
        goto out;
    yf_authz_object obj = {.kase = &c, .case_type = -1, .hearing_id = h->id};
    ok = !who.staff.disabled && yf_authz_check(api->store, &who, YF_ACT_HEARING_RUN, &obj) == YF_AUTHZ_ALLOW;
out:
    yf_principal_clear(&who);
    yf_case_clear(&c);
    return ok;
}

yf_api_end_result yf_api_hearing_end_as(yf_api *api, int64_t staff_id, int64_t now_ms, int64_t hearing_id,
                                        const char **why)
{
    yf_hearing h = {0};
    GError *err = NULL;
    yf_api_end_result res = YF_API_END_FAILED;
    *why = "the hearing could not be ended; try again";
    if (!yf_store_hearing_get(api->store, hearing_id, &h, &err))
        goto out;
    if (!may_run(api, staff_id, &h, &err)) {
        if (!err) {
            res = YF_API_END_FORBIDDEN;
            *why = "only the case's prosecutor may end this hearing";
        }
        goto out;
    }
    if (h.end_ms) {
        res = YF_API_END_ALREADY;
        *why = "the hearing has already ended";
        goto out;
    }
    if (yf_store_hearing_end(api->store, yf_actor_staff(staff_id), now_ms, hearing_id, &err))
        res = YF_API_END_OK;
out:
    if (err)
        g_warning("hearing %" G_GINT64_FORMAT ": cannot end it for staff:%" G_GINT64_FORMAT ": %s",
                  (gint64)hearing_id, (gint64)staff_id, err->message);
    g_clear_error(&err);
    yf_hearing_clear(&h);
    return res;
}

static gboolean in_list(GPtrArray *ps, int64_t staff_id)
{
    for (guint k = 0; k < ps->len; k++)
        if (((const yf_participant *)g_ptr_array_index(ps, k))->staff_id == staff_id)
            return TRUE;
    return FALSE;
}

/* Whether the staff member is a participant of h; FALSE with *err on a store error. */
static gboolean is_participant(yf_api_req *r, const yf_hearing *h, int64_t staff_id, GError **err)
{
    GPtrArray *ps = yf_store_participant_list(r->api->store, h->id, err);
    gboolean in = ps && in_list(ps, staff_id);
    if (ps)
        g_ptr_array_unref(ps);
    return in;
}

void yf_api_hearing_add_staff(yf_api_req *r)
{
    static const char *const fields[] = {"staff_id", NULL};
    yf_hearing h = {0};
    yf_case c = {0};
    yf_staff s = {0};
    int64_t sid = 0, pid = 0;
    GError *err = NULL;
    json_t *o = NULL;
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_HEARING_RUN, &h, &c) || !(o = yf_api_body_object(r)) ||
        !yf_api_only_fields(r, o, fields) ||
        !yf_api_field_int(r, o, "staff_id", TRUE, 1, G_MAXINT64, &sid, NULL))
        goto out;
    if (!yf_store_staff_get(r->api->store, sid, &s, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    if (s.disabled || s.role == YF_ROLE_ADMIN || is_participant(r, &h, s.id, &err)) {
        if (err)
            yf_api_store_error(r, err, FALSE);
        else
            yf_api_error(r, 409, "conflict", "%s", s.disabled ? "the account is disabled"
                         : s.role == YF_ROLE_ADMIN ? "an administrator does not take part in hearings"
                                                   : "already a participant of this hearing");
        goto out;
    }
    if (!yf_store_participant_add(r->api->store, yf_principal_actor(&r->who), r->now_ms, h.id,
                                  s.display_name, yf_role_code(s.role), s.id, 0, &pid, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    yf_api_reply_json(r, 201, json_pack("{s:I, s:I, s:I}", "id", (json_int_t)pid,
                                        "hearing_id", (json_int_t)h.id, "staff_id", (json_int_t)sid));
out:
    g_clear_error(&err);
    json_decref(o);
    yf_staff_clear(&s);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

/* Who the host may invite into hearing ids[0]: enabled staff other than
 * administrators who are not its participants yet; names and roles only. */
void yf_api_hearing_invitable(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    GError *err = NULL;
    GPtrArray *staff = NULL, *ps = NULL;
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_HEARING_RUN, &h, &c))
        goto out;
    if (!(ps = yf_store_participant_list(r->api->store, h.id, &err)) ||
        !(staff = yf_store_staff_list(r->api->store, -1, &err))) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    json_t *items = json_array();
    for (guint i = 0; i < staff->len; i++) {
        const yf_staff *s = g_ptr_array_index(staff, i);
        if (!in_list(ps, s->id) && !s->disabled && s->role != YF_ROLE_ADMIN)
            json_array_append_new(items, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)s->id,
                                                   "display_name", s->display_name, "role", yf_role_code(s->role)));
    }
    yf_api_reply_json(r, 200, json_pack("{s:o}", "items", items));
out:
    g_clear_error(&err);
    if (staff)
        g_ptr_array_unref(staff);
    if (ps)
        g_ptr_array_unref(ps);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}
