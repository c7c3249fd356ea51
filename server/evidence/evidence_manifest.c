/* evidence_manifest.c -- the evidence manifest: its canonical JSON (jansson,
 * JSON_SORT_KEYS | JSON_COMPACT, docs/evidence.md) built from plain values, and
 * the strict parser the offline verifier runs on untrusted bytes. The parser
 * checks shape and limits only; the signature is evidence_archive.c's job. */
#define G_LOG_DOMAIN "yf-evidence"
#include "evidence.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KIND_MAX 32

gboolean yf_evidence_path_valid(const char *p)
{
    size_t n = p ? strlen(p) : 0, comp = 0;
    if (n == 0 || n > YF_EVIDENCE_PATH_MAX || p[0] == '/' || p[n - 1] == '/')
        return FALSE;
    for (size_t i = 0; i <= n; i++) {
        char c = p[i];
        if (c == '/' || c == '\0') {
            /* comp = length of the component that just ended at i */
            if (comp == 0 || (comp == 1 && p[i - 1] == '.') ||
                (comp == 2 && p[i - 1] == '.' && p[i - 2] == '.'))
                return FALSE;
            comp = 0;
        } else if (g_ascii_isalnum(c) || c == '.' || c == '_' || c == '-') {
            comp++;
        } else {
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean reserved_path(const char *p)
{
    return strcmp(p, YF_EVIDENCE_MANIFEST) == 0 || strcmp(p, YF_EVIDENCE_SIGNATURE) == 0 ||
           strcmp(p, YF_EVIDENCE_PUBKEY) == 0;
}

static gboolean kind_valid(const char *k)
{
    size_t n = k ? strlen(k) : 0;
    if (n == 0 || n > KIND_MAX)
        return FALSE;
    for (size_t i = 0; i < n; i++)
        if (!(g_ascii_islower(k[i]) || g_ascii_isdigit(k[i]) || k[i] == '-'))
            return FALSE;
    return TRUE;
}

static gboolean manifest_error(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Sets *err to "manifest: <message>" (INVALID); returns FALSE. */
static gboolean manifest_error(GError **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, YF_EVIDENCE_ERROR, YF_EVIDENCE_ERROR_INVALID, "manifest: %s", msg);
    g_free(msg);
    return FALSE;
}

/* ---- building ------------------------------------------------------------- */

/* RFC 3339 UTC with milliseconds, "2025-03-01T02:00:00.000Z"; null for 0. */
static json_t *time_json(int64_t ms)
{
    struct tm tm;
    char buf[40];
    time_t secs = (time_t)(ms / 1000);
    if (ms <= 0 || gmtime_r(&secs, &tm) == NULL)
        return json_null();
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    g_snprintf(buf + n, sizeof buf - n, ".%03dZ", (int)(ms % 1000));
    return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *hex_json(const guint8 b[32])
{
    char hex[65];
    yf_evidence_hex(b, hex);
    return json_string(hex);
}

gboolean yf_evidence_input_check(const yf_evidence_input *in, GError **err)
{
    int notes = 0;
    if (in->case_no == NULL || !*in->case_no || !g_utf8_validate(in->case_no, -1, NULL))
        return manifest_error(err, "%s is required (UTF-8)", "case number");
    if (in->hearing_id <= 0 || in->created_ms <= 0)
        return manifest_error(err, "%s is required", "hearing id and creation time");
    if (in->n_files > YF_EVIDENCE_ARTIFACTS_MAX)
        return manifest_error(err, "%s", "too many artifacts");
    for (size_t i = 0; i < in->n_files; i++) {
        const yf_evidence_file *f = &in->files[i];
        if (!yf_evidence_path_valid(f->archive_path) || reserved_path(f->archive_path))
            return manifest_error(err, "archive path '%s' is not allowed",
                                  f->archive_path ? f->archive_path : "(null)");
        if (!kind_valid(f->kind))
            return manifest_error(err, "artifact kind '%s' is not allowed",
                                  f->kind ? f->kind : "(null)");
        notes += strcmp(f->kind, "notes") == 0;
        for (size_t j = 0; j < i; j++)
            if (strcmp(in->files[j].archive_path, f->archive_path) == 0)
                return manifest_error(err, "archive path '%s' given twice", f->archive_path);
    }
    if (notes > 1)
        return manifest_error(err, "%s", "more than one notes artifact");
    for (size_t i = 0; i < in->n_participants; i++)
        if (!in->participants[i].name || !in->participants[i].role)
            return manifest_error(err, "%s", "participant without name or role");
    return TRUE;
}

static int cmp_by_path(gconstpointer a, gconstpointer b, gpointer files)
{
    const yf_evidence_file *f = files;
    return strcmp(f[*(const size_t *)a].archive_path, f[*(const size_t *)b].archive_path);
}

static json_t *artifacts_json(const yf_evidence_input *in, const guint8 (*sha256)[32],
                              const int64_t *sizes, json_t **notes)
{
    json_t *arr = json_array();
    size_t *order = g_new(size_t, in->n_files + 1);
    for (size_t i = 0; i < in->n_files; i++)
        order[i] = i;
    g_qsort_with_data(order, (gint)in->n_files, sizeof *order, cmp_by_path, (gpointer)in->files);
    *notes = json_null();
    for (size_t k = 0; k < in->n_files; k++) {
        size_t i = order[k];
        json_array_append_new(arr, json_pack("{s:s, s:o, s:I, s:s}",
                                             "path", in->files[i].archive_path,
                                             "sha256", hex_json(sha256[i]),
                                             "size", (json_int_t)sizes[i],
                                             "kind", in->files[i].kind));
        if (strcmp(in->files[i].kind, "notes") == 0) {
            json_decref(*notes);
            *notes = hex_json(sha256[i]);
        }
    }
    g_free(order);
    return arr;
}

char *yf_evidence_manifest_build(const yf_evidence_input *in, const guint8 (*sha256)[32],
                                 const int64_t *sizes, const guint8 key_id[32], GError **err)
{
    if (!yf_evidence_input_check(in, err))
        return NULL;
    json_t *notes = NULL, *parts = json_array();
    json_t *arts = artifacts_json(in, sha256, sizes, &notes);
    for (size_t i = 0; i < in->n_participants; i++)
        json_array_append_new(parts, json_pack("{s:s, s:s}", "name", in->participants[i].name,
                                               "role", in->participants[i].role));
    json_t *audit = in->has_audit ? json_pack("{s:I, s:o}", "count", (json_int_t)in->audit_count,
                                              "sha256", hex_json(in->audit_head))
                                  : json_null();
    json_t *m = json_pack(
        "{s:s, s:{s:s, s:o}, s:{s:I, s:o, s:o, s:o, s:o}, s:o, s:o, s:o, s:o, s:o,"
        " s:{s:s, s:o}}",
        "format", YF_EVIDENCE_FORMAT,
        "case", "number", in->case_no, "type", str_or_null(in->case_type),
        "hearing", "id", (json_int_t)in->hearing_id, "kind", str_or_null(in->hearing_kind),
        "room", str_or_null(in->room), "started_at", time_json(in->started_ms),
        "ended_at", time_json(in->ended_ms),
        "participants", parts, "artifacts", arts, "notes_sha256", notes,
        "audit_head", audit, "created_at", time_json(in->created_ms),
        "server", "version", YF_VERSION, "key_id", hex_json(key_id));
    char *out = m ? json_dumps(m, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
    json_decref(m);
    if (out == NULL) {
        manifest_error(err, "%s", "cannot encode (a string that is not UTF-8?)");
        return NULL;
    }
    char *copy = g_strdup(out);   /* g_free for the caller, whatever jansson's allocator */
    free(out);
    return copy;
}

/* ---- parsing (untrusted) ----------------------------------------------------- */

static gboolean parse_hex(json_t *v, guint8 out[32])
{
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (s == NULL || json_string_length(v) != 64)
        return FALSE;
    for (int i = 0; i < 64; i++)
        if (!g_ascii_isdigit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
            return FALSE;
    for (int i = 0; i < 32; i++)
        out[i] = (guint8)(g_ascii_xdigit_value(s[2 * i]) << 4 | g_ascii_xdigit_value(s[2 * i + 1]));
    return TRUE;
}

static gboolean parse_artifact(json_t *a, yf_evidence_artifact *out, GError **err)
{
    json_t *path = json_object_get(a, "path"), *kind = json_object_get(a, "kind");
    json_t *size = json_object_get(a, "size");
    if (!json_is_string(path) || strlen(json_string_value(path)) != json_string_length(path) ||
        !yf_evidence_path_valid(json_string_value(path)) ||
        reserved_path(json_string_value(path)))
        return manifest_error(err, "%s", "an artifact has a missing or unsafe path");
    if (!json_is_string(kind) || !kind_valid(json_string_value(kind)))
        return manifest_error(err, "artifact %s has a bad kind", json_string_value(path));
    if (!parse_hex(json_object_get(a, "sha256"), out->sha256))
        return manifest_error(err, "artifact %s has a bad sha256", json_string_value(path));
    if (!json_is_integer(size) || json_integer_value(size) < 0)
        return manifest_error(err, "artifact %s has a bad size", json_string_value(path));
    out->path = g_strdup(json_string_value(path));
    out->kind = g_strdup(json_string_value(kind));
    out->size = (int64_t)json_integer_value(size);
    return TRUE;
}

static gboolean parse_artifacts(json_t *arr, yf_evidence_manifest *m, GError **err)
{
    if (!json_is_array(arr) || json_array_size(arr) > YF_EVIDENCE_ARTIFACTS_MAX)
        return manifest_error(err, "%s", "\"artifacts\" is not an array of at most 4096");
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    gboolean ok = TRUE;
    int notes = 0;
    m->artifacts = g_new0(yf_evidence_artifact, json_array_size(arr) + 1);
    for (size_t i = 0; ok && i < json_array_size(arr); i++) {
        yf_evidence_artifact *a = &m->artifacts[i];
        ok = json_is_object(json_array_get(arr, i)) &&
             parse_artifact(json_array_get(arr, i), a, err);
        if (ok)
            m->n_artifacts++;
        else if (err && *err == NULL)
            manifest_error(err, "%s", "an artifact is not an object");
        if (ok && !g_hash_table_add(seen, a->path))
            ok = manifest_error(err, "artifact %s is listed twice", a->path);
        if (ok && strcmp(a->kind, "notes") == 0 && ++notes == 1 && m->has_notes &&
            memcmp(a->sha256, m->notes_sha256, 32) != 0)
            ok = manifest_error(err, "%s", "notes_sha256 is not the notes artifact's");
    }
    if (ok && (notes > 1 || (notes == 0 && m->has_notes) || (notes == 1 && !m->has_notes)))
        ok = manifest_error(err, "%s", "notes_sha256 does not match the notes artifacts");
    g_hash_table_destroy(seen);
    return ok;
}

static gboolean parse_top(json_t *root, yf_evidence_manifest *m, GError **err)
{
    json_t *v = json_object_get(root, "format"), *c = json_object_get(root, "case");
    json_t *h = json_object_get(root, "hearing"), *s = json_object_get(root, "server");
    json_t *notes = json_object_get(root, "notes_sha256");
    json_t *au = json_object_get(root, "audit_head");
    json_t *created = json_object_get(root, "created_at");
    if (!json_is_string(v) || strcmp(json_string_value(v), YF_EVIDENCE_FORMAT) != 0)
        return manifest_error(err, "format is not %s", YF_EVIDENCE_FORMAT);
    if (!json_is_object(c) || !json_is_string(json_object_get(c, "number")))
        return manifest_error(err, "%s", "case.number is missing");
    if (!json_is_object(h) || !json_is_integer(json_object_get(h, "id")))
        return manifest_error(err, "%s", "hearing.id is missing");
    if (!json_is_array(json_object_get(root, "participants")))
        return manifest_error(err, "%s", "participants is not an array");
    if (!json_is_object(s) || !parse_hex(json_object_get(s, "key_id"), m->key_id))
        return manifest_error(err, "%s", "server.key_id is missing");
    if (!json_is_string(created))
        return manifest_error(err, "%s", "created_at is missing");
    if (!json_is_null(notes) && !(m->has_notes = parse_hex(notes, m->notes_sha256)))
        return manifest_error(err, "%s", "notes_sha256 is neither null nor a sha256");
    if (!json_is_null(au)) {
        json_t *n = json_object_get(au, "count");
        if (!json_is_integer(n) || json_integer_value(n) < 0 ||
            !parse_hex(json_object_get(au, "sha256"), m->audit_head))
            return manifest_error(err, "%s", "audit_head is malformed");
        m->has_audit = TRUE;
        m->audit_count = (int64_t)json_integer_value(n);
    }
    m->case_no = g_strdup(json_string_value(json_object_get(c, "number")));
    m->hearing_id = (int64_t)json_integer_value(json_object_get(h, "id"));
    m->created_at = g_strdup(json_string_value(created));
    return TRUE;
}

gboolean yf_evidence_manifest_parse(const char *buf, size_t len, yf_evidence_manifest *out,
                                    GError **err)
{
    json_error_t jerr;
    memset(out, 0, sizeof *out);
    if (len > YF_EVIDENCE_MANIFEST_MAX) {
        manifest_error(err, "%s", "larger than 1 MiB");
        return FALSE;
    }
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    gboolean ok = FALSE;
    if (root == NULL)
        manifest_error(err, "not JSON: %s", jerr.text);
    else if (!json_is_object(root))
        manifest_error(err, "%s", "not a JSON object");
    else
        ok = parse_top(root, out, err) && parse_artifacts(json_object_get(root, "artifacts"),
                                                          out, err);
    json_decref(root);
    if (!ok)
        yf_evidence_manifest_clear(out);
    return ok;
}

void yf_evidence_manifest_clear(yf_evidence_manifest *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; m->artifacts && i < m->n_artifacts; i++) {
        g_free(m->artifacts[i].path);
        g_free(m->artifacts[i].kind);
    }
    g_free(m->artifacts);
    g_free(m->case_no);
    g_free(m->created_at);
    memset(m, 0, sizeof *m);
}
