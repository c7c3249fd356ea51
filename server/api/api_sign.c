/* api_sign.c -- the participants' own decisions on a finalized note (笔录核对):
 * an invitee reads the notes on their own page and confirms with a handwritten
 * signature or objects with a reason; staff who took part do the same from the
 * console; the signature images are served to those who read the notes, each
 * view audited. Who must confirm is the store's rule (store_sign.h); the body
 * is checked by sign_body.c; this file maps both to HTTP. */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <string.h>

#include "server/store/store_reads.h"
#include "server/store/store_sign.h"
#include "sign_body.h"

static json_t *signer_json(const yf_note_signer *s)
{
    return json_pack("{s:I, s:s, s:s, s:b, s:o, s:o, s:b, s:s, s:o}", "participant_id",
                     (json_int_t)s->participant_id, "name", s->name, "role", s->role, "must_confirm", s->must,
                     "decision", s->decided ? json_string(s->confirm ? "confirm" : "refuse") : json_null(),
                     "by", s->decided ? json_string(s->by_self ? "self" : "staff") : json_null(),
                     "signature", s->has_signature, "reason", s->reason, "at", yf_api_time_json(s->at_ms));
}

json_t *yf_api_signers_json(yf_api_req *r, int64_t hearing_id, GError **error)
{
    GPtrArray *list = yf_store_note_signers(r->api->store, hearing_id, error);
    if (list == NULL)
        return NULL;
    json_t *items = json_array();
    for (guint i = 0; i < list->len; i++)
        json_array_append_new(items, signer_json(list->pdata[i]));
    g_ptr_array_unref(list);
    return items;
}

/* Whether invitee `was` (a participant's) is the holder `now`: the same
 * invitation, or one reissued in its place (replaced_by, followed a few links:
 * a link lost after the hearing is reissued, and the new one must still sign). */
static gboolean same_invitee(yf_api_req *r, int64_t was, int64_t now)
{
    for (int i = 0; was && i < 8; i++) {
        if (was == now)
            return TRUE;
        yf_invitee inv = {0};
        int64_t next = yf_store_invitee_get(r->api->store, was, &inv, NULL) ? inv.replaced_by : 0;
        yf_invitee_clear(&inv);
        was = next;
    }
    return FALSE;
}

/* The signer row of hearing_id that staff_id or invitee_id is (a copy in
 * *out), FALSE when they are not among the signers; *error on a store failure. */
static gboolean find_signer(yf_api_req *r, int64_t hearing_id, int64_t staff_id, int64_t invitee_id,
                            yf_note_signer *out, GError **error)
{
    GPtrArray *list = yf_store_note_signers(r->api->store, hearing_id, error);
    gboolean found = FALSE;
    for (guint i = 0; list && i < list->len && !found; i++) {
        yf_note_signer *s = list->pdata[i];
        if ((staff_id && s->staff_id == staff_id) || (invitee_id && same_invitee(r, s->invitee_id, invitee_id))) {
            *out = *s;
            memset(s, 0, sizeof *s);   /* moved out */
            found = TRUE;
        }
    }
    if (list)
        g_ptr_array_unref(list);
    return found;
}

static void signer_clear(yf_note_signer *s)
{
    g_free(s->name);
    g_free(s->role);
    g_free(s->reason);
    memset(s, 0, sizeof *s);
}

/* The latest hearing of the invitee's appointment, 0 before the first. */
static int64_t invitee_hearing(yf_api_req *r)
{
    GPtrArray *hs = yf_store_hearing_list(r->api->store, 0, r->who.invitee.appointment_id, NULL);
    int64_t id = hs && hs->len ? ((yf_hearing *)hs->pdata[hs->len - 1])->id : 0;
    if (hs)
        g_ptr_array_unref(hs);
    return id;
}

/* Body parse errors as 400 bad_request with the parser's sentence. */
static gboolean parse_body(yf_api_req *r, yf_sign_body *b)
{
    GError *err = NULL;
    json_t *o = yf_api_body_object(r);
    if (o == NULL)
        return FALSE;
    gboolean ok = yf_sign_body_parse(o, b, &err);
    if (!ok) {
        char *safe = g_strescape(err->message, NULL);   /* it may quote a client's key */
        g_message("%s %s: refused signature body: %s", r->method == YF_API_POST ? "POST" : "?", r->path, safe);
        g_free(safe);
        yf_api_error(r, 400, "bad_request", "%s", err->message);
        g_error_free(err);
    }
    json_decref(o);
    return ok;
}

/* Writes the decision of signer s; FALSE after replying the refusal. */
static gboolean sign(yf_api_req *r, int64_t hearing_id, const yf_note_signer *s, const yf_sign_body *b)
{
    GError *err = NULL;
    if (!s->must) {
        yf_api_error(r, 403, "forbidden", "only those who took part in the hearing confirm its notes");
        return FALSE;
    }
    if (yf_store_note_sign(r->api->store, yf_principal_actor(&r->who), r->now_ms, hearing_id, s->participant_id,
                           b->confirm, b->reason, b->png, b->width, b->height, &err)) {
        if (r->api->hooks.notes_changed)   /* the evidence package is built again with the decision */
            r->api->hooks.notes_changed(r->api->hooks_user, hearing_id);
        return TRUE;
    }
    if (g_error_matches(err, YF_STORE_ERROR, YF_STORE_ERROR_CONFLICT))
        yf_api_error(r, 409, "conflict", "you have already given your decision on these notes");
    else if (g_error_matches(err, YF_STORE_ERROR, YF_STORE_ERROR_INVALID) ||
             g_error_matches(err, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND))
        yf_api_error(r, 409, "conflict", "the notes are not finalized yet");
    else
        yf_api_store_error(r, err, FALSE);
    g_clear_error(&err);
    return FALSE;
}

/* GET /invitation/notes: what the invitee reads and decides on. The notes
 * only once finalized (a draft is not theirs to read); no one else's decision. */
static void reply_invitation_notes(yf_api_req *r, int64_t hearing_id)
{
    GError *err = NULL;
    yf_note_signer me = {0};
    int64_t final_ms = 0;
    json_t *notes = NULL;
    gboolean found = FALSE;
    if (hearing_id && (!yf_store_note_finalized(r->api->store, hearing_id, &final_ms, &err) ||
                       (!(found = find_signer(r, hearing_id, 0, r->who.invitee.id, &me, &err)) && err) ||
                       (final_ms && !(notes = yf_api_notes_json(r, hearing_id, &err))))) {
        yf_api_store_error(r, err, FALSE);
        g_clear_error(&err);
        signer_clear(&me);
        return;
    }
    json_t *o = json_pack("{s:o, s:s, s:o, s:b, s:o}", "finalized_at", yf_api_time_json(final_ms),
                          "text", notes ? json_string_value(json_object_get(notes, "text")) : "",
                          "entries", notes ? json_incref(json_object_get(notes, "entries")) : json_array(),
                          "must_confirm", found && me.must,
                          "decision", found && me.decided
                              ? json_pack("{s:s, s:s, s:o, s:b}", "decision", me.confirm ? "confirm" : "refuse",
                                          "reason", me.reason, "at", yf_api_time_json(me.at_ms),
                                          "signature", me.has_signature)
                              : json_null());
    json_decref(notes);
    signer_clear(&me);
    yf_api_reply_json(r, 200, o);
}

/* An invitation's own routes: its holder (invitation.read, which no staff
 * role has), and one who confirms notes (notes.sign: not 旁听). */
static gboolean invitee_signs(yf_api_req *r)
{
    return yf_api_authorize(r, YF_ACT_INVITATION_READ, NULL) && yf_api_authorize(r, YF_ACT_NOTES_SIGN, NULL);
}

void yf_api_invitation_notes_get(yf_api_req *r)
{
    if (invitee_signs(r))
        reply_invitation_notes(r, invitee_hearing(r));
}

void yf_api_invitation_notes_confirm(yf_api_req *r)
{
    yf_sign_body b = {0};
    yf_note_signer me = {0};
    GError *err = NULL;
    int64_t hearing_id = 0;
    if (!invitee_signs(r) || !parse_body(r, &b))
        goto out;
    hearing_id = invitee_hearing(r);
    if (hearing_id == 0 || !find_signer(r, hearing_id, 0, r->who.invitee.id, &me, &err)) {
        if (err)
            yf_api_store_error(r, err, FALSE);
        else
            yf_api_error(r, 403, "forbidden", "only those who took part in the hearing confirm its notes");
        goto out;
    }
    if (sign(r, hearing_id, &me, &b))
        reply_invitation_notes(r, hearing_id);
out:
    g_clear_error(&err);
    signer_clear(&me);
    yf_sign_body_clear(&b);
}

/* POST /hearings/{id}/notes/sign: a staff member who took part decides for
 * themselves; the reply is the note as GET /hearings/{id}/notes shows it. */
void yf_api_notes_sign(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    yf_sign_body b = {0};
    yf_note_signer me = {0};
    GError *err = NULL;
    json_t *o = NULL;
    /* the reply is the whole note: notes.read, then notes.sign on the hearing */
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_NOTES_READ, &h, &c))
        goto out;
    yf_authz_object obj = {.kase = &c, .case_type = -1, .hearing_id = h.id};
    if (!yf_api_authorize(r, YF_ACT_NOTES_SIGN, &obj) || !parse_body(r, &b))
        goto out;
    if (!find_signer(r, h.id, r->who.staff.id, 0, &me, &err)) {
        if (err)
            yf_api_store_error(r, err, FALSE);
        else
            yf_api_error(r, 403, "forbidden", "only those who took part in the hearing confirm its notes");
        goto out;
    }
    if (!sign(r, h.id, &me, &b))
        goto out;
    if (!(o = yf_api_notes_json(r, h.id, &err))) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    json_object_set_new(o, "hearing_id", json_integer(h.id));
    yf_api_reply_json(r, 200, o);
out:
    g_clear_error(&err);
    signer_clear(&me);
    yf_sign_body_clear(&b);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

/* GET /hearings/{id}/notes/signatures/{participant_id}: the PNG as kept,
 * audited as note.signature_view before a byte is sent. */
void yf_api_notes_signature(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    GError *err = NULL;
    GBytes *png = NULL;
    char *object = NULL, *detail = NULL;
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_NOTES_READ, &h, &c))
        goto out;
    if (!(png = yf_store_note_signature_png(r->api->store, h.id, r->ids[1], &err))) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    object = g_strdup_printf("hearing:%" G_GINT64_FORMAT, (gint64)h.id);
    detail = g_strdup_printf("participant=%" G_GINT64_FORMAT, (gint64)r->ids[1]);
    if (!yf_store_audit_record(r->api->store, yf_principal_actor(&r->who), r->now_ms, "note.signature_view",
                               object, detail, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    yf_api_reply_bytes(r, 200, "image/png", png);
out:
    g_clear_error(&err);
    if (png)
        g_bytes_unref(png);
    g_free(object);
    g_free(detail);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}
