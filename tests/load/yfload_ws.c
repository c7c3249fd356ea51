/* yfload_ws.c -- the generator's websocket client on libwebsockets' GLib
 * event loop (the same GMainContext as libnice): one connection per
 * participant, JSON text messages (RFC 6455 §5.6) queued and written only
 * when the socket is writeable, fragments joined before parsing. The
 * server's self-signed certificate is accepted: this is a test client. */
#include "yfload.h"

#include <libwebsockets.h>
#include <string.h>

#define MAX_MESSAGE (256 * 1024)

struct yfl_ws {
    yfl_ws_callbacks cb;
    void *user;
    struct lws *wsi;
    GQueue out;       /* char *, JSON text */
    GString *in;
    gboolean open, closing, closed;
};

static struct lws_context *lws_ctx;
static void *foreign_loops[1];

static void closed(yfl_ws *ws, const char *why)
{
    if (ws->closed)
        return;
    ws->closed = TRUE;
    ws->open = FALSE;
    ws->wsi = NULL;
    if (ws->cb.on_close)
        ws->cb.on_close(ws->user, ws, why);
}

static int write_one(yfl_ws *ws, struct lws *wsi)
{
    char *text = g_queue_pop_head(&ws->out);
    size_t n;
    unsigned char *buf;

    if (!text)
        return 0;
    n = strlen(text);
    buf = g_malloc(LWS_PRE + n);
    memcpy(buf + LWS_PRE, text, n);
    int rc = lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT);
    g_free(buf);
    g_free(text);
    if (rc < (int)n)
        return -1;
    if (!g_queue_is_empty(&ws->out))
        lws_callback_on_writable(wsi);
    return 0;
}

static void on_receive(yfl_ws *ws, struct lws *wsi, const void *in, size_t len)
{
    json_error_t jerr;

    if (ws->in->len + len > MAX_MESSAGE) {
        g_warning("websocket message over %d bytes: dropped", MAX_MESSAGE);
        g_string_truncate(ws->in, 0);
        return;
    }
    g_string_append_len(ws->in, in, (gssize)len);
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return;
    json_t *msg = json_loadb(ws->in->str, ws->in->len, 0, &jerr);
    g_string_truncate(ws->in, 0);
    if (!msg) {
        g_warning("server sent bad JSON: %s", jerr.text);
        return;
    }
    if (ws->cb.on_message)
        ws->cb.on_message(ws->user, ws, msg);
    json_decref(msg);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
    yfl_ws *ws = lws_get_opaque_user_data(wsi);

    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        if (!ws)
            return -1;
        ws->open = TRUE;
        if (ws->cb.on_open)
            ws->cb.on_open(ws->user, ws);
        if (!g_queue_is_empty(&ws->out))
            lws_callback_on_writable(wsi);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (ws)
            on_receive(ws, wsi, in, len);
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (!ws || ws->closing)
            return -1;
        return write_one(ws, wsi);
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (ws)
            closed(ws, in && len ? (const char *)in : "connection error");
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        if (ws)
            closed(ws, "closed");
        break;
    case LWS_CALLBACK_WSI_DESTROY:
        if (ws) {
            lws_set_opaque_user_data(wsi, NULL);
            closed(ws, "closed");
        }
        break;
    default: break;
    }
    return 0;
}

static const struct lws_protocols protocols[] = {
    { "yfload", callback, 0, 65536, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

gboolean yfl_ws_init(GMainLoop *loop)
{
    struct lws_context_creation_info info;

    memset(&info, 0, sizeof info);
    lws_set_log_level(LLL_ERR, NULL);
    foreign_loops[0] = loop;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_GLIB | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.foreign_loops = foreign_loops;
    info.fd_limit_per_thread = 4096;
    lws_ctx = lws_create_context(&info);
    return lws_ctx != NULL;
}

void yfl_ws_shutdown(void)
{
    if (lws_ctx)
        lws_context_destroy(lws_ctx);
    lws_ctx = NULL;
}

yfl_ws *yfl_ws_connect(const char *host, int port, gboolean tls, const char *path, const char *protocol,
                       const yfl_ws_callbacks *cb, void *user)
{
    struct lws_client_connect_info ci;
    yfl_ws *ws = g_new0(yfl_ws, 1);

    ws->cb = *cb;
    ws->user = user;
    ws->in = g_string_new(NULL);
    g_queue_init(&ws->out);
    memset(&ci, 0, sizeof ci);
    ci.context = lws_ctx;
    ci.address = host;
    ci.port = port;
    ci.path = path;
    ci.host = host;
    ci.origin = host;
    ci.protocol = protocol;
    ci.local_protocol_name = "yfload";
    if (tls)
        ci.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                            LCCSCF_ALLOW_INSECURE | LCCSCF_ALLOW_EXPIRED;
    ci.opaque_user_data = ws;
    ci.pwsi = &ws->wsi;
    if (!lws_client_connect_via_info(&ci))
        closed(ws, "cannot connect");
    return ws;
}

void yfl_ws_send_take(yfl_ws *ws, json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);

    json_decref(msg);
    if (!text || ws->closed) {
        free(text);
        return;
    }
    g_queue_push_tail(&ws->out, g_strdup(text));
    free(text);
    if (ws->wsi && ws->open)
        lws_callback_on_writable(ws->wsi);
}

void yfl_ws_close(yfl_ws *ws)
{
    if (ws->closed || !ws->wsi)
        return;
    ws->closing = TRUE;
    lws_callback_on_writable(ws->wsi);
}

void yfl_ws_free(yfl_ws *ws)
{
    if (!ws)
        return;
    if (ws->wsi) {
        lws_set_opaque_user_data(ws->wsi, NULL);
        if (!ws->closed)
            lws_callback_on_writable(ws->wsi); /* writeable without user data: closes */
    }
    g_queue_clear_full(&ws->out, g_free);
    g_string_free(ws->in, TRUE);
    g_free(ws);
}
