/* api_recordings.c -- a hearing's recordings: the listing (no file paths) and
 * the file itself with a single HTTP range (RFC 9110 §14: 206 + Content-Range,
 * 416 when unsatisfiable). Every view or download, ranged or whole, is an
 * audit entry written by yf_store_recording_access before a byte is sent. */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "range.h"
#include "store_api.h"

static gboolean hearing_case_for(yf_api_req *r, int64_t hearing_id, yf_hearing *h, yf_case *c)
{
    GError *err = NULL;
    if (!yf_store_hearing_get(r->api->store, hearing_id, h, &err)) {
        yf_api_store_error(r, err, FALSE);
        g_error_free(err);
        return FALSE;
    }
    if (!yf_api_load_case(r, h->case_id, c))
        return FALSE;
    yf_authz_object obj = {.kase = c, .case_type = -1, .hearing_id = h->id};
    return yf_api_authorize(r, YF_ACT_RECORDING_READ, &obj);
}

void yf_api_recordings_list(yf_api_req *r)
{
    yf_hearing h = {0};
    yf_case c = {0};
    GError *err = NULL;
    if (!hearing_case_for(r, r->ids[0], &h, &c))
        goto out;
    GPtrArray *list = yf_store_api_recordings(r->api->store, h.id, &err);
    if (!list) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    json_t *items = json_array();
    for (guint i = 0; i < list->len; i++) {
        const yf_recording *rec = g_ptr_array_index(list, i);
        char hex[65];
        for (int k = 0; k < 32; k++)
            g_snprintf(hex + 2 * k, 3, "%02x", rec->sha256[k]);
        json_array_append_new(items, json_pack("{s:I, s:I, s:o, s:I, s:I, s:s, s:o}", "id", (json_int_t)rec->id,
                                               "hearing_id", (json_int_t)rec->hearing_id,
                                               "participant_id", rec->participant_id ? json_integer(rec->participant_id) : json_null(),
                                               "size_bytes", (json_int_t)rec->size_bytes,
                                               "duration_ms", (json_int_t)rec->duration_ms, "sha256", hex,
                                               "created_at", yf_api_time_json(rec->created_ms)));
    }
    g_ptr_array_unref(list);
    yf_api_reply_json(r, 200, json_pack("{s:o}", "items", items));
out:
    g_clear_error(&err);
    yf_hearing_clear(&h);
    yf_case_clear(&c);
}

static const char *media_type(const char *path)
{
    if (g_str_has_suffix(path, ".webm"))
        return "video/webm";
    if (g_str_has_suffix(path, ".mp4"))
        return "video/mp4";
    if (g_str_has_suffix(path, ".json"))
        return "application/json";
    return "application/octet-stream";
}

/* Opens the recording's file (relative paths are under the data directory). */
static int open_recording(yf_api_req *r, const yf_recording *rec, int64_t *size)
{
    struct stat sb;
    char *path = g_path_is_absolute(rec->path) ? g_strdup(rec->path)
                                               : g_build_filename(r->api->data_dir, rec->path, NULL);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0 && (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd >= 0)
        *size = (int64_t)sb.st_size;
    else
        g_warning("recording %" G_GINT64_FORMAT " file missing", (gint64)rec->id);
    g_free(path);
    return fd;
}

static void send_range(yf_api_req *r, const yf_recording *rec, int fd, int64_t size, gboolean inline_view)
{
    int64_t first = 0, last = size - 1;
    char *range = yf_api_header(r, WSI_TOKEN_HTTP_RANGE), buf[96];
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
    g_snprintf(buf, sizeof buf, "%s; filename=\"recording-%" G_GINT64_FORMAT "%s\"",
               inline_view ? "inline" : "attachment", (gint64)rec->id,
               strrchr(rec->path, '.') && strlen(strrchr(rec->path, '.')) < 8 ? strrchr(rec->path, '.') : "");
    yf_api_add_header(r, "content-disposition", buf);
    if (res == YF_RANGE_OK) {
        g_snprintf(buf, sizeof buf, "bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                   (gint64)first, (gint64)last, (gint64)size);
        yf_api_add_header(r, "content-range", buf);
        yf_api_reply_file(r, 206, media_type(rec->path), fd, first, last - first + 1);
    } else {
        yf_api_reply_file(r, 200, media_type(rec->path), fd, 0, size);
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
    if (!yf_store_api_recording_hearing(r->api->store, r->ids[0], &hearing_id, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    if (!hearing_case_for(r, hearing_id, &h, &c))
        goto out;
    if (!yf_store_recording_access(r->api->store, yf_principal_actor(&r->who), r->now_ms, r->ids[0], what,
                                   &rec, &err)) {
        yf_api_store_error(r, err, FALSE);
        goto out;
    }
    int fd = open_recording(r, &rec, &size);
    if (fd < 0)
        yf_api_error(r, 404, "not_found", "the recording's file is missing");
    else
        send_range(r, &rec, fd, size, strcmp(what, "view") == 0);
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
