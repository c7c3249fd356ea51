/* api_notes.c -- a hearing's note (笔录) over the REST API: the clerk's entries,
 * the text, finalization, and each participant's confirmation or refusal as
 * recorded by the staff who read the finalized note to them. The store keeps the
 * rules (no entry after finalization, one decision per participant) and audits
 * every change; this file maps its answers to HTTP. */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include "server/store/store_reads.h"

#define MAX_REASON_CHARS 2000

static json_t *confirmations_json(GPtrArray *list)
{
    json_t *items = json_array();
    for (guint i = 0; i < list->len; i++) {
        const yf_note_confirmation *c = g_ptr_array_index(list, i);
        json_array_append_new(items, json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}",
                                               "participant_id", (json_int_t)c->participant_id,
                                               "name", c->name, "role", c->role,
                                               "decision", c->confirm ? "confirm" : "refuse",
                                               "reason", c->reason, "at", yf_api_time_json(c->at_ms)));
    }
    return items;
}

/* The entries one by one, for screens: who wrote each by name and role
 * (null for the recorder's 【系统】 lines), never the internal author id. */
static json_t *entries_json(GPtrArray *list)
{
    json_t *items = json_array();
    for (guint i = 0; i < list->len; i++) {
        const yf_note_entry *e = g_ptr_array_index(list, i);
        gboolean system = g_strcmp0(e->author, "system") == 0;
        json_array_append_new(items, json_pack("{s:I, s:I, s:o, s:o, s:s}", "id", (json_int_t)e->id,
                                               "offset_ms", (json_int_t)e->offset_ms,
                                               "written_at", yf_api_time_json(e->created_ms),
                                               "author", system ? json_null()
                                                      : json_pack("{s:s, s:s}", "name", e->name, "role", e->role),
                                               "text", e->text));
    }
    return items;
}

json_t *yf_api_notes_json(yf_api_req *r, int64_t hearing_id, GError **error)
{
    int64_t finalized_ms = 0;
    GPtrArray *list = NULL, *entries = NULL;
    json_t *o = NULL;
    char *text = yf_store_note_text(r->api->store, hearing_id, error);
    if (text && (entries = yf_store_note_entries(r->api->store, hearing_id, error)) &&
        yf_store_note_finalized(r->api->store, hearing_id, &finalized_ms, error) &&
        (list = yf_store_note_confirmations(r->api->store, hearing_id, error)))
        o = json_pack("{s:s, s:o, s:o, s:o}", "text", text, "entries", entries_json(entries),
                      "finalized_at", yf_api_time_json(finalized_ms), "confirmations", confirmations_json(list));
    json_t *signers = o ? yf_api_signers_json(r, hearing_id, error) : NULL;   /* api_sign.c */
    if (o && signers)
        json_object_set_new(o, "signers", signers);
    else if (o) {
        json_decref(o);
        o = NULL;
    }
    if (list)
        g_ptr_array_unref(list);
    if (entries)
        g_ptr_array_unref(entries);
    g_free(text);
    return o;
}

/* Replies 200 with the note of hearing h (what GET /hearings/{id}/notes shows). */
static void reply_note(yf_api_req *r, const yf_hearing *h)
{
    GError *err = NULL;
    json_t *o = yf_api_notes_json(r, h->id, &err);
    if (o == NULL) {
        yf_api_store_error(r, err, FALSE);
        g_clear_error(&err);
        return;
    }
    json_object_set_new(o, "hearing_id", json_integer(h->id));
    yf_api_reply_json(r, 200, o);
}

void yf_api_notes_get(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    if (yf_api_load_hearing(r, r->ids[0], YF_ACT_NOTES_READ, &h, &c))
        reply_note(r, &h);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_notes_add(yf_api_req *r)
{
    static const char *const fields[] = {"offset_ms", "text", NULL};
    yf_hearing h = {0};
    yf_case c = {0};
    const char *text;
    int64_t offset = 0, id = 0;
    gboolean given = FALSE;
    GError *err = NULL;
    json_t *o = NULL;
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_NOTES_WRITE, &h, &c) || !(o = yf_api_body_object(r)) ||
        !yf_api_only_fields(r, o, fields) ||
        !yf_api_field_int(r, o, "offset_ms", FALSE, 0, G_MAXINT64 / 2, &offset, &given) ||
        !yf_api_field_str(r, o, "text", TRUE, 20000, &text))
        goto out;
    if (!given)   /* the server's clock: now in the hearing (its end once it has ended) */
        offset = MAX(0, (h.end_ms ? MIN(r->now_ms, h.end_ms) : r->now_ms) - h.start_ms);
    if (!yf_store_note_add_entry(r->api->store, yf_principal_actor(&r->who), r->now_ms, h.id, offset,
                                 text, &id, &err)) {
        yf_api_store_error(r, err, TRUE);
        goto out;
    }
    yf_api_reply_json(r, 201, json_pack("{s:I, s:I}", "id", (json_int_t)id, "hearing_id", (json_int_t)h.id));
out:
    g_clear_error(&err);
    json_decref(o);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

/* No body is needed; the store refuses a second finalization (INVALID) and a
 * hearing without entries (NOT_FOUND: it has no note), both 409 here. */
/* The recorder packs the notes into the evidence package: it builds it again. */
static void notes_changed(yf_api_req *r, int64_t hearing_id)
{
    if (r->api->hooks.notes_changed)
        r->api->hooks.notes_changed(r->api->hooks_user, hearing_id);
}

void yf_api_notes_finalize(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    GError *err = NULL;
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_NOTES_WRITE, &h, &c))
        goto out;
    if (yf_store_note_finalize(r->api->store, yf_principal_actor(&r->who), r->now_ms, h.id, &err)) {
        notes_changed(r, h.id);
        reply_note(r, &h);
    }
    else if (g_error_matches(err, YF_STORE_ERROR, YF_STORE_ERROR_NOT_FOUND))
        yf_api_error(r, 409, "conflict", "the hearing has no note entries to finalize");
    else
        yf_api_store_error(r, err, TRUE);
out:
    g_clear_error(&err);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

typedef struct {
    int64_t participant_id;
    gboolean confirm;
    const char *reason;
} confirm_in;

static gboolean read_confirm(yf_api_req *r, json_t *o, confirm_in *in)
{
    static const char *const fields[] = {"participant_id", "confirm", "reason", NULL};
    if (!yf_api_only_fields(r, o, fields) ||
        !yf_api_field_int(r, o, "participant_id", TRUE, 1, G_MAXINT64, &in->participant_id, NULL) ||
        !yf_api_field_str(r, o, "reason", FALSE, MAX_REASON_CHARS, &in->reason))
        return FALSE;
    json_t *v = json_object_get(o, "confirm");
    if (!json_is_boolean(v)) {
        yf_api_error(r, 400, "bad_request", "field \"confirm\" must be true or false");
        return FALSE;
    }
    in->confirm = json_is_true(v);
    return TRUE;
}

/* Records one participant's decision on the finalized note. The actor is the
 * staff member recording it; the participant is named in the audit detail. */
void yf_api_notes_confirm(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    confirm_in in = {0};
    int64_t finalized_ms = 0;
    GError *err = NULL;
    json_t *o = NULL;
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_NOTES_WRITE, &h, &c) || !(o = yf_api_body_object(r)) ||
        !read_confirm(r, o, &in))
        goto out;
    if (!yf_store_note_finalized(r->api->store, h.id, &finalized_ms, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    if (finalized_ms == 0) {
        yf_api_error(r, 409, "conflict", "the note is not finalized yet");
        goto out;
    }
    if (yf_store_note_confirm(r->api->store, yf_principal_actor(&r->who), r->now_ms, h.id,
                              in.participant_id, in.confirm, in.reason ? in.reason : "", &err)) {
        notes_changed(r, h.id);
        reply_note(r, &h);
    }
    else if (g_error_matches(err, YF_STORE_ERROR, YF_STORE_ERROR_CONFLICT))
        yf_api_error(r, 409, "conflict", "participant %" G_GINT64_FORMAT " has already decided",
                     (gint64)in.participant_id);
    else
        yf_api_store_error(r, err, TRUE);   /* NOT_FOUND: not a participant of the hearing */
out:
    g_clear_error(&err);
    json_decref(o);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}
