/* api.c -- the REST API's HTTP side: the lws "api" protocol (HTTP/1.1 and
 * HTTP/2), one yf_api_req per transaction, body collection with a 1 MiB limit,
 * the routing table (method + path pattern -> one handler), credentials to a
 * principal, and the response writer (headers, then chunks when writeable).
 * It must not decide permissions (authz.c) or touch SQL (the store). */
#define G_LOG_DOMAIN "yf-api"
#include "api_priv.h"
#include "cookie.h"

#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#define HARD_BODY_LIMIT (16 * 1024 * 1024)  /* beyond this we do not even drain it */
#define CHUNK 16384

typedef struct {
    yf_api_method method;
    const char *pattern;      /* '#' is a positive integer segment */
    yf_api_handler fn;
} route;

static const route routes[] = {
    {YF_API_POST, "/auth/login", yf_api_auth_login},
    {YF_API_POST, "/auth/logout", yf_api_auth_logout},
    {YF_API_GET, "/me", yf_api_me},
    {YF_API_GET, "/staff", yf_api_staff_list},
    {YF_API_POST, "/staff", yf_api_staff_create},
    {YF_API_GET, "/staff/#", yf_api_staff_get},
    {YF_API_PATCH, "/staff/#", yf_api_staff_patch},
    {YF_API_POST, "/staff/#/password", yf_api_staff_password},
    {YF_API_GET, "/cases", yf_api_cases_list},
    {YF_API_POST, "/cases", yf_api_cases_create},
    {YF_API_GET, "/cases/due", yf_api_cases_due},     /* '#' takes digits only: no clash */
    {YF_API_GET, "/cases/#", yf_api_case_get},
    {YF_API_PATCH, "/cases/#", yf_api_case_patch},
    {YF_API_POST, "/cases/#/transition", yf_api_case_transition},
    {YF_API_GET, "/cases/#/events", yf_api_case_events},
    {YF_API_GET, "/cases/#/audit", yf_api_case_audit},
    {YF_API_GET, "/cases/#/appointments", yf_api_case_appointments},
    {YF_API_POST, "/cases/#/appointments", yf_api_appointment_create},
    {YF_API_GET, "/cases/#/hearings", yf_api_case_hearings},
    {YF_API_GET, "/appointments", yf_api_appointments_day},
    {YF_API_GET, "/appointments/#", yf_api_appointment_get},
    {YF_API_PATCH, "/appointments/#", yf_api_appointment_patch},
    {YF_API_POST, "/appointments/#/cancel", yf_api_appointment_cancel},
    {YF_API_POST, "/appointments/#/room-token", yf_api_appointment_room_token},
    {YF_API_POST, "/appointments/#/hearings", yf_api_hearing_start},
    {YF_API_GET, "/hearings/#", yf_api_hearing_get},
    {YF_API_POST, "/hearings/#/end", yf_api_hearing_end},
    {YF_API_POST, "/hearings/#/participants", yf_api_hearing_add_staff},
    {YF_API_GET, "/hearings/#/invitable", yf_api_hearing_invitable},
    {YF_API_GET, "/hearings/#/notes", yf_api_notes_get},
    {YF_API_POST, "/hearings/#/notes", yf_api_notes_add},
    {YF_API_POST, "/hearings/#/notes/finalize", yf_api_notes_finalize},
    {YF_API_POST, "/hearings/#/notes/confirm", yf_api_notes_confirm},
    {YF_API_GET, "/hearings/#/recordings", yf_api_recordings_list},
    {YF_API_GET, "/hearings/#/evidence", yf_api_hearing_evidence},
    {YF_API_GET, "/recordings/#/download", yf_api_recording_download},
    {YF_API_GET, "/recordings/#/view", yf_api_recording_view},
    {YF_API_POST, "/recordings/#/exports", yf_api_export_create},
    {YF_API_GET, "/recordings/#/exports", yf_api_exports_list},
    {YF_API_GET, "/exports/#", yf_api_export_get},
    {YF_API_GET, "/exports/#/download", yf_api_export_download},
    {YF_API_POST, "/invitations/#/slip", yf_api_invitation_slip},
    {YF_API_POST, "/invitations/#/qr", yf_api_invitation_qr},
    {YF_API_GET, "/stats", yf_api_stats},
    {YF_API_GET, "/stats.csv", yf_api_stats_csv},
    {YF_API_GET, "/audit", yf_api_audit_list},
    {YF_API_GET, "/audit/verify", yf_api_audit_verify},
    {YF_API_POST, "/invitations/#/revoke", yf_api_invitation_revoke},
    {YF_API_POST, "/invitations/#/reissue", yf_api_invitation_reissue},
    {YF_API_GET, "/invitation", yf_api_invitation_get},
    {YF_API_POST, "/invitation/rating", yf_api_invitation_rate},
    {YF_API_POST, "/invitation/room-token", yf_api_invitation_room_token},
    {YF_API_POST, "/hearings/#/aid", yf_api_aid_create},
    {YF_API_GET, "/hearings/#/aid", yf_api_aid_of_hearing},
    {YF_API_GET, "/cases/#/aid", yf_api_aid_of_case},
    {YF_API_GET, "/appointments/#/aid", yf_api_aid_of_appointment},
    {YF_API_POST, "/aid/#/still", yf_api_aid_still_take},
    {YF_API_GET, "/aid/#/still", yf_api_aid_still_get},
    {YF_API_PUT, "/aid/#/decision", yf_api_aid_decision_put},
    {YF_API_GET, "/aid/#/decision", yf_api_aid_decision_get},
    {YF_API_POST, "/aid/#/show", yf_api_aid_show},
    {YF_API_POST, "/aid/#/ask", yf_api_aid_ask},
    {YF_API_POST, "/aid/#/receipt", yf_api_aid_receipt_make},
    {YF_API_GET, "/aid/#/receipt", yf_api_aid_receipt_get},
    {YF_API_GET, "/invitation/aid", yf_api_invitation_aid},
    {YF_API_GET, "/invitation/aid/decision", yf_api_invitation_aid_decision},
    {YF_API_GET, "/invitation/aid/decision/pages/#", yf_api_invitation_aid_page},
    {YF_API_POST, "/invitation/aid/confirm", yf_api_invitation_aid_confirm},
    {YF_API_GET, "/invitation/notes", yf_api_invitation_notes_get},
    {YF_API_POST, "/invitation/notes/confirm", yf_api_invitation_notes_confirm},
    {YF_API_POST, "/hearings/#/notes/sign", yf_api_notes_sign},
    {YF_API_GET, "/hearings/#/notes/signatures/#", yf_api_notes_signature},
};

/* ---- lifetime ---- */

yf_api *yf_api_new(yf_store *store, const char *data_dir, GError **error)
{
    yf_api *api = g_new0(yf_api, 1);
    api->store = store;
    api->data_dir = g_strdup(data_dir);
    api->public_url = g_strdup("https://localhost");
    api->login_by_user = yf_throttle_new(YF_LOGIN_MAX_FAIL_USER, YF_LOGIN_WINDOW_MS, YF_LOGIN_WINDOW_MS, 10000);
    api->login_by_addr = yf_throttle_new(YF_LOGIN_MAX_FAIL_ADDR, YF_LOGIN_WINDOW_MS, YF_LOGIN_WINDOW_MS, 10000);
    api->logins = yf_api_logins_new(api);
    api->laters = g_hash_table_new(g_direct_hash, g_direct_equal);
    if (!yf_room_key_load(data_dir, &api->room_key, error)) {
        yf_api_free(api);
        return NULL;
    }
    return api;
}

void yf_api_set_refused(yf_api *api, yf_api_refused_fn fn, void *user)
{
    api->refused = fn;
    api->refused_user = user;
}

void yf_api_free(yf_api *api)
{
    if (api == NULL)
        return;
    yf_api_logins_free(api->logins);
    yf_api_laters_drop(api);
    explicit_bzero(&api->room_key, sizeof api->room_key);
    yf_throttle_free(api->login_by_user);
    yf_throttle_free(api->login_by_addr);
    g_free(api->data_dir);
    g_free(api->public_url);
    g_free(api);
}

void yf_api_set_public_url(yf_api *api, const char *url)
{
    g_free(api->public_url);
    api->public_url = g_strdup(url);
}

void yf_api_set_recording_hooks(yf_api *api, const yf_api_recording_hooks *hooks, void *user)
{
    api->hooks = hooks ? *hooks : (yf_api_recording_hooks){0};
    api->hooks_user = user;
}

void yf_api_mount_init(struct lws_http_mount *m, const struct lws_http_mount *next)
{
    memset(m, 0, sizeof *m);
    m->mount_next = next;
    m->mountpoint = YF_API_MOUNTPOINT;
    m->mountpoint_len = strlen(YF_API_MOUNTPOINT);
    m->origin = YF_API_PROTOCOL;
    m->origin_protocol = LWSMPRO_CALLBACK;
}

static void req_free(yf_api_req *r)
{
    if (r == NULL)
        return;
    if (r->login)
        yf_api_login_detach(r->login);
    if (r->later)
        yf_api_later_detach(r->later);
    if (r->fd >= 0)
        close(r->fd);
    g_free(r->path);
    g_clear_pointer(&r->query, g_hash_table_unref);
    g_clear_pointer(&r->body, g_byte_array_unref);
    g_clear_pointer(&r->out, g_byte_array_unref);
    g_clear_pointer(&r->headers, g_ptr_array_unref);
    yf_principal_clear(&r->who);
    g_free(r->bearer);
    g_free(r->invitation);
    g_free(r);
}

static char *hdr(struct lws *wsi, enum lws_token_indexes t);

/* ---- replies ---- */

static void set_reply(yf_api_req *r, unsigned status, const char *content_type)
{
    r->replied = TRUE;
    r->status = status;
    r->content_type = content_type;
}

void yf_api_reply_json(yf_api_req *r, unsigned status, json_t *body)
{
    if (r->replied) {
        json_decref(body);
        return;
    }
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (text == NULL) {
        yf_api_error(r, 500, "internal", "cannot encode the reply");
        return;
    }
    set_reply(r, status, "application/json; charset=utf-8");
    r->out = g_byte_array_new_take((guint8 *)g_strdup(text), strlen(text));
    r->content_length = (int64_t)r->out->len;
    free(text);
}

void yf_api_reply_bytes(yf_api_req *r, unsigned status, const char *content_type, GBytes *bytes)
{
    if (!r->replied) {
        set_reply(r, status, content_type);
        r->out = g_bytes_unref_to_array(g_bytes_ref(bytes));
        r->content_length = (int64_t)r->out->len;
    }
}

void yf_api_reply_items_take(yf_api_req *r, GPtrArray *list, GError *err, yf_api_item_json to_json)
{
    if (!list) {
        yf_api_store_error(r, err, FALSE);
        g_clear_error(&err);
        return;
    }
    json_t *items = json_array();
    for (guint i = 0; i < list->len; i++)
        json_array_append_new(items, to_json(r, g_ptr_array_index(list, i)));
    g_ptr_array_unref(list);
    yf_api_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

void yf_api_error(yf_api_req *r, unsigned status, const char *code, const char *fmt, ...)
{
    va_list ap;
    if (r->replied)
        return;
    va_start(ap, fmt);
    char *raw = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    /* A message may quote what the client sent (a JSON parser's error names
     * the text near it, which can end inside a UTF-8 sequence): made valid,
     * or the reply itself could not be encoded. */
    char *msg = g_utf8_make_valid(raw, -1);
    g_free(raw);
    g_debug("%s %s -> %u %s: %s", r->method == YF_API_GET ? "GET" : "write", r->path, status, code, msg);
    yf_api_reply_json(r, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
    g_free(msg);
}

void yf_api_store_error(yf_api_req *r, const GError *e, gboolean invalid_is_conflict)
{
    if (e == NULL || e->domain != YF_STORE_ERROR) {
        g_warning("%s: %s", r->path, e ? e->message : "unknown failure");
        yf_api_error(r, 500, "internal", "internal error");
        return;
    }
    switch ((yf_store_error)e->code) {
    case YF_STORE_ERROR_NOT_FOUND: yf_api_error(r, 404, "not_found", "%s", e->message); break;
    case YF_STORE_ERROR_CONFLICT: yf_api_error(r, 409, "conflict", "%s", e->message); break;
    case YF_STORE_ERROR_INVALID:
        if (invalid_is_conflict)
            yf_api_error(r, 409, "conflict", "%s", e->message);
        else
            yf_api_error(r, 400, "bad_request", "%s", e->message);
        break;
    case YF_STORE_ERROR_AUTH: yf_api_error(r, 401, "unauthorized", "%s", e->message); break;
    case YF_STORE_ERROR_BUSY: yf_api_error(r, 503, "busy", "the case store is busy, retry"); break;
    default:
        g_warning("%s: %s", r->path, e->message);
        yf_api_error(r, 500, "internal", "internal error");
    }
}

void yf_api_add_header(yf_api_req *r, const char *name, const char *value)
{
    if (r->headers == NULL)
        r->headers = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(r->headers, g_strconcat(name, ":", NULL));
    g_ptr_array_add(r->headers, g_strdup(value));
}

void yf_api_reply_file(yf_api_req *r, unsigned status, const char *content_type, int fd,
                       int64_t pos, int64_t len)
{
    if (r->replied) {
        close(fd);
        return;
    }
    set_reply(r, status, content_type);
    r->fd = fd;
    r->file_pos = pos;
    r->file_left = len;
    r->content_length = len;
}

gboolean yf_api_authorize(yf_api_req *r, yf_authz_action action, const yf_authz_object *obj)
{
    yf_authz_result res = yf_authz_check(r->api->store, &r->who, action, obj);
    if (res == YF_AUTHZ_ALLOW)
        return TRUE;
    if (res == YF_AUTHZ_UNAUTHENTICATED) {
        yf_api_error(r, 401, "unauthorized", "sign in first (Authorization: Bearer TOKEN)");
        return FALSE;
    }
    char *object = obj && obj->kase ? g_strdup_printf("case:%" G_GINT64_FORMAT, obj->kase->id)
                                    : g_strdup("");
    yf_store_audit_record(r->api->store, yf_principal_actor(&r->who), r->now_ms, "api.refused",
                          object, yf_authz_action_code(action), NULL);
    g_free(object);
    yf_api_error(r, 403, "forbidden", "not allowed: %s", yf_authz_action_code(action));
    return FALSE;
}

gboolean yf_api_may(yf_api_req *r, yf_authz_action action, const yf_authz_object *obj)
{
    return yf_authz_check(r->api->store, &r->who, action, obj) == YF_AUTHZ_ALLOW;
}

/* ---- request parsing ---- */

char *yf_api_header(yf_api_req *r, enum lws_token_indexes t)
{
    return hdr(r->wsi, t);
}

void yf_api_set_session_cookie(yf_api_req *r, const char *token, int64_t max_age_s)
{
    /* Path /api/v1: the pages themselves never carry it. Secure: the server
     * speaks only HTTPS. SameSite=Strict: no other site's page can make the
     * browser send it. HttpOnly: no page script can read it. */
    char *v = g_strdup_printf(YF_SESSION_COOKIE "=%s; Path=" YF_API_MOUNTPOINT "; Max-Age=%" G_GINT64_FORMAT
                              "; HttpOnly; Secure; SameSite=Strict", token ? token : "", token ? max_age_s : 0);
    yf_api_add_header(r, "set-cookie", v);
    g_free(v);
}

static char *hdr(struct lws *wsi, enum lws_token_indexes t)
{
    if (wsi == NULL)   /* a request without a connection (yf_api_run_detached) has no headers */
        return NULL;
    int n = lws_hdr_total_length(wsi, t);
    if (n <= 0)
        return NULL;
    char *buf = g_malloc((size_t)n + 1);
    if (lws_hdr_copy(wsi, buf, n + 1, t) < 0) {
        g_free(buf);
        return NULL;
    }
    return buf;
}

static yf_api_method method_from_name(const char *m)
{
    static const char *names[] = {"GET", "POST", "PATCH", "PUT", "DELETE"};
    for (int i = 0; i < (int)G_N_ELEMENTS(names); i++)
        if (m && strcmp(m, names[i]) == 0)
            return (yf_api_method)i;
    return YF_API_OTHER;
}

/* Method and path for HTTP/2 (:method, :path) or HTTP/1.1 (the method's URI token). */
static char *method_and_uri(struct lws *wsi, yf_api_method *method)
{
    static const struct { enum lws_token_indexes t; yf_api_method m; } h1[] = {
        {WSI_TOKEN_GET_URI, YF_API_GET}, {WSI_TOKEN_POST_URI, YF_API_POST},
        {WSI_TOKEN_PATCH_URI, YF_API_PATCH}, {WSI_TOKEN_PUT_URI, YF_API_PUT},
        {WSI_TOKEN_DELETE_URI, YF_API_DELETE}, {WSI_TOKEN_OPTIONS_URI, YF_API_OTHER},
        {WSI_TOKEN_HEAD_URI, YF_API_OTHER}};
    char *m = hdr(wsi, WSI_TOKEN_HTTP_COLON_METHOD);
    if (m) {   /* HTTP/2 */
        *method = method_from_name(m);
        g_free(m);
        return hdr(wsi, WSI_TOKEN_HTTP_COLON_PATH);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(h1); i++) {
        char *uri = hdr(wsi, h1[i].t);
        if (uri) {
            *method = h1[i].m;
            return uri;
        }
    }
    *method = YF_API_OTHER;
    return NULL;
}

static GHashTable *parse_query(struct lws *wsi)
{
    GHashTable *q = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    char frag[1024];
    for (int i = 0; i < 64; i++) {
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0)
            break;
        char *eq = strchr(frag, '=');
        if (eq == NULL || eq == frag)
            continue;
        g_hash_table_replace(q, g_strndup(frag, (gsize)(eq - frag)), g_strdup(eq + 1));
    }
    return q;
}

/* Keeps the part below /api/v1 without a query string or a trailing slash. */
static char *api_path(const char *uri)
{
    const char *p = uri;
    if (g_str_has_prefix(p, YF_API_MOUNTPOINT))
        p += strlen(YF_API_MOUNTPOINT);
    char *path = g_strndup(p, strcspn(p, "?"));
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        path[--n] = '\0';
    return path;
}

static yf_api_req *req_new(yf_api *api, struct lws *wsi)
{
    yf_api_req *r = g_new0(yf_api_req, 1);
    r->api = api;
    r->wsi = wsi;
    r->fd = -1;
    r->is_h2 = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COLON_METHOD) > 0;
    char *uri = method_and_uri(wsi, &r->method);
    r->path = api_path(uri ? uri : "");
    g_free(uri);
    r->query = parse_query(wsi);
    r->body = g_byte_array_new();
    r->body_cap = YF_API_MAX_BODY;
    r->started_ms = g_get_real_time() / 1000;
    return r;
}

/* ---- routing ---- */

/* TRUE when path matches pattern; numeric segments go to ids. */
static gboolean match(const char *pattern, const char *path, int64_t ids[2])
{
    int nid = 0;
    while (*pattern && *path) {
        if (*pattern == '#') {
            const char *end = path;
            while (g_ascii_isdigit(*end))
                end++;
            if (end == path || end - path > 15 || *path == '0' || nid >= 2)
                return FALSE;
            ids[nid++] = g_ascii_strtoll(path, NULL, 10);
            path = end;
            pattern++;
        } else if (*pattern++ != *path++) {
            return FALSE;
        }
    }
    return *pattern == '\0' && *path == '\0';
}

static const route *find_route(yf_api_req *r, gboolean *path_known)
{
    *path_known = FALSE;
    for (size_t i = 0; i < G_N_ELEMENTS(routes); i++) {
        int64_t ids[2] = {0, 0};
        if (!match(routes[i].pattern, r->path, ids))
            continue;
        *path_known = TRUE;
        if (routes[i].method == r->method) {
            memcpy(r->ids, ids, sizeof ids);
            return &routes[i];
        }
    }
    return NULL;
}

/* A request carried by the console's cookie must come from a page of this
 * server: its Origin (browsers send one with every POST) names our host, and
 * every change carries the session's CSRF token. SameSite=Strict already
 * keeps other sites' pages from sending the cookie; this holds even for a
 * browser that ignores SameSite. FALSE after replying 403. */
gboolean yf_api_same_origin(yf_api_req *r)
{
    char *origin = hdr(r->wsi, WSI_TOKEN_ORIGIN);
    char *host = hdr(r->wsi, WSI_TOKEN_HOST);
    if (!host)
        host = hdr(r->wsi, WSI_TOKEN_HTTP_COLON_AUTHORITY);
    gboolean ok = yf_origin_matches(origin, host);
    if (!ok) {
        g_message("%s from another origin refused: %s", r->path, origin);
        yf_api_error(r, 403, "forbidden", "this request comes from another site's page");
    }
    g_free(origin);
    g_free(host);
    return ok;
}

static gboolean cookie_request_ok(yf_api_req *r)
{
    gboolean ok = yf_api_same_origin(r);
    if (ok && r->method != YF_API_GET) {
        /* X-Auth-Token: lws 4.1 reads headers it has no token for on
         * HTTP/1.1 only, and browsers speak HTTP/2 to us. */
        char *csrf = hdr(r->wsi, WSI_TOKEN_X_AUTH_TOKEN);
        ok = yf_csrf_ok(r->bearer, csrf);
        if (!ok) {
            g_message("%s without a valid CSRF token (X-Auth-Token) refused", r->path);
            yf_api_error(r, 403, "csrf", "the page's CSRF token is missing or wrong (X-Auth-Token); reload the page");
        }
        g_free(csrf);
    }
    return ok;
}

/* "Bearer X" -> a session; "Invitation X" (or ?t=X on /invitation) -> an invitee;
 * no Authorization but the console's cookie -> a session, checked by
 * cookie_request_ok. A presented but dead credential is 401 at once (and a
 * dead cookie is cleared). */
static gboolean resolve_principal(yf_api_req *r)
{
    GError *err = NULL;
    char *auth = hdr(r->wsi, WSI_TOKEN_HTTP_AUTHORIZATION);
    gboolean ok = TRUE;
    if (auth && g_ascii_strncasecmp(auth, "Bearer ", 7) == 0)
        r->bearer = g_strdup(g_strstrip(auth + 7));
    else if (auth && g_ascii_strncasecmp(auth, "Invitation ", 11) == 0)
        r->invitation = g_strdup(g_strstrip(auth + 11));
    else if ((strcmp(r->path, "/invitation") == 0 || g_str_has_prefix(r->path, "/invitation/")) &&
             yf_api_query(r, "t"))
        r->invitation = g_strdup(yf_api_query(r, "t"));
    else if (!auth) {
        char *cookies = hdr(r->wsi, WSI_TOKEN_HTTP_COOKIE);
        r->bearer = cookies ? yf_cookie_find(cookies, strlen(cookies), YF_SESSION_COOKIE) : NULL;
        r->by_cookie = r->bearer != NULL;
        g_free(cookies);
    }
    if (r->bearer) {
        ok = yf_store_session_lookup(r->api->store, r->bearer, r->now_ms, &r->who.staff, &err);
        r->who.kind = ok ? YF_PRINCIPAL_STAFF : YF_PRINCIPAL_NONE;
    } else if (r->invitation) {
        ok = yf_store_invitation_lookup(r->api->store, r->invitation, r->now_ms, &r->who.invitee, &err);
        r->who.kind = ok ? YF_PRINCIPAL_INVITEE : YF_PRINCIPAL_NONE;
    }
    if (!ok) {
        if (err && err->code != YF_STORE_ERROR_AUTH && err->code != YF_STORE_ERROR_NOT_FOUND) {
            yf_api_store_error(r, err, FALSE);
        } else {
            if (r->by_cookie)
                yf_api_set_session_cookie(r, NULL, 0);
            yf_api_error(r, 401, "unauthorized", "the token is unknown, expired or revoked");
        }
    } else if (r->by_cookie) {
        ok = cookie_request_ok(r);
    }
    g_clear_error(&err);
    g_free(auth);
    return ok;
}

static void dispatch(yf_api_req *r)
{
    gboolean path_known;
    r->now_ms = g_get_real_time() / 1000;
    const route *rt = find_route(r, &path_known);
    if (rt == NULL && path_known)
        yf_api_error(r, 405, "method_not_allowed", "method not allowed on %s", r->path);
    else if (rt == NULL)
        yf_api_error(r, 404, "not_found", "no such endpoint %s", r->path);
    else if (r->body_too_large)
        yf_api_error(r, 413, "too_large", "request body over %zu bytes", r->body_cap);
    else if (rt->fn == yf_api_auth_login || r->resolved || resolve_principal(r))
        rt->fn(r);
    if (r->login || r->later)
        return;   /* a sign-in being checked, work on a thread: yf_api_resume sends its reply */
    yf_api_resume(r);
}

void yf_api_resume(yf_api_req *r)
{
    if (!r->replied)
        yf_api_error(r, 500, "internal", "no reply");
    if (r->status >= 500)
        g_warning("%s -> %u", r->path, r->status);
    if (r->wsi)
        lws_callback_on_writable(r->wsi);
}

/* "a=1&b=%E5%BC%A0" into q; pieces without a name or not valid
 * percent-encoding are left out, as lws leaves out what it cannot parse. */
static void parse_query_string(GHashTable *q, const char *query)
{
    char **parts = g_strsplit(query ? query : "", "&", 64);
    for (char **p = parts; *p; p++) {
        char *eq = strchr(*p, '=');
        if (eq == NULL || eq == *p)
            continue;
        char *name = g_uri_unescape_segment(*p, eq, NULL), *value = g_uri_unescape_string(eq + 1, NULL);
        if (name && value && g_utf8_validate(value, -1, NULL)) {
            g_hash_table_replace(q, name, value);
            name = value = NULL;
        }
        g_free(name);
        g_free(value);
    }
    g_strfreev(parts);
}

unsigned yf_api_run_detached(yf_api *api, const char *bearer, const char *invitation, const char *method,
                             const char *path, const char *query, const void *body, size_t len,
                             GByteArray **reply)
{
    yf_api_req *r = g_new0(yf_api_req, 1);
    GError *err = NULL;
    gboolean path_known;
    r->api = api;
    r->fd = -1;
    r->method = method_from_name(method);
    r->path = api_path(path ? path : "");
    r->query = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    parse_query_string(r->query, query);
    r->body_cap = YF_API_MAX_BODY;
    r->body = g_byte_array_new();
    r->body_too_large = len > r->body_cap;
    if (!r->body_too_large && len)
        g_byte_array_append(r->body, body, (guint)len);
    r->now_ms = r->started_ms = g_get_real_time() / 1000;
    r->resolved = TRUE;
    r->bearer = g_strdup(bearer);   /* sign-out ends this session */
    if (bearer && yf_store_session_lookup(api->store, bearer, r->now_ms, &r->who.staff, &err))
        r->who.kind = YF_PRINCIPAL_STAFF;
    else if (!bearer && invitation &&
             yf_store_invitation_lookup(api->store, invitation, r->now_ms, &r->who.invitee, &err))
        r->who.kind = YF_PRINCIPAL_INVITEE;
    g_clear_error(&err);
    const route *rt = find_route(r, &path_known);
    if (rt && rt->fn == yf_api_auth_login)
        yf_api_error(r, 501, "not_implemented", "sign-in is not run without a connection");
    else if (rt && r->body_too_large)
        yf_api_error(r, 413, "too_large", "request body over %zu bytes", r->body_cap);
    else if (rt && (bearer || invitation) && r->who.kind == YF_PRINCIPAL_NONE)
        yf_api_error(r, 401, "unauthorized", "the token is unknown, expired or revoked");
    else if (rt)
        rt->fn(r);
    else
        yf_api_error(r, path_known ? 405 : 404, path_known ? "method_not_allowed" : "not_found", "no route");
    yf_api_resume(r);
    unsigned status = r->status;
    if (reply) {
        *reply = g_byte_array_new();
        if (r->out)
            g_byte_array_append(*reply, r->out->data, r->out->len);
    }
    req_free(r);
    return status;
}

/* ---- the writer ---- */

static int write_headers(yf_api_req *r)
{
    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    if (lws_add_http_common_headers(r->wsi, r->status, r->content_type,
                                    (lws_filepos_t)r->content_length, &p, end) ||
        lws_add_http_header_by_name(r->wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end))
        return -1;
    for (guint i = 0; r->headers && i + 1 < r->headers->len; i += 2) {
        const char *v = g_ptr_array_index(r->headers, i + 1);
        if (lws_add_http_header_by_name(r->wsi, g_ptr_array_index(r->headers, i),
                                        (const unsigned char *)v, (int)strlen(v), &p, end))
            return -1;
    }
    if (r->close_after && !r->is_h2 &&
        lws_add_http_header_by_name(r->wsi, (const unsigned char *)"connection:",
                                    (const unsigned char *)"close", 5, &p, end))
        return -1;
    if (lws_finalize_write_http_header(r->wsi, start, &p, end))
        return -1;
    r->headers_sent = TRUE;
    return 0;
}

/* Next body bytes into dst (at most cap); -1 on a read error. */
static ssize_t next_chunk(yf_api_req *r, unsigned char *dst, size_t cap)
{
    if (r->fd < 0) {
        size_t n = MIN(cap, r->out->len - r->out_pos);
        memcpy(dst, r->out->data + r->out_pos, n);
        r->out_pos += n;
        return (ssize_t)n;
    }
    size_t want = (size_t)MIN((int64_t)cap, r->file_left);
    ssize_t n = pread(r->fd, dst, want, (off_t)r->file_pos);
    if (n <= 0)
        return -1;   /* the file shrank under us: cut the connection */
    r->file_pos += n;
    r->file_left -= n;
    return n;
}

static gboolean body_done(const yf_api_req *r)
{
    return r->fd >= 0 ? r->file_left == 0 : (r->out == NULL || r->out_pos >= r->out->len);
}

/* What the socket did not take, lws keeps in the network connection's buffer
 * and sends on its next POLLOUT. On HTTP/2 that buffer belongs to the
 * connection, not the stream, and lws 4.1 does not flush it again once the
 * stream that filled it is closed: a stream ended right after a partly sent
 * last frame loses that frame's tail. So an h2 stream writes, and ends, only
 * when the connection's buffer is empty. */
static gboolean conn_backlogged(const yf_api_req *r)
{
    return r->is_h2 && lws_partial_buffered(lws_get_network_wsi(r->wsi));
}

/* One body chunk, at most what the peer's flow-control window allows; 0 when
 * the window is shut (try again later), -1 on a read or write error. */
static int write_chunk(yf_api_req *r)
{
    static unsigned char buf[LWS_PRE + CHUNK];
    size_t cap = CHUNK;
    lws_fileofs_t allow = lws_get_peer_write_allowance(r->wsi);
    if (allow == 0)
        return 0;
    if (allow > 0 && (size_t)allow < cap)
        cap = (size_t)allow;
    ssize_t n = next_chunk(r, buf + LWS_PRE, cap);
    if (n < 0)
        return -1;
    enum lws_write_protocol wp = body_done(r) ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP;
    return lws_write(r->wsi, buf + LWS_PRE, (size_t)n, wp) == n ? 0 : -1;
}

/* One writeable slot: headers first, then one chunk per slot, and the end of
 * the transaction once all of it has left (conn_backlogged). Returns 1 when
 * the transaction is over, 0 to be called again, -1 to close. */
static int on_writeable(yf_api_req *r)
{
    if (!r->replied)
        return 0;
    if (!conn_backlogged(r)) {
        if (!r->headers_sent) {
            if (write_headers(r))
                return -1;
        } else if (!body_done(r) && write_chunk(r) < 0) {
            return -1;
        }
        if (body_done(r) && !conn_backlogged(r))
            return 1;
    }
    lws_callback_on_writable(r->wsi);
    return 0;
}

/* ---- the lws callback ---- */

static int on_http(yf_api *api, yf_api_req **slot, struct lws *wsi)
{
    req_free(*slot);
    yf_api_req *r = *slot = req_new(api, wsi);
    char *cl = hdr(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    int64_t len = cl ? g_ascii_strtoll(cl, NULL, 10) : 0;
    gboolean both = cl && lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    g_free(cl);
    gboolean has_body = r->method == YF_API_POST || r->method == YF_API_PATCH ||
                        r->method == YF_API_PUT;
    guint wait_s = api->refused ? api->refused(api->refused_user, wsi) : 0;
    if (wait_s) {   /* too many requests from this address: nothing of it is read */
        char secs[16];
        g_snprintf(secs, sizeof secs, "%u", wait_s);
        r->close_after = has_body;
        r->now_ms = g_get_real_time() / 1000;
        yf_api_add_header(r, "retry-after", secs);
        yf_api_error(r, 429, "too_many_requests", "too many requests from your address; try again in %u s", wait_s);
        lws_callback_on_writable(wsi);
        return 0;
    }
    /* Both framings at once is how requests are smuggled past a proxy that
     * reads the other one (RFC 9112 section 6.1): refused, and the
     * connection is not reused. */
    if (both) {
        r->close_after = TRUE;
        r->now_ms = g_get_real_time() / 1000;
        g_message("api: a request with both Content-Length and Transfer-Encoding refused");
        yf_api_error(r, 400, "bad_request", "a request may not carry both Content-Length and Transfer-Encoding");
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (has_body && len > HARD_BODY_LIMIT) {
        r->close_after = TRUE;     /* we will not read it: the connection cannot be reused */
        r->now_ms = g_get_real_time() / 1000;
        yf_api_error(r, 413, "too_large", "request body over %zu bytes", r->body_cap);
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (has_body) {
        /* Who sends a body is known before a byte of it is kept: a dead
         * credential is answered at once, and without one (sign-in) only a
         * small body is taken. */
        r->now_ms = r->started_ms;
        gboolean anonymous = !lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) &&
                             !lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE) && !yf_api_query(r, "t");
        if (!anonymous && strcmp(r->path, "/auth/login") != 0) {
            if (!resolve_principal(r)) {
                r->close_after = TRUE;   /* the body is not read */
                lws_callback_on_writable(wsi);
                return 0;
            }
            r->resolved = TRUE;
        }
        r->body_cap = r->who.kind == YF_PRINCIPAL_NONE ? YF_API_ANON_MAX_BODY : YF_API_MAX_BODY;
        if (r->who.kind == YF_PRINCIPAL_STAFF && yf_api_aid_upload_path(r) &&
            (r->who.staff.role == YF_ROLE_AID_STAFF || r->who.staff.role == YF_ROLE_PROSECUTOR))
            r->body_cap = YF_API_AID_DOC_CAP;   /* a decision document (api_aid.c) */
        /* Without a credential an announced big body is refused at once;
         * a signed-in client's is drained unkept and refused after (413),
         * so it can read the answer instead of a reset connection. */
        if (r->who.kind == YF_PRINCIPAL_NONE && len > (int64_t)r->body_cap) {
            r->close_after = TRUE;
            yf_api_error(r, 413, "too_large", "request body over %zu bytes", r->body_cap);
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
    if (has_body && len > 0)
        return 0;                  /* LWS_CALLBACK_HTTP_BODY follows */
    dispatch(r);
    return 0;
}

/* A body must have arrived YF_API_BODY_SECONDS after the headers (lws's own
 * timeout restarts with every byte, so a client sending one byte a second
 * would hold its request for ever): past that it is answered 408 and its
 * connection closed, and what still comes is dropped. */
static void on_body(yf_api_req *r, const void *in, size_t len)
{
    if (r->replied)
        return;
    if (g_get_real_time() / 1000 - r->started_ms > YF_API_BODY_SECONDS * 1000) {
        g_message("api: %s: a request body still coming after %d s: refused", r->path, YF_API_BODY_SECONDS);
        r->close_after = TRUE;
        r->now_ms = g_get_real_time() / 1000;
        yf_api_error(r, 408, "timeout", "the request body did not arrive within %d s", YF_API_BODY_SECONDS);
        lws_callback_on_writable(r->wsi);
        return;
    }
    if (r->body_too_large || r->body->len + len > r->body_cap) {
        r->body_too_large = TRUE;
        return;
    }
    g_byte_array_append(r->body, in, (guint)len);
}

int yf_api_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    yf_api_req **slot = user;
    yf_api *api = (yf_api *)lws_get_protocol(wsi)->user;
    int rc;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return on_http(api, slot, wsi);
    case LWS_CALLBACK_HTTP_BODY:
        if (slot && *slot)
            on_body(*slot, in, len);
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (slot && *slot && !(*slot)->replied)
            dispatch(*slot);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!slot || !*slot)
            return 0;
        rc = on_writeable(*slot);
        if (rc <= 0)
            return rc;
        gboolean close_now = (*slot)->close_after;
        g_clear_pointer(slot, req_free);
        return close_now || lws_http_transaction_completed(wsi) ? -1 : 0;
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (slot)
            g_clear_pointer(slot, req_free);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}
