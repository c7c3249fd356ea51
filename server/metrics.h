/* metrics.h -- /metrics: the server's counters in the Prometheus text
 * exposition format (version 0.0.4) on a listener of its own ([metrics]
 * listen, off by default; docs/config.md says why not on the public one).
 * metrics.c renders the text from the modules' own counters (media workers:
 * atomics summed on read; recorder, API: atomics; rooms: the control
 * thread's tables); metrics_http.c serves it. Control thread only. */
#ifndef YF_METRICS_H
#define YF_METRICS_H

#include <gio/gio.h>

#include "media/net/net.h"
#include "server/api/api.h"
#include "server/recorder/recorder.h"
#include "signaling/sigroom.h"

/* What is counted; every member borrowed (may be NULL: its metrics read 0)
 * and must outlive the listener. */
typedef struct {
    yf_net *media;
    yf_sigroom_hub *rooms;
    yf_recorder *recorder;
    yf_api *api;
} yf_metrics_sources;

/* The exposition text (g_free). */
char *yf_metrics_render(const yf_metrics_sources *src);

typedef struct yf_metrics yf_metrics;

/* What a request head (len bytes, at most YF_METRICS_HEAD_MAX, any bytes)
 * asks of the listener, from its request line "GET /metrics HTTP/1.x". */
#define YF_METRICS_HEAD_MAX 4096
typedef enum {
    YF_METRICS_BAD_REQUEST,    /* 400: not a request line, or a NUL byte */
    YF_METRICS_BAD_METHOD,     /* 405: not GET */
    YF_METRICS_NOT_FOUND,      /* 404: not /metrics */
    YF_METRICS_SERVE,          /* 200: the exposition text */
} yf_metrics_answer;
yf_metrics_answer yf_metrics_route(const char *head, gsize len);

/* Parses "IP:PORT" or "[IPv6]:PORT" into an address to bind; FALSE with a
 * sentence in *err. */
gboolean yf_metrics_parse_listen(const char *listen, GInetSocketAddress **out, GError **err);
/* Listens on `listen` (plain HTTP, GET /metrics only) on the thread-default
 * main context. NULL with *err when the address is bad or taken. */
yf_metrics *yf_metrics_new(const char *listen, const yf_metrics_sources *src, GError **err);
/* Stops listening and ends the connections in flight. Accepts NULL. */
void yf_metrics_free(yf_metrics *m);

#endif
