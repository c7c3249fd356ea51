/* api_aid.c -- 司法救助 (judicial aid) disbursed in a hearing as a guided
 * template (docs/api.md "Judicial aid"): the disbursement opened for an aid
 * hearing (decision number, amount, payee, receiving account), 1 the
 * identity still taken from the server's own capture of the applicant's
 * video (the recorder's hook), 2 the decision document uploaded and shown on
 * the applicant's screen, 3 the amount and account read out and the
 * applicant asked to confirm, 4 the applicant's confirmation from their own
 * page (Invitation auth, stamped with its moment in the hearing), 5 the
 * receipt PDF once the recording's hash exists. Each step writes a 【系统】
 * line into the notes and an audit entry. Who may: aid.run (aid staff, the
 * case's prosecutor); the applicant: aid.confirm (api_aid_applicant.c, with
 * the decision's pages). */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "server/print/receipt.h"
#include "server/store/store_aid.h"
#include "server/store/store_reads.h"
#include "api_aid.h"

#define DOC_MAX (8 * 1024 * 1024)   /* a decision document's bytes */

/* ---- views ---- */

static void hex_of(const guint8 *b, char out[65])
{
    for (int i = 0; i < 32; i++)
        g_snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The account as screens show it: its first and last 4 characters around
 * "**** ****" ("6222 **** **** 3445"), spaces dropped; "********" when it has
 * 8 characters or fewer. How long it is is not shown either. */
char *yf_api_aid_mask_account(const char *account)
{
    GString *d = g_string_new(NULL);
    for (const char *p = account ? account : ""; *p; p++)
        if (*p != ' ')
            g_string_append_c(d, *p);
    char *out = d->len > 8 ? g_strdup_printf("%.4s **** **** %s", d->str, d->str + d->len - 4) : g_strdup("********");
    g_string_free(d, TRUE);
    return out;
}

static json_t *file_json(const yf_aid_file *f, const char *url)
{
    char hex[65];
    hex_of(f->sha256, hex);
    json_t *o = json_pack("{s:I, s:s, s:I, s:s, s:o, s:s}", "id", (json_int_t)f->id, "media_type", f->media_type,
                          "size_bytes", (json_int_t)f->size_bytes, "sha256", hex,
                          "created_at", yf_api_time_json(f->created_ms), "url", url);
    if (f->kind == YF_AID_STILL)
        json_object_set_new(o, "taken_at", yf_api_time_json(f->moment_ms));
    return o;
}

/* The newest file of kind as JSON, or null. */
static json_t *latest_json(yf_api_req *r, const yf_aid *a, yf_aid_file_kind kind)
{
    yf_aid_file f = {0};
    if (!yf_store_aid_file_latest(r->api->store, a->id, kind, &f, NULL))
        return json_null();
    char *url = g_strdup_printf(YF_API_MOUNTPOINT "/aid/%" G_GINT64_FORMAT "/%s", (gint64)a->id,
                                yf_aid_file_kind_code(kind));
    json_t *o = file_json(&f, url);
    g_free(url);
    yf_aid_file_clear(&f);
    return o;
}

/* Whether the hearing's recording is done: the receipt can carry its hash. */
static gboolean recording_done(yf_api_req *r, int64_t hearing_id)
{
    json_t *s = yf_api_recording_status(r, hearing_id);
    gboolean done = !g_strcmp0(json_string_value(json_object_get(s, "state")), "done");
    json_decref(s);
    return done;
}

/* The step under way: 1 identity, 2 decision, 3 amount and account, 4 the
 * applicant's confirmation, 5 receipt, 6 all done. */
static int current_step(json_t *o)
{
    if (json_is_null(json_object_get(o, "still")))
        return 1;
    if (json_is_null(json_object_get(o, "decision")) || json_is_null(json_object_get(o, "shown_at")))
        return 2;
    if (json_is_null(json_object_get(o, "asked_at")))
        return 3;
    if (json_is_null(json_object_get(o, "confirmed_at")))
        return 4;
    return json_is_null(json_object_get(o, "receipt")) ? 5 : 6;
}

/* The disbursement as staff with aid.run see it (the account in full). */
static json_t *aid_json(yf_api_req *r, const yf_aid *a, const yf_hearing *h)
{
    char *figures = yf_print_amount_figures(a->amount_fen), *caps = yf_print_amount_caps(a->amount_fen);
    char *masked = yf_api_aid_mask_account(a->account);
    json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)a->id,
                          "case_id", (json_int_t)a->case_id, "hearing_id", (json_int_t)a->hearing_id,
                          "decision_no", a->decision_no, "amount_fen", (json_int_t)a->amount_fen,
                          "amount", figures, "amount_caps", caps, "payee", a->payee, "bank", a->bank,
                          "account", a->account, "account_masked", masked,
                          "created_at", yf_api_time_json(a->created_ms));
    json_object_set_new(o, "still", latest_json(r, a, YF_AID_STILL));
    char *err = NULL;
    gboolean taking = r->api->hooks.still_state &&
                      r->api->hooks.still_state(r->api->hooks_user, a->id, &err);
    json_object_set_new(o, "still_taking", json_boolean(taking));
    json_object_set_new(o, "still_error", err ? json_string(err) : json_null());
    g_free(err);
    json_object_set_new(o, "decision", latest_json(r, a, YF_AID_DECISION));
    json_object_set_new(o, "shown_at", yf_api_time_json(a->shown_ms));
    json_object_set_new(o, "asked_at", yf_api_time_json(a->asked_ms));
    json_object_set_new(o, "confirmed_at", yf_api_time_json(a->confirmed_ms));
    json_object_set_new(o, "confirm_offset_ms", a->confirmed_ms ? json_integer(a->confirm_offset_ms) : json_null());
    json_object_set_new(o, "receipt", latest_json(r, a, YF_AID_RECEIPT));
    json_object_set_new(o, "hearing_ended", json_boolean(h->end_ms != 0));
    json_object_set_new(o, "receipt_ready", json_boolean(h->end_ms != 0 && a->confirmed_ms != 0 &&
                                                         recording_done(r, h->id)));
    json_object_set_new(o, "step", json_integer(current_step(o)));
    g_free(figures);
    g_free(caps);
    g_free(masked);
    return o;
}

/* ---- loading and checks ---- */

/* Disbursement id with its hearing and case, checked for aid.run; FALSE after the reply. */
static gboolean aid_for(yf_api_req *r, int64_t id, yf_aid *a, yf_hearing *h, yf_case *c)
{
    GError *err = NULL;
    if (!yf_api_authorize(r, YF_ACT_AID_RUN, NULL))
        return FALSE;
    if (!yf_store_aid_get(r->api->store, id, a, &err)) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return FALSE;
    }
    return yf_api_load_hearing(r, a->hearing_id, YF_ACT_AID_RUN, h, c);
}

static void reply_aid(yf_api_req *r, unsigned status, int64_t id, const yf_hearing *h)
{
    yf_aid a = {0};
    GError *err = NULL;
    if (!yf_store_aid_get(r->api->store, id, &a, &err)) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return;
    }
    yf_api_reply_json(r, status, aid_json(r, &a, h));
    yf_aid_clear(&a);
}

/* A 【系统】 line at the moment now of the hearing; a failure (the notes are
 * finalized) is logged: the step itself is in the audit log. */
static void G_GNUC_PRINTF(4, 0) note_v(yf_api *api, int64_t now_ms, const yf_hearing *h, const char *fmt, va_list ap)
{
    GError *err = NULL;
    char *body = g_strdup_vprintf(fmt, ap);
    char *text = g_strdup_printf("【系统】%s", body);
    int64_t at = h->end_ms ? h->end_ms : now_ms;
    if (!yf_store_note_add_entry(api->store, yf_actor_system(), now_ms, h->id, MAX(at - h->start_ms, 0), text,
                                 NULL, &err)) {
        g_message("hearing %" G_GINT64_FORMAT ": aid note not added (%s): %s", (gint64)h->id, err->message, text);
        g_error_free(err);
    }
    g_free(text);
    g_free(body);
}

void yf_api_aid_system_note(yf_api_req *r, const yf_hearing *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    note_v(r->api, r->now_ms, h, fmt, ap);
    va_end(ap);
}

static void G_GNUC_PRINTF(4, 5) note_at(yf_api *api, int64_t now_ms, const yf_hearing *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    note_v(api, now_ms, h, fmt, ap);
    va_end(ap);
}

/* HEARING_DIR/aid (made 0700), as open() takes it (g_free). */
char *yf_api_aid_dir(yf_api *api, int64_t hearing_id)
{
    char *d = g_strdup_printf("%s/recordings/h%" G_GINT64_FORMAT "/aid", api->data_dir, (gint64)hearing_id);
    if (g_mkdir_with_parents(d, 0700) != 0)
        g_warning("cannot make %s: %s", d, g_strerror(errno));
    return d;
}

/* A file of a step written 0600 as HEARING_DIR/aid/<name>: hashed and
 * synced on a thread (yf_api_later), recorded in the store back on the
 * control thread. */
typedef struct {
    int64_t aid_id, hearing_id;
    yf_actor actor;
    yf_aid_file_kind kind;
    const char *media_type;    /* static */
    char *path, *name;         /* absolute; the base name */
    GBytes *bytes;
    guint8 sha256[32];
    GError *err;
} aid_write;

static void aid_write_free(gpointer data)
{
    aid_write *w = data;
    g_free(w->path);
    g_free(w->name);
    if (w->bytes)
        g_bytes_unref(w->bytes);
    g_clear_error(&w->err);
    g_free(w);
}

/* The thread: hash, write, sync; nothing of the store. */
static void aid_write_work(gpointer data)
{
    aid_write *w = data;
    gsize len, n = 32;
    const guint8 *p = g_bytes_get_data(w->bytes, &len);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    g_checksum_update(ck, p, len);
    g_checksum_get_digest(ck, w->sha256, &n);
    g_checksum_free(ck);
    char *dir = g_path_get_dirname(w->path);
    if (g_mkdir_with_parents(dir, 0700) != 0)
        g_set_error(&w->err, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot make %s: %s", dir, g_strerror(errno));
    else
        g_file_set_contents_full(w->path, (const char *)p, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &w->err);
    g_free(dir);
}

/* The file into the store (audited): FALSE + *err. */
static gboolean aid_write_record(yf_api *api, int64_t now_ms, aid_write *w, GError **err)
{
    if (w->err) {
        *err = g_error_copy(w->err);
        return FALSE;
    }
    yf_aid_file f = {.aid_id = w->aid_id, .kind = w->kind, .media_type = (char *)w->media_type,
                     .size_bytes = (int64_t)g_bytes_get_size(w->bytes),
                     .path = w->path + strlen(api->data_dir) + 1};   /* relative to the data directory */
    memcpy(f.sha256, w->sha256, 32);
    return yf_store_aid_file_add(api->store, w->actor, now_ms, &f, NULL, err);
}

/* The reply keeps its content type by reference: one of these literals. */
static const char *static_type(const char *t)
{
    static const char *const known[] = {"application/pdf", "image/png", "image/jpeg"};
    for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
        if (!g_strcmp0(t, known[i]))
            return known[i];
    return "application/octet-stream";
}

void yf_api_aid_send_file(yf_api_req *r, const yf_aid *a, yf_aid_file_kind kind)
{
    yf_aid_file f = {0};
    GError *err = NULL;
    int64_t size = 0;
    if (!yf_store_aid_file_latest(r->api->store, a->id, kind, &f, &err)) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return;
    }
    char *path = g_build_filename(r->api->data_dir, f.path, NULL);
    int fd = yf_api_open_file(path, &size);
    if (fd < 0) {
        yf_api_error(r, 404, "not_found", "the file is gone");
    } else if (!yf_store_aid_file_access(r->api->store, yf_principal_actor(&r->who), r->now_ms, &f, 0, &err)) {
        close(fd);
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
    } else {
        const char *ext = strchr(f.media_type, '/');
        char *name = g_strdup_printf("aid-%" G_GINT64_FORMAT "-%s.%s", (gint64)a->id, yf_aid_file_kind_code(kind),
                                     !strcmp(f.media_type, "image/jpeg") ? "jpg" : ext ? ext + 1 : "bin");
        yf_api_send_file(r, fd, size, static_type(f.media_type), kind != YF_AID_RECEIPT, name);
        g_free(name);
    }
    g_free(path);
    yf_aid_file_clear(&f);
}

/* ---- staff: open and read ---- */

void yf_api_aid_create(yf_api_req *r)
{
    static const char *const fields[] = {"decision_no", "amount_fen", "payee", "bank", "account", NULL};
    const char *decision_no = NULL, *payee = NULL, *bank = NULL, *account = NULL;
    int64_t amount = 0, id = 0;
    yf_hearing h = {0};
    yf_case c = {0};
    json_t *body = NULL;
    GError *err = NULL;
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_AID_RUN, &h, &c) || !(body = yf_api_body_object(r)))
        goto out;
    if (!yf_api_only_fields(r, body, fields) ||
        !yf_api_field_str(r, body, "decision_no", TRUE, YF_AID_DECISION_NO_MAX, &decision_no) ||
        !yf_api_field_int(r, body, "amount_fen", TRUE, 1, YF_AID_AMOUNT_MAX, &amount, NULL) ||
        !yf_api_field_str(r, body, "payee", TRUE, YF_AID_PAYEE_MAX, &payee) ||
        !yf_api_field_str(r, body, "bank", TRUE, YF_AID_BANK_MAX, &bank) ||
        !yf_api_field_str(r, body, "account", TRUE, 64, &account))
        goto out;
    if (h.kind != YF_HEARING_AID_DISBURSEMENT || h.end_ms) {
        yf_api_error(r, 409, "conflict", h.end_ms ? "the hearing has ended"
                                                  : "only a 司法救助 (aid_disbursement) hearing disburses aid");
        goto out;
    }
    if (!yf_store_aid_open(r->api->store, yf_principal_actor(&r->who), r->now_ms, c.id, h.id, decision_no, amount,
                           payee, bank, account, &id, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    reply_aid(r, 201, id, &h);
out:
    g_clear_error(&err);
    json_decref(body);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_aid_of_hearing(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    yf_aid a = {0};
    GError *err = NULL;
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_AID_RUN, &h, &c))
        goto out;
    if (!yf_store_aid_of_hearing(r->api->store, h.id, &a, &err))
        yf_api_store_error(r, err, FALSE);
    else
        yf_api_reply_json(r, 200, aid_json(r, &a, &h));
out:
    g_clear_error(&err);
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_aid_of_appointment(yf_api_req *r)
{
    yf_appointment ap = {0};
    yf_case c = {0};
    yf_hearing h = {0};
    yf_aid a = {0};
    int64_t hearing_id = 0;
    if (!yf_api_appointment_for(r, YF_ACT_AID_RUN, &ap, &c, &hearing_id))
        goto out;
    json_t *o = json_pack("{s:o, s:o}", "hearing_id", hearing_id ? json_integer(hearing_id) : json_null(), "aid",
                          json_null());
    if (hearing_id && yf_store_hearing_get(r->api->store, hearing_id, &h, NULL)) {
        json_object_set_new(o, "hearing_kind", json_string(yf_hearing_kind_code(h.kind)));
        json_object_set_new(o, "hearing_ended", json_boolean(h.end_ms != 0));
        if (yf_store_aid_of_hearing(r->api->store, h.id, &a, NULL))
            json_object_set_new(o, "aid", aid_json(r, &a, &h));
    }
    yf_api_reply_json(r, 200, o);
out:
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
    yf_appointment_clear(&ap);
    yf_case_clear(&c);
}

void yf_api_aid_of_case(yf_api_req *r)
{
    yf_case c = {0};
    GError *err = NULL;
    if (!yf_api_case_for(r, YF_ACT_AID_RUN, &c))
        return;
    GPtrArray *list = yf_store_aid_of_case(r->api->store, c.id, &err);
    if (!list) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        yf_case_clear(&c);
        return;
    }
    json_t *items = json_array();
    for (guint i = 0; i < list->len; i++) {
        const yf_aid *a = list->pdata[i];
        yf_hearing h = {0};
        if (yf_store_hearing_get(r->api->store, a->hearing_id, &h, NULL))
            json_array_append_new(items, aid_json(r, a, &h));
        yf_hearing_clear(&h);
    }
    g_ptr_array_unref(list);
    yf_api_reply_json(r, 200, json_pack("{s:o}", "items", items));
    yf_case_clear(&c);
}

/* ---- staff: the steps ---- */

void yf_api_aid_still_take(yf_api_req *r)
{
    yf_aid a = {0};
    yf_hearing h = {0};
    yf_case c = {0};
    GError *err = NULL;
    if (!aid_for(r, r->ids[0], &a, &h, &c))
        goto out;
    if (h.end_ms) {
        yf_api_error(r, 409, "conflict", "the hearing has ended: the still is taken while the applicant is in the room");
        goto out;
    }
    if (!r->api->hooks.still_take) {
        yf_api_error(r, 503, "busy", "this server records no video now");
        goto out;
    }
    if (!r->api->hooks.still_take(r->api->hooks_user, h.id, a.id, "petitioner", r->who.staff.id, &err)) {
        yf_api_error(r, 409, "conflict", "%s", err->message);
        goto out;
    }
    reply_aid(r, 202, a.id, &h);
out:
    g_clear_error(&err);
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_aid_still_get(yf_api_req *r)
{
    yf_aid a = {0};
    yf_hearing h = {0};
    yf_case c = {0};
    if (aid_for(r, r->ids[0], &a, &h, &c))
        yf_api_aid_send_file(r, &a, YF_AID_STILL);
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

/* The type of a decision document by its first bytes, or NULL. */
static const char *doc_type(const guint8 *p, gsize n, const char **ext)
{
    if (n >= 5 && !memcmp(p, "%PDF-", 5))
        return *ext = "pdf", "application/pdf";
    if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
        return *ext = "png", "image/png";
    if (n >= 3 && !memcmp(p, "\xff\xd8\xff", 3))
        return *ext = "jpg", "image/jpeg";
    return NULL;
}

gboolean yf_api_aid_upload_path(const yf_api_req *r)
{
    return r->method == YF_API_PUT && g_str_has_prefix(r->path, "/aid/") && g_str_has_suffix(r->path, "/decision");
}

/* Back on the control thread: the decision into the store, drawn as pages
 * for the applicant, the notes told of a replacement; the reply to r. */
static void decision_written(yf_api *api, yf_api_req *r, gpointer data)
{
    aid_write *w = data;
    GError *err = NULL;
    int64_t now = r ? r->now_ms : g_get_real_time() / 1000;
    yf_aid before = {0};
    g_hash_table_remove(api->aid_busy, &w->aid_id);
    gboolean was_shown = yf_store_aid_get(api->store, w->aid_id, &before, NULL) && before.shown_ms != 0;
    yf_aid_clear(&before);
    if (!aid_write_record(api, now, w, &err)) {
        g_warning("aid %" G_GINT64_FORMAT ": %s not kept: %s", (gint64)w->aid_id, w->name, err->message);
        g_unlink(w->path);   /* not in the case file: not kept on disk either */
        if (r && err->domain == YF_STORE_ERROR)
            yf_api_store_error(r, err, TRUE);
        else if (r)
            yf_api_error(r, 500, "internal", "the file could not be kept");
        g_error_free(err);
        return;
    }
    if (g_str_has_suffix(w->name, ".pdf"))
        yf_api_aid_rasterize(api, w->hearing_id, w->name);
    yf_hearing h = {0};
    gboolean have_h = yf_store_hearing_get(api->store, w->hearing_id, &h, NULL);
    if (was_shown && have_h)   /* the store withdrew the one shown */
        note_at(api, now, &h, "更换救助决定书：原决定书已从申请人屏幕撤下，新决定书宣读后再展示");
    if (r)
        reply_aid(r, 201, w->aid_id, &h);
    yf_hearing_clear(&h);
}

void yf_api_aid_decision_put(yf_api_req *r)
{
    yf_aid a = {0};
    yf_hearing h = {0};
    yf_case c = {0};
    const char *ext = NULL, *type;
    if (!aid_for(r, r->ids[0], &a, &h, &c))
        goto out;
    type = doc_type(r->body->data, r->body->len, &ext);
    if (r->body->len == 0 || r->body->len > DOC_MAX || !type) {
        g_message("aid %" G_GINT64_FORMAT ": a decision document of %u bytes refused", (gint64)a.id, r->body->len);
        yf_api_error(r, r->body->len > DOC_MAX ? 413 : 400, r->body->len > DOC_MAX ? "too_large" : "bad_request",
                     "the decision document must be a PDF, PNG or JPEG file of at most %d MiB", DOC_MAX >> 20);
        goto out;
    }
    if (a.confirmed_ms) {
        yf_api_error(r, 409, "conflict", "the applicant has already confirmed this decision");
        goto out;
    }
    if (a.asked_ms) {   /* what was read out and asked about is what gets confirmed */
        yf_api_error(r, 409, "conflict", "the applicant has been asked to confirm the decision already shown");
        goto out;
    }
    /* one decision of a disbursement is written at a time: they are then
     * recorded in the order they were sent, the last one sent the latest */
    if (g_hash_table_contains(r->api->aid_busy, &a.id)) {
        yf_api_error(r, 409, "conflict", "the decision sent before is still being saved; try again in a moment");
        goto out;
    }
    aid_write *w = g_new0(aid_write, 1);
    w->aid_id = a.id;
    w->hearing_id = h.id;
    w->actor = yf_principal_actor(&r->who);
    w->kind = YF_AID_DECISION;
    w->media_type = type;
    w->name = g_strdup_printf("decision-%" G_GINT64_FORMAT ".%s", (gint64)r->now_ms, ext);
    char *dir = yf_api_aid_dir(r->api, h.id);
    w->path = g_build_filename(dir, w->name, NULL);
    g_free(dir);
    w->bytes = g_byte_array_free_to_bytes(r->body);
    r->body = g_byte_array_new();
    int64_t *busy = g_new(int64_t, 1);
    *busy = a.id;
    g_hash_table_add(r->api->aid_busy, busy);
    yf_api_later(r->api, r, aid_write_work, decision_written, w, aid_write_free);
out:
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_aid_decision_get(yf_api_req *r)
{
    yf_aid a = {0};
    yf_hearing h = {0};
    yf_case c = {0};
    if (aid_for(r, r->ids[0], &a, &h, &c))
        yf_api_aid_send_file(r, &a, YF_AID_DECISION);
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

/* A step whose body is {}: show the decision, ask for the confirmation. */
static void step(yf_api_req *r, const char *which)
{
    static const char *const none[] = {NULL};
    yf_aid a = {0};
    yf_hearing h = {0};
    yf_case c = {0};
    yf_aid_file f = {0};
    json_t *body = NULL;
    GError *err = NULL;
    gboolean show = !strcmp(which, "show");
    if (!aid_for(r, r->ids[0], &a, &h, &c) || !(body = yf_api_body_object(r)) || !yf_api_only_fields(r, body, none))
        goto out;
    if (h.end_ms) {
        yf_api_error(r, 409, "conflict", "the hearing has ended");
        goto out;
    }
    if (!yf_store_aid_file_latest(r->api->store, a.id, YF_AID_DECISION, &f, NULL)) {
        yf_api_error(r, 409, "conflict", "upload the decision document first");
        goto out;
    }
    if (!show && a.shown_ms == 0) {
        yf_api_error(r, 409, "conflict", "show the decision first");
        goto out;
    }
    yf_aid_file_clear(&f);
    if (!show && !yf_store_aid_file_latest(r->api->store, a.id, YF_AID_STILL, &f, NULL)) {
        yf_api_error(r, 409, "conflict", "take the identity still first");
        goto out;
    }
    char *figures = yf_print_amount_figures(a.amount_fen), *caps = yf_print_amount_caps(a.amount_fen);
    char *masked = yf_api_aid_mask_account(a.account);
    char *detail = show ? g_strdup_printf("decision=%s", a.decision_no)
                        : g_strdup_printf("amount_fen=%" G_GINT64_FORMAT, (gint64)a.amount_fen);
    gboolean ok = yf_store_aid_step(r->api->store, yf_principal_actor(&r->who), r->now_ms, a.id, which, detail, &err);
    if (ok && show)
        yf_api_aid_system_note(r, &h, "宣读救助决定书（%s），决定书已在申请人屏幕上展示", a.decision_no);
    else if (ok)
        yf_api_aid_system_note(r, &h, "请申请人确认：救助金额 %s 元（人民币%s），领取人 %s，%s 账号 %s", figures, caps, a.payee,
                    a.bank, masked);
    if (ok)
        reply_aid(r, 200, a.id, &h);
    else
        yf_api_store_error(r, err, TRUE);
    g_free(figures);
    g_free(caps);
    g_free(masked);
    g_free(detail);
out:
    g_clear_error(&err);
    json_decref(body);
    yf_aid_file_clear(&f);
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_aid_show(yf_api_req *r)
{
    step(r, "show");
}

void yf_api_aid_ask(yf_api_req *r)
{
    step(r, "ask");
}

/* ---- the receipt ---- */

/* The composite's SHA-256 (hex) and where its time 0 lies in the hearing. */
static gboolean composite_of(yf_store *st, const yf_hearing *h, char hex[65], int64_t *offset_ms)
{
    GPtrArray *list = yf_store_recording_list(st, h->id, NULL);
    gboolean found = FALSE;
    for (guint i = 0; list && i < list->len && !found; i++) {
        const yf_recording *rec = list->pdata[i];
        if (rec->participant_id != 0 || rec->deliberation)
            continue;
        hex_of(rec->sha256, hex);
        *offset_ms = rec->start_ms ? rec->start_ms - h->start_ms : 0;
        found = TRUE;
    }
    if (list)
        g_ptr_array_unref(list);
    return found;
}

/* A receipt being made: what it prints, gathered from the store on the
 * control thread (the strings kept in `keep`), drawn and written on a thread,
 * recorded back on the control thread. */
typedef struct {
    aid_write w;               /* first: aid_write_work and _record take it */
    yf_receipt rc;
    GPtrArray *keep;           /* the strings rc points into */
    GArray *people;            /* yf_receipt_person */
} receipt_job;

static void receipt_job_free(gpointer data)
{
    receipt_job *j = data;
    g_ptr_array_unref(j->keep);
    g_array_unref(j->people);
    g_free(j->w.path);
    g_free(j->w.name);
    if (j->w.bytes)
        g_bytes_unref(j->w.bytes);
    g_clear_error(&j->w.err);
    g_free(j);
}

static const char *kept(receipt_job *j, char *s)
{
    g_ptr_array_add(j->keep, s);
    return s;
}

/* The thread: draw, then hash, write and sync as any aid file. */
static void receipt_work(gpointer data)
{
    receipt_job *j = data;
    j->w.bytes = yf_receipt_pdf(&j->rc, &j->w.err);
    if (j->w.bytes)
        aid_write_work(&j->w);
}

static void receipt_written(yf_api *api, yf_api_req *r, gpointer data)
{
    receipt_job *j = data;
    GError *err = NULL;
    int64_t now = r ? r->now_ms : g_get_real_time() / 1000;
    if (!aid_write_record(api, now, &j->w, &err)) {
        g_warning("aid %" G_GINT64_FORMAT ": no receipt: %s", (gint64)j->w.aid_id, err->message);
        g_unlink(j->w.path);
        if (r)
            yf_api_error(r, 500, "internal", "the receipt could not be made");
        g_error_free(err);
        return;
    }
    if (api->hooks.notes_changed)   /* the evidence package is built again with the receipt */
        api->hooks.notes_changed(api->hooks_user, j->w.hearing_id);
    yf_hearing h = {0};
    if (r && yf_store_hearing_get(api->store, j->w.hearing_id, &h, &err))
        reply_aid(r, 201, j->w.aid_id, &h);
    else if (r)
        yf_api_store_error(r, err, FALSE);
    g_clear_error(&err);
    yf_hearing_clear(&h);
}

/* Starts the receipt of a confirmed disbursement whose hearing's composite
 * is attached: kept 0600 under HEARING_DIR/aid and recorded (audited
 * aid.receipt) once drawn; the reply to r (or none) comes then. FALSE when
 * it is not ready (not confirmed, not ended, no composite). */
static gboolean receipt_start(yf_api *api, yf_api_req *r, int64_t now_ms, yf_actor actor, const char *issued_by,
                              const yf_aid *a, const yf_hearing *h, const yf_case *c)
{
    char rec_hex[65], still_hex[65] = "", doc_hex[65] = "";
    int64_t rec_offset = 0;
    if (!a->confirmed_ms || !h->end_ms || !composite_of(api->store, h, rec_hex, &rec_offset))
        return FALSE;
    receipt_job *j = g_new0(receipt_job, 1);
    j->keep = g_ptr_array_new_with_free_func(g_free);
    j->people = g_array_new(FALSE, TRUE, sizeof(yf_receipt_person));
    yf_aid_file still = {0}, doc = {0};
    if (yf_store_aid_file_latest(api->store, a->id, YF_AID_STILL, &still, NULL))
        hex_of(still.sha256, still_hex);
    if (yf_store_aid_file_latest(api->store, a->id, YF_AID_DECISION, &doc, NULL))
        hex_of(doc.sha256, doc_hex);
    yf_aid_file_clear(&still);
    yf_aid_file_clear(&doc);
    GPtrArray *ps = yf_store_participant_list(api->store, h->id, NULL);
    for (guint i = 0; ps && i < ps->len; i++) {
        const yf_participant *p = ps->pdata[i];
        yf_receipt_person e = {kept(j, g_strdup(p->name)), yf_participant_role_label(p->role)};   /* labels: static */
        g_array_append_val(j->people, e);
    }
    if (ps)
        g_ptr_array_unref(ps);
    j->rc = (yf_receipt){
        .case_no = kept(j, g_strdup(c->case_no)), .decision_no = kept(j, g_strdup(a->decision_no)),
        .amount_fen = a->amount_fen, .payee = kept(j, g_strdup(a->payee)), .bank = kept(j, g_strdup(a->bank)),
        .account_masked = kept(j, yf_api_aid_mask_account(a->account)), .hearing_start_ms = h->start_ms,
        .hearing_end_ms = h->end_ms, .confirmed_ms = a->confirmed_ms,
        .confirm_offset_ms = a->confirm_offset_ms - rec_offset, .issued_ms = now_ms,
        .people = (const yf_receipt_person *)(void *)j->people->data, .n_people = j->people->len,
        .recording_sha256 = kept(j, g_strdup(rec_hex)), .still_sha256 = *still_hex ? kept(j, g_strdup(still_hex)) : NULL,
        .decision_sha256 = *doc_hex ? kept(j, g_strdup(doc_hex)) : NULL,
        .issued_by = issued_by ? kept(j, g_strdup(issued_by)) : NULL,
    };
    j->w.aid_id = a->id;
    j->w.hearing_id = h->id;
    j->w.actor = actor;
    j->w.kind = YF_AID_RECEIPT;
    j->w.media_type = "application/pdf";
    j->w.name = g_strdup_printf("receipt-%" G_GINT64_FORMAT ".pdf", (gint64)now_ms);
    char *dir = yf_api_aid_dir(api, h->id);
    j->w.path = g_build_filename(dir, j->w.name, NULL);
    g_free(dir);
    yf_api_later(api, r, receipt_work, receipt_written, j, receipt_job_free);
    return TRUE;
}

void yf_api_aid_processed(yf_api *api, int64_t hearing_id)
{
    yf_aid a = {0};
    yf_aid_file f = {0};
    yf_hearing h = {0};
    yf_case c = {0};
    yf_staff s = {0};
    GError *err = NULL;
    int64_t now = g_get_real_time() / 1000;
    if (!yf_store_aid_of_hearing(api->store, hearing_id, &a, NULL) || !a.confirmed_ms ||
        yf_store_aid_file_latest(api->store, a.id, YF_AID_RECEIPT, &f, NULL))
        goto out;   /* no disbursement, not confirmed, or its receipt is made */
    if (g_str_has_prefix(a.created_by, "staff:"))
        yf_store_staff_get(api->store, g_ascii_strtoll(a.created_by + 6, NULL, 10), &s, NULL);
    if (!yf_store_hearing_get(api->store, hearing_id, &h, &err) || !yf_store_case_get(api->store, h.case_id, &c, &err))
        g_warning("hearing %" G_GINT64_FORMAT ": no aid receipt made: %s", (gint64)hearing_id, err->message);
    else if (!receipt_start(api, NULL, now, yf_actor_system(), s.display_name, &a, &h, &c))
        g_warning("hearing %" G_GINT64_FORMAT ": no aid receipt made: the hearing's recording has no composite",
                  (gint64)hearing_id);
out:
    g_clear_error(&err);
    yf_staff_clear(&s);
    yf_aid_file_clear(&f);
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_aid_resume(yf_api *api)
{
    GError *err = NULL;
    GPtrArray *list = yf_store_aid_without_receipt(api->store, &err);
    if (!list) {
        g_warning("aid receipts left by a stop not looked for: %s", err->message);
        g_error_free(err);
        return;
    }
    for (guint i = 0; i < list->len; i++)   /* each makes its receipt if its recording is processed */
        yf_api_aid_processed(api, ((const yf_aid *)list->pdata[i])->hearing_id);
    g_ptr_array_unref(list);
}

void yf_api_aid_receipt_make(yf_api_req *r)
{
    static const char *const none[] = {NULL};
    yf_aid a = {0};
    yf_hearing h = {0};
    yf_case c = {0};
    json_t *body = NULL;
    if (!aid_for(r, r->ids[0], &a, &h, &c) || !(body = yf_api_body_object(r)) || !yf_api_only_fields(r, body, none))
        goto out;
    if (!a.confirmed_ms) {
        yf_api_error(r, 409, "conflict", "the applicant has not confirmed yet");
        goto out;
    }
    if (!h.end_ms || !recording_done(r, h.id)) {
        yf_api_error(r, 409, "not_ready", "the receipt carries the recording's SHA-256: it can be made once the "
                                          "hearing has ended and its recording is processed");
        goto out;
    }
    if (!receipt_start(r->api, r, r->now_ms, yf_principal_actor(&r->who), r->who.staff.display_name, &a, &h, &c))
        yf_api_error(r, 409, "not_ready", "the hearing's recording has no composite yet");
out:
    json_decref(body);
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_aid_receipt_get(yf_api_req *r)
{
    yf_aid a = {0};
    yf_hearing h = {0};
    yf_case c = {0};
    if (aid_for(r, r->ids[0], &a, &h, &c))
        yf_api_aid_send_file(r, &a, YF_AID_RECEIPT);
    yf_aid_clear(&a);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}
