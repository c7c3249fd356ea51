/* api_exports.c -- a recording's watermarked copy for someone outside the
 * case (docs/api.md "Exports"): asked for (202, a job the recorder makes when
 * its turn comes, at most YF_API_EXPORTS_PENDING in the whole server), looked
 * at with its progress, listed per recording, downloaded (audited before a
 * byte is sent). Who may: recording.export to ask and download,
 * recording.read to see what was exported. */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <string.h>
#include <unistd.h>

#include "server/store/store_reads.h"

#define YF_API_EXPORTS_PENDING 4   /* queued or being made, server-wide; more: 503 busy */
#define RETRY_AFTER_S "60"

static json_t *export_json(yf_api_req *r, const yf_export *e)
{
    char hex[65], url[96];
    yf_staff s = {0};
    double progress = e->state == YF_EXPORT_DONE ? 1.0 : 0.0;
    gboolean done = e->state == YF_EXPORT_DONE;

    if (e->state == YF_EXPORT_PROCESSING && r->api->hooks.export_progress)
        progress = MAX(0.0, r->api->hooks.export_progress(r->api->hooks_user, e->id));
    for (int k = 0; k < 32; k++)
        g_snprintf(hex + 2 * k, 3, "%02x", e->sha256[k]);
    g_snprintf(url, sizeof url, YF_API_MOUNTPOINT "/exports/%" G_GINT64_FORMAT "/download", (gint64)e->id);
    gboolean named = g_str_has_prefix(e->requested_by, "staff:") &&
                     yf_store_staff_get(r->api->store, g_ascii_strtoll(e->requested_by + 6, NULL, 10), &s, NULL);
    json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:f, s:o, s:o, s:o, s:o, s:o}",
                          "id", (json_int_t)e->id, "recording_id", (json_int_t)e->recording_id,
                          "hearing_id", (json_int_t)e->hearing_id, "recipient", e->recipient,
                          "organisation", e->organisation, "purpose", e->purpose,
                          "requested_by", e->requested_by,
                          "requested_by_name", named ? json_string(s.display_name) : json_null(),
                          "created_at", yf_api_time_json(e->requested_ms),
                          "state", yf_export_state_code(e->state), "progress", progress,
                          "size_bytes", done ? json_integer(e->size_bytes) : json_null(),
                          "sha256", done ? json_string(hex) : json_null(),
                          "finished_at", yf_api_time_json(e->finished_ms),
                          "error", e->state == YF_EXPORT_FAILED ? json_string(e->error) : json_null(),
                          "download_url", done ? json_string(url) : json_null());
    yf_staff_clear(&s);
    return o;
}

/* The hearing of recording id, checked for action; FALSE after the reply. */
static gboolean recording_for(yf_api_req *r, int64_t id, yf_authz_action action, yf_hearing *h, yf_case *c)
{
    int64_t hearing_id = 0;
    GError *err = NULL;
    if (!yf_api_authorize(r, action, NULL))
        return FALSE;
    if (!yf_store_recording_hearing(r->api->store, id, &hearing_id, &err)) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return FALSE;
    }
    return yf_api_load_hearing(r, hearing_id, action, h, c);
}

/* Export id, checked for action on its hearing; FALSE after the reply. */
static gboolean export_for(yf_api_req *r, int64_t id, yf_authz_action action, yf_export *e)
{
    yf_hearing h = {0};
    yf_case c = {0};
    GError *err = NULL;
    gboolean ok = yf_api_authorize(r, action, NULL);
    if (ok && !yf_store_export_get(r->api->store, id, e, &err)) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        ok = FALSE;
    }
    ok = ok && yf_api_load_hearing(r, e->hearing_id, action, &h, &c);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
    return ok;
}

/* FALSE after replying 503 when the export queue is full (or cannot be read). */
static gboolean room_in_queue(yf_api_req *r)
{
    GError *err = NULL;
    GPtrArray *pending = yf_store_export_list(r->api->store, 0, &err);
    if (!pending) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return FALSE;
    }
    guint n = pending->len;
    g_ptr_array_unref(pending);
    if (n < YF_API_EXPORTS_PENDING)
        return TRUE;
    yf_api_add_header(r, "retry-after", RETRY_AFTER_S);
    yf_api_error(r, 503, "busy", "%u exports are already waiting or being made; try again when one has finished", n);
    return FALSE;
}

void yf_api_export_create(yf_api_req *r)
{
    static const char *const fields[] = {"recipient", "organisation", "purpose", NULL};
    const char *recipient = NULL, *organisation = NULL, *purpose = NULL;
    yf_hearing h = {0};
    yf_case c = {0};
    yf_export e = {0};
    json_t *body = NULL;
    int64_t id = 0;
    GError *err = NULL;

    if (!recording_for(r, r->ids[0], YF_ACT_RECORDING_EXPORT, &h, &c) || !(body = yf_api_body_object(r)))
        goto out;
    if (!yf_api_only_fields(r, body, fields) ||
        !yf_api_field_str(r, body, "recipient", TRUE, YF_EXPORT_RECIPIENT_MAX, &recipient) ||
        !yf_api_field_str(r, body, "organisation", FALSE, YF_EXPORT_ORGANISATION_MAX, &organisation) ||
        !yf_api_field_str(r, body, "purpose", FALSE, YF_EXPORT_PURPOSE_MAX, &purpose))
        goto out;
    if (!r->api->hooks.export_queued) {
        yf_api_error(r, 503, "busy", "exports cannot be made by this server now");
        goto out;
    }
    if (!room_in_queue(r))
        goto out;
    if (!yf_store_export_create(r->api->store, yf_principal_actor(&r->who), r->now_ms, r->ids[0], recipient,
                                organisation, purpose, &id, &err) ||
        !yf_store_export_get(r->api->store, id, &e, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    r->api->hooks.export_queued(r->api->hooks_user, id);
    yf_export_clear(&e);   /* the recorder may have started it */
    if (!yf_store_export_get(r->api->store, id, &e, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    yf_api_reply_json(r, 202, export_json(r, &e));
out:
    g_clear_error(&err);
    if (body)
        json_decref(body);
    yf_export_clear(&e);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_exports_list(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    GError *err = NULL;
    if (!recording_for(r, r->ids[0], YF_ACT_RECORDING_READ, &h, &c))
        goto out;
    GPtrArray *list = yf_store_export_list(r->api->store, r->ids[0], &err);
    if (!list) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    json_t *items = json_array();
    for (guint i = 0; i < list->len; i++)
        json_array_append_new(items, export_json(r, list->pdata[i]));
    g_ptr_array_unref(list);
    yf_api_reply_json(r, 200, json_pack("{s:o}", "items", items));
out:
    g_clear_error(&err);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_export_get(yf_api_req *r)
{
    yf_export e = {0};
    if (export_for(r, r->ids[0], YF_ACT_RECORDING_READ, &e))
        yf_api_reply_json(r, 200, export_json(r, &e));
    yf_export_clear(&e);
}

/* The finished file, as an attachment; 409 not_ready before. Audited as
 * recording.export_download before a byte is sent. */
void yf_api_export_download(yf_api_req *r)
{
    yf_export e = {0}, got = {0};
    GError *err = NULL;
    int64_t size = 0;
    char *path = NULL, *name = NULL;
    int fd = -1;

    if (!export_for(r, r->ids[0], YF_ACT_RECORDING_EXPORT, &e))
        goto out;
    if (e.state != YF_EXPORT_DONE) {
        yf_api_error(r, 409, "not_ready", "the export is %s, not finished", yf_export_state_code(e.state));
        goto out;
    }
    path = g_path_is_absolute(e.path) ? g_strdup(e.path) : g_build_filename(r->api->data_dir, e.path, NULL);
    if ((fd = yf_api_open_file(path, &size)) < 0) {
        yf_api_error(r, 404, "not_found", "the export's file is missing");
        goto out;
    }
    if (!yf_store_export_access(r->api->store, yf_principal_actor(&r->who), r->now_ms, e.id, &got, &err)) {
        yf_api_store_error(r, err, TRUE);
        goto out;
    }
    name = g_strdup_printf("export-%" G_GINT64_FORMAT ".webm", (gint64)e.id);
    yf_api_send_file(r, fd, size, "video/webm", FALSE, name);
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    g_clear_error(&err);
    g_free(name);
    g_free(path);
    yf_export_clear(&got);
    yf_export_clear(&e);
}
