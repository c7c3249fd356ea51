/* metrics_http.c -- the /metrics listener ([metrics] listen): plain HTTP/1.x
 * on GIO sockets on the control thread's main context, one request per
 * connection: "GET /metrics" gets the exposition text (metrics.c), any other
 * path 404, any other method 405, a request head over 4 KiB or slower than
 * 5 s is dropped. Nothing of the public listener (TLS, the API, the files)
 * is reachable here, and /metrics is not reachable there. */
#define G_LOG_DOMAIN "yf-metrics"
#include "metrics.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#define HEAD_MAX YF_METRICS_HEAD_MAX
#define CLIENT_TIMEOUT_S 5
#define MAX_CLIENTS 16

struct yf_metrics {
    GSocketService *service;
    yf_metrics_sources src;
    GHashTable *clients;          /* client* set: those in flight */
};

/* One connection. Invariant: m == NULL once the listener is gone (then
 * nothing of it is touched); it is freed by whichever callback ends it. */
typedef struct {
    yf_metrics *m;
    GSocketConnection *conn;
    GCancellable *cancel;
    guint timeout;
    char buf[HEAD_MAX + 1];
    gsize len;
    char *reply;
} client;

static void client_end(client *c)
{
    if (c->m)
        g_hash_table_remove(c->m->clients, c);
    if (c->timeout)
        g_source_remove(c->timeout);
    g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
    g_object_unref(c->conn);
    g_object_unref(c->cancel);
    g_free(c->reply);
    g_free(c);
}

static gboolean on_timeout(gpointer data)
{
    client *c = data;
    c->timeout = 0;
    g_cancellable_cancel(c->cancel);
    return G_SOURCE_REMOVE;
}

static void on_written(GObject *src, GAsyncResult *res, gpointer data)
{
    g_output_stream_write_all_finish(G_OUTPUT_STREAM(src), res, NULL, NULL);
    client_end(data);
}

static void respond(client *c, const char *status, const char *type, char *body)
{
    c->reply = g_strdup_printf("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                               "Cache-Control: no-store\r\nConnection: close\r\n\r\n%s",
                               status, type, strlen(body), body);
    g_free(body);
    g_output_stream_write_all_async(g_io_stream_get_output_stream(G_IO_STREAM(c->conn)), c->reply,
                                    strlen(c->reply), G_PRIORITY_DEFAULT, c->cancel, on_written, c);
}

yf_metrics_answer yf_metrics_route(const char *head, gsize len)
{
    if (len > YF_METRICS_HEAD_MAX || memchr(head, '\0', len))   /* no HTTP head holds a NUL */
        return YF_METRICS_BAD_REQUEST;
    const char *eol = head;
    while (eol < head + len && *eol != '\r' && *eol != '\n')
        eol++;
    char *line = g_strndup(head, (gsize)(eol - head));
    char **w = g_strsplit(line, " ", 4);
    g_free(line);
    yf_metrics_answer a = g_strv_length(w) != 3 || !g_str_has_prefix(w[2], "HTTP/1.") ? YF_METRICS_BAD_REQUEST
                          : strcmp(w[0], "GET") != 0                                   ? YF_METRICS_BAD_METHOD
                          : strcmp(w[1], "/metrics") != 0                              ? YF_METRICS_NOT_FOUND
                                                                                        : YF_METRICS_SERVE;
    g_strfreev(w);
    return a;
}

/* The request line of a complete head decides the reply. */
static void answer(client *c)
{
    switch (yf_metrics_route(c->buf, c->len)) {
    case YF_METRICS_BAD_REQUEST:
        respond(c, "400 Bad Request", "text/plain; charset=utf-8", g_strdup("bad request\n"));
        break;
    case YF_METRICS_BAD_METHOD:
        respond(c, "405 Method Not Allowed", "text/plain; charset=utf-8", g_strdup("only GET\n"));
        break;
    case YF_METRICS_NOT_FOUND:
        respond(c, "404 Not Found", "text/plain; charset=utf-8", g_strdup("only /metrics is here\n"));
        break;
    case YF_METRICS_SERVE:
        respond(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", yf_metrics_render(&c->m->src));
        break;
    }
}

static void on_read(GObject *src, GAsyncResult *res, gpointer data);

static void read_more(client *c)
{
    g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(c->conn)), c->buf + c->len,
                              HEAD_MAX - c->len, G_PRIORITY_DEFAULT, c->cancel, on_read, c);
}

static void on_read(GObject *src, GAsyncResult *res, gpointer data)
{
    client *c = data;
    gssize n = g_input_stream_read_finish(G_INPUT_STREAM(src), res, NULL);
    if (n <= 0 || !c->m) {   /* closed, failed, timed out, or the listener is gone */
        client_end(c);
        return;
    }
    c->len += (gsize)n;
    c->buf[c->len] = '\0';
    if (memchr(c->buf, '\0', c->len)) {   /* no HTTP head holds a NUL */
        answer(c);
        return;
    }
    if (strstr(c->buf, "\r\n\r\n") || strstr(c->buf, "\n\n")) {
        if (c->timeout)
            g_source_remove(c->timeout);
        c->timeout = g_timeout_add_seconds(CLIENT_TIMEOUT_S, on_timeout, c);
        answer(c);
    } else if (c->len >= HEAD_MAX) {
        g_message("metrics: a request head over %d bytes; dropped", HEAD_MAX);
        client_end(c);
    } else {
        read_more(c);
    }
}

static gboolean on_incoming(GSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
    yf_metrics *m = data;
    (void)service; (void)source;
    if (g_hash_table_size(m->clients) >= MAX_CLIENTS) {
        g_message("metrics: %d scrapes in flight already; a connection closed", MAX_CLIENTS);
        return FALSE;   /* GIO closes it */
    }
    client *c = g_new0(client, 1);
    c->m = m;
    c->conn = g_object_ref(conn);
    c->cancel = g_cancellable_new();
    c->timeout = g_timeout_add_seconds(CLIENT_TIMEOUT_S, on_timeout, c);
    g_hash_table_add(m->clients, c);
    read_more(c);
    return TRUE;
}

gboolean yf_metrics_parse_listen(const char *listen, GInetSocketAddress **out, GError **err)
{
    const char *colon = listen ? strrchr(listen, ':') : NULL;
    char *host = NULL, *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    *out = NULL;
    if (colon && end && *end == '\0' && colon[1] && port >= 1 && port <= 65535) {
        host = g_strndup(listen, colon - listen);
        if (host[0] == '[' && g_str_has_suffix(host, "]")) {
            char *inner = g_strndup(host + 1, strlen(host) - 2);
            g_free(host);
            host = inner;
        } else if (strchr(host, ':')) {
            g_clear_pointer(&host, g_free);   /* IPv6 without brackets */
        }
    }
    GSocketAddress *a = host ? g_inet_socket_address_new_from_string(host, (guint)port) : NULL;
    g_free(host);
    if (!a) {
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                    "[metrics] listen must be IP:PORT or [IPv6]:PORT (an address, not a name), not \"%s\"",
                    listen ? listen : "");
        return FALSE;
    }
    *out = G_INET_SOCKET_ADDRESS(a);
    return TRUE;
}

yf_metrics *yf_metrics_new(const char *listen, const yf_metrics_sources *src, GError **err)
{
    GInetSocketAddress *addr = NULL;
    if (!yf_metrics_parse_listen(listen, &addr, err))
        return NULL;
    yf_metrics *m = g_new0(yf_metrics, 1);
    m->src = *src;
    m->clients = g_hash_table_new(NULL, NULL);
    m->service = g_socket_service_new();
    GError *e = NULL;
    if (!g_socket_listener_add_address(G_SOCKET_LISTENER(m->service), G_SOCKET_ADDRESS(addr),
                                       G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, NULL, &e)) {
        g_set_error(err, G_IO_ERROR, e->code, "[metrics] listen %s: %s", listen, e->message);
        g_error_free(e);
        g_object_unref(addr);
        yf_metrics_free(m);
        return NULL;
    }
    g_object_unref(addr);
    g_signal_connect(m->service, "incoming", G_CALLBACK(on_incoming), m);
    g_socket_service_start(m->service);
    g_message("metrics on http://%s/metrics", listen);
    return m;
}

void yf_metrics_free(yf_metrics *m)
{
    GHashTableIter it;
    gpointer k;
    if (!m)
        return;
    g_socket_service_stop(m->service);
    g_socket_listener_close(G_SOCKET_LISTENER(m->service));
    g_object_unref(m->service);
    g_hash_table_iter_init(&it, m->clients);
    while (g_hash_table_iter_next(&it, &k, NULL)) {
        client *c = k;
        c->m = NULL;   /* its callback frees it, after the cancel */
        g_cancellable_cancel(c->cancel);
    }
    g_hash_table_destroy(m->clients);
    g_free(m);
}
