/* api_appointments.c -- appointments: scheduling with invitations (whose raw
 * tokens appear only in the creating reply), the appointment and its invitees
 * as staff see them, the listing under a case, and staff room tokens (whose
 * admission is audited here; the store audits the rest). */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <string.h>

#include "server/store/store_reads.h"

#define MAX_INVITEES 20
#define ROOM_TOKEN_TTL_S (4 * 3600)
#define INVITATION_GRACE_MS (24 * 3600 * 1000LL)   /* after the start, by default */

char *yf_api_room_name(int64_t appointment_id)
{
    return g_strdup_printf("appt-%" G_GINT64_FORMAT, (gint64)appointment_id);
}

static json_t *invitee_json(const yf_invitee *i)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:o, s:b, s:o, s:o, s:o}", "id", (json_int_t)i->id,
                     "name", i->name, "role", yf_invitee_role_code(i->role), "contact", i->contact,
                     "expires_at", yf_api_time_json(i->expires_ms), "revoked", i->revoked_ms != 0,
                     "replaced_by", i->replaced_by ? json_integer(i->replaced_by) : json_null(),
                     "opened_at", yf_api_time_json(i->opened_ms), "admitted_at", yf_api_time_json(i->admitted_ms));
}

static json_t *appointment_json(yf_api_req *r, const yf_appointment *a)
{
    GError *err = NULL;
    yf_staff host = {0};
    yf_store_staff_get(r->api->store, a->host_id, &host, NULL);   /* a name for people; "" if gone */
    json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:o, s:s, s:s, s:s, s:b}", "id", (json_int_t)a->id,
                          "case_id", (json_int_t)a->case_id, "host_id", (json_int_t)a->host_id,
                          "host_name", host.display_name ? host.display_name : "",
                          "starts_at", yf_api_time_json(a->start_ms), "title", a->title,
                          "kind", yf_appointment_kind_code(a->kind), "kind_label", yf_appointment_kind_label(a->kind),
                          "cancelled", a->cancelled);
    json_object_set_new(o, "cancelled_at", yf_api_time_json(a->cancelled_ms));
    json_object_set_new(o, "cancel_reason", json_string(a->cancel_reason));
    json_t *inv = json_array();
    GPtrArray *list = yf_store_invitee_list(r->api->store, a->id, &err);
    for (guint i = 0; list && i < list->len; i++)
        json_array_append_new(inv, invitee_json(g_ptr_array_index(list, i)));
    json_object_set_new(o, "invitees", inv);
    char *room = yf_api_room_name(a->id);
    json_object_set_new(o, "room", json_string(room));
    g_free(room);
    if (list)
        g_ptr_array_unref(list);
    g_clear_error(&err);
    yf_staff_clear(&host);
    return o;
}

static json_t *appointment_item(yf_api_req *r, const void *item)
{
    return appointment_json(r, item);
}

/* Appointment ids[0] and its case, checked for action; FALSE after replying. */
gboolean yf_api_appointment_for(yf_api_req *r, yf_authz_action action, yf_appointment *a, yf_case *c,
                                int64_t *hearing_id)
{
    GError *err = NULL;
    if (!yf_store_appointment_get(r->api->store, r->ids[0], a, &err)) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return FALSE;
    }
    if (!yf_api_load_case(r, a->case_id, c))
        return FALSE;
    yf_authz_object obj = {.kase = c, .case_type = -1, .host_id = a->host_id};
    if (hearing_id) {
        GPtrArray *hs = yf_store_hearing_list(r->api->store, 0, a->id, NULL);
        *hearing_id = hs && hs->len ? ((yf_hearing *)g_ptr_array_index(hs, hs->len - 1))->id : 0;
        obj.hearing_id = *hearing_id;
        if (hs)
            g_ptr_array_unref(hs);
    }
    return yf_api_authorize(r, action, &obj);
}

typedef struct {
    const char *name, *contact;
    yf_invitee_role role;
} invitee_in;

static gboolean read_invitees(yf_api_req *r, json_t *arr, invitee_in *out, size_t *n)
{
    static const char *const fields[] = {"name", "role", "contact", NULL};
    size_t i;
    json_t *v;
    const char *role;
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > MAX_INVITEES) {
        yf_api_error(r, 400, "bad_request", "invitees must be an array of 1..%d objects", MAX_INVITEES);
        return FALSE;
    }
    json_array_foreach(arr, i, v) {
        if (!json_is_object(v)) {
            yf_api_error(r, 400, "bad_request", "invitees[%zu] must be an object", i);
            return FALSE;
        }
        if (!yf_api_only_fields(r, v, fields) || !yf_api_field_str(r, v, "name", TRUE, 200, &out[i].name) ||
            !yf_api_field_str(r, v, "role", TRUE, 32, &role) ||
            !yf_api_field_str(r, v, "contact", FALSE, 500, &out[i].contact))
            return FALSE;
        if (!yf_invitee_role_parse(role, &out[i].role)) {
            yf_api_error(r, 400, "bad_request", "invitees[%zu].role is not an invitee role", i);
            return FALSE;
        }
    }
    *n = i;
    return TRUE;
}

/* One issued invitation as the creating reply shows it, its raw token and join link included. */
static json_t *invitation_json(yf_api_req *r, int64_t id, const char *name, yf_invitee_role role, int64_t expires_ms,
                               const char *token)
{
    char *url = g_strdup_printf("%s/join.html?t=%s", r->api->public_url, token);
    json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:s, s:s}", "id", (json_int_t)id, "name", name,
                          "role", yf_invitee_role_code(role), "expires_at", yf_api_time_json(expires_ms),
                          "token", token, "join_url", url);
    g_free(url);
    return o;
}

static json_t *issue_invitations(yf_api_req *r, int64_t appt_id, const invitee_in *in, size_t n,
                                 int64_t expires_ms, GError **err)
{
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        int64_t id = 0;
        char *token = NULL;
        if (!yf_store_invitee_add(r->api->store, yf_principal_actor(&r->who), r->now_ms, appt_id,
                                  in[i].role, in[i].name, in[i].contact ? in[i].contact : "",
                                  expires_ms, &id, &token, err)) {
            g_clear_pointer(&out, json_decref);
            break;
        }
        json_array_append_new(out, invitation_json(r, id, in[i].name, in[i].role, expires_ms, token));
        g_free(token);
    }
    return out;
}

/* The optional "kind" field, a code or its label; FALSE after replying 400
 * with the allowed values. *kind is untouched when the field is absent. */
static gboolean read_kind(yf_api_req *r, json_t *o, yf_appointment_kind *kind)
{
    const char *v = NULL;
    if (!yf_api_field_str(r, o, "kind", FALSE, 32, &v))
        return FALSE;
    if (v == NULL || yf_appointment_kind_parse_any(v, kind))
        return TRUE;
    GString *all = g_string_new(NULL);
    for (int i = 0; i < YF_APPOINTMENT_KIND_COUNT_; i++)
        g_string_append_printf(all, "%s%s (%s)", i ? ", " : "", yf_appointment_kind_code((yf_appointment_kind)i),
                               yf_appointment_kind_label((yf_appointment_kind)i));
    yf_api_error(r, 400, "bad_request", "kind: unknown value; one of %s", all->str);
    g_string_free(all, TRUE);
    return FALSE;
}

/* FALSE after replying 400 naming the field when host is not an enabled staff account. */
static gboolean host_ok(yf_api_req *r, int64_t host)
{
    yf_staff s = {0};
    GError *err = NULL;
    gboolean ok = yf_store_staff_get(r->api->store, host, &s, &err) && !s.disabled;
    if (!ok && (err == NULL || err->code == YF_STORE_ERROR_NOT_FOUND))
        yf_api_error(r, 400, "bad_request", "field \"host\": %" G_GINT64_FORMAT " is not an enabled staff account",
                     (gint64)host);
    else if (!ok)
        yf_api_store_error(r, err, FALSE);
    g_clear_error(&err);
    yf_staff_clear(&s);
    return ok;
}

typedef struct {
    int64_t start_ms, expires_ms, host_id;
    yf_appointment_kind kind;
    const char *title;
    invitee_in inv[MAX_INVITEES];
    size_t n;
} appt_in;

static gboolean read_appointment(yf_api_req *r, json_t *o, const yf_case *c, appt_in *in)
{
    static const char *const fields[] = {"starts_at", "title", "host", "kind", "invitees", "expires_at", NULL};
    const char *starts, *expires;
    in->host_id = c->prosecutor_id ? c->prosecutor_id : r->who.staff.id;
    in->kind = c->type == YF_CASE_JUDICIAL_AID ? YF_APPOINTMENT_AID : YF_APPOINTMENT_RECEPTION;
    if (!yf_api_only_fields(r, o, fields) || !yf_api_field_str(r, o, "starts_at", TRUE, 40, &starts) ||
        !yf_api_field_str(r, o, "title", FALSE, 200, &in->title) ||
        !yf_api_field_str(r, o, "expires_at", FALSE, 40, &expires) ||
        !yf_api_field_int(r, o, "host", FALSE, 1, G_MAXINT64, &in->host_id, NULL) || !read_kind(r, o, &in->kind) ||
        !read_invitees(r, json_object_get(o, "invitees"), in->inv, &in->n))
        return FALSE;
    if (!yf_api_parse_time(starts, &in->start_ms) ||
        (expires && !yf_api_parse_time(expires, &in->expires_ms))) {
        yf_api_error(r, 400, "bad_request", "starts_at and expires_at are RFC 3339 times");
        return FALSE;
    }
    if (!expires)
        in->expires_ms = in->start_ms + INVITATION_GRACE_MS;
    if (in->expires_ms <= r->now_ms) {
        yf_api_error(r, 400, "bad_request", "the invitations would already have expired");
        return FALSE;
    }
    return host_ok(r, in->host_id);
}

void yf_api_appointment_create(yf_api_req *r)
{
    yf_case c = {0};
    yf_appointment a = {0};
    appt_in in = {0};
    GError *err = NULL;
    int64_t id = 0;
    json_t *o = NULL, *invs = NULL;
    if (!yf_api_load_case(r, r->ids[0], &c))
        goto out;
    yf_authz_object obj = {.kase = &c, .case_type = -1};
    if (!yf_api_authorize(r, YF_ACT_APPOINTMENT_CREATE, &obj) || !(o = yf_api_body_object(r)) ||
        !read_appointment(r, o, &c, &in))
        goto out;
    if (!yf_store_appointment_create(r->api->store, yf_principal_actor(&r->who), r->now_ms, c.id,
                                     in.host_id, in.start_ms, in.title ? in.title : "", in.kind, &id, &err) ||
        !(invs = issue_invitations(r, id, in.inv, in.n, in.expires_ms, &err)) ||
        !yf_store_appointment_get(r->api->store, id, &a, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    yf_api_reply_json(r, 201, json_pack("{s:o, s:o}", "appointment", appointment_json(r, &a),
                                        "invitations", g_steal_pointer(&invs)));
out:
    g_clear_error(&err);
    json_decref(invs);
    json_decref(o);
    yf_appointment_clear(&a);
    yf_case_clear(&c);
}

void yf_api_appointment_get(yf_api_req *r)
{
    yf_appointment a = {0};
    yf_case c = {0};
    if (yf_api_appointment_for(r, YF_ACT_CASE_READ, &a, &c, NULL))
        yf_api_reply_json(r, 200, appointment_json(r, &a));
    yf_appointment_clear(&a);
    yf_case_clear(&c);
}

void yf_api_case_appointments(yf_api_req *r)
{
    yf_case c = {0};
    GError *err = NULL;
    if (yf_api_case_for(r, YF_ACT_CASE_READ, &c))
        yf_api_reply_items_take(r, yf_store_appointment_list(r->api->store, c.id, &err), err, appointment_item);
    yf_case_clear(&c);
}

static const char *staff_room_role(yf_role role)
{
    return role == YF_ROLE_CLERK ? "clerk" : "prosecutor";   /* aid staff host the aid session */
}

void yf_api_appointment_room_token(yf_api_req *r)
{
    yf_appointment a = {0};
    yf_case c = {0};
    int64_t hearing_id = 0;
    if (!yf_api_appointment_for(r, YF_ACT_ROOM_ENTER, &a, &c, &hearing_id))
        goto out;
    if (a.cancelled) {
        yf_api_error(r, 409, "conflict", "the appointment is cancelled");
        goto out;
    }
    char *room = yf_api_room_name(a.id);
    char *pid = g_strdup_printf("staff:%" G_GINT64_FORMAT, (gint64)r->who.staff.id);
    /* Bound to this sign-in: the room refuses the token once it ends. */
    char *session = yf_store_session_ref(r->bearer);
    yf_room_claims claims = {room, pid, r->who.staff.display_name,
                             (char *)staff_room_role(r->who.staff.role),
                             r->now_ms / 1000 + ROOM_TOKEN_TTL_S, session};
    char *token = yf_room_token_mint(&r->api->room_key, &claims);
    char *object = g_strdup_printf("appointment:%" G_GINT64_FORMAT, (gint64)a.id);
    GError *err = NULL;
    if (!yf_store_audit_record(r->api->store, yf_principal_actor(&r->who), r->now_ms, "hearing.admit",
                               object, claims.role, &err))
        yf_api_store_error(r, err, FALSE);
    yf_api_reply_json(r, 200, json_pack("{s:s, s:s, s:s, s:o}", "room", room, "role", claims.role,
                                        "token", token,
                                        "expires_at", yf_api_time_json(claims.expires_s * 1000)));
    g_clear_error(&err);
    g_free(object);
    g_free(token);
    g_free(session);
    g_free(pid);
    g_free(room);
out:
    yf_appointment_clear(&a);
    yf_case_clear(&c);
}

/* ---- changes: reschedule, cancel; one invitation revoked or reissued ---- */

static void reply_appointment(yf_api_req *r, unsigned status, int64_t id)
{
    yf_appointment a = {0};
    GError *err = NULL;
    if (yf_store_appointment_get(r->api->store, id, &a, &err))
        yf_api_reply_json(r, status, appointment_json(r, &a));
    else
        yf_api_store_error(r, err, FALSE);
    g_clear_error(&err);
    yf_appointment_clear(&a);
}

/* A PATCH body into *ch; FALSE after replying 400. */
static gboolean read_change(yf_api_req *r, json_t *o, yf_appointment_change *ch)
{
    static const char *const fields[] = {"starts_at", "title", "host", "kind", NULL};
    const char *starts = NULL;
    yf_appointment_kind kind = YF_APPOINTMENT_KIND_COUNT_;
    *ch = (yf_appointment_change){.kind = -1, .default_grace_ms = INVITATION_GRACE_MS};
    if (!yf_api_only_fields(r, o, fields) || !yf_api_field_str(r, o, "starts_at", FALSE, 40, &starts) ||
        !yf_api_field_str(r, o, "title", FALSE, 200, &ch->title) ||
        !yf_api_field_int(r, o, "host", FALSE, 1, G_MAXINT64, &ch->host_id, NULL) || !read_kind(r, o, &kind))
        return FALSE;
    if (!starts && !ch->title && !ch->host_id && kind == YF_APPOINTMENT_KIND_COUNT_) {
        yf_api_error(r, 400, "bad_request", "nothing to change (starts_at, title, host, kind)");
        return FALSE;
    }
    ch->kind = kind == YF_APPOINTMENT_KIND_COUNT_ ? -1 : (int)kind;
    if (starts && !yf_api_parse_time(starts, &ch->start_ms)) {
        yf_api_error(r, 400, "bad_request", "field \"starts_at\" must be an RFC 3339 time");
        return FALSE;
    }
    if (starts && ch->start_ms + INVITATION_GRACE_MS <= r->now_ms) {
        yf_api_error(r, 400, "bad_request", "field \"starts_at\": the invitations would already have expired");
        return FALSE;
    }
    return ch->host_id == 0 || host_ok(r, ch->host_id);
}

void yf_api_appointment_patch(yf_api_req *r)
{
    yf_appointment a = {0};
    yf_case c = {0};
    yf_appointment_change ch;
    GError *err = NULL;
    json_t *o = NULL;
    if (!yf_api_appointment_for(r, YF_ACT_APPOINTMENT_MANAGE, &a, &c, NULL) || !(o = yf_api_body_object(r)) ||
        !read_change(r, o, &ch))
        goto out;
    if (yf_store_appointment_update(r->api->store, yf_principal_actor(&r->who), r->now_ms, a.id, &ch, NULL, &err))
        reply_appointment(r, 200, a.id);
    else
        yf_api_store_error(r, err, TRUE);   /* cancelled or started: 409 */
out:
    g_clear_error(&err);
    json_decref(o);
    yf_appointment_clear(&a);
    yf_case_clear(&c);
}

void yf_api_appointment_cancel(yf_api_req *r)
{
    static const char *const fields[] = {"reason", NULL};
    yf_appointment a = {0};
    yf_case c = {0};
    const char *reason = NULL;
    GError *err = NULL;
    json_t *o = NULL;
    if (!yf_api_appointment_for(r, YF_ACT_APPOINTMENT_MANAGE, &a, &c, NULL) || !(o = yf_api_body_object(r)) ||
        !yf_api_only_fields(r, o, fields) || !yf_api_field_str(r, o, "reason", TRUE, 500, &reason))
        goto out;
    if (yf_store_appointment_cancel(r->api->store, yf_principal_actor(&r->who), r->now_ms, a.id, reason, &err))
        reply_appointment(r, 200, a.id);
    else
        yf_api_store_error(r, err, TRUE);   /* already cancelled, or its hearing runs: 409 */
out:
    g_clear_error(&err);
    json_decref(o);
    yf_appointment_clear(&a);
    yf_case_clear(&c);
}

/* A body is not needed; one that is sent must be an object without fields. */
static gboolean no_fields(yf_api_req *r)
{
    static const char *const none[] = {NULL};
    if (r->body == NULL || r->body->len == 0)
        return TRUE;
    json_t *o = yf_api_body_object(r);
    gboolean ok = o && yf_api_only_fields(r, o, none);
    json_decref(o);
    return ok;
}

/* Invitation ids[0] with its appointment and case, checked for
 * appointment.manage on that case; FALSE after replying. */
static gboolean invitation_for(yf_api_req *r, yf_invitee *v, yf_appointment *a, yf_case *c)
{
    GError *err = NULL;
    if (!yf_store_invitee_get(r->api->store, r->ids[0], v, &err) ||
        !yf_store_appointment_get(r->api->store, v->appointment_id, a, &err)) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return FALSE;
    }
    if (!yf_api_load_case(r, a->case_id, c))
        return FALSE;
    yf_authz_object obj = {.kase = c, .case_type = -1, .host_id = a->host_id};
    return yf_api_authorize(r, YF_ACT_APPOINTMENT_MANAGE, &obj) && no_fields(r);
}

void yf_api_invitation_revoke(yf_api_req *r)
{
    yf_invitee v = {0};
    yf_appointment a = {0};
    yf_case c = {0};
    GError *err = NULL;
    if (!invitation_for(r, &v, &a, &c))
        goto out;
    yf_invitee_clear(&v);
    if (yf_store_invitation_revoke(r->api->store, yf_principal_actor(&r->who), r->now_ms, r->ids[0], &err) &&
        yf_store_invitee_get(r->api->store, r->ids[0], &v, &err))
        yf_api_reply_json(r, 200, invitee_json(&v));
    else
        yf_api_store_error(r, err, TRUE);   /* already revoked: 409 */
out:
    g_clear_error(&err);
    yf_invitee_clear(&v);
    yf_appointment_clear(&a);
    yf_case_clear(&c);
}

void yf_api_invitation_reissue(yf_api_req *r)
{
    yf_invitee v = {0};
    yf_appointment a = {0};
    yf_case c = {0};
    GError *err = NULL;
    int64_t id = 0;
    char *token = NULL;
    if (!invitation_for(r, &v, &a, &c))
        goto out;
    if (!yf_store_invitation_reissue(r->api->store, yf_principal_actor(&r->who), r->now_ms, v.id, &id, &token, &err)) {
        yf_api_store_error(r, err, TRUE);   /* reissued before, cancelled, expired: 409 */
        goto out;
    }
    json_t *o = invitation_json(r, id, v.name, v.role, v.expires_ms, token);
    json_object_set_new(o, "replaces", json_integer(v.id));
    yf_api_reply_json(r, 201, o);
out:
    g_clear_error(&err);
    g_free(token);
    yf_invitee_clear(&v);
    yf_appointment_clear(&a);
    yf_case_clear(&c);
}
