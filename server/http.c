/* http.c -- answers GET /healthz with JSON {status, version, uptime_s} and
 * describes the static mount of web/. Every other path is a file under web/
 * served by libwebsockets itself (it refuses "..", so no path escapes). */
#define G_LOG_DOMAIN "yf-http"
#include "http.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include "server.h"

/* Per-request state of the "http" protocol: the /healthz body, made when the
 * request arrives so Content-Length and the body written later agree. */
struct yf_http_pss {
    char body[160];
    size_t len;
};

static int send_headers(struct lws *wsi, unsigned status, size_t len)
{
    unsigned char buf[LWS_PRE + 1024];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
    if (lws_add_http_common_headers(wsi, status, "application/json", (lws_filepos_t)len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    return 0;
}

static int start_healthz(struct lws *wsi, struct yf_http_pss *pss, const char *uri)
{
    const yf_server *s = lws_get_protocol(wsi)->user;
    if (strcmp(uri, "/healthz") != 0 && strcmp(uri, "/") != 0 && uri[0] != '\0')
        return lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL) ? -1 : lws_http_transaction_completed(wsi);
    int n = snprintf(pss->body, sizeof pss->body, "{\"status\":\"ok\",\"version\":\"%s\",\"uptime_s\":%" G_GINT64_FORMAT "}",
                     yf_server_version(), yf_server_uptime_s(s));
    pss->len = n > 0 && (size_t)n < sizeof pss->body ? (size_t)n : 0;
    if (send_headers(wsi, HTTP_STATUS_OK, pss->len))
        return -1;
    /* HEAD gets the headers only; the body goes out when writeable, which
     * is also what an HTTP/2 stream needs after its HEADERS frame. */
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0) {
        pss->len = 0;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    lws_callback_on_writable(wsi);
    return 0;
}

static int write_healthz(struct lws *wsi, struct yf_http_pss *pss)
{
    unsigned char buf[LWS_PRE + sizeof pss->body];
    if (!pss->len)
        return 0;
    memcpy(buf + LWS_PRE, pss->body, pss->len);
    size_t len = pss->len;
    pss->len = 0;
    if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_HTTP_FINAL) != (int)len)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

int yf_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct yf_http_pss *pss = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        /* Only the /healthz mount reaches here; `in` is the path below it. */
        return start_healthz(wsi, pss, in ? (const char *)in : "");
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (pss && pss->len)
            return write_healthz(wsi, pss);
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

size_t yf_http_pss_size(void)
{
    return sizeof(struct yf_http_pss);
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
