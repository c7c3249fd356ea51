/* http.c -- answers GET /healthz with JSON {status, version, uptime_s} and
 * describes the static mount of web/. Every other path is a file under web/
 * served by libwebsockets itself (it refuses "..", so no path escapes). */
#define G_LOG_DOMAIN "yf-http"
#include "http.h"

#include <jansson.h>
#include <string.h>
#include "server.h"

static int send_json(struct lws *wsi, unsigned status, const char *body)
{
    size_t len = strlen(body);
    unsigned char buf[LWS_PRE + 1024];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
    if (len > 512)
        return -1;
    if (lws_add_http_common_headers(wsi, status, "application/json", (lws_filepos_t)len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    memcpy(p, body, len);
    if (lws_write(wsi, p, len, LWS_WRITE_HTTP_FINAL) != (int)len)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int serve_healthz(struct lws *wsi, const char *uri)
{
    const yf_server *s = lws_get_protocol(wsi)->user;
    if (strcmp(uri, "/healthz") != 0 && strcmp(uri, "/") != 0 && uri[0] != '\0')
        return lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL) ? -1 : lws_http_transaction_completed(wsi);
    json_t *o = json_pack("{s:s, s:s, s:I}", "status", "ok", "version", yf_server_version(),
                          "uptime_s", (json_int_t)yf_server_uptime_s(s));
    char *body = o ? json_dumps(o, JSON_COMPACT) : NULL;
    int rc = body ? send_json(wsi, HTTP_STATUS_OK, body) : -1;
    free(body);
    json_decref(o);
    return rc;
}

int yf_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        /* Only the /healthz mount reaches here; `in` is the path below it. */
        return serve_healthz(wsi, in ? (const char *)in : "");
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

void yf_http_mounts_init(struct lws_http_mount mounts[2], const char *web_dir)
{
    memset(mounts, 0, 2 * sizeof mounts[0]);
    mounts[0].mount_next = &mounts[1];
    mounts[0].mountpoint = "/healthz";
    mounts[0].mountpoint_len = strlen("/healthz");
    mounts[0].origin = "http";
    mounts[0].origin_protocol = LWSMPRO_CALLBACK;
    mounts[1].mountpoint = "/";
    mounts[1].mountpoint_len = 1;
    mounts[1].origin = web_dir;
    mounts[1].def = "index.html";
    mounts[1].origin_protocol = LWSMPRO_FILE;
    mounts[1].cache_max_age = 0;
}
