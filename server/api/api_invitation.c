/* api_invitation.c -- what a person holding an invitation may see and do: their
 * own appointment, their case's progress (stages with dates and both deadlines:
 * no notes, no summary, no one's contact data), one satisfaction rating after
 * the hearing, and a room token (the admission is audited by the store). The
 * first successful view or room token marks the link opened. */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <string.h>

#include "server/store/store_reads.h"

#define ROOM_TOKEN_TTL_S (4 * 3600)

static const char *invitee_room_role(yf_invitee_role role)
{
    switch (role) {
    case YF_INVITEE_PETITIONER: return "petitioner";
    case YF_INVITEE_AGENT: return "lawyer";
    case YF_INVITEE_INTERPRETER: return "interpreter";
    case YF_INVITEE_HEARING_MEMBER: return "hearing_officer";
    case YF_INVITEE_WITNESS: return "witness";   /* speaks when admitted; only 旁听 is receive-only */
    default: return "observer";
    }
}

/* The latest hearing of the appointment into *h (zeroed when none). */
static void latest_hearing(yf_api_req *r, int64_t appointment_id, yf_hearing *h)
{
    GPtrArray *hs = yf_store_hearing_list(r->api->store, 0, appointment_id, NULL);
    memset(h, 0, sizeof *h);
    if (hs && hs->len) {
        yf_hearing *last = g_ptr_array_index(hs, hs->len - 1);
        *h = *last;
        memset(last, 0, sizeof *last);   /* moved out */
    }
    if (hs)
        g_ptr_array_unref(hs);
}

/* The holder's link worked: the store keeps its first use as opened_at
 * (once, audited as invitation.open). A failure to write it is logged and
 * does not stand between the petitioner and their page. */
static void note_opened(yf_api_req *r)
{
    GError *err = NULL;
    if (r->who.invitee.opened_ms == 0 &&
        !yf_store_invitation_opened(r->api->store, r->who.invitee.id, r->now_ms, &err)) {
        g_warning("invitee:%" G_GINT64_FORMAT ": the first use of the link was not recorded: %s",
                  (gint64)r->who.invitee.id, err->message);
        g_error_free(err);
    }
}

static json_t *progress_json(yf_api_req *r, const yf_case *c)
{
    GDate today;
    yf_api_today(r, &today);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b}", "case_no", c->case_no,
                          "type", yf_case_type_code(c->type), "type_label", yf_case_type_label(c->type),
                          "stage", yf_stage_code(c->stage), "stage_label", yf_stage_label(c->stage),
                          "received", yf_api_date_json(&c->received),
                          "reply_due", yf_api_date_json(&c->reply_due),
                          "result_due", yf_api_date_json(&c->result_due),
                          "overdue", yf_api_days_overdue(c, &today, NULL) > 0);
    json_t *stages = json_array();
    GPtrArray *ev = yf_store_case_events(r->api->store, c->id, NULL);
    for (guint i = 0; ev && i < ev->len; i++) {
        const yf_case_event *e = g_ptr_array_index(ev, i);
        json_array_append_new(stages, json_pack("{s:s, s:s, s:o}", "stage", yf_stage_code(e->to_stage),
                                                "label", yf_stage_label(e->to_stage),
                                                "at", yf_api_time_json(e->at_ms)));
    }
    if (ev)
        g_ptr_array_unref(ev);
    json_object_set_new(o, "stages", stages);
    return o;
}

static json_t *appointment_view(yf_api_req *r, const yf_appointment *a, const yf_hearing *h)
{
    yf_staff host = {0};
    yf_store_staff_get(r->api->store, a->host_id, &host, NULL);
    char *room = yf_api_room_name(a->id);
    json_t *o = json_pack("{s:I, s:o, s:s, s:b, s:s, s:s}", "id", (json_int_t)a->id,
                          "starts_at", yf_api_time_json(a->start_ms), "title", a->title,
                          "cancelled", a->cancelled, "host", host.display_name ? host.display_name : "",
                          "room", room);
    json_object_set_new(o, "hearing", h->id ? json_pack("{s:o, s:o}", "started_at", yf_api_time_json(h->start_ms),
                                                        "ended_at", yf_api_time_json(h->end_ms))
                                            : json_null());
    g_free(room);
    yf_staff_clear(&host);
    return o;
}

void yf_api_invitation_get(yf_api_req *r)
{
    yf_appointment a = {0};
    yf_hearing h = {0};
    yf_case c = {0};
    GError *err = NULL;
    const yf_invitee *me = &r->who.invitee;
    if (!yf_api_authorize(r, YF_ACT_INVITATION_READ, NULL))
        return;
    if (!yf_store_appointment_get(r->api->store, me->appointment_id, &a, &err) ||
        !yf_store_case_get(r->api->store, a.case_id, &c, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    latest_hearing(r, a.id, &h);
    yf_authz_object obj = {.kase = &c, .case_type = -1};
    gboolean sees_case = yf_authz_check(r->api->store, &r->who, YF_ACT_INVITATION_PROGRESS, &obj) == YF_AUTHZ_ALLOW;
    gboolean may_rate = yf_authz_check(r->api->store, &r->who, YF_ACT_INVITATION_RATE, &obj) == YF_AUTHZ_ALLOW;
    int64_t rated = yf_store_rating_count(r->api->store, yf_principal_actor(&r->who), NULL);
    json_t *o = json_pack("{s:{s:s, s:s, s:o}, s:o, s:o, s:{s:b, s:b}}",
                          "invitee", "name", me->name, "role", yf_invitee_role_code(me->role),
                          "expires_at", yf_api_time_json(me->expires_ms),
                          "appointment", appointment_view(r, &a, &h),
                          "case", sees_case ? progress_json(r, &c) : json_null(),
                          "rating", "submitted", rated > 0,
                          "open", may_rate && rated == 0 && h.end_ms != 0);
    note_opened(r);
    yf_api_reply_json(r, 200, o);
out:
    g_clear_error(&err);
    yf_appointment_clear(&a);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_invitation_rate(yf_api_req *r)
{
    static const char *const fields[] = {"score", "comment", NULL};
    yf_appointment a = {0};
    yf_hearing h = {0};
    int64_t score = 0, id = 0;
    const char *comment = NULL;
    GError *err = NULL;
    json_t *o = NULL;
    if (!yf_api_authorize(r, YF_ACT_INVITATION_RATE, NULL) || !(o = yf_api_body_object(r)) ||
        !yf_api_only_fields(r, o, fields) || !yf_api_field_int(r, o, "score", TRUE, 1, 5, &score, NULL) ||
        !yf_api_field_str(r, o, "comment", FALSE, 2000, &comment))
        goto out;
    if (!yf_store_appointment_get(r->api->store, r->who.invitee.appointment_id, &a, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    latest_hearing(r, a.id, &h);
    int64_t rated = yf_store_rating_count(r->api->store, yf_principal_actor(&r->who), &err);
    if (rated != 0 || h.end_ms == 0) {
        if (rated < 0)
            yf_api_store_error(r, err, FALSE);
        else
            yf_api_error(r, 409, "conflict", rated ? "a rating was already submitted"
                                                    : "the hearing has not ended yet");
        goto out;
    }
    if (!yf_store_rating_add(r->api->store, yf_principal_actor(&r->who), r->now_ms, a.case_id, h.id,
                             (int)score, comment ? comment : "", &id, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    yf_api_reply_json(r, 201, json_pack("{s:I, s:I}", "id", (json_int_t)id, "score", (json_int_t)score));
out:
    g_clear_error(&err);
    json_decref(o);
    yf_appointment_clear(&a);
    yf_hearing_clear(&h);
}

void yf_api_invitation_room_token(yf_api_req *r)
{
    yf_appointment a = {0};
    yf_invitee admitted = {0};
    GError *err = NULL;
    const yf_invitee *me = &r->who.invitee;
    if (!yf_api_authorize(r, YF_ACT_INVITATION_ENTER, NULL))
        return;
    const char *code = NULL, *why = NULL;
    if (!yf_store_appointment_get(r->api->store, me->appointment_id, &a, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    if (!yf_store_appointment_open(r->api->store, a.id, &code, &why)) {
        yf_api_error(r, 409, code, "%s", why);
        goto out;
    }
    if (!yf_store_invitation_admit(r->api->store, r->invitation, a.id, me->role, r->now_ms, &admitted, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    note_opened(r);
    char *room = yf_api_room_name(a.id);
    char *pid = g_strdup_printf("invitee:%" G_GINT64_FORMAT, (gint64)me->id);
    int64_t exp = MIN(r->now_ms / 1000 + ROOM_TOKEN_TTL_S, me->expires_ms / 1000);
    yf_room_claims claims = {room, pid, me->name, (char *)invitee_room_role(me->role), exp, NULL};
    char *token = yf_room_token_mint(&r->api->room_key, &claims);
    yf_api_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:o}", "room", room, "role", claims.role,
                                        "token", token, "expires_at", yf_api_time_json(exp * 1000)));
    g_free(token);
    g_free(pid);
    g_free(room);
out:
    g_clear_error(&err);
    yf_invitee_clear(&admitted);
    yf_appointment_clear(&a);
}
