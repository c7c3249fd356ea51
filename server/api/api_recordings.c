/* api_recordings.c -- a hearing's recordings and evidence archive: the listing
 * (no file paths) with the recorder's status, and the files themselves with a
 * single HTTP range (RFC 9110 §14: 206 + Content-Range, 416 when unsatisfiable).
 * Every view or download, ranged or whole, is an audit entry written before a
 * byte is sent (yf_store_recording_access; evidence.download for the archive). */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "range.h"
#include "server/store/store_reads.h"

static const char *media_type(const char *path)
{
    static const struct { const char *ext, *type; } types[] = {
        {".webm", "video/webm"}, {".mkv", "video/x-matroska"}, {".mp4", "video/mp4"},
        {".tar", "application/x-tar"}, {".json", "application/json"}};
    for (size_t i = 0; i < G_N_ELEMENTS(types); i++)
        if (g_str_has_suffix(path, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

json_t *yf_api_recording_status(yf_api_req *r, int64_t hearing_id)
{
    json_t *s = r->api->hooks.status ? r->api->hooks.status(r->api->hooks_user, hearing_id) : NULL;
    if (s && !json_is_object(s)) {
        g_warning("hearing %" G_GINT64_FORMAT ": the recorder's status is not an object", (gint64)hearing_id);
        g_clear_pointer(&s, json_decref);
    }
    return s ? s : json_pack("{s:s, s:f, s:n}", "state", "none", "progress", 0.0, "error");
}

/* room says where it was recorded: the hearing room, or a public hearing's
 * deliberation room (only the 听证员 were in it). starts_at and hearing_offset_ms place the file's time 0 on the wall clock
 * and in the hearing (note entries' offset_ms count from its start), so a
 * note's moment in the file is offset_ms - hearing_offset_ms; both null for
 * recordings made before the store kept it (schema 11). */
static json_t *recording_json(const yf_recording *rec, const yf_hearing *h, GHashTable *participants)
{
    char hex[65], url[96];
    const yf_participant *p = rec->participant_id ? g_hash_table_lookup(participants, &rec->participant_id) : NULL;
    for (int k = 0; k < 32; k++)
        g_snprintf(hex + 2 * k, 3, "%02x", rec->sha256[k]);
    json_t *o = json_pack("{s:I, s:I, s:o, s:o, s:s, s:s, s:I, s:I, s:s, s:o}", "id", (json_int_t)rec->id,
                          "hearing_id", (json_int_t)rec->hearing_id,
                          "participant_id", rec->participant_id ? json_integer(rec->participant_id) : json_null(),
                          "participant", p ? json_pack("{s:s, s:s}", "name", p->name, "role", p->role) : json_null(),
                          "kind", rec->participant_id ? "participant" : "composite",
                          "media_type", media_type(rec->path), "size_bytes", (json_int_t)rec->size_bytes,
                          "duration_ms", (json_int_t)rec->duration_ms, "sha256", hex,
                          "created_at", yf_api_time_json(rec->created_ms));
    g_snprintf(url, sizeof url, YF_API_MOUNTPOINT "/recordings/%" G_GINT64_FORMAT "/view", (gint64)rec->id);
    json_object_set_new(o, "view_url", json_string(url));
    g_snprintf(url, sizeof url, YF_API_MOUNTPOINT "/recordings/%" G_GINT64_FORMAT "/download", (gint64)rec->id);
    json_object_set_new(o, "download_url", json_string(url));
    json_object_set_new(o, "starts_at", yf_api_time_json(rec->start_ms));
    json_object_set_new(o, "hearing_offset_ms", rec->start_ms ? json_integer(rec->start_ms - h->start_ms)
                                                              : json_null());
    json_object_set_new(o, "room", json_string(rec->deliberation ? "deliberation" : "hearing"));
    return o;
}

json_t *yf_api_recording_items(yf_api_req *r, const yf_hearing *h, GError **error)
{
    GPtrArray *ps = yf_store_participant_list(r->api->store, h->id, error);
    GPtrArray *list = ps ? yf_store_recording_list(r->api->store, h->id, error) : NULL;
    json_t *items = NULL;
    if (list) {
        GHashTable *by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
        for (guint i = 0; i < ps->len; i++) {
            yf_participant *p = g_ptr_array_index(ps, i);
            g_hash_table_insert(by_id, &p->id, p);
        }
        items = json_array();
        for (guint i = 0; i < list->len; i++)
            json_array_append_new(items, recording_json(g_ptr_array_index(list, i), h, by_id));
        g_hash_table_unref(by_id);
        g_ptr_array_unref(list);
    }
    if (ps)
        g_ptr_array_unref(ps);
    return items;
}

void yf_api_recordings_list(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    GError *err = NULL;
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_RECORDING_READ, &h, &c))
        goto out;
    json_t *items = yf_api_recording_items(r, &h, &err);
    if (!items) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    yf_api_reply_json(r, 200, json_pack("{s:o, s:o}", "items", items,
                                        "recording", yf_api_recording_status(r, h.id)));
out:
    g_clear_error(&err);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

int yf_api_open_file(const char *path, int64_t *size)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0 && (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd >= 0)
        *size = (int64_t)sb.st_size;
    else
        g_warning("%s: file missing", path);
    return fd;
}

void yf_api_send_file(yf_api_req *r, int fd, int64_t size, const char *type, gboolean inline_view,
                      const char *filename)
{
    int64_t first = 0, last = size - 1;
    char *range = yf_api_header(r, WSI_TOKEN_HTTP_RANGE), buf[160];
    yf_range_result res = yf_range_parse(range, range ? strlen(range) : 0, size, &first, &last);
    g_free(range);
    yf_api_add_header(r, "accept-ranges", "bytes");
    if (res == YF_RANGE_UNSATISFIABLE) {
        close(fd);
        g_snprintf(buf, sizeof buf, "bytes */%" G_GINT64_FORMAT, (gint64)size);
        yf_api_add_header(r, "content-range", buf);
        yf_api_error(r, 416, "range_not_satisfiable", "the file has %" G_GINT64_FORMAT " bytes", (gint64)size);
        return;
    }
    g_snprintf(buf, sizeof buf, "%s; filename=\"%s\"", inline_view ? "inline" : "attachment", filename);
    yf_api_add_header(r, "content-disposition", buf);
    if (res == YF_RANGE_OK) {
        g_snprintf(buf, sizeof buf, "bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                   (gint64)first, (gint64)last, (gint64)size);
        yf_api_add_header(r, "content-range", buf);
        yf_api_reply_file(r, 206, type, fd, first, last - first + 1);
    } else {
        yf_api_reply_file(r, 200, type, fd, 0, size);
    }
}

static void serve(yf_api_req *r, const char *what)
{
    yf_hearing h = {0};
    yf_case c = {0};
    yf_recording rec = {0};
    int64_t hearing_id = 0, size = 0;
    GError *err = NULL;
    if (!yf_api_authorize(r, YF_ACT_RECORDING_READ, NULL))
        return;
    if (!yf_store_recording_hearing(r->api->store, r->ids[0], &hearing_id, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    if (!yf_api_load_hearing(r, hearing_id, YF_ACT_RECORDING_READ, &h, &c))
        goto out;
    if (!yf_store_recording_access(r->api->store, yf_principal_actor(&r->who), r->now_ms, r->ids[0], what,
                                   &rec, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    char *path = g_path_is_absolute(rec.path) ? g_strdup(rec.path)   /* the store's are relative */
                                              : g_build_filename(r->api->data_dir, rec.path, NULL);
    int fd = yf_api_open_file(path, &size);
    g_free(path);
    if (fd < 0) {
        yf_api_error(r, 404, "not_found", "the recording's file is missing");
        goto out;
    }
    const char *ext = strrchr(rec.path, '.');
    char *name = g_strdup_printf("recording-%" G_GINT64_FORMAT "%s", (gint64)rec.id,
                                 ext && strlen(ext) < 8 && !strpbrk(ext, "\"\\/") ? ext : "");
    yf_api_send_file(r, fd, size, media_type(rec.path), strcmp(what, "view") == 0, name);
    g_free(name);
out:
    g_clear_error(&err);
    yf_recording_clear(&rec);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

void yf_api_recording_download(yf_api_req *r)
{
    serve(r, "download");
}

void yf_api_recording_view(yf_api_req *r)
{
    serve(r, "view");
}

/* The hearing's evidence archive (docs/evidence.md) once the recorder has built
 * it: 409 not_ready before. Audited as evidence.download on hearing:<id> once
 * the file is open, before a byte is sent. */
void yf_api_hearing_evidence(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    GError *err = NULL;
    char *path = NULL, *object = NULL, *name = NULL;
    int64_t size = 0;
    int fd = -1;
    if (!yf_api_load_hearing(r, r->ids[0], YF_ACT_RECORDING_READ, &h, &c))
        goto out;
    if (r->api->hooks.evidence_path)
        path = r->api->hooks.evidence_path(r->api->hooks_user, h.id);
    if (path == NULL) {
        yf_api_error(r, 409, "not_ready", "the hearing's evidence archive is not built yet");
        goto out;
    }
    if ((fd = yf_api_open_file(path, &size)) < 0) {   /* the recorder's path is usable as is */
        yf_api_error(r, 404, "not_found", "the evidence archive's file is missing");
        goto out;
    }
    object = g_strdup_printf("hearing:%" G_GINT64_FORMAT, (gint64)h.id);
    if (!yf_store_audit_record(r->api->store, yf_principal_actor(&r->who), r->now_ms, "evidence.download",
                               object, "", &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    name = g_strdup_printf("hearing-%" G_GINT64_FORMAT "-evidence.tar", (gint64)h.id);
    yf_api_send_file(r, fd, size, "application/x-tar", FALSE, name);
    fd = -1;
out:
    if (fd >= 0)
        close(fd);
    g_clear_error(&err);
    g_free(name);
    g_free(object);
    g_free(path);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}
