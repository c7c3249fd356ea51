/* http.c -- answers GET /healthz with JSON {status, version, uptime_s},
 * describes the static mount of web/, and answers a path no file under web/
 * has with a 404 page of our own, and counts the listener's connections per
 * address (the callbacks lws gives protocols[0] alone). Files are served by libwebsockets itself
 * (it refuses ".."; webroot.c opens them beneath web/, so no link leads out); /api/v1 is api.c's. */
#define G_LOG_DOMAIN "yf-http"
#include "http.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>
#include "server.h"

/* The answer to a path no file under web/ has: a true 404 with a page of our
 * own (lws's own page is English and links a /error.css that does not
 * exist). Its stylesheet is web/css/app.css, so the page follows the theme;
 * absolute links, since the missing path may be several directories deep.
 * Nothing of the request is echoed into it. */
static const char not_found_page[] =
    "<!doctype html>\n"
    "<html lang=\"zh-CN\">\n"
    "<head>\n"
    "  <meta charset=\"utf-8\">\n"
    "  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "  <title>页面不存在 · 远访</title>\n"
    "  <link rel=\"icon\" href=\"data:,\">\n"
    "  <link rel=\"stylesheet\" href=\"/css/app.css\">\n"
    "</head>\n"
    "<body>\n"
    "  <header class=\"bar\">\n"
    "    <a class=\"brand\" href=\"/\">远访</a>\n"
    "    <span class=\"tagline\">检察机关远程视频接访</span>\n"
    "  </header>\n"
    "  <main class=\"screen\">\n"
    "    <h1>页面不存在</h1>\n"
    "    <p class=\"lead\">您要打开的页面不存在。可能是网址输错了，或者这个页面已经不用了。</p>\n"
    "    <p>如果您是来参加视频接访的，请打开检察院发给您的链接。</p>\n"
    "    <div class=\"actions\">\n"
    "      <a class=\"btn primary\" href=\"/\">回到首页</a>\n"
    "    </div>\n"
    "  </main>\n"
    "</body>\n"
    "</html>\n";

#define BODY_MAX 2048
G_STATIC_ASSERT(sizeof not_found_page - 1 <= BODY_MAX);

/* Per-request state of the "http" protocol: the answer's body still to write
 * (the /healthz JSON, made when the request arrives so Content-Length and the
 * body agree, or the not-found page). */
struct yf_http_pss {
    char json[160];
    const char *body;   /* json, not_found_page or too_many_page */
    size_t len;         /* 0: nothing left to write */
    guint retry_after_s; /* 0: no Retry-After header */
};

static int send_headers(struct lws *wsi, unsigned status, const char *type, size_t len, guint retry_after_s)
{
    unsigned char buf[LWS_PRE + 1024];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
    char secs[16];
    int n = g_snprintf(secs, sizeof secs, "%u", retry_after_s);
    if (lws_add_http_common_headers(wsi, status, type, (lws_filepos_t)len, &p, end) ||
        (retry_after_s && lws_add_http_header_by_name(wsi, (const unsigned char *)"retry-after:",
                                                      (const unsigned char *)secs, n, &p, end)) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    return 0;
}

/* Sends the status and headers for pss's body; the body goes out when
 * writeable (an HTTP/2 stream needs it after its HEADERS frame). HEAD gets
 * the headers only. */
static int start_answer(struct lws *wsi, struct yf_http_pss *pss, unsigned status, const char *type)
{
    if (send_headers(wsi, status, type, pss->len, pss->retry_after_s))
        return -1;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0) {
        pss->len = 0;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    lws_callback_on_writable(wsi);
    return 0;
}

static int start_healthz(struct lws *wsi, struct yf_http_pss *pss)
{
    const yf_server *s = lws_get_protocol(wsi)->user;
    int n = snprintf(pss->json, sizeof pss->json,
                     "{\"status\":\"ok\",\"version\":\"%s\",\"uptime_s\":%" G_GINT64_FORMAT "}",
                     yf_server_version(), yf_server_uptime_s(s));
    pss->body = pss->json;
    pss->len = n > 0 && (size_t)n < sizeof pss->json ? (size_t)n : 0;
    return start_answer(wsi, pss, HTTP_STATUS_OK, "application/json");
}

static int start_not_found(struct lws *wsi, struct yf_http_pss *pss)
{
    pss->body = not_found_page;
    pss->len = sizeof not_found_page - 1;
    return start_answer(wsi, pss, HTTP_STATUS_NOT_FOUND, "text/html; charset=utf-8");
}

/* The answer to a request over its address's rate (a file, or a path with
 * none): 429 with Retry-After, in Chinese, like the 404 page (its stylesheet
 * may itself be refused for a moment: the page reads well without it). */
static const char too_many_page[] =
    "<!doctype html>\n"
    "<html lang=\"zh-CN\">\n"
    "<head>\n"
    "  <meta charset=\"utf-8\">\n"
    "  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "  <title>请稍后再试 · 远访</title>\n"
    "  <link rel=\"icon\" href=\"data:,\">\n"
    "  <link rel=\"stylesheet\" href=\"/css/app.css\">\n"
    "</head>\n"
    "<body>\n"
    "  <header class=\"bar\">\n"
    "    <span class=\"brand\">远访</span>\n"
    "    <span class=\"tagline\">检察机关远程视频接访</span>\n"
    "  </header>\n"
    "  <main class=\"screen\">\n"
    "    <h1>请稍后再试</h1>\n"
    "    <p class=\"lead\">您所在的网络在短时间内访问的次数太多，服务器暂时没有受理。</p>\n"
    "    <p>请等几秒钟，再刷新本页。</p>\n"
    "  </main>\n"
    "</body>\n"
    "</html>\n";
G_STATIC_ASSERT(sizeof too_many_page - 1 <= BODY_MAX);

static int start_too_many(struct lws *wsi, struct yf_http_pss *pss, guint wait_s)
{
    pss->body = too_many_page;
    pss->len = sizeof too_many_page - 1;
    pss->retry_after_s = wait_s;
    return start_answer(wsi, pss, 429, "text/html; charset=utf-8");
}

static int write_body(struct lws *wsi, struct yf_http_pss *pss)
{
    unsigned char buf[LWS_PRE + BODY_MAX];
    size_t len = pss->len;
    if (!len || len > BODY_MAX)
        return 0;
    memcpy(buf + LWS_PRE, pss->body, len);
    pss->len = 0;
    if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_HTTP_FINAL) != (int)len)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* The request's whole path is /healthz (or /healthz/): the mount's `in` is
 * only the part below the mountpoint, the same for both callers. */
static gboolean is_healthz(struct lws *wsi)
{
    char *uri = NULL;
    int len = 0;
    if (lws_http_get_uri_and_method(wsi, &uri, &len) < 0 || !uri)
        return FALSE;
    return (len == 8 && !strncmp(uri, "/healthz", 8)) || (len == 9 && !strncmp(uri, "/healthz/", 9));
}

int yf_http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    struct yf_http_pss *pss = user;
    yf_server *server = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    /* Every connection of the listener, counted per address (server.c):
     * lws calls these on protocols[0] whatever protocol a wsi speaks. The
     * accept's user is the peer's address, not a pss. */
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: {
        const struct lws_filter_network_conn_args *a = user;
        return a && server && !yf_server_accept_connection(server, (const struct sockaddr *)&a->cli_addr, a->clilen)
                   ? -1 : 0;
    }
    case LWS_CALLBACK_WSI_CREATE:
        if (server)
            yf_server_connection_created(server, wsi);
        return 0;
    case LWS_CALLBACK_WSI_DESTROY:
        if (server)
            yf_server_connection_destroyed(server, wsi);
        return 0;
    /* Every HTTP request but a websocket upgrade, before it is dispatched:
     * counted per address (server.c), /healthz left alone (it is cheap, and
     * what a monitor polls). */
    case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
        if (server && !is_healthz(wsi))
            yf_server_http_request(server, wsi);
        return 0;
    case LWS_CALLBACK_HTTP: {
        /* Two callers: the /healthz mount, and lws for a path under the "/"
         * mount that no file answered (it hands those to protocols[0]; a
         * request over its rate is one: its open was refused). */
        guint wait_s = server ? yf_server_http_refused(server, wsi) : 0;
        if (pss)
            pss->retry_after_s = 0;
        if (wait_s)
            return start_too_many(wsi, pss, wait_s);
        return is_healthz(wsi) ? start_healthz(wsi, pss) : start_not_found(wsi, pss);
    }
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (pss && pss->len)
            return write_body(wsi, pss);
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
